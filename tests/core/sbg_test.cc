#include "crmcore/sbg.h"

#include <cmath>
#include <vector>

#include <boost/multiprecision/cpp_bin_float.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "crmcore/retention.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using Real = boost::multiprecision::cpp_bin_float_50;

// Fader & Hardie (2007), "How to project customer retention": survivors of 1000 customers
// at the start of years 0..7, and the published fits.
const std::vector<double> kRegular = {1000, 631, 468, 382, 326, 289, 262, 241};
const std::vector<double> kHighEnd = {1000, 869, 743, 653, 593, 551, 517, 491};

SbgFit FitCohorts(std::vector<std::vector<double>> cohorts) {
  auto series = SurvivorSeries::Create(cohorts);
  EXPECT_TRUE(series.ok()) << series.status();
  auto fit = FitSbg(*series);
  EXPECT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->report.converged) << fit->report.message;
  return *fit;
}

// S(t) as the product of the retention rates (FH 2007), in 50 digits.
Real ReferenceSurvival(const SbgParams& p, int t) {
  Real s = 1;
  for (int i = 1; i <= t; ++i) s *= (Real(p.beta) + i - 1) / (Real(p.alpha) + p.beta + i - 1);
  return s;
}

double RelativeError(double value, const Real& reference) {
  return static_cast<double>(abs((Real(value) - reference) / reference));
}

TEST(SbgFitTest, ReproducesPublishedRegularAndHighEndFits) {
  const SbgFit regular = FitCohorts({kRegular});
  EXPECT_NEAR(regular.params.alpha, 0.704, 0.0005);
  EXPECT_NEAR(regular.params.beta, 1.182, 0.0005);
  EXPECT_NEAR(regular.report.log_likelihood, -1680.3, 0.05);  // FH 2007: LL = −1,680.3
  const SbgFit high_end = FitCohorts({kHighEnd});
  EXPECT_NEAR(high_end.params.alpha, 0.668, 0.0005);
  EXPECT_NEAR(high_end.params.beta, 3.806, 0.0005);
}

TEST(SbgFitTest, SeveralCohortsAddUp) {
  // Two identical cohorts fit like one, with twice its log-likelihood; a shorter second
  // cohort (observed 3 years) still contributes.
  const SbgFit once = FitCohorts({kRegular});
  const SbgFit twice = FitCohorts({kRegular, kRegular});
  EXPECT_NEAR(twice.params.alpha, once.params.alpha, 1e-6);
  EXPECT_NEAR(twice.report.log_likelihood, 2 * once.report.log_likelihood, 1e-6);
  auto series = SurvivorSeries::Create(std::vector<std::vector<double>>{kRegular, {500, 320, 240}});
  ASSERT_TRUE(series.ok());
  EXPECT_DOUBLE_EQ(series->total_weight(), 1500.0);
  EXPECT_DOUBLE_EQ(series->churned()[1], 369.0 + 180.0);
  EXPECT_DOUBLE_EQ(series->censored()[2], 240.0);
  EXPECT_DOUBLE_EQ(series->censored()[7], 241.0);
}

TEST(SbgLikelihoodTest, MatchesReferenceAndGradientMatchesFiniteDifferences) {
  auto series = SurvivorSeries::Create(std::vector<std::vector<double>>{kRegular, kHighEnd});
  ASSERT_TRUE(series.ok());
  const SbgParams p{0.704, 1.182};
  auto sum = SbgLogLikelihoodSum(p, *series);
  ASSERT_TRUE(sum.ok()) << sum.status();
  Real reference = 0;
  for (const std::vector<double>& s : {kRegular, kHighEnd}) {
    for (size_t t = 1; t < s.size(); ++t) {
      const Real churn = ReferenceSurvival(p, static_cast<int>(t) - 1) -
                         ReferenceSurvival(p, static_cast<int>(t));
      reference += (s[t - 1] - s[t]) * log(churn);
    }
    reference += s.back() * log(ReferenceSurvival(p, static_cast<int>(s.size()) - 1));
  }
  EXPECT_LT(RelativeError(sum->log_likelihood, reference), 1e-13);
  for (size_t k = 0; k < 2; ++k) {
    auto shifted = [&](double step) {
      double lp[2] = {std::log(p.alpha), std::log(p.beta)};
      lp[k] += step;
      return SbgLogLikelihoodSum({std::exp(lp[0]), std::exp(lp[1])}, *series)->log_likelihood;
    };
    const double h = 1e-6;
    const double numeric = (shifted(h) - shifted(-h)) / (2 * h);
    EXPECT_NEAR(sum->gradient[k], numeric, 1e-6 * std::max(1.0, std::fabs(numeric))) << k;
  }
}

TEST(SbgPredictionTest, RetentionSurvivalAndProjectionMatchReference) {
  const SbgParams p{0.704, 1.182};
  for (int t : {1, 2, 7, 12, 1000}) {
    EXPECT_LT(RelativeError(*SbgSurvival(p, t), ReferenceSurvival(p, t)), 1e-12) << t;
    EXPECT_LT(RelativeError(*SbgChurnProbability(p, t),
                            ReferenceSurvival(p, t - 1) - ReferenceSurvival(p, t)),
              1e-12)
        << t;
    EXPECT_DOUBLE_EQ(*SbgRetentionRate(p, t), (p.beta + t - 1) / (p.alpha + p.beta + t - 1));
  }
  EXPECT_EQ(*SbgSurvival(p, 0), 1.0);
  // Retention rises over time: the customers most likely to churn leave first.
  EXPECT_LT(*SbgRetentionRate(p, 1), *SbgRetentionRate(p, 2));
  auto projected = SbgProjectSurvivors(p, 1000, 13);
  ASSERT_TRUE(projected.ok());
  ASSERT_EQ(projected->size(), 13u);
  for (int t = 0; t < 13; ++t) {
    EXPECT_LT(RelativeError((*projected)[static_cast<size_t>(t)], 1000 * ReferenceSurvival(p, t)),
              1e-13)
        << t;
  }
  // The fitted curve tracks the observed regular survivors (FH 2007 Figure): within 3 %.
  for (size_t t = 0; t < kRegular.size(); ++t) {
    EXPECT_NEAR((*projected)[t], kRegular[t], 0.03 * kRegular[t]) << t;
  }
}

TEST(SbgPredictionTest, ResidualLifetimeMatchesDirectSumAndRetentionValue) {
  const SbgParams p{0.704, 1.182};
  for (double n : {0.0, 1.0, 4.0, 30.0}) {
    for (double d : {0.1, 0.01}) {
      auto derl = SbgDiscountedExpectedResidualLifetime(p, d, n);
      ASSERT_TRUE(derl.ok()) << derl.status();
      // Σ_k S(n+k)/S(n) (1+d)^−k, summed in 50 digits until the terms are negligible.
      Real ratio = 1, discount = 1, sum = 0;
      for (int k = 0; k < 20000; ++k) {
        sum += ratio * discount;
        ratio *= (Real(p.beta) + n + k) / (Real(p.alpha) + p.beta + n + k);
        discount /= (1 + Real(d));
        if (ratio * discount < sum * Real("1e-40")) break;
      }
      EXPECT_LT(RelativeError(*derl, sum), 1e-12) << n << " " << d;
    }
  }
  // Undiscounted, finite for alpha > 1: (α+β+n−1)/(α−1).
  EXPECT_NEAR(*SbgDiscountedExpectedResidualLifetime({2.5, 3.0}, 0.0, 2.0), 6.5 / 1.5, 1e-14);
  // Without heterogeneity (θ concentrated at 1 − r) the value is the retention formula of
  // retention.h: margin · DERL → m(1+d)/(1+d−r).
  const double r = 0.8, d = 0.1, m = 100.0, k = 1e9;
  auto homogeneous = SbgDiscountedExpectedResidualLifetime({k * (1 - r), k * r}, d, 0.0);
  ASSERT_TRUE(homogeneous.ok());
  EXPECT_NEAR(m * *homogeneous, *RetentionLifetimeValue(m, r, d), 1e-5);
  // With heterogeneity and the same first-period retention r(1) = 0.8, value is higher.
  auto mixed = SbgDiscountedExpectedResidualLifetime({0.2, 0.8}, d, 0.0);
  EXPECT_GT(m * *mixed, *RetentionLifetimeValue(m, r, d));
}

// The finite-horizon sum: the 50-digit partial sums of S(n+k)/S(n) (1+d)^-k, k >= 1; its
// limit DERL − 1; and no overflow to 0 where α+β exceeds DBL_MAX (r(t) stays ~ 1/2).
TEST(SbgPredictionTest, ResidualPaymentsArePartialSumsOfDerl) {
  const SbgParams p{0.704, 1.182};
  for (double n : {0.0, 3.0, 30.0}) {
    for (double d : {0.0, 0.05, -0.01}) {
      for (int64_t periods : {int64_t{0}, int64_t{1}, int64_t{12}, int64_t{100}}) {
        auto sum = SbgExpectedResidualPayments(p, d, n, periods);
        ASSERT_TRUE(sum.ok()) << sum.status();
        Real ratio = 1, discount = 1, reference = 0;
        for (int64_t k = 1; k <= periods; ++k) {
          ratio *= (Real(p.beta) + n + k - 1) / (Real(p.alpha) + p.beta + n + k - 1);
          discount /= (1 + Real(d));
          reference += ratio * discount;
        }
        EXPECT_LE(std::abs(*sum - static_cast<double>(reference)),
                  1e-13 * (1 + static_cast<double>(reference)))
            << n << " " << d << " " << periods;
      }
    }
    auto derl = SbgDiscountedExpectedResidualLifetime(p, 0.1, n);
    auto long_sum = SbgExpectedResidualPayments(p, 0.1, n, 2000);
    ASSERT_TRUE(derl.ok() && long_sum.ok());
    EXPECT_LT(RelativeError(*long_sum, *derl - 1.0), 1e-12) << n;
  }
  auto huge = SbgExpectedResidualPayments({1e308, 1e308}, 0.0, 5.0, 3);
  ASSERT_TRUE(huge.ok()) << huge.status();
  EXPECT_NEAR(*huge, 0.5 + 0.25 + 0.125, 1e-12);
  EXPECT_THAT(SbgExpectedResidualPayments(p, -1.0, 0.0, 1).status().message(),
              HasSubstr("discount d must be finite and > -1, got -1"));
  EXPECT_THAT(SbgExpectedResidualPayments(p, 0.1, 0.5, 1).status().message(),
              HasSubstr("integer"));
  EXPECT_THAT(SbgExpectedResidualPayments(p, 0.1, 0.0, -1).status().message(),
              HasSubstr("periods must be in [0, 10000000], got -1"));
}

// Covers docs/bad-input.md BI-MOD-18, BI-MOD-09
TEST(SbgBadInputTest, InvalidSeriesAndArgumentsAreNamed) {
  auto create = [](std::vector<std::vector<double>> cohorts) {
    return SurvivorSeries::Create(cohorts).status();
  };
  EXPECT_THAT(create({}).message(), HasSubstr("no cohorts"));
  EXPECT_THAT(create({{1000}}).message(), HasSubstr("cohort 0: needs at least 2 counts"));
  EXPECT_THAT(create({{1000, 900}, {0, 0}}).message(),
              HasSubstr("cohort 1 period 0: the initial count must be > 0, got 0"));
  EXPECT_THAT(create({{1000, 900, 950}}).message(),
              HasSubstr("cohort 0 period 2: survivors 950 exceed those of period 1 (900)"));
  EXPECT_THAT(create({{1000, NAN}}).message(),
              HasSubstr("cohort 0 period 1: survivors must be finite and >= 0, got nan"));
  EXPECT_THAT(FitSbg(*SurvivorSeries::Create(std::vector<std::vector<double>>{{10, 10, 10}}))
                  .status()
                  .message(),
              HasSubstr("no customer churned"));
  EXPECT_THAT(FitSbg(*SurvivorSeries::Create(std::vector<std::vector<double>>{{10, 4, 0}}))
                  .status()
                  .message(),
              HasSubstr("every customer churned"));
  const SbgParams p{0.7, 1.2};
  EXPECT_THAT((SbgParams{-1, 1}.Validate().message()),
              HasSubstr("sBG: parameter alpha must be finite and > 0, got -1"));
  EXPECT_THAT(SbgSurvival(p, 1.5).status().message(),
              HasSubstr("period t must be an integer >= 0, got 1.5"));
  EXPECT_THAT(SbgRetentionRate(p, 0).status().message(),
              HasSubstr("period t must be an integer >= 1, got 0"));
  EXPECT_THAT(SbgProjectSurvivors(p, -5, 3).status().message(),
              HasSubstr("initial count must be finite and >= 0, got -5"));
  EXPECT_THAT(SbgDiscountedExpectedResidualLifetime(p, -0.1, 0).status().message(),
              HasSubstr("discount d must be finite and >= 0, got -0.1"));
  // Undiscounted with alpha <= 1: the expected lifetime is infinite.
  EXPECT_EQ(SbgDiscountedExpectedResidualLifetime(p, 0.0, 0).status().code(),
            absl::StatusCode::kOutOfRange);
}


// Every result at extreme (valid) parameters is finite — a probability in [0, 1] — or an
// OutOfRange error, never a NaN. Covers docs/bad-input.md BI-MOD-13.
void CheckFiniteOrOutOfRange(const absl::Status& status, double value, bool probability) {
  if (status.ok()) {
    EXPECT_TRUE(std::isfinite(value)) << value;
    if (probability) {
      EXPECT_TRUE(value >= 0.0 && value <= 1.0) << value;
    }
  } else {
    EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
  }
}

const std::vector<double> kExtremeGrid = {1.7e308, 2.5, 1e-300};

TEST(SbgBadInputTest, ExtremeParametersAreFiniteOrOutOfRange) {
  const SurvivorSeries series = *SurvivorSeries::Create(std::vector<std::vector<double>>{kRegular});
  for (const double a : kExtremeGrid) {
    for (const double b : kExtremeGrid) {
      const SbgParams p{a, b};
      SCOPED_TRACE(::testing::Message() << a << " " << b);
      const auto sum = SbgLogLikelihoodSum(p, series);
      CheckFiniteOrOutOfRange(sum.status(), sum.ok() ? sum->log_likelihood : 0.0, false);
      for (const double t : {1.0, 7.0}) {
        const auto churn = SbgChurnProbability(p, t);
        CheckFiniteOrOutOfRange(churn.status(), churn.ok() ? *churn : 0.0, true);
        const auto survival = SbgSurvival(p, t);
        CheckFiniteOrOutOfRange(survival.status(), survival.ok() ? *survival : 0.0, true);
        const auto retention = SbgRetentionRate(p, t);
        CheckFiniteOrOutOfRange(retention.status(), retention.ok() ? *retention : 0.0, true);
      }
      const auto derl = SbgDiscountedExpectedResidualLifetime(p, 0.1, 3);
      CheckFiniteOrOutOfRange(derl.status(), derl.ok() ? *derl : 0.0, false);
      const auto projected = SbgProjectSurvivors(p, 1000, 5);
      ASSERT_TRUE(projected.ok());
      for (const double v : *projected) EXPECT_TRUE(std::isfinite(v) && v >= 0 && v <= 1000);
    }
  }
}

}  // namespace
}  // namespace crmcore

#include "crmcore/gamma_gamma.h"

#include <cmath>
#include <limits>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model_test_data.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using Real = boost::multiprecision::cpp_bin_float_50;

const GammaGammaParams kCdnow{6.25, 3.74, 15.44};

SpendHistories CdnowSpend() {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  auto spend = SpendHistories::Create(data.x, data.zbar);
  EXPECT_TRUE(spend.ok()) << spend.status();
  return *std::move(spend);
}

// log L written directly from the formula, in 50 digits.
Real ReferenceLogLikelihood(const GammaGammaParams& g, double x_, double m_) {
  const Real p = g.p, q = g.q, gamma = g.gamma, x = x_, m = m_;
  return boost::math::lgamma(p * x + q) - boost::math::lgamma(p * x) - boost::math::lgamma(q) +
         q * log(gamma) + (p * x - 1) * log(m) + p * x * log(x) - (p * x + q) * log(gamma + m * x);
}

TEST(GammaGammaFitTest, ReproducesPublishedCdnowEstimates) {
  const SpendHistories spend = CdnowSpend();
  EXPECT_DOUBLE_EQ(spend.total_weight(), 946.0);
  auto fit = FitGammaGamma(spend);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->report.converged) << fit->report.message;
  // Fader, Hardie & Lee (2005, "RFM and CLV"): p = 6.25, q = 3.74, γ = 15.44; the bundled
  // mean spends are rounded to cents, so γ is allowed 0.02.
  EXPECT_NEAR(fit->params.p, 6.25, 0.005);
  EXPECT_NEAR(fit->params.q, 3.74, 0.005);
  EXPECT_NEAR(fit->params.gamma, 15.44, 0.02);
}

TEST(GammaGammaLikelihoodTest, MatchesReferenceAndFiniteDifferences) {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  const SpendHistories spend = CdnowSpend();
  auto sum = GammaGammaLogLikelihoodSum(kCdnow, spend);
  ASSERT_TRUE(sum.ok());
  Real reference = 0;
  for (size_t i = 0; i < data.x.size(); ++i) {
    if (data.x[i] > 0) reference += ReferenceLogLikelihood(kCdnow, data.x[i], data.zbar[i]);
  }
  EXPECT_NEAR(sum->log_likelihood, static_cast<double>(reference), 1e-9);
  for (size_t k = 0; k < 3; ++k) {
    auto shifted = [&](double step) {
      double lp[3] = {std::log(kCdnow.p), std::log(kCdnow.q), std::log(kCdnow.gamma)};
      lp[k] += step;
      const GammaGammaParams g{std::exp(lp[0]), std::exp(lp[1]), std::exp(lp[2])};
      return GammaGammaLogLikelihoodSum(g, spend)->log_likelihood;
    };
    const double h = 1e-6;
    const double numeric = (shifted(h) - shifted(-h)) / (2 * h);
    EXPECT_NEAR(sum->gradient[k], numeric, 1e-5 * std::max(1.0, std::fabs(numeric))) << k;
  }
}

TEST(GammaGammaLikelihoodTest, FourPartitionsMatchSingleBatchFit) {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  std::vector<SpendHistories> parts;
  const size_t n = data.x.size();
  for (size_t part = 0; part < 4; ++part) {
    const size_t begin = n * part / 4, end = n * (part + 1) / 4;
    auto s = SpendHistories::Create(absl::MakeConstSpan(data.x).subspan(begin, end - begin),
                                    absl::MakeConstSpan(data.zbar).subspan(begin, end - begin));
    ASSERT_TRUE(s.ok());
    parts.push_back(*std::move(s));
  }
  auto summed = [&](const GammaGammaParams& g) -> absl::StatusOr<LogLikelihoodSum<3>> {
    LogLikelihoodSum<3> total;
    for (const SpendHistories& s : parts) total += *GammaGammaLogLikelihoodSum(g, s);
    return total;
  };
  auto single = GammaGammaLogLikelihoodSum(kCdnow, CdnowSpend());
  auto partitioned = summed(kCdnow);
  EXPECT_NEAR(partitioned->log_likelihood, single->log_likelihood, 1e-9);
  for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(partitioned->gradient[k], single->gradient[k], 1e-9);
  auto fit_single = FitGammaGamma(CdnowSpend());
  auto fit_parts = FitGammaGammaFromSums(summed);
  ASSERT_TRUE(fit_single.ok() && fit_parts.ok());
  EXPECT_TRUE(fit_parts->report.converged);
  EXPECT_NEAR(fit_parts->params.p, fit_single->params.p, 1e-5);
  EXPECT_NEAR(fit_parts->params.q, fit_single->params.q, 1e-5);
  EXPECT_NEAR(fit_parts->params.gamma, fit_single->params.gamma, 1e-4);
}

TEST(GammaGammaPredictionTest, ExpectedMeanSpendMatchesReference) {
  std::vector<double> x = {0, 1, 2, 14, 500}, m = {0, 11.77, 22.35, 40.0, 1e4}, out(5);
  ASSERT_TRUE(GammaGammaExpectedMeanSpend(kCdnow, x, m, absl::MakeSpan(out)).ok());
  for (size_t i = 0; i < x.size(); ++i) {
    const Real p = kCdnow.p, q = kCdnow.q, g = kCdnow.gamma, xi = x[i], mi = m[i];
    // Weighted mean of the population mean and the customer's own mean (FHL 2005).
    const Real weight = p * xi / (p * xi + q - 1);
    const Real reference = (1 - weight) * p * g / (q - 1) + weight * mi;
    EXPECT_LT(static_cast<double>(abs((Real(out[i]) - reference) / reference)), 1e-14) << i;
  }
  EXPECT_NEAR(out[0], 6.25 * 15.44 / 2.74, 1e-12);  // x = 0: the population mean
}

// Covers docs/bad-input.md BI-MOD-01, BI-MOD-06
TEST(GammaGammaBadInputTest, MonetaryValueAndFrequency) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Bad { double x, m; const char* text; };
  for (const Bad& bad : {Bad{2, 0, "must be finite and > 0, got 0"},
                         Bad{2, -3.5, "got -3.5"},
                         Bad{1, nan, "got nan"},
                         Bad{-1, 5, "frequency x must be a finite non-negative integer, got -1"}}) {
    std::vector<double> x = {1, bad.x}, m = {5, bad.m}, out(2);
    auto s = SpendHistories::Create(x, m);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.status().message(), HasSubstr("row 1"));
    EXPECT_THAT(s.status().message(), HasSubstr(bad.text));
    const absl::Status e = GammaGammaExpectedMeanSpend(kCdnow, x, m, absl::MakeSpan(out));
    EXPECT_THAT(e.message(), HasSubstr(bad.text));
  }
  // x = 0 customers' monetary value is not used (the RFM summary sets it to 0).
  std::vector<double> x = {0, 1}, m = {0, 5};
  EXPECT_TRUE(SpendHistories::Create(x, m).ok());
}

// Covers docs/bad-input.md BI-MOD-07, BI-MOD-12
TEST(GammaGammaBadInputTest, TooFewRepeatBuyersAndPopulationMeanNeedsQAboveOne) {
  std::vector<double> x = {0, 1, 2}, m = {0, 5, 6}, out(3);
  auto s = SpendHistories::Create(x, m);
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(FitGammaGamma(*s).status().message(),
              HasSubstr("too few repeat buyers (customers with x > 0): got 2, need at least 10"));
  const absl::Status e = GammaGammaExpectedMeanSpend({1.0, 0.5, 1.0}, x, m, absl::MakeSpan(out));
  EXPECT_EQ(e.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(e.message(), HasSubstr("got q = 0.5 with x = 0"));
  EXPECT_THAT(GammaGammaExpectedMeanSpend({1.0, -1.0, 1.0}, x, m, absl::MakeSpan(out)).message(),
              HasSubstr("parameter q must be finite and > 0, got -1"));
}

}  // namespace
}  // namespace crmcore

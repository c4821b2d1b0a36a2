#include "crmcore/bgbb.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using Real = boost::multiprecision::cpp_bin_float_50;

const BgBbParams kDonors{1.204, 0.750, 0.657, 2.783};

struct Patterns {
  std::vector<double> x, t_x, n, weight;
};

// examples/data/donations.csv: frequency,recency,periods,weights.
Patterns LoadDonations() {
  Patterns data;
  std::ifstream in(std::string(CRMCORE_TEST_DATA_DIR) + "/donations.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "frequency,recency,periods,weights");
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string x, t_x, n, w;
    std::getline(fields, x, ',');
    std::getline(fields, t_x, ',');
    std::getline(fields, n, ',');
    std::getline(fields, w, ',');
    data.x.push_back(std::stod(x));
    data.t_x.push_back(std::stod(t_x));
    data.n.push_back(std::stod(n));
    data.weight.push_back(std::stod(w));
  }
  return data;
}

BgBbHistories DonationHistories() {
  const Patterns d = LoadDonations();
  auto histories = BgBbHistories::Create(d.x, d.t_x, d.n, d.weight);
  EXPECT_TRUE(histories.ok()) << histories.status();
  return *std::move(histories);
}

// ---- High-precision reference, written from the model itself: the likelihood as a sum over
// the customer's possible death periods of ∫∫ p^x (1−p)^(..) θ (1−θ)^(..), the expectations
// as explicit sums over future opportunities (no closed forms, no 2F1).

Real LogBeta(const Real& a, const Real& b) {
  return boost::math::lgamma(a) + boost::math::lgamma(b) - boost::math::lgamma(a + b);
}

Real ReferenceLikelihood(const BgBbParams& p, int x, int tx, int n) {
  const Real al = p.alpha, be = p.beta, ga = p.gamma, de = p.delta;
  // Alive through n: p^x (1−p)^(n−x) (1−θ)^n.
  Real l = exp(LogBeta(al + x, be + n - x) - LogBeta(al, be) + LogBeta(ga, de + n) -
               LogBeta(ga, de));
  // Alive through opportunity j (tx <= j < n) and dead at j+1: p^x (1−p)^(j−x) θ (1−θ)^j.
  for (int j = tx; j < n; ++j) {
    l += exp(LogBeta(al + x, be + j - x) - LogBeta(al, be) + LogBeta(ga + 1, de + j) -
             LogBeta(ga, de));
  }
  return l;
}

Real ReferenceAlive(const BgBbParams& p, int x, int tx, int n) {
  const Real al = p.alpha, be = p.beta, ga = p.gamma, de = p.delta;
  return exp(LogBeta(al + x, be + n - x) - LogBeta(al, be) + LogBeta(ga, de + n + 1) -
             LogBeta(ga, de)) /
         ReferenceLikelihood(p, x, tx, n);
}

// Σ_{s=1}^{horizon} P(transaction at n+s | history) (1+d)^−s.
Real ReferenceFuture(const BgBbParams& p, int x, int tx, int n, int horizon, double d) {
  const Real al = p.alpha, be = p.beta, ga = p.gamma, de = p.delta;
  // P(survive to n+s) ratio: B(γ, δ+n+s+1)/B(γ, δ+n+s) = (δ+n+s)/(γ+δ+n+s).
  Real survive = exp(LogBeta(ga, de + n + 1) - LogBeta(ga, de));
  const Real step = 1 / (Real(1) + d);
  Real discount = step;
  Real sum = 0;
  for (int s = 1; s <= horizon; ++s) {
    sum += survive * discount;
    discount *= step;
    survive *= (de + n + s) / (ga + de + n + s);
  }
  return exp(LogBeta(al + x + 1, be + n - x) - LogBeta(al, be)) * sum /
         ReferenceLikelihood(p, x, tx, n);
}

double RelativeError(double value, const Real& reference) {
  return static_cast<double>(abs((Real(value) - reference) / reference));
}

// Large parameters (a fit's line search visits them): log Γ of the parameters is huge, so
// the ratios of beta functions must not be differences of log-beta functions. Across the
// 1000 where LogGammaRatio switches to Stirling differences, and far beyond it.
TEST(BgBbLikelihoodTest, MatchesReferenceAtLargeParameters) {
  struct Case { int x, t_x, n; };
  // A value the reference puts below double's range must come out as (nearly) 0.
  const auto expect_near = [](double value, const Real& reference, const std::string& what) {
    if (reference < Real(1e-290)) {
      EXPECT_LT(value, 1e-280) << what;
    } else {
      EXPECT_LT(RelativeError(value, reference), 1e-11) << what << ": " << value << " vs "
                                                        << reference;
    }
  };
  for (const BgBbParams& p : {BgBbParams{999.5, 1000.5, 1e3, 2.5e3},
                              BgBbParams{3.91533e13, 2.88432e12, 3.79183e16, 6.18683e11},
                              BgBbParams{0.4, 7e15, 1e20, 0.9}}) {
    for (const Case& c : {Case{0, 0, 6}, Case{3, 5, 6}, Case{6, 6, 6}, Case{4, 40, 100}}) {
      const std::string what = absl::StrCat("alpha ", p.alpha, " history ", c.x, " ", c.t_x,
                                            " ", c.n);
      auto ll = BgBbLogLikelihood(p, c.x, c.t_x, c.n);
      ASSERT_TRUE(ll.ok()) << ll.status();
      const Real reference = log(ReferenceLikelihood(p, c.x, c.t_x, c.n));
      EXPECT_LT(static_cast<double>(abs(Real(*ll) - reference)),
                1e-11 * std::max(1.0, static_cast<double>(abs(reference))))
          << what;
      const std::vector<double> x = {double(c.x)}, t_x = {double(c.t_x)}, n = {double(c.n)};
      std::vector<double> out = {0.0};
      ASSERT_TRUE(BgBbProbabilityAlive(p, x, t_x, n, absl::MakeSpan(out)).ok()) << what;
      expect_near(out[0], ReferenceAlive(p, c.x, c.t_x, c.n), what + " P(alive)");
      const absl::Status status = BgBbExpectedTransactions(p, 10.0, x, t_x, n, absl::MakeSpan(out));
      ASSERT_TRUE(status.ok()) << what << ": " << status;
      expect_near(out[0], ReferenceFuture(p, c.x, c.t_x, c.n, 10, 0.0), what + " E(10)");
    }
  }
}

TEST(BgBbFitTest, ReproducesPublishedDonorEstimates) {
  const BgBbHistories histories = DonationHistories();
  EXPECT_DOUBLE_EQ(histories.total_weight(), 11104.0);
  auto fit = FitBgBb(histories);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->report.converged) << fit->report.message;
  // Fader, Hardie & Shang (2010): α 1.204, β 0.750, γ 0.657, δ 2.783.
  EXPECT_NEAR(fit->params.alpha, 1.204, 0.0005);
  EXPECT_NEAR(fit->params.beta, 0.750, 0.0005);
  EXPECT_NEAR(fit->params.gamma, 0.657, 0.0005);
  EXPECT_NEAR(fit->params.delta, 2.783, 0.0005);
  // FHS 2010 report LL = −33,225.6.
  EXPECT_NEAR(fit->report.log_likelihood, -33225.6, 0.05);
}

TEST(BgBbFitTest, UnweightedRowsEqualTheirWeightedPattern) {
  // Three copies of one pattern weigh as much as the pattern with weight 3.
  auto repeated = BgBbHistories::Create(std::vector<double>{2, 2, 2, 0},
                                        std::vector<double>{3, 3, 3, 0},
                                        std::vector<double>{6, 6, 6, 6});
  auto weighted = BgBbHistories::Create(std::vector<double>{2, 0}, std::vector<double>{3, 0},
                                        std::vector<double>{6, 6}, std::vector<double>{3, 1});
  ASSERT_TRUE(repeated.ok() && weighted.ok());
  EXPECT_EQ(repeated->size(), 2u);
  EXPECT_DOUBLE_EQ(BgBbLogLikelihoodSum(kDonors, *repeated)->log_likelihood,
                   BgBbLogLikelihoodSum(kDonors, *weighted)->log_likelihood);
}

TEST(BgBbLikelihoodTest, MatchesReferenceAndGradientMatchesFiniteDifferences) {
  struct Case { int x, t_x, n; };
  for (const Case& c : {Case{0, 0, 6}, Case{1, 1, 6}, Case{3, 5, 6}, Case{6, 6, 6},
                        Case{4, 40, 100}, Case{0, 0, 0}}) {
    auto ll = BgBbLogLikelihood(kDonors, c.x, c.t_x, c.n);
    ASSERT_TRUE(ll.ok()) << ll.status();
    const Real reference = log(ReferenceLikelihood(kDonors, c.x, c.t_x, c.n));
    EXPECT_LT(static_cast<double>(abs(Real(*ll) - reference)),
              1e-12 * std::max(1.0, static_cast<double>(abs(reference))))
        << c.x << " " << c.t_x << " " << c.n;
  }
  const BgBbHistories histories = DonationHistories();
  for (const BgBbParams& p : {kDonors, BgBbParams{0.3, 2.5, 1.7, 0.4}}) {
    auto at = BgBbLogLikelihoodSum(p, histories);
    ASSERT_TRUE(at.ok());
    for (size_t k = 0; k < 4; ++k) {
      auto shifted = [&](double step) {
        double lp[4] = {std::log(p.alpha), std::log(p.beta), std::log(p.gamma),
                        std::log(p.delta)};
        lp[k] += step;
        const BgBbParams q{std::exp(lp[0]), std::exp(lp[1]), std::exp(lp[2]), std::exp(lp[3])};
        return BgBbLogLikelihoodSum(q, histories)->log_likelihood;
      };
      const double h = 1e-6;
      const double numeric = (shifted(h) - shifted(-h)) / (2 * h);
      EXPECT_NEAR(at->gradient[k], numeric, 1e-5 * std::max(1.0, std::fabs(numeric)))
          << "parameter " << k;
    }
  }
}

TEST(BgBbPredictionTest, AliveExpectedAndDiscountedMatchReference) {
  const std::vector<double> x = {0, 1, 3, 6, 2, 4};
  const std::vector<double> tx = {0, 1, 5, 6, 6, 40};
  const std::vector<double> n = {6, 6, 6, 6, 6, 100};
  std::vector<double> alive(x.size()), expected(x.size()), dert(x.size());
  ASSERT_TRUE(BgBbProbabilityAlive(kDonors, x, tx, n, absl::MakeSpan(alive)).ok());
  ASSERT_TRUE(BgBbExpectedTransactions(kDonors, 5, x, tx, n, absl::MakeSpan(expected)).ok());
  ASSERT_TRUE(BgBbDiscountedExpectedResidualTransactions(kDonors, 0.1, x, tx, n,
                                                         absl::MakeSpan(dert))
                  .ok());
  for (size_t i = 0; i < x.size(); ++i) {
    const int xi = static_cast<int>(x[i]), ti = static_cast<int>(tx[i]), ni = static_cast<int>(n[i]);
    EXPECT_LT(RelativeError(alive[i], ReferenceAlive(kDonors, xi, ti, ni)), 1e-12) << i;
    EXPECT_LT(RelativeError(expected[i], ReferenceFuture(kDonors, xi, ti, ni, 5, 0.0)), 1e-12)
        << i;
    // At d = 0.1 the terms past s = 1000 are below 1e-41 of the sum.
    EXPECT_LT(RelativeError(dert[i], ReferenceFuture(kDonors, xi, ti, ni, 1000, 0.1)), 1e-12)
        << i;
  }
  // A donor with x = 6 in 6 opportunities is certainly alive at 6 and then survives
  // opportunity 7 with probability E[1 − θ | ...] < 1.
  EXPECT_LT(alive[3], 1.0);
  EXPECT_GT(alive[3], alive[2]);
  // The closed form used for horizons past 10^6 agrees with the explicit sum.
  double closed = 0.0;
  const double three[] = {3}, five[] = {5}, six[] = {6};
  ASSERT_TRUE(BgBbExpectedTransactions(kDonors, 1e6 + 1, three, five, six, {&closed, 1}).ok());
  // Reference: the survival sum in long double (10^6 terms in 50 digits take seconds),
  // times the history factor in 50 digits.
  const BgBbParams& p = kDonors;
  long double survive = static_cast<long double>(static_cast<double>(
      exp(LogBeta(p.gamma, p.delta + 7) - LogBeta(p.gamma, p.delta))));
  long double surviving = 0.0L;
  for (int s = 1; s <= 1000001; ++s) {
    surviving += survive;
    survive *= (static_cast<long double>(p.delta) + 6 + s) /
               (static_cast<long double>(p.gamma) + p.delta + 6 + s);
  }
  const Real factor = exp(LogBeta(p.alpha + 4, p.beta + 3) - LogBeta(p.alpha, p.beta)) /
                      ReferenceLikelihood(p, 3, 5, 6);
  EXPECT_LT(RelativeError(closed, factor * Real(static_cast<double>(surviving))), 1e-10);
}

// Covers docs/bad-input.md BI-MOD-17, BI-MOD-08, BI-MOD-09, BI-MOD-11
TEST(BgBbBadInputTest, InvalidHistoriesAndHorizonsAreNamed) {
  auto create = [](double x, double tx, double n) {
    return BgBbHistories::Create(std::vector<double>{x}, std::vector<double>{tx},
                                 std::vector<double>{n})
        .status();
  };
  EXPECT_THAT(create(1.5, 2, 6).message(),
              HasSubstr("BG/BB history row 0: frequency x must be a non-negative integer"));
  EXPECT_THAT(create(1, 7, 6).message(), HasSubstr("recency t_x = 7 must be <= periods n = 6"));
  EXPECT_THAT(create(3, 2, 6).message(), HasSubstr("frequency x = 3 must be <= recency t_x = 2"));
  EXPECT_THAT(create(0, 2, 6).message(),
              HasSubstr("frequency x = 0 (no repeat transaction) needs recency t_x = 0, got 2"));
  EXPECT_THAT(create(0, 0, NAN).message(), HasSubstr("periods n must be a non-negative integer"));
  EXPECT_THAT(create(0, 0, 2e6).message(), HasSubstr("periods n must be a non-negative integer"));
  EXPECT_THAT(BgBbHistories::Create(std::vector<double>{1}, std::vector<double>{1},
                                    std::vector<double>{6}, std::vector<double>{-1})
                  .status()
                  .message(),
              HasSubstr("BG/BB history row 0: weight must be finite and >= 0, got -1"));
  EXPECT_THAT(BgBbHistories::Create({}, {}, {}).status().message(), HasSubstr("no rows"));
  EXPECT_THAT(FitBgBb(*BgBbHistories::Create(std::vector<double>{1}, std::vector<double>{1},
                                             std::vector<double>{6}))
                  .status()
                  .message(),
              HasSubstr("BG/BB fit: too few repeat buyers"));
  EXPECT_THAT((BgBbParams{1, 0, 1, 1}.Validate().message()),
              HasSubstr("BG/BB: parameter beta must be finite and > 0, got 0"));
  double out = 0.0;
  const double x[] = {1}, tx[] = {1}, n[] = {6};
  EXPECT_THAT(BgBbExpectedTransactions(kDonors, 2.5, x, tx, n, {&out, 1}).message(),
              HasSubstr("horizon n* must be a non-negative integer, got 2.5"));
  const BgBbParams near_one{1, 1, 1.001, 1};
  EXPECT_THAT(BgBbExpectedTransactions(near_one, 2e6, x, tx, n, {&out, 1}).message(),
              HasSubstr("needs gamma at least 0.01 away from 1"));
  EXPECT_THAT(
      BgBbDiscountedExpectedResidualTransactions(kDonors, -0.1, x, tx, n, {&out, 1}).message(),
      HasSubstr("discount d must be finite and >= 0, got -0.1"));
  // d = 0 with γ <= 1: the undiscounted residual transactions are infinite.
  EXPECT_EQ(BgBbDiscountedExpectedResidualTransactions(kDonors, 0.0, x, tx, n, {&out, 1}).code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_THAT(BgBbProbabilityAlive(kDonors, x, tx, {}, {&out, 1}).message(),
              HasSubstr("columns must have equal lengths"));
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

TEST(BgBbBadInputTest, ExtremeParametersAreFiniteOrOutOfRange) {
  for (const double al : kExtremeGrid) {
    for (const double be : kExtremeGrid) {
      for (const double ga : kExtremeGrid) {
        for (const double de : kExtremeGrid) {
          const BgBbParams p{al, be, ga, de};
          SCOPED_TRACE(::testing::Message() << al << " " << be << " " << ga << " " << de);
          const double x = 2, tx = 4, n = 6;
          const auto ll = BgBbLogLikelihood(p, x, tx, n);
          CheckFiniteOrOutOfRange(ll.status(), ll.ok() ? *ll : 0.0, false);
          const auto sum = BgBbLogLikelihoodSum(p, DonationHistories());
          CheckFiniteOrOutOfRange(sum.status(), sum.ok() ? sum->log_likelihood : 0.0, false);
          // Each status first: an argument list's evaluation order is unspecified.
          double out = -1.0;
          const absl::Status alive = BgBbProbabilityAlive(p, {&x, 1}, {&tx, 1}, {&n, 1}, {&out, 1});
          CheckFiniteOrOutOfRange(alive, out, true);
          out = -1.0;
          const absl::Status expected =
              BgBbExpectedTransactions(p, 5, {&x, 1}, {&tx, 1}, {&n, 1}, {&out, 1});
          CheckFiniteOrOutOfRange(expected, out, false);
          out = -1.0;
          const absl::Status dert = BgBbDiscountedExpectedResidualTransactions(
              p, 0.1, {&x, 1}, {&tx, 1}, {&n, 1}, {&out, 1});
          CheckFiniteOrOutOfRange(dert, out, false);
        }
      }
    }
  }
}

}  // namespace
}  // namespace crmcore

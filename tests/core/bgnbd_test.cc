#include "crmcore/bgnbd.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "crmcore/pareto_nbd.h"
#include "model_test_data.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using Real = boost::multiprecision::cpp_bin_float_50;

const BgNbdParams kCdnow{0.242594, 4.413603, 0.792923, 2.425897};

using testing::CdnowHistories;

// ---- High-precision reference of the closed forms (FHL 2005), written independently:
// the original (untransformed) formulas, summed in 50 significant digits.

Real LogBeta(const Real& a, const Real& b) {
  return boost::math::lgamma(a) + boost::math::lgamma(b) - boost::math::lgamma(a + b);
}

Real ReferenceLikelihood(const BgNbdParams& p, double x_, double tx_, double T_) {
  const Real r = p.r, alpha = p.alpha, a = p.a, b = p.b, x = x_, tx = tx_, T = T_;
  const Real common = boost::math::lgamma(r + x) - boost::math::lgamma(r) + r * log(alpha);
  Real l = exp(LogBeta(a, b + x) - LogBeta(a, b) + common - (r + x) * log(alpha + T));
  if (x_ > 0) {
    l += exp(LogBeta(a + 1, b + x - 1) - LogBeta(a, b) + common - (r + x) * log(alpha + tx));
  }
  return log(l);
}

Real ReferenceHyp2F1(const Real& a, const Real& b, const Real& c, const Real& z) {
  Real term = 1, sum = 1;
  for (int n = 0; n < 200000; ++n) {
    term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
    sum += term;
    if (n > 10 && abs(term) < sum * Real("1e-45")) break;
  }
  return sum;
}

Real ReferencePAlive(const BgNbdParams& p, double x_, double tx_, double T_) {
  if (x_ == 0) return 1;
  const Real r = p.r, alpha = p.alpha, a = p.a, b = p.b, x = x_, tx = tx_, T = T_;
  return 1 / (1 + a / (b + x - 1) * pow((alpha + T) / (alpha + tx), r + x));
}

Real ReferenceExpected(const BgNbdParams& p, double t_, double x_, double tx_, double T_) {
  const Real r = p.r, alpha = p.alpha, a = p.a, b = p.b, x = x_, T = T_, t = t_;
  const Real z = t / (alpha + T + t);
  const Real bracket =
      1 - pow((alpha + T) / (alpha + T + t), r + x) * ReferenceHyp2F1(r + x, b + x, a + b + x - 1, z);
  return (a + b + x - 1) / (a - 1) * bracket * ReferencePAlive(p, x_, tx_, T_);
}

Real ReferenceCountProbability(const BgNbdParams& p, double t_, int n) {
  const Real r = p.r, alpha = p.alpha, a = p.a, b = p.b, t = t_, x = n;
  auto nb = [&](int j) {
    return exp(boost::math::lgamma(r + j) - boost::math::lgamma(r) -
               boost::math::lgamma(Real(j + 1)) + r * log(alpha / (alpha + t)) +
               j * log(t / (alpha + t)));
  };
  Real prob = exp(LogBeta(a, b + x) - LogBeta(a, b)) * nb(n);
  if (n > 0) {
    Real cdf = 0;
    for (int j = 0; j < n; ++j) cdf += nb(j);
    prob += exp(LogBeta(a + 1, b + x - 1) - LogBeta(a, b)) * (1 - cdf);
  }
  return prob;
}

double RelativeError(double value, const Real& reference) {
  return static_cast<double>(abs((Real(value) - reference) / reference));
}

// ---- Published estimates

// A trial point the evaluator cannot compute (OutOfRange, as for parameters too extreme
// for double) is one the line search steps back from, not the end of the fit: here every
// point with alpha > 4.6 is refused, and the fit still reaches the optimum (alpha = 4.414).
TEST(BgNbdFitTest, OutOfRangeTrialPointsAreSteppedBackFrom) {
  const PurchaseHistories histories = CdnowHistories();
  int refused = 0;
  const auto evaluate = [&](const BgNbdParams& p) -> absl::StatusOr<LogLikelihoodSum<4>> {
    if (p.alpha > 4.6) {
      ++refused;
      return absl::OutOfRangeError("refused");
    }
    return BgNbdLogLikelihoodSum(p, histories);
  };
  auto fit = FitBgNbdFromSums(evaluate, FitOptions(), {0.25, 1.0, 1.0, 1.0});
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_GT(refused, 0);  // the search did probe the refused region
  EXPECT_TRUE(fit->report.converged) << fit->report.message;
  EXPECT_NEAR(fit->params.r, 0.243, 0.0005);
  EXPECT_NEAR(fit->params.alpha, 4.414, 0.005);
}

TEST(BgNbdFitTest, ReproducesPublishedCdnowEstimates) {
  const PurchaseHistories histories = CdnowHistories();
  EXPECT_DOUBLE_EQ(histories.total_weight(), 2357.0);
  EXPECT_DOUBLE_EQ(histories.repeat_buyer_weight(), 946.0);
  EXPECT_LT(histories.size(), 2357u);  // equal histories were compressed
  auto fit = FitBgNbd(histories);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->report.converged) << fit->report.message;
  EXPECT_EQ(fit->report.message, "converged");
  EXPECT_LE(fit->report.gradient_norm, 1e-7);
  EXPECT_GT(fit->report.iterations, 1);
  // Fader, Hardie & Lee (2005), Table/§5: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL −9582.4.
  EXPECT_NEAR(fit->params.r, 0.243, 0.0005);
  EXPECT_NEAR(fit->params.alpha, 4.414, 0.0005);
  EXPECT_NEAR(fit->params.a, 0.793, 0.0005);
  EXPECT_NEAR(fit->params.b, 2.426, 0.0005);
  EXPECT_NEAR(fit->report.log_likelihood, -9582.4, 0.05);
}

TEST(BgNbdFitTest, ConvergesFromOtherStartingPoints) {
  const PurchaseHistories histories = CdnowHistories();
  for (const BgNbdParams& start : {BgNbdParams{0.1, 10.0, 0.5, 5.0},
                                   BgNbdParams{3.0, 0.5, 3.0, 0.3}}) {
    auto fit = FitBgNbd(histories, {}, start);
    ASSERT_TRUE(fit.ok()) << fit.status();
    EXPECT_TRUE(fit->report.converged) << fit->report.message;
    EXPECT_NEAR(fit->params.alpha, 4.414, 0.0005);
  }
}

// Covers docs/bad-input.md BI-MOD-14
TEST(BgNbdFitTest, IterationCapReportsNotConverged) {
  FitOptions options;
  options.max_iterations = 2;
  auto fit = FitBgNbd(CdnowHistories(), options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_FALSE(fit->report.converged);
  EXPECT_THAT(fit->report.message, HasSubstr("iteration cap of 2"));
  EXPECT_GT(fit->report.gradient_norm, 1e-7);
  EXPECT_TRUE(std::isfinite(fit->report.log_likelihood));
}

// ---- Log-likelihood and gradient

TEST(BgNbdLikelihoodTest, MatchesHighPrecisionReference) {
  struct Case { double x, t_x, T; };
  for (const Case& c : {Case{0, 0, 38.86}, Case{2, 30.43, 38.86}, Case{1, 1.71, 38.86},
                        Case{14, 37.5, 38.0}, Case{500, 9000, 1e4}, Case{0, 0, 1e4}}) {
    auto ll = BgNbdLogLikelihood(kCdnow, c.x, c.t_x, c.T);
    ASSERT_TRUE(ll.ok()) << ll.status();
    EXPECT_LT(RelativeError(*ll, ReferenceLikelihood(kCdnow, c.x, c.t_x, c.T)), 1e-12)
        << c.x << " " << c.t_x << " " << c.T;
  }
}

TEST(BgNbdLikelihoodTest, SumWeightsRowsAndMatchesPerCustomer) {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  auto sum = BgNbdLogLikelihoodSum(kCdnow, CdnowHistories());
  ASSERT_TRUE(sum.ok()) << sum.status();
  double direct = 0.0;
  for (size_t i = 0; i < data.x.size(); ++i) {
    direct += *BgNbdLogLikelihood(kCdnow, data.x[i], data.t_x[i], data.T[i]);
  }
  EXPECT_NEAR(sum->log_likelihood, direct, 1e-8 * std::fabs(direct));
  EXPECT_DOUBLE_EQ(sum->weight, 2357.0);
}

TEST(BgNbdLikelihoodTest, GradientMatchesFiniteDifferences) {
  const PurchaseHistories histories = CdnowHistories();
  for (const BgNbdParams& p : {kCdnow, BgNbdParams{1.3, 0.7, 2.5, 0.4}}) {
    auto sum = BgNbdLogLikelihoodSum(p, histories);
    ASSERT_TRUE(sum.ok());
    for (size_t k = 0; k < 4; ++k) {
      const double h = 1e-6;
      auto shifted = [&](double step) {
        double lp[4] = {std::log(p.r), std::log(p.alpha), std::log(p.a), std::log(p.b)};
        lp[k] += step;
        const BgNbdParams q{std::exp(lp[0]), std::exp(lp[1]), std::exp(lp[2]), std::exp(lp[3])};
        return BgNbdLogLikelihoodSum(q, histories)->log_likelihood;
      };
      const double numeric = (shifted(h) - shifted(-h)) / (2 * h);
      EXPECT_NEAR(sum->gradient[k], numeric, 1e-5 * std::max(1.0, std::fabs(numeric)))
          << "parameter " << k;
    }
  }
}

TEST(BgNbdLikelihoodTest, FourPartitionsSumToTheWholeAndFitTheSame) {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  std::vector<PurchaseHistories> parts;
  const size_t n = data.x.size();
  for (size_t part = 0; part < 4; ++part) {
    const size_t begin = n * part / 4, end = n * (part + 1) / 4;
    auto slice = [&](const std::vector<double>& v) {
      return absl::MakeConstSpan(v).subspan(begin, end - begin);
    };
    auto h = PurchaseHistories::Create(slice(data.x), slice(data.t_x), slice(data.T));
    ASSERT_TRUE(h.ok());
    parts.push_back(*std::move(h));
  }
  auto summed = [&](const BgNbdParams& p) -> absl::StatusOr<LogLikelihoodSum<4>> {
    LogLikelihoodSum<4> total;
    for (const PurchaseHistories& h : parts) {
      auto s = BgNbdLogLikelihoodSum(p, h);
      if (!s.ok()) return s.status();
      total += *s;
    }
    return total;
  };
  const PurchaseHistories whole = CdnowHistories();
  auto single = BgNbdLogLikelihoodSum(kCdnow, whole);
  auto partitioned = summed(kCdnow);
  ASSERT_TRUE(single.ok() && partitioned.ok());
  EXPECT_DOUBLE_EQ(partitioned->weight, single->weight);
  EXPECT_NEAR(partitioned->log_likelihood, single->log_likelihood, 1e-9);
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_NEAR(partitioned->gradient[k], single->gradient[k], 1e-9);
  }

  auto fit_single = FitBgNbd(whole);
  auto fit_parts = FitBgNbdFromSums(summed);
  ASSERT_TRUE(fit_single.ok() && fit_parts.ok());
  ASSERT_TRUE(fit_parts->report.converged) << fit_parts->report.message;
  EXPECT_NEAR(fit_parts->params.r, fit_single->params.r, 1e-6);
  EXPECT_NEAR(fit_parts->params.alpha, fit_single->params.alpha, 1e-5);
  EXPECT_NEAR(fit_parts->params.a, fit_single->params.a, 1e-6);
  EXPECT_NEAR(fit_parts->params.b, fit_single->params.b, 1e-5);
  EXPECT_NEAR(fit_parts->report.log_likelihood, fit_single->report.log_likelihood, 1e-6);
}

TEST(BgNbdFitTest, EvaluatorErrorIsReturned) {
  auto fit = FitBgNbdFromSums([](const BgNbdParams&) -> absl::StatusOr<LogLikelihoodSum<4>> {
    return absl::UnavailableError("partition 3 lost");
  });
  EXPECT_EQ(fit.status().code(), absl::StatusCode::kUnavailable);
}

// ---- Predictions

struct History { double x, t_x, T; };
const std::vector<History> kHistories = {{0, 0, 38.86},  {2, 30.43, 38.86}, {1, 1.71, 38.86},
                                         {7, 35.0, 38.0}, {14, 37.5, 38.0},  {3, 3.0, 20.0},
                                         {500, 9000, 1e4}, {0, 0, 1e4}};

void Columns(std::vector<double>& x, std::vector<double>& tx, std::vector<double>& T) {
  for (const History& h : kHistories) {
    x.push_back(h.x);
    tx.push_back(h.t_x);
    T.push_back(h.T);
  }
}

TEST(BgNbdPredictionTest, ProbabilityAliveMatchesReference) {
  std::vector<double> x, tx, T;
  Columns(x, tx, T);
  std::vector<double> out(x.size());
  ASSERT_TRUE(BgNbdProbabilityAlive(kCdnow, x, tx, T, absl::MakeSpan(out)).ok());
  for (size_t i = 0; i < x.size(); ++i) {
    // The log-odds carry a factor r + x: a rounding of 1e-16 in the logs grows to ~1e-13
    // relative at x = 500.
    EXPECT_LT(RelativeError(out[i], ReferencePAlive(kCdnow, x[i], tx[i], T[i])),
              x[i] > 100 ? 1e-11 : 1e-13)
        << i;
  }
  EXPECT_EQ(out[0], 1.0);  // no repeat purchase: never seen to drop out
}

TEST(BgNbdPredictionTest, ExpectedPurchasesMatchesReference) {
  std::vector<double> x, tx, T;
  Columns(x, tx, T);
  std::vector<double> out(x.size());
  for (const BgNbdParams& p : {kCdnow, BgNbdParams{0.5, 6.0, 2.5, 4.0},
                               BgNbdParams{0.5, 6.0, 1.0 + 1e-9, 4.0}}) {
    for (double t : {1.0, 39.0, 520.0}) {
      ASSERT_TRUE(BgNbdExpectedPurchases(p, t, x, tx, T, absl::MakeSpan(out)).ok());
      for (size_t i = 0; i < x.size(); ++i) {
        EXPECT_TRUE(std::isfinite(out[i]));
        EXPECT_LT(RelativeError(out[i], ReferenceExpected(p, t, x[i], tx[i], T[i])), 1e-9)
            << "row " << i << " t " << t << " a " << p.a;
      }
    }
  }
}

TEST(BgNbdPredictionTest, ExpectedPurchasesAtAEqualToOneIsTheLimit) {
  std::vector<double> x = {2}, tx = {30.43}, T = {38.86}, at_one(1), near_one(1);
  ASSERT_TRUE(BgNbdExpectedPurchases({0.5, 6.0, 1.0, 4.0}, 39.0, x, tx, T,
                                     absl::MakeSpan(at_one)).ok());
  ASSERT_TRUE(BgNbdExpectedPurchases({0.5, 6.0, 1.0 + 1e-7, 4.0}, 39.0, x, tx, T,
                                     absl::MakeSpan(near_one)).ok());
  EXPECT_NEAR(at_one[0], near_one[0], 1e-6);
}

TEST(BgNbdPredictionTest, NewCustomerExpectationAndCountProbabilities) {
  for (double t : {1.0, 39.0, 78.0}) {
    auto expected = BgNbdExpectedPurchasesNew(kCdnow, t);
    ASSERT_TRUE(expected.ok());
    EXPECT_LT(RelativeError(*expected, ReferenceExpected(kCdnow, t, 0, 0, 0)), 1e-10);
    double total = 0.0, mean = 0.0;
    for (int n = 0; n <= 400; ++n) {
      auto prob = BgNbdPurchaseCountProbability(kCdnow, t, n);
      ASSERT_TRUE(prob.ok()) << prob.status();
      if (n <= 12) {
        EXPECT_LT(RelativeError(*prob, ReferenceCountProbability(kCdnow, t, n)), 1e-10)
            << "n " << n << " t " << t;
      }
      total += *prob;
      mean += n * *prob;
    }
    EXPECT_NEAR(total, 1.0, 1e-6);  // the tail beyond 400 is below 1e-8
    EXPECT_NEAR(mean, *expected, 1e-4 * *expected);
  }
}

TEST(BgNbdPredictionTest, HorizonZeroAndRowsSharingSeries) {
  std::vector<double> x = {2, 2, 2}, tx = {10, 20, 30}, T = {38, 38, 38}, out(3);
  ASSERT_TRUE(BgNbdExpectedPurchases(kCdnow, 0.0, x, tx, T, absl::MakeSpan(out)).ok());
  EXPECT_EQ(out[0], 0.0);
  ASSERT_TRUE(BgNbdExpectedPurchases(kCdnow, 10.0, x, tx, T, absl::MakeSpan(out)).ok());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_LT(RelativeError(out[i], ReferenceExpected(kCdnow, 10.0, x[i], tx[i], T[i])), 1e-10);
  }
  EXPECT_LT(out[0], out[1]);  // a more recent last purchase: more likely alive
}

// Rows whose (x, T) recurs out of order reuse the remembered series: the result must be
// exactly what each row gives alone.
TEST(BgNbdPredictionTest, RecurringPairsOutOfOrderGiveEachRowsOwnValue) {
  std::vector<double> x, tx, T;
  for (int i = 0; i < 60; ++i) {
    x.push_back(i % 4);
    T.push_back(30.0 + (i * 7) % 3);
    tx.push_back(x.back() == 0 ? 0.0 : 1.0 + (i % 11) * 2.5);
  }
  std::vector<double> together(x.size());
  ASSERT_TRUE(BgNbdExpectedPurchases(kCdnow, 26.0, x, tx, T, absl::MakeSpan(together)).ok());
  for (size_t i = 0; i < x.size(); ++i) {
    double alone = 0;
    ASSERT_TRUE(BgNbdExpectedPurchases(kCdnow, 26.0, absl::MakeConstSpan(&x[i], 1),
                                       absl::MakeConstSpan(&tx[i], 1),
                                       absl::MakeConstSpan(&T[i], 1), absl::MakeSpan(&alone, 1))
                    .ok());
    EXPECT_EQ(together[i], alone) << "row " << i;
  }
}

// ---- Bad input

// Covers docs/bad-input.md BI-MOD-01, BI-MOD-02, BI-MOD-03, BI-MOD-04, BI-MOD-05
TEST(BgNbdBadInputTest, InvalidHistoriesNameRowAndValue) {
  struct Bad { double x, t_x, T; const char* text; };
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const Bad& bad : {Bad{-1, 1, 2, "frequency x must be a finite non-negative integer, got -1"},
                         Bad{nan, 1, 2, "got nan"},
                         Bad{1.5, 1, 2, "got 1.5"},
                         Bad{1, -0.5, 2, "recency t_x must be finite and >= 0, got -0.5"},
                         Bad{1, inf, 2, "got inf"},
                         Bad{1, 1, -2, "T must be finite and >= 0, got -2"},
                         Bad{1, 1, nan, "T must be finite and >= 0, got nan"},
                         Bad{1, 3, 2, "recency t_x = 3 must be <= T = 2"},
                         Bad{0, 1, 2, "frequency x = 0 (no repeat purchase) needs recency t_x = 0, got 1"}}) {
    std::vector<double> x = {0, bad.x}, tx = {0, bad.t_x}, T = {1, bad.T}, out(2);
    auto h = PurchaseHistories::Create(x, tx, T);
    EXPECT_EQ(h.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(h.status().message(), HasSubstr("row 1"));
    EXPECT_THAT(h.status().message(), HasSubstr(bad.text));
    const absl::Status alive = BgNbdProbabilityAlive(kCdnow, x, tx, T, absl::MakeSpan(out));
    EXPECT_EQ(alive.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(alive.message(), HasSubstr(bad.text));
    EXPECT_EQ(BgNbdExpectedPurchases(kCdnow, 5, x, tx, T, absl::MakeSpan(out)).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(BgNbdLogLikelihood(kCdnow, bad.x, bad.t_x, bad.T).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

// Covers docs/bad-input.md BI-MOD-08
TEST(BgNbdBadInputTest, BadWeightsAndLengths) {
  std::vector<double> x = {0, 1}, tx = {0, 1}, T = {2, 2};
  std::vector<double> negative = {1, -1};
  auto h = PurchaseHistories::Create(x, tx, T, negative);
  EXPECT_EQ(h.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(h.status().message(), HasSubstr("weight must be finite and >= 0, got -1"));
  std::vector<double> short_T = {2};
  EXPECT_THAT(PurchaseHistories::Create(x, tx, short_T).status().message(),
              HasSubstr("equal lengths, got 2 and 1"));
  EXPECT_THAT(PurchaseHistories::Create({}, {}, {}).status().message(), HasSubstr("no customers"));
  std::vector<double> out(1);
  EXPECT_EQ(BgNbdProbabilityAlive(kCdnow, x, tx, T, absl::MakeSpan(out)).code(),
            absl::StatusCode::kInvalidArgument);
}

// Covers docs/bad-input.md BI-MOD-09, BI-MOD-11
TEST(BgNbdBadInputTest, BadParametersAndHorizon) {
  std::vector<double> x = {1}, tx = {1}, T = {2}, out(1);
  for (double bad : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity()}) {
    const absl::Status s = BgNbdProbabilityAlive({1, 1, bad, 1}, x, tx, T, absl::MakeSpan(out));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("parameter a must be finite and > 0"));
  }
  EXPECT_THAT(BgNbdExpectedPurchases(kCdnow, -1, x, tx, T, absl::MakeSpan(out)).message(),
              HasSubstr("horizon t must be finite and >= 0, got -1"));
  EXPECT_THAT(BgNbdPurchaseCountProbability(kCdnow, 1.0, -2).status().message(),
              HasSubstr("count n must be >= 0, got -2"));
  EXPECT_THAT(BgNbdPurchaseCountProbability(kCdnow, 0.0, 1).status().message(),
              HasSubstr("horizon t must be finite and > 0, got 0"));
}

// Predictions whose series cannot be summed, or whose value is not a finite number, are
// OutOfRange naming the row and the inputs, never a NaN.
// Covers docs/bad-input.md BI-MOD-13
TEST(BgNbdBadInputTest, PredictionsThatCannotBeComputedAreOutOfRange) {
  // z = t/(alpha + T + t) = 1 - 1e-12 and terms that grow like n^0.5 before z^n shrinks
  // them: the series would need ~10^12 terms.
  std::vector<double> x = {0}, tx = {0}, T = {0}, out(1);
  const absl::Status slow =
      BgNbdExpectedPurchases({0.5, 1e-6, 3.0, 1.0}, 1e6, x, tx, T, absl::MakeSpan(out));
  EXPECT_EQ(slow.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(std::string(slow.message()),
            "BG/NBD expected purchases row 0: the hypergeometric series did not converge in "
            "1000000 terms (horizon t = 1e+06 is too long relative to alpha + T = 1e-06)");
  // r near DBL_MAX: log Gamma(r + n) - log Gamma(r) is Inf - Inf.
  const absl::Status nan = BgNbdPurchaseCountProbability({1e308, 1.0, 1.0, 1.0}, 1.0, 100).status();
  EXPECT_EQ(nan.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(nan.message(), "BG/NBD purchase-count probability: not finite for n = 100, t = 1");
}

// Covers docs/bad-input.md BI-MOD-07, BI-MOD-10
TEST(BgNbdBadInputTest, TooFewRepeatBuyers) {
  std::vector<double> x = {0, 0, 3}, tx = {0, 0, 5}, T = {10, 10, 10};
  auto h = PurchaseHistories::Create(x, tx, T);
  ASSERT_TRUE(h.ok());
  auto fit = FitBgNbd(*h);
  EXPECT_EQ(fit.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(fit.status().message(), HasSubstr("too few repeat buyers"));
  EXPECT_THAT(fit.status().message(), HasSubstr("got 1, need at least 10"));
  FitOptions bad;
  bad.gradient_tolerance = -1;
  EXPECT_THAT(FitBgNbd(*h, bad).status().message(),
              HasSubstr("gradient_tolerance must be finite and > 0, got -1"));
  bad = FitOptions();
  bad.max_iterations = 0;
  EXPECT_EQ(FitBgNbd(*h, bad).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FitBgNbd(*h, bad).status().message(), "fit options: max_iterations must be >= 1, got 0");
  bad = FitOptions();
  bad.min_repeat_buyers = 0.5;
  EXPECT_EQ(FitBgNbd(*h, bad).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FitBgNbd(*h, bad).status().message(),
            "fit options: min_repeat_buyers must be finite and >= 1, got 0.5");
  bad.min_repeat_buyers = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(FitBgNbd(*h, bad).status().message(),
            "fit options: min_repeat_buyers must be finite and >= 1, got nan");
}

}  // namespace
}  // namespace crmcore

namespace crmcore {
namespace {

// Repeat buyers with recency 0 (a summary rounded to whole weeks makes them) are valid
// histories: both models fit, count them in the report, and predict finite values for them
// (issue 13 item 8; lifetimes accepts them too).
// Covers docs/bad-input.md BI-MOD-05
TEST(ZeroRecencyRepeatBuyersTest, AreFittedAndCounted) {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  std::vector<double> t_x = data.t_x, T = data.T;
  double zero_recency = 0;
  for (size_t i = 0; i < t_x.size(); ++i) {
    t_x[i] = std::round(t_x[i]);
    T[i] = std::round(T[i]);
    if (data.x[i] > 0 && t_x[i] == 0) ++zero_recency;
  }
  ASSERT_GT(zero_recency, 0);
  auto histories = PurchaseHistories::Create(data.x, t_x, T);
  ASSERT_TRUE(histories.ok()) << histories.status();
  EXPECT_EQ(histories->zero_recency_repeat_weight(), zero_recency);
  auto bgnbd = FitBgNbd(*histories);
  ASSERT_TRUE(bgnbd.ok()) << bgnbd.status();
  EXPECT_TRUE(bgnbd->report.converged);
  EXPECT_EQ(bgnbd->report.zero_recency_repeat_buyers, zero_recency);
  EXPECT_NEAR(bgnbd->params.r, 0.243, 0.02);  // rounding moves the estimates only a little
  auto pareto = FitParetoNbd(*histories);
  ASSERT_TRUE(pareto.ok()) << pareto.status();
  EXPECT_EQ(pareto->report.zero_recency_repeat_buyers, zero_recency);
  std::vector<double> x = {3}, tx = {0}, TT = {30}, alive(1), pareto_alive(1);
  ASSERT_TRUE(BgNbdProbabilityAlive(bgnbd->params, x, tx, TT, absl::MakeSpan(alive)).ok());
  ASSERT_TRUE(
      ParetoNbdProbabilityAlive(pareto->params, x, tx, TT, absl::MakeSpan(pareto_alive)).ok());
  EXPECT_TRUE(alive[0] > 0 && alive[0] < 1) << alive[0];
  EXPECT_TRUE(pareto_alive[0] > 0 && pareto_alive[0] < 1) << pareto_alive[0];
}

}  // namespace
}  // namespace crmcore

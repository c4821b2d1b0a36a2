#include "crmcore/mbgnbd.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "crmcore/status.h"
#include "model_test_data.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using Real = boost::multiprecision::cpp_bin_float_50;
using testing::CdnowHistories;

const MbgNbdParams kCdnow{0.525, 6.183, 0.891, 1.614};

// ---- High-precision reference (Batislam et al. 2007), written from the model directly:
// the likelihood as the two beta-ratio terms, the expectation as the untransformed 2F1.

Real LogBeta(const Real& a, const Real& b) {
  return boost::math::lgamma(a) + boost::math::lgamma(b) - boost::math::lgamma(a + b);
}

Real ReferenceLogLikelihood(const MbgNbdParams& p, double x_, double tx_, double T_) {
  const Real r = p.r, alpha = p.alpha, a = p.a, b = p.b, x = x_, tx = tx_, T = T_;
  const Real nbd = boost::math::lgamma(r + x) - boost::math::lgamma(r) + r * log(alpha);
  return log(exp(LogBeta(a, b + x + 1) - LogBeta(a, b) + nbd - (r + x) * log(alpha + T)) +
             exp(LogBeta(a + 1, b + x) - LogBeta(a, b) + nbd - (r + x) * log(alpha + tx)));
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

Real ReferencePAlive(const MbgNbdParams& p, double x_, double tx_, double T_) {
  const Real r = p.r, alpha = p.alpha, a = p.a, b = p.b, x = x_, tx = tx_, T = T_;
  return 1 / (1 + a / (b + x) * pow((alpha + T) / (alpha + tx), r + x));
}

Real ReferenceExpected(const MbgNbdParams& p, double t_, double x_, double tx_, double T_) {
  const Real r = p.r, alpha = p.alpha, a = p.a, b = p.b, x = x_, T = T_, t = t_;
  const Real z = t / (alpha + T + t);
  const Real bracket = 1 - pow((alpha + T) / (alpha + T + t), r + x) *
                               ReferenceHyp2F1(r + x, b + x + 1, a + b + x, z);
  return (a + b + x) / (a - 1) * bracket * ReferencePAlive(p, x_, tx_, T_);
}

double RelativeError(double value, const Real& reference) {
  return static_cast<double>(abs((Real(value) - reference) / reference));
}

// P(X(t) = n) integrated numerically, independent of the closed form and of Boost's
// incomplete beta: given λ and p the customer, if `drop_out_at_start`, first survives time
// 0 with probability 1−p; then each of the Poisson(λt) arrivals is a purchase, after which
// they survive with probability 1−p. So exactly n purchases means alive at t after n
// arrivals, or gone right after the n-th arrival, which came by t:
//   P(n | λ, p) = (1−p)^(s+n) Pois(n; λt) + p (1−p)^(s+n−1) P(Pois(λt) >= n)   (n+s >= 1),
// s = 1 with the drop-out at time 0, else 0 (BG/NBD; its n = 0 has no second term). The
// Beta(a, b) moments E[(1−p)^k] = B(a, b+k)/B(a, b), E[p (1−p)^k] = B(a+1, b+k)/B(a, b)
// are exact; the Gamma(r, α) mixture over λ is tanh-sinh quadrature in 50 digits, the tail
// 1 − Σ_{j<n} Pois(j) (no cancellation worth a digit at this precision).
Real ReferenceCountProbability(const MbgNbdParams& p, double t_, int64_t n,
                               bool drop_out_at_start = true) {
  const Real r = p.r, alpha = p.alpha, a = p.a, b = p.b, t = t_;
  const int64_t s = drop_out_at_start ? 1 : 0;
  const Real alive_weight = exp(LogBeta(a, b + Real(n + s)) - LogBeta(a, b));
  const Real gone_weight =
      n + s >= 1 ? exp(LogBeta(a + 1, b + Real(n + s - 1)) - LogBeta(a, b)) : Real(0);
  const Real log_density_const = r * log(alpha) - boost::math::lgamma(r);
  auto integrand = [&](const Real& lambda) -> Real {
    if (lambda <= 0) return Real(0);
    const Real mean = lambda * t;
    Real pois = exp(-mean);  // Pois(0)
    Real below = 0;          // Σ_{j<n} Pois(j)
    for (int64_t j = 0; j < n; ++j) {
      below += pois;
      pois *= mean / Real(j + 1);
    }
    const Real density = exp(log_density_const + (r - 1) * log(lambda) - alpha * lambda);
    return density * (alive_weight * pois + gone_weight * (1 - below));
  };
  static boost::math::quadrature::tanh_sinh<Real> quadrature(9);  // integrate() is not const
  const Real infinity = std::numeric_limits<Real>::infinity();
  return quadrature.integrate(integrand, Real(0), infinity, Real("1e-22"));
}

TEST(MbgNbdFitTest, ReproducesLifetimesCdnowEstimates) {
  auto fit = FitMbgNbd(CdnowHistories());
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->report.converged) << fit->report.message;
  EXPECT_LE(fit->report.gradient_norm, 1e-7);
  // lifetimes' ModifiedBetaGeoFitter on the same summary: r 0.525, alpha 6.183, a 0.891,
  // b 1.614 (issue 15; Batislam et al. 2007 fit another data set).
  EXPECT_NEAR(fit->params.r, 0.525, 0.0005);
  EXPECT_NEAR(fit->params.alpha, 6.183, 0.0005);
  EXPECT_NEAR(fit->params.a, 0.891, 0.0005);
  EXPECT_NEAR(fit->params.b, 1.614, 0.0005);
  EXPECT_TRUE(std::isfinite(fit->report.log_likelihood));
}

TEST(MbgNbdFitTest, ConvergesFromAnotherStart) {
  auto fit = FitMbgNbd(CdnowHistories(), {}, MbgNbdParams{0.1, 20.0, 3.0, 0.5});
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->report.converged) << fit->report.message;
  EXPECT_NEAR(fit->params.alpha, 6.183, 0.0005);
}

TEST(MbgNbdFitTest, FromSumsOverPartitionsMatchesTheWhole) {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  const size_t half = data.x.size() / 2;
  auto part = [&](size_t from, size_t to) {
    auto span = [&](const std::vector<double>& v) {
      return absl::MakeConstSpan(v).subspan(from, to - from);
    };
    return *PurchaseHistories::Create(span(data.x), span(data.t_x), span(data.T));
  };
  const PurchaseHistories first = part(0, half), second = part(half, data.x.size());
  auto evaluate = [&](const MbgNbdParams& p) -> absl::StatusOr<LogLikelihoodSum<4>> {
    CRM_ASSIGN_OR_RETURN(LogLikelihoodSum<4> s, MbgNbdLogLikelihoodSum(p, first));
    CRM_ASSIGN_OR_RETURN(const LogLikelihoodSum<4> t, MbgNbdLogLikelihoodSum(p, second));
    s += t;
    return s;
  };
  auto split = FitMbgNbdFromSums(evaluate);
  auto whole = FitMbgNbd(CdnowHistories());
  ASSERT_TRUE(split.ok() && whole.ok());
  EXPECT_NEAR(split->params.r, whole->params.r, 1e-6);
  EXPECT_NEAR(split->report.log_likelihood, whole->report.log_likelihood, 1e-6);
}

TEST(MbgNbdLikelihoodTest, MatchesHighPrecisionReference) {
  struct Case { double x, t_x, T; };
  for (const Case& c : {Case{0, 0, 38.86}, Case{2, 30.43, 38.86}, Case{1, 0, 38.86},
                        Case{14, 37.5, 38.0}, Case{500, 9000, 1e4}, Case{0, 0, 1e4}}) {
    auto ll = MbgNbdLogLikelihood(kCdnow, c.x, c.t_x, c.T);
    ASSERT_TRUE(ll.ok()) << ll.status();
    EXPECT_LT(RelativeError(*ll, ReferenceLogLikelihood(kCdnow, c.x, c.t_x, c.T)), 1e-12)
        << c.x << " " << c.t_x << " " << c.T;
  }
}

TEST(MbgNbdLikelihoodTest, SumMatchesPerCustomerAndGradientMatchesFiniteDifferences) {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  const PurchaseHistories histories = CdnowHistories();
  auto sum = MbgNbdLogLikelihoodSum(kCdnow, histories);
  ASSERT_TRUE(sum.ok()) << sum.status();
  double direct = 0.0;
  for (size_t i = 0; i < data.x.size(); ++i) {
    direct += *MbgNbdLogLikelihood(kCdnow, data.x[i], data.t_x[i], data.T[i]);
  }
  EXPECT_NEAR(sum->log_likelihood, direct, 1e-9 * std::fabs(direct));
  for (const MbgNbdParams& p : {kCdnow, MbgNbdParams{1.3, 0.7, 2.5, 0.4}}) {
    auto at = MbgNbdLogLikelihoodSum(p, histories);
    ASSERT_TRUE(at.ok());
    for (size_t k = 0; k < 4; ++k) {
      auto shifted = [&](double step) {
        double lp[4] = {std::log(p.r), std::log(p.alpha), std::log(p.a), std::log(p.b)};
        lp[k] += step;
        const MbgNbdParams q{std::exp(lp[0]), std::exp(lp[1]), std::exp(lp[2]), std::exp(lp[3])};
        return MbgNbdLogLikelihoodSum(q, histories)->log_likelihood;
      };
      const double h = 1e-6;
      const double numeric = (shifted(h) - shifted(-h)) / (2 * h);
      EXPECT_NEAR(at->gradient[k], numeric, 1e-5 * std::max(1.0, std::fabs(numeric)))
          << "parameter " << k;
    }
  }
}

TEST(MbgNbdPredictionTest, ProbabilityAliveAndExpectationsMatchReference) {
  const std::vector<double> x = {0, 1, 2, 7, 14, 0};
  const std::vector<double> tx = {0, 1.71, 30.43, 35.0, 37.5, 0};
  const std::vector<double> T = {38.86, 38.86, 38.86, 38.0, 38.0, 1.0};
  std::vector<double> alive(x.size()), expected(x.size());
  ASSERT_TRUE(MbgNbdProbabilityAlive(kCdnow, x, tx, T, absl::MakeSpan(alive)).ok());
  ASSERT_TRUE(MbgNbdExpectedPurchases(kCdnow, 39.0, x, tx, T, absl::MakeSpan(expected)).ok());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_LT(RelativeError(alive[i], ReferencePAlive(kCdnow, x[i], tx[i], T[i])), 1e-13) << i;
    EXPECT_LT(RelativeError(expected[i], ReferenceExpected(kCdnow, 39.0, x[i], tx[i], T[i])),
              1e-11)
        << i;
  }
  // Unlike BG/NBD, a customer without repeat purchases may already be gone.
  EXPECT_LT(alive[0], 1.0);
  // A new customer: the conditional expectation at x = t_x = T = 0, b/(a+b) alive.
  auto fresh = MbgNbdExpectedPurchasesNew(kCdnow, 52.0);
  ASSERT_TRUE(fresh.ok());
  EXPECT_LT(RelativeError(*fresh, ReferenceExpected(kCdnow, 52.0, 0, 0, 0)), 1e-11);
  // At a = 1 the expectation is the limit of the formula (no 0/0).
  const MbgNbdParams unit{0.5, 6.0, 1.0, 1.6};
  double at_one = 0.0, near_one = 0.0;
  const double one[] = {2.0}, rec[] = {20.0}, age[] = {38.0};
  ASSERT_TRUE(MbgNbdExpectedPurchases(unit, 39.0, one, rec, age, {&at_one, 1}).ok());
  ASSERT_TRUE(MbgNbdExpectedPurchases({0.5, 6.0, 1.0 + 1e-7, 1.6}, 39.0, one, rec, age,
                                      {&near_one, 1})
                  .ok());
  EXPECT_NEAR(at_one, near_one, 1e-5 * at_one);
}

// ---- Purchase-count distribution

const MbgNbdParams kOther{1.3, 0.7, 2.5, 0.4};  // a > 1, b < 1, r > 1, alpha < 1

TEST(MbgNbdPurchaseCountTest, MatchesQuadratureOfTheIndividualModelAt50Digits) {
  struct Case { MbgNbdParams p; double t; int64_t n; };
  for (const Case& c : {Case{kCdnow, 39.0, 0}, Case{kCdnow, 39.0, 1}, Case{kCdnow, 39.0, 2},
                        Case{kCdnow, 39.0, 7}, Case{kCdnow, 1.0, 3}, Case{kCdnow, 300.0, 40},
                        Case{kOther, 10.0, 0}, Case{kOther, 10.0, 5}}) {
    auto prob = MbgNbdPurchaseCountProbability(c.p, c.t, c.n);
    ASSERT_TRUE(prob.ok()) << prob.status();
    EXPECT_LT(RelativeError(*prob, ReferenceCountProbability(c.p, c.t, c.n)), 1e-12)
        << "a " << c.p.a << " t " << c.t << " n " << c.n;
  }
  // n = 0 in closed form: gone at time 0, or no purchase by t.
  const Real a = kCdnow.a, b = kCdnow.b, alpha = kCdnow.alpha, r = kCdnow.r;
  EXPECT_LT(RelativeError(*MbgNbdPurchaseCountProbability(kCdnow, 39.0, 0),
                          a / (a + b) + b / (a + b) * pow(alpha / (alpha + 39), r)),
            1e-14);
}

TEST(MbgNbdPurchaseCountTest, SumsToOneWithMeanEqualToExpectedPurchasesNew) {
  for (const MbgNbdParams& p : {kCdnow, kOther}) {
    for (double t : {1.0, 39.0, 78.0}) {
      // The pmf falls like (t/(α+t))^n: by n = 3000 the tail is below 1e-90 here.
      double total = 0.0, mean = 0.0;
      for (int64_t n = 0; n <= 3000; ++n) {
        auto prob = MbgNbdPurchaseCountProbability(p, t, n);
        ASSERT_TRUE(prob.ok()) << prob.status();
        total += *prob;
        mean += static_cast<double>(n) * *prob;
      }
      auto expected = MbgNbdExpectedPurchasesNew(p, t);
      ASSERT_TRUE(expected.ok());
      EXPECT_NEAR(total, 1.0, 1e-10) << "a " << p.a << " t " << t;
      EXPECT_NEAR(mean, *expected, 1e-10 * (1.0 + *expected)) << "a " << p.a << " t " << t;
    }
  }
}

TEST(MbgNbdPurchaseCountTest, DiffersFromBgNbdByTheDropOutAtTimeZero) {
  // Alive after time 0 (probability b/(a+b)), the customer is a BG/NBD customer with
  // p ~ Beta(a, b+1): the mixture over both branches is the MBG/NBD pmf.
  for (int64_t n : {0, 1, 4}) {
    const Real a = kCdnow.a, b = kCdnow.b;
    const Real bg = ReferenceCountProbability({kCdnow.r, kCdnow.alpha, kCdnow.a, kCdnow.b + 1},
                                              39.0, n, /*drop_out_at_start=*/false);
    const Real mixed = b / (a + b) * bg + (n == 0 ? a / (a + b) : Real(0));
    EXPECT_LT(RelativeError(*MbgNbdPurchaseCountProbability(kCdnow, 39.0, n), mixed), 1e-12)
        << n;
  }
}

// ---- Conditional P(Y(t) = n | x, t_x, T)

// x = 0 rows too: in MBG/NBD such a customer may be gone. The last row is a new customer.
const std::vector<double> kX = {0, 0, 1, 2, 7, 14, 0};
const std::vector<double> kTx = {0, 0, 1.71, 30.43, 35.0, 37.5, 0};
const std::vector<double> kT = {38.86, 5.0, 38.86, 38.86, 38.0, 38.0, 0};

TEST(MbgNbdConditionalPmfTest, SumsToOneWithMeanEqualToExpectedPurchases) {
  for (const MbgNbdParams& p : {kCdnow, kOther}) {
    for (double t : {1.0, 39.0}) {
      std::vector<double> total(kX.size(), 0.0), mean(kX.size(), 0.0), out(kX.size());
      for (int64_t n = 0; n <= 3000; ++n) {
        ASSERT_TRUE(
            MbgNbdConditionalPurchaseCountProbability(p, t, n, kX, kTx, kT, absl::MakeSpan(out))
                .ok());
        for (size_t i = 0; i < kX.size(); ++i) {
          total[i] += out[i];
          mean[i] += static_cast<double>(n) * out[i];
        }
      }
      std::vector<double> expected(kX.size());
      ASSERT_TRUE(MbgNbdExpectedPurchases(p, t, kX, kTx, kT, absl::MakeSpan(expected)).ok());
      for (size_t i = 0; i < kX.size(); ++i) {
        EXPECT_NEAR(total[i], 1.0, 1e-10) << "row " << i << " t " << t;
        EXPECT_NEAR(mean[i], expected[i], 1e-10 * (1.0 + expected[i])) << "row " << i;
      }
    }
  }
}

TEST(MbgNbdConditionalPmfTest, MatchesThePosteriorAt50Digits) {
  // Alive at T: λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x+1), and no drop-out at T itself.
  struct Case { size_t row; int64_t n; };
  for (const Case& c : {Case{0, 0}, Case{0, 2}, Case{3, 1}, Case{5, 6}}) {
    std::vector<double> out(kX.size());
    ASSERT_TRUE(MbgNbdConditionalPurchaseCountProbability(kCdnow, 39.0, c.n, kX, kTx, kT,
                                                          absl::MakeSpan(out))
                    .ok());
    const double x = kX[c.row], T = kT[c.row];
    const Real alive = ReferencePAlive(kCdnow, x, kTx[c.row], T);
    const MbgNbdParams posterior{kCdnow.r + x, kCdnow.alpha + T, kCdnow.a, kCdnow.b + x + 1};
    const Real reference =
        alive * ReferenceCountProbability(posterior, 39.0, c.n, /*drop_out_at_start=*/false) +
        (c.n == 0 ? 1 - alive : Real(0));
    EXPECT_LT(RelativeError(out[c.row], reference), 1e-12) << "row " << c.row << " n " << c.n;
  }
  // n = 0 in closed form: 1 − P(alive) + P(alive) ((α+T)/(α+T+t))^(r+x).
  std::vector<double> zero(kX.size());
  ASSERT_TRUE(MbgNbdConditionalPurchaseCountProbability(kCdnow, 39.0, 0, kX, kTx, kT,
                                                        absl::MakeSpan(zero))
                  .ok());
  for (size_t i = 0; i < kX.size(); ++i) {
    const Real alive = ReferencePAlive(kCdnow, kX[i], kTx[i], kT[i]);
    const Real a_T = Real(kCdnow.alpha) + Real(kT[i]);
    EXPECT_LT(RelativeError(zero[i], 1 - alive + alive * pow(a_T / (a_T + 39), kCdnow.r + kX[i])),
              1e-13)
        << "row " << i;
  }
}

TEST(MbgNbdConditionalPmfTest, NewCustomerHistoryGivesTheUnconditionalPmf) {
  // (x, t_x, T) = (0, 0, 0): P(alive) = b/(a+b) and the posterior Beta(a, b+1) — the same
  // mixture as the unconditional pmf's.
  const double zero = 0.0;
  for (int64_t n : {0, 1, 3, 10}) {
    double conditional = -1.0;
    ASSERT_TRUE(MbgNbdConditionalPurchaseCountProbability(kCdnow, 39.0, n, {&zero, 1},
                                                          {&zero, 1}, {&zero, 1},
                                                          {&conditional, 1})
                    .ok());
    const double fresh = *MbgNbdPurchaseCountProbability(kCdnow, 39.0, n);
    EXPECT_NEAR(conditional, fresh, 1e-14 * fresh) << n;
  }
}

// Covers docs/bad-input.md BI-MOD-01, BI-MOD-04, BI-MOD-07, BI-MOD-09, BI-MOD-11
TEST(MbgNbdBadInputTest, InvalidInputsAreNamed) {
  EXPECT_THAT(MbgNbdLogLikelihood(kCdnow, -1, 0, 1).status().message(),
              HasSubstr("frequency x must be a finite non-negative integer, got -1"));
  EXPECT_THAT(MbgNbdLogLikelihood(kCdnow, 1, 5, 2).status().message(),
              HasSubstr("recency t_x = 5 must be <= T = 2"));
  EXPECT_THAT(MbgNbdLogLikelihood({1, 1, -1, 1}, 1, 1, 2).status().message(),
              HasSubstr("MBG/NBD: parameter a must be finite and > 0, got -1"));
  double out = 0.0;
  const double x[] = {1}, tx[] = {1}, T[] = {2};
  EXPECT_THAT(MbgNbdExpectedPurchases(kCdnow, -1, x, tx, T, {&out, 1}).message(),
              HasSubstr("horizon t must be finite and >= 0, got -1"));
  EXPECT_THAT(MbgNbdProbabilityAlive(kCdnow, x, tx, {}, {&out, 1}).message(),
              HasSubstr("columns must have equal lengths"));
  auto few = PurchaseHistories::Create(std::vector<double>{1, 0}, std::vector<double>{1, 0},
                                       std::vector<double>{2, 2});
  ASSERT_TRUE(few.ok());
  EXPECT_THAT(FitMbgNbd(*few).status().message(),
              HasSubstr("MBG/NBD fit: too few repeat buyers (customers with x > 0): got 1"));
}

// Covers docs/bad-input.md BI-MOD-01, BI-MOD-04, BI-MOD-07, BI-MOD-09, BI-MOD-11
TEST(MbgNbdBadInputTest, PurchaseCountInputsAreNamed) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THAT(MbgNbdPurchaseCountProbability(kCdnow, 1.0, -2).status().message(),
              HasSubstr("MBG/NBD purchase-count probability: count n must be >= 0, got -2"));
  for (double t : {0.0, -1.0, nan, inf}) {
    const absl::Status st = MbgNbdPurchaseCountProbability(kCdnow, t, 1).status();
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(st.message(), HasSubstr("horizon t must be finite and > 0, got " +
                                        FormatDouble(t)));
  }
  EXPECT_THAT(MbgNbdPurchaseCountProbability({1, 0, 1, 1}, 1.0, 1).status().message(),
              HasSubstr("MBG/NBD: parameter alpha must be finite and > 0, got 0"));

  std::vector<double> out(2, -1.0);
  const std::vector<double> x = {1, 2}, ok_tx = {5, 5}, T = {10, 20};
  EXPECT_THAT(MbgNbdConditionalPurchaseCountProbability(kCdnow, 0.0, 0, x, ok_tx, T,
                                                        absl::MakeSpan(out))
                  .message(),
              HasSubstr("MBG/NBD conditional purchase-count probability: horizon t must be "
                        "finite and > 0, got 0"));
  EXPECT_THAT(MbgNbdConditionalPurchaseCountProbability(kCdnow, 1.0, -3, x, ok_tx, T,
                                                        absl::MakeSpan(out))
                  .message(),
              HasSubstr("count n must be >= 0, got -3"));
  const std::vector<double> bad_tx = {5, 50};  // row 1: t_x > T
  const absl::Status row = MbgNbdConditionalPurchaseCountProbability(kCdnow, 1.0, 0, x, bad_tx,
                                                                     T, absl::MakeSpan(out));
  EXPECT_EQ(row.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(row.message(), HasSubstr("row 1"));
  EXPECT_THAT(row.message(), HasSubstr("recency t_x = 50 must be <= T = 20"));
  const std::vector<double> zero_x_recent = {1, 0};  // row 1: x = 0 with t_x = 5
  EXPECT_THAT(MbgNbdConditionalPurchaseCountProbability(kCdnow, 1.0, 0, zero_x_recent, ok_tx,
                                                        T, absl::MakeSpan(out))
                  .message(),
              HasSubstr("needs recency t_x = 0, got 5"));
  std::vector<double> short_out(1);
  EXPECT_THAT(MbgNbdConditionalPurchaseCountProbability(kCdnow, 1.0, 0, x, ok_tx, T,
                                                        absl::MakeSpan(short_out))
                  .message(),
              HasSubstr("columns must have equal lengths"));
  EXPECT_EQ(MbgNbdConditionalPurchaseCountProbability({1, 1, 1, -1}, 1.0, 0, x, ok_tx, T,
                                                      absl::MakeSpan(out))
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out, std::vector<double>(2, -1.0));  // validation failed before any write
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

TEST(MbgNbdBadInputTest, ExtremeParametersAreFiniteOrOutOfRange) {
  for (const double r : kExtremeGrid) {
    for (const double alpha : kExtremeGrid) {
      for (const double a : kExtremeGrid) {
        for (const double b : kExtremeGrid) {
          const MbgNbdParams p{r, alpha, a, b};
          SCOPED_TRACE(::testing::Message() << r << " " << alpha << " " << a << " " << b);
          for (const double x : {0.0, 3.0}) {
            const double tx = x > 0 ? 2.0 : 0.0, T = 4.0;
            const auto ll = MbgNbdLogLikelihood(p, x, tx, T);
            CheckFiniteOrOutOfRange(ll.status(), ll.ok() ? *ll : 0.0, false);
            const PurchaseHistories one = *PurchaseHistories::Create(
                std::vector<double>{x}, std::vector<double>{tx}, std::vector<double>{T});
            const auto sum = MbgNbdLogLikelihoodSum(p, one);
            CheckFiniteOrOutOfRange(sum.status(), sum.ok() ? sum->log_likelihood : 0.0, false);
            double out = -1.0;
            // The status first: an argument list's evaluation order is unspecified.
            const absl::Status alive =
                MbgNbdProbabilityAlive(p, {&x, 1}, {&tx, 1}, {&T, 1}, {&out, 1});
            CheckFiniteOrOutOfRange(alive, out, true);
            out = -1.0;
            const absl::Status expected =
                MbgNbdExpectedPurchases(p, 10.0, {&x, 1}, {&tx, 1}, {&T, 1}, {&out, 1});
            CheckFiniteOrOutOfRange(expected, out, false);
            for (const int64_t n : {int64_t{0}, int64_t{3}, int64_t{100}}) {
              const auto pmf = MbgNbdPurchaseCountProbability(p, 10.0, n);
              CheckFiniteOrOutOfRange(pmf.status(), pmf.ok() ? *pmf : 0.0, true);
              out = -1.0;
              const absl::Status conditional = MbgNbdConditionalPurchaseCountProbability(
                  p, 10.0, n, {&x, 1}, {&tx, 1}, {&T, 1}, {&out, 1});
              CheckFiniteOrOutOfRange(conditional, out, true);
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace crmcore

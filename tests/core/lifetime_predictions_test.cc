// The unconditional and conditional purchase-count predictions of the BG/NBD and
// Pareto/NBD models (bgnbd.h, pareto_nbd.h) and the frequency × recency grids
// (lifetime_predictions.h), checked against 50-digit evaluations of the published closed
// forms and against the models' own identities.
#include "crmcore/lifetime_predictions.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>

#include "crmcore/bgnbd.h"
#include "crmcore/pareto_nbd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using Real = boost::multiprecision::cpp_bin_float_50;

const BgNbdParams kBgCdnow{0.242594, 4.413603, 0.792923, 2.425897};
const ParetoNbdParams kPnCdnow{0.5534, 10.5802, 0.6061, 11.6690};
// alpha > beta (the other branch of the Pareto/NBD closed form) and s > 1.
const ParetoNbdParams kPnWide{0.8, 20.0, 1.3, 4.0};

double RelativeError(double value, const Real& reference) {
  if (reference == 0) return std::fabs(value);
  return static_cast<double>(abs((Real(value) - reference) / reference));
}

Real Hyp2F1(const Real& a, const Real& b, const Real& c, const Real& z) {
  Real term = 1, sum = 1;
  for (int n = 0; n < 200000; ++n) {
    term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
    sum += term;
    if (n > 10 && abs(term) < sum * Real("1e-45")) break;
  }
  return sum;
}

Real LogBeta(const Real& a, const Real& b) {
  return boost::math::lgamma(a) + boost::math::lgamma(b) - boost::math::lgamma(a + b);
}

// NB(n; r, α, t) = Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n.
Real NegativeBinomial(const Real& r, const Real& alpha, const Real& t, int64_t n) {
  return exp(boost::math::lgamma(r + n) - boost::math::lgamma(r) - boost::math::lgamma(Real(n + 1)) +
             r * log(alpha / (alpha + t)) + n * log(t / (alpha + t)));
}

// Fader & Hardie (2006/2020), "Deriving an expression for P(X(t) = x) under the
// Pareto/NBD model", brucehardie.com/notes/012, the closed form with its B1 − Σ B2 terms,
// at 50 digits (where their cancellation costs nothing).
Real ReferenceParetoPmf(const ParetoNbdParams& p, double t_, int64_t x_) {
  const Real r = p.r, alpha = p.alpha, s = p.s, beta = p.beta, t = t_, x = x_;
  const Real first = NegativeBinomial(r, alpha, t, x_) * pow(beta / (beta + t), s);
  const Real c = r + s + x + 1;
  Real b1, b2_sum = 0;
  for (int64_t i = 0; i <= x_; ++i) {
    const Real weight = exp(boost::math::lgamma(r + s + i) - boost::math::lgamma(r + s) -
                            boost::math::lgamma(Real(i + 1))) * pow(t, i);
    const Real b2 = alpha >= beta
                        ? Hyp2F1(r + s + i, s + 1, c, (alpha - beta) / (alpha + t)) /
                              pow(alpha + t, r + s + i)
                        : Hyp2F1(r + s + i, r + x, c, (beta - alpha) / (beta + t)) /
                              pow(beta + t, r + s + i);
    b2_sum += weight * b2;
  }
  b1 = alpha >= beta ? Hyp2F1(r + s, s + 1, c, (alpha - beta) / alpha) / pow(alpha, r + s)
                     : Hyp2F1(r + s, r + x, c, (beta - alpha) / beta) / pow(beta, r + s);
  return first + pow(alpha, r) * pow(beta, s) * exp(LogBeta(r + x, s + 1) - LogBeta(r, s)) *
                     (b1 - b2_sum);
}

// FHL 2005 eq. 8 at 50 digits, the negative-binomial tail as 1 − Σ_{k<n} NB(k).
Real ReferenceBgPmf(const BgNbdParams& p, double t_, int64_t n) {
  const Real r = p.r, alpha = p.alpha, a = p.a, b = p.b, t = t_;
  Real value = exp(LogBeta(a, b + n) - LogBeta(a, b)) * NegativeBinomial(r, alpha, t, n);
  if (n > 0) {
    Real tail = 1;
    for (int64_t k = 0; k < n; ++k) tail -= NegativeBinomial(r, alpha, t, k);
    value += exp(LogBeta(a + 1, b + n - 1) - LogBeta(a, b)) * tail;
  }
  return value;
}

Real ReferenceBgPAlive(const BgNbdParams& p, double x, double tx, double T) {
  if (x == 0) return 1;
  const Real r = p.r, alpha = p.alpha, a = p.a, b = p.b;
  return 1 / (1 + a / (b + x - 1) * pow((alpha + T) / (alpha + tx), r + x));
}

// ---- Pareto/NBD E[X(t)] for a new customer ----------------------------------------------

TEST(ParetoNbdExpectedPurchasesNewTest, MatchesReferenceAndTheLimitAtSEqualsOne) {
  for (const ParetoNbdParams& p : {kPnCdnow, kPnWide, ParetoNbdParams{0.8, 5.0, 1.0, 3.0}}) {
    for (double t : {0.5, 39.0, 78.0, 1000.0}) {
      const Real r = p.r, alpha = p.alpha, s = p.s, beta = p.beta, tt = t;
      const Real reference =
          p.s == 1.0 ? r * beta / alpha * log1p(tt / beta)
                     : r * beta / (alpha * (s - 1)) * (1 - pow(beta / (beta + tt), s - 1));
      auto e = ParetoNbdExpectedPurchasesNew(p, t);
      ASSERT_TRUE(e.ok()) << e.status();
      EXPECT_LT(RelativeError(*e, reference), 1e-13) << t;
      // The conditional expectation at x = t_x = T = 0 is the same quantity.
      double conditional = 0.0;
      ASSERT_TRUE(ParetoNbdExpectedPurchases(p, t, {0.0}, {0.0}, {0.0},
                                             absl::MakeSpan(&conditional, 1))
                      .ok());
      EXPECT_LT(RelativeError(conditional, reference), 1e-13);
    }
  }
  // Continuous through s = 1 (no 0/0): s = 1 ± 1e-9 differ from s = 1 by ~1e-9 relative.
  const double at_one = *ParetoNbdExpectedPurchasesNew({0.8, 5.0, 1.0, 3.0}, 52.0);
  EXPECT_NEAR(*ParetoNbdExpectedPurchasesNew({0.8, 5.0, 1.0 + 1e-9, 3.0}, 52.0), at_one, 1e-8);
  EXPECT_NEAR(*ParetoNbdExpectedPurchasesNew({0.8, 5.0, 1.0 - 1e-9, 3.0}, 52.0), at_one, 1e-8);
  EXPECT_EQ(*ParetoNbdExpectedPurchasesNew(kPnCdnow, 0.0), 0.0);
}

TEST(ParetoNbdExpectedPurchasesNewTest, RejectsBadInput) {
  // Covers docs/bad-input.md BI-MOD-09, BI-MOD-11.
  for (double t : {-1.0, std::nan(""), HUGE_VAL}) {
    const absl::Status st = ParetoNbdExpectedPurchasesNew(kPnCdnow, t).status();
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(st.message(), HasSubstr("horizon t must be finite and >= 0"));
  }
  EXPECT_THAT(ParetoNbdExpectedPurchasesNew({0.5, -1.0, 1.0, 1.0}, 1.0).status().message(),
              HasSubstr("alpha"));
}

// ---- Pareto/NBD P(X(t) = n) ---------------------------------------------------------------

TEST(ParetoNbdPurchaseCountProbabilityTest, MatchesTheClosedFormAt50Digits) {
  for (const ParetoNbdParams& p : {kPnCdnow, kPnWide, ParetoNbdParams{2.0, 3.0, 0.5, 30.0}}) {
    for (double t : {1.0, 39.0, 78.0}) {
      for (int64_t n : {0, 1, 2, 5, 12}) {
        auto prob = ParetoNbdPurchaseCountProbability(p, t, n);
        ASSERT_TRUE(prob.ok()) << prob.status();
        const Real reference = ReferenceParetoPmf(p, t, n);
        EXPECT_LT(RelativeError(*prob, reference), 1e-9)
            << "r=" << p.r << " t=" << t << " n=" << n << " ref=" << reference;
      }
    }
  }
}

TEST(ParetoNbdPurchaseCountProbabilityTest, MatchesTheClosedFormFarFromTheCdnowScale) {
  // alpha and beta 100 times apart either way (the closed form's series at z = 0.99), a
  // horizon 1000 times beta, and small shapes.
  for (const ParetoNbdParams& p : {ParetoNbdParams{0.8, 100.0, 1.3, 1.0},
                                   ParetoNbdParams{0.8, 1.0, 1.3, 100.0},
                                   ParetoNbdParams{0.05, 2.0, 0.1, 1.0}}) {
    for (double t : {0.01, 1000.0}) {
      for (int64_t n : {0, 1, 7}) {
        auto prob = ParetoNbdPurchaseCountProbability(p, t, n);
        ASSERT_TRUE(prob.ok()) << prob.status();
        const Real reference = ReferenceParetoPmf(p, t, n);
        EXPECT_LT(RelativeError(*prob, reference), 1e-9)
            << "alpha=" << p.alpha << " beta=" << p.beta << " t=" << t << " n=" << n
            << " ref=" << reference;
      }
    }
  }
}

TEST(ParetoNbdPurchaseCountProbabilityTest, SumsToOneWithMeanEqualToTheExpectation) {
  for (const ParetoNbdParams& p : {kPnCdnow, kPnWide}) {
    for (double t : {10.0, 78.0}) {
      double total = 0.0, mean = 0.0;
      for (int64_t n = 0; n <= 400; ++n) {
        auto prob = ParetoNbdPurchaseCountProbability(p, t, n);
        ASSERT_TRUE(prob.ok()) << prob.status();
        total += *prob;
        mean += static_cast<double>(n) * *prob;
      }
      EXPECT_NEAR(total, 1.0, 1e-9);
      EXPECT_NEAR(mean, *ParetoNbdExpectedPurchasesNew(p, t), 1e-7 * (1.0 + mean));
    }
  }
}

TEST(ParetoNbdPurchaseCountProbabilityTest, RejectsBadInput) {
  // Covers docs/bad-input.md BI-MOD-09, BI-MOD-11.
  EXPECT_THAT(ParetoNbdPurchaseCountProbability(kPnCdnow, 0.0, 1).status().message(),
              HasSubstr("horizon t must be finite and > 0, got 0"));
  EXPECT_THAT(ParetoNbdPurchaseCountProbability(kPnCdnow, std::nan(""), 1).status().message(),
              HasSubstr("horizon t"));
  EXPECT_THAT(ParetoNbdPurchaseCountProbability(kPnCdnow, 1.0, -1).status().message(),
              HasSubstr("count n must be >= 0, got -1"));
  EXPECT_EQ(ParetoNbdPurchaseCountProbability({0.0, 1.0, 1.0, 1.0}, 1.0, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---- Conditional P(Y(t) = n | x, t_x, T) --------------------------------------------------

const std::vector<double> kX = {0, 1, 2, 5, 10, 3};
const std::vector<double> kTx = {0, 30.43, 5.0, 20.0, 38.5, 38.0};
const std::vector<double> kT = {38.86, 38.86, 30.0, 32.0, 38.86, 38.0};

TEST(BgNbdConditionalPmfTest, MatchesThePosteriorClosedFormAt50Digits) {
  for (double t : {1.0, 39.0}) {
    for (int64_t n : {0, 1, 3, 8}) {
      std::vector<double> out(kX.size());
      ASSERT_TRUE(BgNbdConditionalPurchaseCountProbability(kBgCdnow, t, n, kX, kTx, kT,
                                                           absl::MakeSpan(out))
                      .ok());
      for (size_t i = 0; i < kX.size(); ++i) {
        const Real alive = ReferenceBgPAlive(kBgCdnow, kX[i], kTx[i], kT[i]);
        const BgNbdParams posterior{kBgCdnow.r + kX[i], kBgCdnow.alpha + kT[i], kBgCdnow.a,
                                    kBgCdnow.b + kX[i]};
        const Real reference =
            alive * ReferenceBgPmf(posterior, t, n) + (n == 0 ? 1 - alive : Real(0));
        EXPECT_LT(RelativeError(out[i], reference), 1e-11) << "row " << i << " n " << n;
      }
    }
  }
  // n = 0 in closed form: 1 − P(alive) + P(alive) ((α+T)/(α+T+t))^(r+x).
  std::vector<double> zero(1);
  ASSERT_TRUE(BgNbdConditionalPurchaseCountProbability(kBgCdnow, 39.0, 0, {2.0}, {30.0},
                                                       {38.86}, absl::MakeSpan(zero))
                  .ok());
  const Real alive = ReferenceBgPAlive(kBgCdnow, 2, 30, 38.86);
  const Real a_T = Real(kBgCdnow.alpha) + Real(38.86);
  EXPECT_LT(RelativeError(zero[0], 1 - alive + alive * pow(a_T / (a_T + 39), kBgCdnow.r + 2)),
            1e-13);
}

template <typename Params, typename Pmf, typename Expected>
void CheckConditionalIdentities(const Params& p, Pmf pmf, Expected expected, double t) {
  std::vector<double> total(kX.size(), 0.0), mean(kX.size(), 0.0), out(kX.size());
  for (int64_t n = 0; n <= 300; ++n) {
    ASSERT_TRUE(pmf(p, t, n, kX, kTx, kT, absl::MakeSpan(out)).ok());
    for (size_t i = 0; i < kX.size(); ++i) {
      total[i] += out[i];
      mean[i] += static_cast<double>(n) * out[i];
    }
  }
  std::vector<double> e(kX.size());
  ASSERT_TRUE(expected(p, t, kX, kTx, kT, absl::MakeSpan(e)).ok());
  for (size_t i = 0; i < kX.size(); ++i) {
    EXPECT_NEAR(total[i], 1.0, 1e-9) << "row " << i;
    EXPECT_NEAR(mean[i], e[i], 1e-7 * (1.0 + e[i])) << "row " << i;
  }
}

TEST(ConditionalPmfTest, SumsToOneWithMeanEqualToConditionalExpectedPurchases) {
  CheckConditionalIdentities(kBgCdnow, BgNbdConditionalPurchaseCountProbability,
                             BgNbdExpectedPurchases, 39.0);
  CheckConditionalIdentities(kPnCdnow, ParetoNbdConditionalPurchaseCountProbability,
                             ParetoNbdExpectedPurchases, 39.0);
  CheckConditionalIdentities(kPnWide, ParetoNbdConditionalPurchaseCountProbability,
                             ParetoNbdExpectedPurchases, 10.0);
}

TEST(ParetoNbdConditionalPmfTest, MatchesThePosteriorClosedFormAt50Digits) {
  std::vector<double> alive(kX.size()), out(kX.size());
  ASSERT_TRUE(ParetoNbdProbabilityAlive(kPnCdnow, kX, kTx, kT, absl::MakeSpan(alive)).ok());
  for (int64_t n : {0, 2, 6}) {
    ASSERT_TRUE(ParetoNbdConditionalPurchaseCountProbability(kPnCdnow, 39.0, n, kX, kTx, kT,
                                                             absl::MakeSpan(out))
                    .ok());
    for (size_t i = 0; i < kX.size(); ++i) {
      const ParetoNbdParams posterior{kPnCdnow.r + kX[i], kPnCdnow.alpha + kT[i], kPnCdnow.s,
                                      kPnCdnow.beta + kT[i]};
      const Real reference = Real(alive[i]) * ReferenceParetoPmf(posterior, 39.0, n) +
                             (n == 0 ? 1 - Real(alive[i]) : Real(0));
      EXPECT_LT(RelativeError(out[i], reference), 1e-9) << "row " << i << " n " << n;
    }
  }
}

TEST(ConditionalPmfTest, RejectsBadInput) {
  // Covers docs/bad-input.md BI-MOD-04, BI-MOD-08, BI-MOD-09, BI-MOD-11.
  std::vector<double> out(2);
  const std::vector<double> x = {1, 2}, tx = {5, 50}, T = {10, 20};  // row 1: t_x > T
  for (const absl::Status& st :
       {BgNbdConditionalPurchaseCountProbability(kBgCdnow, 1.0, 0, x, tx, T, absl::MakeSpan(out)),
        ParetoNbdConditionalPurchaseCountProbability(kPnCdnow, 1.0, 0, x, tx, T,
                                                     absl::MakeSpan(out))}) {
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(st.message(), HasSubstr("row 1"));
  }
  const std::vector<double> ok_tx = {5, 5};
  EXPECT_THAT(BgNbdConditionalPurchaseCountProbability(kBgCdnow, 0.0, 0, x, ok_tx, T,
                                                       absl::MakeSpan(out))
                  .message(),
              HasSubstr("horizon t must be finite and > 0"));
  EXPECT_THAT(ParetoNbdConditionalPurchaseCountProbability(kPnCdnow, 1.0, -3, x, ok_tx, T,
                                                           absl::MakeSpan(out))
                  .message(),
              HasSubstr("count n must be >= 0, got -3"));
  std::vector<double> short_out(1);
  EXPECT_EQ(ParetoNbdConditionalPurchaseCountProbability(kPnCdnow, 1.0, 0, x, ok_tx, T,
                                                         absl::MakeSpan(short_out))
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BgNbdConditionalPurchaseCountProbability({1.0, 1.0, -1.0, 1.0}, 1.0, 0, x, ok_tx, T,
                                                     absl::MakeSpan(out))
                .code(),
            absl::StatusCode::kInvalidArgument);
}

// ---- Grids ---------------------------------------------------------------------------------

TEST(PredictionGridTest, CellsEqualThePerCustomerPredictions) {
  for (const RepeatPurchaseModel& model : {RepeatPurchaseModel(kBgCdnow), RepeatPurchaseModel(kPnCdnow)}) {
    auto alive = ProbabilityAliveGrid(model, 5, 38.86, 4);
    ASSERT_TRUE(alive.ok()) << alive.status();
    auto expected = ExpectedPurchasesGrid(model, 39.0, 5, 38.86, 4);
    ASSERT_TRUE(expected.ok()) << expected.status();
    ASSERT_EQ(alive->frequency.size(), 6u);
    ASSERT_EQ(alive->recency.size(), 5u);
    EXPECT_EQ(alive->recency.back(), 38.86);
    EXPECT_DOUBLE_EQ(alive->recency[1], 38.86 / 4);
    for (size_t i = 0; i < 6; ++i) {
      for (size_t j = 0; j < 5; ++j) {
        const double x = static_cast<double>(i), tx = i == 0 ? 0.0 : alive->recency[j];
        double p = 0.0, e = 0.0;
        ASSERT_TRUE(ProbabilityAlive(model, {x}, {tx}, {38.86}, absl::MakeSpan(&p, 1)).ok());
        ASSERT_TRUE(
            ExpectedPurchases(model, 39.0, {x}, {tx}, {38.86}, absl::MakeSpan(&e, 1)).ok());
        EXPECT_EQ(alive->at(i, j), p) << i << "," << j;
        EXPECT_EQ(expected->at(i, j), e) << i << "," << j;
      }
    }
    // More recent buyers are likelier alive; at t_x = T a BG/NBD buyer is alive unless
    // the coin after the last purchase came up: 1 / (1 + a/(b+x−1)).
    EXPECT_LT(alive->at(3, 1), alive->at(3, 3));
    if (std::holds_alternative<BgNbdParams>(model)) {
      EXPECT_DOUBLE_EQ(alive->at(4, 4), 1.0 / (1.0 + kBgCdnow.a / (kBgCdnow.b + 3.0)));
    }
  }
}

TEST(PredictionGridTest, RejectsBadInput) {
  // Covers docs/bad-input.md BI-MOD-09, BI-MOD-11, BI-MOD-15 (grid bounds).
  const RepeatPurchaseModel model = kBgCdnow;
  EXPECT_THAT(ProbabilityAliveGrid(model, -1, 10.0, 4).status().message(),
              HasSubstr("max_frequency must be in [0, 10000], got -1"));
  EXPECT_THAT(ProbabilityAliveGrid(model, 5, 10.0, 0).status().message(),
              HasSubstr("recency_steps must be in [1, 10000], got 0"));
  EXPECT_THAT(ProbabilityAliveGrid(model, 5, 0.0, 4).status().message(),
              HasSubstr("T must be finite and > 0"));
  EXPECT_THAT(ExpectedPurchasesGrid(model, -1.0, 5, 10.0, 4).status().message(),
              HasSubstr("horizon t"));
  EXPECT_EQ(ProbabilityAliveGrid(ParetoNbdParams{1.0, std::nan(""), 1.0, 1.0}, 5, 10.0, 4)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crmcore

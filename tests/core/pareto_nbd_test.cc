#include "crmcore/pareto_nbd.h"

#include "crmcore/customer_scoring.h"  // PurchaseHistoriesFromSummary
#include "crmcore/rfm_summary.h"
#include "crmcore/transaction_log.h"

#include <cmath>
#include <limits>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include "crmcore/bgnbd.h"
#include "crmcore/gamma_gamma.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model_test_data.h"

namespace crmcore {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using Real = boost::multiprecision::cpp_bin_float_50;

const ParetoNbdParams kCdnow{0.5534, 10.5802, 0.6061, 11.6690};

using testing::CdnowHistories;

// ---- 50-digit reference: F&H (2005) eq. 22 with the untransformed 2F1 series.
Real Hyp2F1(const Real& a, const Real& b, const Real& c, const Real& z) {
  Real term = 1, sum = 1;
  for (int n = 0; n < 400000; ++n) {
    term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
    sum += term;
    static const Real kTolerance("1e-40");
    if (n > 10 && abs(term) < sum * kTolerance) break;
  }
  return sum;
}

struct ReferenceTerms { Real alive, dead; };  // the two bracketed terms of L

ReferenceTerms Reference(const ParetoNbdParams& p, double x_, double tx_, double T_) {
  const Real r = p.r, alpha = p.alpha, s = p.s, beta = p.beta, x = x_, tx = tx_, T = T_;
  const Real c = r + s + x + 1;
  auto F = [&](const Real& y) {
    if (alpha >= beta) return Hyp2F1(r + s + x, s + 1, c, (alpha - beta) / (alpha + y)) / pow(alpha + y, r + s + x);
    return Hyp2F1(r + s + x, r + x, c, (beta - alpha) / (beta + y)) / pow(beta + y, r + s + x);
  };
  return {1 / (pow(alpha + T, r + x) * pow(beta + T, s)), s / (r + s + x) * (F(tx) - F(T))};
}

Real ReferenceLogLikelihood(const ParetoNbdParams& p, double x, double tx, double T) {
  const Real r = p.r, alpha = p.alpha, s = p.s, beta = p.beta;
  const ReferenceTerms t = Reference(p, x, tx, T);
  return boost::math::lgamma(r + x) - boost::math::lgamma(r) + r * log(alpha) + s * log(beta) +
         log(t.alive + t.dead);
}

Real ReferencePAlive(const ParetoNbdParams& p, double x, double tx, double T) {
  const ReferenceTerms t = Reference(p, x, tx, T);
  return t.alive / (t.alive + t.dead);
}

Real ReferenceExpected(const ParetoNbdParams& p, double t_, double x, double tx, double T_) {
  const Real r = p.r, alpha = p.alpha, s = p.s, beta = p.beta, T = T_, t = t_;
  return (r + x) * (beta + T) / ((alpha + T) * (s - 1)) *
         (1 - pow((beta + T) / (beta + T + t), s - 1)) * ReferencePAlive(p, x, tx, T_);
}

double RelativeError(double value, const Real& reference) {
  return static_cast<double>(abs((Real(value) - reference) / reference));
}

// The exact calibration summary (t_x and T in days / 7, unrounded) from the transaction
// log: the bundled CSV rounds them to 2 decimals, which moves β by ~0.001.
PurchaseHistories ExactCdnowHistories() {
  TransactionLogOptions ingest;
  ingest.whitespace_delimited = true;
  ingest.has_header = false;
  ingest.customer = ColumnRef::At(2);
  ingest.date = ColumnRef::At(3);
  ingest.amount = ColumnRef::At(5);
  ingest.date_format = "%Y%m%d";
  auto log = LoadTransactionLog(std::string(CRMCORE_TEST_DATA_DIR) + "/CDNOW_sample.txt", ingest);
  EXPECT_TRUE(log.ok()) << log.status();
  SummaryOptions options;
  options.unit = TimeUnit::kWeeks;
  options.observation_end = absl::CivilDay(1997, 9, 30);
  auto summary = SummarizeTransactions(*log, options);
  EXPECT_TRUE(summary.ok()) << summary.status();
  auto histories = PurchaseHistoriesFromSummary(*summary);
  EXPECT_TRUE(histories.ok()) << histories.status();
  return *std::move(histories);
}

TEST(ParetoNbdFitTest, ReproducesPublishedCdnowEstimates) {
  auto fit = FitParetoNbd(ExactCdnowHistories());
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->report.converged) << fit->report.message;
  // Fader & Hardie (2005 note): r = 0.553, α = 10.578, s = 0.606, β = 11.669, LL −9595.0.
  EXPECT_NEAR(fit->params.r, 0.553, 0.0005);
  EXPECT_NEAR(fit->params.alpha, 10.578, 0.0005);
  EXPECT_NEAR(fit->params.s, 0.606, 0.0005);
  EXPECT_NEAR(fit->params.beta, 11.669, 0.0005);
  EXPECT_NEAR(fit->report.log_likelihood, -9595.0, 0.05);
}

struct History { double x, t_x, T; };
const std::vector<History> kHistories = {{0, 0, 38.86}, {2, 30.43, 38.86}, {1, 1.71, 38.86},
                                         {7, 35.0, 38.0}, {14, 37.5, 38.0}, {3, 3.0, 20.0},
                                         {500, 9000, 1e4}, {0, 0, 1e4}, {5, 38, 38}};

TEST(ParetoNbdLikelihoodTest, MatchesReferenceInBothBranches) {
  for (const ParetoNbdParams& p : {kCdnow, ParetoNbdParams{0.8, 20.0, 1.3, 4.0},
                                   ParetoNbdParams{0.8, 5.0, 0.5, 5.0}}) {
    for (const History& h : kHistories) {
      auto ll = ParetoNbdLogLikelihood(p, h.x, h.t_x, h.T);
      ASSERT_TRUE(ll.ok()) << ll.status();
      EXPECT_TRUE(std::isfinite(*ll));
      EXPECT_LT(RelativeError(*ll, ReferenceLogLikelihood(p, h.x, h.t_x, h.T)), 1e-12)
          << h.x << " " << h.t_x << " " << h.T << " alpha " << p.alpha;
    }
  }
}

// z = |α−β|/(max(α,β)+y) from 0.6 to 0.999: the continued fraction's range (z > 1/2),
// in both branches, against the 50-digit untransformed series.
TEST(ParetoNbdLikelihoodTest, MatchesReferenceWhenAlphaAndBetaAreFarApart) {
  for (const double ratio : {2.5, 10.0, 100.0, 1000.0}) {  // z = 1 − 1/ratio at y = 0
    for (const ParetoNbdParams& p : {ParetoNbdParams{0.8, 1.0, 1.3, ratio},
                                     ParetoNbdParams{0.8, ratio, 1.3, 1.0}}) {
      for (const History& h : kHistories) {
        if (h.T > 100) continue;  // z falls below 1/2 for large t_x and T
        auto ll = ParetoNbdLogLikelihood(p, h.x, h.t_x, h.T);
        ASSERT_TRUE(ll.ok()) << ll.status();
        // Relative to max(1, |log L|): log L near 0 is a difference of O(1) terms.
        const double reference = static_cast<double>(ReferenceLogLikelihood(p, h.x, h.t_x, h.T));
        EXPECT_NEAR(*ll, reference, 1e-12 * std::max(1.0, std::fabs(reference)))
            << h.x << " " << h.t_x << " " << h.T << " alpha " << p.alpha << " beta " << p.beta;
      }
    }
  }
}

// r + s below 2^-53 makes c = r+s+x+1 round to 1 for x = 0, so c − 1 = 0 in the
// continued fraction's first coefficient (0/0 before it was written −b/c): the
// log-likelihood and its gradient stay finite and right.
TEST(ParetoNbdLikelihoodTest, TinyShapeParametersInTheContinuedFraction) {
  const ParetoNbdParams p{1e-17, 10.0, 1e-17, 1.0};  // z = 0.9 at y = 0
  for (const History& h : {History{0, 0, 38.86}, History{0, 0, 1.0}, History{2, 30.43, 38.86}}) {
    auto ll = ParetoNbdLogLikelihood(p, h.x, h.t_x, h.T);
    ASSERT_TRUE(ll.ok()) << ll.status();
    const double reference = static_cast<double>(ReferenceLogLikelihood(p, h.x, h.t_x, h.T));
    EXPECT_NEAR(*ll, reference, 1e-12 * std::max(1.0, std::fabs(reference))) << h.x << " " << h.T;
  }
  const std::vector<double> x = {0, 2}, t_x = {0, 30.43}, T = {38.86, 38.86};
  const absl::StatusOr<PurchaseHistories> histories = PurchaseHistories::Create(x, t_x, T);
  ASSERT_TRUE(histories.ok());
  const absl::StatusOr<LogLikelihoodSum<4>> sum = ParetoNbdLogLikelihoodSum(p, *histories);
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_TRUE(std::isfinite(sum->log_likelihood));
  for (const double g : sum->gradient) EXPECT_TRUE(std::isfinite(g));
}

TEST(ParetoNbdLikelihoodTest, GradientMatchesFiniteDifferences) {
  const PurchaseHistories histories = CdnowHistories();
  // The last two put z near 1 (up to 1 − 1e-3) for the CDNOW customers with short T: the
  // continued fraction carries the derivatives too.
  for (const ParetoNbdParams& p :
       {kCdnow, ParetoNbdParams{0.8, 20.0, 1.3, 4.0}, ParetoNbdParams{0.5, 1.0, 0.7, 1000.0},
        ParetoNbdParams{0.5, 1000.0, 0.7, 1.0}}) {
    auto sum = ParetoNbdLogLikelihoodSum(p, histories);
    ASSERT_TRUE(sum.ok()) << sum.status();
    for (size_t k = 0; k < 4; ++k) {
      auto shifted = [&](double step) {
        double lp[4] = {std::log(p.r), std::log(p.alpha), std::log(p.s), std::log(p.beta)};
        lp[k] += step;
        const ParetoNbdParams q{std::exp(lp[0]), std::exp(lp[1]), std::exp(lp[2]), std::exp(lp[3])};
        return ParetoNbdLogLikelihoodSum(q, histories)->log_likelihood;
      };
      const double h = 1e-6;
      const double numeric = (shifted(h) - shifted(-h)) / (2 * h);
      EXPECT_NEAR(sum->gradient[k], numeric, 1e-5 * std::max(1.0, std::fabs(numeric))) << k;
    }
  }
}

TEST(ParetoNbdLikelihoodTest, FourPartitionsMatchSingleBatch) {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  std::vector<PurchaseHistories> parts;
  const size_t n = data.x.size();
  for (size_t part = 0; part < 4; ++part) {
    const size_t begin = n * part / 4, end = n * (part + 1) / 4;
    auto slice = [&](const std::vector<double>& v) {
      return absl::MakeConstSpan(v).subspan(begin, end - begin);
    };
    parts.push_back(*PurchaseHistories::Create(slice(data.x), slice(data.t_x), slice(data.T)));
  }
  auto summed = [&](const ParetoNbdParams& p) -> absl::StatusOr<LogLikelihoodSum<4>> {
    LogLikelihoodSum<4> total;
    for (const PurchaseHistories& h : parts) {
      auto s = ParetoNbdLogLikelihoodSum(p, h);
      if (!s.ok()) return s.status();
      total += *s;
    }
    return total;
  };
  auto single = ParetoNbdLogLikelihoodSum(kCdnow, CdnowHistories());
  auto partitioned = summed(kCdnow);
  ASSERT_TRUE(single.ok() && partitioned.ok());
  EXPECT_NEAR(partitioned->log_likelihood, single->log_likelihood, 1e-9);
  auto fit_single = FitParetoNbd(CdnowHistories());
  auto fit_parts = FitParetoNbdFromSums(summed);
  ASSERT_TRUE(fit_single.ok() && fit_parts.ok());
  EXPECT_TRUE(fit_parts->report.converged) << fit_parts->report.message;
  EXPECT_NEAR(fit_parts->params.r, fit_single->params.r, 1e-5);
  EXPECT_NEAR(fit_parts->params.alpha, fit_single->params.alpha, 1e-4);
  EXPECT_NEAR(fit_parts->params.s, fit_single->params.s, 1e-5);
  EXPECT_NEAR(fit_parts->params.beta, fit_single->params.beta, 1e-4);
}

TEST(ParetoNbdPredictionTest, ProbabilityAliveAndExpectedPurchasesMatchReference) {
  std::vector<double> x, tx, T;
  for (const History& h : kHistories) {
    x.push_back(h.x);
    tx.push_back(h.t_x);
    T.push_back(h.T);
  }
  std::vector<double> alive(x.size()), expected(x.size());
  for (const ParetoNbdParams& p : {kCdnow, ParetoNbdParams{0.8, 20.0, 1.3, 4.0}}) {
    ASSERT_TRUE(ParetoNbdProbabilityAlive(p, x, tx, T, absl::MakeSpan(alive)).ok());
    ASSERT_TRUE(ParetoNbdExpectedPurchases(p, 39.0, x, tx, T, absl::MakeSpan(expected)).ok());
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_TRUE(std::isfinite(alive[i]) && std::isfinite(expected[i]));
      EXPECT_LT(RelativeError(alive[i], ReferencePAlive(p, x[i], tx[i], T[i])), 1e-10) << i;
      EXPECT_LT(RelativeError(expected[i], ReferenceExpected(p, 39.0, x[i], tx[i], T[i])), 1e-10)
          << i;
    }
  }
}

// The column path remembers log F per (x, y) pair and reuses the previous row's result;
// a population full of repeated pairs, in runs and scattered, must give exactly what each
// row gives on its own.
TEST(ParetoNbdPredictionTest, RepeatedHistoriesGiveTheSameProbabilityAsSingleRows) {
  std::vector<double> x, tx, T;
  for (int i = 0; i < 600; ++i) {
    const int cohort = i % 7;
    const int purchases = (i / 3) % 5;
    x.push_back(purchases);
    T.push_back(30.0 + cohort);
    tx.push_back(purchases == 0 ? 0.0 : static_cast<double>((i / 2) % 29) + 0.5);
  }
  for (const ParetoNbdParams& p : {kCdnow, ParetoNbdParams{0.8, 20.0, 1.3, 4.0}}) {
    std::vector<double> column(x.size());
    ASSERT_TRUE(ParetoNbdProbabilityAlive(p, x, tx, T, absl::MakeSpan(column)).ok());
    for (size_t i = 0; i < x.size(); ++i) {
      double single = 0.0;
      ASSERT_TRUE(ParetoNbdProbabilityAlive(p, {x[i]}, {tx[i]}, {T[i]},
                                            absl::MakeSpan(&single, 1)).ok());
      EXPECT_EQ(column[i], single) << i;
      EXPECT_LT(RelativeError(column[i], ReferencePAlive(p, x[i], tx[i], T[i])), 1e-10) << i;
    }
  }
}

TEST(ParetoNbdPredictionTest, ExpectedPurchasesContinuousThroughSEqualOne) {
  std::vector<double> x = {2}, tx = {30}, T = {38}, at_one(1), near_one(1);
  ASSERT_TRUE(ParetoNbdExpectedPurchases({0.5, 10, 1.0, 12}, 39, x, tx, T,
                                         absl::MakeSpan(at_one)).ok());
  ASSERT_TRUE(ParetoNbdExpectedPurchases({0.5, 10, 1.0 + 1e-8, 12}, 39, x, tx, T,
                                         absl::MakeSpan(near_one)).ok());
  EXPECT_NEAR(at_one[0], near_one[0], 1e-7);
  EXPECT_GT(at_one[0], 0.0);
}

// Covers docs/bad-input.md BI-MOD-04, BI-MOD-05, BI-MOD-07, BI-MOD-09, BI-MOD-11
TEST(ParetoNbdBadInputTest, InvalidInputsAreNamed) {
  std::vector<double> x = {1, 2}, tx = {1, 3}, T = {2, 2}, out(2);
  const absl::Status s = ParetoNbdProbabilityAlive(kCdnow, x, tx, T, absl::MakeSpan(out));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("row 1: recency t_x = 3 must be <= T = 2"));
  EXPECT_THAT(ParetoNbdLogLikelihood({1, 1, 0, 1}, 1, 1, 2).status().message(),
              HasSubstr("parameter s must be finite and > 0, got 0"));
  EXPECT_THAT(ParetoNbdLogLikelihood(kCdnow, 1, 0, 2).status().message(),
              HasSubstr("needs recency t_x > 0"));
  std::vector<double> x1 = {1}, tx1 = {1}, T1 = {2}, out1(1);
  EXPECT_THAT(ParetoNbdExpectedPurchases(kCdnow, std::nan(""), x1, tx1, T1, absl::MakeSpan(out1))
                  .message(),
              HasSubstr("horizon t must be finite and >= 0, got nan"));
  std::vector<double> few_x = {0, 1}, few_tx = {0, 1}, few_T = {3, 3};
  EXPECT_THAT(FitParetoNbd(*PurchaseHistories::Create(few_x, few_tx, few_T)).status().message(),
              HasSubstr("too few repeat buyers"));
}

// Covers docs/bad-input.md BI-MOD-13
TEST(ParetoNbdBadInputTest, SeriesThatCannotConvergeIsOutOfRange) {
  // z = (α − β)/(α + t_x) = 1 − 1e-9: the continued fraction would need over 10^5 steps.
  auto ll = ParetoNbdLogLikelihood({0.5, 1e9, 0.5, 0.5}, 1, 0.5, 2);
  EXPECT_EQ(ll.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(ll.status().message(), HasSubstr("did not converge"));
}

// Covers docs/bad-input.md BI-MOD-13
TEST(ParetoNbdBadInputTest, ExpectationThatOverflowsIsOutOfRange) {
  // r near DBL_MAX: (r + x) times the lifetime factor (about 2.4 for t = 10) overflows.
  std::vector<double> x = {0}, tx = {0}, T = {0}, out(1);
  const absl::Status status =
      ParetoNbdExpectedPurchases({1e308, 1.0, 1.0, 1.0}, 10.0, x, tx, T, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(),
            "Pareto/NBD expected purchases row 0: the expectation overflows double (x = 0, "
            "T = 0, horizon t = 10)");
}

// Valid parameters near DBL_MAX overflow the models' terms (lgamma(r + x) − lgamma(r) =
// Inf − Inf): every model answers finite values or OutOfRange naming the parameters, never
// NaN with OK. Found by a probe of a grid of extreme parameters; a 35-minute models_fuzzer
// run found one case (fuzz/regressions/models/pareto_nbd_p_alive_nan_extreme_params: a NaN
// P(alive)).
// Covers docs/bad-input.md BI-MOD-13
TEST(ExtremeParametersTest, EveryModelIsFiniteOrOutOfRange) {
  const std::vector<double> grid = {1.7e308, 2.5};
  int out_of_range = 0;
  auto check = [&](const absl::Status& status, double value, bool probability) {
    if (status.ok()) {
      EXPECT_TRUE(std::isfinite(value)) << value;
      if (probability) {
        EXPECT_TRUE(value >= 0.0 && value <= 1.0) << value;
      }
    } else {
      // Too extreme for double, or (Pareto/NBD) alpha and beta too far apart for 2F1.
      EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
      EXPECT_THAT(status.message(), AnyOf(HasSubstr("too extreme"), HasSubstr("too far apart")))
          << status;
      ++out_of_range;
    }
  };
  for (const double a : grid) {
    for (const double b : grid) {
      for (const double c : grid) {
        for (const double d : grid) {
          for (const History& h : kHistories) {
            SCOPED_TRACE(::testing::Message() << a << " " << b << " " << c << " " << d << " x "
                                              << h.x << " T " << h.T);
            const std::vector<double> x{h.x}, tx{h.t_x}, T{h.T};
            const PurchaseHistories one = *PurchaseHistories::Create(x, tx, T);
            std::vector<double> out{-1.0};
            const auto pnbd = ParetoNbdLogLikelihood({a, b, c, d}, h.x, h.t_x, h.T);
            check(pnbd.status(), pnbd.ok() ? *pnbd : 0.0, false);
            const auto pnbd_sum = ParetoNbdLogLikelihoodSum({a, b, c, d}, one);
            check(pnbd_sum.status(), pnbd_sum.ok() ? pnbd_sum->log_likelihood : 0.0, false);
            const absl::Status alive =
                ParetoNbdProbabilityAlive({a, b, c, d}, x, tx, T, absl::MakeSpan(out));
            check(alive, out[0], true);
            const auto bg = BgNbdLogLikelihood({a, b, c, d}, h.x, h.t_x, h.T);
            check(bg.status(), bg.ok() ? *bg : 0.0, false);
            const auto bg_sum = BgNbdLogLikelihoodSum({a, b, c, d}, one);
            check(bg_sum.status(), bg_sum.ok() ? bg_sum->log_likelihood : 0.0, false);
          }
        }
        const std::vector<double> x{3.0, 1.0}, m{20.0, 5.0};
        const auto gg = GammaGammaLogLikelihoodSum({a, b, c}, *SpendHistories::Create(x, m));
        check(gg.status(), gg.ok() ? gg->log_likelihood : 0.0, false);
      }
    }
  }
  EXPECT_GT(out_of_range, 0);  // the grid does reach the overflow
  // The message names the parameters.
  const auto bg = BgNbdLogLikelihood({1.7e308, 1.7e308, 1.7e308, 1.7e308}, 0, 0, 38.86);
  ASSERT_FALSE(bg.ok());
  EXPECT_EQ(bg.status().message(),
            "BG/NBD log-likelihood is not finite (-nan) at r = 1.7e+308, alpha = 1.7e+308, a = "
            "1.7e+308, b = 1.7e+308: the parameters are too extreme for double");
}

}  // namespace
}  // namespace crmcore

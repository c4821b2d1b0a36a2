// Regression tests for the findings of the fuzz targets in fuzz/ (scripts/fuzz.sh). Each
// test reproduces one finding through the public API; the crashing input itself is kept in
// fuzz/regressions/<target>/, which scripts/fuzz.sh replays on every run.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/bgbb.h"
#include "crmcore/bgnbd.h"
#include "crmcore/engine.h"
#include "crmcore/engine_state_io.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/pareto_nbd.h"
#include "crmcore/rfm_summary.h"
#include "crmcore/sbg.h"
#include "crmcore/transaction_log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;

// fuzz/regressions/models/bgnbd_expected_purchases_series_overflow (models_fuzzer): with a
// large a and a horizon far beyond alpha + T, the terms of the hypergeometric series of
// E[X(t)] grow past DBL_MAX before they shrink; the convergence test passed on Inf <= Inf
// and 0 * Inf returned NaN as the expected number of purchases.
// Covers docs/bad-input.md BI-MOD-13
TEST(FuzzRegressionTest, BgNbdExpectedPurchasesSeriesOverflowIsAnErrorNotNaN) {
  const BgNbdParams params{1.0238084123159368, 0.002599139214947062, 134.47125025436378,
                           0.09258913945586919};
  const double t = 53.23872739757382;
  const absl::StatusOr<double> fresh = BgNbdExpectedPurchasesNew(params, t);
  ASSERT_FALSE(fresh.ok()) << "returned " << *fresh;
  EXPECT_EQ(fresh.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(fresh.status().message(), HasSubstr("overflows double"));

  // The conditional expectation of a customer with T = 0 runs the same series.
  const std::vector<double> x = {0.0}, t_x = {0.0}, T = {0.0};
  std::vector<double> out = {-1.0};
  const absl::Status status =
      BgNbdExpectedPurchases(params, t, x, t_x, T, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
  EXPECT_THAT(status.message(), HasSubstr("row 0"));

  // A shorter horizon with the same parameters still has an answer, finite and >= 0.
  const absl::StatusOr<double> short_horizon = BgNbdExpectedPurchasesNew(params, 0.001);
  ASSERT_TRUE(short_horizon.ok()) << short_horizon.status();
  EXPECT_TRUE(std::isfinite(*short_horizon));
  EXPECT_GE(*short_horizon, 0.0);
}

// fuzz/regressions/transaction_log/lenient_all_skipped_max_reported_zero
// (transaction_log_fuzzer, UBSan "reference binding to null pointer"): in lenient mode with
// max_reported_errors = 0 and every row bad, the "no transactions" error read
// skipped.front() of an empty vector.
// Covers docs/bad-input.md BI-ING-17
TEST(FuzzRegressionTest, LenientLoadWithNoReportedErrorsAndEveryRowBadNamesTheFirst) {
  TransactionLogOptions options;
  options.lenient = true;
  options.max_reported_errors = 0;
  const absl::StatusOr<TransactionLog> log =
      LoadTransactionLogFromBuffer("customer_id,date,amount\na,x,1\nb,2024-01-01,y\n",
                                   "log.csv", options);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log.status().message(),
            "log.csv: no transactions: all 2 rows were skipped as bad; first: line 2: field "
            "'date': cannot parse \"x\" with format %Y-%m-%d");
}

// fuzz/regressions/models/pareto_nbd_gradient_tiny_T (models_fuzzer): a customer observed
// for a T negligible beside alpha and beta (here subnormal; 1e-20 does the same) has
// F(T) == F(t_x) in double, so A0 rounded to 0 and log(0) made every component of the
// log-likelihood gradient NaN while the log-likelihood itself was a finite 0.
TEST(FuzzRegressionTest, ParetoNbdGradientIsFiniteWhenTIsNegligible) {
  const ParetoNbdParams params{0.049787068367863944, 0.049787068367863944,
                               0.049787068367863944, 0.050079650272480306};
  for (const double T : {3.47328271065196e-310, 1e-300, 1e-20}) {
    // (The input had t_x = T / 2 as well, which x = 0 no longer accepts: BI-MOD-05.)
    for (const double t_x : {0.0}) {
      SCOPED_TRACE(::testing::Message() << "T " << T << " t_x " << t_x);
      const std::vector<double> x = {0.0}, recency = {t_x}, age = {T};
      const absl::StatusOr<PurchaseHistories> histories =
          PurchaseHistories::Create(x, recency, age);
      ASSERT_TRUE(histories.ok()) << histories.status();
      const absl::StatusOr<LogLikelihoodSum<4>> sum =
          ParetoNbdLogLikelihoodSum(params, *histories);
      ASSERT_TRUE(sum.ok()) << sum.status();
      // L -> 1 as T -> 0: log L and its derivatives are 0 to double precision.
      EXPECT_EQ(sum->log_likelihood, 0.0);
      for (const double g : sum->gradient) EXPECT_EQ(g, 0.0);
      std::vector<double> alive = {-1.0};
      ASSERT_TRUE(
          ParetoNbdProbabilityAlive(params, x, recency, age, absl::MakeSpan(alive)).ok());
      EXPECT_EQ(alive[0], 1.0);
    }
  }
  // Just above the cut-off the dead term is still counted and everything stays finite.
  const std::vector<double> x = {0.0}, recency = {0.0}, age = {1e-10};
  const absl::StatusOr<PurchaseHistories> histories = PurchaseHistories::Create(x, recency, age);
  ASSERT_TRUE(histories.ok());
  const absl::StatusOr<LogLikelihoodSum<4>> sum = ParetoNbdLogLikelihoodSum(params, *histories);
  ASSERT_TRUE(sum.ok());
  EXPECT_LT(sum->log_likelihood, 0.0);
  for (const double g : sum->gradient) EXPECT_TRUE(std::isfinite(g));
}

// fuzz/regressions/models/bgnbd_expected_purchases_negative_huge_T (models_fuzzer): for
// T far beyond t, log(1 − z) computed as log(α+T) − log(α+T+t) rounded to 0 while z did
// not, and the expected purchases came out negative (−9.4e-118). With log1p the small-z
// limit E ≈ r·t/(α+T) (FHL 2005 eq. 10 to first order in z) is reproduced.
TEST(FuzzRegressionTest, BgNbdExpectedPurchasesAreNeverNegative) {
  const BgNbdParams params{0.05845991030722162, 13.103770026827892, 0.08341648215295641,
                           1.325579064067977};
  const double t = 0.8392462043183032;
  const std::vector<double> x = {0.0}, t_x = {0.0}, T = {3.1200594883954996e+116};
  std::vector<double> out = {-1.0};
  ASSERT_TRUE(BgNbdExpectedPurchases(params, t, x, t_x, T, absl::MakeSpan(out)).ok());
  EXPECT_GE(out[0], 0.0);
  // P(alive) = 1 at x = 0, so E = r z (1 + O(z)) with z = t/(α+T+t).
  const double first_order = params.r * t / (params.alpha + T[0] + t);
  EXPECT_NEAR(out[0], first_order, 1e-12 * first_order);
  // And for T moderately large, where both formulas are accurate, nothing changed sign.
  for (const double age : {1e6, 1e10, 1e15, 1e20, 1e50}) {
    const std::vector<double> ages = {age};
    ASSERT_TRUE(BgNbdExpectedPurchases(params, t, x, t_x, ages, absl::MakeSpan(out)).ok());
    EXPECT_GT(out[0], 0.0) << "T " << age;
  }
}

// fuzz/regressions/models/bgnbd_count_probability_above_one (models_fuzzer): a fit that
// ran to extreme parameters (valid ones: finite and > 0) gave P(X(t) = 0) = 1.0000138. The
// log-gamma differences lost 2e-5 to cancellation at a = 8e9, and log α − log(α+t) was 0
// at α = 6e20, t = 100, where r·log(α/(α+t)) = −1700; P(alive) had the same difference.
TEST(FuzzRegressionTest, BgNbdProbabilitiesStayProbabilitiesAtExtremeParameters) {
  const BgNbdParams params{9.8035375530944181e+21, 5.7789115761967609e+20, 7793847516.8480425,
                           3.1771514210579775e-08};
  const double t = 100.0;
  double total = 0.0;
  for (int64_t n = 0; n < 4; ++n) {
    const absl::StatusOr<double> p = BgNbdPurchaseCountProbability(params, t, n);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_GE(*p, 0.0) << "n " << n;
    EXPECT_LE(*p, 1.0) << "n " << n;
    total += *p;
  }
  EXPECT_LE(total, 1.0 + 1e-12);
  // P(X = 0) = (α/(α+t))^r = exp(−r·log1p(t/α)) = e^-1696: 0 in double, not 1.
  EXPECT_EQ(*BgNbdPurchaseCountProbability(params, t, 0), 0.0);
  // p ~ Beta(a, b) is almost surely 1: the customer drops out after the first purchase, and
  // the rate (r/α = 17 a unit) makes that purchase all but certain within t = 100.
  EXPECT_NEAR(*BgNbdPurchaseCountProbability(params, t, 1), 1.0, 1e-6);

  // P(alive | x = 1, t_x = 50, T = 100) = 1/(1 + ((α+T)/(α+t_x))^(r+1)) = 1/(1 + e^848)
  // with a = b = 1; the difference of logs made it 1/2.
  const BgNbdParams even{params.r, params.alpha, 1.0, 1.0};
  const std::vector<double> x = {1.0}, t_x = {50.0}, T = {100.0};
  std::vector<double> alive = {-1.0};
  ASSERT_TRUE(BgNbdProbabilityAlive(even, x, t_x, T, absl::MakeSpan(alive)).ok());
  EXPECT_LT(alive[0], 1e-300);
}

// fuzz/regressions/models/gamma_gamma_gradient_norm_overflow (models_fuzzer): one repeat
// buyer makes the Gamma-Gamma likelihood unbounded; the optimizer walks towards p -> Inf
// and the report's gradient norm, the Euclidean norm of finite entries near 1e229,
// overflowed to Inf when squared.
TEST(FuzzRegressionTest, GammaGammaReportStaysFiniteOnAnUnboundedLikelihood) {
  const std::vector<double> x = {14.0}, m = {0.01};
  const absl::StatusOr<SpendHistories> spend = SpendHistories::Create(x, m);
  ASSERT_TRUE(spend.ok()) << spend.status();
  FitOptions options;
  options.max_iterations = 8;
  options.min_repeat_buyers = 1.0;
  const absl::StatusOr<GammaGammaFit> fit = FitGammaGamma(
      *spend, options, {0.079596506389303892, 19.167494296017676, 4.3502008600930067});
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_FALSE(fit->report.converged);
  EXPECT_TRUE(std::isfinite(fit->report.log_likelihood));
  EXPECT_TRUE(std::isfinite(fit->report.gradient_norm)) << fit->report.gradient_norm;
  EXPECT_GT(fit->report.gradient_norm, options.gradient_tolerance);
  EXPECT_TRUE(fit->params.Validate().ok());
}

// fuzz/regressions/models/pareto_nbd_expected_purchases_overflow_nan (models_fuzzer):
// E[Y(t)] multiplied (r+x)(β+T) first, which overflows for x = 7e15, T = 1e299 although the
// expectation is small; Inf times P(alive) = 0 gave NaN.
TEST(FuzzRegressionTest, ParetoNbdExpectedPurchasesFiniteForHugeT) {
  const ParetoNbdParams params{9.485890152902357, 0.5978610635898445, 0.9542496652070159,
                               0.049787068367863944};
  const double t = 25.220111390859845;
  const std::vector<double> x = {7.31863e+15}, t_x = {3.507234646535874e-310},
                            T = {1.0997367506540879e+299};
  std::vector<double> alive = {-1.0}, expected = {-1.0};
  ASSERT_TRUE(ParetoNbdProbabilityAlive(params, x, t_x, T, absl::MakeSpan(alive)).ok());
  ASSERT_TRUE(
      ParetoNbdExpectedPurchases(params, t, x, t_x, T, absl::MakeSpan(expected)).ok());
  EXPECT_TRUE(std::isfinite(expected[0]));
  EXPECT_GE(expected[0], 0.0);
  // E = P(alive) (r+x) (β+T)/(α+T) t/(β+T) to first order in t/(β+T).
  const double first_order = alive[0] * (params.r + x[0]) * t / (params.alpha + T[0]);
  EXPECT_NEAR(expected[0], first_order, 1e-9 * first_order + 1e-300);
}

// fuzz/regressions/models/gamma_gamma_mean_spend_overflow (models_fuzzer): a Gamma-Gamma fit
// that ran away on an unbounded likelihood returned p near 1e305 (valid: finite and > 0), and
// E[Z] = p (γ + m x)/(p x + q − 1) overflowed in the numerator to Inf although E[Z] ≈
// m + γ/x.
// Covers docs/bad-input.md BI-MOD-13
TEST(FuzzRegressionTest, GammaGammaMeanSpendFiniteForHugeP) {
  const GammaGammaParams params{1e305, 3.0, 2.0};
  const std::vector<double> x = {15.0, 1.0}, m = {500.0, 20.0};
  std::vector<double> out = {-1.0, -1.0};
  ASSERT_TRUE(GammaGammaExpectedMeanSpend(params, x, m, absl::MakeSpan(out)).ok());
  // As p -> Inf, E[Z] -> (γ + m x)/x = m + γ/x (FHL 2005 "RFM and CLV" eq. 5).
  EXPECT_DOUBLE_EQ(out[0], 500.0 + 2.0 / 15.0);
  EXPECT_DOUBLE_EQ(out[1], 22.0);
  // The population mean p γ/(q − 1) of an x = 0 customer does overflow here: an error.
  const std::vector<double> none = {0.0}, zero = {0.0};
  std::vector<double> one = {-1.0};
  const absl::Status status =
      GammaGammaExpectedMeanSpend({1e308, 1.5, 10.0}, none, zero, absl::MakeSpan(one));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
  EXPECT_THAT(status.message(), HasSubstr("row 0: overflows double"));
}

// fuzz/regressions/models/gamma_gamma_loglik_huge_spend (models_fuzzer): a repeat buyer with
// mean spend 9e307 (finite, so valid) made γ + m x overflow and the log-likelihood −Inf.
TEST(FuzzRegressionTest, GammaGammaLogLikelihoodFiniteForHugeSpend) {
  const double m = 9.010410170586754e+307, x = 26.0;
  const std::vector<double> xs = {x}, ms = {m};
  const absl::StatusOr<SpendHistories> spend = SpendHistories::Create(xs, ms);
  ASSERT_TRUE(spend.ok()) << spend.status();
  const GammaGammaParams params{0.39273101164529706, 0.11732837307351562, 0.13294666070217545};
  const absl::StatusOr<LogLikelihoodSum<3>> sum = GammaGammaLogLikelihoodSum(params, *spend);
  ASSERT_TRUE(sum.ok()) << sum.status();
  ASSERT_TRUE(std::isfinite(sum->log_likelihood));
  for (const double g : sum->gradient) EXPECT_TRUE(std::isfinite(g));
  // log L with log(γ + m x) = log m + log x (γ is 1e-309 of m x).
  const double p = params.p, q = params.q, px = p * x;
  const double want = std::lgamma(px + q) - std::lgamma(px) - std::lgamma(q) +
                      q * std::log(params.gamma) + (px - 1.0) * std::log(m) + px * std::log(x) -
                      (px + q) * (std::log(m) + std::log(x));
  EXPECT_NEAR(sum->log_likelihood, want, 1e-12 * std::fabs(want));
}

// fuzz/regressions/state_bytes/composite_with_state_minmax_subnormal_range (state_bytes_fuzzer):
// a population whose min-max column spans a subnormal range (0 .. 1.06e-314) scored a
// newcomer of -3.5 as (x - min) / (max - min) = -Inf, returned with OK. The same state
// comes from ordinary values, not only from crafted bytes.
// Covers docs/bad-input.md BI-ENG-16
TEST(FuzzRegressionTest, CompositeAgainstStateOverflowIsAnErrorNotInf) {
  const absl::StatusOr<CompositePlan> plan = CompositePlan::Create({0.0, 0.0, 1.0, 0.0, 0.0});
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::vector<double> population = {0.0, 1.06047983e-314};
  engine::CompositeColumns columns;
  columns.column[2] = population;
  const absl::StatusOr<engine::CompositeState> state =
      engine::ComputeCompositeState(*plan, columns);
  ASSERT_TRUE(state.ok()) << state.status();

  // The population itself scores in [0, 1].
  std::vector<double> own(2, -1.0);
  ASSERT_TRUE(engine::ScoreComposite(*plan, columns, *state, absl::MakeSpan(own)).ok());
  EXPECT_EQ(own[0], 0.0);
  EXPECT_EQ(own[1], 1.0);

  const std::vector<double> newcomers = {0.0, -3.5};
  engine::CompositeColumns rows;
  rows.column[2] = newcomers;
  std::vector<double> out(2, 0.0);
  const absl::Status status = engine::ScoreComposite(*plan, rows, *state, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
  EXPECT_THAT(status.message(), HasSubstr("customer 1"));
}

// fuzz/regressions/state_bytes/composite_merge_nan_mean_made_m2_nan (state_bytes_fuzzer,
// found by CI's 60 s run): merging two valid states whose m2 had overflowed to +Inf, with a
// NaN mean (valid once m2 is +Inf), gave m2 = NaN: Inf - Inf in the means' difference. The
// merged state no longer validated, so serializing it failed. Data make such states too:
// blocks whose means lie more than DBL_MAX apart made the merged mean +Inf, a third block
// made it NaN and a fourth made m2 NaN.
// Covers docs/bad-input.md BI-ENG-19
TEST(FuzzRegressionTest, MergedStatesWithOverflowedSpreadStayValid) {
  const absl::StatusOr<CompositePlan> plan = CompositePlan::Create(
      {1.0, 0.0, 0.0, 0.0, 0.0}, {NormalizerSpec{NormalizerKind::kZScore}});
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::vector<double> values;
  for (const double block_value : {-1e308, 1e308, 0.0, 5.0}) {
    values.insert(values.end(), engine::kEngineBlockRows, block_value);
  }
  engine::CompositeColumns columns;
  columns.column[0] = values;
  const absl::StatusOr<engine::CompositeState> state =
      engine::ComputeCompositeState(*plan, columns);
  ASSERT_TRUE(state.ok()) << state.status();
  const engine::ColumnState& column = state->column[0];
  EXPECT_EQ(column.m2, std::numeric_limits<double>::infinity());
  EXPECT_EQ(column.mean, 1.25);  // (-1e308 + 1e308 + 0 + 5) / 4, finite as documented
  EXPECT_TRUE(engine::ValidateCompositeState(*state).ok());
  EXPECT_TRUE(engine::SerializeCompositeState(*state).ok());
  // Scoring against it is the documented error, not NaN.
  std::vector<double> out(values.size());
  const absl::Status scored =
      engine::ScoreComposite(*plan, columns, *state, absl::MakeSpan(out));
  EXPECT_EQ(scored.code(), absl::StatusCode::kOutOfRange) << scored;

  // The decoded state of the finding: m2 = +Inf with a NaN mean, merged with itself.
  engine::CompositeState overflowed;
  overflowed.rows = 2;
  engine::ColumnState& spread = overflowed.column[0];
  spread.count = 2;
  spread.min = -1e308;
  spread.max = 1e308;
  spread.mean = std::numeric_limits<double>::quiet_NaN();
  spread.m2 = std::numeric_limits<double>::infinity();
  ASSERT_TRUE(engine::ValidateCompositeState(overflowed).ok());
  engine::CompositeState merged = overflowed;
  ASSERT_TRUE(engine::MergeCompositeStates(merged, overflowed).ok());
  EXPECT_EQ(merged.column[0].count, 4);
  EXPECT_EQ(merged.column[0].m2, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(engine::ValidateCompositeState(merged).ok());
  EXPECT_TRUE(engine::SerializeCompositeState(merged).ok());
}

// transaction_log_fuzzer (CI's 60 s run): an observation end after 9999-12-31 is refused
// as an invalid option, naming the date; the fuzz target expected only OutOfRange there.
// An end before the first transaction is refused the same way.
// Covers docs/bad-input.md BI-ING-24
TEST(FuzzRegressionTest, ObservationEndOutsideTheLogOrAfterYear9999IsInvalidArgument) {
  const absl::StatusOr<TransactionLog> log = LoadTransactionLogFromBuffer(
      "customer_id,date,amount\na,9999-12-20,1\n", "log.csv", TransactionLogOptions());
  ASSERT_TRUE(log.ok()) << log.status();
  SummaryOptions options;
  options.observation_end = absl::CivilDay(9999, 12, 31);
  EXPECT_TRUE(SummarizeTransactions(*log, options).ok());  // the last day still works
  options.observation_end = absl::CivilDay(10000, 1, 27);
  const absl::StatusOr<RfmSummary> summary = SummarizeTransactions(*log, options);
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(summary.status().message(),
            "rfm summary: observation_end 10000-01-27 is after 9999-12-31");
  options.observation_end = absl::CivilDay(9999, 12, 19);
  const absl::StatusOr<RfmSummary> early = SummarizeTransactions(*log, options);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(early.status().message(),
            "rfm summary: observation_end 9999-12-19 is before the first transaction, on "
            "9999-12-20");
}

// pareto_fit_fuzzer (a 150 s run with -seed=1, a 20 s timeout): the line search of a 3-step
// fit on 6 customers probed alpha / beta = 4e-5, where z = 1 − 4e-5 and the 2F1 series
// took 10^6 terms for every customer and probe: 25 s under ASan. 2F1(1, b; c; z) for z > 1/2
// is now Gauss's continued fraction (a few thousand steps there), which also reaches z the
// series could not (1 − 1e-6 needed 4·10^7 terms: OutOfRange before). References: F&H 2005
// eq. 22 with mpmath 1.2.1's hyp2f1 at 50 digits (the inputs converted exactly), e.g.
//   mpmath.mp.dps = 50; F(y) = hyp2f1(r+s+x, r+x, r+s+x+1, (beta-alpha)/(beta+y)) / ...
// Covers docs/bad-input.md BI-MOD-13
TEST(FuzzRegressionTest, ParetoNbdLikelihoodWhenAlphaAndBetaAreFarApart) {
  struct Case {
    ParetoNbdParams params;
    double x, t_x, T, reference;
  };
  const double kQuiet = 4.3121995880064086;  // a customer with no repeat purchase
  const double kBusyTx = 0.00038148136836114164, kBusyT = 0.1953154802777142;
  const Case cases[] = {
      {{0.155, 1.0, 1.14, 24500.0}, 0, 0, kQuiet, -0.25883039320279965372},
      {{0.155, 1.0, 1.14, 24500.0}, 9, kBusyTx, kBusyT, 7.5112046455177548671},
      {{0.155, 24500.0, 1.14, 1.0}, 0, 0, kQuiet, -9.420510316860136945e-6},
      {{0.155, 24500.0, 1.14, 1.0}, 9, kBusyTx, kBusyT, -81.81381988831073601},
      {{0.155, 1.0, 1.14, 1e6}, 0, 0, kQuiet, -0.25885042444892535623},
      {{0.155, 1.0, 1.14, 1e6}, 9, kBusyTx, kBusyT, 7.5111917495095965334},
      {{0.155, 1e6, 1.14, 1.0}, 0, 0, kQuiet, -2.3081738794515257307e-7},
      {{0.155, 1e6, 1.14, 1.0}, 9, kBusyTx, kBusyT, -115.19549508537048919},
  };
  for (const Case& c : cases) {
    const absl::StatusOr<double> ll = ParetoNbdLogLikelihood(c.params, c.x, c.t_x, c.T);
    ASSERT_TRUE(ll.ok()) << ll.status();
    // 1 − z down to 1e-6 makes log 2F1 ill-conditioned in z (condition ~1/(1−z)): the
    // rounding of z alone moves it by ~1e-16/(1−z).
    EXPECT_NEAR(*ll, c.reference, 1e-9 * std::max(1.0, std::fabs(c.reference)))
        << "alpha " << c.params.alpha << " beta " << c.params.beta << " x " << c.x;
  }
}

// fuzz/regressions/discrete_models/bgbb_zero_frequency_with_recency
// (discrete_models_fuzzer, "histories.ok() == valid"): a BG/BB history with no repeat
// transaction (x = 0) but a last transaction at t_x = 3 was accepted, though bgbb.h and
// crmcore.h document t_x = 0 when x = 0; fits and predictions then used a likelihood of
// 3 opportunities survived without the transaction t_x claims.
// Covers docs/bad-input.md BI-MOD-17
TEST(FuzzRegressionTest, BgBbZeroFrequencyWithRecencyIsNoHistory) {
  const std::vector<double> x = {0.0, 5.0}, t_x = {3.0, 6.0}, n = {6.0, 6.0};
  const absl::StatusOr<BgBbHistories> histories = BgBbHistories::Create(x, t_x, n);
  ASSERT_FALSE(histories.ok());
  EXPECT_EQ(histories.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(histories.status().message(),
              HasSubstr("BG/BB history row 0: frequency x = 0 (no repeat transaction) needs "
                        "recency t_x = 0, got 3"));
  std::vector<double> out = {-1.0, -1.0};
  const BgBbParams params{1.204, 0.750, 0.657, 2.783};
  EXPECT_THAT(BgBbProbabilityAlive(params, x, t_x, n, absl::MakeSpan(out)).message(),
              HasSubstr("row 0: frequency x = 0 (no repeat transaction)"));
  EXPECT_THAT(BgBbExpectedTransactions(params, 2.0, x, t_x, n, absl::MakeSpan(out)).message(),
              HasSubstr("row 0: frequency x = 0 (no repeat transaction)"));
  EXPECT_EQ(out[0], -1.0);
  EXPECT_FALSE(BgBbLogLikelihood(params, 0.0, 3.0, 6.0).ok());
  // x = 0 with t_x = 0 stays a history, as x = t_x > 0 does.
  EXPECT_TRUE(BgBbHistories::Create(std::vector<double>{0.0, 3.0}, std::vector<double>{0.0, 3.0},
                                    std::vector<double>{6.0, 6.0})
                  .ok());
}

// B(a+j, b+k)/B(a, b) for whole j and k as the product of its factors (a+i)/(a+b+i) and
// (b+i)/(a+b+j+i), in long double: a reference for the beta-geometric models that needs
// no log-gamma function, exact up to rounding for any a and b.
long double BetaRatioProduct(long double a, long double b, int j, int k) {
  long double r = 1.0L;
  for (int i = 0; i < j; ++i) r *= (a + i) / (a + b + i);
  for (int i = 0; i < k; ++i) r *= (b + i) / (a + b + j + i);
  return r;
}

// fuzz/regressions/discrete_models/bgbb_expected_transactions_huge_parameters
// (discrete_models_fuzzer, "E(n*) <= n* P(alive)"): at the parameters a short fit reached
// (alpha 3.9e13, beta 2.9e12, gamma 3.8e16, delta 6.2e11) BG/BB's expected transactions of
// a customer with x = t_x = n = 0 in 19 opportunities came out as 1.5e111 (another run:
// 2e222 at gamma 1.2e27): every ratio of beta functions was a difference of log-beta
// functions, log Γ(3.8e16) = 1.4e18, whose rounding (about 300) swamped the answer. The ratios are now
// LogBetaRatio (Stirling differences for large arguments); the predictions match FHS
// 2010's formulas (eq. 5, 11, 13) evaluated as products at huge and ordinary parameters.
// Covers docs/bad-input.md BI-MOD-13
TEST(FuzzRegressionTest, BgBbPredictionsAreAccurateForHugeParameters) {
  for (const BgBbParams& p : {BgBbParams{3.91533e13, 2.88432e12, 3.79183e16, 6.18683e11},
                              BgBbParams{7.44806e16, 3.6226e14, 1.20951e27, 1.8055e28},
                              BgBbParams{1.204, 0.750, 0.657, 2.783},
                              BgBbParams{3e12, 0.02, 1e-3, 5e20}}) {
    for (const auto& [x, t_x, n] : {std::array<int, 3>{1, 2, 10}, std::array<int, 3>{0, 0, 6},
                                    std::array<int, 3>{6, 6, 6}, std::array<int, 3>{3, 7, 11},
                                    std::array<int, 3>{0, 0, 0}}) {
      long double likelihood = BetaRatioProduct(p.alpha, p.beta, x, n - x) *
                               BetaRatioProduct(p.gamma, p.delta, 0, n);
      for (int i = 0; i < n - t_x; ++i) {
        likelihood += BetaRatioProduct(p.alpha, p.beta, x, t_x - x + i) *
                      BetaRatioProduct(p.gamma, p.delta, 1, t_x + i);
      }
      const long double alive = BetaRatioProduct(p.alpha, p.beta, x, n - x) *
                                BetaRatioProduct(p.gamma, p.delta, 0, n + 1) / likelihood;
      long double surviving = 0.0L;
      for (int s = 1; s <= 19; ++s) surviving += BetaRatioProduct(p.gamma, p.delta, 0, n + s);
      const long double expected =
          BetaRatioProduct(p.alpha, p.beta, x + 1, n - x) * surviving / likelihood;
      const std::vector<double> xs = {double(x)}, txs = {double(t_x)}, ns = {double(n)};
      std::vector<double> out = {-1.0};
      ASSERT_TRUE(BgBbProbabilityAlive(p, xs, txs, ns, absl::MakeSpan(out)).ok());
      EXPECT_NEAR(out[0], static_cast<double>(alive), 1e-12 * static_cast<double>(alive))
          << "P(alive) at alpha " << p.alpha << " x " << x << " t_x " << t_x << " n " << n;
      ASSERT_TRUE(BgBbExpectedTransactions(p, 19.0, xs, txs, ns, absl::MakeSpan(out)).ok());
      EXPECT_NEAR(out[0], static_cast<double>(expected), 1e-12 * static_cast<double>(expected))
          << "E(19) at alpha " << p.alpha << " x " << x << " t_x " << t_x << " n " << n;
      const absl::StatusOr<double> ll = BgBbLogLikelihood(p, x, t_x, n);
      ASSERT_TRUE(ll.ok()) << ll.status();
      EXPECT_NEAR(*ll, std::log(static_cast<double>(likelihood)), 1e-12);
    }
  }
}

// sBG at parameters of the same size: S(t) beyond 10^4 periods (the log-beta form) and the
// log-likelihood are ratios of beta functions too; both agree with the product forms of
// FH 2007 (S(t) = r(1) ... r(t); P(T = t) = S(t-1) (1 - r(t))). Before, a difference of
// log-beta functions gave S(12345) = 1.3e-14 for 6.1e-4 at alpha 3e12, and the log-likelihood
// -3520 for -371.
// Covers docs/bad-input.md BI-MOD-13
TEST(FuzzRegressionTest, SbgSurvivalAndLikelihoodAreAccurateForHugeParameters) {
  for (const SbgParams& p : {SbgParams{1.2e27, 1.8e28}, SbgParams{0.704, 1.182},
                             SbgParams{3e12, 5e15}}) {
    long double survival = 1.0L;
    const int t = 12345;
    for (int i = 1; i <= t; ++i) {
      survival *= (p.beta + i - 1.0L) / (p.alpha + p.beta + i - 1.0L);
    }
    const absl::StatusOr<double> s = SbgSurvival(p, t);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_NEAR(*s, static_cast<double>(survival), 1e-10 * static_cast<double>(survival))
        << "S(" << t << ") at alpha " << p.alpha;
    // One cohort of 100 watched for 2 periods: 30 churn in period 1, 20 in period 2.
    const std::vector<std::vector<double>> cohort = {{100.0, 70.0, 50.0}};
    const absl::StatusOr<SurvivorSeries> series = SurvivorSeries::Create(cohort);
    ASSERT_TRUE(series.ok());
    const long double r1 = p.beta / static_cast<long double>(p.alpha + p.beta);
    const long double r2 = (p.beta + 1.0L) / (p.alpha + p.beta + 1.0L);
    const long double ll = 30.0L * std::log(1.0L - r1) + 20.0L * std::log(r1 * (1.0L - r2)) +
                           50.0L * std::log(r1 * r2);
    const absl::StatusOr<LogLikelihoodSum<2>> sum = SbgLogLikelihoodSum(p, *series);
    ASSERT_TRUE(sum.ok()) << sum.status();
    EXPECT_NEAR(sum->log_likelihood, static_cast<double>(ll), 1e-9 * std::fabs(static_cast<double>(ll)))
        << "at alpha " << p.alpha;
  }
}

// The gradients of the same log-likelihoods at such parameters, w.r.t. the log-parameters,
// against central differences: differences of digamma functions, ψ(a+k) − ψ(a) with a
// ≫ k, lost all their digits the same way (times a, the gradient was off by orders of
// magnitude), which misled the fits' line searches there.
TEST(FuzzRegressionTest, BgBbAndSbgGradientsAreAccurateForHugeParameters) {
  const auto check = [](auto log_likelihood_sum, std::vector<double> log_params,
                        const std::string& what) {
    const auto at = log_likelihood_sum(log_params);
    ASSERT_TRUE(at.ok()) << what << ": " << at.status();
    for (size_t k = 0; k < log_params.size(); ++k) {
      const double h = 1e-5;
      std::vector<double> up = log_params, down = log_params;
      up[k] += h;
      down[k] -= h;
      const double numeric =
          (log_likelihood_sum(up)->log_likelihood - log_likelihood_sum(down)->log_likelihood) /
          (2 * h);
      EXPECT_NEAR(at->gradient[k], numeric, 1e-4 * std::max(1.0, std::fabs(numeric)))
          << what << ", parameter " << k;
    }
  };
  const absl::StatusOr<BgBbHistories> histories = BgBbHistories::Create(
      std::vector<double>{0, 1, 3, 6}, std::vector<double>{0, 2, 5, 6},
      std::vector<double>{6, 6, 6, 6}, std::vector<double>{40, 10, 5, 8});
  ASSERT_TRUE(histories.ok());
  for (const std::vector<double>& p : {std::vector<double>{3e12, 5e12, 2e16, 6e11},
                                       std::vector<double>{1.2, 0.75, 3e14, 1e15}}) {
    std::vector<double> lp;
    for (const double v : p) lp.push_back(std::log(v));
    check([&](const std::vector<double>& q) {
            return BgBbLogLikelihoodSum(
                BgBbParams{std::exp(q[0]), std::exp(q[1]), std::exp(q[2]), std::exp(q[3])},
                *histories);
          },
          lp, absl::StrCat("BG/BB at alpha ", p[0], ", gamma ", p[2]));
  }
  const absl::StatusOr<SurvivorSeries> series =
      SurvivorSeries::Create(std::vector<std::vector<double>>{{1000, 631, 468, 382, 326}});
  ASSERT_TRUE(series.ok());
  for (const std::vector<double>& p : {std::vector<double>{3e12, 5e12},
                                       std::vector<double>{2e14, 1e15}}) {
    check([&](const std::vector<double>& q) {
            return SbgLogLikelihoodSum(SbgParams{std::exp(q[0]), std::exp(q[1])}, *series);
          },
          {std::log(p[0]), std::log(p[1])}, absl::StrCat("sBG at alpha ", p[0]));
  }
}

}  // namespace
}  // namespace crmcore

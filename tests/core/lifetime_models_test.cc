// ScoreCustomers with each purchase model (customer_scoring.h, src/scoring/lifetime_models.h):
// the period histories of BG/BB and sBG, and every model's columns checked against the
// model functions they come from by independent routes (log-likelihood sums, closed forms).
#include "scoring/lifetime_models.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/bgbb.h"
#include "crmcore/customer_scoring.h"
#include "crmcore/sbg.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log_builder.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;

// The 1/10 CDNOW sample (2,357 customers) with its published calibration split.
absl::StatusOr<TransactionLog> LoadCdnowSample() {
  TransactionLogOptions ingest;
  ingest.has_header = false;
  ingest.whitespace_delimited = true;
  ingest.date_format = "%Y%m%d";
  ingest.customer = ColumnRef::At(1);
  ingest.date = ColumnRef::At(3);
  ingest.amount = ColumnRef::At(5);
  return LoadTransactionLog(std::string(CRMCORE_TEST_DATA_DIR) + "/CDNOW_sample.txt", ingest);
}

ScoringOptions CdnowOptions(LifetimeModelKind kind) {
  ScoringOptions options;
  options.summary.unit = TimeUnit::kWeeks;
  options.summary.observation_end = absl::CivilDay(1997, 9, 30);
  options.lifetime_model = kind;
  return options;
}

double LogBeta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

// Periods of 10 days back from the observation end 2020-12-31 (day E): period 0 is
// E-9..E, period 1 is E-19..E-10, ...
constexpr char kPeriodLog[] =
    "customer_id,date,amount\n"
    // acquired in period 3 (E-35); purchases in periods 2 (twice) and 0; one in the holdout.
    "a,2020-11-26,1.00\n"
    "a,2020-12-06,2.00\n"
    "a,2020-12-07,3.00\n"
    "a,2020-12-26,5.00\n"
    "a,2021-01-03,100.00\n"
    // acquired in period 1; nothing since.
    "b,2020-12-19,4.00\n"
    // acquired in the last period: no opportunity yet.
    "c,2020-12-28,6.00\n"
    // two days in the acquisition period (E-31, E-30): a repeat day, but no repeat period.
    "d,2020-11-30,7.00\n"
    "d,2020-12-01,8.00\n";

TEST(PeriodHistoriesTest, CountsWholePeriodsBackFromTheObservationEnd) {
  auto log = LoadTransactionLogFromBuffer(kPeriodLog, "periods.csv", TransactionLogOptions{});
  ASSERT_TRUE(log.ok()) << log.status();
  auto occasions = GroupOccasions(*log);
  ASSERT_TRUE(occasions.ok()) << occasions.status();
  SummaryOptions summary_options;
  summary_options.observation_end = absl::CivilDay(2020, 12, 31);
  auto summary = SummarizeOccasions(*occasions, summary_options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  auto h = scoring_internal::PeriodHistoriesFromOccasions(*occasions, *summary, 10.0);
  ASSERT_TRUE(h.ok()) << h.status();
  struct Expected {
    const char* id;
    double x, t_x, n, monetary;
  };
  for (const Expected& e : {Expected{"a", 2, 3, 3, (2.0 + 3.0 + 5.0) / 2},
                            Expected{"b", 0, 0, 1, 0}, Expected{"c", 0, 0, 0, 0},
                            Expected{"d", 0, 0, 3, 0}}) {
    size_t i = 0;
    while (i < summary->size() && summary->customer_ids[i] != e.id) ++i;
    ASSERT_LT(i, summary->size()) << e.id;
    EXPECT_EQ(h->frequency[i], e.x) << e.id;
    EXPECT_EQ(h->recency[i], e.t_x) << e.id;
    EXPECT_EQ(h->periods[i], e.n) << e.id;
    EXPECT_DOUBLE_EQ(h->monetary_value[i], e.monetary) << e.id;
  }
  // sBG reads "a" as renewing through its last period (the gap in period 2 is not a
  // cancellation), "b" and "d" as cancelled, "c" (no decision yet) as renewing.
  std::vector<double> alive(summary->size());
  ASSERT_TRUE(scoring_internal::PredictProbabilityAlive(
                  LifetimeModelKind::kSbgGammaGamma, std::vector<double>{0.7, 1.2},
                  {h->frequency, h->recency, h->periods}, absl::MakeSpan(alive))
                  .ok());
  for (size_t i = 0; i < summary->size(); ++i) {
    const std::string& id = summary->customer_ids[i];
    EXPECT_EQ(alive[i], id == "a" || id == "c" ? 1.0 : 0.0) << id;
  }
  EXPECT_THAT(
      scoring_internal::PeriodHistoriesFromOccasions(*occasions, *summary, 0.5).status().message(),
      HasSubstr("must be finite and >= 1 day, got 0.5"));
}

// Every kind scores the CDNOW sample, and its intervals bracket its columns.
TEST(LifetimeModelsTest, EveryKindScoresWithIntervals) {
  auto log = LoadCdnowSample();
  ASSERT_TRUE(log.ok()) << log.status();
  for (const LifetimeModelKind kind :
       {LifetimeModelKind::kBgNbdGammaGamma, LifetimeModelKind::kParetoNbdGammaGamma,
        LifetimeModelKind::kMbgNbdGammaGamma, LifetimeModelKind::kBgBbGammaGamma,
        LifetimeModelKind::kSbgGammaGamma}) {
    SCOPED_TRACE(LifetimeModelDisplayName(kind));
    ScoringOptions options = CdnowOptions(kind);
    options.intervals = true;
    options.bootstrap_samples = 0;
    auto table = ScoreCustomers(*log, options);
    ASSERT_TRUE(table.ok()) << table.status();
    ASSERT_TRUE(table->has_lifetime_model);
    ASSERT_TRUE(table->has_intervals);
    EXPECT_EQ(table->purchase_model.kind, kind);
    EXPECT_TRUE(table->purchase_model.report.converged);
    EXPECT_EQ(IsPeriodModel(kind), !table->period_histories.periods.empty());
    double total = 0;
    for (size_t i = 0; i < table->size(); ++i) {
      ASSERT_GE(table->p_alive[i], 0.0);
      ASSERT_LE(table->p_alive[i], 1.0);
      ASSERT_LE(table->p_alive_lo[i], table->p_alive[i] + 1e-12);
      ASSERT_GE(table->p_alive_hi[i], table->p_alive[i] - 1e-12);
      ASSERT_LE(table->clv_lo[i], table->clv[i] + 1e-9);
      ASSERT_GE(table->clv_hi[i], table->clv[i] - 1e-9);
      ASSERT_TRUE(std::isfinite(table->clv[i]));
      total += table->clv[i];
    }
    EXPECT_NEAR(table->total_clv.delta.value, total, 1e-6 * total);
    EXPECT_LT(table->total_clv.delta.lo, total);
    EXPECT_GT(table->total_clv.delta.hi, total);
  }
}

// The BG/BB fit maximizes Σ log L over the customers' period histories: its log-likelihood
// is that sum, and the CLV over a long horizon is spend × DERT (FHS 2010 eq. 14).
TEST(LifetimeModelsTest, BgBbScoresThePeriodHistories) {
  auto log = LoadCdnowSample();
  ASSERT_TRUE(log.ok()) << log.status();
  ScoringOptions options = CdnowOptions(LifetimeModelKind::kBgBbGammaGamma);
  auto table = ScoreCustomers(*log, options);
  ASSERT_TRUE(table.ok()) << table.status();
  const PeriodHistories& h = table->period_histories;
  const std::vector<double>& p = table->purchase_model.params;
  const BgBbParams params{p[0], p[1], p[2], p[3]};
  double ll = 0;
  for (size_t i = 0; i < table->size(); ++i) {
    auto one = BgBbLogLikelihood(params, h.frequency[i], h.recency[i], h.periods[i]);
    ASSERT_TRUE(one.ok()) << one.status();
    ll += *one;
  }
  EXPECT_NEAR(table->purchase_model.report.log_likelihood, ll, 1e-8 * std::abs(ll));
  // The CDNOW calibration spans 39 weeks: 9 whole 30-day periods at most.
  EXPECT_EQ(*std::max_element(h.periods.begin(), h.periods.end()), 9.0);

  // Undiscounted, the CLV is the spend times the expected transactions over its periods.
  std::vector<double> expected(table->size()), dert(table->size());
  ASSERT_TRUE(BgBbExpectedTransactions(params, 12, h.frequency, h.recency, h.periods,
                                       absl::MakeSpan(expected)).ok());
  for (size_t i = 0; i < table->size(); ++i) {
    ASSERT_NEAR(table->expected_purchases[i], expected[i], 1e-12) << i;
  }
  const scoring_internal::ModelRows rows{h.frequency, h.recency, h.periods};
  std::vector<double> clv(table->size());
  ASSERT_TRUE(scoring_internal::PredictDiscountedClv(
                  LifetimeModelKind::kBgBbGammaGamma, p, {12, 30, 0.0}, table->expected_mean_spend,
                  rows, absl::MakeSpan(clv)).ok());
  for (size_t i = 0; i < table->size(); ++i) {
    ASSERT_NEAR(clv[i], table->expected_mean_spend[i] * expected[i], 1e-9 * (1 + clv[i])) << i;
  }
  // Discounted over 600 periods at 10 %: the tail beyond is below 1.1^-600 ~ 1e-25.
  ASSERT_TRUE(BgBbDiscountedExpectedResidualTransactions(params, 0.1, h.frequency, h.recency,
                                                         h.periods, absl::MakeSpan(dert)).ok());
  ASSERT_TRUE(scoring_internal::PredictDiscountedClv(
                  LifetimeModelKind::kBgBbGammaGamma, p, {600, 30, 0.1}, table->expected_mean_spend,
                  rows, absl::MakeSpan(clv)).ok());
  for (size_t i = 0; i < table->size(); ++i) {
    ASSERT_NEAR(clv[i], table->expected_mean_spend[i] * dert[i], 1e-9 * (1 + clv[i])) << i;
  }
}

// BG/BB's CLV recursion at large γ = δ: each period's ratio (δ+n+k)/(γ+δ+n+k) is ~1/2.
TEST(LifetimeModelsTest, BgBbClvAtHugeParameters) {
  const std::vector<double> x = {1}, t_x = {2}, n = {3}, spend = {10};
  const std::vector<double> p = {2.0, 3.0, 1e300, 1e300};
  std::vector<double> clv(1), next(1);
  ASSERT_TRUE(BgBbExpectedTransactions({p[0], p[1], p[2], p[3]}, 1, x, t_x, n,
                                       absl::MakeSpan(next)).ok());
  ASSERT_TRUE(scoring_internal::PredictDiscountedClv(LifetimeModelKind::kBgBbGammaGamma, p,
                                                     {3, 30, 0.0}, spend, {x, t_x, n},
                                                     absl::MakeSpan(clv)).ok());
  EXPECT_GT(next[0], 0.0);
  EXPECT_NEAR(clv[0], 10 * next[0] * (1 + 0.5 + 0.25), 1e-12 * clv[0]);
}

// sBG: the fit's log-likelihood is Σ log P(T = t_x + 1) over the customers who stopped
// and Σ log S(n) over those still renewing (Fader & Hardie 2007), written here with
// log-beta functions; P(alive) is observed; a long horizon's CLV is spend × (DERL − 1)
// (Fader & Hardie 2010: DERL counts the current period's payment, the CLV does not).
TEST(LifetimeModelsTest, SbgScoresRenewals) {
  auto log = LoadCdnowSample();
  ASSERT_TRUE(log.ok()) << log.status();
  auto table = ScoreCustomers(*log, CdnowOptions(LifetimeModelKind::kSbgGammaGamma));
  ASSERT_TRUE(table.ok()) << table.status();
  const PeriodHistories& h = table->period_histories;
  const double alpha = table->purchase_model.params[0], beta = table->purchase_model.params[1];
  double ll = 0;
  for (size_t i = 0; i < table->size(); ++i) {
    const bool renewing = h.recency[i] == h.periods[i];
    EXPECT_EQ(table->p_alive[i], renewing ? 1.0 : 0.0) << i;
    if (!renewing) {
      EXPECT_EQ(table->clv[i], 0.0) << i;
    }
    if (h.periods[i] == 0) continue;  // no renewal decision yet
    ll += renewing ? LogBeta(alpha, beta + h.periods[i]) - LogBeta(alpha, beta)
                   : LogBeta(alpha + 1, beta + h.recency[i]) - LogBeta(alpha, beta);
  }
  EXPECT_NEAR(table->purchase_model.report.log_likelihood, ll, 1e-8 * std::abs(ll));

  const scoring_internal::ModelRows rows{h.frequency, h.recency, h.periods};
  std::vector<double> clv(table->size());
  ASSERT_TRUE(scoring_internal::PredictDiscountedClv(
                  LifetimeModelKind::kSbgGammaGamma, table->purchase_model.params,
                  {5000, 30, 0.1}, table->expected_mean_spend, rows, absl::MakeSpan(clv)).ok());
  int renewing = 0;
  for (size_t i = 0; i < table->size(); ++i) {
    if (table->p_alive[i] == 0.0) continue;
    ++renewing;
    auto derl = SbgDiscountedExpectedResidualLifetime({alpha, beta}, 0.1, h.periods[i]);
    ASSERT_TRUE(derl.ok()) << derl.status();
    ASSERT_NEAR(clv[i], table->expected_mean_spend[i] * (*derl - 1.0), 1e-9 * (1 + clv[i])) << i;
  }
  EXPECT_GT(renewing, 0);
}

// A saved model scores as the fit it came from; a period model's horizon must be whole
// periods; a given model of another kind is refused.
// Covers docs/bad-input.md BI-SCO-06
TEST(LifetimeModelsTest, GivenModelsAndBadHorizons) {
  auto log = LoadCdnowSample();
  ASSERT_TRUE(log.ok()) << log.status();
  for (const LifetimeModelKind kind :
       {LifetimeModelKind::kMbgNbdGammaGamma, LifetimeModelKind::kBgBbGammaGamma}) {
    SCOPED_TRACE(LifetimeModelDisplayName(kind));
    auto fitted = ScoreCustomers(*log, CdnowOptions(kind));
    ASSERT_TRUE(fitted.ok()) << fitted.status();
    ScoringOptions given = CdnowOptions(kind);
    given.given_purchase_model = fitted->purchase_model;
    // A period model fits its own (per-period) spend model: the same again.
    if (!IsPeriodModel(kind)) given.given_gamma_gamma = fitted->gamma_gamma;
    auto again = ScoreCustomers(*log, given);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->clv, fitted->clv);
    EXPECT_EQ(again->p_alive, fitted->p_alive);

    ScoringOptions wrong = given;
    wrong.lifetime_model = LifetimeModelKind::kBgNbdGammaGamma;
    EXPECT_THAT(ScoreCustomers(*log, wrong).status().message(),
                HasSubstr(absl::StrCat("the given purchase model is ",
                                       LifetimeModelDisplayName(kind), ", not the BG/NBD")));
  }
  // A period model's spend is per period: a given per-purchase Gamma-Gamma is refused.
  auto continuous = ScoreCustomers(*log, CdnowOptions(LifetimeModelKind::kBgNbdGammaGamma));
  ASSERT_TRUE(continuous.ok()) << continuous.status();
  ScoringOptions mixed = CdnowOptions(LifetimeModelKind::kSbgGammaGamma);
  mixed.given_gamma_gamma = continuous->gamma_gamma;
  EXPECT_THAT(ScoreCustomers(*log, mixed).status().message(),
              HasSubstr("a given Gamma-Gamma model cannot go with sBG"));
  ScoringOptions odd = CdnowOptions(LifetimeModelKind::kBgBbGammaGamma);
  odd.horizon = 10;  // weeks; a period is 30/7 weeks
  const absl::Status status = ScoreCustomers(*log, odd).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("BG/BB: the horizon must be a whole number of CLV "
                                          "periods (4.285714285714286 weeks each), got 10; 2 periods are "
                                          "8.571428571428571"));
  ScoringOptions tiny = CdnowOptions(LifetimeModelKind::kSbgGammaGamma);
  tiny.clv.period_days = 0.5;
  EXPECT_THAT(ScoreCustomers(*log, tiny).status().message(),
              HasSubstr("the period (CLV period_days) must be finite and >= 1 day"));
}

// sBG needs customers acquired before the last period: otherwise nobody has had the
// chance to renew, and the fit says so instead of guessing.
// Covers docs/bad-input.md BI-SCO-06
TEST(LifetimeModelsTest, SbgWithoutRenewalDecisionsIsRefused) {
  auto log = LoadTransactionLogFromBuffer(
      "customer_id,date,amount\nx,2020-12-30,1.00\ny,2020-12-31,2.00\n", "new.csv",
      TransactionLogOptions{});
  ASSERT_TRUE(log.ok()) << log.status();
  ScoringOptions options;
  options.lifetime_model = LifetimeModelKind::kSbgGammaGamma;
  const absl::Status status = ScoreCustomers(*log, options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("sBG: no customer was acquired a whole period"));
}

TEST(LifetimeModelsTest, SpellingsRoundTrip) {
  for (const char* spelling : {"none", "bgnbd", "pareto", "mbgnbd", "bgbb", "sbg"}) {
    const auto kind = LifetimeModelFromSpelling(spelling);
    ASSERT_TRUE(kind.has_value()) << spelling;
    EXPECT_STREQ(LifetimeModelSpelling(*kind), spelling);
  }
  EXPECT_FALSE(LifetimeModelFromSpelling("BG/NBD").has_value());
  EXPECT_STREQ(LifetimeModelSpelling(static_cast<LifetimeModelKind>(42)), "?");
}

}  // namespace
}  // namespace crmcore

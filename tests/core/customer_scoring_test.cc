#include "crmcore/customer_scoring.h"

#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/composite_value.h"
#include "crmcore/rfm_score.h"
#include "crmcore/value_tier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log_builder.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;

TransactionLog Load(const std::string& csv) {
  auto log = LoadTransactionLogFromBuffer(csv, "test.csv", TransactionLogOptions{});
  EXPECT_TRUE(log.ok()) << log.status();
  return *std::move(log);
}

size_t RowOf(const CustomerTable& table, const std::string& id) {
  for (size_t i = 0; i < table.size(); ++i) {
    if (table.summary.customer_ids[i] == id) return i;
  }
  ADD_FAILURE() << "no row for " << id;
  return 0;
}

// Observation end 2020-12-31, periods of 90 days counted back from it:
// period 0 = (2020-10-02, 2020-12-31], 1 = (2020-07-04, 2020-10-02], 2, 3, ...
constexpr char kLog[] =
    "customer_id,date,amount\n"
    // client: purchases in periods 0, 1, 2 (3 of the last 4), first long ago.
    "client,2019-01-10,10.00\n"
    "client,2020-06-01,10.00\n"
    "client,2020-08-01,10.00\n"
    "client,2020-12-01,10.00\n"
    // once: a single purchase two years back.
    "once,2019-01-05,100.00\n"
    // twice: two purchases, the same day counted once, then one more.
    "twice,2019-03-01,5.00\n"
    "twice,2019-03-01,5.00\n"
    "twice,2019-06-01,7.00\n"
    // newcomer: first purchase inside the last period.
    "newcomer,2020-12-20,50.00\n"
    // grower: nothing in periods 2-3, two purchases in periods 0-1.
    "grower,2019-02-01,1.00\n"
    "grower,2020-09-01,1.00\n"
    "grower,2020-11-01,1.00\n";

ScoringOptions TestOptions() {
  ScoringOptions options;
  options.summary.observation_end = absl::CivilDay(2020, 12, 31);
  options.period_days = 90;
  options.lifetime_model = LifetimeModelKind::kNone;  // too few customers to fit one
  return options;
}

TEST(CustomerScoringTest, ClassifiesEachCustomerByTheCoreRules) {
  const TransactionLog log = Load(kLog);
  auto table = ScoreCustomers(log, TestOptions());
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->size(), 5u);

  const size_t client = RowOf(*table, "client");
  EXPECT_EQ(table->ladder_rung[client], LadderRung::kClient);
  EXPECT_EQ(table->relationship_stage[client], RelationshipStage::kCurrent);
  EXPECT_EQ(table->calibration_value_minor[client], 4000);
  EXPECT_EQ(table->days_since_last_purchase[client], 30);

  const size_t once = RowOf(*table, "once");
  EXPECT_EQ(table->ladder_rung[once], LadderRung::kFirstTimeCustomer);
  EXPECT_EQ(table->lifecycle_stage[once], LifecycleStage::kDecline);
  EXPECT_EQ(table->relationship_stage[once], RelationshipStage::kLost);
  EXPECT_EQ(table->loyalty_class[once], LoyaltyClass::kNew);

  const size_t twice = RowOf(*table, "twice");
  EXPECT_EQ(table->summary.frequency[twice], 1);  // two purchase days
  EXPECT_EQ(table->ladder_rung[twice], LadderRung::kRepeatCustomer);
  EXPECT_EQ(table->calibration_value_minor[twice], 1700);

  const size_t newcomer = RowOf(*table, "newcomer");
  EXPECT_EQ(table->lifecycle_stage[newcomer], LifecycleStage::kExploration);
  EXPECT_EQ(table->relationship_stage[newcomer], RelationshipStage::kCurrent);

  const size_t grower = RowOf(*table, "grower");
  EXPECT_EQ(table->lifecycle_stage[grower], LifecycleStage::kFormation);

  for (size_t i = 0; i < table->size(); ++i) {
    EXPECT_GE(table->composite_value[i], 0.0);
    EXPECT_LE(table->composite_value[i], 1.0);
    EXPECT_GE(table->rfm_r[i], 1);
    EXPECT_LE(table->rfm_r[i], 5);
  }
  // The most recent buyer has the best recency score.
  EXPECT_EQ(table->rfm_r[newcomer], 5);
}

TEST(CustomerScoringTest, PopulationSummaryCountsEveryCustomerOnce) {
  const TransactionLog log = Load(kLog);
  auto table = ScoreCustomers(log, TestOptions());
  ASSERT_TRUE(table.ok());
  auto population = SummarizePopulation(log, *table);
  ASSERT_TRUE(population.ok()) << population.status();
  EXPECT_EQ(population->rows_read, 12);
  EXPECT_EQ(population->transactions, 12);
  EXPECT_EQ(population->customers_scored, 5);
  int64_t tiers = 0, rungs = 0, stages = 0;
  for (int64_t n : population->value_tier) tiers += n;
  for (int64_t n : population->ladder_rung) rungs += n;
  for (int64_t n : population->lifecycle_stage) stages += n;
  EXPECT_EQ(tiers, 5);
  EXPECT_EQ(rungs, 5);
  EXPECT_EQ(stages, 5);
  double share = 0;
  for (double s : population->value_tier_spend_share) share += s;
  EXPECT_NEAR(share, 1.0, 1e-12);
}

TEST(CustomerScoringTest, HoldoutCustomersAreCountedNotDropped) {
  const TransactionLog log = Load(kLog);
  ScoringOptions options = TestOptions();
  options.summary.observation_end = absl::CivilDay(2020, 1, 1);
  auto table = ScoreCustomers(log, options);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 4u);  // newcomer first bought after the end
  EXPECT_EQ(table->summary.customers_first_seen_in_holdout, 1);
  auto population = SummarizePopulation(log, *table);
  ASSERT_TRUE(population.ok());
  EXPECT_EQ(population->customers_first_seen_in_holdout, 1);
  EXPECT_EQ(population->customers_in_log, 5);
}

TEST(CustomerScoringTest, RejectsBadOptions) {
  const TransactionLog log = Load(kLog);
  ScoringOptions options = TestOptions();
  options.period_days = 0;
  EXPECT_THAT(ScoreCustomers(log, options).status().message(), HasSubstr("period_days"));
  options = TestOptions();
  options.period_days = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(ScoreCustomers(log, options).status().code(), absl::StatusCode::kInvalidArgument);
  options = TestOptions();
  options.activity_window_periods = 65;
  EXPECT_THAT(ScoreCustomers(log, options).status().message(), HasSubstr("65"));
  options = TestOptions();
  options.weights = {0, 0, 1, 0, 0};
  EXPECT_THAT(ScoreCustomers(log, options).status().message(), HasSubstr("credit"));
  options = TestOptions();
  options.weights = {-1, 1, 0, 1, 0};
  EXPECT_FALSE(ScoreCustomers(log, options).ok());
  options = TestOptions();
  options.pyramid.vip = 0.5;
  EXPECT_FALSE(ScoreCustomers(log, options).ok());
  options = TestOptions();
  options.summary.observation_end = absl::CivilDay(2000, 1, 1);
  EXPECT_FALSE(ScoreCustomers(log, options).ok());
}

// Each scoring-level option check, with the exact message naming the option and value.
// Covers docs/bad-input.md BI-SCO-01
TEST(CustomerScoringTest, RejectsBadOptionsNamingTheOptionAndValue) {
  const TransactionLog log = Load(kLog);
  struct Case {
    void (*edit)(ScoringOptions&);
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](ScoringOptions& o) { o.ladder.client_window_periods = 65; },
       "scoring: ladder client_window_periods must be <= 64, got 65"},
      {[](ScoringOptions& o) { o.lifetime_model = static_cast<LifetimeModelKind>(7); },
       "scoring: unknown lifetime model 7"},
      {[](ScoringOptions& o) { o.horizon = -1; },
       "scoring: horizon must be finite and >= 0, got -1"},
      {[](ScoringOptions& o) { o.horizon = std::numeric_limits<double>::infinity(); },
       "scoring: horizon must be finite and >= 0, got inf"},
      {[](ScoringOptions& o) { o.clv.discount_rate = -1; },
       "scoring: CLV horizon: discount rate must be finite and > -1, got -1"},
      {[](ScoringOptions& o) { o.clv.discount_rate = std::numeric_limits<double>::quiet_NaN(); },
       "scoring: CLV horizon: discount rate must be finite and > -1, got nan"},
      {[](ScoringOptions& o) { o.clv.period_days = 0; },
       "scoring: CLV horizon: period_days must be finite and > 0, got 0"},
      {[](ScoringOptions& o) { o.clv.periods = 0; },
       "scoring: CLV horizon: periods must be in [1, 100000], got 0"},
      {[](ScoringOptions& o) { o.bootstrap_samples = 19; },
       "scoring: bootstrap_samples must be 0 or in [20, 1000000], got 19"},
      {[](ScoringOptions& o) { o.bootstrap_samples = -1; },
       "scoring: bootstrap_samples must be 0 or in [20, 1000000], got -1"},
      {[](ScoringOptions& o) { o.fit.penalizer = -2; },
       "fit options: penalizer must be finite and >= 0, got -2"},
  };
  for (const Case& c : cases) {
    ScoringOptions options = TestOptions();
    c.edit(options);
    EXPECT_EQ(options.Validate().message(), c.message);
    const absl::Status status = ScoreCustomers(log, options).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_EQ(status.message(), c.message);
  }
}

// The summary adds only repeat occasions; the scoring's calibration spend adds the first
// one too, and overflows on its own. The error names the customer.
// Covers docs/bad-input.md BI-SCO-02
TEST(CustomerScoringTest, CalibrationSpendOverflowIsOutOfRangeNamingTheCustomer) {
  const TransactionLog log = Load(
      "customer_id,date,amount\n"
      "small,2020-01-01,1.00\n"
      "big,2020-01-01,92233720368547758.07\n"  // INT64_MAX minor units
      "big,2020-02-01,0.01\n");
  ScoringOptions options = TestOptions();
  options.summary.observation_end = absl::CivilDay(2020, 3, 1);
  const absl::Status status = ScoreCustomers(log, options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(), "customer \"big\": calibration spend overflows int64 minor units");
}

// Transactions of a customer out of date order are sorted before the period rules run:
// the same log in another row order scores the same.
TEST(CustomerScoringTest, RowOrderDoesNotChangeTheScores) {
  const TransactionLog ordered = Load(kLog);
  const TransactionLog shuffled = Load(
      "customer_id,date,amount\n"
      "client,2020-12-01,10.00\n"
      "once,2019-01-05,100.00\n"
      "client,2020-06-01,10.00\n"
      "twice,2019-06-01,7.00\n"
      "client,2019-01-10,10.00\n"
      "twice,2019-03-01,5.00\n"
      "newcomer,2020-12-20,50.00\n"
      "grower,2020-11-01,1.00\n"
      "client,2020-08-01,10.00\n"
      "twice,2019-03-01,5.00\n"
      "grower,2019-02-01,1.00\n"
      "grower,2020-09-01,1.00\n");
  auto a = ScoreCustomers(ordered, TestOptions());
  auto b = ScoreCustomers(shuffled, TestOptions());
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) {
    const size_t j = RowOf(*b, a->summary.customer_ids[i]);
    SCOPED_TRACE(a->summary.customer_ids[i]);
    EXPECT_EQ(a->calibration_value_minor[i], b->calibration_value_minor[j]);
    EXPECT_EQ(a->days_since_last_purchase[i], b->days_since_last_purchase[j]);
    EXPECT_EQ(a->ladder_rung[i], b->ladder_rung[j]);
    EXPECT_EQ(a->lifecycle_stage[i], b->lifecycle_stage[j]);
    EXPECT_EQ(a->relationship_stage[i], b->relationship_stage[j]);
    EXPECT_EQ(a->loyalty_class[i], b->loyalty_class[j]);
  }
}

TEST(CustomerScoringTest, TooFewCustomersForTheLifetimeModelIsAClearError) {
  const TransactionLog log = Load(kLog);
  ScoringOptions options = TestOptions();
  options.lifetime_model = LifetimeModelKind::kBgNbdGammaGamma;
  const absl::Status status = ScoreCustomers(log, options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("lifetime model: "));
  EXPECT_THAT(status.message(), HasSubstr("repeat buyers"));
  EXPECT_THAT(status.message(), HasSubstr("lifetime_model = none"));
}

TransactionLog CdnowMaster() {
  auto log = test_support::LoadCdnowMaster();
  EXPECT_TRUE(log.ok()) << log.status();
  return *std::move(log);
}

// A lifetime model whose fit stops short of convergence is not used for scoring: the
// call fails naming the model and the optimizer's reason, and points at lifetime_model = none.
// Covers docs/bad-input.md BI-SCO-03
TEST(CustomerScoringTest, AFitThatDoesNotConvergeIsFailedPrecondition) {
  const TransactionLog log = CdnowMaster();
  ScoringOptions options;
  options.summary.unit = TimeUnit::kWeeks;
  options.summary.observation_end = absl::CivilDay(1997, 9, 30);
  auto converged = ScoreCustomers(log, options);
  ASSERT_TRUE(converged.ok()) << converged.status();
  const int bgnbd_iterations = converged->purchase_model.report.iterations;
  const int gamma_gamma_iterations = converged->gamma_gamma.report.iterations;

  // BG/NBD capped below what it needs.
  options.fit.max_iterations = 1;
  absl::Status status = ScoreCustomers(log, options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "lifetime model: BG/NBD fit did not converge (not converged: reached the iteration "
            "cap of 1); score without one (lifetime_model = none) instead");

  // BG/NBD converges within the cap, Gamma-Gamma does not (on this data it needs more
  // iterations).
  ASSERT_LT(bgnbd_iterations, gamma_gamma_iterations);
  options.fit.max_iterations = bgnbd_iterations;
  status = ScoreCustomers(log, options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            absl::StrCat("lifetime model: Gamma-Gamma fit did not converge (not converged: "
                         "reached the iteration cap of ",
                         bgnbd_iterations,
                         "); score without one (lifetime_model = none) instead"));
}

TEST(CustomerScoringTest, LifetimeModelOnCdnow) {
  auto log = test_support::LoadCdnowMaster();
  ASSERT_TRUE(log.ok()) << log.status();
  ScoringOptions options;
  options.summary.unit = TimeUnit::kWeeks;
  options.summary.observation_end = absl::CivilDay(1997, 9, 30);
  auto table = ScoreCustomers(*log, options);
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_TRUE(table->has_lifetime_model);
  EXPECT_TRUE(table->purchase_model.report.converged);
  EXPECT_TRUE(table->gamma_gamma.report.converged);
  // The whole cohort's calibration estimates lie near the 1/10 sample's published ones.
  EXPECT_NEAR(table->purchase_model.params[0], 0.243, 0.02);
  EXPECT_NEAR(table->purchase_model.params[2], 0.793, 0.1);
  // The default horizon is the CLV's: 12 months of 30 days, in weeks.
  EXPECT_NEAR(table->horizon, 360.0 / 7, 1e-12);
  EXPECT_EQ(table->clv_horizon.unit, TimeUnit::kWeeks);
  EXPECT_NEAR(table->clv_horizon.PeriodLength(), 30.0 / 7, 1e-15);
  double expected = 0, observed = 0;
  for (size_t i = 0; i < table->size(); ++i) {
    ASSERT_GE(table->p_alive[i], 0.0);
    ASSERT_LE(table->p_alive[i], 1.0);
    ASSERT_GE(table->clv[i], 0.0);
    ASSERT_GT(table->expected_mean_spend[i], 0.0);
    expected += table->expected_purchases[i];
    observed += static_cast<double>(table->summary.holdout_frequency[i]);
  }
  // BG/NBD forecasts the 39-week holdout's repeat purchases of this cohort within a few
  // percent (Fader, Hardie & Lee 2005, Figure 3); the horizon here is 360 days, so the
  // forecast (51.4 weeks) must exceed the 39-week holdout count but stay well under
  // twice it.
  EXPECT_GT(expected, observed);
  EXPECT_LT(expected, 2 * observed);
  // P(alive) now feeds the relationship stage: lower the threshold, fewer are lost.
  ScoringOptions lenient = options;
  lenient.relationship.lost_p_alive_below = 0.0;
  auto more_current = ScoreCustomers(*log, lenient);
  ASSERT_TRUE(more_current.ok());
  auto count_lost = [](const CustomerTable& t) {
    return std::count(t.relationship_stage.begin(), t.relationship_stage.end(),
                      RelationshipStage::kLost);
  };
  EXPECT_LT(count_lost(*more_current), count_lost(*table));
}

// ScoringOptions::intervals: bounds that bracket each model column, clamped to its range,
// and totals that are the columns' sums; no bootstrap when bootstrap_samples = 0.
TEST(CustomerScoringTest, IntervalsBracketTheLifetimeColumns) {
  auto log = test_support::LoadCdnowMaster();
  ASSERT_TRUE(log.ok()) << log.status();
  ScoringOptions options;
  options.summary.unit = TimeUnit::kWeeks;
  options.summary.observation_end = absl::CivilDay(1997, 9, 30);
  options.intervals = true;
  options.bootstrap_samples = 0;
  auto table = ScoreCustomers(*log, options);
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_TRUE(table->has_intervals);
  double purchases = 0, clv = 0;
  for (size_t i = 0; i < table->size(); ++i) {
    ASSERT_LE(table->p_alive_lo[i], table->p_alive[i]);
    ASSERT_GE(table->p_alive_hi[i], table->p_alive[i]);
    ASSERT_GE(table->p_alive_lo[i], 0.0);
    ASSERT_LE(table->p_alive_hi[i], 1.0);
    ASSERT_LE(table->expected_purchases_lo[i], table->expected_purchases[i]);
    ASSERT_GE(table->expected_purchases_hi[i], table->expected_purchases[i]);
    ASSERT_LE(table->expected_mean_spend_lo[i], table->expected_mean_spend[i]);
    ASSERT_GE(table->expected_mean_spend_hi[i], table->expected_mean_spend[i]);
    ASSERT_LE(table->clv_lo[i], table->clv[i]);
    ASSERT_GE(table->clv_hi[i], table->clv[i]);
    ASSERT_GE(table->clv_lo[i], 0.0);
    purchases += table->expected_purchases[i];
    clv += table->clv[i];
  }
  EXPECT_NEAR(table->total_expected_purchases.delta.value, purchases, 1e-9 * purchases);
  EXPECT_NEAR(table->total_clv.delta.value, clv, 1e-9 * clv);
  EXPECT_LT(table->total_clv.delta.lo, clv);
  EXPECT_GT(table->total_clv.delta.hi, clv);
  EXPECT_FALSE(table->total_clv.has_bootstrap);
}

// The engine's RFM scores, composite values and tiers are those of the scalar references
// (rfm_score.h, composite_value.h, value_tier.h) over the table's own columns, for one and
// for two engine threads; scoring the view equals scoring the log.
// Covers docs/bad-input.md BI-SCO-05
TEST(CustomerScoringTest, EngineResultsEqualTheScalarReferencesOnCdnow) {
  auto log = test_support::LoadCdnowMaster();
  ASSERT_TRUE(log.ok()) << log.status();
  ScoringOptions options;
  options.summary.unit = TimeUnit::kWeeks;
  options.summary.observation_end = absl::CivilDay(1997, 9, 30);
  options.threads = 1;
  auto from_log = ScoreCustomers(*log, options);
  ASSERT_TRUE(from_log.ok()) << from_log.status();
  auto occasions = GroupOccasions(*log);
  ASSERT_TRUE(occasions.ok());
  options.threads = 2;
  auto table = ScoreCustomers(*occasions, options);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->composite_value, from_log->composite_value);
  EXPECT_EQ(table->value_tier, from_log->value_tier);
  EXPECT_EQ(table->rfm_m, from_log->rfm_m);
  EXPECT_EQ(table->clv, from_log->clv);

  const size_t n = table->size();
  std::vector<double> days_since(n), frequency(n), mean_value(n), current(n), growth(n);
  for (size_t i = 0; i < n; ++i) {
    days_since[i] = table->days_since_last_purchase[i];
    frequency[i] = static_cast<double>(table->summary.frequency[i]);
    mean_value[i] = static_cast<double>(table->calibration_value_minor[i]) /
                    static_cast<double>(table->summary.frequency[i] + 1);
    current[i] = static_cast<double>(table->calibration_value_minor[i]) / 100.0;
  }
  std::vector<int8_t> r(n), f(n), m(n);
  ASSERT_TRUE(RfmQuintileScores(days_since, RfmDirection::kLowerIsBetter, absl::MakeSpan(r)).ok());
  ASSERT_TRUE(RfmQuintileScores(frequency, RfmDirection::kHigherIsBetter, absl::MakeSpan(f)).ok());
  ASSERT_TRUE(RfmQuintileScores(mean_value, RfmDirection::kHigherIsBetter, absl::MakeSpan(m)).ok());
  EXPECT_EQ(table->rfm_r, r);
  EXPECT_EQ(table->rfm_f, f);
  EXPECT_EQ(table->rfm_m, m);

  // The growth component is 0 under the default weights; the reference reads it anyway.
  CompositePlan::Normalizers normalizers;
  normalizers.fill(NormalizerSpec{NormalizerKind::kPercentileRank});
  auto plan = CompositePlan::Create(options.weights, normalizers);
  ASSERT_TRUE(plan.ok());
  ComponentColumns columns;
  columns.column[static_cast<size_t>(CompositeComponent::kCurrentContribution)] = current;
  columns.column[static_cast<size_t>(CompositeComponent::kFutureContribution)] = table->clv;
  columns.column[static_cast<size_t>(CompositeComponent::kLoyalty)] = frequency;
  columns.column[static_cast<size_t>(CompositeComponent::kGrowthPotential)] = growth;
  std::vector<double> composite(n);
  ASSERT_TRUE(ScoreCompositeReference(*plan, columns, absl::MakeSpan(composite)).ok());
  EXPECT_EQ(table->composite_value, composite);
  std::vector<ValueTier> tiers(n);
  ASSERT_TRUE(AssignValueTiers(composite, absl::MakeSpan(tiers)).ok());
  EXPECT_EQ(table->value_tier, tiers);

  auto population = SummarizePopulation(*occasions, *table);
  auto population_of_log = SummarizePopulation(*log, *table);
  ASSERT_TRUE(population.ok() && population_of_log.ok());
  EXPECT_EQ(population->transactions, 69659);
  EXPECT_EQ(population->value_tier, population_of_log->value_tier);
  EXPECT_EQ(population->customers_in_log, population_of_log->customers_in_log);

  // Consuming the view moves the ids into the table; its occasions and counts stay usable.
  CustomerOccasions consumed = *occasions;
  auto moved = ScoreCustomers(std::move(consumed), options);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->summary.customer_ids, table->summary.customer_ids);
  EXPECT_EQ(moved->composite_value, table->composite_value);
  auto population_after_move = SummarizePopulation(consumed, *moved);  // NOLINT: documented
  ASSERT_TRUE(population_after_move.ok());
  EXPECT_EQ(population_after_move->customers_in_log, population->customers_in_log);
  EXPECT_EQ(population_after_move->transactions, 69659);

  options.threads = -1;
  EXPECT_THAT(ScoreCustomers(*occasions, options).status().message(), HasSubstr("threads"));
}

}  // namespace
}  // namespace crmcore

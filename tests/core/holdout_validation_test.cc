// Tests for include/crmcore/holdout_validation.h (src/scoring/holdout_validation.cc), on a
// hand-built log worked through by hand.
#include "crmcore/holdout_validation.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"
#include "crmcore/bgnbd.h"
#include "crmcore/calendar.h"
#include "crmcore/customer_occasions.h"
#include "crmcore/pareto_nbd.h"
#include "crmcore/rfm_summary.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log_builder.h"

namespace crmcore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using test_support::MakeLog;

const BgNbdParams kBg{0.5, 2.0, 0.7, 2.5};

int32_t Day(int m, int d) { return ToDayNumber(absl::CivilDay(2024, m, d)); }

// Calibration to Jan 29, holdout to Feb 26 (4 weeks). Origin Jan 1:
//   a: Jan 1, 8, 15 (x = 2), holdout Feb 5; Mar 10 is after the holdout end.
//   b: Jan 8 (x = 0), holdout Feb 12, 19.
//   c: Jan 15, 29 (x = 1, the last on the calibration end), no holdout purchase.
//   d: first seen in the holdout (no calibration row).
struct Fixture {
  RfmSummary summary;
  std::vector<double> x, holdout;
  std::vector<int32_t> first_day, repeat_days;
  HoldoutOptions options;

  HoldoutData Data() const {
    HoldoutData data;
    data.frequency = x;
    data.recency = summary.recency;
    data.T = summary.T;
    data.holdout_frequency = holdout;
    data.first_purchase_day = first_day;
    data.repeat_purchase_days = repeat_days;
    return data;
  }
};

Fixture MakeFixture() {
  const TransactionLog log = MakeLog({{"a", 2024, 1, 1, 100},  {"b", 2024, 1, 8, 100},
                                      {"a", 2024, 1, 8, 100},  {"a", 2024, 1, 15, 100},
                                      {"c", 2024, 1, 15, 100}, {"c", 2024, 1, 29, 100},
                                      {"d", 2024, 2, 1, 100},  {"a", 2024, 2, 5, 100},
                                      {"b", 2024, 2, 12, 100}, {"b", 2024, 2, 19, 100},
                                      {"a", 2024, 3, 10, 100}});
  SummaryOptions summary_options;
  summary_options.unit = TimeUnit::kWeeks;
  summary_options.observation_end = absl::CivilDay(2024, 1, 29);
  summary_options.holdout_end = absl::CivilDay(2024, 2, 26);
  Fixture f;
  auto summary = SummarizeTransactions(log, summary_options);
  EXPECT_TRUE(summary.ok()) << summary.status();
  f.summary = *summary;
  f.x.assign(f.summary.frequency.begin(), f.summary.frequency.end());
  f.holdout.assign(f.summary.holdout_frequency.begin(), f.summary.holdout_frequency.end());
  f.first_day = {Day(1, 1), Day(1, 8), Day(1, 15)};
  f.repeat_days = {Day(1, 8), Day(1, 15), Day(2, 5), Day(2, 12), Day(2, 19), Day(1, 29)};
  f.options.calibration_end_day = Day(1, 29);
  f.options.holdout_end_day = Day(2, 26);
  f.options.days_per_unit = 7.0;
  return f;
}

TEST(HoldoutValidationTest, HandWorkedLog) {
  const Fixture f = MakeFixture();
  ASSERT_THAT(f.summary.customer_ids, ElementsAre("a", "b", "c"));
  ASSERT_THAT(f.x, ElementsAre(2, 0, 1));
  ASSERT_THAT(f.holdout, ElementsAre(1, 2, 0));
  EXPECT_DOUBLE_EQ(f.summary.duration_holdout, 4.0);
  auto v = ValidateHoldout(kBg, f.Data(), f.options);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_DOUBLE_EQ(v->holdout_duration, 4.0);

  // Per customer: E[Y(4) | x, t_x, T].
  std::vector<double> e(3);
  ASSERT_TRUE(BgNbdExpectedPurchases(kBg, 4.0, f.x, f.summary.recency, f.summary.T,
                                     absl::MakeSpan(e))
                  .ok());
  ASSERT_EQ(v->by_frequency.size(), 8u);
  const std::vector<size_t> row_of_group = {1, 2, 0};  // x = 0: b, x = 1: c, x = 2: a
  for (size_t g = 0; g < 3; ++g) {
    EXPECT_EQ(v->by_frequency[g].frequency, static_cast<int64_t>(g));
    EXPECT_EQ(v->by_frequency[g].customers, 1);
    EXPECT_DOUBLE_EQ(v->by_frequency[g].actual, f.holdout[row_of_group[g]]);
    EXPECT_DOUBLE_EQ(v->by_frequency[g].expected, e[row_of_group[g]]);
  }
  for (size_t g = 3; g < 8; ++g) EXPECT_EQ(v->by_frequency[g].customers, 0);
  EXPECT_TRUE(v->by_frequency[7].open_ended);
  EXPECT_FALSE(v->by_frequency[6].open_ended);
  EXPECT_DOUBLE_EQ(v->actual_total, 3.0);
  EXPECT_DOUBLE_EQ(v->expected_total, e[0] + e[1] + e[2]);
  EXPECT_NEAR(v->mean_absolute_error,
              (std::fabs(e[0] - 1) + std::fabs(e[1] - 2) + std::fabs(e[2] - 0)) / 3, 1e-15);
  // Pearson's r of (1, 2, 0) and e, worked out directly.
  const double ma = 1.0, me = (e[0] + e[1] + e[2]) / 3;
  const double sab = (1 - ma) * (e[0] - me) + (2 - ma) * (e[1] - me) + (0 - ma) * (e[2] - me);
  const double saa = 2.0;
  const double sbb = (e[0] - me) * (e[0] - me) + (e[1] - me) * (e[1] - me) +
                     (e[2] - me) * (e[2] - me);
  EXPECT_NEAR(v->correlation, sab / std::sqrt(saa * sbb), 1e-14);

  // Tracking: 8 whole weeks from Jan 1 to Feb 26, 4 of them in calibration.
  const TrackingSeries& t = v->tracking;
  EXPECT_THAT(t.period_end, ElementsAre(1, 2, 3, 4, 5, 6, 7, 8));
  EXPECT_EQ(t.calibration_periods, 4);
  EXPECT_THAT(t.actual_cumulative, ElementsAre(1, 2, 2, 3, 4, 5, 6, 6));
  EXPECT_THAT(t.actual_incremental, ElementsAre(1, 1, 0, 1, 1, 1, 1, 0));
  // Customers starting at weeks 0, 1, 2: E[X(k)] + E[X(k-1)] + E[X(k-2)].
  auto new_e = [](double weeks) { return weeks <= 0 ? 0.0 : *BgNbdExpectedPurchasesNew(kBg, weeks); };
  double last = 0.0;
  for (size_t k = 1; k <= 8; ++k) {
    const double kk = static_cast<double>(k);
    const double want = new_e(kk) + new_e(kk - 1) + new_e(kk - 2);
    EXPECT_NEAR(t.expected_cumulative[k - 1], want, 1e-12 * want) << k;
    EXPECT_NEAR(t.expected_incremental[k - 1], want - last, 1e-12) << k;
    last = want;
  }
}

TEST(HoldoutValidationTest, PartialLastWeekEndsOnTheHoldoutEnd) {
  Fixture f = MakeFixture();
  f.options.holdout_end_day = Day(2, 28);  // 58 days: 8 weeks and 2 days
  f.options.max_frequency = 2;             // groups 0, 1, 2+
  auto v = ValidateHoldout(ParetoNbdParams{0.55, 10.6, 0.61, 11.7}, f.Data(), f.options);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->tracking.period_end.size(), 9u);
  EXPECT_DOUBLE_EQ(v->tracking.period_end.back(), 58.0 / 7.0);
  EXPECT_DOUBLE_EQ(v->holdout_duration, 30.0 / 7.0);
  ASSERT_EQ(v->by_frequency.size(), 3u);
  EXPECT_TRUE(v->by_frequency[2].open_ended);
  EXPECT_EQ(v->by_frequency[2].customers, 1);
}

TEST(HoldoutValidationTest, RejectsBadInput) {
  // Covers docs/bad-input.md BI-MOD-08, BI-MOD-16 (columns, rows and options of a validation).
  const Fixture f = MakeFixture();
  auto error = [&](HoldoutData data, HoldoutOptions options) {
    return ValidateHoldout(kBg, data, options).status();
  };
  HoldoutOptions o = f.options;
  o.holdout_end_day = o.calibration_end_day;
  EXPECT_THAT(error(f.Data(), o).message(), HasSubstr("must be after the calibration end"));
  o = f.options;
  o.days_per_unit = 0.0;
  EXPECT_THAT(error(f.Data(), o).message(), HasSubstr("days_per_unit must be finite and > 0"));
  o = f.options;
  o.tracking_period_days = 0;
  EXPECT_THAT(error(f.Data(), o).message(), HasSubstr("tracking_period_days must be >= 1"));
  o = f.options;
  o.max_frequency = 0;
  EXPECT_THAT(error(f.Data(), o).message(), HasSubstr("max_frequency must be in [1, 1000]"));

  HoldoutData d = f.Data();
  d.holdout_frequency = d.holdout_frequency.subspan(0, 2);
  EXPECT_THAT(error(d, f.options).message(), HasSubstr("columns must have equal lengths"));
  const std::vector<double> bad_holdout = {1, 1.5, 0};
  d = f.Data();
  d.holdout_frequency = bad_holdout;
  EXPECT_THAT(error(d, f.options).message(),
              HasSubstr("row 1: holdout frequency must be a finite non-negative integer, got 1.5"));
  const std::vector<int32_t> late_first = {Day(1, 1), Day(2, 1), Day(1, 15)};
  d = f.Data();
  d.first_purchase_day = late_first;
  EXPECT_THAT(error(d, f.options).message(), HasSubstr("row 1: first purchase on day"));
  const std::vector<int32_t> late_repeat = {Day(3, 10)};
  d = f.Data();
  d.repeat_purchase_days = late_repeat;
  EXPECT_THAT(error(d, f.options).message(), HasSubstr("outside the cohort's span"));
  const std::vector<double> bad_tx = {5.0, 0.0, 0.0};  // t_x > T for row 0
  d = f.Data();
  d.recency = bad_tx;
  EXPECT_EQ(error(d, f.options).code(), absl::StatusCode::kInvalidArgument);
  d = HoldoutData{};
  EXPECT_THAT(error(d, f.options).message(), HasSubstr("no customers"));
  EXPECT_EQ(ValidateHoldout(BgNbdParams{-1.0, 1.0, 1.0, 1.0}, f.Data(), f.options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crmcore

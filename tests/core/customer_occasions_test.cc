#include "crmcore/customer_occasions.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "crmcore/rfm_summary.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log_builder.h"

namespace crmcore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using test_support::MakeLog;
using test_support::Row;

int32_t Day(int y, int m, int d) { return ToDayNumber(absl::CivilDay(y, m, d)); }

// Rows of two customers interleaved and out of date order: each customer's occasions come
// out in day order, same-day rows merged (values summed, rows counted), ids in first-seen
// order.
TEST(CustomerOccasionsTest, GroupsSortsAndMergesSameDayRows) {
  const TransactionLog log = MakeLog({{"b", 2020, 3, 1, 500},
                                      {"a", 2020, 2, 1, 100},
                                      {"b", 2020, 1, 1, 200},
                                      {"a", 2020, 2, 1, -30},
                                      {"b", 2020, 3, 1, 1},
                                      {"a", 2020, 1, 15, 7}});
  const absl::StatusOr<CustomerOccasions> occasions = GroupOccasions(log);
  ASSERT_TRUE(occasions.ok()) << occasions.status();
  EXPECT_THAT(occasions->customer_ids, ElementsAre("b", "a"));
  EXPECT_THAT(occasions->offset, ElementsAre(0, 2, 4));
  EXPECT_THAT(occasions->days_of(0), ElementsAre(Day(2020, 1, 1), Day(2020, 3, 1)));
  EXPECT_THAT(occasions->values_of(0), ElementsAre(200, 501));
  EXPECT_THAT(occasions->days_of(1), ElementsAre(Day(2020, 1, 15), Day(2020, 2, 1)));
  EXPECT_THAT(occasions->values_of(1), ElementsAre(7, 70));
  EXPECT_THAT(occasions->transactions, ElementsAre(1, 2, 1, 2));
  EXPECT_EQ(occasions->first_day, Day(2020, 1, 1));
  EXPECT_EQ(occasions->last_day, Day(2020, 3, 1));
  EXPECT_EQ(occasions->transaction_count, 6);
  EXPECT_EQ(occasions->rows_read, 6);
}

// A log already grouped by customer (read in place) and the same rows shuffled (scattered
// by the counting sort) give the same view.
TEST(CustomerOccasionsTest, GroupedAndShuffledLogsGiveTheSameView) {
  const std::vector<Row> grouped_rows = {
      {"a", 2020, 1, 1, 1}, {"a", 2020, 1, 1, 2}, {"a", 2020, 1, 3, 4},
      {"b", 2020, 1, 2, 8}, {"c", 2020, 1, 5, 16}, {"c", 2020, 1, 4, 32}};
  const std::vector<Row> shuffled_rows = {
      {"a", 2020, 1, 1, 1}, {"b", 2020, 1, 2, 8}, {"c", 2020, 1, 5, 16},
      {"a", 2020, 1, 1, 2}, {"c", 2020, 1, 4, 32}, {"a", 2020, 1, 3, 4}};
  const auto grouped = GroupOccasions(MakeLog(grouped_rows));
  const auto shuffled = GroupOccasions(MakeLog(shuffled_rows));
  ASSERT_TRUE(grouped.ok() && shuffled.ok());
  EXPECT_EQ(grouped->offset, shuffled->offset);
  EXPECT_EQ(grouped->day, shuffled->day);
  EXPECT_EQ(grouped->value, shuffled->value);
  EXPECT_EQ(grouped->transactions, shuffled->transactions);
  EXPECT_THAT(grouped->values_of(2), ElementsAre(32, 16));
}

// Consuming the log moves its ids and counts into the view and releases its rows.
TEST(CustomerOccasionsTest, ConsumingTheLogReleasesItsRows) {
  TransactionLog log = MakeLog({{"a", 2020, 1, 1, 1}, {"b", 2020, 1, 2, 2}});
  log.rows_skipped = 3;
  const absl::StatusOr<CustomerOccasions> occasions = GroupOccasions(std::move(log));
  ASSERT_TRUE(occasions.ok());
  EXPECT_THAT(occasions->customer_ids, ElementsAre("a", "b"));
  EXPECT_EQ(occasions->rows_skipped, 3);
  EXPECT_EQ(log.size(), 0u);  // NOLINT(bugprone-use-after-move): documented to be released
  EXPECT_EQ(log.day.capacity(), 0u);
}

// Covers docs/bad-input.md BI-SCO-04
TEST(CustomerOccasionsTest, BadLogsAreErrors) {
  EXPECT_EQ(GroupOccasions(TransactionLog()).status().code(), absl::StatusCode::kInvalidArgument);
  TransactionLog uneven = MakeLog({{"a", 2020, 1, 1, 1}});
  uneven.amount.push_back(2);
  EXPECT_THAT(GroupOccasions(uneven).status().message(), HasSubstr("differ in length"));
  TransactionLog bad_index = MakeLog({{"a", 2020, 1, 1, 1}});
  bad_index.customer[0] = 9;
  EXPECT_THAT(GroupOccasions(bad_index).status().message(), HasSubstr("customer index 9"));
}

// One customer's purchases on one day that add up past int64 are an error naming the
// customer and the day, whether the log is grouped or scattered.
// Covers docs/bad-input.md BI-SCO-04
TEST(CustomerOccasionsTest, SameDayTotalOverflowIsOutOfRange) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  for (const auto& rows : {std::vector<Row>{{"big", 2020, 1, 1, max}, {"big", 2020, 1, 1, 1}},
                           std::vector<Row>{{"big", 2020, 1, 1, max}, {"x", 2020, 1, 1, 1},
                                            {"big", 2020, 1, 1, 1}}}) {
    const absl::Status status = GroupOccasions(MakeLog(rows)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
    EXPECT_EQ(status.message(),
              "customer \"big\": the purchases on 2020-01-01 add up past int64 minor units");
  }
}

// An rvalue summary that fails leaves the view's ids as they were (here the holdout total
// of the last customer overflows, after a customer seen only in the holdout).
TEST(CustomerOccasionsTest, AFailedRvalueSummaryLeavesTheViewsIds) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  auto occasions = GroupOccasions(MakeLog({{"late", 2020, 3, 1, 1}, {"ok", 2020, 1, 1, 1},
                                           {"big", 2020, 1, 1, 1}, {"big", 2020, 2, 1, max},
                                           {"big", 2020, 3, 1, 1}}));
  ASSERT_TRUE(occasions.ok());
  SummaryOptions options;
  options.observation_end = absl::CivilDay(2020, 1, 15);
  EXPECT_EQ(SummarizeOccasions(*std::move(occasions), options).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_THAT(occasions->customer_ids, ElementsAre("late", "ok", "big"));
}

// The summary of the view equals the summary of the log (which groups it the same way),
// here on the CDNOW master log with a holdout.
TEST(CustomerOccasionsTest, SummaryOfTheViewEqualsTheSummaryOfTheLog) {
  auto log = test_support::LoadCdnowMaster();
  ASSERT_TRUE(log.ok()) << log.status();
  SummaryOptions options;
  options.unit = TimeUnit::kWeeks;
  options.observation_end = absl::CivilDay(1997, 9, 30);
  const auto from_log = SummarizeTransactions(*log, options);
  const auto occasions = GroupOccasions(*std::move(log));
  ASSERT_TRUE(from_log.ok() && occasions.ok());
  const auto from_view = SummarizeOccasions(*occasions, options);
  ASSERT_TRUE(from_view.ok());
  EXPECT_EQ(from_view->customer_ids, from_log->customer_ids);
  EXPECT_EQ(from_view->frequency, from_log->frequency);
  EXPECT_EQ(from_view->recency, from_log->recency);
  EXPECT_EQ(from_view->T, from_log->T);
  EXPECT_EQ(from_view->repeat_value_minor, from_log->repeat_value_minor);
  EXPECT_EQ(from_view->holdout_frequency, from_log->holdout_frequency);
  EXPECT_EQ(from_view->calibration_transactions + from_view->holdout_transactions,
            occasions->transaction_count);
  // Taking the view's ids gives the same summary and leaves the view's counts.
  CustomerOccasions consumed = *occasions;
  const auto taken = SummarizeOccasions(std::move(consumed), options);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->customer_ids, from_log->customer_ids);
  EXPECT_EQ(consumed.customer_count(), 23570u);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(consumed.customer_ids.empty());
  // A view whose ids were taken cannot be summarized again: an error, never a wrong id.
  EXPECT_EQ(SummarizeOccasions(consumed, options).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(SummarizeOccasions(std::move(consumed), options).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // CDNOW has 23,570 customers and 69,659 rows; several rows of a customer-day merge.
  EXPECT_EQ(occasions->customer_count(), 23570u);
  EXPECT_EQ(occasions->transaction_count, 69659);
  EXPECT_LT(occasions->occasion_count(), 69659u);
}

}  // namespace
}  // namespace crmcore

// Tests for include/crmcore/rfm_summary.h (src/io/rfm_summary.cc).
#include "crmcore/rfm_summary.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "crmcore/transaction_log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log_builder.h"

namespace crmcore {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using test_support::MakeLog;

SummaryOptions Options(TimeUnit unit, std::optional<absl::CivilDay> end = std::nullopt) {
  SummaryOptions options;
  options.unit = unit;
  options.observation_end = end;
  return options;
}

TEST(TimeUnitTest, ParsesAndNames) {
  EXPECT_EQ(*ParseTimeUnit("days"), TimeUnit::kDays);
  EXPECT_EQ(*ParseTimeUnit("weeks"), TimeUnit::kWeeks);
  EXPECT_EQ(*ParseTimeUnit("months"), TimeUnit::kMonths);
  const auto bad = ParseTimeUnit("Weeks");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("\"Weeks\""));
  EXPECT_EQ(TimeUnitName(TimeUnit::kMonths), "months");
  EXPECT_EQ(DaysPerUnit(TimeUnit::kDays), 1.0);
  EXPECT_EQ(DaysPerUnit(TimeUnit::kWeeks), 7.0);
  EXPECT_EQ(DaysPerUnit(TimeUnit::kMonths), 30.4375);
}

// Hand-worked: customer a buys 2020-01-01 (10.00), twice on 2020-01-11 (5.00 + 2.50 =
// one occasion of 7.50) and on 2020-01-15 (4.01). End 2020-01-31:
// x = 2, t_x = 14 days, T = 30 days, monetary = (7.50 + 4.01) / 2 = 5.755.
// b buys once (1.00) on 2020-01-20: x = 0, t_x = 0, T = 11, monetary 0.
TEST(RfmSummaryTest, HandWorkedDays) {
  const TransactionLog log = MakeLog({{"a", 2020, 1, 11, 500},
                                      {"a", 2020, 1, 1, 1000},
                                      {"b", 2020, 1, 20, 100},
                                      {"a", 2020, 1, 15, 401},
                                      {"a", 2020, 1, 11, 250}});
  const auto summary =
      SummarizeTransactions(log, Options(TimeUnit::kDays, absl::CivilDay(2020, 1, 31)));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_THAT(summary->customer_ids, ElementsAre("a", "b"));
  EXPECT_THAT(summary->customer, ElementsAre(0u, 1u));
  EXPECT_THAT(summary->frequency, ElementsAre(2, 0));
  EXPECT_THAT(summary->recency, ElementsAre(14.0, 0.0));
  EXPECT_THAT(summary->T, ElementsAre(30.0, 11.0));
  EXPECT_THAT(summary->repeat_value_minor, ElementsAre(1151, 0));
  EXPECT_THAT(summary->monetary_value, ElementsAre(DoubleEq(5.755), 0.0));
  EXPECT_FALSE(summary->has_holdout);
  EXPECT_TRUE(summary->holdout_frequency.empty());
  EXPECT_EQ(summary->calibration_transactions, 5);
  EXPECT_EQ(summary->holdout_transactions, 0);
  EXPECT_EQ(summary->customers_first_seen_in_holdout, 0);
  EXPECT_EQ(summary->first_day, absl::CivilDay(2020, 1, 1));
  EXPECT_EQ(summary->last_day, absl::CivilDay(2020, 1, 20));
  EXPECT_EQ(summary->observation_end, absl::CivilDay(2020, 1, 31));
}

TEST(RfmSummaryTest, WeeksAndMonthsAreFractionalDays) {
  const TransactionLog log =
      MakeLog({{"a", 2020, 1, 1, 100}, {"a", 2020, 1, 11, 100}});  // 10 days, T = 30.
  const auto end = absl::CivilDay(2020, 1, 31);
  const auto weeks = SummarizeTransactions(log, Options(TimeUnit::kWeeks, end));
  ASSERT_TRUE(weeks.ok());
  EXPECT_THAT(weeks->recency, ElementsAre(DoubleEq(10.0 / 7.0)));
  EXPECT_THAT(weeks->T, ElementsAre(DoubleEq(30.0 / 7.0)));
  const auto months = SummarizeTransactions(log, Options(TimeUnit::kMonths, end));
  ASSERT_TRUE(months.ok());
  EXPECT_THAT(months->recency, ElementsAre(DoubleEq(10.0 / 30.4375)));
  EXPECT_THAT(months->T, ElementsAre(DoubleEq(30.0 / 30.4375)));
  EXPECT_EQ(months->unit, TimeUnit::kMonths);
}

TEST(RfmSummaryTest, DefaultObservationEndIsTheLastDate) {
  const TransactionLog log = MakeLog({{"a", 2020, 1, 1, 100}, {"b", 2020, 3, 1, 100}});
  const auto summary = SummarizeTransactions(log, SummaryOptions());
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->observation_end, absl::CivilDay(2020, 3, 1));
  EXPECT_THAT(summary->T, ElementsAre(60.0, 0.0));
  EXPECT_FALSE(summary->has_holdout);
}

// End 2020-01-10, inclusive: a's purchase that day is calibration, later ones holdout.
// c first buys after the end: no row, but counted.
TEST(RfmSummaryTest, HoldoutSplitAndCustomersFirstSeenInHoldout) {
  const TransactionLog log = MakeLog({{"a", 2020, 1, 1, 100},
                                      {"a", 2020, 1, 10, 300},
                                      {"c", 2020, 1, 12, 999},
                                      {"a", 2020, 1, 11, 200},
                                      {"a", 2020, 1, 20, 150},
                                      {"a", 2020, 1, 20, 1},
                                      {"b", 2020, 1, 5, 700}});
  const auto summary =
      SummarizeTransactions(log, Options(TimeUnit::kDays, absl::CivilDay(2020, 1, 10)));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_THAT(summary->customer_ids, ElementsAre("a", "b"));
  EXPECT_THAT(summary->frequency, ElementsAre(1, 0));
  EXPECT_THAT(summary->recency, ElementsAre(9.0, 0.0));
  EXPECT_THAT(summary->T, ElementsAre(9.0, 5.0));
  EXPECT_THAT(summary->monetary_value, ElementsAre(3.0, 0.0));
  ASSERT_TRUE(summary->has_holdout);
  EXPECT_THAT(summary->holdout_frequency, ElementsAre(2, 0));
  EXPECT_THAT(summary->holdout_value_minor, ElementsAre(351, 0));
  EXPECT_THAT(summary->holdout_monetary_value, ElementsAre(DoubleEq(1.755), 0.0));
  EXPECT_EQ(summary->calibration_transactions, 3);
  EXPECT_EQ(summary->holdout_transactions, 4);
  EXPECT_EQ(summary->customers_first_seen_in_holdout, 1);
}

TEST(RfmSummaryTest, HoldoutEndIgnoresLaterRowsAndGivesTheHoldoutDuration) {
  // As lifetimes' calibration_and_holdout_data(..., observation_period_end=...).
  const TransactionLog log = MakeLog({{"a", 2020, 1, 1, 100},
                                      {"a", 2020, 1, 10, 300},
                                      {"a", 2020, 1, 17, 200},
                                      {"a", 2020, 1, 30, 999},   // after the holdout end
                                      {"b", 2020, 1, 5, 700},
                                      {"c", 2020, 1, 16, 50},    // first seen in the holdout
                                      {"d", 2020, 2, 1, 50}});  // first seen after it
  SummaryOptions options = Options(TimeUnit::kWeeks, absl::CivilDay(2020, 1, 10));
  options.holdout_end = absl::CivilDay(2020, 1, 24);
  const auto summary = SummarizeTransactions(log, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_TRUE(summary->has_holdout);
  EXPECT_DOUBLE_EQ(summary->duration_holdout, 2.0);  // 14 days in weeks
  EXPECT_EQ(summary->holdout_end, absl::CivilDay(2020, 1, 24));
  EXPECT_THAT(summary->customer_ids, ElementsAre("a", "b"));
  EXPECT_THAT(summary->holdout_frequency, ElementsAre(1, 0));
  EXPECT_THAT(summary->holdout_value_minor, ElementsAre(200, 0));
  EXPECT_EQ(summary->holdout_transactions, 2);
  EXPECT_EQ(summary->transactions_after_holdout_end, 2);
  EXPECT_EQ(summary->customers_first_seen_in_holdout, 1);

  // Without a holdout end the holdout runs to the last date: 22 days.
  const auto open = SummarizeTransactions(log, Options(TimeUnit::kDays, absl::CivilDay(2020, 1, 10)));
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_DOUBLE_EQ(open->duration_holdout, 22.0);
  EXPECT_EQ(open->transactions_after_holdout_end, 0);
  EXPECT_THAT(open->holdout_frequency, ElementsAre(2, 0));

  // A holdout end on a day with no later rows still gives holdout columns.
  options.observation_end = absl::CivilDay(2020, 2, 1);
  options.holdout_end = absl::CivilDay(2020, 3, 1);
  const auto empty_holdout = SummarizeTransactions(log, options);
  ASSERT_TRUE(empty_holdout.ok()) << empty_holdout.status();
  EXPECT_TRUE(empty_holdout->has_holdout);
  EXPECT_THAT(empty_holdout->holdout_frequency, ::testing::Each(0));
  EXPECT_NEAR(empty_holdout->duration_holdout, 29.0 / 7.0, 1e-15);
}

TEST(RfmSummaryTest, HoldoutEndBeforeObservationEndOrWithoutItIsAnError) {
  // Covers docs/bad-input.md BI-ING-24 (summary options: the holdout end).
  const TransactionLog log = MakeLog({{"a", 2020, 1, 5, 100}, {"a", 2020, 1, 9, 100}});
  SummaryOptions options = Options(TimeUnit::kDays, absl::CivilDay(2020, 1, 8));
  options.holdout_end = absl::CivilDay(2020, 1, 7);
  auto summary = SummarizeTransactions(log, options);
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(summary.status().message(),
              HasSubstr("holdout_end 2020-01-07 is before observation_end 2020-01-08"));
  options.observation_end.reset();
  summary = SummarizeTransactions(log, options);
  EXPECT_THAT(summary.status().message(), HasSubstr("needs an observation_end"));
  options.observation_end = absl::CivilDay(2020, 1, 8);
  options.holdout_end = absl::CivilDay(10000, 1, 1);
  summary = SummarizeTransactions(log, options);
  EXPECT_THAT(summary.status().message(), HasSubstr("is after 9999-12-31"));
}

TEST(RfmSummaryTest, ObservationEndBeforeFirstTransactionIsAnError) {
  const TransactionLog log = MakeLog({{"a", 2020, 1, 5, 100}});
  const auto summary =
      SummarizeTransactions(log, Options(TimeUnit::kDays, absl::CivilDay(2020, 1, 4)));
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(summary.status().message(), HasSubstr("2020-01-04"));
  EXPECT_THAT(summary.status().message(), HasSubstr("2020-01-05"));
  // On the first day itself is fine: T = 0.
  const auto same_day =
      SummarizeTransactions(log, Options(TimeUnit::kDays, absl::CivilDay(2020, 1, 5)));
  ASSERT_TRUE(same_day.ok());
  EXPECT_THAT(same_day->T, ElementsAre(0.0));
}

TEST(RfmSummaryTest, EmptyOrInconsistentLogIsAnError) {
  EXPECT_EQ(SummarizeTransactions(TransactionLog(), SummaryOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
  TransactionLog log = MakeLog({{"a", 2020, 1, 5, 100}});
  log.amount.push_back(1);
  EXPECT_THAT(SummarizeTransactions(log, SummaryOptions()).status().message(),
              HasSubstr("differ in length"));
  TransactionLog bad_index = MakeLog({{"a", 2020, 1, 5, 100}});
  bad_index.customer[0] = 7;
  EXPECT_THAT(SummarizeTransactions(bad_index, SummaryOptions()).status().message(),
              HasSubstr("customer index 7"));
}

TEST(RfmSummaryTest, OverflowingTotalsAreOutOfRange) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  const TransactionLog same_day =
      MakeLog({{"big", 2020, 1, 1, max}, {"big", 2020, 1, 1, 1}});
  const auto summary = SummarizeTransactions(same_day, SummaryOptions());
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(summary.status().message(), HasSubstr("\"big\""));
  const TransactionLog repeats = MakeLog(
      {{"big", 2020, 1, 1, 1}, {"big", 2020, 1, 2, max}, {"big", 2020, 1, 3, 1}});
  EXPECT_EQ(SummarizeTransactions(repeats, SummaryOptions()).status().code(),
            absl::StatusCode::kOutOfRange);
  // The holdout's total overflows on its own, after a calibration that does not.
  const TransactionLog holdout = MakeLog(
      {{"early", 2020, 1, 1, 1}, {"big", 2020, 1, 1, 1}, {"big", 2020, 2, 1, max},
       {"big", 2020, 3, 1, 1}});
  const auto split = SummarizeTransactions(holdout, Options(TimeUnit::kDays, absl::CivilDay(2020, 1, 15)));
  EXPECT_EQ(split.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(split.status().message(),
            "rfm summary: the purchase total of customer \"big\" overflows int64 minor units");
}

// ---------------------------------------------------------------------------
// THE reference check: the CDNOW sample summarized with calibration ending
// 1997-09-30 (inclusive) in weeks reproduces the published summary files.

struct Published {
  int64_t frequency;
  double recency;
  double T;
  int64_t zbar_cents;
};

std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) rows.push_back(absl::StrSplit(line, ','));
  }
  return rows;
}

// Round half up to a whole number of hundredths (the published files' rounding).
int64_t Hundredths(double value) { return std::llround(value * 100.0); }

int64_t ParseHundredths(const std::string& text) {
  double value = 0;
  EXPECT_TRUE(absl::SimpleAtod(text, &value)) << text;
  return std::llround(value * 100.0);
}

TEST(RfmSummaryTest, CdnowSampleReproducesThePublishedCalibrationSummary) {
  const std::string dir = CRMCORE_TEST_DATA_DIR;
  TransactionLogOptions ingest;
  ingest.whitespace_delimited = true;
  ingest.has_header = false;
  ingest.customer = ColumnRef::At(2);  // The sample id 0001..2357.
  ingest.date = ColumnRef::At(3);
  ingest.quantity = ColumnRef::At(4);
  ingest.amount = ColumnRef::At(5);
  ingest.date_format = "%Y%m%d";
  const auto log = LoadTransactionLog(dir + "/CDNOW_sample.txt", ingest);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 6919u);
  ASSERT_EQ(log->customer_count(), 2357u);

  const auto summary = SummarizeTransactions(
      *log, Options(TimeUnit::kWeeks, absl::CivilDay(1997, 9, 30)));
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->size(), 2357u);
  EXPECT_EQ(summary->customers_first_seen_in_holdout, 0);
  EXPECT_TRUE(summary->has_holdout);
  EXPECT_EQ(summary->calibration_transactions + summary->holdout_transactions, 6919);

  // Published: ID,frequency,recency,T and ID,x,t_x,T,zbar, keyed by the integer id.
  absl::flat_hash_map<int, Published> published;
  const auto rfm = ReadCsv(dir + "/cdnow_customers_summary.csv");
  const auto zbar = ReadCsv(dir + "/cdnow_customers_summary_with_transactions.csv");
  ASSERT_EQ(rfm.size(), 2358u);
  ASSERT_EQ(zbar.size(), 2358u);
  ASSERT_THAT(rfm[0], ElementsAre("ID", "frequency", "recency", "T"));
  ASSERT_THAT(zbar[0], ElementsAre("ID", "x", "t_x", "T", "zbar"));
  for (size_t i = 1; i < rfm.size(); ++i) {
    int id = 0;
    Published& p = published[(absl::SimpleAtoi(rfm[i][0], &id), id)];
    ASSERT_TRUE(absl::SimpleAtoi(rfm[i][1], &p.frequency));
    p.recency = static_cast<double>(ParseHundredths(rfm[i][2]));
    p.T = static_cast<double>(ParseHundredths(rfm[i][3]));
  }
  for (size_t i = 1; i < zbar.size(); ++i) {
    int id = 0;
    ASSERT_TRUE(absl::SimpleAtoi(zbar[i][0], &id));
    ASSERT_TRUE(published.contains(id)) << id;
    int64_t x = 0;
    ASSERT_TRUE(absl::SimpleAtoi(zbar[i][1], &x));
    EXPECT_EQ(x, published[id].frequency) << id;
    published[id].zbar_cents = ParseHundredths(zbar[i][4]);
  }

  int checked = 0;
  for (size_t row = 0; row < summary->size(); ++row) {
    int id = 0;
    ASSERT_TRUE(absl::SimpleAtoi(summary->customer_ids[row], &id));
    const auto it = published.find(id);
    ASSERT_NE(it, published.end()) << summary->customer_ids[row];
    const Published& p = it->second;
    EXPECT_EQ(summary->frequency[row], p.frequency) << id;
    EXPECT_EQ(Hundredths(summary->recency[row]), static_cast<int64_t>(p.recency)) << id;
    EXPECT_EQ(Hundredths(summary->T[row]), static_cast<int64_t>(p.T)) << id;
    // zbar to the cent, from the exact total: round(total / x) half up, in integers.
    const int64_t x = summary->frequency[row];
    const int64_t total = summary->repeat_value_minor[row];
    const int64_t cents = x == 0 ? 0 : (2 * total + x) / (2 * x);
    EXPECT_EQ(cents, p.zbar_cents) << id;
    // The double mean is within half a cent (plus its own rounding) of the same figure.
    EXPECT_NEAR(summary->monetary_value[row] * 100.0, static_cast<double>(p.zbar_cents),
                0.5 + 1e-9)
        << id;
    ++checked;
  }
  EXPECT_EQ(checked, 2357);
  // Spot checks against the files' first row: ID 1 = 1,2,30.43,38.86,22.35.
  EXPECT_EQ(summary->customer_ids[0], "0001");
  EXPECT_EQ(summary->frequency[0], 2);
  EXPECT_DOUBLE_EQ(summary->recency[0], 213.0 / 7.0);
  EXPECT_DOUBLE_EQ(summary->T[0], 272.0 / 7.0);
  EXPECT_EQ(summary->repeat_value_minor[0], 2973 + 1496);
}

// The observation end is inclusive: with an exclusive end, the 13 sample customers who
// bought on 1997-09-30 would lose that purchase. Customer 0059 bought 1997-01-04 and
// 1997-09-30, and is published as x = 1, t_x = 38.43 = T.
TEST(RfmSummaryTest, CdnowObservationEndIsInclusive) {
  TransactionLogOptions ingest;
  ingest.whitespace_delimited = true;
  ingest.has_header = false;
  ingest.customer = ColumnRef::At(2);
  ingest.date = ColumnRef::At(3);
  ingest.amount = ColumnRef::At(5);
  ingest.date_format = "%Y%m%d";
  const auto log = LoadTransactionLogFromBuffer(
      " 00645 0059 19970104  3   44.71\r\n"
      " 00645 0059 19970930  1    6.49\r\n"
      " 00645 0059 19971124  1   12.99\r\n",
      "0059", ingest);
  ASSERT_TRUE(log.ok()) << log.status();
  const auto summary =
      SummarizeTransactions(*log, Options(TimeUnit::kWeeks, absl::CivilDay(1997, 9, 30)));
  ASSERT_TRUE(summary.ok());
  EXPECT_THAT(summary->frequency, ElementsAre(1));
  EXPECT_EQ(Hundredths(summary->recency[0]), 3843);
  EXPECT_EQ(Hundredths(summary->T[0]), 3843);
  EXPECT_THAT(summary->monetary_value, ElementsAre(DoubleEq(6.49)));
  EXPECT_THAT(summary->holdout_frequency, ElementsAre(1));
}

}  // namespace
}  // namespace crmcore

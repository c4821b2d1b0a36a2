// The RFM summary (see include/crmcore/rfm_summary.h for the conventions).
#include "crmcore/rfm_summary.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crmcore/money.h"
#include "crmcore/status.h"

namespace crmcore {

absl::StatusOr<TimeUnit> ParseTimeUnit(absl::string_view text) {
  if (text == "days") return TimeUnit::kDays;
  if (text == "weeks") return TimeUnit::kWeeks;
  if (text == "months") return TimeUnit::kMonths;
  return absl::InvalidArgumentError(absl::StrCat(
      "time unit: \"", text, "\" is not one of days, weeks, months"));
}

absl::string_view TimeUnitName(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kDays: return "days";
    case TimeUnit::kWeeks: return "weeks";
    case TimeUnit::kMonths: return "months";
  }
  return "days";
}

double DaysPerUnit(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kDays: return 1.0;
    case TimeUnit::kWeeks: return 7.0;
    case TimeUnit::kMonths: return 365.25 / 12.0;
  }
  return 1.0;
}

namespace {

// One customer's transactions, gathered from the log: parallel day/amount slices.
struct Purchase {
  int32_t day;
  int64_t amount;
};

// What one customer's occasions add up to.
struct CustomerTotals {
  int32_t first_day = 0;
  int32_t last_calibration_day = 0;
  int64_t calibration_occasions = 0;
  int64_t repeat_value = 0;
  int64_t holdout_occasions = 0;
  int64_t holdout_value = 0;
};

absl::Status Overflow(const TransactionLog& log, uint32_t customer) {
  return absl::OutOfRangeError(absl::StrCat(
      "rfm summary: the purchase total of customer \"", log.customer_ids[customer],
      "\" overflows int64 minor units"));
}

// Walks one customer's purchases (sorted by day), merging same-day ones into occasions.
absl::StatusOr<CustomerTotals> TotalOccasions(const Purchase* begin, const Purchase* end,
                                              int32_t observation_end) {
  CustomerTotals totals;
  totals.first_day = begin->day;
  for (const Purchase* p = begin; p != end;) {
    const int32_t day = p->day;
    int64_t value = 0;
    for (; p != end && p->day == day; ++p) {
      if (__builtin_add_overflow(value, p->amount, &value)) {
        return absl::OutOfRangeError("overflow");
      }
    }
    if (day <= observation_end) {
      if (totals.calibration_occasions > 0 &&
          __builtin_add_overflow(totals.repeat_value, value, &totals.repeat_value)) {
        return absl::OutOfRangeError("overflow");
      }
      ++totals.calibration_occasions;
      totals.last_calibration_day = day;
    } else {
      if (__builtin_add_overflow(totals.holdout_value, value, &totals.holdout_value)) {
        return absl::OutOfRangeError("overflow");
      }
      ++totals.holdout_occasions;
    }
  }
  return totals;
}

}  // namespace

absl::StatusOr<RfmSummary> SummarizeTransactions(const TransactionLog& log,
                                                 const SummaryOptions& options) {
  const size_t rows = log.size();
  if (rows == 0) {
    return absl::InvalidArgumentError("rfm summary: the transaction log is empty");
  }
  if (log.customer.size() != rows || log.amount.size() != rows) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rfm summary: log columns differ in length: customer ", log.customer.size(),
        ", day ", rows, ", amount ", log.amount.size()));
  }
  const size_t customers = log.customer_ids.size();
  const auto [min_day, max_day] = std::minmax_element(log.day.begin(), log.day.end());
  RfmSummary summary;
  summary.unit = options.unit;
  summary.minor_digits = log.minor_digits;
  summary.first_day = ToCivilDay(*min_day);
  summary.last_day = ToCivilDay(*max_day);
  summary.observation_end = options.observation_end.value_or(summary.last_day);
  if (summary.observation_end < summary.first_day) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rfm summary: observation_end ", absl::FormatCivilTime(summary.observation_end),
        " is before the first transaction, on ", absl::FormatCivilTime(summary.first_day)));
  }
  // A day number beyond int32 cannot hold a transaction: clamp, the comparison stays right.
  const int64_t end_days = summary.observation_end - absl::CivilDay(1970, 1, 1);
  const auto observation_end = static_cast<int32_t>(
      std::min<int64_t>(end_days, std::numeric_limits<int32_t>::max()));
  summary.has_holdout = *max_day > observation_end;

  // Group rows by customer with a counting sort (customers are dense indices).
  std::vector<size_t> offset(customers + 1, 0);
  for (const uint32_t c : log.customer) {
    if (c >= customers) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rfm summary: customer index ", c, " is outside the ", customers, " customer ids"));
    }
    ++offset[c + 1];
  }
  for (size_t c = 0; c < customers; ++c) offset[c + 1] += offset[c];
  std::vector<Purchase> purchases(rows);
  {
    std::vector<size_t> cursor(offset.begin(), offset.end() - 1);
    for (size_t r = 0; r < rows; ++r) {
      purchases[cursor[log.customer[r]]++] = {log.day[r], log.amount[r]};
    }
  }

  const double days_per_unit = DaysPerUnit(options.unit);
  const double minor_per_major =
      static_cast<double>(money_internal::PowerOfTen(log.minor_digits));
  const auto mean_major = [minor_per_major](int64_t total_minor, int64_t count) {
    return count == 0 ? 0.0
                      : static_cast<double>(total_minor) / static_cast<double>(count) /
                            minor_per_major;
  };
  for (size_t c = 0; c < customers; ++c) {
    Purchase* begin = purchases.data() + offset[c];
    Purchase* end = purchases.data() + offset[c + 1];
    if (begin == end) continue;  // An id with no loaded row (e.g. a hand-built log).
    // The stable counting sort kept file order, usually already by date.
    const auto by_day = [](const Purchase& a, const Purchase& b) { return a.day < b.day; };
    if (!std::is_sorted(begin, end, by_day)) std::stable_sort(begin, end, by_day);
    absl::StatusOr<CustomerTotals> totals = TotalOccasions(begin, end, observation_end);
    if (!totals.ok()) return Overflow(log, static_cast<uint32_t>(c));
    if (totals->calibration_occasions == 0) {
      ++summary.customers_first_seen_in_holdout;
      continue;
    }
    const int64_t frequency = totals->calibration_occasions - 1;
    summary.customer_ids.push_back(log.customer_ids[c]);
    summary.customer.push_back(static_cast<uint32_t>(c));
    summary.frequency.push_back(frequency);
    summary.recency.push_back(
        static_cast<double>(totals->last_calibration_day - totals->first_day) / days_per_unit);
    summary.T.push_back(static_cast<double>(observation_end - totals->first_day) /
                        days_per_unit);
    summary.repeat_value_minor.push_back(totals->repeat_value);
    summary.monetary_value.push_back(mean_major(totals->repeat_value, frequency));
    if (summary.has_holdout) {
      summary.holdout_frequency.push_back(totals->holdout_occasions);
      summary.holdout_value_minor.push_back(totals->holdout_value);
      summary.holdout_monetary_value.push_back(
          mean_major(totals->holdout_value, totals->holdout_occasions));
    }
  }
  for (const int32_t day : log.day) {
    (day <= observation_end ? summary.calibration_transactions
                            : summary.holdout_transactions)++;
  }
  return summary;
}

}  // namespace crmcore

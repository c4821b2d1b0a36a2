// The RFM summary (see include/crmcore/rfm_summary.h for the conventions).
#include "crmcore/rfm_summary.h"

#include <algorithm>
#include <limits>
#include <optional>
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

// One transaction of a customer, for sorting a customer's rows by day.
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

// Walks one customer's `count` purchases (sorted by day), merging same-day ones into
// occasions; nullopt when a total overflows.
std::optional<CustomerTotals> TotalOccasions(const int32_t* days, const int64_t* amounts,
                                             size_t count, int32_t observation_end) {
  CustomerTotals totals;
  totals.first_day = days[0];
  for (size_t p = 0; p < count;) {
    const int32_t day = days[p];
    int64_t value = 0;
    for (; p < count && days[p] == day; ++p) {
      if (__builtin_add_overflow(value, amounts[p], &value)) return std::nullopt;
    }
    if (day <= observation_end) {
      if (totals.calibration_occasions > 0 &&
          __builtin_add_overflow(totals.repeat_value, value, &totals.repeat_value)) {
        return std::nullopt;
      }
      ++totals.calibration_occasions;
      totals.last_calibration_day = day;
    } else {
      if (__builtin_add_overflow(totals.holdout_value, value, &totals.holdout_value)) {
        return std::nullopt;
      }
      ++totals.holdout_occasions;
    }
  }
  return totals;
}

// The rows of each customer as one contiguous run: customer c's days and amounts are
// days[offset[c] .. offset[c + 1]) and the same range of amounts.
struct RowsByCustomer {
  const int32_t* days = nullptr;
  const int64_t* amounts = nullptr;
  std::vector<size_t> offset;
  // The regrouped columns when the log itself is not grouped by customer.
  std::vector<int32_t> regrouped_days;
  std::vector<int64_t> regrouped_amounts;
};

// Groups the log's rows by customer, keeping file order within a customer. A log
// already grouped (each customer's rows together, customers in first-seen order, as
// CDNOW and most exports are) is used in place; otherwise a counting sort copies it.
absl::Status GroupByCustomer(const TransactionLog& log, RowsByCustomer& rows) {
  const size_t customers = log.customer_ids.size();
  rows.offset.assign(customers + 1, 0);
  // Interned indices are dense and in first-seen order, so the log is grouped when
  // each row's customer is the previous row's or the next new one.
  bool grouped = true;
  size_t next_new = 0;
  for (size_t r = 0; r < log.customer.size(); ++r) {
    const uint32_t c = log.customer[r];
    if (c >= customers) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rfm summary: customer index ", c, " is outside the ", customers, " customer ids"));
    }
    ++rows.offset[c + 1];
    if (grouped && !(r > 0 && c == log.customer[r - 1])) {
      grouped = c == next_new;
      ++next_new;
    }
  }
  for (size_t c = 0; c < customers; ++c) rows.offset[c + 1] += rows.offset[c];
  if (grouped) {
    rows.days = log.day.data();
    rows.amounts = log.amount.data();
    return absl::OkStatus();
  }
  rows.regrouped_days.resize(log.size());
  rows.regrouped_amounts.resize(log.size());
  std::vector<size_t> cursor(rows.offset.begin(), rows.offset.end() - 1);
  for (size_t r = 0; r < log.size(); ++r) {
    const size_t to = cursor[log.customer[r]]++;
    rows.regrouped_days[to] = log.day[r];
    rows.regrouped_amounts[to] = log.amount[r];
  }
  rows.days = rows.regrouped_days.data();
  rows.amounts = rows.regrouped_amounts.data();
  return absl::OkStatus();
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
  // Log dates have 4-digit years, so a later end is a mistake; bounding it also keeps an
  // arbitrary CivilDay's distance from the log's days within range.
  if (summary.observation_end > absl::CivilDay(9999, 12, 31)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rfm summary: observation_end ", absl::FormatCivilTime(summary.observation_end),
        " is after 9999-12-31"));
  }
  const auto observation_end = ToDayNumber(summary.observation_end);
  summary.has_holdout = *max_day > observation_end;

  RowsByCustomer rows_of;
  CRM_RETURN_IF_ERROR(GroupByCustomer(log, rows_of));

  const double days_per_unit = DaysPerUnit(options.unit);
  const double minor_per_major =
      static_cast<double>(money_internal::PowerOfTen(log.minor_digits));
  const auto mean_major = [minor_per_major](int64_t total_minor, int64_t count) {
    return count == 0 ? 0.0
                      : static_cast<double>(total_minor) / static_cast<double>(count) /
                            minor_per_major;
  };
  const auto reserve = [customers](auto&... columns) { (columns.reserve(customers), ...); };
  reserve(summary.customer_ids, summary.customer, summary.frequency, summary.recency,
          summary.T, summary.repeat_value_minor, summary.monetary_value);
  if (summary.has_holdout) {
    reserve(summary.holdout_frequency, summary.holdout_value_minor,
            summary.holdout_monetary_value);
  }
  std::vector<Purchase> sorted;  // A customer's rows when they are out of date order.
  std::vector<int32_t> sorted_days;
  std::vector<int64_t> sorted_amounts;
  for (size_t c = 0; c < customers; ++c) {
    const size_t count = rows_of.offset[c + 1] - rows_of.offset[c];
    if (count == 0) continue;  // An id with no loaded row (e.g. a hand-built log).
    const int32_t* days = rows_of.days + rows_of.offset[c];
    const int64_t* amounts = rows_of.amounts + rows_of.offset[c];
    // File order is usually already by date; otherwise sort stably by day.
    if (!std::is_sorted(days, days + count)) {
      sorted.clear();
      for (size_t p = 0; p < count; ++p) sorted.push_back({days[p], amounts[p]});
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const Purchase& a, const Purchase& b) { return a.day < b.day; });
      sorted_days.clear();
      sorted_amounts.clear();
      for (const Purchase& p : sorted) {
        sorted_days.push_back(p.day);
        sorted_amounts.push_back(p.amount);
      }
      days = sorted_days.data();
      amounts = sorted_amounts.data();
    }
    const std::optional<CustomerTotals> totals =
        TotalOccasions(days, amounts, count, observation_end);
    if (!totals) return Overflow(log, static_cast<uint32_t>(c));
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

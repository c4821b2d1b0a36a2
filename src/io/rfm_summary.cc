// The RFM summary (see include/crmcore/rfm_summary.h for the conventions).
#include "crmcore/rfm_summary.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crmcore/money.h"
#include "crmcore/status.h"

namespace crmcore {

namespace {

// What one customer's occasions add up to.
struct CustomerTotals {
  int64_t calibration_occasions = 0;
  int32_t last_calibration_day = 0;
  int64_t calibration_transactions = 0;
  int64_t repeat_value = 0;
  int64_t holdout_occasions = 0;
  int64_t holdout_value = 0;
  int64_t holdout_transactions = 0;
  int64_t ignored_transactions = 0;  // after the holdout end
};

// Adds up customer c's occasions on either side of the observation end; nullopt when a
// total overflows.
std::optional<CustomerTotals> TotalOccasions(const CustomerOccasions& occasions, size_t c,
                                             int32_t observation_end, int32_t holdout_end) {
  CustomerTotals totals;
  for (size_t o = occasions.offset[c]; o < occasions.offset[c + 1]; ++o) {
    const int64_t value = occasions.value[o];
    if (occasions.day[o] <= observation_end) {
      if (totals.calibration_occasions > 0 &&
          __builtin_add_overflow(totals.repeat_value, value, &totals.repeat_value)) {
        return std::nullopt;
      }
      ++totals.calibration_occasions;
      totals.last_calibration_day = occasions.day[o];
      totals.calibration_transactions += occasions.transactions[o];
    } else if (occasions.day[o] > holdout_end) {
      totals.ignored_transactions += occasions.transactions[o];
    } else {
      if (__builtin_add_overflow(totals.holdout_value, value, &totals.holdout_value)) {
        return std::nullopt;
      }
      ++totals.holdout_occasions;
      totals.holdout_transactions += occasions.transactions[o];
    }
  }
  return totals;
}

// The summary of a view; `Occasions` is `const CustomerOccasions` (the ids are copied) or
// `CustomerOccasions` (the ids of the summary's rows are moved out).
template <typename Occasions>
absl::StatusOr<RfmSummary> Summarize(Occasions& occasions, const SummaryOptions& options) {
  if (occasions.occasion_count() == 0) {
    return absl::InvalidArgumentError("rfm summary: the transaction log is empty");
  }
  if (occasions.customer_ids.size() != occasions.customer_count()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "rfm summary: the view holds ", occasions.customer_ids.size(), " customer ids for ",
        occasions.customer_count(), " customers (an rvalue SummarizeOccasions or "
        "ScoreCustomers took them): group the log again"));
  }
  const size_t customers = occasions.customer_count();
  RfmSummary summary;
  summary.unit = options.unit;
  summary.minor_digits = occasions.minor_digits;
  summary.first_day = ToCivilDay(occasions.first_day);
  summary.last_day = ToCivilDay(occasions.last_day);
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
  if (options.holdout_end.has_value()) {
    if (!options.observation_end.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rfm summary: holdout_end ", absl::FormatCivilTime(*options.holdout_end),
          " needs an observation_end (the end of calibration)"));
    }
    if (*options.holdout_end < summary.observation_end) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rfm summary: holdout_end ", absl::FormatCivilTime(*options.holdout_end),
          " is before observation_end ", absl::FormatCivilTime(summary.observation_end)));
    }
    if (*options.holdout_end > absl::CivilDay(9999, 12, 31)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rfm summary: holdout_end ", absl::FormatCivilTime(*options.holdout_end),
          " is after 9999-12-31"));
    }
  }
  const auto observation_end = ToDayNumber(summary.observation_end);
  summary.holdout_end = options.holdout_end.value_or(std::max(summary.last_day,
                                                              summary.observation_end));
  const auto holdout_end = ToDayNumber(summary.holdout_end);
  summary.has_holdout = options.holdout_end.has_value() || occasions.last_day > observation_end;

  const double days_per_unit = DaysPerUnit(options.unit);
  if (summary.has_holdout) {
    summary.duration_holdout = static_cast<double>(holdout_end - observation_end) / days_per_unit;
  }
  const double minor_per_major =
      static_cast<double>(money_internal::PowerOfTen(occasions.minor_digits));
  const auto mean_major = [minor_per_major](int64_t total_minor, int64_t count) {
    return count == 0 ? 0.0
                      : static_cast<double>(total_minor) / static_cast<double>(count) /
                            minor_per_major;
  };
  const auto reserve = [customers](auto&... columns) { (columns.reserve(customers), ...); };
  reserve(summary.customer, summary.frequency, summary.recency, summary.T,
          summary.repeat_value_minor, summary.monetary_value);
  if constexpr (std::is_const_v<Occasions>) reserve(summary.customer_ids);
  if (summary.has_holdout) {
    reserve(summary.holdout_frequency, summary.holdout_value_minor,
            summary.holdout_monetary_value);
  }
  for (size_t c = 0; c < customers; ++c) {
    if (occasions.offset[c] == occasions.offset[c + 1]) continue;  // an id with no row
    const std::optional<CustomerTotals> totals = TotalOccasions(occasions, c, observation_end, holdout_end);
    if (!totals) {
      return absl::OutOfRangeError(absl::StrCat(
          "rfm summary: the purchase total of customer \"", occasions.customer_ids[c],
          "\" overflows int64 minor units"));
    }
    summary.calibration_transactions += totals->calibration_transactions;
    summary.holdout_transactions += totals->holdout_transactions;
    summary.transactions_after_holdout_end += totals->ignored_transactions;
    if (totals->calibration_occasions == 0) {
      // A customer first seen after the holdout end is not in the holdout either.
      if (totals->holdout_occasions > 0) ++summary.customers_first_seen_in_holdout;
      continue;
    }
    const int32_t first_day = occasions.day[occasions.offset[c]];
    const int64_t frequency = totals->calibration_occasions - 1;
    if constexpr (std::is_const_v<Occasions>) {
      summary.customer_ids.push_back(occasions.customer_ids[c]);
    }
    summary.customer.push_back(static_cast<uint32_t>(c));
    summary.frequency.push_back(frequency);
    summary.recency.push_back(
        static_cast<double>(totals->last_calibration_day - first_day) / days_per_unit);
    summary.T.push_back(static_cast<double>(observation_end - first_day) / days_per_unit);
    summary.repeat_value_minor.push_back(totals->repeat_value);
    summary.monetary_value.push_back(mean_major(totals->repeat_value, frequency));
    if (summary.has_holdout) {
      summary.holdout_frequency.push_back(totals->holdout_occasions);
      summary.holdout_value_minor.push_back(totals->holdout_value);
      summary.holdout_monetary_value.push_back(
          mean_major(totals->holdout_value, totals->holdout_occasions));
    }
  }
  if constexpr (!std::is_const_v<Occasions>) {
    // Only now that nothing can fail: the rows' ids compacted to the front (row k's
    // customer is >= k, and ids before it were moved already), then the vector taken.
    for (size_t row = 0; row < summary.customer.size(); ++row) {
      const size_t c = summary.customer[row];
      if (c != row) occasions.customer_ids[row] = std::move(occasions.customer_ids[c]);
    }
    occasions.customer_ids.resize(summary.customer.size());
    summary.customer_ids = std::move(occasions.customer_ids);
    occasions.customer_ids.clear();
  }
  return summary;
}

}  // namespace

absl::StatusOr<RfmSummary> SummarizeOccasions(const CustomerOccasions& occasions,
                                              const SummaryOptions& options) {
  return Summarize(occasions, options);
}

absl::StatusOr<RfmSummary> SummarizeOccasions(CustomerOccasions&& occasions,
                                              const SummaryOptions& options) {
  return Summarize(occasions, options);
}

absl::StatusOr<RfmSummary> SummarizeTransactions(const TransactionLog& log,
                                                 const SummaryOptions& options) {
  CRM_ASSIGN_OR_RETURN(const CustomerOccasions occasions, GroupOccasions(log));
  return SummarizeOccasions(occasions, options);
}

}  // namespace crmcore

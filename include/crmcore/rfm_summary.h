// The per-customer RFM summary of a transaction log: frequency, recency, T and
// monetary value, with an optional calibration/holdout split (docs/domain.md §6.3).
//
// Conventions are those of the customer-base-analysis literature (Fader, Hardie & Lee
// 2005, "Counting your customers the easy way" and "RFM and CLV") and of the Python
// `lifetimes` library's summary_data_from_transaction_data and
// calibration_and_holdout_data, so that the published CDNOW figures reproduce:
//
// - A purchase occasion is a customer-day: transactions of one customer on one day are
//   one occasion whose value is the sum of their amounts (negative amounts included).
// - Calibration is every occasion on or before the observation end (inclusive: the
//   CDNOW calibration "ends 1997-09-30" and counts purchases made that day); the
//   holdout is every occasion after it.
// - frequency x = calibration occasions - 1 (the repeat purchases);
//   recency t_x = (last - first calibration occasion) / unit;
//   T = (observation end - first occasion) / unit;
//   monetary_value = mean value of the repeat calibration occasions (the first one is
//   excluded, as the Gamma-Gamma model requires), 0 when x = 0;
//   holdout_frequency = holdout occasions, holdout_monetary_value = their mean value
//   (0 when there are none), duration_holdout = (holdout end - observation end) / unit.
// - The holdout ends on the holdout end when one is given (inclusive; later occasions are
//   ignored, and counted in transactions_after_holdout_end), else on the log's last date,
//   as lifetimes' calibration_and_holdout_data(..., observation_period_end=...).
// - A customer whose first purchase falls after the observation end has no calibration
//   history and therefore no row; such customers are counted in
//   customers_first_seen_in_holdout, never dropped silently.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_RFM_SUMMARY_H_
#define CRMCORE_RFM_SUMMARY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "crmcore/calendar.h"  // TimeUnit, ParseTimeUnit, TimeUnitName, DaysPerUnit
#include "crmcore/customer_occasions.h"
#include "crmcore/transaction_log.h"

namespace crmcore {

/// How to summarize a log.
struct SummaryOptions {
  /// Unit of recency and T.
  TimeUnit unit = TimeUnit::kDays;
  /// Last day of calibration, inclusive; later occasions form the holdout. Default:
  /// the last date in the log (so there is no holdout).
  std::optional<absl::CivilDay> observation_end;
  /// Last day of the holdout, inclusive; later occasions are ignored. Needs
  /// observation_end, and must not be before it. Default: the last date in the log.
  std::optional<absl::CivilDay> holdout_end;
};

/// The summary, as columns with one entry per customer that bought on or before the
/// observation end, in the log's first-seen order.
struct RfmSummary {
  /// Customer ids (copied from the log) and their indices into log.customer_ids.
  std::vector<std::string> customer_ids;
  std::vector<uint32_t> customer;
  /// Repeat purchase occasions in calibration (x).
  std::vector<int64_t> frequency;
  /// Time from first to last calibration occasion, in `unit` (t_x).
  std::vector<double> recency;
  /// Time from first occasion to the observation end, in `unit`.
  std::vector<double> T;
  /// Mean value of the repeat calibration occasions in major units (z-bar); 0 when
  /// frequency is 0. Rounded once to double from the exact total below.
  std::vector<double> monetary_value;
  /// Exact total of the repeat calibration occasions, in minor units
  /// (monetary_value = repeat_value_minor / frequency / 10^minor_digits).
  std::vector<int64_t> repeat_value_minor;

  /// True when a holdout end was given or the log has occasions after the observation
  /// end; only then are the holdout columns filled (one entry per row, like the others).
  bool has_holdout = false;
  /// Length of the holdout, (holdout end - observation end) / unit (lifetimes'
  /// duration_holdout); 0 without a holdout.
  double duration_holdout = 0.0;
  /// Occasions after the observation end.
  std::vector<int64_t> holdout_frequency;
  /// Mean value of those occasions in major units; 0 when there are none.
  std::vector<double> holdout_monetary_value;
  /// Exact total of the holdout occasions, in minor units.
  std::vector<int64_t> holdout_value_minor;

  /// The unit recency and T are in, and the minor digits of the amounts.
  TimeUnit unit = TimeUnit::kDays;
  int minor_digits = 2;
  /// First and last transaction date of the log, and the observation end used.
  absl::CivilDay first_day;
  absl::CivilDay last_day;
  absl::CivilDay observation_end;
  /// The holdout end used: options.holdout_end, else the last date of the log.
  absl::CivilDay holdout_end;

  /// Transactions (log rows) on or before / after the observation end.
  int64_t calibration_transactions = 0;
  int64_t holdout_transactions = 0;
  /// Customers with no row because their first purchase is after the observation end.
  int64_t customers_first_seen_in_holdout = 0;
  /// Transactions after the holdout end (ignored); 0 without options.holdout_end.
  int64_t transactions_after_holdout_end = 0;

  /// Number of rows (customers with a calibration history).
  size_t size() const { return frequency.size(); }
};

/// Summarizes each customer of the per-customer view (see the file comment for the
/// conventions), one pass over its occasions in O(occasions + customers).
///
/// Errors: InvalidArgument for an empty view, an observation end before the log's first
/// date (naming both dates) or after 9999-12-31 (log dates have 4-digit years), a holdout
/// end without an observation end or before it (naming both dates);
/// OutOfRange when a customer's repeat or holdout total overflows int64 minor units.
absl::StatusOr<RfmSummary> SummarizeOccasions(const CustomerOccasions& occasions,
                                              const SummaryOptions& options);

/// The same, taking `occasions.customer_ids` for the summary instead of copying it
/// (millions of ids are hundreds of MB). On success the view's customer_ids is empty, while
/// its occasions, offsets, customer_count() and counts stay valid (for
/// SummarizePopulation); a later summary of that view is FailedPrecondition. On error the
/// view is unchanged.
absl::StatusOr<RfmSummary> SummarizeOccasions(CustomerOccasions&& occasions,
                                              const SummaryOptions& options);

/// GroupOccasions(log) then SummarizeOccasions(): for a caller that needs only the
/// summary. Errors: those of both.
absl::StatusOr<RfmSummary> SummarizeTransactions(const TransactionLog& log,
                                                 const SummaryOptions& options);

}  // namespace crmcore

#endif  // CRMCORE_RFM_SUMMARY_H_

// Each customer's purchase occasions: the transaction log grouped by customer ONCE, the
// one per-customer view that the RFM summary, the calibration/holdout split, the scoring
// and the population report all read (docs/domain.md §6.3; the "group once" rule of the
// main job's data flow).
//
// A purchase occasion is a customer-day: the transactions of one customer on one day are
// one occasion whose value is the sum of their amounts (negative amounts included), the
// convention of Fader, Hardie & Lee ("RFM and CLV", 2005) and of the `lifetimes` library.
// Occasions are stored as compressed rows (CSR): customer c owns entries
// [offset[c], offset[c + 1]) of `day`, `value` and `transactions`, in increasing day order.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_CUSTOMER_OCCASIONS_H_
#define CRMCORE_CUSTOMER_OCCASIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/transaction_log.h"

namespace crmcore {

/// The per-customer view of a transaction log (see the file comment).
struct CustomerOccasions {
  /// Interned customer ids, indexed like TransactionLog::customer_ids (first-seen order).
  std::vector<std::string> customer_ids;
  /// customer_count() + 1 entries; customer c's occasions are [offset[c], offset[c + 1]).
  /// A customer id without a loaded row (a hand-built log) owns an empty range.
  std::vector<size_t> offset;
  /// Per occasion: the day (days since 1970-01-01, calendar.h), strictly increasing
  /// within a customer.
  std::vector<int32_t> day;
  /// Per occasion: the sum of its transactions' amounts, in exact minor units.
  std::vector<int64_t> value;
  /// Per occasion: how many log rows it merges (>= 1).
  std::vector<uint32_t> transactions;

  /// The minor digits of the amounts (TransactionLog::minor_digits).
  int minor_digits = 2;
  /// First and last transaction day of the log (days since 1970-01-01).
  int32_t first_day = 0;
  int32_t last_day = 0;
  /// What the load read: data rows read and skipped (TransactionLog::rows_read,
  /// rows_skipped) and the transactions grouped here (the log's size()).
  int64_t rows_read = 0;
  int64_t rows_skipped = 0;
  int64_t transaction_count = 0;

  /// The number of customers (from `offset`, so it stays right after an rvalue
  /// SummarizeOccasions() or ScoreCustomers() has taken customer_ids).
  size_t customer_count() const { return offset.empty() ? 0 : offset.size() - 1; }
  size_t occasion_count() const { return day.size(); }
  /// Customer c's occasion days and values. Precondition: c < customer_count().
  absl::Span<const int32_t> days_of(size_t c) const {
    return absl::MakeConstSpan(day).subspan(offset[c], offset[c + 1] - offset[c]);
  }
  absl::Span<const int64_t> values_of(size_t c) const {
    return absl::MakeConstSpan(value).subspan(offset[c], offset[c + 1] - offset[c]);
  }
};

/// Groups `log` by customer: one counting-sort pass over the rows (file order kept within
/// a customer, so a log already in date order needs no sort), a stable sort by day of any
/// customer whose rows are out of date order, and same-day rows merged. O(rows +
/// customers) time plus those sorts; about 16 bytes a row beside the log.
///
/// Errors: InvalidArgument for an empty log, columns of different lengths, a customer
/// index outside customer_ids; OutOfRange when one customer's purchases on one day add
/// up past int64 minor units (naming the customer), or past 2^32 - 1 rows on one day.
absl::StatusOr<CustomerOccasions> GroupOccasions(const TransactionLog& log);

/// The same, consuming the log: its id strings and load counts move into the view and its
/// row columns are released once grouped, so a large log is not held twice.
absl::StatusOr<CustomerOccasions> GroupOccasions(TransactionLog&& log);

}  // namespace crmcore

#endif  // CRMCORE_CUSTOMER_OCCASIONS_H_

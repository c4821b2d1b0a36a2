// The per-customer view of a log (see include/crmcore/customer_occasions.h).
#include "crmcore/customer_occasions.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crmcore/status.h"

namespace crmcore {
namespace {

// One transaction, for sorting a customer's rows that are out of date order.
struct DatedAmount {
  int32_t day;
  int64_t amount;
};

absl::Status CheckColumns(const TransactionLog& log) {
  if (log.size() == 0) {
    return absl::InvalidArgumentError("rfm summary: the transaction log is empty");
  }
  if (log.customer.size() != log.size() || log.amount.size() != log.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rfm summary: log columns differ in length: customer ", log.customer.size(), ", day ",
        log.size(), ", amount ", log.amount.size()));
  }
  return absl::OkStatus();
}

// Counts each customer's rows into offset[c + 1] (then prefix-summed), checks the indices,
// finds the first and last day, and tells whether the rows are already grouped: each row's
// customer is the previous row's or the next new one (ids are interned in first-seen
// order, so CDNOW and most exports are grouped and need no scatter).
absl::StatusOr<bool> CountRows(const TransactionLog& log, CustomerOccasions& out) {
  const size_t customers = log.customer_ids.size();
  out.offset.assign(customers + 1, 0);
  bool grouped = true;
  size_t next_new = 0;
  int32_t first = std::numeric_limits<int32_t>::max();
  int32_t last = std::numeric_limits<int32_t>::min();
  for (size_t r = 0; r < log.size(); ++r) {
    const uint32_t c = log.customer[r];
    if (c >= customers) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rfm summary: customer index ", c, " is outside the ", customers, " customer ids"));
    }
    ++out.offset[c + 1];
    if (grouped && !(r > 0 && c == log.customer[r - 1])) {
      grouped = c == next_new;
      ++next_new;
    }
    first = std::min(first, log.day[r]);
    last = std::max(last, log.day[r]);
  }
  for (size_t c = 0; c < customers; ++c) out.offset[c + 1] += out.offset[c];
  out.first_day = first;
  out.last_day = last;
  return grouped;
}

absl::Status PurchasesOverflow(const TransactionLog& log, size_t customer, int32_t day) {
  return absl::OutOfRangeError(absl::StrCat(
      "customer \"", log.customer_ids[customer], "\": the purchases on ",
      absl::FormatCivilTime(ToCivilDay(day)), " add up past int64 minor units"));
}

// Merges one customer's `count` rows (sorted by day) into occasions written from `w` on;
// returns the new write position. Writing never overtakes reading (w <= the read index),
// so `days` and `amounts` may be the output columns themselves.
absl::StatusOr<size_t> MergeSameDay(const TransactionLog& log, size_t customer,
                                    const int32_t* days, const int64_t* amounts, size_t count,
                                    size_t w, CustomerOccasions& out) {
  for (size_t p = 0; p < count;) {
    const int32_t day = days[p];
    int64_t value = 0;
    uint32_t rows = 0;
    for (; p < count && days[p] == day; ++p) {
      if (__builtin_add_overflow(value, amounts[p], &value)) {
        return PurchasesOverflow(log, customer, day);
      }
      if (rows == std::numeric_limits<uint32_t>::max()) {
        return absl::OutOfRangeError(absl::StrCat(
            "customer \"", log.customer_ids[customer], "\": more than 2^32 - 1 rows on ",
            absl::FormatCivilTime(ToCivilDay(day))));
      }
      ++rows;
    }
    out.day[w] = day;
    out.value[w] = value;
    out.transactions[w] = rows;
    ++w;
  }
  return w;
}

absl::Status Group(const TransactionLog& log, CustomerOccasions& out) {
  CRM_RETURN_IF_ERROR(CheckColumns(log));
  CRM_ASSIGN_OR_RETURN(const bool grouped, CountRows(log, out));
  const size_t rows = log.size();
  out.day.resize(rows);
  out.value.resize(rows);
  out.transactions.resize(rows);
  // The rows as one contiguous run per customer: the log itself when it is grouped,
  // otherwise scattered (counting sort, file order kept within a customer) into the output
  // columns, which the merge below then compacts in place.
  const int32_t* days = log.day.data();
  const int64_t* amounts = log.amount.data();
  if (!grouped) {
    std::vector<size_t> cursor(out.offset.begin(), out.offset.end() - 1);
    for (size_t r = 0; r < rows; ++r) {
      const size_t to = cursor[log.customer[r]]++;
      out.day[to] = log.day[r];
      out.value[to] = log.amount[r];
    }
    days = out.day.data();
    amounts = out.value.data();
  }
  std::vector<DatedAmount> sorted;  // a customer's rows when they are out of date order
  std::vector<int32_t> sorted_days;
  std::vector<int64_t> sorted_amounts;
  size_t w = 0;
  for (size_t c = 0; c + 1 < out.offset.size(); ++c) {
    const size_t begin = out.offset[c];
    const size_t count = out.offset[c + 1] - begin;
    out.offset[c] = w;
    const int32_t* d = days + begin;
    const int64_t* a = amounts + begin;
    if (!std::is_sorted(d, d + count)) {
      sorted.clear();
      for (size_t p = 0; p < count; ++p) sorted.push_back({d[p], a[p]});
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const DatedAmount& x, const DatedAmount& y) { return x.day < y.day; });
      sorted_days.resize(count);
      sorted_amounts.resize(count);
      for (size_t p = 0; p < count; ++p) {
        sorted_days[p] = sorted[p].day;
        sorted_amounts[p] = sorted[p].amount;
      }
      d = sorted_days.data();
      a = sorted_amounts.data();
    }
    CRM_ASSIGN_OR_RETURN(w, MergeSameDay(log, c, d, a, count, w, out));
  }
  out.offset.back() = w;
  out.day.resize(w);
  out.value.resize(w);
  out.transactions.resize(w);
  // Logs of line items (several rows per order) merge a lot: give the slack back.
  if (w < rows / 4 * 3) {
    out.day.shrink_to_fit();
    out.value.shrink_to_fit();
    out.transactions.shrink_to_fit();
  }
  out.minor_digits = log.minor_digits;
  out.rows_read = log.rows_read;
  out.rows_skipped = log.rows_skipped;
  out.transaction_count = static_cast<int64_t>(rows);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CustomerOccasions> GroupOccasions(const TransactionLog& log) {
  CustomerOccasions out;
  CRM_RETURN_IF_ERROR(Group(log, out));
  out.customer_ids = log.customer_ids;
  return out;
}

absl::StatusOr<CustomerOccasions> GroupOccasions(TransactionLog&& log) {
  CustomerOccasions out;
  CRM_RETURN_IF_ERROR(Group(log, out));
  out.customer_ids = std::move(log.customer_ids);
  // Release the row columns now rather than when the caller drops the log.
  std::vector<uint32_t>().swap(log.customer);
  std::vector<int32_t>().swap(log.day);
  std::vector<int64_t>().swap(log.amount);
  std::vector<int64_t>().swap(log.quantity);
  std::vector<int64_t>().swap(log.margin);
  return out;
}

}  // namespace crmcore

// Fuzz target: CSV / whitespace transaction-log ingest (crmcore/transaction_log.h) and the
// per-customer summary built from it (crmcore/rfm_summary.h).
//
// Input layout: 4 option bytes, then the file's bytes.
//   byte 0: delimiter: % 5 -> ',' ';' '\t' '|' or whitespace-delimited (CDNOW layout)
//   byte 1: bit 0 header row, bit 1 lenient, bit 2 quantity column, bit 3 margin column,
//           bit 4 date format %Y%m%d (else %Y-%m-%d), bit 5 split calibration/holdout,
//           bit 6 short max_line_bytes, bit 7 CDNOW columns (id, date, qty, amount;
//           with a header: number_of_cds, dollar_value)
//   byte 2: max_line_bytes - 1 when bit 6 is set; max_reported_errors (% 4)
//   byte 3: observation end as an offset from the first day (bit 5); unit (% 3)
//
// Invariants: both record splitters (the bit-mask fast path and the general state
// machine) give the same result or the same error; so does a parallel load
// (TransactionLogOptions::threads = 2 to 5, chosen by the input's size) forced to
// split even this small input, whether it merges its chunks or falls back; an error has a message; a load has
// columns of equal length, rows_read = size + rows_skipped, dense customer indices,
// distinct non-empty ids, no skipped rows unless lenient; and its summary agrees with
// an independent per-customer recount (occasions, exact repeat value, recency, T), with
// no NaN or Inf anywhere; and a row of more fields than the header is never loaded.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crmcore/rfm_summary.h"
#include "crmcore/transaction_log.h"
#include "fuzz_common.h"
#include "io/transaction_log_internal.h"

namespace crmcore::fuzz {
namespace {

using Int128 = __int128;

TransactionLogOptions OptionsFrom(FuzzInput& in) {
  const uint8_t b0 = in.Byte(), b1 = in.Byte(), b2 = in.Byte();
  TransactionLogOptions options;
  static constexpr char kDelimiters[] = {',', ';', '\t', '|'};
  if (b0 % 5 == 4) {
    options.whitespace_delimited = true;
  } else {
    options.delimiter = kDelimiters[b0 % 5];
  }
  options.has_header = (b1 & 1) != 0;
  options.lenient = (b1 & 2) != 0;
  options.date_format = (b1 & 16) != 0 ? "%Y%m%d" : "%Y-%m-%d";
  if ((b1 & 64) != 0) options.max_line_bytes = size_t{b2} + 1;
  options.max_reported_errors = b2 % 4;
  const bool cdnow_order = (b1 & 128) != 0;
  if (options.has_header) {
    options.customer = ColumnRef::Named("customer_id");
    options.date = ColumnRef::Named("date");
    options.amount = ColumnRef::Named(cdnow_order ? "dollar_value" : "amount");
    if ((b1 & 4) != 0) {
      options.quantity = ColumnRef::Named(cdnow_order ? "number_of_cds" : "quantity");
    }
    if ((b1 & 8) != 0) options.margin = ColumnRef::Named("margin");
  } else {
    options.customer = ColumnRef::At(1);
    options.date = ColumnRef::At(2);
    options.amount = ColumnRef::At(cdnow_order ? 4 : 3);
    if ((b1 & 4) != 0) options.quantity = ColumnRef::At(cdnow_order ? 3 : 4);
    if ((b1 & 8) != 0) options.margin = ColumnRef::At(5);
  }
  return options;
}

void CheckSameResult(const absl::StatusOr<TransactionLog>& fast,
                     const absl::StatusOr<TransactionLog>& general) {
  CRM_FUZZ_CHECK(fast.ok() == general.ok(),
                 absl::StrCat("loads disagree: ", fast.status().ToString(),
                              " vs ", general.status().ToString()));
  if (!fast.ok()) {
    CRM_FUZZ_CHECK(fast.status() == general.status(),
                   absl::StrCat("fast ", fast.status().ToString(), " vs general ",
                                general.status().ToString()));
    return;
  }
  const TransactionLog& a = *fast;
  const TransactionLog& b = *general;
  CRM_FUZZ_CHECK(a.customer == b.customer && a.customer_ids == b.customer_ids && a.day == b.day &&
                     a.amount == b.amount && a.quantity == b.quantity && a.margin == b.margin &&
                     a.rows_read == b.rows_read && a.rows_skipped == b.rows_skipped &&
                     a.skipped.size() == b.skipped.size(),
                 "the two loads (fast/general splitter, or parallel/sequential) differ");
  for (size_t i = 0; i < a.skipped.size(); ++i) {
    const RowError& x = a.skipped[i];
    const RowError& y = b.skipped[i];
    CRM_FUZZ_CHECK(x.line == y.line && x.column == y.column && x.field == y.field &&
                       x.reason == y.reason && x.text == y.text,
                   absl::StrCat("skipped row ", i, " differs: ", x.reason, " vs ", y.reason));
  }
}

void CheckLog(const TransactionLog& log, const TransactionLogOptions& options) {
  const size_t n = log.size();
  CRM_FUZZ_CHECK(n > 0, "a successful load has at least one transaction");
  CRM_FUZZ_CHECK(log.customer.size() == n && log.amount.size() == n,
                 "columns of unequal length");
  CRM_FUZZ_CHECK(log.quantity.size() == (options.quantity ? n : 0), "quantity column length");
  CRM_FUZZ_CHECK(log.margin.size() == (options.margin ? n : 0), "margin column length");
  CRM_FUZZ_CHECK(log.rows_skipped >= 0 &&
                     log.rows_read == static_cast<int64_t>(n) + log.rows_skipped,
                 absl::StrCat("rows_read ", log.rows_read, " != kept ", n, " + skipped ",
                              log.rows_skipped));
  CRM_FUZZ_CHECK(options.lenient || log.rows_skipped == 0, "strict mode skipped a row");
  CRM_FUZZ_CHECK(log.skipped.size() ==
                     std::min<size_t>(options.max_reported_errors,
                                      static_cast<size_t>(log.rows_skipped)),
                 absl::StrCat("reported ", log.skipped.size(), " of ", log.rows_skipped,
                              " skipped rows with max_reported_errors ",
                              options.max_reported_errors));
  for (const RowError& error : log.skipped) {
    CRM_FUZZ_CHECK(!error.reason.empty() && !error.field.empty() && error.line >= 1,
                   "a skipped row is described");
  }
  CRM_FUZZ_CHECK(log.minor_digits == options.minor_digits, "minor digits");
  absl::flat_hash_set<std::string> ids;
  for (const std::string& id : log.customer_ids) {
    CRM_FUZZ_CHECK(!id.empty(), "empty customer id loaded");
    CRM_FUZZ_CHECK(ids.insert(id).second, absl::StrCat("customer id interned twice: ", id));
  }
  std::vector<bool> seen(log.customer_ids.size(), false);
  for (size_t i = 0; i < n; ++i) {
    CRM_FUZZ_CHECK(log.customer[i] < log.customer_ids.size(), "customer index out of range");
    // Ids are interned in order of first appearance.
    if (!seen[log.customer[i]]) {
      CRM_FUZZ_CHECK(log.customer[i] == 0 || seen[log.customer[i] - 1],
                     "ids not in order of first appearance");
      seen[log.customer[i]] = true;
    }
  }
  CRM_FUZZ_CHECK(std::all_of(seen.begin(), seen.end(), [](bool b) { return b; }),
                 "an interned customer has no row");
}

// Recounts the summary from the log, customer by customer, in exact integers.
void CheckSummary(const TransactionLog& log, const SummaryOptions& options,
                  const RfmSummary& summary) {
  const int32_t end = ToDayNumber(summary.observation_end);
  struct Recount {
    std::map<int32_t, Int128> occasions;  // day -> value, calibration and holdout
  };
  std::vector<Recount> per_customer(log.customer_count());
  for (size_t i = 0; i < log.size(); ++i) {
    per_customer[log.customer[i]].occasions[log.day[i]] += log.amount[i];
  }
  int64_t calibration_rows = 0;
  for (size_t i = 0; i < log.size(); ++i) calibration_rows += log.day[i] <= end ? 1 : 0;
  CRM_FUZZ_CHECK(summary.calibration_transactions == calibration_rows &&
                     summary.holdout_transactions ==
                         static_cast<int64_t>(log.size()) - calibration_rows,
                 "calibration + holdout transactions != log rows");
  CRM_FUZZ_CHECK(summary.size() + static_cast<size_t>(summary.customers_first_seen_in_holdout) ==
                     log.customer_count(),
                 "summary rows + customers first seen in holdout != customers");
  const size_t rows = summary.size();
  CRM_FUZZ_CHECK(summary.customer_ids.size() == rows && summary.customer.size() == rows &&
                     summary.recency.size() == rows && summary.T.size() == rows &&
                     summary.monetary_value.size() == rows &&
                     summary.repeat_value_minor.size() == rows,
                 "summary columns of unequal length");
  const double days_per_unit = DaysPerUnit(options.unit);
  double scale = 1.0;
  for (int i = 0; i < summary.minor_digits; ++i) scale *= 10.0;
  for (size_t row = 0; row < rows; ++row) {
    const uint32_t c = summary.customer[row];
    CRM_FUZZ_CHECK(c < log.customer_count() && summary.customer_ids[row] == log.customer_ids[c],
                   "summary row names the wrong customer");
    const auto& occasions = per_customer[c].occasions;
    int64_t calibration = 0, holdout = 0;
    Int128 repeat_value = 0, holdout_value = 0;
    int32_t first = 0, last = 0;
    for (const auto& [day, value] : occasions) {
      if (day <= end) {
        if (calibration == 0) {
          first = day;
        } else {
          repeat_value += value;
        }
        last = day;
        ++calibration;
      } else {
        ++holdout;
        holdout_value += value;
      }
    }
    CRM_FUZZ_CHECK(calibration >= 1, "a summary row without a calibration occasion");
    CRM_FUZZ_CHECK(summary.frequency[row] == calibration - 1,
                   absl::StrCat("row ", row, ": frequency ", summary.frequency[row], " vs ",
                                calibration - 1, " recounted"));
    CRM_FUZZ_CHECK(static_cast<Int128>(summary.repeat_value_minor[row]) == repeat_value,
                   absl::StrCat("row ", row, ": repeat value differs from the recount"));
    const double recency = summary.recency[row], T = summary.T[row];
    const double monetary = summary.monetary_value[row];
    CRM_FUZZ_CHECK(IsFinite(recency) && IsFinite(T) && IsFinite(monetary),
                   absl::StrCat("row ", row, ": non-finite summary value"));
    CRM_FUZZ_CHECK(recency >= 0.0 && recency <= T, absl::StrCat("row ", row, ": 0 <= t_x <= T"));
    const double want_recency = static_cast<double>(last - first) / days_per_unit;
    const double want_T = static_cast<double>(end - first) / days_per_unit;
    CRM_FUZZ_CHECK(std::fabs(recency - want_recency) <= 1e-9 * (1.0 + want_recency) &&
                       std::fabs(T - want_T) <= 1e-9 * (1.0 + want_T),
                   absl::StrCat("row ", row, ": recency/T ", recency, "/", T, " vs ",
                                want_recency, "/", want_T));
    const double want_monetary =
        calibration > 1 ? static_cast<double>(repeat_value) /
                              static_cast<double>(calibration - 1) / scale
                        : 0.0;
    CRM_FUZZ_CHECK(std::fabs(monetary - want_monetary) <= 1e-9 * (1.0 + std::fabs(want_monetary)),
                   absl::StrCat("row ", row, ": monetary ", monetary, " vs ", want_monetary));
    if (summary.has_holdout) {
      CRM_FUZZ_CHECK(summary.holdout_frequency[row] == holdout &&
                         static_cast<Int128>(summary.holdout_value_minor[row]) == holdout_value &&
                         IsFinite(summary.holdout_monetary_value[row]),
                     absl::StrCat("row ", row, ": holdout differs from the recount"));
    } else {
      CRM_FUZZ_CHECK(holdout == 0, "holdout occasions but has_holdout is false");
    }
  }
}

// The field-count invariant: a row with another field count than the header is never
// loaded. The input plus a row of 67 fields (more than a fuzzed header has, short of one
// of exactly 67) loads no further row: a strict load fails, a lenient one skips it.
void CheckExtraFieldsRowIsRefused(absl::string_view bytes, const TransactionLogOptions& options,
                                  const TransactionLog& loaded) {
  if (!options.has_header || loaded.size() == 0) return;
  std::string with_row(bytes);
  with_row += '\n';
  for (int k = 0; k < 67; ++k) {
    if (k > 0) with_row += options.whitespace_delimited ? ' ' : options.delimiter;
    with_row += "x1";
  }
  with_row += '\n';
  const absl::StatusOr<TransactionLog> again =
      LoadTransactionLogFromBuffer(with_row, "fuzz.csv", options);
  if (options.lenient) {
    CRM_FUZZ_CHECK(!again.ok() || again->size() == loaded.size(),
                   "lenient: a row of 67 fields was loaded");
  } else {
    CRM_FUZZ_CHECK(!again.ok(), "strict: a row of 67 fields was loaded");
  }
}

}  // namespace
}  // namespace crmcore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crmcore;
  using namespace crmcore::fuzz;
  FuzzInput in(data, size);
  const TransactionLogOptions options = OptionsFrom(in);
  const uint8_t b3 = in.Byte();
  const absl::string_view bytes = in.Rest();

  const absl::StatusOr<TransactionLog> fast = internal::LoadTransactionLogFromBufferWith(
      bytes, "fuzz.csv", options, internal::RecordSplitter::kFastWhenPlain);
  const absl::StatusOr<TransactionLog> general = internal::LoadTransactionLogFromBufferWith(
      bytes, "fuzz.csv", options, internal::RecordSplitter::kGeneralOnly);
  CheckSameResult(fast, general);
  {
    TransactionLogOptions parallel_options = options;
    parallel_options.threads = 2 + static_cast<unsigned>(size % 4);
    internal::IngestTuning small_chunks;
    small_chunks.parallel_min_bytes = 0;
    small_chunks.parallel_min_chunk_bytes = 1;
    small_chunks.merge_min_ids_per_thread = 1;
    const absl::StatusOr<TransactionLog> parallel =
        internal::LoadTransactionLogFromBufferWith(bytes, "fuzz.csv", parallel_options,
                                                   small_chunks);
    CheckSameResult(parallel, fast);
  }
  if (!fast.ok()) {
    CRM_FUZZ_CHECK(!fast.status().message().empty(), "an error without a message");
    return 0;
  }
  CheckLog(*fast, options);
  CheckExtraFieldsRowIsRefused(bytes, options, *fast);

  SummaryOptions summary_options;
  summary_options.unit = static_cast<TimeUnit>(b3 % 3);
  if ((size > 1 && (data[1] & 32) != 0)) {
    const int32_t first = *std::min_element(fast->day.begin(), fast->day.end());
    summary_options.observation_end = ToCivilDay(first + (b3 >> 2));
  }
  const absl::StatusOr<RfmSummary> summary = SummarizeTransactions(*fast, summary_options);
  const bool end_after_9999 = summary_options.observation_end.has_value() &&
                              *summary_options.observation_end > absl::CivilDay(9999, 12, 31);
  CRM_FUZZ_CHECK(!end_after_9999 || !summary.ok(), "an observation end after 9999-12-31 was accepted");
  if (!summary.ok()) {
    CRM_FUZZ_CHECK(!summary.status().message().empty(), "an error without a message");
    // An observation end chosen past 9999-12-31 is an invalid option; otherwise the only
    // data error left after a load is a customer's total beyond int64.
    if (end_after_9999) {
      CRM_FUZZ_CHECK(summary.status().code() == absl::StatusCode::kInvalidArgument &&
                         absl::StrContains(summary.status().message(), "is after 9999-12-31"),
                     summary.status().ToString());
    } else {
      CRM_FUZZ_CHECK(summary.status().code() == absl::StatusCode::kOutOfRange,
                     summary.status().ToString());
    }
    return 0;
  }
  CheckSummary(*fast, summary_options, *summary);
  return 0;
}

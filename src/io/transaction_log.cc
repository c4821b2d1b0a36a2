// Transaction-log ingest (see include/crmcore/transaction_log.h for the contract): the
// options and the in-memory entry points. The rest of the loader:
//   transaction_log_fields.{h,cc}    dates, amounts and quoted text, per field;
//   id_interner.{h,cc}               customer ids to dense indices;
//   record_loader.{h,cc}             records to rows over a window of bytes (Loader);
//   transaction_log_file.cc          the chunked file reader (LoadTransactionLog);
//   transaction_log_parallel.{h,cc}  split at line starts, parse per thread, merge.
#include "crmcore/transaction_log.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "crmcore/money.h"
#include "crmcore/status.h"
#include "io/record_loader.h"
#include "io/transaction_log_fields.h"
#include "io/transaction_log_internal.h"
#include "io/transaction_log_parallel.h"

namespace crmcore {

using internal::DateFormat;
using internal::QuotedText;

namespace {

// The most TransactionLogOptions::threads accepts, as the engine's options do.
constexpr unsigned kMaxThreads = 1024;

}  // namespace

// ---------------------------------------------------------------------------
// ColumnRef, options, day numbers.

ColumnRef ColumnRef::Named(std::string header_name) {
  ColumnRef ref;
  ref.name = std::move(header_name);
  return ref;
}

ColumnRef ColumnRef::At(size_t one_based_index) {
  ColumnRef ref;
  ref.index = one_based_index;
  return ref;
}

absl::StatusOr<ColumnRef> ColumnRef::Parse(absl::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError(
        "column: \"\" is empty, expected a header name or a 1-based index");
  }
  if (std::all_of(text.begin(), text.end(), absl::ascii_isdigit)) {
    size_t index = 0;
    if (!absl::SimpleAtoi(text, &index) || index == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "column: \"", text, "\" is not a valid 1-based column index"));
    }
    return At(index);
  }
  return Named(std::string(text));
}

std::string ColumnRef::ToString() const {
  if (index > 0) return absl::StrCat("column ", index);
  return absl::StrCat("column '", name, "'");
}

absl::Status TransactionLogOptions::Validate() const {
  if (!whitespace_delimited &&
      (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || delimiter == '\0')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "transaction log options: delimiter ", QuotedText(absl::string_view(&delimiter, 1)),
        " cannot separate fields; use ',', ';', '\\t', '|' or whitespace_delimited"));
  }
  CRM_RETURN_IF_ERROR(DateFormat::Compile(date_format).status());
  CRM_RETURN_IF_ERROR(ValidateMinorDigits(minor_digits));
  if (max_line_bytes == 0) {
    return absl::InvalidArgumentError(
        "transaction log options: max_line_bytes must be > 0, got 0");
  }
  if (threads > kMaxThreads) {
    return absl::InvalidArgumentError(absl::StrCat(
        "transaction log options: threads must be in [0, ", kMaxThreads, "], got ", threads));
  }
  const auto check = [](const ColumnRef& ref, const char* field) {
    if (ref.index == 0 && ref.name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "transaction log options: column of field '", field,
          "' has neither a name nor a 1-based index"));
    }
    return absl::OkStatus();
  };
  CRM_RETURN_IF_ERROR(check(customer, "customer"));
  CRM_RETURN_IF_ERROR(check(date, "date"));
  CRM_RETURN_IF_ERROR(check(amount, "amount"));
  if (quantity) CRM_RETURN_IF_ERROR(check(*quantity, "quantity"));
  if (margin) CRM_RETURN_IF_ERROR(check(*margin, "margin"));
  return absl::OkStatus();
}
absl::StatusOr<TransactionLog> internal::LoadTransactionLogFromBufferWith(
    absl::string_view bytes, absl::string_view source_name,
    const TransactionLogOptions& options, const IngestTuning& tuning) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_ASSIGN_OR_RETURN(DateFormat date, DateFormat::Compile(options.date_format));
  if (tuning.stats != nullptr) *tuning.stats = IngestStats{};
  const BufferInput input(bytes);
  if (std::optional<TransactionLog> log =
          LoadInParallel(input, source_name, options, date, tuning)) {
    return *std::move(log);
  }
  if (tuning.stats != nullptr) tuning.stats->chunks = 1;
  const size_t min_row_bytes = MinRowBytes(options, date);
  Loader loader(options, source_name, std::move(date), tuning.splitter);
  // A first estimate of the row count from the first 64 KiB spares regrowing columns.
  const size_t probe = std::min(bytes.size(), size_t{1} << 16);
  const auto probe_rows = static_cast<size_t>(
      std::count(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(probe), '\n'));
  loader.Reserve(EstimateRows(probe, probe_rows, bytes.size(), min_row_bytes));
  CRM_RETURN_IF_ERROR(loader.ParseWindow(bytes.data(), bytes.size(), /*eof=*/true).status());
  return std::move(loader).Finish(static_cast<int64_t>(bytes.size()));
}

absl::StatusOr<TransactionLog> internal::LoadTransactionLogFromBufferWith(
    absl::string_view bytes, absl::string_view source_name,
    const TransactionLogOptions& options, RecordSplitter splitter) {
  IngestTuning tuning;
  tuning.splitter = splitter;
  return LoadTransactionLogFromBufferWith(bytes, source_name, options, tuning);
}

absl::StatusOr<TransactionLog> LoadTransactionLogFromBuffer(
    absl::string_view bytes, absl::string_view source_name,
    const TransactionLogOptions& options) {
  return internal::LoadTransactionLogFromBufferWith(bytes, source_name, options,
                                                    internal::IngestTuning{});
}

}  // namespace crmcore

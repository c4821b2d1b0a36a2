// Transaction-log ingest: a CSV or whitespace-separated file of (customer, date, amount)
// rows loaded into columns (docs/domain.md §1 transactions, §9 money).
//
// The loader reads in one pass over fixed-size chunks, so memory is bounded by the
// columns it builds plus one chunk and one line (max_line_bytes) per thread, whatever
// the file holds. A large input is parsed on several threads (see
// TransactionLogOptions::threads): each builds the columns of its part, which are then
// appended to the first part's, so the peak holds the columns and, briefly, a copy of
// the later parts' columns and ids. Amounts are parsed digit by digit into exact minor units (no binary float),
// customer ids are interned once into dense indices, and dates become day numbers.
//
// Strict by default: the first bad row stops the load with an InvalidArgument whose
// message reads "FILE:LINE:COLUMN: field 'date': cannot parse \"1997x\" with format
// %Y%m%d". In lenient mode rows with a bad value are skipped, counted and the first
// few reported; damage to the file's structure (unterminated quote, NUL byte, a line
// longer than max_line_bytes) stops the load in both modes, because what follows it
// cannot be read reliably.
//
// Part of the compiled library (crmcore::crmcore), not the header-only core.
#ifndef CRMCORE_TRANSACTION_LOG_H_
#define CRMCORE_TRANSACTION_LOG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "crmcore/calendar.h"  // ToDayNumber, ToCivilDay: the encoding of TransactionLog::day

namespace crmcore {

/// A column of the log, named by its header text or by its 1-based position.
///
/// Exactly one of the two is set: `index` > 0 selects by position (and works with or
/// without a header row), otherwise `name` selects by an exact match of a header cell.
struct ColumnRef {
  /// The header cell to match exactly, used when `index` is 0.
  std::string name;
  /// 1-based column position; 0 means "by name".
  size_t index = 0;

  /// A reference by header name.
  static ColumnRef Named(std::string header_name);
  /// A reference by 1-based position.
  static ColumnRef At(size_t one_based_index);

  /// Parses command-line text: all decimal digits select a position ("3" is column 3;
  /// "0" is rejected), anything else non-empty is a header name. InvalidArgument for
  /// empty text or "0".
  static absl::StatusOr<ColumnRef> Parse(absl::string_view text);

  /// "column 3" or "column 'customer_id'", for messages.
  std::string ToString() const;
};

/// How to read a transaction log. Plain struct: fields may be added, existing ones
/// keep their meaning and defaults.
struct TransactionLogOptions {
  /// Field separator when `whitespace_delimited` is false (',' CSV, '\t' TSV, ';' ...).
  /// Must not be '"', '\r', '\n' or NUL.
  char delimiter = ',';
  /// Fields are separated by runs of spaces and tabs, and leading/trailing blanks are
  /// ignored (the CDNOW files' layout). Overrides `delimiter`.
  bool whitespace_delimited = false;
  /// The first non-blank line names the columns.
  bool has_header = true;

  /// The customer id column (text, UTF-8, non-empty; kept verbatim).
  ColumnRef customer = ColumnRef::Named("customer_id");
  /// The transaction date column, read with `date_format`.
  ColumnRef date = ColumnRef::Named("date");
  /// The transaction amount column: an exact decimal ("12.34", "-5", "+0.5").
  ColumnRef amount = ColumnRef::Named("amount");
  /// Optional item count column: an integer ("3", "-1" for a return).
  std::optional<ColumnRef> quantity;
  /// Optional margin/profit column (docs/domain.md §1): an exact decimal like `amount`.
  std::optional<ColumnRef> margin;

  /// strftime-style date layout. Supported conversions: %Y (4 digits), %m and %d (2
  /// digits each), %% (a literal '%'); every other character must match literally.
  /// Each of %Y, %m, %d must appear exactly once. "%Y-%m-%d" is ISO 8601; CDNOW uses
  /// "%Y%m%d". A purpose-built parser, not absl::ParseTime, because it runs per row.
  std::string date_format = "%Y-%m-%d";
  /// Minor digits of the currency (2 for USD/EUR, 0 for JPY); amounts with more
  /// non-zero fraction digits are rejected rather than rounded (docs/domain.md §9).
  int minor_digits = 2;

  /// Skip rows with a bad value instead of stopping (see the file comment).
  bool lenient = false;
  /// How many skipped rows lenient mode describes in TransactionLog::skipped; all of
  /// them are counted in rows_skipped regardless.
  size_t max_reported_errors = 10;
  /// Longest accepted record in bytes (line terminator excluded). A longer one is an
  /// error found after reading at most this many bytes of it, so a corrupt multi-GiB
  /// "line" costs bounded memory. Must be > 0.
  size_t max_line_bytes = size_t{1} << 20;

  /// Threads that parse a large input (at least 8 MiB) in parallel: 0 (the default)
  /// uses every hardware thread, 1 always loads sequentially. The input is cut into
  /// one chunk per thread at line starts, each parsed on its own thread, and the
  /// chunks merged; the result is the sequential load's in every field (rows in file
  /// order, ids in first-seen order, counts, skipped rows, and on a bad row the same
  /// error). When a cut turns out not to be a record boundary (a quoted field holding
  /// a newline) or any chunk meets an error, the load is redone sequentially, so an
  /// error costs up to twice the time of a sequential load. At most 1024.
  unsigned threads = 0;

  /// Called by LoadTransactionLog after each chunk it reads (about every MiB) with the
  /// bytes read so far and the file's size (0 when unknown, e.g. a pipe); for a progress
  /// display. Empty: not called. Runs on the calling thread; must not throw. A parallel
  /// load reports the bytes all its threads have read; one that is redone
  /// sequentially starts again from 0.
  std::function<void(int64_t bytes_read, int64_t bytes_total)> progress;

  /// OK, or InvalidArgument naming the first bad option (delimiter, date_format,
  /// minor_digits, max_line_bytes, threads, an empty or zero ColumnRef).
  absl::Status Validate() const;
};

/// One row that lenient mode skipped.
struct RowError {
  /// 1-based line where the row begins.
  int64_t line = 0;
  /// 1-based byte offset of the offending field within its row (the row's end for a
  /// missing column).
  size_t column = 0;
  /// The option that selects the field: "customer", "date", "amount", "quantity",
  /// "margin"; or "columns" for a row whose field count is not the header's (a row with
  /// an extra field, such as an unquoted "1,234.56", would otherwise be read shifted).
  std::string field;
  /// Why the value was rejected.
  std::string reason;
  /// The offending text (empty for a missing column).
  std::string text;
};

/// A loaded transaction log, as columns of equal length (one entry per transaction,
/// in file order).
struct TransactionLog {
  /// Per row: index into `customer_ids`.
  std::vector<uint32_t> customer;
  /// Interned customer ids in order of first appearance.
  std::vector<std::string> customer_ids;
  /// Per row: the date as days since 1970-01-01 (see ToCivilDay); 4 bytes a row.
  std::vector<int32_t> day;
  /// Per row: the amount in exact minor units of the currency.
  std::vector<int64_t> amount;
  /// Per row when the quantity column was requested; empty otherwise.
  std::vector<int64_t> quantity;
  /// Per row, in minor units, when the margin column was requested; empty otherwise.
  std::vector<int64_t> margin;
  /// The minor digits the amounts were read with.
  int minor_digits = 2;

  /// Data rows read (blank lines and the header excluded), loaded or skipped.
  int64_t rows_read = 0;
  /// Rows lenient mode skipped; rows_read - rows_skipped == size().
  int64_t rows_skipped = 0;
  /// The first max_reported_errors skipped rows, in file order.
  std::vector<RowError> skipped;

  /// Number of loaded transactions.
  size_t size() const { return day.size(); }
  /// Number of distinct customers.
  size_t customer_count() const { return customer_ids.size(); }
};

/// Loads the log at `path`, reading it in 1 MiB chunks.
///
/// Errors: NotFound / PermissionDenied (or the errno's code, e.g. FailedPrecondition for
/// a directory) naming the path and the system's reason when it cannot be opened; DataLoss
/// (an I/O error such as EIO) when its bytes cannot be read; InvalidArgument for bad options,
/// an empty file, a log with no transactions (header only, or every row skipped),
/// and every bad row or structural problem, as "PATH:LINE:COLUMN: ..." (see the file
/// comment); OutOfRange past 2^32 - 1 distinct customers.
absl::StatusOr<TransactionLog> LoadTransactionLog(const std::string& path,
                                                  const TransactionLogOptions& options);

/// Loads a log held in memory. `source_name` stands for the path in messages.
/// Same contract as LoadTransactionLog; `bytes` is only borrowed for the call.
absl::StatusOr<TransactionLog> LoadTransactionLogFromBuffer(
    absl::string_view bytes, absl::string_view source_name,
    const TransactionLogOptions& options);

}  // namespace crmcore

#endif  // CRMCORE_TRANSACTION_LOG_H_

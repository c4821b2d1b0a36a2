// Private to the compiled library: the record loader of the transaction-log reader.
//
// A Loader owns the columns being built and walks a window of bytes record by record:
// it splits records into fields (a bit-mask fast path for plain records, a general
// state machine for quotes, CRLF and the rest), resolves the header, parses each row's
// fields and interns its customer id. It does no I/O: the sequential reader of
// transaction_log_file.cc and transaction_log.cc feeds it windows, and the parallel
// reader of transaction_log_parallel.cc runs one per chunk of the input and merges
// them with Absorb.
#ifndef CRMCORE_IO_RECORD_LOADER_H_
#define CRMCORE_IO_RECORD_LOADER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crmcore/transaction_log.h"
#include "io/id_interner.h"
#include "io/transaction_log_fields.h"
#include "io/transaction_log_internal.h"

namespace crmcore::internal {

// A field of the current record: a slice of the input window, or of the scratch
// string when it held doubled quotes that had to be unescaped.
struct FieldSpan {
  size_t begin;
  size_t size;
  size_t column;  // 1-based byte offset of the field in its record.
  bool in_scratch;
};

// Why a row was rejected; built only on the error path.
struct RowProblem {
  const char* field;
  size_t column;
  std::string reason;
  absl::string_view text;
};

enum class Step { kRecord, kBlank, kNeedMore };

class Loader {
 public:
  Loader(const TransactionLogOptions& options, absl::string_view source, DateFormat date,
         RecordSplitter splitter = RecordSplitter::kFastWhenPlain);
  // The interner refers to the id list inside the loader: neither copied nor moved.
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Parses every complete record of data[0, size). With `eof` the window is the rest
  // of the input; otherwise a record cut at the end is left for the next call.
  // Returns how many bytes were consumed.
  absl::StatusOr<size_t> ParseWindow(const char* data, size_t size, bool eof);

  // From now on ParseWindow stops right after the header record, so that the bytes it
  // returns are those up to the first data row.
  void StopAfterHeader() { stop_after_header_ = true; }
  bool header_done() const { return header_done_; }

  // Makes this fresh loader read the bytes that follow a record boundary of the
  // input that `header` reached (its header resolved), counting lines from
  // `first_line`: the parallel reader's chunks. No byte-order mark is looked for.
  void ContinueAfter(const Loader& header, int64_t first_line);

  // Appends what `later` loaded from the bytes right after this loader's (its lines
  // counted from 1, shifted here): its rows with their customer indices remapped to
  // this loader's first-seen order, its ids not seen here, its counts and skipped
  // rows. Looks its ids up on up to `threads` threads, each given at least
  // `min_ids_per_thread` of them. False when the
  // merged ids would come near the 2^32 - 1 limit, whose error only a sequential load
  // reports faithfully.
  bool Absorb(Loader&& later, unsigned threads, size_t min_ids_per_thread);

  absl::StatusOr<TransactionLog> Finish(int64_t total_bytes) &&;

  // Pre-sizes the columns once the density of the input is known.
  void Reserve(size_t expected_rows);
  int64_t rows_read() const { return log_.rows_read; }
  // The line where the next record begins.
  int64_t line() const { return line_; }

 private:
  static constexpr size_t kUnresolved = std::numeric_limits<size_t>::max();

  absl::StatusOr<size_t> ParseRecords(const char* data, size_t size, bool eof);

  bool IsBlank(char c) const {
    return options_.whitespace_delimited && (c == ' ' || c == '\t');
  }

  absl::Status LineTooLong() const;
  absl::Status StructureError(size_t column, absl::string_view what) const;

  // The fast path of Tokenize, for the common record: its '\n' within 64 bytes, at
  // least one field, and no quote, '\r' (but a CRLF ending) or NUL. Such a record is
  // split from bit masks of one classifying pass, with no branch per byte. Returns
  // false, having changed nothing the caller reads, for any other record, which
  // Tokenize then handles; where both apply they give the same fields, `next`,
  // record_newlines_ and record_content_bytes_ (the differential test checks that).
  bool SplitPlainRecord(const char* data, size_t size, size_t pos, size_t& next);

  // Splits the record starting at data[pos] into fields_. Sets `next` to the first
  // byte after its terminator, record_newlines_ and record_content_bytes_.
  absl::StatusOr<Step> Tokenize(const char* data, size_t size, size_t pos, bool eof,
                                size_t& next);

  absl::string_view FieldText(const char* data, const FieldSpan& field) const {
    return absl::string_view((field.in_scratch ? scratch_.data() : data) + field.begin,
                             field.size);
  }

  absl::Status ProcessRecord(const char* data);

  // Parses one data row and appends it to the columns; false with `problem` set when
  // a value is bad (nothing is appended then).
  bool ParseRow(const char* data, RowProblem& problem);

  // The id of the last loaded row; the log must not be empty.
  absl::string_view PreviousId() const {
    if (!pending_ids_.empty()) return pending_ids_.back().text;
    return log_.customer_ids[log_.customer.back()];
  }

  // Interns the batch of deferred ids in row order (so indices stay in first-seen
  // order) and replaces the batch-local indices of their rows by the interned ones.
  // Called before the window the ids point into changes.
  void ResolvePendingIds();

  bool ParseAmount(const char* name, absl::string_view text, size_t column, int64_t& out,
                   RowProblem& problem) const;

  // Column positions when there is no header: every reference must be an index.
  void ResolvePositionsOnly();
  absl::Status ResolveHeader(const char* data);

  const TransactionLogOptions& options_;
  const absl::string_view source_;
  DateFormat date_;
  // Line and "field 'f': reason" of the first row lenient mode skipped.
  int64_t first_skipped_line_ = 0;
  std::string first_skipped_;
  absl::Status setup_error_;
  // The header's field count, which every row must have; 0 without a header (rows are then
  // held only to the columns the options name).
  size_t header_fields_ = 0;
  const bool fast_splitter_;
  bool stop_after_header_ = false;
  std::array<bool, 256> special_{};

  TransactionLog log_;
  IdInterner interner_{log_.customer_ids};
  // Ids of this window's rows waiting to be interned: rows first_pending_row_ onwards
  // hold an index into pending_ids_ in log_.customer until ResolvePendingIds.
  struct PendingId {
    absl::string_view text;
    uint64_t hash;
  };
  static constexpr size_t kPendingIdBatch = 32;
  std::vector<PendingId> pending_ids_;
  std::vector<uint32_t> resolved_ids_;
  size_t first_pending_row_ = 0;
  bool header_done_ = false;
  bool at_start_ = true;
  int64_t line_ = 1;  // Line where the current record begins.
  size_t customer_col_ = kUnresolved, date_col_ = kUnresolved, amount_col_ = kUnresolved,
         quantity_col_ = kUnresolved, margin_col_ = kUnresolved;

  // Per-record state, reused so that the hot loop does not allocate.
  std::vector<FieldSpan> fields_;
  std::string scratch_;
  int64_t record_newlines_ = 0;
  size_t record_content_bytes_ = 0;
};

}  // namespace crmcore::internal

#endif  // CRMCORE_IO_RECORD_LOADER_H_

// The record loader of the transaction-log reader (see record_loader.h): record
// splitting, header resolution, row parsing and id interning over a window of bytes,
// and the merge of a later chunk's loader into an earlier one.
#include "io/record_loader.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crmcore/customer.h"
#include "crmcore/money.h"
#include "crmcore/status.h"

namespace crmcore::internal {
namespace {

// Where the bytes of interest to record splitting sit in the 64 bytes from some
// position: bit i describes byte i. Bits past the end of the input are clear.
struct ByteMasks {
  uint64_t newline = 0;    // '\n'
  uint64_t separator = 0;  // The delimiter, or ' ' and '\t' when whitespace-delimited.
  uint64_t unusual = 0;    // '"', '\r', NUL: bytes only the general splitter handles.
};

#if defined(__SSE2__)
// The bits of one 16-byte block equal to `c`.
inline uint64_t BlockBitsEqual(__m128i block, char c) {
  return static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, _mm_set1_epi8(c))));
}
#endif

// Classifies the 64 bytes at `bytes` (all readable), with SSE2 where the target has
// it (every x86-64): four compares a block instead of a branch a byte.
inline ByteMasks ClassifyBytes(const char* bytes, char delimiter, bool whitespace_delimited) {
  ByteMasks masks;
#if defined(__SSE2__)
  for (int block = 0; block < 4; ++block) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + 16 * block));
    const int shift = 16 * block;
    masks.newline |= BlockBitsEqual(v, '\n') << shift;
    masks.separator |= (whitespace_delimited ? BlockBitsEqual(v, ' ') | BlockBitsEqual(v, '\t')
                                             : BlockBitsEqual(v, delimiter))
                       << shift;
    masks.unusual |=
        (BlockBitsEqual(v, '"') | BlockBitsEqual(v, '\r') | BlockBitsEqual(v, '\0')) << shift;
  }
#else
  for (unsigned i = 0; i < 64; ++i) {
    const char c = bytes[i];
    const uint64_t bit = uint64_t{1} << i;
    if (c == '\n') masks.newline |= bit;
    if (whitespace_delimited ? c == ' ' || c == '\t' : c == delimiter) masks.separator |= bit;
    if (c == '"' || c == '\r' || c == '\0') masks.unusual |= bit;
  }
#endif
  return masks;
}

}  // namespace

Loader::Loader(const TransactionLogOptions& options, absl::string_view source, DateFormat date,
               RecordSplitter splitter)
    : options_(options),
      source_(source),
      date_(std::move(date)),
      fast_splitter_(splitter == RecordSplitter::kFastWhenPlain) {
  log_.minor_digits = options.minor_digits;
  const auto mark = [this](char c) { special_[static_cast<unsigned char>(c)] = true; };
  mark('\n');
  mark('\r');
  mark('\0');
  if (options.whitespace_delimited) {
    mark(' ');
    mark('\t');
  } else {
    mark(options.delimiter);
  }
  if (!options.has_header) {
    // Positions are fixed without a header; names cannot be resolved.
    header_done_ = true;
    ResolvePositionsOnly();
  }
}

absl::StatusOr<size_t> Loader::ParseWindow(const char* data, size_t size, bool eof) {
  CRM_RETURN_IF_ERROR(setup_error_);
  absl::StatusOr<size_t> consumed = ParseRecords(data, size, eof);
  ResolvePendingIds();  // Their text is in the window, which the caller may now move.
  return consumed;
}

absl::StatusOr<size_t> Loader::ParseRecords(const char* data, size_t size, bool eof) {
  size_t pos = 0;
  if (at_start_ && (size >= 3 || eof)) {
    at_start_ = false;
    if (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) pos = 3;  // UTF-8 BOM.
  } else if (at_start_) {
    return size_t{0};
  }
  while (pos < size) {
    size_t next = 0;
    Step step = Step::kRecord;
    if (!fast_splitter_ || !SplitPlainRecord(data, size, pos, next)) {
      CRM_ASSIGN_OR_RETURN(step, Tokenize(data, size, pos, eof, next));
    }
    if (step == Step::kNeedMore) {
      // Bounds memory: the unfinished record is already longer than allowed (+1
      // leaves room for a '\r' whose '\n' has not arrived yet).
      if (size - pos > options_.max_line_bytes + 1) return LineTooLong();
      return pos;
    }
    if (record_content_bytes_ > options_.max_line_bytes) return LineTooLong();
    const bool header = !header_done_;
    if (step == Step::kRecord) CRM_RETURN_IF_ERROR(ProcessRecord(data));
    line_ += record_newlines_;
    pos = next;
    if (header && header_done_ && stop_after_header_) break;
  }
  return pos;
}

absl::StatusOr<TransactionLog> Loader::Finish(int64_t total_bytes) && {
  if (total_bytes == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ": empty file: no header and no transactions"));
  }
  if (!header_done_) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ": no header line and no transactions (only blank lines)"));
  }
  if (log_.size() == 0) {
    if (log_.rows_skipped > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_, ": no transactions: all ", log_.rows_skipped,
          " rows were skipped as bad; first: line ", first_skipped_line_, ": ",
          first_skipped_));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ": no transactions (the log has a header but no rows)"));
  }
  return std::move(log_);
}

void Loader::ContinueAfter(const Loader& header, int64_t first_line) {
  header_done_ = header.header_done_;
  at_start_ = false;
  line_ = first_line;
  customer_col_ = header.customer_col_;
  date_col_ = header.date_col_;
  amount_col_ = header.amount_col_;
  quantity_col_ = header.quantity_col_;
  margin_col_ = header.margin_col_;
  setup_error_ = header.setup_error_;
  header_fields_ = header.header_fields_;
}

bool Loader::Absorb(Loader&& later, unsigned threads, size_t min_ids_per_thread) {
  TransactionLog& from = later.log_;
  // `later` counted its lines from 1 at the first byte after this loader's last one.
  const int64_t line_base = line_ - 1;
  if (from.customer_ids.size() >=
      std::numeric_limits<uint32_t>::max() - 1 - log_.customer_ids.size()) {
    return false;
  }
  // Its ids in its first-seen order, which is also their first-seen order in the
  // file after this loader's rows: those new here are appended in that order. In
  // batches whose table entries are fetched before they are probed.
  later.interner_.Release();
  const size_t ids = from.customer_ids.size();
  constexpr uint32_t kNew = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> remap(ids, kNew);
  // First the lookups, which only read this loader's table: on `threads` threads when
  // there are many.
  const auto look_up = [&](size_t begin, size_t end) {
    constexpr size_t kBatch = 16;
    std::array<uint64_t, kBatch> hashes{};
    for (size_t first = begin; first < end; first += kBatch) {
      const size_t count = std::min(kBatch, end - first);
      for (size_t i = 0; i < count; ++i) {
        hashes[i] = IdInterner::Hash(from.customer_ids[first + i]);
        interner_.Prefetch(hashes[i]);
      }
      for (size_t i = 0; i < count; ++i) {
        IdInterner::Probe probe;
        const std::optional<uint32_t> index =
            interner_.Find(from.customer_ids[first + i], hashes[i], probe);
        if (index) remap[first + i] = *index;
      }
    }
  };
  const size_t parts =
      std::clamp<size_t>(ids / std::max<size_t>(min_ids_per_thread, 1), 1, std::max(threads, 1u));
  std::vector<std::thread> helpers;
  for (size_t part = 1; part < parts; ++part) {
    try {
      helpers.emplace_back(look_up, ids * part / parts, ids * (part + 1) / parts);
    } catch (const std::system_error&) {
      look_up(ids * part / parts, ids);  // No more threads: the rest is looked up here.
      break;
    }
  }
  look_up(0, ids / parts);
  for (std::thread& helper : helpers) helper.join();
  // Then the ids new here, in order (distinct, so none is found twice).
  for (size_t id = 0; id < ids; ++id) {
    if (remap[id] != kNew) continue;
    std::string& text = from.customer_ids[id];
    IdInterner::Probe probe;
    interner_.Find(text, IdInterner::Hash(text), probe);
    remap[id] = static_cast<uint32_t>(log_.customer_ids.size());
    log_.customer_ids.push_back(std::move(text));
    interner_.Insert(probe, remap[id]);
  }
  from.customer_ids = {};

  const size_t rows = log_.customer.size();
  log_.customer.resize(rows + from.customer.size());
  for (size_t row = 0; row < from.customer.size(); ++row) {
    log_.customer[rows + row] = remap[from.customer[row]];
  }
  from.customer = {};
  const auto append = [](std::vector<int64_t>& to, std::vector<int64_t>& more) {
    to.insert(to.end(), more.begin(), more.end());
    more = {};
  };
  log_.day.insert(log_.day.end(), from.day.begin(), from.day.end());
  from.day = {};
  append(log_.amount, from.amount);
  append(log_.quantity, from.quantity);
  append(log_.margin, from.margin);

  if (log_.rows_skipped == 0 && from.rows_skipped > 0) {
    first_skipped_line_ = later.first_skipped_line_ + line_base;
    first_skipped_ = std::move(later.first_skipped_);
  }
  log_.rows_read += from.rows_read;
  log_.rows_skipped += from.rows_skipped;
  for (RowError& error : from.skipped) {
    if (log_.skipped.size() >= options_.max_reported_errors) break;
    error.line += line_base;
    log_.skipped.push_back(std::move(error));
  }
  line_ = later.line_ + line_base;
  return true;
}

void Loader::Reserve(size_t expected_rows) {
  // No huge pages here: measured, they add more fault time (whole 2 MiB pages
  // cleared at once) than they save on a column written front to back.
  log_.customer.reserve(expected_rows);
  log_.day.reserve(expected_rows);
  log_.amount.reserve(expected_rows);
  if (options_.quantity) log_.quantity.reserve(expected_rows);
  if (options_.margin) log_.margin.reserve(expected_rows);
}

absl::Status Loader::LineTooLong() const {
  return absl::InvalidArgumentError(absl::StrCat(
      source_, ":", line_, ": line is longer than max_line_bytes (", options_.max_line_bytes,
      " bytes); is the delimiter or the quoting right?"));
}

absl::Status Loader::StructureError(size_t column, absl::string_view what) const {
  return absl::InvalidArgumentError(absl::StrCat(source_, ":", line_, ":", column, ": ", what));
}

bool Loader::SplitPlainRecord(const char* data, size_t size, size_t pos, size_t& next) {
  constexpr size_t kSpan = 64;
  const size_t available = size - pos;
  ByteMasks masks;
  if (available >= kSpan) {
    masks = ClassifyBytes(data + pos, options_.delimiter, options_.whitespace_delimited);
  } else {
    // The end of the input: classify a padded copy, keeping the bits of real bytes.
    std::array<char, kSpan> tail{};
    std::memcpy(tail.data(), data + pos, available);
    masks = ClassifyBytes(tail.data(), options_.delimiter, options_.whitespace_delimited);
    const uint64_t real = (uint64_t{1} << available) - 1;
    masks.newline &= real;
  }
  if (masks.newline == 0) return false;
  const auto newline = static_cast<size_t>(__builtin_ctzll(masks.newline));
  // A CRLF ends the record at its '\r'.
  const size_t content_end =
      newline > 0 && data[pos + newline - 1] == '\r' ? newline - 1 : newline;
  const uint64_t content = (uint64_t{1} << content_end) - 1;
  if ((masks.unusual & content) != 0) return false;
  const uint64_t separator = masks.separator & content;

  fields_.clear();
  if (options_.whitespace_delimited) {
    // Fields are the runs of non-blank bytes; leading and trailing blanks are no field.
    const uint64_t word = ~separator & content;
    if (word == 0) return false;  // A blank line.
    uint64_t starts = word & ~(word << 1);
    uint64_t lasts = word & ~(word >> 1);
    while (starts != 0) {
      const auto begin = static_cast<size_t>(__builtin_ctzll(starts));
      const auto end = static_cast<size_t>(__builtin_ctzll(lasts)) + 1;
      fields_.push_back({pos + begin, end - begin, begin + 1, false});
      starts &= starts - 1;
      lasts &= lasts - 1;
    }
  } else {
    if (content_end == 0) return false;  // An empty line.
    uint64_t delimiters = separator;
    size_t begin = 0;
    while (delimiters != 0) {
      const auto end = static_cast<size_t>(__builtin_ctzll(delimiters));
      fields_.push_back({pos + begin, end - begin, begin + 1, false});
      begin = end + 1;
      delimiters &= delimiters - 1;
    }
    fields_.push_back({pos + begin, content_end - begin, begin + 1, false});
  }
  scratch_.clear();
  record_newlines_ = 1;
  record_content_bytes_ = content_end;
  next = pos + newline + 1;
  return true;
}

absl::StatusOr<Step> Loader::Tokenize(const char* data, size_t size, size_t pos, bool eof,
                                      size_t& next) {
  fields_.clear();
  scratch_.clear();
  record_newlines_ = 0;
  size_t i = pos;
  while (i < size && IsBlank(data[i])) ++i;
  // A blank line (or trailing blanks at the end of the input).
  if (i == size) {
    if (!eof) return Step::kNeedMore;
    record_content_bytes_ = i - pos;
    next = size;
    return Step::kBlank;
  }
  if (data[i] == '\n' || data[i] == '\r') {
    if (data[i] == '\r' && i + 1 == size && !eof) return Step::kNeedMore;
    if (data[i] == '\n' || i + 1 == size || data[i + 1] == '\n') {
      record_content_bytes_ = i - pos;
      next = i + (data[i] == '\r' && i + 1 < size ? 2 : 1);
      record_newlines_ = next > i + 1 || data[i] == '\n' ? 1 : 0;
      return Step::kBlank;
    }
  }
  for (;;) {
    const size_t column = i - pos + 1;
    if (i < size && data[i] == '"') {
      // Quoted field: "" stands for one quote; delimiters and newlines are data.
      const size_t scratch_begin = scratch_.size();
      bool unescaped = false;
      size_t segment = i + 1;
      size_t q = i + 1;
      for (;;) {
        if (q == size) {
          if (!eof) return Step::kNeedMore;
          return StructureError(column, "unterminated quoted field (no closing '\"' "
                                        "before the end of the input)");
        }
        const char c = data[q];
        if (c == '"') {
          if (q + 1 == size && !eof) return Step::kNeedMore;
          if (q + 1 < size && data[q + 1] == '"') {
            scratch_.append(data + segment, q + 1 - segment);
            unescaped = true;
            q += 2;
            segment = q;
            continue;
          }
          break;
        }
        if (c == '\0') return StructureError(q - pos + 1, "embedded NUL byte");
        if (c == '\n') ++record_newlines_;
        ++q;
      }
      if (unescaped) {
        scratch_.append(data + segment, q - segment);
        fields_.push_back({scratch_begin, scratch_.size() - scratch_begin, column, true});
      } else {
        fields_.push_back({i + 1, q - i - 1, column, false});
      }
      i = q + 1;
      if (i < size) {
        const char c = data[i];
        const bool cr_line_end =
            c == '\r' && (i + 1 == size || data[i + 1] == '\n');
        if (c == '\r' && i + 1 == size && !eof) return Step::kNeedMore;
        if (!(c == '\n' || cr_line_end || IsBlank(c) ||
              (!options_.whitespace_delimited && c == options_.delimiter))) {
          return StructureError(i - pos + 1,
                                absl::StrCat("unexpected character ",
                                             QuotedText(absl::string_view(&data[i], 1)),
                                             " after a closing quote"));
        }
      }
    } else {
      const size_t begin = i;
      for (;;) {
        while (i < size && !special_[static_cast<unsigned char>(data[i])]) ++i;
        if (i < size && data[i] == '\r') {
          if (i + 1 == size) {
            if (!eof) return Step::kNeedMore;
            break;  // A final "\r" ends the input's last line.
          }
          if (data[i + 1] == '\n') break;
          ++i;  // A lone '\r' is data.
          continue;
        }
        break;
      }
      if (i < size && data[i] == '\0') return StructureError(i - pos + 1, "embedded NUL byte");
      if (i == size && !eof) return Step::kNeedMore;
      fields_.push_back({begin, i - begin, column, false});
    }
    // At a field terminator, or at the end of the input.
    if (i == size) {
      record_content_bytes_ = i - pos;
      next = size;
      return Step::kRecord;
    }
    if (IsBlank(data[i])) {
      while (i < size && IsBlank(data[i])) ++i;
      if (i == size) {
        if (!eof) return Step::kNeedMore;
        record_content_bytes_ = i - pos;
        next = size;
        return Step::kRecord;
      }
      if (data[i] == '\r' && i + 1 == size && !eof) return Step::kNeedMore;
      if (data[i] != '\n' && !(data[i] == '\r' && (i + 1 == size || data[i + 1] == '\n'))) {
        continue;  // Next field.
      }
    }
    if (data[i] == '\n' || data[i] == '\r') {
      record_content_bytes_ = i - pos;
      next = data[i] == '\r' && i + 1 < size ? i + 2 : i + 1;
      if (next == i + 2 || data[i] == '\n') ++record_newlines_;
      return Step::kRecord;
    }
    ++i;  // The delimiter.
  }
}

absl::Status Loader::ProcessRecord(const char* data) {
  if (!header_done_) {
    header_done_ = true;
    return ResolveHeader(data);
  }
  ++log_.rows_read;
  RowProblem problem;
  if (ParseRow(data, problem)) return absl::OkStatus();
  if (!options_.lenient) {
    return absl::InvalidArgumentError(absl::StrCat(source_, ":", line_, ":", problem.column,
                                                   ": field '", problem.field,
                                                   "': ", problem.reason));
  }
  // Kept apart from log_.skipped, which max_reported_errors = 0 leaves empty: the
  // "all rows skipped" error still names the first bad row.
  if (log_.rows_skipped++ == 0) {
    first_skipped_line_ = line_;
    first_skipped_ = absl::StrCat("field '", problem.field, "': ", problem.reason);
  }
  if (log_.skipped.size() < options_.max_reported_errors) {
    log_.skipped.push_back({line_, problem.column, problem.field, std::move(problem.reason),
                            std::string(problem.text)});
  }
  return absl::OkStatus();
}

bool Loader::ParseRow(const char* data, RowProblem& problem) {
  // A row with another field count than the header is read shifted if read at all (an
  // unquoted "1,234.56" amount is two fields): a row error, named at its first extra field
  // or at the row's end.
  if (header_fields_ != 0 && fields_.size() != header_fields_) {
    const bool extra = fields_.size() > header_fields_;
    const absl::string_view first_extra =
        extra ? FieldText(data, fields_[header_fields_]) : absl::string_view();
    problem = {"columns",
               extra ? fields_[header_fields_].column : record_content_bytes_ + 1,
               absl::StrCat("the row has ", fields_.size(), " fields, the header has ",
                            header_fields_,
                            extra ? absl::StrCat("; the first extra one is ",
                                                 QuotedText(first_extra))
                                  : std::string()),
               first_extra};
    return false;
  }
  absl::string_view customer_text, date_text, amount_text, quantity_text, margin_text;
  size_t customer_column = 0, date_column = 0, amount_column = 0, quantity_column = 0,
         margin_column = 0;
  const auto field = [&](size_t index, const char* name, absl::string_view& text,
                         size_t& column) {
    if (index >= fields_.size()) {
      problem = {name, record_content_bytes_ + 1,
                 absl::StrCat("missing column: the row has ", fields_.size(),
                              " columns, the field is column ", index + 1),
                 absl::string_view()};
      return false;
    }
    text = FieldText(data, fields_[index]);
    column = fields_[index].column;
    return true;
  };
  if (!field(customer_col_, "customer", customer_text, customer_column) ||
      !field(date_col_, "date", date_text, date_column) ||
      !field(amount_col_, "amount", amount_text, amount_column) ||
      (quantity_col_ != kUnresolved &&
       !field(quantity_col_, "quantity", quantity_text, quantity_column)) ||
      (margin_col_ != kUnresolved &&
       !field(margin_col_, "margin", margin_text, margin_column))) {
    return false;
  }

  if (customer_text.empty()) {
    problem = {"customer", customer_column, "empty customer id", customer_text};
    return false;
  }
  // The previous row's id, already checked, needs neither a check nor a lookup:
  // logs are often grouped by customer.
  const bool same_as_previous = !log_.customer.empty() && customer_text == PreviousId();
  if (!same_as_previous && !IsValidUtf8(customer_text)) {
    problem = {"customer", customer_column,
               absl::StrCat("customer id ", QuotedText(customer_text), " is not valid UTF-8"),
               customer_text};
    return false;
  }

  date_text = absl::StripAsciiWhitespace(date_text);
  const std::optional<int32_t> day = date_.Parse(date_text);
  if (!day) {
    problem = {"date", date_column,
               absl::StrCat("cannot parse ", QuotedText(date_text), " with format ",
                            options_.date_format),
               date_text};
    return false;
  }

  int64_t amount = 0;
  if (!ParseAmount("amount", amount_text, amount_column, amount, problem)) return false;
  int64_t quantity = 0;
  if (quantity_col_ != kUnresolved) {
    quantity_text = absl::StripAsciiWhitespace(quantity_text);
    if (!absl::SimpleAtoi(quantity_text, &quantity)) {
      problem = {"quantity", quantity_column,
                 absl::StrCat("cannot parse ", QuotedText(quantity_text),
                              " as an integer quantity"),
                 quantity_text};
      return false;
    }
  }
  int64_t margin = 0;
  if (margin_col_ != kUnresolved &&
      !ParseAmount("margin", margin_text, margin_column, margin, problem)) {
    return false;
  }

  if (same_as_previous) {
    // The previous row's index, or its batch-local one while it is pending.
    log_.customer.push_back(log_.customer.back());
  } else if (!fields_[customer_col_].in_scratch &&
             log_.customer_ids.size() + pending_ids_.size() + 1 <
                 std::numeric_limits<uint32_t>::max()) {
    // Deferred: the lookup waits for the batch, its table entry is fetched meanwhile.
    if (pending_ids_.empty()) first_pending_row_ = log_.customer.size();
    const uint64_t hash = IdInterner::Hash(customer_text);
    interner_.Prefetch(hash);
    log_.customer.push_back(static_cast<uint32_t>(pending_ids_.size()));
    pending_ids_.push_back({customer_text, hash});
    if (pending_ids_.size() == kPendingIdBatch) ResolvePendingIds();
  } else {
    // Unescaped text does not outlive this record, and near the limit on distinct
    // ids the check must be made on this row: intern now.
    ResolvePendingIds();
    IdInterner::Probe probe;
    std::optional<uint32_t> customer =
        interner_.Find(customer_text, IdInterner::Hash(customer_text), probe);
    if (!customer) {
      if (log_.customer_ids.size() == std::numeric_limits<uint32_t>::max()) {
        problem = {"customer", customer_column,
                   "more than 4294967295 distinct customer ids", customer_text};
        return false;
      }
      customer = static_cast<uint32_t>(log_.customer_ids.size());
      log_.customer_ids.emplace_back(customer_text);
      interner_.Insert(probe, *customer);
    }
    log_.customer.push_back(*customer);
  }
  log_.day.push_back(*day);
  log_.amount.push_back(amount);
  if (quantity_col_ != kUnresolved) log_.quantity.push_back(quantity);
  if (margin_col_ != kUnresolved) log_.margin.push_back(margin);
  return true;
}

void Loader::ResolvePendingIds() {
  if (pending_ids_.empty()) return;
  resolved_ids_.clear();
  for (const PendingId& id : pending_ids_) {
    IdInterner::Probe probe;
    std::optional<uint32_t> index = interner_.Find(id.text, id.hash, probe);
    if (!index) {
      index = static_cast<uint32_t>(log_.customer_ids.size());
      log_.customer_ids.emplace_back(id.text);
      interner_.Insert(probe, *index);
    }
    resolved_ids_.push_back(*index);
  }
  for (size_t row = first_pending_row_; row < log_.customer.size(); ++row) {
    log_.customer[row] = resolved_ids_[log_.customer[row]];
  }
  pending_ids_.clear();
}

bool Loader::ParseAmount(const char* name, absl::string_view text, size_t column,
                         int64_t& out, RowProblem& problem) const {
  text = absl::StripAsciiWhitespace(text);
  if (ParsePlainAmount(text, options_.minor_digits, out)) return true;
  const absl::StatusOr<Money> money = ParseMoney(text, options_.minor_digits);
  if (!money.ok()) {
    problem = {name, column,
               absl::StrCat("cannot parse ", QuotedText(text), " as an amount with ",
                            options_.minor_digits, " minor digits (",
                            money.status().message(), ")"),
               text};
    return false;
  }
  out = money->minor_units();
  return true;
}

void Loader::ResolvePositionsOnly() {
  const auto resolve = [this](const ColumnRef& ref, const char* name) {
    if (ref.index > 0) return ref.index - 1;
    if (setup_error_.ok()) {
      setup_error_ = absl::InvalidArgumentError(absl::StrCat(
          source_, ": field '", name, "' names ", ref.ToString(),
          " but the log has no header (has_header = false); use a 1-based index"));
    }
    return kUnresolved;
  };
  customer_col_ = resolve(options_.customer, "customer");
  date_col_ = resolve(options_.date, "date");
  amount_col_ = resolve(options_.amount, "amount");
  if (options_.quantity) quantity_col_ = resolve(*options_.quantity, "quantity");
  if (options_.margin) margin_col_ = resolve(*options_.margin, "margin");
}

absl::Status Loader::ResolveHeader(const char* data) {
  header_fields_ = fields_.size();
  std::vector<absl::string_view> names;
  names.reserve(fields_.size());
  for (const FieldSpan& field : fields_) names.push_back(FieldText(data, field));
  absl::Status status;
  const auto resolve = [&](const ColumnRef& ref, const char* name) -> size_t {
    if (ref.index > 0) return ref.index - 1;  // Checked against each row.
    const auto it = std::find(names.begin(), names.end(), ref.name);
    if (it != names.end()) return static_cast<size_t>(it - names.begin());
    if (status.ok()) {
      status = absl::InvalidArgumentError(absl::StrCat(
          source_, ":", line_, ": field '", name, "': no column named \"", ref.name,
          "\" in the header; its columns are: ", QuotedList(names)));
    }
    return kUnresolved;
  };
  customer_col_ = resolve(options_.customer, "customer");
  date_col_ = resolve(options_.date, "date");
  amount_col_ = resolve(options_.amount, "amount");
  if (options_.quantity) quantity_col_ = resolve(*options_.quantity, "quantity");
  if (options_.margin) margin_col_ = resolve(*options_.margin, "margin");
  return status;
}

}  // namespace crmcore::internal

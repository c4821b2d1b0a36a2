// Transaction-log ingest (see include/crmcore/transaction_log.h for the contract).
//
// Layout of the reader: a Loader owns the columns being built and walks a window of
// bytes record by record. A file is fed through a buffer of one chunk plus one
// maximal line; a record cut by the end of the window is re-read once the next chunk
// has been appended, so no record is ever copied except when a quoted field holds a
// doubled quote ("") and must be unescaped.
#include "crmcore/transaction_log.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crmcore/customer.h"
#include "crmcore/money.h"
#include "crmcore/status.h"
#include "io/transaction_log_internal.h"

namespace crmcore {

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

namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;
constexpr size_t kMaxQuotedTextBytes = 80;

// Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible
// Low-Level Date Algorithms", days_from_civil).
constexpr int32_t DaysFromCivil(int32_t year, int32_t month, int32_t day) {
  year -= month <= 2 ? 1 : 0;
  const int32_t era = (year >= 0 ? year : year - 399) / 400;
  const int32_t year_of_era = year - era * 400;
  const int32_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int32_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}
static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(DaysFromCivil(1997, 9, 30) - DaysFromCivil(1997, 1, 1) == 272);

constexpr bool IsLeapYear(int32_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

constexpr int32_t DaysInMonth(int32_t year, int32_t month) {
  constexpr std::array<int32_t, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[static_cast<size_t>(month - 1)];
}

}  // namespace

namespace {

// A compiled date_format: fixed-width tokens, so a date is a fixed number of bytes
// and every digit and literal sits at a position known once the format is compiled.
class DateFormat {
 public:
  static absl::StatusOr<DateFormat> Compile(absl::string_view format) {
    DateFormat compiled;
    int years = 0, months = 0, days = 0;
    for (size_t i = 0; i < format.size(); ++i) {
      if (format[i] != '%') {
        compiled.literals_.push_back({compiled.width_++, format[i]});
        continue;
      }
      if (i + 1 == format.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "date_format: \"", format, "\" ends with a lone '%'"));
      }
      switch (format[++i]) {
        case 'Y': compiled.year_at_ = compiled.width_; compiled.width_ += 4; ++years; break;
        case 'm': compiled.month_at_ = compiled.width_; compiled.width_ += 2; ++months; break;
        case 'd': compiled.day_at_ = compiled.width_; compiled.width_ += 2; ++days; break;
        case '%': compiled.literals_.push_back({compiled.width_++, '%'}); break;
        default:
          return absl::InvalidArgumentError(absl::StrCat(
              "date_format: \"", format, "\" uses %", format.substr(i, 1),
              ", which is not supported; use %Y, %m, %d, %% and literal characters"));
      }
    }
    if (years != 1 || months != 1 || days != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "date_format: \"", format, "\" must contain each of %Y, %m and %d exactly once"));
    }
    return compiled;
  }

  // The day number of `text`, or nullopt when it does not match or is no calendar day.
  // Not const: remembers the last month seen, because consecutive rows of a log
  // mostly fall in the same month and its first day then needs no calendar arithmetic.
  std::optional<int32_t> Parse(absl::string_view text) {
    if (text.size() != width_) return std::nullopt;
    for (const Literal& literal : literals_) {
      if (text[literal.at] != literal.c) return std::nullopt;
    }
    int32_t year = 0, month = 0, day = 0;
    if (!ReadDigits(text, year_at_, 4, year) || !ReadDigits(text, month_at_, 2, month) ||
        !ReadDigits(text, day_at_, 2, day)) {
      return std::nullopt;
    }
    if (year != cached_year_ || month != cached_month_) {
      if (month < 1 || month > 12) return std::nullopt;
      cached_year_ = year;
      cached_month_ = month;
      cached_month_start_ = DaysFromCivil(year, month, 1);
      cached_month_days_ = DaysInMonth(year, month);
    }
    if (day < 1 || day > cached_month_days_) return std::nullopt;
    return cached_month_start_ + (day - 1);
  }

 private:
  struct Literal {
    size_t at;
    char c;
  };

  static bool ReadDigits(absl::string_view text, size_t at, size_t count, int32_t& value) {
    for (size_t i = at; i < at + count; ++i) {
      const auto digit = static_cast<unsigned>(text[i] - '0');
      if (digit > 9) return false;
      value = value * 10 + static_cast<int32_t>(digit);
    }
    return true;
  }

  std::vector<Literal> literals_;
  size_t year_at_ = 0, month_at_ = 0, day_at_ = 0;
  size_t width_ = 0;
  // The last valid month parsed (month 0: none yet), its first day number and length.
  int32_t cached_year_ = 0, cached_month_ = 0;
  int32_t cached_month_start_ = 0, cached_month_days_ = 0;
};

// The text of a value as quoted in messages: escaped, and cut short when long.
std::string QuotedText(absl::string_view text) {
  if (text.size() <= kMaxQuotedTextBytes) {
    return absl::StrCat("\"", absl::CHexEscape(text), "\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMaxQuotedTextBytes)),
                      "\"... (", text.size(), " bytes)");
}

// The common amount spelling, "123" or "123.4" with at most minor_digits fraction
// digits and at most 18 digits in all (so no overflow), parsed without the general
// parser's bookkeeping. False means "not this spelling": ParseMoney then decides,
// so the result never differs from ParseMoney's.
bool ParsePlainAmount(absl::string_view text, int minor_digits, int64_t& out) {
  const size_t size = text.size();
  size_t i = 0;
  int64_t value = 0;
  const size_t max_integer_digits = 18 - static_cast<size_t>(minor_digits);
  while (i < size && text[i] >= '0' && text[i] <= '9') {
    if (i == max_integer_digits) return false;  // Checked before it could overflow.
    value = value * 10 + (text[i++] - '0');
  }
  if (i == 0) return false;
  size_t fraction_digits = 0;
  if (i < size) {
    if (text[i] != '.') return false;
    for (++i; i < size; ++i, ++fraction_digits) {
      // More fraction digits than minor_digits: ParseMoney decides (and 18 digits in all
      // is the most that cannot overflow).
      if (fraction_digits == static_cast<size_t>(minor_digits)) return false;
      if (text[i] < '0' || text[i] > '9') return false;
      value = value * 10 + (text[i] - '0');
    }
    if (fraction_digits == 0) return false;
  }
  for (size_t d = fraction_digits; d < static_cast<size_t>(minor_digits); ++d) value *= 10;
  out = value;
  return true;
}

constexpr size_t kHugePageBytes = size_t{2} << 20;

// Asks the kernel to back the whole 2 MiB pages inside [data, data + bytes) with
// huge pages (transparent huge pages in "madvise" mode, Linux's default), so that
// random accesses across them hit the TLB. A hint only; where it is unsupported
// nothing changes.
void AdviseHugePages([[maybe_unused]] void* data, [[maybe_unused]] size_t bytes) {
#if defined(MADV_HUGEPAGE)
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  const uintptr_t last = (begin + bytes) & ~(uintptr_t{kHugePageBytes} - 1);
  if (last > first) {
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
#endif
}

// A zero-filled array of 64-bit slots. A large one is mapped straight from the kernel
// (its pages arrive zeroed, so there is no memset) at a 2 MiB boundary with huge pages
// advised: a hash table is probed at random, and with 4 KiB pages nearly every probe
// of a table of tens of MB misses the TLB.
class ZeroedSlots {
 public:
  ZeroedSlots() = default;
  explicit ZeroedSlots(size_t count) : size_(count) {
    const size_t bytes = count * sizeof(uint64_t);
    if (bytes >= kHugePageBytes) {
      const size_t mapped = bytes + kHugePageBytes;
      void* mapping =
          ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (mapping != MAP_FAILED) {
        mapping_ = mapping;
        mapping_bytes_ = mapped;
        const auto begin = reinterpret_cast<uintptr_t>(mapping);
        const uintptr_t aligned =
            (begin + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
        data_ = reinterpret_cast<uint64_t*>(aligned);
        AdviseHugePages(data_, bytes);
        return;
      }
    }
    small_.assign(count, 0);
    data_ = small_.data();
  }
  ZeroedSlots(const ZeroedSlots&) = delete;
  ZeroedSlots& operator=(const ZeroedSlots&) = delete;
  ZeroedSlots(ZeroedSlots&& other) noexcept { *this = std::move(other); }
  ZeroedSlots& operator=(ZeroedSlots&& other) noexcept {
    if (this != &other) {
      Release();
      small_ = std::move(other.small_);
      data_ = other.mapping_ != nullptr ? other.data_ : small_.data();
      size_ = other.size_;
      mapping_ = std::exchange(other.mapping_, nullptr);
      mapping_bytes_ = std::exchange(other.mapping_bytes_, 0);
      other.data_ = nullptr;
      other.size_ = 0;
    }
    return *this;
  }
  ~ZeroedSlots() { Release(); }

  size_t size() const { return size_; }
  uint64_t& operator[](size_t i) { return data_[i]; }
  const uint64_t& operator[](size_t i) const { return data_[i]; }

 private:
  void Release() {
    if (mapping_ != nullptr) ::munmap(mapping_, mapping_bytes_);
    mapping_ = nullptr;
    mapping_bytes_ = 0;
  }

  std::vector<uint64_t> small_;
  uint64_t* data_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;
  size_t mapping_bytes_ = 0;
};

// Interns customer ids into dense indices in first-seen order (the ids themselves
// live in TransactionLog::customer_ids). An open-addressing table of 8-byte entries,
// (32 bits of the id's hash, index + 1; 0 is empty), probed linearly and kept at most
// half full: a lookup reads one cache line of the table in the common case and touches
// an id's text only when those 32 hash bits match. A hash map keyed by std::string
// holds 40-byte slots and a separate control array, two cache misses per new id.
class IdInterner {
 public:
  // Where a lookup stopped: the entry to fill if the id turns out to be new.
  struct Probe {
    uint32_t tag = 0;
    size_t slot = 0;
  };

  explicit IdInterner(const std::vector<std::string>& ids) : ids_(ids) {
    table_ = ZeroedSlots(kInitialSlots);
  }

  static uint64_t Hash(absl::string_view text) { return absl::Hash<absl::string_view>{}(text); }

  // Starts loading the table entry where a lookup of `hash` begins, so that a Find a
  // little later does not wait for memory.
  void Prefetch(uint64_t hash) const {
    __builtin_prefetch(&table_[Tag(hash) & (table_.size() - 1)]);
  }

  // The index of `text` (whose Hash is `hash`), or nullopt with `probe` set for Insert.
  std::optional<uint32_t> Find(absl::string_view text, uint64_t hash, Probe& probe) const {
    probe.tag = Tag(hash);
    const size_t mask = table_.size() - 1;
    for (size_t slot = probe.tag & mask;; slot = (slot + 1) & mask) {
      const uint64_t entry = table_[slot];
      if (entry == 0) {
        probe.slot = slot;
        return std::nullopt;
      }
      if (static_cast<uint32_t>(entry >> 32) == probe.tag) {
        const auto index = static_cast<uint32_t>(entry) - 1;
        if (ids_[index] == text) return index;
      }
    }
  }

  // Records that ids_[index] (just appended) is the id Find missed with `probe`.
  void Insert(const Probe& probe, uint32_t index) {
    table_[probe.slot] = Entry(probe.tag, index);
    if (++size_ * 2 > table_.size()) Grow();
  }

 private:
  static constexpr size_t kInitialSlots = 1024;

  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash ^ (hash >> 32)); }

  static uint64_t Entry(uint32_t tag, uint32_t index) {
    return uint64_t{tag} << 32 | (uint64_t{index} + 1);
  }

  // Doubles the table. Slots derive from the stored tag alone, so no id is re-hashed.
  void Grow() {
    ZeroedSlots old = std::exchange(table_, ZeroedSlots(table_.size() * 2));
    const size_t mask = table_.size() - 1;
    for (size_t i = 0; i < old.size(); ++i) {
      const uint64_t entry = old[i];
      if (entry == 0) continue;
      size_t slot = static_cast<uint32_t>(entry >> 32) & mask;
      while (table_[slot] != 0) slot = (slot + 1) & mask;
      table_[slot] = entry;
    }
  }

  const std::vector<std::string>& ids_;
  ZeroedSlots table_;
  size_t size_ = 0;
};

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
         internal::RecordSplitter splitter = internal::RecordSplitter::kFastWhenPlain)
      : options_(options),
        source_(source),
        date_(std::move(date)),
        fast_splitter_(splitter == internal::RecordSplitter::kFastWhenPlain) {
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

  // Parses every complete record of data[0, size). With `eof` the window is the rest
  // of the input; otherwise a record cut at the end is left for the next call.
  // Returns how many bytes were consumed.
  absl::StatusOr<size_t> ParseWindow(const char* data, size_t size, bool eof) {
    CRM_RETURN_IF_ERROR(setup_error_);
    absl::StatusOr<size_t> consumed = ParseRecords(data, size, eof);
    ResolvePendingIds();  // Their text is in the window, which the caller may now move.
    return consumed;
  }

  absl::StatusOr<size_t> ParseRecords(const char* data, size_t size, bool eof) {
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
      if (step == Step::kRecord) CRM_RETURN_IF_ERROR(ProcessRecord(data));
      line_ += record_newlines_;
      pos = next;
    }
    return pos;
  }

  absl::StatusOr<TransactionLog> Finish(int64_t total_bytes) && {
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
            " rows were skipped as bad; first: ", first_skipped_));
      }
      return absl::InvalidArgumentError(
          absl::StrCat(source_, ": no transactions (the log has a header but no rows)"));
    }
    return std::move(log_);
  }

  // Pre-sizes the columns once the density of the input is known.
  void Reserve(size_t expected_rows) {
    // No huge pages here: measured, they add more fault time (whole 2 MiB pages
    // cleared at once) than they save on a column written front to back.
    log_.customer.reserve(expected_rows);
    log_.day.reserve(expected_rows);
    log_.amount.reserve(expected_rows);
    if (options_.quantity) log_.quantity.reserve(expected_rows);
    if (options_.margin) log_.margin.reserve(expected_rows);
  }
  int64_t rows_read() const { return log_.rows_read; }

 private:
  static constexpr size_t kUnresolved = std::numeric_limits<size_t>::max();

  bool IsBlank(char c) const {
    return options_.whitespace_delimited && (c == ' ' || c == '\t');
  }

  absl::Status LineTooLong() const {
    return absl::InvalidArgumentError(absl::StrCat(
        source_, ":", line_, ": line is longer than max_line_bytes (", options_.max_line_bytes,
        " bytes); is the delimiter or the quoting right?"));
  }

  absl::Status StructureError(size_t column, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ":", line_, ":", column, ": ", what));
  }

  // The fast path of Tokenize, for the common record: its '\n' within 64 bytes, at
  // least one field, and no quote, '\r' (but a CRLF ending) or NUL. Such a record is
  // split from bit masks of one classifying pass, with no branch per byte. Returns
  // false, having changed nothing the caller reads, for any other record, which
  // Tokenize then handles; where both apply they give the same fields, `next`,
  // record_newlines_ and record_content_bytes_ (the differential test checks that).
  bool SplitPlainRecord(const char* data, size_t size, size_t pos, size_t& next) {
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

  // Splits the record starting at data[pos] into fields_. Sets `next` to the first
  // byte after its terminator, record_newlines_ and record_content_bytes_.
  absl::StatusOr<Step> Tokenize(const char* data, size_t size, size_t pos, bool eof,
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

  absl::string_view FieldText(const char* data, const FieldSpan& field) const {
    return absl::string_view((field.in_scratch ? scratch_.data() : data) + field.begin,
                             field.size);
  }

  absl::Status ProcessRecord(const char* data) {
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
      first_skipped_ = absl::StrCat("line ", line_, ": field '", problem.field, "': ",
                                    problem.reason);
    }
    if (log_.skipped.size() < options_.max_reported_errors) {
      log_.skipped.push_back({line_, problem.column, problem.field, std::move(problem.reason),
                              std::string(problem.text)});
    }
    return absl::OkStatus();
  }

  // Parses one data row and appends it to the columns; false with `problem` set when
  // a value is bad (nothing is appended then).
  bool ParseRow(const char* data, RowProblem& problem) {
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

  // The id of the last loaded row; the log must not be empty.
  absl::string_view PreviousId() const {
    if (!pending_ids_.empty()) return pending_ids_.back().text;
    return log_.customer_ids[log_.customer.back()];
  }

  // Interns the batch of deferred ids in row order (so indices stay in first-seen
  // order) and replaces the batch-local indices of their rows by the interned ones.
  // Called before the window the ids point into changes.
  void ResolvePendingIds() {
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

  bool ParseAmount(const char* name, absl::string_view text, size_t column, int64_t& out,
                   RowProblem& problem) const {
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

  // Column positions when there is no header: every reference must be an index.
  void ResolvePositionsOnly() {
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

  absl::Status ResolveHeader(const char* data) {
    std::vector<std::string> names;
    names.reserve(fields_.size());
    for (const FieldSpan& field : fields_) names.emplace_back(FieldText(data, field));
    absl::Status status;
    const auto resolve = [&](const ColumnRef& ref, const char* name) -> size_t {
      if (ref.index > 0) return ref.index - 1;  // Checked against each row.
      const auto it = std::find(names.begin(), names.end(), ref.name);
      if (it != names.end()) return static_cast<size_t>(it - names.begin());
      if (status.ok()) {
        status = absl::InvalidArgumentError(absl::StrCat(
            source_, ":", line_, ": field '", name, "': no column named \"", ref.name,
            "\" in the header; its columns are: ",
            absl::StrJoin(names, ", ",
                          [](std::string* out, const std::string& s) {
                            absl::StrAppend(out, "\"", absl::CHexEscape(s), "\"");
                          })));
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

  const TransactionLogOptions& options_;
  const absl::string_view source_;
  DateFormat date_;
  // "line N: field 'f': reason" of the first row lenient mode skipped.
  std::string first_skipped_;
  absl::Status setup_error_;
  const bool fast_splitter_;
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

// Closes a file descriptor on scope exit.
class FileCloser {
 public:
  explicit FileCloser(int fd) : fd_(fd) {}
  FileCloser(const FileCloser&) = delete;
  FileCloser& operator=(const FileCloser&) = delete;
  ~FileCloser() { ::close(fd_); }

 private:
  int fd_;
};

// The system's reason, naming the path, with absl's code for the errno (absent:
// NotFound, forbidden: PermissionDenied, a directory: FailedPrecondition, ...).
absl::Status ReadError(int error_number, const std::string& path, absl::string_view what) {
  return absl::ErrnoToStatus(error_number,
                             absl::StrCat("cannot ", what, " transaction log '", path, "'"));
}

// A read() that fails on an open file (EIO, ...) lost the bytes: DataLoss, the I/O error
// (CRM_ERR_IO in C), where absl would say Unknown.
absl::Status ReadBytesError(int error_number, const std::string& path) {
  return absl::DataLossError(ReadError(error_number, path, "read").message());
}

}  // namespace

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
    const TransactionLogOptions& options, RecordSplitter splitter) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_ASSIGN_OR_RETURN(DateFormat date, DateFormat::Compile(options.date_format));
  Loader loader(options, source_name, std::move(date), splitter);
  // A first estimate of the row count from the first 64 KiB spares regrowing columns.
  const size_t probe = std::min(bytes.size(), size_t{1} << 16);
  const size_t probe_rows = static_cast<size_t>(std::count(bytes.begin(), bytes.begin() +
                                                           static_cast<ptrdiff_t>(probe), '\n'));
  if (probe_rows > 0) loader.Reserve(bytes.size() / probe * probe_rows + probe_rows);
  CRM_RETURN_IF_ERROR(loader.ParseWindow(bytes.data(), bytes.size(), /*eof=*/true).status());
  return std::move(loader).Finish(static_cast<int64_t>(bytes.size()));
}

absl::StatusOr<TransactionLog> LoadTransactionLogFromBuffer(
    absl::string_view bytes, absl::string_view source_name,
    const TransactionLogOptions& options) {
  return internal::LoadTransactionLogFromBufferWith(bytes, source_name, options,
                                                    internal::RecordSplitter::kFastWhenPlain);
}

absl::StatusOr<TransactionLog> LoadTransactionLog(const std::string& path,
                                                  const TransactionLogOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_ASSIGN_OR_RETURN(DateFormat date, DateFormat::Compile(options.date_format));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ReadError(errno, path, "open");
  FileCloser closer(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0) return ReadError(errno, path, "stat");
  if (S_ISDIR(info.st_mode)) return ReadError(EISDIR, path, "read");

  Loader loader(options, path, std::move(date));
  // One chunk plus the longest allowed record (and its "\r"): an unfinished record is
  // never longer than max_line_bytes + 1 when the next chunk is appended.
  std::vector<char> buffer(kChunkBytes + options.max_line_bytes + 1);
  size_t filled = 0;
  int64_t total = 0;
  bool reserved = false;
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data() + filled, kChunkBytes);
    if (got < 0) {
      if (errno == EINTR) continue;
      return ReadBytesError(errno, path);
    }
    const auto got_bytes = static_cast<size_t>(got);
    total += got;
    filled += got_bytes;
    const bool eof = got_bytes == 0;
    CRM_ASSIGN_OR_RETURN(const size_t consumed, loader.ParseWindow(buffer.data(), filled, eof));
    if (!reserved && loader.rows_read() > 0 && info.st_size > 0) {
      // Rows so far scaled to the file's size, so the columns grow once.
      reserved = true;
      const auto rows = static_cast<double>(loader.rows_read());
      loader.Reserve(static_cast<size_t>(rows * static_cast<double>(info.st_size) /
                                         static_cast<double>(total - static_cast<int64_t>(
                                                                         filled - consumed)) *
                                         1.02));
    }
    if (options.progress) options.progress(total, static_cast<int64_t>(info.st_size));
    if (eof) break;
    std::memmove(buffer.data(), buffer.data() + consumed, filled - consumed);
    filled -= consumed;
  }
  return std::move(loader).Finish(total);
}

}  // namespace crmcore

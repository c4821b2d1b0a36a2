// Private to the compiled library: the per-field parsers of the transaction-log
// loader (src/io/record_loader.cc). Dates through a compiled fixed-width format,
// amounts digit by digit into exact minor units, and the quoting of offending text in
// messages. Hot paths are inline: they run once per row.
#ifndef CRMCORE_IO_TRANSACTION_LOG_FIELDS_H_
#define CRMCORE_IO_TRANSACTION_LOG_FIELDS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace crmcore::internal {

/// Longest offending text quoted whole in a message.
inline constexpr size_t kMaxQuotedTextBytes = 80;

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

  // The bytes of every date this format accepts.
  size_t width() const { return width_; }

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
std::string QuotedText(absl::string_view text);

// Longest list of header cells quoted in a message (the cells escaped, then the list cut).
inline constexpr size_t kMaxQuotedListBytes = 200;

// A header's cells for a message: each escaped and quoted, joined by ", ", cut after
// kMaxQuotedListBytes bytes with the count of cells, so a corrupt multi-megabyte "header"
// never becomes a multi-megabyte message.
std::string QuotedList(const std::vector<absl::string_view>& cells);

// The common amount spelling, "123" or "123.4" with at most minor_digits fraction
// digits and at most 18 digits in all (so no overflow), parsed without the general
// parser's bookkeeping. False means "not this spelling": ParseMoney then decides,
// so the result never differs from ParseMoney's.
inline bool ParsePlainAmount(absl::string_view text, int minor_digits, int64_t& out) {
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

}  // namespace crmcore::internal

#endif  // CRMCORE_IO_TRANSACTION_LOG_FIELDS_H_

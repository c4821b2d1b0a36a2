// Exact money amounts (docs/domain.md §9).
//
// An amount is an exact decimal in the host's currency, held as a 64-bit integer of
// minor units (cents for a currency with two minor digits). Binary floating point is
// never used to represent an amount: text is parsed digit by digit, doubles from a host
// are converted exactly and then rounded once, and totals over many transactions are
// accumulated in a checked 128-bit integer so that they never overflow silently.
//
// The number of minor digits (2 for EUR/USD/CNY, 0 for JPY, 3 for KWD) is not stored in
// a Money: it is a property of the host's currency, passed to the functions that turn
// minor units into text or major units and back. It must lie in [0, kMaxMinorDigits].
#ifndef CRMCORE_MONEY_H_
#define CRMCORE_MONEY_H_

#include <algorithm>
#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "boost/multiprecision/cpp_int.hpp"
#include "crmcore/status.h"

namespace crmcore {

/// An exact amount of money: a signed count of minor units of the host's currency.
///
/// Money is a value type with no implicit conversions and no floating-point
/// constructor, so a double can never become an amount by accident; use ParseMoney
/// or MoneyFromDouble, which validate and say how they round. Negative amounts are
/// refunds (docs/domain.md §9); whether one is allowed is decided by the rule using it.
class Money {
 public:
  /// Zero.
  constexpr Money() = default;

  /// The amount of `minor_units` minor units (e.g. FromMinorUnits(1234) is 12.34 EUR).
  static constexpr Money FromMinorUnits(int64_t minor_units) {
    Money money;
    money.minor_units_ = minor_units;
    return money;
  }

  /// The amount as a count of minor units.
  constexpr int64_t minor_units() const { return minor_units_; }

  /// True for a refund (an amount below zero).
  constexpr bool is_negative() const { return minor_units_ < 0; }

  friend constexpr bool operator==(const Money&, const Money&) = default;
  friend constexpr std::strong_ordering operator<=>(const Money&, const Money&) = default;

 private:
  int64_t minor_units_ = 0;
};

/// The largest supported number of minor digits: 10^18 is the largest power of ten
/// that fits in int64, so with 18 digits one major unit is still representable.
inline constexpr int kMaxMinorDigits = 18;

/// OK if `minor_digits` lies in [0, kMaxMinorDigits]; InvalidArgument naming it otherwise.
inline absl::Status ValidateMinorDigits(int minor_digits) {
  if (minor_digits < 0 || minor_digits > kMaxMinorDigits) {
    return absl::InvalidArgumentError(absl::StrCat("money: minor_digits must be in [0, ",
                                                   kMaxMinorDigits, "], got ", minor_digits));
  }
  return absl::OkStatus();
}

namespace money_internal {

inline constexpr uint64_t kInt64MinMagnitude = uint64_t{1} << 63;

// 10^digits for digits in [0, 19]; exact in uint64 (and, up to 10^22, in double).
constexpr uint64_t PowerOfTen(int digits) {
  uint64_t power = 1;
  for (int i = 0; i < digits; ++i) power *= 10;
  return power;
}

// The functions that cannot report an error keep working for any minor_digits by
// pinning it to the supported range rather than reading past it.
constexpr int ClampMinorDigits(int minor_digits) {
  return std::clamp(minor_digits, 0, kMaxMinorDigits);
}

// |minor_units| without overflow: INT64_MIN has magnitude 2^63, which int64 lacks.
constexpr uint64_t Magnitude(int64_t minor_units) {
  return minor_units < 0 ? uint64_t{0} - static_cast<uint64_t>(minor_units)
                         : static_cast<uint64_t>(minor_units);
}

// The signed amount for a magnitude already checked to be at most 2^63 when
// negative and at most INT64_MAX otherwise.
constexpr int64_t SignedFromMagnitude(bool negative, uint64_t magnitude) {
  if (!negative) return static_cast<int64_t>(magnitude);
  if (magnitude == kInt64MinMagnitude) return std::numeric_limits<int64_t>::min();
  return -static_cast<int64_t>(magnitude);
}

// The largest magnitude an amount of that sign can have.
constexpr uint64_t MagnitudeLimit(bool negative) {
  return negative ? kInt64MinMagnitude : static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
}

// "-" + integer digits + "." + exactly `minor_digits` fraction digits, from the decimal
// digits of a magnitude in minor units. Shared by Money and the 128-bit MoneyTotal.
inline std::string FormatMinorUnitDigits(bool negative, std::string digits, int minor_digits) {
  const size_t fraction_size = static_cast<size_t>(minor_digits);
  if (digits.size() <= fraction_size) {
    digits.insert(0, fraction_size + 1 - digits.size(), '0');
  }
  if (fraction_size > 0) digits.insert(digits.size() - fraction_size, 1, '.');
  if (negative) digits.insert(0, 1, '-');
  return digits;
}

// The text quoted in an error message, escaped so that control bytes stay readable.
inline std::string Quoted(absl::string_view text) {
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A syntactically valid decimal: [sign] integer_digits ['.' fraction_digits].
struct DecimalText {
  bool negative = false;
  absl::string_view integer_digits;
  absl::string_view fraction_digits;
};

// Splits `text` into sign, integer and fraction digits, rejecting everything that is
// not a plain decimal. A '.' needs digits on both sides ("0.5", not ".5" or "5."),
// matching what FormatMoney writes, so that a truncated "12." is not taken for 12.
inline absl::StatusOr<DecimalText> SplitDecimal(absl::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError(
        "money: \"\" is empty, expected a decimal amount such as \"12.34\"");
  }
  DecimalText parts;
  size_t pos = 0;
  if (text[0] == '-' || text[0] == '+') {
    parts.negative = text[0] == '-';
    pos = 1;
  }
  const size_t integer_start = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  parts.integer_digits = text.substr(integer_start, pos - integer_start);
  bool has_point = false;
  if (pos < text.size() && text[pos] == '.') {
    has_point = true;
    const size_t fraction_start = ++pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    parts.fraction_digits = text.substr(fraction_start, pos - fraction_start);
  }
  if (pos < text.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "money: ", Quoted(text), " has an unexpected character ", Quoted(text.substr(pos, 1)),
        " at offset ", pos, "; expected [+-]digits[.digits]"));
  }
  if (parts.integer_digits.empty() && parts.fraction_digits.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("money: ", Quoted(text), " has no digits"));
  }
  if (parts.integer_digits.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("money: ", Quoted(text), " has no digits before the decimal point"));
  }
  if (has_point && parts.fraction_digits.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("money: ", Quoted(text), " has no digits after the decimal point"));
  }
  return parts;
}

// Appends `digit` to `magnitude` (magnitude * 10 + digit); false once it exceeds `limit`.
inline bool AppendDigit(uint64_t& magnitude, int digit, uint64_t limit) {
  uint64_t shifted = 0;
  if (__builtin_mul_overflow(magnitude, uint64_t{10}, &shifted)) return false;
  if (__builtin_add_overflow(shifted, static_cast<uint64_t>(digit), &magnitude)) {
    return false;
  }
  return magnitude <= limit;
}

inline absl::Status OutOfRangeText(absl::string_view text, int minor_digits) {
  return absl::OutOfRangeError(absl::StrCat("money: ", Quoted(text),
                                            " is outside the int64 range of minor units with ",
                                            minor_digits, " minor digits"));
}

}  // namespace money_internal

/// Parses an exact decimal amount into minor units, with no binary floating point.
///
/// Grammar: an optional '-' or '+', one or more digits, then optionally '.' followed by
/// one or more digits ("12", "-0.05", "+7.5"). No exponent, spaces, thousands separators
/// or currency symbols; a '.' needs digits on both sides, so ".5" and "1." are rejected
/// (the second is what a truncated "1.5" looks like). Fewer fraction digits than
/// `minor_digits` are padded ("1.5" is 150 with two minor digits); more are accepted
/// only when the extra ones are all zeros ("1.500"), because anything else would have
/// to be rounded and an amount is never rounded silently.
///
/// Errors: InvalidArgument for malformed text, excess non-zero fraction digits, or
/// `minor_digits` outside [0, kMaxMinorDigits]; OutOfRange when the amount does not fit
/// int64 minor units. Messages quote the offending text.
inline absl::StatusOr<Money> ParseMoney(absl::string_view text, int minor_digits = 2) {
  using money_internal::AppendDigit;
  CRM_RETURN_IF_ERROR(ValidateMinorDigits(minor_digits));
  CRM_ASSIGN_OR_RETURN(const money_internal::DecimalText parts, money_internal::SplitDecimal(text));
  const size_t kept_fraction = static_cast<size_t>(minor_digits);
  if (parts.fraction_digits.size() > kept_fraction &&
      parts.fraction_digits.find_first_not_of('0', kept_fraction) != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("money: ", money_internal::Quoted(text), " has ", parts.fraction_digits.size(),
                     " fraction digits, at most ", minor_digits, " allowed"));
  }
  const uint64_t limit = money_internal::MagnitudeLimit(parts.negative);
  uint64_t magnitude = 0;
  for (const char c : parts.integer_digits) {
    if (!AppendDigit(magnitude, c - '0', limit)) {
      return money_internal::OutOfRangeText(text, minor_digits);
    }
  }
  for (size_t i = 0; i < kept_fraction; ++i) {
    const int digit = i < parts.fraction_digits.size() ? parts.fraction_digits[i] - '0' : 0;
    if (!AppendDigit(magnitude, digit, limit)) {
      return money_internal::OutOfRangeText(text, minor_digits);
    }
  }
  return Money::FromMinorUnits(money_internal::SignedFromMagnitude(parts.negative, magnitude));
}

/// Writes `m` as exact decimal text with exactly `minor_digits` fraction digits and no
/// '.' when that is 0: "12.00", "-0.05", "-92233720368547758.08". The inverse of
/// ParseMoney: ParseMoney(FormatMoney(m, d), d) == m for every m and valid d.
/// `minor_digits` outside [0, kMaxMinorDigits] is pinned to the nearest bound, since a
/// formatter has no error channel; validate it with ValidateMinorDigits beforehand.
inline std::string FormatMoney(Money m, int minor_digits = 2) {
  return money_internal::FormatMinorUnitDigits(
      m.is_negative(), absl::StrCat(money_internal::Magnitude(m.minor_units())),
      money_internal::ClampMinorDigits(minor_digits));
}

/// a + b, or OutOfRange naming both operands (in minor units) if it overflows int64.
inline absl::StatusOr<Money> CheckedAdd(Money a, Money b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a.minor_units(), b.minor_units(), &sum)) {
    return absl::OutOfRangeError(absl::StrCat("money: ", a.minor_units(), " + ", b.minor_units(),
                                              " minor units overflows int64"));
  }
  return Money::FromMinorUnits(sum);
}

/// a - b, or OutOfRange naming both operands (in minor units) if it overflows int64.
inline absl::StatusOr<Money> CheckedSub(Money a, Money b) {
  int64_t difference = 0;
  if (__builtin_sub_overflow(a.minor_units(), b.minor_units(), &difference)) {
    return absl::OutOfRangeError(absl::StrCat("money: ", a.minor_units(), " - ", b.minor_units(),
                                              " minor units overflows int64"));
  }
  return Money::FromMinorUnits(difference);
}

/// The price of `quantity` items at `unit_price` each, or OutOfRange naming both if
/// the product overflows int64 minor units. A negative quantity is allowed (a return).
inline absl::StatusOr<Money> CheckedMultiply(Money unit_price, int64_t quantity) {
  int64_t product = 0;
  if (__builtin_mul_overflow(unit_price.minor_units(), quantity, &product)) {
    return absl::OutOfRangeError(absl::StrCat("money: amount ", unit_price.minor_units(),
                                              " minor units * quantity ", quantity,
                                              " overflows int64"));
  }
  return Money::FromMinorUnits(product);
}

/// -m, or OutOfRange for INT64_MIN minor units, whose negation int64 cannot hold.
inline absl::StatusOr<Money> CheckedNegate(Money m) {
  int64_t negated = 0;
  if (__builtin_sub_overflow(int64_t{0}, m.minor_units(), &negated)) {
    return absl::OutOfRangeError(
        absl::StrCat("money: -(", m.minor_units(), ") minor units overflows int64"));
  }
  return Money::FromMinorUnits(negated);
}

/// Converts a host's floating-point amount in major units (12.34 for 12.34 EUR) to
/// Money, for hosts that keep amounts as doubles (docs/domain.md §9).
///
/// The conversion is exact up to one rounding: the double's exact binary value times
/// 10^minor_digits is rounded to the nearest minor unit, halves away from zero (0.125 ->
/// 13 cents, -0.125 -> -13 cents). Note that many decimal literals are not what they
/// look like in binary: the double written 1.005 is 1.00499999999999989..., so it
/// becomes 100 cents. Hosts that hold exact decimal text should use ParseMoney.
///
/// Errors: InvalidArgument for NaN, Inf or `minor_digits` outside [0, kMaxMinorDigits];
/// OutOfRange when the rounded amount does not fit int64 minor units.
inline absl::StatusOr<Money> MoneyFromDouble(double major_units, int minor_digits = 2) {
  using boost::multiprecision::uint128_t;
  CRM_RETURN_IF_ERROR(ValidateMinorDigits(minor_digits));
  if (!std::isfinite(major_units)) {
    return absl::InvalidArgumentError(
        absl::StrCat("money: major_units must be finite, got ", major_units));
  }
  // |major_units| == significand * 2^exponent exactly, with a 53-bit integer significand.
  int exponent = 0;
  const double fraction = std::frexp(std::fabs(major_units), &exponent);
  const auto significand = static_cast<uint64_t>(std::ldexp(fraction, 53));
  exponent -= 53;
  // Exact: a 53-bit significand times 10^18 (< 2^60) stays below 2^113.
  const uint128_t scaled = uint128_t(significand) * money_internal::PowerOfTen(minor_digits);
  const bool negative = major_units < 0;
  const uint64_t limit = money_internal::MagnitudeLimit(negative);
  uint128_t magnitude = 0;
  if (exponent >= 0) {
    if (exponent > 63 || scaled > (uint128_t(limit) >> exponent)) {
      magnitude = uint128_t(limit) + 1;  // Out of range; reported below.
    } else {
      magnitude = scaled << exponent;
    }
  } else if (exponent > -128) {
    const unsigned shift = static_cast<unsigned>(-exponent);
    magnitude = scaled >> shift;
    const uint128_t remainder = scaled - (magnitude << shift);
    const uint128_t half = uint128_t(1) << (shift - 1);
    if (remainder >= half) magnitude += 1;  // Half away from zero.
  }  // else: scaled / 2^-exponent < 2^113 / 2^128, far below half a minor unit: 0.
  if (magnitude > limit) {
    return absl::OutOfRangeError(absl::StrFormat(
        "money: major_units %.17g is outside the int64 range of minor units with %d "
        "minor digits",
        major_units, minor_digits));
  }
  return Money::FromMinorUnits(
      money_internal::SignedFromMagnitude(negative, static_cast<uint64_t>(magnitude)));
}

/// The amount in major units as a double (12.34 for 1234 minor units with two minor
/// digits), for hosts that want floats. Lossy: minor-unit counts above 2^53 are
/// rounded to the nearest double, and most decimal fractions are not exact in binary.
/// `minor_digits` outside [0, kMaxMinorDigits] is pinned to the nearest bound.
inline double ToDouble(Money m, int minor_digits = 2) {
  // 10^d is exact in double for d <= 22, so this is a single correctly rounded division
  // of the (possibly already rounded) minor-unit count.
  return static_cast<double>(m.minor_units()) /
         static_cast<double>(
             money_internal::PowerOfTen(money_internal::ClampMinorDigits(minor_digits)));
}

/// A running total of many amounts that never overflows silently (docs/domain.md §9): the
/// sum is kept in a checked 128-bit integer of minor units, so totals far beyond int64
/// (10 x INT64_MAX and more) stay exact and can be formatted or averaged; only the
/// final conversion back to Money can fail.
///
/// Capacity: a total holds at most INT64_MAX amounts, each at most 2^63 in magnitude,
/// so |total| < 2^126 and the 128-bit sum itself cannot overflow; the only way Add or
/// Merge fails is the count reaching INT64_MAX. Totals are partial states: compute them
/// per shard and Merge them; the result equals adding the amounts one by one.
class MoneyTotal {
 public:
  /// The accumulator type: 128-bit signed integer that would throw rather than wrap.
  /// The invariants above guarantee it never has to.
  using Int128 = boost::multiprecision::checked_int128_t;

  /// An empty total: zero amounts, sum zero.
  MoneyTotal() = default;

  /// Rebuilds a total from a stored partial state (e.g. one a host persisted as its
  /// Format(0) text and count()). InvalidArgument if `count` is negative or if
  /// `total_minor_units` is not a sum of `count` int64 amounts (outside
  /// [count * INT64_MIN, count * INT64_MAX]).
  static absl::StatusOr<MoneyTotal> FromPartialState(const Int128& total_minor_units,
                                                     int64_t count) {
    if (count < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("money total: count must be >= 0, got ", count));
    }
    const Int128 lowest = Int128(count) * std::numeric_limits<int64_t>::min();
    const Int128 highest = Int128(count) * std::numeric_limits<int64_t>::max();
    if (total_minor_units < lowest || total_minor_units > highest) {
      return absl::InvalidArgumentError(
          absl::StrCat("money total: total_minor_units ", total_minor_units.str(),
                       " is not a sum of count ", count, " int64 amounts"));
    }
    MoneyTotal total;
    total.total_ = total_minor_units;
    total.count_ = count;
    return total;
  }

  /// Adds one amount. OutOfRange, leaving the total unchanged, only if the total
  /// already holds INT64_MAX amounts (see the capacity note above).
  absl::Status Add(Money amount) {
    CRM_RETURN_IF_ERROR(CheckRoomFor(1));
    total_ += amount.minor_units();
    ++count_;
    return absl::OkStatus();
  }

  /// Adds every amount of `other` (a partial sum over another shard). OutOfRange,
  /// leaving this total unchanged, if the combined count would exceed INT64_MAX.
  absl::Status Merge(const MoneyTotal& other) {
    CRM_RETURN_IF_ERROR(CheckRoomFor(other.count_));
    total_ += other.total_;
    count_ += other.count_;
    return absl::OkStatus();
  }

  /// How many amounts were added (merged totals count all of theirs).
  int64_t count() const { return count_; }

  /// The exact sum in minor units.
  const Int128& total_minor_units() const { return total_; }

  /// The sum as Money, or OutOfRange, giving the total in decimal minor units, if it
  /// does not fit int64.
  absl::StatusOr<Money> ToMoney() const {
    if (total_ < std::numeric_limits<int64_t>::min() ||
        total_ > std::numeric_limits<int64_t>::max()) {
      return absl::OutOfRangeError(
          absl::StrCat("money total: ", total_.str(),
                       " minor units does not fit int64; format it with Format()"));
    }
    return Money::FromMinorUnits(static_cast<int64_t>(total_));
  }

  /// The exact sum as decimal text in major units, like FormatMoney but for the full
  /// 128-bit total: 10 x INT64_MAX cents is "922337203685477580.70". `minor_digits`
  /// outside [0, kMaxMinorDigits] is pinned to the nearest bound.
  std::string Format(int minor_digits = 2) const {
    return money_internal::FormatMinorUnitDigits(total_ < 0,
                                                 boost::multiprecision::abs(total_).str(),
                                                 money_internal::ClampMinorDigits(minor_digits));
  }

  /// The mean amount in minor units, or FailedPrecondition when count() == 0. Computed
  /// as quotient plus remainder / count, so the only rounding is to double (the mean of
  /// int64 amounts always lies in the int64 range, so the quotient is exact).
  absl::StatusOr<double> MeanMinorUnits() const {
    if (count_ == 0) {
      return absl::FailedPreconditionError(
          "money total: the mean of a total with count 0 is undefined");
    }
    const Int128 quotient = total_ / count_;
    const Int128 remainder = total_ % count_;
    return static_cast<double>(static_cast<int64_t>(quotient)) +
           static_cast<double>(static_cast<int64_t>(remainder)) / static_cast<double>(count_);
  }

 private:
  absl::Status CheckRoomFor(int64_t more) const {
    if (more > std::numeric_limits<int64_t>::max() - count_) {
      return absl::OutOfRangeError(
          absl::StrCat("money total: count ", count_, " + ", more, " amounts exceeds INT64_MAX"));
    }
    return absl::OkStatus();
  }

  Int128 total_ = 0;
  int64_t count_ = 0;
};

}  // namespace crmcore

#endif  // CRMCORE_MONEY_H_

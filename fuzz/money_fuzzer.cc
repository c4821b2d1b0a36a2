// Fuzz target: exact money (crmcore/money.h) — parsing, formatting, conversion from
// double and checked arithmetic, each against an independent arbitrary-precision
// reference (boost::multiprecision::cpp_int).
//
// Input layout: byte 0 minor digits (% 19; values >= 240 give an invalid count that
// must be rejected), then 8 bytes a double for MoneyFromDouble, 3 x 8 bytes int64
// operands, then the text to parse.
//
// Invariants: ParseMoney accepts exactly the texts of its grammar whose value fits int64
// minor units without rounding, and then gives that value; FormatMoney -> ParseMoney is
// the identity; MoneyFromDouble is the double's exact value rounded once, half away from
// zero; CheckedAdd/Sub/Multiply/Negate either give the exact result or OutOfRange when
// it does not fit; MoneyTotal sums exactly; every error has a message.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/multiprecision/cpp_int.hpp"
#include "crmcore/money.h"
#include "fuzz_common.h"

namespace crmcore::fuzz {
namespace {

using boost::multiprecision::cpp_int;

const cpp_int kInt64Min = cpp_int(std::numeric_limits<int64_t>::min());
const cpp_int kInt64Max = cpp_int(std::numeric_limits<int64_t>::max());

bool FitsInt64(const cpp_int& value) { return value >= kInt64Min && value <= kInt64Max; }

cpp_int Pow10(int digits) {
  cpp_int power = 1;
  for (int i = 0; i < digits; ++i) power *= 10;
  return power;
}

// The reference grammar, written independently of money_internal::SplitDecimal:
// [+-] digit+ ('.' digit+)?. Returns false for any other text.
struct Decimal {
  bool negative = false;
  std::string integer, fraction;
};
bool ParseReference(const std::string& text, Decimal& out) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) out.negative = text[i++] == '-';
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') out.integer += text[i++];
  if (out.integer.empty()) return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') out.fraction += text[i++];
    if (out.fraction.empty()) return false;
  }
  return i == text.size();
}

void CheckParse(const std::string& text, int digits) {
  const absl::StatusOr<Money> parsed = ParseMoney(text, digits);
  Decimal decimal;
  if (!ParseReference(text, decimal)) {
    CRM_FUZZ_CHECK(!parsed.ok(), absl::StrCat("accepted malformed text \"", text, "\""));
    CRM_FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument &&
                       !parsed.status().message().empty(),
                   parsed.status().ToString());
    return;
  }
  const size_t kept = static_cast<size_t>(digits);
  bool needs_rounding = false;
  for (size_t i = kept; i < decimal.fraction.size(); ++i) {
    needs_rounding |= decimal.fraction[i] != '0';
  }
  if (needs_rounding) {
    CRM_FUZZ_CHECK(!parsed.ok() && parsed.status().code() == absl::StatusCode::kInvalidArgument,
                   absl::StrCat("\"", text, "\" with ", digits, " digits must be rejected"));
    return;
  }
  // value = integer * 10^d + the first d fraction digits (padded with zeros).
  std::string fraction = decimal.fraction.substr(0, std::min(kept, decimal.fraction.size()));
  fraction.append(kept - fraction.size(), '0');
  // Digit by digit: cpp_int's string constructor would read a leading 0 as octal.
  cpp_int value = 0;
  for (const char c : decimal.integer + fraction) value = value * 10 + (c - '0');
  if (decimal.negative) value = -value;
  if (!FitsInt64(value)) {
    CRM_FUZZ_CHECK(!parsed.ok() && parsed.status().code() == absl::StatusCode::kOutOfRange &&
                       !parsed.status().message().empty(),
                   absl::StrCat("\"", text, "\" is out of range: ", parsed.status().ToString()));
    return;
  }
  CRM_FUZZ_CHECK(parsed.ok(),
                 absl::StrCat("\"", text, "\" rejected: ", parsed.status().ToString()));
  CRM_FUZZ_CHECK(cpp_int(parsed->minor_units()) == value,
                 absl::StrCat("\"", text, "\" parsed as ", parsed->minor_units()));
}

void CheckFormatRoundTrip(Money m, int digits) {
  const std::string text = FormatMoney(m, digits);
  const absl::StatusOr<Money> back = ParseMoney(text, digits);
  CRM_FUZZ_CHECK(back.ok() && *back == m,
                 absl::StrCat(m.minor_units(), " formatted as \"", text, "\" did not parse back"));
  // The exact decimal: integer digits, '.', exactly `digits` fraction digits.
  const size_t point = text.find('.');
  CRM_FUZZ_CHECK(digits == 0 ? point == std::string::npos
                             : point != std::string::npos && text.size() - point - 1 ==
                                                                 static_cast<size_t>(digits),
                 absl::StrCat("\"", text, "\" has the wrong number of fraction digits"));
  MoneyTotal total;
  CRM_FUZZ_CHECK(total.Add(m).ok(), "adding to an empty total");
  CRM_FUZZ_CHECK(total.Format(digits) == text, "MoneyTotal::Format differs from FormatMoney");
}

void CheckFromDouble(double major, int digits) {
  const absl::StatusOr<Money> money = MoneyFromDouble(major, digits);
  if (!std::isfinite(major)) {
    CRM_FUZZ_CHECK(!money.ok() && money.status().code() == absl::StatusCode::kInvalidArgument,
                   "a non-finite double must be rejected");
    return;
  }
  // Exact reference: |major| = significand * 2^exponent; times 10^d, rounded half away.
  int exponent = 0;
  const double fraction = std::frexp(std::fabs(major), &exponent);
  const cpp_int significand(static_cast<uint64_t>(std::ldexp(fraction, 53)));
  exponent -= 53;
  cpp_int scaled = significand * Pow10(digits);
  cpp_int magnitude;
  if (exponent >= 0) {
    magnitude = scaled << exponent;
  } else {
    const unsigned shift = static_cast<unsigned>(-exponent);
    magnitude = scaled >> shift;
    const cpp_int remainder = scaled - (magnitude << shift);
    if (remainder * 2 >= (cpp_int(1) << shift)) magnitude += 1;
  }
  const cpp_int value = major < 0 ? cpp_int(-magnitude) : magnitude;
  if (!FitsInt64(value)) {
    CRM_FUZZ_CHECK(!money.ok() && money.status().code() == absl::StatusCode::kOutOfRange,
                   absl::StrCat("MoneyFromDouble(", major, ") must be out of range"));
    return;
  }
  CRM_FUZZ_CHECK(money.ok() && cpp_int(money->minor_units()) == value,
                 absl::StrFormat("MoneyFromDouble(%.17g, %d) = %s, want %s", major, digits,
                                 money.ok() ? absl::StrCat(money->minor_units())
                                            : money.status().ToString(),
                                 value.str()));
}

void CheckArithmetic(int64_t a, int64_t b) {
  const Money ma = Money::FromMinorUnits(a), mb = Money::FromMinorUnits(b);
  const auto expect = [&](const absl::StatusOr<Money>& got, const cpp_int& want,
                          const char* what) {
    if (FitsInt64(want)) {
      CRM_FUZZ_CHECK(got.ok() && cpp_int(got->minor_units()) == want,
                     absl::StrCat(what, "(", a, ", ", b, ") wrong"));
    } else {
      CRM_FUZZ_CHECK(!got.ok() && got.status().code() == absl::StatusCode::kOutOfRange &&
                         !got.status().message().empty(),
                     absl::StrCat(what, "(", a, ", ", b, ") overflowed silently"));
    }
  };
  expect(CheckedAdd(ma, mb), cpp_int(a) + b, "CheckedAdd");
  expect(CheckedSub(ma, mb), cpp_int(a) - b, "CheckedSub");
  expect(CheckedMultiply(ma, b), cpp_int(a) * b, "CheckedMultiply");
  expect(CheckedNegate(ma), -cpp_int(a), "CheckedNegate");
}

}  // namespace
}  // namespace crmcore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crmcore;
  using namespace crmcore::fuzz;
  FuzzInput in(data, size);
  const uint8_t digits_byte = in.Byte();
  const double major = in.RawDouble();
  const auto a = static_cast<int64_t>(in.U64());
  const auto b = static_cast<int64_t>(in.U64());
  const auto c = static_cast<int64_t>(in.U64());
  const std::string text(in.Rest());

  if (digits_byte >= 240) {
    // An invalid count of minor digits is an error, never an out-of-bounds read.
    const int bad =
        digits_byte >= 248 ? -(digits_byte - 247) : kMaxMinorDigits + (digits_byte - 239);
    const absl::StatusOr<Money> parsed = ParseMoney(text, bad);
    CRM_FUZZ_CHECK(!parsed.ok() && parsed.status().code() == absl::StatusCode::kInvalidArgument,
                   "ParseMoney accepted invalid minor digits");
    CRM_FUZZ_CHECK(!MoneyFromDouble(major, bad).ok(), "MoneyFromDouble accepted invalid digits");
    (void)FormatMoney(Money::FromMinorUnits(a), bad);  // Pinned, must not crash.
    return 0;
  }
  const int digits = digits_byte % (kMaxMinorDigits + 1);
  CheckParse(text, digits);
  const absl::StatusOr<Money> parsed = ParseMoney(text, digits);
  if (parsed.ok()) CheckFormatRoundTrip(*parsed, digits);
  CheckFormatRoundTrip(Money::FromMinorUnits(a), digits);
  CheckFromDouble(major, digits);
  CheckArithmetic(a, b);
  CheckArithmetic(b, c);

  // A running total: exact against the reference, whatever the amounts.
  MoneyTotal total;
  cpp_int want = 0;
  for (const int64_t amount : {a, b, c, parsed.ok() ? parsed->minor_units() : int64_t{0}}) {
    CRM_FUZZ_CHECK(total.Add(Money::FromMinorUnits(amount)).ok(), "MoneyTotal::Add failed");
    want += amount;
  }
  CRM_FUZZ_CHECK(cpp_int(total.total_minor_units().str()) == want, "MoneyTotal sum is wrong");
  const absl::StatusOr<Money> as_money = total.ToMoney();
  CRM_FUZZ_CHECK(as_money.ok() == FitsInt64(want), "MoneyTotal::ToMoney range check");
  const absl::StatusOr<double> mean = total.MeanMinorUnits();
  CRM_FUZZ_CHECK(mean.ok() && std::isfinite(*mean), "MoneyTotal mean not finite");
  MoneyTotal merged;
  CRM_FUZZ_CHECK(merged.Merge(total).ok() && merged.Merge(total).ok(), "Merge failed");
  CRM_FUZZ_CHECK(cpp_int(merged.total_minor_units().str()) == want * 2 && merged.count() == 8,
                 "merged total differs");
  const absl::StatusOr<MoneyTotal> rebuilt =
      MoneyTotal::FromPartialState(total.total_minor_units(), total.count());
  CRM_FUZZ_CHECK(rebuilt.ok() && rebuilt->total_minor_units() == total.total_minor_units(),
                 "FromPartialState of a valid total");
  return 0;
}

// Tests for include/crmcore/money.h (docs/domain.md §9).
#include "crmcore/money.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "boost/multiprecision/cpp_bin_float.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {

// Lets GoogleTest print a Money as "1234 minor units" in failure messages.
void PrintTo(const Money& m, std::ostream* os) { *os << m.minor_units() << " minor units"; }

namespace {

using ::boost::multiprecision::cpp_bin_float_50;
using ::testing::HasSubstr;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// Matches an absl::StatusOr<Money> that is OK and holds `expected`; a failure shows the
// status instead of aborting on a dereference.
MATCHER_P(HoldsMoney, expected, "") {
  if (!arg.ok()) {
    *result_listener << "which failed with " << arg.status();
    return false;
  }
  *result_listener << "which holds " << arg->minor_units() << " minor units";
  return *arg == expected;
}

constexpr Money M(int64_t minor_units) { return Money::FromMinorUnits(minor_units); }

// Values every conversion must survive: zero, small, powers of ten and their
// neighbours (where digit counts change), and both int64 extremes.
std::vector<int64_t> InterestingMinorUnits() {
  std::vector<int64_t> values = {0, 1, -1, 5, -5, 9, -9, 99, -99, kMax, kMin, kMax - 1, kMin + 1};
  int64_t power = 1;
  for (int i = 0; i <= 18; ++i) {
    for (int64_t v : {power - 1, power, power + 1}) {
      values.push_back(v);
      values.push_back(-v);
    }
    if (i < 18) power *= 10;
  }
  std::mt19937_64 rng(20240611);
  for (int i = 0; i < 500; ++i) {
    // Spread over all magnitudes, not just the top few decades.
    const int bits = static_cast<int>(rng() % 64);
    values.push_back(static_cast<int64_t>(rng() >> bits) * (rng() % 2 == 0 ? 1 : -1));
  }
  return values;
}

void ExpectInvalid(absl::string_view text, int minor_digits, absl::string_view fragment) {
  const absl::StatusOr<Money> parsed = ParseMoney(text, minor_digits);
  ASSERT_FALSE(parsed.ok()) << "accepted \"" << text << "\" as " << parsed->minor_units();
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << parsed.status();
  EXPECT_THAT(parsed.status().message(), HasSubstr(fragment));
}

void ExpectOutOfRange(absl::string_view text, int minor_digits) {
  const absl::StatusOr<Money> parsed = ParseMoney(text, minor_digits);
  ASSERT_FALSE(parsed.ok()) << "accepted \"" << text << "\" as " << parsed->minor_units();
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kOutOfRange) << parsed.status();
  EXPECT_THAT(parsed.status().message(), HasSubstr(absl::StrCat("\"", text, "\"")));
}

// ---------------------------------------------------------------------------
// Money

TEST(MoneyTest, DefaultIsZeroAndMinorUnitsRoundTrip) {
  static_assert(Money().minor_units() == 0);
  static_assert(Money::FromMinorUnits(-1234).minor_units() == -1234);
  EXPECT_EQ(Money(), M(0));
  EXPECT_EQ(M(kMin).minor_units(), kMin);
  EXPECT_EQ(M(kMax).minor_units(), kMax);
}

TEST(MoneyTest, OrdersByMinorUnits) {
  static_assert(M(-1) < M(0) && M(0) < M(1) && M(kMin) < M(kMax));
  EXPECT_LT(M(-5), M(-4));
  EXPECT_GT(M(1234), M(1233));
  EXPECT_NE(M(1), M(-1));
  EXPECT_EQ(M(7) <=> M(7), std::strong_ordering::equal);
}

TEST(MoneyTest, IsNegativeOnlyBelowZero) {
  EXPECT_TRUE(M(-1).is_negative());
  EXPECT_TRUE(M(kMin).is_negative());
  EXPECT_FALSE(M(0).is_negative());
  EXPECT_FALSE(M(1).is_negative());
}

TEST(MoneyTest, HasNoImplicitOrFloatingConversions) {
  static_assert(!std::is_constructible_v<Money, double>);
  static_assert(!std::is_convertible_v<double, Money>);
  static_assert(!std::is_convertible_v<int64_t, Money>);
  static_assert(!std::is_convertible_v<Money, int64_t>);
  static_assert(!std::is_convertible_v<Money, double>);
  static_assert(std::is_trivially_copyable_v<Money> && sizeof(Money) == sizeof(int64_t));
}

// ---------------------------------------------------------------------------
// ParseMoney

TEST(ParseMoneyTest, HandWorkedAmounts) {
  EXPECT_THAT(ParseMoney("12.34"), HoldsMoney(M(1234)));
  EXPECT_THAT(ParseMoney("-0.05"), HoldsMoney(M(-5)));
  EXPECT_THAT(ParseMoney("+7.5"), HoldsMoney(M(750)));
  EXPECT_THAT(ParseMoney("1.5"), HoldsMoney(M(150)));  // Fewer fraction digits are padded.
  EXPECT_THAT(ParseMoney("12"), HoldsMoney(M(1200)));
  EXPECT_THAT(ParseMoney("0"), HoldsMoney(M(0)));
  EXPECT_THAT(ParseMoney("-0"), HoldsMoney(M(0)));
  EXPECT_THAT(ParseMoney("-0.00"), HoldsMoney(M(0)));
  EXPECT_THAT(ParseMoney("007.50"), HoldsMoney(M(750)));  // Leading zeros are harmless.
}

TEST(ParseMoneyTest, ZeroMinorDigits) {
  EXPECT_THAT(ParseMoney("12", 0), HoldsMoney(M(12)));
  EXPECT_THAT(ParseMoney("-12", 0), HoldsMoney(M(-12)));
  EXPECT_THAT(ParseMoney("12.0", 0), HoldsMoney(M(12)));  // Extra zero digits round nothing.
  ExpectInvalid("12.5", 0, "money: \"12.5\" has 1 fraction digits, at most 0 allowed");
}

TEST(ParseMoneyTest, ThreeMinorDigits) {
  EXPECT_THAT(ParseMoney("1.234", 3), HoldsMoney(M(1234)));
  EXPECT_THAT(ParseMoney("1.2", 3), HoldsMoney(M(1200)));
  EXPECT_THAT(ParseMoney("-0.001", 3), HoldsMoney(M(-1)));
}

TEST(ParseMoneyTest, EighteenMinorDigitsReachBothExtremes) {
  EXPECT_THAT(ParseMoney("1.000000000000000001", 18), HoldsMoney(M(1000000000000000001)));
  EXPECT_THAT(ParseMoney("9.223372036854775807", 18), HoldsMoney(M(kMax)));
  EXPECT_THAT(ParseMoney("-9.223372036854775808", 18), HoldsMoney(M(kMin)));
  EXPECT_THAT(ParseMoney("0", 18), HoldsMoney(M(0)));
  ExpectOutOfRange("9.223372036854775808", 18);
  ExpectOutOfRange("-9.223372036854775809", 18);
  ExpectOutOfRange("10", 18);
}

TEST(ParseMoneyTest, ExtraFractionDigitsAcceptedWhenAllZero) {
  EXPECT_THAT(ParseMoney("1.500"), HoldsMoney(M(150)));
  EXPECT_THAT(ParseMoney("-1.5000000000000000000000000"), HoldsMoney(M(-150)));
  EXPECT_THAT(ParseMoney("3.00"), HoldsMoney(M(300)));
}

// Covers docs/bad-input.md BI-MNY-02
TEST(ParseMoneyTest, TooManyFractionDigitsAreNeverRounded) {
  ExpectInvalid("12.345", 2, "money: \"12.345\" has 3 fraction digits, at most 2 allowed");
  ExpectInvalid("1.5001", 2, "\"1.5001\" has 4 fraction digits, at most 2 allowed");
  ExpectInvalid("0.001", 2, "\"0.001\"");
  ExpectInvalid("1.2345", 3, "at most 3 allowed");
}

TEST(ParseMoneyTest, RejectsEmptyText) { ExpectInvalid("", 2, "money: \"\" is empty"); }

// Covers docs/bad-input.md BI-MNY-01
TEST(ParseMoneyTest, RejectsGarbage) {
  ExpectInvalid("abc", 2, "money: \"abc\" has an unexpected character \"a\" at offset 0");
  ExpectInvalid("12a", 2, "\"12a\" has an unexpected character \"a\" at offset 2");
  ExpectInvalid("nan", 2, "\"nan\"");
  ExpectInvalid("inf", 2, "\"inf\"");
  ExpectInvalid("0x10", 2, "\"x\" at offset 1");
  ExpectInvalid("$1", 2, "\"$\" at offset 0");
}

TEST(ParseMoneyTest, RejectsSecondDecimalPoint) {
  ExpectInvalid("1.2.3", 2, "money: \"1.2.3\" has an unexpected character \".\" at offset 3");
}

TEST(ParseMoneyTest, RejectsRepeatedOrMisplacedSigns) {
  ExpectInvalid("--1", 2, "\"--1\" has an unexpected character \"-\" at offset 1");
  ExpectInvalid("+-1", 2, "\"-\" at offset 1");
  ExpectInvalid("-+1", 2, "\"+\" at offset 1");
  ExpectInvalid("1-", 2, "\"-\" at offset 1");
}

TEST(ParseMoneyTest, RejectsSpacesAndSeparators) {
  ExpectInvalid(" 1", 2, "\" \" at offset 0");
  ExpectInvalid("1 ", 2, "\" \" at offset 1");
  ExpectInvalid("- 1", 2, "\" \" at offset 1");
  ExpectInvalid("1,000", 2, "\",\" at offset 1");
  ExpectInvalid("1_000", 2, "\"_\" at offset 1");
  ExpectInvalid("1,5", 2, "\",\" at offset 1");  // Decimal comma is not a locale option.
}

TEST(ParseMoneyTest, RejectsExponents) {
  ExpectInvalid("1e5", 2, "money: \"1e5\" has an unexpected character \"e\" at offset 1");
  ExpectInvalid("1E5", 2, "\"E\" at offset 1");
  ExpectInvalid("1.5e2", 2, "\"e\" at offset 3");
  ExpectInvalid("1.e5", 2, "\"e\" at offset 2");
}

TEST(ParseMoneyTest, RejectsLoneSign) {
  ExpectInvalid("-", 2, "money: \"-\" has no digits");
  ExpectInvalid("+", 2, "money: \"+\" has no digits");
}

TEST(ParseMoneyTest, RejectsPointWithoutIntegerDigits) {
  ExpectInvalid(".", 2, "money: \".\" has no digits");
  ExpectInvalid(".5", 2, "money: \".5\" has no digits before the decimal point");
  ExpectInvalid("-.5", 2, "\"-.5\" has no digits before the decimal point");
}

// "1." is rejected on purpose: it is what a truncated "1.5" looks like, and
// FormatMoney never writes it.
TEST(ParseMoneyTest, RejectsPointWithoutFractionDigits) {
  ExpectInvalid("1.", 2, "money: \"1.\" has no digits after the decimal point");
  ExpectInvalid("-1.", 2, "\"-1.\" has no digits after the decimal point");
  ExpectInvalid("1.", 0, "\"1.\" has no digits after the decimal point");
}

TEST(ParseMoneyTest, EscapesControlBytesInMessages) {
  ExpectInvalid(absl::string_view("1\0", 2), 2, "money: \"1\\x00\" has an unexpected character");
  ExpectInvalid("1\n", 2, "\"1\\n\"");
}

TEST(ParseMoneyTest, Int64BoundsWithZeroMinorDigits) {
  EXPECT_THAT(ParseMoney("9223372036854775807", 0), HoldsMoney(M(kMax)));
  EXPECT_THAT(ParseMoney("-9223372036854775808", 0), HoldsMoney(M(kMin)));
  ExpectOutOfRange("9223372036854775808", 0);   // INT64_MAX + 1
  ExpectOutOfRange("-9223372036854775809", 0);  // INT64_MIN - 1
  ExpectOutOfRange("+9223372036854775808", 0);
}

// Covers docs/bad-input.md BI-MNY-03
TEST(ParseMoneyTest, Int64BoundsWithTwoMinorDigits) {
  EXPECT_THAT(ParseMoney("92233720368547758.07"), HoldsMoney(M(kMax)));
  EXPECT_THAT(ParseMoney("-92233720368547758.08"), HoldsMoney(M(kMin)));
  ExpectOutOfRange("92233720368547758.08", 2);   // One cent beyond INT64_MAX.
  ExpectOutOfRange("-92233720368547758.09", 2);  // One cent below INT64_MIN.
  ExpectOutOfRange("92233720368547759", 2);      // Overflows while padding the cents.
  const absl::StatusOr<Money> parsed = ParseMoney("92233720368547758.08");
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("money: \"92233720368547758.08\" is outside the int64 range of minor "
                        "units with 2 minor digits"));
}

TEST(ParseMoneyTest, VeryLongDigitStrings) {
  // Overflows uint64 itself, not just the int64 limit.
  ExpectOutOfRange("99999999999999999999999999999999", 0);
  ExpectOutOfRange("-184467440737095516160", 0);
  EXPECT_THAT(ParseMoney("000000000000000000000000000000001.00"), HoldsMoney(M(100)));
}

// Covers docs/bad-input.md BI-MNY-04
TEST(ParseMoneyTest, RejectsMinorDigitsOutOfRange) {
  for (int minor_digits : {-1, 19, std::numeric_limits<int>::min()}) {
    const absl::StatusOr<Money> parsed = ParseMoney("1", minor_digits);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(),
                HasSubstr(absl::StrCat("minor_digits must be in [0, 18], got ", minor_digits)));
  }
  EXPECT_TRUE(ValidateMinorDigits(0).ok());
  EXPECT_TRUE(ValidateMinorDigits(18).ok());
}

// ---------------------------------------------------------------------------
// FormatMoney

TEST(FormatMoneyTest, HandWorkedAmounts) {
  EXPECT_EQ(FormatMoney(M(1234)), "12.34");
  EXPECT_EQ(FormatMoney(M(-5)), "-0.05");
  EXPECT_EQ(FormatMoney(M(5)), "0.05");
  EXPECT_EQ(FormatMoney(M(0)), "0.00");
  EXPECT_EQ(FormatMoney(M(1200)), "12.00");
  EXPECT_EQ(FormatMoney(M(-100)), "-1.00");
  EXPECT_EQ(FormatMoney(M(-10)), "-0.10");
}

TEST(FormatMoneyTest, OtherMinorDigits) {
  EXPECT_EQ(FormatMoney(M(12), 0), "12");
  EXPECT_EQ(FormatMoney(M(-12), 0), "-12");
  EXPECT_EQ(FormatMoney(M(0), 0), "0");
  EXPECT_EQ(FormatMoney(M(1), 3), "0.001");
  EXPECT_EQ(FormatMoney(M(-1234), 3), "-1.234");
  EXPECT_EQ(FormatMoney(M(1), 18), "0.000000000000000001");
}

TEST(FormatMoneyTest, Int64Extremes) {
  EXPECT_EQ(FormatMoney(M(kMin)), "-92233720368547758.08");
  EXPECT_EQ(FormatMoney(M(kMax)), "92233720368547758.07");
  EXPECT_EQ(FormatMoney(M(kMin), 0), "-9223372036854775808");
  EXPECT_EQ(FormatMoney(M(kMin), 18), "-9.223372036854775808");
  EXPECT_EQ(FormatMoney(M(kMax), 18), "9.223372036854775807");
}

TEST(FormatMoneyTest, PinsMinorDigitsToSupportedRange) {
  EXPECT_EQ(FormatMoney(M(1234), -3), FormatMoney(M(1234), 0));
  EXPECT_EQ(FormatMoney(M(1234), 25), FormatMoney(M(1234), 18));
}

TEST(FormatMoneyTest, ParseOfFormatIsIdentityForEveryMinorDigitCount) {
  const std::vector<int64_t> values = InterestingMinorUnits();
  for (int minor_digits = 0; minor_digits <= kMaxMinorDigits; ++minor_digits) {
    for (int64_t v : values) {
      const std::string text = FormatMoney(M(v), minor_digits);
      const absl::StatusOr<Money> parsed = ParseMoney(text, minor_digits);
      ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
      ASSERT_EQ(*parsed, M(v)) << text << " with " << minor_digits << " minor digits";
    }
  }
}

TEST(FormatMoneyTest, FormatOfParseIsIdentityOnCanonicalText) {
  for (const char* text : {"0.00", "12.34", "-0.05", "-92233720368547758.08",
                           "92233720368547758.07", "100.00", "-1.10"}) {
    EXPECT_EQ(FormatMoney(*ParseMoney(text)), text);
  }
}

// ---------------------------------------------------------------------------
// Checked arithmetic

void ExpectOverflow(const absl::StatusOr<Money>& result, absl::string_view message) {
  ASSERT_FALSE(result.ok()) << "got " << result->minor_units();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(result.status().message(), HasSubstr(message));
}

// Covers docs/bad-input.md BI-MNY-06
TEST(CheckedArithmeticTest, AddHandWorkedAndOverflow) {
  EXPECT_THAT(CheckedAdd(M(1234), M(-34)), HoldsMoney(M(1200)));
  EXPECT_THAT(CheckedAdd(M(kMax), M(0)), HoldsMoney(M(kMax)));
  EXPECT_THAT(CheckedAdd(M(kMax), M(kMin)), HoldsMoney(M(-1)));
  ExpectOverflow(CheckedAdd(M(kMax), M(1)),
                 "money: 9223372036854775807 + 1 minor units overflows int64");
  ExpectOverflow(CheckedAdd(M(kMin), M(-1)), "-9223372036854775808 + -1");
}

TEST(CheckedArithmeticTest, SubHandWorkedAndOverflow) {
  EXPECT_THAT(CheckedSub(M(5), M(7)), HoldsMoney(M(-2)));
  EXPECT_THAT(CheckedSub(M(-1), M(kMax)), HoldsMoney(M(kMin)));
  ExpectOverflow(CheckedSub(M(kMin), M(1)), "money: -9223372036854775808 - 1 minor units");
  ExpectOverflow(CheckedSub(M(0), M(kMin)), "0 - -9223372036854775808");
  ExpectOverflow(CheckedSub(M(kMax), M(-1)), "9223372036854775807 - -1");
}

// Covers docs/bad-input.md BI-MNY-06
TEST(CheckedArithmeticTest, MultiplyHandWorkedAndOverflow) {
  EXPECT_THAT(CheckedMultiply(M(250), 4), HoldsMoney(M(1000)));
  EXPECT_THAT(CheckedMultiply(M(250), -3), HoldsMoney(M(-750)));  // A return of three items.
  EXPECT_THAT(CheckedMultiply(M(0), kMax), HoldsMoney(M(0)));
  EXPECT_THAT(CheckedMultiply(M(kMax), -1), HoldsMoney(M(-kMax)));
  EXPECT_THAT(CheckedMultiply(M(kMin / 2), 2), HoldsMoney(M(kMin)));
  ExpectOverflow(CheckedMultiply(M(kMax / 2 + 1), 2),
                 "money: amount 4611686018427387904 minor units * quantity 2 overflows int64");
  ExpectOverflow(CheckedMultiply(M(kMin), -1),
                 "amount -9223372036854775808 minor units * quantity -1");
  ExpectOverflow(CheckedMultiply(M(-2), kMax), "quantity 9223372036854775807");
}

TEST(CheckedArithmeticTest, NegateHandWorkedAndOverflow) {
  EXPECT_THAT(CheckedNegate(M(5)), HoldsMoney(M(-5)));
  EXPECT_THAT(CheckedNegate(M(0)), HoldsMoney(M(0)));
  EXPECT_THAT(CheckedNegate(M(kMax)), HoldsMoney(M(-kMax)));
  EXPECT_THAT(CheckedNegate(M(-kMax)), HoldsMoney(M(kMax)));
  ExpectOverflow(CheckedNegate(M(kMin)), "money: -(-9223372036854775808) minor units overflows");
}

// ---------------------------------------------------------------------------
// MoneyFromDouble / ToDouble

// The exact reference: the double's binary value times 10^d (exact in 50 decimal
// digits, since it needs at most 53 + 60 bits), rounded half away from zero.
absl::StatusOr<Money> ReferenceFromDouble(double major_units, int minor_digits) {
  cpp_bin_float_50 scale = 1;
  for (int i = 0; i < minor_digits; ++i) scale *= 10;
  const cpp_bin_float_50 rounded =
      boost::multiprecision::round(cpp_bin_float_50(major_units) * scale);
  if (rounded < cpp_bin_float_50(kMin) || rounded > cpp_bin_float_50(kMax)) {
    return absl::OutOfRangeError("reference out of range");
  }
  return M(rounded.convert_to<int64_t>());
}

TEST(MoneyFromDoubleTest, HandWorkedAmounts) {
  EXPECT_THAT(MoneyFromDouble(12.34), HoldsMoney(M(1234)));
  EXPECT_THAT(MoneyFromDouble(-0.05), HoldsMoney(M(-5)));
  EXPECT_THAT(MoneyFromDouble(1.0), HoldsMoney(M(100)));
  EXPECT_THAT(MoneyFromDouble(0.0), HoldsMoney(M(0)));
  EXPECT_THAT(MoneyFromDouble(-0.0), HoldsMoney(M(0)));
  EXPECT_THAT(MoneyFromDouble(12.0, 0), HoldsMoney(M(12)));
  EXPECT_THAT(MoneyFromDouble(1.234, 3), HoldsMoney(M(1234)));
  EXPECT_THAT(MoneyFromDouble(1e-18, 18), HoldsMoney(M(1)));
}

TEST(MoneyFromDoubleTest, RoundsExactHalvesAwayFromZero) {
  EXPECT_THAT(MoneyFromDouble(0.125), HoldsMoney(M(13)));  // 0.125 is exact in binary: 12.5 cents.
  EXPECT_THAT(MoneyFromDouble(-0.125), HoldsMoney(M(-13)));
  EXPECT_THAT(MoneyFromDouble(0.375), HoldsMoney(M(38)));
  EXPECT_THAT(MoneyFromDouble(0.5, 0), HoldsMoney(M(1)));
  EXPECT_THAT(MoneyFromDouble(-0.5, 0), HoldsMoney(M(-1)));
  EXPECT_THAT(MoneyFromDouble(1.5, 0), HoldsMoney(M(2)));
  EXPECT_THAT(MoneyFromDouble(2.5, 0), HoldsMoney(M(3)));  // Not to even.
  EXPECT_THAT(MoneyFromDouble(-2.5, 0), HoldsMoney(M(-3)));
  EXPECT_THAT(MoneyFromDouble(0.49999999999999994, 0),
              HoldsMoney(M(0)));  // Largest double below 0.5.
  EXPECT_THAT(MoneyFromDouble(4503599627370495.5, 0),
              HoldsMoney(M(4503599627370496)));  // 2^52 - 0.5
}

// The rounding applies to the double's exact binary value, not to its decimal spelling.
TEST(MoneyFromDoubleTest, RoundsTheBinaryValueNotTheDecimalLiteral) {
  EXPECT_THAT(MoneyFromDouble(1.005), HoldsMoney(M(100)));  // 1.00499999999999989...
  EXPECT_THAT(MoneyFromDouble(2.675), HoldsMoney(M(267)));  // 2.67499999999999982...
  EXPECT_THAT(MoneyFromDouble(0.005), HoldsMoney(M(1)));    // 0.00500000000000000010...
  // 0.04499999999999999833...: 4.4999... cents. The naive double product rounds up to
  // exactly 4.5 and would give 5; the exact product does not.
  EXPECT_EQ(0.045 * 100.0, 4.5);
  EXPECT_THAT(MoneyFromDouble(0.045), HoldsMoney(M(4)));
  EXPECT_THAT(ReferenceFromDouble(0.045, 2), HoldsMoney(M(4)));
}

// Covers docs/bad-input.md BI-MNY-05
TEST(MoneyFromDoubleTest, Int64Extremes) {
  EXPECT_THAT(MoneyFromDouble(-9223372036854775808.0, 0), HoldsMoney(M(kMin)));  // -2^63 exactly.
  EXPECT_THAT(MoneyFromDouble(std::nextafter(9223372036854775808.0, 0.0), 0),
              HoldsMoney(M(9223372036854774784)));  // 2^63 - 1024, the largest double below 2^63.
  for (auto [value, minor_digits] : std::vector<std::pair<double, int>>{
           {9223372036854775808.0, 0},  // 2^63 = INT64_MAX + 1.
           {-9223372036854775808.0, 2},
           {92233720368547758.0, 2},  // Is 92233720368547760 in binary: 7 cents too many.
           {1e300, 0},
           {-1e300, 0},
           {10.0, 18}}) {
    const absl::StatusOr<Money> converted = MoneyFromDouble(value, minor_digits);
    ASSERT_FALSE(converted.ok()) << value << " -> " << converted->minor_units();
    EXPECT_EQ(converted.status().code(), absl::StatusCode::kOutOfRange);
    EXPECT_THAT(converted.status().message(),
                HasSubstr(absl::StrFormat("money: major_units %.17g is outside", value)));
  }
}

TEST(MoneyFromDoubleTest, TinyValuesRoundToZero) {
  EXPECT_THAT(MoneyFromDouble(std::numeric_limits<double>::denorm_min()), HoldsMoney(M(0)));
  EXPECT_THAT(MoneyFromDouble(-std::numeric_limits<double>::min(), 18), HoldsMoney(M(0)));
  EXPECT_THAT(MoneyFromDouble(0.004999), HoldsMoney(M(0)));
  EXPECT_THAT(MoneyFromDouble(-0.004999), HoldsMoney(M(0)));
}

// Covers docs/bad-input.md BI-MNY-05
TEST(MoneyFromDoubleTest, RejectsNanAndInfinity) {
  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    const absl::StatusOr<Money> converted = MoneyFromDouble(bad);
    ASSERT_FALSE(converted.ok());
    EXPECT_EQ(converted.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(converted.status().message(),
                HasSubstr(absl::StrCat("major_units must be finite, got ", bad)));
  }
}

TEST(MoneyFromDoubleTest, RejectsMinorDigitsOutOfRange) {
  const absl::StatusOr<Money> converted = MoneyFromDouble(1.0, 19);
  ASSERT_FALSE(converted.ok());
  EXPECT_EQ(converted.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(converted.status().message(), HasSubstr("got 19"));
}

TEST(MoneyFromDoubleTest, MatchesHighPrecisionReference) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> log10_magnitude(-20.0, 20.0);
  int compared = 0;
  for (int i = 0; i < 4000; ++i) {
    const int minor_digits = static_cast<int>(rng() % (kMaxMinorDigits + 1));
    double value = std::pow(10.0, log10_magnitude(rng));
    if (i % 2 == 1) value = -value;
    if (i % 5 == 0) value = std::round(value * 2.0) / 2.0;  // Many exact halves for d = 0.
    const absl::StatusOr<Money> actual = MoneyFromDouble(value, minor_digits);
    const absl::StatusOr<Money> expected = ReferenceFromDouble(value, minor_digits);
    ASSERT_EQ(actual.ok(), expected.ok()) << value << " with " << minor_digits;
    if (actual.ok()) {
      ASSERT_EQ(*actual, *expected) << absl::StrFormat("%.17g", value) << " with " << minor_digits;
      ++compared;
    }
  }
  EXPECT_GT(compared, 1000);  // The sample must exercise in-range values, not only errors.
}

TEST(ToDoubleTest, HandWorkedAmounts) {
  EXPECT_EQ(ToDouble(M(1234)), 12.34);
  EXPECT_EQ(ToDouble(M(-5)), -0.05);
  EXPECT_EQ(ToDouble(M(0)), 0.0);
  EXPECT_EQ(ToDouble(M(12), 0), 12.0);
  EXPECT_EQ(ToDouble(M(1234), 3), 1.234);
  EXPECT_EQ(ToDouble(M(1), 18), 1e-18);
  EXPECT_EQ(ToDouble(M(1234), 25), ToDouble(M(1234), 18));  // Pinned.
}

TEST(ToDoubleTest, IsLossyAboveTwoToTheFiftyThree) {
  constexpr int64_t kTwo53 = int64_t{1} << 53;
  EXPECT_EQ(ToDouble(M(kTwo53 + 1), 0), 9007199254740992.0);  // Rounded to 2^53.
  EXPECT_EQ(ToDouble(M(kMax), 0), 9223372036854775808.0);     // Rounded to 2^63.
  EXPECT_EQ(ToDouble(M(kMin), 0), -9223372036854775808.0);
}

// Below 2^52 minor units ToDouble's relative error (2^-53) is less than half a minor
// unit, so MoneyFromDouble recovers the amount exactly.
TEST(ToDoubleTest, MoneyFromDoubleInvertsItBelowTwoToTheFiftyTwo) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 5000; ++i) {
    const int minor_digits = static_cast<int>(rng() % (kMaxMinorDigits + 1));
    const int shift = 12 + static_cast<int>(rng() % 52);
    const int64_t v = static_cast<int64_t>(rng() >> shift) * (i % 2 == 0 ? 1 : -1);
    ASSERT_THAT(MoneyFromDouble(ToDouble(M(v), minor_digits), minor_digits), HoldsMoney(M(v)))
        << v << " with " << minor_digits;
  }
}

// ---------------------------------------------------------------------------
// MoneyTotal

MoneyTotal SumOf(const std::vector<int64_t>& amounts) {
  MoneyTotal total;
  for (int64_t a : amounts) EXPECT_TRUE(total.Add(M(a)).ok());
  return total;
}

TEST(MoneyTotalTest, EmptyTotal) {
  const MoneyTotal total;
  EXPECT_EQ(total.count(), 0);
  EXPECT_THAT(total.ToMoney(), HoldsMoney(M(0)));
  EXPECT_EQ(total.Format(), "0.00");
  const absl::StatusOr<double> mean = total.MeanMinorUnits();
  ASSERT_FALSE(mean.ok());
  EXPECT_EQ(mean.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(mean.status().message(), HasSubstr("count 0"));
}

TEST(MoneyTotalTest, HandWorkedSumAndMean) {
  const MoneyTotal total = SumOf({1234, -34, 100});
  EXPECT_EQ(total.count(), 3);
  EXPECT_THAT(total.ToMoney(), HoldsMoney(M(1300)));
  EXPECT_EQ(total.Format(), "13.00");
  EXPECT_EQ(total.Format(0), "1300");
  EXPECT_DOUBLE_EQ(*total.MeanMinorUnits(), 1300.0 / 3.0);
  EXPECT_EQ(*SumOf({-7, -8}).MeanMinorUnits(), -7.5);
}

TEST(MoneyTotalTest, TenTimesInt64MaxIsExact) {
  const MoneyTotal total = SumOf(std::vector<int64_t>(10, kMax));
  EXPECT_EQ(total.count(), 10);
  EXPECT_EQ(total.total_minor_units().str(), "92233720368547758070");
  EXPECT_EQ(total.Format(), "922337203685477580.70");
  EXPECT_EQ(total.Format(0), "92233720368547758070");
  EXPECT_EQ(total.Format(18), "92.233720368547758070");
  EXPECT_EQ(*total.MeanMinorUnits(), 9223372036854775807.0);
  const absl::StatusOr<Money> money = total.ToMoney();
  ASSERT_FALSE(money.ok());
  EXPECT_EQ(money.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(money.status().message(),
              HasSubstr("money total: 92233720368547758070 minor units does not fit int64"));
}

TEST(MoneyTotalTest, TenTimesInt64MinIsExact) {
  const MoneyTotal total = SumOf(std::vector<int64_t>(10, kMin));
  EXPECT_EQ(total.Format(), "-922337203685477580.80");
  EXPECT_EQ(*total.MeanMinorUnits(), -9223372036854775808.0);
  const absl::StatusOr<Money> money = total.ToMoney();
  ASSERT_FALSE(money.ok());
  EXPECT_EQ(money.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(money.status().message(), HasSubstr("-92233720368547758080"));
}

// Intermediate totals beyond int64 are fine as long as the final one fits.
TEST(MoneyTotalTest, RefundsBringTotalBackIntoRange) {
  const MoneyTotal total = SumOf({kMax, kMax, kMax, kMin, kMin, kMin});
  EXPECT_THAT(total.ToMoney(), HoldsMoney(M(-3)));
  EXPECT_EQ(total.Format(), "-0.03");
}

TEST(MoneyTotalTest, ToMoneyAtTheInt64Edges) {
  EXPECT_THAT(SumOf({kMax - 5, 5}).ToMoney(), HoldsMoney(M(kMax)));
  EXPECT_THAT(SumOf({kMin + 5, -5}).ToMoney(), HoldsMoney(M(kMin)));
  EXPECT_EQ(SumOf({kMax, 1}).ToMoney().status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(SumOf({kMin, -1}).ToMoney().status().code(), absl::StatusCode::kOutOfRange);
}

TEST(MoneyTotalTest, FormatMatchesFormatMoneyWhenTheTotalFits) {
  for (int64_t v : InterestingMinorUnits()) {
    const MoneyTotal total = SumOf({v});
    for (int minor_digits : {0, 2, 3, 18}) {
      ASSERT_EQ(total.Format(minor_digits), FormatMoney(M(v), minor_digits)) << v;
    }
  }
}

TEST(MoneyTotalTest, MergeEqualsSequentialSum) {
  std::mt19937_64 rng(3);
  std::vector<int64_t> amounts;
  for (int i = 0; i < 1000; ++i) amounts.push_back(static_cast<int64_t>(rng()));
  const MoneyTotal sequential = SumOf(amounts);
  MoneyTotal shards[4];
  for (size_t i = 0; i < amounts.size(); ++i) ASSERT_TRUE(shards[i % 4].Add(M(amounts[i])).ok());
  MoneyTotal merged;
  for (const MoneyTotal& shard : shards) ASSERT_TRUE(merged.Merge(shard).ok());
  ASSERT_TRUE(merged.Merge(MoneyTotal()).ok());  // An empty shard changes nothing.
  EXPECT_EQ(merged.count(), sequential.count());
  EXPECT_EQ(merged.total_minor_units(), sequential.total_minor_units());
  EXPECT_EQ(merged.Format(), sequential.Format());
  EXPECT_EQ(*merged.MeanMinorUnits(), *sequential.MeanMinorUnits());
}

TEST(MoneyTotalTest, AddFailsOnlyWhenCountIsExhaustedAndLeavesTotalUnchanged) {
  MoneyTotal total = *MoneyTotal::FromPartialState(MoneyTotal::Int128(kMax) * 3, kMax);
  const absl::Status status = total.Add(M(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("count 9223372036854775807 + 1 amounts exceeds"));
  EXPECT_EQ(total.count(), kMax);
  EXPECT_EQ(total.total_minor_units(), MoneyTotal::Int128(kMax) * 3);
  // The capacity bound keeps even the most extreme state far inside 128 bits.
  MoneyTotal extreme = *MoneyTotal::FromPartialState(MoneyTotal::Int128(kMin) * kMax, kMax);
  EXPECT_EQ(extreme.Format(0), "-85070591730234615856620279821087277056");  // -2^126 + 2^63
}

TEST(MoneyTotalTest, MergeFailsWhenCountsOverflowAndLeavesTotalUnchanged) {
  MoneyTotal big = *MoneyTotal::FromPartialState(0, kMax - 1);
  const MoneyTotal two = SumOf({1, 2});
  const absl::Status status = big.Merge(two);
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("count 9223372036854775806 + 2"));
  EXPECT_EQ(big.count(), kMax - 1);
  EXPECT_EQ(big.total_minor_units(), 0);
  EXPECT_TRUE(big.Merge(SumOf({5})).ok());  // Exactly INT64_MAX amounts still fit.
  EXPECT_EQ(big.count(), kMax);
}

TEST(MoneyTotalTest, FromPartialStateRejectsUnreachableStates) {
  EXPECT_EQ(MoneyTotal::FromPartialState(MoneyTotal::Int128(kMin) * 2, 2)->Format(0),
            "-18446744073709551616");
  const absl::StatusOr<MoneyTotal> negative_count = MoneyTotal::FromPartialState(0, -1);
  ASSERT_FALSE(negative_count.ok());
  EXPECT_EQ(negative_count.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(negative_count.status().message(), HasSubstr("count must be >= 0, got -1"));
  const absl::StatusOr<MoneyTotal> nonzero_empty = MoneyTotal::FromPartialState(1, 0);
  ASSERT_FALSE(nonzero_empty.ok());
  EXPECT_THAT(nonzero_empty.status().message(),
              HasSubstr("total_minor_units 1 is not a sum of count 0"));
  const absl::StatusOr<MoneyTotal> too_big =
      MoneyTotal::FromPartialState(MoneyTotal::Int128(kMax) + 1, 1);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_big.status().message(), HasSubstr("9223372036854775808"));
  EXPECT_FALSE(MoneyTotal::FromPartialState(MoneyTotal::Int128(kMin) * 2 - 1, 2).ok());
}

TEST(MoneyTotalTest, MeanMatchesHighPrecisionReference) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 50);
    std::vector<int64_t> amounts;
    cpp_bin_float_50 exact_sum = 0;
    for (int i = 0; i < n; ++i) {
      const int64_t a = static_cast<int64_t>(rng() >> (rng() % 60));
      amounts.push_back(trial % 2 == 0 ? a : -a);
      exact_sum += amounts.back();
    }
    const double reference = (exact_sum / n).convert_to<double>();
    const double mean = *SumOf(amounts).MeanMinorUnits();
    // Two roundings (quotient to double, then the sum): within two ulps.
    ASSERT_NEAR(mean, reference, 2.0 * std::abs(reference) * std::numeric_limits<double>::epsilon())
        << "trial " << trial;
  }
}

}  // namespace
}  // namespace crmcore

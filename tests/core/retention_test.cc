// Tests for include/crmcore/retention.h (docs/domain.md §4.4).
#include "crmcore/retention.h"

#include <array>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::boost::multiprecision::cpp_bin_float_50;
using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

template <typename T>
void ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code,
                 const std::vector<std::string>& parts) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status();
  for (const std::string& part : parts) {
    EXPECT_THAT(result.status().message(), HasSubstr(part));
  }
}

// m (1 + d) / (1 + d - r) in 50 significant digits, from the exact double inputs.
cpp_bin_float_50 Reference50(double m, double r, double d) {
  const cpp_bin_float_50 mm = m, rr = r, dd = d;
  return mm * (1 + dd) / (1 + dd - rr);
}
double ReferenceValue(double m, double r, double d) {
  return static_cast<double>(Reference50(m, r, d));
}

// The definition the closed form sums: Σ_{t>=0} m (r / (1 + d))^t, truncated once the
// terms drop below 10^-45 of the first.
double ReferenceSeries(double m, double r, double d) {
  const cpp_bin_float_50 q = cpp_bin_float_50(r) / (1 + cpp_bin_float_50(d));
  cpp_bin_float_50 term = m, sum = 0;
  while (abs(term) > abs(cpp_bin_float_50(m)) * cpp_bin_float_50("1e-45")) {
    sum += term;
    term *= q;
  }
  return static_cast<double>(sum);
}

double ValueOf(double m, double r, double d) {
  const absl::StatusOr<double> value = RetentionLifetimeValue(m, r, d);
  EXPECT_TRUE(value.ok()) << value.status();
  return value.value_or(kNaN);
}

// ---------------------------------------------------------------------------
// Retention lifetime value

TEST(RetentionLifetimeValueTest, HandWorkedValues) {
  EXPECT_DOUBLE_EQ(ValueOf(100.0, 0.8, 0.1), 1100.0 / 3.0);  // 100 · 1.1 / 0.3 = 366.67
  EXPECT_DOUBLE_EQ(ValueOf(100.0, 0.85, 0.1), 440.0);        // 100 · 1.1 / 0.25
  EXPECT_DOUBLE_EQ(ValueOf(100.0, 0.5, 0.0), 200.0);         // no discount: m / (1 - r)
  EXPECT_EQ(ValueOf(100.0, 0.0, 0.1), 100.0);                // no retention: this period only
  EXPECT_EQ(ValueOf(0.0, 0.9, 0.1), 0.0);
  EXPECT_DOUBLE_EQ(ValueOf(-50.0, 0.8, 0.1), -550.0 / 3.0);  // a loss-making customer
}

TEST(RetentionLifetimeValueTest, MatchesHighPrecisionClosedFormAndSeries) {
  const std::vector<std::array<double, 3>> cases = {
      {100.0, 0.8, 0.1},  {100.0, 0.85, 0.1}, {37.25, 0.63, 0.08}, {1.0, 0.999, 0.0},
      {-12.5, 0.4, 0.15}, {1e6, 0.95, 0.12},  {0.01, 0.0, 3.0},    {250.0, 0.7, 0.0},
  };
  for (const auto& [m, r, d] : cases) {
    const double value = ValueOf(m, r, d);
    const double reference = ReferenceValue(m, r, d);
    EXPECT_NEAR(value, reference, 4e-16 * std::fabs(reference) / (1 - r))
        << "m=" << m << " r=" << r << " d=" << d;
    EXPECT_NEAR(ReferenceSeries(m, r, d), reference, 1e-30 + 1e-15 * std::fabs(reference));
  }
}

TEST(RetentionLifetimeValueTest, AcceptsEdgesOfEachRange) {
  const double just_below_one = std::nextafter(1.0, 0.0);
  EXPECT_NEAR(ValueOf(1.0, just_below_one, 0.0), 9007199254740992.0, 1.0);  // 1 / 2^-53
  EXPECT_TRUE(RetentionLifetimeValue(1.0, 0.5, std::numeric_limits<double>::max()).ok());
  EXPECT_TRUE(RetentionLifetimeValue(-std::numeric_limits<double>::max(), 0.0, 0.0).ok());
}

TEST(RetentionLifetimeValueTest, RejectsBadInputsNamingThem) {
  ExpectError(RetentionLifetimeValue(kNaN, 0.8, 0.1), kInvalid, {"margin m", "got nan"});
  ExpectError(RetentionLifetimeValue(kInf, 0.8, 0.1), kInvalid, {"margin m", "got inf"});
  ExpectError(RetentionLifetimeValue(-kInf, 0.8, 0.1), kInvalid, {"margin m", "got -inf"});
  ExpectError(RetentionLifetimeValue(100.0, -0.01, 0.1), kInvalid,
              {"retention r must be in [0, 1)", "got -0.01"});
  ExpectError(RetentionLifetimeValue(100.0, 1.0, 0.1), kInvalid, {"retention r", "got 1"});
  ExpectError(RetentionLifetimeValue(100.0, 1.5, 0.1), kInvalid, {"retention r", "got 1.5"});
  ExpectError(RetentionLifetimeValue(100.0, kNaN, 0.1), kInvalid, {"retention r", "got nan"});
  ExpectError(RetentionLifetimeValue(100.0, 0.8, -0.01), kInvalid,
              {"discount d must be finite and >= 0", "got -0.01"});
  ExpectError(RetentionLifetimeValue(100.0, 0.8, kNaN), kInvalid, {"discount d", "got nan"});
  ExpectError(RetentionLifetimeValue(100.0, 0.8, kInf), kInvalid, {"discount d", "got inf"});
}

TEST(RetentionLifetimeValueTest, OverflowIsOutOfRange) {
  ExpectError(RetentionLifetimeValue(1e308, 0.9, 0.0), absl::StatusCode::kOutOfRange,
              {"overflows", "m = 1e+308", "r = 0.9", "d = 0"});
  ExpectError(RetentionLifetimeValue(-1e308, 0.9, 0.0), absl::StatusCode::kOutOfRange,
              {"m = -1e+308"});
  EXPECT_TRUE(RetentionLifetimeValue(1e307, 0.9, 0.0).ok());  // 1e308 still fits
}

// ---------------------------------------------------------------------------
// Retention what-if

RetentionWhatIf WhatIf(double m, double r, double new_r, double d) {
  const absl::StatusOr<RetentionWhatIf> what_if = RetentionChangeWhatIf(m, r, new_r, d);
  EXPECT_TRUE(what_if.ok()) << what_if.status();
  return what_if.value_or(RetentionWhatIf{kNaN, kNaN, kNaN, kNaN});
}

// Reichheld: 5 points of retention raise profit 25–85 %. At m = 100, d = 0.1 the value
// rises 20 % from r = 0.80 and 33 % from r = 0.90: the closer to 1, the larger the gain.
// Decimal rates are not exact in binary (0.85 is 0.8499999999999999778), so the decimal
// answers hold to 1e-12; MatchesHighPrecisionReference checks the exact-input precision.
TEST(RetentionChangeWhatIfTest, ReichheldFivePoints) {
  const RetentionWhatIf low = WhatIf(100.0, 0.80, 0.85, 0.1);
  EXPECT_NEAR(low.base_value, 1100.0 / 3.0, 1e-12);
  EXPECT_NEAR(low.new_value, 440.0, 1e-12);
  EXPECT_NEAR(low.absolute_change, 220.0 / 3.0, 1e-12);
  EXPECT_NEAR(low.relative_change, 0.2, 1e-12);

  const RetentionWhatIf high = WhatIf(100.0, 0.90, 0.95, 0.1);
  EXPECT_NEAR(high.base_value, 550.0, 1e-12);
  EXPECT_NEAR(high.new_value, 2200.0 / 3.0, 1e-12);
  EXPECT_NEAR(high.relative_change, 1.0 / 3.0, 1e-12);
  EXPECT_GT(high.relative_change, low.relative_change + 0.1);
}

TEST(RetentionChangeWhatIfTest, MatchesHighPrecisionReference) {
  const double m = 42.5, r = 0.71, new_r = 0.78, d = 0.09;
  const RetentionWhatIf what_if = WhatIf(m, r, new_r, d);
  const cpp_bin_float_50 base = Reference50(m, r, d), after = Reference50(m, new_r, d);
  EXPECT_DOUBLE_EQ(what_if.base_value, static_cast<double>(base));
  EXPECT_DOUBLE_EQ(what_if.new_value, static_cast<double>(after));
  EXPECT_NEAR(what_if.absolute_change, static_cast<double>(after - base), 1e-12);
  EXPECT_NEAR(what_if.relative_change, static_cast<double>((after - base) / base), 1e-14);
}

TEST(RetentionChangeWhatIfTest, NoChangeLowerRetentionAndNegativeMargin) {
  const RetentionWhatIf same = WhatIf(100.0, 0.8, 0.8, 0.1);
  EXPECT_EQ(same.absolute_change, 0.0);
  EXPECT_EQ(same.relative_change, 0.0);

  const RetentionWhatIf lower = WhatIf(100.0, 0.85, 0.80, 0.1);
  EXPECT_NEAR(lower.relative_change, -1.0 / 6.0, 1e-12);  // 366.67 / 440 − 1

  // Keeping a customer who loses money longer loses more: the change is negative.
  const RetentionWhatIf loss = WhatIf(-100.0, 0.80, 0.85, 0.1);
  EXPECT_NEAR(loss.absolute_change, -220.0 / 3.0, 1e-12);
  EXPECT_NEAR(loss.relative_change, -0.2, 1e-12);
}

TEST(RetentionChangeWhatIfTest, RejectsBadInputsNamingThem) {
  ExpectError(RetentionChangeWhatIf(100.0, 0.8, 1.0, 0.1), kInvalid,
              {"new retention must be in [0, 1)", "got 1"});
  ExpectError(RetentionChangeWhatIf(100.0, 0.8, -0.05, 0.1), kInvalid,
              {"new retention", "got -0.05"});
  ExpectError(RetentionChangeWhatIf(100.0, 0.8, kNaN, 0.1), kInvalid, {"new retention", "got nan"});
  ExpectError(RetentionChangeWhatIf(100.0, 1.2, 0.8, 0.1), kInvalid, {"retention r", "got 1.2"});
  ExpectError(RetentionChangeWhatIf(kNaN, 0.8, 0.85, 0.1), kInvalid, {"margin m", "got nan"});
  ExpectError(RetentionChangeWhatIf(100.0, 0.8, 0.85, -1.0), kInvalid, {"discount d", "got -1"});
  ExpectError(RetentionChangeWhatIf(0.0, 0.8, 0.85, 0.1), kInvalid,
              {"relative change is undefined", "m = 0", "base value 0"});
}

TEST(RetentionChangeWhatIfTest, OverflowOfTheNewValueIsOutOfRange) {
  ExpectError(RetentionChangeWhatIf(1e307, 0.0, 0.99, 0.0), absl::StatusCode::kOutOfRange,
              {"overflows", "r = 0.99"});
}

}  // namespace
}  // namespace crmcore

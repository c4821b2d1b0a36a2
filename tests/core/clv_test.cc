#include "crmcore/clv.h"

#include <cmath>
#include <limits>
#include <vector>

#include <boost/multiprecision/cpp_bin_float.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using Real = boost::multiprecision::cpp_bin_float_50;

const BgNbdParams kBgNbd{0.242594, 4.413603, 0.792923, 2.425897};
const ParetoNbdParams kPareto{0.5534, 10.5802, 0.6061, 11.6690};

TEST(NetPresentValueTest, HandWorkedExample) {
  // −100 + 50/1.1 + 50/1.1² + 50/1.1³ = 24.342599549211...
  std::vector<double> margins = {60, 60, 60}, service = {10, 10, 10};
  auto npv = NetPresentValue(100, margins, service, 0.1);
  ASSERT_TRUE(npv.ok());
  const Real reference = Real(-100) + Real(50) / Real("1.1") + Real(50) / pow(Real("1.1"), 2) +
                         Real(50) / pow(Real("1.1"), 3);
  EXPECT_NEAR(*npv, static_cast<double>(reference), 1e-12);
  EXPECT_NEAR(*NetPresentValue(0, margins, {}, 0.0), 180.0, 1e-12);  // undiscounted, no costs
  EXPECT_NEAR(*NetPresentValue(100, {}, {}, 0.1), -100.0, 0);         // acquisition only
}

TEST(NetPresentValueTest, BadInputs) {
  std::vector<double> margins = {1, std::numeric_limits<double>::infinity()}, service = {0, 0};
  EXPECT_THAT(NetPresentValue(0, margins, service, 0.1).status().message(),
              HasSubstr("period 2 margin and service cost must be finite, got inf and 0"));
  std::vector<double> ok = {1, 2};
  EXPECT_THAT(NetPresentValue(0, ok, service, -1.0).status().message(),
              HasSubstr("discount rate must be finite and > -1, got -1"));
  EXPECT_THAT(NetPresentValue(-5, ok, service, 0.1).status().message(),
              HasSubstr("acquisition cost must be finite and >= 0, got -5"));
  std::vector<double> short_service = {1};
  EXPECT_THAT(NetPresentValue(0, ok, short_service, 0.1).status().message(),
              HasSubstr("equal lengths, got 2 and 1"));
}

TEST(DiscountedClvTest, UndiscountedTelescopesToSpendTimesExpectedPurchases) {
  std::vector<double> x = {0, 2, 14, 500}, tx = {0, 30.43, 37.5, 9000}, T = {38.86, 38.86, 38, 1e4};
  std::vector<double> spend = {20, 25, 40, 1000}, clv(4), expected(4);
  const ClvHorizon horizon{12, 4.35, 0.0};
  ASSERT_TRUE(BgNbdDiscountedClv(kBgNbd, horizon, spend, x, tx, T, absl::MakeSpan(clv)).ok());
  ASSERT_TRUE(BgNbdExpectedPurchases(kBgNbd, 12 * 4.35, x, tx, T, absl::MakeSpan(expected)).ok());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(clv[i], spend[i] * expected[i], 1e-9 * clv[i]) << i;
    EXPECT_TRUE(std::isfinite(clv[i]));
  }
  ASSERT_TRUE(ParetoNbdDiscountedClv(kPareto, horizon, spend, x, tx, T, absl::MakeSpan(clv)).ok());
  ASSERT_TRUE(ParetoNbdExpectedPurchases(kPareto, 12 * 4.35, x, tx, T, absl::MakeSpan(expected)).ok());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(clv[i], spend[i] * expected[i], 1e-9 * clv[i]);
  const MbgNbdParams mbg{0.525, 6.183, 0.891, 1.614};
  ASSERT_TRUE(MbgNbdDiscountedClv(mbg, horizon, spend, x, tx, T, absl::MakeSpan(clv)).ok());
  ASSERT_TRUE(MbgNbdExpectedPurchases(mbg, 12 * 4.35, x, tx, T, absl::MakeSpan(expected)).ok());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_GT(expected[i], 0.0) << i;
    EXPECT_NEAR(clv[i], spend[i] * expected[i], 1e-9 * clv[i]) << i;
  }
}

TEST(DiscountedClvTest, DiscountingWeightsEachPeriod) {
  std::vector<double> x = {2}, tx = {30.43}, T = {38.86}, spend = {25}, clv(1), e(1);
  const ClvHorizon horizon{3, 4.0, 0.05};
  ASSERT_TRUE(BgNbdDiscountedClv(kBgNbd, horizon, spend, x, tx, T, absl::MakeSpan(clv)).ok());
  Real reference = 0, previous = 0;
  for (int k = 1; k <= 3; ++k) {
    ASSERT_TRUE(BgNbdExpectedPurchases(kBgNbd, 4.0 * k, x, tx, T, absl::MakeSpan(e)).ok());
    reference += Real(25) * (Real(e[0]) - previous) / pow(Real("1.05"), k);
    previous = e[0];
  }
  EXPECT_NEAR(clv[0], static_cast<double>(reference), 1e-12);
  std::vector<double> undiscounted(1);
  ASSERT_TRUE(BgNbdDiscountedClv(kBgNbd, {3, 4.0, 0.0}, spend, x, tx, T,
                                 absl::MakeSpan(undiscounted)).ok());
  EXPECT_LT(clv[0], undiscounted[0]);
}

// One convention everywhere: the lifetimes library's defaults, 12 months of 30 days at 1 %
// a month, with the period turned into the unit of t_x and T.
TEST(DiscountedClvTest, DefaultsAreTwelveThirtyDayMonthsInTheDataUnit) {
  const ClvHorizon defaults;
  EXPECT_EQ(defaults.periods, 12);
  EXPECT_EQ(defaults.period_days, 30.0);
  EXPECT_EQ(defaults.discount_rate, 0.01);
  EXPECT_EQ(defaults.PeriodLength(), 30.0);
  ClvHorizon weekly;
  weekly.unit = TimeUnit::kWeeks;
  EXPECT_DOUBLE_EQ(weekly.PeriodLength(), 30.0 / 7.0);
  EXPECT_DOUBLE_EQ(weekly.Length(), 360.0 / 7.0);
  std::vector<double> x = {2, 0}, tx = {30.43, 0}, T = {38.86, 20}, spend = {25, 25};
  std::vector<double> in_weeks(2), given_length(2);
  ASSERT_TRUE(BgNbdDiscountedClv(kBgNbd, weekly, spend, x, tx, T, absl::MakeSpan(in_weeks)).ok());
  const ClvHorizon explicit_length{12, 30.0 / 7.0, 0.01, TimeUnit::kDays};
  ASSERT_TRUE(BgNbdDiscountedClv(kBgNbd, explicit_length, spend, x, tx, T,
                                 absl::MakeSpan(given_length)).ok());
  EXPECT_EQ(in_weeks, given_length);
}

TEST(DiscountedClvTest, BadInputs) {
  std::vector<double> x = {2}, tx = {30}, T = {38}, out(1);
  std::vector<double> negative = {-1};
  EXPECT_THAT(BgNbdDiscountedClv(kBgNbd, {}, negative, x, tx, T, absl::MakeSpan(out)).message(),
              HasSubstr("row 0: spend must be finite and >= 0, got -1"));
  std::vector<double> spend = {10};
  EXPECT_THAT(BgNbdDiscountedClv(kBgNbd, {0, 1.0, 0.1}, spend, x, tx, T, absl::MakeSpan(out)).message(),
              HasSubstr("periods must be in [1, 100000], got 0"));
  EXPECT_THAT(BgNbdDiscountedClv(kBgNbd, {3, -1.0, 0.1}, spend, x, tx, T, absl::MakeSpan(out)).message(),
              HasSubstr("period_days must be finite and > 0, got -1"));
  EXPECT_THAT(BgNbdDiscountedClv(kBgNbd, {3, 1.0, std::nan("")}, spend, x, tx, T, absl::MakeSpan(out)).message(),
              HasSubstr("discount rate must be finite and > -1, got nan"));
  std::vector<double> bad_tx = {40};
  EXPECT_THAT(ParetoNbdDiscountedClv(kPareto, {}, spend, x, bad_tx, T, absl::MakeSpan(out)).message(),
              HasSubstr("recency t_x = 40 must be <= T = 38"));
}

TEST(NetPresentValueTest, SumThatOverflowsIsOutOfRange) {
  // Each margin is finite; their undiscounted sum is not.
  const std::vector<double> margins = {1e308, 1e308};
  const absl::StatusOr<double> npv = NetPresentValue(0, margins, {}, 0.0);
  EXPECT_EQ(npv.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(npv.status().message(), "net present value: the sum overflows a double");
}

TEST(DiscountedClvTest, ValueThatOverflowsIsOutOfRangeNamingTheRow) {
  // A finite spend near DBL_MAX times more than one expected purchase.
  std::vector<double> x = {2, 20}, tx = {30, 37}, T = {38, 38}, out(2);
  std::vector<double> spend = {1.0, 1e308};
  const absl::Status status =
      BgNbdDiscountedClv(kBgNbd, {52, 1.0, 0.0}, spend, x, tx, T, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(), "discounted CLV row 1: overflows");
}

}  // namespace
}  // namespace crmcore

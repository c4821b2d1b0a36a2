// Tests of include/crmcore/value_tier.h: the pyramid fractions, cut-off counts, tier
// assignment (ties, all-equal, tiny populations, order independence) and the quantity /
// profit pyramid summary.
#include "crmcore/value_tier.h"

#include <algorithm>
#include <array>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using T = ValueTier;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

PyramidFractions Fractions(double vip, double major, double ordinary, double small) {
  PyramidFractions f;
  f.vip = vip;
  f.major = major;
  f.ordinary = ordinary;
  f.small = small;
  return f;
}

std::vector<ValueTier> MustAssign(const std::vector<double>& value,
                                  const PyramidFractions& fractions = {}) {
  std::vector<ValueTier> out(value.size(), T::kSmall);
  const absl::Status status = AssignValueTiers(value, absl::MakeSpan(out), fractions);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

std::array<int, kValueTierCount> CountTiers(const std::vector<ValueTier>& tiers) {
  std::array<int, kValueTierCount> counts{};
  for (const ValueTier t : tiers) ++counts[static_cast<std::size_t>(t)];
  return counts;
}

// ---------------------------------------------------------------------------
// PyramidFractions.

TEST(PyramidFractionsTest, DefaultsAreTheCustomerPyramid) {
  const PyramidFractions f;
  EXPECT_EQ(f.vip, 0.01);
  EXPECT_EQ(f.major, 0.04);
  EXPECT_EQ(f.ordinary, 0.15);
  EXPECT_EQ(f.small, 0.80);
  EXPECT_TRUE(f.Validate().ok());
}

TEST(PyramidFractionsTest, RejectsNegativeFractionNamingIt) {
  const absl::Status status = Fractions(0.1, -0.1, 0.2, 0.8).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("fraction major must be finite and >= 0, got -0.1"));
}

TEST(PyramidFractionsTest, RejectsNonFiniteFractions) {
  absl::Status status = Fractions(kNaN, 0.04, 0.15, 0.8).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("fraction vip must be finite and >= 0, got nan"));
  status = Fractions(0.01, 0.04, 0.15, kInf).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("fraction small must be finite and >= 0, got inf"));
}

// Covers docs/bad-input.md BI-ENG-12
TEST(PyramidFractionsTest, RejectsFractionsThatDoNotSumToOne) {
  absl::Status status = Fractions(0.1, 0.2, 0.3, 0.6).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("must sum to 1, got 1.2"));
  status = Fractions(0.0, 0.0, 0.0, 0.0).Validate();
  EXPECT_THAT(status.message(), HasSubstr("must sum to 1, got 0"));
}

TEST(PyramidFractionsTest, SumToleranceIsOneBillionth) {
  EXPECT_TRUE(Fractions(0.01 + 5e-10, 0.04, 0.15, 0.80).Validate().ok());
  EXPECT_TRUE(Fractions(0.01 - 5e-10, 0.04, 0.15, 0.80).Validate().ok());
  const absl::Status status = Fractions(0.01 + 2e-9, 0.04, 0.15, 0.80).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("must sum to 1, got 1.000000002"));
  // Decimal fractions that are not exact in binary are fine.
  EXPECT_TRUE(Fractions(0.7, 0.1, 0.1, 0.1).Validate().ok());
}

// ---------------------------------------------------------------------------
// Cut-off counts.

TEST(PyramidCutoffCountsTest, DefaultFractions) {
  EXPECT_THAT(PyramidCutoffCounts(100, {}), ElementsAre(1, 5, 20));
  EXPECT_THAT(PyramidCutoffCounts(99, {}), ElementsAre(0, 4, 19));
  EXPECT_THAT(PyramidCutoffCounts(1000, {}), ElementsAre(10, 50, 200));
  EXPECT_THAT(PyramidCutoffCounts(1, {}), ElementsAre(0, 0, 0));
  EXPECT_THAT(PyramidCutoffCounts(0, {}), ElementsAre(0, 0, 0));
  EXPECT_THAT(PyramidCutoffCounts(1000000007, {}), ElementsAre(10000000, 50000000, 200000001));
}

TEST(PyramidCutoffCountsTest, RoundingOfCumulativeFractionsDoesNotLoseASeat) {
  // 0.7 + 0.1 == 0.7999999999999999 and 0.7 + 0.1 + 0.1 == 0.8999999999999999 in double.
  ASSERT_LT(0.7 + 0.1, 0.8);
  EXPECT_THAT(PyramidCutoffCounts(10, Fractions(0.7, 0.1, 0.1, 0.1)), ElementsAre(7, 8, 9));
}

TEST(PyramidCutoffCountsTest, NeverExceedsPopulation) {
  // Fractions summing to 1 + 5e-10 (accepted) would give 10000000005 seats of 10^10.
  EXPECT_THAT(PyramidCutoffCounts(10000000000, Fractions(0.5, 0.5 + 5e-10, 0.0, 0.0)),
              ElementsAre(5000000000, 10000000000, 10000000000));
}

// ---------------------------------------------------------------------------
// AssignValueTiers.

TEST(AssignValueTiersTest, HundredDistinctValues) {
  std::vector<double> value(100);
  std::iota(value.begin(), value.end(), 1.0);
  std::shuffle(value.begin(), value.end(), std::mt19937(7));
  const std::vector<ValueTier> tiers = MustAssign(value);
  for (std::size_t i = 0; i < value.size(); ++i) {
    const ValueTier expected = value[i] == 100  ? T::kVip
                               : value[i] >= 96 ? T::kMajor
                               : value[i] >= 81 ? T::kOrdinary
                                                : T::kSmall;
    EXPECT_EQ(tiers[i], expected) << "value " << value[i];
  }
  EXPECT_THAT(CountTiers(tiers), ElementsAre(1, 4, 15, 80));
}

TEST(AssignValueTiersTest, TiesAtACutoffAllGoToTheHigherTier) {
  // 1..100 with 96 replaced by a second 95: the major tier's last seat (rank 5) holds a 95,
  // so both 95s are major (5 majors instead of 4) and ordinary shrinks to 14.
  std::vector<double> value(100);
  std::iota(value.begin(), value.end(), 1.0);
  value[95] = 95.0;
  const std::vector<ValueTier> tiers = MustAssign(value);
  EXPECT_EQ(tiers[94], T::kMajor);     // The first 95.
  EXPECT_EQ(tiers[95], T::kMajor);     // The second 95.
  EXPECT_EQ(tiers[93], T::kOrdinary);  // 94.
  EXPECT_THAT(CountTiers(tiers), ElementsAre(1, 5, 14, 80));
}

TEST(AssignValueTiersTest, TieForTheVipSeat) {
  std::vector<double> value(100);
  std::iota(value.begin(), value.end(), 1.0);
  value[98] = 100.0;  // 99 becomes a second 100.
  const std::vector<ValueTier> tiers = MustAssign(value);
  EXPECT_EQ(tiers[98], T::kVip);
  EXPECT_EQ(tiers[99], T::kVip);
  EXPECT_THAT(CountTiers(tiers), ElementsAre(2, 3, 15, 80));
}

TEST(AssignValueTiersTest, SignedZerosTie) {
  const std::vector<double> value = {-0.0, 0.0, -1.0, -2.0};
  const PyramidFractions half = Fractions(0.25, 0.0, 0.0, 0.75);
  EXPECT_THAT(MustAssign(value, half), ElementsAre(T::kVip, T::kVip, T::kSmall, T::kSmall));
}

// Covers docs/bad-input.md BI-ENG-11
TEST(AssignValueTiersTest, AllEqualGoToTheTopTierWithASeat) {
  EXPECT_THAT(CountTiers(MustAssign(std::vector<double>(100, 3.0))), ElementsAre(100, 0, 0, 0));
  // 50 customers: floor(0.5) = 0 VIP seats, floor(2.5) = 2 VIP-or-major seats.
  EXPECT_THAT(CountTiers(MustAssign(std::vector<double>(50, 3.0))), ElementsAre(0, 50, 0, 0));
  // 4 customers: no seat above small.
  EXPECT_THAT(CountTiers(MustAssign(std::vector<double>(4, 3.0))), ElementsAre(0, 0, 0, 4));
}

TEST(AssignValueTiersTest, ManyTiesAreIndependentOfInputOrder) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> digit(0, 9);
  std::vector<double> value(537);
  for (double& v : value) v = digit(rng);
  const std::vector<ValueTier> tiers = MustAssign(value);

  // Equal values share a tier, and a higher value never sits in a lower tier.
  std::map<double, ValueTier> tier_of;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto [it, inserted] = tier_of.emplace(value[i], tiers[i]);
    EXPECT_EQ(it->second, tiers[i]) << "value " << value[i];
  }
  for (auto it = tier_of.begin(); std::next(it) != tier_of.end(); ++it) {
    EXPECT_GE(static_cast<int>(it->second), static_cast<int>(std::next(it)->second));
  }
  // Seats: 5 VIP, 26 VIP-or-major, 107 VIP-to-ordinary; ties only ever enlarge the top.
  const auto counts = CountTiers(tiers);
  EXPECT_GE(counts[0], 5);
  EXPECT_GE(counts[0] + counts[1], 26);
  EXPECT_GE(counts[0] + counts[1] + counts[2], 107);

  for (int round = 0; round < 5; ++round) {
    std::vector<std::size_t> order(value.size());
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<double> shuffled(value.size());
    for (std::size_t i = 0; i < order.size(); ++i) shuffled[i] = value[order[i]];
    const std::vector<ValueTier> shuffled_tiers = MustAssign(shuffled);
    for (std::size_t i = 0; i < order.size(); ++i) {
      ASSERT_EQ(shuffled_tiers[i], tiers[order[i]]) << "round " << round << " position " << i;
    }
  }
}

// Covers docs/bad-input.md BI-ENG-10
TEST(AssignValueTiersTest, SingleCustomerIsSmallUnderDefaults) {
  EXPECT_THAT(MustAssign({42.0}), ElementsAre(T::kSmall));
  EXPECT_THAT(MustAssign({42.0}, Fractions(1.0, 0.0, 0.0, 0.0)), ElementsAre(T::kVip));
}

TEST(AssignValueTiersTest, SmallPopulationFillsOnlyWholeSeats) {
  // 5 customers: seats floor(0.05) = 0, floor(0.25) = 0, floor(1.0) = 1.
  EXPECT_THAT(MustAssign({1, 5, 3, 4, 2}),
              ElementsAre(T::kSmall, T::kOrdinary, T::kSmall, T::kSmall, T::kSmall));
}

// Covers docs/bad-input.md BI-ENG-09
TEST(AssignValueTiersTest, EmptyPopulationIsOk) { EXPECT_TRUE(AssignValueTiers({}, {}).ok()); }

TEST(AssignValueTiersTest, TierWithZeroFractionStaysEmpty) {
  std::vector<double> value(10);
  std::iota(value.begin(), value.end(), 1.0);
  EXPECT_THAT(CountTiers(MustAssign(value, Fractions(0.0, 0.5, 0.0, 0.5))),
              ElementsAre(0, 5, 0, 5));
  EXPECT_THAT(CountTiers(MustAssign(value, Fractions(0.1, 0.2, 0.7, 0.0))),
              ElementsAre(1, 2, 7, 0));
}

TEST(AssignValueTiersTest, NegativeValuesRankNormally) {
  const std::vector<double> value = {-5, -1, -3, -2, -4};
  EXPECT_THAT(MustAssign(value, Fractions(0.2, 0.2, 0.2, 0.4)),
              ElementsAre(T::kSmall, T::kVip, T::kOrdinary, T::kMajor, T::kSmall));
}

TEST(AssignValueTiersTest, RejectsNonFiniteValueNamingIndex) {
  std::vector<ValueTier> out(4, T::kMajor);
  absl::Status status = AssignValueTiers(std::vector<double>{1, 2, 3, kNaN}, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("value at index 3 must be finite, got nan"));
  status = AssignValueTiers(std::vector<double>{1, -kInf, 3, 4}, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("value at index 1 must be finite, got -inf"));
  EXPECT_THAT(out, ::testing::Each(T::kMajor));  // Untouched on error.
}

TEST(AssignValueTiersTest, RejectsOutOfAnotherLength) {
  std::vector<ValueTier> out(2);
  const absl::Status status = AssignValueTiers(std::vector<double>{1, 2, 3}, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("out has 2 elements but value has 3"));
}

TEST(AssignValueTiersTest, RejectsInvalidFractions) {
  std::vector<ValueTier> out(1);
  const absl::Status status =
      AssignValueTiers(std::vector<double>{1}, absl::MakeSpan(out), Fractions(0.5, 0.5, 0.5, 0.5));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("must sum to 1, got 2"));
}

// ---------------------------------------------------------------------------
// SummarizePyramid.

TEST(SummarizePyramidTest, HandWorkedQuantityAndProfitPyramids) {
  const std::vector<double> value = {100, 50, 30, 20, -10};
  const std::vector<ValueTier> tiers = {T::kVip, T::kMajor, T::kOrdinary, T::kSmall, T::kSmall};
  absl::StatusOr<PyramidCounts> summary = SummarizePyramid(value, tiers);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_THAT(summary->customers, ElementsAre(1, 1, 1, 2));
  EXPECT_DOUBLE_EQ(summary->value_share[0], 100.0 / 190.0);
  EXPECT_DOUBLE_EQ(summary->value_share[1], 50.0 / 190.0);
  EXPECT_DOUBLE_EQ(summary->value_share[2], 30.0 / 190.0);
  EXPECT_DOUBLE_EQ(summary->value_share[3], 10.0 / 190.0);
}

TEST(SummarizePyramidTest, LossMakingSmallCustomersPushTopShareAboveOne) {
  const std::vector<double> value = {120, -20};
  const std::vector<ValueTier> tiers = {T::kVip, T::kSmall};
  const PyramidCounts summary = *SummarizePyramid(value, tiers);
  EXPECT_EQ(summary.value_share[0], 1.2);
  EXPECT_EQ(summary.value_share[3], -0.2);
  EXPECT_EQ(summary.value_share[1], 0.0);
}

TEST(SummarizePyramidTest, AgreesWithMultiprecisionReference) {
  // A Pareto-like profit column, tiered by AssignValueTiers, summarized in double and in
  // 50 digits. Positive values: plain summation's relative error is at most N·eps ≈ 2e-13
  // for N = 2000, so 1e-12 relative is a sound bound.
  using Big = boost::multiprecision::cpp_bin_float_50;
  std::mt19937_64 rng(5);
  std::exponential_distribution<double> profit(0.01);
  std::vector<double> value(2000);
  for (double& v : value) v = profit(rng) * profit(rng);
  const std::vector<ValueTier> tiers = MustAssign(value);
  const PyramidCounts summary = *SummarizePyramid(value, tiers);

  std::array<Big, kValueTierCount> tier_sum{};
  Big total = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    tier_sum[static_cast<std::size_t>(tiers[i])] += value[i];
    total += value[i];
  }
  for (std::size_t t = 0; t < kValueTierCount; ++t) {
    const double reference = static_cast<double>(tier_sum[t] / total);
    EXPECT_NEAR(summary.value_share[t], reference, 1e-12 * reference) << t;
  }
  EXPECT_THAT(summary.customers, ElementsAre(20, 80, 300, 1600));
}

TEST(SummarizePyramidTest, TotalThatOverflowsIsOutOfRange) {
  // Each tier's sum is finite; the total over the tiers is not.
  const absl::Status status =
      SummarizePyramid(std::vector<double>{1e308, 1e308}, std::vector<ValueTier>{T::kVip, T::kSmall})
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(), "pyramid: total value overflows, got inf");
}

TEST(SummarizePyramidTest, RejectsLengthMismatch) {
  const absl::Status status =
      SummarizePyramid(std::vector<double>{1, 2}, std::vector<ValueTier>{T::kVip}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("value has 2 elements but tiers has 1"));
}

TEST(SummarizePyramidTest, RejectsNonFiniteValueNamingIndex) {
  const absl::Status status =
      SummarizePyramid(std::vector<double>{1, kNaN}, std::vector<ValueTier>{T::kVip, T::kSmall})
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("value at index 1 must be finite, got nan"));
}

TEST(SummarizePyramidTest, RejectsUndeclaredTierNamingIndex) {
  const absl::Status status =
      SummarizePyramid(std::vector<double>{1, 2},
                       std::vector<ValueTier>{T::kVip, static_cast<ValueTier>(7)})
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("tier at index 1 is an unknown value 7"));
}

TEST(SummarizePyramidTest, RejectsZeroTotal) {
  absl::Status status =
      SummarizePyramid(std::vector<double>{5, -5}, std::vector<ValueTier>{T::kVip, T::kSmall})
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("got 0 over 2 customers"));
  status = SummarizePyramid({}, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("got 0 over 0 customers"));
}

TEST(SummarizePyramidTest, RejectsOverflow) {
  absl::Status status = SummarizePyramid(std::vector<double>{1e308, 1e308},
                                         std::vector<ValueTier>{T::kSmall, T::kSmall})
                            .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("got inf"));
  // Sums that nearly cancel: the VIP share 1e300 / 1e-300 overflows.
  status = SummarizePyramid(std::vector<double>{1e300, -1e300, 1e-300},
                            std::vector<ValueTier>{T::kVip, T::kSmall, T::kSmall})
               .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("share of tier vip overflows"));
}

}  // namespace
}  // namespace crmcore

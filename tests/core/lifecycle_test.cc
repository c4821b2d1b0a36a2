// Tests for include/crmcore/lifecycle.h (docs/domain.md §6.1 default lifecycle rule).
#include "crmcore/lifecycle.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "boost/multiprecision/cpp_bin_float.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

double Below(double x) { return std::nextafter(x, -kInf); }
double Above(double x) { return std::nextafter(x, kInf); }

void ExpectInvalid(const absl::Status& status, const std::vector<std::string>& parts) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  for (const std::string& part : parts) EXPECT_THAT(status.message(), HasSubstr(part));
}

// A customer past exploration under the default rule.
LifecycleFacts Settled(int64_t recent, int64_t earlier) { return {10.0, recent, earlier}; }

LifecycleStage Classify(const LifecycleFacts& facts, const LifecycleRule& rule = {}) {
  const absl::StatusOr<LifecycleStage> stage = ClassifyLifecycleStage(facts, rule);
  EXPECT_TRUE(stage.ok()) << stage.status();
  return stage.ok() ? *stage : static_cast<LifecycleStage>(-1);
}

LifecycleRule WithGrowth(double growth_ratio) {
  LifecycleRule rule;
  rule.growth_ratio = growth_ratio;
  return rule;
}

LifecycleRule WithDecline(double decline_ratio) {
  LifecycleRule rule;
  rule.decline_ratio = decline_ratio;
  return rule;
}

LifecycleRule WithExploration(double exploration_max_tenure) {
  LifecycleRule rule;
  rule.exploration_max_tenure = exploration_max_tenure;
  return rule;
}

LifecycleRule WithWindow(int window_periods) {
  LifecycleRule rule;
  rule.window_periods = window_periods;
  return rule;
}

// ---------------------------------------------------------------------------
// The rule's thresholds.

TEST(LifecycleRuleTest, DefaultsAreDocumentedAndValid) {
  const LifecycleRule rule;
  EXPECT_EQ(rule.exploration_max_tenure, 1.0);
  EXPECT_EQ(rule.growth_ratio, 1.5);
  EXPECT_EQ(rule.decline_ratio, 0.5);
  EXPECT_EQ(rule.window_periods, 4);
  EXPECT_TRUE(rule.Validate().ok());
}

TEST(LifecycleRuleTest, AcceptsThresholdsAtTheirLimits) {
  EXPECT_TRUE(WithExploration(0.0).Validate().ok());
  EXPECT_TRUE(WithExploration(1e300).Validate().ok());
  EXPECT_TRUE(WithGrowth(Above(1.0)).Validate().ok());
  EXPECT_TRUE(WithGrowth(1e300).Validate().ok());
  EXPECT_TRUE(WithDecline(0.0).Validate().ok());
  EXPECT_TRUE(WithDecline(Below(1.0)).Validate().ok());
  EXPECT_TRUE(WithWindow(2).Validate().ok());
  EXPECT_TRUE(WithWindow(52).Validate().ok());
}

TEST(LifecycleRuleTest, RejectsBadExplorationTenure) {
  for (const double bad : {kNaN, kInf, -kInf, Below(0.0), -1.0}) {
    ExpectInvalid(WithExploration(bad).Validate(),
                  {"exploration_max_tenure", "finite and >= 0", "got " + FormatDouble(bad)});
  }
  ExpectInvalid(WithExploration(-1.5).Validate(), {"got -1.5"});
  ExpectInvalid(WithExploration(kNaN).Validate(), {"got nan"});
  ExpectInvalid(WithExploration(kInf).Validate(), {"got inf"});
}

TEST(LifecycleRuleTest, RejectsGrowthRatioNotAboveOne) {
  for (const double bad : {kNaN, kInf, -kInf, 1.0, Below(1.0), 0.5, 0.0, -2.0}) {
    ExpectInvalid(WithGrowth(bad).Validate(),
                  {"growth_ratio", "finite and > 1", "got " + FormatDouble(bad)});
  }
  ExpectInvalid(WithGrowth(0.75).Validate(), {"growth_ratio must be finite and > 1, got 0.75"});
  ExpectInvalid(WithGrowth(kInf).Validate(), {"got inf"});
  // One ulp off shows as such, not rounded to "1".
  ExpectInvalid(WithGrowth(Below(1.0)).Validate(), {"got 0.9999999999999999"});
  ExpectInvalid(WithDecline(Above(1.0)).Validate(), {"got 1.0000000000000002"});
  ExpectInvalid(ClassifyLifecycleStage({Below(0.0), 1, 1}).status(), {"got -5e-324"});
}

TEST(LifecycleRuleTest, RejectsDeclineRatioOutsideZeroToOne) {
  for (const double bad : {kNaN, kInf, -kInf, Below(0.0), -0.25, 1.0, Above(1.0), 2.0}) {
    ExpectInvalid(WithDecline(bad).Validate(),
                  {"decline_ratio", "in [0, 1)", "got " + FormatDouble(bad)});
  }
  ExpectInvalid(WithDecline(-0.25).Validate(), {"got -0.25"});
  ExpectInvalid(WithDecline(1.0).Validate(), {"got 1"});
  ExpectInvalid(WithDecline(kNaN).Validate(), {"got nan"});
}

TEST(LifecycleRuleTest, RejectsOddOrShortWindow) {
  for (const int bad : {0, 1, 3, 5, -2, -1}) {
    ExpectInvalid(WithWindow(bad).Validate(),
                  {"window_periods must be even and >= 2, got " + std::to_string(bad)});
  }
}

TEST(LifecycleRuleTest, ClassifyRejectsAnInvalidRule) {
  ExpectInvalid(ClassifyLifecycleStage(Settled(1, 1), WithGrowth(0.9)).status(),
                {"growth_ratio", "0.9"});
  ExpectInvalid(ClassifyLifecycleStage(Settled(1, 1), WithWindow(3)).status(),
                {"window_periods", "3"});
}

// ---------------------------------------------------------------------------
// The facts.

TEST(ClassifyLifecycleStageTest, RejectsBadTenure) {
  for (const double bad : {kNaN, kInf, -kInf, Below(0.0), -3.0}) {
    ExpectInvalid(ClassifyLifecycleStage({bad, 1, 1}).status(),
                  {"tenure_periods must be finite and >= 0, got " + FormatDouble(bad)});
  }
  ExpectInvalid(ClassifyLifecycleStage({-3.0, 1, 1}).status(), {"got -3"});
  ExpectInvalid(ClassifyLifecycleStage({kNaN, 1, 1}).status(), {"got nan"});
}

TEST(ClassifyLifecycleStageTest, RejectsNegativeCounts) {
  ExpectInvalid(ClassifyLifecycleStage(Settled(-1, 2)).status(),
                {"recent_occasions must be >= 0, got -1"});
  ExpectInvalid(ClassifyLifecycleStage(Settled(2, -7)).status(),
                {"earlier_occasions must be >= 0, got -7"});
  ExpectInvalid(ClassifyLifecycleStage(Settled(1, std::numeric_limits<int64_t>::min())).status(),
                {"earlier_occasions", "-9223372036854775808"});
}

// ---------------------------------------------------------------------------
// Rule 1: exploration while tenure < exploration_max_tenure.

TEST(ClassifyLifecycleStageTest, ExplorationThresholdOnTenure) {
  EXPECT_EQ(Classify({0.0, 1, 1}), LifecycleStage::kExploration);
  EXPECT_EQ(Classify({0.5, 1, 1}), LifecycleStage::kExploration);
  EXPECT_EQ(Classify({Below(1.0), 1, 1}), LifecycleStage::kExploration);
  EXPECT_EQ(Classify({1.0, 1, 1}), LifecycleStage::kStability);
  EXPECT_EQ(Classify({Above(1.0), 1, 1}), LifecycleStage::kStability);
}

TEST(ClassifyLifecycleStageTest, ExplorationComesBeforeTheTrend) {
  // A new customer has no earlier half yet: neither a lapse nor a burst is a trend.
  EXPECT_EQ(Classify({0.5, 0, 0}), LifecycleStage::kExploration);
  EXPECT_EQ(Classify({0.5, 0, 3}), LifecycleStage::kExploration);
  EXPECT_EQ(Classify({0.5, 9, 0}), LifecycleStage::kExploration);
}

TEST(ClassifyLifecycleStageTest, ExplorationCanBeSwitchedOffOrMoved) {
  EXPECT_EQ(Classify({0.0, 1, 1}, WithExploration(0.0)), LifecycleStage::kStability);
  EXPECT_EQ(Classify({Below(3.0), 1, 1}, WithExploration(3.0)), LifecycleStage::kExploration);
  EXPECT_EQ(Classify({3.0, 1, 1}, WithExploration(3.0)), LifecycleStage::kStability);
}

// ---------------------------------------------------------------------------
// Rule 2: no recent purchase is decline.

TEST(ClassifyLifecycleStageTest, NoRecentPurchaseIsDecline) {
  EXPECT_EQ(Classify(Settled(0, 0)), LifecycleStage::kDecline);
  EXPECT_EQ(Classify(Settled(0, 1)), LifecycleStage::kDecline);
  EXPECT_EQ(Classify(Settled(0, 50)), LifecycleStage::kDecline);
  // Even when the decline ratio is 0 (only a full stop is decline) and at tenure exactly at
  // the exploration limit.
  EXPECT_EQ(Classify(Settled(0, 4), WithDecline(0.0)), LifecycleStage::kDecline);
  EXPECT_EQ(Classify({1.0, 0, 0}), LifecycleStage::kDecline);
}

// ---------------------------------------------------------------------------
// Rule 3: recent >= growth_ratio · earlier is formation.

TEST(ClassifyLifecycleStageTest, FirstRegularPurchasesAreFormation) {
  EXPECT_EQ(Classify(Settled(1, 0)), LifecycleStage::kFormation);
  EXPECT_EQ(Classify(Settled(7, 0)), LifecycleStage::kFormation);
}

TEST(ClassifyLifecycleStageTest, GrowthThresholdOnCounts) {
  // Default 1.5: 2 → 3 is exactly at the threshold.
  EXPECT_EQ(Classify(Settled(3, 2)), LifecycleStage::kFormation);
  EXPECT_EQ(Classify(Settled(2, 2)), LifecycleStage::kStability);
  EXPECT_EQ(Classify(Settled(6, 4)), LifecycleStage::kFormation);
  EXPECT_EQ(Classify(Settled(5, 4)), LifecycleStage::kStability);
  EXPECT_EQ(Classify(Settled(7, 4)), LifecycleStage::kFormation);
}

TEST(ClassifyLifecycleStageTest, GrowthThresholdOnRatio) {
  // 3 = 1.5 · 2 exactly, and 2 · nextafter(1.5) is exact, so one ulp decides.
  EXPECT_EQ(Classify(Settled(3, 2), WithGrowth(1.5)), LifecycleStage::kFormation);
  EXPECT_EQ(Classify(Settled(3, 2), WithGrowth(Below(1.5))), LifecycleStage::kFormation);
  EXPECT_EQ(Classify(Settled(3, 2), WithGrowth(Above(1.5))), LifecycleStage::kStability);
}

TEST(ClassifyLifecycleStageTest, GrowthComparisonIsExactWhereTheProductRounds) {
  // g = the double just above 4/3: 3·g = 4 + 2^-51 exactly, which a plain double product
  // rounds (ties to even) down onto 4, so `4 >= g * 3` would wrongly say formation.
  const double g = Above(4.0 / 3.0);
  ASSERT_GT(g, 1.0);
  ASSERT_EQ(g * 3.0, 4.0);  // The trap is real.
  EXPECT_EQ(Classify(Settled(4, 3), WithGrowth(g)), LifecycleStage::kStability);
  EXPECT_EQ(Classify(Settled(5, 3), WithGrowth(g)), LifecycleStage::kFormation);
}

// ---------------------------------------------------------------------------
// Rule 4: recent <= decline_ratio · earlier is decline; rule 5: otherwise stability.

TEST(ClassifyLifecycleStageTest, DeclineThresholdOnCounts) {
  // Default 0.5: 4 → 2 is exactly at the threshold.
  EXPECT_EQ(Classify(Settled(2, 4)), LifecycleStage::kDecline);
  EXPECT_EQ(Classify(Settled(3, 4)), LifecycleStage::kStability);
  EXPECT_EQ(Classify(Settled(1, 4)), LifecycleStage::kDecline);
  EXPECT_EQ(Classify(Settled(1, 2)), LifecycleStage::kDecline);
  EXPECT_EQ(Classify(Settled(2, 3)), LifecycleStage::kStability);
  EXPECT_EQ(Classify(Settled(1, 3)), LifecycleStage::kDecline);
}

TEST(ClassifyLifecycleStageTest, DeclineThresholdOnRatio) {
  EXPECT_EQ(Classify(Settled(2, 4), WithDecline(0.5)), LifecycleStage::kDecline);
  EXPECT_EQ(Classify(Settled(2, 4), WithDecline(Above(0.5))), LifecycleStage::kDecline);
  EXPECT_EQ(Classify(Settled(2, 4), WithDecline(Below(0.5))), LifecycleStage::kStability);
}

TEST(ClassifyLifecycleStageTest, DeclineComparisonIsExactWhereTheProductRounds) {
  // d = the double just below 1/3: 3·d = 1 − 2^-54 exactly, which a plain double product
  // rounds (ties to even) up onto 1, so `1 <= d * 3` would wrongly say decline.
  const double d = 1.0 / 3.0;
  ASSERT_LT(boost::multiprecision::cpp_bin_float_50(d) * 3, 1);
  ASSERT_EQ(d * 3.0, 1.0);  // The trap is real.
  EXPECT_EQ(Classify(Settled(1, 3), WithDecline(d)), LifecycleStage::kStability);
  EXPECT_EQ(Classify(Settled(1, 3), WithDecline(Above(d))), LifecycleStage::kDecline);
}

TEST(ClassifyLifecycleStageTest, FlatBuyingIsStable) {
  for (const int64_t n : {int64_t{1}, int64_t{2}, int64_t{10}, int64_t{1} << 52}) {
    EXPECT_EQ(Classify(Settled(n, n)), LifecycleStage::kStability) << n;
    // Any valid rule: growth_ratio > 1 and decline_ratio < 1 keep a flat count stable.
    LifecycleRule tight;
    tight.growth_ratio = Above(1.0);
    tight.decline_ratio = Below(1.0);
    EXPECT_EQ(Classify(Settled(n, n), tight), LifecycleStage::kStability) << n;
  }
}

TEST(ClassifyLifecycleStageTest, WindowLengthDoesNotChangeTheClassification) {
  for (const int window : {2, 4, 12}) {
    EXPECT_EQ(Classify(Settled(3, 2), WithWindow(window)), LifecycleStage::kFormation);
    EXPECT_EQ(Classify(Settled(2, 2), WithWindow(window)), LifecycleStage::kStability);
    EXPECT_EQ(Classify(Settled(1, 2), WithWindow(window)), LifecycleStage::kDecline);
  }
}

// The comparisons against a 50-digit reference, on random ratios and counts chosen to land
// near the thresholds (ratios that are fractions k/earlier and their neighbours).
TEST(ClassifyLifecycleStageTest, AgreesWithExactReference) {
  using Exact = boost::multiprecision::cpp_bin_float_50;
  std::mt19937_64 rng(20240917);
  std::uniform_int_distribution<int64_t> earlier_dist(1, 1000);
  std::uniform_int_distribution<int> nudge_dist(-2, 2);
  int cases = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    const int64_t earlier = earlier_dist(rng);
    std::uniform_int_distribution<int64_t> recent_dist(1, 3 * earlier);
    const int64_t recent = recent_dist(rng);
    std::uniform_int_distribution<int64_t> num_dist(1, 3 * earlier);
    double ratio = static_cast<double>(num_dist(rng)) / static_cast<double>(earlier);
    for (int step = nudge_dist(rng); step != 0; step += step > 0 ? -1 : 1) {
      ratio = step > 0 ? Above(ratio) : Below(ratio);
    }
    LifecycleRule rule;
    if (ratio > 1.0) {
      rule.growth_ratio = ratio;
    } else if (ratio < 1.0) {
      rule.decline_ratio = ratio;
    } else {
      continue;
    }
    const Exact exact_recent(recent);
    const Exact exact_earlier(earlier);
    LifecycleStage expected = LifecycleStage::kStability;
    if (exact_recent >= Exact(rule.growth_ratio) * exact_earlier) {
      expected = LifecycleStage::kFormation;
    } else if (exact_recent <= Exact(rule.decline_ratio) * exact_earlier) {
      expected = LifecycleStage::kDecline;
    }
    ASSERT_EQ(Classify(Settled(recent, earlier), rule), expected)
        << "recent " << recent << " earlier " << earlier << " ratio " << ratio;
    ++cases;
  }
  EXPECT_GT(cases, 15000);
}

// ---------------------------------------------------------------------------
// Management phase.

TEST(ManagementPhaseForTest, MapsEachStage) {
  static_assert(ManagementPhaseFor(LifecycleStage::kExploration) == ManagementPhase::kAcquire);
  EXPECT_EQ(ManagementPhaseFor(LifecycleStage::kExploration), ManagementPhase::kAcquire);
  EXPECT_EQ(ManagementPhaseFor(LifecycleStage::kFormation), ManagementPhase::kManage);
  EXPECT_EQ(ManagementPhaseFor(LifecycleStage::kStability), ManagementPhase::kManage);
  EXPECT_EQ(ManagementPhaseFor(LifecycleStage::kDecline), ManagementPhase::kRetain);
}

TEST(ManagementPhaseForTest, NoStageIsAttractAndUndeclaredIsRetain) {
  for (const LifecycleStage stage : AllValues<LifecycleStage>()) {
    EXPECT_NE(ManagementPhaseFor(stage), ManagementPhase::kAttract) << Id(stage);
  }
  EXPECT_EQ(ManagementPhaseFor(static_cast<LifecycleStage>(7)), ManagementPhase::kRetain);
  EXPECT_EQ(ManagementPhaseFor(static_cast<LifecycleStage>(-1)), ManagementPhase::kRetain);
}

}  // namespace
}  // namespace crmcore

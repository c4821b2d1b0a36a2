// Tests for include/crmcore/satisfaction.h (docs/domain.md §3).
#include "crmcore/satisfaction.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <boost/multiprecision/cpp_bin_float.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::boost::multiprecision::cpp_bin_float_50;
using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();

double Below(double x) { return std::nextafter(x, -kInf); }
double Above(double x) { return std::nextafter(x, kInf); }

// Expects `status` to carry `code` and a message containing every one of `parts`.
template <typename T>
void ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code,
                 const std::vector<std::string>& parts) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status();
  for (const std::string& part : parts) {
    EXPECT_THAT(result.status().message(), HasSubstr(part));
  }
}
void ExpectError(const absl::Status& status, absl::StatusCode code,
                 const std::vector<std::string>& parts) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), code) << status;
  for (const std::string& part : parts) EXPECT_THAT(status.message(), HasSubstr(part));
}

// ---------------------------------------------------------------------------
// §3.1 C = B / A

TEST(SatisfactionRatioTest, HandWorkedValues) {
  EXPECT_EQ(*SatisfactionRatio(90.0, 100.0), 0.9);
  EXPECT_EQ(*SatisfactionRatio(100.0, 100.0), 1.0);
  EXPECT_EQ(*SatisfactionRatio(120.0, 100.0), 1.2);
  EXPECT_EQ(*SatisfactionRatio(3.0, 2.0), 1.5);
}

TEST(SatisfactionRatioTest, ZeroAndNegativePerceivedValueAreAllowed) {
  EXPECT_EQ(*SatisfactionRatio(0.0, 5.0), 0.0);
  EXPECT_EQ(*SatisfactionRatio(-30.0, 100.0), -0.3);
}

TEST(SatisfactionRatioTest, MatchesHighPrecisionReference) {
  const std::vector<std::pair<double, double>> cases = {
      {1.0, 3.0},      {2.0, 3.0},         {-7.25, 0.3},        {123456.789, 0.001},
      {1e-300, 1e-10}, {0.1, 0.7},         {1e300, 1e-5},       {-1e-320, 3.0},
      {5e-300, 5e-324}, {9007199254740991.0, 3.0}, {0.3, 0.1},
  };
  for (const auto& [b, a] : cases) {
    const cpp_bin_float_50 reference = cpp_bin_float_50(b) / cpp_bin_float_50(a);
    const absl::StatusOr<double> c = SatisfactionRatio(b, a);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(*c, reference.convert_to<double>()) << "B=" << b << " A=" << a;
  }
}

// Covers docs/bad-input.md BI-ENG-14
TEST(SatisfactionRatioTest, RejectsExpectationThatIsNotPositiveAndFinite) {
  for (const double a : {0.0, -0.0, -1.5, -kMax, kNaN, kInf, -kInf}) {
    ExpectError(SatisfactionRatio(1.0, a), absl::StatusCode::kInvalidArgument,
                {"expectation A", FormatDouble(a)});
  }
  ExpectError(SatisfactionRatio(1.0, -1.5), absl::StatusCode::kInvalidArgument,
              {"satisfaction: expectation A must be finite and > 0, got -1.5"});
  ExpectError(SatisfactionRatio(1.0, kNaN), absl::StatusCode::kInvalidArgument, {"nan"});
  ExpectError(SatisfactionRatio(1.0, kInf), absl::StatusCode::kInvalidArgument, {"inf"});
}

TEST(SatisfactionRatioTest, RejectsNonFinitePerceivedValue) {
  ExpectError(SatisfactionRatio(kNaN, 1.0), absl::StatusCode::kInvalidArgument,
              {"perceived value B", "nan"});
  ExpectError(SatisfactionRatio(kInf, 1.0), absl::StatusCode::kInvalidArgument,
              {"perceived value B", "inf"});
  ExpectError(SatisfactionRatio(-kInf, 1.0), absl::StatusCode::kInvalidArgument,
              {"perceived value B", "-inf"});
}

// Covers docs/bad-input.md BI-ENG-15
TEST(SatisfactionRatioTest, RejectsOverflowingQuotient) {
  ExpectError(SatisfactionRatio(1e308, 1e-308), absl::StatusCode::kOutOfRange,
              {"overflows", "1e+308", "1e-308"});
  ExpectError(SatisfactionRatio(-kMax, 0.5), absl::StatusCode::kOutOfRange, {"overflows"});
  // Just inside the range: DBL_MAX / 1 is fine.
  EXPECT_EQ(*SatisfactionRatio(kMax, 1.0), kMax);
}

TEST(SatisfactionRatioTest, ErrorShowsExactValueNotARoundedOne) {
  const double a = Below(0.0);  // -5e-324, the negative number closest to zero
  ExpectError(SatisfactionRatio(1.0, -1.0000000000000002), absl::StatusCode::kInvalidArgument,
              {"-1.0000000000000002"});
  ExpectError(SatisfactionRatio(1.0, a), absl::StatusCode::kInvalidArgument, {"-5e-324"});
}

// ---------------------------------------------------------------------------
// §3.2 Levels

TEST(SatisfactionThresholdsTest, DefaultsAreTheDocumentedRule) {
  const SatisfactionThresholds thresholds;
  EXPECT_EQ(thresholds.satisfied, 1.0);
  EXPECT_EQ(thresholds.very_satisfied, 1.2);
  EXPECT_TRUE(thresholds.Validate().ok());
}

TEST(SatisfactionThresholdsTest, RejectsBadThresholds) {
  ExpectError(SatisfactionThresholds{kNaN, 1.2}.Validate(), absl::StatusCode::kInvalidArgument,
              {"satisfied", "nan"});
  ExpectError(SatisfactionThresholds{kInf, 1.2}.Validate(), absl::StatusCode::kInvalidArgument,
              {"satisfied", "inf"});
  ExpectError(SatisfactionThresholds{0.0, 1.2}.Validate(), absl::StatusCode::kInvalidArgument,
              {"satisfied must be finite and > 0, got 0"});
  ExpectError(SatisfactionThresholds{-0.5, 1.2}.Validate(), absl::StatusCode::kInvalidArgument,
              {"-0.5"});
  ExpectError(SatisfactionThresholds{1.0, kNaN}.Validate(), absl::StatusCode::kInvalidArgument,
              {"very_satisfied", "nan"});
  ExpectError(SatisfactionThresholds{1.0, kInf}.Validate(), absl::StatusCode::kInvalidArgument,
              {"very_satisfied", "inf"});
  ExpectError(SatisfactionThresholds{1.2, 1.2}.Validate(), absl::StatusCode::kInvalidArgument,
              {"very_satisfied must be finite and > satisfied (1.2), got 1.2"});
  ExpectError(SatisfactionThresholds{1.2, 1.0}.Validate(), absl::StatusCode::kInvalidArgument,
              {"got 1"});
  EXPECT_TRUE((SatisfactionThresholds{Below(1.2), 1.2}.Validate().ok()));
  EXPECT_TRUE((SatisfactionThresholds{5e-324, 1.0}.Validate().ok()));
}

TEST(ClassifySatisfactionTest, BoundaryAtSatisfied) {
  EXPECT_EQ(*ClassifySatisfaction(Below(1.0)), SatisfactionLevel::kDissatisfied);
  EXPECT_EQ(*ClassifySatisfaction(1.0), SatisfactionLevel::kSatisfied);
  EXPECT_EQ(*ClassifySatisfaction(Above(1.0)), SatisfactionLevel::kSatisfied);
}

TEST(ClassifySatisfactionTest, BoundaryAtVerySatisfied) {
  EXPECT_EQ(*ClassifySatisfaction(Below(1.2)), SatisfactionLevel::kSatisfied);
  EXPECT_EQ(*ClassifySatisfaction(1.2), SatisfactionLevel::kVerySatisfied);
  EXPECT_EQ(*ClassifySatisfaction(Above(1.2)), SatisfactionLevel::kVerySatisfied);
}

TEST(ClassifySatisfactionTest, FarFromTheThresholds) {
  EXPECT_EQ(*ClassifySatisfaction(-kMax), SatisfactionLevel::kDissatisfied);
  EXPECT_EQ(*ClassifySatisfaction(-0.3), SatisfactionLevel::kDissatisfied);
  EXPECT_EQ(*ClassifySatisfaction(0.0), SatisfactionLevel::kDissatisfied);
  EXPECT_EQ(*ClassifySatisfaction(0.9), SatisfactionLevel::kDissatisfied);
  EXPECT_EQ(*ClassifySatisfaction(1.1), SatisfactionLevel::kSatisfied);
  EXPECT_EQ(*ClassifySatisfaction(3.0), SatisfactionLevel::kVerySatisfied);
  EXPECT_EQ(*ClassifySatisfaction(kMax), SatisfactionLevel::kVerySatisfied);
}

TEST(ClassifySatisfactionTest, RatioOfWholeNumbersLandsOnTheThreshold) {
  // 120 / 100 rounds to the same double as the literal 1.2, so "exceeded by 20 %" is very
  // satisfied, as the rule intends.
  EXPECT_EQ(*ClassifySatisfaction(*SatisfactionRatio(120.0, 100.0)),
            SatisfactionLevel::kVerySatisfied);
  EXPECT_EQ(*ClassifySatisfaction(*SatisfactionRatio(100.0, 100.0)),
            SatisfactionLevel::kSatisfied);
  EXPECT_EQ(*ClassifySatisfaction(*SatisfactionRatio(99.0, 100.0)),
            SatisfactionLevel::kDissatisfied);
}

TEST(ClassifySatisfactionTest, CustomThresholds) {
  const SatisfactionThresholds strict{0.9, 1.5};
  EXPECT_EQ(*ClassifySatisfaction(Below(0.9), strict), SatisfactionLevel::kDissatisfied);
  EXPECT_EQ(*ClassifySatisfaction(0.9, strict), SatisfactionLevel::kSatisfied);
  EXPECT_EQ(*ClassifySatisfaction(1.2, strict), SatisfactionLevel::kSatisfied);
  EXPECT_EQ(*ClassifySatisfaction(Below(1.5), strict), SatisfactionLevel::kSatisfied);
  EXPECT_EQ(*ClassifySatisfaction(1.5, strict), SatisfactionLevel::kVerySatisfied);
}

TEST(ClassifySatisfactionTest, RejectsNonFiniteC) {
  ExpectError(ClassifySatisfaction(kNaN), absl::StatusCode::kInvalidArgument,
              {"satisfaction: C must be finite, got nan"});
  ExpectError(ClassifySatisfaction(kInf), absl::StatusCode::kInvalidArgument, {"inf"});
  ExpectError(ClassifySatisfaction(-kInf), absl::StatusCode::kInvalidArgument, {"-inf"});
}

TEST(ClassifySatisfactionTest, RejectsInvalidThresholds) {
  ExpectError(ClassifySatisfaction(1.0, {1.2, 1.0}), absl::StatusCode::kInvalidArgument,
              {"very_satisfied"});
  ExpectError(ClassifySatisfaction(1.0, {kNaN, 1.2}), absl::StatusCode::kInvalidArgument,
              {"nan"});
}

TEST(CountSatisfactionLevelsTest, CountsEachLevel) {
  const std::vector<double> c = {0.5, Below(1.0), 1.0, 1.1, Below(1.2), 1.2, 2.0, -1.0};
  const absl::StatusOr<SatisfactionCounts> counts = CountSatisfactionLevels(c);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->dissatisfied, 3);
  EXPECT_EQ(counts->satisfied, 3);
  EXPECT_EQ(counts->very_satisfied, 2);
}

TEST(CountSatisfactionLevelsTest, EmptySpanCountsNothing) {
  const absl::StatusOr<SatisfactionCounts> counts = CountSatisfactionLevels({});
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->dissatisfied + counts->satisfied + counts->very_satisfied, 0);
}

TEST(CountSatisfactionLevelsTest, UsesCustomThresholds) {
  const std::vector<double> c = {0.95, 1.3};
  const absl::StatusOr<SatisfactionCounts> counts = CountSatisfactionLevels(c, {0.9, 1.5});
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->dissatisfied, 0);
  EXPECT_EQ(counts->satisfied, 2);
  EXPECT_EQ(counts->very_satisfied, 0);
}

TEST(CountSatisfactionLevelsTest, ErrorNamesTheIndexOfABadC) {
  const std::vector<double> c = {1.0, 0.5, 2.0, kNaN, kInf};
  ExpectError(CountSatisfactionLevels(c), absl::StatusCode::kInvalidArgument,
              {"satisfaction: C[3] must be finite, got nan"});
  const std::vector<double> d = {kInf};
  ExpectError(CountSatisfactionLevels(d), absl::StatusCode::kInvalidArgument, {"C[0]", "inf"});
  ExpectError(CountSatisfactionLevels(d, {2.0, 1.0}), absl::StatusCode::kInvalidArgument,
              {"very_satisfied"});
}

// ---------------------------------------------------------------------------
// §3.2 Word of mouth

TEST(WordOfMouthTest, DefaultRatesAreTheCourseMaterials) {
  const WordOfMouthRates rates;
  EXPECT_EQ(rates.dissatisfied, 22.0);
  EXPECT_EQ(rates.satisfied, 8.0);
  EXPECT_EQ(rates.very_satisfied, 10.0);
  EXPECT_TRUE(rates.Validate().ok());
}

TEST(WordOfMouthTest, HandWorkedReach) {
  const absl::StatusOr<WordOfMouthReach> reach = ExpectedWordOfMouth({10, 50, 40});
  ASSERT_TRUE(reach.ok()) << reach.status();
  EXPECT_EQ(reach->from_dissatisfied, 220.0);
  EXPECT_EQ(reach->from_satisfied, 400.0);
  EXPECT_EQ(reach->from_very_satisfied, 400.0);
  EXPECT_EQ(reach->total, 1020.0);
  EXPECT_EQ(reach->net, 580.0);
}

TEST(WordOfMouthTest, BadNewsOutrunsGoodNews) {
  // One unhappy customer (22 people) outweighs two satisfied ones (16).
  const absl::StatusOr<WordOfMouthReach> reach = ExpectedWordOfMouth({1, 2, 0});
  ASSERT_TRUE(reach.ok());
  EXPECT_EQ(reach->total, 38.0);
  EXPECT_EQ(reach->net, -6.0);
}

TEST(WordOfMouthTest, CustomRatesAndZeroCounts) {
  const absl::StatusOr<WordOfMouthReach> none = ExpectedWordOfMouth({0, 0, 0});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->total, 0.0);
  EXPECT_EQ(none->net, 0.0);
  const absl::StatusOr<WordOfMouthReach> reach = ExpectedWordOfMouth({3, 0, 4}, {0.5, 0.0, 12.5});
  ASSERT_TRUE(reach.ok());
  EXPECT_EQ(reach->from_dissatisfied, 1.5);
  EXPECT_EQ(reach->from_very_satisfied, 50.0);
  EXPECT_EQ(reach->total, 51.5);
  EXPECT_EQ(reach->net, 48.5);
}

TEST(WordOfMouthTest, WorksFromClassifiedRatios) {
  const std::vector<double> c = {0.8, 1.0, 1.25, 1.19, 0.99};
  const absl::StatusOr<SatisfactionCounts> counts = CountSatisfactionLevels(c);
  ASSERT_TRUE(counts.ok());
  const absl::StatusOr<WordOfMouthReach> reach = ExpectedWordOfMouth(*counts);
  ASSERT_TRUE(reach.ok());
  EXPECT_EQ(reach->total, 2 * 22.0 + 2 * 8.0 + 10.0);
  EXPECT_EQ(reach->net, 2 * 8.0 + 10.0 - 2 * 22.0);
}

TEST(WordOfMouthTest, RejectsNegativeCounts) {
  ExpectError(ExpectedWordOfMouth({-1, 0, 0}), absl::StatusCode::kInvalidArgument,
              {"word of mouth: count of dissatisfied customers must be >= 0, got -1"});
  ExpectError(ExpectedWordOfMouth({0, -5, 0}), absl::StatusCode::kInvalidArgument,
              {"satisfied", "-5"});
  ExpectError(ExpectedWordOfMouth({0, 0, std::numeric_limits<int64_t>::min()}),
              absl::StatusCode::kInvalidArgument, {"very_satisfied", "-9223372036854775808"});
}

TEST(WordOfMouthTest, RejectsBadRates) {
  ExpectError(WordOfMouthRates{kNaN, 8, 10}.Validate(), absl::StatusCode::kInvalidArgument,
              {"rate for dissatisfied", "nan"});
  ExpectError(WordOfMouthRates{22, -1, 10}.Validate(), absl::StatusCode::kInvalidArgument,
              {"rate for satisfied must be finite and >= 0, got -1"});
  ExpectError(WordOfMouthRates{22, 8, kInf}.Validate(), absl::StatusCode::kInvalidArgument,
              {"very_satisfied", "inf"});
  ExpectError(ExpectedWordOfMouth({1, 1, 1}, {22, 8, -10}), absl::StatusCode::kInvalidArgument,
              {"-10"});
}

TEST(WordOfMouthTest, RejectsOverflowingReach) {
  const int64_t many = std::numeric_limits<int64_t>::max();
  ExpectError(ExpectedWordOfMouth({many, 0, 0}, {1e300, 8, 10}), absl::StatusCode::kOutOfRange,
              {"overflows"});
  ExpectError(ExpectedWordOfMouth({1, 1, 0}, {kMax, kMax, 10}), absl::StatusCode::kOutOfRange,
              {"overflows"});
  EXPECT_TRUE(ExpectedWordOfMouth({many, many, many}).ok());
}

// ---------------------------------------------------------------------------
// §3.3 Delivered value

TEST(DeliveredValueTest, HandWorkedValue) {
  EXPECT_EQ(*DeliveredValue({100, 50, 30, 20}, {120, 10, 5, 5}), 60.0);
  EXPECT_EQ(*DeliveredValue({10, 0, 0, 0}, {20, 1, 1, 1}), -13.0);
  EXPECT_EQ(*DeliveredValue({}, {}), 0.0);
}

TEST(DeliveredValueTest, FeedsTheSatisfactionRatio) {
  const absl::StatusOr<double> b = DeliveredValue({100, 50, 30, 20}, {120, 10, 5, 5});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*ClassifySatisfaction(*SatisfactionRatio(*b, 50.0)),
            SatisfactionLevel::kVerySatisfied);
}

TEST(DeliveredValueTest, ErrorNamesTheComponent) {
  for (const double bad : {kNaN, kInf, -kInf, -1.0, Below(0.0)}) {
    const std::string got = FormatDouble(bad);
    ExpectError(DeliveredValue({bad, 0, 0, 0}, {}), absl::StatusCode::kInvalidArgument,
                {"product value", got});
    ExpectError(DeliveredValue({0, bad, 0, 0}, {}), absl::StatusCode::kInvalidArgument,
                {"service value", got});
    ExpectError(DeliveredValue({0, 0, bad, 0}, {}), absl::StatusCode::kInvalidArgument,
                {"personnel value", got});
    ExpectError(DeliveredValue({0, 0, 0, bad}, {}), absl::StatusCode::kInvalidArgument,
                {"image value", got});
    ExpectError(DeliveredValue({}, {bad, 0, 0, 0}), absl::StatusCode::kInvalidArgument,
                {"monetary cost", got});
    ExpectError(DeliveredValue({}, {0, bad, 0, 0}), absl::StatusCode::kInvalidArgument,
                {"time cost", got});
    ExpectError(DeliveredValue({}, {0, 0, bad, 0}), absl::StatusCode::kInvalidArgument,
                {"mental cost", got});
    ExpectError(DeliveredValue({}, {0, 0, 0, bad}), absl::StatusCode::kInvalidArgument,
                {"physical cost", got});
  }
  ExpectError(DeliveredValue({0, kNaN, 0, 0}, {}), absl::StatusCode::kInvalidArgument,
              {"delivered value: service value must be finite and >= 0, got nan"});
}

TEST(DeliveredValueTest, RejectsOverflowingTotals) {
  ExpectError(DeliveredValue({kMax, kMax, 0, 0}, {}), absl::StatusCode::kOutOfRange,
              {"total customer value overflows"});
  ExpectError(DeliveredValue({}, {0, 0, kMax, kMax}), absl::StatusCode::kOutOfRange,
              {"total customer cost overflows"});
  EXPECT_EQ(*DeliveredValue({kMax, 0, 0, 0}, {0, 0, 0, kMax}), 0.0);
}

// ---------------------------------------------------------------------------
// §3.4 Satisfaction index

static_assert(!IsInverseIndicator(SatisfactionIndicator::kReputation));
static_assert(!IsInverseIndicator(SatisfactionIndicator::kNameRecall));
static_assert(!IsInverseIndicator(SatisfactionIndicator::kReturnRate));
static_assert(IsInverseIndicator(SatisfactionIndicator::kComplaintRate));
static_assert(!IsInverseIndicator(SatisfactionIndicator::kPurchaseAmount));
static_assert(IsInverseIndicator(SatisfactionIndicator::kPriceSensitivity));

TEST(IndicatorScoreTest, MinMaxNormalizedAndInverted) {
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kReputation, {4, 1, 5}), 0.75);
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kComplaintRate, {4, 1, 5}), 0.25);
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kReturnRate, {1, 1, 5}), 0.0);
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kReturnRate, {5, 1, 5}), 1.0);
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kPriceSensitivity, {1, 1, 5}), 1.0);
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kPriceSensitivity, {5, 1, 5}), 0.0);
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kPurchaseAmount, {-50, -100, 100}), 0.25);
}

TEST(IndicatorScoreTest, RejectsBadScale) {
  ExpectError(IndicatorScore(SatisfactionIndicator::kReputation, {1, 1, 1}),
              absl::StatusCode::kInvalidArgument,
              {"satisfaction index: scale of reputation must be finite with min < max, got [1, 1]"});
  ExpectError(IndicatorScore(SatisfactionIndicator::kNameRecall, {3, 5, 1}),
              absl::StatusCode::kInvalidArgument, {"name_recall", "[5, 1]"});
  ExpectError(IndicatorScore(SatisfactionIndicator::kReturnRate, {0.5, kNaN, 1}),
              absl::StatusCode::kInvalidArgument, {"return_rate", "nan"});
  ExpectError(IndicatorScore(SatisfactionIndicator::kReturnRate, {0.5, 0, kInf}),
              absl::StatusCode::kInvalidArgument, {"return_rate", "inf"});
}

TEST(IndicatorScoreTest, RejectsValueOutsideScale) {
  ExpectError(IndicatorScore(SatisfactionIndicator::kComplaintRate, {Above(1.0), 0, 1}),
              absl::StatusCode::kInvalidArgument,
              {"satisfaction index: complaint_rate value must lie in [0, 1], got 1.0000000000000002"});
  ExpectError(IndicatorScore(SatisfactionIndicator::kPriceSensitivity, {Below(0.0), 0, 1}),
              absl::StatusCode::kInvalidArgument, {"price_sensitivity", "-5e-324"});
  ExpectError(IndicatorScore(SatisfactionIndicator::kPurchaseAmount, {kNaN, 0, 1}),
              absl::StatusCode::kInvalidArgument, {"purchase_amount", "nan"});
}

// Every finite scale is scored, even one whose width max − min overflows a double.
TEST(IndicatorScoreTest, ScoresScaleWhoseWidthOverflows) {
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kReputation, {0, -kMax, kMax}), 0.5);
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kReputation, {kMax, -kMax, kMax}), 1.0);
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kReputation, {-kMax / 2, -kMax, kMax}), 0.25);
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kComplaintRate, {-kMax / 2, -kMax, kMax}),
            0.75);
  EXPECT_EQ(*IndicatorScore(SatisfactionIndicator::kReputation, {0, 0, kMax}), 0.0);
  SatisfactionIndicatorReadings readings;
  readings.fill({0, -kMax, kMax});
  EXPECT_EQ(*SatisfactionIndex(readings), 0.5);
}

SatisfactionIndicatorReadings UniformReadings(double value, double min, double max) {
  SatisfactionIndicatorReadings readings;
  readings.fill({value, min, max});
  return readings;
}

TEST(SatisfactionIndexTest, EqualWeightsByDefault) {
  // Every indicator at the top of its scale: the four direct ones score 1, the two inverse
  // ones (complaint rate, price sensitivity) score 0.
  EXPECT_DOUBLE_EQ(*SatisfactionIndex(UniformReadings(5, 1, 5)), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(*SatisfactionIndex(UniformReadings(1, 1, 5)), 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(*SatisfactionIndex(UniformReadings(3, 1, 5)), 0.5);
}

TEST(SatisfactionIndexTest, BestAndWorstCustomerReachTheEnds) {
  SatisfactionIndicatorReadings best = UniformReadings(10, 0, 10);
  best[static_cast<std::size_t>(SatisfactionIndicator::kComplaintRate)] = {0, 0, 1};
  best[static_cast<std::size_t>(SatisfactionIndicator::kPriceSensitivity)] = {1, 1, 5};
  EXPECT_EQ(*SatisfactionIndex(best), 1.0);
  SatisfactionIndexWeights uneven;
  uneven.weights = {0.3, 0.1, 0.2, 0.15, 0.2, 0.05};
  EXPECT_EQ(*SatisfactionIndex(best, uneven), 1.0);
  SatisfactionIndicatorReadings worst = UniformReadings(0, 0, 10);
  worst[static_cast<std::size_t>(SatisfactionIndicator::kComplaintRate)] = {1, 0, 1};
  worst[static_cast<std::size_t>(SatisfactionIndicator::kPriceSensitivity)] = {5, 1, 5};
  EXPECT_EQ(*SatisfactionIndex(worst), 0.0);
  EXPECT_EQ(*SatisfactionIndex(worst, uneven), 0.0);
}

TEST(SatisfactionIndexTest, SingleWeightSelectsOneIndicator) {
  SatisfactionIndicatorReadings readings = UniformReadings(2, 0, 10);
  readings[static_cast<std::size_t>(SatisfactionIndicator::kComplaintRate)] = {0.03, 0, 0.1};
  SatisfactionIndexWeights weights;
  weights.weights = {0, 0, 0, 7.5, 0, 0};
  EXPECT_DOUBLE_EQ(*SatisfactionIndex(readings, weights), 0.7);
}

TEST(SatisfactionIndexTest, MatchesHighPrecisionReference) {
  const SatisfactionIndicatorReadings readings = {{
      {4.3, 1, 5},             // reputation, 1–5 survey
      {0.37, 0, 1},            // name recall, share of respondents
      {0.61, 0.1, 0.9},        // return rate
      {0.023, 0, 0.2},         // complaint rate (inverse)
      {18250.5, 120, 96000},   // purchase amount
      {2.2, 1, 7},             // price sensitivity (inverse)
  }};
  SatisfactionIndexWeights weights;
  weights.weights = {0.3, 0.1, 0.2, 0.15, 0.2, 0.05};

  cpp_bin_float_50 weight_sum = 0;
  for (const double w : weights.weights) weight_sum += w;
  cpp_bin_float_50 reference = 0;
  for (const SatisfactionIndicator indicator : AllValues<SatisfactionIndicator>()) {
    const auto i = static_cast<std::size_t>(indicator);
    const cpp_bin_float_50 value(readings[i].value);
    const cpp_bin_float_50 min(readings[i].min);
    const cpp_bin_float_50 max(readings[i].max);
    cpp_bin_float_50 score = (value - min) / (max - min);
    if (IsInverseIndicator(indicator)) score = 1 - score;
    reference += cpp_bin_float_50(weights.weights[i]) / weight_sum * score;
  }
  const absl::StatusOr<double> index = SatisfactionIndex(readings, weights);
  ASSERT_TRUE(index.ok()) << index.status();
  const double expected = reference.convert_to<double>();
  EXPECT_NEAR(*index, expected, 4 * std::numeric_limits<double>::epsilon() * expected);
}

TEST(SatisfactionIndexTest, HugeWeightsAreScaledNotOverflowed) {
  SatisfactionIndexWeights huge;
  huge.weights.fill(kMax);
  const absl::StatusOr<std::array<double, 6>> normalized = huge.Normalized();
  ASSERT_TRUE(normalized.ok()) << normalized.status();
  for (const double w : *normalized) EXPECT_DOUBLE_EQ(w, 1.0 / 6.0);
  EXPECT_DOUBLE_EQ(*SatisfactionIndex(UniformReadings(5, 1, 5), huge), 4.0 / 6.0);
}

TEST(SatisfactionIndexTest, NormalizedWeightsSumToOne) {
  SatisfactionIndexWeights weights;
  weights.weights = {3, 0, 1, 2, 0, 2};
  const absl::StatusOr<std::array<double, 6>> normalized = weights.Normalized();
  ASSERT_TRUE(normalized.ok());
  EXPECT_EQ((*normalized)[0], 0.375);
  EXPECT_EQ((*normalized)[1], 0.0);
  EXPECT_EQ((*normalized)[2], 0.125);
  EXPECT_EQ((*normalized)[3], 0.25);
  EXPECT_EQ((*normalized)[5], 0.25);
}

TEST(SatisfactionIndexTest, RejectsBadWeights) {
  SatisfactionIndexWeights weights;
  weights.weights = {1, 1, -0.5, 1, 1, 1};
  ExpectError(weights.Validate(), absl::StatusCode::kInvalidArgument,
              {"satisfaction index: weight of return_rate must be finite and >= 0, got -0.5"});
  ExpectError(SatisfactionIndex(UniformReadings(3, 1, 5), weights),
              absl::StatusCode::kInvalidArgument, {"return_rate", "-0.5"});
  weights.weights = {1, 1, 1, 1, 1, kNaN};
  ExpectError(weights.Validate(), absl::StatusCode::kInvalidArgument,
              {"price_sensitivity", "nan"});
  weights.weights = {kInf, 1, 1, 1, 1, 1};
  ExpectError(weights.Validate(), absl::StatusCode::kInvalidArgument, {"reputation", "inf"});
  weights.weights = {0, 0, 0, 0, 0, 0};
  ExpectError(weights.Normalized(), absl::StatusCode::kInvalidArgument,
              {"weights must not all be zero"});
  ExpectError(SatisfactionIndex(UniformReadings(3, 1, 5), weights),
              absl::StatusCode::kInvalidArgument, {"all be zero"});
}

TEST(SatisfactionIndexTest, ErrorNamesTheBadIndicator) {
  SatisfactionIndicatorReadings readings = UniformReadings(3, 1, 5);
  readings[static_cast<std::size_t>(SatisfactionIndicator::kPurchaseAmount)] = {6, 1, 5};
  ExpectError(SatisfactionIndex(readings), absl::StatusCode::kInvalidArgument,
              {"purchase_amount value must lie in [1, 5], got 6"});
  readings = UniformReadings(3, 1, 5);
  readings[static_cast<std::size_t>(SatisfactionIndicator::kComplaintRate)] = {0, 0, 0};
  ExpectError(SatisfactionIndex(readings), absl::StatusCode::kInvalidArgument,
              {"complaint_rate", "[0, 0]"});
}

}  // namespace
}  // namespace crmcore

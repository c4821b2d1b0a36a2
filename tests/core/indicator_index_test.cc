// Tests of include/crmcore/indicator_index.h: the min-max indicator score and the weighted
// indicator index shared by the satisfaction index (§3.4) and the loyalty index (§4.3).
#include "crmcore/indicator_index.h"

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <boost/multiprecision/cpp_bin_float.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_support.h"

namespace crmcore {
namespace {

using ::boost::multiprecision::cpp_bin_float_50;
using C = CompositeComponent;  // any taxonomy works; five values keep cases short
using test_support::ExpectError;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();

// Credit and loyalty count inversely in these tests.
constexpr bool IsInverseForTest(C c) { return c == C::kCredit || c == C::kLoyalty; }

constexpr IndicatorIndexSpec<C> kSpec{.context = "test index", .is_inverse = IsInverseForTest};

double Score(C c, IndicatorReading reading) {
  const absl::StatusOr<double> score = MinMaxIndicatorScore(c, reading, kSpec);
  EXPECT_TRUE(score.ok()) << score.status();
  return score.value_or(kNaN);
}

// ---------------------------------------------------------------------------
// MinMaxIndicatorScore

TEST(MinMaxIndicatorScoreTest, DirectAndInverseHandWorked) {
  EXPECT_EQ(Score(C::kCurrentContribution, {4, 1, 5}), 0.75);
  EXPECT_EQ(Score(C::kCredit, {4, 1, 5}), 0.25);
  EXPECT_EQ(Score(C::kGrowthPotential, {-50, -100, 100}), 0.25);
  EXPECT_EQ(Score(C::kLoyalty, {-50, -100, 100}), 0.75);
}

TEST(MinMaxIndicatorScoreTest, BoundsOfTheScaleScoreExactlyZeroAndOne) {
  EXPECT_EQ(Score(C::kCurrentContribution, {0.1, 0.1, 0.7}), 0.0);
  EXPECT_EQ(Score(C::kCurrentContribution, {0.7, 0.1, 0.7}), 1.0);
  EXPECT_EQ(Score(C::kCredit, {0.1, 0.1, 0.7}), 1.0);
  EXPECT_EQ(Score(C::kCredit, {0.7, 0.1, 0.7}), 0.0);
}

// The inverse score is (max − value) / (max − min), not 1 − normalized: no cancellation.
// Just below max on [0, 3] the distance 2^-51 is exact, so the score is 2^-51 / 3 correctly
// rounded, where 1 − value / 3 would round to 2^-53, 25 % off.
TEST(MinMaxIndicatorScoreTest, InverseScoreHasNoCancellation) {
  const double value = std::nextafter(3.0, 0.0);
  EXPECT_EQ(Score(C::kCredit, {value, 0.0, 3.0}), std::ldexp(1.0, -51) / 3.0);
  EXPECT_NE(Score(C::kCredit, {value, 0.0, 3.0}), 1.0 - value / 3.0);
}

TEST(MinMaxIndicatorScoreTest, StaysWithinZeroAndOne) {
  std::mt19937_64 random(11);
  std::uniform_real_distribution<double> uniform(-1e6, 1e6);
  for (int i = 0; i < 20000; ++i) {
    double min = uniform(random);
    double max = uniform(random);
    if (min == max) continue;
    if (min > max) std::swap(min, max);
    const double value = min + (max - min) * std::abs(uniform(random)) / 1e6;
    if (value > max) continue;
    for (const C c : {C::kCurrentContribution, C::kCredit}) {
      const double score = Score(c, {value, min, max});
      ASSERT_GE(score, 0.0);
      ASSERT_LE(score, 1.0);
    }
  }
}

TEST(MinMaxIndicatorScoreTest, MatchesHighPrecisionReference) {
  const IndicatorReading reading = {17.0, 2.0, 45.0};
  const cpp_bin_float_50 v = reading.value, lo = reading.min, hi = reading.max;
  const double direct = static_cast<double>((v - lo) / (hi - lo));
  const double inverse = static_cast<double>((hi - v) / (hi - lo));
  // One rounding of each difference and one of the quotient.
  EXPECT_NEAR(Score(C::kCurrentContribution, reading), direct, 2e-16);
  EXPECT_NEAR(Score(C::kCredit, reading), inverse, 2e-16);
}

// Every finite scale is scored, even one whose width max − min overflows a double.
TEST(MinMaxIndicatorScoreTest, ScalesWiderThanDblMaxAreScoredThroughHalves) {
  ASSERT_FALSE(std::isfinite(kMax - -kMax));
  EXPECT_EQ(Score(C::kCurrentContribution, {0, -kMax, kMax}), 0.5);
  EXPECT_EQ(Score(C::kCredit, {0, -kMax, kMax}), 0.5);
  EXPECT_EQ(Score(C::kCurrentContribution, {kMax, -kMax, kMax}), 1.0);
  EXPECT_EQ(Score(C::kCredit, {kMax, -kMax, kMax}), 0.0);
  EXPECT_EQ(Score(C::kCurrentContribution, {-kMax, -kMax, kMax}), 0.0);
  EXPECT_EQ(Score(C::kCredit, {-kMax, -kMax, kMax}), 1.0);
  // A quarter of the way up: (−DBL_MAX/2 + DBL_MAX) / (2 DBL_MAX) = 0.25, exactly.
  EXPECT_EQ(Score(C::kCurrentContribution, {-kMax / 2, -kMax, kMax}), 0.25);
  EXPECT_EQ(Score(C::kCredit, {-kMax / 2, -kMax, kMax}), 0.75);
  // Just wider than DBL_MAX (the width overflows), against a high-precision reference.
  const IndicatorReading reading = {1e307, -1e308, kMax};
  ASSERT_FALSE(std::isfinite(reading.max - reading.min));
  const cpp_bin_float_50 v = reading.value, lo = reading.min, hi = reading.max;
  EXPECT_NEAR(Score(C::kCurrentContribution, reading), static_cast<double>((v - lo) / (hi - lo)),
              2e-16);
  EXPECT_NEAR(Score(C::kCredit, reading), static_cast<double>((hi - v) / (hi - lo)), 2e-16);
  // A scale of width exactly DBL_MAX fits without halving.
  EXPECT_EQ(Score(C::kCredit, {0, 0, kMax}), 1.0);
  EXPECT_EQ(Score(C::kCurrentContribution, {kMax / 4, 0, kMax}), 0.25);
  // Subnormal scales keep their full resolution: no halving where the width fits.
  const double tiny = std::numeric_limits<double>::denorm_min();
  EXPECT_EQ(Score(C::kCurrentContribution, {tiny, 0, 2 * tiny}), 0.5);
  EXPECT_EQ(Score(C::kCurrentContribution, {tiny, 0, tiny}), 1.0);
  EXPECT_EQ(Score(C::kCredit, {tiny, 0, tiny}), 0.0);
}

TEST(MinMaxIndicatorScoreTest, RejectsBadScalesNamingTheIndicator) {
  struct Case {
    IndicatorReading reading;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{1, 1, 1}, "scale of credit must be finite with min < max, got [1, 1]"},
      {{3, 5, 1}, "scale of credit must be finite with min < max, got [5, 1]"},
      {{0.5, kNaN, 1}, "scale of credit must be finite with min < max, got [nan, 1]"},
      {{0.5, 0, kInf}, "scale of credit must be finite with min < max, got [0, inf]"},
      {{0.5, -kInf, 1}, "got [-inf, 1]"},
      // The scale is checked before the value.
      {{kNaN, 5, 1}, "scale of credit must be finite with min < max, got [5, 1]"},
  };
  for (const Case& c : cases) {
    ExpectError(MinMaxIndicatorScore(C::kCredit, c.reading, kSpec).status(),
                absl::StatusCode::kInvalidArgument, {"test index: ", c.message});
  }
}

TEST(MinMaxIndicatorScoreTest, RejectsBadValuesNamingTheIndicator) {
  ExpectError(MinMaxIndicatorScore(C::kLoyalty, {kNaN, 1, 5}, kSpec).status(),
              absl::StatusCode::kInvalidArgument,
              {"test index: reading of loyalty must be finite, got value nan on [1, 5]"});
  ExpectError(MinMaxIndicatorScore(C::kLoyalty, {-kInf, 1, 5}, kSpec).status(),
              absl::StatusCode::kInvalidArgument,
              {"test index: reading of loyalty must be finite, got value -inf on [1, 5]"});
  ExpectError(MinMaxIndicatorScore(C::kLoyalty, {std::nextafter(1.0, 0.0), 1, 5}, kSpec).status(),
              absl::StatusCode::kInvalidArgument,
              {"test index: loyalty value must lie in [1, 5], got 0.9999999999999999"});
  ExpectError(MinMaxIndicatorScore(C::kLoyalty, {5.0001, 1, 5}, kSpec).status(),
              absl::StatusCode::kInvalidArgument,
              {"test index: loyalty value must lie in [1, 5], got 5.0001"});
}

// ---------------------------------------------------------------------------
// WeightedIndicatorIndex

IndicatorReadingsFor<C> Uniform(double value, double min, double max) {
  IndicatorReadingsFor<C> readings;
  readings.fill({value, min, max});
  return readings;
}

double Index(const IndicatorReadingsFor<C>& readings, const WeightsFor<C>& weights) {
  const absl::StatusOr<double> index = WeightedIndicatorIndex(readings, weights, kSpec);
  EXPECT_TRUE(index.ok()) << index.status();
  return index.value_or(kNaN);
}

TEST(WeightedIndicatorIndexTest, HandWorked) {
  // Three direct indicators at the top score 1, two inverse ones score 0.
  EXPECT_EQ(Index(Uniform(5, 1, 5), {1, 1, 1, 1, 1}), 0.6);
  EXPECT_EQ(Index(Uniform(1, 1, 5), {1, 1, 1, 1, 1}), 0.4);
  EXPECT_EQ(Index(Uniform(3, 1, 5), {1, 1, 1, 1, 1}), 0.5);
  // Only credit weighs: 2 on [0, 8] counts as 0.75 (inverse).
  IndicatorReadingsFor<C> readings = Uniform(3, 1, 5);
  readings[static_cast<std::size_t>(C::kCredit)] = {2, 0, 8};
  EXPECT_EQ(Index(readings, {0, 0, 2.5, 0, 0}), 0.75);
  // Weights 3 : 1 on scores 1 and 0.
  readings = Uniform(5, 1, 5);
  EXPECT_EQ(Index(readings, {3, 0, 1, 0, 0}), 0.75);
}

// Readings at which every indicator, direct or inverse, scores `score` on [0, 1].
IndicatorReadingsFor<C> AllScoring(double score) {
  IndicatorReadingsFor<C> readings;
  for (const C c : AllValues<C>()) {
    readings[static_cast<std::size_t>(c)] = {IsInverseForTest(c) ? 1.0 - score : score, 0.0, 1.0};
  }
  return readings;
}

TEST(WeightedIndicatorIndexTest, NeverExceedsOneAndKeepsExactExtremes) {
  std::mt19937_64 random(3);
  std::uniform_real_distribution<double> weight(0.0, 1e3);
  for (int trial = 0; trial < 5000; ++trial) {
    const WeightsFor<C> weights = {weight(random), weight(random), weight(random), weight(random),
                                   weight(random)};
    ASSERT_EQ(Index(AllScoring(1.0), weights), 1.0) << trial;
    ASSERT_EQ(Index(AllScoring(0.0), weights), 0.0) << trial;
    // A score that is a power of two is exact in every term, so it comes back exactly.
    ASSERT_EQ(Index(AllScoring(0.25), weights), 0.25) << trial;
    // Scores at the top of the scale but one: rounding never pushes the mean above 1.
    const auto one_below = static_cast<std::size_t>(trial % 5);
    IndicatorReadingsFor<C> readings = AllScoring(1.0);
    readings[one_below] = AllScoring(std::nextafter(1.0, 0.0))[one_below];
    ASSERT_LE(Index(readings, weights), 1.0) << trial;
  }
}

TEST(WeightedIndicatorIndexTest, MatchesHighPrecisionReference) {
  const IndicatorReadingsFor<C> readings = {{
      {0.62, 0.0, 1.0},
      {17.0, 2.0, 45.0},
      {-0.4, -2.0, 1.5},  // inverse
      {8.1, 0.0, 10.0},   // inverse
      {2.2, 1.0, 7.0},
  }};
  const WeightsFor<C> weights = {0.3, 0.1, 0.15, 0.05, 0.4};
  cpp_bin_float_50 weighted = 0, total = 0;
  for (const C c : AllValues<C>()) {
    const auto i = static_cast<std::size_t>(c);
    const cpp_bin_float_50 v = readings[i].value, lo = readings[i].min, hi = readings[i].max;
    const cpp_bin_float_50 score =
        IsInverseForTest(c) ? (hi - v) / (hi - lo) : (v - lo) / (hi - lo);
    weighted += cpp_bin_float_50(weights[i]) * score;
    total += weights[i];
  }
  const double expected = static_cast<double>(weighted / total);
  EXPECT_NEAR(Index(readings, weights), expected, 8 * std::numeric_limits<double>::epsilon());
}

TEST(WeightedIndicatorIndexTest, OnlyWeightRatiosMatter) {
  const IndicatorReadingsFor<C> readings = {
      {{0.62, 0.0, 1.0}, {17.0, 2.0, 45.0}, {-0.4, -2.0, 1.5}, {8.1, 0.0, 10.0}, {2.2, 1.0, 7.0}}};
  const WeightsFor<C> small = {3, 1, 2, 1, 2};
  WeightsFor<C> huge = small;
  for (double& w : huge) w *= 0x1p1020;  // their plain sum would overflow; the ratios are exact
  EXPECT_EQ(Index(readings, small), Index(readings, huge));
}

TEST(WeightedIndicatorIndexTest, WeightsAreCheckedBeforeReadings) {
  const IndicatorReadingsFor<C> bad_readings = Uniform(kNaN, 1, 5);
  ExpectError(WeightedIndicatorIndex(bad_readings, {1, -2, 1, 1, 1}, kSpec).status(),
              absl::StatusCode::kInvalidArgument,
              {"test index: weight of future_contribution must be finite and >= 0, got -2"});
  ExpectError(WeightedIndicatorIndex(bad_readings, {0, 0, 0, 0, 0}, kSpec).status(),
              absl::StatusCode::kInvalidArgument, {"test index: weights must not all be zero"});
}

TEST(WeightedIndicatorIndexTest, FirstBadReadingInValueOrderIsReported) {
  IndicatorReadingsFor<C> readings = Uniform(3, 1, 5);
  readings[static_cast<std::size_t>(C::kLoyalty)] = {6, 1, 5};
  readings[static_cast<std::size_t>(C::kCredit)] = {0, 0, 0};
  ExpectError(WeightedIndicatorIndex(readings, {1, 1, 1, 1, 1}, kSpec).status(),
              absl::StatusCode::kInvalidArgument, {"credit", "[0, 0]"});
  // A reading is checked even when its weight is 0.
  ExpectError(WeightedIndicatorIndex(readings, {1, 1, 0, 0, 1}, kSpec).status(),
              absl::StatusCode::kInvalidArgument, {"credit"});
}

TEST(WeightedIndicatorIndexTest, ScoresScalesWhoseWidthOverflows) {
  IndicatorReadingsFor<C> readings = Uniform(3, 1, 5);  // every indicator scores 0.5
  readings[0] = {0, -kMax, kMax};                       // midpoint: 0.5 too
  EXPECT_EQ(Index(readings, {1, 1, 1, 1, 1}), 0.5);
  readings[0] = {kMax, -kMax, kMax};  // direct indicator at the top: 1
  EXPECT_EQ(Index(readings, {1, 0, 0, 0, 1}), 0.75);
}

}  // namespace
}  // namespace crmcore

// Tests for include/crmcore/rfm_score.h (RFM quintile scores, the scalar reference).
#include "crmcore/rfm_score.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_support.h"

namespace crmcore {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using test_support::ExpectInvalid;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The scores as ints (int8_t prints as a character in failure messages).
std::vector<int> Scores(const std::vector<double>& values,
                        RfmDirection direction = RfmDirection::kHigherIsBetter) {
  std::vector<int8_t> out(values.size(), 0);
  const absl::Status status = RfmQuintileScores(values, direction, absl::MakeSpan(out));
  EXPECT_TRUE(status.ok()) << status;
  return std::vector<int>(out.begin(), out.end());
}

// Brute force, O(N²), in exact integer arithmetic: 1 + floor(5·(2·worse + equal) / (2·N)).
std::vector<int> BruteForceScores(const std::vector<double>& values, RfmDirection direction) {
  const auto n = static_cast<int64_t>(values.size());
  std::vector<int> scores;
  for (const double x : values) {
    int64_t worse = 0;
    int64_t equal = 0;
    for (const double y : values) {
      if (y == x) {
        ++equal;
      } else if (direction == RfmDirection::kHigherIsBetter ? y < x : y > x) {
        ++worse;
      }
    }
    scores.push_back(static_cast<int>(1 + 5 * (2 * worse + equal) / (2 * n)));
  }
  return scores;
}

// ---------------------------------------------------------------------------
// Hand-worked columns.

TEST(RfmQuintileScoresTest, FiveDistinctValuesScoreOneToFive) {
  // p = 0.1, 0.3, 0.5, 0.7, 0.9; 5p = 0.5, 1.5, 2.5, 3.5, 4.5.
  EXPECT_THAT(Scores({30, 10, 50, 20, 40}), ElementsAre(3, 1, 5, 2, 4));
  EXPECT_THAT(Scores({30, 10, 50, 20, 40}, RfmDirection::kLowerIsBetter),
              ElementsAre(3, 5, 1, 4, 2));
}

TEST(RfmQuintileScoresTest, TenDistinctValuesFillEachQuintileTwice) {
  // p = (2i + 1) / 20, 5p = (2i + 1) / 4 = 0.25, 0.75, 1.25, ..., 4.75.
  EXPECT_THAT(Scores({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), ElementsAre(1, 1, 2, 2, 3, 3, 4, 4, 5, 5));
  EXPECT_THAT(Scores({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, RfmDirection::kLowerIsBetter),
              ElementsAre(5, 5, 4, 4, 3, 3, 2, 2, 1, 1));
}

TEST(RfmQuintileScoresTest, SmallColumnsSkipScores) {
  // N = 2: p = 1/4, 3/4 → 5p = 1.25, 3.75. N = 3: 5/6, 5/2, 25/6. N = 4: 5/8, 15/8, 25/8, 35/8.
  EXPECT_THAT(Scores({1, 2}), ElementsAre(2, 4));
  EXPECT_THAT(Scores({1, 2, 3}), ElementsAre(1, 3, 5));
  EXPECT_THAT(Scores({1, 2, 3, 4}), ElementsAre(1, 2, 4, 5));
}

TEST(RfmQuintileScoresTest, SingleCustomerAndConstantColumnScoreThree) {
  EXPECT_THAT(Scores({42.0}), ElementsAre(3));
  EXPECT_THAT(Scores({42.0}, RfmDirection::kLowerIsBetter), ElementsAre(3));
  EXPECT_THAT(Scores(std::vector<double>(7, -1.25)), ElementsAreArray(std::vector<int>(7, 3)));
  EXPECT_THAT(Scores(std::vector<double>(1000, 0.0), RfmDirection::kLowerIsBetter),
              ElementsAreArray(std::vector<int>(1000, 3)));
}

TEST(RfmQuintileScoresTest, EmptyColumnIsOkAndWritesNothing) {
  std::vector<int8_t> out;
  EXPECT_TRUE(RfmQuintileScores({}, RfmDirection::kHigherIsBetter, absl::MakeSpan(out)).ok());
  EXPECT_TRUE(RfmQuintileScores({}, RfmDirection::kLowerIsBetter, absl::MakeSpan(out)).ok());
}

// ---------------------------------------------------------------------------
// Ties.

TEST(RfmQuintileScoresTest, TiesOnAQuintileBoundaryTakeTheUpperScore) {
  // N = 5. The two 1s: worse 0, equal 2 → p = 2/10 = 1/5 exactly → 5p = 1 → score 2.
  // The 2: worse 2 → p = 5/10 → 3. The 3: p = 7/10 → 4. The 4: p = 9/10 → 5.
  EXPECT_THAT(Scores({1, 1, 2, 3, 4}), ElementsAre(2, 2, 3, 4, 5));
  // The 2s: worse 1, equal 2 → p = 4/10 → 5p = 2 → 3; the 3s: p = 8/10 → 5p = 4 → 5.
  EXPECT_THAT(Scores({1, 2, 2, 3, 3}), ElementsAre(1, 3, 3, 5, 5));
  // Lower is better mirrors the counts: the 3s are now worst (p = 2/10 → 2) and the 2s sit
  // on the next boundary (worse 2, equal 2 → p = 6/10 → 4), so on boundaries the two
  // directions are not 6 − each other.
  EXPECT_THAT(Scores({1, 2, 2, 3, 3}, RfmDirection::kLowerIsBetter), ElementsAre(5, 4, 4, 2, 2));
}

TEST(RfmQuintileScoresTest, BoundaryProductsRoundToTheInteger) {
  // The mid-rank on a boundary is the double nearest k/5; 5 times it must round back to k,
  // or a boundary tie would fall to the lower score (the claim in rfm_score.h).
  for (int64_t k = 1; k < 5; ++k) {
    const double p = PercentileMidRank(2 * k, 0, 10);  // (4k) / 20 = k / 5.
    EXPECT_EQ(5.0 * p, static_cast<double>(k)) << k;
  }
}

TEST(RfmQuintileScoresTest, TiesShareAScoreAcrossABoundary) {
  // Ten customers; four share the value 5 occupying ranks 3..6, straddling the 2/3 and 3/4
  // boundaries of distinct values: worse 2, equal 4 → p = 8/20 = 2/5 → 5p = 2 → all 3.
  EXPECT_THAT(Scores({1, 2, 5, 5, 5, 5, 7, 8, 9, 10}), ElementsAre(1, 1, 3, 3, 3, 3, 4, 4, 5, 5));
}

TEST(RfmQuintileScoresTest, NegativeZeroTiesWithZero) {
  EXPECT_THAT(Scores({0.0, -0.0, 1.0}), ElementsAre(2, 2, 5));
}

TEST(RfmQuintileScoresTest, ScoresDoNotDependOnInputOrder) {
  std::vector<double> values = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9};
  const std::vector<int> scores = Scores(values);
  std::vector<std::size_t> order(values.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<double> shuffled;
    for (const std::size_t i : order) shuffled.push_back(values[i]);
    const std::vector<int> shuffled_scores = Scores(shuffled);
    for (std::size_t j = 0; j < order.size(); ++j) {
      EXPECT_EQ(shuffled_scores[j], scores[order[j]]) << "value " << shuffled[j];
    }
  }
}

// ---------------------------------------------------------------------------
// Against brute force, and symmetry.

TEST(RfmQuintileScoresTest, AgreesWithBruteForceOnRandomColumns) {
  std::mt19937_64 rng(20240917);
  std::uniform_real_distribution<double> spread(-1e6, 1e6);
  std::uniform_int_distribution<int> few(0, 12);  // Many ties.
  for (const bool with_ties : {false, true}) {
    std::vector<double> values(1000);
    for (double& x : values) x = with_ties ? static_cast<double>(few(rng)) : spread(rng);
    for (const RfmDirection direction :
         {RfmDirection::kHigherIsBetter, RfmDirection::kLowerIsBetter}) {
      EXPECT_EQ(Scores(values, direction), BruteForceScores(values, direction))
          << "with_ties " << with_ties;
    }
  }
}

TEST(RfmQuintileScoresTest, AgreesWithBruteForceOnEverySmallSize) {
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<int> few(0, 4);
  for (std::size_t n = 1; n <= 40; ++n) {
    std::vector<double> values(n);
    for (double& x : values) x = static_cast<double>(few(rng));
    EXPECT_EQ(Scores(values), BruteForceScores(values, RfmDirection::kHigherIsBetter)) << n;
  }
}

TEST(RfmQuintileScoresTest, QuintilesHoldAFifthEachForDistinctValues) {
  std::vector<double> values(1000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) * 0.37;
  const std::vector<int> scores = Scores(values);
  for (int score = 1; score <= 5; ++score) {
    EXPECT_EQ(std::count(scores.begin(), scores.end(), score), 200) << score;
  }
}

TEST(RfmQuintileScoresTest, DirectionSymmetry) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> spread(0.0, 365.0);
  std::uniform_int_distribution<int> few(0, 6);
  std::vector<double> values;
  for (int i = 0; i < 500; ++i) values.push_back(i % 2 == 0 ? spread(rng) : few(rng));
  std::vector<double> negated;
  for (const double x : values) negated.push_back(-x);
  EXPECT_EQ(Scores(values, RfmDirection::kHigherIsBetter),
            Scores(negated, RfmDirection::kLowerIsBetter));
  EXPECT_EQ(Scores(values, RfmDirection::kLowerIsBetter),
            Scores(negated, RfmDirection::kHigherIsBetter));
  // Higher- and lower-is-better differ on a column that is not symmetric.
  EXPECT_NE(Scores(values, RfmDirection::kHigherIsBetter),
            Scores(values, RfmDirection::kLowerIsBetter));
}

TEST(RfmQuintileScoresTest, ExtremeFiniteValuesAreOrdinary) {
  constexpr double kMax = std::numeric_limits<double>::max();
  constexpr double kTiny = std::numeric_limits<double>::denorm_min();
  EXPECT_THAT(Scores({kMax, -kMax, 0.0, kTiny, -kTiny}), ElementsAre(5, 1, 3, 4, 2));
}

// ---------------------------------------------------------------------------
// Errors.

TEST(RfmQuintileScoresTest, RejectsSizeMismatchNamingBothSizes) {
  const std::vector<double> values = {1, 2, 3};
  std::vector<int8_t> out(2, 0);
  ExpectInvalid(RfmQuintileScores(values, RfmDirection::kHigherIsBetter, absl::MakeSpan(out)),
                {"out_scores has 2 elements but values has 3"});
  std::vector<int8_t> none;
  ExpectInvalid(RfmQuintileScores(values, RfmDirection::kHigherIsBetter, absl::MakeSpan(none)),
                {"out_scores has 0 elements but values has 3"});
  std::vector<int8_t> one(1, 0);
  ExpectInvalid(RfmQuintileScores({}, RfmDirection::kHigherIsBetter, absl::MakeSpan(one)),
                {"out_scores has 1 elements but values has 0"});
}

// Covers docs/bad-input.md BI-ENG-04
TEST(RfmQuintileScoresTest, RejectsNonFiniteValueNamingIndexAndValue) {
  struct Case {
    double bad;
    std::string text;
  };
  for (const Case& c : {Case{kNaN, "nan"}, Case{kInf, "inf"}, Case{-kInf, "-inf"}}) {
    const std::vector<double> values = {1.0, 2.0, 3.0, c.bad, 5.0};
    std::vector<int8_t> out(values.size(), 0);
    ExpectInvalid(RfmQuintileScores(values, RfmDirection::kLowerIsBetter, absl::MakeSpan(out)),
                  {"value at index 3 must be finite, got " + c.text});
    // Nothing was written.
    EXPECT_THAT(out, ElementsAre(0, 0, 0, 0, 0));
  }
}

TEST(RfmQuintileScoresTest, ReportsTheFirstNonFiniteValue) {
  const std::vector<double> values = {1.0, kInf, kNaN};
  std::vector<int8_t> out(values.size(), 0);
  ExpectInvalid(RfmQuintileScores(values, RfmDirection::kHigherIsBetter, absl::MakeSpan(out)),
                {"index 1", "got inf"});
}

TEST(RfmQuintileScoresTest, RejectsUndeclaredDirection) {
  const std::vector<double> values = {1.0, 2.0};
  std::vector<int8_t> out(values.size(), 0);
  ExpectInvalid(RfmQuintileScores(values, static_cast<RfmDirection>(2), absl::MakeSpan(out)),
                {"unknown direction 2"});
  EXPECT_THAT(out, ElementsAre(0, 0));
}

}  // namespace
}  // namespace crmcore

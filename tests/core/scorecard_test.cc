// Tests of include/crmcore/scorecard.h: weights, the weighted 1–5 score, grade cut-offs at
// and around each threshold, and every bad input.
#include "crmcore/scorecard.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using S = ScorecardCriterion;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

GradeCutoffs Cutoffs(double a_min, double b_min) {
  GradeCutoffs cutoffs;
  cutoffs.a_min = a_min;
  cutoffs.b_min = b_min;
  return cutoffs;
}

double Below(double x) { return std::nextafter(x, 0.0); }

ScorecardPlan MustCreate(ScorecardPlan::Weights weights, GradeCutoffs cutoffs = {}) {
  absl::StatusOr<ScorecardPlan> plan = ScorecardPlan::Create(weights, cutoffs);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// ---------------------------------------------------------------------------
// Plan and weights.

TEST(ScorecardPlanTest, NormalizesWeights) {
  const ScorecardPlan plan = MustCreate({2, 1, 1, 1, 1, 1, 1, 1, 1, 0});
  EXPECT_EQ(plan.weight(S::kCredit), 0.2);
  EXPECT_EQ(plan.weight(S::kReputation), 0.1);
  EXPECT_EQ(plan.weight(S::kAttitude), 0.0);
  EXPECT_EQ(plan.cutoffs().a_min, 4.0);
  EXPECT_EQ(plan.cutoffs().b_min, 3.0);
}

TEST(ScorecardPlanTest, EqualWeights) {
  const ScorecardPlan plan = ScorecardPlan::EqualWeights();
  for (const S c : AllValues<S>()) EXPECT_EQ(plan.weight(c), 0.1) << Id(c);
}

TEST(ScorecardPlanTest, RejectsNegativeWeightNamingCriterion) {
  const absl::Status status = ScorecardPlan::Create({1, 1, 1, 1, 1, 1, -2, 1, 1, 1}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("weight of management_stability must be finite and >= 0, got -2"));
}

TEST(ScorecardPlanTest, RejectsNonFiniteWeights) {
  absl::Status status = ScorecardPlan::Create({kNaN, 1, 1, 1, 1, 1, 1, 1, 1, 1}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("weight of credit must be finite and >= 0, got nan"));
  status = ScorecardPlan::Create({1, 1, 1, 1, 1, 1, 1, 1, 1, kInf}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("weight of attitude must be finite and >= 0, got inf"));
}

TEST(ScorecardPlanTest, RejectsAllZeroWeights) {
  const absl::Status status = ScorecardPlan::Create({}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "scorecard: weights must not all be zero");
}

// Only the ratios matter: weights whose plain sum overflows a double are normalized, not
// rejected.
TEST(ScorecardPlanTest, AcceptsWeightsWhoseSumOverflows) {
  const absl::StatusOr<ScorecardPlan> plan =
      ScorecardPlan::Create({1e308, 1e308, 0, 0, 0, 0, 0, 0, 0, 0});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->weight(ScorecardCriterion::kCredit), 0.5);
  EXPECT_EQ(plan->weight(ScorecardCriterion::kFinancialStatus), 0.5);
  EXPECT_EQ(plan->weight(ScorecardCriterion::kAttitude), 0.0);
}

TEST(ScorecardPlanTest, RejectsInvalidCutoffs) {
  const absl::Status status =
      ScorecardPlan::Create({1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, Cutoffs(3.0, 3.5)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("a_min = 3, b_min = 3.5"));
}

// ---------------------------------------------------------------------------
// Grade cut-offs.

TEST(GradeCutoffsTest, DefaultsAreValid) { EXPECT_TRUE(GradeCutoffs{}.Validate().ok()); }

TEST(GradeCutoffsTest, RejectsUnorderedOrEqualCutoffs) {
  absl::Status status = Cutoffs(3.0, 4.0).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("a_min must be > b_min, got a_min = 3, b_min = 4"));
  status = Cutoffs(3.5, 3.5).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("a_min = 3.5, b_min = 3.5"));
}

TEST(GradeCutoffsTest, RejectsCutoffsOffTheScale) {
  absl::Status status = Cutoffs(5.5, 3.0).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("a_min must be within [1, 5], got 5.5"));
  status = Cutoffs(4.0, 0.5).Validate();
  EXPECT_THAT(status.message(), HasSubstr("b_min must be within [1, 5], got 0.5"));
  status = Cutoffs(kNaN, 3.0).Validate();
  EXPECT_THAT(status.message(), HasSubstr("a_min must be within [1, 5], got nan"));
  status = Cutoffs(4.0, -kInf).Validate();
  EXPECT_THAT(status.message(), HasSubstr("b_min must be within [1, 5], got -inf"));
  EXPECT_TRUE(Cutoffs(5.0, 1.0).Validate().ok());  // The scale's ends are allowed.
}

TEST(GradeScorecardScoreTest, DefaultThresholds) {
  EXPECT_EQ(*GradeScorecardScore(5.0), ScorecardGrade::kA);
  EXPECT_EQ(*GradeScorecardScore(4.0), ScorecardGrade::kA);
  EXPECT_EQ(*GradeScorecardScore(Below(4.0)), ScorecardGrade::kB);
  EXPECT_EQ(*GradeScorecardScore(3.0), ScorecardGrade::kB);
  EXPECT_EQ(*GradeScorecardScore(Below(3.0)), ScorecardGrade::kC);
  EXPECT_EQ(*GradeScorecardScore(1.0), ScorecardGrade::kC);
}

TEST(GradeScorecardScoreTest, CustomThresholds) {
  const GradeCutoffs cutoffs = Cutoffs(4.5, 2.5);
  EXPECT_EQ(*GradeScorecardScore(4.5, cutoffs), ScorecardGrade::kA);
  EXPECT_EQ(*GradeScorecardScore(Below(4.5), cutoffs), ScorecardGrade::kB);
  EXPECT_EQ(*GradeScorecardScore(2.5, cutoffs), ScorecardGrade::kB);
  EXPECT_EQ(*GradeScorecardScore(Below(2.5), cutoffs), ScorecardGrade::kC);
}

TEST(GradeScorecardScoreTest, RejectsScoreOffTheScale) {
  for (const double bad : {Below(1.0), 5.01, kNaN, kInf}) {
    const absl::Status status = GradeScorecardScore(bad).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("weighted score must be within [1, 5]"));
  }
  EXPECT_THAT(GradeScorecardScore(5.01).status().message(), HasSubstr("got 5.01"));
}

TEST(GradeScorecardScoreTest, RejectsInvalidCutoffs) {
  const absl::Status status = GradeScorecardScore(3.0, Cutoffs(2.0, 2.0)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("a_min must be > b_min"));
}

// ---------------------------------------------------------------------------
// Weighted score.

TEST(WeightedScorecardScoreTest, EqualWeightsAverageTheScores) {
  const ScorecardScores scores = {5, 4, 3, 2, 1, 5, 4, 3, 2, 1};
  EXPECT_DOUBLE_EQ(*WeightedScorecardScore(ScorecardPlan::EqualWeights(), scores), 3.0);
  EXPECT_EQ(*GradeScorecard(ScorecardPlan::EqualWeights(), scores), ScorecardGrade::kB);
}

TEST(WeightedScorecardScoreTest, HandWorkedWeights) {
  // Credit weighs 3, financial status 1: 0.75 · 5 + 0.25 · 1 = 4.0 (exactly A).
  const ScorecardPlan plan = MustCreate({3, 1, 0, 0, 0, 0, 0, 0, 0, 0});
  const ScorecardScores scores = {5, 1, kNaN, 0, 9, 1, 1, 1, 1, 1};  // Unused ones unread.
  EXPECT_EQ(*WeightedScorecardScore(plan, scores), 4.0);
  EXPECT_EQ(*GradeScorecard(plan, scores), ScorecardGrade::kA);
  const ScorecardScores lower = {4.5, 1, 1, 1, 1, 1, 1, 1, 1, 1};  // 3.625: B
  EXPECT_EQ(*WeightedScorecardScore(plan, lower), 3.625);
  EXPECT_EQ(*GradeScorecard(plan, lower), ScorecardGrade::kB);
  const ScorecardScores low = {2, 3, 1, 1, 1, 1, 1, 1, 1, 1};  // 2.25: C
  EXPECT_EQ(*GradeScorecard(plan, low), ScorecardGrade::kC);
}

TEST(WeightedScorecardScoreTest, ExtremesStayOnTheScale) {
  // Weights 1/3, 1/7, ... do not sum to exactly 1 in double; the score stays within [1, 5].
  const ScorecardPlan plan =
      MustCreate({1.0 / 3, 1.0 / 7, 0.1, 1.0 / 11, 0.3, 0.7, 1.0 / 13, 0.9, 0.2, 1.0 / 17});
  ScorecardScores all_five;
  all_five.fill(5.0);
  ScorecardScores all_one;
  all_one.fill(1.0);
  // Unclamped, these weights give 5.000000000000001 for all 5s.
  EXPECT_EQ(*WeightedScorecardScore(plan, all_five), 5.0);
  // All 1s give 1.0000000000000002: inside the scale, one rounding from the exact mean.
  const double low = *WeightedScorecardScore(plan, all_one);
  EXPECT_GE(low, 1.0);
  EXPECT_NEAR(low, 1.0, 4e-16);
}

TEST(WeightedScorecardScoreTest, RejectsScoreOffTheScaleNamingCriterion) {
  ScorecardScores scores;
  scores.fill(3.0);
  scores[static_cast<std::size_t>(S::kMarketCoverage)] = 0.0;
  absl::Status status = WeightedScorecardScore(ScorecardPlan::EqualWeights(), scores).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("score of market_coverage must be within [1, 5], got 0"));

  scores.fill(3.0);
  scores[static_cast<std::size_t>(S::kScale)] = 5.5;
  status = GradeScorecard(ScorecardPlan::EqualWeights(), scores).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("score of scale must be within [1, 5], got 5.5"));

  scores.fill(3.0);
  scores[static_cast<std::size_t>(S::kAttitude)] = kNaN;
  status = WeightedScorecardScore(ScorecardPlan::EqualWeights(), scores).status();
  EXPECT_THAT(status.message(), HasSubstr("score of attitude must be within [1, 5], got nan"));

  scores.fill(3.0);
  scores[static_cast<std::size_t>(S::kCredit)] = Below(1.0);
  status = WeightedScorecardScore(ScorecardPlan::EqualWeights(), scores).status();
  EXPECT_THAT(status.message(), HasSubstr("score of credit must be within [1, 5]"));
}

TEST(WeightedScorecardScoreTest, AcceptsRealScoresAtTheEnds) {
  ScorecardScores scores;
  scores.fill(1.0);
  scores[0] = 5.0;
  scores[1] = 2.5;
  EXPECT_DOUBLE_EQ(*WeightedScorecardScore(ScorecardPlan::EqualWeights(), scores), 1.55);
}

TEST(ScorecardTest, EqualScoresUnderEqualWeightsGiveThatScoreExactly) {
  const ScorecardPlan plan = ScorecardPlan::EqualWeights();
  for (const double value : {1.0, 2.0, 3.0, 4.0, 4.5, 5.0}) {
    ScorecardScores scores;
    scores.fill(value);
    auto score = WeightedScorecardScore(plan, scores);
    ASSERT_TRUE(score.ok());
    EXPECT_EQ(*score, value);
  }
  ScorecardScores fours;
  fours.fill(4.0);
  EXPECT_EQ(*GradeScorecard(plan, fours), ScorecardGrade::kA);  // a_min = 4
}

}  // namespace
}  // namespace crmcore

// Tests of include/crmcore/composite_value.h: the normalizer kernels on hand-worked values,
// the plan's validation, the reference scorer on a hand-worked population, every error, and
// agreement with a 50-digit Boost.Multiprecision reference on random populations.
#include "crmcore/composite_value.h"

#include <algorithm>
#include <array>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using C = CompositeComponent;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

constexpr std::size_t I(C c) { return static_cast<std::size_t>(c); }

CompositePlan MustCreate(CompositePlan::Weights weights,
                         CompositePlan::Normalizers normalizers = {},
                         MissingPolicy missing = MissingPolicy::kReject) {
  absl::StatusOr<CompositePlan> plan = CompositePlan::Create(weights, normalizers, missing);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

NormalizerSpec Spec(NormalizerKind kind, double lower = 0.0, double upper = 1.0) {
  NormalizerSpec spec;
  spec.kind = kind;
  spec.fixed_lower = lower;
  spec.fixed_upper = upper;
  return spec;
}

// ---------------------------------------------------------------------------
// Kernels.

TEST(NormalizerKernelsTest, MinMaxMapsRangeOntoUnitInterval) {
  EXPECT_EQ(MinMaxNormalize(10.0, 10.0, 50.0), 0.0);
  EXPECT_EQ(MinMaxNormalize(20.0, 10.0, 50.0), 0.25);
  EXPECT_EQ(MinMaxNormalize(50.0, 10.0, 50.0), 1.0);
  EXPECT_EQ(MinMaxNormalize(60.0, 10.0, 50.0), 1.25);  // Not clamped outside the column.
}

TEST(NormalizerKernelsTest, MinMaxOfConstantColumnIsOneHalf) {
  EXPECT_EQ(MinMaxNormalize(7.0, 7.0, 7.0), 0.5);
}

TEST(NormalizerKernelsTest, ZScoreUsesGivenMeanAndStddev) {
  // {2, 4, 4, 4, 5, 5, 7, 9}: mean 5, population stddev 2.
  EXPECT_EQ(ZScoreNormalize(9.0, 5.0, 2.0), 2.0);
  EXPECT_EQ(ZScoreNormalize(2.0, 5.0, 2.0), -1.5);
  EXPECT_EQ(ZScoreNormalize(5.0, 5.0, 2.0), 0.0);
}

TEST(NormalizerKernelsTest, ZScoreOfConstantColumnIsZero) {
  EXPECT_EQ(ZScoreNormalize(3.0, 3.0, 0.0), 0.0);
}

TEST(NormalizerKernelsTest, PercentileMidRankAveragesTies) {
  // Column {1, 2, 2, 3}.
  EXPECT_EQ(PercentileMidRank(0, 1, 4), 0.125);  // 1
  EXPECT_EQ(PercentileMidRank(1, 2, 4), 0.5);    // 2 (two tied)
  EXPECT_EQ(PercentileMidRank(3, 1, 4), 0.875);  // 3
  EXPECT_EQ(PercentileMidRank(0, 1, 1), 0.5);    // A single customer.
  EXPECT_EQ(PercentileMidRank(0, 5, 5), 0.5);    // All equal.
  EXPECT_EQ(PercentileMidRank(2, 0, 4), 0.5);    // A value between the column's values.
}

TEST(NormalizerKernelsTest, FixedBoundsClampsToUnitInterval) {
  EXPECT_EQ(FixedBoundsNormalize(3.0, 1.0, 5.0), 0.5);
  EXPECT_EQ(FixedBoundsNormalize(1.0, 1.0, 5.0), 0.0);
  EXPECT_EQ(FixedBoundsNormalize(5.0, 1.0, 5.0), 1.0);
  EXPECT_EQ(FixedBoundsNormalize(0.0, 1.0, 5.0), 0.0);
  EXPECT_EQ(FixedBoundsNormalize(9.0, 1.0, 5.0), 1.0);
  EXPECT_EQ(FixedBoundsNormalize(1.7e308, -1.0, 1.0), 1.0);  // x - lower overflows to Inf.
  EXPECT_EQ(FixedBoundsNormalize(-1.7e308, 1.0, 2.0), 0.0);
}

// ---------------------------------------------------------------------------
// NormalizerSpec.

TEST(NormalizerSpecTest, DefaultIsValidMinMax) {
  NormalizerSpec spec;
  EXPECT_EQ(spec.kind, NormalizerKind::kMinMax);
  EXPECT_TRUE(spec.Validate().ok());
}

TEST(NormalizerSpecTest, BoundsAreIgnoredUnlessFixedBounds) {
  EXPECT_TRUE(Spec(NormalizerKind::kZScore, 5.0, kNaN).Validate().ok());
}

TEST(NormalizerSpecTest, RejectsUnknownKind) {
  const absl::Status status = Spec(static_cast<NormalizerKind>(9)).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("unknown kind 9"));
}

TEST(NormalizerSpecTest, RejectsNonFiniteBounds) {
  absl::Status status = Spec(NormalizerKind::kFixedBounds, kNaN, 1.0).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("fixed_lower = nan"));
  status = Spec(NormalizerKind::kFixedBounds, 0.0, kInf).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("fixed_upper = inf"));
}

TEST(NormalizerSpecTest, RejectsUnorderedAndEqualBounds) {
  absl::Status status = Spec(NormalizerKind::kFixedBounds, 2.0, 1.5).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("fixed_lower = 2, fixed_upper = 1.5"));
  status = Spec(NormalizerKind::kFixedBounds, 3.0, 3.0).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("fixed_lower = 3, fixed_upper = 3"));
  EXPECT_TRUE(Spec(NormalizerKind::kFixedBounds, 3.0, std::nextafter(3.0, 4.0)).Validate().ok());
}

TEST(NormalizerSpecTest, RejectsBoundsWhoseWidthOverflows) {
  const absl::Status status = Spec(NormalizerKind::kFixedBounds, -1e308, 1e308).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("fixed_lower = -1e+308"));
}

// ---------------------------------------------------------------------------
// Column statistics and NormalizeValue.

TEST(ColumnStatisticsTest, HandWorkedColumn) {
  const std::vector<double> column = {2, 4, 4, 4, 5, 5, 7, 9};
  absl::StatusOr<ColumnStatistics> stats = ComputeColumnStatistics(column, "x", true);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->count, 8);
  EXPECT_EQ(stats->min, 2.0);
  EXPECT_EQ(stats->max, 9.0);
  EXPECT_EQ(stats->mean, 5.0);
  EXPECT_EQ(stats->variance, 4.0);  // Population variance: 32 / 8.
  EXPECT_EQ(stats->stddev(), 2.0);
  EXPECT_THAT(stats->sorted, ::testing::ElementsAre(2, 4, 4, 4, 5, 5, 7, 9));
}

TEST(ColumnStatisticsTest, SortedCopyOnlyOnRequest) {
  const std::vector<double> column = {3, 1, 2};
  absl::StatusOr<ColumnStatistics> stats = ComputeColumnStatistics(column, "x");
  ASSERT_TRUE(stats.ok());
  EXPECT_TRUE(stats->sorted.empty());
}

TEST(ColumnStatisticsTest, WelfordSurvivesLargeOffset) {
  // The classic cancellation case: the sum-of-squares formula loses every digit here.
  const std::vector<double> column = {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
  absl::StatusOr<ColumnStatistics> stats = ComputeColumnStatistics(column, "x");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->mean, 1e9 + 10);
  EXPECT_NEAR(stats->variance, 22.5, 22.5 * 1e-9);
}

TEST(ColumnStatisticsTest, SkipsMissingValues) {
  const std::vector<double> column = {kNaN, 1.0, kNaN, 3.0};
  absl::StatusOr<ColumnStatistics> stats = ComputeColumnStatistics(column, "x", true);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->count, 2);
  EXPECT_EQ(stats->mean, 2.0);
  EXPECT_EQ(stats->variance, 1.0);
  EXPECT_THAT(stats->sorted, ::testing::ElementsAre(1.0, 3.0));
}

TEST(ColumnStatisticsTest, EmptyAndAllMissingColumnsHaveZeroCount) {
  absl::StatusOr<ColumnStatistics> stats = ComputeColumnStatistics({}, "x");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->count, 0);
  const std::vector<double> column = {kNaN, kNaN};
  stats = ComputeColumnStatistics(column, "x");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->count, 0);
  EXPECT_EQ(stats->variance, 0.0);
}

TEST(ColumnStatisticsTest, RejectsInfinityNamingColumnAndIndex) {
  const std::vector<double> column = {1.0, 2.0, -kInf};
  const absl::Status status = ComputeColumnStatistics(column, "credit").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("column credit value at index 2 is -inf"));
}

TEST(NormalizeValueTest, EachKindAgainstHandWorkedStatistics) {
  const std::vector<double> column = {2, 4, 4, 4, 5, 5, 7, 9};
  const ColumnStatistics stats = *ComputeColumnStatistics(column, "x", true);
  EXPECT_EQ(*NormalizeValue(4.0, Spec(NormalizerKind::kMinMax), stats), 2.0 / 7.0);
  EXPECT_EQ(*NormalizeValue(9.0, Spec(NormalizerKind::kZScore), stats), 2.0);
  EXPECT_EQ(*NormalizeValue(4.0, Spec(NormalizerKind::kPercentileRank), stats),
            (2.0 * 1 + 3) / 16.0);
  EXPECT_EQ(*NormalizeValue(6.0, Spec(NormalizerKind::kPercentileRank), stats), 12.0 / 16.0);
  EXPECT_EQ(*NormalizeValue(4.0, Spec(NormalizerKind::kFixedBounds, 0.0, 8.0), stats), 0.5);
}

TEST(NormalizeValueTest, FixedBoundsNeedNoStatistics) {
  EXPECT_EQ(*NormalizeValue(2.0, Spec(NormalizerKind::kFixedBounds, 1.0, 5.0), {}), 0.25);
}

TEST(NormalizeValueTest, RejectsNonFiniteValue) {
  const ColumnStatistics stats = *ComputeColumnStatistics(std::vector<double>{1.0, 2.0}, "x");
  absl::Status status = NormalizeValue(kNaN, {}, stats).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("got nan"));
  status = NormalizeValue(kInf, {}, stats).status();
  EXPECT_THAT(status.message(), HasSubstr("got inf"));
}

TEST(NormalizeValueTest, RejectsInvalidSpec) {
  const absl::Status status =
      NormalizeValue(1.0, Spec(NormalizerKind::kFixedBounds, 1.0, 0.0), {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("fixed_lower = 1, fixed_upper = 0"));
}

TEST(NormalizeValueTest, RejectsEmptyStatistics) {
  const absl::Status status = NormalizeValue(1.0, Spec(NormalizerKind::kZScore), {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("no present values"));
}

TEST(NormalizeValueTest, PercentileNeedsSortedValues) {
  const ColumnStatistics stats = *ComputeColumnStatistics(std::vector<double>{1.0, 2.0}, "x");
  const absl::Status status =
      NormalizeValue(1.0, Spec(NormalizerKind::kPercentileRank), stats).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("0 sorted values but count is 2"));
}

TEST(NormalizeValueTest, RejectsOverflowingStatistics) {
  const ColumnStatistics stats = *ComputeColumnStatistics(std::vector<double>{-1e308, 1e308}, "x");
  absl::Status status = NormalizeValue(0.0, Spec(NormalizerKind::kMinMax), stats).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("min = -1e+308, max = 1e+308"));
  status = NormalizeValue(0.0, Spec(NormalizerKind::kZScore), stats).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("z-score"));
}

// ---------------------------------------------------------------------------
// CompositePlan.

TEST(CompositePlanTest, NormalizesWeightsToSumOne) {
  const CompositePlan plan = MustCreate({2, 1, 1, 0, 0});
  EXPECT_EQ(plan.weight(C::kCurrentContribution), 0.5);
  EXPECT_EQ(plan.weight(C::kFutureContribution), 0.25);
  EXPECT_EQ(plan.weight(C::kCredit), 0.25);
  EXPECT_EQ(plan.weight(C::kLoyalty), 0.0);
  EXPECT_TRUE(plan.uses(C::kCredit));
  EXPECT_FALSE(plan.uses(C::kGrowthPotential));
  EXPECT_EQ(plan.missing_policy(), MissingPolicy::kReject);
  EXPECT_EQ(plan.normalizer(C::kLoyalty).kind, NormalizerKind::kMinMax);
}

TEST(CompositePlanTest, KeepsNormalizersAndPolicy) {
  CompositePlan::Normalizers normalizers{};
  normalizers[I(C::kCredit)] = Spec(NormalizerKind::kFixedBounds, 1.0, 5.0);
  const CompositePlan plan = MustCreate({1, 1, 1, 1, 1}, normalizers, MissingPolicy::kRenormalize);
  EXPECT_EQ(plan.normalizer(C::kCredit).kind, NormalizerKind::kFixedBounds);
  EXPECT_EQ(plan.normalizer(C::kCredit).fixed_upper, 5.0);
  EXPECT_EQ(plan.weight(C::kLoyalty), 0.2);
  EXPECT_EQ(plan.missing_policy(), MissingPolicy::kRenormalize);
}

// Covers docs/bad-input.md BI-ENG-06
TEST(CompositePlanTest, RejectsNegativeWeightNamingComponent) {
  const absl::Status status = CompositePlan::Create({1, 1, -1.5, 1, 1}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("weight of credit must be finite and >= 0, got -1.5"));
}

// Covers docs/bad-input.md BI-ENG-06
TEST(CompositePlanTest, RejectsNonFiniteWeights) {
  absl::Status status = CompositePlan::Create({1, kNaN, 1, 1, 1}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("future_contribution"));
  EXPECT_THAT(status.message(), HasSubstr("got nan"));
  status = CompositePlan::Create({1, 1, 1, 1, kInf}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("growth_potential must be finite and >= 0, got inf"));
}

// Covers docs/bad-input.md BI-ENG-06
TEST(CompositePlanTest, RejectsWeightsSummingToZero) {
  const absl::Status status = CompositePlan::Create({0, 0, 0, 0, 0}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "composite: weights must not all be zero");
}

// Only the ratios matter, so weights whose plain sum overflows a double are accepted and
// normalized exactly as their scaled-down equivalents would be.
TEST(CompositePlanTest, AcceptsWeightsWhoseSumOverflows) {
  const CompositePlan plan = MustCreate({1e308, 1e308, 0, 0, 0});
  EXPECT_EQ(plan.weight(C::kCurrentContribution), 0.5);
  EXPECT_EQ(plan.weight(C::kFutureContribution), 0.5);
  EXPECT_EQ(plan.weight(C::kCredit), 0.0);
  EXPECT_FALSE(plan.uses(C::kCredit));
  const double kMax = std::numeric_limits<double>::max();
  const CompositePlan skewed = MustCreate({kMax, 0, kMax / 2, kMax / 2, 0});
  EXPECT_EQ(skewed.weight(C::kCurrentContribution), 0.5);
  EXPECT_EQ(skewed.weight(C::kCredit), 0.25);
  EXPECT_EQ(skewed.weight(C::kLoyalty), 0.25);
}

TEST(CompositePlanTest, TinyPositiveWeightIsUsed) {
  const CompositePlan plan = MustCreate({0, 0, 0, 5e-324, 0});
  EXPECT_EQ(plan.weight(C::kLoyalty), 1.0);
}

TEST(CompositePlanTest, RejectsInvalidNormalizerNamingComponent) {
  CompositePlan::Normalizers normalizers{};
  normalizers[I(C::kLoyalty)] = Spec(NormalizerKind::kFixedBounds, 10.0, 0.0);
  const absl::Status status = CompositePlan::Create({1, 1, 1, 1, 1}, normalizers).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("component loyalty"));
  EXPECT_THAT(status.message(), HasSubstr("fixed_lower = 10, fixed_upper = 0"));
}

TEST(CompositePlanTest, RejectsUnknownMissingPolicy) {
  const absl::Status status =
      CompositePlan::Create({1, 1, 1, 1, 1}, {}, static_cast<MissingPolicy>(5)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("unknown missing policy 5"));
}

// ---------------------------------------------------------------------------
// ScoreCompositeReference on hand-worked populations.

// Four customers, one normalizer of each kind, growth potential unused (empty column).
struct HandWorked {
  std::vector<double> current = {10, 20, 30, 40};  // min-max: 0, 1/3, 2/3, 1
  std::vector<double> future = {0, 2, 0, 2};       // z-score (mean 1, sd 1): -1, 1, -1, 1
  std::vector<double> credit = {5, 3, 3, 1};       // percentile: 7/8, 1/2, 1/2, 1/8
  std::vector<double> loyalty = {5, 12, -1, 10};   // fixed [0, 10]: 0.5, 1, 0, 1

  CompositePlan Plan() const {
    CompositePlan::Normalizers normalizers{};
    normalizers[I(C::kCurrentContribution)] = Spec(NormalizerKind::kMinMax);
    normalizers[I(C::kFutureContribution)] = Spec(NormalizerKind::kZScore);
    normalizers[I(C::kCredit)] = Spec(NormalizerKind::kPercentileRank);
    normalizers[I(C::kLoyalty)] = Spec(NormalizerKind::kFixedBounds, 0.0, 10.0);
    return MustCreate({1, 1, 1, 1, 0}, normalizers);
  }
  ComponentColumns Columns() const {
    ComponentColumns columns;
    columns.column[I(C::kCurrentContribution)] = current;
    columns.column[I(C::kFutureContribution)] = future;
    columns.column[I(C::kCredit)] = credit;
    columns.column[I(C::kLoyalty)] = loyalty;
    return columns;
  }
};

TEST(ScoreCompositeReferenceTest, HandWorkedPopulation) {
  const HandWorked data;
  std::vector<double> out(4);
  ASSERT_TRUE(ScoreCompositeReference(data.Plan(), data.Columns(), absl::MakeSpan(out)).ok());
  EXPECT_DOUBLE_EQ(out[0], 0.25 * (0.0 - 1.0 + 0.875 + 0.5));      // 0.09375
  EXPECT_DOUBLE_EQ(out[1], 0.25 * (1.0 / 3.0 + 1.0 + 0.5 + 1.0));  // 0.708333...
  EXPECT_DOUBLE_EQ(out[2], 0.25 * (2.0 / 3.0 - 1.0 + 0.5 + 0.0));  // 0.041666...
  EXPECT_DOUBLE_EQ(out[3], 0.25 * (1.0 + 1.0 + 0.125 + 1.0));      // 0.78125
}

TEST(ScoreCompositeReferenceTest, ResultDoesNotDependOnCustomerOrder) {
  HandWorked data;
  std::vector<double> out(4);
  ASSERT_TRUE(ScoreCompositeReference(data.Plan(), data.Columns(), absl::MakeSpan(out)).ok());
  HandWorked reversed;
  for (auto* column : {&reversed.current, &reversed.future, &reversed.credit, &reversed.loyalty}) {
    std::reverse(column->begin(), column->end());
  }
  std::vector<double> out_reversed(4);
  ASSERT_TRUE(
      ScoreCompositeReference(reversed.Plan(), reversed.Columns(), absl::MakeSpan(out_reversed))
          .ok());
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(out[i], out_reversed[3 - i]) << i;
}

// Covers docs/bad-input.md BI-ENG-11
TEST(ScoreCompositeReferenceTest, ConstantColumnsGiveNeutralValues) {
  CompositePlan::Normalizers normalizers{};
  normalizers[I(C::kFutureContribution)] = Spec(NormalizerKind::kZScore);
  normalizers[I(C::kCredit)] = Spec(NormalizerKind::kPercentileRank);
  const CompositePlan plan = MustCreate({1, 1, 2, 0, 0}, normalizers);
  const std::vector<double> same = {3, 3, 3};
  ComponentColumns columns;
  for (const C c : {C::kCurrentContribution, C::kFutureContribution, C::kCredit}) {
    columns.column[I(c)] = same;
  }
  std::vector<double> out(3);
  ASSERT_TRUE(ScoreCompositeReference(plan, columns, absl::MakeSpan(out)).ok());
  // min-max 0.5 · 0.25 + z-score 0 · 0.25 + percentile 0.5 · 0.5.
  for (const double v : out) EXPECT_EQ(v, 0.375);
}

// Covers docs/bad-input.md BI-ENG-10
TEST(ScoreCompositeReferenceTest, SingleCustomer) {
  CompositePlan::Normalizers normalizers{};
  normalizers[I(C::kCredit)] = Spec(NormalizerKind::kPercentileRank);
  const CompositePlan plan = MustCreate({0, 0, 1, 0, 0}, normalizers);
  const std::vector<double> credit = {4.0};
  ComponentColumns columns;
  columns.column[I(C::kCredit)] = credit;
  std::vector<double> out(1);
  ASSERT_TRUE(ScoreCompositeReference(plan, columns, absl::MakeSpan(out)).ok());
  EXPECT_EQ(out[0], 0.5);
}

// Covers docs/bad-input.md BI-ENG-09
TEST(ScoreCompositeReferenceTest, EmptyPopulationIsOk) {
  const CompositePlan plan = MustCreate({1, 1, 1, 1, 1});
  EXPECT_TRUE(ScoreCompositeReference(plan, ComponentColumns{}, {}).ok());
}

TEST(ScoreCompositeReferenceTest, UnusedColumnsAreNotRead) {
  const CompositePlan plan = MustCreate({1, 0, 0, 0, 0});
  const std::vector<double> current = {1, 2, 3};
  const std::vector<double> junk = {kNaN, kInf};
  ComponentColumns columns;
  columns.column[I(C::kCurrentContribution)] = current;
  columns.column[I(C::kCredit)] = junk;
  std::vector<double> out(3);
  ASSERT_TRUE(ScoreCompositeReference(plan, columns, absl::MakeSpan(out)).ok());
  EXPECT_THAT(out, ::testing::ElementsAre(0.0, 0.5, 1.0));
}

TEST(ScoreCompositeReferenceTest, RenormalizesOverPresentComponents) {
  const CompositePlan plan = MustCreate({1, 1, 0, 0, 0}, {}, MissingPolicy::kRenormalize);
  const std::vector<double> current = {4, 10, 0};   // min-max: 0.4, 1, 0
  const std::vector<double> future = {kNaN, 4, 2};  // statistics over {4, 2}: 1, 0
  ComponentColumns columns;
  columns.column[I(C::kCurrentContribution)] = current;
  columns.column[I(C::kFutureContribution)] = future;
  std::vector<double> out(3);
  ASSERT_TRUE(ScoreCompositeReference(plan, columns, absl::MakeSpan(out)).ok());
  EXPECT_EQ(out[0], 0.4);  // (0.5 · 0.4) / 0.5
  EXPECT_EQ(out[1], 1.0);
  EXPECT_EQ(out[2], 0.0);
}

TEST(ScoreCompositeReferenceTest, AllMissingColumnIsFineWhenOthersArePresent) {
  const CompositePlan plan = MustCreate({1, 1, 0, 0, 0}, {}, MissingPolicy::kRenormalize);
  const std::vector<double> current = {0, 10};
  const std::vector<double> future = {kNaN, kNaN};
  ComponentColumns columns;
  columns.column[I(C::kCurrentContribution)] = current;
  columns.column[I(C::kFutureContribution)] = future;
  std::vector<double> out(2);
  ASSERT_TRUE(ScoreCompositeReference(plan, columns, absl::MakeSpan(out)).ok());
  EXPECT_THAT(out, ::testing::ElementsAre(0.0, 1.0));
}

// Covers docs/bad-input.md BI-ENG-05
TEST(ScoreCompositeReferenceTest, RenormalizeRejectsCustomerWithNothingPresent) {
  const CompositePlan plan = MustCreate({1, 1, 0, 0, 0}, {}, MissingPolicy::kRenormalize);
  const std::vector<double> current = {1, kNaN, 3};
  const std::vector<double> future = {1, kNaN, 2};
  ComponentColumns columns;
  columns.column[I(C::kCurrentContribution)] = current;
  columns.column[I(C::kFutureContribution)] = future;
  std::vector<double> out = {-7, -7, -7};
  const absl::Status status = ScoreCompositeReference(plan, columns, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("customer 1 has every used component missing"));
  EXPECT_THAT(out, ::testing::Each(-7.0));  // Untouched on error.
}

// Covers docs/bad-input.md BI-ENG-03
TEST(ScoreCompositeReferenceTest, RejectPolicyRejectsNaNNamingComponentAndIndex) {
  const HandWorked data;
  HandWorked bad = data;
  bad.credit[2] = kNaN;
  std::vector<double> out = {-7, -7, -7, -7};
  const absl::Status status =
      ScoreCompositeReference(bad.Plan(), bad.Columns(), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("column credit value at index 2 is nan"));
  EXPECT_THAT(out, ::testing::Each(-7.0));
}

// Covers docs/bad-input.md BI-ENG-04
TEST(ScoreCompositeReferenceTest, RejectsInfinityUnderEitherPolicy) {
  HandWorked bad;
  bad.loyalty[3] = -kInf;
  std::vector<double> out(4);
  absl::Status status = ScoreCompositeReference(bad.Plan(), bad.Columns(), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("column loyalty value at index 3 is -inf"));

  const CompositePlan renormalize = MustCreate({1, 0, 0, 0, 0}, {}, MissingPolicy::kRenormalize);
  const std::vector<double> current = {1, kInf};
  ComponentColumns columns;
  columns.column[I(C::kCurrentContribution)] = current;
  std::vector<double> out2(2);
  status = ScoreCompositeReference(renormalize, columns, absl::MakeSpan(out2));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("column current_contribution value at index 1 is inf"));
}

// Covers docs/bad-input.md BI-ENG-01
TEST(ScoreCompositeReferenceTest, RejectsColumnLengthMismatch) {
  HandWorked bad;
  bad.future.pop_back();
  std::vector<double> out(4);
  const absl::Status status =
      ScoreCompositeReference(bad.Plan(), bad.Columns(), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("column future_contribution has 3 values but column "
                                          "current_contribution has 4"));
}

// Covers docs/bad-input.md BI-ENG-02
TEST(ScoreCompositeReferenceTest, RejectsOutLengthMismatch) {
  const HandWorked data;
  std::vector<double> out(5);
  const absl::Status status =
      ScoreCompositeReference(data.Plan(), data.Columns(), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("out has 5 elements but the columns hold 4 customers"));
}

// Covers docs/bad-input.md BI-ENG-13
TEST(ScoreCompositeReferenceTest, RejectsOverflowingSpread) {
  const std::vector<double> wide = {-1e308, 0.0, 1e308};
  ComponentColumns columns;
  columns.column[I(C::kCredit)] = wide;
  std::vector<double> out(3);

  const CompositePlan min_max = MustCreate({0, 0, 1, 0, 0});
  absl::Status status = ScoreCompositeReference(min_max, columns, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("column credit range overflows"));

  CompositePlan::Normalizers normalizers{};
  normalizers[I(C::kCredit)] = Spec(NormalizerKind::kZScore);
  const std::vector<double> spread = {-1e200, 1e200};
  columns.column[I(C::kCredit)] = spread;
  std::vector<double> out2(2);
  status = ScoreCompositeReference(MustCreate({0, 0, 1, 0, 0}, normalizers), columns,
                                   absl::MakeSpan(out2));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("column credit statistics overflow for z-score"));

  // Percentile ranks need no arithmetic on the values, so the same column scores fine.
  normalizers[I(C::kCredit)] = Spec(NormalizerKind::kPercentileRank);
  columns.column[I(C::kCredit)] = wide;
  ASSERT_TRUE(ScoreCompositeReference(MustCreate({0, 0, 1, 0, 0}, normalizers), columns,
                                      absl::MakeSpan(out))
                  .ok());
  EXPECT_THAT(out, ::testing::ElementsAre(1.0 / 6.0, 0.5, 5.0 / 6.0));
}

// ---------------------------------------------------------------------------
// Agreement with a 50-digit reference computed independently: two-pass mean and variance,
// percentile ranks by counting, weights normalized in 50 digits.

using Big = boost::multiprecision::cpp_bin_float_50;

struct BigStats {
  Big min, max, mean, stddev;
  std::vector<double> present;
};

BigStats ComputeBigStats(const std::vector<double>& column) {
  BigStats s;
  for (const double x : column) {
    if (!std::isnan(x)) s.present.push_back(x);
  }
  const auto [lo, hi] = std::minmax_element(s.present.begin(), s.present.end());
  s.min = *lo;
  s.max = *hi;
  Big sum = 0;
  for (const double x : s.present) sum += x;
  const Big n = static_cast<double>(s.present.size());
  s.mean = sum / n;
  Big squares = 0;
  for (const double x : s.present) squares += (Big(x) - s.mean) * (Big(x) - s.mean);
  s.stddev = sqrt(squares / n);
  return s;
}

Big BigNormalize(double x, const NormalizerSpec& spec, const BigStats& s) {
  switch (spec.kind) {
    case NormalizerKind::kMinMax:
      return s.max == s.min ? Big(0.5) : (Big(x) - s.min) / (s.max - s.min);
    case NormalizerKind::kZScore:
      return s.stddev == 0 ? Big(0) : (Big(x) - s.mean) / s.stddev;
    case NormalizerKind::kPercentileRank: {
      Big below = 0, equal = 0;
      for (const double y : s.present) {
        if (y < x) below += 1;
        if (y == x) equal += 1;
      }
      return (below + equal / 2) / static_cast<double>(s.present.size());
    }
    case NormalizerKind::kFixedBounds: {
      const Big scaled =
          (Big(x) - spec.fixed_lower) / (Big(spec.fixed_upper) - Big(spec.fixed_lower));
      return scaled < 0 ? Big(0) : (scaled > 1 ? Big(1) : scaled);
    }
  }
  return 0;
}

struct RandomPopulation {
  std::array<std::vector<double>, kCompositeComponentCount> columns;
  CompositePlan::Weights weights = {3.0, 2.5, 1.0, 1.5, 0.7};
  CompositePlan::Normalizers normalizers{};

  RandomPopulation(std::size_t n, double missing_rate, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> current(-500.0, 2000.0);
    std::uniform_real_distribution<double> future(0.0, 1e4);
    std::uniform_int_distribution<int> credit(1, 5);  // Many ties.
    std::uniform_real_distribution<double> loyalty(-10.0, 110.0);
    std::uniform_real_distribution<double> growth(-1.0, 1.0);
    std::bernoulli_distribution missing(missing_rate);
    for (std::size_t i = 0; i < n; ++i) {
      columns[I(C::kCurrentContribution)].push_back(current(rng));
      columns[I(C::kFutureContribution)].push_back(future(rng));
      columns[I(C::kCredit)].push_back(credit(rng));
      columns[I(C::kLoyalty)].push_back(loyalty(rng));
      columns[I(C::kGrowthPotential)].push_back(growth(rng));
      for (auto& column : columns) {
        if (missing(rng)) column[i] = kNaN;
      }
      // Every customer keeps at least one component (else the scorer rightly refuses).
      bool any_present = false;
      for (const auto& column : columns) any_present = any_present || !std::isnan(column[i]);
      if (!any_present) columns[I(C::kCredit)][i] = 3.0;
    }
    normalizers[I(C::kCurrentContribution)] = Spec(NormalizerKind::kMinMax);
    normalizers[I(C::kFutureContribution)] = Spec(NormalizerKind::kZScore);
    normalizers[I(C::kCredit)] = Spec(NormalizerKind::kPercentileRank);
    normalizers[I(C::kLoyalty)] = Spec(NormalizerKind::kFixedBounds, 0.0, 100.0);
    normalizers[I(C::kGrowthPotential)] = Spec(NormalizerKind::kZScore);
  }

  ComponentColumns Columns() const {
    ComponentColumns result;
    for (std::size_t c = 0; c < kCompositeComponentCount; ++c) result.column[c] = columns[c];
    return result;
  }
};

// Tolerance: |double − reference| ≤ 1e-12 · Σ_c w_c·|n_c|. The bound is relative to the
// magnitude of the summed terms (the standard forward-error bound of a dot product), so a
// z-score sum that cancels near 0 is judged fairly. The double path's error is a few ulps per
// kernel, plus the Welford mean/variance error, bounded by about N·eps·(1 + |mean|/sd) ≈
// 300 · 1.1e-16 · 2 ≈ 7e-14 relative for these well-conditioned columns (observed: below
// 1e-14 on these seeds). 1e-12 leaves a wide margin, while any formula slip (sample instead
// of population sd: 1.7e-3; another tie rule: ≥ 1/600; a missed renormalization: O(1))
// exceeds it by about nine orders of magnitude.
void ExpectAgreesWithBigReference(const RandomPopulation& population, MissingPolicy policy) {
  const CompositePlan plan = MustCreate(population.weights, population.normalizers, policy);
  const std::size_t n = population.columns[0].size();
  std::vector<double> out(n);
  const absl::Status status =
      ScoreCompositeReference(plan, population.Columns(), absl::MakeSpan(out));
  ASSERT_TRUE(status.ok()) << status;

  Big weight_sum = 0;
  for (const double w : population.weights) weight_sum += w;
  std::array<BigStats, kCompositeComponentCount> stats;
  for (std::size_t c = 0; c < kCompositeComponentCount; ++c) {
    stats[c] = ComputeBigStats(population.columns[c]);
  }
  for (std::size_t i = 0; i < n; ++i) {
    Big sum = 0, present_weight = 0, magnitude = 0;
    for (std::size_t c = 0; c < kCompositeComponentCount; ++c) {
      const double x = population.columns[c][i];
      if (std::isnan(x)) continue;
      const Big w = Big(population.weights[c]) / weight_sum;
      const Big term = w * BigNormalize(x, population.normalizers[c], stats[c]);
      sum += term;
      magnitude += abs(term);
      present_weight += w;
    }
    const double reference = static_cast<double>(sum / present_weight);
    const double tolerance = 1e-12 * static_cast<double>(magnitude / present_weight);
    EXPECT_NEAR(out[i], reference, tolerance) << "customer " << i;
  }
}

TEST(ScoreCompositeReferenceTest, AgreesWithMultiprecisionReference) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(seed);
    ExpectAgreesWithBigReference(RandomPopulation(300, 0.0, seed), MissingPolicy::kReject);
  }
}

TEST(ScoreCompositeReferenceTest, AgreesWithMultiprecisionReferenceWithMissingValues) {
  for (const std::uint64_t seed : {11u, 12u}) {
    SCOPED_TRACE(seed);
    ExpectAgreesWithBigReference(RandomPopulation(400, 0.15, seed), MissingPolicy::kRenormalize);
  }
}

}  // namespace
}  // namespace crmcore

// Tests of the engine's satisfaction ratios, its engine-allocated outputs, and its answers
// to bad input (include/crmcore/engine.h): mismatched lengths, NaN and Inf, invalid plans,
// options and bitmaps, empty and single-customer populations, overflowing statistics; each
// error as the scalar reference reports it.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/composite_value.h"
#include "crmcore/engine.h"
#include "crmcore/engine_state.h"
#include "crmcore/rfm_score.h"
#include "crmcore/satisfaction.h"
#include "crmcore/value_tier.h"
#include "engine_test_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace engine {
namespace {

using ::testing::HasSubstr;
using C = CompositeComponent;
using test_support::Columns;
using test_support::Engine;
using test_support::EngineColumns;
using test_support::ExactPlan;
using test_support::ForEachTarget;
using test_support::MakePopulation;
using test_support::MixedPlan;
using test_support::MustCreate;
using test_support::Reference;
using test_support::ReferenceColumns;
using test_support::Spec;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

constexpr std::size_t I(C c) { return static_cast<std::size_t>(c); }

TEST(EngineSatisfactionTest, RatiosMatchTheReference) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> value(-50.0, 150.0);
  std::uniform_real_distribution<double> expectation(0.1, 100.0);
  std::vector<double> b(40000);
  std::vector<double> a(40000);
  for (std::size_t i = 0; i < b.size(); ++i) {
    b[i] = value(rng);
    a[i] = expectation(rng);
  }
  std::vector<double> c(b.size());
  ASSERT_TRUE(SatisfactionRatios(b, a, absl::MakeSpan(c)).ok());
  for (std::size_t i = 0; i < b.size(); ++i) ASSERT_EQ(c[i], *SatisfactionRatio(b[i], a[i]));
}

// Covers docs/bad-input.md BI-ENG-14
TEST(EngineSatisfactionTest, ReportsTheFirstBadCustomerWithTheReferenceError) {
  std::vector<double> b = {9.0, 1.0, kNaN, 4.0};
  std::vector<double> a = {8.0, 0.0, 1.0, 1.0};
  std::vector<double> c(4);
  absl::Status status = SatisfactionRatios(b, a, absl::MakeSpan(c));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("at index 1"));
  EXPECT_THAT(status.message(), HasSubstr("expectation A must be finite and > 0, got 0"));

  b = {1e308, 1.0};
  a = {1e-10, 1.0};
  c.resize(2);
  status = SatisfactionRatios(b, a, absl::MakeSpan(c));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("at index 0"));

  status = SatisfactionRatios(b, a, absl::MakeSpan(c).subspan(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("out_c has 1"));
}

// ---------------------------------------------------------------------------
// Bad input and edge cases.

// Covers docs/bad-input.md BI-ENG-01, BI-ENG-02
TEST(EngineBadInputTest, MismatchedLengthsAreRejected) {
  Columns columns = MakePopulation(10, 1);
  columns[3].pop_back();
  std::vector<double> out(10);
  absl::Status status = ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("column loyalty has 9 values but column "
                                          "current_contribution has 10"));
  columns = MakePopulation(10, 1);
  out.resize(11);
  status = ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out));
  EXPECT_THAT(status.message(), HasSubstr("out has 11 elements but the columns hold 10"));

  std::vector<ValueTier> tiers(3);
  status = AssignPyramidTiers(columns[0], absl::MakeSpan(tiers));
  EXPECT_THAT(status.message(), HasSubstr("out has 3 elements but value has 10"));
  std::vector<std::int8_t> scores(4);
  status = ScoreRfmQuintiles(columns[0], RfmDirection::kHigherIsBetter, absl::MakeSpan(scores));
  EXPECT_THAT(status.message(), HasSubstr("out_scores has 4 elements but values has 10"));
}

// The engine-allocated forms return what the caller-provided forms write, and their errors.
TEST(EngineAllocatedOutputTest, EqualsTheCallerProvidedForms) {
  const std::size_t n = kEngineBlockRows + 100;
  const Columns columns = MakePopulation(n, 31);
  const EngineOptions options{.threads = 2};

  const absl::StatusOr<std::vector<double>> value =
      ComputeCompositeValues(ExactPlan(), EngineColumns(columns), options);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, Engine(ExactPlan(), columns, 2));

  const absl::StatusOr<std::vector<ValueTier>> tiers = ComputePyramidTiers(*value);
  std::vector<ValueTier> tiers_into(n);
  ASSERT_TRUE(AssignPyramidTiers(*value, absl::MakeSpan(tiers_into)).ok());
  ASSERT_TRUE(tiers.ok()) << tiers.status();
  EXPECT_EQ(*tiers, tiers_into);

  const absl::StatusOr<std::vector<std::int8_t>> scores =
      ComputeRfmQuintiles(columns[3], RfmDirection::kLowerIsBetter, options);
  std::vector<std::int8_t> scores_into(n);
  ASSERT_TRUE(
      ScoreRfmQuintiles(columns[3], RfmDirection::kLowerIsBetter, absl::MakeSpan(scores_into))
          .ok());
  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_EQ(*scores, scores_into);

  const absl::StatusOr<std::vector<double>> ratios =
      ComputeSatisfactionRatios(columns[1], columns[3]);
  std::vector<double> ratios_into(n);
  const absl::Status ratios_status =
      SatisfactionRatios(columns[1], columns[3], absl::MakeSpan(ratios_into));
  EXPECT_EQ(ratios.status(), ratios_status);  // loyalty (A) holds zeros: the same error
  EXPECT_FALSE(ratios_status.ok());
  const absl::StatusOr<std::vector<double>> good_ratios =
      ComputeSatisfactionRatios(columns[4], columns[4]);
  ASSERT_TRUE(good_ratios.ok()) << good_ratios.status();
  EXPECT_EQ(*good_ratios, std::vector<double>(n, 1.0));

  const absl::StatusOr<SatisfactionIndexPlan> index_plan = SatisfactionIndexPlan::Create(
      {{{1.0, 5.0}, {0.0, 1.0}, {0.0, 1.0}, {0.0, 1.0}, {0.0, 10.0}, {1.0, 7.0}}},
      SatisfactionIndexWeights{{1.0, 2.0, 3.0, 1.0, 1.0, 2.0}});
  ASSERT_TRUE(index_plan.ok()) << index_plan.status();
  std::array<std::vector<double>, kSatisfactionIndicatorCount> readings;
  SatisfactionIndicatorColumns indicator_columns;
  for (std::size_t k = 0; k < readings.size(); ++k) {
    readings[k].assign(n, k == 0 || k == 5 ? 3.0 : 0.5);
    indicator_columns.column[k] = readings[k];
  }
  const absl::StatusOr<std::vector<double>> index =
      ComputeSatisfactionIndex(*index_plan, indicator_columns, options);
  std::vector<double> index_into(n);
  ASSERT_TRUE(ScoreSatisfactionIndex(*index_plan, indicator_columns, absl::MakeSpan(index_into))
                  .ok());
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(*index, index_into);

  // Columns of different lengths: the caller-provided form's error, naming them.
  Columns short_column = columns;
  short_column[2].pop_back();
  const absl::StatusOr<std::vector<double>> mismatched =
      ComputeCompositeValues(ExactPlan(), EngineColumns(short_column));
  EXPECT_EQ(mismatched.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mismatched.status().message(), HasSubstr("column credit has"));
  EXPECT_EQ(ComputePyramidTiers(std::vector<double>{1.0, kNaN}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Covers docs/bad-input.md BI-ENG-03, BI-ENG-04
TEST(EngineBadInputTest, NaNAndInfUnderRejectNameComponentAndIndex) {
  for (const double bad : {kNaN, kInf, -kInf}) {
    for (const std::size_t index : {std::size_t{0}, std::size_t{5}, std::size_t{20000}}) {
      for (const C component : {C::kCurrentContribution, C::kLoyalty}) {
        Columns columns = MakePopulation(30000, 4);
        columns[I(component)][index] = bad;
        std::vector<double> out(30000, -7.0);
        const absl::Status status = ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out));
        EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
        const absl::Status reference =
            ScoreCompositeReference(ExactPlan(), ReferenceColumns(columns), absl::MakeSpan(out));
        EXPECT_EQ(status, reference);
        EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("column ", Id(component),
                                                             " value at index ", index, " is ")));
        EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](double x) { return x == -7.0; }))
            << "the one-batch call validates before writing";
      }
    }
  }
  // Inf is rejected under kRenormalize too; NaN is not.
  Columns columns = MakePopulation(100, 4);
  columns[1][42] = kInf;
  std::vector<double> out(100);
  EXPECT_THAT(ScoreComposite(ExactPlan(MissingPolicy::kRenormalize), EngineColumns(columns), absl::MakeSpan(out))
                  .message(),
              HasSubstr("column future_contribution value at index 42 is inf"));
  // Tiers, RFM.
  std::vector<double> values = {1.0, kNaN, 2.0};
  std::vector<ValueTier> tiers(3);
  EXPECT_THAT(AssignPyramidTiers(values, absl::MakeSpan(tiers)).message(),
              HasSubstr("value at index 1 must be finite, got nan"));
  std::vector<std::int8_t> scores(3);
  values[1] = -kInf;
  EXPECT_THAT(
      ScoreRfmQuintiles(values, RfmDirection::kLowerIsBetter, absl::MakeSpan(scores)).message(),
      HasSubstr("value at index 1 must be finite, got -inf"));
  absl::StatusOr<TierCutoffs> cutoffs = ComputeTierCutoffs({1.0, 2.0});
  EXPECT_THAT(AssignTiers(values, *cutoffs, absl::MakeSpan(tiers)).message(),
              HasSubstr("value at index 1 must be finite, got -inf"));
}

// Covers docs/bad-input.md BI-ENG-05
TEST(EngineBadInputTest, AllMissingCustomerUnderRenormalize) {
  Columns columns = MakePopulation(20000, 6);
  for (auto& column : columns) column[17000] = kNaN;
  std::vector<double> out(20000);
  const absl::Status status =
      ScoreComposite(ExactPlan(MissingPolicy::kRenormalize), EngineColumns(columns), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("customer 17000 has every used component missing"));
}

// Covers docs/bad-input.md BI-ENG-06, BI-ENG-07
TEST(EngineBadInputTest, InvalidWeightsAndOptions) {
  absl::StatusOr<CompositePlan> plan = CompositePlan::Create({1.0, -1.0, 0.0, 0.0, 0.0});
  EXPECT_THAT(plan.status().message(), HasSubstr("weight of future_contribution"));
  plan = CompositePlan::Create({0.0, 0.0, 0.0, 0.0, 0.0});
  EXPECT_THAT(plan.status().message(), HasSubstr("must not all be zero"));
  plan = CompositePlan::Create({kNaN, 1.0, 0.0, 0.0, 0.0});
  EXPECT_THAT(plan.status().message(), HasSubstr("got nan"));

  const Columns columns = MakePopulation(10, 1);
  std::vector<double> out(10);
  EngineOptions options;
  options.threads = -2;
  EXPECT_THAT(ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out), options).message(),
              HasSubstr("threads must be in [0, 1024], got -2"));
  options.threads = 1;
  options.missing_encoding = static_cast<MissingEncoding>(7);
  EXPECT_THAT(ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out), options).message(),
              HasSubstr("unknown missing_encoding 7"));
}

// Covers docs/bad-input.md BI-ENG-08
TEST(EngineBadInputTest, ValidityBitmapMisuse) {
  const Columns columns = MakePopulation(20, 1);
  const std::vector<std::uint8_t> bits = {0xff, 0xff};  // 16 rows, 20 needed
  CompositeColumns view = EngineColumns(columns);
  view.column[1] = ColumnView(columns[1]).WithValidity(bits);
  std::vector<double> out(20);
  EXPECT_THAT(ScoreComposite(ExactPlan(), view, absl::MakeSpan(out)).message(),
              HasSubstr("validity bitmap but the missing encoding is NaN"));
  EngineOptions options;
  options.missing_encoding = MissingEncoding::kValidityBitmap;
  EXPECT_THAT(ScoreComposite(ExactPlan(), view, absl::MakeSpan(out), options).message(),
              HasSubstr("validity bitmap has 2 bytes but 20 customers need 3"));
  // A NaN in a valid slot is a bad value, not a missing one.
  Columns with_nan = columns;
  with_nan[4][3] = kNaN;
  EXPECT_THAT(ScoreComposite(ExactPlan(MissingPolicy::kRenormalize), EngineColumns(with_nan), absl::MakeSpan(out),
                             options)
                  .message(),
              HasSubstr("column growth_potential value at index 3 is nan"));
}

// Covers docs/bad-input.md BI-ENG-09
TEST(EngineBadInputTest, EmptyPopulation) {
  const Columns columns = MakePopulation(0, 1);
  std::vector<double> out;
  EXPECT_TRUE(ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out)).ok());
  absl::StatusOr<CompositeState> state = ComputeCompositeState(ExactPlan(), EngineColumns(columns));
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->rows, 0);
  // Scoring customers against an empty population has nothing to normalize against.
  const Columns one = MakePopulation(1, 1);
  out.resize(1);
  const absl::Status status = ScoreComposite(ExactPlan(), EngineColumns(one), *state, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("has no present values to normalize against"));
  std::vector<ValueTier> tiers;
  EXPECT_TRUE(AssignPyramidTiers({}, absl::MakeSpan(tiers)).ok());
  std::vector<std::int8_t> scores;
  EXPECT_TRUE(ScoreRfmQuintiles({}, RfmDirection::kHigherIsBetter, absl::MakeSpan(scores)).ok());
  EXPECT_THAT(RfmThresholdsFrom(QuantileState{}, RfmDirection::kHigherIsBetter).status().message(),
              HasSubstr("no values"));
  std::vector<double> c;
  EXPECT_TRUE(SatisfactionRatios({}, {}, absl::MakeSpan(c)).ok());
}

// Covers docs/bad-input.md BI-ENG-10, BI-ENG-11
TEST(EngineBadInputTest, SingleCustomerAndAllEqualColumns) {
  // N = 1: min-max of a constant column is 0.5, percentile 0.5, tier small, RFM 3.
  const Columns one = MakePopulation(1, 1);
  EXPECT_EQ(Engine(ExactPlan(), one), Reference(ExactPlan(), one));
  EXPECT_EQ(Engine(MixedPlan(), one), Reference(MixedPlan(), one));
  Columns equal = MakePopulation(40000, 1);
  for (auto& column : equal) std::fill(column.begin(), column.end(), 3.25);
  for (const CompositePlan& plan : {ExactPlan(), MixedPlan()}) {
    const std::vector<double> engine = Engine(plan, equal);
    EXPECT_EQ(engine, Reference(plan, equal));
    std::vector<ValueTier> tiers(engine.size());
    ASSERT_TRUE(AssignPyramidTiers(engine, absl::MakeSpan(tiers)).ok());
    EXPECT_TRUE(std::all_of(tiers.begin(), tiers.end(),
                            [](ValueTier t) { return t == ValueTier::kVip; }))
        << "ties at the cut-off go to the higher tier";
  }
  std::vector<std::int8_t> scores(equal[0].size());
  ASSERT_TRUE(
      ScoreRfmQuintiles(equal[0], RfmDirection::kHigherIsBetter, absl::MakeSpan(scores)).ok());
  EXPECT_TRUE(std::all_of(scores.begin(), scores.end(), [](std::int8_t s) { return s == 3; }));
}

// Covers docs/bad-input.md BI-ENG-12
TEST(EngineBadInputTest, TierFractionsMustSumToOne) {
  const std::vector<double> values = {1.0, 2.0, 3.0};
  std::vector<ValueTier> tiers(3);
  PyramidFractions fractions{.vip = 0.1, .major = 0.1, .ordinary = 0.1, .small = 0.1};
  absl::Status status = AssignPyramidTiers(values, absl::MakeSpan(tiers), fractions);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("fractions must sum to 1, got 0.4"));
  EXPECT_THAT(TierCutoffsFrom(QuantileState{}, fractions).status().message(),
              HasSubstr("got 0.4"));
  fractions = {.vip = -0.1, .major = 0.2, .ordinary = 0.1, .small = 0.8};
  EXPECT_THAT(AssignPyramidTiers(values, absl::MakeSpan(tiers), fractions).message(),
              HasSubstr("fraction vip must be finite and >= 0, got -0.1"));
}

TEST(EngineBadInputTest, PercentileStateWithoutSortedValuesIsRejected) {
  const Columns columns = MakePopulation(100, 1);
  // A state computed for a min-max plan lacks the sorted values a percentile plan needs.
  const CompositePlan min_max = MustCreate({1, 1, 1, 1, 1}, {});
  absl::StatusOr<CompositeState> state = ComputeCompositeState(min_max, EngineColumns(columns));
  ASSERT_TRUE(state.ok());
  std::vector<double> out(100);
  const absl::Status status = ScoreComposite(ExactPlan(), EngineColumns(columns), *state, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("column loyalty statistics hold 0 sorted values"));
}

// Z-score plan over a column whose plain sum overflows: current contribution by z-score,
// the rest exact.
CompositePlan HugeZScorePlan() {
  return MustCreate({0.3, 0.2, 0.2, 0.2, 0.1},
                    {Spec(NormalizerKind::kZScore), Spec(NormalizerKind::kMinMax),
                     Spec(NormalizerKind::kFixedBounds, 1.0, 5.0),
                     Spec(NormalizerKind::kPercentileRank), Spec(NormalizerKind::kMinMax)});
}

TEST(EngineCompositeTest, ConstantZScoreColumnsAreExactEvenNearTheOverflow) {
  // A block's sum of 16384 values of 1e305 overflows, and one of 0.1 rounds; the
  // reference's Welford mean of a constant column is the constant and its variance 0, so
  // every z is 0. Several blocks, on every target.
  for (const double constant : {1e305, -1.7e308, 0.1, 1.7e308}) {
    Columns columns = MakePopulation(40001, 3);
    std::fill(columns[0].begin(), columns[0].end(), constant);
    columns[0][7] = kNaN;  // a missing value changes nothing under kRenormalize
    const CompositePlan plan = MustCreate(
        {0.3, 0.2, 0.2, 0.2, 0.1},
        {Spec(NormalizerKind::kZScore), Spec(NormalizerKind::kMinMax),
         Spec(NormalizerKind::kFixedBounds, 1.0, 5.0), Spec(NormalizerKind::kPercentileRank),
         Spec(NormalizerKind::kMinMax)},
        MissingPolicy::kRenormalize);
    ForEachTarget([&](const std::string& target) {
      SCOPED_TRACE(target + " constant " + ::testing::PrintToString(constant));
      const absl::StatusOr<CompositeState> state =
          ComputeCompositeState(plan, EngineColumns(columns));
      ASSERT_TRUE(state.ok()) << state.status();
      EXPECT_EQ(state->column[0].mean, constant);
      EXPECT_EQ(state->column[0].variance(), 0.0);
      EXPECT_EQ(Engine(plan, columns), Reference(plan, columns));
    });
  }
}

// Covers docs/bad-input.md BI-ENG-13
TEST(EngineBadInputTest, HugeSpreadZScoreColumnIsOutOfRangeNamingTheColumn) {
  // Values near 1e305 that differ: the block sums overflow (the engine's mean stays
  // finite) and the variance overflows, in the reference too.
  Columns columns = MakePopulation(40001, 4);
  for (std::size_t i = 0; i < columns[0].size(); ++i) columns[0][i] = i % 2 == 0 ? 1e305 : 2e305;
  const absl::StatusOr<CompositeState> state =
      ComputeCompositeState(HugeZScorePlan(), EngineColumns(columns));
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_GE(state->column[0].mean, 1e305);
  EXPECT_LE(state->column[0].mean, 2e305);

  std::vector<double> out(columns[0].size());
  const absl::Status status =
      ScoreComposite(HugeZScorePlan(), EngineColumns(columns), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("column current_contribution"));
  EXPECT_THAT(status.message(), HasSubstr("overflow for z-score"));
  EXPECT_THAT(status.message(), HasSubstr("variance = inf"));
  const absl::Status reference =
      ScoreCompositeReference(HugeZScorePlan(), ReferenceColumns(columns), absl::MakeSpan(out));
  EXPECT_EQ(reference.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(reference.message(), HasSubstr("column current_contribution"));
}

// Covers docs/bad-input.md BI-ENG-13
TEST(EngineBadInputTest, OverflowingRangeIsOutOfRange) {
  Columns columns = MakePopulation(100, 1);
  columns[1][3] = 1.7e308;
  columns[1][4] = -1.7e308;
  std::vector<double> out(100);
  const absl::Status status = ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status, ScoreCompositeReference(ExactPlan(), ReferenceColumns(columns), absl::MakeSpan(out)));
}

}  // namespace
}  // namespace engine
}  // namespace crmcore

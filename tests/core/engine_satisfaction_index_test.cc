// Tests of engine::ScoreSatisfactionIndex (include/crmcore/engine.h): the customer
// satisfaction index column-wise against the scalar reference SatisfactionIndex()
// (satisfaction.h), bit for bit, on every SIMD target this machine supports and for 1, 2
// and 3 threads; inverse indicators, scales whose width overflows, missing readings, and
// every error with its row named.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "crmcore/engine.h"
#include "crmcore/satisfaction.h"
#include "crmcore/weights.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace engine {
namespace {

using ::testing::HasSubstr;
using S = SatisfactionIndicator;
using Scales = SatisfactionIndexPlan::Scales;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();
constexpr double kDenormMin = std::numeric_limits<double>::denorm_min();
constexpr std::size_t kCount = kSatisfactionIndicatorCount;

std::uint64_t Bits(double x) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &x, sizeof(bits));
  return bits;
}

// One column per indicator, owned by the test.
using Population = std::array<std::vector<double>, kCount>;

SatisfactionIndicatorColumns ColumnsOf(const Population& population) {
  SatisfactionIndicatorColumns columns;
  for (std::size_t k = 0; k < kCount; ++k) columns.column[k] = population[k];
  return columns;
}

SatisfactionIndicatorReadings ReadingsOf(const Population& population, const Scales& scales,
                                         std::size_t row) {
  SatisfactionIndicatorReadings readings;
  for (std::size_t k = 0; k < kCount; ++k) {
    readings[k] = {population[k][row], scales[k].min, scales[k].max};
  }
  return readings;
}

SatisfactionIndexPlan MustCreate(const Scales& scales, const SatisfactionIndexWeights& weights,
                                 MissingPolicy missing = MissingPolicy::kReject) {
  absl::StatusOr<SatisfactionIndexPlan> plan =
      SatisfactionIndexPlan::Create(scales, weights, missing);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// n readings per indicator drawn in its scale, 5 % of them exactly at a bound (where an
// inverse indicator's kernel score is −0, see ShapeOf in engine.cc).
Population RandomPopulation(const Scales& scales, std::size_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Population population;
  for (std::size_t k = 0; k < kCount; ++k) {
    const double min = scales[k].min;
    const double max = scales[k].max;
    population[k].resize(n);
    for (double& x : population[k]) {
      const double u = unit(rng);
      if (u < 0.025) {
        x = min;
      } else if (u < 0.05) {
        x = max;
      } else {
        const double t = unit(rng);
        x = std::clamp((1.0 - t) * min + t * max, min, max);  // no overflow for ±DBL_MAX
      }
    }
  }
  return population;
}

// The plans the identity tests run: ordinary survey scales with uneven weights (one of them
// 0), and extreme scales (widths that overflow, subnormal widths, huge weights).
struct Case {
  std::string name;
  Scales scales;
  SatisfactionIndexWeights weights;
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  cases.push_back({"survey",
                   {{{1.0, 5.0}, {0.0, 10.0}, {0.0, 1.0}, {0.0, 1.0}, {0.0, 5000.0},
                     {1.0, 7.0}}},
                   {{3.0, 1.0, 2.5, 0.0, 0.7, 1.3}}});
  cases.push_back({"equal_weights",
                   {{{-3.0, 3.0}, {0.1, 0.2}, {100.0, 1e6}, {-1.0, 0.0}, {0.0, 1.0},
                     {0.0, 1e-3}}},
                   {}});
  cases.push_back({"extreme",
                   {{{-kMax, kMax},           // width overflows: halved
                     {-1e308, 1e308},         // width 2e308 overflows too
                     {0.0, kMax},             // widest scale that fits
                     {-kMax, kMax},           // inverse and halved
                     {0.0, 64 * kDenormMin},  // subnormal width
                     {-1e308, 1e308}}},       // inverse and halved
                   {{1e308, 1e308, 3e307, 1e308, 5e300, 1e308}}});
  cases.push_back({"tiny_weights",
                   {{{1.0, 5.0}, {1.0, 5.0}, {1.0, 5.0}, {1.0, 5.0}, {1.0, 5.0}, {1.0, 5.0}}},
                   {{1e-300, 2e-300, 0.0, 3e-300, 1e-310, 5e-301}}});
  return cases;
}

class TargetTest : public ::testing::Test {
 protected:
  void TearDown() override { ASSERT_TRUE(ForceTargetForTesting("").ok()); }
};

using ScoreSatisfactionIndexTest = TargetTest;

TEST_F(ScoreSatisfactionIndexTest, IdenticalToReferenceOnEveryTargetAndThreadCount) {
  // Three full blocks and a ragged tail (not a multiple of any vector width).
  const std::size_t n = 3 * kEngineBlockRows + 777;
  const std::vector<std::string> targets = AvailableTargets();
  ASSERT_FALSE(targets.empty());
  std::uint32_t seed = 1;
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const SatisfactionIndexPlan plan = MustCreate(c.scales, c.weights);
    const Population population = RandomPopulation(c.scales, n, seed++);
    std::vector<double> expected(n);
    for (std::size_t i = 0; i < n; ++i) {
      absl::StatusOr<double> index = SatisfactionIndex(ReadingsOf(population, c.scales, i),
                                                       c.weights);
      ASSERT_TRUE(index.ok()) << index.status();
      expected[i] = *index;
    }
    for (const std::string& target : targets) {
      ASSERT_TRUE(ForceTargetForTesting(target).ok()) << target;
      for (const int threads : {1, 2, 3}) {
        SCOPED_TRACE(target + " threads " + std::to_string(threads));
        std::vector<double> out(n, kNaN);
        EngineOptions options;
        options.threads = threads;
        ASSERT_TRUE(ScoreSatisfactionIndex(plan, ColumnsOf(population), absl::MakeSpan(out),
                                           options)
                        .ok());
        std::size_t mismatches = 0;
        for (std::size_t i = 0; i < n; ++i) {
          if (Bits(out[i]) != Bits(expected[i])) {
            if (++mismatches <= 3) {
              ADD_FAILURE() << "row " << i << ": engine " << FormatDouble(out[i])
                            << " reference " << FormatDouble(expected[i]);
            }
          }
        }
        EXPECT_EQ(mismatches, 0u);
      }
    }
  }
}

TEST_F(ScoreSatisfactionIndexTest, InverseIndicatorsScoreTheOtherWay) {
  // Complaint rate and price sensitivity count inversely: at their max they score 0.
  const Scales scales = {{{0.0, 1.0}, {0.0, 1.0}, {0.0, 1.0}, {0.0, 1.0}, {0.0, 1.0},
                          {0.0, 1.0}}};
  SatisfactionIndexWeights only;
  Population population;
  for (auto& column : population) column = {0.0, 1.0, 0.25};
  std::vector<double> out(3);
  for (const S indicator : {S::kComplaintRate, S::kPriceSensitivity, S::kReputation}) {
    only.weights.fill(0.0);
    only.weights[static_cast<std::size_t>(indicator)] = 2.0;
    ASSERT_TRUE(
        ScoreSatisfactionIndex(MustCreate(scales, only), ColumnsOf(population), absl::MakeSpan(out))
            .ok());
    if (IsInverseIndicator(indicator)) {
      EXPECT_EQ(Bits(out[0]), Bits(1.0));
      EXPECT_EQ(Bits(out[1]), Bits(0.0));  // +0, as the reference, not −0
      EXPECT_EQ(out[2], 0.75);
    } else {
      EXPECT_EQ(out[0], 0.0);
      EXPECT_EQ(out[1], 1.0);
      EXPECT_EQ(out[2], 0.25);
    }
  }
}

TEST_F(ScoreSatisfactionIndexTest, ColumnTypesConvertAsTheReferenceReads) {
  const Scales scales = {{{1.0, 5.0}, {0.0, 100.0}, {0.0, 1.0}, {0.0, 1.0}, {0.0, 1000.0},
                          {1.0, 7.0}}};
  const SatisfactionIndexWeights weights = {{1.0, 2.0, 3.0, 4.0, 5.0, 6.0}};
  const SatisfactionIndexPlan plan = MustCreate(scales, weights);
  const std::size_t n = kEngineBlockRows + 5;
  const Population doubles = RandomPopulation(scales, n, 99);
  std::vector<float> floats(n);
  std::vector<std::int64_t> ints(n);
  for (std::size_t i = 0; i < n; ++i) {
    floats[i] = static_cast<float>(doubles[0][i]);
    ints[i] = static_cast<std::int64_t>(doubles[1][i]);
  }
  Population converted = doubles;
  for (std::size_t i = 0; i < n; ++i) {
    converted[0][i] = static_cast<double>(floats[i]);
    converted[1][i] = static_cast<double>(ints[i]);
  }
  SatisfactionIndicatorColumns columns = ColumnsOf(doubles);
  columns.column[0] = absl::Span<const float>(floats);
  columns.column[1] = absl::Span<const std::int64_t>(ints);
  std::vector<double> out(n);
  ASSERT_TRUE(ScoreSatisfactionIndex(plan, columns, absl::MakeSpan(out)).ok());
  for (std::size_t i = 0; i < n; ++i) {
    const absl::StatusOr<double> expected =
        SatisfactionIndex(ReadingsOf(converted, scales, i), weights);
    ASSERT_TRUE(expected.ok());
    ASSERT_EQ(Bits(out[i]), Bits(*expected)) << i;
  }
}

TEST_F(ScoreSatisfactionIndexTest, EmptyAndSingleCustomer) {
  const Scales scales = {{{1.0, 5.0}, {1.0, 5.0}, {1.0, 5.0}, {1.0, 5.0}, {1.0, 5.0},
                          {1.0, 5.0}}};
  const SatisfactionIndexPlan plan = MustCreate(scales, {});
  Population empty;
  EXPECT_TRUE(ScoreSatisfactionIndex(plan, ColumnsOf(empty), {}).ok());

  // Hand-computed: direct scores (4−1)/4, (5−1)/4, (1−1)/4, (2−1)/4; inverse scores
  // complaint (5−2)/4 and price sensitivity (5−5)/4; mean (0.75 + 1 + 0 + 0.75 + 0.25 + 0)/6.
  Population one;
  const std::array<double, kCount> row = {4.0, 5.0, 1.0, 2.0, 2.0, 5.0};
  for (std::size_t k = 0; k < kCount; ++k) one[k] = {row[k]};
  std::vector<double> out(1);
  ASSERT_TRUE(ScoreSatisfactionIndex(plan, ColumnsOf(one), absl::MakeSpan(out)).ok());
  EXPECT_DOUBLE_EQ(out[0], 2.75 / 6.0);
  const absl::StatusOr<double> expected = SatisfactionIndex(ReadingsOf(one, scales, 0));
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(Bits(out[0]), Bits(*expected));
}

// --- Errors ----------------------------------------------------------------------

Scales UnitScales() {
  Scales scales;
  scales.fill({0.0, 1.0});
  return scales;
}

Population Constant(std::size_t n, double x) {
  Population population;
  for (auto& column : population) column.assign(n, x);
  return population;
}

absl::Status Score(const SatisfactionIndexPlan& plan, const Population& population,
                   int threads = 1, MissingEncoding encoding = MissingEncoding::kNaN) {
  std::vector<double> out(population[0].size());
  EngineOptions options;
  options.threads = threads;
  options.missing_encoding = encoding;
  return ScoreSatisfactionIndex(plan, ColumnsOf(population), absl::MakeSpan(out), options);
}

TEST(SatisfactionIndexPlanTest, RejectsWhatTheReferenceRejects) {
  SatisfactionIndexWeights weights;
  weights.weights[3] = -1.0;
  absl::StatusOr<SatisfactionIndexPlan> plan = SatisfactionIndexPlan::Create(UnitScales(), weights);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().message(), weights.Validate().message());
  EXPECT_THAT(plan.status().message(), HasSubstr("complaint_rate"));

  weights.weights = {kNaN, 1.0, 1.0, 1.0, 1.0, 1.0};
  EXPECT_FALSE(SatisfactionIndexPlan::Create(UnitScales(), weights).ok());
  weights.weights = {kInf, 1.0, 1.0, 1.0, 1.0, 1.0};
  EXPECT_FALSE(SatisfactionIndexPlan::Create(UnitScales(), weights).ok());
  weights.weights.fill(0.0);
  plan = SatisfactionIndexPlan::Create(UnitScales(), weights);
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("must not all be zero"));

  for (const IndicatorScale bad : {IndicatorScale{1.0, 1.0}, IndicatorScale{2.0, 1.0},
                                   IndicatorScale{kNaN, 1.0}, IndicatorScale{0.0, kInf},
                                   IndicatorScale{-kInf, 0.0}}) {
    Scales scales = UnitScales();
    scales[4] = bad;
    plan = SatisfactionIndexPlan::Create(scales);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
    const absl::StatusOr<double> reference =
        IndicatorScore(S::kPurchaseAmount, {bad.min, bad.min, bad.max});
    ASSERT_FALSE(reference.ok());
    EXPECT_EQ(plan.status().message(), reference.status().message());
  }
  plan = SatisfactionIndexPlan::Create(UnitScales(), {}, static_cast<MissingPolicy>(7));
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("unknown missing policy 7"));

  const SatisfactionIndexPlan ok = MustCreate(UnitScales(), {{1.0, 3.0, 0.0, 0.0, 0.0, 0.0}});
  EXPECT_EQ(ok.scaled_weight(S::kReputation), 0.25);
  EXPECT_EQ(ok.scaled_weight(S::kNameRecall), 0.75);
  EXPECT_EQ(ok.weight_sum(), 1.0);
}

TEST(ScoreSatisfactionIndexErrorTest, BadReadingNamesRowAndIndicatorAsTheReference) {
  const SatisfactionIndexPlan plan = MustCreate(UnitScales(), {});
  const std::size_t n = 2 * kEngineBlockRows + 10;
  const std::size_t row = kEngineBlockRows + 3;
  for (const double bad : {1.5, -0.25, kInf, -kInf}) {
    for (const int threads : {1, 3}) {
      Population population = Constant(n, 0.5);
      population[3][row] = bad;
      const absl::Status status = Score(plan, population, threads);
      ASSERT_FALSE(status.ok());
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      const absl::StatusOr<double> reference =
          SatisfactionIndex(ReadingsOf(population, UnitScales(), row));
      ASSERT_FALSE(reference.ok());
      EXPECT_EQ(status.message(), absl::StrCat("satisfaction index at index ", row, ": ",
                                               reference.status().message()));
      EXPECT_THAT(status.message(), HasSubstr("complaint_rate"));
    }
  }
}

TEST(ScoreSatisfactionIndexErrorTest, FirstBadCustomerInRowOrderThenIndicatorOrder) {
  const SatisfactionIndexPlan plan = MustCreate(UnitScales(), {});
  const std::size_t n = 3 * kEngineBlockRows;
  Population population = Constant(n, 0.5);
  population[5][kEngineBlockRows + 7] = 2.0;      // later row, earlier column scan
  population[4][kEngineBlockRows + 3] = 2.0;      // the first bad row: two bad readings
  population[1][kEngineBlockRows + 3] = -1.0;     // ... of which this indicator comes first
  population[0][2 * kEngineBlockRows + 1] = kNaN;  // a later block
  for (const int threads : {1, 2, 3}) {
    const absl::Status status = Score(plan, population, threads);
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.message(),
                HasSubstr(absl::StrCat("at index ", kEngineBlockRows + 3, ": ")));
    EXPECT_THAT(status.message(), HasSubstr("name_recall value must lie in [0, 1], got -1"));
  }
}

TEST(ScoreSatisfactionIndexErrorTest, MissingUnderRejectIsAnError) {
  const SatisfactionIndexPlan plan = MustCreate(UnitScales(), {});
  Population population = Constant(20, 0.5);
  population[2][11] = kNaN;
  absl::Status status = Score(plan, population);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("at index 11: "));
  EXPECT_THAT(status.message(), HasSubstr("return_rate is missing (NaN)"));

  // Under a validity bitmap an unset bit is missing, and a NaN in a valid slot is invalid.
  population = Constant(20, 0.5);
  std::vector<std::uint8_t> bitmap(3, 0xFF);
  bitmap[1] = static_cast<std::uint8_t>(~(1u << 1));  // row 9 missing
  SatisfactionIndicatorColumns columns = ColumnsOf(population);
  columns.column[2] = columns.column[2].WithValidity(bitmap);
  std::vector<double> out(20);
  EngineOptions options;
  options.missing_encoding = MissingEncoding::kValidityBitmap;
  status = ScoreSatisfactionIndex(plan, columns, absl::MakeSpan(out), options);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("at index 9: "));
  EXPECT_THAT(status.message(), HasSubstr("return_rate is missing (validity bitmap)"));

  population[0][4] = kNaN;  // a valid slot: an invalid reading, reported first (row 4)
  columns = ColumnsOf(population);
  columns.column[2] = columns.column[2].WithValidity(bitmap);
  status = ScoreSatisfactionIndex(plan, columns, absl::MakeSpan(out), options);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("at index 4: "));
  EXPECT_THAT(status.message(), HasSubstr("reading of reputation must be finite, got value nan"));
}

TEST(ScoreSatisfactionIndexErrorTest, ShapesAndOptions) {
  const SatisfactionIndexPlan plan = MustCreate(UnitScales(), {});
  Population population = Constant(10, 0.5);
  population[4].resize(9);
  absl::Status status = Score(plan, population);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(),
              HasSubstr("column purchase_amount has 9 values but column reputation has 10"));

  population = Constant(10, 0.5);
  std::vector<double> out(9);
  status = ScoreSatisfactionIndex(plan, ColumnsOf(population), absl::MakeSpan(out));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("out has 9 elements but the columns hold 10"));

  out.resize(10);
  const std::vector<std::uint8_t> bitmap(2, 0xFF);
  SatisfactionIndicatorColumns columns = ColumnsOf(population);
  columns.column[1] = columns.column[1].WithValidity(bitmap);
  status = ScoreSatisfactionIndex(plan, columns, absl::MakeSpan(out));  // kNaN
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(),
              HasSubstr("name_recall has a validity bitmap but the missing encoding is NaN"));

  const std::vector<std::uint8_t> short_bitmap(1, 0xFF);
  columns.column[1] = ColumnsOf(population).column[1].WithValidity(short_bitmap);
  EngineOptions options;
  options.missing_encoding = MissingEncoding::kValidityBitmap;
  status = ScoreSatisfactionIndex(plan, columns, absl::MakeSpan(out), options);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("validity bitmap has 1 bytes but 10 customers need 2"));

  options = {};
  options.threads = -1;
  EXPECT_FALSE(ScoreSatisfactionIndex(plan, ColumnsOf(population), absl::MakeSpan(out), options)
                   .ok());
}

// --- Missing readings under kRenormalize -------------------------------------------

TEST_F(ScoreSatisfactionIndexTest, RenormalizeIsTheReferenceWithMissingWeightsZero) {
  const Scales scales = {{{1.0, 5.0}, {0.0, 10.0}, {0.0, 1.0}, {0.0, 1.0}, {-kMax, kMax},
                          {1.0, 7.0}}};
  const SatisfactionIndexWeights weights = {{3.0, 1.0, 2.5, 0.5, 0.7, 1.3}};
  const std::size_t n = 2 * kEngineBlockRows + 33;
  Population population = RandomPopulation(scales, n, 7);
  std::mt19937_64 rng(8);
  std::bernoulli_distribution missing(0.001);
  // Missing readings in blocks 0 and 2 only: block 1 keeps the SIMD path.
  std::vector<std::array<bool, kCount>> is_missing(n);
  std::array<std::vector<std::uint8_t>, kCount> bitmaps;
  for (auto& bitmap : bitmaps) bitmap.assign((n + 7) / 8, 0xFF);
  for (std::size_t i = 0; i < n; ++i) {
    if (i / kEngineBlockRows == 1) continue;
    for (std::size_t k = 0; k < kCount; ++k) {
      is_missing[i][k] = missing(rng);
      if (is_missing[i][k]) {
        bitmaps[k][i / 8] = static_cast<std::uint8_t>(bitmaps[k][i / 8] & ~(1u << (i % 8)));
      }
    }
  }
  is_missing[5] = {true, true, true, false, true, true};  // one indicator left
  for (std::size_t k = 0; k < kCount; ++k) {
    if (is_missing[5][k]) bitmaps[k][0] = static_cast<std::uint8_t>(bitmaps[k][0] & ~(1u << 5));
  }
  const SatisfactionIndexPlan plan = MustCreate(scales, weights, MissingPolicy::kRenormalize);
  std::vector<double> expected(n);
  for (std::size_t i = 0; i < n; ++i) {
    SatisfactionIndicatorReadings readings = ReadingsOf(population, scales, i);
    SatisfactionIndexWeights present;
    for (std::size_t k = 0; k < kCount; ++k) {
      present.weights[k] = is_missing[i][k] ? 0.0 : plan.scaled_weight(static_cast<S>(k));
      if (is_missing[i][k]) readings[k].value = scales[k].min;  // any reading in scale
    }
    const absl::StatusOr<double> index = SatisfactionIndex(readings, present);
    ASSERT_TRUE(index.ok()) << index.status();
    expected[i] = *index;
  }
  Population with_nan = population;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < kCount; ++k) {
      if (is_missing[i][k]) with_nan[k][i] = kNaN;
    }
  }
  for (const std::string& target : AvailableTargets()) {
    ASSERT_TRUE(ForceTargetForTesting(target).ok());
    for (const int threads : {1, 2, 3}) {
      SCOPED_TRACE(target + " threads " + std::to_string(threads));
      EngineOptions options;
      options.threads = threads;
      std::vector<double> out(n);
      ASSERT_TRUE(
          ScoreSatisfactionIndex(plan, ColumnsOf(with_nan), absl::MakeSpan(out), options).ok());
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(Bits(out[i]), Bits(expected[i])) << i;

      // The same through validity bitmaps, with the hidden slots holding garbage.
      SatisfactionIndicatorColumns columns = ColumnsOf(population);
      Population garbage = population;
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t k = 0; k < kCount; ++k) {
          if (is_missing[i][k]) garbage[k][i] = (i % 2 == 0) ? kNaN : 1e300;
        }
      }
      columns = ColumnsOf(garbage);
      for (std::size_t k = 0; k < kCount; ++k) {
        columns.column[k] = columns.column[k].WithValidity(bitmaps[k]);
      }
      options.missing_encoding = MissingEncoding::kValidityBitmap;
      std::vector<double> out_bitmap(n);
      ASSERT_TRUE(
          ScoreSatisfactionIndex(plan, columns, absl::MakeSpan(out_bitmap), options).ok());
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(Bits(out_bitmap[i]), Bits(expected[i])) << i;
    }
  }
}

TEST(ScoreSatisfactionIndexErrorTest, RenormalizeNeedsAPresentIndicatorOfPositiveWeight) {
  const SatisfactionIndexPlan plan = MustCreate(
      UnitScales(), {{0.0, 1.0, 1.0, 0.0, 0.0, 0.0}}, MissingPolicy::kRenormalize);
  Population population = Constant(8, 0.5);
  population[1][6] = kNaN;  // one of two weighted indicators: fine
  population[2][6] = 0.25;
  population[1][7] = kNaN;  // both weighted indicators missing: no index
  population[2][7] = kNaN;
  std::vector<double> out(8);
  absl::Status status = ScoreSatisfactionIndex(plan, ColumnsOf(population), absl::MakeSpan(out));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("at index 7: "));
  EXPECT_THAT(status.message(), HasSubstr("every indicator of positive weight is missing"));

  population[1][7] = 0.5;
  ASSERT_TRUE(ScoreSatisfactionIndex(plan, ColumnsOf(population), absl::MakeSpan(out)).ok());
  EXPECT_EQ(out[6], 0.25);
  EXPECT_EQ(out[0], 0.5);

  population[0][3] = 3.0;  // an invalid reading is an error even at weight 0
  status = ScoreSatisfactionIndex(plan, ColumnsOf(population), absl::MakeSpan(out));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("at index 3: "));
  EXPECT_THAT(status.message(), HasSubstr("reputation value must lie in [0, 1], got 3"));
}

}  // namespace
}  // namespace engine
}  // namespace crmcore

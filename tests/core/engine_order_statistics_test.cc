// Tests of the engine's order statistics (include/crmcore/engine.h: quantile states, value
// tiers, RFM quintile scores) against the scalar references of value_tier.h and rfm_score.h:
// tied, wide-range and whole-number columns, continuous columns on every SIMD target and
// thread count, merged partitions.
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
#include "crmcore/engine.h"
#include "crmcore/engine_state.h"
#include "crmcore/rfm_score.h"
#include "crmcore/value_tier.h"
#include "engine_test_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace engine {
namespace {

using ::testing::HasSubstr;
using test_support::ForEachTarget;

// ---------------------------------------------------------------------------
// Tiers and RFM against the references.

std::vector<double> TiedColumn(std::size_t n, std::uint64_t seed, int distinct) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> value(0, distinct - 1);
  std::vector<double> column(n);
  for (double& x : column) x = 0.5 * value(rng) - 3.0;
  return column;
}

TEST(EngineTierTest, TiersMatchTheReferenceIncludingTies) {
  for (std::size_t n = 0; n <= 230; ++n) {
    for (const int distinct : {1, 2, 7, 1000}) {
      const std::vector<double> values = TiedColumn(n, n * 31 + static_cast<std::size_t>(distinct),
                                                    distinct);
      std::vector<ValueTier> reference(n);
      std::vector<ValueTier> engine(n);
      ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(reference)).ok());
      ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(engine)).ok());
      ASSERT_EQ(engine, reference) << "N=" << n << " distinct=" << distinct;
      absl::StatusOr<TierCutoffs> from_state = TierCutoffsFrom(*ComputeQuantileState(values));
      ASSERT_TRUE(from_state.ok());
      ASSERT_TRUE(AssignTiers(values, *from_state, absl::MakeSpan(engine)).ok());
      ASSERT_EQ(engine, reference) << "state N=" << n;
    }
  }
  // Other fractions, with a zero-seat tier, on a large column.
  PyramidFractions fractions{.vip = 0.0, .major = 0.1, .ordinary = 0.3, .small = 0.6};
  const std::vector<double> values = TiedColumn(100000, 5, 300);
  std::vector<ValueTier> reference(values.size());
  std::vector<ValueTier> engine(values.size());
  ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(reference), fractions).ok());
  ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(engine), fractions).ok());
  EXPECT_EQ(engine, reference);
  // The one-byte codes of the C API's layout: the same tiers, and the same errors.
  std::vector<std::int8_t> codes(values.size(), -1);
  ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(codes), fractions).ok());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(codes[i], static_cast<std::int8_t>(reference[i])) << i;
  }
  std::fill(codes.begin(), codes.end(), std::int8_t{-1});
  const absl::StatusOr<TierCutoffs> cutoffs = ComputeTierCutoffs(values, fractions);
  ASSERT_TRUE(cutoffs.ok());
  ASSERT_TRUE(AssignTiers(values, *cutoffs, absl::MakeSpan(codes)).ok());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(codes[i], static_cast<std::int8_t>(reference[i])) << i;
  }
  std::vector<double> bad = values;
  bad[70000] = std::numeric_limits<double>::infinity();
  EXPECT_THAT(AssignPyramidTiers(bad, absl::MakeSpan(codes)).message(),
              ::testing::HasSubstr("index 70000"));
  EXPECT_THAT(AssignTiers(values, *cutoffs, absl::MakeSpan(codes).subspan(1)).message(),
              ::testing::HasSubstr("out has"));
}

TEST(EngineRfmTest, ScoresMatchTheReferenceScoreForScore) {
  for (const RfmDirection direction : {RfmDirection::kHigherIsBetter, RfmDirection::kLowerIsBetter}) {
    for (std::size_t n = 0; n <= 120; ++n) {
      for (const int distinct : {1, 3, 6, 1000}) {
        const std::vector<double> values =
            TiedColumn(n, n * 7 + static_cast<std::size_t>(distinct), distinct);
        std::vector<std::int8_t> reference(n);
        std::vector<std::int8_t> engine(n);
        ASSERT_TRUE(crmcore::RfmQuintileScores(values, direction, absl::MakeSpan(reference)).ok());
        ASSERT_TRUE(ScoreRfmQuintiles(values, direction, absl::MakeSpan(engine)).ok());
        ASSERT_EQ(engine, reference) << "N=" << n << " distinct=" << distinct;
        if (n == 0) continue;
        absl::StatusOr<RfmThresholds> thresholds =
            RfmThresholdsFrom(*ComputeQuantileState(values), direction);
        ASSERT_TRUE(thresholds.ok());
        ASSERT_TRUE(ScoreRfm(values, *thresholds, absl::MakeSpan(engine)).ok());
        ASSERT_EQ(engine, reference) << "state N=" << n << " distinct=" << distinct;
      }
    }
    for (const int distinct : {5, 40, 100000}) {
      const std::vector<double> values = TiedColumn(200003, 77, distinct);
      std::vector<std::int8_t> reference(values.size());
      std::vector<std::int8_t> engine(values.size());
      ASSERT_TRUE(crmcore::RfmQuintileScores(values, direction, absl::MakeSpan(reference)).ok());
      ASSERT_TRUE(ScoreRfmQuintiles(values, direction, absl::MakeSpan(engine)).ok());
      EXPECT_EQ(engine, reference) << "distinct=" << distinct;
    }
  }
}

// Exercises the radix selection: values over many binades, both signs, -0.0 next to 0.0,
// a dense cluster that needs a second histogram level, and huge magnitudes.
TEST(EngineRfmTest, WideRangesAndSignedZerosMatchTheReference) {
  std::mt19937_64 rng(9);
  std::lognormal_distribution<double> spread(0.0, 20.0);
  std::uniform_int_distribution<int> kind(0, 9);
  std::uniform_real_distribution<double> cluster(1.0, 1.0 + 1e-12);
  std::vector<double> values(150001);
  for (double& x : values) {
    switch (kind(rng)) {
      case 0: x = 0.0; break;
      case 1: x = -0.0; break;
      case 2: case 3: case 4: x = cluster(rng); break;
      case 5: x = -spread(rng); break;
      case 6: x = 1e300 * (kind(rng) - 4.5); break;
      default: x = spread(rng); break;
    }
  }
  for (const RfmDirection direction : {RfmDirection::kHigherIsBetter, RfmDirection::kLowerIsBetter}) {
    std::vector<std::int8_t> reference(values.size());
    std::vector<std::int8_t> engine(values.size());
    ASSERT_TRUE(crmcore::RfmQuintileScores(values, direction, absl::MakeSpan(reference)).ok());
    ASSERT_TRUE(ScoreRfmQuintiles(values, direction, absl::MakeSpan(engine)).ok());
    EXPECT_EQ(engine, reference);
  }
  for (const PyramidFractions fractions :
       {PyramidFractions{}, PyramidFractions{.vip = 0.1, .major = 0.2, .ordinary = 0.3, .small = 0.4}}) {
    std::vector<ValueTier> reference(values.size());
    std::vector<ValueTier> engine(values.size());
    ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(reference), fractions).ok());
    ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(engine), fractions).ok());
    EXPECT_EQ(engine, reference);
  }
}

// Few distinct values far apart: a quintile's threshold is then often the next distinct
// value, which lies in another histogram bucket (found through the neighbour buckets).
TEST(EngineRfmTest, ThresholdsInNeighbourBucketsMatchTheReference) {
  std::mt19937_64 rng(41);
  for (const std::vector<double>& levels :
       {std::vector<double>{0.0, 1e6}, std::vector<double>{-5.0, 3.0, 1e9},
        std::vector<double>{1.0, 1.0 + 1e-15, 2.0, 1e300}}) {
    for (const double share_of_first : {0.2, 0.5, 0.61, 0.95}) {
      std::uniform_real_distribution<double> u(0.0, 1.0);
      std::uniform_int_distribution<std::size_t> other(1, levels.size() - 1);
      std::vector<double> values(60001);
      for (double& x : values) x = u(rng) < share_of_first ? levels[0] : levels[other(rng)];
      for (const RfmDirection direction :
           {RfmDirection::kHigherIsBetter, RfmDirection::kLowerIsBetter}) {
        std::vector<std::int8_t> reference(values.size());
        ASSERT_TRUE(crmcore::RfmQuintileScores(values, direction, absl::MakeSpan(reference)).ok());
        for (const int threads : {1, 2, 3}) {
          std::vector<std::int8_t> engine(values.size());
          ASSERT_TRUE(ScoreRfmQuintiles(values, direction, absl::MakeSpan(engine),
                                        EngineOptions{.threads = threads})
                          .ok());
          ASSERT_EQ(engine, reference) << "share " << share_of_first << " threads " << threads;
        }
      }
      std::vector<ValueTier> reference(values.size());
      std::vector<ValueTier> engine(values.size());
      ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(reference)).ok());
      ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(engine)).ok());
      ASSERT_EQ(engine, reference) << "share " << share_of_first;
    }
  }
}

// The range and scoring passes of tiers and RFM scores are SIMD kernels too
// (order_kernels.cc): identical to the reference on every target, with a tail shorter than
// a vector, both signs, signed zeros and ties; a non-finite value is named on every target.
TEST(EngineRfmTest, TiersAndScoresMatchTheReferenceOnEveryTarget) {
  std::mt19937_64 rng(77);
  std::uniform_int_distribution<int> pick(-40, 40);
  for (const std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{4099},
                              std::size_t{3 * kEngineBlockRows + 13}}) {
    std::vector<double> values(n);
    for (double& x : values) {
      const int k = pick(rng);
      x = k == 0 ? (rng() % 2 == 0 ? 0.0 : -0.0) : 0.25 * k;
    }
    std::vector<ValueTier> tiers_reference(n);
    ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(tiers_reference)).ok());
    std::array<std::vector<std::int8_t>, 2> rfm_reference;
    const std::array<RfmDirection, 2> directions = {RfmDirection::kHigherIsBetter,
                                                    RfmDirection::kLowerIsBetter};
    for (std::size_t d = 0; d < 2; ++d) {
      rfm_reference[d].resize(n);
      ASSERT_TRUE(crmcore::RfmQuintileScores(values, directions[d],
                                             absl::MakeSpan(rfm_reference[d]))
                      .ok());
    }
    ForEachTarget([&](const std::string&) {
      for (const int threads : {1, 2}) {
        const EngineOptions options{.threads = threads};
        std::vector<ValueTier> tiers(n);
        ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(tiers), {}, options).ok());
        EXPECT_EQ(tiers, tiers_reference) << "n " << n;
        for (std::size_t d = 0; d < 2; ++d) {
          std::vector<std::int8_t> scores(n);
          ASSERT_TRUE(
              ScoreRfmQuintiles(values, directions[d], absl::MakeSpan(scores), options).ok());
          EXPECT_EQ(scores, rfm_reference[d]) << "n " << n << " direction " << d;
        }
      }
      if (n < 8) return;
      for (const double bad : {std::numeric_limits<double>::quiet_NaN(),
                               std::numeric_limits<double>::infinity(),
                               -std::numeric_limits<double>::infinity()}) {
        std::vector<double> broken = values;
        broken[n - 3] = bad;
        broken[n - 1] = bad;
        std::vector<std::int8_t> scores(n);
        const absl::Status status =
            ScoreRfmQuintiles(broken, RfmDirection::kHigherIsBetter, absl::MakeSpan(scores));
        EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
        EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("index ", n - 3)));
        std::vector<ValueTier> tiers(n);
        EXPECT_THAT(AssignPyramidTiers(broken, absl::MakeSpan(tiers)).message(),
                    HasSubstr(absl::StrCat("index ", n - 3)));
      }
    });
  }
}

// Whole-number columns whose range is narrower than 2^16 take the histogram-only path (one
// bucket per value, nothing gathered); one value more, or one fraction, takes the general
// path. Both must match the reference: tiers, scores and the cut-off values themselves.
TEST(EngineRfmTest, WholeNumberColumnsMatchTheReferenceOnBothPaths) {
  struct Shape {
    std::string name;
    double least;
    double step;       // spacing of the possible values
    int distinct;      // how many possible values
    double fraction;   // added to one value (0: the column stays whole)
    std::size_t fraction_at = 3;  // which one (an index into a column of n values)
  };
  const std::size_t n = kEngineBlockRows + 5;  // the second block's 5 rows: a scalar tail
  const std::vector<Shape> shapes = {
      {"recency days", 0.0, 1.0, 366, 0.0},
      {"purchase counts", 1.0, 1.0, 50, 0.0},
      {"signed, around zero", -20.0, 1.0, 41, 0.0},
      {"widest whole-number span", -30000.0, 1.0, 65536, 0.0},
      {"one value too wide", -30000.0, 1.0, 65537, 0.0},
      {"with one fraction", 0.0, 1.0, 366, 0.5},
      {"with one fraction in a later vector", 0.0, 1.0, 366, 0.25, 5000},
      {"with one fraction in the scalar tail", 0.0, 1.0, 366, -0.5, n - 1},
      {"huge magnitudes", -1152921504606846976.0, 256.0, 200, 0.0},  // -2^60, step 2^8
      {"two values", 7.0, 1.0, 2, 0.0},
  };
  std::mt19937_64 rng(2026);
  for (const Shape& shape : shapes) {
    SCOPED_TRACE(shape.name);
    std::uniform_int_distribution<int> pick(0, shape.distinct - 1);
    std::vector<double> values(n);
    for (double& x : values) x = shape.least + shape.step * pick(rng);
    values[1] = shape.least;  // the range's ends are present
    values[2] = shape.least + shape.step * (shape.distinct - 1);
    values[shape.fraction_at] += shape.fraction;
    if (shape.least == 0.0) values[4] = -0.0;  // equal to 0.0, and the least value
    std::vector<ValueTier> tiers_reference(values.size());
    ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(tiers_reference)).ok());
    const absl::StatusOr<TierCutoffs> cutoffs = ComputeTierCutoffs(values);
    ASSERT_TRUE(cutoffs.ok()) << cutoffs.status();
    const QuantileState exact = *ComputeQuantileState(values);
    const TierCutoffs cutoffs_reference = *TierCutoffsFrom(exact, {});
    ForEachTarget([&](const std::string&) {
      for (const int threads : {1, 2}) {
        const EngineOptions options{.threads = threads};
        std::vector<ValueTier> tiers(values.size());
        ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(tiers), {}, options).ok());
        EXPECT_EQ(tiers, tiers_reference);
        for (const RfmDirection direction :
             {RfmDirection::kHigherIsBetter, RfmDirection::kLowerIsBetter}) {
          std::vector<std::int8_t> reference(values.size());
          std::vector<std::int8_t> scores(values.size());
          ASSERT_TRUE(
              crmcore::RfmQuintileScores(values, direction, absl::MakeSpan(reference)).ok());
          ASSERT_TRUE(
              ScoreRfmQuintiles(values, direction, absl::MakeSpan(scores), options).ok());
          EXPECT_EQ(scores, reference) << "direction " << static_cast<int>(direction);
        }
      }
    });
    EXPECT_EQ(cutoffs->seats, cutoffs_reference.seats);
    EXPECT_EQ(cutoffs->value, cutoffs_reference.value);
  }
}

TEST(EngineRfmTest, MergedPartitionsScoreLikeOneBatch) {
  const std::vector<double> values = TiedColumn(50000, 3, 37);
  QuantileState merged;
  for (std::size_t p = 0; p < 4; ++p) {
    merged.Merge(*ComputeQuantileState(absl::MakeConstSpan(values).subspan(p * 12500, 12500)));
  }
  std::vector<std::int8_t> reference(values.size());
  std::vector<std::int8_t> engine(values.size());
  ASSERT_TRUE(crmcore::RfmQuintileScores(values, RfmDirection::kHigherIsBetter,
                                         absl::MakeSpan(reference))
                  .ok());
  ASSERT_TRUE(ScoreRfm(values, *RfmThresholdsFrom(merged, RfmDirection::kHigherIsBetter),
                       absl::MakeSpan(engine))
                  .ok());
  EXPECT_EQ(engine, reference);
}

// ---------------------------------------------------------------------------
// Satisfaction ratio C = B / A.

// ---------------------------------------------------------------------------
// Continuous columns (issue 12): the tier cut-offs come from the exact selection and the
// tiers are written by the SIMD kernel straight into the output; both must match the
// reference on every target and thread count, at every size from one value to several
// blocks, with ties, signed zeros and constant columns.

// The engine's tiers and cut-offs of `values` against AssignValueTiers() and the cut-offs
// of the exact sorted values, on every target for 1, 2 and 3 threads; RFM scores of the
// same column too.
void ExpectTiersAndScoresLikeTheReference(const std::vector<double>& values,
                                          const PyramidFractions& fractions = {}) {
  const std::size_t n = values.size();
  std::vector<ValueTier> reference(n);
  ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(reference), fractions).ok());
  std::vector<std::int8_t> rfm_reference(n);
  ASSERT_TRUE(crmcore::RfmQuintileScores(values, RfmDirection::kHigherIsBetter,
                                         absl::MakeSpan(rfm_reference))
                  .ok());
  const TierCutoffs exact = *TierCutoffsFrom(*ComputeQuantileState(values), fractions);
  ForEachTarget([&](const std::string&) {
    for (const int threads : {1, 2, 3}) {
      SCOPED_TRACE(absl::StrCat("N ", n, " threads ", threads));
      const EngineOptions options{.threads = threads};
      const absl::StatusOr<TierCutoffs> cutoffs = ComputeTierCutoffs(values, fractions, options);
      ASSERT_TRUE(cutoffs.ok()) << cutoffs.status();
      EXPECT_EQ(cutoffs->seats, exact.seats);
      EXPECT_EQ(cutoffs->value, exact.value);
      // A sentinel that no tier has: every slot must be written.
      std::vector<ValueTier> tiers(n, static_cast<ValueTier>(-7));
      ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(tiers), fractions, options).ok());
      EXPECT_EQ(tiers, reference);
      std::vector<std::int8_t> scores(n, -7);
      ASSERT_TRUE(ScoreRfmQuintiles(values, RfmDirection::kHigherIsBetter, absl::MakeSpan(scores),
                                    options)
                      .ok());
      EXPECT_EQ(scores, rfm_reference);
    }
  });
}

// Sizes from one value to several blocks: every vector tail, the small-selection limit
// (4096) on both sides, one block and one row more.
std::vector<std::size_t> ContinuousSizes() {
  std::vector<std::size_t> sizes;
  for (std::size_t n = 1; n <= 40; ++n) sizes.push_back(n);
  for (const std::size_t n : {std::size_t{99}, std::size_t{100}, std::size_t{101},
                              std::size_t{4095}, std::size_t{4096}, std::size_t{4097}}) {
    sizes.push_back(n);
  }
  sizes.push_back(kEngineBlockRows);
  sizes.push_back(kEngineBlockRows + 1);
  sizes.push_back(3 * kEngineBlockRows + 13);
  return sizes;
}

TEST(EngineContinuousTierTest, ContinuousColumnsMatchTheReferenceAtEverySize) {
  std::mt19937_64 rng(12);
  std::lognormal_distribution<double> revenue(5.0, 1.2);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> signed_value(0.0, 3.0);
  for (const std::size_t n : ContinuousSizes()) {
    std::vector<double> values(n);
    for (double& x : values) x = revenue(rng);
    ExpectTiersAndScoresLikeTheReference(values);
    for (double& x : values) x = 0.35 * unit(rng) + 0.25 * unit(rng) + 0.4 * unit(rng);
    ExpectTiersAndScoresLikeTheReference(values);
    for (double& x : values) x = signed_value(rng);
    ExpectTiersAndScoresLikeTheReference(
        values, PyramidFractions{.vip = 0.1, .major = 0.2, .ordinary = 0.3, .small = 0.4});
  }
}

// A continuous column where a block of equal values straddles each cut-off: every one of
// them goes to the higher tier, however many.
TEST(EngineContinuousTierTest, ManyTiesAtACutoffGoToTheHigherTier) {
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (const std::size_t n : {std::size_t{500}, std::size_t{5000}, 2 * kEngineBlockRows + 7}) {
    std::vector<double> values(n);
    for (double& x : values) x = unit(rng);
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    // The values at the 99th, 95th and 80th percentiles, each repeated over 3 % of the rows
    // (rows spread over the column, not adjacent).
    for (const double q : {0.99, 0.95, 0.80}) {
      const double tie = sorted[static_cast<std::size_t>(q * static_cast<double>(n))];
      for (std::size_t i = 0; i < n; ++i) {
        if (rng() % 33 == 0) values[i] = tie;
      }
    }
    ExpectTiersAndScoresLikeTheReference(values);
    std::vector<ValueTier> tiers(n);
    ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(tiers)).ok());
    const TierCutoffs cutoffs = *ComputeTierCutoffs(values);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t t = 0; t < cutoffs.value.size(); ++t) {
        if (values[i] == cutoffs.value[t]) {
          ASSERT_LE(static_cast<int>(tiers[i]), static_cast<int>(t)) << "row " << i;
        }
      }
    }
  }
}

// -0.0 and +0.0 compare equal: a cut-off at zero takes both, whichever sign the selection
// returns, and the tiers equal the reference's.
TEST(EngineContinuousTierTest, SignedZerosAtACutoffMatchTheReference) {
  std::mt19937_64 rng(14);
  std::uniform_real_distribution<double> positive(0.5, 2.0);
  for (const std::size_t n : {std::size_t{10}, std::size_t{1000}, kEngineBlockRows + 3}) {
    // 85 % zeros of both signs at the bottom, continuous positives above: the 80th
    // percentile cut-off is a zero.
    std::vector<double> values(n);
    for (double& x : values) {
      const auto pick = rng() % 100;
      x = pick < 85 ? (pick % 2 == 0 ? 0.0 : -0.0) : positive(rng);
    }
    ExpectTiersAndScoresLikeTheReference(values);
    // Zeros in the middle of negative and positive continuous values.
    for (double& x : values) {
      const auto pick = rng() % 100;
      x = pick < 30 ? -positive(rng) : pick < 60 ? (pick % 2 == 0 ? 0.0 : -0.0) : positive(rng);
    }
    ExpectTiersAndScoresLikeTheReference(
        values, PyramidFractions{.vip = 0.1, .major = 0.2, .ordinary = 0.3, .small = 0.4});
  }
}

// A single value and constant columns (all equal: everyone in the most valuable tier with
// a seat), at every small size and beyond one block.
TEST(EngineContinuousTierTest, SingleValuesAndConstantColumnsMatchTheReference) {
  for (const std::size_t n : ContinuousSizes()) {
    for (const double constant : {0.1234567, -0.0, 0.0, -1e300, 5e-324}) {
      ExpectTiersAndScoresLikeTheReference(std::vector<double>(n, constant));
    }
  }
}

}  // namespace
}  // namespace engine
}  // namespace crmcore

// The C API's batch scoring and partial states (capi/crmcore.h) give BIT-IDENTICAL results
// to the C++ engine (include/crmcore/engine.h) on a random population: one batch, through
// partition states that travel as bytes, for every column type and both missing encodings.
// Linked against libcrmcore_c as well as the C++ library (tests/CMakeLists.txt).
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "crmcore.h"
#include "crmcore/composite_value.h"
#include "crmcore/engine.h"
#include "crmcore/engine_state.h"
#include "crmcore/rfm_score.h"
#include "crmcore/value_tier.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace engine {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kRows = 50000;  // several engine blocks of 16384

struct Population {
  std::vector<double> current;      // float64, some NaN
  // The same with a validity bitmap instead: a missing slot holds garbage (-1e300).
  std::vector<double> current_filled;
  std::vector<std::uint8_t> current_validity;
  std::vector<float> future;        // float32
  std::vector<std::int64_t> credit;  // int64 ratings 1..5
  std::vector<double> loyalty;      // float64 with ties
  std::vector<double> growth;       // float64
  std::vector<std::uint8_t> growth_validity;
};

Population MakePopulation(std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> money(4.0, 1.2);
  std::uniform_int_distribution<int> rating(1, 5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Population p;
  p.growth_validity.assign((kRows + 7) / 8, 0);
  p.current_validity.assign((kRows + 7) / 8, 0);
  for (std::size_t i = 0; i < kRows; ++i) {
    p.current.push_back(unit(rng) < 0.05 ? kNaN : money(rng));
    p.current_filled.push_back(std::isnan(p.current.back()) ? -1e300 : p.current.back());
    if (!std::isnan(p.current.back())) {
      p.current_validity[i / 8] =
          static_cast<std::uint8_t>(p.current_validity[i / 8] | (1u << (i % 8)));
    }
    p.future.push_back(static_cast<float>(money(rng)));
    p.credit.push_back(rating(rng));
    p.loyalty.push_back(std::round(unit(rng) * 100.0));
    p.growth.push_back(1e6 + unit(rng));  // far from 0 relative to its spread
    if (unit(rng) < 0.9) {
      p.growth_validity[i / 8] = static_cast<std::uint8_t>(p.growth_validity[i / 8] | (1u << (i % 8)));
    }
  }
  return p;
}

constexpr std::array<double, 5> kWeights = {0.3, 0.2, 0.15, 0.25, 0.1};

NormalizerSpec Spec(NormalizerKind kind, double lower = 0.0, double upper = 1.0) {
  NormalizerSpec spec;
  spec.kind = kind;
  spec.fixed_lower = lower;
  spec.fixed_upper = upper;
  return spec;
}

const CompositePlan::Normalizers kNormalizers = {
    Spec(NormalizerKind::kZScore), Spec(NormalizerKind::kMinMax),
    Spec(NormalizerKind::kFixedBounds, 1.0, 5.0), Spec(NormalizerKind::kPercentileRank),
    Spec(NormalizerKind::kZScore)};

CompositePlan CorePlan() {
  absl::StatusOr<CompositePlan> plan =
      CompositePlan::Create(kWeights, kNormalizers, MissingPolicy::kRenormalize);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// The same plan through the C API.
struct CPlan {
  CPlan() {
    EXPECT_EQ(crm_composite_plan_create(&plan), CRM_OK);
    for (int c = 0; c < CRM_COMPOSITE_COMPONENT_COUNT; ++c) {
      const NormalizerSpec& spec = kNormalizers[static_cast<std::size_t>(c)];
      EXPECT_EQ(crm_composite_plan_set_weight(plan, c, kWeights[static_cast<std::size_t>(c)]),
                CRM_OK);
      EXPECT_EQ(crm_composite_plan_set_normalizer(plan, c, static_cast<int32_t>(spec.kind),
                                                  spec.fixed_lower, spec.fixed_upper),
                CRM_OK);
    }
    EXPECT_EQ(crm_composite_plan_set_missing_policy(plan, CRM_MISSING_POLICY_RENORMALIZE), CRM_OK);
  }
  ~CPlan() { crm_composite_plan_destroy(plan); }
  CPlan(const CPlan&) = delete;
  CPlan& operator=(const CPlan&) = delete;
  crm_composite_plan* plan = nullptr;
};

crm_column CColumn(int32_t type, const void* data, std::size_t n,
                   const std::uint8_t* validity = nullptr) {
  crm_column c = CRM_COLUMN_INIT;
  c.type = type;
  c.data = data;
  c.length = n;
  c.validity = validity;
  return c;
}

// Rows [begin, end) as C columns and as the engine's.
std::array<crm_column, 5> CColumns(const Population& p, std::size_t begin, std::size_t end,
                                   bool bitmap) {
  const std::size_t n = end - begin;
  // A bitmap slice must start on a byte: partitions below start at multiples of 8.
  return {bitmap ? CColumn(CRM_COLUMN_FLOAT64, p.current_filled.data() + begin, n,
                          p.current_validity.data() + begin / 8)
                 : CColumn(CRM_COLUMN_FLOAT64, p.current.data() + begin, n),
          CColumn(CRM_COLUMN_FLOAT32, p.future.data() + begin, n),
          CColumn(CRM_COLUMN_INT64, p.credit.data() + begin, n),
          CColumn(CRM_COLUMN_FLOAT64, p.loyalty.data() + begin, n),
          CColumn(CRM_COLUMN_FLOAT64, p.growth.data() + begin, n,
                  bitmap ? p.growth_validity.data() + begin / 8 : nullptr)};
}

CompositeColumns CoreColumns(const Population& p, std::size_t begin, std::size_t end,
                             bool bitmap) {
  const std::size_t n = end - begin;
  CompositeColumns columns;
  columns.column[0] = absl::MakeConstSpan(bitmap ? p.current_filled : p.current).subspan(begin, n);
  columns.column[1] = absl::MakeConstSpan(p.future).subspan(begin, n);
  columns.column[2] = absl::MakeConstSpan(p.credit).subspan(begin, n);
  columns.column[3] = absl::MakeConstSpan(p.loyalty).subspan(begin, n);
  columns.column[4] = ColumnView(absl::MakeConstSpan(p.growth).subspan(begin, n));
  if (bitmap) {
    columns.column[0] = columns.column[0].WithValidity(
        absl::MakeConstSpan(p.current_validity).subspan(begin / 8));
    columns.column[4] = columns.column[4].WithValidity(
        absl::MakeConstSpan(p.growth_validity).subspan(begin / 8));
  }
  return columns;
}

bool BitIdentical(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

class EngineCapiTest : public ::testing::TestWithParam<bool> {};  // param: bitmap encoding

TEST_P(EngineCapiTest, OneBatchCompositeIsBitIdentical) {
  const bool bitmap = GetParam();
  const Population p = MakePopulation(2024);
  const CPlan c_plan;
  crm_engine_options c_options = CRM_ENGINE_OPTIONS_INIT;
  c_options.threads = 2;
  c_options.missing_encoding = bitmap ? CRM_MISSING_VALIDITY_BITMAP : CRM_MISSING_NAN;
  EngineOptions options;
  options.threads = 2;
  options.missing_encoding = bitmap ? MissingEncoding::kValidityBitmap : MissingEncoding::kNaN;

  std::vector<double> via_c(kRows), via_cpp(kRows);
  const std::array<crm_column, 5> columns = CColumns(p, 0, kRows, bitmap);
  ASSERT_EQ(crm_score_composite(c_plan.plan, columns.data(), columns.size(), &c_options,
                                via_c.data(), via_c.size()),
            CRM_OK)
      << crm_last_error();
  ASSERT_TRUE(
      ScoreComposite(CorePlan(), CoreColumns(p, 0, kRows, bitmap), absl::MakeSpan(via_cpp), options)
          .ok());
  EXPECT_TRUE(BitIdentical(via_c, via_cpp));
}

TEST_P(EngineCapiTest, PartitionStatesThroughBytesAreBitIdentical) {
  const bool bitmap = GetParam();
  const Population p = MakePopulation(77);
  const CPlan c_plan;
  crm_engine_options c_options = CRM_ENGINE_OPTIONS_INIT;
  c_options.threads = 2;
  c_options.missing_encoding = bitmap ? CRM_MISSING_VALIDITY_BITMAP : CRM_MISSING_NAN;
  EngineOptions options;
  options.threads = 2;
  options.missing_encoding = bitmap ? MissingEncoding::kValidityBitmap : MissingEncoding::kNaN;
  const std::array<std::size_t, 5> bounds = {0, 8000, 8008, 31000, kRows};

  crm_composite_state* c_merged = nullptr;
  CompositeState merged;
  for (std::size_t k = 0; k + 1 < bounds.size(); ++k) {
    const std::array<crm_column, 5> columns = CColumns(p, bounds[k], bounds[k + 1], bitmap);
    crm_composite_state* part = nullptr;
    ASSERT_EQ(crm_composite_state_create(c_plan.plan, columns.data(), columns.size(), &c_options,
                                         &part),
              CRM_OK)
        << crm_last_error();
    std::size_t size = 0;
    ASSERT_EQ(crm_composite_state_serialize(part, nullptr, 0, &size), CRM_OK);
    std::vector<std::uint8_t> bytes(size);
    ASSERT_EQ(crm_composite_state_serialize(part, bytes.data(), bytes.size(), &size), CRM_OK);
    crm_composite_state_destroy(part);
    crm_composite_state* back = nullptr;
    ASSERT_EQ(crm_composite_state_deserialize(bytes.data(), bytes.size(), &back), CRM_OK)
        << crm_last_error();
    if (c_merged == nullptr) {
      c_merged = back;
    } else {
      ASSERT_EQ(crm_composite_state_merge(c_merged, back), CRM_OK) << crm_last_error();
      crm_composite_state_destroy(back);
    }
    absl::StatusOr<CompositeState> core_part = ComputeCompositeState(
        CorePlan(), CoreColumns(p, bounds[k], bounds[k + 1], bitmap), options);
    ASSERT_TRUE(core_part.ok()) << core_part.status();
    merged.Merge(*core_part);
  }
  std::vector<double> via_c(kRows), via_cpp(kRows);
  for (std::size_t k = 0; k + 1 < bounds.size(); ++k) {
    const std::size_t n = bounds[k + 1] - bounds[k];
    const std::array<crm_column, 5> columns = CColumns(p, bounds[k], bounds[k + 1], bitmap);
    ASSERT_EQ(crm_score_composite_with_state(c_plan.plan, columns.data(), columns.size(),
                                             c_merged, &c_options, via_c.data() + bounds[k], n),
              CRM_OK)
        << crm_last_error();
    ASSERT_TRUE(ScoreComposite(CorePlan(), CoreColumns(p, bounds[k], bounds[k + 1], bitmap),
                               merged, absl::MakeSpan(via_cpp).subspan(bounds[k], n), options)
                    .ok());
  }
  crm_composite_state_destroy(c_merged);
  EXPECT_TRUE(BitIdentical(via_c, via_cpp));
}

INSTANTIATE_TEST_SUITE_P(Encodings, EngineCapiTest, ::testing::Bool());

TEST(EngineCapiTargetTest, NamesTheTargetTheEngineRuns) {
  const char* target = crm_engine_target();
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(std::string(target), ActiveTarget());
  const std::vector<std::string> available = AvailableTargets();
  EXPECT_EQ(std::string(target), available.front()) << "the best available target";
  EXPECT_EQ(crm_engine_target(), target) << "the same static string every call";
}

TEST(EngineCapiColumnsTest, TiersRfmAndRatiosAreIdentical) {
  const Population p = MakePopulation(5);
  std::vector<double> values(p.future.begin(), p.future.end());

  std::vector<std::int8_t> c_tiers(kRows);
  std::vector<ValueTier> tiers(kRows);
  ASSERT_EQ(crm_assign_value_tiers(values.data(), kRows, nullptr, nullptr, c_tiers.data()), CRM_OK);
  ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(tiers)).ok());
  for (std::size_t i = 0; i < kRows; ++i) {
    ASSERT_EQ(c_tiers[i], static_cast<int>(tiers[i])) << i;
  }

  for (const RfmDirection direction :
       {RfmDirection::kHigherIsBetter, RfmDirection::kLowerIsBetter}) {
    std::vector<std::int8_t> c_scores(kRows), scores(kRows);
    ASSERT_EQ(crm_rfm_quintiles(p.loyalty.data(), kRows, static_cast<int32_t>(direction), nullptr,
                                c_scores.data()),
              CRM_OK);
    ASSERT_TRUE(ScoreRfmQuintiles(p.loyalty, direction, absl::MakeSpan(scores)).ok());
    EXPECT_EQ(c_scores, scores);

    // Through a quantile state built from two halves and a serialize round trip.
    crm_quantile_state* state = nullptr;
    ASSERT_EQ(crm_quantile_state_create(p.loyalty.data(), kRows / 2, nullptr, &state), CRM_OK);
    ASSERT_EQ(crm_quantile_state_update(state, p.loyalty.data() + kRows / 2, kRows - kRows / 2,
                                        nullptr),
              CRM_OK);
    std::size_t size = 0;
    ASSERT_EQ(crm_quantile_state_serialize(state, nullptr, 0, &size), CRM_OK);
    std::vector<std::uint8_t> bytes(size);
    ASSERT_EQ(crm_quantile_state_serialize(state, bytes.data(), size, &size), CRM_OK);
    crm_quantile_state_destroy(state);
    ASSERT_EQ(crm_quantile_state_deserialize(bytes.data(), size, &state), CRM_OK);
    std::vector<std::int8_t> with_state(kRows);
    ASSERT_EQ(crm_rfm_quintiles_with_state(p.loyalty.data(), kRows, state,
                                           static_cast<int32_t>(direction), nullptr,
                                           with_state.data()),
              CRM_OK);
    EXPECT_EQ(with_state, scores);
    crm_quantile_state_destroy(state);
  }

  std::vector<double> b(kRows), a(kRows), c_ratio(kRows), ratio(kRows);
  for (std::size_t i = 0; i < kRows; ++i) {
    b[i] = static_cast<double>(p.future[i]);
    a[i] = static_cast<double>(p.credit[i]);
  }
  ASSERT_EQ(crm_satisfaction_ratios(b.data(), a.data(), kRows, nullptr, c_ratio.data()), CRM_OK);
  ASSERT_TRUE(SatisfactionRatios(b, a, absl::MakeSpan(ratio)).ok());
  EXPECT_TRUE(BitIdentical(c_ratio, ratio));
}

}  // namespace
}  // namespace engine
}  // namespace crmcore

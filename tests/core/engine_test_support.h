// Shared helpers of the engine tests (engine_test.cc, engine_order_statistics_test.cc,
// engine_bad_input_test.cc): composite plans, a generated population with skew, ties and
// missing values, the reference and engine composite scores of it, and a loop over every
// SIMD target this machine supports.
#ifndef CRMCORE_TESTS_CORE_ENGINE_TEST_SUPPORT_H_
#define CRMCORE_TESTS_CORE_ENGINE_TEST_SUPPORT_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "crmcore/composite_value.h"
#include "crmcore/engine.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace engine {
namespace test_support {

inline NormalizerSpec Spec(NormalizerKind kind, double lower = 0.0, double upper = 1.0) {
  NormalizerSpec spec;
  spec.kind = kind;
  spec.fixed_lower = lower;
  spec.fixed_upper = upper;
  return spec;
}

inline CompositePlan MustCreate(CompositePlan::Weights weights, CompositePlan::Normalizers normalizers,
                         MissingPolicy missing = MissingPolicy::kReject) {
  absl::StatusOr<CompositePlan> plan = CompositePlan::Create(weights, normalizers, missing);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// Every normalizer whose engine result must be IDENTICAL to the reference's.
inline CompositePlan ExactPlan(MissingPolicy missing = MissingPolicy::kReject) {
  return MustCreate({0.35, 0.25, 0.15, 0.15, 0.10},
                    {Spec(NormalizerKind::kMinMax), Spec(NormalizerKind::kMinMax),
                     Spec(NormalizerKind::kFixedBounds, 1.0, 5.0),
                     Spec(NormalizerKind::kPercentileRank), Spec(NormalizerKind::kMinMax)},
                    missing);
}

// With z-scores (agree within the documented tolerance).
inline CompositePlan MixedPlan(MissingPolicy missing = MissingPolicy::kReject) {
  return MustCreate({0.3, 0.2, 0.2, 0.2, 0.1},
                    {Spec(NormalizerKind::kZScore), Spec(NormalizerKind::kMinMax),
                     Spec(NormalizerKind::kFixedBounds, 1.0, 5.0),
                     Spec(NormalizerKind::kPercentileRank), Spec(NormalizerKind::kZScore)},
                    missing);
}

using Columns = std::array<std::vector<double>, kCompositeComponentCount>;

// A population with skew, ties (integer credit ratings, rounded loyalty), a column far from
// zero relative to its spread (z-score cancellation), and NaNs at `missing_rate`.
inline Columns MakePopulation(std::size_t n, std::uint64_t seed, double missing_rate = 0.0) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> revenue(5.0, 1.5);
  std::normal_distribution<double> future(100.0, 30.0);
  std::uniform_int_distribution<int> credit(1, 5);
  std::uniform_real_distribution<double> loyalty(0.0, 100.0);
  std::normal_distribution<double> growth(1000.0, 1.0);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  Columns columns;
  for (auto& column : columns) column.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    columns[0][i] = revenue(rng);
    columns[1][i] = future(rng);
    columns[2][i] = credit(rng);
    columns[3][i] = std::round(loyalty(rng));
    columns[4][i] = growth(rng);
    for (auto& column : columns) {
      if (coin(rng) < missing_rate) column[i] = std::numeric_limits<double>::quiet_NaN();
    }
  }
  // Keep one component present per customer, as the reference requires under kRenormalize.
  for (std::size_t i = 0; i < n; ++i) {
    if (std::all_of(columns.begin(), columns.end(),
                    [i](const std::vector<double>& c) { return std::isnan(c[i]); })) {
      columns[2][i] = 3.0;
    }
  }
  return columns;
}

inline ComponentColumns ReferenceColumns(const Columns& columns) {
  ComponentColumns view;
  for (std::size_t c = 0; c < columns.size(); ++c) view.column[c] = columns[c];
  return view;
}

inline CompositeColumns EngineColumns(const Columns& columns) {
  CompositeColumns view;
  for (std::size_t c = 0; c < columns.size(); ++c) view.column[c] = columns[c];
  return view;
}

inline std::vector<double> Reference(const CompositePlan& plan, const Columns& columns) {
  std::vector<double> out(columns[0].size());
  const absl::Status status = ScoreCompositeReference(plan, ReferenceColumns(columns), absl::MakeSpan(out));
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

inline std::vector<double> Engine(const CompositePlan& plan, const Columns& columns, int threads = 0) {
  std::vector<double> out(columns[0].size(), -1.0);
  EngineOptions options;
  options.threads = threads;
  const absl::Status status = ScoreComposite(plan, EngineColumns(columns), absl::MakeSpan(out), options);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

// Runs `body` once per SIMD target available here, forcing the target, then restores the
// automatic choice.
template <class Body>
void ForEachTarget(Body body) {
  const std::vector<std::string> targets = AvailableTargets();
  ASSERT_FALSE(targets.empty());
  for (const std::string& target : targets) {
    ASSERT_TRUE(ForceTargetForTesting(target).ok()) << target;
    ASSERT_EQ(ActiveTarget(), target);
    SCOPED_TRACE("target " + target);
    body(target);
  }
  ASSERT_TRUE(ForceTargetForTesting("").ok());
}


}  // namespace test_support
}  // namespace engine
}  // namespace crmcore

#endif  // CRMCORE_TESTS_CORE_ENGINE_TEST_SUPPORT_H_

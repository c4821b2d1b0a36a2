// The batch engine (include/crmcore/engine.h): SIMD target selection, options, the block
// helpers its stages share (engine_internal.h), and the engine-allocated forms of the
// one-batch calls. The stages live beside it: engine_composite.cc (composite value),
// engine_order_statistics.cc (quantile states, value tiers, RFM scores) and
// engine_satisfaction.cc (satisfaction ratio and index).
#include "crmcore/engine.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "engine/engine_internal.h"
#include "engine/kernels.h"
#include "engine/parallel.h"

namespace crmcore {
namespace engine {
namespace internal {

absl::Status FirstError(const std::vector<absl::Status>& errors) {
  for (const absl::Status& error : errors) {
    if (!error.ok()) return error;
  }
  return absl::OkStatus();
}

void MergeSortedRuns(std::vector<double>& data, std::vector<std::size_t> bounds, int threads) {
  while (bounds.size() > 2) {
    const std::size_t runs = bounds.size() - 1;
    const std::size_t pairs = runs / 2;
    ForEachBlock(pairs, threads, [&](std::size_t, std::size_t pair) {
      const auto first = data.begin() + static_cast<std::ptrdiff_t>(bounds[2 * pair]);
      const auto middle = data.begin() + static_cast<std::ptrdiff_t>(bounds[2 * pair + 1]);
      const auto last = data.begin() + static_cast<std::ptrdiff_t>(bounds[2 * pair + 2]);
      std::inplace_merge(first, middle, last);
    });
    std::vector<std::size_t> merged;
    for (std::size_t i = 0; i < bounds.size(); i += 2) merged.push_back(bounds[i]);
    if (merged.back() != bounds.back()) merged.push_back(bounds.back());
    bounds = std::move(merged);
  }
}

const double* ConvertRows(const ColumnView& view, BlockRange rows, double* scratch) {
  switch (view.type()) {
    case ColumnView::Type::kFloat32: {
      const float* x = static_cast<const float*>(view.data()) + rows.begin;
      for (std::size_t i = 0; i < rows.size; ++i) scratch[i] = static_cast<double>(x[i]);
      return scratch;
    }
    case ColumnView::Type::kInt64: {
      const std::int64_t* x = static_cast<const std::int64_t*>(view.data()) + rows.begin;
      for (std::size_t i = 0; i < rows.size; ++i) scratch[i] = static_cast<double>(x[i]);
      return scratch;
    }
    case ColumnView::Type::kFloat64:
      break;
  }
  return static_cast<const double*>(view.data()) + rows.begin;
}

}  // namespace internal

// ---------------------------------------------------------------------------
// Targets and options.

std::string ActiveTarget() { return internal::ActiveTargetName(); }

std::vector<std::string> AvailableTargets() { return internal::AvailableTargetNames(); }

absl::Status ForceTargetForTesting(absl::string_view name) {
  if (!internal::ForceTarget(std::string(name))) {
    return absl::InvalidArgumentError(
        absl::StrCat("engine: target \"", name, "\" is not available on this processor"));
  }
  return absl::OkStatus();
}

absl::Status EngineOptions::Validate() const {
  if (threads < 0 || threads > kMaxThreads) {
    return absl::InvalidArgumentError(absl::StrCat("engine: threads must be in [0, ",
                                                   kMaxThreads, "], got ", threads));
  }
  if (missing_encoding != MissingEncoding::kNaN &&
      missing_encoding != MissingEncoding::kValidityBitmap) {
    return absl::InvalidArgumentError(absl::StrCat("engine: unknown missing_encoding ",
                                                   static_cast<int>(missing_encoding)));
  }
  return absl::OkStatus();
}

int EngineOptions::ResolvedThreads() const {
  if (threads > 0) return threads;
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware == 0 ? 1 : static_cast<int>(std::min<unsigned>(hardware, kMaxThreads));
}

// ---------------------------------------------------------------------------
// Engine-allocated outputs.

namespace {

// A new column of n results, filled by `score` (a caller-provided-output call).
template <class T, class Score>
absl::StatusOr<std::vector<T>> Allocated(std::size_t n, const Score& score) {
  std::vector<T> out(n);
  CRM_RETURN_IF_ERROR(score(absl::MakeSpan(out)));
  return out;
}

}  // namespace

absl::StatusOr<std::vector<double>> ComputeCompositeValues(const CompositePlan& plan,
                                                           const CompositeColumns& columns,
                                                           const EngineOptions& options) {
  // Sized by the first used column: when the columns disagree, the call names them.
  const std::vector<internal::UsedComponent> used = internal::UsedComponents(plan, columns);
  const std::size_t n = used.empty() ? 0 : used.front().view->size();
  return Allocated<double>(n, [&](absl::Span<double> out) {
    return ScoreComposite(plan, columns, out, options);
  });
}

absl::StatusOr<std::vector<ValueTier>> ComputePyramidTiers(absl::Span<const double> values,
                                                           const PyramidFractions& fractions,
                                                           const EngineOptions& options) {
  return Allocated<ValueTier>(values.size(), [&](absl::Span<ValueTier> out) {
    return AssignPyramidTiers(values, out, fractions, options);
  });
}

absl::StatusOr<std::vector<std::int8_t>> ComputeRfmQuintiles(absl::Span<const double> values,
                                                             RfmDirection direction,
                                                             const EngineOptions& options) {
  return Allocated<std::int8_t>(values.size(), [&](absl::Span<std::int8_t> out) {
    return ScoreRfmQuintiles(values, direction, out, options);
  });
}

absl::StatusOr<std::vector<double>> ComputeSatisfactionRatios(
    absl::Span<const double> perceived_value_b, absl::Span<const double> expectation_a,
    const EngineOptions& options) {
  return Allocated<double>(perceived_value_b.size(), [&](absl::Span<double> out) {
    return SatisfactionRatios(perceived_value_b, expectation_a, out, options);
  });
}

absl::StatusOr<std::vector<double>> ComputeSatisfactionIndex(
    const SatisfactionIndexPlan& plan, const SatisfactionIndicatorColumns& columns,
    const EngineOptions& options) {
  return Allocated<double>(columns.column[0].size(), [&](absl::Span<double> out) {
    return ScoreSatisfactionIndex(plan, columns, out, options);
  });
}

}  // namespace engine
}  // namespace crmcore

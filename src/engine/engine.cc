// The batch engine (include/crmcore/engine.h): SIMD target selection, options, the block
// helpers its stages share (engine_internal.h), and the engine-allocated forms of the
// one-batch calls. The stages live beside it: engine_composite.cc (composite value),
// engine_order_statistics.cc (quantile states, value tiers, RFM scores) and
// engine_satisfaction.cc (satisfaction ratio and index).
#include "crmcore/engine.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

void RadixSortDoubles(std::vector<double>& values) {
  const std::size_t n = values.size();
  if (n < 1024) {  // a histogram per pass costs more than sorting a few values
    std::sort(values.begin(), values.end());
    return;
  }
  // Order-preserving keys: negative doubles with every bit flipped, the others with the
  // sign bit set, so that unsigned order is numeric order. The passes move keys between
  // `keys` and the values' own storage (8-byte slots read and written through memcpy), so
  // a sort needs one extra array, not two.
  constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  const auto to_key = [](double x) {
    const auto bits = std::bit_cast<std::uint64_t>(x);
    return (bits & kSign) != 0 ? ~bits : bits | kSign;
  };
  const auto to_value = [](std::uint64_t key) {
    return std::bit_cast<double>((key & kSign) != 0 ? key & ~kSign : ~key);
  };
  std::vector<std::uint64_t> keys(n);
  for (std::size_t i = 0; i < n; ++i) keys[i] = to_key(values[i]);
  constexpr unsigned kDigitBits = 11;
  constexpr std::size_t kPasses = (64 + kDigitBits - 1) / kDigitBits;
  constexpr std::uint64_t kDigitMask = (std::uint64_t{1} << kDigitBits) - 1;
  std::vector<std::array<std::size_t, kDigitMask + 1>> counts(kPasses);
  for (const std::uint64_t key : keys) {
    for (std::size_t p = 0; p < kPasses; ++p) ++counts[p][(key >> (p * kDigitBits)) & kDigitMask];
  }
  auto* slots = reinterpret_cast<unsigned char*>(values.data());
  bool in_keys = true;  // where the keys are now
  for (std::size_t p = 0; p < kPasses; ++p) {
    std::array<std::size_t, kDigitMask + 1>& count = counts[p];
    // Every key has this digit (keys[0] is one of them, wherever the keys are now): the
    // pass would move nothing.
    if (count[(keys[0] >> (p * kDigitBits)) & kDigitMask] == n) continue;
    std::size_t start = 0;
    for (std::size_t& c : count) start += std::exchange(c, start);
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t key;
      if (in_keys) {
        key = keys[i];
        std::memcpy(slots + 8 * count[(key >> (p * kDigitBits)) & kDigitMask]++, &key, 8);
      } else {
        std::memcpy(&key, slots + 8 * i, 8);
        keys[count[(key >> (p * kDigitBits)) & kDigitMask]++] = key;
      }
    }
    in_keys = !in_keys;
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t key = keys[i];
    if (!in_keys) std::memcpy(&key, slots + 8 * i, 8);
    values[i] = to_value(key);
  }
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

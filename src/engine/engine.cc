// The batch engine (include/crmcore/engine.h): validation, blocks and threads around the
// SIMD kernels of kernels.cc, and the exact order statistics behind tiers and RFM scores.
#include "crmcore/engine.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crmcore/satisfaction.h"
#include "crmcore/status.h"
#include "engine/kernels.h"
#include "engine/order_kernels.h"
#include "engine/parallel.h"
#include "engine/rank_index.h"

namespace crmcore {
namespace engine {
namespace {

using internal::BlockMoments;
using internal::ForEachBlock;
using internal::KernelPlan;
using internal::TransformMode;
using internal::WorkerCount;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::size_t BlockCount(std::size_t n) { return (n + kEngineBlockRows - 1) / kEngineBlockRows; }

struct BlockRange {
  std::size_t begin;
  std::size_t size;
};

BlockRange RangeOf(std::size_t block, std::size_t n) {
  const std::size_t begin = block * kEngineBlockRows;
  return {begin, std::min(kEngineBlockRows, n - begin)};
}

// The first error in block order, so the reported error does not depend on scheduling.
absl::Status FirstError(const std::vector<absl::Status>& errors) {
  for (const absl::Status& error : errors) {
    if (!error.ok()) return error;
  }
  return absl::OkStatus();
}

// Bottom-up merge of adjacent sorted runs [bounds[i], bounds[i+1]) into one sorted run; the
// merges of one round run in parallel (they touch disjoint ranges).
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

// ---------------------------------------------------------------------------
// Composite: the used components and their columns.

struct UsedComponent {
  CompositeComponent id;
  const ColumnView* view;
  NormalizerSpec spec;
  double weight;
};

std::vector<UsedComponent> UsedComponents(const CompositePlan& plan,
                                          const CompositeColumns& columns) {
  std::vector<UsedComponent> used;
  for (const CompositeComponent c : AllValues<CompositeComponent>()) {
    if (!plan.uses(c)) continue;
    used.push_back({c, &columns.column[static_cast<std::size_t>(c)], plan.normalizer(c),
                    plan.weight(c)});
  }
  return used;
}

// N, with the messages of ScoreCompositeReference() for mismatched lengths, plus the
// validity-bitmap checks.
absl::StatusOr<std::size_t> PopulationSize(const std::vector<UsedComponent>& used,
                                           const EngineOptions& options) {
  std::size_t n = 0;
  for (std::size_t k = 0; k < used.size(); ++k) {
    const std::size_t size = used[k].view->size();
    if (k == 0) {
      n = size;
    } else if (size != n) {
      return absl::InvalidArgumentError(absl::StrCat("composite: column ", Id(used[k].id),
                                                     " has ", size, " values but column ",
                                                     Id(used[0].id), " has ", n));
    }
  }
  for (const UsedComponent& component : used) {
    if (!component.view->has_validity()) continue;
    if (options.missing_encoding == MissingEncoding::kNaN) {
      return absl::InvalidArgumentError(
          absl::StrCat("composite: column ", Id(component.id),
                       " has a validity bitmap but the missing encoding is NaN"));
    }
    const std::size_t needed = (n + 7) / 8;
    if (component.view->validity().size() < needed) {
      return absl::InvalidArgumentError(absl::StrCat(
          "composite: column ", Id(component.id), " validity bitmap has ",
          component.view->validity().size(), " bytes but ", n, " customers need ", needed));
    }
  }
  return n;
}

absl::Status BadValueError(CompositeComponent c, std::size_t index, double x) {
  return absl::InvalidArgumentError(
      absl::StrCat("composite: column ", Id(c), " value at index ", index, " is ",
                   FormatDouble(x)));
}

// Rows [begin, begin + size) of a column as doubles, ignoring any validity bitmap: the
// column itself when it is float64 (zero copy), else converted into `scratch`.
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

// Rows [begin, begin + size) of a column as doubles with NaN = missing: the column itself
// when it is float64 under kNaN (zero copy), else converted into `scratch`. Under
// kValidityBitmap a NaN in a valid slot is an error.
absl::StatusOr<const double*> StageRows(const UsedComponent& component, BlockRange rows,
                                        MissingEncoding encoding, double* scratch) {
  const ColumnView& view = *component.view;
  if (encoding == MissingEncoding::kNaN) return ConvertRows(view, rows, scratch);
  for (std::size_t i = 0; i < rows.size; ++i) {
    const std::size_t row = rows.begin + i;
    const double x = view.ValueAt(row);
    if (std::isnan(x) && view.IsValid(row)) return BadValueError(component.id, row, x);
    scratch[i] = view.IsValid(row) ? x : kNaN;
  }
  return scratch;
}

// The first invalid value of a block, in the reference's order (component by component,
// then customers with nothing present), given the staged columns of the block.
absl::Status FirstBadRow(const std::vector<UsedComponent>& used,
                         const std::vector<const double*>& staged, BlockRange rows,
                         MissingPolicy policy) {
  for (std::size_t k = 0; k < used.size(); ++k) {
    for (std::size_t i = 0; i < rows.size; ++i) {
      const double x = staged[k][i];
      if (std::isinf(x) || (std::isnan(x) && policy == MissingPolicy::kReject)) {
        return BadValueError(used[k].id, rows.begin + i, x);
      }
    }
  }
  if (policy == MissingPolicy::kRenormalize) {
    for (std::size_t i = 0; i < rows.size; ++i) {
      bool any_present = false;
      for (const double* x : staged) any_present = any_present || !std::isnan(x[i]);
      if (!any_present) {
        return absl::InvalidArgumentError(absl::StrCat(
            "composite: customer ", rows.begin + i, " has every used component missing (NaN)"));
      }
    }
  }
  return absl::OkStatus();
}

// Per-worker scratch regions of one block's rows each, sized by the batch (min(N,
// kEngineBlockRows) rows), so that a small call neither allocates nor zeroes whole blocks.
class BlockScratch {
 public:
  BlockScratch(std::size_t workers, std::size_t regions, std::size_t n)
      : rows_(std::min(n, kEngineBlockRows)),
        per_worker_(regions * rows_),
        data_(workers * per_worker_) {}
  double* region(std::size_t worker, std::size_t r) {
    return data_.data() + worker * per_worker_ + r * rows_;
  }

 private:
  std::size_t rows_;
  std::size_t per_worker_;
  std::vector<double> data_;
};

// Composite scratch: a region per used component for staged values and, when scoring a
// plan with a percentile-rank component, a second one for its mid-ranks.
BlockScratch CompositeScratch(const std::vector<UsedComponent>& used, bool scoring,
                              std::size_t workers, std::size_t n) {
  const bool ranks = scoring && std::any_of(used.begin(), used.end(), [](const UsedComponent& c) {
                       return c.spec.kind == NormalizerKind::kPercentileRank;
                     });
  return BlockScratch(workers, (ranks ? 2 : 1) * used.size(), n);
}

// ColumnStatistics view of a state (without the sorted values) for CheckStatisticsFor.
ColumnStatistics StatisticsOf(const ColumnState& state) {
  ColumnStatistics stats;
  stats.count = state.count;
  stats.min = state.min;
  stats.max = state.max;
  stats.mean = state.mean;
  stats.variance = state.variance();
  return stats;
}

// The kernel shape of one component's normalizer against population statistics
// (composite_value.h's kernels, spelled as offset / scale).
absl::Status ConfigureComponent(const UsedComponent& component, const ColumnState& state,
                                internal::KernelComponent& kernel) {
  kernel.weight = component.weight;
  const NormalizerSpec& spec = component.spec;
  if (spec.kind == NormalizerKind::kFixedBounds) {
    kernel.mode = TransformMode::kClamped;
    kernel.offset = spec.fixed_lower;
    kernel.scale = spec.fixed_upper - spec.fixed_lower;
    return absl::OkStatus();
  }
  if (state.count == 0) {
    // Checked per block: only an error if this batch has a value to normalize.
    kernel.mode = TransformMode::kConstant;
    return absl::OkStatus();
  }
  if (spec.kind == NormalizerKind::kPercentileRank) {
    if (!state.has_quantiles || state.quantiles.count() != state.count) {
      return absl::InvalidArgumentError(absl::StrCat(
          "composite: column ", Id(component.id), " statistics hold ",
          state.quantiles.sorted.size(), " sorted values but count is ", state.count,
          " (compute the state with this plan)"));
    }
    kernel.mode = TransformMode::kPassThrough;
    return absl::OkStatus();
  }
  CRM_RETURN_IF_ERROR(
      composite_internal::CheckStatisticsFor(spec, StatisticsOf(state), Id(component.id)));
  if (spec.kind == NormalizerKind::kMinMax) {
    if (state.max > state.min) {
      kernel.mode = TransformMode::kAffine;
      kernel.offset = state.min;
      kernel.scale = state.max - state.min;
    } else {
      kernel.mode = TransformMode::kConstant;
      kernel.constant = MinMaxNormalize(state.min, state.min, state.max);
    }
    return absl::OkStatus();
  }
  const double stddev = std::sqrt(state.variance());  // ZScore
  if (stddev > 0.0) {
    kernel.mode = TransformMode::kAffine;
    kernel.offset = state.mean;
    kernel.scale = stddev;
  } else {
    kernel.mode = TransformMode::kConstant;
    kernel.constant = ZScoreNormalize(state.mean, state.mean, stddev);
  }
  return absl::OkStatus();
}

// Percentile mid-ranks of a staged block against the population's sorted values; raw
// values are validated here since the kernel only sees the ranks.
absl::Status StagePercentileRanks(const UsedComponent& component, const ColumnState& state,
                                  const internal::SortedRankIndex& index, const double* raw,
                                  BlockRange rows, MissingPolicy policy, double* ranks) {
  // In batches whose lookups prefetch (rank_index.h): a lookup's cache misses overlap the
  // other lookups' instead of running one after another.
  constexpr std::size_t kBatch = 32;
  for (std::size_t base = 0; base < rows.size; base += kBatch) {
    const std::size_t end = std::min(rows.size, base + kBatch);
    for (std::size_t i = base; i < end; ++i) {
      const double x = raw[i];
      if (std::isinf(x) || (std::isnan(x) && policy == MissingPolicy::kReject)) {
        return BadValueError(component.id, rows.begin + i, x);
      }
      if (!std::isnan(x)) index.PrefetchBucket(x);
    }
    for (std::size_t i = base; i < end; ++i) {
      if (!std::isnan(raw[i])) index.PrefetchValues(raw[i]);
    }
    for (std::size_t i = base; i < end; ++i) {
      const double x = raw[i];
      if (std::isnan(x)) {
        ranks[i] = kNaN;
        continue;
      }
      const auto [first_equal, past_equal] = index.EqualRange(x);
      ranks[i] = PercentileMidRank(static_cast<std::int64_t>(first_equal),
                                   static_cast<std::int64_t>(past_equal - first_equal),
                                   state.count);
    }
  }
  return absl::OkStatus();
}

}  // namespace

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
// Composite value.

absl::StatusOr<CompositeState> ComputeCompositeState(const CompositePlan& plan,
                                                     const CompositeColumns& columns,
                                                     const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  const std::vector<UsedComponent> used = UsedComponents(plan, columns);
  CRM_ASSIGN_OR_RETURN(const std::size_t n, PopulationSize(used, options));
  const MissingPolicy policy = plan.missing_policy();
  const std::size_t blocks = BlockCount(n);
  const int threads = options.ResolvedThreads();
  BlockScratch scratch = CompositeScratch(used, false, WorkerCount(threads, blocks), n);

  std::vector<CompositeState> block_states(blocks);
  std::vector<absl::Status> errors(blocks);
  // Sorted runs of percentile-rank columns, one per block, merged after the pass.
  std::vector<std::vector<std::vector<double>>> runs(used.size(),
                                                     std::vector<std::vector<double>>(blocks));
  ForEachBlock(blocks, threads, [&](std::size_t worker, std::size_t block) {
    const BlockRange rows = RangeOf(block, n);
    CompositeState& state = block_states[block];
    state.rows = static_cast<std::int64_t>(rows.size);
    std::vector<const double*> staged(used.size());
    for (std::size_t k = 0; k < used.size(); ++k) {
      absl::StatusOr<const double*> x =
          StageRows(used[k], rows, options.missing_encoding,
                    scratch.region(worker, k));
      if (!x.ok()) {
        errors[block] = x.status();
        return;
      }
      staged[k] = *x;
      const BlockMoments moments = internal::ComputeBlockMoments(staged[k], rows.size);
      if (moments.any_inf || (moments.any_nan && policy == MissingPolicy::kReject)) {
        errors[block] = FirstBadRow(used, staged, rows, policy);
        if (!errors[block].ok()) return;
      }
      ColumnState& column = state.column[static_cast<std::size_t>(used[k].id)];
      column.count = moments.count;
      if (moments.count > 0) {
        column.min = moments.min;
        column.max = moments.max;
        column.mean = moments.mean;
        column.m2 = moments.m2;
      }
      if (used[k].spec.kind == NormalizerKind::kPercentileRank) {
        std::vector<double>& run = runs[k][block];
        run.reserve(static_cast<std::size_t>(moments.count));
        for (std::size_t i = 0; i < rows.size; ++i) {
          if (!std::isnan(staged[k][i])) run.push_back(staged[k][i]);
        }
        std::sort(run.begin(), run.end());
      }
    }
    if (policy == MissingPolicy::kRenormalize) {
      errors[block] = FirstBadRow(used, staged, rows, policy);
    }
  });
  CRM_RETURN_IF_ERROR(FirstError(errors));

  CompositeState population;
  for (const CompositeState& state : block_states) population.Merge(state);  // block order
  for (std::size_t k = 0; k < used.size(); ++k) {
    if (used[k].spec.kind != NormalizerKind::kPercentileRank) continue;
    ColumnState& column = population.column[static_cast<std::size_t>(used[k].id)];
    column.has_quantiles = true;
    std::vector<double>& sorted = column.quantiles.sorted;
    sorted.reserve(static_cast<std::size_t>(column.count));
    std::vector<std::size_t> bounds = {0};
    for (const std::vector<double>& run : runs[k]) {
      sorted.insert(sorted.end(), run.begin(), run.end());
      bounds.push_back(sorted.size());
    }
    MergeSortedRuns(sorted, std::move(bounds), threads);
  }
  return population;
}

absl::Status ScoreComposite(const CompositePlan& plan, const CompositeColumns& columns,
                            const CompositeState& population, absl::Span<double> out,
                            const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  const std::vector<UsedComponent> used = UsedComponents(plan, columns);
  CRM_ASSIGN_OR_RETURN(const std::size_t n, PopulationSize(used, options));
  if (out.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "composite: out has ", out.size(), " elements but the columns hold ", n, " customers"));
  }
  if (n == 0) return absl::OkStatus();
  const MissingPolicy policy = plan.missing_policy();

  KernelPlan kernel_plan;
  kernel_plan.count = used.size();
  kernel_plan.renormalize = policy == MissingPolicy::kRenormalize;
  for (std::size_t k = 0; k < used.size(); ++k) {
    CRM_RETURN_IF_ERROR(ConfigureComponent(
        used[k], population.column[static_cast<std::size_t>(used[k].id)],
        kernel_plan.component[k]));
  }

  // The population's sorted values of each percentile-rank component, indexed once.
  static const std::vector<double> kNoValues;
  std::vector<internal::SortedRankIndex> rank_index;
  rank_index.reserve(used.size());
  for (const UsedComponent& component : used) {
    const ColumnState& state = population.column[static_cast<std::size_t>(component.id)];
    const bool ranked = component.spec.kind == NormalizerKind::kPercentileRank;
    rank_index.emplace_back(ranked ? state.quantiles.sorted : kNoValues);
  }

  const std::size_t blocks = BlockCount(n);
  const int threads = options.ResolvedThreads();
  BlockScratch scratch = CompositeScratch(used, true, WorkerCount(threads, blocks), n);
  std::vector<absl::Status> errors(blocks);
  ForEachBlock(blocks, threads, [&](std::size_t worker, std::size_t block) {
    const BlockRange rows = RangeOf(block, n);
    KernelPlan block_plan = kernel_plan;
    std::vector<const double*> staged(used.size());
    for (std::size_t k = 0; k < used.size(); ++k) {
      absl::StatusOr<const double*> x =
          StageRows(used[k], rows, options.missing_encoding,
                    scratch.region(worker, k));
      if (!x.ok()) {
        errors[block] = x.status();
        return;
      }
      staged[k] = *x;
      block_plan.component[k].x = *x;
      const ColumnState& state = population.column[static_cast<std::size_t>(used[k].id)];
      if (used[k].spec.kind == NormalizerKind::kFixedBounds) continue;
      if (state.count == 0) {
        // Nothing to normalize against: fine while this block has nothing to normalize.
        for (std::size_t i = 0; i < rows.size; ++i) {
          if (!std::isnan(staged[k][i])) {
            errors[block] = composite_internal::CheckStatisticsFor(
                used[k].spec, StatisticsOf(state), Id(used[k].id));
            return;
          }
        }
      } else if (used[k].spec.kind == NormalizerKind::kPercentileRank) {
        double* ranks = scratch.region(worker, used.size() + k);
        errors[block] =
            StagePercentileRanks(used[k], state, rank_index[k], staged[k], rows, policy, ranks);
        if (!errors[block].ok()) return;
        block_plan.component[k].x = ranks;
      }
    }
    if (internal::ScoreRows(block_plan, rows.size, out.data() + rows.begin)) return;
    errors[block] = FirstBadRow(used, staged, rows, policy);
    if (!errors[block].ok()) return;
    // Against another population's statistics a newcomer can lie far outside a column's
    // min-max range or z-score spread, and (x - min) / (max - min) overflows when that range
    // is tiny (a subnormal spread): an error, never a silent Inf. (Against its own population
    // every value is in range and finite.)
    for (std::size_t i = 0; i < rows.size; ++i) {
      if (!std::isfinite(out[rows.begin + i])) {
        errors[block] = absl::OutOfRangeError(absl::StrCat(
            "composite: the value of customer ", rows.begin + i, " overflows (",
            FormatDouble(out[rows.begin + i]),
            ") against the population statistics: a value far outside a column's min-max "
            "range or z-score spread"));
        return;
      }
    }
  });
  return FirstError(errors);
}

absl::Status ScoreComposite(const CompositePlan& plan, const CompositeColumns& columns,
                            absl::Span<double> out, const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  const std::vector<UsedComponent> used = UsedComponents(plan, columns);
  CRM_ASSIGN_OR_RETURN(const std::size_t n, PopulationSize(used, options));
  if (out.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "composite: out has ", out.size(), " elements but the columns hold ", n, " customers"));
  }
  if (n == 0) return absl::OkStatus();
  CRM_ASSIGN_OR_RETURN(const CompositeState population,
                       ComputeCompositeState(plan, columns, options));
  return ScoreComposite(plan, columns, population, out, options);
}

// ---------------------------------------------------------------------------
// Order statistics: quantile states, tiers, RFM.

namespace {

// 1 when x is an infinity or a NaN (exponent bits all ones), from the bits alone: unlike
// std::isfinite in a loop, this vectorizes, and it raises no floating-point exception.
inline std::uint64_t NonFiniteBit(double x) {
  constexpr std::uint64_t kExponent = 0x7FF0000000000000ULL;
  return (std::bit_cast<std::uint64_t>(x) & kExponent) == kExponent ? 1 : 0;
}

absl::Status NonFiniteError(absl::string_view context, std::size_t index, double x) {
  return absl::InvalidArgumentError(absl::StrCat(context, ": value at index ", index,
                                                 " must be finite, got ", FormatDouble(x)));
}

// Copies `values` (negated when `negate`) into `keys`, in parallel blocks, checking that
// every value is finite (the first bad index in block order is reported).
absl::Status CopyFiniteKeys(absl::Span<const double> values, bool negate,
                            absl::string_view context, int threads, std::vector<double>& keys) {
  keys.resize(values.size());
  const std::size_t blocks = BlockCount(values.size());
  std::vector<absl::Status> errors(blocks);
  ForEachBlock(blocks, threads, [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    std::uint64_t non_finite = 0;
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      const double x = values[i];
      non_finite |= NonFiniteBit(x);
      keys[i] = negate ? -x : x;
    }
    if (non_finite == 0) return;
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      if (!std::isfinite(values[i])) {
        errors[block] = NonFiniteError(context, i, values[i]);
        return;
      }
    }
  });
  return FirstError(errors);
}

// Count of keys < v, count of keys == v, and the least key > v.
struct Neighbourhood {
  std::int64_t below = 0;
  std::int64_t equal = 0;
  double next_above = kInf;
};

// Exact selection without sorting or copying the column: doubles map to unsigned keys in
// the same order (OrderedKey), a histogram of the keys' leading bits over the column's
// key range locates each requested rank's bucket, and only the values in those buckets
// are gathered and selected (recursively, when a bucket is still large). Counts are exact
// integers, so the result does not depend on the thread count.
std::uint64_t OrderedKey(double x) {
  const double normalized = x + 0.0;  // -0.0 becomes +0.0: they compare equal
  std::uint64_t bits = 0;
  std::memcpy(&bits, &normalized, sizeof(bits));
  constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  // Negative: all bits flipped; otherwise the sign bit set. Branch-free (arithmetic shift
  // of the sign), as this runs for every value in the histogram and gathering passes.
  const auto flip = static_cast<std::uint64_t>(static_cast<std::int64_t>(bits) >> 63) | kSign;
  return bits ^ flip;
}

constexpr int kHistogramBits = 16;
constexpr std::size_t kSmallSelection = 4096;

// The range of a finite column: its least and greatest OrderedKey, and whether every
// value is a whole number.
struct KeyRange {
  std::uint64_t least = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t greatest = 0;
  bool integral = true;
};

// Validates that every value is finite (first bad index in block order) and returns its
// KeyRange.
absl::StatusOr<KeyRange> FiniteKeyRange(absl::Span<const double> values,
                                        absl::string_view context, int threads) {
  const std::size_t blocks = BlockCount(values.size());
  std::vector<absl::Status> errors(blocks);
  std::vector<KeyRange> ranges(blocks);
  ForEachBlock(blocks, threads, [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    const internal::FiniteRange range =
        internal::ComputeFiniteRange(values.data() + rows.begin, rows.size);
    if (!range.non_finite) {
      ranges[block] = {OrderedKey(range.least), OrderedKey(range.greatest), range.integral};
      return;
    }
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      if (!std::isfinite(values[i])) {
        errors[block] = NonFiniteError(context, i, values[i]);
        return;
      }
    }
  });
  CRM_RETURN_IF_ERROR(FirstError(errors));
  KeyRange range;
  for (const KeyRange& block : ranges) {
    range.least = std::min(range.least, block.least);
    range.greatest = std::max(range.greatest, block.greatest);
    range.integral = range.integral && block.integral;
  }
  return range;
}

// The inverse of OrderedKey (for +0.0's key it gives +0.0).
double ValueOfKey(std::uint64_t key) {
  constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  const std::uint64_t bits = (key & kSign) != 0 ? key ^ kSign : ~key;
  double x = 0.0;
  std::memcpy(&x, &bits, sizeof(x));
  return x;
}

// The values at ascending ranks `ranks` (each < values.size()) of finite `values` whose
// keys lie in [least, greatest].
std::vector<double> SelectRanks(absl::Span<const double> values,
                                const std::vector<std::size_t>& ranks, std::uint64_t least,
                                std::uint64_t greatest, int threads) {
  std::vector<double> selected(ranks.size());
  if (ranks.empty()) return selected;
  if (least == greatest) {  // every value is equal
    std::fill(selected.begin(), selected.end(), values[0]);
    return selected;
  }
  if (values.size() <= kSmallSelection) {
    std::vector<double> copy(values.begin(), values.end());
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(ranks[r]),
                       copy.end());
      selected[r] = copy[ranks[r]];
    }
    return selected;
  }
  const std::uint64_t span = greatest - least;
  int width = 0;
  while (width < 64 && (span >> width) != 0) ++width;
  const int shift = std::max(0, width - kHistogramBits);
  const std::size_t buckets = static_cast<std::size_t>(span >> shift) + 1;
  const auto bucket_of = [&](double x) {
    return static_cast<std::size_t>((OrderedKey(x) - least) >> shift);
  };

  // Histogram, one per worker (integer counts: the sum is exact in any order).
  const std::size_t blocks = BlockCount(values.size());
  const std::size_t workers = WorkerCount(threads, blocks);
  // size_t counters: a bucket can hold more than 2^32 values.
  std::vector<std::vector<std::size_t>> histograms(workers, std::vector<std::size_t>(buckets, 0));
  ForEachBlock(blocks, threads, [&](std::size_t worker, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    std::size_t* histogram = histograms[worker].data();
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) ++histogram[bucket_of(values[i])];
  });
  // Each rank's bucket and its rank among the bucket's values.
  std::vector<std::size_t> bucket_of_rank(ranks.size());
  std::vector<std::size_t> rank_in_bucket(ranks.size());
  std::size_t below = 0;
  std::size_t r_sorted = 0;
  std::vector<std::size_t> order(ranks.size());
  for (std::size_t r = 0; r < order.size(); ++r) order[r] = r;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ranks[a] < ranks[b]; });
  for (std::size_t b = 0; b < buckets && r_sorted < order.size(); ++b) {
    std::size_t count = 0;
    for (const auto& histogram : histograms) count += histogram[b];
    while (r_sorted < order.size() && ranks[order[r_sorted]] < below + count) {
      bucket_of_rank[order[r_sorted]] = b;
      rank_in_bucket[order[r_sorted]] = ranks[order[r_sorted]] - below;
      ++r_sorted;
    }
    below += count;
  }
  // Gather the values of the wanted buckets (per block, concatenated in block order).
  std::vector<std::size_t> wanted(bucket_of_rank);
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::vector<std::vector<std::vector<double>>> gathered(
      wanted.size(), std::vector<std::vector<double>>(blocks));
  ForEachBlock(blocks, threads, [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      const std::size_t b = bucket_of(values[i]);
      for (std::size_t w = 0; w < wanted.size(); ++w) {
        if (b == wanted[w]) gathered[w][block].push_back(values[i]);
      }
    }
  });
  for (std::size_t w = 0; w < wanted.size(); ++w) {
    std::vector<double> candidates;
    for (const std::vector<double>& part : gathered[w]) {
      candidates.insert(candidates.end(), part.begin(), part.end());
    }
    std::vector<std::size_t> sub_ranks;
    std::vector<std::size_t> sub_index;
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      if (bucket_of_rank[r] != wanted[w]) continue;
      sub_ranks.push_back(rank_in_bucket[r]);
      sub_index.push_back(r);
    }
    const std::uint64_t sub_least = least + (static_cast<std::uint64_t>(wanted[w]) << shift);
    const std::uint64_t sub_greatest =
        std::min(greatest, sub_least + ((std::uint64_t{1} << shift) - 1));
    const std::vector<double> sub =
        SelectRanks(candidates, sub_ranks, sub_least, sub_greatest, 1);
    for (std::size_t k = 0; k < sub.size(); ++k) selected[sub_index[k]] = sub[k];
  }
  return selected;
}

// What tiers and RFM thresholds need about the value at one ascending rank: the value,
// how many values are below it and equal to it, and its nearest distinct neighbours.
struct RankProbe {
  double value = 0.0;
  std::int64_t less = 0;
  std::int64_t equal = 0;
  double least_greater = kInf;
  double greatest_less = -kInf;
};

// Adds the counts and extremes of `candidates` around probe.value to `probe`.
void AccumulateAround(absl::Span<const double> candidates, RankProbe& probe) {
  const double v = probe.value;
  std::int64_t less = 0;
  std::int64_t equal = 0;
  double least_greater = kInf;
  double greatest_less = -kInf;
  for (const double c : candidates) {
    less += c < v ? 1 : 0;
    equal += c == v ? 1 : 0;
    least_greater = c > v && c < least_greater ? c : least_greater;
    greatest_less = c < v && c > greatest_less ? c : greatest_less;
  }
  probe.less += less;
  probe.equal += equal;
  probe.least_greater = std::min(probe.least_greater, least_greater);
  probe.greatest_less = std::max(probe.greatest_less, greatest_less);
}

// Per-bucket counts of a histogram pass (integer counts: the sum is exact in any order, so
// the result does not depend on the thread count). Counter is uint32_t when no worker can
// see 2^32 values, which halves the table a worker keeps in cache.
template <class Counter, class BucketOf>
std::vector<std::uint64_t> BucketCounts(absl::Span<const double> values, std::size_t buckets,
                                        const BucketOf& bucket_of, int threads) {
  const std::size_t blocks = BlockCount(values.size());
  const std::size_t workers = WorkerCount(threads, blocks);
  std::vector<std::vector<Counter>> histograms(workers, std::vector<Counter>(buckets, 0));
  ForEachBlock(blocks, threads, [&](std::size_t worker, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    Counter* histogram = histograms[worker].data();
    const double* x = values.data() + rows.begin;
    for (std::size_t i = 0; i < rows.size; ++i) ++histogram[bucket_of(x[i])];
  });
  std::vector<std::uint64_t> total(buckets, 0);
  for (const auto& histogram : histograms) {
    for (std::size_t b = 0; b < buckets; ++b) total[b] += histogram[b];
  }
  return total;
}

// Where a rank falls in a histogram: its bucket, the count of values in lower buckets,
// and the nearest non-empty buckets below and above (kNoBucket when there is none).
constexpr std::size_t kNoBucket = std::numeric_limits<std::size_t>::max();
struct RankBucket {
  std::size_t bucket = 0, below = 0, previous = kNoBucket, next = kNoBucket;
};

// The RankBucket of each rank (< the total count) given the per-bucket counts.
std::vector<RankBucket> LocateRanks(const std::vector<std::uint64_t>& counts,
                                    const std::vector<std::size_t>& ranks) {
  const std::size_t buckets = counts.size();
  std::vector<std::uint64_t> cumulative(buckets + 1, 0);
  for (std::size_t b = 0; b < buckets; ++b) cumulative[b + 1] = cumulative[b] + counts[b];
  std::vector<RankBucket> where(ranks.size());
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    // The first bucket whose cumulative count passes the rank: never empty.
    const auto it = std::upper_bound(cumulative.begin() + 1, cumulative.end(),
                                     static_cast<std::uint64_t>(ranks[r]));
    RankBucket& w = where[r];
    w.bucket = static_cast<std::size_t>(it - cumulative.begin()) - 1;
    w.below = static_cast<std::size_t>(cumulative[w.bucket]);
    for (std::size_t b = w.bucket; b-- > 0;) {
      if (counts[b] != 0) {
        w.previous = b;
        break;
      }
    }
    for (std::size_t b = w.bucket + 1; b < buckets; ++b) {
      if (counts[b] != 0) {
        w.next = b;
        break;
      }
    }
  }
  return where;
}

// Columns of whole numbers whose range is narrower than this (recency in days, purchase
// counts) are probed by one exact histogram of their values.
constexpr double kWholeNumberBuckets = 1 << kHistogramBits;

// ProbeRanks for whole-number values in [least, least + buckets): one histogram with a
// bucket per value answers everything (the value at a rank, the counts below and equal,
// the nearest present values either side), so no value is gathered. x - least is exact
// (a whole number below 2^16), and so is least + b for a non-empty bucket b (a value of
// the column). A zero comes back as +0.0 even when the column holds -0.0 (they compare
// equal, so tiers and scores are the same).
std::vector<RankProbe> ProbeWholeNumbers(absl::Span<const double> values,
                                         const std::vector<std::size_t>& ranks, double least,
                                         std::size_t buckets, int threads) {
  const auto bucket_of = [least](double x) { return static_cast<std::size_t>(x - least); };
  const std::vector<std::uint64_t> counts =
      values.size() < (std::uint64_t{1} << 32)
          ? BucketCounts<std::uint32_t>(values, buckets, bucket_of, threads)
          : BucketCounts<std::uint64_t>(values, buckets, bucket_of, threads);
  const std::vector<RankBucket> where = LocateRanks(counts, ranks);
  std::vector<RankProbe> probes(ranks.size());
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const RankBucket& w = where[r];
    RankProbe& probe = probes[r];
    probe.value = least + static_cast<double>(w.bucket);
    probe.less = static_cast<std::int64_t>(w.below);
    probe.equal = static_cast<std::int64_t>(counts[w.bucket]);
    if (w.previous != kNoBucket) probe.greatest_less = least + static_cast<double>(w.previous);
    if (w.next != kNoBucket) probe.least_greater = least + static_cast<double>(w.next);
  }
  return probes;
}

// The probes of ascending ranks `ranks` (each < values.size()) of finite `values` whose keys
// lie in range.least .. range.greatest, in two passes and without copying the column: a
// histogram of the keys' leading bits locates each rank's bucket; one more pass gathers the
// values of those buckets (selected exactly, recursively when still large) and the extremes
// of the nearest non-empty buckets on either side, which hold the rank's distinct
// neighbours when its own bucket does not. Whole numbers of a narrow range need only the
// histogram (ProbeWholeNumbers).
std::vector<RankProbe> ProbeRanks(absl::Span<const double> values,
                                  const std::vector<std::size_t>& ranks, const KeyRange& range,
                                  int threads) {
  const std::uint64_t least = range.least;
  const std::uint64_t greatest = range.greatest;
  std::vector<RankProbe> probes(ranks.size());
  if (ranks.empty()) return probes;
  if (least == greatest) {  // every value is equal
    for (RankProbe& probe : probes) {
      probe.value = values[0];
      probe.equal = static_cast<std::int64_t>(values.size());
    }
    return probes;
  }
  if (values.size() <= kSmallSelection) {
    const std::vector<double> selected = SelectRanks(values, ranks, least, greatest, 1);
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      probes[r].value = selected[r];
      AccumulateAround(values, probes[r]);
    }
    return probes;
  }
  if (range.integral) {
    const double least_value = ValueOfKey(least);
    const double width = ValueOfKey(greatest) - least_value;  // exact when below 2^53
    if (width < kWholeNumberBuckets) {
      return ProbeWholeNumbers(values, ranks, least_value, static_cast<std::size_t>(width) + 1,
                               threads);
    }
  }
  const std::uint64_t span = greatest - least;
  int width = 0;
  while (width < 64 && (span >> width) != 0) ++width;
  const int shift = std::max(0, width - kHistogramBits);
  const std::size_t buckets = static_cast<std::size_t>(span >> shift) + 1;
  const auto bucket_of = [least, shift](double x) {
    return static_cast<std::size_t>((OrderedKey(x) - least) >> shift);
  };
  const std::vector<std::uint64_t> counts =
      values.size() < (std::uint64_t{1} << 32)
          ? BucketCounts<std::uint32_t>(values, buckets, bucket_of, threads)
          : BucketCounts<std::uint64_t>(values, buckets, bucket_of, threads);

  // Each rank's bucket, the values below it, and its non-empty neighbour buckets.
  const std::vector<RankBucket> where = LocateRanks(counts, ranks);
  // Slots: the rank buckets (gathered) first, then the neighbour buckets (extremes only).
  std::vector<std::int16_t> slot_of(buckets, -1);
  std::vector<std::size_t> slot_bucket;
  const auto add_slot = [&](std::size_t b) {
    if (b != kNoBucket && slot_of[b] < 0) {
      slot_of[b] = static_cast<std::int16_t>(slot_bucket.size());
      slot_bucket.push_back(b);
    }
  };
  for (const RankBucket& w : where) add_slot(w.bucket);
  const std::size_t gathered_slots = slot_bucket.size();
  for (const RankBucket& w : where) {
    add_slot(w.previous);
    add_slot(w.next);
  }
  const std::size_t slots = slot_bucket.size();
  // One bit per bucket (8 KiB at most, cache-resident) screens out the values of buckets
  // without a slot before the larger slot table is read.
  std::vector<std::uint64_t> has_slot((buckets + 63) / 64, 0);
  for (const std::size_t b : slot_bucket) has_slot[b / 64] |= std::uint64_t{1} << (b % 64);

  // The gathering pass: per block, so the gathered order (block order) and hence every
  // result is independent of the thread count.
  const std::size_t blocks = BlockCount(values.size());
  struct BlockGather {
    std::vector<std::vector<double>> values;
    std::vector<double> min, max;
  };
  std::vector<BlockGather> gathered(blocks);
  ForEachBlock(blocks, threads, [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    BlockGather& out = gathered[block];
    out.values.resize(gathered_slots);
    out.min.assign(slots, kInf);
    out.max.assign(slots, -kInf);
    const double* x = values.data() + rows.begin;
    for (std::size_t i = 0; i < rows.size; ++i) {
      const std::size_t b = bucket_of(x[i]);
      if ((has_slot[b / 64] >> (b % 64) & 1) == 0) continue;
      const int slot = slot_of[b];
      const auto s = static_cast<std::size_t>(slot);
      out.min[s] = std::min(out.min[s], x[i]);
      out.max[s] = std::max(out.max[s], x[i]);
      if (s < gathered_slots) out.values[s].push_back(x[i]);
    }
  });
  std::vector<double> slot_min(slots, kInf), slot_max(slots, -kInf);
  std::vector<std::vector<double>> candidates(gathered_slots);
  for (std::size_t s = 0; s < slots; ++s) {
    for (const BlockGather& block : gathered) {
      slot_min[s] = std::min(slot_min[s], block.min[s]);
      slot_max[s] = std::max(slot_max[s], block.max[s]);
      if (s < gathered_slots) {
        candidates[s].insert(candidates[s].end(), block.values[s].begin(), block.values[s].end());
      }
    }
  }
  gathered.clear();
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const RankBucket& w = where[r];
    const auto slot = static_cast<std::size_t>(slot_of[w.bucket]);
    const std::vector<double>& in_bucket = candidates[slot];
    // The bucket's actual key range: a bucket holding one distinct value (the common case
    // for integer columns such as frequency) needs no further selection.
    const std::uint64_t sub_least = OrderedKey(slot_min[slot]);
    const std::uint64_t sub_greatest = OrderedKey(slot_max[slot]);
    RankProbe& probe = probes[r];
    probe.value = SelectRanks(in_bucket, {ranks[r] - w.below}, sub_least, sub_greatest, 1)[0];
    probe.less = static_cast<std::int64_t>(w.below);
    AccumulateAround(in_bucket, probe);
    if (probe.least_greater == kInf && w.next != kNoBucket) {
      probe.least_greater = slot_min[static_cast<std::size_t>(slot_of[w.next])];
    }
    if (probe.greatest_less == -kInf && w.previous != kNoBucket) {
      probe.greatest_less = slot_max[static_cast<std::size_t>(slot_of[w.previous])];
    }
  }
  return probes;
}

// The least key whose RFM score is >= k + 1, given the candidate (the key at ascending
// rank floor(k·N/5), below which every key scores <= k) and its neighbourhood.
double RfmThreshold(int k, std::int64_t n, double candidate, const Neighbourhood& around) {
  const int score =
      rfm_score_internal::QuintileOf(PercentileMidRank(around.below, around.equal, n));
  return score >= k + 1 ? candidate : around.next_above;
}

// Scores against thresholds, or assigns tiers against cut-offs: a parallel pass that counts
// how many of `levels` each key reaches.
// Scores against thresholds, or assigns tiers against cut-offs: a parallel pass that counts
// how many of `levels` each key reaches (key = value, or -value when `negate`), writing
// base + step * count (the SIMD kernel of order_kernels.h). Out is std::int8_t (RFM
// scores) or ValueTier (int-sized: written through an int32 block scratch and memcpy,
// which keeps the enum's objects accessed as themselves).
template <class Out, std::size_t kLevels>
absl::Status CountReachedLevels(absl::Span<const double> values, bool negate,
                                const std::array<double, kLevels>& levels, int base, int step,
                                absl::string_view context, const EngineOptions& options,
                                Out* out) {
  static_assert(kLevels <= 4);
  static_assert(sizeof(Out) == 1 || sizeof(Out) == sizeof(std::int32_t));
  const std::size_t blocks = BlockCount(values.size());
  const int threads = options.ResolvedThreads();
  std::vector<absl::Status> errors(blocks);
  std::vector<std::vector<std::int32_t>> scratch(
      sizeof(Out) == 1 ? 0 : WorkerCount(threads, blocks));
  ForEachBlock(blocks, threads, [&](std::size_t worker, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    const double* x = values.data() + rows.begin;
    bool non_finite = false;
    if constexpr (sizeof(Out) == 1) {
      non_finite = internal::CountReachedLevels(x, rows.size, negate, levels.data(), kLevels,
                                                base, step,
                                                reinterpret_cast<std::int8_t*>(out + rows.begin));
    } else {
      std::vector<std::int32_t>& block_out = scratch[worker];
      block_out.resize(rows.size);
      non_finite = internal::CountReachedLevels(x, rows.size, negate, levels.data(), kLevels,
                                                base, step, block_out.data());
      std::memcpy(out + rows.begin, block_out.data(), rows.size * sizeof(Out));
    }
    if (!non_finite) return;
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      if (!std::isfinite(values[i])) {
        errors[block] = NonFiniteError(context, i, values[i]);
        return;
      }
    }
  });
  return FirstError(errors);
}

}  // namespace

absl::StatusOr<QuantileState> ComputeQuantileState(absl::Span<const double> values,
                                                   const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  const int threads = options.ResolvedThreads();
  QuantileState state;
  CRM_RETURN_IF_ERROR(CopyFiniteKeys(values, false, "quantile state", threads, state.sorted));
  const std::size_t blocks = BlockCount(values.size());
  ForEachBlock(blocks, threads, [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    const auto first = state.sorted.begin() + static_cast<std::ptrdiff_t>(rows.begin);
    std::sort(first, first + static_cast<std::ptrdiff_t>(rows.size));
  });
  std::vector<std::size_t> bounds;
  for (std::size_t block = 0; block < blocks; ++block) bounds.push_back(block * kEngineBlockRows);
  bounds.push_back(values.size());
  MergeSortedRuns(state.sorted, std::move(bounds), threads);
  return state;
}

absl::StatusOr<TierCutoffs> TierCutoffsFrom(const QuantileState& population,
                                            const PyramidFractions& fractions) {
  CRM_RETURN_IF_ERROR(fractions.Validate());
  TierCutoffs cutoffs;
  cutoffs.population = population.count();
  cutoffs.seats = PyramidCutoffCounts(cutoffs.population, fractions);
  for (std::size_t t = 0; t < cutoffs.seats.size(); ++t) {
    // The value in the tier's last seat: rank seats − 1 descending = N − seats ascending.
    cutoffs.value[t] = cutoffs.seats[t] == 0
                           ? kInf
                           : population.sorted[static_cast<std::size_t>(cutoffs.population -
                                                                        cutoffs.seats[t])];
  }
  return cutoffs;
}

absl::StatusOr<TierCutoffs> ComputeTierCutoffs(absl::Span<const double> values,
                                               const PyramidFractions& fractions,
                                               const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_RETURN_IF_ERROR(fractions.Validate());
  const int threads = options.ResolvedThreads();
  CRM_ASSIGN_OR_RETURN(const auto range, FiniteKeyRange(values, "pyramid", threads));
  TierCutoffs cutoffs;
  cutoffs.population = static_cast<std::int64_t>(values.size());
  cutoffs.seats = PyramidCutoffCounts(cutoffs.population, fractions);
  // The value in a tier's last seat: rank seats − 1 descending = N − seats ascending.
  std::vector<std::size_t> ranks;
  for (const std::int64_t seats : cutoffs.seats) {
    if (seats > 0) ranks.push_back(static_cast<std::size_t>(cutoffs.population - seats));
  }
  const std::vector<RankProbe> selected =
      ProbeRanks(values, ranks, range, threads);
  std::size_t next = 0;
  for (std::size_t t = 0; t < cutoffs.seats.size(); ++t) {
    cutoffs.value[t] = cutoffs.seats[t] > 0 ? selected[next++].value : kInf;
  }
  return cutoffs;
}

absl::Status AssignTiers(absl::Span<const double> values, const TierCutoffs& cutoffs,
                         absl::Span<ValueTier> out, const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  if (out.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("pyramid: out has ", out.size(),
                                                   " elements but value has ", values.size()));
  }
  // Cut-offs never increase from VIP to ordinary, so reaching k of them means reaching the
  // k least valuable ones: the tier is kSmall − k.
  static_assert(sizeof(ValueTier) == sizeof(std::int32_t));
  return CountReachedLevels(values, false, cutoffs.value, static_cast<int>(ValueTier::kSmall), -1,
                            "pyramid", options, out.data());
}

absl::Status AssignPyramidTiers(absl::Span<const double> values, absl::Span<ValueTier> out,
                              const PyramidFractions& fractions, const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_RETURN_IF_ERROR(fractions.Validate());
  if (out.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("pyramid: out has ", out.size(),
                                                   " elements but value has ", values.size()));
  }
  CRM_ASSIGN_OR_RETURN(const TierCutoffs cutoffs, ComputeTierCutoffs(values, fractions, options));
  return AssignTiers(values, cutoffs, out, options);
}

absl::StatusOr<RfmThresholds> RfmThresholdsFrom(const QuantileState& population,
                                                RfmDirection direction) {
  if (direction != RfmDirection::kHigherIsBetter && direction != RfmDirection::kLowerIsBetter) {
    return absl::InvalidArgumentError(
        absl::StrCat("rfm score: unknown direction ", static_cast<int>(direction)));
  }
  const std::vector<double>& sorted = population.sorted;
  const std::int64_t n = population.count();
  if (n == 0) {
    return absl::InvalidArgumentError("rfm score: the population has no values");
  }
  const bool lower_is_better = direction == RfmDirection::kLowerIsBetter;
  RfmThresholds thresholds;
  thresholds.direction = direction;
  for (int k = 1; k < kRfmScoreClasses; ++k) {
    const auto rank = static_cast<std::size_t>(k * n / kRfmScoreClasses);
    // The key at ascending key rank `rank`: keys are values, or negated values in reverse.
    const double value = lower_is_better ? sorted[sorted.size() - 1 - rank] : sorted[rank];
    const auto [first_equal, past_equal] = std::equal_range(sorted.begin(), sorted.end(), value);
    Neighbourhood around;
    around.equal = past_equal - first_equal;
    if (lower_is_better) {
      around.below = sorted.end() - past_equal;
      around.next_above = first_equal == sorted.begin() ? kInf : -*(first_equal - 1);
    } else {
      around.below = first_equal - sorted.begin();
      around.next_above = past_equal == sorted.end() ? kInf : *past_equal;
    }
    thresholds.threshold[static_cast<std::size_t>(k - 1)] =
        RfmThreshold(k, n, lower_is_better ? -value : value, around);
  }
  return thresholds;
}

absl::Status ScoreRfm(absl::Span<const double> values, const RfmThresholds& thresholds,
                      absl::Span<std::int8_t> out_scores, const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  if (out_scores.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("rfm score: out_scores has ", out_scores.size(),
                                                   " elements but values has ", values.size()));
  }
  return CountReachedLevels(values, thresholds.direction == RfmDirection::kLowerIsBetter,
                            thresholds.threshold, 1, 1, "rfm score", options, out_scores.data());
}

absl::Status ScoreRfmQuintiles(absl::Span<const double> values, RfmDirection direction,
                               absl::Span<std::int8_t> out_scores, const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  if (out_scores.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("rfm score: out_scores has ", out_scores.size(),
                                                   " elements but values has ", values.size()));
  }
  if (direction != RfmDirection::kHigherIsBetter && direction != RfmDirection::kLowerIsBetter) {
    return absl::InvalidArgumentError(
        absl::StrCat("rfm score: unknown direction ", static_cast<int>(direction)));
  }
  if (values.empty()) return absl::OkStatus();
  const int threads = options.ResolvedThreads();
  const bool lower_is_better = direction == RfmDirection::kLowerIsBetter;
  CRM_ASSIGN_OR_RETURN(const auto range, FiniteKeyRange(values, "rfm score", threads));
  const auto n = static_cast<std::int64_t>(values.size());
  // Key rank j (key = −value when lower is better) is value rank N − 1 − j.
  std::vector<std::size_t> ranks;
  for (int k = 1; k < kRfmScoreClasses; ++k) {
    const auto key_rank = static_cast<std::size_t>(k * n / kRfmScoreClasses);
    ranks.push_back(lower_is_better ? values.size() - 1 - key_rank : key_rank);
  }
  const std::vector<RankProbe> around =
      ProbeRanks(values, ranks, range, threads);
  RfmThresholds thresholds;
  thresholds.direction = direction;
  for (std::size_t k = 0; k < around.size(); ++k) {
    Neighbourhood key_around;
    key_around.equal = around[k].equal;
    if (lower_is_better) {
      key_around.below = n - around[k].less - around[k].equal;
      key_around.next_above = -around[k].greatest_less;
    } else {
      key_around.below = around[k].less;
      key_around.next_above = around[k].least_greater;
    }
    thresholds.threshold[k] = RfmThreshold(static_cast<int>(k) + 1, n,
                                           lower_is_better ? -around[k].value : around[k].value,
                                           key_around);
  }
  return ScoreRfm(values, thresholds, out_scores, options);
}

// ---------------------------------------------------------------------------
// Satisfaction ratio.

absl::Status SatisfactionRatios(absl::Span<const double> perceived_value_b,
                                absl::Span<const double> expectation_a, absl::Span<double> out_c,
                                const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  if (expectation_a.size() != perceived_value_b.size() ||
      out_c.size() != perceived_value_b.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "satisfaction: perceived value B has ", perceived_value_b.size(),
        " elements, expectation A has ", expectation_a.size(), ", out_c has ", out_c.size()));
  }
  const std::size_t n = perceived_value_b.size();
  const std::size_t blocks = BlockCount(n);
  std::vector<absl::Status> errors(blocks);
  ForEachBlock(blocks, options.ResolvedThreads(), [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, n);
    bool all_good = true;
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      const double b = perceived_value_b[i];
      const double a = expectation_a[i];
      const double c = b / a;
      // Same tests as SatisfactionRatio(): B finite, A finite and > 0, C finite.
      all_good = all_good && std::isfinite(b) && std::isfinite(a) && a > 0.0 && std::isfinite(c);
      out_c[i] = c;
    }
    if (all_good) return;
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      const absl::StatusOr<double> c = SatisfactionRatio(perceived_value_b[i], expectation_a[i]);
      if (!c.ok()) {
        errors[block] = absl::Status(
            c.status().code(),
            absl::StrCat("satisfaction ratio at index ", i, ": ", c.status().message()));
        return;
      }
    }
  });
  return FirstError(errors);
}

// ---------------------------------------------------------------------------
// Satisfaction index.

absl::StatusOr<SatisfactionIndexPlan> SatisfactionIndexPlan::Create(
    const Scales& scales, const SatisfactionIndexWeights& weights, MissingPolicy missing) {
  const absl::string_view context = satisfaction_internal::kIndexSpec.context;
  // The reference's weights: the same ScaledWeights() call, so the same doubles.
  CRM_ASSIGN_OR_RETURN(const WeightsFor<SatisfactionIndicator> scaled,
                       ScaledWeights<SatisfactionIndicator>(weights.weights, context));
  for (const SatisfactionIndicator indicator : AllValues<SatisfactionIndicator>()) {
    const IndicatorScale& scale = scales[static_cast<std::size_t>(indicator)];
    // IndicatorScore() checks the scale first, and a reading at min is in range on a valid
    // scale: its status is exactly the reference's verdict (and message) on the scale.
    CRM_RETURN_IF_ERROR(IndicatorScore(indicator, {scale.min, scale.min, scale.max}).status());
  }
  if (missing != MissingPolicy::kReject && missing != MissingPolicy::kRenormalize) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": unknown missing policy ", static_cast<int>(missing)));
  }
  double weight_sum = 0.0;
  for (const double w : scaled) weight_sum += w;  // indicator order, as the reference adds
  return SatisfactionIndexPlan(scales, scaled, weight_sum, missing);
}

namespace {

// One indicator as the kernel's affine normalizer (x − offset) / scale, and whether its
// column is halved first.
//
// Why the kernel's operations are the reference's (MinMaxIndicatorScore, indicator_index.h):
//  - direct indicator: offset = min, scale = max − min: the kernel computes
//    (value − min) / (max − min), the reference's expression, operation for operation.
//  - inverse indicator: offset = max, scale = −(max − min): the kernel computes
//    (value − max) / −(max − min) where the reference computes (max − value) / (max − min).
//    Negation is exact and round-to-nearest is symmetric, so fl(value − max) =
//    −fl(max − value) whenever the difference is not zero, and fl(−a / −w) = fl(a / w):
//    the scores are the same double. When value == max both differences are +0, and the
//    kernel's score is −0 where the reference's is +0; the term weight · score is then −0
//    against +0, and it is added to a running sum that is never −0 (the sum starts at +0,
//    and a rounded sum is −0 only when both addends are −0), so s + (−0) = s + (+0) = s and
//    every partial sum, hence the index, is the same double.
//  - a scale whose width max − min overflows: the reference scores
//    (value/2 − min/2) / (max/2 − min/2) (inverse: (max/2 − value/2) / ...). The engine
//    stages value / 2 (the same division) and uses offset = min/2 (inverse: max/2) and
//    scale = ±(max/2 − min/2): the same argument as above.
// The terms are then multiplied by the scaled weight and added in indicator order, starting
// from +0, as the reference does (no FMA: kernels.cc); an indicator of weight 0 is left out
// of the kernel, since its term ±0 leaves a sum that is never −0 unchanged (its readings are
// still validated). Finally out = sum / weight_sum, the reference's last operation.
struct IndicatorKernelShape {
  bool halve = false;
  double offset = 0.0;
  double scale = 1.0;
};

IndicatorKernelShape ShapeOf(SatisfactionIndicator indicator, const IndicatorScale& s) {
  const bool inverse = IsInverseIndicator(indicator);
  IndicatorKernelShape shape;
  const double width = s.max - s.min;
  if (std::isfinite(width)) {
    shape.offset = inverse ? s.max : s.min;
    shape.scale = inverse ? -width : width;
  } else {
    const double half_width = s.max / 2 - s.min / 2;
    shape.halve = true;
    shape.offset = inverse ? s.max / 2 : s.min / 2;
    shape.scale = inverse ? -half_width : half_width;
  }
  return shape;
}

// Rows of one indicator column as doubles, with every missing slot NaN: the column itself
// for a float64 column without a bitmap (zero copy), else converted into `scratch`.
const double* StageIndicator(const ColumnView& view, BlockRange rows, double* scratch) {
  if (!view.has_validity()) return ConvertRows(view, rows, scratch);
  for (std::size_t i = 0; i < rows.size; ++i) {
    const std::size_t row = rows.begin + i;
    scratch[i] = view.IsValid(row) ? view.ValueAt(row) : kNaN;
  }
  return scratch;
}

// Whether every x[i] lies in [min, max] (false for a NaN, and for an infinity since the
// scale is finite): the reference's tests on a reading, at once for a block.
bool AllWithin(const double* x, std::size_t n, double min, double max) {
  unsigned all = 1;
  for (std::size_t i = 0; i < n; ++i) {
    all &= static_cast<unsigned>(x[i] >= min) & static_cast<unsigned>(x[i] <= max);
  }
  return all != 0;
}

// One customer by the reference's own operations (SatisfactionIndex() over the present
// indicators), reading the columns directly: the path of blocks that hold a missing or an
// invalid reading. Errors carry no row; the caller prefixes it.
absl::StatusOr<double> ScoreCustomer(const SatisfactionIndexPlan& plan,
                                     const SatisfactionIndicatorColumns& columns,
                                     std::size_t row, MissingEncoding encoding) {
  const absl::string_view context = satisfaction_internal::kIndexSpec.context;
  double weighted_scores = 0.0;
  double weight_sum = 0.0;
  for (const SatisfactionIndicator indicator : AllValues<SatisfactionIndicator>()) {
    const ColumnView& view = columns.column[static_cast<std::size_t>(indicator)];
    const double x = view.ValueAt(row);
    const bool missing = encoding == MissingEncoding::kNaN ? std::isnan(x) : !view.IsValid(row);
    if (missing) {
      if (plan.missing_policy() == MissingPolicy::kReject) {
        return absl::InvalidArgumentError(absl::StrCat(
            context, ": reading of ", Id(indicator), " is missing (",
            encoding == MissingEncoding::kNaN ? "NaN" : "validity bitmap",
            ") and the missing policy is reject"));
      }
      continue;
    }
    const IndicatorScale& scale = plan.scale(indicator);
    CRM_ASSIGN_OR_RETURN(const double score,
                         IndicatorScore(indicator, {x, scale.min, scale.max}));
    weighted_scores += plan.scaled_weight(indicator) * score;
    weight_sum += plan.scaled_weight(indicator);
  }
  if (!(weight_sum > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": every indicator of positive weight is missing, so there is no index"));
  }
  return weighted_scores / weight_sum;
}

}  // namespace

absl::Status ScoreSatisfactionIndex(const SatisfactionIndexPlan& plan,
                                    const SatisfactionIndicatorColumns& columns,
                                    absl::Span<double> out, const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  const absl::string_view context = satisfaction_internal::kIndexSpec.context;
  constexpr auto kFirst = static_cast<SatisfactionIndicator>(0);
  const std::size_t n = columns.column[0].size();
  for (const SatisfactionIndicator indicator : AllValues<SatisfactionIndicator>()) {
    const ColumnView& view = columns.column[static_cast<std::size_t>(indicator)];
    if (view.size() != n) {
      return absl::InvalidArgumentError(absl::StrCat(context, ": column ", Id(indicator), " has ",
                                                     view.size(), " values but column ",
                                                     Id(kFirst), " has ", n));
    }
    if (!view.has_validity()) continue;
    if (options.missing_encoding == MissingEncoding::kNaN) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": column ", Id(indicator),
                       " has a validity bitmap but the missing encoding is NaN"));
    }
    const std::size_t needed = (n + 7) / 8;
    if (view.validity().size() < needed) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": column ", Id(indicator), " validity bitmap has ",
                       view.validity().size(), " bytes but ", n, " customers need ", needed));
    }
  }
  if (out.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": out has ", out.size(), " elements but the columns hold ", n, " customers"));
  }
  if (n == 0) return absl::OkStatus();

  std::array<IndicatorKernelShape, kSatisfactionIndicatorCount> shapes;
  bool any_halved = false;
  for (const SatisfactionIndicator indicator : AllValues<SatisfactionIndicator>()) {
    const auto k = static_cast<std::size_t>(indicator);
    shapes[k] = ShapeOf(indicator, plan.scale(indicator));
    any_halved = any_halved || shapes[k].halve;
  }
  const std::size_t blocks = BlockCount(n);
  const int threads = options.ResolvedThreads();
  // A region per indicator for staged readings, and one more for halved ones.
  BlockScratch scratch(WorkerCount(threads, blocks),
                       (any_halved ? 2 : 1) * kSatisfactionIndicatorCount, n);
  const double weight_sum = plan.weight_sum();
  std::vector<absl::Status> errors(blocks);
  ForEachBlock(blocks, threads, [&](std::size_t worker, std::size_t block) {
    const BlockRange rows = RangeOf(block, n);
    double* const o = out.data() + rows.begin;
    KernelPlan kernel_plan;
    bool fast = true;
    for (const SatisfactionIndicator indicator : AllValues<SatisfactionIndicator>()) {
      const auto k = static_cast<std::size_t>(indicator);
      const double* x =
          StageIndicator(columns.column[k], rows, scratch.region(worker, k));
      const IndicatorScale& scale = plan.scale(indicator);
      if (!AllWithin(x, rows.size, scale.min, scale.max)) {
        fast = false;
        break;
      }
      const double weight = plan.scaled_weight(indicator);
      if (weight == 0.0) continue;
      if (shapes[k].halve) {
        double* const half = scratch.region(worker, kSatisfactionIndicatorCount + k);
        for (std::size_t i = 0; i < rows.size; ++i) half[i] = x[i] / 2;
        x = half;
      }
      internal::KernelComponent& component = kernel_plan.component[kernel_plan.count++];
      component.x = x;
      component.mode = TransformMode::kAffine;
      component.offset = shapes[k].offset;
      component.scale = shapes[k].scale;
      component.weight = weight;
    }
    if (fast) {
      // Every reading is finite and in its scale, so the kernel sees no bad value. The
      // kernel also divides by weight_sum (the same division, while the row is in cache).
      kernel_plan.has_final_divisor = true;
      kernel_plan.final_divisor = weight_sum;
      internal::ScoreRows(kernel_plan, rows.size, o);
      return;
    }
    for (std::size_t i = 0; i < rows.size; ++i) {
      const absl::StatusOr<double> index =
          ScoreCustomer(plan, columns, rows.begin + i, options.missing_encoding);
      if (!index.ok()) {
        errors[block] = absl::Status(index.status().code(),
                                     absl::StrCat(context, " at index ", rows.begin + i, ": ",
                                                  index.status().message()));
        return;
      }
      o[i] = *index;
    }
  });
  return FirstError(errors);
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
  const std::vector<UsedComponent> used = UsedComponents(plan, columns);
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

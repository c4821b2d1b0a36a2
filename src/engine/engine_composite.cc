// The composite value (include/crmcore/engine.h, DOMAIN.md §5): the statistics pass
// (ComputeCompositeState: moments per block, sorted runs for percentile ranks, validation)
// and the scoring pass (ScoreComposite: staging, normalizer shapes, the weighted-sum kernel
// of kernels.cc), in fixed blocks.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crmcore/composite_value.h"
#include "crmcore/engine.h"
#include "crmcore/status.h"
#include "engine/engine_internal.h"
#include "engine/kernels.h"
#include "engine/parallel.h"
#include "engine/rank_index.h"

namespace crmcore {
namespace engine {

std::vector<internal::UsedComponent> internal::UsedComponents(const CompositePlan& plan,
                                                              const CompositeColumns& columns) {
  std::vector<UsedComponent> used;
  for (const CompositeComponent c : AllValues<CompositeComponent>()) {
    if (!plan.uses(c)) continue;
    used.push_back({c, &columns.column[static_cast<std::size_t>(c)], plan.normalizer(c),
                    plan.weight(c)});
  }
  return used;
}

namespace {

using internal::BlockCount;
using internal::BlockMoments;
using internal::BlockRange;
using internal::BlockScratch;
using internal::ConvertRows;
using internal::FirstError;
using internal::ForEachBlock;
using internal::KernelPlan;
using internal::kNaN;
using internal::RangeOf;
using internal::TransformMode;
using internal::UsedComponent;
using internal::UsedComponents;
using internal::WorkerCount;

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
      }
    }
    if (policy == MissingPolicy::kRenormalize) {
      errors[block] = FirstBadRow(used, staged, rows, policy);
    }
  });
  CRM_RETURN_IF_ERROR(FirstError(errors));

  CompositeState population;
  for (const CompositeState& state : block_states) population.Merge(state);  // block order
  // Each percentile-rank column's values, gathered from the blocks and radix sorted, the
  // columns side by side on the call's threads.
  std::vector<std::size_t> ranked;
  for (std::size_t k = 0; k < used.size(); ++k) {
    if (used[k].spec.kind != NormalizerKind::kPercentileRank) continue;
    ranked.push_back(k);
    ColumnState& column = population.column[static_cast<std::size_t>(used[k].id)];
    column.has_quantiles = true;
    std::vector<double>& values = column.quantiles.sorted;
    values.reserve(static_cast<std::size_t>(column.count));
    for (std::vector<double>& run : runs[k]) {
      values.insert(values.end(), run.begin(), run.end());
      std::vector<double>().swap(run);
    }
  }
  ForEachBlock(ranked.size(), threads, [&](std::size_t, std::size_t j) {
    internal::RadixSortDoubles(
        population.column[static_cast<std::size_t>(used[ranked[j]].id)].quantiles.sorted);
  });
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

}  // namespace engine
}  // namespace crmcore

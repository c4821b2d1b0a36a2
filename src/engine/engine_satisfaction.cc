// The satisfaction stages of the engine (include/crmcore/engine.h, DOMAIN.md §3): the
// satisfaction ratio C = B / A column-wise, and the customer satisfaction index (CSI), each
// indicator an affine normalizer of the weighted-sum kernel of kernels.cc, with the scalar
// reference's path for blocks holding a missing or invalid reading.
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crmcore/engine.h"
#include "crmcore/satisfaction.h"
#include "crmcore/status.h"
#include "engine/engine_internal.h"
#include "engine/kernels.h"
#include "engine/parallel.h"

namespace crmcore {
namespace engine {
namespace {

using internal::BlockCount;
using internal::BlockRange;
using internal::BlockScratch;
using internal::ConvertRows;
using internal::FirstError;
using internal::ForEachBlock;
using internal::KernelPlan;
using internal::kNaN;
using internal::RangeOf;
using internal::TransformMode;
using internal::WorkerCount;

}  // namespace

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

}  // namespace engine
}  // namespace crmcore

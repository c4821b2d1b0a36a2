// Composite customer value (docs/domain.md §5, 客户综合价值模型) — the plan and the scalar
// reference scorer.
//
//   value = w1·current contribution 当前贡献度 + w2·future contribution 未来贡献度
//         + w3·credit 信用度 + w4·loyalty 忠诚度 + w5·growth potential 成长潜力
//
// Each component column is first normalized over the population being scored, with the
// normalizer chosen per component; the weights are normalized to sum to 1.
//
// ScoreCompositeReference() is the REFERENCE: it is written for clarity, not speed, and
// any faster engine (SIMD, batched, partial-state) must agree with it. To make agreement
// checkable, every normalizer below is spelled out as the exact sequence of double
// operations it performs (the *Normalize kernels), and the accumulation order of the
// weighted sum is fixed (component order, see ScoreCompositeReference()).
#ifndef CRMCORE_COMPOSITE_VALUE_H_
#define CRMCORE_COMPOSITE_VALUE_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"
#include "crmcore/weights.h"

namespace crmcore {

/// Number of composite value components (§5: five).
inline constexpr std::size_t kCompositeComponentCount = TaxonomySize<CompositeComponent>();

namespace composite_internal {

constexpr std::size_t Index(CompositeComponent component) {
  return static_cast<std::size_t>(component);
}

}  // namespace composite_internal

// ---------------------------------------------------------------------------
// Normalizer kernels: the exact math, with no validation. Callers guarantee finite inputs
// and the stated preconditions; NormalizeValue() is the checked entry point.

/// Min-max scaling: `(x - min) / (max - min)` — one subtraction each, one division, in
/// that order (no reciprocal), so for min <= x <= max the result lies in [0, 1] exactly
/// (rounding is monotonic). A constant column (max == min) gives 0.5: the midpoint of the
/// scale, so a component that does not discriminate adds the same amount to everyone and
/// agrees with the percentile rank of a constant column. Not clamped: an x outside
/// [min, max] (scoring a newcomer against old statistics) maps outside [0, 1].
/// Precondition: min <= max and max - min finite.
constexpr double MinMaxNormalize(double x, double min, double max) {
  if (!(max > min)) return 0.5;
  return (x - min) / (max - min);
}

/// Z-score (standard score): `(x - mean) / stddev` with the POPULATION standard deviation
/// sqrt(M2 / N) (the column is the whole population being scored, not a sample). A
/// constant column (stddev == 0) gives 0, the z-score's neutral value (the mean).
/// Precondition: mean finite, stddev finite and >= 0.
constexpr double ZScoreNormalize(double x, double mean, double stddev) {
  if (!(stddev > 0.0)) return 0.0;
  return (x - mean) / stddev;
}

/// Percentile rank by the mid-rank rule: (count_below + 0.5 · count_equal) / N, computed
/// as `double(2·count_below + count_equal) / double(2·N)` — integers exact below 2^53, one
/// correctly rounded division. Ties share the average of the ranks they occupy, so the
/// result does not depend on input order, a constant column and a single customer give 0.5,
/// ranks lie in (0, 1) and reversing the order maps p to 1 − p. This is the classic
/// psychometric percentile rank (e.g. Crocker & Algina 1986, on norms) and equals
/// scipy.stats.percentileofscore(kind="mean") / 100.
/// Precondition: 0 <= count_below, 0 <= count_equal, count_below + count_equal <= N, N > 0.
constexpr double PercentileMidRank(std::int64_t count_below, std::int64_t count_equal,
                                   std::int64_t count) {
  return static_cast<double>(2 * count_below + count_equal) / static_cast<double>(2 * count);
}

/// Fixed-bounds scaling: `clamp((x - lower) / (upper - lower), 0, 1)` — for a component
/// with a natural scale (a 1–5 credit rating, a 0–100 loyalty index) that must not move
/// with the population. Values beyond the bounds saturate at 0 or 1 (an overflowing
/// x - lower gives ±Inf, which also saturates).
/// Precondition: lower < upper, both finite, upper - lower finite.
constexpr double FixedBoundsNormalize(double x, double lower, double upper) {
  return std::clamp((x - lower) / (upper - lower), 0.0, 1.0);
}

// ---------------------------------------------------------------------------
// Normalizer choice and column statistics.

/// How one component is normalized (§5: "min-max, z-score or percentile rank; chosen per
/// component", plus fixed bounds). `fixed_lower` / `fixed_upper` are read only for
/// NormalizerKind::kFixedBounds.
struct NormalizerSpec {
  NormalizerKind kind = NormalizerKind::kMinMax;
  double fixed_lower = 0.0;
  double fixed_upper = 1.0;

  /// InvalidArgument for an unknown kind, or (fixed bounds only) a non-finite bound or
  /// fixed_lower >= fixed_upper; OutOfRange when fixed_upper - fixed_lower overflows.
  absl::Status Validate() const {
    if (!IsValid(kind)) {
      return absl::InvalidArgumentError(
          absl::StrCat("normalizer: unknown kind ", static_cast<int>(kind)));
    }
    if (kind != NormalizerKind::kFixedBounds) return absl::OkStatus();
    if (!std::isfinite(fixed_lower) || !std::isfinite(fixed_upper)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "normalizer: fixed bounds must be finite, got fixed_lower = ", FormatDouble(fixed_lower),
          ", fixed_upper = ", FormatDouble(fixed_upper)));
    }
    if (!(fixed_lower < fixed_upper)) {
      return absl::InvalidArgumentError(
          absl::StrCat("normalizer: fixed_lower must be < fixed_upper, got fixed_lower = ",
                       FormatDouble(fixed_lower), ", fixed_upper = ", FormatDouble(fixed_upper)));
    }
    if (!std::isfinite(fixed_upper - fixed_lower)) {
      return absl::OutOfRangeError(
          absl::StrCat("normalizer: fixed_upper - fixed_lower overflows, got fixed_lower = ",
                       FormatDouble(fixed_lower), ", fixed_upper = ", FormatDouble(fixed_upper)));
    }
    return absl::OkStatus();
  }
};

/// Statistics of one column over its present (non-NaN) values, as the normalizers need
/// them. A faster engine may compute these its own way and pass them to NormalizeValue().
struct ColumnStatistics {
  /// Number of present values (NaN entries are missing and not counted).
  std::int64_t count = 0;
  double min = 0.0;
  double max = 0.0;
  double mean = 0.0;
  /// Population variance M2 / count (0 when count == 0).
  double variance = 0.0;
  /// The present values in ascending order; filled only when percentile ranks are needed.
  std::vector<double> sorted;

  /// Population standard deviation sqrt(variance).
  double stddev() const { return std::sqrt(variance); }
};

/// Computes count, min, max, mean and population variance of the present values of
/// `column` in one pass, with Welford's update (Welford 1962; Knuth TAOCP vol. 2 §4.2.2),
/// which avoids the cancellation of the textbook sum-of-squares formula:
///   delta = x - mean;  mean += delta / n;  M2 += delta · (x - mean);  variance = M2 / N.
/// NaN entries are missing and skipped; `keep_sorted` also fills `sorted` (for percentile
/// ranks). `column_name` only labels error messages.
///
/// Errors: InvalidArgument naming the column and index of an infinite value. Overflow of
/// the mean or variance (values near ±1e154 or beyond) is not an error here: it shows as a
/// non-finite field, which NormalizeValue() rejects for the normalizers that need it.
inline absl::StatusOr<ColumnStatistics> ComputeColumnStatistics(absl::Span<const double> column,
                                                                absl::string_view column_name,
                                                                bool keep_sorted = false) {
  ColumnStatistics stats;
  double m2 = 0.0;
  for (std::size_t i = 0; i < column.size(); ++i) {
    const double x = column[i];
    if (std::isnan(x)) continue;
    if (std::isinf(x)) {
      return absl::InvalidArgumentError(absl::StrCat("composite: column ", column_name,
                                                     " value at index ", i, " is ",
                                                     FormatDouble(x)));
    }
    if (stats.count == 0) {
      stats.min = x;
      stats.max = x;
    }
    stats.min = std::min(stats.min, x);
    stats.max = std::max(stats.max, x);
    ++stats.count;
    const double delta = x - stats.mean;
    stats.mean += delta / static_cast<double>(stats.count);
    m2 += delta * (x - stats.mean);
    if (keep_sorted) stats.sorted.push_back(x);
  }
  if (stats.count > 0) stats.variance = m2 / static_cast<double>(stats.count);
  std::sort(stats.sorted.begin(), stats.sorted.end());
  return stats;
}

namespace composite_internal {

// Checks that `stats` carry what `spec` needs, naming the column in the message.
inline absl::Status CheckStatisticsFor(const NormalizerSpec& spec, const ColumnStatistics& stats,
                                       absl::string_view column_name) {
  if (spec.kind == NormalizerKind::kFixedBounds) return absl::OkStatus();
  if (stats.count <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("composite: column ", column_name,
                                                   " has no present values to normalize against"));
  }
  switch (spec.kind) {
    case NormalizerKind::kMinMax:
      if (!std::isfinite(stats.min) || !std::isfinite(stats.max) || !(stats.min <= stats.max) ||
          !std::isfinite(stats.max - stats.min)) {
        return absl::OutOfRangeError(absl::StrCat(
            "composite: column ", column_name, " range overflows for min-max, got min = ",
            FormatDouble(stats.min), ", max = ", FormatDouble(stats.max)));
      }
      return absl::OkStatus();
    case NormalizerKind::kZScore:
      if (!std::isfinite(stats.mean) || !std::isfinite(stats.variance) || stats.variance < 0.0) {
        return absl::OutOfRangeError(absl::StrCat(
            "composite: column ", column_name, " statistics overflow for z-score, got mean = ",
            FormatDouble(stats.mean), ", variance = ", FormatDouble(stats.variance)));
      }
      return absl::OkStatus();
    case NormalizerKind::kPercentileRank:
      if (stats.sorted.size() != static_cast<std::size_t>(stats.count)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "composite: column ", column_name, " statistics hold ", stats.sorted.size(),
            " sorted values but count is ", stats.count, " (compute them with keep_sorted)"));
      }
      return absl::OkStatus();
    case NormalizerKind::kFixedBounds:
      break;
  }
  return absl::OkStatus();
}

// The normalized value of x, assuming CheckStatisticsFor() and spec.Validate() passed.
inline double Normalize(double x, const NormalizerSpec& spec, const ColumnStatistics& stats) {
  switch (spec.kind) {
    case NormalizerKind::kMinMax:
      return MinMaxNormalize(x, stats.min, stats.max);
    case NormalizerKind::kZScore:
      return ZScoreNormalize(x, stats.mean, stats.stddev());
    case NormalizerKind::kPercentileRank: {
      const auto [first_equal, past_equal] =
          std::equal_range(stats.sorted.begin(), stats.sorted.end(), x);
      return PercentileMidRank(first_equal - stats.sorted.begin(), past_equal - first_equal,
                               stats.count);
    }
    case NormalizerKind::kFixedBounds:
      return FixedBoundsNormalize(x, spec.fixed_lower, spec.fixed_upper);
  }
  return 0.0;  // Unreachable: spec was validated.
}

}  // namespace composite_internal

/// Normalizes one value `x` against the statistics of its column (`stats` are ignored for
/// fixed bounds). The value need not belong to the column, so a newcomer can be scored
/// against an existing population; see the kernels above for the exact math.
///
/// Errors: InvalidArgument for a non-finite x, an invalid spec, empty statistics, or
/// percentile-rank statistics without the sorted values; OutOfRange when the statistics
/// overflowed (non-finite range, mean or variance).
inline absl::StatusOr<double> NormalizeValue(double x, const NormalizerSpec& spec,
                                             const ColumnStatistics& stats) {
  if (!std::isfinite(x)) {
    return absl::InvalidArgumentError(
        absl::StrCat("normalize: value must be finite, got ", FormatDouble(x)));
  }
  CRM_RETURN_IF_ERROR(spec.Validate());
  CRM_RETURN_IF_ERROR(composite_internal::CheckStatisticsFor(spec, stats, "(given statistics)"));
  return composite_internal::Normalize(x, spec, stats);
}

// ---------------------------------------------------------------------------
// The plan.

/// What the scorer does with a missing (NaN) component value.
enum class MissingPolicy : int {
  /// A NaN in a used column is an error naming the component and the customer index.
  kReject = 0,
  /// A NaN is skipped: the customer's value is the weighted mean of the components it has,
  /// Σ_present w·n / Σ_present w. Column statistics use the present values only.
  kRenormalize = 1,
};

/// A validated composite value plan: one weight and one normalizer per CompositeComponent.
/// Immutable and cheap to copy; safe to share between threads.
class CompositePlan {
 public:
  using Weights = std::array<double, kCompositeComponentCount>;
  using Normalizers = std::array<NormalizerSpec, kCompositeComponentCount>;

  /// Builds a plan from raw weights (indexed by CompositeComponent) and normalizers
  /// (default: min-max for every component). Weights must be finite and >= 0 with a sum
  /// > 0; they are divided by their sum (added in component order) so that they sum to 1
  /// (§5: "the library normalizes them to sum to 1 or rejects them"). A component whose
  /// normalized weight is 0 is unused: its column is never read.
  ///
  /// Errors: InvalidArgument naming the component for a NaN, infinite or negative weight,
  /// for weights that are all zero, for an invalid normalizer, or for an unknown
  /// MissingPolicy. Only the weights' ratios matter, so a sum too large for a double is
  /// fine (NormalizeWeights).
  static absl::StatusOr<CompositePlan> Create(Weights weights, Normalizers normalizers = {},
                                              MissingPolicy missing = MissingPolicy::kReject) {
    CRM_ASSIGN_OR_RETURN(const Weights normalized,
                         NormalizeWeights<CompositeComponent>(weights, "composite"));
    for (const CompositeComponent c : AllValues<CompositeComponent>()) {
      const absl::Status valid = normalizers[composite_internal::Index(c)].Validate();
      if (!valid.ok()) {
        return absl::Status(valid.code(),
                            absl::StrCat("composite: component ", Id(c), ": ", valid.message()));
      }
    }
    if (missing != MissingPolicy::kReject && missing != MissingPolicy::kRenormalize) {
      return absl::InvalidArgumentError(
          absl::StrCat("composite: unknown missing policy ", static_cast<int>(missing)));
    }
    return CompositePlan(normalized, normalizers, missing);
  }

  /// The normalized weight of `component` (the weights sum to 1). Precondition: a declared
  /// CompositeComponent.
  double weight(CompositeComponent component) const {
    return weights_[composite_internal::Index(component)];
  }
  /// Whether the component takes part in the value (its normalized weight is > 0).
  bool uses(CompositeComponent component) const { return weight(component) > 0.0; }
  /// The normalizer of `component`. Precondition: a declared CompositeComponent.
  const NormalizerSpec& normalizer(CompositeComponent component) const {
    return normalizers_[composite_internal::Index(component)];
  }
  MissingPolicy missing_policy() const { return missing_; }

 private:
  CompositePlan(const Weights& weights, const Normalizers& normalizers, MissingPolicy missing)
      : weights_(weights), normalizers_(normalizers), missing_(missing) {}

  Weights weights_;
  Normalizers normalizers_;
  MissingPolicy missing_;
};

/// The component columns of a population, indexed by CompositeComponent; value i of every
/// used column belongs to customer i. Borrowed for the call. Columns of unused components
/// are never read and may be empty (or of any length).
struct ComponentColumns {
  std::array<absl::Span<const double>, kCompositeComponentCount> column;
};

namespace composite_internal {

// Population size N, and the lengths of the used columns and of `out` checked against it.
inline absl::StatusOr<std::size_t> PopulationSize(const CompositePlan& plan,
                                                  const ComponentColumns& columns,
                                                  std::size_t out_size) {
  bool found = false;
  std::size_t n = 0;
  CompositeComponent first = CompositeComponent::kCurrentContribution;
  for (const CompositeComponent c : AllValues<CompositeComponent>()) {
    if (!plan.uses(c)) continue;
    const std::size_t size = columns.column[Index(c)].size();
    if (!found) {
      found = true;
      n = size;
      first = c;
    } else if (size != n) {
      return absl::InvalidArgumentError(absl::StrCat("composite: column ", Id(c), " has ", size,
                                                     " values but column ", Id(first), " has ", n));
    }
  }
  if (out_size != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "composite: out has ", out_size, " elements but the columns hold ", n, " customers"));
  }
  return n;
}

// Rejects Inf anywhere in a used column and NaN under kReject, naming component and index.
inline absl::Status CheckColumnValues(const CompositePlan& plan, const ComponentColumns& columns) {
  for (const CompositeComponent c : AllValues<CompositeComponent>()) {
    if (!plan.uses(c)) continue;
    const absl::Span<const double> column = columns.column[Index(c)];
    for (std::size_t i = 0; i < column.size(); ++i) {
      const double x = column[i];
      const bool missing_rejected =
          std::isnan(x) && plan.missing_policy() == MissingPolicy::kReject;
      if (std::isinf(x) || missing_rejected) {
        return absl::InvalidArgumentError(absl::StrCat(
            "composite: column ", Id(c), " value at index ", i, " is ", FormatDouble(x)));
      }
    }
  }
  return absl::OkStatus();
}

// Under kRenormalize a customer needs at least one present used component.
inline absl::Status CheckEveryCustomerHasAComponent(const CompositePlan& plan,
                                                    const ComponentColumns& columns,
                                                    std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    bool any_present = false;
    for (const CompositeComponent c : AllValues<CompositeComponent>()) {
      if (plan.uses(c) && !std::isnan(columns.column[Index(c)][i])) any_present = true;
    }
    if (!any_present) {
      return absl::InvalidArgumentError(
          absl::StrCat("composite: customer ", i, " has every used component missing (NaN)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace composite_internal

/// Scores the composite value (§5) of every customer into `out` — the scalar REFERENCE.
///
/// Pass 1, per used column: ComputeColumnStatistics() over the present values (with a
/// sorted copy when the normalizer is the percentile rank).
/// Pass 2, per customer i: for each used component c in CompositeComponent order,
/// n_c = the normalizer kernel of c applied to column c [i], and
///   sum += weight(c) · n_c         (a multiply and an add, each rounded; no fused FMA);
/// out[i] = sum when no component is missing, else sum / Σ_present weight(c) (kRenormalize).
/// With min-max, percentile and fixed-bounds normalizers the value lies in [0, 1]
/// (up to rounding of the weights); z-scores are unbounded (|z| ≤ sqrt(N − 1)).
///
/// An empty population (N = 0, every used column and `out` empty) is OK and writes nothing.
/// Validation happens before anything is written: on error `out` is untouched.
///
/// Errors (InvalidArgument unless stated): a used column whose length differs from the
/// first used column's (both components and lengths named); `out` of another length; an
/// infinite value (component and index named); a NaN under MissingPolicy::kReject
/// (component and index named); under kRenormalize a customer whose used components are all
/// NaN (customer index named). OutOfRange when a column's spread overflows the statistics
/// its normalizer needs (max − min = Inf for min-max; mean or variance for z-score).
inline absl::Status ScoreCompositeReference(const CompositePlan& plan,
                                            const ComponentColumns& columns,
                                            absl::Span<double> out) {
  using composite_internal::Index;
  CRM_ASSIGN_OR_RETURN(const std::size_t n,
                       composite_internal::PopulationSize(plan, columns, out.size()));
  if (n == 0) return absl::OkStatus();
  CRM_RETURN_IF_ERROR(composite_internal::CheckColumnValues(plan, columns));
  if (plan.missing_policy() == MissingPolicy::kRenormalize) {
    CRM_RETURN_IF_ERROR(composite_internal::CheckEveryCustomerHasAComponent(plan, columns, n));
  }

  std::array<ColumnStatistics, kCompositeComponentCount> stats;
  for (const CompositeComponent c : AllValues<CompositeComponent>()) {
    if (!plan.uses(c)) continue;
    const NormalizerSpec& spec = plan.normalizer(c);
    CRM_ASSIGN_OR_RETURN(stats[Index(c)],
                         ComputeColumnStatistics(columns.column[Index(c)], Id(c),
                                                 spec.kind == NormalizerKind::kPercentileRank));
    // A column that is all NaN (kRenormalize) is never normalized, so it needs no statistics.
    if (stats[Index(c)].count > 0) {
      CRM_RETURN_IF_ERROR(composite_internal::CheckStatisticsFor(spec, stats[Index(c)], Id(c)));
    }
  }

  for (std::size_t i = 0; i < n; ++i) {
    double sum = 0.0;
    double present_weight = 0.0;
    bool any_missing = false;
    for (const CompositeComponent c : AllValues<CompositeComponent>()) {
      if (!plan.uses(c)) continue;
      const double x = columns.column[Index(c)][i];
      if (std::isnan(x)) {
        any_missing = true;
        continue;
      }
      const double normalized =
          composite_internal::Normalize(x, plan.normalizer(c), stats[Index(c)]);
      sum += plan.weight(c) * normalized;
      present_weight += plan.weight(c);
    }
    out[i] = any_missing ? sum / present_weight : sum;
  }
  return absl::OkStatus();
}

}  // namespace crmcore

#endif  // CRMCORE_COMPOSITE_VALUE_H_

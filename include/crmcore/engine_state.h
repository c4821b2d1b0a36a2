// Mergeable partial states of the batch engine (engine.h): the whole-population statistics
// that scoring needs, computed per partition, merged, then used to score every partition.
//
// This is how a host that splits customers across threads, processes or machines (a database
// aggregate with a combine function, a Spark treeAggregate) gets the same answer as one batch:
//   1. per partition: ComputeCompositeState() / ComputeQuantileState();
//   2. merge the states in a FIXED order (partition 0, 1, 2, ...) with Merge();
//   3. per partition: score against the merged state (ScoreComposite(), AssignTiers(),
//      ScoreRfmQuintiles()).
//
// What merges exactly and what does not:
//   - count, min, max and the sorted values (quantile cut-offs, percentile ranks) merge
//     EXACTLY, in any order: scoring through merged states gives the same min-max,
//     fixed-bounds and percentile normalized values, tiers and RFM scores as one batch;
//   - mean and M2 (for z-scores) merge with the pairwise update of Chan, Golub & LeVeque
//     (1979), which is exact in real arithmetic; in doubles, a different partitioning rounds
//     differently, by a few units in the last place of the mean and variance. Merging in a
//     fixed order makes the result reproducible for a given partitioning.
// Quantiles are exact (no sketch): a state keeps its partition's present values sorted,
// 8 bytes per customer, and merging is a linear merge of sorted runs.
#ifndef CRMCORE_ENGINE_STATE_H_
#define CRMCORE_ENGINE_STATE_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <utility>
#include <vector>

#include "crmcore/composite_value.h"

namespace crmcore {
namespace engine {

/// The exact order statistics of a column: its present values in ascending order. Used for
/// quantile cut-offs (value tiers), RFM quintile thresholds and percentile-rank normalizers.
/// Merging keeps every value, so cut-offs from merged states equal those of one batch.
struct QuantileState {
  /// Present values, ascending (-0.0 and 0.0 compare equal; their relative order is
  /// unspecified and never changes a result).
  std::vector<double> sorted;

  std::int64_t count() const { return static_cast<std::int64_t>(sorted.size()); }

  /// Adds `other`'s values (a linear merge of two sorted runs). Exact and order-independent.
  void Merge(const QuantileState& other) {
    if (other.sorted.empty()) return;
    const auto middle = static_cast<std::ptrdiff_t>(sorted.size());
    sorted.insert(sorted.end(), other.sorted.begin(), other.sorted.end());
    std::inplace_merge(sorted.begin(), sorted.begin() + middle, sorted.end());
  }
};

/// Partial statistics of one composite component column over the present values of a
/// partition: what the normalizers need (composite_value.h, ColumnStatistics).
struct ColumnState {
  std::int64_t count = 0;
  /// +Inf / -Inf while count == 0, so that merging an empty state changes nothing.
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double mean = 0.0;
  /// Sum of squared deviations from the mean (population variance = m2 / count).
  double m2 = 0.0;
  /// Filled only when the component's normalizer is the percentile rank.
  bool has_quantiles = false;
  QuantileState quantiles;

  /// Combines with the state of the partition that FOLLOWS this one. count, min, max and
  /// quantiles are exact; mean and m2 use Chan, Golub & LeVeque (1979):
  ///   n = na + nb;  delta = mean_b - mean_a;
  ///   mean = mean_a + delta · (nb / n);  m2 = m2_a + m2_b + delta² · (na · nb / n).
  /// When delta overflows (means more than DBL_MAX apart, or one already non-finite, which
  /// a valid state allows only once its m2 is +Inf), the spread overflows: m2 = +Inf and the
  /// mean is the weighted average mean_a · (na / n) + mean_b · (nb / n), finite when both
  /// means are. m2 is never NaN, so a merged state always validates and serializes.
  void Merge(const ColumnState& other) {
    if (other.count == 0) return;
    if (count == 0) {
      *this = other;
      return;
    }
    const double na = static_cast<double>(count);
    const double nb = static_cast<double>(other.count);
    const double n = na + nb;
    const double delta = other.mean - mean;
    if (std::isfinite(delta)) {
      mean = mean + delta * (nb / n);
      m2 = m2 + other.m2 + delta * delta * (na * nb / n);
    } else {
      mean = mean * (na / n) + other.mean * (nb / n);
      m2 = std::numeric_limits<double>::infinity();
    }
    count += other.count;
    min = std::min(min, other.min);
    max = std::max(max, other.max);
    if (has_quantiles) quantiles.Merge(other.quantiles);
  }

  /// Population variance m2 / count (0 when empty).
  double variance() const { return count > 0 ? m2 / static_cast<double>(count) : 0.0; }
};

/// Partial statistics of every component column of a composite plan over one partition.
/// Columns of components the plan does not use stay empty.
struct CompositeState {
  /// Customers (rows) in the partitions merged so far.
  std::int64_t rows = 0;
  std::array<ColumnState, kCompositeComponentCount> column;

  /// Combines with the state of the partition that follows this one (see ColumnState).
  void Merge(const CompositeState& other) {
    rows += other.rows;
    for (std::size_t c = 0; c < column.size(); ++c) column[c].Merge(other.column[c]);
  }
};

}  // namespace engine
}  // namespace crmcore

#endif  // CRMCORE_ENGINE_STATE_H_

// RFM quintile scores (recency, frequency, monetary value; 1 = worst fifth, 5 = best fifth)
// — the scalar REFERENCE that a faster (SIMD) engine must match score for score.
//
// How a host feeds the three columns, one value per customer (e.g. from RfmSummary,
// rfm_summary.h, whose recency t_x is the time from the first to the last purchase):
//   R: time since the last purchase, T − recency          → RfmDirection::kLowerIsBetter
//   F: frequency (repeat purchase occasions)              → RfmDirection::kHigherIsBetter
//   M: monetary value (mean value of an occasion)         → RfmDirection::kHigherIsBetter
// Each column is scored on its own; combining R, F and M (a "555" cell, a weighted sum) is
// the host's choice.
#ifndef CRMCORE_RFM_SCORE_H_
#define CRMCORE_RFM_SCORE_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "crmcore/composite_value.h"
#include "crmcore/status.h"

namespace crmcore {

/// Which end of a column is the better customer.
enum class RfmDirection : int {
  /// Larger values score higher (frequency, monetary value).
  kHigherIsBetter = 0,
  /// Smaller values score higher (time since the last purchase).
  kLowerIsBetter = 1,
};

/// Number of RFM score classes: quintiles, scores 1..5.
inline constexpr int kRfmScoreClasses = 5;

namespace rfm_score_internal {

// 1 + floor(5 · p) clamped to [1, 5], the product rounded once in double. The mid-rank p
// is below 1 (count_equal >= 1), so the clamp only guards 5 · p rounding up to 5.0 in a
// column far beyond 2^48 values.
inline int8_t QuintileOf(double p) {
  const double fifths = std::floor(static_cast<double>(kRfmScoreClasses) * p);
  return static_cast<int8_t>(std::clamp(1 + static_cast<int>(fifths), 1, kRfmScoreClasses));
}

}  // namespace rfm_score_internal

/// Scores each value of `values` 1..5 by its quintile within the column, writing the score
/// of values[i] to out_scores[i].
///
/// The rule, exactly (an engine must perform the same double operations):
///   count_worse = number of values strictly worse than values[i] — lower for
///                 kHigherIsBetter, higher for kLowerIsBetter;
///   count_equal = number of values equal to values[i] (itself included; -0.0 == 0.0);
///   p           = PercentileMidRank(count_worse, count_equal, N)   (composite_value.h:
///                 double(2·count_worse + count_equal) / double(2·N), one rounded division);
///   score       = 1 + floor(5.0 · p), the product rounded once, clamped to [1, 5].
/// p is the same mid-rank percentile as the kPercentileRank normalizer, so a customer's
/// RFM score and composite percentile agree. Consequences:
///   - ties always share a score, and the scores do not depend on the input order;
///   - an all-equal column scores 3 everywhere (p = 0.5), and so does N = 1;
///   - a p exactly on a quintile boundary k/5 takes the upper score k + 1;
///   - scores(x, kHigherIsBetter) == scores(−x, kLowerIsBetter);
///   - small columns skip scores (N = 4 scores 1, 2, 4, 5; N = 2 scores 2, 4), because a
///     mid-rank never sits at an end of the scale.
/// For N < 2^48 the result equals the exact rational rule
/// 1 + floor(5·(2·count_worse + count_equal) / (2·N)): off a boundary the two roundings err
/// by less than 1/(2N), the least distance of 5p from an integer, and on a boundary p is
/// the double nearest k/5, whose product with 5 rounds to k (checked in the tests).
///
/// Runs in O(N log N) time with one sorted copy of the column (N doubles of scratch).
/// An empty column (N = 0, out_scores empty) is OK and writes nothing. Validation happens
/// before anything is written: on error out_scores is untouched.
///
/// Errors: InvalidArgument when out_scores.size() != values.size() (both sizes named), for
/// a NaN or infinite value (its index and value named), or for an undeclared direction.
inline absl::Status RfmQuintileScores(absl::Span<const double> values, RfmDirection direction,
                                      absl::Span<int8_t> out_scores) {
  if (out_scores.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("rfm score: out_scores has ", out_scores.size(),
                                                   " elements but values has ", values.size()));
  }
  if (direction != RfmDirection::kHigherIsBetter && direction != RfmDirection::kLowerIsBetter) {
    return absl::InvalidArgumentError(
        absl::StrCat("rfm score: unknown direction ", static_cast<int>(direction)));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rfm score: value at index ", i, " must be finite, got ", FormatDouble(values[i])));
    }
  }
  if (values.empty()) return absl::OkStatus();

  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const auto count = static_cast<std::int64_t>(sorted.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto [first_equal, past_equal] =
        std::equal_range(sorted.begin(), sorted.end(), values[i]);
    const std::int64_t count_below = first_equal - sorted.begin();
    const std::int64_t count_equal = past_equal - first_equal;
    const std::int64_t count_worse = direction == RfmDirection::kHigherIsBetter
                                         ? count_below
                                         : count - count_below - count_equal;
    out_scores[i] =
        rfm_score_internal::QuintileOf(PercentileMidRank(count_worse, count_equal, count));
  }
  return absl::OkStatus();
}

}  // namespace crmcore

#endif  // CRMCORE_RFM_SCORE_H_

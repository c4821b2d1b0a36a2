// The enterprise customer evaluation scorecard (客户评估与分析, docs/domain.md §5): ten
// criteria, each scored 1–5 and weighted; the weighted score grades the customer A/B/C.
#ifndef CRMCORE_SCORECARD_H_
#define CRMCORE_SCORECARD_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"
#include "crmcore/weights.h"

namespace crmcore {

/// Number of scorecard criteria (§5: ten).
inline constexpr std::size_t kScorecardCriterionCount = TaxonomySize<ScorecardCriterion>();

/// The scale every criterion is scored on (§5: "each scored 1–5"). Real scores are allowed
/// (an average of several raters' integer marks is a real number).
inline constexpr double kScorecardMinScore = 1.0;
inline constexpr double kScorecardMaxScore = 5.0;

namespace scorecard_internal {

constexpr std::size_t Index(ScorecardCriterion criterion) {
  return static_cast<std::size_t>(criterion);
}

inline bool IsOnScale(double score) {
  return score >= kScorecardMinScore && score <= kScorecardMaxScore;  // False for NaN.
}

}  // namespace scorecard_internal

/// Grade cut-offs on the 1–5 weighted score: A for score >= a_min, B for score >= b_min,
/// C below. The material names the grades but gives no cut-offs (default rule): 4.0 is
/// "good" and 3.0 the scale's midpoint ("adequate") on a 1–5 rating scale.
struct GradeCutoffs {
  double a_min = 4.0;
  double b_min = 3.0;

  /// InvalidArgument when a cut-off is non-finite or outside [1, 5], or a_min <= b_min
  /// (each grade must cover some scores); the message names the offending cut-off.
  absl::Status Validate() const {
    if (!scorecard_internal::IsOnScale(a_min)) {
      return absl::InvalidArgumentError(
          absl::StrCat("scorecard: a_min must be within [1, 5], got ", FormatDouble(a_min)));
    }
    if (!scorecard_internal::IsOnScale(b_min)) {
      return absl::InvalidArgumentError(
          absl::StrCat("scorecard: b_min must be within [1, 5], got ", FormatDouble(b_min)));
    }
    if (!(a_min > b_min)) {
      return absl::InvalidArgumentError(
          absl::StrCat("scorecard: a_min must be > b_min, got a_min = ", FormatDouble(a_min),
                       ", b_min = ", FormatDouble(b_min)));
    }
    return absl::OkStatus();
  }
};

/// Scores of one customer, indexed by ScorecardCriterion.
using ScorecardScores = std::array<double, kScorecardCriterionCount>;

/// Validated scorecard weights (normalized to sum to 1) and grade cut-offs. Immutable.
class ScorecardPlan {
 public:
  using Weights = std::array<double, kScorecardCriterionCount>;

  /// Builds a plan from raw weights indexed by ScorecardCriterion. Weights must be finite
  /// and >= 0 with a sum > 0; they are divided by their sum. A criterion with weight 0 is
  /// unused and its score is not read.
  ///
  /// Errors: InvalidArgument naming the criterion for a NaN, infinite or negative weight,
  /// for weights that are all zero, or for invalid cut-offs. Only the weights' ratios
  /// matter, so a sum too large for a double is fine (NormalizeWeights).
  static absl::StatusOr<ScorecardPlan> Create(Weights weights, GradeCutoffs cutoffs = {}) {
    CRM_ASSIGN_OR_RETURN(const Weights scaled,
                         ScaledWeights<ScorecardCriterion>(weights, "scorecard"));
    CRM_ASSIGN_OR_RETURN(const Weights normalized,
                         NormalizeWeights<ScorecardCriterion>(weights, "scorecard"));
    CRM_RETURN_IF_ERROR(cutoffs.Validate());
    return ScorecardPlan(normalized, scaled, cutoffs);
  }

  /// Every criterion weighted equally (the material gives no weights) with default cut-offs.
  static ScorecardPlan EqualWeights() {
    Weights normalized, scaled;
    normalized.fill(1.0 / static_cast<double>(kScorecardCriterionCount));
    scaled.fill(0.5);  // 1 scaled by a power of two, as ScaledWeights() does
    return ScorecardPlan(normalized, scaled, GradeCutoffs{});
  }

  /// Normalized weight of `criterion`. Precondition: a declared ScorecardCriterion.
  double weight(ScorecardCriterion criterion) const {
    return weights_[scorecard_internal::Index(criterion)];
  }
  /// The raw weight of `criterion` times one power of two (ScaledWeights()): the exact
  /// ratios of the weights given, which the weighted mean is computed with.
  double scaled_weight(ScorecardCriterion criterion) const {
    return scaled_weights_[scorecard_internal::Index(criterion)];
  }
  const GradeCutoffs& cutoffs() const { return cutoffs_; }

 private:
  ScorecardPlan(const Weights& weights, const Weights& scaled_weights, const GradeCutoffs& cutoffs)
      : weights_(weights), scaled_weights_(scaled_weights), cutoffs_(cutoffs) {}

  Weights weights_;
  Weights scaled_weights_;
  GradeCutoffs cutoffs_;
};

/// The weighted mean Σ weight(c) · score(c) / Σ weight(c) over the used criteria, in
/// criterion order; equal scores give exactly that score. The result is clamped to [1, 5]
/// only to absorb rounding.
///
/// Errors: InvalidArgument naming the criterion (crmcore::Id) and the score for a used
/// criterion whose score is NaN or outside [1, 5].
inline absl::StatusOr<double> WeightedScorecardScore(const ScorecardPlan& plan,
                                                     const ScorecardScores& scores) {
  // Computed as base + Σ w·(s − base) / Σ w with the exactly scaled raw weights and base =
  // the first used score, not as Σ w·s with weights that sum to 1 only up to rounding
  // (ten 4s under equal weights of 0.1 would be 3.9999999999999996, a B instead of an A):
  // equal scores give exactly that score, and integer weights with integer or half scores
  // give the correctly rounded mean.
  double base = 0.0;
  bool have_base = false;
  double total = 0.0;
  double weight_sum = 0.0;
  for (const ScorecardCriterion c : AllValues<ScorecardCriterion>()) {
    const double w = plan.scaled_weight(c);
    if (!(w > 0.0)) continue;
    const double score = scores[scorecard_internal::Index(c)];
    if (!scorecard_internal::IsOnScale(score)) {
      return absl::InvalidArgumentError(absl::StrCat("scorecard: score of ", Id(c),
                                                     " must be within [1, 5], got ",
                                                     FormatDouble(score)));
    }
    if (!have_base) {
      base = score;
      have_base = true;
    }
    total += w * (score - base);
    weight_sum += w;
  }
  return std::clamp(base + total / weight_sum, kScorecardMinScore, kScorecardMaxScore);
}

/// Grades a weighted score: A when score >= a_min, B when score >= b_min, else C.
///
/// Errors: InvalidArgument for invalid cut-offs, or a score that is NaN or outside [1, 5].
inline absl::StatusOr<ScorecardGrade> GradeScorecardScore(double score,
                                                          const GradeCutoffs& cutoffs = {}) {
  CRM_RETURN_IF_ERROR(cutoffs.Validate());
  if (!scorecard_internal::IsOnScale(score)) {
    return absl::InvalidArgumentError(
        absl::StrCat("scorecard: weighted score must be within [1, 5], got ",
                     FormatDouble(score)));
  }
  if (score >= cutoffs.a_min) return ScorecardGrade::kA;
  if (score >= cutoffs.b_min) return ScorecardGrade::kB;
  return ScorecardGrade::kC;
}

/// Weighted score and grade of one customer in one call (the plan's cut-offs).
/// Errors: those of WeightedScorecardScore().
inline absl::StatusOr<ScorecardGrade> GradeScorecard(const ScorecardPlan& plan,
                                                     const ScorecardScores& scores) {
  CRM_ASSIGN_OR_RETURN(const double score, WeightedScorecardScore(plan, scores));
  return GradeScorecardScore(score, plan.cutoffs());
}

}  // namespace crmcore

#endif  // CRMCORE_SCORECARD_H_

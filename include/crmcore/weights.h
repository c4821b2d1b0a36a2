// Validation and normalization of a weight per taxonomy value (DOMAIN.md §5 rule for
// weights: "the library normalizes them to sum to 1 or rejects them").
//
// Shared by every weighted model of the core: the satisfaction index (§3.4), the loyalty
// index (§4.3), the scorecard (§5) and the composite value (§5). Each weight is indexed by
// the numeric value of a taxonomy enum E, and errors name the offending value by Id().
#ifndef CRMCORE_WEIGHTS_H_
#define CRMCORE_WEIGHTS_H_

#include <array>
#include <cmath>
#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"

namespace crmcore {

/// One weight per value of taxonomy E, indexed by the value's number.
template <Taxonomy E>
using WeightsFor = std::array<double, TaxonomySize<E>()>;

/// How an error message names a taxonomy value: its Id() as is ("credit") or in single
/// quotes ("'credit'"). Each model keeps the style its messages have always had.
enum class NameStyle : int { kBare = 0, kQuoted = 1 };

/// `Id(e)` written in `style`, for error messages.
template <Taxonomy E>
std::string NameInMessage(E e, NameStyle style) {
  return style == NameStyle::kQuoted ? absl::StrCat("'", Id(e), "'") : std::string(Id(e));
}

/// What to do when the plain sum of valid weights overflows a double (e.g. two weights of
/// 1e308).
enum class WeightSumOverflow : int {
  /// Accept them: only the ratios matter, and the weights are scaled by a power of two
  /// before they are added, so the sum stays finite for any finite weights.
  kRescale = 0,
  /// Reject them with OutOfRange ("<context>: sum of weights overflows, got inf").
  kReject = 1,
};

/// How a model's weights are checked and named in error messages.
struct WeightRules {
  /// Prefix of every message, naming the model, e.g. "scorecard".
  absl::string_view context;
  NameStyle names = NameStyle::kBare;
  WeightSumOverflow overflow = WeightSumOverflow::kRescale;
};

/// The weights times one power of two, chosen so that the largest lies in [0.5, 1): the
/// same ratios, and a sum that is finite for any finite weights. Scaling by a power of two
/// is exact (short of weights below 2^-1021 times the largest, which turn subnormal), so
/// sums and quotients of the scaled weights round exactly as those of the raw weights
/// would whenever the raw sum does not overflow.
///
/// Errors: InvalidArgument naming the first bad value by Id() and the weight (e.g.
/// "scorecard: weight of credit must be finite and >= 0, got nan"), or saying that the
/// weights must not all be zero; OutOfRange ("<context>: sum of weights overflows, got
/// inf") when their plain sum overflows under WeightSumOverflow::kReject.
template <Taxonomy E>
absl::StatusOr<WeightsFor<E>> ScaledWeights(const WeightsFor<E>& weights,
                                            const WeightRules& rules) {
  double largest = 0.0;
  for (const E e : AllValues<E>()) {
    const double w = weights[static_cast<std::size_t>(e)];
    if (!std::isfinite(w) || w < 0.0) {
      return absl::InvalidArgumentError(
          absl::StrCat(rules.context, ": weight of ", NameInMessage(e, rules.names),
                       " must be finite and >= 0, got ", FormatDouble(w)));
    }
    if (w > largest) largest = w;
  }
  if (!(largest > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        rules.context, ": weights must not all be zero: the ", weights.size(),
        " weights must sum to > 0, got 0 (each may be 0, but they must not all be 0)"));
  }
  int exponent = 0;
  std::frexp(largest, &exponent);  // largest = m * 2^exponent with m in [0.5, 1)
  WeightsFor<E> scaled{};
  double scaled_sum = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    scaled[i] = std::ldexp(weights[i], -exponent);
    scaled_sum += scaled[i];
  }
  if (rules.overflow == WeightSumOverflow::kReject) {
    // Scaling back by the same power of two is exact: this is the plain sum, Inf included.
    const double sum = std::ldexp(scaled_sum, exponent);
    if (!std::isfinite(sum)) {
      return absl::OutOfRangeError(
          absl::StrCat(rules.context, ": sum of weights overflows, got ", FormatDouble(sum)));
    }
  }
  return scaled;
}

/// OK when every weight is finite and >= 0, at least one is > 0 and, under
/// WeightSumOverflow::kReject, their sum (in value order) is finite.
///
/// Errors: those of ScaledWeights().
template <Taxonomy E>
absl::Status ValidateWeights(const WeightsFor<E>& weights, const WeightRules& rules) {
  return ScaledWeights<E>(weights, rules).status();
}

/// The weights divided by their sum (added in value order), so that they sum to 1 up to
/// rounding: w_i / sum(w). Computed on ScaledWeights(), which gives the same doubles as the
/// plain division whenever the plain sum is finite, and stays finite when it is not (under
/// WeightSumOverflow::kRescale). A weight of 0 stays exactly 0.
///
/// Errors: those of ScaledWeights().
template <Taxonomy E>
absl::StatusOr<WeightsFor<E>> NormalizeWeights(const WeightsFor<E>& weights,
                                               const WeightRules& rules) {
  CRM_ASSIGN_OR_RETURN(WeightsFor<E> normalized, ScaledWeights<E>(weights, rules));
  double sum = 0.0;
  for (const double w : normalized) sum += w;
  for (double& w : normalized) w /= sum;
  return normalized;
}

}  // namespace crmcore

#endif  // CRMCORE_WEIGHTS_H_

// Validation and normalization of a weight per taxonomy value (docs/domain.md §5 rule for
// weights: "the library normalizes them to sum to 1 or rejects them").
//
// Shared by every weighted model of the core: the satisfaction index (§3.4), the loyalty
// index (§4.3), the scorecard (§5) and the composite value (§5). Each weight is indexed by
// the numeric value of a taxonomy enum E, and errors name the offending value by its bare
// Id(). One rule holds for every model: any finite weights >= 0 that are not all zero are
// accepted, however large their sum, since only their ratios matter.
#ifndef CRMCORE_WEIGHTS_H_
#define CRMCORE_WEIGHTS_H_

#include <array>
#include <cmath>
#include <cstddef>

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

/// The weights times one power of two, chosen so that the largest lies in [0.5, 1): the
/// same ratios, and a sum that is finite for any finite weights (e.g. two weights of
/// 1e308). Scaling by a power of two is exact (short of weights below 2^-1021 times the
/// largest, which turn subnormal), so sums and quotients of the scaled weights round
/// exactly as those of the raw weights would whenever the raw sum does not overflow.
/// `context` names the model and prefixes every message, e.g. "scorecard".
///
/// Errors: InvalidArgument naming the first bad value by Id() and the weight (e.g.
/// "scorecard: weight of credit must be finite and >= 0, got nan"), or
/// "<context>: weights must not all be zero".
template <Taxonomy E>
absl::StatusOr<WeightsFor<E>> ScaledWeights(const WeightsFor<E>& weights,
                                            absl::string_view context) {
  double largest = 0.0;
  for (const E e : AllValues<E>()) {
    const double w = weights[static_cast<std::size_t>(e)];
    if (!std::isfinite(w) || w < 0.0) {
      return absl::InvalidArgumentError(absl::StrCat(
          context, ": weight of ", Id(e), " must be finite and >= 0, got ", FormatDouble(w)));
    }
    if (w > largest) largest = w;
  }
  if (!(largest > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": weights must not all be zero"));
  }
  int exponent = 0;
  std::frexp(largest, &exponent);  // largest = m * 2^exponent with m in [0.5, 1)
  WeightsFor<E> scaled{};
  for (std::size_t i = 0; i < weights.size(); ++i) scaled[i] = std::ldexp(weights[i], -exponent);
  return scaled;
}

/// OK when every weight is finite and >= 0 and at least one is > 0.
///
/// Errors: those of ScaledWeights().
template <Taxonomy E>
absl::Status ValidateWeights(const WeightsFor<E>& weights, absl::string_view context) {
  return ScaledWeights<E>(weights, context).status();
}

/// The weights divided by their sum (added in value order), so that they sum to 1 up to
/// rounding: w_i / sum(w). Computed on ScaledWeights(), which gives the same doubles as the
/// plain division whenever the plain sum is finite, and stays finite when it is not. A
/// weight of 0 stays exactly 0.
///
/// Errors: those of ScaledWeights().
template <Taxonomy E>
absl::StatusOr<WeightsFor<E>> NormalizeWeights(const WeightsFor<E>& weights,
                                               absl::string_view context) {
  CRM_ASSIGN_OR_RETURN(WeightsFor<E> normalized, ScaledWeights<E>(weights, context));
  double sum = 0.0;
  for (const double w : normalized) sum += w;
  for (double& w : normalized) w /= sum;
  return normalized;
}

}  // namespace crmcore

#endif  // CRMCORE_WEIGHTS_H_

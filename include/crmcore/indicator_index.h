// A weighted index of min-max scored indicators: the computation shared by the customer
// satisfaction index (docs/domain.md §3.4, six indicators) and the loyalty index (§4.3, seven
// indicators).
//
// Each indicator is read on its own scale [min, max] and scored in [0, 1]:
//   direct indicator:  (value − min) / (max − min)
//   inverse indicator: (max − value) / (max − min)   (more of it means a worse customer)
// and the index is the weighted mean of the scores, with the weights' ratios as given.
// Every finite scale and every finite set of weights >= 0, not all zero, is accepted.
#ifndef CRMCORE_INDICATOR_INDEX_H_
#define CRMCORE_INDICATOR_INDEX_H_

#include <array>
#include <cmath>
#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"
#include "crmcore/weights.h"

namespace crmcore {

/// One indicator's raw value and the scale it was measured on. `value` must lie in
/// [min, max] and min < max; the scale is the host's (a 1–5 survey, a rate in [0, 1], an
/// amount between the population's extremes).
struct IndicatorReading {
  double value = 0.0;
  double min = 0.0;
  double max = 1.0;
};

/// One reading per value of the indicator taxonomy E, indexed by the value's number.
template <Taxonomy E>
using IndicatorReadingsFor = std::array<IndicatorReading, TaxonomySize<E>()>;

/// What distinguishes one indicator index from another: its name in error messages and
/// which indicators count inversely.
template <Taxonomy E>
struct IndicatorIndexSpec {
  /// Prefix of every error message, naming the index, e.g. "satisfaction index".
  absl::string_view context;
  /// True for the indicators where more means a worse customer. Must not be null.
  bool (*is_inverse)(E) = nullptr;
};

/// One indicator's score in [0, 1]: (value − min) / (max − min), or for an inverse
/// indicator (max − value) / (max − min), i.e. 1 − normalized computed without
/// cancellation. Every finite scale is scored, even one as wide as [−DBL_MAX, DBL_MAX]
/// whose width overflows: there both ends are halved first. Rounding is monotonic, so the
/// distance never exceeds the width and the score stays within [0, 1]; the bounds of the
/// scale score exactly 0 and 1.
///
/// Errors: InvalidArgument naming the indicator by Id() for a non-finite min or max,
/// min >= max, a non-finite value, or a value outside [min, max].
template <Taxonomy E>
absl::StatusOr<double> MinMaxIndicatorScore(E indicator, const IndicatorReading& reading,
                                            const IndicatorIndexSpec<E>& spec) {
  const absl::string_view name = Id(indicator);
  const double min = reading.min;
  const double max = reading.max;
  const double value = reading.value;
  if (!std::isfinite(min) || !std::isfinite(max) || !(min < max)) {
    return absl::InvalidArgumentError(
        absl::StrCat(spec.context, ": scale of ", name, " must be finite with min < max, got [",
                     FormatDouble(min), ", ", FormatDouble(max), "]"));
  }
  if (!std::isfinite(value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        spec.context, ": reading of ", name, " must be finite, got value ", FormatDouble(value),
        " on [", FormatDouble(min), ", ", FormatDouble(max), "]"));
  }
  if (value < min || value > max) {
    return absl::InvalidArgumentError(absl::StrCat(spec.context, ": ", name, " value must lie in [",
                                                   FormatDouble(min), ", ", FormatDouble(max),
                                                   "], got ", FormatDouble(value)));
  }
  const bool inverse = spec.is_inverse(indicator);
  const double width = max - min;
  // Where the width fits, the plain differences keep full resolution, subnormal scales
  // included.
  if (std::isfinite(width)) return (inverse ? max - value : value - min) / width;
  // Halving both ends keeps the width finite for scales as wide as ±DBL_MAX. Halving is
  // exact but for subnormal values, which are negligible against a width this large.
  const double half_distance = inverse ? max / 2 - value / 2 : value / 2 - min / 2;
  return half_distance / (max / 2 - min / 2);
}

/// The index: the weighted mean of the indicators' MinMaxIndicatorScore(), in [0, 1].
/// Only the weights' ratios matter: they are scaled by a power of two first (see
/// ScaledWeights()), so any finite weights work, and the mean is computed as
/// sum(w * score) / sum(w) with one division at the end. Each term w * score <= w because
/// score <= 1, and rounding is monotonic, so the index never exceeds 1 (and is exactly 1
/// when every score is 1, exactly 0 when every score is 0).
///
/// Errors: those of ValidateWeights() (checked first), then those of
/// MinMaxIndicatorScore() for the first bad reading in value order.
template <Taxonomy E>
absl::StatusOr<double> WeightedIndicatorIndex(const IndicatorReadingsFor<E>& readings,
                                              const WeightsFor<E>& weights,
                                              const IndicatorIndexSpec<E>& spec) {
  CRM_ASSIGN_OR_RETURN(const WeightsFor<E> scaled, ScaledWeights<E>(weights, spec.context));
  double weighted_scores = 0.0;
  double weight_sum = 0.0;
  for (const E indicator : AllValues<E>()) {
    const auto i = static_cast<std::size_t>(indicator);
    CRM_ASSIGN_OR_RETURN(const double score, MinMaxIndicatorScore(indicator, readings[i], spec));
    weighted_scores += scaled[i] * score;
    weight_sum += scaled[i];
  }
  return weighted_scores / weight_sum;
}

}  // namespace crmcore

#endif  // CRMCORE_INDICATOR_INDEX_H_

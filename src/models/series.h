// Private series shared by the buy-till-you-die models: the Gaussian hypergeometric sums
// behind their conditional expectations and discounted residual values.
#ifndef CRMCORE_SRC_MODELS_SERIES_H_
#define CRMCORE_SRC_MODELS_SERIES_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crmcore::models_internal {

/// Expected transactions in (T, T + t] of a customer alive at T whose purchase rate is
/// Gamma(shape, alpha_T) and drop-out probability after each purchase Beta(a, b) (the
/// posteriors of BG/NBD and MBG/NBD; FHL 2005 eq. 10 without P(alive)):
///   (a+b−1)/(a−1) · [1 − (1−z)^shape · 2F1(shape, b; a+b−1; z)],  z = t/(alpha_T + t),
/// evaluated by Euler's transformation as (a+b−1)·[1 − (1−z)^(a−1) 2F1(a+b−1−shape, a−1;
/// a+b−1; z)]/(a−1) with the factor (a−1) taken out of the series: no singularity at
/// a = 1. OutOfRange naming `model` and `row` when the series does not converge in 10^6
/// terms or overflows double.
absl::StatusOr<double> AliveExpectedPurchases(absl::string_view model, double shape,
                                              double alpha_T, double a, double b, double t,
                                              size_t row);

/// 2F1(1, b; c; z) = Σ_{k>=0} (b)_k/(c)_k z^k for b, c > 0 and 0 <= z < 1, or z = 1 when
/// c > b + 1 (then (c−1)/(c−b−1)). Terms are summed until the remainder is below 1e-17
/// relative. OutOfRange naming `what` when 10^7 terms do not suffice (z within ~1e-6 of 1).
absl::StatusOr<double> HypergeometricOneBC(absl::string_view what, double b, double c,
                                           double z);

}  // namespace crmcore::models_internal

#endif  // CRMCORE_SRC_MODELS_SERIES_H_

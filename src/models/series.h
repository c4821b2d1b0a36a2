// Private series shared by the buy-till-you-die models: the Gaussian hypergeometric sums
// behind their conditional expectations and discounted residual values, and the
// purchase-count distribution of the beta-geometric/NBD family (BG/NBD, MBG/NBD).
#ifndef CRMCORE_SRC_MODELS_SERIES_H_
#define CRMCORE_SRC_MODELS_SERIES_H_

#include <cstddef>
#include <cstdint>

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

/// P(X(t) = n) over (0, t] for a customer whose purchases while alive are Poisson with rate
/// λ ~ Gamma(r, α) and who drops out with probability p ~ Beta(a, b) after each purchase,
/// and also at time 0 (right after the first purchase) when `drop_out_at_start`:
///   BG/NBD  (FHL 2005 eq. 8):  B(a, b+n)/B(a, b) · NB(n)
///                              + δ(n>0) · B(a+1, b+n−1)/B(a, b) · P(NB >= n),
///   MBG/NBD (drop_out_at_start):  B(a, b+n+1)/B(a, b) · NB(n)
///                              + B(a+1, b+n)/B(a, b) · P(NB >= n),
/// NB(n) = Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n, its upper tail P(NB >= n) the
/// regularized incomplete beta I_{t/(α+t)}(n, r) (1 at n = 0), which avoids 1 − CDF
/// cancellation. Parameters, t > 0 and n >= 0 are the caller's to check; OutOfRange naming
/// `what`, n and t when the value is not finite.
absl::StatusOr<double> BetaGeometricCountProbability(absl::string_view what, double r,
                                                     double alpha, double a, double b,
                                                     double t, int64_t n,
                                                     bool drop_out_at_start);

}  // namespace crmcore::models_internal

#endif  // CRMCORE_SRC_MODELS_SERIES_H_

// The shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007,
// "How to project customer retention", J. Interactive Marketing 21(1)), docs/models.md.
//
// Each customer renews at the end of every period with probability 1 − θ until they
// cancel; churn probabilities are heterogeneous, θ ~ Beta(α, β). With T the period in
// which a customer cancels (FH 2007):
//
//   P(T = t) = B(α+1, β+t−1)/B(α, β),   S(t) = P(T > t) = B(α, β+t)/B(α, β),
//   r(t) = S(t)/S(t−1) = (β+t−1)/(α+β+t−1)   (retention rises with t: the
//                                              high-churn customers leave first).
//
// Data: survivor series, the customers of a cohort still active at the start of period
// 0, 1, 2, ... (n_0 > 0, non-increasing). The log-likelihood of a cohort observed through
// period k is Σ_{t=1}^{k} (n_{t−1} − n_t) log P(T = t) + n_k log S(k) (FH 2007).
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_SBG_H_
#define CRMCORE_SBG_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/model_fit.h"

namespace crmcore {

/// sBG parameters: churn probabilities θ ~ Beta(alpha, beta). Both finite and > 0.
struct SbgParams {
  double alpha = 1.0;
  double beta = 1.0;

  /// InvalidArgument naming the parameter when one is not finite and > 0.
  absl::Status Validate() const;
};

/// A fitted sBG model; use `params` only when `report.converged`.
struct SbgFit {
  SbgParams params;
  FitReport report;
};

/// One or several cohorts' survivor series, compressed to counts per duration: churned[t]
/// customers cancelled in period t (t >= 1) and censored[t] customers were still active at
/// the start of period t when their cohort's observation ended.
class SurvivorSeries {
 public:
  /// Validates and compresses the cohorts. Each cohort lists the customers active at the
  /// start of period 0, 1, ..., with at least two entries, the first > 0, all finite and
  /// >= 0, and none larger than the one before (a survivor count cannot grow). Counts need
  /// not be integers (they may be shares or weights). Errors: InvalidArgument naming the
  /// cohort, period and value, or for no cohorts.
  static absl::StatusOr<SurvivorSeries> Create(absl::Span<const std::vector<double>> cohorts);

  /// churned[t]: weight cancelling in period t (index 0 unused, 0).
  absl::Span<const double> churned() const { return churned_; }
  /// censored[t]: weight still active at the start of period t at the end of observation.
  absl::Span<const double> censored() const { return censored_; }
  /// Sum of the cohorts' initial counts.
  double total_weight() const { return total_weight_; }
  /// Sum of churned[t].
  double churned_weight() const { return churned_weight_; }

 private:
  std::vector<double> churned_;
  std::vector<double> censored_;
  double total_weight_ = 0.0;
  double churned_weight_ = 0.0;
};

/// Σ log-likelihood over the series (FH 2007, per cohort) and its gradient with
/// respect to (log α, log β):
///   d log P(T=t)/dα = ψ(α+1) − ψ(α) + ψ(α+β) − ψ(α+β+t),
///   d log P(T=t)/dβ = ψ(β+t−1) − ψ(β) + ψ(α+β) − ψ(α+β+t),
///   d log S(t)/dα  = ψ(α+β) − ψ(α+β+t),
///   d log S(t)/dβ  = ψ(β+t) − ψ(β) + ψ(α+β) − ψ(α+β+t).
/// InvalidArgument for invalid parameters; OutOfRange when not finite.
absl::StatusOr<LogLikelihoodSum<2>> SbgLogLikelihoodSum(const SbgParams& params,
                                                        const SurvivorSeries& series);

/// Maximum-likelihood fit. InvalidArgument when the options or start are invalid, or no
/// customer churned or none survived (the likelihood then has no interior maximum).
/// FitOptions::min_repeat_buyers does not apply.
absl::StatusOr<SbgFit> FitSbg(const SurvivorSeries& series, const FitOptions& options = {},
                              const SbgParams& initial = {});

/// P(T = t) = S(t−1) (1 − r(t)), t >= 1 an integer (FH 2007). Evaluated as a product of
/// retention rates up to t = 10^4 (exact for any parameters), by log-beta functions
/// beyond. InvalidArgument for invalid params or t; OutOfRange when the log-beta form
/// overflows (parameters near DBL_MAX with t > 10^4).
absl::StatusOr<double> SbgChurnProbability(const SbgParams& params, double t);

/// S(t), t >= 0 an integer (FH 2007): the share of a cohort active at period t. Errors
/// as SbgChurnProbability.
absl::StatusOr<double> SbgSurvival(const SbgParams& params, double t);

/// r(t) = (β+t−1)/(α+β+t−1), t >= 1 an integer (FH 2007): the share of the customers
/// active in period t−1 who renew for period t.
absl::StatusOr<double> SbgRetentionRate(const SbgParams& params, double t);

/// initial · S(t) for t = 0..periods−1: the projected survivors of a cohort of `initial`
/// customers (finite, >= 0). `periods` >= 1.
absl::StatusOr<std::vector<double>> SbgProjectSurvivors(const SbgParams& params,
                                                        double initial, size_t periods);

/// Discounted expected residual lifetime of a customer active in period n (who has made
/// n renewals), counting this period's payment now and the one in period n+k discounted by
/// (1+d)^−k (Fader & Hardie 2010, "Customer-base valuation in a contractual setting: the
/// perils of ignoring heterogeneity", Marketing Science 29(1)):
///   DERL(d | n) = Σ_{k>=0} S(n+k)/S(n) (1+d)^−k = 2F1(1, β+n; α+β+n; 1/(1+d)).
/// At n = 0 this is their DEL of a newly acquired customer. The value of a contractual
/// customer paying margin m per period is m · DERL: with a homogeneous retention r (θ
/// degenerate at 1−r) it is exactly RetentionLifetimeValue(m, r, d) = m(1+d)/(1+d−r)
/// (retention.h); heterogeneity makes it larger, since survivors are the loyal ones.
/// FH 2010's DERL of a customer "with n renewals" before the renewal decision of period
/// n+1 is r(n+1) · (this at n+1). `discount` finite and >= 0 (at 0 the sum is finite only
/// for α > 1: (α+β+n−1)/(α−1); otherwise OutOfRange, as when d is so close to 0 that 10^7
/// terms do not suffice); `renewals` a non-negative integer.
absl::StatusOr<double> SbgDiscountedExpectedResidualLifetime(const SbgParams& params,
                                                             double discount,
                                                             double renewals);

/// The payments a customer active in period n (who has made n renewals) is expected to make
/// in the next `periods` periods, the one in period n+k discounted by (1+d)^−k:
///   Σ_{k=1}^{periods} S(n+k)/S(n) (1+d)^−k,   S(n+k)/S(n) = Π_{i=1}^{k} r(n+i)
/// (Fader & Hardie 2007, 2010): the finite-horizon DERL without this period's payment, so
/// it tends to DERL − 1 as `periods` grows (and at d = 0 it is the expected renewals).
/// Exact for any parameters (r(t) never overflows). `discount` finite and > −1 (a finite
/// sum); `renewals` a non-negative integer; `periods` in [0, 10^7]. Errors: InvalidArgument
/// naming the bad argument; OutOfRange when a negative discount makes the sum overflow.
absl::StatusOr<double> SbgExpectedResidualPayments(const SbgParams& params, double discount,
                                                   double renewals, int64_t periods);

}  // namespace crmcore

#endif  // CRMCORE_SBG_H_

// The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "'Counting your customers'
// the easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2)),
// docs/domain.md §6.3.
//
// While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after
// each purchase they drop out with probability p ~ Beta(a, b). For a customer with x
// repeat purchases, the last at t_x, observed for T (FHL 2005 eq. 6):
//
//   L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
//     + δ(x>0) · B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x)).
//
// crmcore evaluates log L as A1 + A2 + log(e^A3 + δ e^A4) with
//   A1 = log Γ(r+x) − log Γ(r) + r log α,
//   A2 = log Γ(a+b) + log Γ(b+x) − log Γ(b) − log Γ(a+b+x),
//   A3 = −(r+x) log(α+T),   A4 = log a − log(b+x−1) − (r+x) log(α+t_x),
// summing the two exponentials by log-sum-exp, so that large x, t_x, T (x = 500,
// T = 10^4) neither overflow nor underflow.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_BGNBD_H_
#define CRMCORE_BGNBD_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/model_fit.h"

namespace crmcore {

/// BG/NBD parameters: purchase rates λ ~ Gamma(shape r, rate α) (α in the time unit of
/// t_x and T), drop-out probabilities p ~ Beta(a, b). All must be finite and > 0.
struct BgNbdParams {
  double r = 1.0;
  double alpha = 1.0;
  double a = 1.0;
  double b = 1.0;

  /// InvalidArgument naming the parameter when one is not finite and > 0.
  absl::Status Validate() const;
};

/// A fitted BG/NBD model; use `params` only when `report.converged`.
struct BgNbdFit {
  BgNbdParams params;
  FitReport report;
};

/// log L of one customer (formula in the file comment). Errors: InvalidArgument for
/// invalid parameters or history (ValidatePurchaseHistory, reported as row 0); OutOfRange
/// naming the parameters when log L is not finite (parameters near DBL_MAX).
absl::StatusOr<double> BgNbdLogLikelihood(const BgNbdParams& params, double x, double t_x,
                                          double T);

/// Σ weight · log L over `histories`, and its gradient with respect to
/// (log r, log α, log a, log b) — analytic: with w4 = δ e^A4 / (e^A3 + δ e^A4) the
/// posterior weight of "still alive only until t_x" and w3 = 1 − w4,
///   ∂/∂r = ψ(r+x) − ψ(r) + log α − w3 log(α+T) − w4 log(α+t_x),
///   ∂/∂α = r/α − (r+x) (w3/(α+T) + w4/(α+t_x)),
///   ∂/∂a = ψ(a+b) − ψ(a+b+x) + w4/a,
///   ∂/∂b = ψ(a+b) + ψ(b+x) − ψ(b) − ψ(a+b+x) − w4/(b+x−1).
/// Sums over disjoint partitions add up to the sum over their union. OutOfRange naming
/// the parameters when the sum or its gradient is not finite.
absl::StatusOr<LogLikelihoodSum<4>> BgNbdLogLikelihoodSum(const BgNbdParams& params,
                                                          const PurchaseHistories& histories);

/// Maximum-likelihood fit on `histories`, starting from `initial`. InvalidArgument when
/// the options or the start are invalid or there are fewer than
/// options.min_repeat_buyers repeat buyers; otherwise the fit with its report (which
/// says when it did not converge).
absl::StatusOr<BgNbdFit> FitBgNbd(const PurchaseHistories& histories,
                                  const FitOptions& options = {},
                                  const BgNbdParams& initial = {});

/// Evaluates the log-likelihood sum over all of a host's partitions at `params`
/// (typically: BgNbdLogLikelihoodSum per partition, added with +=).
using BgNbdLogLikelihoodEvaluator =
    std::function<absl::StatusOr<LogLikelihoodSum<4>>(const BgNbdParams& params)>;

/// The same fit with the data held elsewhere: each optimizer step calls `evaluate`.
/// The host checks min_repeat_buyers itself (the driver sees no customers). An OutOfRange
/// from `evaluate` at a trial point (parameters too extreme for double) counts as an
/// infeasible point: the line search steps back. Other errors are returned as they are.
/// With options.penalizer > 0 the host also sets options.penalizer_max_T (the largest T
/// over all partitions), else InvalidArgument; FitBgNbd sets it from its histories.
absl::StatusOr<BgNbdFit> FitBgNbdFromSums(const BgNbdLogLikelihoodEvaluator& evaluate,
                                          const FitOptions& options = {},
                                          const BgNbdParams& initial = {});

/// P(alive | x, t_x, T) per customer (FHL 2005 eq. 11; Fader, Hardie & Lee 2008 note):
///   P = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)),
/// evaluated as a logistic of the log-odds. Writes one value per customer into `out`.
/// Errors: InvalidArgument for unequal column lengths, invalid parameters, or an invalid
/// history (naming its row).
absl::Status BgNbdProbabilityAlive(const BgNbdParams& params, absl::Span<const double> x,
                                   absl::Span<const double> t_x, absl::Span<const double> T,
                                   absl::Span<double> out);

/// Expected purchases in (T, T + t] given the history (FHL 2005 eq. 10):
///   E[Y(t) | x, t_x, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x)
///                         · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive).
/// Evaluated without the a = 1 singularity or overflow: by Euler's transformation
/// (1−z)^(r+x) 2F1(r+x, b+x; c; z) = (1−z)^(a−1) 2F1(a+b−1−r, a−1; c; z), c = a+b+x−1, and
/// the factor (a−1) taken out of the series analytically. The series converges for
/// z = t/(α+T+t) < 1; it is summed until terms are below 1e-17 relative, at most 10^6
/// terms (reached only when t exceeds ~10^5 (α+T)): then OutOfRange naming the row; also
/// OutOfRange when the series overflows double (large a with t ≫ α+T, e.g. a = 134,
/// α + T = 0.0026, t = 53) rather than a NaN.
/// `t` must be finite and >= 0.
absl::Status BgNbdExpectedPurchases(const BgNbdParams& params, double t,
                                    absl::Span<const double> x, absl::Span<const double> t_x,
                                    absl::Span<const double> T, absl::Span<double> out);

/// Expected purchases of a new customer in (0, t] (FHL 2005 eq. 9):
///   E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r 2F1(r, b; a+b−1; t/(α+t))],
/// the conditional expectation at x = t_x = T = 0. Errors: invalid parameters or t, and the
/// OutOfRange cases of BgNbdExpectedPurchases (reported as row 0).
absl::StatusOr<double> BgNbdExpectedPurchasesNew(const BgNbdParams& params, double t);

/// P(X(t) = n) for a new customer over (0, t] (FHL 2005 eq. 8):
///   B(a, b+n)/B(a, b) · NB(n; r, α/(α+t))
///   + δ(n>0) · B(a+1, b+n−1)/B(a, b) · P(NB(r, α/(α+t)) >= n),
/// with NB the negative binomial probability Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n and
/// its upper tail taken as the regularized incomplete beta I_{t/(α+t)}(n, r) (Boost.Math),
/// which avoids 1 − CDF cancellation. `n` >= 0, `t` finite and > 0.
absl::StatusOr<double> BgNbdPurchaseCountProbability(const BgNbdParams& params, double t,
                                                     int64_t n);

/// P(Y(t) = n | x, t_x, T): the probability of exactly n purchases in (T, T + t] given
/// each history. By the posterior argument of Fader & Hardie's conditional-PMF notes
/// (brucehardie.com/notes/028 for the Pareto/NBD; FHL 2005 §4 for the BG/NBD): the
/// "alive at T" term of L is (1−p)^x λ^x e^(−λT), so alive at T the posterior is
/// λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x), and the process restarts at T:
///   P = P(alive) · P_new(n; r+x, α+T, a, b+x) + δ(n=0) · (1 − P(alive)),
/// P_new being BgNbdPurchaseCountProbability (FHL 2005 eq. 8). Its mean over n is
/// BgNbdExpectedPurchases (eq. 10). One value per customer into `out`. Errors:
/// InvalidArgument for unequal column lengths, invalid parameters, `t` (finite, > 0),
/// n < 0 or an invalid history (naming its row); OutOfRange naming the row when a term is
/// not finite.
absl::Status BgNbdConditionalPurchaseCountProbability(
    const BgNbdParams& params, double t, int64_t n, absl::Span<const double> x,
    absl::Span<const double> t_x, absl::Span<const double> T, absl::Span<double> out);

}  // namespace crmcore

#endif  // CRMCORE_BGNBD_H_

// The MBG/NBD model of repeat buying (Batislam, Denizel & Filiztekin 2007, "Empirical
// validation and comparison of models for customer base analysis", IJRM 24(3)),
// docs/models.md.
//
// BG/NBD (bgnbd.h) in which a customer may also drop out right after the first purchase:
// purchases while alive form a Poisson process with rate λ ~ Gamma(r, α); at time 0 and
// after each repeat purchase the customer drops out with probability p ~ Beta(a, b). For a
// customer with x repeat purchases, the last at t_x, observed for T:
//
//   L = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
//     + B(a+1, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x)),
//
// the second term present for every x (x = 0: gone right after the first purchase).
// crmcore evaluates log L as A1 + A2 + log(e^A3 + e^A4) with
//   A1 = log Γ(r+x) − log Γ(r) + r log α,
//   A2 = log Γ(a+b) + log Γ(b+x+1) − log Γ(b) − log Γ(a+b+x+1),
//   A3 = −(r+x) log(α+T),   A4 = log a − log(b+x) − (r+x) log(α+t_x).
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_MBGNBD_H_
#define CRMCORE_MBGNBD_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/model_fit.h"

namespace crmcore {

/// MBG/NBD parameters: purchase rates λ ~ Gamma(shape r, rate α) (α in the time unit of
/// t_x and T), drop-out probabilities p ~ Beta(a, b). All must be finite and > 0.
struct MbgNbdParams {
  double r = 1.0;
  double alpha = 1.0;
  double a = 1.0;
  double b = 1.0;

  /// InvalidArgument naming the parameter when one is not finite and > 0.
  absl::Status Validate() const;
};

/// A fitted MBG/NBD model; use `params` only when `report.converged`.
struct MbgNbdFit {
  MbgNbdParams params;
  FitReport report;
};

/// log L of one customer (formula in the file comment). Errors: InvalidArgument for
/// invalid parameters or history (ValidatePurchaseHistory, reported as row 0); OutOfRange
/// naming the parameters when log L is not finite.
absl::StatusOr<double> MbgNbdLogLikelihood(const MbgNbdParams& params, double x, double t_x,
                                           double T);

/// Σ weight · log L over `histories`, and its gradient with respect to
/// (log r, log α, log a, log b) — analytic: with w4 = e^A4 / (e^A3 + e^A4) and w3 = 1 − w4,
///   ∂/∂r = ψ(r+x) − ψ(r) + log α − w3 log(α+T) − w4 log(α+t_x),
///   ∂/∂α = r/α − (r+x) (w3/(α+T) + w4/(α+t_x)),
///   ∂/∂a = ψ(a+b) − ψ(a+b+x+1) + w4/a,
///   ∂/∂b = ψ(a+b) + ψ(b+x+1) − ψ(b) − ψ(a+b+x+1) − w4/(b+x).
/// Sums over disjoint partitions add up. OutOfRange naming the parameters when the sum or
/// its gradient is not finite.
absl::StatusOr<LogLikelihoodSum<4>> MbgNbdLogLikelihoodSum(const MbgNbdParams& params,
                                                           const PurchaseHistories& histories);

/// Maximum-likelihood fit on `histories`, starting from `initial`. InvalidArgument when
/// the options or the start are invalid or there are fewer than
/// options.min_repeat_buyers repeat buyers; otherwise the fit with its report.
absl::StatusOr<MbgNbdFit> FitMbgNbd(const PurchaseHistories& histories,
                                    const FitOptions& options = {},
                                    const MbgNbdParams& initial = {});

/// Evaluates the log-likelihood sum over all of a host's partitions at `params`.
using MbgNbdLogLikelihoodEvaluator =
    std::function<absl::StatusOr<LogLikelihoodSum<4>>(const MbgNbdParams& params)>;

/// The same fit with the data held elsewhere (see FitBgNbdFromSums).
absl::StatusOr<MbgNbdFit> FitMbgNbdFromSums(const MbgNbdLogLikelihoodEvaluator& evaluate,
                                            const FitOptions& options = {},
                                            const MbgNbdParams& initial = {});

/// P(alive at T | x, t_x, T) per customer (Batislam et al. 2007):
///   P = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)),
/// also for x = 0 (unlike BG/NBD, a customer without repeat purchases may be gone).
/// Errors: InvalidArgument for unequal column lengths, invalid parameters, or an invalid
/// history (naming its row).
absl::Status MbgNbdProbabilityAlive(const MbgNbdParams& params, absl::Span<const double> x,
                                    absl::Span<const double> t_x, absl::Span<const double> T,
                                    absl::Span<double> out);

/// Expected purchases in (T, T + t] given the history (Batislam et al. 2007):
///   E[Y(t) | x, t_x, T] = (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x)
///                         · 2F1(r+x, b+x+1; a+b+x; t/(α+T+t))] · P(alive),
/// the BG/NBD series (BgNbdExpectedPurchases, same evaluation and OutOfRange cases) with
/// the posterior drop-out Beta(a, b+x+1). `t` must be finite and >= 0.
absl::Status MbgNbdExpectedPurchases(const MbgNbdParams& params, double t,
                                     absl::Span<const double> x, absl::Span<const double> t_x,
                                     absl::Span<const double> T, absl::Span<double> out);

/// Expected purchases of a new customer in (0, t] (Batislam et al. 2007):
///   E[X(t)] = b/(a−1) · [1 − (α/(α+t))^r 2F1(r, b+1; a+b; t/(α+t))],
/// the conditional expectation at x = t_x = T = 0.
absl::StatusOr<double> MbgNbdExpectedPurchasesNew(const MbgNbdParams& params, double t);

/// P(X(t) = n) for a new customer over (0, t]: the BG/NBD derivation (FHL 2005 eq. 8) with
/// MBG/NBD's extra drop-out at time 0 (Batislam et al. 2007). Given λ and p, the customer
/// makes exactly n purchases either alive at t — survived time 0 and n purchases, n
/// Poisson arrivals: (1−p)^(n+1) e^(−λt) (λt)^n/n! — or gone right after the n-th
/// purchase (time 0 for n = 0), which came by t: p (1−p)^n P(Poisson(λt) >= n). Over
/// p ~ Beta(a, b) and λ ~ Gamma(r, α), for every n >= 0 (no δ(n>0) term as in BG/NBD):
///   P(X(t) = n) = B(a, b+n+1)/B(a, b) · NB(n; r, α/(α+t))
///               + B(a+1, b+n)/B(a, b) · P(NB(r, α/(α+t)) >= n),
/// NB(n) = Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n, the tail I_{t/(α+t)}(n, r) (1 at n = 0).
/// P(X(t) = 0) = a/(a+b) + b/(a+b) (α/(α+t))^r. Its mean is MbgNbdExpectedPurchasesNew.
/// `n` >= 0, `t` finite and > 0; errors: InvalidArgument naming the value or parameter,
/// OutOfRange when the value is not finite (parameters near DBL_MAX).
absl::StatusOr<double> MbgNbdPurchaseCountProbability(const MbgNbdParams& params, double t,
                                                      int64_t n);

/// P(Y(t) = n | x, t_x, T): the probability of exactly n purchases in (T, T + t] given each
/// history, by the posterior argument of BgNbdConditionalPurchaseCountProbability. The
/// "alive at T" term of L is (1−p)^(x+1) λ^x e^(−λT): x + 1 survivals (time 0 and each
/// repeat purchase), so alive at T the posterior is λ ~ Gamma(r+x, α+T), p ~ Beta(a,
/// b+x+1). From T on, such a customer drops out only after a purchase — there is no second
/// "time 0" — so they buy as a new BG/NBD customer (FHL 2005 eq. 8) of those parameters:
///   P = P(alive) · P_BG/NBD(n; r+x, α+T, a, b+x+1) + δ(n=0) · (1 − P(alive)),
/// with MbgNbdProbabilityAlive (a customer with x = 0 may be gone). Its mean over n is
/// MbgNbdExpectedPurchases. One value per customer into `out`. Errors: InvalidArgument for
/// `t` (finite, > 0), n < 0, unequal column lengths, invalid parameters or an invalid
/// history (naming its row); OutOfRange naming the row when a term is not finite.
absl::Status MbgNbdConditionalPurchaseCountProbability(
    const MbgNbdParams& params, double t, int64_t n, absl::Span<const double> x,
    absl::Span<const double> t_x, absl::Span<const double> T, absl::Span<double> out);

}  // namespace crmcore

#endif  // CRMCORE_MBGNBD_H_

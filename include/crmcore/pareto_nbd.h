// The Pareto/NBD model of repeat buying (Schmittlein, Morrison & Colombo 1987, "Counting
// your customers: who are they and what will they do next?", Management Science 33(1)),
// in the formulation of Fader & Hardie (2005, "A note on deriving the Pareto/NBD model and
// related expressions"), docs/domain.md §6.3.
//
// While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); their
// lifetime is exponential with rate μ ~ Gamma(s, β). For history (x, t_x, T) (F&H 2005 eq. 22):
//
//   L = Γ(r+x) α^r β^s / Γ(r) · [ 1/((α+T)^(r+x) (β+T)^s) + s/(r+s+x) · A0 ],
//   A0 = F(t_x) − F(T), with, for α >= β,
//     F(y) = 2F1(r+s+x, s+1; r+s+x+1; (α−β)/(α+y)) / (α+y)^(r+s+x),
//   and for α < β the same with α and β swapped and s+1 replaced by r+x.
//
// The Gauss hypergeometric 2F1 (Boost 1.74 has no 2F1) is evaluated by crmcore's own code
// after Euler's transformation 2F1(a,b;c;z) = (1−z)^(c−a−b) 2F1(c−a, c−b; c; z), which here
// turns it into 2F1(1, r+x; c; z) (α >= β) or 2F1(1, s+1; c; z) (α < β), c = r+s+x+1,
// z = |α−β|/(max(α,β)+y) < 1. For z <= 1/2 it is the series, positive terms whose ratio is
// below z (no cancellation, no overflow for large x), summed to 1e-18 relative in under 70
// terms; above, where the series would need ~40/(1−z) terms, Gauss's continued fraction,
// which needs up to ~17/√(1−z) steps (about twice that with the derivatives of a fit):
// log 2F1 to ~1e-15 relative at moderate z, ~1e-10 as 1 − z nears 1e-7. OutOfRange only
// when it takes over 10^5 steps, from about 1 − z < 1e-7 (one of α, β some 10^7 times the
// other plus t_x). A0 is formed as
// e^l1 · (−expm1(l2 − l1)) from the logs l1 = log F(t_x), l2 = log F(T), so the difference
// of two close numbers loses nothing.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_PARETO_NBD_H_
#define CRMCORE_PARETO_NBD_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/model_fit.h"

namespace crmcore {

/// Pareto/NBD parameters: purchase rates λ ~ Gamma(r, α), drop-out rates μ ~ Gamma(s, β)
/// (α, β in the time unit of t_x and T). All must be finite and > 0.
struct ParetoNbdParams {
  double r = 1.0;
  double alpha = 1.0;
  double s = 1.0;
  double beta = 1.0;

  /// InvalidArgument naming the parameter when one is not finite and > 0.
  absl::Status Validate() const;
};

/// A fitted Pareto/NBD model; use `params` only when `report.converged`.
struct ParetoNbdFit {
  ParetoNbdParams params;
  FitReport report;
};

/// log L of one customer. Errors: InvalidArgument for invalid parameters or history;
/// OutOfRange when the hypergeometric function does not converge (see the file comment),
/// or naming the parameters when log L is not finite (parameters near DBL_MAX).
absl::StatusOr<double> ParetoNbdLogLikelihood(const ParetoNbdParams& params, double x,
                                              double t_x, double T);

/// Σ weight · log L and its gradient with respect to (log r, log α, log s, log β). The
/// gradient is exact for the evaluated expression: derivatives are carried through the
/// series term by term (forward-mode automatic differentiation). Partition sums add up.
/// Errors as ParetoNbdLogLikelihood(), for the sum and its gradient.
absl::StatusOr<LogLikelihoodSum<4>> ParetoNbdLogLikelihoodSum(
    const ParetoNbdParams& params, const PurchaseHistories& histories);

/// Maximum-likelihood fit (as FitBgNbd).
absl::StatusOr<ParetoNbdFit> FitParetoNbd(const PurchaseHistories& histories,
                                          const FitOptions& options = {},
                                          const ParetoNbdParams& initial = {});

using ParetoNbdLogLikelihoodEvaluator =
    std::function<absl::StatusOr<LogLikelihoodSum<4>>(const ParetoNbdParams& params)>;

/// The fit with the data held elsewhere (as FitBgNbdFromSums, OutOfRange and
/// options.penalizer_max_T included).
absl::StatusOr<ParetoNbdFit> FitParetoNbdFromSums(const ParetoNbdLogLikelihoodEvaluator& evaluate,
                                                  const FitOptions& options = {},
                                                  const ParetoNbdParams& initial = {});

/// P(alive | x, t_x, T) (F&H 2005 eq. 18): the first bracketed term of L over the whole
/// bracket, 1 / (1 + s/(r+s+x) · A0 · (α+T)^(r+x) (β+T)^s). Errors as the likelihood,
/// naming the row.
absl::Status ParetoNbdProbabilityAlive(const ParetoNbdParams& params, absl::Span<const double> x,
                                       absl::Span<const double> t_x, absl::Span<const double> T,
                                       absl::Span<double> out);

/// Expected purchases in (T, T + t] (F&H 2005 eq. 27; Schmittlein et al. 1987):
///   E[Y(t) | x, t_x, T] = (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive),
/// with [1 − ((β+T)/(β+T+t))^(s−1)]/(s−1) = −expm1(−(s−1) log1p(t/(β+T)))/(s−1), continuous
/// through s = 1 (where it is log1p(t/(β+T))). `t` finite and >= 0. OutOfRange naming the
/// row when the expectation itself overflows double (absurd x, T or parameters).
absl::Status ParetoNbdExpectedPurchases(const ParetoNbdParams& params, double t,
                                        absl::Span<const double> x, absl::Span<const double> t_x,
                                        absl::Span<const double> T, absl::Span<double> out);

/// Expected purchases of a new customer in (0, t] (Schmittlein et al. 1987; the
/// expression for E[X(t)] in the F&H 2005 note):
///   E[X(t)] = r β / (α (s−1)) · [1 − (β/(β+t))^(s−1)],
/// with the bracket over (s−1) taken as −expm1(−(s−1) log1p(t/β))/(s−1), which is
/// (r β/α) log1p(t/β) at s = 1 rather than 0/0. The conditional expectation at
/// x = t_x = T = 0. Errors: InvalidArgument for invalid parameters or `t` (finite, >= 0).
absl::StatusOr<double> ParetoNbdExpectedPurchasesNew(const ParetoNbdParams& params, double t);

/// P(X(t) = n) for a new customer over (0, t] (Fader & Hardie 2006/2020, "Deriving an
/// expression for P(X(t) = x) under the Pareto/NBD model", brucehardie.com/notes/012).
/// Evaluated from the model rather than from the note's closed form, whose last step
/// subtracts nearly equal hypergeometric sums: with lifetime τ ~ Exp(μ),
///   P = NB(n; r, α, t) (β/(β+t))^s + ∫_0^t NB(n; r, α, τ) s β^s (β+τ)^(−s−1) dτ,
/// NB(n; r, α, τ) = Γ(r+n)/(Γ(r) n!) (α/(α+τ))^r (τ/(α+τ))^n the gamma-Poisson count of a
/// customer alive for τ. Both terms are positive; the integral is taken over
/// u = log(1 + τ/β) (density s e^(−s u)) by adaptive Gauss–Kronrod quadrature to 1e-11
/// relative; an integral bounded by 1e-300 is taken as 0. `n` >= 0, `t` finite and > 0. Errors: InvalidArgument for those and invalid
/// parameters; OutOfRange when the quadrature's error estimate stays above 1e-9.
absl::StatusOr<double> ParetoNbdPurchaseCountProbability(const ParetoNbdParams& params,
                                                         double t, int64_t n);

/// P(Y(t) = n | x, t_x, T): the probability of exactly n purchases in (T, T + t] given
/// each history (Fader & Hardie, "Deriving the conditional PMF of the Pareto/NBD model",
/// brucehardie.com/notes/028). Alive at T, a customer's posterior is λ ~ Gamma(r+x, α+T),
/// μ ~ Gamma(s, β+T), and both processes are memoryless, so
///   P = P(alive) · P_new(n; r+x, α+T, s, β+T) + δ(n=0) · (1 − P(alive)),
/// with P_new ParetoNbdPurchaseCountProbability. Its mean over n is
/// ParetoNbdExpectedPurchases. One value per customer into `out`. Errors: InvalidArgument
/// for unequal column lengths, invalid parameters, `t` (finite, > 0), n < 0 or an invalid
/// history (naming its row); OutOfRange as P(alive) and the quadrature, naming the row.
absl::Status ParetoNbdConditionalPurchaseCountProbability(
    const ParetoNbdParams& params, double t, int64_t n, absl::Span<const double> x,
    absl::Span<const double> t_x, absl::Span<const double> T, absl::Span<double> out);

}  // namespace crmcore

#endif  // CRMCORE_PARETO_NBD_H_

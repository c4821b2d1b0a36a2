// Private helpers of the lifetime models: special functions, the log-parameter
// optimizer, and column checks shared by the predictions.
#ifndef CRMCORE_SRC_MODELS_MODEL_INTERNAL_H_
#define CRMCORE_SRC_MODELS_MODEL_INTERNAL_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crmcore/model_fit.h"

namespace crmcore::models_internal {

/// log Γ(x) for x > 0. glibc's lgamma writes the global `signgam`; lgamma_r does not,
/// so concurrent host threads do not race.
double LogGamma(double x);

/// log Γ(a+k) − log Γ(a) for a > 0, k >= 0, accurate also where log Γ(a+k) and log Γ(a)
/// are huge and nearly equal (a ≫ k): for a >= 1000 by the difference of Stirling's
/// series, (a−½) log1p(k/a) + k log(a+k) − k + μ(a+k) − μ(a), μ(z) = 1/(12z) − 1/(360z³)
/// + 1/(1260z⁵) − 1/(1680z⁷) (Abramowitz & Stegun 6.1.40), whose terms do not cancel;
/// below, as the difference of the two log-gammas.
double LogGammaRatio(double a, double k);

/// log[B(a+j, b+k)/B(a, b)] for a, b > 0, j, k >= 0, by LogGammaRatio: the ratios of beta
/// functions of the beta-geometric models (BG/BB, sBG), accurate for any a and b.
inline double LogBetaRatio(double a, double b, double j, double k) {
  return LogGammaRatio(a, j) + LogGammaRatio(b, k) - LogGammaRatio(a + b, j + k);
}

/// ψ(x) = d log Γ(x) / dx for x > 0 (Boost.Math, errors reported as NaN, no exceptions).
double Digamma(double x);

/// ψ(a+k) − ψ(a) for a > 0, k >= 0, the derivative of LogGammaRatio(a, k) in a, accurate
/// also where a ≫ k: for a >= 1000 by the difference of the asymptotic series,
/// log1p(k/a) + k/(2a(a+k)) + ν(a+k) − ν(a), ν(z) = −1/(12z²) + 1/(120z⁴) − 1/(252z⁶)
/// (Abramowitz & Stegun 6.3.18); below, as the difference of the two digammas.
double DigammaDifference(double a, double k);

/// log(exp(u) + exp(v)) without overflow.
inline double LogAddExp(double u, double v) {
  const double hi = u > v ? u : v;
  return hi + std::log1p(std::exp(-std::fabs(u - v)));
}

/// expm1(b·L) / b, continuous at b = 0 (where it is L).
inline double Expm1Over(double b, double L) {
  const double bl = b * L;
  if (std::fabs(bl) < 1e-300 || b == 0.0) return L;
  return std::expm1(bl) / b;
}

/// The objective handed to the optimizer: fills `sum` at the parameters exp(log_params).
using LogParamObjective =
    std::function<absl::Status(absl::Span<const double> log_params, double* log_likelihood,
                               double* weight, absl::Span<double> gradient)>;

/// Maximizes the log-likelihood over log-parameters, starting from and writing back
/// `log_params`. Returns the report (converged or not); an error only when the objective
/// itself fails. An OutOfRange from the objective, or a non-finite log-likelihood or
/// gradient, marks a trial point outside the model: the line search steps back.
/// With options.penalizer = C > 0 it minimizes −LL/W + C Σ_k (penalty_scale[k] θ_k)²
/// (lifetimes' penalizer_coef; `penalty_scale` empty = all 1, else one per parameter, e.g.
/// 1 / max T for a rate in time units); report.log_likelihood stays the unpenalized LL.
/// A converged fit also gets report.uncertainty (EstimateParameterUncertainty).
absl::StatusOr<FitReport> MaximizeLogLikelihood(const LogParamObjective& objective,
                                                std::vector<double>& log_params,
                                                const FitOptions& options,
                                                absl::Span<const double> penalty_scale = {});

/// The parameters' covariance at the estimates exp(log_params): the inverse Hessian of the
/// total penalized negative log-likelihood −LL + W·C·Σ (penalty_scale[k] θ_k)² (C =
/// `penalizer`, W the total weight; the objective MaximizeLogLikelihood minimizes, times
/// W), see ParameterUncertainty. The Hessian in log-parameters comes from central
/// differences of the objective's analytic gradient (step 1e-5 in log θ: truncation error
/// ~1e-10 relative, rounding ~1e-11 for gradients accurate to ~1e-15), symmetrized; it is
/// checked by its eigenvalues (smallest <= 1e-9 × largest: singular or indefinite, then
/// available = false with the reason). Never returns NaN entries. Any model family fitted
/// through MaximizeLogLikelihood can call it.
ParameterUncertainty EstimateParameterUncertainty(const LogParamObjective& objective,
                                                  absl::Span<const double> log_params,
                                                  double penalizer,
                                                  absl::Span<const double> penalty_scale = {});

/// 1 / options.penalizer_max_T, the factor that puts a rate parameter in lifetimes' time
/// unit (largest T = 1) for the penalizer; 1 when options.penalizer = 0. InvalidArgument
/// naming `model` when the penalizer is on and penalizer_max_T is not > 0.
absl::StatusOr<double> PenalizerTimeScale(absl::string_view model, const FitOptions& options);

/// InvalidArgument unless every span has `n` entries.
absl::Status CheckColumnLengths(absl::string_view what, size_t n,
                                std::initializer_list<size_t> lengths);

/// For the weighted inputs (PurchaseHistories, SpendHistories, BgBbHistories): OK when
/// `weight` is empty (each row counts once) or row i's weight is finite and >= 0;
/// otherwise InvalidArgument "<what> row i: weight must be finite and >= 0, got w".
absl::Status CheckRowWeight(absl::string_view what, size_t i, absl::Span<const double> weight);

/// The row indices 0..n-1 sorted by key(i), so that rows with equal keys are adjacent and
/// the weighted inputs collapse them into one row.
template <typename Key>
std::vector<size_t> RowsSortedBy(size_t n, const Key& key) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t i, size_t j) { return key(i) < key(j); });
  return order;
}

/// InvalidArgument unless `value` is finite and > 0, naming `model` and `name`.
absl::Status CheckPositiveParameter(absl::string_view model, absl::string_view name,
                                    double value);

/// OutOfRange when a log-likelihood (`what`, e.g. "BG/NBD log-likelihood") or any entry of
/// its gradient is not finite: valid parameters so extreme (near DBL_MAX) that the terms
/// overflow, e.g. lgamma(r + x) − lgamma(r) = Inf − Inf. `params` names them for the
/// message. A fit treats the error as a point outside the model and steps back.
absl::Status CheckFiniteLogLikelihood(absl::string_view what, double log_likelihood,
                                      absl::Span<const double> gradient,
                                      absl::string_view params);

/// P(Y(t) = n | x, t_x, T) from P(alive) in `out` (replaced by the result): a customer
/// alive at T buys as a new customer of the posterior parameters; one who is gone buys
/// nothing. `posterior_pmf(x, T)` is the new-customer pmf at the posterior of (x, T), which
/// depends on (x, T) only, so it is computed once per distinct pair (populations hold few).
/// Errors of posterior_pmf are returned with the row prefixed.
template <typename PosteriorPmf>
absl::Status MixPosteriorPurchaseCountProbability(absl::Span<const double> x,
                                                  absl::Span<const double> T, int64_t n,
                                                  const PosteriorPmf& posterior_pmf,
                                                  absl::Span<double> out) {
  absl::flat_hash_map<std::pair<double, double>, double> alive_pmf_of;
  for (size_t i = 0; i < x.size(); ++i) {
    auto [it, inserted] = alive_pmf_of.try_emplace(std::make_pair(x[i], T[i]), 0.0);
    if (inserted) {
      absl::StatusOr<double> p = posterior_pmf(x[i], T[i]);
      if (!p.ok()) {
        return absl::Status(p.status().code(),
                            absl::StrCat("row ", i, ": ", p.status().message()));
      }
      it->second = *p;
    }
    const double alive = out[i];
    out[i] = alive * it->second + (n == 0 ? 1.0 - alive : 0.0);
  }
  return absl::OkStatus();
}

}  // namespace crmcore::models_internal

#endif  // CRMCORE_SRC_MODELS_MODEL_INTERNAL_H_

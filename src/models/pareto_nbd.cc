#include "crmcore/pareto_nbd.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "models/dual.h"
#include "models/model_internal.h"

namespace crmcore {

namespace {

using models_internal::Dual;
using models_internal::Exp;
using models_internal::Expm1;
using models_internal::Lgamma;
using models_internal::Log;
using models_internal::Log1p;
using models_internal::Value;

constexpr const char* kModel = "Pareto/NBD";

std::string ParamsText(const ParetoNbdParams& p) {
  return absl::StrCat("r = ", FormatDouble(p.r), ", alpha = ", FormatDouble(p.alpha),
                      ", s = ", FormatDouble(p.s), ", beta = ", FormatDouble(p.beta));
}
// Beyond this z the series below converges slowly (its terms shrink like z^n, needing
// ~40/(1−z) of them near z = 1); the continued fraction takes over.
constexpr double kSeriesMaxZ = 0.5;
// Steps of the continued fraction before giving up: enough for 1 − z down to about 1e-7
// (it needs up to ~17/√(1−z) steps for the value and about twice as many for the
// derivatives, far fewer when c − b is large). Closer to 1, rounding accumulated over the
// steps costs more than 1e-10 of log 2F1.
constexpr int kMaxContinuedFractionSteps = 100000;
// Stop when a factor is within 2 ulps of 1. The factors approach 1 geometrically, slowly
// near z = 1, so the neglected ones still add up to about this tolerance / √(1−z).
constexpr double kFactorTolerance = 4.5e-16;

// log 2F1(1, b; c; z) for 0 <= z <= kSeriesMaxZ, 0 < b < c: Σ_n (b)_n/(c)_n z^n, positive
// terms with ratio (b+n)/(c+n)·z < z <= 1/2: under 70 terms to 1e-18 relative. Returns
// false after kMaxSeriesTerms, which only a NaN reaches (b = c = +Inf when r + x overflows).
template <typename S>
bool LogHyp2F1OneBSeries(const S& b, const S& c, const S& z, S* out) {
  constexpr int kMaxSeriesTerms = 1000;
  S term(1.0), sum(1.0);
  const double zv = Value(z);
  if (zv > 0.0) {
    int n = 0;
    for (; n < kMaxSeriesTerms; ++n) {
      const double dn = static_cast<double>(n);
      term = term * ((b + dn) / (c + dn)) * z;
      sum = sum + term;
      // The remaining terms sum to less than term · z/(1−z).
      if (Value(term) * zv <= 1e-18 * Value(sum) * (1.0 - zv)) break;
    }
    if (n == kMaxSeriesTerms) return false;
  }
  *out = Log(sum);
  return true;
}

// Whether a continued-fraction factor is 1 to working precision, in value and (dual
// numbers) in every derivative, relative to the log-derivative of the product so far. A
// NaN never counts as converged.
bool FactorIsOne(double factor, double /*product*/) {
  return std::fabs(factor - 1.0) <= kFactorTolerance;
}
template <size_t N>
bool FactorIsOne(const Dual<N>& factor, const Dual<N>& product) {
  if (!(std::fabs(factor.v - 1.0) <= kFactorTolerance)) return false;
  for (size_t k = 0; k < N; ++k) {
    const double scale = std::max(1.0, std::fabs(product.d[k] / product.v));
    if (!(std::fabs(factor.d[k]) <= kFactorTolerance * scale)) return false;
  }
  return true;
}

// log 2F1(1, b; c; z) for kSeriesMaxZ < z < 1, 0 < b < c, by Gauss's continued fraction
// for 2F1(a+1, b; c'+1; z) / 2F1(a, b; c'; z) at a = 0, c' = c − 1 (DLMF §15.7(ii); Wall
// 1948, "Analytic theory of continued fractions", ch. XVIII):
//   2F1(1, b; c; z) = 1 / (1 + k1·z / (1 + k2·z / (1 + ...))),
//   k_{2m+1} = −(c'+m)(b+m) / ((c'+2m)(c'+2m+1)),  k_{2m} = −m(c'+m−b) / ((c'+2m−1)(c'+2m)).
// Every k is negative when c > b > 0 (2F1(1, b; c; z) is then a Stieltjes transform), and
// the fraction converges for all z < 1, in up to ~17/√(1−z) steps: ~2,400 at 1 − z = 4e-5,
// where the series needs 10^6 terms. Checked against mpmath's hyp2f1: about 1e-15 relative
// at moderate z, 1e-10 at 1 − z = 1e-7. Evaluated by the modified Lentz method (Numerical
// Recipes, 3rd ed., §5.2). Returns false when it does not converge in
// kMaxContinuedFractionSteps.
template <typename S>
bool LogHyp2F1OneBContinuedFraction(const S& b, const S& c, const S& z, S* out) {
  constexpr double kTiny = 1e-300;  // Lentz's guard against a zero denominator
  const S c1 = c - 1.0;
  S fraction(1.0), lentz_c(1.0), lentz_d(0.0);
  for (int n = 1; n <= kMaxContinuedFractionSteps; ++n) {
    const double m = static_cast<double>(n / 2);
    // k1 = −b/c with c' cancelled: c' is 0 when r + s + x < 2^-53 (r, s ~ 1e-17, x = 0).
    const S k = n == 1       ? -b / c
                : n % 2 == 1 ? -((c1 + m) * (b + m)) / ((c1 + 2.0 * m) * (c1 + 2.0 * m + 1.0))
                             : -(m * (c1 + m - b)) / ((c1 + 2.0 * m - 1.0) * (c1 + 2.0 * m));
    const S a = k * z;
    lentz_d = 1.0 + a * lentz_d;
    if (Value(lentz_d) == 0.0) lentz_d = S(kTiny);
    lentz_c = 1.0 + a / lentz_c;
    if (Value(lentz_c) == 0.0) lentz_c = S(kTiny);
    lentz_d = S(1.0) / lentz_d;
    const S factor = lentz_c * lentz_d;
    fraction = fraction * factor;
    if (FactorIsOne(factor, fraction)) {
      *out = -Log(fraction);
      return true;
    }
  }
  return false;
}

// log 2F1(1, b; c; z) for 0 <= z < 1, 0 < b < c. Returns false when it cannot be computed
// (z so close to 1 that the continued fraction does not converge).
template <typename S>
bool LogHyp2F1OneB(const S& b, const S& c, const S& z, S* out) {
  if (Value(z) <= kSeriesMaxZ) return LogHyp2F1OneBSeries(b, c, z, out);
  return LogHyp2F1OneBContinuedFraction(b, c, z, out);
}

// The log of the two pieces of the bracket of L: log of the "alive at T" term, and of
// s/(r+s+x)·A0 (−inf when t_x = T, where A0 = 0).
template <typename S>
struct BracketTerms {
  S log_common;  // log Γ(r+x) − log Γ(r) + r log α + s log β
  S log_alive;   // −(r+x) log(α+T) − s log(β+T)
  S log_dead;    // log(s/(r+s+x)) + log A0
  bool dead_possible = false;
};

// log F(y) of the file comment of pareto_nbd.h, after Euler's transformation.
template <typename S>
bool LogF(const S& r, const S& alpha, const S& s, const S& beta, double x, double y, S* out) {
  const S c = r + s + x + 1.0;
  S log_series;
  if (Value(alpha) >= Value(beta)) {
    const S z = (alpha - beta) / (alpha + y);
    if (!LogHyp2F1OneB(r + x, c, z, &log_series)) return false;
    *out = log_series - s * Log(beta + y) - (r + x) * Log(alpha + y);
  } else {
    const S z = (beta - alpha) / (beta + y);
    if (!LogHyp2F1OneB(s + 1.0, c, z, &log_series)) return false;
    *out = log_series + (1.0 - r - x) * Log(alpha + y) - (1.0 + s) * Log(beta + y);
  }
  return true;
}

absl::Status NonConvergenceError(double alpha, double beta, double t_x, size_t row) {
  return absl::OutOfRangeError(absl::StrCat(
      "Pareto/NBD row ", row, ": the hypergeometric function did not converge in ",
      kMaxContinuedFractionSteps, " continued-fraction steps (alpha = ", FormatDouble(alpha),
      ", beta = ",
      FormatDouble(beta), " are too far apart for t_x = ", FormatDouble(t_x), ")"));
}

template <typename S>
absl::StatusOr<BracketTerms<S>> ComputeBracket(const S& r, const S& alpha, const S& s,
                                               const S& beta, double x, double t_x, double T,
                                               size_t row) {
  BracketTerms<S> out;
  out.log_common = Lgamma(r + x) - Lgamma(r) + r * Log(alpha) + s * Log(beta);
  out.log_alive = -(r + x) * Log(alpha + T) - s * Log(beta + T);
  if (t_x < T) {
    S l1, l2;
    if (!LogF(r, alpha, s, beta, x, t_x, &l1) || !LogF(r, alpha, s, beta, x, T, &l2)) {
      return NonConvergenceError(Value(alpha), Value(beta), t_x, row);
    }
    // A0 = F(t_x) − F(T) > 0 in exact arithmetic, but when T − t_x is negligible beside
    // alpha and beta (T = 1e-20) F(T) rounds to F(t_x): A0 is then 0 as at t_x = T, and
    // log(−expm1(0)) = −Inf would turn the dual numbers' derivatives into NaN.
    const S log_f_ratio = l2 - l1;
    if (Value(log_f_ratio) < 0.0) {
      out.log_dead = Log(s / (r + s + x)) + l1 + Log(-Expm1(log_f_ratio));
      out.dead_possible = true;
    }
  }
  return out;
}

template <typename S>
S LogAddExp(const S& u, const S& v) {
  const bool u_larger = Value(u) >= Value(v);
  const S& hi = u_larger ? u : v;
  const S& lo = u_larger ? v : u;
  return hi + Log1p(Exp(lo - hi));
}

template <typename S>
S LogLikelihoodOf(const BracketTerms<S>& b) {
  return b.log_common + (b.dead_possible ? LogAddExp(b.log_alive, b.log_dead) : b.log_alive);
}

absl::Status ValidateColumns(const ParetoNbdParams& params, absl::Span<const double> x,
                             absl::Span<const double> t_x, absl::Span<const double> T,
                             absl::Span<double> out) {
  CRM_RETURN_IF_ERROR(params.Validate());
  CRM_RETURN_IF_ERROR(models_internal::CheckColumnLengths(
      "Pareto/NBD prediction", x.size(), {t_x.size(), T.size(), out.size()}));
  for (size_t i = 0; i < x.size(); ++i) {
    CRM_RETURN_IF_ERROR(ValidatePurchaseHistory(i, x[i], t_x[i], T[i]));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParetoNbdParams::Validate() const {
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "r", r));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "alpha", alpha));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "s", s));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "beta", beta));
  return absl::OkStatus();
}

absl::StatusOr<double> ParetoNbdLogLikelihood(const ParetoNbdParams& params, double x,
                                              double t_x, double T) {
  CRM_RETURN_IF_ERROR(params.Validate());
  CRM_RETURN_IF_ERROR(ValidatePurchaseHistory(0, x, t_x, T));
  CRM_ASSIGN_OR_RETURN(const BracketTerms<double> b,
                       ComputeBracket(params.r, params.alpha, params.s, params.beta, x, t_x, T, 0));
  const double ll = LogLikelihoodOf(b);
  CRM_RETURN_IF_ERROR(models_internal::CheckFiniteLogLikelihood("Pareto/NBD log-likelihood", ll,
                                                                {}, ParamsText(params)));
  return ll;
}

absl::StatusOr<LogLikelihoodSum<4>> ParetoNbdLogLikelihoodSum(
    const ParetoNbdParams& params, const PurchaseHistories& histories) {
  CRM_RETURN_IF_ERROR(params.Validate());
  using D = Dual<4>;
  const D r = D::LogParameter(params.r, 0), alpha = D::LogParameter(params.alpha, 1),
          s = D::LogParameter(params.s, 2), beta = D::LogParameter(params.beta, 3);
  const auto xs = histories.frequency();
  const auto txs = histories.recency();
  const auto Ts = histories.T();
  const auto ws = histories.weight();
  LogLikelihoodSum<4> sum;
  for (size_t i = 0; i < xs.size(); ++i) {
    CRM_ASSIGN_OR_RETURN(const BracketTerms<D> b,
                         ComputeBracket(r, alpha, s, beta, xs[i], txs[i], Ts[i], i));
    const D ll = LogLikelihoodOf(b);
    const double w = ws[i];
    sum.log_likelihood += w * ll.v;
    for (size_t k = 0; k < 4; ++k) sum.gradient[k] += w * ll.d[k];
    sum.weight += w;
  }
  CRM_RETURN_IF_ERROR(models_internal::CheckFiniteLogLikelihood(
      "Pareto/NBD log-likelihood sum", sum.log_likelihood, sum.gradient, ParamsText(params)));
  return sum;
}

absl::StatusOr<ParetoNbdFit> FitParetoNbdFromSums(const ParetoNbdLogLikelihoodEvaluator& evaluate,
                                                  const FitOptions& options,
                                                  const ParetoNbdParams& initial) {
  CRM_RETURN_IF_ERROR(initial.Validate());
  std::vector<double> log_params = {std::log(initial.r), std::log(initial.alpha),
                                    std::log(initial.s), std::log(initial.beta)};
  auto objective = [&](absl::Span<const double> lp, double* ll, double* weight,
                       absl::Span<double> gradient) -> absl::Status {
    const ParetoNbdParams p{std::exp(lp[0]), std::exp(lp[1]), std::exp(lp[2]), std::exp(lp[3])};
    // OutOfRange (a parameter over/underflowed, a series that does not converge, terms too
    // extreme for double) makes the line search step back.
    absl::StatusOr<LogLikelihoodSum<4>> s =
        p.Validate().ok() ? evaluate(p) : absl::OutOfRangeError("parameter over/underflow");
    CRM_RETURN_IF_ERROR(s.status());
    *ll = s->log_likelihood;
    *weight = s->weight;
    for (size_t k = 0; k < 4; ++k) gradient[k] = s->gradient[k];
    return absl::OkStatus();
  };
  // lifetimes' penalizer acts on α (and β) in a time unit where the largest T is 1.
  CRM_ASSIGN_OR_RETURN(const double time_scale,
                       models_internal::PenalizerTimeScale("Pareto/NBD", options));
  const double penalty_scale[] = {1.0, time_scale, 1.0, time_scale};
  CRM_ASSIGN_OR_RETURN(FitReport report, models_internal::MaximizeLogLikelihood(
                                             objective, log_params, options, penalty_scale));
  ParetoNbdFit fit;
  fit.params = {std::exp(log_params[0]), std::exp(log_params[1]), std::exp(log_params[2]),
                std::exp(log_params[3])};
  fit.report = std::move(report);
  return fit;
}

absl::StatusOr<ParetoNbdFit> FitParetoNbd(const PurchaseHistories& histories,
                                          const FitOptions& options,
                                          const ParetoNbdParams& initial) {
  CRM_RETURN_IF_ERROR(options.Validate());
  FitOptions with_max_T = options;
  with_max_T.penalizer_max_T = histories.max_T();
  if (histories.repeat_buyer_weight() < options.min_repeat_buyers) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Pareto/NBD fit: too few repeat buyers (customers with x > 0): got ",
        FormatDouble(histories.repeat_buyer_weight()), ", need at least ",
        FormatDouble(options.min_repeat_buyers)));
  }
  CRM_ASSIGN_OR_RETURN(
      ParetoNbdFit fit,
      FitParetoNbdFromSums(
          [&](const ParetoNbdParams& p) { return ParetoNbdLogLikelihoodSum(p, histories); },
          with_max_T, initial));
  fit.report.zero_recency_repeat_buyers = histories.zero_recency_repeat_weight();
  return fit;
}

absl::Status ParetoNbdProbabilityAlive(const ParetoNbdParams& params, absl::Span<const double> x,
                                       absl::Span<const double> t_x, absl::Span<const double> T,
                                       absl::Span<double> out) {
  CRM_RETURN_IF_ERROR(ValidateColumns(params, x, t_x, T, out));
  const double r = params.r, alpha = params.alpha, s = params.s, beta = params.beta;
  // P(alive) = 1 / (1 + e^(log_dead − log_alive)): the customer-level constant log_common of
  // the likelihood cancels, so no log-gamma is needed. log F depends on (x, y) only, with y
  // = t_x or T, and real populations hold few distinct pairs (purchase days and cohort
  // ends): each pair's series is summed once and remembered; consecutive equal rows skip
  // even the lookup.
  absl::flat_hash_map<std::pair<double, double>, double> log_f_of;
  const auto log_f = [&](double xi, double y, size_t row) -> absl::StatusOr<double> {
    auto [it, inserted] = log_f_of.try_emplace(std::make_pair(xi, y), 0.0);
    if (inserted && !LogF(r, alpha, s, beta, xi, y, &it->second)) {
      return NonConvergenceError(alpha, beta, t_x[row], row);
    }
    return it->second;
  };
  double last_x = -1.0, last_t_x = -1.0, last_T = -1.0, last_p = 1.0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == last_x && t_x[i] == last_t_x && T[i] == last_T) {
      out[i] = last_p;
      continue;
    }
    double p_alive = 1.0;
    if (t_x[i] < T[i]) {
      CRM_ASSIGN_OR_RETURN(const double l1, log_f(x[i], t_x[i], i));
      CRM_ASSIGN_OR_RETURN(const double l2, log_f(x[i], T[i], i));
      const double log_alive = -(r + x[i]) * std::log(alpha + T[i]) - s * std::log(beta + T[i]);
      const double log_dead = std::log(s / (r + s + x[i])) + l1 + std::log(-std::expm1(l2 - l1));
      // A logistic that cannot overflow.
      const double u = log_dead - log_alive;
      p_alive = u <= 0.0 ? 1.0 / (1.0 + std::exp(u)) : std::exp(-u) / (1.0 + std::exp(-u));
      if (std::isnan(p_alive)) {
        return absl::OutOfRangeError(absl::StrCat(
            "Pareto/NBD P(alive) row ", i, ": not finite at ", ParamsText(params),
            ": the parameters are too extreme for double"));
      }
    }
    out[i] = p_alive;
    last_x = x[i];
    last_t_x = t_x[i];
    last_T = T[i];
    last_p = p_alive;
  }
  return absl::OkStatus();
}

absl::Status ParetoNbdExpectedPurchases(const ParetoNbdParams& params, double t,
                                        absl::Span<const double> x, absl::Span<const double> t_x,
                                        absl::Span<const double> T, absl::Span<double> out) {
  if (!(std::isfinite(t) && t >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Pareto/NBD expected purchases: horizon t must be finite and >= 0, got ",
        FormatDouble(t)));
  }
  CRM_RETURN_IF_ERROR(ParetoNbdProbabilityAlive(params, x, t_x, T, out));
  for (size_t i = 0; i < x.size(); ++i) {
    const double log_growth = std::log1p(t / (params.beta + T[i]));
    const double lifetime_factor = models_internal::Expm1Over(1.0 - params.s, log_growth);
    // (β+T)/(α+T) first: the product (r+x)(β+T) overflowed for x = 7e15, T = 1e299, and
    // Inf times P(alive) = 0 made a NaN.
    const double expected = out[i] * ((params.r + x[i]) * ((params.beta + T[i]) /
                                                            (params.alpha + T[i])) *
                                      lifetime_factor);
    if (!std::isfinite(expected)) {
      return absl::OutOfRangeError(absl::StrCat(
          "Pareto/NBD expected purchases row ", i, ": the expectation overflows double (x = ",
          FormatDouble(x[i]), ", T = ", FormatDouble(T[i]), ", horizon t = ", FormatDouble(t),
          ")"));
    }
    out[i] = expected;
  }
  return absl::OkStatus();
}

namespace {

absl::Status CheckPmfArguments(double t, int64_t n) {
  if (!(std::isfinite(t) && t > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Pareto/NBD purchase-count probability: horizon t must be finite and > 0, got ",
        FormatDouble(t)));
  }
  if (n < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Pareto/NBD purchase-count probability: count n must be >= 0, got ", n));
  }
  return absl::OkStatus();
}

// P(X(t) = n) of pareto_nbd.h for valid arguments.
absl::StatusOr<double> PurchaseCountProbability(const ParetoNbdParams& p, double t, int64_t n) {
  const double dn = static_cast<double>(n);
  const double log_coefficient =
      models_internal::LogGamma(p.r + dn) - models_internal::LogGamma(p.r) -
      models_internal::LogGamma(dn + 1.0);
  // log NB(n; r, α, τ) for τ > 0; log1p keeps (α/(α+τ))^r accurate when α ≫ τ.
  const auto log_nb = [&](double tau) {
    return log_coefficient - p.r * std::log1p(tau / p.alpha) - dn * std::log1p(p.alpha / tau);
  };
  // Still alive at t: the lifetime exceeds t with probability (β/(β+t))^s.
  const double log_growth = std::log1p(t / p.beta);
  double probability = std::exp(log_nb(t) - p.s * log_growth);
  // Died at τ = β (e^u − 1), u in (0, log(1 + t/β)]: dτ s β^s (β+τ)^(−s−1) = s e^(−s u) du.
  const auto integrand = [&](double u) -> double {
    if (u <= 0.0) return n == 0 ? p.s : 0.0;  // NB(n; ·, τ = 0) = δ(n = 0)
    const double tau = p.beta * std::expm1(u);
    if (!(tau > 0.0)) return n == 0 ? p.s * std::exp(-p.s * u) : 0.0;
    return std::exp(log_nb(tau) + std::log(p.s) - p.s * u);
  };
  // The integral is at most max_τ NB(n; r, α, τ) · P(τ < t), NB's maximum over τ lying at
  // τ = nα/r. Below e^-690 (1e-300) it is skipped: its integrand then underflows to 0 over
  // part of the range, and the kink at the underflow edge kept the adaptive quadrature
  // subdividing for a second per call (n = 200, t = 10).
  const double peak = n == 0 ? 0.0 : std::min(t, dn * p.alpha / p.r);
  const double log_bound = (n == 0 ? 0.0 : log_nb(peak)) +
                           std::log(-std::expm1(-p.s * log_growth));
  double integral = 0.0, error = 0.0;
  if (log_bound > -690.0) {
    // Over v = u / log(1 + t/β) in [0, 1]: on the raw interval, tiny when t ≪ β
    // (1e-4), Boost's adaptive rule stopped with an error estimate 1e-7 relative.
    integral = boost::math::quadrature::gauss_kronrod<double, 31>::integrate(
        [&](double v) { return integrand(v * log_growth) * log_growth; }, 0.0, 1.0,
        /*max_depth=*/15, /*tolerance=*/1e-11, &error);
  }
  probability += integral;
  if (!std::isfinite(probability) || !(error <= 1e-9 * integral + 1e-300)) {
    return absl::OutOfRangeError(absl::StrCat(
        "Pareto/NBD purchase-count probability: the integral over lifetimes did not converge for "
        "n = ",
        n, ", t = ", FormatDouble(t), " at ", ParamsText(p), " (error estimate ",
        FormatDouble(error), ")"));
  }
  // Rounding may carry the sum of the two terms just past 1; the probability cannot.
  return std::min(probability, 1.0);
}

}  // namespace

absl::StatusOr<double> ParetoNbdExpectedPurchasesNew(const ParetoNbdParams& params, double t) {
  CRM_RETURN_IF_ERROR(params.Validate());
  if (!(std::isfinite(t) && t >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Pareto/NBD expected purchases: horizon t must be finite and >= 0, got ",
        FormatDouble(t)));
  }
  // [1 − (β/(β+t))^(s−1)]/(s−1) = expm1((1−s) log1p(t/β))/(1−s), log1p(t/β) at s = 1.
  const double lifetime_factor =
      models_internal::Expm1Over(1.0 - params.s, std::log1p(t / params.beta));
  const double expected = params.r * (params.beta / params.alpha) * lifetime_factor;
  if (!std::isfinite(expected)) {
    return absl::OutOfRangeError(absl::StrCat(
        "Pareto/NBD expected purchases: the expectation overflows double for t = ",
        FormatDouble(t), " at ", ParamsText(params)));
  }
  return expected;
}

absl::StatusOr<double> ParetoNbdPurchaseCountProbability(const ParetoNbdParams& params,
                                                         double t, int64_t n) {
  CRM_RETURN_IF_ERROR(params.Validate());
  CRM_RETURN_IF_ERROR(CheckPmfArguments(t, n));
  return PurchaseCountProbability(params, t, n);
}

absl::Status ParetoNbdConditionalPurchaseCountProbability(
    const ParetoNbdParams& params, double t, int64_t n, absl::Span<const double> x,
    absl::Span<const double> t_x, absl::Span<const double> T, absl::Span<double> out) {
  CRM_RETURN_IF_ERROR(CheckPmfArguments(t, n));
  CRM_RETURN_IF_ERROR(ParetoNbdProbabilityAlive(params, x, t_x, T, out));
  return models_internal::MixPosteriorPurchaseCountProbability(
      x, T, n,
      [&](double xi, double Ti) {
        const ParetoNbdParams posterior{params.r + xi, params.alpha + Ti, params.s,
                                        params.beta + Ti};
        return PurchaseCountProbability(posterior, t, n);
      },
      out);
}

}  // namespace crmcore

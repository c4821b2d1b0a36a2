#include "crmcore/mbgnbd.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "models/model_internal.h"
#include "models/series.h"

namespace crmcore {

namespace {

using models_internal::Digamma;
using models_internal::LogGamma;

constexpr const char* kModel = "MBG/NBD";

std::string ParamsText(const MbgNbdParams& p) {
  return absl::StrCat("r = ", FormatDouble(p.r), ", alpha = ", FormatDouble(p.alpha),
                      ", a = ", FormatDouble(p.a), ", b = ", FormatDouble(p.b));
}

struct ParamTerms {
  double log_alpha, lgamma_r, lgamma_b, lgamma_ab, psi_r, psi_b, psi_ab, log_a;
  explicit ParamTerms(const MbgNbdParams& p)
      : log_alpha(std::log(p.alpha)),
        lgamma_r(LogGamma(p.r)),
        lgamma_b(LogGamma(p.b)),
        lgamma_ab(LogGamma(p.a + p.b)),
        psi_r(Digamma(p.r)),
        psi_b(Digamma(p.b)),
        psi_ab(Digamma(p.a + p.b)),
        log_a(std::log(p.a)) {}
};

// The x-dependent pieces of log L and its gradient, shared by rows with equal x.
struct FrequencyTerms {
  double a1_plus_a2 = 0.0;      // A1 + A2
  double log_a_over_bx = 0.0;   // log a − log(b+x)
  double inv_bx = 0.0;          // 1/(b+x)
  double d_r_common = 0.0;      // ψ(r+x) − ψ(r) + log α
  double d_a_common = 0.0;      // ψ(a+b) − ψ(a+b+x+1)
  double d_b_common = 0.0;      // ψ(a+b) + ψ(b+x+1) − ψ(b) − ψ(a+b+x+1)
};

FrequencyTerms ComputeFrequencyTerms(const MbgNbdParams& p, const ParamTerms& c, double x,
                                     bool with_gradient) {
  FrequencyTerms f;
  const double a1 = LogGamma(p.r + x) - c.lgamma_r + p.r * c.log_alpha;
  const double a2 =
      c.lgamma_ab + LogGamma(p.b + x + 1.0) - c.lgamma_b - LogGamma(p.a + p.b + x + 1.0);
  f.a1_plus_a2 = a1 + a2;
  f.log_a_over_bx = c.log_a - std::log(p.b + x);
  f.inv_bx = 1.0 / (p.b + x);
  if (with_gradient) {
    const double psi_abx = Digamma(p.a + p.b + x + 1.0);
    f.d_r_common = Digamma(p.r + x) - c.psi_r + c.log_alpha;
    f.d_a_common = c.psi_ab - psi_abx;
    f.d_b_common = c.psi_ab + Digamma(p.b + x + 1.0) - c.psi_b - psi_abx;
  }
  return f;
}

inline double Logistic(double u) {
  return u >= 0.0 ? 1.0 / (1.0 + std::exp(-u)) : std::exp(u) / (1.0 + std::exp(u));
}

absl::Status ValidateColumns(const MbgNbdParams& params, absl::Span<const double> x,
                             absl::Span<const double> t_x, absl::Span<const double> T,
                             absl::Span<double> out) {
  CRM_RETURN_IF_ERROR(params.Validate());
  CRM_RETURN_IF_ERROR(models_internal::CheckColumnLengths(
      "MBG/NBD prediction", x.size(), {t_x.size(), T.size(), out.size()}));
  for (size_t i = 0; i < x.size(); ++i) {
    CRM_RETURN_IF_ERROR(ValidatePurchaseHistory(i, x[i], t_x[i], T[i]));
  }
  return absl::OkStatus();
}

// The expected purchases of a customer alive at T: posterior rate Gamma(r+x, α+T),
// posterior drop-out Beta(a, b+x+1) (one more "stay" than BG/NBD: the one at time 0).
absl::StatusOr<double> AliveExpectedPurchases(const MbgNbdParams& p, double t, double x,
                                              double T, size_t row) {
  return models_internal::AliveExpectedPurchases(kModel, p.r + x, p.alpha + T, p.a,
                                                 p.b + x + 1.0, t, row);
}

}  // namespace

absl::Status MbgNbdParams::Validate() const {
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "r", r));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "alpha", alpha));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "a", a));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "b", b));
  return absl::OkStatus();
}

absl::StatusOr<double> MbgNbdLogLikelihood(const MbgNbdParams& params, double x, double t_x,
                                           double T) {
  CRM_RETURN_IF_ERROR(params.Validate());
  CRM_RETURN_IF_ERROR(ValidatePurchaseHistory(0, x, t_x, T));
  const ParamTerms c(params);
  const FrequencyTerms f = ComputeFrequencyTerms(params, c, x, /*with_gradient=*/false);
  const double a3 = -(params.r + x) * std::log(params.alpha + T);
  const double a4 = f.log_a_over_bx - (params.r + x) * std::log(params.alpha + t_x);
  const double ll = f.a1_plus_a2 + models_internal::LogAddExp(a3, a4);
  CRM_RETURN_IF_ERROR(models_internal::CheckFiniteLogLikelihood("MBG/NBD log-likelihood", ll,
                                                                {}, ParamsText(params)));
  return ll;
}

absl::StatusOr<LogLikelihoodSum<4>> MbgNbdLogLikelihoodSum(const MbgNbdParams& params,
                                                           const PurchaseHistories& histories) {
  CRM_RETURN_IF_ERROR(params.Validate());
  const MbgNbdParams& p = params;
  const ParamTerms c(p);
  const absl::Span<const double> xs = histories.frequency();
  const absl::Span<const double> txs = histories.recency();
  const absl::Span<const double> Ts = histories.T();
  const absl::Span<const double> ws = histories.weight();
  LogLikelihoodSum<4> sum;
  double g_r = 0.0, g_alpha = 0.0, g_a = 0.0, g_b = 0.0;
  FrequencyTerms f;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    if (i == 0 || x != xs[i - 1]) f = ComputeFrequencyTerms(p, c, x, /*with_gradient=*/true);
    const double w = ws[i];
    const double log_alpha_T = std::log(p.alpha + Ts[i]);
    const double log_alpha_tx = std::log(p.alpha + txs[i]);
    const double a3 = -(p.r + x) * log_alpha_T;
    const double a4 = f.log_a_over_bx - (p.r + x) * log_alpha_tx;
    const double w4 = Logistic(a4 - a3);
    const double w3 = 1.0 - w4;
    sum.log_likelihood += w * (f.a1_plus_a2 + models_internal::LogAddExp(a3, a4));
    g_r += w * (f.d_r_common - w3 * log_alpha_T - w4 * log_alpha_tx);
    g_alpha += w * (p.r / p.alpha -
                    (p.r + x) * (w3 / (p.alpha + Ts[i]) + w4 / (p.alpha + txs[i])));
    g_a += w * (f.d_a_common + w4 / p.a);
    g_b += w * (f.d_b_common - w4 * f.inv_bx);
    sum.weight += w;
  }
  // Chain rule to log-parameters: ∂/∂log θ = θ ∂/∂θ.
  sum.gradient = {g_r * p.r, g_alpha * p.alpha, g_a * p.a, g_b * p.b};
  CRM_RETURN_IF_ERROR(models_internal::CheckFiniteLogLikelihood(
      "MBG/NBD log-likelihood sum", sum.log_likelihood, sum.gradient, ParamsText(p)));
  return sum;
}

absl::StatusOr<MbgNbdFit> FitMbgNbdFromSums(const MbgNbdLogLikelihoodEvaluator& evaluate,
                                            const FitOptions& options,
                                            const MbgNbdParams& initial) {
  CRM_RETURN_IF_ERROR(initial.Validate());
  std::vector<double> log_params = {std::log(initial.r), std::log(initial.alpha),
                                    std::log(initial.a), std::log(initial.b)};
  auto objective = [&](absl::Span<const double> lp, double* ll, double* weight,
                       absl::Span<double> gradient) -> absl::Status {
    const MbgNbdParams p{std::exp(lp[0]), std::exp(lp[1]), std::exp(lp[2]), std::exp(lp[3])};
    if (!p.Validate().ok()) {  // exp over/underflowed: a point outside the model
      *ll = -HUGE_VAL;
      *weight = 1.0;
      return absl::OkStatus();
    }
    CRM_ASSIGN_OR_RETURN(const LogLikelihoodSum<4> s, evaluate(p));
    *ll = s.log_likelihood;
    *weight = s.weight;
    for (size_t k = 0; k < 4; ++k) gradient[k] = s.gradient[k];
    return absl::OkStatus();
  };
  // lifetimes' penalizer acts on alpha in a time unit where the largest T is 1, as for
  // BG/NBD (its ModifiedBetaGeoFitter shares BetaGeoFitter's convention).
  CRM_ASSIGN_OR_RETURN(const double time_scale,
                       models_internal::PenalizerTimeScale("MBG/NBD", options));
  const double penalty_scale[] = {1.0, time_scale, 1.0, 1.0};
  CRM_ASSIGN_OR_RETURN(FitReport report, models_internal::MaximizeLogLikelihood(
                                             objective, log_params, options, penalty_scale));
  MbgNbdFit fit;
  fit.params = {std::exp(log_params[0]), std::exp(log_params[1]), std::exp(log_params[2]),
                std::exp(log_params[3])};
  fit.report = std::move(report);
  return fit;
}

absl::StatusOr<MbgNbdFit> FitMbgNbd(const PurchaseHistories& histories,
                                    const FitOptions& options, const MbgNbdParams& initial) {
  CRM_RETURN_IF_ERROR(options.Validate());
  if (histories.repeat_buyer_weight() < options.min_repeat_buyers) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MBG/NBD fit: too few repeat buyers (customers with x > 0): got ",
        FormatDouble(histories.repeat_buyer_weight()), ", need at least ",
        FormatDouble(options.min_repeat_buyers)));
  }
  FitOptions with_max_T = options;
  with_max_T.penalizer_max_T = histories.max_T();
  CRM_ASSIGN_OR_RETURN(
      MbgNbdFit fit,
      FitMbgNbdFromSums(
          [&](const MbgNbdParams& p) { return MbgNbdLogLikelihoodSum(p, histories); },
          with_max_T, initial));
  fit.report.zero_recency_repeat_buyers = histories.zero_recency_repeat_weight();
  return fit;
}

absl::Status MbgNbdProbabilityAlive(const MbgNbdParams& params, absl::Span<const double> x,
                                    absl::Span<const double> t_x, absl::Span<const double> T,
                                    absl::Span<double> out) {
  CRM_RETURN_IF_ERROR(ValidateColumns(params, x, t_x, T, out));
  const double log_a = std::log(params.a);
  for (size_t i = 0; i < x.size(); ++i) {
    // log((α+T)/(α+t_x)) by log1p: the difference of the two logs is 0 once α ≫ T.
    const double log_odds = log_a - std::log(params.b + x[i]) +
                            (params.r + x[i]) *
                                std::log1p((T[i] - t_x[i]) / (params.alpha + t_x[i]));
    out[i] = Logistic(-log_odds);
  }
  return absl::OkStatus();
}

absl::Status MbgNbdExpectedPurchases(const MbgNbdParams& params, double t,
                                     absl::Span<const double> x, absl::Span<const double> t_x,
                                     absl::Span<const double> T, absl::Span<double> out) {
  if (!(std::isfinite(t) && t >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MBG/NBD expected purchases: horizon t must be finite and >= 0, got ", FormatDouble(t)));
  }
  CRM_RETURN_IF_ERROR(MbgNbdProbabilityAlive(params, x, t_x, T, out));
  // The series depends on (x, T) only: each distinct pair is summed once.
  absl::flat_hash_map<std::pair<double, double>, double> series_of;
  for (size_t i = 0; i < x.size(); ++i) {
    auto [it, inserted] = series_of.try_emplace(std::make_pair(x[i], T[i]), 0.0);
    if (inserted) {
      CRM_ASSIGN_OR_RETURN(it->second, AliveExpectedPurchases(params, t, x[i], T[i], i));
    }
    out[i] *= it->second;
  }
  return absl::OkStatus();
}

absl::StatusOr<double> MbgNbdExpectedPurchasesNew(const MbgNbdParams& params, double t) {
  const double zero = 0.0;
  double out = 0.0;
  CRM_RETURN_IF_ERROR(MbgNbdExpectedPurchases(params, t, {&zero, 1}, {&zero, 1}, {&zero, 1},
                                              {&out, 1}));
  return out;
}

absl::StatusOr<double> MbgNbdPurchaseCountProbability(const MbgNbdParams& params, double t,
                                                      int64_t n) {
  CRM_RETURN_IF_ERROR(params.Validate());
  if (!(std::isfinite(t) && t > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MBG/NBD purchase-count probability: horizon t must be finite and > 0, got ",
        FormatDouble(t)));
  }
  if (n < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MBG/NBD purchase-count probability: count n must be >= 0, got ", n));
  }
  return models_internal::BetaGeometricCountProbability(
      "MBG/NBD purchase-count probability", params.r, params.alpha, params.a, params.b, t, n,
      /*drop_out_at_start=*/true);
}

absl::Status MbgNbdConditionalPurchaseCountProbability(
    const MbgNbdParams& params, double t, int64_t n, absl::Span<const double> x,
    absl::Span<const double> t_x, absl::Span<const double> T, absl::Span<double> out) {
  // t and n first: their messages beat a history error in rows the caller did not mean.
  if (!(std::isfinite(t) && t > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MBG/NBD conditional purchase-count probability: horizon t must be finite and > 0, "
        "got ",
        FormatDouble(t)));
  }
  if (n < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MBG/NBD conditional purchase-count probability: count n must be >= 0, got ", n));
  }
  CRM_RETURN_IF_ERROR(MbgNbdProbabilityAlive(params, x, t_x, T, out));
  return models_internal::MixPosteriorPurchaseCountProbability(
      x, T, n,
      [&](double xi, double Ti) {
        // Alive at T: survived time 0 and x repeat purchases, hence b + x + 1; no drop-out
        // at T itself.
        return models_internal::BetaGeometricCountProbability(
            "MBG/NBD conditional purchase-count probability", params.r + xi,
            params.alpha + Ti, params.a, params.b + xi + 1.0, t, n,
            /*drop_out_at_start=*/false);
      },
      out);
}

}  // namespace crmcore

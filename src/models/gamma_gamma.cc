#include "crmcore/gamma_gamma.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "models/model_internal.h"

namespace crmcore {

namespace {

using models_internal::Digamma;
using models_internal::LogGamma;

constexpr const char* kModel = "Gamma-Gamma";

std::string ParamsText(const GammaGammaParams& p) {
  return absl::StrCat("p = ", FormatDouble(p.p), ", q = ", FormatDouble(p.q),
                      ", gamma = ", FormatDouble(p.gamma));
}

absl::Status ValidateSpendRow(size_t row, double x, double m) {
  CRM_RETURN_IF_ERROR(ValidatePurchaseHistory(row, x, x > 0.0 ? 1.0 : 0.0, 1.0));
  if (x > 0.0 && !(std::isfinite(m) && m > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Gamma-Gamma row ", row, ": monetary value of a repeat buyer (x = ", FormatDouble(x),
        ") must be finite and > 0, got ", FormatDouble(m)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status GammaGammaParams::Validate() const {
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "p", p));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "q", q));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "gamma", gamma));
  return absl::OkStatus();
}

absl::StatusOr<SpendHistories> SpendHistories::Create(absl::Span<const double> frequency,
                                                      absl::Span<const double> monetary_value,
                                                      absl::Span<const double> weight) {
  const size_t n = frequency.size();
  CRM_RETURN_IF_ERROR(
      models_internal::CheckColumnLengths("spend histories", n, {monetary_value.size()}));
  if (!weight.empty()) {
    CRM_RETURN_IF_ERROR(
        models_internal::CheckColumnLengths("spend histories", n, {weight.size()}));
  }
  // (x, m, weight) of the repeat buyers; equal (x, m) are summed below.
  std::vector<std::tuple<double, double, double>> rows;
  for (size_t i = 0; i < n; ++i) {
    CRM_RETURN_IF_ERROR(ValidateSpendRow(i, frequency[i], monetary_value[i]));
    CRM_RETURN_IF_ERROR(models_internal::CheckRowWeight("Gamma-Gamma", i, weight));
    const double w = weight.empty() ? 1.0 : weight[i];
    if (frequency[i] > 0.0) rows.emplace_back(frequency[i], monetary_value[i], w);
  }
  std::sort(rows.begin(), rows.end());
  SpendHistories out;
  for (size_t k = 0; k < rows.size(); ++k) {
    const auto& [x, m, w] = rows[k];
    if (k > 0 && x == std::get<0>(rows[k - 1]) && m == std::get<1>(rows[k - 1])) {
      out.weight_.back() += w;
    } else {
      out.frequency_.push_back(x);
      out.monetary_value_.push_back(m);
      out.weight_.push_back(w);
    }
    out.total_weight_ += w;
  }
  return out;
}

absl::StatusOr<LogLikelihoodSum<3>> GammaGammaLogLikelihoodSum(const GammaGammaParams& params,
                                                               const SpendHistories& spend) {
  CRM_RETURN_IF_ERROR(params.Validate());
  const double p = params.p, q = params.q, g = params.gamma;
  const double lgamma_q = LogGamma(q), psi_q = Digamma(q), log_g = std::log(g);
  LogLikelihoodSum<3> sum;
  double g_p = 0.0, g_q = 0.0, g_g = 0.0;
  const auto xs = spend.frequency();
  const auto ms = spend.monetary_value();
  const auto ws = spend.weight();
  // Rows are sorted by x: the gamma functions of px and px+q change only with x.
  double lgamma_px = 0.0, lgamma_pxq = 0.0, psi_px = 0.0, psi_pxq = 0.0, log_x = 0.0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i], m = ms[i], w = ws[i];
    const double px = p * x;
    if (i == 0 || x != xs[i - 1]) {
      lgamma_px = LogGamma(px);
      lgamma_pxq = LogGamma(px + q);
      psi_px = Digamma(px);
      psi_pxq = Digamma(px + q);
      log_x = std::log(x);
    }
    const double log_m = std::log(m);
    // γ + m x overflows for m near DBL_MAX (a valid finite spend); its log does not.
    const double gmx = g + m * x;
    const double log_gmx = std::isfinite(gmx) ? std::log(gmx)
                                              : models_internal::LogAddExp(log_g, log_m + log_x);
    sum.log_likelihood += w * (lgamma_pxq - lgamma_px - lgamma_q + q * log_g +
                               (px - 1.0) * log_m + px * log_x - (px + q) * log_gmx);
    g_p += w * x * (psi_pxq - psi_px + log_m + log_x - log_gmx);
    g_q += w * (psi_pxq - psi_q + log_g - log_gmx);
    g_g += w * (q / g - (px + q) / gmx);
    sum.weight += w;
  }
  sum.gradient = {g_p * p, g_q * q, g_g * g};
  CRM_RETURN_IF_ERROR(models_internal::CheckFiniteLogLikelihood(
      "Gamma-Gamma log-likelihood sum", sum.log_likelihood, sum.gradient, ParamsText(params)));
  return sum;
}

absl::StatusOr<GammaGammaFit> FitGammaGammaFromSums(
    const GammaGammaLogLikelihoodEvaluator& evaluate, const FitOptions& options,
    const GammaGammaParams& initial) {
  CRM_RETURN_IF_ERROR(initial.Validate());
  std::vector<double> log_params = {std::log(initial.p), std::log(initial.q),
                                    std::log(initial.gamma)};
  auto objective = [&](absl::Span<const double> lp, double* ll, double* weight,
                       absl::Span<double> gradient) -> absl::Status {
    const GammaGammaParams params{std::exp(lp[0]), std::exp(lp[1]), std::exp(lp[2])};
    if (!params.Validate().ok()) {  // exp over/underflowed
      *ll = -HUGE_VAL;
      *weight = 1.0;
      return absl::OkStatus();
    }
    // OutOfRange (parameters too extreme for double) makes the line search step back.
    CRM_ASSIGN_OR_RETURN(const LogLikelihoodSum<3> s, evaluate(params));
    *ll = s.log_likelihood;
    *weight = s.weight;
    for (size_t k = 0; k < 3; ++k) gradient[k] = s.gradient[k];
    return absl::OkStatus();
  };
  CRM_ASSIGN_OR_RETURN(FitReport report,
                       models_internal::MaximizeLogLikelihood(objective, log_params, options));
  GammaGammaFit fit;
  fit.params = {std::exp(log_params[0]), std::exp(log_params[1]), std::exp(log_params[2])};
  fit.report = std::move(report);
  return fit;
}

absl::StatusOr<GammaGammaFit> FitGammaGamma(const SpendHistories& spend,
                                            const FitOptions& options,
                                            const GammaGammaParams& initial) {
  CRM_RETURN_IF_ERROR(options.Validate());
  if (spend.total_weight() < options.min_repeat_buyers) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Gamma-Gamma fit: too few repeat buyers (customers with x > 0): got ",
        FormatDouble(spend.total_weight()), ", need at least ",
        FormatDouble(options.min_repeat_buyers)));
  }
  return FitGammaGammaFromSums(
      [&](const GammaGammaParams& p) { return GammaGammaLogLikelihoodSum(p, spend); }, options,
      initial);
}

absl::Status GammaGammaExpectedMeanSpend(const GammaGammaParams& params,
                                         absl::Span<const double> frequency,
                                         absl::Span<const double> monetary_value,
                                         absl::Span<double> out) {
  CRM_RETURN_IF_ERROR(params.Validate());
  CRM_RETURN_IF_ERROR(models_internal::CheckColumnLengths(
      "Gamma-Gamma expected mean spend", frequency.size(), {monetary_value.size(), out.size()}));
  for (size_t i = 0; i < frequency.size(); ++i) {
    const double x = frequency[i];
    CRM_RETURN_IF_ERROR(ValidateSpendRow(i, x, monetary_value[i]));
    const double denominator = params.p * x + params.q - 1.0;
    if (!(denominator > 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Gamma-Gamma expected mean spend row ", i, ": needs p x + q > 1 (q > 1 for x = 0), got q = ",
          FormatDouble(params.q), " with x = ", FormatDouble(x)));
    }
    // p (γ + m x) / (p x + q − 1) divided through by p x, so that a huge p (a fit that ran
    // away on an unbounded likelihood: p = 1e243) does not overflow the numerator to Inf.
    const double expected =
        x > 0.0 ? (params.gamma / x + monetary_value[i]) / (1.0 + (params.q - 1.0) / (params.p * x))
                : params.p * (params.gamma / (params.q - 1.0));
    if (!std::isfinite(expected)) {
      return absl::OutOfRangeError(absl::StrCat(
          "Gamma-Gamma expected mean spend row ", i, ": overflows double (p = ",
          FormatDouble(params.p), ", q = ", FormatDouble(params.q), ", gamma = ",
          FormatDouble(params.gamma), ", x = ", FormatDouble(x), ")"));
    }
    out[i] = expected;
  }
  return absl::OkStatus();
}

}  // namespace crmcore

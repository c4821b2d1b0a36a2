#include "crmcore/sbg.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "models/model_internal.h"
#include "models/series.h"

namespace crmcore {

namespace {

using models_internal::DigammaDifference;

constexpr const char* kModel = "sBG";
// Periods beyond which t is not accepted: the survival and churn formulas are exact for
// any t, but a horizon past 2^53 is not an integer count of periods.
constexpr double kMaxPeriod = 9007199254740992.0;

std::string ParamsText(const SbgParams& p) {
  return absl::StrCat("alpha = ", FormatDouble(p.alpha), ", beta = ", FormatDouble(p.beta));
}


absl::Status CheckPeriod(const char* what, double t, double min) {
  if (!(std::isfinite(t) && t >= min && t <= kMaxPeriod && t == std::floor(t))) {
    return absl::InvalidArgumentError(absl::StrCat("sBG ", what, ": period t must be an integer >= ",
                                                   FormatDouble(min), ", got ", FormatDouble(t)));
  }
  return absl::OkStatus();
}

// r(t) = (β+t−1)/(α+β+t−1) written as 1/(1 + α/(β+t−1)): no Inf/Inf when α and β are
// near DBL_MAX.
double Retention(const SbgParams& p, double t) {
  return 1.0 / (1.0 + p.alpha / (p.beta + t - 1.0));
}

// Periods up to which S(t) is the product of the retention rates (exact in every range of
// the parameters); beyond, the log-beta form.
constexpr double kMaxProductPeriods = 10000.0;

absl::StatusOr<double> Survival(const SbgParams& p, double t) {
  if (t <= kMaxProductPeriods) {
    double survival = 1.0;
    for (double i = 1.0; i <= t; i += 1.0) survival *= Retention(p, i);
    return survival;
  }
  // B(α, β+t)/B(α, β) by LogBetaRatio: a difference of log-beta functions loses all
  // precision once α or β is large.
  const double survival = std::exp(models_internal::LogBetaRatio(p.alpha, p.beta, 0.0, t));
  if (!std::isfinite(survival)) {
    return absl::OutOfRangeError(absl::StrCat("sBG survival at t = ", FormatDouble(t),
                                              " is not finite at ", ParamsText(p),
                                              ": the parameters are too extreme for double"));
  }
  return survival;
}

}  // namespace

absl::Status SbgParams::Validate() const {
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "alpha", alpha));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "beta", beta));
  return absl::OkStatus();
}

absl::StatusOr<SurvivorSeries> SurvivorSeries::Create(
    absl::Span<const std::vector<double>> cohorts) {
  if (cohorts.empty()) return absl::InvalidArgumentError("sBG survivor series: no cohorts");
  SurvivorSeries out;
  for (size_t c = 0; c < cohorts.size(); ++c) {
    const std::vector<double>& s = cohorts[c];
    if (s.size() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sBG survivor series cohort ", c, ": needs at least 2 counts (periods 0 and 1), got ",
          s.size()));
    }
    for (size_t t = 0; t < s.size(); ++t) {
      if (!(std::isfinite(s[t]) && s[t] >= 0.0)) {
        return absl::InvalidArgumentError(absl::StrCat("sBG survivor series cohort ", c,
                                                       " period ", t,
                                                       ": survivors must be finite and >= 0, got ",
                                                       FormatDouble(s[t])));
      }
      if (t == 0 && !(s[0] > 0.0)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "sBG survivor series cohort ", c, " period 0: the initial count must be > 0, got ",
            FormatDouble(s[0])));
      }
      if (t > 0 && s[t] > s[t - 1]) {
        return absl::InvalidArgumentError(absl::StrCat(
            "sBG survivor series cohort ", c, " period ", t, ": survivors ", FormatDouble(s[t]),
            " exceed those of period ", t - 1, " (", FormatDouble(s[t - 1]),
            "); a survivor count cannot grow"));
      }
    }
    if (out.churned_.size() < s.size()) {
      out.churned_.resize(s.size(), 0.0);
      out.censored_.resize(s.size(), 0.0);
    }
    for (size_t t = 1; t < s.size(); ++t) {
      out.churned_[t] += s[t - 1] - s[t];
      out.churned_weight_ += s[t - 1] - s[t];
    }
    out.censored_[s.size() - 1] += s.back();
    out.total_weight_ += s[0];
  }
  return out;
}

absl::StatusOr<LogLikelihoodSum<2>> SbgLogLikelihoodSum(const SbgParams& params,
                                                        const SurvivorSeries& series) {
  CRM_RETURN_IF_ERROR(params.Validate());
  const double a = params.alpha, b = params.beta;
  // The ψ differences by DigammaDifference (ψ(α+1) − ψ(α), ψ(α+β+t) − ψ(α+β), ...): a
  // difference of digammas loses its digits once α or β is large.
  const double d_a1 = DigammaDifference(a, 1.0);
  LogLikelihoodSum<2> sum;
  double g_a = 0.0, g_b = 0.0;
  for (size_t i = 1; i < series.churned().size(); ++i) {
    const double t = static_cast<double>(i);
    const double d_abt = DigammaDifference(a + b, t);
    if (const double w = series.churned()[i]; w > 0.0) {
      // log P(T = t) = log[B(α+1, β+t−1)/B(α, β)], as a ratio (see Survival).
      sum.log_likelihood += w * models_internal::LogBetaRatio(a, b, 1.0, t - 1.0);
      g_a += w * (d_a1 - d_abt);
      g_b += w * (DigammaDifference(b, t - 1.0) - d_abt);
    }
    if (const double w = series.censored()[i]; w > 0.0) {
      sum.log_likelihood += w * models_internal::LogBetaRatio(a, b, 0.0, t);
      g_a -= w * d_abt;
      g_b += w * (DigammaDifference(b, t) - d_abt);
    }
  }
  sum.weight = series.total_weight();
  sum.gradient = {g_a * a, g_b * b};
  CRM_RETURN_IF_ERROR(models_internal::CheckFiniteLogLikelihood(
      "sBG log-likelihood sum", sum.log_likelihood, sum.gradient, ParamsText(params)));
  return sum;
}

absl::StatusOr<SbgFit> FitSbg(const SurvivorSeries& series, const FitOptions& options,
                              const SbgParams& initial) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_RETURN_IF_ERROR(initial.Validate());
  if (!(series.churned_weight() > 0.0)) {
    return absl::InvalidArgumentError(
        "sBG fit: no customer churned in the survivor series; the likelihood is maximized "
        "at alpha -> 0 (no churn) and there is nothing to estimate");
  }
  if (!(series.churned_weight() < series.total_weight())) {
    return absl::InvalidArgumentError(
        "sBG fit: every customer churned by the end of each cohort's series; the likelihood "
        "has no interior maximum (no survivors to bound the churn rate)");
  }
  std::vector<double> log_params = {std::log(initial.alpha), std::log(initial.beta)};
  auto objective = [&](absl::Span<const double> lp, double* ll, double* weight,
                       absl::Span<double> gradient) -> absl::Status {
    const SbgParams p{std::exp(lp[0]), std::exp(lp[1])};
    if (!p.Validate().ok()) {  // exp over/underflowed: a point outside the model
      *ll = -HUGE_VAL;
      *weight = 1.0;
      return absl::OkStatus();
    }
    CRM_ASSIGN_OR_RETURN(const LogLikelihoodSum<2> s, SbgLogLikelihoodSum(p, series));
    *ll = s.log_likelihood;
    *weight = s.weight;
    gradient[0] = s.gradient[0];
    gradient[1] = s.gradient[1];
    return absl::OkStatus();
  };
  CRM_ASSIGN_OR_RETURN(FitReport report,
                       models_internal::MaximizeLogLikelihood(objective, log_params, options));
  SbgFit fit;
  fit.params = {std::exp(log_params[0]), std::exp(log_params[1])};
  fit.report = std::move(report);
  return fit;
}

absl::StatusOr<double> SbgChurnProbability(const SbgParams& params, double t) {
  CRM_RETURN_IF_ERROR(params.Validate());
  CRM_RETURN_IF_ERROR(CheckPeriod("churn probability", t, 1.0));
  // P(T = t) = S(t−1) · (1 − r(t)), 1 − r(t) = 1/(1 + (β+t−1)/α).
  CRM_ASSIGN_OR_RETURN(const double survival, Survival(params, t - 1.0));
  return survival / (1.0 + (params.beta + t - 1.0) / params.alpha);
}

absl::StatusOr<double> SbgSurvival(const SbgParams& params, double t) {
  CRM_RETURN_IF_ERROR(params.Validate());
  CRM_RETURN_IF_ERROR(CheckPeriod("survival", t, 0.0));
  return Survival(params, t);
}

absl::StatusOr<double> SbgRetentionRate(const SbgParams& params, double t) {
  CRM_RETURN_IF_ERROR(params.Validate());
  CRM_RETURN_IF_ERROR(CheckPeriod("retention rate", t, 1.0));
  return Retention(params, t);
}

absl::StatusOr<std::vector<double>> SbgProjectSurvivors(const SbgParams& params,
                                                        double initial, size_t periods) {
  CRM_RETURN_IF_ERROR(params.Validate());
  if (!(std::isfinite(initial) && initial >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sBG projected survivors: initial count must be finite and >= 0, got ",
        FormatDouble(initial)));
  }
  if (periods < 1) {
    return absl::InvalidArgumentError("sBG projected survivors: periods must be >= 1, got 0");
  }
  std::vector<double> out(periods);
  // S(t) = S(t−1) · r(t): a product of ratios in (0, 1), no overflow, no cancellation.
  double survival = 1.0;
  for (size_t i = 0; i < periods; ++i) {
    if (i > 0) {
      const double t = static_cast<double>(i);
      survival *= Retention(params, t);
    }
    out[i] = initial * survival;
  }
  return out;
}

absl::StatusOr<double> SbgDiscountedExpectedResidualLifetime(const SbgParams& params,
                                                             double discount,
                                                             double renewals) {
  CRM_RETURN_IF_ERROR(params.Validate());
  if (!(std::isfinite(discount) && discount >= 0.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("sBG DERL: discount d must be finite and >= 0, got ", FormatDouble(discount)));
  }
  CRM_RETURN_IF_ERROR(CheckPeriod("DERL", renewals, 0.0));
  CRM_ASSIGN_OR_RETURN(
      const double derl,
      models_internal::HypergeometricOneBC("sBG DERL", params.beta + renewals,
                                           params.alpha + params.beta + renewals,
                                           1.0 / (1.0 + discount)));
  if (!std::isfinite(derl)) {
    return absl::OutOfRangeError(absl::StrCat("sBG DERL: not finite at ", ParamsText(params),
                                              ", d = ", FormatDouble(discount)));
  }
  return derl;
}

absl::StatusOr<double> SbgExpectedResidualPayments(const SbgParams& params, double discount,
                                                   double renewals, int64_t periods) {
  CRM_RETURN_IF_ERROR(params.Validate());
  if (!(std::isfinite(discount) && discount > -1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sBG residual payments: discount d must be finite and > -1, got ", FormatDouble(discount)));
  }
  CRM_RETURN_IF_ERROR(CheckPeriod("residual payments", renewals, 0.0));
  if (periods < 0 || periods > 10'000'000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sBG residual payments: periods must be in [0, 10000000], got ", periods));
  }
  double survival = 1.0, factor = 1.0, sum = 0.0;
  for (int64_t k = 1; k <= periods; ++k) {
    survival *= Retention(params, renewals + static_cast<double>(k));
    factor /= 1.0 + discount;
    sum += survival * factor;
  }
  if (!std::isfinite(sum)) {
    return absl::OutOfRangeError(absl::StrCat("sBG residual payments: not finite at ",
                                              ParamsText(params), ", d = ", FormatDouble(discount)));
  }
  return sum;
}

}  // namespace crmcore

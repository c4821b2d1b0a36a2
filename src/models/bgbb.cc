#include "crmcore/bgbb.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "models/model_internal.h"
#include "models/series.h"

namespace crmcore {

namespace {

using models_internal::DigammaDifference;
using models_internal::LogBetaRatio;
using models_internal::LogGammaRatio;

constexpr const char* kModel = "BG/BB";

std::string ParamsText(const BgBbParams& p) {
  return absl::StrCat("alpha = ", FormatDouble(p.alpha), ", beta = ", FormatDouble(p.beta),
                      ", gamma = ", FormatDouble(p.gamma), ", delta = ", FormatDouble(p.delta));
}

bool IsCount(double v) {
  return std::isfinite(v) && v >= 0.0 && v <= kBgBbMaxPeriods && v == std::floor(v);
}

// log L of one history and, when `gradient` is given, d log L / d(α, β, γ, δ).
// Term k of L is B(α+x, β+m)/B(α, β) · B(γ+e, δ+s)/B(γ, δ) with (m, e, s) = (n−x, 0, n)
// for the customer alive through n, and (t_x−x+i, 1, t_x+i) for one who died after
// opportunity t_x+i, i = 0..n−t_x−1 (FHS 2010 eq. 5).
double RowLogLikelihood(const BgBbParams& p, double x, double t_x, double n,
                        std::array<double, 4>* gradient) {
  // Every term is a product of two ratios of beta functions with whole offsets, taken
  // by LogBetaRatio: differences of log-beta functions lose all precision once the
  // parameters are large (log Γ(10^27) is 6·10^28).
  const double log_ratio_ax = LogGammaRatio(p.alpha, x);
  const size_t count = static_cast<size_t>(n - t_x) + 1;
  std::vector<double> log_terms(count);
  std::vector<std::array<double, 3>> mes(count);  // (m, e, s)
  mes[0] = {n - x, 0.0, n};
  for (size_t i = 1; i < count; ++i) {
    const double di = static_cast<double>(i - 1);
    mes[i] = {t_x - x + di, 1.0, t_x + di};
  }
  double hi = -HUGE_VAL;
  for (size_t k = 0; k < count; ++k) {
    const auto [m, e, s] = mes[k];
    log_terms[k] = log_ratio_ax + LogGammaRatio(p.beta, m) -
                   LogGammaRatio(p.alpha + p.beta, x + m) + LogBetaRatio(p.gamma, p.delta, e, s);
    hi = std::max(hi, log_terms[k]);
  }
  double total = 0.0;
  for (size_t k = 0; k < count; ++k) total += std::exp(log_terms[k] - hi);
  const double ll = hi + std::log(total);
  if (gradient != nullptr) {
    // With the term shares w_k summing to 1, each ψ difference pairs an argument with its
    // parameter's (ψ(α+x) − ψ(α), ψ(α+β+x+m) − ψ(α+β), ...): DigammaDifference keeps
    // their digits where a difference of digammas would lose them (parameters ≫ n).
    const double ab = p.alpha + p.beta, gd = p.gamma + p.delta;
    double g_a = DigammaDifference(p.alpha, x), g_b = 0.0, g_g = 0.0, g_d = 0.0;
    for (size_t k = 0; k < count; ++k) {
      const double w = std::exp(log_terms[k] - ll);
      const auto [m, e, s] = mes[k];
      const double d_abxm = DigammaDifference(ab, x + m);
      const double d_gdes = DigammaDifference(gd, e + s);
      g_a -= w * d_abxm;
      g_b += w * (DigammaDifference(p.beta, m) - d_abxm);
      g_g += w * (DigammaDifference(p.gamma, e) - d_gdes);
      g_d += w * (DigammaDifference(p.delta, s) - d_gdes);
    }
    *gradient = {g_a, g_b, g_g, g_d};
  }
  return ll;
}

absl::Status ValidateColumns(const BgBbParams& params, absl::Span<const double> x,
                             absl::Span<const double> t_x, absl::Span<const double> n,
                             absl::Span<double> out) {
  CRM_RETURN_IF_ERROR(params.Validate());
  CRM_RETURN_IF_ERROR(models_internal::CheckColumnLengths("BG/BB prediction", x.size(),
                                                          {t_x.size(), n.size(), out.size()}));
  for (size_t i = 0; i < x.size(); ++i) {
    CRM_RETURN_IF_ERROR(ValidateBgBbHistory(i, x[i], t_x[i], n[i]));
  }
  return absl::OkStatus();
}

// log[B(α+x+1, β+n−x)/B(α, β) / L]: the part of the expectations that depends on the
// customer's history (the transaction propensity of a customer alive through n).
double LogAliveTransactionWeight(const BgBbParams& p, double x, double t_x, double n) {
  return LogBetaRatio(p.alpha, p.beta, x + 1.0, n - x) - RowLogLikelihood(p, x, t_x, n, nullptr);
}

using NoThrowPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::promote_double<false>>;

constexpr double kMaxTermwiseHorizon = 1e6;

// log Σ_{s=1}^{n*} B(γ, δ+n+s)/B(γ, δ): the expected number of opportunities n+1..n+n* a
// customer alive at n survives, times B(γ, δ+n)/B(γ, δ). In logs, as the caller combines
// it: each factor alone may under- or overflow where their product does not.
double LogSurvivingOpportunities(const BgBbParams& p, double n, double n_star) {
  const double d = p.delta + n;
  if (n_star <= kMaxTermwiseHorizon) {
    // The terms relative to the first, B(γ, δ+n+1)/B(γ, δ): a sum of factors in (0, 1].
    double term = 1.0;
    double sum = 0.0;
    for (double s = 1.0; s <= n_star; s += 1.0) {
      sum += term;
      term *= (d + s) / (p.gamma + d + s);
    }
    return LogBetaRatio(p.gamma, p.delta, 0.0, n + 1.0) + std::log(sum);
  }
  // FHS 2010 eq. 13 closed form: with v_s = Γ(D+s+1)/Γ(γ+D+s), D = δ+n,
  // Σ_{s=1}^{N} Γ(D+s)/Γ(γ+D+s) = (v_0 − v_N)/(γ−1) (telescoping), and the factor
  // B(γ, D+s)/B(γ, δ) = Γ(γ+δ)/Γ(δ) · Γ(D+s)/Γ(γ+D+s). Gamma ratios by tgamma_delta_ratio.
  const double v0 = boost::math::tgamma_delta_ratio(d + 1.0, p.gamma - 1.0, NoThrowPolicy());
  const double vn =
      boost::math::tgamma_delta_ratio(d + n_star + 1.0, p.gamma - 1.0, NoThrowPolicy());
  const double prefactor = 1.0 / boost::math::tgamma_delta_ratio(p.delta, p.gamma, NoThrowPolicy());
  return std::log(prefactor * (v0 - vn) / (p.gamma - 1.0));
}

}  // namespace

absl::Status BgBbParams::Validate() const {
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "alpha", alpha));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "beta", beta));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "gamma", gamma));
  CRM_RETURN_IF_ERROR(models_internal::CheckPositiveParameter(kModel, "delta", delta));
  return absl::OkStatus();
}

absl::Status ValidateBgBbHistory(size_t row, double x, double t_x, double n) {
  const auto bad = [&](const char* name, double v) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BG/BB history row ", row, ": ", name, " must be a non-negative integer <= ",
        FormatDouble(kBgBbMaxPeriods), ", got ", FormatDouble(v)));
  };
  if (!IsCount(x)) return bad("frequency x", x);
  if (!IsCount(t_x)) return bad("recency t_x", t_x);
  if (!IsCount(n)) return bad("periods n", n);
  if (t_x > n) {
    return absl::InvalidArgumentError(absl::StrCat("BG/BB history row ", row, ": recency t_x = ",
                                                   FormatDouble(t_x), " must be <= periods n = ",
                                                   FormatDouble(n)));
  }
  if (x > t_x) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BG/BB history row ", row, ": frequency x = ", FormatDouble(x),
        " must be <= recency t_x = ", FormatDouble(t_x),
        " (one transaction per opportunity, the last at t_x)"));
  }
  // With no repeat transaction the last one is the first, at opportunity 0: a t_x > 0 is
  // no history (its likelihood would count t_x opportunities alive without a transaction
  // that never happened).
  if (x == 0.0 && t_x > 0.0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BG/BB history row ", row,
        ": frequency x = 0 (no repeat transaction) needs recency t_x = 0, got ",
        FormatDouble(t_x)));
  }
  return absl::OkStatus();
}

absl::StatusOr<BgBbHistories> BgBbHistories::Create(absl::Span<const double> frequency,
                                                    absl::Span<const double> recency,
                                                    absl::Span<const double> periods,
                                                    absl::Span<const double> weight) {
  const size_t rows = frequency.size();
  CRM_RETURN_IF_ERROR(models_internal::CheckColumnLengths("BG/BB histories", rows,
                                                          {recency.size(), periods.size()}));
  if (!weight.empty()) {
    CRM_RETURN_IF_ERROR(
        models_internal::CheckColumnLengths("BG/BB histories", rows, {weight.size()}));
  }
  if (rows == 0) return absl::InvalidArgumentError("BG/BB histories: no rows, got 0");
  for (size_t i = 0; i < rows; ++i) {
    CRM_RETURN_IF_ERROR(ValidateBgBbHistory(i, frequency[i], recency[i], periods[i]));
    CRM_RETURN_IF_ERROR(models_internal::CheckRowWeight("BG/BB history", i, weight));
  }
  auto key = [&](size_t i) { return std::make_tuple(frequency[i], recency[i], periods[i]); };
  const std::vector<size_t> order = models_internal::RowsSortedBy(rows, key);
  BgBbHistories out;
  for (size_t k = 0; k < rows; ++k) {
    const size_t i = order[k];
    const double w = weight.empty() ? 1.0 : weight[i];
    if (k > 0 && key(i) == key(order[k - 1])) {
      out.weight_.back() += w;
    } else {
      out.frequency_.push_back(frequency[i]);
      out.recency_.push_back(recency[i]);
      out.periods_.push_back(periods[i]);
      out.weight_.push_back(w);
    }
    out.total_weight_ += w;
    if (frequency[i] > 0.0) out.repeat_buyer_weight_ += w;
  }
  return out;
}

absl::StatusOr<double> BgBbLogLikelihood(const BgBbParams& params, double x, double t_x,
                                         double n) {
  CRM_RETURN_IF_ERROR(params.Validate());
  CRM_RETURN_IF_ERROR(ValidateBgBbHistory(0, x, t_x, n));
  const double ll = RowLogLikelihood(params, x, t_x, n, nullptr);
  CRM_RETURN_IF_ERROR(models_internal::CheckFiniteLogLikelihood("BG/BB log-likelihood", ll, {},
                                                                ParamsText(params)));
  return ll;
}

absl::StatusOr<LogLikelihoodSum<4>> BgBbLogLikelihoodSum(const BgBbParams& params,
                                                         const BgBbHistories& histories) {
  CRM_RETURN_IF_ERROR(params.Validate());
  LogLikelihoodSum<4> sum;
  std::array<double, 4> g{};
  for (size_t i = 0; i < histories.size(); ++i) {
    const double w = histories.weight()[i];
    std::array<double, 4> row_gradient{};
    sum.log_likelihood += w * RowLogLikelihood(params, histories.frequency()[i],
                                               histories.recency()[i], histories.periods()[i],
                                               &row_gradient);
    for (size_t k = 0; k < 4; ++k) g[k] += w * row_gradient[k];
    sum.weight += w;
  }
  // Chain rule to log-parameters: ∂/∂log θ = θ ∂/∂θ.
  sum.gradient = {g[0] * params.alpha, g[1] * params.beta, g[2] * params.gamma,
                  g[3] * params.delta};
  CRM_RETURN_IF_ERROR(models_internal::CheckFiniteLogLikelihood(
      "BG/BB log-likelihood sum", sum.log_likelihood, sum.gradient, ParamsText(params)));
  return sum;
}

absl::StatusOr<BgBbFit> FitBgBb(const BgBbHistories& histories, const FitOptions& options,
                                const BgBbParams& initial) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_RETURN_IF_ERROR(initial.Validate());
  if (histories.repeat_buyer_weight() < options.min_repeat_buyers) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BG/BB fit: too few repeat buyers (rows with x > 0): got ",
        FormatDouble(histories.repeat_buyer_weight()), ", need at least ",
        FormatDouble(options.min_repeat_buyers)));
  }
  std::vector<double> log_params = {std::log(initial.alpha), std::log(initial.beta),
                                    std::log(initial.gamma), std::log(initial.delta)};
  auto objective = [&](absl::Span<const double> lp, double* ll, double* weight,
                       absl::Span<double> gradient) -> absl::Status {
    const BgBbParams p{std::exp(lp[0]), std::exp(lp[1]), std::exp(lp[2]), std::exp(lp[3])};
    if (!p.Validate().ok()) {  // exp over/underflowed: a point outside the model
      *ll = -HUGE_VAL;
      *weight = 1.0;
      return absl::OkStatus();
    }
    CRM_ASSIGN_OR_RETURN(const LogLikelihoodSum<4> s, BgBbLogLikelihoodSum(p, histories));
    *ll = s.log_likelihood;
    *weight = s.weight;
    for (size_t k = 0; k < 4; ++k) gradient[k] = s.gradient[k];
    return absl::OkStatus();
  };
  CRM_ASSIGN_OR_RETURN(FitReport report,
                       models_internal::MaximizeLogLikelihood(objective, log_params, options));
  BgBbFit fit;
  fit.params = {std::exp(log_params[0]), std::exp(log_params[1]), std::exp(log_params[2]),
                std::exp(log_params[3])};
  fit.report = std::move(report);
  return fit;
}

absl::Status BgBbProbabilityAlive(const BgBbParams& params, absl::Span<const double> x,
                                  absl::Span<const double> t_x, absl::Span<const double> n,
                                  absl::Span<double> out) {
  CRM_RETURN_IF_ERROR(ValidateColumns(params, x, t_x, n, out));
  const BgBbParams& p = params;
  for (size_t i = 0; i < x.size(); ++i) {
    const double log_alive = LogBetaRatio(p.alpha, p.beta, x[i], n[i] - x[i]) +
                             LogBetaRatio(p.gamma, p.delta, 0.0, n[i] + 1.0);
    const double alive = std::exp(log_alive - RowLogLikelihood(p, x[i], t_x[i], n[i], nullptr));
    if (!std::isfinite(alive)) {  // Inf − Inf of log-gammas at parameters near DBL_MAX
      return absl::OutOfRangeError(absl::StrCat("BG/BB P(alive) row ", i, ": not finite at ",
                                                ParamsText(params),
                                                ": the parameters are too extreme for double"));
    }
    out[i] = std::min(1.0, alive);
  }
  return absl::OkStatus();
}

absl::Status BgBbExpectedTransactions(const BgBbParams& params, double n_star,
                                      absl::Span<const double> x, absl::Span<const double> t_x,
                                      absl::Span<const double> n, absl::Span<double> out) {
  if (!(std::isfinite(n_star) && n_star >= 0.0 && n_star == std::floor(n_star))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BG/BB expected transactions: horizon n* must be a non-negative integer, got ",
        FormatDouble(n_star)));
  }
  if (n_star > kMaxTermwiseHorizon && std::fabs(params.gamma - 1.0) < 0.01) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BG/BB expected transactions: horizon n* = ", FormatDouble(n_star),
        " above 10^6 needs gamma at least 0.01 away from 1, got gamma = ",
        FormatDouble(params.gamma)));
  }
  CRM_RETURN_IF_ERROR(ValidateColumns(params, x, t_x, n, out));
  absl::flat_hash_map<double, double> log_surviving_of;  // by n
  for (size_t i = 0; i < x.size(); ++i) {
    auto [it, inserted] = log_surviving_of.try_emplace(n[i], 0.0);
    if (inserted) it->second = LogSurvivingOpportunities(params, n[i], n_star);
    out[i] = std::exp(LogAliveTransactionWeight(params, x[i], t_x[i], n[i]) + it->second);
    if (!std::isfinite(out[i])) {
      return absl::OutOfRangeError(absl::StrCat("BG/BB expected transactions row ", i,
                                                ": not finite at ", ParamsText(params)));
    }
  }
  return absl::OkStatus();
}

absl::Status BgBbDiscountedExpectedResidualTransactions(const BgBbParams& params,
                                                        double discount,
                                                        absl::Span<const double> x,
                                                        absl::Span<const double> t_x,
                                                        absl::Span<const double> n,
                                                        absl::Span<double> out) {
  if (!(std::isfinite(discount) && discount >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BG/BB discounted expected residual transactions: discount d must be finite and >= 0, "
        "got ",
        FormatDouble(discount)));
  }
  CRM_RETURN_IF_ERROR(ValidateColumns(params, x, t_x, n, out));
  const BgBbParams& p = params;
  const double z = 1.0 / (1.0 + discount);
  absl::flat_hash_map<double, double> log_future_of;  // by n
  for (size_t i = 0; i < x.size(); ++i) {
    auto [it, inserted] = log_future_of.try_emplace(n[i], 0.0);
    if (inserted) {
      // B(γ, δ+n+1)/((1+d) B(γ, δ)) · 2F1(1, δ+n+1; γ+δ+n+1; 1/(1+d)) = Σ_{s>=1}
      // B(γ, δ+n+s)/B(γ, δ) (1+d)^−s: the discounted opportunities survived after n.
      CRM_ASSIGN_OR_RETURN(const double f,
                           models_internal::HypergeometricOneBC(
                               absl::StrCat("BG/BB DERT row ", i), p.delta + n[i] + 1.0,
                               p.gamma + p.delta + n[i] + 1.0, z));
      it->second = LogBetaRatio(p.gamma, p.delta, 0.0, n[i] + 1.0) + std::log(z) + std::log(f);
    }
    out[i] = std::exp(LogAliveTransactionWeight(p, x[i], t_x[i], n[i]) + it->second);
    if (!std::isfinite(out[i])) {
      return absl::OutOfRangeError(absl::StrCat("BG/BB DERT row ", i, ": not finite at ",
                                                ParamsText(params)));
    }
  }
  return absl::OkStatus();
}

}  // namespace crmcore

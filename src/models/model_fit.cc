#include "crmcore/model_fit.h"

#include <math.h>  // lgamma_r

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <LBFGS.h>
#include <boost/math/special_functions/digamma.hpp>

#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "models/model_internal.h"

namespace crmcore {

namespace models_internal {

namespace {

// Line searches that ended in an accepted step on this thread: LBFGS++ returns its
// iteration count only when it stops normally, not when a line search throws, so the
// search is wrapped to count them (one accepted step = one iteration).
thread_local int accepted_steps = 0;

template <typename Scalar>
struct CountingBacktracking {
  template <typename... Args>
  static void LineSearch(Args&... args) {
    LBFGSpp::LineSearchBacktracking<Scalar>::LineSearch(args...);
    ++accepted_steps;
  }
};

}  // namespace

double LogGamma(double x) {
#if defined(__GLIBC__)
  int sign = 0;
  return lgamma_r(x, &sign);
#else
  return std::lgamma(x);
#endif
}

double LogGammaRatio(double a, double k) {
  if (k == 0.0) return 0.0;
  // Below 1000 the two log-gammas are small enough that their difference keeps its
  // precision (an absolute error of a few ulps of log Γ(a+k)).
  if (a < 1000.0) return LogGamma(a + k) - LogGamma(a);
  const auto mu = [](double z) {
    const double z2 = 1.0 / (z * z);
    return (1.0 / 12.0 - z2 * (1.0 / 360.0 - z2 * (1.0 / 1260.0 - z2 / 1680.0))) / z;
  };
  return (a - 0.5) * std::log1p(k / a) + k * std::log(a + k) - k + (mu(a + k) - mu(a));
}

double DigammaDifference(double a, double k) {
  if (k == 0.0) return 0.0;
  if (a < 1000.0) return Digamma(a + k) - Digamma(a);
  const auto nu = [](double z) {
    const double z2 = 1.0 / (z * z);
    return -z2 * (1.0 / 12.0 - z2 * (1.0 / 120.0 - z2 / 252.0));
  };
  return std::log1p(k / a) + k / (2.0 * a * (a + k)) + (nu(a + k) - nu(a));
}

namespace {
using NoThrowPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::promote_double<false>>;
}  // namespace

double Digamma(double x) { return boost::math::digamma(x, NoThrowPolicy()); }

absl::Status CheckColumnLengths(absl::string_view what, size_t n,
                                std::initializer_list<size_t> lengths) {
  for (size_t length : lengths) {
    if (length != n) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": columns must have equal lengths, got ", n, " and ", length));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckFiniteLogLikelihood(absl::string_view what, double log_likelihood,
                                      absl::Span<const double> gradient,
                                      absl::string_view params) {
  bool finite = std::isfinite(log_likelihood);
  for (const double g : gradient) finite = finite && std::isfinite(g);
  if (finite) return absl::OkStatus();
  const std::string value = std::isfinite(log_likelihood)
                                ? absl::StrCat(FormatDouble(log_likelihood), "; its gradient is not")
                                : FormatDouble(log_likelihood);
  return absl::OutOfRangeError(absl::StrCat(what, " is not finite (", value, ") at ", params,
                                            ": the parameters are too extreme for double"));
}

absl::StatusOr<double> PenalizerTimeScale(absl::string_view model, const FitOptions& options) {
  if (options.penalizer == 0.0) return 1.0;
  if (!(std::isfinite(options.penalizer_max_T) && options.penalizer_max_T > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        model, " fit: the penalizer scales time so that the largest T is 1, which needs "
        "penalizer_max_T > 0 (the largest customer age T), got ",
        FormatDouble(options.penalizer_max_T)));
  }
  return 1.0 / options.penalizer_max_T;
}

absl::Status CheckRowWeight(absl::string_view what, size_t i, absl::Span<const double> weight) {
  if (weight.empty() || (std::isfinite(weight[i]) && weight[i] >= 0.0)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      what, " row ", i, ": weight must be finite and >= 0, got ", FormatDouble(weight[i])));
}

absl::Status CheckPositiveParameter(absl::string_view model, absl::string_view name,
                                    double value) {
  if (!(std::isfinite(value) && value > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(model, ": parameter ", name,
                                                   " must be finite and > 0, got ",
                                                   FormatDouble(value)));
  }
  return absl::OkStatus();
}

namespace {

// Carries an objective's error out through LBFGS++, which only knows exceptions; it never
// leaves MaximizeLogLikelihood.
struct ObjectiveFailed {
  absl::Status status;
};

}  // namespace

namespace {

// 2 C (s_k θ_k)² per parameter: d/d log θ_k of the penalty C Σ (s_k θ_k)², and the penalty
// itself; `scale` empty means all 1.
double Penalty(double penalizer, absl::Span<const double> scale,
               absl::Span<const double> log_params, absl::Span<double> gradient) {
  double penalty = 0.0;
  for (size_t k = 0; k < log_params.size(); ++k) {
    const double scaled = (scale.empty() ? 1.0 : scale[k]) * std::exp(log_params[k]);
    penalty += penalizer * scaled * scaled;
    gradient[k] = 2.0 * penalizer * scaled * scaled;
  }
  return penalty;
}

}  // namespace

ParameterUncertainty EstimateParameterUncertainty(const LogParamObjective& objective,
                                                  absl::Span<const double> log_params,
                                                  double penalizer,
                                                  absl::Span<const double> penalty_scale) {
  const size_t n = log_params.size();
  const auto ni = static_cast<Eigen::Index>(n);
  ParameterUncertainty out;
  // Gradient of the total penalized negative log-likelihood in log-parameters at `lp`.
  std::vector<double> gradient(n), penalty_gradient(n);
  auto negative_gradient = [&](absl::Span<const double> lp,
                               Eigen::Ref<Eigen::VectorXd> g) -> absl::Status {
    double ll = 0.0, weight = 0.0;
    std::fill(gradient.begin(), gradient.end(), 0.0);
    CRM_RETURN_IF_ERROR(objective(lp, &ll, &weight, absl::MakeSpan(gradient)));
    Penalty(penalizer, penalty_scale, lp, absl::MakeSpan(penalty_gradient));
    for (size_t k = 0; k < n; ++k) {
      g[static_cast<Eigen::Index>(k)] = -gradient[k] + weight * penalty_gradient[k];
      if (!std::isfinite(g[static_cast<Eigen::Index>(k)]) || !std::isfinite(ll)) {
        return absl::OutOfRangeError("the log-likelihood or its gradient is not finite");
      }
    }
    return absl::OkStatus();
  };
  // Central differences of the analytic gradient: O(h²) truncation, and no second
  // derivatives to derive per model.
  constexpr double kStep = 1e-5;
  Eigen::MatrixXd hessian(ni, ni);
  Eigen::VectorXd plus(ni), minus(ni);
  std::vector<double> lp(log_params.begin(), log_params.end());
  for (size_t k = 0; k < n; ++k) {
    lp[k] = log_params[k] + kStep;
    absl::Status status = negative_gradient(lp, plus);
    lp[k] = log_params[k] - kStep;
    if (status.ok()) status = negative_gradient(lp, minus);
    lp[k] = log_params[k];
    if (!status.ok()) {
      out.message = absl::StrCat(
          "the Hessian could not be evaluated near the estimates: ", status.message());
      return out;
    }
    hessian.col(static_cast<Eigen::Index>(k)) = (plus - minus) / (2.0 * kStep);
  }
  hessian = (0.5 * (hessian + hessian.transpose())).eval();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(hessian);
  if (eigen.info() != Eigen::Success) {
    out.message = "the Hessian's eigen-decomposition failed";
    return out;
  }
  const Eigen::VectorXd& lambda = eigen.eigenvalues();  // ascending
  const double largest = lambda.cwiseAbs().maxCoeff();
  // Noise in a difference Hessian is ~1e-10 of its largest entry: an eigenvalue below
  // 1e-9 of the largest is not distinguishable from 0.
  if (!(largest > 0.0) || !(lambda[0] > 1e-9 * largest)) {
    const bool indefinite = lambda[0] < -1e-9 * largest;
    out.message = absl::StrCat(
        "the Hessian of the negative log-likelihood is ",
        indefinite ? "indefinite (the estimates are not a maximum of the likelihood)"
                   : "singular (the likelihood is flat in some direction: the parameters "
                     "are not identified by these data)",
        ": eigenvalues from ", FormatDouble(lambda[0]), " to ", FormatDouble(lambda[ni - 1]));
    return out;
  }
  const Eigen::MatrixXd log_covariance =
      eigen.eigenvectors() * lambda.cwiseInverse().asDiagonal() * eigen.eigenvectors().transpose();
  out.covariance.resize(n * n);
  out.standard_errors.resize(n);
  out.confidence_intervals.resize(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      // From the upper triangle only: V Λ⁻¹ Vᵀ is symmetric only to rounding.
      const size_t lo = std::min(i, j), hi = std::max(i, j);
      out.covariance[i * n + j] = std::exp(log_params[lo]) * std::exp(log_params[hi]) *
                                  log_covariance(static_cast<Eigen::Index>(lo),
                                                 static_cast<Eigen::Index>(hi));
      if (!std::isfinite(out.covariance[i * n + j])) {
        out = ParameterUncertainty{};
        out.message = "the covariance overflows double (parameters too extreme)";
        return out;
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const double estimate = std::exp(log_params[i]);
    out.standard_errors[i] = std::sqrt(out.covariance[i * n + i]);
    out.confidence_intervals[i] = {estimate - 1.959964 * out.standard_errors[i],
                                   estimate + 1.959964 * out.standard_errors[i]};
  }
  out.available = true;
  return out;
}

absl::StatusOr<FitReport> MaximizeLogLikelihood(const LogParamObjective& objective,
                                                std::vector<double>& log_params,
                                                const FitOptions& options,
                                                absl::Span<const double> penalty_scale) {
  CRM_RETURN_IF_ERROR(options.Validate());
  const size_t n = log_params.size();
  if (!penalty_scale.empty() && penalty_scale.size() != n) {
    return absl::InternalError(absl::StrCat("fit: ", penalty_scale.size(),
                                            " penalty scales for ", n, " parameters"));
  }
  FitReport report;
  report.penalizer = options.penalizer;
  std::vector<double> penalty_gradient(n);

  // The best point seen: a line search that fails (LBFGS++ throws) leaves x at its last
  // trial, which may be worse than where it started.
  Eigen::VectorXd best_x = Eigen::Map<Eigen::VectorXd>(log_params.data(),
                                                       static_cast<Eigen::Index>(n));
  Eigen::VectorXd best_grad = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n));
  double best_f = std::numeric_limits<double>::infinity();
  double best_ll = -std::numeric_limits<double>::infinity();

  std::vector<double> gradient(n);
  auto negative_mean_ll = [&](const Eigen::VectorXd& x, Eigen::VectorXd& grad) -> double {
    ++report.evaluations;
    double ll = 0.0;
    double weight = 0.0;
    std::fill(gradient.begin(), gradient.end(), 0.0);
    absl::Status status = objective(absl::MakeConstSpan(x.data(), n), &ll, &weight,
                                    absl::MakeSpan(gradient));
    // OutOfRange is a point the model cannot evaluate in double (a series that does not
    // converge, terms that overflow): like a non-finite likelihood, "much worse".
    if (absl::IsOutOfRange(status)) return std::numeric_limits<double>::infinity();
    if (!status.ok()) throw ObjectiveFailed{std::move(status)};
    if (!(weight > 0.0)) {
      throw ObjectiveFailed{absl::InvalidArgumentError(absl::StrCat(
          "fit: the customers' total weight must be > 0, got ", FormatDouble(weight)))};
    }
    bool finite = std::isfinite(ll);
    for (size_t k = 0; k < n; ++k) {
      grad[static_cast<Eigen::Index>(k)] = -gradient[k] / weight;
      finite = finite && std::isfinite(gradient[k]);
    }
    // A trial point where the likelihood overflows is simply "much worse": the
    // backtracking line search then shortens the step.
    if (!finite) return std::numeric_limits<double>::infinity();
    double f = -ll / weight;
    if (options.penalizer > 0.0) {
      f += Penalty(options.penalizer, penalty_scale, absl::MakeConstSpan(x.data(), n),
                   absl::MakeSpan(penalty_gradient));
      for (size_t k = 0; k < n; ++k) grad[static_cast<Eigen::Index>(k)] += penalty_gradient[k];
      if (!std::isfinite(f)) return std::numeric_limits<double>::infinity();
    }
    if (f < best_f) {
      best_f = f;
      best_ll = ll;
      best_x = x;
      best_grad = grad;
    }
    return f;
  };

  LBFGSpp::LBFGSParam<double> param;
  param.epsilon = options.gradient_tolerance;
  param.epsilon_rel = 0.0;
  param.max_iterations = options.max_iterations;
  param.linesearch = LBFGSpp::LBFGS_LINESEARCH_BACKTRACKING_WOLFE;
  param.max_linesearch = 60;
  LBFGSpp::LBFGSSolver<double, CountingBacktracking> solver(param);
  Eigen::VectorXd x = best_x;
  double fx = 0.0;
  std::string failure;
  accepted_steps = 0;
  try {
    solver.minimize(negative_mean_ll, x, fx);
  } catch (const ObjectiveFailed& failed) {
    return failed.status;
  } catch (const std::exception& e) {
    failure = e.what();
  }
  report.iterations = accepted_steps;
  if (!std::isfinite(best_f)) {
    report.converged = false;
    report.message = "the log-likelihood is not finite at the starting point";
    return report;
  }
  for (size_t k = 0; k < n; ++k) log_params[k] = best_x[static_cast<Eigen::Index>(k)];
  report.log_likelihood = best_ll;
  // stableNorm: the entries are finite but may be near DBL_MAX (a degenerate likelihood
  // that grows without bound, e.g. Gamma-Gamma on identical spends), and norm() squares them.
  report.gradient_norm = best_grad.stableNorm();
  // Converged is decided here, from the returned point, not from how the solver stopped:
  // a line search can fail at a point that already meets the tolerance (rounding noise).
  report.converged = report.gradient_norm <= options.gradient_tolerance;
  if (report.converged) {
    report.message = "converged";
    report.uncertainty =
        EstimateParameterUncertainty(objective, log_params, options.penalizer, penalty_scale);
  } else if (!failure.empty()) {
    report.message = absl::StrCat("not converged: line search failed (", failure, ")");
  } else {
    report.message = absl::StrCat("not converged: reached the iteration cap of ",
                                  options.max_iterations);
  }
  if (!report.converged) {
    report.uncertainty.message = "not computed: the fit did not converge";
  }
  return report;
}

}  // namespace models_internal

absl::Status FitOptions::Validate() const {
  if (!(std::isfinite(gradient_tolerance) && gradient_tolerance > 0.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fit options: gradient_tolerance must be finite and > 0, got ",
                     FormatDouble(gradient_tolerance)));
  }
  if (max_iterations < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("fit options: max_iterations must be >= 1, got ", max_iterations));
  }
  if (!(std::isfinite(min_repeat_buyers) && min_repeat_buyers >= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fit options: min_repeat_buyers must be finite and >= 1, got ",
                     FormatDouble(min_repeat_buyers)));
  }
  if (!(std::isfinite(penalizer) && penalizer >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fit options: penalizer must be finite and >= 0, got ", FormatDouble(penalizer)));
  }
  if (!(std::isfinite(penalizer_max_T) && penalizer_max_T >= 0.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fit options: penalizer_max_T must be finite and >= 0, got ",
                     FormatDouble(penalizer_max_T)));
  }
  return absl::OkStatus();
}

absl::Status ValidatePurchaseHistory(size_t row, double x, double t_x, double T) {
  constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53
  if (!(std::isfinite(x) && x >= 0.0 && x <= kMaxExactInteger && x == std::floor(x))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "purchase history row ", row,
        ": frequency x must be a finite non-negative integer, got ", FormatDouble(x)));
  }
  if (!(std::isfinite(t_x) && t_x >= 0.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("purchase history row ", row,
                     ": recency t_x must be finite and >= 0, got ", FormatDouble(t_x)));
  }
  if (!(std::isfinite(T) && T >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "purchase history row ", row, ": T must be finite and >= 0, got ", FormatDouble(T)));
  }
  if (t_x > T) {
    return absl::InvalidArgumentError(
        absl::StrCat("purchase history row ", row, ": recency t_x = ", FormatDouble(t_x),
                     " must be <= T = ", FormatDouble(T)));
  }
  // x > 0 with t_x = 0 is a history the likelihood covers (repeat purchases within the
  // first time unit, e.g. a summary rounded to whole units); x = 0 with t_x > 0 is not: a
  // last purchase after the first needs a repeat purchase.
  if (x == 0.0 && t_x > 0.0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "purchase history row ", row, ": frequency x = 0 (no repeat purchase) needs recency ",
        "t_x = 0, got ", FormatDouble(t_x)));
  }
  return absl::OkStatus();
}

absl::StatusOr<PurchaseHistories> PurchaseHistories::Create(absl::Span<const double> frequency,
                                                            absl::Span<const double> recency,
                                                            absl::Span<const double> T,
                                                            absl::Span<const double> weight) {
  const size_t n = frequency.size();
  CRM_RETURN_IF_ERROR(models_internal::CheckColumnLengths("purchase histories", n,
                                                          {recency.size(), T.size()}));
  if (!weight.empty()) {
    CRM_RETURN_IF_ERROR(
        models_internal::CheckColumnLengths("purchase histories", n, {weight.size()}));
  }
  if (n == 0) {
    return absl::InvalidArgumentError("purchase histories: no customers, got 0 rows");
  }
  for (size_t i = 0; i < n; ++i) {
    CRM_RETURN_IF_ERROR(ValidatePurchaseHistory(i, frequency[i], recency[i], T[i]));
    CRM_RETURN_IF_ERROR(models_internal::CheckRowWeight("purchase history", i, weight));
  }
  auto key = [&](size_t i) { return std::make_tuple(frequency[i], T[i], recency[i]); };
  const std::vector<size_t> order = models_internal::RowsSortedBy(n, key);

  PurchaseHistories out;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = order[k];
    const double w = weight.empty() ? 1.0 : weight[i];
    if (k > 0 && key(i) == key(order[k - 1])) {
      out.weight_.back() += w;
    } else {
      out.frequency_.push_back(frequency[i]);
      out.recency_.push_back(recency[i]);
      out.T_.push_back(T[i]);
      out.weight_.push_back(w);
    }
    out.total_weight_ += w;
    if (frequency[i] > 0.0) out.repeat_buyer_weight_ += w;
    if (frequency[i] > 0.0 && recency[i] == 0.0) out.zero_recency_repeat_weight_ += w;
    out.max_T_ = std::max(out.max_T_, T[i]);
  }
  return out;
}

}  // namespace crmcore

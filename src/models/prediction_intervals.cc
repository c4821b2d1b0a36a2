#include "crmcore/prediction_intervals.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "absl/strings/str_cat.h"
#include "crmcore/bgnbd.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/pareto_nbd.h"
#include "crmcore/status.h"

namespace crmcore {

namespace {

constexpr double kZ95 = 1.959964;  // standard normal 97.5 % quantile

absl::Status CheckDistribution(const ParameterDistribution& d) {
  const size_t k = d.params.size();
  if (k == 0 || d.covariance.size() != k * k) {
    return absl::InvalidArgumentError(absl::StrCat(
        "prediction intervals: the covariance must have ", k, "^2 = ", k * k,
        " entries for ", k, " parameters, got ", d.covariance.size()));
  }
  for (size_t i = 0; i < k; ++i) {
    if (!(std::isfinite(d.params[i]) && d.params[i] > 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "prediction intervals: parameter ", i, " must be finite and > 0, got ",
          FormatDouble(d.params[i])));
    }
  }
  for (const double c : d.covariance) {
    if (!std::isfinite(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "prediction intervals: covariance entries must be finite, got ", FormatDouble(c)));
    }
  }
  return absl::OkStatus();
}

// The total of `values`, overflow an error.
absl::StatusOr<double> Total(absl::Span<const double> values) {
  double total = 0.0;
  for (const double v : values) total += v;
  if (!std::isfinite(total)) {
    return absl::OutOfRangeError("prediction intervals: the population total overflows double");
  }
  return total;
}

// InvalidArgument unless a prediction of `model` got its `expected` parameters.
absl::Status CheckCount(absl::string_view model, absl::Span<const double> p, size_t expected) {
  if (p.size() == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(model, " prediction: needs ", expected,
                                                 " parameters, got ", p.size()));
}

}  // namespace

absl::StatusOr<ParameterDistribution> ParameterDistribution::FromFit(
    absl::Span<const double> params, const ParameterUncertainty& uncertainty) {
  if (!uncertainty.available) {
    return absl::FailedPreconditionError(absl::StrCat(
        "prediction intervals need the fit's covariance, which is not available: ",
        uncertainty.message));
  }
  if (uncertainty.covariance.size() != params.size() * params.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "prediction intervals: ", params.size(), " parameters but a covariance of ",
        uncertainty.covariance.size(), " entries"));
  }
  ParameterDistribution out;
  out.params.assign(params.begin(), params.end());
  out.covariance = uncertainty.covariance;
  return out;
}

ParameterDistribution ParameterDistribution::Stack(const ParameterDistribution& first,
                                                   const ParameterDistribution& second) {
  const size_t a = first.params.size(), b = second.params.size(), n = a + b;
  ParameterDistribution out;
  out.params = first.params;
  out.params.insert(out.params.end(), second.params.begin(), second.params.end());
  out.covariance.assign(n * n, 0.0);
  for (size_t i = 0; i < a; ++i) {
    for (size_t j = 0; j < a; ++j) out.covariance[i * n + j] = first.covariance[i * a + j];
  }
  for (size_t i = 0; i < b; ++i) {
    for (size_t j = 0; j < b; ++j) {
      out.covariance[(a + i) * n + a + j] = second.covariance[i * b + j];
    }
  }
  return out;
}

absl::StatusOr<PredictionIntervals> DeltaMethodIntervals(const ParametricPrediction& predict,
                                                         const ParameterDistribution& distribution,
                                                         size_t n_customers, ValueRange range) {
  CRM_RETURN_IF_ERROR(CheckDistribution(distribution));
  if (!(range.lo <= range.hi)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "prediction intervals: range lo ", FormatDouble(range.lo), " must be <= hi ",
        FormatDouble(range.hi)));
  }
  const size_t k = distribution.params.size();
  const size_t n = n_customers;
  PredictionIntervals out;
  out.value.resize(n);
  CRM_RETURN_IF_ERROR(predict(distribution.params, absl::MakeSpan(out.value)));
  // gradient[j * n + i] = ∂ prediction_i / ∂ θ_j, by central differences with a step
  // relative to θ_j: O(h²) truncation, and the predictions are smooth in θ.
  std::vector<double> gradient(k * n), plus(n), minus(n);
  std::vector<double> theta = distribution.params;
  for (size_t j = 0; j < k; ++j) {
    const double h = 1e-5 * distribution.params[j];
    theta[j] = distribution.params[j] + h;
    CRM_RETURN_IF_ERROR(predict(theta, absl::MakeSpan(plus)));
    theta[j] = distribution.params[j] - h;
    CRM_RETURN_IF_ERROR(predict(theta, absl::MakeSpan(minus)));
    theta[j] = distribution.params[j];
    for (size_t i = 0; i < n; ++i) gradient[j * n + i] = (plus[i] - minus[i]) / (2.0 * h);
  }
  const std::vector<double>& cov = distribution.covariance;
  auto standard_error = [&](const std::vector<double>& g) -> absl::StatusOr<double> {
    double variance = 0.0;
    for (size_t a = 0; a < k; ++a) {
      for (size_t b = 0; b < k; ++b) variance += g[a] * cov[a * k + b] * g[b];
    }
    if (!std::isfinite(variance)) {
      return absl::OutOfRangeError("prediction intervals: a variance is not finite");
    }
    // gᵀ Σ g >= 0 for a positive semi-definite Σ; a tiny negative is rounding.
    return std::sqrt(std::max(variance, 0.0));
  };
  out.lo.resize(n);
  out.hi.resize(n);
  std::vector<double> g(k), total_gradient(k, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < k; ++j) {
      g[j] = gradient[j * n + i];
      total_gradient[j] += g[j];
    }
    CRM_ASSIGN_OR_RETURN(const double se, standard_error(g));
    out.lo[i] = std::clamp(out.value[i] - kZ95 * se, range.lo, range.hi);
    out.hi[i] = std::clamp(out.value[i] + kZ95 * se, range.lo, range.hi);
  }
  CRM_ASSIGN_OR_RETURN(out.total.value, Total(out.value));
  CRM_ASSIGN_OR_RETURN(const double total_se, standard_error(total_gradient));
  const double count = static_cast<double>(n);
  const double total_lo = range.lo == 0.0 ? 0.0 : range.lo * count;
  const double total_hi = std::isinf(range.hi) ? range.hi : range.hi * count;
  out.total.lo = std::clamp(out.total.value - kZ95 * total_se, total_lo, total_hi);
  out.total.hi = std::clamp(out.total.value + kZ95 * total_se, total_lo, total_hi);
  return out;
}

absl::Status BootstrapOptions::Validate() const {
  if (samples < 20 || samples > 1000000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bootstrap: samples must be in [20, 1000000], got ", samples));
  }
  return absl::OkStatus();
}

absl::StatusOr<BootstrapInterval> BootstrapTotalInterval(const ParametricPrediction& predict,
                                                         const ParameterDistribution& distribution,
                                                         size_t n_customers,
                                                         const BootstrapOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_RETURN_IF_ERROR(CheckDistribution(distribution));
  const size_t k = distribution.params.size();
  const auto ki = static_cast<Eigen::Index>(k);
  // Covariance of log θ by the delta method: Σ_ij / (θ_i θ_j).
  Eigen::MatrixXd log_cov(ki, ki);
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) {
      log_cov(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
          distribution.covariance[i * k + j] / (distribution.params[i] * distribution.params[j]);
    }
  }
  Eigen::LLT<Eigen::MatrixXd> cholesky(log_cov);
  if (cholesky.info() != Eigen::Success) {
    return absl::InvalidArgumentError(
        "bootstrap: the parameter covariance is not positive definite");
  }
  const Eigen::MatrixXd L = cholesky.matrixL();
  std::mt19937_64 engine(options.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::VectorXd z(ki);
  std::vector<double> theta(k), values(n_customers), totals;
  totals.reserve(static_cast<size_t>(options.samples));
  BootstrapInterval out;
  for (int s = 0; s < options.samples; ++s) {
    for (Eigen::Index j = 0; j < ki; ++j) z[j] = normal(engine);
    const Eigen::VectorXd shift = L * z;
    bool valid = true;
    for (size_t j = 0; j < k; ++j) {
      theta[j] = distribution.params[j] * std::exp(shift[static_cast<Eigen::Index>(j)]);
      valid = valid && std::isfinite(theta[j]) && theta[j] > 0.0;
    }
    if (valid && predict(theta, absl::MakeSpan(values)).ok()) {
      absl::StatusOr<double> total = Total(values);
      if (total.ok()) {
        totals.push_back(*total);
        continue;
      }
    }
    ++out.samples_failed;
  }
  out.samples_used = static_cast<int>(totals.size());
  if (2 * out.samples_used < options.samples) {
    return absl::FailedPreconditionError(absl::StrCat(
        "bootstrap: only ", out.samples_used, " of ", options.samples,
        " parameter draws could be evaluated: the estimates are too uncertain for this "
        "prediction"));
  }
  std::sort(totals.begin(), totals.end());
  // Percentiles by linear interpolation between order statistics (type 7, as numpy's
  // default), at 2.5 % and 97.5 %.
  auto percentile = [&](double q) {
    const double pos = q * static_cast<double>(totals.size() - 1);
    const auto below = static_cast<size_t>(std::floor(pos));
    const size_t above = std::min(below + 1, totals.size() - 1);
    return totals[below] + (pos - static_cast<double>(below)) * (totals[above] - totals[below]);
  };
  out.lo = percentile(0.025);
  out.hi = percentile(0.975);
  return out;
}

ParametricPrediction BgNbdProbabilityAlivePrediction(absl::Span<const double> x,
                                                     absl::Span<const double> t_x,
                                                     absl::Span<const double> T) {
  return [=](absl::Span<const double> p, absl::Span<double> out) -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckCount("BG/NBD", p, 4));
    return BgNbdProbabilityAlive({p[0], p[1], p[2], p[3]}, x, t_x, T, out);
  };
}

ParametricPrediction BgNbdExpectedPurchasesPrediction(double t, absl::Span<const double> x,
                                                      absl::Span<const double> t_x,
                                                      absl::Span<const double> T) {
  return [=](absl::Span<const double> p, absl::Span<double> out) -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckCount("BG/NBD", p, 4));
    return BgNbdExpectedPurchases({p[0], p[1], p[2], p[3]}, t, x, t_x, T, out);
  };
}

ParametricPrediction ParetoNbdProbabilityAlivePrediction(absl::Span<const double> x,
                                                         absl::Span<const double> t_x,
                                                         absl::Span<const double> T) {
  return [=](absl::Span<const double> p, absl::Span<double> out) -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckCount("Pareto/NBD", p, 4));
    return ParetoNbdProbabilityAlive({p[0], p[1], p[2], p[3]}, x, t_x, T, out);
  };
}

ParametricPrediction ParetoNbdExpectedPurchasesPrediction(double t, absl::Span<const double> x,
                                                          absl::Span<const double> t_x,
                                                          absl::Span<const double> T) {
  return [=](absl::Span<const double> p, absl::Span<double> out) -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckCount("Pareto/NBD", p, 4));
    return ParetoNbdExpectedPurchases({p[0], p[1], p[2], p[3]}, t, x, t_x, T, out);
  };
}

ParametricPrediction GammaGammaExpectedMeanSpendPrediction(
    absl::Span<const double> frequency, absl::Span<const double> monetary_value) {
  return [=](absl::Span<const double> p, absl::Span<double> out) -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckCount("Gamma-Gamma", p, 3));
    return GammaGammaExpectedMeanSpend({p[0], p[1], p[2]}, frequency, monetary_value, out);
  };
}

ParametricPrediction DiscountedClvPrediction(bool pareto, const ClvHorizon& horizon,
                                             absl::Span<const double> x,
                                             absl::Span<const double> t_x,
                                             absl::Span<const double> T,
                                             absl::Span<const double> spend_frequency,
                                             absl::Span<const double> monetary_value) {
  return [=](absl::Span<const double> p, absl::Span<double> out) -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckCount("CLV", p, 7));
    std::vector<double> spend(out.size());
    CRM_RETURN_IF_ERROR(GammaGammaExpectedMeanSpend({p[4], p[5], p[6]}, spend_frequency,
                                                    monetary_value, absl::MakeSpan(spend)));
    if (pareto) {
      return ParetoNbdDiscountedClv({p[0], p[1], p[2], p[3]}, horizon, spend, x, t_x, T, out);
    }
    return BgNbdDiscountedClv({p[0], p[1], p[2], p[3]}, horizon, spend, x, t_x, T, out);
  };
}

}  // namespace crmcore

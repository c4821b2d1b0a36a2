// Prediction intervals of the lifetime models from the estimates' uncertainty
// (ParameterUncertainty, model_fit.h): how far a prediction — P(alive), expected purchases,
// expected mean spend, CLV — moves when the fitted parameters move within their sampling
// error. They cover parameter uncertainty only, not the randomness of a customer's own
// future purchases.
//
// Two methods:
//  - delta method (per customer and for the population total): with g the gradient of the
//    prediction with respect to the parameters (central differences, relative step 1e-5)
//    and Σ their covariance, se = √(gᵀ Σ g) and the 95 % interval value ∓ 1.959964 se,
//    clamped to the prediction's valid range (P(alive) in [0, 1], expectations >= 0; the
//    total's range is n times the customer's);
//  - parametric bootstrap (population total): parameters drawn from the asymptotic normal
//    in LOG-parameter space (log θ ~ N(log θ̂, D⁻¹ Σ D⁻¹), D = diag(θ̂)) so that every draw
//    is positive, the total recomputed per draw, and the 2.5 % and 97.5 % percentiles
//    taken. Draws use std::mt19937_64 and std::normal_distribution: reproducible for a
//    given seed with this library build (the standard library's normal_distribution
//    algorithm is implementation-defined, so another standard library may draw others).
//
// Predictions of two independently fitted models (CLV: BG/NBD or Pareto/NBD purchases
// times Gamma-Gamma spend) stack their parameters, with a block-diagonal covariance.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_PREDICTION_INTERVALS_H_
#define CRMCORE_PREDICTION_INTERVALS_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/clv.h"
#include "crmcore/model_fit.h"

namespace crmcore {

/// Parameters and their covariance (n·n row-major), in the model's parameter order.
struct ParameterDistribution {
  std::vector<double> params;
  std::vector<double> covariance;

  /// From a fit: `params` in the model's order and its report's uncertainty.
  /// FailedPrecondition with the reason when the uncertainty is not available;
  /// InvalidArgument when the sizes disagree.
  static absl::StatusOr<ParameterDistribution> FromFit(absl::Span<const double> params,
                                                       const ParameterUncertainty& uncertainty);

  /// Two independent fits stacked: parameters concatenated, covariance block-diagonal.
  static ParameterDistribution Stack(const ParameterDistribution& first,
                                     const ParameterDistribution& second);
};

/// A prediction per customer as a function of the parameters: writes one value per
/// customer into `out` (its size is the number of customers). An error marks parameters
/// where it cannot be evaluated.
using ParametricPrediction =
    std::function<absl::Status(absl::Span<const double> params, absl::Span<double> out)>;

/// The range a prediction's values can take, for clamping the intervals.
struct ValueRange {
  double lo = 0.0;
  double hi = std::numeric_limits<double>::infinity();
};

/// A value with a 95 % interval.
struct IntervalEstimate {
  double value = 0.0;
  double lo = 0.0;
  double hi = 0.0;
};

/// Per-customer delta-method intervals and those of the population total.
struct PredictionIntervals {
  std::vector<double> value;
  std::vector<double> lo;
  std::vector<double> hi;
  IntervalEstimate total;
};

/// Delta-method 95 % intervals (see the file comment) of `predict` for `n_customers`.
/// Errors: InvalidArgument for a covariance that is not params.size()² or a range with
/// lo > hi; the prediction's own error at the estimates or at a difference step (e.g.
/// OutOfRange); OutOfRange when a variance is not finite.
absl::StatusOr<PredictionIntervals> DeltaMethodIntervals(const ParametricPrediction& predict,
                                                         const ParameterDistribution& distribution,
                                                         size_t n_customers, ValueRange range);

/// How the parametric bootstrap draws.
struct BootstrapOptions {
  /// Draws; 20 .. 1'000'000.
  int samples = 200;
  /// Seed of std::mt19937_64.
  uint64_t seed = 1;

  /// InvalidArgument naming the field when out of range.
  absl::Status Validate() const;
};

/// A percentile interval of the population total.
struct BootstrapInterval {
  double lo = 0.0;
  double hi = 0.0;
  /// Draws that gave a total (the percentiles are over these).
  int samples_used = 0;
  /// Draws where the prediction could not be evaluated (e.g. a Gamma-Gamma q <= 1 that
  /// has no population mean spend): left out, and counted here.
  int samples_failed = 0;
};

/// The parametric bootstrap's 2.5 % and 97.5 % percentiles of Σ_i predict_i (see the file
/// comment). Errors: invalid options or sizes; InvalidArgument when the covariance is not
/// positive definite (no Cholesky factor); FailedPrecondition when fewer than half the
/// draws could be evaluated.
absl::StatusOr<BootstrapInterval> BootstrapTotalInterval(const ParametricPrediction& predict,
                                                         const ParameterDistribution& distribution,
                                                         size_t n_customers,
                                                         const BootstrapOptions& options);

// ---- The models' predictions as ParametricPrediction. The spans are borrowed: they must
// outlive the returned function. Parameters in the model's order (BG/NBD r, α, a, b;
// Pareto/NBD r, α, s, β; Gamma-Gamma p, q, γ; CLV: the purchase model's then
// Gamma-Gamma's).

ParametricPrediction BgNbdProbabilityAlivePrediction(absl::Span<const double> x,
                                                     absl::Span<const double> t_x,
                                                     absl::Span<const double> T);
ParametricPrediction BgNbdExpectedPurchasesPrediction(double t, absl::Span<const double> x,
                                                      absl::Span<const double> t_x,
                                                      absl::Span<const double> T);
ParametricPrediction ParetoNbdProbabilityAlivePrediction(absl::Span<const double> x,
                                                         absl::Span<const double> t_x,
                                                         absl::Span<const double> T);
ParametricPrediction ParetoNbdExpectedPurchasesPrediction(double t, absl::Span<const double> x,
                                                          absl::Span<const double> t_x,
                                                          absl::Span<const double> T);
/// `frequency` as the Gamma-Gamma model sees it (x = 0 for customers it left out).
ParametricPrediction GammaGammaExpectedMeanSpendPrediction(absl::Span<const double> frequency,
                                                           absl::Span<const double> monetary_value);

/// Discounted CLV (clv.h) with the spend from Gamma-Gamma (`spend_frequency`, `monetary`)
/// and the purchases from BG/NBD (`pareto` false) or Pareto/NBD: 7 parameters.
ParametricPrediction DiscountedClvPrediction(bool pareto, const ClvHorizon& horizon,
                                             absl::Span<const double> x,
                                             absl::Span<const double> t_x,
                                             absl::Span<const double> T,
                                             absl::Span<const double> spend_frequency,
                                             absl::Span<const double> monetary_value);

}  // namespace crmcore

#endif  // CRMCORE_PREDICTION_INTERVALS_H_

// Shared pieces of the buy-till-you-die models (docs/domain.md §6.3): the customer
// histories they are fitted on, the maximum-likelihood fit options and report, and the
// log-likelihood sums a host adds up across data partitions.
//
// Conventions (Fader, Hardie & Lee 2005, "Counting your customers the easy way"):
// a customer's history is (x, t_x, T) — x repeat purchases, the last at t_x, observed
// for T time units since the first purchase. Every fit works on log-parameters so the
// parameters stay positive, and on customers with equal (x, t_x, T) compressed into one
// weighted row (real data repeat the same few histories many times).
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_MODEL_FIT_H_
#define CRMCORE_MODEL_FIT_H_

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace crmcore {

/// Checks one customer's history (x, t_x, T), reporting `row` in the message:
/// x must be a finite non-negative integer (a count of repeat purchases) no larger than
/// 2^53; t_x and T finite and >= 0; t_x <= T; and t_x = 0 when x = 0 (without a repeat
/// purchase the last purchase is the first). x > 0 with t_x = 0 is valid: repeat purchases
/// within the first time unit, which a summary rounded to whole units produces (the
/// `lifetimes` library accepts them too); PurchaseHistories counts them.
/// InvalidArgument naming the row, column and value.
absl::Status ValidatePurchaseHistory(size_t row, double x, double t_x, double T);

/// Customer histories for fitting, compressed: customers with equal (x, t_x, T) form one
/// row whose weight is their number (or the sum of their given weights). Rows are sorted
/// by x, then T, then t_x, so the models can share work between rows with equal x.
class PurchaseHistories {
 public:
  /// Validates (ValidatePurchaseHistory) and compresses the columns, one entry per
  /// customer. `weight` may be empty (each customer counts once) or give a finite
  /// weight >= 0 per customer. Errors: InvalidArgument for columns of unequal length, for
  /// an invalid history or weight (naming the row and value), or for no customers.
  static absl::StatusOr<PurchaseHistories> Create(absl::Span<const double> frequency,
                                                  absl::Span<const double> recency,
                                                  absl::Span<const double> T,
                                                  absl::Span<const double> weight = {});

  /// Number of compressed rows.
  size_t size() const { return frequency_.size(); }
  /// Sum of the weights (the number of customers when unweighted).
  double total_weight() const { return total_weight_; }
  /// Sum of the weights of rows with x > 0 (the repeat buyers).
  double repeat_buyer_weight() const { return repeat_buyer_weight_; }
  /// Sum of the weights of repeat buyers with recency t_x = 0 (valid; see
  /// ValidatePurchaseHistory), which the fits count in FitReport.
  double zero_recency_repeat_weight() const { return zero_recency_repeat_weight_; }
  /// The largest customer age T (the penalizer's time scale, FitOptions::penalizer).
  double max_T() const { return max_T_; }

  absl::Span<const double> frequency() const { return frequency_; }
  absl::Span<const double> recency() const { return recency_; }
  absl::Span<const double> T() const { return T_; }
  absl::Span<const double> weight() const { return weight_; }

 private:
  std::vector<double> frequency_;
  std::vector<double> recency_;
  std::vector<double> T_;
  std::vector<double> weight_;
  double total_weight_ = 0.0;
  double repeat_buyer_weight_ = 0.0;
  double zero_recency_repeat_weight_ = 0.0;
  double max_T_ = 0.0;
};

/// A weighted sum over customers of log-likelihoods and of their gradient with respect to
/// the log-parameters (d LL / d log θ = θ · d LL / d θ). Sums over disjoint partitions of
/// the customers add up (operator+=) to the sum over all of them, so a host can evaluate
/// partitions where the data live and step the optimizer on the driver.
template <size_t N>
struct LogLikelihoodSum {
  /// Sum of the customers' weights.
  double weight = 0.0;
  /// Σ weight · log L.
  double log_likelihood = 0.0;
  /// Σ weight · d log L / d log θ_k, in the model's parameter order.
  std::array<double, N> gradient{};

  LogLikelihoodSum& operator+=(const LogLikelihoodSum& other) {
    weight += other.weight;
    log_likelihood += other.log_likelihood;
    for (size_t k = 0; k < N; ++k) gradient[k] += other.gradient[k];
    return *this;
  }
};

/// How a maximum-likelihood fit runs. The optimizer is L-BFGS (LBFGS++, Qiu) with a
/// backtracking Wolfe line search, minimizing −LL / (total weight) over log-parameters:
/// the mean makes the tolerance independent of the number of customers.
struct FitOptions {
  /// Converged when the Euclidean norm of the gradient of the mean negative
  /// log-likelihood with respect to the log-parameters is at most this. Must be > 0.
  double gradient_tolerance = 1e-7;
  /// Iteration cap; a fit that reaches it reports converged = false. Must be >= 1.
  int max_iterations = 500;
  /// Fewest repeat buyers (weight of customers with x > 0) a fit accepts: with fewer the
  /// likelihood is flat or maximized at a boundary (e.g. a → 0) and the estimates mean
  /// nothing. Must be >= 1.
  double min_repeat_buyers = 10.0;
  /// lifetimes' penalizer_coef: >= 0, finite. 0 = plain maximum likelihood. With C > 0 the
  /// optimizer minimizes −LL / (total weight) + C · Σ θ̃_k², lifetimes' convention
  /// (BetaGeoFitter, ParetoNBDFitter, GammaGammaFitter): θ̃ are the parameters in a time
  /// unit where the largest T is 1 (BG/NBD: r, α / max T, a, b; Pareto/NBD: r, α / max T,
  /// s, β / max T), Gamma-Gamma's p, q, γ unscaled. It shrinks the estimates towards 0 and
  /// keeps a flat likelihood from running away. FitReport::log_likelihood stays the
  /// unpenalized total log-likelihood at the estimates.
  double penalizer = 0.0;
  /// The largest customer age T over all customers, for the penalizer's time scaling of
  /// BG/NBD and Pareto/NBD (unused when penalizer = 0 and by Gamma-Gamma). FitBgNbd and
  /// FitParetoNbd set it from their histories (PurchaseHistories::max_T()); the
  /// partition-sum fits (FitBgNbdFromSums, FitParetoNbdFromSums) need the host to set it
  /// (the driver sees no customers): finite and > 0 when penalizer > 0, else
  /// InvalidArgument. 0 = not set.
  double penalizer_max_T = 0.0;

  /// InvalidArgument naming the field and value when a field is out of range or NaN.
  absl::Status Validate() const;
};

/// Asymptotic uncertainty of fitted parameters: the covariance is the inverse of the
/// Hessian of the total negative log-likelihood at the estimates (the observed information;
/// with a penalizer, of the penalized objective −LL + W·C·Σ θ̃_k², W the total weight, so
/// that it matches the estimates it describes). It is computed in log-parameters by central
/// differences of the analytic gradient, symmetrized, and carried to the natural parameters
/// by the delta method (Cov_θ = D Cov_logθ D, D = diag(θ); the gradient term of the change
/// of variables vanishes at the optimum).
struct ParameterUncertainty {
  /// False when the Hessian is singular or indefinite (the likelihood is flat or the fit
  /// sits on a saddle: `message` says which), when it could not be evaluated, or when the
  /// fit did not converge (then nothing is computed).
  bool available = false;
  /// n·n row-major covariance of the natural parameters, in the model's parameter order.
  std::vector<double> covariance;
  /// n standard errors, √ of the covariance's diagonal.
  std::vector<double> standard_errors;
  /// n 95 % Wald intervals: estimate ∓ 1.959964 · standard error (the lower bound may be
  /// below 0: it is the normal approximation, not a constraint).
  std::vector<std::array<double, 2>> confidence_intervals;
  /// Why it is not available; "" when it is.
  std::string message;
};

/// The outcome of a fit. A fit that did not converge says so here (and in `message`);
/// its parameters are the last iterate and must not be used as estimates.
struct FitReport {
  /// True when the gradient tolerance was met.
  bool converged = false;
  /// Quasi-Newton iterations taken (accepted steps), also when the fit stopped on a failed
  /// line search.
  int iterations = 0;
  /// Number of log-likelihood (and gradient) evaluations.
  int evaluations = 0;
  /// Norm of the gradient of the mean negative log-likelihood at the returned point.
  double gradient_norm = 0.0;
  /// Total (weighted) log-likelihood at the returned point.
  double log_likelihood = 0.0;
  /// "converged", or why not (iteration cap, line-search failure).
  std::string message;
  /// BG/NBD and Pareto/NBD fits on PurchaseHistories: the (weighted) repeat buyers whose
  /// recency is 0, i.e. repeat purchases within the first time unit, which summaries
  /// rounded to whole units produce. They are fitted like any other; the count lets a
  /// report say so.
  double zero_recency_repeat_buyers = 0.0;
  /// The FitOptions::penalizer the fit maximized with (0: plain maximum likelihood).
  double penalizer = 0.0;
  /// Standard errors and covariance of the estimates; filled for every converged fit
  /// (available or, with the reason, not).
  ParameterUncertainty uncertainty;
};

}  // namespace crmcore

#endif  // CRMCORE_MODEL_FIT_H_

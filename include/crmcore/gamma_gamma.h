// The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and
// CLV: using iso-value curves for customer base analysis", J. Marketing Research 42(4);
// Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"), docs/domain.md §6.3.
//
// A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers,
// independent of the purchase process. Given x repeat transactions with mean m:
//
//   L(p, q, γ | m, x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q · m^(px−1) · x^(px) / (γ + m x)^(px+q),
//
// fitted on the repeat buyers (x > 0) only; evaluated in log-space with lgamma.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_GAMMA_GAMMA_H_
#define CRMCORE_GAMMA_GAMMA_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/model_fit.h"

namespace crmcore {

/// Gamma-Gamma parameters: spend shape p, and the Gamma(q, γ) heterogeneity of the spend
/// rate. All must be finite and > 0.
struct GammaGammaParams {
  double p = 1.0;
  double q = 1.0;
  double gamma = 1.0;

  /// InvalidArgument naming the parameter when one is not finite and > 0.
  absl::Status Validate() const;
};

/// A fitted Gamma-Gamma model; use `params` only when `report.converged`.
struct GammaGammaFit {
  GammaGammaParams params;
  FitReport report;
};

/// The repeat buyers' (x, mean spend m) for fitting, compressed into weighted rows.
class SpendHistories {
 public:
  /// Keeps the customers with x > 0. `weight` may be empty (each customer counts once) or
  /// give a finite weight >= 0 per customer (a host that already grouped equal customers).
  /// Errors: InvalidArgument for unequal lengths, an x that is not a finite non-negative
  /// integer, for x > 0 a mean spend that is not finite and > 0, or an invalid weight —
  /// each naming the row and value.
  static absl::StatusOr<SpendHistories> Create(absl::Span<const double> frequency,
                                               absl::Span<const double> monetary_value,
                                               absl::Span<const double> weight = {});

  size_t size() const { return frequency_.size(); }
  /// Number (sum of the weights) of repeat buyers kept.
  double total_weight() const { return total_weight_; }
  absl::Span<const double> frequency() const { return frequency_; }
  absl::Span<const double> monetary_value() const { return monetary_value_; }
  absl::Span<const double> weight() const { return weight_; }

 private:
  std::vector<double> frequency_, monetary_value_, weight_;
  double total_weight_ = 0.0;
};

/// Σ weight · log L over `spend`, with the gradient with respect to (log p, log q, log γ):
///   ∂/∂p = x (ψ(px+q) − ψ(px) + log m + log x − log(γ+mx)),
///   ∂/∂q = ψ(px+q) − ψ(q) + log γ − log(γ+mx),
///   ∂/∂γ = q/γ − (px+q)/(γ+mx).
/// Sums over disjoint partitions add up. OutOfRange naming the parameters when the sum or
/// its gradient is not finite (parameters near DBL_MAX).
absl::StatusOr<LogLikelihoodSum<3>> GammaGammaLogLikelihoodSum(const GammaGammaParams& params,
                                                               const SpendHistories& spend);

/// Maximum-likelihood fit. InvalidArgument when there are fewer than
/// options.min_repeat_buyers repeat buyers or the options/start are invalid.
absl::StatusOr<GammaGammaFit> FitGammaGamma(const SpendHistories& spend,
                                            const FitOptions& options = {},
                                            const GammaGammaParams& initial = {});

/// Evaluates the sum over all of a host's partitions at `params`.
using GammaGammaLogLikelihoodEvaluator =
    std::function<absl::StatusOr<LogLikelihoodSum<3>>(const GammaGammaParams& params)>;

/// The fit with the data held elsewhere (see FitBgNbdFromSums).
absl::StatusOr<GammaGammaFit> FitGammaGammaFromSums(
    const GammaGammaLogLikelihoodEvaluator& evaluate, const FitOptions& options = {},
    const GammaGammaParams& initial = {});

/// Expected mean spend per transaction, per customer (FHL 2005 "RFM and CLV" eq. 5):
///   E[Z | m, x] = p (γ + m x) / (p x + q − 1),
/// a weighted mean of the population mean p γ/(q−1) and the customer's own m. For x = 0 it
/// is the population mean, which needs q > 1. Errors: InvalidArgument for unequal lengths,
/// invalid parameters or rows (as in SpendHistories::Create), or q <= 1 with a row that
/// needs the population mean (naming q and the row); OutOfRange naming the row when the
/// expectation overflows double (absurd parameters, e.g. p/(q−1) near DBL_MAX).
absl::Status GammaGammaExpectedMeanSpend(const GammaGammaParams& params,
                                         absl::Span<const double> frequency,
                                         absl::Span<const double> monetary_value,
                                         absl::Span<double> out);

}  // namespace crmcore

#endif  // CRMCORE_GAMMA_GAMMA_H_

// The BG/BB model of discrete-time non-contractual repeat transactions (Fader, Hardie &
// Shang 2010, "Customer-base analysis in a discrete-time noncontractual setting",
// Marketing Science 29(6)), docs/models.md.
//
// Transactions can happen only at discrete opportunities (a yearly gala, an annual
// donation drive, a weekly market day). While alive, a customer transacts at each
// opportunity with probability p ~ Beta(α, β); at the start of each opportunity a living
// customer dies with probability θ ~ Beta(γ, δ). A customer's history over n opportunities
// after the first transaction is (x, t_x, n): x repeat transactions, the last at
// opportunity t_x (0 when x = 0). The likelihood (FHS 2010 eq. 5):
//
//   L = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
//     + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α, β) · B(γ+1, δ+t_x+i)/B(γ, δ),
//
// evaluated as the log-sum-exp of the logs of its terms.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_BGBB_H_
#define CRMCORE_BGBB_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/model_fit.h"

namespace crmcore {

/// BG/BB parameters: transaction probabilities p ~ Beta(alpha, beta), drop-out
/// probabilities θ ~ Beta(gamma, delta). All must be finite and > 0.
struct BgBbParams {
  double alpha = 1.0;
  double beta = 1.0;
  double gamma = 1.0;
  double delta = 1.0;

  /// InvalidArgument naming the parameter when one is not finite and > 0.
  absl::Status Validate() const;
};

/// A fitted BG/BB model; use `params` only when `report.converged`.
struct BgBbFit {
  BgBbParams params;
  FitReport report;
};

/// Largest number of opportunities n a history may have: the likelihood has n − t_x + 1
/// terms per history.
inline constexpr double kBgBbMaxPeriods = 1e6;

/// Checks one history (x, t_x, n), reporting `row` in the message: x, t_x and n finite
/// non-negative integers with n <= kBgBbMaxPeriods, x <= t_x <= n (x transactions at
/// distinct opportunities 1..t_x), and t_x = 0 when x = 0. InvalidArgument naming the row,
/// column and value.
absl::Status ValidateBgBbHistory(size_t row, double x, double t_x, double n);

/// BG/BB histories for fitting, compressed: rows with equal (x, t_x, n) form one row whose
/// weight is the sum of their weights. The data usually come as such a pattern table
/// (one row per (x, t_x) pattern with its count).
class BgBbHistories {
 public:
  /// Validates (ValidateBgBbHistory) and compresses the columns. `weight` may be empty
  /// (each row counts once) or give a finite weight >= 0 per row. Errors: InvalidArgument
  /// for columns of unequal length, an invalid history or weight (naming the row and
  /// value), or no rows.
  static absl::StatusOr<BgBbHistories> Create(absl::Span<const double> frequency,
                                              absl::Span<const double> recency,
                                              absl::Span<const double> periods,
                                              absl::Span<const double> weight = {});

  /// Number of compressed rows.
  size_t size() const { return frequency_.size(); }
  /// Sum of the weights.
  double total_weight() const { return total_weight_; }
  /// Sum of the weights of rows with x > 0.
  double repeat_buyer_weight() const { return repeat_buyer_weight_; }

  absl::Span<const double> frequency() const { return frequency_; }
  absl::Span<const double> recency() const { return recency_; }
  absl::Span<const double> periods() const { return periods_; }
  absl::Span<const double> weight() const { return weight_; }

 private:
  std::vector<double> frequency_;
  std::vector<double> recency_;
  std::vector<double> periods_;
  std::vector<double> weight_;
  double total_weight_ = 0.0;
  double repeat_buyer_weight_ = 0.0;
};

/// log L of one history (formula in the file comment). Errors: InvalidArgument for invalid
/// parameters or history (reported as row 0); OutOfRange when log L is not finite.
absl::StatusOr<double> BgBbLogLikelihood(const BgBbParams& params, double x, double t_x,
                                         double n);

/// Σ weight · log L over `histories` and its gradient with respect to
/// (log α, log β, log γ, log δ). Analytic: with w_k the share of term k in L, and term k =
/// B(α+x, β+m_k)/B(α, β) · B(γ+e_k, δ+s_k)/B(γ, δ),
///   ∂/∂α = Σ w_k [ψ(α+x) − ψ(α+β+x+m_k)] − ψ(α) + ψ(α+β),
///   ∂/∂β = Σ w_k [ψ(β+m_k) − ψ(α+β+x+m_k)] − ψ(β) + ψ(α+β),
///   ∂/∂γ = Σ w_k [ψ(γ+e_k) − ψ(γ+δ+e_k+s_k)] − ψ(γ) + ψ(γ+δ),
///   ∂/∂δ = Σ w_k [ψ(δ+s_k) − ψ(γ+δ+e_k+s_k)] − ψ(δ) + ψ(γ+δ).
/// OutOfRange naming the parameters when the sum or its gradient is not finite.
absl::StatusOr<LogLikelihoodSum<4>> BgBbLogLikelihoodSum(const BgBbParams& params,
                                                         const BgBbHistories& histories);

/// Maximum-likelihood fit on `histories`, starting from `initial`. InvalidArgument when
/// the options or the start are invalid or the repeat buyers' weight is below
/// options.min_repeat_buyers; otherwise the fit with its report.
absl::StatusOr<BgBbFit> FitBgBb(const BgBbHistories& histories, const FitOptions& options = {},
                                const BgBbParams& initial = {});

/// P(alive at opportunity n+1 | x, t_x, n) per row (FHS 2010 eq. 11):
///   B(α+x, β+n−x)/B(α, β) · B(γ, δ+n+1)/B(γ, δ) / L.
/// Errors: InvalidArgument for unequal column lengths, invalid parameters, or an invalid
/// history (naming its row).
absl::Status BgBbProbabilityAlive(const BgBbParams& params, absl::Span<const double> x,
                                  absl::Span<const double> t_x, absl::Span<const double> n,
                                  absl::Span<double> out);

/// Expected transactions in the next `n_star` opportunities, n+1..n+n_star (FHS 2010
/// eq. 13):
///   E = B(α+x+1, β+n−x)/B(α, β) · Σ_{s=1}^{n*} B(γ, δ+n+s)/B(γ, δ) / L,
/// the sum taken term by term for n* <= 10^6 (no singularity at γ = 1), otherwise by the
/// paper's closed form δ/(γ−1) · Γ(γ+δ)/Γ(1+δ) · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/
/// Γ(γ+δ+n+n*)] when |γ − 1| >= 0.01. `n_star` must be a non-negative integer; larger than
/// 10^6 with γ within 0.01 of 1: InvalidArgument. Other errors as BgBbProbabilityAlive.
absl::Status BgBbExpectedTransactions(const BgBbParams& params, double n_star,
                                      absl::Span<const double> x, absl::Span<const double> t_x,
                                      absl::Span<const double> n, absl::Span<double> out);

/// Discounted expected residual transactions after opportunity n at discount rate d per
/// opportunity (FHS 2010 eq. 14):
///   DERT = B(α+x+1, β+n−x)/B(α, β) · B(γ, δ+n+1)/((1+d) B(γ, δ))
///          · 2F1(1, δ+n+1; γ+δ+n+1; 1/(1+d)) / L,
/// the transaction at opportunity n+s discounted by (1+d)^−s. `discount` finite and >= 0;
/// at 0 the sum converges only for γ > 1 (else OutOfRange, as for d so small that 10^7
/// terms do not suffice). Other errors as BgBbProbabilityAlive.
absl::Status BgBbDiscountedExpectedResidualTransactions(const BgBbParams& params,
                                                        double discount,
                                                        absl::Span<const double> x,
                                                        absl::Span<const double> t_x,
                                                        absl::Span<const double> n,
                                                        absl::Span<double> out);

}  // namespace crmcore

#endif  // CRMCORE_BGBB_H_

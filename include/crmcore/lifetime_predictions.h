// Predictions of the continuous-time repeat-purchase models (BG/NBD, Pareto/NBD, MBG/NBD)
// behind one type, and
// the frequency × recency grids of lifetimes' plot_probability_alive_matrix and
// plot_frequency_recency_matrix (data for plots, docs/domain.md §6.3).
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_LIFETIME_PREDICTIONS_H_
#define CRMCORE_LIFETIME_PREDICTIONS_H_

#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/bgnbd.h"
#include "crmcore/mbgnbd.h"
#include "crmcore/pareto_nbd.h"

namespace crmcore {

/// The parameters of a fitted repeat-purchase model: BG/NBD, Pareto/NBD or MBG/NBD.
using RepeatPurchaseModel = std::variant<BgNbdParams, ParetoNbdParams, MbgNbdParams>;

/// "BG/NBD", "Pareto/NBD" or "MBG/NBD".
const char* RepeatPurchaseModelName(const RepeatPurchaseModel& model);

/// P(alive | x, t_x, T) by the model's own function (BgNbdProbabilityAlive,
/// ParetoNbdProbabilityAlive, MbgNbdProbabilityAlive), with its errors.
absl::Status ProbabilityAlive(const RepeatPurchaseModel& model, absl::Span<const double> x,
                              absl::Span<const double> t_x, absl::Span<const double> T,
                              absl::Span<double> out);

/// E[Y(t) | x, t_x, T] by BgNbdExpectedPurchases, ParetoNbdExpectedPurchases or
/// MbgNbdExpectedPurchases.
absl::Status ExpectedPurchases(const RepeatPurchaseModel& model, double t,
                               absl::Span<const double> x, absl::Span<const double> t_x,
                               absl::Span<const double> T, absl::Span<double> out);

/// E[X(t)] of a new customer by BgNbdExpectedPurchasesNew, ParetoNbdExpectedPurchasesNew or
/// MbgNbdExpectedPurchasesNew.
absl::StatusOr<double> ExpectedPurchasesNew(const RepeatPurchaseModel& model, double t);

/// A prediction over a frequency × recency grid for customers observed for `T`: row i is
/// frequency[i] = i repeat purchases, column j is recency[j] = j · T / recency_steps, and
/// values[i · recency.size() + j] the prediction for (x, t_x) = (frequency[i], recency[j]).
/// Row x = 0 is evaluated at t_x = 0 in every column, the only history with no repeat
/// purchase (its value does not depend on recency).
struct PredictionGrid {
  double T = 0.0;
  std::vector<double> frequency;
  std::vector<double> recency;
  std::vector<double> values;

  /// The value at frequency row i, recency column j.
  double at(size_t i, size_t j) const { return values[i * recency.size() + j]; }
};

/// P(alive) over frequencies 0..max_frequency and recencies 0..T in recency_steps equal
/// steps (lifetimes' plot_probability_alive_matrix). Errors: InvalidArgument for
/// max_frequency outside [0, 10000], recency_steps outside [1, 10000], T not finite and
/// > 0, or invalid parameters; the model's OutOfRange errors.
absl::StatusOr<PredictionGrid> ProbabilityAliveGrid(const RepeatPurchaseModel& model,
                                                    int64_t max_frequency, double T,
                                                    int64_t recency_steps);

/// E[Y(t) | x, t_x, T] over the same grid (lifetimes' plot_frequency_recency_matrix):
/// expected purchases in the next `t` (finite, >= 0). Errors as ProbabilityAliveGrid and
/// the model's expected purchases.
absl::StatusOr<PredictionGrid> ExpectedPurchasesGrid(const RepeatPurchaseModel& model,
                                                     double t, int64_t max_frequency,
                                                     double T, int64_t recency_steps);

}  // namespace crmcore

#endif  // CRMCORE_LIFETIME_PREDICTIONS_H_

// The lifetime models of ScoreCustomers behind one interface (customer_scoring.h): the
// purchase or retention model of a LifetimeModelKind fitted on a scored table's histories,
// and its predictions as functions of a parameter vector in the kind's order, so that the
// point values and the delta-method intervals come from the same code.
//
// Internal to the library.
#ifndef CRMCORE_SRC_SCORING_LIFETIME_MODELS_H_
#define CRMCORE_SRC_SCORING_LIFETIME_MODELS_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/clv.h"
#include "crmcore/customer_occasions.h"
#include "crmcore/customer_scoring.h"
#include "crmcore/lifetime_predictions.h"
#include "crmcore/model_fit.h"
#include "crmcore/prediction_intervals.h"

namespace crmcore::scoring_internal {

/// The histories a purchase model reads, one row per customer: (x, t_x, T) from the
/// summary for the continuous-time models, (x, t_x, n) from the period histories for
/// BG/BB and sBG (`T` then holds n).
struct ModelRows {
  absl::Span<const double> x;
  absl::Span<const double> t_x;
  absl::Span<const double> T;
};

/// The period histories (customer_scoring.h) of the summary's customers, from their
/// calibration occasions; `period_days` the period length. Errors: InvalidArgument for a
/// period_days that is not finite and >= 1; OutOfRange naming the customer whose period
/// spend overflows int64 minor units.
absl::StatusOr<PeriodHistories> PeriodHistoriesFromOccasions(const CustomerOccasions& occasions,
                                                             const RfmSummary& summary,
                                                             double period_days);

/// Fits the purchase model `kind` (not kNone) on the table's summary or period histories.
/// Errors: those of the model's histories and fit (too few repeat buyers, no churn).
absl::StatusOr<PurchaseModelFit> FitPurchaseModel(LifetimeModelKind kind,
                                                  const CustomerTable& table,
                                                  const FitOptions& options);

/// InvalidArgument unless `fit` is of a model kind, with the kind's number of parameters,
/// all valid for the model.
absl::Status ValidatePurchaseModel(const PurchaseModelFit& fit);

/// The parameters of a continuous-time kind (BG/NBD, Pareto/NBD, MBG/NBD) as the
/// RepeatPurchaseModel of lifetime_predictions.h. InvalidArgument for a period model or
/// kind none.
absl::StatusOr<RepeatPurchaseModel> RepeatPurchaseModelOf(const PurchaseModelFit& fit);

/// P(alive) per row at parameters `p` (sBG: 1 for a customer still renewing, else 0).
absl::Status PredictProbabilityAlive(LifetimeModelKind kind, absl::Span<const double> p,
                                     const ModelRows& rows, absl::Span<double> out);

/// Purchases expected in the next `horizon`: time units of T for the continuous models,
/// whole periods for BG/BB (periods with a purchase) and sBG (renewals).
absl::Status PredictExpectedPurchases(LifetimeModelKind kind, absl::Span<const double> p,
                                      double horizon, const ModelRows& rows,
                                      absl::Span<double> out);

/// The discounted CLV per row with `spend` per purchase (per period with a purchase for
/// BG/BB and sBG, whose periods are the CLV's periods).
absl::Status PredictDiscountedClv(LifetimeModelKind kind, absl::Span<const double> p,
                                  const ClvHorizon& horizon, absl::Span<const double> spend,
                                  const ModelRows& rows, absl::Span<double> out);

/// The same three as ParametricPredictions (prediction_intervals.h); the spans are
/// borrowed. The CLV takes the purchase model's parameters then Gamma-Gamma's p, q, γ,
/// with the spend from (spend_x, monetary_value).
ParametricPrediction ProbabilityAlivePrediction(LifetimeModelKind kind, const ModelRows& rows);
ParametricPrediction ExpectedPurchasesPrediction(LifetimeModelKind kind, double horizon,
                                                 const ModelRows& rows);
ParametricPrediction ClvPrediction(LifetimeModelKind kind, size_t purchase_params,
                                   const ClvHorizon& horizon, const ModelRows& rows,
                                   absl::Span<const double> spend_x,
                                   absl::Span<const double> monetary_value);

}  // namespace crmcore::scoring_internal

#endif  // CRMCORE_SRC_SCORING_LIFETIME_MODELS_H_

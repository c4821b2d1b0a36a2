// Holdout validation of a repeat-purchase model (BG/NBD, Pareto/NBD or MBG/NBD) fitted on a
// calibration period: how well it predicts the purchases of the holdout period that
// follows, in the three views of Fader, Hardie & Lee (2005, "Counting your customers the
// easy way", Marketing Science 24(2)):
//
// - by calibration frequency (their Figure 4): customers grouped by x = 0, 1, ..., 6 and
//   7+, the mean of their actual holdout purchases beside the mean of their conditional
//   expectations E[Y(t) | x, t_x, T] over the holdout length t;
// - per customer: the correlation and mean absolute error of actual vs expected holdout
//   purchases;
// - tracking (their Figure 2; lifetimes' expected_cumulative_transactions): the cohort's
//   cumulative and weekly repeat purchases by calendar week from the first purchase of
//   the cohort, actual beside expected, the expected being Σ_i E[X(t − s_i)] with s_i
//   customer i's first purchase and E[X(t)] the unconditional expectation of a new
//   customer (ExpectedPurchasesNew, lifetime_predictions.h), over calibration
//   and holdout.
//
// Days are day numbers (crmcore/calendar.h ToDayNumber). A purchase on day d counts at
// time d − f after the first purchase on day f, so the calibration of a customer ends at
// T = (calibration end − f) / unit and includes purchases on the calibration end, as in
// crmcore/rfm_summary.h.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_HOLDOUT_VALIDATION_H_
#define CRMCORE_HOLDOUT_VALIDATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/lifetime_predictions.h"

namespace crmcore {

/// The customers of the calibration period (one entry per customer in each span but
/// repeat_purchase_days) and what they did in the holdout.
struct HoldoutData {
  /// Calibration histories (x, t_x, T) in the model's time unit.
  absl::Span<const double> frequency;
  absl::Span<const double> recency;
  absl::Span<const double> T;
  /// Repeat purchases (occasions) of each customer in the holdout, whole numbers >= 0.
  absl::Span<const double> holdout_frequency;
  /// Day number of each customer's first purchase (<= calibration_end_day).
  absl::Span<const int32_t> first_purchase_day;
  /// Day numbers of every repeat purchase occasion of these customers (each one's
  /// occasions but the first), calibration and holdout, in any order: the actual
  /// tracking series. Each must lie in (earliest first purchase, holdout_end_day].
  absl::Span<const int32_t> repeat_purchase_days;
};

/// The periods and units of a validation.
struct HoldoutOptions {
  /// Last day of calibration and of the holdout (inclusive day numbers), holdout > calibration.
  int32_t calibration_end_day = 0;
  int32_t holdout_end_day = 0;
  /// Days per model time unit (7 for weeks; crmcore/calendar.h DaysPerUnit), > 0.
  double days_per_unit = 7.0;
  /// Length of a tracking period in days (7: weekly), >= 1.
  int32_t tracking_period_days = 7;
  /// Frequencies 0..max_frequency − 1 get a group each; max_frequency and more share the
  /// last ("7+" by default). >= 1.
  int64_t max_frequency = 7;
};

/// One calibration-frequency group of customers (FHL 2005 Figure 4).
struct FrequencyGroup {
  int64_t frequency = 0;      ///< x, or the lower bound of the last, open group
  bool open_ended = false;    ///< true for the last group (x >= frequency)
  int64_t customers = 0;
  double actual = 0.0;        ///< mean holdout purchases; 0 when customers = 0
  double expected = 0.0;      ///< mean E[Y(holdout) | x, t_x, T]; 0 when customers = 0
};

/// Cumulative and per-period repeat purchases of the cohort, actual vs expected. Period k
/// ends at period_end[k] tracking periods after the cohort's earliest first purchase;
/// every period is whole but the last, which ends on the holdout end (e.g. 77.857 weeks).
struct TrackingSeries {
  std::vector<double> period_end;
  std::vector<double> actual_cumulative;
  std::vector<double> expected_cumulative;
  std::vector<double> actual_incremental;
  std::vector<double> expected_incremental;
  /// Index of the last period that ends on or before the calibration end.
  int64_t calibration_periods = 0;
};

/// The outcome of ValidateHoldout().
struct HoldoutValidation {
  /// Holdout length in the model's time unit: (holdout end − calibration end) / unit.
  double holdout_duration = 0.0;
  std::vector<FrequencyGroup> by_frequency;
  /// Pearson correlation of actual and expected holdout purchases across customers;
  /// 0 when either has no variance.
  double correlation = 0.0;
  /// Mean absolute error of expected vs actual holdout purchases per customer.
  double mean_absolute_error = 0.0;
  /// Sums over customers: actual and expected holdout purchases.
  double actual_total = 0.0;
  double expected_total = 0.0;
  TrackingSeries tracking;
};

/// Compares `model`'s predictions with the holdout (see the file comment). Errors:
/// InvalidArgument for columns of unequal length or no customers, invalid options (naming
/// the field), an invalid history or holdout frequency or a first purchase after the
/// calibration end (naming the row), a repeat-purchase day outside the cohort's span;
/// the model's errors (invalid parameters; OutOfRange from its series).
absl::StatusOr<HoldoutValidation> ValidateHoldout(const RepeatPurchaseModel& model,
                                                  const HoldoutData& data,
                                                  const HoldoutOptions& options);

}  // namespace crmcore

#endif  // CRMCORE_HOLDOUT_VALIDATION_H_

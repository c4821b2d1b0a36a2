// Writers of `crmcore validate`: the holdout comparison as JSON and a short summary for
// people.
#ifndef CRMCORE_TOOLS_CRMCORE_VALIDATION_OUTPUT_H_
#define CRMCORE_TOOLS_CRMCORE_VALIDATION_OUTPUT_H_

#include <string>

#include "absl/time/civil_time.h"
#include "crmcore/calendar.h"
#include "crmcore/holdout_validation.h"
#include "output.h"

namespace crmcore_cli {

/// What a validation report shows beside the comparison itself.
struct ValidationContext {
  FitResult fit;  ///< the calibration fit (model name as --model spells it, parameters)
  absl::CivilDay calibration_end;
  absl::CivilDay holdout_end;
  crmcore::TimeUnit unit = crmcore::TimeUnit::kWeeks;
  size_t customers = 0;
};

/// {"model", "params", "calibration_end", "holdout_end", "holdout_duration", "time_unit",
///  "customers", "by_frequency": [{"frequency", ["frequency_label": "7+",] "customers",
///  "actual", "expected"}], "correlation", "mae", "actual_total", "expected_total",
///  "tracking": {"weeks", "actual_cumulative", "expected_cumulative",
///  "actual_incremental", "expected_incremental", "calibration_weeks"}}; a group without
/// customers has null actual and expected.
std::string ValidationJson(const ValidationContext& context,
                           const crmcore::HoldoutValidation& validation);

/// A few lines: the fit, the by-frequency table, correlation, MAE and totals.
std::string ValidationText(const ValidationContext& context,
                           const crmcore::HoldoutValidation& validation);

}  // namespace crmcore_cli

#endif  // CRMCORE_TOOLS_CRMCORE_VALIDATION_OUTPUT_H_

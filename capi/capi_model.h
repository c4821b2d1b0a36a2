// Internal to the C API (not installed): the object behind crm_model, shared by the
// models section (crmcore_c_models.cc, which makes it) and the report
// (crmcore_c_report.cc, which reads it).
#ifndef CRMCORE_CAPI_MODEL_H_
#define CRMCORE_CAPI_MODEL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "crmcore.h"
#include "crmcore/calendar.h"
#include "crmcore/model_fit.h"

// Immutable once made.
struct crm_model {
  int kind = CRM_MODEL_BGNBD;
  // The kind's parameters in the documented order; param_count of them are used.
  std::array<double, 4> params{};
  size_t param_count = 0;
  // False for a model made from host-given parameters: no fit report then.
  bool fitted = false;
  crmcore::FitReport report;
  double customers = 0.0;
  int64_t excluded = 0;
  // The unit of recency and T of the data fitted on, when known (a fit on a crm_summary,
  // or a model read from JSON that states it).
  std::optional<crmcore::TimeUnit> time_unit;
  // The fit's penalizer (crm_fit_options.penalizer), stated in the model file.
  double penalizer = 0.0;
};

#endif  // CRMCORE_CAPI_MODEL_H_

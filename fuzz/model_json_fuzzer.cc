// Fuzz target: the saved-model reader (crmcore/model_file.h).
//
// Input: the whole input is the JSON text.
//
// Invariants: an error is InvalidArgument naming the source; a model that parses has a
// known kind with exactly its parameter names, in order, each finite and > 0; when its
// uncertainty is available the covariance is n x n and there are n standard errors and
// intervals; and it survives a round trip: written back with ModelFileToJson it reads to
// the same parameters (bit for bit), report and uncertainty, and writing that again gives
// the same text.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crmcore/model_file.h"
#include "fuzz_common.h"

namespace {

bool SameDouble(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<crmcore::ModelFile> model = crmcore::ModelFileFromJson(text, "fuzz");
  if (!model.ok()) {
    CRM_FUZZ_CHECK(absl::IsInvalidArgument(model.status()), model.status().ToString());
    CRM_FUZZ_CHECK(absl::StartsWith(model.status().message(), "fuzz: "),
                   model.status().ToString());
    return 0;
  }
  absl::StatusOr<std::vector<std::string>> names = crmcore::ModelParameterNames(model->model);
  CRM_FUZZ_CHECK(names.ok(), model->model);
  CRM_FUZZ_CHECK(names->size() == model->params.size(), model->model);
  for (size_t k = 0; k < names->size(); ++k) {
    CRM_FUZZ_CHECK(model->params[k].first == (*names)[k], model->params[k].first);
    CRM_FUZZ_CHECK(std::isfinite(model->params[k].second) && model->params[k].second > 0,
                   absl::StrCat(model->params[k].second));
  }
  const crmcore::ParameterUncertainty& u = model->report.uncertainty;
  const size_t n = names->size();
  if (u.available) {
    CRM_FUZZ_CHECK(u.covariance.size() == n * n && u.standard_errors.size() == n &&
                       u.confidence_intervals.size() == n,
                   "uncertainty shape");
  }

  const std::string written = crmcore::ModelFileToJson(*model);
  absl::StatusOr<crmcore::ModelFile> again = crmcore::ModelFileFromJson(written, "fuzz");
  CRM_FUZZ_CHECK(again.ok(), absl::StrCat(again.status().ToString(), " for ", written));
  for (size_t k = 0; k < n; ++k) {
    CRM_FUZZ_CHECK(again->params[k].second == model->params[k].second, written);
  }
  CRM_FUZZ_CHECK(again->fitted == model->fitted, written);
  CRM_FUZZ_CHECK(again->report.converged == model->report.converged, written);
  if (model->fitted) {
    CRM_FUZZ_CHECK(SameDouble(again->report.log_likelihood, model->report.log_likelihood) ||
                       !std::isfinite(model->report.log_likelihood),
                   written);
  }
  CRM_FUZZ_CHECK(again->report.uncertainty.available == u.available, written);
  CRM_FUZZ_CHECK(again->time_unit == model->time_unit, written);
  CRM_FUZZ_CHECK(crmcore::ModelFileToJson(*again) == written, written);
  return 0;
}

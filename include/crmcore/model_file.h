// Saved models: a fitted (or given) lifetime model as one JSON document, written by
// `crmcore fit --out`, the C API's crm_model_to_json and the database extensions, and read
// back to score without refitting.
//
// The document (keys in this order; a reader needs every one of them):
//
//   {"model": "bgnbd", "params": {"r": 0.2426, ...},
//    "log_likelihood": -9582.4, "converged": true, "iterations": 31,
//    "gradient_norm": 3.1e-08, "message": "converged",
//    "standard_errors": {"r": 0.0126, ...}, "covariance": [[...], ...],
//    "confidence_intervals": {"r": [0.218, 0.267], ...}, "uncertainty_message": "",
//    "fitted": true, "evaluations": 40, "customers": 2357, "excluded_repeat_buyers": 0,
//    "zero_recency_repeat_buyers": 0, "penalizer": 0, "time_unit": "weeks",
//    "format": "crmcore-model", "format_version": 1, "library_version": "0.3.0"}
//
// "model" is the kind as `crmcore fit --model` spells it; "params" names the kind's
// parameters in its order (covariance rows follow that order). "standard_errors",
// "covariance" and "confidence_intervals" are null when the fit's uncertainty is not
// available ("uncertainty_message" says why). A model made from given parameters has
// "fitted": false and null report figures. "time_unit" is the unit of the recency and T the
// model was fitted on ("days", "weeks", "months"), or null when the fit did not know it (a
// summary CSV read without --time-unit). Numbers are written as the shortest decimal that
// reads back to the same double, so a saved model scores exactly as the fitted one.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_MODEL_FILE_H_
#define CRMCORE_MODEL_FILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crmcore/calendar.h"
#include "crmcore/model_fit.h"

namespace crmcore {

/// The format this library writes and reads ("format_version").
inline constexpr int kModelFileFormatVersion = 1;

/// One saved model.
struct ModelFile {
  /// The kind, as `crmcore fit --model` spells it: "bgnbd", "pareto", "gammagamma".
  std::string model;
  /// The kind's parameters, named, in the kind's order (ModelParameterNames).
  std::vector<std::pair<std::string, double>> params;
  /// False for a model made from given parameters: it has no fit report.
  bool fitted = true;
  /// The fit report, uncertainty included (meaningful when `fitted`).
  FitReport report;
  /// Weight of the customers the fit used (Gamma-Gamma: repeat buyers with positive spend).
  double customers = 0.0;
  /// Gamma-Gamma: repeat buyers left out for a mean spend <= 0.
  int64_t excluded_repeat_buyers = 0;
  /// The fit's penalizer (FitOptions::penalizer).
  double penalizer = 0.0;
  /// Unit of recency and T the model was fitted on, when known.
  std::optional<TimeUnit> time_unit;
  /// The library version that wrote the file ("0.3.0"); filled by the writer.
  std::string library_version;
};

/// The parameter names of a kind, in order ({"r", "alpha", "a", "b"} for "bgnbd"), or
/// InvalidArgument listing the known kinds.
absl::StatusOr<std::vector<std::string>> ModelParameterNames(absl::string_view model);

/// The document described in the file comment. `model.library_version` is ignored: the
/// writer states its own version.
std::string ModelFileToJson(const ModelFile& model);

/// Reads a document written by ModelFileToJson (by this or another version with the same
/// major version and format_version). `source` names the input in messages (a path, or
/// "model JSON"). Errors: InvalidArgument naming the source and the key for text that is not
/// JSON (with the byte offset), a missing key or one of the wrong type, an unknown model kind,
/// parameters that do not match the kind's names or are not finite and > 0, a covariance of
/// the wrong shape, a file from another major version or format, or an unknown time unit.
absl::StatusOr<ModelFile> ModelFileFromJson(absl::string_view json, absl::string_view source);

}  // namespace crmcore

#endif  // CRMCORE_MODEL_FILE_H_

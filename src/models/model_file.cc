#include "crmcore/model_file.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crmcore/status.h"
#include "crmcore/version.h"

namespace crmcore {

namespace {

using Json = nlohmann::json;

struct KindNames {
  const char* model;
  std::vector<std::string> params;
};

// Every kind a model file can hold, with its parameters in the order the C API and the
// fits use.
const std::vector<KindNames>& Kinds() {
  static const auto* kinds = new std::vector<KindNames>{
      {"bgnbd", {"r", "alpha", "a", "b"}},
      {"pareto", {"r", "alpha", "s", "beta"}},
      {"gammagamma", {"p", "q", "gamma"}},
      {"mbgnbd", {"r", "alpha", "a", "b"}},
      {"bgbb", {"alpha", "beta", "gamma", "delta"}},
      {"sbg", {"alpha", "beta"}},
  };
  return *kinds;
}

// JSON has no NaN or infinity: a figure that is not finite (the report of a fit that
// stopped at a point where the likelihood overflowed) is written as null.
std::string Number(double x) { return std::isfinite(x) ? FormatDouble(x) : "null"; }

std::string String(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

// {"name": value, ...} over the parameter names.
template <typename Value>
std::string NamedObject(const ModelFile& m, const std::vector<Value>& values,
                        std::string (*write)(const Value&)) {
  std::string out = "{";
  for (size_t k = 0; k < m.params.size() && k < values.size(); ++k) {
    absl::StrAppend(&out, k == 0 ? "" : ", ", String(m.params[k].first), ": ", write(values[k]));
  }
  return out + "}";
}

std::string WriteNumber(const double& x) { return Number(x); }
std::string WriteInterval(const std::array<double, 2>& ci) {
  return absl::StrCat("[", Number(ci[0]), ", ", Number(ci[1]), "]");
}

std::string UncertaintyJson(const ModelFile& m) {
  const ParameterUncertainty& u = m.report.uncertainty;
  const size_t n = m.params.size();
  if (!m.fitted || !u.available || u.standard_errors.size() != n ||
      u.covariance.size() != n * n || u.confidence_intervals.size() != n) {
    const std::string why = !m.fitted ? "given parameters: no fit"
                            : u.message.empty() ? "not computed"
                                                : u.message;
    return absl::StrCat("\"standard_errors\": null, \"covariance\": null, "
                        "\"confidence_intervals\": null, \"uncertainty_message\": ",
                        String(why));
  }
  std::string covariance = "[";
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppend(&covariance, i == 0 ? "[" : ", [");
    for (size_t j = 0; j < n; ++j) {
      absl::StrAppend(&covariance, j == 0 ? "" : ", ", Number(u.covariance[i * n + j]));
    }
    covariance += "]";
  }
  covariance += "]";
  return absl::StrCat("\"standard_errors\": ", NamedObject(m, u.standard_errors, &WriteNumber),
                      ", \"covariance\": ", covariance, ", \"confidence_intervals\": ",
                      NamedObject(m, u.confidence_intervals, &WriteInterval),
                      ", \"uncertainty_message\": \"\"");
}

// --- Reading ---------------------------------------------------------------------------

// A value for a message: scalars as written (cut at 60 bytes), containers by kind only.
// nlohmann's dump() recurses, and a hostile file may nest arrays 10^5 deep.
std::string Shown(const Json& v) {
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  std::string text = v.dump();
  if (text.size() > 60) text = absl::StrCat(text.substr(0, 60), "...");
  return text;
}

class Reader {
 public:
  Reader(const Json& doc, absl::string_view source) : doc_(doc), source_(source) {}

  absl::Status Error(absl::string_view key, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ": model file key \"", key, "\": ", what));
  }

  absl::StatusOr<const Json*> Get(const char* key) const {
    const auto it = doc_.find(key);
    if (it == doc_.end()) return Error(key, "missing");
    return &*it;
  }
  absl::StatusOr<double> Double(const char* key, bool nullable = false) const {
    CRM_ASSIGN_OR_RETURN(const Json* v, Get(key));
    if (nullable && v->is_null()) return std::nan("");
    if (!v->is_number()) return Error(key, absl::StrCat("must be a number, got ", Shown(*v)));
    const double x = v->get<double>();
    // 1e999 parses as infinity; the library never writes one (it writes null).
    if (!std::isfinite(x)) return Error(key, absl::StrCat("must be finite, got ", Shown(*v)));
    return x;
  }
  // A count: an integer in [0, max].
  absl::StatusOr<int64_t> Count(const char* key, int64_t max, bool nullable = false) const {
    CRM_ASSIGN_OR_RETURN(const int64_t n, Integer(key, nullable));
    if (n < 0 || n > max) {
      return Error(key, absl::StrCat("must be in 0..", max, ", got ", n));
    }
    return n;
  }
  absl::StatusOr<int64_t> Integer(const char* key, bool nullable = false) const {
    CRM_ASSIGN_OR_RETURN(const Json* v, Get(key));
    if (nullable && v->is_null()) return 0;
    if (!v->is_number_integer()) {
      return Error(key, absl::StrCat("must be an integer, got ", Shown(*v)));
    }
    return v->get<int64_t>();
  }
  absl::StatusOr<bool> Bool(const char* key) const {
    CRM_ASSIGN_OR_RETURN(const Json* v, Get(key));
    if (!v->is_boolean()) return Error(key, absl::StrCat("must be true or false, got ", Shown(*v)));
    return v->get<bool>();
  }
  absl::StatusOr<std::string> String(const char* key, bool nullable = false) const {
    CRM_ASSIGN_OR_RETURN(const Json* v, Get(key));
    if (nullable && v->is_null()) return std::string();
    if (!v->is_string()) return Error(key, absl::StrCat("must be a string, got ", Shown(*v)));
    return v->get<std::string>();
  }

 private:
  const Json& doc_;
  absl::string_view source_;
};

// {"name": number, ...} in exactly the kind's order of names.
absl::StatusOr<std::vector<double>> NamedNumbers(const Reader& r, const char* key,
                                                 const Json& object,
                                                 const std::vector<std::string>& names) {
  if (!object.is_object()) return r.Error(key, absl::StrCat("must be an object, got ", Shown(object)));
  std::vector<double> out;
  for (const std::string& name : names) {
    const auto it = object.find(name);
    if (it == object.end()) return r.Error(key, absl::StrCat("has no \"", name, "\""));
    if (!it->is_number()) {
      return r.Error(key, absl::StrCat("\"", name, "\" must be a number, got ", Shown(*it)));
    }
    if (!std::isfinite(it->get<double>())) {
      return r.Error(key, absl::StrCat("\"", name, "\" must be finite, got ", Shown(*it)));
    }
    out.push_back(it->get<double>());
  }
  if (object.size() != names.size()) {
    return r.Error(key, absl::StrCat("must name exactly ", absl::StrJoin(names, ", ")));
  }
  return out;
}

absl::Status ReadUncertainty(const Reader& r, ModelFile& m) {
  ParameterUncertainty& u = m.report.uncertainty;
  std::vector<std::string> names;
  for (const auto& [name, value] : m.params) names.push_back(name);
  const size_t n = names.size();
  CRM_ASSIGN_OR_RETURN(const Json* se, r.Get("standard_errors"));
  CRM_ASSIGN_OR_RETURN(const Json* cov, r.Get("covariance"));
  CRM_ASSIGN_OR_RETURN(const Json* ci, r.Get("confidence_intervals"));
  CRM_ASSIGN_OR_RETURN(u.message, r.String("uncertainty_message"));
  const bool all_null = se->is_null() && cov->is_null() && ci->is_null();
  if (all_null) return absl::OkStatus();
  if (se->is_null() || cov->is_null() || ci->is_null()) {
    return r.Error("standard_errors", "standard_errors, covariance and confidence_intervals "
                                      "must all be null or all be given");
  }
  CRM_ASSIGN_OR_RETURN(u.standard_errors, NamedNumbers(r, "standard_errors", *se, names));
  if (!cov->is_array() || cov->size() != n) {
    return r.Error("covariance", absl::StrCat("must be a ", n, " x ", n, " array of numbers"));
  }
  for (const Json& row : *cov) {
    if (!row.is_array() || row.size() != n) {
      return r.Error("covariance", absl::StrCat("must be a ", n, " x ", n, " array of numbers"));
    }
    for (const Json& v : row) {
      if (!v.is_number() || !std::isfinite(v.get<double>())) {
        return r.Error("covariance",
                       absl::StrCat("entries must be finite numbers, got ", Shown(v)));
      }
      u.covariance.push_back(v.get<double>());
    }
  }
  if (!ci->is_object()) return r.Error("confidence_intervals", "must be an object");
  for (const std::string& name : names) {
    const auto it = ci->find(name);
    if (it == ci->end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_number() ||
        !(*it)[1].is_number() || !std::isfinite((*it)[0].get<double>()) ||
        !std::isfinite((*it)[1].get<double>())) {
      return r.Error("confidence_intervals",
                     absl::StrCat("\"", name, "\" must be [lo, hi], two numbers"));
    }
    u.confidence_intervals.push_back({(*it)[0].get<double>(), (*it)[1].get<double>()});
  }
  // What a fit writes: standard errors >= 0 whose squares are the variances, and a
  // symmetric covariance (up to the rounding of the change to natural parameters).
  for (size_t i = 0; i < n; ++i) {
    const double error = u.standard_errors[i], variance = u.covariance[i * n + i];
    if (!(error >= 0) ||
        std::fabs(error * error - variance) > 1e-9 * std::fabs(variance) + 1e-300) {
      return r.Error("standard_errors", absl::StrCat("\"", names[i], "\" = ", FormatDouble(error),
                                                     " is not the square root of its variance ",
                                                     FormatDouble(variance)));
    }
    for (size_t j = 0; j < i; ++j) {
      const double a = u.covariance[i * n + j], b = u.covariance[j * n + i];
      if (std::fabs(a - b) > 1e-9 * std::sqrt(std::fabs(variance * u.covariance[j * n + j])) +
                                 1e-300) {
        return r.Error("covariance", absl::StrCat("is not symmetric at [", i, "][", j, "]"));
      }
    }
  }
  if (ci->size() != n) {
    return r.Error("confidence_intervals", absl::StrCat("must name exactly the ", n,
                                                        " parameters"));
  }
  if (!m.fitted) {
    return r.Error("standard_errors", "given parameters (\"fitted\": false) have none: null");
  }
  u.available = true;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ModelParameterNames(absl::string_view model) {
  std::vector<std::string> known;
  for (const KindNames& kind : Kinds()) {
    if (model == kind.model) return kind.params;
    known.push_back(kind.model);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown model kind \"", model,
                                                 "\" (known: ", absl::StrJoin(known, ", "), ")"));
}

std::string ModelFileToJson(const ModelFile& m) {
  std::string params;
  for (const auto& [name, value] : m.params) {
    absl::StrAppend(&params, params.empty() ? "" : ", ", String(name), ": ", Number(value));
  }
  const FitReport& r = m.report;
  const std::string report =
      m.fitted ? absl::StrCat("\"log_likelihood\": ", Number(r.log_likelihood),
                              ", \"converged\": ", r.converged ? "true" : "false",
                              ", \"iterations\": ", r.iterations,
                              ", \"gradient_norm\": ", Number(r.gradient_norm),
                              ", \"message\": ", String(r.message))
               : absl::StrCat("\"log_likelihood\": null, \"converged\": true, "
                              "\"iterations\": null, \"gradient_norm\": null, \"message\": ",
                              String("given parameters"));
  const std::string counts =
      m.fitted ? absl::StrCat("\"evaluations\": ", r.evaluations, ", \"customers\": ",
                              Number(m.customers), ", \"excluded_repeat_buyers\": ",
                              m.excluded_repeat_buyers, ", \"zero_recency_repeat_buyers\": ",
                              Number(r.zero_recency_repeat_buyers))
               : "\"evaluations\": null, \"customers\": null, \"excluded_repeat_buyers\": null, "
                 "\"zero_recency_repeat_buyers\": null";
  return absl::StrCat(
      "{\"model\": ", String(m.model), ", \"params\": {", params, "}, ", report, ", ",
      UncertaintyJson(m), ", \"fitted\": ", m.fitted ? "true" : "false", ", ", counts,
      ", \"penalizer\": ", Number(m.penalizer), ", \"time_unit\": ",
      m.time_unit ? String(TimeUnitName(*m.time_unit)) : "null",
      ", \"format\": \"crmcore-model\", \"format_version\": ", kModelFileFormatVersion,
      ", \"library_version\": ", String(VersionString()), "}");
}

absl::StatusOr<ModelFile> ModelFileFromJson(absl::string_view json, absl::string_view source) {
  Json doc;
  try {
    doc = Json::parse(json.begin(), json.end());
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": not a model file: invalid JSON at byte ", e.byte,
        " (", absl::StripPrefix(e.what(), "[json.exception.parse_error.101] "), ")"));
  } catch (const Json::exception& e) {
    // Valid syntax the parser still refuses, e.g. a number beyond double (1e999).
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not a model file: ", e.what()));
  }
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not a model file: expected a JSON object"));
  }
  const Reader r(doc, source);
  ModelFile m;
  // Format and version first: a newer file's other keys may mean something else.
  CRM_ASSIGN_OR_RETURN(const std::string format, r.String("format"));
  if (format != "crmcore-model") {
    return r.Error("format", absl::StrCat("expected \"crmcore-model\", got \"", format, "\""));
  }
  CRM_ASSIGN_OR_RETURN(const int64_t format_version, r.Integer("format_version"));
  if (format_version != kModelFileFormatVersion) {
    return r.Error("format_version", absl::StrCat("this library reads version ",
                                                  kModelFileFormatVersion, ", got ",
                                                  format_version));
  }
  CRM_ASSIGN_OR_RETURN(m.library_version, r.String("library_version"));
  const std::vector<std::string> version_parts = absl::StrSplit(m.library_version, '.');
  if (version_parts.empty() || version_parts[0] != std::to_string(CRMCORE_VERSION_MAJOR)) {
    return r.Error("library_version",
                   absl::StrCat("written by crmcore ", m.library_version,
                                ", another major version than this library's ",
                                VersionString(), "; refit the model with this version"));
  }

  CRM_ASSIGN_OR_RETURN(m.model, r.String("model"));
  absl::StatusOr<std::vector<std::string>> names = ModelParameterNames(m.model);
  if (!names.ok()) return r.Error("model", names.status().message());
  CRM_ASSIGN_OR_RETURN(const Json* params, r.Get("params"));
  CRM_ASSIGN_OR_RETURN(const std::vector<double> values,
                       NamedNumbers(r, "params", *params, *names));
  for (size_t k = 0; k < values.size(); ++k) {
    if (!(std::isfinite(values[k]) && values[k] > 0.0)) {
      return r.Error("params", absl::StrCat("\"", (*names)[k], "\" must be finite and > 0, got ",
                                            FormatDouble(values[k])));
    }
    m.params.emplace_back((*names)[k], values[k]);
  }

  CRM_ASSIGN_OR_RETURN(m.fitted, r.Bool("fitted"));
  // Given parameters: the report figures are null. A fit that did not converge may have
  // stopped where they overflowed, which the writer wrote as null.
  CRM_ASSIGN_OR_RETURN(const bool converged, r.Bool("converged"));
  const bool optional = !m.fitted;
  const bool figures_optional = optional || !converged;
  CRM_ASSIGN_OR_RETURN(m.report.log_likelihood, r.Double("log_likelihood", figures_optional));
  m.report.converged = converged;
  constexpr int64_t kMaxInt = std::numeric_limits<int>::max();
  CRM_ASSIGN_OR_RETURN(const int64_t iterations, r.Count("iterations", kMaxInt, optional));
  m.report.iterations = static_cast<int>(iterations);
  CRM_ASSIGN_OR_RETURN(m.report.gradient_norm, r.Double("gradient_norm", figures_optional));
  CRM_ASSIGN_OR_RETURN(m.report.message, r.String("message"));
  CRM_ASSIGN_OR_RETURN(const int64_t evaluations, r.Count("evaluations", kMaxInt, optional));
  m.report.evaluations = static_cast<int>(evaluations);
  CRM_ASSIGN_OR_RETURN(m.customers, r.Double("customers", optional));
  CRM_ASSIGN_OR_RETURN(m.excluded_repeat_buyers,
                       r.Count("excluded_repeat_buyers", std::numeric_limits<int64_t>::max(),
                               optional));
  CRM_ASSIGN_OR_RETURN(m.report.zero_recency_repeat_buyers,
                       r.Double("zero_recency_repeat_buyers", optional));
  CRM_ASSIGN_OR_RETURN(m.penalizer, r.Double("penalizer"));
  if (m.penalizer < 0) return r.Error("penalizer", "must be >= 0");
  m.report.penalizer = m.penalizer;
  if (m.customers < 0) return r.Error("customers", "must be >= 0");
  if (m.report.zero_recency_repeat_buyers < 0) {
    return r.Error("zero_recency_repeat_buyers", "must be >= 0");
  }
  CRM_RETURN_IF_ERROR(ReadUncertainty(r, m));
  CRM_ASSIGN_OR_RETURN(const Json* unit, r.Get("time_unit"));
  if (!unit->is_null()) {
    CRM_ASSIGN_OR_RETURN(const std::string unit_name, r.String("time_unit"));
    absl::StatusOr<TimeUnit> parsed = ParseTimeUnit(unit_name);
    if (!parsed.ok()) return r.Error("time_unit", parsed.status().message());
    m.time_unit = *parsed;
  }
  if (!optional && m.report.converged != (m.report.message == "converged")) {
    return r.Error("converged", "disagrees with \"message\"");
  }
  return m;
}

}  // namespace crmcore

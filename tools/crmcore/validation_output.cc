#include "validation_output.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "crmcore/status.h"

namespace crmcore_cli {
namespace {

using crmcore::FormatDouble;

std::string JsonArray(const std::vector<double>& values) {
  return absl::StrCat(
      "[", absl::StrJoin(values, ", ",
                         [](std::string* out, double v) { out->append(FormatDouble(v)); }),
      "]");
}

std::string GroupLabel(const crmcore::FrequencyGroup& g) {
  return g.open_ended ? absl::StrCat(g.frequency, "+") : absl::StrCat(g.frequency);
}

}  // namespace

std::string ValidationJson(const ValidationContext& c, const crmcore::HoldoutValidation& v) {
  std::string params;
  for (const auto& [name, value] : c.fit.params) {
    absl::StrAppend(&params, params.empty() ? "" : ", ", "\"", name, "\": ", FormatDouble(value));
  }
  std::string groups;
  for (const crmcore::FrequencyGroup& g : v.by_frequency) {
    absl::StrAppend(&groups, groups.empty() ? "\n    " : ",\n    ", "{\"frequency\": ", g.frequency,
                    g.open_ended ? absl::StrCat(", \"frequency_label\": \"", GroupLabel(g), "\"")
                                 : "",
                    ", \"customers\": ", g.customers, ", \"actual\": ",
                    g.customers > 0 ? FormatDouble(g.actual) : "null", ", \"expected\": ",
                    g.customers > 0 ? FormatDouble(g.expected) : "null", "}");
  }
  const crmcore::TrackingSeries& t = v.tracking;
  return absl::StrCat(
      "{\n  \"model\": \"", c.fit.model, "\",\n  \"params\": {", params,
      "},\n  \"calibration_end\": \"", absl::FormatCivilTime(c.calibration_end),
      "\",\n  \"holdout_end\": \"", absl::FormatCivilTime(c.holdout_end),
      "\",\n  \"holdout_duration\": ", FormatDouble(v.holdout_duration),
      ",\n  \"time_unit\": \"", crmcore::TimeUnitName(c.unit), "\",\n  \"customers\": ",
      c.customers, ",\n  \"by_frequency\": [", groups, "\n  ],\n  \"correlation\": ",
      FormatDouble(v.correlation), ",\n  \"mae\": ", FormatDouble(v.mean_absolute_error),
      ",\n  \"actual_total\": ", FormatDouble(v.actual_total), ",\n  \"expected_total\": ",
      FormatDouble(v.expected_total), ",\n  \"tracking\": {\n    \"weeks\": ",
      JsonArray(t.period_end), ",\n    \"actual_cumulative\": ", JsonArray(t.actual_cumulative),
      ",\n    \"expected_cumulative\": ", JsonArray(t.expected_cumulative),
      ",\n    \"actual_incremental\": ", JsonArray(t.actual_incremental),
      ",\n    \"expected_incremental\": ", JsonArray(t.expected_incremental),
      ",\n    \"calibration_weeks\": ", t.calibration_periods, "\n  }\n}\n");
}

std::string ValidationText(const ValidationContext& c, const crmcore::HoldoutValidation& v) {
  std::string params;
  for (const auto& [name, value] : c.fit.params) {
    absl::StrAppendFormat(&params, "%s%s = %.4g", params.empty() ? "" : ", ", name, value);
  }
  std::string text = absl::StrFormat(
      "%s fitted on %d customers to %s: %s\nholdout to %s (%.4g %s)\n"
      "  x     customers   actual  expected\n",
      c.fit.model, c.customers, absl::FormatCivilTime(c.calibration_end), params,
      absl::FormatCivilTime(c.holdout_end), v.holdout_duration, crmcore::TimeUnitName(c.unit));
  for (const crmcore::FrequencyGroup& g : v.by_frequency) {
    if (g.customers == 0) {
      absl::StrAppendFormat(&text, "  %-4s %10d        -         -\n", GroupLabel(g), 0);
    } else {
      absl::StrAppendFormat(&text, "  %-4s %10d %8.3f  %8.3f\n", GroupLabel(g), g.customers,
                            g.actual, g.expected);
    }
  }
  absl::StrAppendFormat(&text,
                        "holdout purchases: actual %.0f, expected %.1f; correlation %.3f, "
                        "MAE %.3f per customer\n",
                        v.actual_total, v.expected_total, v.correlation, v.mean_absolute_error);
  return text;
}

}  // namespace crmcore_cli

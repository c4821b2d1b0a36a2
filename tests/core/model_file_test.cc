// Tests of crmcore/model_file.h: saved models read back exactly, and every malformed
// file is refused with a message naming the key.
#include "crmcore/model_file.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "crmcore/bgnbd.h"
#include "crmcore/summary_csv.h"
#include "crmcore/version.h"
#include "gtest/gtest.h"
#include "test_support.h"

namespace crmcore {
namespace {

using test_support::ExpectInvalid;

// The BG/NBD fit on the bundled CDNOW summary, as a model file.
ModelFile CdnowBgNbdFile() {
  SummaryColumnNames columns;
  columns.monetary_value = "";  // the file has none
  absl::StatusOr<SummaryTable> table = LoadSummaryCsv(
      std::string(CRMCORE_TEST_DATA_DIR) + "/cdnow_customers_summary.csv", columns);
  EXPECT_TRUE(table.ok()) << table.status();
  absl::StatusOr<PurchaseHistories> histories =
      PurchaseHistories::Create(table->frequency, table->recency, table->T);
  EXPECT_TRUE(histories.ok()) << histories.status();
  absl::StatusOr<BgNbdFit> fit = FitBgNbd(*histories);
  EXPECT_TRUE(fit.ok()) << fit.status();
  ModelFile file;
  file.model = "bgnbd";
  file.params = {{"r", fit->params.r}, {"alpha", fit->params.alpha}, {"a", fit->params.a},
                 {"b", fit->params.b}};
  file.report = fit->report;
  file.customers = histories->total_weight();
  file.time_unit = TimeUnit::kWeeks;
  return file;
}

// A hand-made uncertainty (the fits fill it; here only the file format is under test).
ParameterUncertainty SomeUncertainty(size_t n) {
  ParameterUncertainty u;
  u.available = true;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) u.covariance.push_back(i == j ? 0.01 * static_cast<double>(i + 1) : 1e-5);
    u.standard_errors.push_back(std::sqrt(0.01 * static_cast<double>(i + 1)));
    u.confidence_intervals.push_back({0.5 - 0.1 * static_cast<double>(i), 0.7 + 0.3});
  }
  return u;
}

TEST(ModelFileTest, FitReadsBackBitForBit) {
  ModelFile file = CdnowBgNbdFile();
  file.report.uncertainty = SomeUncertainty(4);
  const std::string json = ModelFileToJson(file);
  absl::StatusOr<ModelFile> back = ModelFileFromJson(json, "m.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->model, "bgnbd");
  ASSERT_EQ(back->params.size(), 4u);
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(back->params[k].first, file.params[k].first);
    EXPECT_EQ(back->params[k].second, file.params[k].second);  // exact: shortest round trip
  }
  EXPECT_TRUE(back->fitted);
  EXPECT_EQ(back->report.log_likelihood, file.report.log_likelihood);
  EXPECT_EQ(back->report.iterations, file.report.iterations);
  EXPECT_EQ(back->report.evaluations, file.report.evaluations);
  EXPECT_EQ(back->report.gradient_norm, file.report.gradient_norm);
  EXPECT_EQ(back->report.message, "converged");
  EXPECT_EQ(back->customers, 2357);
  EXPECT_EQ(back->time_unit, TimeUnit::kWeeks);
  EXPECT_EQ(back->library_version, VersionString());
  ASSERT_TRUE(back->report.uncertainty.available);
  EXPECT_EQ(back->report.uncertainty.covariance, file.report.uncertainty.covariance);
  EXPECT_EQ(back->report.uncertainty.standard_errors, file.report.uncertainty.standard_errors);
  EXPECT_EQ(back->report.uncertainty.confidence_intervals,
            file.report.uncertainty.confidence_intervals);
  // Writing what was read gives the same text: nothing is lost or reformatted.
  EXPECT_EQ(ModelFileToJson(*back), json);
}

TEST(ModelFileTest, KeysOfTheFitReportComeFirstInTheirFormerOrder) {
  const std::string json = ModelFileToJson(CdnowBgNbdFile());
  EXPECT_EQ(json.rfind("{\"model\": \"bgnbd\", \"params\": {\"r\": ", 0), 0u) << json;
  EXPECT_NE(json.find("\"log_likelihood\": "), std::string::npos);
  // The fit's standard errors (lifetimes prints r 0.0126, alpha 0.378, a 0.186, b 0.705).
  EXPECT_NE(json.find("\"message\": \"converged\", \"standard_errors\": {\"r\": 0.0125"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"uncertainty_message\": \"\""), std::string::npos) << json;
  // Without them, the keys are there and null, with the reason.
  ModelFile without = CdnowBgNbdFile();
  without.report.uncertainty = ParameterUncertainty{};
  without.report.uncertainty.message = "the Hessian is singular";
  EXPECT_NE(ModelFileToJson(without).find(
                "\"standard_errors\": null, \"covariance\": null, \"confidence_intervals\": "
                "null, \"uncertainty_message\": \"the Hessian is singular\""),
            std::string::npos);
  EXPECT_NE(json.find("\"time_unit\": \"weeks\""), std::string::npos);
}

TEST(ModelFileTest, GivenParametersAndUnknownUnitReadBack) {
  ModelFile file;
  file.model = "gammagamma";
  file.params = {{"p", 6.25}, {"q", 3.74}, {"gamma", 15.44}};
  file.fitted = false;
  const std::string json = ModelFileToJson(file);
  EXPECT_NE(json.find("\"log_likelihood\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"time_unit\": null"), std::string::npos) << json;
  absl::StatusOr<ModelFile> back = ModelFileFromJson(json, "g.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->fitted);
  EXPECT_TRUE(back->report.converged);
  EXPECT_FALSE(back->time_unit.has_value());
  EXPECT_FALSE(back->report.uncertainty.available);
  EXPECT_EQ(back->params[2].second, 15.44);
}

TEST(ModelFileTest, NonFiniteReportFiguresAreWrittenAsNull) {
  ModelFile file = CdnowBgNbdFile();
  file.report.converged = false;
  file.report.message = "not converged: reached the iteration cap of 1";
  file.report.gradient_norm = std::numeric_limits<double>::infinity();
  const std::string json = ModelFileToJson(file);
  EXPECT_NE(json.find("\"gradient_norm\": null"), std::string::npos) << json;
  // It reads back as the fit that did not converge, which predicts nothing.
  absl::StatusOr<ModelFile> back = ModelFileFromJson(json, "m.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->report.converged);
  EXPECT_EQ(back->report.message, "not converged: reached the iteration cap of 1");
  // A converged fit must state its figures.
  const std::string converged = absl::StrReplaceAll(
      json, {{"\"converged\": false", "\"converged\": true"},
             {"not converged: reached the iteration cap of 1", "converged"}});
  ExpectInvalid(ModelFileFromJson(converged, "m.json").status(),
                {"m.json: model file key \"gradient_norm\": must be a number, got null"});
}

TEST(ModelFileTest, ParameterNamesOfEachKind) {
  EXPECT_EQ(*ModelParameterNames("pareto"), (std::vector<std::string>{"r", "alpha", "s", "beta"}));
  ExpectInvalid(ModelParameterNames("weibull").status(),
                {"unknown model kind \"weibull\"", "bgnbd, pareto, gammagamma"});
}

// Covers docs/bad-input.md BI-MODEL-FILE
TEST(ModelFileTest, MalformedFilesNameTheKey) {
  const std::string good = ModelFileToJson(CdnowBgNbdFile());
  auto with = [&](absl::string_view from, absl::string_view to) {
    const std::string bad = absl::StrReplaceAll(good, {{from, to}});
    EXPECT_NE(bad, good) << from;
    return ModelFileFromJson(bad, "m.json").status();
  };
  ExpectInvalid(ModelFileFromJson("{\"model\": ", "m.json").status(),
                {"m.json: not a model file: invalid JSON at byte 11"});
  ExpectInvalid(ModelFileFromJson("[1, 2]", "m.json").status(), {"expected a JSON object"});
  ExpectInvalid(with("\"format\": \"crmcore-model\", ", ""), {"key \"format\": missing"});
  ExpectInvalid(with("\"crmcore-model\"", "\"other\""), {"key \"format\"", "\"other\""});
  ExpectInvalid(with("\"format_version\": 1", "\"format_version\": 2"),
                {"key \"format_version\": this library reads version 1, got 2"});
  ExpectInvalid(with(absl::StrCat("\"library_version\": \"", VersionString(), "\""),
                     "\"library_version\": \"99.0.0\""),
                {"key \"library_version\": written by crmcore 99.0.0", "another major version"});
  ExpectInvalid(with("\"model\": \"bgnbd\"", "\"model\": \"weibull\""),
                {"key \"model\": unknown model kind \"weibull\""});
  ExpectInvalid(with("\"model\": \"bgnbd\"", "\"model\": \"pareto\""),
                {"key \"params\": has no \"s\""});
  ExpectInvalid(with("\"r\": 0.", "\"r\": -0."), {"key \"params\": \"r\" must be finite and > 0"});
  ExpectInvalid(with("\"params\": {\"r\": ", "\"params\": {\"r\": \"x\", \"q\": "),
                {"key \"params\": \"r\" must be a number, got \"x\""});
  ExpectInvalid(with("\"params\": {", "\"params\": {\"extra\": 1, "),
                {"key \"params\": must name exactly r, alpha, a, b"});
  ExpectInvalid(with("\"converged\": true", "\"converged\": 1"),
                {"key \"converged\": must be true or false, got 1"});
  ExpectInvalid(with("\"customers\": 2357", "\"customers\": 1e999"),
                {"m.json: not a model file: ", "number overflow"});
  ExpectInvalid(with("\"iterations\": ", "\"iterations\": -"), {"key \"iterations\": must be in 0.."});
  ExpectInvalid(with("\"penalizer\": 0", "\"penalizer\": -1"), {"key \"penalizer\": must be >= 0"});
  ExpectInvalid(with("\"time_unit\": \"weeks\"", "\"time_unit\": \"fortnights\""),
                {"key \"time_unit\"", "fortnights"});
  ExpectInvalid(with("\"message\": \"converged\"", "\"message\": \"gave up\""),
                {"key \"converged\": disagrees with \"message\""});
  ExpectInvalid(with("\"standard_errors\": {\"r\": 0.0125", "\"standard_errors\": null, \"x\": {\"r\": 0.0125"),
                {"must all be null or all be given"});

  ExpectInvalid(with("\"customers\": 2357", "\"customers\": -1"), {"key \"customers\": must be >= 0"});
  ExpectInvalid(ModelFileFromJson(absl::StrCat("{\"format\": ", std::string(100000, '['),
                                               std::string(100000, ']'), "}"),
                                  "deep.json")
                    .status(),
                {"deep.json: model file key \"format\": must be a string, got an array"});
  ModelFile with_uncertainty = CdnowBgNbdFile();
  with_uncertainty.report.uncertainty = SomeUncertainty(4);
  const std::string full = ModelFileToJson(with_uncertainty);
  const std::string short_row =
      absl::StrReplaceAll(full, {{"\"covariance\": [[0.01, 1e-05, 1e-05, 1e-05]",
                                  "\"covariance\": [[0.01, 1e-05, 1e-05]"}});
  ASSERT_NE(short_row, full);
  ExpectInvalid(ModelFileFromJson(short_row, "m.json").status(),
                {"key \"covariance\": must be a 4 x 4 array of numbers"});
  const std::string bad_interval =
      absl::StrReplaceAll(full, {{"\"r\": [0.5, 1]", "\"r\": [0.5]"}});
  ASSERT_NE(bad_interval, full);
  ExpectInvalid(ModelFileFromJson(bad_interval, "m.json").status(),
                {"key \"confidence_intervals\": \"r\" must be [lo, hi]"});
}

}  // namespace
}  // namespace crmcore

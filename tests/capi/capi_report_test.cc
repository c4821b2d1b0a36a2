// The C API's report section (crm_report_write_html) on the CDNOW sample: the page of a
// summary and fitted models, its sections, its CLV total equal to crm_clv's (the same
// computation), bad arguments, and a failed write that leaves the target unchanged.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "crmcore.h"
#include "crmcore/status.h"
#include "gtest/gtest.h"

namespace {

const std::string kSample = std::string(CRMCORE_TEST_DATA_DIR) + "/CDNOW_sample.txt";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class CapiReport : public ::testing::Test {
 protected:
  void SetUp() override {
    crm_ingest_options o = CRM_INGEST_OPTIONS_INIT;
    o.whitespace_delimited = 1;
    o.has_header = 0;
    o.customer_index = 2;
    o.date_index = 3;
    o.amount_index = 5;
    o.date_format = "%Y%m%d";
    o.observation_end = "1997-09-30";
    o.time_unit = CRM_TIME_UNIT_WEEKS;
    ASSERT_EQ(crm_summary_load_path(kSample.c_str(), &o, &summary_), CRM_OK) << crm_last_error();
    ASSERT_EQ(crm_model_fit_summary(CRM_MODEL_BGNBD, summary_, nullptr, &bgnbd_), CRM_OK)
        << crm_last_error();
    ASSERT_EQ(crm_model_fit_summary(CRM_MODEL_GAMMA_GAMMA, summary_, nullptr, &gamma_gamma_), CRM_OK)
        << crm_last_error();
    dir_ = std::filesystem::temp_directory_path() /
           ("crmcore_capi_report_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    crm_model_destroy(bgnbd_);
    crm_model_destroy(gamma_gamma_);
    crm_summary_destroy(summary_);
    std::filesystem::remove_all(dir_);
  }
  std::vector<double> Column(int which) const {
    const double* values = nullptr;
    size_t length = 0;
    EXPECT_EQ(crm_summary_column(summary_, which, &values, &length), CRM_OK) << crm_last_error();
    return std::vector<double>(values, values + length);
  }

  crm_summary* summary_ = nullptr;
  crm_model* bgnbd_ = nullptr;
  crm_model* gamma_gamma_ = nullptr;
  std::filesystem::path dir_;
};

TEST_F(CapiReport, WritesTheModelSectionsWithTheClvOfCrmClv) {
  const std::string path = (dir_ / "report.html").string();
  crm_report_options options;
  ASSERT_EQ(crm_report_options_init(&options, sizeof options), CRM_OK);
  ASSERT_EQ(crm_report_write_html(summary_, bgnbd_, gamma_gamma_, &options, path.c_str()), CRM_OK)
      << crm_last_error();
  const std::string page = ReadFile(path);
  for (const char* id : {"headline", "model-grids", "holdout", "value", "model"}) {
    EXPECT_TRUE(Has(page, std::string("<section id=\"") + id + "\">")) << id;
  }
  // Documented as left out of the C API's page (they need occasion-level data).
  for (const char* id : {"pyramid", "ladder", "rfm", "customers"}) {
    EXPECT_FALSE(Has(page, std::string("<section id=\"") + id + "\">")) << id;
  }
  // The total CLV is the sum of crm_clv over the customers with the one CLV convention
  // (12 months of 30 days at 1 % a month) in the summary's unit, weeks.
  const std::vector<double> x = Column(CRM_SUMMARY_FREQUENCY), t_x = Column(CRM_SUMMARY_RECENCY),
                            T = Column(CRM_SUMMARY_T), m = Column(CRM_SUMMARY_MONETARY_VALUE);
  crm_clv_options clv = CRM_CLV_OPTIONS_INIT;
  clv.time_unit = CRM_TIME_UNIT_WEEKS;
  std::vector<double> values(x.size());
  ASSERT_EQ(crm_clv(bgnbd_, gamma_gamma_, x.data(), t_x.data(), T.data(), m.data(), x.size(), &clv,
                    values.data()),
            CRM_OK)
      << crm_last_error();
  double total = 0;
  for (const double v : values) total += v;
  EXPECT_TRUE(Has(page, "data-key=\"total_clv\" data-value=\"" + crmcore::FormatDouble(total) + "\""))
      << crmcore::FormatDouble(total);
  EXPECT_TRUE(Has(page, "data-key=\"customers_scored\" data-value=\"" + std::to_string(x.size()) + "\""));

  options.language = CRM_REPORT_LANG_ZH;
  ASSERT_EQ(crm_report_write_html(summary_, bgnbd_, gamma_gamma_, &options, path.c_str()), CRM_OK)
      << crm_last_error();
  EXPECT_TRUE(Has(ReadFile(path), "<html lang=\"zh-Hans\">"));
}

// Pareto/NBD and MBG/NBD transaction models too: the page's total CLV is crm_clv's sum
// with that model, and its model section names it.
TEST_F(CapiReport, TakesParetoAndMbgNbdTransactionModels) {
  const std::vector<double> x = Column(CRM_SUMMARY_FREQUENCY), t_x = Column(CRM_SUMMARY_RECENCY),
                            T = Column(CRM_SUMMARY_T), m = Column(CRM_SUMMARY_MONETARY_VALUE);
  for (const auto& [kind, name, key] :
       {std::tuple{CRM_MODEL_PARETO_NBD, "Pareto/NBD", "pareto.s"},
        std::tuple{CRM_MODEL_MBGNBD, "MBG/NBD", "mbgnbd.a"}}) {
    SCOPED_TRACE(name);
    crm_model* model = nullptr;
    ASSERT_EQ(crm_model_fit_summary(kind, summary_, nullptr, &model), CRM_OK) << crm_last_error();
    const std::string path = (dir_ / "report.html").string();
    ASSERT_EQ(crm_report_write_html(summary_, model, gamma_gamma_, nullptr, path.c_str()), CRM_OK)
        << crm_last_error();
    crm_clv_options clv = CRM_CLV_OPTIONS_INIT;
    clv.time_unit = CRM_TIME_UNIT_WEEKS;
    std::vector<double> values(x.size());
    ASSERT_EQ(crm_clv(model, gamma_gamma_, x.data(), t_x.data(), T.data(), m.data(), x.size(),
                      &clv, values.data()),
              CRM_OK)
        << crm_last_error();
    double total = 0;
    for (const double v : values) total += v;
    const std::string page = ReadFile(path);
    EXPECT_TRUE(Has(page, "data-key=\"total_clv\" data-value=\"" + crmcore::FormatDouble(total) + "\""));
    EXPECT_TRUE(Has(page, std::string("<h3>") + name + "</h3>"));
    EXPECT_TRUE(Has(page, std::string("data-key=\"") + key + "\""));
    crm_model_destroy(model);
  }
}

// Covers docs/bad-input.md BI-CAPI-17
TEST_F(CapiReport, BadArgumentsAreRefusedAndLeaveTheFileUnchanged) {
  const std::string path = (dir_ / "report.html").string();
  std::ofstream(path) << "previous";
  EXPECT_EQ(crm_report_write_html(nullptr, bgnbd_, gamma_gamma_, nullptr, path.c_str()),
            CRM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(crm_report_write_html(summary_, gamma_gamma_, bgnbd_, nullptr, path.c_str()),
            CRM_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(Has(crm_last_error(), "transaction_model must be a BG/NBD, Pareto/NBD or MBG/NBD model")) << crm_last_error();
  EXPECT_EQ(crm_report_write_html(summary_, bgnbd_, gamma_gamma_, nullptr, nullptr),
            CRM_ERR_INVALID_ARGUMENT);
  crm_report_options options = CRM_REPORT_OPTIONS_INIT;
  options.language = 7;
  EXPECT_EQ(crm_report_write_html(summary_, bgnbd_, gamma_gamma_, &options, path.c_str()),
            CRM_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(Has(crm_last_error(), "language")) << crm_last_error();
  options = CRM_REPORT_OPTIONS_INIT;
  options.horizon = -1;
  EXPECT_EQ(crm_report_write_html(summary_, bgnbd_, gamma_gamma_, &options, path.c_str()),
            CRM_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(Has(crm_last_error(), "horizon")) << crm_last_error();
  options = CRM_REPORT_OPTIONS_INIT;
  options.lost_p_alive = 2;
  EXPECT_EQ(crm_report_write_html(summary_, bgnbd_, gamma_gamma_, &options, path.c_str()),
            CRM_ERR_INVALID_ARGUMENT);
  options = CRM_REPORT_OPTIONS_INIT;
  options.struct_size = 3;
  EXPECT_EQ(crm_report_write_html(summary_, bgnbd_, gamma_gamma_, &options, path.c_str()),
            CRM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(crm_report_options_init(&options, 3), CRM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ReadFile(path), "previous");
}

// Covers docs/bad-input.md BI-CAPI-18
TEST_F(CapiReport, AnUnwritablePathIsAnIoErrorAndLeavesNoTemporaryFile) {
  const std::string path = (dir_ / "no" / "such" / "report.html").string();
  EXPECT_EQ(crm_report_write_html(summary_, bgnbd_, gamma_gamma_, nullptr, path.c_str()), CRM_ERR_IO);
  EXPECT_TRUE(Has(crm_last_error(), "cannot write " + path)) << crm_last_error();
  // A directory where the file should be: the rename fails, the temporary file is removed.
  const std::filesystem::path blocked = dir_ / "blocked.html";
  std::filesystem::create_directories(blocked / "inside");
  EXPECT_EQ(crm_report_write_html(summary_, bgnbd_, gamma_gamma_, nullptr, blocked.string().c_str()),
            CRM_ERR_IO);
  size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);  // only blocked.html/
}

// Covers docs/bad-input.md BI-CAPI-19
TEST_F(CapiReport, ANotConvergedFitIsAFailedPrecondition) {
  crm_fit_options fit = CRM_FIT_OPTIONS_INIT;
  fit.max_iterations = 1;
  crm_model* rough = nullptr;
  ASSERT_EQ(crm_model_fit_summary(CRM_MODEL_BGNBD, summary_, &fit, &rough), CRM_OK) << crm_last_error();
  const std::string path = (dir_ / "report.html").string();
  EXPECT_EQ(crm_report_write_html(summary_, rough, gamma_gamma_, nullptr, path.c_str()),
            CRM_ERR_FAILED_PRECONDITION);
  EXPECT_FALSE(std::filesystem::exists(path));
  crm_model_destroy(rough);
}

}  // namespace

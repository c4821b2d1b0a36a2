// Runs the installed-style `crmcore` program as a user would and checks its outputs,
// exit codes and messages.
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;

const std::string kData = CRMCORE_TEST_DATA_DIR;
constexpr char kCdnowMasterFlags[] =
    " --delimiter=whitespace --date-format=%Y%m%d --amount-col=dollar_value";
constexpr char kCdnowSampleFlags[] =
    " --delimiter=whitespace --no-header --customer-col=2 --date-col=3 --amount-col=5"
    " --date-format=%Y%m%d";

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` under sh and collects what it prints on stdout.
RunResult RunCommand(const std::string& command) {
  RunResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t got = 0;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, got);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Runs the program with `arguments`, stdout and stderr together.
RunResult RunCrmcore(const std::string& arguments) {
  return RunCommand(absl::StrCat(CRMCORE_CLI_PATH, " ", arguments, " 2>&1"));
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("crmcore_cli_test_", ::testing::UnitTest::GetInstance()->random_seed(),
                        "_", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(CliTest, ScoreCdnowMasterWritesTableSummaryAndReport) {
  const RunResult run = RunCrmcore(absl::StrCat("score ", kData, "/CDNOW_master.txt", kCdnowMasterFlags,
                                         " --out=", Path("scores.csv"),
                                         " --summary=", Path("summary.json")));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("69,659 rows read, 0 skipped"));
  EXPECT_THAT(run.output, HasSubstr("Value pyramid"));
  EXPECT_THAT(run.output, HasSubstr("Loyalty ladder funnel"));
  EXPECT_THAT(run.output, HasSubstr("Top 10 customers"));

  const std::vector<std::string> rows = Lines(ReadFile(Path("scores.csv")));
  ASSERT_EQ(rows.size(), 23570u + 1);
  EXPECT_EQ(rows[0],
            "customer_id,frequency,recency,T,monetary_value,rfm_r,rfm_f,rfm_m,ladder_rung,"
            "lifecycle_stage,relationship_stage,loyalty_class,composite_value,value_tier,"
            "p_alive,expected_purchases,expected_mean_spend,clv");
  // Customer 00001 bought once, on 1997-01-01: no repeat, T = 545 days to 1998-06-30.
  EXPECT_THAT(rows[1], ::testing::StartsWith("00001,0,0,545,0,"));
  std::map<std::string, int> tiers;
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::vector<std::string> fields = absl::StrSplit(rows[i], ',');
    ASSERT_EQ(fields.size(), 18u) << rows[i];
    double p_alive = -1, clv = -1;
    ASSERT_TRUE(absl::SimpleAtod(fields[14], &p_alive));
    ASSERT_TRUE(absl::SimpleAtod(fields[17], &clv));
    EXPECT_GE(p_alive, 0.0);
    EXPECT_LE(p_alive, 1.0);
    EXPECT_GE(clv, 0.0);
    ++tiers[fields[13]];
  }
  // The pyramid's cut-offs: 1 / 4 / 15 / 80 % of 23,570 (ties may move a few up).
  EXPECT_NEAR(tiers["vip"], 236, 5);
  EXPECT_NEAR(tiers["small"], 18856, 50);

  const std::string json = ReadFile(Path("summary.json"));
  EXPECT_THAT(json, HasSubstr("\"rows_read\": 69659"));
  EXPECT_THAT(json, HasSubstr("\"rows_skipped\": 0"));
  EXPECT_THAT(json, HasSubstr("\"customers\": 23570"));
  EXPECT_THAT(json, HasSubstr(absl::StrCat("\"vip\": ", tiers["vip"], ",")));
  EXPECT_THAT(json, HasSubstr("\"ladder_rung\": {\"suspect\": 0"));
  EXPECT_THAT(json, HasSubstr("\"lifecycle_stage\": {"));
  EXPECT_THAT(json, HasSubstr("\"lifetime_model\": [{\"model\": \"bgnbd\""));
  EXPECT_THAT(json, HasSubstr("\"converged\": true"));
}

TEST_F(CliTest, ScoreWithoutModelHasNoModelColumns) {
  const RunResult run = RunCrmcore(absl::StrCat("score ", kData, "/CDNOW_master.txt", kCdnowMasterFlags,
                                                " --model=none --quiet --out=", Path("scores.csv")));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::vector<std::string> rows = Lines(ReadFile(Path("scores.csv")));
  EXPECT_THAT(rows[0], ::testing::EndsWith("composite_value,value_tier"));
}

// `crmcore fit` on the published CDNOW calibration summaries reproduces the published
// estimates (Fader, Hardie & Lee 2005; see examples/data/README.md) and writes JSON.
TEST_F(CliTest, FitReproducesPublishedEstimates) {
  const std::string summary = kData + "/cdnow_customers_summary_with_transactions.csv";
  const RunResult bgnbd = RunCrmcore(absl::StrCat("fit ", summary, " --model=bgnbd --frequency-col=x",
                                                  " --recency-col=t_x --out=", Path("bgnbd.json")));
  ASSERT_EQ(bgnbd.exit_code, 0) << bgnbd.output;
  EXPECT_THAT(bgnbd.output, HasSubstr("r = 0.2426, alpha = 4.4135, a = 0.7929, b = 2.4258"));
  EXPECT_THAT(bgnbd.output, HasSubstr("log-likelihood -9582.4"));
  const std::string json = ReadFile(Path("bgnbd.json"));
  EXPECT_THAT(json, ::testing::StartsWith("{\"model\": \"bgnbd\", \"params\": {\"r\": 0.24"));
  EXPECT_THAT(json, HasSubstr("\"converged\": true"));
  EXPECT_THAT(json, HasSubstr("\"iterations\": "));

  const RunResult gg = RunCrmcore(absl::StrCat("fit ", summary, " --model=gammagamma --frequency-col=x",
                                               " --recency-col=t_x --monetary-col=zbar"));
  ASSERT_EQ(gg.exit_code, 0) << gg.output;
  EXPECT_THAT(gg.output, HasSubstr("p = 6.2488, q = 3.7446, gamma = 15.44"));

  const RunResult pareto =
      RunCrmcore(absl::StrCat("fit ", kData, "/CDNOW_sample.txt --model=pareto", kCdnowSampleFlags,
                              " --observation-end=1997-09-30 --time-unit=weeks"));
  ASSERT_EQ(pareto.exit_code, 0) << pareto.output;
  EXPECT_THAT(pareto.output, HasSubstr("r = 0.5533, alpha = 10.5777, s = 0.6062, beta = 11.6687"));
  EXPECT_THAT(pareto.output, HasSubstr("log-likelihood -9594.97"));
}

// Covers docs/bad-input.md BI-CLI-01, BI-CLI-02
TEST_F(CliTest, FitRejectsBadModelAndBadSummary) {
  const std::string summary = kData + "/cdnow_customers_summary.csv";
  EXPECT_EQ(RunCrmcore(absl::StrCat("fit ", summary)).exit_code, 1);
  EXPECT_THAT(RunCrmcore(absl::StrCat("fit ", summary, " --model=weibull")).output,
              HasSubstr("bgnbd, pareto, gammagamma, mbgnbd, bgbb or sbg"));
  const std::string bad = Path("bad_summary.csv");
  std::ofstream(bad) << "ID,frequency,recency,T\n1,2,3.5,10\n2,1,x,10\n";
  const RunResult run = RunCrmcore(absl::StrCat("fit ", bad, " --model=bgnbd"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr(absl::StrCat(bad, ":3:5: field 'recency': \"x\"")));
  const std::string inconsistent = Path("inconsistent.csv");
  std::ofstream(inconsistent) << "frequency,recency,T\n1,12,10\n";
  EXPECT_THAT(RunCrmcore(absl::StrCat("fit ", inconsistent, " --model=bgnbd")).output,
              HasSubstr("must be <= T"));
}

TEST_F(CliTest, FitMbgNbdBgBbAndSbgReproducePublishedEstimates) {
  const RunResult mbg = RunCrmcore(absl::StrCat("fit ", kData, "/cdnow_customers_summary.csv",
                                                " --model=mbgnbd --out=", Path("mbg.json")));
  ASSERT_EQ(mbg.exit_code, 0) << mbg.output;
  // lifetimes' ModifiedBetaGeoFitter: r 0.525, alpha 6.183, a 0.891, b 1.614.
  EXPECT_THAT(mbg.output, HasSubstr("mbgnbd: r = 0.5248, alpha = 6.1830, a = 0.8914, b = 1.6140"));
  EXPECT_THAT(ReadFile(Path("mbg.json")),
              ::testing::StartsWith("{\"model\": \"mbgnbd\", \"params\": {\"r\": 0.52"));

  // Fader, Hardie & Shang (2010): 1.204, 0.750, 0.657, 2.783; LL -33,225.6.
  const RunResult bgbb = RunCrmcore(absl::StrCat("fit ", kData, "/donations.csv",
                                                 " --model=bgbb --weights-col=weights --out=",
                                                 Path("bgbb.json")));
  ASSERT_EQ(bgbb.exit_code, 0) << bgbb.output;
  EXPECT_THAT(bgbb.output,
              HasSubstr("bgbb: alpha = 1.2035, beta = 0.7497, gamma = 0.6567, delta = 2.7834"));
  EXPECT_THAT(bgbb.output, HasSubstr("log-likelihood -33225.58"));
  EXPECT_THAT(ReadFile(Path("bgbb.json")), HasSubstr("\"params\": {\"alpha\": 1.203"));
  // Without --weights-col each of the 22 patterns counts once: another fit.
  const RunResult unweighted =
      RunCrmcore(absl::StrCat("fit ", kData, "/donations.csv --model=bgbb"));
  EXPECT_THAT(unweighted.output, ::testing::Not(HasSubstr("alpha = 1.2035")));

  // Fader & Hardie (2007): regular alpha 0.704, beta 1.182 (LL -1680.3); two cohorts.
  const std::string series = Path("survivors.csv");
  std::ofstream(series) << "year,survivors\n1,1000\n1,631\n1,468\n1,382\n1,326\n1,289\n"
                           "1,262\n1,241\n";
  const RunResult sbg = RunCrmcore(absl::StrCat("fit ", series, " --model=sbg"));
  ASSERT_EQ(sbg.exit_code, 0) << sbg.output;
  EXPECT_THAT(sbg.output, HasSubstr("sbg: alpha = 0.7041, beta = 1.1820"));
  EXPECT_THAT(sbg.output, HasSubstr("log-likelihood -1680.2"));
  const std::string two = Path("two_cohorts.csv");
  std::ofstream(two) << "year,n\n1995,1000\n1995,631\n1995,468\n1996,1000\n1996,640\n";
  const RunResult cohorts =
      RunCrmcore(absl::StrCat("fit ", two, " --model=sbg --survivors-col=n --cohort-col=year"));
  EXPECT_EQ(cohorts.exit_code, 0) << cohorts.output;
}

// Covers docs/bad-input.md BI-CLI-02, BI-MOD-17, BI-MOD-18
TEST_F(CliTest, FitBgBbAndSbgNameTheBadLine) {
  const std::string patterns = Path("patterns.csv");
  std::ofstream(patterns) << "frequency,recency,periods\n1,1,6\n3,2,6\n";
  const RunResult bgbb = RunCrmcore(absl::StrCat("fit ", patterns, " --model=bgbb"));
  EXPECT_EQ(bgbb.exit_code, 2);
  EXPECT_THAT(bgbb.output,
              HasSubstr(absl::StrCat(patterns, ":3: frequency x = 3 must be <= recency t_x = 2")));
  const RunResult missing =
      RunCrmcore(absl::StrCat("fit ", patterns, " --model=bgbb --periods-col=n"));
  EXPECT_THAT(missing.output, HasSubstr("no column named \"n\""));
  const std::string series = Path("growing.csv");
  std::ofstream(series) << "survivors\n100\n90\n95\n";
  const RunResult sbg = RunCrmcore(absl::StrCat("fit ", series, " --model=sbg"));
  EXPECT_EQ(sbg.exit_code, 2);
  EXPECT_THAT(sbg.output, HasSubstr(absl::StrCat(series, ":4: survivors 95 must be in [0, 90]")));
  const std::string single = Path("single.csv");
  std::ofstream(single) << "c,survivors\n1,100\n1,90\n2,50\n";
  EXPECT_THAT(RunCrmcore(absl::StrCat("fit ", single, " --model=sbg --cohort-col=c")).output,
              HasSubstr(absl::StrCat(single, ":4: a cohort needs survivors for at least periods 0 "
                                             "and 1")));
}

// The published 39-week calibration summary of the CDNOW sample (cdnow_customers_summary.csv,
// recency and T rounded to 2 decimals), reproduced through the command line.
TEST_F(CliTest, SummarizeReproducesPublishedCdnowCalibrationSummary) {
  const RunResult run = RunCrmcore(absl::StrCat("summarize ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                                         " --observation-end=1997-09-30 --time-unit=weeks --out=",
                                         Path("summary.csv")));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::vector<std::string> ours = Lines(ReadFile(Path("summary.csv")));
  const std::vector<std::string> published = Lines(ReadFile(kData + "/cdnow_customers_summary.csv"));
  ASSERT_EQ(ours.size(), published.size());
  EXPECT_EQ(ours[0],
            "customer_id,frequency,recency,T,monetary_value,holdout_frequency,"
            "holdout_monetary_value,duration_holdout");
  for (size_t i = 1; i < published.size(); ++i) {
    const std::vector<std::string> want = absl::StrSplit(published[i], ',');
    const std::vector<std::string> got = absl::StrSplit(ours[i], ',');
    ASSERT_EQ(want.size(), 4u);
    ASSERT_EQ(got.size(), 8u);
    int id = 0;
    ASSERT_TRUE(absl::SimpleAtoi(got[0], &id));  // "0001" -> 1
    EXPECT_EQ(absl::StrCat(id), want[0]);
    EXPECT_EQ(got[1], want[1]) << "frequency of customer " << want[0];
    for (size_t column : {size_t{2}, size_t{3}}) {
      double value = 0, expected = 0;
      ASSERT_TRUE(absl::SimpleAtod(got[column], &value));
      ASSERT_TRUE(absl::SimpleAtod(want[column], &expected));
      EXPECT_EQ(std::round(value * 100) / 100, expected) << published[i] << " vs " << ours[i];
    }
  }
}

TEST_F(CliTest, SummarizeWithoutOutWritesCsvToStdout) {
  const RunResult run = RunCrmcore(absl::StrCat("summarize ", kData, "/CDNOW_master.txt",
                                         kCdnowMasterFlags, " --quiet"));
  ASSERT_EQ(run.exit_code, 0);
  EXPECT_EQ(Lines(run.output).size(), 23570u + 1);
}

TEST_F(CliTest, HelpExplainsTheInterface) {
  const RunResult run = RunCrmcore("--help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* text : {"summarize", "score", "--customer-col", "--observation-end",
                           "--time-unit", "--no-header", "Exit codes"}) {
    EXPECT_THAT(run.output, HasSubstr(text));
  }
}

// Covers docs/bad-input.md BI-CLI-01
TEST_F(CliTest, UsageErrorsExitWithOne) {
  EXPECT_EQ(RunCrmcore("").exit_code, 1);
  const RunResult unknown = RunCrmcore("rank x.csv");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("unknown command \"rank\""));
  EXPECT_EQ(RunCrmcore("score x.csv --no-such-flag").exit_code, 1);
  const RunResult unit = RunCrmcore(absl::StrCat("score ", kData, "/CDNOW_master.txt --time-unit=years"));
  EXPECT_EQ(unit.exit_code, 1);
  EXPECT_THAT(unit.output, HasSubstr("years"));
  const RunResult end = RunCrmcore(absl::StrCat("score ", kData, "/CDNOW_master.txt --observation-end=1997-13-01"));
  EXPECT_EQ(end.exit_code, 1);
  EXPECT_THAT(end.output, HasSubstr("1997-13-01"));
  const RunResult weights = RunCrmcore(absl::StrCat("score ", kData, "/CDNOW_master.txt --weights=1,2"));
  EXPECT_EQ(weights.exit_code, 1);
  EXPECT_THAT(weights.output, HasSubstr("--weights needs 5"));
  const RunResult credit =
      RunCrmcore(absl::StrCat("score ", kData, "/CDNOW_master.txt", kCdnowMasterFlags, " --weights=1,0,1,0,0"));
  EXPECT_EQ(credit.exit_code, 1);
  EXPECT_THAT(credit.output, HasSubstr("credit"));
}

// Covers docs/bad-input.md BI-CLI-02
TEST_F(CliTest, BadInputExitsWithTwoAndNamesFileLineColumn) {
  const std::string log = Path("bad.csv");
  std::ofstream(log) << "customer_id,date,amount\na,1997-01-01,10.00\nb,1997-02-30,5\n";
  const RunResult run = RunCrmcore(absl::StrCat("score ", log));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr(absl::StrCat(log, ":3:")));
  EXPECT_THAT(run.output, HasSubstr("1997-02-30"));

  const RunResult missing = RunCrmcore(absl::StrCat("score ", Path("absent.csv")));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.output, HasSubstr("absent.csv"));
}

// Covers docs/bad-input.md BI-CLI-04
TEST_F(CliTest, LenientModeSkipsAndReportsBadRows) {
  const std::string log = Path("mixed.csv");
  std::ofstream(log) << "customer_id,date,amount\na,1997-01-01,10.00\nb,1997-02-30,5\n"
                        "a,1997-03-01,2.50\n";
  const RunResult run =
      RunCrmcore(absl::StrCat("score ", log, " --lenient --model=none --summary=", Path("s.json")));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("skipped 1 bad rows"));
  const std::string json = ReadFile(Path("s.json"));
  EXPECT_THAT(json, HasSubstr("\"rows_read\": 3"));
  EXPECT_THAT(json, HasSubstr("\"rows_skipped\": 1"));
  EXPECT_THAT(json, HasSubstr("\"line\": 3"));
  // --quiet silences the report, never the skipped rows (issue 13 item 5).
  for (const std::string& command : {std::string("score"), std::string("summarize")}) {
    const RunResult quiet = RunCrmcore(absl::StrCat(command, " ", log, " --lenient --quiet --model=none --out=",
                                                    Path(command + ".csv")));
    EXPECT_EQ(quiet.exit_code, 0) << quiet.output;
    EXPECT_THAT(quiet.output, HasSubstr("skipped 1 bad rows"));
    EXPECT_THAT(quiet.output, HasSubstr("mixed.csv:3:"));
  }
}

// Covers docs/bad-input.md BI-CLI-05
TEST_F(CliTest, FitThatDoesNotConvergeExitsWithFour) {
  // Twenty identical repeat buyers (x = 1, t_x = T) and twenty one-time buyers: the
  // BG/NBD likelihood has no interior maximum, so the fit reports it did not converge.
  const std::string summary = Path("degenerate.csv");
  {
    std::ofstream out(summary);
    out << "frequency,recency,T,monetary_value\n";
    for (int i = 0; i < 20; ++i) out << "1,10,10,5\n0,0,10,0\n";
  }
  const RunResult run = RunCrmcore(absl::StrCat("fit ", summary, " --model=bgnbd"));
  EXPECT_EQ(run.exit_code, 4) << run.output;
  EXPECT_THAT(run.output, HasSubstr("NOT converged"));
  // The iterations it ran, also when it stopped on a failed line search (issue 13 item 9).
  EXPECT_THAT(run.output, HasSubstr("line search failed"));
  EXPECT_THAT(run.output, ::testing::ContainsRegex("after [1-9][0-9]* iterations"));
}

// Covers docs/bad-input.md BI-CLI-03
TEST_F(CliTest, UnwritableOutputExitsWithThree) {
  const RunResult run = RunCrmcore(absl::StrCat("summarize ", kData, "/CDNOW_master.txt",
                                         kCdnowMasterFlags, " --out=", Path("no/such/dir/x.csv")));
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_THAT(run.output, HasSubstr("cannot write"));
}

TEST_F(CliTest, SummarizeOutputIsReadBackByFitEvenWithQuotedIds) {
  const std::string log = Path("quoted.csv");
  {
    std::ofstream out(log);
    out << "customer_id,date,amount\n";
    // 40 customers, half of them repeat buyers; ids with commas and quotes need quoting.
    for (int c = 0; c < 40; ++c) {
      const std::string id = c % 3 == 0 ? absl::StrCat("\"Smith, \"\"J\"\" ", c, "\"")
                                        : absl::StrCat("c", c);
      out << id << absl::StrFormat(",2020-01-%02d,10.00\n", 1 + c % 20);
      for (int k = 0; k < c % 4; ++k) {
        out << id << absl::StrFormat(",2020-%02d-%02d,5.00\n", 2 + k, 1 + c % 9);
      }
    }
  }
  const std::string summary = Path("summary.csv");
  ASSERT_EQ(RunCrmcore(absl::StrCat("summarize ", log, " --out=", summary)).exit_code, 0);
  EXPECT_THAT(ReadFile(summary), HasSubstr("\"Smith, \"\"J\"\" 0\","));
  const RunResult fit = RunCrmcore(absl::StrCat("fit ", summary, " --model=bgnbd"));
  EXPECT_NE(fit.output.find("bgnbd: r = "), std::string::npos) << fit.output;
  const std::string unbalanced = Path("unbalanced.csv");
  std::ofstream(unbalanced) << "id,frequency,recency,T\n\"a,1,2,3\n";
  const RunResult bad = RunCrmcore(absl::StrCat("fit ", unbalanced, " --model=bgnbd"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr(":2:1: unbalanced quote"));
}

TEST_F(CliTest, EdgeCasesOfScoringOptionsAndData) {
  const std::string log = Path("zero.csv");
  std::ofstream(log) << "customer_id,date,amount\na,2020-01-01,0\nb,2020-02-01,0.00\na,2020-03-01,0\n";
  // All spend zero: scored, shares reported as 0, not a failure.
  const RunResult zero = RunCrmcore(absl::StrCat("score ", log, " --model=none --summary=", Path("z.json")));
  EXPECT_EQ(zero.exit_code, 0) << zero.output;
  EXPECT_THAT(ReadFile(Path("z.json")), HasSubstr("\"value_tier_spend_share\": {\"vip\": 0"));
  // A period far shorter than a day: no overflow (the sanitizer build checks), clean run.
  EXPECT_EQ(RunCrmcore(absl::StrCat("score ", log, " --model=none --quiet --period-days=1e-300")).exit_code, 0);
  // An observation end past year 9999 is refused, not wrapped around.
  const RunResult far = RunCrmcore(absl::StrCat("summarize ", log, " --observation-end=99999-01-01"));
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_THAT(far.output, HasSubstr("after 9999-12-31"));
}

// Covers docs/bad-input.md BI-CLI-03
TEST_F(CliTest, FullStdoutIsAWriteError) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const RunResult run = RunCrmcore(absl::StrCat("summarize ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                                                " > /dev/full"));
  EXPECT_EQ(run.exit_code, 3) << run.output;
}

// ---------------------------------------------------------------------------
// Outputs that never lose data (docs/bad-input.md BI-CLI-06..10).

// Runs `shell_command` (which names the program as $CRMCORE) under sh, stdout and stderr
// together unless the command redirects them itself.
RunResult RunShell(const std::string& shell_command) {
  return RunCommand(
      absl::StrCat("CRMCORE='", CRMCORE_CLI_PATH, "'; export CRMCORE; ", shell_command));
}

// Files in `dir` whose name marks a temporary output (".NAME.crmcore-XXXXXX").
std::vector<std::string> TempFiles(const std::filesystem::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".crmcore-") != std::string::npos) found.push_back(name);
  }
  return found;
}

class CliOutputTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    std::filesystem::copy_file(absl::StrCat(kData, "/CDNOW_sample.txt"), Path("in.txt"));
    original_ = ReadFile(Path("in.txt"));
  }
  std::string Sample(const std::string& command, const std::string& rest) const {
    return absl::StrCat(command, " ", Path("in.txt"), kCdnowSampleFlags, " --model=none --quiet ",
                        rest);
  }
  std::string original_;
};

// Covers docs/bad-input.md BI-CLI-06
TEST_F(CliOutputTest, AnOutputThatIsAnInputOrAnotherOutputIsRefused) {
  std::filesystem::create_symlink(Path("in.txt"), Path("link.txt"));
  std::filesystem::create_hard_link(Path("in.txt"), Path("hard.txt"));
  std::filesystem::create_directories(Path("sub"));
  struct Case {
    std::string command;
    std::string names;  // what the message must name
  };
  const std::vector<Case> cases = {
      {Sample("score", "--out=" + Path("in.txt")), "--out " + Path("in.txt")},
      {Sample("score", "--summary=" + Path("in.txt")), "--summary " + Path("in.txt")},
      {Sample("score", "--out=" + Path("link.txt")), "--out " + Path("link.txt")},
      {Sample("score", "--out=" + Path("hard.txt")), "--out " + Path("hard.txt")},
      {Sample("score", "--out=" + Path("sub/../in.txt")), "--out " + Path("sub/../in.txt")},
      {Sample("summarize", "--out=" + Path("in.txt")), "--out " + Path("in.txt")},
      {absl::StrCat("fit ", Path("in.txt"), kCdnowSampleFlags, " --model=bgnbd --out=",
                    Path("link.txt")),
       "--out " + Path("link.txt")},
  };
  for (const Case& c : cases) {
    const RunResult run = RunCrmcore(c.command);
    EXPECT_EQ(run.exit_code, 2) << c.command << "\n" << run.output;
    EXPECT_THAT(run.output, HasSubstr(absl::StrCat(c.names, " is the same file as the input ",
                                                   Path("in.txt"))));
    EXPECT_EQ(ReadFile(Path("in.txt")), original_) << c.command;
  }
  // Two outputs naming one file (the second spelled through ../) would let the JSON
  // overwrite the table: refused before anything is written.
  const RunResult run = RunCrmcore(
      Sample("score", absl::StrCat("--out=", Path("a.csv"), " --summary=", Path("sub/../a.csv"))));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr(absl::StrCat("--summary ", Path("sub/../a.csv"),
                                                 " is the same file as --out ", Path("a.csv"))));
  EXPECT_FALSE(std::filesystem::exists(Path("a.csv")));
}

// Covers docs/bad-input.md BI-CLI-07
TEST_F(CliOutputTest, AFailedWriteKeepsThePreviousOutputAndSaysWhy) {
  ASSERT_EQ(RunCrmcore(Sample("score", "--out=" + Path("a.csv"))).exit_code, 0);
  const std::string previous = ReadFile(Path("a.csv"));
  ASSERT_GT(previous.size(), 100000u);
  // A file size limit of 8 KiB (SIGXFSZ ignored): writing fails with EFBIG part-way.
  const RunResult run = RunShell(absl::StrCat(
      "(trap '' XFSZ; ulimit -f 16; exec \"$CRMCORE\" ",
      Sample("score", absl::StrCat("--out=", Path("a.csv"), " --period-days=30")), ") 2>&1"));
  EXPECT_EQ(run.exit_code, 3) << run.output;
  EXPECT_THAT(run.output, HasSubstr(absl::StrCat("cannot write ", Path("a.csv"),
                                                 ": File too large")));
  EXPECT_EQ(ReadFile(Path("a.csv")), previous);
  EXPECT_THAT(TempFiles(dir_), ::testing::IsEmpty());
}

// Covers docs/bad-input.md BI-CLI-08
TEST_F(CliOutputTest, AFailingStdoutIsAnErrorForEveryCommand) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  for (const std::string& command :
       {absl::StrCat("summarize ", Path("in.txt"), kCdnowSampleFlags),
        absl::StrCat("score ", Path("in.txt"), kCdnowSampleFlags, " --model=none"),
        absl::StrCat("fit ", kData, "/cdnow_customers_summary.csv --model=bgnbd"),
        absl::StrCat("validate ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                     " --observation-end=1997-09-30 --time-unit=weeks")}) {
    const RunResult run = RunShell(absl::StrCat("\"$CRMCORE\" ", command, " 2>&1 >/dev/full"));
    EXPECT_EQ(run.exit_code, 3) << command << "\n" << run.output;
    EXPECT_THAT(run.output, HasSubstr("cannot write to stdout: No space left on device"));
  }
}

// An interrupted run (SIGINT or SIGTERM, at any moment) leaves the previous output whole
// and no temporary file; a run killed outright (SIGKILL) leaves at most a temporary file,
// which the next run neither reads nor mistakes for its output.
// Covers docs/bad-input.md BI-CLI-09
TEST_F(CliOutputTest, InterruptedAndKilledRunsNeverLeaveAPartialOutput) {
  const std::string master = absl::StrCat(kData, "/CDNOW_master.txt");
  const std::string command = absl::StrCat("\"$CRMCORE\" score ", master, kCdnowMasterFlags,
                                           " --model=none --quiet --out=", Path("s.csv"),
                                           " --summary=", Path("s.json"));
  ASSERT_EQ(RunShell(command).exit_code, 0);
  const std::string table = ReadFile(Path("s.csv"));
  const std::string json = ReadFile(Path("s.json"));
  for (const char* signal : {"INT", "TERM", "KILL"}) {
    for (const int delay_ms : {20, 60, 120, 200, 300}) {
      RunShell(absl::StrCat(command, " & pid=$!; sleep ", delay_ms / 1000.0, "; kill -", signal,
                            " $pid 2>/dev/null; wait $pid 2>/dev/null"));
      // Whatever the moment, each output is the whole previous file (the runs give
      // identical output, so a whole new file reads the same).
      EXPECT_EQ(ReadFile(Path("s.csv")), table) << signal << " after " << delay_ms << " ms";
      EXPECT_EQ(ReadFile(Path("s.json")), json) << signal << " after " << delay_ms << " ms";
      if (std::string(signal) != "KILL") {
        EXPECT_THAT(TempFiles(dir_), ::testing::IsEmpty()) << signal << " after " << delay_ms;
      }
    }
  }
  // Leftovers of killed runs change nothing for the next run.
  ASSERT_EQ(RunShell(command).exit_code, 0);
  EXPECT_EQ(ReadFile(Path("s.csv")), table);
}

// A symlinked output replaces the file it names (the link stays); a device is written in
// place, never replaced.
TEST_F(CliOutputTest, SymlinkedOutputsAndDevicesAreWrittenThrough) {
  std::filesystem::create_directories(Path("real"));
  std::filesystem::create_symlink(Path("real/a.csv"), Path("a.csv"));
  ASSERT_EQ(RunCrmcore(Sample("score", "--out=" + Path("a.csv"))).exit_code, 0);
  EXPECT_TRUE(std::filesystem::is_symlink(Path("a.csv")));
  EXPECT_GT(std::filesystem::file_size(Path("real/a.csv")), 100000u);
  const RunResult run = RunCrmcore(Sample("score", "--out=/dev/null"));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
  // /dev/stdout is whatever stdout is: a pipe is written through, and a file that stdout
  // appends to is appended to, never replaced.
  RunResult piped = RunShell(absl::StrCat("\"$CRMCORE\" ", Sample("summarize", "--out=/dev/stdout"),
                                          " | head -c 40"));
  EXPECT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_THAT(piped.output, ::testing::StartsWith("customer_id,frequency,recency,T"));
  std::ofstream(Path("run.log")) << "earlier line\n";
  RunResult appended = RunShell(absl::StrCat("\"$CRMCORE\" ",
                                             Sample("summarize", "--out=/dev/stdout"), " >> ",
                                             Path("run.log")));
  EXPECT_EQ(appended.exit_code, 0) << appended.output;
  EXPECT_THAT(ReadFile(Path("run.log")), ::testing::StartsWith("earlier line\ncustomer_id,"));
  // A replaced output keeps its permissions: a private table stays private.
  std::filesystem::permissions(Path("real/a.csv"), std::filesystem::perms::owner_read |
                                                       std::filesystem::perms::owner_write);
  ASSERT_EQ(RunCrmcore(Sample("score", "--out=" + Path("a.csv"))).exit_code, 0);
  EXPECT_EQ(std::filesystem::status(Path("real/a.csv")).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// A run started with SIGHUP ignored (nohup) keeps it ignored: hanging up does not end it.
TEST_F(CliOutputTest, AnIgnoredHangUpStaysIgnored) {
  const std::string master = absl::StrCat(kData, "/CDNOW_master.txt");
  const RunResult run = RunShell(absl::StrCat(
      "(trap '' HUP; exec \"$CRMCORE\" score ", master, kCdnowMasterFlags,
      " --model=none --quiet --out=", Path("s.csv"), ") & pid=$!; sleep 0.1; kill -HUP $pid;",
      " wait $pid; echo \"exit=$?\""));
  EXPECT_THAT(run.output, HasSubstr("exit=0"));
  EXPECT_GT(std::filesystem::file_size(Path("s.csv")), 100000u);
}

// Errors name the flags as the user typed them, not the library's option fields.
TEST_F(CliOutputTest, ErrorsNameFlagsAsTyped) {
  struct Case {
    std::string flags, message;
  };
  for (const Case& c : {Case{"--period-days=0", "crmcore: --period-days must be finite and > 0"},
                        Case{"--lost-p-alive=2", "crmcore: --lost-p-alive must be finite"},
                        Case{"--time-unit=years", "crmcore: --time-unit: \"years\""},
                        Case{"--weights=1,0,1,0,0", "crmcore: --weights: the weight of credit"},
                        Case{"--observation-end=1990-01-01",
                             "crmcore: --observation-end 1990-01-01 is before"}}) {
    const RunResult run = RunCrmcore(Sample("score", c.flags));
    EXPECT_NE(run.exit_code, 0) << c.flags;
    EXPECT_THAT(run.output, HasSubstr(c.message)) << c.flags;
  }
  std::ofstream(Path("tiny.csv")) << "customer_id,date,amount\na,2020-01-01,1\nb,2020-01-02,1\n";
  const RunResult run = RunCrmcore(absl::StrCat("score ", Path("tiny.csv"), " --quiet"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("score without one (--model=none) instead"));
  EXPECT_THAT(RunCrmcore("--help").output, HasSubstr("no purchase in\n"));
}

// A bad row of a summary CSV is named by file and line, not by a row index; a row with
// more fields than the header (an unquoted "1,234.56") is one (issue 13 items 4 and 9).
TEST_F(CliOutputTest, SummaryCsvErrorsNameFileAndLine) {
  std::ofstream(Path("s.csv")) << "frequency,recency,T,monetary_value\n2,3,5,10\n\n0,2,5,0\n";
  RunResult run = RunCrmcore(absl::StrCat("fit ", Path("s.csv"), " --model=bgnbd"));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr(absl::StrCat(Path("s.csv"), ":4: frequency x = 0 (no repeat purchase) "
                                                    "needs recency t_x = 0, got 2")));
  std::ofstream(Path("t.csv")) << "frequency,recency,T,monetary_value\n2,3,5,1,234.56\n";
  run = RunCrmcore(absl::StrCat("fit ", Path("t.csv"), " --model=gammagamma"));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr(absl::StrCat(Path("t.csv"), ":2: has 5 fields, the header has 4")));
}

// A log row with more fields than the header is an error through the program too, and
// counted and reported under --lenient.
// Covers docs/bad-input.md BI-ING-25
TEST_F(CliOutputTest, RowWithMoreFieldsThanTheHeaderIsAnError) {
  std::ofstream(Path("log.csv")) << "customer_id,date,amount\na,2020-01-01,5\n"
                                    "b,2020-01-02,1,234.56\na,2020-02-01,7\n";
  RunResult run = RunCrmcore(absl::StrCat("summarize ", Path("log.csv")));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr(absl::StrCat(
                              Path("log.csv"), ":3:16: field 'columns': the row has 4 fields, "
                                               "the header has 3")));
  run = RunCrmcore(absl::StrCat("summarize ", Path("log.csv"), " --lenient --quiet"));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("skipped 1 bad rows"));
  EXPECT_THAT(run.output, HasSubstr("log.csv:3:16: field 'columns'"));
}

// Every flag is checked before any input is read or output written: a bad --top with
// --quiet too.
// Covers docs/bad-input.md BI-CLI-10
TEST_F(CliOutputTest, BadFlagsAreRefusedBeforeAnythingIsWritten) {
  for (const std::string& flags : {std::string("--top=-1"), std::string("--top=-1 --quiet")}) {
    const RunResult run = RunCrmcore(absl::StrCat("score ", Path("in.txt"), kCdnowSampleFlags,
                                                  " --model=none ", flags, " --out=",
                                                  Path("a.csv")));
    EXPECT_EQ(run.exit_code, 1) << run.output;
    EXPECT_THAT(run.output, HasSubstr("--top must be >= 0"));
    EXPECT_FALSE(std::filesystem::exists(Path("a.csv")));
  }
}

// `fit --out` writes a model file; `score --model-file` scores with it exactly as a run
// that fits the same models.
TEST_F(CliTest, ScoreWithSavedModelsEqualsScoreThatFits) {
  const std::string log = kData + "/CDNOW_master.txt";
  const std::string flags = absl::StrCat(kCdnowMasterFlags, " --time-unit=weeks");
  for (const char* model : {"bgnbd", "gammagamma"}) {
    const RunResult fit = RunCrmcore(absl::StrCat("fit ", log, flags, " --model=", model,
                                                  " --out=", Path(absl::StrCat(model, ".json"))));
    ASSERT_EQ(fit.exit_code, 0) << fit.output;
  }
  const std::string json = ReadFile(Path("bgnbd.json"));
  EXPECT_THAT(json, HasSubstr("\"time_unit\": \"weeks\""));
  EXPECT_THAT(json, HasSubstr("\"format\": \"crmcore-model\", \"format_version\": 1"));
  EXPECT_THAT(json, HasSubstr("\"customers\": 23570"));

  const RunResult fitted =
      RunCrmcore(absl::StrCat("score ", log, flags, " --quiet --out=", Path("fitted.csv")));
  ASSERT_EQ(fitted.exit_code, 0) << fitted.output;
  const RunResult saved = RunCrmcore(absl::StrCat(
      "score ", log, flags, " --quiet --out=", Path("saved.csv"), " --model-file=",
      Path("bgnbd.json"), ",", Path("gammagamma.json")));
  ASSERT_EQ(saved.exit_code, 0) << saved.output;
  EXPECT_EQ(ReadFile(Path("saved.csv")), ReadFile(Path("fitted.csv")));
  // With the BG/NBD model alone, Gamma-Gamma is fitted: the same again.
  const RunResult bgnbd_only = RunCrmcore(absl::StrCat(
      "score ", log, flags, " --quiet --out=", Path("bgnbd_only.csv"), " --model-file=",
      Path("bgnbd.json")));
  ASSERT_EQ(bgnbd_only.exit_code, 0) << bgnbd_only.output;
  EXPECT_EQ(ReadFile(Path("bgnbd_only.csv")), ReadFile(Path("fitted.csv")));
}

// score and report choose the purchase model (issue 15): every kind scores the sample, its
// summary JSON names the kind, a saved model of that kind scores as the fit, and the
// penalizer of a penalized fit is stated.
// Covers docs/bad-input.md BI-CLI-14
TEST_F(CliTest, ScoreChoosesThePurchaseModel) {
  const std::string log = absl::StrCat(kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                                       " --observation-end=1997-09-30 --time-unit=weeks");
  for (const char* model : {"pareto", "mbgnbd", "bgbb", "sbg"}) {
    SCOPED_TRACE(model);
    const std::string out = Path(absl::StrCat(model, ".csv"));
    const std::string summary = Path(absl::StrCat(model, ".json"));
    const RunResult run = RunCrmcore(absl::StrCat("score ", log, " --model=", model,
                                                  " --out=", out, " --summary=", summary));
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_THAT(ReadFile(summary),
                HasSubstr(absl::StrCat("\"lifetime_model\": [{\"model\": \"", model, "\"")));
    EXPECT_THAT(ReadFile(out), HasSubstr(",p_alive,expected_purchases,expected_mean_spend,clv"));
  }
  const RunResult sbg = RunCrmcore(absl::StrCat("score ", log, " --model=sbg --quiet --out=",
                                                Path("sbg2.csv"), " --top=0"));
  ASSERT_EQ(sbg.exit_code, 0) << sbg.output;
  const RunResult text = RunCrmcore(absl::StrCat("score ", log, " --model=bgbb --top=0"));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("fitted on the calibration purchases in whole CLV periods"));
  EXPECT_THAT(text.output, HasSubstr("periods with a purchase expected"));

  // A saved MBG/NBD model scores byte for byte as the fit.
  ASSERT_EQ(RunCrmcore(absl::StrCat("fit ", log, " --model=mbgnbd --out=", Path("m.json")))
                .exit_code,
            0);
  const RunResult saved = RunCrmcore(absl::StrCat("score ", log, " --quiet --out=",
                                                  Path("saved.csv"), " --model-file=",
                                                  Path("m.json")));
  ASSERT_EQ(saved.exit_code, 0) << saved.output;
  EXPECT_EQ(ReadFile(Path("saved.csv")), ReadFile(Path("mbgnbd.csv")));

  const RunResult penalized =
      RunCrmcore(absl::StrCat("score ", log, " --quiet --penalizer=0.001 --summary=",
                              Path("penalized.json")));
  ASSERT_EQ(penalized.exit_code, 0) << penalized.output;
  EXPECT_THAT(ReadFile(Path("penalized.json")), HasSubstr("\"penalizer\": 0.001,"));

  const RunResult bad = RunCrmcore(absl::StrCat("score ", log, " --model=gammagamma"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("--model must be bgnbd, pareto, mbgnbd, bgbb, sbg or none, "
                                    "got \"gammagamma\""));
  // A saved BG/BB model does not state its period length: refused, not guessed.
  const std::string pattern = kData + "/donations.csv";
  const RunResult bgbb_fit = RunCrmcore(absl::StrCat(
      "fit ", pattern, " --model=bgbb --periods-col=periods --weights-col=weights --out=",
      Path("bgbb.json")));
  ASSERT_EQ(bgbb_fit.exit_code, 0) << bgbb_fit.output;
  const RunResult bgbb_file = RunCrmcore(absl::StrCat("score ", log, " --quiet --model-file=",
                                                      Path("bgbb.json")));
  EXPECT_EQ(bgbb_file.exit_code, 2);
  EXPECT_THAT(bgbb_file.output, HasSubstr("a saved \"bgbb\" model does not state the length of "
                                          "its periods; score with --model=bgbb"));
  const RunResult odd = RunCrmcore(absl::StrCat("score ", log, " --model=bgbb --horizon=10"));
  EXPECT_EQ(odd.exit_code, 2);
  EXPECT_THAT(odd.output, HasSubstr("the horizon must be a whole number of CLV periods"));
}

// The report with a period model says why the continuous-time charts are not drawn.
TEST_F(CliTest, ReportWithAPeriodModel) {
  const std::string log = absl::StrCat(kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                                       " --observation-end=1997-09-30 --time-unit=weeks");
  const RunResult run = RunCrmcore(
      absl::StrCat("report ", log, " --model=bgbb --out=", Path("bgbb.html")));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string page = ReadFile(Path("bgbb.html"));
  EXPECT_THAT(page, HasSubstr("model counts whole periods: BG/BB."));
  EXPECT_THAT(page, HasSubstr("<h3>BG/BB</h3>"));
  EXPECT_THAT(page, HasSubstr("Expected periods with a purchase"));
  EXPECT_THAT(page, HasSubstr("data-key=\"bgbb.alpha\""));
}

// A summary CSV does not state its unit: the model file says null unless --time-unit did.
TEST_F(CliTest, ModelFileStatesTheTimeUnitOnlyWhenKnown) {
  const std::string summary = kData + "/cdnow_customers_summary.csv";
  ASSERT_EQ(RunCrmcore(absl::StrCat("fit ", summary, " --model=bgnbd --out=", Path("a.json")))
                .exit_code,
            0);
  EXPECT_THAT(ReadFile(Path("a.json")), HasSubstr("\"time_unit\": null"));
  ASSERT_EQ(RunCrmcore(absl::StrCat("fit ", summary, " --model=bgnbd --time-unit=weeks --out=",
                                    Path("b.json")))
                .exit_code,
            0);
  EXPECT_THAT(ReadFile(Path("b.json")), HasSubstr("\"time_unit\": \"weeks\""));
}

// Covers docs/bad-input.md BI-MODEL-FILE
TEST_F(CliTest, BadModelFilesAreRefusedBeforeScoring) {
  const std::string log = kData + "/CDNOW_sample.txt";
  const std::string summary = kData + "/cdnow_customers_summary.csv";
  ASSERT_EQ(RunCrmcore(absl::StrCat("fit ", summary, " --model=bgnbd --time-unit=weeks --out=",
                                    Path("weeks.json")))
                .exit_code,
            0);
  ASSERT_EQ(RunCrmcore(absl::StrCat("fit ", summary, " --model=pareto --out=", Path("p.json")))
                .exit_code,
            0);
  std::ofstream(Path("broken.json")) << "{\"model\": \"bgnbd\", ";
  auto score = [&](const std::string& extra) {
    return RunCrmcore(absl::StrCat("score ", log, kCdnowSampleFlags, " --quiet --out=",
                                   Path("out.csv"), " ", extra));
  };
  RunResult run = score(absl::StrCat("--model-file=", Path("weeks.json")));  // days
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("fitted with recency and T in weeks, but --time-unit is days"));
  run = score(absl::StrCat("--model=bgnbd --model-file=", Path("p.json")));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("the file holds a \"pareto\" model, but --model is \"bgnbd\""));
  run = score(absl::StrCat("--model-file=", Path("broken.json")));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr(absl::StrCat(Path("broken.json"),
                                                 ": not a model file: invalid JSON at byte")));
  run = score(absl::StrCat("--model-file=", Path("missing.json")));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr(absl::StrCat("cannot open ", Path("missing.json"))));
  // A model file is an input: an output over it is refused before anything is written.
  run = RunCrmcore(absl::StrCat("score ", log, kCdnowSampleFlags, " --time-unit=weeks --quiet",
                                " --model-file=", Path("weeks.json"), " --summary=",
                                Path("weeks.json")));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("is the same file as --model-file"));
  EXPECT_THAT(ReadFile(Path("weeks.json")), HasSubstr("\"format\": \"crmcore-model\""));
  run = score(absl::StrCat("--model=none --model-file=", Path("weeks.json")));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("--model-file needs a lifetime model"));
  run = score(absl::StrCat("--time-unit=weeks --model-file=", Path("weeks.json"), ",",
                           Path("weeks.json")));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("a second purchase model file"));
  EXPECT_FALSE(std::filesystem::exists(Path("out.csv")));
  run = RunCrmcore(absl::StrCat("summarize ", log, kCdnowSampleFlags, " --model-file=",
                                Path("weeks.json")));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("--model-file is a flag of score"));
}

}  // namespace

namespace {

// The number after `"key": ` in `json` (the first occurrence).
double JsonNumber(const std::string& json, const std::string& key) {
  const std::string needle = absl::StrCat("\"", key, "\": ");
  const size_t at = json.find(needle);
  if (at == std::string::npos) return std::nan("");
  return std::strtod(json.c_str() + at + needle.size(), nullptr);
}

// Fader, Hardie & Lee (2005): the BG/NBD fitted on the 39-week calibration of the CDNOW
// sample (r = 0.243, alpha = 4.414, a = 0.793, b = 2.426) and compared with the 39-week
// holdout: the by-frequency table of their Figure 4 and the 78-week tracking of Figure 2.
TEST_F(CliTest, ValidateComparesTheCdnowHoldout) {
  const std::string out = Path("validation.json");
  const RunResult run =
      RunCrmcore(absl::StrCat("validate ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                              " --observation-end=1997-09-30 --time-unit=weeks --out=", out));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("bgnbd fitted on 2357 customers to 1997-09-30"));
  const std::string json = ReadFile(out);
  for (const char* key : {"\"model\": \"bgnbd\"", "\"params\": {", "\"calibration_end\": \"1997-09-30\"",
                          "\"holdout_end\": \"1998-06-30\"", "\"holdout_duration\": 39,",
                          "\"by_frequency\": [", "\"correlation\": ", "\"mae\": ", "\"tracking\": {",
                          "\"weeks\": [1, 2, 3,", "\"actual_cumulative\": [", "\"expected_cumulative\": [",
                          "\"actual_incremental\": [", "\"expected_incremental\": [",
                          "{\"frequency\": 7, \"frequency_label\": \"7+\", \"customers\": 64,"}) {
    EXPECT_THAT(json, HasSubstr(key));
  }
  EXPECT_NEAR(JsonNumber(json, "r"), 0.243, 0.0005);
  EXPECT_NEAR(JsonNumber(json, "alpha"), 4.414, 0.0005);
  EXPECT_NEAR(JsonNumber(json, "a"), 0.793, 0.0005);
  EXPECT_NEAR(JsonNumber(json, "b"), 2.426, 0.0005);
  // x = 0: 1,411 customers, 334 holdout purchases among them, 0.225 expected each.
  EXPECT_THAT(json, HasSubstr("{\"frequency\": 0, \"customers\": 1411, \"actual\": 0.2367115"));
  const size_t zero = json.find("{\"frequency\": 0,");
  EXPECT_NEAR(JsonNumber(json.substr(zero), "expected"), 0.225, 0.001);
  // The whole holdout: 1,882 actual repeat purchases.
  EXPECT_EQ(JsonNumber(json, "actual_total"), 1882.0);
  EXPECT_NEAR(JsonNumber(json, "expected_total"), 1653.4, 0.5);
  EXPECT_GT(JsonNumber(json, "correlation"), 0.6);
  // 77 whole weeks and the last, partial one ending on 1998-06-30 (545 days after 1997-01-01).
  EXPECT_THAT(json, HasSubstr("77, 77.85714285714286]"));

  // Without --out the JSON goes to stdout, and nothing else.
  const RunResult to_stdout =
      RunCrmcore(absl::StrCat("validate ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                              " --observation-end=1997-09-30 --time-unit=weeks --model=pareto"));
  ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.output;
  EXPECT_EQ(to_stdout.output.substr(0, 2), "{\n");
  EXPECT_THAT(to_stdout.output, HasSubstr("\"model\": \"pareto\""));
  EXPECT_NEAR(JsonNumber(to_stdout.output, "s"), 0.606, 0.0005);

  // MBG/NBD validates the same way; its fit is lifetimes' ModifiedBetaGeoFitter's.
  const RunResult mbg =
      RunCrmcore(absl::StrCat("validate ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                              " --observation-end=1997-09-30 --time-unit=weeks --model=mbgnbd"));
  ASSERT_EQ(mbg.exit_code, 0) << mbg.output;
  EXPECT_THAT(mbg.output, HasSubstr("\"model\": \"mbgnbd\""));
  EXPECT_NEAR(JsonNumber(mbg.output, "b"), 1.614, 0.0005);
  EXPECT_THAT(mbg.output, HasSubstr("\"by_frequency\""));
}

TEST_F(CliTest, HoldoutEndShortensTheHoldout) {
  const RunResult validate = RunCrmcore(
      absl::StrCat("validate ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                   " --observation-end=1997-09-30 --holdout-end=1998-03-31 --time-unit=weeks"));
  ASSERT_EQ(validate.exit_code, 0) << validate.output;
  EXPECT_THAT(validate.output, HasSubstr("\"holdout_duration\": 26,"));  // 182 days
  EXPECT_THAT(validate.output, HasSubstr("\"holdout_end\": \"1998-03-31\""));

  const std::string out = Path("summary.csv");
  const RunResult summarize = RunCrmcore(
      absl::StrCat("summarize ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                   " --observation-end=1997-09-30 --holdout-end=1998-03-31 --time-unit=weeks --out=",
                   out));
  ASSERT_EQ(summarize.exit_code, 0) << summarize.output;
  const std::vector<std::string> lines = Lines(ReadFile(out));
  ASSERT_GT(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "customer_id,frequency,recency,T,monetary_value,holdout_frequency,"
            "holdout_monetary_value,duration_holdout");
  EXPECT_THAT(lines[1], ::testing::EndsWith(",26"));

  const RunResult score = RunCrmcore(
      absl::StrCat("score ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                   " --observation-end=1997-09-30 --holdout-end=1998-03-31 --model=none --quiet --out=",
                   Path("score.csv")));
  ASSERT_EQ(score.exit_code, 0) << score.output;
  EXPECT_THAT(ReadFile(Path("score.csv")), HasSubstr(",holdout_monetary_value,duration_holdout,"));
}

// Covers docs/bad-input.md BI-CLI-01, BI-CLI-11 (validate and --holdout-end flags)
TEST_F(CliTest, ValidateAndHoldoutEndRejectBadFlags) {
  const std::string log = absl::StrCat(kData, "/CDNOW_sample.txt", kCdnowSampleFlags);
  RunResult run = RunCrmcore(absl::StrCat("validate ", log, " --time-unit=weeks"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("validate: --observation-end (the end of calibration) is required"));
  run = RunCrmcore(absl::StrCat("validate ", log, " --observation-end=1997-09-30 --model=weibull"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("validate: --model must be bgnbd, pareto or mbgnbd, got \"weibull\""));
  run = RunCrmcore(absl::StrCat("validate ", log,
                                " --observation-end=1997-09-30 --holdout-end=1997-09-01"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output,
              HasSubstr("--holdout-end 1997-09-01 is before --observation-end 1997-09-30"));
  run = RunCrmcore(absl::StrCat("summarize ", log, " --holdout-end=1998-01-01"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("--holdout-end needs --observation-end"));
  run = RunCrmcore(absl::StrCat("score ", log, " --observation-end=1997-09-30 --holdout-end=1998/01/01"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("--holdout-end must be a date YYYY-MM-DD, got \"1998/01/01\""));
  // A log that ends on the observation end leaves no holdout to compare with.
  run = RunCrmcore(absl::StrCat("validate ", log, " --observation-end=1998-06-30"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("leaving no holdout after --observation-end 1998-06-30"));
}

}  // namespace

namespace {

// The penalizer reaches the fit (lifetimes' BetaGeoFitter(penalizer_coef=0.1) on CDNOW:
// r 0.2309, alpha 4.2193, a 0.1287, b 0.2671), and the text shows standard errors.
TEST_F(CliTest, FitPenalizerAndStandardErrors) {
  const std::string summary = kData + "/cdnow_customers_summary.csv";
  const RunResult plain = RunCrmcore(absl::StrCat("fit ", summary, " --model=bgnbd"));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  // lifetimes' summary: se(r) 0.0126, se(alpha) 0.378, se(a) 0.186, se(b) 0.705.
  EXPECT_THAT(plain.output, HasSubstr("r: standard error 0.0125"));
  EXPECT_THAT(plain.output, HasSubstr("alpha: standard error 0.378"));
  EXPECT_THAT(plain.output, HasSubstr("b: standard error 0.705"));
  const RunResult penalized =
      RunCrmcore(absl::StrCat("fit ", summary, " --model=bgnbd --penalizer=0.1"));
  ASSERT_EQ(penalized.exit_code, 0) << penalized.output;
  EXPECT_THAT(penalized.output, HasSubstr("r = 0.2309, alpha = 4.2193, a = 0.1287, b = 0.2671"));
}

// score --intervals: the eight bound columns, each bracketing its value, and the totals
// with delta-method and (seeded, reproducible) bootstrap intervals in --summary.
TEST_F(CliTest, ScoreIntervalsAddBoundsAndTotals) {
  const std::string base = absl::StrCat(
      "score ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
      " --observation-end=1997-09-30 --time-unit=weeks --quiet --intervals"
      " --bootstrap-samples=40 --seed=3");
  const RunResult run = RunCrmcore(absl::StrCat(base, " --out=", Path("s.csv"), " --summary=",
                                                Path("s.json")));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::vector<std::string> lines = Lines(ReadFile(Path("s.csv")));
  ASSERT_EQ(lines.size(), 2358u);
  const std::vector<std::string> header = absl::StrSplit(lines[0], ',');
  const std::vector<std::string> names = {
      "p_alive", "expected_purchases", "expected_mean_spend", "clv"};
  auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  EXPECT_THAT(lines[0], HasSubstr(",p_alive_lo,p_alive_hi,expected_purchases_lo,"
                                  "expected_purchases_hi,expected_mean_spend_lo,"
                                  "expected_mean_spend_hi,clv_lo,clv_hi"));
  for (size_t r = 1; r < lines.size(); ++r) {
    const std::vector<std::string> fields = absl::StrSplit(lines[r], ',');
    for (const std::string& name : names) {
      double value = 0, lo = 0, hi = 0;
      ASSERT_TRUE(absl::SimpleAtod(fields[column(name)], &value));
      ASSERT_TRUE(absl::SimpleAtod(fields[column(name + "_lo")], &lo));
      ASSERT_TRUE(absl::SimpleAtod(fields[column(name + "_hi")], &hi));
      EXPECT_LE(lo, value) << name << " row " << r;
      EXPECT_GE(hi, value) << name << " row " << r;
      EXPECT_GE(lo, 0.0);
      if (name == "p_alive") {
        EXPECT_LE(hi, 1.0);
      }
    }
  }
  const std::string json = ReadFile(Path("s.json"));
  EXPECT_THAT(json, HasSubstr("\"lifetime_totals\": {\"expected_purchases\": {\"value\": "));
  EXPECT_THAT(json, HasSubstr("\"bootstrap_lo\": "));
  EXPECT_THAT(json, HasSubstr("\"bootstrap_samples\": 40"));
  EXPECT_THAT(json, HasSubstr("\"clv\": {\"value\": "));
  // The same seed draws the same bootstrap.
  const RunResult again = RunCrmcore(absl::StrCat(base, " --summary=", Path("t.json")));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(ReadFile(Path("t.json")), json);
  // The report states the totals' intervals.
  const RunResult report = RunCrmcore(absl::StrCat(
      "score ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
      " --observation-end=1997-09-30 --time-unit=weeks --intervals --bootstrap-samples=0"
      " --top=0"));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_THAT(report.output, HasSubstr("95% interval of purchases: delta method ["));
  EXPECT_THAT(report.output, HasSubstr("95% interval of CLV: delta method ["));
  EXPECT_THAT(report.output, ::testing::Not(HasSubstr("bootstrap [")));
  // Without --intervals: no bounds and no totals.
  const RunResult plain = RunCrmcore(absl::StrCat(
      "score ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
      " --observation-end=1997-09-30 --time-unit=weeks --quiet --out=", Path("p.csv"),
      " --summary=", Path("p.json")));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_THAT(Lines(ReadFile(Path("p.csv")))[0], ::testing::Not(HasSubstr("_lo")));
  EXPECT_THAT(ReadFile(Path("p.json")), ::testing::Not(HasSubstr("lifetime_totals")));
}

// Covers docs/bad-input.md BI-CLI-01 (--penalizer, --intervals, --bootstrap-samples, --seed).
TEST_F(CliTest, BadPenalizerAndIntervalFlagsExitWithOne) {
  const std::string log = absl::StrCat(kData, "/CDNOW_sample.txt", kCdnowSampleFlags);
  const std::string summary = kData + "/cdnow_customers_summary.csv";
  struct Case {
    std::string arguments;
    std::string message;
  };
  const std::vector<Case> cases = {
      {absl::StrCat("fit ", summary, " --model=bgnbd --penalizer=-0.5"),
       "--penalizer must be finite and >= 0, got -0.5"},
      {absl::StrCat("fit ", summary, " --model=bgnbd --penalizer=nan"),
       "--penalizer must be finite and >= 0, got nan"},
      {absl::StrCat("score ", log, " --penalizer=inf"), "--penalizer must be finite"},
      {absl::StrCat("score ", log, " --penalizer=abc"), "penalizer"},
      {absl::StrCat("score ", log, " --intervals --bootstrap-samples=5"),
       "--bootstrap-samples must be 0 or in [20, 1000000], got 5"},
      {absl::StrCat("score ", log, " --intervals --model=none"),
       "--intervals needs a lifetime model"},
      {absl::StrCat("fit ", summary, " --model=bgnbd --intervals"), "for score and report only"},
      {absl::StrCat("score ", log, " --intervals --seed=-1"), "seed"},
  };
  for (const Case& c : cases) {
    const RunResult run = RunCrmcore(c.arguments);
    EXPECT_EQ(run.exit_code, 1) << c.arguments << "\n" << run.output;
    EXPECT_THAT(run.output, HasSubstr(c.message)) << c.arguments;
  }
}

// `crmcore report`: the golden structure of the CDNOW page. Every section is there, and
// every figure the page carries (its data-key / data-value twins) equals the score
// summary JSON's value for the same run: the page and the JSON come from one code path.
std::map<std::string, std::string> PageFigures(const std::string& page) {
  std::map<std::string, std::string> figures;
  const std::string key_attr = "data-key=\"", value_attr = "\" data-value=\"";
  for (size_t at = page.find(key_attr); at != std::string::npos; at = page.find(key_attr, at + 1)) {
    const size_t key_start = at + key_attr.size();
    const size_t key_end = page.find(value_attr, key_start);
    const size_t value_end = page.find('"', key_end + value_attr.size());
    if (key_end == std::string::npos || value_end == std::string::npos) break;
    figures[page.substr(key_start, key_end - key_start)] =
        page.substr(key_end + value_attr.size(), value_end - key_end - value_attr.size());
  }
  return figures;
}

// The "key": value pairs of the summary JSON, nested objects flattened to "object.key"
// (the writer puts one top-level key per line and nests flat objects on it).
std::map<std::string, std::string> JsonFigures(const std::string& json) {
  std::map<std::string, std::string> figures;
  const auto unquote = [](std::string v) {
    if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
    return v;
  };
  for (const std::string& line : Lines(json)) {
    const size_t colon = line.find("\": ");
    if (line.size() < 4 || line.substr(0, 3) != "  \"" || colon == std::string::npos) continue;
    const std::string key = line.substr(3, colon - 3);
    std::string rest = line.substr(colon + 3);
    if (!rest.empty() && rest.back() == ',') rest.pop_back();
    if (rest.front() == '{') {
      for (absl::string_view pair : absl::StrSplit(rest.substr(1, rest.size() - 2), ", ")) {
        const std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits(": ", 1));
        if (kv.size() == 2) figures[key + "." + unquote(kv[0])] = unquote(kv[1]);
      }
    } else {
      figures[key] = unquote(rest);
    }
  }
  return figures;
}

TEST_F(CliTest, ReportCdnowPageMatchesTheScoreSummary) {
  const std::string flags = absl::StrCat(kCdnowMasterFlags, " --observation-end=1997-09-30 --time-unit=weeks");
  const RunResult score = RunCrmcore(absl::StrCat("score ", kData, "/CDNOW_master.txt", flags,
                                                  " --top=1 --summary=", Path("summary.json")));
  ASSERT_EQ(score.exit_code, 0) << score.output;
  const RunResult report = RunCrmcore(absl::StrCat("report ", kData, "/CDNOW_master.txt", flags,
                                                   " --out=", Path("report.html")));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_EQ(report.output, "");  // the page goes to --out, nothing to the terminal
  const std::string page = ReadFile(Path("report.html"));
  EXPECT_LE(page.size(), size_t{5} << 20);
  for (const char* id : {"headline", "pyramid", "ladder", "rfm", "model-grids", "holdout", "value",
                         "customers", "model"}) {
    EXPECT_NE(page.find(absl::StrCat("<section id=\"", id, "\">")), std::string::npos) << id;
  }

  const std::map<std::string, std::string> shown = PageFigures(page);
  const std::map<std::string, std::string> json = JsonFigures(ReadFile(Path("summary.json")));
  int compared = 0;
  for (const auto& [key, value] : json) {
    const bool counted = absl::StartsWith(key, "value_tier") || absl::StartsWith(key, "ladder_") ||
                         absl::StartsWith(key, "lifecycle_stage.") ||
                         absl::StartsWith(key, "relationship_stage.") ||
                         absl::StartsWith(key, "loyalty_class.");
    const bool scalar = key == "rows_read" || key == "rows_skipped" || key == "transactions" ||
                        key == "customers" || key == "customers_scored" ||
                        key == "customers_first_seen_in_holdout" || key == "observation_end" ||
                        key == "time_unit" || key == "spend_model_excluded" || key == "horizon" ||
                        key == "total_clv";
    if (!counted && !scalar) continue;
    ASSERT_TRUE(shown.count(key)) << "the page has no figure " << key;
    EXPECT_EQ(shown.at(key), value) << key;
    ++compared;
  }
  // 4 tiers x 2, 7 rungs + 5 conversions, 4 + 5 + 5 stages and classes, 11 scalars.
  EXPECT_EQ(compared, 8 + 12 + 14 + 11);
  // The RFM cells add up to the customers scored; the top customer is score's.
  EXPECT_EQ(shown.at("rfm_customers_total"), json.at("customers_scored"));
  const std::vector<std::string> lines = Lines(score.output);
  bool top_found = false;
  for (size_t i = 0; i + 2 < lines.size(); ++i) {
    if (absl::StartsWith(lines[i], "Top 1 customers")) {
      EXPECT_THAT(lines[i + 2], HasSubstr(absl::StrCat(" ", shown.at("top_customers.1"), " ")));
      top_found = true;
    }
  }
  EXPECT_TRUE(top_found) << score.output;
  // The lifetime models' parameters are the JSON's (its "params" objects, BG/NBD first).
  const std::string summary = ReadFile(Path("summary.json"));
  EXPECT_THAT(summary, HasSubstr(absl::StrCat("\"r\": ", shown.at("bgnbd.r"), ", \"alpha\": ",
                                              shown.at("bgnbd.alpha"))));
  EXPECT_THAT(summary, HasSubstr(absl::StrCat("\"p\": ", shown.at("gammagamma.p"))));

  // The Chinese page has the same figures.
  const RunResult zh = RunCrmcore(absl::StrCat("report ", kData, "/CDNOW_master.txt", flags,
                                               " --lang=zh --out=", Path("report_zh.html"),
                                               " --summary=", Path("report_summary.json")));
  ASSERT_EQ(zh.exit_code, 0) << zh.output;
  const std::string zh_page = ReadFile(Path("report_zh.html"));
  // report --summary writes score's JSON for the same run.
  EXPECT_EQ(ReadFile(Path("report_summary.json")), ReadFile(Path("summary.json")));
  EXPECT_NE(zh_page.find("<html lang=\"zh-Hans\">"), std::string::npos);
  EXPECT_EQ(PageFigures(zh_page), shown);
}

// Covers docs/bad-input.md BI-CLI-12
TEST_F(CliTest, ReportRefusesABadLanguageAndReportsAnUnwritableOutput) {
  const RunResult lang = RunCrmcore(absl::StrCat("report ", kData, "/CDNOW_master.txt", kCdnowMasterFlags,
                                                 " --lang=fr --out=", Path("r.html")));
  EXPECT_EQ(lang.exit_code, 1);
  EXPECT_THAT(lang.output, HasSubstr("--lang must be en or zh, got \"fr\""));
  EXPECT_FALSE(std::filesystem::exists(Path("r.html")));
  const RunResult unwritable = RunCrmcore(absl::StrCat("report ", kData, "/CDNOW_master.txt",
                                                       kCdnowMasterFlags, " --out=", Path("no/such/dir/r.html")));
  EXPECT_EQ(unwritable.exit_code, 3) << unwritable.output;
  EXPECT_THAT(unwritable.output, HasSubstr("cannot write"));
}

// A weighted summary (one row per distinct history, --weights-col counting its customers)
// fits exactly as the customer-level summary does.
// Covers docs/bad-input.md BI-CLI-13
TEST_F(CliTest, WeightedSummaryFitsAsTheCustomersItStandsFor) {
  std::ifstream in(kData + "/cdnow_customers_summary.csv");
  std::string line;
  std::getline(in, line);  // ID,frequency,recency,T
  std::map<std::string, int> count;
  std::vector<std::string> order;
  while (std::getline(in, line)) {
    const std::string history = line.substr(line.find(',') + 1);
    if (count[history]++ == 0) order.push_back(history);
  }
  std::ofstream weighted(Path("weighted.csv"));
  weighted << "frequency,recency,T,customers\n";
  for (const std::string& history : order) weighted << history << "," << count[history] << "\n";
  weighted.close();
  ASSERT_LT(order.size(), 2357u);
  for (const char* model : {"bgnbd", "pareto"}) {
    const RunResult plain = RunCrmcore(absl::StrCat("fit ", kData, "/cdnow_customers_summary.csv",
                                                    " --model=", model, " --out=", Path("a.json")));
    ASSERT_EQ(plain.exit_code, 0) << plain.output;
    const RunResult grouped =
        RunCrmcore(absl::StrCat("fit ", Path("weighted.csv"), " --model=", model,
                                " --weights-col=customers --out=", Path("b.json")));
    ASSERT_EQ(grouped.exit_code, 0) << grouped.output;
    EXPECT_EQ(ReadFile(Path("a.json")), ReadFile(Path("b.json"))) << model;
  }
  std::ofstream(Path("negative.csv")) << "frequency,recency,T,customers\n1,2,3,4\n0,0,5,-2\n";
  RunResult run = RunCrmcore(absl::StrCat("fit ", Path("negative.csv"),
                                          " --model=bgnbd --weights-col=customers"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("negative.csv:3:7: field 'customers': weight \"-2\" must be >= 0"));
  run = RunCrmcore(absl::StrCat("fit ", Path("weighted.csv"), " --model=bgnbd --weights-col=n"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("no column named \"n\""));
  run = RunCrmcore(absl::StrCat("fit ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
                                " --model=bgnbd --weights-col=customers"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("--weights-col needs a summary CSV"));
}

// report --intervals shows the headline totals' 95 % intervals, around the totals.
TEST_F(CliTest, ReportWithIntervalsShowsThemAroundTheHeadlineTotals) {
  const RunResult run = RunCrmcore(absl::StrCat(
      "report ", kData, "/CDNOW_sample.txt", kCdnowSampleFlags,
      " --time-unit=weeks --observation-end=1997-09-30 --intervals --bootstrap-samples=0 --out=",
      Path("r.html")));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::map<std::string, std::string> figures = PageFigures(ReadFile(Path("r.html")));
  for (const char* key : {"total_clv", "expected_purchases_total"}) {
    const std::string prefix = std::string(key) == "total_clv" ? "total_clv" : "expected_purchases";
    ASSERT_TRUE(figures.count(prefix + "_lower") && figures.count(prefix + "_upper")) << key;
    double lower = 0, value = 0, upper = 0;
    ASSERT_TRUE(absl::SimpleAtod(figures.at(prefix + "_lower"), &lower));
    ASSERT_TRUE(absl::SimpleAtod(figures.at(key), &value));
    ASSERT_TRUE(absl::SimpleAtod(figures.at(prefix + "_upper"), &upper));
    EXPECT_LT(lower, value) << key;
    EXPECT_LT(value, upper) << key;
  }
}

}  // namespace

// Runs the installed-style `crmcore` program as a user would and checks its outputs,
// exit codes and messages.
#include <sys/wait.h>

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
              HasSubstr("bgnbd, pareto or gammagamma"));
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
            "holdout_monetary_value");
  for (size_t i = 1; i < published.size(); ++i) {
    const std::vector<std::string> want = absl::StrSplit(published[i], ',');
    const std::vector<std::string> got = absl::StrSplit(ours[i], ',');
    ASSERT_EQ(want.size(), 4u);
    ASSERT_EQ(got.size(), 7u);
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
        absl::StrCat("fit ", kData, "/cdnow_customers_summary.csv --model=bgnbd")}) {
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

// Covers docs/bad-input.md BI-CLI-11
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

}  // namespace

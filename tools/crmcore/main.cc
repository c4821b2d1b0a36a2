// crmcore: the command-line program. A transaction log goes in; a per-customer table
// and a population summary come out. Run `crmcore --help` for the interface.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crmcore/bgnbd.h"
#include "crmcore/customer_occasions.h"
#include "crmcore/customer_scoring.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/holdout_validation.h"
#include "crmcore/lifetime_predictions.h"
#include "crmcore/model_file.h"
#include "crmcore/mbgnbd.h"
#include "crmcore/html_report.h"
#include "crmcore/model_fit.h"
#include "crmcore/pareto_nbd.h"
#include "crmcore/summary_csv.h"
#include "crmcore/rfm_summary.h"
#include "crmcore/status.h"
#include "crmcore/transaction_log.h"
#include "crmcore/version.h"
#include "model_inputs.h"
#include "output.h"
#include "safe_output.h"
#include "validation_output.h"

// Flag names use '_' because they are C++ identifiers; main() accepts the documented
// '-' spellings (--customer-col) by rewriting them before absl parses the command line.
ABSL_FLAG(std::string, out, "", "write the table (CSV), or the report page (HTML), to this file");
ABSL_FLAG(std::string, lang, "en", "report: language of the page (en or zh)");
ABSL_FLAG(std::string, summary, "", "score: write the population summary (JSON) to this file");
ABSL_FLAG(std::string, customer_col, "customer_id", "customer id column");
ABSL_FLAG(std::string, date_col, "date", "date column");
ABSL_FLAG(std::string, amount_col, "amount", "amount column");
ABSL_FLAG(std::string, quantity_col, "", "optional quantity column");
ABSL_FLAG(std::string, margin_col, "", "optional margin column");
ABSL_FLAG(std::string, date_format, "%Y-%m-%d", "date layout");
ABSL_FLAG(std::string, delimiter, ",", "field delimiter");
ABSL_FLAG(bool, no_header, false, "the log has no header row");
ABSL_FLAG(int, minor_digits, 2, "currency minor digits");
ABSL_FLAG(bool, lenient, false, "skip bad rows");
ABSL_FLAG(int, max_reported_errors, 10, "skipped rows described");
ABSL_FLAG(std::string, observation_end, "", "end of calibration");
ABSL_FLAG(std::string, holdout_end, "", "end of the holdout");
ABSL_FLAG(std::string, time_unit, "days", "unit of recency and T");
ABSL_FLAG(double, period_days, 365.25 / 4, "activity period length");
ABSL_FLAG(std::string, weights, "0.5,0.2,0,0.3,0", "composite value weights");
ABSL_FLAG(int, top, 10, "customers listed in the report");
ABSL_FLAG(bool, quiet, false, "no report, no progress");
ABSL_FLAG(bool, verbose, false, "one line of stage timings on stderr at the end");
ABSL_FLAG(int, threads, 0, "threads for loading and scoring (0 = every core)");
ABSL_FLAG(std::string, model, "", "lifetime model");
ABSL_FLAG(double, horizon, 0, "prediction horizon");
ABSL_FLAG(double, clv_discount_rate, 0.01, "discount rate of the CLV, a period");
// Before 0.3 --discount-rate was an annual rate over a one-year horizon; it is refused with
// a message rather than silently read as a rate per 30-day period.
ABSL_FLAG(double, discount_rate, 0, "replaced by --clv-discount-rate (a rate per period)");
ABSL_FLAG(int, clv_periods, 12, "periods of the CLV");
ABSL_FLAG(double, clv_period_days, 30, "days in a CLV period");
ABSL_FLAG(double, penalizer, 0, "fit penalizer (lifetimes' penalizer_coef)");
ABSL_FLAG(bool, intervals, false, "score: 95% intervals of the lifetime-model columns");
ABSL_FLAG(int, bootstrap_samples, 200, "score --intervals: bootstrap draws for the totals");
ABSL_FLAG(uint64_t, seed, 1, "score --intervals: seed of the bootstrap draws");
ABSL_FLAG(double, lost_p_alive, 0.5, "P(alive) below which a customer is lost");
ABSL_FLAG(std::string, frequency_col, "frequency", "summary CSV frequency column");
ABSL_FLAG(std::string, recency_col, "recency", "summary CSV recency column");
ABSL_FLAG(std::string, T_col, "T", "summary CSV T column");
ABSL_FLAG(std::string, monetary_col, "monetary_value", "summary CSV monetary column");
ABSL_FLAG(std::string, model_file, "", "score: saved models to score with");
ABSL_FLAG(std::string, periods_col, "periods", "BG/BB pattern table opportunities column");
ABSL_FLAG(std::string, weights_col, "", "summary CSV / pattern table weights column (none)");
ABSL_FLAG(std::string, survivors_col, "survivors", "sBG survivor counts column");
ABSL_FLAG(std::string, cohort_col, "", "sBG cohort column (none: one cohort)");

namespace {

// Whether --time-unit was on the command line (its default, days, is a guess for a
// summary CSV, whose unit the file does not state). Set by main() from the arguments:
// this Abseil does not expose IsSpecifiedOnCommandLine.
bool time_unit_given = false;
// Whether the retired --discount-rate was given (see its flag).
bool discount_rate_given = false;
bool TimeUnitGiven() { return time_unit_given; }

constexpr char kHelp[] = R"(crmcore - customer analytics on a transaction log

Usage:
  crmcore summarize LOG [--out=FILE] [ingest flags]
  crmcore score     LOG [--out=FILE] [--summary=FILE] [ingest and scoring flags]
  crmcore report    LOG --out=report.html [--lang=en|zh] [--summary=FILE] [ingest and scoring flags]
  crmcore fit       FILE --model=bgnbd|pareto|gammagamma|mbgnbd|bgbb|sbg [--out=FILE]
  crmcore validate  LOG --observation-end=DATE [--holdout-end=DATE] [--model=bgnbd|pareto|mbgnbd]
                    [--out=FILE] [ingest flags]
  crmcore --version | --help

summarize  writes one row per customer: customer_id,frequency,recency,T,monetary_value
           (+ holdout_frequency,holdout_monetary_value,duration_holdout when the log
           runs past --observation-end or --holdout-end is given). frequency = repeat purchase days, recency = first to
           last purchase, T = first purchase to the observation end, monetary_value =
           mean value of the repeat purchases (the Fader-Hardie / lifetimes convention).
           Without --out the CSV goes to stdout.
score      adds RFM quintile scores (1-5), ladder rung, lifecycle stage, relationship
           stage, loyalty class, composite value and value tier per customer; writes the
           table to --out, the population summary to --summary (JSON), and prints a
           report (value pyramid, ladder funnel, stage counts, top customers).
           With the default lifetime model it fits BG/NBD + Gamma-Gamma on the
           summary and adds p_alive,expected_purchases,expected_mean_spend,clv; the
           CLV is the composite value's future contribution.
report     scores the log as score does and writes one self-contained HTML page to
           --out (stdout without it): headline figures, value pyramid, loyalty ladder
           and stages, RFM heatmap, P(alive) and expected-purchase matrices, holdout
           check (when the log runs past --observation-end), CLV distribution and
           Lorenz curve, at-risk and top customers, model fit and data summary. Inline
           SVG and CSS only: it opens offline and prints. --lang=zh writes it in Chinese;
           --top=N sets the rows of the top customers table (25 by default here);
           --summary writes the same run's population summary (JSON) as score does.
fit        fits one lifetime model by maximum likelihood and prints its parameters and
           fit report; --out writes the model file (JSON: parameters, fit report,
           standard errors, covariance, time unit; score --model-file reads it). FILE is a summary CSV (a header with
           the --frequency-col, --recency-col and --T-col names) or a transaction log
           (read with the ingest flags and summarized as by summarize). bgbb reads a
           pattern table CSV and sbg a survivor series CSV (see Fit flags);
           docs/models.md says which model fits which business.
validate   fits --model (bgnbd, the default, pareto or mbgnbd) on the calibration period (up to
           --observation-end, required) and compares its predictions with the holdout
           (to --holdout-end, default the last date in the log), as Fader, Hardie & Lee
           (2005): mean holdout purchases actual vs expected by calibration frequency
           0..6 and 7+, correlation and MAE across customers, and weekly cumulative and
           incremental repeat purchases of the cohort, actual vs expected. Writes JSON
           (keys model, params, calibration_end, holdout_end, holdout_duration,
           by_frequency, correlation, mae, tracking) to --out, or to stdout; with --out
           it also prints a short summary.

Ingest flags:
  --customer-col=C    customer id column: header name or 1-based index (customer_id)
  --date-col=C        date column (date)
  --amount-col=C      amount column, exact decimal (amount)
  --quantity-col=C    optional quantity column;  --margin-col=C  optional margin column
  --date-format=F     strftime-style layout using %Y %m %d (%Y-%m-%d); CDNOW: %Y%m%d
  --delimiter=D       one character, "tab", or "whitespace" for runs of blanks (,)
  --no-header         the first line is data, not column names (then use indices)
  --minor-digits=N    decimal places of the currency (2)
  --lenient           skip bad rows (counted and reported) instead of stopping
  --max-reported-errors=N   skipped rows described in the summary (10)

Scoring flags:
  --observation-end=YYYY-MM-DD  last day of calibration, inclusive; later rows form the
                      holdout (default: the last date in the log)
  --holdout-end=YYYY-MM-DD  last day of the holdout, inclusive (needs --observation-end,
                      not before it); later rows are ignored (default: the last date)
  --time-unit=U       days | weeks | months for recency and T (weeks = days / 7)
  --period-days=D     activity period for the ladder, lifecycle and loyalty rules (91.3125)
  --weights=W         composite weights: current,future,credit,loyalty,growth
                      (0.5,0.2,0,0.3,0; credit must be 0: a log has no credit data)
  --top=N             customers listed in the report (10; report: 25)
  --quiet             no report and no progress line
  --verbose           print the time of each stage and the peak memory on stderr
  --threads=N         threads for loading a large log and for scoring; 0 (the default)
                      uses every core, 1 runs on one; the results are the same
  --model=M           score and report: the purchase model, with Gamma-Gamma for spend:
                      bgnbd (the default), pareto, mbgnbd (continuous time), bgbb
                      (discrete opportunities) or sbg (contractual), or none. bgbb and sbg
                      read each customer's purchases in whole CLV periods (--clv-period-days,
                      counted back from --observation-end): bgbb's opportunities are the
                      periods after the first purchase's; sbg counts a customer as renewing
                      through their last period with a purchase (p_alive 1 if that is the
                      latest period, else 0); their spend is per period with a purchase
  --model-file=F[,G]  score with saved models (files `fit --out` wrote) instead of
                      fitting: a bgnbd, pareto or mbgnbd model (its kind is the --model),
                      and optionally a Gamma-Gamma one (fitted when absent); a model saved
                      in another --time-unit is refused, as are bgbb and sbg models (their
                      files do not state the period length)
  --clv-periods=N, --clv-period-days=D, --clv-discount-rate=R
                      the CLV: N periods of D days, each discounted at R a period
                      (12, 30, 0.01: a year of 30-day months at 1 % a month, the
                      lifetimes library's defaults); printed with every CLV
  --horizon=H         expected purchases over the next H time units (default: the CLV's
                      horizon, N x D days; bgbb and sbg: a whole number of CLV periods)
  --penalizer=C       fit and score: lifetimes' penalizer_coef, >= 0 (0: plain maximum
                      likelihood); adds C * (sum of squared parameters, rates in units
                      where the largest T is 1) to the mean negative log-likelihood
  --intervals         score and report: 95 % delta-method intervals (parameter uncertainty only)
                      p_alive_lo,p_alive_hi,expected_purchases_lo,expected_purchases_hi,
                      expected_mean_spend_lo,expected_mean_spend_hi,clv_lo,clv_hi, and
                      the population totals with intervals ("lifetime_totals" in --summary)
  --bootstrap-samples=N   parametric-bootstrap draws for those totals: 0 (none) or
                      20..1000000 (200)
  --seed=S            seed of the bootstrap draws (1); same seed, same draws on this build
  --lost-p-alive=P    a customer's relationship stage is "lost" when it made no purchase in
                      the last 4 activity periods (--period-days each) or, with a
                      lifetime model, when its P(alive) < P (0.5); otherwise "current"

Fit flags:
  --model=M           bgnbd | pareto | gammagamma | mbgnbd | bgbb | sbg (required)
                      bgnbd, pareto, mbgnbd: non-contractual, continuous time (x, t_x, T);
                      gammagamma: spend per purchase; bgbb: non-contractual, discrete
                      opportunities; sbg: contractual (subscriptions), retention by period
  --penalizer=C       as for score (0); the text shows standard errors and 95 % intervals
  --frequency-col=C, --recency-col=C, --T-col=C, --monetary-col=C
                      summary CSV column names (frequency, recency, T, monetary_value)
  --periods-col=C     bgbb: column of the opportunities n of each row (periods); the
                      pattern table's frequency and recency columns as above
  --weights-col=C     summary CSV or bgbb pattern table: column of the customers each row
                      stands for (identical histories; default none: each row counts
                      once); not with a transaction log
  --survivors-col=C   sbg: customers still active at the start of period 0, 1, ... , one
                      row per period (survivors)
  --cohort-col=C      sbg: a numeric cohort label (e.g. acquisition year); consecutive
                      rows with the same label are one cohort (default none: one cohort)

Exit codes: 0 done; 1 bad command line; 2 bad input (the message names file, line,
column and value); 3 cannot write an output file; 4 a model fit did not converge.

Example (the bundled CDNOW data):
  crmcore score examples/data/CDNOW_master.txt --delimiter=whitespace \
      --date-format=%Y%m%d --amount-col=dollar_value --out=scores.csv --summary=summary.json
  crmcore report examples/data/CDNOW_master.txt --delimiter=whitespace \
      --date-format=%Y%m%d --amount-col=dollar_value --observation-end=1997-09-30 \
      --time-unit=weeks --out=report.html
)";

enum ExitCode { kOk = 0, kUsage = 1, kBadInput = 2, kCannotWrite = 3, kNotConverged = 4 };

// The library names its options as C++ fields (period_days, lifetime_model = none); the
// user typed flags, so messages name the flags.
std::string InFlagTerms(absl::string_view message) {
  return absl::StrReplaceAll(
      message, {{"scoring: period_days", "--period-days"},
                {"scoring: horizon", "--horizon"},
                {"scoring: CLV horizon: discount rate", "--clv-discount-rate"},
                {"scoring: CLV horizon: periods", "--clv-periods"},
                {"scoring: CLV horizon: period_days", "--clv-period-days"},
                {"fit options: penalizer", "--penalizer"},
                {"scoring: bootstrap_samples", "--bootstrap-samples"},
                {"scoring: weight of credit", "--weights: the weight of credit"},
                {"relationship stage rule: lost_p_alive_below", "--lost-p-alive"},
                {"time unit: ", "--time-unit: "},
                {"money: minor_digits", "--minor-digits"},
                {"rfm summary: observation_end", "--observation-end"},
                {"rfm summary: holdout_end", "--holdout-end"},
                {"before observation_end", "before --observation-end"},
                {"needs an observation_end", "needs --observation-end"},
                {"(lifetime_model = none)", "(--model=none)"}});
}

int Fail(int code, const absl::Status& status) {
  std::cerr << "crmcore: " << InFlagTerms(status.message()) << "\n";
  return code;
}

// "--customer-col=x" -> "--customer_col=x": absl flag names are identifiers.
std::vector<std::string> NormalizeFlagSpellings(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string& arg = args[i];
    if (arg == "--") break;
    if (arg.size() < 3 || arg[0] != '-' || arg[1] != '-') continue;
    const size_t name_end = std::min(arg.find('='), arg.size());
    for (size_t k = 2; k < name_end; ++k) {
      if (arg[k] == '-') arg[k] = '_';
    }
  }
  return args;
}

absl::StatusOr<crmcore::TransactionLogOptions> IngestOptionsFromFlags() {
  crmcore::TransactionLogOptions options;
  const std::string delimiter = absl::GetFlag(FLAGS_delimiter);
  if (delimiter == "whitespace") {
    options.whitespace_delimited = true;
  } else if (delimiter == "tab" || delimiter == "\\t") {
    options.delimiter = '\t';
  } else if (delimiter.size() == 1) {
    options.delimiter = delimiter[0];
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--delimiter must be one character, \"tab\" or \"whitespace\", got \"", delimiter, "\""));
  }
  options.has_header = !absl::GetFlag(FLAGS_no_header);
  CRM_ASSIGN_OR_RETURN(options.customer, crmcore::ColumnRef::Parse(absl::GetFlag(FLAGS_customer_col)));
  CRM_ASSIGN_OR_RETURN(options.date, crmcore::ColumnRef::Parse(absl::GetFlag(FLAGS_date_col)));
  CRM_ASSIGN_OR_RETURN(options.amount, crmcore::ColumnRef::Parse(absl::GetFlag(FLAGS_amount_col)));
  if (!absl::GetFlag(FLAGS_quantity_col).empty()) {
    CRM_ASSIGN_OR_RETURN(options.quantity,
                         crmcore::ColumnRef::Parse(absl::GetFlag(FLAGS_quantity_col)));
  }
  if (!absl::GetFlag(FLAGS_margin_col).empty()) {
    CRM_ASSIGN_OR_RETURN(options.margin, crmcore::ColumnRef::Parse(absl::GetFlag(FLAGS_margin_col)));
  }
  options.date_format = absl::GetFlag(FLAGS_date_format);
  options.minor_digits = absl::GetFlag(FLAGS_minor_digits);
  options.lenient = absl::GetFlag(FLAGS_lenient);
  if (absl::GetFlag(FLAGS_max_reported_errors) < 0) {
    return absl::InvalidArgumentError("--max-reported-errors must be >= 0");
  }
  options.max_reported_errors = static_cast<size_t>(absl::GetFlag(FLAGS_max_reported_errors));
  if (absl::GetFlag(FLAGS_threads) < 0 || absl::GetFlag(FLAGS_threads) > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threads must be in 0..1024, got ", absl::GetFlag(FLAGS_threads)));
  }
  options.threads = static_cast<unsigned>(absl::GetFlag(FLAGS_threads));
  CRM_RETURN_IF_ERROR(options.Validate());
  return options;
}

absl::StatusOr<crmcore::ScoringOptions> ScoringOptionsFromFlags(const std::string& command) {
  crmcore::ScoringOptions options;
  CRM_ASSIGN_OR_RETURN(options.summary.unit, crmcore::ParseTimeUnit(absl::GetFlag(FLAGS_time_unit)));
  const std::string end = absl::GetFlag(FLAGS_observation_end);
  if (!end.empty()) {
    absl::CivilDay day;
    if (!absl::ParseCivilTime(end, &day)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--observation-end must be a date YYYY-MM-DD, got \"", end, "\""));
    }
    options.summary.observation_end = day;
  }
  if (const std::string holdout = absl::GetFlag(FLAGS_holdout_end); !holdout.empty()) {
    absl::CivilDay day;
    if (!absl::ParseCivilTime(holdout, &day)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--holdout-end must be a date YYYY-MM-DD, got \"", holdout, "\""));
    }
    if (end.empty()) {
      return absl::InvalidArgumentError("--holdout-end needs --observation-end");
    }
    if (day < *options.summary.observation_end) {
      return absl::InvalidArgumentError(absl::StrCat("--holdout-end ", holdout,
                                                     " is before --observation-end ", end));
    }
    options.summary.holdout_end = day;
  }
  options.period_days = absl::GetFlag(FLAGS_period_days);
  options.threads = absl::GetFlag(FLAGS_threads);
  const std::string model = absl::GetFlag(FLAGS_model);
  if (command == "fit" || command == "validate") {
    // fit and validate name their own model; no lifetime model is fitted for scoring.
  } else if (model.empty()) {
    // The default, BG/NBD; a --model-file names its own kind (UseModelFiles).
    options.lifetime_model = crmcore::LifetimeModelKind::kBgNbdGammaGamma;
  } else if (const auto kind = crmcore::LifetimeModelFromSpelling(model)) {
    options.lifetime_model = *kind;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        command, ": --model must be bgnbd, pareto, mbgnbd, bgbb, sbg or none, got \"", model,
        "\""));
  }
  options.fit.penalizer = absl::GetFlag(FLAGS_penalizer);
  options.intervals = absl::GetFlag(FLAGS_intervals);
  options.bootstrap_samples = absl::GetFlag(FLAGS_bootstrap_samples);
  options.bootstrap_seed = absl::GetFlag(FLAGS_seed);
  if (command != "score" && command != "report" &&
      (options.intervals || options.bootstrap_samples != 200)) {
    return absl::InvalidArgumentError(absl::StrCat(
        command, ": --intervals and --bootstrap-samples are for score and report only"));
  }
  if (options.intervals && options.lifetime_model == crmcore::LifetimeModelKind::kNone) {
    return absl::InvalidArgumentError(
        "score: --intervals needs a lifetime model (--model=bgnbd), got --model=none");
  }
  options.horizon = absl::GetFlag(FLAGS_horizon);
  if (discount_rate_given) {
    return absl::InvalidArgumentError(
        "--discount-rate (an annual rate before crmcore 0.3) is replaced by "
        "--clv-discount-rate, the rate per CLV period (--clv-period-days, 30 days by default; "
        "10 % a year is about 0.0079 a 30-day period)");
  }
  options.clv.discount_rate = absl::GetFlag(FLAGS_clv_discount_rate);
  options.clv.periods = absl::GetFlag(FLAGS_clv_periods);
  options.clv.period_days = absl::GetFlag(FLAGS_clv_period_days);
  options.relationship.lost_p_alive_below = absl::GetFlag(FLAGS_lost_p_alive);
  const std::vector<std::string> parts = absl::StrSplit(absl::GetFlag(FLAGS_weights), ',');
  if (parts.size() != options.weights.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--weights needs 5 comma-separated numbers (current,future,credit,loyalty,growth), got \"",
        absl::GetFlag(FLAGS_weights), "\""));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!absl::SimpleAtod(parts[i], &options.weights[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("--weights: \"", parts[i], "\" is not a number"));
    }
  }
  CRM_RETURN_IF_ERROR(options.Validate());
  return options;
}

// What the user sees of a run's progress: on a terminal (unless --quiet), a line on
// stderr saying which stage runs ("loading LOG  42% (120 / 245 MB)", "grouping",
// "fitting", "writing FILE"), overwritten in place and cleared at the end; with
// --verbose, one line of timings per stage and the peak memory when the run ends.
class RunProgress {
 public:
  RunProgress(bool on_terminal, bool verbose) : on_terminal_(on_terminal), verbose_(verbose) {}
  RunProgress(const RunProgress&) = delete;
  RunProgress& operator=(const RunProgress&) = delete;
  ~RunProgress() { Clear(); }

  // Ends the stage before (if any) and starts `name`; `detail` is shown after it.
  void Stage(std::string name, const std::string& detail = "") {
    EndStage();
    stage_ = std::move(name);
    stage_start_ = absl::Now();
    Show(detail.empty() ? stage_ : absl::StrCat(stage_, " ", detail));
  }
  // Loading progress (the ingest options' callback).
  void Loaded(int64_t done, int64_t total) {
    if (total <= (int64_t{8} << 20)) return;  // small files load in a blink
    const int percent = static_cast<int>(100 * done / total);
    if (percent == last_percent_) return;
    last_percent_ = percent;
    Show(absl::StrFormat("%s %3d%% (%d / %d MB)", stage_line_, percent, done >> 20, total >> 20),
         /*keep_prefix=*/false);
  }
  // Ends the last stage and, with --verbose, prints the timings.
  void Finish() {
    EndStage();
    Clear();
    if (!verbose_) return;
    std::string line = "crmcore:";
    double total = 0;
    for (const auto& [name, seconds] : timings_) {
      absl::StrAppendFormat(&line, " %s %.2f s,", name, seconds);
      total += seconds;
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    absl::StrAppendFormat(&line, " total %.2f s; peak memory %d MB\n", total,
                          static_cast<int64_t>(usage.ru_maxrss) >> 10);
    std::cerr << line;
  }

 private:
  void EndStage() {
    if (stage_.empty()) return;
    timings_.emplace_back(stage_, absl::ToDoubleSeconds(absl::Now() - stage_start_));
    stage_.clear();
  }
  void Show(const std::string& text, bool keep_prefix = true) {
    if (keep_prefix) stage_line_ = text;
    if (!on_terminal_) return;
    // \r and "erase to end of line": the new text replaces the old in place.
    std::fprintf(stderr, "\rcrmcore: %s\x1b[K", text.c_str());
    std::fflush(stderr);
    shown_ = true;
  }
  void Clear() {
    if (!shown_) return;
    std::fprintf(stderr, "\r\x1b[K");
    std::fflush(stderr);
    shown_ = false;
  }

  bool on_terminal_;
  bool verbose_;
  std::string stage_;
  std::string stage_line_;
  absl::Time stage_start_;
  int last_percent_ = -1;
  bool shown_ = false;
  std::vector<std::pair<std::string, double>> timings_;
};

// Writes `write(stream)` to `path` through a temporary file renamed into place
// (safe_output.h), or to stdout when `path` is empty.
absl::Status WriteOutput(const std::string& path,
                         const std::function<void(std::ostream&)>& write) {
  return path.empty() ? crmcore_cli::WriteStdout(write)
                      : crmcore_cli::WriteFileSafely(path, write);
}

// Refuses, before anything is read, outputs that are an input (the log, a --model-file)
// or each other.
absl::Status CheckOutputs(const std::string& input_path, bool with_summary) {
  std::vector<crmcore_cli::NamedPath> inputs = {{"the input", input_path}};
  if (const std::string files = absl::GetFlag(FLAGS_model_file); !files.empty()) {
    for (const absl::string_view file : absl::StrSplit(files, ',')) {
      inputs.push_back({"--model-file", std::string(file)});
    }
  }
  std::vector<crmcore_cli::NamedPath> outputs;
  if (const std::string out = absl::GetFlag(FLAGS_out); !out.empty()) {
    outputs.push_back({"--out", out});
  }
  if (const std::string summary = absl::GetFlag(FLAGS_summary); with_summary && !summary.empty()) {
    outputs.push_back({"--summary", summary});
  }
  return crmcore_cli::CheckOutputsAreDistinct(inputs, outputs);
}


// --model-file=FILE[,FILE]: a saved purchase model and, optionally, a Gamma-Gamma one, put
// in the scoring options so that score uses them instead of fitting. A model saved in
// another time unit than the summary's is refused (its alpha would mean another scale).
absl::Status UseModelFiles(crmcore::ScoringOptions& options) {
  const std::string list = absl::GetFlag(FLAGS_model_file);
  if (list.empty()) return absl::OkStatus();
  if (options.lifetime_model == crmcore::LifetimeModelKind::kNone) {
    return absl::InvalidArgumentError("--model-file needs a lifetime model, not --model=none");
  }
  for (const absl::string_view path_view : absl::StrSplit(list, ',')) {
    const std::string path(path_view);
    CRM_ASSIGN_OR_RETURN(const std::string text, crmcore::ReadWholeFile(path));
    CRM_ASSIGN_OR_RETURN(const crmcore::ModelFile file, crmcore::ModelFileFromJson(text, path));
    if (file.time_unit && *file.time_unit != options.summary.unit) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": the model was fitted with recency and T in ",
          crmcore::TimeUnitName(*file.time_unit), ", but --time-unit is ",
          crmcore::TimeUnitName(options.summary.unit), ": score with --time-unit=",
          crmcore::TimeUnitName(*file.time_unit), " or refit"));
    }
    if (!file.fitted) {
      // Its report figures are null: score's outputs would carry them as NaN.
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": score --model-file needs a fitted model (`crmcore fit --out`); this file "
          "holds given parameters (\"fitted\": false)"));
    }
    if (!file.report.converged) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": the saved fit did not converge (", file.report.message,
          "); its parameters are not estimates"));
    }
    auto param = [&](size_t k) { return file.params[k].second; };
    if (file.model == "gammagamma") {
      if (options.given_gamma_gamma) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": a second Gamma-Gamma model file"));
      }
      options.given_gamma_gamma =
          crmcore::GammaGammaFit{{param(0), param(1), param(2)}, file.report};
      continue;
    }
    const std::optional<crmcore::LifetimeModelKind> kind =
        crmcore::LifetimeModelFromSpelling(file.model);
    if (!kind || *kind == crmcore::LifetimeModelKind::kNone) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": score uses a purchase model and Gamma-Gamma; this file holds a \"",
          file.model, "\" model"));
    }
    if (crmcore::IsPeriodModel(*kind)) {
      // Its periods' length is not in the file: scored with another --clv-period-days it
      // would mean other periods without a word.
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": a saved \"", file.model, "\" model does not state the length of its "
          "periods; score with --model=", file.model, " to fit it on this log's periods"));
    }
    if (options.given_purchase_model) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": a second purchase model file"));
    }
    // Without --model the file's kind is used; with one, the two must agree.
    if (!absl::GetFlag(FLAGS_model).empty() && *kind != options.lifetime_model) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": the file holds a \"", file.model, "\" model, but --model is \"",
          absl::GetFlag(FLAGS_model), "\""));
    }
    options.lifetime_model = *kind;
    crmcore::PurchaseModelFit given{*kind, {}, file.report};
    for (size_t k = 0; k < file.params.size(); ++k) given.params.push_back(param(k));
    options.given_purchase_model = std::move(given);
  }
  if (!options.given_purchase_model) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--model-file: no purchase model among \"", list,
        "\" (score needs one; a Gamma-Gamma model alone cannot predict purchases)"));
  }
  return absl::OkStatus();
}

// The (x, t_x, T, monetary) columns `fit` works on, from a summary CSV or a log.
absl::StatusOr<crmcore::SummaryTable> LoadFitInput(const std::string& path,
                                                   const crmcore::TransactionLogOptions& ingest,
                                                   const crmcore::SummaryOptions& summary_options) {
  crmcore::SummaryColumnNames names;
  names.frequency = absl::GetFlag(FLAGS_frequency_col);
  names.recency = absl::GetFlag(FLAGS_recency_col);
  names.T = absl::GetFlag(FLAGS_T_col);
  names.monetary_value = absl::GetFlag(FLAGS_model) == "gammagamma" ? absl::GetFlag(FLAGS_monetary_col) : "";
  names.weight = absl::GetFlag(FLAGS_weights_col);
  std::string first_line;
  std::ifstream file(path);
  std::getline(file, first_line);
  if (file && crmcore::HasSummaryHeader(first_line, names)) {
    return crmcore::LoadSummaryCsv(path, names);
  }
  if (!names.weight.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--weights-col needs a summary CSV (a row per group of identical customers); ", path,
        " has no --frequency-col, --recency-col and --T-col header: a transaction log counts "
        "each customer once"));
  }
  CRM_ASSIGN_OR_RETURN(crmcore::TransactionLog log, crmcore::LoadTransactionLog(path, ingest));
  CRM_ASSIGN_OR_RETURN(crmcore::RfmSummary summary, crmcore::SummarizeTransactions(log, summary_options));
  crmcore::SummaryTable table;
  table.frequency.assign(summary.frequency.begin(), summary.frequency.end());
  table.recency = std::move(summary.recency);
  table.T = std::move(summary.T);
  table.monetary_value = std::move(summary.monetary_value);
  return table;
}

// Checks each row of a summary CSV as the models will, naming the file and line (the
// models name a row index, which means nothing to someone reading the file).
absl::Status ValidateRows(const std::string& path, const crmcore::SummaryTable& input) {
  for (size_t i = 0; i < input.line.size(); ++i) {
    const absl::Status valid =
        crmcore::ValidatePurchaseHistory(i, input.frequency[i], input.recency[i], input.T[i]);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", input.line[i], ": ",
          absl::StripPrefix(valid.message(), absl::StrCat("purchase history row ", i, ": "))));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<crmcore_cli::FitResult> FitModel(const std::string& model, const std::string& path,
                                                crmcore::SummaryTable& input,
                                                const crmcore::FitOptions& options) {
  CRM_RETURN_IF_ERROR(ValidateRows(path, input));
  if (model == "bgnbd" || model == "pareto" || model == "mbgnbd") {
    CRM_ASSIGN_OR_RETURN(auto histories,
                         crmcore::PurchaseHistories::Create(input.frequency, input.recency,
                                                            input.T, input.weight));
    crmcore_cli::FitResult result;
    if (model == "bgnbd") {
      CRM_ASSIGN_OR_RETURN(auto fit, crmcore::FitBgNbd(histories, options));
      result = crmcore_cli::FitResult::Of(fit);
    } else if (model == "mbgnbd") {
      CRM_ASSIGN_OR_RETURN(auto fit, crmcore::FitMbgNbd(histories, options));
      result = crmcore_cli::FitResult::Of(fit);
    } else {
      CRM_ASSIGN_OR_RETURN(auto fit, crmcore::FitParetoNbd(histories, options));
      result = crmcore_cli::FitResult::Of(fit);
    }
    result.customers = histories.total_weight();
    return result;
  }
  // Gamma-Gamma needs positive spend: repeat buyers whose mean repeat spend is <= 0 (all
  // zero-valued, or net refunds) are left out of the fit, and said so, as ScoreCustomers does.
  // With --weights-col a row stands for `weight` customers, and so many are left out.
  double left_out = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    if (input.frequency[i] > 0 && !(input.monetary_value[i] > 0)) {
      input.frequency[i] = 0;
      left_out += input.weight.empty() ? 1.0 : input.weight[i];
    }
  }
  const auto excluded =
      left_out < 9.0e18 ? static_cast<int64_t>(std::llround(left_out)) : INT64_MAX;
  CRM_ASSIGN_OR_RETURN(auto spend, crmcore::SpendHistories::Create(
                                        input.frequency, input.monetary_value, input.weight));
  CRM_ASSIGN_OR_RETURN(auto fit, crmcore::FitGammaGamma(spend, options));
  crmcore_cli::FitResult result = crmcore_cli::FitResult::Of(fit);
  result.excluded_repeat_buyers = excluded;  // stated in the fit report
  result.customers = spend.total_weight();
  return result;
}

// BG/BB on a pattern table, sBG on a survivor series: CSV inputs of their own.
absl::StatusOr<crmcore_cli::FitResult> FitTableModel(const std::string& model,
                                                     const std::string& path,
                                                     const crmcore::FitOptions& options) {
  if (model == "bgbb") {
    crmcore_cli::BgBbColumns columns;
    columns.frequency = absl::GetFlag(FLAGS_frequency_col);
    columns.recency = absl::GetFlag(FLAGS_recency_col);
    columns.periods = absl::GetFlag(FLAGS_periods_col);
    columns.weights = absl::GetFlag(FLAGS_weights_col);
    CRM_ASSIGN_OR_RETURN(auto histories, crmcore_cli::LoadBgBbInput(path, columns));
    CRM_ASSIGN_OR_RETURN(auto fit, crmcore::FitBgBb(histories, options));
    crmcore_cli::FitResult result = crmcore_cli::FitResult::Of(fit);
    result.customers = histories.total_weight();
    return result;
  }
  CRM_ASSIGN_OR_RETURN(auto series,
                       crmcore_cli::LoadSurvivorInput(path, absl::GetFlag(FLAGS_survivors_col),
                                                      absl::GetFlag(FLAGS_cohort_col)));
  CRM_ASSIGN_OR_RETURN(auto fit, crmcore::FitSbg(series, options));
  crmcore_cli::FitResult result = crmcore_cli::FitResult::Of(fit);
  result.customers = series.total_weight();
  return result;
}

int RunFit(const std::string& path, const crmcore::TransactionLogOptions& ingest,
           const crmcore::SummaryOptions& summary_options, const crmcore::FitOptions& options) {
  const std::string model = absl::GetFlag(FLAGS_model);
  if (model != "bgnbd" && model != "pareto" && model != "gammagamma" && model != "mbgnbd" &&
      model != "bgbb" && model != "sbg") {
    return Fail(kUsage, absl::InvalidArgumentError(absl::StrCat(
                            "fit: --model must be bgnbd, pareto, gammagamma, mbgnbd, bgbb or "
                            "sbg, got \"", model, "\"")));
  }
  absl::StatusOr<crmcore_cli::FitResult> fit;
  if (model == "bgbb" || model == "sbg") {
    // Discrete models count opportunities or periods: no calendar unit to state.
    fit = FitTableModel(model, path, options);
  } else {
    absl::StatusOr<crmcore::SummaryTable> input = LoadFitInput(path, ingest, summary_options);
    if (!input.ok()) return Fail(kBadInput, input.status());
    fit = FitModel(model, path, *input, options);
    // The model file states the unit of recency and T: a log's is --time-unit; a summary
    // CSV's is known only when the user said it.
    if (fit.ok() && (input->line.empty() || TimeUnitGiven())) fit->time_unit = summary_options.unit;
  }
  if (!fit.ok()) return Fail(kBadInput, fit.status());
  absl::Status printed =
      WriteOutput("", [&](std::ostream& s) { s << crmcore_cli::FitText(*fit); });
  if (!printed.ok()) return Fail(kCannotWrite, printed);
  if (const std::string out = absl::GetFlag(FLAGS_out); !out.empty()) {
    absl::Status written =
        WriteOutput(out, [&](std::ostream& s) { s << crmcore_cli::FitJson(*fit) << "\n"; });
    if (!written.ok()) return Fail(kCannotWrite, written);
  }
  return fit->report.converged ? kOk : kNotConverged;
}

// The comparison of `validate` (see --help): fit on the calibration, compare with the holdout.
int RunValidate(const std::string& log_path, const crmcore::TransactionLogOptions& ingest,
                const crmcore::SummaryOptions& summary_options) {
  std::string model = absl::GetFlag(FLAGS_model);
  if (model.empty()) model = "bgnbd";
  if (model != "bgnbd" && model != "pareto" && model != "mbgnbd") {
    return Fail(kUsage, absl::InvalidArgumentError(absl::StrCat(
                            "validate: --model must be bgnbd, pareto or mbgnbd, got \"", model,
                            "\"")));
  }
  if (!summary_options.observation_end.has_value()) {
    return Fail(kUsage, absl::InvalidArgumentError(
                            "validate: --observation-end (the end of calibration) is required"));
  }
  absl::StatusOr<crmcore::TransactionLog> log = crmcore::LoadTransactionLog(log_path, ingest);
  if (!log.ok()) return Fail(kBadInput, log.status());
  if (log->rows_skipped > 0) {
    std::cerr << "crmcore: skipped " << log->rows_skipped << " bad rows (--lenient)\n";
  }
  absl::StatusOr<crmcore::CustomerOccasions> occasions = crmcore::GroupOccasions(*std::move(log));
  if (!occasions.ok()) return Fail(kBadInput, occasions.status());
  absl::StatusOr<crmcore::RfmSummary> summary =
      crmcore::SummarizeOccasions(*occasions, summary_options);
  if (!summary.ok()) return Fail(kBadInput, summary.status());
  if (!(summary->holdout_end > summary->observation_end)) {
    return Fail(kBadInput, absl::InvalidArgumentError(absl::StrCat(
                               "validate: the log ends on ", absl::FormatCivilTime(summary->last_day),
                               ", leaving no holdout after --observation-end ",
                               absl::FormatCivilTime(summary->observation_end),
                               "; give a later --holdout-end or an earlier --observation-end")));
  }
  // Per customer row: the first purchase day, and the repeat occasions up to the holdout end.
  const int32_t holdout_end = crmcore::ToDayNumber(summary->holdout_end);
  std::vector<double> x(summary->frequency.begin(), summary->frequency.end());
  std::vector<double> holdout_x(summary->holdout_frequency.begin(),
                                summary->holdout_frequency.end());
  std::vector<int32_t> first_day, repeat_days;
  for (const uint32_t c : summary->customer) {
    const size_t begin = occasions->offset[c], end = occasions->offset[c + 1];
    first_day.push_back(occasions->day[begin]);
    for (size_t o = begin + 1; o < end && occasions->day[o] <= holdout_end; ++o) {
      repeat_days.push_back(occasions->day[o]);
    }
  }
  absl::StatusOr<crmcore::PurchaseHistories> histories =
      crmcore::PurchaseHistories::Create(x, summary->recency, summary->T);
  if (!histories.ok()) return Fail(kBadInput, histories.status());
  crmcore_cli::ValidationContext context;
  crmcore::RepeatPurchaseModel params;
  if (model == "bgnbd") {
    absl::StatusOr<crmcore::BgNbdFit> fit = crmcore::FitBgNbd(*histories);
    if (!fit.ok()) return Fail(kBadInput, fit.status());
    context.fit = crmcore_cli::FitResult::Of(*fit);
    params = fit->params;
  } else if (model == "mbgnbd") {
    absl::StatusOr<crmcore::MbgNbdFit> fit = crmcore::FitMbgNbd(*histories);
    if (!fit.ok()) return Fail(kBadInput, fit.status());
    context.fit = crmcore_cli::FitResult::Of(*fit);
    params = fit->params;
  } else {
    absl::StatusOr<crmcore::ParetoNbdFit> fit = crmcore::FitParetoNbd(*histories);
    if (!fit.ok()) return Fail(kBadInput, fit.status());
    context.fit = crmcore_cli::FitResult::Of(*fit);
    params = fit->params;
  }
  if (!context.fit.report.converged) {
    return Fail(kNotConverged, absl::FailedPreconditionError(absl::StrCat(
                                   "validate: the ", model, " fit did not converge (",
                                   context.fit.report.message, ")")));
  }
  crmcore::HoldoutData data;
  data.frequency = x;
  data.recency = summary->recency;
  data.T = summary->T;
  data.holdout_frequency = holdout_x;
  data.first_purchase_day = first_day;
  data.repeat_purchase_days = repeat_days;
  crmcore::HoldoutOptions options;
  options.calibration_end_day = crmcore::ToDayNumber(summary->observation_end);
  options.holdout_end_day = holdout_end;
  options.days_per_unit = crmcore::DaysPerUnit(summary->unit);
  absl::StatusOr<crmcore::HoldoutValidation> validation =
      crmcore::ValidateHoldout(params, data, options);
  if (!validation.ok()) return Fail(kBadInput, validation.status());
  context.calibration_end = summary->observation_end;
  context.holdout_end = summary->holdout_end;
  context.unit = summary->unit;
  context.customers = summary->size();
  const std::string out = absl::GetFlag(FLAGS_out);
  absl::Status written = WriteOutput(
      out, [&](std::ostream& s) { s << crmcore_cli::ValidationJson(context, *validation); });
  if (!written.ok()) return Fail(kCannotWrite, written);
  if (!out.empty() && !absl::GetFlag(FLAGS_quiet)) {
    absl::Status printed = WriteOutput(
        "", [&](std::ostream& s) { s << crmcore_cli::ValidationText(context, *validation); });
    if (!printed.ok()) return Fail(kCannotWrite, printed);
  }
  return kOk;
}

int Run(const std::string& command, const std::string& log_path, bool top_set) {
  auto ingest = IngestOptionsFromFlags();
  if (!ingest.ok()) return Fail(kUsage, ingest.status());
  auto scoring = ScoringOptionsFromFlags(command);
  if (!scoring.ok()) return Fail(kUsage, scoring.status());
  if (command == "score") {
    if (absl::Status given = UseModelFiles(*scoring); !given.ok()) return Fail(kBadInput, given);
  } else if (!absl::GetFlag(FLAGS_model_file).empty()) {
    return Fail(kUsage, absl::InvalidArgumentError(
                            absl::StrCat(command, ": --model-file is a flag of score")));
  }
  const bool quiet = absl::GetFlag(FLAGS_quiet);
  if (absl::Status distinct = CheckOutputs(log_path, command == "score" || command == "report");
      !distinct.ok()) {
    return Fail(kBadInput, distinct);
  }
  if (command == "fit") return RunFit(log_path, *ingest, scoring->summary, scoring->fit);
  if (command == "validate") return RunValidate(log_path, *ingest, scoring->summary);

  if (absl::GetFlag(FLAGS_top) < 0) {
    return Fail(kUsage, absl::InvalidArgumentError("--top must be >= 0"));
  }
  if (const std::string lang = absl::GetFlag(FLAGS_lang); lang != "en" && lang != "zh") {
    return Fail(kUsage, absl::InvalidArgumentError(
                            absl::StrCat("--lang must be en or zh, got \"", lang, "\"")));
  }
  RunProgress progress(!quiet && isatty(STDERR_FILENO), absl::GetFlag(FLAGS_verbose));
  progress.Stage("load", log_path);
  ingest->progress = [&progress](int64_t done, int64_t total) { progress.Loaded(done, total); };
  absl::StatusOr<crmcore::TransactionLog> log = crmcore::LoadTransactionLog(log_path, *ingest);
  if (!log.ok()) return Fail(kBadInput, log.status());
  const std::vector<crmcore::RowError> skipped = std::move(log->skipped);
  // Skipped rows are always reported, --quiet or not: dropping data silently is never quiet.
  if (log->rows_skipped > 0) {
    std::cerr << "crmcore: skipped " << log->rows_skipped << " bad rows (--lenient)";
    for (const crmcore::RowError& e : skipped) {
      std::cerr << "\n  " << log_path << ":" << e.line << ":" << e.column << ": field '"
                << e.field << "': " << e.reason;
    }
    std::cerr << "\n";
  }
  // The log is grouped by customer once; everything after reads this view.
  progress.Stage("group");
  absl::StatusOr<crmcore::CustomerOccasions> occasions = crmcore::GroupOccasions(*std::move(log));
  if (!occasions.ok()) return Fail(kBadInput, occasions.status());

  if (command == "summarize") {
    progress.Stage("summarize");
    absl::StatusOr<crmcore::RfmSummary> summary =
        crmcore::SummarizeOccasions(*occasions, scoring->summary);
    if (!summary.ok()) return Fail(kBadInput, summary.status());
    const std::string out = absl::GetFlag(FLAGS_out);
    progress.Stage("write", out);
    absl::Status written = WriteOutput(out, [&](std::ostream& stream) {
      crmcore_cli::WriteSummaryCsv(*summary, stream);
    });
    progress.Finish();
    return written.ok() ? kOk : Fail(kCannotWrite, written);
  }

  progress.Stage(scoring->lifetime_model == crmcore::LifetimeModelKind::kNone ? "score"
                                                                               : "fit+score");
  // The ids move into the table (the view keeps the counts the population report reads).
  absl::StatusOr<crmcore::CustomerTable> table =
      crmcore::ScoreCustomers(*std::move(occasions), *scoring);
  if (!table.ok()) {
    // ScoreCustomers reports a lifetime-model fit that did not converge as FailedPrecondition.
    const bool not_converged = table.status().code() == absl::StatusCode::kFailedPrecondition;
    return Fail(not_converged ? kNotConverged : kBadInput, table.status());
  }
  absl::StatusOr<crmcore::PopulationSummary> population =
      crmcore::SummarizePopulation(*occasions, *table);
  if (!population.ok()) return Fail(kBadInput, population.status());
  if (command == "report") {
    const std::string out = absl::GetFlag(FLAGS_out);
    progress.Stage("write", out);
    crmcore::ReportInput input;
    input.table = &*table;
    input.population = &*population;
    input.occasions = &*occasions;  // its days stay valid after ScoreCustomers(&&)
    input.source = log_path;
    input.options.language = absl::GetFlag(FLAGS_lang) == "zh" ? crmcore::ReportLanguage::kChinese
                                                               : crmcore::ReportLanguage::kEnglish;
    if (top_set) input.options.top_customers = static_cast<size_t>(absl::GetFlag(FLAGS_top));
    input.options.lost_p_alive_below = scoring->relationship.lost_p_alive_below;
    if (table->has_intervals) {  // --intervals: the totals' 95 % delta-method intervals
      const auto interval = [](const crmcore::IntervalEstimate& e) {
        return crmcore::ReportInterval{e.lo, e.hi, 0.95};
      };
      input.intervals.expected_purchases = interval(table->total_expected_purchases.delta);
      input.intervals.total_clv = interval(table->total_clv.delta);
    }
    absl::Status report_status;
    absl::Status written = WriteOutput(out, [&](std::ostream& s) {
      report_status = crmcore::WriteHtmlReport(input, s);
    });
    if (!report_status.ok()) return Fail(kBadInput, report_status);
    if (!written.ok()) return Fail(kCannotWrite, written);
    // --summary: the same run's summary JSON beside the page, as score writes it.
    if (const std::string path = absl::GetFlag(FLAGS_summary); !path.empty()) {
      progress.Stage("write", path);
      written = WriteOutput(path, [&](std::ostream& s) {
        crmcore_cli::WriteSummaryJson(log_path, skipped, *table, *population, s);
      });
      if (!written.ok()) return Fail(kCannotWrite, written);
    }
    progress.Finish();
    return kOk;
  }
  if (const std::string out = absl::GetFlag(FLAGS_out); !out.empty()) {
    progress.Stage("write", out);
    absl::Status written =
        WriteOutput(out, [&](std::ostream& s) { crmcore_cli::WriteScoreCsv(*table, s); });
    if (!written.ok()) return Fail(kCannotWrite, written);
  }
  if (const std::string path = absl::GetFlag(FLAGS_summary); !path.empty()) {
    progress.Stage("write", path);
    absl::Status written = WriteOutput(path, [&](std::ostream& s) {
      crmcore_cli::WriteSummaryJson(log_path, skipped, *table, *population, s);
    });
    if (!written.ok()) return Fail(kCannotWrite, written);
  }
  progress.Finish();
  if (!quiet) {
    absl::Status printed = WriteOutput("", [&](std::ostream& s) {
      crmcore_cli::WriteReport(log_path, *table, *population,
                               static_cast<size_t>(absl::GetFlag(FLAGS_top)), s);
    });
    if (!printed.ok()) return Fail(kCannotWrite, printed);
  }
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "help") {
      std::cout << kHelp;
      return kOk;
    }
    if (arg == "--version") {
      std::cout << "crmcore " << crmcore::VersionString() << "\n";
      return kOk;
    }
  }
  std::vector<std::string> args = NormalizeFlagSpellings(argc, argv);
  for (const std::string& arg : args) {
    if (arg == "--") break;
    if (arg == "--time_unit" || absl::StartsWith(arg, "--time_unit=")) time_unit_given = true;
    if (arg == "--discount_rate" || absl::StartsWith(arg, "--discount_rate=")) {
      discount_rate_given = true;
    }
  }
  std::vector<char*> arg_pointers;
  for (std::string& arg : args) arg_pointers.push_back(arg.data());
  const std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(arg_pointers.size()), arg_pointers.data());
  if (positional.size() != 3) {
    std::cerr << "crmcore: expected a command and a log file, e.g. `crmcore score LOG`; "
                 "see crmcore --help\n";
    return kUsage;
  }
  const std::string command = positional[1];
  if (command != "summarize" && command != "score" && command != "report" && command != "fit" &&
      command != "validate") {
    std::cerr << "crmcore: unknown command \"" << command
              << "\" (expected summarize, score, report, fit or validate); see crmcore --help\n";
    return kUsage;
  }
  // --top given on the command line (the report's own default differs from score's).
  bool top_set = false;
  for (const std::string& arg : args) top_set = top_set || arg == "--top" || arg.rfind("--top=", 0) == 0;
  return Run(command, positional[2], top_set);
}

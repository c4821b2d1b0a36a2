// Floating-point trap test: the scoring paths and the models run
// with the invalid-operation, divide-by-zero and overflow exceptions trapping
// (feenableexcept), so that any operation producing a NaN or Inf from finite valid data —
// even one whose result is later discarded or masked — stops the run with SIGFPE
// instead of passing silently.
//
// Each scenario runs in a death-test child (EXPECT_EXIT): a trap kills only the child and
// the test reports which exception it was (the SIGFPE handler prints the si_code). The
// trap is enabled inside the child only, so the rest of the suite is untouched.
//
// Scope: valid inputs only ("normal valid runs"). Missing values are encoded as quiet NaN
// under MissingPolicy::kRenormalize; operations on a quiet NaN that raise FE_INVALID (an
// ordered comparison) would trap here too, and the scenarios include such columns on
// purpose to show the engine tests missingness with isnan / unordered compares only.
//
// The engine's worker threads must inherit the trap mask (POSIX: a new thread inherits
// the creating thread's floating-point environment); FpEnvironmentIsInherited checks it,
// because otherwise the multi-threaded scenarios would prove nothing.
#include <fenv.h>
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crmcore/bgnbd.h"
#include "crmcore/clv.h"
#include "crmcore/composite_value.h"
#include "crmcore/engine.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/pareto_nbd.h"
#include "crmcore/rfm_score.h"
#include "crmcore/satisfaction.h"
#include "crmcore/summary_csv.h"
#include "crmcore/value_tier.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

constexpr int kTraps = FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW;
constexpr int kTrapExitCode = 86;

// Async-signal-safe: names the exception and exits the death-test child.
extern "C" void OnSigfpe(int, siginfo_t* info, void*) {
  const char* what = "SIGFPE (other)\n";
  switch (info->si_code) {
    case FPE_FLTINV: what = "SIGFPE: FE_INVALID (an operation produced NaN)\n"; break;
    case FPE_FLTDIV: what = "SIGFPE: FE_DIVBYZERO (a division by zero produced Inf)\n"; break;
    case FPE_FLTOVF: what = "SIGFPE: FE_OVERFLOW (a result overflowed to Inf)\n"; break;
    default: break;
  }
  std::size_t length = 0;
  while (what[length] != '\0') ++length;
  (void)!write(STDERR_FILENO, what, length);
  _exit(kTrapExitCode);
}

// Enables the traps for its lifetime and restores the previous mask and flags after.
class ScopedFpTraps {
 public:
  ScopedFpTraps() : previous_(fegetexcept()) {
    struct sigaction action = {};
    action.sa_sigaction = OnSigfpe;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGFPE, &action, &previous_action_);
    feclearexcept(FE_ALL_EXCEPT);
    feenableexcept(kTraps);
  }
  ~ScopedFpTraps() {
    fedisableexcept(FE_ALL_EXCEPT);
    feclearexcept(FE_ALL_EXCEPT);
    if (previous_ > 0) feenableexcept(previous_);
    sigaction(SIGFPE, &previous_action_, nullptr);
  }
  ScopedFpTraps(const ScopedFpTraps&) = delete;
  ScopedFpTraps& operator=(const ScopedFpTraps&) = delete;

 private:
  int previous_;
  struct sigaction previous_action_ = {};
};

// Runs `body` under the traps and exits 0 when it finished without a trap and without a
// failed check (a failed EXPECT in a death-test child is invisible to the parent, so
// bodies report problems by exiting non-zero).
template <class Body>
[[noreturn]] void RunTrapped(const Body& body) {
  {
    ScopedFpTraps traps;
    body();
  }
  std::exit(0);
}

// Runs `body` in a death-test child under the traps; passes when the child exits 0.
#define EXPECT_NO_FP_TRAP(...) \
  EXPECT_EXIT(RunTrapped(__VA_ARGS__), ::testing::ExitedWithCode(0), "")

// Exits the death-test child with a message when a call the scenario expects to succeed
// fails: the scenario would otherwise prove nothing.
void Require(bool ok, const std::string& what) {
  if (!ok) {
    const std::string line = "scenario check failed: " + what + "\n";
    (void)!write(STDERR_FILENO, line.data(), line.size());
    _exit(2);
  }
}
void RequireOk(const absl::Status& status, const std::string& what) {
  Require(status.ok(), what + ": " + status.ToString());
}
void RequireFinite(const std::vector<double>& values, const std::string& what) {
  for (const double v : values) Require(std::isfinite(v), what + ": non-finite value");
}

class FpTrapTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

// ---------------------------------------------------------------------------
// The trap itself.

TEST_F(FpTrapTest, TrapFiresOnADivisionByZero) {
  // The control: without it, a test that never traps could not be told from one that
  // never enabled the trap.
  EXPECT_EXIT(
      {
        ScopedFpTraps traps;
        volatile double zero = 0.0;
        volatile double result = 1.0 / zero;
        (void)result;
        std::exit(0);
      },
      ::testing::ExitedWithCode(kTrapExitCode), "FE_DIVBYZERO");
}

TEST_F(FpTrapTest, FpEnvironmentIsInheritedByNewThreads) {
  int seen_in_thread = 0;
  {
    ScopedFpTraps traps;
    std::thread worker([&seen_in_thread] { seen_in_thread = fegetexcept(); });
    worker.join();
  }
  EXPECT_EQ(seen_in_thread & kTraps, kTraps);
  EXPECT_EQ(fegetexcept() & kTraps, 0) << "the scope must restore the mask";
}

// ---------------------------------------------------------------------------
// Scoring: references and engine.

using C = CompositeComponent;

NormalizerSpec Spec(NormalizerKind kind, double lower = 0.0, double upper = 1.0) {
  NormalizerSpec spec;
  spec.kind = kind;
  spec.fixed_lower = lower;
  spec.fixed_upper = upper;
  return spec;
}

using Columns = std::array<std::vector<double>, kCompositeComponentCount>;

// Skewed revenue, a normal column, integer ratings with ties, a column far from zero
// relative to its spread, NaN (missing) at `missing_rate` with one component kept.
Columns MakePopulation(std::size_t n, std::uint64_t seed, double missing_rate) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> revenue(5.0, 1.5);
  std::normal_distribution<double> future(100.0, 30.0);
  std::uniform_int_distribution<int> credit(1, 5);
  std::uniform_real_distribution<double> loyalty(0.0, 100.0);
  std::normal_distribution<double> growth(1000.0, 1.0);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  Columns columns;
  for (auto& column : columns) column.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    columns[0][i] = revenue(rng);
    columns[1][i] = future(rng);
    columns[2][i] = credit(rng);
    columns[3][i] = std::round(loyalty(rng));
    columns[4][i] = growth(rng);
    bool any = false;
    for (auto& column : columns) {
      if (coin(rng) < missing_rate) {
        column[i] = std::numeric_limits<double>::quiet_NaN();
      } else {
        any = true;
      }
    }
    if (!any) columns[2][i] = 3.0;
  }
  return columns;
}

// Reference and engine composite scores, tiers and RFM scores of one population, on the
// SIMD target currently active, with `threads` threads. Sizes not a multiple of any
// vector width make the kernels handle partial vectors (masked or remainder lanes).
void ScoreEverything(std::size_t n, double missing_rate, int threads) {
  const MissingPolicy policy =
      missing_rate > 0.0 ? MissingPolicy::kRenormalize : MissingPolicy::kReject;
  const Columns columns = MakePopulation(n, 1000 + n, missing_rate);
  for (const bool zscores : {false, true}) {
    const absl::StatusOr<CompositePlan> plan = CompositePlan::Create(
        {0.35, 0.25, 0.15, 0.15, 0.10},
        {Spec(zscores ? NormalizerKind::kZScore : NormalizerKind::kMinMax),
         Spec(NormalizerKind::kMinMax), Spec(NormalizerKind::kFixedBounds, 1.0, 5.0),
         Spec(NormalizerKind::kPercentileRank),
         Spec(zscores ? NormalizerKind::kZScore : NormalizerKind::kMinMax)},
        policy);
    RequireOk(plan.status(), "plan");
    ComponentColumns reference_columns;
    engine::CompositeColumns engine_columns;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      reference_columns.column[c] = columns[c];
      engine_columns.column[c] = columns[c];
    }
    std::vector<double> reference(n), scored(n);
    RequireOk(ScoreCompositeReference(*plan, reference_columns, absl::MakeSpan(reference)),
              "ScoreCompositeReference");
    engine::EngineOptions options;
    options.threads = threads;
    RequireOk(engine::ScoreComposite(*plan, engine_columns, absl::MakeSpan(scored), options),
              "engine::ScoreComposite");
    RequireFinite(reference, "reference composite");
    RequireFinite(scored, "engine composite");

    // The same population through validity bitmaps instead of NaN.
    if (missing_rate > 0.0) {
      std::array<std::vector<double>, kCompositeComponentCount> filled;
      std::array<std::vector<std::uint8_t>, kCompositeComponentCount> bitmaps;
      engine::CompositeColumns with_bitmaps;
      for (std::size_t c = 0; c < columns.size(); ++c) {
        filled[c] = columns[c];
        bitmaps[c].assign((n + 7) / 8, 0);
        for (std::size_t i = 0; i < n; ++i) {
          if (std::isnan(filled[c][i])) {
            filled[c][i] = 0.0;
          } else {
            bitmaps[c][i / 8] = static_cast<std::uint8_t>(bitmaps[c][i / 8] | (1u << (i % 8)));
          }
        }
        with_bitmaps.column[c] = engine::ColumnView(filled[c]).WithValidity(bitmaps[c]);
      }
      engine::EngineOptions bitmap_options = options;
      bitmap_options.missing_encoding = engine::MissingEncoding::kValidityBitmap;
      std::vector<double> from_bitmaps(n);
      RequireOk(engine::ScoreComposite(*plan, with_bitmaps, absl::MakeSpan(from_bitmaps),
                                       bitmap_options),
                "engine::ScoreComposite with validity bitmaps");
      RequireFinite(from_bitmaps, "engine composite with bitmaps");
    }

    // Value tiers of the scores, reference and engine.
    std::vector<ValueTier> tiers(n), engine_tiers(n);
    RequireOk(AssignValueTiers(reference, absl::MakeSpan(tiers)), "AssignValueTiers");
    RequireOk(engine::AssignPyramidTiers(scored, absl::MakeSpan(engine_tiers), {}, options),
              "engine::AssignPyramidTiers");
  }

  // RFM quintiles of a complete column, both directions, reference and engine.
  const Columns complete = MakePopulation(n, 7 + n, 0.0);
  for (const RfmDirection direction :
       {RfmDirection::kHigherIsBetter, RfmDirection::kLowerIsBetter}) {
    std::vector<std::int8_t> scores(n), engine_scores(n);
    RequireOk(RfmQuintileScores(complete[0], direction, absl::MakeSpan(scores)),
              "RfmQuintileScores");
    engine::EngineOptions options;
    options.threads = threads;
    RequireOk(engine::ScoreRfmQuintiles(complete[0], direction, absl::MakeSpan(engine_scores),
                                        options),
              "engine::ScoreRfmQuintiles");
    Require(scores == engine_scores, "RFM reference and engine differ");
  }

  // Satisfaction C = B / A, reference and engine.
  std::vector<double> b = complete[1], a = complete[3];
  for (double& value : b) value = std::fabs(value);
  for (double& value : a) value += 1.0;
  std::vector<double> ratios(n);
  engine::EngineOptions options;
  options.threads = threads;
  RequireOk(engine::SatisfactionRatios(b, a, absl::MakeSpan(ratios), options),
            "engine::SatisfactionRatios");
  for (std::size_t i = 0; i < n; ++i) {
    const absl::StatusOr<double> one = SatisfactionRatio(b[i], a[i]);
    RequireOk(one.status(), "SatisfactionRatio");
    Require(*one == ratios[i], "satisfaction reference and engine differ");
  }
}

TEST_F(FpTrapTest, ScoringOnEverySimdTargetRaisesNoException) {
  for (const std::string& target : engine::AvailableTargets()) {
    SCOPED_TRACE("target " + target);
    for (const std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{7},
                                std::size_t{1001}, std::size_t{40003}}) {
      SCOPED_TRACE("n " + std::to_string(n));
      EXPECT_NO_FP_TRAP([&] {
        RequireOk(engine::ForceTargetForTesting(target), "ForceTargetForTesting");
        ScoreEverything(n, 0.0, 1);
        ScoreEverything(n, 0.0, 3);
      });
    }
  }
}

TEST_F(FpTrapTest, ScoringWithMissingValuesRaisesNoException) {
  for (const std::string& target : engine::AvailableTargets()) {
    SCOPED_TRACE("target " + target);
    for (const std::size_t n : {std::size_t{3}, std::size_t{1001}, std::size_t{40003}}) {
      SCOPED_TRACE("n " + std::to_string(n));
      EXPECT_NO_FP_TRAP([&] {
        RequireOk(engine::ForceTargetForTesting(target), "ForceTargetForTesting");
        ScoreEverything(n, 0.15, 1);
        ScoreEverything(n, 0.15, 4);
      });
    }
  }
}

// ---------------------------------------------------------------------------
// Models on the CDNOW summary.

SummaryTable LoadCdnow() {
  SummaryColumnNames names;
  names.frequency = "x";
  names.recency = "t_x";
  names.T = "T";
  names.monetary_value = "zbar";
  absl::StatusOr<SummaryTable> table = LoadSummaryCsv(
      std::string(CRMCORE_TEST_DATA_DIR) + "/cdnow_customers_summary_with_transactions.csv",
      names);
  Require(table.ok() && table->size() == 2357, "CDNOW summary: " + table.status().ToString());
  return *std::move(table);
}

TEST_F(FpTrapTest, BgNbdFitAndPredictionsRaiseNoException) {
  EXPECT_NO_FP_TRAP([&] {
    const SummaryTable cdnow = LoadCdnow();
    const absl::StatusOr<PurchaseHistories> histories =
        PurchaseHistories::Create(cdnow.frequency, cdnow.recency, cdnow.T);
    RequireOk(histories.status(), "histories");
    const absl::StatusOr<BgNbdFit> fit = FitBgNbd(*histories);
    RequireOk(fit.status(), "FitBgNbd");
    Require(fit->report.converged, "BG/NBD converged");
    const std::size_t n = cdnow.size();
    std::vector<double> alive(n), expected(n), clv(n);
    RequireOk(BgNbdProbabilityAlive(fit->params, cdnow.frequency, cdnow.recency, cdnow.T,
                                    absl::MakeSpan(alive)),
              "BgNbdProbabilityAlive");
    RequireOk(BgNbdExpectedPurchases(fit->params, 39.0, cdnow.frequency, cdnow.recency,
                                     cdnow.T, absl::MakeSpan(expected)),
              "BgNbdExpectedPurchases");
    RequireFinite(alive, "P(alive)");
    RequireFinite(expected, "E[Y]");
    RequireOk(BgNbdExpectedPurchasesNew(fit->params, 39.0).status(), "E[X(t)]");
    for (int64_t k = 0; k < 8; ++k) {
      RequireOk(BgNbdPurchaseCountProbability(fit->params, 39.0, k).status(), "P(X(t)=k)");
    }
    std::vector<double> spend(n, 35.0);
    ClvHorizon horizon;
    RequireOk(BgNbdDiscountedClv(fit->params, horizon, spend, cdnow.frequency, cdnow.recency,
                                 cdnow.T, absl::MakeSpan(clv)),
              "BgNbdDiscountedClv");
    RequireFinite(clv, "CLV");
  });
}

TEST_F(FpTrapTest, ParetoNbdFitAndPredictionsRaiseNoException) {
  EXPECT_NO_FP_TRAP([&] {
    const SummaryTable cdnow = LoadCdnow();
    const absl::StatusOr<PurchaseHistories> histories =
        PurchaseHistories::Create(cdnow.frequency, cdnow.recency, cdnow.T);
    RequireOk(histories.status(), "histories");
    const absl::StatusOr<ParetoNbdFit> fit = FitParetoNbd(*histories);
    RequireOk(fit.status(), "FitParetoNbd");
    Require(fit->report.converged, "Pareto/NBD converged");
    const std::size_t n = cdnow.size();
    std::vector<double> alive(n), expected(n), clv(n);
    RequireOk(ParetoNbdProbabilityAlive(fit->params, cdnow.frequency, cdnow.recency, cdnow.T,
                                        absl::MakeSpan(alive)),
              "ParetoNbdProbabilityAlive");
    RequireOk(ParetoNbdExpectedPurchases(fit->params, 39.0, cdnow.frequency, cdnow.recency,
                                         cdnow.T, absl::MakeSpan(expected)),
              "ParetoNbdExpectedPurchases");
    RequireFinite(alive, "P(alive)");
    RequireFinite(expected, "E[Y]");
    std::vector<double> spend(n, 35.0);
    RequireOk(ParetoNbdDiscountedClv(fit->params, ClvHorizon{}, spend, cdnow.frequency,
                                     cdnow.recency, cdnow.T, absl::MakeSpan(clv)),
              "ParetoNbdDiscountedClv");
    RequireFinite(clv, "CLV");
  });
}

TEST_F(FpTrapTest, GammaGammaFitAndPredictionsRaiseNoException) {
  EXPECT_NO_FP_TRAP([&] {
    const SummaryTable cdnow = LoadCdnow();
    const absl::StatusOr<SpendHistories> spend =
        SpendHistories::Create(cdnow.frequency, cdnow.monetary_value);
    RequireOk(spend.status(), "spend histories");
    const absl::StatusOr<GammaGammaFit> fit = FitGammaGamma(*spend);
    RequireOk(fit.status(), "FitGammaGamma");
    Require(fit->report.converged, "Gamma-Gamma converged");
    std::vector<double> mean_spend(cdnow.size());
    RequireOk(GammaGammaExpectedMeanSpend(fit->params, cdnow.frequency, cdnow.monetary_value,
                                          absl::MakeSpan(mean_spend)),
              "GammaGammaExpectedMeanSpend");
    RequireFinite(mean_spend, "E[Z]");
  });
}

}  // namespace
}  // namespace crmcore

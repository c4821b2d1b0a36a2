// Tests of include/crmcore/engine.h and engine_state.h: the batch engine against the core's
// scalar references (composite_value.h, value_tier.h, rfm_score.h, satisfaction.h) on every
// SIMD target this machine supports, for 1, 2, 3 and 8 threads, through merged partition
// states, and on every bad input.
#include "crmcore/engine.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/composite_value.h"
#include "crmcore/engine_state.h"
#include "crmcore/rfm_score.h"
#include "crmcore/satisfaction.h"
#include "crmcore/value_tier.h"
// The engine's private thread helper, tested directly to simulate a failing std::thread
// (tests are not given src/ as an include directory).
#include "engine/parallel.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace engine {
namespace {

using ::testing::HasSubstr;
using C = CompositeComponent;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kUnitRoundoff = std::numeric_limits<double>::epsilon() / 2;

constexpr std::size_t I(C c) { return static_cast<std::size_t>(c); }

NormalizerSpec Spec(NormalizerKind kind, double lower = 0.0, double upper = 1.0) {
  NormalizerSpec spec;
  spec.kind = kind;
  spec.fixed_lower = lower;
  spec.fixed_upper = upper;
  return spec;
}

CompositePlan MustCreate(CompositePlan::Weights weights, CompositePlan::Normalizers normalizers,
                         MissingPolicy missing = MissingPolicy::kReject) {
  absl::StatusOr<CompositePlan> plan = CompositePlan::Create(weights, normalizers, missing);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// Every normalizer whose engine result must be IDENTICAL to the reference's.
CompositePlan ExactPlan(MissingPolicy missing = MissingPolicy::kReject) {
  return MustCreate({0.35, 0.25, 0.15, 0.15, 0.10},
                    {Spec(NormalizerKind::kMinMax), Spec(NormalizerKind::kMinMax),
                     Spec(NormalizerKind::kFixedBounds, 1.0, 5.0),
                     Spec(NormalizerKind::kPercentileRank), Spec(NormalizerKind::kMinMax)},
                    missing);
}

// With z-scores (agree within the documented tolerance).
CompositePlan MixedPlan(MissingPolicy missing = MissingPolicy::kReject) {
  return MustCreate({0.3, 0.2, 0.2, 0.2, 0.1},
                    {Spec(NormalizerKind::kZScore), Spec(NormalizerKind::kMinMax),
                     Spec(NormalizerKind::kFixedBounds, 1.0, 5.0),
                     Spec(NormalizerKind::kPercentileRank), Spec(NormalizerKind::kZScore)},
                    missing);
}

using Columns = std::array<std::vector<double>, kCompositeComponentCount>;

// A population with skew, ties (integer credit ratings, rounded loyalty), a column far from
// zero relative to its spread (z-score cancellation), and NaNs at `missing_rate`.
Columns MakePopulation(std::size_t n, std::uint64_t seed, double missing_rate = 0.0) {
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
    for (auto& column : columns) {
      if (coin(rng) < missing_rate) column[i] = kNaN;
    }
  }
  // Keep one component present per customer, as the reference requires under kRenormalize.
  for (std::size_t i = 0; i < n; ++i) {
    if (std::all_of(columns.begin(), columns.end(),
                    [i](const std::vector<double>& c) { return std::isnan(c[i]); })) {
      columns[2][i] = 3.0;
    }
  }
  return columns;
}

ComponentColumns ReferenceColumns(const Columns& columns) {
  ComponentColumns view;
  for (std::size_t c = 0; c < columns.size(); ++c) view.column[c] = columns[c];
  return view;
}

CompositeColumns EngineColumns(const Columns& columns) {
  CompositeColumns view;
  for (std::size_t c = 0; c < columns.size(); ++c) view.column[c] = columns[c];
  return view;
}

std::vector<double> Reference(const CompositePlan& plan, const Columns& columns) {
  std::vector<double> out(columns[0].size());
  const absl::Status status = ScoreCompositeReference(plan, ReferenceColumns(columns), absl::MakeSpan(out));
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

std::vector<double> Engine(const CompositePlan& plan, const Columns& columns, int threads = 0) {
  std::vector<double> out(columns[0].size(), -1.0);
  EngineOptions options;
  options.threads = threads;
  const absl::Status status = ScoreComposite(plan, EngineColumns(columns), absl::MakeSpan(out), options);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

// The documented bound on |engine − reference| for one customer: for each z-score
// component, weight · 2·N·u·(1 + |mean|/sd + |z|) (worst-case summation error of the
// mean and variance, engine and reference alike); 0 for every other normalizer. A few
// units in the last place of the value are added for the renormalizing division.
std::vector<double> Tolerances(const CompositePlan& plan, const Columns& columns) {
  const std::size_t n = columns[0].size();
  std::vector<double> tolerance(n, 0.0);
  for (const C c : AllValues<C>()) {
    if (!plan.uses(c) || plan.normalizer(c).kind != NormalizerKind::kZScore) continue;
    const ColumnStatistics stats = *ComputeColumnStatistics(columns[I(c)], Id(c));
    if (stats.stddev() == 0.0) continue;  // a constant column's z-score is exactly 0
    const double count = static_cast<double>(stats.count);
    for (std::size_t i = 0; i < n; ++i) {
      const double x = columns[I(c)][i];
      if (std::isnan(x)) continue;
      const double z = (x - stats.mean) / stats.stddev();
      tolerance[i] += plan.weight(c) * 2.0 * count * kUnitRoundoff *
                      (1.0 + std::fabs(stats.mean) / stats.stddev() + std::fabs(z));
    }
  }
  return tolerance;
}

void ExpectAgreement(const CompositePlan& plan, const Columns& columns,
                     const std::vector<double>& engine, const std::string& label) {
  const std::vector<double> reference = Reference(plan, columns);
  const std::vector<double> tolerance = Tolerances(plan, columns);
  std::size_t mismatches = 0;
  double worst = 0.0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const double error = std::fabs(engine[i] - reference[i]);
    const double allowed =
        tolerance[i] == 0.0 ? 0.0 : tolerance[i] + 4.0 * kUnitRoundoff * std::fabs(reference[i]);
    worst = std::max(worst, error);
    if (!(error <= allowed)) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << label << ": customer " << i << " engine " << engine[i]
                      << " reference " << reference[i] << " allowed " << allowed;
      }
    }
  }
  EXPECT_EQ(mismatches, 0u) << label << " (worst error " << worst << ")";

  // Tiers: the engine's selection-based tiers of the engine's values must equal the
  // reference tiers of the reference values.
  std::vector<ValueTier> engine_tiers(engine.size());
  std::vector<ValueTier> reference_tiers(engine.size());
  ASSERT_TRUE(AssignPyramidTiers(engine, absl::MakeSpan(engine_tiers)).ok());
  ASSERT_TRUE(crmcore::AssignValueTiers(reference, absl::MakeSpan(reference_tiers)).ok());
  EXPECT_EQ(engine_tiers, reference_tiers) << label;
}

// Runs `body` once per SIMD target available here, forcing the target, then restores the
// automatic choice.
template <class Body>
void ForEachTarget(Body body) {
  const std::vector<std::string> targets = AvailableTargets();
  ASSERT_FALSE(targets.empty());
  for (const std::string& target : targets) {
    ASSERT_TRUE(ForceTargetForTesting(target).ok()) << target;
    ASSERT_EQ(ActiveTarget(), target);
    SCOPED_TRACE("target " + target);
    body(target);
  }
  ASSERT_TRUE(ForceTargetForTesting("").ok());
}

// ---------------------------------------------------------------------------
// Targets.

TEST(EngineTargetTest, ListsForcesAndRestoresTargets) {
  const std::vector<std::string> targets = AvailableTargets();
  ASSERT_FALSE(targets.empty());
  const std::string automatic = ActiveTarget();
  EXPECT_EQ(automatic, targets.front()) << "the best available target runs by default";
  ForEachTarget([](const std::string&) {});
  EXPECT_EQ(ActiveTarget(), automatic);
  for (const std::string& target : targets) std::cout << "[ target ] " << target << "\n";
}

TEST(EngineTargetTest, RejectsAnUnknownTarget) {
  const absl::Status status = ForceTargetForTesting("NEON_OR_WHATEVER");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("NEON_OR_WHATEVER"));
  ASSERT_TRUE(ForceTargetForTesting("").ok());
}

TEST(EngineTargetTest, AnUnknownTargetLeavesTheSettingUnchanged) {
  const std::vector<std::string> targets = AvailableTargets();
  ASSERT_FALSE(targets.empty());
  // Under the automatic choice.
  ASSERT_TRUE(ForceTargetForTesting("").ok());
  EXPECT_FALSE(ForceTargetForTesting("NEON_OR_WHATEVER").ok());
  EXPECT_EQ(ActiveTarget(), targets.front());
  // Under a forced target, the least capable one (a change shows when there are several).
  const std::string forced = targets.back();
  ASSERT_TRUE(ForceTargetForTesting(forced).ok());
  EXPECT_FALSE(ForceTargetForTesting("NEON_OR_WHATEVER").ok());
  EXPECT_EQ(ActiveTarget(), forced);
  // The automatic choice still comes back after the failed call.
  ASSERT_TRUE(ForceTargetForTesting("").ok());
  EXPECT_EQ(ActiveTarget(), targets.front());
}

// ---------------------------------------------------------------------------
// Threads that cannot be started.

// Starts real threads for the first `allowed` workers, then throws as std::thread does when
// the system refuses a thread.
struct FailingStarter {
  std::size_t allowed = 0;
  std::size_t* attempts = nullptr;
  template <class Work>
  std::thread operator()(const Work& work, std::size_t worker) const {
    ++*attempts;
    if (worker > allowed) {
      throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    }
    return std::thread(work, worker);
  }
};

TEST(EngineThreadsTest, BlocksStillRunOnceEachWhenThreadsCannotStart) {
  constexpr std::size_t kBlocks = 200;
  for (const std::size_t allowed : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
    SCOPED_TRACE("threads started: " + std::to_string(allowed));
    std::vector<int> runs(kBlocks, 0);
    std::vector<std::size_t> worker_of(kBlocks, 99);
    std::size_t attempts = 0;
    internal::ForEachBlock(
        kBlocks, 8,
        [&](std::size_t worker, std::size_t block) {
          ++runs[block];
          worker_of[block] = worker;
        },
        FailingStarter{allowed, &attempts});
    EXPECT_EQ(attempts, allowed + 1) << "no start is tried after the first failure";
    EXPECT_TRUE(std::all_of(runs.begin(), runs.end(), [](int r) { return r == 1; }));
    // Only the calling thread (worker 0) and the started workers ran blocks.
    EXPECT_TRUE(std::all_of(worker_of.begin(), worker_of.end(),
                            [&](std::size_t w) { return w <= allowed; }));
  }
}

// ---------------------------------------------------------------------------
// Composite value against the reference, per target.

TEST(EngineCompositeTest, ExactNormalizersAreIdenticalOnEveryTarget) {
  // Sizes around the vector width, the chunk and the block (16384), and a multi-block batch.
  const std::vector<std::size_t> sizes = {1, 2, 3, 7, 8, 9, 1023, 1025, 16383, 16385, 70001};
  ForEachTarget([&](const std::string& target) {
    for (const std::size_t n : sizes) {
      const Columns columns = MakePopulation(n, 11 + n);
      ExpectAgreement(ExactPlan(), columns, Engine(ExactPlan(), columns),
                      target + " N=" + std::to_string(n));
    }
  });
}

TEST(EngineCompositeTest, ZScoresAgreeWithinTheDocumentedBoundOnEveryTarget) {
  ForEachTarget([&](const std::string& target) {
    for (const std::size_t n : {std::size_t{5}, std::size_t{1000}, std::size_t{100003}}) {
      const Columns columns = MakePopulation(n, 7 * n);
      ExpectAgreement(MixedPlan(), columns, Engine(MixedPlan(), columns),
                      target + " N=" + std::to_string(n));
    }
  });
}

// Min-max and z-score only under kReject: the kernel's fast shape (every component
// affine, the count known at compile time, one finiteness test per row), for every count
// of used components it has a copy for.
CompositePlan AffinePlan(std::size_t used, NormalizerKind kind) {
  CompositePlan::Weights weights = {0.0, 0.0, 0.0, 0.0, 0.0};
  for (std::size_t c = 0; c < used; ++c) weights[c] = 0.4 - 0.05 * static_cast<double>(c);
  CompositePlan::Normalizers normalizers;
  for (NormalizerSpec& spec : normalizers) spec = Spec(kind);
  return MustCreate(weights, normalizers);
}

TEST(EngineCompositeTest, AffinePlansAgreeOnEveryTargetForEveryComponentCount) {
  ForEachTarget([&](const std::string& target) {
    for (const std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{16385}}) {
      const Columns columns = MakePopulation(n, 5 * n + 1);
      for (std::size_t used = 1; used <= kCompositeComponentCount; ++used) {
        for (const NormalizerKind kind : {NormalizerKind::kMinMax, NormalizerKind::kZScore}) {
          const CompositePlan plan = AffinePlan(used, kind);
          ExpectAgreement(plan, columns, Engine(plan, columns),
                          absl::StrCat(target, " N=", n, " used=", used, " kind=",
                                       static_cast<int>(kind)));
        }
      }
    }
  });
}

// The fast shape tests only each row's result: a bad value anywhere in a block (first lane,
// middle, the padded last vector) must still be found and named as the reference names it.
// Scored against a state of clean columns, so that the bad value reaches the kernel (the
// one-batch call rejects it in its statistics pass, checked here too).
// Covers docs/bad-input.md BI-ENG-03
TEST(EngineBadInputTest, AffinePlansNameTheFirstBadValueOnEveryTarget) {
  const std::size_t n = kEngineBlockRows + 13;
  const Columns clean = MakePopulation(n, 21);
  const CompositePlan plan = AffinePlan(5, NormalizerKind::kMinMax);
  const absl::StatusOr<CompositeState> state = ComputeCompositeState(plan, EngineColumns(clean));
  ASSERT_TRUE(state.ok()) << state.status();
  ForEachTarget([&](const std::string& target) {
    for (const double bad : {kNaN, kInf, -kInf}) {
      for (const std::size_t index : {std::size_t{0}, std::size_t{4101}, n - 1}) {
        Columns columns = clean;
        columns[3][index] = bad;
        std::vector<double> out(n);
        const absl::Status reference =
            ScoreCompositeReference(plan, ReferenceColumns(columns), absl::MakeSpan(out));
        EXPECT_EQ(reference.code(), absl::StatusCode::kInvalidArgument);
        EXPECT_EQ(ScoreComposite(plan, EngineColumns(columns), *state, absl::MakeSpan(out)),
                  reference)
            << target << " index " << index;
        EXPECT_EQ(ScoreComposite(plan, EngineColumns(columns), absl::MakeSpan(out)), reference)
            << target << " index " << index;
      }
    }
  });
}

// A finite newcomer whose result overflows against another population's statistics (a
// min-max column of subnormal spread), in the body of a block and in its padded tail.
// Covers docs/bad-input.md BI-ENG-16
TEST(EngineBadInputTest, AffineOverflowAgainstAStateIsFoundAtAnyRowOnEveryTarget) {
  // The fast shape, and the general one (a fixed-bounds component among min-max ones).
  CompositePlan::Normalizers mixed;
  for (NormalizerSpec& spec : mixed) spec = Spec(NormalizerKind::kMinMax);
  mixed[0] = Spec(NormalizerKind::kFixedBounds, 0.0, 1e4);
  for (const CompositePlan& plan :
       {AffinePlan(5, NormalizerKind::kMinMax), MustCreate({1, 1, 1, 1, 1}, mixed)}) {
    Columns population = MakePopulation(64, 3);
    for (std::size_t i = 0; i < 64; ++i) population[2][i] = static_cast<double>(i) * 1e-310;
    const absl::StatusOr<CompositeState> state =
        ComputeCompositeState(plan, EngineColumns(population));
    ASSERT_TRUE(state.ok()) << state.status();
    const std::size_t n = 2 * kEngineBlockRows + 5;
    const Columns clean = MakePopulation(n, 8);
    ForEachTarget([&](const std::string& target) {
      for (const std::size_t index : {std::size_t{3}, kEngineBlockRows + 77, n - 1}) {
        Columns columns = clean;
        for (double& x : columns[2]) x = 1e-311;
        columns[2][index] = 5.0;  // (5 - 0) / 6.3e-309: +Inf
        std::vector<double> out(n);
        const absl::Status status =
            ScoreComposite(plan, EngineColumns(columns), *state, absl::MakeSpan(out));
        EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << target << " " << status;
        EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("customer ", index, " overflows")))
            << target;
      }
      // Without the overflowing row every customer scores, and finitely.
      Columns columns = clean;
      for (double& x : columns[2]) x = 1e-311;
      std::vector<double> out(n);
      ASSERT_TRUE(ScoreComposite(plan, EngineColumns(columns), *state, absl::MakeSpan(out)).ok())
          << target;
      EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](double x) { return std::isfinite(x); }));
    });
  }
}

TEST(EngineCompositeTest, RenormalizedMissingValuesAgreeOnEveryTarget) {
  ForEachTarget([&](const std::string& target) {
    for (const std::size_t n : {std::size_t{9}, std::size_t{40001}}) {
      const Columns columns = MakePopulation(n, 3 * n, 0.2);
      ExpectAgreement(ExactPlan(MissingPolicy::kRenormalize), columns,
                      Engine(ExactPlan(MissingPolicy::kRenormalize), columns), target + " exact");
      ExpectAgreement(MixedPlan(MissingPolicy::kRenormalize), columns,
                      Engine(MixedPlan(MissingPolicy::kRenormalize), columns), target + " mixed");
    }
  });
}

TEST(EngineCompositeTest, UnusedComponentsAreNeverRead) {
  const Columns columns = MakePopulation(100, 5);
  const CompositePlan plan = MustCreate({1.0, 0.0, 2.0, 0.0, 0.0}, {});
  CompositeColumns view = EngineColumns(columns);
  view.column[I(C::kFutureContribution)] = ColumnView();  // absent
  std::vector<double> out(100);
  ASSERT_TRUE(ScoreComposite(plan, view, absl::MakeSpan(out)).ok());
  EXPECT_EQ(out, Reference(plan, columns));
}

// ---------------------------------------------------------------------------
// Threads: bit-identical for any thread count.

TEST(EngineThreadsTest, ResultsAreBitIdenticalForAnyThreadCount) {
  const std::size_t n = 5 * kEngineBlockRows + 123;
  const Columns columns = MakePopulation(n, 99, 0.05);
  const CompositePlan plan = MixedPlan(MissingPolicy::kRenormalize);
  const std::vector<double> one = Engine(plan, columns, 1);
  std::vector<ValueTier> tiers_one(n);
  std::vector<std::int8_t> rfm_one(n);
  EngineOptions single;
  single.threads = 1;
  ASSERT_TRUE(AssignPyramidTiers(one, absl::MakeSpan(tiers_one), {}, single).ok());
  ASSERT_TRUE(
      ScoreRfmQuintiles(one, RfmDirection::kLowerIsBetter, absl::MakeSpan(rfm_one), single)
          .ok());
  for (const int threads : {2, 3, 8}) {
    const std::vector<double> many = Engine(plan, columns, threads);
    EXPECT_EQ(std::memcmp(one.data(), many.data(), n * sizeof(double)), 0) << threads;
    EngineOptions options;
    options.threads = threads;
    std::vector<ValueTier> tiers(n);
    ASSERT_TRUE(AssignPyramidTiers(many, absl::MakeSpan(tiers), {}, options).ok());
    EXPECT_EQ(tiers, tiers_one) << threads;
    std::vector<std::int8_t> rfm(n);
    ASSERT_TRUE(ScoreRfmQuintiles(one, RfmDirection::kLowerIsBetter, absl::MakeSpan(rfm),
                                  options)
                    .ok());
    EXPECT_EQ(rfm, rfm_one) << threads;
    absl::StatusOr<CompositeState> state =
        ComputeCompositeState(plan, EngineColumns(columns), options);
    ASSERT_TRUE(state.ok());
    absl::StatusOr<CompositeState> state_one =
        ComputeCompositeState(plan, EngineColumns(columns), single);
    for (const C c : AllValues<C>()) {
      EXPECT_EQ(std::memcmp(&state->column[I(c)].mean, &state_one->column[I(c)].mean, 8), 0);
      EXPECT_EQ(std::memcmp(&state->column[I(c)].m2, &state_one->column[I(c)].m2, 8), 0);
    }
  }
}

// engine.h promises that calls on different data may run from several host threads at
// once (each call owns its threads and scratch); the tsan preset runs this under
// ThreadSanitizer.
TEST(EngineThreadsTest, ConcurrentCallsFromHostThreadsAgreeWithSerialOnes) {
  const std::size_t n = 2 * kEngineBlockRows + 77;
  const CompositePlan plan = MixedPlan(MissingPolicy::kRenormalize);
  constexpr int kHosts = 4;
  std::vector<Columns> populations;
  std::vector<std::vector<double>> serial_values;
  std::vector<std::vector<std::int8_t>> serial_rfm;
  for (int h = 0; h < kHosts; ++h) {
    populations.push_back(MakePopulation(n, 500 + static_cast<std::uint64_t>(h), 0.05));
    serial_values.push_back(Engine(plan, populations.back(), 1));
    std::vector<std::int8_t> rfm(n);
    ASSERT_TRUE(ScoreRfmQuintiles(serial_values.back(), RfmDirection::kHigherIsBetter,
                                  absl::MakeSpan(rfm), EngineOptions{.threads = 1})
                    .ok());
    serial_rfm.push_back(std::move(rfm));
  }
  std::vector<std::vector<double>> values(kHosts, std::vector<double>(n));
  std::vector<std::vector<std::int8_t>> rfm(kHosts, std::vector<std::int8_t>(n));
  std::vector<absl::Status> status(kHosts);
  std::vector<std::thread> hosts;
  for (int h = 0; h < kHosts; ++h) {
    hosts.emplace_back([&, h] {
      const auto i = static_cast<std::size_t>(h);
      const EngineOptions options{.threads = 2};
      status[i] = ScoreComposite(plan, EngineColumns(populations[i]), absl::MakeSpan(values[i]),
                                 options);
      if (status[i].ok()) {
        status[i] = ScoreRfmQuintiles(values[i], RfmDirection::kHigherIsBetter,
                                      absl::MakeSpan(rfm[i]), options);
      }
    });
  }
  for (std::thread& host : hosts) host.join();
  for (std::size_t h = 0; h < kHosts; ++h) {
    ASSERT_TRUE(status[h].ok()) << status[h];
    EXPECT_EQ(std::memcmp(values[h].data(), serial_values[h].data(), n * sizeof(double)), 0) << h;
    EXPECT_EQ(rfm[h], serial_rfm[h]) << h;
  }
}

TEST(EngineThreadsTest, DefaultIsTheHardwareConcurrency) {
  EngineOptions options;
  EXPECT_EQ(options.threads, 0);
  EXPECT_GE(options.ResolvedThreads(), 1);
  options.threads = 3;
  EXPECT_EQ(options.ResolvedThreads(), 3);
}

// ---------------------------------------------------------------------------
// Column types and missing encodings.

TEST(EngineColumnsTest, FloatAndInt64ColumnsMatchTheReferenceOnTheirDoubleValues) {
  const std::size_t n = 20000;
  const Columns doubles = MakePopulation(n, 17);
  std::vector<float> revenue(n);
  std::vector<std::int64_t> credit(n);
  Columns converted = doubles;
  for (std::size_t i = 0; i < n; ++i) {
    revenue[i] = static_cast<float>(doubles[0][i]);
    converted[0][i] = static_cast<double>(revenue[i]);
    credit[i] = static_cast<std::int64_t>(doubles[2][i]);
  }
  CompositeColumns view = EngineColumns(doubles);
  view.column[0] = absl::MakeConstSpan(revenue);
  view.column[2] = absl::MakeConstSpan(credit);
  std::vector<double> out(n);
  ASSERT_TRUE(ScoreComposite(ExactPlan(), view, absl::MakeSpan(out)).ok());
  EXPECT_EQ(out, Reference(ExactPlan(), converted));
}

TEST(EngineColumnsTest, ValidityBitmapMeansTheSameAsNaN) {
  const std::size_t n = 30001;
  const Columns with_nan = MakePopulation(n, 23, 0.1);
  Columns filled = with_nan;
  std::array<std::vector<std::uint8_t>, kCompositeComponentCount> bitmaps;
  CompositeColumns view;
  for (std::size_t c = 0; c < filled.size(); ++c) {
    bitmaps[c].assign((n + 7) / 8, 0);
    for (std::size_t i = 0; i < n; ++i) {
      if (std::isnan(filled[c][i])) {
        filled[c][i] = 12345.0;  // garbage behind a cleared bit: never read as a value
      } else {
        bitmaps[c][i / 8] = static_cast<std::uint8_t>(bitmaps[c][i / 8] | (1u << (i % 8)));
      }
    }
    view.column[c] = ColumnView(filled[c]).WithValidity(bitmaps[c]);
  }
  EngineOptions options;
  options.missing_encoding = MissingEncoding::kValidityBitmap;
  const CompositePlan plan = ExactPlan(MissingPolicy::kRenormalize);
  std::vector<double> out(n);
  ASSERT_TRUE(ScoreComposite(plan, view, absl::MakeSpan(out), options).ok());
  EXPECT_EQ(out, Reference(plan, with_nan));
}

// ---------------------------------------------------------------------------
// Partitions: merged states score like one batch.

TEST(EnginePartitionTest, FourPartitionsThroughMergedStatesGiveTheSameTiersAsOneBatch) {
  const std::size_t n = 100000;
  for (const bool exact : {true, false}) {
    const CompositePlan plan = exact ? ExactPlan() : MixedPlan();
    const Columns columns = MakePopulation(n, 2024);
    const std::vector<double> batch = Engine(plan, columns);
    std::vector<ValueTier> batch_tiers(n);
    ASSERT_TRUE(AssignPyramidTiers(batch, absl::MakeSpan(batch_tiers)).ok());

    // Uneven partitions, none aligned to a block.
    const std::array<std::size_t, 5> bounds = {0, 12345, 50000, 50001, n};
    std::vector<Columns> parts(4);
    CompositeState merged;
    for (std::size_t p = 0; p < 4; ++p) {
      for (std::size_t c = 0; c < kCompositeComponentCount; ++c) {
        parts[p][c].assign(columns[c].begin() + static_cast<std::ptrdiff_t>(bounds[p]),
                           columns[c].begin() + static_cast<std::ptrdiff_t>(bounds[p + 1]));
      }
      absl::StatusOr<CompositeState> state = ComputeCompositeState(plan, EngineColumns(parts[p]));
      ASSERT_TRUE(state.ok()) << state.status();
      merged.Merge(*state);
    }
    EXPECT_EQ(merged.rows, static_cast<std::int64_t>(n));
    std::vector<double> values(n);
    QuantileState value_population;
    for (std::size_t p = 0; p < 4; ++p) {
      absl::Span<double> out =
          absl::MakeSpan(values).subspan(bounds[p], bounds[p + 1] - bounds[p]);
      ASSERT_TRUE(ScoreComposite(plan, EngineColumns(parts[p]), merged, absl::MakeSpan(out)).ok());
      absl::StatusOr<QuantileState> q = ComputeQuantileState(out);
      ASSERT_TRUE(q.ok());
      value_population.Merge(*q);
    }
    if (exact) {
      EXPECT_EQ(values, batch);
    }
    ExpectAgreement(plan, columns, values, exact ? "partitions exact" : "partitions mixed");

    absl::StatusOr<TierCutoffs> cutoffs = TierCutoffsFrom(value_population);
    ASSERT_TRUE(cutoffs.ok());
    std::vector<ValueTier> tiers(n);
    for (std::size_t p = 0; p < 4; ++p) {
      const std::size_t size = bounds[p + 1] - bounds[p];
      ASSERT_TRUE(AssignTiers(absl::MakeConstSpan(values).subspan(bounds[p], size), *cutoffs,
                              absl::MakeSpan(tiers).subspan(bounds[p], size))
                      .ok());
    }
    EXPECT_EQ(tiers, batch_tiers);
  }
}

TEST(EnginePartitionTest, ExactStatisticsMergeExactly) {
  const Columns columns = MakePopulation(5000, 8);
  const CompositePlan plan = ExactPlan();
  CompositeState merged;
  for (std::size_t p = 0; p < 5; ++p) {
    Columns part;
    for (std::size_t c = 0; c < kCompositeComponentCount; ++c) {
      part[c].assign(columns[c].begin() + static_cast<std::ptrdiff_t>(p * 1000),
                     columns[c].begin() + static_cast<std::ptrdiff_t>(p * 1000 + 1000));
    }
    merged.Merge(*ComputeCompositeState(plan, EngineColumns(part)));
  }
  const CompositeState batch = *ComputeCompositeState(plan, EngineColumns(columns));
  for (const C c : AllValues<C>()) {
    const ColumnStatistics reference = *ComputeColumnStatistics(columns[I(c)], Id(c), true);
    EXPECT_EQ(merged.column[I(c)].count, reference.count);
    EXPECT_EQ(merged.column[I(c)].min, reference.min);
    EXPECT_EQ(merged.column[I(c)].max, reference.max);
    EXPECT_NEAR(merged.column[I(c)].mean, reference.mean, 1e-12 * (1 + std::fabs(reference.mean)));
    EXPECT_NEAR(merged.column[I(c)].variance(), reference.variance, 1e-9 * reference.variance);
    EXPECT_EQ(batch.column[I(c)].min, reference.min);
    if (plan.normalizer(c).kind == NormalizerKind::kPercentileRank) {
      EXPECT_EQ(merged.column[I(c)].quantiles.sorted, reference.sorted);
      EXPECT_EQ(batch.column[I(c)].quantiles.sorted, reference.sorted);
    }
  }
}

// ---------------------------------------------------------------------------
// Tiers and RFM against the references.

std::vector<double> TiedColumn(std::size_t n, std::uint64_t seed, int distinct) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> value(0, distinct - 1);
  std::vector<double> column(n);
  for (double& x : column) x = 0.5 * value(rng) - 3.0;
  return column;
}

TEST(EngineTierTest, TiersMatchTheReferenceIncludingTies) {
  for (std::size_t n = 0; n <= 230; ++n) {
    for (const int distinct : {1, 2, 7, 1000}) {
      const std::vector<double> values = TiedColumn(n, n * 31 + static_cast<std::size_t>(distinct),
                                                    distinct);
      std::vector<ValueTier> reference(n);
      std::vector<ValueTier> engine(n);
      ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(reference)).ok());
      ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(engine)).ok());
      ASSERT_EQ(engine, reference) << "N=" << n << " distinct=" << distinct;
      absl::StatusOr<TierCutoffs> from_state = TierCutoffsFrom(*ComputeQuantileState(values));
      ASSERT_TRUE(from_state.ok());
      ASSERT_TRUE(AssignTiers(values, *from_state, absl::MakeSpan(engine)).ok());
      ASSERT_EQ(engine, reference) << "state N=" << n;
    }
  }
  // Other fractions, with a zero-seat tier, on a large column.
  PyramidFractions fractions{.vip = 0.0, .major = 0.1, .ordinary = 0.3, .small = 0.6};
  const std::vector<double> values = TiedColumn(100000, 5, 300);
  std::vector<ValueTier> reference(values.size());
  std::vector<ValueTier> engine(values.size());
  ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(reference), fractions).ok());
  ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(engine), fractions).ok());
  EXPECT_EQ(engine, reference);
}

TEST(EngineRfmTest, ScoresMatchTheReferenceScoreForScore) {
  for (const RfmDirection direction : {RfmDirection::kHigherIsBetter, RfmDirection::kLowerIsBetter}) {
    for (std::size_t n = 0; n <= 120; ++n) {
      for (const int distinct : {1, 3, 6, 1000}) {
        const std::vector<double> values =
            TiedColumn(n, n * 7 + static_cast<std::size_t>(distinct), distinct);
        std::vector<std::int8_t> reference(n);
        std::vector<std::int8_t> engine(n);
        ASSERT_TRUE(crmcore::RfmQuintileScores(values, direction, absl::MakeSpan(reference)).ok());
        ASSERT_TRUE(ScoreRfmQuintiles(values, direction, absl::MakeSpan(engine)).ok());
        ASSERT_EQ(engine, reference) << "N=" << n << " distinct=" << distinct;
        if (n == 0) continue;
        absl::StatusOr<RfmThresholds> thresholds =
            RfmThresholdsFrom(*ComputeQuantileState(values), direction);
        ASSERT_TRUE(thresholds.ok());
        ASSERT_TRUE(ScoreRfm(values, *thresholds, absl::MakeSpan(engine)).ok());
        ASSERT_EQ(engine, reference) << "state N=" << n << " distinct=" << distinct;
      }
    }
    for (const int distinct : {5, 40, 100000}) {
      const std::vector<double> values = TiedColumn(200003, 77, distinct);
      std::vector<std::int8_t> reference(values.size());
      std::vector<std::int8_t> engine(values.size());
      ASSERT_TRUE(crmcore::RfmQuintileScores(values, direction, absl::MakeSpan(reference)).ok());
      ASSERT_TRUE(ScoreRfmQuintiles(values, direction, absl::MakeSpan(engine)).ok());
      EXPECT_EQ(engine, reference) << "distinct=" << distinct;
    }
  }
}

// Exercises the radix selection: values over many binades, both signs, -0.0 next to 0.0,
// a dense cluster that needs a second histogram level, and huge magnitudes.
TEST(EngineRfmTest, WideRangesAndSignedZerosMatchTheReference) {
  std::mt19937_64 rng(9);
  std::lognormal_distribution<double> spread(0.0, 20.0);
  std::uniform_int_distribution<int> kind(0, 9);
  std::uniform_real_distribution<double> cluster(1.0, 1.0 + 1e-12);
  std::vector<double> values(150001);
  for (double& x : values) {
    switch (kind(rng)) {
      case 0: x = 0.0; break;
      case 1: x = -0.0; break;
      case 2: case 3: case 4: x = cluster(rng); break;
      case 5: x = -spread(rng); break;
      case 6: x = 1e300 * (kind(rng) - 4.5); break;
      default: x = spread(rng); break;
    }
  }
  for (const RfmDirection direction : {RfmDirection::kHigherIsBetter, RfmDirection::kLowerIsBetter}) {
    std::vector<std::int8_t> reference(values.size());
    std::vector<std::int8_t> engine(values.size());
    ASSERT_TRUE(crmcore::RfmQuintileScores(values, direction, absl::MakeSpan(reference)).ok());
    ASSERT_TRUE(ScoreRfmQuintiles(values, direction, absl::MakeSpan(engine)).ok());
    EXPECT_EQ(engine, reference);
  }
  for (const PyramidFractions fractions :
       {PyramidFractions{}, PyramidFractions{.vip = 0.1, .major = 0.2, .ordinary = 0.3, .small = 0.4}}) {
    std::vector<ValueTier> reference(values.size());
    std::vector<ValueTier> engine(values.size());
    ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(reference), fractions).ok());
    ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(engine), fractions).ok());
    EXPECT_EQ(engine, reference);
  }
}

// Few distinct values far apart: a quintile's threshold is then often the next distinct
// value, which lies in another histogram bucket (found through the neighbour buckets).
TEST(EngineRfmTest, ThresholdsInNeighbourBucketsMatchTheReference) {
  std::mt19937_64 rng(41);
  for (const std::vector<double>& levels :
       {std::vector<double>{0.0, 1e6}, std::vector<double>{-5.0, 3.0, 1e9},
        std::vector<double>{1.0, 1.0 + 1e-15, 2.0, 1e300}}) {
    for (const double share_of_first : {0.2, 0.5, 0.61, 0.95}) {
      std::uniform_real_distribution<double> u(0.0, 1.0);
      std::uniform_int_distribution<std::size_t> other(1, levels.size() - 1);
      std::vector<double> values(60001);
      for (double& x : values) x = u(rng) < share_of_first ? levels[0] : levels[other(rng)];
      for (const RfmDirection direction :
           {RfmDirection::kHigherIsBetter, RfmDirection::kLowerIsBetter}) {
        std::vector<std::int8_t> reference(values.size());
        ASSERT_TRUE(crmcore::RfmQuintileScores(values, direction, absl::MakeSpan(reference)).ok());
        for (const int threads : {1, 2, 3}) {
          std::vector<std::int8_t> engine(values.size());
          ASSERT_TRUE(ScoreRfmQuintiles(values, direction, absl::MakeSpan(engine),
                                        EngineOptions{.threads = threads})
                          .ok());
          ASSERT_EQ(engine, reference) << "share " << share_of_first << " threads " << threads;
        }
      }
      std::vector<ValueTier> reference(values.size());
      std::vector<ValueTier> engine(values.size());
      ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(reference)).ok());
      ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(engine)).ok());
      ASSERT_EQ(engine, reference) << "share " << share_of_first;
    }
  }
}

// The range and scoring passes of tiers and RFM scores are SIMD kernels too
// (order_kernels.cc): identical to the reference on every target, with a tail shorter than
// a vector, both signs, signed zeros and ties; a non-finite value is named on every target.
TEST(EngineRfmTest, TiersAndScoresMatchTheReferenceOnEveryTarget) {
  std::mt19937_64 rng(77);
  std::uniform_int_distribution<int> pick(-40, 40);
  for (const std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{4099},
                              std::size_t{3 * kEngineBlockRows + 13}}) {
    std::vector<double> values(n);
    for (double& x : values) {
      const int k = pick(rng);
      x = k == 0 ? (rng() % 2 == 0 ? 0.0 : -0.0) : 0.25 * k;
    }
    std::vector<ValueTier> tiers_reference(n);
    ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(tiers_reference)).ok());
    std::array<std::vector<std::int8_t>, 2> rfm_reference;
    const std::array<RfmDirection, 2> directions = {RfmDirection::kHigherIsBetter,
                                                    RfmDirection::kLowerIsBetter};
    for (std::size_t d = 0; d < 2; ++d) {
      rfm_reference[d].resize(n);
      ASSERT_TRUE(crmcore::RfmQuintileScores(values, directions[d],
                                             absl::MakeSpan(rfm_reference[d]))
                      .ok());
    }
    ForEachTarget([&](const std::string&) {
      for (const int threads : {1, 2}) {
        const EngineOptions options{.threads = threads};
        std::vector<ValueTier> tiers(n);
        ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(tiers), {}, options).ok());
        EXPECT_EQ(tiers, tiers_reference) << "n " << n;
        for (std::size_t d = 0; d < 2; ++d) {
          std::vector<std::int8_t> scores(n);
          ASSERT_TRUE(
              ScoreRfmQuintiles(values, directions[d], absl::MakeSpan(scores), options).ok());
          EXPECT_EQ(scores, rfm_reference[d]) << "n " << n << " direction " << d;
        }
      }
      if (n < 8) return;
      for (const double bad : {std::numeric_limits<double>::quiet_NaN(),
                               std::numeric_limits<double>::infinity(),
                               -std::numeric_limits<double>::infinity()}) {
        std::vector<double> broken = values;
        broken[n - 3] = bad;
        broken[n - 1] = bad;
        std::vector<std::int8_t> scores(n);
        const absl::Status status =
            ScoreRfmQuintiles(broken, RfmDirection::kHigherIsBetter, absl::MakeSpan(scores));
        EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
        EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("index ", n - 3)));
        std::vector<ValueTier> tiers(n);
        EXPECT_THAT(AssignPyramidTiers(broken, absl::MakeSpan(tiers)).message(),
                    HasSubstr(absl::StrCat("index ", n - 3)));
      }
    });
  }
}

// Whole-number columns whose range is narrower than 2^16 take the histogram-only path (one
// bucket per value, nothing gathered); one value more, or one fraction, takes the general
// path. Both must match the reference: tiers, scores and the cut-off values themselves.
TEST(EngineRfmTest, WholeNumberColumnsMatchTheReferenceOnBothPaths) {
  struct Shape {
    std::string name;
    double least;
    double step;       // spacing of the possible values
    int distinct;      // how many possible values
    double fraction;   // added to one value (0: the column stays whole)
    std::size_t fraction_at = 3;  // which one (an index into a column of n values)
  };
  const std::size_t n = kEngineBlockRows + 5;  // the second block's 5 rows: a scalar tail
  const std::vector<Shape> shapes = {
      {"recency days", 0.0, 1.0, 366, 0.0},
      {"purchase counts", 1.0, 1.0, 50, 0.0},
      {"signed, around zero", -20.0, 1.0, 41, 0.0},
      {"widest whole-number span", -30000.0, 1.0, 65536, 0.0},
      {"one value too wide", -30000.0, 1.0, 65537, 0.0},
      {"with one fraction", 0.0, 1.0, 366, 0.5},
      {"with one fraction in a later vector", 0.0, 1.0, 366, 0.25, 5000},
      {"with one fraction in the scalar tail", 0.0, 1.0, 366, -0.5, n - 1},
      {"huge magnitudes", -1152921504606846976.0, 256.0, 200, 0.0},  // -2^60, step 2^8
      {"two values", 7.0, 1.0, 2, 0.0},
  };
  std::mt19937_64 rng(2026);
  for (const Shape& shape : shapes) {
    SCOPED_TRACE(shape.name);
    std::uniform_int_distribution<int> pick(0, shape.distinct - 1);
    std::vector<double> values(n);
    for (double& x : values) x = shape.least + shape.step * pick(rng);
    values[1] = shape.least;  // the range's ends are present
    values[2] = shape.least + shape.step * (shape.distinct - 1);
    values[shape.fraction_at] += shape.fraction;
    if (shape.least == 0.0) values[4] = -0.0;  // equal to 0.0, and the least value
    std::vector<ValueTier> tiers_reference(values.size());
    ASSERT_TRUE(crmcore::AssignValueTiers(values, absl::MakeSpan(tiers_reference)).ok());
    const absl::StatusOr<TierCutoffs> cutoffs = ComputeTierCutoffs(values);
    ASSERT_TRUE(cutoffs.ok()) << cutoffs.status();
    const QuantileState exact = *ComputeQuantileState(values);
    const TierCutoffs cutoffs_reference = *TierCutoffsFrom(exact, {});
    ForEachTarget([&](const std::string&) {
      for (const int threads : {1, 2}) {
        const EngineOptions options{.threads = threads};
        std::vector<ValueTier> tiers(values.size());
        ASSERT_TRUE(AssignPyramidTiers(values, absl::MakeSpan(tiers), {}, options).ok());
        EXPECT_EQ(tiers, tiers_reference);
        for (const RfmDirection direction :
             {RfmDirection::kHigherIsBetter, RfmDirection::kLowerIsBetter}) {
          std::vector<std::int8_t> reference(values.size());
          std::vector<std::int8_t> scores(values.size());
          ASSERT_TRUE(
              crmcore::RfmQuintileScores(values, direction, absl::MakeSpan(reference)).ok());
          ASSERT_TRUE(
              ScoreRfmQuintiles(values, direction, absl::MakeSpan(scores), options).ok());
          EXPECT_EQ(scores, reference) << "direction " << static_cast<int>(direction);
        }
      }
    });
    EXPECT_EQ(cutoffs->seats, cutoffs_reference.seats);
    EXPECT_EQ(cutoffs->value, cutoffs_reference.value);
  }
}

TEST(EngineRfmTest, MergedPartitionsScoreLikeOneBatch) {
  const std::vector<double> values = TiedColumn(50000, 3, 37);
  QuantileState merged;
  for (std::size_t p = 0; p < 4; ++p) {
    merged.Merge(*ComputeQuantileState(absl::MakeConstSpan(values).subspan(p * 12500, 12500)));
  }
  std::vector<std::int8_t> reference(values.size());
  std::vector<std::int8_t> engine(values.size());
  ASSERT_TRUE(crmcore::RfmQuintileScores(values, RfmDirection::kHigherIsBetter,
                                         absl::MakeSpan(reference))
                  .ok());
  ASSERT_TRUE(ScoreRfm(values, *RfmThresholdsFrom(merged, RfmDirection::kHigherIsBetter),
                       absl::MakeSpan(engine))
                  .ok());
  EXPECT_EQ(engine, reference);
}

// ---------------------------------------------------------------------------
// Satisfaction ratio C = B / A.

TEST(EngineSatisfactionTest, RatiosMatchTheReference) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> value(-50.0, 150.0);
  std::uniform_real_distribution<double> expectation(0.1, 100.0);
  std::vector<double> b(40000);
  std::vector<double> a(40000);
  for (std::size_t i = 0; i < b.size(); ++i) {
    b[i] = value(rng);
    a[i] = expectation(rng);
  }
  std::vector<double> c(b.size());
  ASSERT_TRUE(SatisfactionRatios(b, a, absl::MakeSpan(c)).ok());
  for (std::size_t i = 0; i < b.size(); ++i) ASSERT_EQ(c[i], *SatisfactionRatio(b[i], a[i]));
}

// Covers docs/bad-input.md BI-ENG-14
TEST(EngineSatisfactionTest, ReportsTheFirstBadCustomerWithTheReferenceError) {
  std::vector<double> b = {9.0, 1.0, kNaN, 4.0};
  std::vector<double> a = {8.0, 0.0, 1.0, 1.0};
  std::vector<double> c(4);
  absl::Status status = SatisfactionRatios(b, a, absl::MakeSpan(c));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("at index 1"));
  EXPECT_THAT(status.message(), HasSubstr("expectation A must be finite and > 0, got 0"));

  b = {1e308, 1.0};
  a = {1e-10, 1.0};
  c.resize(2);
  status = SatisfactionRatios(b, a, absl::MakeSpan(c));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("at index 0"));

  status = SatisfactionRatios(b, a, absl::MakeSpan(c).subspan(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("out_c has 1"));
}

// ---------------------------------------------------------------------------
// Bad input and edge cases.

// Covers docs/bad-input.md BI-ENG-01, BI-ENG-02
TEST(EngineBadInputTest, MismatchedLengthsAreRejected) {
  Columns columns = MakePopulation(10, 1);
  columns[3].pop_back();
  std::vector<double> out(10);
  absl::Status status = ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("column loyalty has 9 values but column "
                                          "current_contribution has 10"));
  columns = MakePopulation(10, 1);
  out.resize(11);
  status = ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out));
  EXPECT_THAT(status.message(), HasSubstr("out has 11 elements but the columns hold 10"));

  std::vector<ValueTier> tiers(3);
  status = AssignPyramidTiers(columns[0], absl::MakeSpan(tiers));
  EXPECT_THAT(status.message(), HasSubstr("out has 3 elements but value has 10"));
  std::vector<std::int8_t> scores(4);
  status = ScoreRfmQuintiles(columns[0], RfmDirection::kHigherIsBetter, absl::MakeSpan(scores));
  EXPECT_THAT(status.message(), HasSubstr("out_scores has 4 elements but values has 10"));
}

// The engine-allocated forms return what the caller-provided forms write, and their errors.
TEST(EngineAllocatedOutputTest, EqualsTheCallerProvidedForms) {
  const std::size_t n = kEngineBlockRows + 100;
  const Columns columns = MakePopulation(n, 31);
  const EngineOptions options{.threads = 2};

  const absl::StatusOr<std::vector<double>> value =
      ComputeCompositeValues(ExactPlan(), EngineColumns(columns), options);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, Engine(ExactPlan(), columns, 2));

  const absl::StatusOr<std::vector<ValueTier>> tiers = ComputePyramidTiers(*value);
  std::vector<ValueTier> tiers_into(n);
  ASSERT_TRUE(AssignPyramidTiers(*value, absl::MakeSpan(tiers_into)).ok());
  ASSERT_TRUE(tiers.ok()) << tiers.status();
  EXPECT_EQ(*tiers, tiers_into);

  const absl::StatusOr<std::vector<std::int8_t>> scores =
      ComputeRfmQuintiles(columns[3], RfmDirection::kLowerIsBetter, options);
  std::vector<std::int8_t> scores_into(n);
  ASSERT_TRUE(
      ScoreRfmQuintiles(columns[3], RfmDirection::kLowerIsBetter, absl::MakeSpan(scores_into))
          .ok());
  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_EQ(*scores, scores_into);

  const absl::StatusOr<std::vector<double>> ratios =
      ComputeSatisfactionRatios(columns[1], columns[3]);
  std::vector<double> ratios_into(n);
  const absl::Status ratios_status =
      SatisfactionRatios(columns[1], columns[3], absl::MakeSpan(ratios_into));
  EXPECT_EQ(ratios.status(), ratios_status);  // loyalty (A) holds zeros: the same error
  EXPECT_FALSE(ratios_status.ok());
  const absl::StatusOr<std::vector<double>> good_ratios =
      ComputeSatisfactionRatios(columns[4], columns[4]);
  ASSERT_TRUE(good_ratios.ok()) << good_ratios.status();
  EXPECT_EQ(*good_ratios, std::vector<double>(n, 1.0));

  const absl::StatusOr<SatisfactionIndexPlan> index_plan = SatisfactionIndexPlan::Create(
      {{{1.0, 5.0}, {0.0, 1.0}, {0.0, 1.0}, {0.0, 1.0}, {0.0, 10.0}, {1.0, 7.0}}},
      SatisfactionIndexWeights{{1.0, 2.0, 3.0, 1.0, 1.0, 2.0}});
  ASSERT_TRUE(index_plan.ok()) << index_plan.status();
  std::array<std::vector<double>, kSatisfactionIndicatorCount> readings;
  SatisfactionIndicatorColumns indicator_columns;
  for (std::size_t k = 0; k < readings.size(); ++k) {
    readings[k].assign(n, k == 0 || k == 5 ? 3.0 : 0.5);
    indicator_columns.column[k] = readings[k];
  }
  const absl::StatusOr<std::vector<double>> index =
      ComputeSatisfactionIndex(*index_plan, indicator_columns, options);
  std::vector<double> index_into(n);
  ASSERT_TRUE(ScoreSatisfactionIndex(*index_plan, indicator_columns, absl::MakeSpan(index_into))
                  .ok());
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(*index, index_into);

  // Columns of different lengths: the caller-provided form's error, naming them.
  Columns short_column = columns;
  short_column[2].pop_back();
  const absl::StatusOr<std::vector<double>> mismatched =
      ComputeCompositeValues(ExactPlan(), EngineColumns(short_column));
  EXPECT_EQ(mismatched.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mismatched.status().message(), HasSubstr("column credit has"));
  EXPECT_EQ(ComputePyramidTiers(std::vector<double>{1.0, kNaN}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Covers docs/bad-input.md BI-ENG-03, BI-ENG-04
TEST(EngineBadInputTest, NaNAndInfUnderRejectNameComponentAndIndex) {
  for (const double bad : {kNaN, kInf, -kInf}) {
    for (const std::size_t index : {std::size_t{0}, std::size_t{5}, std::size_t{20000}}) {
      for (const C component : {C::kCurrentContribution, C::kLoyalty}) {
        Columns columns = MakePopulation(30000, 4);
        columns[I(component)][index] = bad;
        std::vector<double> out(30000, -7.0);
        const absl::Status status = ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out));
        EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
        const absl::Status reference =
            ScoreCompositeReference(ExactPlan(), ReferenceColumns(columns), absl::MakeSpan(out));
        EXPECT_EQ(status, reference);
        EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("column ", Id(component),
                                                             " value at index ", index, " is ")));
        EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](double x) { return x == -7.0; }))
            << "the one-batch call validates before writing";
      }
    }
  }
  // Inf is rejected under kRenormalize too; NaN is not.
  Columns columns = MakePopulation(100, 4);
  columns[1][42] = kInf;
  std::vector<double> out(100);
  EXPECT_THAT(ScoreComposite(ExactPlan(MissingPolicy::kRenormalize), EngineColumns(columns), absl::MakeSpan(out))
                  .message(),
              HasSubstr("column future_contribution value at index 42 is inf"));
  // Tiers, RFM.
  std::vector<double> values = {1.0, kNaN, 2.0};
  std::vector<ValueTier> tiers(3);
  EXPECT_THAT(AssignPyramidTiers(values, absl::MakeSpan(tiers)).message(),
              HasSubstr("value at index 1 must be finite, got nan"));
  std::vector<std::int8_t> scores(3);
  values[1] = -kInf;
  EXPECT_THAT(
      ScoreRfmQuintiles(values, RfmDirection::kLowerIsBetter, absl::MakeSpan(scores)).message(),
      HasSubstr("value at index 1 must be finite, got -inf"));
  absl::StatusOr<TierCutoffs> cutoffs = ComputeTierCutoffs({1.0, 2.0});
  EXPECT_THAT(AssignTiers(values, *cutoffs, absl::MakeSpan(tiers)).message(),
              HasSubstr("value at index 1 must be finite, got -inf"));
}

// Covers docs/bad-input.md BI-ENG-05
TEST(EngineBadInputTest, AllMissingCustomerUnderRenormalize) {
  Columns columns = MakePopulation(20000, 6);
  for (auto& column : columns) column[17000] = kNaN;
  std::vector<double> out(20000);
  const absl::Status status =
      ScoreComposite(ExactPlan(MissingPolicy::kRenormalize), EngineColumns(columns), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("customer 17000 has every used component missing"));
}

// Covers docs/bad-input.md BI-ENG-06, BI-ENG-07
TEST(EngineBadInputTest, InvalidWeightsAndOptions) {
  absl::StatusOr<CompositePlan> plan = CompositePlan::Create({1.0, -1.0, 0.0, 0.0, 0.0});
  EXPECT_THAT(plan.status().message(), HasSubstr("weight of future_contribution"));
  plan = CompositePlan::Create({0.0, 0.0, 0.0, 0.0, 0.0});
  EXPECT_THAT(plan.status().message(), HasSubstr("must not all be zero"));
  plan = CompositePlan::Create({kNaN, 1.0, 0.0, 0.0, 0.0});
  EXPECT_THAT(plan.status().message(), HasSubstr("got nan"));

  const Columns columns = MakePopulation(10, 1);
  std::vector<double> out(10);
  EngineOptions options;
  options.threads = -2;
  EXPECT_THAT(ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out), options).message(),
              HasSubstr("threads must be in [0, 1024], got -2"));
  options.threads = 1;
  options.missing_encoding = static_cast<MissingEncoding>(7);
  EXPECT_THAT(ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out), options).message(),
              HasSubstr("unknown missing_encoding 7"));
}

// Covers docs/bad-input.md BI-ENG-08
TEST(EngineBadInputTest, ValidityBitmapMisuse) {
  const Columns columns = MakePopulation(20, 1);
  const std::vector<std::uint8_t> bits = {0xff, 0xff};  // 16 rows, 20 needed
  CompositeColumns view = EngineColumns(columns);
  view.column[1] = ColumnView(columns[1]).WithValidity(bits);
  std::vector<double> out(20);
  EXPECT_THAT(ScoreComposite(ExactPlan(), view, absl::MakeSpan(out)).message(),
              HasSubstr("validity bitmap but the missing encoding is NaN"));
  EngineOptions options;
  options.missing_encoding = MissingEncoding::kValidityBitmap;
  EXPECT_THAT(ScoreComposite(ExactPlan(), view, absl::MakeSpan(out), options).message(),
              HasSubstr("validity bitmap has 2 bytes but 20 customers need 3"));
  // A NaN in a valid slot is a bad value, not a missing one.
  Columns with_nan = columns;
  with_nan[4][3] = kNaN;
  EXPECT_THAT(ScoreComposite(ExactPlan(MissingPolicy::kRenormalize), EngineColumns(with_nan), absl::MakeSpan(out),
                             options)
                  .message(),
              HasSubstr("column growth_potential value at index 3 is nan"));
}

// Covers docs/bad-input.md BI-ENG-09
TEST(EngineBadInputTest, EmptyPopulation) {
  const Columns columns = MakePopulation(0, 1);
  std::vector<double> out;
  EXPECT_TRUE(ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out)).ok());
  absl::StatusOr<CompositeState> state = ComputeCompositeState(ExactPlan(), EngineColumns(columns));
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->rows, 0);
  // Scoring customers against an empty population has nothing to normalize against.
  const Columns one = MakePopulation(1, 1);
  out.resize(1);
  const absl::Status status = ScoreComposite(ExactPlan(), EngineColumns(one), *state, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("has no present values to normalize against"));
  std::vector<ValueTier> tiers;
  EXPECT_TRUE(AssignPyramidTiers({}, absl::MakeSpan(tiers)).ok());
  std::vector<std::int8_t> scores;
  EXPECT_TRUE(ScoreRfmQuintiles({}, RfmDirection::kHigherIsBetter, absl::MakeSpan(scores)).ok());
  EXPECT_THAT(RfmThresholdsFrom(QuantileState{}, RfmDirection::kHigherIsBetter).status().message(),
              HasSubstr("no values"));
  std::vector<double> c;
  EXPECT_TRUE(SatisfactionRatios({}, {}, absl::MakeSpan(c)).ok());
}

// Covers docs/bad-input.md BI-ENG-10, BI-ENG-11
TEST(EngineBadInputTest, SingleCustomerAndAllEqualColumns) {
  // N = 1: min-max of a constant column is 0.5, percentile 0.5, tier small, RFM 3.
  const Columns one = MakePopulation(1, 1);
  EXPECT_EQ(Engine(ExactPlan(), one), Reference(ExactPlan(), one));
  EXPECT_EQ(Engine(MixedPlan(), one), Reference(MixedPlan(), one));
  Columns equal = MakePopulation(40000, 1);
  for (auto& column : equal) std::fill(column.begin(), column.end(), 3.25);
  for (const CompositePlan& plan : {ExactPlan(), MixedPlan()}) {
    const std::vector<double> engine = Engine(plan, equal);
    EXPECT_EQ(engine, Reference(plan, equal));
    std::vector<ValueTier> tiers(engine.size());
    ASSERT_TRUE(AssignPyramidTiers(engine, absl::MakeSpan(tiers)).ok());
    EXPECT_TRUE(std::all_of(tiers.begin(), tiers.end(),
                            [](ValueTier t) { return t == ValueTier::kVip; }))
        << "ties at the cut-off go to the higher tier";
  }
  std::vector<std::int8_t> scores(equal[0].size());
  ASSERT_TRUE(
      ScoreRfmQuintiles(equal[0], RfmDirection::kHigherIsBetter, absl::MakeSpan(scores)).ok());
  EXPECT_TRUE(std::all_of(scores.begin(), scores.end(), [](std::int8_t s) { return s == 3; }));
}

// Covers docs/bad-input.md BI-ENG-12
TEST(EngineBadInputTest, TierFractionsMustSumToOne) {
  const std::vector<double> values = {1.0, 2.0, 3.0};
  std::vector<ValueTier> tiers(3);
  PyramidFractions fractions{.vip = 0.1, .major = 0.1, .ordinary = 0.1, .small = 0.1};
  absl::Status status = AssignPyramidTiers(values, absl::MakeSpan(tiers), fractions);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("fractions must sum to 1, got 0.4"));
  EXPECT_THAT(TierCutoffsFrom(QuantileState{}, fractions).status().message(),
              HasSubstr("got 0.4"));
  fractions = {.vip = -0.1, .major = 0.2, .ordinary = 0.1, .small = 0.8};
  EXPECT_THAT(AssignPyramidTiers(values, absl::MakeSpan(tiers), fractions).message(),
              HasSubstr("fraction vip must be finite and >= 0, got -0.1"));
}

TEST(EngineBadInputTest, PercentileStateWithoutSortedValuesIsRejected) {
  const Columns columns = MakePopulation(100, 1);
  // A state computed for a min-max plan lacks the sorted values a percentile plan needs.
  const CompositePlan min_max = MustCreate({1, 1, 1, 1, 1}, {});
  absl::StatusOr<CompositeState> state = ComputeCompositeState(min_max, EngineColumns(columns));
  ASSERT_TRUE(state.ok());
  std::vector<double> out(100);
  const absl::Status status = ScoreComposite(ExactPlan(), EngineColumns(columns), *state, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("column loyalty statistics hold 0 sorted values"));
}

// Z-score plan over a column whose plain sum overflows: current contribution by z-score,
// the rest exact.
CompositePlan HugeZScorePlan() {
  return MustCreate({0.3, 0.2, 0.2, 0.2, 0.1},
                    {Spec(NormalizerKind::kZScore), Spec(NormalizerKind::kMinMax),
                     Spec(NormalizerKind::kFixedBounds, 1.0, 5.0),
                     Spec(NormalizerKind::kPercentileRank), Spec(NormalizerKind::kMinMax)});
}

TEST(EngineCompositeTest, ConstantZScoreColumnsAreExactEvenNearTheOverflow) {
  // A block's sum of 16384 values of 1e305 overflows, and one of 0.1 rounds; the
  // reference's Welford mean of a constant column is the constant and its variance 0, so
  // every z is 0. Several blocks, on every target.
  for (const double constant : {1e305, -1.7e308, 0.1, 1.7e308}) {
    Columns columns = MakePopulation(40001, 3);
    std::fill(columns[0].begin(), columns[0].end(), constant);
    columns[0][7] = kNaN;  // a missing value changes nothing under kRenormalize
    const CompositePlan plan = MustCreate(
        {0.3, 0.2, 0.2, 0.2, 0.1},
        {Spec(NormalizerKind::kZScore), Spec(NormalizerKind::kMinMax),
         Spec(NormalizerKind::kFixedBounds, 1.0, 5.0), Spec(NormalizerKind::kPercentileRank),
         Spec(NormalizerKind::kMinMax)},
        MissingPolicy::kRenormalize);
    ForEachTarget([&](const std::string& target) {
      SCOPED_TRACE(target + " constant " + ::testing::PrintToString(constant));
      const absl::StatusOr<CompositeState> state =
          ComputeCompositeState(plan, EngineColumns(columns));
      ASSERT_TRUE(state.ok()) << state.status();
      EXPECT_EQ(state->column[0].mean, constant);
      EXPECT_EQ(state->column[0].variance(), 0.0);
      EXPECT_EQ(Engine(plan, columns), Reference(plan, columns));
    });
  }
}

// Covers docs/bad-input.md BI-ENG-13
TEST(EngineBadInputTest, HugeSpreadZScoreColumnIsOutOfRangeNamingTheColumn) {
  // Values near 1e305 that differ: the block sums overflow (the engine's mean stays
  // finite) and the variance overflows, in the reference too.
  Columns columns = MakePopulation(40001, 4);
  for (std::size_t i = 0; i < columns[0].size(); ++i) columns[0][i] = i % 2 == 0 ? 1e305 : 2e305;
  const absl::StatusOr<CompositeState> state =
      ComputeCompositeState(HugeZScorePlan(), EngineColumns(columns));
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_GE(state->column[0].mean, 1e305);
  EXPECT_LE(state->column[0].mean, 2e305);

  std::vector<double> out(columns[0].size());
  const absl::Status status =
      ScoreComposite(HugeZScorePlan(), EngineColumns(columns), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("column current_contribution"));
  EXPECT_THAT(status.message(), HasSubstr("overflow for z-score"));
  EXPECT_THAT(status.message(), HasSubstr("variance = inf"));
  const absl::Status reference =
      ScoreCompositeReference(HugeZScorePlan(), ReferenceColumns(columns), absl::MakeSpan(out));
  EXPECT_EQ(reference.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(reference.message(), HasSubstr("column current_contribution"));
}

// Covers docs/bad-input.md BI-ENG-13
TEST(EngineBadInputTest, OverflowingRangeIsOutOfRange) {
  Columns columns = MakePopulation(100, 1);
  columns[1][3] = 1.7e308;
  columns[1][4] = -1.7e308;
  std::vector<double> out(100);
  const absl::Status status = ScoreComposite(ExactPlan(), EngineColumns(columns), absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status, ScoreCompositeReference(ExactPlan(), ReferenceColumns(columns), absl::MakeSpan(out)));
}

}  // namespace
}  // namespace engine
}  // namespace crmcore

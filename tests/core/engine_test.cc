// Tests of include/crmcore/engine.h and engine_state.h: SIMD target selection, threads, and
// the composite value against the core's scalar reference (composite_value.h) on every SIMD
// target this machine supports, for 1, 2, 3 and 8 threads, through merged partition states.
// Tiers and RFM scores: engine_order_statistics_test.cc; satisfaction ratios, allocated
// outputs and bad input: engine_bad_input_test.cc; shared helpers: engine_test_support.h.
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
#include "engine_test_support.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace engine {
namespace {

using ::testing::HasSubstr;
using C = CompositeComponent;
using test_support::Columns;
using test_support::Engine;
using test_support::EngineColumns;
using test_support::ExactPlan;
using test_support::ForEachTarget;
using test_support::MakePopulation;
using test_support::MixedPlan;
using test_support::MustCreate;
using test_support::Reference;
using test_support::ReferenceColumns;
using test_support::Spec;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kUnitRoundoff = std::numeric_limits<double>::epsilon() / 2;

constexpr std::size_t I(C c) { return static_cast<std::size_t>(c); }

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

}  // namespace
}  // namespace engine
}  // namespace crmcore

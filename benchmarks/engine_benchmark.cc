// Batch engine throughput (issue 4, "Speed"): each stage (composite statistics and
// scoring, tiers, RFM, satisfaction ratio, satisfaction index) and the whole pipeline over
// N = 10^4 .. 10^7 customers (10^8 with CRMCORE_BENCH_1E8=1), on one thread and on all
// threads, with items/s (customers) and bytes/s (column bytes read and written) counters;
// and, in the same binary, a plain compiled 5-column weighted-sum loop, whose rows/s the
// composite scoring stage is compared with (the ratio is printed at the end).
//
//   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRMCORE_BUILD_BENCHMARKS=ON
//   cmake --build build/bench --target engine_benchmark
//   ./build/bench/benchmarks/engine_benchmark
//
// benchmarks/engine_vs_numpy.py runs the same pipeline through the C API beside numpy.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "crmcore/composite_value.h"
#include "crmcore/engine.h"
#include "crmcore/rfm_score.h"
#include "crmcore/satisfaction.h"
#include "crmcore/value_tier.h"

namespace crmcore {
namespace engine {
namespace {

constexpr std::array<double, 5> kWeights = {0.35, 0.25, 0.15, 0.15, 0.10};

// Five composite columns, the three RFM columns, B and A for the satisfaction ratio.
struct Population {
  std::array<std::vector<double>, 5> component;
  std::vector<double> recency, frequency, monetary, perceived, expectation;
};

// A fixed seed: every run benchmarks the same numbers (kept per N for the whole run).
const Population& PopulationOf(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<Population>> cache;
  std::unique_ptr<Population>& slot = cache[n];
  if (slot) return *slot;
  slot = std::make_unique<Population>();
  Population& p = *slot;
  std::mt19937_64 rng(20240601);
  std::lognormal_distribution<double> revenue(5.0, 1.2);
  std::uniform_real_distribution<double> uniform(0.0, 100.0);
  std::uniform_int_distribution<int> days(0, 365);
  std::uniform_int_distribution<int> purchases(1, 50);
  for (auto& c : p.component) c.resize(n);
  for (auto* c : {&p.recency, &p.frequency, &p.monetary, &p.perceived, &p.expectation}) {
    c->resize(n);
  }
  for (std::size_t i = 0; i < n; ++i) {
    p.component[0][i] = revenue(rng);
    for (std::size_t c = 1; c < 5; ++c) p.component[c][i] = uniform(rng);
    p.recency[i] = days(rng);
    p.frequency[i] = purchases(rng);
    p.monetary[i] = revenue(rng);
    p.perceived[i] = uniform(rng);
    p.expectation[i] = 1.0 + uniform(rng);
  }
  return p;
}

CompositePlan MinMaxPlan() { return *CompositePlan::Create(kWeights); }

CompositeColumns ColumnsOf(const Population& p) {
  CompositeColumns columns;
  for (std::size_t c = 0; c < 5; ++c) columns.column[c] = p.component[c];
  return columns;
}

EngineOptions Threads(const benchmark::State& state) {
  EngineOptions options;
  options.threads = static_cast<int>(state.range(1));
  return options;
}

void SetCounters(benchmark::State& state, std::size_t n, double bytes_per_row) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(n));
  state.SetBytesProcessed(static_cast<std::int64_t>(static_cast<double>(state.iterations()) *
                                                    static_cast<double>(n) * bytes_per_row));
}

void Check(const absl::Status& status, benchmark::State& state) {
  if (!status.ok()) state.SkipWithError(std::string(status.message()).c_str());
}

// The yardstick: a plain compiled loop, 5 float64 columns in, one out (48 bytes per row).
void BM_PlainWeightedSumLoop(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const Population& p = PopulationOf(n);
  std::vector<double> out(n);
  const double* x0 = p.component[0].data();
  const double* x1 = p.component[1].data();
  const double* x2 = p.component[2].data();
  const double* x3 = p.component[3].data();
  const double* x4 = p.component[4].data();
  for (auto _ : state) {
    double* o = out.data();
    for (std::size_t i = 0; i < n; ++i) {
      o[i] = kWeights[0] * x0[i] + kWeights[1] * x1[i] + kWeights[2] * x2[i] +
             kWeights[3] * x3[i] + kWeights[4] * x4[i];
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, n, 48.0);
}

// Stage 1: column statistics (one read of each column).
void BM_StatisticsStage(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const Population& p = PopulationOf(n);
  const CompositePlan plan = MinMaxPlan();
  for (auto _ : state) {
    absl::StatusOr<CompositeState> s = ComputeCompositeState(plan, ColumnsOf(p), Threads(state));
    Check(s.status(), state);
    benchmark::DoNotOptimize(s);
  }
  SetCounters(state, n, 40.0);
}

// Stage 2: composite scoring against known statistics (5 columns in, one out).
void BM_CompositeScoringStage(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const Population& p = PopulationOf(n);
  const CompositePlan plan = MinMaxPlan();
  const CompositeState population = *ComputeCompositeState(plan, ColumnsOf(p));
  std::vector<double> out(n);
  for (auto _ : state) {
    Check(ScoreComposite(plan, ColumnsOf(p), population, absl::MakeSpan(out), Threads(state)),
          state);
    benchmark::DoNotOptimize(out.data());
  }
  SetCounters(state, n, 48.0);
}

// Stage 3: value tiers of the composite value (selection + assignment).
void BM_TierStage(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const Population& p = PopulationOf(n);
  std::vector<ValueTier> tiers(n);
  for (auto _ : state) {
    Check(AssignPyramidTiers(p.component[0], absl::MakeSpan(tiers), {}, Threads(state)), state);
    benchmark::DoNotOptimize(tiers.data());
  }
  SetCounters(state, n, 12.0);
}

// Stage 4: RFM quintile scores of one column.
void BM_RfmColumnStage(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const Population& p = PopulationOf(n);
  std::vector<std::int8_t> scores(n);
  for (auto _ : state) {
    Check(ScoreRfmQuintiles(p.monetary, RfmDirection::kHigherIsBetter, absl::MakeSpan(scores),
                            Threads(state)),
          state);
    benchmark::DoNotOptimize(scores.data());
  }
  SetCounters(state, n, 9.0);
}

// Stage 5: satisfaction ratio C = B / A.
void BM_SatisfactionRatioStage(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const Population& p = PopulationOf(n);
  std::vector<double> c(n);
  for (auto _ : state) {
    Check(SatisfactionRatios(p.perceived, p.expectation, absl::MakeSpan(c), Threads(state)),
          state);
    benchmark::DoNotOptimize(c.data());
  }
  SetCounters(state, n, 24.0);
}

// Stage 6: the satisfaction index (docs/domain.md §3.4) of six indicator columns on survey,
// rate and amount scales, two of them inverse, with uneven weights.
const SatisfactionIndexPlan::Scales kIndicatorScales = {
    {{1.0, 5.0}, {1.0, 5.0}, {0.0, 1.0}, {0.0, 1.0}, {0.0, 5000.0}, {1.0, 7.0}}};
const SatisfactionIndexWeights kIndicatorWeights = {{3.0, 1.0, 2.0, 2.5, 1.5, 1.0}};

const std::array<std::vector<double>, 6>& IndicatorsOf(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<std::array<std::vector<double>, 6>>> cache;
  auto& slot = cache[n];
  if (slot) return *slot;
  slot = std::make_unique<std::array<std::vector<double>, 6>>();
  std::mt19937_64 rng(20240602);
  for (std::size_t k = 0; k < 6; ++k) {
    std::uniform_real_distribution<double> reading(kIndicatorScales[k].min,
                                                   kIndicatorScales[k].max);
    (*slot)[k].resize(n);
    for (double& x : (*slot)[k]) x = reading(rng);
  }
  return *slot;
}

void BM_SatisfactionIndexStage(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto& indicators = IndicatorsOf(n);
  const SatisfactionIndexPlan plan =
      *SatisfactionIndexPlan::Create(kIndicatorScales, kIndicatorWeights);
  SatisfactionIndicatorColumns columns;
  for (std::size_t k = 0; k < 6; ++k) columns.column[k] = indicators[k];
  std::vector<double> out(n);
  for (auto _ : state) {
    Check(ScoreSatisfactionIndex(plan, columns, absl::MakeSpan(out), Threads(state)), state);
    benchmark::DoNotOptimize(out.data());
  }
  SetCounters(state, n, 8.0 * 6 + 8.0);
}

// The scalar reference, SatisfactionIndex() called per customer, for comparison.
void BM_SatisfactionIndexReferenceLoop(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto& indicators = IndicatorsOf(n);
  std::vector<double> out(n);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      SatisfactionIndicatorReadings readings;
      for (std::size_t k = 0; k < 6; ++k) {
        readings[k] = {indicators[k][i], kIndicatorScales[k].min, kIndicatorScales[k].max};
      }
      const absl::StatusOr<double> index = SatisfactionIndex(readings, kIndicatorWeights);
      out[i] = index.ok() ? *index : 0.0;
    }
    benchmark::DoNotOptimize(out.data());
  }
  SetCounters(state, n, 8.0 * 6 + 8.0);
}

// The whole pipeline: composite value (statistics + scoring), tiers, R, F and M scores.
absl::Status RunPipeline(const CompositeColumns& columns, absl::Span<const double> recency,
                         absl::Span<const double> frequency, absl::Span<const double> monetary,
                         const EngineOptions& options, std::vector<double>& value,
                         std::vector<ValueTier>& tiers,
                         std::array<std::vector<std::int8_t>, 3>& rfm) {
  CRM_RETURN_IF_ERROR(ScoreComposite(MinMaxPlan(), columns, absl::MakeSpan(value), options));
  CRM_RETURN_IF_ERROR(AssignPyramidTiers(value, absl::MakeSpan(tiers), {}, options));
  CRM_RETURN_IF_ERROR(ScoreRfmQuintiles(recency, RfmDirection::kLowerIsBetter,
                                        absl::MakeSpan(rfm[0]), options));
  CRM_RETURN_IF_ERROR(ScoreRfmQuintiles(frequency, RfmDirection::kHigherIsBetter,
                                        absl::MakeSpan(rfm[1]), options));
  return ScoreRfmQuintiles(monetary, RfmDirection::kHigherIsBetter, absl::MakeSpan(rfm[2]),
                           options);
}

void BM_WholePipeline(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const Population& p = PopulationOf(n);
  std::vector<double> value(n);
  std::vector<ValueTier> tiers(n);
  std::array<std::vector<std::int8_t>, 3> rfm;
  for (auto& r : rfm) r.resize(n);
  for (auto _ : state) {
    Check(RunPipeline(ColumnsOf(p), p.recency, p.frequency, p.monetary, Threads(state), value,
                      tiers, rfm),
          state);
    benchmark::DoNotOptimize(value.data());
  }
  // Reads: 5 components twice, 3 RFM columns; writes: value, tier, 3 scores.
  SetCounters(state, n, 8.0 * 10 + 8.0 + 8.0 + 4.0 + 3.0);
}

void Sizes(benchmark::internal::Benchmark* b) {
  const int all = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::int64_t> sizes = {10'000, 100'000, 1'000'000, 10'000'000};
  const char* huge = std::getenv("CRMCORE_BENCH_1E8");
  if (huge != nullptr && std::string(huge) == "1") sizes.push_back(100'000'000);
  for (const std::int64_t n : sizes) {
    b->Args({n, 1});
    if (all > 1) b->Args({n, all});
  }
  b->ArgNames({"N", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

void PlainSizes(benchmark::internal::Benchmark* b) {
  std::vector<std::int64_t> sizes = {10'000, 100'000, 1'000'000, 10'000'000};
  const char* huge = std::getenv("CRMCORE_BENCH_1E8");
  if (huge != nullptr && std::string(huge) == "1") sizes.push_back(100'000'000);
  for (const std::int64_t n : sizes) b->Args({n, 1});
  b->ArgNames({"N", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_PlainWeightedSumLoop)->Apply(PlainSizes);
BENCHMARK(BM_CompositeScoringStage)->Apply(Sizes);
BENCHMARK(BM_StatisticsStage)->Apply(Sizes);
BENCHMARK(BM_TierStage)->Apply(Sizes);
BENCHMARK(BM_RfmColumnStage)->Apply(Sizes);
BENCHMARK(BM_SatisfactionRatioStage)->Apply(Sizes);
BENCHMARK(BM_SatisfactionIndexStage)->Apply(Sizes);
BENCHMARK(BM_SatisfactionIndexReferenceLoop)->Apply(PlainSizes);
BENCHMARK(BM_WholePipeline)->Apply(Sizes);

// Keeps items/s per run name so the ratios can be printed after the console report.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      const auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) rows_per_second_[run.benchmark_name()] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void PrintRatios() const {
    std::printf("\nSIMD target: %s\n", ActiveTarget().c_str());
    std::printf("composite scoring stage vs plain 5-column loop, one thread (rows/s ratio):\n");
    for (const auto& [name, rate] : rows_per_second_) {
      if (name.rfind("BM_PlainWeightedSumLoop/", 0) != 0) continue;
      const std::string suffix = name.substr(std::strlen("BM_PlainWeightedSumLoop"));
      const auto stage = rows_per_second_.find("BM_CompositeScoringStage" + suffix);
      if (stage == rows_per_second_.end()) continue;
      std::printf("  %-40s plain %8.1f M rows/s  engine %8.1f M rows/s  ratio %.2f\n",
                  suffix.c_str(), rate / 1e6, stage->second / 1e6, stage->second / rate);
    }
    std::printf("all threads vs one thread (rows/s ratio):\n");
    for (const auto& [name, rate] : rows_per_second_) {
      const std::size_t at = name.find("/threads:1/");
      if (at == std::string::npos || name.rfind("BM_Plain", 0) == 0) continue;
      for (const auto& [other, other_rate] : rows_per_second_) {
        if (other.compare(0, at, name, 0, at) == 0 && other != name &&
            other.find("/threads:") == at) {
          std::printf("  %-60s %.2fx\n", other.c_str(), other_rate / rate);
        }
      }
    }
  }

 private:
  std::map<std::string, double> rows_per_second_;
};

}  // namespace
}  // namespace engine
}  // namespace crmcore

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  crmcore::engine::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  benchmark::Shutdown();
  return 0;
}

// Lifetime-model fit and prediction speed (issue 5, "Speed"): fits on the CDNOW calibration
// summary, BG/NBD fits on 10^5 and 10^6 customers simulated from the BG/NBD process with
// the CDNOW parameters (deterministic seed), and prediction throughput.
//
//   cmake --preset bench && cmake --build --preset bench --target models_benchmark
//   ./build/bench/benchmarks/models_benchmark
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "crmcore/bgnbd.h"
#include "crmcore/customer_scoring.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/pareto_nbd.h"

namespace crmcore {
namespace {

struct Columns {
  std::vector<double> x, t_x, T, zbar;
};

Columns LoadCdnow() {
  Columns c;
  std::ifstream in(std::string(CRMCORE_BENCH_DATA_DIR) +
                   "/cdnow_customers_summary_with_transactions.csv");
  std::string line, id, x, tx, T, z;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::stringstream f(line);
    std::getline(f, id, ',');
    std::getline(f, x, ',');
    std::getline(f, tx, ',');
    std::getline(f, T, ',');
    std::getline(f, z, ',');
    c.x.push_back(std::stod(x));
    c.t_x.push_back(std::stod(tx));
    c.T.push_back(std::stod(T));
    c.zbar.push_back(std::stod(z));
  }
  return c;
}

// The BG/NBD process with the CDNOW estimates, on CDNOW's calendar: first purchases
// uniform over the first 12 weeks, calibration ending at week 39, times on a day grid
// (weeks = days / 7, as a transaction log gives them). Seed 20050101.
Columns Simulate(size_t n) {
  const BgNbdParams p{0.243, 4.414, 0.793, 2.426};
  std::mt19937_64 rng(20050101);
  std::gamma_distribution<double> rate(p.r, 1.0 / p.alpha);
  std::gamma_distribution<double> ga(p.a, 1.0), gb(p.b, 1.0);
  std::uniform_int_distribution<int> first_day(0, 83);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Columns c;
  for (size_t i = 0; i < n; ++i) {
    const double lambda = rate(rng);
    const double ya = ga(rng), yb = gb(rng);
    const double dropout = ya / (ya + yb);
    const double T = static_cast<double>(272 - first_day(rng)) / 7.0;
    std::exponential_distribution<double> gap(lambda);
    double t = 0.0, last_day = 0.0;
    int x = 0;
    while (true) {
      t += gap(rng);
      if (t > T) break;
      ++x;
      last_day = std::max(1.0, std::floor(t * 7.0));
      if (u(rng) < dropout) break;
    }
    c.x.push_back(x);
    c.t_x.push_back(x > 0 ? std::min(last_day / 7.0, T) : 0.0);
    c.T.push_back(T);
  }
  return c;
}

void BM_FitBgNbdCdnow(benchmark::State& state) {
  const Columns c = LoadCdnow();
  for (auto _ : state) {
    auto h = PurchaseHistories::Create(c.x, c.t_x, c.T);
    auto fit = FitBgNbd(*h);
    if (!fit.ok() || !fit->report.converged) state.SkipWithError("fit failed");
    benchmark::DoNotOptimize(fit);
  }
}
BENCHMARK(BM_FitBgNbdCdnow)->Unit(benchmark::kMillisecond);

void BM_FitParetoNbdCdnow(benchmark::State& state) {
  const Columns c = LoadCdnow();
  for (auto _ : state) {
    auto h = PurchaseHistories::Create(c.x, c.t_x, c.T);
    auto fit = FitParetoNbd(*h);
    if (!fit.ok() || !fit->report.converged) state.SkipWithError("fit failed");
    benchmark::DoNotOptimize(fit);
  }
}
BENCHMARK(BM_FitParetoNbdCdnow)->Unit(benchmark::kMillisecond);

void BM_FitGammaGammaCdnow(benchmark::State& state) {
  const Columns c = LoadCdnow();
  for (auto _ : state) {
    auto s = SpendHistories::Create(c.x, c.zbar);
    auto fit = FitGammaGamma(*s);
    if (!fit.ok() || !fit->report.converged) state.SkipWithError("fit failed");
    benchmark::DoNotOptimize(fit);
  }
}
BENCHMARK(BM_FitGammaGammaCdnow)->Unit(benchmark::kMillisecond);

// Compression + fit, from uncompressed columns.
void BM_FitBgNbdSimulated(benchmark::State& state) {
  const Columns c = Simulate(static_cast<size_t>(state.range(0)));
  size_t rows = 0;
  for (auto _ : state) {
    auto h = PurchaseHistories::Create(c.x, c.t_x, c.T);
    rows = h->size();
    auto fit = FitBgNbd(*h);
    if (!fit.ok() || !fit->report.converged) state.SkipWithError("fit failed");
    benchmark::DoNotOptimize(fit);
  }
  state.counters["compressed_rows"] = static_cast<double>(rows);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FitBgNbdSimulated)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_PredictBgNbdProbabilityAlive(benchmark::State& state) {
  const Columns c = Simulate(1'000'000);
  std::vector<double> out(c.x.size());
  for (auto _ : state) {
    auto s = BgNbdProbabilityAlive({0.243, 4.414, 0.793, 2.426}, c.x, c.t_x, c.T,
                                   absl::MakeSpan(out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(c.x.size()));
}
BENCHMARK(BM_PredictBgNbdProbabilityAlive)->Unit(benchmark::kMillisecond);

void BM_PredictBgNbdExpectedPurchases(benchmark::State& state) {
  const Columns c = Simulate(1'000'000);
  std::vector<double> out(c.x.size());
  for (auto _ : state) {
    auto s = BgNbdExpectedPurchases({0.243, 4.414, 0.793, 2.426}, 39.0, c.x, c.t_x, c.T,
                                    absl::MakeSpan(out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(c.x.size()));
}
BENCHMARK(BM_PredictBgNbdExpectedPurchases)->Unit(benchmark::kMillisecond);

void BM_PredictParetoNbdProbabilityAlive(benchmark::State& state) {
  const Columns c = Simulate(1'000'000);
  std::vector<double> out(c.x.size());
  for (auto _ : state) {
    auto s = ParetoNbdProbabilityAlive({0.553, 10.578, 0.606, 11.669}, c.x, c.t_x, c.T,
                                       absl::MakeSpan(out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(c.x.size()));
}
BENCHMARK(BM_PredictParetoNbdProbabilityAlive)->Unit(benchmark::kMillisecond);

void BM_PredictParetoNbdExpectedPurchases(benchmark::State& state) {
  const Columns c = Simulate(1'000'000);
  std::vector<double> out(c.x.size());
  for (auto _ : state) {
    auto s = ParetoNbdExpectedPurchases({0.553, 10.578, 0.606, 11.669}, 39.0, c.x, c.t_x, c.T,
                                        absl::MakeSpan(out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(c.x.size()));
}
BENCHMARK(BM_PredictParetoNbdExpectedPurchases)->Unit(benchmark::kMillisecond);

// The whole scoring job (ScoreCustomers: grouping, summary, fits, predictions, rules,
// engine) on the CDNOW master log with each purchase model (issue 15), one thread, the
// log loaded once: what choosing --model costs.
void BM_ScoreCdnowMaster(benchmark::State& state) {
  TransactionLogOptions ingest;
  ingest.whitespace_delimited = true;
  ingest.date_format = "%Y%m%d";
  ingest.amount = ColumnRef::Named("dollar_value");
  static const absl::StatusOr<TransactionLog> log =
      LoadTransactionLog(std::string(CRMCORE_BENCH_DATA_DIR) + "/CDNOW_master.txt", ingest);
  if (!log.ok()) {
    state.SkipWithError("cannot load CDNOW_master.txt");
    return;
  }
  ScoringOptions options;
  options.summary.unit = TimeUnit::kWeeks;
  options.summary.observation_end = absl::CivilDay(1997, 9, 30);
  options.threads = 1;
  options.lifetime_model = static_cast<LifetimeModelKind>(state.range(0));
  state.SetLabel(LifetimeModelSpelling(options.lifetime_model));
  for (auto _ : state) {
    auto table = ScoreCustomers(*log, options);
    if (!table.ok()) state.SkipWithError("score failed");
    benchmark::DoNotOptimize(table);
  }
}
BENCHMARK(BM_ScoreCdnowMaster)->DenseRange(0, 5)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace crmcore

BENCHMARK_MAIN();

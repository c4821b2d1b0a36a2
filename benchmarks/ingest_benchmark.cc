// Ingest + RFM summary throughput (issue 3, "Speed"): the CDNOW master log from disk,
// and a generated log of 10^7 transactions in the same layout, from memory and from
// a temporary file. Reports rows/s and bytes/s.
//
// Ingest alone on one thread against two (issue 12, TransactionLogOptions::threads):
// the CDNOW-layout log, and an export-like log of 10^7 rows in date order over about
// 3 M customers (customer_id,date,amount, ISO dates), from memory and from a file.
// The /threads:N argument is the option's value.
//
//   cmake --preset bench && cmake --build --preset bench --target ingest_benchmark
//   ./build/bench/benchmarks/ingest_benchmark
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "benchmark/benchmark.h"
#include "crmcore/rfm_summary.h"
#include "crmcore/transaction_log.h"

namespace crmcore {
namespace {

constexpr int64_t kGeneratedRows = 10'000'000;

// The CDNOW master layout: header, whitespace-separated, dates %Y%m%d.
TransactionLogOptions CdnowLayout() {
  TransactionLogOptions options;
  options.whitespace_delimited = true;
  options.date_format = "%Y%m%d";
  options.amount = ColumnRef::Named("dollar_value");
  options.quantity = ColumnRef::Named("number_of_cds");
  return options;
}

SummaryOptions Calibration() {
  SummaryOptions options;
  options.unit = TimeUnit::kWeeks;
  options.observation_end = absl::CivilDay(1997, 9, 30);
  return options;
}

// splitmix64: a fixed-seed generator, so every run benchmarks the same bytes.
uint64_t NextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// kGeneratedRows transactions in the CDNOW master layout: customers with 1 to 9
// purchases each (mean 5) on increasing days of 1997-1998, grouped by customer as
// in CDNOW, 1 to 10 items of 5.00 to 204.99 dollars.
const std::string& GeneratedLog() {
  static const std::string* const log = [] {
    auto* text = new std::string(" customer_id  date number_of_cds  dollar_value\r\n");
    text->reserve(static_cast<size_t>(kGeneratedRows) * 36);
    uint64_t state = 20240601;
    int64_t rows = 0;
    for (int64_t customer = 1; rows < kGeneratedRows; ++customer) {
      const int64_t purchases =
          std::min<int64_t>(1 + static_cast<int64_t>(NextRandom(state) % 9), kGeneratedRows - rows);
      absl::CivilDay day = absl::CivilDay(1997, 1, 1) + static_cast<int>(NextRandom(state) % 90);
      for (int64_t p = 0; p < purchases; ++p, ++rows) {
        const uint64_t r = NextRandom(state);
        const uint64_t cents = 500 + r % 20000;
        absl::StrAppendFormat(text, " %08d %04d%02d%02d %2d %6d.%02d\r\n", customer, day.year(),
                              day.month(), day.day(), 1 + (r >> 20) % 10, cents / 100,
                              cents % 100);
        day += static_cast<int>((r >> 32) % 60);
      }
    }
    return text;
  }();
  return *log;
}

// kGeneratedRows transactions as exports come: comma-separated customer_id,date,amount
// with ISO dates, in date order over two years, each row's customer drawn from 3.2 M
// (about 3.05 M of them buy), amounts of 1.00 to 300.99.
const std::string& ExportLog() {
  static const std::string* const log = [] {
    auto* text = new std::string("customer_id,date,amount\n");
    text->reserve(static_cast<size_t>(kGeneratedRows) * 28);
    uint64_t state = 20261206;
    constexpr int64_t kDays = 730;
    constexpr uint64_t kCustomers = 3'200'000;
    int64_t rows = 0;
    for (int64_t d = 0; d < kDays; ++d) {
      const absl::CivilDay day = absl::CivilDay(2024, 1, 1) + d;
      const int64_t until = kGeneratedRows * (d + 1) / kDays;
      for (; rows < until; ++rows) {
        const uint64_t r = NextRandom(state);
        const uint64_t cents = 100 + (r >> 32) % 30000;
        absl::StrAppendFormat(text, "C%07d,%04d-%02d-%02d,%d.%02d\n", 1 + r % kCustomers,
                              day.year(), day.month(), day.day(), cents / 100, cents % 100);
      }
    }
    return text;
  }();
  return *log;
}

// Writes `text` to a temporary file removed when the benchmark ends.
class TempLogFile {
 public:
  explicit TempLogFile(const std::string& text)
      : path_(absl::StrCat("/tmp/crmcore_ingest_benchmark_", getpid(), "_", ++count_, ".txt")) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  TempLogFile(const TempLogFile&) = delete;
  TempLogFile& operator=(const TempLogFile&) = delete;
  ~TempLogFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline int count_ = 0;
  std::string path_;
};

void ReportThroughput(benchmark::State& state, int64_t rows, size_t bytes) {
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["rows/s"] = benchmark::Counter(
      static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["rows"] = static_cast<double>(rows);
}

void IngestAndSummarizeFile(benchmark::State& state, const std::string& path) {
  int64_t rows = 0;
  int64_t customers = 0;
  for (auto _ : state) {
    auto log = LoadTransactionLog(path, CdnowLayout());
    if (!log.ok()) {
      state.SkipWithError(std::string(log.status().message()).c_str());
      return;
    }
    auto summary = SummarizeTransactions(*log, Calibration());
    if (!summary.ok()) {
      state.SkipWithError(std::string(summary.status().message()).c_str());
      return;
    }
    rows = log->rows_read;
    customers = static_cast<int64_t>(summary->size());
    benchmark::DoNotOptimize(summary->frequency.data());
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  ReportThroughput(state, rows, static_cast<size_t>(in.tellg()));
  state.counters["customers"] = static_cast<double>(customers);
}

void BM_CdnowMaster_IngestAndSummary(benchmark::State& state) {
  IngestAndSummarizeFile(state, std::string(CRMCORE_BENCH_DATA_DIR) + "/CDNOW_master.txt");
}
BENCHMARK(BM_CdnowMaster_IngestAndSummary)->Unit(benchmark::kMillisecond);

void BM_Generated10M_IngestAndSummary_FromMemory(benchmark::State& state) {
  const std::string& text = GeneratedLog();
  int64_t rows = 0;
  for (auto _ : state) {
    auto log = LoadTransactionLogFromBuffer(text, "generated", CdnowLayout());
    if (!log.ok()) {
      state.SkipWithError(std::string(log.status().message()).c_str());
      return;
    }
    auto summary = SummarizeTransactions(*log, Calibration());
    if (!summary.ok()) {
      state.SkipWithError(std::string(summary.status().message()).c_str());
      return;
    }
    rows = log->rows_read;
    benchmark::DoNotOptimize(summary->frequency.data());
  }
  ReportThroughput(state, rows, text.size());
}
BENCHMARK(BM_Generated10M_IngestAndSummary_FromMemory)->Unit(benchmark::kMillisecond);

void BM_Generated10M_IngestAndSummary_FromFile(benchmark::State& state) {
  const std::string path = absl::StrCat("/tmp/crmcore_ingest_benchmark_", getpid(), ".txt");
  {
    const std::string& text = GeneratedLog();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  IngestAndSummarizeFile(state, path);
  std::remove(path.c_str());
}
BENCHMARK(BM_Generated10M_IngestAndSummary_FromFile)->Unit(benchmark::kMillisecond);

// The two halves separately, to see where the time goes (ingest with the default
// threads = 0: every hardware thread).
void BM_Generated10M_IngestOnly(benchmark::State& state) {
  const std::string& text = GeneratedLog();
  int64_t rows = 0;
  for (auto _ : state) {
    auto log = LoadTransactionLogFromBuffer(text, "generated", CdnowLayout());
    if (!log.ok()) {
      state.SkipWithError(std::string(log.status().message()).c_str());
      return;
    }
    rows = log->rows_read;
    benchmark::DoNotOptimize(log->amount.data());
  }
  ReportThroughput(state, rows, text.size());
}
BENCHMARK(BM_Generated10M_IngestOnly)->Unit(benchmark::kMillisecond);

// Ingest alone, from memory or from a file, on state.range(0) threads.
void IngestOnly(benchmark::State& state, const std::string& text, TransactionLogOptions options,
                bool from_file) {
  options.threads = static_cast<unsigned>(state.range(0));
  std::optional<TempLogFile> file;
  if (from_file) file.emplace(text);
  int64_t rows = 0;
  for (auto _ : state) {
    auto log = from_file ? LoadTransactionLog(file->path(), options)
                         : LoadTransactionLogFromBuffer(text, "generated", options);
    if (!log.ok()) {
      state.SkipWithError(std::string(log.status().message()).c_str());
      return;
    }
    rows = log->rows_read;
    state.counters["customers"] = static_cast<double>(log->customer_count());
    benchmark::DoNotOptimize(log->amount.data());
  }
  ReportThroughput(state, rows, text.size());
}

void BM_Generated10M_IngestOnly_Threads(benchmark::State& state) {
  IngestOnly(state, GeneratedLog(), CdnowLayout(), /*from_file=*/false);
}
BENCHMARK(BM_Generated10M_IngestOnly_Threads)
    ->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Export10M_IngestOnly_FromMemory(benchmark::State& state) {
  IngestOnly(state, ExportLog(), TransactionLogOptions(), /*from_file=*/false);
}
BENCHMARK(BM_Export10M_IngestOnly_FromMemory)
    ->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Export10M_IngestOnly_FromFile(benchmark::State& state) {
  IngestOnly(state, ExportLog(), TransactionLogOptions(), /*from_file=*/true);
}
BENCHMARK(BM_Export10M_IngestOnly_FromFile)
    ->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Generated10M_SummaryOnly(benchmark::State& state) {
  auto log = LoadTransactionLogFromBuffer(GeneratedLog(), "generated", CdnowLayout());
  if (!log.ok()) {
    state.SkipWithError(std::string(log.status().message()).c_str());
    return;
  }
  for (auto _ : state) {
    auto summary = SummarizeTransactions(*log, Calibration());
    benchmark::DoNotOptimize(summary->frequency.data());
  }
  state.counters["rows/s"] = benchmark::Counter(
      static_cast<double>(log->size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Generated10M_SummaryOnly)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace crmcore

BENCHMARK_MAIN();

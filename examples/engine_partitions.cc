// Scoring customers split across partitions (threads, processes or machines) through the
// engine's mergeable partial states, and checking that the tiers equal those of one batch.
//
//   1. each partition computes its CompositeState (min, max, count, mean/M2, sorted values);
//   2. the states are merged in partition order;
//   3. each partition scores its own customers against the merged state;
//   4. each partition computes the QuantileState of its composite values; merged, they give
//      the exact tier cut-offs; each partition assigns its tiers.
// Only states travel between partitions, never customer rows (except the sorted values an
// exact quantile needs).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <random>
#include <vector>

#include "crmcore/composite_value.h"
#include "crmcore/engine.h"
#include "crmcore/engine_state.h"
#include "crmcore/value_tier.h"

namespace {

using crmcore::CompositeComponent;
using crmcore::NormalizerKind;
namespace engine = crmcore::engine;

constexpr std::size_t kCustomers = 200000;
constexpr std::size_t kPartitions = 4;

struct Partition {
  std::vector<double> revenue, clv, credit, loyalty, growth;
  engine::CompositeColumns Columns() const {
    engine::CompositeColumns columns;
    columns.column[0] = revenue;
    columns.column[1] = clv;
    columns.column[2] = credit;
    columns.column[3] = loyalty;
    columns.column[4] = growth;
    return columns;
  }
};

// One generated population, dealt round-robin-free into contiguous uneven partitions.
std::vector<Partition> MakePartitions(Partition& whole) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> revenue(5.0, 1.2);
  std::gamma_distribution<double> clv(2.0, 150.0);
  std::uniform_int_distribution<int> credit(1, 5);
  std::uniform_real_distribution<double> loyalty(0.0, 100.0);
  std::normal_distribution<double> growth(0.05, 0.1);
  for (std::size_t i = 0; i < kCustomers; ++i) {
    whole.revenue.push_back(revenue(rng));
    whole.clv.push_back(clv(rng));
    whole.credit.push_back(credit(rng));
    whole.loyalty.push_back(loyalty(rng));
    whole.growth.push_back(growth(rng));
  }
  const std::size_t bounds[kPartitions + 1] = {0, 31000, 99999, 150000, kCustomers};
  std::vector<Partition> parts(kPartitions);
  for (std::size_t p = 0; p < kPartitions; ++p) {
    const auto slice = [&](const std::vector<double>& v) {
      return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(bounds[p]),
                                 v.begin() + static_cast<std::ptrdiff_t>(bounds[p + 1]));
    };
    parts[p] = {slice(whole.revenue), slice(whole.clv), slice(whole.credit),
                slice(whole.loyalty), slice(whole.growth)};
  }
  return parts;
}

int Fail(const absl::Status& status) {
  std::cerr << "error: " << status << "\n";
  return 1;
}

}  // namespace

int main() {
  crmcore::CompositePlan::Normalizers normalizers;
  normalizers[1].kind = NormalizerKind::kZScore;
  normalizers[2] = {NormalizerKind::kFixedBounds, 1.0, 5.0};
  normalizers[3].kind = NormalizerKind::kPercentileRank;
  absl::StatusOr<crmcore::CompositePlan> plan =
      crmcore::CompositePlan::Create({0.35, 0.25, 0.15, 0.15, 0.10}, normalizers);
  if (!plan.ok()) return Fail(plan.status());

  Partition whole;
  const std::vector<Partition> parts = MakePartitions(whole);

  // One batch, for comparison.
  std::vector<double> batch_values(kCustomers);
  std::vector<crmcore::ValueTier> batch_tiers(kCustomers);
  absl::Status status = engine::ScoreComposite(*plan, whole.Columns(), absl::MakeSpan(batch_values));
  if (!status.ok()) return Fail(status);
  status = engine::AssignPyramidTiers(batch_values, absl::MakeSpan(batch_tiers));
  if (!status.ok()) return Fail(status);

  // Steps 1-2: per-partition statistics, merged in partition order.
  engine::CompositeState population;
  for (const Partition& part : parts) {
    absl::StatusOr<engine::CompositeState> state =
        engine::ComputeCompositeState(*plan, part.Columns());
    if (!state.ok()) return Fail(state.status());
    population.Merge(*state);
  }
  // Steps 3-4: score each partition against the merged population; merge value quantiles.
  std::vector<std::vector<double>> values(kPartitions);
  engine::QuantileState value_population;
  for (std::size_t p = 0; p < kPartitions; ++p) {
    values[p].resize(parts[p].revenue.size());
    status = engine::ScoreComposite(*plan, parts[p].Columns(), population,
                                    absl::MakeSpan(values[p]));
    if (!status.ok()) return Fail(status);
    absl::StatusOr<engine::QuantileState> quantiles = engine::ComputeQuantileState(values[p]);
    if (!quantiles.ok()) return Fail(quantiles.status());
    value_population.Merge(*quantiles);
  }
  absl::StatusOr<engine::TierCutoffs> cutoffs = engine::TierCutoffsFrom(value_population);
  if (!cutoffs.ok()) return Fail(cutoffs.status());

  std::size_t offset = 0;
  std::size_t differing_tiers = 0;
  double largest_value_difference = 0.0;
  std::int64_t per_tier[crmcore::kValueTierCount] = {};
  for (std::size_t p = 0; p < kPartitions; ++p) {
    std::vector<crmcore::ValueTier> tiers(values[p].size());
    status = engine::AssignTiers(values[p], *cutoffs, absl::MakeSpan(tiers));
    if (!status.ok()) return Fail(status);
    for (std::size_t i = 0; i < tiers.size(); ++i) {
      if (tiers[i] != batch_tiers[offset + i]) ++differing_tiers;
      largest_value_difference =
          std::max(largest_value_difference, std::abs(values[p][i] - batch_values[offset + i]));
      ++per_tier[static_cast<int>(tiers[i])];
    }
    offset += tiers.size();
  }

  std::cout << "engine target: " << engine::ActiveTarget() << "\n"
            << kCustomers << " customers in " << kPartitions << " partitions\n"
            << "tier cut-offs (vip, major, ordinary): " << cutoffs->value[0] << ", "
            << cutoffs->value[1] << ", " << cutoffs->value[2] << "\n";
  for (const crmcore::ValueTier tier : crmcore::AllValues<crmcore::ValueTier>()) {
    std::cout << "  " << crmcore::Id(tier) << ": " << per_tier[static_cast<int>(tier)] << "\n";
  }
  std::cout << "largest |partitioned - batch| value: " << largest_value_difference
            << " (z-score mean/variance merge in another order)\n"
            << "customers whose tier differs from one batch: " << differing_tiers << "\n";
  return differing_tiers == 0 ? 0 : 1;
}

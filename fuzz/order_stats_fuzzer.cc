// Fuzz target: the engine's exact order statistics (include/crmcore/engine.h: value tiers,
// RFM quintile scores, tier cut-offs) on columns large enough for every selection path —
// the small-column selection (<= 4096 values), the histogram with a gathering pass
// (recursive when a bucket stays large), and the histogram-only path of whole numbers whose
// range is narrower than 2^16 — against the core's scalar references (value_tier.h,
// rfm_score.h) and the sorted-state path (ComputeQuantileState).
//
// Input layout (reading past the end gives zeros):
//   byte 0:    bit 0 a large column (4097 + u16 % 8192 values, else u16 % 4200), bit 1
//              RFM lower-is-better, bits 2-3 the column's shape (below)
//   bytes 1-2: u16 for the size
//   byte 3:    pool size (1 + byte % 16), then per pool value a kind byte and its payload:
//              a small whole number, a large whole number (to 2^60 in steps of 256), a
//              quarter, -0.0, a raw double (NaN and Inf included), a value near 1
//   then 8 bytes seeding the generator of the column, and the shape's parameters:
//     shape 0: values drawn from the pool (few distinct values, many ties);
//     shape 1: whole numbers pool[0] + [0, span), span = 1 + u32 % 70000 (across 2^16);
//     shape 2: as 1, plus a fraction added at one position (u16 % N);
//     shape 3: pool values scaled by 1 +- a few ulps (near-ties in one histogram bucket).
//
// Invariants: tiers and RFM scores (1 and 2 threads) equal the references value for value;
// cut-offs equal those of the sorted state (compared with ==: -0.0 equals 0.0); the RFM
// scores through RfmThresholdsFrom(sorted state) equal them too; a column holding NaN or
// Inf is an InvalidArgument naming the first such index, like the references' errors.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crmcore/engine.h"
#include "crmcore/rfm_score.h"
#include "crmcore/value_tier.h"
#include "fuzz_common.h"

namespace crmcore::fuzz {
namespace {

// xorshift64*: a deterministic column from 8 input bytes.
class Generator {
 public:
  explicit Generator(uint64_t seed) : state_(seed | 1) {}
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }

 private:
  uint64_t state_;
};

double PoolValue(FuzzInput& in) {
  const uint8_t kind = in.Byte();
  switch (kind % 6) {
    case 0: return static_cast<double>(static_cast<int8_t>(in.Byte()));
    case 1: return std::ldexp(static_cast<double>(static_cast<int32_t>(in.U32())), 28) +
                   256.0 * in.Byte();
    case 2: return static_cast<double>(static_cast<int16_t>(in.U32() & 0xFFFF)) / 4.0;
    case 3: return -0.0;
    case 4: return in.RawDouble();
    default: return 1.0 + std::ldexp(static_cast<double>(in.Byte()), -52);
  }
}

std::vector<double> MakeColumn(FuzzInput& in, size_t n, int shape) {
  std::vector<double> pool(1 + in.Byte() % 16);
  for (double& v : pool) v = PoolValue(in);
  Generator gen(in.U64());
  std::vector<double> column(n);
  switch (shape) {
    case 0:
      for (double& x : column) x = pool[gen.Next() % pool.size()];
      break;
    case 1:
    case 2: {
      const double least = std::isfinite(pool[0]) ? std::nearbyint(pool[0]) : 0.0;
      const uint64_t span = 1 + in.U32() % 70000;
      for (double& x : column) x = least + static_cast<double>(gen.Next() % span);
      if (shape == 2 && n > 0) column[in.U32() % n] += 0.5;
      break;
    }
    default:
      for (double& x : column) {
        const double base = pool[gen.Next() % pool.size()];
        const auto ulps = static_cast<int>(gen.Next() % 5) - 2;
        x = base * (1.0 + ulps * std::numeric_limits<double>::epsilon());
      }
  }
  return column;
}

void CheckSameError(const absl::Status& engine, const absl::Status& reference,
                    const char* what) {
  CRM_FUZZ_CHECK(engine.code() == absl::StatusCode::kInvalidArgument && !reference.ok(),
                 absl::StrCat(what, ": engine ", engine.ToString(), " reference ",
                              reference.ToString()));
}

void Run(FuzzInput& in) {
  const uint8_t flags = in.Byte();
  const uint32_t size = (uint32_t{in.Byte()} << 8) | in.Byte();
  const size_t n = (flags & 1) ? 4097 + size % 8192 : size % 4200;
  const RfmDirection direction =
      (flags & 2) ? RfmDirection::kLowerIsBetter : RfmDirection::kHigherIsBetter;
  const std::vector<double> values = MakeColumn(in, n, (flags >> 2) & 3);

  size_t first_bad = n;
  for (size_t i = 0; i < n && first_bad == n; ++i) {
    if (!std::isfinite(values[i])) first_bad = i;
  }

  std::vector<ValueTier> tiers_reference(n);
  const absl::Status tiers_reference_status =
      crmcore::AssignValueTiers(values, absl::MakeSpan(tiers_reference));
  std::vector<int8_t> rfm_reference(n);
  const absl::Status rfm_reference_status =
      crmcore::RfmQuintileScores(values, direction, absl::MakeSpan(rfm_reference));

  for (const int threads : {1, 2}) {
    const engine::EngineOptions options{.threads = threads};
    std::vector<ValueTier> tiers(n);
    const absl::Status tiers_status =
        engine::AssignPyramidTiers(values, absl::MakeSpan(tiers), {}, options);
    std::vector<int8_t> scores(n);
    const absl::Status rfm_status =
        engine::ScoreRfmQuintiles(values, direction, absl::MakeSpan(scores), options);
    if (first_bad < n) {
      CheckSameError(tiers_status, tiers_reference_status, "tiers");
      CheckSameError(rfm_status, rfm_reference_status, "rfm");
      const std::string index = absl::StrCat("index ", first_bad, " ");
      CRM_FUZZ_CHECK(absl::StrContains(tiers_status.message(), index) &&
                         absl::StrContains(rfm_status.message(), index),
                     absl::StrCat("not the first bad index ", first_bad, ": ",
                                  tiers_status.message(), " | ", rfm_status.message()));
      continue;
    }
    CRM_FUZZ_CHECK(tiers_status.ok() && tiers_reference_status.ok(),
                   absl::StrCat("tiers: ", tiers_status.ToString(), " reference ",
                                tiers_reference_status.ToString()));
    CRM_FUZZ_CHECK(rfm_status.ok() && rfm_reference_status.ok(),
                   absl::StrCat("rfm: ", rfm_status.ToString(), " reference ",
                                rfm_reference_status.ToString()));
    for (size_t i = 0; i < n; ++i) {
      CRM_FUZZ_CHECK(tiers[i] == tiers_reference[i],
                     absl::StrCat("tier of ", i, " (", values[i], ") with ", threads,
                                  " threads: ", static_cast<int>(tiers[i]), " reference ",
                                  static_cast<int>(tiers_reference[i])));
      CRM_FUZZ_CHECK(scores[i] == rfm_reference[i],
                     absl::StrCat("rfm score of ", i, " (", values[i], ") with ", threads,
                                  " threads: ", int{scores[i]}, " reference ", int{rfm_reference[i]}));
    }
  }
  if (first_bad < n || n == 0) return;

  // The sorted-state path agrees: cut-offs, and scores through its thresholds.
  const absl::StatusOr<engine::QuantileState> state = engine::ComputeQuantileState(values);
  CRM_FUZZ_CHECK(state.ok(), state.status().ToString());
  const absl::StatusOr<engine::TierCutoffs> selected = engine::ComputeTierCutoffs(values);
  const absl::StatusOr<engine::TierCutoffs> sorted = engine::TierCutoffsFrom(*state);
  CRM_FUZZ_CHECK(selected.ok() && sorted.ok(), "cut-offs failed");
  for (size_t t = 0; t < selected->value.size(); ++t) {
    CRM_FUZZ_CHECK(selected->seats[t] == sorted->seats[t] &&
                       selected->value[t] == sorted->value[t],
                   absl::StrCat("cut-off ", t, ": selected ", selected->value[t], " sorted ",
                                sorted->value[t]));
  }
  const absl::StatusOr<engine::RfmThresholds> thresholds =
      engine::RfmThresholdsFrom(*state, direction);
  CRM_FUZZ_CHECK(thresholds.ok(), thresholds.status().ToString());
  std::vector<int8_t> scores(n);
  CRM_FUZZ_CHECK(engine::ScoreRfm(values, *thresholds, absl::MakeSpan(scores)).ok(),
                 "ScoreRfm failed");
  CRM_FUZZ_CHECK(scores == rfm_reference, "scores through the sorted state's thresholds differ");
}

}  // namespace
}  // namespace crmcore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  crmcore::fuzz::FuzzInput in(data, size);
  crmcore::fuzz::Run(in);
  return 0;
}

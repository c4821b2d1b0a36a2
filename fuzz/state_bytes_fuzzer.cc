// Fuzz target: the partial-state deserializers and merges (crmcore/engine_state_io.h and
// capi/crmcore.h "Mergeable partial states"): bytes -> a state or a clean error.
//
// Input layout: byte 0 selects what else is done (bit 0: score a small built-in population
// against a decoded state; bit 1: merge a second copy of it in; bit 2: first rewrite the
// trailing CRC-32C to match the bytes, so that mutations get past the checksum to the
// length checks and ValidateCompositeState); the rest is the candidate serialized state,
// read both as a composite and as a quantile state. Seeds (corpus/state_bytes/, written by
// fuzz/make_state_seeds.py) are valid states of both kinds and truncated, flipped and
// re-checksummed corrupt copies.
//
// Invariants: the C API and the C++ decoder agree; a rejection is CRM_ERR_IO (DataLoss in
// C++) with a message; a decoded state passes Validate*State() and re-serializes to exactly
// the input bytes; merging it into an empty state and into itself-as-a-copy succeeds with
// the summed row / value count, or fails cleanly (a count overflow); scoring, tiers and RFM
// scores against it are finite and in range, or a clean error.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore.h"
#include "crmcore/engine_state_io.h"
#include "fuzz_common.h"

namespace crmcore::fuzz {
namespace {

void CheckCleanError(crm_status status, const char* call) {
  const std::string message = crm_last_error();
  CRM_FUZZ_CHECK(status != CRM_OK && status != CRM_ERR_INTERNAL && !message.empty(),
                 absl::StrCat(call, ": ", crm_status_name(status), " '", message, "'"));
}

std::vector<uint8_t> Serialize(const crm_composite_state* state) {
  size_t size = 0;
  CRM_FUZZ_CHECK(crm_composite_state_serialize(state, nullptr, 0, &size) == CRM_OK, crm_last_error());
  std::vector<uint8_t> bytes(size);
  CRM_FUZZ_CHECK(crm_composite_state_serialize(state, bytes.data(), size, &size) == CRM_OK,
                 crm_last_error());
  return bytes;
}

std::vector<uint8_t> Serialize(const crm_quantile_state* state) {
  size_t size = 0;
  CRM_FUZZ_CHECK(crm_quantile_state_serialize(state, nullptr, 0, &size) == CRM_OK, crm_last_error());
  std::vector<uint8_t> bytes(size);
  CRM_FUZZ_CHECK(crm_quantile_state_serialize(state, bytes.data(), size, &size) == CRM_OK,
                 crm_last_error());
  return bytes;
}

bool SameBytes(const std::vector<uint8_t>& a, absl::Span<const uint8_t> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// A small population that every plan can score: distinct finite values per component.
constexpr size_t kRows = 7;
const double kValues[kRows] = {-3.5, 0.0, 1.0, 2.25, 10.0, 1e6, -1e-300};

void ScoreAgainst(const crm_composite_state* state, const engine::CompositeState& core) {
  crm_composite_plan* plan = nullptr;
  CRM_FUZZ_CHECK(crm_composite_plan_create(&plan) == CRM_OK, crm_last_error());
  // A plan that fits the state: every component with values, percentile rank where sorted
  // values were kept, else min-max or z-score alternately.
  bool any = false;
  for (size_t c = 0; c < core.column.size(); ++c) {
    const auto component = static_cast<int32_t>(c);
    if (core.column[c].count == 0) continue;
    any = true;
    CRM_FUZZ_CHECK(crm_composite_plan_set_weight(plan, component, 1.0) == CRM_OK, crm_last_error());
    const int32_t normalizer = core.column[c].has_quantiles
                                   ? CRM_NORMALIZER_PERCENTILE_RANK
                                   : (c % 2 == 0 ? CRM_NORMALIZER_MIN_MAX : CRM_NORMALIZER_Z_SCORE);
    CRM_FUZZ_CHECK(crm_composite_plan_set_normalizer(plan, component, normalizer, 0.0, 1.0) == CRM_OK,
                   crm_last_error());
  }
  if (any) {
    crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT];
    for (crm_column& column : columns) {
      column = CRM_COLUMN_INIT;
      column.data = kValues;
      column.length = kRows;
    }
    double out[kRows] = {};
    const crm_status status = crm_score_composite_with_state(
        plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, state, nullptr, out, kRows);
    if (status == CRM_OK) {
      CRM_FUZZ_CHECK(std::string(crm_last_error()).empty(), "a message after CRM_OK");
      for (size_t i = 0; i < kRows; ++i) {
        CRM_FUZZ_CHECK(std::isfinite(out[i]),
                       absl::StrCat("score ", i, " against a decoded state is ", out[i]));
      }
    } else {
      CheckCleanError(status, "crm_score_composite_with_state");
      CRM_FUZZ_CHECK(status == CRM_ERR_INVALID_ARGUMENT || status == CRM_ERR_OUT_OF_RANGE,
                     absl::StrCat("undocumented ", crm_status_name(status), ": ", crm_last_error()));
    }
  }
  crm_composite_plan_destroy(plan);
}

void TiersAgainst(const crm_quantile_state* state, int64_t count) {
  int8_t tiers[kRows];
  CRM_FUZZ_CHECK(crm_assign_value_tiers_with_state(kValues, kRows, state, nullptr, nullptr, tiers) ==
                     CRM_OK,
                 crm_last_error());
  for (int8_t t : tiers) CRM_FUZZ_CHECK(t >= 0 && t <= 3, absl::StrCat("tier ", t));
  int8_t scores[kRows];
  const crm_status status =
      crm_rfm_quintiles_with_state(kValues, kRows, state, CRM_RFM_HIGHER_IS_BETTER, nullptr, scores);
  if (count == 0) {
    CheckCleanError(status, "crm_rfm_quintiles_with_state (empty state)");
    return;
  }
  CRM_FUZZ_CHECK(status == CRM_OK, crm_last_error());
  for (int8_t s : scores) CRM_FUZZ_CHECK(s >= 1 && s <= 5, absl::StrCat("RFM score ", s));
}

void CompositeBytes(absl::Span<const uint8_t> bytes, uint8_t mode) {
  const auto core = engine::DeserializeCompositeState(bytes);
  crm_composite_state* state = nullptr;
  const crm_status status = crm_composite_state_deserialize(bytes.data(), bytes.size(), &state);
  CRM_FUZZ_CHECK((status == CRM_OK) == core.ok(),
                 absl::StrCat("C API ", crm_status_name(status), " vs C++ ", core.status().ToString()));
  if (status != CRM_OK) {
    CheckCleanError(status, "crm_composite_state_deserialize");
    CRM_FUZZ_CHECK(status == CRM_ERR_IO && absl::IsDataLoss(core.status()),
                   absl::StrCat(crm_status_name(status), " / ", core.status().ToString()));
    CRM_FUZZ_CHECK(state == nullptr, "out changed on error");
    return;
  }
  CRM_FUZZ_CHECK(engine::ValidateCompositeState(*core).ok(), "decoded an invalid state");
  CRM_FUZZ_CHECK(SameBytes(Serialize(state), bytes), "re-serializing changed the bytes");
  const auto again = engine::SerializeCompositeState(*core);
  CRM_FUZZ_CHECK(again.ok() && SameBytes(*again, bytes), "C++ re-serialization changed the bytes");
  int64_t rows = -1;
  CRM_FUZZ_CHECK(crm_composite_state_rows(state, &rows) == CRM_OK && rows == core->rows,
                 "row count");

  // Into an empty state: a copy.
  crm_composite_plan* plan = nullptr;
  CRM_FUZZ_CHECK(crm_composite_plan_create(&plan) == CRM_OK, crm_last_error());
  CRM_FUZZ_CHECK(crm_composite_plan_set_weight(plan, 0, 1.0) == CRM_OK, crm_last_error());
  crm_column empty[CRM_COMPOSITE_COMPONENT_COUNT];
  for (crm_column& column : empty) column = CRM_COLUMN_INIT;
  crm_composite_state* fresh = nullptr;
  CRM_FUZZ_CHECK(crm_composite_state_create(plan, empty, CRM_COMPOSITE_COMPONENT_COUNT, nullptr,
                                            &fresh) == CRM_OK,
                 crm_last_error());
  crm_composite_plan_destroy(plan);
  CRM_FUZZ_CHECK(crm_composite_state_merge(fresh, state) == CRM_OK, crm_last_error());
  // A copy, except that an empty column carries no plan: merging skips it, so its
  // has_quantiles flag (and a -0.0 mean) stay the empty state's (MergeCompositeStates only
  // compares the flags of columns with values).
  engine::CompositeState canonical = *core;
  for (engine::ColumnState& column : canonical.column) {
    if (column.count == 0) column = engine::ColumnState{};
  }
  const auto canonical_bytes = engine::SerializeCompositeState(canonical);
  CRM_FUZZ_CHECK(canonical_bytes.ok(), canonical_bytes.status().ToString());
  CRM_FUZZ_CHECK(SameBytes(Serialize(fresh), *canonical_bytes),
                 "merging into an empty state is not a copy");

  if (mode & 2) {
    // Two valid states: the merge sums the counts, or rejects an overflow cleanly.
    crm_composite_state* other = nullptr;
    CRM_FUZZ_CHECK(crm_composite_state_deserialize(bytes.data(), bytes.size(), &other) == CRM_OK,
                   crm_last_error());
    const crm_status merged = crm_composite_state_merge(fresh, other);
    if (merged != CRM_OK) CheckCleanError(merged, "crm_composite_state_merge");
    int64_t merged_rows = -1;
    CRM_FUZZ_CHECK(crm_composite_state_rows(fresh, &merged_rows) == CRM_OK, crm_last_error());
    if (merged == CRM_OK) {
      CRM_FUZZ_CHECK(merged_rows == 2 * rows, absl::StrCat(merged_rows, " rows after merging ", rows,
                                                           " twice"));
      const std::vector<uint8_t> out = Serialize(fresh);
      crm_composite_state* back = nullptr;
      CRM_FUZZ_CHECK(crm_composite_state_deserialize(out.data(), out.size(), &back) == CRM_OK,
                     absl::StrCat("a merged state does not decode: ", crm_last_error()));
      crm_composite_state_destroy(back);
    } else {
      CRM_FUZZ_CHECK(merged_rows == rows && SameBytes(Serialize(fresh), *canonical_bytes),
                     "a failed merge changed `into`");
    }
    crm_composite_state_destroy(other);
  }
  if (mode & 1) ScoreAgainst(state, *core);
  crm_composite_state_destroy(fresh);
  crm_composite_state_destroy(state);
}

void QuantileBytes(absl::Span<const uint8_t> bytes, uint8_t mode) {
  const auto core = engine::DeserializeQuantileState(bytes);
  crm_quantile_state* state = nullptr;
  const crm_status status = crm_quantile_state_deserialize(bytes.data(), bytes.size(), &state);
  CRM_FUZZ_CHECK((status == CRM_OK) == core.ok(),
                 absl::StrCat("C API ", crm_status_name(status), " vs C++ ", core.status().ToString()));
  if (status != CRM_OK) {
    CheckCleanError(status, "crm_quantile_state_deserialize");
    CRM_FUZZ_CHECK(status == CRM_ERR_IO && absl::IsDataLoss(core.status()),
                   absl::StrCat(crm_status_name(status), " / ", core.status().ToString()));
    return;
  }
  CRM_FUZZ_CHECK(engine::ValidateQuantileState(*core).ok(), "decoded an invalid quantile state");
  CRM_FUZZ_CHECK(SameBytes(Serialize(state), bytes), "re-serializing changed the bytes");
  int64_t count = -1;
  CRM_FUZZ_CHECK(crm_quantile_state_count(state, &count) == CRM_OK && count == core->count(),
                 "value count");
  crm_quantile_state* fresh = nullptr;
  CRM_FUZZ_CHECK(crm_quantile_state_create(nullptr, 0, nullptr, &fresh) == CRM_OK, crm_last_error());
  CRM_FUZZ_CHECK(crm_quantile_state_merge(fresh, state) == CRM_OK, crm_last_error());
  CRM_FUZZ_CHECK(SameBytes(Serialize(fresh), bytes), "merging into an empty state is not a copy");
  if (mode & 2) {
    const crm_status merged = crm_quantile_state_merge(fresh, state);
    if (merged != CRM_OK) CheckCleanError(merged, "crm_quantile_state_merge");
    int64_t merged_count = -1;
    CRM_FUZZ_CHECK(crm_quantile_state_count(fresh, &merged_count) == CRM_OK, crm_last_error());
    if (merged == CRM_OK) {
      CRM_FUZZ_CHECK(merged_count == 2 * count, "merged count is not the sum");
      const std::vector<uint8_t> out = Serialize(fresh);
      const auto decoded = engine::DeserializeQuantileState(out);
      CRM_FUZZ_CHECK(decoded.ok(), decoded.status().ToString());
      // Merging keeps every value: the merged run is the input's values, each twice.
      for (size_t i = 0; i < core->sorted.size(); ++i) {
        CRM_FUZZ_CHECK(decoded->sorted[2 * i] == core->sorted[i] &&
                           decoded->sorted[2 * i + 1] == core->sorted[i],
                       absl::StrCat("merged value ", i));
      }
    }
  }
  if (mode & 1) TiersAgainst(state, count);
  crm_quantile_state_destroy(fresh);
  crm_quantile_state_destroy(state);
}

}  // namespace
}  // namespace crmcore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::vector<uint8_t> bytes(data + 1, data + size);
  if ((mode & 4) != 0 && bytes.size() >= crmcore::engine::kStateHeaderBytes +
                                             crmcore::engine::kStateChecksumBytes) {
    const size_t body = bytes.size() - crmcore::engine::kStateChecksumBytes;
    const uint32_t crc = crmcore::engine::Crc32c(absl::MakeConstSpan(bytes.data(), body));
    for (size_t i = 0; i < 4; ++i) bytes[body + i] = static_cast<uint8_t>(crc >> (8 * i));
  }
  crmcore::fuzz::CompositeBytes(bytes, mode);
  crmcore::fuzz::QuantileBytes(bytes, mode);
  return 0;
}

// The C API's history states (capi/crmcore.h, "History states"): a partition's customer
// histories compressed into weighted patterns, merged across partitions and servers as
// checksummed bytes (engine_state_io.h), and fitted on (crm_model_fit_history_state, in
// crmcore_c_models.cc).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "capi_history.h"
#include "capi_internal.h"
#include "crmcore.h"
#include "crmcore/engine_state_io.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/model_fit.h"
#include "crmcore/status.h"

namespace {

using namespace crmcore::capi_internal;  // NOLINT: the C API's shared toolkit

absl::Status CheckKind(int kind) {
  if (kind == CRM_MODEL_BGNBD || kind == CRM_MODEL_PARETO_NBD || kind == CRM_MODEL_GAMMA_GAMMA ||
      kind == CRM_MODEL_MBGNBD) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "model kind ", kind,
      " has no history state (valid: CRM_MODEL_BGNBD (0), CRM_MODEL_PARETO_NBD (1), "
      "CRM_MODEL_GAMMA_GAMMA (2), CRM_MODEL_MBGNBD (3); BG/BB and sBG are fitted on other "
      "data)"));
}

absl::Status RequireColumn(const double* column, size_t n, const char* name) {
  if (column != nullptr || n == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, " is NULL but n is ", n));
}

// A batch's patterns, validated and compressed by the core (PurchaseHistories or
// SpendHistories), ready to be added to a state: nothing is added unless the whole
// batch is valid.
struct Batch {
  std::vector<std::pair<CrmPatternKey, double>> patterns;
  double excluded = 0.0;
};

absl::StatusOr<Batch> Compress(int kind, const double* x, const double* t_x, const double* T,
                               const double* m, const double* w, size_t n) {
  Batch batch;
  if (n == 0) return batch;
  const auto xs = absl::MakeConstSpan(x, n);
  const auto ws = w == nullptr ? absl::Span<const double>() : absl::MakeConstSpan(w, n);
  if (kind == CRM_MODEL_GAMMA_GAMMA) {
    // Repeat buyers with a finite mean spend <= 0 are left out and counted, as crm_model_fit
    // does; the core rejects the other invalid rows, naming them.
    std::vector<double> spend_x(xs.begin(), xs.end());
    for (size_t i = 0; i < n; ++i) {
      if (spend_x[i] > 0.0 && std::isfinite(m[i]) && m[i] <= 0.0) {
        const double weight = w == nullptr ? 1.0 : w[i];
        if (!(std::isfinite(weight) && weight >= 0.0)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "row ", i, ": weight must be finite and >= 0, got ", crmcore::FormatDouble(weight)));
        }
        spend_x[i] = 0.0;
        batch.excluded += weight;
      }
    }
    CRM_ASSIGN_OR_RETURN(const auto spend, crmcore::SpendHistories::Create(
                                               spend_x, absl::MakeConstSpan(m, n), ws));
    for (size_t k = 0; k < spend.size(); ++k) {
      batch.patterns.emplace_back(
          PatternKey(spend.frequency()[k], spend.monetary_value()[k], 0.0), spend.weight()[k]);
    }
  } else {
    CRM_ASSIGN_OR_RETURN(const auto histories,
                         crmcore::PurchaseHistories::Create(xs, absl::MakeConstSpan(t_x, n),
                                                            absl::MakeConstSpan(T, n), ws));
    for (size_t k = 0; k < histories.size(); ++k) {
      batch.patterns.emplace_back(
          PatternKey(histories.frequency()[k], histories.recency()[k], histories.T()[k]),
          histories.weight()[k]);
    }
  }
  return batch;
}

// Adds `patterns` (distinct keys) to `state`, all or nothing: every allocation (the nodes
// of new patterns, the buckets) happens before the state changes, so a bad_alloc leaves
// it as it was; what follows (moving the prepared nodes in, adding weights) cannot fail.
void AddPatterns(crm_history_state& state,
                 const std::vector<std::pair<CrmPatternKey, double>>& patterns, double excluded) {
  // One lookup per pattern: existing ones are remembered by the address of their weight
  // (a rehash moves no node, so the addresses stay valid); new ones get a node here.
  std::vector<std::pair<double*, double>> existing;
  existing.reserve(patterns.size());
  std::unordered_map<CrmPatternKey, double, CrmPatternKeyHash> fresh;
  fresh.reserve(patterns.size());
  for (const auto& [key, w] : patterns) {
    const auto it = state.patterns.find(key);
    if (it == state.patterns.end()) {
      fresh.emplace(key, w);
    } else {
      existing.emplace_back(&it->second, w);
    }
  }
  // Grow geometrically, and only when needed: libstdc++'s reserve() rehashes to the
  // prime just above the request even when that shrinks the table, so reserving the exact
  // size on every batch would rehash the whole state every time.
  const size_t needed = state.patterns.size() + fresh.size();
  if (static_cast<double>(needed) >
      static_cast<double>(state.patterns.bucket_count()) *
          static_cast<double>(state.patterns.max_load_factor())) {
    state.patterns.reserve(std::max(needed, 2 * state.patterns.size()));
  }
  // No allocation from here on (the buckets are reserved; nodes move, not copy).
  while (!fresh.empty()) state.patterns.insert(fresh.extract(fresh.begin()));
  for (const auto& [weight, w] : existing) *weight += w;
  state.excluded += excluded;
}

// The state in the engine's serializable form: patterns sorted, each once.
crmcore::engine::HistoryState ToSerializable(const crm_history_state& state) {
  crmcore::engine::HistoryState out;
  out.model = static_cast<std::uint32_t>(state.kind);
  out.excluded = state.excluded;
  out.patterns.reserve(state.patterns.size());
  for (const auto& [key, weight] : state.patterns) {
    out.patterns.push_back(
        {PatternValue(key, 0), PatternValue(key, 1), PatternValue(key, 2), weight});
  }
  std::sort(out.patterns.begin(), out.patterns.end());
  return out;
}

}  // namespace

extern "C" {

crm_status crm_history_state_create(int kind, crm_history_state** out) {
  return Guarded("crm_history_state_create", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_RETURN_IF_ERROR(CheckKind(kind));
    crm_history_state state;
    state.kind = kind;
    *out = NewHandle<crm_history_state>(std::move(state));
    return absl::OkStatus();
  });
}

void crm_history_state_destroy(crm_history_state* state) {
  DestroyHandle(state, "crm_history_state_destroy");
}

crm_status crm_history_state_add(crm_history_state* state, const double* frequency,
                                 const double* recency, const double* T,
                                 const double* monetary, const double* weight, size_t n) {
  return Guarded("crm_history_state_add", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    CRM_RETURN_IF_ERROR(RequireColumn(frequency, n, "frequency"));
    if (state->kind == CRM_MODEL_GAMMA_GAMMA) {
      CRM_RETURN_IF_ERROR(RequireColumn(monetary, n, "monetary"));
    } else {
      CRM_RETURN_IF_ERROR(RequireColumn(recency, n, "recency"));
      CRM_RETURN_IF_ERROR(RequireColumn(T, n, "T"));
    }
    CRM_ASSIGN_OR_RETURN(const Batch batch,
                         Compress(state->kind, frequency, recency, T, monetary, weight, n));
    AddPatterns(*state, batch.patterns, batch.excluded);
    return absl::OkStatus();
  });
}

crm_status crm_history_state_merge(crm_history_state* into, const crm_history_state* from) {
  return Guarded("crm_history_state_merge", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(into, "into"));
    CRM_RETURN_IF_ERROR(CheckHandle(from, "from"));
    if (into == from) return absl::InvalidArgumentError("from is the same state as into");
    if (into->kind != from->kind) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot merge a history state of model kind ", from->kind, " into one of kind ",
          into->kind, " (states of one fit have one kind)"));
    }
    const std::vector<std::pair<CrmPatternKey, double>> patterns(from->patterns.begin(),
                                                                 from->patterns.end());
    AddPatterns(*into, patterns, from->excluded);
    return absl::OkStatus();
  });
}

crm_status crm_history_state_serialize(const crm_history_state* state, uint8_t* buffer,
                                       size_t capacity, size_t* out_size) {
  return Guarded("crm_history_state_serialize", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out_size, "out_size"));
    crmcore::engine::HistoryState serializable;
    serializable.patterns.resize(state->patterns.size());
    const size_t size = crmcore::engine::SerializedSize(serializable);
    if (buffer != nullptr) {
      if (capacity < size) {
        return absl::OutOfRangeError(
            absl::StrCat("buffer capacity is ", capacity, " bytes but the state needs ", size,
                         " (call with buffer NULL to learn the size)"));
      }
      CRM_RETURN_IF_ERROR(crmcore::engine::SerializeHistoryState(
          ToSerializable(*state), absl::MakeSpan(buffer, size)));
    }
    *out_size = size;
    return absl::OkStatus();
  });
}

crm_status crm_history_state_deserialize(const uint8_t* bytes, size_t length,
                                         crm_history_state** out) {
  return Guarded("crm_history_state_deserialize", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    if (bytes == nullptr && length > 0) {
      return absl::InvalidArgumentError(absl::StrCat("bytes is NULL but length is ", length));
    }
    CRM_ASSIGN_OR_RETURN(
        const crmcore::engine::HistoryState decoded,
        crmcore::engine::DeserializeHistoryState(absl::MakeConstSpan(bytes, length)));
    crm_history_state state;
    state.kind = static_cast<int>(decoded.model);
    state.excluded = decoded.excluded;
    state.patterns.reserve(decoded.patterns.size());
    for (const auto& p : decoded.patterns) state.patterns[PatternKey(p[0], p[1], p[2])] += p[3];
    *out = NewHandle<crm_history_state>(std::move(state));
    return absl::OkStatus();
  });
}

crm_status crm_history_state_info(const crm_history_state* state, int key, double* out) {
  return Guarded("crm_history_state_info", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    switch (key) {
      case CRM_HISTORY_INFO_KIND: *out = state->kind; break;
      case CRM_HISTORY_INFO_PATTERNS: *out = static_cast<double>(state->patterns.size()); break;
      case CRM_HISTORY_INFO_WEIGHT: {
        double total = 0.0;
        for (const auto& entry : state->patterns) total += entry.second;
        *out = total;
        break;
      }
      case CRM_HISTORY_INFO_EXCLUDED: *out = state->excluded; break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            "unknown history state info key ", key, " (valid: CRM_HISTORY_INFO_* 0 to 3)"));
    }
    return absl::OkStatus();
  });
}

crm_status crm_state_kind(const uint8_t* bytes, size_t length, int* out) {
  return Guarded("crm_state_kind", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    if (bytes == nullptr && length > 0) {
      return absl::InvalidArgumentError(absl::StrCat("bytes is NULL but length is ", length));
    }
    CRM_ASSIGN_OR_RETURN(const crmcore::engine::StateKind kind,
                         crmcore::engine::SerializedStateKind(absl::MakeConstSpan(bytes, length)));
    *out = static_cast<int>(kind);
    return absl::OkStatus();
  });
}

}  // extern "C"

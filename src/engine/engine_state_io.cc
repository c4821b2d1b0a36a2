// Bytes for the engine's partial states (include/crmcore/engine_state_io.h), their
// validation, checked merges, and the Update*State() functions of engine.h.
#include "crmcore/engine_state_io.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crmcore/engine.h"
#include "crmcore/model_fit.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"

namespace crmcore {
namespace engine {
namespace {

constexpr std::array<std::uint8_t, 8> kMagic = {'C', 'R', 'M', 'S', 'T', 'A', 'T', 'E'};
constexpr double kInf = std::numeric_limits<double>::infinity();

// Per-column fixed part of the composite payload: count, min, max, mean, m2, has_quantiles,
// sorted_count.
constexpr std::size_t kColumnFixedBytes = 8 + 8 * 4 + 1 + 8;
// rows + column_count.
constexpr std::size_t kCompositeFixedBytes = 8 + 4;

// ---------------------------------------------------------------------------
// CRC-32C, table-driven (one byte per step): fast enough for states that are written once
// per partition, and simple enough to check by eye against the polynomial.

constexpr std::uint32_t kCrc32cPolynomial = 0x82F63B78u;  // 0x1EDC6F41 bit-reversed

constexpr std::array<std::uint32_t, 256> MakeCrcTable() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1u) != 0 ? (crc >> 1) ^ kCrc32cPolynomial : crc >> 1;
    }
    table[i] = crc;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> kCrcTable = MakeCrcTable();

// ---------------------------------------------------------------------------
// Little-endian writer over a span whose size was computed beforehand.

class Writer {
 public:
  explicit Writer(absl::Span<std::uint8_t> out) : out_(out) {}

  void U8(std::uint8_t v) { out_[pos_++] = v; }
  void U32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_[pos_++] = static_cast<std::uint8_t>(v >> (8 * i));
  }
  void U64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_[pos_++] = static_cast<std::uint8_t>(v >> (8 * i));
  }
  void I64(std::int64_t v) { U64(static_cast<std::uint64_t>(v)); }
  void F64(double v) { U64(std::bit_cast<std::uint64_t>(v)); }
  void Bytes(absl::Span<const std::uint8_t> bytes) {
    for (const std::uint8_t b : bytes) out_[pos_++] = b;
  }
  std::size_t position() const { return pos_; }

 private:
  absl::Span<std::uint8_t> out_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// Bounds-checked little-endian reader: every read names the field and its offset.

class Reader {
 public:
  Reader(absl::Span<const std::uint8_t> bytes, std::size_t start, std::size_t end)
      : bytes_(bytes), pos_(start), end_(end) {}

  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return end_ - pos_; }

  absl::StatusOr<std::uint8_t> U8(absl::string_view field) {
    CRM_RETURN_IF_ERROR(Need(1, field));
    return bytes_[pos_++];
  }
  absl::StatusOr<std::uint32_t> U32(absl::string_view field) {
    CRM_RETURN_IF_ERROR(Need(4, field));
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(bytes_[pos_++]) << (8 * i);
    return v;
  }
  absl::StatusOr<std::uint64_t> U64(absl::string_view field) {
    CRM_RETURN_IF_ERROR(Need(8, field));
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(bytes_[pos_++]) << (8 * i);
    return v;
  }
  absl::StatusOr<std::int64_t> I64(absl::string_view field) {
    CRM_ASSIGN_OR_RETURN(const std::uint64_t v, U64(field));
    return static_cast<std::int64_t>(v);
  }
  absl::StatusOr<double> F64(absl::string_view field) {
    CRM_ASSIGN_OR_RETURN(const std::uint64_t v, U64(field));
    return std::bit_cast<double>(v);
  }

  // Reads `count` doubles, after checking that they fit in what remains (so a corrupt
  // count never drives the allocation).
  absl::Status F64Array(std::uint64_t count, absl::string_view field, std::vector<double>& out) {
    if (count > remaining() / 8) {
      return absl::DataLossError(absl::StrCat("state bytes: ", field, " at offset ", pos_,
                                              " claims ", count, " values (", count,
                                              " x 8 bytes) but only ", remaining(),
                                              " bytes remain"));
    }
    out.resize(static_cast<std::size_t>(count));
    for (double& v : out) {
      std::uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(bytes_[pos_++]) << (8 * i);
      v = std::bit_cast<double>(bits);
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Need(std::size_t n, absl::string_view field) const {
    if (remaining() >= n) return absl::OkStatus();
    return absl::DataLossError(absl::StrCat("state bytes: truncated at ", field, " (offset ",
                                            pos_, "): needs ", n, " bytes, ", remaining(),
                                            " remain"));
  }

  absl::Span<const std::uint8_t> bytes_;
  std::size_t pos_;
  std::size_t end_;
};

absl::string_view KindName(std::uint32_t kind) {
  switch (kind) {
    case static_cast<std::uint32_t>(StateKind::kComposite): return "composite state";
    case static_cast<std::uint32_t>(StateKind::kQuantile): return "quantile state";
    case static_cast<std::uint32_t>(StateKind::kHistory): return "history state";
    default: return "unknown kind";
  }
}

// Writes header, payload (by `write_payload`) and checksum into `out`.
template <class WritePayload>
void WriteFramed(StateKind kind, std::size_t payload_bytes, absl::Span<std::uint8_t> out,
                 WritePayload&& write_payload) {
  Writer w(out);
  w.Bytes(kMagic);
  w.U32(kStateFormatVersion);
  w.U32(static_cast<std::uint32_t>(kind));
  w.U64(payload_bytes);
  write_payload(w);
  const std::size_t body = w.position();
  w.U32(Crc32c(out.subspan(0, body)));
}

// Checks the frame around a payload and returns the payload's [begin, end).
absl::StatusOr<std::pair<std::size_t, std::size_t>> CheckFrame(
    absl::Span<const std::uint8_t> bytes, StateKind expected_kind, bool any_kind = false) {
  constexpr std::size_t kFrame = kStateHeaderBytes + kStateChecksumBytes;
  if (bytes.size() < kFrame) {
    return absl::DataLossError(absl::StrCat("state bytes: truncated: ", bytes.size(),
                                            " bytes, but header and checksum alone take ",
                                            kFrame));
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), bytes.begin())) {
    return absl::DataLossError(
        "state bytes: bad magic at offset 0 (expected \"CRMSTATE\"): not a crmcore state");
  }
  Reader header(bytes, kMagic.size(), kStateHeaderBytes);
  CRM_ASSIGN_OR_RETURN(const std::uint32_t version, header.U32("format_version"));
  if (version != kStateFormatVersion) {
    return absl::DataLossError(absl::StrCat("state bytes: format_version at offset 8 is ",
                                            version, ", this library reads version ",
                                            kStateFormatVersion));
  }
  CRM_ASSIGN_OR_RETURN(const std::uint32_t kind, header.U32("kind"));
  if (!any_kind && kind != static_cast<std::uint32_t>(expected_kind)) {
    return absl::DataLossError(absl::StrCat(
        "state bytes: kind at offset 12 is ", kind, " (", KindName(kind), "), expected ",
        static_cast<std::uint32_t>(expected_kind), " (",
        KindName(static_cast<std::uint32_t>(expected_kind)), ")"));
  }
  CRM_ASSIGN_OR_RETURN(const std::uint64_t payload, header.U64("payload_length"));
  const std::size_t available = bytes.size() - kFrame;
  if (payload != available) {
    return absl::DataLossError(absl::StrCat(
        "state bytes: payload_length at offset 16 is ", payload, " but the ", bytes.size(),
        " bytes hold a payload of ", available, payload > available ? " (truncated)" : ""));
  }
  const std::size_t end = kStateHeaderBytes + available;
  Reader trailer(bytes, end, bytes.size());
  CRM_ASSIGN_OR_RETURN(const std::uint32_t stored, trailer.U32("checksum"));
  const std::uint32_t computed = Crc32c(bytes.subspan(0, end));
  if (stored != computed) {
    return absl::DataLossError(absl::StrCat(
        "state bytes: checksum at offset ", end, " is 0x", absl::Hex(stored, absl::kZeroPad8),
        " but the bytes before it give CRC-32C 0x", absl::Hex(computed, absl::kZeroPad8),
        " (corrupt)"));
  }
  return std::make_pair(kStateHeaderBytes, end);
}

absl::Status Corrupt(const absl::Status& invalid) {
  return absl::DataLossError(
      absl::StrCat("state bytes: decoded state is invalid: ", invalid.message()));
}

absl::Status Invalid(std::size_t column, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(
      "composite state: column ", Id(static_cast<CompositeComponent>(column)), ": ", message));
}

absl::Status ValidateSorted(const std::vector<double>& sorted, absl::string_view what) {
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (!std::isfinite(sorted[i])) {
      return absl::InvalidArgumentError(absl::StrCat(what, " value ", i, " is ",
                                                     FormatDouble(sorted[i])));
    }
    if (i > 0 && sorted[i] < sorted[i - 1]) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " values are not ascending at index ", i, ": ",
                       FormatDouble(sorted[i - 1]), " then ", FormatDouble(sorted[i])));
    }
  }
  return absl::OkStatus();
}

bool AddOverflows(std::int64_t a, std::int64_t b) {
  return b > 0 && a > std::numeric_limits<std::int64_t>::max() - b;
}

}  // namespace

std::uint32_t Crc32c(absl::Span<const std::uint8_t> bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const std::uint8_t b : bytes) crc = kCrcTable[(crc ^ b) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

// ---------------------------------------------------------------------------
// Validation.

absl::Status ValidateCompositeState(const CompositeState& state) {
  if (state.rows < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("composite state: rows must be >= 0, got ", state.rows));
  }
  for (std::size_t c = 0; c < state.column.size(); ++c) {
    const ColumnState& col = state.column[c];
    const std::vector<double>& sorted = col.quantiles.sorted;
    if (col.count < 0 || col.count > state.rows) {
      return Invalid(c, absl::StrCat("count must be in [0, rows = ", state.rows, "], got ",
                                     col.count));
    }
    if (!col.has_quantiles && !sorted.empty()) {
      return Invalid(c, absl::StrCat("holds ", sorted.size(),
                                     " sorted values but has_quantiles is false"));
    }
    if (col.count == 0) {
      if (col.min != kInf || col.max != -kInf || col.mean != 0.0 || col.m2 != 0.0 ||
          !sorted.empty()) {
        return Invalid(c, absl::StrCat("is empty (count 0) but holds min = ",
                                       FormatDouble(col.min), ", max = ", FormatDouble(col.max),
                                       ", mean = ", FormatDouble(col.mean),
                                       ", m2 = ", FormatDouble(col.m2), ", ", sorted.size(),
                                       " sorted values (expected inf, -inf, 0, 0, none)"));
      }
      continue;
    }
    if (!std::isfinite(col.min) || !std::isfinite(col.max) || !(col.min <= col.max)) {
      return Invalid(c, absl::StrCat("min and max must be finite with min <= max, got min = ",
                                     FormatDouble(col.min), ", max = ", FormatDouble(col.max)));
    }
    // m2 may overflow to +Inf (values spread beyond ~1e154); it never decreases below 0.
    if (std::isnan(col.m2) || col.m2 < 0.0) {
      return Invalid(c, absl::StrCat("m2 must be >= 0, got ", FormatDouble(col.m2)));
    }
    if (std::isfinite(col.m2) && !std::isfinite(col.mean)) {
      return Invalid(c, absl::StrCat("mean must be finite while m2 is finite, got mean = ",
                                     FormatDouble(col.mean)));
    }
    if (col.has_quantiles) {
      if (sorted.size() != static_cast<std::size_t>(col.count)) {
        return Invalid(c, absl::StrCat("holds ", sorted.size(), " sorted values but count is ",
                                       col.count));
      }
      CRM_RETURN_IF_ERROR(ValidateSorted(
          sorted, absl::StrCat("composite state: column ",
                               Id(static_cast<CompositeComponent>(c)), ": sorted")));
      if (!(sorted.front() == col.min) || !(sorted.back() == col.max)) {
        return Invalid(c, absl::StrCat("sorted values span [", FormatDouble(sorted.front()),
                                       ", ", FormatDouble(sorted.back()), "] but min = ",
                                       FormatDouble(col.min), ", max = ",
                                       FormatDouble(col.max)));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateQuantileState(const QuantileState& state) {
  return ValidateSorted(state.sorted, "quantile state:");
}

absl::Status ValidateHistoryState(const HistoryState& state) {
  if (state.model > 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("history state: model is ", state.model, " (valid: 0, 1, 2, 3)"));
  }
  const bool spend = state.model == 2;
  if (!(std::isfinite(state.excluded) && state.excluded >= 0.0) ||
      (!spend && state.excluded != 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "history state: excluded is ", FormatDouble(state.excluded),
        spend ? " (must be finite and >= 0)" : " (must be 0 for a purchase model)"));
  }
  for (std::size_t i = 0; i < state.patterns.size(); ++i) {
    const auto& p = state.patterns[i];
    if (!(std::isfinite(p[3]) && p[3] >= 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat("history state: pattern ", i,
                                                     ": weight must be finite and >= 0, got ",
                                                     FormatDouble(p[3])));
    }
    if (spend) {
      CRM_RETURN_IF_ERROR(ValidatePurchaseHistory(i, p[0], 1.0, 1.0));
      if (!(p[0] >= 1.0 && std::isfinite(p[1]) && p[1] > 0.0 && p[2] == 0.0)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "history state: spend pattern ", i, " (x = ", FormatDouble(p[0]), ", m = ",
            FormatDouble(p[1]), ", c = ", FormatDouble(p[2]),
            ") needs x >= 1, a finite m > 0 and c = 0"));
      }
    } else {
      CRM_RETURN_IF_ERROR(ValidatePurchaseHistory(i, p[0], p[1], p[2]));
    }
    if (i > 0) {
      const auto& q = state.patterns[i - 1];
      if (!(std::tie(q[0], q[1], q[2]) < std::tie(p[0], p[1], p[2]))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "history state: patterns are not strictly ascending at index ", i));
      }
    }
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Sizes and serialization.

std::size_t SerializedSize(const CompositeState& state) {
  std::size_t payload = kCompositeFixedBytes;
  for (const ColumnState& col : state.column) {
    payload += kColumnFixedBytes + 8 * col.quantiles.sorted.size();
  }
  return kStateHeaderBytes + payload + kStateChecksumBytes;
}

std::size_t SerializedSize(const QuantileState& state) {
  return kStateHeaderBytes + 8 + 8 * state.sorted.size() + kStateChecksumBytes;
}

std::size_t SerializedSize(const HistoryState& state) {
  return kStateHeaderBytes + 4 + 8 + 8 + 32 * state.patterns.size() + kStateChecksumBytes;
}

absl::Status SerializeHistoryState(const HistoryState& state, absl::Span<std::uint8_t> out) {
  const std::size_t size = SerializedSize(state);
  if (out.size() != size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "history state: serialization needs exactly ", size, " bytes, got ", out.size()));
  }
  CRM_RETURN_IF_ERROR(ValidateHistoryState(state));
  WriteFramed(StateKind::kHistory, size - kStateHeaderBytes - kStateChecksumBytes, out,
              [&](Writer& w) {
                w.U32(state.model);
                w.F64(state.excluded);
                w.U64(state.patterns.size());
                for (const auto& p : state.patterns) {
                  for (const double v : p) w.F64(v);
                }
              });
  return absl::OkStatus();
}

absl::Status SerializeCompositeState(const CompositeState& state, absl::Span<std::uint8_t> out) {
  const std::size_t size = SerializedSize(state);
  if (out.size() != size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "composite state: serialization needs exactly ", size, " bytes, got ", out.size()));
  }
  CRM_RETURN_IF_ERROR(ValidateCompositeState(state));
  WriteFramed(StateKind::kComposite, size - kStateHeaderBytes - kStateChecksumBytes, out,
              [&](Writer& w) {
                w.I64(state.rows);
                w.U32(static_cast<std::uint32_t>(state.column.size()));
                for (const ColumnState& col : state.column) {
                  w.I64(col.count);
                  w.F64(col.min);
                  w.F64(col.max);
                  w.F64(col.mean);
                  w.F64(col.m2);
                  w.U8(col.has_quantiles ? 1 : 0);
                  w.U64(col.quantiles.sorted.size());
                  for (const double v : col.quantiles.sorted) w.F64(v);
                }
              });
  return absl::OkStatus();
}

absl::Status SerializeQuantileState(const QuantileState& state, absl::Span<std::uint8_t> out) {
  const std::size_t size = SerializedSize(state);
  if (out.size() != size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "quantile state: serialization needs exactly ", size, " bytes, got ", out.size()));
  }
  CRM_RETURN_IF_ERROR(ValidateQuantileState(state));
  WriteFramed(StateKind::kQuantile, size - kStateHeaderBytes - kStateChecksumBytes, out,
              [&](Writer& w) {
                w.U64(state.sorted.size());
                for (const double v : state.sorted) w.F64(v);
              });
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::uint8_t>> SerializeCompositeState(const CompositeState& state) {
  std::vector<std::uint8_t> bytes(SerializedSize(state));
  CRM_RETURN_IF_ERROR(SerializeCompositeState(state, absl::MakeSpan(bytes)));
  return bytes;
}

absl::StatusOr<std::vector<std::uint8_t>> SerializeQuantileState(const QuantileState& state) {
  std::vector<std::uint8_t> bytes(SerializedSize(state));
  CRM_RETURN_IF_ERROR(SerializeQuantileState(state, absl::MakeSpan(bytes)));
  return bytes;
}

// ---------------------------------------------------------------------------
// Deserialization.

absl::StatusOr<CompositeState> DeserializeCompositeState(absl::Span<const std::uint8_t> bytes) {
  CRM_ASSIGN_OR_RETURN(const auto payload, CheckFrame(bytes, StateKind::kComposite));
  Reader r(bytes, payload.first, payload.second);
  CompositeState state;
  CRM_ASSIGN_OR_RETURN(state.rows, r.I64("rows"));
  const std::size_t columns_at = r.position();
  CRM_ASSIGN_OR_RETURN(const std::uint32_t columns, r.U32("column_count"));
  if (columns != state.column.size()) {
    return absl::DataLossError(absl::StrCat("state bytes: column_count at offset ", columns_at,
                                            " is ", columns, ", expected ",
                                            state.column.size()));
  }
  for (std::size_t c = 0; c < state.column.size(); ++c) {
    ColumnState& col = state.column[c];
    const std::string prefix =
        absl::StrCat("column ", Id(static_cast<CompositeComponent>(c)), " ");
    CRM_ASSIGN_OR_RETURN(col.count, r.I64(prefix + "count"));
    CRM_ASSIGN_OR_RETURN(col.min, r.F64(prefix + "min"));
    CRM_ASSIGN_OR_RETURN(col.max, r.F64(prefix + "max"));
    CRM_ASSIGN_OR_RETURN(col.mean, r.F64(prefix + "mean"));
    CRM_ASSIGN_OR_RETURN(col.m2, r.F64(prefix + "m2"));
    const std::size_t flag_at = r.position();
    CRM_ASSIGN_OR_RETURN(const std::uint8_t has_quantiles, r.U8(prefix + "has_quantiles"));
    if (has_quantiles > 1) {
      return absl::DataLossError(absl::StrCat("state bytes: ", prefix, "has_quantiles at offset ",
                                              flag_at, " is ", has_quantiles,
                                              ", expected 0 or 1"));
    }
    col.has_quantiles = has_quantiles == 1;
    CRM_ASSIGN_OR_RETURN(const std::uint64_t sorted_count, r.U64(prefix + "sorted_count"));
    CRM_RETURN_IF_ERROR(r.F64Array(sorted_count, prefix + "sorted", col.quantiles.sorted));
  }
  if (r.remaining() != 0) {
    return absl::DataLossError(absl::StrCat("state bytes: ", r.remaining(),
                                            " unexpected bytes at offset ", r.position(),
                                            " after the last column"));
  }
  const absl::Status valid = ValidateCompositeState(state);
  if (!valid.ok()) return Corrupt(valid);
  return state;
}

absl::StatusOr<QuantileState> DeserializeQuantileState(absl::Span<const std::uint8_t> bytes) {
  CRM_ASSIGN_OR_RETURN(const auto payload, CheckFrame(bytes, StateKind::kQuantile));
  Reader r(bytes, payload.first, payload.second);
  QuantileState state;
  CRM_ASSIGN_OR_RETURN(const std::uint64_t count, r.U64("count"));
  CRM_RETURN_IF_ERROR(r.F64Array(count, "sorted", state.sorted));
  if (r.remaining() != 0) {
    return absl::DataLossError(absl::StrCat("state bytes: ", r.remaining(),
                                            " unexpected bytes at offset ", r.position(),
                                            " after the sorted values"));
  }
  const absl::Status valid = ValidateQuantileState(state);
  if (!valid.ok()) return Corrupt(valid);
  return state;
}

absl::StatusOr<HistoryState> DeserializeHistoryState(absl::Span<const std::uint8_t> bytes) {
  CRM_ASSIGN_OR_RETURN(const auto payload, CheckFrame(bytes, StateKind::kHistory));
  Reader r(bytes, payload.first, payload.second);
  HistoryState state;
  CRM_ASSIGN_OR_RETURN(state.model, r.U32("model"));
  CRM_ASSIGN_OR_RETURN(state.excluded, r.F64("excluded"));
  CRM_ASSIGN_OR_RETURN(const std::uint64_t count, r.U64("count"));
  if (count > r.remaining() / 32) {
    return absl::DataLossError(absl::StrCat("state bytes: count at offset ", r.position() - 8,
                                            " claims ", count, " patterns (", count,
                                            " x 32 bytes) but only ", r.remaining(),
                                            " bytes remain"));
  }
  std::vector<double> flat;
  CRM_RETURN_IF_ERROR(r.F64Array(count * 4, "patterns", flat));
  state.patterns.resize(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < state.patterns.size(); ++i) {
    for (std::size_t k = 0; k < 4; ++k) state.patterns[i][k] = flat[4 * i + k];
  }
  if (r.remaining() != 0) {
    return absl::DataLossError(absl::StrCat("state bytes: ", r.remaining(),
                                            " unexpected bytes at offset ", r.position(),
                                            " after the patterns"));
  }
  const absl::Status valid = ValidateHistoryState(state);
  if (!valid.ok()) return Corrupt(valid);
  return state;
}

absl::StatusOr<StateKind> SerializedStateKind(absl::Span<const std::uint8_t> bytes) {
  CRM_RETURN_IF_ERROR(CheckFrame(bytes, StateKind::kComposite, /*any_kind=*/true).status());
  const std::uint32_t kind = static_cast<std::uint32_t>(bytes[12]) |
                             static_cast<std::uint32_t>(bytes[13]) << 8 |
                             static_cast<std::uint32_t>(bytes[14]) << 16 |
                             static_cast<std::uint32_t>(bytes[15]) << 24;
  if (kind < 1 || kind > 3) {
    return absl::DataLossError(
        absl::StrCat("state bytes: kind at offset 12 is ", kind, " (unknown kind)"));
  }
  return static_cast<StateKind>(kind);
}

// ---------------------------------------------------------------------------
// Checked merges and updates.

absl::Status MergeCompositeStates(CompositeState& into, const CompositeState& from) {
  if (&into == &from) {
    return absl::InvalidArgumentError("composite state: cannot merge a state into itself");
  }
  if (AddOverflows(into.rows, from.rows)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "composite state: rows overflow: ", into.rows, " + ", from.rows));
  }
  for (std::size_t c = 0; c < into.column.size(); ++c) {
    const ColumnState& a = into.column[c];
    const ColumnState& b = from.column[c];
    if (a.count > 0 && b.count > 0 && a.has_quantiles != b.has_quantiles) {
      return Invalid(c, absl::StrCat("one state keeps sorted values and the other does not "
                                     "(into: ", a.has_quantiles ? "yes" : "no", ", from: ",
                                     b.has_quantiles ? "yes" : "no",
                                     "); were they computed with different plans?"));
    }
    if (AddOverflows(a.count, b.count)) {
      return Invalid(c, absl::StrCat("count overflows: ", a.count, " + ", b.count));
    }
  }
  // Merge on a copy so that an allocation failure half-way leaves `into` unchanged.
  CompositeState merged = into;
  merged.Merge(from);
  into = std::move(merged);
  return absl::OkStatus();
}

absl::Status MergeQuantileStates(QuantileState& into, const QuantileState& from) {
  if (&into == &from) {
    return absl::InvalidArgumentError("quantile state: cannot merge a state into itself");
  }
  if (AddOverflows(into.count(), from.count())) {
    return absl::InvalidArgumentError(absl::StrCat("quantile state: count overflows: ",
                                                   into.count(), " + ", from.count()));
  }
  // A failed reserve throws before anything changes; the merge itself cannot fail after it.
  into.sorted.reserve(into.sorted.size() + from.sorted.size());
  into.Merge(from);
  return absl::OkStatus();
}

absl::Status UpdateCompositeState(CompositeState& state, const CompositePlan& plan,
                                  const CompositeColumns& columns, const EngineOptions& options) {
  CRM_ASSIGN_OR_RETURN(const CompositeState batch, ComputeCompositeState(plan, columns, options));
  return MergeCompositeStates(state, batch);
}

absl::Status UpdateQuantileState(QuantileState& state, absl::Span<const double> values,
                                 const EngineOptions& options) {
  CRM_ASSIGN_OR_RETURN(const QuantileState batch, ComputeQuantileState(values, options));
  return MergeQuantileStates(state, batch);
}

}  // namespace engine
}  // namespace crmcore

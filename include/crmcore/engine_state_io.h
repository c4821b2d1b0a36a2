// Bytes for the mergeable partial states of engine_state.h: a versioned, self-checking,
// little-endian format, so that a partition's state can travel between processes and
// machines (a database aggregate's combine step, a Spark shuffle) and be merged there.
//
// Format (every integer little-endian, every double its IEEE 754 binary64 bits):
//
//   offset  size  field
//        0     8  magic            "CRMSTATE"
//        8     4  format_version   u32, kStateFormatVersion (1)
//       12     4  kind             u32, StateKind (1 = composite, 2 = quantile)
//       16     8  payload_length   u64, bytes of payload
//       24     P  payload          (below)
//   24 + P     4  checksum         u32, CRC-32C (Castagnoli) of bytes [0, 24 + P)
//
//   composite payload: i64 rows; u32 column_count (5); then per column, in
//                      CompositeComponent order: i64 count, f64 min, f64 max, f64 mean,
//                      f64 m2, u8 has_quantiles (0/1), u64 sorted_count, f64 sorted[...]
//   quantile payload:  u64 count, f64 sorted[count]
//   history payload:   u32 model (0 BG/NBD, 1 Pareto/NBD, 2 Gamma-Gamma, 3 MBG/NBD),
//                      f64 excluded,
//                      u64 count, then per pattern f64 a, f64 b, f64 c, f64 weight
//                      (purchase patterns (x, t_x, T); spend patterns (x, m, 0)), in
//                      ascending (a, b, c) order, each pattern once
//
// Decoding never trusts a length: each is checked against the bytes that remain before
// anything is allocated, so corrupt input cannot ask for a huge allocation. CRC-32C
// detects every error burst of up to 32 bits, hence every change of a single byte.
// After the checksum, the decoded state's invariants are checked too (ValidateCompositeState),
// so bytes written by a buggy producer with a valid checksum are still rejected.
//
// Errors of the decoders are DataLoss (the C API's CRM_ERR_IO) and name what is wrong:
// the field, its byte offset, the value found and the value expected.
#ifndef CRMCORE_ENGINE_STATE_IO_H_
#define CRMCORE_ENGINE_STATE_IO_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/engine_state.h"

namespace crmcore {
namespace engine {

/// The format version this library writes and reads. A reader rejects other versions
/// (DataLoss naming both); a new version will be introduced together with a reader that
/// still reads version 1.
inline constexpr std::uint32_t kStateFormatVersion = 1;

/// What a byte string holds (the header's `kind` field).
enum class StateKind : std::uint32_t { kComposite = 1, kQuantile = 2, kHistory = 3 };

/// Bytes of header before the payload, and of checksum after it.
inline constexpr std::size_t kStateHeaderBytes = 24;
inline constexpr std::size_t kStateChecksumBytes = 4;

/// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected, initial and final XOR
/// 0xFFFFFFFF), as in iSCSI (RFC 3720 §B.4) and ext4: crc32c("123456789") == 0xE3069283.
std::uint32_t Crc32c(absl::Span<const std::uint8_t> bytes);

/// Customer histories for a model fit, compressed into weighted patterns: what a fit needs
/// from a partition of the customers, whatever their number (equal histories collapse into
/// one pattern whose weight is their count). Patterns of BG/NBD, Pareto/NBD and MBG/NBD are
/// (x, t_x, T); those of Gamma-Gamma (x, m, 0) for the repeat buyers with a mean spend
/// m > 0, and `excluded` counts the repeat buyers left out for a spend <= 0.
struct HistoryState {
  /// The model the patterns are for: 0 BG/NBD, 1 Pareto/NBD, 2 Gamma-Gamma, 3 MBG/NBD.
  std::uint32_t model = 0;
  /// Gamma-Gamma: weight of repeat buyers with a finite mean spend <= 0; 0 otherwise.
  double excluded = 0.0;
  /// (a, b, c, weight), ascending by (a, b, c), no two equal.
  std::vector<std::array<double, 4>> patterns;
};

/// Checks the invariants of a history state: a known model; excluded finite, >= 0 (0 for
/// the purchase models); patterns ascending without repeats, weights finite and >= 0,
/// purchase patterns valid histories (ValidatePurchaseHistory), spend patterns x a whole
/// number >= 1, m finite and > 0, c = 0. InvalidArgument naming the pattern otherwise.
absl::Status ValidateHistoryState(const HistoryState& state);

/// Checks the invariants every state made by this library satisfies: rows >= 0; per
/// column 0 <= count <= rows; an empty column holds the neutral values (min = +Inf,
/// max = -Inf, mean = 0, m2 = 0, no sorted values); a non-empty one has finite
/// min <= max, m2 >= 0 (or +Inf once the variance overflowed) and a finite mean while m2
/// is finite; sorted values, when kept, are finite, ascending, `count` of them, and start
/// at min and end at max. InvalidArgument naming the column and field otherwise.
absl::Status ValidateCompositeState(const CompositeState& state);

/// Sorted values finite and ascending; InvalidArgument naming the first bad index.
absl::Status ValidateQuantileState(const QuantileState& state);

/// Exact size of the serialized state, in bytes.
std::size_t SerializedSize(const CompositeState& state);
std::size_t SerializedSize(const QuantileState& state);
std::size_t SerializedSize(const HistoryState& state);

/// Writes the state into `out`, which must hold exactly SerializedSize(state) bytes.
/// Errors: InvalidArgument for another size of `out`, or for a state that fails
/// Validate*State() (bytes that no reader would accept are never written).
absl::Status SerializeCompositeState(const CompositeState& state, absl::Span<std::uint8_t> out);
absl::Status SerializeQuantileState(const QuantileState& state, absl::Span<std::uint8_t> out);
absl::Status SerializeHistoryState(const HistoryState& state, absl::Span<std::uint8_t> out);

/// The same, into a new vector.
absl::StatusOr<std::vector<std::uint8_t>> SerializeCompositeState(const CompositeState& state);
absl::StatusOr<std::vector<std::uint8_t>> SerializeQuantileState(const QuantileState& state);

/// Decodes bytes written by Serialize*State(). `bytes` must be exactly one serialized state
/// (trailing bytes are an error).
///
/// Errors: DataLoss naming the field and offset for bytes that are truncated, of the wrong
/// magic, version or kind, with a length that disagrees with the byte count, a checksum
/// mismatch, or a decoded state that fails Validate*State().
absl::StatusOr<CompositeState> DeserializeCompositeState(absl::Span<const std::uint8_t> bytes);
absl::StatusOr<QuantileState> DeserializeQuantileState(absl::Span<const std::uint8_t> bytes);
absl::StatusOr<HistoryState> DeserializeHistoryState(absl::Span<const std::uint8_t> bytes);

/// The kind field of serialized state bytes (after checking the whole frame: magic,
/// version, length and checksum), so a host can dispatch bytes of any kind. DataLoss as
/// for the decoders.
absl::StatusOr<StateKind> SerializedStateKind(absl::Span<const std::uint8_t> bytes);

/// Merges `from` into `into` (CompositeState::Merge) after checking that they can be merged:
/// a column kept sorted values in one state and not in the other (states computed with
/// different plans) is InvalidArgument naming the column, and so is a row or value count
/// that would overflow. On error `into` is unchanged. `from` must not be `into`.
absl::Status MergeCompositeStates(CompositeState& into, const CompositeState& from);

/// Merges `from` into `into` (QuantileState::Merge); InvalidArgument when the count would
/// overflow. `from` must not be `into`.
absl::Status MergeQuantileStates(QuantileState& into, const QuantileState& from);

}  // namespace engine
}  // namespace crmcore

#endif  // CRMCORE_ENGINE_STATE_IO_H_

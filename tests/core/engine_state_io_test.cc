// Tests of include/crmcore/engine_state_io.h: the byte format of the partial states (exact
// round trips; every truncation, every single-byte change, wrong version, wrong kind and
// lying lengths rejected with DataLoss naming the field), state validation, checked merges,
// and Update*State() = compute the batch + merge.
#include "crmcore/engine_state_io.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "crmcore/composite_value.h"
#include "crmcore/engine.h"
#include "crmcore/engine_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace engine {
namespace {

using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

NormalizerSpec Spec(NormalizerKind kind, double lower = 0.0, double upper = 1.0) {
  NormalizerSpec spec;
  spec.kind = kind;
  spec.fixed_lower = lower;
  spec.fixed_upper = upper;
  return spec;
}

// Uses all four normalizers; loyalty (percentile rank) keeps sorted values.
CompositePlan Plan(MissingPolicy missing = MissingPolicy::kRenormalize) {
  absl::StatusOr<CompositePlan> plan = CompositePlan::Create(
      {0.3, 0.2, 0.2, 0.2, 0.1},
      {Spec(NormalizerKind::kZScore), Spec(NormalizerKind::kMinMax),
       Spec(NormalizerKind::kFixedBounds, 1.0, 5.0), Spec(NormalizerKind::kPercentileRank),
       Spec(NormalizerKind::kMinMax)},
      missing);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

using Columns = std::array<std::vector<double>, kCompositeComponentCount>;

Columns Population(std::size_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> money(3.0, 1.0);
  std::uniform_int_distribution<int> rating(1, 5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Columns c;
  for (std::size_t i = 0; i < n; ++i) {
    c[0].push_back(money(rng));
    c[1].push_back(unit(rng) < 0.1 ? kNaN : money(rng));  // some missing
    c[2].push_back(rating(rng));
    c[3].push_back(std::round(unit(rng) * 20.0));
    c[4].push_back(unit(rng) - 0.5);
  }
  return c;
}

CompositeColumns View(const Columns& c, std::size_t begin, std::size_t end) {
  CompositeColumns view;
  for (std::size_t k = 0; k < c.size(); ++k) {
    view.column[k] = absl::MakeConstSpan(c[k]).subspan(begin, end - begin);
  }
  return view;
}

CompositeState MustCompute(const Columns& c, std::size_t begin, std::size_t end) {
  absl::StatusOr<CompositeState> state = ComputeCompositeState(Plan(), View(c, begin, end));
  EXPECT_TRUE(state.ok()) << state.status();
  return *state;
}

std::uint64_t Bits(double x) { return std::bit_cast<std::uint64_t>(x); }

void ExpectSameState(const CompositeState& a, const CompositeState& b) {
  EXPECT_EQ(a.rows, b.rows);
  for (std::size_t c = 0; c < a.column.size(); ++c) {
    SCOPED_TRACE(c);
    EXPECT_EQ(a.column[c].count, b.column[c].count);
    EXPECT_EQ(Bits(a.column[c].min), Bits(b.column[c].min));
    EXPECT_EQ(Bits(a.column[c].max), Bits(b.column[c].max));
    EXPECT_EQ(Bits(a.column[c].mean), Bits(b.column[c].mean));
    EXPECT_EQ(Bits(a.column[c].m2), Bits(b.column[c].m2));
    EXPECT_EQ(a.column[c].has_quantiles, b.column[c].has_quantiles);
    ASSERT_EQ(a.column[c].quantiles.sorted.size(), b.column[c].quantiles.sorted.size());
    for (std::size_t i = 0; i < a.column[c].quantiles.sorted.size(); ++i) {
      EXPECT_EQ(Bits(a.column[c].quantiles.sorted[i]), Bits(b.column[c].quantiles.sorted[i]));
    }
  }
}

std::vector<std::uint8_t> MustSerialize(const CompositeState& state) {
  absl::StatusOr<std::vector<std::uint8_t>> bytes = SerializeCompositeState(state);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return *bytes;
}

std::vector<std::uint8_t> MustSerialize(const QuantileState& state) {
  absl::StatusOr<std::vector<std::uint8_t>> bytes = SerializeQuantileState(state);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return *bytes;
}

QuantileState MustQuantiles(const std::vector<double>& values) {
  absl::StatusOr<QuantileState> state = ComputeQuantileState(values);
  EXPECT_TRUE(state.ok()) << state.status();
  return *state;
}

// Rewrites the checksum after a deliberate edit, so that the edit reaches the field checks.
void Reseal(std::vector<std::uint8_t>& bytes) {
  const std::size_t end = bytes.size() - kStateChecksumBytes;
  const std::uint32_t crc = Crc32c(absl::MakeConstSpan(bytes).subspan(0, end));
  for (std::size_t i = 0; i < 4; ++i) bytes[end + i] = static_cast<std::uint8_t>(crc >> (8 * i));
}

void PutU64(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) bytes[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// --- The checksum -------------------------------------------------------------

TEST(Crc32cTest, MatchesTheStandardCheckValues) {
  const std::string check = "123456789";
  const std::vector<std::uint8_t> bytes(check.begin(), check.end());
  EXPECT_EQ(Crc32c(bytes), 0xE3069283u);  // RFC 3720 / the CRC catalogue's check value
  EXPECT_EQ(Crc32c({}), 0u);
  const std::vector<std::uint8_t> zeros(32, 0);
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);  // RFC 3720 §B.4: 32 bytes of zeros
}

// --- Round trips --------------------------------------------------------------

TEST(StateIoTest, CompositeRoundTripIsExact) {
  const Columns c = Population(5000, 7);
  const CompositeState state = MustCompute(c, 0, c[0].size());
  const std::vector<std::uint8_t> bytes = MustSerialize(state);
  EXPECT_EQ(bytes.size(), SerializedSize(state));
  EXPECT_EQ(std::memcmp(bytes.data(), "CRMSTATE", 8), 0);
  absl::StatusOr<CompositeState> back = DeserializeCompositeState(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameState(state, *back);
  // And writing it again gives the same bytes.
  EXPECT_EQ(MustSerialize(*back), bytes);
}

TEST(StateIoTest, EmptyStatesRoundTrip) {
  const CompositeState empty;
  absl::StatusOr<CompositeState> back = DeserializeCompositeState(MustSerialize(empty));
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameState(empty, *back);

  const QuantileState none;
  absl::StatusOr<QuantileState> q = DeserializeQuantileState(MustSerialize(none));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_TRUE(q->sorted.empty());
}

TEST(StateIoTest, QuantileRoundTripIsExactIncludingSignedZeros) {
  QuantileState state = MustQuantiles({3.5, -0.0, 0.0, -1e300, 1e-310, 2.0, 2.0});
  const std::vector<std::uint8_t> bytes = MustSerialize(state);
  absl::StatusOr<QuantileState> back = DeserializeQuantileState(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->sorted.size(), state.sorted.size());
  for (std::size_t i = 0; i < state.sorted.size(); ++i) {
    EXPECT_EQ(Bits(back->sorted[i]), Bits(state.sorted[i])) << i;
  }
}

TEST(StateIoTest, MergingDeserializedPartitionsScoresLikeOneBatch) {
  const Columns c = Population(40000, 11);
  const std::size_t n = c[0].size();
  const std::array<std::size_t, 5> bounds = {0, 7000, 20000, 20001, n};
  CompositeState merged;
  for (std::size_t p = 0; p + 1 < bounds.size(); ++p) {
    const std::vector<std::uint8_t> bytes = MustSerialize(MustCompute(c, bounds[p], bounds[p + 1]));
    absl::StatusOr<CompositeState> part = DeserializeCompositeState(bytes);
    ASSERT_TRUE(part.ok()) << part.status();
    ASSERT_TRUE(MergeCompositeStates(merged, *part).ok());
  }
  const CompositeState whole = MustCompute(c, 0, n);
  EXPECT_EQ(merged.rows, whole.rows);
  for (std::size_t k = 0; k < whole.column.size(); ++k) {
    EXPECT_EQ(merged.column[k].count, whole.column[k].count);
    EXPECT_EQ(merged.column[k].min, whole.column[k].min);
    EXPECT_EQ(merged.column[k].max, whole.column[k].max);
    EXPECT_EQ(merged.column[k].quantiles.sorted, whole.column[k].quantiles.sorted);
  }
}

// --- Corrupt bytes ------------------------------------------------------------

// A state small enough that the exhaustive loops below stay fast, with every field kind.
CompositeState SmallState() {
  const Columns c = Population(40, 3);
  return MustCompute(c, 0, c[0].size());
}

TEST(StateIoTest, EveryTruncationIsRejected) {
  const std::vector<std::uint8_t> bytes = MustSerialize(SmallState());
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    absl::StatusOr<CompositeState> back =
        DeserializeCompositeState(absl::MakeConstSpan(bytes).subspan(0, len));
    ASSERT_FALSE(back.ok()) << "length " << len;
    EXPECT_EQ(back.status().code(), absl::StatusCode::kDataLoss) << len;
    EXPECT_THAT(back.status().message(), HasSubstr("truncated")) << back.status();
  }
  const std::vector<std::uint8_t> q = MustSerialize(MustQuantiles({1, 2, 3}));
  for (std::size_t len = 0; len < q.size(); ++len) {
    EXPECT_EQ(DeserializeQuantileState(absl::MakeConstSpan(q).subspan(0, len)).status().code(),
              absl::StatusCode::kDataLoss)
        << len;
  }
}

TEST(StateIoTest, TrailingBytesAreRejected) {
  std::vector<std::uint8_t> bytes = MustSerialize(SmallState());
  bytes.push_back(0);
  absl::StatusOr<CompositeState> back = DeserializeCompositeState(bytes);
  EXPECT_EQ(back.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(back.status().message(), HasSubstr("payload_length at offset 16"));
}

TEST(StateIoTest, EverySingleByteChangeIsRejected) {
  const std::vector<std::uint8_t> bytes = MustSerialize(SmallState());
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (const int flip : {0x01, 0x80, 0xFF}) {
      std::vector<std::uint8_t> bad = bytes;
      bad[at] = static_cast<std::uint8_t>(bad[at] ^ flip);
      absl::StatusOr<CompositeState> back = DeserializeCompositeState(bad);
      ASSERT_FALSE(back.ok()) << "byte " << at << " ^ " << flip;
      EXPECT_EQ(back.status().code(), absl::StatusCode::kDataLoss) << back.status();
    }
  }
  const std::vector<std::uint8_t> q = MustSerialize(MustQuantiles({1, 2, 3, 4}));
  for (std::size_t at = 0; at < q.size(); ++at) {
    std::vector<std::uint8_t> bad = q;
    bad[at] = static_cast<std::uint8_t>(bad[at] ^ 0x10);
    EXPECT_EQ(DeserializeQuantileState(bad).status().code(), absl::StatusCode::kDataLoss) << at;
  }
}

TEST(StateIoTest, PayloadCorruptionIsACheckSumMismatchNamingTheOffset) {
  std::vector<std::uint8_t> bytes = MustSerialize(SmallState());
  bytes[40] = static_cast<std::uint8_t>(bytes[40] ^ 0x04);
  absl::StatusOr<CompositeState> back = DeserializeCompositeState(bytes);
  EXPECT_EQ(back.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(back.status().message(),
              HasSubstr("checksum at offset " + std::to_string(bytes.size() - 4)));
}

TEST(StateIoTest, GarbageAndWrongMagicAreRejected) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::uint8_t> garbage(static_cast<std::size_t>(trial) * 3);
    for (std::uint8_t& b : garbage) b = static_cast<std::uint8_t>(rng());
    EXPECT_EQ(DeserializeCompositeState(garbage).status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(DeserializeQuantileState(garbage).status().code(), absl::StatusCode::kDataLoss);
  }
  std::vector<std::uint8_t> bytes = MustSerialize(SmallState());
  bytes[0] = 'X';
  EXPECT_THAT(DeserializeCompositeState(bytes).status().message(), HasSubstr("bad magic"));
}

TEST(StateIoTest, WrongVersionIsRejectedNamingBoth) {
  std::vector<std::uint8_t> bytes = MustSerialize(SmallState());
  bytes[8] = 2;
  Reseal(bytes);
  absl::StatusOr<CompositeState> back = DeserializeCompositeState(bytes);
  EXPECT_EQ(back.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(back.status().message(),
              HasSubstr("format_version at offset 8 is 2, this library reads version 1"));
}

TEST(StateIoTest, WrongKindIsRejected) {
  const std::vector<std::uint8_t> composite = MustSerialize(SmallState());
  absl::StatusOr<QuantileState> q = DeserializeQuantileState(composite);
  EXPECT_EQ(q.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(q.status().message(),
              HasSubstr("kind at offset 12 is 1 (composite state), expected 2 (quantile state)"));
  const std::vector<std::uint8_t> quantile = MustSerialize(MustQuantiles({1.0}));
  EXPECT_THAT(DeserializeCompositeState(quantile).status().message(),
              HasSubstr("kind at offset 12 is 2"));
}

TEST(StateIoTest, HugeCountsNeverAllocate) {
  // A resealed quantile state whose count claims 2^61 values: rejected before any
  // allocation, naming the field.
  std::vector<std::uint8_t> bytes = MustSerialize(MustQuantiles({1.0, 2.0}));
  PutU64(bytes, kStateHeaderBytes, std::uint64_t{1} << 61);
  Reseal(bytes);
  absl::StatusOr<QuantileState> q = DeserializeQuantileState(bytes);
  EXPECT_EQ(q.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(q.status().message(), HasSubstr("sorted at offset 32 claims 2305843009213693952"));

  // The same through a composite column's sorted_count (the first column's is at
  // 24 + 12 + 41).
  std::vector<std::uint8_t> c = MustSerialize(SmallState());
  PutU64(c, kStateHeaderBytes + 12 + 41, ~std::uint64_t{0});
  Reseal(c);
  absl::StatusOr<CompositeState> back = DeserializeCompositeState(c);
  EXPECT_EQ(back.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(back.status().message(), HasSubstr("column current_contribution sorted"));
}

TEST(StateIoTest, SemanticallyInvalidPayloadsWithValidChecksumsAreRejected) {
  const CompositeState good = SmallState();
  {
    // Serialization refuses an invalid state (InvalidArgument): bytes that no reader would
    // accept are never written.
    CompositeState bad = good;
    std::swap(bad.column[3].quantiles.sorted.front(), bad.column[3].quantiles.sorted.back());
    const absl::Status status = SerializeCompositeState(bad).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("column loyalty: sorted values are not ascending"));
  }
  // Patch fields of valid bytes and reseal: each must be rejected by the invariant checks.
  const std::vector<std::uint8_t> bytes = MustSerialize(good);
  const std::size_t column0 = kStateHeaderBytes + 12;
  struct Patch {
    std::size_t at;
    double value;
    const char* needle;
  };
  const std::vector<Patch> patches = {
      {column0 + 8, kNaN, "min and max must be finite"},       // min
      {column0 + 16, -1e300, "min <= max"},                    // max below min
      {column0 + 32, -1.0, "m2 must be >= 0"},                 // m2
      {column0 + 24, kInf, "mean must be finite"},             // mean
  };
  for (const Patch& patch : patches) {
    std::vector<std::uint8_t> bad = bytes;
    PutU64(bad, patch.at, Bits(patch.value));
    Reseal(bad);
    absl::StatusOr<CompositeState> back = DeserializeCompositeState(bad);
    EXPECT_EQ(back.status().code(), absl::StatusCode::kDataLoss) << patch.needle;
    EXPECT_THAT(back.status().message(), HasSubstr(patch.needle));
    EXPECT_THAT(back.status().message(), HasSubstr("decoded state is invalid"));
  }
  {
    std::vector<std::uint8_t> bad = bytes;
    PutU64(bad, kStateHeaderBytes, 3);  // rows = 3 < count 40
    Reseal(bad);
    EXPECT_THAT(DeserializeCompositeState(bad).status().message(),
                HasSubstr("count must be in [0, rows = 3], got 40"));
  }
  {
    std::vector<std::uint8_t> bad = bytes;
    bad[column0 + 40] = 2;  // has_quantiles
    Reseal(bad);
    EXPECT_THAT(DeserializeCompositeState(bad).status().message(),
                HasSubstr("has_quantiles at offset " + std::to_string(column0 + 40) +
                          " is 2, expected 0 or 1"));
  }
  {
    std::vector<std::uint8_t> q = MustSerialize(MustQuantiles({1.0, 2.0, 3.0}));
    PutU64(q, kStateHeaderBytes + 8, Bits(5.0));  // 5, 2, 3
    Reseal(q);
    EXPECT_THAT(DeserializeQuantileState(q).status().message(),
                HasSubstr("not ascending at index 1"));
    PutU64(q, kStateHeaderBytes + 8, Bits(kNaN));
    Reseal(q);
    EXPECT_THAT(DeserializeQuantileState(q).status().message(), HasSubstr("value 0 is nan"));
  }
}

TEST(StateIoTest, SerializeIntoASpanOfTheWrongSizeIsRejected) {
  const CompositeState state = SmallState();
  std::vector<std::uint8_t> out(SerializedSize(state) - 1);
  EXPECT_EQ(SerializeCompositeState(state, absl::MakeSpan(out)).code(),
            absl::StatusCode::kInvalidArgument);
  QuantileState bad;
  bad.sorted = {2.0, 1.0};
  EXPECT_EQ(SerializeQuantileState(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

// --- Payloads behind a valid frame and checksum ---------------------------------
//
// Bytes written by a buggy or hostile producer can carry a correct CRC-32C over a wrong
// payload; these tests build such bytes (Seal() re-frames and re-checksums an edited
// payload) so that the checks behind the checksum are reached.

// Frames `payload` as a state of `kind`: header, payload, CRC-32C.
std::vector<std::uint8_t> Seal(StateKind kind, const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> bytes = {'C', 'R', 'M', 'S', 'T', 'A', 'T', 'E'};
  for (std::size_t i = 0; i < 4; ++i) {
    bytes.push_back(static_cast<std::uint8_t>(kStateFormatVersion >> (8 * i)));
  }
  for (std::size_t i = 0; i < 4; ++i) {
    bytes.push_back(static_cast<std::uint8_t>(static_cast<std::uint32_t>(kind) >> (8 * i)));
  }
  bytes.resize(kStateHeaderBytes + payload.size() + kStateChecksumBytes);
  PutU64(bytes, 16, payload.size());
  std::copy(payload.begin(), payload.end(), bytes.begin() + kStateHeaderBytes);
  Reseal(bytes);
  return bytes;
}

// The payload of serialized bytes (between the header and the checksum).
std::vector<std::uint8_t> Payload(const std::vector<std::uint8_t>& bytes) {
  return std::vector<std::uint8_t>(
      bytes.begin() + kStateHeaderBytes,
      bytes.end() - static_cast<std::ptrdiff_t>(kStateChecksumBytes));
}

// Offset, in the serialized bytes, of column `c` of `state` (see engine_state_io.h).
std::size_t ColumnOffset(const CompositeState& state, std::size_t c) {
  std::size_t at = kStateHeaderBytes + 12;
  for (std::size_t k = 0; k < c; ++k) at += 49 + 8 * state.column[k].quantiles.sorted.size();
  return at;
}

// Offsets of a column's fields from the column's start.
constexpr std::size_t kCount = 0, kMin = 8, kMax = 16, kHasQuantiles = 40;

absl::Status DecodeComposite(const std::vector<std::uint8_t>& bytes) {
  return DeserializeCompositeState(bytes).status();
}

TEST(StateIoPayloadTest, SealedBytesOfAValidPayloadDecode) {
  // The helper itself: re-sealing an unedited payload gives the serializer's bytes.
  const CompositeState state = SmallState();
  const std::vector<std::uint8_t> bytes = MustSerialize(state);
  EXPECT_EQ(Seal(StateKind::kComposite, Payload(bytes)), bytes);
  const std::vector<std::uint8_t> q = MustSerialize(MustQuantiles({1.0, 2.0}));
  EXPECT_EQ(Seal(StateKind::kQuantile, Payload(q)), q);
  EXPECT_EQ(ColumnOffset(state, 0), kStateHeaderBytes + 12);
}

// Covers docs/bad-input.md BI-ENG-17
TEST(StateIoPayloadTest, PayloadShorterThanItsFieldsIsTruncatedNamingTheField) {
  // Frame and checksum agree on a payload that stops before a field: the field reader
  // reports the field, its offset, and the bytes it needed.
  absl::Status status = DecodeComposite(Seal(StateKind::kComposite, {}));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(status.message(), "state bytes: truncated at rows (offset 24): needs 8 bytes, 0 remain");

  std::vector<std::uint8_t> payload = Payload(MustSerialize(SmallState()));
  payload.resize(12 + 41);  // rows, column_count, then the first column up to sorted_count
  status = DecodeComposite(Seal(StateKind::kComposite, payload));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(status.message(),
            "state bytes: truncated at column current_contribution sorted_count (offset 77): "
            "needs 8 bytes, 0 remain");

  const absl::Status q =
      DeserializeQuantileState(Seal(StateKind::kQuantile, {1, 0, 0, 0})).status();
  EXPECT_EQ(q.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(q.message(), "state bytes: truncated at count (offset 24): needs 8 bytes, 4 remain");
}

// Covers docs/bad-input.md BI-ENG-17
TEST(StateIoPayloadTest, WrongColumnCountIsRejected) {
  std::vector<std::uint8_t> bytes = MustSerialize(SmallState());
  bytes[kStateHeaderBytes + 8] = 6;  // column_count
  Reseal(bytes);
  const absl::Status status = DecodeComposite(bytes);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(status.message(), "state bytes: column_count at offset 32 is 6, expected 5");
}

// Covers docs/bad-input.md BI-ENG-17
TEST(StateIoPayloadTest, BytesAfterTheLastFieldAreRejected) {
  // payload_length counts the extra bytes, so the frame is consistent: the payload decoder
  // finds them.
  std::vector<std::uint8_t> payload = Payload(MustSerialize(SmallState()));
  const std::size_t end = kStateHeaderBytes + payload.size();
  payload.insert(payload.end(), {0, 0, 0});
  absl::Status status = DecodeComposite(Seal(StateKind::kComposite, payload));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(status.message(), "state bytes: 3 unexpected bytes at offset " +
                                  std::to_string(end) + " after the last column");

  std::vector<std::uint8_t> q = Payload(MustSerialize(MustQuantiles({1.0, 2.0})));
  q.push_back(7);
  status = DeserializeQuantileState(Seal(StateKind::kQuantile, q)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(status.message(),
            "state bytes: 1 unexpected bytes at offset 48 after the sorted values");
}

// A state small enough to write out by hand: two customers, whose loyalty (1 and 3, percentile
// rank) keeps its sorted values; the other columns are empty.
CompositeState TwoCustomers() {
  CompositeState state;
  state.rows = 2;
  ColumnState& loyalty = state.column[static_cast<std::size_t>(CompositeComponent::kLoyalty)];
  loyalty.count = 2;
  loyalty.min = 1.0;
  loyalty.max = 3.0;
  loyalty.mean = 2.0;
  loyalty.m2 = 2.0;
  loyalty.has_quantiles = true;
  loyalty.quantiles.sorted = {1.0, 3.0};
  return state;
}

// Covers docs/bad-input.md BI-ENG-17
TEST(StateIoPayloadTest, InvariantViolationsBehindAValidChecksumAreDataLoss) {
  const CompositeState good = TwoCustomers();
  const std::vector<std::uint8_t> bytes = MustSerialize(good);
  const std::size_t loyalty = ColumnOffset(good, 3);
  const std::string kPrefix = "state bytes: decoded state is invalid: composite state: ";
  struct Edit {
    std::size_t at;      // offset of the u64 / f64 field to replace
    std::uint64_t bits;  // its new bits
    std::string message;
  };
  const std::vector<Edit> edits = {
      {kStateHeaderBytes, static_cast<std::uint64_t>(std::int64_t{-1}),
       "rows must be >= 0, got -1"},
      // An empty column (count 0) whose min is not the neutral +Inf.
      {ColumnOffset(good, 2) + kMin, Bits(1.5),
       "column credit: is empty (count 0) but holds min = 1.5, max = -inf, mean = 0, m2 = 0, "
       "0 sorted values (expected inf, -inf, 0, 0, none)"},
      // A count that disagrees with the number of sorted values.
      {loyalty + kCount, 1, "column loyalty: holds 2 sorted values but count is 1"},
      // min and max that are not the ends of the sorted values.
      {loyalty + kMin, Bits(0.5),
       "column loyalty: sorted values span [1, 3] but min = 0.5, max = 3"},
      {loyalty + kMax, Bits(4.0),
       "column loyalty: sorted values span [1, 3] but min = 1, max = 4"},
  };
  for (const Edit& edit : edits) {
    std::vector<std::uint8_t> bad = bytes;
    PutU64(bad, edit.at, edit.bits);
    Reseal(bad);
    const absl::Status status = DecodeComposite(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << edit.message;
    EXPECT_EQ(status.message(), kPrefix + edit.message);
  }
  {
    // Sorted values without the has_quantiles flag.
    std::vector<std::uint8_t> bad = bytes;
    bad[loyalty + kHasQuantiles] = 0;
    Reseal(bad);
    const absl::Status status = DecodeComposite(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(status.message(),
              kPrefix + "column loyalty: holds 2 sorted values but has_quantiles is false");
  }
  // The same invariants, checked directly (and by the serializer), are InvalidArgument.
  CompositeState bad = good;
  bad.column[3].quantiles.sorted.pop_back();
  const absl::Status status = ValidateCompositeState(bad);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "composite state: column loyalty: holds 1 sorted values but count is 2");
  EXPECT_EQ(SerializeCompositeState(bad).status(), status);
}

TEST(StateIoTest, SerializeQuantilesIntoASpanOfTheWrongSizeIsRejected) {
  const QuantileState state = MustQuantiles({1.0, 2.0});
  std::vector<std::uint8_t> out(SerializedSize(state) + 1);
  const absl::Status status = SerializeQuantileState(state, absl::MakeSpan(out));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "quantile state: serialization needs exactly 52 bytes, got 53");
}

// --- Merges and updates -------------------------------------------------------

// Covers docs/bad-input.md BI-ENG-18
TEST(StateMergeTest, StatesOfDifferentPlansAreNotMerged) {
  const Columns c = Population(100, 9);
  CompositeState a = MustCompute(c, 0, 50);
  absl::StatusOr<CompositePlan> min_max_plan = CompositePlan::Create({1, 1, 1, 1, 1}, {}, MissingPolicy::kRenormalize);
  ASSERT_TRUE(min_max_plan.ok());
  absl::StatusOr<CompositeState> b = ComputeCompositeState(*min_max_plan, View(c, 50, 100));
  ASSERT_TRUE(b.ok());
  const CompositeState before = a;
  const absl::Status merged = MergeCompositeStates(a, *b);
  EXPECT_EQ(merged.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(merged.message(),
            "composite state: column loyalty: one state keeps sorted values and the other does "
            "not (into: yes, from: no); were they computed with different plans?");
  ExpectSameState(a, before);  // unchanged
  EXPECT_EQ(MergeCompositeStates(a, a).code(), absl::StatusCode::kInvalidArgument);
  QuantileState q = MustQuantiles({1.0});
  EXPECT_EQ(MergeQuantileStates(q, q).code(), absl::StatusCode::kInvalidArgument);
}

// Covers docs/bad-input.md BI-ENG-18
TEST(StateMergeTest, RowOverflowIsRejected) {
  CompositeState a;
  a.rows = std::numeric_limits<std::int64_t>::max();
  CompositeState b;
  b.rows = 1;
  EXPECT_EQ(MergeCompositeStates(a, b).code(), absl::StatusCode::kInvalidArgument);
}

// Covers docs/bad-input.md BI-ENG-18
TEST(StateMergeTest, CountOverflowIsRejectedNamingTheColumn) {
  // States built by hand (the struct is public) need not satisfy count <= rows; the merge
  // still refuses a value count that would overflow, and leaves `into` unchanged.
  CompositeState a;
  a.rows = std::numeric_limits<std::int64_t>::max();
  ColumnState& growth = a.column[static_cast<std::size_t>(CompositeComponent::kGrowthPotential)];
  growth.count = std::numeric_limits<std::int64_t>::max();
  growth.min = growth.max = 1.0;
  CompositeState b;
  b.column[4] = growth;
  b.column[4].count = 2;
  const CompositeState before = a;
  const absl::Status status = MergeCompositeStates(a, b);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "composite state: column growth_potential: count overflows: 9223372036854775807 + 2");
  ExpectSameState(a, before);
}

TEST(StateUpdateTest, UpdateIsComputeThenMerge) {
  const Columns c = Population(30000, 21);
  const std::size_t n = c[0].size();
  CompositeState updated;
  CompositeState merged;
  for (const auto& [begin, end] :
       std::vector<std::pair<std::size_t, std::size_t>>{{0, 100}, {100, 17000}, {17000, n}}) {
    ASSERT_TRUE(UpdateCompositeState(updated, Plan(), View(c, begin, end)).ok());
    ASSERT_TRUE(MergeCompositeStates(merged, MustCompute(c, begin, end)).ok());
  }
  ExpectSameState(updated, merged);

  QuantileState q;
  ASSERT_TRUE(UpdateQuantileState(q, absl::MakeConstSpan(c[0]).subspan(0, 500)).ok());
  ASSERT_TRUE(UpdateQuantileState(q, absl::MakeConstSpan(c[0]).subspan(500)).ok());
  EXPECT_EQ(q.sorted, MustQuantiles(c[0]).sorted);
}

TEST(StateUpdateTest, AFailedUpdateLeavesTheStateUnchanged) {
  const Columns c = Population(200, 4);
  CompositeState state = MustCompute(c, 0, 100);
  const CompositeState before = state;
  Columns bad = c;
  bad[0][150] = kInf;
  const absl::Status status = UpdateCompositeState(state, Plan(), View(bad, 100, 200));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("index 50"));
  ExpectSameState(state, before);

  QuantileState q = MustQuantiles({1.0, 2.0});
  EXPECT_EQ(UpdateQuantileState(q, std::vector<double>{3.0, kNaN}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(q.sorted, (std::vector<double>{1.0, 2.0}));
}

}  // namespace
}  // namespace engine
}  // namespace crmcore

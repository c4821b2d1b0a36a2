// Fuzz target: the C API's batch scoring (capi/crmcore.h, "Batch scoring" and "Mergeable
// partial states"): crm_score_composite over random plans and columns, then value tiers, RFM
// quintiles and satisfaction ratios of the result, and the same population scored through
// two partitions' states.
//
// Input layout (reading past the end gives zeros):
//   bytes 0-1: N = u16 % 301 customers
//   byte 2:    bit 0 missing policy RENORMALIZE (else REJECT), bit 1 encoding
//              CRM_MISSING_VALIDITY_BITMAP (else NaN), bits 2-3 threads of the main call
//              (1 + value % 3), bit 4 custom pyramid fractions, bit 5 RFM lower-is-better
//   byte 3:    the partition split point, k = byte % (N + 1)
//   then per component (5): weight byte (% 8: 0, 0, 1, 2, 0.5, 3, 1e-3, 7), normalizer
//              byte (% 4; fixed bounds read two DoubleIn(-50, 50) bounds, or raw doubles when
//              bit 2 is set), column byte (type % 3; bit 2 bitmap; bits 3-7 == 0: length
//              N +- 1)
//   then the pyramid fractions (4 bytes, when custom), then per component N values (a kind
//   byte, then its payload: NaN, +-Inf, huge, subnormal, -0.0, raw bits, a small grid with
//   ties, a dense range), then the bitmaps' bytes.
//
// Invariants: every call returns CRM_OK or a documented code with a non-empty
// crm_last_error() (and "" after CRM_OK); a column of the wrong length or an infinite value
// is never OK; on OK every value is finite, within [0, 1] (up to weight rounding) when no
// component is a z-score, and bit-identical for 1 and 3 threads; scoring against two
// partitions' states (create, serialize, deserialize, merge) gives the one-batch values,
// bit for bit without a z-score and within a bound derived from the columns' spread with
// one; value tiers follow the documented cut-off rule (an independent reference), with
// exactly the pyramid's seat counts when values are distinct, and equal those against
// merged quantile states; RFM scores are 1..5 and equal the mid-rank rule and the merged
// states' scores; satisfaction ratios are B / A exactly or the first bad customer's error.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore.h"
#include "crmcore/value_tier.h"
#include "fuzz_common.h"

namespace crmcore::fuzz {
namespace {

constexpr int kComponents = CRM_COMPOSITE_COMPONENT_COUNT;

// A status a call documents, with its message: "" after OK, a sentence otherwise.
void CheckStatus(crm_status status, const char* call) {
  const std::string message = crm_last_error();
  CRM_FUZZ_CHECK(status == CRM_OK || status == CRM_ERR_INVALID_ARGUMENT ||
                     status == CRM_ERR_OUT_OF_RANGE || status == CRM_ERR_NO_MEMORY,
                 absl::StrCat(call, " returned an undocumented ", crm_status_name(status), ": ",
                              message));
  CRM_FUZZ_CHECK((status == CRM_OK) == message.empty(),
                 absl::StrCat(call, " returned ", crm_status_name(status), " with message '",
                              message, "'"));
}

bool BitSet(const std::vector<uint8_t>& bitmap, size_t i) {
  return ((bitmap[i / 8] >> (i % 8)) & 1) != 0;
}

// One component's column as the caller owns it, and its values as the engine reads them.
struct Column {
  int32_t type = CRM_COLUMN_FLOAT64;
  std::vector<double> f64;
  std::vector<float> f32;
  std::vector<int64_t> i64;
  std::vector<double> as_double;  // every value converted to double
  bool has_bitmap = false;
  std::vector<uint8_t> bitmap;
  size_t length = 0;

  const void* data() const {
    switch (type) {
      case CRM_COLUMN_FLOAT32: return f32.data();
      case CRM_COLUMN_INT64: return i64.data();
      default: return f64.data();
    }
  }
  size_t element_size() const {
    return type == CRM_COLUMN_FLOAT32 ? sizeof(float) : type == CRM_COLUMN_INT64 ? 8 : 8;
  }
  // Rows [begin, begin + count) as a caller column; the bitmap is repacked from bit 0.
  crm_column View(size_t begin, size_t count, std::vector<uint8_t>& repacked) const {
    crm_column c = CRM_COLUMN_INIT;
    c.type = type;
    c.length = count;
    c.data = count == 0 ? data()
                        : static_cast<const uint8_t*>(data()) + begin * element_size();
    if (has_bitmap) {
      repacked.assign((count + 7) / 8 + 1, 0);
      for (size_t i = 0; i < count; ++i) {
        if (BitSet(bitmap, begin + i)) repacked[i / 8] = static_cast<uint8_t>(repacked[i / 8] | (1u << (i % 8)));
      }
      c.validity = repacked.data();
    }
    return c;
  }
};

double DoubleValue(FuzzInput& in, uint8_t kind) {
  switch (kind % 16) {
    case 0: return std::numeric_limits<double>::quiet_NaN();
    case 1: return std::numeric_limits<double>::infinity();
    case 2: return -std::numeric_limits<double>::infinity();
    case 3: return (in.Byte() & 1 ? -1.0 : 1.0) * std::numeric_limits<double>::max() / (1.0 + in.Byte());
    case 4: return std::numeric_limits<double>::denorm_min() * in.Byte();
    case 5: return -0.0;
    case 6: return in.RawDouble();
    case 7: case 8: case 9: case 10: return in.DoubleIn(-1000.0, 1000.0);
    default: return static_cast<double>(in.Byte() % 21) * 0.25 - 2.5;  // ties
  }
}

float FloatValue(FuzzInput& in, uint8_t kind) {
  switch (kind % 16) {
    case 0: return std::numeric_limits<float>::quiet_NaN();
    case 1: return std::numeric_limits<float>::infinity();
    case 2: return -std::numeric_limits<float>::infinity();
    case 3: return (in.Byte() & 1 ? -1.0f : 1.0f) * std::numeric_limits<float>::max();
    case 4: return std::numeric_limits<float>::denorm_min() * static_cast<float>(in.Byte());
    case 5: return -0.0f;
    case 6: {
      const uint32_t bits = in.U32();
      float value = 0.0f;
      std::memcpy(&value, &bits, sizeof value);
      return value;
    }
    case 7: case 8: case 9: case 10: return static_cast<float>(in.DoubleIn(-1000.0, 1000.0));
    default: return static_cast<float>(in.Byte() % 21) * 0.25f - 2.5f;
  }
}

int64_t IntValue(FuzzInput& in, uint8_t kind) {
  switch (kind % 8) {
    case 0: return std::numeric_limits<int64_t>::max();
    case 1: return std::numeric_limits<int64_t>::min();
    case 2: return static_cast<int64_t>(in.U64());
    case 3: return (int64_t{1} << 53) + 1;
    case 4: case 5: return static_cast<int64_t>(in.U32() % 200001) - 100000;
    default: return static_cast<int64_t>(in.Byte() % 11) - 5;
  }
}

// The documented tier rule, independently: cut-off of tier t = the value in its last seat.
std::vector<int8_t> ReferenceTiers(const std::vector<double>& values,
                                   const PyramidFractions& fractions) {
  std::vector<double> descending(values);
  std::sort(descending.begin(), descending.end(), [](double a, double b) { return a > b; });
  const auto seats = PyramidCutoffCounts(static_cast<int64_t>(values.size()), fractions);
  std::vector<int8_t> tiers(values.size(), CRM_TIER_SMALL);
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t t = 0; t < seats.size(); ++t) {
      if (seats[t] == 0) continue;
      if (values[i] >= descending[static_cast<size_t>(seats[t] - 1)]) {
        tiers[i] = static_cast<int8_t>(t);
        break;
      }
    }
  }
  return tiers;
}

std::vector<int8_t> ReferenceRfm(const std::vector<double>& values, int32_t direction) {
  std::vector<int8_t> scores(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t worse = 0, equal = 0;
    for (double v : values) {
      if (v == values[i]) ++equal;
      else if (direction == CRM_RFM_HIGHER_IS_BETTER ? v < values[i] : v > values[i]) ++worse;
    }
    const double p = static_cast<double>(2 * worse + equal) / static_cast<double>(2 * values.size());
    scores[i] = static_cast<int8_t>(std::clamp(1 + static_cast<int>(std::floor(5.0 * p)), 1, 5));
  }
  return scores;
}

// Serialize -> deserialize of a composite state (the bytes must decode).
crm_composite_state* RoundTrip(const crm_composite_state* state) {
  size_t size = 0;
  CRM_FUZZ_CHECK(crm_composite_state_serialize(state, nullptr, 0, &size) == CRM_OK, crm_last_error());
  std::vector<uint8_t> bytes(size);
  size_t written = 0;
  CRM_FUZZ_CHECK(crm_composite_state_serialize(state, bytes.data(), size, &written) == CRM_OK &&
                     written == size,
                 crm_last_error());
  crm_composite_state* decoded = nullptr;
  CRM_FUZZ_CHECK(crm_composite_state_deserialize(bytes.data(), size, &decoded) == CRM_OK,
                 absl::StrCat("a serialized state does not decode: ", crm_last_error()));
  return decoded;
}

crm_quantile_state* RoundTrip(const crm_quantile_state* state) {
  size_t size = 0;
  CRM_FUZZ_CHECK(crm_quantile_state_serialize(state, nullptr, 0, &size) == CRM_OK, crm_last_error());
  std::vector<uint8_t> bytes(size);
  CRM_FUZZ_CHECK(crm_quantile_state_serialize(state, bytes.data(), size, &size) == CRM_OK,
                 crm_last_error());
  crm_quantile_state* decoded = nullptr;
  CRM_FUZZ_CHECK(crm_quantile_state_deserialize(bytes.data(), size, &decoded) == CRM_OK,
                 absl::StrCat("a serialized quantile state does not decode: ", crm_last_error()));
  return decoded;
}

void CheckTiersAndRfm(const std::vector<double>& values, size_t split, bool custom_fractions,
                      FuzzInput& in, int32_t direction, const crm_engine_options& one,
                      const crm_engine_options& three) {
  const size_t n = values.size();
  crm_pyramid_fractions fractions = CRM_PYRAMID_FRACTIONS_INIT;
  if (custom_fractions) {
    // Four shares that sum to 1 (the last takes the remainder), sometimes an invalid set.
    const double a = in.Byte() / 1020.0, b = in.Byte() / 1020.0, c = in.Byte() / 1020.0;
    fractions.vip_share = a;
    fractions.major_share = b;
    fractions.ordinary_share = c;
    fractions.small_share = 1.0 - a - b - c;
    if ((in.Byte() & 7) == 0) fractions.small_share += 0.01;  // invalid: sums to 1.01
  }
  std::vector<int8_t> tiers(n, -1), tiers3(n, -1);
  const crm_status status = crm_assign_value_tiers(values.data(), n, &fractions, &one, tiers.data());
  CheckStatus(status, "crm_assign_value_tiers");
  const crm_status status3 =
      crm_assign_value_tiers(values.data(), n, &fractions, &three, tiers3.data());
  CRM_FUZZ_CHECK(status == status3, "tiers: status depends on the thread count");
  const PyramidFractions core{fractions.vip_share, fractions.major_share, fractions.ordinary_share,
                              fractions.small_share};
  CRM_FUZZ_CHECK((status == CRM_OK) == core.Validate().ok(),
                 absl::StrCat("tiers: status ", crm_status_name(status), " for fractions ",
                              core.Validate().ToString()));
  if (status == CRM_OK) {
    CRM_FUZZ_CHECK(tiers == tiers3, "tiers differ between 1 and 3 threads");
    for (int8_t t : tiers) CRM_FUZZ_CHECK(t >= 0 && t <= 3, absl::StrCat("tier ", t));
    CRM_FUZZ_CHECK(tiers == ReferenceTiers(values, core), "tiers differ from the cut-off rule");
    std::vector<double> sorted(values);
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()) {
      const auto seats = PyramidCutoffCounts(static_cast<int64_t>(n), core);
      for (size_t t = 0; t < seats.size(); ++t) {
        const auto at_or_above = std::count_if(tiers.begin(), tiers.end(),
                                               [t](int8_t x) { return x <= static_cast<int8_t>(t); });
        CRM_FUZZ_CHECK(at_or_above == seats[t],
                       absl::StrCat("distinct values: ", at_or_above, " customers in tiers <= ", t,
                                    " but ", seats[t], " seats"));
      }
    }
  }

  std::vector<int8_t> rfm(n, 0), rfm3(n, 0);
  const crm_status rfm_status = crm_rfm_quintiles(values.data(), n, direction, &one, rfm.data());
  CheckStatus(rfm_status, "crm_rfm_quintiles");
  CRM_FUZZ_CHECK(rfm_status == CRM_OK, crm_last_error());
  CRM_FUZZ_CHECK(crm_rfm_quintiles(values.data(), n, direction, &three, rfm3.data()) == CRM_OK &&
                     rfm == rfm3,
                 "RFM scores differ between 1 and 3 threads");
  for (int8_t s : rfm) CRM_FUZZ_CHECK(s >= 1 && s <= 5, absl::StrCat("RFM score ", s));
  CRM_FUZZ_CHECK(rfm == ReferenceRfm(values, direction), "RFM scores differ from the mid-rank rule");

  // The same through two partitions' quantile states.
  crm_quantile_state* a = nullptr;
  crm_quantile_state* b = nullptr;
  CRM_FUZZ_CHECK(crm_quantile_state_create(values.data(), split, &one, &a) == CRM_OK, crm_last_error());
  CRM_FUZZ_CHECK(crm_quantile_state_create(values.data() + split, n - split, &three, &b) == CRM_OK,
                 crm_last_error());
  crm_quantile_state* merged = RoundTrip(a);
  crm_quantile_state* b2 = RoundTrip(b);
  CRM_FUZZ_CHECK(crm_quantile_state_merge(merged, b2) == CRM_OK, crm_last_error());
  int64_t count = -1;
  CRM_FUZZ_CHECK(crm_quantile_state_count(merged, &count) == CRM_OK &&
                     count == static_cast<int64_t>(n),
                 absl::StrCat("merged quantile state counts ", count, " of ", n));
  if (status == CRM_OK) {
    std::vector<int8_t> with_state(n, -1);
    CRM_FUZZ_CHECK(crm_assign_value_tiers_with_state(values.data(), n, merged, &fractions, &three,
                                                     with_state.data()) == CRM_OK,
                   crm_last_error());
    CRM_FUZZ_CHECK(with_state == tiers, "tiers against merged states differ from one batch");
  }
  if (n > 0) {
    std::vector<int8_t> with_state(n, 0);
    CRM_FUZZ_CHECK(crm_rfm_quintiles_with_state(values.data(), n, merged, direction, &one,
                                                with_state.data()) == CRM_OK,
                   crm_last_error());
    CRM_FUZZ_CHECK(with_state == rfm, "RFM scores against merged states differ from one batch");
  }
  crm_quantile_state_destroy(a);
  crm_quantile_state_destroy(b);
  crm_quantile_state_destroy(b2);
  crm_quantile_state_destroy(merged);
}

// The first bad customer decides the error; OK gives B / A exactly.
void CheckSatisfactionRatios(const std::vector<double>& b, const std::vector<double>& a,
                             const crm_engine_options& options) {
  const size_t n = std::min(a.size(), b.size());
  crm_status expected = CRM_OK;
  for (size_t i = 0; i < n && expected == CRM_OK; ++i) {
    if (!std::isfinite(b[i]) || !std::isfinite(a[i]) || !(a[i] > 0.0)) {
      expected = CRM_ERR_INVALID_ARGUMENT;
    } else if (!std::isfinite(b[i] / a[i])) {
      expected = CRM_ERR_OUT_OF_RANGE;
    }
  }
  std::vector<double> c(n, 0.0);
  const crm_status status = crm_satisfaction_ratios(b.data(), a.data(), n, &options, c.data());
  CheckStatus(status, "crm_satisfaction_ratios");
  CRM_FUZZ_CHECK(status == expected, absl::StrCat("satisfaction ratios: ", crm_status_name(status),
                                                  " but expected ", crm_status_name(expected)));
  if (status != CRM_OK) return;
  for (size_t i = 0; i < n; ++i) {
    CRM_FUZZ_CHECK(std::isfinite(c[i]) && c[i] == b[i] / a[i],
                   absl::StrCat("satisfaction ratio ", i, " is ", c[i]));
  }
}

void Run(FuzzInput& in) {
  const size_t n = ((size_t{in.Byte()} << 8) | in.Byte()) % 301;
  const uint8_t flags = in.Byte();
  const size_t split = in.Byte() % (n + 1);
  const int32_t policy = (flags & 1) ? CRM_MISSING_POLICY_RENORMALIZE : CRM_MISSING_POLICY_REJECT;
  const int32_t encoding = (flags & 2) ? CRM_MISSING_VALIDITY_BITMAP : CRM_MISSING_NAN;
  const int32_t threads = 1 + ((flags >> 2) & 3) % 3;
  const int32_t direction = (flags & 32) ? CRM_RFM_LOWER_IS_BETTER : CRM_RFM_HIGHER_IS_BETTER;

  crm_composite_plan* plan = nullptr;
  CRM_FUZZ_CHECK(crm_composite_plan_create(&plan) == CRM_OK, crm_last_error());
  CheckStatus(crm_composite_plan_set_missing_policy(plan, policy), "set_missing_policy");

  static constexpr double kWeights[] = {0.0, 0.0, 1.0, 2.0, 0.5, 3.0, 1e-3, 7.0};
  std::array<Column, kComponents> columns;
  std::array<bool, kComponents> used{};
  std::array<int32_t, kComponents> normalizer{};
  bool wrong_length = false;
  for (size_t c = 0; c < columns.size(); ++c) {
    const auto component = static_cast<int32_t>(c);
    const double weight = kWeights[in.Byte() % 8];
    CheckStatus(crm_composite_plan_set_weight(plan, component, weight), "set_weight");
    const uint8_t nb = in.Byte();
    normalizer[c] = nb % 4;
    double lower = 0.0, upper = 1.0;
    if (normalizer[c] == CRM_NORMALIZER_FIXED_BOUNDS) {
      if (nb & 4) {
        lower = in.RawDouble();
        upper = in.RawDouble();
      } else {
        lower = in.DoubleIn(-50.0, 50.0);
        upper = in.DoubleIn(-50.0, 50.0);
      }
    }
    const crm_status set = crm_composite_plan_set_normalizer(plan, component, normalizer[c], lower, upper);
    CheckStatus(set, "set_normalizer");
    const bool bounds_ok = std::isfinite(lower) && std::isfinite(upper) && lower < upper &&
                           std::isfinite(upper - lower);
    CRM_FUZZ_CHECK(normalizer[c] != CRM_NORMALIZER_FIXED_BOUNDS || (set == CRM_OK) == bounds_ok,
                   absl::StrCat("fixed bounds [", lower, ", ", upper, "] gave ", crm_status_name(set)));
    if (set != CRM_OK) normalizer[c] = CRM_NORMALIZER_MIN_MAX;  // the plan is unchanged
    used[c] = weight > 0.0;

    const uint8_t cb = in.Byte();
    Column& column = columns[c];
    column.type = cb % 3;
    column.has_bitmap = (cb & 4) != 0;
    column.length = n;
    if ((cb >> 3) == 0) column.length = (n > 0 && (cb & 1)) ? n - 1 : n + 1;
    if (used[c] && column.length != n) wrong_length = true;
  }
  const bool custom_fractions = (flags & 16) != 0;

  for (Column& column : columns) {
    column.as_double.resize(column.length);
    for (size_t i = 0; i < column.length; ++i) {
      const uint8_t kind = in.Byte();
      switch (column.type) {
        case CRM_COLUMN_FLOAT32:
          column.f32.push_back(FloatValue(in, kind));
          column.as_double[i] = static_cast<double>(column.f32.back());
          break;
        case CRM_COLUMN_INT64:
          column.i64.push_back(IntValue(in, kind));
          column.as_double[i] = static_cast<double>(column.i64.back());
          break;
        default:
          column.f64.push_back(DoubleValue(in, kind));
          column.as_double[i] = column.f64.back();
      }
    }
  }
  for (Column& column : columns) {
    if (!column.has_bitmap) continue;
    column.bitmap.resize((column.length + 7) / 8 + 1);
    for (uint8_t& byte : column.bitmap) byte = static_cast<uint8_t>(~in.Byte());  // mostly present
  }

  std::array<crm_column, kComponents> views{};
  std::array<std::vector<uint8_t>, kComponents> scratch;
  for (size_t c = 0; c < views.size(); ++c) views[c] = columns[c].View(0, columns[c].length, scratch[c]);
  crm_engine_options options = CRM_ENGINE_OPTIONS_INIT;
  options.threads = threads;
  options.missing_encoding = encoding;
  crm_engine_options one = options, three = options;
  one.threads = 1;
  three.threads = 3;

  // Present values as the engine sees them, and what must be rejected.
  bool any_used = false, bad_bitmap = false, infinite = false, nan_rejected = false;
  std::array<std::vector<double>, kComponents> present;
  for (size_t c = 0; c < views.size(); ++c) {
    if (!used[c]) continue;
    any_used = true;
    const Column& column = columns[c];
    if (column.has_bitmap && encoding == CRM_MISSING_NAN) bad_bitmap = true;
    for (size_t i = 0; i < column.length; ++i) {
      const bool valid = !(encoding == CRM_MISSING_VALIDITY_BITMAP && column.has_bitmap &&
                           !BitSet(column.bitmap, i));
      if (!valid) continue;
      const double v = column.as_double[i];
      if (std::isinf(v)) infinite = true;
      if (std::isnan(v)) {
        if (encoding == CRM_MISSING_VALIDITY_BITMAP || policy == CRM_MISSING_POLICY_REJECT) {
          nan_rejected = true;
        }
        continue;
      }
      present[c].push_back(v);
    }
  }

  std::vector<double> out(n, 0.0), out1(n, 0.0), out3(n, 0.0);
  const crm_status status =
      crm_score_composite(plan, views.data(), views.size(), &options, out.data(), out.size());
  CheckStatus(status, "crm_score_composite");
  const std::string message = crm_last_error();
  const crm_status status1 =
      crm_score_composite(plan, views.data(), views.size(), &one, out1.data(), out1.size());
  const std::string message1 = crm_last_error();
  const crm_status status3 =
      crm_score_composite(plan, views.data(), views.size(), &three, out3.data(), out3.size());
  CRM_FUZZ_CHECK(status == status1 && status == status3 && message == message1 &&
                     message1 == crm_last_error(),
                 absl::StrCat("thread counts disagree: ", message, " | ", message1, " | ",
                              crm_last_error()));
  if (!any_used || wrong_length || bad_bitmap || infinite || nan_rejected) {
    CRM_FUZZ_CHECK(status != CRM_OK, absl::StrCat("accepted a bad call (no weight ", !any_used,
                                                  ", length ", wrong_length, ", bitmap ", bad_bitmap,
                                                  ", Inf ", infinite, ", NaN ", nan_rejected, ")"));
  }
  if (status != CRM_OK) {
    crm_composite_plan_destroy(plan);
    return;
  }
  CRM_FUZZ_CHECK(n == 0 || (std::memcmp(out.data(), out1.data(), n * sizeof(double)) == 0 &&
                             std::memcmp(out.data(), out3.data(), n * sizeof(double)) == 0),
                 "scores differ between thread counts");

  bool has_z = false;
  double z_tolerance = 0.0;
  double min_weight = 1.0;
  for (size_t c = 0; c < used.size(); ++c) {
    if (!used[c]) continue;
    double w = 0.0;
    CRM_FUZZ_CHECK(crm_composite_plan_weight(plan, static_cast<int32_t>(c), &w) == CRM_OK,
                   crm_last_error());
    min_weight = std::min(min_weight, w);
    if (normalizer[c] != CRM_NORMALIZER_Z_SCORE) continue;
    has_z = true;
    // Chan's merge rounds the mean and M2 differently from one pass: an error of a few ulps
    // of the column's magnitude in x - mean, divided by the standard deviation.
    const std::vector<double>& v = present[c];
    long double mean = 0.0L, m2 = 0.0L, magnitude = 0.0L;
    for (double x : v) mean += static_cast<long double>(x);
    if (!v.empty()) mean /= static_cast<long double>(v.size());
    for (double x : v) {
      const long double d = static_cast<long double>(x) - mean;
      m2 += d * d;
      magnitude = std::max(magnitude, std::fabs(static_cast<long double>(x)));
    }
    const long double sd = v.empty() ? 0.0L : std::sqrt(m2 / static_cast<long double>(v.size()));
    const long double ratio = sd > 0.0L ? magnitude / sd : 0.0L;
    z_tolerance += static_cast<double>(1e-9L * (1.0L + ratio) * (1.0L + ratio));
  }
  const double z_bound = std::max(1.0, std::sqrt(static_cast<double>(n)));
  for (size_t i = 0; i < n; ++i) {
    CRM_FUZZ_CHECK(std::isfinite(out[i]), absl::StrCat("score ", i, " is ", out[i]));
    if (!has_z) {
      CRM_FUZZ_CHECK(out[i] >= 0.0 && out[i] <= 1.0 + 1e-12,
                     absl::StrCat("score ", i, " = ", out[i], " outside [0, 1]"));
    } else {
      CRM_FUZZ_CHECK(std::fabs(out[i]) <= z_bound * (1.0 + 1e-6) + 1e-9,
                     absl::StrCat("score ", i, " = ", out[i], " beyond sqrt(N)"));
    }
  }

  // Two partitions' states, shipped as bytes and merged, score like one batch.
  std::array<crm_column, kComponents> head{}, tail{};
  std::array<std::vector<uint8_t>, kComponents> head_bits, tail_bits;
  for (size_t c = 0; c < views.size(); ++c) {
    head[c] = columns[c].View(0, split, head_bits[c]);
    tail[c] = columns[c].View(split, n - split, tail_bits[c]);
  }
  crm_composite_state* a = nullptr;
  crm_composite_state* b = nullptr;
  CRM_FUZZ_CHECK(crm_composite_state_create(plan, head.data(), head.size(), &one, &a) == CRM_OK,
                 absl::StrCat("partition 0: ", crm_last_error()));
  CRM_FUZZ_CHECK(crm_composite_state_create(plan, tail.data(), tail.size(), &three, &b) == CRM_OK,
                 absl::StrCat("partition 1: ", crm_last_error()));
  crm_composite_state* merged = RoundTrip(a);
  crm_composite_state* b2 = RoundTrip(b);
  CRM_FUZZ_CHECK(crm_composite_state_merge(merged, b2) == CRM_OK, crm_last_error());
  int64_t rows = -1;
  CRM_FUZZ_CHECK(crm_composite_state_rows(merged, &rows) == CRM_OK && rows == static_cast<int64_t>(n),
                 absl::StrCat("merged state has ", rows, " rows of ", n));
  std::vector<double> with_state(n, 0.0);
  const crm_status state_status = crm_score_composite_with_state(
      plan, views.data(), views.size(), merged, &options, with_state.data(), n);
  CRM_FUZZ_CHECK(state_status == CRM_OK,
                 absl::StrCat("scoring against merged states: ", crm_last_error()));
  for (size_t i = 0; i < n; ++i) {
    if (!has_z) {
      CRM_FUZZ_CHECK(std::memcmp(&with_state[i], &out[i], sizeof(double)) == 0,
                     absl::StrCat("customer ", i, ": merged states give ", with_state[i],
                                  ", one batch ", out[i]));
    } else {
      CRM_FUZZ_CHECK(std::isfinite(with_state[i]) &&
                         std::fabs(with_state[i] - out[i]) <= z_tolerance / min_weight,
                     absl::StrCat("customer ", i, ": merged states give ", with_state[i],
                                  ", one batch ", out[i], " (tolerance ", z_tolerance, ")"));
    }
  }
  crm_composite_state_destroy(a);
  crm_composite_state_destroy(b);
  crm_composite_state_destroy(b2);
  crm_composite_state_destroy(merged);
  crm_composite_plan_destroy(plan);

  CheckTiersAndRfm(out, split, custom_fractions, in, direction, one, three);
  CheckSatisfactionRatios(columns[0].as_double, columns[1].as_double, one);
}

}  // namespace
}  // namespace crmcore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  crmcore::fuzz::FuzzInput in(data, size);
  crmcore::fuzz::Run(in);
  return 0;
}

// The vectorized batch engine: composite value, value tiers, RFM quintile scores, the
// satisfaction ratio and the satisfaction index over columns of millions of customers
// (issue 4).
//
// Every result agrees with the core's scalar references (composite_value.h, value_tier.h,
// rfm_score.h, satisfaction.h):
//   - tiers, RFM scores, satisfaction ratios, satisfaction indices, and composite values
//     whose normalizers are min-max, fixed bounds or percentile rank are IDENTICAL (same
//     double operations in the same order; counts and order statistics are exact);
//   - z-score components use a mean and variance computed in blocks and merged (Chan et al.)
//     instead of one sequential Welford pass: they differ from the reference by rounding only
//     (see ScoreComposite() for the bound).
//
// SIMD: the statistics pass, the per-customer weighted-sum pass, and the range and scoring
// passes of tiers and RFM scores are Google Highway kernels compiled for every target
// Highway attains on the build machine and chosen at run time (the library runs on
// processors it was not built for); ActiveTarget() tells which.
//
// Threads: each call spawns its own std::threads (EngineOptions::threads) and joins them
// before returning; nothing outlives the call. Work is split in FIXED blocks of
// kEngineBlockRows customers whose results are combined in block order, so every result is
// bit-identical for any thread count. If the system refuses a thread, the call goes on
// with the threads already started (at least the calling thread): slower, same result, no
// error. Calls on different data may run concurrently from several host threads;
// ForceTargetForTesting() may not.
//
// Columns are borrowed for the call (ColumnView), never copied except one block at a time
// where a conversion (float, int64, validity bitmap) is needed. Outputs go to caller-owned
// spans.
#ifndef CRMCORE_ENGINE_H_
#define CRMCORE_ENGINE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crmcore/composite_value.h"
#include "crmcore/engine_state.h"
#include "crmcore/rfm_score.h"
#include "crmcore/satisfaction.h"
#include "crmcore/taxonomy.h"
#include "crmcore/value_tier.h"

namespace crmcore {
namespace engine {

/// Customers per work block. Blocks, not threads, fix how sums are grouped, which is what
/// makes results independent of the thread count.
inline constexpr std::size_t kEngineBlockRows = 16384;

// ---------------------------------------------------------------------------
// SIMD target selection (like simdjson's get_active_implementation()).

/// Name of the Highway target the kernels run on now, e.g. "AVX3", "AVX2", "SSE4", "SCALAR".
std::string ActiveTarget();

/// Names of the targets compiled into the library AND supported by this processor, best
/// first. Each can be passed to ForceTargetForTesting().
std::vector<std::string> AvailableTargets();

/// Makes the kernels run on target `name` (one of AvailableTargets()); "" restores the
/// automatic choice (the best available). For tests and benchmarks: it changes a
/// process-wide setting, so it must not run concurrently with any engine call.
///
/// Errors: InvalidArgument naming `name` when it is not an available target; the setting
/// in force before the call (a forced target or the automatic choice) is then unchanged.
absl::Status ForceTargetForTesting(absl::string_view name);

// ---------------------------------------------------------------------------
// Columns and options.

/// How a missing value is marked in the input columns (the policy for what a missing value
/// MEANS is the plan's MissingPolicy).
enum class MissingEncoding : int {
  /// A NaN is missing (float and double columns; int64 columns have no missing values).
  /// Validity bitmaps are not allowed.
  kNaN = 0,
  /// A column's validity bitmap marks missing values (a column without one has none); a
  /// NaN in a valid slot is an invalid value, like Inf.
  kValidityBitmap = 1,
};

/// A borrowed column of one value per customer: float64, float32 or int64 (converted to
/// double exactly, except int64 beyond ±2^53, which rounds to the nearest double as a cast
/// does), with an optional validity bitmap in Apache Arrow's layout (bit i % 8 of byte
/// i / 8, least significant bit first; 1 = present). The caller keeps the memory alive for
/// the call.
class ColumnView {
 public:
  enum class Type : int { kFloat64 = 0, kFloat32 = 1, kInt64 = 2 };

  /// An absent column (for components a plan does not use).
  ColumnView() = default;
  ColumnView(absl::Span<const double> values)  // NOLINT: implicit, spans convert naturally
      : data_(values.data()), size_(values.size()), type_(Type::kFloat64) {}
  ColumnView(absl::Span<const float> values)  // NOLINT
      : data_(values.data()), size_(values.size()), type_(Type::kFloat32) {}
  ColumnView(absl::Span<const std::int64_t> values)  // NOLINT
      : data_(values.data()), size_(values.size()), type_(Type::kInt64) {}
  ColumnView(const std::vector<double>& values)  // NOLINT
      : ColumnView(absl::MakeConstSpan(values)) {}

  /// The same column with a validity bitmap (read only under MissingEncoding::
  /// kValidityBitmap; it must hold at least ceil(size() / 8) bytes).
  ColumnView WithValidity(absl::Span<const std::uint8_t> bitmap) const {
    ColumnView view = *this;
    view.validity_ = bitmap;
    view.has_validity_ = true;
    return view;
  }

  std::size_t size() const { return size_; }
  Type type() const { return type_; }
  const void* data() const { return data_; }
  bool has_validity() const { return has_validity_; }
  absl::Span<const std::uint8_t> validity() const { return validity_; }

  /// Value i converted to double (no validity applied). Precondition: i < size().
  double ValueAt(std::size_t i) const {
    switch (type_) {
      case Type::kFloat32:
        return static_cast<double>(static_cast<const float*>(data_)[i]);
      case Type::kInt64:
        return static_cast<double>(static_cast<const std::int64_t*>(data_)[i]);
      case Type::kFloat64:
        break;
    }
    return static_cast<const double*>(data_)[i];
  }
  /// Whether the bitmap marks value i present (true without a bitmap).
  bool IsValid(std::size_t i) const {
    return !has_validity_ || ((static_cast<unsigned>(validity_[i / 8]) >> (i % 8)) & 1u) != 0;
  }

 private:
  const void* data_ = nullptr;
  std::size_t size_ = 0;
  Type type_ = Type::kFloat64;
  bool has_validity_ = false;
  absl::Span<const std::uint8_t> validity_;
};

/// Options shared by every engine call.
struct EngineOptions {
  /// Threads per call: 0 = std::thread::hardware_concurrency() (1 if unknown); 1 runs on
  /// the calling thread only. Results do not depend on it.
  int threads = 0;
  MissingEncoding missing_encoding = MissingEncoding::kNaN;

  /// At most this many threads per call (guards against a garbage value spawning millions).
  static constexpr int kMaxThreads = 1024;

  /// InvalidArgument for threads < 0 or > kMaxThreads, or an unknown encoding (named).
  absl::Status Validate() const;
  /// The thread count a call uses (threads, or the hardware concurrency for 0).
  int ResolvedThreads() const;
};

/// The component columns of a population (indexed by CompositeComponent); row i of every
/// used column is customer i. Columns of unused components are never read.
struct CompositeColumns {
  std::array<ColumnView, kCompositeComponentCount> column;
};

// ---------------------------------------------------------------------------
// Composite value (docs/domain.md §5).

/// Computes the statistics of every column `plan` uses over this partition (one SIMD pass
/// per column: count, min, max, sum, then M2 about each block's mean, all per block while
/// the block is in cache; plus the sorted values for percentile-rank components), and
/// validates the values as ScoreCompositeReference() does.
///
/// Errors (row indices are relative to this partition): those of ScoreCompositeReference()
/// for mismatched column lengths, an infinite value, a NaN under MissingPolicy::kReject, and
/// a customer with every used component missing under kRenormalize; also InvalidArgument
/// for a NaN in a valid slot under MissingEncoding::kValidityBitmap, a bitmap given under
/// kNaN or one too short, and invalid options. An empty partition gives an empty state.
/// When several values are bad, the one named is the first in block order (blocks of
/// kEngineBlockRows rows, each checked component by component), where the reference names
/// the first in component order: the same value whenever the bad values share a block.
absl::StatusOr<CompositeState> ComputeCompositeState(const CompositePlan& plan,
                                                     const CompositeColumns& columns,
                                                     const EngineOptions& options = {});

/// Absorbs another batch of rows into `state`: ComputeCompositeState(plan, columns) merged
/// into `state` (MergeCompositeStates() of engine_state_io.h, so the batch FOLLOWS the rows
/// already in the state). The same as computing the batch as its own partition and merging
/// it in partition order; use it to feed a state batch by batch (a stream, a database
/// aggregate's step function).
///
/// Errors: those of ComputeCompositeState() and MergeCompositeStates(); on error `state` is
/// unchanged.
absl::Status UpdateCompositeState(CompositeState& state, const CompositePlan& plan,
                                  const CompositeColumns& columns,
                                  const EngineOptions& options = {});

/// Scores the composite value of every customer of `columns` into `out` against the
/// population statistics `population` (typically merged from every partition's
/// ComputeCompositeState()). Per customer, in component order, the reference's operations:
/// n = normalizer(x), sum += weight · n (no FMA), out = sum, or sum / present weight under
/// kRenormalize when a component is missing.
///
/// Agreement with ScoreCompositeReference() over the same population: identical for
/// min-max, fixed-bounds and percentile-rank components. A z-score component uses this
/// engine's mean and standard deviation, which differ from the reference's sequential
/// Welford pass by rounding: with u = 2^-53, |Δmean| and |Δsd| are each at most about
/// N·u·(|mean| + sd) in the worst case (typically √N·u), so |Δz| <= 2·N·u·(1 + |mean|/sd +
/// |z|) and the value moves by at most the component's weight times that. A constant
/// z-score column is exact: mean = the constant, variance 0, every z 0, as in the
/// reference. Any finite values give a finite mean (a block whose plain sum would overflow,
/// values beyond about 1e308 / 16384, is summed rescaled by a power of two); the variance
/// overflows once the values spread by more than about 1e154, as the reference's does.
///
/// Errors: those of ComputeCompositeState() for the values of `columns`; InvalidArgument
/// when `out` has another length, or when `population` lacks what a normalizer needs (no
/// present values, no sorted values for a percentile rank); OutOfRange naming the column
/// when its statistics overflow (min-max range or z-score variance, as CheckStatisticsFor
/// in composite_value.h); OutOfRange naming the customer when its value overflows against
/// `population` (a newcomer far outside a column's min-max range or z-score spread, e.g.
/// a range of 1e-314). Validation runs block by block
/// with the scoring, so on error `out` may be partly written.
absl::Status ScoreComposite(const CompositePlan& plan, const CompositeColumns& columns,
                            const CompositeState& population, absl::Span<double> out,
                            const EngineOptions& options = {});

/// One batch: ComputeCompositeState() over `columns`, then ScoreComposite() against it —
/// the engine's equivalent of ScoreCompositeReference(). Two reads of each used column.
/// All validation happens in the first pass, so on error `out` is untouched.
absl::Status ScoreComposite(const CompositePlan& plan, const CompositeColumns& columns,
                            absl::Span<double> out, const EngineOptions& options = {});

// ---------------------------------------------------------------------------
// Quantile states, value tiers (§2.2) and RFM quintile scores.

/// The sorted values of `values` (each block sorted on its own thread, then merged).
///
/// Errors: InvalidArgument naming the index of the first non-finite value (in block order).
absl::StatusOr<QuantileState> ComputeQuantileState(absl::Span<const double> values,
                                                   const EngineOptions& options = {});

/// Absorbs `values` into `state`: ComputeQuantileState(values) merged into it (exact).
/// Errors: those of ComputeQuantileState(), and InvalidArgument when the count would
/// overflow; on error `state` is unchanged.
absl::Status UpdateQuantileState(QuantileState& state, absl::Span<const double> values,
                                 const EngineOptions& options = {});

/// The value-tier cut-offs of a population (crmcore::AssignValueTiers() in value_tier.h): the seat
/// counts of PyramidCutoffCounts() and the value in each tier's last seat, +Inf for a tier
/// without seats (no finite value reaches it).
struct TierCutoffs {
  std::int64_t population = 0;
  std::array<std::int64_t, kValueTierCount - 1> seats{};
  std::array<double, kValueTierCount - 1> value{};
};

/// Cut-offs from the exact sorted values of a (merged) population.
///
/// Errors: InvalidArgument for fractions that fail PyramidFractions::Validate().
absl::StatusOr<TierCutoffs> TierCutoffsFrom(const QuantileState& population,
                                            const PyramidFractions& fractions = {});

/// Cut-offs of `values` by exact selection without sorting or copying the column: a pass
/// for the key range, a histogram pass over the keys' leading bits that locates each
/// cut-off's bucket, and a pass gathering only those buckets' values, selected exactly.
/// A column of whole numbers whose range is narrower than 2^16 (days, counts) needs no
/// gathering pass: its histogram has a bucket per value and answers exactly by itself
/// (a cut-off at zero is then +0.0 even if the column holds -0.0, which compares equal).
/// Errors: invalid fractions; a non-finite value (index named).
absl::StatusOr<TierCutoffs> ComputeTierCutoffs(absl::Span<const double> values,
                                               const PyramidFractions& fractions = {},
                                               const EngineOptions& options = {});

/// out[i] = the most valuable tier whose cut-off values[i] reaches (value >= cut-off;
/// ties at a cut-off go to the higher tier), else kSmall — value_tier.h's rule.
///
/// Errors: InvalidArgument for lengths that differ or a non-finite value (index named; out
/// may be partly written).
absl::Status AssignTiers(absl::Span<const double> values, const TierCutoffs& cutoffs,
                         absl::Span<ValueTier> out, const EngineOptions& options = {});

/// One batch: ComputeTierCutoffs() then AssignTiers(); identical to crmcore::AssignValueTiers() of
/// value_tier.h, including its errors (on error `out` is untouched).
absl::Status AssignPyramidTiers(absl::Span<const double> values, absl::Span<ValueTier> out,
                              const PyramidFractions& fractions = {},
                              const EngineOptions& options = {});

/// The RFM quintile rule of rfm_score.h as four thresholds on a "better is larger" key
/// (key = value for kHigherIsBetter, −value for kLowerIsBetter): score = 1 + the number
/// of thresholds the key reaches. threshold[k − 1] is the least key whose mid-rank p gives
/// 1 + floor(5p) >= k + 1, +Inf when no key does. The mid-rank grows strictly with the
/// key, so the thresholds reproduce the reference score for score.
struct RfmThresholds {
  RfmDirection direction = RfmDirection::kHigherIsBetter;
  std::array<double, kRfmScoreClasses - 1> threshold{};
};

/// Thresholds from the exact sorted values of a (merged) population, O(log N).
/// Errors: InvalidArgument for an unknown direction or an empty population.
absl::StatusOr<RfmThresholds> RfmThresholdsFrom(const QuantileState& population,
                                                RfmDirection direction);

/// Scores each value 1..5 against `thresholds`. Errors: lengths that differ, a non-finite
/// value (index named; out may be partly written).
absl::Status ScoreRfm(absl::Span<const double> values, const RfmThresholds& thresholds,
                      absl::Span<std::int8_t> out_scores, const EngineOptions& options = {});

/// One batch, identical to crmcore::RfmQuintileScores() of rfm_score.h (scores and errors; on error
/// `out_scores` is untouched): the four quintile keys and their tie counts by the exact
/// selection of ComputeTierCutoffs() (range, histogram and, unless the column holds whole
/// numbers of a narrow range, gathering passes; no sort, no copy of the column), then one
/// scoring pass.
absl::Status ScoreRfmQuintiles(absl::Span<const double> values, RfmDirection direction,
                               absl::Span<std::int8_t> out_scores,
                               const EngineOptions& options = {});

// ---------------------------------------------------------------------------
// Satisfaction degree C = B / A (docs/domain.md §3.1) column-wise.

/// out_c[i] = SatisfactionRatio(perceived_value_b[i], expectation_a[i]) (satisfaction.h).
///
/// Errors: InvalidArgument when the three lengths differ; otherwise the reference's error
/// for the first bad customer (InvalidArgument for a non-finite B, a non-finite or
/// non-positive A; OutOfRange when C overflows), prefixed with its index
/// ("satisfaction ratio at index 7: ..."). On error out_c may be partly written.
absl::Status SatisfactionRatios(absl::Span<const double> perceived_value_b,
                                absl::Span<const double> expectation_a,
                                absl::Span<double> out_c, const EngineOptions& options = {});

// ---------------------------------------------------------------------------
// Customer satisfaction index (CSI, docs/domain.md §3.4) column-wise.

/// Number of satisfaction indicators (columns of a SatisfactionIndicatorColumns).
inline constexpr std::size_t kSatisfactionIndicatorCount = TaxonomySize<SatisfactionIndicator>();

/// The scale [min, max] an indicator is read on (IndicatorReading's min and max), the same
/// for every customer: a 1–5 survey, a rate in [0, 1], an amount between known extremes.
struct IndicatorScale {
  double min = 0.0;
  double max = 1.0;
};

/// A validated satisfaction index plan: a scale and a weight per SatisfactionIndicator,
/// and what a missing reading means. Immutable and cheap to copy; safe to share between
/// threads.
class SatisfactionIndexPlan {
 public:
  using Scales = std::array<IndicatorScale, kSatisfactionIndicatorCount>;

  /// Builds a plan. `scales` and `weights` are indexed by SatisfactionIndicator.
  ///
  /// `missing`: kReject (default) makes a missing reading an error, as the scalar
  /// reference has no missing readings. kRenormalize skips it: the customer's index is the
  /// weighted mean over the indicators it has, Σ_present w·score / Σ_present w — exactly
  /// SatisfactionIndex() with the missing indicators' weights set to 0.
  ///
  /// Errors: those of SatisfactionIndexWeights::Validate() (checked first); then
  /// InvalidArgument naming the first indicator whose scale is not finite with min < max
  /// (IndicatorScore()'s message); an unknown MissingPolicy.
  static absl::StatusOr<SatisfactionIndexPlan> Create(
      const Scales& scales, const SatisfactionIndexWeights& weights = {},
      MissingPolicy missing = MissingPolicy::kReject);

  const IndicatorScale& scale(SatisfactionIndicator indicator) const {
    return scales_[static_cast<std::size_t>(indicator)];
  }
  /// The weight of `indicator` as the reference uses it: the raw weight times the power of
  /// two that brings the largest into [0.5, 1) (ScaledWeights(), weights.h).
  double scaled_weight(SatisfactionIndicator indicator) const {
    return scaled_weights_[static_cast<std::size_t>(indicator)];
  }
  /// The sum of the scaled weights, added in indicator order as the reference does.
  double weight_sum() const { return weight_sum_; }
  MissingPolicy missing_policy() const { return missing_; }

 private:
  SatisfactionIndexPlan(const Scales& scales,
                        const std::array<double, kSatisfactionIndicatorCount>& scaled_weights,
                        double weight_sum, MissingPolicy missing)
      : scales_(scales), scaled_weights_(scaled_weights), weight_sum_(weight_sum),
        missing_(missing) {}

  Scales scales_;
  std::array<double, kSatisfactionIndicatorCount> scaled_weights_;
  double weight_sum_;
  MissingPolicy missing_;
};

/// The six indicator columns of a population, indexed by SatisfactionIndicator; row i of
/// every column is customer i. All six are read (even those of weight 0, whose readings the
/// reference validates too) and must have the same length.
struct SatisfactionIndicatorColumns {
  std::array<ColumnView, kSatisfactionIndicatorCount> column;
};

/// out[i] = SatisfactionIndex() of customer i (satisfaction.h) for the plan's scales and
/// weights: IDENTICAL to the scalar reference, value for value, on every SIMD target and
/// for any thread count. The kernel is ScoreComposite()'s weighted-sum kernel, each
/// indicator an affine normalizer (x − offset) / scale that performs the reference's
/// subtraction and division, summed in indicator order, then divided by the weight sum.
/// Scales whose width max − min overflows are scored on halved values, as the reference
/// does. A block holding a missing or invalid reading is scored by the scalar path.
///
/// Missing readings: a NaN under MissingEncoding::kNaN, an unset validity bit under
/// kValidityBitmap (where a NaN in a valid slot is an invalid reading); the plan's
/// MissingPolicy says what they mean.
///
/// Errors: InvalidArgument for invalid options, columns of different lengths (named), an
/// `out` of another length, a validity bitmap under kNaN or one too short; then, for the
/// first bad customer in row order, the reference's error for its first bad reading in
/// indicator order (non-finite, or outside its scale), prefixed with the row
/// ("satisfaction index at index 7: satisfaction index: complaint_rate value must lie in
/// [0, 1], got 2"); a missing reading under kReject ("... index 7: complaint_rate is
/// missing"); under kRenormalize a customer without a present indicator of positive weight.
/// On error `out` may be partly written.
absl::Status ScoreSatisfactionIndex(const SatisfactionIndexPlan& plan,
                                    const SatisfactionIndicatorColumns& columns,
                                    absl::Span<double> out, const EngineOptions& options = {});

// ---------------------------------------------------------------------------
// Engine-allocated outputs: each one-batch call above, returning a new column of N
// results instead of writing the caller's (named Compute*, like the other calls that
// return new objects, rather than overloaded: `{}` for an output span stays unambiguous).
// Results and errors are the same as the caller-provided form's, which avoids the
// allocation when the host already owns the memory (a database column, a numpy array).

absl::StatusOr<std::vector<double>> ComputeCompositeValues(const CompositePlan& plan,
                                                           const CompositeColumns& columns,
                                                           const EngineOptions& options = {});
absl::StatusOr<std::vector<ValueTier>> ComputePyramidTiers(
    absl::Span<const double> values, const PyramidFractions& fractions = {},
    const EngineOptions& options = {});
absl::StatusOr<std::vector<std::int8_t>> ComputeRfmQuintiles(absl::Span<const double> values,
                                                             RfmDirection direction,
                                                             const EngineOptions& options = {});
absl::StatusOr<std::vector<double>> ComputeSatisfactionRatios(
    absl::Span<const double> perceived_value_b, absl::Span<const double> expectation_a,
    const EngineOptions& options = {});
absl::StatusOr<std::vector<double>> ComputeSatisfactionIndex(
    const SatisfactionIndexPlan& plan, const SatisfactionIndicatorColumns& columns,
    const EngineOptions& options = {});

}  // namespace engine
}  // namespace crmcore

#endif  // CRMCORE_ENGINE_H_

// The engine's order statistics (include/crmcore/engine.h): quantile states (sorted
// blocks, merged), the exact selection behind value tiers and RFM quintile scores (a range
// pass, a histogram of ordered keys, a gathering pass; whole-number columns of a narrow
// range by one histogram), tier cut-offs and RFM thresholds, and the scoring pass (the
// SIMD kernel of order_kernels.cc, writing scores and tiers in place).
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crmcore/engine.h"
#include "crmcore/rfm_score.h"
#include "crmcore/status.h"
#include "crmcore/value_tier.h"
#include "engine/engine_internal.h"
#include "engine/order_kernels.h"
#include "engine/parallel.h"

namespace crmcore {
namespace engine {
namespace {

using internal::BlockCount;
using internal::BlockRange;
using internal::FirstError;
using internal::ForEachBlock;
using internal::kInf;
using internal::MergeSortedRuns;
using internal::RangeOf;
using internal::WorkerCount;


// 1 when x is an infinity or a NaN (exponent bits all ones), from the bits alone: unlike
// std::isfinite in a loop, this vectorizes, and it raises no floating-point exception.
inline std::uint64_t NonFiniteBit(double x) {
  constexpr std::uint64_t kExponent = 0x7FF0000000000000ULL;
  return (std::bit_cast<std::uint64_t>(x) & kExponent) == kExponent ? 1 : 0;
}

absl::Status NonFiniteError(absl::string_view context, std::size_t index, double x) {
  return absl::InvalidArgumentError(absl::StrCat(context, ": value at index ", index,
                                                 " must be finite, got ", FormatDouble(x)));
}

// Copies `values` (negated when `negate`) into `keys`, in parallel blocks, checking that
// every value is finite (the first bad index in block order is reported).
absl::Status CopyFiniteKeys(absl::Span<const double> values, bool negate,
                            absl::string_view context, int threads, std::vector<double>& keys) {
  keys.resize(values.size());
  const std::size_t blocks = BlockCount(values.size());
  std::vector<absl::Status> errors(blocks);
  ForEachBlock(blocks, threads, [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    std::uint64_t non_finite = 0;
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      const double x = values[i];
      non_finite |= NonFiniteBit(x);
      keys[i] = negate ? -x : x;
    }
    if (non_finite == 0) return;
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      if (!std::isfinite(values[i])) {
        errors[block] = NonFiniteError(context, i, values[i]);
        return;
      }
    }
  });
  return FirstError(errors);
}

// Count of keys < v, count of keys == v, and the least key > v.
struct Neighbourhood {
  std::int64_t below = 0;
  std::int64_t equal = 0;
  double next_above = kInf;
};

// Exact selection without sorting or copying the column: doubles map to unsigned keys in
// the same order (OrderedKey), a histogram of the keys' leading bits over the column's
// key range locates each requested rank's bucket, and only the values in those buckets
// are gathered and selected (recursively, when a bucket is still large). Counts are exact
// integers, so the result does not depend on the thread count.
std::uint64_t OrderedKey(double x) {
  const double normalized = x + 0.0;  // -0.0 becomes +0.0: they compare equal
  std::uint64_t bits = 0;
  std::memcpy(&bits, &normalized, sizeof(bits));
  constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  // Negative: all bits flipped; otherwise the sign bit set. Branch-free (arithmetic shift
  // of the sign), as this runs for every value in the histogram and gathering passes.
  const auto flip = static_cast<std::uint64_t>(static_cast<std::int64_t>(bits) >> 63) | kSign;
  return bits ^ flip;
}

constexpr int kHistogramBits = 16;
constexpr std::size_t kSmallSelection = 4096;

// The range of a finite column: its least and greatest OrderedKey, and whether every
// value is a whole number.
struct KeyRange {
  std::uint64_t least = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t greatest = 0;
  bool integral = true;
};

// Validates that every value is finite (first bad index in block order) and returns its
// KeyRange.
absl::StatusOr<KeyRange> FiniteKeyRange(absl::Span<const double> values,
                                        absl::string_view context, int threads) {
  const std::size_t blocks = BlockCount(values.size());
  std::vector<absl::Status> errors(blocks);
  std::vector<KeyRange> ranges(blocks);
  ForEachBlock(blocks, threads, [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    const internal::FiniteRange range =
        internal::ComputeFiniteRange(values.data() + rows.begin, rows.size);
    if (!range.non_finite) {
      ranges[block] = {OrderedKey(range.least), OrderedKey(range.greatest), range.integral};
      return;
    }
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      if (!std::isfinite(values[i])) {
        errors[block] = NonFiniteError(context, i, values[i]);
        return;
      }
    }
  });
  CRM_RETURN_IF_ERROR(FirstError(errors));
  KeyRange range;
  for (const KeyRange& block : ranges) {
    range.least = std::min(range.least, block.least);
    range.greatest = std::max(range.greatest, block.greatest);
    range.integral = range.integral && block.integral;
  }
  return range;
}

// The inverse of OrderedKey (for +0.0's key it gives +0.0).
double ValueOfKey(std::uint64_t key) {
  constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  const std::uint64_t bits = (key & kSign) != 0 ? key ^ kSign : ~key;
  double x = 0.0;
  std::memcpy(&x, &bits, sizeof(x));
  return x;
}

// The values at ascending ranks `ranks` (each < values.size()) of finite `values` whose
// keys lie in [least, greatest].
std::vector<double> SelectRanks(absl::Span<const double> values,
                                const std::vector<std::size_t>& ranks, std::uint64_t least,
                                std::uint64_t greatest, int threads) {
  std::vector<double> selected(ranks.size());
  if (ranks.empty()) return selected;
  if (least == greatest) {  // every value is equal
    std::fill(selected.begin(), selected.end(), values[0]);
    return selected;
  }
  if (values.size() <= kSmallSelection) {
    std::vector<double> copy(values.begin(), values.end());
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(ranks[r]),
                       copy.end());
      selected[r] = copy[ranks[r]];
    }
    return selected;
  }
  const std::uint64_t span = greatest - least;
  int width = 0;
  while (width < 64 && (span >> width) != 0) ++width;
  const int shift = std::max(0, width - kHistogramBits);
  const std::size_t buckets = static_cast<std::size_t>(span >> shift) + 1;
  const auto bucket_of = [&](double x) {
    return static_cast<std::size_t>((OrderedKey(x) - least) >> shift);
  };

  // Histogram, one per worker (integer counts: the sum is exact in any order).
  const std::size_t blocks = BlockCount(values.size());
  const std::size_t workers = WorkerCount(threads, blocks);
  // size_t counters: a bucket can hold more than 2^32 values.
  std::vector<std::vector<std::size_t>> histograms(workers, std::vector<std::size_t>(buckets, 0));
  ForEachBlock(blocks, threads, [&](std::size_t worker, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    std::size_t* histogram = histograms[worker].data();
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) ++histogram[bucket_of(values[i])];
  });
  // Each rank's bucket and its rank among the bucket's values.
  std::vector<std::size_t> bucket_of_rank(ranks.size());
  std::vector<std::size_t> rank_in_bucket(ranks.size());
  std::size_t below = 0;
  std::size_t r_sorted = 0;
  std::vector<std::size_t> order(ranks.size());
  for (std::size_t r = 0; r < order.size(); ++r) order[r] = r;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ranks[a] < ranks[b]; });
  for (std::size_t b = 0; b < buckets && r_sorted < order.size(); ++b) {
    std::size_t count = 0;
    for (const auto& histogram : histograms) count += histogram[b];
    while (r_sorted < order.size() && ranks[order[r_sorted]] < below + count) {
      bucket_of_rank[order[r_sorted]] = b;
      rank_in_bucket[order[r_sorted]] = ranks[order[r_sorted]] - below;
      ++r_sorted;
    }
    below += count;
  }
  // Gather the values of the wanted buckets (per block, concatenated in block order).
  std::vector<std::size_t> wanted(bucket_of_rank);
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::vector<std::vector<std::vector<double>>> gathered(
      wanted.size(), std::vector<std::vector<double>>(blocks));
  ForEachBlock(blocks, threads, [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      const std::size_t b = bucket_of(values[i]);
      for (std::size_t w = 0; w < wanted.size(); ++w) {
        if (b == wanted[w]) gathered[w][block].push_back(values[i]);
      }
    }
  });
  for (std::size_t w = 0; w < wanted.size(); ++w) {
    std::vector<double> candidates;
    for (const std::vector<double>& part : gathered[w]) {
      candidates.insert(candidates.end(), part.begin(), part.end());
    }
    std::vector<std::size_t> sub_ranks;
    std::vector<std::size_t> sub_index;
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      if (bucket_of_rank[r] != wanted[w]) continue;
      sub_ranks.push_back(rank_in_bucket[r]);
      sub_index.push_back(r);
    }
    const std::uint64_t sub_least = least + (static_cast<std::uint64_t>(wanted[w]) << shift);
    const std::uint64_t sub_greatest =
        std::min(greatest, sub_least + ((std::uint64_t{1} << shift) - 1));
    const std::vector<double> sub =
        SelectRanks(candidates, sub_ranks, sub_least, sub_greatest, 1);
    for (std::size_t k = 0; k < sub.size(); ++k) selected[sub_index[k]] = sub[k];
  }
  return selected;
}

// What tiers and RFM thresholds need about the value at one ascending rank: the value,
// how many values are below it and equal to it, and its nearest distinct neighbours.
struct RankProbe {
  double value = 0.0;
  std::int64_t less = 0;
  std::int64_t equal = 0;
  double least_greater = kInf;
  double greatest_less = -kInf;
};

// Adds the counts and extremes of `candidates` around probe.value to `probe`.
void AccumulateAround(absl::Span<const double> candidates, RankProbe& probe) {
  const double v = probe.value;
  std::int64_t less = 0;
  std::int64_t equal = 0;
  double least_greater = kInf;
  double greatest_less = -kInf;
  for (const double c : candidates) {
    less += c < v ? 1 : 0;
    equal += c == v ? 1 : 0;
    least_greater = c > v && c < least_greater ? c : least_greater;
    greatest_less = c < v && c > greatest_less ? c : greatest_less;
  }
  probe.less += less;
  probe.equal += equal;
  probe.least_greater = std::min(probe.least_greater, least_greater);
  probe.greatest_less = std::max(probe.greatest_less, greatest_less);
}

// Per-bucket counts of a histogram pass (integer counts: the sum is exact in any order, so
// the result does not depend on the thread count). Counter is uint32_t when no worker can
// see 2^32 values, which halves the table a worker keeps in cache.
template <class Counter, class BucketOf>
std::vector<std::uint64_t> BucketCounts(absl::Span<const double> values, std::size_t buckets,
                                        const BucketOf& bucket_of, int threads) {
  const std::size_t blocks = BlockCount(values.size());
  const std::size_t workers = WorkerCount(threads, blocks);
  std::vector<std::vector<Counter>> histograms(workers, std::vector<Counter>(buckets, 0));
  ForEachBlock(blocks, threads, [&](std::size_t worker, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    Counter* histogram = histograms[worker].data();
    const double* x = values.data() + rows.begin;
    // A local copy: the counters' stores could alias the captured shift (an int) of the
    // caller's object, which the compiler would then reload for every value.
    const BucketOf bucket = bucket_of;
    for (std::size_t i = 0; i < rows.size; ++i) ++histogram[bucket(x[i])];
  });
  std::vector<std::uint64_t> total(buckets, 0);
  for (const auto& histogram : histograms) {
    for (std::size_t b = 0; b < buckets; ++b) total[b] += histogram[b];
  }
  return total;
}

// Where a rank falls in a histogram: its bucket, the count of values in lower buckets,
// and the nearest non-empty buckets below and above (kNoBucket when there is none).
constexpr std::size_t kNoBucket = std::numeric_limits<std::size_t>::max();
struct RankBucket {
  std::size_t bucket = 0, below = 0, previous = kNoBucket, next = kNoBucket;
};

// The RankBucket of each rank (< the total count) given the per-bucket counts.
std::vector<RankBucket> LocateRanks(const std::vector<std::uint64_t>& counts,
                                    const std::vector<std::size_t>& ranks) {
  const std::size_t buckets = counts.size();
  std::vector<std::uint64_t> cumulative(buckets + 1, 0);
  for (std::size_t b = 0; b < buckets; ++b) cumulative[b + 1] = cumulative[b] + counts[b];
  std::vector<RankBucket> where(ranks.size());
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    // The first bucket whose cumulative count passes the rank: never empty.
    const auto it = std::upper_bound(cumulative.begin() + 1, cumulative.end(),
                                     static_cast<std::uint64_t>(ranks[r]));
    RankBucket& w = where[r];
    w.bucket = static_cast<std::size_t>(it - cumulative.begin()) - 1;
    w.below = static_cast<std::size_t>(cumulative[w.bucket]);
    for (std::size_t b = w.bucket; b-- > 0;) {
      if (counts[b] != 0) {
        w.previous = b;
        break;
      }
    }
    for (std::size_t b = w.bucket + 1; b < buckets; ++b) {
      if (counts[b] != 0) {
        w.next = b;
        break;
      }
    }
  }
  return where;
}

// Columns of whole numbers whose range is narrower than this (recency in days, purchase
// counts) are probed by one exact histogram of their values.
constexpr double kWholeNumberBuckets = 1 << kHistogramBits;

// ProbeRanks for whole-number values in [least, least + buckets): one histogram with a
// bucket per value answers everything (the value at a rank, the counts below and equal,
// the nearest present values either side), so no value is gathered. x - least is exact
// (a whole number below 2^16), and so is least + b for a non-empty bucket b (a value of
// the column). A zero comes back as +0.0 even when the column holds -0.0 (they compare
// equal, so tiers and scores are the same).
std::vector<RankProbe> ProbeWholeNumbers(absl::Span<const double> values,
                                         const std::vector<std::size_t>& ranks, double least,
                                         std::size_t buckets, int threads) {
  const auto bucket_of = [least](double x) { return static_cast<std::size_t>(x - least); };
  const std::vector<std::uint64_t> counts =
      values.size() < (std::uint64_t{1} << 32)
          ? BucketCounts<std::uint32_t>(values, buckets, bucket_of, threads)
          : BucketCounts<std::uint64_t>(values, buckets, bucket_of, threads);
  const std::vector<RankBucket> where = LocateRanks(counts, ranks);
  std::vector<RankProbe> probes(ranks.size());
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const RankBucket& w = where[r];
    RankProbe& probe = probes[r];
    probe.value = least + static_cast<double>(w.bucket);
    probe.less = static_cast<std::int64_t>(w.below);
    probe.equal = static_cast<std::int64_t>(counts[w.bucket]);
    if (w.previous != kNoBucket) probe.greatest_less = least + static_cast<double>(w.previous);
    if (w.next != kNoBucket) probe.least_greater = least + static_cast<double>(w.next);
  }
  return probes;
}

// The probes of ascending ranks `ranks` (each < values.size()) of finite `values` whose keys
// lie in range.least .. range.greatest, in two passes and without copying the column: a
// histogram of the keys' leading bits locates each rank's bucket; one more pass gathers the
// values of those buckets (selected exactly, recursively when still large) and the extremes
// of the nearest non-empty buckets on either side, which hold the rank's distinct
// neighbours when its own bucket does not. Whole numbers of a narrow range need only the
// histogram (ProbeWholeNumbers).
std::vector<RankProbe> ProbeRanks(absl::Span<const double> values,
                                  const std::vector<std::size_t>& ranks, const KeyRange& range,
                                  int threads) {
  const std::uint64_t least = range.least;
  const std::uint64_t greatest = range.greatest;
  std::vector<RankProbe> probes(ranks.size());
  if (ranks.empty()) return probes;
  if (least == greatest) {  // every value is equal
    for (RankProbe& probe : probes) {
      probe.value = values[0];
      probe.equal = static_cast<std::int64_t>(values.size());
    }
    return probes;
  }
  if (values.size() <= kSmallSelection) {
    const std::vector<double> selected = SelectRanks(values, ranks, least, greatest, 1);
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      probes[r].value = selected[r];
      AccumulateAround(values, probes[r]);
    }
    return probes;
  }
  if (range.integral) {
    const double least_value = ValueOfKey(least);
    const double width = ValueOfKey(greatest) - least_value;  // exact when below 2^53
    if (width < kWholeNumberBuckets) {
      return ProbeWholeNumbers(values, ranks, least_value, static_cast<std::size_t>(width) + 1,
                               threads);
    }
  }
  const std::uint64_t span = greatest - least;
  int width = 0;
  while (width < 64 && (span >> width) != 0) ++width;
  const int shift = std::max(0, width - kHistogramBits);
  const std::size_t buckets = static_cast<std::size_t>(span >> shift) + 1;
  const auto bucket_of = [least, shift](double x) {
    return static_cast<std::size_t>((OrderedKey(x) - least) >> shift);
  };
  const std::vector<std::uint64_t> counts =
      values.size() < (std::uint64_t{1} << 32)
          ? BucketCounts<std::uint32_t>(values, buckets, bucket_of, threads)
          : BucketCounts<std::uint64_t>(values, buckets, bucket_of, threads);

  // Each rank's bucket, the values below it, and its non-empty neighbour buckets.
  const std::vector<RankBucket> where = LocateRanks(counts, ranks);
  // Slots: the rank buckets (gathered) first, then the neighbour buckets (extremes only).
  std::vector<std::int16_t> slot_of(buckets, -1);
  std::vector<std::size_t> slot_bucket;
  const auto add_slot = [&](std::size_t b) {
    if (b != kNoBucket && slot_of[b] < 0) {
      slot_of[b] = static_cast<std::int16_t>(slot_bucket.size());
      slot_bucket.push_back(b);
    }
  };
  for (const RankBucket& w : where) add_slot(w.bucket);
  const std::size_t gathered_slots = slot_bucket.size();
  for (const RankBucket& w : where) {
    add_slot(w.previous);
    add_slot(w.next);
  }
  const std::size_t slots = slot_bucket.size();
  // One bit per bucket (8 KiB at most, cache-resident) screens out the values of buckets
  // without a slot before the larger slot table is read.
  std::vector<std::uint64_t> has_slot((buckets + 63) / 64, 0);
  for (const std::size_t b : slot_bucket) has_slot[b / 64] |= std::uint64_t{1} << (b % 64);

  // The gathering pass: per block, so the gathered order (block order) and hence every
  // result is independent of the thread count.
  const std::size_t blocks = BlockCount(values.size());
  struct BlockGather {
    std::vector<std::vector<double>> values;
    std::vector<double> min, max;
  };
  std::vector<BlockGather> gathered(blocks);
  ForEachBlock(blocks, threads, [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    BlockGather& out = gathered[block];
    out.values.resize(gathered_slots);
    out.min.assign(slots, kInf);
    out.max.assign(slots, -kInf);
    const double* x = values.data() + rows.begin;
    // Locals, not the captured references: the stores below could alias them, and the
    // compiler would reload each for every value.
    const auto bucket = bucket_of;
    const std::uint64_t* const slot_bits = has_slot.data();
    const std::int16_t* const slot_index = slot_of.data();
    double* const slot_min = out.min.data();
    double* const slot_max = out.max.data();
    const std::size_t gather_below = gathered_slots;
    for (std::size_t i = 0; i < rows.size; ++i) {
      const double v = x[i];
      const std::size_t b = bucket(v);
      if ((slot_bits[b / 64] >> (b % 64) & 1) == 0) continue;
      const auto s = static_cast<std::size_t>(slot_index[b]);
      slot_min[s] = std::min(slot_min[s], v);
      slot_max[s] = std::max(slot_max[s], v);
      if (s < gather_below) out.values[s].push_back(v);
    }
  });
  std::vector<double> slot_min(slots, kInf), slot_max(slots, -kInf);
  std::vector<std::vector<double>> candidates(gathered_slots);
  for (std::size_t s = 0; s < slots; ++s) {
    for (const BlockGather& block : gathered) {
      slot_min[s] = std::min(slot_min[s], block.min[s]);
      slot_max[s] = std::max(slot_max[s], block.max[s]);
      if (s < gathered_slots) {
        candidates[s].insert(candidates[s].end(), block.values[s].begin(), block.values[s].end());
      }
    }
  }
  gathered.clear();
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const RankBucket& w = where[r];
    const auto slot = static_cast<std::size_t>(slot_of[w.bucket]);
    const std::vector<double>& in_bucket = candidates[slot];
    // The bucket's actual key range: a bucket holding one distinct value (the common case
    // for integer columns such as frequency) needs no further selection.
    const std::uint64_t sub_least = OrderedKey(slot_min[slot]);
    const std::uint64_t sub_greatest = OrderedKey(slot_max[slot]);
    RankProbe& probe = probes[r];
    probe.value = SelectRanks(in_bucket, {ranks[r] - w.below}, sub_least, sub_greatest, 1)[0];
    probe.less = static_cast<std::int64_t>(w.below);
    AccumulateAround(in_bucket, probe);
    if (probe.least_greater == kInf && w.next != kNoBucket) {
      probe.least_greater = slot_min[static_cast<std::size_t>(slot_of[w.next])];
    }
    if (probe.greatest_less == -kInf && w.previous != kNoBucket) {
      probe.greatest_less = slot_max[static_cast<std::size_t>(slot_of[w.previous])];
    }
  }
  return probes;
}

// The least key whose RFM score is >= k + 1, given the candidate (the key at ascending
// rank floor(k·N/5), below which every key scores <= k) and its neighbourhood.
double RfmThreshold(int k, std::int64_t n, double candidate, const Neighbourhood& around) {
  const int score =
      rfm_score_internal::QuintileOf(PercentileMidRank(around.below, around.equal, n));
  return score >= k + 1 ? candidate : around.next_above;
}

// Scores against thresholds, or assigns tiers against cut-offs: a parallel pass that counts
// how many of `levels` each key reaches (key = value, or -value when `negate`), writing
// base + step * count (the SIMD kernel of order_kernels.h) straight into `out`: std::int8_t
// (RFM scores) or ValueTier.
template <class Out, std::size_t kLevels>
absl::Status CountReachedLevels(absl::Span<const double> values, bool negate,
                                const std::array<double, kLevels>& levels, int base, int step,
                                absl::string_view context, const EngineOptions& options,
                                Out* out) {
  static_assert(kLevels <= 4);
  const std::size_t blocks = BlockCount(values.size());
  const int threads = options.ResolvedThreads();
  std::vector<absl::Status> errors(blocks);
  ForEachBlock(blocks, threads, [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    const bool non_finite =
        internal::CountReachedLevels(values.data() + rows.begin, rows.size, negate,
                                     levels.data(), kLevels, base, step, out + rows.begin);
    if (!non_finite) return;
    for (std::size_t i = rows.begin; i < rows.begin + rows.size; ++i) {
      if (!std::isfinite(values[i])) {
        errors[block] = NonFiniteError(context, i, values[i]);
        return;
      }
    }
  });
  return FirstError(errors);
}

}  // namespace

absl::StatusOr<QuantileState> ComputeQuantileState(absl::Span<const double> values,
                                                   const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  const int threads = options.ResolvedThreads();
  QuantileState state;
  CRM_RETURN_IF_ERROR(CopyFiniteKeys(values, false, "quantile state", threads, state.sorted));
  const std::size_t blocks = BlockCount(values.size());
  ForEachBlock(blocks, threads, [&](std::size_t, std::size_t block) {
    const BlockRange rows = RangeOf(block, values.size());
    const auto first = state.sorted.begin() + static_cast<std::ptrdiff_t>(rows.begin);
    std::sort(first, first + static_cast<std::ptrdiff_t>(rows.size));
  });
  std::vector<std::size_t> bounds;
  for (std::size_t block = 0; block < blocks; ++block) bounds.push_back(block * kEngineBlockRows);
  bounds.push_back(values.size());
  MergeSortedRuns(state.sorted, std::move(bounds), threads);
  return state;
}

absl::StatusOr<TierCutoffs> TierCutoffsFrom(const QuantileState& population,
                                            const PyramidFractions& fractions) {
  CRM_RETURN_IF_ERROR(fractions.Validate());
  TierCutoffs cutoffs;
  cutoffs.population = population.count();
  cutoffs.seats = PyramidCutoffCounts(cutoffs.population, fractions);
  for (std::size_t t = 0; t < cutoffs.seats.size(); ++t) {
    // The value in the tier's last seat: rank seats − 1 descending = N − seats ascending.
    cutoffs.value[t] = cutoffs.seats[t] == 0
                           ? kInf
                           : population.sorted[static_cast<std::size_t>(cutoffs.population -
                                                                        cutoffs.seats[t])];
  }
  return cutoffs;
}

absl::StatusOr<TierCutoffs> ComputeTierCutoffs(absl::Span<const double> values,
                                               const PyramidFractions& fractions,
                                               const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_RETURN_IF_ERROR(fractions.Validate());
  const int threads = options.ResolvedThreads();
  CRM_ASSIGN_OR_RETURN(const auto range, FiniteKeyRange(values, "pyramid", threads));
  TierCutoffs cutoffs;
  cutoffs.population = static_cast<std::int64_t>(values.size());
  cutoffs.seats = PyramidCutoffCounts(cutoffs.population, fractions);
  // The value in a tier's last seat: rank seats − 1 descending = N − seats ascending.
  std::vector<std::size_t> ranks;
  for (const std::int64_t seats : cutoffs.seats) {
    if (seats > 0) ranks.push_back(static_cast<std::size_t>(cutoffs.population - seats));
  }
  const std::vector<RankProbe> selected =
      ProbeRanks(values, ranks, range, threads);
  std::size_t next = 0;
  for (std::size_t t = 0; t < cutoffs.seats.size(); ++t) {
    cutoffs.value[t] = cutoffs.seats[t] > 0 ? selected[next++].value : kInf;
  }
  return cutoffs;
}

namespace {

// AssignTiers for an output of ValueTier or of its one-byte code.
template <class Out>
absl::Status AssignTiersTo(absl::Span<const double> values, const TierCutoffs& cutoffs,
                           absl::Span<Out> out, const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  if (out.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("pyramid: out has ", out.size(),
                                                   " elements but value has ", values.size()));
  }
  // Cut-offs never increase from VIP to ordinary, so reaching k of them means reaching the
  // k least valuable ones: the tier is kSmall − k.
  return CountReachedLevels(values, false, cutoffs.value, static_cast<int>(ValueTier::kSmall), -1,
                            "pyramid", options, out.data());
}

template <class Out>
absl::Status AssignPyramidTiersTo(absl::Span<const double> values, absl::Span<Out> out,
                                  const PyramidFractions& fractions,
                                  const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_RETURN_IF_ERROR(fractions.Validate());
  if (out.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("pyramid: out has ", out.size(),
                                                   " elements but value has ", values.size()));
  }
  CRM_ASSIGN_OR_RETURN(const TierCutoffs cutoffs, ComputeTierCutoffs(values, fractions, options));
  return AssignTiersTo(values, cutoffs, out, options);
}

}  // namespace

absl::Status AssignTiers(absl::Span<const double> values, const TierCutoffs& cutoffs,
                         absl::Span<ValueTier> out, const EngineOptions& options) {
  return AssignTiersTo(values, cutoffs, out, options);
}

absl::Status AssignTiers(absl::Span<const double> values, const TierCutoffs& cutoffs,
                         absl::Span<std::int8_t> out, const EngineOptions& options) {
  return AssignTiersTo(values, cutoffs, out, options);
}

absl::Status AssignPyramidTiers(absl::Span<const double> values, absl::Span<ValueTier> out,
                                const PyramidFractions& fractions, const EngineOptions& options) {
  return AssignPyramidTiersTo(values, out, fractions, options);
}

absl::Status AssignPyramidTiers(absl::Span<const double> values, absl::Span<std::int8_t> out,
                                const PyramidFractions& fractions, const EngineOptions& options) {
  return AssignPyramidTiersTo(values, out, fractions, options);
}

absl::StatusOr<RfmThresholds> RfmThresholdsFrom(const QuantileState& population,
                                                RfmDirection direction) {
  if (direction != RfmDirection::kHigherIsBetter && direction != RfmDirection::kLowerIsBetter) {
    return absl::InvalidArgumentError(
        absl::StrCat("rfm score: unknown direction ", static_cast<int>(direction)));
  }
  const std::vector<double>& sorted = population.sorted;
  const std::int64_t n = population.count();
  if (n == 0) {
    return absl::InvalidArgumentError("rfm score: the population has no values");
  }
  const bool lower_is_better = direction == RfmDirection::kLowerIsBetter;
  RfmThresholds thresholds;
  thresholds.direction = direction;
  for (int k = 1; k < kRfmScoreClasses; ++k) {
    const auto rank = static_cast<std::size_t>(k * n / kRfmScoreClasses);
    // The key at ascending key rank `rank`: keys are values, or negated values in reverse.
    const double value = lower_is_better ? sorted[sorted.size() - 1 - rank] : sorted[rank];
    const auto [first_equal, past_equal] = std::equal_range(sorted.begin(), sorted.end(), value);
    Neighbourhood around;
    around.equal = past_equal - first_equal;
    if (lower_is_better) {
      around.below = sorted.end() - past_equal;
      around.next_above = first_equal == sorted.begin() ? kInf : -*(first_equal - 1);
    } else {
      around.below = first_equal - sorted.begin();
      around.next_above = past_equal == sorted.end() ? kInf : *past_equal;
    }
    thresholds.threshold[static_cast<std::size_t>(k - 1)] =
        RfmThreshold(k, n, lower_is_better ? -value : value, around);
  }
  return thresholds;
}

absl::Status ScoreRfm(absl::Span<const double> values, const RfmThresholds& thresholds,
                      absl::Span<std::int8_t> out_scores, const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  if (out_scores.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("rfm score: out_scores has ", out_scores.size(),
                                                   " elements but values has ", values.size()));
  }
  return CountReachedLevels(values, thresholds.direction == RfmDirection::kLowerIsBetter,
                            thresholds.threshold, 1, 1, "rfm score", options, out_scores.data());
}

absl::Status ScoreRfmQuintiles(absl::Span<const double> values, RfmDirection direction,
                               absl::Span<std::int8_t> out_scores, const EngineOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  if (out_scores.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("rfm score: out_scores has ", out_scores.size(),
                                                   " elements but values has ", values.size()));
  }
  if (direction != RfmDirection::kHigherIsBetter && direction != RfmDirection::kLowerIsBetter) {
    return absl::InvalidArgumentError(
        absl::StrCat("rfm score: unknown direction ", static_cast<int>(direction)));
  }
  if (values.empty()) return absl::OkStatus();
  const int threads = options.ResolvedThreads();
  const bool lower_is_better = direction == RfmDirection::kLowerIsBetter;
  CRM_ASSIGN_OR_RETURN(const auto range, FiniteKeyRange(values, "rfm score", threads));
  const auto n = static_cast<std::int64_t>(values.size());
  // Key rank j (key = −value when lower is better) is value rank N − 1 − j.
  std::vector<std::size_t> ranks;
  for (int k = 1; k < kRfmScoreClasses; ++k) {
    const auto key_rank = static_cast<std::size_t>(k * n / kRfmScoreClasses);
    ranks.push_back(lower_is_better ? values.size() - 1 - key_rank : key_rank);
  }
  const std::vector<RankProbe> around =
      ProbeRanks(values, ranks, range, threads);
  RfmThresholds thresholds;
  thresholds.direction = direction;
  for (std::size_t k = 0; k < around.size(); ++k) {
    Neighbourhood key_around;
    key_around.equal = around[k].equal;
    if (lower_is_better) {
      key_around.below = n - around[k].less - around[k].equal;
      key_around.next_above = -around[k].greatest_less;
    } else {
      key_around.below = around[k].less;
      key_around.next_above = around[k].least_greater;
    }
    thresholds.threshold[k] = RfmThreshold(static_cast<int>(k) + 1, n,
                                           lower_is_better ? -around[k].value : around[k].value,
                                           key_around);
  }
  return ScoreRfm(values, thresholds, out_scores, options);
}

}  // namespace engine
}  // namespace crmcore

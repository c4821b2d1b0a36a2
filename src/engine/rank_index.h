// A bucket index over sorted doubles that answers std::equal_range exactly with about two
// cache misses instead of the ~2·log2(N) of a binary search over the whole array: the
// percentile-rank normalizer looks up every customer's value among the population's sorted
// values, and over millions of values those binary searches were most of a composite
// score's time.
//
// Buckets cut the doubles' order-preserving 64-bit keys (the IEEE bits with the sign
// folded, the map radix sorts use) into 2^B equal ranges, so they follow the values'
// binary exponent: a heavy-tailed column (spend) spreads over many buckets, not one.
// Equal values share a key (-0.0 is folded into +0.0 first), so an equal run never
// straddles two buckets and the search within one bucket is exact.
#ifndef CRMCORE_SRC_ENGINE_RANK_INDEX_H_
#define CRMCORE_SRC_ENGINE_RANK_INDEX_H_

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace crmcore::engine::internal {

class SortedRankIndex {
 public:
  /// Indexes `sorted` (ascending, no NaN), which must outlive the index.
  explicit SortedRankIndex(const std::vector<double>& sorted)
      : sorted_(sorted.data()), n_(sorted.size()) {
    if (n_ == 0) return;
    min_key_ = Key(sorted_[0]);
    const std::uint64_t range = Key(sorted_[n_ - 1]) - min_key_;
    // About 8 values a bucket, at most 2^22 buckets (32 MiB of starts at 10^8 values).
    const int bits = std::clamp(static_cast<int>(std::bit_width(n_ / 8)), 1, 22);
    shift_ = std::max(0, static_cast<int>(std::bit_width(range)) - bits);
    const std::size_t buckets = static_cast<std::size_t>(range >> shift_) + 1;
    start_.resize(buckets + 1);
    std::size_t next = 0;  // the next bucket whose start is not yet known
    for (std::size_t i = 0; i < n_; ++i) {
      // Clamped: values out of order (a hand-built state) give wrong ranks, never a write
      // outside the table.
      const std::size_t b = std::min(Bucket(sorted_[i]), buckets - 1);
      while (next <= b) start_[next++] = i;
    }
    while (next <= buckets) start_[next++] = n_;
  }

  /// Prefetch hints for a batch of lookups: the bucket's bounds first, then (once those
  /// are cached) the bucket's first values. Lookups done one by one wait for two cache
  /// misses each; a batch that prefetches both levels overlaps them. x must not be NaN.
  void PrefetchBucket(double x) const {
    if (n_ != 0 && x >= sorted_[0] && x <= sorted_[n_ - 1]) {
      __builtin_prefetch(&start_[std::min(Bucket(x), start_.size() - 2)]);
    }
  }
  void PrefetchValues(double x) const {
    if (n_ != 0 && x >= sorted_[0] && x <= sorted_[n_ - 1]) {
      __builtin_prefetch(sorted_ + start_[std::min(Bucket(x), start_.size() - 2)]);
    }
  }

  /// [first, past): the positions of the values equal to x in the sorted array, as
  /// std::equal_range gives them. x must not be NaN.
  std::pair<std::size_t, std::size_t> EqualRange(double x) const {
    if (n_ == 0 || x < sorted_[0]) return {0, 0};
    if (x > sorted_[n_ - 1]) return {n_, n_};
    const std::size_t b = std::min(Bucket(x), start_.size() - 2);
    const double* lo = sorted_ + start_[b];
    const double* hi = sorted_ + start_[b + 1];
    const double* first = std::lower_bound(lo, hi, x);
    const double* past = std::upper_bound(first, hi, x);
    return {static_cast<std::size_t>(first - sorted_), static_cast<std::size_t>(past - sorted_)};
  }

 private:
  // Order-preserving key: negative doubles have their bits flipped, positive ones their
  // sign bit set; adding +0.0 first turns -0.0 into +0.0, which compares equal to it.
  static std::uint64_t Key(double x) {
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(x + 0.0);
    return (bits >> 63) != 0 ? ~bits : bits | (std::uint64_t{1} << 63);
  }
  std::size_t Bucket(double x) const {
    return static_cast<std::size_t>((Key(x) - min_key_) >> shift_);
  }

  const double* sorted_;
  std::size_t n_;
  std::uint64_t min_key_ = 0;
  int shift_ = 0;
  std::vector<std::size_t> start_;  // bucket b's values are [start_[b], start_[b + 1])
};

}  // namespace crmcore::engine::internal

#endif  // CRMCORE_SRC_ENGINE_RANK_INDEX_H_

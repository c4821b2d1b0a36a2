// The engine's bucket index over sorted values (src/engine/rank_index.h) against
// std::equal_range, which the percentile-rank normalizer's reference uses.
#include "engine/rank_index.h"

#include "engine/engine_internal.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace crmcore::engine::internal {
namespace {

// Every value of the column, its neighbours and values around and outside it give the
// positions std::equal_range gives.
void ExpectEqualRanges(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const SortedRankIndex index(values);
  std::vector<double> probes = values;
  for (const double v : values) {
    probes.push_back(std::nextafter(v, -std::numeric_limits<double>::infinity()));
    probes.push_back(std::nextafter(v, std::numeric_limits<double>::infinity()));
  }
  probes.insert(probes.end(), {0.0, -0.0, 1.0, -1.0, 1e300, -1e300,
                               std::numeric_limits<double>::denorm_min(),
                               std::numeric_limits<double>::max(),
                               std::numeric_limits<double>::lowest()});
  for (const double x : probes) {
    const auto [first, past] = std::equal_range(values.begin(), values.end(), x);
    const auto [got_first, got_past] = index.EqualRange(x);
    ASSERT_EQ(got_first, static_cast<size_t>(first - values.begin())) << "x = " << x;
    ASSERT_EQ(got_past, static_cast<size_t>(past - values.begin())) << "x = " << x;
  }
}

TEST(SortedRankIndexTest, SmallAndDegenerateColumns) {
  ExpectEqualRanges({});
  ExpectEqualRanges({3.5});
  ExpectEqualRanges({2, 2, 2, 2});
  ExpectEqualRanges({-0.0, 0.0, -0.0, 0.0, 1});  // -0.0 and +0.0 are one run
  ExpectEqualRanges({-1e308, 1e308});
  ExpectEqualRanges({std::numeric_limits<double>::denorm_min(), 0.0,
                     -std::numeric_limits<double>::denorm_min()});
}

TEST(SortedRankIndexTest, LargeColumnsOfEveryShape) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> spend(3.0, 2.0);      // heavy tail
  std::poisson_distribution<int> counts(0.7);              // a few values, huge ties
  std::normal_distribution<double> signed_values(0.0, 1e-3);
  for (const size_t n : {100u, 5000u, 70000u}) {
    std::vector<double> a(n), b(n), c(n);
    for (size_t i = 0; i < n; ++i) {
      a[i] = std::round(spend(rng) * 100) / 100;
      b[i] = counts(rng);
      c[i] = signed_values(rng);
    }
    ExpectEqualRanges(a);
    ExpectEqualRanges(b);
    ExpectEqualRanges(c);
  }
}

// The radix sort the composite state uses gives std::sort's order (equal values compare
// equal; -0.0 and +0.0 may swap), on every shape of column and both sides of its
// small-input cut-over.
TEST(RadixSortDoublesTest, SortsLikeStdSort) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> spend(3.0, 2.0);
  std::normal_distribution<double> signed_values(0.0, 1e6);
  std::uniform_int_distribution<int> small(0, 40);
  for (const size_t n : {0u, 1u, 1000u, 1023u, 1024u, 5000u, 100000u}) {
    for (int shape = 0; shape < 4; ++shape) {
      std::vector<double> values(n);
      for (size_t i = 0; i < n; ++i) {
        switch (shape) {
          case 0: values[i] = spend(rng); break;
          case 1: values[i] = signed_values(rng); break;
          case 2: values[i] = small(rng); break;  // whole numbers: most passes skipped
          default:
            values[i] = i % 5 == 0   ? -0.0
                        : i % 5 == 1 ? 0.0
                        : i % 5 == 2 ? std::numeric_limits<double>::denorm_min()
                        : i % 5 == 3 ? -std::numeric_limits<double>::max()
                                     : std::numeric_limits<double>::max();
        }
      }
      std::vector<double> expected = values;
      std::sort(expected.begin(), expected.end());
      RadixSortDoubles(values);
      ASSERT_EQ(values, expected) << "n " << n << " shape " << shape;
      ASSERT_TRUE(std::is_sorted(values.begin(), values.end()));
    }
  }
}

}  // namespace
}  // namespace crmcore::engine::internal

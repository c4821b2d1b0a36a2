// Tests of the engine kernels' division by a fixed divisor (src/engine/kernels.cc,
// FixedDivide): reciprocal, Markstein correction and a per-lane nearest-neighbour check,
// falling back to the exact division per vector. It must return a / b bit for bit on every
// SIMD target, for every a and b, so that the kernels stay bit-identical to the scalar
// reference (composite_value.h); and on targets with a native FMA it must take the fast
// path for ordinary data, or it gains nothing.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "crmcore/engine.h"
#include "engine/kernels.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace engine {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMax = std::numeric_limits<double>::max();
constexpr double kMinNormal = std::numeric_limits<double>::min();
constexpr double kMinSubnormal = std::numeric_limits<double>::denorm_min();

std::uint64_t Bits(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

double FromBits(std::uint64_t bits) {
  double x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// The double whose bit pattern is x's plus `steps` (adjacent doubles for small steps).
double Step(double x, int steps) {
  return FromBits(Bits(x) + static_cast<std::uint64_t>(static_cast<std::int64_t>(steps)));
}

struct Outcome {
  std::size_t mismatches = 0;
  std::size_t fallbacks = 0;
  std::size_t vectors = 0;
};

// Divides `a` (padded to whole vectors with 1.0) by b on the active target and compares
// every result's bits with the scalar division's.
Outcome DivideAndCompare(std::vector<double> a, double b, const std::string& label) {
  const std::size_t lanes = internal::DivideLanesForTesting();
  while (a.size() % lanes != 0) a.push_back(1.0);
  std::vector<double> out(a.size());
  Outcome outcome;
  outcome.fallbacks = internal::DivideByFixedForTesting(a.data(), a.size(), b, out.data());
  outcome.vectors = a.size() / lanes;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double expected = a[i] / b;
    if (Bits(out[i]) != Bits(expected)) {
      if (++outcome.mismatches <= 5) {
        ADD_FAILURE() << label << ": " << std::hexfloat << a[i] << " / " << b << " gave "
                      << out[i] << ", the division gives " << expected << std::defaultfloat;
      }
    }
  }
  return outcome;
}

// A random double with a uniformly random significand and an exponent in [lo, hi].
double RandomDouble(std::mt19937_64& rng, int lo, int hi) {
  std::uniform_int_distribution<int> exponent(lo, hi);
  const std::uint64_t significand = rng() & ((std::uint64_t{1} << 52) - 1);
  const double m = FromBits((std::uint64_t{1023} << 52) | significand);  // [1, 2)
  const double x = std::ldexp(m, exponent(rng));
  return (rng() & 1) != 0 ? -x : x;
}

// Divisors of every shape: random, all-ones significands (the largest reciprocal error),
// powers of two (exact reciprocals), next to 1, huge, tiny, subnormal, negative.
std::vector<double> Divisors(std::mt19937_64& rng) {
  std::vector<double> b = {1.0,  -1.0, 3.0,  -3.0, 7.0, 10.0, 0.1, 1e-3, 99.99, 100.0,
                           0.3,  Step(1.0, 1), Step(1.0, -1), Step(2.0, -1), Step(0.5, 1),
                           0x1.fffffffffffffp0, -0x1.fffffffffffffp0, 0x1.fffffffffffffp-7,
                           0x1.fffffffffffffp+40, 0x1.0000000000001p0, 0x1.5555555555555p0,
                           0x1p-1020, 0x1p1020, 0x1.8p-1020, 0x1.8p1019, 0x1p-1021, 0x1p1021,
                           1e300,  1e-300, 1e308, kMax, kMinNormal, kMinSubnormal,
                           3 * kMinSubnormal, 8.0, Step(8.0, -1)};
  for (int i = 0; i < 24; ++i) b.push_back(RandomDouble(rng, -8, 8));
  for (int i = 0; i < 12; ++i) b.push_back(RandomDouble(rng, -1000, 1000));
  for (int i = 0; i < 8; ++i) {
    // All-ones significands at random binades.
    b.push_back(std::ldexp(0x1.fffffffffffffp0, std::uniform_int_distribution<int>(-60, 60)(rng)));
  }
  return b;
}

// Dividends for divisor b: random over a wide exponent range and near b's scale, quotients
// at binade boundaries (a = b 2^k and its neighbours), near the subnormal threshold and
// near overflow, exact multiples, zeros, subnormals, infinities and NaN.
std::vector<double> Dividends(std::mt19937_64& rng, double b) {
  std::vector<double> a = {0.0,  -0.0, 1.0, -1.0, b,    -b,   kMax, -kMax, kMinNormal,
                           kMinSubnormal, -kMinSubnormal, 5 * kMinSubnormal, kInf, -kInf,
                           kNaN, -kNaN, Step(b, 1), Step(b, -1), 100.0, 0.5, 3.0};
  for (int i = 0; i < 2000; ++i) a.push_back(RandomDouble(rng, -1074 + 52, 1023));
  for (int i = 0; i < 2000; ++i) a.push_back(b * RandomDouble(rng, -20, 20));
  for (int i = 0; i < 500; ++i) a.push_back(RandomDouble(rng, -1074, -1000));
  for (int k = -1080; k <= 1030; k += 7) {
    const double q = std::ldexp(1.0, k);  // 0 or Inf beyond the range: fine
    const double exact = b * q;
    for (int s = -3; s <= 3; ++s) {
      if (std::isfinite(exact)) a.push_back(Step(exact, s));
    }
    // Quotients of all-ones significand just below a binade boundary.
    a.push_back(b * std::ldexp(0x1.fffffffffffffp0, k));
  }
  // Near the subnormal threshold and near overflow, relative to b.
  for (const double q : {kMinNormal, 2 * kMinNormal, kMinNormal / 2, kMax, kMax / 2, 0x1p1021,
                         0x1p1020, 0x1p-1021, 0x1p-1023}) {
    for (int s = -4; s <= 4; ++s) a.push_back(Step(b * q, s));
  }
  // Integer-like data as the engine sees them (x - min of purchase counts, days).
  for (int i = 0; i <= 400; ++i) a.push_back(static_cast<double>(i));
  return a;
}

TEST(FixedDivideTest, BitIdenticalToDivisionOnEveryTarget) {
  const std::vector<std::string> targets = AvailableTargets();
  ASSERT_FALSE(targets.empty());
  for (const std::string& target : targets) {
    ASSERT_TRUE(ForceTargetForTesting(target).ok()) << target;
    SCOPED_TRACE("target " + target);
    std::mt19937_64 rng(20240611);
    Outcome total;
    for (const double b : Divisors(rng)) {
      const Outcome outcome =
          DivideAndCompare(Dividends(rng, b), b, target + " b=" + std::to_string(b));
      total.mismatches += outcome.mismatches;
      total.fallbacks += outcome.fallbacks;
      total.vectors += outcome.vectors;
    }
    EXPECT_EQ(total.mismatches, 0u);
    std::cout << "[ divide ] " << target << ": " << total.fallbacks << " of " << total.vectors
              << " adversarial vectors divided exactly\n";
  }
  ASSERT_TRUE(ForceTargetForTesting("").ok());
}

// Random significands over the whole exponent range, for many random divisors: the bulk
// test of the refinement and its check (about 10^7 quotients per target).
TEST(FixedDivideTest, BitIdenticalOnRandomOperands) {
  for (const std::string& target : AvailableTargets()) {
    ASSERT_TRUE(ForceTargetForTesting(target).ok()) << target;
    SCOPED_TRACE("target " + target);
    std::mt19937_64 rng(7);
    std::size_t mismatches = 0;
    for (int round = 0; round < 200; ++round) {
      const double b = round % 2 == 0 ? RandomDouble(rng, -30, 30) : RandomDouble(rng, -1000, 1000);
      std::vector<double> a(8192);
      for (double& x : a) x = RandomDouble(rng, -1022, 1023);
      mismatches += DivideAndCompare(a, b, target).mismatches;
    }
    EXPECT_EQ(mismatches, 0u);
  }
  ASSERT_TRUE(ForceTargetForTesting("").ok());
}

// The fast path must carry ordinary data: quotients of values of any magnitude by divisors
// of ordinary size fall back in well under 1 % of vectors (a fallback is a real division of
// the whole vector). Fails if the refinement is broken (every lane then fails its check).
TEST(FixedDivideTest, FastPathCarriesOrdinaryData) {
  for (const std::string& target : AvailableTargets()) {
    ASSERT_TRUE(ForceTargetForTesting(target).ok()) << target;
    if (!internal::DivideHasFastPathForTesting()) continue;
    SCOPED_TRACE("target " + target);
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> uniform(-100.0, 100.0);
    std::size_t fallbacks = 0;
    std::size_t vectors = 0;
    for (int round = 0; round < 64; ++round) {
      const double b = RandomDouble(rng, -60, 60);
      std::vector<double> a(16384);
      for (double& x : a) x = (rng() & 1) != 0 ? uniform(rng) : RandomDouble(rng, -500, 500);
      const Outcome outcome = DivideAndCompare(a, b, target);
      EXPECT_EQ(outcome.mismatches, 0u);
      fallbacks += outcome.fallbacks;
      vectors += outcome.vectors;
    }
    std::cout << "[ divide ] " << target << ": " << fallbacks << " of " << vectors
              << " ordinary vectors divided exactly\n";
    EXPECT_LT(static_cast<double>(fallbacks), 0.01 * static_cast<double>(vectors));
  }
  ASSERT_TRUE(ForceTargetForTesting("").ok());
}

}  // namespace
}  // namespace engine
}  // namespace crmcore

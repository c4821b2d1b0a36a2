// Tests of include/crmcore/weights.h (shared weight validation and normalization) and of
// FormatDouble in include/crmcore/status.h.
#include "crmcore/weights.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include <boost/multiprecision/cpp_bin_float.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::boost::multiprecision::cpp_bin_float_50;
using ::testing::HasSubstr;
using C = CompositeComponent;  // five values: small arrays for hand-worked cases
using S = ScorecardCriterion;  // ten values

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();
constexpr double kDenormMin = std::numeric_limits<double>::denorm_min();

constexpr absl::string_view kContext = "test model";

// ---------------------------------------------------------------------------
// FormatDouble (status.h)

TEST(FormatDoubleTest, ShortestRoundTripText) {
  EXPECT_EQ(FormatDouble(-1.5), "-1.5");
  EXPECT_EQ(FormatDouble(0.0), "0");
  EXPECT_EQ(FormatDouble(-0.0), "-0");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(std::nextafter(1.0, 2.0)), "1.0000000000000002");
  EXPECT_EQ(FormatDouble(kDenormMin), "5e-324");
  EXPECT_EQ(FormatDouble(kMax), "1.7976931348623157e+308");
  EXPECT_EQ(FormatDouble(-std::numeric_limits<double>::min()), "-2.2250738585072014e-308");
  EXPECT_EQ(FormatDouble(kInf), "inf");
  EXPECT_EQ(FormatDouble(-kInf), "-inf");
  EXPECT_EQ(FormatDouble(kNaN), "nan");
}

TEST(FormatDoubleTest, ReadsBackAsTheSameDouble) {
  std::mt19937_64 random(20240601);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t bits = random();
    double x;
    static_assert(sizeof(x) == sizeof(bits));
    std::memcpy(&x, &bits, sizeof(x));
    if (!std::isfinite(x)) continue;
    const std::string text = FormatDouble(x);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), x) << text;
  }
}

// ---------------------------------------------------------------------------
// Validation

TEST(WeightsTest, RejectsNegativeAndNonFiniteWeightsNamingTheValue) {
  for (const double bad : {-1.5, -kDenormMin, kNaN, kInf, -kInf}) {
    WeightsFor<C> weights = {1, 1, 1, 1, 1};
    weights[static_cast<std::size_t>(C::kCredit)] = bad;
    const absl::Status status = ValidateWeights<C>(weights, kContext);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    // The value is named by its bare Id(), never quoted.
    EXPECT_EQ(status.message(),
              "test model: weight of credit must be finite and >= 0, got " + FormatDouble(bad));
    EXPECT_EQ(NormalizeWeights<C>(weights, kContext).status(), status);
    EXPECT_EQ(ScaledWeights<C>(weights, kContext).status(), status);
  }
}

TEST(WeightsTest, NamesTheFirstBadWeight) {
  const absl::Status status = ValidateWeights<C>({1, -1, kNaN, 1, 1}, kContext);
  EXPECT_EQ(status.message(),
            "test model: weight of future_contribution must be finite and >= 0, got -1");
}

TEST(WeightsTest, RejectsAllZeroWeights) {
  const absl::Status status = ValidateWeights<C>({0, 0, -0.0, 0, 0}, kContext);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "test model: weights must not all be zero");
  EXPECT_EQ(NormalizeWeights<C>({0, 0, 0, 0, 0}, kContext).status(), status);
  // One positive weight, however small, is enough.
  EXPECT_TRUE(ValidateWeights<C>({0, 0, 0, kDenormMin, 0}, kContext).ok());
}

// A sum too large for a double is no error: only the ratios matter.
TEST(WeightsTest, AcceptsWeightsWhosePlainSumOverflows) {
  const WeightsFor<C> huge = {1e308, 1e308, 0, 0, 0};
  ASSERT_FALSE(std::isfinite(huge[0] + huge[1]));
  EXPECT_TRUE(ValidateWeights<C>(huge, kContext).ok());
  const absl::StatusOr<WeightsFor<C>> normalized = NormalizeWeights<C>(huge, kContext);
  ASSERT_TRUE(normalized.ok()) << normalized.status();
  EXPECT_EQ(*normalized, (WeightsFor<C>{0.5, 0.5, 0, 0, 0}));

  const absl::StatusOr<WeightsFor<C>> all_max =
      NormalizeWeights<C>({kMax, kMax, kMax, kMax, kMax}, kContext);
  ASSERT_TRUE(all_max.ok()) << all_max.status();
  for (const double w : *all_max) EXPECT_DOUBLE_EQ(w, 0.2);

  // Ratios 3 : 1 survive at the top of the range.
  const absl::StatusOr<WeightsFor<C>> skewed =
      NormalizeWeights<C>({kMax, kMax / 3, 0, 0, 0}, kContext);
  ASSERT_TRUE(skewed.ok()) << skewed.status();
  EXPECT_DOUBLE_EQ((*skewed)[0], 0.75);
  EXPECT_DOUBLE_EQ((*skewed)[1], 0.25);
}

// ---------------------------------------------------------------------------
// Scaling and normalization

TEST(WeightsTest, ScaledWeightsKeepRatiosExactly) {
  const WeightsFor<C> weights = {3, 0, 1.5, 6, 0.75};
  const absl::StatusOr<WeightsFor<C>> scaled = ScaledWeights<C>(weights, kContext);
  ASSERT_TRUE(scaled.ok());
  // Largest 6 = 0.75 * 2^3: every weight is divided by 8, exactly.
  EXPECT_EQ(*scaled, (WeightsFor<C>{0.375, 0, 0.1875, 0.75, 0.09375}));
  const absl::StatusOr<WeightsFor<C>> tiny = ScaledWeights<C>({0, 0, 0, kDenormMin, 0}, kContext);
  ASSERT_TRUE(tiny.ok());
  EXPECT_EQ((*tiny)[3], 0.5);
}

TEST(WeightsTest, NormalizesHandWorkedWeights) {
  const absl::StatusOr<WeightsFor<C>> normalized = NormalizeWeights<C>({2, 1, 1, 0, 0}, kContext);
  ASSERT_TRUE(normalized.ok());
  EXPECT_EQ(*normalized, (WeightsFor<C>{0.5, 0.25, 0.25, 0, 0}));
  const absl::StatusOr<WeightsFor<S>> scorecard =
      NormalizeWeights<S>({2, 1, 1, 1, 1, 1, 1, 1, 1, 0}, kContext);
  ASSERT_TRUE(scorecard.ok());
  EXPECT_EQ((*scorecard)[0], 0.2);
  EXPECT_EQ((*scorecard)[1], 0.1);
  EXPECT_EQ((*scorecard)[9], 0.0);
}

// Scaling by a power of two must not change a single bit against the plain w / sum(w)
// (with the sum added in value order) whenever that plain sum is finite: the composite
// value's reference scorer depends on these exact doubles.
TEST(WeightsTest, NormalizationIsBitIdenticalToPlainDivision) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> mantissa(0.0, 1.0);
  std::uniform_int_distribution<int> exponent(-300, 300);
  std::uniform_int_distribution<int> spread(-40, 40);
  for (int trial = 0; trial < 20000; ++trial) {
    WeightsFor<S> weights{};
    const int base = exponent(random);
    for (double& w : weights) {
      const bool zero = trial % 3 == 0 && mantissa(random) < 0.3;
      w = zero ? 0.0 : std::ldexp(mantissa(random), base + spread(random));
    }
    double sum = 0.0;
    for (const double w : weights) sum += w;
    if (!(sum > 0.0)) continue;
    const absl::StatusOr<WeightsFor<S>> normalized = NormalizeWeights<S>(weights, kContext);
    ASSERT_TRUE(normalized.ok()) << normalized.status();
    for (std::size_t i = 0; i < weights.size(); ++i) {
      ASSERT_EQ((*normalized)[i], weights[i] / sum) << "trial " << trial << " index " << i;
    }
  }
}

TEST(WeightsTest, NormalizedWeightsMatchHighPrecisionReference) {
  const WeightsFor<S> weights = {0.3, 0.1, 0.15, 0.05, 0.2, 0.13, 0.07, 1e-3, 7.5, 0};
  cpp_bin_float_50 total = 0;
  for (const double w : weights) total += w;
  const absl::StatusOr<WeightsFor<S>> normalized = NormalizeWeights<S>(weights, kContext);
  ASSERT_TRUE(normalized.ok());
  double sum = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double expected = static_cast<double>(cpp_bin_float_50(weights[i]) / total);
    // Two roundings (the sum, then the quotient) at most.
    EXPECT_NEAR((*normalized)[i], expected, 12 * std::numeric_limits<double>::epsilon() * expected)
        << i;
    sum += (*normalized)[i];
  }
  EXPECT_NEAR(sum, 1.0, 16 * std::numeric_limits<double>::epsilon());
}

}  // namespace
}  // namespace crmcore

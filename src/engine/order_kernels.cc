// Highway kernels of the order-statistics passes (order_kernels.h), compiled per target by
// foreach_target.h like kernels.cc. Comparisons, min/max and rounding to a whole number only:
// exact on every target.

#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/order_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "engine/order_kernels.h"

HWY_BEFORE_NAMESPACE();
namespace crmcore {
namespace engine {
namespace internal {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

FiniteRange ComputeFiniteRange(const double* HWY_RESTRICT x, std::size_t n) {
  const hn::ScalableTag<double> d;
  const std::size_t lanes = hn::Lanes(d);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  auto least = hn::Set(d, kInf);
  auto greatest = hn::Set(d, -kInf);
  // Non-finite lanes are collected as a mask vector; IsFinite tests the exponent bits, so
  // it raises no floating-point exception on a NaN.
  auto bad = hn::Zero(d);
  // Lanes holding a fraction. Round (to nearest) is exact, and a whole number is its own
  // rounding; only finite values matter here (a non-finite column is an error anyway).
  auto fraction = hn::Zero(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::LoadU(d, x + i);
    bad = hn::Or(bad, hn::VecFromMask(d, hn::Not(hn::IsFinite(v))));
    fraction = hn::Or(fraction, hn::VecFromMask(d, hn::Ne(hn::Round(v), v)));
    least = hn::Min(least, v);
    greatest = hn::Max(greatest, v);
  }
  FiniteRange range;
  range.least = hn::GetLane(hn::MinOfLanes(d, least));
  range.greatest = hn::GetLane(hn::MaxOfLanes(d, greatest));
  range.non_finite = !hn::AllFalse(d, hn::MaskFromVec(bad));
  range.integral = hn::AllFalse(d, hn::MaskFromVec(fraction));
  for (; i < n; ++i) {
    range.non_finite = range.non_finite || !std::isfinite(x[i]);
    range.integral = range.integral && std::nearbyint(x[i]) == x[i];
    range.least = std::min(range.least, x[i]);
    range.greatest = std::max(range.greatest, x[i]);
  }
  return range;
}

template <typename Out>
bool CountReachedLevelsT(const double* HWY_RESTRICT x, std::size_t n, bool negate,
                         const double* levels, std::size_t count, int base, int step,
                         Out* HWY_RESTRICT out) {
  static_assert(sizeof(Out) == 1 || sizeof(Out) == sizeof(std::int32_t));
  const hn::ScalableTag<double> d;
  const hn::Rebind<std::int32_t, decltype(d)> d32;
  // The lane type of the output: int8 for RFM scores; tiers are stored as int32 lanes.
  using Lane = std::conditional_t<sizeof(Out) == 1, std::int8_t, std::int32_t>;
  const hn::Rebind<Lane, decltype(d)> d_out;
  const std::size_t lanes = hn::Lanes(d);
  // "key >= level" with key = -x when negating is "x <= -level": negation is exact.
  // Separate variables, not an array: scalable vector types cannot form arrays.
  const auto level_of = [&](std::size_t k) {
    const double value = k < count ? levels[k] : std::numeric_limits<double>::infinity();
    return hn::Set(d, negate ? -value : value);
  };
  const auto level0 = level_of(0), level1 = level_of(1), level2 = level_of(2),
             level3 = level_of(3);
  const auto zero = hn::Zero(d);
  const auto step_v = hn::Set(d, static_cast<double>(step));
  const auto base_v = hn::Set(d, static_cast<double>(base));
  auto bad = hn::Zero(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::LoadU(d, x + i);
    bad = hn::Or(bad, hn::VecFromMask(d, hn::Not(hn::IsFinite(v))));
    // Unused levels are +/-Inf and never reached by a finite value.
    const auto add_if = [&](auto result, auto level) {
      const auto reached = negate ? hn::Le(v, level) : hn::Ge(v, level);
      return hn::Add(result, hn::IfThenElse(reached, step_v, zero));
    };
    const auto result = add_if(add_if(add_if(add_if(base_v, level0), level1), level2), level3);
    // Small integers: exact in double, and the conversion of a NaN lane's garbage is
    // never read (the caller reports the block).
    const auto as_int = hn::DemoteTo(d32, hn::IfThenElseZero(hn::MaskFromVec(hn::Not(bad)),
                                                             result));
    if constexpr (sizeof(Out) == sizeof(std::int32_t)) {
      // Out is ValueTier: a vector store (Highway stores through may_alias vector types,
      // or memcpy on the scalar targets) of int32 lanes into the enum's storage.
      hn::StoreU(as_int, d32, reinterpret_cast<std::int32_t*>(out + i));
    } else {
      hn::StoreU(hn::DemoteTo(d_out, as_int), d_out, out + i);
    }
  }
  bool non_finite = !hn::AllFalse(d, hn::MaskFromVec(bad));
  for (; i < n; ++i) {
    const double key = negate ? -x[i] : x[i];
    non_finite = non_finite || !std::isfinite(x[i]);
    int reached = 0;
    for (std::size_t k = 0; k < count; ++k) reached += key >= levels[k] ? 1 : 0;
    if constexpr (sizeof(Out) == sizeof(std::int32_t)) {
      const std::int32_t value = base + step * reached;
      std::memcpy(out + i, &value, sizeof(value));
    } else {
      out[i] = static_cast<Out>(base + step * reached);
    }
  }
  return non_finite;
}

bool CountReachedLevels8(const double* x, std::size_t n, bool negate, const double* levels,
                         std::size_t count, int base, int step, std::int8_t* out) {
  return CountReachedLevelsT(x, n, negate, levels, count, base, step, out);
}

bool CountReachedLevels32(const double* x, std::size_t n, bool negate, const double* levels,
                          std::size_t count, int base, int step, ValueTier* out) {
  return CountReachedLevelsT(x, n, negate, levels, count, base, step, out);
}

}  // namespace HWY_NAMESPACE
}  // namespace internal
}  // namespace engine
}  // namespace crmcore
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace crmcore {
namespace engine {
namespace internal {

HWY_EXPORT(ComputeFiniteRange);
HWY_EXPORT(CountReachedLevels8);
HWY_EXPORT(CountReachedLevels32);

FiniteRange ComputeFiniteRange(const double* x, std::size_t n) {
  return HWY_DYNAMIC_DISPATCH(ComputeFiniteRange)(x, n);
}

bool CountReachedLevels(const double* x, std::size_t n, bool negate, const double* levels,
                        std::size_t count, int base, int step, std::int8_t* out) {
  return HWY_DYNAMIC_DISPATCH(CountReachedLevels8)(x, n, negate, levels, count, base, step, out);
}

bool CountReachedLevels(const double* x, std::size_t n, bool negate, const double* levels,
                        std::size_t count, int base, int step, ValueTier* out) {
  return HWY_DYNAMIC_DISPATCH(CountReachedLevels32)(x, n, negate, levels, count, base, step,
                                                    out);
}

}  // namespace internal
}  // namespace engine
}  // namespace crmcore
#endif  // HWY_ONCE

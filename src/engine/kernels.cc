// Highway kernels of the engine: compiled once per SIMD target by foreach_target.h and
// chosen at run time with HWY_DYNAMIC_DISPATCH (the Highway 1.0.3 skeleton pattern).
//
// Every kernel performs the scalar reference's double operations lane by lane: a
// subtraction, a division, a multiplication, an addition, each rounded once, so that its
// results are bit-identical to the scalar reference's. The reference's a * b + c is never
// fused: Highway's Mul and Add are separate intrinsics, and the build compiles the library
// with -ffp-contract=off (CMakeLists.txt), without which GCC contracts a * b + c into one
// FMA at -O2 and above even in ISO C++ mode, rounding once instead of twice.

// AVX3_DL is the best x86 target; Highway 1.0.3 attains it only on request.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/kernels.h"

HWY_BEFORE_NAMESPACE();
namespace crmcore {
namespace engine {
namespace internal {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

int64_t TargetOfThisCopy() { return HWY_TARGET; }

// Lanes of the widest vector of any target: sizes the padded tail buffers.
constexpr size_t kMaxDoubleLanes = HWY_MAX_BYTES / sizeof(double);

// The mean of the present finite values of x[0, n) when their plain sum overflows (values
// beyond about 1e308 / n in a block that is not constant), so that the mean stays finite
// as the reference's Welford mean does. The sum of x · 2^-k with 2^k >= n cannot
// overflow, and multiplying by a power of two is exact for every value above 2^(k-1022),
// so this rounds as the plain sum would with an unbounded exponent. Such a block's
// variance overflows (two distinct values near 1e305 differ by at least 1e289), in the
// reference too, and is reported as OutOfRange naming the column. Rare, so scalar: the
// fast pass stays as it is.
double RescaledMean(const double* HWY_RESTRICT x, size_t n, int64_t count) {
  int k = 0;
  while (k < 64 && (static_cast<uint64_t>(n) >> k) != 0) ++k;
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isnan(x[i])) sum += std::ldexp(x[i], -k);
  }
  return std::ldexp(sum / static_cast<double>(count), k);
}

BlockMoments ComputeBlockMoments(const double* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<double> d;
  const size_t lanes = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  const auto one = hn::Set(d, 1.0);
  const auto inf = hn::Set(d, std::numeric_limits<double>::infinity());
  const auto neg_inf = hn::Set(d, -std::numeric_limits<double>::infinity());
  auto count = zero;
  auto sum = zero;
  auto min = inf;
  auto max = neg_inf;
  auto infinite = zero;

  // The tail is padded with NaN: missing, so it changes no moment.
  HWY_ALIGN double tail[kMaxDoubleLanes];
  const size_t full = n - n % lanes;
  const size_t rest = n - full;
  for (size_t i = 0; i < lanes; ++i) {
    tail[i] = i < rest ? x[full + i] : std::numeric_limits<double>::quiet_NaN();
  }

  const auto accumulate = [&](const auto v) {
    const auto present = hn::Eq(v, v);
    count = hn::Add(count, hn::IfThenElseZero(present, one));
    sum = hn::Add(sum, hn::IfThenElseZero(present, v));
    min = hn::Min(min, hn::IfThenElse(present, v, inf));
    max = hn::Max(max, hn::IfThenElse(present, v, neg_inf));
    infinite = hn::Or(infinite, hn::VecFromMask(d, hn::IsInf(v)));
  };
  for (size_t i = 0; i < full; i += lanes) accumulate(hn::LoadU(d, x + i));
  if (rest != 0) accumulate(hn::Load(d, tail));

  BlockMoments moments;
  moments.count = static_cast<int64_t>(hn::GetLane(hn::SumOfLanes(d, count)));
  moments.min = hn::GetLane(hn::MinOfLanes(d, min));
  moments.max = hn::GetLane(hn::MaxOfLanes(d, max));
  moments.any_inf = !hn::AllFalse(d, hn::MaskFromVec(infinite));
  moments.any_nan = moments.count < static_cast<int64_t>(n);
  if (moments.count == 0 || moments.any_inf) return moments;
  if (moments.min == moments.max) {
    // A constant block: its exact moments, as the reference's Welford pass finds them (a
    // sum of n copies of x rounds, and the mean's last-place error would make a spread
    // of ±1 ulp, or overflow its square for x near 1e305).
    moments.mean = moments.min + 0.0;  // -0.0 becomes +0.0, as in the sum
    return moments;
  }
  const double total = hn::GetLane(hn::SumOfLanes(d, sum));
  moments.mean = std::isfinite(total) ? total / static_cast<double>(moments.count)
                                      : RescaledMean(x, n, moments.count);

  // Second pass over the (cached) block: squared deviations from the block mean.
  const auto mean = hn::Set(d, moments.mean);
  auto m2 = zero;
  const auto add_square = [&](const auto v) {
    const auto deviation = hn::Sub(v, mean);
    m2 = hn::Add(m2, hn::IfThenElseZero(hn::Eq(v, v), hn::Mul(deviation, deviation)));
  };
  for (size_t i = 0; i < full; i += lanes) add_square(hn::LoadU(d, x + i));
  if (rest != 0) add_square(hn::Load(d, tail));
  moments.m2 = hn::GetLane(hn::SumOfLanes(d, m2));
  return moments;
}

// The normalized value of component c for the lanes v.
template <class D, class V>
HWY_INLINE V Normalize(D d, const KernelComponent& c, V v) {
  switch (c.mode) {
    case TransformMode::kAffine:
      return hn::Div(hn::Sub(v, hn::Set(d, c.offset)), hn::Set(d, c.scale));
    case TransformMode::kClamped:
      return hn::Min(hn::Max(hn::Div(hn::Sub(v, hn::Set(d, c.offset)), hn::Set(d, c.scale)),
                             hn::Zero(d)),
                     hn::Set(d, 1.0));
    case TransformMode::kConstant:
      return hn::Set(d, c.constant);
    case TransformMode::kPassThrough:
      break;
  }
  return v;
}

// Rows [0, len) (a multiple of the lane count), one vector of rows at a time:
// weight · normalized value of every component added in component order to a sum that
// starts at +0 (the reference's order), held in a register with the renormalization's
// present weight and missing count; then out = sum / present weight where a component was
// missing, then out = out / plan.final_divisor if the plan has one. Row by row rather than
// component by component, so that each row's sum is stored once instead of being loaded
// and stored again for every component.
template <bool kRenormalize, class D, class V>
HWY_INLINE void ScoreVectors(D d, const KernelPlan& plan, const double* const* x, size_t len,
                           double* HWY_RESTRICT out, V& bad) {
  const size_t lanes = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  const auto one = hn::Set(d, 1.0);
  for (size_t i = 0; i < len; i += lanes) {
    auto sum = zero;
    auto present_weight = zero;
    auto missing = zero;
    for (size_t c = 0; c < plan.count; ++c) {
      const KernelComponent& component = plan.component[c];
      const auto loaded = hn::LoadU(d, x[c] + i);
      // Missing values (NaN) are masked out below, but the transform must not see them
      // either: MINPD/MAXPD (the clamp) raise FE_INVALID on a quiet NaN, unlike +, -, *,
      // / which propagate it silently. Zeroed lanes keep the kernel free of floating-point
      // exceptions (tests/core/fp_trap_test.cc); the scores are unchanged.
      const auto present = hn::Eq(loaded, loaded);
      const auto v = kRenormalize ? hn::IfThenElseZero(present, loaded) : loaded;
      const auto weight = hn::Set(d, component.weight);
      const auto term = hn::Mul(weight, Normalize(d, component, v));
      if constexpr (!kRenormalize) {
        bad = hn::Or(bad, hn::VecFromMask(d, hn::Not(hn::IsFinite(v))));
        sum = hn::Add(sum, term);
      } else {
        bad = hn::Or(bad, hn::VecFromMask(d, hn::IsInf(v)));
        sum = hn::Add(sum, hn::IfThenElseZero(present, term));
        present_weight = hn::Add(present_weight, hn::IfThenElseZero(present, weight));
        missing = hn::Add(missing, hn::IfThenZeroElse(present, one));
      }
    }
    if constexpr (kRenormalize) {
      const auto any_missing = hn::Gt(missing, zero);
      bad = hn::Or(bad, hn::VecFromMask(d, hn::Eq(present_weight, zero)));
      sum = hn::IfThenElse(any_missing, hn::Div(sum, present_weight), sum);
    }
    if (plan.has_final_divisor) sum = hn::Div(sum, hn::Set(d, plan.final_divisor));
    // A finite row can still overflow (against another population's statistics).
    bad = hn::Or(bad, hn::VecFromMask(d, hn::Not(hn::IsFinite(sum))));
    hn::StoreU(sum, d, out + i);
  }
}

// The common shape, kCount components all kAffine under kReject (min-max and z-score
// plans, the satisfaction index): ScoreVectors<false> with the component count known at
// compile time, so the loop over components unrolls and every broadcast constant stays in
// a register, and with one finiteness test per row, of the result, instead of one per
// value. That test suffices: with a finite offset and a nonzero scale, a NaN or an
// infinity in any component makes (x - offset) / scale, the weighted term (0 · Inf is NaN)
// and the sum non-finite, and a finite row whose sum overflows is reported too.
template <size_t kCount, class D, class V>
HWY_INLINE void ScoreAffineVectors(D d, const KernelPlan& plan, const double* const* x,
                                   size_t len, double* HWY_RESTRICT out, V& bad) {
  const size_t lanes = hn::Lanes(d);
  const double* column[kCount];
  double offset[kCount], scale[kCount], weight[kCount];
  for (size_t c = 0; c < kCount; ++c) {
    column[c] = x[c];
    offset[c] = plan.component[c].offset;
    scale[c] = plan.component[c].scale;
    weight[c] = plan.component[c].weight;
  }
  const bool divide = plan.has_final_divisor;
  const auto divisor = hn::Set(d, plan.final_divisor);
  for (size_t i = 0; i < len; i += lanes) {
    auto sum = hn::Zero(d);
    for (size_t c = 0; c < kCount; ++c) {
      const auto normalized =
          hn::Div(hn::Sub(hn::LoadU(d, column[c] + i), hn::Set(d, offset[c])),
                  hn::Set(d, scale[c]));
      sum = hn::Add(sum, hn::Mul(hn::Set(d, weight[c]), normalized));
    }
    if (divide) sum = hn::Div(sum, divisor);
    bad = hn::Or(bad, hn::VecFromMask(d, hn::Not(hn::IsFinite(sum))));
    hn::StoreU(sum, d, out + i);
  }
}

// Rows [0, len) of any plan: the fast shape when it applies, else ScoreVectors (which
// also tests each result for finiteness).
template <bool kRenormalize, class D, class V>
HWY_INLINE void ScoreAnyVectors(D d, const KernelPlan& plan, const double* const* x,
                                size_t len, double* HWY_RESTRICT out, V& bad) {
  bool all_affine = !kRenormalize;
  for (size_t c = 0; c < plan.count; ++c) {
    all_affine = all_affine && plan.component[c].mode == TransformMode::kAffine;
  }
  if (all_affine) {
    switch (plan.count) {
      case 1: return ScoreAffineVectors<1>(d, plan, x, len, out, bad);
      case 2: return ScoreAffineVectors<2>(d, plan, x, len, out, bad);
      case 3: return ScoreAffineVectors<3>(d, plan, x, len, out, bad);
      case 4: return ScoreAffineVectors<4>(d, plan, x, len, out, bad);
      case 5: return ScoreAffineVectors<5>(d, plan, x, len, out, bad);
      case 6: return ScoreAffineVectors<6>(d, plan, x, len, out, bad);
      default: break;
    }
  }
  static_assert(kMaxKernelComponents == 6, "add a case above");
  ScoreVectors<kRenormalize>(d, plan, x, len, out, bad);
}

template <bool kRenormalize>
bool ScoreRowsImpl(const KernelPlan& plan, size_t n, double* HWY_RESTRICT out) {
  const hn::ScalableTag<double> d;
  const size_t lanes = hn::Lanes(d);
  auto bad = hn::Zero(d);
  const double* x[kMaxKernelComponents];
  const size_t full = n - n % lanes;
  for (size_t c = 0; c < plan.count; ++c) x[c] = plan.component[c].x;
  ScoreAnyVectors<kRenormalize>(d, plan, x, full, out, bad);
  const size_t rest = n - full;
  if (rest != 0) {
    // The last rows, padded to one vector with copies of the last row: a padding lane is
    // "bad" only when that real row is.
    HWY_ALIGN double padded[kMaxKernelComponents][kMaxDoubleLanes];
    HWY_ALIGN double padded_out[kMaxDoubleLanes];
    for (size_t c = 0; c < plan.count; ++c) {
      const double* column = plan.component[c].x;
      for (size_t i = 0; i < lanes; ++i) padded[c][i] = column[full + std::min(i, rest - 1)];
      x[c] = padded[c];
    }
    ScoreAnyVectors<kRenormalize>(d, plan, x, lanes, padded_out, bad);
    std::memcpy(out + full, padded_out, rest * sizeof(double));
  }
  return hn::AllFalse(d, hn::MaskFromVec(bad));
}

bool ScoreRows(const KernelPlan& plan, size_t n, double* HWY_RESTRICT out) {
  return plan.renormalize ? ScoreRowsImpl<true>(plan, n, out)
                          : ScoreRowsImpl<false>(plan, n, out);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace internal
}  // namespace engine
}  // namespace crmcore
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace crmcore {
namespace engine {
namespace internal {

HWY_EXPORT(TargetOfThisCopy);
HWY_EXPORT(ComputeBlockMoments);
HWY_EXPORT(ScoreRows);

BlockMoments ComputeBlockMoments(const double* x, std::size_t n) {
  return HWY_DYNAMIC_DISPATCH(ComputeBlockMoments)(x, n);
}

bool ScoreRows(const KernelPlan& plan, std::size_t n, double* out) {
  return HWY_DYNAMIC_DISPATCH(ScoreRows)(plan, n, out);
}

std::string ActiveTargetName() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(TargetOfThisCopy)()); }

// hwy::SupportedAndGeneratedTargets() here, in the file whose HWY_TARGETS were compiled.
std::vector<std::string> AvailableTargetNames() {
  std::vector<std::string> names;
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
    names.emplace_back(hwy::TargetName(target));
  }
  return names;
}

bool ForceTarget(const std::string& name) {
  const int64_t previous = hwy::SupportedTargets();  // the forced target's, if one is forced
  hwy::SetSupportedTargetsForTest(0);  // list against the real processor, not a mock
  if (name.empty()) return true;
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
    if (name == hwy::TargetName(target)) {
      hwy::SetSupportedTargetsForTest(target);
      return true;
    }
  }
  // An unknown name changes nothing: force the previous target again if there was one.
  if (previous != hwy::SupportedTargets()) hwy::SetSupportedTargetsForTest(previous);
  return false;
}

}  // namespace internal
}  // namespace engine
}  // namespace crmcore
#endif  // HWY_ONCE

// Highway kernels of the engine: compiled once per SIMD target by foreach_target.h and
// chosen at run time with HWY_DYNAMIC_DISPATCH (the Highway 1.0.3 skeleton pattern).
//
// Every kernel performs the scalar reference's double operations lane by lane: a
// subtraction, a division, a multiplication, an addition, each rounded once, so that its
// results are bit-identical to the scalar reference's. The reference's a * b + c is never
// fused: Highway's Mul and Add are separate intrinsics, and the build compiles the library
// with -ffp-contract=off (CMakeLists.txt), without which GCC contracts a * b + c into one
// FMA at -O2 and above even in ISO C++ mode, rounding once instead of twice. The only
// explicit FMAs are those of FixedDivide (below), which computes the correctly rounded
// quotient a / b itself, verified lane by lane, on targets with a native FMA.

// AVX3_DL is the best x86 target; Highway 1.0.3 attains it only on request.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#include <algorithm>
#include <cfenv>
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

size_t DivideLanes() { return hn::Lanes(hn::ScalableTag<double>()); }

bool DivideHasFastPath() { return HWY_NATIVE_FMA != 0; }

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

// ---------------------------------------------------------------------------
// Division by a divisor fixed over many rows, bit-identical to a / b.
//
// An exact vector division costs about two cycles per double (DIVPD is not pipelined
// like a multiplication), and the scoring pass divides every normalized value. With the
// reciprocal y = RN(1/b) computed once, the quotient takes a multiplication and two FMAs
// (Markstein's correction step: P. Markstein, "Computation of elementary functions on
// the IBM RISC System/6000 processor", IBM J. Res. Dev. 34(1), 1990; J.-M. Muller et
// al., Handbook of Floating-Point Arithmetic, 2nd ed., 2018, section 4.7):
//   q0 = RN(a y),  r = RN(a - q0 b),  q1 = RN(q0 + r y).
// Markstein's theorem makes q1 = RN(a/b) when q0 is within one ulp of a/b, which
// RN(a RN(1/b)) is not always. So the kernel does not rely on it: every lane's q1 is
// verified, and a vector with a lane that fails is divided exactly instead.
//
// The verification. For a candidate q and its two floating-point neighbours q- and q+
// (the bit patterns of q minus and plus one: adjacent doubles, across binades and
// subnormals alike), the remainders a - q b, a - q- b, a - q+ b are b times the
// distances from a/b to each candidate. q = RN(a/b) when q is strictly nearer to a/b
// than both neighbours: then a/b lies strictly between the midpoints around q. Each
// remainder is computed by one FMA, rounded once; rounding is monotone, so
// |RN(x)| < |RN(z)| implies |x| < |z|, and the comparison of the rounded remainders is
// sound whether or not they are exact (they are, near the quotient, but nothing here
// needs it). A tie |a - q b| = |a - q+ b| (a/b a midpoint, only possible in the
// subnormal range) or any NaN fails the comparison, hence falls back.
//
// The domain, per lane: a finite with |a| <= limit (|a/b| < 2^1021, so no operation
// overflows and q1's neighbours are finite); other lanes (NaN, Inf, huge) are zeroed
// before the fast path, which therefore raises no invalid-operation or overflow
// exception of its own, and fall back, so the division sees them exactly as before.
// a = ±0 gives q0 = RN(±0 y), the signed zero a / b is (y has b's sign); q1 may be +0
// where a / b is -0, so zero lanes take q0. Per divisor (FixedDivisor): b and 1/b normal
// and round-to-nearest in force (the verification proves nearest, which is a / b only
// under round-to-nearest); otherwise every vector divides.
//
// Only on targets with a native FMA: elsewhere Highway's MulAdd is a multiplication and
// an addition, each rounded, which the argument above does not cover.
struct FixedDivisor {
  double b = 1.0;
  double y = 1.0;       // RN(1/b)
  double limit = 0.0;   // lanes with |a| <= limit take the fast path
  bool fast = false;
};

FixedDivisor MakeFixedDivisor(double b, bool round_to_nearest) {
  FixedDivisor divisor;
  divisor.b = b;
  const double magnitude = std::fabs(b);
  // b in [2^-1020, 2^1020]: b and 1/b normal, and the limits below exact.
  if (!round_to_nearest || !(magnitude >= 0x1p-1020 && magnitude <= 0x1p1020)) return divisor;
  divisor.y = 1.0 / b;
  divisor.limit = magnitude >= 8.0 ? std::numeric_limits<double>::max() : magnitude * 0x1p1020;
  divisor.fast = HWY_NATIVE_FMA != 0;
  return divisor;
}

bool RoundToNearest() { return std::fegetround() == FE_TONEAREST; }

// RN(a / b) lane by lane, as hn::Div(a, b) computes it. `fallbacks` counts the vectors
// that were divided exactly (for the tests).
template <class D, class V>
HWY_INLINE V FixedDivide(D d, const FixedDivisor& divisor, V a, size_t& fallbacks) {
  const auto b = hn::Set(d, divisor.b);
#if HWY_NATIVE_FMA
  if (divisor.fast) {
    const hn::RebindToSigned<D> di;
    const auto y = hn::Set(d, divisor.y);
    const auto zero = hn::Zero(d);
    const auto in_domain = hn::Le(hn::Abs(a), hn::Set(d, divisor.limit));  // false for NaN
    const auto is_zero = hn::Eq(a, zero);
    const auto x = hn::IfThenElseZero(in_domain, a);
    const auto q0 = hn::Mul(x, y);
    const auto q1 = hn::MulAdd(hn::NegMulAdd(q0, b, x), y, q0);
    const auto bits = hn::BitCast(di, q1);
    const auto one = hn::Set(di, int64_t{1});
    const auto below = hn::BitCast(d, hn::Sub(bits, one));
    const auto above = hn::BitCast(d, hn::Add(bits, one));
    const auto r = hn::Abs(hn::NegMulAdd(q1, b, x));
    const auto nearest = hn::And(hn::Lt(r, hn::Abs(hn::NegMulAdd(below, b, x))),
                                 hn::Lt(r, hn::Abs(hn::NegMulAdd(above, b, x))));
    if (HWY_LIKELY(hn::AllTrue(d, hn::And(in_domain, hn::Or(nearest, is_zero))))) {
      return hn::IfThenElse(is_zero, q0, q1);
    }
    ++fallbacks;
  }
#else
  (void)fallbacks;
#endif
  return hn::Div(a, b);
}

// a[0, n) / b into out, n a multiple of the lane count (tests). Returns the fallbacks.
size_t DivideByFixed(const double* HWY_RESTRICT a, size_t n, double b,
                     double* HWY_RESTRICT out) {
  const hn::ScalableTag<double> d;
  const size_t lanes = hn::Lanes(d);
  const FixedDivisor divisor = MakeFixedDivisor(b, RoundToNearest());
  size_t fallbacks = 0;
  for (size_t i = 0; i + lanes <= n; i += lanes) {
    hn::StoreU(FixedDivide(d, divisor, hn::LoadU(d, a + i), fallbacks), d, out + i);
  }
  return fallbacks;
}

// Adds weight · normalized(x) of one component to the running sums of `len` rows (a
// multiple of the lane count). `first` starts the sums at +0.0 as the reference does.
template <TransformMode kMode, bool kRenormalize, class D, class V>
HWY_INLINE void AddComponent(D d, const KernelComponent& c, const FixedDivisor& divisor,
                             const double* HWY_RESTRICT x, bool first, size_t len,
                             double* HWY_RESTRICT sum, double* HWY_RESTRICT present_weight,
                             double* HWY_RESTRICT missing, V& bad, size_t& fallbacks) {
  const size_t lanes = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  const auto one = hn::Set(d, 1.0);
  const auto offset = hn::Set(d, c.offset);
  const auto constant = hn::Set(d, c.constant);
  const auto weight = hn::Set(d, c.weight);
  for (size_t i = 0; i < len; i += lanes) {
    const auto loaded = hn::LoadU(d, x + i);
    // Missing values (NaN) are masked out below, but the transform must not see them
    // either: MINPD/MAXPD (the clamp) raise FE_INVALID on a quiet NaN, unlike +, -, *,
    // / which propagate it silently. Zeroed lanes keep the kernel free of floating-point
    // exceptions (tests/core/fp_trap_test.cc); the scores are unchanged.
    const auto present = hn::Eq(loaded, loaded);
    const auto v = kRenormalize ? hn::IfThenElseZero(present, loaded) : loaded;
    V normalized;
    if constexpr (kMode == TransformMode::kAffine) {
      normalized = FixedDivide(d, divisor, hn::Sub(v, offset), fallbacks);
    } else if constexpr (kMode == TransformMode::kClamped) {
      normalized =
          hn::Min(hn::Max(FixedDivide(d, divisor, hn::Sub(v, offset), fallbacks), zero), one);
    } else if constexpr (kMode == TransformMode::kConstant) {
      normalized = constant;
    } else {
      normalized = v;
    }
    const auto term = hn::Mul(weight, normalized);
    const auto previous = first ? zero : hn::LoadU(d, sum + i);
    if constexpr (!kRenormalize) {
      bad = hn::Or(bad, hn::VecFromMask(d, hn::Not(hn::IsFinite(v))));
      hn::StoreU(hn::Add(previous, term), d, sum + i);
    } else {
      bad = hn::Or(bad, hn::VecFromMask(d, hn::IsInf(v)));
      hn::StoreU(hn::Add(previous, hn::IfThenElseZero(present, term)), d, sum + i);
      const auto previous_weight = first ? zero : hn::LoadU(d, present_weight + i);
      hn::StoreU(hn::Add(previous_weight, hn::IfThenElseZero(present, weight)), d,
                 present_weight + i);
      const auto previous_missing = first ? zero : hn::LoadU(d, missing + i);
      hn::StoreU(hn::Add(previous_missing, hn::IfThenZeroElse(present, one)), d, missing + i);
    }
  }
}

template <bool kRenormalize, class D, class V>
HWY_INLINE void AddComponentAnyMode(D d, const KernelComponent& c, const FixedDivisor& divisor,
                                    const double* x, bool first, size_t len, double* sum,
                                    double* present_weight, double* missing, V& bad,
                                    size_t& fallbacks) {
  switch (c.mode) {
    case TransformMode::kAffine:
      return AddComponent<TransformMode::kAffine, kRenormalize>(
          d, c, divisor, x, first, len, sum, present_weight, missing, bad, fallbacks);
    case TransformMode::kClamped:
      return AddComponent<TransformMode::kClamped, kRenormalize>(
          d, c, divisor, x, first, len, sum, present_weight, missing, bad, fallbacks);
    case TransformMode::kConstant:
      return AddComponent<TransformMode::kConstant, kRenormalize>(
          d, c, divisor, x, first, len, sum, present_weight, missing, bad, fallbacks);
    case TransformMode::kPassThrough:
      return AddComponent<TransformMode::kPassThrough, kRenormalize>(
          d, c, divisor, x, first, len, sum, present_weight, missing, bad, fallbacks);
  }
}

// The divisors of one call: each component's scale, and the final divisor.
struct PlanDivisors {
  FixedDivisor component[kMaxKernelComponents];
  FixedDivisor final_divisor;
  size_t fallbacks = 0;
};

// One chunk of `len` rows (a multiple of the lane count): every component in order, then
// the renormalization out = sum / present weight where a component was missing, then
// out = out / plan.final_divisor if the plan has one.
template <bool kRenormalize, class D, class V>
HWY_INLINE void ScoreChunk(D d, const KernelPlan& plan, PlanDivisors& divisors,
                           const double* const* x, size_t len, double* HWY_RESTRICT out,
                           V& bad) {
  HWY_ALIGN double present_weight[kChunkRows];
  HWY_ALIGN double missing[kChunkRows];
  for (size_t c = 0; c < plan.count; ++c) {
    AddComponentAnyMode<kRenormalize>(d, plan.component[c], divisors.component[c], x[c],
                                      c == 0, len, out, present_weight, missing, bad,
                                      divisors.fallbacks);
  }
  if constexpr (kRenormalize) {
    const size_t lanes = hn::Lanes(d);
    const auto zero = hn::Zero(d);
    for (size_t i = 0; i < len; i += lanes) {
      const auto sum = hn::LoadU(d, out + i);
      const auto weight = hn::Load(d, present_weight + i);
      const auto any_missing = hn::Gt(hn::Load(d, missing + i), zero);
      bad = hn::Or(bad, hn::VecFromMask(d, hn::Eq(weight, zero)));
      hn::StoreU(hn::IfThenElse(any_missing, hn::Div(sum, weight), sum), d, out + i);
    }
  }
  if (plan.has_final_divisor) {
    const size_t lanes = hn::Lanes(d);
    for (size_t i = 0; i < len; i += lanes) {
      hn::StoreU(FixedDivide(d, divisors.final_divisor, hn::LoadU(d, out + i),
                             divisors.fallbacks),
                 d, out + i);
    }
  }
}

template <bool kRenormalize>
bool ScoreRowsImpl(const KernelPlan& plan, size_t n, double* HWY_RESTRICT out) {
  const hn::ScalableTag<double> d;
  const size_t lanes = hn::Lanes(d);
  auto bad = hn::Zero(d);
  PlanDivisors divisors;
  const bool round_to_nearest = RoundToNearest();
  for (size_t c = 0; c < plan.count; ++c) {
    const KernelComponent& component = plan.component[c];
    if (component.mode == TransformMode::kAffine || component.mode == TransformMode::kClamped) {
      divisors.component[c] = MakeFixedDivisor(component.scale, round_to_nearest);
    }
  }
  if (plan.has_final_divisor) {
    divisors.final_divisor = MakeFixedDivisor(plan.final_divisor, round_to_nearest);
  }
  const double* x[kMaxKernelComponents];
  const size_t full = n - n % lanes;
  for (size_t start = 0; start < full; start += kChunkRows) {
    const size_t len = std::min(kChunkRows, full - start);
    for (size_t c = 0; c < plan.count; ++c) x[c] = plan.component[c].x + start;
    ScoreChunk<kRenormalize>(d, plan, divisors, x, len, out + start, bad);
  }
  const size_t rest = n - full;
  if (rest != 0) {
    // The last rows, padded with present zeros (finite, so never "bad") to one vector.
    HWY_ALIGN double padded[kMaxKernelComponents][kMaxDoubleLanes];
    HWY_ALIGN double padded_out[kMaxDoubleLanes];
    for (size_t c = 0; c < plan.count; ++c) {
      for (size_t i = 0; i < lanes; ++i) {
        padded[c][i] = i < rest ? plan.component[c].x[full + i] : 0.0;
      }
      x[c] = padded[c];
    }
    ScoreChunk<kRenormalize>(d, plan, divisors, x, lanes, padded_out, bad);
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
HWY_EXPORT(DivideLanes);
HWY_EXPORT(DivideHasFastPath);
HWY_EXPORT(ComputeBlockMoments);
HWY_EXPORT(ScoreRows);
HWY_EXPORT(DivideByFixed);

BlockMoments ComputeBlockMoments(const double* x, std::size_t n) {
  return HWY_DYNAMIC_DISPATCH(ComputeBlockMoments)(x, n);
}

bool ScoreRows(const KernelPlan& plan, std::size_t n, double* out) {
  return HWY_DYNAMIC_DISPATCH(ScoreRows)(plan, n, out);
}

std::size_t DivideByFixedForTesting(const double* a, std::size_t n, double b, double* out) {
  return HWY_DYNAMIC_DISPATCH(DivideByFixed)(a, n, b, out);
}

std::size_t DivideLanesForTesting() { return HWY_DYNAMIC_DISPATCH(DivideLanes)(); }

bool DivideHasFastPathForTesting() { return HWY_DYNAMIC_DISPATCH(DivideHasFastPath)(); }

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

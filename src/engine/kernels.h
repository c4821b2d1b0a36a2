// The engine's SIMD kernels (Highway, one copy per target, chosen at run time) and the
// target-selection hooks. Private to src/engine.
#ifndef CRMCORE_SRC_ENGINE_KERNELS_H_
#define CRMCORE_SRC_ENGINE_KERNELS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "crmcore/composite_value.h"

namespace crmcore {
namespace engine {
namespace internal {

/// Most weighted columns one kernel call sums: the composite's five components or the
/// satisfaction index's six indicators.
inline constexpr std::size_t kMaxKernelComponents = 6;
static_assert(kCompositeComponentCount <= kMaxKernelComponents);

/// How a component value becomes its normalized value (the reference kernels of
/// composite_value.h, as one of four shapes).
enum class TransformMode : std::int32_t {
  kAffine = 0,       // (x - offset) / scale: min-max, z-score
  kClamped = 1,      // clamp((x - offset) / scale, 0, 1): fixed bounds
  kConstant = 2,     // constant: min-max (0.5) and z-score (0) of a constant column
  kPassThrough = 3,  // x already normalized (percentile mid-ranks computed beforehand)
};

/// One used component, its column already offset to the block's first row (NaN = missing).
struct KernelComponent {
  const double* x = nullptr;
  TransformMode mode = TransformMode::kAffine;
  double offset = 0.0;
  double scale = 1.0;
  double constant = 0.0;
  double weight = 0.0;
};

struct KernelPlan {
  std::array<KernelComponent, kMaxKernelComponents> component{};
  std::size_t count = 0;
  bool renormalize = false;
  /// When set, every row's result is divided by final_divisor (the satisfaction index's
  /// sum / weight_sum) inside the kernel, while the row is still in cache.
  bool has_final_divisor = false;
  double final_divisor = 1.0;
};

/// One block's moments over its present (non-NaN) values.
struct BlockMoments {
  std::int64_t count = 0;
  /// sum / count, with the sum rescaled when it would overflow (finite for finite values).
  double mean = 0.0;
  double min = 0.0;
  double max = 0.0;
  /// Sum of squared deviations from the mean (two passes over the cached block).
  double m2 = 0.0;
  bool any_nan = false;
  bool any_inf = false;
};

/// Moments of x[0, n).
BlockMoments ComputeBlockMoments(const double* x, std::size_t n);

/// Weighted composite of n rows into out. Returns false when a row is bad (under kReject a
/// NaN or Inf; under kRenormalize an Inf or a row with every component missing) or its
/// result is not finite (a finite row can overflow against another population's
/// statistics). The caller rescans the block to name the first bad value or result.
bool ScoreRows(const KernelPlan& plan, std::size_t n, double* out);

std::string ActiveTargetName();
std::vector<std::string> AvailableTargetNames();
bool ForceTarget(const std::string& name);

}  // namespace internal
}  // namespace engine
}  // namespace crmcore

#endif  // CRMCORE_SRC_ENGINE_KERNELS_H_

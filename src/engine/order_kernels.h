// SIMD kernels of the engine's order-statistics passes (value tiers, RFM scores): the
// range pass and the scoring pass, with Highway, one copy per target, chosen at run time
// like kernels.h's (ForceTarget() there applies to these too). Private to src/engine.
#ifndef CRMCORE_SRC_ENGINE_ORDER_KERNELS_H_
#define CRMCORE_SRC_ENGINE_ORDER_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "crmcore/taxonomy.h"

namespace crmcore {
namespace engine {
namespace internal {

/// The least and greatest of x[0, n) (n > 0), whether any value is NaN or infinite (then
/// the rest is meaningless), and whether every value is a whole number (integer-valued
/// columns, such as recency in days or purchase counts, take a histogram-only path).
/// -0.0 and 0.0 may come back in either order.
struct FiniteRange {
  double least = 0.0;
  double greatest = 0.0;
  bool non_finite = false;
  bool integral = false;
};
FiniteRange ComputeFiniteRange(const double* x, std::size_t n);

/// Up to four ascending-rank levels of a "better is larger" key (key = x, or -x when
/// `negate`): out[i] = base + step * (the number of levels[0, count) that key_i reaches,
/// i.e. key_i >= level). Returns true when some x[i] is NaN or infinite (out is then
/// unspecified for those rows). count <= 4; base + step * k must fit int8 for k in [0, count].
bool CountReachedLevels(const double* x, std::size_t n, bool negate, const double* levels,
                        std::size_t count, int base, int step, std::int8_t* out);
/// The same into value tiers (an int-sized enum), written in place: vector stores and
/// memcpy of int32 values, which C++ allows into the enum's objects (no int32 lvalue is
/// formed), so no scratch copy is needed.
bool CountReachedLevels(const double* x, std::size_t n, bool negate, const double* levels,
                        std::size_t count, int base, int step, ValueTier* out);

}  // namespace internal
}  // namespace engine
}  // namespace crmcore

#endif  // CRMCORE_SRC_ENGINE_ORDER_KERNELS_H_

// Private to src/engine: what the engine's stage files (engine.cc, engine_composite.cc,
// engine_order_statistics.cc, engine_satisfaction.cc) share — the fixed block layout that
// makes results independent of the thread count, the first error in block order, per-worker
// block scratch, column conversion, the merge of sorted runs, and the used components of a
// composite plan.
#ifndef CRMCORE_SRC_ENGINE_ENGINE_INTERNAL_H_
#define CRMCORE_SRC_ENGINE_ENGINE_INTERNAL_H_

#include <algorithm>
#include <cstddef>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "crmcore/composite_value.h"
#include "crmcore/engine.h"

namespace crmcore {
namespace engine {
namespace internal {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Blocks of kEngineBlockRows rows covering n rows.
inline std::size_t BlockCount(std::size_t n) {
  return (n + kEngineBlockRows - 1) / kEngineBlockRows;
}

/// Rows [begin, begin + size) of one block.
struct BlockRange {
  std::size_t begin;
  std::size_t size;
};

inline BlockRange RangeOf(std::size_t block, std::size_t n) {
  const std::size_t begin = block * kEngineBlockRows;
  return {begin, std::min(kEngineBlockRows, n - begin)};
}

/// The first error in block order, so the reported error does not depend on scheduling.
absl::Status FirstError(const std::vector<absl::Status>& errors);

/// Bottom-up merge of adjacent sorted runs [bounds[i], bounds[i+1]) into one sorted run; the
/// merges of one round run in parallel (they touch disjoint ranges).
void MergeSortedRuns(std::vector<double>& data, std::vector<std::size_t> bounds, int threads);

/// Sorts doubles (no NaN) ascending by an LSD radix sort of their order-preserving 64-bit
/// keys, 11 bits a pass, skipping the passes whose digit all keys share (whole numbers,
/// narrow ranges): several times std::sort's speed on millions of values. Equal values
/// may end in either order of their signs (-0.0, +0.0), as under std::sort.
void RadixSortDoubles(std::vector<double>& values);

/// Rows [begin, begin + size) of a column as doubles, ignoring any validity bitmap: the
/// column itself when it is float64 (zero copy), else converted into `scratch`.
const double* ConvertRows(const ColumnView& view, BlockRange rows, double* scratch);

/// Per-worker scratch regions of one block's rows each, sized by the batch (min(N,
/// kEngineBlockRows) rows), so that a small call neither allocates nor zeroes whole blocks.
class BlockScratch {
 public:
  BlockScratch(std::size_t workers, std::size_t regions, std::size_t n)
      : rows_(std::min(n, kEngineBlockRows)),
        per_worker_(regions * rows_),
        data_(workers * per_worker_) {}
  double* region(std::size_t worker, std::size_t r) {
    return data_.data() + worker * per_worker_ + r * rows_;
  }

 private:
  std::size_t rows_;
  std::size_t per_worker_;
  std::vector<double> data_;
};

/// A component a composite plan uses, with its column, normalizer and weight.
struct UsedComponent {
  CompositeComponent id;
  const ColumnView* view;
  NormalizerSpec spec;
  double weight;
};

/// The components `plan` uses, in component order (engine_composite.cc).
std::vector<UsedComponent> UsedComponents(const CompositePlan& plan,
                                          const CompositeColumns& columns);

}  // namespace internal
}  // namespace engine
}  // namespace crmcore

#endif  // CRMCORE_SRC_ENGINE_ENGINE_INTERNAL_H_

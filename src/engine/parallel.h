// Per-call threads over fixed blocks. Private to src/engine.
#ifndef CRMCORE_SRC_ENGINE_PARALLEL_H_
#define CRMCORE_SRC_ENGINE_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace crmcore {
namespace engine {
namespace internal {

/// The number of workers a call over `blocks` blocks uses: at most `threads`, at least 1.
inline std::size_t WorkerCount(int threads, std::size_t blocks) {
  return std::max<std::size_t>(1, std::min(static_cast<std::size_t>(std::max(threads, 1)), blocks));
}

/// Runs fn(worker, block) for every block in [0, blocks) on WorkerCount(threads, blocks)
/// workers: the calling thread and threads spawned for this call and joined before
/// returning (no pool outlives the call). Blocks are handed out dynamically, so which worker
/// runs a block varies; results must therefore depend on the block only (each block writes
/// its own slot, and slots are combined in block order afterwards).
template <class Fn>
void ForEachBlock(std::size_t blocks, int threads, Fn&& fn) {
  const std::size_t workers = WorkerCount(threads, blocks);
  if (workers == 1) {
    for (std::size_t block = 0; block < blocks; ++block) fn(std::size_t{0}, block);
    return;
  }
  std::atomic<std::size_t> next{0};
  const auto work = [&](std::size_t worker) {
    for (std::size_t block = next.fetch_add(1); block < blocks; block = next.fetch_add(1)) {
      fn(worker, block);
    }
  };
  std::vector<std::thread> spawned;
  spawned.reserve(workers - 1);
  for (std::size_t worker = 1; worker < workers; ++worker) spawned.emplace_back(work, worker);
  work(0);
  for (std::thread& thread : spawned) thread.join();
}

}  // namespace internal
}  // namespace engine
}  // namespace crmcore

#endif  // CRMCORE_SRC_ENGINE_PARALLEL_H_

// Per-call threads over fixed blocks. Private to src/engine.
#ifndef CRMCORE_SRC_ENGINE_PARALLEL_H_
#define CRMCORE_SRC_ENGINE_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

namespace crmcore {
namespace engine {
namespace internal {

/// The number of workers a call over `blocks` blocks uses: at most `threads`, at least 1.
inline std::size_t WorkerCount(int threads, std::size_t blocks) {
  return std::max<std::size_t>(1, std::min(static_cast<std::size_t>(std::max(threads, 1)), blocks));
}

/// Starts a std::thread running work(worker). The default of ForEachBlock's `start`
/// parameter; tests pass a starter that throws, as std::thread's constructor does
/// (std::system_error) when the system refuses a thread.
struct StartStdThread {
  template <class Work>
  std::thread operator()(const Work& work, std::size_t worker) const {
    return std::thread(work, worker);
  }
};

/// Joins every thread it holds when it goes out of scope, also while an exception unwinds,
/// so that no joinable std::thread is destroyed (which would call std::terminate).
class JoinAll {
 public:
  explicit JoinAll(std::size_t capacity) { threads_.reserve(capacity); }
  JoinAll(const JoinAll&) = delete;
  JoinAll& operator=(const JoinAll&) = delete;
  ~JoinAll() {
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  void Add(std::thread thread) { threads_.push_back(std::move(thread)); }

 private:
  std::vector<std::thread> threads_;
};

/// Runs fn(worker, block) for every block in [0, blocks) on at most
/// WorkerCount(threads, blocks) workers: the calling thread (worker 0) and threads spawned
/// for this call and joined before returning (no pool outlives the call). Blocks are handed
/// out dynamically, so which worker runs a block varies; results must therefore depend on
/// the block only (each block writes its own slot, and slots are combined in block order
/// afterwards).
///
/// If starting a thread fails (std::thread throws std::system_error when the system is out
/// of threads, std::bad_alloc when out of memory; any std::exception from `start` is
/// treated alike), no further thread is started and the blocks are shared by the workers
/// already running and the calling thread, which always works too; with no thread
/// started, the calling thread runs every block. Results do not change (they depend on the block only), and every started thread
/// is joined before returning or unwinding. The failure is not reported: fewer threads is
/// a slowdown, not an error.
template <class Fn, class Start = StartStdThread>
void ForEachBlock(std::size_t blocks, int threads, Fn&& fn, Start start = {}) {
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
  // Declared after `next`, `work` and with `fn` outliving it: joined before they are gone.
  JoinAll spawned(workers - 1);  // reserved, so Add() never reallocates (never throws)
  for (std::size_t worker = 1; worker < workers; ++worker) {
    try {
      spawned.Add(start(work, worker));
    } catch (const std::exception&) {  // only the start is inside: no block is lost
      break;
    }
  }
  work(0);
}

}  // namespace internal
}  // namespace engine
}  // namespace crmcore

#endif  // CRMCORE_SRC_ENGINE_PARALLEL_H_

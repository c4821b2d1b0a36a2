// Private to the compiled library and its white-box tests: seams into the
// transaction-log loader (src/io/transaction_log*.cc, record_loader.cc).
#ifndef CRMCORE_IO_TRANSACTION_LOG_INTERNAL_H_
#define CRMCORE_IO_TRANSACTION_LOG_INTERNAL_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crmcore/transaction_log.h"

namespace crmcore::internal {

/// How the loader splits records into fields.
enum class RecordSplitter {
  /// Plain records (no quote, lone '\r' or NUL; at most 63 bytes) through the
  /// bit-mask fast path, the rest through the general state machine. The default.
  kFastWhenPlain,
  /// Every record through the general state machine: the reference the fast path
  /// must agree with, byte for byte and message for message.
  kGeneralOnly,
};

/// What a load did, for tests that must know which path they exercised.
struct IngestStats {
  /// Chunks parsed on their own threads and merged; 1 for a sequential load.
  size_t chunks = 0;
  /// A parallel load was tried and given up for the sequential one (a split not at a
  /// record boundary, a bad row or any other error, which only the sequential load
  /// reports as the contract says).
  bool fell_back = false;
};

/// The loader's sizes, which the public entry points fix and tests shrink so that
/// small inputs take the chunked and parallel paths.
struct IngestTuning {
  RecordSplitter splitter = RecordSplitter::kFastWhenPlain;
  /// Inputs smaller than this load sequentially whatever TransactionLogOptions::threads.
  size_t parallel_min_bytes = size_t{8} << 20;
  /// The least bytes of data rows each parallel chunk gets (fewer chunks otherwise).
  size_t parallel_min_chunk_bytes = size_t{1} << 20;
  /// The fewest customer ids the merge looks up on a thread of its own.
  size_t merge_min_ids_per_thread = size_t{1} << 15;
  /// Bytes of a file read per read() call.
  size_t read_chunk_bytes = size_t{1} << 20;
  /// Where to describe the load, when set.
  IngestStats* stats = nullptr;
};

/// LoadTransactionLogFromBuffer with the record splitter chosen, so that a test can
/// run both splitters over the same input and compare.
absl::StatusOr<TransactionLog> LoadTransactionLogFromBufferWith(
    absl::string_view bytes, absl::string_view source_name,
    const TransactionLogOptions& options, RecordSplitter splitter);

/// LoadTransactionLogFromBuffer with every size chosen.
absl::StatusOr<TransactionLog> LoadTransactionLogFromBufferWith(
    absl::string_view bytes, absl::string_view source_name,
    const TransactionLogOptions& options, const IngestTuning& tuning);

/// LoadTransactionLog with every size chosen.
absl::StatusOr<TransactionLog> LoadTransactionLogWith(const std::string& path,
                                                      const TransactionLogOptions& options,
                                                      const IngestTuning& tuning);

}  // namespace crmcore::internal

#endif  // CRMCORE_IO_TRANSACTION_LOG_INTERNAL_H_

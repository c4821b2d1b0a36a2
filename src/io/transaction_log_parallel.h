// Private to the compiled library: the parallel reader of the transaction-log loader,
// and what it shares with the sequential readers (the input abstraction and the
// column pre-sizing).
#ifndef CRMCORE_IO_TRANSACTION_LOG_PARALLEL_H_
#define CRMCORE_IO_TRANSACTION_LOG_PARALLEL_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crmcore/transaction_log.h"
#include "io/transaction_log_fields.h"
#include "io/transaction_log_internal.h"

namespace crmcore::internal {

// The bytes of a log, readable at any offset from any thread.
class ByteInput {
 public:
  virtual ~ByteInput() = default;
  // The input's size in bytes.
  virtual int64_t size() const = 0;
  // Copies up to `count` bytes at `offset` into `out`: how many, 0 at the end.
  virtual absl::StatusOr<size_t> ReadAt(int64_t offset, char* out, size_t count) const = 0;
  // All the bytes when they are in memory (chunks are then parsed in place), else null.
  virtual const char* data() const { return nullptr; }
};

// A log held in memory.
class BufferInput final : public ByteInput {
 public:
  explicit BufferInput(absl::string_view bytes) : bytes_(bytes) {}
  int64_t size() const override { return static_cast<int64_t>(bytes_.size()); }
  absl::StatusOr<size_t> ReadAt(int64_t offset, char* out, size_t count) const override;
  const char* data() const override { return bytes_.data(); }

 private:
  absl::string_view bytes_;
};

// The fewest bytes a loaded row can take: the date's fixed width, one byte for each
// other column, a separator between columns and a line end. Bounds a row estimate.
size_t MinRowBytes(const TransactionLogOptions& options, const DateFormat& date);

// Rows to reserve for `total_bytes` of input given that a sample of `sample_bytes`
// held `sample_rows` records: the sample's density scaled up with 2 % to spare, but
// never more than `total_bytes / min_row_bytes` + 1 (so that a sample of a few short
// rows cannot reserve wildly). 0 when the sample is empty.
size_t EstimateRows(size_t sample_bytes, size_t sample_rows, size_t total_bytes,
                    size_t min_row_bytes);

// Loads `input` in chunks on up to `threads` threads (see TransactionLogOptions::threads)
// and merges them into exactly what the sequential load gives. nullopt when that
// cannot be promised or the input must be read sequentially anyway: too small for
// the tuning, one thread, a split that is not provably at a record boundary (a quoted
// newline), a header that does not end within the first read, or any error, bad row
// or otherwise, whose message only the sequential load gives as the contract says.
// `progress` reports on the calling thread (see TransactionLogOptions::progress).
std::optional<TransactionLog> LoadInParallel(const ByteInput& input, absl::string_view source,
                                             const TransactionLogOptions& options,
                                             const DateFormat& date, const IngestTuning& tuning);

}  // namespace crmcore::internal

#endif  // CRMCORE_IO_TRANSACTION_LOG_PARALLEL_H_

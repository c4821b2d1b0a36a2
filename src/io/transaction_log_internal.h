// Private to the compiled library and its white-box tests: a seam into the
// transaction-log loader of src/io/transaction_log.cc.
#ifndef CRMCORE_IO_TRANSACTION_LOG_INTERNAL_H_
#define CRMCORE_IO_TRANSACTION_LOG_INTERNAL_H_

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

/// LoadTransactionLogFromBuffer with the record splitter chosen, so that a test can
/// run both splitters over the same input and compare.
absl::StatusOr<TransactionLog> LoadTransactionLogFromBufferWith(
    absl::string_view bytes, absl::string_view source_name,
    const TransactionLogOptions& options, RecordSplitter splitter);

}  // namespace crmcore::internal

#endif  // CRMCORE_IO_TRANSACTION_LOG_INTERNAL_H_

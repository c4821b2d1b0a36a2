// The chunked file reader of the transaction-log loader: LoadTransactionLog. A regular
// file of at least IngestTuning::parallel_min_bytes goes to the parallel reader
// (transaction_log_parallel.cc) through pread(); anything else, and every load the
// parallel reader gives up, is read sequentially with read() through a window of one
// chunk plus one maximal record, so that a pipe works too and memory stays bounded.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "crmcore/transaction_log.h"
#include "io/record_loader.h"
#include "io/transaction_log_fields.h"
#include "io/transaction_log_internal.h"
#include "io/transaction_log_parallel.h"

namespace crmcore {
namespace {

using internal::DateFormat;


// Closes a file descriptor on scope exit.
class FileCloser {
 public:
  explicit FileCloser(int fd) : fd_(fd) {}
  FileCloser(const FileCloser&) = delete;
  FileCloser& operator=(const FileCloser&) = delete;
  ~FileCloser() { ::close(fd_); }

 private:
  int fd_;
};

// The system's reason, naming the path, with absl's code for the errno (absent:
// NotFound, forbidden: PermissionDenied, a directory: FailedPrecondition, ...).
absl::Status ReadError(int error_number, const std::string& path, absl::string_view what) {
  return absl::ErrnoToStatus(error_number,
                             absl::StrCat("cannot ", what, " transaction log '", path, "'"));
}

// A read() that fails on an open file (EIO, ...) lost the bytes: DataLoss, the I/O error
// (CRM_ERR_IO in C), where absl would say Unknown.
absl::Status ReadBytesError(int error_number, const std::string& path) {
  return absl::DataLossError(ReadError(error_number, path, "read").message());
}

// An open regular file read with pread(), which threads may share.
class FileInput final : public internal::ByteInput {
 public:
  FileInput(int fd, int64_t size, const std::string& path) : fd_(fd), size_(size), path_(path) {}
  int64_t size() const override { return size_; }
  absl::StatusOr<size_t> ReadAt(int64_t offset, char* out, size_t count) const override {
    for (;;) {
      const ssize_t got = ::pread(fd_, out, count, static_cast<off_t>(offset));
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return ReadBytesError(errno, path_);
    }
  }

 private:
  int fd_;
  int64_t size_;
  const std::string& path_;
};

}  // namespace

absl::StatusOr<TransactionLog> internal::LoadTransactionLogWith(
    const std::string& path, const TransactionLogOptions& options, const IngestTuning& tuning) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_ASSIGN_OR_RETURN(DateFormat date, DateFormat::Compile(options.date_format));
  if (tuning.stats != nullptr) *tuning.stats = IngestStats{};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ReadError(errno, path, "open");
  FileCloser closer(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0) return ReadError(errno, path, "stat");
  if (S_ISDIR(info.st_mode)) return ReadError(EISDIR, path, "read");

  if (S_ISREG(info.st_mode)) {
    const FileInput input(fd, static_cast<int64_t>(info.st_size), path);
    if (std::optional<TransactionLog> log = LoadInParallel(input, path, options, date, tuning)) {
      return *std::move(log);
    }
  }
  if (tuning.stats != nullptr) tuning.stats->chunks = 1;

  const size_t min_row_bytes = MinRowBytes(options, date);
  Loader loader(options, path, std::move(date), tuning.splitter);
  // One chunk plus the longest allowed record (and its "\r"): an unfinished record is
  // never longer than max_line_bytes + 1 when the next chunk is appended.
  const size_t chunk_bytes = std::max<size_t>(tuning.read_chunk_bytes, 1);
  std::vector<char> buffer(chunk_bytes + options.max_line_bytes + 1);
  size_t filled = 0;
  int64_t total = 0;
  bool reserved = false;
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data() + filled, chunk_bytes);
    if (got < 0) {
      if (errno == EINTR) continue;
      return ReadBytesError(errno, path);
    }
    const auto got_bytes = static_cast<size_t>(got);
    total += got;
    filled += got_bytes;
    const bool eof = got_bytes == 0;
    CRM_ASSIGN_OR_RETURN(const size_t consumed, loader.ParseWindow(buffer.data(), filled, eof));
    if (!reserved && loader.rows_read() > 0 && info.st_size > 0) {
      // Rows so far scaled to the file's size, so that the columns grow once; bounded
      // by the fewest bytes a row can take.
      reserved = true;
      loader.Reserve(EstimateRows(static_cast<size_t>(total) - (filled - consumed),
                                  static_cast<size_t>(loader.rows_read()),
                                  static_cast<size_t>(info.st_size), min_row_bytes));
    }
    if (options.progress) options.progress(total, static_cast<int64_t>(info.st_size));
    if (eof) break;
    std::memmove(buffer.data(), buffer.data() + consumed, filled - consumed);
    filled -= consumed;
  }
  return std::move(loader).Finish(total);
}

absl::StatusOr<TransactionLog> LoadTransactionLog(const std::string& path,
                                                  const TransactionLogOptions& options) {
  return internal::LoadTransactionLogWith(path, options, internal::IngestTuning{});
}

}  // namespace crmcore

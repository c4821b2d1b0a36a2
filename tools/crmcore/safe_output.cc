#include "safe_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <streambuf>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace crmcore_cli {
namespace {

// ---------------------------------------------------------------------------
// Temporary files to remove when SIGINT or SIGTERM ends the program: a fixed table the
// handler can read without allocating (unlink is async-signal-safe).

constexpr int kMaxPending = 4;
constexpr size_t kMaxPath = 4096;
char pending_path[kMaxPending][kMaxPath];
std::atomic<bool> pending_used[kMaxPending];     // the handler may read the path
std::atomic<bool> pending_claimed[kMaxPending];  // the slot belongs to a PendingRemoval

extern "C" void RemovePendingAndReraise(int signal_number) {
  for (int i = 0; i < kMaxPending; ++i) {
    if (pending_used[i].load()) unlink(pending_path[i]);
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// For SIGINT, SIGTERM and SIGHUP, unless the program was started with the signal ignored
// (nohup, a background job of a script): it stays ignored then.
void InstallSignalHandlers() {
  static const bool installed = [] {
    for (const int s : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction previous {};
      if (sigaction(s, nullptr, &previous) != 0 || previous.sa_handler == SIG_IGN) continue;
      struct sigaction action {};
      action.sa_handler = RemovePendingAndReraise;
      sigemptyset(&action.sa_mask);
      sigaction(s, &action, nullptr);
    }
    return true;
  }();
  (void)installed;
}

// Registers a temporary file for removal on a signal while it lives.
class PendingRemoval {
 public:
  explicit PendingRemoval(const std::string& path) {
    if (path.size() >= kMaxPath) return;
    for (int i = 0; i < kMaxPending; ++i) {
      // The path is written before the flag is set, so the handler never reads half a path.
      bool expected = false;
      if (!pending_claimed[i].compare_exchange_strong(expected, true)) continue;
      std::memcpy(pending_path[i], path.c_str(), path.size() + 1);
      pending_used[i].store(true);
      slot_ = i;
      return;
    }
  }
  PendingRemoval(const PendingRemoval&) = delete;
  PendingRemoval& operator=(const PendingRemoval&) = delete;
  ~PendingRemoval() {
    if (slot_ < 0) return;
    pending_used[slot_].store(false);
    pending_claimed[slot_].store(false);
  }

 private:
  int slot_ = -1;
};

// ---------------------------------------------------------------------------
// A stream buffer over a file descriptor that remembers why a write failed (std::ofstream
// only says that it did).
class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd) : fd_(fd), buffer_(size_t{1} << 20) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override {
    if (!Drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* data, std::streamsize count) override {
    // Large blocks (the table writers hand over whole chunks) go straight to the file.
    if (count >= static_cast<std::streamsize>(buffer_.size())) {
      if (!Drain() || !WriteAll(data, static_cast<size_t>(count))) return 0;
      return count;
    }
    return std::streambuf::xsputn(data, count);
  }
  int sync() override { return Drain() ? 0 : -1; }

 private:
  bool Drain() {
    const size_t size = static_cast<size_t>(pptr() - pbase());
    const bool ok = WriteAll(pbase(), size);
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return ok;
  }
  bool WriteAll(const char* data, size_t size) {
    if (error_ != 0) return false;
    while (size > 0) {
      const ssize_t wrote = ::write(fd_, data, size);
      if (wrote < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
        return false;
      }
      data += wrote;
      size -= static_cast<size_t>(wrote);
    }
    return true;
  }

  int fd_;
  std::vector<char> buffer_;
  int error_ = 0;
};

absl::Status CannotWrite(const std::string& path, int error) {
  return absl::UnavailableError(
      absl::StrCat("cannot write ", path, ": ", std::strerror(error)));
}

// The path made absolute with every symlink, `.` and `..` resolved as far as it exists.
std::string Resolved(const std::string& path) {
  std::error_code error;
  std::filesystem::path resolved = std::filesystem::weakly_canonical(
      std::filesystem::absolute(path, error), error);
  return error ? std::filesystem::absolute(path, error).lexically_normal().string()
               : resolved.string();
}

// The file a chain of symlinks ends at (which need not exist yet), or `path` itself when it
// is no symlink; each relative link is read from its own folder.
std::string FollowSymlinks(const std::string& path) {
  std::filesystem::path current(path);
  std::error_code error;
  for (int hops = 0; hops < 40 && std::filesystem::is_symlink(current, error); ++hops) {
    const std::filesystem::path target = std::filesystem::read_symlink(current, error);
    if (error) break;
    current = target.is_absolute() ? target : current.parent_path() / target;
  }
  return current.string();
}

// The open descriptor a path names, for /dev/stdout, /dev/stderr, /dev/fd/N and
// /proc/self/fd/N; -1 for any other path. Writing to such a path means writing to that
// descriptor as it is (a pipe, a terminal, a file opened for appending by `>>`):
// reopening it would start at offset 0, and a rename would replace the file.
int DescriptorNamed(absl::string_view path) {
  if (path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  for (const absl::string_view prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    int fd = -1;
    if (absl::ConsumePrefix(&path, prefix) && absl::SimpleAtoi(path, &fd) && fd >= 0) return fd;
  }
  return -1;
}

// Writes `write(stream)` to an open descriptor (duplicated, so closing ours keeps it).
absl::Status WriteToDescriptor(const std::string& path, int fd,
                               const std::function<void(std::ostream&)>& write) {
  const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return CannotWrite(path, errno);
  FdStreamBuf buffer(own);
  std::ostream stream(&buffer);
  write(stream);
  stream.flush();
  const int error = buffer.error() != 0 ? buffer.error() : (stream ? 0 : EIO);
  ::close(own);
  return error == 0 ? absl::OkStatus() : CannotWrite(path, error);
}

std::string Describe(const NamedPath& p) { return absl::StrCat(p.what, " ", p.path); }

}  // namespace

absl::Status CheckOutputsAreDistinct(const std::vector<NamedPath>& inputs,
                                     const std::vector<NamedPath>& outputs) {
  const auto same = [](const NamedPath& a, const NamedPath& b) {
    struct stat sa {}, sb {};
    if (::stat(a.path.c_str(), &sa) == 0 && ::stat(b.path.c_str(), &sb) == 0) {
      return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    }
    return Resolved(a.path) == Resolved(b.path);
  };
  for (size_t o = 0; o < outputs.size(); ++o) {
    for (const NamedPath& input : inputs) {
      if (same(outputs[o], input)) {
        return absl::InvalidArgumentError(absl::StrCat(
            Describe(outputs[o]), " is the same file as ", Describe(input),
            ": refusing to overwrite an input; write the output elsewhere"));
      }
    }
    for (size_t p = 0; p < o; ++p) {
      if (same(outputs[o], outputs[p])) {
        return absl::InvalidArgumentError(absl::StrCat(
            Describe(outputs[o]), " is the same file as ", Describe(outputs[p]),
            ": each output needs its own file"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status WriteFileSafely(const std::string& path,
                             const std::function<void(std::ostream&)>& write) {
  // A device, pipe or terminal (/dev/null, /dev/stdout, a FIFO) is written in place,
  // opened by the path given: /dev/stdout names whatever fd 1 is, which a rename would
  // replace. A regular file is replaced, and through a symlink the file it names.
  if (const int fd = DescriptorNamed(path); fd >= 0) return WriteToDescriptor(path, fd, write);
  struct stat existing {};
  const bool exists = ::stat(path.c_str(), &existing) == 0;
  if (exists && !S_ISREG(existing.st_mode)) {
    if (S_ISDIR(existing.st_mode)) return CannotWrite(path, EISDIR);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return CannotWrite(path, errno);
    const absl::Status written = WriteToDescriptor(path, fd, write);
    ::close(fd);
    return written;
  }

  const std::string target = FollowSymlinks(path);
  // The temporary file sits in the target's folder (a rename within one file system is
  // atomic), hidden and named so that nobody takes it for the output.
  const std::filesystem::path target_path(target);
  const std::filesystem::path folder =
      target_path.has_parent_path() ? target_path.parent_path() : std::filesystem::path(".");
  std::string temp =
      (folder / absl::StrCat(".", target_path.filename().string(), ".crmcore-XXXXXX")).string();
  InstallSignalHandlers();
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return CannotWrite(path, errno);
  PendingRemoval removal(temp);
  // mkostemp creates 0600. The replaced file's permissions carry over (a 0600 table of
  // customers stays private); a new output gets the usual 0666 less the umask.
  if (exists) {
    ::fchmod(fd, existing.st_mode & 07777);
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
  }

  FdStreamBuf buffer(fd);
  std::ostream stream(&buffer);
  try {
    write(stream);
  } catch (...) {  // out of memory while formatting: no temporary file left behind
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  stream.flush();
  int error = buffer.error() != 0 ? buffer.error() : (stream ? 0 : EIO);
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temp.c_str(), target.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    return CannotWrite(path, error);
  }
  // The rename itself reaches the disk with the folder's entry.
  const int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return absl::OkStatus();
}

absl::Status WriteStdout(const std::function<void(std::ostream&)>& write) {
  write(std::cout);
  std::cout.flush();
  if (std::cout.good()) return absl::OkStatus();
  // std::cout does not keep errno; a failed write leaves it set in practice.
  const int error = errno != 0 ? errno : EIO;
  return absl::UnavailableError(absl::StrCat("cannot write to stdout: ", std::strerror(error)));
}

}  // namespace crmcore_cli

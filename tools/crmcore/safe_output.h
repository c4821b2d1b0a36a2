// Output files that never lose data (issue 13): every output is written to a temporary
// file beside its target, flushed to disk, then renamed over the target, so a failed,
// interrupted or killed run leaves the previous file whole; and no output may be an input
// or another output of the same run.
#ifndef CRMCORE_TOOLS_CRMCORE_SAFE_OUTPUT_H_
#define CRMCORE_TOOLS_CRMCORE_SAFE_OUTPUT_H_

#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace crmcore_cli {

/// A path the program reads or writes, with the words that name it in messages
/// (e.g. {"--out", "scores.csv"} or {"the input", "log.csv"}).
struct NamedPath {
  std::string what;
  std::string path;
};

/// Refuses outputs that are the same file as an input or as another output: the same
/// device and inode when the file exists (symlinks and hard links included), otherwise
/// the same path once made absolute, with `.`/`..` and symlinked folders resolved.
/// InvalidArgument naming both paths; checked before anything is read or written.
absl::Status CheckOutputsAreDistinct(const std::vector<NamedPath>& inputs,
                                     const std::vector<NamedPath>& outputs);

/// Writes `write(stream)` to `path` safely (see the file comment). A target that exists
/// and is not a regular file (/dev/null, a pipe), or names an open descriptor
/// (/dev/stdout, /dev/stderr, /dev/fd/N: written as that descriptor stands, so `>> log`
/// appends), is written in place; a
/// symlink to a regular file is followed, so the file it names is replaced, keeping its
/// permissions. SIGINT, SIGTERM and SIGHUP during the write (unless the program started
/// with them ignored) remove the temporary file before the program ends.
///
/// Errors: Unavailable "cannot write PATH: REASON" with the system's reason ("No space left
/// on device", "Permission denied") for any failure to create, write, flush or rename;
/// the target is then unchanged and the temporary file removed.
absl::Status WriteFileSafely(const std::string& path,
                             const std::function<void(std::ostream&)>& write);

/// Writes `write(std::cout)` and flushes; Unavailable "cannot write to stdout: REASON"
/// when the stream fails (a full disk behind a redirection, a closed pipe).
absl::Status WriteStdout(const std::function<void(std::ostream&)>& write);

}  // namespace crmcore_cli

#endif  // CRMCORE_TOOLS_CRMCORE_SAFE_OUTPUT_H_

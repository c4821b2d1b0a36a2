// The parallel reader of the transaction-log loader (see transaction_log_parallel.h).
//
// The input is cut into one chunk per thread at line starts: after the header (parsed
// first, on the calling thread, so that every chunk knows the columns), at the first
// '\n' at or past each nominal split. Each chunk gets its own Loader, which counts
// lines from 1 and interns ids into its own table; the calling thread parses the first
// chunk. A split is accepted only when the loader of the chunk before it consumed
// every byte up to it with no record left pending: that loader started at a record
// boundary (the first one does, and so on by induction) and parsed those bytes as
// the sequential loader does, so the split is a record boundary too. A split inside a
// quoted field that holds a newline leaves that record pending, and the load falls
// back to the sequential one, as it does for any error (so that the error, the first
// in file order, reads exactly as the sequential load writes it).
//
// The merge appends each chunk to the first in file order (Loader::Absorb): ids new to
// the merged table in the chunk's own first-seen order, which is their first-seen
// order in the file; rows with their ids remapped; lines shifted by the earlier
// chunks' line count; skipped rows kept up to max_reported_errors.
#include "io/transaction_log_parallel.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <memory>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "io/record_loader.h"

namespace crmcore::internal {
namespace {

// Bytes read at a time while looking for a line end near a nominal split.
constexpr size_t kBoundaryProbeBytes = size_t{64} << 10;
// Bytes of the first data rows whose density sizes the columns.
constexpr size_t kSampleBytes = size_t{64} << 10;

// The offset of the first line start after `from` - 1, that is the byte after the
// first '\n' at or after offset from - 1 (from >= 1), looking at most `max_scan`
// bytes; nullopt when there is none (or the input cannot be read there).
std::optional<int64_t> FindLineStart(const ByteInput& input, int64_t from, size_t max_scan) {
  const int64_t size = input.size();
  int64_t at = from - 1;
  const int64_t stop = std::min<int64_t>(size, at + static_cast<int64_t>(max_scan));
  if (const char* data = input.data(); data != nullptr) {
    const void* found = std::memchr(data + at, '\n', static_cast<size_t>(stop - at));
    if (found == nullptr) return std::nullopt;
    return static_cast<const char*>(found) - data + 1;
  }
  std::vector<char> piece(kBoundaryProbeBytes);
  while (at < stop) {
    const auto want = static_cast<size_t>(std::min<int64_t>(stop - at, kBoundaryProbeBytes));
    const absl::StatusOr<size_t> got = input.ReadAt(at, piece.data(), want);
    if (!got.ok() || *got == 0) return std::nullopt;
    if (const void* found = std::memchr(piece.data(), '\n', *got); found != nullptr) {
      return at + (static_cast<const char*>(found) - piece.data()) + 1;
    }
    at += static_cast<int64_t>(*got);
  }
  return std::nullopt;
}

struct Chunk {
  int64_t begin = 0;
  int64_t end = 0;  // The input's end for the last chunk, which reads to the end.
  bool last = false;
  std::unique_ptr<Loader> loader;
  int64_t bytes = 0;  // Bytes parsed.
  bool ok = false;    // Parsed every byte without error, ending at a record boundary.
};

// Parses one chunk with its loader. `report` (the first chunk) calls the progress
// callback with what all chunks have read so far.
void ParseChunk(const ByteInput& input, const TransactionLogOptions& options,
                const IngestTuning& tuning, Chunk& chunk, std::atomic<int64_t>& bytes_read,
                bool report) {
  try {
    Loader& loader = *chunk.loader;
    if (const char* data = input.data(); data != nullptr) {
      const auto size = static_cast<size_t>(chunk.end - chunk.begin);
      const absl::StatusOr<size_t> consumed =
          loader.ParseWindow(data + chunk.begin, size, chunk.last);
      chunk.bytes = static_cast<int64_t>(size);
      chunk.ok = consumed.ok() && (chunk.last || *consumed == size);
      return;
    }
    // A file: the sequential reader's window of one read plus one maximal record.
    const size_t read_bytes = std::max<size_t>(tuning.read_chunk_bytes, 1);
    std::vector<char> buffer(read_bytes + options.max_line_bytes + 1);
    size_t filled = 0;
    int64_t offset = chunk.begin;
    for (;;) {
      const size_t want =
          chunk.last ? read_bytes
                     : std::min(read_bytes, static_cast<size_t>(chunk.end - offset));
      const absl::StatusOr<size_t> got = input.ReadAt(offset, buffer.data() + filled, want);
      if (!got.ok()) return;
      if (*got == 0 && !chunk.last) return;  // The file shrank.
      offset += static_cast<int64_t>(*got);
      filled += *got;
      const int64_t total = bytes_read.fetch_add(static_cast<int64_t>(*got)) +
                            static_cast<int64_t>(*got);
      const bool eof = chunk.last && *got == 0;
      const absl::StatusOr<size_t> consumed = loader.ParseWindow(buffer.data(), filled, eof);
      if (!consumed.ok()) return;
      if (report && options.progress) options.progress(total, input.size());
      if (eof || (!chunk.last && offset == chunk.end)) {
        chunk.bytes = offset - chunk.begin;
        chunk.ok = eof || *consumed == filled;
        return;
      }
      std::memmove(buffer.data(), buffer.data() + *consumed, filled - *consumed);
      filled -= *consumed;
    }
  } catch (...) {
    // Out of memory on a worker thread: the sequential load then has its say.
    chunk.ok = false;
  }
}

// Notes in the stats that the parallel load was tried and given up.
std::nullopt_t GiveUp(const IngestTuning& tuning) {
  if (tuning.stats != nullptr) tuning.stats->fell_back = true;
  return std::nullopt;
}

}  // namespace

absl::StatusOr<size_t> BufferInput::ReadAt(int64_t offset, char* out, size_t count) const {
  const auto at = static_cast<size_t>(offset);
  if (at >= bytes_.size()) return size_t{0};
  const size_t n = std::min(count, bytes_.size() - at);
  std::memcpy(out, bytes_.data() + at, n);
  return n;
}

size_t MinRowBytes(const TransactionLogOptions& /*options*/, const DateFormat& date) {
  // Only the date and the line end are certain: two fields may name one column.
  return date.width() + 1;
}

size_t EstimateRows(size_t sample_bytes, size_t sample_rows, size_t total_bytes,
                    size_t min_row_bytes) {
  if (sample_bytes == 0 || sample_rows == 0) return 0;
  const double scaled = static_cast<double>(sample_rows) * static_cast<double>(total_bytes) /
                            static_cast<double>(sample_bytes) * 1.02 +
                        16;
  const size_t cap = total_bytes / std::max<size_t>(min_row_bytes, 1) + 1;
  return scaled >= static_cast<double>(cap) ? cap : static_cast<size_t>(scaled);
}

std::optional<TransactionLog> LoadInParallel(const ByteInput& input, absl::string_view source,
                                             const TransactionLogOptions& options,
                                             const DateFormat& date,
                                             const IngestTuning& tuning) {
  const size_t threads =
      options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const int64_t size = input.size();
  if (threads < 2 || size <= 0 || static_cast<uint64_t>(size) < tuning.parallel_min_bytes) {
    return std::nullopt;
  }

  // The first bytes: the header, and the density of the first rows.
  const size_t first_size =
      std::min(static_cast<size_t>(size), std::max<size_t>(tuning.read_chunk_bytes, 1));
  std::vector<char> first_copy;
  const char* first = input.data();
  if (first == nullptr) {
    first_copy.resize(first_size);
    size_t filled = 0;
    while (filled < first_size) {
      const absl::StatusOr<size_t> got =
          input.ReadAt(static_cast<int64_t>(filled), first_copy.data() + filled,
                       first_size - filled);
      if (!got.ok() || *got == 0) return GiveUp(tuning);
      filled += *got;
    }
    first = first_copy.data();
  }
  Loader header(options, source, date, tuning.splitter);
  int64_t data_begin = 0;
  if (options.has_header) {
    header.StopAfterHeader();
    const absl::StatusOr<size_t> consumed =
        header.ParseWindow(first, first_size, static_cast<int64_t>(first_size) == size);
    if (!consumed.ok() || !header.header_done()) return GiveUp(tuning);
    data_begin = static_cast<int64_t>(*consumed);
  }
  const auto sample_begin = static_cast<size_t>(data_begin);
  const size_t sample_bytes = std::min(first_size - sample_begin, kSampleBytes);
  const auto sample_rows = static_cast<size_t>(
      std::count(first + sample_begin, first + sample_begin + sample_bytes, '\n'));
  const size_t min_row_bytes = MinRowBytes(options, date);

  // Split points at line starts, one chunk per thread.
  const int64_t data_bytes = size - data_begin;
  const auto wanted = static_cast<size_t>(std::min<int64_t>(
      static_cast<int64_t>(threads),
      std::max<int64_t>(1, data_bytes / static_cast<int64_t>(std::max<size_t>(
                                            tuning.parallel_min_chunk_bytes, 1)))));
  if (wanted < 2) return std::nullopt;
  std::vector<int64_t> bounds = {data_begin};
  for (size_t k = 1; k < wanted; ++k) {
    const int64_t nominal = data_begin + static_cast<int64_t>(
                                             static_cast<double>(data_bytes) *
                                             static_cast<double>(k) / static_cast<double>(wanted));
    const int64_t from = std::max(nominal, bounds.back() + 1);
    if (from >= size) break;
    const std::optional<int64_t> start = FindLineStart(input, from, options.max_line_bytes + 2);
    if (!start || *start >= size) break;
    bounds.push_back(*start);
  }
  if (bounds.size() < 2) return GiveUp(tuning);
  bounds.push_back(size);

  std::vector<Chunk> chunks(bounds.size() - 1);
  for (size_t k = 0; k < chunks.size(); ++k) {
    Chunk& chunk = chunks[k];
    chunk.begin = bounds[k];
    chunk.end = bounds[k + 1];
    chunk.last = k + 1 == chunks.size();
    chunk.loader = std::make_unique<Loader>(options, source, date, tuning.splitter);
    if (k > 0) {
      chunk.loader->ContinueAfter(header, 1);
    } else if (options.has_header) {
      chunk.loader->ContinueAfter(header, header.line());
    }
    // The first chunk's columns receive every chunk's rows.
    const int64_t bytes = k == 0 ? data_bytes : chunk.end - chunk.begin;
    chunk.loader->Reserve(EstimateRows(sample_bytes, sample_rows, static_cast<size_t>(bytes),
                                       min_row_bytes));
  }

  std::atomic<int64_t> bytes_read{0};
  std::vector<std::thread> workers;
  workers.reserve(chunks.size() - 1);
  std::vector<size_t> inline_chunks = {0};  // Parsed on the calling thread.
  for (size_t k = 1; k < chunks.size(); ++k) {
    try {
      workers.emplace_back([&, k] {
        ParseChunk(input, options, tuning, chunks[k], bytes_read, /*report=*/false);
      });
    } catch (const std::system_error&) {
      inline_chunks.push_back(k);  // No thread to be had: parsed here instead.
    }
  }
  for (const size_t k : inline_chunks) {
    ParseChunk(input, options, tuning, chunks[k], bytes_read, /*report=*/k == 0);
  }
  for (std::thread& worker : workers) worker.join();

  int64_t total = data_begin;  // The header's bytes, then each chunk's.
  for (const Chunk& chunk : chunks) {
    if (!chunk.ok) return GiveUp(tuning);
    total += chunk.bytes;
  }
  Loader& merged = *chunks[0].loader;
  for (size_t k = 1; k < chunks.size(); ++k) {
    if (!merged.Absorb(std::move(*chunks[k].loader), static_cast<unsigned>(threads),
                       tuning.merge_min_ids_per_thread)) {
      return GiveUp(tuning);
    }
    chunks[k].loader.reset();
  }
  absl::StatusOr<TransactionLog> log = std::move(merged).Finish(total);
  if (!log.ok()) return GiveUp(tuning);
  if (input.data() == nullptr && options.progress) options.progress(total, size);
  if (tuning.stats != nullptr) tuning.stats->chunks = chunks.size();
  return std::move(log).value();
}

}  // namespace crmcore::internal

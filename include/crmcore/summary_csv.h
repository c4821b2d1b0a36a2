// Reading a per-customer summary table (frequency, recency, T, monetary value) from
// CSV, e.g. what `crmcore summarize` writes or the published CDNOW summaries, so the
// lifetime models can be fitted without the transaction log.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_SUMMARY_CSV_H_
#define CRMCORE_SUMMARY_CSV_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crmcore {

/// Header names of the summary columns; defaults are what `crmcore summarize` writes.
struct SummaryColumnNames {
  std::string frequency = "frequency";
  std::string recency = "recency";
  std::string T = "T";
  /// Empty: the table has no monetary column (enough for BG/NBD and Pareto/NBD).
  std::string monetary_value = "monetary_value";
  /// Empty (the default): no weight column, each row is one customer. Otherwise the
  /// column counting the customers of each row (a summary of identical histories).
  std::string weight;
};

/// The numeric columns of a summary CSV, one entry per data row, in file order.
struct SummaryTable {
  std::vector<double> frequency;
  std::vector<double> recency;
  std::vector<double> T;
  /// Empty when SummaryColumnNames::monetary_value was empty.
  std::vector<double> monetary_value;
  /// Empty when SummaryColumnNames::weight was empty; else finite values >= 0.
  std::vector<double> weight;
  /// The 1-based line of each row in the file, for messages about a row.
  std::vector<int64_t> line;

  size_t size() const { return frequency.size(); }
};

/// True when the first line of `text` names the frequency, recency and T columns of
/// `names`: how the CLI tells a summary CSV from a transaction log.
bool HasSummaryHeader(absl::string_view text, const SummaryColumnNames& names);

/// Parses a comma-separated summary with a header row. Every value of the named columns
/// must be a finite decimal number; other columns (e.g. the customer id) are ignored.
/// Fields (header cells too) may be quoted RFC 4180 style ("Smith, J"), as `crmcore
/// summarize` writes ids, but a record must fit on one line.
/// Errors (InvalidArgument, "SOURCE:LINE[:COLUMN]: ..."): a missing header column (listing
/// the header, cut after 200 bytes), a row with another field count than the header, a
/// value that is not a finite number, an unbalanced quote, an empty table.
absl::StatusOr<SummaryTable> ParseSummaryCsv(absl::string_view text, absl::string_view source_name,
                                             const SummaryColumnNames& names);

/// Reads the file at `path` (whole, into memory: a summary has one short row per
/// customer) and parses it. NotFound/PermissionDenied naming the path when it cannot be read.
absl::StatusOr<SummaryTable> LoadSummaryCsv(const std::string& path,
                                            const SummaryColumnNames& names);

/// Reads the whole file at `path`; used by the CLI to sniff the header too.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace crmcore

#endif  // CRMCORE_SUMMARY_CSV_H_

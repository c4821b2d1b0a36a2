// Fuzz target: the per-customer summary CSV reader (crmcore/summary_csv.h).
//
// Input layout: byte 0 flags (bit 0: read without a monetary column), then the file.
//
// Invariants: an error is InvalidArgument with a message naming the source; a table that
// parses has columns of equal length (monetary empty iff not requested), at least one row,
// only finite values, a first line HasSummaryHeader recognizes, a line number per row (rising),
// every row's line with as many fields as the header line (counted here by a plain reading
// of RFC 4180 quoting), and survives a round trip: written back as CSV with 17 significant
// digits, it parses to the same doubles.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "crmcore/summary_csv.h"
#include "fuzz_common.h"

namespace {

// Fields of one accepted line, read independently of the library: a field that starts
// with a double quote runs to the quote that closes it ("" inside is one quote); any
// other field runs to the next comma (quotes inside it are plain characters).
size_t CountFields(absl::string_view line) {
  size_t fields = 1;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == '"') {
      size_t j = i + 1;
      while (j < line.size() && !(line[j] == '"' && (j + 1 == line.size() || line[j + 1] != '"'))) {
        j += line[j] == '"' ? 2 : 1;
      }
      i = j + 1;  // past the closing quote
    }
    while (i < line.size() && line[i] != ',') ++i;
    if (i < line.size()) {
      ++fields;
      ++i;
    }
  }
  return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crmcore;
  using namespace crmcore::fuzz;
  FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const absl::string_view text = in.Rest();
  SummaryColumnNames names;
  if ((flags & 1) != 0) names.monetary_value.clear();

  (void)HasSummaryHeader(text, names);  // Must not crash on any bytes.
  const absl::StatusOr<SummaryTable> table = ParseSummaryCsv(text, "summary.csv", names);
  if (!table.ok()) {
    CRM_FUZZ_CHECK(table.status().code() == absl::StatusCode::kInvalidArgument &&
                       absl::StartsWith(table.status().message(), "summary.csv"),
                   table.status().ToString());
    return 0;
  }
  const size_t n = table->size();
  CRM_FUZZ_CHECK(n > 0, "an empty table parsed");
  CRM_FUZZ_CHECK(table->recency.size() == n && table->T.size() == n &&
                     table->monetary_value.size() == (names.monetary_value.empty() ? 0 : n),
                 "columns of unequal length");
  CRM_FUZZ_CHECK(HasSummaryHeader(text, names),
                 "ParseSummaryCsv accepted a table whose header HasSummaryHeader rejects");
  // The field-count invariant: each accepted row's line has the header's field count.
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  const auto strip_cr = [](absl::string_view line) { return absl::StripSuffix(line, "\r"); };
  const size_t header_fields = CountFields(strip_cr(lines.front()));
  CRM_FUZZ_CHECK(table->line.size() == n, "a row without its line number");
  for (size_t i = 0; i < n; ++i) {
    const int64_t line = table->line[i];
    CRM_FUZZ_CHECK(line >= 2 && static_cast<size_t>(line) <= lines.size() &&
                       (i == 0 || line > table->line[i - 1]),
                   absl::StrCat("row ", i, ": line ", line, " out of order or range"));
    CRM_FUZZ_CHECK(CountFields(strip_cr(lines[static_cast<size_t>(line) - 1])) == header_fields,
                   absl::StrCat("line ", line, ": a field count other than the header's"));
  }
  std::string csv = names.monetary_value.empty() ? "frequency,recency,T\n"
                                                 : "frequency,recency,T,monetary_value\n";
  for (size_t i = 0; i < n; ++i) {
    const double values[] = {table->frequency[i], table->recency[i], table->T[i],
                             names.monetary_value.empty() ? 0.0 : table->monetary_value[i]};
    for (const double v : values) {
      CRM_FUZZ_CHECK(std::isfinite(v), absl::StrCat("row ", i, ": non-finite value ", v));
    }
    absl::StrAppendFormat(&csv, "%.17g,%.17g,%.17g", values[0], values[1], values[2]);
    if (!names.monetary_value.empty()) absl::StrAppendFormat(&csv, ",%.17g", values[3]);
    csv += '\n';
  }
  const absl::StatusOr<SummaryTable> again = ParseSummaryCsv(csv, "again.csv", names);
  CRM_FUZZ_CHECK(again.ok(), absl::StrCat("round trip: ", again.status().ToString()));
  CRM_FUZZ_CHECK(again->frequency == table->frequency && again->recency == table->recency &&
                     again->T == table->T && again->monetary_value == table->monetary_value,
                 "the round trip changed a value");
  return 0;
}

// Fuzz target: the per-customer summary CSV reader (crmcore/summary_csv.h).
//
// Input layout: byte 0 flags (bit 0: read without a monetary column), then the file.
//
// Invariants: an error is InvalidArgument with a message naming the source; a table that
// parses has columns of equal length (monetary empty iff not requested), at least one row,
// only finite values, a first line HasSummaryHeader recognizes, and survives a round trip:
// written back as CSV with 17 significant digits, it parses to the same doubles.
#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "crmcore/summary_csv.h"
#include "fuzz_common.h"

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

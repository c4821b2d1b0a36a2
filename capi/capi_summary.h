// Internal to the C API (not installed): the object behind crm_summary, shared by the
// ingest section (crmcore_c_ingest.cc, which makes it) and the models section
// (crmcore_c_models.cc, which fits on it).
#ifndef CRMCORE_CAPI_SUMMARY_H_
#define CRMCORE_CAPI_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "crmcore.h"
#include "crmcore/rfm_summary.h"

// One skipped row of a lenient load, as crm_summary_skipped_row reports it.
struct CrmSkippedRow {
  int64_t line = 0;
  int64_t column = 0;
  std::string message;  // "field 'date': cannot parse ...", UTF-8
};

// Immutable once made. The C API hands out pointers into these vectors (zero copy), so
// they are never resized after construction.
struct crm_summary {
  crmcore::RfmSummary summary;
  // The integer count columns as doubles, which is what the C API's columns are.
  std::vector<double> frequency;
  std::vector<double> holdout_frequency;
  // duration_holdout repeated per row (a holdout column like lifetimes' data frame's).
  std::vector<double> duration_holdout;

  int64_t rows_read = 0;
  int64_t rows_skipped = 0;
  int64_t transactions = 0;
  int64_t customers_in_log = 0;
  std::vector<CrmSkippedRow> skipped;
};

#endif  // CRMCORE_CAPI_SUMMARY_H_

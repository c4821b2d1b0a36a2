// Inputs of the `fit` models that are not per-customer (x, t_x, T) summaries: the BG/BB
// pattern table and the sBG survivor series, read from CSV with messages naming the file
// and line of a bad row.
#ifndef CRMCORE_TOOLS_CRMCORE_MODEL_INPUTS_H_
#define CRMCORE_TOOLS_CRMCORE_MODEL_INPUTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "crmcore/bgbb.h"
#include "crmcore/sbg.h"

namespace crmcore_cli {

/// Column names of a BG/BB pattern table. `weights` empty: each row counts once.
struct BgBbColumns {
  std::string frequency = "frequency";
  std::string recency = "recency";
  std::string periods = "periods";
  std::string weights;
};

/// Reads a BG/BB pattern table (one row per (x, t_x, n) pattern, with an optional count of
/// customers). InvalidArgument "FILE:LINE: ..." for a row that is not a valid history or
/// weight; the CSV errors of crmcore::LoadSummaryCsv.
absl::StatusOr<crmcore::BgBbHistories> LoadBgBbInput(const std::string& path,
                                                     const BgBbColumns& columns);

/// Reads survivor counts, one row per period from period 0, from column `survivors`.
/// With a non-empty `cohort` column (a number, e.g. the acquisition year), consecutive
/// rows with the same value form one cohort's series; otherwise the file is one cohort.
/// InvalidArgument "FILE:LINE: ..." for a count that is negative, a first count that is
/// not > 0, a count above the one before in its cohort, or a cohort of a single row.
absl::StatusOr<crmcore::SurvivorSeries> LoadSurvivorInput(const std::string& path,
                                                          const std::string& survivors,
                                                          const std::string& cohort);

}  // namespace crmcore_cli

#endif  // CRMCORE_TOOLS_CRMCORE_MODEL_INPUTS_H_

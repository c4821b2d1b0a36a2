#include "model_inputs.h"

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "crmcore/status.h"
#include "crmcore/summary_csv.h"

namespace crmcore_cli {

absl::StatusOr<crmcore::BgBbHistories> LoadBgBbInput(const std::string& path,
                                                     const BgBbColumns& columns) {
  // The summary reader parses any named numeric columns: periods stand in for T and the
  // weights for the monetary column.
  crmcore::SummaryColumnNames names;
  names.frequency = columns.frequency;
  names.recency = columns.recency;
  names.T = columns.periods;
  names.monetary_value = columns.weights;
  CRM_ASSIGN_OR_RETURN(crmcore::SummaryTable table, crmcore::LoadSummaryCsv(path, names));
  // Check each row here, so that a message names the file and line rather than a row index.
  for (size_t i = 0; i < table.size(); ++i) {
    const absl::Status valid =
        crmcore::ValidateBgBbHistory(i, table.frequency[i], table.recency[i], table.T[i]);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", table.line[i], ": ",
          absl::StripPrefix(valid.message(), absl::StrCat("BG/BB history row ", i, ": "))));
    }
    if (!columns.weights.empty() && !(table.monetary_value[i] >= 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", table.line[i], ": weight ",
                                                     crmcore::FormatDouble(table.monetary_value[i]),
                                                     " must be >= 0"));
    }
  }
  return crmcore::BgBbHistories::Create(table.frequency, table.recency, table.T,
                                        table.monetary_value);
}

absl::StatusOr<crmcore::SurvivorSeries> LoadSurvivorInput(const std::string& path,
                                                          const std::string& survivors,
                                                          const std::string& cohort) {
  // The summary reader wants three columns; the survivors column is named for all three
  // (the same header cell) and the cohort column, when given, as the monetary one.
  crmcore::SummaryColumnNames names;
  names.frequency = names.recency = names.T = survivors;
  names.monetary_value = cohort;
  CRM_ASSIGN_OR_RETURN(crmcore::SummaryTable table, crmcore::LoadSummaryCsv(path, names));
  std::vector<std::vector<double>> cohorts;
  std::vector<int64_t> first_line;
  for (size_t i = 0; i < table.size(); ++i) {
    const double count = table.frequency[i];
    const bool starts = i == 0 || (!cohort.empty() && table.monetary_value[i] !=
                                                          table.monetary_value[i - 1]);
    const std::string where = absl::StrCat(path, ":", table.line[i], ": ");
    if (starts) {
      if (!cohorts.empty() && cohorts.back().size() < 2) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ":", first_line.back(),
            ": a cohort needs survivors for at least periods 0 and 1, got one row"));
      }
      if (!(count > 0.0)) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, "the first count of a cohort (period 0) must be > 0, got ",
            crmcore::FormatDouble(count)));
      }
      cohorts.emplace_back();
      first_line.push_back(table.line[i]);
    } else if (count < 0.0 || count > cohorts.back().back()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "survivors ", crmcore::FormatDouble(count), " must be in [0, ",
          crmcore::FormatDouble(cohorts.back().back()),
          "] (a survivor count cannot grow, nor be negative)"));
    }
    cohorts.back().push_back(count);
  }
  if (cohorts.back().size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", first_line.back(),
        ": a cohort needs survivors for at least periods 0 and 1, got one row"));
  }
  return crmcore::SurvivorSeries::Create(cohorts);
}

}  // namespace crmcore_cli

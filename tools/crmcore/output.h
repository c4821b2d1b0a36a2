// Writers of the crmcore program's outputs: the summary and score tables (CSV), the
// population summary (JSON) and the human-readable report.
#ifndef CRMCORE_TOOLS_CRMCORE_OUTPUT_H_
#define CRMCORE_TOOLS_CRMCORE_OUTPUT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "crmcore/bgbb.h"
#include "crmcore/bgnbd.h"
#include "crmcore/calendar.h"
#include "crmcore/customer_scoring.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/mbgnbd.h"
#include "crmcore/pareto_nbd.h"
#include "crmcore/rfm_summary.h"
#include "crmcore/sbg.h"
#include "crmcore/transaction_log.h"

namespace crmcore_cli {

/// A fitted model's name (as `--model` spells it), parameters and report.
struct FitResult {
  std::string model;
  std::vector<std::pair<std::string, double>> params;
  crmcore::FitReport report;
  /// Gamma-Gamma: repeat buyers left out of the fit because their mean repeat spend is
  /// <= 0 (the model needs positive spend).
  int64_t excluded_repeat_buyers = 0;
  /// Weight of the customers the fit used.
  double customers = 0.0;
  /// Unit of the recency and T fitted on, when known (stated in the model file).
  std::optional<crmcore::TimeUnit> time_unit = std::nullopt;

  static FitResult Of(const crmcore::BgNbdFit& fit);
  static FitResult Of(const crmcore::ParetoNbdFit& fit);
  static FitResult Of(const crmcore::GammaGammaFit& fit);
  static FitResult Of(const crmcore::MbgNbdFit& fit);
  static FitResult Of(const crmcore::BgBbFit& fit);
  static FitResult Of(const crmcore::SbgFit& fit);
  /// A scored table's purchase model.
  static FitResult Of(const crmcore::PurchaseModelFit& fit);
};

/// The fit as a model file (crmcore/model_file.h): what `fit --out` writes and
/// `score --model-file` reads.
std::string FitJson(const FitResult& fit);

/// For people: the parameters and the fit report, then a line for each rule applied to
/// the input (repeat buyers with recency 0 fitted as they are; repeat buyers without
/// positive spend left out of a Gamma-Gamma fit).
std::string FitText(const FitResult& fit);

/// `customer_id,frequency,recency,T,monetary_value`, then
/// `holdout_frequency,holdout_monetary_value,duration_holdout` when the summary has a
/// holdout (duration_holdout the same in every row, as in lifetimes' data frame).
void WriteSummaryCsv(const crmcore::RfmSummary& summary, std::ostream& out);

/// The summary columns, then `rfm_r,rfm_f,rfm_m,ladder_rung,lifecycle_stage,
/// relationship_stage,loyalty_class,composite_value,value_tier` (taxonomy values
/// as English identifiers).
void WriteScoreCsv(const crmcore::CustomerTable& table, std::ostream& out);

/// The population summary as one JSON object (see README "Outputs").
void WriteSummaryJson(const std::string& log_path, const std::vector<crmcore::RowError>& skipped,
                      const crmcore::CustomerTable& table,
                      const crmcore::PopulationSummary& population, std::ostream& out);

/// The value pyramid, the ladder funnel, the stage counts and the top customers.
void WriteReport(const std::string& log_path, const crmcore::CustomerTable& table,
                 const crmcore::PopulationSummary& population, size_t top, std::ostream& out);

}  // namespace crmcore_cli

#endif  // CRMCORE_TOOLS_CRMCORE_OUTPUT_H_

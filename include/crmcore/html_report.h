// The visual report (issue 16): one self-contained HTML page (inline SVG and CSS, no
// external request, charts visible without JavaScript, readable printed) of a scored
// population, in English or Chinese (the taxonomies' LabelEn / LabelZh).
//
// Sections, each a <section id="..."> present when its data is:
//   headline     customers, active share, expected purchases and CLV over the horizon
//                (intervals shown when ReportInput::intervals carries them)
//   pyramid      value tiers (1/4/15/80 %) with customers and spend share   needs tiers
//   ladder       loyalty ladder funnel, lifecycle and relationship stages,
//                loyalty classes                                            needs population
//   rfm          R x F heatmap: customers per cell, colour = mean calibration spend
//   model-grids  frequency x recency matrices of P(alive) and of expected purchases
//   holdout      actual vs expected holdout purchases by calibration frequency
//                (when the log runs past the observation end), and the weekly and
//                cumulative tracking plot of repeat purchases (with the occasions)
//   value        CLV distribution and Lorenz curves of spend and CLV
//   customers    at-risk list (top tiers with P(alive) below the lost threshold) and
//                the top customers by composite value
//   model        model parameters, log-likelihood, convergence; data summary
//
// Every figure is computed by the functions the CLI's score outputs use (the summary
// JSON's totals through ReportTotals, the top list through TopCustomers), and written with
// a machine-readable twin (data-key / data-value attributes) so tests compare them.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_HTML_REPORT_H_
#define CRMCORE_HTML_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "crmcore/customer_occasions.h"
#include "crmcore/customer_scoring.h"

namespace crmcore {

/// The language of the page's words (numbers and ids are the same in both).
enum class ReportLanguage : int { kEnglish = 0, kChinese = 1 };

/// A two-sided interval, e.g. a 90 % interval of the total CLV.
struct ReportInterval {
  double lower = 0;
  double upper = 0;
  /// Coverage in (0, 1), e.g. 0.9.
  double level = 0.9;
};

/// Uncertainty of the headline figures. Left empty until the interval estimates are
/// computed (the page then says "interval not computed"); whoever computes them fills this.
struct HeadlineIntervals {
  std::optional<ReportInterval> expected_purchases;
  std::optional<ReportInterval> total_clv;
};

/// What the page shows besides the data.
struct ReportOptions {
  ReportLanguage language = ReportLanguage::kEnglish;
  /// Rows of the top customers table.
  size_t top_customers = 25;
  /// Rows of the at-risk list (the count of all at-risk customers is always shown).
  size_t at_risk_rows = 50;
  /// P(alive) below which a customer is lost (ScoringOptions::relationship.lost_p_alive_below).
  double lost_p_alive_below = 0.5;
  /// Cells of the frequency x recency matrices at most along each axis (larger ranges are
  /// sampled evenly, always including 0 and the maximum).
  int max_grid_cells = 40;
};

/// Everything the page is written from. `table` is required; the rest may be absent.
struct ReportInput {
  /// The scored table (ScoreCustomers). Sections whose columns are empty are left out:
  /// without value_tier / rfm scores no pyramid, heatmap or at-risk list; without a
  /// lifetime model no model sections.
  const CustomerTable* table = nullptr;
  /// The population summary (SummarizePopulation); without it (a host holding only a
  /// summary and models) the ladder / stage section and the input counts are left out.
  const PopulationSummary* population = nullptr;
  /// The per-customer view the table was scored from (ScoreCustomers keeps its days valid,
  /// even the rvalue overload); with it and a lifetime model the holdout section adds the
  /// weekly and cumulative tracking plot of repeat purchases, actual vs expected.
  const CustomerOccasions* occasions = nullptr;
  /// The log's path or name, shown as given (escaped).
  std::string source;
  /// Rows read and skipped, when `population` is absent (e.g. from crm_summary_info).
  int64_t rows_read = -1;
  int64_t rows_skipped = -1;
  HeadlineIntervals intervals;
  ReportOptions options;
};

/// Totals shared by the page and the CLI's summary JSON, summed in row order.
struct ReportTotals {
  double expected_purchases = 0;
  double clv = 0;
  /// Mean P(alive) over the customers scored.
  double mean_p_alive = 0;
  /// Total calibration spend, in major units.
  double calibration_spend = 0;
};
/// The totals of `table` (model totals 0 without a lifetime model).
ReportTotals ComputeReportTotals(const CustomerTable& table);

/// Rows of `table` with the highest composite value, at most `n`: ties by calibration
/// spend, then by id, so the list is stable (the CLI report's top list).
std::vector<size_t> TopCustomers(const CustomerTable& table, size_t n);

/// Writes the page. Errors: InvalidArgument when `table` is null, its columns have unequal
/// lengths, or an option is out of range; the errors of the BG/NBD functions for the grids
/// (never expected for a fitted model); nothing is half-written on error only when the
/// caller writes to a temporary file (the CLI and the C API do).
absl::Status WriteHtmlReport(const ReportInput& input, std::ostream& out);

}  // namespace crmcore

#endif  // CRMCORE_HTML_REPORT_H_

// The HTML report's building blocks: the page being written (sections, cards, tables, the
// data-key / data-value twins of every figure) and its charts, drawn with report/svg.h.
//
// Private to the library (src/report/); the public entry point is crmcore/html_report.h.
#ifndef CRMCORE_SRC_REPORT_REPORT_CHARTS_H_
#define CRMCORE_SRC_REPORT_REPORT_CHARTS_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crmcore/customer_scoring.h"
#include "crmcore/html_report.h"
#include "report/report_words.h"

namespace crmcore::report {

/// "12,345".
std::string Thousands(int64_t n);
/// "12.3 %".
std::string Percent(double fraction);
/// Up to 4 significant digits, no exponent for ordinary magnitudes ("52", "0.125").
std::string Number(double v);
/// `v` with `decimals` decimals and thousands separators.
std::string Money(double v, int decimals);

/// A table cell: `html` is already escaped; `sort`, when set, is the key the sorting
/// script uses (a raw number).
struct Cell {
  std::string html;
  std::string sort = "";
};

/// The page being written.
struct Page {
  Page(const Words& w, ReportLanguage l) : words(w), language(l) {}
  const Words& words;
  ReportLanguage language;
  std::string html;

  void SectionStart(absl::string_view id, absl::string_view title);
  void SectionEnd() { html += "</section>"; }
  /// A figure with its machine-readable twin: <span data-key=K data-value=V>visible</span>,
  /// every part escaped.
  std::string Data(absl::string_view key, absl::string_view value, absl::string_view visible) const;
  /// A headline card; `value_html` and `sub_html` are already escaped.
  void Card(absl::string_view label, absl::string_view value_html, absl::string_view sub_html);
  /// Opens a table with escaped headers and its <tbody>; the caller closes both.
  void TableStart(const std::vector<std::string>& headers, bool sortable = false);
  void Row(const std::vector<Cell>& cells);
};

/// The value pyramid: one trapezoid per tier, VIP on top, with counts and spend shares.
std::string PyramidChart(const TaxonomyCounts<ValueTier>& counts,
                         const std::array<double, TaxonomySize<ValueTier>()>& spend_share,
                         const Page& page);
/// Labelled horizontal bars of `bars` (label, value) on a value axis named `axis`.
std::string HorizontalBars(absl::string_view title,
                           const std::vector<std::pair<std::string, double>>& bars,
                           absl::string_view axis);
/// The ladder's main rungs as centred bars of customers at or above each, with conversions.
std::string FunnelChart(const LadderFunnel& funnel, const Page& page);
/// The R x F heatmap (customers per cell, colour = mean calibration spend).
std::string RfmHeatmap(const CustomerTable& table, const Page& page);
/// The P(alive) and expected-purchases matrices over frequency x recency (BG/NBD).
absl::StatusOr<std::string> ModelGrids(const CustomerTable& table, int max_cells, const Page& page);
/// Actual vs expected holdout purchases by calibration frequency (chart and table).
absl::StatusOr<std::string> HoldoutByFrequency(const CustomerTable& table, Page& page);
/// The weekly and cumulative tracking plot of repeat purchases (FHL 2005, figures 2-3):
/// actual repeat occasions of the customers with a calibration history against the
/// model's expectation sum_i E[X(t - s_i)] (BG/NBD for a new customer, eq. 9) from each
/// customer's first purchase day s_i.
absl::StatusOr<std::string> TrackingPlot(const CustomerTable& table,
                                         const CustomerOccasions& occasions, Page& page);
/// The CLV histogram and the Lorenz curves with the top-share table.
std::string ValueCharts(const CustomerTable& table, Page& page);
/// The at-risk list and the top customers table, appended to the page.
void CustomerTables(const CustomerTable& table, const ReportOptions& options, Page& page);
/// The models' parameters and fit reports, and the data summary, appended to the page.
void ModelAndDataTables(const ReportInput& input, Page& page);

}  // namespace crmcore::report

#endif  // CRMCORE_SRC_REPORT_REPORT_CHARTS_H_

// The HTML report (crmcore/html_report.h): the page's frame, CSS and sections. Charts are
// drawn with report/svg.h; the figures come from the scored table and population summary.
#include "crmcore/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "crmcore/bgnbd.h"
#include "crmcore/calendar.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"
#include "report/report_charts.h"
#include "report/report_words.h"
#include "report/svg.h"

namespace crmcore {

ReportTotals ComputeReportTotals(const CustomerTable& table) {
  ReportTotals totals;
  const double scale = std::pow(10.0, table.summary.minor_digits);
  for (size_t i = 0; i < table.calibration_value_minor.size(); ++i) {
    totals.calibration_spend += static_cast<double>(table.calibration_value_minor[i]) / scale;
  }
  if (!table.has_lifetime_model) return totals;
  double p_alive = 0;
  for (size_t i = 0; i < table.size(); ++i) {
    totals.expected_purchases += table.expected_purchases[i];
    totals.clv += table.clv[i];
    p_alive += table.p_alive[i];
  }
  totals.mean_p_alive = table.size() > 0 ? p_alive / static_cast<double>(table.size()) : 0;
  return totals;
}

std::vector<size_t> TopCustomers(const CustomerTable& table, size_t n) {
  std::vector<size_t> order(table.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (table.composite_value.size() != table.size()) return {};
  const size_t shown = std::min(n, order.size());
  const bool has_spend = table.calibration_value_minor.size() == table.size();
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shown), order.end(),
                    [&](size_t a, size_t b) {
                      if (table.composite_value[a] != table.composite_value[b]) {
                        return table.composite_value[a] > table.composite_value[b];
                      }
                      if (has_spend &&
                          table.calibration_value_minor[a] != table.calibration_value_minor[b]) {
                        return table.calibration_value_minor[a] > table.calibration_value_minor[b];
                      }
                      return table.summary.customer_ids[a] < table.summary.customer_ids[b];
                    });
  order.resize(shown);
  return order;
}

namespace {

using report::Cell;
using report::Coord;
using report::Label;
using report::Page;
using report::Words;
using report::XmlEscape;

absl::Status CheckInput(const ReportInput& input) {
  if (input.table == nullptr) return absl::InvalidArgumentError("report: no customer table");
  const CustomerTable& t = *input.table;
  const size_t n = t.size();
  const auto check = [&](size_t size, const char* column) -> absl::Status {
    if (size != 0 && size != n) {
      return absl::InvalidArgumentError(absl::StrCat("report: column ", column, " has ", size,
                                                     " rows, the summary ", n));
    }
    return absl::OkStatus();
  };
  if (t.summary.customer_ids.size() != n || t.summary.recency.size() != n ||
      t.summary.T.size() != n || t.summary.monetary_value.size() != n) {
    return absl::InvalidArgumentError("report: the summary's columns have unequal lengths");
  }
  CRM_RETURN_IF_ERROR(check(t.calibration_value_minor.size(), "calibration_value_minor"));
  CRM_RETURN_IF_ERROR(check(t.rfm_r.size(), "rfm_r"));
  CRM_RETURN_IF_ERROR(check(t.rfm_f.size(), "rfm_f"));
  CRM_RETURN_IF_ERROR(check(t.rfm_m.size(), "rfm_m"));
  CRM_RETURN_IF_ERROR(check(t.ladder_rung.size(), "ladder_rung"));
  CRM_RETURN_IF_ERROR(check(t.composite_value.size(), "composite_value"));
  CRM_RETURN_IF_ERROR(check(t.value_tier.size(), "value_tier"));
  CRM_RETURN_IF_ERROR(check(t.days_since_last_purchase.size(), "days_since_last_purchase"));
  if (t.summary.has_holdout) CRM_RETURN_IF_ERROR(check(t.summary.holdout_frequency.size(), "holdout_frequency"));
  if (t.has_lifetime_model) {
    for (const auto& [size, name] : {std::pair{t.p_alive.size(), "p_alive"},
                                     std::pair{t.expected_purchases.size(), "expected_purchases"},
                                     std::pair{t.clv.size(), "clv"}}) {
      if (size != n) {
        return absl::InvalidArgumentError(
            absl::StrCat("report: column ", name, " has ", size, " rows, the summary ", n));
      }
    }
  }
  const ReportOptions& o = input.options;
  if (!(o.lost_p_alive_below >= 0 && o.lost_p_alive_below <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "report: lost P(alive) threshold must be in [0, 1], got ", FormatDouble(o.lost_p_alive_below)));
  }
  if (o.max_grid_cells < 2 || o.max_grid_cells > 200) {
    return absl::InvalidArgumentError(
        absl::StrCat("report: max_grid_cells must be in [2, 200], got ", o.max_grid_cells));
  }
  return absl::OkStatus();
}

constexpr char kCss[] = R"(
:root{--ink:#1d1d1f;--muted:#5a5a66;--line:#d8d8e0;--card:#f6f6f9}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;color:var(--ink);margin:0 auto;max-width:1100px;padding:24px;line-height:1.45}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}
.sub,.note{color:var(--muted);font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px}
.card .v{font-size:24px;font-weight:600}.card .k{font-size:13px;color:var(--muted)}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:right;white-space:nowrap}
th{background:var(--card)}th:first-child,td:first-child{text-align:left}
td.id{font-family:ui-monospace,monospace;text-align:left}
.sortable th{cursor:pointer}
.two{display:grid;grid-template-columns:1fr 1fr;gap:16px}
figure{margin:8px 0}figcaption{font-size:13px;color:var(--muted)}
svg text{font-family:inherit}
@media (max-width:800px){.two{grid-template-columns:1fr}}
@media print{body{max-width:none;padding:0}section,figure,table{break-inside:avoid}h2{break-after:avoid}.two{grid-template-columns:1fr 1fr}}
)";

// Sorting on a click on a header cell: a progressive touch, the page reads the same without.
constexpr char kScript[] = R"(
document.querySelectorAll('table.sortable').forEach(function(t){
 t.querySelectorAll('th').forEach(function(th,c){th.addEventListener('click',function(){
  var b=t.tBodies[0],r=Array.prototype.slice.call(b.rows),d=th.dataset.dir==='a'?-1:1;th.dataset.dir=d>0?'a':'d';
  r.sort(function(x,y){var p=x.cells[c].dataset.sort||x.cells[c].textContent,q=y.cells[c].dataset.sort||y.cells[c].textContent;
   var m=parseFloat(p),n=parseFloat(q);return(isNaN(m)||isNaN(n)?p.localeCompare(q):m-n)*d;});
  r.forEach(function(e){b.appendChild(e);});});});});
)";

void WriteHeadline(const ReportInput& in, const ReportTotals& totals, Page& page) {
  const Words& w = page.words;
  const CustomerTable& t = *in.table;
  page.SectionStart("headline", w.headline);
  page.html += "<div class=\"cards\">";
  page.Card(w.customers, page.Data("customers_scored", absl::StrCat(t.size()), report::Thousands(static_cast<int64_t>(t.size()))),
            in.population != nullptr
                ? absl::StrCat(report::Thousands(in.population->customers_in_log), " ",
                               XmlEscape(w.customers_in_log))
                : "");
  if (in.population != nullptr && in.population->customers_scored > 0) {
    const double share =
        static_cast<double>(in.population->relationship_stage[static_cast<size_t>(RelationshipStage::kCurrent)]) /
        static_cast<double>(in.population->customers_scored);
    page.Card(w.active_share, page.Data("active_share", FormatDouble(share), report::Percent(share)),
              XmlEscape(w.active_share_note));
  }
  if (t.has_lifetime_model) {
    page.Card(w.mean_p_alive,
              page.Data("mean_p_alive", FormatDouble(totals.mean_p_alive),
                        absl::StrFormat("%.3f", totals.mean_p_alive)),
              "");
    const std::string horizon =
        absl::StrCat(XmlEscape(w.next), " ", report::Number(t.horizon), " ",
                     XmlEscape(report::UnitLabel(t.summary.unit, page.language)));
    const auto interval = [&](const std::optional<ReportInterval>& i, const char* key, int decimals) {
      if (!i.has_value()) {
        return absl::StrCat("<br><span class=\"interval-missing\">", XmlEscape(w.interval_missing),
                            "</span>");
      }
      return absl::StrCat("<br>", report::Number(100 * i->level), " % ", XmlEscape(w.interval), " ",
                          page.Data(absl::StrCat(key, "_lower"), FormatDouble(i->lower),
                                    report::Money(i->lower, decimals)),
                          " &ndash; ",
                          page.Data(absl::StrCat(key, "_upper"), FormatDouble(i->upper),
                                    report::Money(i->upper, decimals)));
    };
    // BG/BB counts periods with a purchase, sBG renewals (customer_scoring.h).
    const LifetimeModelKind kind = in.table->purchase_model.kind;
    page.Card(kind == LifetimeModelKind::kBgBbGammaGamma   ? w.expected_purchase_periods
              : kind == LifetimeModelKind::kSbgGammaGamma ? w.expected_renewals
                                                          : w.expected_purchases,
              page.Data("expected_purchases_total", FormatDouble(totals.expected_purchases),
                        report::Money(totals.expected_purchases, 0)),
              absl::StrCat(horizon, interval(in.intervals.expected_purchases, "expected_purchases", 0)));
    page.Card(w.total_clv,
              page.Data("total_clv", FormatDouble(totals.clv), report::Money(totals.clv, 0)),
              absl::StrCat(horizon, interval(in.intervals.total_clv, "total_clv", 0)));
  }
  page.html += "</div>";
  page.SectionEnd();
}

void WritePyramid(const ReportInput& in, Page& page) {
  const Words& w = page.words;
  const CustomerTable& t = *in.table;
  if (t.value_tier.empty() || t.calibration_value_minor.empty()) return;
  // The population summary's counts when there is one (the JSON's); else counted here.
  TaxonomyCounts<ValueTier> counts{};
  std::array<double, TaxonomySize<ValueTier>()> share{};
  if (in.population != nullptr) {
    counts = in.population->value_tier;
    share = in.population->value_tier_spend_share;
  } else {
    std::array<double, TaxonomySize<ValueTier>()> spend{};
    double total = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      const auto k = static_cast<size_t>(t.value_tier[i]);
      ++counts[k];
      spend[k] += static_cast<double>(t.calibration_value_minor[i]);
      total += static_cast<double>(t.calibration_value_minor[i]);
    }
    for (size_t k = 0; k < spend.size(); ++k) share[k] = total > 0 ? spend[k] / total : 0;
  }
  page.SectionStart("pyramid", w.pyramid);
  page.html += "<div class=\"two\"><figure>";
  page.html += report::PyramidChart(counts, share, page);
  page.html += absl::StrCat("<figcaption>", XmlEscape(w.pyramid_note), "</figcaption></figure><div>");
  page.TableStart({std::string(w.tier), std::string(w.customers), std::string(w.share_of_customers),
                   std::string(w.spend_share)});
  const double n = static_cast<double>(std::max<size_t>(1, t.size()));
  for (ValueTier tier : AllValues<ValueTier>()) {
    const auto k = static_cast<size_t>(tier);
    page.Row({Cell{std::string(XmlEscape(Label(tier, page.language)))},
              Cell{page.Data(absl::StrCat("value_tier.", Id(tier)), absl::StrCat(counts[k]),
                             report::Thousands(counts[k]))},
              Cell{report::Percent(static_cast<double>(counts[k]) / n)},
              Cell{page.Data(absl::StrCat("value_tier_spend_share.", Id(tier)),
                             FormatDouble(share[k]), report::Percent(share[k]))}});
  }
  page.html += "</tbody></table></div></div>";
  page.SectionEnd();
}

template <Taxonomy E>
void WriteCounts(absl::string_view title, absl::string_view key, const TaxonomyCounts<E>& counts,
                 int64_t total, Page& page) {
  const Words& w = page.words;
  page.html += absl::StrCat("<h3>", XmlEscape(title), "</h3><div class=\"two\"><figure>");
  std::vector<std::pair<std::string, double>> bars;
  for (E e : AllValues<E>()) {
    bars.emplace_back(std::string(Label(e, page.language)), static_cast<double>(counts[static_cast<size_t>(e)]));
  }
  page.html += report::HorizontalBars(title, bars, w.customers);
  page.html += "</figure><div>";
  page.TableStart({std::string(title), std::string(w.customers), std::string(w.share_of_customers)});
  for (E e : AllValues<E>()) {
    const int64_t n = counts[static_cast<size_t>(e)];
    page.Row({Cell{XmlEscape(Label(e, page.language))},
              Cell{page.Data(absl::StrCat(key, ".", Id(e)), absl::StrCat(n), report::Thousands(n))},
              Cell{report::Percent(total > 0 ? static_cast<double>(n) / static_cast<double>(total) : 0)}});
  }
  page.html += "</tbody></table></div></div>";
}

void WriteLadder(const ReportInput& in, Page& page) {
  const Words& w = page.words;
  if (in.population == nullptr) return;
  const PopulationSummary& p = *in.population;
  page.SectionStart("ladder", w.ladder);
  page.html += "<div class=\"two\"><figure>";
  page.html += report::FunnelChart(p.ladder_funnel, page);
  page.html += absl::StrCat("<figcaption>", XmlEscape(w.ladder_note), "</figcaption></figure><div>");
  page.TableStart({std::string(w.rung), std::string(w.customers), std::string(w.at_or_above),
                   std::string(w.conversion)});
  for (LadderRung rung : AllValues<LadderRung>()) {
    const auto k = static_cast<size_t>(rung);
    const absl::StatusOr<double> conversion = p.ladder_funnel.ConversionToNext(rung);
    const bool has_next = rung != LadderRung::kAdvocate && rung != LadderRung::kDisqualifiedProspect;
    std::string conv = "&ndash;";
    if (has_next) {
      conv = conversion.ok()
                 ? page.Data(absl::StrCat("ladder_conversion_to_next.", Id(rung)),
                             FormatDouble(*conversion), report::Percent(*conversion))
                 : page.Data(absl::StrCat("ladder_conversion_to_next.", Id(rung)), "null",
                             std::string(w.not_available));
    }
    page.Row({Cell{XmlEscape(Label(rung, page.language))},
              Cell{page.Data(absl::StrCat("ladder_rung.", Id(rung)), absl::StrCat(p.ladder_rung[k]),
                             report::Thousands(p.ladder_rung[k]))},
              Cell{report::Thousands(p.ladder_funnel.AtOrAbove(rung))}, Cell{conv}});
  }
  page.html += "</tbody></table></div></div>";
  WriteCounts<LifecycleStage>(w.lifecycle, "lifecycle_stage", p.lifecycle_stage, p.customers_scored, page);
  WriteCounts<RelationshipStage>(w.relationship, "relationship_stage", p.relationship_stage,
                                 p.customers_scored, page);
  WriteCounts<LoyaltyClass>(w.loyalty, "loyalty_class", p.loyalty_class, p.customers_scored, page);
  page.SectionEnd();
}

void WriteRfm(const ReportInput& in, Page& page) {
  const CustomerTable& t = *in.table;
  if (t.rfm_r.empty() || t.rfm_f.empty() || t.calibration_value_minor.empty()) return;
  page.SectionStart("rfm", page.words.rfm);
  page.html += absl::StrCat("<figure>", report::RfmHeatmap(t, page), "<figcaption>",
                            XmlEscape(page.words.rfm_note), "</figcaption></figure>");
  page.SectionEnd();
}

absl::Status WriteGrids(const ReportInput& in, Page& page) {
  const CustomerTable& t = *in.table;
  if (!t.has_lifetime_model || t.size() == 0) return absl::OkStatus();
  page.SectionStart("model-grids", page.words.grids);
  if (IsPeriodModel(t.purchase_model.kind)) {
    page.html += absl::StrCat("<p class=\"note\">", XmlEscape(page.words.period_model_note), " ",
                              LifetimeModelDisplayName(t.purchase_model.kind), ".</p>");
    page.SectionEnd();
    return absl::OkStatus();
  }
  CRM_ASSIGN_OR_RETURN(std::string grids, report::ModelGrids(t, in.options.max_grid_cells, page));
  page.html += grids;
  page.html += absl::StrCat("<p class=\"note\">", XmlEscape(page.words.grid_note), "</p>");
  page.SectionEnd();
  return absl::OkStatus();
}

absl::Status WriteHoldout(const ReportInput& in, Page& page) {
  const CustomerTable& t = *in.table;
  if (!t.has_lifetime_model || !t.summary.has_holdout || t.size() == 0 ||
      IsPeriodModel(t.purchase_model.kind)) {
    return absl::OkStatus();  // the grids section says why for a period model
  }
  page.SectionStart("holdout", page.words.holdout);
  CRM_ASSIGN_OR_RETURN(std::string holdout, report::HoldoutByFrequency(t, page));
  page.html += holdout;
  if (in.occasions != nullptr && in.occasions->customer_count() > 0) {
    CRM_ASSIGN_OR_RETURN(std::string tracking, report::TrackingPlot(t, *in.occasions, page));
    page.html += tracking;
  } else {
    page.html += absl::StrCat("<p class=\"note\">", XmlEscape(page.words.tracking_missing), "</p>");
  }
  page.SectionEnd();
  return absl::OkStatus();
}

void WriteValue(const ReportInput& in, Page& page) {
  const CustomerTable& t = *in.table;
  if (t.calibration_value_minor.empty() && !t.has_lifetime_model) return;
  page.SectionStart("value", page.words.value);
  page.html += report::ValueCharts(t, page);
  page.SectionEnd();
}

void WriteCustomerLists(const ReportInput& in, Page& page) {
  const CustomerTable& t = *in.table;
  if (t.composite_value.empty()) return;
  page.SectionStart("customers", page.words.customer_lists);
  report::CustomerTables(t, in.options, page);
  page.SectionEnd();
}

void WriteModelAndData(const ReportInput& in, Page& page) {
  page.SectionStart("model", page.words.model_section);
  report::ModelAndDataTables(in, page);
  page.SectionEnd();
}

}  // namespace

absl::Status WriteHtmlReport(const ReportInput& input, std::ostream& out) {
  CRM_RETURN_IF_ERROR(CheckInput(input));
  const ReportOptions& options = input.options;
  Page page(report::WordsFor(options.language), options.language);
  const Words& w = page.words;
  const CustomerTable& t = *input.table;
  const ReportTotals totals = ComputeReportTotals(t);

  page.html += absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"", w.lang,
      "\"><head><meta charset=\"utf-8\">"
      // Nothing may be fetched: styles and the script are inline, images are inline SVG.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<link rel=\"icon\" href=\"data:,\">"
      "<title>",
      XmlEscape(w.title), " &ndash; ", XmlEscape(input.source), "</title><style>", kCss,
      "</style></head><body><header><h1>", XmlEscape(w.title), "</h1><p class=\"sub\">",
      XmlEscape(w.generated_from), " <code>", XmlEscape(input.source), "</code>");
  if (t.size() > 0) {
    absl::StrAppend(&page.html, " &middot; ", absl::FormatCivilTime(t.summary.first_day), " &ndash; ",
                    absl::FormatCivilTime(t.summary.last_day), " &middot; ", XmlEscape(w.observation_end),
                    " ", absl::FormatCivilTime(t.summary.observation_end));
  }
  page.html += "</p></header><main>";

  WriteHeadline(input, totals, page);
  WritePyramid(input, page);
  WriteLadder(input, page);
  WriteRfm(input, page);
  CRM_RETURN_IF_ERROR(WriteGrids(input, page));
  CRM_RETURN_IF_ERROR(WriteHoldout(input, page));
  WriteValue(input, page);
  WriteCustomerLists(input, page);
  WriteModelAndData(input, page);

  absl::StrAppend(&page.html, "</main><script>", kScript, "</script></body></html>\n");
  out.write(page.html.data(), static_cast<std::streamsize>(page.html.size()));
  if (!out) return absl::UnavailableError("report: the output stream failed");
  return absl::OkStatus();
}

}  // namespace crmcore

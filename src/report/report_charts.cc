#include "report/report_charts.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "crmcore/bgnbd.h"
#include "crmcore/lifetime_predictions.h"
#include "crmcore/model_file.h"
#include "crmcore/calendar.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"
#include "report/svg.h"
#include "scoring/lifetime_models.h"

namespace crmcore::report {

std::string Thousands(int64_t n) { return FormatTick(static_cast<double>(n), 0); }

std::string Percent(double fraction) {
  return absl::StrFormat("%.1f %%", 100 * (std::isfinite(fraction) ? fraction : 0));
}

std::string Number(double v) {
  if (!std::isfinite(v)) return "n/a";
  return absl::StrFormat("%.4g", v);
}

std::string Money(double v, int decimals) { return FormatTick(std::isfinite(v) ? v : 0, decimals); }

void Page::SectionStart(absl::string_view id, absl::string_view title) {
  absl::StrAppend(&html, "<section id=\"", XmlEscape(id), "\"><h2>", XmlEscape(title), "</h2>");
}

std::string Page::Data(absl::string_view key, absl::string_view value,
                       absl::string_view visible) const {
  return absl::StrCat("<span data-key=\"", XmlEscape(key), "\" data-value=\"", XmlEscape(value),
                      "\">", XmlEscape(visible), "</span>");
}

void Page::Card(absl::string_view label, absl::string_view value_html, absl::string_view sub_html) {
  absl::StrAppend(&html, "<div class=\"card\"><div class=\"k\">", XmlEscape(label),
                  "</div><div class=\"v\">", value_html, "</div><div class=\"k\">", sub_html,
                  "</div></div>");
}

void Page::TableStart(const std::vector<std::string>& headers, bool sortable) {
  html += sortable ? "<table class=\"sortable\"><thead><tr>" : "<table><thead><tr>";
  for (const std::string& h : headers) absl::StrAppend(&html, "<th>", XmlEscape(h), "</th>");
  html += "</tr></thead><tbody>";
}

void Page::Row(const std::vector<Cell>& cells) {
  html += "<tr>";
  for (const Cell& c : cells) {
    if (c.sort.empty()) {
      absl::StrAppend(&html, "<td>", c.html, "</td>");
    } else {
      absl::StrAppend(&html, "<td data-sort=\"", XmlEscape(c.sort), "\">", c.html, "</td>");
    }
  }
  html += "</tr>";
}

namespace {

// The colours of categories: evenly spaced on viridis, away from its lightest end.
std::string CategoryColour(size_t k, size_t n) {
  return Viridis(n <= 1 ? 0.3 : 0.1 + 0.7 * static_cast<double>(k) / static_cast<double>(n - 1));
}

double MinorScale(const CustomerTable& t) { return std::pow(10.0, t.summary.minor_digits); }

}  // namespace

std::string PyramidChart(const TaxonomyCounts<ValueTier>& counts,
                         const std::array<double, TaxonomySize<ValueTier>()>& spend_share,
                         const Page& page) {
  constexpr double kTop = 16, kLevel = 62, kGap = 4, kHalf = 130, kCx = 140;
  const size_t levels = counts.size();
  SvgWriter svg(520, kTop + static_cast<double>(levels) * (kLevel + kGap) + 10, page.words.pyramid);
  const double bottom = kTop + static_cast<double>(levels) * (kLevel + kGap) - kGap;
  const auto half_at = [&](double y) { return kHalf * (y - kTop + 18) / (bottom - kTop + 18); };
  for (ValueTier tier : AllValues<ValueTier>()) {
    const auto k = static_cast<size_t>(tier);
    const double y0 = kTop + static_cast<double>(k) * (kLevel + kGap), y1 = y0 + kLevel;
    const std::string colour = CategoryColour(k, levels);
    const std::string label(Label(tier, page.language));
    const std::string tip = absl::StrCat(label, ": ", Thousands(counts[k]), ", ",
                                         Percent(spend_share[k]));
    svg.Polygon({{kCx - half_at(y0), y0}, {kCx + half_at(y0), y0}, {kCx + half_at(y1), y1},
                 {kCx - half_at(y1), y1}},
                colour, tip);
    svg.Text(290, y0 + 18, label, "start", 14, "#222", "font-weight=\"600\"");
    svg.Text(290, y0 + 35, absl::StrCat(Thousands(counts[k]), " ", page.words.customers), "start", 12);
    svg.Text(290, y0 + 51, absl::StrCat(page.words.spend_share, " ", Percent(spend_share[k])),
             "start", 12);
  }
  return std::move(svg).Finish();
}

std::string HorizontalBars(absl::string_view title,
                           const std::vector<std::pair<std::string, double>>& bars,
                           absl::string_view axis) {
  constexpr double kLeft = 170, kRight = 470, kRow = 26, kTop = 10;
  const double height = kTop + kRow * static_cast<double>(bars.size()) + 50;
  SvgWriter svg(520, height, title);
  double max = 0;
  for (const auto& bar : bars) max = std::max(max, bar.second);
  const Ticks ticks = NiceTicks(0, max > 0 ? max : 1, 4);
  const LinearScale x{0, ticks.values.back(), kLeft, kRight};
  const double axis_y = kTop + kRow * static_cast<double>(bars.size()) + 4;
  svg.AxisBottom(x, ticks, axis_y, axis, kTop);
  for (size_t k = 0; k < bars.size(); ++k) {
    const double y = kTop + kRow * static_cast<double>(k);
    svg.Text(kLeft - 8, y + 16, bars[k].first, "end", 12);
    svg.Rect(kLeft, y + 3, x(bars[k].second) - kLeft, kRow - 6, CategoryColour(k, bars.size()),
             absl::StrCat(bars[k].first, ": ", Thousands(std::llround(bars[k].second))));
    svg.Text(x(bars[k].second) + 4, y + 16, Thousands(std::llround(bars[k].second)), "start", 11);
  }
  return std::move(svg).Finish();
}

std::string FunnelChart(const LadderFunnel& funnel, const Page& page) {
  const std::vector<LadderRung> rungs = {LadderRung::kSuspect,           LadderRung::kProspect,
                                         LadderRung::kFirstTimeCustomer, LadderRung::kRepeatCustomer,
                                         LadderRung::kClient,            LadderRung::kAdvocate};
  constexpr double kRow = 44, kTop = 8, kCx = 290, kHalf = 140;
  SvgWriter svg(520, kTop + kRow * static_cast<double>(rungs.size()) + 8, page.words.ladder);
  const double top = static_cast<double>(std::max<int64_t>(1, funnel.AtOrAbove(LadderRung::kSuspect)));
  for (size_t k = 0; k < rungs.size(); ++k) {
    const int64_t n = std::max<int64_t>(0, funnel.AtOrAbove(rungs[k]));
    const double half = std::max(1.0, kHalf * static_cast<double>(n) / top);
    const double y = kTop + kRow * static_cast<double>(k);
    const std::string label(Label(rungs[k], page.language));
    svg.Rect(kCx - half, y, 2 * half, kRow - 18, CategoryColour(k, rungs.size()),
             absl::StrCat(label, ": ", Thousands(n)));
    svg.Text(kCx - kHalf - 8, y + 17, label, "end", 12);
    const std::string colour = TextColourOn(CategoryColour(k, rungs.size()));
    svg.Text(kCx, y + 17, Thousands(n), "middle", 12, half > 30 ? colour : "#222");
    if (k + 1 < rungs.size()) {
      const absl::StatusOr<double> c = funnel.ConversionToNext(rungs[k]);
      svg.Text(kCx + kHalf + 6, y + kRow - 4, absl::StrCat("↓ ", c.ok() ? Percent(*c) : "–"),
               "start", 11, "#444");
    }
  }
  return std::move(svg).Finish();
}

std::string RfmHeatmap(const CustomerTable& t, const Page& page) {
  const Words& w = page.words;
  std::array<std::array<int64_t, 5>, 5> count{};
  std::array<std::array<double, 5>, 5> spend{};
  const double scale = MinorScale(t);
  for (size_t i = 0; i < t.size(); ++i) {
    const int r = t.rfm_r[i], f = t.rfm_f[i];
    if (r < 1 || r > 5 || f < 1 || f > 5) continue;  // scores are 1..5 by construction
    ++count[static_cast<size_t>(r - 1)][static_cast<size_t>(f - 1)];
    spend[static_cast<size_t>(r - 1)][static_cast<size_t>(f - 1)] +=
        static_cast<double>(t.calibration_value_minor[i]) / scale;
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  int64_t total = 0;
  for (size_t r = 0; r < 5; ++r) {
    for (size_t f = 0; f < 5; ++f) {
      total += count[r][f];
      if (count[r][f] == 0) continue;
      const double mean = spend[r][f] / static_cast<double>(count[r][f]);
      lo = std::min(lo, mean);
      hi = std::max(hi, mean);
    }
  }
  if (!(lo <= hi)) lo = 0, hi = 1;
  constexpr double kLeft = 110, kTop = 10, kW = 120, kH = 56;
  SvgWriter svg(kLeft + 5 * kW + 20, kTop + 5 * kH + 110, w.rfm);
  for (size_t r = 0; r < 5; ++r) {
    const double y = kTop + static_cast<double>(4 - r) * kH;  // R = 5 on top
    svg.Text(kLeft - 10, y + kH / 2 + 4, absl::StrCat("R", r + 1), "end", 12);
    for (size_t f = 0; f < 5; ++f) {
      const double x = kLeft + static_cast<double>(f) * kW;
      const int64_t n = count[r][f];
      const double mean = n > 0 ? spend[r][f] / static_cast<double>(n) : 0;
      const std::string colour = n > 0 ? Cividis(hi > lo ? (mean - lo) / (hi - lo) : 0.5) : "#eeeeee";
      svg.Rect(x + 1, y + 1, kW - 2, kH - 2, colour,
               n > 0 ? absl::StrCat("R", r + 1, " F", f + 1, ": ", Thousands(n), " ", w.customers,
                                    ", ", w.mean_spend, " ", Money(mean, 2))
                     : absl::StrCat("R", r + 1, " F", f + 1, ": ", w.empty_cell));
      svg.Text(x + kW / 2, y + kH / 2 + 1, Thousands(n), "middle", 14,
               n > 0 ? TextColourOn(colour) : "#666",
               absl::StrCat("data-key=\"rfm.r", r + 1, ".f", f + 1, "\" data-value=\"", n, "\""));
      if (n > 0) {
        svg.Text(x + kW / 2, y + kH / 2 + 17, Money(mean, 0), "middle", 10, TextColourOn(colour));
      }
    }
  }
  for (size_t f = 0; f < 5; ++f) {
    svg.Text(kLeft + (static_cast<double>(f) + 0.5) * kW, kTop + 5 * kH + 16, absl::StrCat("F", f + 1),
             "middle", 12);
  }
  svg.Text(kLeft + 2.5 * kW, kTop + 5 * kH + 34, w.frequency_score, "middle", 12);
  svg.Text(14, kTop + 2.5 * kH, w.recency_score, "middle", 12, "#222",
           absl::StrCat("transform=\"rotate(-90 14 ", Coord(kTop + 2.5 * kH), ")\""));
  svg.ColourBar(kLeft, kTop + 5 * kH + 62, 300, 12, &Cividis, lo, hi, w.mean_spend);
  return absl::StrCat(std::move(svg).Finish(),
                      "<p class=\"note\">", XmlEscape(w.customers), ": ",
                      page.Data("rfm_customers_total", absl::StrCat(total), Thousands(total)),
                      "</p>");
}

namespace {

// `cells` values from 0 to `max`, evenly spaced, rounded to integers when `integral`.
std::vector<double> GridValues(double max, int cells, bool integral) {
  std::vector<double> values;
  if (integral && max + 1 <= cells) {
    for (int v = 0; v <= static_cast<int>(max); ++v) values.push_back(v);
    return values;
  }
  for (int k = 0; k < cells; ++k) {
    double v = max * k / (cells - 1);
    if (integral) v = std::round(v);
    if (values.empty() || v != values.back()) values.push_back(v);
  }
  return values;
}

std::string GridChart(absl::string_view title, const std::vector<double>& freq,
                      const std::vector<double>& rec, const std::vector<double>& z, double z_max,
                      absl::string_view unit, const Page& page) {
  const Words& w = page.words;
  constexpr double kLeft = 64, kTop = 8, kPlot = 400;
  SvgWriter svg(kLeft + kPlot + 20, kTop + kPlot + 100, title);
  const double cw = kPlot / static_cast<double>(rec.size());
  const double ch = kPlot / static_cast<double>(freq.size());
  svg.BeginGroup("shape-rendering=\"crispEdges\"");  // no seams between cells
  for (size_t i = 0; i < freq.size(); ++i) {
    const double y = kTop + kPlot - static_cast<double>(i + 1) * ch;  // frequency up
    for (size_t j = 0; j < rec.size(); ++j) {
      const double v = z[i * rec.size() + j];
      svg.Rect(kLeft + static_cast<double>(j) * cw, y, cw + 0.3, ch + 0.3,
               Viridis(z_max > 0 ? v / z_max : 0),
               absl::StrCat(w.frequency, " ", Number(freq[i]), ", ", w.recency, " ", Number(rec[j]),
                            ": ", Number(v)));
    }
  }
  svg.EndGroup();
  const LinearScale x{rec.front(), rec.back(), kLeft + cw / 2, kLeft + kPlot - cw / 2};
  const LinearScale y{freq.front(), freq.back(), kTop + kPlot - ch / 2, kTop + ch / 2};
  Ticks xt = NiceTicks(rec.front(), rec.back(), 5);
  Ticks yt = NiceTicks(freq.front(), freq.back(), 5);
  // Only ticks inside the grid's range.
  std::erase_if(xt.values, [&](double v) { return v < rec.front() || v > rec.back(); });
  std::erase_if(yt.values, [&](double v) { return v < freq.front() || v > freq.back(); });
  svg.AxisBottom(x, xt, kTop + kPlot + 2, absl::StrCat(w.recency, " (", unit, ")"));
  svg.AxisLeft(y, yt, kLeft - 2, w.frequency);
  svg.ColourBar(kLeft, kTop + kPlot + 64, 260, 10, &Viridis, 0, z_max, title);
  return std::move(svg).Finish();
}

}  // namespace

absl::StatusOr<std::string> ModelGrids(const CustomerTable& t, int max_cells, const Page& page) {
  const Words& w = page.words;
  const RfmSummary& s = t.summary;
  const double max_f = static_cast<double>(*std::max_element(s.frequency.begin(), s.frequency.end()));
  const double max_T = *std::max_element(s.T.begin(), s.T.end());
  const std::vector<double> freq = GridValues(max_f, max_cells, true);
  const std::vector<double> rec = GridValues(max_T, max_cells, false);
  const size_t cells = freq.size() * rec.size();
  std::vector<double> x(cells), t_x(cells), T(cells, max_T), p_alive(cells), expected(cells);
  for (size_t i = 0; i < freq.size(); ++i) {
    for (size_t j = 0; j < rec.size(); ++j) {
      x[i * rec.size() + j] = freq[i];
      // A customer without repeat purchases has recency 0 (the summary's convention).
      t_x[i * rec.size() + j] = freq[i] == 0 ? 0 : rec[j];
    }
  }
  CRM_ASSIGN_OR_RETURN(const RepeatPurchaseModel model,
                       scoring_internal::RepeatPurchaseModelOf(t.purchase_model));
  CRM_RETURN_IF_ERROR(ProbabilityAlive(model, x, t_x, T, absl::MakeSpan(p_alive)));
  CRM_RETURN_IF_ERROR(ExpectedPurchases(model, t.horizon, x, t_x, T, absl::MakeSpan(expected)));
  const double e_max = *std::max_element(expected.begin(), expected.end());
  const std::string unit(UnitLabel(s.unit, page.language));
  return absl::StrCat(
      "<div class=\"two\"><figure>",
      GridChart(w.p_alive, freq, rec, p_alive, 1.0, unit, page), "<figcaption>", XmlEscape(w.p_alive),
      " (T = ", Number(max_T), " ", unit, ")</figcaption></figure><figure>",
      GridChart(w.expected_in_horizon, freq, rec, expected, e_max > 0 ? e_max : 1, unit, page),
      "<figcaption>", XmlEscape(w.expected_in_horizon), " (", XmlEscape(w.horizon), " ",
      Number(t.horizon), " ", unit, ")</figcaption></figure></div>");
}

absl::StatusOr<std::string> HoldoutByFrequency(const CustomerTable& t, Page& page) {
  const Words& w = page.words;
  const RfmSummary& s = t.summary;
  const size_t n = t.size();
  const double holdout =
      static_cast<double>(s.last_day - s.observation_end) / DaysPerUnit(s.unit);
  std::vector<double> x(n), expected(n);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<double>(s.frequency[i]);
  CRM_ASSIGN_OR_RETURN(const RepeatPurchaseModel purchase_model,
                       scoring_internal::RepeatPurchaseModelOf(t.purchase_model));
  CRM_RETURN_IF_ERROR(
      ExpectedPurchases(purchase_model, holdout, x, s.recency, s.T, absl::MakeSpan(expected)));
  constexpr size_t kGroups = 8;  // 0, 1, ..., 6, 7+
  std::array<int64_t, kGroups> customers{}, actual{};
  std::array<double, kGroups> model{};
  int64_t actual_total = 0;
  double expected_total = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t g = static_cast<size_t>(std::min<int64_t>(s.frequency[i], kGroups - 1));
    ++customers[g];
    actual[g] += s.holdout_frequency[i];
    model[g] += expected[i];
    actual_total += s.holdout_frequency[i];
    expected_total += expected[i];
  }
  const auto label = [&](size_t g) {
    return g + 1 == kGroups ? absl::StrCat(g, "+") : absl::StrCat(g);
  };
  std::string html = "<div class=\"cards\">";
  std::swap(html, page.html);
  page.Card(w.holdout_total_actual,
            page.Data("holdout_actual_total", absl::StrCat(actual_total), Thousands(actual_total)),
            absl::StrCat(Number(holdout), " ", XmlEscape(UnitLabel(s.unit, page.language))));
  page.Card(w.holdout_total_expected,
            page.Data("holdout_expected_total", FormatDouble(expected_total), Money(expected_total, 0)),
            absl::StrCat(Number(holdout), " ", XmlEscape(UnitLabel(s.unit, page.language))));
  std::swap(html, page.html);
  html += "</div><div class=\"two\"><figure>";

  double y_max = 0;
  for (size_t g = 0; g < kGroups; ++g) {
    if (customers[g] == 0) continue;
    y_max = std::max({y_max, static_cast<double>(actual[g]) / static_cast<double>(customers[g]),
                      model[g] / static_cast<double>(customers[g])});
  }
  constexpr double kLeft = 64, kTop = 28, kW = 420, kH = 260;
  SvgWriter svg(kLeft + kW + 20, kTop + kH + 50, w.holdout);
  const Ticks yt = NiceTicks(0, y_max > 0 ? y_max : 1, 5);
  const LinearScale xs{0, kGroups - 1, kLeft + 20, kLeft + kW - 20};
  const LinearScale ys{0, yt.values.back(), kTop + kH, kTop};
  svg.AxisLeft(ys, yt, kLeft, w.mean_holdout_purchases, kLeft + kW);
  svg.Line(kLeft, kTop + kH, kLeft + kW, kTop + kH, "#444");
  std::vector<std::pair<double, double>> a_line, m_line;
  const std::string a_colour = Viridis(0.15), m_colour = Viridis(0.65);
  for (size_t g = 0; g < kGroups; ++g) {
    const double px = xs(static_cast<double>(g));
    svg.Line(px, kTop + kH, px, kTop + kH + 4, "#444");
    svg.Text(px, kTop + kH + 16, label(g), "middle", 11);
    if (customers[g] == 0) continue;
    const double a = static_cast<double>(actual[g]) / static_cast<double>(customers[g]);
    const double m = model[g] / static_cast<double>(customers[g]);
    a_line.emplace_back(px, ys(a));
    m_line.emplace_back(px, ys(m));
  }
  svg.Text(kLeft + kW / 2, kTop + kH + 34, w.calibration_frequency, "middle", 12);
  svg.Polyline(a_line, a_colour, 2.5);
  svg.Polyline(m_line, m_colour, 2.5, true);
  for (const auto& [px, py] : a_line) svg.Circle(px, py, 3.5, a_colour);
  for (const auto& [px, py] : m_line) svg.Circle(px, py, 3, m_colour);
  svg.Legend(kLeft + 10, 14,
             {{a_colour, std::string(w.actual), true, false}, {m_colour, std::string(w.model), true, true}});
  html += std::move(svg).Finish();
  absl::StrAppend(&html, "<figcaption>", XmlEscape(w.holdout_note), "</figcaption></figure><div>");
  std::swap(html, page.html);
  page.TableStart({std::string(w.calibration_frequency), std::string(w.customers_in_group),
                   std::string(w.actual), std::string(w.model)});
  for (size_t g = 0; g < kGroups; ++g) {
    const double c = static_cast<double>(std::max<int64_t>(1, customers[g]));
    page.Row({Cell{label(g)},
              Cell{page.Data(absl::StrCat("holdout.customers.", label(g)), absl::StrCat(customers[g]),
                             Thousands(customers[g]))},
              Cell{absl::StrFormat("%.3f", static_cast<double>(actual[g]) / c)},
              Cell{absl::StrFormat("%.3f", model[g] / c)}});
  }
  page.html += "</tbody></table></div></div>";
  std::swap(html, page.html);
  return html;
}

namespace {

// A line chart of two series over weeks 1..n with a dashed vertical line after week
// `split` (the observation end).
std::string WeekLines(absl::string_view title, const std::vector<double>& actual,
                      const std::vector<double>& model, double split, absl::string_view y_label,
                      const Page& page) {
  const Words& w = page.words;
  constexpr double kLeft = 70, kTop = 28, kW = 390, kH = 220;
  SvgWriter svg(kLeft + kW + 24, kTop + kH + 52, title);
  double y_max = 0;
  for (const double v : actual) y_max = std::max(y_max, v);
  for (const double v : model) y_max = std::max(y_max, v);
  const double weeks = static_cast<double>(actual.size());
  const Ticks xt = NiceTicks(0, weeks, 6);
  const Ticks yt = NiceTicks(0, y_max > 0 ? y_max : 1, 5);
  const LinearScale xs{0, xt.values.back(), kLeft, kLeft + kW};
  const LinearScale ys{0, yt.values.back(), kTop + kH, kTop};
  svg.AxisLeft(ys, yt, kLeft, y_label, kLeft + kW);
  svg.AxisBottom(xs, xt, kTop + kH, w.weeks_since_start);
  svg.Line(xs(split), kTop, xs(split), kTop + kH, "#555", 1.2, true);
  svg.Text(xs(split) + 4, kTop + 12, w.observation_end, "start", 10, "#555");
  const std::string a_colour = Viridis(0.15), m_colour = Viridis(0.65);
  const auto line = [&](const std::vector<double>& values) {
    std::vector<std::pair<double, double>> points;
    for (size_t k = 0; k < values.size(); ++k) points.emplace_back(xs(static_cast<double>(k + 1)), ys(values[k]));
    return points;
  };
  svg.Polyline(line(actual), a_colour, 2);
  svg.Polyline(line(model), m_colour, 2, true);
  svg.Legend(kLeft + 10, 14, {{a_colour, std::string(w.actual), true, false},
                              {m_colour, std::string(w.model), true, true}});
  return std::move(svg).Finish();
}

}  // namespace

absl::StatusOr<std::string> TrackingPlot(const CustomerTable& t, const CustomerOccasions& occasions,
                                         Page& page) {
  const Words& w = page.words;
  const RfmSummary& s = t.summary;
  const int32_t start = occasions.first_day, last = occasions.last_day;
  const int32_t end = ToDayNumber(s.observation_end);
  if (last < start || end < start) return std::string();
  const auto span = static_cast<size_t>(last - start) + 1;
  // Customers first seen up to the observation end (the summary's rows): how many started
  // on each day, and their repeat occasions per day.
  std::vector<int64_t> cohort(span, 0), repeats(span, 0);
  for (size_t c = 0; c < occasions.customer_count(); ++c) {
    const absl::Span<const int32_t> days = occasions.days_of(c);
    if (days.empty() || days.front() > end) continue;
    ++cohort[static_cast<size_t>(days.front() - start)];
    for (size_t k = 1; k < days.size(); ++k) ++repeats[static_cast<size_t>(days[k] - start)];
  }
  // E[X(a)] of a new customer for every age a in days that occurs (FHL 2005 eq. 9), once.
  const double days_per_unit = DaysPerUnit(s.unit);
  CRM_ASSIGN_OR_RETURN(const RepeatPurchaseModel model,
                       scoring_internal::RepeatPurchaseModelOf(t.purchase_model));
  std::vector<double> expected_at_age(span, 0);
  for (size_t a = 1; a < span; ++a) {
    CRM_ASSIGN_OR_RETURN(expected_at_age[a],
                         ExpectedPurchasesNew(model, static_cast<double>(a) / days_per_unit));
  }
  // Cumulative expected repeat purchases by the end of day d: sum over cohorts s <= d.
  const size_t weeks = (span + 6) / 7;
  std::vector<double> actual_cum(weeks), model_cum(weeks), actual_week(weeks), model_week(weeks);
  int64_t running = 0;
  size_t day = 0;
  for (size_t k = 0; k < weeks; ++k) {
    const size_t week_end = std::min(span - 1, 7 * k + 6);
    for (; day <= week_end; ++day) running += repeats[day];
    double expected = 0;
    for (size_t first = 0; first <= week_end; ++first) {
      if (cohort[first] != 0) expected += static_cast<double>(cohort[first]) * expected_at_age[week_end - first];
    }
    actual_cum[k] = static_cast<double>(running);
    model_cum[k] = expected;
    actual_week[k] = actual_cum[k] - (k > 0 ? actual_cum[k - 1] : 0);
    model_week[k] = model_cum[k] - (k > 0 ? model_cum[k - 1] : 0);
  }
  int64_t calibration = 0, holdout = 0;
  for (size_t d = 0; d < span; ++d) (static_cast<int32_t>(d) + start <= end ? calibration : holdout) += repeats[d];
  const double split = static_cast<double>(end - start + 1) / 7;
  std::string html = absl::StrCat("<h3>", XmlEscape(w.tracking), "</h3><div class=\"two\"><figure>",
                                  WeekLines(w.weekly, actual_week, model_week, split, w.repeat_purchases_axis, page),
                                  "<figcaption>", XmlEscape(w.weekly), "</figcaption></figure><figure>",
                                  WeekLines(w.cumulative, actual_cum, model_cum, split, w.repeat_purchases_axis, page),
                                  "<figcaption>", XmlEscape(w.cumulative), "</figcaption></figure></div>");
  absl::StrAppend(&html, "<p class=\"note\">", XmlEscape(w.tracking_note), " ", XmlEscape(w.actual), ": ",
                  page.Data("tracking.actual_calibration", absl::StrCat(calibration), Thousands(calibration)),
                  " + ", page.Data("tracking.actual_holdout", absl::StrCat(holdout), Thousands(holdout)),
                  "; ", XmlEscape(w.model), ": ",
                  page.Data("tracking.expected_total", FormatDouble(model_cum.back()), Money(model_cum.back(), 0)),
                  "</p>");
  return html;
}

namespace {

// Share of the total held by the top `fraction` of `sorted_desc` (values sorted
// descending, prefix sums in `cumulative`).
double TopShare(const std::vector<double>& cumulative, double fraction) {
  if (cumulative.empty() || !(cumulative.back() > 0) || !std::isfinite(cumulative.back())) return 0;
  const auto k = static_cast<size_t>(std::ceil(fraction * static_cast<double>(cumulative.size())));
  return k == 0 ? 0 : cumulative[std::min(k, cumulative.size()) - 1] / cumulative.back();
}

std::vector<double> DescendingPrefixSums(std::vector<double> values) {
  std::sort(values.begin(), values.end(), std::greater<>());
  double sum = 0;
  for (double& v : values) v = sum += std::max(0.0, v);
  return values;
}

std::string ClvHistogram(const CustomerTable& t, const Page& page) {
  const Words& w = page.words;
  std::vector<double> sorted = t.clv;
  std::sort(sorted.begin(), sorted.end());
  const double p99 = sorted[std::min(sorted.size() - 1, static_cast<size_t>(0.99 * static_cast<double>(sorted.size())))];
  const Ticks edges = NiceTicks(0, p99 > 0 ? p99 : 1, 10);
  const size_t bins = edges.values.size() - 1;
  std::vector<int64_t> count(bins + 1, 0);  // the last: at or above the last edge
  for (const double v : t.clv) {
    // Clamped before the conversion: a huge value is in the overflow bin, never UB.
    const double bin = std::min(std::max(0.0, v) / edges.step, static_cast<double>(bins));
    count[static_cast<size_t>(bin)] += 1;
  }
  const int64_t c_max = *std::max_element(count.begin(), count.end());
  constexpr double kLeft = 70, kTop = 10, kW = 400, kH = 240;
  SvgWriter svg(kLeft + kW + 30, kTop + kH + 60, w.clv_distribution);
  const Ticks yt = NiceTicks(0, static_cast<double>(std::max<int64_t>(1, c_max)), 5);
  const double last = edges.values.back();
  const LinearScale xs{0, last + edges.step, kLeft, kLeft + kW};
  const LinearScale ys{0, yt.values.back(), kTop + kH, kTop};
  svg.AxisLeft(ys, yt, kLeft, w.customers, kLeft + kW);
  Ticks xt = edges;
  svg.AxisBottom(xs, xt, kTop + kH, w.clv);
  const std::string colour = Viridis(0.35);
  for (size_t b = 0; b <= bins; ++b) {
    const double x0 = xs(static_cast<double>(b) * edges.step);
    const double x1 = xs(static_cast<double>(b + 1) * edges.step);
    const std::string range =
        b == bins ? absl::StrCat("≥ ", FormatTick(last, edges.decimals))
                  : absl::StrCat(FormatTick(static_cast<double>(b) * edges.step, edges.decimals), " – ",
                                 FormatTick(static_cast<double>(b + 1) * edges.step, edges.decimals));
    svg.Rect(x0 + 1, ys(static_cast<double>(count[b])), x1 - x0 - 2,
             kTop + kH - ys(static_cast<double>(count[b])), b == bins ? Viridis(0.75) : colour,
             absl::StrCat(w.clv, " ", range, ": ", Thousands(count[b]), " ", w.customers));
  }
  return std::move(svg).Finish();
}

}  // namespace

std::string ValueCharts(const CustomerTable& t, Page& page) {
  const Words& w = page.words;
  const double scale = MinorScale(t);
  std::vector<double> spend(t.calibration_value_minor.size());
  for (size_t i = 0; i < spend.size(); ++i) spend[i] = static_cast<double>(t.calibration_value_minor[i]) / scale;
  struct Series {
    std::string key, name, colour;
    std::vector<double> cumulative;
  };
  std::vector<Series> series;
  if (!spend.empty()) series.push_back({"spend", std::string(w.calibration_spend), Viridis(0.2), DescendingPrefixSums(spend)});
  if (t.has_lifetime_model) series.push_back({"clv", std::string(w.clv), Viridis(0.7), DescendingPrefixSums(t.clv)});

  std::string html = "<div class=\"two\">";
  if (t.has_lifetime_model && t.size() > 0) {
    absl::StrAppend(&html, "<figure>", ClvHistogram(t, page), "<figcaption>", XmlEscape(w.clv_distribution),
                    " (", XmlEscape(w.horizon), " ", Number(t.horizon), " ",
                    XmlEscape(UnitLabel(t.summary.unit, page.language)), ")</figcaption></figure>");
  }
  constexpr double kLeft = 64, kTop = 28, kW = 360, kH = 260;
  SvgWriter svg(kLeft + kW + 30, kTop + kH + 56, w.lorenz);
  const Ticks pct = NiceTicks(0, 100, 5);
  const LinearScale xs{0, 100, kLeft, kLeft + kW};
  const LinearScale ys{0, 100, kTop + kH, kTop};
  svg.AxisLeft(ys, pct, kLeft, w.share_of_value, kLeft + kW);
  svg.AxisBottom(xs, pct, kTop + kH, w.top_share_customers);
  svg.Line(xs(0), ys(0), xs(100), ys(100), "#888", 1, true);
  std::vector<SvgWriter::LegendEntry> legend;
  for (const Series& s : series) {
    std::vector<std::pair<double, double>> points;
    for (int k = 0; k <= 200; ++k) {
      const double f = k / 200.0;
      points.emplace_back(xs(100 * f), ys(100 * TopShare(s.cumulative, f)));
    }
    svg.Polyline(points, s.colour, 2.5);
    legend.push_back({s.colour, s.name, true, false});
  }
  legend.push_back({"#888", std::string(w.equality), true, true});
  svg.Legend(kLeft + 8, 14, legend);
  absl::StrAppend(&html, "<figure>", std::move(svg).Finish(), "<figcaption>", XmlEscape(w.lorenz_note),
                  "</figcaption></figure></div>");

  std::swap(html, page.html);
  std::vector<std::string> headers = {std::string(w.top_share_customers)};
  for (const Series& s : series) headers.push_back(s.name);
  page.TableStart(headers);
  for (const int top : {1, 5, 10, 20, 50}) {
    std::vector<Cell> row = {Cell{absl::StrCat(top, " %")}};
    for (const Series& s : series) {
      const double share = TopShare(s.cumulative, top / 100.0);
      row.push_back(Cell{page.Data(absl::StrCat("lorenz.", s.key, ".top", top), FormatDouble(share),
                                   Percent(share))});
    }
    page.Row(row);
  }
  page.html += "</tbody></table>";
  std::swap(html, page.html);
  return html;
}

void CustomerTables(const CustomerTable& t, const ReportOptions& options, Page& page) {
  const Words& w = page.words;
  const RfmSummary& s = t.summary;
  const double scale = MinorScale(t);
  const bool tiers = t.value_tier.size() == t.size();
  const bool spend = t.calibration_value_minor.size() == t.size();
  const auto spend_cell = [&](size_t i) {
    if (!spend) return Cell{std::string(w.not_available)};
    const double v = static_cast<double>(t.calibration_value_minor[i]) / scale;
    return Cell{Money(v, s.minor_digits), FormatDouble(v)};
  };
  const auto id_cell = [&](size_t i) { return Cell{XmlEscape(s.customer_ids[i])}; };
  const auto tier_cell = [&](size_t i) {
    return Cell{tiers ? std::string(XmlEscape(Label(t.value_tier[i], page.language))) : ""};
  };

  if (t.has_lifetime_model && tiers) {
    std::vector<size_t> at_risk;
    for (size_t i = 0; i < t.size(); ++i) {
      if ((t.value_tier[i] == ValueTier::kVip || t.value_tier[i] == ValueTier::kMajor) &&
          t.p_alive[i] < options.lost_p_alive_below) {
        at_risk.push_back(i);
      }
    }
    // Most valuable first, as the top list.
    std::stable_sort(at_risk.begin(), at_risk.end(), [&](size_t a, size_t b) {
      if (t.composite_value[a] != t.composite_value[b]) return t.composite_value[a] > t.composite_value[b];
      return s.customer_ids[a] < s.customer_ids[b];
    });
    const size_t shown = std::min(at_risk.size(), options.at_risk_rows);
    absl::StrAppend(&page.html, "<h3>", XmlEscape(w.at_risk), "</h3><p class=\"note\">",
                    XmlEscape(w.at_risk_note), " (", Number(options.lost_p_alive_below), "): ",
                    page.Data("at_risk_count", absl::StrCat(at_risk.size()),
                              Thousands(static_cast<int64_t>(at_risk.size()))),
                    "; ", shown, " ", XmlEscape(w.shown_of), " ", at_risk.size(), ".</p>");
    if (at_risk.empty()) {
      absl::StrAppend(&page.html, "<p>", XmlEscape(w.none_at_risk), "</p>");
    } else {
      page.TableStart({std::string(w.customer_id), std::string(w.tier), std::string(w.composite_value),
                       std::string(w.p_alive), std::string(w.spend), std::string(w.repeat_purchases),
                       std::string(w.days_since), std::string(w.clv)},
                      true);
      for (size_t k = 0; k < shown; ++k) {
        const size_t i = at_risk[k];
        const bool days = t.days_since_last_purchase.size() == t.size();
        page.Row({id_cell(i), tier_cell(i),
                  Cell{absl::StrFormat("%.4f", t.composite_value[i])},
                  Cell{absl::StrFormat("%.3f", t.p_alive[i])}, spend_cell(i),
                  Cell{absl::StrCat(s.frequency[i])},
                  Cell{days ? absl::StrCat(t.days_since_last_purchase[i]) : std::string(w.not_available)},
                  Cell{Money(t.clv[i], 2), FormatDouble(t.clv[i])}});
      }
      page.html += "</tbody></table>";
    }
  }

  const std::vector<size_t> top = TopCustomers(t, options.top_customers);
  absl::StrAppend(&page.html, "<h3>", XmlEscape(w.top_customers), "</h3>");
  std::vector<std::string> headers = {"#", std::string(w.customer_id), std::string(w.tier),
                                      std::string(w.rfm_cells), std::string(w.composite_value),
                                      std::string(w.spend), std::string(w.repeat_purchases)};
  const bool ladder = t.ladder_rung.size() == t.size();
  if (ladder) headers.push_back(std::string(w.rung));
  if (t.has_lifetime_model) {
    headers.push_back(std::string(w.p_alive));
    headers.push_back(std::string(w.clv));
  }
  page.TableStart(headers, true);
  const bool rfm = t.rfm_r.size() == t.size();
  for (size_t k = 0; k < top.size(); ++k) {
    const size_t i = top[k];
    std::vector<Cell> row = {
        Cell{absl::StrCat(k + 1)},
        Cell{page.Data(absl::StrCat("top_customers.", k + 1), s.customer_ids[i], s.customer_ids[i])},
        tier_cell(i),
        Cell{rfm ? absl::StrCat(t.rfm_r[i], t.rfm_f[i], t.rfm_m[i]) : std::string(w.not_available)},
        Cell{absl::StrFormat("%.4f", t.composite_value[i])},
        spend_cell(i),
        Cell{absl::StrCat(s.frequency[i])}};
    if (ladder) row.push_back(Cell{XmlEscape(Label(t.ladder_rung[i], page.language))});
    if (t.has_lifetime_model) {
      row.push_back(Cell{absl::StrFormat("%.3f", t.p_alive[i])});
      row.push_back(Cell{Money(t.clv[i], 2), FormatDouble(t.clv[i])});
    }
    page.Row(row);
  }
  page.html += "</tbody></table>";
}

void ModelAndDataTables(const ReportInput& in, Page& page) {
  const Words& w = page.words;
  const CustomerTable& t = *in.table;
  const RfmSummary& s = t.summary;
  if (t.has_lifetime_model) {
    const auto fit_rows = [&](absl::string_view model, const std::vector<std::pair<std::string, double>>& params,
                              const FitReport& report) {
      absl::StrAppend(&page.html, "<h3>", XmlEscape(model), "</h3>");
      page.TableStart({std::string(w.parameter), ""});
      for (const auto& [name, value] : params) {
        page.Row({Cell{name}, Cell{page.Data(absl::StrCat(model == "Gamma-Gamma" ? "gammagamma" : LifetimeModelSpelling(t.purchase_model.kind), ".", name),
                                             FormatDouble(value), absl::StrFormat("%.4f", value))}});
      }
      page.Row({Cell{XmlEscape(w.log_likelihood)}, Cell{absl::StrFormat("%.2f", report.log_likelihood)}});
      page.Row({Cell{XmlEscape(w.converged)}, Cell{XmlEscape(report.converged ? w.yes : w.no)}});
      page.Row({Cell{XmlEscape(w.iterations)}, Cell{absl::StrCat(report.iterations)}});
      page.Row({Cell{XmlEscape(w.gradient_norm)}, Cell{absl::StrFormat("%.3g", report.gradient_norm)}});
      page.Row({Cell{XmlEscape(w.message)}, Cell{XmlEscape(report.message)}});
      page.html += "</tbody></table>";
    };
    page.html += "<div class=\"two\"><div>";
    const PurchaseModelFit& purchase = t.purchase_model;
    std::vector<std::pair<std::string, double>> named;
    const absl::StatusOr<std::vector<std::string>> names =
        ModelParameterNames(LifetimeModelSpelling(purchase.kind));
    for (size_t k = 0; names.ok() && k < names->size() && k < purchase.params.size(); ++k) {
      named.emplace_back((*names)[k], purchase.params[k]);
    }
    fit_rows(LifetimeModelDisplayName(purchase.kind), named, purchase.report);
    if (purchase.report.zero_recency_repeat_buyers > 0) {
      absl::StrAppend(&page.html, "<p class=\"note\">", XmlEscape(w.zero_recency), ": ",
                      Number(purchase.report.zero_recency_repeat_buyers), "</p>");
    }
    page.html += "</div><div>";
    const GammaGammaParams& g = t.gamma_gamma.params;
    fit_rows("Gamma-Gamma", {{"p", g.p}, {"q", g.q}, {"gamma", g.gamma}}, t.gamma_gamma.report);
    absl::StrAppend(&page.html, "<p class=\"note\">", XmlEscape(w.spend_excluded), ": ",
                    page.Data("spend_model_excluded", absl::StrCat(t.spend_model_excluded),
                              Thousands(t.spend_model_excluded)),
                    "</p></div></div><p class=\"note\">", XmlEscape(w.discount_note), "</p>");
  }

  absl::StrAppend(&page.html, "<h3>", XmlEscape(w.data_summary), "</h3>");
  page.TableStart({"", ""});
  const PopulationSummary* p = in.population;
  const auto count_row = [&](absl::string_view label, const char* key, int64_t v) {
    if (v < 0) return;
    page.Row({Cell{XmlEscape(label)}, Cell{page.Data(key, absl::StrCat(v), Thousands(v))}});
  };
  page.Row({Cell{XmlEscape(w.source)}, Cell{absl::StrCat("<code>", XmlEscape(in.source), "</code>")}});
  count_row(w.rows_read, "rows_read", p != nullptr ? p->rows_read : in.rows_read);
  count_row(w.rows_skipped, "rows_skipped", p != nullptr ? p->rows_skipped : in.rows_skipped);
  count_row(w.transactions, "transactions",
            p != nullptr ? p->transactions : s.calibration_transactions + s.holdout_transactions);
  if (p != nullptr) count_row(w.customers_in_log, "customers", p->customers_in_log);
  count_row(w.customers, "customers_scored", static_cast<int64_t>(t.size()));
  count_row(w.first_seen_in_holdout, "customers_first_seen_in_holdout", s.customers_first_seen_in_holdout);
  if (t.size() > 0) {
    page.Row({Cell{XmlEscape(w.first_day)}, Cell{absl::FormatCivilTime(s.first_day)}});
    page.Row({Cell{XmlEscape(w.last_day)}, Cell{absl::FormatCivilTime(s.last_day)}});
    page.Row({Cell{XmlEscape(w.observation_end)},
              Cell{page.Data("observation_end", absl::FormatCivilTime(s.observation_end),
                             absl::FormatCivilTime(s.observation_end))}});
  }
  page.Row({Cell{XmlEscape(w.time_unit)},
            Cell{page.Data("time_unit", TimeUnitName(s.unit), UnitLabel(s.unit, page.language))}});
  if (t.has_lifetime_model) {
    page.Row({Cell{XmlEscape(w.horizon)},
              Cell{page.Data("horizon", FormatDouble(t.horizon), Number(t.horizon))}});
  }
  page.html += "</tbody></table>";
}

}  // namespace crmcore::report

// A small SVG writer for the HTML report (issue 16): linear scales, "nice" round-number
// ticks (Heckbert 1990), axes, bars, heatmap cells, polylines, legends and colour scales
// readable by colour-blind readers (viridis, cividis). Everything it writes is escaped:
// customer ids and labels are data, never markup. No layout engine: callers place things.
//
// Private to the library (src/report/); the public entry point is crmcore/html_report.h.
#ifndef CRMCORE_SRC_REPORT_SVG_H_
#define CRMCORE_SRC_REPORT_SVG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace crmcore::report {

/// `text` with &, <, >, " and ' replaced by entities: safe in element content and in
/// attribute values quoted with either quote. Bytes that XML 1.0 forbids (C0 controls
/// other than tab, line feed and carriage return) become U+FFFD, so any id is well-formed.
std::string XmlEscape(absl::string_view text);

/// A number for an SVG coordinate: fixed, at most 2 decimals, trailing zeros dropped;
/// non-finite values become 0 (SVG has no NaN) - callers never pass them on purpose.
std::string Coord(double v);

/// Maps [domain_lo, domain_hi] linearly onto [range_lo, range_hi] (a degenerate domain maps
/// everything to the middle of the range).
struct LinearScale {
  double domain_lo = 0, domain_hi = 1;
  double range_lo = 0, range_hi = 1;
  double operator()(double v) const;
};

/// Heckbert's "nice number" (Graphics Gems, 1990): a number of the form {1, 2, 5, 10} x 10^k
/// close to x > 0; `round` picks the nearest, otherwise the smallest not below x.
double NiceNumber(double x, bool round);

/// Round-number ticks covering [lo, hi] ("loose labeling", Heckbert 1990): about `count`
/// ticks, a nice step d = NiceNumber(NiceNumber(hi - lo, false) / (count - 1), true), from
/// floor(lo / d) d to ceil(hi / d) d. A degenerate range (lo == hi) is widened around lo.
struct Ticks {
  std::vector<double> values;
  double step = 1;
  /// Decimals that show every tick exactly: max(0, -floor(log10(step))).
  int decimals = 0;
};
Ticks NiceTicks(double lo, double hi, int count = 5);

/// A tick label with `decimals` decimals and thousands separators ("12,500", "0.25").
std::string FormatTick(double v, int decimals);

/// Colour of t in [0, 1] (clamped) on a perceptually uniform, colour-blind-safe map, as
/// "#rrggbb": linear interpolation between samples of matplotlib's viridis / cividis.
std::string Viridis(double t);
std::string Cividis(double t);
/// Black or white, whichever reads better on `hex_colour` ("#rrggbb").
const char* TextColourOn(absl::string_view hex_colour);

/// One SVG document, written element by element. Coordinates are in user units; the
/// viewBox is (0, 0, width, height) and the element scales to its container's width.
class SvgWriter {
 public:
  /// `title` is the accessible name (<title>, aria-label).
  SvgWriter(double width, double height, absl::string_view title);

  double width() const { return width_; }
  double height() const { return height_; }

  /// A filled rectangle; `tooltip`, when not empty, becomes its <title> (shown on hover).
  void Rect(double x, double y, double w, double h, absl::string_view fill,
            absl::string_view tooltip = "");
  void Line(double x1, double y1, double x2, double y2, absl::string_view stroke,
            double stroke_width = 1, bool dashed = false);
  /// `anchor`: "start", "middle" or "end"; `extra` adds attributes written as given
  /// (callers pass constants, never data).
  void Text(double x, double y, absl::string_view text, absl::string_view anchor = "start",
            double size = 12, absl::string_view fill = "#222", absl::string_view extra = "");
  void Polyline(const std::vector<std::pair<double, double>>& points, absl::string_view stroke,
                double stroke_width = 2, bool dashed = false);
  void Polygon(const std::vector<std::pair<double, double>>& points, absl::string_view fill,
               absl::string_view tooltip = "");
  void Circle(double cx, double cy, double r, absl::string_view fill,
              absl::string_view tooltip = "");

  /// Groups the elements up to EndGroup() under `attributes`, written as given (callers
  /// pass constants, e.g. shape-rendering="crispEdges" for seamless heatmap cells).
  void BeginGroup(absl::string_view attributes);
  void EndGroup();

  /// A horizontal axis at `y` with the ticks' labels below it and `label` under them;
  /// `grid_to_y`, when >= 0, draws light grid lines up to that y.
  void AxisBottom(const LinearScale& x, const Ticks& ticks, double y, absl::string_view label,
                  double grid_to_y = -1);
  /// A vertical axis at `x` with labels to its left and `label` rotated beside them;
  /// `grid_to_x`, when >= 0, draws light grid lines across to that x.
  void AxisLeft(const LinearScale& y, const Ticks& ticks, double x, absl::string_view label,
                double grid_to_x = -1);

  /// A legend of coloured swatches in a row starting at (x, y); `dashed` per entry draws a
  /// dashed line swatch instead of a block.
  struct LegendEntry {
    std::string colour;
    std::string label;
    bool line = false;
    bool dashed = false;
  };
  void Legend(double x, double y, const std::vector<LegendEntry>& entries);

  /// A horizontal colour bar of `colour_map` over [lo, hi] with nice ticks and a label.
  void ColourBar(double x, double y, double w, double h, std::string (*colour_map)(double),
                 double lo, double hi, absl::string_view label);

  /// The finished document (<svg>...</svg>).
  std::string Finish() &&;

 private:
  double width_, height_;
  std::string out_;
};

}  // namespace crmcore::report

#endif  // CRMCORE_SRC_REPORT_SVG_H_

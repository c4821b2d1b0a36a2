#include "report/svg.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace crmcore::report {

std::string XmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 has no way to write these bytes
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string Coord(double v) {
  if (!std::isfinite(v)) return "0";
  std::string s = absl::StrFormat("%.2f", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

double LinearScale::operator()(double v) const {
  const double span = domain_hi - domain_lo;
  if (!(span != 0) || !std::isfinite(span)) return (range_lo + range_hi) / 2;
  return range_lo + (v - domain_lo) / span * (range_hi - range_lo);
}

double NiceNumber(double x, bool round) {
  if (!(x > 0) || !std::isfinite(x)) return 1;
  const double exponent = std::floor(std::log10(x));
  const double power = std::pow(10.0, exponent);
  const double fraction = x / power;  // in [1, 10)
  double nice;
  if (round) {
    nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  } else {
    nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  }
  return nice * power;
}

Ticks NiceTicks(double lo, double hi, int count) {
  Ticks ticks;
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi == lo) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  count = std::max(count, 2);
  const double range = NiceNumber(hi - lo, false);
  ticks.step = NiceNumber(range / (count - 1), true);
  // The step is m x 10^e with m in {1, 2, 5, 10}; each tick is (k m) x 10^e, computed as
  // an integer times or divided by an exact power of ten, so 0.6 is the double nearest
  // 0.6 (not 3 x 0.2 = 0.6000000000000001).
  const int e = static_cast<int>(std::floor(std::log10(ticks.step) + 1e-9));
  const double power = std::pow(10.0, std::abs(e));
  const double m = std::round(e >= 0 ? ticks.step / power : ticks.step * power);
  const auto at = [&](double k) { return e >= 0 ? k * m * power : k * m / power; };
  const double first = std::floor(lo / ticks.step + 1e-9);
  const double last = std::ceil(hi / ticks.step - 1e-9);
  // A range too wide for doubles (hi - lo overflows) gives no nice step: the ends alone.
  if (!std::isfinite(range) || !((last - first) <= 1000)) {
    ticks.values = {lo, hi};
    ticks.step = hi - lo;
    ticks.decimals = 0;
    return ticks;
  }
  for (double k = first; k <= last; ++k) {
    const double v = at(k);
    ticks.values.push_back(v == 0 ? 0.0 : v);  // no -0
  }
  ticks.step = at(1);
  ticks.decimals = std::max(0, -static_cast<int>(std::floor(std::log10(ticks.step))));
  return ticks;
}

std::string FormatTick(double v, int decimals) {
  std::string s = absl::StrFormat("%.*f", decimals, v);
  if (s == "-0" || (s.rfind("-0.", 0) == 0 && s.find_first_not_of("-0.") == std::string::npos)) {
    s.erase(0, 1);
  }
  // Thousands separators in the integer part, built forwards (an in-place insert loop
  // trips gcc 12's -Wrestrict false positive at -O2).
  const size_t sign = s[0] == '-' ? 1 : 0;
  const size_t point = std::min(s.find('.'), s.size());
  std::string out = s.substr(0, sign);
  for (size_t i = sign; i < point; ++i) {
    if (i > sign && (point - i) % 3 == 0) out += ',';
    out += s[i];
  }
  out += s.substr(point);
  return out;
}

namespace {

struct Rgb {
  int r, g, b;
};

// Samples at t = 0, 1/8, ..., 1 of matplotlib's viridis (van der Walt & Smith 2015) and
// cividis (Nuñez, Anderton & Renslow 2018), both designed to read alike under colour-vision
// deficiencies and in greyscale print.
constexpr std::array<Rgb, 9> kViridis = {{{0x44, 0x01, 0x54}, {0x47, 0x2d, 0x7b}, {0x3b, 0x52, 0x8b},
                                          {0x2c, 0x72, 0x8e}, {0x21, 0x91, 0x8c}, {0x28, 0xae, 0x80},
                                          {0x5e, 0xc9, 0x62}, {0xad, 0xdc, 0x30}, {0xfd, 0xe7, 0x25}}};
constexpr std::array<Rgb, 9> kCividis = {{{0x00, 0x22, 0x4e}, {0x12, 0x35, 0x70}, {0x3b, 0x49, 0x6c},
                                          {0x57, 0x5d, 0x6d}, {0x70, 0x71, 0x73}, {0x8a, 0x86, 0x78},
                                          {0xa5, 0x9c, 0x74}, {0xc3, 0xb3, 0x69}, {0xfe, 0xe8, 0x38}}};

std::string Interpolate(const std::array<Rgb, 9>& map, double t) {
  if (!std::isfinite(t)) t = 0;
  t = std::clamp(t, 0.0, 1.0) * 8;
  const size_t i = std::min<size_t>(7, static_cast<size_t>(t));
  const double f = t - static_cast<double>(i);
  const auto mix = [&](int a, int b) { return static_cast<int>(std::lround(a + (b - a) * f)); };
  return absl::StrFormat("#%02x%02x%02x", mix(map[i].r, map[i + 1].r), mix(map[i].g, map[i + 1].g),
                         mix(map[i].b, map[i + 1].b));
}

}  // namespace

std::string Viridis(double t) { return Interpolate(kViridis, t); }
std::string Cividis(double t) { return Interpolate(kCividis, t); }

const char* TextColourOn(absl::string_view hex_colour) {
  unsigned r = 0, g = 0, b = 0;
  if (hex_colour.size() != 7 ||
      std::sscanf(std::string(hex_colour).c_str(), "#%02x%02x%02x", &r, &g, &b) != 3) {
    return "#000";
  }
  // Relative luminance weights of ITU-R BT.709 on the (gamma-encoded) channels: enough to
  // pick the more legible of black and white.
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 128 ? "#000" : "#fff";
}

SvgWriter::SvgWriter(double width, double height, absl::string_view title)
    : width_(width), height_(height) {
  const std::string escaped = XmlEscape(title);
  absl::StrAppend(&out_, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", Coord(width),
                  " ", Coord(height), "\" width=\"100%\" role=\"img\" aria-label=\"", escaped,
                  "\" style=\"max-width:", Coord(width), "px\"><title>", escaped, "</title>");
}

void SvgWriter::Rect(double x, double y, double w, double h, absl::string_view fill,
                     absl::string_view tooltip) {
  absl::StrAppend(&out_, "<rect x=\"", Coord(x), "\" y=\"", Coord(y), "\" width=\"",
                  Coord(std::max(0.0, w)), "\" height=\"", Coord(std::max(0.0, h)), "\" fill=\"",
                  XmlEscape(fill), "\"");
  if (tooltip.empty()) {
    out_ += "/>";
  } else {
    absl::StrAppend(&out_, "><title>", XmlEscape(tooltip), "</title></rect>");
  }
}

void SvgWriter::Line(double x1, double y1, double x2, double y2, absl::string_view stroke,
                     double stroke_width, bool dashed) {
  absl::StrAppend(&out_, "<line x1=\"", Coord(x1), "\" y1=\"", Coord(y1), "\" x2=\"", Coord(x2),
                  "\" y2=\"", Coord(y2), "\" stroke=\"", XmlEscape(stroke), "\" stroke-width=\"",
                  Coord(stroke_width), "\"", dashed ? " stroke-dasharray=\"5 4\"" : "", "/>");
}

void SvgWriter::Text(double x, double y, absl::string_view text, absl::string_view anchor,
                     double size, absl::string_view fill, absl::string_view extra) {
  absl::StrAppend(&out_, "<text x=\"", Coord(x), "\" y=\"", Coord(y), "\" text-anchor=\"",
                  XmlEscape(anchor), "\" font-size=\"", Coord(size), "\" fill=\"", XmlEscape(fill),
                  "\"", extra.empty() ? "" : " ", extra, ">", XmlEscape(text), "</text>");
}

namespace {
std::string Points(const std::vector<std::pair<double, double>>& points) {
  std::string out;
  for (const auto& [x, y] : points) absl::StrAppend(&out, out.empty() ? "" : " ", Coord(x), ",", Coord(y));
  return out;
}
}  // namespace

void SvgWriter::Polyline(const std::vector<std::pair<double, double>>& points,
                         absl::string_view stroke, double stroke_width, bool dashed) {
  absl::StrAppend(&out_, "<polyline fill=\"none\" stroke=\"", XmlEscape(stroke),
                  "\" stroke-width=\"", Coord(stroke_width), "\"",
                  dashed ? " stroke-dasharray=\"6 4\"" : "", " points=\"", Points(points), "\"/>");
}

void SvgWriter::Polygon(const std::vector<std::pair<double, double>>& points,
                        absl::string_view fill, absl::string_view tooltip) {
  absl::StrAppend(&out_, "<polygon fill=\"", XmlEscape(fill), "\" points=\"", Points(points), "\"");
  if (tooltip.empty()) {
    out_ += "/>";
  } else {
    absl::StrAppend(&out_, "><title>", XmlEscape(tooltip), "</title></polygon>");
  }
}

void SvgWriter::Circle(double cx, double cy, double r, absl::string_view fill,
                       absl::string_view tooltip) {
  absl::StrAppend(&out_, "<circle cx=\"", Coord(cx), "\" cy=\"", Coord(cy), "\" r=\"", Coord(r),
                  "\" fill=\"", XmlEscape(fill), "\"");
  if (tooltip.empty()) {
    out_ += "/>";
  } else {
    absl::StrAppend(&out_, "><title>", XmlEscape(tooltip), "</title></circle>");
  }
}

void SvgWriter::BeginGroup(absl::string_view attributes) {
  absl::StrAppend(&out_, "<g ", attributes, ">");
}

void SvgWriter::EndGroup() { out_ += "</g>"; }

void SvgWriter::AxisBottom(const LinearScale& x, const Ticks& ticks, double y,
                           absl::string_view label, double grid_to_y) {
  Line(x.range_lo, y, x.range_hi, y, "#444");
  for (const double v : ticks.values) {
    const double px = x(v);
    if (grid_to_y >= 0) Line(px, y, px, grid_to_y, "#ddd", 0.6);
    Line(px, y, px, y + 4, "#444");
    Text(px, y + 16, FormatTick(v, ticks.decimals), "middle", 11);
  }
  Text((x.range_lo + x.range_hi) / 2, y + 34, label, "middle", 12);
}

void SvgWriter::AxisLeft(const LinearScale& y, const Ticks& ticks, double x,
                         absl::string_view label, double grid_to_x) {
  Line(x, y.range_lo, x, y.range_hi, "#444");
  double widest = 0;
  for (const double v : ticks.values) {
    const double py = y(v);
    if (grid_to_x >= 0) Line(x, py, grid_to_x, py, "#ddd", 0.6);
    Line(x - 4, py, x, py, "#444");
    const std::string text = FormatTick(v, ticks.decimals);
    widest = std::max(widest, 6.5 * static_cast<double>(text.size()));
    Text(x - 7, py + 4, text, "end", 11);
  }
  const double lx = x - widest - 16;
  const double ly = (y.range_lo + y.range_hi) / 2;
  Text(lx, ly, label, "middle", 12, "#222",
       absl::StrCat("transform=\"rotate(-90 ", Coord(lx), " ", Coord(ly), ")\""));
}

void SvgWriter::Legend(double x, double y, const std::vector<LegendEntry>& entries) {
  for (const LegendEntry& e : entries) {
    if (e.line) {
      Line(x, y - 4, x + 18, y - 4, e.colour, 2.5, e.dashed);
    } else {
      Rect(x, y - 10, 18, 10, e.colour);
    }
    Text(x + 24, y, e.label, "start", 11);
    // Labels are short; CJK glyphs are about twice as wide as Latin ones.
    x += 40 + 7.0 * static_cast<double>(e.label.size());
  }
}

void SvgWriter::ColourBar(double x, double y, double w, double h,
                          std::string (*colour_map)(double), double lo, double hi,
                          absl::string_view label) {
  constexpr int kSteps = 32;
  for (int i = 0; i < kSteps; ++i) {
    Rect(x + w * i / kSteps, y, w / kSteps + 0.5, h, colour_map((i + 0.5) / kSteps));
  }
  const Ticks ticks = NiceTicks(lo, hi, 5);
  const LinearScale scale{lo, hi, x, x + w};
  for (const double v : ticks.values) {
    if (v < lo - 1e-12 * std::abs(hi - lo) || v > hi + 1e-12 * std::abs(hi - lo)) continue;
    Line(scale(v), y + h, scale(v), y + h + 3, "#444");
    Text(scale(v), y + h + 14, FormatTick(v, ticks.decimals), "middle", 10);
  }
  Text(x, y - 4, label, "start", 11);
}

std::string SvgWriter::Finish() && {
  out_ += "</svg>";
  return std::move(out_);
}

}  // namespace crmcore::report

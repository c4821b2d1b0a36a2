// The HTML report (crmcore/html_report.h) and its SVG writer (src/report/svg.h, white box):
// scales, round-number ticks, escaping of data (customer ids are never markup), colour
// maps, and the page's sections for full and partial inputs.
#include "crmcore/html_report.h"

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log_builder.h"
#include "report/svg.h"

namespace crmcore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using report::NiceNumber;
using report::NiceTicks;

// Occurrences of `needle` in `haystack`.
size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

TEST(SvgNiceNumberTest, RoundsToOneTwoFiveTimesAPowerOfTen) {
  // Heckbert 1990: rounded, thresholds 1.5, 3 and 7; not rounded, the smallest not below x.
  EXPECT_EQ(NiceNumber(1.4, true), 1);
  EXPECT_EQ(NiceNumber(2.5, true), 2);
  EXPECT_EQ(NiceNumber(3.2, true), 5);
  EXPECT_EQ(NiceNumber(7.0, true), 10);
  EXPECT_EQ(NiceNumber(12500, true), 10000);
  EXPECT_EQ(NiceNumber(101, false), 200);
  EXPECT_EQ(NiceNumber(100, false), 100);
  EXPECT_DOUBLE_EQ(NiceNumber(0.034, false), 0.05);
  EXPECT_EQ(NiceNumber(0, true), 1);  // degenerate input never yields 0 or NaN
  EXPECT_EQ(NiceNumber(NAN, false), 1);
}

TEST(SvgNiceTicksTest, CoversTheRangeWithRoundSteps) {
  const report::Ticks customers = NiceTicks(0, 23570, 5);
  EXPECT_THAT(customers.values, ElementsAre(0, 10000, 20000, 30000));
  EXPECT_EQ(customers.step, 10000);
  EXPECT_EQ(customers.decimals, 0);

  const report::Ticks shares = NiceTicks(0.1, 0.93, 5);
  // Exactly the doubles nearest the round values, not sums of 0.2.
  EXPECT_THAT(shares.values, ElementsAre(0.0, 0.2, 0.4, 0.6, 0.8, 1.0));
  EXPECT_EQ(shares.decimals, 1);

  // Range 10 -> nice 10; step 10 / 4 = 2.5 -> rounded nice 2; from floor(-3/2) to ceil(7/2).
  EXPECT_THAT(NiceTicks(-3, 7, 5).values, ElementsAre(-4, -2, 0, 2, 4, 6, 8));

  const report::Ticks flat = NiceTicks(5, 5, 5);  // one value: widened around it
  EXPECT_LT(flat.values.front(), 5);
  EXPECT_GT(flat.values.back(), 5);
  // hi - lo overflows: the two ends, at once (never ~1e308 steps).
  EXPECT_THAT(NiceTicks(-1.7e308, 1.7e308, 5).values, ElementsAre(-1.7e308, 1.7e308));
  EXPECT_LE(NiceTicks(0, 1.7e308, 10).values.size(), 12u);
  const report::Ticks bad = NiceTicks(NAN, INFINITY, 5);
  EXPECT_FALSE(bad.values.empty());
  for (const double v : bad.values) EXPECT_TRUE(std::isfinite(v));
}

TEST(SvgFormatTest, TicksAndCoordinates) {
  EXPECT_EQ(report::FormatTick(12500, 0), "12,500");
  EXPECT_EQ(report::FormatTick(-1234567.5, 1), "-1,234,567.5");
  EXPECT_EQ(report::FormatTick(0.25, 2), "0.25");
  EXPECT_EQ(report::FormatTick(-0.0001, 2), "0.00");  // no "-0.00"
  EXPECT_EQ(report::FormatTick(999, 0), "999");
  EXPECT_EQ(report::Coord(2.5), "2.5");
  EXPECT_EQ(report::Coord(3.0), "3");
  EXPECT_EQ(report::Coord(-0.001), "0");
  EXPECT_EQ(report::Coord(NAN), "0");
  EXPECT_EQ(report::Coord(1.23456), "1.23");
}

TEST(SvgLinearScaleTest, MapsDomainOntoRange) {
  const report::LinearScale y{0, 100, 300, 20};  // an inverted (SVG y) range
  EXPECT_DOUBLE_EQ(y(0), 300);
  EXPECT_DOUBLE_EQ(y(100), 20);
  EXPECT_DOUBLE_EQ(y(50), 160);
  const report::LinearScale flat{5, 5, 0, 10};
  EXPECT_DOUBLE_EQ(flat(5), 5);  // a degenerate domain: the middle, never NaN
}

TEST(SvgEscapeTest, DataIsNeverMarkup) {
  EXPECT_EQ(report::XmlEscape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  EXPECT_EQ(report::XmlEscape("客户 42"), "客户 42");  // UTF-8 passes through
  EXPECT_EQ(report::XmlEscape(std::string("a\x01z", 3)), "a\xEF\xBF\xBDz");  // no C0 controls in XML

  report::SvgWriter svg(100, 50, "t<i>tle");
  svg.Text(1, 2, "</text><script>alert(\"x\")</script>");
  svg.Rect(0, 0, 10, 10, "#000", "id & <b>");
  svg.BeginGroup("shape-rendering=\"crispEdges\"");
  svg.Polygon({{0, 0}, {1, 1}}, "#111", "\"quoted\" 'id'");
  svg.EndGroup();
  const std::string out = std::move(svg).Finish();
  EXPECT_THAT(out, Not(HasSubstr("<script")));
  EXPECT_THAT(out, Not(HasSubstr("<b>")));
  EXPECT_THAT(out, Not(HasSubstr("<i>")));
  EXPECT_THAT(out, HasSubstr("&lt;/text&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
  EXPECT_THAT(out, HasSubstr("<title>id &amp; &lt;b&gt;</title>"));
  EXPECT_THAT(out, HasSubstr("&quot;quoted&quot; &#39;id&#39;"));
  // Every element opened is closed: <svg>, <title> twice (document, rect, polygon), <text>.
  EXPECT_EQ(Count(out, "<svg"), 1u);
  EXPECT_EQ(Count(out, "</svg>"), 1u);
  EXPECT_EQ(Count(out, "<title>"), Count(out, "</title>"));
  EXPECT_EQ(Count(out, "<g "), Count(out, "</g>"));
}

TEST(SvgColourTest, ColourBlindSafeMapsAndReadableText) {
  EXPECT_EQ(report::Viridis(0), "#440154");
  EXPECT_EQ(report::Viridis(1), "#fde725");
  EXPECT_EQ(report::Viridis(-3), report::Viridis(0));  // clamped
  EXPECT_EQ(report::Viridis(NAN), report::Viridis(0));
  EXPECT_EQ(report::Cividis(0), "#00224e");
  EXPECT_EQ(report::Cividis(1), "#fee838");
  EXPECT_STREQ(report::TextColourOn("#440154"), "#fff");
  EXPECT_STREQ(report::TextColourOn("#fde725"), "#000");
  EXPECT_STREQ(report::TextColourOn("not a colour"), "#000");
}

// The CDNOW master log scored as the CLI scores it (weeks, a holdout after 1997-09-30).
struct Scored {
  CustomerOccasions occasions;
  CustomerTable table;
  PopulationSummary population;
};
const Scored& CdnowScored() {
  static const Scored* scored = [] {
    auto log = test_support::LoadCdnowMaster();
    EXPECT_TRUE(log.ok()) << log.status();
    ScoringOptions options;
    options.summary.unit = TimeUnit::kWeeks;
    options.summary.observation_end = absl::CivilDay(1997, 9, 30);
    auto occasions = GroupOccasions(*log);
    EXPECT_TRUE(occasions.ok()) << occasions.status();
    auto table = ScoreCustomers(*occasions, options);
    EXPECT_TRUE(table.ok()) << table.status();
    auto population = SummarizePopulation(*occasions, *table);
    EXPECT_TRUE(population.ok()) << population.status();
    return new Scored{*std::move(occasions), *std::move(table), *std::move(population)};
  }();
  return *scored;
}

std::string Write(const ReportInput& input) {
  std::ostringstream out;
  const absl::Status status = WriteHtmlReport(input, out);
  EXPECT_TRUE(status.ok()) << status;
  return out.str();
}

TEST(HtmlReportTest, CdnowPageHasEverySectionAndNoExternalReference) {
  const Scored& s = CdnowScored();
  ReportInput input;
  input.table = &s.table;
  input.population = &s.population;
  input.source = "CDNOW_master.txt";
  const std::string page = Write(input);
  for (const char* id : {"headline", "pyramid", "ladder", "rfm", "model-grids", "holdout", "value",
                         "customers", "model"}) {
    EXPECT_TRUE(absl::StrContains(page, absl::StrCat("<section id=\"", id, "\">"))) << id;
  }
  EXPECT_LT(page.size(), size_t{5} << 20);
  // Nothing to fetch: no URL other than the SVG namespace name (an identifier, not a request).
  EXPECT_EQ(Count(page, "http://") + Count(page, "https://"), Count(page, "http://www.w3.org/2000/svg"));
  EXPECT_FALSE(absl::StrContains(page, " src="));
  EXPECT_EQ(Count(page, "<script"), 1u);  // the sorting touch only
  EXPECT_TRUE(absl::StrContains(page, "interval not computed"));
  // The pyramid counts are the population summary's.
  EXPECT_TRUE(absl::StrContains(page, absl::StrCat("data-key=\"value_tier.vip\" data-value=\"",
                                           s.population.value_tier[0], "\"")));
  EXPECT_TRUE(absl::StrContains(page, absl::StrCat("data-key=\"rfm_customers_total\" data-value=\"",
                                           s.table.size(), "\"")));
}

// The value of the page's figure `key` (its data-value), or "" when absent.
std::string Figure(const std::string& page, const std::string& key) {
  const std::string attr = "data-key=\"" + key + "\" data-value=\"";
  const size_t at = page.find(attr);
  if (at == std::string::npos) return "";
  const size_t start = at + attr.size();
  return page.substr(start, page.find('"', start) - start);
}

TEST(HtmlReportTest, TrackingPlotCountsTheSummarysRepeatPurchases) {
  const Scored& s = CdnowScored();
  ReportInput input;
  input.table = &s.table;
  input.occasions = &s.occasions;
  const std::string page = Write(input);
  EXPECT_TRUE(absl::StrContains(page, "Cumulative repeat purchases"));
  // The plot's actual repeat occasions are the summary's: frequency in calibration and
  // holdout_frequency after it, summed over the customers.
  int64_t calibration = 0, holdout = 0;
  for (size_t i = 0; i < s.table.size(); ++i) {
    calibration += s.table.summary.frequency[i];
    holdout += s.table.summary.holdout_frequency[i];
  }
  EXPECT_EQ(Figure(page, "tracking.actual_calibration"), absl::StrCat(calibration));
  EXPECT_EQ(Figure(page, "tracking.actual_holdout"), absl::StrCat(holdout));
  // BG/NBD tracks CDNOW's cumulative repeat purchases closely (FHL 2005, figure 3): the
  // expected total over the 78 weeks is within 10 % of the actual one.
  double expected = 0;
  ASSERT_TRUE(absl::SimpleAtod(Figure(page, "tracking.expected_total"), &expected));
  EXPECT_NEAR(expected, static_cast<double>(calibration + holdout), 0.10 * static_cast<double>(calibration + holdout));
  // Without the occasions the page says why the plot is missing.
  input.occasions = nullptr;
  EXPECT_TRUE(absl::StrContains(Write(input), "tracking plot needs the purchase occasions"));
}

TEST(HtmlReportTest, HostileCustomerIdsAreEscapedEverywhere) {
  CustomerTable table = CdnowScored().table;
  const std::vector<size_t> top = TopCustomers(table, 3);
  ASSERT_EQ(top.size(), 3u);
  table.summary.customer_ids[top[0]] = "<script>alert(1)</script>";
  table.summary.customer_ids[top[1]] = "a&b \"c\" 'd'";
  table.summary.customer_ids[top[2]] = "</td></tr></table><img src=x>";
  ReportInput input;
  input.table = &table;
  input.population = &CdnowScored().population;
  input.source = "<b>log</b>.txt";
  const std::string page = Write(input);
  EXPECT_EQ(Count(page, "<script"), 1u);
  EXPECT_TRUE(absl::StrContains(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(absl::StrContains(page, "a&amp;b &quot;c&quot; &#39;d&#39;"));
  EXPECT_FALSE(absl::StrContains(page, "<img"));
  EXPECT_FALSE(absl::StrContains(page, "<b>log"));
  EXPECT_EQ(Count(page, "<table"), Count(page, "</table>"));
}

TEST(HtmlReportTest, ChinesePageUsesTheTaxonomiesChineseLabels) {
  ReportInput input;
  input.table = &CdnowScored().table;
  input.population = &CdnowScored().population;
  input.options.language = ReportLanguage::kChinese;
  const std::string page = Write(input);
  EXPECT_TRUE(absl::StrContains(page, "<html lang=\"zh-Hans\">"));
  EXPECT_TRUE(absl::StrContains(page, std::string(LabelZh(ValueTier::kVip))));
  EXPECT_TRUE(absl::StrContains(page, std::string(LabelZh(LadderRung::kRepeatCustomer))));
  EXPECT_FALSE(absl::StrContains(page, std::string(LabelEn(LadderRung::kRepeatCustomer))));
}

TEST(HtmlReportTest, IntervalsAreShownWhenGiven) {
  ReportInput input;
  input.table = &CdnowScored().table;
  input.intervals.total_clv = ReportInterval{712345.5, 850000.25, 0.9};
  const std::string page = Write(input);
  EXPECT_TRUE(absl::StrContains(page, "data-key=\"total_clv_lower\" data-value=\"712345.5\""));
  EXPECT_TRUE(absl::StrContains(page, "data-key=\"total_clv_upper\" data-value=\"850000.25\""));
  EXPECT_TRUE(absl::StrContains(page, "90 % interval"));
  EXPECT_EQ(Count(page, "interval not computed"), 1u);  // expected purchases still has none
}

TEST(HtmlReportTest, PartialInputsLeaveOutTheirSections) {
  // A small log scored without a lifetime model and written without a population summary.
  const TransactionLog log = test_support::MakeLog({{"a", 2024, 1, 1, 1000},
                                                    {"a", 2024, 3, 1, 2000},
                                                    {"b", 2024, 2, 1, 500},
                                                    {"c", 2024, 2, 10, 700},
                                                    {"c", 2024, 4, 1, 900}});
  ScoringOptions options;
  options.lifetime_model = LifetimeModelKind::kNone;
  auto table = ScoreCustomers(log, options);
  ASSERT_TRUE(table.ok()) << table.status();
  ReportInput input;
  input.table = &*table;
  input.rows_read = 5;
  input.rows_skipped = 0;
  const std::string page = Write(input);
  for (const char* present : {"headline", "pyramid", "rfm", "value", "customers", "model"}) {
    EXPECT_TRUE(absl::StrContains(page, absl::StrCat("<section id=\"", present, "\">"))) << present;
  }
  for (const char* absent : {"ladder", "model-grids", "holdout"}) {
    EXPECT_FALSE(absl::StrContains(page, absl::StrCat("<section id=\"", absent, "\">"))) << absent;
  }
  EXPECT_TRUE(absl::StrContains(page, "data-key=\"rows_read\" data-value=\"5\""));
  EXPECT_TRUE(absl::StrContains(page, "data-key=\"value_tier.small\""));
}

// Covers docs/bad-input.md BI-REP-01
TEST(HtmlReportTest, BadInputIsAnErrorNamingWhatIsWrong) {
  std::ostringstream out;
  EXPECT_EQ(WriteHtmlReport(ReportInput{}, out).code(), absl::StatusCode::kInvalidArgument);

  CustomerTable table = CdnowScored().table;
  table.clv.pop_back();
  ReportInput input;
  input.table = &table;
  const absl::Status short_column = WriteHtmlReport(input, out);
  EXPECT_EQ(short_column.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_column.message(), HasSubstr("clv"));

  input.table = &CdnowScored().table;
  input.options.lost_p_alive_below = 1.5;
  EXPECT_THAT(WriteHtmlReport(input, out).message(), HasSubstr("1.5"));
  input.options.lost_p_alive_below = 0.5;
  input.options.max_grid_cells = 1;
  EXPECT_THAT(WriteHtmlReport(input, out).message(), HasSubstr("max_grid_cells"));
  EXPECT_TRUE(out.str().empty());  // nothing written on error
}

TEST(HtmlReportTest, ExtremeValuesNeverReachThePageAsNaN) {
  CustomerTable table = CdnowScored().table;
  table.clv[0] = 1e300;  // far past the histogram's last bin: the overflow bin
  table.clv[1] = 0;
  ReportInput input;
  input.table = &table;
  const std::string page = Write(input);
  EXPECT_FALSE(absl::StrContains(page, "nan"));
  EXPECT_FALSE(absl::StrContains(page, "inf\""));
  EXPECT_EQ(Figure(page, "customers_scored"), absl::StrCat(table.size()));
}

TEST(HtmlReportTest, TopCustomersBreakTiesBySpendThenId) {
  CustomerTable table;
  table.summary.customer_ids = {"b", "a", "c", "d"};
  table.summary.frequency = {0, 0, 0, 0};
  table.composite_value = {0.5, 0.5, 0.9, 0.5};
  table.calibration_value_minor = {100, 100, 1, 200};
  EXPECT_THAT(TopCustomers(table, 10), ElementsAre(2, 3, 1, 0));
  EXPECT_THAT(TopCustomers(table, 2), ElementsAre(2, 3));
  EXPECT_TRUE(TopCustomers(table, 0).empty());
}

}  // namespace
}  // namespace crmcore

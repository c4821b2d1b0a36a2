#include "output.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <numeric>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "crmcore/html_report.h"
#include "crmcore/model_file.h"
#include "crmcore/money.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"

namespace crmcore_cli {
namespace {

using crmcore::FormatDouble;
using crmcore::Id;

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Table rows are formatted into a text buffer handed to the stream in large blocks: a
// million-row summary through operator<< spends more time in the stream's per-call
// machinery than in formatting. Numbers are written exactly as FormatDouble and
// operator<< write them (std::to_chars, shortest round-trip form for doubles).
class CsvBuffer {
 public:
  // Appends to `text`; `out`, when not null, receives the text in large blocks (and the
  // rest when the buffer is destroyed).
  CsvBuffer(std::ostream* out, std::string& text) : out_(out), buffer_(text) {
    buffer_.reserve(kFlushBytes + 4096);
  }
  CsvBuffer(const CsvBuffer&) = delete;
  CsvBuffer& operator=(const CsvBuffer&) = delete;
  ~CsvBuffer() { Flush(); }

  void Text(absl::string_view text) { buffer_.append(text.data(), text.size()); }
  void Char(char c) { buffer_.push_back(c); }
  // RFC 4180 quoting: only fields holding a comma, quote or line break are quoted.
  void Field(absl::string_view text) {
    if (text.find_first_of(",\"\r\n") == absl::string_view::npos) return Text(text);
    Char('"');
    for (char c : text) {
      if (c == '"') Char('"');
      Char(c);
    }
    Char('"');
  }
  template <typename Number>
  void Num(Number value) {
    char digits[32];  // The longest shortest double, "-2.2250738585072014e-308", fits.
    Text(absl::string_view(digits, static_cast<size_t>(
                                       std::to_chars(digits, digits + sizeof(digits), value).ptr -
                                       digits)));
  }
  // Ends a row, handing the buffer to the stream once it is large.
  void EndRow() {
    Char('\n');
    if (buffer_.size() >= kFlushBytes) Flush();
  }

 private:
  static constexpr size_t kFlushBytes = size_t{1} << 20;

  void Flush() {
    if (out_ == nullptr) return;
    out_->write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

  std::ostream* out_;
  std::string& buffer_;
};

// Writes `rows` table rows, write_row(i, csv) formatting row i without its line end, in
// the rows' order. Formatting (shortest round-trip doubles) costs more than the write, so
// chunks of rows are formatted two at a time, one on a helper thread; without a thread
// (the system refuses one) both are formatted here. The output is the same either way.
template <typename WriteRow>
void WriteRows(size_t rows, std::ostream& out, const WriteRow& write_row) {
  constexpr size_t kChunkRows = 32768;
  const size_t chunks = (rows + kChunkRows - 1) / kChunkRows;
  std::string text[2];
  const auto format = [&](size_t chunk, std::string& into) {
    into.clear();
    CsvBuffer csv(nullptr, into);
    for (size_t i = chunk * kChunkRows; i < std::min(rows, (chunk + 1) * kChunkRows); ++i) {
      write_row(i, csv);
      csv.EndRow();
    }
  };
  for (size_t chunk = 0; chunk < chunks && out; chunk += 2) {
    const bool pair = chunk + 1 < chunks;
    // An exception (out of memory) on either thread reaches the caller after the helper
    // is joined, never std::terminate.
    std::exception_ptr helper_failed;
    std::thread helper;
    if (pair) {
      try {
        helper = std::thread([&] {
          try {
            format(chunk + 1, text[1]);
          } catch (...) {
            helper_failed = std::current_exception();
          }
        });
      } catch (const std::exception&) {
        // No thread: format the second chunk below on this one.
      }
    }
    try {
      format(chunk, text[0]);
    } catch (...) {
      if (helper.joinable()) helper.join();
      throw;
    }
    if (helper.joinable()) {
      helper.join();
      if (helper_failed) std::rethrow_exception(helper_failed);
    } else if (pair) {
      format(chunk + 1, text[1]);
    }
    for (int k = 0; k < (pair ? 2 : 1); ++k) {
      out.write(text[k].data(), static_cast<std::streamsize>(text[k].size()));
    }
  }
}

void WriteSummaryColumns(const crmcore::RfmSummary& s, size_t i, CsvBuffer& out) {
  out.Field(s.customer_ids[i]);
  out.Char(',');
  out.Num(s.frequency[i]);
  out.Char(',');
  out.Num(s.recency[i]);
  out.Char(',');
  out.Num(s.T[i]);
  out.Char(',');
  out.Num(s.monetary_value[i]);
  if (s.has_holdout) {
    out.Char(',');
    out.Num(s.holdout_frequency[i]);
    out.Char(',');
    out.Num(s.holdout_monetary_value[i]);
    out.Char(',');
    out.Num(s.duration_holdout);  // one value for all, as in lifetimes' data frame
  }
}

constexpr absl::string_view kSummaryHeader = "customer_id,frequency,recency,T,monetary_value";
constexpr absl::string_view kHoldoutHeader = ",holdout_frequency,holdout_monetary_value,duration_holdout";

// {"id": count, ...} over every value of a taxonomy.
template <crmcore::Taxonomy E>
std::string JsonCounts(const crmcore::TaxonomyCounts<E>& counts) {
  std::string out = "{";
  for (E e : crmcore::AllValues<E>()) {
    absl::StrAppend(&out, out.size() > 1 ? ", " : "", JsonString(Id(e)), ": ",
                    counts[static_cast<size_t>(e)]);
  }
  return out + "}";
}

std::string Percent(double fraction) { return absl::StrFormat("%5.1f%%", 100 * fraction); }

std::string Thousands(int64_t n) {
  const std::string digits = absl::StrCat(n);
  const size_t sign = n < 0 ? 1 : 0;
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    const size_t left = digits.size() - i;  // digits from here to the end
    if (i > sign && left % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

template <crmcore::Taxonomy E>
void WriteCountsSection(absl::string_view title, const crmcore::TaxonomyCounts<E>& counts,
                        int64_t total, std::ostream& out) {
  out << "\n" << title << "\n";
  for (E e : crmcore::AllValues<E>()) {
    const int64_t n = counts[static_cast<size_t>(e)];
    out << absl::StrFormat("  %-24s %10s  %s\n", Id(e), Thousands(n),
                           Percent(total > 0 ? static_cast<double>(n) / static_cast<double>(total)
                                             : 0.0));
  }
}

}  // namespace

FitResult FitResult::Of(const crmcore::BgNbdFit& fit) {
  return {"bgnbd",
          {{"r", fit.params.r}, {"alpha", fit.params.alpha}, {"a", fit.params.a}, {"b", fit.params.b}},
          fit.report};
}

FitResult FitResult::Of(const crmcore::ParetoNbdFit& fit) {
  return {"pareto",
          {{"r", fit.params.r}, {"alpha", fit.params.alpha}, {"s", fit.params.s},
           {"beta", fit.params.beta}},
          fit.report};
}

FitResult FitResult::Of(const crmcore::GammaGammaFit& fit) {
  return {"gammagamma",
          {{"p", fit.params.p}, {"q", fit.params.q}, {"gamma", fit.params.gamma}},
          fit.report};
}

FitResult FitResult::Of(const crmcore::MbgNbdFit& fit) {
  return {"mbgnbd",
          {{"r", fit.params.r}, {"alpha", fit.params.alpha}, {"a", fit.params.a}, {"b", fit.params.b}},
          fit.report};
}

FitResult FitResult::Of(const crmcore::BgBbFit& fit) {
  return {"bgbb",
          {{"alpha", fit.params.alpha}, {"beta", fit.params.beta}, {"gamma", fit.params.gamma},
           {"delta", fit.params.delta}},
          fit.report};
}

FitResult FitResult::Of(const crmcore::SbgFit& fit) {
  return {"sbg", {{"alpha", fit.params.alpha}, {"beta", fit.params.beta}}, fit.report};
}

FitResult FitResult::Of(const crmcore::PurchaseModelFit& fit) {
  FitResult result;
  result.model = crmcore::LifetimeModelSpelling(fit.kind);
  const absl::StatusOr<std::vector<std::string>> names =
      crmcore::ModelParameterNames(result.model);
  for (size_t k = 0; names.ok() && k < names->size() && k < fit.params.size(); ++k) {
    result.params.emplace_back((*names)[k], fit.params[k]);
  }
  result.report = fit.report;
  return result;
}

std::string FitJson(const FitResult& fit) {
  crmcore::ModelFile file;
  file.model = fit.model;
  file.params = fit.params;
  file.report = fit.report;
  file.customers = fit.customers;
  file.excluded_repeat_buyers = fit.excluded_repeat_buyers;
  file.time_unit = fit.time_unit;
  file.penalizer = fit.report.penalizer;
  return crmcore::ModelFileToJson(file);
}

std::string FitText(const FitResult& fit) {
  std::string params;
  for (const auto& [name, value] : fit.params) {
    absl::StrAppend(&params, params.empty() ? "" : ", ", name, " = ",
                    absl::StrFormat("%.4f", value));
  }
  std::string text = absl::StrFormat(
      "%s: %s\n  log-likelihood %.4f; %s after %d iterations, gradient norm %.3g\n", fit.model,
      params, fit.report.log_likelihood,
      fit.report.converged ? "converged" : "NOT converged (" + fit.report.message + ")",
      fit.report.iterations, fit.report.gradient_norm);
  if (fit.report.zero_recency_repeat_buyers > 0) {
    absl::StrAppend(&text, "  ", FormatDouble(fit.report.zero_recency_repeat_buyers),
                    " repeat buyers with recency 0 (repeat purchases within the first time "
                    "unit) fitted as they are\n");
  }
  // Standard errors and 95 % Wald intervals (report.uncertainty), or why there are none.
  const crmcore::ParameterUncertainty& u = fit.report.uncertainty;
  if (fit.report.converged && u.available && u.standard_errors.size() == fit.params.size()) {
    for (size_t k = 0; k < fit.params.size(); ++k) {
      absl::StrAppend(&text, absl::StrFormat("  %s: standard error %.4g, 95%% CI [%.4f, %.4f]\n",
                                             fit.params[k].first, u.standard_errors[k],
                                             u.confidence_intervals[k][0],
                                             u.confidence_intervals[k][1]));
    }
  } else if (fit.report.converged) {
    absl::StrAppend(&text, "  no standard errors: ", u.message, "\n");
  }
  if (fit.excluded_repeat_buyers > 0) {
    absl::StrAppend(&text, "  ", fit.excluded_repeat_buyers,
                    " repeat buyers with a mean repeat spend <= 0 left out of the Gamma-Gamma "
                    "fit (the model needs positive spend)\n");
  }
  return text;
}

void WriteSummaryCsv(const crmcore::RfmSummary& summary, std::ostream& out) {
  {
    std::string header;
    CsvBuffer csv(&out, header);
    csv.Text(kSummaryHeader);
    if (summary.has_holdout) csv.Text(kHoldoutHeader);
    csv.EndRow();
  }
  WriteRows(summary.size(), out,
            [&](size_t i, CsvBuffer& csv) { WriteSummaryColumns(summary, i, csv); });
}

void WriteScoreCsv(const crmcore::CustomerTable& table, std::ostream& out) {
  {
    std::string header;
    CsvBuffer csv(&out, header);
    csv.Text(kSummaryHeader);
    if (table.summary.has_holdout) csv.Text(kHoldoutHeader);
    csv.Text(
        ",rfm_r,rfm_f,rfm_m,ladder_rung,lifecycle_stage,relationship_stage,loyalty_class,"
        "composite_value,value_tier");
    if (table.has_lifetime_model) {
      csv.Text(",p_alive,expected_purchases,expected_mean_spend,clv");
    }
    if (table.has_intervals) {
      csv.Text(
          ",p_alive_lo,p_alive_hi,expected_purchases_lo,expected_purchases_hi,"
          "expected_mean_spend_lo,expected_mean_spend_hi,clv_lo,clv_hi");
    }
    csv.EndRow();
  }
  WriteRows(table.size(), out, [&](size_t i, CsvBuffer& csv) {
    WriteSummaryColumns(table.summary, i, csv);
    for (const int score : {int{table.rfm_r[i]}, int{table.rfm_f[i]}, int{table.rfm_m[i]}}) {
      csv.Char(',');
      csv.Num(score);
    }
    for (const absl::string_view id :
         {Id(table.ladder_rung[i]), Id(table.lifecycle_stage[i]),
          Id(table.relationship_stage[i]), Id(table.loyalty_class[i])}) {
      csv.Char(',');
      csv.Text(id);
    }
    csv.Char(',');
    csv.Num(table.composite_value[i]);
    csv.Char(',');
    csv.Text(Id(table.value_tier[i]));
    if (table.has_lifetime_model) {
      for (const double value : {table.p_alive[i], table.expected_purchases[i],
                                 table.expected_mean_spend[i], table.clv[i]}) {
        csv.Char(',');
        csv.Num(value);
      }
    }
    if (table.has_intervals) {
      for (const double value :
           {table.p_alive_lo[i], table.p_alive_hi[i], table.expected_purchases_lo[i],
            table.expected_purchases_hi[i], table.expected_mean_spend_lo[i],
            table.expected_mean_spend_hi[i], table.clv_lo[i], table.clv_hi[i]}) {
        csv.Char(',');
        csv.Num(value);
      }
    }
  });
}

void WriteSummaryJson(const std::string& log_path, const std::vector<crmcore::RowError>& skipped,
                      const crmcore::CustomerTable& table,
                      const crmcore::PopulationSummary& population, std::ostream& out) {
  out << "{\n";
  out << "  \"input\": " << JsonString(log_path) << ",\n";
  out << "  \"rows_read\": " << population.rows_read << ",\n";
  out << "  \"rows_skipped\": " << population.rows_skipped << ",\n";
  out << "  \"transactions\": " << population.transactions << ",\n";
  out << "  \"customers\": " << population.customers_in_log << ",\n";
  out << "  \"customers_scored\": " << population.customers_scored << ",\n";
  out << "  \"customers_first_seen_in_holdout\": " << population.customers_first_seen_in_holdout
      << ",\n";
  out << "  \"observation_end\": "
      << JsonString(absl::FormatCivilTime(table.summary.observation_end)) << ",\n";
  out << "  \"time_unit\": " << JsonString(crmcore::TimeUnitName(table.summary.unit)) << ",\n";
  out << "  \"value_tier\": " << JsonCounts<crmcore::ValueTier>(population.value_tier) << ",\n";
  out << "  \"value_tier_spend_share\": {";
  for (crmcore::ValueTier tier : crmcore::AllValues<crmcore::ValueTier>()) {
    out << (tier == crmcore::ValueTier::kVip ? "" : ", ") << JsonString(Id(tier)) << ": "
        << FormatDouble(population.value_tier_spend_share[static_cast<size_t>(tier)]);
  }
  out << "},\n";
  out << "  \"ladder_rung\": " << JsonCounts<crmcore::LadderRung>(population.ladder_rung) << ",\n";
  out << "  \"ladder_conversion_to_next\": {";
  bool first = true;
  for (crmcore::LadderRung rung : crmcore::AllValues<crmcore::LadderRung>()) {
    auto conversion = population.ladder_funnel.ConversionToNext(rung);
    if (rung == crmcore::LadderRung::kAdvocate ||
        rung == crmcore::LadderRung::kDisqualifiedProspect) {
      continue;  // no next rung
    }
    out << (first ? "" : ", ") << JsonString(Id(rung)) << ": "
        << (conversion.ok() ? FormatDouble(*conversion) : "null");
    first = false;
  }
  out << "},\n";
  out << "  \"lifecycle_stage\": "
      << JsonCounts<crmcore::LifecycleStage>(population.lifecycle_stage) << ",\n";
  out << "  \"relationship_stage\": "
      << JsonCounts<crmcore::RelationshipStage>(population.relationship_stage) << ",\n";
  out << "  \"loyalty_class\": " << JsonCounts<crmcore::LoyaltyClass>(population.loyalty_class)
      << ",\n";
  if (table.has_lifetime_model) {
    out << "  \"lifetime_model\": [" << FitJson(FitResult::Of(table.purchase_model))
        << ", " << FitJson(FitResult::Of(table.gamma_gamma)) << "],\n";
    out << "  \"spend_model_excluded\": " << table.spend_model_excluded << ",\n";
    out << "  \"horizon\": " << FormatDouble(table.horizon) << ",\n";
    const crmcore::ClvHorizon& c = table.clv_horizon;
    out << "  \"clv_horizon\": {\"periods\": " << c.periods
        << ", \"period_days\": " << FormatDouble(c.period_days)
        << ", \"period_length\": " << FormatDouble(c.PeriodLength())
        << ", \"discount_rate\": " << FormatDouble(c.discount_rate)
        << ", \"time_unit\": \"" << crmcore::TimeUnitName(c.unit) << "\"},\n";
    // The HTML report shows the same total (ComputeReportTotals, summed in row order).
    out << "  \"total_clv\": " << FormatDouble(crmcore::ComputeReportTotals(table).clv) << ",\n";
  }
  if (table.has_intervals) {
    // 95 % intervals of the population totals: delta method, and the parametric
    // bootstrap's percentiles when drawn.
    auto total = [](const crmcore::CustomerTable::LifetimeTotal& t) {
      std::string json = absl::StrCat("{\"value\": ", FormatDouble(t.delta.value),
                                      ", \"lo\": ", FormatDouble(t.delta.lo),
                                      ", \"hi\": ", FormatDouble(t.delta.hi));
      if (t.has_bootstrap) {
        absl::StrAppend(&json, ", \"bootstrap_lo\": ", FormatDouble(t.bootstrap.lo),
                        ", \"bootstrap_hi\": ", FormatDouble(t.bootstrap.hi),
                        ", \"bootstrap_samples\": ", t.bootstrap.samples_used,
                        ", \"bootstrap_failed\": ", t.bootstrap.samples_failed);
      }
      return absl::StrCat(json, "}");
    };
    out << "  \"lifetime_totals\": {\"expected_purchases\": "
        << total(table.total_expected_purchases) << ", \"clv\": " << total(table.total_clv)
        << "},\n";
  }
  out << "  \"skipped_rows\": [";
  for (size_t i = 0; i < skipped.size(); ++i) {
    const crmcore::RowError& e = skipped[i];
    out << (i ? ", " : "") << "{\"line\": " << e.line << ", \"column\": " << e.column
        << ", \"field\": " << JsonString(e.field) << ", \"reason\": " << JsonString(e.reason)
        << ", \"text\": " << JsonString(e.text) << "}";
  }
  out << "]\n}\n";
}

void WriteReport(const std::string& log_path, const crmcore::CustomerTable& table,
                 const crmcore::PopulationSummary& population, size_t top, std::ostream& out) {
  const crmcore::RfmSummary& s = table.summary;
  out << "crmcore score " << log_path << "\n";
  out << "  " << Thousands(population.rows_read) << " rows read, "
      << Thousands(population.rows_skipped) << " skipped; " << Thousands(population.transactions)
      << " transactions of " << Thousands(population.customers_in_log) << " customers, "
      << absl::FormatCivilTime(s.first_day) << " to " << absl::FormatCivilTime(s.last_day) << "\n";
  out << "  observation end " << absl::FormatCivilTime(s.observation_end) << "; "
      << Thousands(population.customers_scored) << " customers scored";
  if (population.customers_first_seen_in_holdout > 0) {
    out << ", " << Thousands(population.customers_first_seen_in_holdout)
        << " first seen after it (no calibration history)";
  }
  out << "\n";

  out << "\nValue pyramid (tiers by composite value)\n";
  out << absl::StrFormat("  %-10s %10s  %6s  %11s\n", "tier", "customers", "share", "spend share");
  for (crmcore::ValueTier tier : crmcore::AllValues<crmcore::ValueTier>()) {
    const auto t = static_cast<size_t>(tier);
    const int64_t n = population.value_tier[t];
    out << absl::StrFormat(
        "  %-10s %10s  %s  %s\n", Id(tier), Thousands(n),
        Percent(static_cast<double>(n) / static_cast<double>(std::max<int64_t>(1, population.customers_scored))),
        Percent(population.value_tier_spend_share[t]));
  }

  out << "\nLoyalty ladder funnel\n";
  out << absl::StrFormat("  %-24s %10s  %s\n", "rung", "customers", "at or above -> next");
  for (crmcore::LadderRung rung : crmcore::AllValues<crmcore::LadderRung>()) {
    auto conversion = population.ladder_funnel.ConversionToNext(rung);
    out << absl::StrFormat("  %-24s %10s  %s\n", Id(rung),
                           Thousands(population.ladder_rung[static_cast<size_t>(rung)]),
                           conversion.ok() ? Percent(*conversion) : "     -");
  }

  WriteCountsSection<crmcore::LifecycleStage>("Lifecycle stage", population.lifecycle_stage,
                                              population.customers_scored, out);
  WriteCountsSection<crmcore::RelationshipStage>(
      "Relationship stage", population.relationship_stage, population.customers_scored, out);
  WriteCountsSection<crmcore::LoyaltyClass>("Loyalty class", population.loyalty_class,
                                            population.customers_scored, out);

  if (table.has_lifetime_model) {
    const crmcore::PurchaseModelFit& purchase = table.purchase_model;
    const crmcore::GammaGammaParams& g = table.gamma_gamma.params;
    std::string params;
    for (const auto& [name, value] : FitResult::Of(purchase).params) {
      absl::StrAppend(&params, params.empty() ? "" : ", ", name, " = ",
                      absl::StrFormat("%.4f", value));
    }
    const bool period_model = crmcore::IsPeriodModel(purchase.kind);
    out << (period_model ? "\nLifetime models (fitted on the calibration purchases in whole "
                           "CLV periods)\n"
                         : "\nLifetime models (fitted on the calibration summary)\n");
    out << absl::StrFormat("  %-12s %s; LL %.1f\n",
                           crmcore::LifetimeModelDisplayName(purchase.kind), params,
                           purchase.report.log_likelihood);
    out << absl::StrFormat("  Gamma-Gamma  p = %.4f, q = %.4f, gamma = %.4f; LL %.1f\n", g.p, g.q,
                           g.gamma, table.gamma_gamma.report.log_likelihood);
    if (purchase.report.zero_recency_repeat_buyers > 0) {
      out << absl::StrFormat("  %.0f repeat buyers with recency 0 fitted as they are\n",
                             purchase.report.zero_recency_repeat_buyers);
    }
    if (table.spend_model_excluded > 0) {
      out << absl::StrFormat(
          "  %d repeat buyers with a mean repeat spend <= 0 left out of the Gamma-Gamma fit "
          "(their expected spend is the population mean)\n",
          table.spend_model_excluded);
    }
    double purchases = 0, clv = 0;
    for (size_t i = 0; i < table.size(); ++i) {
      purchases += table.expected_purchases[i];
      clv += table.clv[i];
    }
    const crmcore::ClvHorizon& c = table.clv_horizon;
    const char* expected_what =
        purchase.kind == crmcore::LifetimeModelKind::kBgBbGammaGamma ? "periods with a purchase"
        : purchase.kind == crmcore::LifetimeModelKind::kSbgGammaGamma ? "renewals"
                                                                       : "purchases";
    out << absl::StrFormat(
        "  next %g %s: %.0f %s expected; CLV over %d periods of %g days at %g%% a "
        "period: %.2f in all\n",
        table.horizon, crmcore::TimeUnitName(s.unit), purchases, expected_what, c.periods,
        c.period_days, 100 * c.discount_rate, clv);
    if (table.has_intervals) {
      // The totals' 95 % intervals from the estimates' uncertainty (--intervals).
      auto line = [&](const char* what, const crmcore::CustomerTable::LifetimeTotal& t,
                      const char* format) {
        std::string text = absl::StrCat("  95% interval of ", what, ": delta method [",
                                        absl::StrFormat(format, t.delta.lo), ", ",
                                        absl::StrFormat(format, t.delta.hi), "]");
        if (t.has_bootstrap) {
          absl::StrAppend(&text, ", bootstrap [", absl::StrFormat(format, t.bootstrap.lo), ", ",
                          absl::StrFormat(format, t.bootstrap.hi), "] (",
                          t.bootstrap.samples_used, " draws)");
        }
        out << text << "\n";
      };
      line(expected_what, table.total_expected_purchases, "%.0f");
      line("CLV", table.total_clv, "%.2f");
    }
  }

  // The HTML report's top list is the same (TopCustomers).
  const std::vector<size_t> order = crmcore::TopCustomers(table, top);
  const size_t shown = order.size();
  out << "\nTop " << shown << " customers by composite value\n";
  out << absl::StrFormat("  %-14s %9s %12s %9s  %-3s  %-8s  %s\n", "customer_id", "frequency",
                         "spend", "composite", "RFM", "tier", "ladder rung");
  for (size_t k = 0; k < shown; ++k) {
    const size_t i = order[k];
    out << absl::StrFormat(
        "  %-14s %9d %12s %9.4f  %d%d%d  %-8s  %s\n", s.customer_ids[i], s.frequency[i],
        crmcore::FormatMoney(crmcore::Money::FromMinorUnits(table.calibration_value_minor[i]),
                             s.minor_digits),
        table.composite_value[i], table.rfm_r[i], table.rfm_f[i], table.rfm_m[i],
        Id(table.value_tier[i]), Id(table.ladder_rung[i]));
  }
}

}  // namespace crmcore_cli

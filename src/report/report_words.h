// The words of the HTML report in English and Chinese (taxonomy labels come from
// crmcore/taxonomy.h; these are the page's own headings and captions).
//
// Private to the library (src/report/).
#ifndef CRMCORE_SRC_REPORT_REPORT_WORDS_H_
#define CRMCORE_SRC_REPORT_REPORT_WORDS_H_

#include "absl/strings/string_view.h"
#include "crmcore/calendar.h"
#include "crmcore/html_report.h"
#include "crmcore/taxonomy.h"

namespace crmcore::report {

/// One language's words. Members are named for what they say in English.
struct Words {
  absl::string_view lang;  // the <html lang> value
  absl::string_view title, source, generated_from;
  absl::string_view headline, customers, customers_in_log, active_share, active_share_note,
      mean_p_alive, expected_purchases, expected_purchase_periods, expected_renewals, total_clv, next, interval, interval_missing;
  absl::string_view pyramid, tier, share_of_customers, spend_share, pyramid_note;
  absl::string_view ladder, rung, at_or_above, conversion, ladder_note, lifecycle, relationship,
      loyalty;
  absl::string_view rfm, rfm_note, recency_score, frequency_score, mean_spend, empty_cell;
  absl::string_view grids, period_model_note, grid_note, p_alive, expected_in_horizon, frequency, recency,
      repeat_purchases;
  absl::string_view holdout, holdout_note, holdout_total_actual, holdout_total_expected,
      calibration_frequency, actual, model, mean_holdout_purchases, customers_in_group,
      tracking_missing, tracking, weekly, cumulative, repeat_purchases_axis, weeks_since_start,
      tracking_note;
  absl::string_view value, clv_distribution, clv, lorenz, top_share_customers, share_of_value,
      calibration_spend, equality, lorenz_note, top_holds;
  absl::string_view customer_lists, at_risk, at_risk_note, none_at_risk, top_customers,
      customer_id, composite_value, spend, days_since, rfm_cells, shown_of;
  absl::string_view model_section, parameter, log_likelihood, converged, iterations,
      gradient_norm, message, yes, no, zero_recency, spend_excluded, data_summary, rows_read,
      rows_skipped, transactions, first_seen_in_holdout, first_day, last_day, observation_end,
      time_unit, horizon, discount_note, not_available, omitted;
};

/// The words of `language`.
const Words& WordsFor(ReportLanguage language);

/// The name of a time unit in `language` ("weeks" / "周").
absl::string_view UnitLabel(TimeUnit unit, ReportLanguage language);

/// A taxonomy value's label in `language`.
template <Taxonomy E>
absl::string_view Label(E e, ReportLanguage language) {
  return language == ReportLanguage::kChinese ? LabelZh(e) : LabelEn(e);
}

}  // namespace crmcore::report

#endif  // CRMCORE_SRC_REPORT_REPORT_WORDS_H_

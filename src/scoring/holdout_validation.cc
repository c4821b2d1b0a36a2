// Holdout validation (see include/crmcore/holdout_validation.h).
#include "crmcore/holdout_validation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/status.h"

namespace crmcore {

namespace {

// Bounds that keep a typo from asking for millions of tracking periods or groups.
constexpr int64_t kMaxFrequencyGroups = 1000;
constexpr int64_t kMaxTrackingPeriods = 100000;

absl::Status ValidateOptions(const HoldoutOptions& o) {
  if (!(o.holdout_end_day > o.calibration_end_day)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "holdout validation: the holdout end (day ", o.holdout_end_day,
        ") must be after the calibration end (day ", o.calibration_end_day, ")"));
  }
  if (!(std::isfinite(o.days_per_unit) && o.days_per_unit > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "holdout validation: days_per_unit must be finite and > 0, got ",
        FormatDouble(o.days_per_unit)));
  }
  if (o.tracking_period_days < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "holdout validation: tracking_period_days must be >= 1, got ", o.tracking_period_days));
  }
  if (o.max_frequency < 1 || o.max_frequency > kMaxFrequencyGroups) {
    return absl::InvalidArgumentError(absl::StrCat("holdout validation: max_frequency must be in [1, ",
                                                   kMaxFrequencyGroups, "], got ",
                                                   o.max_frequency));
  }
  return absl::OkStatus();
}

absl::Status ValidateData(const HoldoutData& d, const HoldoutOptions& o) {
  const size_t n = d.frequency.size();
  if (n == 0) return absl::InvalidArgumentError("holdout validation: no customers");
  for (const size_t len : {d.recency.size(), d.T.size(), d.holdout_frequency.size(),
                           d.first_purchase_day.size()}) {
    if (len != n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "holdout validation: columns must have equal lengths, got ", n, " and ", len));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const double h = d.holdout_frequency[i];
    if (!(std::isfinite(h) && h >= 0.0 && h == std::floor(h))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "holdout validation row ", i,
          ": holdout frequency must be a finite non-negative integer, got ", FormatDouble(h)));
    }
    if (d.first_purchase_day[i] > o.calibration_end_day) {
      return absl::InvalidArgumentError(absl::StrCat(
          "holdout validation row ", i, ": first purchase on day ", d.first_purchase_day[i],
          " is after the calibration end (day ", o.calibration_end_day, ")"));
    }
  }
  return absl::OkStatus();
}

// Pearson correlation; 0 when either column is constant.
double Correlation(absl::Span<const double> a, absl::Span<const double> b) {
  const double n = static_cast<double>(a.size());
  double mean_a = 0.0, mean_b = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    mean_a += a[i];
    mean_b += b[i];
  }
  mean_a /= n;
  mean_b /= n;
  double saa = 0.0, sbb = 0.0, sab = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    saa += (a[i] - mean_a) * (a[i] - mean_a);
    sbb += (b[i] - mean_b) * (b[i] - mean_b);
    sab += (a[i] - mean_a) * (b[i] - mean_b);
  }
  if (!(saa > 0.0 && sbb > 0.0)) return 0.0;
  return sab / std::sqrt(saa * sbb);
}

absl::StatusOr<TrackingSeries> Track(const RepeatPurchaseModel& model, const HoldoutData& d,
                                     const HoldoutOptions& o) {
  const int32_t origin =
      *std::min_element(d.first_purchase_day.begin(), d.first_purchase_day.end());
  const int64_t span_days = int64_t{o.holdout_end_day} - origin;
  const int64_t period = o.tracking_period_days;
  std::vector<int32_t> repeats(d.repeat_purchase_days.begin(), d.repeat_purchase_days.end());
  std::sort(repeats.begin(), repeats.end());
  if (!repeats.empty() && (repeats.front() <= origin || repeats.back() > o.holdout_end_day)) {
    const int32_t bad = repeats.front() <= origin ? repeats.front() : repeats.back();
    return absl::InvalidArgumentError(absl::StrCat(
        "holdout validation: repeat purchase on day ", bad, " is outside the cohort's span (day ",
        origin, ", day ", o.holdout_end_day, "]"));
  }
  // Customers by first-purchase day: the expected series needs one E[X(t)] per distinct day
  // and period, and cohorts hold few distinct days.
  std::map<int32_t, double> cohort;
  for (const int32_t f : d.first_purchase_day) cohort[f] += 1.0;

  TrackingSeries series;
  std::vector<int64_t> ends;  // in days after the origin
  for (int64_t k = 1; k * period <= span_days; ++k) ends.push_back(k * period);
  if (span_days % period != 0) ends.push_back(span_days);
  if (static_cast<int64_t>(ends.size()) > kMaxTrackingPeriods) {
    return absl::InvalidArgumentError(absl::StrCat(
        "holdout validation: ", ends.size(), " tracking periods of ", period,
        " days exceed the limit of ", kMaxTrackingPeriods));
  }
  double last_actual = 0.0, last_expected = 0.0;
  for (const int64_t end : ends) {
    const int64_t end_day = origin + end;
    const double actual = static_cast<double>(
        std::upper_bound(repeats.begin(), repeats.end(), end_day) - repeats.begin());
    double expected = 0.0;
    for (const auto& [first_day, customers] : cohort) {
      if (first_day >= end_day) break;
      const double t = static_cast<double>(end_day - first_day) / o.days_per_unit;
      CRM_ASSIGN_OR_RETURN(const double e, ExpectedPurchasesNew(model, t));
      expected += customers * e;
    }
    series.period_end.push_back(static_cast<double>(end) / static_cast<double>(period));
    series.actual_cumulative.push_back(actual);
    series.expected_cumulative.push_back(expected);
    series.actual_incremental.push_back(actual - last_actual);
    series.expected_incremental.push_back(expected - last_expected);
    last_actual = actual;
    last_expected = expected;
    if (end_day <= o.calibration_end_day) ++series.calibration_periods;
  }
  return series;
}

}  // namespace

absl::StatusOr<HoldoutValidation> ValidateHoldout(const RepeatPurchaseModel& model,
                                                  const HoldoutData& data,
                                                  const HoldoutOptions& options) {
  CRM_RETURN_IF_ERROR(ValidateOptions(options));
  CRM_RETURN_IF_ERROR(ValidateData(data, options));
  HoldoutValidation v;
  v.holdout_duration =
      static_cast<double>(options.holdout_end_day - options.calibration_end_day) /
      options.days_per_unit;
  const size_t n = data.frequency.size();
  std::vector<double> expected(n);
  CRM_RETURN_IF_ERROR(ExpectedPurchases(model, v.holdout_duration, data.frequency, data.recency,
                                        data.T, absl::MakeSpan(expected)));

  v.by_frequency.resize(static_cast<size_t>(options.max_frequency) + 1);
  for (size_t g = 0; g < v.by_frequency.size(); ++g) {
    v.by_frequency[g].frequency = static_cast<int64_t>(g);
    v.by_frequency[g].open_ended = g + 1 == v.by_frequency.size();
  }
  double abs_error = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double x = data.frequency[i];
    const size_t g = x >= static_cast<double>(options.max_frequency)
                         ? static_cast<size_t>(options.max_frequency)
                         : static_cast<size_t>(x);
    FrequencyGroup& group = v.by_frequency[g];
    ++group.customers;
    group.actual += data.holdout_frequency[i];
    group.expected += expected[i];
    v.actual_total += data.holdout_frequency[i];
    v.expected_total += expected[i];
    abs_error += std::fabs(expected[i] - data.holdout_frequency[i]);
  }
  for (FrequencyGroup& group : v.by_frequency) {
    if (group.customers == 0) continue;
    group.actual /= static_cast<double>(group.customers);
    group.expected /= static_cast<double>(group.customers);
  }
  v.mean_absolute_error = abs_error / static_cast<double>(n);
  v.correlation = Correlation(data.holdout_frequency, expected);
  CRM_ASSIGN_OR_RETURN(v.tracking, Track(model, data, options));
  return v;
}

}  // namespace crmcore

// Calendar helpers shared by ingest, the RFM summary, the lifetime models' callers and the
// C API: the day numbers a transaction log stores, and the time unit recency, T and model
// horizons are expressed in (docs/domain.md §6.3).
//
// Header-only core (crmcore::core): no I/O, no state.
#ifndef CRMCORE_CALENDAR_H_
#define CRMCORE_CALENDAR_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace crmcore {

/// Days since 1970-01-01 of `day`, the encoding of TransactionLog::day.
inline int32_t ToDayNumber(absl::CivilDay day) {
  return static_cast<int32_t>(day - absl::CivilDay(1970, 1, 1));
}

/// The civil day of a day number (days since 1970-01-01).
inline absl::CivilDay ToCivilDay(int32_t day_number) {
  return absl::CivilDay(1970, 1, 1) + day_number;
}

/// The unit recency and T are expressed in.
enum class TimeUnit {
  /// Calendar days.
  kDays,
  /// Days / 7, fractional (the unit of the CDNOW papers: 39-week calibration).
  kWeeks,
  /// Days / (365.25 / 12) = days / 30.4375, fractional: a fixed mean Gregorian month
  /// (12 of them make the mean Julian year), not calendar months, so that the unit has
  /// one length and recency and T stay proportional to days.
  kMonths,
};

/// Parses "days", "weeks" or "months"; InvalidArgument naming the text otherwise.
inline absl::StatusOr<TimeUnit> ParseTimeUnit(absl::string_view text) {
  if (text == "days") return TimeUnit::kDays;
  if (text == "weeks") return TimeUnit::kWeeks;
  if (text == "months") return TimeUnit::kMonths;
  return absl::InvalidArgumentError(
      absl::StrCat("time unit: \"", text, "\" is not one of days, weeks, months"));
}

/// "days", "weeks" or "months".
inline absl::string_view TimeUnitName(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kDays: return "days";
    case TimeUnit::kWeeks: return "weeks";
    case TimeUnit::kMonths: return "months";
  }
  return "days";
}

/// The length of one `unit` in days: 1, 7 or 365.25 / 12.
inline double DaysPerUnit(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kDays: return 1.0;
    case TimeUnit::kWeeks: return 7.0;
    case TimeUnit::kMonths: return 365.25 / 12.0;
  }
  return 1.0;
}

}  // namespace crmcore

#endif  // CRMCORE_CALENDAR_H_

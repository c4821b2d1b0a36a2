// Retention economics (docs/domain.md §4.4).
//
// Reichheld & Sasser (1990, "Zero Defections", HBR) report that a 5-point rise in
// retention raises profit by 25 %–85 %. The simple retention-based lifetime value below
// shows the mechanism: a retained customer keeps paying margin, and the value grows
// faster than linearly as retention approaches 1. With m = 100, d = 0.1:
//   r = 0.80 → 366.67;  r = 0.85 → 440.00  (+20 %);
//   r = 0.90 → 550.00;  r = 0.95 → 733.33  (+33 %).
#ifndef CRMCORE_RETENTION_H_
#define CRMCORE_RETENTION_H_

#include <cmath>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crmcore/status.h"

namespace crmcore {

namespace retention_internal {

inline absl::Status ValidateRetention(absl::string_view name, double retention) {
  if (!(retention >= 0.0 && retention < 1.0)) {  // also rejects NaN
    return absl::InvalidArgumentError(absl::StrCat(
        "retention lifetime value: ", name, " must be in [0, 1), got ", FormatDouble(retention)));
  }
  return absl::OkStatus();
}

}  // namespace retention_internal

/// The lifetime value of a customer who yields margin `margin` per period, stays each
/// further period with probability `retention`, and whose future margins are discounted at
/// rate `discount` per period (docs/domain.md §4.4):
///
///   V = Σ_{t>=0} m · r^t / (1 + d)^t = m · (1 + d) / (1 + d − r).
///
/// The infinite-horizon, constant-margin form of Gupta & Lehmann (2003, "Customers as
/// Assets", J. Interactive Marketing 17(1)), with the current period's margin received now
/// (their m·r/(1 + d − r) counts future periods only; ours adds this period's m).
///
/// `margin` may be negative (a customer who costs more to serve than they bring) but must be
/// finite; `retention` must lie in [0, 1) (r = 1 makes the series diverge when d = 0);
/// `discount` must be finite and >= 0. Then 1 + d − r > 0 always holds.
///
/// Errors: InvalidArgument naming the parameter and value for inputs outside those ranges;
/// OutOfRange when the value overflows a double (|m| huge and r close to 1).
inline absl::StatusOr<double> RetentionLifetimeValue(double margin, double retention,
                                                     double discount) {
  if (!std::isfinite(margin)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "retention lifetime value: margin m must be finite, got ", FormatDouble(margin)));
  }
  CRM_RETURN_IF_ERROR(retention_internal::ValidateRetention("retention r", retention));
  if (!(std::isfinite(discount) && discount >= 0.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("retention lifetime value: discount d must be finite and >= 0, got ",
                     FormatDouble(discount)));
  }
  // d >= 0 and r < 1 give 1 + d - r > 0 (even after rounding, as 1 - r >= 2^-53), and
  // (1 + d) / (1 + d - r) lies in [1, 1 / (1 - r)]: only the product with m can overflow.
  const double value = margin * ((1.0 + discount) / (1.0 + discount - retention));
  if (!std::isfinite(value)) {
    return absl::OutOfRangeError(absl::StrCat(
        "retention lifetime value: m * (1 + d) / (1 + d - r) overflows for m = ",
        FormatDouble(margin), ", r = ", FormatDouble(retention), ", d = ", FormatDouble(discount)));
  }
  return value;
}

/// The effect of moving retention from `retention` to `new_retention`, other things equal.
/// `relative_change` is measured against |base_value|, so it is negative whenever the value
/// falls: for a loss-making customer (margin < 0) higher retention lowers the value.
struct RetentionWhatIf {
  double base_value;       // RetentionLifetimeValue(margin, retention, discount)
  double new_value;        // RetentionLifetimeValue(margin, new_retention, discount)
  double absolute_change;  // new_value − base_value
  double relative_change;  // absolute_change / |base_value|
};

/// What-if of a retention change (docs/domain.md §4.4): the lifetime value at both retention
/// rates and the change between them. At m = 100, d = 0.1, raising r from 0.80 to 0.85
/// lifts the value from 366.67 to 440.00, a relative change of +0.20.
///
/// Errors: those of RetentionLifetimeValue for either retention rate (`new_retention` is
/// named as such); InvalidArgument when margin is 0, since the base value is then 0 and the
/// relative change undefined.
inline absl::StatusOr<RetentionWhatIf> RetentionChangeWhatIf(double margin, double retention,
                                                             double new_retention,
                                                             double discount) {
  CRM_ASSIGN_OR_RETURN(const double base_value,
                       RetentionLifetimeValue(margin, retention, discount));
  CRM_RETURN_IF_ERROR(retention_internal::ValidateRetention("new retention", new_retention));
  CRM_ASSIGN_OR_RETURN(const double new_value,
                       RetentionLifetimeValue(margin, new_retention, discount));
  if (base_value == 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("retention what-if: relative change is undefined for margin m = ",
                     FormatDouble(margin), " (base value 0)"));
  }
  // Both values share the sign of m, so their difference cannot overflow, and the relative
  // change is bounded by 1 / (1 - new_retention) <= 2^53.
  const double absolute_change = new_value - base_value;
  return RetentionWhatIf{base_value, new_value, absolute_change,
                         absolute_change / std::fabs(base_value)};
}

}  // namespace crmcore

#endif  // CRMCORE_RETENTION_H_

// Error-propagation helpers for absl::Status / absl::StatusOr, and the formatting of
// numbers in error messages.
//
// Debian 12's Abseil (20220623) has no RETURN_IF_ERROR / ASSIGN_OR_RETURN macros,
// so crmcore carries its own two, prefixed so they never collide with a host's.
#ifndef CRMCORE_STATUS_H_
#define CRMCORE_STATUS_H_

#include <charconv>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

/// Evaluates `expr` (an absl::Status); returns it from the enclosing function if not OK.
#define CRM_RETURN_IF_ERROR(expr)                       \
  do {                                                  \
    ::absl::Status crm_status_internal_ = (expr);       \
    if (!crm_status_internal_.ok()) return crm_status_internal_; \
  } while (false)

#define CRM_STATUS_CONCAT_INNER_(a, b) a##b
#define CRM_STATUS_CONCAT_(a, b) CRM_STATUS_CONCAT_INNER_(a, b)

/// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from the
/// enclosing function, otherwise moves the value into `lhs` (a declaration such as
/// `auto x` or an existing lvalue).
#define CRM_ASSIGN_OR_RETURN(lhs, rexpr) \
  CRM_ASSIGN_OR_RETURN_IMPL_(CRM_STATUS_CONCAT_(crm_statusor_, __LINE__), lhs, rexpr)

#define CRM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

namespace crmcore {

/// The shortest text that reads back as the same double ("-1.5", "1.0000000000000002",
/// "5e-324", "nan", "-inf"), for error messages: they must show the exact offending value,
/// and absl::StrCat's 6-digit rounding would print 1.0000000000000002 as "1".
inline std::string FormatDouble(double x) {
  char buffer[32];  // The longest shortest form, e.g. "-2.2250738585072014e-308", fits.
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof(buffer), x).ptr);
}

}  // namespace crmcore

#endif  // CRMCORE_STATUS_H_

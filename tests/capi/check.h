/* The checks shared by the C99 tests of the C API: each counts, prints FILE:LINE and what
 * failed on stderr, and lets the test go on; crm_check_report() ends the program. One
 * translation unit per test program includes it (static state). */
#ifndef CRMCORE_TESTS_CAPI_CHECK_H_
#define CRMCORE_TESTS_CAPI_CHECK_H_

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crmcore.h"

static int g_checks = 0;
static int g_failures = 0;

#define CHECK(cond) check((cond) != 0, #cond, __FILE__, __LINE__)
/* Runs `call`, then checks its status and that crm_last_error() contains `needle`. */
#define CHECK_ERROR(call, code, needle) \
  check_error((call), (code), (needle), #call, __FILE__, __LINE__)
/* Runs `call`, then checks CRM_OK and an empty message. */
#define CHECK_OK(call) check_error((call), CRM_OK, "", #call, __FILE__, __LINE__)
/* |a - b| <= tol. */
#define CHECK_NEAR(a, b, tol) check_near((a), (b), (tol), #a, __FILE__, __LINE__)

static inline void check(int ok, const char* what, const char* file, int line) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
  }
}

static inline void check_near(double got, double expected, double tolerance, const char* what,
                              const char* file, int line) {
  ++g_checks;
  if (!(fabs(got - expected) <= tolerance)) {
    ++g_failures;
    fprintf(stderr, "%s:%d: %s = %.10g, expected %.10g within %g\n", file, line, what, got,
            expected, tolerance);
  }
}

static inline void check_error(crm_status got, crm_status expected, const char* needle,
                               const char* call, const char* file, int line) {
  const char* message = crm_last_error();
  ++g_checks;
  if (message == NULL) {
    ++g_failures;
    fprintf(stderr, "%s:%d: %s: crm_last_error() is NULL\n", file, line, call);
    return;
  }
  if (got != expected || (expected == CRM_OK ? message[0] != '\0'
                                             : strstr(message, needle) == NULL)) {
    ++g_failures;
    fprintf(stderr, "%s:%d: %s\n  returned %s, expected %s\n  message \"%s\", expected %s\"%s\"\n",
            file, line, call, crm_status_name(got), crm_status_name(expected), message,
            expected == CRM_OK ? "" : "to contain ", needle);
  }
}

#endif /* CRMCORE_TESTS_CAPI_CHECK_H_ */

// crmcore.h included from C++ with the project's strictest warnings: extern "C", the
// INIT macros as aggregate initializers, and a call across the boundary.
#include "crmcore.h"

#include <cstdio>
#include <cstring>

int main() {
  crm_satisfaction_thresholds thresholds = CRM_SATISFACTION_THRESHOLDS_INIT;
  int level = -1;
  if (crm_satisfaction_level(1.2, &thresholds, &level) != CRM_OK ||
      level != CRM_SATISFACTION_VERY_SATISFIED) {
    std::fprintf(stderr, "crm_satisfaction_level: %s\n", crm_last_error());
    return 1;
  }
  double c = 0.0;
  if (crm_satisfaction_ratio(1.0, 0.0, &c) != CRM_ERR_INVALID_ARGUMENT ||
      std::strstr(crm_last_error(), "expectation A") == nullptr) {
    std::fprintf(stderr, "expected an InvalidArgument naming A, got \"%s\"\n", crm_last_error());
    return 1;
  }
  return CRM_CHECK_VERSION() == CRM_OK ? 0 : 1;
}

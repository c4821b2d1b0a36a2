#include "crmcore/version.h"

namespace crmcore {

int VersionNumber() { return CRMCORE_VERSION_NUMBER; }

const char* VersionString() { return CRMCORE_VERSION_STRING; }

}  // namespace crmcore

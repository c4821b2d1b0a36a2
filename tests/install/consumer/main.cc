// Uses the installed crmcore headers and library; returns non-zero on any mismatch.
#include <cstdio>

#include "crmcore/money.h"
#include "crmcore/taxonomy.h"
#include "crmcore/version.h"

int main() {
  if (crmcore::VersionNumber() != CRMCORE_VERSION_NUMBER) {
    std::fprintf(stderr, "header version %d, library version %d\n", CRMCORE_VERSION_NUMBER,
                 crmcore::VersionNumber());
    return 1;
  }
  auto rung = crmcore::Parse<crmcore::LadderRung>("advocate");
  if (!rung.ok() || crmcore::LabelZh(*rung) != "企业拥护者") return 2;
  auto amount = crmcore::ParseMoney("29.33");
  if (!amount.ok() || amount->minor_units() != 2933) return 3;
  std::printf("crmcore %s: %s\n", crmcore::VersionString(), std::string(crmcore::Id(*rung)).c_str());
  return 0;
}

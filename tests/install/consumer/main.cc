// Uses the installed crmcore headers and library; returns non-zero on any mismatch.
#include <cstdio>

#include "crmcore/engine.h"
#include "crmcore/money.h"
#include "crmcore/rfm_summary.h"
#include "crmcore/taxonomy.h"
#include "crmcore/transaction_log.h"
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
  // The compiled library: ingest a small log and summarize it.
  crmcore::TransactionLogOptions options;
  auto log = crmcore::LoadTransactionLogFromBuffer(
      "customer_id,date,amount\na,1997-01-01,10.00\na,1997-01-08,5.50\nb,1997-01-02,1\n",
      "inline.csv", options);
  if (!log.ok() || log->size() != 3) return 4;
  auto summary = crmcore::SummarizeTransactions(*log, {});
  if (!summary.ok() || summary->frequency[0] != 1 || summary->monetary_value[0] != 5.5) return 5;
  // The engine's SIMD kernels (Highway) link through the package too.
  if (crmcore::engine::ActiveTarget().empty()) return 6;
  std::printf("crmcore %s: %s\n", crmcore::VersionString(), std::string(crmcore::Id(*rung)).c_str());
  return 0;
}

// A transaction log built by hand for the io and scoring tests: (customer, y, m, d, cents)
// rows, ids interned in first-seen order as the loader does.
// Include as "log_builder.h" (the tests' own directory).
#ifndef CRMCORE_TESTS_CORE_LOG_BUILDER_H_
#define CRMCORE_TESTS_CORE_LOG_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "crmcore/calendar.h"
#include "crmcore/transaction_log.h"

namespace crmcore {
namespace test_support {

/// One row of a hand-built log.
struct Row {
  std::string id;
  int y, m, d;
  int64_t cents;
};

/// The log of `rows`, in their order; rows_read counts them.
inline TransactionLog MakeLog(const std::vector<Row>& rows) {
  TransactionLog log;
  absl::flat_hash_map<std::string, uint32_t> index;
  for (const Row& row : rows) {
    const auto [it, inserted] =
        index.try_emplace(row.id, static_cast<uint32_t>(log.customer_ids.size()));
    if (inserted) log.customer_ids.emplace_back(row.id);
    log.customer.push_back(it->second);
    log.day.push_back(ToDayNumber(absl::CivilDay(row.y, row.m, row.d)));
    log.amount.push_back(row.cents);
  }
  log.rows_read = static_cast<int64_t>(rows.size());
  return log;
}

/// The bundled CDNOW master log (examples/data: whitespace-separated, a header, dates
/// %Y%m%d, the amount in dollar_value), as the scoring and view tests read it.
inline absl::StatusOr<TransactionLog> LoadCdnowMaster() {
  TransactionLogOptions ingest;
  ingest.whitespace_delimited = true;
  ingest.date_format = "%Y%m%d";
  ingest.amount = ColumnRef::Named("dollar_value");
  return LoadTransactionLog(std::string(CRMCORE_TEST_DATA_DIR) + "/CDNOW_master.txt", ingest);
}

}  // namespace test_support
}  // namespace crmcore

#endif  // CRMCORE_TESTS_CORE_LOG_BUILDER_H_

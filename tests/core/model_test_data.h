// Test helper: the CDNOW 39-week calibration summary (examples/data) as columns.
#ifndef CRMCORE_TESTS_CORE_MODEL_TEST_DATA_H_
#define CRMCORE_TESTS_CORE_MODEL_TEST_DATA_H_

#include <fstream>
#include <utility>
#include <sstream>
#include <string>
#include <vector>

#include "crmcore/model_fit.h"
#include "gtest/gtest.h"

namespace crmcore::testing {

/// Columns of cdnow_customers_summary_with_transactions.csv (ID,x,t_x,T,zbar).
struct CdnowSummary {
  std::vector<double> x, t_x, T, zbar;
};

/// Reads the bundled CSV; an empty result (x.empty()) when the file cannot be read.
inline CdnowSummary LoadCdnowSummary() {
  CdnowSummary data;
  std::ifstream in(std::string(CRMCORE_TEST_DATA_DIR) +
                   "/cdnow_customers_summary_with_transactions.csv");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string id, x, t_x, T, zbar;
    std::getline(fields, id, ',');
    std::getline(fields, x, ',');
    std::getline(fields, t_x, ',');
    std::getline(fields, T, ',');
    std::getline(fields, zbar, ',');
    data.x.push_back(std::stod(x));
    data.t_x.push_back(std::stod(t_x));
    data.T.push_back(std::stod(T));
    data.zbar.push_back(std::stod(zbar));
  }
  return data;
}

// The published calibration summary as compressed histories for the purchase models.
inline PurchaseHistories CdnowHistories() {
  const CdnowSummary data = LoadCdnowSummary();
  auto histories = PurchaseHistories::Create(data.x, data.t_x, data.T);
  EXPECT_TRUE(histories.ok()) << histories.status();
  return *std::move(histories);
}

}  // namespace crmcore::testing

#endif  // CRMCORE_TESTS_CORE_MODEL_TEST_DATA_H_

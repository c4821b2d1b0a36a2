// Helpers shared by the core tests (tests/core/*_test.cc): expectations on an error status.
// Include as "test_support.h" (the tests' own directory).
#ifndef CRMCORE_TESTS_CORE_TEST_SUPPORT_H_
#define CRMCORE_TESTS_CORE_TEST_SUPPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace test_support {

/// Expects `status` to be an error with `code` and a message containing every one of
/// `parts` (a fatal failure of this helper when it is OK).
inline void ExpectError(const absl::Status& status, absl::StatusCode code,
                        const std::vector<std::string>& parts) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), code) << status;
  for (const std::string& part : parts) EXPECT_THAT(status.message(), ::testing::HasSubstr(part));
}

/// The same for the status of `result` (which must not hold a value).
template <typename T>
void ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code,
                 const std::vector<std::string>& parts) {
  ASSERT_FALSE(result.ok());
  ExpectError(result.status(), code, parts);
}

/// ExpectError() with InvalidArgument, the code of most bad input.
inline void ExpectInvalid(const absl::Status& status, const std::vector<std::string>& parts) {
  ExpectError(status, absl::StatusCode::kInvalidArgument, parts);
}
template <typename T>
void ExpectInvalid(const absl::StatusOr<T>& result, const std::vector<std::string>& parts) {
  ExpectError(result, absl::StatusCode::kInvalidArgument, parts);
}

}  // namespace test_support
}  // namespace crmcore

#endif  // CRMCORE_TESTS_CORE_TEST_SUPPORT_H_

// Tests of include/crmcore/summary_csv.h: reading a per-customer summary (frequency,
// recency, T, monetary value) from CSV, and every class of bad input it rejects.
#include "crmcore/summary_csv.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<SummaryTable> Parse(const std::string& text,
                                   const SummaryColumnNames& names = {}) {
  return ParseSummaryCsv(text, "s.csv", names);
}

TEST(SummaryCsvTest, ReadsNamedColumnsIgnoringOthersAndQuotedIds) {
  const auto table = Parse(
      "customer_id,frequency,recency,T,monetary_value\r\n"
      "\"Smith, J\",2,30.43,38.86,22.35\r\n"
      "7,0,0,38.86,0\r\n");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(table->frequency, ElementsAre(2.0, 0.0));
  EXPECT_THAT(table->recency, ElementsAre(30.43, 0.0));
  EXPECT_THAT(table->T, ElementsAre(38.86, 38.86));
  EXPECT_THAT(table->monetary_value, ElementsAre(22.35, 0.0));
  EXPECT_TRUE(HasSummaryHeader("customer_id,frequency,recency,T,monetary_value\n", {}));
}

TEST(SummaryCsvTest, WithoutAMonetaryColumn) {
  SummaryColumnNames names;
  names.monetary_value.clear();
  const auto table = Parse("frequency,recency,T\n1,2,3\n", names);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 1u);
  EXPECT_TRUE(table->monetary_value.empty());
}

// Covers docs/bad-input.md BI-SUM-01
TEST(SummaryCsvBadInputTest, MissingHeaderColumnListsTheHeader) {
  const auto table = Parse("frequency,recency\n1,2\n");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table.status().message(),
            "s.csv:1: no column named \"T\" in the header; its columns are: \"frequency\", \"recency\"");
  EXPECT_FALSE(HasSummaryHeader("frequency,recency\n1,2\n", {}));
}

// Covers docs/bad-input.md BI-SUM-02
TEST(SummaryCsvBadInputTest, RowWithTooFewFields) {
  const auto table = Parse("frequency,recency,T,monetary_value\n1,2,3,4\n1,2\n");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table.status().message(), "s.csv:3: has 2 fields, the header has 4");
}

// Header cells follow the rows' quoting: a quoted "id, name" is one cell, so rows of four
// fields match a header of four.
TEST(SummaryCsvTest, QuotedHeaderCellsAreOneField) {
  const auto table =
      Parse("\"id, name\",frequency,recency,T,monetary_value\n\"Smith, J\",1,2,3,4\n");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 1u);
  EXPECT_TRUE(HasSummaryHeader("\"id, name\",frequency,recency,T\n", {}));
}

// A huge header is quoted cut short: the message stays small (issue 13 item 9).
// Covers docs/bad-input.md BI-SUM-01
TEST(SummaryCsvBadInputTest, HugeHeaderIsQuotedCutShort) {
  std::string header = "frequency";
  for (int i = 0; i < 20000; ++i) absl::StrAppend(&header, ",column", i);
  const auto table = Parse(header + "\n1\n");
  ASSERT_FALSE(table.ok());
  EXPECT_LT(table.status().message().size(), 400u);
  EXPECT_THAT(table.status().message(), HasSubstr("... (20001 columns)"));
}

// An unquoted "1,234.56" makes one field two: an error, not a value read shifted.
// Covers docs/bad-input.md BI-SUM-02
TEST(SummaryCsvBadInputTest, RowWithTooManyFields) {
  const auto table = Parse("frequency,recency,T,monetary_value\n1,2,3,4\n\n2,3,4,1,234.56\n");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().message(), "s.csv:4: has 5 fields, the header has 4");
  const auto good = Parse("frequency,recency,T,monetary_value\n1,2,3,4\n\n2,3,4,\"1,234.56\"\n");
  ASSERT_FALSE(good.ok());  // a quoted "1,234.56" is one field, but not a number
  EXPECT_THAT(good.status().message(), HasSubstr("s.csv:4:8: field 'monetary_value'"));
  const auto lines = Parse("frequency,recency,T,monetary_value\n1,2,3,4\n\n2,3,4,5\n");
  ASSERT_TRUE(lines.ok());
  EXPECT_THAT(lines->line, ::testing::ElementsAre(2, 4));
}

// Covers docs/bad-input.md BI-SUM-03
TEST(SummaryCsvBadInputTest, ValueThatIsNotAFiniteNumberNamesLineColumnAndField) {
  for (const char* bad : {"inf", "nan", "1e999", "x", "", "1.5.2"}) {
    SCOPED_TRACE(bad);
    const auto table =
        Parse(std::string("frequency,recency,T,monetary_value\n1,2,") + bad + ",4\n");
    ASSERT_FALSE(table.ok());
    EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(table.status().message(),
                HasSubstr(std::string("s.csv:2:5: field 'T': \"") + bad +
                          "\" is not a finite number"));
  }
}

// Covers docs/bad-input.md BI-SUM-04
TEST(SummaryCsvBadInputTest, UnbalancedQuote) {
  const auto table = Parse("id,frequency,recency,T,monetary_value\n\"a,1,2,3,4\n");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table.status().message(),
            "s.csv:2:1: unbalanced quote (a quoted field must close on its line, before a "
            "comma)");
}

// Covers docs/bad-input.md BI-SUM-05
TEST(SummaryCsvBadInputTest, EmptyTableAndEmptyFile) {
  const auto header_only = Parse("frequency,recency,T,monetary_value\n");
  ASSERT_FALSE(header_only.ok());
  EXPECT_EQ(header_only.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(header_only.status().message(), "s.csv: no data rows after the header");
  const auto empty = Parse("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("s.csv:1: no column named \"frequency\""));
}

// Covers docs/bad-input.md BI-SUM-06
TEST(SummaryCsvBadInputTest, MissingFileIsNotFoundNamingThePath) {
  const auto table = LoadSummaryCsv("/nonexistent/crmcore/s.csv", {});
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(table.status().message(),
            "cannot open /nonexistent/crmcore/s.csv: No such file or directory");
}

// Covers docs/bad-input.md BI-SUM-07
TEST(SummaryCsvBadInputTest, EmbeddedNulIsNotANumber) {
  const std::string text("frequency,recency,T\n1,2\0,3\n", 26);
  SummaryColumnNames names;
  names.monetary_value.clear();
  const auto table = Parse(text, names);
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  // The NUL is escaped: a raw one would cut the message short in C (crm_last_error).
  EXPECT_EQ(table.status().message(),
            "s.csv:2:3: field 'recency': \"2\\x00\" is not a finite number");
  EXPECT_EQ(table.status().message().find('\0'), absl::string_view::npos);
  // A long value is cut short in the message.
  const auto long_value =
      Parse("frequency,recency,T\n1,2," + std::string(1000, 'x') + "\n", names);
  ASSERT_FALSE(long_value.ok());
  EXPECT_THAT(long_value.status().message(),
              HasSubstr("\"... (1000 bytes) is not a finite number"));
}

}  // namespace
}  // namespace crmcore

// Tests for include/crmcore/transaction_log.h (src/io/transaction_log.cc).
#include "crmcore/transaction_log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "crmcore/money.h"
#include "gmock/gmock.h"
#include "io/transaction_log_internal.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TransactionLogOptions Csv() { return TransactionLogOptions(); }

absl::StatusOr<TransactionLog> Load(absl::string_view text,
                                    const TransactionLogOptions& options = Csv()) {
  return LoadTransactionLogFromBuffer(text, "log.csv", options);
}

// Writes `content` to a fresh file under the test's temporary directory.
std::string WriteTemp(absl::string_view name, absl::string_view content) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/crm_ingest_", getpid(), "_", name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return path;
}

int32_t Day(int y, int m, int d) { return ToDayNumber(absl::CivilDay(y, m, d)); }

// ---------------------------------------------------------------------------
// Well-formed input.

TEST(TransactionLogTest, LoadsCsvWithHeaderAndInternsIdsInFirstSeenOrder) {
  const auto log = Load(
      "customer_id,date,amount\n"
      "b,2020-01-02,12.34\n"
      "a,2020-01-03,-5\n"
      "b,2020-02-29,0.5\n");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(log->customer_ids, ElementsAre("b", "a"));
  EXPECT_THAT(log->customer, ElementsAre(0u, 1u, 0u));
  EXPECT_THAT(log->day, ElementsAre(Day(2020, 1, 2), Day(2020, 1, 3), Day(2020, 2, 29)));
  EXPECT_THAT(log->amount, ElementsAre(1234, -500, 50));
  EXPECT_EQ(log->rows_read, 3);
  EXPECT_EQ(log->rows_skipped, 0);
  EXPECT_TRUE(log->quantity.empty());
  EXPECT_TRUE(log->margin.empty());
  EXPECT_EQ(log->size(), 3u);
  EXPECT_EQ(log->customer_count(), 2u);
}

TEST(TransactionLogTest, DayNumbersRoundTrip) {
  EXPECT_EQ(ToDayNumber(absl::CivilDay(1970, 1, 1)), 0);
  EXPECT_EQ(ToDayNumber(absl::CivilDay(1969, 12, 31)), -1);
  EXPECT_EQ(ToDayNumber(absl::CivilDay(1997, 1, 1)), 9862);
  EXPECT_EQ(ToCivilDay(9862), absl::CivilDay(1997, 1, 1));
  EXPECT_EQ(ToCivilDay(ToDayNumber(absl::CivilDay(2400, 2, 29))), absl::CivilDay(2400, 2, 29));
}

TEST(TransactionLogTest, QuotedFieldsCrlfAndColumnOrder) {
  TransactionLogOptions options;
  options.delimiter = ';';
  options.customer = ColumnRef::Named("who");
  options.amount = ColumnRef::Named("paid");
  options.quantity = ColumnRef::Named("n");
  options.margin = ColumnRef::Named("profit");
  const auto log = Load(
      "paid;\"who\";date;n;profit\r\n"
      "\"1.50\";\"Smith; \"\"Jr\"\"\";2021-12-31;3;0.25\r\n"
      "2;\"multi\nline\";2022-01-01;-1;-0.10\r\n",
      options);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(log->customer_ids, ElementsAre("Smith; \"Jr\"", "multi\nline"));
  EXPECT_THAT(log->amount, ElementsAre(150, 200));
  EXPECT_THAT(log->quantity, ElementsAre(3, -1));
  EXPECT_THAT(log->margin, ElementsAre(25, -10));
  EXPECT_THAT(log->day, ElementsAre(Day(2021, 12, 31), Day(2022, 1, 1)));
}

TEST(TransactionLogTest, LineNumbersCountNewlinesInsideQuotes) {
  const auto log = Load(
      "customer_id,date,amount\n"
      "\"a\nb\",2020-01-01,1\n"
      "c,2020-01-01,x\n");
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("log.csv:4:14: field 'amount'"));
}

TEST(TransactionLogTest, AcceptsUtf8IdsBomBlankLinesAndMissingFinalNewline) {
  const auto log = Load(
      "\xEF\xBB\xBF" "customer_id,date,amount\n"
      "\n"
      "客户-1,2020-01-01,1\r\n"
      "\r\n"
      "Zoë,2020-01-02,2");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(log->customer_ids, ElementsAre("客户-1", "Zoë"));
  EXPECT_EQ(log->rows_read, 2);
}

TEST(TransactionLogTest, TrailingDelimiterMakesAnEmptyLastField) {
  const auto log = Load("customer_id,date,amount,note\na,2020-01-01,1,\n");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(log->amount, ElementsAre(100));
}

TEST(TransactionLogTest, WhitespaceDelimitedWithoutHeaderByIndex) {
  TransactionLogOptions options;
  options.whitespace_delimited = true;
  options.has_header = false;
  options.customer = ColumnRef::At(2);
  options.date = ColumnRef::At(3);
  options.amount = ColumnRef::At(5);
  options.quantity = ColumnRef::At(4);
  options.date_format = "%Y%m%d";
  const auto log = Load(
      " 00004 0001 19970101  2   29.33\r\n"
      "\t00004\t0001 19970118 2 29.73   \r\n"
      "   \r\n"
      " 00021 0002 19970101  3   63.34",
      options);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(log->customer_ids, ElementsAre("0001", "0002"));
  EXPECT_THAT(log->amount, ElementsAre(2933, 2973, 6334));
  EXPECT_THAT(log->quantity, ElementsAre(2, 2, 3));
  EXPECT_THAT(log->day, ElementsAre(Day(1997, 1, 1), Day(1997, 1, 18), Day(1997, 1, 1)));
}

TEST(TransactionLogTest, ExtraFractionZerosAreExactAndMinorDigitsAreHonoured) {
  TransactionLogOptions options;
  options.minor_digits = 0;
  const auto yen = Load("customer_id,date,amount\na,2020-01-01,1500\nb,2020-01-01,7.000\n",
                        options);
  ASSERT_TRUE(yen.ok()) << yen.status();
  EXPECT_THAT(yen->amount, ElementsAre(1500, 7));
  options.minor_digits = 3;
  const auto dinar = Load("customer_id,date,amount\na,2020-01-01,1.234\n", options);
  ASSERT_TRUE(dinar.ok()) << dinar.status();
  EXPECT_THAT(dinar->amount, ElementsAre(1234));
}

// Every spelling reads exactly as ParseMoney reads it (the loader has a fast path
// for plain "123.45" that must never disagree with the general parser).
TEST(TransactionLogTest, AmountsReadExactlyAsParseMoney) {
  const std::vector<std::string> spellings = {
      "0", "7", "0.5", "12.34", "007.10", "+3.5", "-0.01", "1.500", "999999999999999999",
      "99999999999999999.99", "9999999999999999.99", "92233720368547758.07",
      "9223372036854775807", "1.", ".5", "1.2.3", "1,5", " 4.25 ", "1.234"};
  for (const int digits : {0, 2, 3, 17, 18}) {
    TransactionLogOptions options;
    options.minor_digits = digits;
    options.lenient = true;
    std::string text = "customer_id,date,amount\n";
    for (const std::string& s : spellings) absl::StrAppend(&text, "a,2020-01-01,\"", s, "\"\n");
    absl::StrAppend(&text, "a,2020-01-01,1\n");  // So that some row always loads.
    const auto log = Load(text, options);
    ASSERT_TRUE(log.ok()) << log.status();
    size_t loaded = 0;
    for (const std::string& s : spellings) {
      const auto expected = ParseMoney(absl::StripAsciiWhitespace(s), digits);
      if (!expected.ok()) continue;
      ASSERT_LT(loaded, log->amount.size());
      EXPECT_EQ(log->amount[loaded++], expected->minor_units()) << s << " digits " << digits;
    }
    EXPECT_EQ(loaded + 1, log->amount.size()) << digits;
  }
}

TEST(TransactionLogTest, DateFormats) {
  TransactionLogOptions options;
  options.date_format = "%d/%m/%Y";
  const auto log = Load("customer_id,date,amount\na,29/02/2000,1\na, 31/12/1999 ,1\n", options);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(log->day, ElementsAre(Day(2000, 2, 29), Day(1999, 12, 31)));

  options.date_format = "%Y%%%m%%%d";
  const auto percent = Load("customer_id,date,amount\na,2001%02%03,1\n", options);
  ASSERT_TRUE(percent.ok()) << percent.status();
  EXPECT_THAT(percent->day, ElementsAre(Day(2001, 2, 3)));
}

// Covers docs/bad-input.md BI-ING-07
TEST(TransactionLogTest, RejectsNonCalendarDates) {
  for (const char* date : {"2019-02-29", "1900-02-29", "2020-13-01", "2020-00-10",
                           "2020-04-31", "2020-01-00", "2020-1-01", "2020/01/01",
                           "2020-01-011", "20200101", "+020-01-01"}) {
    const auto log = Load(absl::StrCat("customer_id,date,amount\na,", date, ",1\n"));
    ASSERT_FALSE(log.ok()) << date;
    EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(log.status().message(),
                HasSubstr(absl::StrCat("field 'date': cannot parse \"", date,
                                       "\" with format %Y-%m-%d")));
  }
}

// Covers docs/bad-input.md BI-ING-22
TEST(ColumnRefTest, ParsesIndicesAndNames) {
  const auto index = ColumnRef::Parse("3");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->index, 3u);
  EXPECT_EQ(index->ToString(), "column 3");
  const auto name = ColumnRef::Parse("customer_id");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->index, 0u);
  EXPECT_EQ(name->name, "customer_id");
  EXPECT_EQ(name->ToString(), "column 'customer_id'");
  const auto mixed = ColumnRef::Parse("3a");
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->name, "3a");
  EXPECT_EQ(ColumnRef::Parse("").status().code(), absl::StatusCode::kInvalidArgument);
  const auto zero = ColumnRef::Parse("0");
  EXPECT_EQ(zero.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(zero.status().message(), HasSubstr("\"0\""));
  EXPECT_FALSE(ColumnRef::Parse("99999999999999999999999").ok());
}

// ---------------------------------------------------------------------------
// Bad options.

// Covers docs/bad-input.md BI-ING-21
TEST(TransactionLogOptionsTest, RejectsBadOptions) {
  TransactionLogOptions options;
  options.date_format = "%Y-%m-%d %H";
  EXPECT_THAT(options.Validate().message(), HasSubstr("%H"));
  options.date_format = "%Y-%m";
  EXPECT_THAT(options.Validate().message(), HasSubstr("exactly once"));
  options.date_format = "%Y%m%d%";
  EXPECT_THAT(options.Validate().message(), HasSubstr("lone '%'"));
  options = TransactionLogOptions();
  options.delimiter = '"';
  EXPECT_THAT(options.Validate().message(), HasSubstr("delimiter"));
  options = TransactionLogOptions();
  options.minor_digits = 19;
  EXPECT_THAT(options.Validate().message(), HasSubstr("19"));
  options = TransactionLogOptions();
  options.max_line_bytes = 0;
  EXPECT_THAT(options.Validate().message(), HasSubstr("max_line_bytes"));
  options = TransactionLogOptions();
  options.threads = 1025;
  EXPECT_EQ(options.Validate().message(),
            "transaction log options: threads must be in [0, 1024], got 1025");
  options.threads = 1024;
  EXPECT_TRUE(options.Validate().ok());
  options = TransactionLogOptions();
  options.customer = ColumnRef();
  EXPECT_THAT(options.Validate().message(), HasSubstr("'customer'"));
  EXPECT_TRUE(TransactionLogOptions().Validate().ok());
  // Loading checks them too.
  options = TransactionLogOptions();
  options.date_format = "%s";
  EXPECT_EQ(Load("customer_id,date,amount\na,1,1\n", options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// Bad rows, strict mode: the first one stops the load with FILE:LINE:COLUMN.

// Covers docs/bad-input.md BI-ING-07
TEST(TransactionLogTest, StrictDateErrorHasFileLineColumnFieldAndFormat) {
  TransactionLogOptions options;
  options.date_format = "%Y%m%d";
  const auto log = Load("customer_id,date,amount\na,19970101,1\nbb,1997x,2\n", options);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log.status().message(),
            "log.csv:3:4: field 'date': cannot parse \"1997x\" with format %Y%m%d");
}

// Covers docs/bad-input.md BI-ING-08, BI-ING-09, BI-ING-10
TEST(TransactionLogTest, StrictAmountErrors) {
  const auto garbage = Load("customer_id,date,amount\na,2020-01-01,12a\n");
  EXPECT_THAT(garbage.status().message(),
              HasSubstr("log.csv:2:14: field 'amount': cannot parse \"12a\""));
  const auto decimals = Load("customer_id,date,amount\na,2020-01-01,12.345\n");
  EXPECT_THAT(decimals.status().message(), HasSubstr("\"12.345\""));
  EXPECT_THAT(decimals.status().message(), HasSubstr("3 fraction digits"));
  const auto empty = Load("customer_id,date,amount\na,2020-01-01,\n");
  EXPECT_THAT(empty.status().message(), HasSubstr("field 'amount': cannot parse \"\""));
  const auto huge = Load("customer_id,date,amount\na,2020-01-01,99999999999999999999\n");
  EXPECT_THAT(huge.status().message(), HasSubstr("99999999999999999999"));
  const auto binary_float = Load("customer_id,date,amount\na,2020-01-01,1e3\n");
  EXPECT_THAT(binary_float.status().message(), HasSubstr("\"1e3\""));
}

// Covers docs/bad-input.md BI-ING-11
TEST(TransactionLogTest, StrictQuantityAndMarginErrors) {
  TransactionLogOptions options;
  options.quantity = ColumnRef::Named("n");
  const auto quantity = Load("customer_id,date,amount,n\na,2020-01-01,1,2.5\n", options);
  EXPECT_THAT(quantity.status().message(),
              HasSubstr("log.csv:2:16: field 'quantity': cannot parse \"2.5\""));
  options = TransactionLogOptions();
  options.margin = ColumnRef::At(4);
  const auto margin = Load("customer_id,date,amount,m\na,2020-01-01,1,0.001\n", options);
  EXPECT_THAT(margin.status().message(), HasSubstr("field 'margin': cannot parse \"0.001\""));
}

// Covers docs/bad-input.md BI-ING-13, BI-ING-14
TEST(TransactionLogTest, StrictEmptyAndInvalidIds) {
  const auto empty = Load("customer_id,date,amount\na,2020-01-01,1\n,2020-01-01,1\n");
  EXPECT_EQ(empty.status().message(), "log.csv:3:1: field 'customer': empty customer id");
  const auto quoted_empty = Load("customer_id,date,amount\n\"\",2020-01-01,1\n");
  EXPECT_THAT(quoted_empty.status().message(), HasSubstr("empty customer id"));
  const auto bad_utf8 = Load("customer_id,date,amount\nab\xC3\x28,2020-01-01,1\n");
  EXPECT_THAT(bad_utf8.status().message(), HasSubstr("log.csv:2:1: field 'customer'"));
  EXPECT_THAT(bad_utf8.status().message(), HasSubstr("not valid UTF-8"));
  EXPECT_THAT(bad_utf8.status().message(), HasSubstr("\\xc3("));
}

// A long bad value is quoted up to its first 80 bytes, then its length: the message stays
// short whatever the row holds.
// Covers docs/bad-input.md BI-ING-07
TEST(TransactionLogTest, LongBadValueIsCutInTheMessage) {
  const std::string date(200, '9');
  const auto log = Load(absl::StrCat("customer_id,date,amount\na,", date, ",1\n"));
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log.status().message(),
            absl::StrCat("log.csv:2:3: field 'date': cannot parse \"", date.substr(0, 80),
                         "\"... (200 bytes) with format %Y-%m-%d"));
}

// Covers docs/bad-input.md BI-ING-12
TEST(TransactionLogTest, StrictMissingColumn) {
  const auto log = Load("customer_id,date,amount\na,2020-01-01\n");
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().message(),
            "log.csv:2:13: field 'columns': the row has 2 fields, the header has 3");
}

// A row with more fields than the header (an unquoted "1,234.56" amount) was read as
// amount 1: it is a row error, strict or lenient (counted and reported), and a quoted
// "1,234.56" is one field.
// Covers docs/bad-input.md BI-ING-25
TEST(TransactionLogTest, RowWithMoreFieldsThanTheHeaderIsARowError) {
  const std::string text = "customer_id,date,amount\na,2020-01-01,5\nb,2020-01-02,1,234.56\n";
  const auto strict = Load(text);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().message(),
            "log.csv:3:16: field 'columns': the row has 4 fields, the header has 3; the first "
            "extra one is \"234.56\"");
  TransactionLogOptions options;
  options.lenient = true;
  const auto lenient = LoadTransactionLogFromBuffer(text, "log.csv", options);
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  EXPECT_EQ(lenient->size(), 1u);
  EXPECT_EQ(lenient->rows_skipped, 1);
  ASSERT_EQ(lenient->skipped.size(), 1u);
  EXPECT_EQ(lenient->skipped[0].line, 3);
  EXPECT_EQ(lenient->skipped[0].field, "columns");
  EXPECT_EQ(lenient->skipped[0].text, "234.56");
  const auto quoted = Load("customer_id,date,amount\nb,2020-01-02,\"1,234.56\"\n");
  ASSERT_FALSE(quoted.ok());  // one field, but not a plain decimal
  EXPECT_THAT(quoted.status().message(), HasSubstr("field 'amount'"));
  // Whitespace-separated logs count fields between runs of blanks; trailing blanks are none.
  TransactionLogOptions blanks;
  blanks.whitespace_delimited = true;
  const auto spaced =
      LoadTransactionLogFromBuffer("customer_id date amount\n a  2020-01-01  5   \n", "w", blanks);
  ASSERT_TRUE(spaced.ok()) << spaced.status();
  const auto extra =
      LoadTransactionLogFromBuffer("customer_id date amount\na 2020-01-01 5 x\n", "w", blanks);
  EXPECT_THAT(extra.status().message(), HasSubstr("the row has 4 fields, the header has 3"));
}

// Covers docs/bad-input.md BI-ING-12
TEST(TransactionLogTest, IndexBeyondTheRowsColumns) {
  TransactionLogOptions options;
  options.has_header = false;
  options.customer = ColumnRef::At(1);
  options.date = ColumnRef::At(2);
  options.amount = ColumnRef::At(7);
  const auto log = Load("a,2020-01-01,1\n", options);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(),
              HasSubstr("log.csv:1:15: field 'amount': missing column: the row has 3 "
                        "columns, the field is column 7"));
}

// Covers docs/bad-input.md BI-ING-15
TEST(TransactionLogTest, UnknownHeaderNameListsTheHeader) {
  TransactionLogOptions options;
  options.amount = ColumnRef::Named("price");
  const auto log = Load("customer_id,date,\"total, gross\"\na,2020-01-01,1\n", options);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log.status().message(),
            "log.csv:1: field 'amount': no column named \"price\" in the header; its columns "
            "are: \"customer_id\", \"date\", \"total, gross\"");
}

// Covers docs/bad-input.md BI-ING-16
TEST(TransactionLogTest, NamesNeedAHeader) {
  TransactionLogOptions options;
  options.has_header = false;
  options.customer = ColumnRef::At(1);
  options.amount = ColumnRef::At(3);
  const auto log = Load("a,2020-01-01,1\n", options);  // date still by name
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("field 'date' names column 'date'"));
  EXPECT_THAT(log.status().message(), HasSubstr("no header"));
}

// ---------------------------------------------------------------------------
// Empty input and structural damage.

// Covers docs/bad-input.md BI-ING-01
TEST(TransactionLogTest, EmptyInput) {
  const auto log = Load("");
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log.status().message(), "log.csv: empty file: no header and no transactions");
  const auto blank = Load("\n\r\n\n");
  EXPECT_THAT(blank.status().message(), HasSubstr("no header line and no transactions"));
  TransactionLogOptions no_header;
  no_header.has_header = false;
  no_header.customer = ColumnRef::At(1);
  no_header.date = ColumnRef::At(2);
  no_header.amount = ColumnRef::At(3);
  EXPECT_THAT(Load("\n\n", no_header).status().message(), HasSubstr("no transactions"));
}

// Covers docs/bad-input.md BI-ING-02
TEST(TransactionLogTest, HeaderOnlyIsAnError) {
  for (const char* text : {"customer_id,date,amount", "customer_id,date,amount\r\n\r\n"}) {
    const auto log = Load(text);
    ASSERT_FALSE(log.ok());
    EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(log.status().message(), HasSubstr("no transactions"));
  }
}

// Covers docs/bad-input.md BI-ING-03
TEST(TransactionLogTest, UnterminatedQuote) {
  const auto log = Load("customer_id,date,amount\na,2020-01-01,1\n\"b,2020-01-01,1\nc,2020-01-01,1\n");
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(log.status().message(), HasSubstr("log.csv:3:1: unterminated quoted field"));
}

// Covers docs/bad-input.md BI-ING-04
TEST(TransactionLogTest, TextAfterClosingQuote) {
  const auto log = Load("customer_id,date,amount\n\"a\"x,2020-01-01,1\n");
  EXPECT_THAT(log.status().message(),
              HasSubstr("log.csv:2:4: unexpected character \"x\" after a closing quote"));
}

// Covers docs/bad-input.md BI-ING-05
TEST(TransactionLogTest, EmbeddedNul) {
  const std::string unquoted("customer_id,date,amount\na\0b,2020-01-01,1\n", 40);
  const auto log = Load(unquoted);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().message(), "log.csv:2:2: embedded NUL byte");
  const std::string quoted("customer_id,date,amount\n\"a\0\",2020-01-01,1\n", 41);
  EXPECT_THAT(Load(quoted).status().message(), HasSubstr("log.csv:2:3: embedded NUL byte"));
  // Lenient mode does not paper over a damaged file.
  TransactionLogOptions lenient;
  lenient.lenient = true;
  EXPECT_THAT(Load(unquoted, lenient).status().message(), HasSubstr("embedded NUL"));
}

// Covers docs/bad-input.md BI-ING-06
TEST(TransactionLogTest, LineLongerThanMaxLineBytes) {
  TransactionLogOptions options;
  options.max_line_bytes = 32;
  const std::string ok_line = "customer_id,date,amount\nabcdefghijklmnop,2020-01-01,1.00\n";
  EXPECT_TRUE(Load(ok_line, options).ok());  // 32 bytes exactly.
  const std::string long_line = "customer_id,date,amount\nabcdefghijklmnopq,2020-01-01,1.00\n";
  const auto log = Load(long_line, options);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(log.status().message(),
              HasSubstr("log.csv:2: line is longer than max_line_bytes (32 bytes)"));
}

// Covers docs/bad-input.md BI-ING-06
TEST(TransactionLogTest, HugeLineInAFileFailsWithoutReadingItAll) {
  // 64 MiB of one unterminated "line": the loader must stop after about
  // max_line_bytes + one chunk, not buffer the whole line.
  TransactionLogOptions options;
  options.max_line_bytes = 1024;
  std::string content = "customer_id,date,amount\na,2020-01-01,1\n";
  content.append(size_t{64} << 20, 'x');
  const std::string path = WriteTemp("huge_line.csv", content);
  const auto log = LoadTransactionLog(path, options);
  std::remove(path.c_str());
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(),
              HasSubstr(absl::StrCat(path, ":3: line is longer than max_line_bytes (1024")));
}

// Every byte of a tricky record (doubled quote, CRLF) lands on the boundary between
// the first and second 1 MiB chunk once, and the record still reads the same.
TEST(TransactionLogTest, RecordsSplitAcrossReadChunks) {
  const std::string header = "customer_id,date,amount\r\n";
  const std::string filler = "c,2020-01-01,1.00\r\n";
  const std::string tricky = "\"a\"\"b, c\",2020-03-04,12.34\r\n";
  constexpr size_t kChunk = size_t{1} << 20;
  for (size_t shift = 0; shift <= tricky.size(); ++shift) {
    std::string content = header;
    const size_t start = kChunk - shift;
    while (content.size() + filler.size() + 40 < start) content += filler;
    // One padding row whose id length puts `tricky` at `start`.
    const size_t pad_total = start - content.size();
    content += std::string(pad_total - 15, 'p') + ",2020-01-01,0\r\n";
    ASSERT_EQ(content.size(), start);
    content += tricky;
    content += filler;
    const std::string path = WriteTemp("chunks.csv", content);
    const auto log = LoadTransactionLog(path, Csv());
    std::remove(path.c_str());
    ASSERT_TRUE(log.ok()) << shift << ": " << log.status();
    const size_t n = log->size();
    ASSERT_GE(n, 3u);
    EXPECT_EQ(log->customer_ids[log->customer[n - 2]], "a\"b, c") << shift;
    EXPECT_EQ(log->day[n - 2], Day(2020, 3, 4)) << shift;
    EXPECT_EQ(log->amount[n - 2], 1234) << shift;
    EXPECT_EQ(log->customer_ids[log->customer[n - 1]], "c") << shift;
    EXPECT_EQ(log->rows_read, static_cast<int64_t>(n));
  }
}

// Ids are interned in batches whose lookups are deferred (see src/io/transaction_log.cc);
// the result must equal a naive first-seen interning, whatever the mix of repeated,
// consecutive, quoted (unescaped, interned at once) and skipped rows, and wherever the
// file's read chunks cut the batches.
TEST(TransactionLogTest, InterningAgreesWithNaiveFirstSeenOrder) {
  std::string content = "customer_id,date,amount\n";
  std::vector<std::string> row_ids;  // The id of every loaded row, in file order.
  uint64_t state = 7;
  const auto next = [&state] {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return state >> 33;
  };
  for (int row = 0; row < 80000; ++row) {
    const uint64_t r = next();
    // Ids of various lengths (SSO and heap), some reused long after, some repeated.
    std::string id = absl::StrCat("id", r % 5000, r % 3 == 0 ? "-with-a-long-suffix-xx" : "");
    if (r % 11 == 0 && !row_ids.empty()) id = row_ids.back();  // Same as previous row.
    if (r % 97 == 0) {
      // A quoted id with a doubled quote, unescaped into scratch space.
      content += absl::StrCat("\"", id, "\"\"q\",2020-01-02,1.00\n");
      row_ids.push_back(absl::StrCat(id, "\"q"));
    } else if (r % 89 == 0) {
      content += absl::StrCat(id, ",2020-13-01,1.00\n");  // Bad date: skipped.
    } else {
      content += absl::StrCat(id, ",2020-01-02,1.00\n");
      row_ids.push_back(id);
    }
  }
  std::vector<std::string> expected_ids;
  std::vector<uint32_t> expected_rows;
  {
    std::map<std::string, uint32_t> index;
    for (const std::string& id : row_ids) {
      const auto [it, inserted] = index.emplace(id, static_cast<uint32_t>(expected_ids.size()));
      if (inserted) expected_ids.push_back(id);
      expected_rows.push_back(it->second);
    }
  }
  ASSERT_GT(content.size(), size_t{1} << 20);  // Several read chunks from the file.
  TransactionLogOptions lenient;
  lenient.lenient = true;
  const std::string path = WriteTemp("interning.csv", content);
  const auto from_file = LoadTransactionLog(path, lenient);
  std::remove(path.c_str());
  const auto from_buffer = Load(content, lenient);
  for (const auto* log : {&from_file, &from_buffer}) {
    ASSERT_TRUE(log->ok()) << log->status();
    EXPECT_EQ((*log)->customer_ids, expected_ids);
    EXPECT_EQ((*log)->customer, expected_rows);
    EXPECT_EQ((*log)->rows_skipped + static_cast<int64_t>(row_ids.size()), (*log)->rows_read);
  }
}

// ---------------------------------------------------------------------------
// Lenient mode.

TEST(TransactionLogTest, LenientSkipsBadRowsAndReportsTheFirstN) {
  TransactionLogOptions options;
  options.lenient = true;
  options.max_reported_errors = 2;
  const auto log = Load(
      "customer_id,date,amount\n"
      "a,2020-01-01,1\n"
      ",2020-01-01,1\n"
      "b,2020-13-01,1\n"
      "c,2020-01-01,1.001\n"
      "d,2020-01-02,2\n",
      options);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->rows_read, 5);
  EXPECT_EQ(log->rows_skipped, 3);
  EXPECT_EQ(log->size(), 2u);
  EXPECT_THAT(log->customer_ids, ElementsAre("a", "d"));
  ASSERT_EQ(log->skipped.size(), 2u);
  EXPECT_EQ(log->skipped[0].line, 3);
  EXPECT_EQ(log->skipped[0].column, 1u);
  EXPECT_EQ(log->skipped[0].field, "customer");
  EXPECT_EQ(log->skipped[0].reason, "empty customer id");
  EXPECT_EQ(log->skipped[1].line, 4);
  EXPECT_EQ(log->skipped[1].column, 3u);
  EXPECT_EQ(log->skipped[1].field, "date");
  EXPECT_EQ(log->skipped[1].text, "2020-13-01");
  EXPECT_THAT(log->skipped[1].reason, HasSubstr("cannot parse \"2020-13-01\""));
}

// Covers docs/bad-input.md BI-ING-17
TEST(TransactionLogTest, LenientWithEveryRowBadIsAnError) {
  TransactionLogOptions options;
  options.lenient = true;
  const auto log = Load("customer_id,date,amount\na,x,1\nb,y,1\n", options);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("all 2 rows were skipped"));
  EXPECT_THAT(log.status().message(), HasSubstr("line 2: field 'date'"));
}

// ---------------------------------------------------------------------------
// Files.

// Covers docs/bad-input.md BI-ING-18
TEST(TransactionLogTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/no_such_dir/missing.csv");
  const auto log = LoadTransactionLog(path, Csv());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(log.status().message(), HasSubstr(path));
  EXPECT_THAT(log.status().message(), HasSubstr("No such file or directory"));
}

// Covers docs/bad-input.md BI-ING-19
TEST(TransactionLogTest, UnreadableFileIsPermissionDenied) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  const std::string path = WriteTemp("secret.csv", "customer_id,date,amount\n");
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  const auto log = LoadTransactionLog(path, Csv());
  std::remove(path.c_str());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(log.status().message(), HasSubstr(path));
}

// Covers docs/bad-input.md BI-ING-20
TEST(TransactionLogTest, DirectoryIsAnError) {
  const auto log = LoadTransactionLog(::testing::TempDir(), Csv());
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("Is a directory"));
}

// A file that opens but whose read fails: Linux's /proc/self/mem opens as a regular,
// empty-looking file, and reading its offset 0 (an unmapped address) fails with EIO.
// Covers docs/bad-input.md BI-ING-23
TEST(TransactionLogTest, ReadFailureIsAnErrorNamingThePathAndTheReason) {
  const std::string path = "/proc/self/mem";
  if (access(path.c_str(), R_OK) != 0) GTEST_SKIP() << path << " is not readable here";
  const auto log = LoadTransactionLog(path, Csv());
  ASSERT_FALSE(log.ok());
  // An I/O error (absl::ErrnoToStatus alone would say Unknown for EIO).
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(log.status().message(),
            "cannot read transaction log '/proc/self/mem': Input/output error");
}

// Covers docs/bad-input.md BI-ING-01
TEST(TransactionLogTest, EmptyAndHeaderOnlyFiles) {
  const std::string empty = WriteTemp("empty.csv", "");
  const auto empty_log = LoadTransactionLog(empty, Csv());
  std::remove(empty.c_str());
  EXPECT_EQ(empty_log.status().message(),
            absl::StrCat(empty, ": empty file: no header and no transactions"));
  const std::string header = WriteTemp("header.csv", "customer_id,date,amount\n");
  const auto header_log = LoadTransactionLog(header, Csv());
  std::remove(header.c_str());
  EXPECT_THAT(header_log.status().message(), HasSubstr("no transactions"));
}

TEST(TransactionLogTest, FileAndBufferAgreeOnErrors) {
  const std::string text = "customer_id,date,amount\na,2020-01-01,1\nb,2020-01-01,zz\n";
  const std::string path = WriteTemp("bad.csv", text);
  const auto from_file = LoadTransactionLog(path, Csv());
  std::remove(path.c_str());
  EXPECT_EQ(from_file.status().message(),
            absl::StrCat(path, ":3:14: field 'amount': cannot parse \"zz\" as an amount with 2 "
                               "minor digits (money: \"zz\" has an unexpected character \"z\" "
                               "at offset 0; expected [+-]digits[.digits])"));
}

// ---------------------------------------------------------------------------
// The record splitter's fast path (plain records split from byte masks) against the
// general state machine: on every input both must give the same log or the same
// error, message included. Documents are drawn from lines that the fast path takes
// (plain rows, CRLF, leading/trailing blanks, empty fields, missing columns, bad
// values, long and over-long lines) and lines it must hand over (quotes, lone '\r',
// NUL, blank lines, no final newline), in every ingest layout.

void ExpectSameLog(const absl::StatusOr<TransactionLog>& fast,
                   const absl::StatusOr<TransactionLog>& general, const std::string& input) {
  const std::string where = absl::StrCat("input: \"", absl::CHexEscape(input), "\"");
  ASSERT_EQ(fast.ok(), general.ok()) << where << "\nfast: " << fast.status()
                                     << "\ngeneral: " << general.status();
  if (!fast.ok()) {
    EXPECT_EQ(fast.status(), general.status()) << where;
    return;
  }
  EXPECT_EQ(fast->customer, general->customer) << where;
  EXPECT_EQ(fast->customer_ids, general->customer_ids) << where;
  EXPECT_EQ(fast->day, general->day) << where;
  EXPECT_EQ(fast->amount, general->amount) << where;
  EXPECT_EQ(fast->quantity, general->quantity) << where;
  EXPECT_EQ(fast->margin, general->margin) << where;
  EXPECT_EQ(fast->rows_read, general->rows_read) << where;
  EXPECT_EQ(fast->rows_skipped, general->rows_skipped) << where;
  ASSERT_EQ(fast->skipped.size(), general->skipped.size()) << where;
  for (size_t i = 0; i < fast->skipped.size(); ++i) {
    EXPECT_EQ(fast->skipped[i].line, general->skipped[i].line) << where;
    EXPECT_EQ(fast->skipped[i].column, general->skipped[i].column) << where;
    EXPECT_EQ(fast->skipped[i].field, general->skipped[i].field) << where;
    EXPECT_EQ(fast->skipped[i].reason, general->skipped[i].reason) << where;
    EXPECT_EQ(fast->skipped[i].text, general->skipped[i].text) << where;
  }
}

TEST(TransactionLogTest, FastRecordSplitterAgreesWithTheGeneralOne) {
  // "|" stands for the layout's delimiter.
  const std::vector<std::string> lines = {
      "a|2020-01-02|12.34|3|1.00\n",
      "b|2020-01-03|-5|1|0\n",
      "a|2020-01-04|0.5|2|0.10\r\n",
      "  c|2020-02-29|7|1|1  \n",
      "\td|2020-03-01|+0.50|4|0\t\n",
      "e||1|1|1\n",
      "f|2020-01-02|1|1|1|\n",
      "g|2020-01-02\n",
      "|2020-01-02|1|1|1\n",
      "h|2020-13-02|1|1|1\n",
      "i|2020-01-02|1.234|1|1\n",
      "j|2020-01-02|x|1|1\n",
      "k|2020-01-02|1|y|1\n",
      "m|2020-01-02|1|1|bad\n",
      "n|2020-01-02|zz\n",
      "o|2020-01-02|1|q\n",
      "p|2020-01-02|1|1|1|extra|columns\n",
      "s-thirty-character-customer-id|2020-01-02|123.45|12|1.50\n",
      "s-thirty-character-customer-id|2020-01-02|123.45|12|x.50\n",
      // 63 bytes before the '\n' (the most the fast path takes), then 64.
      std::string(46, 't') + "|2020-01-02|1|1|1\n",
      std::string(47, 'u') + "|2020-01-02|1|1|1\n",
      "\xc3\xa9l\xc3\xa8ve|2020-01-02|1|1|1\n",
      "bad\xff|2020-01-02|1|1|1\n",
      "a-customer-with-a-rather-long-identifier-0123456789|2020-01-02|1.00|1|0.00\n",
      "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm|2020-01-02|1|1|1\n",
      std::string(200, 'z') + "|2020-01-02|1|1|1\n",
      "\"q,1\"|2020-01-05|2|1|1\n",
      "\"q\"\"2\"|2020-01-05|2|1|1\n",
      "\"multi\nline\"|2020-01-05|2|1|1\n",
      "r\"s|2020-01-05|2|1|1\n",
      "lone\rcr|2020-01-05|2|1|1\n",
      std::string("nul\0x|2020-01-05|2|1|1\n", 23),
      "\n",
      "\r\n",
      "   \n",
      "|||\n",
      "a|2020-01-02|1|1|1\r\r\n",
  };
  struct Layout {
    const char* name;
    TransactionLogOptions options;
    std::vector<std::string> delimiters;  // Each draw picks one.
    std::string header;
  };
  std::vector<Layout> layouts;
  {
    Layout csv{"csv", {}, {","}, "customer_id,date,amount,n,profit\n"};
    csv.options.quantity = ColumnRef::Named("n");
    csv.options.margin = ColumnRef::Named("profit");
    layouts.push_back(csv);
    Layout semicolon{"semicolon", {}, {";"}, "customer_id;date;amount\n"};
    semicolon.options.delimiter = ';';
    layouts.push_back(semicolon);
    Layout tab{"tab", {}, {"\t"}, ""};
    tab.options.delimiter = '\t';
    tab.options.has_header = false;
    tab.options.customer = ColumnRef::At(1);
    tab.options.date = ColumnRef::At(2);
    tab.options.amount = ColumnRef::At(3);
    tab.options.quantity = ColumnRef::At(4);
    layouts.push_back(tab);
    Layout blanks{"whitespace", {}, {" ", "\t", "   ", " \t "}, "customer_id date amount\n"};
    blanks.options.whitespace_delimited = true;
    blanks.options.margin = ColumnRef::At(5);
    layouts.push_back(blanks);
  }

  uint64_t state = 20240601;
  const auto next = [&state](size_t bound) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return static_cast<size_t>((state >> 33) % bound);
  };
  for (const Layout& layout : layouts) {
    for (const bool lenient : {false, true}) {
      for (const size_t max_line_bytes : {size_t{1} << 20, size_t{40}}) {
        TransactionLogOptions options = layout.options;
        options.lenient = lenient;
        options.max_reported_errors = 3;
        options.max_line_bytes = max_line_bytes;
        for (int document = 0; document < 300; ++document) {
          std::string input = document % 7 == 0 ? "\xEF\xBB\xBF" : "";
          input += layout.header;
          const size_t rows = 1 + next(12);
          for (size_t row = 0; row < rows; ++row) {
            // Mostly the plain rows, so that strict mode gets past the first line.
            const std::string& line = lines[next(4) != 0 ? next(5) : next(lines.size())];
            input += absl::StrReplaceAll(
                line, {{"|", layout.delimiters[next(layout.delimiters.size())]}});
          }
          if (document % 5 == 0) input.pop_back();  // No final newline.
          const auto fast = internal::LoadTransactionLogFromBufferWith(
              input, "log", options, internal::RecordSplitter::kFastWhenPlain);
          const auto general = internal::LoadTransactionLogFromBufferWith(
              input, "log", options, internal::RecordSplitter::kGeneralOnly);
          SCOPED_TRACE(absl::StrCat(layout.name, lenient ? " lenient" : " strict",
                                    " max_line_bytes ", max_line_bytes));
          ExpectSameLog(fast, general, input);
          if (HasFailure()) return;
        }
      }
    }
  }
}

// The fast path on the bundled CDNOW master log, which it splits nearly all of.
TEST(TransactionLogTest, FastRecordSplitterAgreesOnCdnowMaster) {
  std::ifstream in(std::string(CRMCORE_TEST_DATA_DIR) + "/CDNOW_master.txt", std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(content.size(), 1000u);
  TransactionLogOptions options;
  options.whitespace_delimited = true;
  options.date_format = "%Y%m%d";
  options.amount = ColumnRef::Named("dollar_value");
  options.quantity = ColumnRef::Named("number_of_cds");
  const auto fast = internal::LoadTransactionLogFromBufferWith(
      content, "cdnow", options, internal::RecordSplitter::kFastWhenPlain);
  const auto general = internal::LoadTransactionLogFromBufferWith(
      content, "cdnow", options, internal::RecordSplitter::kGeneralOnly);
  ASSERT_TRUE(fast.ok()) << fast.status();
  ExpectSameLog(fast, general, "CDNOW_master.txt");
  EXPECT_EQ(fast->size(), 69659u);
}

// ---------------------------------------------------------------------------
// The bundled CDNOW master log (examples/data/README.md).

TEST(TransactionLogTest, LoadsCdnowMaster) {
  TransactionLogOptions options;
  options.whitespace_delimited = true;
  options.date_format = "%Y%m%d";
  options.amount = ColumnRef::Named("dollar_value");
  options.quantity = ColumnRef::Named("number_of_cds");
  const auto log =
      LoadTransactionLog(std::string(CRMCORE_TEST_DATA_DIR) + "/CDNOW_master.txt", options);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->size(), 69659u);
  EXPECT_EQ(log->rows_read, 69659);
  EXPECT_EQ(log->customer_count(), 23570u);
  EXPECT_EQ(log->customer_ids.front(), "00001");
  EXPECT_EQ(log->customer_ids.back(), "23570");
  int64_t cents = 0, cds = 0;
  for (const int64_t a : log->amount) cents += a;
  for (const int64_t q : log->quantity) cds += q;
  EXPECT_EQ(cents, 250031563);  // $2,500,315.63, summed exactly by an independent script.
  EXPECT_EQ(cds, 167881);
  EXPECT_EQ(*std::min_element(log->day.begin(), log->day.end()), Day(1997, 1, 1));
  EXPECT_EQ(*std::max_element(log->day.begin(), log->day.end()), Day(1998, 6, 30));
}


// ---------------------------------------------------------------------------
// The parallel reader (TransactionLogOptions::threads): whatever the input, a load cut
// into chunks on several threads equals the sequential load in every field, or fails
// with the same error. The tuning shrinks the sizes so that small inputs are split.

internal::IngestTuning SmallChunks(internal::IngestStats* stats = nullptr,
                                   size_t read_chunk_bytes = size_t{1} << 20) {
  internal::IngestTuning tuning;
  tuning.parallel_min_bytes = 0;
  tuning.parallel_min_chunk_bytes = 1;
  tuning.merge_min_ids_per_thread = 1;
  tuning.read_chunk_bytes = read_chunk_bytes;
  tuning.stats = stats;
  return tuning;
}

absl::StatusOr<TransactionLog> LoadWithThreads(absl::string_view text,
                                               TransactionLogOptions options, unsigned threads,
                                               internal::IngestStats* stats = nullptr) {
  options.threads = threads;
  return internal::LoadTransactionLogFromBufferWith(text, "log.csv", options,
                                                    SmallChunks(stats));
}

// Loads `text` sequentially, then from memory and from a file on 2 to 5 threads, and
// expects the same result. Returns how many of the parallel loads were merged from
// chunks (the others fell back to the sequential load).
int ExpectParallelEqualsSequential(const std::string& text, const TransactionLogOptions& options,
                                   const std::string& what) {
  const auto sequential = LoadWithThreads(text, options, 1);
  const std::string path = WriteTemp("parallel.csv", text);
  int merged = 0;
  for (unsigned threads = 2; threads <= 5; ++threads) {
    internal::IngestStats stats;
    const auto parallel = LoadWithThreads(text, options, threads, &stats);
    ExpectSameLog(parallel, sequential, absl::StrCat(what, ", threads ", threads));
    merged += stats.chunks > 1 ? 1 : 0;
    EXPECT_TRUE(stats.chunks > 1 || stats.fell_back) << what;
    // From a file, read in small pieces so that records also cross reads.
    TransactionLogOptions file_options = options;
    file_options.threads = threads;
    const auto from_file = internal::LoadTransactionLogWith(
        path, file_options, SmallChunks(&stats, 256 + threads * 37));
    if (sequential.ok()) {
      ExpectSameLog(from_file, sequential, absl::StrCat(what, ", file, threads ", threads));
    } else {
      EXPECT_FALSE(from_file.ok()) << what;
      EXPECT_EQ(from_file.status().message(),
                absl::StrReplaceAll(sequential.status().message(), {{"log.csv", path}}))
          << what;
    }
  }
  std::remove(path.c_str());
  return merged;
}

TEST(TransactionLogParallelTest, CdnowMasterWithHeaderAndWithoutInLenientMode) {
  std::ifstream in(std::string(CRMCORE_TEST_DATA_DIR) + "/CDNOW_master.txt", std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  TransactionLogOptions options;
  options.whitespace_delimited = true;
  options.date_format = "%Y%m%d";
  options.amount = ColumnRef::Named("dollar_value");
  options.quantity = ColumnRef::Named("number_of_cds");
  EXPECT_EQ(ExpectParallelEqualsSequential(content, options, "cdnow"), 4);
  // The original layout by position, no header: the header line is a bad row.
  TransactionLogOptions positions;
  positions.whitespace_delimited = true;
  positions.has_header = false;
  positions.customer = ColumnRef::At(1);
  positions.date = ColumnRef::At(2);
  positions.date_format = "%Y%m%d";
  positions.amount = ColumnRef::At(4);
  positions.lenient = true;
  EXPECT_EQ(ExpectParallelEqualsSequential(content, positions, "cdnow by position"), 4);
  const auto log = LoadWithThreads(content, positions, 3);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->size(), 69659u);
  EXPECT_EQ(log->customer_count(), 23570u);
  EXPECT_EQ(log->rows_skipped, 1);
  ASSERT_EQ(log->skipped.size(), 1u);
  EXPECT_EQ(log->skipped[0].line, 1);
  // The public entry point splits only inputs of 8 MiB or more.
  positions.threads = 2;
  internal::IngestStats stats;
  internal::IngestTuning defaults;
  defaults.stats = &stats;
  ASSERT_TRUE(
      internal::LoadTransactionLogFromBufferWith(content, "cdnow", positions, defaults).ok());
  EXPECT_EQ(stats.chunks, 1u);
  EXPECT_FALSE(stats.fell_back);
}

// A generated CSV of `rows` rows whose ids repeat across the file, with CRLF line ends
// when asked.
std::string GeneratedCsv(int rows, bool crlf) {
  const char* eol = crlf ? "\r\n" : "\n";
  std::string text = absl::StrCat("customer_id,date,amount", eol);
  uint64_t state = 99;
  for (int row = 0; row < rows; ++row) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    const uint64_t r = state >> 33;
    absl::StrAppend(&text, "c", r % 700, r % 5 == 0 ? "-long-enough-to-leave-sso" : "",
                    ",2020-0", 1 + r % 9, "-1", r % 10, ",", r % 1000, ".", r % 90 + 10, eol);
  }
  return text;
}

// The byte offsets of the line starts nearest the nominal splits for 2 to 5 chunks,
// and a few lines around each: where a bad row tests the merge hardest.
std::vector<size_t> LinesNearSplits(const std::string& text) {
  std::vector<size_t> starts = {0};
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && i + 1 < text.size()) starts.push_back(i + 1);
  }
  const size_t header_end = starts[1];
  std::vector<size_t> lines;
  for (size_t chunks = 2; chunks <= 5; ++chunks) {
    for (size_t k = 1; k < chunks; ++k) {
      const size_t nominal = header_end + (text.size() - header_end) * k / chunks;
      const size_t at = static_cast<size_t>(
          std::lower_bound(starts.begin(), starts.end(), nominal) - starts.begin());
      for (size_t d = at >= 2 ? at - 2 : 0; d <= at + 1 && d < starts.size(); ++d) {
        if (d >= 1) lines.push_back(d);
      }
    }
  }
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  return lines;
}

TEST(TransactionLogParallelTest, ErrorsAtAndNearChunkBoundaries) {
  for (const bool crlf : {false, true}) {
    const std::string clean = GeneratedCsv(1200, crlf);
    TransactionLogOptions strict;
    EXPECT_EQ(ExpectParallelEqualsSequential(clean, strict, "clean"), 4);
    for (const size_t line : LinesNearSplits(clean)) {
      // Replace the amount of one row (0-based line `line`) by a bad one.
      std::vector<std::string> rows = absl::StrSplit(clean, '\n');
      rows[line] = absl::StrCat(rows[line].substr(0, rows[line].rfind(',')), ",1.2.3",
                                crlf ? "\r" : "");
      const std::string bad = absl::StrJoin(rows, "\n");
      const std::string what = absl::StrCat("bad amount on line ", line + 1, crlf ? " crlf" : "");
      ExpectParallelEqualsSequential(bad, strict, what);
      TransactionLogOptions lenient;
      lenient.lenient = true;
      EXPECT_EQ(ExpectParallelEqualsSequential(bad, lenient, what), 4) << what;
      // A bad row on every 7th line as well: the first max_reported_errors in file order.
      for (size_t i = 5; i < rows.size(); i += 7) rows[i] = "x,2020-02-30,1";
      lenient.max_reported_errors = 3;
      EXPECT_EQ(ExpectParallelEqualsSequential(absl::StrJoin(rows, "\n"), lenient, what), 4)
          << what;
      // A structural error (an unterminated quote) stops lenient loads too.
      rows[line] = "\"open,2020-01-01,1";
      ExpectParallelEqualsSequential(absl::StrJoin(rows, "\n"), lenient, what + " quote");
    }
  }
}

TEST(TransactionLogParallelTest, QuotedNewlinesAcrossSplitsFallBackToSequential) {
  const std::string clean = GeneratedCsv(2000, false);
  std::vector<std::string> rows = absl::StrSplit(clean, '\n');
  // Quoted ids that span many lines, so that some nominal splits land inside one.
  for (size_t i = 10; i + 1 < rows.size(); i += 150) {
    rows[i] = absl::StrCat("\"multi\nline", std::string(40, '\n'), "id", i, "\",2020-01-01,1");
  }
  const std::string text = absl::StrJoin(rows, "\n");
  TransactionLogOptions options;
  ExpectParallelEqualsSequential(text, options, "quoted newlines");
  const auto sequential = LoadWithThreads(text, options, 1);
  ASSERT_TRUE(sequential.ok()) << sequential.status();
  // A split right inside the quoted field: that chunk's loader ends mid-record.
  size_t fell_back = 0;
  for (unsigned threads = 2; threads <= 40; ++threads) {
    internal::IngestStats stats;
    ExpectSameLog(LoadWithThreads(text, options, threads, &stats), sequential,
                  absl::StrCat("threads ", threads));
    fell_back += stats.fell_back ? 1 : 0;
  }
  EXPECT_GT(fell_back, 0u);
}

TEST(TransactionLogParallelTest, DefaultSizesSplitALargeFile) {
  std::string text = GeneratedCsv(500000, false);  // About 13 MB.
  ASSERT_GT(text.size(), size_t{8} << 20);
  const std::string path = WriteTemp("large.csv", text);
  TransactionLogOptions options;
  options.threads = 1;
  const auto sequential = LoadTransactionLog(path, options);
  ASSERT_TRUE(sequential.ok()) << sequential.status();
  options.threads = 2;
  internal::IngestStats stats;
  internal::IngestTuning defaults;
  defaults.stats = &stats;
  int64_t last_progress = 0;
  options.progress = [&](int64_t read, int64_t total) {
    EXPECT_EQ(total, static_cast<int64_t>(text.size()));
    EXPECT_GE(read, last_progress);
    last_progress = read;
  };
  ExpectSameLog(internal::LoadTransactionLogWith(path, options, defaults), sequential, "large");
  EXPECT_EQ(stats.chunks, 2u);
  EXPECT_EQ(last_progress, static_cast<int64_t>(text.size()));
  options.progress = nullptr;
  ExpectSameLog(LoadTransactionLogFromBuffer(text, "log.csv", options), sequential, "large");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace crmcore

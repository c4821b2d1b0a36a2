// Fuzz target: date parsing in the transaction-log ingest (TransactionLogOptions::
// date_format, crmcore/transaction_log.h) and the day-number encoding (ToDayNumber /
// ToCivilDay).
//
// Input layout: byte 0 picks a date_format (% 8: six fixed ones; 6 and 7 read a custom
// format of byte 1 % 16 bytes from the input); the rest, split at '\n', gives up to 8
// date texts, loaded as rows "c<i>,<text>,1" of one lenient load, so the parser's
// month cache sees consecutive dates.
//
// Invariants, checked against an independent reference (a matcher written here and
// absl::CivilDay for the calendar): a text is loaded iff it matches the format and
// names a real day (a row that does not is skipped and counted, never loaded); a loaded
// day is the reference's day number; formatting the day back with the format gives the
// text (round trip); ToCivilDay and ToDayNumber are inverse; errors have messages.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "crmcore/transaction_log.h"
#include "fuzz_common.h"

namespace crmcore::fuzz {
namespace {

// Reference: the day the text names under `format`, or nullopt. Written from the
// documented grammar (%Y 4 digits, %m and %d 2 digits, %% a '%', anything else literal).
std::optional<absl::CivilDay> ReferenceParse(const std::string& format,
                                             absl::string_view text) {
  size_t at = 0;
  int year = -1, month = -1, day = -1;
  const auto digits = [&](size_t count, int& value) {
    if (at + count > text.size()) return false;
    value = 0;
    for (size_t i = 0; i < count; ++i) {
      const char c = text[at + i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    at += count;
    return true;
  };
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%') {
      const char conversion = format[++i];
      if (conversion == 'Y' && !digits(4, year)) return std::nullopt;
      if (conversion == 'm' && !digits(2, month)) return std::nullopt;
      if (conversion == 'd' && !digits(2, day)) return std::nullopt;
      if (conversion == '%' && (at >= text.size() || text[at++] != '%')) return std::nullopt;
    } else if (at >= text.size() || text[at++] != format[i]) {
      return std::nullopt;
    }
  }
  if (at != text.size()) return std::nullopt;
  const absl::CivilDay civil(year, month, day);
  // absl normalizes 2001-02-30 to 2001-03-02: a real day survives unchanged.
  if (civil.year() != year || civil.month() != month || civil.day() != day) return std::nullopt;
  return civil;
}

std::string Format(const std::string& format, absl::CivilDay day) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    switch (format[++i]) {
      case 'Y': out += absl::StrFormat("%04d", day.year()); break;
      case 'm': out += absl::StrFormat("%02d", day.month()); break;
      case 'd': out += absl::StrFormat("%02d", day.day()); break;
      default: out += '%'; break;
    }
  }
  return out;
}

// Bytes that make a field something other than the date text (CSV structure).
bool IsStructural(char c) {
  return c == ',' || c == '"' || c == '\r' || c == '\n' || c == '\0';
}

}  // namespace
}  // namespace crmcore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crmcore;
  using namespace crmcore::fuzz;
  FuzzInput in(data, size);
  static const char* const kFormats[] = {"%Y-%m-%d", "%Y%m%d",   "%d/%m/%Y",
                                         "%m.%d.%Y", "%%%Y|%m|%d", "%d%m%Y"};
  const uint8_t choice = in.Byte() % 8;
  std::string format;
  if (choice < 6) {
    format = kFormats[choice];
  } else {
    const size_t length = in.Byte() % 16;
    for (size_t i = 0; i < length; ++i) format += static_cast<char>(in.Byte());
  }
  const absl::string_view rest = in.Rest();

  TransactionLogOptions options;
  options.has_header = false;
  options.customer = ColumnRef::At(1);
  options.date = ColumnRef::At(2);
  options.amount = ColumnRef::At(3);
  options.lenient = true;
  options.date_format = format;
  const absl::Status valid = options.Validate();
  if (!valid.ok()) {
    CRM_FUZZ_CHECK(valid.code() == absl::StatusCode::kInvalidArgument && !valid.message().empty(),
                   valid.ToString());
    return 0;
  }
  bool clean = true;
  for (const char c : format) clean &= !IsStructural(c);
  std::vector<absl::string_view> texts = absl::StrSplit(rest, '\n');
  if (texts.size() > 8) texts.resize(8);
  std::string csv;
  for (size_t i = 0; i < texts.size(); ++i) {
    for (const char c : texts[i]) clean &= !IsStructural(c);
    absl::StrAppend(&csv, "c", i, ",", texts[i], ",1\n");
  }
  const absl::StatusOr<TransactionLog> log =
      LoadTransactionLogFromBuffer(csv, "dates.csv", options);
  if (!clean) {
    CRM_FUZZ_CHECK(log.ok() || !log.status().message().empty(), "an error without a message");
    return 0;
  }
  std::vector<int32_t> expected;
  for (const absl::string_view text : texts) {
    // The loader trims blanks around a date; the reference sees what the parser sees.
    const std::optional<absl::CivilDay> day =
        ReferenceParse(format, absl::StripAsciiWhitespace(text));
    if (day.has_value()) expected.push_back(ToDayNumber(*day));
  }
  if (expected.empty()) {
    CRM_FUZZ_CHECK(!log.ok() && log.status().code() == absl::StatusCode::kInvalidArgument &&
                       !log.status().message().empty(),
                   absl::StrCat("no valid date, yet: ", log.status().ToString()));
    return 0;
  }
  CRM_FUZZ_CHECK(log.ok(), absl::StrCat("valid dates rejected: ", log.status().ToString()));
  CRM_FUZZ_CHECK(log->day == expected,
                 absl::StrCat("loaded ", log->day.size(), " days, reference ", expected.size(),
                              " (format \"", format, "\")"));
  CRM_FUZZ_CHECK(log->rows_skipped == static_cast<int64_t>(texts.size() - expected.size()),
                 "rows skipped != invalid dates");
  size_t next = 0;
  for (const absl::string_view text : texts) {
    const absl::string_view stripped = absl::StripAsciiWhitespace(text);
    if (!ReferenceParse(format, stripped).has_value()) continue;
    const int32_t day = log->day[next++];
    CRM_FUZZ_CHECK(ToDayNumber(ToCivilDay(day)) == day, "ToCivilDay/ToDayNumber not inverse");
    CRM_FUZZ_CHECK(Format(format, ToCivilDay(day)) == stripped,
                   absl::StrCat("\"", stripped, "\" -> day ", day, " -> \"",
                                Format(format, ToCivilDay(day)), "\""));
  }
  return 0;
}

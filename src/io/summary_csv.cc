#include "crmcore/summary_csv.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crmcore/status.h"
#include "io/transaction_log_fields.h"  // QuotedList

namespace crmcore {
namespace {

// A value as quoted in a message: control bytes escaped (a NUL would end the message
// early in C and a terminal), and cut short when long.
std::string QuotedValue(absl::string_view text) {
  constexpr size_t kMaxQuotedBytes = 80;
  if (text.size() <= kMaxQuotedBytes) return absl::StrCat("\"", absl::CHexEscape(text), "\"");
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMaxQuotedBytes)), "\"... (",
                      text.size(), " bytes)");
}

absl::string_view StripCr(absl::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

absl::string_view FirstLine(absl::string_view text) {
  return StripCr(text.substr(0, text.find('\n')));
}

// Index of the header cell equal to `name`, or -1.
int ColumnIndex(const std::vector<absl::string_view>& header, absl::string_view name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// Splits one line at commas, RFC 4180 style: a field may be quoted ("a, b"), with ""
// for a quote inside. A quoted field's view is its text between the quotes (doubled
// quotes left as they are: only the numeric columns are read, and a quote is never part
// of a number). Records spanning lines are not supported. Error: the 1-based column of
// a quote that is not closed on the line or not followed by a comma.
absl::StatusOr<std::vector<absl::string_view>> SplitLine(absl::string_view line) {
  std::vector<absl::string_view> fields;
  size_t i = 0;
  while (true) {
    if (i < line.size() && line[i] == '"') {
      const size_t open = i++;
      while (true) {
        const size_t close = line.find('"', i);
        if (close == absl::string_view::npos) return absl::InvalidArgumentError(absl::StrCat(open + 1));
        if (close + 1 < line.size() && line[close + 1] == '"') {
          i = close + 2;  // a doubled quote inside the field
          continue;
        }
        fields.push_back(line.substr(open + 1, close - open - 1));
        i = close + 1;
        break;
      }
      if (i < line.size() && line[i] != ',') return absl::InvalidArgumentError(absl::StrCat(i + 1));
    } else {
      const size_t comma = std::min(line.find(',', i), line.size());
      fields.push_back(line.substr(i, comma - i));
      i = comma;
    }
    if (i >= line.size()) return fields;
    ++i;  // past the comma
  }
}

// 1-based byte offset of field `index` within `line`.
size_t FieldColumn(const std::vector<absl::string_view>& fields, size_t index,
                   absl::string_view line) {
  return static_cast<size_t>(fields[index].data() - line.data()) + 1;
}

}  // namespace

bool HasSummaryHeader(absl::string_view text, const SummaryColumnNames& names) {
  const absl::StatusOr<std::vector<absl::string_view>> split = SplitLine(FirstLine(text));
  if (!split.ok()) return false;
  const std::vector<absl::string_view>& header = *split;
  return ColumnIndex(header, names.frequency) >= 0 && ColumnIndex(header, names.recency) >= 0 &&
         ColumnIndex(header, names.T) >= 0;
}

absl::StatusOr<SummaryTable> ParseSummaryCsv(absl::string_view text, absl::string_view source_name,
                                             const SummaryColumnNames& names) {
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  const absl::string_view header_line = StripCr(lines.front());
  // The header's cells follow the rows' quoting rules, so a quoted "id, name" is one cell
  // and the field counts of header and rows compare.
  const absl::StatusOr<std::vector<absl::string_view>> header_split = SplitLine(header_line);
  if (!header_split.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ":1:", header_split.status().message(),
        ": unbalanced quote (a quoted field must close on its line, before a comma)"));
  }
  const std::vector<absl::string_view>& header = *header_split;
  struct Wanted {
    const std::string* name;
    std::vector<double>* column;
    int index = -1;
  };
  SummaryTable table;
  std::vector<Wanted> wanted = {{&names.frequency, &table.frequency},
                                {&names.recency, &table.recency},
                                {&names.T, &table.T}};
  if (!names.monetary_value.empty()) wanted.push_back({&names.monetary_value, &table.monetary_value});
  if (!names.weight.empty()) wanted.push_back({&names.weight, &table.weight});
  for (Wanted& w : wanted) {
    w.index = ColumnIndex(header, *w.name);
    if (w.index < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_name, ":1: no column named \"", *w.name, "\" in the header; its columns are: ",
          internal::QuotedList(header)));
    }
  }
  for (size_t n = 1; n < lines.size(); ++n) {
    const absl::string_view line = StripCr(lines[n]);
    if (line.empty()) continue;
    const int64_t line_number = static_cast<int64_t>(n) + 1;
    absl::StatusOr<std::vector<absl::string_view>> split = SplitLine(line);
    if (!split.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(source_name, ":", line_number, ":",
                                                     split.status().message(),
                                                     ": unbalanced quote (a quoted field must "
                                                     "close on its line, before a comma)"));
    }
    const std::vector<absl::string_view>& fields = *split;
    // Any other count than the header's is an error: a row with an extra field (an
    // unquoted "1,234.56") would otherwise be read shifted, with no word.
    if (fields.size() != header.size()) {
      return absl::InvalidArgumentError(absl::StrCat(source_name, ":", line_number, ": has ",
                                                     fields.size(), " fields, the header has ",
                                                     header.size()));
    }
    for (Wanted& w : wanted) {
      const auto index = static_cast<size_t>(w.index);
      double value = 0;
      if (!absl::SimpleAtod(fields[index], &value) || !std::isfinite(value)) {
        return absl::InvalidArgumentError(absl::StrCat(
            source_name, ":", line_number, ":", FieldColumn(fields, index, line), ": field '",
            *w.name, "': ", QuotedValue(fields[index]), " is not a finite number"));
      }
      // A weight counts customers: a negative one has no meaning.
      if (w.column == &table.weight && value < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            source_name, ":", line_number, ":", FieldColumn(fields, index, line), ": field '",
            *w.name, "': weight ", QuotedValue(fields[index]), " must be >= 0"));
      }
      w.column->push_back(value);
    }
    table.line.push_back(line_number);
  }
  if (table.size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": no data rows after the header"));
  }
  return table;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int error = errno;
    return absl::Status(error == EACCES ? absl::StatusCode::kPermissionDenied
                                        : absl::StatusCode::kNotFound,
                        absl::StrCat("cannot open ", path, ": ", std::strerror(error)));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return std::move(contents).str();
}

absl::StatusOr<SummaryTable> LoadSummaryCsv(const std::string& path,
                                            const SummaryColumnNames& names) {
  CRM_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path));
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": the file is empty"));
  return ParseSummaryCsv(text, path, names);
}

}  // namespace crmcore

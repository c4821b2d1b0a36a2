// The per-field parsers of the transaction-log loader; see transaction_log_fields.h.
#include "io/transaction_log_fields.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace crmcore::internal {

// The text of a value as quoted in messages: escaped, and cut short when long.
std::string QuotedText(absl::string_view text) {
  if (text.size() <= kMaxQuotedTextBytes) {
    return absl::StrCat("\"", absl::CHexEscape(text), "\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMaxQuotedTextBytes)),
                      "\"... (", text.size(), " bytes)");
}

std::string QuotedList(const std::vector<absl::string_view>& cells) {
  std::string list;
  for (const absl::string_view cell : cells) {
    absl::StrAppend(&list, list.empty() ? "" : ", ", "\"", absl::CHexEscape(cell), "\"");
    if (list.size() > kMaxQuotedListBytes) {
      list.resize(kMaxQuotedListBytes);
      absl::StrAppend(&list, "... (", cells.size(), " columns)");
      break;
    }
  }
  return list;
}

}  // namespace crmcore::internal

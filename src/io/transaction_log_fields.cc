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

}  // namespace crmcore::internal

// The customer model (docs/domain.md §1): an identity plus the facts a host already holds.
//
// crmcore owns algorithms, not the host's records: these are plain value types a
// host fills from its own storage. Everything optional is an empty vector or an
// empty std::optional, so a customer that carries only an id and a few
// transactions costs only those. Bulk paths (ingest, the engine) do not use these
// types at all: they work on columns.
#ifndef CRMCORE_CUSTOMER_H_
#define CRMCORE_CUSTOMER_H_

#include <algorithm>
#include <cmath>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "crmcore/money.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"

namespace crmcore {

/// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF).
constexpr bool IsValidUtf8(absl::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t code_point = 0;
    char32_t minimum = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, code_point = lead & 0x1Fu, minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code_point = lead & 0x0Fu, minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code_point = lead & 0x07u, minimum = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto continuation = static_cast<unsigned char>(text[i + k]);
      if ((continuation & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (continuation & 0x3Fu);
    }
    if (code_point < minimum || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

/// A host-supplied customer identity: an opaque UTF-8 string or a 64-bit key (§1).
/// Two ids are equal only if they are the same kind and value ("7" != key 7).
class CustomerId {
 public:
  /// A numeric key, e.g. a database row id.
  static CustomerId FromKey(std::uint64_t key) { return CustomerId(key); }

  /// An opaque text id. Empty text, invalid UTF-8 or an embedded NUL is
  /// InvalidArgument (a host's id must survive a round trip through any file).
  static absl::StatusOr<CustomerId> FromText(absl::string_view text) {
    if (text.empty()) return absl::InvalidArgumentError("customer id: empty text id");
    if (text.find('\0') != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("customer id: text id contains a NUL byte at offset ", text.find('\0')));
    }
    if (!IsValidUtf8(text)) {
      return absl::InvalidArgumentError(
          absl::StrCat("customer id: text id is not valid UTF-8 (", text.size(), " bytes)"));
    }
    return CustomerId(std::string(text));
  }

  bool is_key() const { return std::holds_alternative<std::uint64_t>(value_); }
  /// The numeric key; 0 when this is a text id.
  std::uint64_t key() const { return is_key() ? std::get<std::uint64_t>(value_) : 0; }
  /// The text id; empty when this is a numeric key.
  absl::string_view text() const {
    return is_key() ? absl::string_view() : absl::string_view(std::get<std::string>(value_));
  }
  /// The id as text: the text id itself, or the key in decimal.
  std::string ToString() const { return is_key() ? absl::StrCat(key()) : std::string(text()); }

  friend bool operator==(const CustomerId&, const CustomerId&) = default;
  friend std::strong_ordering operator<=>(const CustomerId& a, const CustomerId& b) {
    return a.value_ <=> b.value_;
  }
  template <typename H>
  friend H AbslHashValue(H h, const CustomerId& id) {
    return H::combine(std::move(h), id.value_);
  }

 private:
  explicit CustomerId(std::uint64_t key) : value_(key) {}
  explicit CustomerId(std::string text) : value_(std::move(text)) {}

  std::variant<std::uint64_t, std::string> value_;
};

/// A typed key/value fact the host attaches to a customer's profile (§1, 八、客户信息).
/// crmcore carries facets and never interprets their values.
struct ProfileFacet {
  std::variant<IndividualFacet, EnterpriseFacet> category;
  std::string key;
  std::string value;
};

/// One purchase (or refund) (§1, §9).
struct Transaction {
  absl::CivilDay date;
  /// Amount paid in minor units. Negative only for a refund (§9).
  Money amount;
  /// Profit on the transaction, where the host knows it.
  std::optional<Money> margin;
  /// The host's sales-channel label ("web", "store 12"); empty when unknown.
  std::string channel;
  /// A refund carries a negative (or zero) amount and is not a purchase.
  bool refund = false;
};

/// A recorded contact or complaint (§1, §7).
struct Interaction {
  absl::CivilDay date;
  InteractionKind kind = InteractionKind::kContact;
  /// For complaints: where the dissatisfaction stands, why, and how far handling got.
  std::optional<ComplaintStage> complaint_stage;
  std::optional<ComplaintCause> complaint_cause;
  std::optional<ComplaintHandlingStep> handling_step;
};

/// A referral the customer made (feeds the advocate rung of the ladder, §4.1).
struct Referral {
  absl::CivilDay date;
  /// The referred customer, where the host knows who it was.
  std::optional<CustomerId> referred;
};

/// One survey response (§1, §3): expectation A, perception B, and an NPS-style
/// 0–10 would-recommend score; any may be absent.
struct SurveyAnswer {
  absl::CivilDay date;
  std::optional<double> expectation;
  std::optional<double> perception;
  std::optional<int> recommend_score;
};

/// Checks one transaction against §9's rules; the message names the field and value.
inline absl::Status ValidateTransaction(const Transaction& t) {
  if (!t.refund && t.amount.is_negative()) {
    return absl::InvalidArgumentError(
        absl::StrCat("transaction on ", absl::FormatCivilTime(t.date), ": amount ",
                     FormatMoney(t.amount), " is negative but the transaction is not a refund"));
  }
  if (t.refund && t.amount.minor_units() > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("transaction on ", absl::FormatCivilTime(t.date), ": refund amount ",
                     FormatMoney(t.amount), " must be <= 0"));
  }
  return absl::OkStatus();
}

/// Checks one survey answer: expectation > 0 and perception finite (§3.1), score 0–10.
inline absl::Status ValidateSurveyAnswer(const SurveyAnswer& s) {
  const std::string when = absl::FormatCivilTime(s.date);
  if (s.expectation && !(std::isfinite(*s.expectation) && *s.expectation > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("survey answer on ", when,
                                                   ": expectation must be finite and > 0, got ",
                                                   *s.expectation));
  }
  if (s.perception && !std::isfinite(*s.perception)) {
    return absl::InvalidArgumentError(absl::StrCat("survey answer on ", when,
                                                   ": perception must be finite, got ",
                                                   *s.perception));
  }
  if (s.recommend_score && (*s.recommend_score < 0 || *s.recommend_score > 10)) {
    return absl::InvalidArgumentError(absl::StrCat("survey answer on ", when,
                                                   ": recommend score must be in 0..10, got ",
                                                   *s.recommend_score));
  }
  return absl::OkStatus();
}

/// A customer: identity, kind, what the host attached, and its history (§1).
///
/// Histories are appended through the Add* functions, which validate each record
/// so that a Customer never holds a fact the domain rules forbid. Host-assigned
/// classifications (§2.4–2.12) are optional: crmcore has no default rule for them.
class Customer {
 public:
  Customer(CustomerId id, CustomerKind kind) : id_(std::move(id)), kind_(kind) {}

  const CustomerId& id() const { return id_; }
  CustomerKind kind() const { return kind_; }

  // Host-assigned classifications; absent until the host sets them.
  std::optional<CustomerSource> source;
  std::optional<InformationChannel> information_channel;
  std::optional<RelationshipNature> relationship_nature;
  std::optional<ReactionType> reaction_type;
  std::optional<NeedSegment> need_segment;
  std::optional<RelationshipType> relationship_type;
  std::optional<CommunicationStyle> communication_style;
  std::optional<RelationshipBond> relationship_bond;

  /// Attaches a facet. An individual's facet on an enterprise (or the reverse), an
  /// undeclared category value or an empty key is InvalidArgument.
  absl::Status AddFacet(ProfileFacet facet) {
    const bool individual_facet = std::holds_alternative<IndividualFacet>(facet.category);
    if (individual_facet != (kind_ == CustomerKind::kIndividual)) {
      return absl::InvalidArgumentError(
          absl::StrCat("customer ", id_.ToString(), ": facet \"", facet.key, "\" is an ",
                       individual_facet ? "individual" : "enterprise", " facet but the customer is ",
                       LabelEn(kind_)));
    }
    const bool valid_category =
        individual_facet ? IsValid(std::get<IndividualFacet>(facet.category))
                         : IsValid(std::get<EnterpriseFacet>(facet.category));
    if (!valid_category) {
      return absl::InvalidArgumentError(absl::StrCat("customer ", id_.ToString(), ": facet \"",
                                                     facet.key, "\" has an unknown category"));
    }
    if (facet.key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("customer ", id_.ToString(), ": facet key is empty"));
    }
    facets_.push_back(std::move(facet));
    return absl::OkStatus();
  }

  /// Appends a transaction after ValidateTransaction().
  absl::Status AddTransaction(Transaction t) {
    if (absl::Status s = ValidateTransaction(t); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("customer ", id_.ToString(), ": ", s.message()));
    }
    transactions_.push_back(std::move(t));
    return absl::OkStatus();
  }

  /// Appends an interaction; complaint details on a plain contact, or undeclared
  /// enum values, are InvalidArgument.
  absl::Status AddInteraction(Interaction interaction) {
    const bool has_complaint_details = interaction.complaint_stage || interaction.complaint_cause ||
                                       interaction.handling_step;
    if (!IsValid(interaction.kind) ||
        (interaction.complaint_stage && !IsValid(*interaction.complaint_stage)) ||
        (interaction.complaint_cause && !IsValid(*interaction.complaint_cause)) ||
        (interaction.handling_step && !IsValid(*interaction.handling_step))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "customer ", id_.ToString(), ": interaction on ", absl::FormatCivilTime(interaction.date),
          " has an unknown enum value"));
    }
    if (interaction.kind == InteractionKind::kContact && has_complaint_details) {
      return absl::InvalidArgumentError(absl::StrCat(
          "customer ", id_.ToString(), ": contact on ", absl::FormatCivilTime(interaction.date),
          " carries complaint details; record it as a complaint"));
    }
    interactions_.push_back(std::move(interaction));
    return absl::OkStatus();
  }

  /// Appends a referral; referring oneself is InvalidArgument.
  absl::Status AddReferral(Referral referral) {
    if (referral.referred && *referral.referred == id_) {
      return absl::InvalidArgumentError(
          absl::StrCat("customer ", id_.ToString(), ": a customer cannot refer itself"));
    }
    referrals_.push_back(std::move(referral));
    return absl::OkStatus();
  }

  /// Appends a survey answer after ValidateSurveyAnswer().
  absl::Status AddSurveyAnswer(SurveyAnswer answer) {
    if (absl::Status s = ValidateSurveyAnswer(answer); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("customer ", id_.ToString(), ": ", s.message()));
    }
    survey_answers_.push_back(std::move(answer));
    return absl::OkStatus();
  }

  const std::vector<ProfileFacet>& facets() const { return facets_; }
  const std::vector<Transaction>& transactions() const { return transactions_; }
  const std::vector<Interaction>& interactions() const { return interactions_; }
  const std::vector<Referral>& referrals() const { return referrals_; }
  const std::vector<SurveyAnswer>& survey_answers() const { return survey_answers_; }

  /// Number of purchases (refunds excluded).
  std::int64_t PurchaseCount() const {
    std::int64_t count = 0;
    for (const Transaction& t : transactions_) count += t.refund ? 0 : 1;
    return count;
  }

  /// Number of distinct days with a purchase: the unit the lifetime models count
  /// (several purchases on one day are one transaction occasion; Fader–Hardie).
  std::int64_t PurchaseDayCount() const {
    std::vector<absl::CivilDay> days;
    for (const Transaction& t : transactions_) {
      if (!t.refund) days.push_back(t.date);
    }
    std::sort(days.begin(), days.end());
    return static_cast<std::int64_t>(std::unique(days.begin(), days.end()) - days.begin());
  }

  /// Date of the first and last purchase; nullopt when there is none.
  std::optional<absl::CivilDay> FirstPurchase() const { return PurchaseDate(/*last=*/false); }
  std::optional<absl::CivilDay> LastPurchase() const { return PurchaseDate(/*last=*/true); }

  /// Net spend (purchases plus refunds) as an exact 128-bit total.
  absl::StatusOr<MoneyTotal> NetSpend() const {
    MoneyTotal total;
    for (const Transaction& t : transactions_) CRM_RETURN_IF_ERROR(total.Add(t.amount));
    return total;
  }

  /// Number of complaints recorded.
  std::int64_t ComplaintCount() const {
    std::int64_t count = 0;
    for (const Interaction& i : interactions_) count += i.kind == InteractionKind::kComplaint;
    return count;
  }

 private:
  std::optional<absl::CivilDay> PurchaseDate(bool last) const {
    std::optional<absl::CivilDay> found;
    for (const Transaction& t : transactions_) {
      if (t.refund) continue;
      if (!found || (last ? t.date > *found : t.date < *found)) found = t.date;
    }
    return found;
  }

  CustomerId id_;
  CustomerKind kind_;
  std::vector<ProfileFacet> facets_;
  std::vector<Transaction> transactions_;
  std::vector<Interaction> interactions_;
  std::vector<Referral> referrals_;
  std::vector<SurveyAnswer> survey_answers_;
};

}  // namespace crmcore

#endif  // CRMCORE_CUSTOMER_H_

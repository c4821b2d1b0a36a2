// Relationship stage of a customer (docs/domain.md §2.1, 按客户与企业的关系所处的阶段):
// non-customer 非客户, potential 潜在客户, target 目标客户, current 现实客户, lost 流失客户.
//
// The course material names the stages but gives no rule; crmcore supplies the default
// rule of docs/domain.md §2.1, configurable through RelationshipStageRule.
#ifndef CRMCORE_RELATIONSHIP_STAGE_H_
#define CRMCORE_RELATIONSHIP_STAGE_H_

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"

namespace crmcore {

namespace relationship_stage_internal {

inline bool IsProbability(double p) { return std::isfinite(p) && p >= 0.0 && p <= 1.0; }

}  // namespace relationship_stage_internal

/// What the host knows about one customer's relationship with the firm. The activity
/// window (e.g. the last 12 months) is the host's choice; `purchases_in_window` counts the
/// purchases inside it.
struct RelationshipFacts {
  /// The firm has been in contact with the person (a campaign reply, a visit, a call).
  bool contacted = false;
  /// The person has a need for the firm's product (qualification, part 1).
  bool has_need = false;
  /// The person has the ability — budget and authority — to buy (qualification, part 2).
  bool has_ability = false;
  /// Purchases inside the activity window; >= 0 and <= purchases_ever.
  int64_t purchases_in_window = 0;
  /// Purchases over the whole relationship; >= 0.
  int64_t purchases_ever = 0;
  /// Probability that the customer is still active, e.g. BG/NBD P(alive) (docs/domain.md §6.3,
  /// Fader, Hardie & Lee 2005); empty when no model has been fitted. In [0, 1].
  std::optional<double> p_alive;
};

/// Thresholds of the default relationship-stage rule (docs/domain.md §2.1).
struct RelationshipStageRule {
  /// A customer with purchase history whose P(alive) is below this is lost, even with a
  /// purchase inside the window.
  ///
  /// Default 0.5: below it the model says the customer has more likely dropped out than
  /// not, the decision boundary that weighs a wrongly written-off customer and a missed
  /// churner equally. Hosts for whom a false "lost" is costlier lower it (e.g. 0.1);
  /// 0 switches the P(alive) test off.
  double lost_p_alive_below = 0.5;

  /// OK when `lost_p_alive_below` is finite and in [0, 1].
  absl::Status Validate() const {
    if (!relationship_stage_internal::IsProbability(lost_p_alive_below)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "relationship stage rule: lost_p_alive_below must be finite and in [0, 1], got ",
          FormatDouble(lost_p_alive_below)));
    }
    return absl::OkStatus();
  }
};

namespace relationship_stage_internal {

inline absl::Status ValidateFacts(const RelationshipFacts& facts) {
  if (facts.purchases_ever < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "relationship stage: purchases_ever must be >= 0, got ", facts.purchases_ever));
  }
  if (facts.purchases_in_window < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "relationship stage: purchases_in_window must be >= 0, got ", facts.purchases_in_window));
  }
  if (facts.purchases_in_window > facts.purchases_ever) {
    return absl::InvalidArgumentError(absl::StrCat(
        "relationship stage: purchases_in_window (", facts.purchases_in_window,
        ") must not exceed purchases_ever (", facts.purchases_ever, ")"));
  }
  if (facts.p_alive.has_value() && !IsProbability(*facts.p_alive)) {
    return absl::InvalidArgumentError(
        absl::StrCat("relationship stage: p_alive must be finite and in [0, 1], got ",
                     FormatDouble(*facts.p_alive)));
  }
  return absl::OkStatus();
}

}  // namespace relationship_stage_internal

/// Classifies a customer's relationship stage by the default rule of docs/domain.md §2.1:
///
///   1. Purchase history decides first. With purchases_ever > 0 the customer is
///      lost when there is no purchase in the window, or when P(alive) is given and below
///      `rule.lost_p_alive_below`; otherwise current. The P(alive) test overrides a
///      purchase in the window on purpose: with no purchase in the window the customer is
///      lost anyway, so that is the only case where the model adds anything (a long
///      window can hold an old purchase of a customer who has since stopped buying).
///      The pre-purchase flags are not consulted: a purchase implies contact and
///      qualification, and hosts often do not record contact for walk-in buyers.
///   2. Without purchases: not contacted → non-customer; contacted but not qualified
///      (lacking need or ability) → potential; contacted and qualified → target.
///      P(alive) is ignored here: a person who never bought cannot be lost.
///
/// Errors: InvalidArgument for negative counts, purchases_in_window > purchases_ever, a
/// p_alive that is NaN or outside [0, 1], or a rule that fails Validate().
inline absl::StatusOr<RelationshipStage> ClassifyRelationshipStage(
    const RelationshipFacts& facts, const RelationshipStageRule& rule = {}) {
  CRM_RETURN_IF_ERROR(rule.Validate());
  CRM_RETURN_IF_ERROR(relationship_stage_internal::ValidateFacts(facts));
  if (facts.purchases_ever > 0) {
    const bool bought_in_window = facts.purchases_in_window > 0;
    const bool model_says_gone =
        facts.p_alive.has_value() && *facts.p_alive < rule.lost_p_alive_below;
    return bought_in_window && !model_says_gone ? RelationshipStage::kCurrent
                                                : RelationshipStage::kLost;
  }
  if (!facts.contacted) return RelationshipStage::kNonCustomer;
  const bool qualified = facts.has_need && facts.has_ability;
  return qualified ? RelationshipStage::kTarget : RelationshipStage::kPotential;
}

}  // namespace crmcore

#endif  // CRMCORE_RELATIONSHIP_STAGE_H_

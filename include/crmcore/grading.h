// Grading management (客户的分级管理, docs/domain.md §8): what to do with a customer given its
// value tier (§2.2), whether it can move up a tier, and whether it is a bad customer.
#ifndef CRMCORE_GRADING_H_
#define CRMCORE_GRADING_H_

#include "absl/strings/string_view.h"
#include "crmcore/taxonomy.h"

namespace crmcore {

/// The action §8 prescribes:
///   bad customer (any tier)                       -> exit 坚决淘汰
///   VIP or major (key customers 关键客户)          -> dedicated service 集中资源, 专门服务
///   ordinary, can upgrade / cannot                -> develop 培养升级 / reduce service 减少服务
///   small, can upgrade / cannot                   -> help grow 帮助成长 / polite exit 礼貌淘汰
/// "Bad" wins over every tier: a customer who defaults, defrauds or drains the firm is to be
/// exited whatever it earns today (§8: "bad customers: exit").
/// Precondition: `tier` is a declared ValueTier (convert host ints with
/// FromValue<ValueTier>()); an undeclared tier is treated like a small customer.
constexpr GradingAction RecommendAction(ValueTier tier, bool can_upgrade, bool is_bad_customer) {
  if (is_bad_customer) return GradingAction::kExit;
  switch (tier) {
    case ValueTier::kVip:
    case ValueTier::kMajor:
      return GradingAction::kDedicatedService;
    case ValueTier::kOrdinary:
      return can_upgrade ? GradingAction::kDevelop : GradingAction::kReduceService;
    case ValueTier::kSmall:
      break;
  }
  return can_upgrade ? GradingAction::kHelpGrow : GradingAction::kPoliteExit;
}

/// What the action means in practice (§8), in English; "invalid" for an undeclared value.
constexpr absl::string_view GradingActionDescriptionEn(GradingAction action) {
  switch (action) {
    case GradingAction::kDedicatedService:
      return "Key customer: concentrate resources on them and serve them through a dedicated "
             "team, keeping close contact.";
    case GradingAction::kDevelop:
      return "Ordinary customer with upgrade potential: invest in developing them toward a "
             "key customer.";
    case GradingAction::kReduceService:
      return "Ordinary customer without upgrade potential: reduce service to what they pay "
             "for, lowering the cost to serve.";
    case GradingAction::kHelpGrow:
      return "Small customer with upgrade potential: help them grow into a larger customer.";
    case GradingAction::kPoliteExit:
      return "Small customer without upgrade potential: exit politely, by raising prices and "
             "lowering the cost to serve.";
    case GradingAction::kExit:
      return "Bad customer: end the relationship.";
  }
  return "invalid";
}

/// What the action means in practice (§8), in Chinese (UTF-8); "invalid" for an undeclared
/// value.
constexpr absl::string_view GradingActionDescriptionZh(GradingAction action) {
  switch (action) {
    case GradingAction::kDedicatedService:
      return "关键客户：集中优势资源，设立专门机构提供专门服务，密切双方关系";
    case GradingAction::kDevelop:
      return "有升级潜力的普通客户：努力培养，促其升级为关键客户";
    case GradingAction::kReduceService:
      return "无升级潜力的普通客户：减少服务，降低服务成本";
    case GradingAction::kHelpGrow:
      return "有升级潜力的小客户：帮助其成长";
    case GradingAction::kPoliteExit:
      return "无升级潜力的小客户：提高服务价格、降低服务成本，礼貌淘汰";
    case GradingAction::kExit:
      return "劣质客户：坚决淘汰";
  }
  return "invalid";
}

}  // namespace crmcore

#endif  // CRMCORE_GRADING_H_

// Profitability quadrants and their strategies (客户区隔的策略, docs/domain.md §2.8).
#ifndef CRMCORE_PROFITABILITY_H_
#define CRMCORE_PROFITABILITY_H_

#include <cmath>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"

namespace crmcore {

/// Thresholds of the profitability quadrants (default rule: the material names the four
/// quadrants but gives no numbers). Both are in the unit of the profit the host passes.
///
///   profit >= high_profit          -> highly profitable 最赚钱客户
///   0 < profit < high_profit       -> profitable 次赚钱客户
///   -high_loss <= profit <= 0      -> unprofitable 不赚钱客户 (earns nothing)
///   profit < -high_loss            -> highly unprofitable 赔钱客户 (loses money)
///
/// A zero profit is unprofitable: the customer earns nothing (不赚钱). The defaults read
/// profit as a profit index, profit ÷ mean profit per customer: high_profit = 1.0 makes
/// "highly profitable" mean at least an average customer's profit, and high_loss = 0 makes
/// every loss-making customer highly unprofitable (赔钱, literally "loses money"). Hosts
/// passing currency amounts set both in that currency; a high_loss > 0 treats small losses
/// as break-even noise.
struct ProfitabilityThresholds {
  double high_profit = 1.0;
  double high_loss = 0.0;

  /// InvalidArgument when high_profit is not finite and > 0, or high_loss is not finite
  /// and >= 0 (the message names the threshold and its value).
  absl::Status Validate() const {
    if (!std::isfinite(high_profit) || !(high_profit > 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "profitability: high_profit must be finite and > 0, got ", FormatDouble(high_profit)));
    }
    if (!std::isfinite(high_loss) || !(high_loss >= 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "profitability: high_loss must be finite and >= 0, got ", FormatDouble(high_loss)));
    }
    return absl::OkStatus();
  }
};

/// Classifies a customer's profit into a quadrant of §2.8 by the rule of
/// ProfitabilityThresholds.
///
/// Errors: InvalidArgument for invalid thresholds or a non-finite profit (value named).
inline absl::StatusOr<ProfitabilityQuadrant> ClassifyProfitability(
    double profit, const ProfitabilityThresholds& thresholds = {}) {
  CRM_RETURN_IF_ERROR(thresholds.Validate());
  if (!std::isfinite(profit)) {
    return absl::InvalidArgumentError(absl::StrCat("profitability: profit must be finite, got ",
                                                   FormatDouble(profit)));
  }
  if (profit >= thresholds.high_profit) return ProfitabilityQuadrant::kHighlyProfitable;
  if (profit > 0.0) return ProfitabilityQuadrant::kProfitable;
  if (profit >= -thresholds.high_loss) return ProfitabilityQuadrant::kUnprofitable;
  return ProfitabilityQuadrant::kHighlyUnprofitable;
}

/// The recommended strategy for a quadrant (§2.8), in English; "invalid" for an undeclared
/// value.
constexpr absl::string_view QuadrantStrategyEn(ProfitabilityQuadrant quadrant) {
  switch (quadrant) {
    case ProfitabilityQuadrant::kHighlyProfitable:
      return "Keep the relationship, grow their contribution, and lose none of them.";
    case ProfitabilityQuadrant::kProfitable:
      return "Build products for their needs and raise them to a higher grade.";
    case ProfitabilityQuadrant::kUnprofitable:
      return "Cut the cost to serve them; follow a passive strategy.";
    case ProfitabilityQuadrant::kHighlyUnprofitable:
      return "Analyse their potential and consider exiting the relationship.";
  }
  return "invalid";
}

/// The recommended strategy for a quadrant (§2.8), in Chinese (UTF-8); "invalid" for an
/// undeclared value.
constexpr absl::string_view QuadrantStrategyZh(ProfitabilityQuadrant quadrant) {
  switch (quadrant) {
    case ProfitabilityQuadrant::kHighlyProfitable:
      return "保持关系，提升其贡献，一个也不能流失";
    case ProfitabilityQuadrant::kProfitable:
      return "针对其需求开发产品，提升其等级";
    case ProfitabilityQuadrant::kUnprofitable:
      return "降低服务成本，采取消极策略";
    case ProfitabilityQuadrant::kHighlyUnprofitable:
      return "分析其潜力，考虑淘汰";
  }
  return "invalid";
}

}  // namespace crmcore

#endif  // CRMCORE_PROFITABILITY_H_

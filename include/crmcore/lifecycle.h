// Customer lifecycle stage (docs/domain.md §6.1, 客户生命周期): exploration 考察期,
// formation 形成期, stability 稳定期, decline 退化期 — and the management phase each stage
// calls for.
//
// The course material names the stages and says they follow "the trend of purchase
// frequency/amount over recent periods", but gives no rule; crmcore supplies the default
// rule below, configurable through LifecycleRule. The four stages are the buyer–seller
// relationship-development phases of Dwyer, Schurr & Oh (1987), "Developing Buyer-Seller
// Relationships", Journal of Marketing 51(2): exploration (trial purchases, the parties
// test each other), expansion (the relationship grows: our formation), commitment (a
// stable, durable exchange: our stability) and dissolution (our decline).
#ifndef CRMCORE_LIFECYCLE_H_
#define CRMCORE_LIFECYCLE_H_

#include <cmath>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"

namespace crmcore {

/// What the host knows about one customer's recent buying, measured in periods of the
/// host's choice (weeks, months) up to the observation end.
///
/// The two counts split a trailing window of `LifecycleRule::window_periods` periods in two
/// equal halves: `recent_occasions` counts purchase occasions in the last window/2 periods,
/// `earlier_occasions` those in the window/2 periods before them. Comparing two halves of
/// equal length measures the trend without assuming a seasonality or a model.
struct LifecycleFacts {
  /// Periods from the customer's first purchase to the observation end; finite and >= 0.
  double tenure_periods = 0.0;
  /// Purchase occasions in the most recent window/2 periods; >= 0.
  int64_t recent_occasions = 0;
  /// Purchase occasions in the window/2 periods before those; >= 0.
  int64_t earlier_occasions = 0;
};

/// Thresholds of the default lifecycle rule (docs/domain.md §6.1); see ClassifyLifecycleStage().
struct LifecycleRule {
  /// A customer whose tenure is below this many periods is still in exploration.
  ///
  /// Default 1: during the first period every purchase is a trial and there is no earlier
  /// half to compare against, so no trend can be read yet. 0 switches exploration off.
  double exploration_max_tenure = 1.0;

  /// The relationship is forming (growing) when recent >= growth_ratio · earlier.
  ///
  /// Default 1.5: half as many purchases again as in the half-window before is a clear rise;
  /// a smaller step (one purchase more out of several) is within ordinary period-to-period
  /// noise and reads as stable. Must be > 1, so a flat count is never growth.
  double growth_ratio = 1.5;

  /// The relationship is declining when recent <= decline_ratio · earlier.
  ///
  /// Default 0.5: buying at most half as often as before. Stricter than the mirror image of
  /// growth_ratio (1 / 1.5 = 2/3) on purpose: a quiet period is common among stable
  /// customers, so only a large drop is called decline. Must be in [0, 1), so a flat count
  /// is never decline; 0 leaves only "no recent purchase" as decline.
  double decline_ratio = 0.5;

  /// Length of the trailing window in periods; the halves the facts count over are
  /// window_periods / 2 long. Even and >= 2. ClassifyLifecycleStage() does not read it (the
  /// facts are already counted); it is part of the rule so that whoever counts the facts
  /// and whoever classifies them share one validated definition.
  ///
  /// Default 4: the last two periods against the two before them (with quarters, the last
  /// half-year against the one before), long enough that one quiet period does not decide
  /// the trend, short enough to notice a change within a year.
  int window_periods = 4;

  /// OK when every threshold is finite, exploration_max_tenure >= 0,
  /// 0 <= decline_ratio < 1 < growth_ratio, and window_periods is even and >= 2.
  absl::Status Validate() const {
    if (!std::isfinite(exploration_max_tenure) || exploration_max_tenure < 0.0) {
      return absl::InvalidArgumentError(
          absl::StrCat("lifecycle rule: exploration_max_tenure must be finite and >= 0, got ",
                       FormatDouble(exploration_max_tenure)));
    }
    if (!std::isfinite(growth_ratio) || !(growth_ratio > 1.0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "lifecycle rule: growth_ratio must be finite and > 1, got ", FormatDouble(growth_ratio)));
    }
    if (!std::isfinite(decline_ratio) || decline_ratio < 0.0 || !(decline_ratio < 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("lifecycle rule: decline_ratio must be finite and in [0, 1), got ",
                       FormatDouble(decline_ratio)));
    }
    if (window_periods < 2 || window_periods % 2 != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "lifecycle rule: window_periods must be even and >= 2, got ", window_periods));
    }
    return absl::OkStatus();
  }
};

namespace lifecycle_internal {

inline absl::Status ValidateFacts(const LifecycleFacts& facts) {
  if (!std::isfinite(facts.tenure_periods) || facts.tenure_periods < 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("lifecycle stage: tenure_periods must be finite and >= 0, got ",
                     FormatDouble(facts.tenure_periods)));
  }
  if (facts.recent_occasions < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lifecycle stage: recent_occasions must be >= 0, got ", facts.recent_occasions));
  }
  if (facts.earlier_occasions < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lifecycle stage: earlier_occasions must be >= 0, got ", facts.earlier_occasions));
  }
  return absl::OkStatus();
}

// The sign of ratio · earlier − recent, exactly: one fused multiply-add rounds once, and
// rounding never changes the sign of a result (0 is representable). Exact for counts
// below 2^53; a plain `recent >= ratio * earlier` could round the product onto `recent`.
inline double RatioTimesEarlierMinusRecent(double ratio, int64_t earlier, int64_t recent) {
  return std::fma(ratio, static_cast<double>(earlier), -static_cast<double>(recent));
}

}  // namespace lifecycle_internal

/// Classifies a customer's lifecycle stage by the default rule of docs/domain.md §6.1, the
/// first test that holds deciding:
///
///   1. tenure_periods < exploration_max_tenure               → exploration 考察期
///      (still being tried out; no earlier half to compare with yet)
///   2. recent_occasions == 0                                  → decline 退化期
///      (stopped buying, whatever came before)
///   3. recent_occasions >= growth_ratio · earlier_occasions   → formation 形成期
///      (buying more than before; includes earlier == 0, a customer who has just started
///      buying regularly)
///   4. recent_occasions <= decline_ratio · earlier_occasions  → decline 退化期
///   5. otherwise                                              → stability 稳定期
///
/// The comparisons in 3 and 4 are exact (see lifecycle_internal) for counts below 2^53.
/// Occasion counts, not amounts, carry the trend: amounts are skewed by one large order,
/// while the frequency of buying is what Dwyer, Schurr & Oh's phases describe.
///
/// Errors: InvalidArgument for a rule that fails Validate(), a NaN, infinite or negative
/// tenure, or a negative count.
inline absl::StatusOr<LifecycleStage> ClassifyLifecycleStage(const LifecycleFacts& facts,
                                                             const LifecycleRule& rule = {}) {
  CRM_RETURN_IF_ERROR(rule.Validate());
  CRM_RETURN_IF_ERROR(lifecycle_internal::ValidateFacts(facts));
  using lifecycle_internal::RatioTimesEarlierMinusRecent;
  if (facts.tenure_periods < rule.exploration_max_tenure) return LifecycleStage::kExploration;
  if (facts.recent_occasions == 0) return LifecycleStage::kDecline;
  if (RatioTimesEarlierMinusRecent(rule.growth_ratio, facts.earlier_occasions,
                                   facts.recent_occasions) <= 0.0) {
    return LifecycleStage::kFormation;
  }
  if (RatioTimesEarlierMinusRecent(rule.decline_ratio, facts.earlier_occasions,
                                   facts.recent_occasions) >= 0.0) {
    return LifecycleStage::kDecline;
  }
  return LifecycleStage::kStability;
}

/// The management phase (§6.1: attract 吸引, acquire 获得, manage 管理, retain 挽留) that a
/// lifecycle stage calls for:
///   exploration → acquire  (trial buyers are won over into a relationship)
///   formation   → manage   (a growing relationship is developed: cross- and up-selling)
///   stability   → manage   (a committed customer is served and kept profitable)
///   decline     → retain   (a customer buying less is won back before being lost)
/// No stage maps to attract: the lifecycle starts at the first purchase, and attracting
/// is the work done on non-customers before it (§2.1's non-customer/potential/target).
/// Precondition: a declared LifecycleStage; an undeclared value maps to retain.
constexpr ManagementPhase ManagementPhaseFor(LifecycleStage stage) {
  switch (stage) {
    case LifecycleStage::kExploration:
      return ManagementPhase::kAcquire;
    case LifecycleStage::kFormation:
    case LifecycleStage::kStability:
      return ManagementPhase::kManage;
    case LifecycleStage::kDecline:
      break;
  }
  return ManagementPhase::kRetain;
}

}  // namespace crmcore

#endif  // CRMCORE_LIFECYCLE_H_

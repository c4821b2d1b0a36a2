// Loyalty (docs/domain.md §4) and the loyalty class of §2.3.
//
// Four tools, each a pure function of facts the host already holds:
//   - the loyalty ladder (Griffin, §4.1): which rung a customer stands on, and the
//     funnel of a population across the rungs with rung-to-rung conversion;
//   - the four loyalty levels (§4.2) and their basis;
//   - the loyalty index (§4.3): a weighted combination of seven normalized indicators;
//   - the loyalty class (§2.3): not-yet-customer / new / regular / long-standing / loyal.
//
// Every default rule lives in a plain struct of thresholds with documented defaults and a
// `Validate()`, so a host can replace any threshold without recompiling.
#ifndef CRMCORE_LOYALTY_H_
#define CRMCORE_LOYALTY_H_

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crmcore/status.h"
#include "crmcore/indicator_index.h"
#include "crmcore/taxonomy.h"
#include "crmcore/weights.h"

namespace crmcore {

// ---------------------------------------------------------------------------
// The loyalty ladder (客户忠诚度阶梯, Jill Griffin; docs/domain.md §4.1)

/// What the host knows about one customer, as the ladder's default rule reads it.
///
/// `active_periods_in_window` counts how many of the last `LadderRule::client_window_periods`
/// periods (the current one included) hold at least one purchase; `survey_score` is an
/// NPS-style answer on 0..10, absent when the customer was never surveyed.
struct LadderFacts {
  bool qualified_need = false;     // the customer needs what the firm sells
  bool qualified_ability = false;  // ...and can pay for it
  bool disqualified_flag = false;  // the host screened the customer out
  int64_t purchase_count = 0;
  int active_periods_in_window = 0;
  int64_t referrals = 0;  // customers this one referred to the firm
  std::optional<int> survey_score = std::nullopt;
};

/// Thresholds of the ladder's default rule (docs/domain.md §4.1). The defaults are the
/// material's: purchases in at least 3 of the last 4 periods make a client; a client
/// who referred at least one customer, or who answers 9 or 10 on the NPS scale (a
/// "promoter", Reichheld 2003, "The One Number You Need to Grow"), is an advocate.
struct LadderRule {
  int client_min_active_periods = 3;
  int client_window_periods = 4;
  int promoter_min_score = 9;
  int64_t advocate_min_referrals = 1;

  /// OK when 1 <= client_min_active_periods <= client_window_periods,
  /// 0 <= promoter_min_score <= 10 and advocate_min_referrals >= 1 (zero would make
  /// every client an advocate). InvalidArgument naming the field otherwise.
  absl::Status Validate() const {
    if (client_window_periods < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "loyalty ladder: client_window_periods must be >= 1, got ", client_window_periods));
    }
    if (client_min_active_periods < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("loyalty ladder: client_min_active_periods must be >= 1, got ",
                       client_min_active_periods));
    }
    if (client_min_active_periods > client_window_periods) {
      return absl::InvalidArgumentError(absl::StrCat(
          "loyalty ladder: client_min_active_periods must be <= client_window_periods (",
          client_window_periods, "), got ", client_min_active_periods));
    }
    if (promoter_min_score < 0 || promoter_min_score > 10) {
      return absl::InvalidArgumentError(absl::StrCat(
          "loyalty ladder: promoter_min_score must be in [0, 10], got ", promoter_min_score));
    }
    if (advocate_min_referrals < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "loyalty ladder: advocate_min_referrals must be >= 1, got ", advocate_min_referrals));
    }
    return absl::OkStatus();
  }
};

namespace loyalty_internal {

// Facts that cannot describe a real customer are rejected rather than guessed at.
inline absl::Status ValidateLadderFacts(const LadderFacts& facts, const LadderRule& rule) {
  if (facts.purchase_count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("loyalty ladder: purchase_count must be >= 0, got ", facts.purchase_count));
  }
  if (facts.referrals < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("loyalty ladder: referrals must be >= 0, got ", facts.referrals));
  }
  if (facts.active_periods_in_window < 0 ||
      facts.active_periods_in_window > rule.client_window_periods) {
    return absl::InvalidArgumentError(absl::StrCat(
        "loyalty ladder: active_periods_in_window must be in [0, client_window_periods = ",
        rule.client_window_periods, "], got ", facts.active_periods_in_window));
  }
  // Each active period holds at least one purchase.
  if (facts.active_periods_in_window > facts.purchase_count) {
    return absl::InvalidArgumentError(
        absl::StrCat("loyalty ladder: active_periods_in_window must be <= purchase_count (",
                     facts.purchase_count, "), got ", facts.active_periods_in_window));
  }
  if (facts.survey_score.has_value() && (*facts.survey_score < 0 || *facts.survey_score > 10)) {
    return absl::InvalidArgumentError(
        absl::StrCat("loyalty ladder: survey_score must be in [0, 10], got ", *facts.survey_score));
  }
  return absl::OkStatus();
}

inline LadderRung ClassifyNonPurchaser(const LadderFacts& facts) {
  if (facts.disqualified_flag) return LadderRung::kDisqualifiedProspect;
  if (!facts.qualified_need) return LadderRung::kSuspect;
  return facts.qualified_ability ? LadderRung::kProspect : LadderRung::kDisqualifiedProspect;
}

inline bool IsPromoter(const LadderFacts& facts, const LadderRule& rule) {
  return facts.survey_score.has_value() && *facts.survey_score >= rule.promoter_min_score;
}

}  // namespace loyalty_internal

/// The ladder rung of one customer under `rule` (docs/domain.md §4.1 default rule).
///
/// Precedence, first match wins:
///   1. No purchase: flagged by the host → disqualified prospect; no qualified need →
///      suspect; need without ability → disqualified prospect; need and ability → prospect.
///   2. Exactly one purchase → first-time customer.
///   3. Two or more purchases and fewer than `client_min_active_periods` active periods in
///      the window → repeat customer.
///   4. Otherwise a client; a client with >= `advocate_min_referrals` referrals or a survey
///      score >= `promoter_min_score` → advocate.
/// A purchase proves need and ability, so purchasers are never suspects, prospects or
/// disqualified: qualification facts and the flag are read only for non-purchasers.
/// Referrals and scores lift only clients (the ladder is climbed one rung at a time), and a
/// client is always a repeat buyer: with a one-period window a single purchase stays
/// first-time.
///
/// Errors (InvalidArgument): a rule failing `Validate()`; negative purchase_count or
/// referrals; active_periods_in_window < 0, > client_window_periods or > purchase_count;
/// survey_score outside 0..10.
inline absl::StatusOr<LadderRung> ClassifyLadderRung(const LadderFacts& facts,
                                                     const LadderRule& rule = {}) {
  CRM_RETURN_IF_ERROR(rule.Validate());
  CRM_RETURN_IF_ERROR(loyalty_internal::ValidateLadderFacts(facts, rule));
  if (facts.purchase_count == 0) return loyalty_internal::ClassifyNonPurchaser(facts);
  if (facts.purchase_count == 1) return LadderRung::kFirstTimeCustomer;
  if (facts.active_periods_in_window < rule.client_min_active_periods) {
    return LadderRung::kRepeatCustomer;
  }
  const bool advocates =
      facts.referrals >= rule.advocate_min_referrals || loyalty_internal::IsPromoter(facts, rule);
  return advocates ? LadderRung::kAdvocate : LadderRung::kClient;
}

static_assert(TaxonomySize<LadderRung>() == 7, "LadderFunnel assumes the seven rungs of §4.1");

/// A population's distribution over the ladder, for the promotion strategy 梯度推进
/// (docs/domain.md §4.1): how many customers stand on each rung and how many of those who
/// reached a rung went on to the next.
///
/// The main ladder is suspect → prospect → first-time → repeat → client → advocate.
/// Disqualified prospects are a side branch: suspects who were examined and turned out
/// unable (or not allowed) to buy. They stand above suspect only.
struct LadderFunnel {
  /// Customers per rung, indexed by the rung's numeric value.
  std::array<int64_t, 7> count = {};

  /// OK when every count is >= 0 and their total fits in int64_t (always true for a
  /// funnel from `BuildLadderFunnel`); InvalidArgument / OutOfRange naming the rung else.
  absl::Status Validate() const {
    int64_t total = 0;
    for (LadderRung rung : AllValues<LadderRung>()) {
      const int64_t n = count[Index(rung)];
      if (n < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("ladder funnel: count of rung '", Id(rung), "' must be >= 0, got ", n));
      }
      if (n > std::numeric_limits<int64_t>::max() - total) {
        return absl::OutOfRangeError(absl::StrCat(
            "ladder funnel: total count overflows int64 at rung '", Id(rung), "' (", n, ")"));
      }
      total += n;
    }
    return absl::OkStatus();
  }

  /// Customers who reached `rung` or went beyond it:
  ///   suspect        → everyone (every customer starts as a suspect);
  ///   prospect       → prospects and every purchase rung (disqualified excluded);
  ///   disqualified   → disqualified prospects only (nothing stands above them);
  ///   a purchase rung → that rung and the purchase rungs above it.
  /// Returns -1, which no valid funnel yields, for a funnel failing `Validate()` or a
  /// `rung` outside the enum.
  int64_t AtOrAbove(LadderRung rung) const {
    if (!IsValid(rung) || !Validate().ok()) return -1;
    switch (rung) {
      case LadderRung::kSuspect:
        return SumFrom(LadderRung::kSuspect);
      case LadderRung::kProspect:
        return count[Index(LadderRung::kProspect)] + SumFrom(LadderRung::kFirstTimeCustomer);
      case LadderRung::kDisqualifiedProspect:
        return count[Index(LadderRung::kDisqualifiedProspect)];
      default:
        return SumFrom(rung);
    }
  }

  /// Conversion from `rung` to the next rung of the main ladder:
  ///   AtOrAbove(next) / AtOrAbove(rung),
  /// with next(suspect) = prospect, next(prospect) = first-time, next(first-time) = repeat,
  /// next(repeat) = client, next(client) = advocate. So suspect → prospect is the share of
  /// the population that qualified, and prospect → first-time is the share of qualified
  /// customers (prospects plus buyers) who bought; disqualified prospects lower the first
  /// and do not enter the second.
  ///
  /// Counting "at or above" rather than "on" the rung is what makes this a conversion: a
  /// customer on a higher rung passed through this one.
  ///
  /// Errors: `Validate()`'s status for a bad funnel; InvalidArgument for a `rung` outside
  /// the enum, for disqualified prospect or advocate (no next rung), and when no customer
  /// stands at or above `rung` (the ratio would be 0/0).
  absl::StatusOr<double> ConversionToNext(LadderRung rung) const {
    CRM_RETURN_IF_ERROR(Validate());
    if (!IsValid(rung)) {
      return absl::InvalidArgumentError(
          absl::StrCat("ladder funnel: rung must be a LadderRung, got ", static_cast<int>(rung)));
    }
    if (rung == LadderRung::kDisqualifiedProspect || rung == LadderRung::kAdvocate) {
      return absl::InvalidArgumentError(
          absl::StrCat("ladder funnel: rung '", Id(rung), "' has no next rung on the ladder"));
    }
    const int64_t reached = AtOrAbove(rung);
    if (reached == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("ladder funnel: conversion from rung '", Id(rung),
                       "' is undefined: no customer at or above it (0)"));
    }
    return static_cast<double>(AtOrAbove(NextRung(rung))) / static_cast<double>(reached);
  }

 private:
  static constexpr std::size_t Index(LadderRung rung) {
    return static_cast<std::size_t>(static_cast<int>(rung));
  }
  // The main ladder skips the disqualified side branch. Only called for rungs that have one.
  static constexpr LadderRung NextRung(LadderRung rung) {
    switch (rung) {
      case LadderRung::kSuspect:
        return LadderRung::kProspect;
      case LadderRung::kProspect:
        return LadderRung::kFirstTimeCustomer;
      default:
        return static_cast<LadderRung>(static_cast<int>(rung) + 1);
    }
  }
  // Sum of the counts from `first` to the top rung; no overflow once Validate() passed.
  int64_t SumFrom(LadderRung first) const {
    int64_t sum = 0;
    for (std::size_t i = Index(first); i < count.size(); ++i) sum += count[i];
    return sum;
  }
};

/// Counts `rungs` into a funnel. InvalidArgument naming the index when an element is not a
/// LadderRung value (e.g. a raw integer cast from a C host).
inline absl::StatusOr<LadderFunnel> BuildLadderFunnel(absl::Span<const LadderRung> rungs) {
  LadderFunnel funnel;
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    if (!IsValid(rungs[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ladder funnel: rungs[", i, "] must be a LadderRung, got ", static_cast<int>(rungs[i])));
    }
    ++funnel.count[static_cast<std::size_t>(rungs[i])];
  }
  return funnel;
}

// ---------------------------------------------------------------------------
// Loyalty levels (客户忠诚度的四个层次; docs/domain.md §4.2)

/// What the loyalty of `level` rests on: "intention-based" (impulsive), "preference-based"
/// (affective), "information-based" (cognitive), "action-based" (behavioural). Empty for a
/// value outside the enum.
constexpr absl::string_view LoyaltyLevelBasis(LoyaltyLevel level) {
  switch (level) {
    case LoyaltyLevel::kImpulsive:
      return "intention-based";
    case LoyaltyLevel::kAffective:
      return "preference-based";
    case LoyaltyLevel::kCognitive:
      return "information-based";
    case LoyaltyLevel::kBehavioural:
      return "action-based";
  }
  return "";
}

/// True when loyalty level `a` is further developed than `b`, in the material's order
/// impulsive < affective < cognitive < behavioural (§4.2). False when either is outside
/// the enum.
constexpr bool IsMoreDeveloped(LoyaltyLevel a, LoyaltyLevel b) {
  return IsValid(a) && IsValid(b) && static_cast<int>(a) > static_cast<int>(b);
}

// ---------------------------------------------------------------------------
// Loyalty index (客户忠诚度测评; docs/domain.md §4.3)

static_assert(TaxonomySize<LoyaltyIndicator>() == 7, "the seven indicators of §4.3");

/// True for the indicators where more means less loyal: time spent choosing, attention to
/// competitors and price sensitivity (a loyal customer chooses fast, ignores rivals and
/// accepts the price). They enter the index as 1 − normalized value.
constexpr bool IsInverseLoyaltyIndicator(LoyaltyIndicator indicator) {
  return indicator == LoyaltyIndicator::kTimeSpentChoosing ||
         indicator == LoyaltyIndicator::kAttentionToCompetitors ||
         indicator == LoyaltyIndicator::kPriceSensitivity;
}

/// One indicator's measurement on its own scale [min, max] (e.g. a 1–5 survey item, or a
/// repeat-purchase rate in [0, 1]); it is min-max normalized to [0, 1]. The same reading
/// type as the satisfaction index's (indicator_index.h).
using LoyaltyReading = IndicatorReading;

namespace loyalty_internal {

// The loyalty index is the shared indicator index (indicator_index.h) with §4.3's inverse
// indicators.
inline constexpr IndicatorIndexSpec<LoyaltyIndicator> kIndexSpec{
    .context = "loyalty index",
    .is_inverse = IsInverseLoyaltyIndicator,
};

}  // namespace loyalty_internal

/// Weights of the seven indicators, indexed by LoyaltyIndicator. Equal by default (the
/// material ranks none above another). Only their ratios matter: they are normalized to
/// sum to 1.
struct LoyaltyIndexWeights {
  std::array<double, 7> weight = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};

  /// OK when every weight is finite and >= 0 and at least one is > 0; InvalidArgument
  /// naming the indicator otherwise (ValidateWeights).
  absl::Status Validate() const {
    return ValidateWeights<LoyaltyIndicator>(weight, loyalty_internal::kIndexSpec.context);
  }
};

/// The loyalty index (docs/domain.md §4.3): the weighted mean of the seven indicators' scores,
/// each reading min-max normalized to [0, 1] and inverse indicators counted as
/// 1 − normalized, computed as (max − value) / (max − min) (WeightedIndicatorIndex). 1 is
/// the most loyal customer the scales allow, 0 the least. Any finite weights and scales
/// work: weights are scaled by a power of two and too-wide scales through halves.
///
/// Errors (InvalidArgument, naming the indicator by its Id()): weights failing
/// `Validate()`; a non-finite value, min or max; min >= max; value outside [min, max].
inline absl::StatusOr<double> LoyaltyIndex(const std::array<LoyaltyReading, 7>& readings,
                                           const LoyaltyIndexWeights& weights = {}) {
  return WeightedIndicatorIndex(readings, weights.weight, loyalty_internal::kIndexSpec);
}

// ---------------------------------------------------------------------------
// Loyalty class (按客户的忠诚程度; docs/domain.md §2.3)

/// A customer's purchase history as the loyalty-class rule reads it.
///
/// `tenure_periods` is the time since the first purchase, in periods (may be fractional);
/// the tenure touches floor(tenure_periods) + 1 periods, the current partial one included.
/// `repeat_periods` is how many of those periods hold at least one purchase.
struct LoyaltyClassFacts {
  int64_t purchase_count = 0;
  double tenure_periods = 0.0;
  int64_t repeat_periods = 0;
};

/// Thresholds of the loyalty-class default rule (docs/domain.md §2.3 gives only "from tenure and
/// repeat behaviour"). The defaults mirror the ladder's client rule (§4.1: 3 of the last 4
/// periods) so that the two views of a customer agree:
///   - new (新客户): fewer than `regular_min_purchases` (2) purchases, or a tenure below
///     `new_max_tenure_periods` (1) — no repeat behaviour can be seen yet;
///   - regular (常客户): came back, i.e. >= 2 purchases;
///   - long-standing (老客户): a regular with tenure >= `long_standing_min_tenure_periods`
///     (4, the ladder's window) and purchases in >= `long_standing_min_repeat_periods` (2)
///     distinct periods, so that two purchases on one day do not make an old customer;
///   - loyal (忠诚客户): long-standing and buying in >= `loyal_min_period_share` (0.75, the
///     ladder's 3 of 4) of the periods the tenure touches.
struct LoyaltyClassRule {
  double new_max_tenure_periods = 1.0;
  int64_t regular_min_purchases = 2;
  double long_standing_min_tenure_periods = 4.0;
  int64_t long_standing_min_repeat_periods = 2;
  double loyal_min_period_share = 0.75;

  /// OK when the thresholds are finite and ordered: 0 <= new_max_tenure_periods <=
  /// long_standing_min_tenure_periods; regular_min_purchases >= 2 (one purchase is new by
  /// definition); long_standing_min_repeat_periods >= 1; loyal_min_period_share in (0, 1].
  /// InvalidArgument naming the field otherwise.
  absl::Status Validate() const {
    if (!std::isfinite(new_max_tenure_periods) || new_max_tenure_periods < 0.0) {
      return absl::InvalidArgumentError(
          absl::StrCat("loyalty class: new_max_tenure_periods must be finite and >= 0, got ",
                       FormatDouble(new_max_tenure_periods)));
    }
    if (!std::isfinite(long_standing_min_tenure_periods) ||
        long_standing_min_tenure_periods < new_max_tenure_periods) {
      return absl::InvalidArgumentError(
          absl::StrCat("loyalty class: long_standing_min_tenure_periods must be finite and >= "
                       "new_max_tenure_periods (",
                       FormatDouble(new_max_tenure_periods), "), got ",
                       FormatDouble(long_standing_min_tenure_periods)));
    }
    if (regular_min_purchases < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "loyalty class: regular_min_purchases must be >= 2, got ", regular_min_purchases));
    }
    if (long_standing_min_repeat_periods < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("loyalty class: long_standing_min_repeat_periods must be >= 1, got ",
                       long_standing_min_repeat_periods));
    }
    if (!(loyal_min_period_share > 0.0 && loyal_min_period_share <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("loyalty class: loyal_min_period_share must be in (0, 1], got ",
                       FormatDouble(loyal_min_period_share)));
    }
    return absl::OkStatus();
  }
};

namespace loyalty_internal {

// Number of periods the tenure touches, the current partial one included.
inline double PeriodsTouched(double tenure_periods) { return std::floor(tenure_periods) + 1.0; }

inline absl::Status ValidateLoyaltyClassFacts(const LoyaltyClassFacts& facts) {
  if (facts.purchase_count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("loyalty class: purchase_count must be >= 0, got ", facts.purchase_count));
  }
  if (!std::isfinite(facts.tenure_periods) || facts.tenure_periods < 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("loyalty class: tenure_periods must be finite and >= 0, got ",
                     FormatDouble(facts.tenure_periods)));
  }
  if (facts.repeat_periods < 0 || facts.repeat_periods > facts.purchase_count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "loyalty class: repeat_periods must be in [0, purchase_count = ", facts.purchase_count,
        "], got ", facts.repeat_periods));
  }
  if (facts.purchase_count == 0) {
    // Tenure counts from the first purchase: without one there is none.
    if (facts.tenure_periods != 0.0) {
      return absl::InvalidArgumentError(
          absl::StrCat("loyalty class: tenure_periods must be 0 without a purchase, got ",
                       FormatDouble(facts.tenure_periods)));
    }
    return absl::OkStatus();
  }
  // The first purchase's period always counts, and no more periods than the tenure touches.
  if (facts.repeat_periods < 1 ||
      static_cast<double>(facts.repeat_periods) > PeriodsTouched(facts.tenure_periods)) {
    return absl::InvalidArgumentError(
        absl::StrCat("loyalty class: repeat_periods must be in [1, floor(tenure_periods) + 1 = ",
                     FormatDouble(PeriodsTouched(facts.tenure_periods)), "] for a buyer, got ",
                     facts.repeat_periods));
  }
  return absl::OkStatus();
}

}  // namespace loyalty_internal

/// The loyalty class of one customer under `rule` (docs/domain.md §2.3; thresholds and their
/// reasons at LoyaltyClassRule). First match wins: no purchase → not-yet-customer; new;
/// loyal; long-standing; regular.
///
/// Errors (InvalidArgument): a rule failing `Validate()`; negative purchase_count; tenure
/// negative or non-finite, or non-zero without a purchase; repeat_periods negative, above
/// purchase_count, 0 for a buyer, or above floor(tenure_periods) + 1.
inline absl::StatusOr<LoyaltyClass> ClassifyLoyaltyClass(const LoyaltyClassFacts& facts,
                                                         const LoyaltyClassRule& rule = {}) {
  CRM_RETURN_IF_ERROR(rule.Validate());
  CRM_RETURN_IF_ERROR(loyalty_internal::ValidateLoyaltyClassFacts(facts));
  if (facts.purchase_count == 0) return LoyaltyClass::kNotYetCustomer;
  if (facts.purchase_count < rule.regular_min_purchases ||
      facts.tenure_periods < rule.new_max_tenure_periods) {
    return LoyaltyClass::kNew;
  }
  const bool long_standing = facts.tenure_periods >= rule.long_standing_min_tenure_periods &&
                             facts.repeat_periods >= rule.long_standing_min_repeat_periods;
  if (!long_standing) return LoyaltyClass::kRegular;
  const double period_share = static_cast<double>(facts.repeat_periods) /
                              loyalty_internal::PeriodsTouched(facts.tenure_periods);
  return period_share >= rule.loyal_min_period_share ? LoyaltyClass::kLoyal
                                                     : LoyaltyClass::kLongStanding;
}

// ---------------------------------------------------------------------------
// §4.3 How loyalty is measured: retention (保持度) and share of wallet (占有率).

/// Retention (保持度, docs/domain.md §4.3): the share of the customers at the start of a
/// period who are still customers at its end, retained / at_start, in [0, 1].
///
/// Errors (InvalidArgument): a negative count, retained > at_start, or at_start == 0
/// (no customers to retain: the rate is undefined, not 0 or 1).
inline absl::StatusOr<double> RetentionRate(int64_t customers_at_start, int64_t retained) {
  if (customers_at_start < 0 || retained < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "retention rate: counts must be >= 0, got customers_at_start = ", customers_at_start,
        ", retained = ", retained));
  }
  if (retained > customers_at_start) {
    return absl::InvalidArgumentError(absl::StrCat("retention rate: retained (", retained,
                                                   ") exceeds customers_at_start (",
                                                   customers_at_start, ")"));
  }
  if (customers_at_start == 0) {
    return absl::InvalidArgumentError(
        "retention rate: customers_at_start is 0, so the rate is undefined");
  }
  return static_cast<double>(retained) / static_cast<double>(customers_at_start);
}

/// Share of wallet (占有率, docs/domain.md §4.3): the customer's spend with the firm as a share
/// of the customer's whole spend in the category, our_spend / category_spend, in [0, 1].
///
/// Errors (InvalidArgument): non-finite or negative amounts, our_spend > category_spend,
/// or category_spend == 0 (nothing spent: the share is undefined).
inline absl::StatusOr<double> ShareOfWallet(double our_spend, double category_spend) {
  if (!std::isfinite(our_spend) || our_spend < 0 || !std::isfinite(category_spend) ||
      category_spend < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "share of wallet: spends must be finite and >= 0, got our_spend = ",
        FormatDouble(our_spend), ", category_spend = ", FormatDouble(category_spend)));
  }
  if (our_spend > category_spend) {
    return absl::InvalidArgumentError(absl::StrCat(
        "share of wallet: our_spend (", FormatDouble(our_spend), ") exceeds category_spend (",
        FormatDouble(category_spend), ")"));
  }
  if (category_spend == 0) {
    return absl::InvalidArgumentError(
        "share of wallet: category_spend is 0, so the share is undefined");
  }
  return our_spend / category_spend;
}

}  // namespace crmcore

#endif  // CRMCORE_LOYALTY_H_

// Customer satisfaction (docs/domain.md §3, 十四、客户的满意).
//
// The satisfaction degree C = B / A compares what a customer perceives (B) with what
// the customer expected (A). From C the library derives the three satisfaction levels,
// the expected word-of-mouth reach of a population, and — separately — a customer
// satisfaction index (CSI) from the six satisfaction indicators.
//
// Every function validates its inputs and returns an absl::Status naming the offending
// value instead of a NaN or an infinity.
#ifndef CRMCORE_SATISFACTION_H_
#define CRMCORE_SATISFACTION_H_

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

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

namespace satisfaction_internal {

inline bool IsFiniteNonNegative(double x) { return std::isfinite(x) && x >= 0.0; }

}  // namespace satisfaction_internal

// ---------------------------------------------------------------------------
// §3.1 The satisfaction degree C = B / A.

/// Returns the satisfaction degree C = B / A (客户满意度 CSD, docs/domain.md §3.1), where B is the
/// customer's perceived value and A the customer's expectation.
///
/// B may be zero or negative: perceived value read as delivered value (§3.3) is value minus
/// cost, which is negative when the cost outweighs the value. A must be finite and > 0, since
/// an expectation of nothing gives the ratio no meaning.
///
/// Errors: InvalidArgument for a non-finite B, or an A that is non-finite or <= 0;
/// OutOfRange when the quotient overflows (e.g. B = 1e308, A = 1e-308).
inline absl::StatusOr<double> SatisfactionRatio(double perceived_value_b, double expectation_a) {
  if (!std::isfinite(perceived_value_b)) {
    return absl::InvalidArgumentError(
        absl::StrCat("satisfaction: perceived value B must be finite, got ",
                     FormatDouble(perceived_value_b)));
  }
  if (!std::isfinite(expectation_a) || expectation_a <= 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("satisfaction: expectation A must be finite and > 0, got ",
                     FormatDouble(expectation_a)));
  }
  const double c = perceived_value_b / expectation_a;
  if (!std::isfinite(c)) {
    return absl::OutOfRangeError(absl::StrCat(
        "satisfaction: C = B / A overflows for perceived value B = ",
        FormatDouble(perceived_value_b), " and expectation A = ", FormatDouble(expectation_a)));
  }
  return c;
}

// ---------------------------------------------------------------------------
// §3.2 Satisfaction levels.

/// Thresholds on C that separate the three satisfaction levels (客户满意的三个层次).
///
/// Default rule (docs/domain.md §3.2): C < 1 dissatisfied (perception fell short of
/// expectation); 1 <= C < 1.2 satisfied (expectation met); C >= 1.2 very satisfied
/// (expectation exceeded by at least 20 %).
struct SatisfactionThresholds {
  /// Lowest C that counts as satisfied.
  double satisfied = 1.0;
  /// Lowest C that counts as very satisfied.
  double very_satisfied = 1.2;

  /// OK when both thresholds are finite, `satisfied` > 0 and `satisfied` < `very_satisfied`.
  /// `satisfied` must be positive so that a customer who perceives no value or a negative
  /// value (C <= 0) is never classified as satisfied.
  absl::Status Validate() const {
    if (!std::isfinite(satisfied) || satisfied <= 0.0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "satisfaction thresholds: satisfied must be finite and > 0, got ",
          FormatDouble(satisfied)));
    }
    if (!std::isfinite(very_satisfied) || very_satisfied <= satisfied) {
      return absl::InvalidArgumentError(absl::StrCat(
          "satisfaction thresholds: very_satisfied must be finite and > satisfied (",
          FormatDouble(satisfied), "), got ", FormatDouble(very_satisfied)));
    }
    return absl::OkStatus();
  }
};

namespace satisfaction_internal {

// The level rule itself, for a finite C and thresholds that passed Validate().
inline SatisfactionLevel LevelOf(double c, const SatisfactionThresholds& thresholds) {
  if (c < thresholds.satisfied) return SatisfactionLevel::kDissatisfied;
  if (c < thresholds.very_satisfied) return SatisfactionLevel::kSatisfied;
  return SatisfactionLevel::kVerySatisfied;
}

}  // namespace satisfaction_internal

/// Classifies a satisfaction degree C into a level (docs/domain.md §3.2):
/// C < satisfied → dissatisfied; satisfied <= C < very_satisfied → satisfied;
/// C >= very_satisfied → very satisfied. Each threshold belongs to the higher level.
///
/// Errors: InvalidArgument for a non-finite C (NaN has no order, so no level is honest; an
/// infinite C cannot come from SatisfactionRatio and signals a caller bug) and for
/// thresholds that fail SatisfactionThresholds::Validate().
inline absl::StatusOr<SatisfactionLevel> ClassifySatisfaction(
    double c, const SatisfactionThresholds& thresholds = {}) {
  CRM_RETURN_IF_ERROR(thresholds.Validate());
  if (!std::isfinite(c)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "satisfaction: C must be finite, got ", FormatDouble(c)));
  }
  return satisfaction_internal::LevelOf(c, thresholds);
}

/// Number of customers at each satisfaction level.
struct SatisfactionCounts {
  int64_t dissatisfied = 0;
  int64_t satisfied = 0;
  int64_t very_satisfied = 0;
};

/// Classifies every C in `c` (docs/domain.md §3.2) and counts customers per level.
///
/// Errors: InvalidArgument for invalid thresholds, or for the first non-finite C, naming its
/// index (e.g. "satisfaction: C[3] must be finite, got nan").
inline absl::StatusOr<SatisfactionCounts> CountSatisfactionLevels(
    absl::Span<const double> c, const SatisfactionThresholds& thresholds = {}) {
  CRM_RETURN_IF_ERROR(thresholds.Validate());
  SatisfactionCounts counts;
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (!std::isfinite(c[i])) {
      return absl::InvalidArgumentError(absl::StrCat("satisfaction: C[", i,
                                                     "] must be finite, got ",
                                                     FormatDouble(c[i])));
    }
    switch (satisfaction_internal::LevelOf(c[i], thresholds)) {
      case SatisfactionLevel::kDissatisfied: ++counts.dissatisfied; break;
      case SatisfactionLevel::kSatisfied: ++counts.satisfied; break;
      case SatisfactionLevel::kVerySatisfied: ++counts.very_satisfied; break;
    }
  }
  return counts;
}

/// How many people one customer at each level tells about the firm (docs/domain.md §3.2).
///
/// Defaults from the course material: a dissatisfied customer tells 22 people (bad word of
/// mouth), a satisfied one 8, a very satisfied one "10 or more" — 10 is its documented
/// lower bound, so reach computed with the defaults is conservative for good news.
struct WordOfMouthRates {
  double dissatisfied = 22.0;
  double satisfied = 8.0;
  double very_satisfied = 10.0;

  /// OK when every rate is finite and >= 0.
  absl::Status Validate() const {
    const std::array<std::pair<absl::string_view, double>, 3> rates = {{
        {"dissatisfied", dissatisfied},
        {"satisfied", satisfied},
        {"very_satisfied", very_satisfied},
    }};
    for (const auto& [name, rate] : rates) {
      if (!satisfaction_internal::IsFiniteNonNegative(rate)) {
        return absl::InvalidArgumentError(
            absl::StrCat("word of mouth: rate for ", name, " must be finite and >= 0, got ",
                         FormatDouble(rate)));
      }
    }
    return absl::OkStatus();
  }
};

/// Expected number of people reached by word of mouth, per level and in total.
struct WordOfMouthReach {
  /// People told by dissatisfied customers (negative word of mouth).
  double from_dissatisfied = 0.0;
  /// People told by satisfied customers (positive word of mouth).
  double from_satisfied = 0.0;
  /// People told by very satisfied customers (positive word of mouth).
  double from_very_satisfied = 0.0;
  /// All people reached, good news and bad.
  double total = 0.0;
  /// Positive minus negative reach: from_satisfied + from_very_satisfied − from_dissatisfied.
  /// Negative when bad news outruns good news.
  double net = 0.0;
};

/// Returns the expected word-of-mouth reach of a population (docs/domain.md §3.2): each level's
/// count times its rate, their total, and the net reach (good news minus bad news).
///
/// Reach is an expectation, so it is a double even though counts are whole customers; it
/// ignores overlap between the people told.
///
/// Errors: InvalidArgument for a negative count or rates that fail Validate(); OutOfRange
/// when a product or sum overflows.
inline absl::StatusOr<WordOfMouthReach> ExpectedWordOfMouth(const SatisfactionCounts& counts,
                                                            const WordOfMouthRates& rates = {}) {
  CRM_RETURN_IF_ERROR(rates.Validate());
  const std::array<std::pair<absl::string_view, int64_t>, 3> levels = {{
      {"dissatisfied", counts.dissatisfied},
      {"satisfied", counts.satisfied},
      {"very_satisfied", counts.very_satisfied},
  }};
  for (const auto& [name, count] : levels) {
    if (count < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("word of mouth: count of ", name, " customers must be >= 0, got ", count));
    }
  }
  WordOfMouthReach reach;
  reach.from_dissatisfied = static_cast<double>(counts.dissatisfied) * rates.dissatisfied;
  reach.from_satisfied = static_cast<double>(counts.satisfied) * rates.satisfied;
  reach.from_very_satisfied = static_cast<double>(counts.very_satisfied) * rates.very_satisfied;
  reach.total = reach.from_dissatisfied + reach.from_satisfied + reach.from_very_satisfied;
  reach.net = (reach.from_satisfied + reach.from_very_satisfied) - reach.from_dissatisfied;
  // All terms are >= 0, so if the total is finite every part and the net are too.
  if (!std::isfinite(reach.total)) {
    return absl::OutOfRangeError(absl::StrCat(
        "word of mouth: reach overflows for counts (", counts.dissatisfied, ", ",
        counts.satisfied, ", ", counts.very_satisfied, ")"));
  }
  return reach;
}

// ---------------------------------------------------------------------------
// §3.3 Perceived value as delivered value.

/// Total customer value (总顾客价值), the four parts of docs/domain.md §3.3. Each must be finite
/// and >= 0.
struct CustomerValue {
  double product = 0.0;    // 产品价值
  double service = 0.0;    // 服务价值
  double personnel = 0.0;  // 人员价值
  double image = 0.0;      // 形象价值
};

/// Total customer cost (总顾客成本), the four parts of docs/domain.md §3.3. Each must be finite
/// and >= 0.
struct CustomerCost {
  double monetary = 0.0;  // 货币成本
  double time = 0.0;      // 时间成本
  double mental = 0.0;    // 精神成本
  double physical = 0.0;  // 体力成本
};

namespace satisfaction_internal {

// Sums four named, validated parts; `kind` is "value" or "cost" for the error message.
inline absl::StatusOr<double> SumParts(
    const std::array<std::pair<absl::string_view, double>, 4>& parts, absl::string_view kind) {
  double total = 0.0;
  for (const auto& [name, amount] : parts) {
    if (!IsFiniteNonNegative(amount)) {
      return absl::InvalidArgumentError(absl::StrCat("delivered value: ", name, " ", kind,
                                                     " must be finite and >= 0, got ",
                                                     FormatDouble(amount)));
    }
    total += amount;
  }
  if (!std::isfinite(total)) {
    return absl::OutOfRangeError(
        absl::StrCat("delivered value: total customer ", kind, " overflows"));
  }
  return total;
}

}  // namespace satisfaction_internal

/// Returns the customer delivered value (顾客让渡价值, docs/domain.md §3.3): total customer value
/// (product + service + personnel + image) minus total customer cost (monetary + time +
/// mental + physical). It is the perceived value B of §3.1 and may be negative.
///
/// Errors: InvalidArgument naming the component that is non-finite or negative (e.g.
/// "delivered value: service value must be finite and >= 0, got nan"); OutOfRange when a
/// total overflows.
inline absl::StatusOr<double> DeliveredValue(const CustomerValue& value, const CustomerCost& cost) {
  // Named locals: a braced list inside a macro argument would split at its commas.
  const std::array<std::pair<absl::string_view, double>, 4> value_parts = {{
      {"product", value.product},
      {"service", value.service},
      {"personnel", value.personnel},
      {"image", value.image},
  }};
  const std::array<std::pair<absl::string_view, double>, 4> cost_parts = {{
      {"monetary", cost.monetary},
      {"time", cost.time},
      {"mental", cost.mental},
      {"physical", cost.physical},
  }};
  CRM_ASSIGN_OR_RETURN(const double total_value,
                       satisfaction_internal::SumParts(value_parts, "value"));
  CRM_ASSIGN_OR_RETURN(const double total_cost,
                       satisfaction_internal::SumParts(cost_parts, "cost"));
  // Both totals lie in [0, DBL_MAX], so their difference cannot overflow.
  return total_value - total_cost;
}

// ---------------------------------------------------------------------------
// §3.4 Customer satisfaction index (CSI) from the six indicators.

static_assert(TaxonomySize<SatisfactionIndicator>() == 6,
              "docs/domain.md §3.4 names six satisfaction indicators");

/// True for the indicators that count inversely (docs/domain.md §3.4): a higher complaint rate
/// (投诉率) or a higher price sensitivity (对价格的敏感度) means a less satisfied customer.
constexpr bool IsInverseIndicator(SatisfactionIndicator indicator) {
  return indicator == SatisfactionIndicator::kComplaintRate ||
         indicator == SatisfactionIndicator::kPriceSensitivity;
}

namespace satisfaction_internal {

// The CSI is the shared indicator index (indicator_index.h) with §3.4's inverse
// indicators.
inline constexpr IndicatorIndexSpec<SatisfactionIndicator> kIndexSpec{
    .context = "satisfaction index",
    .is_inverse = IsInverseIndicator,
};

}  // namespace satisfaction_internal

/// The six readings (IndicatorReading, indicator_index.h), indexed by the
/// SatisfactionIndicator value.
using SatisfactionIndicatorReadings = IndicatorReadingsFor<SatisfactionIndicator>;

/// Returns one indicator's satisfaction score in [0, 1]: the reading min-max normalized to
/// its scale, (value − min) / (max − min), or for an inverse indicator (max − value) /
/// (max − min), i.e. 1 − normalized computed without cancellation (MinMaxIndicatorScore).
/// Any finite scale works, even one whose width max − min overflows a double.
///
/// Errors: InvalidArgument naming the indicator for a non-finite value/min/max, min >= max,
/// or a value outside [min, max].
inline absl::StatusOr<double> IndicatorScore(SatisfactionIndicator indicator,
                                             const IndicatorReading& reading) {
  return MinMaxIndicatorScore(indicator, reading, satisfaction_internal::kIndexSpec);
}

/// Relative weights of the six indicators in the index, indexed by SatisfactionIndicator.
/// Default: equal weights, since the course material gives no weighting.
struct SatisfactionIndexWeights {
  std::array<double, TaxonomySize<SatisfactionIndicator>()> weights = {1.0, 1.0, 1.0,
                                                                       1.0, 1.0, 1.0};

  /// OK when every weight is finite and >= 0 and at least one is > 0 (ValidateWeights).
  absl::Status Validate() const {
    return ValidateWeights<SatisfactionIndicator>(
        weights, satisfaction_internal::kIndexSpec.context);
  }

  /// The weights scaled to sum to 1 (docs/domain.md §5 rule for weights, applied to the CSI).
  /// Scaling by a power of two first keeps the sum finite for any finite weights
  /// (NormalizeWeights).
  absl::StatusOr<std::array<double, TaxonomySize<SatisfactionIndicator>()>> Normalized() const {
    return NormalizeWeights<SatisfactionIndicator>(
        weights, satisfaction_internal::kIndexSpec.context);
  }
};

/// Returns the customer satisfaction index (CSI, 客户满意指标体系, docs/domain.md §3.4) in [0, 1]:
/// the weighted mean of the six indicator scores (see IndicatorScore), with the weights
/// normalized to sum to 1 (WeightedIndicatorIndex). Multiply by 100 for the usual 0–100
/// presentation. The index never exceeds 1, even with rounding.
///
/// Errors: those of SatisfactionIndexWeights::Validate(), then those of IndicatorScore for
/// the first bad reading (naming the indicator).
inline absl::StatusOr<double> SatisfactionIndex(const SatisfactionIndicatorReadings& readings,
                                                const SatisfactionIndexWeights& weights = {}) {
  return WeightedIndicatorIndex(readings, weights.weights, satisfaction_internal::kIndexSpec);
}

}  // namespace crmcore

#endif  // CRMCORE_SATISFACTION_H_

// The customer pyramid (客户金字塔, docs/domain.md §2.2): value tiers VIP / major / ordinary /
// small by rank of a value column (profit, composite value §5, or CLV §6), and the
// quantity-vs-profit pyramids (客户数量金字塔 / 客户利润金字塔) that summarize them.
#ifndef CRMCORE_VALUE_TIER_H_
#define CRMCORE_VALUE_TIER_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"

namespace crmcore {

/// Number of value tiers (§2.2: four).
inline constexpr std::size_t kValueTierCount = TaxonomySize<ValueTier>();

namespace value_tier_internal {

constexpr std::size_t Index(ValueTier tier) { return static_cast<std::size_t>(tier); }

}  // namespace value_tier_internal

/// The share of the population each tier is meant to hold, most valuable first.
/// Defaults are the customer pyramid of docs/domain.md §2.2: top 1 % VIP, next 4 % major,
/// next 15 % ordinary, remaining 80 % small.
struct PyramidFractions {
  double vip = 0.01;
  double major = 0.04;
  double ordinary = 0.15;
  double small = 0.80;

  /// How far the fractions may sum from 1: decimal fractions such as 0.7 + 0.1 + ... are
  /// not exact in binary, so an exact-sum test would reject correct input.
  static constexpr double kSumTolerance = 1e-9;

  /// InvalidArgument when a fraction is non-finite or negative (naming it), or when the
  /// fractions do not sum to 1 within kSumTolerance (naming the sum).
  absl::Status Validate() const {
    const std::array<double, kValueTierCount> fractions = {vip, major, ordinary, small};
    for (const ValueTier tier : AllValues<ValueTier>()) {
      const double f = fractions[value_tier_internal::Index(tier)];
      if (!std::isfinite(f) || f < 0.0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "pyramid: fraction ", Id(tier), " must be finite and >= 0, got ", FormatDouble(f)));
      }
    }
    const double sum = vip + major + ordinary + small;
    if (!(std::fabs(sum - 1.0) <= kSumTolerance)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pyramid: fractions must sum to 1, got ", FormatDouble(sum),
          " (vip = ", FormatDouble(vip), ", major = ", FormatDouble(major),
          ", ordinary = ", FormatDouble(ordinary), ", small = ", FormatDouble(small), ")"));
    }
    return absl::OkStatus();
  }
};

/// The number of top-ranked seats of the tiers VIP, VIP..major and VIP..ordinary in a
/// population of `n`: floor(n · cumulative fraction), so the top tiers never take more
/// seats than their share (the top 1 % of 99 customers is nobody). The product is scaled by
/// (1 + 1e-12) before the floor so that a cumulative fraction that rounding left just below
/// a representable share (0.7 + 0.1 = 0.7999999999999999) still yields the intended count.
/// Precondition: n >= 0 and `fractions` validated.
inline std::array<std::int64_t, kValueTierCount - 1> PyramidCutoffCounts(
    std::int64_t n, const PyramidFractions& fractions) {
  const std::array<double, kValueTierCount - 1> cumulative = {
      fractions.vip, fractions.vip + fractions.major,
      fractions.vip + fractions.major + fractions.ordinary};
  std::array<std::int64_t, kValueTierCount - 1> counts{};
  for (std::size_t t = 0; t < counts.size(); ++t) {
    const double seats = std::floor(static_cast<double>(n) * cumulative[t] * (1.0 + 1e-12));
    counts[t] = std::min(n, static_cast<std::int64_t>(seats));
  }
  return counts;
}

/// Assigns each customer a value tier by ranking `value` descending (§2.2).
///
/// Rule: with the seat counts c_VIP <= c_major <= c_ordinary of PyramidCutoffCounts(), the
/// cut-off value of a tier is the value of the customer in its last seat (rank c − 1 of the
/// values sorted descending; none when c = 0). A customer goes to the most valuable tier
/// whose cut-off value it reaches (value >= cut-off); the rest are small.
///
/// Tie rule: customers whose value equals a cut-off value all go to the HIGHER tier, even if
/// that tier then holds more than its share. This makes the result depend only on the
/// values, never on input order (equal values always share a tier), and it matches §2.2's
/// reading of the pyramid as value thresholds (quantiles of the value column). Higher rather
/// than lower because under-serving a key customer risks the most profitable relationships
/// (a 5 % retention gain is worth 25–85 % of profit, §4.4), while over-serving a few
/// equals costs little. Consequences: if all values are equal, everyone lands in the most
/// valuable tier that has a seat (all VIP when c_VIP >= 1); a tier with fraction 0 stays
/// empty; N = 1 with the default fractions is small (floor(0.2) = 0 seats above small).
///
/// Errors: InvalidArgument for invalid fractions, `out` of another length than `value`, or a
/// non-finite value (index named). N = 0 is OK and writes nothing. On error `out` is
/// untouched.
inline absl::Status AssignValueTiers(absl::Span<const double> value, absl::Span<ValueTier> out,
                                     const PyramidFractions& fractions = {}) {
  CRM_RETURN_IF_ERROR(fractions.Validate());
  if (out.size() != value.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("pyramid: out has ", out.size(), " elements but value has ", value.size()));
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!std::isfinite(value[i])) {
      return absl::InvalidArgumentError(absl::StrCat("pyramid: value at index ", i,
                                                     " must be finite, got ",
                                                     FormatDouble(value[i])));
    }
  }
  if (value.empty()) return absl::OkStatus();

  std::vector<double> descending(value.begin(), value.end());
  std::sort(descending.begin(), descending.end(), std::greater<double>());
  const auto seats = PyramidCutoffCounts(static_cast<std::int64_t>(descending.size()), fractions);

  for (std::size_t i = 0; i < value.size(); ++i) {
    ValueTier tier = ValueTier::kSmall;
    for (std::size_t t = 0; t < seats.size(); ++t) {
      if (seats[t] == 0) continue;
      const double cutoff_value = descending[static_cast<std::size_t>(seats[t] - 1)];
      if (value[i] >= cutoff_value) {
        tier = static_cast<ValueTier>(t);
        break;
      }
    }
    out[i] = tier;
  }
  return absl::OkStatus();
}

/// The quantity pyramid (客户数量金字塔: customers per tier) and the profit pyramid
/// (客户利润金字塔: each tier's share of the total value), indexed by ValueTier.
struct PyramidCounts {
  std::array<std::int64_t, kValueTierCount> customers{};
  /// Tier sum / total sum. Values may be negative (loss-making customers), so a share may
  /// be negative or above 1 (the top tiers earn more than 100 % of a profit total that the
  /// small customers erode), but the shares always sum to 1 up to rounding.
  std::array<double, kValueTierCount> value_share{};
};

/// Counts customers and sums value per tier; value[i] belongs to tiers[i]. Sums are plain
/// double additions in index order.
///
/// Errors: InvalidArgument for lengths that differ, a non-finite value or an undeclared
/// tier (index named), or a total value of 0 (which includes N = 0): shares of nothing are
/// undefined, and the library never returns NaN; OutOfRange when a sum or a share overflows
/// (a share overflows when the values nearly cancel, e.g. a total of 1e-300).
inline absl::StatusOr<PyramidCounts> SummarizePyramid(absl::Span<const double> value,
                                                      absl::Span<const ValueTier> tiers) {
  using value_tier_internal::Index;
  if (value.size() != tiers.size()) {
    return absl::InvalidArgumentError(absl::StrCat("pyramid: value has ", value.size(),
                                                   " elements but tiers has ", tiers.size()));
  }
  PyramidCounts summary;
  std::array<double, kValueTierCount> tier_value{};
  double total = 0.0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!std::isfinite(value[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pyramid: value at index ", i, " must be finite, got ", FormatDouble(value[i])));
    }
    if (!IsValid(tiers[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pyramid: tier at index ", i, " is an unknown value ", static_cast<int>(tiers[i])));
    }
    ++summary.customers[Index(tiers[i])];
    tier_value[Index(tiers[i])] += value[i];
    total += value[i];
  }
  for (const double sum : tier_value) {
    if (!std::isfinite(sum)) {
      return absl::OutOfRangeError(
          absl::StrCat("pyramid: a tier's value sum overflows, got ", FormatDouble(sum)));
    }
  }
  if (!std::isfinite(total)) {
    return absl::OutOfRangeError(
        absl::StrCat("pyramid: total value overflows, got ", FormatDouble(total)));
  }
  if (total == 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("pyramid: total value must be non-zero to compute shares, got 0 over ",
                     value.size(), " customers"));
  }
  for (std::size_t t = 0; t < kValueTierCount; ++t) {
    summary.value_share[t] = tier_value[t] / total;
    if (!std::isfinite(summary.value_share[t])) {
      return absl::OutOfRangeError(absl::StrCat(
          "pyramid: share of tier ", Id(static_cast<ValueTier>(t)),
          " overflows: ", FormatDouble(tier_value[t]), " / total ", FormatDouble(total)));
    }
  }
  return summary;
}

}  // namespace crmcore

#endif  // CRMCORE_VALUE_TIER_H_

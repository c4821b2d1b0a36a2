#include "crmcore/clv.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "models/model_internal.h"

namespace crmcore {

namespace {

absl::Status CheckDiscountRate(absl::string_view what, double d) {
  if (!(std::isfinite(d) && d > -1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": discount rate must be finite and > -1, got ", FormatDouble(d)));
  }
  return absl::OkStatus();
}

// Σ_k spend · (E(k L) − E((k−1) L)) / (1+d)^k, with `expected(t, out)` filling E(t) per row.
template <typename Expected>
absl::Status DiscountedClv(const ClvHorizon& horizon, absl::Span<const double> spend,
                           size_t n, absl::Span<double> out, const Expected& expected) {
  CRM_RETURN_IF_ERROR(horizon.Validate());
  CRM_RETURN_IF_ERROR(
      models_internal::CheckColumnLengths("discounted CLV", n, {spend.size(), out.size()}));
  for (size_t i = 0; i < n; ++i) {
    if (!(std::isfinite(spend[i]) && spend[i] >= 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "discounted CLV row ", i, ": spend must be finite and >= 0, got ",
          FormatDouble(spend[i])));
    }
  }
  std::vector<double> previous(n, 0.0), current(n);
  std::fill(out.begin(), out.end(), 0.0);
  double discount = 1.0;
  for (int k = 1; k <= horizon.periods; ++k) {
    discount /= 1.0 + horizon.discount_rate;
    CRM_RETURN_IF_ERROR(
        expected(horizon.PeriodLength() * static_cast<double>(k), absl::MakeSpan(current)));
    for (size_t i = 0; i < n; ++i) out[i] += (current[i] - previous[i]) * discount;
    previous.swap(current);
  }
  for (size_t i = 0; i < n; ++i) {
    out[i] *= spend[i];
    if (!std::isfinite(out[i])) {
      return absl::OutOfRangeError(absl::StrCat("discounted CLV row ", i, ": overflows"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<double> NetPresentValue(double acquisition_cost, absl::Span<const double> margins,
                                       absl::Span<const double> service_costs,
                                       double discount_rate) {
  CRM_RETURN_IF_ERROR(CheckDiscountRate("net present value", discount_rate));
  if (!(std::isfinite(acquisition_cost) && acquisition_cost >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "net present value: acquisition cost must be finite and >= 0, got ",
        FormatDouble(acquisition_cost)));
  }
  if (!service_costs.empty()) {
    CRM_RETURN_IF_ERROR(models_internal::CheckColumnLengths(
        "net present value (margins, service costs)", margins.size(), {service_costs.size()}));
  }
  double npv = -acquisition_cost;
  double discount = 1.0;
  for (size_t k = 0; k < margins.size(); ++k) {
    const double cost = service_costs.empty() ? 0.0 : service_costs[k];
    if (!std::isfinite(margins[k]) || !std::isfinite(cost)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "net present value: period ", k + 1, " margin and service cost must be finite, got ",
          FormatDouble(margins[k]), " and ", FormatDouble(cost)));
    }
    discount /= 1.0 + discount_rate;
    npv += (margins[k] - cost) * discount;
  }
  if (!std::isfinite(npv)) {
    return absl::OutOfRangeError("net present value: the sum overflows a double");
  }
  return npv;
}

absl::Status ClvHorizon::Validate() const {
  if (periods < 1 || periods > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat("CLV horizon: periods must be in [1, 100000], got ", periods));
  }
  if (!(std::isfinite(period_days) && period_days > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CLV horizon: period_days must be finite and > 0, got ", FormatDouble(period_days)));
  }
  if (unit != TimeUnit::kDays && unit != TimeUnit::kWeeks && unit != TimeUnit::kMonths) {
    return absl::InvalidArgumentError(absl::StrCat("CLV horizon: unknown time unit ",
                                                   static_cast<int>(unit)));
  }
  return CheckDiscountRate("CLV horizon", discount_rate);
}

absl::Status BgNbdDiscountedClv(const BgNbdParams& params, const ClvHorizon& horizon,
                                absl::Span<const double> spend, absl::Span<const double> x,
                                absl::Span<const double> t_x, absl::Span<const double> T,
                                absl::Span<double> out) {
  return DiscountedClv(horizon, spend, x.size(), out, [&](double t, absl::Span<double> e) {
    return BgNbdExpectedPurchases(params, t, x, t_x, T, e);
  });
}

absl::Status ParetoNbdDiscountedClv(const ParetoNbdParams& params, const ClvHorizon& horizon,
                                    absl::Span<const double> spend, absl::Span<const double> x,
                                    absl::Span<const double> t_x, absl::Span<const double> T,
                                    absl::Span<double> out) {
  return DiscountedClv(horizon, spend, x.size(), out, [&](double t, absl::Span<double> e) {
    return ParetoNbdExpectedPurchases(params, t, x, t_x, T, e);
  });
}

absl::Status MbgNbdDiscountedClv(const MbgNbdParams& params, const ClvHorizon& horizon,
                                 absl::Span<const double> spend, absl::Span<const double> x,
                                 absl::Span<const double> t_x, absl::Span<const double> T,
                                 absl::Span<double> out) {
  return DiscountedClv(horizon, spend, x.size(), out, [&](double t, absl::Span<double> e) {
    return MbgNbdExpectedPurchases(params, t, x, t_x, T, e);
  });
}

}  // namespace crmcore

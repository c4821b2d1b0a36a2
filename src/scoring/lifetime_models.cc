#include "scoring/lifetime_models.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/bgbb.h"
#include "crmcore/bgnbd.h"
#include "crmcore/calendar.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/mbgnbd.h"
#include "crmcore/pareto_nbd.h"
#include "crmcore/sbg.h"
#include "crmcore/status.h"
#include "crmcore/money.h"

namespace crmcore {

namespace {

struct KindInfo {
  LifetimeModelKind kind;
  const char* spelling;
  const char* display_name;
  size_t parameters;
};

constexpr std::array<KindInfo, 6> kKinds = {{
    {LifetimeModelKind::kNone, "none", "none", 0},
    {LifetimeModelKind::kBgNbdGammaGamma, "bgnbd", "BG/NBD", 4},
    {LifetimeModelKind::kParetoNbdGammaGamma, "pareto", "Pareto/NBD", 4},
    {LifetimeModelKind::kMbgNbdGammaGamma, "mbgnbd", "MBG/NBD", 4},
    {LifetimeModelKind::kBgBbGammaGamma, "bgbb", "BG/BB", 4},
    {LifetimeModelKind::kSbgGammaGamma, "sbg", "sBG", 2},
}};

const KindInfo* FindKind(LifetimeModelKind kind) {
  for (const KindInfo& info : kKinds) {
    if (info.kind == kind) return &info;
  }
  return nullptr;
}

}  // namespace

const char* LifetimeModelSpelling(LifetimeModelKind kind) {
  const KindInfo* info = FindKind(kind);
  return info == nullptr ? "?" : info->spelling;
}

const char* LifetimeModelDisplayName(LifetimeModelKind kind) {
  const KindInfo* info = FindKind(kind);
  return info == nullptr ? "?" : info->display_name;
}

std::optional<LifetimeModelKind> LifetimeModelFromSpelling(absl::string_view spelling) {
  for (const KindInfo& info : kKinds) {
    if (spelling == info.spelling) return info.kind;
  }
  return std::nullopt;
}

bool IsPeriodModel(LifetimeModelKind kind) {
  return kind == LifetimeModelKind::kBgBbGammaGamma || kind == LifetimeModelKind::kSbgGammaGamma;
}

namespace scoring_internal {

namespace {

absl::Status CheckParameterCount(LifetimeModelKind kind, absl::Span<const double> p) {
  const KindInfo* info = FindKind(kind);
  if (info == nullptr || info->parameters == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("lifetime model: no purchase model of kind ", static_cast<int>(kind)));
  }
  if (p.size() != info->parameters) {
    return absl::InvalidArgumentError(absl::StrCat(info->display_name, ": expected ",
                                                   info->parameters, " parameters, got ",
                                                   p.size()));
  }
  return absl::OkStatus();
}

bool StillRenewing(const ModelRows& rows, size_t i) { return rows.t_x[i] == rows.T[i]; }

// A whole number of periods >= 0 from a double (the callers validated the horizon).
absl::StatusOr<int64_t> WholePeriods(const char* model, double periods) {
  if (!(std::isfinite(periods) && periods >= 0.0 && periods <= 1e6 &&
        periods == std::floor(periods))) {
    return absl::InvalidArgumentError(absl::StrCat(
        model, ": the horizon must be a whole number of periods in [0, 1e6], got ",
        FormatDouble(periods)));
  }
  return static_cast<int64_t>(periods);
}

// Σ_k spend · P(transaction at opportunity n+k) / (1+d)^k over the CLV's periods (the
// periods are the opportunities). The probability is the summand of FHS 2010 eq. 13,
// B(α+x+1, β+n−x)/B(α, β) · B(γ, δ+n+k)/B(γ, δ) / L, so it is E(1) at k = 1 (the expected
// transactions in the next opportunity) and the ratio of consecutive terms is
// B(γ, δ+n+k+1)/B(γ, δ+n+k) = (δ+n+k)/(γ+δ+n+k): one pass over the periods, not one
// expected-transactions call per period.
absl::Status BgBbDiscountedClv(const BgBbParams& b, const ClvHorizon& horizon,
                               absl::Span<const double> spend, const ModelRows& rows,
                               absl::Span<double> out) {
  const size_t n = rows.x.size();
  std::vector<double> next(n);
  CRM_RETURN_IF_ERROR(
      BgBbExpectedTransactions(b, 1, rows.x, rows.t_x, rows.T, absl::MakeSpan(next)));
  for (size_t i = 0; i < n; ++i) {
    double probability = next[i], discount = 1.0, sum = 0.0;
    for (int k = 1; k <= horizon.periods; ++k) {
      discount /= 1.0 + horizon.discount_rate;
      sum += probability * discount;
      // at/(γ+at) as 1/(1+γ/at), which cannot overflow.
      const double at = b.delta + rows.T[i] + static_cast<double>(k);
      probability /= 1.0 + b.gamma / at;
    }
    out[i] = spend[i] * sum;
  }
  return absl::OkStatus();
}

absl::Status CheckSpend(absl::Span<const double> spend, size_t n) {
  if (spend.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("discounted CLV: spend has ", spend.size(), " rows, expected ", n));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!(std::isfinite(spend[i]) && spend[i] >= 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "discounted CLV row ", i, ": spend must be finite and >= 0, got ",
          FormatDouble(spend[i])));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckFinite(const char* what, absl::Span<const double> out) {
  for (size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i])) {
      return absl::OutOfRangeError(absl::StrCat(what, " row ", i, ": not finite"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PeriodHistories> PeriodHistoriesFromOccasions(const CustomerOccasions& occasions,
                                                             const RfmSummary& summary,
                                                             double period_days) {
  if (!(std::isfinite(period_days) && period_days >= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "period models (bgbb, sbg): the period (CLV period_days) must be finite and >= 1 "
        "day, got ",
        FormatDouble(period_days)));
  }
  const size_t rows = summary.size();
  const int32_t end_day = ToDayNumber(summary.observation_end);
  const double minor_per_major =
      static_cast<double>(money_internal::PowerOfTen(summary.minor_digits));
  PeriodHistories h;
  h.frequency.resize(rows);
  h.recency.resize(rows);
  h.periods.resize(rows);
  h.monetary_value.resize(rows);
  for (size_t i = 0; i < rows; ++i) {
    const absl::Span<const int32_t> days = occasions.days_of(summary.customer[i]);
    const absl::Span<const int64_t> values = occasions.values_of(summary.customer[i]);
    // Periods back from the observation end; the first purchase's period is acquisition.
    auto back_of = [&](int32_t day) {
      return static_cast<int64_t>(std::floor((end_day - day) / period_days));
    };
    const int64_t acquisition = back_of(days.front());
    int64_t x = 0, last = 0;
    int64_t value = 0;
    for (size_t k = 0; k < days.size() && days[k] <= end_day; ++k) {
      const int64_t period = acquisition - back_of(days[k]);  // 0 = acquisition period
      if (period == 0) continue;
      if (period != last) {
        ++x;
        last = period;
      }
      if (__builtin_add_overflow(value, values[k], &value)) {
        return absl::OutOfRangeError(absl::StrCat("customer \"", summary.customer_ids[i],
                                                  "\": period spend overflows int64 minor "
                                                  "units"));
      }
    }
    h.frequency[i] = static_cast<double>(x);
    h.recency[i] = static_cast<double>(last);
    h.periods[i] = static_cast<double>(acquisition);
    h.monetary_value[i] =
        x == 0 ? 0.0 : static_cast<double>(value) / static_cast<double>(x) / minor_per_major;
  }
  return h;
}

absl::StatusOr<PurchaseModelFit> FitPurchaseModel(LifetimeModelKind kind,
                                                  const CustomerTable& table,
                                                  const FitOptions& options) {
  PurchaseModelFit fit;
  fit.kind = kind;
  const PeriodHistories& ph = table.period_histories;
  switch (kind) {
    case LifetimeModelKind::kBgNbdGammaGamma:
    case LifetimeModelKind::kParetoNbdGammaGamma:
    case LifetimeModelKind::kMbgNbdGammaGamma: {
      CRM_ASSIGN_OR_RETURN(PurchaseHistories histories,
                           PurchaseHistoriesFromSummary(table.summary));
      if (kind == LifetimeModelKind::kBgNbdGammaGamma) {
        CRM_ASSIGN_OR_RETURN(BgNbdFit f, FitBgNbd(histories, options));
        fit.params = {f.params.r, f.params.alpha, f.params.a, f.params.b};
        fit.report = std::move(f.report);
      } else if (kind == LifetimeModelKind::kParetoNbdGammaGamma) {
        CRM_ASSIGN_OR_RETURN(ParetoNbdFit f, FitParetoNbd(histories, options));
        fit.params = {f.params.r, f.params.alpha, f.params.s, f.params.beta};
        fit.report = std::move(f.report);
      } else {
        CRM_ASSIGN_OR_RETURN(MbgNbdFit f, FitMbgNbd(histories, options));
        fit.params = {f.params.r, f.params.alpha, f.params.a, f.params.b};
        fit.report = std::move(f.report);
      }
      return fit;
    }
    case LifetimeModelKind::kBgBbGammaGamma: {
      CRM_ASSIGN_OR_RETURN(BgBbHistories histories,
                           BgBbHistories::Create(ph.frequency, ph.recency, ph.periods));
      CRM_ASSIGN_OR_RETURN(BgBbFit f, FitBgBb(histories, options));
      fit.params = {f.params.alpha, f.params.beta, f.params.gamma, f.params.delta};
      fit.report = std::move(f.report);
      return fit;
    }
    case LifetimeModelKind::kSbgGammaGamma: {
      // One cohort per acquisition period n >= 1: survivors[t] = its customers still
      // renewing at the start of period t (t_x >= t), t = 0..n.
      const int64_t max_n = ph.periods.empty()
                                ? 0
                                : static_cast<int64_t>(*std::max_element(ph.periods.begin(),
                                                                         ph.periods.end()));
      std::vector<std::vector<double>> by_cohort(static_cast<size_t>(max_n) + 1);
      for (size_t i = 0; i < ph.periods.size(); ++i) {
        const auto n = static_cast<size_t>(ph.periods[i]);
        if (n == 0) continue;  // acquired in the last period: no renewal decision yet
        std::vector<double>& survivors = by_cohort[n];
        if (survivors.empty()) survivors.assign(n + 1, 0.0);
        for (size_t t = 0; t <= static_cast<size_t>(ph.recency[i]); ++t) survivors[t] += 1.0;
      }
      std::vector<std::vector<double>> cohorts;
      for (std::vector<double>& survivors : by_cohort) {
        if (!survivors.empty()) cohorts.push_back(std::move(survivors));
      }
      if (cohorts.empty()) {
        return absl::InvalidArgumentError(
            "sBG: no customer was acquired a whole period or more before the observation "
            "end, so none has made a renewal decision");
      }
      CRM_ASSIGN_OR_RETURN(SurvivorSeries series, SurvivorSeries::Create(cohorts));
      CRM_ASSIGN_OR_RETURN(SbgFit f, FitSbg(series, options));
      fit.params = {f.params.alpha, f.params.beta};
      fit.report = std::move(f.report);
      return fit;
    }
    case LifetimeModelKind::kNone:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("lifetime model: no purchase model of kind ", static_cast<int>(kind)));
}

absl::Status ValidatePurchaseModel(const PurchaseModelFit& fit) {
  const absl::Span<const double> p = fit.params;
  CRM_RETURN_IF_ERROR(CheckParameterCount(fit.kind, p));
  switch (fit.kind) {
    case LifetimeModelKind::kBgNbdGammaGamma:
      return BgNbdParams{p[0], p[1], p[2], p[3]}.Validate();
    case LifetimeModelKind::kParetoNbdGammaGamma:
      return ParetoNbdParams{p[0], p[1], p[2], p[3]}.Validate();
    case LifetimeModelKind::kMbgNbdGammaGamma:
      return MbgNbdParams{p[0], p[1], p[2], p[3]}.Validate();
    case LifetimeModelKind::kBgBbGammaGamma:
      return BgBbParams{p[0], p[1], p[2], p[3]}.Validate();
    case LifetimeModelKind::kSbgGammaGamma:
      return SbgParams{p[0], p[1]}.Validate();
    case LifetimeModelKind::kNone:
      break;
  }
  return absl::InvalidArgumentError("lifetime model: kind none has no parameters");
}

absl::StatusOr<RepeatPurchaseModel> RepeatPurchaseModelOf(const PurchaseModelFit& fit) {
  CRM_RETURN_IF_ERROR(CheckParameterCount(fit.kind, fit.params));
  const std::vector<double>& p = fit.params;
  switch (fit.kind) {
    case LifetimeModelKind::kBgNbdGammaGamma:
      return BgNbdParams{p[0], p[1], p[2], p[3]};
    case LifetimeModelKind::kParetoNbdGammaGamma:
      return ParetoNbdParams{p[0], p[1], p[2], p[3]};
    case LifetimeModelKind::kMbgNbdGammaGamma:
      return MbgNbdParams{p[0], p[1], p[2], p[3]};
    default:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat(LifetimeModelDisplayName(fit.kind),
                                                 " is not a continuous-time purchase model"));
}

absl::Status PredictProbabilityAlive(LifetimeModelKind kind, absl::Span<const double> p,
                                     const ModelRows& rows, absl::Span<double> out) {
  CRM_RETURN_IF_ERROR(CheckParameterCount(kind, p));
  switch (kind) {
    case LifetimeModelKind::kBgNbdGammaGamma:
      return BgNbdProbabilityAlive({p[0], p[1], p[2], p[3]}, rows.x, rows.t_x, rows.T, out);
    case LifetimeModelKind::kParetoNbdGammaGamma:
      return ParetoNbdProbabilityAlive({p[0], p[1], p[2], p[3]}, rows.x, rows.t_x, rows.T, out);
    case LifetimeModelKind::kMbgNbdGammaGamma:
      return MbgNbdProbabilityAlive({p[0], p[1], p[2], p[3]}, rows.x, rows.t_x, rows.T, out);
    case LifetimeModelKind::kBgBbGammaGamma:
      return BgBbProbabilityAlive({p[0], p[1], p[2], p[3]}, rows.x, rows.t_x, rows.T, out);
    case LifetimeModelKind::kSbgGammaGamma:
      // Contractual: whether a customer is still a customer is observed, not inferred.
      CRM_RETURN_IF_ERROR((SbgParams{p[0], p[1]}.Validate()));
      for (size_t i = 0; i < out.size(); ++i) out[i] = StillRenewing(rows, i) ? 1.0 : 0.0;
      return absl::OkStatus();
    case LifetimeModelKind::kNone:
      break;
  }
  return absl::InternalError("unreachable");
}

absl::Status PredictExpectedPurchases(LifetimeModelKind kind, absl::Span<const double> p,
                                      double horizon, const ModelRows& rows,
                                      absl::Span<double> out) {
  CRM_RETURN_IF_ERROR(CheckParameterCount(kind, p));
  switch (kind) {
    case LifetimeModelKind::kBgNbdGammaGamma:
      return BgNbdExpectedPurchases({p[0], p[1], p[2], p[3]}, horizon, rows.x, rows.t_x, rows.T,
                                    out);
    case LifetimeModelKind::kParetoNbdGammaGamma:
      return ParetoNbdExpectedPurchases({p[0], p[1], p[2], p[3]}, horizon, rows.x, rows.t_x,
                                        rows.T, out);
    case LifetimeModelKind::kMbgNbdGammaGamma:
      return MbgNbdExpectedPurchases({p[0], p[1], p[2], p[3]}, horizon, rows.x, rows.t_x,
                                     rows.T, out);
    case LifetimeModelKind::kBgBbGammaGamma: {
      CRM_ASSIGN_OR_RETURN(const int64_t periods, WholePeriods("BG/BB", horizon));
      return BgBbExpectedTransactions({p[0], p[1], p[2], p[3]}, static_cast<double>(periods),
                                      rows.x, rows.t_x, rows.T, out);
    }
    case LifetimeModelKind::kSbgGammaGamma: {
      const SbgParams s{p[0], p[1]};
      CRM_RETURN_IF_ERROR(s.Validate());
      CRM_ASSIGN_OR_RETURN(const int64_t periods, WholePeriods("sBG", horizon));
      for (size_t i = 0; i < out.size(); ++i) {
        out[i] = 0.0;
        if (!StillRenewing(rows, i)) continue;
        CRM_ASSIGN_OR_RETURN(out[i], SbgExpectedResidualPayments(s, 0.0, rows.T[i], periods));
      }
      return CheckFinite("sBG expected renewals", out);
    }
    case LifetimeModelKind::kNone:
      break;
  }
  return absl::InternalError("unreachable");
}

absl::Status PredictDiscountedClv(LifetimeModelKind kind, absl::Span<const double> p,
                                  const ClvHorizon& horizon, absl::Span<const double> spend,
                                  const ModelRows& rows, absl::Span<double> out) {
  CRM_RETURN_IF_ERROR(CheckParameterCount(kind, p));
  switch (kind) {
    case LifetimeModelKind::kBgNbdGammaGamma:
      return BgNbdDiscountedClv({p[0], p[1], p[2], p[3]}, horizon, spend, rows.x, rows.t_x,
                                rows.T, out);
    case LifetimeModelKind::kParetoNbdGammaGamma:
      return ParetoNbdDiscountedClv({p[0], p[1], p[2], p[3]}, horizon, spend, rows.x, rows.t_x,
                                    rows.T, out);
    case LifetimeModelKind::kMbgNbdGammaGamma:
      return MbgNbdDiscountedClv({p[0], p[1], p[2], p[3]}, horizon, spend, rows.x, rows.t_x,
                                 rows.T, out);
    case LifetimeModelKind::kBgBbGammaGamma:
      CRM_RETURN_IF_ERROR(horizon.Validate());
      CRM_RETURN_IF_ERROR(CheckSpend(spend, rows.x.size()));
      CRM_RETURN_IF_ERROR(BgBbDiscountedClv({p[0], p[1], p[2], p[3]}, horizon, spend, rows, out));
      return CheckFinite("BG/BB discounted CLV", out);
    case LifetimeModelKind::kSbgGammaGamma: {
      const SbgParams s{p[0], p[1]};
      CRM_RETURN_IF_ERROR(s.Validate());
      CRM_RETURN_IF_ERROR(horizon.Validate());
      CRM_RETURN_IF_ERROR(CheckSpend(spend, rows.x.size()));
      for (size_t i = 0; i < out.size(); ++i) {
        out[i] = 0.0;
        if (!StillRenewing(rows, i)) continue;
        CRM_ASSIGN_OR_RETURN(const double payments,
                             SbgExpectedResidualPayments(s, horizon.discount_rate, rows.T[i],
                                                         horizon.periods));
        out[i] = spend[i] * payments;
      }
      return CheckFinite("sBG discounted CLV", out);
    }
    case LifetimeModelKind::kNone:
      break;
  }
  return absl::InternalError("unreachable");
}

ParametricPrediction ProbabilityAlivePrediction(LifetimeModelKind kind, const ModelRows& rows) {
  return [=](absl::Span<const double> p, absl::Span<double> out) {
    return PredictProbabilityAlive(kind, p, rows, out);
  };
}

ParametricPrediction ExpectedPurchasesPrediction(LifetimeModelKind kind, double horizon,
                                                 const ModelRows& rows) {
  return [=](absl::Span<const double> p, absl::Span<double> out) {
    return PredictExpectedPurchases(kind, p, horizon, rows, out);
  };
}

ParametricPrediction ClvPrediction(LifetimeModelKind kind, size_t purchase_params,
                                   const ClvHorizon& horizon, const ModelRows& rows,
                                   absl::Span<const double> spend_x,
                                   absl::Span<const double> monetary_value) {
  return [=](absl::Span<const double> p, absl::Span<double> out) -> absl::Status {
    if (p.size() != purchase_params + 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          "CLV: expected ", purchase_params + 3, " parameters, got ", p.size()));
    }
    std::vector<double> spend(out.size());
    const absl::Span<const double> g = p.subspan(purchase_params);
    CRM_RETURN_IF_ERROR(GammaGammaExpectedMeanSpend({g[0], g[1], g[2]}, spend_x,
                                                    monetary_value, absl::MakeSpan(spend)));
    return PredictDiscountedClv(kind, p.first(purchase_params), horizon, spend, rows, out);
  };
}

}  // namespace scoring_internal
}  // namespace crmcore

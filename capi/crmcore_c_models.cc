// The C API's models section (capi/crmcore.h, "Lifetime-value models"): BG/NBD,
// Pareto/NBD, Gamma-Gamma, MBG/NBD, BG/BB and sBG fits behind an immutable crm_model
// handle, predictions over caller columns, CLV and NPV (crmcore/bgnbd.h, pareto_nbd.h,
// gamma_gamma.h, mbgnbd.h, bgbb.h, sbg.h, clv.h).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "capi_history.h"
#include "capi_internal.h"
#include "capi_model.h"
#include "capi_summary.h"
#include "crmcore.h"
#include "crmcore/bgbb.h"
#include "crmcore/bgnbd.h"
#include "crmcore/clv.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/lifetime_predictions.h"
#include "crmcore/model_file.h"
#include "crmcore/mbgnbd.h"
#include "crmcore/model_fit.h"
#include "crmcore/pareto_nbd.h"
#include "crmcore/sbg.h"
#include "crmcore/prediction_intervals.h"
#include "crmcore/status.h"


namespace {

using namespace crmcore::capi_internal;  // NOLINT: the C API's shared toolkit

using crmcore::BgBbParams;
using crmcore::BgNbdParams;
using crmcore::GammaGammaParams;
using crmcore::MbgNbdParams;
using crmcore::ParetoNbdParams;
using crmcore::SbgParams;

// Parameters in the documented order (Gamma-Gamma uses the first three).
using ParamArray = std::array<double, 4>;

constexpr crm_fit_options kFitInit = CRM_FIT_OPTIONS_INIT;
static_assert(kFitInit.gradient_tolerance == crmcore::FitOptions{}.gradient_tolerance);
static_assert(kFitInit.max_iterations == crmcore::FitOptions{}.max_iterations);
static_assert(kFitInit.min_repeat_buyers == crmcore::FitOptions{}.min_repeat_buyers);
static_assert(kFitInit.penalizer == crmcore::FitOptions{}.penalizer);
// crm_fit_options before `penalizer` was appended: still accepted, penalizer 0.
constexpr size_t kFitOptionsSizeV1 = offsetof(crm_fit_options, penalizer);
constexpr crm_clv_options kClvInit = CRM_CLV_OPTIONS_INIT;
static_assert(kClvInit.periods == crmcore::ClvHorizon{}.periods);
static_assert(kClvInit.period_length == 0.0);  // unused: period_days defines the period
static_assert(kClvInit.period_days == crmcore::ClvHorizon{}.period_days);
static_assert(kClvInit.discount_rate == crmcore::ClvHorizon{}.discount_rate);
static_assert(kClvInit.time_unit == CRM_TIME_UNIT_DAYS);
// The size of crm_clv_options before time_unit and period_days, still accepted.
constexpr size_t kClvOptionsSizeV1 = offsetof(crm_clv_options, time_unit);

absl::StatusOr<crmcore::TimeUnit> ToCoreTimeUnit(int32_t unit) {
  switch (unit) {
    case CRM_TIME_UNIT_DAYS: return crmcore::TimeUnit::kDays;
    case CRM_TIME_UNIT_WEEKS: return crmcore::TimeUnit::kWeeks;
    case CRM_TIME_UNIT_MONTHS: return crmcore::TimeUnit::kMonths;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "crm_clv_options.time_unit must be CRM_TIME_UNIT_DAYS (0), _WEEKS (1) or _MONTHS "
          "(2), got ", unit));
  }
}

const char* KindName(int kind) {
  switch (kind) {
    case CRM_MODEL_BGNBD: return "BG/NBD";
    case CRM_MODEL_PARETO_NBD: return "Pareto/NBD";
    case CRM_MODEL_MBGNBD: return "MBG/NBD";
    case CRM_MODEL_BGBB: return "BG/BB";
    case CRM_MODEL_SBG: return "sBG";
    default: return "Gamma-Gamma";
  }
}

// The kind's parameter count; InvalidArgument for an unknown kind.
absl::StatusOr<size_t> ParamCount(int kind) {
  switch (kind) {
    case CRM_MODEL_BGNBD: return 4;
    case CRM_MODEL_PARETO_NBD: return 4;
    case CRM_MODEL_GAMMA_GAMMA: return 3;
    case CRM_MODEL_MBGNBD: return 4;
    case CRM_MODEL_BGBB: return 4;
    case CRM_MODEL_SBG: return 2;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown model kind ", kind,
          " (valid: CRM_MODEL_BGNBD (0), CRM_MODEL_PARETO_NBD (1), CRM_MODEL_GAMMA_GAMMA (2), "
          "CRM_MODEL_MBGNBD (3), CRM_MODEL_BGBB (4), CRM_MODEL_SBG (5))"));
  }
}

BgNbdParams ToBgNbd(const double* p) { return {p[0], p[1], p[2], p[3]}; }
ParetoNbdParams ToPareto(const double* p) { return {p[0], p[1], p[2], p[3]}; }
GammaGammaParams ToGammaGamma(const double* p) { return {p[0], p[1], p[2]}; }
MbgNbdParams ToMbgNbd(const double* p) { return {p[0], p[1], p[2], p[3]}; }
BgBbParams ToBgBb(const double* p) { return {p[0], p[1], p[2], p[3]}; }
SbgParams ToSbg(const double* p) { return {p[0], p[1]}; }

// `n_params` host parameters of `kind`, validated (each finite and > 0, named).
absl::StatusOr<std::array<double, 4>> ReadParams(int kind, const double* params, size_t n_params,
                                                 absl::string_view name) {
  CRM_ASSIGN_OR_RETURN(const size_t count, ParamCount(kind));
  CRM_RETURN_IF_ERROR(RequireNonNull(params, name));
  if (n_params != count) {
    return absl::InvalidArgumentError(absl::StrCat(KindName(kind), " has ", count,
                                                   " parameters, but ", name, " has ",
                                                   n_params));
  }
  std::array<double, 4> out{};
  for (size_t k = 0; k < count; ++k) out[k] = params[k];
  switch (kind) {
    case CRM_MODEL_BGNBD: CRM_RETURN_IF_ERROR(ToBgNbd(out.data()).Validate()); break;
    case CRM_MODEL_PARETO_NBD: CRM_RETURN_IF_ERROR(ToPareto(out.data()).Validate()); break;
    case CRM_MODEL_MBGNBD: CRM_RETURN_IF_ERROR(ToMbgNbd(out.data()).Validate()); break;
    case CRM_MODEL_BGBB: CRM_RETURN_IF_ERROR(ToBgBb(out.data()).Validate()); break;
    case CRM_MODEL_SBG: CRM_RETURN_IF_ERROR(ToSbg(out.data()).Validate()); break;
    default: CRM_RETURN_IF_ERROR(ToGammaGamma(out.data()).Validate()); break;
  }
  return out;
}

struct FitSettings {
  crmcore::FitOptions options;
  std::optional<std::array<double, 4>> initial;
  // crm_fit_options.weights (borrowed; NULL = unweighted), checked against n by the fit.
  const double* weights = nullptr;
};

// The size of crm_fit_options before weights was appended, still accepted.
constexpr size_t kFitOptionsSizeV2 = offsetof(crm_fit_options, weights);

absl::StatusOr<FitSettings> ToCore(int kind, const crm_fit_options* options) {
  FitSettings settings;
  if (options == nullptr) return settings;
  CRM_RETURN_IF_ERROR(CheckStructSize<crm_fit_options>(options->struct_size, "crm_fit_options",
                                                        {kFitOptionsSizeV1, kFitOptionsSizeV2}));
  settings.options.gradient_tolerance = options->gradient_tolerance;
  settings.options.max_iterations = options->max_iterations;
  settings.options.min_repeat_buyers = options->min_repeat_buyers;
  if (options->struct_size > kFitOptionsSizeV1) {
    settings.options.penalizer = options->penalizer;
  }
  if (options->struct_size > kFitOptionsSizeV2) settings.weights = options->weights;
  CRM_RETURN_IF_ERROR(settings.options.Validate());
  if (options->initial_params != nullptr) {
    CRM_ASSIGN_OR_RETURN(settings.initial,
                         ReadParams(kind, options->initial_params, options->initial_param_count,
                                    "crm_fit_options.initial_params"));
  } else if (options->initial_param_count != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("crm_fit_options.initial_params is NULL but initial_param_count is ",
                     options->initial_param_count, " (must be 0)"));
  }
  return settings;
}

// crm_fit_options.weights is for the column fits: a function that does not read it says so
// rather than fitting unweighted.
absl::Status RefuseOptionWeights(const FitSettings& settings, absl::string_view function) {
  if (settings.weights == nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("crm_fit_options.weights is not read by ", function, ": set it to NULL"));
}

// A borrowed column of n doubles; NULL is accepted only for n = 0.
absl::StatusOr<absl::Span<const double>> Column(const double* data, size_t n,
                                                absl::string_view name) {
  if (n > 0) CRM_RETURN_IF_ERROR(RequireNonNull(data, name));
  return absl::MakeConstSpan(data, n);
}

// The frequency column Gamma-Gamma sees: repeat buyers with a finite mean spend <= 0
// (refunds, free items) count as x = 0, as in ScoreCustomers and the CLI; a non-finite
// spend is left for the core to reject, naming the row.
std::vector<double> SpendFrequency(absl::Span<const double> frequency,
                                   absl::Span<const double> monetary, int64_t& excluded,
                                   absl::Span<const double> weights = {}) {
  std::vector<double> x(frequency.begin(), frequency.end());
  // With weights a row stands for `weight` customers, and so many are left out.
  double left_out = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] > 0.0 && std::isfinite(monetary[i]) && monetary[i] <= 0.0) {
      x[i] = 0.0;
      left_out += weights.empty() ? 1.0 : (std::isfinite(weights[i]) ? weights[i] : 0.0);
    }
  }
  excluded = left_out < 9.0e18 ? static_cast<int64_t>(std::llround(left_out)) : INT64_MAX;
  return x;
}

template <size_t N>
std::array<double, 4> Widen(const std::array<double, N>& in) {
  std::array<double, 4> out{};
  for (size_t k = 0; k < N; ++k) out[k] = in[k];
  return out;
}

template <typename Fit>
crm_model MakeFitted(int kind, const Fit& fit, std::array<double, 4> params, double customers,
                     int64_t excluded, double penalizer) {
  crm_model model;
  model.penalizer = penalizer;
  model.kind = kind;
  model.params = params;
  model.param_count = *ParamCount(kind);
  model.fitted = true;
  model.report = fit.report;
  model.customers = customers;
  model.excluded = excluded;
  return model;
}

// The fit of `kind` on compressed purchase histories (BG/NBD, MBG/NBD or Pareto/NBD).
absl::StatusOr<crm_model> FitPurchases(int kind, const crmcore::PurchaseHistories& histories,
                                       const FitSettings& settings) {
  if (kind == CRM_MODEL_BGNBD) {
    const BgNbdParams initial =
        settings.initial ? ToBgNbd(settings.initial->data()) : BgNbdParams{};
    CRM_ASSIGN_OR_RETURN(const auto fit, crmcore::FitBgNbd(histories, settings.options, initial));
    return MakeFitted(kind, fit, {fit.params.r, fit.params.alpha, fit.params.a, fit.params.b},
                      histories.total_weight(), 0, settings.options.penalizer);
  }
  if (kind == CRM_MODEL_MBGNBD) {
    const MbgNbdParams initial =
        settings.initial ? ToMbgNbd(settings.initial->data()) : MbgNbdParams{};
    CRM_ASSIGN_OR_RETURN(const auto fit, crmcore::FitMbgNbd(histories, settings.options, initial));
    return MakeFitted(kind, fit, {fit.params.r, fit.params.alpha, fit.params.a, fit.params.b},
                      histories.total_weight(), 0, settings.options.penalizer);
  }
  const ParetoNbdParams initial =
      settings.initial ? ToPareto(settings.initial->data()) : ParetoNbdParams{};
  CRM_ASSIGN_OR_RETURN(const auto fit,
                       crmcore::FitParetoNbd(histories, settings.options, initial));
  return MakeFitted(kind, fit, {fit.params.r, fit.params.alpha, fit.params.s, fit.params.beta},
                    histories.total_weight(), 0, settings.options.penalizer);
}

// The Gamma-Gamma fit on compressed spend histories; `excluded` repeat buyers were left out.
absl::StatusOr<crm_model> FitSpend(const crmcore::SpendHistories& spend,
                                   const FitSettings& settings, int64_t excluded) {
  const GammaGammaParams initial =
      settings.initial ? ToGammaGamma(settings.initial->data()) : GammaGammaParams{};
  CRM_ASSIGN_OR_RETURN(const auto fit, crmcore::FitGammaGamma(spend, settings.options, initial));
  return MakeFitted(CRM_MODEL_GAMMA_GAMMA, fit,
                    Widen(std::array{fit.params.p, fit.params.q, fit.params.gamma}),
                    spend.total_weight(), excluded, settings.options.penalizer);
}

absl::StatusOr<crm_model*> Fit(int kind, const double* frequency, const double* recency,
                               const double* T, const double* monetary, size_t n,
                               const crm_fit_options* options) {
  CRM_RETURN_IF_ERROR(ParamCount(kind).status());
  if (kind == CRM_MODEL_BGBB || kind == CRM_MODEL_SBG) {
    return absl::InvalidArgumentError(absl::StrCat(
        KindName(kind), " is not fitted on (x, t_x, T) columns: use ",
        kind == CRM_MODEL_BGBB ? "crm_model_fit_bgbb" : "crm_model_fit_sbg"));
  }
  CRM_ASSIGN_OR_RETURN(const FitSettings settings, ToCore(kind, options));
  CRM_RETURN_IF_ERROR(RequireNonNull(frequency, "frequency"));
  const auto x = absl::MakeConstSpan(frequency, n);
  // Weighted rows: the cores check each weight (finite, >= 0) and name the row.
  const absl::Span<const double> weights =
      settings.weights == nullptr ? absl::Span<const double>() : absl::MakeConstSpan(settings.weights, n);
  crm_model model;
  if (kind == CRM_MODEL_GAMMA_GAMMA) {
    CRM_RETURN_IF_ERROR(RequireNonNull(monetary, "monetary"));
    const auto m = absl::MakeConstSpan(monetary, n);
    if (n == 0) {
      return absl::InvalidArgumentError("Gamma-Gamma fit: no customers, got n = 0");
    }
    int64_t excluded = 0;
    const std::vector<double> spend_x = SpendFrequency(x, m, excluded, weights);
    CRM_ASSIGN_OR_RETURN(const auto spend, crmcore::SpendHistories::Create(spend_x, m, weights));
    CRM_ASSIGN_OR_RETURN(model, FitSpend(spend, settings, excluded));
  } else {
    CRM_RETURN_IF_ERROR(RequireNonNull(recency, "recency"));
    CRM_RETURN_IF_ERROR(RequireNonNull(T, "T"));
    CRM_ASSIGN_OR_RETURN(const auto histories,
                         crmcore::PurchaseHistories::Create(x, absl::MakeConstSpan(recency, n),
                                                            absl::MakeConstSpan(T, n), weights));
    CRM_ASSIGN_OR_RETURN(model, FitPurchases(kind, histories, settings));
  }
  return NewHandle<crm_model>(std::move(model));
}

// The fit of `kind` on a history state's weighted patterns: the same compressed rows, and
// so the same fit, as crm_model_fit on the customers the state was built from.
absl::StatusOr<crm_model*> FitState(int kind, const crm_history_state& state,
                                    const crm_fit_options* options) {
  CRM_RETURN_IF_ERROR(ParamCount(kind).status());
  if (kind == CRM_MODEL_BGBB || kind == CRM_MODEL_SBG) {
    return absl::InvalidArgumentError(absl::StrCat(
        KindName(kind), " is not fitted on (x, t_x, T) histories: use ",
        kind == CRM_MODEL_BGBB ? "crm_model_fit_bgbb" : "crm_model_fit_sbg"));
  }
  CRM_ASSIGN_OR_RETURN(const FitSettings settings, ToCore(kind, options));
  CRM_RETURN_IF_ERROR(RefuseOptionWeights(settings, "crm_model_fit_history_state (its patterns carry their weights)"));
  const bool spend_state = state.kind == CRM_MODEL_GAMMA_GAMMA;
  if (spend_state != (kind == CRM_MODEL_GAMMA_GAMMA)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a ", KindName(kind), " fit needs a history state of ",
        kind == CRM_MODEL_GAMMA_GAMMA ? "spend patterns (Gamma-Gamma)"
                                      : "purchase patterns (BG/NBD, Pareto/NBD or MBG/NBD)",
        ", but the state holds ", KindName(state.kind), " patterns"));
  }
  std::vector<double> a, b, c, w;
  a.reserve(state.patterns.size());
  b.reserve(state.patterns.size());
  c.reserve(state.patterns.size());
  w.reserve(state.patterns.size());
  for (const auto& [key, weight] : state.patterns) {
    a.push_back(PatternValue(key, 0));
    b.push_back(PatternValue(key, 1));
    c.push_back(PatternValue(key, 2));
    w.push_back(weight);
  }
  crm_model model;
  if (spend_state) {
    if (!(state.excluded <= 9.0e18)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "history state: excluded weight ", crmcore::FormatDouble(state.excluded),
          " is too large"));
    }
    CRM_ASSIGN_OR_RETURN(const auto spend, crmcore::SpendHistories::Create(a, b, w));
    if (spend.size() == 0 && state.excluded == 0.0) {
      return absl::InvalidArgumentError("Gamma-Gamma fit: no customers, the state is empty");
    }
    CRM_ASSIGN_OR_RETURN(model,
                         FitSpend(spend, settings, static_cast<int64_t>(state.excluded)));
  } else {
    CRM_ASSIGN_OR_RETURN(const auto histories, crmcore::PurchaseHistories::Create(a, b, c, w));
    CRM_ASSIGN_OR_RETURN(model, FitPurchases(kind, histories, settings));
  }
  return NewHandle<crm_model>(std::move(model));
}

// A model the call may predict with: live, of one of `kinds`, and usable.
absl::Status CheckUsable(const crm_model* model, absl::string_view name,
                         std::initializer_list<int> kinds, absl::string_view what) {
  CRM_RETURN_IF_ERROR(CheckHandle(model, name));
  bool kind_ok = false;
  for (const int kind : kinds) kind_ok = kind_ok || model->kind == kind;
  if (!kind_ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " is a ", KindName(model->kind), " model; ", what));
  }
  if (model->fitted && !model->report.converged) {
    return absl::FailedPreconditionError(absl::StrCat(
        name, ": the ", KindName(model->kind), " fit did not converge (", model->report.message,
        "); its parameters are not estimates"));
  }
  return absl::OkStatus();
}

// Writes a computed column to the caller's `out` only once the whole column succeeded.
template <typename Compute>
absl::Status IntoCaller(double* out, size_t n, Compute&& compute) {
  if (n > 0) CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
  std::vector<double> result(n);
  CRM_RETURN_IF_ERROR(compute(absl::MakeSpan(result)));
  std::copy(result.begin(), result.end(), out);
  return absl::OkStatus();
}

struct Histories {
  absl::Span<const double> x, t_x, T;
};

absl::StatusOr<Histories> ReadHistories(const double* x, const double* t_x, const double* T,
                                        size_t n) {
  Histories h;
  CRM_ASSIGN_OR_RETURN(h.x, Column(x, n, "x"));
  CRM_ASSIGN_OR_RETURN(h.t_x, Column(t_x, n, "t_x"));
  CRM_ASSIGN_OR_RETURN(h.T, Column(T, n, "T"));
  return h;
}

// Gamma-Gamma's expected spend per purchase (with SpendFrequency's exclusion).
absl::Status ExpectedMeanSpend(const crm_model& model, absl::Span<const double> frequency,
                               absl::Span<const double> monetary, absl::Span<double> out) {
  int64_t excluded = 0;
  const std::vector<double> spend_x = SpendFrequency(frequency, monetary, excluded);
  return crmcore::GammaGammaExpectedMeanSpend(ToGammaGamma(model.params.data()), spend_x,
                                              monetary, out);
}

template <size_t N>
void WriteSum(const crmcore::LogLikelihoodSum<N>& sum, double* out_ll, double* out_gradient) {
  *out_ll = sum.log_likelihood;
  if (out_gradient != nullptr) {
    for (size_t k = 0; k < N; ++k) out_gradient[k] = sum.gradient[k];
  }
}

// The CLV's discounting from the host's options (NULL = the defaults), validated.
absl::StatusOr<crmcore::ClvHorizon> ToCoreClvHorizon(const crm_clv_options* host) {
  crmcore::ClvHorizon horizon;
  if (host != nullptr) {
    CRM_RETURN_IF_ERROR(CheckStructSize<crm_clv_options>(host->struct_size, "crm_clv_options",
                                                         {kClvOptionsSizeV1}));
    // A host built before time_unit and period_days passes the shorter struct: only its
    // bytes are read; it always sets period_length (> 0 then), which gives the period.
    crm_clv_options copy = kClvInit;
    std::memcpy(&copy, host, host->struct_size);
    const crm_clv_options* const options = &copy;
    horizon.periods = options->periods;
    horizon.discount_rate = options->discount_rate;
    horizon.period_days = options->period_days;
    if (options->period_length == 0.0) {
      CRM_ASSIGN_OR_RETURN(horizon.unit, ToCoreTimeUnit(options->time_unit));
    } else {
      // A period given in the unit of T directly: with days as the unit, period_days is
      // that length (PeriodLength() = period_days / 1).
      if (!(std::isfinite(options->period_length) && options->period_length > 0.0)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "crm_clv_options.period_length must be 0 (use period_days) or finite and > 0, "
            "got ", crmcore::FormatDouble(options->period_length)));
      }
      horizon.unit = crmcore::TimeUnit::kDays;
      horizon.period_days = options->period_length;
    }
  }
  CRM_RETURN_IF_ERROR(horizon.Validate());
  return horizon;
}

// The kind as a model file and `crmcore fit --model` spell it.
const char* ModelFileName(int kind) {
  switch (kind) {
    case CRM_MODEL_BGNBD: return "bgnbd";
    case CRM_MODEL_PARETO_NBD: return "pareto";
    case CRM_MODEL_MBGNBD: return "mbgnbd";
    case CRM_MODEL_BGBB: return "bgbb";
    case CRM_MODEL_SBG: return "sbg";
    default: return "gammagamma";
  }
}

crmcore::ModelFile ToModelFile(const crm_model& model) {
  crmcore::ModelFile file;
  file.model = ModelFileName(model.kind);
  // The names come from the same table the reader checks against.
  const std::vector<std::string> names = *crmcore::ModelParameterNames(file.model);
  for (size_t k = 0; k < model.param_count; ++k) file.params.emplace_back(names[k], model.params[k]);
  file.fitted = model.fitted;
  file.report = model.report;
  file.customers = model.customers;
  file.excluded_repeat_buyers = model.excluded;
  file.time_unit = model.time_unit;
  file.penalizer = model.penalizer;
  return file;
}

absl::StatusOr<crm_model> FromModelFile(const crmcore::ModelFile& file) {
  crm_model model;
  bool known = false;
  for (const int kind : {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD, CRM_MODEL_GAMMA_GAMMA,
                         CRM_MODEL_MBGNBD, CRM_MODEL_BGBB, CRM_MODEL_SBG}) {
    if (file.model == ModelFileName(kind)) {
      model.kind = kind;
      known = true;
    }
  }
  if (!known) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model JSON: model kind \"", file.model, "\" has no C API kind in this library"));
  }
  model.param_count = file.params.size();
  for (size_t k = 0; k < file.params.size(); ++k) model.params[k] = file.params[k].second;
  model.fitted = file.fitted;
  model.report = file.report;
  if (!file.fitted) {
    model.report.converged = true;
    model.report.message = "given parameters";
  }
  model.customers = file.customers;
  model.excluded = file.excluded_repeat_buyers;
  model.time_unit = file.time_unit;
  model.penalizer = file.penalizer;
  return model;
}

constexpr absl::string_view kNeedsPurchaseModel = "this needs a BG/NBD or Pareto/NBD model";
constexpr absl::string_view kNeedsHistoryModel =
    "this needs a BG/NBD, Pareto/NBD or MBG/NBD model";

// A BG/BB prediction over the caller's (x, t_x, n) rows.
template <typename Predict>
absl::Status BgBbPrediction(const crm_model* model, const double* x, const double* t_x,
                            const double* periods, size_t n_rows, double* out,
                            Predict&& predict) {
  CRM_RETURN_IF_ERROR(
      CheckUsable(model, "model", {CRM_MODEL_BGBB}, "this needs a BG/BB model"));
  CRM_ASSIGN_OR_RETURN(const auto xs, Column(x, n_rows, "x"));
  CRM_ASSIGN_OR_RETURN(const auto txs, Column(t_x, n_rows, "t_x"));
  CRM_ASSIGN_OR_RETURN(const auto ns, Column(periods, n_rows, "periods"));
  return IntoCaller(out, n_rows, [&](absl::Span<double> result) {
    return predict(ToBgBb(model->params.data()), xs, txs, ns, result);
  });
}

}  // namespace

extern "C" {

crm_status crm_fit_options_init(crm_fit_options* options, size_t struct_size) {
  return Guarded("crm_fit_options_init", [&]() {
    return InitStruct(options, struct_size, kFitInit, "crm_fit_options",
                      {kFitOptionsSizeV1, kFitOptionsSizeV2});
  });
}

crm_status crm_clv_options_init(crm_clv_options* options, size_t struct_size) {
  return Guarded("crm_clv_options_init", [&]() {
    return InitStruct(options, struct_size, kClvInit, "crm_clv_options", {kClvOptionsSizeV1});
  });
}

crm_status crm_model_fit(int kind, const double* frequency, const double* recency,
                         const double* T, const double* monetary, size_t n,
                         const crm_fit_options* options, crm_model** out) {
  return Guarded("crm_model_fit", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(crm_model* const model,
                         Fit(kind, frequency, recency, T, monetary, n, options));
    *out = model;
    return absl::OkStatus();
  });
}

crm_status crm_model_fit_history_state(int kind, const crm_history_state* state,
                                       const crm_fit_options* options, crm_model** out) {
  return Guarded("crm_model_fit_history_state", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(crm_model* const model, FitState(kind, *state, options));
    *out = model;
    return absl::OkStatus();
  });
}

crm_status crm_model_fit_summary(int kind, const crm_summary* summary,
                                 const crm_fit_options* options, crm_model** out) {
  return Guarded("crm_model_fit_summary", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(summary, "summary"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    const crmcore::RfmSummary& s = summary->summary;
    CRM_ASSIGN_OR_RETURN(crm_model* const model,
                         Fit(kind, summary->frequency.data(), s.recency.data(), s.T.data(),
                             s.monetary_value.data(), s.size(), options));
    model->time_unit = s.unit;  // a saved model states the unit it was fitted in
    *out = model;
    return absl::OkStatus();
  });
}

crm_status crm_model_from_params(int kind, const double* params, size_t n_params,
                                 crm_model** out) {
  return Guarded("crm_model_from_params", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    crm_model model;
    CRM_ASSIGN_OR_RETURN(model.params, ReadParams(kind, params, n_params, "params"));
    model.kind = kind;
    model.param_count = n_params;
    model.fitted = false;
    model.report.converged = true;
    model.report.message = "given parameters";
    *out = NewHandle<crm_model>(std::move(model));
    return absl::OkStatus();
  });
}

void crm_model_destroy(crm_model* model) { DestroyHandle(model, "crm_model_destroy"); }

crm_status crm_model_kind(const crm_model* model, int* out) {
  return Guarded("crm_model_kind", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    *out = model->kind;
    return absl::OkStatus();
  });
}

crm_status crm_model_param_count(const crm_model* model, size_t* out) {
  return Guarded("crm_model_param_count", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    *out = model->param_count;
    return absl::OkStatus();
  });
}

crm_status crm_model_params(const crm_model* model, double* out, size_t n) {
  return Guarded("crm_model_params", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    if (n != model->param_count) {
      return absl::InvalidArgumentError(absl::StrCat(KindName(model->kind), " has ",
                                                     model->param_count,
                                                     " parameters, but n is ", n));
    }
    for (size_t k = 0; k < n; ++k) out[k] = model->params[k];
    return absl::OkStatus();
  });
}

crm_status crm_model_converged(const crm_model* model, int32_t* out) {
  return Guarded("crm_model_converged", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    *out = model->report.converged ? 1 : 0;
    return absl::OkStatus();
  });
}

crm_status crm_model_fit_info(const crm_model* model, int key, double* out) {
  return Guarded("crm_model_fit_info", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    if (key < CRM_FIT_INFO_CONVERGED || key > CRM_FIT_INFO_EXCLUDED) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown key ", key,
          " (valid: CRM_FIT_INFO_CONVERGED (0) .. CRM_FIT_INFO_EXCLUDED (6))"));
    }
    if (!model->fitted) {
      return absl::FailedPreconditionError(
          "the model was made from given parameters (crm_model_from_params): it has no fit "
          "report");
    }
    const crmcore::FitReport& r = model->report;
    switch (key) {
      case CRM_FIT_INFO_CONVERGED: *out = r.converged ? 1.0 : 0.0; break;
      case CRM_FIT_INFO_ITERATIONS: *out = static_cast<double>(r.iterations); break;
      case CRM_FIT_INFO_EVALUATIONS: *out = static_cast<double>(r.evaluations); break;
      case CRM_FIT_INFO_LOG_LIKELIHOOD: *out = r.log_likelihood; break;
      case CRM_FIT_INFO_GRADIENT_NORM: *out = r.gradient_norm; break;
      case CRM_FIT_INFO_CUSTOMERS: *out = model->customers; break;
      default: *out = static_cast<double>(model->excluded); break;
    }
    return absl::OkStatus();
  });
}

}  // extern "C"

namespace {

// The fit's parameter uncertainty, or FailedPrecondition saying why there is none.
absl::StatusOr<const crmcore::ParameterUncertainty*> Uncertainty(const crm_model* model) {
  CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
  if (!model->fitted) {
    return absl::FailedPreconditionError(
        "the model was made from given parameters (crm_model_from_params): it has no "
        "covariance");
  }
  const crmcore::ParameterUncertainty& u = model->report.uncertainty;
  if (!u.available) {
    return absl::FailedPreconditionError(
        absl::StrCat("the fit's covariance is not available: ", u.message));
  }
  return &u;
}

absl::Status CheckCount(size_t n, size_t expected, absl::string_view what) {
  if (n == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("n must be ", expected, " (", what, "), got ", n));
}

}  // namespace

extern "C" {

crm_status crm_model_covariance(const crm_model* model, double* out, size_t n) {
  return Guarded("crm_model_covariance", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    const size_t k = model->param_count;
    CRM_RETURN_IF_ERROR(CheckCount(n, k * k, "parameter count squared"));
    CRM_ASSIGN_OR_RETURN(const crmcore::ParameterUncertainty* u, Uncertainty(model));
    std::copy(u->covariance.begin(), u->covariance.end(), out);
    return absl::OkStatus();
  });
}

crm_status crm_model_standard_errors(const crm_model* model, double* out, size_t n) {
  return Guarded("crm_model_standard_errors", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_RETURN_IF_ERROR(CheckCount(n, model->param_count, "the parameter count"));
    CRM_ASSIGN_OR_RETURN(const crmcore::ParameterUncertainty* u, Uncertainty(model));
    std::copy(u->standard_errors.begin(), u->standard_errors.end(), out);
    return absl::OkStatus();
  });
}

crm_status crm_model_fit_message(const crm_model* model, const char** out) {
  return Guarded("crm_model_fit_message", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    *out = model->report.message.c_str();
    return absl::OkStatus();
  });
}

crm_status crm_model_to_json(const crm_model* model, char* buffer, size_t capacity,
                             size_t* out_size) {
  return Guarded("crm_model_to_json", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out_size, "out_size"));
    const std::string json = crmcore::ModelFileToJson(ToModelFile(*model));
    if (buffer != nullptr) {
      if (capacity <= json.size()) {
        return absl::OutOfRangeError(absl::StrCat(
            "buffer capacity is ", capacity, " bytes but the JSON needs ", json.size() + 1,
            " with its NUL (call with buffer NULL to learn the size)"));
      }
      std::copy(json.begin(), json.end(), buffer);
      buffer[json.size()] = '\0';
    }
    *out_size = json.size();
    return absl::OkStatus();
  });
}

crm_status crm_model_from_json(const char* json, size_t length, crm_model** out) {
  return Guarded("crm_model_from_json", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_RETURN_IF_ERROR(RequireNonNull(json, "json"));
    CRM_ASSIGN_OR_RETURN(const crmcore::ModelFile file,
                         crmcore::ModelFileFromJson(absl::string_view(json, length),
                                                    "model JSON"));
    CRM_ASSIGN_OR_RETURN(crm_model model, FromModelFile(file));
    *out = NewHandle<crm_model>(std::move(model));
    return absl::OkStatus();
  });
}

// --- Predictions ------------------------------------------------------------

crm_status crm_model_expected_purchases(const crm_model* model, double t, const double* x,
                                        const double* t_x, const double* T, size_t n,
                                        double* out) {
  return Guarded("crm_model_expected_purchases", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model",
                                    {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD, CRM_MODEL_MBGNBD},
                                    kNeedsHistoryModel));
    CRM_ASSIGN_OR_RETURN(const Histories h, ReadHistories(x, t_x, T, n));
    return IntoCaller(out, n, [&](absl::Span<double> result) {
      const double* p = model->params.data();
      switch (model->kind) {
        case CRM_MODEL_BGNBD:
          return crmcore::BgNbdExpectedPurchases(ToBgNbd(p), t, h.x, h.t_x, h.T, result);
        case CRM_MODEL_MBGNBD:
          return crmcore::MbgNbdExpectedPurchases(ToMbgNbd(p), t, h.x, h.t_x, h.T, result);
        default:
          return crmcore::ParetoNbdExpectedPurchases(ToPareto(p), t, h.x, h.t_x, h.T, result);
      }
    });
  });
}

crm_status crm_model_p_alive(const crm_model* model, const double* x, const double* t_x,
                             const double* T, size_t n, double* out) {
  return Guarded("crm_model_p_alive", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model",
                                    {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD, CRM_MODEL_MBGNBD},
                                    kNeedsHistoryModel));
    CRM_ASSIGN_OR_RETURN(const Histories h, ReadHistories(x, t_x, T, n));
    return IntoCaller(out, n, [&](absl::Span<double> result) {
      const double* p = model->params.data();
      switch (model->kind) {
        case CRM_MODEL_BGNBD:
          return crmcore::BgNbdProbabilityAlive(ToBgNbd(p), h.x, h.t_x, h.T, result);
        case CRM_MODEL_MBGNBD:
          return crmcore::MbgNbdProbabilityAlive(ToMbgNbd(p), h.x, h.t_x, h.T, result);
        default:
          return crmcore::ParetoNbdProbabilityAlive(ToPareto(p), h.x, h.t_x, h.T, result);
      }
    });
  });
}

crm_status crm_model_expected_purchases_new(const crm_model* model, double t, double* out) {
  return Guarded("crm_model_expected_purchases_new", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model",
                                    {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD, CRM_MODEL_MBGNBD},
                                    "this needs a BG/NBD, Pareto/NBD or MBG/NBD model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    const double* p = model->params.data();
    CRM_ASSIGN_OR_RETURN(const double value,
                         model->kind == CRM_MODEL_BGNBD
                             ? crmcore::BgNbdExpectedPurchasesNew(ToBgNbd(p), t)
                             : model->kind == CRM_MODEL_PARETO_NBD
                                   ? crmcore::ParetoNbdExpectedPurchasesNew(ToPareto(p), t)
                                   : crmcore::MbgNbdExpectedPurchasesNew(ToMbgNbd(p), t));
    *out = value;
    return absl::OkStatus();
  });
}

crm_status crm_model_purchase_count_probability(const crm_model* model, int64_t n_purchases,
                                                double t, double* out) {
  return Guarded("crm_model_purchase_count_probability", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model",
                                    {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD, CRM_MODEL_MBGNBD},
                                    kNeedsHistoryModel));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    const double* p = model->params.data();
    CRM_ASSIGN_OR_RETURN(
        const double value,
        model->kind == CRM_MODEL_BGNBD
            ? crmcore::BgNbdPurchaseCountProbability(ToBgNbd(p), t, n_purchases)
            : model->kind == CRM_MODEL_PARETO_NBD
                  ? crmcore::ParetoNbdPurchaseCountProbability(ToPareto(p), t, n_purchases)
                  : crmcore::MbgNbdPurchaseCountProbability(ToMbgNbd(p), t, n_purchases));
    *out = value;
    return absl::OkStatus();
  });
}

crm_status crm_model_conditional_purchase_count_probability(const crm_model* model,
                                                            int64_t n_purchases, double t,
                                                            const double* x, const double* t_x,
                                                            const double* T, size_t n,
                                                            double* out) {
  return Guarded("crm_model_conditional_purchase_count_probability", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model",
                                    {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD, CRM_MODEL_MBGNBD},
                                    kNeedsHistoryModel));
    CRM_ASSIGN_OR_RETURN(const Histories h, ReadHistories(x, t_x, T, n));
    return IntoCaller(out, n, [&](absl::Span<double> result) {
      const double* p = model->params.data();
      switch (model->kind) {
        case CRM_MODEL_BGNBD:
          return crmcore::BgNbdConditionalPurchaseCountProbability(ToBgNbd(p), t, n_purchases,
                                                                   h.x, h.t_x, h.T, result);
        case CRM_MODEL_MBGNBD:
          return crmcore::MbgNbdConditionalPurchaseCountProbability(ToMbgNbd(p), t, n_purchases,
                                                                    h.x, h.t_x, h.T, result);
        default:
          return crmcore::ParetoNbdConditionalPurchaseCountProbability(
              ToPareto(p), t, n_purchases, h.x, h.t_x, h.T, result);
      }
    });
  });
}

}  // extern "C"

namespace {

crmcore::RepeatPurchaseModel ToRepeatPurchaseModel(const crm_model& model) {
  const double* p = model.params.data();
  if (model.kind == CRM_MODEL_BGNBD) return ToBgNbd(p);
  if (model.kind == CRM_MODEL_MBGNBD) return ToMbgNbd(p);
  return ToPareto(p);
}

// Copies a grid's values into the caller's row-major `out` of `out_len` entries, which
// must be the grid's size: (max_frequency + 1) × (recency_steps + 1).
absl::Status GridIntoCaller(const absl::StatusOr<crmcore::PredictionGrid>& grid, double* out,
                            size_t out_len) {
  CRM_RETURN_IF_ERROR(grid.status());
  if (out_len != grid->values.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "out_len must be (max_frequency + 1) * (recency_steps + 1) = ", grid->values.size(),
        ", got ", out_len));
  }
  std::copy(grid->values.begin(), grid->values.end(), out);
  return absl::OkStatus();
}

}  // namespace

extern "C" {

crm_status crm_model_p_alive_matrix(const crm_model* model, int64_t max_frequency, double T,
                                    int64_t recency_steps, double* out, size_t out_len) {
  return Guarded("crm_model_p_alive_matrix", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model", {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD, CRM_MODEL_MBGNBD},
                                    kNeedsPurchaseModel));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    return GridIntoCaller(crmcore::ProbabilityAliveGrid(ToRepeatPurchaseModel(*model),
                                                        max_frequency, T, recency_steps),
                          out, out_len);
  });
}

crm_status crm_model_expected_purchases_matrix(const crm_model* model, double t,
                                               int64_t max_frequency, double T,
                                               int64_t recency_steps, double* out,
                                               size_t out_len) {
  return Guarded("crm_model_expected_purchases_matrix", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model", {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD, CRM_MODEL_MBGNBD},
                                    kNeedsPurchaseModel));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    return GridIntoCaller(crmcore::ExpectedPurchasesGrid(ToRepeatPurchaseModel(*model), t,
                                                         max_frequency, T, recency_steps),
                          out, out_len);
  });
}

// --- Spend and lifetime value -----------------------------------------------

crm_status crm_model_expected_mean_spend(const crm_model* spend_model, const double* frequency,
                                         const double* monetary, size_t n, double* out) {
  return Guarded("crm_model_expected_mean_spend", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(spend_model, "spend_model", {CRM_MODEL_GAMMA_GAMMA},
                                    "this needs a Gamma-Gamma model"));
    CRM_ASSIGN_OR_RETURN(const auto x, Column(frequency, n, "frequency"));
    CRM_ASSIGN_OR_RETURN(const auto m, Column(monetary, n, "monetary"));
    return IntoCaller(out, n, [&](absl::Span<double> result) {
      return ExpectedMeanSpend(*spend_model, x, m, result);
    });
  });
}

crm_status crm_clv(const crm_model* transaction_model, const crm_model* spend_model,
                   const double* x, const double* t_x, const double* T, const double* monetary,
                   size_t n, const crm_clv_options* options, double* out) {
  return Guarded("crm_clv", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(transaction_model, "transaction_model",
                                    {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD, CRM_MODEL_MBGNBD},
                                    kNeedsHistoryModel));
    if (spend_model != nullptr) {
      CRM_RETURN_IF_ERROR(CheckUsable(spend_model, "spend_model", {CRM_MODEL_GAMMA_GAMMA},
                                      "this needs a Gamma-Gamma model (or NULL)"));
    }
    CRM_ASSIGN_OR_RETURN(const crmcore::ClvHorizon horizon, ToCoreClvHorizon(options));
    // A period in days means a model's unit: a model that knows it was fitted in another
    // unit would value the wrong horizon (alpha is per unit of T).
    const bool period_in_days = options == nullptr || options->period_length == 0.0;
    if (period_in_days && transaction_model->time_unit &&
        *transaction_model->time_unit != horizon.unit) {
      return absl::InvalidArgumentError(absl::StrCat(
          "transaction_model was fitted with T in ",
          crmcore::TimeUnitName(*transaction_model->time_unit),
          " but crm_clv_options.time_unit says ", crmcore::TimeUnitName(horizon.unit),
          ": set time_unit to the unit of the histories"));
    }
    CRM_ASSIGN_OR_RETURN(const Histories h, ReadHistories(x, t_x, T, n));
    CRM_ASSIGN_OR_RETURN(const auto m, Column(monetary, n, "monetary"));
    std::vector<double> spend_storage;
    absl::Span<const double> spend = m;
    if (spend_model != nullptr) {
      spend_storage.resize(n);
      CRM_RETURN_IF_ERROR(ExpectedMeanSpend(*spend_model, h.x, m, absl::MakeSpan(spend_storage)));
      spend = spend_storage;
    }
    return IntoCaller(out, n, [&](absl::Span<double> result) {
      const double* p = transaction_model->params.data();
      switch (transaction_model->kind) {
        case CRM_MODEL_BGNBD:
          return crmcore::BgNbdDiscountedClv(ToBgNbd(p), horizon, spend, h.x, h.t_x, h.T,
                                             result);
        case CRM_MODEL_MBGNBD:
          return crmcore::MbgNbdDiscountedClv(ToMbgNbd(p), horizon, spend, h.x, h.t_x, h.T,
                                              result);
        default:
          return crmcore::ParetoNbdDiscountedClv(ToPareto(p), horizon, spend, h.x, h.t_x,
                                                 h.T, result);
      }
    });
  });
}

crm_status crm_npv(double acquisition_cost, const double* margins, const double* service_costs,
                   size_t n, double discount_rate, double* out) {
  return Guarded("crm_npv", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const auto margin_column, Column(margins, n, "margins"));
    const absl::Span<const double> cost_column =
        service_costs == nullptr ? absl::Span<const double>() : absl::MakeConstSpan(service_costs, n);
    CRM_ASSIGN_OR_RETURN(const double value,
                         crmcore::NetPresentValue(acquisition_cost, margin_column, cost_column,
                                                  discount_rate));
    *out = value;
    return absl::OkStatus();
  });
}

// --- Log-likelihood -----------------------------------------------------------

crm_status crm_model_log_likelihood(int kind, const double* params, size_t n_params,
                                    const double* frequency, const double* recency,
                                    const double* T, const double* monetary, size_t n,
                                    double* out_ll, double* out_gradient) {
  return Guarded("crm_model_log_likelihood", [&]() -> absl::Status {
    CRM_ASSIGN_OR_RETURN(const ParamArray p, ReadParams(kind, params, n_params, "params"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out_ll, "out_ll"));
    if (kind == CRM_MODEL_BGBB || kind == CRM_MODEL_SBG) {
      return absl::InvalidArgumentError(absl::StrCat(
          KindName(kind), " is not summed over (x, t_x, T) columns; its fit reports the "
                          "log-likelihood (CRM_FIT_INFO_LOG_LIKELIHOOD)"));
    }
    CRM_ASSIGN_OR_RETURN(const auto x, Column(frequency, n, "frequency"));
    if (kind == CRM_MODEL_GAMMA_GAMMA) {
      CRM_ASSIGN_OR_RETURN(const auto m, Column(monetary, n, "monetary"));
      int64_t excluded = 0;
      const std::vector<double> spend_x = SpendFrequency(x, m, excluded);
      CRM_ASSIGN_OR_RETURN(const auto spend, crmcore::SpendHistories::Create(spend_x, m));
      CRM_ASSIGN_OR_RETURN(const auto sum,
                           crmcore::GammaGammaLogLikelihoodSum(ToGammaGamma(p.data()), spend));
      WriteSum(sum, out_ll, out_gradient);
      return absl::OkStatus();
    }
    CRM_ASSIGN_OR_RETURN(const auto t_x, Column(recency, n, "recency"));
    CRM_ASSIGN_OR_RETURN(const auto t, Column(T, n, "T"));
    if (n == 0) {  // an empty partition adds nothing
      WriteSum(crmcore::LogLikelihoodSum<4>{}, out_ll, out_gradient);
      return absl::OkStatus();
    }
    CRM_ASSIGN_OR_RETURN(const auto histories, crmcore::PurchaseHistories::Create(x, t_x, t));
    if (kind == CRM_MODEL_BGNBD) {
      CRM_ASSIGN_OR_RETURN(const auto sum,
                           crmcore::BgNbdLogLikelihoodSum(ToBgNbd(p.data()), histories));
      WriteSum(sum, out_ll, out_gradient);
    } else if (kind == CRM_MODEL_MBGNBD) {
      CRM_ASSIGN_OR_RETURN(const auto sum,
                           crmcore::MbgNbdLogLikelihoodSum(ToMbgNbd(p.data()), histories));
      WriteSum(sum, out_ll, out_gradient);
    } else {
      CRM_ASSIGN_OR_RETURN(const auto sum,
                           crmcore::ParetoNbdLogLikelihoodSum(ToPareto(p.data()), histories));
      WriteSum(sum, out_ll, out_gradient);
    }
    return absl::OkStatus();
  });
}

// --- BG/BB ------------------------------------------------------------------------

crm_status crm_model_fit_bgbb(const double* frequency, const double* recency,
                              const double* periods, const double* weights, size_t n,
                              const crm_fit_options* options, crm_model** out) {
  return Guarded("crm_model_fit_bgbb", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const FitSettings settings, ToCore(CRM_MODEL_BGBB, options));
    CRM_RETURN_IF_ERROR(RefuseOptionWeights(settings, "crm_model_fit_bgbb (give its weights)"));
    CRM_RETURN_IF_ERROR(RequireNonNull(frequency, "frequency"));
    CRM_RETURN_IF_ERROR(RequireNonNull(recency, "recency"));
    CRM_RETURN_IF_ERROR(RequireNonNull(periods, "periods"));
    const absl::Span<const double> w =
        weights == nullptr ? absl::Span<const double>() : absl::MakeConstSpan(weights, n);
    CRM_ASSIGN_OR_RETURN(const auto histories,
                         crmcore::BgBbHistories::Create(absl::MakeConstSpan(frequency, n),
                                                        absl::MakeConstSpan(recency, n),
                                                        absl::MakeConstSpan(periods, n), w));
    const BgBbParams initial = settings.initial ? ToBgBb(settings.initial->data()) : BgBbParams{};
    CRM_ASSIGN_OR_RETURN(const auto fit, crmcore::FitBgBb(histories, settings.options, initial));
    *out = NewHandle<crm_model>(MakeFitted(
        CRM_MODEL_BGBB, fit,
        {fit.params.alpha, fit.params.beta, fit.params.gamma, fit.params.delta},
        histories.total_weight(), 0, settings.options.penalizer));
    return absl::OkStatus();
  });
}

crm_status crm_model_bgbb_p_alive(const crm_model* model, const double* x, const double* t_x,
                                  const double* periods, size_t n_rows, double* out) {
  return Guarded("crm_model_bgbb_p_alive", [&]() -> absl::Status {
    return BgBbPrediction(model, x, t_x, periods, n_rows, out,
                          [](const BgBbParams& p, auto xs, auto txs, auto ns, auto result) {
                            return crmcore::BgBbProbabilityAlive(p, xs, txs, ns, result);
                          });
  });
}

crm_status crm_model_bgbb_expected_transactions(const crm_model* model, double n_star,
                                                const double* x, const double* t_x,
                                                const double* periods, size_t n_rows,
                                                double* out) {
  return Guarded("crm_model_bgbb_expected_transactions", [&]() -> absl::Status {
    return BgBbPrediction(model, x, t_x, periods, n_rows, out,
                          [&](const BgBbParams& p, auto xs, auto txs, auto ns, auto result) {
                            return crmcore::BgBbExpectedTransactions(p, n_star, xs, txs, ns,
                                                                     result);
                          });
  });
}

crm_status crm_model_bgbb_dert(const crm_model* model, double discount, const double* x,
                               const double* t_x, const double* periods, size_t n_rows,
                               double* out) {
  return Guarded("crm_model_bgbb_dert", [&]() -> absl::Status {
    return BgBbPrediction(
        model, x, t_x, periods, n_rows, out,
        [&](const BgBbParams& p, auto xs, auto txs, auto ns, auto result) {
          return crmcore::BgBbDiscountedExpectedResidualTransactions(p, discount, xs, txs, ns,
                                                                     result);
        });
  });
}

// --- sBG --------------------------------------------------------------------------

crm_status crm_model_fit_sbg(const double* survivors, size_t n_values,
                             const size_t* cohort_lengths, size_t n_cohorts,
                             const crm_fit_options* options, crm_model** out) {
  return Guarded("crm_model_fit_sbg", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const FitSettings settings, ToCore(CRM_MODEL_SBG, options));
    CRM_RETURN_IF_ERROR(RefuseOptionWeights(settings, "crm_model_fit_sbg"));
    CRM_RETURN_IF_ERROR(RequireNonNull(survivors, "survivors"));
    if (n_cohorts == 0) {
      return absl::InvalidArgumentError("crm_model_fit_sbg: no cohorts, got n_cohorts = 0");
    }
    if (cohort_lengths == nullptr && n_cohorts != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cohort_lengths is NULL but n_cohorts is ", n_cohorts, " (NULL needs 1)"));
    }
    std::vector<std::vector<double>> cohorts(n_cohorts);
    size_t offset = 0;
    for (size_t c = 0; c < n_cohorts; ++c) {
      const size_t length = cohort_lengths == nullptr ? n_values : cohort_lengths[c];
      if (length > n_values - offset) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cohort_lengths add up to more than n_values = ", n_values, " (at cohort ", c, ")"));
      }
      cohorts[c].assign(survivors + offset, survivors + offset + length);
      offset += length;
    }
    if (offset != n_values) {
      return absl::InvalidArgumentError(absl::StrCat("cohort_lengths add up to ", offset,
                                                     ", not n_values = ", n_values));
    }
    CRM_ASSIGN_OR_RETURN(const auto series, crmcore::SurvivorSeries::Create(cohorts));
    const SbgParams initial = settings.initial ? ToSbg(settings.initial->data()) : SbgParams{};
    CRM_ASSIGN_OR_RETURN(const auto fit, crmcore::FitSbg(series, settings.options, initial));
    *out = NewHandle<crm_model>(MakeFitted(CRM_MODEL_SBG, fit,
                                           {fit.params.alpha, fit.params.beta, 0.0, 0.0},
                                           series.total_weight(), 0,
                                           settings.options.penalizer));
    return absl::OkStatus();
  });
}

crm_status crm_model_sbg_curve(const crm_model* model, size_t n_periods, double* survival,
                               double* retention) {
  return Guarded("crm_model_sbg_curve", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model", {CRM_MODEL_SBG}, "this needs an sBG model"));
    if (n_periods == 0) return absl::OkStatus();
    const SbgParams p = ToSbg(model->params.data());
    CRM_ASSIGN_OR_RETURN(const std::vector<double> s,
                         crmcore::SbgProjectSurvivors(p, 1.0, n_periods));
    std::vector<double> r(n_periods, 1.0);
    for (size_t t = 1; t < n_periods; ++t) {
      CRM_ASSIGN_OR_RETURN(r[t], crmcore::SbgRetentionRate(p, static_cast<double>(t)));
    }
    if (survival != nullptr) std::copy(s.begin(), s.end(), survival);
    if (retention != nullptr) std::copy(r.begin(), r.end(), retention);
    return absl::OkStatus();
  });
}

crm_status crm_model_sbg_derl(const crm_model* model, double discount, double renewals,
                              double* out) {
  return Guarded("crm_model_sbg_derl", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model", {CRM_MODEL_SBG}, "this needs an sBG model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const double value, crmcore::SbgDiscountedExpectedResidualLifetime(
                                                 ToSbg(model->params.data()), discount, renewals));
    *out = value;
    return absl::OkStatus();
  });
}

}  // extern "C"

namespace {

// The parameters and covariance of a fitted model, or FailedPrecondition saying why not.
absl::StatusOr<crmcore::ParameterDistribution> Distribution(const crm_model& model,
                                                            absl::string_view name) {
  if (!model.fitted) {
    return absl::FailedPreconditionError(absl::StrCat(
        name, " was made from given parameters (crm_model_from_params): it has no covariance"));
  }
  absl::StatusOr<crmcore::ParameterDistribution> d = crmcore::ParameterDistribution::FromFit(
      absl::MakeConstSpan(model.params.data(), model.param_count), model.report.uncertainty);
  if (!d.ok()) return absl::Status(d.status().code(), absl::StrCat(name, ": ", d.status().message()));
  return d;
}

// A prediction of crm_prediction_intervals with its parameters and range. `spend_x` holds
// the frequency the spend model sees, which the prediction borrows.
struct IntervalSetup {
  crmcore::ParametricPrediction predict;
  crmcore::ParameterDistribution distribution;
  crmcore::ValueRange range;
};

absl::StatusOr<IntervalSetup> SetUpPrediction(int prediction, const crm_model* model,
                                              const crm_model* spend_model, double t,
                                              const crm_clv_options* clv_options,
                                              const double* x, const double* t_x,
                                              const double* T, const double* monetary, size_t n,
                                              std::vector<double>& spend_x) {
  IntervalSetup setup;
  if (prediction == CRM_PREDICT_EXPECTED_MEAN_SPEND) {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model", {CRM_MODEL_GAMMA_GAMMA},
                                    "this prediction needs a Gamma-Gamma model"));
    CRM_ASSIGN_OR_RETURN(const auto xs, Column(x, n, "x"));
    CRM_ASSIGN_OR_RETURN(const auto m, Column(monetary, n, "monetary"));
    int64_t excluded = 0;
    spend_x = SpendFrequency(xs, m, excluded);
    setup.predict = crmcore::GammaGammaExpectedMeanSpendPrediction(spend_x, m);
    CRM_ASSIGN_OR_RETURN(setup.distribution, Distribution(*model, "model"));
    return setup;
  }
  if (prediction != CRM_PREDICT_P_ALIVE && prediction != CRM_PREDICT_EXPECTED_PURCHASES &&
      prediction != CRM_PREDICT_CLV) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown prediction ", prediction,
        " (valid: CRM_PREDICT_P_ALIVE (0) .. CRM_PREDICT_CLV (3))"));
  }
  CRM_RETURN_IF_ERROR(CheckUsable(model, "model", {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD},
                                  kNeedsPurchaseModel));
  const bool pareto = model->kind == CRM_MODEL_PARETO_NBD;
  CRM_ASSIGN_OR_RETURN(const Histories h, ReadHistories(x, t_x, T, n));
  CRM_ASSIGN_OR_RETURN(setup.distribution, Distribution(*model, "model"));
  if (prediction == CRM_PREDICT_P_ALIVE) {
    setup.predict = pareto ? crmcore::ParetoNbdProbabilityAlivePrediction(h.x, h.t_x, h.T)
                           : crmcore::BgNbdProbabilityAlivePrediction(h.x, h.t_x, h.T);
    setup.range = {0.0, 1.0};
    return setup;
  }
  if (prediction == CRM_PREDICT_EXPECTED_PURCHASES) {
    setup.predict = pareto ? crmcore::ParetoNbdExpectedPurchasesPrediction(t, h.x, h.t_x, h.T)
                           : crmcore::BgNbdExpectedPurchasesPrediction(t, h.x, h.t_x, h.T);
    return setup;
  }
  CRM_RETURN_IF_ERROR(RequireNonNull(spend_model, "spend_model"));
  CRM_RETURN_IF_ERROR(CheckUsable(spend_model, "spend_model", {CRM_MODEL_GAMMA_GAMMA},
                                  "this needs a Gamma-Gamma model"));
  CRM_ASSIGN_OR_RETURN(const crmcore::ClvHorizon horizon, ToCoreClvHorizon(clv_options));
  CRM_ASSIGN_OR_RETURN(const auto m, Column(monetary, n, "monetary"));
  int64_t excluded = 0;
  spend_x = SpendFrequency(h.x, m, excluded);
  CRM_ASSIGN_OR_RETURN(const crmcore::ParameterDistribution spend,
                       Distribution(*spend_model, "spend_model"));
  setup.distribution = crmcore::ParameterDistribution::Stack(setup.distribution, spend);
  setup.predict =
      crmcore::DiscountedClvPrediction(pareto, horizon, h.x, h.t_x, h.T, spend_x, m);
  return setup;
}

}  // namespace

extern "C" {

crm_status crm_prediction_intervals(int prediction, const crm_model* model,
                                    const crm_model* spend_model, double t,
                                    const crm_clv_options* clv_options, const double* x,
                                    const double* t_x, const double* T, const double* monetary,
                                    size_t n, double* out_lo, double* out_hi,
                                    double* out_total) {
  return Guarded("crm_prediction_intervals", [&]() -> absl::Status {
    std::vector<double> spend_x;
    CRM_ASSIGN_OR_RETURN(const IntervalSetup setup,
                         SetUpPrediction(prediction, model, spend_model, t, clv_options, x,
                                         t_x, T, monetary, n, spend_x));
    if (n > 0) {
      CRM_RETURN_IF_ERROR(RequireNonNull(out_lo, "out_lo"));
      CRM_RETURN_IF_ERROR(RequireNonNull(out_hi, "out_hi"));
    }
    CRM_ASSIGN_OR_RETURN(
        const crmcore::PredictionIntervals intervals,
        crmcore::DeltaMethodIntervals(setup.predict, setup.distribution, n, setup.range));
    std::copy(intervals.lo.begin(), intervals.lo.end(), out_lo);
    std::copy(intervals.hi.begin(), intervals.hi.end(), out_hi);
    if (out_total != nullptr) {
      out_total[0] = intervals.total.value;
      out_total[1] = intervals.total.lo;
      out_total[2] = intervals.total.hi;
    }
    return absl::OkStatus();
  });
}

crm_status crm_prediction_total_bootstrap(int prediction, const crm_model* model,
                                          const crm_model* spend_model, double t,
                                          const crm_clv_options* clv_options, const double* x,
                                          const double* t_x, const double* T,
                                          const double* monetary, size_t n, int32_t samples,
                                          uint64_t seed, double* out_lo_hi) {
  return Guarded("crm_prediction_total_bootstrap", [&]() -> absl::Status {
    const crmcore::BootstrapOptions options{samples, seed};
    CRM_RETURN_IF_ERROR(options.Validate());
    CRM_RETURN_IF_ERROR(RequireNonNull(out_lo_hi, "out_lo_hi"));
    std::vector<double> spend_x;
    CRM_ASSIGN_OR_RETURN(const IntervalSetup setup,
                         SetUpPrediction(prediction, model, spend_model, t, clv_options, x,
                                         t_x, T, monetary, n, spend_x));
    CRM_ASSIGN_OR_RETURN(
        const crmcore::BootstrapInterval interval,
        crmcore::BootstrapTotalInterval(setup.predict, setup.distribution, n, options));
    out_lo_hi[0] = interval.lo;
    out_lo_hi[1] = interval.hi;
    return absl::OkStatus();
  });
}

}  // extern "C"

// The C API's models section (capi/crmcore.h, "Lifetime-value models"): BG/NBD,
// Pareto/NBD and Gamma-Gamma fits behind an immutable crm_model handle, predictions over
// caller columns, CLV and NPV (crmcore/bgnbd.h, pareto_nbd.h, gamma_gamma.h, clv.h).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
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
#include "capi_internal.h"
#include "capi_model.h"
#include "capi_summary.h"
#include "crmcore.h"
#include "crmcore/bgnbd.h"
#include "crmcore/clv.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/model_fit.h"
#include "crmcore/pareto_nbd.h"
#include "crmcore/status.h"


namespace {

using namespace crmcore::capi_internal;  // NOLINT: the C API's shared toolkit

using crmcore::BgNbdParams;
using crmcore::GammaGammaParams;
using crmcore::ParetoNbdParams;

// Parameters in the documented order (Gamma-Gamma uses the first three).
using ParamArray = std::array<double, 4>;

constexpr crm_fit_options kFitInit = CRM_FIT_OPTIONS_INIT;
static_assert(kFitInit.gradient_tolerance == crmcore::FitOptions{}.gradient_tolerance);
static_assert(kFitInit.max_iterations == crmcore::FitOptions{}.max_iterations);
static_assert(kFitInit.min_repeat_buyers == crmcore::FitOptions{}.min_repeat_buyers);
constexpr crm_clv_options kClvInit = CRM_CLV_OPTIONS_INIT;
static_assert(kClvInit.periods == crmcore::ClvHorizon{}.periods);
static_assert(kClvInit.period_length == crmcore::ClvHorizon{}.period_length);
static_assert(kClvInit.discount_rate == crmcore::ClvHorizon{}.discount_rate);

const char* KindName(int kind) {
  switch (kind) {
    case CRM_MODEL_BGNBD: return "BG/NBD";
    case CRM_MODEL_PARETO_NBD: return "Pareto/NBD";
    default: return "Gamma-Gamma";
  }
}

// The kind's parameter count; InvalidArgument for an unknown kind.
absl::StatusOr<size_t> ParamCount(int kind) {
  switch (kind) {
    case CRM_MODEL_BGNBD: return 4;
    case CRM_MODEL_PARETO_NBD: return 4;
    case CRM_MODEL_GAMMA_GAMMA: return 3;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown model kind ", kind,
          " (valid: CRM_MODEL_BGNBD (0), CRM_MODEL_PARETO_NBD (1), CRM_MODEL_GAMMA_GAMMA (2))"));
  }
}

BgNbdParams ToBgNbd(const double* p) { return {p[0], p[1], p[2], p[3]}; }
ParetoNbdParams ToPareto(const double* p) { return {p[0], p[1], p[2], p[3]}; }
GammaGammaParams ToGammaGamma(const double* p) { return {p[0], p[1], p[2]}; }

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
    default: CRM_RETURN_IF_ERROR(ToGammaGamma(out.data()).Validate()); break;
  }
  return out;
}

struct FitSettings {
  crmcore::FitOptions options;
  std::optional<std::array<double, 4>> initial;
};

absl::StatusOr<FitSettings> ToCore(int kind, const crm_fit_options* options) {
  FitSettings settings;
  if (options == nullptr) return settings;
  CRM_RETURN_IF_ERROR(CheckStructSize<crm_fit_options>(options->struct_size, "crm_fit_options"));
  settings.options.gradient_tolerance = options->gradient_tolerance;
  settings.options.max_iterations = options->max_iterations;
  settings.options.min_repeat_buyers = options->min_repeat_buyers;
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
                                   absl::Span<const double> monetary, int64_t& excluded) {
  std::vector<double> x(frequency.begin(), frequency.end());
  excluded = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] > 0.0 && std::isfinite(monetary[i]) && monetary[i] <= 0.0) {
      x[i] = 0.0;
      ++excluded;
    }
  }
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
                     int64_t excluded) {
  crm_model model;
  model.kind = kind;
  model.params = params;
  model.param_count = kind == CRM_MODEL_GAMMA_GAMMA ? 3 : 4;
  model.fitted = true;
  model.report = fit.report;
  model.customers = customers;
  model.excluded = excluded;
  return model;
}

absl::StatusOr<crm_model*> Fit(int kind, const double* frequency, const double* recency,
                               const double* T, const double* monetary, size_t n,
                               const crm_fit_options* options) {
  CRM_RETURN_IF_ERROR(ParamCount(kind).status());
  CRM_ASSIGN_OR_RETURN(const FitSettings settings, ToCore(kind, options));
  CRM_RETURN_IF_ERROR(RequireNonNull(frequency, "frequency"));
  const auto x = absl::MakeConstSpan(frequency, n);
  crm_model model;
  if (kind == CRM_MODEL_GAMMA_GAMMA) {
    CRM_RETURN_IF_ERROR(RequireNonNull(monetary, "monetary"));
    const auto m = absl::MakeConstSpan(monetary, n);
    if (n == 0) {
      return absl::InvalidArgumentError("Gamma-Gamma fit: no customers, got n = 0");
    }
    int64_t excluded = 0;
    const std::vector<double> spend_x = SpendFrequency(x, m, excluded);
    CRM_ASSIGN_OR_RETURN(const auto spend, crmcore::SpendHistories::Create(spend_x, m));
    const GammaGammaParams initial =
        settings.initial ? ToGammaGamma(settings.initial->data()) : GammaGammaParams{};
    CRM_ASSIGN_OR_RETURN(const auto fit,
                         crmcore::FitGammaGamma(spend, settings.options, initial));
    model = MakeFitted(kind, fit, Widen(std::array{fit.params.p, fit.params.q, fit.params.gamma}),
                       spend.total_weight(), excluded);
  } else {
    CRM_RETURN_IF_ERROR(RequireNonNull(recency, "recency"));
    CRM_RETURN_IF_ERROR(RequireNonNull(T, "T"));
    CRM_ASSIGN_OR_RETURN(const auto histories,
                         crmcore::PurchaseHistories::Create(x, absl::MakeConstSpan(recency, n),
                                                            absl::MakeConstSpan(T, n)));
    if (kind == CRM_MODEL_BGNBD) {
      const BgNbdParams initial =
          settings.initial ? ToBgNbd(settings.initial->data()) : BgNbdParams{};
      CRM_ASSIGN_OR_RETURN(const auto fit,
                           crmcore::FitBgNbd(histories, settings.options, initial));
      model = MakeFitted(kind, fit, {fit.params.r, fit.params.alpha, fit.params.a, fit.params.b},
                         histories.total_weight(), 0);
    } else {
      const ParetoNbdParams initial =
          settings.initial ? ToPareto(settings.initial->data()) : ParetoNbdParams{};
      CRM_ASSIGN_OR_RETURN(const auto fit,
                           crmcore::FitParetoNbd(histories, settings.options, initial));
      model = MakeFitted(kind, fit,
                         {fit.params.r, fit.params.alpha, fit.params.s, fit.params.beta},
                         histories.total_weight(), 0);
    }
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

constexpr absl::string_view kNeedsPurchaseModel = "this needs a BG/NBD or Pareto/NBD model";

}  // namespace

extern "C" {

crm_status crm_fit_options_init(crm_fit_options* options, size_t struct_size) {
  return Guarded("crm_fit_options_init", [&]() {
    return InitStruct(options, struct_size, kFitInit, "crm_fit_options");
  });
}

crm_status crm_clv_options_init(crm_clv_options* options, size_t struct_size) {
  return Guarded("crm_clv_options_init", [&]() {
    return InitStruct(options, struct_size, kClvInit, "crm_clv_options");
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

crm_status crm_model_fit_summary(int kind, const crm_summary* summary,
                                 const crm_fit_options* options, crm_model** out) {
  return Guarded("crm_model_fit_summary", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(summary, "summary"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    const crmcore::RfmSummary& s = summary->summary;
    CRM_ASSIGN_OR_RETURN(crm_model* const model,
                         Fit(kind, summary->frequency.data(), s.recency.data(), s.T.data(),
                             s.monetary_value.data(), s.size(), options));
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

crm_status crm_model_fit_message(const crm_model* model, const char** out) {
  return Guarded("crm_model_fit_message", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    *out = model->report.message.c_str();
    return absl::OkStatus();
  });
}

// --- Predictions ------------------------------------------------------------

crm_status crm_model_expected_purchases(const crm_model* model, double t, const double* x,
                                        const double* t_x, const double* T, size_t n,
                                        double* out) {
  return Guarded("crm_model_expected_purchases", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model", {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD},
                                    kNeedsPurchaseModel));
    CRM_ASSIGN_OR_RETURN(const Histories h, ReadHistories(x, t_x, T, n));
    return IntoCaller(out, n, [&](absl::Span<double> result) {
      const double* p = model->params.data();
      return model->kind == CRM_MODEL_BGNBD
                 ? crmcore::BgNbdExpectedPurchases(ToBgNbd(p), t, h.x, h.t_x, h.T, result)
                 : crmcore::ParetoNbdExpectedPurchases(ToPareto(p), t, h.x, h.t_x, h.T, result);
    });
  });
}

crm_status crm_model_p_alive(const crm_model* model, const double* x, const double* t_x,
                             const double* T, size_t n, double* out) {
  return Guarded("crm_model_p_alive", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckUsable(model, "model", {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD},
                                    kNeedsPurchaseModel));
    CRM_ASSIGN_OR_RETURN(const Histories h, ReadHistories(x, t_x, T, n));
    return IntoCaller(out, n, [&](absl::Span<double> result) {
      const double* p = model->params.data();
      return model->kind == CRM_MODEL_BGNBD
                 ? crmcore::BgNbdProbabilityAlive(ToBgNbd(p), h.x, h.t_x, h.T, result)
                 : crmcore::ParetoNbdProbabilityAlive(ToPareto(p), h.x, h.t_x, h.T, result);
    });
  });
}

crm_status crm_model_expected_purchases_new(const crm_model* model, double t, double* out) {
  return Guarded("crm_model_expected_purchases_new", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    if (model->kind == CRM_MODEL_PARETO_NBD) {
      return absl::UnimplementedError(
          "expected purchases of a new customer are implemented for BG/NBD only");
    }
    CRM_RETURN_IF_ERROR(
        CheckUsable(model, "model", {CRM_MODEL_BGNBD}, "this needs a BG/NBD model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const double value,
                         crmcore::BgNbdExpectedPurchasesNew(ToBgNbd(model->params.data()), t));
    *out = value;
    return absl::OkStatus();
  });
}

crm_status crm_model_purchase_count_probability(const crm_model* model, int64_t n_purchases,
                                                double t, double* out) {
  return Guarded("crm_model_purchase_count_probability", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(model, "model"));
    if (model->kind == CRM_MODEL_PARETO_NBD) {
      return absl::UnimplementedError(
          "the purchase-count distribution is implemented for BG/NBD only");
    }
    CRM_RETURN_IF_ERROR(
        CheckUsable(model, "model", {CRM_MODEL_BGNBD}, "this needs a BG/NBD model"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const double value, crmcore::BgNbdPurchaseCountProbability(
                                                 ToBgNbd(model->params.data()), t, n_purchases));
    *out = value;
    return absl::OkStatus();
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
                                    {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD},
                                    kNeedsPurchaseModel));
    if (spend_model != nullptr) {
      CRM_RETURN_IF_ERROR(CheckUsable(spend_model, "spend_model", {CRM_MODEL_GAMMA_GAMMA},
                                      "this needs a Gamma-Gamma model (or NULL)"));
    }
    crmcore::ClvHorizon horizon;
    if (options != nullptr) {
      CRM_RETURN_IF_ERROR(
          CheckStructSize<crm_clv_options>(options->struct_size, "crm_clv_options"));
      horizon.periods = options->periods;
      horizon.period_length = options->period_length;
      horizon.discount_rate = options->discount_rate;
    }
    CRM_RETURN_IF_ERROR(horizon.Validate());
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
      return transaction_model->kind == CRM_MODEL_BGNBD
                 ? crmcore::BgNbdDiscountedClv(ToBgNbd(p), horizon, spend, h.x, h.t_x, h.T,
                                               result)
                 : crmcore::ParetoNbdDiscountedClv(ToPareto(p), horizon, spend, h.x, h.t_x,
                                                   h.T, result);
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
    } else {
      CRM_ASSIGN_OR_RETURN(const auto sum,
                           crmcore::ParetoNbdLogLikelihoodSum(ToPareto(p.data()), histories));
      WriteSum(sum, out_ll, out_gradient);
    }
    return absl::OkStatus();
  });
}

}  // extern "C"

// Shared pieces of the model fuzz targets (models_fuzzer.cc, pareto_fit_fuzzer.cc): the
// input layout, the documented validity rule re-implemented, and the invariant checks.
#ifndef CRMCORE_FUZZ_MODELS_COMMON_H_
#define CRMCORE_FUZZ_MODELS_COMMON_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/bgnbd.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/model_fit.h"
#include "crmcore/pareto_nbd.h"
#include "fuzz_common.h"

namespace crmcore::fuzz {

// ValidatePurchaseHistory's documented contract, re-implemented.
inline bool ValidHistory(double x, double t_x, double T) {
  if (!std::isfinite(x) || x < 0 || x != std::floor(x) || x > 9007199254740992.0) return false;
  if (!std::isfinite(t_x) || !std::isfinite(T) || t_x < 0 || T < 0 || t_x > T) return false;
  return !(x == 0 && t_x > 0);
}

inline void CheckError(const absl::Status& status, const char* what) {
  CRM_FUZZ_CHECK(!status.ok() && !status.message().empty(),
                 absl::StrCat(what, ": an error without a message"));
}

inline void CheckReport(const FitReport& report, const char* model) {
  CRM_FUZZ_CHECK(IsFinite(report.log_likelihood) && IsFinite(report.gradient_norm) &&
                     report.gradient_norm >= 0 && !report.message.empty() &&
                     report.iterations >= 0 && report.evaluations >= 0,
                 absl::StrCat(model, ": report LL ", report.log_likelihood, " |g| ",
                              report.gradient_norm, " \"", report.message, "\""));
  // The Hessian path: a converged fit's uncertainty is either available, with finite,
  // symmetric covariance whose diagonal squares the standard errors and intervals around
  // nothing NaN, or unavailable with a reason; a fit that did not converge has none.
  const ParameterUncertainty& u = report.uncertainty;
  if (!report.converged) {
    CRM_FUZZ_CHECK(!u.available, absl::StrCat(model, ": uncertainty of an unconverged fit"));
    return;
  }
  if (!u.available) {
    CRM_FUZZ_CHECK(!u.message.empty(), absl::StrCat(model, ": unavailable uncertainty, no reason"));
    return;
  }
  const size_t n = u.standard_errors.size();
  CRM_FUZZ_CHECK(n > 0 && u.covariance.size() == n * n && u.confidence_intervals.size() == n,
                 absl::StrCat(model, ": uncertainty of inconsistent shape"));
  for (size_t i = 0; i < n; ++i) {
    const double se = u.standard_errors[i];
    CRM_FUZZ_CHECK(IsFinite(se) && se >= 0 && IsFinite(u.confidence_intervals[i][0]) &&
                       IsFinite(u.confidence_intervals[i][1]) &&
                       u.confidence_intervals[i][0] <= u.confidence_intervals[i][1],
                   absl::StrCat(model, ": standard error ", se, " of parameter ", i));
    CRM_FUZZ_CHECK(std::fabs(se * se - u.covariance[i * n + i]) <=
                       1e-9 * std::fabs(u.covariance[i * n + i]) + 1e-300,
                   absl::StrCat(model, ": se^2 ", se * se, " vs variance ", u.covariance[i * n + i]));
    for (size_t j = 0; j < n; ++j) {
      // Symmetric up to the rounding of the change to natural parameters.
      CRM_FUZZ_CHECK(IsFinite(u.covariance[i * n + j]) &&
                         std::fabs(u.covariance[i * n + j] - u.covariance[j * n + i]) <=
                             1e-12 * std::sqrt(std::fabs(u.covariance[i * n + i] *
                                                         u.covariance[j * n + j])) + 1e-300,
                     absl::StrCat(model, ": covariance not finite or not symmetric at ", i, ",", j));
    }
  }
}

template <size_t N>
inline void CheckSum(const absl::StatusOr<LogLikelihoodSum<N>>& sum, const char* model) {
  if (!sum.ok()) {
    CheckError(sum.status(), model);
    return;
  }
  bool finite = IsFinite(sum->log_likelihood) && IsFinite(sum->weight);
  for (const double g : sum->gradient) finite &= IsFinite(g);
  CRM_FUZZ_CHECK(finite, absl::StrCat(model, ": non-finite log-likelihood sum ",
                                      sum->log_likelihood));
}

inline void CheckProbabilities(const absl::Status& status, const std::vector<double>& p,
                        const char* model) {
  if (!status.ok()) {
    CheckError(status, model);
    return;
  }
  for (size_t i = 0; i < p.size(); ++i) {
    CRM_FUZZ_CHECK(p[i] >= 0.0 && p[i] <= 1.0,
                   absl::StrCat(model, ": P(alive) of row ", i, " is ", p[i]));
  }
}

inline void CheckExpected(const absl::Status& status, const std::vector<double>& e, const char* model) {
  if (!status.ok()) {
    CheckError(status, model);
    return;
  }
  for (size_t i = 0; i < e.size(); ++i) {
    CRM_FUZZ_CHECK(IsFinite(e[i]) && e[i] >= 0.0,
                   absl::StrCat(model, ": expected purchases of row ", i, " is ", e[i]));
  }
}

struct Columns {
  std::vector<double> x, t_x, T, m;
};

// The common input layout: byte 0 flags (bit 0: histories from raw doubles, NaN/Inf/
// negative included; bit 1: the same for monetary values), byte 1 iteration cap
// (% 8 + 1), byte 2 min_repeat_buyers (% 4 + 1), 12 bytes of parameters (log-uniform in
// [e^-3, e^3]), 2 bytes a horizon t in [0, 100], then per customer (x, t_x, T, m) until
// the input ends or `max_customers` are read. e^±3 is wide enough for every regime of the
// formulas, narrow enough that the Pareto/NBD series (up to 10^6 terms a row when alpha
// and beta differ by orders of magnitude) stay affordable.
struct ModelInput {
  uint8_t flags = 0;
  FitOptions options;
  double p[6] = {};
  double t = 0.0;
  Columns c;
};

inline ModelInput ReadModelInput(FuzzInput& in, size_t max_customers) {
  ModelInput input;
  input.flags = in.Byte();
  input.options.max_iterations = in.Byte() % 8 + 1;
  input.options.min_repeat_buyers = in.Byte() % 4 + 1;
  for (double& p : input.p) p = std::exp(in.DoubleIn(-3.0, 3.0));
  input.t = in.DoubleIn(0.0, 100.0);
  Columns& c = input.c;
  while (in.remaining() > 0 && c.x.size() < max_customers) {
    double x, t_x, T;
    if ((input.flags & 1) != 0) {
      x = in.RawDouble();
      t_x = in.RawDouble();
      T = in.RawDouble();
    } else {
      x = in.Byte() % 40;
      T = in.DoubleIn(0.0, 100.0);
      t_x = x > 0 ? T * in.DoubleIn(0.0, 1.0) : 0.0;
    }
    const double m = (input.flags & 2) != 0 ? in.RawDouble() : in.DoubleIn(0.01, 1000.0);
    c.x.push_back(x);
    c.t_x.push_back(t_x);
    c.T.push_back(T);
    c.m.push_back(m);
  }
  return input;
}

inline void PredictBgNbd(const BgNbdParams& params, const Columns& c, double t) {
  std::vector<double> out(c.x.size());
  CheckProbabilities(BgNbdProbabilityAlive(params, c.x, c.t_x, c.T, absl::MakeSpan(out)), out,
                     "BgNbdProbabilityAlive");
  CheckExpected(BgNbdExpectedPurchases(params, t, c.x, c.t_x, c.T, absl::MakeSpan(out)), out,
                "BgNbdExpectedPurchases");
  const absl::StatusOr<double> fresh = BgNbdExpectedPurchasesNew(params, t);
  if (fresh.ok()) {
    CRM_FUZZ_CHECK(IsFinite(*fresh) && *fresh >= 0.0,
                   absl::StrCat("BgNbdExpectedPurchasesNew = ", *fresh));
  } else {
    CheckError(fresh.status(), "BgNbdExpectedPurchasesNew");
  }
  if (t > 0) {
    for (int64_t n = 0; n < 3; ++n) {
      const absl::StatusOr<double> p = BgNbdPurchaseCountProbability(params, t, n);
      if (p.ok()) {
        CRM_FUZZ_CHECK(*p >= 0.0 && *p <= 1.0, absl::StrCat("P(X(t) = ", n, ") = ", *p));
      } else {
        CheckError(p.status(), "BgNbdPurchaseCountProbability");
      }
    }
  }
}

inline void PredictParetoNbd(const ParetoNbdParams& params, const Columns& c, double t) {
  std::vector<double> out(c.x.size());
  CheckProbabilities(ParetoNbdProbabilityAlive(params, c.x, c.t_x, c.T, absl::MakeSpan(out)),
                     out, "ParetoNbdProbabilityAlive");
  CheckExpected(ParetoNbdExpectedPurchases(params, t, c.x, c.t_x, c.T, absl::MakeSpan(out)), out,
                "ParetoNbdExpectedPurchases");
}

inline void PredictGammaGamma(const GammaGammaParams& params, const Columns& c) {
  std::vector<double> out(c.x.size());
  const absl::Status status =
      GammaGammaExpectedMeanSpend(params, c.x, c.m, absl::MakeSpan(out));
  if (!status.ok()) {
    CheckError(status, "GammaGammaExpectedMeanSpend");
    return;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    CRM_FUZZ_CHECK(IsFinite(out[i]) && out[i] > 0.0,
                   absl::StrCat("expected mean spend of row ", i, " is ", out[i]));
  }
}

}  // namespace crmcore::fuzz

#endif  // CRMCORE_FUZZ_MODELS_COMMON_H_

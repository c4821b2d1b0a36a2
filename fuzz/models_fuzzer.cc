// Fuzz target: the buy-till-you-die models (crmcore/bgnbd.h, pareto_nbd.h, gamma_gamma.h)
// fitted and evaluated on small random summaries.
//
// Input layout: byte 0 flags (bit 0: histories from raw doubles, NaN/Inf/negative
// included; bit 1: the same for monetary values; bit 2: also fit Pareto/NBD), byte 1
// iteration cap (% 8 + 1), byte 2 min_repeat_buyers (% 4 + 1), 12 bytes of starting /
// evaluation parameters (log-uniform in [e^-3, e^3]), 2 bytes the prediction horizon t,
// then per customer (x, t_x, T, m) until the input ends (at most 12 customers).
//
// Invariants: a history set is accepted iff every row passes the documented checks
// (re-implemented here); a fit returns a clean error or finite, positive parameters and
// a finite report; with any valid parameters the log-likelihood sums and gradients are
// finite, P(alive) lies in [0, 1], expected purchases are finite and >= 0, the count
// probabilities lie in [0, 1], and Gamma-Gamma mean spend is finite and > 0 — or the
// call fails with a message (never a silent NaN/Inf).
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
namespace {

// ValidatePurchaseHistory's documented contract, re-implemented.
bool ValidHistory(double x, double t_x, double T) {
  if (!std::isfinite(x) || x < 0 || x != std::floor(x) || x > 9007199254740992.0) return false;
  if (!std::isfinite(t_x) || !std::isfinite(T) || t_x < 0 || T < 0 || t_x > T) return false;
  return !(x > 0 && t_x <= 0);
}

void CheckError(const absl::Status& status, const char* what) {
  CRM_FUZZ_CHECK(!status.ok() && !status.message().empty(),
                 absl::StrCat(what, ": an error without a message"));
}

void CheckReport(const FitReport& report, const char* model) {
  CRM_FUZZ_CHECK(IsFinite(report.log_likelihood) && IsFinite(report.gradient_norm) &&
                     report.gradient_norm >= 0 && !report.message.empty() &&
                     report.iterations >= 0 && report.evaluations >= 0,
                 absl::StrCat(model, ": report LL ", report.log_likelihood, " |g| ",
                              report.gradient_norm, " \"", report.message, "\""));
}

template <size_t N>
void CheckSum(const absl::StatusOr<LogLikelihoodSum<N>>& sum, const char* model) {
  if (!sum.ok()) {
    CheckError(sum.status(), model);
    return;
  }
  bool finite = IsFinite(sum->log_likelihood) && IsFinite(sum->weight);
  for (const double g : sum->gradient) finite &= IsFinite(g);
  CRM_FUZZ_CHECK(finite, absl::StrCat(model, ": non-finite log-likelihood sum ",
                                      sum->log_likelihood));
}

void CheckProbabilities(const absl::Status& status, const std::vector<double>& p,
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

void CheckExpected(const absl::Status& status, const std::vector<double>& e, const char* model) {
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

void PredictBgNbd(const BgNbdParams& params, const Columns& c, double t) {
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

void PredictParetoNbd(const ParetoNbdParams& params, const Columns& c, double t) {
  std::vector<double> out(c.x.size());
  CheckProbabilities(ParetoNbdProbabilityAlive(params, c.x, c.t_x, c.T, absl::MakeSpan(out)),
                     out, "ParetoNbdProbabilityAlive");
  CheckExpected(ParetoNbdExpectedPurchases(params, t, c.x, c.t_x, c.T, absl::MakeSpan(out)), out,
                "ParetoNbdExpectedPurchases");
}

void PredictGammaGamma(const GammaGammaParams& params, const Columns& c) {
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

}  // namespace
}  // namespace crmcore::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crmcore;
  using namespace crmcore::fuzz;
  FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  FitOptions options;
  options.max_iterations = in.Byte() % 8 + 1;
  options.min_repeat_buyers = in.Byte() % 4 + 1;
  // e^±3: wide enough for every regime of the formulas, narrow enough that the Pareto/NBD
  // series (up to 10^6 terms a row when alpha and beta differ by orders of magnitude)
  // keep the target at hundreds of executions a second.
  const auto log_uniform = [&in] { return std::exp(in.DoubleIn(-3.0, 3.0)); };
  const double p1 = log_uniform(), p2 = log_uniform(), p3 = log_uniform();
  const double p4 = log_uniform(), p5 = log_uniform(), p6 = log_uniform();
  const double t = in.DoubleIn(0.0, 100.0);

  Columns c;
  while (in.remaining() > 0 && c.x.size() < 12) {
    double x, t_x, T, m;
    if ((flags & 1) != 0) {
      x = in.RawDouble();
      t_x = in.RawDouble();
      T = in.RawDouble();
    } else {
      x = in.Byte() % 40;
      T = in.DoubleIn(0.0, 100.0);
      t_x = x > 0 ? T * in.DoubleIn(0.0, 1.0) : 0.0;
    }
    m = (flags & 2) != 0 ? in.RawDouble() : in.DoubleIn(0.01, 1000.0);
    c.x.push_back(x);
    c.t_x.push_back(t_x);
    c.T.push_back(T);
    c.m.push_back(m);
  }

  bool all_valid = !c.x.empty();
  for (size_t i = 0; i < c.x.size(); ++i) all_valid &= ValidHistory(c.x[i], c.t_x[i], c.T[i]);
  const absl::StatusOr<PurchaseHistories> histories = PurchaseHistories::Create(c.x, c.t_x, c.T);
  CRM_FUZZ_CHECK(histories.ok() == all_valid,
                 absl::StrCat("PurchaseHistories::Create: ", histories.status().ToString()));
  const BgNbdParams bg{p1, p2, p3, p4};
  const ParetoNbdParams pareto{p1, p2, p5, p6};
  const GammaGammaParams gg{p4, p5, p6};

  if (!histories.ok()) {
    CheckError(histories.status(), "PurchaseHistories::Create");
    // Predictions validate every row too: an invalid one is an error, never a NaN.
    std::vector<double> out(c.x.size());
    CRM_FUZZ_CHECK(c.x.empty() || !BgNbdProbabilityAlive(bg, c.x, c.t_x, c.T,
                                                         absl::MakeSpan(out)).ok(),
                   "BgNbdProbabilityAlive accepted an invalid history");
    CRM_FUZZ_CHECK(c.x.empty() || !ParetoNbdProbabilityAlive(pareto, c.x, c.t_x, c.T,
                                                             absl::MakeSpan(out)).ok(),
                   "ParetoNbdProbabilityAlive accepted an invalid history");
  } else {
    CheckSum(BgNbdLogLikelihoodSum(bg, *histories), "BgNbdLogLikelihoodSum");
    CheckSum(ParetoNbdLogLikelihoodSum(pareto, *histories), "ParetoNbdLogLikelihoodSum");
    PredictBgNbd(bg, c, t);
    PredictParetoNbd(pareto, c, t);

    const absl::StatusOr<BgNbdFit> bg_fit = FitBgNbd(*histories, options, bg);
    if (bg_fit.ok()) {
      CheckReport(bg_fit->report, "FitBgNbd");
      CRM_FUZZ_CHECK(bg_fit->params.Validate().ok(), "FitBgNbd: invalid parameters");
      PredictBgNbd(bg_fit->params, c, t);
    } else {
      CheckError(bg_fit.status(), "FitBgNbd");
    }
    // The Pareto/NBD fit costs most (its line search probes far-apart alpha and beta,
    // whose series run long): only on inputs that ask for it, with at most 3 iterations.
    if ((flags & 4) != 0) {
      FitOptions pareto_options = options;
      pareto_options.max_iterations = std::min(options.max_iterations, 3);
      const absl::StatusOr<ParetoNbdFit> pareto_fit =
          FitParetoNbd(*histories, pareto_options, pareto);
      if (pareto_fit.ok()) {
        CheckReport(pareto_fit->report, "FitParetoNbd");
        CRM_FUZZ_CHECK(pareto_fit->params.Validate().ok(), "FitParetoNbd: invalid parameters");
        PredictParetoNbd(pareto_fit->params, c, t);
      } else {
        CheckError(pareto_fit.status(), "FitParetoNbd");
      }
    }
  }

  // Gamma-Gamma: needs only x (a non-negative integer) and, for x > 0, m finite and > 0.
  bool spend_valid = true;
  for (size_t i = 0; i < c.x.size(); ++i) {
    const double x = c.x[i];
    if (!std::isfinite(x) || x < 0 || x != std::floor(x) || x > 9007199254740992.0) {
      spend_valid = false;
    } else if (x > 0 && !(std::isfinite(c.m[i]) && c.m[i] > 0)) {
      spend_valid = false;
    }
  }
  const absl::StatusOr<SpendHistories> spend = SpendHistories::Create(c.x, c.m);
  CRM_FUZZ_CHECK(spend.ok() == spend_valid,
                 absl::StrCat("SpendHistories::Create: ", spend.status().ToString()));
  if (!spend.ok()) {
    CheckError(spend.status(), "SpendHistories::Create");
    return 0;
  }
  CheckSum(GammaGammaLogLikelihoodSum(gg, *spend), "GammaGammaLogLikelihoodSum");
  PredictGammaGamma(gg, c);
  const absl::StatusOr<GammaGammaFit> gg_fit = FitGammaGamma(*spend, options, gg);
  if (gg_fit.ok()) {
    CheckReport(gg_fit->report, "FitGammaGamma");
    CRM_FUZZ_CHECK(gg_fit->params.Validate().ok(), "FitGammaGamma: invalid parameters");
    PredictGammaGamma(gg_fit->params, c);
  } else {
    CheckError(gg_fit.status(), "FitGammaGamma");
  }
  return 0;
}

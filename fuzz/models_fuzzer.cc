// Fuzz target: the buy-till-you-die models (crmcore/bgnbd.h, pareto_nbd.h, gamma_gamma.h)
// fitted and evaluated on small random summaries. The Pareto/NBD fit, whose line search
// costs most, has its own target (pareto_fit_fuzzer.cc); here Pareto/NBD is evaluated.
//
// Input layout: ReadModelInput (models_common.h), at most 12 customers.
//
// Invariants: a history set is accepted iff every row passes the documented checks
// (re-implemented here); a fit returns a clean error or finite, positive parameters and
// a finite report; with any valid parameters the log-likelihood sums and gradients are
// finite, P(alive) lies in [0, 1], expected purchases are finite and >= 0, the count
// probabilities lie in [0, 1], and Gamma-Gamma mean spend is finite and > 0 — or the
// call fails with a message (never a silent NaN/Inf).
#include <cstdint>
#include <vector>

#include "models_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crmcore;
  using namespace crmcore::fuzz;
  FuzzInput in(data, size);
  const ModelInput input = ReadModelInput(in, 12);
  const Columns& c = input.c;
  const FitOptions& options = input.options;
  const double t = input.t;
  const double p1 = input.p[0], p2 = input.p[1], p3 = input.p[2];
  const double p4 = input.p[3], p5 = input.p[4], p6 = input.p[5];

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

// Fuzz target: the Pareto/NBD maximum-likelihood fit (crmcore/pareto_nbd.h) on small random
// summaries, apart from models_fuzzer.cc because a fit evaluates the likelihood many times
// (the slowest of the model targets). Its line search probes far-apart alpha and beta, where
// 2F1 runs as a continued fraction; before that was added, the series there took 25 s a fit.
//
// Input layout: ReadModelInput (models_common.h), at most 6 customers; the iteration cap is
// at most 3.
//
// Invariants: the fit returns a clean error (invalid histories, too few repeat buyers, a
// series out of range) or finite positive parameters and a finite report; predictions with
// the fitted parameters are P(alive) in [0, 1] and expected purchases finite and >= 0.
#include <algorithm>
#include <cstdint>

#include "models_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crmcore;
  using namespace crmcore::fuzz;
  FuzzInput in(data, size);
  ModelInput input = ReadModelInput(in, 6);
  input.options.max_iterations = std::min(input.options.max_iterations, 3);
  const Columns& c = input.c;
  const absl::StatusOr<PurchaseHistories> histories = PurchaseHistories::Create(c.x, c.t_x, c.T);
  if (!histories.ok()) {
    CheckError(histories.status(), "PurchaseHistories::Create");
    return 0;
  }
  const ParetoNbdParams initial{input.p[0], input.p[1], input.p[4], input.p[5]};
  const absl::StatusOr<ParetoNbdFit> fit = FitParetoNbd(*histories, input.options, initial);
  if (!fit.ok()) {
    CheckError(fit.status(), "FitParetoNbd");
    return 0;
  }
  CheckReport(fit->report, "FitParetoNbd");
  CRM_FUZZ_CHECK(fit->params.Validate().ok(), "FitParetoNbd: invalid parameters");
  PredictParetoNbd(fit->params, c, input.t);
  return 0;
}

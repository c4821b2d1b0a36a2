// Fuzz target: the discrete-time models, BG/BB (crmcore/bgbb.h) and sBG (crmcore/sbg.h),
// in one target: their log-likelihood sums, bounded fits and predictions on small random
// pattern tables and survivor series, and the C API's view of the same parameters.
//
// Input layout: byte 0 flags (bit 0: BG/BB histories and weights from raw doubles, NaN/
// Inf/negative/fractional included; bit 1: survivor counts from raw doubles; bit 2: a
// discount of 0, where DERT and DERL converge only for gamma > 1 / alpha > 1; bit 3:
// BG/BB histories over up to 2000 opportunities instead of 11; bit 4: a survivor series
// that may grow; bit 5: any x <= t_x, not only x >= 1 when t_x >= 1), byte 1 iteration cap (% 8 + 1), byte 2 min_repeat_buyers (% 4 + 1),
// 12 bytes of parameters (log-uniform in [e^-3, e^3]: BG/BB's alpha, beta, gamma, delta,
// sBG's alpha, beta), 2 horizons n* (< 20 each, the second added to the first), 2 bytes
// a discount in [0.01, 1], a byte the BG/BB row count (% 9), then the rows, a byte the
// cohort count (% 4), then per cohort a length byte (% 10) and its counts.
//
// Invariants: a pattern table is accepted iff every row passes ValidateBgBbHistory's
// documented contract (re-implemented here) with a finite weight >= 0; a survivor series
// iff every cohort passes SurvivorSeries::Create's; log-likelihood sums and gradients are
// finite (BG/BB's log-likelihood <= 0: a log-probability times weights >= 0); fits give a
// clean error or finite, positive parameters and a finite report whose uncertainty, when
// available, is a finite symmetric covariance; P(alive) in [0, 1]; expected transactions
// 0 at n* = 0, finite, >= 0, non-decreasing in n* and at most n* P(alive) (one transaction
// per opportunity, and only while alive); DERT finite, >= 0 and at most P(alive) / d;
// sBG's S(t) in [0, 1], 1 at t = 0, non-increasing, equal to the projected survivors and
// to the C API's curve; r(t) in [0, 1] and non-decreasing (the high-churn customers leave
// first); P(T = t) = S(t-1) - S(t) up to rounding; DERL finite, >= 1 and non-decreasing
// in the renewals — or the call fails with a message (never a silent NaN/Inf).
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore.h"
#include "crmcore/bgbb.h"
#include "crmcore/model_fit.h"
#include "crmcore/sbg.h"
#include "fuzz_common.h"
#include "models_common.h"

namespace {

using namespace crmcore;
using namespace crmcore::fuzz;

// ValidateBgBbHistory's documented contract (bgbb.h), re-implemented: whole numbers
// x <= t_x <= n <= 10^6, and t_x = 0 when x = 0 (the last transaction of a customer with
// no repeat transaction is the first, at opportunity 0).
bool ValidBgBbHistory(double x, double t_x, double n) {
  const auto count = [](double v) {
    return std::isfinite(v) && v >= 0 && v <= kBgBbMaxPeriods && v == std::floor(v);
  };
  if (!count(x) || !count(t_x) || !count(n)) return false;
  if (t_x > n || x > t_x) return false;
  return !(x == 0 && t_x > 0);
}

// SurvivorSeries::Create's documented contract (sbg.h), re-implemented.
bool ValidSeries(const std::vector<std::vector<double>>& cohorts) {
  if (cohorts.empty()) return false;
  for (const std::vector<double>& s : cohorts) {
    if (s.size() < 2 || !(s[0] > 0)) return false;
    for (size_t t = 0; t < s.size(); ++t) {
      if (!(std::isfinite(s[t]) && s[t] >= 0)) return false;
      if (t > 0 && s[t] > s[t - 1]) return false;
    }
  }
  return true;
}

struct BgBbRows {
  std::vector<double> x, t_x, n, weight;
};

struct Horizons {
  double n_star_a = 0, n_star_b = 0, discount = 0;
};

// Every BG/BB prediction for `rows` with `params`, checked.
void PredictBgBb(const BgBbParams& params, const BgBbRows& rows, const Horizons& h) {
  const size_t size = rows.x.size();
  std::vector<double> alive(size), e0(size), ea(size), eb(size), dert(size);
  const absl::Status alive_status =
      BgBbProbabilityAlive(params, rows.x, rows.t_x, rows.n, absl::MakeSpan(alive));
  CheckProbabilities(alive_status, alive, "BgBbProbabilityAlive");
  const absl::Status s0 =
      BgBbExpectedTransactions(params, 0.0, rows.x, rows.t_x, rows.n, absl::MakeSpan(e0));
  const absl::Status sa =
      BgBbExpectedTransactions(params, h.n_star_a, rows.x, rows.t_x, rows.n, absl::MakeSpan(ea));
  const absl::Status sb =
      BgBbExpectedTransactions(params, h.n_star_b, rows.x, rows.t_x, rows.n, absl::MakeSpan(eb));
  CheckExpected(s0, e0, "BgBbExpectedTransactions(0)");
  CheckExpected(sa, ea, "BgBbExpectedTransactions(a)");
  CheckExpected(sb, eb, "BgBbExpectedTransactions(b)");
  const absl::Status sd = BgBbDiscountedExpectedResidualTransactions(
      params, h.discount, rows.x, rows.t_x, rows.n, absl::MakeSpan(dert));
  CheckExpected(sd, dert, "BgBbDiscountedExpectedResidualTransactions");
  if (!alive_status.ok()) return;
  for (size_t i = 0; i < size; ++i) {
    const std::string row = absl::StrCat(
        " of row ", i, " (x = ", rows.x[i], ", t_x = ", rows.t_x[i], ", n = ", rows.n[i],
        ") at alpha = ", params.alpha, ", beta = ", params.beta, ", gamma = ", params.gamma,
        ", delta = ", params.delta);
    if (s0.ok()) CRM_FUZZ_CHECK(e0[i] == 0.0, absl::StrCat("E(0) = ", e0[i], row));
    if (sa.ok() && sb.ok()) {
      CRM_FUZZ_CHECK(eb[i] >= ea[i], absl::StrCat("E(", h.n_star_b, ") = ", eb[i], " < E(",
                                                  h.n_star_a, ") = ", ea[i], row));
    }
    // E[transaction at n+s] = E[p 1{alive at n+s}] <= P(alive at n+1), p <= 1.
    if (sb.ok()) {
      CRM_FUZZ_CHECK(eb[i] <= h.n_star_b * alive[i] * (1 + 1e-9) + 1e-300,
                     absl::StrCat("E(", h.n_star_b, ") = ", eb[i], " > n* P(alive) = ",
                                  h.n_star_b * alive[i], row));
    }
    if (sd.ok() && h.discount > 0) {
      CRM_FUZZ_CHECK(dert[i] <= alive[i] / h.discount * (1 + 1e-9) + 1e-300,
                     absl::StrCat("DERT = ", dert[i], " > P(alive) / d = ",
                                  alive[i] / h.discount, row));
    }
  }
  // The C API's model of the same parameters predicts the same, bit for bit.
  const double p[4] = {params.alpha, params.beta, params.gamma, params.delta};
  crm_model* model = nullptr;
  CRM_FUZZ_CHECK(crm_model_from_params(CRM_MODEL_BGBB, p, 4, &model) == CRM_OK,
                 crm_last_error());
  std::vector<double> c_alive(size);
  CRM_FUZZ_CHECK(crm_model_bgbb_p_alive(model, rows.x.data(), rows.t_x.data(), rows.n.data(),
                                        size, c_alive.data()) == CRM_OK,
                 crm_last_error());
  CRM_FUZZ_CHECK(c_alive == alive, "crm_model_bgbb_p_alive differs from BgBbProbabilityAlive");
  crm_model_destroy(model);
}

// The BG/BB part: validation, the log-likelihood, a bounded fit, predictions.
void FuzzBgBb(const BgBbParams& params, const BgBbRows& rows, const FitOptions& options,
              const Horizons& h) {
  bool valid = !rows.x.empty();
  for (size_t i = 0; i < rows.x.size(); ++i) {
    valid &= ValidBgBbHistory(rows.x[i], rows.t_x[i], rows.n[i]) &&
             std::isfinite(rows.weight[i]) && rows.weight[i] >= 0;
  }
  const absl::StatusOr<BgBbHistories> histories =
      BgBbHistories::Create(rows.x, rows.t_x, rows.n, rows.weight);
  CRM_FUZZ_CHECK(histories.ok() == valid,
                 absl::StrCat("BgBbHistories::Create: ", histories.status().ToString()));
  if (!histories.ok()) {
    CheckError(histories.status(), "BgBbHistories::Create");
    // Predictions validate the rows too: an invalid one is an error, never a NaN. (The
    // weights are not theirs: check only rows whose history itself is invalid.)
    bool histories_valid = !rows.x.empty();
    for (size_t i = 0; i < rows.x.size(); ++i) {
      histories_valid &= ValidBgBbHistory(rows.x[i], rows.t_x[i], rows.n[i]);
    }
    if (!histories_valid && !rows.x.empty()) {
      std::vector<double> out(rows.x.size());
      CRM_FUZZ_CHECK(
          !BgBbProbabilityAlive(params, rows.x, rows.t_x, rows.n, absl::MakeSpan(out)).ok(),
          "BgBbProbabilityAlive accepted an invalid history");
    }
    return;
  }
  const absl::StatusOr<LogLikelihoodSum<4>> sum = BgBbLogLikelihoodSum(params, *histories);
  CheckSum(sum, "BgBbLogLikelihoodSum");
  if (sum.ok()) {
    CRM_FUZZ_CHECK(sum->log_likelihood <= 1e-9 * (1.0 + sum->weight),
                   absl::StrCat("BG/BB log-likelihood ", sum->log_likelihood, " > 0"));
  }
  PredictBgBb(params, rows, h);
  const absl::StatusOr<BgBbFit> fit = FitBgBb(*histories, options, params);
  if (!fit.ok()) {
    CheckError(fit.status(), "FitBgBb");
    return;
  }
  CheckReport(fit->report, "FitBgBb");
  CRM_FUZZ_CHECK(fit->params.Validate().ok(), "FitBgBb: invalid parameters");
  PredictBgBb(fit->params, rows, h);
}

// Every sBG prediction with `params`, checked.
void PredictSbg(const SbgParams& params, const Horizons& h) {
  constexpr size_t kPeriods = 24;
  const absl::StatusOr<std::vector<double>> projected = SbgProjectSurvivors(params, 1.0, kPeriods);
  if (!projected.ok()) {
    CheckError(projected.status(), "SbgProjectSurvivors");
    return;
  }
  double previous_survival = 1.0, previous_retention = 0.0;
  for (size_t t = 0; t < kPeriods; ++t) {
    const double td = static_cast<double>(t);
    const absl::StatusOr<double> s = SbgSurvival(params, td);
    CRM_FUZZ_CHECK(s.ok(), absl::StrCat("SbgSurvival(", t, "): ", s.status().ToString()));
    CRM_FUZZ_CHECK(*s >= 0 && *s <= 1 && *s <= previous_survival && (t > 0 || *s == 1.0),
                   absl::StrCat("S(", t, ") = ", *s, " after ", previous_survival));
    CRM_FUZZ_CHECK(*s == (*projected)[t],
                   absl::StrCat("S(", t, ") = ", *s, " but projected ", (*projected)[t]));
    if (t > 0) {
      const absl::StatusOr<double> r = SbgRetentionRate(params, td);
      CRM_FUZZ_CHECK(r.ok() && *r >= 0 && *r <= 1 && *r >= previous_retention,
                     absl::StrCat("r(", t, ") = ", r.ok() ? *r : -1.0, " after ",
                                  previous_retention));
      previous_retention = *r;
      const absl::StatusOr<double> churn = SbgChurnProbability(params, td);
      CRM_FUZZ_CHECK(churn.ok() && *churn >= 0 && *churn <= 1 &&
                         std::fabs(*churn - (previous_survival - *s)) <= 1e-12,
                     absl::StrCat("P(T = ", t, ") = ", churn.ok() ? *churn : -1.0,
                                  ", S(t-1) - S(t) = ", previous_survival - *s));
    }
    previous_survival = *s;
  }
  // Far beyond the product's range the log-beta form: still in [0, S(kPeriods - 1)].
  const absl::StatusOr<double> far = SbgSurvival(params, 123456.0);
  if (far.ok()) {
    CRM_FUZZ_CHECK(*far >= 0 && *far <= previous_survival * (1 + 1e-9),
                   absl::StrCat("S(123456) = ", *far, " > S(23) = ", previous_survival));
  } else {
    CheckError(far.status(), "SbgSurvival(123456)");
  }
  // The C API's curve of the same parameters is the same, bit for bit.
  const double p[2] = {params.alpha, params.beta};
  crm_model* model = nullptr;
  CRM_FUZZ_CHECK(crm_model_from_params(CRM_MODEL_SBG, p, 2, &model) == CRM_OK, crm_last_error());
  std::vector<double> survival(kPeriods), retention(kPeriods);
  CRM_FUZZ_CHECK(crm_model_sbg_curve(model, kPeriods, survival.data(), retention.data()) == CRM_OK,
                 crm_last_error());
  CRM_FUZZ_CHECK(survival == *projected && retention[0] == 1.0,
                 "crm_model_sbg_curve differs from SbgProjectSurvivors");
  double previous_derl = 0.0;
  for (double renewals = 0; renewals < 4; ++renewals) {
    const absl::StatusOr<double> derl =
        SbgDiscountedExpectedResidualLifetime(params, h.discount, renewals);
    if (!derl.ok()) {
      CheckError(derl.status(), "SbgDiscountedExpectedResidualLifetime");
      break;
    }
    CRM_FUZZ_CHECK(IsFinite(*derl) && *derl >= 1.0 - 1e-12 &&
                       *derl >= previous_derl * (1 - 1e-9),
                   absl::StrCat("DERL(", h.discount, " | ", renewals, ") = ", *derl,
                                " after ", previous_derl));
    double c_derl = 0.0;
    CRM_FUZZ_CHECK(crm_model_sbg_derl(model, h.discount, renewals, &c_derl) == CRM_OK &&
                       c_derl == *derl,
                   "crm_model_sbg_derl differs from SbgDiscountedExpectedResidualLifetime");
    previous_derl = *derl;
  }
  crm_model_destroy(model);
}

// The sBG part: validation, the log-likelihood, a bounded fit, predictions.
void FuzzSbg(const SbgParams& params, const std::vector<std::vector<double>>& cohorts,
             const FitOptions& options, const Horizons& h) {
  PredictSbg(params, h);
  const absl::StatusOr<SurvivorSeries> series = SurvivorSeries::Create(cohorts);
  CRM_FUZZ_CHECK(series.ok() == ValidSeries(cohorts),
                 absl::StrCat("SurvivorSeries::Create: ", series.status().ToString()));
  if (!series.ok()) {
    CheckError(series.status(), "SurvivorSeries::Create");
    return;
  }
  CheckSum(SbgLogLikelihoodSum(params, *series), "SbgLogLikelihoodSum");
  const absl::StatusOr<SbgFit> fit = FitSbg(*series, options, params);
  if (!fit.ok()) {
    CheckError(fit.status(), "FitSbg");
    return;
  }
  CheckReport(fit->report, "FitSbg");
  CRM_FUZZ_CHECK(fit->params.Validate().ok(), "FitSbg: invalid parameters");
  PredictSbg(fit->params, h);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  FitOptions options;
  options.max_iterations = in.Byte() % 8 + 1;
  options.min_repeat_buyers = in.Byte() % 4 + 1;
  double p[6];
  for (double& v : p) v = std::exp(in.DoubleIn(-3.0, 3.0));
  Horizons h;
  h.n_star_a = in.Byte() % 20;
  h.n_star_b = h.n_star_a + in.Byte() % 20;
  h.discount = in.DoubleIn(0.01, 1.0);
  if ((flags & 4) != 0) h.discount = 0.0;

  BgBbRows rows;
  const int n_rows = in.Byte() % 9;
  for (int i = 0; i < n_rows; ++i) {
    double x, t_x, n, w;
    if ((flags & 1) != 0) {
      x = in.RawDouble();
      t_x = in.RawDouble();
      n = in.RawDouble();
      w = in.RawDouble();
    } else {
      n = (flags & 8) != 0 ? static_cast<double>(((in.Byte() << 8) | in.Byte()) % 2001)
                           : static_cast<double>(in.Byte() % 12);
      t_x = std::floor(n * in.DoubleIn(0.0, 1.0));
      // With bit 5 any x <= t_x, x = 0 with t_x > 0 included (no transaction after the
      // first, yet a last one at t_x: not a history); else a valid one.
      x = (flags & 32) != 0 ? std::floor(t_x * in.DoubleIn(0.0, 1.0))
          : t_x > 0         ? 1 + std::floor((t_x - 1) * in.DoubleIn(0.0, 1.0))
                            : 0.0;
      w = in.Byte() % 64;
    }
    rows.x.push_back(x);
    rows.t_x.push_back(t_x);
    rows.n.push_back(n);
    rows.weight.push_back(w);
  }

  std::vector<std::vector<double>> cohorts(in.Byte() % 4);
  for (std::vector<double>& cohort : cohorts) {
    const int length = in.Byte() % 10;
    double count = in.DoubleIn(0.0, 1000.0);
    for (int t = 0; t < length; ++t) {
      if ((flags & 2) != 0) {
        count = in.RawDouble();
      } else if (t > 0) {
        // Mostly non-increasing; with bit 4, a count may grow.
        count *= (flags & 16) != 0 ? in.DoubleIn(0.0, 1.2) : in.DoubleIn(0.0, 1.0);
      }
      cohort.push_back(count);
    }
  }

  FuzzBgBb(BgBbParams{p[0], p[1], p[2], p[3]}, rows, options, h);
  FuzzSbg(SbgParams{p[4], p[5]}, cohorts, options, h);
  return 0;
}

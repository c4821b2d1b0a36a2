/* The MBG/NBD, BG/BB and sBG models of crmcore.h from a C99 host (examples/data is argv[1]):
 * fits against the published estimates, predictions against the formulas written out
 * here, and the bad inputs of the new entry points against their status and message. */
#include "crmcore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char* g_data_dir = ".";

static int rel_near(double a, double b, double rel) { return fabs(a - b) <= rel * fabs(b); }

/* Columns 2..4 (or 1..4) of a CSV with a header line; returns the rows read. */
static size_t read_csv4(const char* file, int skip_first, double* c1, double* c2, double* c3,
                        double* c4, size_t max_rows) {
  char path[4096], line[512];
  size_t n = 0;
  FILE* f;
  snprintf(path, sizeof path, "%s/%s", g_data_dir, file);
  f = fopen(path, "r");
  if (f == NULL) return 0;
  if (fgets(line, sizeof line, f) == NULL) {
    fclose(f);
    return 0;
  }
  while (n < max_rows && fgets(line, sizeof line, f) != NULL) {
    double skip;
    if (skip_first) {
      if (sscanf(line, "%lf,%lf,%lf,%lf", &skip, &c1[n], &c2[n], &c3[n]) == 4) ++n;
    } else {
      if (sscanf(line, "%lf,%lf,%lf,%lf", &c1[n], &c2[n], &c3[n], &c4[n]) == 4) ++n;
    }
  }
  fclose(f);
  return n;
}

/* MBG/NBD's purchase-count pmf (new customer and conditional) and CLV through the C API. */
static void test_mbgnbd_counts_and_clv(const crm_model* model, const double* params,
                                       double fresh) {
  const double r = params[0], alpha = params[1], a = params[2], b = params[3];
  /* x = 0 customers may be gone in MBG/NBD; the last row is a brand-new customer. */
  const double hx[4] = {0, 2, 7, 0}, htx[4] = {0, 30.43, 35.0, 0}, hT[4] = {38.86, 38.86, 38.0, 0};
  double value = 0, total = 0, mean = 0, alive[4], expected[4], pmf[4];
  double ctotal[4] = {0, 0, 0, 0}, cmean[4] = {0, 0, 0, 0}, before[4] = {-1, -1, -1, -1};
  int64_t k;
  size_t i;
  /* A new customer: P(X(t) = n) sums to 1, its mean is E[X(t)], and P(X(t) = 0) is gone at
   * time 0 or no purchase by t: a/(a+b) + b/(a+b) (alpha/(alpha+t))^r. */
  for (k = 0; k <= 600; ++k) {
    CHECK_OK(crm_model_purchase_count_probability(model, k, 39.0, &value));
    total += value;
    mean += (double)k * value;
  }
  CHECK_NEAR(total, 1.0, 1e-10);
  CHECK(rel_near(mean, fresh, 1e-10));
  CHECK_OK(crm_model_purchase_count_probability(model, 0, 39.0, &value));
  CHECK(rel_near(value, a / (a + b) + b / (a + b) * pow(alpha / (alpha + 39.0), r), 1e-13));
  CHECK_ERROR(crm_model_purchase_count_probability(model, -1, 39.0, &value),
              CRM_ERR_INVALID_ARGUMENT, "MBG/NBD purchase-count probability: count n must be >= 0, got -1");
  CHECK_ERROR(crm_model_purchase_count_probability(model, 1, 0.0, &value),
              CRM_ERR_INVALID_ARGUMENT, "horizon t must be finite and > 0, got 0");
  CHECK_ERROR(crm_model_purchase_count_probability(model, 1, 39.0, NULL),
              CRM_ERR_INVALID_ARGUMENT, "out");

  /* Conditional: sums to 1, mean = crm_model_expected_purchases, n = 0 in closed form
   * 1 - P(alive) + P(alive) ((alpha+T)/(alpha+T+t))^(r+x), and the history (0, 0, 0) is a
   * new customer. */
  CHECK_OK(crm_model_p_alive(model, hx, htx, hT, 4, alive));
  CHECK_OK(crm_model_expected_purchases(model, 39.0, hx, htx, hT, 4, expected));
  for (k = 0; k <= 600; ++k) {
    CHECK_OK(crm_model_conditional_purchase_count_probability(model, k, 39.0, hx, htx, hT, 4,
                                                              pmf));
    for (i = 0; i < 4; ++i) {
      ctotal[i] += pmf[i];
      cmean[i] += (double)k * pmf[i];
    }
    if (k == 0) {
      for (i = 0; i < 4; ++i) {
        const double a_T = alpha + hT[i];
        CHECK(rel_near(pmf[i], 1 - alive[i] + alive[i] * pow(a_T / (a_T + 39.0), r + hx[i]),
                       1e-12));
      }
    }
    if (k == 3) {
      CHECK_OK(crm_model_purchase_count_probability(model, 3, 39.0, &value));
      CHECK(rel_near(pmf[3], value, 1e-13));
    }
  }
  for (i = 0; i < 4; ++i) {
    CHECK_NEAR(ctotal[i], 1.0, 1e-10);
    CHECK(rel_near(cmean[i], expected[i], 1e-10));
  }
  CHECK(alive[0] < 1);
  {
    const double bad_tx[4] = {0, 30.43, 50.0, 0}; /* row 2: t_x > T */
    CHECK_ERROR(crm_model_conditional_purchase_count_probability(model, 1, 39.0, hx, bad_tx, hT,
                                                                 4, before),
                CRM_ERR_INVALID_ARGUMENT, "row 2");
    CHECK(before[0] == -1 && before[3] == -1);
  }
  CHECK_ERROR(crm_model_conditional_purchase_count_probability(model, -2, 39.0, hx, htx, hT, 4,
                                                               pmf),
              CRM_ERR_INVALID_ARGUMENT, "count n must be >= 0, got -2");
  CHECK_ERROR(crm_model_conditional_purchase_count_probability(model, 1, -1.0, hx, htx, hT, 4,
                                                               pmf),
              CRM_ERR_INVALID_ARGUMENT, "horizon t must be finite and > 0, got -1");

  /* CLV: the discounted differences of MBG/NBD expected purchases, times the spend. */
  {
    crm_clv_options o;
    const double spend[4] = {1.0, 2.5, 40.0, 3.0}, bad_spend[4] = {1.0, -2.0, 1.0, 1.0};
    double clv[4], manual[4] = {0, 0, 0, 0}, e_prev[4] = {0, 0, 0, 0}, e_cur[4];
    int period;
    CHECK_OK(crm_clv_options_init(&o, sizeof o));
    o.periods = 4;
    o.period_length = 13.0;
    o.discount_rate = 0.03;
    CHECK_OK(crm_clv(model, NULL, hx, htx, hT, spend, 4, &o, clv));
    for (period = 1; period <= 4; ++period) {
      CHECK_OK(crm_model_expected_purchases(model, 13.0 * period, hx, htx, hT, 4, e_cur));
      for (i = 0; i < 4; ++i) {
        manual[i] += spend[i] * (e_cur[i] - e_prev[i]) / pow(1.03, period);
        e_prev[i] = e_cur[i];
      }
    }
    for (i = 0; i < 4; ++i) CHECK(rel_near(clv[i], manual[i], 1e-12));
    clv[0] = -7;
    CHECK_ERROR(crm_clv(model, NULL, hx, htx, hT, bad_spend, 4, &o, clv),
                CRM_ERR_INVALID_ARGUMENT, "row 1");
    CHECK(clv[0] == -7);
    CHECK_ERROR(crm_clv(model, model, hx, htx, hT, spend, 4, &o, clv), CRM_ERR_INVALID_ARGUMENT,
                "spend_model is a MBG/NBD model");
  }
}

static void test_mbgnbd(void) {
  static double x[2357], t_x[2357], T[2357];
  const size_t n = read_csv4("cdnow_customers_summary.csv", 1, x, t_x, T, NULL, 2357);
  crm_model* model = NULL;
  double params[4], alive = 0, expected = 0, fresh = 0, ll = 0, value = 0;
  size_t count = 0;
  CHECK(n == 2357);
  if (n != 2357) return;
  CHECK_OK(crm_model_fit(CRM_MODEL_MBGNBD, x, t_x, T, NULL, n, NULL, &model));
  CHECK_OK(crm_model_param_count(model, &count));
  CHECK(count == 4);
  CHECK_OK(crm_model_params(model, params, 4));
  /* lifetimes' ModifiedBetaGeoFitter on the same summary: r 0.525, alpha 6.183, a 0.891,
   * b 1.614. */
  CHECK_NEAR(params[0], 0.525, 0.0005);
  CHECK_NEAR(params[1], 6.183, 0.0005);
  CHECK_NEAR(params[2], 0.891, 0.0005);
  CHECK_NEAR(params[3], 1.614, 0.0005);
  CHECK_OK(crm_model_fit_info(model, CRM_FIT_INFO_LOG_LIKELIHOOD, &value));
  CHECK_OK(crm_model_log_likelihood(CRM_MODEL_MBGNBD, params, 4, x, t_x, T, NULL, n, &ll, NULL));
  CHECK(rel_near(ll, value, 1e-12));
  {
    /* P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)), also for x = 0. */
    const double hx[] = {0}, htx[] = {0}, hT[] = {38.86};
    const double r = params[0], alpha = params[1], a = params[2], b = params[3];
    CHECK_OK(crm_model_p_alive(model, hx, htx, hT, 1, &alive));
    CHECK(rel_near(alive, 1 / (1 + a / b * pow((alpha + 38.86) / alpha, r)), 1e-13));
    CHECK_OK(crm_model_expected_purchases(model, 39, hx, htx, hT, 1, &expected));
    CHECK(expected > 0 && expected < 1);
  }
  CHECK_OK(crm_model_expected_purchases_new(model, 39, &fresh));
  CHECK(fresh > 0);
  test_mbgnbd_counts_and_clv(model, params, fresh);
  {
    /* The grids: each cell equals the per-customer call (x = 0 at t_x = 0). */
    double grid[4 * 3], egrid[4 * 3], cell = 0, ecell = 0;
    size_t fi, rj;
    CHECK_OK(crm_model_p_alive_matrix(model, 3, 38.86, 2, grid, 12));
    CHECK_OK(crm_model_expected_purchases_matrix(model, 39.0, 3, 38.86, 2, egrid, 12));
    for (fi = 0; fi <= 3; ++fi) {
      for (rj = 0; rj <= 2; ++rj) {
        const double fx = (double)fi, fT = 38.86;
        const double ftx = fi == 0 ? 0.0 : (rj == 2 ? 38.86 : 38.86 * (double)rj / 2.0);
        CHECK_OK(crm_model_p_alive(model, &fx, &ftx, &fT, 1, &cell));
        CHECK_OK(crm_model_expected_purchases(model, 39.0, &fx, &ftx, &fT, 1, &ecell));
        CHECK(grid[fi * 3 + rj] == cell);
        CHECK(egrid[fi * 3 + rj] == ecell);
      }
    }
  }
  crm_model_destroy(model);
}

static void test_bgbb(void) {
  double x[64], t_x[64], periods[64], weights[64], params[4], value = 0;
  const size_t n = read_csv4("donations.csv", 0, x, t_x, periods, weights, 64);
  crm_model* model = NULL;
  int kind = -1;
  CHECK(n == 22);
  if (n != 22) return;
  CHECK_OK(crm_model_fit_bgbb(x, t_x, periods, weights, n, NULL, &model));
  CHECK_OK(crm_model_kind(model, &kind));
  CHECK(kind == CRM_MODEL_BGBB);
  CHECK_OK(crm_model_params(model, params, 4));
  /* Fader, Hardie & Shang (2010): 1.204, 0.750, 0.657, 2.783; LL -33,225.6. */
  CHECK_NEAR(params[0], 1.204, 0.0005);
  CHECK_NEAR(params[1], 0.750, 0.0005);
  CHECK_NEAR(params[2], 0.657, 0.0005);
  CHECK_NEAR(params[3], 2.783, 0.0005);
  CHECK_OK(crm_model_fit_info(model, CRM_FIT_INFO_LOG_LIKELIHOOD, &value));
  CHECK_NEAR(value, -33225.6, 0.05);
  CHECK_OK(crm_model_fit_info(model, CRM_FIT_INFO_CUSTOMERS, &value));
  CHECK(value == 11104.0);
  {
    /* x = n = 6: alive at 6 for sure, so P(alive at 7) = (delta + 6)/(gamma + delta + 6)
     * and the next opportunity's expected transactions (alpha+6)/(alpha+beta+6) * that. */
    const double hx[] = {6}, htx[] = {6}, hn[] = {6};
    const double al = params[0], be = params[1], ga = params[2], de = params[3];
    double alive = 0, next = 0, dert = 0;
    CHECK_OK(crm_model_bgbb_p_alive(model, hx, htx, hn, 1, &alive));
    CHECK(rel_near(alive, (de + 6) / (ga + de + 6), 1e-12));
    CHECK_OK(crm_model_bgbb_expected_transactions(model, 1, hx, htx, hn, 1, &next));
    CHECK(rel_near(next, (al + 6) / (al + be + 6) * (de + 6) / (ga + de + 6), 1e-12));
    CHECK_OK(crm_model_bgbb_dert(model, 0.1, hx, htx, hn, 1, &dert));
    CHECK(dert > next / 1.1);
    CHECK_ERROR(crm_model_bgbb_dert(model, -1, hx, htx, hn, 1, &dert), CRM_ERR_INVALID_ARGUMENT,
                "discount d must be finite and >= 0");
    CHECK_ERROR(crm_model_p_alive(model, hx, htx, hn, 1, &alive), CRM_ERR_INVALID_ARGUMENT,
                "is a BG/BB model");
  }
  {
    const double bx[] = {3}, btx[] = {2}, bn[] = {6};
    crm_model* bad = NULL;
    CHECK_ERROR(crm_model_fit_bgbb(bx, btx, bn, NULL, 1, NULL, &bad), CRM_ERR_INVALID_ARGUMENT,
                "BG/BB history row 0: frequency x = 3 must be <= recency t_x = 2");
    CHECK(bad == NULL);
    CHECK_ERROR(crm_model_fit(CRM_MODEL_BGBB, bx, btx, bn, NULL, 1, NULL, &bad),
                CRM_ERR_INVALID_ARGUMENT, "use crm_model_fit_bgbb");
    CHECK_ERROR(crm_model_fit_bgbb(NULL, btx, bn, NULL, 1, NULL, &bad), CRM_ERR_INVALID_ARGUMENT,
                "frequency");
  }
  crm_model_destroy(model);
}

static void test_sbg(void) {
  const double regular[] = {1000, 631, 468, 382, 326, 289, 262, 241};
  const double both[] = {1000, 631, 468, 382, 326, 289, 262, 241,
                         1000, 869, 743, 653, 593, 551, 517, 491};
  const size_t lengths[] = {8, 8};
  crm_model* model = NULL;
  crm_model* two = NULL;
  double params[2], survival[4], retention[4], derl = 0, value = 0;
  CHECK_OK(crm_model_fit_sbg(regular, 8, NULL, 1, NULL, &model));
  CHECK_OK(crm_model_params(model, params, 2));
  /* Fader & Hardie (2007), "regular" segment: alpha 0.704, beta 1.182. */
  CHECK_NEAR(params[0], 0.704, 0.0005);
  CHECK_NEAR(params[1], 1.182, 0.0005);
  CHECK_OK(crm_model_fit_info(model, CRM_FIT_INFO_CUSTOMERS, &value));
  CHECK(value == 1000.0);
  CHECK_OK(crm_model_sbg_curve(model, 4, survival, retention));
  CHECK(survival[0] == 1.0 && retention[0] == 1.0);
  CHECK(rel_near(retention[1], params[1] / (params[0] + params[1]), 1e-15));
  CHECK(rel_near(survival[2], retention[1] * retention[2], 1e-15));
  CHECK_OK(crm_model_sbg_derl(model, 0.1, 0, &derl));
  CHECK(derl > 1.0);
  CHECK_OK(crm_model_fit_sbg(both, 16, lengths, 2, NULL, &two));
  CHECK_OK(crm_model_fit_info(two, CRM_FIT_INFO_CUSTOMERS, &value));
  CHECK(value == 2000.0);
  {
    const double growing[] = {100, 90, 95};
    const size_t bad_lengths[] = {8, 9};
    crm_model* bad = NULL;
    CHECK_ERROR(crm_model_fit_sbg(growing, 3, NULL, 1, NULL, &bad), CRM_ERR_INVALID_ARGUMENT,
                "cohort 0 period 2: survivors 95 exceed those of period 1 (90)");
    CHECK_ERROR(crm_model_fit_sbg(both, 16, bad_lengths, 2, NULL, &bad),
                CRM_ERR_INVALID_ARGUMENT, "add up to more than n_values = 16");
    CHECK_ERROR(crm_model_fit_sbg(both, 16, NULL, 2, NULL, &bad), CRM_ERR_INVALID_ARGUMENT,
                "cohort_lengths is NULL but n_cohorts is 2");
    CHECK(bad == NULL);
    CHECK_ERROR(crm_model_sbg_derl(model, 0.0, 0, &derl), CRM_ERR_OUT_OF_RANGE, "diverges");
    CHECK_ERROR(crm_model_sbg_curve(two == NULL ? model : two, 2, NULL, NULL), CRM_OK, "");
  }
  {
    const double given[] = {0.7, 1.2};
    crm_model* from = NULL;
    CHECK_OK(crm_model_from_params(CRM_MODEL_SBG, given, 2, &from));
    CHECK_OK(crm_model_sbg_derl(from, 0.1, 3, &derl));
    CHECK_ERROR(crm_model_from_params(CRM_MODEL_SBG, given, 4, &from), CRM_ERR_INVALID_ARGUMENT,
                "sBG has 2 parameters");
    crm_model_destroy(from);
  }
  crm_model_destroy(model);
  crm_model_destroy(two);
}

int main(int argc, char** argv) {
  if (argc > 1) g_data_dir = argv[1];
  test_mbgnbd();
  test_bgbb();
  test_sbg();
  if (g_failures == 0) {
    printf("capi_models_more_test: %d checks passed\n", g_checks);
    return 0;
  }
  fprintf(stderr, "capi_models_more_test: %d of %d checks failed\n", g_failures, g_checks);
  return 1;
}

/* pg_reference.c — the C API's answers that test_postgres_extension.py compares the
 * PostgreSQL extension with. A host of libcrmcore_c.so like the extension itself, but
 * calling the whole-column functions (crm_model_fit, crm_summary_load_path,
 * crm_assign_value_tiers, crm_rfm_quintiles) instead of the partial states.
 *
 *   pg_reference SUMMARY.csv MASTER.txt OBSERVATION_END
 *
 * prints lines of space-separated fields, numbers with 17 significant digits:
 *   fit bgnbd|pareto|mbgnbd P1..P4 LL   on SUMMARY.csv (ID,frequency,recency,T)
 *   predict I P_ALIVE E10               BG/NBD P(alive) and expected purchases in 10
 *                                       weeks of SUMMARY.csv's row I (I < 20)
 *   summary ID X T_X T M                 CDNOW MASTER.txt summarized in weeks
 *   fit gammagamma P Q GAMMA LL         on that summary's (x, m)
 *   score ID TIER RFM_M RFM_R           tier of m, quintiles of m and of T - t_x (lower
 *                                       is better), over that summary's customers
 *   composite ID VALUE                  composite value: current contribution m (weight
 *                                       0.5, min-max), future contribution x (0.2,
 *                                       z-score), loyalty T - t_x (0.3, percentile rank) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmcore.h"

static void check(crm_status status, const char* what) {
  if (status != CRM_OK) {
    fprintf(stderr, "pg_reference: %s: %s: %s\n", what, crm_status_name(status),
            crm_last_error());
    exit(1);
  }
}

static crm_model* print_fit(const char* name, int kind, const double* x, const double* t_x,
                            const double* T, const double* m, size_t n) {
  crm_model* model = NULL;
  double params[4], ll = 0;
  size_t count = 0, k;
  check(crm_model_fit(kind, x, t_x, T, m, n, NULL, &model), name);
  check(crm_model_param_count(model, &count), "param count");
  check(crm_model_params(model, params, count), "params");
  check(crm_model_fit_info(model, CRM_FIT_INFO_LOG_LIKELIHOOD, &ll), "log-likelihood");
  printf("fit %s", name);
  for (k = 0; k < count; ++k) printf(" %.17g", params[k]);
  printf(" %.17g\n", ll);
  return model;
}

/* Reads ID,frequency,recency,T rows (a header line first). */
static size_t read_summary_csv(const char* path, double** x, double** t_x, double** T) {
  FILE* file = fopen(path, "r");
  char line[256];
  size_t n = 0, capacity = 4096;
  if (file == NULL) {
    perror(path);
    exit(1);
  }
  *x = malloc(capacity * sizeof(double));
  *t_x = malloc(capacity * sizeof(double));
  *T = malloc(capacity * sizeof(double));
  if (fgets(line, sizeof line, file) == NULL) exit(1); /* header */
  while (fgets(line, sizeof line, file) != NULL) {
    char* p = strchr(line, ',');
    if (p == NULL) continue;
    if (n == capacity) {
      capacity *= 2;
      *x = realloc(*x, capacity * sizeof(double));
      *t_x = realloc(*t_x, capacity * sizeof(double));
      *T = realloc(*T, capacity * sizeof(double));
    }
    if (*x == NULL || *t_x == NULL || *T == NULL) exit(1);
    if (sscanf(p + 1, "%lf,%lf,%lf", &(*x)[n], &(*t_x)[n], &(*T)[n]) != 3) {
      fprintf(stderr, "pg_reference: %s: bad row %zu\n", path, n + 1);
      exit(1);
    }
    ++n;
  }
  fclose(file);
  return n;
}

int main(int argc, char** argv) {
  double *x, *t_x, *T;
  const double *sx, *st_x, *sT, *sm;
  double* since_last;
  int8_t *tier, *rfm_m, *rfm_r;
  size_t n, i, length = 0;
  crm_ingest_options options = CRM_INGEST_OPTIONS_INIT;
  crm_summary* summary = NULL;
  if (argc != 4) {
    fprintf(stderr, "usage: pg_reference SUMMARY.csv MASTER.txt OBSERVATION_END\n");
    return 2;
  }
  check(CRM_CHECK_VERSION(), "version");
  n = read_summary_csv(argv[1], &x, &t_x, &T);
  {
    crm_model* bgnbd = print_fit("bgnbd", CRM_MODEL_BGNBD, x, t_x, T, NULL, n);
    double p_alive[20], expected[20];
    const size_t k = n < 20 ? n : 20;
    check(crm_model_p_alive(bgnbd, x, t_x, T, k, p_alive), "p_alive");
    check(crm_model_expected_purchases(bgnbd, 10.0, x, t_x, T, k, expected), "expected");
    for (i = 0; i < k; ++i) printf("predict %zu %.17g %.17g\n", i, p_alive[i], expected[i]);
    crm_model_destroy(bgnbd);
  }
  crm_model_destroy(print_fit("pareto", CRM_MODEL_PARETO_NBD, x, t_x, T, NULL, n));
  crm_model_destroy(print_fit("mbgnbd", CRM_MODEL_MBGNBD, x, t_x, T, NULL, n));

  /* The CDNOW master log: whitespace-separated, a header, dates %Y%m%d, in weeks. */
  options.whitespace_delimited = 1;
  options.has_header = 0;
  options.customer_index = 1;
  options.date_index = 2;
  options.amount_index = 4;
  options.date_format = "%Y%m%d";
  options.observation_end = argv[3];
  options.time_unit = CRM_TIME_UNIT_WEEKS;
  options.has_header = 1;
  check(crm_summary_load_path(argv[2], &options, &summary), "load");
  check(crm_summary_column(summary, CRM_SUMMARY_FREQUENCY, &sx, &length), "x");
  check(crm_summary_column(summary, CRM_SUMMARY_RECENCY, &st_x, &length), "t_x");
  check(crm_summary_column(summary, CRM_SUMMARY_T, &sT, &length), "T");
  check(crm_summary_column(summary, CRM_SUMMARY_MONETARY_VALUE, &sm, &length), "m");
  for (i = 0; i < length; ++i) {
    const char* id = NULL;
    size_t id_length = 0;
    check(crm_summary_customer_id(summary, i, &id, &id_length), "id");
    printf("summary %s %.17g %.17g %.17g %.17g\n", id, sx[i], st_x[i], sT[i], sm[i]);
  }
  crm_model_destroy(print_fit("gammagamma", CRM_MODEL_GAMMA_GAMMA, sx, NULL, NULL, sm, length));

  since_last = malloc(length * sizeof(double));
  tier = malloc(length);
  rfm_m = malloc(length);
  rfm_r = malloc(length);
  if (since_last == NULL || tier == NULL || rfm_m == NULL || rfm_r == NULL) return 1;
  for (i = 0; i < length; ++i) since_last[i] = sT[i] - st_x[i];
  check(crm_assign_value_tiers(sm, length, NULL, NULL, tier), "tiers");
  check(crm_rfm_quintiles(sm, length, CRM_RFM_HIGHER_IS_BETTER, NULL, rfm_m), "rfm m");
  check(crm_rfm_quintiles(since_last, length, CRM_RFM_LOWER_IS_BETTER, NULL, rfm_r), "rfm r");
  for (i = 0; i < length; ++i) {
    const char* id = NULL;
    size_t id_length = 0;
    check(crm_summary_customer_id(summary, i, &id, &id_length), "id");
    printf("score %s %d %d %d\n", id, tier[i], rfm_m[i], rfm_r[i]);
  }
  {
    crm_composite_plan* plan = NULL;
    crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT];
    double* value = malloc(length * sizeof(double));
    int k;
    if (value == NULL) return 1;
    check(crm_composite_plan_create(&plan), "plan");
    check(crm_composite_plan_set_weight(plan, CRM_COMPONENT_CURRENT_CONTRIBUTION, 0.5), "w");
    check(crm_composite_plan_set_weight(plan, CRM_COMPONENT_FUTURE_CONTRIBUTION, 0.2), "w");
    check(crm_composite_plan_set_weight(plan, CRM_COMPONENT_LOYALTY, 0.3), "w");
    check(crm_composite_plan_set_normalizer(plan, CRM_COMPONENT_FUTURE_CONTRIBUTION,
                                            CRM_NORMALIZER_Z_SCORE, 0, 0), "n");
    check(crm_composite_plan_set_normalizer(plan, CRM_COMPONENT_LOYALTY,
                                            CRM_NORMALIZER_PERCENTILE_RANK, 0, 0), "n");
    for (k = 0; k < CRM_COMPOSITE_COMPONENT_COUNT; ++k) {
      crm_column c = CRM_COLUMN_INIT;
      columns[k] = c;
    }
    columns[CRM_COMPONENT_CURRENT_CONTRIBUTION].data = sm;
    columns[CRM_COMPONENT_CURRENT_CONTRIBUTION].length = length;
    columns[CRM_COMPONENT_FUTURE_CONTRIBUTION].data = sx;
    columns[CRM_COMPONENT_FUTURE_CONTRIBUTION].length = length;
    columns[CRM_COMPONENT_LOYALTY].data = since_last;
    columns[CRM_COMPONENT_LOYALTY].length = length;
    check(crm_score_composite(plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, NULL, value, length),
          "composite");
    for (i = 0; i < length; ++i) {
      const char* id = NULL;
      size_t id_length = 0;
      check(crm_summary_customer_id(summary, i, &id, &id_length), "id");
      printf("composite %s %.17g\n", id, value[i]);
    }
    crm_composite_plan_destroy(plan);
    free(value);
  }
  crm_summary_destroy(summary);
  free(x);
  free(t_x);
  free(T);
  free(since_last);
  free(tier);
  free(rfm_m);
  free(rfm_r);
  return 0;
}

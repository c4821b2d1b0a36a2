/* The README's C quick start, built and run by ctest (examples.c_quickstart): load the
 * CDNOW sample log, fit BG/NBD, compute P(alive), and rank customers into value tiers by
 * their expected purchases — through the stable C API only.
 *
 *   cc quickstart.c $(pkg-config --cflags --libs crmcore_c) && ./a.out CDNOW_sample.txt
 */
#include <stdio.h>
#include <stdlib.h>

#include "crmcore.h"

/* Prints the last error of this thread and exits: every crm_* call returns a status. */
#define CHECK(call)                                                     \
  do {                                                                  \
    crm_status status_ = (call);                                        \
    if (status_ != CRM_OK) {                                            \
      fprintf(stderr, "%s: %s\n", crm_status_name(status_), crm_last_error()); \
      exit(1);                                                          \
    }                                                                   \
  } while (0)

int main(int argc, char** argv) {
  crm_ingest_options options;
  crm_summary* summary = NULL;
  crm_model* model = NULL;
  const double *x, *t_x, *T;
  size_t n, i, vip = 0;
  double params[4], *p_alive, *expected;
  int8_t* tiers;

  if (argc != 2) {
    fprintf(stderr, "usage: %s CDNOW_sample.txt\n", argv[0]);
    return 2;
  }
  CHECK(CRM_CHECK_VERSION());

  /* CDNOW layout: whitespace-separated, no header; id, date (YYYYMMDD), quantity, amount
   * in columns 2, 3, 4, 5. Calibration ends 1997-09-30; time in weeks. */
  CHECK(crm_ingest_options_init(&options, sizeof options));
  options.whitespace_delimited = 1;
  options.has_header = 0;
  options.customer_index = 2;
  options.date_index = 3;
  options.amount_index = 5;
  options.date_format = "%Y%m%d";
  options.observation_end = "1997-09-30";
  options.time_unit = CRM_TIME_UNIT_WEEKS;
  CHECK(crm_summary_load_path(argv[1], &options, &summary));

  /* Zero-copy views of the summary's columns, valid until crm_summary_destroy. */
  CHECK(crm_summary_column(summary, CRM_SUMMARY_FREQUENCY, &x, &n));
  CHECK(crm_summary_column(summary, CRM_SUMMARY_RECENCY, &t_x, &n));
  CHECK(crm_summary_column(summary, CRM_SUMMARY_T, &T, &n));

  CHECK(crm_model_fit_summary(CRM_MODEL_BGNBD, summary, NULL, &model));
  CHECK(crm_model_params(model, params, 4));
  printf("BG/NBD on %zu customers: r = %.3f, alpha = %.3f, a = %.3f, b = %.3f\n", n,
         params[0], params[1], params[2], params[3]);

  p_alive = malloc(n * sizeof *p_alive);
  expected = malloc(n * sizeof *expected);
  tiers = malloc(n);
  if (p_alive == NULL || expected == NULL || tiers == NULL) return 1;
  CHECK(crm_model_p_alive(model, x, t_x, T, n, p_alive));
  CHECK(crm_model_expected_purchases(model, 39.0, x, t_x, T, n, expected));
  CHECK(crm_assign_value_tiers(expected, n, NULL, NULL, tiers));
  for (i = 0; i < n; ++i) vip += tiers[i] == CRM_TIER_VIP;
  printf("customer 0: P(alive) = %.3f, expected purchases in 39 weeks = %.3f\n", p_alive[0],
         expected[0]);
  printf("VIP tier (top 1 %% by expected purchases): %zu customers\n", vip);

  free(tiers);
  free(expected);
  free(p_alive);
  crm_model_destroy(model);
  crm_summary_destroy(summary);
  return 0;
}

/* History states (capi/crmcore.h, "History states"): the fit from merged partition states
 * equals crm_model_fit on all the customers, bit for bit; bytes round-trip and corruption
 * is detected; bad input is rejected naming the row and leaves the state unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crmcore.h"

#define MAX_ROWS 4096

static double g_x[MAX_ROWS], g_tx[MAX_ROWS], g_T[MAX_ROWS], g_m[MAX_ROWS];
static size_t g_n = 0;

static int load_summary(const char* path) {
  char line[256];
  FILE* file = fopen(path, "r");
  if (file == NULL) return 0;
  if (fgets(line, sizeof line, file) == NULL) {
    fclose(file);
    return 0;
  }
  while (g_n < MAX_ROWS && fgets(line, sizeof line, file) != NULL) {
    long long id = 0;
    if (sscanf(line, "%lld,%lf,%lf,%lf", &id, &g_x[g_n], &g_tx[g_n], &g_T[g_n]) != 4) continue;
    /* A deterministic mean spend: repeats of a few values, some zero (left out by the
     * Gamma-Gamma fit), so spend patterns collapse too. */
    g_m[g_n] = g_x[g_n] > 0 ? (g_n % 50 == 0 ? 0.0 : 10.0 + 0.5 * (double)(g_n % 37)) : 0.0;
    ++g_n;
  }
  fclose(file);
  return g_n > 2000;
}

static uint8_t* state_bytes(const crm_history_state* state, size_t* size) {
  uint8_t* bytes;
  size_t written = 0;
  CHECK_OK(crm_history_state_serialize(state, NULL, 0, size));
  bytes = (uint8_t*)malloc(*size);
  CHECK(bytes != NULL);
  CHECK_OK(crm_history_state_serialize(state, bytes, *size, &written));
  CHECK(written == *size);
  return bytes;
}

/* The state of all rows, built from four partitions whose states travel as bytes. */
static crm_history_state* partitioned_state(int kind, const double* weight) {
  crm_history_state* whole = NULL;
  size_t p;
  CHECK_OK(crm_history_state_create(kind, &whole));
  for (p = 0; p < 4; ++p) {
    const size_t begin = g_n * p / 4, end = g_n * (p + 1) / 4;
    crm_history_state* part = NULL;
    crm_history_state* back = NULL;
    uint8_t* bytes;
    size_t size = 0;
    CHECK_OK(crm_history_state_create(kind, &part));
    /* Two batches per partition: adding is incremental. */
    CHECK_OK(crm_history_state_add(part, g_x + begin, g_tx + begin, g_T + begin, g_m + begin,
                                   weight ? weight + begin : NULL, (end - begin) / 2));
    CHECK_OK(crm_history_state_add(part, g_x + begin + (end - begin) / 2,
                                   g_tx + begin + (end - begin) / 2,
                                   g_T + begin + (end - begin) / 2,
                                   g_m + begin + (end - begin) / 2,
                                   weight ? weight + begin + (end - begin) / 2 : NULL,
                                   end - begin - (end - begin) / 2));
    bytes = state_bytes(part, &size);
    CHECK_OK(crm_history_state_deserialize(bytes, size, &back));
    CHECK_OK(crm_history_state_merge(whole, back));
    free(bytes);
    crm_history_state_destroy(back);
    crm_history_state_destroy(part);
  }
  return whole;
}

static void check_same_fit(const crm_model* a, const crm_model* b, size_t n_params) {
  double pa[4], pb[4], lla = 0, llb = 0, ca = 0, cb = 0, ea = 0, eb = 0;
  size_t k;
  CHECK_OK(crm_model_params(a, pa, n_params));
  CHECK_OK(crm_model_params(b, pb, n_params));
  for (k = 0; k < n_params; ++k) CHECK(pa[k] == pb[k]); /* bit for bit */
  CHECK_OK(crm_model_fit_info(a, CRM_FIT_INFO_LOG_LIKELIHOOD, &lla));
  CHECK_OK(crm_model_fit_info(b, CRM_FIT_INFO_LOG_LIKELIHOOD, &llb));
  CHECK(lla == llb);
  CHECK_OK(crm_model_fit_info(a, CRM_FIT_INFO_CUSTOMERS, &ca));
  CHECK_OK(crm_model_fit_info(b, CRM_FIT_INFO_CUSTOMERS, &cb));
  CHECK(ca == cb);
  CHECK_OK(crm_model_fit_info(a, CRM_FIT_INFO_EXCLUDED, &ea));
  CHECK_OK(crm_model_fit_info(b, CRM_FIT_INFO_EXCLUDED, &eb));
  CHECK(ea == eb);
}

static void test_fits_equal_whole_column_fits(void) {
  static const int kinds[4] = {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD, CRM_MODEL_GAMMA_GAMMA,
                               CRM_MODEL_MBGNBD};
  size_t i;
  for (i = 0; i < 4; ++i) {
    crm_model* direct = NULL;
    crm_model* from_state = NULL;
    crm_history_state* state = partitioned_state(kinds[i], NULL);
    double patterns = 0, weight = 0, excluded = 0, kind = -1;
    CHECK_OK(crm_model_fit(kinds[i], g_x, g_tx, g_T, g_m, g_n, NULL, &direct));
    CHECK_OK(crm_model_fit_history_state(kinds[i], state, NULL, &from_state));
    check_same_fit(direct, from_state, kinds[i] == CRM_MODEL_GAMMA_GAMMA ? 3 : 4);
    CHECK_OK(crm_history_state_info(state, CRM_HISTORY_INFO_PATTERNS, &patterns));
    CHECK_OK(crm_history_state_info(state, CRM_HISTORY_INFO_WEIGHT, &weight));
    CHECK_OK(crm_history_state_info(state, CRM_HISTORY_INFO_EXCLUDED, &excluded));
    CHECK_OK(crm_history_state_info(state, CRM_HISTORY_INFO_KIND, &kind));
    CHECK(kind == kinds[i]);
    /* Compact: far fewer patterns than customers. */
    CHECK(patterns > 0 && patterns < 0.8 * (double)g_n);
    if (kinds[i] == CRM_MODEL_GAMMA_GAMMA) {
      CHECK(excluded > 0);
    } else {
      CHECK(weight == (double)g_n && excluded == 0);
    }
    crm_model_destroy(direct);
    crm_model_destroy(from_state);
    crm_history_state_destroy(state);
  }
}

/* A purchase state fits every model of (x, t_x, T) histories; BG/BB and sBG, fitted on
 * other data, are refused. */
static void test_bgnbd_state_fits_pareto(void) {
  static const int kinds[2] = {CRM_MODEL_PARETO_NBD, CRM_MODEL_MBGNBD};
  crm_history_state* state = partitioned_state(CRM_MODEL_BGNBD, NULL);
  crm_model* model = NULL;
  size_t i;
  for (i = 0; i < 2; ++i) {
    crm_model* direct = NULL;
    crm_model* from_state = NULL;
    CHECK_OK(crm_model_fit(kinds[i], g_x, g_tx, g_T, NULL, g_n, NULL, &direct));
    CHECK_OK(crm_model_fit_history_state(kinds[i], state, NULL, &from_state));
    check_same_fit(direct, from_state, 4);
    crm_model_destroy(direct);
    crm_model_destroy(from_state);
  }
  CHECK_ERROR(crm_model_fit_history_state(CRM_MODEL_BGBB, state, NULL, &model),
              CRM_ERR_INVALID_ARGUMENT, "crm_model_fit_bgbb");
  CHECK_ERROR(crm_model_fit_history_state(CRM_MODEL_SBG, state, NULL, &model),
              CRM_ERR_INVALID_ARGUMENT, "crm_model_fit_sbg");
  CHECK(model == NULL);
  crm_history_state_destroy(state);
}

/* Weights: every customer twice weighs as much as the data repeated; the bytes of equal
 * states are equal whatever the order the rows came in. */
static void test_weights_and_order(void) {
  static double weight[MAX_ROWS], x2[2 * MAX_ROWS], tx2[2 * MAX_ROWS], T2[2 * MAX_ROWS];
  crm_history_state* weighted;
  crm_history_state* doubled = NULL;
  crm_history_state* reversed = NULL;
  uint8_t *a, *b;
  size_t i, size_a = 0, size_b = 0;
  for (i = 0; i < g_n; ++i) {
    weight[i] = 2.0;
    x2[i] = x2[g_n + i] = g_x[i];
    tx2[i] = tx2[g_n + i] = g_tx[i];
    T2[i] = T2[g_n + i] = g_T[i];
  }
  weighted = partitioned_state(CRM_MODEL_BGNBD, weight);
  CHECK_OK(crm_history_state_create(CRM_MODEL_BGNBD, &doubled));
  CHECK_OK(crm_history_state_add(doubled, x2, tx2, T2, NULL, NULL, 2 * g_n));
  a = state_bytes(weighted, &size_a);
  b = state_bytes(doubled, &size_b);
  CHECK(size_a == size_b && memcmp(a, b, size_a) == 0);
  free(a);
  free(b);
  /* Reversed row order, one row at a time. */
  CHECK_OK(crm_history_state_create(CRM_MODEL_BGNBD, &reversed));
  for (i = g_n; i-- > 0;) {
    CHECK_OK(crm_history_state_add(reversed, &g_x[i], &g_tx[i], &g_T[i], NULL, &weight[i], 1));
  }
  a = state_bytes(weighted, &size_a);
  b = state_bytes(reversed, &size_b);
  CHECK(size_a == size_b && memcmp(a, b, size_a) == 0);
  free(a);
  free(b);
  crm_history_state_destroy(weighted);
  crm_history_state_destroy(doubled);
  crm_history_state_destroy(reversed);
}

/* Covers docs/bad-input.md BI-CAPI-20. */
static void test_bad_input(void) {
  crm_history_state* state = NULL;
  crm_history_state* other = NULL;
  crm_history_state* back = NULL;
  crm_quantile_state* quantiles = NULL;
  crm_model* model = NULL;
  double patterns = -1, x = 1, tx = 5, T = 2, nan = 0.0 / 0.0, w = -1, zero = 0;
  uint8_t *bytes, *quantile_bytes;
  size_t size = 0, quantile_size = 0;
  int kind = 0;
  CHECK_ERROR(crm_history_state_create(7, &state), CRM_ERR_INVALID_ARGUMENT, "model kind 7");
  CHECK_ERROR(crm_history_state_create(CRM_MODEL_BGBB, &state), CRM_ERR_INVALID_ARGUMENT,
              "no history state");
  CHECK_ERROR(crm_history_state_create(CRM_MODEL_BGNBD, NULL), CRM_ERR_INVALID_ARGUMENT, "out");
  CHECK_OK(crm_history_state_create(CRM_MODEL_BGNBD, &state));
  CHECK_OK(crm_history_state_add(state, g_x, g_tx, g_T, NULL, NULL, 100));
  /* Invalid rows name the row and the value; the state is unchanged. */
  CHECK_ERROR(crm_history_state_add(state, &x, &tx, &T, NULL, NULL, 1), CRM_ERR_INVALID_ARGUMENT,
              "row 0");
  CHECK_ERROR(crm_history_state_add(state, &nan, &zero, &T, NULL, NULL, 1),
              CRM_ERR_INVALID_ARGUMENT, "nan");
  CHECK_ERROR(crm_history_state_add(state, g_x, g_tx, g_T, NULL, &w, 1), CRM_ERR_INVALID_ARGUMENT,
              "weight");
  CHECK_ERROR(crm_history_state_add(state, g_x, NULL, g_T, NULL, NULL, 1),
              CRM_ERR_INVALID_ARGUMENT, "recency is NULL");
  CHECK_OK(crm_history_state_info(state, CRM_HISTORY_INFO_PATTERNS, &patterns));
  {
    crm_history_state* fresh = NULL;
    double fresh_patterns = 0;
    CHECK_OK(crm_history_state_create(CRM_MODEL_BGNBD, &fresh));
    CHECK_OK(crm_history_state_add(fresh, g_x, g_tx, g_T, NULL, NULL, 100));
    CHECK_OK(crm_history_state_info(fresh, CRM_HISTORY_INFO_PATTERNS, &fresh_patterns));
    CHECK(patterns == fresh_patterns);
    crm_history_state_destroy(fresh);
  }
  CHECK_ERROR(crm_history_state_info(state, 9, &patterns), CRM_ERR_INVALID_ARGUMENT, "key 9");
  /* Merges: same kind only, never into itself. */
  CHECK_OK(crm_history_state_create(CRM_MODEL_GAMMA_GAMMA, &other));
  CHECK_ERROR(crm_history_state_merge(state, other), CRM_ERR_INVALID_ARGUMENT, "kind");
  CHECK_ERROR(crm_history_state_merge(state, state), CRM_ERR_INVALID_ARGUMENT, "same state");
  /* Fits: a purchase state cannot fit Gamma-Gamma; an empty state fits nothing. */
  CHECK_ERROR(crm_model_fit_history_state(CRM_MODEL_GAMMA_GAMMA, state, NULL, &model),
              CRM_ERR_INVALID_ARGUMENT, "spend patterns");
  CHECK_ERROR(crm_model_fit_history_state(CRM_MODEL_GAMMA_GAMMA, other, NULL, &model),
              CRM_ERR_INVALID_ARGUMENT, "no customers");
  CHECK(model == NULL);
  /* Bytes: corruption, truncation, another kind. */
  bytes = state_bytes(state, &size);
  CHECK_OK(crm_state_kind(bytes, size, &kind));
  CHECK(kind == CRM_STATE_KIND_HISTORY);
  bytes[40] ^= 0x10;
  CHECK_ERROR(crm_history_state_deserialize(bytes, size, &back), CRM_ERR_IO, "checksum");
  CHECK_ERROR(crm_state_kind(bytes, size, &kind), CRM_ERR_IO, "checksum");
  bytes[40] ^= 0x10;
  CHECK_ERROR(crm_history_state_deserialize(bytes, size - 1, &back), CRM_ERR_IO, "payload_length");
  CHECK_ERROR(crm_history_state_deserialize(bytes, 10, &back), CRM_ERR_IO, "truncated");
  CHECK(back == NULL);
  CHECK_OK(crm_quantile_state_create(g_T, 10, NULL, &quantiles));
  CHECK_OK(crm_quantile_state_serialize(quantiles, NULL, 0, &quantile_size));
  quantile_bytes = (uint8_t*)malloc(quantile_size);
  CHECK_OK(crm_quantile_state_serialize(quantiles, quantile_bytes, quantile_size, &quantile_size));
  CHECK_ERROR(crm_history_state_deserialize(quantile_bytes, quantile_size, &back), CRM_ERR_IO,
              "kind");
  CHECK_OK(crm_state_kind(quantile_bytes, quantile_size, &kind));
  CHECK(kind == CRM_STATE_KIND_QUANTILE);
  CHECK_ERROR(crm_history_state_serialize(state, bytes, size - 1, &size), CRM_ERR_OUT_OF_RANGE,
              "capacity");
  free(bytes);
  free(quantile_bytes);
  crm_quantile_state_destroy(quantiles);
  crm_history_state_destroy(state);
  crm_history_state_destroy(other);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CDNOW_SUMMARY_CSV\n", argv[0]);
    return 2;
  }
  CHECK_OK(CRM_CHECK_VERSION());
  if (load_summary(argv[1])) {
    test_fits_equal_whole_column_fits();
    test_bgnbd_state_fits_pareto();
    test_weights_and_order();
    test_bad_input();
  } else {
    CHECK(!"CDNOW summary loaded");
  }
  printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}

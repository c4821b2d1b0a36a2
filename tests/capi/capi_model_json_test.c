/* Saved models through crm_model_to_json / crm_model_from_json from a C99 host: a fit on
 * the bundled CDNOW sample survives the round trip and predicts exactly as before, the
 * two-call size protocol holds, and malformed documents are refused with their key. */
#include "crmcore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* The model's JSON in a malloc'd, NUL-terminated buffer (NULL on failure). */
static char* to_json(const crm_model* model, size_t* length) {
  char* json;
  CHECK_OK(crm_model_to_json(model, NULL, 0, length));
  json = (char*)malloc(*length + 1);
  if (json == NULL) return NULL;
  CHECK_OK(crm_model_to_json(model, json, *length + 1, length));
  CHECK(json[*length] == '\0');
  CHECK(strlen(json) == *length);
  return json;
}

static void test_fit_round_trip(const char* data_dir) {
  char path[4096];
  crm_ingest_options o = CRM_INGEST_OPTIONS_INIT;
  crm_summary* s = NULL;
  crm_model *fit = NULL, *back = NULL;
  const double* x = NULL;
  const double *t_x = NULL, *T = NULL;
  size_t n = 0, length = 0, again_length = 0, i;
  double p1[2357], p2[2357], e1[2357], e2[2357];
  double params1[4], params2[4];
  char *json, *again;
  o.whitespace_delimited = 1;
  o.has_header = 0;
  o.customer_index = 2;
  o.date_index = 3;
  o.amount_index = 5;
  o.date_format = "%Y%m%d";
  o.observation_end = "1997-09-30";
  o.time_unit = CRM_TIME_UNIT_WEEKS;
  snprintf(path, sizeof path, "%s/CDNOW_sample.txt", data_dir);
  CHECK_OK(crm_summary_load_path(path, &o, &s));
  CHECK_OK(crm_model_fit_summary(CRM_MODEL_BGNBD, s, NULL, &fit));
  json = to_json(fit, &length);
  CHECK(json != NULL);
  if (json == NULL) return;
  CHECK(strstr(json, "{\"model\": \"bgnbd\", \"params\": {\"r\": ") == json);
  CHECK(strstr(json, "\"time_unit\": \"weeks\"") != NULL); /* a summary knows its unit */
  CHECK(strstr(json, "\"customers\": 2357") != NULL);

  CHECK_OK(crm_model_from_json(json, length, &back));
  CHECK_OK(crm_model_params(fit, params1, 4));
  CHECK_OK(crm_model_params(back, params2, 4));
  CHECK(memcmp(params1, params2, sizeof params1) == 0); /* bit for bit */
  CHECK_OK(crm_summary_column(s, CRM_SUMMARY_FREQUENCY, &x, &n));
  CHECK_OK(crm_summary_column(s, CRM_SUMMARY_RECENCY, &t_x, &n));
  CHECK_OK(crm_summary_column(s, CRM_SUMMARY_T, &T, &n));
  CHECK(n == 2357);
  CHECK_OK(crm_model_p_alive(fit, x, t_x, T, n, p1));
  CHECK_OK(crm_model_p_alive(back, x, t_x, T, n, p2));
  CHECK_OK(crm_model_expected_purchases(fit, 39, x, t_x, T, n, e1));
  CHECK_OK(crm_model_expected_purchases(back, 39, x, t_x, T, n, e2));
  for (i = 0; i < n; ++i) CHECK(p1[i] == p2[i] && e1[i] == e2[i]);
  {
    /* The read model writes the same document: nothing lost. */
    again = to_json(back, &again_length);
    CHECK(again != NULL && again_length == length && strcmp(again, json) == 0);
    free(again);
  }
  {
    /* A buffer one byte short (no room for the NUL) is refused, and left untouched. */
    char* small = (char*)malloc(length);
    if (small != NULL) {
      memset(small, 'z', length);
      CHECK_ERROR(crm_model_to_json(fit, small, length, &again_length), CRM_ERR_OUT_OF_RANGE,
                  "call with buffer NULL to learn the size");
      CHECK(small[0] == 'z');
      free(small);
    }
  }
  free(json);
  crm_model_destroy(back);
  crm_model_destroy(fit);
  crm_summary_destroy(s);
}

static void test_given_parameters_round_trip(void) {
  const double gp[3] = {6.25, 3.74, 15.44};
  crm_model *gg = NULL, *back = NULL;
  size_t length = 0;
  int kind = -1;
  double params[3];
  int32_t converged = 0;
  char* json;
  CHECK_OK(crm_model_from_params(CRM_MODEL_GAMMA_GAMMA, gp, 3, &gg));
  json = to_json(gg, &length);
  if (json == NULL) return;
  CHECK(strstr(json, "\"fitted\": false") != NULL);
  CHECK_OK(crm_model_from_json(json, length, &back));
  CHECK_OK(crm_model_kind(back, &kind));
  CHECK(kind == CRM_MODEL_GAMMA_GAMMA);
  CHECK_OK(crm_model_params(back, params, 3));
  CHECK(params[0] == 6.25 && params[1] == 3.74 && params[2] == 15.44);
  CHECK_OK(crm_model_converged(back, &converged));
  CHECK(converged == 1);
  {
    double value = 0;
    CHECK_ERROR(crm_model_fit_info(back, CRM_FIT_INFO_ITERATIONS, &value),
                CRM_ERR_FAILED_PRECONDITION, "no fit report");
  }
  free(json);
  crm_model_destroy(back);
  crm_model_destroy(gg);
}

/* Covers docs/bad-input.md BI-MODEL-FILE. */
static void test_bad_documents(void) {
  static const char kNotJson[] = "{\"model\": ";
  static const char kNoFormat[] = "{\"model\": \"bgnbd\"}";
  crm_model* model = (crm_model*)(void*)&model; /* must stay unchanged on error */
  crm_model* const sentinel = model;
  size_t length = 0;
  CHECK_ERROR(crm_model_from_json(kNotJson, sizeof kNotJson - 1, &model),
              CRM_ERR_INVALID_ARGUMENT, "model JSON: not a model file: invalid JSON at byte");
  CHECK_ERROR(crm_model_from_json(kNoFormat, sizeof kNoFormat - 1, &model),
              CRM_ERR_INVALID_ARGUMENT, "model JSON: model file key \"format\": missing");
  CHECK(model == sentinel);
  CHECK_ERROR(crm_model_from_json(NULL, 3, &model), CRM_ERR_INVALID_ARGUMENT, "json");
  CHECK_ERROR(crm_model_from_json(kNoFormat, sizeof kNoFormat - 1, NULL),
              CRM_ERR_INVALID_ARGUMENT, "out");
  CHECK_ERROR(crm_model_to_json(NULL, NULL, 0, &length), CRM_ERR_INVALID_ARGUMENT, "model");
}

static int report(const char* name) {
  if (g_failures == 0) {
    printf("%s: %d checks passed\n", name, g_checks);
    return 0;
  }
  fprintf(stderr, "%s: %d of %d checks failed\n", name, g_failures, g_checks);
  return 1;
}

int main(int argc, char** argv) {
  test_fit_round_trip(argc > 1 ? argv[1] : ".");
  test_given_parameters_round_trip();
  test_bad_documents();
  return report("capi_model_json_test");
}

/* crmcore_pg_model.c — fitted models as jsonb, and predictions from them.
 *
 * The JSON is the model file `crmcore fit --out` writes (include/crmcore/model_file.h),
 * made by crm_model_to_json: "model" (bgnbd | pareto | gammagamma), "params", the fit
 * report, the uncertainty keys, "format" and "format_version". A prediction reads a full
 * document back with crm_model_from_json (so a saved model predicts exactly as the fitted
 * one), and also accepts a hand-written {"model": ..., "params": {...}} (no "format" key),
 * read with PostgreSQL's jsonb API and made with crm_model_from_params. */
#include "crmcore_pg.h"

#include <string.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

typedef struct model_names {
  int kind;
  const char* model; /* the JSON's "model" */
  int n_params;
  const char* params[4];
} model_names;

static const model_names kModels[4] = {
    {CRM_MODEL_BGNBD, "bgnbd", 4, {"r", "alpha", "a", "b"}},
    {CRM_MODEL_PARETO_NBD, "pareto", 4, {"r", "alpha", "s", "beta"}},
    {CRM_MODEL_GAMMA_GAMMA, "gammagamma", 3, {"p", "q", "gamma", NULL}},
    {CRM_MODEL_MBGNBD, "mbgnbd", 4, {"r", "alpha", "a", "b"}},
};

/* ------------------------------------------------------------------------------------ */
/* Writing                                                                               */

Datum crm_pg_fit_jsonb(const crm_model* model) {
  size_t length = 0;
  char* json;
  CRM_PG_CHECK("crm_model_to_json", crm_model_to_json(model, NULL, 0, &length));
  json = (char*)palloc(length + 1);
  CRM_PG_CHECK("crm_model_to_json", crm_model_to_json(model, json, length + 1, &length));
  return DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
}

/* ------------------------------------------------------------------------------------ */
/* Reading                                                                               */

static void bad_model(const char* sql_name, const char* what) pg_attribute_noreturn();
static void bad_model(const char* sql_name, const char* what) {
  ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                  errmsg("%s(): the model jsonb %s (expected a model file of crm_bgnbd_fit or "
                         "`crmcore fit --out`, or {\"model\": \"bgnbd\" | \"pareto\" | "
                         "\"gammagamma\", \"params\": {...}})",
                         sql_name, what)));
}

/* Reads kind and parameters from the fit JSON. */
static int read_model(Jsonb* jb, const char* sql_name, double params[4]) {
  JsonbValue value, param;
  JsonbContainer* params_container;
  const model_names* names = NULL;
  int i;
  char model[32];
  if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb)) bad_model(sql_name, "is not an object");
  if (getKeyJsonValueFromContainer(&jb->root, "model", 5, &value) == NULL) {
    bad_model(sql_name, "has no key \"model\"");
  }
  if (value.type != jbvString || value.val.string.len >= (int)sizeof model) {
    bad_model(sql_name, "has a \"model\" that is not one of the model names");
  }
  memcpy(model, value.val.string.val, (size_t)value.val.string.len);
  model[value.val.string.len] = '\0';
  for (i = 0; i < 4; ++i) {
    if (strcmp(kModels[i].model, model) == 0) names = &kModels[i];
  }
  if (names == NULL) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s(): the model jsonb names model \"%s\" (valid: \"bgnbd\", "
                           "\"pareto\", \"mbgnbd\", \"gammagamma\")", sql_name, model)));
  }
  if (getKeyJsonValueFromContainer(&jb->root, "params", 6, &value) == NULL) {
    bad_model(sql_name, "has no key \"params\"");
  }
  if (value.type != jbvBinary || !JsonContainerIsObject(value.val.binary.data)) {
    bad_model(sql_name, "has a \"params\" that is not an object");
  }
  params_container = value.val.binary.data;
  for (i = 0; i < names->n_params; ++i) {
    const char* key = names->params[i];
    if (getKeyJsonValueFromContainer(params_container, key, (uint32)strlen(key), &param) ==
            NULL ||
        param.type != jbvNumeric) {
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("%s(): the %s model jsonb needs a number \"params\".\"%s\"",
                             sql_name, names->model, key)));
    }
    params[i] = DatumGetFloat8(
        DirectFunctionCall1(numeric_float8, NumericGetDatum(param.val.numeric)));
  }
  return names->kind;
}

/* The model cached in fn_extra: made from `jsonb_bytes` (a copy of the argument). */
typedef struct model_cache {
  Jsonb* jsonb_bytes;
  crm_model* model;
} model_cache;

const crm_model* crm_pg_model_arg(FunctionCallInfo fcinfo, int argno, const char* sql_name) {
  Jsonb* jb = PG_GETARG_JSONB_P(argno);
  FmgrInfo* flinfo = fcinfo->flinfo;
  /* One cache per model argument: fn_extra holds an array of two. */
  model_cache* caches = (model_cache*)flinfo->fn_extra;
  model_cache* cache;
  double params[4];
  int kind;
  crm_model* model = NULL;
  JsonbValue format;
  if (caches == NULL) {
    caches = (model_cache*)MemoryContextAllocZero(flinfo->fn_mcxt, 2 * sizeof(model_cache));
    flinfo->fn_extra = caches;
  }
  cache = &caches[argno == 0 ? 0 : 1];
  if (cache->jsonb_bytes != NULL && VARSIZE(cache->jsonb_bytes) == VARSIZE(jb) &&
      memcmp(cache->jsonb_bytes, jb, VARSIZE(jb)) == 0) {
    return cache->model;
  }
  if (JB_ROOT_IS_OBJECT(jb) && !JB_ROOT_IS_SCALAR(jb) &&
      getKeyJsonValueFromContainer(&jb->root, "format", 6, &format) != NULL) {
    /* A model file: the library reads all of it (a fit that did not converge stays
     * unusable, as when it was fitted). */
    const char* text = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
    CRM_PG_CHECK(sql_name, crm_model_from_json(text, strlen(text), &model));
  } else {
    kind = read_model(jb, sql_name, params);
    CRM_PG_CHECK(sql_name,
                 crm_model_from_params(kind, params, kind == CRM_MODEL_GAMMA_GAMMA ? 3 : 4,
                                       &model));
  }
  /* The model lives as long as the function's memory context (the query), freed with it. */
  crm_pg_own_model(flinfo->fn_mcxt, model);
  cache->jsonb_bytes = (Jsonb*)MemoryContextAlloc(flinfo->fn_mcxt, VARSIZE(jb));
  memcpy(cache->jsonb_bytes, jb, VARSIZE(jb));
  cache->model = model;
  return model;
}

/* ------------------------------------------------------------------------------------ */
/* Predictions                                                                           */

PG_FUNCTION_INFO_V1(crm_pg_p_alive);
/* crm_p_alive(model jsonb, frequency, recency, t) → P(alive | x, t_x, T). */
Datum crm_pg_p_alive(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_p_alive";
  const crm_model* model = crm_pg_model_arg(fcinfo, 0, name);
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), T = PG_GETARG_FLOAT8(3);
  double out = 0;
  CRM_PG_CHECK(name, crm_model_p_alive(model, &x, &t_x, &T, 1, &out));
  PG_RETURN_FLOAT8(out);
}

PG_FUNCTION_INFO_V1(crm_pg_expected_purchases);
/* crm_expected_purchases(model jsonb, horizon, frequency, recency, t) → E[purchases in
 * (T, T + horizon]]. */
Datum crm_pg_expected_purchases(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_expected_purchases";
  const crm_model* model = crm_pg_model_arg(fcinfo, 0, name);
  const double horizon = PG_GETARG_FLOAT8(1);
  const double x = PG_GETARG_FLOAT8(2), t_x = PG_GETARG_FLOAT8(3), T = PG_GETARG_FLOAT8(4);
  double out = 0;
  CRM_PG_CHECK(name, crm_model_expected_purchases(model, horizon, &x, &t_x, &T, 1, &out));
  PG_RETURN_FLOAT8(out);
}

PG_FUNCTION_INFO_V1(crm_pg_expected_mean_spend);
/* crm_expected_mean_spend(spend_model jsonb, frequency, monetary) → E[spend | x, m]. */
Datum crm_pg_expected_mean_spend(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_expected_mean_spend";
  const crm_model* model = crm_pg_model_arg(fcinfo, 0, name);
  const double x = PG_GETARG_FLOAT8(1), m = PG_GETARG_FLOAT8(2);
  double out = 0;
  CRM_PG_CHECK(name, crm_model_expected_mean_spend(model, &x, &m, 1, &out));
  PG_RETURN_FLOAT8(out);
}

/* CRM_TIME_UNIT_* of 'days', 'weeks' or 'months'. */
static int32_t read_time_unit(text* unit, const char* sql_name) {
  char* s = text_to_cstring(unit);
  if (strcmp(s, "days") == 0) return CRM_TIME_UNIT_DAYS;
  if (strcmp(s, "weeks") == 0) return CRM_TIME_UNIT_WEEKS;
  if (strcmp(s, "months") == 0) return CRM_TIME_UNIT_MONTHS;
  ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                  errmsg("%s(): time_unit must be 'days', 'weeks' or 'months', got '%s'",
                         sql_name, s)));
  return CRM_TIME_UNIT_DAYS; /* not reached */
}

PG_FUNCTION_INFO_V1(crm_pg_clv);
/* crm_clv(model jsonb, spend_model jsonb, frequency, recency, t, monetary, time_unit,
 * periods, period_days, discount_rate, period_length) → the discounted CLV (crm_clv, the
 * library's convention: 12 periods of 30 days at 1 % a period by default; time_unit is the
 * unit of recency and t; period_length, when not 0, is the period in that unit). */
Datum crm_pg_clv(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_clv";
  const crm_model* model = crm_pg_model_arg(fcinfo, 0, name);
  const crm_model* spend = crm_pg_model_arg(fcinfo, 1, name);
  const double x = PG_GETARG_FLOAT8(2), t_x = PG_GETARG_FLOAT8(3), T = PG_GETARG_FLOAT8(4);
  const double m = PG_GETARG_FLOAT8(5);
  crm_clv_options options = CRM_CLV_OPTIONS_INIT;
  double out = 0;
  options.time_unit = read_time_unit(PG_GETARG_TEXT_PP(6), name);
  options.periods = PG_GETARG_INT32(7);
  options.period_days = PG_GETARG_FLOAT8(8);
  options.discount_rate = PG_GETARG_FLOAT8(9);
  options.period_length = PG_GETARG_FLOAT8(10);
  CRM_PG_CHECK(name, crm_clv(model, spend, &x, &t_x, &T, &m, 1, &options, &out));
  PG_RETURN_FLOAT8(out);
}

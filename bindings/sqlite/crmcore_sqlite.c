/* crmcore_sqlite.c — a SQLite loadable extension over the stable C API (crmcore.h).
 *
 * A host of libcrmcore_c.so like any other: it includes only crmcore.h and the SQLite
 * extension header, and is C99. Load it from the sqlite3 shell with
 *   .load path/to/libcrmcore_sqlite
 * (entry point sqlite3_crmcoresqlite_init, which SQLite derives from the file name).
 * bindings/sqlite/README.md lists the SQL functions and their semantics.
 *
 * SQL conventions kept here:
 *   - A NULL argument gives a NULL result (scalars), except where a NULL means "not
 *     known" (the ladder's survey score) and is documented as such.
 *   - Text arguments are read as numbers with SQLite's numeric affinity (so columns of a
 *     table that .import created as TEXT work); text that is not a number, and blobs, are
 *     errors naming the function and the argument.
 *   - A crm_status error becomes sqlite3_result_error with "FUNCTION: " followed by
 *     crm_last_error(), which names the C function, the parameter and the value.
 *   - The fit aggregates never drop a row: a NULL in any row is an error naming the row.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "crmcore.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------ */
/* Errors                                                                                */

/* Sets the SQL error "NAME(): <formatted message>". */
static void result_errorf(sqlite3_context* ctx, const char* fmt, ...) {
  char buffer[1400];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buffer, sizeof buffer, fmt, args);
  va_end(args);
  sqlite3_result_error(ctx, buffer, -1);
}

/* A crm_status error of the library, with its message. */
static void result_crm_error(sqlite3_context* ctx, const char* sql_name, crm_status status) {
  result_errorf(ctx, "%s(): %s: %s", sql_name, crm_status_name(status), crm_last_error());
}

/* ------------------------------------------------------------------------------------ */
/* Reading arguments                                                                     */

/* What reading an argument gave. */
enum arg_result { ARG_OK = 0, ARG_NULL = 1, ARG_ERROR = 2 };

/* Reads argument `value` as a double. Integers and reals are taken as they are; text is
 * taken when SQLite's numeric affinity makes it a number. On ARG_ERROR the SQL error is
 * set; ARG_NULL sets nothing (the caller decides). */
static enum arg_result read_double(sqlite3_context* ctx, sqlite3_value* value,
                                   const char* sql_name, int position, const char* arg_name,
                                   const char* where, double* out) {
  switch (sqlite3_value_numeric_type(value)) {
    case SQLITE_NULL:
      return ARG_NULL;
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
      *out = sqlite3_value_double(value);
      return ARG_OK;
    case SQLITE_TEXT:
      result_errorf(ctx, "%s(): argument %d (%s)%s is not a number: '%.200s'", sql_name,
                    position, arg_name, where, (const char*)sqlite3_value_text(value));
      return ARG_ERROR;
    default:
      result_errorf(ctx, "%s(): argument %d (%s)%s is a blob, not a number", sql_name,
                    position, arg_name, where);
      return ARG_ERROR;
  }
}

/* Reads argument `value` as a whole number in [min, max]: an integer, a real with no
 * fractional part (3.0), or text that is one of those. */
static enum arg_result read_int64(sqlite3_context* ctx, sqlite3_value* value,
                                  const char* sql_name, int position, const char* arg_name,
                                  const char* where, sqlite3_int64 min, sqlite3_int64 max,
                                  sqlite3_int64* out) {
  sqlite3_int64 v;
  switch (sqlite3_value_numeric_type(value)) {
    case SQLITE_NULL:
      return ARG_NULL;
    case SQLITE_INTEGER:
      v = sqlite3_value_int64(value);
      break;
    case SQLITE_FLOAT: {
      const double d = sqlite3_value_double(value);
      /* -2^63 <= d < 2^63 and integral: exactly representable as an int64. */
      if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != floor(d)) {
        result_errorf(ctx, "%s(): argument %d (%s)%s must be a whole number, got %.17g",
                      sql_name, position, arg_name, where, d);
        return ARG_ERROR;
      }
      v = (sqlite3_int64)d;
      break;
    }
    case SQLITE_TEXT:
      result_errorf(ctx, "%s(): argument %d (%s)%s is not a number: '%.200s'", sql_name,
                    position, arg_name, where, (const char*)sqlite3_value_text(value));
      return ARG_ERROR;
    default:
      result_errorf(ctx, "%s(): argument %d (%s)%s is a blob, not a number", sql_name,
                    position, arg_name, where);
      return ARG_ERROR;
  }
  if (v < min || v > max) {
    result_errorf(ctx, "%s(): argument %d (%s)%s must lie in [%lld, %lld], got %lld",
                  sql_name, position, arg_name, where, (long long)min, (long long)max,
                  (long long)v);
    return ARG_ERROR;
  }
  *out = v;
  return ARG_OK;
}

/* How a taxonomy value is shown. */
enum label_style { STYLE_ID = -1, STYLE_EN = CRM_LANGUAGE_EN, STYLE_ZH = CRM_LANGUAGE_ZH };

/* Reads a label-style argument: 'id' (the snake_case identifier), 'en' (the English display
 * label) or 'zh' (the Chinese label). NULL is ARG_NULL. */
static enum arg_result read_style(sqlite3_context* ctx, sqlite3_value* value,
                                  const char* sql_name, int position, enum label_style* out) {
  const int type = sqlite3_value_type(value);
  const char* text;
  if (type == SQLITE_NULL) return ARG_NULL;
  text = (const char*)sqlite3_value_text(value);
  if (text != NULL && type == SQLITE_TEXT) {
    if (strcmp(text, "id") == 0) { *out = STYLE_ID; return ARG_OK; }
    if (strcmp(text, "en") == 0) { *out = STYLE_EN; return ARG_OK; }
    if (strcmp(text, "zh") == 0) { *out = STYLE_ZH; return ARG_OK; }
  }
  result_errorf(ctx, "%s(): argument %d (language) must be 'id', 'en' or 'zh', got '%.200s'",
                sql_name, position, text == NULL ? "" : text);
  return ARG_ERROR;
}

/* Sets the result to value `v` of taxonomy `t` in `style`. */
static void result_taxonomy_value(sqlite3_context* ctx, const char* sql_name, crm_taxonomy t,
                                  int v, enum label_style style) {
  const char* text = NULL;
  const crm_status status = style == STYLE_ID
                                ? crm_taxonomy_id(t, v, &text)
                                : crm_taxonomy_label(t, v, (crm_language)style, &text);
  if (status != CRM_OK) {
    result_crm_error(ctx, sql_name, status);
    return;
  }
  sqlite3_result_text(ctx, text, -1, SQLITE_STATIC); /* static strings of the library */
}

/* Reads a taxonomy value: an integer 0 .. count-1, or its English identifier as text
 * (e.g. 'vip'), parsed exactly. */
static enum arg_result read_taxonomy_value(sqlite3_context* ctx, sqlite3_value* value,
                                           const char* sql_name, int position,
                                           const char* arg_name, crm_taxonomy t, int* out) {
  if (sqlite3_value_type(value) == SQLITE_TEXT &&
      sqlite3_value_numeric_type(value) == SQLITE_TEXT) {
    const crm_status status = crm_taxonomy_parse(t, (const char*)sqlite3_value_text(value), out);
    if (status != CRM_OK) {
      result_crm_error(ctx, sql_name, status);
      return ARG_ERROR;
    }
    return ARG_OK;
  } else {
    sqlite3_int64 v = 0;
    size_t count = 0;
    enum arg_result r;
    if (crm_taxonomy_count(t, &count) != CRM_OK) {
      result_crm_error(ctx, sql_name, CRM_ERR_INVALID_ARGUMENT);
      return ARG_ERROR;
    }
    r = read_int64(ctx, value, sql_name, position, arg_name, "", 0, (sqlite3_int64)count - 1, &v);
    if (r == ARG_OK) *out = (int)v;
    return r;
  }
}

/* ------------------------------------------------------------------------------------ */
/* Scalar functions                                                                      */

/* crm_version() → the loaded library's version, e.g. '0.2.0'. */
static void fn_version(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_text(ctx, crm_version_string(), -1, SQLITE_STATIC);
}

/* crm_satisfaction(b, a) → C = B / A (docs/domain.md §3.1). */
static void fn_satisfaction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  static const char* const name = "crm_satisfaction";
  double b = 0, a = 0, c = 0;
  enum arg_result r;
  crm_status status;
  (void)argc;
  r = read_double(ctx, argv[0], name, 1, "perceived_value_b", "", &b);
  if (r == ARG_OK) r = read_double(ctx, argv[1], name, 2, "expectation_a", "", &a);
  if (r == ARG_ERROR) return;
  if (r == ARG_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  status = crm_satisfaction_ratio(b, a, &c);
  if (status != CRM_OK) {
    result_crm_error(ctx, name, status);
    return;
  }
  sqlite3_result_double(ctx, c);
}

/* crm_satisfaction_level(c [, style]) → 'dissatisfied' | 'satisfied' | 'very_satisfied'
 * with the default thresholds 1.0 and 1.2 (§3.2). */
static void fn_satisfaction_level(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  static const char* const name = "crm_satisfaction_level";
  double c = 0;
  int level = 0;
  enum label_style style = STYLE_ID;
  enum arg_result r;
  crm_status status;
  r = read_double(ctx, argv[0], name, 1, "c", "", &c);
  if (r == ARG_OK && argc > 1) r = read_style(ctx, argv[1], name, 2, &style);
  if (r == ARG_ERROR) return;
  if (r == ARG_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  status = crm_satisfaction_level(c, NULL, &level);
  if (status != CRM_OK) {
    result_crm_error(ctx, name, status);
    return;
  }
  result_taxonomy_value(ctx, name, CRM_TAXONOMY_SATISFACTION_LEVEL, level, style);
}

/* crm_ladder_rung(purchase_count, active_periods_in_window, referrals
 *                 [, survey_score [, qualified_need, qualified_ability, disqualified]])
 * → the rung's identifier (§4.1, default rule). A NULL survey_score means "no answer";
 * any other NULL gives NULL. */
static void fn_ladder_rung(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  static const char* const name = "crm_ladder_rung";
  static const char* const arg_names[7] = {"purchase_count", "active_periods_in_window",
                                           "referrals", "survey_score", "qualified_need",
                                           "qualified_ability", "disqualified"};
  /* The C struct's own ranges are checked by the library; these bounds only keep the
   * value inside the field's C type (int32_t or int64_t), so nothing is truncated. */
  static const sqlite3_int64 max_of[7] = {
      (sqlite3_int64)9223372036854775807LL, 2147483647, (sqlite3_int64)9223372036854775807LL,
      2147483647, 2147483647, 2147483647, 2147483647};
  static const sqlite3_int64 min_of[7] = {
      -(sqlite3_int64)9223372036854775807LL - 1, -2147483647 - 1,
      -(sqlite3_int64)9223372036854775807LL - 1, -2147483647 - 1, -2147483647 - 1,
      -2147483647 - 1, -2147483647 - 1};
  sqlite3_int64 v[7] = {0, 0, 0, 0, 0, 0, 0};
  int has_survey = 0;
  int i, rung = 0;
  crm_ladder_facts facts = CRM_LADDER_FACTS_INIT;
  crm_status status;
  for (i = 0; i < argc; ++i) {
    const enum arg_result r =
        read_int64(ctx, argv[i], name, i + 1, arg_names[i], "", min_of[i], max_of[i],
                   &v[i]);
    if (r == ARG_ERROR) return;
    if (r == ARG_NULL) {
      if (i == 3) continue; /* no survey answer */
      sqlite3_result_null(ctx);
      return;
    }
    if (i == 3) has_survey = 1;
  }
  facts.purchase_count = v[0];
  facts.active_periods_in_window = (int32_t)v[1];
  facts.referrals = v[2];
  facts.has_survey_score = has_survey;
  facts.survey_score = (int32_t)v[3];
  facts.qualified_need = (int32_t)v[4];
  facts.qualified_ability = (int32_t)v[5];
  facts.disqualified_flag = (int32_t)v[6];
  status = crm_ladder_rung(&facts, NULL, &rung);
  if (status != CRM_OK) {
    result_crm_error(ctx, name, status);
    return;
  }
  result_taxonomy_value(ctx, name, CRM_TAXONOMY_LADDER_RUNG, rung, STYLE_ID);
}

/* crm_tier_label(tier [, style]) → the value tier's label, English by default; `tier` is
 * its number (0 vip .. 3 small) or its identifier. */
static void fn_tier_label(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  static const char* const name = "crm_tier_label";
  int tier = 0;
  enum label_style style = STYLE_EN;
  enum arg_result r;
  r = read_taxonomy_value(ctx, argv[0], name, 1, "tier", CRM_TAXONOMY_VALUE_TIER, &tier);
  if (r == ARG_OK && argc > 1) r = read_style(ctx, argv[1], name, 2, &style);
  if (r == ARG_ERROR) return;
  if (r == ARG_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  result_taxonomy_value(ctx, name, CRM_TAXONOMY_VALUE_TIER, tier, style);
}

/* Reads a taxonomy given by its name ('ladder_rung') or its number. */
static enum arg_result read_taxonomy(sqlite3_context* ctx, sqlite3_value* value,
                                     const char* sql_name, crm_taxonomy* out) {
  if (sqlite3_value_type(value) == SQLITE_TEXT &&
      sqlite3_value_numeric_type(value) == SQLITE_TEXT) {
    const char* text = (const char*)sqlite3_value_text(value);
    int t;
    for (t = 0; t < CRM_TAXONOMY_COUNT; ++t) {
      const char* taxonomy_name = NULL;
      if (crm_taxonomy_name((crm_taxonomy)t, &taxonomy_name) == CRM_OK &&
          strcmp(taxonomy_name, text) == 0) {
        *out = (crm_taxonomy)t;
        return ARG_OK;
      }
    }
    result_errorf(ctx, "%s(): argument 1 (taxonomy) names no taxonomy: '%.200s'", sql_name,
                  text);
    return ARG_ERROR;
  } else {
    sqlite3_int64 v = 0;
    const enum arg_result r =
        read_int64(ctx, value, sql_name, 1, "taxonomy", "", 0, CRM_TAXONOMY_COUNT - 1, &v);
    if (r == ARG_OK) *out = (crm_taxonomy)v;
    return r;
  }
}

/* crm_taxonomy_label(taxonomy, value [, style]) → the value's label ('en' by default);
 * taxonomy by name or number, value by number or identifier. */
static void fn_taxonomy_label(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  static const char* const name = "crm_taxonomy_label";
  crm_taxonomy t = CRM_TAXONOMY_CUSTOMER_KIND;
  int v = 0;
  enum label_style style = STYLE_EN;
  enum arg_result r;
  r = read_taxonomy(ctx, argv[0], name, &t);
  if (r == ARG_OK) r = read_taxonomy_value(ctx, argv[1], name, 2, "value", t, &v);
  if (r == ARG_OK && argc > 2) r = read_style(ctx, argv[2], name, 3, &style);
  if (r == ARG_ERROR) return;
  if (r == ARG_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  result_taxonomy_value(ctx, name, t, v, style);
}

/* ------------------------------------------------------------------------------------ */
/* Predictions from given parameters                                                     */

/* A model made from parameters, cached on the statement while the parameters stay the
 * same (they usually are constants or one row of a fit), so a scan makes it once. */
typedef struct cached_model {
  int kind;
  double params[4];
  crm_model* model;
} cached_model;

static void cached_model_free(void* p) {
  cached_model* cache = (cached_model*)p;
  if (cache == NULL) return;
  crm_model_destroy(cache->model);
  sqlite3_free(cache);
}

/* Which prediction a function computes; the user data of its registration. */
typedef struct prediction_fn {
  const char* name;
  int kind;                /* CRM_MODEL_* */
  int takes_horizon;       /* 1: expected purchases over (T, T + t]; 0: P(alive) */
  const char* params[4];   /* parameter names, for messages */
} prediction_fn;

static const prediction_fn kBgnbdPAlive = {
    "crm_bgnbd_p_alive", CRM_MODEL_BGNBD, 0, {"r", "alpha", "a", "b"}};
static const prediction_fn kBgnbdExpected = {
    "crm_bgnbd_expected_purchases", CRM_MODEL_BGNBD, 1, {"r", "alpha", "a", "b"}};
static const prediction_fn kParetoPAlive = {
    "crm_pareto_nbd_p_alive", CRM_MODEL_PARETO_NBD, 0, {"r", "alpha", "s", "beta"}};
static const prediction_fn kParetoExpected = {
    "crm_pareto_nbd_expected_purchases", CRM_MODEL_PARETO_NBD, 1, {"r", "alpha", "s", "beta"}};
static const prediction_fn kMbgnbdPAlive = {
    "crm_mbgnbd_p_alive", CRM_MODEL_MBGNBD, 0, {"r", "alpha", "a", "b"}};
static const prediction_fn kMbgnbdExpected = {
    "crm_mbgnbd_expected_purchases", CRM_MODEL_MBGNBD, 1, {"r", "alpha", "a", "b"}};

/* (p1, p2, p3, p4, [t,] x, t_x, T) → P(alive) or expected purchases. */
static void fn_prediction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const prediction_fn* fn = (const prediction_fn*)sqlite3_user_data(ctx);
  static const char* const history_names[4] = {"t", "x", "t_x", "T"};
  double params[4], history[4] = {0, 0, 0, 0}, out = 0;
  cached_model* cache;
  crm_status status;
  int i;
  const int first_history = fn->takes_horizon ? 0 : 1;
  enum arg_result r = ARG_OK;
  for (i = 0; i < 4 && r == ARG_OK; ++i) {
    r = read_double(ctx, argv[i], fn->name, i + 1, fn->params[i], "", &params[i]);
  }
  for (i = 4; i < argc && r == ARG_OK; ++i) {
    r = read_double(ctx, argv[i], fn->name, i + 1, history_names[first_history + i - 4],
                    "", &history[first_history + i - 4]);
  }
  if (r == ARG_ERROR) return;
  if (r == ARG_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  cache = (cached_model*)sqlite3_get_auxdata(ctx, 0);
  if (cache == NULL || memcmp(cache->params, params, sizeof params) != 0) {
    crm_model* model = NULL;
    status = crm_model_from_params(fn->kind, params, 4, &model);
    if (status != CRM_OK) {
      result_crm_error(ctx, fn->name, status);
      return;
    }
    cache = (cached_model*)sqlite3_malloc((int)sizeof *cache);
    if (cache == NULL) {
      crm_model_destroy(model);
      sqlite3_result_error_nomem(ctx);
      return;
    }
    cache->kind = fn->kind;
    memcpy(cache->params, params, sizeof params);
    cache->model = model;
    /* SQLite owns the cache from here: it frees it now when argument 0 is not constant,
     * and so the pointer must not be used after this call; take the model first. */
    sqlite3_set_auxdata(ctx, 0, cache, cached_model_free);
    cache = (cached_model*)sqlite3_get_auxdata(ctx, 0);
    if (cache == NULL) {
      /* Not kept: make a model for this call only. */
      model = NULL;
      status = crm_model_from_params(fn->kind, params, 4, &model);
      if (status != CRM_OK) {
        result_crm_error(ctx, fn->name, status);
        return;
      }
      status = fn->takes_horizon
                   ? crm_model_expected_purchases(model, history[0], &history[1], &history[2],
                                                  &history[3], 1, &out)
                   : crm_model_p_alive(model, &history[1], &history[2], &history[3], 1, &out);
      if (status != CRM_OK) result_crm_error(ctx, fn->name, status);
      else sqlite3_result_double(ctx, out);
      crm_model_destroy(model);
      return;
    }
  }
  status = fn->takes_horizon
               ? crm_model_expected_purchases(cache->model, history[0], &history[1],
                                              &history[2], &history[3], 1, &out)
               : crm_model_p_alive(cache->model, &history[1], &history[2], &history[3], 1,
                                   &out);
  if (status != CRM_OK) {
    result_crm_error(ctx, fn->name, status);
    return;
  }
  sqlite3_result_double(ctx, out);
}

/* ------------------------------------------------------------------------------------ */
/* Fit aggregates                                                                        */

/* Which model an aggregate fits; the user data of its registration. */
typedef struct fit_fn {
  const char* name;
  int kind;
} fit_fn;

static const fit_fn kBgnbdFit = {"crm_bgnbd_fit", CRM_MODEL_BGNBD};
static const fit_fn kParetoFit = {"crm_pareto_nbd_fit", CRM_MODEL_PARETO_NBD};
static const fit_fn kMbgnbdFit = {"crm_mbgnbd_fit", CRM_MODEL_MBGNBD};

/* The state of one group: the three columns, grown by doubling. */
typedef struct fit_state {
  double* columns; /* 3 * capacity doubles: x, then t_x, then T, each `capacity` long */
  sqlite3_int64 n;
  sqlite3_int64 capacity;
  sqlite3_int64 max_iterations; /* 0: the default; else the 4th argument of every row */
  int failed;                   /* an error was reported; the final step returns nothing */
} fit_state;

static int fit_state_grow(fit_state* s) {
  const sqlite3_int64 capacity = s->capacity == 0 ? 1024 : 2 * s->capacity;
  double* columns = (double*)sqlite3_malloc64((sqlite3_uint64)capacity * 3 * sizeof(double));
  if (columns == NULL) return 0;
  if (s->n > 0) {
    memcpy(columns, s->columns, (size_t)s->n * sizeof(double));
    memcpy(columns + capacity, s->columns + s->capacity, (size_t)s->n * sizeof(double));
    memcpy(columns + 2 * capacity, s->columns + 2 * s->capacity, (size_t)s->n * sizeof(double));
  }
  sqlite3_free(s->columns);
  s->columns = columns;
  s->capacity = capacity;
  return 1;
}

static void fit_step(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const fit_fn* fn = (const fit_fn*)sqlite3_user_data(ctx);
  static const char* const names[4] = {"frequency", "recency", "T", "max_iterations"};
  fit_state* s = (fit_state*)sqlite3_aggregate_context(ctx, (int)sizeof(fit_state));
  double row[3] = {0, 0, 0};
  char where[64];
  int i;
  if (s == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (s->failed) return;
  /* Rows are counted from 0 in the order they reach the aggregate, as crm_model_fit's
   * messages count them. */
  snprintf(where, sizeof where, " in row %lld of the group", (long long)s->n);
  for (i = 0; i < 3; ++i) {
    const enum arg_result r =
        read_double(ctx, argv[i], fn->name, i + 1, names[i], where, &row[i]);
    if (r == ARG_NULL) {
      /* Never dropped silently: the caller filters NULLs out if that is what it means. */
      result_errorf(ctx, "%s(): argument %d (%s)%s is NULL", fn->name, i + 1, names[i],
                    where);
    }
    if (r != ARG_OK) {
      s->failed = 1;
      return;
    }
  }
  if (argc > 3) {
    sqlite3_int64 max_iterations = 0;
    const enum arg_result r = read_int64(ctx, argv[3], fn->name, 4, names[3], where, 1,
                                         2147483647, &max_iterations);
    if (r == ARG_NULL) {
      result_errorf(ctx, "%s(): argument 4 (max_iterations)%s is NULL", fn->name, where);
    } else if (r == ARG_OK && s->n > 0 && max_iterations != s->max_iterations) {
      result_errorf(ctx, "%s(): argument 4 (max_iterations)%s is %lld, but %lld before: it "
                    "must be the same in every row of a group", fn->name, where,
                    (long long)max_iterations, (long long)s->max_iterations);
      s->failed = 1;
      return;
    }
    if (r != ARG_OK) {
      s->failed = 1;
      return;
    }
    s->max_iterations = max_iterations;
  }
  if (s->n == s->capacity && !fit_state_grow(s)) {
    s->failed = 1;
    sqlite3_result_error_nomem(ctx);
    return;
  }
  s->columns[s->n] = row[0];
  s->columns[s->capacity + s->n] = row[1];
  s->columns[2 * s->capacity + s->n] = row[2];
  ++s->n;
}

/* The fit as a model file, the JSON `crmcore fit --out` writes: crm_model_to_json is the
 * one writer of that document, so the two agree byte for byte. NULL when out of memory
 * (or, never in practice, when the library refuses). Freed with sqlite3_free. */
static char* fit_json(const crm_model* model) {
  size_t length = 0;
  char* json;
  if (crm_model_to_json(model, NULL, 0, &length) != CRM_OK) return NULL;
  json = (char*)sqlite3_malloc64((sqlite3_uint64)length + 1);
  if (json == NULL) return NULL;
  if (crm_model_to_json(model, json, length + 1, &length) != CRM_OK) {
    sqlite3_free(json);
    return NULL;
  }
  return json;
}

static void fit_final(sqlite3_context* ctx) {
  const fit_fn* fn = (const fit_fn*)sqlite3_user_data(ctx);
  fit_state* s = (fit_state*)sqlite3_aggregate_context(ctx, 0);
  crm_fit_options options = CRM_FIT_OPTIONS_INIT;
  crm_model* model = NULL;
  int32_t converged = 0;
  crm_status status;
  char* json;
  if (s == NULL) {
    /* No rows: NULL, as avg() and sum() give over no rows. */
    sqlite3_result_null(ctx);
    return;
  }
  if (s->failed) {
    sqlite3_free(s->columns);
    s->columns = NULL;
    return;
  }
  if (s->max_iterations > 0) options.max_iterations = (int32_t)s->max_iterations;
  status = crm_model_fit(fn->kind, s->columns, s->columns + s->capacity,
                         s->columns + 2 * s->capacity, NULL, (size_t)s->n, &options, &model);
  sqlite3_free(s->columns);
  s->columns = NULL;
  if (status != CRM_OK) {
    /* Its rows are the group's, counted from 0 in the order they reached the aggregate. */
    result_crm_error(ctx, fn->name, status);
    return;
  }
  if (crm_model_converged(model, &converged) != CRM_OK) {
    result_crm_error(ctx, fn->name, CRM_ERR_INTERNAL);
    crm_model_destroy(model);
    return;
  }
  json = fit_json(model);
  if (json == NULL) {
    crm_model_destroy(model);
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!converged) {
    /* The last iterate is no estimate: an error, with the report for diagnosis. */
    result_errorf(ctx, "%s(): the fit did not converge on %lld customers: %s", fn->name,
                  (long long)s->n, json);
    sqlite3_free(json);
  } else {
    sqlite3_result_text(ctx, json, -1, sqlite3_free);
  }
  crm_model_destroy(model);
}

/* ------------------------------------------------------------------------------------ */
/* Registration                                                                          */

/* The only exported symbol (the rest is hidden, -fvisibility=hidden). */
#if defined(_WIN32)
#  define CRM_SQLITE_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define CRM_SQLITE_EXPORT __attribute__((visibility("default")))
#else
#  define CRM_SQLITE_EXPORT
#endif

CRM_SQLITE_EXPORT int sqlite3_crmcoresqlite_init(sqlite3* db, char** error_message,
                               const sqlite3_api_routines* api) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc = SQLITE_OK;
  SQLITE_EXTENSION_INIT2(api);
  if (CRM_CHECK_VERSION() != CRM_OK) {
    *error_message = sqlite3_mprintf("crmcore_sqlite: %s", crm_last_error());
    return SQLITE_ERROR;
  }
#define CRM_SQL_SCALAR(name, n_args, fn, data)                                           \
  if (rc == SQLITE_OK)                                                                   \
  rc = sqlite3_create_function_v2(db, name, n_args, flags, (void*)(data), fn, NULL, NULL, \
                                  NULL)
#define CRM_SQL_AGGREGATE(name, n_args, data)                                        \
  if (rc == SQLITE_OK)                                                               \
  rc = sqlite3_create_function_v2(db, name, n_args, flags, (void*)(data), NULL, fit_step, \
                                  fit_final, NULL)
  CRM_SQL_SCALAR("crm_version", 0, fn_version, NULL);
  CRM_SQL_SCALAR("crm_satisfaction", 2, fn_satisfaction, NULL);
  CRM_SQL_SCALAR("crm_satisfaction_level", 1, fn_satisfaction_level, NULL);
  CRM_SQL_SCALAR("crm_satisfaction_level", 2, fn_satisfaction_level, NULL);
  CRM_SQL_SCALAR("crm_ladder_rung", 3, fn_ladder_rung, NULL);
  CRM_SQL_SCALAR("crm_ladder_rung", 4, fn_ladder_rung, NULL);
  CRM_SQL_SCALAR("crm_ladder_rung", 7, fn_ladder_rung, NULL);
  CRM_SQL_SCALAR("crm_tier_label", 1, fn_tier_label, NULL);
  CRM_SQL_SCALAR("crm_tier_label", 2, fn_tier_label, NULL);
  CRM_SQL_SCALAR("crm_taxonomy_label", 2, fn_taxonomy_label, NULL);
  CRM_SQL_SCALAR("crm_taxonomy_label", 3, fn_taxonomy_label, NULL);
  CRM_SQL_SCALAR("crm_bgnbd_p_alive", 7, fn_prediction, &kBgnbdPAlive);
  CRM_SQL_SCALAR("crm_bgnbd_expected_purchases", 8, fn_prediction, &kBgnbdExpected);
  CRM_SQL_SCALAR("crm_pareto_nbd_p_alive", 7, fn_prediction, &kParetoPAlive);
  CRM_SQL_SCALAR("crm_pareto_nbd_expected_purchases", 8, fn_prediction, &kParetoExpected);
  CRM_SQL_AGGREGATE("crm_bgnbd_fit", 3, &kBgnbdFit);
  CRM_SQL_AGGREGATE("crm_bgnbd_fit", 4, &kBgnbdFit);
  CRM_SQL_AGGREGATE("crm_pareto_nbd_fit", 3, &kParetoFit);
  CRM_SQL_AGGREGATE("crm_pareto_nbd_fit", 4, &kParetoFit);
  /* MBG/NBD reads the same (x, t_x, T) rows. BG/BB (a weighted pattern table) and sBG (a
   * survivor series) have no per-customer aggregate: use the CLI, C or Python. */
  CRM_SQL_SCALAR("crm_mbgnbd_p_alive", 7, fn_prediction, &kMbgnbdPAlive);
  CRM_SQL_SCALAR("crm_mbgnbd_expected_purchases", 8, fn_prediction, &kMbgnbdExpected);
  CRM_SQL_AGGREGATE("crm_mbgnbd_fit", 3, &kMbgnbdFit);
  CRM_SQL_AGGREGATE("crm_mbgnbd_fit", 4, &kMbgnbdFit);
#undef CRM_SQL_SCALAR
#undef CRM_SQL_AGGREGATE
  return rc;
}

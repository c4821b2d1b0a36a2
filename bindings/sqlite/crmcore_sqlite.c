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
  double params[4]; /* the kind's parameters, zero after the last */
  crm_model* model;
} cached_model;

static void cached_model_free(void* p) {
  cached_model* cache = (cached_model*)p;
  if (cache == NULL) return;
  crm_model_destroy(cache->model);
  sqlite3_free(cache);
}

/* The model of `kind` with `n_params` parameters (`params` holds 4, zero after the
 * last), for one call: the statement's cached model when its parameters are these, else
 * a new one, cached on argument 0 when SQLite keeps it. When SQLite does not keep it
 * (argument 0 is not constant), *owned is set to the model and the caller destroys it
 * after use. NULL, with the SQL error set, when the parameters are invalid or memory
 * runs out. */
static crm_model* model_for_call(sqlite3_context* ctx, const char* sql_name, int kind,
                                 const double params[4], size_t n_params, crm_model** owned) {
  cached_model* cache = (cached_model*)sqlite3_get_auxdata(ctx, 0);
  crm_model* model = NULL;
  crm_status status;
  *owned = NULL;
  if (cache != NULL && cache->kind == kind &&
      memcmp(cache->params, params, 4 * sizeof(double)) == 0) {
    return cache->model;
  }
  status = crm_model_from_params(kind, params, n_params, &model);
  if (status != CRM_OK) {
    result_crm_error(ctx, sql_name, status);
    return NULL;
  }
  cache = (cached_model*)sqlite3_malloc((int)sizeof *cache);
  if (cache == NULL) {
    crm_model_destroy(model);
    sqlite3_result_error_nomem(ctx);
    return NULL;
  }
  cache->kind = kind;
  memcpy(cache->params, params, 4 * sizeof(double));
  cache->model = model;
  /* SQLite owns the cache from here: it frees it now when argument 0 is not constant,
   * and so the pointer must not be used after this call. */
  sqlite3_set_auxdata(ctx, 0, cache, cached_model_free);
  cache = (cached_model*)sqlite3_get_auxdata(ctx, 0);
  if (cache != NULL) return cache->model;
  /* Not kept (and so freed): make a model for this call only. */
  model = NULL;
  status = crm_model_from_params(kind, params, n_params, &model);
  if (status != CRM_OK) {
    result_crm_error(ctx, sql_name, status);
    return NULL;
  }
  *owned = model;
  return model;
}

/* What a prediction function computes. */
enum prediction_op {
  OP_P_ALIVE,            /* crm_model_p_alive(x, t_x, T) */
  OP_EXPECTED,           /* crm_model_expected_purchases(t; x, t_x, T) */
  OP_BGBB_P_ALIVE,       /* crm_model_bgbb_p_alive(x, t_x, n) */
  OP_BGBB_EXPECTED,      /* crm_model_bgbb_expected_transactions(n_star; x, t_x, n) */
  OP_BGBB_DERT           /* crm_model_bgbb_dert(discount; x, t_x, n) */
};

/* Which prediction a function computes; the user data of its registration. Arguments:
 * the 4 parameters, then (unless the op takes none) the scalar `extra`, then the
 * customer's 3 history values. */
typedef struct prediction_fn {
  const char* name;
  int kind;               /* CRM_MODEL_* */
  enum prediction_op op;
  const char* params[4];  /* parameter names, for messages */
  const char* extra;      /* the scalar's name (t, n_star, discount), or NULL */
  const char* history[3]; /* the history's names */
} prediction_fn;

#define CRM_XTT {"x", "t_x", "T"}
#define CRM_XTN {"x", "t_x", "n"}
#define CRM_BGBB_PARAMS {"alpha", "beta", "gamma", "delta"}
static const prediction_fn kBgnbdPAlive = {
    "crm_bgnbd_p_alive", CRM_MODEL_BGNBD, OP_P_ALIVE, {"r", "alpha", "a", "b"}, NULL, CRM_XTT};
static const prediction_fn kBgnbdExpected = {"crm_bgnbd_expected_purchases", CRM_MODEL_BGNBD,
                                             OP_EXPECTED, {"r", "alpha", "a", "b"}, "t",
                                             CRM_XTT};
static const prediction_fn kParetoPAlive = {"crm_pareto_nbd_p_alive", CRM_MODEL_PARETO_NBD,
                                            OP_P_ALIVE, {"r", "alpha", "s", "beta"}, NULL,
                                            CRM_XTT};
static const prediction_fn kParetoExpected = {"crm_pareto_nbd_expected_purchases",
                                              CRM_MODEL_PARETO_NBD, OP_EXPECTED,
                                              {"r", "alpha", "s", "beta"}, "t", CRM_XTT};
static const prediction_fn kMbgnbdPAlive = {
    "crm_mbgnbd_p_alive", CRM_MODEL_MBGNBD, OP_P_ALIVE, {"r", "alpha", "a", "b"}, NULL, CRM_XTT};
static const prediction_fn kMbgnbdExpected = {"crm_mbgnbd_expected_purchases",
                                              CRM_MODEL_MBGNBD, OP_EXPECTED,
                                              {"r", "alpha", "a", "b"}, "t", CRM_XTT};
static const prediction_fn kBgbbPAlive = {"crm_bgbb_p_alive", CRM_MODEL_BGBB, OP_BGBB_P_ALIVE,
                                          CRM_BGBB_PARAMS, NULL, CRM_XTN};
static const prediction_fn kBgbbExpected = {"crm_bgbb_expected_transactions", CRM_MODEL_BGBB,
                                            OP_BGBB_EXPECTED, CRM_BGBB_PARAMS, "n_star",
                                            CRM_XTN};
static const prediction_fn kBgbbDert = {"crm_bgbb_dert", CRM_MODEL_BGBB, OP_BGBB_DERT,
                                        CRM_BGBB_PARAMS, "discount", CRM_XTN};
#undef CRM_XTT
#undef CRM_XTN
#undef CRM_BGBB_PARAMS

/* One row's prediction `fn->op` with `model`. */
static crm_status predict(const prediction_fn* fn, const crm_model* model, double extra,
                          const double h[3], double* out) {
  switch (fn->op) {
    case OP_P_ALIVE:
      return crm_model_p_alive(model, &h[0], &h[1], &h[2], 1, out);
    case OP_EXPECTED:
      return crm_model_expected_purchases(model, extra, &h[0], &h[1], &h[2], 1, out);
    case OP_BGBB_P_ALIVE:
      return crm_model_bgbb_p_alive(model, &h[0], &h[1], &h[2], 1, out);
    case OP_BGBB_EXPECTED:
      return crm_model_bgbb_expected_transactions(model, extra, &h[0], &h[1], &h[2], 1, out);
    case OP_BGBB_DERT:
      return crm_model_bgbb_dert(model, extra, &h[0], &h[1], &h[2], 1, out);
  }
  return CRM_ERR_INTERNAL;
}

/* (p1, p2, p3, p4, [extra,] h1, h2, h3) → the prediction of `fn` (its user data). The
 * library checks the values (a history, a horizon, a discount); only their being numbers
 * is checked here. */
static void fn_prediction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const prediction_fn* fn = (const prediction_fn*)sqlite3_user_data(ctx);
  double params[4], extra = 0, history[3] = {0, 0, 0}, out = 0;
  crm_model* owned = NULL;
  const crm_model* model;
  crm_status status;
  int i;
  const int first_history = fn->extra != NULL ? 5 : 4;
  enum arg_result r = ARG_OK;
  for (i = 0; i < 4 && r == ARG_OK; ++i) {
    r = read_double(ctx, argv[i], fn->name, i + 1, fn->params[i], "", &params[i]);
  }
  if (r == ARG_OK && fn->extra != NULL) {
    r = read_double(ctx, argv[4], fn->name, 5, fn->extra, "", &extra);
  }
  for (i = first_history; i < argc && r == ARG_OK; ++i) {
    r = read_double(ctx, argv[i], fn->name, i + 1, fn->history[i - first_history], "",
                    &history[i - first_history]);
  }
  if (r == ARG_ERROR) return;
  if (r == ARG_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  model = model_for_call(ctx, fn->name, fn->kind, params, 4, &owned);
  if (model == NULL) return;
  status = predict(fn, model, extra, history, &out);
  if (status != CRM_OK) result_crm_error(ctx, fn->name, status);
  else sqlite3_result_double(ctx, out);
  crm_model_destroy(owned);
}

/* Longest survival or retention curve an sBG scalar computes: the C API gives the curve
 * from period 0, so t costs t + 1 values of memory and time. */
#define CRM_SBG_MAX_PERIOD 1000000

/* Which sBG value a function computes; the user data of its registration. */
typedef struct sbg_fn {
  const char* name;
  int survival; /* 1: S(t); 0: r(t) */
} sbg_fn;

static const sbg_fn kSbgSurvival = {"crm_sbg_survival", 1};
static const sbg_fn kSbgRetention = {"crm_sbg_retention", 0};

/* Reads the sBG parameters (alpha, beta) of arguments 1 and 2 into params[0..1], zeroing
 * params[2..3]. */
static enum arg_result read_sbg_params(sqlite3_context* ctx, sqlite3_value** argv,
                                       const char* sql_name, double params[4]) {
  enum arg_result r = read_double(ctx, argv[0], sql_name, 1, "alpha", "", &params[0]);
  if (r == ARG_OK) r = read_double(ctx, argv[1], sql_name, 2, "beta", "", &params[1]);
  params[2] = params[3] = 0;
  return r;
}

/* crm_sbg_survival(alpha, beta, t) → S(t), crm_sbg_retention(alpha, beta, t) → r(t)
 * (Fader & Hardie 2007), through crm_model_sbg_curve; t a whole number in
 * [0, CRM_SBG_MAX_PERIOD] (r(0) = 1, the C API's convention). */
static void fn_sbg_curve(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const sbg_fn* fn = (const sbg_fn*)sqlite3_user_data(ctx);
  double params[4];
  sqlite3_int64 t = 0;
  crm_model* owned = NULL;
  const crm_model* model;
  double* curve;
  crm_status status;
  enum arg_result r;
  (void)argc;
  r = read_sbg_params(ctx, argv, fn->name, params);
  if (r == ARG_OK) {
    r = read_int64(ctx, argv[2], fn->name, 3, "t", "", 0, CRM_SBG_MAX_PERIOD, &t);
  }
  if (r == ARG_ERROR) return;
  if (r == ARG_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  model = model_for_call(ctx, fn->name, CRM_MODEL_SBG, params, 2, &owned);
  if (model == NULL) return;
  curve = (double*)sqlite3_malloc64((sqlite3_uint64)(t + 1) * sizeof(double));
  if (curve == NULL) {
    crm_model_destroy(owned);
    sqlite3_result_error_nomem(ctx);
    return;
  }
  status = crm_model_sbg_curve(model, (size_t)t + 1, fn->survival ? curve : NULL,
                               fn->survival ? NULL : curve);
  if (status != CRM_OK) result_crm_error(ctx, fn->name, status);
  else sqlite3_result_double(ctx, curve[t]);
  sqlite3_free(curve);
  crm_model_destroy(owned);
}

/* crm_sbg_derl(alpha, beta, discount, renewals) → the discounted expected residual
 * lifetime of a customer active in period `renewals` (Fader & Hardie 2010), through
 * crm_model_sbg_derl, which checks discount and renewals. */
static void fn_sbg_derl(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  static const char* const name = "crm_sbg_derl";
  double params[4], discount = 0, renewals = 0, out = 0;
  crm_model* owned = NULL;
  const crm_model* model;
  crm_status status;
  enum arg_result r;
  (void)argc;
  r = read_sbg_params(ctx, argv, name, params);
  if (r == ARG_OK) r = read_double(ctx, argv[2], name, 3, "discount", "", &discount);
  if (r == ARG_OK) r = read_double(ctx, argv[3], name, 4, "renewals", "", &renewals);
  if (r == ARG_ERROR) return;
  if (r == ARG_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  model = model_for_call(ctx, name, CRM_MODEL_SBG, params, 2, &owned);
  if (model == NULL) return;
  status = crm_model_sbg_derl(model, discount, renewals, &out);
  if (status != CRM_OK) result_crm_error(ctx, name, status);
  else sqlite3_result_double(ctx, out);
  crm_model_destroy(owned);
}

/* ------------------------------------------------------------------------------------ */
/* Fit aggregates                                                                        */

/* Which model an aggregate fits; the user data of its registration. Its first
 * `value_args` arguments are numeric columns (the last of them optional where the kind
 * has an optional column: BG/BB's weight); an argument after them is max_iterations. */
typedef struct fit_fn {
  const char* name;
  int kind;
  int value_args;
  const char* args[5]; /* argument names, for messages */
  const char* rows;    /* what a row is, for the not-converged message */
} fit_fn;

static const fit_fn kBgnbdFit = {"crm_bgnbd_fit", CRM_MODEL_BGNBD, 3,
                                 {"frequency", "recency", "T", "max_iterations", NULL},
                                 "customers"};
static const fit_fn kParetoFit = {"crm_pareto_nbd_fit", CRM_MODEL_PARETO_NBD, 3,
                                  {"frequency", "recency", "T", "max_iterations", NULL},
                                  "customers"};
static const fit_fn kMbgnbdFit = {"crm_mbgnbd_fit", CRM_MODEL_MBGNBD, 3,
                                  {"frequency", "recency", "T", "max_iterations", NULL},
                                  "customers"};
static const fit_fn kBgbbFit = {"crm_bgbb_fit", CRM_MODEL_BGBB, 4,
                                {"frequency", "recency", "periods", "weight", "max_iterations"},
                                "pattern rows"};

/* The most numeric columns an aggregate keeps (BG/BB: x, t_x, n, weight). */
#define FIT_MAX_COLUMNS 4

/* The state of one group: its columns, grown by doubling. */
typedef struct fit_state {
  double* columns; /* n_columns * capacity doubles, column k at columns + k * capacity */
  sqlite3_int64 n;
  sqlite3_int64 capacity;
  sqlite3_int64 max_iterations; /* 0: the default; else the last argument of every row */
  int n_columns;                /* set by the first row */
  int failed;                   /* an error was reported; the final step returns nothing */
} fit_state;

static int fit_state_grow(fit_state* s) {
  const sqlite3_int64 capacity = s->capacity == 0 ? 1024 : 2 * s->capacity;
  double* columns = (double*)sqlite3_malloc64((sqlite3_uint64)capacity * (sqlite3_uint64)s->n_columns *
                                              sizeof(double));
  int k;
  if (columns == NULL) return 0;
  for (k = 0; k < s->n_columns && s->n > 0; ++k) {
    memcpy(columns + k * capacity, s->columns + k * s->capacity, (size_t)s->n * sizeof(double));
  }
  sqlite3_free(s->columns);
  s->columns = columns;
  s->capacity = capacity;
  return 1;
}

/* Reads a numeric argument of a fit's row: 1 when read; 0 with the SQL error set (a NULL
 * too: never dropped silently, the caller filters NULLs out if that is what it means). */
static int fit_read_value(sqlite3_context* ctx, sqlite3_value* value, const char* sql_name,
                          int position, const char* arg_name, const char* where, double* out) {
  const enum arg_result r = read_double(ctx, value, sql_name, position, arg_name, where, out);
  if (r == ARG_NULL) {
    result_errorf(ctx, "%s(): argument %d (%s)%s is NULL", sql_name, position, arg_name, where);
  }
  return r == ARG_OK;
}

/* Reads a row's max_iterations argument into *max_iterations, which holds the value of
 * the rows before when `rows_before` > 0: 1 when read and the same; 0 with the SQL error
 * set. */
static int fit_read_max_iterations(sqlite3_context* ctx, sqlite3_value* value,
                                   const char* sql_name, int position, const char* where,
                                   sqlite3_int64 rows_before, sqlite3_int64* max_iterations) {
  sqlite3_int64 v = 0;
  const enum arg_result r = read_int64(ctx, value, sql_name, position, "max_iterations", where,
                                       1, 2147483647, &v);
  if (r == ARG_NULL) {
    result_errorf(ctx, "%s(): argument %d (max_iterations)%s is NULL", sql_name, position, where);
  } else if (r == ARG_OK && rows_before > 0 && v != *max_iterations) {
    result_errorf(ctx, "%s(): argument %d (max_iterations)%s is %lld, but %lld before: it "
                  "must be the same in every row of a group", sql_name, position, where,
                  (long long)v, (long long)*max_iterations);
    return 0;
  }
  if (r != ARG_OK) return 0;
  *max_iterations = v;
  return 1;
}

static void fit_step(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const fit_fn* fn = (const fit_fn*)sqlite3_user_data(ctx);
  fit_state* s = (fit_state*)sqlite3_aggregate_context(ctx, (int)sizeof(fit_state));
  const int n_columns = argc < fn->value_args ? argc : fn->value_args;
  double row[FIT_MAX_COLUMNS] = {0, 0, 0, 0};
  char where[64];
  int i;
  if (s == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (s->failed) return;
  s->n_columns = n_columns;
  /* Rows are counted from 0 in the order they reach the aggregate, as crm_model_fit's
   * messages count them. */
  snprintf(where, sizeof where, " in row %lld of the group", (long long)s->n);
  for (i = 0; i < n_columns; ++i) {
    if (!fit_read_value(ctx, argv[i], fn->name, i + 1, fn->args[i], where, &row[i])) {
      s->failed = 1;
      return;
    }
  }
  if (argc > fn->value_args &&
      !fit_read_max_iterations(ctx, argv[fn->value_args], fn->name, fn->value_args + 1, where,
                               s->n, &s->max_iterations)) {
    s->failed = 1;
    return;
  }
  if (s->n == s->capacity && !fit_state_grow(s)) {
    s->failed = 1;
    sqlite3_result_error_nomem(ctx);
    return;
  }
  for (i = 0; i < n_columns; ++i) s->columns[i * s->capacity + s->n] = row[i];
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

/* Sets the result of a fit of `n` rows: its JSON when it converged; an error with the
 * report when it did not. Takes `model`. */
static void fit_result(sqlite3_context* ctx, const char* sql_name, crm_model* model,
                       sqlite3_int64 n, const char* rows) {
  int32_t converged = 0;
  char* json;
  if (crm_model_converged(model, &converged) != CRM_OK) {
    result_crm_error(ctx, sql_name, CRM_ERR_INTERNAL);
    crm_model_destroy(model);
    return;
  }
  json = fit_json(model);
  crm_model_destroy(model);
  if (json == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!converged) {
    /* The last iterate is no estimate: an error, with the report for diagnosis. */
    result_errorf(ctx, "%s(): the fit did not converge on %lld %s: %s", sql_name,
                  (long long)n, rows, json);
    sqlite3_free(json);
  } else {
    sqlite3_result_text(ctx, json, -1, sqlite3_free);
  }
}

static void fit_final(sqlite3_context* ctx) {
  const fit_fn* fn = (const fit_fn*)sqlite3_user_data(ctx);
  fit_state* s = (fit_state*)sqlite3_aggregate_context(ctx, 0);
  crm_fit_options options = CRM_FIT_OPTIONS_INIT;
  crm_model* model = NULL;
  crm_status status;
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
  if (fn->kind == CRM_MODEL_BGBB) {
    const double* c = s->columns;
    const sqlite3_int64 k = s->capacity;
    status = crm_model_fit_bgbb(c, c + k, c + 2 * k, s->n_columns > 3 ? c + 3 * k : NULL,
                                (size_t)s->n, &options, &model);
  } else {
    status = crm_model_fit(fn->kind, s->columns, s->columns + s->capacity,
                           s->columns + 2 * s->capacity, NULL, (size_t)s->n, &options, &model);
  }
  sqlite3_free(s->columns);
  s->columns = NULL;
  if (status != CRM_OK) {
    /* Its rows are the group's, counted from 0 in the order they reached the aggregate. */
    result_crm_error(ctx, fn->name, status);
    return;
  }
  fit_result(ctx, fn->name, model, s->n, fn->rows);
}

/* --- sBG: crm_sbg_fit(period, survivors [, cohort [, max_iterations]]) ---------------- */

/* One row of a survivor series. */
typedef struct sbg_row {
  sqlite3_int64 period;
  double survivors;
  sqlite3_int64 row;  /* the order it reached the aggregate, from 0 */
  char* cohort;       /* its label as text (sqlite3_malloc); NULL without a cohort argument */
} sbg_row;

/* The state of one group of crm_sbg_fit. */
typedef struct sbg_state {
  sbg_row* rows;
  sqlite3_int64 n;
  sqlite3_int64 capacity;
  sqlite3_int64 max_iterations; /* 0: the default */
  int failed;
} sbg_state;

static void sbg_state_free(sbg_state* s) {
  sqlite3_int64 i;
  for (i = 0; i < s->n; ++i) sqlite3_free(s->rows[i].cohort);
  sqlite3_free(s->rows);
  s->rows = NULL;
  s->n = 0;
}

/* Periods accepted: whole numbers in [0, CRM_SBG_MAX_ROW_PERIOD], which covers period
 * numbers and calendar years alike. */
#define CRM_SBG_MAX_ROW_PERIOD 2147483647

static void sbg_step(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  static const char* const name = "crm_sbg_fit";
  sbg_state* s = (sbg_state*)sqlite3_aggregate_context(ctx, (int)sizeof(sbg_state));
  sbg_row row = {0, 0, 0, NULL};
  char where[64];
  enum arg_result r;
  if (s == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (s->failed) return;
  snprintf(where, sizeof where, " in row %lld of the group", (long long)s->n);
  row.row = s->n;
  r = read_int64(ctx, argv[0], name, 1, "period", where, 0, CRM_SBG_MAX_ROW_PERIOD, &row.period);
  if (r == ARG_NULL) result_errorf(ctx, "%s(): argument 1 (period)%s is NULL", name, where);
  if (r != ARG_OK || !fit_read_value(ctx, argv[1], name, 2, "survivors", where, &row.survivors)) {
    s->failed = 1;
    return;
  }
  /* The library checks the counts too, but can name only a period of a series; this
   * names the row. */
  if (!(isfinite(row.survivors) && row.survivors >= 0)) {
    result_errorf(ctx, "%s(): argument 2 (survivors)%s must be finite and >= 0, got %.17g",
                  name, where, row.survivors);
    s->failed = 1;
    return;
  }
  if (argc > 2) {
    const int type = sqlite3_value_type(argv[2]);
    if (type == SQLITE_NULL || type == SQLITE_BLOB) {
      result_errorf(ctx, "%s(): argument 3 (cohort)%s is %s", name, where,
                    type == SQLITE_NULL ? "NULL" : "a blob, not a cohort label");
      s->failed = 1;
      return;
    }
    row.cohort = sqlite3_mprintf("%s", (const char*)sqlite3_value_text(argv[2]));
    if (row.cohort == NULL) {
      s->failed = 1;
      sqlite3_result_error_nomem(ctx);
      return;
    }
  }
  if (argc > 3 && !fit_read_max_iterations(ctx, argv[3], name, 4, where, s->n,
                                           &s->max_iterations)) {
    sqlite3_free(row.cohort);
    s->failed = 1;
    return;
  }
  if (s->n == s->capacity) {
    const sqlite3_int64 capacity = s->capacity == 0 ? 64 : 2 * s->capacity;
    sbg_row* rows = (sbg_row*)sqlite3_realloc64(s->rows, (sqlite3_uint64)capacity * sizeof *rows);
    if (rows == NULL) {
      sqlite3_free(row.cohort);
      s->failed = 1;
      sqlite3_result_error_nomem(ctx);
      return;
    }
    s->rows = rows;
    s->capacity = capacity;
  }
  s->rows[s->n++] = row;
}

/* Orders rows by cohort label, then period: the series as the library takes them, the
 * same whatever order the rows arrived in. */
static int sbg_row_compare(const void* a, const void* b) {
  const sbg_row* x = (const sbg_row*)a;
  const sbg_row* y = (const sbg_row*)b;
  const int by_cohort = x->cohort == NULL || y->cohort == NULL ? 0 : strcmp(x->cohort, y->cohort);
  if (by_cohort != 0) return by_cohort;
  if (x->period != y->period) return x->period < y->period ? -1 : 1;
  return x->row < y->row ? -1 : (x->row > y->row ? 1 : 0);
}

/* Whether sorted rows i - 1 and i belong to one cohort. */
static int sbg_same_cohort(const sbg_row* rows, sqlite3_int64 i) {
  return rows[i].cohort == NULL || strcmp(rows[i - 1].cohort, rows[i].cohort) == 0;
}

/* " cohort 'LABEL'" for messages, or "" without a cohort argument. */
static const char* sbg_cohort_text(const sbg_row* row, char* buffer, size_t size) {
  if (row->cohort == NULL) return "";
  snprintf(buffer, size, " of cohort '%.200s'", row->cohort);
  return buffer;
}

static void sbg_final(sqlite3_context* ctx) {
  static const char* const name = "crm_sbg_fit";
  sbg_state* s = (sbg_state*)sqlite3_aggregate_context(ctx, 0);
  crm_fit_options options = CRM_FIT_OPTIONS_INIT;
  crm_model* model = NULL;
  crm_status status;
  double* survivors = NULL;
  size_t* lengths = NULL;
  sqlite3_int64* firsts = NULL; /* index of each cohort's first sorted row */
  size_t n_cohorts = 0;
  sqlite3_int64 i;
  char label[256];
  if (s == NULL) {
    sqlite3_result_null(ctx); /* no rows, as avg() */
    return;
  }
  if (s->failed) {
    sbg_state_free(s);
    return;
  }
  qsort(s->rows, (size_t)s->n, sizeof *s->rows, sbg_row_compare);
  survivors = (double*)sqlite3_malloc64((sqlite3_uint64)s->n * sizeof(double));
  lengths = (size_t*)sqlite3_malloc64((sqlite3_uint64)s->n * sizeof(size_t));
  firsts = (sqlite3_int64*)sqlite3_malloc64((sqlite3_uint64)s->n * sizeof(sqlite3_int64));
  if (survivors == NULL || lengths == NULL || firsts == NULL) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  for (i = 0; i < s->n; ++i) {
    const sbg_row* row = &s->rows[i];
    if (i == 0 || !sbg_same_cohort(s->rows, i)) {
      firsts[n_cohorts] = i;
      lengths[n_cohorts++] = 0;
    } else if (row->period == row[-1].period) {
      result_errorf(ctx, "%s(): rows %lld and %lld of the group both give period %lld%s%s",
                    name, (long long)(row[-1].row < row->row ? row[-1].row : row->row),
                    (long long)(row[-1].row < row->row ? row->row : row[-1].row),
                    (long long)row->period, sbg_cohort_text(row, label, sizeof label),
                    row->cohort == NULL ? " (several cohorts need the cohort argument)" : "");
      goto done;
    } else if (row->period != row[-1].period + 1) {
      result_errorf(ctx, "%s(): no row gives period %lld%s (the periods of a series must "
                    "follow each other, from its first, %lld, to its last)", name,
                    (long long)(row[-1].period + 1), sbg_cohort_text(row, label, sizeof label),
                    (long long)s->rows[firsts[n_cohorts - 1]].period);
      goto done;
    }
    survivors[i] = row->survivors;
    ++lengths[n_cohorts - 1];
  }
  if (s->max_iterations > 0) options.max_iterations = (int32_t)s->max_iterations;
  status = crm_model_fit_sbg(survivors, (size_t)s->n, lengths, n_cohorts, &options, &model);
  if (status != CRM_OK) {
    /* The library counts cohorts (in label order) and periods from 0 of each series:
     * say which rows' cohort and period that is. */
    const char* message = crm_last_error();
    const char* at = strstr(message, "cohort ");
    size_t c = 0;
    char note[400] = "";
    if (at != NULL && sscanf(at, "cohort %zu", &c) == 1 && c < n_cohorts) {
      const sbg_row* first = &s->rows[firsts[c]];
      if (first->cohort != NULL) {
        snprintf(note, sizeof note, " [series cohort %zu is cohort '%.200s' of the rows, its "
                 "period 0 their period %lld]", c, first->cohort, (long long)first->period);
      } else if (first->period != 0) {
        snprintf(note, sizeof note, " [period 0 of the series is period %lld of the rows]",
                 (long long)first->period);
      }
    }
    result_errorf(ctx, "%s(): %s: %s%s", name, crm_status_name(status), message, note);
    goto done;
  }
  fit_result(ctx, name, model, s->n, "survivor counts");
done:
  sqlite3_free(survivors);
  sqlite3_free(lengths);
  sqlite3_free(firsts);
  sbg_state_free(s);
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
  /* MBG/NBD reads the same (x, t_x, T) rows. */
  CRM_SQL_SCALAR("crm_mbgnbd_p_alive", 7, fn_prediction, &kMbgnbdPAlive);
  CRM_SQL_SCALAR("crm_mbgnbd_expected_purchases", 8, fn_prediction, &kMbgnbdExpected);
  CRM_SQL_AGGREGATE("crm_mbgnbd_fit", 3, &kMbgnbdFit);
  CRM_SQL_AGGREGATE("crm_mbgnbd_fit", 4, &kMbgnbdFit);
  /* BG/BB: rows of a (weighted) pattern table (x, t_x, n [, weight [, max_iterations]]). */
  CRM_SQL_AGGREGATE("crm_bgbb_fit", 3, &kBgbbFit);
  CRM_SQL_AGGREGATE("crm_bgbb_fit", 4, &kBgbbFit);
  CRM_SQL_AGGREGATE("crm_bgbb_fit", 5, &kBgbbFit);
  CRM_SQL_SCALAR("crm_bgbb_p_alive", 7, fn_prediction, &kBgbbPAlive);
  CRM_SQL_SCALAR("crm_bgbb_expected_transactions", 8, fn_prediction, &kBgbbExpected);
  CRM_SQL_SCALAR("crm_bgbb_dert", 8, fn_prediction, &kBgbbDert);
  /* sBG: survivor series, one row per period (and cohort), in any order: SQLite before
   * 3.44 (Debian 12 has 3.40) has no ORDER BY inside an aggregate call, so the period is
   * an argument and the aggregate sorts. */
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "crm_sbg_fit", 2, flags, NULL, NULL, sbg_step,
                                    sbg_final, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "crm_sbg_fit", 3, flags, NULL, NULL, sbg_step,
                                    sbg_final, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "crm_sbg_fit", 4, flags, NULL, NULL, sbg_step,
                                    sbg_final, NULL);
  CRM_SQL_SCALAR("crm_sbg_survival", 3, fn_sbg_curve, &kSbgSurvival);
  CRM_SQL_SCALAR("crm_sbg_retention", 3, fn_sbg_curve, &kSbgRetention);
  CRM_SQL_SCALAR("crm_sbg_derl", 4, fn_sbg_derl, NULL);
#undef CRM_SQL_SCALAR
#undef CRM_SQL_AGGREGATE
  return rc;
}

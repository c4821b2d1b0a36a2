/* crmcore_pg.c — the PostgreSQL extension's entry point, errors and scalar functions.
 *
 * SQL conventions (bindings/postgresql/README.md lists every function):
 *   - Functions are STRICT where a NULL argument can only mean "no result" (NULL in, NULL
 *     out); the few that give a NULL a meaning (the ladder's survey score) are not.
 *   - A crm_status error is an SQL error "FUNCTION(): CRM_ERR_...: <crm_last_error()>",
 *     whose message names the C function, the parameter and the value; the session stays
 *     usable (ereport unwinds, memory-context callbacks free the library's objects).
 *   - Taxonomy values are shown as identifiers ('id'), English ('en') or Chinese ('zh')
 *     labels. */
#include "crmcore_pg.h"

#include <string.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_MODULE_MAGIC;

void _PG_init(void);

/* Refuses to load against a libcrmcore_c of another major version. */
void _PG_init(void) {
  if (CRM_CHECK_VERSION() != CRM_OK) {
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("crmcore: %s", crm_last_error())));
  }
}

/* ------------------------------------------------------------------------------------ */
/* Errors                                                                                */

static int sqlstate_of(crm_status status) {
  switch (status) {
    case CRM_ERR_INVALID_ARGUMENT: return ERRCODE_INVALID_PARAMETER_VALUE;
    case CRM_ERR_OUT_OF_RANGE: return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
    case CRM_ERR_NOT_FOUND: return ERRCODE_UNDEFINED_OBJECT;
    case CRM_ERR_NO_MEMORY: return ERRCODE_OUT_OF_MEMORY;
    case CRM_ERR_FAILED_PRECONDITION: return ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
    case CRM_ERR_IO: return ERRCODE_DATA_CORRUPTED;
    case CRM_ERR_UNSUPPORTED: return ERRCODE_FEATURE_NOT_SUPPORTED;
    default: return ERRCODE_INTERNAL_ERROR;
  }
}

void crm_pg_raise(const char* sql_name, crm_status status) {
  /* Copied first: the message is thread-local library storage, rewritten by its next call. */
  char message[1100];
  strlcpy(message, crm_last_error(), sizeof message);
  if (status == CRM_ERR_NO_MEMORY) {
    ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
                    errdetail("%s(): %s", sql_name, message)));
  }
  ereport(ERROR, (errcode(sqlstate_of(status)),
                  errmsg("%s(): %s: %s", sql_name, crm_status_name(status), message)));
}

static void destroy_model_callback(void* arg) { crm_model_destroy((crm_model*)arg); }

void crm_pg_own_model(MemoryContext context, crm_model* model) {
  MemoryContextCallback* callback = NULL;
  PG_TRY();
  {
    callback = (MemoryContextCallback*)MemoryContextAlloc(context, sizeof *callback);
  }
  PG_CATCH();
  {
    crm_model_destroy(model);
    PG_RE_THROW();
  }
  PG_END_TRY();
  callback->func = destroy_model_callback;
  callback->arg = model;
  MemoryContextRegisterResetCallback(context, callback);
}

/* ------------------------------------------------------------------------------------ */
/* Label styles                                                                          */

enum label_style { STYLE_ID = -1, STYLE_EN = CRM_LANGUAGE_EN, STYLE_ZH = CRM_LANGUAGE_ZH };

static enum label_style read_style(text* style, const char* sql_name) {
  char* s = text_to_cstring(style);
  if (strcmp(s, "id") == 0) return STYLE_ID;
  if (strcmp(s, "en") == 0) return STYLE_EN;
  if (strcmp(s, "zh") == 0) return STYLE_ZH;
  ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                  errmsg("%s(): language must be 'id', 'en' or 'zh', got '%s'", sql_name, s)));
  return STYLE_ID; /* not reached */
}

static text* taxonomy_text(const char* sql_name, crm_taxonomy t, int value,
                           enum label_style style) {
  const char* out = NULL;
  if (style == STYLE_ID) {
    CRM_PG_CHECK(sql_name, crm_taxonomy_id(t, value, &out));
  } else {
    CRM_PG_CHECK(sql_name, crm_taxonomy_label(t, value, (crm_language)style, &out));
  }
  return cstring_to_text(out);
}

static crm_taxonomy read_taxonomy(text* name, const char* sql_name) {
  char* s = text_to_cstring(name);
  int t;
  for (t = 0; t < CRM_TAXONOMY_COUNT; ++t) {
    const char* taxonomy_name = NULL;
    if (crm_taxonomy_name((crm_taxonomy)t, &taxonomy_name) == CRM_OK &&
        strcmp(taxonomy_name, s) == 0) {
      return (crm_taxonomy)t;
    }
  }
  ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                  errmsg("%s(): no taxonomy is named '%s'", sql_name, s)));
  return CRM_TAXONOMY_CUSTOMER_KIND; /* not reached */
}

/* ------------------------------------------------------------------------------------ */
/* Scalar functions                                                                      */

PG_FUNCTION_INFO_V1(crm_pg_version);
/* crm_version() → the loaded library's version. */
Datum crm_pg_version(PG_FUNCTION_ARGS) {
  PG_RETURN_TEXT_P(cstring_to_text(crm_version_string()));
}

PG_FUNCTION_INFO_V1(crm_pg_satisfaction);
/* crm_satisfaction(b, a) → C = B / A (docs/domain.md §3.1). */
Datum crm_pg_satisfaction(PG_FUNCTION_ARGS) {
  double c = 0;
  CRM_PG_CHECK("crm_satisfaction",
               crm_satisfaction_ratio(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), &c));
  PG_RETURN_FLOAT8(c);
}

PG_FUNCTION_INFO_V1(crm_pg_satisfaction_level);
/* crm_satisfaction_level(c, style) → the level at the default thresholds 1.0 and 1.2. */
Datum crm_pg_satisfaction_level(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_satisfaction_level";
  const enum label_style style = read_style(PG_GETARG_TEXT_PP(1), name);
  int level = 0;
  CRM_PG_CHECK(name, crm_satisfaction_level(PG_GETARG_FLOAT8(0), NULL, &level));
  PG_RETURN_TEXT_P(taxonomy_text(name, CRM_TAXONOMY_SATISFACTION_LEVEL, level, style));
}

PG_FUNCTION_INFO_V1(crm_pg_ladder_rung);
/* crm_ladder_rung(purchase_count, active_periods_in_window, referrals, survey_score,
 * qualified_need, qualified_ability, disqualified, style) → the rung (§4.1, default rule).
 * Not STRICT: a NULL survey_score means "no answer"; any other NULL gives NULL. */
Datum crm_pg_ladder_rung(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_ladder_rung";
  crm_ladder_facts facts = CRM_LADDER_FACTS_INIT;
  enum label_style style;
  int i, rung = 0;
  for (i = 0; i < 8; ++i) {
    if (i != 3 && PG_ARGISNULL(i)) PG_RETURN_NULL();
  }
  style = read_style(PG_GETARG_TEXT_PP(7), name);
  facts.purchase_count = PG_GETARG_INT64(0);
  facts.active_periods_in_window = PG_GETARG_INT32(1);
  facts.referrals = PG_GETARG_INT64(2);
  facts.has_survey_score = PG_ARGISNULL(3) ? 0 : 1;
  facts.survey_score = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3);
  facts.qualified_need = PG_GETARG_INT32(4);
  facts.qualified_ability = PG_GETARG_INT32(5);
  facts.disqualified_flag = PG_GETARG_INT32(6);
  CRM_PG_CHECK(name, crm_ladder_rung(&facts, NULL, &rung));
  PG_RETURN_TEXT_P(taxonomy_text(name, CRM_TAXONOMY_LADDER_RUNG, rung, style));
}

PG_FUNCTION_INFO_V1(crm_pg_taxonomy_label);
/* crm_taxonomy_label(taxonomy text, value int, style) → the value's label. */
Datum crm_pg_taxonomy_label(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_taxonomy_label";
  const crm_taxonomy t = read_taxonomy(PG_GETARG_TEXT_PP(0), name);
  const enum label_style style = read_style(PG_GETARG_TEXT_PP(2), name);
  PG_RETURN_TEXT_P(taxonomy_text(name, t, PG_GETARG_INT32(1), style));
}

PG_FUNCTION_INFO_V1(crm_pg_taxonomy_label_id);
/* crm_taxonomy_label(taxonomy text, value text, style) → the label of the value given by
 * its identifier (e.g. 'vip'). */
Datum crm_pg_taxonomy_label_id(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_taxonomy_label";
  const crm_taxonomy t = read_taxonomy(PG_GETARG_TEXT_PP(0), name);
  const char* id = text_to_cstring(PG_GETARG_TEXT_PP(1));
  const enum label_style style = read_style(PG_GETARG_TEXT_PP(2), name);
  int value = 0;
  CRM_PG_CHECK(name, crm_taxonomy_parse(t, id, &value));
  PG_RETURN_TEXT_P(taxonomy_text(name, t, value, style));
}

PG_FUNCTION_INFO_V1(crm_pg_tier_label);
/* crm_tier_label(tier int, style) → the value tier's label (0 vip .. 3 small). */
Datum crm_pg_tier_label(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_tier_label";
  const enum label_style style = read_style(PG_GETARG_TEXT_PP(1), name);
  PG_RETURN_TEXT_P(taxonomy_text(name, CRM_TAXONOMY_VALUE_TIER, PG_GETARG_INT32(0), style));
}

/* The ten criterion scores (and optional weights) of a float8[] argument. */
static void read_criteria(ArrayType* array, const char* sql_name, const char* arg_name,
                          double out[CRM_SCORECARD_CRITERION_COUNT]) {
  Datum* values = NULL;
  bool* nulls = NULL;
  int n = 0, i;
  if (ARR_NDIM(array) > 1) {
    ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
                    errmsg("%s(): %s must be a one-dimensional array", sql_name, arg_name)));
  }
  deconstruct_array(array, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &values, &nulls, &n);
  if (n != CRM_SCORECARD_CRITERION_COUNT) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s(): %s must hold %d values (one per criterion), got %d",
                           sql_name, arg_name, CRM_SCORECARD_CRITERION_COUNT, n)));
  }
  for (i = 0; i < n; ++i) {
    if (nulls[i]) {
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                      errmsg("%s(): %s[%d] is NULL", sql_name, arg_name, i + 1)));
    }
    out[i] = DatumGetFloat8(values[i]);
  }
}

PG_FUNCTION_INFO_V1(crm_pg_scorecard_score);
/* crm_scorecard_score(scores float8[10] [, weights float8[10]]) → the weighted 1–5 score. */
Datum crm_pg_scorecard_score(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_scorecard_score";
  double scores[CRM_SCORECARD_CRITERION_COUNT], weights[CRM_SCORECARD_CRITERION_COUNT];
  double out = 0;
  read_criteria(PG_GETARG_ARRAYTYPE_P(0), name, "scores", scores);
  if (PG_NARGS() > 1) read_criteria(PG_GETARG_ARRAYTYPE_P(1), name, "weights", weights);
  CRM_PG_CHECK(name, crm_scorecard_score(scores, PG_NARGS() > 1 ? weights : NULL, &out));
  PG_RETURN_FLOAT8(out);
}

PG_FUNCTION_INFO_V1(crm_pg_scorecard_grade);
/* crm_scorecard_grade(scores float8[10] [, weights float8[10]]) → 'A', 'B' or 'C'
 * (default cut-offs 4.0 and 3.0). */
Datum crm_pg_scorecard_grade(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_scorecard_grade";
  double scores[CRM_SCORECARD_CRITERION_COUNT], weights[CRM_SCORECARD_CRITERION_COUNT];
  int grade = 0;
  read_criteria(PG_GETARG_ARRAYTYPE_P(0), name, "scores", scores);
  if (PG_NARGS() > 1) read_criteria(PG_GETARG_ARRAYTYPE_P(1), name, "weights", weights);
  CRM_PG_CHECK(name,
               crm_scorecard_grade(scores, PG_NARGS() > 1 ? weights : NULL, NULL, &grade));
  PG_RETURN_TEXT_P(taxonomy_text(name, CRM_TAXONOMY_SCORECARD_GRADE, grade, STYLE_ID));
}

PG_FUNCTION_INFO_V1(crm_pg_retention_value);
/* crm_retention_value(margin, retention, discount) → m (1 + d) / (1 + d − r). */
Datum crm_pg_retention_value(PG_FUNCTION_ARGS) {
  double out = 0;
  CRM_PG_CHECK("crm_retention_value",
               crm_retention_value(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1),
                                   PG_GETARG_FLOAT8(2), &out));
  PG_RETURN_FLOAT8(out);
}

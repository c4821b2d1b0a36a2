/* crmcore_pg_composite.c — the composite value (docs/domain.md §5) over a population
 * state: crm_composite_state(values, plan) aggregates the statistics every used component's
 * normalizer needs (parallel, with combine), and crm_composite_score(state, values, plan)
 * scores a customer against them, as crm_score_composite over the whole population.
 *
 * The plan is jsonb keyed by component identifier (CRM_TAXONOMY_COMPOSITE_COMPONENT):
 *   {"current_contribution": {"weight": 0.5},
 *    "loyalty": {"weight": 0.3, "normalizer": "percentile_rank"},
 *    "credit": {"weight": 0.2, "normalizer": "fixed_bounds", "lower": 0, "upper": 10},
 *    "missing": "reject" | "renormalize"}
 * Absent components weigh 0; the normalizer defaults to min_max. `values` is a float8[5]
 * in component order (current_contribution, future_contribution, credit, loyalty,
 * growth_potential); a NULL element is a missing value. */
#include "crmcore_pg.h"

#include <math.h>
#include <string.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

static const crm_engine_options kOneThreadComposite = {sizeof(crm_engine_options), 1,
                                                       CRM_MISSING_NAN};

#define kCompositeBatch 4096

static void destroy_plan_callback(void* arg) {
  crm_composite_plan_destroy((crm_composite_plan*)arg);
}
static void destroy_state_callback(void* arg) {
  crm_composite_state** state = (crm_composite_state**)arg;
  crm_composite_state_destroy(*state);
  *state = NULL;
}

/* Registers `callback(arg)` on `context`'s reset. */
static void on_reset(MemoryContext context, MemoryContextCallbackFunction callback, void* arg) {
  MemoryContextCallback* cb =
      (MemoryContextCallback*)MemoryContextAlloc(context, sizeof(MemoryContextCallback));
  cb->func = callback;
  cb->arg = arg;
  MemoryContextRegisterResetCallback(context, cb);
}

static double plan_number(JsonbValue* v, const char* sql_name, const char* component,
                          const char* key) {
  if (v->type != jbvNumeric) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s(): plan.%s.%s must be a number", sql_name, component, key)));
  }
  return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

/* A plan from its jsonb, owned by `context`. */
static crm_composite_plan* plan_from_jsonb(Jsonb* jb, MemoryContext context,
                                           const char* sql_name) {
  crm_composite_plan* plan = NULL;
  JsonbIterator* it;
  JsonbValue v;
  JsonbIteratorToken token;
  int component;
  if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb)) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s(): the plan jsonb is not an object", sql_name)));
  }
  /* Every top-level key must be a component or "missing": a misspelt one is an error. */
  it = JsonbIteratorInit(&jb->root);
  while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
    if (token == WJB_KEY) {
      char* key = pnstrdup(v.val.string.val, v.val.string.len);
      int ignored = 0;
      if (strcmp(key, "missing") != 0 &&
          crm_taxonomy_parse(CRM_TAXONOMY_COMPOSITE_COMPONENT, key, &ignored) != CRM_OK) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s(): the plan has an unknown key \"%s\" (valid: the "
                               "composite_component identifiers and \"missing\")",
                               sql_name, key)));
      }
    }
  }
  CRM_PG_CHECK(sql_name, crm_composite_plan_create(&plan));
  on_reset(context, destroy_plan_callback, plan);
  for (component = 0; component < CRM_COMPOSITE_COMPONENT_COUNT; ++component) {
    const char* id = NULL;
    JsonbValue entry, field;
    JsonbContainer* c;
    int normalizer = CRM_NORMALIZER_MIN_MAX;
    double lower = 0, upper = 0;
    CRM_PG_CHECK(sql_name, crm_taxonomy_id(CRM_TAXONOMY_COMPOSITE_COMPONENT, component, &id));
    if (getKeyJsonValueFromContainer(&jb->root, id, (uint32)strlen(id), &entry) == NULL) {
      continue;
    }
    if (entry.type != jbvBinary || !JsonContainerIsObject(entry.val.binary.data)) {
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("%s(): plan.%s must be an object {\"weight\": ...}", sql_name, id)));
    }
    c = entry.val.binary.data;
    if (getKeyJsonValueFromContainer(c, "weight", 6, &field) == NULL) {
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("%s(): plan.%s has no \"weight\"", sql_name, id)));
    }
    CRM_PG_CHECK(sql_name, crm_composite_plan_set_weight(
                               plan, component, plan_number(&field, sql_name, id, "weight")));
    if (getKeyJsonValueFromContainer(c, "normalizer", 10, &field) != NULL) {
      char* name;
      if (field.type != jbvString) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s(): plan.%s.normalizer must be a string", sql_name, id)));
      }
      name = pnstrdup(field.val.string.val, field.val.string.len);
      CRM_PG_CHECK(sql_name, crm_taxonomy_parse(CRM_TAXONOMY_NORMALIZER_KIND, name, &normalizer));
    }
    if (getKeyJsonValueFromContainer(c, "lower", 5, &field) != NULL) {
      lower = plan_number(&field, sql_name, id, "lower");
    }
    if (getKeyJsonValueFromContainer(c, "upper", 5, &field) != NULL) {
      upper = plan_number(&field, sql_name, id, "upper");
    }
    CRM_PG_CHECK(sql_name,
                 crm_composite_plan_set_normalizer(plan, component, normalizer, lower, upper));
  }
  {
    JsonbValue missing;
    if (getKeyJsonValueFromContainer(&jb->root, "missing", 7, &missing) != NULL) {
      char* name = missing.type == jbvString
                       ? pnstrdup(missing.val.string.val, missing.val.string.len)
                       : pstrdup("");
      int policy = -1;
      if (strcmp(name, "reject") == 0) policy = CRM_MISSING_POLICY_REJECT;
      if (strcmp(name, "renormalize") == 0) policy = CRM_MISSING_POLICY_RENORMALIZE;
      if (policy < 0) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s(): plan.missing must be \"reject\" or \"renormalize\"",
                               sql_name)));
      }
      CRM_PG_CHECK(sql_name, crm_composite_plan_set_missing_policy(plan, policy));
    }
  }
  CRM_PG_CHECK(sql_name, crm_composite_plan_validate(plan));
  return plan;
}

/* The five component values of a float8[] argument; NULL elements are NaN (missing). */
static void read_components(ArrayType* array, const char* sql_name, double out[5]) {
  Datum* values = NULL;
  bool* nulls = NULL;
  int n = 0, i;
  if (ARR_NDIM(array) > 1) {
    ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
                    errmsg("%s(): values must be a one-dimensional array", sql_name)));
  }
  deconstruct_array(array, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &values, &nulls, &n);
  if (n != CRM_COMPOSITE_COMPONENT_COUNT) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s(): values must hold %d components (current_contribution, "
                           "future_contribution, credit, loyalty, growth_potential), got %d",
                           sql_name, CRM_COMPOSITE_COMPONENT_COUNT, n)));
  }
  for (i = 0; i < n; ++i) {
    if (nulls[i]) {
      out[i] = NAN;
    } else {
      out[i] = DatumGetFloat8(values[i]);
      if (isnan(out[i])) {
        /* NaN would read as "missing"; in SQL a missing value is NULL. */
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s(): values[%d] is NaN (a missing value is NULL)", sql_name,
                               i + 1)));
      }
    }
  }
}

static void fill_columns(crm_column columns[5], const double* data, size_t stride, size_t n) {
  int k;
  for (k = 0; k < CRM_COMPOSITE_COMPONENT_COUNT; ++k) {
    crm_column c = CRM_COLUMN_INIT;
    c.type = CRM_COLUMN_FLOAT64;
    c.data = n > 0 ? data + (size_t)k * stride : NULL;
    c.length = n;
    columns[k] = c;
  }
}

/* ------------------------------------------------------------------------------------ */
/* The aggregate                                                                         */

/* A state being built (plan set: rows arrive) or combined (plan NULL: a partial state
 * deserialized in the leader, where only merging and the final bytes happen). */
typedef struct composite_agg {
  crm_composite_plan* plan; /* owned by the aggregate context */
  Jsonb* plan_bytes;        /* the plan argument, to check that every row has the same */
  crm_composite_state* state;
  int n;
  int64 rows;
  double* buffer; /* 5 * kCompositeBatch, column by column */
} composite_agg;

static composite_agg* composite_agg_new(MemoryContext context, Jsonb* plan_jsonb,
                                        crm_composite_state* from) {
  static const char* const name = "crm_composite_state";
  composite_agg* agg = (composite_agg*)MemoryContextAllocZero(context, sizeof *agg);
  crm_column columns[5];
  if (plan_jsonb != NULL) {
    agg->plan = plan_from_jsonb(plan_jsonb, context, name);
    agg->plan_bytes = (Jsonb*)MemoryContextAlloc(context, VARSIZE(plan_jsonb));
    memcpy(agg->plan_bytes, plan_jsonb, VARSIZE(plan_jsonb));
    agg->buffer = (double*)MemoryContextAlloc(context, 5 * kCompositeBatch * sizeof(double));
  }
  /* The callback first, so the state is freed with the context whatever happens next. */
  on_reset(context, destroy_state_callback, &agg->state);
  if (from != NULL) {
    agg->state = from;
  } else {
    fill_columns(columns, NULL, 0, 0);
    CRM_PG_CHECK(name, crm_composite_state_create(agg->plan, columns, 5, &kOneThreadComposite,
                                                  &agg->state));
  }
  return agg;
}

static void composite_agg_flush(composite_agg* agg) {
  crm_column columns[5];
  if (agg->n == 0) return;
  fill_columns(columns, agg->buffer, kCompositeBatch, (size_t)agg->n);
  CRM_PG_CHECK("crm_composite_state",
               crm_composite_state_update(agg->state, agg->plan, columns, 5,
                                          &kOneThreadComposite));
  agg->n = 0;
}

PG_FUNCTION_INFO_V1(crm_pg_composite_transition);
/* crm_composite_state(values float8[5], plan jsonb). */
Datum crm_pg_composite_transition(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_composite_state";
  MemoryContext context = NULL;
  composite_agg* agg = PG_ARGISNULL(0) ? NULL : (composite_agg*)PG_GETARG_POINTER(0);
  Jsonb* plan;
  double row[5];
  int k;
  if (!AggCheckCallContext(fcinfo, &context)) {
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("%s() called outside an aggregate", name)));
  }
  if (PG_ARGISNULL(1) || PG_ARGISNULL(2)) {
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                    errmsg("%s(): %s is NULL in row %lld of the group", name,
                           PG_ARGISNULL(1) ? "values" : "plan",
                           (long long)(agg == NULL ? 0 : agg->rows))));
  }
  plan = PG_GETARG_JSONB_P(2);
  if (agg == NULL) {
    agg = composite_agg_new(context, plan, NULL);
  } else if (VARSIZE(plan) != VARSIZE(agg->plan_bytes) ||
             memcmp(plan, agg->plan_bytes, VARSIZE(plan)) != 0) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s(): the plan of row %lld differs from the first row's: one "
                           "state has one plan", name, (long long)agg->rows)));
  }
  read_components(PG_GETARG_ARRAYTYPE_P(1), name, row);
  if (agg->n == kCompositeBatch) composite_agg_flush(agg);
  for (k = 0; k < 5; ++k) agg->buffer[k * kCompositeBatch + agg->n] = row[k];
  ++agg->n;
  ++agg->rows;
  PG_RETURN_POINTER(agg);
}

static bytea* composite_agg_bytes(composite_agg* agg) {
  uint8_t* bytes;
  size_t size = 0;
  bytea* out;
  composite_agg_flush(agg);
  CRM_PG_CHECK("crm_composite_state", crm_composite_state_serialize(agg->state, NULL, 0, &size));
  bytes = (uint8_t*)palloc(size);
  CRM_PG_CHECK("crm_composite_state",
               crm_composite_state_serialize(agg->state, bytes, size, &size));
  out = (bytea*)palloc(size + VARHDRSZ);
  SET_VARSIZE(out, size + VARHDRSZ);
  memcpy(VARDATA(out), bytes, size);
  return out;
}

PG_FUNCTION_INFO_V1(crm_pg_composite_serialize);
/* SERIALFUNC and FINALFUNC: the C API's composite-state bytes. */
Datum crm_pg_composite_serialize(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  PG_RETURN_BYTEA_P(composite_agg_bytes((composite_agg*)PG_GETARG_POINTER(0)));
}

static crm_composite_state* composite_from_bytea(bytea* b, const char* sql_name) {
  crm_composite_state* state = NULL;
  CRM_PG_CHECK(sql_name,
               crm_composite_state_deserialize((const uint8_t*)VARDATA_ANY(b),
                                               VARSIZE_ANY_EXHDR(b), &state));
  return state;
}

PG_FUNCTION_INFO_V1(crm_pg_composite_deserialize);
Datum crm_pg_composite_deserialize(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_composite_state";
  MemoryContext context = NULL;
  crm_composite_state* state;
  composite_agg* agg = NULL;
  if (!AggCheckCallContext(fcinfo, &context)) {
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("%s() called outside an aggregate", name)));
  }
  state = composite_from_bytea(PG_GETARG_BYTEA_PP(0), name);
  PG_TRY();
  {
    agg = composite_agg_new(context, NULL, state);
  }
  PG_CATCH();
  {
    crm_composite_state_destroy(state);
    PG_RE_THROW();
  }
  PG_END_TRY();
  PG_RETURN_POINTER(agg);
}

PG_FUNCTION_INFO_V1(crm_pg_composite_combine);
Datum crm_pg_composite_combine(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_composite_state";
  MemoryContext context = NULL;
  composite_agg* into = PG_ARGISNULL(0) ? NULL : (composite_agg*)PG_GETARG_POINTER(0);
  composite_agg* from = PG_ARGISNULL(1) ? NULL : (composite_agg*)PG_GETARG_POINTER(1);
  if (!AggCheckCallContext(fcinfo, &context)) {
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("%s() called outside an aggregate", name)));
  }
  if (from == NULL) {
    if (into == NULL) PG_RETURN_NULL();
    PG_RETURN_POINTER(into);
  }
  if (from->plan != NULL) composite_agg_flush(from);
  if (into == NULL) {
    /* A copy in this context, through the bytes: `from` may live in another. */
    crm_composite_state* copy = composite_from_bytea(composite_agg_bytes(from), name);
    PG_TRY();
    {
      into = composite_agg_new(context, NULL, copy);
    }
    PG_CATCH();
    {
      crm_composite_state_destroy(copy);
      PG_RE_THROW();
    }
    PG_END_TRY();
    PG_RETURN_POINTER(into);
  }
  if (into->plan != NULL) composite_agg_flush(into);
  CRM_PG_CHECK(name, crm_composite_state_merge(into->state, from->state));
  into->rows += from->rows;
  PG_RETURN_POINTER(into);
}

/* ------------------------------------------------------------------------------------ */
/* Scoring                                                                               */

typedef struct composite_cache {
  bytea* state_bytes;
  Jsonb* plan_bytes;
  crm_composite_state* state;
  crm_composite_plan* plan;
} composite_cache;

/* Frees the cached state (plans are freed by their own callbacks, plan_from_jsonb). */
static void destroy_cache_callback(void* arg) {
  composite_cache* cache = (composite_cache*)arg;
  crm_composite_state_destroy(cache->state);
  cache->state = NULL;
}

PG_FUNCTION_INFO_V1(crm_pg_composite_score);
/* crm_composite_score(state bytea, values float8[5], plan jsonb) → the composite value of
 * `values` against the population of `state` (crm_score_composite_with_state). */
Datum crm_pg_composite_score(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_composite_score";
  bytea* b = PG_GETARG_BYTEA_PP(0);
  Jsonb* plan = PG_GETARG_JSONB_P(2);
  FmgrInfo* flinfo = fcinfo->flinfo;
  composite_cache* cache = (composite_cache*)flinfo->fn_extra;
  double row[5], out = 0;
  crm_column columns[5];
  if (cache == NULL) {
    cache = (composite_cache*)MemoryContextAllocZero(flinfo->fn_mcxt, sizeof *cache);
    on_reset(flinfo->fn_mcxt, destroy_cache_callback, cache);
    flinfo->fn_extra = cache;
  }
  if (cache->state_bytes == NULL || VARSIZE_ANY_EXHDR(cache->state_bytes) != VARSIZE_ANY_EXHDR(b) ||
      memcmp(VARDATA_ANY(cache->state_bytes), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)) != 0) {
    crm_composite_state* state = composite_from_bytea(b, name);
    bytea* copy;
    crm_composite_state_destroy(cache->state);
    cache->state = state;
    cache->state_bytes = NULL;
    copy = (bytea*)MemoryContextAlloc(flinfo->fn_mcxt, VARSIZE_ANY_EXHDR(b) + VARHDRSZ);
    SET_VARSIZE(copy, VARSIZE_ANY_EXHDR(b) + VARHDRSZ);
    memcpy(VARDATA(copy), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
    cache->state_bytes = copy;
  }
  if (cache->plan_bytes == NULL || VARSIZE(cache->plan_bytes) != VARSIZE(plan) ||
      memcmp(cache->plan_bytes, plan, VARSIZE(plan)) != 0) {
    /* Owned by the function's context (freed with it); a previous plan stays alive until
     * then, which only matters when the plan changes from row to row. */
    crm_composite_plan* made = plan_from_jsonb(plan, flinfo->fn_mcxt, name);
    Jsonb* copy = (Jsonb*)MemoryContextAlloc(flinfo->fn_mcxt, VARSIZE(plan));
    memcpy(copy, plan, VARSIZE(plan));
    cache->plan = made;
    cache->plan_bytes = copy;
  }
  read_components(PG_GETARG_ARRAYTYPE_P(1), name, row);
  fill_columns(columns, row, 1, 1);
  CRM_PG_CHECK(name, crm_score_composite_with_state(cache->plan, columns, 5, cache->state,
                                                    &kOneThreadComposite, &out, 1));
  PG_RETURN_FLOAT8(out);
}

/* crmcore_pg_states.c — aggregates over the C API's mergeable partial states.
 *
 * Model fits (crm_bgnbd_fit, crm_pareto_fit, crm_gammagamma_fit) and their byte states
 * (crm_bgnbd_state, ...) keep a crm_history_state: equal customer histories collapse into
 * one weighted pattern, so a partial state is as small as the number of distinct
 * histories. Population scoring keeps a crm_quantile_state. Every aggregate here is
 * PARALLEL SAFE with COMBINEFUNC, SERIALFUNC and DESERIALFUNC: the serialized form is the
 * C API's checksummed state bytes, the same bytes crm_state_merge and crm_fit_from_states
 * merge on a coordinator that gathered them from several servers.
 *
 * Rows are buffered (up to kMaxBatch) and handed to the library a batch at a time. The
 * library objects are freed by a reset callback on the aggregate's memory context, so an
 * error or a cancel never leaks them. */
#include "crmcore_pg.h"

#include <math.h>
#include <string.h>

#include "utils/builtins.h"
#include "utils/memutils.h"

/* Engine calls run on the calling thread only: a backend is single-threaded by design, and
 * PostgreSQL's own parallel workers are the parallelism here. */
static const crm_engine_options kOneThread = {sizeof(crm_engine_options), 1, CRM_MISSING_NAN};

/* Rows handed to the library at once: large enough that the per-call cost vanishes, small
 * enough that a GROUP BY with many groups stays small (buffers grow from 16). */
#define kMaxBatch 4096

/* ------------------------------------------------------------------------------------ */
/* Library objects owned by memory contexts                                              */

typedef enum handle_kind { HANDLE_HISTORY, HANDLE_QUANTILE, HANDLE_COMPOSITE } handle_kind;

typedef struct owned_handle {
  handle_kind kind;
  void* handle;
  MemoryContextCallback callback;
} owned_handle;

static void destroy_handle(void* arg) {
  owned_handle* owned = (owned_handle*)arg;
  switch (owned->kind) {
    case HANDLE_HISTORY: crm_history_state_destroy((crm_history_state*)owned->handle); break;
    case HANDLE_QUANTILE: crm_quantile_state_destroy((crm_quantile_state*)owned->handle); break;
    case HANDLE_COMPOSITE:
      crm_composite_state_destroy((crm_composite_state*)owned->handle);
      break;
  }
  owned->handle = NULL;
}

/* Gives `handle` to `context` (destroyed when it is reset or deleted). */
static owned_handle* own_handle(MemoryContext context, handle_kind kind, void* handle) {
  owned_handle* owned = NULL;
  PG_TRY();
  {
    owned = (owned_handle*)MemoryContextAllocZero(context, sizeof *owned);
  }
  PG_CATCH();
  {
    owned_handle temporary = {kind, handle, {NULL, NULL, NULL}};
    destroy_handle(&temporary);
    PG_RE_THROW();
  }
  PG_END_TRY();
  owned->kind = kind;
  owned->handle = handle;
  owned->callback.func = destroy_handle;
  owned->callback.arg = owned;
  MemoryContextRegisterResetCallback(context, &owned->callback);
  return owned;
}

static MemoryContext aggregate_context(FunctionCallInfo fcinfo, const char* sql_name) {
  MemoryContext context = NULL;
  if (!AggCheckCallContext(fcinfo, &context)) {
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("%s() called outside an aggregate", sql_name)));
  }
  return context;
}

static bytea* bytes_to_bytea(const uint8_t* bytes, size_t size) {
  bytea* out;
  if (size > MaxAllocSize - VARHDRSZ) {
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("crmcore state of %zu bytes exceeds the 1 GB limit of bytea", size)));
  }
  out = (bytea*)palloc(size + VARHDRSZ);
  SET_VARSIZE(out, size + VARHDRSZ);
  if (size > 0) memcpy(VARDATA(out), bytes, size);
  return out;
}

/* ------------------------------------------------------------------------------------ */
/* History aggregates (model fits)                                                       */

typedef struct hist_agg {
  int kind;               /* CRM_MODEL_* */
  const char* sql_name;   /* the aggregate, for messages */
  owned_handle* state;    /* crm_history_state */
  int n, capacity;        /* buffered rows */
  int64 rows;             /* rows seen (flushed and buffered), for messages */
  bool weighted;
  double* columns;        /* 4 * capacity: x, recency (or monetary), T, weight */
} hist_agg;

static hist_agg* hist_agg_new(MemoryContext context, int kind, const char* sql_name,
                              crm_history_state* from) {
  hist_agg* agg = (hist_agg*)MemoryContextAllocZero(context, sizeof *agg);
  crm_history_state* state = from;
  agg->kind = kind;
  agg->sql_name = sql_name;
  if (state == NULL) CRM_PG_CHECK(sql_name, crm_history_state_create(kind, &state));
  agg->state = own_handle(context, HANDLE_HISTORY, state);
  return agg;
}

/* Hands the buffered rows to the library. On a bad row, finds it (one row at a time) so
 * the message can name its place in the group. */
static void hist_agg_flush(hist_agg* agg) {
  crm_history_state* state = (crm_history_state*)agg->state->handle;
  const int c = agg->capacity, n = agg->n;
  const double* x = agg->columns;
  crm_status status;
  int i;
  if (n == 0) return;
  status = crm_history_state_add(state, x, x + c, x + 2 * c, x + c,
                                 agg->weighted ? x + 3 * c : NULL, (size_t)n);
  if (status == CRM_OK) {
    agg->n = 0;
    return;
  }
  if (status == CRM_ERR_INVALID_ARGUMENT) {
    for (i = 0; i < n; ++i) {
      status = crm_history_state_add(state, x + i, x + c + i, x + 2 * c + i, x + c + i,
                                     agg->weighted ? x + 3 * c + i : NULL, 1);
      if (status != CRM_OK) {
        char message[1100];
        strlcpy(message, crm_last_error(), sizeof message);
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s(): row %lld of the group: %s: %s", agg->sql_name,
                               (long long)(agg->rows - n + i), crm_status_name(status),
                               message)));
      }
    }
  }
  crm_pg_raise(agg->sql_name, status);
}

/* Shared transition: columns (frequency, second, third[, weight]) of one row. */
static Datum hist_transition(FunctionCallInfo fcinfo, int kind, const char* sql_name,
                             int n_columns, const char* const* arg_names) {
  MemoryContext context = aggregate_context(fcinfo, sql_name);
  hist_agg* agg = PG_ARGISNULL(0) ? NULL : (hist_agg*)PG_GETARG_POINTER(0);
  const bool weighted = PG_NARGS() > n_columns + 1;
  double row[4] = {0, 0, 0, 1};
  int i;
  if (agg == NULL) agg = hist_agg_new(context, kind, sql_name, NULL);
  for (i = 0; i < n_columns + (weighted ? 1 : 0); ++i) {
    if (PG_ARGISNULL(i + 1)) {
      /* Never dropped silently: the query filters NULLs out if that is what it means. */
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                      errmsg("%s(): argument %d (%s) is NULL in row %lld of the group",
                             sql_name, i + 1, i < n_columns ? arg_names[i] : "weight",
                             (long long)agg->rows)));
    }
    row[i < n_columns ? i : 3] = PG_GETARG_FLOAT8(i + 1);
  }
  agg->weighted = weighted;
  if (agg->n == agg->capacity) {
    if (agg->capacity == kMaxBatch) {
      hist_agg_flush(agg);
    } else {
      const int capacity = agg->capacity == 0 ? 16 : 2 * agg->capacity;
      double* columns = (double*)MemoryContextAlloc(context, 4 * (Size)capacity * sizeof(double));
      int k;
      for (k = 0; k < 4; ++k) {
        if (agg->n > 0) memcpy(columns + k * capacity, agg->columns + k * agg->capacity,
                               (size_t)agg->n * sizeof(double));
      }
      if (agg->columns != NULL) pfree(agg->columns);
      agg->columns = columns;
      agg->capacity = capacity;
    }
  }
  /* Gamma-Gamma reads (frequency, monetary): monetary sits in the second column, which
   * the flush passes as both recency and monetary (the kind reads only its own). */
  agg->columns[agg->n] = row[0];
  agg->columns[agg->capacity + agg->n] = row[1];
  agg->columns[2 * agg->capacity + agg->n] = row[2];
  agg->columns[3 * agg->capacity + agg->n] = row[3];
  ++agg->n;
  ++agg->rows;
  PG_RETURN_POINTER(agg);
}

static const char* const kPurchaseArgs[3] = {"frequency", "recency", "t"};
static const char* const kSpendArgs[2] = {"frequency", "monetary"};

PG_FUNCTION_INFO_V1(crm_pg_bgnbd_transition);
Datum crm_pg_bgnbd_transition(PG_FUNCTION_ARGS) {
  return hist_transition(fcinfo, CRM_MODEL_BGNBD, "crm_bgnbd_fit", 3, kPurchaseArgs);
}

PG_FUNCTION_INFO_V1(crm_pg_pareto_transition);
Datum crm_pg_pareto_transition(PG_FUNCTION_ARGS) {
  return hist_transition(fcinfo, CRM_MODEL_PARETO_NBD, "crm_pareto_fit", 3, kPurchaseArgs);
}

PG_FUNCTION_INFO_V1(crm_pg_mbgnbd_transition);
Datum crm_pg_mbgnbd_transition(PG_FUNCTION_ARGS) {
  return hist_transition(fcinfo, CRM_MODEL_MBGNBD, "crm_mbgnbd_fit", 3, kPurchaseArgs);
}

PG_FUNCTION_INFO_V1(crm_pg_gammagamma_transition);
Datum crm_pg_gammagamma_transition(PG_FUNCTION_ARGS) {
  return hist_transition(fcinfo, CRM_MODEL_GAMMA_GAMMA, "crm_gammagamma_fit", 2, kSpendArgs);
}

static const char* fit_name(int kind) {
  switch (kind) {
    case CRM_MODEL_BGNBD: return "crm_bgnbd_fit";
    case CRM_MODEL_PARETO_NBD: return "crm_pareto_fit";
    case CRM_MODEL_MBGNBD: return "crm_mbgnbd_fit";
    default: return "crm_gammagamma_fit";
  }
}

/* The state's bytes (flushing the buffer first). */
static bytea* hist_agg_bytes(hist_agg* agg) {
  crm_history_state* state;
  uint8_t* bytes;
  size_t size = 0;
  hist_agg_flush(agg);
  state = (crm_history_state*)agg->state->handle;
  CRM_PG_CHECK(agg->sql_name, crm_history_state_serialize(state, NULL, 0, &size));
  bytes = (uint8_t*)palloc(size);
  CRM_PG_CHECK(agg->sql_name, crm_history_state_serialize(state, bytes, size, &size));
  return bytes_to_bytea(bytes, size);
}

PG_FUNCTION_INFO_V1(crm_pg_history_serialize);
/* SERIALFUNC: internal → the C API's checksummed history-state bytes. */
Datum crm_pg_history_serialize(PG_FUNCTION_ARGS) {
  PG_RETURN_BYTEA_P(hist_agg_bytes((hist_agg*)PG_GETARG_POINTER(0)));
}

static crm_history_state* history_from_bytea(bytea* b, const char* sql_name) {
  crm_history_state* state = NULL;
  CRM_PG_CHECK(sql_name,
               crm_history_state_deserialize((const uint8_t*)VARDATA_ANY(b),
                                             VARSIZE_ANY_EXHDR(b), &state));
  return state;
}

PG_FUNCTION_INFO_V1(crm_pg_history_deserialize);
/* DESERIALFUNC: bytes → internal. */
Datum crm_pg_history_deserialize(PG_FUNCTION_ARGS) {
  MemoryContext context = aggregate_context(fcinfo, "crm_history_deserialize");
  crm_history_state* state = history_from_bytea(PG_GETARG_BYTEA_PP(0), "crm_history_deserialize");
  double kind = 0;
  hist_agg* agg;
  const crm_status status = crm_history_state_info(state, CRM_HISTORY_INFO_KIND, &kind);
  if (status != CRM_OK) {
    crm_history_state_destroy(state);
    crm_pg_raise("crm_history_deserialize", status);
  }
  agg = hist_agg_new(context, (int)kind, fit_name((int)kind), state);
  agg->rows = 1; /* not empty: the final step fits */
  PG_RETURN_POINTER(agg);
}

PG_FUNCTION_INFO_V1(crm_pg_history_combine);
/* COMBINEFUNC: merges two partial states (either may be NULL). */
Datum crm_pg_history_combine(PG_FUNCTION_ARGS) {
  MemoryContext context = aggregate_context(fcinfo, "crm_history_combine");
  hist_agg* into = PG_ARGISNULL(0) ? NULL : (hist_agg*)PG_GETARG_POINTER(0);
  hist_agg* from = PG_ARGISNULL(1) ? NULL : (hist_agg*)PG_GETARG_POINTER(1);
  if (from == NULL) {
    if (into == NULL) PG_RETURN_NULL();
    PG_RETURN_POINTER(into);
  }
  hist_agg_flush(from);
  if (into == NULL) into = hist_agg_new(context, from->kind, from->sql_name, NULL);
  hist_agg_flush(into);
  CRM_PG_CHECK(into->sql_name,
               crm_history_state_merge((crm_history_state*)into->state->handle,
                                       (const crm_history_state*)from->state->handle));
  into->rows += from->rows;
  PG_RETURN_POINTER(into);
}

/* Fits `kind` on the state and returns the fit JSON; an error when it did not converge. */
static Datum fit_state(const crm_history_state* state, int kind, const char* sql_name) {
  crm_model* model = NULL;
  int32_t converged = 0;
  double customers = 0;
  Datum json;
  CRM_PG_CHECK(sql_name, crm_model_fit_history_state(kind, state, NULL, &model));
  crm_pg_own_model(CurrentMemoryContext, model);
  json = crm_pg_fit_jsonb(model);
  CRM_PG_CHECK(sql_name, crm_model_converged(model, &converged));
  if (!converged) {
    crm_history_state_info(state, CRM_HISTORY_INFO_WEIGHT, &customers);
    /* The last iterate is no estimate: an error, with the report for diagnosis. */
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s(): the fit did not converge on %.0f customers: %s", sql_name,
                           customers,
                           DatumGetCString(DirectFunctionCall1(jsonb_out, json)))));
  }
  return json;
}

PG_FUNCTION_INFO_V1(crm_pg_fit_final);
/* FINALFUNC of the fit aggregates: the fit JSON (jsonb); NULL over no rows. */
Datum crm_pg_fit_final(PG_FUNCTION_ARGS) {
  hist_agg* agg = PG_ARGISNULL(0) ? NULL : (hist_agg*)PG_GETARG_POINTER(0);
  if (agg == NULL || agg->rows == 0) PG_RETURN_NULL();
  hist_agg_flush(agg);
  return fit_state((const crm_history_state*)agg->state->handle, agg->kind, agg->sql_name);
}

PG_FUNCTION_INFO_V1(crm_pg_history_final);
/* FINALFUNC of crm_bgnbd_state & co: the state's bytes, for crm_fit_from_states elsewhere.
 * Over no rows: the bytes of an empty state (it merges as a no-op). */
Datum crm_pg_history_final(PG_FUNCTION_ARGS) {
  hist_agg* agg = PG_ARGISNULL(0) ? NULL : (hist_agg*)PG_GETARG_POINTER(0);
  if (agg == NULL) PG_RETURN_NULL();
  PG_RETURN_BYTEA_P(hist_agg_bytes(agg));
}

/* ------------------------------------------------------------------------------------ */
/* Quantile aggregate                                                                    */

typedef struct quantile_agg {
  owned_handle* state; /* crm_quantile_state */
  int n, capacity;
  int64 rows;
  double* values;
} quantile_agg;

static quantile_agg* quantile_agg_new(MemoryContext context, crm_quantile_state* from) {
  quantile_agg* agg = (quantile_agg*)MemoryContextAllocZero(context, sizeof *agg);
  crm_quantile_state* state = from;
  if (state == NULL) {
    CRM_PG_CHECK("crm_quantile_state", crm_quantile_state_create(NULL, 0, &kOneThread, &state));
  }
  agg->state = own_handle(context, HANDLE_QUANTILE, state);
  return agg;
}

static void quantile_agg_flush(quantile_agg* agg) {
  if (agg->n == 0) return;
  CRM_PG_CHECK("crm_quantile_state",
               crm_quantile_state_update((crm_quantile_state*)agg->state->handle, agg->values,
                                         (size_t)agg->n, &kOneThread));
  agg->n = 0;
}

PG_FUNCTION_INFO_V1(crm_pg_quantile_transition);
/* crm_quantile_state(value): every value of the population, exactly. */
Datum crm_pg_quantile_transition(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_quantile_state";
  MemoryContext context = aggregate_context(fcinfo, name);
  quantile_agg* agg = PG_ARGISNULL(0) ? NULL : (quantile_agg*)PG_GETARG_POINTER(0);
  double value;
  if (agg == NULL) agg = quantile_agg_new(context, NULL);
  if (PG_ARGISNULL(1)) {
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                    errmsg("%s(): value is NULL in row %lld of the group", name,
                           (long long)agg->rows)));
  }
  value = PG_GETARG_FLOAT8(1);
  if (!isfinite(value)) {
    /* Checked here so the message names the row of the group, not of a batch. */
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s(): value must be finite, got %g in row %lld of the group", name,
                           value, (long long)agg->rows)));
  }
  if (agg->n == agg->capacity) {
    if (agg->capacity == kMaxBatch) {
      quantile_agg_flush(agg);
    } else {
      const int capacity = agg->capacity == 0 ? 16 : 2 * agg->capacity;
      double* values = (double*)MemoryContextAlloc(context, (Size)capacity * sizeof(double));
      if (agg->n > 0) memcpy(values, agg->values, (size_t)agg->n * sizeof(double));
      if (agg->values != NULL) pfree(agg->values);
      agg->values = values;
      agg->capacity = capacity;
    }
  }
  agg->values[agg->n++] = value;
  ++agg->rows;
  PG_RETURN_POINTER(agg);
}

static bytea* quantile_agg_bytes(quantile_agg* agg) {
  const crm_quantile_state* state;
  uint8_t* bytes;
  size_t size = 0;
  quantile_agg_flush(agg);
  state = (const crm_quantile_state*)agg->state->handle;
  CRM_PG_CHECK("crm_quantile_state", crm_quantile_state_serialize(state, NULL, 0, &size));
  bytes = (uint8_t*)palloc(size);
  CRM_PG_CHECK("crm_quantile_state", crm_quantile_state_serialize(state, bytes, size, &size));
  return bytes_to_bytea(bytes, size);
}

PG_FUNCTION_INFO_V1(crm_pg_quantile_serialize);
/* SERIALFUNC and FINALFUNC: the state's bytes. */
Datum crm_pg_quantile_serialize(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  PG_RETURN_BYTEA_P(quantile_agg_bytes((quantile_agg*)PG_GETARG_POINTER(0)));
}

static crm_quantile_state* quantile_from_bytea(bytea* b, const char* sql_name) {
  crm_quantile_state* state = NULL;
  CRM_PG_CHECK(sql_name,
               crm_quantile_state_deserialize((const uint8_t*)VARDATA_ANY(b),
                                              VARSIZE_ANY_EXHDR(b), &state));
  return state;
}

PG_FUNCTION_INFO_V1(crm_pg_quantile_deserialize);
Datum crm_pg_quantile_deserialize(PG_FUNCTION_ARGS) {
  MemoryContext context = aggregate_context(fcinfo, "crm_quantile_state");
  crm_quantile_state* state = quantile_from_bytea(PG_GETARG_BYTEA_PP(0), "crm_quantile_state");
  PG_RETURN_POINTER(quantile_agg_new(context, state));
}

PG_FUNCTION_INFO_V1(crm_pg_quantile_combine);
Datum crm_pg_quantile_combine(PG_FUNCTION_ARGS) {
  MemoryContext context = aggregate_context(fcinfo, "crm_quantile_state");
  quantile_agg* into = PG_ARGISNULL(0) ? NULL : (quantile_agg*)PG_GETARG_POINTER(0);
  quantile_agg* from = PG_ARGISNULL(1) ? NULL : (quantile_agg*)PG_GETARG_POINTER(1);
  if (from == NULL) {
    if (into == NULL) PG_RETURN_NULL();
    PG_RETURN_POINTER(into);
  }
  quantile_agg_flush(from);
  if (into == NULL) into = quantile_agg_new(context, NULL);
  quantile_agg_flush(into);
  CRM_PG_CHECK("crm_quantile_state",
               crm_quantile_state_merge((crm_quantile_state*)into->state->handle,
                                        (const crm_quantile_state*)from->state->handle));
  into->rows += from->rows;
  PG_RETURN_POINTER(into);
}

/* ------------------------------------------------------------------------------------ */
/* Scoring against a population state                                                    */

/* The quantile state of a bytea argument, cached in fn_extra while the bytes stay equal. */
typedef struct quantile_cache {
  bytea* bytes;
  owned_handle* state;
} quantile_cache;

static const crm_quantile_state* quantile_arg(FunctionCallInfo fcinfo, const char* sql_name) {
  bytea* b = PG_GETARG_BYTEA_PP(0);
  FmgrInfo* flinfo = fcinfo->flinfo;
  quantile_cache* cache = (quantile_cache*)flinfo->fn_extra;
  if (cache == NULL) {
    cache = (quantile_cache*)MemoryContextAllocZero(flinfo->fn_mcxt, sizeof *cache);
    flinfo->fn_extra = cache;
  }
  if (cache->bytes == NULL || VARSIZE_ANY_EXHDR(cache->bytes) != VARSIZE_ANY_EXHDR(b) ||
      memcmp(VARDATA_ANY(cache->bytes), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)) != 0) {
    crm_quantile_state* state = quantile_from_bytea(b, sql_name);
    bytea* copy;
    if (cache->state != NULL) {
      /* The previous state goes now; its callback then finds nothing to free. */
      crm_quantile_state_destroy((crm_quantile_state*)cache->state->handle);
      cache->state->handle = NULL;
    }
    cache->bytes = NULL;
    cache->state = own_handle(flinfo->fn_mcxt, HANDLE_QUANTILE, state);
    copy = (bytea*)MemoryContextAlloc(flinfo->fn_mcxt, VARSIZE_ANY_EXHDR(b) + VARHDRSZ);
    SET_VARSIZE(copy, VARSIZE_ANY_EXHDR(b) + VARHDRSZ);
    memcpy(VARDATA(copy), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
    cache->bytes = copy;
  }
  return (const crm_quantile_state*)cache->state->handle;
}

PG_FUNCTION_INFO_V1(crm_pg_value_tier);
/* crm_value_tier(state bytea, value float8) → 'vip' | 'major' | 'ordinary' | 'small':
 * the tier of `value` among the population of `state` (default pyramid fractions). */
Datum crm_pg_value_tier(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_value_tier";
  const crm_quantile_state* state = quantile_arg(fcinfo, name);
  const double value = PG_GETARG_FLOAT8(1);
  int8_t tier = 0;
  const char* id = NULL;
  CRM_PG_CHECK(name, crm_assign_value_tiers_with_state(&value, 1, state, NULL, &kOneThread, &tier));
  CRM_PG_CHECK(name, crm_taxonomy_id(CRM_TAXONOMY_VALUE_TIER, tier, &id));
  PG_RETURN_TEXT_P(cstring_to_text(id));
}

PG_FUNCTION_INFO_V1(crm_pg_rfm_score);
/* crm_rfm_score(state bytea, value float8, lower_is_better bool) → 1..5, the quintile of
 * `value` within the population of `state`. */
Datum crm_pg_rfm_score(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_rfm_score";
  const crm_quantile_state* state = quantile_arg(fcinfo, name);
  const double value = PG_GETARG_FLOAT8(1);
  const int32_t direction =
      PG_GETARG_BOOL(2) ? CRM_RFM_LOWER_IS_BETTER : CRM_RFM_HIGHER_IS_BETTER;
  int8_t score = 0;
  CRM_PG_CHECK(name, crm_rfm_quintiles_with_state(&value, 1, state, direction, &kOneThread,
                                                  &score));
  PG_RETURN_INT32(score);
}

/* ------------------------------------------------------------------------------------ */
/* Merging state bytes of any kind (a coordinator over several servers)                  */

typedef struct merge_agg {
  int state_kind; /* CRM_STATE_KIND_* */
  owned_handle* state;
} merge_agg;

static merge_agg* merge_agg_from_bytes(MemoryContext context, bytea* b, const char* sql_name) {
  const uint8_t* bytes = (const uint8_t*)VARDATA_ANY(b);
  const size_t length = VARSIZE_ANY_EXHDR(b);
  merge_agg* agg;
  int kind = 0;
  MemoryContext old;
  CRM_PG_CHECK(sql_name, crm_state_kind(bytes, length, &kind));
  old = MemoryContextSwitchTo(context);
  agg = (merge_agg*)palloc0(sizeof *agg);
  MemoryContextSwitchTo(old);
  agg->state_kind = kind;
  if (kind == CRM_STATE_KIND_HISTORY) {
    crm_history_state* s = NULL;
    CRM_PG_CHECK(sql_name, crm_history_state_deserialize(bytes, length, &s));
    agg->state = own_handle(context, HANDLE_HISTORY, s);
  } else if (kind == CRM_STATE_KIND_QUANTILE) {
    crm_quantile_state* s = NULL;
    CRM_PG_CHECK(sql_name, crm_quantile_state_deserialize(bytes, length, &s));
    agg->state = own_handle(context, HANDLE_QUANTILE, s);
  } else {
    crm_composite_state* s = NULL;
    CRM_PG_CHECK(sql_name, crm_composite_state_deserialize(bytes, length, &s));
    agg->state = own_handle(context, HANDLE_COMPOSITE, s);
  }
  return agg;
}

static void merge_into(merge_agg* into, const merge_agg* from, const char* sql_name) {
  if (into->state_kind != from->state_kind) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s(): cannot merge state bytes of kind %d into a state of kind %d "
                           "(1 composite, 2 quantile, 3 history)",
                           sql_name, from->state_kind, into->state_kind)));
  }
  switch (into->state_kind) {
    case CRM_STATE_KIND_HISTORY:
      CRM_PG_CHECK(sql_name, crm_history_state_merge((crm_history_state*)into->state->handle,
                                                     (const crm_history_state*)from->state->handle));
      break;
    case CRM_STATE_KIND_QUANTILE:
      CRM_PG_CHECK(sql_name,
                   crm_quantile_state_merge((crm_quantile_state*)into->state->handle,
                                            (const crm_quantile_state*)from->state->handle));
      break;
    default:
      CRM_PG_CHECK(sql_name,
                   crm_composite_state_merge((crm_composite_state*)into->state->handle,
                                             (const crm_composite_state*)from->state->handle));
      break;
  }
}

static bytea* merge_agg_bytes(const merge_agg* agg, const char* sql_name) {
  uint8_t* bytes;
  size_t size = 0;
  const void* h = agg->state->handle;
#define CRM_PG_SERIALIZE(fn, type)                                                    \
  do {                                                                                \
    CRM_PG_CHECK(sql_name, fn((const type*)h, NULL, 0, &size));                       \
    bytes = (uint8_t*)palloc(size);                                                   \
    CRM_PG_CHECK(sql_name, fn((const type*)h, bytes, size, &size));                   \
  } while (0)
  switch (agg->state_kind) {
    case CRM_STATE_KIND_HISTORY: CRM_PG_SERIALIZE(crm_history_state_serialize, crm_history_state); break;
    case CRM_STATE_KIND_QUANTILE: CRM_PG_SERIALIZE(crm_quantile_state_serialize, crm_quantile_state); break;
    default: CRM_PG_SERIALIZE(crm_composite_state_serialize, crm_composite_state); break;
  }
#undef CRM_PG_SERIALIZE
  return bytes_to_bytea(bytes, size);
}

PG_FUNCTION_INFO_V1(crm_pg_merge_transition);
/* crm_state_merge(bytes) / crm_fit_from_states(bytes): merges state bytes of one kind. A
 * NULL input (a shard with no rows) is skipped. */
Datum crm_pg_merge_transition(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_state_merge";
  MemoryContext context = aggregate_context(fcinfo, name);
  merge_agg* agg = PG_ARGISNULL(0) ? NULL : (merge_agg*)PG_GETARG_POINTER(0);
  merge_agg* from;
  if (PG_ARGISNULL(1)) {
    if (agg == NULL) PG_RETURN_NULL();
    PG_RETURN_POINTER(agg);
  }
  from = merge_agg_from_bytes(context, PG_GETARG_BYTEA_PP(1), name);
  if (agg == NULL) PG_RETURN_POINTER(from);
  merge_into(agg, from, name);
  PG_RETURN_POINTER(agg);
}

PG_FUNCTION_INFO_V1(crm_pg_merge_combine);
Datum crm_pg_merge_combine(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_state_merge";
  merge_agg* into = PG_ARGISNULL(0) ? NULL : (merge_agg*)PG_GETARG_POINTER(0);
  merge_agg* from = PG_ARGISNULL(1) ? NULL : (merge_agg*)PG_GETARG_POINTER(1);
  MemoryContext context = aggregate_context(fcinfo, name);
  if (from == NULL) {
    if (into == NULL) PG_RETURN_NULL();
    PG_RETURN_POINTER(into);
  }
  if (into == NULL) {
    /* A copy in this context: `from` may live in another. */
    PG_RETURN_POINTER(merge_agg_from_bytes(context, merge_agg_bytes(from, name), name));
  }
  merge_into(into, from, name);
  PG_RETURN_POINTER(into);
}

PG_FUNCTION_INFO_V1(crm_pg_merge_serialize);
/* SERIALFUNC and FINALFUNC of crm_state_merge: the merged state's bytes. */
Datum crm_pg_merge_serialize(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  PG_RETURN_BYTEA_P(merge_agg_bytes((merge_agg*)PG_GETARG_POINTER(0), "crm_state_merge"));
}

PG_FUNCTION_INFO_V1(crm_pg_merge_deserialize);
Datum crm_pg_merge_deserialize(PG_FUNCTION_ARGS) {
  MemoryContext context = aggregate_context(fcinfo, "crm_state_merge");
  PG_RETURN_POINTER(merge_agg_from_bytes(context, PG_GETARG_BYTEA_PP(0), "crm_state_merge"));
}

PG_FUNCTION_INFO_V1(crm_pg_fit_from_states_final);
/* FINALFUNC of crm_fit_from_states: the fit of the merged history state's model kind. */
Datum crm_pg_fit_from_states_final(PG_FUNCTION_ARGS) {
  static const char* const name = "crm_fit_from_states";
  merge_agg* agg = PG_ARGISNULL(0) ? NULL : (merge_agg*)PG_GETARG_POINTER(0);
  double kind = 0;
  if (agg == NULL) PG_RETURN_NULL();
  if (agg->state_kind != CRM_STATE_KIND_HISTORY) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s(): the states are of kind %d, not history states (3) made by "
                           "crm_bgnbd_state, crm_pareto_state, crm_mbgnbd_state or "
                           "crm_gammagamma_state",
                           name, agg->state_kind)));
  }
  CRM_PG_CHECK(name, crm_history_state_info((const crm_history_state*)agg->state->handle,
                                            CRM_HISTORY_INFO_KIND, &kind));
  return fit_state((const crm_history_state*)agg->state->handle, (int)kind, name);
}

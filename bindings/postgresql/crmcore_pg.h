/* crmcore_pg.h — shared pieces of the PostgreSQL extension (bindings/postgresql).
 *
 * The extension is C against the stable C API (crmcore.h) and PostgreSQL's server API; no
 * C++ crosses the boundary. Every crm_status error becomes ereport(ERROR) carrying the
 * library's message; CRM_ERR_NO_MEMORY becomes PostgreSQL's out-of-memory error. Objects
 * the library allocates (models, states) are owned by PostgreSQL memory contexts through
 * reset callbacks, so an error or a cancelled query never leaks them. */
#ifndef CRMCORE_PG_H_
#define CRMCORE_PG_H_

#include "postgres.h"

#include "fmgr.h"
#include "utils/jsonb.h"

#include "crmcore.h"

/* Raises the SQL error of a failed library call: "FUNCTION(): CRM_ERR_...: message". */
void crm_pg_raise(const char* sql_name, crm_status status) pg_attribute_noreturn();

/* Calls `call` and raises its error, if any. */
#define CRM_PG_CHECK(sql_name, call)                    \
  do {                                                  \
    const crm_status crm_pg_status_ = (call);           \
    if (crm_pg_status_ != CRM_OK) crm_pg_raise((sql_name), crm_pg_status_); \
  } while (0)

/* Destroys a library object when memory context `context` is reset or deleted. */
void crm_pg_own_model(MemoryContext context, crm_model* model);

/* The model of jsonb argument `argno`: a model file (crm_bgnbd_fit's jsonb, `crmcore fit
 * --out`), or {"model": ..., "params": {...}}; cached in the function's fn_extra while the
 * argument stays the same. Errors: an SQL error naming what is missing or wrong. */
const crm_model* crm_pg_model_arg(FunctionCallInfo fcinfo, int argno, const char* sql_name);

/* The model file of a fitted model (crm_model_to_json, what `crmcore fit --out` writes),
 * as a jsonb datum. */
Datum crm_pg_fit_jsonb(const crm_model* model);

#endif /* CRMCORE_PG_H_ */

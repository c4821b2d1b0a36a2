/*
 * crmcore.h — the stable C API of crmcore (C99; also compiles as C++).
 *
 * One header, read top to bottom: version, status and errors, taxonomies, scalar
 * formulas. Later sections (batch scoring, mergeable partial states, ingest, models)
 * follow the same conventions:
 *
 *   Status.     Every fallible function returns a crm_status: CRM_OK (0) or a
 *               CRM_ERR_* code. Results come back through out-pointers, which are left
 *               unchanged on error. Hosts must treat any unknown non-zero code as an error:
 *               new codes may be added in a minor release.
 *   Messages.   After any call that returns a crm_status, crm_last_error() describes the
 *               outcome ("" after CRM_OK). The message is thread-local and never NULL.
 *   Ownership.  Strings returned through `const char**` are static: never free them.
 *               Pointers passed in are borrowed for the duration of the call only.
 *   Structs.    Options and facts structs begin with `size_t struct_size`. Fill one with
 *               its CRM_*_INIT macro or its crm_*_init() function (for FFI hosts, which
 *               cannot see macros); a struct_size the library does not know is rejected
 *               with CRM_ERR_INVALID_ARGUMENT. Fields are only ever appended.
 *   Enums.      Numeric values are stable forever; values the library does not know (and
 *               boolean fields other than 0 or 1) are rejected, never ignored.
 *   Threads.    Every function in this header is pure (no hidden state other than the
 *               per-thread error message) and may be called from any number of threads
 *               at once.
 *   Exceptions. None crosses this boundary; out of memory is CRM_ERR_NO_MEMORY.
 *   Handles.    (Later sections.) Opaque pointers made by crm_<noun>_create and freed by
 *               crm_<noun>_destroy (NULL is a no-op); their results are read through
 *               accessor functions, never through exposed structs. Arrays passed with an
 *               explicit length are borrowed for the call (zero copy) and never retained.
 *   Stability.  Everything in this header is stable ABI. New calls start in a separate
 *               experimental header outside this promise until they are settled.
 *
 * Link with -lcrmcore_c (pkg-config crmcore_c; CMake: find_package(crmcore) and the
 * target crmcore::c). Only symbols starting with crm_ are exported.
 */
#ifndef CRMCORE_C_H_
#define CRMCORE_C_H_

#include <stddef.h>
#include <stdint.h>

/* CRM_API marks the exported functions; everything else in the library is hidden. */
#if defined(_WIN32)
#  if defined(CRM_BUILDING_LIBRARY)
#    define CRM_API __declspec(dllexport)
#  else
#    define CRM_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define CRM_API __attribute__((visibility("default")))
#else
#  define CRM_API
#endif

/* In C++ the API's enums get a fixed underlying type int, so that any int a C host passes
 * (an unknown value included) is a valid value there and can be rejected; without it, C++
 * would treat a value outside the enumerators' range as undefined behaviour. Same size and
 * calling convention as the C enum. */
#ifdef __cplusplus
#  define CRM_ENUM_INT_ : int
#else
#  define CRM_ENUM_INT_
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The result of every fallible call: CRM_OK (0) or one of the CRM_ERR_* codes below. */
typedef int crm_status;

/* =========================================================================
 * Version
 * ========================================================================= */

/* The version of this header. The major version is also the ABI version: it is the
 * SONAME suffix (libcrmcore_c.so.0) and changes only with an incompatible change. */
#define CRM_VERSION_MAJOR 0
#define CRM_VERSION_MINOR 1
#define CRM_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH: comparable with <, like ZSTD_VERSION_NUMBER. */
#define CRM_VERSION_NUMBER \
  (CRM_VERSION_MAJOR * 10000 + CRM_VERSION_MINOR * 100 + CRM_VERSION_PATCH)

/* The version of the library actually loaded, encoded as CRM_VERSION_NUMBER. It differs
 * from the macro when the program was compiled against another header. Thread-safe. */
CRM_API int crm_version_number(void);

/* The loaded library's version as "MAJOR.MINOR.PATCH". Static string: never free it.
 * Thread-safe. */
CRM_API const char* crm_version_string(void);

/* Checks that the loaded library can serve a program compiled against a header of major
 * version `header_major`; call it once at start-up as CRM_CHECK_VERSION(). Dynamic
 * linking already binds to the SONAME; this check protects hosts that load the library
 * by path (ctypes, dlopen). Returns CRM_OK when the majors are equal, CRM_ERR_VERSION
 * otherwise (the message names both versions). Thread-safe. */
CRM_API crm_status crm_check_version(int header_major);
#define CRM_CHECK_VERSION() crm_check_version(CRM_VERSION_MAJOR)

/* =========================================================================
 * Status codes and error messages
 * ========================================================================= */

#define CRM_OK 0
/* A NULL pointer, a wrong struct_size, an unknown enum value or flag, a value outside its
 * domain (NaN, negative where it must be positive, unordered thresholds, ...). */
#define CRM_ERR_INVALID_ARGUMENT 1
/* The inputs are valid but the result does not fit (a double overflows). */
#define CRM_ERR_OUT_OF_RANGE 2
/* A named thing does not exist (a file, a customer id). */
#define CRM_ERR_NOT_FOUND 3
/* Memory could not be allocated. */
#define CRM_ERR_NO_MEMORY 4
/* A bug in crmcore: please report it with the message. */
#define CRM_ERR_INTERNAL 5
/* The library's major version differs from the header's (crm_check_version). */
#define CRM_ERR_VERSION 6
/* The call is not valid in the object's current state (e.g. a model that did not converge,
 * a state with no data). */
#define CRM_ERR_FAILED_PRECONDITION 7
/* The operating system refused access to a file. */
#define CRM_ERR_PERMISSION_DENIED 8
/* Reading or writing failed, or bytes to be deserialized are corrupt or truncated. */
#define CRM_ERR_IO 9
/* The request is understood but this build does not support it. */
#define CRM_ERR_UNSUPPORTED 10

/* The code's name as a static string, e.g. "CRM_ERR_INVALID_ARGUMENT";
 * "CRM_ERR_UNKNOWN" for a code this library does not define. Never NULL, never free it.
 * Does not change crm_last_error(). Thread-safe. */
CRM_API const char* crm_status_name(crm_status status);

/* The message of the last call on this thread that returned a crm_status: "" after
 * CRM_OK, a sentence naming the function, the parameter and the offending value after an
 * error (UTF-8, at most 1023 bytes; longer messages are cut and end in "..."). Never NULL.
 * The pointer belongs to the library and stays valid, unchanged, until the next crmcore
 * call on the same thread (other than crm_last_error and crm_status_name); copy it to
 * keep it. Each thread has its own message, so threads never see each other's errors. */
CRM_API const char* crm_last_error(void);

/* =========================================================================
 * Taxonomies
 * ========================================================================= */

/* Every classification taxonomy of the domain (DOMAIN.md §1–8). Each taxonomy's values are
 * the ints 0 .. count-1, stable forever; read them with crm_taxonomy_id/label, or use the
 * value macros below for the taxonomies that the formulas return. */
typedef enum crm_taxonomy CRM_ENUM_INT_ {
  CRM_TAXONOMY_CUSTOMER_KIND = 0,
  CRM_TAXONOMY_INDIVIDUAL_FACET = 1,
  CRM_TAXONOMY_ENTERPRISE_FACET = 2,
  CRM_TAXONOMY_INFORMATION_CHANNEL_KIND = 3,
  CRM_TAXONOMY_INFORMATION_CHANNEL = 4,
  CRM_TAXONOMY_INTERACTION_KIND = 5,
  CRM_TAXONOMY_RELATIONSHIP_STAGE = 6,
  CRM_TAXONOMY_VALUE_TIER = 7,
  CRM_TAXONOMY_LOYALTY_CLASS = 8,
  CRM_TAXONOMY_REACTION_TYPE = 9,
  CRM_TAXONOMY_RELATIONSHIP_NATURE = 10,
  CRM_TAXONOMY_CUSTOMER_SOURCE = 11,
  CRM_TAXONOMY_NEED_SEGMENT = 12,
  CRM_TAXONOMY_USAGE_SIZE = 13,
  CRM_TAXONOMY_SEGMENTATION_AXIS = 14,
  CRM_TAXONOMY_PROFITABILITY_QUADRANT = 15,
  CRM_TAXONOMY_CHURN_TYPE = 16,
  CRM_TAXONOMY_RELATIONSHIP_TYPE = 17,
  CRM_TAXONOMY_COMMUNICATION_STYLE = 18,
  CRM_TAXONOMY_RELATIONSHIP_BOND = 19,
  CRM_TAXONOMY_SATISFACTION_LEVEL = 20,
  CRM_TAXONOMY_SATISFACTION_INDICATOR = 21,
  CRM_TAXONOMY_LADDER_RUNG = 22,
  CRM_TAXONOMY_LOYALTY_LEVEL = 23,
  CRM_TAXONOMY_LOYALTY_INDICATOR = 24,
  CRM_TAXONOMY_LOYALTY_MEASURE_GROUP = 25,
  CRM_TAXONOMY_COMPOSITE_COMPONENT = 26,
  CRM_TAXONOMY_NORMALIZER_KIND = 27,
  CRM_TAXONOMY_SCORECARD_CRITERION = 28,
  CRM_TAXONOMY_SCORECARD_GRADE = 29,
  CRM_TAXONOMY_LIFECYCLE_STAGE = 30,
  CRM_TAXONOMY_MANAGEMENT_PHASE = 31,
  CRM_TAXONOMY_COMPLAINT_STAGE = 32,
  CRM_TAXONOMY_COMPLAINT_CAUSE = 33,
  CRM_TAXONOMY_COMPLAINT_HANDLING_STEP = 34,
  CRM_TAXONOMY_GRADING_ACTION = 35
} crm_taxonomy;

/* Number of taxonomies this header knows; a newer library may know more. */
#define CRM_TAXONOMY_COUNT 36

/* The language of a display label. */
typedef enum crm_language CRM_ENUM_INT_ {
  CRM_LANGUAGE_EN = 0, /* English display label */
  CRM_LANGUAGE_ZH = 1  /* the original Chinese label of the course material (UTF-8) */
} crm_language;

/* Values of the taxonomies that the formulas below return or read. */
#define CRM_SATISFACTION_DISSATISFIED 0
#define CRM_SATISFACTION_SATISFIED 1
#define CRM_SATISFACTION_VERY_SATISFIED 2

#define CRM_LADDER_SUSPECT 0
#define CRM_LADDER_PROSPECT 1
#define CRM_LADDER_DISQUALIFIED_PROSPECT 2
#define CRM_LADDER_FIRST_TIME_CUSTOMER 3
#define CRM_LADDER_REPEAT_CUSTOMER 4
#define CRM_LADDER_CLIENT 5
#define CRM_LADDER_ADVOCATE 6

#define CRM_SCORECARD_CREDIT 0
#define CRM_SCORECARD_FINANCIAL_STATUS 1
#define CRM_SCORECARD_MARKET_COVERAGE 2
#define CRM_SCORECARD_SALES_CAPABILITY 3
#define CRM_SCORECARD_PRODUCT_LINE 4
#define CRM_SCORECARD_MANAGEMENT_CAPABILITY 5
#define CRM_SCORECARD_MANAGEMENT_STABILITY 6
#define CRM_SCORECARD_SCALE 7
#define CRM_SCORECARD_REPUTATION 8
#define CRM_SCORECARD_ATTITUDE 9
#define CRM_SCORECARD_CRITERION_COUNT 10

#define CRM_GRADE_A 0
#define CRM_GRADE_B 1
#define CRM_GRADE_C 2

/* Writes the number of values of taxonomy `t` to *out.
 * Errors: CRM_ERR_INVALID_ARGUMENT for an unknown `t` or a NULL `out`. Thread-safe. */
CRM_API crm_status crm_taxonomy_count(crm_taxonomy t, size_t* out);

/* Writes the taxonomy's own identifier (e.g. "ladder_rung") to *out: a static,
 * NUL-terminated string, never freed.
 * Errors: CRM_ERR_INVALID_ARGUMENT for an unknown `t` or a NULL `out`. Thread-safe. */
CRM_API crm_status crm_taxonomy_name(crm_taxonomy t, const char** out);

/* Writes the English identifier of value `value` of taxonomy `t` (snake_case, e.g.
 * "first_time_customer"; what files and crm_taxonomy_parse use) to *out: a static,
 * NUL-terminated string, never freed.
 * Errors: CRM_ERR_INVALID_ARGUMENT for an unknown `t`, a value outside 0 .. count-1, or a
 * NULL `out`. Thread-safe. */
CRM_API crm_status crm_taxonomy_id(crm_taxonomy t, int value, const char** out);

/* Writes the display label of value `value` of taxonomy `t` in language `lang` to *out:
 * a static, NUL-terminated UTF-8 string, never freed.
 * Errors: CRM_ERR_INVALID_ARGUMENT for an unknown `t` or `lang`, a value outside
 * 0 .. count-1, or a NULL `out`. Thread-safe. */
CRM_API crm_status crm_taxonomy_label(crm_taxonomy t, int value, crm_language lang,
                                      const char** out);

/* Parses an English identifier of taxonomy `t` exactly (case-sensitive, no trimming) and
 * writes its value to *out. `text` is a NUL-terminated string, borrowed for the call.
 * Errors: CRM_ERR_INVALID_ARGUMENT for an unknown `t`, a NULL `text` or `out`, text that
 * is not valid UTF-8, or text that is no identifier of `t` (the message lists the accepted
 * identifiers). Thread-safe. */
CRM_API crm_status crm_taxonomy_parse(crm_taxonomy t, const char* text, int* out);

/* =========================================================================
 * Scalar formulas
 * ========================================================================= */

/* --- Satisfaction (DOMAIN.md §3) --------------------------------------- */

/* Writes the satisfaction degree C = B / A (§3.1) to *out: perceived value B over
 * expectation A. B may be zero or negative (delivered value can be), A must be > 0.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a non-finite B, a non-finite or non-positive A, or a
 * NULL `out`; CRM_ERR_OUT_OF_RANGE when the quotient overflows. Pure, thread-safe. */
CRM_API crm_status crm_satisfaction_ratio(double perceived_value_b, double expectation_a,
                                          double* out);

/* Thresholds on C separating the three satisfaction levels (§3.2). Each threshold belongs
 * to the higher level. Defaults: satisfied 1.0 (expectation met), very_satisfied 1.2
 * (exceeded by 20 %). Valid when both are finite and 0 < satisfied < very_satisfied. */
typedef struct crm_satisfaction_thresholds {
  size_t struct_size; /* sizeof(crm_satisfaction_thresholds) */
  double satisfied;
  double very_satisfied;
} crm_satisfaction_thresholds;

#define CRM_SATISFACTION_THRESHOLDS_INIT {sizeof(crm_satisfaction_thresholds), 1.0, 1.2}

/* Fills *thresholds with the defaults; `struct_size` is the caller's
 * sizeof(crm_satisfaction_thresholds), so the library never writes past the caller's
 * struct. Errors: CRM_ERR_INVALID_ARGUMENT for NULL or an unknown struct_size. */
CRM_API crm_status crm_satisfaction_thresholds_init(crm_satisfaction_thresholds* thresholds,
                                                    size_t struct_size);

/* Writes the satisfaction level (CRM_SATISFACTION_*) of degree C to *out (§3.2):
 * C < satisfied → dissatisfied; C < very_satisfied → satisfied; else very satisfied.
 * `thresholds` is borrowed; NULL means the defaults.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a non-finite C, invalid thresholds or a wrong
 * struct_size, or a NULL `out`. Pure, thread-safe. */
CRM_API crm_status crm_satisfaction_level(double c,
                                          const crm_satisfaction_thresholds* thresholds,
                                          int* out);

/* --- Loyalty ladder (DOMAIN.md §4.1) ----------------------------------- */

/* What the host knows about one customer. Boolean fields take 0 or 1 only.
 * `active_periods_in_window` counts the periods, among the last client_window_periods,
 * holding at least one purchase. `survey_score` (an NPS answer, 0..10) is read only when
 * `has_survey_score` is 1. The INIT values describe a suspect: no facts at all. */
typedef struct crm_ladder_facts {
  size_t struct_size; /* sizeof(crm_ladder_facts) */
  int32_t qualified_need;    /* 1: needs what the firm sells */
  int32_t qualified_ability; /* 1: ...and can pay for it */
  int32_t disqualified_flag; /* 1: the host screened the customer out */
  int32_t active_periods_in_window;
  int64_t purchase_count;
  int64_t referrals; /* customers this one referred */
  int32_t has_survey_score;
  int32_t survey_score;
} crm_ladder_facts;

#define CRM_LADDER_FACTS_INIT {sizeof(crm_ladder_facts), 0, 0, 0, 0, 0, 0, 0, 0}

/* Fills *facts with the INIT values (all zero); see crm_satisfaction_thresholds_init for
 * `struct_size`. Errors: CRM_ERR_INVALID_ARGUMENT for NULL or an unknown struct_size. */
CRM_API crm_status crm_ladder_facts_init(crm_ladder_facts* facts, size_t struct_size);

/* Thresholds of the ladder's default rule (§4.1). Defaults: purchases in at least 3 of the
 * last 4 periods make a client; a client with >= 1 referral or a survey score >= 9
 * (an NPS promoter) is an advocate. Valid when 1 <= client_min_active_periods <=
 * client_window_periods, 0 <= promoter_min_score <= 10, advocate_min_referrals >= 1. */
typedef struct crm_ladder_rule {
  size_t struct_size; /* sizeof(crm_ladder_rule) */
  int32_t client_min_active_periods;
  int32_t client_window_periods;
  int32_t promoter_min_score;
  int64_t advocate_min_referrals;
} crm_ladder_rule;

#define CRM_LADDER_RULE_INIT {sizeof(crm_ladder_rule), 3, 4, 9, 1}

/* Fills *rule with the defaults; see crm_satisfaction_thresholds_init for `struct_size`.
 * Errors: CRM_ERR_INVALID_ARGUMENT for NULL or an unknown struct_size. */
CRM_API crm_status crm_ladder_rule_init(crm_ladder_rule* rule, size_t struct_size);

/* Writes the ladder rung (CRM_LADDER_*) of one customer to *out (§4.1). First match wins:
 * no purchase → disqualified prospect if flagged, suspect without a qualified need,
 * disqualified prospect without ability, else prospect; one purchase → first-time
 * customer; fewer active periods than the rule's minimum → repeat customer; otherwise a
 * client, or an advocate with enough referrals or a promoter's survey score.
 * `facts` and `rule` are borrowed; a NULL `rule` means the defaults.
 * Errors: CRM_ERR_INVALID_ARGUMENT for NULL `facts` or `out`, a wrong struct_size, a
 * boolean field other than 0/1, impossible facts (negative counts, more active periods
 * than purchases or than the window, survey score outside 0..10) or an invalid rule.
 * Pure, thread-safe. */
CRM_API crm_status crm_ladder_rung(const crm_ladder_facts* facts, const crm_ladder_rule* rule,
                                   int* out);

/* --- Retention economics (DOMAIN.md §4.4) ------------------------------ */

/* Writes the retention-based lifetime value V = m (1 + d) / (1 + d - r) to *out: margin m
 * per period, received now and each further period the customer stays (probability r),
 * discounted at rate d per period (Gupta & Lehmann 2003, infinite horizon).
 * m may be negative; r must lie in [0, 1); d must be finite and >= 0.
 * Errors: CRM_ERR_INVALID_ARGUMENT for inputs outside those ranges (NaN included) or a
 * NULL `out`; CRM_ERR_OUT_OF_RANGE when V overflows. Pure, thread-safe. */
CRM_API crm_status crm_retention_value(double margin, double retention, double discount,
                                       double* out);

/* --- Enterprise evaluation scorecard (DOMAIN.md §5) -------------------- */

/* Cut-offs on the 1–5 weighted score: A for score >= a_min, B for score >= b_min, C below.
 * Defaults: a_min 4.0 ("good"), b_min 3.0 (the scale's midpoint). Valid when both lie in
 * [1, 5] and a_min > b_min. */
typedef struct crm_grade_cutoffs {
  size_t struct_size; /* sizeof(crm_grade_cutoffs) */
  double a_min;
  double b_min;
} crm_grade_cutoffs;

#define CRM_GRADE_CUTOFFS_INIT {sizeof(crm_grade_cutoffs), 4.0, 3.0}

/* Fills *cutoffs with the defaults; see crm_satisfaction_thresholds_init for
 * `struct_size`. Errors: CRM_ERR_INVALID_ARGUMENT for NULL or an unknown struct_size. */
CRM_API crm_status crm_grade_cutoffs_init(crm_grade_cutoffs* cutoffs, size_t struct_size);

/* Writes the weighted scorecard score to *out: the weights' normalized mean of the ten
 * criterion scores, each on 1..5, indexed by CRM_SCORECARD_*. `weights` (ten finite values
 * >= 0, not all zero; only their ratios matter) may be NULL for equal weights; a criterion
 * of weight 0 is unused and its score not read. Both arrays are borrowed.
 * Errors: CRM_ERR_INVALID_ARGUMENT for NULL `scores` or `out`, a used score that is NaN or
 * outside [1, 5], or invalid weights; the message names the criterion. Pure, thread-safe. */
CRM_API crm_status crm_scorecard_score(const double scores[CRM_SCORECARD_CRITERION_COUNT],
                                       const double weights[CRM_SCORECARD_CRITERION_COUNT],
                                       double* out);

/* Writes the grade (CRM_GRADE_*) of the weighted score (see crm_scorecard_score) to *out.
 * `cutoffs` is borrowed; NULL means the defaults.
 * Errors: those of crm_scorecard_score, and CRM_ERR_INVALID_ARGUMENT for invalid cut-offs
 * or a wrong struct_size. Pure, thread-safe. */
CRM_API crm_status crm_scorecard_grade(const double scores[CRM_SCORECARD_CRITERION_COUNT],
                                       const double weights[CRM_SCORECARD_CRITERION_COUNT],
                                       const crm_grade_cutoffs* cutoffs, int* out);

/* =========================================================================
 * Batch scoring over caller-owned columns (the engine, include/crmcore/engine.h)
 * ========================================================================= */

/* (end of batch scoring) */

/* =========================================================================
 * Mergeable partial states (include/crmcore/engine_state.h)
 * ========================================================================= */

/* (end of partial states) */

/* =========================================================================
 * Transaction-log ingest and the RFM summary table
 * ========================================================================= */

/* (end of ingest) */

/* =========================================================================
 * Lifetime-value models: BG/NBD, Pareto/NBD, Gamma-Gamma, CLV
 * ========================================================================= */

/* (end of models) */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CRMCORE_C_H_ */

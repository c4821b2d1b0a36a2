/*
 * crmcore.h — the stable C API of crmcore (C99; also compiles as C++).
 *
 * One header, read top to bottom: version, status and errors, taxonomies, scalar
 * formulas, batch scoring over caller-owned columns, mergeable partial states,
 * transaction-log ingest into a summary table, lifetime-value models and CLV. Every section
 * follows the same conventions (docs/c-api.md has the overview and a worked example):
 *
 *   Status.     Every fallible function returns a crm_status: CRM_OK (0) or a
 *               CRM_ERR_* code. Results come back through out-pointers, which are left
 *               unchanged on error. Hosts must treat any unknown non-zero code as an error:
 *               new codes may be added in a minor release.
 *   Messages.   After any call that returns a crm_status, crm_last_error() describes the
 *               outcome ("" after CRM_OK). The message is thread-local and never NULL.
 *   Ownership.  Strings returned through `const char**` are static, or borrowed from the
 *               handle they were read from and valid until it is destroyed (each
 *               function says which): never free them. Pointers passed in are borrowed
 *               for the duration of the call only.
 *   Structs.    Options and facts structs begin with `size_t struct_size`. Fill one with
 *               its CRM_*_INIT macro or its crm_*_init() function (for FFI hosts, which
 *               cannot see macros); a struct_size the library does not know is rejected
 *               with CRM_ERR_INVALID_ARGUMENT. Fields are only ever appended.
 *   Enums.      Numeric values are stable forever; values the library does not know (and
 *               boolean fields other than 0 or 1) are rejected, never ignored.
 *   Threads.    Every function in this header has no hidden state other than the
 *               per-thread error message and may be called from any number of threads
 *               at once. A handle passed as const may be shared by concurrent calls; a
 *               call given a non-const handle (one it changes, or destroys) needs
 *               exclusive access to that handle. Each function's comment says which.
 *   Exceptions. None crosses this boundary; out of memory is CRM_ERR_NO_MEMORY.
 *   Handles.    Opaque pointers made by crm_<noun>_create (or _load_*, _fit*,
 *               _deserialize) and freed by crm_<noun>_destroy (NULL is a no-op); their
 *               results are read through accessor functions, never through exposed
 *               structs. Using a destroyed handle is undefined; Debug builds of the
 *               library detect it (CRM_ERR_INVALID_ARGUMENT, "not a live handle") and
 *               ignore a second destroy. Arrays passed with an explicit length are
 *               borrowed for the call (zero copy) and never retained.
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
 * SONAME suffix (libcrmcore_c.so.0) and changes only with an incompatible change; the
 * minor version grows when functions are added (0.2: crm_engine_target; 0.3: the MBG/NBD,
 * BG/BB and sBG models). */
#define CRM_VERSION_MAJOR 0
#define CRM_VERSION_MINOR 3
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

/* Every classification taxonomy of the domain (docs/domain.md §1–8). Each taxonomy's values are
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

/* --- Satisfaction (docs/domain.md §3) ---------------------------------- */

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

/* --- Loyalty ladder (docs/domain.md §4.1) ------------------------------ */

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

/* --- Retention economics (docs/domain.md §4.4) ------------------------- */

/* Writes the retention-based lifetime value V = m (1 + d) / (1 + d - r) to *out: margin m
 * per period, received now and each further period the customer stays (probability r),
 * discounted at rate d per period (Gupta & Lehmann 2003, infinite horizon).
 * m may be negative; r must lie in [0, 1); d must be finite and >= 0.
 * Errors: CRM_ERR_INVALID_ARGUMENT for inputs outside those ranges (NaN included) or a
 * NULL `out`; CRM_ERR_OUT_OF_RANGE when V overflows. Pure, thread-safe. */
CRM_API crm_status crm_retention_value(double margin, double retention, double discount,
                                       double* out);

/* --- Enterprise evaluation scorecard (docs/domain.md §5) --------------- */

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

/* The vectorized engine over columns of one value per customer. Arrays are borrowed for
 * the call and read in place (zero copy: a float64 column under CRM_MISSING_NAN is never
 * copied; other types are converted one block of 16384 rows at a time). Results are
 * bit-identical for any thread count, and equal the C++ engine's (crmcore::engine).
 *
 * Output arrays: `out` arrays are caller-owned, of the stated length. On error their
 * contents are unspecified (they may be partly written); every other out-pointer is left
 * unchanged on error.
 *
 * Threads: every function of this section may be called from any number of threads at
 * once. A handle argument passed as `const` may be shared by concurrent calls; one that is
 * not const (a state being updated or merged into) must not be used by any other call
 * while the call runs. Each call runs its own worker threads (crm_engine_options.threads)
 * and joins them before it returns. */

/* Element types of a column. */
#define CRM_COLUMN_FLOAT64 0 /* double */
#define CRM_COLUMN_FLOAT32 1 /* float, converted to double exactly */
#define CRM_COLUMN_INT64 2   /* int64_t, converted to double (exact up to 2^53) */

/* A borrowed column: `length` values of `type` at `data` (NULL only when length is 0),
 * and an optional validity bitmap in Apache Arrow's layout (bit i % 8 of byte i / 8, least
 * significant bit first; 1 = present) of at least (length + 7) / 8 bytes, read only under
 * CRM_MISSING_VALIDITY_BITMAP. The memory stays the caller's and is not retained. */
typedef struct crm_column {
  size_t struct_size; /* sizeof(crm_column) */
  int32_t type;       /* CRM_COLUMN_* */
  const void* data;
  size_t length;
  const uint8_t* validity; /* NULL: every value present */
} crm_column;

#define CRM_COLUMN_INIT {sizeof(crm_column), CRM_COLUMN_FLOAT64, NULL, 0, NULL}

/* Fills *column with CRM_COLUMN_INIT (an empty float64 column); see
 * crm_satisfaction_thresholds_init for `struct_size`.
 * Errors: CRM_ERR_INVALID_ARGUMENT for NULL or an unknown struct_size. */
CRM_API crm_status crm_column_init(crm_column* column, size_t struct_size);

/* How a missing value is marked in the columns (what a missing value MEANS is the plan's
 * missing policy). */
#define CRM_MISSING_NAN 0 /* NaN is missing; validity bitmaps are not allowed */
/* A column's validity bitmap marks missing values (none without a bitmap); a NaN in a
 * valid slot is then an invalid value, like an infinity. */
#define CRM_MISSING_VALIDITY_BITMAP 1

/* Options of every call of this section; NULL means CRM_ENGINE_OPTIONS_INIT.
 * `threads`: worker threads per call, 0 = the hardware concurrency, 1 = the calling thread
 * only, at most 1024. Results do not depend on it. `missing_encoding`: CRM_MISSING_*; only
 * the composite and satisfaction index calls read columns with validity bitmaps, the others
 * take plain double arrays in which NaN is always an invalid value. */
typedef struct crm_engine_options {
  size_t struct_size; /* sizeof(crm_engine_options) */
  int32_t threads;
  int32_t missing_encoding;
} crm_engine_options;

#define CRM_ENGINE_OPTIONS_INIT {sizeof(crm_engine_options), 0, CRM_MISSING_NAN}

/* Fills *options with CRM_ENGINE_OPTIONS_INIT; see crm_satisfaction_thresholds_init.
 * Errors: CRM_ERR_INVALID_ARGUMENT for NULL or an unknown struct_size. */
CRM_API crm_status crm_engine_options_init(crm_engine_options* options, size_t struct_size);

/* The name of the SIMD instruction set the engine's kernels use in this process (e.g.
 * "AVX3_DL", "AVX2", "SSE4", "NEON", "EMU128"), the best of those the library was compiled
 * for that this processor supports, chosen at run time. For benchmark reports and bug
 * reports. Returns a string in static storage (never NULL, never freed); safe to call from
 * any thread. Since 0.2. */
CRM_API const char* crm_engine_target(void);

/* --- Composite value (docs/domain.md §5) ------------------------------- */

/* The five components (values of CRM_TAXONOMY_COMPOSITE_COMPONENT); column arrays passed
 * to the composite calls hold CRM_COMPOSITE_COMPONENT_COUNT entries indexed by these. */
#define CRM_COMPONENT_CURRENT_CONTRIBUTION 0
#define CRM_COMPONENT_FUTURE_CONTRIBUTION 1
#define CRM_COMPONENT_CREDIT 2
#define CRM_COMPONENT_LOYALTY 3
#define CRM_COMPONENT_GROWTH_POTENTIAL 4
#define CRM_COMPOSITE_COMPONENT_COUNT 5

/* Normalizers (values of CRM_TAXONOMY_NORMALIZER_KIND). */
#define CRM_NORMALIZER_MIN_MAX 0         /* (x - min) / (max - min); constant column: 0.5 */
#define CRM_NORMALIZER_Z_SCORE 1         /* (x - mean) / population sd; constant: 0 */
#define CRM_NORMALIZER_PERCENTILE_RANK 2 /* mid-rank (below + equal / 2) / N */
#define CRM_NORMALIZER_FIXED_BOUNDS 3    /* clamp((x - lower) / (upper - lower), 0, 1) */

/* What a missing component value does. */
#define CRM_MISSING_POLICY_REJECT 0 /* an error naming the component and the row */
/* The customer's value is the weighted mean of the components it has. */
#define CRM_MISSING_POLICY_RENORMALIZE 1

/* A composite value plan: a weight and a normalizer per component, and a missing policy.
 * Made by crm_composite_plan_create, freed by crm_composite_plan_destroy. */
typedef struct crm_composite_plan crm_composite_plan;

/* Creates a plan with every weight 0, every normalizer min-max and CRM_MISSING_POLICY_REJECT,
 * and writes it to *out (owned by the caller: free it with crm_composite_plan_destroy).
 * Set at least one weight before scoring. Errors: CRM_ERR_INVALID_ARGUMENT for a NULL
 * `out`; CRM_ERR_NO_MEMORY. Thread-safe. */
CRM_API crm_status crm_composite_plan_create(crm_composite_plan** out);

/* Frees a plan; NULL is a no-op. States computed with it stay valid. Not while any other
 * call uses the plan. */
CRM_API void crm_composite_plan_destroy(crm_composite_plan* plan);

/* Sets the raw weight of `component` (CRM_COMPONENT_*): finite and >= 0. Only ratios matter:
 * scoring divides the weights by their sum. A component of weight 0 is unused and its
 * column never read.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead plan, an unknown component, or a
 * NaN, infinite or negative weight (the plan is then unchanged). Needs exclusive access to
 * the plan. */
CRM_API crm_status crm_composite_plan_set_weight(crm_composite_plan* plan, int32_t component,
                                                 double weight);

/* Sets the normalizer (CRM_NORMALIZER_*) of `component`; `fixed_lower` and `fixed_upper`
 * are read only for CRM_NORMALIZER_FIXED_BOUNDS (finite, lower < upper).
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead plan, an unknown component or
 * normalizer, or invalid bounds; CRM_ERR_OUT_OF_RANGE when upper - lower overflows. The
 * plan is unchanged on error. Needs exclusive access to the plan. */
CRM_API crm_status crm_composite_plan_set_normalizer(crm_composite_plan* plan,
                                                     int32_t component, int32_t normalizer,
                                                     double fixed_lower, double fixed_upper);

/* Sets the missing policy (CRM_MISSING_POLICY_*).
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead plan or an unknown policy. Needs
 * exclusive access to the plan. */
CRM_API crm_status crm_composite_plan_set_missing_policy(crm_composite_plan* plan,
                                                         int32_t policy);

/* Checks that the plan can score: CRM_OK, or CRM_ERR_INVALID_ARGUMENT when every weight is
 * 0 (the scoring calls check the same). Errors: also CRM_ERR_INVALID_ARGUMENT for a NULL or
 * dead plan. A const use: concurrent calls may share the plan. */
CRM_API crm_status crm_composite_plan_validate(const crm_composite_plan* plan);

/* Writes the normalized weight of `component` (raw weight / sum of raw weights; the
 * normalized weights sum to 1) to *out.
 * Errors: those of crm_composite_plan_validate; CRM_ERR_INVALID_ARGUMENT for an unknown
 * component or a NULL `out`. A const use. */
CRM_API crm_status crm_composite_plan_weight(const crm_composite_plan* plan, int32_t component,
                                             double* out);

/* Scores the composite value of each of N customers into out[0 .. N-1], in one batch:
 * each used column is normalized over these N customers, then weighted and summed in
 * component order (as crmcore::engine::ScoreComposite). `columns` holds
 * CRM_COMPOSITE_COMPONENT_COUNT entries, indexed by CRM_COMPONENT_*; every entry must have
 * a valid struct_size, and the entries of unused components are otherwise not read. The
 * used columns must all have N = out_length values. `plan`, `columns`, the columns' memory
 * and `options` (NULL = defaults) are borrowed for the call.
 * Errors (CRM_ERR_INVALID_ARGUMENT unless stated; the message names the component and row):
 * a NULL or dead plan, NULL columns (when n_columns > 0) or out (when out_length > 0),
 * n_columns != CRM_COMPOSITE_COMPONENT_COUNT, a wrong struct_size, an unknown column type
 * or encoding, NULL data with a non-zero length, used columns of different lengths or other
 * than out_length, an invalid plan, an infinite value, a NaN under
 * CRM_MISSING_POLICY_REJECT, a customer with every used component missing under
 * CRM_MISSING_POLICY_RENORMALIZE, a validity bitmap under CRM_MISSING_NAN, a NaN in a
 * valid slot under CRM_MISSING_VALIDITY_BITMAP; CRM_ERR_OUT_OF_RANGE when a column's
 * statistics overflow (max - min, or a z-score variance). Thread-safe. */
CRM_API crm_status crm_score_composite(const crm_composite_plan* plan, const crm_column* columns,
                                       size_t n_columns, const crm_engine_options* options,
                                       double* out, size_t out_length);

/* --- Value tiers (docs/domain.md §2.2) and RFM quintiles ---------------- */

/* Values of CRM_TAXONOMY_VALUE_TIER, most valuable first. */
#define CRM_TIER_VIP 0
#define CRM_TIER_MAJOR 1
#define CRM_TIER_ORDINARY 2
#define CRM_TIER_SMALL 3

/* The share of the population each tier is meant to hold: finite, >= 0, summing to 1
 * (within 1e-9). Defaults: the customer pyramid, 1 % VIP, 4 % major, 15 % ordinary, 80 %
 * small. */
typedef struct crm_pyramid_fractions {
  size_t struct_size; /* sizeof(crm_pyramid_fractions) */
  double vip_share;
  double major_share;
  double ordinary_share;
  double small_share; /* not `small`, a macro in Windows' rpcndr.h */
} crm_pyramid_fractions;

#define CRM_PYRAMID_FRACTIONS_INIT {sizeof(crm_pyramid_fractions), 0.01, 0.04, 0.15, 0.80}

/* Fills *fractions with the defaults; see crm_satisfaction_thresholds_init.
 * Errors: CRM_ERR_INVALID_ARGUMENT for NULL or an unknown struct_size. */
CRM_API crm_status crm_pyramid_fractions_init(crm_pyramid_fractions* fractions,
                                              size_t struct_size);

/* Writes the value tier (CRM_TIER_*) of each of the n values to out_tiers[0 .. n-1]: with
 * the top floor(n x cumulative fraction) seats of each tier, a customer goes to the most
 * valuable tier whose last seat's value it reaches (ties at a cut-off go to the higher
 * tier), else small. Identical to the core's AssignValueTiers (value_tier.h).
 * `values`, `fractions` (NULL = defaults) and `options` (NULL = defaults) are borrowed;
 * `values` and `out_tiers` may be NULL when n is 0.
 * Errors: CRM_ERR_INVALID_ARGUMENT for NULL arrays with n > 0, invalid fractions or options,
 * a wrong struct_size, or a non-finite value (index named). Thread-safe. */
CRM_API crm_status crm_assign_value_tiers(const double* values, size_t n,
                                          const crm_pyramid_fractions* fractions,
                                          const crm_engine_options* options, int8_t* out_tiers);

/* Which end of an RFM column is the better customer. */
#define CRM_RFM_HIGHER_IS_BETTER 0 /* frequency, monetary value */
#define CRM_RFM_LOWER_IS_BETTER 1  /* time since the last purchase */

/* Writes the RFM quintile score (1 = worst fifth .. 5 = best fifth) of each of the n values
 * to out_scores[0 .. n-1]: 1 + floor(5 p) with p the mid-rank percentile of the value in
 * the column (ties share a score). Identical to the core's RfmQuintileScores (rfm_score.h).
 * Borrowing and NULL rules as crm_assign_value_tiers.
 * Errors: CRM_ERR_INVALID_ARGUMENT for NULL arrays with n > 0, an unknown direction,
 * invalid options, or a non-finite value (index named). Thread-safe. */
CRM_API crm_status crm_rfm_quintiles(const double* values, size_t n, int32_t direction,
                                     const crm_engine_options* options, int8_t* out_scores);

/* --- Satisfaction degree column-wise (docs/domain.md §3.1) -------------- */

/* out_c[i] = perceived_value_b[i] / expectation_a[i] for i < n, each as
 * crm_satisfaction_ratio. The three arrays are borrowed (NULL allowed when n is 0).
 * Errors: CRM_ERR_INVALID_ARGUMENT for NULL arrays with n > 0, invalid options, or the
 * first bad customer (non-finite B, non-finite or non-positive A; index named);
 * CRM_ERR_OUT_OF_RANGE when a quotient overflows. Thread-safe. */
CRM_API crm_status crm_satisfaction_ratios(const double* perceived_value_b,
                                           const double* expectation_a, size_t n,
                                           const crm_engine_options* options, double* out_c);

/* --- Satisfaction index column-wise (docs/domain.md §3.4) --------------- */

/* The six satisfaction indicators (values of CRM_TAXONOMY_SATISFACTION_INDICATOR); the
 * column, scale and weight arrays of crm_score_satisfaction_index hold
 * CRM_SATISFACTION_INDICATOR_COUNT entries indexed by these. Complaint rate and price
 * sensitivity count inversely: more of them means a less satisfied customer. */
#define CRM_SATISFACTION_INDICATOR_REPUTATION 0
#define CRM_SATISFACTION_INDICATOR_NAME_RECALL 1
#define CRM_SATISFACTION_INDICATOR_RETURN_RATE 2
#define CRM_SATISFACTION_INDICATOR_COMPLAINT_RATE 3
#define CRM_SATISFACTION_INDICATOR_PURCHASE_AMOUNT 4
#define CRM_SATISFACTION_INDICATOR_PRICE_SENSITIVITY 5
#define CRM_SATISFACTION_INDICATOR_COUNT 6

/* Scores the customer satisfaction index (CSI, in [0, 1]) of each of N customers into
 * out[0 .. N-1]: each indicator's reading is scored on its scale [scale_min[k],
 * scale_max[k]] as (value - min) / (max - min), or (max - value) / (max - min) for an
 * inverse indicator, and the index is the weighted mean of the six scores, sum(w * score)
 * / sum(w) (only the weights' ratios matter). Identical to the core's SatisfactionIndex
 * (satisfaction.h) customer by customer, for any thread count
 * (crmcore::engine::ScoreSatisfactionIndex).
 * `columns` holds CRM_SATISFACTION_INDICATOR_COUNT entries indexed by
 * CRM_SATISFACTION_INDICATOR_*, all of N = out_length values (every column is read, also
 * one of weight 0). `scale_min` and `scale_max` hold CRM_SATISFACTION_INDICATOR_COUNT
 * finite bounds with min < max; `weights` holds CRM_SATISFACTION_INDICATOR_COUNT finite
 * weights >= 0, not all 0, or is NULL for equal weights. `missing_policy`
 * (CRM_MISSING_POLICY_*): a missing reading (NaN under CRM_MISSING_NAN, an unset validity
 * bit under CRM_MISSING_VALIDITY_BITMAP) is an error under REJECT; under RENORMALIZE it is
 * skipped and the index is the weighted mean over the customer's present indicators.
 * Every array and `options` (NULL = defaults) is borrowed for the call.
 * Errors (CRM_ERR_INVALID_ARGUMENT; the message names the indicator, and the row for a
 * bad reading): NULL columns, scale_min or scale_max, NULL out when out_length > 0,
 * n_columns != CRM_SATISFACTION_INDICATOR_COUNT, a wrong struct_size, an unknown column
 * type, encoding or missing policy, NULL data with a non-zero length, columns of different
 * lengths or other than out_length, an invalid weight or scale, a bitmap under
 * CRM_MISSING_NAN; for the first bad customer in row order: a reading outside its scale or
 * not finite (a NaN in a valid slot under CRM_MISSING_VALIDITY_BITMAP), a missing reading
 * under REJECT, every indicator of positive weight missing under RENORMALIZE.
 * Thread-safe. */
CRM_API crm_status crm_score_satisfaction_index(const crm_column* columns, size_t n_columns,
                                                const double* scale_min,
                                                const double* scale_max, const double* weights,
                                                int32_t missing_policy,
                                                const crm_engine_options* options, double* out,
                                                size_t out_length);

/* (end of batch scoring) */

/* =========================================================================
 * Mergeable partial states (include/crmcore/engine_state.h)
 * ========================================================================= */

/* The population statistics that scoring needs, computed per partition, merged, and
 * used to score every partition — how a host that splits customers across threads,
 * processes or machines gets the answer of one batch:
 *   1. per partition: crm_composite_state_create / crm_quantile_state_create (and _update
 *      to absorb more rows of the same partition);
 *   2. ship the states as bytes (_serialize, _deserialize) and merge them in a fixed order
 *      (partition 0, 1, 2, ...) with _merge;
 *   3. per partition: score against the merged state (crm_score_composite_with_state,
 *      crm_assign_value_tiers_with_state, crm_rfm_quintiles_with_state).
 * Counts, min, max and sorted values merge exactly, so tiers, RFM scores and the min-max,
 * fixed-bounds and percentile-rank composite values equal one batch's; z-score means and
 * variances merge by Chan et al. (1979) and differ from one batch's by rounding only.
 * Quantiles are exact: a quantile state (or a percentile-rank column of a composite state)
 * keeps its values sorted, 8 bytes per customer.
 *
 * Bytes: a versioned little-endian format with a CRC-32C checksum (engine_state_io.h
 * documents the layout), the same on every platform. Deserializing bytes that are
 * truncated, corrupt, of another kind or of an unknown format version fails with
 * CRM_ERR_IO and a message naming the field and its byte offset.
 *
 * Serialization uses the two-call pattern: call _serialize with buffer NULL to learn the
 * size, allocate, call again with the buffer.
 *
 * Threads: a state passed as const may be read by any number of concurrent calls; a call
 * that changes a state (_update, _merge into it, _destroy) needs exclusive access to it. */

/* --- Composite states ---------------------------------------------------- */

/* The statistics of every used column of a composite plan over one partition. */
typedef struct crm_composite_state crm_composite_state;

/* Computes the state of one partition: `columns` as in crm_score_composite (N rows; no
 * output array). Writes a new state to *out, owned by the caller (crm_composite_state_destroy).
 * A partition of 0 rows gives an empty state, which merges as a no-op.
 * Errors: those of crm_score_composite for the plan, columns and options (row indices are
 * relative to this partition); CRM_ERR_INVALID_ARGUMENT for a NULL `out`;
 * CRM_ERR_NO_MEMORY. Thread-safe (the plan is only read). */
CRM_API crm_status crm_composite_state_create(const crm_composite_plan* plan,
                                              const crm_column* columns, size_t n_columns,
                                              const crm_engine_options* options,
                                              crm_composite_state** out);

/* Frees a state; NULL is a no-op. Needs exclusive access. */
CRM_API void crm_composite_state_destroy(crm_composite_state* state);

/* Absorbs another batch of rows into `state`: the same as computing the batch's state and
 * merging it in (crm_composite_state_merge), the batch following the rows already in the
 * state. Use the plan the state was computed with.
 * Errors: those of crm_composite_state_create and crm_composite_state_merge; on error
 * `state` is unchanged. Needs exclusive access to `state`. */
CRM_API crm_status crm_composite_state_update(crm_composite_state* state,
                                              const crm_composite_plan* plan,
                                              const crm_column* columns, size_t n_columns,
                                              const crm_engine_options* options);

/* Merges `from` into `into`: `into` then describes the rows of both, `from`'s following.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead handle, `from` == `into`, states
 * computed with plans that normalize a column differently (percentile rank in one, not in
 * the other; the column is named), or a row count that would overflow; CRM_ERR_NO_MEMORY.
 * On error `into` is unchanged. Needs exclusive access to `into`; `from` is only read. */
CRM_API crm_status crm_composite_state_merge(crm_composite_state* into,
                                             const crm_composite_state* from);

/* Serializes the state. With `buffer` NULL (and any `capacity`), writes the size in bytes
 * to *out_size. Otherwise writes the bytes to buffer[0 .. size-1] and the size to
 * *out_size. `buffer` is the caller's; the bytes are the same on every platform.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead state or a NULL out_size;
 * CRM_ERR_OUT_OF_RANGE when capacity is less than the size (the message names the size;
 * nothing is written). A const use of the state. */
CRM_API crm_status crm_composite_state_serialize(const crm_composite_state* state,
                                                 uint8_t* buffer, size_t capacity,
                                                 size_t* out_size);

/* Decodes the `length` bytes at `bytes` (exactly one serialized composite state) into a
 * new state written to *out (owned by the caller). `bytes` is borrowed for the call.
 * Errors: CRM_ERR_IO for bytes that are truncated, corrupt (checksum), of another kind or
 * format version, or that decode to an impossible state (the message names the field and
 * its offset); CRM_ERR_INVALID_ARGUMENT for a NULL `out` or NULL `bytes` with a non-zero
 * length; CRM_ERR_NO_MEMORY. Thread-safe. */
CRM_API crm_status crm_composite_state_deserialize(const uint8_t* bytes, size_t length,
                                                   crm_composite_state** out);

/* Writes the number of rows (customers) the state describes to *out.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead state or a NULL `out`. A const use. */
CRM_API crm_status crm_composite_state_rows(const crm_composite_state* state, int64_t* out);

/* Scores the composite value of the rows of `columns` into out[0 .. out_length-1] against
 * the population statistics `state` (typically merged from every partition's state)
 * instead of the columns' own: the same values as crm_score_composite over the whole
 * population. Rows need not belong to the state's population (a newcomer is scored against
 * the existing one; min-max values then may leave [0, 1]).
 * Errors: those of crm_score_composite; CRM_ERR_INVALID_ARGUMENT for a NULL or dead state,
 * or a state that lacks what the plan needs (no values in a used column, no sorted values
 * for a percentile-rank column: compute the state with this plan); CRM_ERR_OUT_OF_RANGE
 * when a row's value overflows against the state (a newcomer far outside a column's
 * min-max range or z-score spread; the row is named). Const use of plan and state:
 * thread-safe. */
CRM_API crm_status crm_score_composite_with_state(const crm_composite_plan* plan,
                                                  const crm_column* columns, size_t n_columns,
                                                  const crm_composite_state* state,
                                                  const crm_engine_options* options,
                                                  double* out, size_t out_length);

/* --- Quantile states ------------------------------------------------------ */

/* The exact order statistics (every value, sorted) of a value column over one partition:
 * what value tiers and RFM scores need from the whole population. */
typedef struct crm_quantile_state crm_quantile_state;

/* Computes the state of `values[0 .. n-1]` (borrowed; NULL when n is 0) and writes it to
 * *out, owned by the caller (crm_quantile_state_destroy).
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL `out`, NULL values with n > 0, invalid
 * options, or a non-finite value (index named); CRM_ERR_NO_MEMORY. Thread-safe. */
CRM_API crm_status crm_quantile_state_create(const double* values, size_t n,
                                             const crm_engine_options* options,
                                             crm_quantile_state** out);

/* Frees a state; NULL is a no-op. Needs exclusive access. */
CRM_API void crm_quantile_state_destroy(crm_quantile_state* state);

/* Absorbs values[0 .. n-1] into `state` (exact). Errors: those of crm_quantile_state_create
 * and CRM_ERR_INVALID_ARGUMENT for a NULL or dead state; on error `state` is unchanged.
 * Needs exclusive access to `state`. */
CRM_API crm_status crm_quantile_state_update(crm_quantile_state* state, const double* values,
                                             size_t n, const crm_engine_options* options);

/* Merges `from` into `into` (exact, order-independent).
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead handle or `from` == `into`;
 * CRM_ERR_NO_MEMORY. On error `into` is unchanged. Needs exclusive access to `into`. */
CRM_API crm_status crm_quantile_state_merge(crm_quantile_state* into,
                                            const crm_quantile_state* from);

/* Serializes the state; same contract as crm_composite_state_serialize. */
CRM_API crm_status crm_quantile_state_serialize(const crm_quantile_state* state,
                                                uint8_t* buffer, size_t capacity,
                                                size_t* out_size);

/* Decodes one serialized quantile state; same contract as crm_composite_state_deserialize. */
CRM_API crm_status crm_quantile_state_deserialize(const uint8_t* bytes, size_t length,
                                                  crm_quantile_state** out);

/* Writes the number of values in the state to *out.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead state or a NULL `out`. A const use. */
CRM_API crm_status crm_quantile_state_count(const crm_quantile_state* state, int64_t* out);

/* Writes the value tier (CRM_TIER_*) of each of values[0 .. n-1] to out_tiers, with the
 * cut-offs of the population `state` (as crm_assign_value_tiers over that population).
 * Borrowing and NULL rules as crm_assign_value_tiers.
 * Errors: those of crm_assign_value_tiers, and CRM_ERR_INVALID_ARGUMENT for a NULL or dead
 * state. An empty state has no seats above small: every value is then small. Thread-safe. */
CRM_API crm_status crm_assign_value_tiers_with_state(const double* values, size_t n,
                                                     const crm_quantile_state* state,
                                                     const crm_pyramid_fractions* fractions,
                                                     const crm_engine_options* options,
                                                     int8_t* out_tiers);

/* Writes the RFM quintile score of each of values[0 .. n-1] to out_scores, ranked within
 * the population `state` (as crm_rfm_quintiles over that population).
 * Errors: those of crm_rfm_quintiles, and CRM_ERR_INVALID_ARGUMENT for a NULL or dead state
 * or an empty state (no population to rank against). Thread-safe. */
CRM_API crm_status crm_rfm_quintiles_with_state(const double* values, size_t n,
                                                const crm_quantile_state* state,
                                                int32_t direction,
                                                const crm_engine_options* options,
                                                int8_t* out_scores);

/* (end of partial states) */

/* =========================================================================
 * Transaction-log ingest and the RFM summary table
 * ========================================================================= */

/* Loads a transaction log of (customer, date, amount) rows, from a file or from memory,
 * and summarizes it per customer into an immutable crm_summary handle: the columns the
 * lifetime models read (include/crmcore/transaction_log.h, rfm_summary.h).
 *
 * Conventions of the summary (Fader, Hardie & Lee 2005; the `lifetimes` library): the
 * purchases of one customer on one day are one purchase occasion; calibration is every
 * occasion on or before the observation end (inclusive), the holdout every one after it;
 * frequency x = calibration occasions - 1; recency t_x = time from the first to the last
 * calibration occasion; T = time from the first occasion to the observation end, both in
 * the chosen time unit; monetary value = mean value of the repeat calibration occasions
 * (0 when x = 0). One row per customer whose first purchase is on or before the
 * observation end, in order of first appearance in the log.
 *
 * Thread-safety of handles: a crm_summary is never modified after it is made, so any
 * number of threads may read one at once; crm_summary_destroy must not run concurrently
 * with any other use of the same handle. */

/* The unit of recency and T. */
#define CRM_TIME_UNIT_DAYS 0
#define CRM_TIME_UNIT_WEEKS 1  /* days / 7, fractional (the CDNOW papers' unit) */
#define CRM_TIME_UNIT_MONTHS 2 /* days / (365.25 / 12), fractional: a fixed mean month */

/* How to read and summarize a log. Strings are NUL-terminated UTF-8, borrowed for the call.
 *
 * Each of the three columns is chosen either by its 1-based position (`*_index` > 0, with
 * `*_column` NULL; works with or without a header row) or by the exact text of its header
 * cell (`*_index` 0; `*_column` NULL means the default name "customer_id", "date",
 * "amount"). Setting both a name and a position is rejected as ambiguous. */
typedef struct crm_ingest_options {
  size_t struct_size;           /* sizeof(crm_ingest_options) */
  int32_t delimiter;            /* field separator byte, 1..255 (',' CSV, '\t' TSV, ';'),
                                   not '"', '\r' or '\n'; unused when whitespace_delimited */
  int32_t whitespace_delimited; /* 1: runs of spaces and tabs separate fields and leading
                                   blanks are ignored (the CDNOW files' layout) */
  int32_t has_header;           /* 1: the first non-blank line names the columns */
  int32_t lenient;              /* 1: skip rows with a bad value (counted and reported,
                                   see crm_summary_skipped_row); 0: the first bad row fails */
  const char* customer_column;  /* customer id column by header name (ids: UTF-8 text) */
  const char* date_column;      /* transaction date column by header name */
  const char* amount_column;    /* amount column by header name: an exact decimal */
  int32_t customer_index;       /* ...or by 1-based position */
  int32_t date_index;
  int32_t amount_index;
  int32_t minor_digits;         /* fraction digits of the currency: 2 (USD, EUR), 0 (JPY);
                                   0..18. Amounts with more non-zero digits are rejected. */
  const char* date_format;      /* NULL = "%Y-%m-%d" (ISO 8601). %Y (4 digits), %m, %d
                                   (2 digits) once each, %% a '%'; other text literal.
                                   CDNOW: "%Y%m%d" */
  const char* observation_end;  /* last day of calibration, "YYYY-MM-DD", inclusive;
                                   NULL = the last date in the log (no holdout) */
  int32_t time_unit;            /* CRM_TIME_UNIT_* of recency and T */
  /* Appended in 0.x (a struct_size of offsetof(crm_ingest_options, holdout_end), the
   * earlier sizeof, is still accepted: the field then takes its default). */
  const char* holdout_end;      /* last day of the holdout, "YYYY-MM-DD", inclusive: later
                                   rows are ignored (lifetimes' calibration_and_holdout_data
                                   observation_period_end); needs observation_end, not
                                   before it. NULL = the last date in the log */
} crm_ingest_options;

#define CRM_INGEST_OPTIONS_INIT \
  {sizeof(crm_ingest_options), ',', 0, 1, 0, NULL, NULL, NULL, 0, 0, 0, 2, NULL, NULL, \
   CRM_TIME_UNIT_DAYS, NULL}

/* Fills *options with the INIT values; see crm_satisfaction_thresholds_init for
 * `struct_size`. Errors: CRM_ERR_INVALID_ARGUMENT for NULL or an unknown struct_size. */
CRM_API crm_status crm_ingest_options_init(crm_ingest_options* options, size_t struct_size);

/* An immutable per-customer summary of a transaction log, with its ingest report. */
typedef struct crm_summary crm_summary;

/* Loads the transaction log at `path` (a NUL-terminated UTF-8 path, borrowed), summarizes
 * it and writes a new handle to *out; the caller owns it and frees it with
 * crm_summary_destroy. `options` is borrowed; NULL means the INIT values.
 * Errors (*out unchanged):
 *   CRM_ERR_INVALID_ARGUMENT — NULL `path` or `out`; a path or option string that is not
 *     valid UTF-8; a wrong struct_size; a flag other than 0/1; an unknown time_unit; a bad
 *     delimiter, date format, minor_digits or column choice; an observation_end that is
 *     not a valid "YYYY-MM-DD" date or lies before the log's first date; a holdout_end
 *     that is not a date, without an observation_end or before it; an empty log, one
 *     with no transactions (every row skipped, or header only), a missing header column,
 *     and in strict mode the first bad row (including a row with another field count than
 *     the header: "field 'columns'") — messages name "PATH:LINE:COLUMN: field 'date':
 *     cannot parse ..." as the C++ loader does;
 *   CRM_ERR_NOT_FOUND — no file at `path`; CRM_ERR_PERMISSION_DENIED — it cannot be
 *     opened; CRM_ERR_IO and others for read failures (the message gives the system's
 *     reason); CRM_ERR_OUT_OF_RANGE — a customer's total value overflows, or more than
 *     2^32 - 1 customers; CRM_ERR_NO_MEMORY.
 * Thread-safe (reads only its arguments and the file). A log of 8 MiB or more is parsed on
 * as many threads as the machine has (started and joined within the call; the result is
 * the same as on one thread). */
CRM_API crm_status crm_summary_load_path(const char* path, const crm_ingest_options* options,
                                         crm_summary** out);

/* The same for a log held in memory: `length` bytes at `data` (borrowed for the call; may
 * be NULL only when `length` is 0). Messages name the source "buffer" in place of a path,
 * as "buffer:LINE:COLUMN: ...". Errors as crm_summary_load_path (no file errors).
 * Thread-safe. */
CRM_API crm_status crm_summary_load_buffer(const void* data, size_t length,
                                           const crm_ingest_options* options, crm_summary** out);

/* Frees the handle and everything borrowed from it (columns, ids, messages). NULL is a
 * no-op. Using the handle afterwards is undefined behaviour (debug builds detect it and
 * return CRM_ERR_INVALID_ARGUMENT; a second destroy is reported on stderr and ignored). */
CRM_API void crm_summary_destroy(crm_summary* summary);

/* Writes the number of customers (rows) to *out.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`. Thread-safe. */
CRM_API crm_status crm_summary_customer_count(const crm_summary* summary, size_t* out);

/* The summary's numeric columns, one double per customer, in row order. */
#define CRM_SUMMARY_FREQUENCY 0              /* x: repeat purchase occasions (whole numbers) */
#define CRM_SUMMARY_RECENCY 1                /* t_x, in the time unit */
#define CRM_SUMMARY_T 2                      /* T, in the time unit */
#define CRM_SUMMARY_MONETARY_VALUE 3         /* mean repeat occasion value, major units */
#define CRM_SUMMARY_HOLDOUT_FREQUENCY 4      /* occasions after the observation end */
#define CRM_SUMMARY_HOLDOUT_MONETARY_VALUE 5 /* their mean value (0 when none) */
#define CRM_SUMMARY_DURATION_HOLDOUT 6       /* holdout length (holdout end - observation
                                                end) in the time unit, the same in every
                                                row (lifetimes' duration_holdout) */

/* Writes a read-only pointer to column `column` (CRM_SUMMARY_*) to *out and its length
 * (the customer count) to *length: zero copy, owned by the handle and valid, unchanged,
 * until crm_summary_destroy. Pass it straight to crm_model_* functions.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle, `out` or `length`, or an unknown
 * column; CRM_ERR_FAILED_PRECONDITION for a holdout column when the log has no
 * transaction after the observation end (CRM_SUMMARY_INFO_HAS_HOLDOUT is 0).
 * Thread-safe. */
CRM_API crm_status crm_summary_column(const crm_summary* summary, int column,
                                      const double** out, size_t* length);

/* Writes a pointer to the id of customer `index` (0-based row) to *out and its length in
 * bytes to *length: UTF-8 exactly as in the log, also NUL-terminated, owned by the handle
 * and valid until crm_summary_destroy.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle, `out` or `length`, or an index >=
 * the customer count. Thread-safe. */
CRM_API crm_status crm_summary_customer_id(const crm_summary* summary, size_t index,
                                           const char** out, size_t* length);

/* Figures about the load and the summary, read with crm_summary_info. */
#define CRM_SUMMARY_INFO_ROWS_READ 0        /* data rows read, loaded or skipped */
#define CRM_SUMMARY_INFO_ROWS_SKIPPED 1     /* rows lenient mode skipped (all of them) */
#define CRM_SUMMARY_INFO_SKIPPED_REPORTED 2 /* skipped rows described, at most 10 */
#define CRM_SUMMARY_INFO_TRANSACTIONS 3     /* rows loaded = read - skipped */
#define CRM_SUMMARY_INFO_CUSTOMERS_IN_LOG 4 /* distinct customer ids in the log */
#define CRM_SUMMARY_INFO_CUSTOMERS 5        /* rows of the summary */
/* customers whose first purchase is after the observation end: they have no row */
#define CRM_SUMMARY_INFO_CUSTOMERS_FIRST_SEEN_IN_HOLDOUT 6
#define CRM_SUMMARY_INFO_CALIBRATION_TRANSACTIONS 7 /* rows on or before the end */
#define CRM_SUMMARY_INFO_HOLDOUT_TRANSACTIONS 8     /* rows after it */
#define CRM_SUMMARY_INFO_HAS_HOLDOUT 9              /* 1 when the holdout columns exist */
#define CRM_SUMMARY_INFO_TIME_UNIT 10               /* CRM_TIME_UNIT_* */
#define CRM_SUMMARY_INFO_MINOR_DIGITS 11
/* days since 1970-01-01 of the log's first date, its last date, the observation end */
#define CRM_SUMMARY_INFO_FIRST_DAY 12
#define CRM_SUMMARY_INFO_LAST_DAY 13
#define CRM_SUMMARY_INFO_OBSERVATION_END 14
/* days since 1970-01-01 of the holdout end used (holdout_end, else the last date) */
#define CRM_SUMMARY_INFO_HOLDOUT_END 15
#define CRM_SUMMARY_INFO_TRANSACTIONS_AFTER_HOLDOUT_END 16 /* rows ignored after it */

/* Writes figure `key` (CRM_SUMMARY_INFO_*) to *out.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`, or an unknown key.
 * Thread-safe. */
CRM_API crm_status crm_summary_info(const crm_summary* summary, int key, int64_t* out);

/* Describes skipped row `index` (0 .. CRM_SUMMARY_INFO_SKIPPED_REPORTED - 1, in file
 * order): its 1-based line, the 1-based byte column of the bad field within the row, and
 * a message such as "field 'date': cannot parse ... : \"1997x\"" (UTF-8, non-UTF-8 bytes
 * of the offending text escaped as \xNN; NUL-terminated, owned by the handle, valid until
 * crm_summary_destroy). Any of `line`, `column`, `message` may be NULL to skip it.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or an index out of range.
 * Thread-safe. */
CRM_API crm_status crm_summary_skipped_row(const crm_summary* summary, size_t index,
                                           int64_t* line, int64_t* column,
                                           const char** message);

/* (end of ingest) */

/* =========================================================================
 * Lifetime-value models: BG/NBD, Pareto/NBD, Gamma-Gamma, MBG/NBD, BG/BB, sBG, CLV
 * ========================================================================= */

/* Buy-till-you-die models of repeat purchasing and spend (docs/domain.md §6.3) and customer
 * lifetime value (§6.2), over caller-owned columns (include/crmcore/bgnbd.h,
 * pareto_nbd.h, gamma_gamma.h, clv.h, model_fit.h):
 *
 *   CRM_MODEL_BGNBD       BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the
 *                         easy way"). Parameters, in this order: r, alpha, a, b.
 *   CRM_MODEL_PARETO_NBD  Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie
 *                         2005 note). Parameters: r, alpha, s, beta.
 *   CRM_MODEL_GAMMA_GAMMA Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and
 *                         CLV"). Parameters: p, q, gamma.
 *   CRM_MODEL_MBGNBD      MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD where a
 *                         customer may also drop out right after the first purchase
 *                         (mbgnbd.h). Parameters: r, alpha, a, b. Same columns and
 *                         functions as BG/NBD, crm_clv and the crm_model_*_matrix
 *                         grids included (not crm_prediction_intervals).
 *   CRM_MODEL_BGBB        BG/BB (Fader, Hardie & Shang 2010), discrete opportunities
 *                         (bgbb.h). Parameters: alpha, beta, gamma, delta. Fitted with
 *                         crm_model_fit_bgbb, predicted with crm_model_bgbb_*.
 *   CRM_MODEL_SBG         sBG (Fader & Hardie 2007), contractual retention (sbg.h).
 *                         Parameters: alpha, beta. Fitted with crm_model_fit_sbg,
 *                         predicted with crm_model_sbg_*.
 *
 * A customer's history is (x, t_x, T): x repeat purchases (a whole number >= 0), the last
 * at t_x, observed for T since the first purchase (t_x <= T, t_x = 0 when x = 0, all
 * finite and >= 0), as in a crm_summary's columns. Alpha and beta are in the time unit of
 * t_x and T. Every column is a borrowed array of `n` doubles read during the call only
 * (zero copy); outputs are caller arrays of `n` doubles, written only on success.
 *
 * Fitting is maximum likelihood by L-BFGS on log-parameters. A fit that does not converge
 * is NOT an error, as in the C++ API: crm_model_fit returns CRM_OK and a model whose
 * crm_model_converged is 0, whose parameters are the last iterate (readable, for
 * diagnosis) and whose crm_model_fit_message says why (iteration cap, line-search
 * failure). Every prediction from such a model fails with CRM_ERR_FAILED_PRECONDITION.
 *
 * Thread-safety: a crm_model is never modified after it is made; any number of threads
 * may use one at once. crm_model_destroy must not run concurrently with another use of
 * the same handle. The functions without a handle are pure and thread-safe. */

#define CRM_MODEL_BGNBD 0
#define CRM_MODEL_PARETO_NBD 1
#define CRM_MODEL_GAMMA_GAMMA 2
#define CRM_MODEL_MBGNBD 3
#define CRM_MODEL_BGBB 4
#define CRM_MODEL_SBG 5

/* How a fit runs. Defaults are the C++ FitOptions'. */
typedef struct crm_fit_options {
  size_t struct_size;        /* sizeof(crm_fit_options) */
  double gradient_tolerance; /* converged when the gradient norm of the mean negative
                                log-likelihood w.r.t. the log-parameters is <= this; > 0 */
  int32_t max_iterations;    /* iteration cap, >= 1; reaching it means not converged */
  double min_repeat_buyers;  /* fewest customers with x > 0 a fit accepts, >= 1: with
                                fewer the estimates mean nothing */
  const double* initial_params;   /* starting point in the kind's parameter order, each
                                     finite and > 0 (borrowed); NULL = all 1 */
  size_t initial_param_count;     /* entries of initial_params (0 when it is NULL) */
  /* Appended in ABI 0.x (a struct_size of offsetof(crm_fit_options, penalizer), the size
   * before, stays accepted: penalizer 0). */
  double penalizer;               /* lifetimes' penalizer_coef, finite and >= 0; 0 = plain
                                     maximum likelihood. Minimizes the mean negative
                                     log-likelihood + penalizer * sum of squared parameters,
                                     with alpha (and Pareto/NBD's beta) in a time unit where
                                     the largest T is 1; Gamma-Gamma's unscaled. The fit's
                                     CRM_FIT_INFO_LOG_LIKELIHOOD stays unpenalized. */
  /* Appended after penalizer (offsetof(crm_fit_options, weights) stays accepted: no
   * weights). */
  const double* weights;          /* NULL (each row counts once) or n finite weights >= 0,
                                     one per row of crm_model_fit / crm_model_fit_summary
                                     (borrowed): a row of weight w counts as w customers with
                                     that history, e.g. a summary of identical histories.
                                     crm_model_fit_history_state, crm_model_fit_bgbb and
                                     crm_model_fit_sbg refuse a non-NULL value
                                     (CRM_ERR_INVALID_ARGUMENT): their inputs carry their
                                     own weights. */
} crm_fit_options;

#define CRM_FIT_OPTIONS_INIT {sizeof(crm_fit_options), 1e-7, 500, 10.0, NULL, 0, 0.0, NULL}

/* Fills *options with the defaults; see crm_satisfaction_thresholds_init for
 * `struct_size`. Errors: CRM_ERR_INVALID_ARGUMENT for NULL or an unknown struct_size. */
CRM_API crm_status crm_fit_options_init(crm_fit_options* options, size_t struct_size);

/* A fitted (or host-given) model of one kind. */
typedef struct crm_model crm_model;

/* Fits a model of `kind` (CRM_MODEL_*) on `n` customers and writes a new handle to *out;
 * the caller owns it (crm_model_destroy). `options` is borrowed; NULL = defaults.
 * BG/NBD and Pareto/NBD read `frequency`, `recency` and `T` (`monetary` is not read and
 * may be NULL). Gamma-Gamma reads `frequency` and `monetary` (mean repeat spend) only
 * (`recency` and `T` may be NULL); it is fitted on the repeat buyers (x > 0) whose mean
 * spend is > 0: repeat buyers with a finite mean spend <= 0 (refunds, free items) are
 * left out and counted (CRM_FIT_INFO_EXCLUDED), as the C++ scoring and CLI do.
 * MBG/NBD reads the same columns as BG/NBD. BG/BB and sBG have their own data: use
 * crm_model_fit_bgbb and crm_model_fit_sbg (here they are CRM_ERR_INVALID_ARGUMENT).
 * Errors (*out unchanged): CRM_ERR_INVALID_ARGUMENT for an unknown kind; a NULL column the
 * kind reads, or NULL `out`; n = 0; an invalid history (naming the row, the column and
 * the value: t_x > T, a negative or fractional x, NaN, ...); a non-finite spend; invalid
 * options or starting point (naming the field; a wrong initial_param_count); fewer repeat
 * buyers than min_repeat_buyers. CRM_ERR_OUT_OF_RANGE when a Pareto/NBD likelihood
 * series cannot be evaluated; CRM_ERR_NO_MEMORY. Not converging is not an error (see the
 * section comment). Thread-safe. */
CRM_API crm_status crm_model_fit(int kind, const double* frequency, const double* recency,
                                 const double* T, const double* monetary, size_t n,
                                 const crm_fit_options* options, crm_model** out);

/* The same on a summary's frequency, recency, T and monetary-value columns.
 * Errors as crm_model_fit, and CRM_ERR_INVALID_ARGUMENT for a NULL summary. Thread-safe. */
CRM_API crm_status crm_model_fit_summary(int kind, const crm_summary* summary,
                                         const crm_fit_options* options, crm_model** out);

/* Makes a model of `kind` from known parameters (`n_params` doubles in the kind's order,
 * borrowed) and writes a new handle to *out. Such a model counts as converged; it has no
 * fit report (crm_model_fit_info fails for it).
 * Errors: CRM_ERR_INVALID_ARGUMENT for an unknown kind, NULL `params` or `out`, n_params
 * other than the kind's count (4, 4, 3, 4, 4, 2), or a parameter that is not finite and > 0
 * (naming it). Thread-safe. */
CRM_API crm_status crm_model_from_params(int kind, const double* params, size_t n_params,
                                         crm_model** out);

/* The same for a transaction log held in caller columns (a host's arrays or a data frame),
 * without a CSV round trip: row i is customer `customer_ids[i]` (NUL-terminated UTF-8) or,
 * when `customer_ids` is NULL, the integer id `customer_numbers[i]` (written in decimal
 * as the summary's id); on day `days[i]` (days since 1970-01-01, e.g. numpy
 * datetime64[D]); for `amounts_minor[i]` exact minor units of the currency (cents for
 * options->minor_digits = 2; may be negative, a refund). All arrays are borrowed for the
 * call (NULL allowed when n = 0: then the error "no transactions"). Of `options` (NULL =
 * defaults) minor_digits, time_unit, observation_end and holdout_end are used: there is
 * nothing to parse (the parsing fields are still validated, so an invalid struct is
 * refused as by crm_summary_load_*). The summary is what crm_summary_load_* make of the same rows (same-day
 * purchases of a customer are one occasion; customers in order of first appearance);
 * crm_summary_info gives rows_read = transactions = n, rows_skipped = 0.
 * Errors (*out unchanged): CRM_ERR_INVALID_ARGUMENT for NULL `out`, both id arrays NULL, a
 * NULL `days` or `amounts_minor` (n > 0), n = 0, a NULL or non-UTF-8 id (naming the row),
 * a day outside years 1..9999 (naming the row and value), bad options (naming the field);
 * CRM_ERR_OUT_OF_RANGE when a customer's total value overflows, or more than 2^32 - 1
 * customers; CRM_ERR_NO_MEMORY. Thread-safe. */
CRM_API crm_status crm_summary_from_columns(const char* const* customer_ids,
                                            const int64_t* customer_numbers,
                                            const int32_t* days, const int64_t* amounts_minor,
                                            size_t n, const crm_ingest_options* options,
                                            crm_summary** out);

/* Frees the handle; NULL is a no-op. Using it afterwards is undefined behaviour (debug
 * builds detect it, as for crm_summary_destroy). */
CRM_API void crm_model_destroy(crm_model* model);

/* Writes the model's kind (CRM_MODEL_*) to *out.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`. Thread-safe. */
CRM_API crm_status crm_model_kind(const crm_model* model, int* out);

/* Writes the number of parameters (4 for BG/NBD, Pareto/NBD, MBG/NBD and BG/BB, 3 for
 * Gamma-Gamma, 2 for sBG) to *out. Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`. Thread-safe. */
CRM_API crm_status crm_model_param_count(const crm_model* model, size_t* out);

/* Copies the parameters, in the kind's order (see the section comment), into out[0..n).
 * For a fit that did not converge these are the last iterate, not estimates.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`, or `n` other than the
 * parameter count. Thread-safe. */
CRM_API crm_status crm_model_params(const crm_model* model, double* out, size_t n);

/* Writes 1 to *out when the model may be used for predictions (a converged fit, or a
 * model made from parameters), 0 for a fit that did not converge.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`. Thread-safe. */
CRM_API crm_status crm_model_converged(const crm_model* model, int32_t* out);

/* Figures of the fit report, read with crm_model_fit_info. */
#define CRM_FIT_INFO_CONVERGED 0      /* 1 or 0 */
#define CRM_FIT_INFO_ITERATIONS 1     /* quasi-Newton iterations (0 after a failed line
                                         search, which the optimizer does not count) */
#define CRM_FIT_INFO_EVALUATIONS 2    /* log-likelihood and gradient evaluations */
#define CRM_FIT_INFO_LOG_LIKELIHOOD 3 /* total log-likelihood at the returned parameters */
#define CRM_FIT_INFO_GRADIENT_NORM 4  /* of the mean negative log-likelihood there */
#define CRM_FIT_INFO_CUSTOMERS 5      /* customers the fit used (Gamma-Gamma: repeat buyers
                                         with positive spend; BG/BB: the sum of the
                                         weights; sBG: the cohorts' initial counts) */
#define CRM_FIT_INFO_EXCLUDED 6       /* Gamma-Gamma: repeat buyers left out for a mean
                                         spend <= 0; 0 for the other kinds */

/* Writes figure `key` (CRM_FIT_INFO_*) of the fit report to *out.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`, or an unknown key;
 * CRM_ERR_FAILED_PRECONDITION for a model made by crm_model_from_params. Thread-safe. */
CRM_API crm_status crm_model_fit_info(const crm_model* model, int key, double* out);

/* Writes the fit's outcome, "converged" or why not, to *out: NUL-terminated UTF-8 owned
 * by the handle, valid until crm_model_destroy ("given parameters" for a model made by
 * crm_model_from_params). Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`.
 * Thread-safe. */
CRM_API crm_status crm_model_fit_message(const crm_model* model, const char** out);

/* --- Saved models ------------------------------------------------------ */

/* Writes the model as one JSON document, the model file `crmcore fit --out` writes
 * (include/crmcore/model_file.h; README "Saved models"): kind, named parameters, the fit
 * report, standard errors, covariance and 95 % intervals (null when not available), the
 * time unit when known (a fit on a crm_summary knows it), format and library version.
 * Two calls: with `buffer` NULL, writes the length (bytes, without the NUL) to *out_size;
 * then with a caller buffer of at least that length + 1, writes the UTF-8 text and a NUL.
 * Numbers are the shortest decimals that read back to the same doubles.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out_size`; CRM_ERR_OUT_OF_RANGE
 * when `capacity` is less than the length + 1 (nothing is written; the message names the
 * size). A const use of the handle: thread-safe. */
CRM_API crm_status crm_model_to_json(const crm_model* model, char* buffer, size_t capacity,
                                     size_t* out_size);

/* Reads a model document (`length` bytes at `json`, borrowed for the call; no NUL needed)
 * into a new handle written to *out (owned by the caller: crm_model_destroy). The model
 * predicts exactly as the one that was saved; a saved fit that did not converge stays
 * unusable for predictions. Errors (*out unchanged): CRM_ERR_INVALID_ARGUMENT for NULL
 * `json` or `out`, text that is not JSON (naming the byte offset), a missing key or one of
 * the wrong type (naming it), an unknown model kind, parameters that are not the kind's or
 * not finite and > 0, a file of another format_version or major library version;
 * CRM_ERR_NO_MEMORY. Thread-safe. */
CRM_API crm_status crm_model_from_json(const char* json, size_t length, crm_model** out);

/* Copies the estimates' covariance matrix (k*k doubles, row-major, in the kind's
 * parameter order; k = crm_model_param_count) into out[0..n), n = k*k: the inverse Hessian
 * of the total negative log-likelihood at the estimates (of the penalized objective when
 * the fit had a penalizer), by central differences of the analytic gradient.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`, or n other than k*k;
 * CRM_ERR_FAILED_PRECONDITION for a model made by crm_model_from_params, a fit that did
 * not converge, or a Hessian that is singular or indefinite (the message says why).
 * Thread-safe. */
CRM_API crm_status crm_model_covariance(const crm_model* model, double* out, size_t n);

/* Copies the estimates' standard errors (square roots of the covariance's diagonal, k
 * doubles in the kind's parameter order) into out[0..n), n = k. A 95 % Wald interval is
 * estimate -/+ 1.959964 * standard error. Errors as crm_model_covariance (n other than k).
 * Thread-safe. */
CRM_API crm_status crm_model_standard_errors(const crm_model* model, double* out, size_t n);

/* --- Predictions (BG/NBD, Pareto/NBD, MBG/NBD) ------------------------- */

/* Expected purchases of each customer in (T, T + t] given the history, written to
 * out[0..n): FHL 2005 eq. 10 (BG/NBD), Schmittlein et al. 1987 / F&H 2005 eq. 27
 * (Pareto/NBD), Batislam et al. 2007 (MBG/NBD). `t` finite and >= 0, in the time unit of T.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or array (arrays may be NULL when
 * n = 0), a Gamma-Gamma, BG/BB or sBG model, an invalid `t` or history (naming the row);
 * CRM_ERR_FAILED_PRECONDITION for a fit that did not converge; CRM_ERR_OUT_OF_RANGE when a
 * series does not converge (t beyond ~10^5 (alpha + T)), naming the row. Thread-safe. */
CRM_API crm_status crm_model_expected_purchases(const crm_model* model, double t,
                                                const double* x, const double* t_x,
                                                const double* T, size_t n, double* out);

/* P(alive | x, t_x, T) of each customer, written to out[0..n) (FHL 2005 eq. 11 for
 * BG/NBD, F&H 2005 eq. 18 for Pareto/NBD). Errors as crm_model_expected_purchases.
 * Thread-safe. */
CRM_API crm_status crm_model_p_alive(const crm_model* model, const double* x,
                                     const double* t_x, const double* T, size_t n,
                                     double* out);

/* Expected purchases of a new customer in (0, t], to *out: FHL 2005 eq. 9 (BG/NBD),
 *   r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s - 1)]  (Pareto/NBD; Schmittlein
 * et al. 1987), its limit (r beta / alpha) log(1 + t / beta) at s = 1; MBG/NBD (Batislam
 * et al. 2007). `t` finite, >= 0.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`, a Gamma-Gamma, BG/BB or sBG
 * model or an invalid `t`; CRM_ERR_FAILED_PRECONDITION for a fit that did not converge;
 * CRM_ERR_OUT_OF_RANGE when a series does not converge or the value overflows.
 * Thread-safe. */
CRM_API crm_status crm_model_expected_purchases_new(const crm_model* model, double t,
                                                    double* out);

/* P(X(t) = n_purchases) for a new customer over (0, t], to *out: FHL 2005 eq. 8 (BG/NBD);
 * Fader & Hardie, "Deriving an expression for P(X(t) = x) under the Pareto/NBD model"
 * (Pareto/NBD, by quadrature over the lifetime, to ~1e-10 relative); for MBG/NBD eq. 8 with
 * the drop-out at time 0 (Batislam et al. 2007; mbgnbd.h):
 *   B(a, b+n+1)/B(a, b) NB(n) + B(a+1, b+n)/B(a, b) P(NB >= n), NB = NBD(r, alpha/(alpha+t)).
 * `n_purchases` >= 0, `t` finite and > 0. Errors as crm_model_expected_purchases_new, and
 * CRM_ERR_INVALID_ARGUMENT naming n_purchases < 0 or t <= 0. Thread-safe. */
CRM_API crm_status crm_model_purchase_count_probability(const crm_model* model,
                                                        int64_t n_purchases, double t,
                                                        double* out);

/* P(exactly n_purchases purchases in (T, T + t] | x, t_x, T) of each customer, written to
 * out[0..n) (Fader & Hardie, "Deriving the conditional PMF of the Pareto/NBD model"; the
 * same posterior argument for BG/NBD and MBG/NBD): P(alive) times the new-customer
 * probability at the updated parameters (r + x, alpha + T, a, b + x) or (r + x, alpha + T, s,
 * beta + T), plus 1 - P(alive) for n_purchases = 0. For MBG/NBD the customer alive at T has
 * survived x + 1 drop-out chances (time 0 and each repeat purchase) and has none at T
 * itself: the BG/NBD new-customer probability at (r + x, alpha + T, a, b + x + 1). Summed over n_purchases it is 1; its mean is
 * crm_model_expected_purchases. `n_purchases` >= 0, `t` finite and > 0.
 * Errors as crm_model_expected_purchases, and CRM_ERR_INVALID_ARGUMENT for n_purchases < 0
 * or t = 0. Thread-safe. */
CRM_API crm_status crm_model_conditional_purchase_count_probability(
    const crm_model* model, int64_t n_purchases, double t, const double* x, const double* t_x,
    const double* T, size_t n, double* out);

/* P(alive) over a frequency x recency grid for customers observed for `T` (the data of the
 * `lifetimes` library's plot_probability_alive_matrix), written row-major to
 * out[0..out_len): out[i * (recency_steps + 1) + j] is P(alive | x = i, t_x = j T /
 * recency_steps, T) for i = 0..max_frequency, j = 0..recency_steps (row x = 0 at t_x = 0
 * in every column). out_len must be (max_frequency + 1) * (recency_steps + 1).
 * 0 <= max_frequency <= 10000, 1 <= recency_steps <= 10000, T finite and > 0.
 * For BG/NBD, Pareto/NBD and MBG/NBD models.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`, a model of another kind, a
 * bound or T out of range, a wrong out_len (naming the size wanted);
 * CRM_ERR_FAILED_PRECONDITION for a fit that did not converge; CRM_ERR_OUT_OF_RANGE as
 * crm_model_p_alive. `out` is written only on success. Thread-safe. */
CRM_API crm_status crm_model_p_alive_matrix(const crm_model* model, int64_t max_frequency,
                                            double T, int64_t recency_steps, double* out,
                                            size_t out_len);

/* The same grid of expected purchases in (T, T + t] (crm_model_expected_purchases; the
 * data of lifetimes' plot_frequency_recency_matrix). `t` finite and >= 0. Errors as
 * crm_model_p_alive_matrix and crm_model_expected_purchases. Thread-safe. */
CRM_API crm_status crm_model_expected_purchases_matrix(const crm_model* model, double t,
                                                       int64_t max_frequency, double T,
                                                       int64_t recency_steps, double* out,
                                                       size_t out_len);

/* --- Spend and lifetime value ------------------------------------------ */

/* Expected mean spend per transaction of each customer, written to out[0..n) (Gamma-Gamma
 * only; FHL 2005 "RFM and CLV" eq. 5): p (gamma + m x) / (p x + q - 1), the population
 * mean p gamma / (q - 1) for x = 0. `frequency` x and `monetary` m as for the fit; a
 * repeat buyer with a finite mean spend <= 0 gets the population mean, as in the fit.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or array, another kind, an invalid
 * row (naming it), or q <= 1 with a row that needs the population mean;
 * CRM_ERR_FAILED_PRECONDITION for a fit that did not converge. Thread-safe. */
CRM_API crm_status crm_model_expected_mean_spend(const crm_model* spend_model,
                                                 const double* frequency,
                                                 const double* monetary, size_t n,
                                                 double* out);

/* How a model-based CLV is discounted, crmcore's one convention (the `lifetimes`
 * library's defaults): `periods` periods of `period_days` days — 12 months of 30 days —
 * each discounted at `discount_rate` a period (1 % a month), the purchases expected in
 * period k valued at its end. `time_unit` (CRM_TIME_UNIT_*) is the unit of the histories'
 * t_x and T, which turns days into that unit (30 days = 30/7 weeks): a crm_summary's columns
 * are in its crm_ingest_options.time_unit. `period_length`, when not 0, gives the period
 * directly in the unit of T instead (then period_days and time_unit are not read). A
 * struct_size of offsetof(crm_clv_options, time_unit), the size before time_unit and
 * period_days were appended, stays accepted (with its period_length).
 * Valid: 1 <= periods <= 100000, period_days finite and > 0, period_length 0 or finite and
 * > 0, discount_rate finite and > -1. */
typedef struct crm_clv_options {
  size_t struct_size; /* sizeof(crm_clv_options) */
  int32_t periods;
  double period_length; /* 0: the period is period_days in time_unit */
  double discount_rate;
  int32_t time_unit;    /* CRM_TIME_UNIT_* of t_x and T */
  double period_days;
} crm_clv_options;

#define CRM_CLV_OPTIONS_INIT {sizeof(crm_clv_options), 12, 0.0, 0.01, CRM_TIME_UNIT_DAYS, 30.0}

/* Fills *options with the defaults; see crm_satisfaction_thresholds_init for
 * `struct_size`. Errors: CRM_ERR_INVALID_ARGUMENT for NULL or an unknown struct_size. */
CRM_API crm_status crm_clv_options_init(crm_clv_options* options, size_t struct_size);

/* Discounted CLV of each customer, written to out[0..n) (FHL 2005 "RFM and CLV"; the
 * `lifetimes` library's customer_lifetime_value):
 *   CLV_i = spend_i * sum_{k=1..K} (E_i[Y(k L)] - E_i[Y((k-1) L)]) / (1 + d)^k,
 * E from `transaction_model` (BG/NBD, Pareto/NBD or MBG/NBD) and spend_i the expected mean spend
 * of `spend_model` (Gamma-Gamma, see crm_model_expected_mean_spend) from x and `monetary`;
 * with a NULL `spend_model`, `monetary` itself is the spend per purchase (finite, >= 0).
 * `options` is borrowed; NULL = defaults (a period of 30 days, in days). Units: those of
 * `monetary`. A transaction model that knows its time unit (fitted on a crm_summary, or
 * read from a model file that states it) must match the options' time_unit when the
 * period is given in days.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL transaction model or array, models of the
 * wrong kinds, invalid options, a model fitted in another time unit than
 * options->time_unit, rows or spends (naming the row);
 * CRM_ERR_FAILED_PRECONDITION for a fit that did not converge; CRM_ERR_OUT_OF_RANGE when a
 * value overflows or a series does not converge. Thread-safe. */
CRM_API crm_status crm_clv(const crm_model* transaction_model, const crm_model* spend_model,
                           const double* x, const double* t_x, const double* T,
                           const double* monetary, size_t n, const crm_clv_options* options,
                           double* out);

/* Net present value of one relationship (docs/domain.md §6.2; Gupta & Lehmann 2003), to *out:
 *   NPV = -acquisition_cost + sum_{k=1..n} (margins[k-1] - service_costs[k-1]) / (1 + d)^k,
 * the acquisition cost paid now, period k's flows at its end. `service_costs` may be NULL
 * for none; both arrays are borrowed (may be NULL when n = 0).
 * Errors: CRM_ERR_INVALID_ARGUMENT for NULL `margins` (n > 0) or `out`, a non-finite
 * amount (naming its period), a negative acquisition cost, a discount rate that is not
 * finite and > -1; CRM_ERR_OUT_OF_RANGE when the sum overflows. Pure, thread-safe. */
CRM_API crm_status crm_npv(double acquisition_cost, const double* margins,
                           const double* service_costs, size_t n, double discount_rate,
                           double* out);

/* --- Prediction intervals ---------------------------------------------- */

/* 95 % intervals of a prediction from the fits' parameter covariance (crm_model_covariance):
 * they cover the uncertainty of the estimates only, not the randomness of a customer's own
 * future purchases. Delta method per customer and for the total over the n customers
 * (gradient by central differences; se = sqrt(g' Cov g); value -/+ 1.959964 se, clamped to
 * the prediction's range: P(alive) in [0, 1], the others >= 0, the total to n times it),
 * and for the total a parametric bootstrap: parameters drawn from the asymptotic normal in
 * log-parameter space (so they stay positive), the 2.5 % and 97.5 % percentiles of the
 * totals. The draws (std::mt19937_64, std::normal_distribution) are reproducible for a seed
 * with one build of the library; another standard library may draw others.
 * The prediction and what it reads (columns as for the functions named):
 *   CRM_PREDICT_P_ALIVE             `model` BG/NBD or Pareto/NBD; x, t_x, T
 *                                   (crm_model_p_alive)
 *   CRM_PREDICT_EXPECTED_PURCHASES  the same and the horizon `t` (crm_model_expected_purchases)
 *   CRM_PREDICT_EXPECTED_MEAN_SPEND `model` Gamma-Gamma; x and `monetary`
 *                                   (crm_model_expected_mean_spend)
 *   CRM_PREDICT_CLV                 `model` BG/NBD or Pareto/NBD and `spend_model`
 *                                   Gamma-Gamma (required; the two fits independent, their
 *                                   covariances stacked); x, t_x, T, `monetary`,
 *                                   `clv_options` (NULL = defaults) (crm_clv)
 * Arguments a prediction does not read may be NULL (`spend_model`, columns) or anything
 * (`t`, `clv_options`). */
#define CRM_PREDICT_P_ALIVE 0
#define CRM_PREDICT_EXPECTED_PURCHASES 1
#define CRM_PREDICT_EXPECTED_MEAN_SPEND 2
#define CRM_PREDICT_CLV 3

/* Delta-method bounds of `prediction` (CRM_PREDICT_*) per customer into out_lo[0..n) and
 * out_hi[0..n), and, unless `out_total` is NULL, the total over the customers with its
 * bounds into out_total[0..3) (value, lo, hi). Outputs are written only on success.
 * Errors: CRM_ERR_INVALID_ARGUMENT for an unknown prediction, NULL or wrong-kind models, a
 * NULL column the prediction reads or NULL out_lo/out_hi (n > 0), invalid rows, `t` or
 * options (naming them); CRM_ERR_FAILED_PRECONDITION for a model made by
 * crm_model_from_params, a fit that did not converge, or one without a covariance (the
 * message says why); CRM_ERR_OUT_OF_RANGE as the prediction itself. Thread-safe. */
CRM_API crm_status crm_prediction_intervals(int prediction, const crm_model* model,
                                            const crm_model* spend_model, double t,
                                            const crm_clv_options* clv_options,
                                            const double* x, const double* t_x,
                                            const double* T, const double* monetary, size_t n,
                                            double* out_lo, double* out_hi, double* out_total);

/* Parametric-bootstrap percentile interval of the total of `prediction` over the n
 * customers into out_lo_hi[0..2) (2.5 % and 97.5 %), from `samples` draws (20 ..
 * 1000000) seeded with `seed`; draws where the prediction cannot be evaluated are left
 * out (more than half: CRM_ERR_FAILED_PRECONDITION). Arguments and errors as
 * crm_prediction_intervals; CRM_ERR_INVALID_ARGUMENT also for `samples` out of range or
 * NULL `out_lo_hi`. Thread-safe; the time is `samples` evaluations of the prediction. */
CRM_API crm_status crm_prediction_total_bootstrap(int prediction, const crm_model* model,
                                                  const crm_model* spend_model, double t,
                                                  const crm_clv_options* clv_options,
                                                  const double* x, const double* t_x,
                                                  const double* T, const double* monetary,
                                                  size_t n, int32_t samples, uint64_t seed,
                                                  double* out_lo_hi);

/* --- The log-likelihood, for hosts that hold the data in partitions ----- */

/* The log-likelihood of `kind` at `params` (`n_params` doubles in the kind's order) summed
 * over `n` customers, to *out_ll, and its gradient with respect to the log-parameters
 * (d LL / d log theta_k) to out_gradient[0..n_params) unless `out_gradient` is NULL.
 * Columns as for crm_model_fit (Gamma-Gamma sums over its repeat buyers with positive
 * spend). Sums over disjoint partitions of the customers add up to the sum over their
 * union, so a host can evaluate partitions where the data live and add them; n = 0 gives
 * 0 and a zero gradient. The fitted model's CRM_FIT_INFO_LOG_LIKELIHOOD is this sum over
 * all its customers at its parameters.
 * MBG/NBD as BG/NBD; BG/BB and sBG are not summed here (CRM_ERR_INVALID_ARGUMENT).
 * Errors: CRM_ERR_INVALID_ARGUMENT for an unknown kind, NULL `params`, `out_ll` or a column
 * the kind reads (n > 0), a wrong n_params, invalid parameters or rows (naming them);
 * CRM_ERR_OUT_OF_RANGE when a Pareto/NBD series cannot be evaluated. Pure, thread-safe. */
CRM_API crm_status crm_model_log_likelihood(int kind, const double* params, size_t n_params,
                                            const double* frequency, const double* recency,
                                            const double* T, const double* monetary, size_t n,
                                            double* out_ll, double* out_gradient);

/* --- BG/BB: discrete-time non-contractual (bgbb.h) --------------------- */

/* Fits BG/BB (Fader, Hardie & Shang 2010) on `n` rows of a recency/frequency pattern table
 * and writes a new handle to *out (caller owns it; crm_model_destroy). Row i: frequency[i]
 * = x repeat transactions, recency[i] = t_x the opportunity of the last (0 when x = 0),
 * periods[i] = n opportunities observed (whole numbers, x <= t_x <= n <= 10^6), weights[i]
 * = the customers with this pattern (finite, >= 0); `weights` may be NULL (each row counts
 * once). Arrays are borrowed, read during the call only. `options` as for crm_model_fit
 * (min_repeat_buyers counts the weight of rows with x > 0).
 * Errors (*out unchanged): CRM_ERR_INVALID_ARGUMENT for a NULL array (other than weights)
 * or `out`, n = 0, an invalid row or weight (naming row, column, value), invalid options,
 * too few repeat buyers; CRM_ERR_NO_MEMORY. Not converging is not an error. Thread-safe. */
CRM_API crm_status crm_model_fit_bgbb(const double* frequency, const double* recency,
                                      const double* periods, const double* weights, size_t n,
                                      const crm_fit_options* options, crm_model** out);

/* P(alive at opportunity n+1 | x, t_x, n) of each row, to out[0..n_rows) (FHS 2010 eq. 11).
 * Arrays borrowed (may be NULL when n_rows = 0); out written only on success.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or array, a model of another kind, an
 * invalid row (naming it); CRM_ERR_FAILED_PRECONDITION for a fit that did not converge.
 * Thread-safe. */
CRM_API crm_status crm_model_bgbb_p_alive(const crm_model* model, const double* x,
                                          const double* t_x, const double* periods,
                                          size_t n_rows, double* out);

/* Expected transactions in the next `n_star` opportunities (a whole number >= 0) of each
 * row, to out[0..n_rows) (FHS 2010 eq. 13). Errors as crm_model_bgbb_p_alive, and
 * CRM_ERR_INVALID_ARGUMENT for an invalid n_star (or n_star > 10^6 with gamma within
 * 0.01 of 1). Thread-safe. */
CRM_API crm_status crm_model_bgbb_expected_transactions(const crm_model* model, double n_star,
                                                        const double* x, const double* t_x,
                                                        const double* periods, size_t n_rows,
                                                        double* out);

/* Discounted expected residual transactions of each row at `discount` per opportunity
 * (finite, >= 0), to out[0..n_rows) (FHS 2010 eq. 14): multiply by the value of one
 * transaction for a customer's residual value. Errors as crm_model_bgbb_p_alive, and
 * CRM_ERR_INVALID_ARGUMENT for an invalid discount; CRM_ERR_OUT_OF_RANGE when the sum
 * diverges (discount 0 with gamma <= 1) or needs more than 10^7 terms. Thread-safe. */
CRM_API crm_status crm_model_bgbb_dert(const crm_model* model, double discount,
                                       const double* x, const double* t_x,
                                       const double* periods, size_t n_rows, double* out);

/* --- sBG: contractual retention (sbg.h) --------------------------------- */

/* Fits sBG (Fader & Hardie 2007) on survivor series and writes a new handle to *out (caller
 * owns it). `survivors` holds `n_cohorts` series back to back; cohort c has
 * cohort_lengths[c] (>= 2) counts: the customers still active at the start of period 0,
 * 1, ... (the first > 0, finite, none above the one before). `cohort_lengths` may be NULL
 * when n_cohorts = 1: then the single cohort has `n_values` counts. Arrays borrowed.
 * `options` as for crm_model_fit (min_repeat_buyers does not apply).
 * Errors (*out unchanged): CRM_ERR_INVALID_ARGUMENT for a NULL array or `out`,
 * n_cohorts = 0, lengths that do not add up to n_values, an invalid series (naming cohort,
 * period, value), no churn or no survivors, invalid options; CRM_ERR_NO_MEMORY.
 * Thread-safe. */
CRM_API crm_status crm_model_fit_sbg(const double* survivors, size_t n_values,
                                     const size_t* cohort_lengths, size_t n_cohorts,
                                     const crm_fit_options* options, crm_model** out);

/* S(t) (share of a cohort still active at period t) and r(t) (share of the customers of
 * period t-1 who renew for period t) for t = 0..n_periods-1, to survival[0..n_periods)
 * and retention[0..n_periods) (retention[0] = 1 by convention: nobody can leave before
 * period 0). Either output may be NULL to skip it. Multiply S by a cohort's size for its
 * projected survivors. Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle, a model of
 * another kind; CRM_ERR_FAILED_PRECONDITION for a fit that did not converge. Thread-safe. */
CRM_API crm_status crm_model_sbg_curve(const crm_model* model, size_t n_periods,
                                       double* survival, double* retention);

/* Discounted expected residual lifetime of a customer active in period `renewals` (a
 * whole number >= 0; 0 = newly acquired), this period counted now, at `discount` per
 * period (finite, >= 0), to *out (Fader & Hardie 2010): the customer's value is margin x
 * DERL, the heterogeneous counterpart of m (1 + d) / (1 + d - r).
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL handle or `out`, another kind, an invalid
 * discount or renewals; CRM_ERR_FAILED_PRECONDITION for a fit that did not converge;
 * CRM_ERR_OUT_OF_RANGE when the lifetime is infinite (discount 0 with alpha <= 1) or the
 * sum needs more than 10^7 terms. Thread-safe. */
CRM_API crm_status crm_model_sbg_derl(const crm_model* model, double discount,
                                      double renewals, double* out);

/* --- History states: fits over partitions and servers --------------------- */

/* The customer histories a fit needs from one partition, compressed: customers with equal
 * histories collapse into one weighted pattern, so the state's size is the number of
 * distinct histories, not of customers. Patterns are (x, t_x, T) for BG/NBD, Pareto/NBD
 * and MBG/NBD, and (x, m) for Gamma-Gamma: repeat buyers with a mean spend m > 0 (a double,
 * so equal spend patterns are rarer than equal purchase patterns), repeat buyers with a
 * finite m <= 0 counted as excluded (as crm_model_fit does). States of the partitions of
 * one population merge (crm_history_state_merge) into the state of the whole, exactly,
 * in any order; crm_model_fit_history_state on it gives the fit crm_model_fit gives on all
 * the customers (the same compressed rows, hence the same parameters, bit for bit when
 * every weight is a whole number). States travel as bytes of the partial-state format
 * (kind 3, "history state"; engine_state_io.h), checksummed like the quantile states.
 *
 * Threads: as for the partial states (a const state may be read by concurrent calls; a
 * call that changes one needs exclusive access). */
typedef struct crm_history_state crm_history_state;

/* Makes an empty state for fits of `kind` (CRM_MODEL_BGNBD, _PARETO_NBD, _MBGNBD or
 * _GAMMA_GAMMA) and writes it to *out, owned by the caller (crm_history_state_destroy).
 * BG/NBD, Pareto/NBD and MBG/NBD states hold the same patterns; any of them fits all three
 * models (crm_model_fit_history_state), but merging needs equal kinds.
 * Errors: CRM_ERR_INVALID_ARGUMENT for another kind or a NULL `out`; CRM_ERR_NO_MEMORY.
 * Thread-safe. */
CRM_API crm_status crm_history_state_create(int kind, crm_history_state** out);

/* Frees a state; NULL is a no-op. Needs exclusive access. */
CRM_API void crm_history_state_destroy(crm_history_state* state);

/* Adds `n` customers to the state. Columns as for crm_model_fit (BG/NBD and Pareto/NBD
 * read frequency, recency, T; Gamma-Gamma reads frequency and monetary; an unread column
 * may be NULL); `weight` gives each row's weight (finite, >= 0: a count of equal
 * customers) or is NULL for 1 each. All borrowed for the call.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead state, a NULL column the kind reads
 * (n > 0), an invalid history, spend or weight (naming the row, counted from 0 in this
 * batch, the column and the value); CRM_ERR_NO_MEMORY. On error the state is unchanged.
 * Needs exclusive access. */
CRM_API crm_status crm_history_state_add(crm_history_state* state, const double* frequency,
                                         const double* recency, const double* T,
                                         const double* monetary, const double* weight,
                                         size_t n);

/* Merges `from` into `into` (pattern weights add up; exact and order-independent for
 * whole-number weights). Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead handle,
 * `from` == `into`, or states of different kinds; CRM_ERR_NO_MEMORY. On error `into` is
 * unchanged. Needs exclusive access to `into`; `from` is only read. */
CRM_API crm_status crm_history_state_merge(crm_history_state* into,
                                           const crm_history_state* from);

/* Serializes the state (patterns in ascending order, so equal states give equal bytes);
 * same contract as crm_composite_state_serialize. */
CRM_API crm_status crm_history_state_serialize(const crm_history_state* state,
                                               uint8_t* buffer, size_t capacity,
                                               size_t* out_size);

/* Decodes one serialized history state; same contract as
 * crm_composite_state_deserialize (CRM_ERR_IO for truncated, corrupt or foreign bytes,
 * and for patterns that are not valid histories, naming the field or pattern). */
CRM_API crm_status crm_history_state_deserialize(const uint8_t* bytes, size_t length,
                                                 crm_history_state** out);

/* Figures of a history state, read with crm_history_state_info. */
#define CRM_HISTORY_INFO_KIND 0     /* the CRM_MODEL_* kind it was made for */
#define CRM_HISTORY_INFO_PATTERNS 1 /* distinct patterns held */
#define CRM_HISTORY_INFO_WEIGHT 2   /* sum of the pattern weights (customers kept) */
#define CRM_HISTORY_INFO_EXCLUDED 3 /* Gamma-Gamma: repeat buyers left out (spend <= 0) */

/* Writes figure `key` (CRM_HISTORY_INFO_*) of the state to *out.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead state, a NULL `out` or an unknown
 * key. A const use. */
CRM_API crm_status crm_history_state_info(const crm_history_state* state, int key,
                                          double* out);

/* Fits a model of `kind` on the state's patterns and writes a new handle to *out (owned by
 * the caller): the fit crm_model_fit gives on the customers the state holds. A purchase
 * state (made for BG/NBD, Pareto/NBD or MBG/NBD) fits any of those three; a Gamma-Gamma
 * state fits Gamma-Gamma (BG/BB and sBG are fitted on other data). `options` as for
 * crm_model_fit.
 * Errors: CRM_ERR_INVALID_ARGUMENT for a NULL or dead state, a NULL `out`, an unknown kind
 * or one the state's patterns cannot fit, an empty state, invalid options, fewer repeat
 * buyers than min_repeat_buyers; the other errors of crm_model_fit. Thread-safe (the state
 * is only read). */
CRM_API crm_status crm_model_fit_history_state(int kind, const crm_history_state* state,
                                               const crm_fit_options* options,
                                               crm_model** out);

/* The kind field of serialized state bytes of any kind, after checking their frame
 * (magic, format version, length, checksum): 1 composite, 2 quantile, 3 history. Lets a
 * host that receives bytes dispatch them to the right _deserialize.
 * Errors: CRM_ERR_IO for bytes that are truncated, corrupt or of an unknown kind;
 * CRM_ERR_INVALID_ARGUMENT for a NULL `out` or NULL bytes with a non-zero length. Pure,
 * thread-safe. */
CRM_API crm_status crm_state_kind(const uint8_t* bytes, size_t length, int* out);

#define CRM_STATE_KIND_COMPOSITE 1
#define CRM_STATE_KIND_QUANTILE 2
#define CRM_STATE_KIND_HISTORY 3

/* (end of models) */

/* =========================================================================
 * The HTML report (crmcore/html_report.h): one self-contained page (inline SVG and CSS,
 * no external request, readable printed) of a summary and its fitted models, as the CLI's
 * `crmcore report` writes for a log. From a summary and models the page has: the headline
 * figures (customers, mean P(alive), expected purchases and CLV over the horizon), the
 * frequency x recency matrices of P(alive) and expected purchases, the holdout check by
 * calibration frequency (when the summary has a holdout), the CLV distribution and its
 * Lorenz curve, the model parameters and fit reports, and the data summary. Left out, as
 * they need the occasion-level data that only the CLI's log path has: the value pyramid,
 * the loyalty ladder and the lifecycle / relationship / loyalty stages, the RFM heatmap,
 * the calibration-spend Lorenz curve, the at-risk list and the top customers table.
 * ========================================================================= */

#define CRM_REPORT_LANG_EN 0
#define CRM_REPORT_LANG_ZH 1

/* What the page shows. The CLV follows crmcore's one convention (see crm_clv_options):
 * clv_periods periods of clv_period_days days, each discounted at discount_rate (defaults
 * 12, 30, 0.01: a year of 30-day months at 1 % a month), in the summary's time unit.
 * Valid: language CRM_REPORT_LANG_*; horizon finite and >= 0 (expected purchases over it,
 * in the summary's time unit; 0 = the CLV's horizon); 1 <= clv_periods <= 100000;
 * clv_period_days finite and > 0; discount_rate finite and > -1; lost_p_alive in [0, 1]. */
typedef struct crm_report_options {
  size_t struct_size; /* sizeof(crm_report_options) */
  int32_t language;
  double horizon;
  double discount_rate;
  double lost_p_alive;
  int32_t clv_periods;
  double clv_period_days;
} crm_report_options;

#define CRM_REPORT_OPTIONS_INIT \
  {sizeof(crm_report_options), CRM_REPORT_LANG_EN, 0.0, 0.01, 0.5, 12, 30.0}

/* Fills *options with the defaults; see crm_satisfaction_thresholds_init for
 * `struct_size`. Errors: CRM_ERR_INVALID_ARGUMENT for NULL or an unknown struct_size. */
CRM_API crm_status crm_report_options_init(crm_report_options* options, size_t struct_size);

/* Writes the HTML page of `summary` with `transaction_model` (BG/NBD, Pareto/NBD or MBG/NBD)
 * and `spend_model`
 * (Gamma-Gamma) to the file `path` (UTF-8), through a temporary file beside it renamed
 * into place: on any error the file at `path`, if there was one, is unchanged. P(alive),
 * expected purchases and the discounted CLV are computed as the CLI's score computes
 * them. All arguments are borrowed; `options` NULL =
 * defaults. Errors: CRM_ERR_INVALID_ARGUMENT for a NULL summary, model or path, models of
 * the wrong kinds (BG/BB and sBG need the log's periods: `crmcore report`), invalid
 * options, or
 * models whose parameters do not fit the summary's rows; CRM_ERR_FAILED_PRECONDITION for
 * a fit that did not converge; CRM_ERR_IO "cannot write PATH: REASON" when the file cannot
 * be created, written or renamed; CRM_ERR_NO_MEMORY. Thread-safe (reads the handles only;
 * two calls writing the same path race as any two writers of one file do). */
CRM_API crm_status crm_report_write_html(const crm_summary* summary,
                                         const crm_model* transaction_model,
                                         const crm_model* spend_model,
                                         const crm_report_options* options, const char* path);

/* (end of report) */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CRMCORE_C_H_ */

/* The batch-scoring and partial-state sections of crmcore.h from a C99 host: hand-worked
 * results, the CDNOW customers scored through four partitions whose states travel as
 * bytes and are merged (equal to one batch), and every kind of bad input against its
 * status and message: NULL handles and pointers, wrong struct_size, unknown enum values,
 * mismatched lengths, NaN under reject, corrupt or truncated bytes, and (debug builds) a
 * destroyed handle used again.
 *
 * Usage: capi_engine_test CDNOW_SUMMARY_CSV */
#include "crmcore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* --- Helpers ----------------------------------------------------------------- */

static crm_column column_of(int32_t type, const void* data, size_t length) {
  crm_column c = CRM_COLUMN_INIT;
  c.type = type;
  c.data = data;
  c.length = length;
  return c;
}

/* Five empty float64 columns: the entries of unused components. */
static void empty_columns(crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT]) {
  int i;
  for (i = 0; i < CRM_COMPOSITE_COMPONENT_COUNT; ++i) {
    crm_column c = CRM_COLUMN_INIT;
    columns[i] = c;
  }
}

static crm_composite_plan* make_plan(void) {
  crm_composite_plan* plan = NULL;
  CHECK_OK(crm_composite_plan_create(&plan));
  CHECK(plan != NULL);
  return plan;
}

/* Serializes with the two-call pattern into a new malloc'd buffer. */
static uint8_t* composite_bytes(const crm_composite_state* state, size_t* size) {
  uint8_t* bytes;
  size_t written = 0;
  CHECK_OK(crm_composite_state_serialize(state, NULL, 0, size));
  bytes = (uint8_t*)malloc(*size);
  CHECK(bytes != NULL);
  CHECK_OK(crm_composite_state_serialize(state, bytes, *size, &written));
  CHECK(written == *size);
  return bytes;
}

static uint8_t* quantile_bytes(const crm_quantile_state* state, size_t* size) {
  uint8_t* bytes;
  size_t written = 0;
  CHECK_OK(crm_quantile_state_serialize(state, NULL, 0, size));
  bytes = (uint8_t*)malloc(*size);
  CHECK(bytes != NULL);
  CHECK_OK(crm_quantile_state_serialize(state, bytes, *size, &written));
  CHECK(written == *size);
  return bytes;
}

/* --- Hand-worked results -------------------------------------------------------- */

static void test_composite_by_hand(void) {
  /* current (float32, min-max over 10..50): 0, 0.25, 0.5, 1;
   * credit (int64, fixed bounds 1..5): 0, 0.5, 1, 0.25;
   * raw weights 3 : 1 → 0.75, 0.25. Every product and sum is exact in binary. */
  const float current[4] = {10.0f, 20.0f, 30.0f, 50.0f};
  const int64_t credit[4] = {1, 3, 5, 2};
  const double expected[4] = {0.0, 0.3125, 0.625, 0.8125};
  double out[4] = {0};
  double weight = 0.0;
  crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT];
  crm_composite_plan* plan = make_plan();
  int i;

  CHECK_OK(crm_composite_plan_set_weight(plan, CRM_COMPONENT_CURRENT_CONTRIBUTION, 3.0));
  CHECK_OK(crm_composite_plan_set_weight(plan, CRM_COMPONENT_CREDIT, 1.0));
  CHECK_OK(crm_composite_plan_set_normalizer(plan, CRM_COMPONENT_CREDIT,
                                             CRM_NORMALIZER_FIXED_BOUNDS, 1.0, 5.0));
  CHECK_OK(crm_composite_plan_validate(plan));
  CHECK_OK(crm_composite_plan_weight(plan, CRM_COMPONENT_CURRENT_CONTRIBUTION, &weight));
  CHECK(weight == 0.75);
  CHECK_OK(crm_composite_plan_weight(plan, CRM_COMPONENT_LOYALTY, &weight));
  CHECK(weight == 0.0);

  empty_columns(columns);
  columns[CRM_COMPONENT_CURRENT_CONTRIBUTION] = column_of(CRM_COLUMN_FLOAT32, current, 4);
  columns[CRM_COMPONENT_CREDIT] = column_of(CRM_COLUMN_INT64, credit, 4);
  /* An unused component's entry is never read beyond its struct_size. */
  columns[CRM_COMPONENT_LOYALTY] = column_of(99, NULL, 12345);
  CHECK_OK(crm_score_composite(plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, NULL, out, 4));
  for (i = 0; i < 4; ++i) CHECK(out[i] == expected[i]);

  /* Percentile rank (mid-rank) and z-score (population sd). */
  {
    const double loyalty[4] = {1.0, 2.0, 2.0, 4.0};  /* ranks .125 .5 .5 .875 */
    const double growth[4] = {1.0, 3.0, 1.0, 3.0};   /* mean 2, sd 1: z = -1, 1, -1, 1 */
    const double expected2[4] = {0.5 * 0.125 + 0.5 * -1.0, 0.5 * 0.5 + 0.5 * 1.0,
                                 0.5 * 0.5 + 0.5 * -1.0, 0.5 * 0.875 + 0.5 * 1.0};
    crm_composite_plan* p2 = make_plan();
    CHECK_OK(crm_composite_plan_set_weight(p2, CRM_COMPONENT_LOYALTY, 1.0));
    CHECK_OK(crm_composite_plan_set_weight(p2, CRM_COMPONENT_GROWTH_POTENTIAL, 1.0));
    CHECK_OK(crm_composite_plan_set_normalizer(p2, CRM_COMPONENT_LOYALTY,
                                               CRM_NORMALIZER_PERCENTILE_RANK, 0.0, 0.0));
    CHECK_OK(crm_composite_plan_set_normalizer(p2, CRM_COMPONENT_GROWTH_POTENTIAL,
                                               CRM_NORMALIZER_Z_SCORE, 0.0, 0.0));
    empty_columns(columns);
    columns[CRM_COMPONENT_LOYALTY] = column_of(CRM_COLUMN_FLOAT64, loyalty, 4);
    columns[CRM_COMPONENT_GROWTH_POTENTIAL] = column_of(CRM_COLUMN_FLOAT64, growth, 4);
    CHECK_OK(crm_score_composite(p2, columns, CRM_COMPOSITE_COMPONENT_COUNT, NULL, out, 4));
    for (i = 0; i < 4; ++i) CHECK(out[i] == expected2[i]);
    crm_composite_plan_destroy(p2);
  }

  /* Renormalized missing values marked by a validity bitmap: customer 1's credit is
   * missing, so its value is its current contribution's normalized value (0.25). */
  {
    const uint8_t validity = 0x0D; /* rows 0, 2, 3 present */
    crm_engine_options options = CRM_ENGINE_OPTIONS_INIT;
    options.missing_encoding = CRM_MISSING_VALIDITY_BITMAP;
    options.threads = 2;
    CHECK_OK(crm_composite_plan_set_missing_policy(plan, CRM_MISSING_POLICY_RENORMALIZE));
    empty_columns(columns);
    columns[CRM_COMPONENT_CURRENT_CONTRIBUTION] = column_of(CRM_COLUMN_FLOAT32, current, 4);
    columns[CRM_COMPONENT_CREDIT] = column_of(CRM_COLUMN_INT64, credit, 4);
    columns[CRM_COMPONENT_CREDIT].validity = &validity;
    CHECK_OK(crm_score_composite(plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, &options, out, 4));
    CHECK(out[0] == 0.0);
    CHECK(out[1] == 0.25);
    CHECK(out[2] == 0.625);
    CHECK(out[3] == 0.8125);
  }
  crm_composite_plan_destroy(plan);
}

static void test_tiers_rfm_satisfaction_by_hand(void) {
  double values[100];
  int8_t tiers[100];
  int8_t scores[10];
  const int8_t higher[10] = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5};
  const double b[3] = {1.0, 2.0, 3.0};
  const double a[3] = {2.0, 2.0, 2.0};
  double c[3] = {0};
  crm_pyramid_fractions halves = CRM_PYRAMID_FRACTIONS_INIT;
  int i;

  /* 1..100 with the default pyramid: seats 1, 5, 20 → 100 VIP, 96..99 major, 81..95
   * ordinary, the rest small. */
  for (i = 0; i < 100; ++i) values[i] = (double)(i + 1);
  CHECK_OK(crm_assign_value_tiers(values, 100, NULL, NULL, tiers));
  for (i = 0; i < 100; ++i) {
    const int v = i + 1;
    const int expected = v == 100 ? CRM_TIER_VIP
                         : v >= 96 ? CRM_TIER_MAJOR
                         : v >= 81 ? CRM_TIER_ORDINARY
                                   : CRM_TIER_SMALL;
    CHECK(tiers[i] == expected);
  }
  /* Fractions 0.5 / 0 / 0 / 0.5: the top half is VIP, no major or ordinary. */
  halves.vip_share = 0.5;
  halves.major_share = 0.0;
  halves.ordinary_share = 0.0;
  halves.small_share = 0.5;
  CHECK_OK(crm_assign_value_tiers(values, 100, &halves, NULL, tiers));
  CHECK(tiers[49] == CRM_TIER_SMALL && tiers[50] == CRM_TIER_VIP);

  /* 1..10: p = (2i - 1) / 20, score = 1 + floor(5p). */
  CHECK_OK(crm_rfm_quintiles(values, 10, CRM_RFM_HIGHER_IS_BETTER, NULL, scores));
  for (i = 0; i < 10; ++i) CHECK(scores[i] == higher[i]);
  CHECK_OK(crm_rfm_quintiles(values, 10, CRM_RFM_LOWER_IS_BETTER, NULL, scores));
  for (i = 0; i < 10; ++i) CHECK(scores[i] == 6 - higher[i]);

  CHECK_OK(crm_satisfaction_ratios(b, a, 3, NULL, c));
  CHECK(c[0] == 0.5 && c[1] == 1.0 && c[2] == 1.5);

  /* Empty inputs are fine, NULL arrays included. */
  CHECK_OK(crm_assign_value_tiers(NULL, 0, NULL, NULL, NULL));
  CHECK_OK(crm_rfm_quintiles(NULL, 0, CRM_RFM_HIGHER_IS_BETTER, NULL, NULL));
  CHECK_OK(crm_satisfaction_ratios(NULL, NULL, 0, NULL, NULL));
}

/* --- Satisfaction index (docs/domain.md §3.4) ---------------------------------- */

static void satisfaction_columns(crm_column columns[CRM_SATISFACTION_INDICATOR_COUNT],
                                 double data[CRM_SATISFACTION_INDICATOR_COUNT][2], size_t n) {
  int k;
  for (k = 0; k < CRM_SATISFACTION_INDICATOR_COUNT; ++k) {
    columns[k] = column_of(CRM_COLUMN_FLOAT64, data[k], n);
  }
}

static void test_satisfaction_index(void) {
  /* Two customers on 1..5 scales; column k holds indicator k's readings. */
  double data[CRM_SATISFACTION_INDICATOR_COUNT][2] = {
      {4.0, 3.0}, {5.0, 1.0}, {1.0, 1.0}, {2.0, 1.0}, {2.0, 1.0}, {5.0, 2.0}};
  const double lo[CRM_SATISFACTION_INDICATOR_COUNT] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  const double hi[CRM_SATISFACTION_INDICATOR_COUNT] = {5.0, 5.0, 5.0, 5.0, 5.0, 5.0};
  const double bad_hi[CRM_SATISFACTION_INDICATOR_COUNT] = {5.0, 5.0, 1.0, 5.0, 5.0, 5.0};
  const double reputation_and_price[CRM_SATISFACTION_INDICATOR_COUNT] = {2.0, 0.0, 0.0,
                                                                         0.0, 0.0, 1.0};
  const double negative[CRM_SATISFACTION_INDICATOR_COUNT] = {1.0, 1.0, 1.0, -1.0, 1.0, 1.0};
  crm_column columns[CRM_SATISFACTION_INDICATOR_COUNT];
  crm_engine_options bitmap = CRM_ENGINE_OPTIONS_INIT;
  const uint8_t first_missing = 0x2; /* row 0 missing, row 1 present */
  double out[2] = {0.0, 0.0};

  bitmap.missing_encoding = CRM_MISSING_VALIDITY_BITMAP;
  satisfaction_columns(columns, data, 2);
  /* Equal weights. Customer 0: direct scores (4-1)/4, (5-1)/4, (1-1)/4, purchase (2-1)/4;
   * inverse complaint rate (5-2)/4 and price sensitivity (5-5)/4: mean 2.75 / 6 = 11/24. */
  CHECK_OK(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi, NULL,
                                        CRM_MISSING_POLICY_REJECT, NULL, out, 2));
  CHECK(out[0] == 11.0 / 24.0);
  /* Customer 1: 0.5, 0, 0, inverse 1, 0, inverse 0.75: 2.25 / 6. */
  CHECK(out[1] == 2.25 / 6.0);
  /* Weights 2 : 1 on reputation and price sensitivity: customer 1 (2 * 0.5 + 0.75) / 3. */
  CHECK_OK(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                        reputation_and_price, CRM_MISSING_POLICY_REJECT, NULL,
                                        out, 2));
  CHECK(out[1] == 7.0 / 12.0);

  /* A missing reading: rejected, or skipped under renormalize (customer 0 without its
   * price sensitivity: 2.75 / 5), as a NaN or through a validity bitmap. */
  data[5][0] = NAN;
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                           NULL, CRM_MISSING_POLICY_REJECT, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT, "at index 0: satisfaction index: reading of "
                                        "price_sensitivity is missing");
  CHECK_OK(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi, NULL,
                                        CRM_MISSING_POLICY_RENORMALIZE, NULL, out, 2));
  CHECK(out[0] == 2.75 / 5.0 && out[1] == 2.25 / 6.0);
  columns[5].validity = &first_missing;
  CHECK_OK(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi, NULL,
                                        CRM_MISSING_POLICY_RENORMALIZE, &bitmap, out, 2));
  CHECK(out[0] == 2.75 / 5.0);
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                           NULL, CRM_MISSING_POLICY_RENORMALIZE, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT, "has a validity bitmap but the missing encoding is NaN");
  columns[5].validity = NULL;
  data[5][0] = 5.0;

  /* Bad readings name the row and the indicator. */
  data[3][1] = 6.0;
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                           NULL, CRM_MISSING_POLICY_REJECT, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT,
              "at index 1: satisfaction index: complaint_rate value must lie in [1, 5], got 6");
  data[3][1] = INFINITY;
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                           NULL, CRM_MISSING_POLICY_REJECT, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT, "complaint_rate must be finite, got value inf");
  data[3][1] = 1.0;

  /* Bad arguments. */
  CHECK_ERROR(crm_score_satisfaction_index(columns, 5, lo, hi, NULL, CRM_MISSING_POLICY_REJECT,
                                           NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT, "n_columns must be CRM_SATISFACTION_INDICATOR_COUNT");
  CHECK_ERROR(crm_score_satisfaction_index(NULL, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi, NULL,
                                           CRM_MISSING_POLICY_REJECT, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT, "columns must not be NULL");
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, NULL, hi,
                                           NULL, CRM_MISSING_POLICY_REJECT, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT, "scale_min must not be NULL");
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, NULL,
                                           NULL, CRM_MISSING_POLICY_REJECT, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT, "scale_max must not be NULL");
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, bad_hi,
                                           NULL, CRM_MISSING_POLICY_REJECT, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT,
              "scale of return_rate must be finite with min < max, got [1, 1]");
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                           negative, CRM_MISSING_POLICY_REJECT, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT, "weight of complaint_rate must be finite and >= 0");
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                           NULL, 9, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT, "missing_policy: unknown value 9");
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                           NULL, CRM_MISSING_POLICY_REJECT, NULL, NULL, 2),
              CRM_ERR_INVALID_ARGUMENT, "out is NULL but n is 2");
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                           NULL, CRM_MISSING_POLICY_REJECT, NULL, out, 1),
              CRM_ERR_INVALID_ARGUMENT, "out has 1 elements but the columns hold 2");
  columns[4].length = 1;
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                           NULL, CRM_MISSING_POLICY_REJECT, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT,
              "column purchase_amount has 1 values but column reputation has 2");
  columns[4].length = 2;
  columns[2].type = 7;
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                           NULL, CRM_MISSING_POLICY_REJECT, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT, "columns[2] (return_rate).type: unknown value 7");
  columns[2].type = CRM_COLUMN_FLOAT64;
  columns[1].struct_size = 3;
  CHECK_ERROR(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi,
                                           NULL, CRM_MISSING_POLICY_REJECT, NULL, out, 2),
              CRM_ERR_INVALID_ARGUMENT, "columns[1] (name_recall)");

  /* No customers: fine, NULL out included. */
  satisfaction_columns(columns, data, 0);
  CHECK_OK(crm_score_satisfaction_index(columns, CRM_SATISFACTION_INDICATOR_COUNT, lo, hi, NULL,
                                        CRM_MISSING_POLICY_REJECT, NULL, NULL, 0));
}

/* --- CDNOW through four partitions --------------------------------------------- */

typedef struct cdnow {
  size_t n;
  int64_t* frequency;
  double* recency;
  float* age;       /* T, as float32 */
  double* share;    /* recency / T in [0, 1] */
  double* idle;     /* T - recency: time since the last purchase */
} cdnow;

static int load_cdnow(const char* path, cdnow* data) {
  char line[256];
  size_t capacity = 4096;
  FILE* file = fopen(path, "r");
  if (file == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    return 0;
  }
  data->n = 0;
  data->frequency = (int64_t*)malloc(capacity * sizeof(int64_t));
  data->recency = (double*)malloc(capacity * sizeof(double));
  data->age = (float*)malloc(capacity * sizeof(float));
  data->share = (double*)malloc(capacity * sizeof(double));
  data->idle = (double*)malloc(capacity * sizeof(double));
  if (fgets(line, sizeof line, file) == NULL) { /* header */
    fclose(file);
    return 0;
  }
  while (fgets(line, sizeof line, file) != NULL && data->n < capacity) {
    long long id = 0, frequency = 0;
    double recency = 0.0, t = 0.0;
    if (sscanf(line, "%lld,%lld,%lf,%lf", &id, &frequency, &recency, &t) != 4) continue;
    data->frequency[data->n] = frequency;
    data->recency[data->n] = recency;
    data->age[data->n] = (float)t;
    data->share[data->n] = recency / t;
    data->idle[data->n] = t - recency;
    ++data->n;
  }
  fclose(file);
  return data->n > 2000;
}

static void free_cdnow(cdnow* data) {
  free(data->frequency);
  free(data->recency);
  free(data->age);
  free(data->share);
  free(data->idle);
}

/* Columns of rows [begin, end) for the plan of test_cdnow_partitions. */
static void cdnow_columns(const cdnow* d, size_t begin, size_t end,
                          crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT]) {
  const size_t n = end - begin;
  empty_columns(columns);
  columns[CRM_COMPONENT_CURRENT_CONTRIBUTION] =
      column_of(CRM_COLUMN_INT64, d->frequency + begin, n);
  columns[CRM_COMPONENT_FUTURE_CONTRIBUTION] = column_of(CRM_COLUMN_FLOAT64, d->recency + begin, n);
  columns[CRM_COMPONENT_LOYALTY] = column_of(CRM_COLUMN_FLOAT32, d->age + begin, n);
  columns[CRM_COMPONENT_GROWTH_POTENTIAL] = column_of(CRM_COLUMN_FLOAT64, d->share + begin, n);
}

/* Scores the population in one batch and through four partitions whose states go through
 * bytes; compares. With `z_score` the future contribution is a z-score (means and
 * variances merge with rounding), else min-max (everything exact). */
static void cdnow_composite(const cdnow* d, int z_score) {
  const size_t n = d->n;
  const size_t bounds[5] = {0, 600, 601, 1700, 0};
  size_t b[5];
  double* batch = (double*)malloc(n * sizeof(double));
  double* parts = (double*)malloc(n * sizeof(double));
  crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT];
  crm_composite_state* merged = NULL;
  crm_composite_plan* plan = make_plan();
  crm_engine_options options = CRM_ENGINE_OPTIONS_INIT;
  int64_t rows = -1;
  size_t p, i;

  memcpy(b, bounds, sizeof b);
  b[4] = n;
  options.threads = 2;
  CHECK_OK(crm_composite_plan_set_weight(plan, CRM_COMPONENT_CURRENT_CONTRIBUTION, 0.4));
  CHECK_OK(crm_composite_plan_set_weight(plan, CRM_COMPONENT_FUTURE_CONTRIBUTION, 0.2));
  CHECK_OK(crm_composite_plan_set_weight(plan, CRM_COMPONENT_LOYALTY, 0.3));
  CHECK_OK(crm_composite_plan_set_weight(plan, CRM_COMPONENT_GROWTH_POTENTIAL, 0.1));
  CHECK_OK(crm_composite_plan_set_normalizer(
      plan, CRM_COMPONENT_FUTURE_CONTRIBUTION,
      z_score ? CRM_NORMALIZER_Z_SCORE : CRM_NORMALIZER_MIN_MAX, 0.0, 0.0));
  CHECK_OK(crm_composite_plan_set_normalizer(plan, CRM_COMPONENT_LOYALTY,
                                             CRM_NORMALIZER_PERCENTILE_RANK, 0.0, 0.0));
  CHECK_OK(crm_composite_plan_set_normalizer(plan, CRM_COMPONENT_GROWTH_POTENTIAL,
                                             CRM_NORMALIZER_FIXED_BOUNDS, 0.0, 1.0));

  cdnow_columns(d, 0, n, columns);
  CHECK_OK(crm_score_composite(plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, &options, batch, n));

  /* Partition states → bytes → states → merged in partition order. Partition 2 is fed in
   * two batches through _update. */
  for (p = 0; p < 4; ++p) {
    crm_composite_state* state = NULL;
    crm_composite_state* back = NULL;
    uint8_t* bytes;
    size_t size = 0;
    if (p == 2) {
      const size_t middle = (b[p] + b[p + 1]) / 2;
      cdnow_columns(d, b[p], middle, columns);
      CHECK_OK(crm_composite_state_create(plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, &options,
                                          &state));
      cdnow_columns(d, middle, b[p + 1], columns);
      CHECK_OK(crm_composite_state_update(state, plan, columns, CRM_COMPOSITE_COMPONENT_COUNT,
                                          &options));
    } else {
      cdnow_columns(d, b[p], b[p + 1], columns);
      CHECK_OK(crm_composite_state_create(plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, &options,
                                          &state));
    }
    bytes = composite_bytes(state, &size);
    CHECK_OK(crm_composite_state_deserialize(bytes, size, &back));
    CHECK_OK(crm_composite_state_rows(back, &rows));
    CHECK(rows == (int64_t)(b[p + 1] - b[p]));
    if (merged == NULL) {
      merged = back;
    } else {
      CHECK_OK(crm_composite_state_merge(merged, back));
      crm_composite_state_destroy(back);
    }
    crm_composite_state_destroy(state);
    free(bytes);
  }
  CHECK_OK(crm_composite_state_rows(merged, &rows));
  CHECK(rows == (int64_t)n);

  for (p = 0; p < 4; ++p) {
    cdnow_columns(d, b[p], b[p + 1], columns);
    CHECK_OK(crm_score_composite_with_state(plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, merged,
                                            &options, parts + b[p], b[p + 1] - b[p]));
  }
  if (z_score) {
    double worst = 0.0;
    for (i = 0; i < n; ++i) {
      const double diff = fabs(parts[i] - batch[i]);
      if (diff > worst) worst = diff;
    }
    CHECK(worst <= 1e-12);
  } else {
    CHECK(memcmp(parts, batch, n * sizeof(double)) == 0);
  }
  crm_composite_state_destroy(merged);
  crm_composite_plan_destroy(plan);
  free(batch);
  free(parts);
}

static void cdnow_quantiles(const cdnow* d) {
  const size_t n = d->n;
  const size_t b[5] = {0, 1000, 1001, 2000, 0};
  size_t bounds[5];
  int8_t* batch = (int8_t*)malloc(n);
  int8_t* parts = (int8_t*)malloc(n);
  double* value = (double*)malloc(n * sizeof(double));
  crm_quantile_state* frequency = NULL;
  crm_quantile_state* idle = NULL;
  int64_t count = -1;
  size_t p, i;

  memcpy(bounds, b, sizeof bounds);
  bounds[4] = n;
  for (i = 0; i < n; ++i) value[i] = (double)d->frequency[i];

  for (p = 0; p < 4; ++p) {
    const size_t begin = bounds[p], end = bounds[p + 1];
    crm_quantile_state* f = NULL;
    crm_quantile_state* g = NULL;
    crm_quantile_state* f_back = NULL;
    crm_quantile_state* g_back = NULL;
    uint8_t* bytes;
    size_t size = 0;
    CHECK_OK(crm_quantile_state_create(value + begin, (end - begin) / 2, NULL, &f));
    CHECK_OK(crm_quantile_state_update(f, value + begin + (end - begin) / 2,
                                       end - begin - (end - begin) / 2, NULL));
    CHECK_OK(crm_quantile_state_create(d->idle + begin, end - begin, NULL, &g));
    bytes = quantile_bytes(f, &size);
    CHECK_OK(crm_quantile_state_deserialize(bytes, size, &f_back));
    free(bytes);
    bytes = quantile_bytes(g, &size);
    CHECK_OK(crm_quantile_state_deserialize(bytes, size, &g_back));
    free(bytes);
    CHECK_OK(crm_quantile_state_count(f_back, &count));
    CHECK(count == (int64_t)(end - begin));
    if (frequency == NULL) {
      frequency = f_back;
      idle = g_back;
    } else {
      CHECK_OK(crm_quantile_state_merge(frequency, f_back));
      CHECK_OK(crm_quantile_state_merge(idle, g_back));
      crm_quantile_state_destroy(f_back);
      crm_quantile_state_destroy(g_back);
    }
    crm_quantile_state_destroy(f);
    crm_quantile_state_destroy(g);
  }
  CHECK_OK(crm_quantile_state_count(frequency, &count));
  CHECK(count == (int64_t)n);

  /* Tiers of frequency. */
  CHECK_OK(crm_assign_value_tiers(value, n, NULL, NULL, batch));
  for (p = 0; p < 4; ++p) {
    CHECK_OK(crm_assign_value_tiers_with_state(value + bounds[p], bounds[p + 1] - bounds[p],
                                               frequency, NULL, NULL, parts + bounds[p]));
  }
  CHECK(memcmp(batch, parts, n) == 0);
  {
    int tier_counts[4] = {0, 0, 0, 0};
    for (i = 0; i < n; ++i) ++tier_counts[batch[i]];
    CHECK(tier_counts[CRM_TIER_VIP] >= 1 && tier_counts[CRM_TIER_SMALL] > 0);
  }
  /* RFM: frequency (higher is better) and time since the last purchase (lower is better). */
  CHECK_OK(crm_rfm_quintiles(value, n, CRM_RFM_HIGHER_IS_BETTER, NULL, batch));
  for (p = 0; p < 4; ++p) {
    CHECK_OK(crm_rfm_quintiles_with_state(value + bounds[p], bounds[p + 1] - bounds[p],
                                          frequency, CRM_RFM_HIGHER_IS_BETTER, NULL,
                                          parts + bounds[p]));
  }
  CHECK(memcmp(batch, parts, n) == 0);
  CHECK_OK(crm_rfm_quintiles(d->idle, n, CRM_RFM_LOWER_IS_BETTER, NULL, batch));
  for (p = 0; p < 4; ++p) {
    CHECK_OK(crm_rfm_quintiles_with_state(d->idle + bounds[p], bounds[p + 1] - bounds[p], idle,
                                          CRM_RFM_LOWER_IS_BETTER, NULL, parts + bounds[p]));
  }
  CHECK(memcmp(batch, parts, n) == 0);
  for (i = 0; i < n; ++i) CHECK(batch[i] >= 1 && batch[i] <= 5);

  crm_quantile_state_destroy(frequency);
  crm_quantile_state_destroy(idle);
  free(batch);
  free(parts);
  free(value);
}

/* --- Bad input -------------------------------------------------------------------- */

static void test_bad_structs_and_enums(void) {
  crm_column column;
  crm_engine_options options;
  crm_pyramid_fractions fractions;
  crm_composite_plan* plan = make_plan();
  double weight = -1.0;

  CHECK_OK(crm_column_init(&column, sizeof column));
  CHECK(column.struct_size == sizeof column && column.type == CRM_COLUMN_FLOAT64 &&
        column.data == NULL && column.length == 0 && column.validity == NULL);
  CHECK_OK(crm_engine_options_init(&options, sizeof options));
  CHECK(options.threads == 0 && options.missing_encoding == CRM_MISSING_NAN);
  CHECK_OK(crm_pyramid_fractions_init(&fractions, sizeof fractions));
  CHECK(fractions.vip_share == 0.01 && fractions.major_share == 0.04 &&
        fractions.ordinary_share == 0.15 && fractions.small_share == 0.80);
  CHECK_ERROR(crm_column_init(NULL, sizeof column), CRM_ERR_INVALID_ARGUMENT, "crm_column");
  CHECK_ERROR(crm_column_init(&column, sizeof column + 8), CRM_ERR_INVALID_ARGUMENT,
              "crm_column.struct_size must be sizeof(crm_column)");
  CHECK_ERROR(crm_engine_options_init(&options, 4), CRM_ERR_INVALID_ARGUMENT,
              "crm_engine_options.struct_size");
  CHECK_ERROR(crm_pyramid_fractions_init(&fractions, 0), CRM_ERR_INVALID_ARGUMENT,
              "crm_pyramid_fractions.struct_size");

  CHECK_ERROR(crm_composite_plan_create(NULL), CRM_ERR_INVALID_ARGUMENT, "out must not be NULL");
  CHECK_ERROR(crm_composite_plan_set_weight(NULL, 0, 1.0), CRM_ERR_INVALID_ARGUMENT,
              "crm_composite_plan_set_weight: plan must not be NULL");
  CHECK_ERROR(crm_composite_plan_set_weight(plan, 5, 1.0), CRM_ERR_INVALID_ARGUMENT,
              "composite_component: unknown numeric value 5");
  CHECK_ERROR(crm_composite_plan_set_weight(plan, -1, 1.0), CRM_ERR_INVALID_ARGUMENT,
              "unknown numeric value -1");
  CHECK_ERROR(crm_composite_plan_set_weight(plan, 0, NAN), CRM_ERR_INVALID_ARGUMENT,
              "weight of current_contribution must be finite and >= 0, got nan");
  CHECK_ERROR(crm_composite_plan_set_weight(plan, 0, -0.5), CRM_ERR_INVALID_ARGUMENT, "got -0.5");
  CHECK_ERROR(crm_composite_plan_set_weight(plan, 0, INFINITY), CRM_ERR_INVALID_ARGUMENT,
              "got inf");
  CHECK_ERROR(crm_composite_plan_set_normalizer(plan, 0, 4, 0.0, 1.0), CRM_ERR_INVALID_ARGUMENT,
              "normalizer_kind: unknown numeric value 4");
  CHECK_ERROR(crm_composite_plan_set_normalizer(plan, 2, CRM_NORMALIZER_FIXED_BOUNDS, 5.0, 1.0),
              CRM_ERR_INVALID_ARGUMENT, "component credit: normalizer: fixed_lower must be <");
  CHECK_ERROR(crm_composite_plan_set_normalizer(plan, 2, CRM_NORMALIZER_FIXED_BOUNDS, -1e308,
                                                1e308),
              CRM_ERR_OUT_OF_RANGE, "overflows");
  CHECK_ERROR(crm_composite_plan_set_missing_policy(plan, 2), CRM_ERR_INVALID_ARGUMENT,
              "policy: unknown value 2");
  /* Every weight is still 0. */
  CHECK_ERROR(crm_composite_plan_validate(plan), CRM_ERR_INVALID_ARGUMENT,
              "weights must not all be zero");
  CHECK_ERROR(crm_composite_plan_weight(plan, 0, &weight), CRM_ERR_INVALID_ARGUMENT,
              "weights must not all be zero");
  CHECK(weight == -1.0); /* out-pointer unchanged on error */
  CHECK_ERROR(crm_composite_plan_validate(NULL), CRM_ERR_INVALID_ARGUMENT, "plan must not be NULL");
  CHECK_OK(crm_composite_plan_set_weight(plan, 0, 1.0));
  CHECK_ERROR(crm_composite_plan_weight(plan, 0, NULL), CRM_ERR_INVALID_ARGUMENT,
              "out must not be NULL");
  CHECK_ERROR(crm_composite_plan_weight(plan, 7, &weight), CRM_ERR_INVALID_ARGUMENT,
              "unknown numeric value 7");
  crm_composite_plan_destroy(plan);
  crm_composite_plan_destroy(NULL); /* no-op */
}

/* Covers docs/bad-input.md BI-CAPI-09. */
static void test_bad_scoring_calls(void) {
  const double x[3] = {1.0, 2.0, NAN};
  const double y[2] = {1.0, 2.0};
  const double good[3] = {1.0, 2.0, 3.0};
  const uint8_t validity = 0x07;
  double out[3] = {0};
  int8_t small_out[3] = {0};
  crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT];
  crm_engine_options options = CRM_ENGINE_OPTIONS_INIT;
  crm_pyramid_fractions fractions = CRM_PYRAMID_FRACTIONS_INIT;
  crm_composite_plan* plan = make_plan();
  const double nan_b[2] = {1.0, 1.0};
  const double zero_a[2] = {1.0, 0.0};

  CHECK_OK(crm_composite_plan_set_weight(plan, CRM_COMPONENT_CURRENT_CONTRIBUTION, 1.0));
  CHECK_OK(crm_composite_plan_set_weight(plan, CRM_COMPONENT_CREDIT, 1.0));
  empty_columns(columns);
  columns[0] = column_of(CRM_COLUMN_FLOAT64, good, 3);
  columns[2] = column_of(CRM_COLUMN_FLOAT64, good, 3);
  CHECK_OK(crm_score_composite(plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, NULL, out, 3));

  CHECK_ERROR(crm_score_composite(NULL, columns, 5, NULL, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "crm_score_composite: plan must not be NULL");
  CHECK_ERROR(crm_score_composite(plan, NULL, 5, NULL, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "columns must not be NULL");
  CHECK_ERROR(crm_score_composite(plan, columns, 4, NULL, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "n_columns must be CRM_COMPOSITE_COMPONENT_COUNT = 5");
  CHECK_ERROR(crm_score_composite(plan, columns, 5, NULL, NULL, 3), CRM_ERR_INVALID_ARGUMENT,
              "out is NULL but n is 3");
  /* Mismatched lengths: out, then the columns. */
  CHECK_ERROR(crm_score_composite(plan, columns, 5, NULL, out, 2), CRM_ERR_INVALID_ARGUMENT,
              "out has 2 elements but the columns hold 3 customers");
  columns[2] = column_of(CRM_COLUMN_FLOAT64, y, 2);
  CHECK_ERROR(crm_score_composite(plan, columns, 5, NULL, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "column credit has 2 values but column current_contribution has 3");
  /* NaN under reject names the component and the row. */
  columns[2] = column_of(CRM_COLUMN_FLOAT64, x, 3);
  CHECK_ERROR(crm_score_composite(plan, columns, 5, NULL, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "column credit value at index 2 is nan");
  /* Wrong struct_size of an entry (names its index), unknown type, NULL data. */
  columns[2] = column_of(CRM_COLUMN_FLOAT64, good, 3);
  columns[1].struct_size = 1;
  CHECK_ERROR(crm_score_composite(plan, columns, 5, NULL, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "columns[1] (future_contribution): crm_column.struct_size must be");
  columns[1].struct_size = sizeof(crm_column);
  columns[2].type = 3;
  CHECK_ERROR(crm_score_composite(plan, columns, 5, NULL, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "columns[2] (credit).type: unknown value 3");
  columns[2] = column_of(CRM_COLUMN_FLOAT64, NULL, 3);
  CHECK_ERROR(crm_score_composite(plan, columns, 5, NULL, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "columns[2] (credit).data is NULL but length is 3");
  columns[2] = column_of(CRM_COLUMN_FLOAT64, good, 3);
  /* Options: wrong size, unknown encoding, threads out of range, a bitmap under NaN. */
  options.struct_size = 8;
  CHECK_ERROR(crm_score_composite(plan, columns, 5, &options, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "crm_engine_options.struct_size must be");
  options.struct_size = sizeof options;
  options.missing_encoding = 2;
  CHECK_ERROR(crm_score_composite(plan, columns, 5, &options, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "missing_encoding: unknown value 2");
  options.missing_encoding = CRM_MISSING_NAN;
  options.threads = -1;
  CHECK_ERROR(crm_score_composite(plan, columns, 5, &options, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "threads must be in [0, 1024], got -1");
  options.threads = 1;
  columns[2].validity = &validity;
  CHECK_ERROR(crm_score_composite(plan, columns, 5, &options, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "column credit has a validity bitmap but the missing encoding is NaN");
  /* Under the bitmap encoding a NaN in a valid slot is invalid. */
  options.missing_encoding = CRM_MISSING_VALIDITY_BITMAP;
  columns[2] = column_of(CRM_COLUMN_FLOAT64, x, 3);
  columns[2].validity = &validity;
  CHECK_ERROR(crm_score_composite(plan, columns, 5, &options, out, 3), CRM_ERR_INVALID_ARGUMENT,
              "column credit value at index 2 is nan");

  /* Tiers, RFM, satisfaction. */
  CHECK_ERROR(crm_assign_value_tiers(NULL, 3, NULL, NULL, small_out), CRM_ERR_INVALID_ARGUMENT,
              "values is NULL but n is 3");
  CHECK_ERROR(crm_assign_value_tiers(good, 3, NULL, NULL, NULL), CRM_ERR_INVALID_ARGUMENT,
              "out_tiers is NULL but n is 3");
  CHECK_ERROR(crm_assign_value_tiers(x, 3, NULL, NULL, small_out), CRM_ERR_INVALID_ARGUMENT,
              "value at index 2 must be finite, got nan");
  fractions.vip_share = 0.5;
  CHECK_ERROR(crm_assign_value_tiers(good, 3, &fractions, NULL, small_out),
              CRM_ERR_INVALID_ARGUMENT, "fractions must sum to 1");
  fractions.struct_size = 0;
  CHECK_ERROR(crm_assign_value_tiers(good, 3, &fractions, NULL, small_out),
              CRM_ERR_INVALID_ARGUMENT, "crm_pyramid_fractions.struct_size");
  CHECK_ERROR(crm_rfm_quintiles(good, 3, 2, NULL, small_out), CRM_ERR_INVALID_ARGUMENT,
              "unknown direction 2");
  CHECK_ERROR(crm_rfm_quintiles(x, 3, CRM_RFM_HIGHER_IS_BETTER, NULL, small_out),
              CRM_ERR_INVALID_ARGUMENT, "value at index 2 must be finite, got nan");
  CHECK_ERROR(crm_rfm_quintiles(good, 3, CRM_RFM_HIGHER_IS_BETTER, NULL, NULL),
              CRM_ERR_INVALID_ARGUMENT, "out_scores is NULL");
  CHECK_ERROR(crm_satisfaction_ratios(nan_b, zero_a, 2, NULL, out), CRM_ERR_INVALID_ARGUMENT,
              "satisfaction ratio at index 1");
  CHECK_ERROR(crm_satisfaction_ratios(nan_b, NULL, 2, NULL, out), CRM_ERR_INVALID_ARGUMENT,
              "expectation_a is NULL but n is 2");
  crm_composite_plan_destroy(plan);
}

/* Covers docs/bad-input.md BI-CAPI-10, BI-CAPI-11. */
static void test_bad_states(void) {
  const double values[6] = {5.0, 1.0, 4.0, 2.0, 3.0, 3.0};
  crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT];
  crm_composite_plan* min_max = make_plan();
  crm_composite_plan* percentile = make_plan();
  crm_composite_state* a = NULL;
  crm_composite_state* b = NULL;
  crm_composite_state* sentinel = (crm_composite_state*)&columns; /* never dereferenced */
  crm_composite_state* out = sentinel;
  crm_quantile_state* q = NULL;
  crm_quantile_state* empty = NULL;
  crm_quantile_state* q_out = (crm_quantile_state*)&columns;
  uint8_t* bytes;
  uint8_t* bad;
  size_t size = 0, len, at;
  size_t untouched = 12345;
  int64_t rows = -7;
  double scores[6];
  int8_t tiers[6];
  int all_io = 1;

  CHECK_OK(crm_composite_plan_set_weight(min_max, CRM_COMPONENT_LOYALTY, 1.0));
  CHECK_OK(crm_composite_plan_set_weight(percentile, CRM_COMPONENT_LOYALTY, 1.0));
  CHECK_OK(crm_composite_plan_set_normalizer(percentile, CRM_COMPONENT_LOYALTY,
                                             CRM_NORMALIZER_PERCENTILE_RANK, 0.0, 0.0));
  empty_columns(columns);
  columns[CRM_COMPONENT_LOYALTY] = column_of(CRM_COLUMN_FLOAT64, values, 6);
  CHECK_OK(crm_composite_state_create(min_max, columns, 5, NULL, &a));
  CHECK_OK(crm_composite_state_create(percentile, columns, 5, NULL, &b));

  /* NULL handles and pointers; out-pointers unchanged on error. */
  CHECK_ERROR(crm_composite_state_create(min_max, columns, 5, NULL, NULL),
              CRM_ERR_INVALID_ARGUMENT, "out must not be NULL");
  CHECK_ERROR(crm_composite_state_create(NULL, columns, 5, NULL, &out), CRM_ERR_INVALID_ARGUMENT,
              "plan must not be NULL");
  CHECK(out == sentinel);
  CHECK_ERROR(crm_composite_state_rows(NULL, &rows), CRM_ERR_INVALID_ARGUMENT,
              "state must not be NULL");
  CHECK_ERROR(crm_composite_state_rows(a, NULL), CRM_ERR_INVALID_ARGUMENT, "out must not be NULL");
  CHECK(rows == -7);
  CHECK_ERROR(crm_composite_state_merge(NULL, a), CRM_ERR_INVALID_ARGUMENT,
              "into must not be NULL");
  CHECK_ERROR(crm_composite_state_merge(a, NULL), CRM_ERR_INVALID_ARGUMENT,
              "from must not be NULL");
  CHECK_ERROR(crm_composite_state_merge(a, a), CRM_ERR_INVALID_ARGUMENT, "into itself");
  CHECK_ERROR(crm_composite_state_update(NULL, min_max, columns, 5, NULL),
              CRM_ERR_INVALID_ARGUMENT, "state must not be NULL");
  CHECK_ERROR(crm_composite_state_serialize(a, NULL, 0, NULL), CRM_ERR_INVALID_ARGUMENT,
              "out_size must not be NULL");
  /* States of different plans do not merge; a state without sorted values cannot score a
   * percentile-rank plan. */
  CHECK_ERROR(crm_composite_state_merge(a, b), CRM_ERR_INVALID_ARGUMENT, "column loyalty");
  CHECK_ERROR(crm_score_composite_with_state(percentile, columns, 5, a, NULL, scores, 6),
              CRM_ERR_INVALID_ARGUMENT, "sorted values");
  CHECK_ERROR(crm_score_composite_with_state(percentile, columns, 5, NULL, NULL, scores, 6),
              CRM_ERR_INVALID_ARGUMENT, "state must not be NULL");
  CHECK_ERROR(crm_score_composite_with_state(percentile, columns, 5, b, NULL, scores, 5),
              CRM_ERR_INVALID_ARGUMENT, "out has 5 elements");
  /* An update that fails leaves the state unchanged. */
  {
    const double with_inf[2] = {1.0, INFINITY};
    crm_column bad_columns[CRM_COMPOSITE_COMPONENT_COUNT];
    empty_columns(bad_columns);
    bad_columns[CRM_COMPONENT_LOYALTY] = column_of(CRM_COLUMN_FLOAT64, with_inf, 2);
    CHECK_ERROR(crm_composite_state_update(a, min_max, bad_columns, 5, NULL),
                CRM_ERR_INVALID_ARGUMENT, "column loyalty value at index 1 is inf");
    CHECK_OK(crm_composite_state_rows(a, &rows));
    CHECK(rows == 6);
  }

  /* Serialization: a buffer too small is CRM_ERR_OUT_OF_RANGE, nothing written. */
  bytes = composite_bytes(b, &size);
  {
    uint8_t small_buffer[8] = {0};
    CHECK_ERROR(crm_composite_state_serialize(b, small_buffer, sizeof small_buffer, &untouched),
                CRM_ERR_OUT_OF_RANGE, "the state needs");
    CHECK(untouched == 12345);
  }
  /* Every truncation → CRM_ERR_IO naming "truncated". */
  for (len = 0; len < size; ++len) {
    crm_status status = crm_composite_state_deserialize(bytes, len, &out);
    if (status != CRM_ERR_IO || strstr(crm_last_error(), "truncated") == NULL) all_io = 0;
  }
  CHECK(all_io);
  CHECK(out == sentinel);
  /* Every single-byte change → CRM_ERR_IO. */
  bad = (uint8_t*)malloc(size);
  all_io = 1;
  for (at = 0; at < size; ++at) {
    memcpy(bad, bytes, size);
    bad[at] ^= 0x5A;
    if (crm_composite_state_deserialize(bad, size, &out) != CRM_ERR_IO) all_io = 0;
  }
  CHECK(all_io);
  CHECK(out == sentinel);
  memcpy(bad, bytes, size);
  bad[size / 2] ^= 1;
  CHECK_ERROR(crm_composite_state_deserialize(bad, size, &out), CRM_ERR_IO, "checksum at offset");
  memcpy(bad, bytes, size);
  bad[8] = 9; /* format version */
  CHECK_ERROR(crm_composite_state_deserialize(bad, size, &out), CRM_ERR_IO,
              "format_version at offset 8 is 9");
  CHECK_ERROR(crm_quantile_state_deserialize(bytes, size, &q_out), CRM_ERR_IO,
              "kind at offset 12 is 1 (composite state), expected 2 (quantile state)");
  CHECK_ERROR(crm_composite_state_deserialize((const uint8_t*)"garbage garbage garbage garbage",
                                              31, &out),
              CRM_ERR_IO, "bad magic");
  CHECK_ERROR(crm_composite_state_deserialize(NULL, 0, &out), CRM_ERR_IO, "truncated");
  CHECK_ERROR(crm_composite_state_deserialize(NULL, 10, &out), CRM_ERR_INVALID_ARGUMENT,
              "bytes is NULL but length is 10");
  CHECK_ERROR(crm_composite_state_deserialize(bytes, size, NULL), CRM_ERR_INVALID_ARGUMENT,
              "out must not be NULL");
  CHECK(out == sentinel);
  free(bad);
  free(bytes);

  /* Quantile states. */
  CHECK_OK(crm_quantile_state_create(values, 6, NULL, &q));
  CHECK_OK(crm_quantile_state_create(NULL, 0, NULL, &empty));
  CHECK_ERROR(crm_quantile_state_create(values, 6, NULL, NULL), CRM_ERR_INVALID_ARGUMENT,
              "out must not be NULL");
  CHECK_ERROR(crm_quantile_state_create(NULL, 6, NULL, &q_out), CRM_ERR_INVALID_ARGUMENT,
              "values is NULL but n is 6");
  {
    const double with_nan[2] = {1.0, NAN};
    CHECK_ERROR(crm_quantile_state_update(q, with_nan, 2, NULL), CRM_ERR_INVALID_ARGUMENT,
                "index 1");
    CHECK_OK(crm_quantile_state_count(q, &rows));
    CHECK(rows == 6);
  }
  CHECK_ERROR(crm_quantile_state_merge(q, q), CRM_ERR_INVALID_ARGUMENT, "into itself");
  CHECK_ERROR(crm_quantile_state_count(NULL, &rows), CRM_ERR_INVALID_ARGUMENT,
              "state must not be NULL");
  CHECK_ERROR(crm_rfm_quintiles_with_state(values, 6, empty, CRM_RFM_HIGHER_IS_BETTER, NULL,
                                           tiers),
              CRM_ERR_INVALID_ARGUMENT, "no values");
  CHECK_ERROR(crm_rfm_quintiles_with_state(values, 6, q, 5, NULL, tiers),
              CRM_ERR_INVALID_ARGUMENT, "unknown direction 5");
  CHECK_ERROR(crm_assign_value_tiers_with_state(values, 6, NULL, NULL, NULL, tiers),
              CRM_ERR_INVALID_ARGUMENT, "state must not be NULL");
  /* An empty population has no seats above small. */
  CHECK_OK(crm_assign_value_tiers_with_state(values, 6, empty, NULL, NULL, tiers));
  CHECK(tiers[0] == CRM_TIER_SMALL && tiers[5] == CRM_TIER_SMALL);
  bytes = quantile_bytes(q, &size);
  all_io = 1;
  for (len = 0; len < size; ++len) {
    if (crm_quantile_state_deserialize(bytes, len, &q_out) != CRM_ERR_IO) all_io = 0;
  }
  CHECK(all_io);
  CHECK_ERROR(crm_composite_state_deserialize(bytes, size, &out), CRM_ERR_IO,
              "kind at offset 12 is 2");
  free(bytes);

#if defined(CRMCORE_CAPI_CHECK_HANDLES) && CRMCORE_CAPI_CHECK_HANDLES
  /* Debug builds detect a destroyed handle used again (undefined behaviour otherwise). */
  crm_composite_state_destroy(a);
  CHECK_ERROR(crm_composite_state_rows(a, &rows), CRM_ERR_INVALID_ARGUMENT,
              "state is not a live handle");
  crm_quantile_state_destroy(empty);
  CHECK_ERROR(crm_quantile_state_merge(q, empty), CRM_ERR_INVALID_ARGUMENT,
              "from is not a live handle");
  crm_composite_plan_destroy(min_max);
  CHECK_ERROR(crm_composite_plan_validate(min_max), CRM_ERR_INVALID_ARGUMENT,
              "plan is not a live handle");
  fprintf(stderr, "(checked build: destroyed handles are detected)\n");
#else
  crm_composite_state_destroy(a);
  crm_quantile_state_destroy(empty);
  crm_composite_plan_destroy(min_max);
#endif
  crm_composite_state_destroy(b);
  crm_quantile_state_destroy(q);
  crm_composite_plan_destroy(percentile);
  crm_composite_state_destroy(NULL);
  crm_quantile_state_destroy(NULL);
}

int main(int argc, char** argv) {
  cdnow data;
  memset(&data, 0, sizeof data);
  if (argc != 2) {
    fprintf(stderr, "usage: %s CDNOW_SUMMARY_CSV\n", argv[0]);
    return 2;
  }
  CHECK_OK(CRM_CHECK_VERSION());
  test_composite_by_hand();
  test_tiers_rfm_satisfaction_by_hand();
  test_satisfaction_index();
  if (load_cdnow(argv[1], &data)) {
    cdnow_composite(&data, 0);
    cdnow_composite(&data, 1);
    cdnow_quantiles(&data);
  } else {
    CHECK(!"CDNOW summary loaded");
  }
  free_cdnow(&data);
  test_bad_structs_and_enums();
  test_bad_scoring_calls();
  test_bad_states();
  printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}

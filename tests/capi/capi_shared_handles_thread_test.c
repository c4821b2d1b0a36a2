/* Handles shared across threads, as crmcore.h documents: a const use of a plan, a state or a
 * model may run from any number of threads at once. Threads released together by a barrier
 * score with one shared plan, composite state, quantile state and model, each on its own
 * rows, while other threads load and fit their own summaries; every result must equal the
 * one computed serially beforehand. The tsan preset runs this under ThreadSanitizer. *
 * Covers docs/bad-input.md BI-CAPI-16. */
#define _POSIX_C_SOURCE 200112L
#include "crmcore.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { kThreads = 8, kRows = 3000, kRounds = 20 };

static const char kLog[] =
    "customer_id,date,amount\n"
    "a,1997-01-01,10.00\n"
    "b,1997-01-02,12.50\n"
    "a,1997-01-20,7.25\n"
    "c,1997-02-01,30.00\n"
    "b,1997-03-15,4.00\n"
    "c,1997-04-01,8.10\n";

/* Deterministic pseudo-random doubles in [0, 1) (64-bit LCG, top 53 bits). */
static double next_uniform(uint64_t* s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

typedef struct {
  double component[CRM_COMPOSITE_COMPONENT_COUNT][kRows];
  double x[kRows], t_x[kRows], T[kRows];
  double value[kRows];        /* serial composite value against the shared state */
  int8_t tier[kRows];         /* serial tiers against the shared quantile state */
  double p_alive[kRows];      /* serial P(alive) of the shared model */
} partition;

static partition g_part[kThreads];
static crm_composite_plan* g_plan;
static crm_composite_state* g_state;
static crm_quantile_state* g_quantiles;
static crm_model* g_model;
static pthread_barrier_t g_start;

static void columns_of(partition* p, crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT]) {
  int c;
  for (c = 0; c < CRM_COMPOSITE_COMPONENT_COUNT; ++c) {
    crm_column_init(&columns[c], sizeof(crm_column));
    columns[c].type = CRM_COLUMN_FLOAT64;
    columns[c].data = p->component[c];
    columns[c].length = kRows;
  }
}

static void* run(void* arg) {
  const int index = (int)(size_t)arg;
  partition* p = &g_part[index];
  crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT];
  crm_engine_options options;
  static double value[kThreads][kRows], alive[kThreads][kRows];
  static int8_t tier[kThreads][kRows];
  long failures = 0;
  int round;
  columns_of(p, columns);
  crm_engine_options_init(&options, sizeof options);
  options.threads = 2; /* each call also spawns its own worker */
  pthread_barrier_wait(&g_start);
  for (round = 0; round < kRounds; ++round) {
    if (crm_score_composite_with_state(g_plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, g_state,
                                       &options, value[index], kRows) != CRM_OK ||
        memcmp(value[index], p->value, sizeof p->value) != 0) {
      ++failures;
    }
    if (crm_assign_value_tiers_with_state(value[index], kRows, g_quantiles, NULL, &options,
                                          tier[index]) != CRM_OK ||
        memcmp(tier[index], p->tier, sizeof p->tier) != 0) {
      ++failures;
    }
    if (crm_model_p_alive(g_model, p->x, p->t_x, p->T, kRows, alive[index]) != CRM_OK ||
        memcmp(alive[index], p->p_alive, sizeof p->p_alive) != 0) {
      ++failures;
    }
    if (round % 5 == 0) { /* a private summary, loaded while others score */
      crm_summary* summary = NULL;
      size_t customers = 0;
      if (crm_summary_load_buffer(kLog, sizeof kLog - 1, NULL, &summary) != CRM_OK ||
          crm_summary_customer_count(summary, &customers) != CRM_OK || customers != 3) {
        ++failures;
      }
      crm_summary_destroy(summary);
    }
  }
  if (failures != 0) fprintf(stderr, "thread %d: %ld failures (%s)\n", index, failures,
                             crm_last_error());
  return (void*)(size_t)failures;
}

int main(void) {
  static const double kBgNbd[4] = {0.243, 4.414, 0.793, 2.426};
  pthread_t threads[kThreads];
  uint64_t seed = 20240601;
  long failures = 0;
  int t, c, i;
  crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT];

  for (t = 0; t < kThreads; ++t) {
    for (i = 0; i < kRows; ++i) {
      for (c = 0; c < CRM_COMPOSITE_COMPONENT_COUNT; ++c) {
        g_part[t].component[c][i] = 100.0 * next_uniform(&seed);
      }
      g_part[t].T[i] = 20.0 + 19.0 * next_uniform(&seed);
      g_part[t].x[i] = (double)(int)(6.0 * next_uniform(&seed));
      g_part[t].t_x[i] = g_part[t].x[i] > 0.0 ? g_part[t].T[i] * next_uniform(&seed) : 0.0;
    }
  }
  /* Shared handles: the plan, the population's states (merged over every partition) and a
   * model with the published CDNOW parameters. */
  if (crm_composite_plan_create(&g_plan) != CRM_OK) return 1;
  for (c = 0; c < CRM_COMPOSITE_COMPONENT_COUNT; ++c) {
    if (crm_composite_plan_set_weight(g_plan, c, 1.0 + c) != CRM_OK) return 1;
  }
  for (t = 0; t < kThreads; ++t) {
    crm_composite_state* part = NULL;
    columns_of(&g_part[t], columns);
    if (crm_composite_state_create(g_plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, NULL,
                                   &part) != CRM_OK) {
      fprintf(stderr, "state: %s\n", crm_last_error());
      return 1;
    }
    if (t == 0) {
      g_state = part;
    } else {
      if (crm_composite_state_merge(g_state, part) != CRM_OK) return 1;
      crm_composite_state_destroy(part);
    }
  }
  for (t = 0; t < kThreads; ++t) {
    columns_of(&g_part[t], columns);
    if (crm_score_composite_with_state(g_plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, g_state,
                                       NULL, g_part[t].value, kRows) != CRM_OK) {
      return 1;
    }
    if (t == 0) {
      if (crm_quantile_state_create(g_part[t].value, kRows, NULL, &g_quantiles) != CRM_OK) {
        return 1;
      }
    } else if (crm_quantile_state_update(g_quantiles, g_part[t].value, kRows, NULL) != CRM_OK) {
      return 1;
    }
  }
  if (crm_model_from_params(CRM_MODEL_BGNBD, kBgNbd, 4, &g_model) != CRM_OK) return 1;
  for (t = 0; t < kThreads; ++t) {
    if (crm_assign_value_tiers_with_state(g_part[t].value, kRows, g_quantiles, NULL, NULL,
                                          g_part[t].tier) != CRM_OK ||
        crm_model_p_alive(g_model, g_part[t].x, g_part[t].t_x, g_part[t].T, kRows,
                          g_part[t].p_alive) != CRM_OK) {
      fprintf(stderr, "serial: %s\n", crm_last_error());
      return 1;
    }
  }

  pthread_barrier_init(&g_start, NULL, kThreads);
  for (t = 0; t < kThreads; ++t) {
    if (pthread_create(&threads[t], NULL, run, (void*)(size_t)t) != 0) return 1;
  }
  for (t = 0; t < kThreads; ++t) {
    void* result = NULL;
    pthread_join(threads[t], &result);
    failures += (long)(size_t)result;
  }
  pthread_barrier_destroy(&g_start);
  crm_model_destroy(g_model);
  crm_quantile_state_destroy(g_quantiles);
  crm_composite_state_destroy(g_state);
  crm_composite_plan_destroy(g_plan);
  if (failures != 0) {
    fprintf(stderr, "capi_shared_handles_thread_test: %ld failures\n", failures);
    return 1;
  }
  printf("capi_shared_handles_thread_test: %d threads x %d rounds agree with serial results\n",
         kThreads, kRounds);
  return 0;
}

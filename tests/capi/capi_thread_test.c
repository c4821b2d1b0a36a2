/* crm_last_error() is per thread: threads that fail at the same moment each read their
 * own message afterwards, and a thread's success does not clear another thread's error.
 * Threads are released together by a barrier so that their calls interleave. *
 * Covers docs/bad-input.md BI-CAPI-16. */
#define _POSIX_C_SOURCE 200112L
#include "crmcore.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { kThreads = 16, kRounds = 2000 };

static pthread_barrier_t g_start;
static pthread_barrier_t g_all_failed;

typedef struct {
  int index;
  int failures;
} worker;

static void* run(void* arg) {
  worker* w = (worker*)arg;
  char expected[64];
  const char* first = crm_last_error();
  double c = 0.0;
  int round;
  /* A fresh thread starts with an empty message, never NULL. */
  if (first == NULL || first[0] != '\0') ++w->failures;
  /* Each odd thread fails with its own value; each even thread succeeds. */
  sprintf(expected, "got -%d", w->index);
  pthread_barrier_wait(&g_start);
  for (round = 0; round < kRounds; ++round) {
    if (w->index % 2 == 1) {
      if (crm_satisfaction_ratio(1.0, -(double)w->index, &c) != CRM_ERR_INVALID_ARGUMENT ||
          strstr(crm_last_error(), expected) == NULL) {
        ++w->failures;
      }
    } else {
      if (crm_satisfaction_ratio(1.0, 2.0, &c) != CRM_OK || crm_last_error()[0] != '\0') {
        ++w->failures;
      }
    }
  }
  /* Wait until every thread has made its last call, then read the message again. */
  pthread_barrier_wait(&g_all_failed);
  if (w->index % 2 == 1 ? strstr(crm_last_error(), expected) == NULL
                        : crm_last_error()[0] != '\0') {
    ++w->failures;
    fprintf(stderr, "thread %d sees \"%s\"\n", w->index, crm_last_error());
  }
  return NULL;
}

int main(void) {
  pthread_t threads[kThreads];
  worker workers[kThreads];
  int i, failures = 0;
  pthread_barrier_init(&g_start, NULL, kThreads);
  pthread_barrier_init(&g_all_failed, NULL, kThreads);
  for (i = 0; i < kThreads; ++i) {
    workers[i].index = i + 1;
    workers[i].failures = 0;
    if (pthread_create(&threads[i], NULL, run, &workers[i]) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
  }
  for (i = 0; i < kThreads; ++i) {
    pthread_join(threads[i], NULL);
    failures += workers[i].failures;
  }
  pthread_barrier_destroy(&g_start);
  pthread_barrier_destroy(&g_all_failed);
  /* The main thread made no call: its message is still empty. */
  if (crm_last_error()[0] != '\0') ++failures;
  printf("capi_thread_test: %d threads x %d calls, %d failures\n", kThreads, kRounds, failures);
  return failures == 0 ? 0 : 1;
}

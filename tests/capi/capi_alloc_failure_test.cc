// Allocation-failure injection at the C API boundary (issue 7): for k = 0, 1, 2, ... the
// k-th allocation of a call fails, and the call must return CRM_ERR_NO_MEMORY (or, where
// the library degrades gracefully, e.g. runs on fewer threads, succeed with the same
// result), write nothing through its out-pointers on failure, and leak nothing. The loop
// ends when a call completes without reaching its k-th allocation.
//
// The program replaces the global operator new/delete; libcrmcore_c.so's allocations
// resolve to them at run time (the library imports operator new from the executable's
// dynamic symbol table, as every C++ shared library does). Only crmcore.h is used: this
// is a host of the stable C API, written in C++ only to replace the allocator.
//
// Covers docs/bad-input.md BI-CAPI-15.
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "crmcore.h"

namespace {

// -1: no failure armed. Otherwise the number of allocations still allowed to succeed.
std::atomic<long> g_allocations_left{-1};
std::atomic<long> g_live_allocations{0};
std::atomic<long> g_failures_injected{0};

void* Allocate(std::size_t size) {
  long left = g_allocations_left.load();
  while (left >= 0) {
    if (left == 0) {
      g_failures_injected.fetch_add(1);
      return nullptr;
    }
    if (g_allocations_left.compare_exchange_weak(left, left - 1)) break;
  }
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p != nullptr) g_live_allocations.fetch_add(1);
  return p;
}

void Release(void* p) {
  if (p == nullptr) return;
  g_live_allocations.fetch_sub(1);
  std::free(p);
}

}  // namespace

// Every replaceable form the library may call (aligned forms are not replaced: the
// library's over-aligned allocations go through its own aligned allocator, not these).
void* operator new(std::size_t size) {
  void* p = Allocate(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](std::size_t size) {
  void* p = Allocate(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return Allocate(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return Allocate(size); }
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, std::size_t) noexcept { Release(p); }
void operator delete[](void* p, std::size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }

namespace {

int g_failed_checks = 0;

void Check(bool ok, const std::string& what) {
  if (ok) return;
  ++g_failed_checks;
  std::fprintf(stderr, "FAILED: %s\n", what.c_str());
}

// Runs `call` (returning a crm_status; it must not allocate itself) with the k-th
// allocation failing, for every k until the call needs fewer than k allocations; then,
// disarmed, `after(status)` checks the outcome and frees what a successful call made.
// Returns the number of failure points exercised.
template <class Call, class After>
long InjectEveryFailure(const char* name, Call call, After after) {
  // Warm-up: lazily initialized statics (the debug handle registry, SIMD dispatch) exist
  // after the first call and are not leaks.
  const crm_status warm = call();
  Check(warm == CRM_OK, std::string(name) + ": unarmed call fails: " + crm_last_error());
  after(warm);
  long k = 0;
  for (;; ++k) {
    const long live_before = g_live_allocations.load();
    const long injected_before = g_failures_injected.load();
    g_allocations_left.store(k);
    const crm_status status = call();
    g_allocations_left.store(-1);
    // Read now: `after` may make calls of its own, which reset the message. A fixed
    // buffer, so the copy is no heap allocation to count as a leak.
    char message[1100];
    std::snprintf(message, sizeof message, "%s", crm_last_error());
    const bool injected = g_failures_injected.load() != injected_before;
    after(status);  // frees what a successful call made, before counting
    const long leaked = g_live_allocations.load() - live_before;
    const std::string where = std::string(name) + " with allocation " + std::to_string(k) +
                              " failing";
    if (status != CRM_OK) {
      Check(status == CRM_ERR_NO_MEMORY,
            where + ": status " + crm_status_name(status) + " (" + message + ")");
      Check(std::strstr(message, "memory") != nullptr,
            where + ": message \"" + std::string(message) + "\"");
    }
    Check(leaked == 0, where + ": " + std::to_string(leaked) + " allocations leaked");
    if (!injected) break;  // the call completed before its k-th allocation
  }
  std::printf("%s: %ld allocation failure points, each NO_MEMORY or a full result, no leak\n",
              name, k);
  return k;
}

std::string ReadFile(const std::string& path, std::size_t max_lines) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return "";
  std::string text;
  char line[256];
  for (std::size_t n = 0; n < max_lines && std::fgets(line, sizeof line, f) != nullptr; ++n) {
    text += line;
  }
  std::fclose(f);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: capi_alloc_failure_test DATA_DIR\n");
    return 2;
  }
  const std::string log = ReadFile(std::string(argv[1]) + "/CDNOW_sample.txt", 400);
  Check(!log.empty(), "cannot read CDNOW_sample.txt");

  // 1. A load: a transaction log from memory into a summary handle.
  crm_ingest_options ingest;
  crm_ingest_options_init(&ingest, sizeof ingest);
  ingest.whitespace_delimited = 1;
  ingest.has_header = 0;
  ingest.customer_index = 2;
  ingest.date_index = 3;
  ingest.amount_index = 5;
  ingest.date_format = "%Y%m%d";
  ingest.observation_end = "1997-09-30";
  ingest.time_unit = CRM_TIME_UNIT_WEEKS;
  crm_summary* summary = nullptr;
  long points = InjectEveryFailure(
      "crm_summary_load_buffer",
      [&] {
        summary = nullptr;
        return crm_summary_load_buffer(log.data(), log.size(), &ingest, &summary);
      },
      [&](crm_status s) {
        if (s != CRM_OK) Check(summary == nullptr, "summary out-pointer written on error");
        crm_summary_destroy(summary);
        summary = nullptr;
      });
  Check(points > 10, "the load made suspiciously few allocations");

  // 2. A scoring call over 2,000 customers on two threads, and a partial state.
  std::vector<double> component[CRM_COMPOSITE_COMPONENT_COUNT];
  crm_column columns[CRM_COMPOSITE_COMPONENT_COUNT];
  for (int c = 0; c < CRM_COMPOSITE_COMPONENT_COUNT; ++c) {
    for (int i = 0; i < 2000; ++i) component[c].push_back((i * (c + 3)) % 97 + 0.5 * c);
    crm_column_init(&columns[c], sizeof columns[c]);
    columns[c].data = component[c].data();
    columns[c].length = component[c].size();
  }
  crm_composite_plan* plan = nullptr;
  Check(crm_composite_plan_create(&plan) == CRM_OK, "plan");
  for (int c = 0; c < CRM_COMPOSITE_COMPONENT_COUNT; ++c) {
    crm_composite_plan_set_weight(plan, c, 1.0 + c);
  }
  crm_composite_plan_set_normalizer(plan, CRM_COMPONENT_LOYALTY, CRM_NORMALIZER_PERCENTILE_RANK,
                                    0.0, 0.0);
  crm_engine_options options;
  crm_engine_options_init(&options, sizeof options);
  options.threads = 2;
  std::vector<double> reference(2000), out(2000);
  Check(crm_score_composite(plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, &options,
                            reference.data(), reference.size()) == CRM_OK,
        "reference scoring");
  InjectEveryFailure(
      "crm_score_composite",
      [&] {
        return crm_score_composite(plan, columns, CRM_COMPOSITE_COMPONENT_COUNT, &options,
                                   out.data(), out.size());
      },
      [&](crm_status s) {
        if (s == CRM_OK) Check(out == reference, "scores differ after a survived failure");
      });
  std::vector<int8_t> tiers(2000);
  InjectEveryFailure(
      "crm_assign_value_tiers",
      [&] {
        return crm_assign_value_tiers(reference.data(), reference.size(), nullptr, &options,
                                      tiers.data());
      },
      [](crm_status) {});
  crm_composite_state* state = nullptr;
  InjectEveryFailure(
      "crm_composite_state_create",
      [&] {
        state = nullptr;
        return crm_composite_state_create(plan, columns, CRM_COMPOSITE_COMPONENT_COUNT,
                                          &options, &state);
      },
      [&](crm_status s) {
        if (s != CRM_OK) Check(state == nullptr, "state out-pointer written on error");
        crm_composite_state_destroy(state);
        state = nullptr;
      });

  // 3. A model fit on the loaded summary.
  Check(crm_summary_load_buffer(log.data(), log.size(), &ingest, &summary) == CRM_OK, "load");
  crm_model* model = nullptr;
  InjectEveryFailure(
      "crm_model_fit_summary",
      [&] {
        model = nullptr;
        return crm_model_fit_summary(CRM_MODEL_BGNBD, summary, nullptr, &model);
      },
      [&](crm_status s) {
        if (s != CRM_OK) Check(model == nullptr, "model out-pointer written on error");
        crm_model_destroy(model);
        model = nullptr;
      });

  // 4. History states: adding a batch and merging are all or nothing (the state keeps its
  // patterns on failure); decoding bytes and fitting on a state free what they made.
  {
    const double* x = nullptr;
    const double* t_x = nullptr;
    const double* T = nullptr;
    size_t n = 0;
    Check(crm_summary_column(summary, CRM_SUMMARY_FREQUENCY, &x, &n) == CRM_OK &&
              crm_summary_column(summary, CRM_SUMMARY_RECENCY, &t_x, &n) == CRM_OK &&
              crm_summary_column(summary, CRM_SUMMARY_T, &T, &n) == CRM_OK,
          "summary columns");
    const size_t half = n / 2;
    crm_history_state* base = nullptr;
    Check(crm_history_state_create(CRM_MODEL_BGNBD, &base) == CRM_OK &&
              crm_history_state_add(base, x, t_x, T, nullptr, nullptr, half) == CRM_OK,
          "history base");
    double base_patterns = 0;
    crm_history_state_info(base, CRM_HISTORY_INFO_PATTERNS, &base_patterns);
    crm_history_state* target = nullptr;
    InjectEveryFailure(
        "crm_history_state_add",
        [&] {
          target = nullptr;
          if (crm_history_state_create(CRM_MODEL_BGNBD, &target) != CRM_OK) return CRM_ERR_NO_MEMORY;
          const crm_status s0 = crm_history_state_add(target, x, t_x, T, nullptr, nullptr, half);
          if (s0 != CRM_OK) {
            crm_history_state_destroy(target);
            target = nullptr;
            return s0;
          }
          return crm_history_state_add(target, x + half, t_x + half, T + half, nullptr,
                                       nullptr, n - half);
        },
        [&](crm_status s) {
          if (s != CRM_OK && target != nullptr) {
            double patterns = -1;
            crm_history_state_info(target, CRM_HISTORY_INFO_PATTERNS, &patterns);
            Check(patterns == base_patterns, "history state changed by a failed add");
          }
          crm_history_state_destroy(target);
          target = nullptr;
        });
    crm_history_state* whole = nullptr;
    Check(crm_history_state_create(CRM_MODEL_BGNBD, &whole) == CRM_OK &&
              crm_history_state_add(whole, x, t_x, T, nullptr, nullptr, n) == CRM_OK,
          "history whole");
    InjectEveryFailure(
        "crm_history_state_merge",
        [&] {
          target = nullptr;
          if (crm_history_state_create(CRM_MODEL_BGNBD, &target) != CRM_OK) return CRM_ERR_NO_MEMORY;
          const crm_status s0 = crm_history_state_add(target, x, t_x, T, nullptr, nullptr, half);
          if (s0 != CRM_OK) {
            crm_history_state_destroy(target);
            target = nullptr;
            return s0;
          }
          return crm_history_state_merge(target, whole);
        },
        [&](crm_status s) {
          if (s != CRM_OK && target != nullptr) {
            double patterns = -1;
            crm_history_state_info(target, CRM_HISTORY_INFO_PATTERNS, &patterns);
            Check(patterns == base_patterns, "history state changed by a failed merge");
          }
          crm_history_state_destroy(target);
          target = nullptr;
        });
    size_t size = 0;
    crm_history_state_serialize(whole, nullptr, 0, &size);
    std::vector<uint8_t> bytes(size);
    Check(crm_history_state_serialize(whole, bytes.data(), size, &size) == CRM_OK, "serialize");
    crm_history_state* decoded = nullptr;
    InjectEveryFailure(
        "crm_history_state_deserialize",
        [&] {
          decoded = nullptr;
          return crm_history_state_deserialize(bytes.data(), bytes.size(), &decoded);
        },
        [&](crm_status s) {
          if (s != CRM_OK) Check(decoded == nullptr, "state out-pointer written on error");
          crm_history_state_destroy(decoded);
          decoded = nullptr;
        });
    InjectEveryFailure(
        "crm_model_fit_history_state",
        [&] {
          model = nullptr;
          return crm_model_fit_history_state(CRM_MODEL_BGNBD, whole, nullptr, &model);
        },
        [&](crm_status s) {
          if (s != CRM_OK) Check(model == nullptr, "model out-pointer written on error");
          crm_model_destroy(model);
          model = nullptr;
        });
    crm_history_state_destroy(whole);
    crm_history_state_destroy(base);
  }
  crm_summary_destroy(summary);
  crm_composite_plan_destroy(plan);

  if (g_failed_checks != 0) {
    std::fprintf(stderr, "capi_alloc_failure_test: %d checks failed\n", g_failed_checks);
    return 1;
  }
  return 0;
}

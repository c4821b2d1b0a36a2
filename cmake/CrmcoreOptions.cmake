# Build options and the warning / sanitizer flags shared by every crmcore target.

option(CRMCORE_BUILD_TESTS "Build the GoogleTest suite" ${PROJECT_IS_TOP_LEVEL})
option(CRMCORE_BUILD_EXAMPLES "Build the example programs" ${PROJECT_IS_TOP_LEVEL})
option(CRMCORE_BUILD_TOOLS "Build the crmcore command-line program (tools/crmcore)" ${PROJECT_IS_TOP_LEVEL})
option(CRMCORE_BUILD_BINDINGS "Build the hosts of the C API in bindings/ (SQLite; Python tests)" ${PROJECT_IS_TOP_LEVEL})
option(CRMCORE_BUILD_CAPI "Build the C API shared library libcrmcore_c (capi/)" ON)
option(CRMCORE_BUILD_BENCHMARKS "Build the Google Benchmark programs" OFF)
option(CRMCORE_BUILD_FUZZERS "Build the libFuzzer targets in fuzz/ (clang only; see the fuzz preset)" OFF)
option(CRMCORE_WERROR "Treat compiler warnings as errors" OFF)
option(CRMCORE_COVERAGE "Instrument every target for line and branch coverage (gcov)" OFF)
set(CRMCORE_SANITIZE "" CACHE STRING
  "Comma-separated sanitizers for every target, e.g. address,undefined")

# Warnings for crmcore's own targets (never forced on consumers of the package).
function(crmcore_apply_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
      -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
      -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
    if(CRMCORE_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()

if(CRMCORE_SANITIZE)
  set(_crm_san_flags "-fsanitize=${CRMCORE_SANITIZE}" -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
  # gcc's -fsanitize=undefined does not check float->int conversions (NaN, 1e300).
  if(CRMCORE_SANITIZE MATCHES "undefined" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND _crm_san_flags -fsanitize=float-cast-overflow)
  endif()
  add_compile_options(${_crm_san_flags})
  add_link_options(${_crm_san_flags})
  # For outside projects built against this build (tests/install/consumer).
  list(JOIN _crm_san_flags " " CRMCORE_SANITIZE_FLAGS)
endif()

# Coverage (scripts/coverage.sh reads it with gcovr): no optimization, so that lines and
# branches map to the source; exceptions' cleanup branches are left out by gcovr's
# --exclude-throw-branches.
if(CRMCORE_COVERAGE)
  # Atomic counter updates: the engine's worker threads share counters, and racy updates
  # leave negative branch counts that gcovr cannot parse.
  add_compile_options(--coverage -O0 -fprofile-update=atomic)
  add_link_options(--coverage)
  # Outside projects linking this build's instrumented static library need the gcov
  # runtime too (tests/install/consumer, tests/capi/consumer).
  string(APPEND CRMCORE_SANITIZE_FLAGS " --coverage")
endif()

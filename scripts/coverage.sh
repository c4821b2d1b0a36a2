#!/usr/bin/env bash
# Line and branch coverage of the library (src/, include/, capi/) by the whole test suite:
# configures the `coverage` preset (gcov instrumentation, -O0), builds, runs ctest, and
# prints gcovr's summary; an HTML report goes to build/coverage/coverage.html.
#   bash scripts/coverage.sh
# Needs gcovr (Debian: gcovr; `bash scripts/install-deps.sh --coverage` installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/coverage
cmake --preset coverage
cmake --build --preset coverage
find "$build" -name '*.gcda' -delete
ctest --preset coverage -j "$(nproc)" --output-on-failure
# Library code only (not tests, examples, benchmarks or the generated version header).
# Exception-only branches (the compiler's unwinding paths) are excluded: they are not
# decisions of our code.
gcovr --root . --object-directory "$build" \
  --filter 'src/' --filter 'include/' --filter 'capi/' \
  --exclude-throw-branches --exclude-unreachable-branches --gcov-ignore-parse-errors \
  --print-summary --html-details "$build/coverage.html" -o "$build/coverage.html" \
  | tail -3

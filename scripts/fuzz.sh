#!/usr/bin/env bash
# Builds the libFuzzer targets (configure preset `fuzz`: clang, ASan + UBSan) and runs
# each for a set time.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]
#
# Targets are the fuzz/<name>_fuzzer.cc files, named without the suffix (transaction_log,
# money, date, models, pareto_fit, discrete_models, summary_csv, capi_scoring, order_stats,
# state_bytes); default: all of them, 60 s each. Each run starts from the checked-in seeds
# (fuzz/corpus/<name>/) and past findings (fuzz/regressions/<name>/), grows a scratch
# corpus in build/fuzz/corpus/<name>/ (kept between runs, never committed) and writes a
# crashing input to build/fuzz/artifacts/<name>/. Prints per target the executions run and
# the result; exits non-zero if any target crashed, leaked, timed out or broke an
# invariant. Extra libFuzzer flags: FUZZ_FLAGS="-jobs=2 ...".
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
if [[ ! "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
  echo "usage: scripts/fuzz.sh [seconds-per-target] [target...]" >&2
  exit 2
fi
if (( $# > 0 )); then
  targets=("$@")
else
  targets=()
  for source in fuzz/*_fuzzer.cc; do
    name="$(basename "$source" _fuzzer.cc)"
    targets+=("$name")
  done
fi

cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j"${FUZZ_BUILD_JOBS:-2}"

status=0
summary=()
for name in "${targets[@]}"; do
  binary="build/fuzz/fuzz/${name}_fuzzer"
  if [[ ! -x "$binary" ]]; then
    echo "fuzz.sh: no target '$name' (expected fuzz/${name}_fuzzer.cc)" >&2
    exit 2
  fi
  work="build/fuzz/corpus/$name"
  artifacts="build/fuzz/artifacts/$name"
  log="build/fuzz/logs/$name.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")" "fuzz/corpus/$name" "fuzz/regressions/$name"
  echo "=== $name: ${seconds}s"
  rc=0
  # The first corpus directory receives new inputs; the checked-in ones are only read.
  # shellcheck disable=SC2086
  "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" ${FUZZ_FLAGS:-} \
    "$work" "fuzz/corpus/$name" "fuzz/regressions/$name" >"$log" 2>&1 || rc=$?
  executions="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')"
  if (( rc == 0 )); then
    result="ok"
  else
    result="FAILED (exit $rc; see $log, input in $artifacts/)"
    status=1
    grep -E 'ERROR: |fuzz invariant violated|SUMMARY: ' "$log" | head -5 || true
  fi
  echo "$name: $executions executions, $result"
  summary+=("$(printf '%-16s %14s executions  %s' "$name" "$executions" "$result")")
done

echo
echo "=== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit "$status"

#!/usr/bin/env bash
# Regenerates abi/libcrmcore_c.abi, the C API's ABI baseline, from a Debug build (the ABI
# is read from DWARF, so the library must carry debug info), after checking the change:
# an incompatible one (abidiff exit bit 8: a removed function, a changed struct layout or
# signature) is refused unless the library's SONAME differs from the baseline's, i.e. the
# ABI major (the project's major version) was bumped together with the baseline.
#   bash scripts/update-abi-baseline.sh [BUILD_DIR]     (default build/debug)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/debug}"
baseline=abi/libcrmcore_c.abi

if [ ! -d "$build" ]; then cmake --preset debug; fi
cmake --build "$build" --target crmcore_c
library="$(readlink -f "$build/libcrmcore_c.so")"

abidw_flags=(--headers-dir capi --drop-private-types --exported-interfaces-only
  --no-corpus-path --no-comp-dir-path --no-show-locs --no-elf-needed)
candidate="$(mktemp)"
trap 'rm -f "$candidate"' EXIT
abidw "${abidw_flags[@]}" --out-file "$candidate" "$library"

if [ -f "$baseline" ]; then
  set +e
  abidiff --no-show-locs "$baseline" "$candidate"
  rc=$?
  set -e
  soname_of() { sed -n "s/.*soname='\([^']*\)'.*/\1/p" "$1" | head -1; }
  if (( rc & 8 )) && [ "$(soname_of "$baseline")" = "$(soname_of "$candidate")" ]; then
    echo "update-abi-baseline: incompatible ABI change with an unchanged SONAME" \
         "($(soname_of "$candidate")); bump the project's major version first." >&2
    exit 1
  fi
  if (( rc & 3 )); then echo "update-abi-baseline: abidiff failed ($rc)" >&2; exit 1; fi
fi
mkdir -p abi
install -m 644 "$candidate" "$baseline"
echo "update-abi-baseline: wrote $baseline"

#!/usr/bin/env bash
# Installs the Debian 12 packages crmcore needs to build and test (and, with --bench,
# to run the side-by-side benchmark scripts; with --fuzz, to build the fuzz targets; with
# --report, to run the HTML report's real-browser test; with --postgres, to build and test
# the PostgreSQL extension), and nothing else. Idempotent: when everything is present it
# changes nothing and does not touch the network. Runs as root (CI) or through sudo (a developer's machine).
set -euo pipefail

packages=(
  # toolchain
  gcc g++ binutils cmake ninja-build pkgconf
  # libraries (Abseil, Boost.Multiprecision, Highway, GoogleTest, Benchmark)
  libabsl-dev libboost-dev libhwy-dev libgtest-dev libgmock-dev libbenchmark-dev
  # L-BFGS for the lifetime-model fits (header-only, private to src/models/)
  liblbfgspp-dev libeigen3-dev
  # JSON parser for saved model files (header-only, private to src/models/)
  nlohmann-json3-dev
  # the C API's ABI check against abi/libcrmcore_c.abi (abidw, abidiff)
  abigail-tools
  # the SQLite extension (bindings/sqlite): its headers, and the shell its test runs
  libsqlite3-dev sqlite3
  # the Python binding (bindings/python: ctypes, no compiled extension) and its pytest
  # suite, run by ctest as bindings.python with Debian's /usr/bin/python3
  python3 python3-numpy python3-pytest
)
for option in "$@"; do
  case "$option" in
    --bench) packages+=(python3-pandas time) ;;    # benchmarks/*.py side-by-side scripts
    --coverage) packages+=(gcovr) ;;               # scripts/coverage.sh
    # scripts/fuzz.sh: clang with libFuzzer and the sanitizer runtimes
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    # tests/report/browser_test.py (ctest report.browser): headless Chromium, and a CJK
    # font so the Chinese page renders its labels
    --report) packages+=(chromium fonts-noto-cjk) ;;
    # bindings/postgresql: the server headers and pg_config, and the PostgreSQL 15 server
    # its ctest runs (initdb, pg_ctl, postgres, psql; dblink and postgres_fdw ship in
    # postgresql-15 itself on Debian 12, postgresql-contrib-15 being a virtual package)
    --postgres) packages+=(postgresql-15 postgresql-server-dev-15) ;;
    *) echo "install-deps: unknown option $option (known: --bench --coverage --fuzz --report --postgres)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

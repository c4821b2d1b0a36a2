#!/usr/bin/env bash
# The SQLite extension in the sqlite3 shell (ctest bindings.sqlite_extension).
#
#   CRMCORE_EXPECTED_VERSION=X.Y.Z test_sqlite_extension.sh SQLITE3 EXTENSION DATA_DIR WORK_DIR [CRMCORE_CLI]
#
# Builds a real database file from DATA_DIR/cdnow_customers_summary.csv (the 39-week
# calibration summary of the CDNOW sample: ID,frequency,recency,T) and DATA_DIR/donations.csv
# (the BG/BB donor pattern table) with `.import --csv`, adds the sBG survivor series of
# Fader & Hardie (2007), loads EXTENSION (a path without its suffix, as `.load` takes
# it) and checks every SQL function: the fits against the published estimates and, byte
# for byte, against the CLI's `crmcore fit --out` JSON; the scalars on known values;
# every error path with its message. Each check runs its own `sqlite3 -bail` process
# and checks its exit code.
set -uo pipefail

if [ $# -lt 4 ]; then
  echo "usage: $0 SQLITE3 EXTENSION DATA_DIR WORK_DIR [CRMCORE_CLI]" >&2
  exit 2
fi
SQLITE3=$1
EXT=$2
DATA=$3
WORK=$4
CLI=${5:-}

failures=0
checks=0
fail() {
  failures=$((failures + 1))
  printf 'FAIL: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
}

# sql SQL...: runs the statements on the database with the extension loaded; sets OUT,
# ERR and RC.
sql() {
  local errfile="$WORK/stderr"
  OUT=$("$SQLITE3" -bail "$DB" ".load $EXT" "$@" 2>"$errfile")
  RC=$?
  ERR=$(cat "$errfile")
}

# expect NAME SQL EXPECTED: exit code 0, no stderr, stdout exactly EXPECTED.
expect() {
  checks=$((checks + 1))
  sql "$2"
  if [ "$RC" -ne 0 ] || [ -n "$ERR" ] || [ "$OUT" != "$3" ]; then
    fail "$1" "sql:      $2" "expected: $3" "got:      $OUT" "rc=$RC stderr: $ERR"
  fi
}

# expect_error NAME SQL NEEDLE: a non-zero exit code, nothing on stdout, and NEEDLE (a
# fixed string) in the error message.
expect_error() {
  checks=$((checks + 1))
  sql "$2"
  if [ "$RC" -eq 0 ] || [ -n "$OUT" ] || [[ "$ERR" != *"$3"* ]]; then
    fail "$1" "sql:      $2" "expected an error containing: $3" "rc=$RC stdout: $OUT" \
      "stderr: $ERR"
  fi
}

mkdir -p "$WORK" || exit 2
DB="$WORK/cdnow.db"
rm -f "$DB"

# --- The database file -----------------------------------------------------------------
# customers: typed columns (REAL affinity). cdnow_text: what `.import` makes of the file
# into a new table: every column TEXT, which the functions read with numeric affinity.
# The cohort is the month of the first purchase (T counts weeks from it to week 38.86).
head -n 1 "$DATA/cdnow_customers_summary.csv" | grep -qx 'ID,frequency,recency,T' ||
  { echo "unexpected header in $DATA/cdnow_customers_summary.csv" >&2; exit 1; }
"$SQLITE3" -bail "$DB" \
  "CREATE TABLE customers (id INTEGER PRIMARY KEY, frequency REAL NOT NULL,
                           recency REAL NOT NULL, T REAL NOT NULL)" \
  ".import --csv --skip 1 $DATA/cdnow_customers_summary.csv customers" \
  ".import --csv $DATA/cdnow_customers_summary.csv cdnow_text" \
  "ALTER TABLE customers ADD COLUMN cohort INTEGER" \
  "UPDATE customers SET cohort = CAST((38.86 - T) / (52.0 / 12) AS INTEGER)" ||
  { echo "could not build $DB" >&2; exit 1; }

# 2357 customers making 2457 repeat purchases in the 39 weeks (FHL 2005, §4).
expect "database: customers imported" \
  "SELECT count(*), sum(frequency), typeof(frequency) FROM customers" "2357|2457.0|real"
expect "database: cdnow_text imported as text" \
  "SELECT count(*), typeof(frequency) FROM cdnow_text" "2357|text"
expect "database: three monthly cohorts" \
  "SELECT group_concat(n, ',') FROM (SELECT count(*) n FROM customers GROUP BY cohort ORDER BY cohort)" \
  "781,914,662"

# --- Loading ------------------------------------------------------------------------------
expect "version" "SELECT crm_version()" "${CRMCORE_EXPECTED_VERSION:?set by ctest to the version built}"

# --- Satisfaction (docs/domain.md §3) -------------------------------------------------------
expect "satisfaction: C = B / A" "SELECT crm_satisfaction(1.2, 1.0), crm_satisfaction(3, 4)" \
  "1.2|0.75"
expect "satisfaction: B may be negative" "SELECT crm_satisfaction(-2, 4)" "-0.5"
expect "satisfaction: 1.2 / 1.0 is very satisfied" \
  "SELECT crm_satisfaction_level(crm_satisfaction(1.2, 1.0))" "very_satisfied"
expect "satisfaction level: thresholds belong to the higher level" \
  "SELECT crm_satisfaction_level(0.999), crm_satisfaction_level(1.0),
          crm_satisfaction_level(1.199), crm_satisfaction_level(1.2)" \
  "dissatisfied|satisfied|satisfied|very_satisfied"
expect "satisfaction level: Chinese labels" \
  "SELECT crm_satisfaction_level(0.5, 'zh'), crm_satisfaction_level(1.0, 'zh'),
          crm_satisfaction_level(1.5, 'zh')" "不满意|满意|非常满意"
expect "satisfaction level: English labels and ids" \
  "SELECT crm_satisfaction_level(1.5, 'en'), crm_satisfaction_level(1.5, 'id')" \
  "very satisfied|very_satisfied"
expect "satisfaction: integer and text arguments" \
  "SELECT crm_satisfaction(6, 5), crm_satisfaction('6', '5.0')" "1.2|1.2"
expect "satisfaction: NULL in, NULL out" \
  "SELECT crm_satisfaction(NULL, 1) IS NULL, crm_satisfaction(1, NULL) IS NULL,
          crm_satisfaction_level(NULL) IS NULL, crm_satisfaction_level(1.0, NULL) IS NULL" \
  "1|1|1|1"
expect_error "satisfaction: A = 0" "SELECT crm_satisfaction(1, 0)" \
  "crm_satisfaction(): CRM_ERR_INVALID_ARGUMENT: crm_satisfaction_ratio: satisfaction: expectation A must be finite and > 0, got 0"
expect_error "satisfaction: negative A" "SELECT crm_satisfaction(1, -2)" \
  "expectation A must be finite and > 0, got -2"
expect_error "satisfaction: infinite B" "SELECT crm_satisfaction(1e999, 1)" \
  "perceived value B must be finite, got inf"
expect_error "satisfaction: overflow" "SELECT crm_satisfaction(1e308, 1e-10)" \
  "crm_satisfaction(): CRM_ERR_OUT_OF_RANGE: crm_satisfaction_ratio: satisfaction: C = B / A overflows"
expect_error "satisfaction: text that is no number" "SELECT crm_satisfaction('abc', 1)" \
  "crm_satisfaction(): argument 1 (perceived_value_b) is not a number: 'abc'"
expect_error "satisfaction: blob" "SELECT crm_satisfaction(1, x'00')" \
  "crm_satisfaction(): argument 2 (expectation_a) is a blob, not a number"
expect_error "satisfaction level: infinite C" "SELECT crm_satisfaction_level(-1e999)" \
  "crm_satisfaction_level(): CRM_ERR_INVALID_ARGUMENT: crm_satisfaction_level: satisfaction: C must be finite, got -inf"
expect_error "satisfaction level: unknown language" "SELECT crm_satisfaction_level(1, 'fr')" \
  "crm_satisfaction_level(): argument 2 (language) must be 'id', 'en' or 'zh', got 'fr'"
expect_error "satisfaction level: C as text" "SELECT crm_satisfaction_level('high')" \
  "crm_satisfaction_level(): argument 1 (c) is not a number: 'high'"
expect_error "satisfaction: wrong argument count" "SELECT crm_satisfaction(1)" \
  "wrong number of arguments to function crm_satisfaction()"

# --- Loyalty ladder (docs/domain.md §4.1, default rule; tests/core/loyalty_test.cc) --------
expect "ladder: non-purchasers by qualification" \
  "SELECT crm_ladder_rung(0, 0, 0), crm_ladder_rung(0, 0, 0, NULL, 0, 1, 0),
          crm_ladder_rung(0, 0, 0, NULL, 1, 0, 0), crm_ladder_rung(0, 0, 0, NULL, 1, 1, 0),
          crm_ladder_rung(0, 0, 0, NULL, 1, 1, 1)" \
  "suspect|suspect|disqualified_prospect|prospect|disqualified_prospect"
expect "ladder: buyers" \
  "SELECT crm_ladder_rung(1, 1, 0), crm_ladder_rung(2, 1, 0), crm_ladder_rung(5, 2, 0),
          crm_ladder_rung(5, 3, 0), crm_ladder_rung(9, 4, 0)" \
  "first_time_customer|repeat_customer|repeat_customer|client|client"
expect "ladder: advocates by referral or promoter score" \
  "SELECT crm_ladder_rung(5, 3, 1), crm_ladder_rung(5, 3, 0, 9), crm_ladder_rung(5, 3, 0, 8),
          crm_ladder_rung(5, 3, 0, NULL), crm_ladder_rung(2, 2, 3)" \
  "advocate|advocate|client|client|repeat_customer"
expect "ladder: whole reals and numeric text are counts" \
  "SELECT crm_ladder_rung(5.0, '3', 1e0)" "advocate"
expect "ladder: labels through crm_taxonomy_label" \
  "SELECT crm_taxonomy_label('ladder_rung', crm_ladder_rung(1, 1, 0)),
          crm_taxonomy_label('ladder_rung', crm_ladder_rung(5, 3, 1), 'zh')" \
  "first-time customer|企业拥护者"
expect "ladder: NULL in, NULL out (but a NULL survey score is no answer)" \
  "SELECT crm_ladder_rung(NULL, 0, 0) IS NULL, crm_ladder_rung(5, NULL, 0) IS NULL,
          crm_ladder_rung(5, 3, NULL) IS NULL, crm_ladder_rung(0, 0, 0, NULL, NULL, 1, 0) IS NULL" \
  "1|1|1|1"
expect_error "ladder: more active periods than purchases" "SELECT crm_ladder_rung(1, 2, 0)" \
  "crm_ladder_rung(): CRM_ERR_INVALID_ARGUMENT: crm_ladder_rung: loyalty ladder: active_periods_in_window must be <= purchase_count (1), got 2"
expect_error "ladder: more active periods than the window" "SELECT crm_ladder_rung(9, 5, 0)" \
  "active_periods_in_window"
expect_error "ladder: negative purchases" "SELECT crm_ladder_rung(-1, 0, 0)" \
  "crm_ladder_rung(): CRM_ERR_INVALID_ARGUMENT: crm_ladder_rung: loyalty ladder: purchase_count"
expect_error "ladder: survey score above 10" "SELECT crm_ladder_rung(5, 3, 0, 11)" \
  "survey_score must be in [0, 10], got 11"
expect_error "ladder: a flag other than 0/1" "SELECT crm_ladder_rung(0, 0, 0, NULL, 2, 0, 0)" \
  "crm_ladder_facts.qualified_need must be 0 or 1, got 2"
expect_error "ladder: fractional count" "SELECT crm_ladder_rung(2.5, 0, 0)" \
  "crm_ladder_rung(): argument 1 (purchase_count) must be a whole number, got 2.5"
expect_error "ladder: count beyond the C field" "SELECT crm_ladder_rung(3, 3000000000, 0)" \
  "crm_ladder_rung(): argument 2 (active_periods_in_window) must lie in [-2147483648, 2147483647], got 3000000000"
expect_error "ladder: text that is no number" "SELECT crm_ladder_rung(3, 3, 'none')" \
  "crm_ladder_rung(): argument 3 (referrals) is not a number: 'none'"
expect_error "ladder: five arguments" "SELECT crm_ladder_rung(1, 1, 0, 9, 1)" \
  "wrong number of arguments to function crm_ladder_rung()"

# --- Labels -----------------------------------------------------------------------------
expect "tier labels: English by default, Chinese, ids" \
  "SELECT group_concat(crm_tier_label(t) || '/' || crm_tier_label(t, 'zh') || '/' ||
                       crm_tier_label(t, 'id'), ';')
     FROM (SELECT 0 t UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3)" \
  "VIP customer/VIP客户/vip;major customer/主要客户/major;ordinary customer/普通客户/ordinary;small customer/小客户/small"
expect "tier labels: by identifier" "SELECT crm_tier_label('vip', 'zh'), crm_tier_label('small')" \
  "VIP客户|small customer"
expect "tier labels: NULL in, NULL out" \
  "SELECT crm_tier_label(NULL) IS NULL, crm_tier_label(0, NULL) IS NULL" "1|1"
expect_error "tier labels: value out of range" "SELECT crm_tier_label(4)" \
  "crm_tier_label(): argument 1 (tier) must lie in [0, 3], got 4"
expect_error "tier labels: unknown identifier" "SELECT crm_tier_label('gold')" \
  "crm_tier_label(): CRM_ERR_INVALID_ARGUMENT: crm_taxonomy_parse: value_tier: unknown value \"gold\" (expected one of: vip, major, ordinary, small)"
expect_error "tier labels: fractional value" "SELECT crm_tier_label(1.5)" \
  "crm_tier_label(): argument 1 (tier) must be a whole number, got 1.5"
expect "taxonomy labels: by name or number, value by number or id" \
  "SELECT crm_taxonomy_label('ladder_rung', 3), crm_taxonomy_label(22, 'first_time_customer', 'zh'),
          crm_taxonomy_label('satisfaction_level', '2', 'id'),
          crm_taxonomy_label('customer_kind', 0, 'id')" \
  "first-time customer|第一次购买者|very_satisfied|$("$SQLITE3" -bail :memory: ".load $EXT" \
    "SELECT crm_taxonomy_label(0, 0, 'id')")"
expect_error "taxonomy labels: unknown taxonomy name" "SELECT crm_taxonomy_label('nope', 1)" \
  "crm_taxonomy_label(): argument 1 (taxonomy) names no taxonomy: 'nope'"
expect_error "taxonomy labels: unknown taxonomy number" "SELECT crm_taxonomy_label(99, 1)" \
  "crm_taxonomy_label(): argument 1 (taxonomy) must lie in [0, 35], got 99"
expect_error "taxonomy labels: value out of range" "SELECT crm_taxonomy_label('ladder_rung', 7)" \
  "crm_taxonomy_label(): argument 2 (value) must lie in [0, 6], got 7"
expect_error "taxonomy labels: unknown language" "SELECT crm_taxonomy_label('ladder_rung', 1, 'EN')" \
  "crm_taxonomy_label(): argument 3 (language) must be 'id', 'en' or 'zh', got 'EN'"

# --- The BG/NBD fit aggregate -------------------------------------------------------------
# Fader, Hardie & Lee (2005), CDNOW, 39 weeks: r = 0.243, alpha = 4.414, a = 0.793,
# b = 2.426, LL = -9582.4.
expect "bgnbd fit: the published estimates" \
  "WITH f AS (SELECT crm_bgnbd_fit(frequency, recency, T) j FROM customers)
   SELECT json_extract(j, '\$.model'), json_extract(j, '\$.converged'),
          abs(json_extract(j, '\$.params.r') - 0.243) < 0.0005,
          abs(json_extract(j, '\$.params.alpha') - 4.414) < 0.0005,
          abs(json_extract(j, '\$.params.a') - 0.793) < 0.0005,
          abs(json_extract(j, '\$.params.b') - 2.426) < 0.0005,
          abs(json_extract(j, '\$.log_likelihood') + 9582.4) < 0.05,
          json_extract(j, '\$.iterations') > 0, json_extract(j, '\$.message') FROM f" \
  "bgnbd|1|1|1|1|1|1|1|converged"
expect "bgnbd fit: the same on the TEXT table .import made" \
  "SELECT (SELECT crm_bgnbd_fit(frequency, recency, T) FROM customers) =
          (SELECT crm_bgnbd_fit(frequency, recency, T) FROM cdnow_text)" "1"
if [ -n "$CLI" ]; then
  for model in bgnbd pareto mbgnbd; do
    checks=$((checks + 1))
    if "$CLI" fit "$DATA/cdnow_customers_summary.csv" --model=$model --out="$WORK/$model.json" \
         >/dev/null; then
      fn=crm_bgnbd_fit
      [ $model = pareto ] && fn=crm_pareto_nbd_fit
      [ $model = mbgnbd ] && fn=crm_mbgnbd_fit
      sql "SELECT $fn(frequency, recency, T) FROM customers"
      if [ "$RC" -ne 0 ] || [ "$OUT" != "$(cat "$WORK/$model.json")" ]; then
        fail "$model fit: the CLI's JSON, byte for byte" "cli: $(cat "$WORK/$model.json")" \
          "sql: $OUT" "rc=$RC stderr: $ERR"
      fi
    else
      fail "$model fit: crmcore fit failed"
    fi
  done
fi
# lifetimes' ModifiedBetaGeoFitter on this summary: r 0.525, alpha 6.183, a 0.891, b 1.614;
# P(alive) of a customer without repeat purchases is below 1 (MBG/NBD, unlike BG/NBD).
expect "mbg/nbd fit: the lifetimes estimates and predictions" \
  "WITH f AS (SELECT crm_mbgnbd_fit(frequency, recency, T) j FROM customers),
        p AS (SELECT json_extract(j, '\$.params.r') r, json_extract(j, '\$.params.alpha') al,
                     json_extract(j, '\$.params.a') a, json_extract(j, '\$.params.b') b FROM f)
   SELECT json_extract(j, '\$.model'), abs(r - 0.525) < 0.0005, abs(al - 6.183) < 0.0005,
          abs(a - 0.891) < 0.0005, abs(b - 1.614) < 0.0005,
          crm_mbgnbd_p_alive(r, al, a, b, 0, 0, 38.86) < 1,
          abs(crm_mbgnbd_p_alive(r, al, a, b, 0, 0, 38.86)
              - 1 / (1 + a / b * pow((al + 38.86) / al, r))) < 1e-12,
          crm_mbgnbd_expected_purchases(r, al, a, b, 39, 2, 30.43, 38.86) > 0 FROM f, p" \
  "mbgnbd|1|1|1|1|1|1|1"
# Fader & Hardie (2005 note): r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669,
# LL = -9595.0 (on the exact summary; this file's times are rounded to 2 decimals).
expect "pareto/nbd fit: the published estimates" \
  "WITH f AS (SELECT crm_pareto_nbd_fit(frequency, recency, T) j FROM customers)
   SELECT json_extract(j, '\$.model'), json_extract(j, '\$.converged'),
          abs(json_extract(j, '\$.params.r') - 0.553) < 0.002,
          abs(json_extract(j, '\$.params.alpha') - 10.578) < 0.01,
          abs(json_extract(j, '\$.params.s') - 0.606) < 0.002,
          abs(json_extract(j, '\$.params.beta') - 11.669) < 0.01,
          abs(json_extract(j, '\$.log_likelihood') + 9595.0) < 0.1 FROM f" \
  "pareto|1|1|1|1|1|1"
# Per cohort: each group's fit is the fit of that cohort alone, and the cohorts' separate
# maxima add up to at least the pooled maximum (the pooled model is one point of theirs).
expect "bgnbd fit: GROUP BY cohort" \
  "WITH g AS (SELECT cohort, crm_bgnbd_fit(frequency, recency, T) j FROM customers GROUP BY cohort)
   SELECT count(*), min(json_extract(j, '\$.converged')),
          sum(j = (SELECT crm_bgnbd_fit(frequency, recency, T) FROM customers c
                   WHERE c.cohort = g.cohort)),
          sum(json_extract(j, '\$.log_likelihood')) >=
            (SELECT json_extract(crm_bgnbd_fit(frequency, recency, T), '\$.log_likelihood')
               FROM customers)
     FROM g" \
  "3|1|3|1"
expect "bgnbd fit: no rows give NULL, as avg()" \
  "SELECT crm_bgnbd_fit(frequency, recency, T) IS NULL FROM customers WHERE 0" "1"
expect "bgnbd fit: an explicit iteration cap that suffices" \
  "SELECT crm_bgnbd_fit(frequency, recency, T, 500) = crm_bgnbd_fit(frequency, recency, T)
     FROM customers" "1"
expect_error "bgnbd fit: a NULL row is an error, never dropped" \
  "SELECT crm_bgnbd_fit(frequency, recency, CASE WHEN id = 7 THEN NULL ELSE T END)
     FROM customers ORDER BY id" \
  "crm_bgnbd_fit(): argument 3 (T) in row 6 of the group is NULL"
expect_error "bgnbd fit: text that is no number" \
  "SELECT crm_bgnbd_fit(CASE WHEN id = 3 THEN 'two' ELSE frequency END, recency, T)
     FROM customers" \
  "crm_bgnbd_fit(): argument 1 (frequency) in row 2 of the group is not a number: 'two'"
expect_error "bgnbd fit: an invalid history names the row" \
  "SELECT crm_bgnbd_fit(frequency, recency, CASE WHEN id = 1 THEN 1 ELSE T END) FROM customers" \
  "crm_bgnbd_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit: purchase history row 0: recency t_x = 30.43 must be <= T = 1"
expect_error "bgnbd fit: fractional frequency" \
  "SELECT crm_bgnbd_fit(frequency + 0.5, recency, T) FROM customers" \
  "crm_bgnbd_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit:"
expect_error "bgnbd fit: too few repeat buyers" \
  "SELECT crm_bgnbd_fit(frequency, recency, T) FROM customers WHERE id < 20" \
  "crm_bgnbd_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit: BG/NBD fit: too few repeat buyers (customers with x > 0): got 9, need at least 10"
expect_error "bgnbd fit: not converging is an error, with the report" \
  "SELECT crm_bgnbd_fit(frequency, recency, T, 1) FROM customers" \
  "crm_bgnbd_fit(): the fit did not converge on 2357 customers: {\"model\": \"bgnbd\""
expect_error "bgnbd fit: ... whose message says why" \
  "SELECT crm_bgnbd_fit(frequency, recency, T, 1) FROM customers" \
  "\"converged\": false, \"iterations\": 1,"
expect_error "bgnbd fit: an iteration cap below 1" \
  "SELECT crm_bgnbd_fit(frequency, recency, T, 0) FROM customers" \
  "crm_bgnbd_fit(): argument 4 (max_iterations) in row 0 of the group must lie in [1, 2147483647], got 0"
expect_error "bgnbd fit: an iteration cap that varies" \
  "SELECT crm_bgnbd_fit(frequency, recency, T, id) FROM customers ORDER BY id" \
  "crm_bgnbd_fit(): argument 4 (max_iterations) in row 1 of the group is 2, but 1 before"
expect_error "pareto/nbd fit: a NULL row" \
  "SELECT crm_pareto_nbd_fit(NULL, recency, T) FROM customers" \
  "crm_pareto_nbd_fit(): argument 1 (frequency) in row 0 of the group is NULL"

# --- Predictions from parameters ------------------------------------------------------------
# FHL (2005) §5: the customer with x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in
# the next 39 weeks.
expect "bgnbd: expected purchases, the paper's example" \
  "SELECT round(crm_bgnbd_expected_purchases(0.243, 4.414, 0.793, 2.426, 39, 2, 30.43, 38.86), 3)" \
  "1.226"
# P(alive), FHL (2005) eq. 11, written out in SQL on every customer, with the fitted
# parameters read from the aggregate's JSON.
expect "bgnbd: P(alive) against eq. 11 on all customers" \
  "WITH f AS (SELECT crm_bgnbd_fit(frequency, recency, T) j FROM customers),
        p AS (SELECT json_extract(j, '\$.params.r') r, json_extract(j, '\$.params.alpha') al,
                     json_extract(j, '\$.params.a') a, json_extract(j, '\$.params.b') b FROM f)
   SELECT count(*), max(abs(crm_bgnbd_p_alive(r, al, a, b, frequency, recency, T) -
                            CASE WHEN frequency = 0 THEN 1.0
                                 ELSE 1.0 / (1.0 + a / (b + frequency - 1) *
                                      pow((al + T) / (al + recency), r + frequency)) END)) < 1e-12
     FROM customers, p" \
  "2357|1"
expect "bgnbd: expected purchases sum over customers and is 0 at t = 0" \
  "SELECT sum(crm_bgnbd_expected_purchases(0.243, 4.414, 0.793, 2.426, 0, frequency, recency, T)),
          sum(crm_bgnbd_expected_purchases(0.243, 4.414, 0.793, 2.426, 39, frequency, recency, T)) > 0
     FROM customers" \
  "0.0|1"
expect "pareto/nbd: P(alive) in (0, 1], 1 for a customer just seen" \
  "SELECT min(p > 0 AND p <= 1), round(crm_pareto_nbd_p_alive(0.553, 10.578, 0.606, 11.669, 3, 20, 20), 12)
     FROM (SELECT crm_pareto_nbd_p_alive(0.553, 10.578, 0.606, 11.669, frequency, recency, T) p
             FROM customers)" \
  "1|1.0"
expect "pareto/nbd: expected purchases grow with the horizon" \
  "SELECT crm_pareto_nbd_expected_purchases(0.553, 10.578, 0.606, 11.669, 52, 2, 30.43, 38.86) >
          crm_pareto_nbd_expected_purchases(0.553, 10.578, 0.606, 11.669, 39, 2, 30.43, 38.86)" "1"
expect "predictions: NULL in, NULL out" \
  "SELECT crm_bgnbd_p_alive(NULL, 4.4, 0.8, 2.4, 2, 30, 38) IS NULL,
          crm_bgnbd_expected_purchases(0.24, 4.4, 0.8, 2.4, NULL, 2, 30, 38) IS NULL,
          crm_pareto_nbd_p_alive(0.55, 10.6, 0.6, 11.7, 2, 30, NULL) IS NULL" "1|1|1"
expect_error "predictions: a parameter <= 0" "SELECT crm_bgnbd_p_alive(-1, 4.4, 0.8, 2.4, 2, 30, 38)" \
  "crm_bgnbd_p_alive(): CRM_ERR_INVALID_ARGUMENT: crm_model_from_params: BG/NBD: parameter r must be finite and > 0, got -1"
expect_error "predictions: t_x > T" "SELECT crm_bgnbd_p_alive(0.243, 4.414, 0.793, 2.426, 2, 40, 38)" \
  "crm_bgnbd_p_alive(): CRM_ERR_INVALID_ARGUMENT: crm_model_p_alive: purchase history row 0: recency t_x = 40 must be <= T = 38"
expect_error "predictions: negative horizon" \
  "SELECT crm_pareto_nbd_expected_purchases(0.553, 10.578, 0.606, 11.669, -1, 2, 30, 38)" \
  "crm_pareto_nbd_expected_purchases(): CRM_ERR_INVALID_ARGUMENT: crm_model_expected_purchases:"
expect_error "predictions: a bad row in a scan stops it" \
  "SELECT sum(crm_bgnbd_p_alive(0.243, 4.414, 0.793, 2.426, frequency, recency,
                                CASE WHEN id = 100 THEN -1 ELSE T END)) FROM customers" \
  "crm_bgnbd_p_alive(): CRM_ERR_INVALID_ARGUMENT: crm_model_p_alive: purchase history row 0:"
expect_error "predictions: text parameter" "SELECT crm_bgnbd_p_alive('r', 4.4, 0.8, 2.4, 2, 30, 38)" \
  "crm_bgnbd_p_alive(): argument 1 (r) is not a number: 'r'"
expect_error "predictions: text history" "SELECT crm_bgnbd_expected_purchases(0.24, 4.4, 0.8, 2.4, 39, 2, 30, 'T')" \
  "crm_bgnbd_expected_purchases(): argument 8 (T) is not a number: 'T'"

# --- BG/BB: discrete opportunities (Fader, Hardie & Shang 2010) ----------------------------
# donations.csv: the 1995 donor cohort's pattern table (x, t_x, n = 6, weight); donors
# (typed) and donors_text (what .import makes: TEXT). donor_customers: the same table one
# row per donor (11104 rows), in the pattern table's order.
"$SQLITE3" -bail "$DB" \
  "CREATE TABLE donors (id INTEGER PRIMARY KEY, frequency INTEGER NOT NULL,
                        recency INTEGER NOT NULL, periods INTEGER NOT NULL,
                        weights INTEGER NOT NULL)" \
  ".import --csv $DATA/donations.csv donors_text" \
  "INSERT INTO donors (frequency, recency, periods, weights)
     SELECT frequency, recency, periods, weights FROM donors_text ORDER BY rowid" \
  "CREATE TABLE donor_customers AS
     WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 4000)
     SELECT d.id AS pattern, d.frequency, d.recency, d.periods FROM donors d, k
      WHERE k.i <= d.weights ORDER BY d.id, k.i" ||
  { echo "could not add the donor tables to $DB" >&2; exit 1; }
expect "database: donors imported" \
  "SELECT count(*), sum(weights), typeof(frequency), (SELECT count(*) FROM donor_customers),
          (SELECT typeof(weights) FROM donors_text LIMIT 1) FROM donors" \
  "22|11104|integer|11104|text"

# FHS (2010): alpha 1.204, beta 0.750, gamma 0.657, delta 2.783; LL -33,225.6.
expect "bgbb fit: the published estimates" \
  "WITH f AS (SELECT crm_bgbb_fit(frequency, recency, periods, weights) j FROM donors)
   SELECT json_extract(j, '\$.model'), json_extract(j, '\$.converged'),
          abs(json_extract(j, '\$.params.alpha') - 1.204) < 0.0005,
          abs(json_extract(j, '\$.params.beta') - 0.750) < 0.0005,
          abs(json_extract(j, '\$.params.gamma') - 0.657) < 0.0005,
          abs(json_extract(j, '\$.params.delta') - 2.783) < 0.0005,
          abs(json_extract(j, '\$.log_likelihood') + 33225.6) < 0.05,
          json_extract(j, '\$.customers'), json_extract(j, '\$.message') FROM f" \
  "bgbb|1|1|1|1|1|1|11104|converged"
expect "bgbb fit: the same on the TEXT table .import made" \
  "SELECT (SELECT crm_bgbb_fit(frequency, recency, periods, weights) FROM donors) =
          (SELECT crm_bgbb_fit(frequency, recency, periods, weights) FROM donors_text)" "1"
# One row per donor, unweighted, compresses to the same weighted patterns: the same fit.
expect "bgbb fit: a row per donor is the weighted pattern table" \
  "SELECT (SELECT crm_bgbb_fit(frequency, recency, periods, weights) FROM donors) =
          (SELECT crm_bgbb_fit(frequency, recency, periods) FROM donor_customers)" "1"
expect "bgbb fit: an explicit iteration cap that suffices" \
  "SELECT crm_bgbb_fit(frequency, recency, periods, weights, 500) =
          crm_bgbb_fit(frequency, recency, periods, weights) FROM donors" "1"
if [ -n "$CLI" ]; then
  checks=$((checks + 1))
  if "$CLI" fit "$DATA/donations.csv" --model=bgbb --weights-col=weights \
       --out="$WORK/bgbb.json" >/dev/null; then
    sql "SELECT crm_bgbb_fit(frequency, recency, periods, weights) FROM donors"
    if [ "$RC" -ne 0 ] || [ "$OUT" != "$(cat "$WORK/bgbb.json")" ]; then
      fail "bgbb fit: the CLI's JSON, byte for byte" "cli: $(cat "$WORK/bgbb.json")" \
        "sql: $OUT" "rc=$RC stderr: $ERR"
    fi
  else
    fail "bgbb fit: crmcore fit failed"
  fi
fi
# x = n = 6: alive at 6 for sure, so P(alive at 7) = (delta + 6)/(gamma + delta + 6), and
# the next opportunity's expected transactions are (alpha + 6)/(alpha + beta + 6) times it.
expect "bgbb: P(alive) and expected transactions of the x = n customer" \
  "SELECT abs(crm_bgbb_p_alive(1.204, 0.750, 0.657, 2.783, 6, 6, 6)
              / ((2.783 + 6) / (0.657 + 2.783 + 6)) - 1) < 1e-12,
          abs(crm_bgbb_expected_transactions(1.204, 0.750, 0.657, 2.783, 1, 6, 6, 6)
              / ((1.204 + 6) / (1.204 + 0.750 + 6) * (2.783 + 6) / (0.657 + 2.783 + 6)) - 1) < 1e-12" \
  "1|1"
# P(alive) of every donor pattern in [0, 1], a lapsed one (x = 1, t_x = 1) below a loyal
# one; expected transactions 0 at n* = 0, non-decreasing in n*, with the fit's parameters.
expect "bgbb: predictions from the fit on every pattern" \
  "WITH f AS (SELECT crm_bgbb_fit(frequency, recency, periods, weights) j FROM donors),
        p AS (SELECT json_extract(j, '\$.params.alpha') al, json_extract(j, '\$.params.beta') be,
                     json_extract(j, '\$.params.gamma') ga, json_extract(j, '\$.params.delta') de
                FROM f),
        e AS (SELECT crm_bgbb_p_alive(al, be, ga, de, frequency, recency, periods) pa,
                     crm_bgbb_expected_transactions(al, be, ga, de, 0, frequency, recency, periods) e0,
                     crm_bgbb_expected_transactions(al, be, ga, de, 5, frequency, recency, periods) e5,
                     crm_bgbb_expected_transactions(al, be, ga, de, 10, frequency, recency, periods) e10
                FROM donors, p)
   SELECT count(*), min(pa >= 0 AND pa <= 1), max(e0), min(e5 > 0 AND e10 >= e5),
          (SELECT crm_bgbb_p_alive(al, be, ga, de, 1, 1, 6) < crm_bgbb_p_alive(al, be, ga, de, 5, 6, 6)
             FROM p) FROM e" \
  "22|1|0.0|1|1"
# DERT (FHS 2010 eq. 14) against its definition: the expected transaction at opportunity
# n + s, E(s) - E(s - 1), discounted by 1.1^-s, summed to s = 400 (the rest < 1e-16).
expect "bgbb: DERT is the discounted sum of the expected transactions" \
  "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 400),
        h(x, t_x, n) AS (VALUES (0, 0, 6), (2, 4, 6), (6, 6, 6))
   SELECT group_concat(ok, ',') FROM (
     SELECT abs(crm_bgbb_dert(1.204, 0.750, 0.657, 2.783, 0.1, x, t_x, n) /
                sum((crm_bgbb_expected_transactions(1.204, 0.750, 0.657, 2.783, i, x, t_x, n) -
                     crm_bgbb_expected_transactions(1.204, 0.750, 0.657, 2.783, i - 1, x, t_x, n))
                    * pow(1.1, -i)) - 1) < 1e-9 ok
       FROM h, s GROUP BY x, t_x, n ORDER BY x)" \
  "1,1,1"
expect "bgbb: predictions: NULL in, NULL out" \
  "SELECT crm_bgbb_p_alive(NULL, 0.75, 0.66, 2.78, 1, 1, 6) IS NULL,
          crm_bgbb_expected_transactions(1.2, 0.75, 0.66, 2.78, NULL, 1, 1, 6) IS NULL,
          crm_bgbb_dert(1.2, 0.75, 0.66, 2.78, 0.1, 1, 1, NULL) IS NULL" "1|1|1"
expect "bgbb fit: no rows give NULL" \
  "SELECT crm_bgbb_fit(frequency, recency, periods, weights) IS NULL FROM donors WHERE 0" "1"
# Covers docs/bad-input.md BI-SQL-BGBB-01
expect_error "bgbb fit: a NULL row is an error, never dropped" \
  "SELECT crm_bgbb_fit(frequency, recency, CASE WHEN id = 4 THEN NULL ELSE periods END, weights)
     FROM donors ORDER BY id" \
  "crm_bgbb_fit(): argument 3 (periods) in row 3 of the group is NULL"
expect_error "bgbb fit: a NULL weight" \
  "SELECT crm_bgbb_fit(frequency, recency, periods, NULL) FROM donors" \
  "crm_bgbb_fit(): argument 4 (weight) in row 0 of the group is NULL"
# Covers docs/bad-input.md BI-SQL-BGBB-02
expect_error "bgbb fit: text that is no number" \
  "SELECT crm_bgbb_fit(CASE WHEN id = 2 THEN 'one' ELSE frequency END, recency, periods, weights)
     FROM donors ORDER BY id" \
  "crm_bgbb_fit(): argument 1 (frequency) in row 1 of the group is not a number: 'one'"
expect_error "bgbb fit: a blob weight" \
  "SELECT crm_bgbb_fit(frequency, recency, periods, x'01') FROM donors" \
  "crm_bgbb_fit(): argument 4 (weight) in row 0 of the group is a blob, not a number"
expect_error "bgbb: text parameter" "SELECT crm_bgbb_p_alive(1.2, 'beta', 0.66, 2.78, 1, 1, 6)" \
  "crm_bgbb_p_alive(): argument 2 (beta) is not a number: 'beta'"
expect_error "bgbb: text horizon" "SELECT crm_bgbb_expected_transactions(1.2, 0.75, 0.66, 2.78, 'five', 1, 1, 6)" \
  "crm_bgbb_expected_transactions(): argument 5 (n_star) is not a number: 'five'"
# Covers docs/bad-input.md BI-SQL-BGBB-03
expect_error "bgbb fit: more transactions than opportunities up to the last" \
  "SELECT crm_bgbb_fit(CASE WHEN id = 3 THEN 3 ELSE frequency END, recency, periods, weights)
     FROM donors ORDER BY id" \
  "crm_bgbb_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit_bgbb: BG/BB history row 2: frequency x = 3 must be <= recency t_x = 2"
expect_error "bgbb fit: a fractional frequency" \
  "SELECT crm_bgbb_fit(frequency + 0.5, recency, periods, weights) FROM donors" \
  "crm_bgbb_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit_bgbb: BG/BB history row 0: frequency x must be a non-negative integer <= 1e+06, got 0.5"
expect_error "bgbb fit: a negative recency" \
  "SELECT crm_bgbb_fit(frequency, -recency - 1, periods, weights) FROM donors" \
  "crm_bgbb_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit_bgbb: BG/BB history row 0:"
expect_error "bgbb fit: more than 10^6 opportunities" \
  "SELECT crm_bgbb_fit(frequency, recency, periods + 2000000, weights) FROM donors" \
  "BG/BB history row 0: periods n must be a non-negative integer <= 1e+06, got 2000006"
expect_error "bgbb fit: a negative weight" \
  "SELECT crm_bgbb_fit(frequency, recency, periods, -weights) FROM donors" \
  "crm_bgbb_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit_bgbb: BG/BB history row 0: weight must be finite and >= 0, got -3464"
expect_error "bgbb: an invalid history in a prediction" \
  "SELECT crm_bgbb_p_alive(1.204, 0.750, 0.657, 2.783, 3, 2, 6)" \
  "crm_bgbb_p_alive(): CRM_ERR_INVALID_ARGUMENT: crm_model_bgbb_p_alive: BG/BB history row 0: frequency x = 3 must be <= recency t_x = 2"
expect_error "bgbb: a recency beyond the opportunities" \
  "SELECT crm_bgbb_dert(1.204, 0.750, 0.657, 2.783, 0.1, 2, 7, 6)" \
  "crm_bgbb_dert(): CRM_ERR_INVALID_ARGUMENT: crm_model_bgbb_dert: BG/BB history row 0:"
# Covers docs/bad-input.md BI-SQL-BGBB-04
expect_error "bgbb fit: too few repeat buyers" \
  "SELECT crm_bgbb_fit(frequency, recency, periods, weights) FROM donors WHERE frequency = 0" \
  "crm_bgbb_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit_bgbb: BG/BB fit: too few repeat buyers (rows with x > 0): got 0, need at least 10"
expect_error "bgbb fit: not converging is an error, with the report" \
  "SELECT crm_bgbb_fit(frequency, recency, periods, weights, 1) FROM donors" \
  "crm_bgbb_fit(): the fit did not converge on 22 pattern rows: {\"model\": \"bgbb\""
expect_error "bgbb fit: ... whose message says why" \
  "SELECT crm_bgbb_fit(frequency, recency, periods, weights, 1) FROM donors" \
  "\"message\": \"not converged: reached the iteration cap of 1\""
expect_error "bgbb fit: an iteration cap below 1" \
  "SELECT crm_bgbb_fit(frequency, recency, periods, weights, 0) FROM donors" \
  "crm_bgbb_fit(): argument 5 (max_iterations) in row 0 of the group must lie in [1, 2147483647], got 0"
expect_error "bgbb fit: an iteration cap that varies" \
  "SELECT crm_bgbb_fit(frequency, recency, periods, weights, id) FROM donors ORDER BY id" \
  "crm_bgbb_fit(): argument 5 (max_iterations) in row 1 of the group is 2, but 1 before"
# Covers docs/bad-input.md BI-SQL-BGBB-05
expect_error "bgbb: a parameter <= 0" "SELECT crm_bgbb_p_alive(1.204, 0.750, 0, 2.783, 1, 1, 6)" \
  "crm_bgbb_p_alive(): CRM_ERR_INVALID_ARGUMENT: crm_model_from_params: BG/BB: parameter gamma must be finite and > 0, got 0"
expect_error "bgbb: a fractional horizon" \
  "SELECT crm_bgbb_expected_transactions(1.204, 0.750, 0.657, 2.783, 2.5, 1, 1, 6)" \
  "crm_bgbb_expected_transactions(): CRM_ERR_INVALID_ARGUMENT: crm_model_bgbb_expected_transactions: BG/BB expected transactions: horizon n* must be a non-negative integer, got 2.5"
expect_error "bgbb: a negative horizon" \
  "SELECT crm_bgbb_expected_transactions(1.204, 0.750, 0.657, 2.783, -1, 1, 1, 6)" \
  "horizon n* must be a non-negative integer, got -1"
expect_error "bgbb: a negative discount" \
  "SELECT crm_bgbb_dert(1.204, 0.750, 0.657, 2.783, -0.1, 1, 1, 6)" \
  "crm_bgbb_dert(): CRM_ERR_INVALID_ARGUMENT: crm_model_bgbb_dert: BG/BB discounted expected residual transactions: discount d must be finite and >= 0, got -0.1"
expect_error "bgbb: an undiscounted DERT that diverges (gamma <= 1)" \
  "SELECT crm_bgbb_dert(1.204, 0.750, 0.657, 2.783, 0, 1, 1, 6)" \
  "crm_bgbb_dert(): CRM_ERR_OUT_OF_RANGE: crm_model_bgbb_dert: BG/BB DERT row 0: the series diverges at discount 0"

# --- sBG: contractual retention (Fader & Hardie 2007) ---------------------------------------
# The paper's two segments, 1000 customers each, active at the start of years 0..7.
"$SQLITE3" -bail "$DB" \
  "CREATE TABLE retention (segment TEXT NOT NULL, year INTEGER NOT NULL, active REAL NOT NULL)" \
  "INSERT INTO retention VALUES
     ('regular', 0, 1000), ('regular', 1, 631), ('regular', 2, 468), ('regular', 3, 382),
     ('regular', 4, 326), ('regular', 5, 289), ('regular', 6, 262), ('regular', 7, 241),
     ('high_end', 0, 1000), ('high_end', 1, 869), ('high_end', 2, 743), ('high_end', 3, 653),
     ('high_end', 4, 593), ('high_end', 5, 551), ('high_end', 6, 517), ('high_end', 7, 491)" ||
  { echo "could not add the retention table to $DB" >&2; exit 1; }
# FH (2007): regular alpha 0.704, beta 1.182 (LL -1680.3); high end alpha 0.668, beta 3.806.
expect "sbg fit: the published estimates of both segments" \
  "WITH f AS (SELECT segment, crm_sbg_fit(year, active) j FROM retention GROUP BY segment)
   SELECT group_concat(segment || ':' || json_extract(j, '\$.model') || ':' ||
            json_extract(j, '\$.converged') || ':' ||
            (abs(json_extract(j, '\$.params.alpha') - CASE segment WHEN 'regular' THEN 0.704 ELSE 0.668 END) < 0.0005) ||
            (abs(json_extract(j, '\$.params.beta') - CASE segment WHEN 'regular' THEN 1.182 ELSE 3.806 END) < 0.0005) ||
            ':' || json_extract(j, '\$.customers'), ' ')
     FROM (SELECT * FROM f ORDER BY segment)" \
  "high_end:sbg:1:11:1000 regular:sbg:1:11:1000"
expect "sbg fit: the regular segment's log-likelihood" \
  "SELECT abs(json_extract(crm_sbg_fit(year, active), '\$.log_likelihood') + 1680.3) < 0.05
     FROM retention WHERE segment = 'regular'" "1"
# Rows may come in any order: the aggregate sorts them by cohort and period.
expect "sbg fit: the order of the rows does not matter" \
  "SELECT (SELECT crm_sbg_fit(year, active, segment)
             FROM (SELECT * FROM retention ORDER BY year DESC, segment)) =
          (SELECT crm_sbg_fit(year, active, segment)
             FROM (SELECT * FROM retention ORDER BY segment DESC, year))" "1"
# A cohort's first period is its period 0: calendar years work as they are.
expect "sbg fit: periods counted from any first period" \
  "SELECT (SELECT crm_sbg_fit(year + 1995, active) FROM retention WHERE segment = 'regular') =
          (SELECT crm_sbg_fit(year, active) FROM retention WHERE segment = 'regular')" "1"
expect "sbg fit: two cohorts in one fit, labels of any type" \
  "SELECT json_extract(crm_sbg_fit(year, active, segment), '\$.customers'),
          crm_sbg_fit(year, active, segment) =
            crm_sbg_fit(year, active, CASE segment WHEN 'regular' THEN 1 ELSE 2 END),
          json_extract(crm_sbg_fit(year, active, segment), '\$.params.beta') > 1.182
     FROM retention" "2000|1|1"
expect "sbg fit: an explicit iteration cap that suffices" \
  "SELECT crm_sbg_fit(year, active, segment, 500) = crm_sbg_fit(year, active, segment)
     FROM retention" "1"
expect "sbg fit: no rows give NULL" \
  "SELECT crm_sbg_fit(year, active) IS NULL FROM retention WHERE 0" "1"
if [ -n "$CLI" ]; then
  checks=$((checks + 1))
  printf 'year,survivors\n0,1000\n1,631\n2,468\n3,382\n4,326\n5,289\n6,262\n7,241\n' \
    >"$WORK/regular.csv"
  if "$CLI" fit "$WORK/regular.csv" --model=sbg --out="$WORK/sbg.json" >/dev/null; then
    sql "SELECT crm_sbg_fit(year, active) FROM retention WHERE segment = 'regular'"
    if [ "$RC" -ne 0 ] || [ "$OUT" != "$(cat "$WORK/sbg.json")" ]; then
      fail "sbg fit: the CLI's JSON, byte for byte" "cli: $(cat "$WORK/sbg.json")" \
        "sql: $OUT" "rc=$RC stderr: $ERR"
    fi
  else
    fail "sbg fit: crmcore fit failed"
  fi
fi
# FH (2007): S(t) = B(alpha, beta + t)/B(alpha, beta), r(t) = (beta + t - 1)/(alpha + beta + t - 1).
expect "sbg: survival and retention against the closed forms" \
  "SELECT crm_sbg_survival(0.704, 1.182, 0), crm_sbg_retention(0.704, 1.182, 0),
          abs(crm_sbg_retention(0.704, 1.182, 1) / (1.182 / (0.704 + 1.182)) - 1) < 1e-15,
          abs(crm_sbg_retention(0.704, 1.182, 12) / ((1.182 + 11) / (0.704 + 1.182 + 11)) - 1) < 1e-15,
          abs(crm_sbg_survival(0.704, 1.182, 2) /
              (1.182 * 2.182 / ((0.704 + 1.182) * (0.704 + 2.182))) - 1) < 1e-14" \
  "1.0|1.0|1|1|1"
# S(t) = r(1) r(2) ... r(t), non-increasing in t, in [0, 1].
expect "sbg: survival is the product of the retention rates" \
  "WITH RECURSIVE c(t, s) AS (SELECT 0, 1.0 UNION ALL
                              SELECT t + 1, s * crm_sbg_retention(0.704, 1.182, t + 1) FROM c
                               WHERE t < 200)
   SELECT max(abs(crm_sbg_survival(0.704, 1.182, t) / s - 1)) < 1e-12,
          min(crm_sbg_survival(0.704, 1.182, t) >= crm_sbg_survival(0.704, 1.182, t + 1)),
          min(s > 0 AND s <= 1) FROM c" \
  "1|1|1"
# Fader & Hardie (2010): DERL(d | n) = sum_k S(n + k)/S(n) (1 + d)^-k; undiscounted, with
# alpha > 1, (alpha + beta + n - 1)/(alpha - 1).
expect "sbg: DERL against its definition and the undiscounted closed form" \
  "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 600)
   SELECT abs(crm_sbg_derl(0.704, 1.182, 0.1, 3) /
              sum(crm_sbg_survival(0.704, 1.182, 3 + i) / crm_sbg_survival(0.704, 1.182, 3)
                  * pow(1.1, -i)) - 1) < 1e-9,
          crm_sbg_derl(2, 3, 0, 0), crm_sbg_derl(2, 3, 0, 2),
          crm_sbg_derl(0.704, 1.182, 0.1, 4) > crm_sbg_derl(0.704, 1.182, 0.1, 0) FROM k" \
  "1|4.0|6.0|1"
expect "sbg: predictions from a fit" \
  "WITH f AS (SELECT crm_sbg_fit(year, active) j FROM retention WHERE segment = 'regular'),
        p AS (SELECT json_extract(j, '\$.params.alpha') a, json_extract(j, '\$.params.beta') b FROM f)
   SELECT abs(1000 * crm_sbg_survival(a, b, 7) - 241) < 10, crm_sbg_derl(a, b, 0.1, 0) > 1 FROM p" \
  "1|1"
expect "sbg: NULL in, NULL out" \
  "SELECT crm_sbg_survival(NULL, 1.2, 1) IS NULL, crm_sbg_retention(0.7, 1.2, NULL) IS NULL,
          crm_sbg_derl(0.7, 1.2, NULL, 0) IS NULL, crm_sbg_derl(0.7, NULL, 0.1, 0) IS NULL" \
  "1|1|1|1"
# Covers docs/bad-input.md BI-SQL-SBG-01
expect_error "sbg fit: a NULL period" \
  "SELECT crm_sbg_fit(CASE WHEN year = 3 THEN NULL ELSE year END, active) FROM retention
    WHERE segment = 'regular' ORDER BY year" \
  "crm_sbg_fit(): argument 1 (period) in row 3 of the group is NULL"
expect_error "sbg fit: a NULL count" \
  "SELECT crm_sbg_fit(year, NULL) FROM retention" \
  "crm_sbg_fit(): argument 2 (survivors) in row 0 of the group is NULL"
expect_error "sbg fit: a NULL cohort" \
  "SELECT crm_sbg_fit(year, active, NULL) FROM retention" \
  "crm_sbg_fit(): argument 3 (cohort) in row 0 of the group is NULL"
# Covers docs/bad-input.md BI-SQL-SBG-02
expect_error "sbg fit: a period that is no number" \
  "SELECT crm_sbg_fit('first', active) FROM retention" \
  "crm_sbg_fit(): argument 1 (period) in row 0 of the group is not a number: 'first'"
expect_error "sbg fit: a blob count" \
  "SELECT crm_sbg_fit(year, x'00') FROM retention" \
  "crm_sbg_fit(): argument 2 (survivors) in row 0 of the group is a blob, not a number"
expect_error "sbg fit: a blob cohort" \
  "SELECT crm_sbg_fit(year, active, x'00') FROM retention" \
  "crm_sbg_fit(): argument 3 (cohort) in row 0 of the group is a blob, not a cohort label"
expect_error "sbg: text parameter" "SELECT crm_sbg_survival(0.7, 'beta', 2)" \
  "crm_sbg_survival(): argument 2 (beta) is not a number: 'beta'"
# Covers docs/bad-input.md BI-SQL-SBG-03
expect_error "sbg fit: a negative count" \
  "SELECT crm_sbg_fit(year, CASE WHEN year = 5 THEN -289 ELSE active END) FROM retention
    WHERE segment = 'regular' ORDER BY year" \
  "crm_sbg_fit(): argument 2 (survivors) in row 5 of the group must be finite and >= 0, got -289"
expect_error "sbg fit: an infinite count" \
  "SELECT crm_sbg_fit(year, 1e999) FROM retention" \
  "crm_sbg_fit(): argument 2 (survivors) in row 0 of the group must be finite and >= 0, got inf"
expect_error "sbg fit: a negative period" \
  "SELECT crm_sbg_fit(year - 1, active) FROM retention" \
  "crm_sbg_fit(): argument 1 (period) in row 0 of the group must lie in [0, 2147483647], got -1"
expect_error "sbg fit: a fractional period" \
  "SELECT crm_sbg_fit(year + 0.5, active) FROM retention" \
  "crm_sbg_fit(): argument 1 (period) in row 0 of the group must be a whole number, got 0.5"
# Covers docs/bad-input.md BI-SQL-SBG-04
expect_error "sbg fit: a period given twice" \
  "SELECT crm_sbg_fit(year, active, segment)
     FROM (SELECT * FROM retention UNION ALL SELECT 'regular', 4, 300)" \
  "crm_sbg_fit(): rows 4 and 16 of the group both give period 4 of cohort 'regular'"
expect_error "sbg fit: two cohorts without the cohort argument" \
  "SELECT crm_sbg_fit(year, active) FROM retention" \
  "crm_sbg_fit(): rows 0 and 8 of the group both give period 0 (several cohorts need the cohort argument)"
expect_error "sbg fit: a missing period" \
  "SELECT crm_sbg_fit(year, active, segment) FROM retention WHERE NOT (segment = 'high_end' AND year = 3)" \
  "crm_sbg_fit(): no row gives period 3 of cohort 'high_end' (the periods of a series must follow each other, from its first, 0, to its last)"
# Covers docs/bad-input.md BI-SQL-SBG-05
expect_error "sbg fit: a count that grows names the cohort and period of the rows" \
  "SELECT crm_sbg_fit(year + 1995, CASE WHEN segment = 'regular' AND year = 4 THEN 400 ELSE active END, segment)
     FROM retention" \
  "crm_sbg_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit_sbg: sBG survivor series cohort 1 period 4: survivors 400 exceed those of period 3 (382); a survivor count cannot grow [series cohort 1 is cohort 'regular' of the rows, its period 0 their period 1995]"
expect_error "sbg fit: an initial count of 0" \
  "SELECT crm_sbg_fit(year, CASE WHEN year = 0 THEN 0 ELSE active END) FROM retention
    WHERE segment = 'regular'" \
  "crm_sbg_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit_sbg: sBG survivor series cohort 0 period 0: the initial count must be > 0, got 0"
expect_error "sbg fit: a cohort of one count" \
  "SELECT crm_sbg_fit(year, active, segment) FROM retention WHERE segment = 'regular' OR year = 0" \
  "crm_sbg_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit_sbg: sBG survivor series cohort 0: needs at least 2 counts (periods 0 and 1), got 1 [series cohort 0 is cohort 'high_end' of the rows, its period 0 their period 0]"
# Covers docs/bad-input.md BI-SQL-SBG-06
expect_error "sbg fit: nobody churned" \
  "SELECT crm_sbg_fit(year, 1000) FROM retention WHERE segment = 'regular'" \
  "crm_sbg_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit_sbg: sBG fit: no customer churned in the survivor series"
expect_error "sbg fit: everybody churned" \
  "SELECT crm_sbg_fit(year, CASE WHEN year = 7 THEN 0 ELSE active END) FROM retention
    WHERE segment = 'regular'" \
  "crm_sbg_fit(): CRM_ERR_INVALID_ARGUMENT: crm_model_fit_sbg: sBG fit: every customer churned by the end of each cohort's series"
expect_error "sbg fit: not converging is an error, with the report" \
  "SELECT crm_sbg_fit(year, active, segment, 1) FROM retention" \
  "crm_sbg_fit(): the fit did not converge on 16 survivor counts: {\"model\": \"sbg\""
expect_error "sbg fit: an iteration cap below 1" \
  "SELECT crm_sbg_fit(year, active, segment, 0) FROM retention" \
  "crm_sbg_fit(): argument 4 (max_iterations) in row 0 of the group must lie in [1, 2147483647], got 0"
# Covers docs/bad-input.md BI-SQL-SBG-07
expect_error "sbg: a parameter <= 0" "SELECT crm_sbg_retention(0.7, -1.2, 2)" \
  "crm_sbg_retention(): CRM_ERR_INVALID_ARGUMENT: crm_model_from_params: sBG: parameter beta must be finite and > 0, got -1.2"
expect_error "sbg: a fractional period" "SELECT crm_sbg_survival(0.7, 1.2, 2.5)" \
  "crm_sbg_survival(): argument 3 (t) must be a whole number, got 2.5"
expect_error "sbg: a negative period" "SELECT crm_sbg_retention(0.7, 1.2, -1)" \
  "crm_sbg_retention(): argument 3 (t) must lie in [0, 1000000], got -1"
expect_error "sbg: a period beyond the curve's limit" "SELECT crm_sbg_survival(0.7, 1.2, 1000001)" \
  "crm_sbg_survival(): argument 3 (t) must lie in [0, 1000000], got 1000001"
expect_error "sbg: a negative discount" "SELECT crm_sbg_derl(0.7, 1.2, -0.1, 0)" \
  "crm_sbg_derl(): CRM_ERR_INVALID_ARGUMENT: crm_model_sbg_derl: sBG DERL: discount d must be finite and >= 0, got -0.1"
expect_error "sbg: fractional renewals" "SELECT crm_sbg_derl(0.7, 1.2, 0.1, 1.5)" \
  "crm_sbg_derl(): CRM_ERR_INVALID_ARGUMENT: crm_model_sbg_derl: sBG DERL: period t must be an integer >= 0, got 1.5"
expect_error "sbg: an undiscounted DERL that diverges (alpha <= 1)" "SELECT crm_sbg_derl(0.7, 1.2, 0, 0)" \
  "crm_sbg_derl(): CRM_ERR_OUT_OF_RANGE: crm_model_sbg_derl: sBG DERL: the series diverges at discount 0"

echo "bindings.sqlite_extension: $checks checks, $failures failed"
[ "$failures" -eq 0 ]

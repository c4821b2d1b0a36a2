#!/usr/bin/env python3
"""The crmcore PostgreSQL extension against real PostgreSQL 15 servers (ctest
bindings.postgres_extension).

Starts throwaway clusters (initdb in a temporary directory, a free port, a private unix
socket directory), runs the extension there, and compares every figure with the C API's
(pg_reference). The clusters are stopped on the way out, whatever happened.

Why a private install tree: CREATE EXTENSION reads crmcore.control from the server's
share directory and loads '$libdir/crmcore', and PostgreSQL 15 has no setting to add
other directories. Rather than writing into the system's directories (root only, and it
changes the machine), the test builds a relocated copy of the server: PostgreSQL finds its
share and lib directories relative to the postgres executable, so a copy of the
executable in TREE/usr/lib/postgresql/15/bin finds TREE/usr/share/postgresql/15 and
TREE/usr/lib/postgresql/15/lib. Those hold links to the system's files (dblink and
postgres_fdw included) next to copies of crmcore.so, libcrmcore_c.so.0 and the extension's
SQL files. Nothing outside the temporary directory is touched.

Run as root (CI containers), the servers run as the unprivileged user `nobody` (PostgreSQL
refuses to run as root); psql connects as the cluster's superuser over the socket.

Exit status 77 (ctest SKIP_RETURN_CODE) when the server binaries are missing.
"""
import argparse
import json
import math
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

FAILURES = []
OBSERVATION_END = "1997-09-30"
TIERS = ["vip", "major", "ordinary", "small"]


def fail(message):
    FAILURES.append(message)
    print("FAIL: " + message, flush=True)


def check(condition, message):
    if not condition:
        fail(message)
    return condition


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tree:
    """A relocated copy of the PostgreSQL 15 server with the extension installed."""

    def __init__(self, root, args):
        self.bindir = root + args.bindir
        pkglib = root + args.pkglibdir
        share = root + args.sharedir
        os.makedirs(self.bindir)
        os.makedirs(pkglib)
        os.makedirs(share)
        # Copies, not links: PostgreSQL resolves links to find its own location.
        for program in ("postgres", "initdb", "pg_ctl"):
            shutil.copy2(os.path.join(args.bindir, program), self.bindir)
        for name in os.listdir(args.pkglibdir):
            os.symlink(os.path.join(args.pkglibdir, name), os.path.join(pkglib, name))
        for name in os.listdir(args.sharedir):
            if name != "extension":
                os.symlink(os.path.join(args.sharedir, name), os.path.join(share, name))
        extension = os.path.join(share, "extension")
        os.makedirs(extension)
        system_extension = os.path.join(args.sharedir, "extension")
        for name in os.listdir(system_extension):
            os.symlink(os.path.join(system_extension, name), os.path.join(extension, name))
        shutil.copy2(args.extension, os.path.join(pkglib, "crmcore.so"))
        shutil.copy2(args.capi, os.path.join(pkglib, "libcrmcore_c.so.0"))
        for name in ("crmcore.control", "crmcore--1.0.sql"):
            shutil.copy2(os.path.join(args.source, name), extension)


class Cluster:
    def __init__(self, tree, root, name, user, psql):
        self.tree = tree
        self.data = os.path.join(root, name, "data")
        self.socket_dir = os.path.join(root, name, "socket")
        self.log = os.path.join(root, name, "server.log")
        self.port = free_port()
        self.user = user
        self.psql_program = psql
        self.started = False
        os.makedirs(self.data, mode=0o700)
        os.makedirs(self.socket_dir)
        if user is not None:
            uid, gid = user.pw_uid, user.pw_gid
            for path in (os.path.dirname(self.data), self.data, self.socket_dir):
                os.chown(path, uid, gid)

    def _as_server_user(self, command):
        if self.user is None:
            return command
        return ["runuser", "-u", self.user.pw_name, "--"] + command

    def start(self):
        subprocess.run(self._as_server_user(
            [os.path.join(self.tree.bindir, "initdb"), "-D", self.data, "-U", "postgres",
             "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]),
            check=True, stdout=subprocess.DEVNULL)
        options = ("-p %d -k %s -c listen_addresses='' -c max_worker_processes=8 "
                   "-c max_parallel_workers=4 -c fsync=off" % (self.port, self.socket_dir))
        self.started = True
        subprocess.run(self._as_server_user(
            [os.path.join(self.tree.bindir, "pg_ctl"), "-D", self.data, "-l", self.log,
             "-o", options, "-w", "-t", "60", "start"]), check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        if not self.started:
            return
        subprocess.run(self._as_server_user(
            [os.path.join(self.tree.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate",
             "-w", "stop"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.started = False

    def conninfo(self):
        return "host=%s port=%d user=postgres dbname=postgres" % (self.socket_dir, self.port)

    def psql(self, sql, stop_on_error=True, variables=None):
        """Runs `sql` in one session; returns (returncode, stdout, stderr)."""
        command = [self.psql_program, "-X", "-q", "-A", "-t", "-F", "|", "-h", self.socket_dir,
                   "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                   "-v", "ON_ERROR_STOP=%d" % (1 if stop_on_error else 0)]
        for key, value in (variables or {}).items():
            command += ["-v", "%s=%s" % (key, value)]
        done = subprocess.run(command, input=sql, capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr

    def query(self, sql, variables=None):
        rc, out, err = self.psql(sql, variables=variables)
        if rc != 0:
            raise RuntimeError("psql failed (%d): %s\nSQL: %s" % (rc, err, sql[:2000]))
        return [line for line in out.splitlines() if line != ""]


def read_reference(args, work):
    done = subprocess.run(
        [args.reference, os.path.join(args.data, "cdnow_customers_summary.csv"),
         os.path.join(args.data, "CDNOW_master.txt"), OBSERVATION_END],
        capture_output=True, text=True, check=True)
    ref = {"fit": {}, "predict": [], "summary": {}, "score": {}, "composite": {}}
    for line in done.stdout.splitlines():
        f = line.split()
        if f[0] == "fit":
            ref["fit"][f[1]] = [float(v) for v in f[2:]]
        elif f[0] == "predict":
            ref["predict"].append((float(f[2]), float(f[3])))
        elif f[0] == "summary":
            ref["summary"][f[1]] = [float(v) for v in f[2:]]
        elif f[0] == "composite":
            ref["composite"][f[1]] = float(f[2])
        elif f[0] == "score":
            ref["score"][f[1]] = (TIERS[int(f[2])], int(f[3]), int(f[4]))
    return ref


def transactions_csv(args, work):
    """CDNOW_master.txt (whitespace-separated) as CSV for \\copy."""
    path = os.path.join(work, "transactions.csv")
    with open(os.path.join(args.data, "CDNOW_master.txt")) as src, open(path, "w") as out:
        next(src)  # header
        for line in src:
            f = line.split()
            if len(f) == 4:
                out.write("%s,%s-%s-%s,%s,%s\n" % (f[0], f[1][:4], f[1][4:6], f[1][6:], f[2], f[3]))
    return path


PARAM_NAMES = {"bgnbd": ["r", "alpha", "a", "b"], "pareto": ["r", "alpha", "s", "beta"],
               "mbgnbd": ["r", "alpha", "a", "b"], "gammagamma": ["p", "q", "gamma"]}
# The model file's keys (include/crmcore/model_file.h), as `crmcore fit --out` writes them.
FIT_KEYS = {"model", "params", "log_likelihood", "converged", "iterations", "gradient_norm",
            "message", "standard_errors", "covariance", "confidence_intervals",
            "uncertainty_message", "fitted", "evaluations", "customers",
            "excluded_repeat_buyers", "zero_recency_repeat_buyers", "penalizer", "time_unit",
            "format", "format_version", "library_version"}


def fit_params(json_text):
    """The parameters in the model's order (jsonb keeps keys in its own order), then LL."""
    fit = json.loads(json_text)
    check(set(fit) == FIT_KEYS, "fit JSON keys %s are not the CLI's %s" % (sorted(fit), sorted(FIT_KEYS)))
    names = PARAM_NAMES[fit["model"]]
    check(sorted(fit["params"]) == sorted(names), "params %s" % fit["params"])
    return fit, [fit["params"][n] for n in names] + [fit["log_likelihood"]]


def compare_fit(label, json_text, expected):
    fit, got = fit_params(json_text)
    check(fit["converged"] is True, "%s: not converged: %s" % (label, json_text))
    check(len(got) == len(expected) and all(close(a, b) for a, b in zip(got, expected)),
          "%s: %s differs from the C API's %s" % (label, got, expected))
    return fit


FIT_SQL = """
SELECT crm_bgnbd_fit(frequency, recency, t) FROM cdnow_summary;
SELECT crm_pareto_fit(frequency, recency, t) FROM cdnow_summary;
SELECT crm_mbgnbd_fit(frequency, recency, t) FROM cdnow_summary;
SELECT crm_gammagamma_fit(frequency, monetary) FROM log_summary;
"""

SERIAL = "SET max_parallel_workers_per_gather = 0;\n"
COMPOSITE_PLAN = json.dumps({
    "current_contribution": {"weight": 0.5},
    "future_contribution": {"weight": 0.2, "normalizer": "z_score"},
    "loyalty": {"weight": 0.3, "normalizer": "percentile_rank"}})
PARALLEL = """SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0; SET parallel_leader_participation = off;
"""


def test_single_cluster(cluster, args, work, ref):  # noqa: C901 (one scenario, in order)
    rqs = open(os.path.join(args.source, "rfm_summary.sql")).read()
    cluster.query("""
CREATE EXTENSION crmcore;
CREATE TABLE cdnow_summary (id int, frequency float8, recency float8, t float8);
\\copy cdnow_summary FROM '%s' CSV HEADER
CREATE TABLE transactions (customer_id text, day date, cds int, amount numeric);
\\copy transactions FROM '%s' CSV
ALTER TABLE cdnow_summary SET (parallel_workers = 2);
ANALYZE;
""" % (os.path.join(args.data, "cdnow_customers_summary.csv"), transactions_csv(args, work)))
    check(cluster.query("SELECT crm_version();")[0] != "", "crm_version() is empty")

    # The transactions -> RFM summary query, against the C API's summary of the same log.
    cluster.query("CREATE TABLE log_summary AS " + rqs.rstrip().rstrip(";") + ";\n"
                  "ALTER TABLE log_summary SET (parallel_workers = 2); ANALYZE log_summary;",
                  variables={"observation_end": OBSERVATION_END})
    rows = cluster.query("SELECT customer_id, frequency, recency, t, monetary FROM log_summary;")
    got = {r.split("|")[0]: [float(v) for v in r.split("|")[1:]] for r in rows}
    check(len(got) == len(ref["summary"]),
          "summary query: %d customers, the C API %d" % (len(got), len(ref["summary"])))
    bad = [k for k, v in ref["summary"].items()
           if k not in got or not all(close(a, b, 1e-12) or a == b for a, b in zip(got[k], v))]
    check(not bad, "summary query differs from the C API for %d customers, e.g. %s: %s vs %s"
          % (len(bad), bad[:1], [got.get(k) for k in bad[:1]], [ref["summary"][k] for k in bad[:1]]))

    # And against `crmcore summarize` itself, when the CLI is built.
    if args.cli:
        out_csv = os.path.join(work, "cli_summary.csv")
        subprocess.run([args.cli, "summarize", os.path.join(args.data, "CDNOW_master.txt"),
                        "--delimiter=whitespace", "--date_format=%Y%m%d",
                        "--amount_col=dollar_value", "--observation_end=" + OBSERVATION_END,
                        "--time_unit=weeks", "--out=" + out_csv, "--quiet"],
                       check=True, capture_output=True)
        with open(out_csv) as f:
            next(f)
            cli = {r[0]: [float(v) for v in r[1:5]] for r in (line.rstrip("\n").split(",") for line in f)}
        bad = [k for k, v in cli.items()
               if k not in got or not all(close(a, b, 1e-12) or a == b for a, b in zip(got[k], v))]
        check(not bad and len(cli) == len(got),
              "summary query differs from `crmcore summarize` for %d customers, e.g. %s: %s vs %s"
              % (len(bad), bad[:1], [got.get(k) for k in bad[:1]], [cli[k] for k in bad[:1]]))

    # Fits with parallelism off, then forced on (Partial Aggregate under a Gather).
    fits = {}
    for mode, settings in (("serial", SERIAL), ("parallel", PARALLEL)):
        out = cluster.query(settings + FIT_SQL)
        check(len(out) == 4, "%s fits: %d results" % (mode, len(out)))
        for name, text in zip(("bgnbd", "pareto", "mbgnbd", "gammagamma"), out):
            fits[(mode, name)] = compare_fit("%s %s fit" % (mode, name), text,
                                             ref["fit"][name])
        for table, agg in (("cdnow_summary", "crm_bgnbd_fit(frequency, recency, t)"),
                           ("log_summary", "crm_gammagamma_fit(frequency, monetary)")):
            plan = "\n".join(cluster.query(settings + "EXPLAIN (ANALYZE, COSTS OFF) SELECT %s FROM %s;"
                                           % (agg, table)))
            if mode == "parallel":
                check("Partial Aggregate" in plan and "Gather" in plan and
                      "Workers Launched: 2" in plan,
                      "parallel plan of %s lacks Partial Aggregate / Gather / 2 workers:\n%s"
                      % (agg, plan))
            else:
                check("Partial Aggregate" not in plan, "serial plan is partial:\n" + plan)
    check(fits[("serial", "bgnbd")] == fits[("parallel", "bgnbd")],
          "BG/NBD fit JSON differs between serial and parallel runs")

    # Weighted rows: the CDNOW summary grouped by history, weight = count, fits the same.
    text = cluster.query("SELECT crm_bgnbd_fit(frequency, recency, t, n) FROM (SELECT frequency, "
                         "recency, t, count(*)::float8 AS n FROM cdnow_summary GROUP BY 1, 2, 3) g;")[0]
    compare_fit("weighted bgnbd fit", text, ref["fit"]["bgnbd"])
    # A state's bytes fit the same as the aggregate.
    text = cluster.query("SELECT crm_fit_from_states(s) FROM (SELECT crm_bgnbd_state(frequency, "
                         "recency, t) AS s FROM cdnow_summary) x;")[0]
    compare_fit("bgnbd fit from state bytes", text, ref["fit"]["bgnbd"])
    # The partial state is compact: one pattern per distinct history.
    size, distinct = cluster.query(
        "SELECT length(crm_bgnbd_state(frequency, recency, t)), (SELECT count(*) FROM (SELECT "
        "DISTINCT frequency, recency, t FROM cdnow_summary) d) FROM cdnow_summary;")[0].split("|")
    check(int(size) == 24 + 20 + 32 * int(distinct) + 4,
          "state of %s bytes is not one 32-byte pattern per distinct history (%s)" % (size, distinct))

    # The fit jsonb is `crmcore fit --out`'s model file: the same document, values included.
    if args.cli:
        out_json = os.path.join(work, "cli_bgnbd.json")
        subprocess.run([args.cli, "fit", os.path.join(args.data, "cdnow_customers_summary.csv"),
                        "--model=bgnbd", "--out=" + out_json], check=True, capture_output=True)
        with open(out_json) as f:
            cli_fit = json.load(f)
        sql_fit = fits[("serial", "bgnbd")]
        for key in ("params", "log_likelihood", "converged", "iterations", "standard_errors",
                    "confidence_intervals", "customers", "format", "format_version"):
            check(sql_fit.get(key) == cli_fit.get(key),
                  "fit JSON key %s: %s, the CLI's %s" % (key, sql_fit.get(key), cli_fit.get(key)))

    # Predictions from the fitted model's jsonb (a full model file, read by
    # crm_model_from_json) and from a hand-written {"model", "params"} document.
    model = fits[("serial", "bgnbd")]
    for document in (model, {"model": "bgnbd", "params": model["params"]}):
        out = cluster.query(
            "SELECT crm_p_alive(:'m', frequency, recency, t), crm_expected_purchases(:'m', 10, "
            "frequency, recency, t) FROM (SELECT * FROM cdnow_summary ORDER BY id LIMIT 20) s "
            "ORDER BY id;", variables={"m": json.dumps(document)})
        for i, (line, (p, e)) in enumerate(zip(out, ref["predict"])):
            a, b = (float(v) for v in line.split("|"))
            check(close(a, p) and close(b, e), "prediction %d: %s vs %s" % (i, (a, b), (p, e)))
        check(len(out) == len(ref["predict"]), "predictions: %d rows" % len(out))
    clv = cluster.query("SELECT crm_clv(:'m', :'g', 2, 30.43, 38.86, 25.0, 'weeks') > 0;",
                        variables={"m": json.dumps(model),
                                   "g": json.dumps(fits[("serial", "gammagamma")])})
    check(clv == ["t"], "crm_clv is not positive: %s" % clv)

    # Tiers and RFM scores against the population state, serial and parallel.
    score_sql = """
WITH st AS (SELECT crm_quantile_state(monetary) AS m, crm_quantile_state(t - recency) AS r
            FROM log_summary)
SELECT customer_id, crm_value_tier(st.m, monetary), crm_rfm_score(st.m, monetary, false),
       crm_rfm_score(st.r, t - recency, true) FROM log_summary, st;
"""
    for mode, settings in (("serial", SERIAL), ("parallel", PARALLEL)):
        rows = cluster.query(settings + score_sql)
        got = {r.split("|")[0]: (r.split("|")[1], int(r.split("|")[2]), int(r.split("|")[3]))
               for r in rows}
        bad = [k for k, v in ref["score"].items() if got.get(k) != v]
        check(not bad and len(got) == len(ref["score"]),
              "%s scores differ from the C API for %d customers, e.g. %s: %s vs %s"
              % (mode, len(bad), bad[:1], [got.get(k) for k in bad[:1]],
                 [ref["score"][k] for k in bad[:1]]))
    # The composite value against the population's composite state, serial and parallel.
    composite_sql = """
WITH st AS (SELECT crm_composite_state(ARRAY[monetary, frequency, NULL, t - recency, NULL],
                                       :'plan') AS s FROM log_summary)
SELECT customer_id, crm_composite_score(st.s, ARRAY[monetary, frequency, NULL, t - recency, NULL],
                                        :'plan') FROM log_summary, st;
"""
    for mode, settings in (("serial", SERIAL), ("parallel", PARALLEL)):
        rows = cluster.query(settings + composite_sql, variables={"plan": COMPOSITE_PLAN})
        got = {r.split("|")[0]: float(r.split("|")[1]) for r in rows}
        bad = [k for k, v in ref["composite"].items() if k not in got or not close(got[k], v, 1e-12)]
        check(not bad and len(got) == len(ref["composite"]),
              "%s composite values differ from the C API for %d customers, e.g. %s: %s vs %s"
              % (mode, len(bad), bad[:1], [got.get(k) for k in bad[:1]],
                 [ref["composite"][k] for k in bad[:1]]))
    plan = "\n".join(cluster.query(PARALLEL + "EXPLAIN (COSTS OFF) SELECT crm_composite_state(ARRAY["
                                   "monetary, frequency, NULL, t - recency, NULL], '%s') FROM log_summary;"
                                   % COMPOSITE_PLAN))
    check("Partial Aggregate" in plan, "composite state is not partial in parallel:\n" + plan)
    plan = "\n".join(cluster.query(PARALLEL + "EXPLAIN (COSTS OFF) SELECT crm_quantile_state(monetary) "
                                   "FROM log_summary;"))
    check("Partial Aggregate" in plan, "quantile state is not partial in parallel:\n" + plan)

    # Scalars, against the library's documented values.
    out = cluster.query("""
SELECT crm_satisfaction(6, 5), crm_satisfaction_level(1.1), crm_satisfaction_level(1.3, 'en'),
       crm_tier_label(0, 'id'), crm_taxonomy_label('value_tier', 'vip', 'id'),
       crm_retention_value(100, 0.8, 0.1), crm_scorecard_grade(array_fill(5.0::float8, ARRAY[10])),
       crm_scorecard_score(array_fill(3.0::float8, ARRAY[10])),
       crm_ladder_rung(0, 0, 0) IS NOT NULL, crm_taxonomy_label('value_tier', 0, 'zh') <> '';
""")[0].split("|")
    check(close(float(out[0]), 1.2, 1e-15), "crm_satisfaction(6, 5) = %s" % out[0])
    check(out[1] == "satisfied" and out[3] == "vip" and out[4] == "vip",
          "labels: %s" % out)
    check(close(float(out[5]), 100 * 1.1 / 0.3, 1e-14), "crm_retention_value: %s" % out[5])
    check(out[6] != "" and close(float(out[7]), 3.0, 1e-15) and out[8] == "t" and out[9] == "t",
          "scorecard / ladder / zh: %s" % out)
    return fits


# Every error path: an SQL error with the library's message, and the session stays usable.
ERROR_CASES = [
    ("SELECT crm_bgnbd_fit(frequency, NULL, t) FROM cdnow_summary;", "is NULL"),
    ("SELECT crm_gammagamma_fit(frequency, NULL) FROM log_summary;", "is NULL"),
    ("SELECT crm_bgnbd_fit(frequency, 'NaN', t) FROM cdnow_summary;", "row 0 of the group"),
    ("SELECT crm_bgnbd_fit(x, tx, tt) FROM (VALUES (1.0::float8, 5.0::float8, 2.0::float8)) v(x, tx, tt);",
     "CRM_ERR_INVALID_ARGUMENT"),
    ("SELECT crm_bgnbd_fit(frequency, recency, t, -1) FROM cdnow_summary;", "weight"),
    ("SELECT crm_bgnbd_fit(frequency, recency, t) FROM cdnow_summary WHERE frequency = 0;",
     "repeat buyers"),
    ("SELECT crm_gammagamma_fit(frequency, 'Infinity') FROM log_summary;", "monetary"),
    ("SELECT crm_quantile_state(NULL::float8) FROM log_summary;", "is NULL"),
    ("SELECT crm_quantile_state('NaN'::float8);", "must be finite"),
    ("SELECT crm_p_alive('[1, 2]', 1, 1, 2);", "not an object"),
    ("SELECT crm_p_alive('{\"model\": \"nope\", \"params\": {}}', 1, 1, 2);", "\"nope\""),
    ("SELECT crm_p_alive('{\"model\": \"bgnbd\"}', 1, 1, 2);", "no key \"params\""),
    ("SELECT crm_p_alive('{\"model\": \"bgnbd\", \"params\": {\"r\": 1, \"alpha\": 1, \"a\": 1}}', 1, 1, 2);",
     "\"params\".\"b\""),
    ("SELECT crm_p_alive('{\"model\": \"bgnbd\", \"params\": {\"r\": -1, \"alpha\": 1, \"a\": 1, \"b\": 1}}', 1, 1, 2);",
     "CRM_ERR_INVALID_ARGUMENT"),
    ("SELECT crm_p_alive('{\"model\": \"bgnbd\", \"params\": {\"r\": 1, \"alpha\": 1, \"a\": 1, \"b\": 1}}', 'NaN', 1, 2);",
     "CRM_ERR_INVALID_ARGUMENT"),
    ("SELECT crm_expected_mean_spend('{\"model\": \"bgnbd\", \"params\": {\"r\": 1, \"alpha\": 1, \"a\": 1, \"b\": 1}}', 1, 1);",
     "CRM_ERR_INVALID_ARGUMENT"),
    ("SELECT crm_value_tier('\\x00'::bytea, 1);", "CRM_ERR_IO"),
    ("SELECT crm_value_tier(set_byte(s, 30, get_byte(s, 30) # 1), 1) FROM "
     "(SELECT crm_quantile_state(monetary) s FROM log_summary) x;", "checksum"),
    ("SELECT crm_value_tier(substr(s, 1, length(s) - 1), 1) FROM "
     "(SELECT crm_quantile_state(monetary) s FROM log_summary) x;", "CRM_ERR_IO"),
    ("SELECT crm_fit_from_states(set_byte(s, 40, get_byte(s, 40) # 16)) FROM "
     "(SELECT crm_bgnbd_state(frequency, recency, t) s FROM cdnow_summary) x;", "checksum"),
    ("SELECT crm_fit_from_states(s) FROM (SELECT crm_quantile_state(monetary) s FROM log_summary) x;",
     "not history states"),
    ("SELECT crm_state_merge(s) FROM (SELECT crm_quantile_state(monetary) s FROM log_summary "
     "UNION ALL SELECT crm_bgnbd_state(frequency, recency, t) FROM cdnow_summary) x;",
     "cannot merge"),
    ("SELECT crm_composite_state(ARRAY[1, 2, 3]::float8[], '{\"credit\": {\"weight\": 1}}');",
     "5 components"),
    ("SELECT crm_composite_state(ARRAY[1, 2, 3, 4, 5]::float8[], '{\"credits\": {\"weight\": 1}}');",
     "unknown key \"credits\""),
    ("SELECT crm_composite_state(ARRAY[1, 2, 3, 4, 5]::float8[], '{\"credit\": {\"weight\": -1}}');",
     "CRM_ERR_INVALID_ARGUMENT"),
    ("SELECT crm_composite_state(ARRAY[1, 'NaN', 3, 4, 5]::float8[], '{\"credit\": {\"weight\": 1}}');",
     "is NaN"),
    ("SELECT crm_composite_state(ARRAY[NULL, 2, 3, 4, 5]::float8[], '{\"current_contribution\": {\"weight\": 1}}');",
     "CRM_ERR_INVALID_ARGUMENT"),
    ("SELECT crm_composite_score(set_byte(s, 30, get_byte(s, 30) # 1), ARRAY[1, 2, 3, 4, 5]::float8[], "
     "'{\"credit\": {\"weight\": 1}}') FROM (SELECT crm_composite_state(ARRAY[1, 2, 3, 4, 5]::float8[], "
     "'{\"credit\": {\"weight\": 1}}') s) x;", "checksum"),
    ("SELECT crm_satisfaction(1, 0);", "CRM_ERR_INVALID_ARGUMENT"),
    ("SELECT crm_satisfaction_level(1, 'fr');", "'id', 'en' or 'zh'"),
    ("SELECT crm_taxonomy_label('no_such', 0);", "no taxonomy"),
    ("SELECT crm_tier_label(9);", "CRM_ERR_INVALID_ARGUMENT"),
    ("SELECT crm_scorecard_score(ARRAY[1, 2]::float8[]);", "10 values"),
    ("SELECT crm_retention_value(1, 1.5, 0.1);", "CRM_ERR_INVALID_ARGUMENT"),
    ("SELECT crm_clv('{\"model\": \"bgnbd\", \"params\": {\"r\": 1, \"alpha\": 1, \"a\": 1, \"b\": 1}}', "
     "'{\"model\": \"gammagamma\", \"params\": {\"p\": 1, \"q\": 2, \"gamma\": 1}}', 1, 1, 2, 5, 'weeks', 0);",
     "CRM_ERR_INVALID_ARGUMENT"),
    ("SELECT crm_clv('{\"model\": \"bgnbd\", \"params\": {\"r\": 1, \"alpha\": 1, \"a\": 1, \"b\": 1}}', "
     "'{\"model\": \"gammagamma\", \"params\": {\"p\": 1, \"q\": 2, \"gamma\": 1}}', 1, 1, 2, 5, 'years');",
     "'days', 'weeks' or 'months'"),
    ("SELECT crm_p_alive('{\"format\": \"crmcore-model\", \"model\": \"bgnbd\"}', 1, 1, 2);",
     "CRM_ERR_INVALID_ARGUMENT"),
]


def test_errors(cluster):
    script = []
    for sql, _ in ERROR_CASES:
        script.append(sql)
        script.append("SELECT 'alive';")
    rc, out, err = cluster.psql("\n".join(script) + "\n", stop_on_error=False)
    alive = [line for line in out.splitlines() if line == "alive"]
    check(len(alive) == len(ERROR_CASES),
          "the session answered %d of %d follow-up queries (a crash?): %s"
          % (len(alive), len(ERROR_CASES), err[-2000:]))
    errors = [line for line in err.splitlines() if line.startswith("ERROR:")]
    expected = ERROR_CASES
    for sql, needle in expected:
        rc1, out1, err1 = cluster.psql(sql + "\n")
        check(rc1 != 0 and "ERROR:" in err1 and needle in err1,
              "%s\n  expected an SQL error containing %r, got rc %d: %s %s"
              % (sql, needle, rc1, out1.strip(), err1.strip()))
    check(len(errors) >= len(expected), "%d errors for %d bad queries" % (len(errors), len(expected)))
    check("server closed the connection" not in err, "a backend crashed:\n" + err[-2000:])


def test_two_clusters(coordinator, shard, args, ref, single_fits):
    """Each shard holds half the customers; the coordinator merges their states over
    dblink and over postgres_fdw, and finishes the fit and the scoring."""
    for c, parity in ((coordinator, 0), (shard, 1)):
        if c is shard:
            c.query("CREATE EXTENSION crmcore;\n"
                    "CREATE TABLE cdnow_summary (id int, frequency float8, recency float8, t float8);\n"
                    "\\copy cdnow_summary FROM '%s' CSV HEADER\n"
                    % os.path.join(args.data, "cdnow_customers_summary.csv"))
        c.query("CREATE TABLE half AS SELECT * FROM cdnow_summary WHERE id %% 2 = %d;" % parity)
    coordinator.query("CREATE EXTENSION dblink;")
    remote = ("SELECT s FROM dblink('%s', 'SELECT crm_bgnbd_state(frequency, recency, t) FROM half') "
              "AS r(s bytea)" % shard.conninfo())
    text = coordinator.query(
        "SELECT crm_fit_from_states(s) FROM (SELECT crm_bgnbd_state(frequency, recency, t) AS s "
        "FROM half UNION ALL %s) states;" % remote)[0]
    merged = compare_fit("two-cluster BG/NBD fit", text, ref["fit"]["bgnbd"])
    check(merged["params"] == single_fits[("serial", "bgnbd")]["params"],
          "two-cluster fit %s differs from the single-server fit %s"
          % (merged["params"], single_fits[("serial", "bgnbd")]["params"]))
    # The same over postgres_fdw: the shard's state as a view, imported as a foreign table.
    shard.query("CREATE VIEW bgnbd_state AS SELECT crm_bgnbd_state(frequency, recency, t) AS s "
                "FROM half;")
    coordinator.query(
        "CREATE EXTENSION postgres_fdw;\n"
        "CREATE SERVER shard FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '%s', port '%d', "
        "dbname 'postgres');\n"
        "CREATE USER MAPPING FOR postgres SERVER shard OPTIONS (user 'postgres');\n"
        "CREATE FOREIGN TABLE shard_bgnbd_state (s bytea) SERVER shard "
        "OPTIONS (table_name 'bgnbd_state');" % (shard.socket_dir, shard.port))
    text = coordinator.query(
        "SELECT crm_fit_from_states(s) FROM (SELECT crm_bgnbd_state(frequency, recency, t) AS s "
        "FROM half UNION ALL SELECT s FROM shard_bgnbd_state) states;")[0]
    via_fdw = compare_fit("two-cluster BG/NBD fit over postgres_fdw", text, ref["fit"]["bgnbd"])
    check(via_fdw["params"] == merged["params"], "postgres_fdw and dblink fits differ")

    # The population state merged across the shards scores as on one server.
    remote_q = ("SELECT s FROM dblink('%s', 'SELECT crm_quantile_state(frequency) FROM half') "
                "AS r(s bytea)" % shard.conninfo())
    rows = coordinator.query(
        "WITH st AS (SELECT crm_state_merge(s) AS q FROM (SELECT crm_quantile_state(frequency) AS s "
        "FROM half UNION ALL %s) x), one AS (SELECT crm_quantile_state(frequency) AS q FROM "
        "cdnow_summary) SELECT count(*) FILTER (WHERE crm_value_tier(st.q, frequency) <> "
        "crm_value_tier(one.q, frequency) OR crm_rfm_score(st.q, frequency) <> "
        "crm_rfm_score(one.q, frequency)), count(*), st.q = one.q FROM cdnow_summary, st, one "
        "GROUP BY st.q, one.q;" % remote_q)
    differ, total, same_bytes = rows[0].split("|")
    check(differ == "0" and int(total) == 2357 and same_bytes == "t",
          "merged quantile state scores differ for %s of %s customers (same bytes: %s)"
          % (differ, total, same_bytes))


def main():
    parser = argparse.ArgumentParser()
    for name in ("bindir", "pkglibdir", "sharedir", "extension", "capi", "reference", "source",
                 "data", "work"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--cli", default="", help="the crmcore CLI, when built")
    args = parser.parse_args()
    for program in ("postgres", "initdb", "pg_ctl", "psql"):
        if not os.path.exists(os.path.join(args.bindir, program)):
            print("SKIP: %s not found in %s (Debian: postgresql-15)" % (program, args.bindir))
            return 77
    user = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("nobody")
        except KeyError:
            print("SKIP: running as root and there is no user 'nobody' to run the server as")
            return 77
    # A ctest timeout or ^C ends the run through the `finally` below, which stops the
    # clusters (they are daemons: nothing else would).
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda number, frame: sys.exit(128 + number))
    os.makedirs(args.work, exist_ok=True)
    root = tempfile.mkdtemp(prefix="crmcore-pg-")
    os.chmod(root, 0o755)
    clusters = []
    try:
        tree = Tree(os.path.join(root, "tree"), args)
        for dirpath, dirnames, _ in os.walk(os.path.join(root, "tree")):
            os.chmod(dirpath, 0o755)
        psql = os.path.join(args.bindir, "psql")
        ref = read_reference(args, root)
        a = Cluster(tree, root, "a", user, psql)
        clusters.append(a)
        a.start()
        fits = test_single_cluster(a, args, root, ref)
        test_errors(a)
        b = Cluster(tree, root, "b", user, psql)
        clusters.append(b)
        b.start()
        test_two_clusters(a, b, args, ref, fits)
    except Exception as e:  # reported as a failure, after the clusters are stopped
        fail("%s: %s" % (type(e).__name__, e))
        for c in clusters:
            if os.path.exists(c.log):
                print("--- %s ---\n%s" % (c.log, open(c.log).read()[-3000:]))
    finally:
        for c in clusters:
            c.stop()
        shutil.rmtree(root, ignore_errors=True)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        return 1
    print("all PostgreSQL extension tests passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

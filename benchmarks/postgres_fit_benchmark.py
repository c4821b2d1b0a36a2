#!/usr/bin/env python3
"""BG/NBD fit inside PostgreSQL (crm_bgnbd_fit) with 0 and 2 parallel workers, against the
CLI (`crmcore fit --model bgnbd`) on the same customers.

    python3 benchmarks/postgres_fit_benchmark.py --build build/release [--customers 10000000]

Generates N customers from the BG/NBD process (benchmarks/bgnbd_synthetic.c, compiled
here), loads them into one table of a throwaway PostgreSQL 15 cluster (the relocated server
tree of bindings/postgresql/test_postgres_extension.py, so nothing is installed on the
machine), and times, each best of --repeat runs:
  * SELECT crm_bgnbd_fit(frequency, recency, t) FROM customers, max_parallel_workers_per_gather
    0, then 2 (EXPLAIN confirms Partial Aggregate under Gather);
  * crmcore fit --model bgnbd on the CSV the table was loaded from (reading the CSV included:
    that is what the CLI does with the same data).
Prints the fitted parameters of each (they must agree, and lie near the generating
r 0.243, alpha 4.414, a 0.793, b 2.426) and the timings.
"""
import argparse
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(os.path.dirname(HERE), "bindings", "postgresql")
sys.path.insert(0, SOURCE)
import test_postgres_extension as pgtest  # noqa: E402  (Tree, Cluster)


def pg_config(flag):
    return subprocess.run(["pg_config", flag], capture_output=True, text=True,
                          check=True).stdout.strip()


def best_of(repeat, run):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True, help="a CMake build dir (Release for timings)")
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="directory for the generated CSV (default: temporary)")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    extension = os.path.join(build, "bindings", "postgresql", "crmcore.so")
    capi = os.path.realpath(os.path.join(build, "libcrmcore_c.so"))
    cli = os.path.join(build, "tools", "crmcore", "crmcore")
    for path in (extension, capi, cli):
        if not os.path.exists(path):
            sys.exit("missing %s: cmake --build %s --target crmcore_pg crmcore_cli" % (path, build))

    root = tempfile.mkdtemp(prefix="crmcore-pg-bench-")
    os.chmod(root, 0o755)
    work = args.keep or root
    csv = os.path.join(work, "customers.csv")
    generator = os.path.join(root, "bgnbd_synthetic")
    subprocess.run(["cc", "-O2", "-o", generator, os.path.join(HERE, "bgnbd_synthetic.c"), "-lm"],
                   check=True)
    start = time.perf_counter()
    with open(csv, "w") as out:
        subprocess.run([generator, str(args.customers)], stdout=out, check=True)
    print("generated %d customers in %.1f s (%s, %.0f MB)"
          % (args.customers, time.perf_counter() - start, csv, os.path.getsize(csv) / 1e6))

    class Args:  # what Tree needs
        pass
    targs = Args()
    targs.bindir, targs.pkglibdir, targs.sharedir = (pg_config("--bindir"),
                                                     pg_config("--pkglibdir"),
                                                     pg_config("--sharedir"))
    targs.extension, targs.capi, targs.source = extension, capi, SOURCE
    user = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
    cluster = None
    try:
        tree = pgtest.Tree(os.path.join(root, "tree"), targs)
        for dirpath, _, _ in os.walk(os.path.join(root, "tree")):
            os.chmod(dirpath, 0o755)
        cluster = pgtest.Cluster(tree, root, "bench", user, os.path.join(targs.bindir, "psql"))
        cluster.start()
        start = time.perf_counter()
        cluster.query("CREATE EXTENSION crmcore;\n"
                      "CREATE UNLOGGED TABLE customers (id bigint, frequency float8, "
                      "recency float8, t float8);\n"
                      "\\copy customers FROM '%s' CSV HEADER\n"
                      "ALTER TABLE customers SET (parallel_workers = 2);\n"
                      "VACUUM ANALYZE customers;\n" % csv)
        print("loaded in %.1f s" % (time.perf_counter() - start))
        fit_sql = "SELECT crm_bgnbd_fit(frequency, recency, t) FROM customers;"
        results = {}
        for workers in (0, 2):
            settings = ("SET max_parallel_workers_per_gather = %d; SET work_mem = '256MB';\n"
                        % workers)
            plan = "\n".join(cluster.query(settings + "EXPLAIN (COSTS OFF) " + fit_sql))
            partial = "Partial Aggregate" in plan
            seconds, out = best_of(args.repeat, lambda: cluster.query(settings + fit_sql))
            results[workers] = (seconds, json.loads(out[0]), partial)
            if workers > 0:
                # Where the time goes: each worker's scan and partial aggregate, and the
                # leader's combine and fit (Finalize Aggregate).
                analyzed = cluster.query(settings + "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF) " +
                                         fit_sql)
                print("\n".join("    " + line for line in analyzed))
            print("PostgreSQL, %d workers (%s): %.2f s  %s"
                  % (workers, "Partial Aggregate under Gather" if partial else "plain Aggregate",
                     seconds, results[workers][1]["params"]))
        seconds, done = best_of(args.repeat, lambda: subprocess.run(
            [cli, "fit", "--model", "bgnbd", csv], capture_output=True, text=True, check=True))
        print("CLI crmcore fit: %.2f s\n%s" % (seconds, done.stdout.strip()))
        print("ratio 0 workers / 2 workers: %.2f; 2 workers / CLI: %.2f"
              % (results[0][0] / results[2][0], results[2][0] / seconds))
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

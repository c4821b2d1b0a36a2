#!/usr/bin/env python3
"""Side by side: the per-customer RFM summary of a transaction log, built by pandas
(read_csv + groupby, what a data scientist reaches for) and by `crmcore summarize`,
in one run on the same file. Prints wall time and peak memory of each and the ratios.

Both sides do the whole job end to end in their own process: start, read the log,
build the summary with the Fader-Hardie / lifetimes conventions (same-day purchases
are one occasion; frequency, recency, T in weeks, mean repeat value; calibration ends
1997-09-30), write it as CSV.

The generated log (--order) comes as exports do: comma-separated customer_id,date,amount
with ISO dates, each row's customer drawn from --customers (3.2 M: about 3 M of them
buy in 10^7 rows), in date order (the default) or shuffled; both make the summary
group rows from all over the file. --order grouped writes the CDNOW master layout
instead (whitespace, %Y%m%d, rows grouped by customer), which hides that cost.

    python3 benchmarks/summary_vs_pandas.py --crmcore build/bench/tools/crmcore/crmcore \
        [--rows 10000000] [--order date|shuffled|grouped] [--runs 2] [--log /tmp/log.txt] \
        [--score] [--no-pandas]

--score also runs `crmcore score --model=none` on the log right after each summarize and
prints its wall time and peak memory as ratios of summarize's (the issue 12 target:
<= 1.3x the time, <= 1.5x the memory). --no-pandas skips the pandas side.

Needs Debian's python3-pandas and GNU time (`bash scripts/install-deps.sh --bench`);
run it with Debian's /usr/bin/python3, which is the one that has pandas.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

PANDAS_JOB = r"""
import sys
import pandas as pd
log, out, end = sys.argv[1], sys.argv[2], pd.Timestamp(sys.argv[3])
sep, date_format, amount = sys.argv[4], sys.argv[5], sys.argv[6]
df = pd.read_csv(log, sep=sep, usecols=["customer_id", "date", amount],
                 dtype={"customer_id": str, "date": str, amount: "float64"})
df["date"] = pd.to_datetime(df["date"], format=date_format)
cal = df[df["date"] <= end]
occasions = cal.groupby(["customer_id", "date"], sort=False)[amount].sum().reset_index()
occasions = occasions.sort_values(["customer_id", "date"], kind="stable")
g = occasions.groupby("customer_id", sort=False)
first, last = g["date"].first(), g["date"].last()
frequency = g.size() - 1
repeat_value = g[amount].sum() - g[amount].first()
summary = pd.DataFrame({
    "frequency": frequency,
    "recency": (last - first).dt.days / 7,
    "T": (end - first).dt.days / 7,
    "monetary_value": (repeat_value / frequency.where(frequency > 0)).fillna(0.0),
})
summary.to_csv(out, index_label="customer_id")
"""


def generate_export_log(path, rows, customers, shuffled, seed=20261206):
    """An export-like log: customer_id,date,amount with ISO dates, 1997-01-01 to
    1998-06-30, each row's customer uniform over `customers`; in date order, or
    shuffled."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    day = np.sort(rng.integers(0, 546, size=rows))
    customer = rng.integers(1, customers + 1, size=rows)
    cents = rng.integers(100, 30100, size=rows)
    if shuffled:
        order = rng.permutation(rows)
        day, customer, cents = day[order], customer[order], cents[order]
    dates = pd.Series(np.datetime64("1997-01-01") + day.astype("timedelta64[D]"))
    # Built as strings by vectorised concatenation: to_csv of a 10^7-row frame with a
    # float_format takes minutes.
    text = ("C" + pd.Series(customer).astype(str).str.zfill(7) + ","
            + dates.dt.strftime("%Y-%m-%d") + ","
            + pd.Series(cents // 100).astype(str) + "."
            + pd.Series(cents % 100).astype(str).str.zfill(2))
    with open(path, "w") as out:
        out.write("customer_id,date,amount\n")
        out.write("\n".join(text.tolist()))
        out.write("\n")


def generate_grouped_log(path, rows, seed=20240601):
    """A CDNOW-master-layout log: customers with 1-9 purchases in 1997-1998, grouped."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 10, size=rows // 5 + 1000)
    cumulative = np.cumsum(counts)
    customers = int(np.searchsorted(cumulative, rows)) + 1
    counts = counts[:customers]
    counts[-1] -= cumulative[customers - 1] - rows
    customer = np.repeat(np.arange(1, customers + 1), counts)
    first_day = np.repeat(rng.integers(0, 90, size=customers), counts)
    day = first_day + rng.integers(0, 456, size=rows) * (rng.random(rows) < 0.8)
    order = np.lexsort((day, customer))
    dates = (np.datetime64("1997-01-01") + day[order].astype("timedelta64[D]"))
    frame = pd.DataFrame({
        "customer_id": pd.Series(customer[order]).map("{:07d}".format),
        "date": pd.Series(dates).dt.strftime("%Y%m%d"),
        "number_of_cds": rng.integers(1, 11, size=rows),
        "dollar_value": rng.integers(500, 20500, size=rows) / 100,
    })
    frame.to_csv(path, sep=" ", index=False, float_format="%.2f")


def run_measured(command):
    """Runs `command` under GNU time; returns (wall seconds, peak resident MiB).

    GNU time forks the command from its own small process, so the peak is the
    command's alone (a child forked from this Python process would inherit the
    generator's pages in its ru_maxrss)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name] + command)
        wall = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"failed: {' '.join(command)}")
        peak_kib = int(report.read().strip().splitlines()[-1])
    return wall, peak_kib / 1024


def check_same_summary(crmcore_csv, pandas_csv):
    """Exits unless both summaries hold the same customers and values; returns the row count."""
    import pandas as pd

    ours = pd.read_csv(crmcore_csv, dtype={"customer_id": str}).set_index("customer_id")
    theirs = pd.read_csv(pandas_csv, dtype={"customer_id": str}).set_index("customer_id")
    if len(ours) != len(theirs) or not ours.index.sort_values().equals(theirs.index.sort_values()):
        sys.exit(f"summaries differ: crmcore {len(ours)} customers, pandas {len(theirs)}")
    theirs = theirs.loc[ours.index]
    if not (ours["frequency"] == theirs["frequency"]).all():
        sys.exit("summaries differ in frequency")
    for column in ["recency", "T", "monetary_value"]:
        worst = (ours[column] - theirs[column]).abs().max()
        if worst > 1e-9:  # pandas sums binary floats; crmcore exact cents
            sys.exit(f"summaries differ in {column} by up to {worst}")
    return len(ours)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crmcore", required=True, help="path to the crmcore program")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--order", choices=["date", "shuffled", "grouped"], default="date",
                        help="row order of the generated log (see above)")
    parser.add_argument("--customers", type=int, default=3_200_000,
                        help="customers the date/shuffled rows are drawn from")
    parser.add_argument("--runs", type=int, default=2, help="runs of each side")
    parser.add_argument("--log", help="reuse (or create) the generated log at this path")
    parser.add_argument("--score", action="store_true",
                        help="also time crmcore score --model=none against summarize")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas side")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="crmcore_vs_pandas_")
    log = args.log or os.path.join(workdir, "log.txt")
    if not os.path.exists(log):
        print(f"generating {args.rows:,} rows ({args.order} order) into {log} ...", flush=True)
        if args.order == "grouped":
            generate_grouped_log(log, args.rows)
        else:
            generate_export_log(log, args.rows, args.customers, args.order == "shuffled")
    size_mb = os.path.getsize(log) / 1e6
    end = "1997-09-30"
    if args.order == "grouped":
        layout = [r"\s+", "%Y%m%d", "dollar_value"]
        flags = ["--delimiter=whitespace", "--date-format=%Y%m%d", "--amount-col=dollar_value"]
    else:
        layout = [",", "%Y-%m-%d", "amount"]
        flags = []

    pandas_out = os.path.join(workdir, "pandas.csv")
    crmcore_out = os.path.join(workdir, "crmcore.csv")
    score_out = os.path.join(workdir, "scores.csv")
    calibration = [*flags, f"--observation-end={end}", "--time-unit=weeks", "--quiet"]
    runs = []
    for _ in range(args.runs):
        crmcore_wall, crmcore_mem = run_measured(
            [args.crmcore, "summarize", log, *calibration, f"--out={crmcore_out}"])
        score_wall, score_mem = (run_measured(
            [args.crmcore, "score", log, *calibration, "--model=none", f"--out={score_out}"])
            if args.score else (None, None))
        pandas_wall, pandas_mem = (None, None) if args.no_pandas else run_measured(
            [sys.executable, "-c", PANDAS_JOB, log, pandas_out, end, *layout])
        runs.append((pandas_wall, pandas_mem, crmcore_wall, crmcore_mem, score_wall, score_mem))

    agree = "" if args.no_pandas else (
        f"summary: {check_same_summary(crmcore_out, pandas_out):,} customers (summaries agree)")
    print(f"log: {args.rows:,} rows ({args.order} order), {size_mb:.0f} MB; {agree}")
    print(f"{'':18}{'wall s':>10}{'peak MiB':>12}")
    for run, (pandas_wall, pandas_mem, crmcore_wall, crmcore_mem, score_wall,
              score_mem) in enumerate(runs, 1):
        if pandas_wall is not None:
            print(f"{'pandas    run ' + str(run):18}{pandas_wall:10.2f}{pandas_mem:12.0f}")
        print(f"{'summarize run ' + str(run):18}{crmcore_wall:10.2f}{crmcore_mem:12.0f}")
        if score_wall is not None:
            print(f"{'score     run ' + str(run):18}{score_wall:10.2f}{score_mem:12.0f}")
        if pandas_wall is not None:
            print(f"  run {run}: crmcore is {pandas_wall / crmcore_wall:.1f}x faster and uses "
                  f"{pandas_mem / crmcore_mem:.1f}x less peak memory than pandas")
        if score_wall is not None:
            print(f"  run {run}: score takes {score_wall / crmcore_wall:.2f}x the time and "
                  f"{score_mem / crmcore_mem:.2f}x the peak memory of summarize")


if __name__ == "__main__":
    main()

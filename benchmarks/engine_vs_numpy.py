#!/usr/bin/python3
"""The engine's pipeline side by side with numpy, in one process, on the same generated 10^7
customers.

Pipeline (both sides): min-max normalize 5 component columns and weight them (0.35, 0.25,
0.15, 0.15, 0.10) into the composite value; value tiers 1/4/15/80 % (cut-off = the value in
each tier's last seat, ties to the higher tier); RFM quintile scores of R (lower is better),
F and M by the mid-rank rule of rfm_score.h. numpy does it the way a numpy user would:
column arithmetic, np.partition for the cut-offs (what np.quantile uses) + np.searchsorted
for the tiers, np.unique (a sort) with counts for the mid-ranks. crmcore does it through its
C API, as a Python user would: the ctypes binding in bindings/python/crmcore/, the numpy
arrays passed zero-copy. Each side's best of three runs is timed; tier counts, score
histograms and the largest difference of the values are compared, then the ratio is
printed.

  /usr/bin/python3 benchmarks/engine_vs_numpy.py [--lib build/bench/libcrmcore_c.so] [N]

Use a Release library (the bench preset's, the default).
"""
import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

WEIGHTS = np.array([0.35, 0.25, 0.15, 0.15, 0.10])
FRACTIONS = (0.01, 0.04, 0.15, 0.80)


def generate(n):
    rng = np.random.default_rng(20240601)
    components = [rng.lognormal(5.0, 1.2, n)] + [rng.uniform(0.0, 100.0, n) for _ in range(4)]
    recency = rng.integers(0, 366, n).astype(np.float64)
    frequency = rng.integers(1, 51, n).astype(np.float64)
    monetary = rng.lognormal(5.0, 1.2, n)
    return components, recency, frequency, monetary


def seat_counts(n):
    cumulative = np.cumsum(FRACTIONS[:3])
    return [min(n, int(np.floor(n * c * (1.0 + 1e-12)))) for c in cumulative]


def numpy_pipeline(components, recency, frequency, monetary):
    n = len(recency)
    value = np.zeros(n)
    for w, x in zip(WEIGHTS / WEIGHTS.sum(), components):
        lo, hi = x.min(), x.max()
        value += w * ((x - lo) / (hi - lo))
    seats = seat_counts(n)
    ranks = [n - s for s in seats if s > 0]
    part = np.partition(value, ranks)
    cutoffs = [part[n - s] if s > 0 else np.inf for s in seats]  # vip, major, ordinary
    tiers = 3 - np.searchsorted(np.array(cutoffs[::-1]), value, side="right")
    scores = []
    for column, lower_is_better in ((recency, True), (frequency, False), (monetary, False)):
        key = -column if lower_is_better else column
        # Mid-ranks through np.unique (one sort, as scipy.stats.rankdata does); searchsorted
        # of every value into the sorted column is ~50x slower at this size.
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        below = np.cumsum(counts) - counts
        p = (2 * below[inverse] + counts[inverse]) / (2.0 * n)
        scores.append(np.clip(1 + np.floor(5.0 * p), 1, 5).astype(np.int8))
    return value, tiers, scores


def crmcore_pipeline(crm, plan, components, recency, frequency, monetary, threads):
    columns = dict(zip(crm.COMPONENTS, components))
    value = crm.score_composite(plan, columns, threads=threads)
    tiers = crm.value_tiers(value, threads=threads)
    scores = [crm.rfm_quintiles(recency, lower_is_better=True, threads=threads),
              crm.rfm_quintiles(frequency, threads=threads),
              crm.rfm_quintiles(monetary, threads=threads)]
    return value, tiers, scores


def best_of(runs, pipeline):
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = pipeline()
        best = min(best, time.perf_counter() - start)
    return best, result


def histogram(values, classes):
    return [int((values == k).sum()) for k in classes]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lib", default=str(ROOT / "build" / "bench" / "libcrmcore_c.so"),
                        help="libcrmcore_c.so to load (default: the bench preset's)")
    parser.add_argument("n", nargs="?", type=int, default=10_000_000)
    args = parser.parse_args()
    os.environ["CRMCORE_LIB"] = args.lib
    sys.path.insert(0, str(ROOT / "bindings" / "python"))
    import crmcore as crm

    components, recency, frequency, monetary = generate(args.n)
    numpy_seconds, (value, tiers, scores) = best_of(
        3, lambda: numpy_pipeline(components, recency, frequency, monetary))

    plan = crm.CompositePlan(list(WEIGHTS))  # min-max normalizers by default
    engine = {}
    for threads in sorted({1, os.cpu_count() or 1}):
        engine[threads] = best_of(3, lambda: crmcore_pipeline(
            crm, plan, components, recency, frequency, monetary, threads))

    print(f"N = {args.n:,} customers, numpy {np.__version__}, crmcore {crm.version()} "
          f"({crm.library_path}), engine target {crm.engine_target()}")
    print(f"numpy pipeline:                {numpy_seconds * 1e3:9.1f} ms  "
          f"{args.n / numpy_seconds / 1e6:8.2f} M rows/s")
    agree = True
    for threads, (seconds, (c_value, c_tiers, c_scores)) in engine.items():
        print(f"crmcore (C API), {threads:2d} thread(s): {seconds * 1e3:9.1f} ms  "
              f"{args.n / seconds / 1e6:8.2f} M rows/s  {numpy_seconds / seconds:6.1f}x numpy")
        agree = agree and histogram(c_tiers, range(4)) == histogram(tiers, range(4))
        for c, s in zip(c_scores, scores):
            agree = agree and histogram(c, range(1, 6)) == histogram(s, range(1, 6))
    print(f"tier counts and RFM score histograms agree: {agree}")
    # Issue 12's target: value tiers of a continuous column cost no more than 1.2x the RFM
    # quintiles of the same column (here the composite values), one thread, through the
    # C API as above.
    tier_seconds, _ = best_of(3, lambda: crm.value_tiers(value, threads=1))
    rfm_seconds, _ = best_of(3, lambda: crm.rfm_quintiles(value, threads=1))
    print(f"composite column, 1 thread: value tiers {tier_seconds * 1e3:.1f} ms, RFM quintiles "
          f"{rfm_seconds * 1e3:.1f} ms: tiers / RFM = {tier_seconds / rfm_seconds:.2f}")
    print(f"largest |value difference|: {np.max(np.abs(engine[1][1][0] - value)):.3g}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())

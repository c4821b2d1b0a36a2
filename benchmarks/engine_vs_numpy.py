#!/usr/bin/python3
"""The engine's pipeline side by side with numpy, on the same generated 10^7 customers.

Pipeline (both sides): min-max normalize 5 component columns and weight them (0.35, 0.25,
0.15, 0.15, 0.10) into the composite value; value tiers 1/4/15/80 % (cut-off = the value in
each tier's last seat, ties to the higher tier); RFM quintile scores of R (lower is better),
F and M by the mid-rank rule of rfm_score.h. numpy does it the way a numpy user would:
column arithmetic, np.partition for the cut-offs (what np.quantile uses) + np.searchsorted
for the tiers, np.unique (a sort) with counts for the mid-ranks. The crmcore side runs through
the engine_benchmark binary (--pipeline_file mode) until the C API exists. Both sides'
tier counts and score histograms are compared, then the ratio is printed.

  /usr/bin/python3 benchmarks/engine_vs_numpy.py build/bench/benchmarks/engine_benchmark [N]
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

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


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/bench/benchmarks/engine_benchmark"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    components, recency, frequency, monetary = generate(n)

    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        f.write(np.int64(n).tobytes())
        for column in components + [recency, frequency, monetary]:
            f.write(np.ascontiguousarray(column, dtype=np.float64).tobytes())
        path = f.name
    try:
        engine = {}
        for threads in (1, os.cpu_count() or 1):
            out = subprocess.run([binary, f"--pipeline_file={path}", f"--pipeline_threads={threads}"],
                                 check=True, capture_output=True, text=True).stdout
            engine[threads] = dict(line.split(" ", 1) for line in out.strip().splitlines())
    finally:
        os.unlink(path)

    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        value, tiers, scores = numpy_pipeline(components, recency, frequency, monetary)
        best = min(best, time.perf_counter() - start)

    numpy_tiers = " ".join(str(int((tiers == t).sum())) for t in range(4))
    agree = engine[1]["tiers"] == numpy_tiers
    for r, s in enumerate(scores):
        agree = agree and engine[1][f"rfm{r}"] == " ".join(str(int((s == k).sum())) for k in range(1, 6))
    print(f"N = {n:,} customers, numpy {np.__version__}, engine target {engine[1]['target']}")
    print(f"numpy pipeline:            {best * 1e3:9.1f} ms  {n / best / 1e6:8.2f} M rows/s")
    for threads, result in engine.items():
        seconds = float(result["seconds"])
        print(f"crmcore engine, {threads:2d} thread(s): {seconds * 1e3:9.1f} ms  "
              f"{n / seconds / 1e6:8.2f} M rows/s  {best / seconds:6.1f}x numpy")
    print(f"tier counts and RFM score histograms agree: {agree}")
    print(f"value sums: numpy {value.sum():.17g}, engine {result['value_sum']}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())

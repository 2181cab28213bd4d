"""Benchmark: forecast 10,000 synthetic short yearly series and print series per second.

    .venv/bin/python bench/forecast.py [--n 10000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import time

# one BLAS thread per process: with several worker processes, threaded BLAS fights over the cores
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from kpitrack.analysis.forecast import forecast
from kpitrack.analysis.simulate import simulate_suite


def _run(chunk: list) -> int:
    for s in chunk:
        forecast(pd.Series(s, index=range(2011, 2011 + len(s))), 3)
    return len(chunk)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = p.parse_args()
    suite = simulate_suite(args.n, range(3, 11), 0, seed=11)
    t0 = time.perf_counter()
    _run(suite[:50])
    t_one = time.perf_counter() - t0
    print(f"single process, 50 series: {50 / t_one:.0f} series/s")
    chunks = [suite[i::args.workers] for i in range(args.workers)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        done = sum(pool.map(_run, chunks))
    elapsed = time.perf_counter() - t0
    print(f"{done} series (3-10 points, horizon 3) with {args.workers} worker(s): {elapsed:.1f} s, {done / elapsed:.0f} series/s")
    print(f"a mid-term report forecasts 34 KPI measures: about {34 / (done / elapsed) * args.workers:.1f} s of one core")


if __name__ == "__main__":
    main()

"""Benchmark: the 14 HTML bulletins of one month, serial against parallel, and one bulletin against
the papermill floor (an empty notebook importing pandas and plotly), all measured in the same run.

    .venv/bin/python bench/bulletins.py [--month 2018-06] [--dataset synthetic] [--jobs 2] [--floor-runs 3]

Prints the floor, serial and parallel wall times, parallel efficiency (serial / (parallel x jobs))
and seconds per bulletin as a multiple of the floor. Goals (issue 7): efficiency >= 75% on 2 cores,
a bulletin <= 1.5x the floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from floor import floor_seconds

from kpitrack.data.regions import regions
from kpitrack.publish.runs.batch import LocalExecutor, run_batch
from kpitrack.publish.runs.monthly import bulletin_jobs

FLOOR_SOURCE = "import pandas as pd\nimport plotly.graph_objects as go\n"


def batch_seconds(tmp: Path, name: str, month: str, dataset: str, jobs: int) -> tuple[float, int, list[float]]:
    js, _, _ = bulletin_jobs(month, dataset, list(regions()), formats=("html",), renderer="fallback",
                             reports_dir=tmp / name)
    out = Path(js[0].out_dir)
    start = time.perf_counter()
    result = run_batch(js, out, executor=LocalExecutor(jobs), force=True)
    wall = time.perf_counter() - start
    failed = [r.key for r in result.results if r.status != "ok"]
    if failed:
        raise SystemExit(f"bulletins failed: {failed}")
    return wall, len(js), [r.seconds for r in result.results]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--month", default="2018-06")
    p.add_argument("--dataset", default="synthetic")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--floor-runs", type=int, default=3)
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="kpitrack-bench-") as tmp_s:
        tmp = Path(tmp_s)
        floor = statistics.median(floor_seconds(tmp, FLOOR_SOURCE, a.floor_runs))
        serial, n, each = batch_seconds(tmp, "serial", a.month, a.dataset, 1)
        parallel, _, _ = batch_seconds(tmp, "parallel", a.month, a.dataset, a.jobs)
    per = serial / n
    print(f"monthly bulletins {a.month}, dataset {a.dataset}: {n} HTML bulletins, {os.cpu_count()} cores")
    print(f"{'what':34s} {'seconds':>8s}")
    print(f"{'papermill floor (median of %d)' % a.floor_runs:34s} {floor:8.2f}")
    print(f"{'serial, 1 job':34s} {serial:8.2f}")
    print(f"{'parallel, %d jobs' % a.jobs:34s} {parallel:8.2f}")
    print(f"{'per bulletin (serial / %d)' % n:34s} {per:8.2f}")
    print(f"{'slowest bulletin':34s} {max(each):8.2f}")
    print(f"parallel efficiency: {serial / (parallel * a.jobs):.0%} (goal >= 75%)")
    print(f"one bulletin / floor: {per / floor:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()

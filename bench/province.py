"""Benchmark: one month's bulletins at province scale, on the local executor and on Dask.

    .venv/bin/python bench/province.py [--regions 90] [--month 2018-06] [--local 1,2] [--dask 2,4] [--formats html]

A synthetic province: a workspace made in a scratch folder from the bundled plan, with a regions
table of ``--regions`` counties and county-level cities under one top-level row (names and codes
made up, labelled 合成), and the synthetic dataset generated for them by the same code as the
bundled one (``kpitrack data build-synthetic``: each region its own level, growth premium and noise,
fixed seed). Every region's bulletin for ``--month`` is made by the one batch runner (execute,
render, atomic move, manifest), first on the local executor with each count of ``--local`` workers,
then on a Dask LocalCluster (processes, one thread each) with each count of ``--dask`` workers.
Printed: seconds, documents per second, and parallel efficiency (seconds with 1 local worker /
(seconds x workers)). Issue 36's goal: efficiency >= 80% on 2 local workers, on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import tempfile
import time
from pathlib import Path

from kpitrack.core import paths

#: the top-level row and a made-up county's name: the benchmark never passes for a real province
PROVINCE = ("339900", "合成省（基准测试）", "Synthetic province (benchmark)")


def make_province(root: Path, n: int) -> Path:
    """A data folder for a synthetic province of ``n`` regions under ``root``; returns it."""
    data = root / "data"
    shutil.copytree(paths.REPO_ROOT / "data", data, ignore=shutil.ignore_patterns("hangzhou", "examples", "sources", ".store", "*.lock"))
    with (data / "regions.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name_zh", "name_en", "level", "aliases", "note"])
        w.writerow([PROVINCE[0], PROVINCE[1], PROVINCE[2], "city", "", "合成数据：基准测试用"])
        for i in range(1, n + 1):
            level = "county" if i % 3 else "county-level city"
            name = f"合成{'县' if level == 'county' else '市'}{i:02d}"
            w.writerow([str(int(PROVINCE[0]) + i), name, f"Synthetic {i:02d}", level, "", "合成数据"])
    return data


def run(jobs_of, executor, out: Path) -> tuple[float, int]:
    from kpitrack.publish.runs.batch import run_batch

    js = jobs_of(out)
    start = time.perf_counter()
    result = run_batch(js, Path(js[0].out_dir), executor=executor, force=True)
    wall = time.perf_counter() - start
    failed = [r.key for r in result.results if r.status != "ok"]
    if failed:
        raise SystemExit(f"bulletins failed: {failed[:5]}")
    return wall, len(js)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--regions", type=int, default=90)
    p.add_argument("--month", default="2018-06")
    p.add_argument("--local", default="1,2", help="local worker counts, comma-separated (1 is the baseline)")
    p.add_argument("--dask", default="2,4", help="Dask worker counts, comma-separated (empty: none)")
    p.add_argument("--formats", default="html")
    p.add_argument("--renderer", default="fallback")
    a = p.parse_args()
    local = [int(x) for x in a.local.split(",") if x]
    dask = [int(x) for x in a.dask.split(",") if x]
    formats = tuple(a.formats.split(","))
    with tempfile.TemporaryDirectory(prefix="kpitrack-province-") as tmp_s:
        tmp = Path(tmp_s)
        data = make_province(tmp, a.regions)
        os.environ["KPITRACK_DATA"] = str(data)
        os.environ.pop("KPITRACK_STORE", None)
        from kpitrack.data.regions import regions
        from kpitrack.data.store import reload_tree
        from kpitrack.data.synthetic import write_synthetic
        from kpitrack.plan.catalogue import catalogue
        from kpitrack.publish.runs.batch import LocalExecutor
        from kpitrack.publish.runs.executors import DaskExecutor
        from kpitrack.publish.runs.monthly import bulletin_jobs

        start = time.perf_counter()
        reload_tree(write_synthetic(catalogue(), data / "actuals" / "synthetic"))
        made = time.perf_counter() - start
        regs = list(regions())

        def jobs_of(out: Path):
            js, _, _ = bulletin_jobs(a.month, "synthetic", regs, formats=formats, renderer=a.renderer, reports_dir=out)
            return js

        rows: list[tuple[str, int, float, int]] = []
        for n in local:
            wall, docs = run(jobs_of, LocalExecutor(n), tmp / f"local-{n}")
            rows.append(("local", n, wall, docs))
        for n in dask:
            from distributed import Client, LocalCluster

            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                    Client(cluster) as client:
                wall, docs = run(jobs_of, DaskExecutor(client), tmp / f"dask-{n}")
            rows.append(("dask", n, wall, docs))
    base = next((w for kind, n, w, _ in rows if kind == "local" and n == 1), None)
    print(f"province bulletins {a.month}: {len(regs)} regions ({a.regions} counties and cities and the province), "
          f"formats {','.join(formats)}, renderer {a.renderer}, {os.cpu_count()} cores; synthetic data made in {made:.1f} s")
    print(f"{'executor':10s} {'workers':>7s} {'seconds':>8s} {'docs/s':>7s} {'efficiency':>10s}")
    for kind, n, wall, docs in rows:
        eff = f"{base / (wall * n):10.0%}" if base else f"{'-':>10s}"
        print(f"{kind:10s} {n:7d} {wall:8.1f} {docs / wall:7.2f} {eff}")


if __name__ == "__main__":
    main()

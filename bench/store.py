"""Benchmark: the record store against the CSV files it replaced, on the bundled data and on a
synthetic province of 90 regions, all measured in the same run.

    .venv/bin/python bench/store.py [--regions 90] [--vintages 24] [--ingests 20] [--pg postgresql://…]

For each store (``files``: the CSV tree under flock; ``sqlite``: the default; ``postgresql`` with
``--pg``) it prints: the first load of a workspace's CSV files into the store, a read of every figure
of a dataset (what every document does), and one ingest of a ledger of a month's figures. The
province is synthetic (its figures are random, from a fixed seed): it only sizes the store.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from kpitrack.core import paths
from kpitrack.data.store import FIGURE_COLUMNS, append_vintage, building, close_all, open_store, read_figures

MEASURES = [f"K{i:02d}.m" for i in range(1, 21)]


def province(ws: Path, n_regions: int, n_vintages: int, seed: int = 20) -> Path:
    """A dataset of ``n_regions`` regions x 20 measures x 60 months, filed as ``n_vintages`` vintages
    of the CSV tree (what a province's monthly ledgers would leave after a few years)."""
    rng = random.Random(seed)
    folder = ws / "actuals" / "province"
    folder.mkdir(parents=True)
    (folder / "dataset.yaml").write_text("title_zh: 合成省级数据\ntitle_en: Synthetic province\nsynthetic: true\n", encoding="utf-8")
    months = [f"{y}-{m:02d}" for y in range(2016, 2021) for m in range(1, 13)]
    rows = [{"measure_id": mid, "region": f"33{r:04d}", "period": p, "value": f"{rng.uniform(1, 1000):.2f}", "unit": "%",
             "quality": "synthetic", "method": "official", "source": "synthetic", "note": "", "known_from": ""}
            for mid in MEASURES for r in range(n_regions) for p in months]
    df = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    with building(folder):
        for i, part in enumerate(_split(df, n_vintages)):
            append_vintage(folder, part, ingested_at="2021-01-01T00:00:00Z", known_from="2021-01-01", sha256=f"p{i}",
                           source=f"part {i}")
    return folder


def _split(df: pd.DataFrame, n: int) -> list[pd.DataFrame]:
    size = -(-len(df) // n)
    return [df.iloc[i:i + size] for i in range(0, len(df), size)]


def _month(n_regions: int, tag: int) -> pd.DataFrame:
    return pd.DataFrame([{"measure_id": mid, "region": f"33{r:04d}", "period": "2021-01", "value": str(tag + r), "unit": "%",
                          "quality": "synthetic", "method": "official", "source": f"ingest {tag}", "note": "", "known_from": ""}
                         for mid in MEASURES for r in range(n_regions)], columns=FIGURE_COLUMNS)


def measure(store_url: str, ws: Path, folders: list[Path], n_regions: int, ingests: int) -> dict[str, float]:
    os.environ["KPITRACK_STORE"] = store_url
    close_all()
    with paths.using(ws):
        t = time.perf_counter()
        store = open_store(ws)
        for f in folders:
            store.ready(f.relative_to(ws).as_posix())
        first = time.perf_counter() - t
        reads = []
        for _ in range(3):
            t = time.perf_counter()
            n = sum(len(read_figures(f)) for f in folders)
            reads.append(time.perf_counter() - t)
        adds = []
        for i in range(ingests):
            t = time.perf_counter()
            append_vintage(folders[-1], _month(n_regions, 1000 * i), ingested_at="2021-02-01T00:00:00Z", known_from="2021-02-01",
                           sha256=f"i{i}-{store_url[:6]}", source=f"ingest {i}")
            adds.append(time.perf_counter() - t)
    close_all()
    return {"first load s": first, "read all s": statistics.median(reads), "figures": n, "ingest s": statistics.median(adds)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", type=int, default=90)
    ap.add_argument("--vintages", type=int, default=24)
    ap.add_argument("--ingests", type=int, default=10)
    ap.add_argument("--pg", help="a PostgreSQL URL to measure too (an empty database)")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for label, make in (("bundled (hangzhou + synthetic)", None), (f"province ({args.regions} regions)", "province")):
            for name, url in (("files", "files"), ("sqlite", None), *((("postgresql", args.pg),) if args.pg else ())):
                ws = base / f"{make or 'bundled'}-{name}"
                shutil.copytree(paths.data_dir(), ws, ignore=shutil.ignore_patterns(".store", "hangzhou_air_daily.csv"))
                folders = [ws / "actuals" / "hangzhou", ws / "actuals" / "synthetic"]
                if make:
                    folders = [province(ws, args.regions, args.vintages)]
                got = measure(url or f"sqlite:///{ws / '.store' / 'kpitrack.sqlite'}", ws, folders, args.regions, args.ingests)
                rows.append({"data": label, "store": name, **got})
    df = pd.DataFrame(rows)
    with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
        print(df.to_string(index=False))


if __name__ == "__main__":
    main()

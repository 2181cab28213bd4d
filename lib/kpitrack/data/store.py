"""The vintage store of a dataset: every successful ingest is a new, never-rewritten vintage.

``data/actuals/<dataset>/vintages.csv`` lists the vintages (number, when ingested, from when the
figures were known, the figures file, the SHA-256 of what was ingested, its source);
``vintages/<NNNN>.csv`` holds each vintage's figures. A figure that revises an earlier one is a new
row in a new vintage; the earlier one stays. Writes are atomic and locked: under an exclusive lock
on ``<dataset>/.lock`` a writer reads the manifest, takes the next number, writes the figures file
(unique temporary name, fsync, rename) and then the manifest likewise, so any number of concurrent
writers each get their own vintage, and a ``kill -9`` at any moment leaves the store as it was
before or after that writer (a figures file without its manifest line is never read, and is
overwritten by the next writer that takes its number).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.exceptions import AlreadyIngested, KpitrackError  # noqa: F401 - importable from here
from ..core.fileio import atomic_write_text, locked

MANIFEST = "vintages.csv"
LOCK = ".lock"
MANIFEST_COLUMNS = ["vintage", "ingested_at", "known_from", "file", "sha256", "source", "rows"]
FIGURE_COLUMNS = ["measure_id", "region", "period", "value", "unit", "quality", "method", "source", "note", "known_from"]


@dataclass(frozen=True)
class Vintage:
    vintage: int
    ingested_at: str
    known_from: str
    file: str
    sha256: str
    source: str
    rows: int


def read_manifest(folder: Path) -> list[Vintage]:
    path = folder / MANIFEST
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [Vintage(int(r["vintage"]), r["ingested_at"], r["known_from"], r["file"], r["sha256"], r["source"], int(r["rows"]))
                for r in csv.DictReader(fh)]


def read_figures(folder: Path) -> pd.DataFrame:
    """All figures of all vintages, with the vintage number and effective ``known_from``."""
    frames = []
    for v in read_manifest(folder):
        df = pd.read_csv(folder / v.file, dtype=str, keep_default_na=False)
        df["known_from"] = df["known_from"].where(df["known_from"] != "", v.known_from)
        df["vintage"] = v.vintage
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=FIGURE_COLUMNS + ["vintage"])
    return pd.concat(frames, ignore_index=True)


def _clean_leftovers(folder: Path, existing: list) -> None:
    """What a killed ingest left, under the store's lock: temporary files, and a vintage file the
    manifest never listed (the manifest is written last: such a file was never part of the data)."""
    listed = {(folder / v.file).resolve() for v in existing}
    for p in [*folder.glob(".*.tmp"), *(folder / "vintages").glob(".*.tmp")]:
        p.unlink(missing_ok=True)
    for p in (folder / "vintages").glob("*.csv"):
        if p.resolve() not in listed:
            p.unlink(missing_ok=True)


def append_vintage(folder: Path, figures: pd.DataFrame, *, ingested_at: str, known_from: str, sha256: str, source: str,
                   refuse_duplicate: str | None = None) -> Vintage:
    """Add a vintage with ``figures`` (columns :data:`FIGURE_COLUMNS`); returns it.

    With ``refuse_duplicate`` (the name of the file being ingested), a vintage whose SHA-256 is
    already in the manifest raises :class:`AlreadyIngested`; the check and the write happen under
    the same lock, so two concurrent ingests of one file never both succeed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vintages").mkdir(exist_ok=True)
    with locked(folder / LOCK, what=f"dataset store {folder}"):
        existing = read_manifest(folder)
        _clean_leftovers(folder, existing)
        if refuse_duplicate is not None:
            for v in existing:
                if v.sha256 == sha256:
                    raise AlreadyIngested(f"{refuse_duplicate}: this file was already ingested as vintage {v.vintage} "
                                          f"({v.ingested_at}); nothing was written")
        number = max((v.vintage for v in existing), default=0) + 1
        rel = f"vintages/{number:04d}.csv"
        buf = io.StringIO()
        figures[FIGURE_COLUMNS].to_csv(buf, index=False, lineterminator="\n")
        atomic_write_text(folder / rel, buf.getvalue())
        vintage = Vintage(number, ingested_at, known_from, rel, sha256, source, len(figures))
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(MANIFEST_COLUMNS)
        for v in [*existing, vintage]:
            w.writerow([v.vintage, v.ingested_at, v.known_from, v.file, v.sha256, v.source, v.rows])
        atomic_write_text(folder / MANIFEST, out.getvalue())
    return vintage

"""A ledger's vintages (Tables 2, 3 and 5 and the peer figures): every accepted file kept as
``ledgers/<kind>/NNNN.csv`` with a line in ``ledgers/<kind>/manifest.csv`` (the commit), and the
ledger as its vintages folded in order, now or as known on a day. Knows nothing of what a ledger
holds beyond its key, so the readers of each ledger may use it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

MANIFEST_COLUMNS = ["vintage", "sha256", "ingested_at", "known_from", "source", "rows"]


@dataclass(frozen=True)
class LedgerVintage:
    vintage: int
    sha256: str
    ingested_at: str
    known_from: str
    source: str
    rows: int


def _csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    return buf.getvalue()


def vintages(folder: Path, k) -> list[LedgerVintage]:
    """The vintages of a ledger (``k``: its kind, or its name), in order (empty: never ingested)."""
    path = Path(folder) / "ledgers" / getattr(k, "name", k) / "manifest.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [LedgerVintage(int(r["vintage"]), r["sha256"], r["ingested_at"], r["known_from"], r["source"], int(r["rows"]))
                for r in csv.DictReader(fh)]


def fold(folder: Path, name: str, key: tuple[str, ...], done: list[LedgerVintage]) -> list[dict[str, str]]:
    """The ledger as its vintages folded in order: a later row replaces an earlier one with the same key."""
    merged: dict[tuple, dict[str, str]] = {}
    for v in done:
        with (Path(folder) / "ledgers" / name / f"{v.vintage:04d}.csv").open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                k = tuple(r.get(c, "") for c in key)
                merged.pop(k, None)  # a replaced row moves to where its replacement was filed
                merged[k] = r
    return list(merged.values())


def _fold(folder: Path, k, done: list[LedgerVintage]) -> list[dict[str, str]]:
    return fold(folder, k.name, k.key, done)


def rows_known_at(folder: Path, name: str, key: tuple[str, ...], known_at: str) -> list[tuple[int, dict[str, str]]] | None:
    """A ledger's rows as they were known on ``known_at``: its ingests up to that day folded in order
    (a correction known later is left out, the row it corrects kept; vintage 0, the ledger as it was
    before the first ingest, is always known), as (row number in the folded ledger, row); None when
    the ledger has no ingests on file (then its file is all there is)."""
    done = vintages(folder, name)
    if not done:
        return None
    rows = fold(folder, name, key, [v for v in done if v.known_from <= known_at])
    return [(i + 2, r) for i, r in enumerate(rows)]

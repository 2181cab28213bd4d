"""A plan ledger's vintages (Tables 2, 3 and 5 and the peer figures), kept by the store
(:mod:`kpitrack.data.store`), and the ledger as its vintages folded in order, now or as known on a
day. Knows nothing of what a ledger holds beyond its key, so the readers of each ledger may use it."""

from __future__ import annotations

from pathlib import Path

from .store import locate
from .store.layout import LEDGER_MANIFEST_COLUMNS as MANIFEST_COLUMNS  # noqa: F401 - part of the ledgers' API
from .store.layout import LedgerVintage, csv_text, fold_texts  # noqa: F401 - part of the ledgers' API


def _csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    return csv_text(rows, columns)


def vintages(folder: Path, k) -> list[LedgerVintage]:
    """The vintages of a ledger (``k``: its kind, or its name), in order (empty: never ingested)."""
    store, scope = locate(folder)
    return store.ledger_vintages(scope, getattr(k, "name", k))


def fold(folder: Path, name: str, key: tuple[str, ...], done: list[LedgerVintage]) -> list[dict[str, str]]:
    """The ledger as its vintages folded in order: a later row replaces an earlier one with the same key."""
    store, scope = locate(folder)
    return fold_texts(store.ledger_texts(scope, name, [v.vintage for v in done]), key)


def _fold(folder: Path, k, done: list[LedgerVintage]) -> list[dict[str, str]]:
    return fold(folder, k.name, k.key, done)


def rows_known_at(folder: Path, name: str, key: tuple[str, ...], known_at: str | None = None) -> list[tuple[int, dict[str, str]]] | None:
    """A ledger's rows (as known on ``known_at``: its ingests up to that day folded in order, a
    correction known later left out and the row it corrects kept; vintage 0, the ledger as it was
    before the first ingest, is always known), as (row number in the folded ledger, row); None when
    the ledger has no ingests on file (then its file is all there is)."""
    done = vintages(folder, name)
    if not done:
        return None
    rows = fold(folder, name, key, [v for v in done if known_at is None or v.known_from <= known_at])
    return [(i + 2, r) for i, r in enumerate(rows)]

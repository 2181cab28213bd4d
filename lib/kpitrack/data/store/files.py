"""The store as the CSV tree itself (``KPITRACK_STORE=files``, and a folder outside any workspace,
such as a dataset being built): the layout of :mod:`.layout` written under ``flock``.

Each write takes the scope's lock, writes its new files atomically (unique temporary name, fsync,
rename) and then the manifest that lists them (the commit), so concurrent writers on one machine
queue and a ``kill -9`` leaves the tree as before or after the write: a file no manifest lists is never
read, and is removed by the next writer. Use it on one machine; several machines or many writers
want the database store (:mod:`.sql`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd


from ...core.fileio import atomic_write_text, locked
from . import layout
from .layout import FIGURE_COLUMNS, LedgerVintage, Vintage

LOCK = ".lock"


class FileStore:
    """Records kept as the CSV tree under ``root`` (a scope is a folder below it, or an absolute path)."""

    url = "files"
    check_files = True

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else None

    def __repr__(self) -> str:
        return f"FileStore({str(self.root) if self.root else ''!r})"

    def folder(self, scope: str) -> Path:
        p = Path(scope)
        return p if p.is_absolute() or self.root is None else self.root / scope

    def ready(self, scope: str) -> None:
        return None

    # ------------------------------------------------------------------ KPI figures

    def figure_vintages(self, scope: str) -> list[Vintage]:
        return layout.read_manifest(self.folder(scope))

    def figures(self, scope: str) -> pd.DataFrame:
        folder = self.folder(scope)
        frames = []
        stated = layout.read_manifest(folder)
        for v in stated:
            df = layout.read_vintage_figures(folder, v)
            df["vintage"] = v.vintage
            frames.append(df)
        if not frames:
            return layout.with_vintage_dates(pd.DataFrame(columns=FIGURE_COLUMNS + ["vintage"]), stated)
        return layout.with_vintage_dates(pd.concat(frames, ignore_index=True), stated)

    def add_figures(self, scope: str, table: pd.DataFrame, *, ingested_at: str, known_from: str, sha256: str, source: str,
                    refuse_duplicate: str | None = None, dated: bool = True) -> Vintage:
        folder = self.folder(scope)
        (folder / "vintages").mkdir(parents=True, exist_ok=True)
        with locked(folder / LOCK, what=f"dataset store {folder}"):
            existing = layout.read_manifest(folder)
            _clean_leftovers(folder, existing)
            v = layout.next_vintage(existing, len(table), ingested_at=ingested_at, known_from=known_from, sha256=sha256,
                                    source=source, refuse_duplicate=refuse_duplicate, dated=dated)
            atomic_write_text(folder / v.file, layout.figures_text(table))
            atomic_write_text(folder / layout.MANIFEST, layout.manifest_text([*existing, v]))  # the commit
        return v

    def vintage_figures(self, scope: str, vintage: int) -> pd.DataFrame:
        folder = self.folder(scope)
        v = next(v for v in layout.read_manifest(folder) if v.vintage == vintage)
        return layout.read_vintage_figures(folder, v)

    # ------------------------------------------------------------------ plan ledgers

    def ledger_vintages(self, scope: str, kind: str) -> list[LedgerVintage]:
        return layout.read_ledger_manifest(self.folder(scope), kind)

    def ledger_texts(self, scope: str, kind: str, numbers: list[int]) -> list[str]:
        folder = self.folder(scope)
        return [layout.read_ledger_text(folder, kind, n) for n in numbers]

    def add_ledger(self, scope: str, kind: str, make: Callable, key: tuple[str, ...] = (), columns: list[str] | None = None) -> LedgerVintage:
        folder = self.folder(scope)
        with locked(folder / f".{kind}-ledger.lock", what=f"the {kind} ledger"):
            done = self.ledger_vintages(scope, kind)
            add = make(done, lambda numbers: self.ledger_texts(scope, kind, numbers))
            for v, text in add:
                atomic_write_text(folder / layout.ledger_file(kind, v.vintage), text)
            everything = done + [v for v, _ in add]
            atomic_write_text(folder / layout.ledger_manifest(kind), layout.ledger_manifest_text(everything))  # the commit
            if columns is not None:
                write_folded(folder, kind, key, columns, self.ledger_texts(scope, kind, [v.vintage for v in everything]))
        return add[-1][0]

    # ------------------------------------------------------------------ notices

    def notice_events(self, scope: str) -> list[dict[str, str]]:
        return layout.read_register(self.folder(scope))

    def append_notices(self, scope: str, make: Callable) -> list[dict[str, str]]:
        path = self.folder(scope)
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path.with_name(path.name + ".lock"), what=f"the notice register {path}"):
            events = layout.read_register(path)
            new = list(make(events))
            if new:
                old = path.read_text(encoding="utf-8") if path.is_file() else ""
                text = layout.register_text(new)
                atomic_write_text(path, old + (text if not old else text.split("\n", 1)[1]))  # every earlier byte kept
        return new

    # ------------------------------------------------------------------ the whole store

    def scopes(self) -> list[str]:
        return layout.scopes_in(self.root) if self.root is not None else []

    def state(self, scope: str, kind: str) -> str:
        folder = self.folder(scope)
        if kind == "notices":
            return repr(layout.read_register(folder))
        if kind == "figures":
            return repr(layout.read_manifest(folder))
        return repr(layout.read_ledger_manifest(folder, kind))

    def audit_trail(self) -> list[dict]:
        out = []
        for scope in self.scopes():
            for v in self.figure_vintages(scope) if not layout.is_register(scope) else []:
                out.append({"at": v.ingested_at, "action": "ingest", "scope": scope, "kind": "figures", "vintage": v.vintage,
                            "rows": v.rows, "sha256": v.sha256, "detail": v.source, "who": ""})
        return out

    def mark_exported(self, scope: str, exported: set | None = None) -> None:
        return None

    def keys(self, scope: str) -> set[tuple]:
        return layout.tree_keys(self.folder(scope), scope)

    def dispose(self) -> None:
        return None


def write_folded(folder: Path, kind: str, key: tuple[str, ...], columns: list[str], texts: list[str]) -> None:
    """The ledger folded from its vintages, as readers of the tree find it beside them."""
    atomic_write_text(Path(folder) / layout.FOLDED[kind], layout.csv_text(layout.fold_texts(texts, key), columns))


def _clean_leftovers(folder: Path, existing: list[Vintage]) -> None:
    """What a killed ingest left, under the store's lock: temporary files, and a vintage file the
    manifest never listed (the manifest is written last: such a file was never part of the data)."""
    listed = {(folder / v.file).resolve() for v in existing}
    for p in [*folder.glob(".*.tmp"), *(folder / "vintages").glob(".*.tmp")]:
        p.unlink(missing_ok=True)
    for p in (folder / "vintages").glob("*.csv"):
        if p.resolve() not in listed:
            p.unlink(missing_ok=True)

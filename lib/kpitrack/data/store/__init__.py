"""The record store: one face over where a workspace's records are kept.

Every kind of record with vintages lives here: the KPI figures, the plan's other ledgers (Tables 2, 3
and 5, the peer figures), the notices registers, and the audit trail of who wrote what when. The
store is chosen by URL: ``$KPITRACK_STORE``, else ``store:`` in the workspace's ``workspace.yaml``,
else SQLite in the workspace (``.store/kpitrack.sqlite``; nothing to set up):

- ``sqlite:///FILE`` (a relative FILE is the workspace's) and ``postgresql://USER@HOST/DB``: the
  database store (:mod:`.sql`, SQLAlchemy Core), loaded from the workspace's CSV files on first use;
- ``files``: the CSV tree itself (:mod:`.files`), as kpitrack kept it before a database.

The bundled data stay readable CSV files in git (:mod:`.layout`); ``kpitrack store export DIR`` writes
a store back as that tree. Code above this package names a folder of records (a dataset's, the
peers') and never a file in it: :func:`locate` finds the store and the scope that hold it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import pandas as pd

from ...core.exceptions import AlreadyIngested, KpitrackError, StoreError  # noqa: F401 - importable from here
from .layout import FIGURE_COLUMNS, MANIFEST, LedgerVintage, Vintage  # noqa: F401 - part of the store's API

_open: dict[tuple[str, str], object] = {}
_lock = threading.Lock()
_BUILDING: ContextVar[tuple[Path, ...]] = ContextVar("kpitrack_building", default=())


def store_url(root: Path) -> str:
    """The URL of the store of the workspace in ``root`` (:func:`kpitrack.core.workspace.store_url_of`)."""
    from ...core.workspace import store_url_of

    return store_url_of(root)


def open_store(root: Path | None = None, url: str | None = None):
    """The store of the workspace in ``root`` (default: the active one), opened once per process."""
    from ...core import paths

    root = Path(root).resolve() if root is not None else paths.data_dir().resolve()
    url = url or store_url(root)
    from ...core.workspace import DEFAULT_STORE

    default = url == f"sqlite:///{(root / DEFAULT_STORE).resolve()}"
    if default and not (root / DEFAULT_STORE).parent.exists() and not os.access(root, os.W_OK):
        url = "files"  # a read-only workspace (a shared checkout): its CSV files are read as they are
    k = (str(root), url)
    with _lock:
        if k not in _open:
            if url == "files":
                from .files import FileStore

                _open[k] = FileStore(root)
            else:
                from .sql import SqlStore

                _open[k] = SqlStore(url, root)
        return _open[k]


def close_all() -> None:
    """Close every store this process opened (before a fork, or at the end of a test)."""
    with _lock:
        for s in _open.values():
            s.dispose()
        _open.clear()


def _forget_in_child() -> None:
    """A forked child never uses its parent's database connections (SQLAlchemy: dispose, close=False)."""
    global _lock
    _lock = threading.Lock()  # another thread of the parent may have held it at the fork
    for s in _open.values():
        engine = getattr(s, "engine", None)
        if engine is not None:
            engine.dispose(close=False)
    _open.clear()


os.register_at_fork(after_in_child=_forget_in_child)


def locate(folder: Path):
    """The store and the scope that hold the records of ``folder`` (a dataset's, the peers', a
    register): the active workspace's store when the folder lies in it, else the folder's own CSV tree
    (a dataset being built)."""
    from ...core import paths
    from .files import FileStore

    folder = Path(folder).resolve()
    if any(folder == b or b in folder.parents for b in _BUILDING.get()):
        return FileStore(None), str(folder)
    root = paths.data_dir().resolve()
    try:
        scope = folder.relative_to(root).as_posix()
    except ValueError:
        return FileStore(None), str(folder)
    return open_store(root), scope


@contextmanager
def building(folder: Path) -> Iterator[Path]:
    """Within the block, the records of ``folder`` (a dataset being built from its sources, to become
    bundled CSV files) are written as the CSV tree, whatever the workspace's store."""
    token = _BUILDING.set((*_BUILDING.get(), Path(folder).resolve()))
    try:
        yield Path(folder)
    finally:
        _BUILDING.reset(token)


def remove_figures(folder: Path) -> None:
    """Remove the KPI figures of a CSV tree being built again (its manifest and vintage files)."""
    from .layout import tree_files

    for f in tree_files(Path(folder)):
        if f.parent.name != "ledgers" and f.parent.parent.name != "ledgers":
            f.unlink(missing_ok=True)


# ---------------------------------------------------------------------- the KPI figures by folder

def read_manifest(folder: Path) -> list[Vintage]:
    """The vintages of the KPI figures of ``folder``'s dataset, in order."""
    store, scope = locate(folder)
    return store.figure_vintages(scope)


def read_figures(folder: Path) -> pd.DataFrame:
    """All figures of all vintages, with the vintage number and effective ``known_from``."""
    store, scope = locate(folder)
    return store.figures(scope)


def append_vintage(folder: Path, figures: pd.DataFrame, *, ingested_at: str, known_from: str, sha256: str, source: str,
                   refuse_duplicate: str | None = None, dated: bool = True) -> Vintage:
    """Add a vintage with ``figures`` (columns :data:`FIGURE_COLUMNS`); returns it. With
    ``refuse_duplicate`` (the name of the file being ingested), a vintage whose SHA-256 is already on
    file raises :class:`AlreadyIngested`; check and write are one transaction."""
    store, scope = locate(folder)
    return store.add_figures(scope, figures, ingested_at=ingested_at, known_from=known_from, sha256=sha256, source=source,
                             refuse_duplicate=refuse_duplicate, dated=dated)


def ledger_vintage_count(folder: Path) -> int:
    """How many vintages the plan ledgers (Tables 2, 3, 5, peers) of ``folder`` hold in all."""
    from .layout import LEDGER_KINDS

    store, scope = locate(folder)
    return sum(len(store.ledger_vintages(scope, k)) for k in LEDGER_KINDS)


def records_state(folder: Path, kind: str) -> str:
    """What a document's fingerprint hashes of one kind of record kept for ``folder``."""
    store, scope = locate(folder)
    return store.state(scope, kind)


# ---------------------------------------------------------------------- the whole store

def export_tree(store, out: Path, ledgers: dict[str, tuple[tuple[str, ...], list[str]]]) -> list[Path]:
    """Write every record of ``store`` as the CSV tree (:mod:`.layout`) under ``out``: each scope's
    KPI figures' manifest and vintages, each plan ledger's manifest, vintages and folded file
    (``ledgers``: kind -> (key, columns)), each notices register. Returns the files written. A store
    loaded from a tree and exported gives that tree back, byte for byte."""
    from ...core.fileio import atomic_write_text
    from . import layout

    out = Path(out)
    written: list[Path] = []

    def put(rel: str, text: str) -> None:
        atomic_write_text(out / rel, text)
        written.append(out / rel)

    for scope in store.scopes():
        if layout.is_register(scope):
            events = store.notice_events(scope)
            if events:
                put(scope, layout.register_text(events))
            continue
        done = store.figure_vintages(scope)
        for v in done:
            put(f"{scope}/{layout.figure_file(v.vintage)}", layout.figures_text(store.vintage_figures(scope, v.vintage)))
        if done:
            put(f"{scope}/{layout.MANIFEST}", layout.manifest_text(done))
        for kind in layout.LEDGER_KINDS:
            lv = store.ledger_vintages(scope, kind)
            if not lv:
                continue
            texts = store.ledger_texts(scope, kind, [v.vintage for v in lv])
            for v, text in zip(lv, texts):
                put(f"{scope}/{layout.ledger_file(kind, v.vintage)}", text)
            put(f"{scope}/{layout.ledger_manifest(kind)}", layout.ledger_manifest_text(lv))
            key, columns = ledgers[kind]
            put(f"{scope}/{layout.FOLDED[kind]}", layout.csv_text(layout.fold_texts(texts, key), columns))
    return written


def reload_tree(folder: Path) -> None:
    """Take the files' versions of the records of ``folder`` that came from files (after a dataset is
    rebuilt from its sources, or ``kpitrack store load --replace``); a store of the files is the files."""
    store, scope = locate(folder)
    if hasattr(store, "reload"):
        store.reload(scope)


def load_tree(store, root: Path) -> list[str]:
    """Load every scope of the CSV tree of the workspace ``root`` into ``store`` (what was not loaded
    yet): ``kpitrack store migrate``. Returns the scopes."""
    from . import layout

    found = layout.scopes_in(Path(root))
    for scope in found:
        store.ready(scope)
    return found


def copy_store(source, target_url: str, root: Path) -> list[str]:
    """Copy every record of ``source`` (the workspace's store, its own ingests, who wrote them and the
    audit trail included) into the empty store at ``target_url``, in one transaction of the target:
    ``kpitrack store migrate --url``. Refuses a target that already holds records."""
    import tempfile

    from .files import FileStore
    from .sql import SqlStore

    root = Path(root).resolve()
    load_tree(source, root)
    with tempfile.TemporaryDirectory() as tmp:
        staged = None
        if isinstance(source, FileStore):  # the CSV tree: loaded into a scratch database first
            staged = source = SqlStore(f"sqlite:///{Path(tmp) / 'staged.sqlite'}", root)
            load_tree(staged, root)
        target = SqlStore(target_url, root)
        try:
            return target.copy_from(source)
        finally:
            target.dispose()
            if staged is not None:
                staged.dispose()

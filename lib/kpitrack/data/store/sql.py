"""The store in a database, through SQLAlchemy Core: SQLite (the default: one file in the workspace,
nothing to set up) or PostgreSQL (several machines, many writers), the same code for both.

Every write is one transaction: the next vintage number, the duplicate check, the rows and the audit
line commit together or not at all, so a ``kill -9`` at any moment leaves the store as it was before
the write or after it, and concurrent writers queue (SQLite: ``BEGIN IMMEDIATE`` under WAL, with a
long busy timeout; PostgreSQL: the scope's row locked ``FOR UPDATE``). Readers never wait for writers.

A workspace's CSV files are loaded into the store the first time a scope is used, in one transaction,
with a hash of the files loaded. If the files change later (a ``git pull``) and the store holds
nothing of its own for that scope since, it loads them again; if it holds ingests made since, it
refuses with a :class:`StoreError` rather than choose between them.
"""

from __future__ import annotations

import csv
import getpass
import io
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ...core.exceptions import StoreError
from . import layout
from .layout import FIGURE_COLUMNS, NOTICE_COLUMNS, LedgerVintage, Vintage
from .schema import audit, figures, ledger_texts, metadata, notice_events, scopes, vintages

#: The schema revision this code reads and writes (Alembic's head, ``migrations/versions``).
SCHEMA_REVISION = "0002"
_LOCK_KEY = 742_187_003  # PostgreSQL advisory lock held while the schema is brought up to date


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{os.uname().nodename}"


def _engine(url: str) -> sa.Engine:
    try:
        return _make_engine(url)
    except StoreError:
        raise
    except (ValueError, ImportError, sa.exc.ArgumentError) as exc:  # a URL that does not parse, a driver not installed
        raise StoreError(f"cannot open the store {_shown(url)}: {exc} (use sqlite:///FILE, postgresql://USER@HOST/DB or files)") from None


def _shown(url: str) -> str:
    """A URL as messages show it: without its password."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL that does not parse is shown as given
        return url


def _make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        if not url.startswith("sqlite:///") or url in ("sqlite:///", "sqlite:///:memory:") \
                or Path(url.removeprefix("sqlite:///")).is_dir():
            raise StoreError(f"store URL {url!r}: a SQLite store is a file, sqlite:///PATH (an in-memory database would "
                             "forget every record at the end of the command)")
        engine = sa.create_engine(url, connect_args={"timeout": 600, "check_same_thread": False}, poolclass=sa.pool.NullPool)

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi, _record):  # pragma: no cover - run by every SQLite connection
            dbapi.isolation_level = None  # transactions are begun below, as asked
            cur = dbapi.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=600000")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn):  # pragma: no cover - run by every SQLite transaction
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("kt_write") else "BEGIN")

        return engine
    if url.startswith(("postgresql", "postgres")):
        if url.startswith("postgres://") or url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        elif not url.startswith("postgresql+psycopg://"):
            raise StoreError(f"store URL {_shown(url)}: kpitrack talks to PostgreSQL through psycopg 3: write postgresql://… "
                             "(or postgresql+psycopg://…)")
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise StoreError("a PostgreSQL store needs the psycopg 3 driver: pip install 'psycopg[binary]' "
                             "(or install kpitrack with the [postgresql] extra)") from None
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4)
        engine.url.port  # noqa: B018 - a port that is no number fails here, not at the first query
        return engine
    raise StoreError(f"unknown store URL {url!r}: use sqlite:///FILE, postgresql://USER@HOST/DB or files")


class SqlStore:
    """One database holding the records of one workspace (``root``)."""

    def __init__(self, url: str, root: Path) -> None:
        self.url, self.root = url, Path(root)
        if url.startswith("sqlite:///"):
            where = Path(url.removeprefix("sqlite:///")).parent
            try:
                where.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot open the store {url}: cannot make its folder {where} ({exc.strerror}); a read-only "
                                 "workspace can keep its store elsewhere: KPITRACK_STORE=sqlite:////a/writable/file.sqlite, "
                                 "or KPITRACK_STORE=files", path=str(where)) from None
        self.engine = _engine(url)
        self._ready: dict[str, tuple] = {}
        #: False: read what the store holds even where the CSV files changed since (an export does)
        self.check_files = True
        self._guard = threading.Lock()
        self._upgrade()

    def __repr__(self) -> str:
        return f"SqlStore({self.engine.url.render_as_string(hide_password=True)!r})"

    def keys(self, scope: str) -> set[tuple]:
        """The keys of every record of the scope: (kind, vintage) and ("notices", seq)."""
        with self._read() as conn:
            out = {(r[0], r[1]) for r in conn.execute(sa.select(vintages.c.kind, vintages.c.vintage).where(vintages.c.scope == scope))}
            out |= {("notices", r[0]) for r in conn.execute(sa.select(notice_events.c.seq).where(notice_events.c.scope == scope))}
        return out

    # ------------------------------------------------------------------ schema and transactions

    def _revision(self, conn) -> str | None:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def _upgrade(self) -> None:
        try:
            with self.engine.connect() as conn:
                rev = self._revision(conn)
        except sa.exc.DBAPIError as exc:  # unreachable, refused, not a database, damaged
            raise StoreError(f"cannot open the store {self!r}: {getattr(exc, 'orig', None) or exc}") from None
        if rev == SCHEMA_REVISION:
            return
        if rev is not None and not ((str(rev).isascii() and str(rev).isdigit()) and int(rev) < int(SCHEMA_REVISION)):
            newer = (str(rev).isascii() and str(rev).isdigit()) and int(rev) > int(SCHEMA_REVISION)
            raise StoreError(f"the store {self!r} has schema revision {rev!r}, "
                             + (f"newer than this kpitrack's {SCHEMA_REVISION}: upgrade kpitrack" if newer else
                                "which no kpitrack wrote: restore the store from a backup, or export it and start a new one"))
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
        from alembic.util import CommandError

        try:
            with self._write() as conn:
                if self._revision(conn) == SCHEMA_REVISION:  # another process did it meanwhile
                    return
                if self._revision(conn) is None and sa.inspect(conn).has_table("scopes"):
                    raise StoreError(f"the store {self!r} holds kpitrack's tables but no schema revision (alembic_version was "
                                     "removed?): restore it from a backup, or export it and start a new one")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except (CommandError, sa.exc.DBAPIError) as exc:
            raise StoreError(f"cannot bring the store {self!r} to schema {SCHEMA_REVISION}: {getattr(exc, 'orig', None) or exc}") from None

    @contextmanager
    def _write(self, scope: str | None = None) -> Iterator[sa.Connection]:
        """A write transaction that holds the scope (or, without one, the whole store on SQLite and
        the schema's advisory lock on PostgreSQL)."""
        with self.engine.execution_options(kt_write=True).begin() as conn:
            if conn.dialect.name == "postgresql":
                if scope is None:
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                else:
                    conn.execute(sa.select(scopes.c.scope).where(scopes.c.scope == scope).with_for_update())
            yield conn

    def _read(self):
        """A connection whose reads see one moment of the store (SQLite: one transaction under WAL;
        PostgreSQL: REPEATABLE READ), so a read never sees half of another process's ingest."""
        conn = self.engine.connect()
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        return conn

    # ------------------------------------------------------------------ loading the CSV tree

    def folder(self, scope: str) -> Path:
        return self.root / scope

    def ready(self, scope: str) -> None:
        """Load the scope's CSV files the first time it is used (and again if they changed while the
        store holds nothing of its own there)."""
        sig = layout.tree_signature(self.folder(scope))  # cheap: the files' names, sizes and times
        if self._ready.get(scope) == sig:
            return
        with self._guard:
            digest = layout.tree_sha256(self.folder(scope))
            with self._read() as conn:
                row = conn.execute(sa.select(scopes.c.loaded_sha256).where(scopes.c.scope == scope)).first()
            if row is not None and not self.check_files:
                return
            if row is None or row[0] != digest:
                self._load(scope, digest)
            self._ready[scope] = sig

    def _load(self, scope: str, digest: str, replace: bool = False) -> None:
        """Bring the scope's CSV files into the store, record by record (a vintage of a kind, an event of
        a register): a record the files add is added; the store's records are kept. A record the files
        lost, or one they hold differently, is a conflict and nothing is read: the store keeps a record
        once written (a stale checkout never rewrites a store that several workspaces share). With
        ``replace`` (``kpitrack store load --replace``, and after a dataset is rebuilt from its
        sources), the records that came from the files are replaced by the files' versions."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.begin() as conn:  # the row writers lock
                conn.execute(sa.dialects.postgresql.insert(scopes).values(scope=scope, loaded_sha256="", loaded_at="")
                             .on_conflict_do_nothing())
        with self._write(scope) as conn:
            row = conn.execute(sa.select(scopes.c.loaded_sha256).where(scopes.c.scope == scope)).first()
            if row is not None and row[0] == digest and not replace:
                return
            folder = self.folder(scope)
            tree = _tree_records(folder, scope)
            have = self._records(conn, scope)
            changed = [k for k in tree if k in have and have[k][0] != tree[k][0]]
            lost = [k for k, (_, origin) in have.items() if k not in tree and origin == "bundled"]
            kept = [k for k in changed if have[k][1] != "bundled" or not replace]
            unread = _unread_ledger_files(conn, folder, scope, tree)
            if lost or kept or unread:
                what = "; ".join([*(f"{_name(k)} is in the store but not in these files" for k in lost[:3]),
                                  *(f"{_name(k)} differs between these files and the store" for k in kept[:3]), *unread])
                raise StoreError(
                    f"{folder}: its CSV files disagree with the store {self!r} ({what}); nothing was read. The store keeps a "
                    f"record once written: if another workspace wrote it, bring these files up to date (git pull). To see the "
                    f"store's side: `kpitrack store export DIR` (a folder outside the workspace). If the store is right: "
                    f"`kpitrack store export --into-workspace` (it overwrites these files' version of a record that differs: "
                    f"commit or save them first). If these files are right about records that came from files: `kpitrack store "
                    f"load --replace`", path=str(folder))
            for k in changed:
                self._delete(conn, scope, k)
            for k in tree:
                if k not in have or k in changed:
                    tree[k][1](conn)
            conn.execute(sa.delete(scopes).where(scopes.c.scope == scope))
            conn.execute(sa.insert(scopes).values(scope=scope, loaded_sha256=digest, loaded_at=_now()))
            added = sum(1 for k in tree if k not in have)
            self._audit(conn, "load", scope, "", None, added + len(changed), digest,
                        f"the CSV files of {scope}: {added} record(s) added, {len(changed)} replaced")

    def reload(self, scope: str) -> None:
        """``kpitrack store load --replace``: the files' versions of the records that came from files."""
        self._load(scope, layout.tree_sha256(self.folder(scope)), replace=True)
        self._ready.pop(scope, None)

    def _records(self, conn, scope: str) -> dict[tuple, tuple[str, str]]:
        """Every record of the scope in the store: key -> (its text as the CSV tree holds it, origin)."""
        out: dict[tuple, tuple[str, str]] = {}
        for r in conn.execute(sa.select(notice_events).where(notice_events.c.scope == scope)).mappings():
            out[("notices", r["seq"])] = (repr(tuple(r[c] for c in NOTICE_COLUMNS)), r["origin"])
        for r in conn.execute(sa.select(vintages).where(vintages.c.scope == scope)).mappings():
            if r["kind"] == "figures":
                v = _vintage(r)
                rows = conn.execute(sa.select(*(figures.c[c] for c in FIGURE_COLUMNS))
                                    .where(figures.c.scope == scope, figures.c.vintage == v.vintage).order_by(figures.c.seq)).all()
                text = layout.figures_text(pd.DataFrame([tuple(x) for x in rows], columns=FIGURE_COLUMNS))
                out[("figures", v.vintage)] = (repr(v) + text, r["origin"])
            else:
                v = LedgerVintage(r["vintage"], r["sha256"], r["ingested_at"], r["known_from"], r["source"], r["rows"])
                out[(r["kind"], v.vintage)] = (repr(v) + _texts(conn, scope, r["kind"], [v.vintage])[0], r["origin"])
        return out

    def _delete(self, conn, scope: str, key: tuple) -> None:
        kind, n = key
        if kind == "notices":
            conn.execute(sa.delete(notice_events).where(notice_events.c.scope == scope, notice_events.c.seq == n))
            return
        table = figures if kind == "figures" else ledger_texts
        where = [table.c.scope == scope, table.c.vintage == n] + ([] if kind == "figures" else [table.c.kind == kind])
        conn.execute(sa.delete(table).where(*where))
        conn.execute(sa.delete(vintages).where(vintages.c.scope == scope, vintages.c.kind == kind, vintages.c.vintage == n))

    def _audit(self, conn, action: str, scope: str, kind: str, vintage: int | None, rows: int | None, sha256: str, detail: str) -> None:
        conn.execute(sa.insert(audit).values(at=_now(), who=_who(), action=action, scope=scope, kind=kind, vintage=vintage,
                                             rows=rows, sha256=sha256, detail=detail))

    # ------------------------------------------------------------------ KPI figures

    def figure_vintages(self, scope: str) -> list[Vintage]:
        self.ready(scope)
        with self._read() as conn:
            return _vintages(conn, scope)

    def figures(self, scope: str) -> pd.DataFrame:
        self.ready(scope)
        with self._read() as conn:
            stated = _vintages(conn, scope)
            rows = conn.execute(sa.select(*(figures.c[c] for c in FIGURE_COLUMNS), figures.c.vintage)
                                .where(figures.c.scope == scope).order_by(figures.c.vintage, figures.c.seq)).all()
        df = pd.DataFrame(list(map(tuple, rows)), columns=[*FIGURE_COLUMNS, "vintage"])  # plain tuples: pandas is slow on Rows
        return layout.with_vintage_dates(df, stated)

    def add_figures(self, scope: str, table: pd.DataFrame, *, ingested_at: str, known_from: str, sha256: str, source: str,
                    refuse_duplicate: str | None = None, dated: bool = True) -> Vintage:
        self.ready(scope)
        with self._write(scope) as conn:
            existing = _vintages(conn, scope)
            v = layout.next_vintage(existing, len(table), ingested_at=ingested_at, known_from=known_from, sha256=sha256,
                                    source=source, refuse_duplicate=refuse_duplicate, dated=dated)
            number = v.vintage
            conn.execute(sa.insert(vintages).values(scope=scope, kind="figures", origin="ingest", ingested_by=_who(), **_vrow(v)))
            if len(table):
                conn.execute(sa.insert(figures), [{"scope": scope, "vintage": number, "seq": i + 1,
                                                   **{c: "" if r.get(c) is None else str(r.get(c)) for c in FIGURE_COLUMNS}}
                                                  for i, r in enumerate(table[FIGURE_COLUMNS].to_dict("records"))])
            self._audit(conn, "ingest", scope, "figures", number, len(table), sha256, source)
        return v

    def vintage_figures(self, scope: str, vintage: int) -> pd.DataFrame:
        """One vintage's figures as written (``known_from`` as ingested), for an export."""
        self.ready(scope)
        with self._read() as conn:
            rows = conn.execute(sa.select(*(figures.c[c] for c in FIGURE_COLUMNS))
                                .where(figures.c.scope == scope, figures.c.vintage == vintage).order_by(figures.c.seq)).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=FIGURE_COLUMNS)

    # ------------------------------------------------------------------ plan ledgers

    def ledger_vintages(self, scope: str, kind: str) -> list[LedgerVintage]:
        self.ready(scope)
        with self._read() as conn:
            return _ledger_vintages(conn, scope, kind)

    def ledger_texts(self, scope: str, kind: str, numbers: list[int]) -> list[str]:
        self.ready(scope)
        with self._read() as conn:
            return _texts(conn, scope, kind, numbers)

    def add_ledger(self, scope: str, kind: str, make: Callable, key: tuple[str, ...] = (), columns: list[str] | None = None) -> LedgerVintage:
        """Under the scope's lock: ``make(done, texts)`` returns the vintages to add, each with its
        text (vintage 0 first when the ledger had none), after checking them (raising refuses all)."""
        self.ready(scope)
        with self._write(scope) as conn:
            done = _ledger_vintages(conn, scope, kind)
            add = make(done, lambda numbers: _texts(conn, scope, kind, numbers))
            for v, text in add:
                conn.execute(sa.insert(vintages).values(scope=scope, kind=kind, origin="ingest", ingested_by=_who(), file="",
                                                        **_lrow(v)))
                conn.execute(sa.insert(ledger_texts).values(scope=scope, kind=kind, vintage=v.vintage, content=text))
                self._audit(conn, "ingest", scope, kind, v.vintage, v.rows, v.sha256, v.source)
        return add[-1][0]

    # ------------------------------------------------------------------ notices

    def notice_events(self, scope: str) -> list[dict[str, str]]:
        self.ready(scope)
        with self._read() as conn:
            return _events(conn, scope)

    def append_notices(self, scope: str, make: Callable) -> list[dict[str, str]]:
        from ...core.fileio import spreadsheet_safe

        self.ready(scope)
        with self._write(scope) as conn:
            events = _events(conn, scope)
            new = list(make(events))
            if new:
                conn.execute(sa.insert(notice_events), [{"scope": scope, "seq": len(events) + i + 1, "origin": "ingest",
                                                         **{c: str(spreadsheet_safe(str(e.get(c, "") or ""))) for c in NOTICE_COLUMNS}}
                                                        for i, e in enumerate(new)])
                for e in new:
                    self._audit(conn, f"notice {e['event']}", scope, "notices", None, 1, "", str(e["number"]))
        return new

    # ------------------------------------------------------------------ the whole store

    def scopes(self) -> list[str]:
        with self._read() as conn:
            return [r[0] for r in conn.execute(sa.select(scopes.c.scope).order_by(scopes.c.scope))]

    def state(self, scope: str, kind: str) -> str:
        """What a document's fingerprint hashes for one kind of record: its vintages (or events)."""
        self.ready(scope)
        with self._read() as conn:
            if kind == "notices":
                return repr(_events(conn, scope))
            rows = conn.execute(sa.select(vintages.c.vintage, vintages.c.sha256, vintages.c.ingested_at, vintages.c.known_from)
                                .where(vintages.c.scope == scope, vintages.c.kind == kind).order_by(vintages.c.vintage)).all()
            return repr([tuple(r) for r in rows])

    def audit_trail(self) -> list[dict]:
        with self._read() as conn:
            return [dict(r) for r in conn.execute(sa.select(audit).order_by(audit.c.id)).mappings()]

    def mark_exported(self, scope: str, exported: set[tuple] | None = None) -> None:
        """The scope's CSV files are now the store's: the records written into them (``exported``: (kind,
        vintage) and ("notices", seq) keys; a record ingested since the export read the store is not
        among them and stays the store's own) count as loaded from them."""
        with self._write(scope) as conn:
            for kind, n in exported or ():
                if kind == "notices":
                    conn.execute(sa.update(notice_events).where(notice_events.c.scope == scope, notice_events.c.seq == n)
                                 .values(origin="bundled"))
                else:
                    conn.execute(sa.update(vintages).where(vintages.c.scope == scope, vintages.c.kind == kind,
                                                           vintages.c.vintage == n).values(origin="bundled"))
            conn.execute(sa.delete(scopes).where(scopes.c.scope == scope))
            digest = layout.tree_sha256(self.folder(scope))
            conn.execute(sa.insert(scopes).values(scope=scope, loaded_sha256=digest, loaded_at=_now()))
            self._audit(conn, "export", scope, "", None, None, digest, "the workspace's CSV files written from the store")
        self._ready.pop(scope, None)

    def copy_from(self, source: "SqlStore") -> list[str]:
        """Copy every row of ``source`` (scopes, vintages with who ingested them, figures, ledger texts,
        notice events, the audit trail) into this empty store, in one transaction: a copy killed at any
        moment leaves this store empty. Returns the scopes copied."""
        with self._write() as conn:
            held = [r[0] for r in conn.execute(sa.select(scopes.c.scope))]
            if held:
                raise StoreError(f"the store {self!r} already holds records ({', '.join(held[:5])}): copy into an empty database")
            with source._read() as src:
                for table in (scopes, vintages, figures, ledger_texts, notice_events):
                    batch: list[dict] = []
                    for r in src.execute(sa.select(table)).mappings():
                        batch.append(dict(r))
                        if len(batch) == 5000:
                            conn.execute(sa.insert(table), batch)
                            batch = []
                    if batch:
                        conn.execute(sa.insert(table), batch)
                trail = [{k: v for k, v in dict(r).items() if k != "id"}  # the target numbers its own lines, in order
                         for r in src.execute(sa.select(audit).order_by(audit.c.id)).mappings()]
                if trail:
                    conn.execute(sa.insert(audit), trail)
                copied = [r[0] for r in src.execute(sa.select(scopes.c.scope).order_by(scopes.c.scope))]
            self._audit(conn, "migrate", "", "", None, None, "", f"every record copied from {source!r}")
        return copied

    def dispose(self) -> None:
        self.engine.dispose()


def _name(key: tuple) -> str:
    kind, n = key
    if kind in layout.FOLDED and n == 0:
        return f"{layout.FOLDED[kind]} was changed after the store took it as vintage 0 of the {kind} ledger (edit the ledger by ingesting)"
    return f"event {n} of the register" if kind == "notices" else f"vintage {n} of the {kind}"


def _unread_ledger_files(conn, folder: Path, scope: str, tree: dict) -> list[str]:
    """A plan ledger's own file that would be silently unread: once the ledger has vintages, it is its
    vintages folded; its file must be what it was when it became vintage 0 (no vintages in the files),
    or the ledger its vintages make (the files hold them, as an export writes)."""
    out = []
    if layout.is_register(scope):
        return out
    for kind in layout.LEDGER_KINDS:
        path = folder / layout.FOLDED[kind]
        in_tree = sorted(k[1] for k in tree if k[0] == kind)
        if not path.is_file():
            continue
        if in_tree:
            texts = [layout.read_ledger_text(folder, kind, n) for n in in_tree]
            columns = next(csv.reader(io.StringIO(texts[-1])), [])
            if path.read_text(encoding="utf-8-sig") != layout.csv_text(layout.fold_texts(texts, layout.LEDGER_KEYS[kind]), columns):
                out.append(f"{path.name} is not the ledger its vintages make (edit a ledger by ingesting)")
        elif _sha_of(conn, scope, kind, 0) not in (None, layout.base_sha256(folder, kind)):
            out.append(f"{path.name} was changed after the store took it as vintage 0 of the {kind} ledger (edit a ledger by "
                       "ingesting)")
    return out


def _sha_of(conn, scope: str, kind: str, n: int) -> str | None:
    return conn.execute(sa.select(vintages.c.sha256).where(vintages.c.scope == scope, vintages.c.kind == kind,
                                                          vintages.c.vintage == n)).scalar()


def _tree_records(folder: Path, scope: str) -> dict[tuple, tuple[str, Callable]]:
    """Every record of a scope's CSV files: key -> (its text, how to insert it as loaded from the files)."""
    out: dict[tuple, tuple[str, Callable]] = {}
    if True:  # the readers of the tree raise RecordFileError naming the file, row and field
        if layout.is_register(scope):
            for i, r in enumerate(layout.read_register(folder)):
                row = {c: r[c] for c in NOTICE_COLUMNS}
                out[("notices", i + 1)] = (repr(tuple(row[c] for c in NOTICE_COLUMNS)),
                                           lambda conn, i=i, row=row: conn.execute(sa.insert(notice_events).values(
                                               scope=scope, seq=i + 1, origin="bundled", **row)))
            return out
        who = _who()
        for v in layout.read_manifest(folder):
            df = layout.read_vintage_figures(folder, v)

            def put(conn, v=v, df=df) -> None:
                conn.execute(sa.insert(vintages).values(scope=scope, kind="figures", origin="bundled", ingested_by=who, **_vrow(v)))
                if len(df):
                    conn.execute(sa.insert(figures), [{"scope": scope, "vintage": v.vintage, "seq": i + 1,
                                                       **{c: str(r.get(c, "")) for c in FIGURE_COLUMNS}}
                                                      for i, r in enumerate(df.to_dict("records"))])

            out[("figures", v.vintage)] = (repr(v) + layout.figures_text(df), put)
        for kind in layout.LEDGER_KINDS:
            for v in layout.read_ledger_manifest(folder, kind):
                text = layout.read_ledger_text(folder, kind, v.vintage, v.rows)

                def put_ledger(conn, v=v, kind=kind, text=text) -> None:
                    conn.execute(sa.insert(vintages).values(scope=scope, kind=kind, origin="bundled", ingested_by=who, file="",
                                                            **_lrow(v)))
                    conn.execute(sa.insert(ledger_texts).values(scope=scope, kind=kind, vintage=v.vintage, content=text))

                out[(kind, v.vintage)] = (repr(v) + text, put_ledger)
    return out


def _vrow(v: Vintage) -> dict:
    return {"vintage": v.vintage, "ingested_at": v.ingested_at, "known_from": v.known_from, "file": v.file, "sha256": v.sha256,
            "source": v.source, "rows": v.rows, "dated": int(v.dated)}


def _lrow(v: LedgerVintage) -> dict:
    return {"vintage": v.vintage, "ingested_at": v.ingested_at, "known_from": v.known_from, "sha256": v.sha256,
            "source": v.source, "rows": v.rows}


def _vintages(conn, scope: str) -> list[Vintage]:
    rows = conn.execute(sa.select(vintages).where(vintages.c.scope == scope, vintages.c.kind == "figures")
                        .order_by(vintages.c.vintage)).mappings()
    return [_vintage(r) for r in rows]


def _vintage(r) -> Vintage:
    return Vintage(r["vintage"], r["ingested_at"], r["known_from"], r["file"], r["sha256"], r["source"], r["rows"], bool(r["dated"]))


def _ledger_vintages(conn, scope: str, kind: str) -> list[LedgerVintage]:
    rows = conn.execute(sa.select(vintages).where(vintages.c.scope == scope, vintages.c.kind == kind)
                        .order_by(vintages.c.vintage)).mappings()
    return [LedgerVintage(r["vintage"], r["sha256"], r["ingested_at"], r["known_from"], r["source"], r["rows"]) for r in rows]


def _texts(conn, scope: str, kind: str, numbers: list[int]) -> list[str]:
    if not numbers:
        return []
    got = dict(conn.execute(sa.select(ledger_texts.c.vintage, ledger_texts.c.content)
                            .where(ledger_texts.c.scope == scope, ledger_texts.c.kind == kind,
                                   ledger_texts.c.vintage.in_(list(numbers)))).all())
    return [got[n] for n in numbers]


def _events(conn, scope: str) -> list[dict[str, str]]:
    rows = conn.execute(sa.select(notice_events).where(notice_events.c.scope == scope).order_by(notice_events.c.seq)).mappings()
    return [{**{c: r[c] for c in NOTICE_COLUMNS}, "_line": str(r["seq"] + 1)} for r in rows]


__all__ = ["SqlStore", "SCHEMA_REVISION", "metadata"]

"""The CSV tree: how a store's records are laid out as readable files (the bundled data in git, an
export for audit, and the ``files`` store). Only this module knows these file names.

A *scope* is a folder of records relative to the workspace: a dataset's (``actuals/<name>``), the
peer cities' (``peers``) or a notices register (``notices/register[-<dataset>].csv``). In a scope's
folder:

- ``vintages.csv`` lists the KPI figures' vintages (number, when ingested, from when known, file,
  SHA-256 of what was ingested, source, rows) and ``vintages/<NNNN>.csv`` holds each one's figures;
- ``ledgers/<kind>/manifest.csv`` lists a plan ledger's vintages (Tables 2, 3, 5, the peer figures)
  and ``ledgers/<kind>/<NNNN>.csv`` holds each accepted file's rows (0000: the ledger before the
  first ingest); the ledger folded from them is written beside, as ``<kind>.csv`` (``ledger.csv`` for
  the peers) for readers of the tree;
- a notices register is one CSV file of events.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ...core.exceptions import RecordFileError

MANIFEST = "vintages.csv"
MANIFEST_COLUMNS = ["vintage", "ingested_at", "known_from", "file", "sha256", "source", "rows", "dated"]
#: A manifest written before ``dated`` existed lacks it: its vintages' dates were stated.
MANIFEST_REQUIRED = MANIFEST_COLUMNS[:-1]
FIGURE_COLUMNS = ["measure_id", "region", "period", "value", "unit", "quality", "method", "source", "note", "known_from"]
LEDGER_MANIFEST_COLUMNS = ["vintage", "sha256", "ingested_at", "known_from", "source", "rows"]
NOTICE_COLUMNS = ["number", "event", "date", "unit", "region", "measure_id", "rule", "evidence", "due", "note"]
#: The folded file of each plan ledger, as readers of the tree find it.
FOLDED = {"special": "special.csv", "standards": "standards.csv", "rectification": "rectification.csv", "peers": "ledger.csv"}
LEDGER_KINDS = tuple(FOLDED)
#: How each plan ledger folds: a later row replaces an earlier one with the same key (a standard's
#: number; a problem and year; a sub-target, year and publication date; a city, indicator, year and source).
LEDGER_KEYS = {"special": ("subtarget", "year", "known_from"), "standards": ("no",), "rectification": ("problem", "year"),
               "peers": ("city", "indicator", "year", "source")}


@dataclass(frozen=True)
class Vintage:
    vintage: int
    ingested_at: str
    known_from: str
    file: str
    sha256: str
    source: str
    rows: int
    #: False when nobody stated when the figures were published (an ingest without ``--known-from``):
    #: ``known_from`` is then the day they were ingested, read as such, and shown as 未知.
    dated: bool = True


@dataclass(frozen=True)
class LedgerVintage:
    vintage: int
    sha256: str
    ingested_at: str
    known_from: str
    source: str
    rows: int


def next_vintage(existing: list[Vintage], rows: int, *, ingested_at: str, known_from: str, sha256: str, source: str,
                 refuse_duplicate: str | None = None, dated: bool = True) -> Vintage:
    """The next vintage of the KPI figures after ``existing`` (read under the writer's lock); with
    ``refuse_duplicate`` (the file's name), :class:`AlreadyIngested` when its SHA-256 is already one."""
    from ...core.exceptions import AlreadyIngested

    if refuse_duplicate is not None:
        for v in existing:
            if v.sha256 == sha256:
                raise AlreadyIngested(f"{refuse_duplicate}: this file was already ingested as vintage {v.vintage} "
                                      f"({v.ingested_at}); nothing was written")
    number = max((v.vintage for v in existing), default=0) + 1
    return Vintage(number, ingested_at, known_from, figure_file(number), sha256, source, rows, dated)


def with_vintage_dates(df: pd.DataFrame, vintages: list[Vintage]) -> pd.DataFrame:
    """Stored figures (with their ``vintage``) as read: a figure without its own date is known from its
    vintage's, and ``dated`` says whether anybody stated when it was published (its own date, or its
    vintage's ``--known-from``)."""
    own = df["known_from"].astype(str) != ""
    known = {v.vintage: v.known_from for v in vintages}
    stated = {v.vintage: v.dated for v in vintages}
    df = df.copy()
    df["known_from"] = df["known_from"].where(own, df["vintage"].map(known))
    df["dated"] = (own | df["vintage"].map(stated).fillna(True).astype(bool)).astype(bool)
    return df


def figure_file(number: int) -> str:
    return f"vintages/{number:04d}.csv"


def ledger_file(kind: str, number: int) -> str:
    return f"ledgers/{kind}/{number:04d}.csv"


def ledger_manifest(kind: str) -> str:
    return f"ledgers/{kind}/manifest.csv"


def is_register(scope: str) -> bool:
    return scope.startswith("notices/") and scope.endswith(".csv")


# --------------------------------------------------------------------------- reading a tree

def _rows(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """A manifest's rows with their line numbers, its header checked."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:  # a byte-order mark (Excel's) is no part of the header
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise RecordFileError(f"{path}:1:{missing[0]}: missing column(s) {', '.join(missing)} of a manifest "
                                      f"({', '.join(columns)})", path=str(path), row=1, field=missing[0])
            return [(i + 2, r) for i, r in enumerate(reader)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RecordFileError(f"{path}: not a readable manifest: {exc}", path=str(path)) from None


def _int(path: Path, line: int, r: dict[str, str], field: str) -> int:
    v = (r.get(field) or "").strip()
    if not (v.isascii() and v.isdigit()):
        raise RecordFileError(f"{path}:{line}:{field}: {v!r} is not a whole number", path=str(path), row=line, field=field)
    return int(v)


def read_manifest(folder: Path) -> list[Vintage]:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return []
    out: list[Vintage] = []
    for line, r in _rows(path, MANIFEST_REQUIRED):
        n = _int(path, line, r, "vintage")
        _unique(path, line, n, [v.vintage for v in out])
        if r["file"] != figure_file(n):  # a vintage's figures are kept in its own file, and nowhere else
            raise RecordFileError(f"{path}:{line}:file: vintage {n}'s figures are kept in {figure_file(n)}, not {r['file']!r}",
                                  path=str(path), row=line, field="file")
        dated = (r.get("dated") or "1").strip()
        if dated not in ("0", "1"):
            raise RecordFileError(f"{path}:{line}:dated: {dated!r} is not 1 (publication date stated) or 0 (not stated)",
                                  path=str(path), row=line, field="dated")
        out.append(Vintage(n, r["ingested_at"], r["known_from"], r["file"], r["sha256"], r["source"], _int(path, line, r, "rows"),
                           dated == "1"))
    return out


def read_vintage_figures(folder: Path, v: Vintage) -> pd.DataFrame:
    """One vintage's figures as written (text, ``known_from`` as in the file), checked against its
    manifest line (the columns, and as many figures as the manifest says)."""
    path = Path(folder) / figure_file(v.vintage)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RecordFileError(f"{path}: vintage {v.vintage}'s figures cannot be read: {exc}", path=str(path)) from None
    missing = [c for c in FIGURE_COLUMNS if c not in df.columns]
    if missing:
        raise RecordFileError(f"{path}:1:{missing[0]}: missing column(s) {', '.join(missing)}", path=str(path), row=1, field=missing[0])
    if len(df) != v.rows:
        raise RecordFileError(f"{path}: holds {len(df)} figure(s) where its manifest line says {v.rows} (a file cut short, or "
                              "edited by hand?)", path=str(path), field="rows")
    return df


def read_ledger_manifest(folder: Path, kind: str) -> list[LedgerVintage]:
    path = Path(folder) / ledger_manifest(kind)
    if not path.is_file():
        return []
    out: list[LedgerVintage] = []
    for line, r in _rows(path, LEDGER_MANIFEST_COLUMNS):
        n = _int(path, line, r, "vintage")
        _unique(path, line, n, [v.vintage for v in out])
        out.append(LedgerVintage(n, r["sha256"], r["ingested_at"], r["known_from"], r["source"], _int(path, line, r, "rows")))
    return out


def _unique(path: Path, line: int, n: int, before: list[int]) -> None:
    if n in before:
        raise RecordFileError(f"{path}:{line}:vintage: vintage {n} is listed twice", path=str(path), row=line, field="vintage")


def read_ledger_text(folder: Path, kind: str, number: int, rows: int | None = None) -> str:
    """One vintage of a plan ledger as written; with ``rows`` (its manifest line's), checked to hold that many."""
    path = Path(folder) / ledger_file(kind, number)
    try:
        text = path.read_text(encoding="utf-8")
        held = len(list(csv.DictReader(io.StringIO(text))))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RecordFileError(f"{path}: vintage {number} of the {kind} ledger cannot be read: {exc}", path=str(path)) from None
    if rows is not None and held != rows:
        raise RecordFileError(f"{path}: holds {held} row(s) where its manifest line says {rows} (a file cut short, or edited by "
                              "hand?)", path=str(path), field="rows")
    return text


def read_register(path: Path) -> list[dict[str, str]]:
    """A notices register's rows as written, with their line numbers (``_line``); its header checked."""
    if not Path(path).is_file():
        return []
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in NOTICE_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise RecordFileError(f"{path}:1:{missing[0]}: missing column(s) {', '.join(missing)} of a notices register",
                                      path=str(path), row=1, field=missing[0])
            return [{**{k: r.get(k, "") or "" for k in NOTICE_COLUMNS}, "_line": str(i + 2)} for i, r in enumerate(reader)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RecordFileError(f"{path}: not a readable notices register (UTF-8 CSV): {exc}", path=str(path)) from None


def tree_files(folder: Path) -> list[Path]:
    """The files of a scope's folder that hold store records (what is loaded into a store)."""
    folder = Path(folder)
    if folder.suffix == ".csv":
        return [folder] if folder.is_file() else []
    out = [folder / MANIFEST] if (folder / MANIFEST).is_file() else []
    out += sorted((folder / "vintages").glob("[0-9]*.csv"))
    out += sorted((folder / "ledgers").glob("*/*.csv"))
    return out


def watched_files(folder: Path) -> list[Path]:
    """The store files and, beside them, the plan ledgers' own files (the ledger as bundled, or as
    folded): what a change of the CSV tree is looked for in."""
    folder = Path(folder)
    if folder.suffix == ".csv":
        return tree_files(folder)
    return tree_files(folder) + [folder / f for f in FOLDED.values() if (folder / f).is_file()]


def base_sha256(folder: Path, kind: str) -> str | None:
    """The SHA-256 of a plan ledger's own file as vintage 0 records it (None: no such file)."""
    path = Path(folder) / FOLDED[kind]
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_text(encoding="utf-8-sig").encode("utf-8")).hexdigest()


def tree_signature(folder: Path) -> tuple:
    """The watched files' names, sizes and modification times: a cheap look for a change."""
    out = []
    for f in watched_files(folder):
        st = f.stat()
        out.append((str(f), st.st_size, st.st_mtime_ns))
    return tuple(out)


def tree_sha256(folder: Path) -> str:
    """A hash of a scope's store files, names and bytes: what the store loaded, to see later changes."""
    h = hashlib.sha256()
    for f in watched_files(folder):
        h.update(f.relative_to(folder.parent if folder.suffix == ".csv" else folder).as_posix().encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def tree_keys(folder: Path, scope: str) -> set[tuple]:
    """The keys of the records a scope's CSV files hold: (kind, vintage) and ("notices", seq)."""
    if is_register(scope):
        return {("notices", i + 1) for i in range(len(read_register(folder)))}
    keys = {("figures", v.vintage) for v in read_manifest(folder)}
    return keys | {(k, v.vintage) for k in LEDGER_KINDS for v in read_ledger_manifest(folder, k)}


def scopes_in(root: Path) -> list[str]:
    """Every scope a workspace's tree holds records for: its datasets, the peers, its registers."""
    root = Path(root)
    out = []
    for d in sorted((root / "actuals").glob("*")):
        if d.is_dir() and ((d / MANIFEST).is_file() or (d / "ledgers").is_dir()):
            out.append(f"actuals/{d.name}")
    if (root / "peers" / "ledgers").is_dir():
        out.append("peers")
    out += [f"notices/{p.name}" for p in sorted((root / "notices").glob("register*.csv"))]
    return out


# --------------------------------------------------------------------------- writing a tree

def csv_text(rows: list[dict[str, str]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    return buf.getvalue()


def figures_text(figures: pd.DataFrame) -> str:
    buf = io.StringIO()
    figures[FIGURE_COLUMNS].to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def manifest_text(vintages: list[Vintage]) -> str:
    """The manifest's text; the ``dated`` column only once a vintage's publication date was not stated
    (a tree written before it existed stays byte for byte as it was)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    undated = any(not v.dated for v in vintages)
    w.writerow(MANIFEST_COLUMNS if undated else MANIFEST_REQUIRED)
    for v in vintages:
        w.writerow([v.vintage, v.ingested_at, v.known_from, v.file, v.sha256, v.source, v.rows] + ([int(v.dated)] if undated else []))
    return buf.getvalue()


def ledger_manifest_text(vintages: list[LedgerVintage]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LEDGER_MANIFEST_COLUMNS)
    for v in vintages:
        w.writerow([v.vintage, v.sha256, v.ingested_at, v.known_from, v.source, v.rows])
    return buf.getvalue()


def register_text(rows: list[dict[str, str]]) -> str:
    from ...core.fileio import spreadsheet_safe

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(NOTICE_COLUMNS)
    for r in rows:
        w.writerow([spreadsheet_safe(r.get(c, "")) for c in NOTICE_COLUMNS])
    return buf.getvalue()


def fold_texts(texts: list[str], key: tuple[str, ...]) -> list[dict[str, str]]:
    """A ledger as its vintages' rows folded in order: a later row replaces an earlier one with the
    same key (and moves to where its replacement was filed)."""
    merged: dict[tuple, dict[str, str]] = {}
    for text in texts:
        for r in csv.DictReader(io.StringIO(text)):
            k = tuple(r.get(c, "") for c in key)
            merged.pop(k, None)
            merged[k] = r
    return list(merged.values())

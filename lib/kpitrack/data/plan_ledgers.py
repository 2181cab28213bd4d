"""The plan's other ledgers (Table 2's special targets, Table 3's rectification, Table 5's standards,
the peer cities' figures): templates with drop-down lists, and ingest with vintages, as for the KPI
ledger.

A ledger is filled in a template (``.xlsx`` with drop-downs, or ``.csv``; Chinese or English headers)
and ingested with :func:`ingest_ledger`: every row is checked by the same reader that checks the
ledger when a report reads it, all problems are listed at once by the file's own row and field, and on
any problem nothing is written. An accepted file becomes a **vintage** in the store
(:mod:`kpitrack.data.store`: its rows, sha256, when, known from, source), and the ledger is its
vintages folded in order: a row with the same key as an earlier one (a standard's number; a problem
and year; a sub-target, year and known-from date; a city, indicator, year and source) replaces it, so a
correction is a new vintage and the old rows stay on file. The ledger that was there before the first
ingest is kept as vintage 0. The check and the write are one transaction of the store: concurrent
ingests queue, and a process killed at any moment leaves the old ledger or the new one.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path


from ..core.exceptions import AlreadyIngested, Problem, Reason, ValidationError
from ..core.fileio import display_name
from ..plan.catalogue import Catalogue
from ..plan.schema import plan_base_year, plan_end_year
from .rectification import KEY as RECTIFICATION_KEY
from .special import KEY as SPECIAL_KEY
from .standards import KEY as STANDARDS_KEY
from .peers import LEDGER_KEY as PEERS_KEY
from .plan_ledger_vintages import MANIFEST_COLUMNS, LedgerVintage, _csv, _fold, fold_texts, vintages  # noqa: F401 - part of the ledgers' API
from .store import locate


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    help_zh: str
    required: bool = True


@dataclass(frozen=True)
class LedgerKind:
    name: str
    title_zh: str
    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    check: Callable[[Path, Catalogue], None]  # reads a folder holding ``file``; raises ValidationError
    lists: Callable[[Catalogue], dict[str, list[str]]]  # drop-down values per column
    per_dataset: bool = True  # False: one ledger for all datasets (the peer cities)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


def _check_special(folder: Path, cat: Catalogue) -> None:
    from .special import read_special

    read_special(folder, cat)


def _check_standards(folder: Path, cat: Catalogue) -> None:
    from .standards import read_standards

    read_standards(folder, cat)


def _check_rectification(folder: Path, cat: Catalogue) -> None:
    from .rectification import read_rectification

    read_rectification(folder, cat)


def _check_peers(folder: Path, cat: Catalogue) -> None:
    from .peers import ledger_rows

    ledger_rows(folder / PEER_FILE)


def _special_lists(cat: Catalogue) -> dict[str, list[str]]:
    from .special import NUMERIC

    ids = [t.id for s in cat.special_targets for t in s.subtargets if not t.measure and (t.kind in NUMERIC or t.kind == "milestone")]
    return {"subtarget": ids, "quality": ["reported", "preliminary", "derived"]}


def _peer_lists(cat: Catalogue) -> dict[str, list[str]]:
    from .peers import load_peers

    p = load_peers()
    cities = sorted({c for g in p.groups.values() for c in g.cities})
    return {"city": cities, "indicator": list(p.indicators), "quality": ["reported", "computed"]}


PEER_FILE = "ledger.csv"
KINDS: dict[str, LedgerKind] = {
    "special": LedgerKind(
        "special", "规划表2 重点专项目标台账", "special.csv",
        (Column("subtarget", "子目标编号", "从下拉列表选择（表2中与表1指标相同的子目标不在此填报，数据进关键绩效指标台账）"),
         Column("year", "年份", "数据所属年份，如2019"),
         Column("value", "数值", "数字，单位与子目标一致；节点目标填实现日期（YYYY-MM-DD）"),
         Column("quality", "数据质量", "reported（正式数）、preliminary（初步数）或 derived（推算数）"),
         Column("source", "来源", "出处：公报、部门文件名称及日期"),
         Column("known_from", "公布日期", "数据公布的日期（YYYY-MM-DD）；不填则为导入时指定的日期", required=False),
         Column("note", "备注", "口径说明等", required=False)),
        SPECIAL_KEY, _check_special, _special_lists),
    "standards": LedgerKind(
        "standards", "规划表5 标准制定（修订）台账", "standards.csv",
        (Column("no", "表5序号", "1—100，见“清单”工作表"),
         Column("issued_on", "发布日期", "YYYY-MM-DD"),
         Column("document_no", "标准编号", "如 DB3301/T 1089—2018", required=False),
         Column("source", "来源", "发布文件或公告"),
         Column("note", "备注", "", required=False)),
        STANDARDS_KEY, _check_standards, lambda cat: {"no": [str(s.no) for s in cat.standards]}),
    "rectification": LedgerKind(
        "rectification", "规划表3 社会评价意见整改台账", "rectification.csv",
        (Column("problem", "问题编号", "从下拉列表选择，见“清单”工作表"),
         Column("year", "年份", f"{plan_base_year() + 1}—{plan_end_year()}"),
         Column("target_zh", "整改目标", "当年的重点整改目标", required=False),
         Column("done", "完成情况", "yes（完成）、partly（部分完成）或 no（未完成）"),
         Column("disclosed", "是否公示", "yes 或 no：年终整改结果是否在媒体公示"),
         Column("satisfaction", "满意度", "专项满意度测评得分0—100；未测评不填", required=False),
         Column("source", "来源", "整改报告、测评结果的出处"),
         Column("note", "备注", "", required=False)),
        RECTIFICATION_KEY, _check_rectification,
        lambda cat: {"problem": [p.id for a in cat.problem_areas for p in a.problems], "done": ["yes", "partly", "no"],
                     "disclosed": ["yes", "no"]}),
    "peers": LedgerKind(
        "peers", "对标城市数据台账", PEER_FILE,
        (Column("city", "城市", "对标城市中文名，从下拉列表选择"),
         Column("indicator", "指标", "对标指标，见“清单”工作表"),
         Column("year", "年份", "如2019"),
         Column("value", "数值", "数字，单位与指标一致"),
         Column("unit", "单位", "与指标一致", required=False),
         Column("quality", "数据质量", "reported（公布数）或 computed（由其他数据计算）"),
         Column("source", "来源", "出处：统计公报、年鉴名称及表号；同一来源的数据才互相排名"),
         Column("note", "备注", "口径说明等", required=False)),
        PEERS_KEY, _check_peers, _peer_lists, per_dataset=False),
}


def kind(name: str) -> LedgerKind:
    from ..core.exceptions import UnknownNameError

    try:
        return KINDS[name]
    except KeyError:
        raise UnknownNameError("ledger kind", name, list(KINDS)) from None


# ---------------------------------------------------------------- reading a filled template


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_filled(path: Path, k: LedgerKind) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """The rows of a filled template as (row number in the file, {column key: text}); headers may be
    the template's Chinese ones or the column keys; blank rows are skipped, keeping the numbering."""
    from ..core.input_files import refusal
    from .ledger_files import MAX_ROWS

    path = Path(path)
    shown = display_name(path)
    if (found := refusal(path, MAX_ROWS, k.title_zh)) is not None:  # a pipe, /dev/zero, a sheet that claims a million rows
        return [], [Problem(shown, None, found[0], found[1], Reason.UNREADABLE)]
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            # the one reader of sheets (core.input_files): hidden rows, columns and sheets holding data,
            # a second sheet with data, merged cells, formulas, NUL and over-long cells are refused;
            # a percent cell is read as shown (86.5%, never 0.865)
            from openpyxl import load_workbook

            from ..core.input_files import choose_sheet, sheet_rows, shown_number
            from .ledger_files import MAX_CELL, MAX_COLUMNS

            wb = load_workbook(path, data_only=False)
            found: list[Problem] = []

            def problem(row, field, message, reason) -> None:
                found.append(Problem(shown, row, field, message, reason))

            ws = choose_sheet(wb, problem, None, "台账", ("清单", "说明"))  # the template's list and help sheets
            rows = None if ws is None else sheet_rows(ws, problem, max_columns=MAX_COLUMNS, max_cell=MAX_CELL)
            if found or rows is None:
                return [], found
            table, numbered = [], []
            for r, cells in rows:
                numbered.append(r)
                table.append([_cell(shown_number(c) if shown_number(c) is not None else c.value) for c in cells])
        else:
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            table = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
            numbered = list(range(1, len(table) + 1))
            if "\x00" in text:
                return [], [Problem(shown, None, "-", "the file holds NUL characters: not a text ledger", Reason.UNREADABLE)]
    except Exception as exc:  # an unreadable file of any kind: one problem, nothing written
        return [], [Problem(shown, None, "-", f"cannot read the {k.title_zh} ({exc.__class__.__name__}: {exc})", Reason.UNREADABLE)]
    if not table:
        return [], [Problem(shown, None, "-", "the file is empty", Reason.MISSING)]
    by_name = {c.zh: c.key for c in k.columns} | {c.key: c.key for c in k.columns}
    header = [by_name.get(h.strip(), h.strip()) for h in table[0]]
    problems = [Problem(shown, 1, ",".join(c.key for c in k.columns if c.required and c.key not in header) or "-",
                        f"missing column(s): {'、'.join(c.zh for c in k.columns if c.required and c.key not in header)}", Reason.MISSING)] \
        if any(c.required and c.key not in header for c in k.columns) else []
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:  # 数值 and value both: which one counts would depend on the column order
        problems.append(Problem(shown, 1, ",".join(twice), f"column(s) given twice: {'、'.join(twice)}", Reason.DUPLICATE))
    extra = [h for h in header if h and h not in k.keys]
    if extra:
        problems.append(Problem(shown, 1, ",".join(extra), f"unknown column(s); the template's are {'、'.join(c.zh for c in k.columns)}",
                                Reason.UNKNOWN_FIELD))
    rows = []
    for i, values in zip(numbered[1:], table[1:]):  # the file's own row numbers
        if not any(values):
            continue
        long = [v for v in values if len(str(v)) > 10_000]
        if long:
            problems.append(Problem(shown, i, "-", f"a cell of {len(str(long[0])):,} characters (at most 10,000)", Reason.OUT_OF_RANGE))
            continue
        unnamed = [v for j, v in enumerate(values[:len(header)]) if not header[j] and str(v).strip()]
        if unnamed:  # a value under a blank header would be dropped without a word
            problems.append(Problem(shown, i, "-", f"{unnamed[0]!r} lies in a column without a header: name the column or "
                                                  "delete the value", Reason.INCONSISTENT))
            continue
        extra = [v for v in values[len(header):] if str(v).strip()]
        if extra:
            problems.append(Problem(shown, i, "-", f"{len(values)} cells where the header has {len(header)}: {extra[0]!r} would be "
                                                  "lost (a comma inside a cell that is not quoted?)", Reason.INCONSISTENT))
            continue
        rows.append((i, {h: (values[j] if j < len(values) else "") for j, h in enumerate(header) if h in k.keys}))
    if not rows and not problems:
        problems.append(Problem(shown, None, "-", "the file has no rows", Reason.MISSING))
    return rows, problems


def ingest_ledger(path: Path, k: LedgerKind, folder: Path, cat: Catalogue, *, known_from: str | None = None,
                  now: datetime | None = None, synthetic: bool = False) -> LedgerVintage:
    """Check the filled template at ``path`` and add it to the ledger in ``folder`` as a new vintage.

    Raises ValidationError (every problem, by the file's own row and field; nothing written) or
    AlreadyIngested (this exact file is a vintage already)."""
    path, folder = Path(path), Path(folder)
    shown = display_name(path)
    from ..core.clock import local_day

    now = _aware(now or datetime.now(timezone.utc))
    day = known_from or local_day(now).isoformat()  # the city's date (an ingest at 07:00 in Hangzhou is that day's)
    rows, problems = read_filled(path, k)
    if synthetic:
        problems.append(Problem(shown, None, "-", "this dataset holds synthetic data; ledgers of real figures go to a real dataset",
                                Reason.NOT_ALLOWED))
    if known_from is not None:
        try:
            date.fromisoformat(known_from)
        except ValueError:
            problems.append(Problem(shown, None, "known_from", f"--known-from {known_from!r} is not a date YYYY-MM-DD", Reason.WRONG_TYPE))
        else:
            if date.fromisoformat(known_from) > local_day(now):
                problems.append(Problem(shown, None, "known_from", f"--known-from {known_from} is in the future: figures are "
                                        "known from a day that has come", Reason.OUT_OF_RANGE))
    if "known_from" in k.keys:
        for _, r in rows:
            r["known_from"] = r.get("known_from") or day
    if problems:
        raise ValidationError(problems, f"ledger {shown} refused: nothing was written; ledger validation")
    _check_as_file(rows, k, cat, shown)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    target = folder / k.file
    stamp = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def make(done: list[LedgerVintage], texts) -> list[tuple[LedgerVintage, str]]:
        """Under the store's lock: the vintages to add (0, the ledger before the first ingest, then this file)."""
        if any(v.sha256 == digest for v in done):
            v = next(v for v in done if v.sha256 == digest)
            raise AlreadyIngested(f"{path}: this file was already ingested as vintage {v.vintage} of the {k.name} ledger "
                                  f"({v.ingested_at}); nothing was written", path=str(path))
        add: list[tuple[LedgerVintage, str]] = []
        if not done and target.is_file():
            text = target.read_text(encoding="utf-8-sig")
            n = max(0, len(list(csv.DictReader(io.StringIO(text)))))
            add.append((LedgerVintage(0, hashlib.sha256(text.encode("utf-8")).hexdigest(), stamp, "",
                                      f"{k.file} before the first ingest", n), text))
        last = add[-1][0] if add else (done[-1] if done else None)
        new = LedgerVintage(last.vintage + 1 if last else 1, digest, stamp, day, shown, len(rows))
        add.append((new, _csv([r for _, r in rows], k.keys)))
        merged = fold_texts(texts([v.vintage for v in done]) + [t for _, t in add], k.key)
        _check_merged(merged, k.keys, k, cat, target)
        return add

    store, scope = locate(folder)
    return store.add_ledger(scope, k.name, make, k.key, k.keys)


def _aware(moment: datetime) -> datetime:
    """``moment`` with its time zone (a naive one is UTC, whatever the machine's)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _check_as_file(rows: list[tuple[int, dict[str, str]]], k: LedgerKind, cat: Catalogue, shown: str) -> None:
    """Check the rows with the ledger's own reader, its problems told by the filled file's rows."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / k.file).write_text(_csv([r for _, r in rows], k.keys), encoding="utf-8")
        try:
            k.check(Path(tmp), cat)
        except ValidationError as exc:
            where = {i + 2: n for i, (n, _) in enumerate(rows)}
            raise ValidationError([dataclasses.replace(p, file=shown, row=where.get(p.row, p.row)) for p in exc.problems],
                                  f"ledger {shown} refused: nothing was written; ledger validation") from None


def _check_merged(merged: list[dict[str, str]], columns: list[str], k: LedgerKind, cat: Catalogue, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / k.file).write_text(_csv(merged, columns), encoding="utf-8")
        try:
            k.check(Path(tmp), cat)
        except ValidationError as exc:
            raise ValidationError([dataclasses.replace(p, file=str(target)) for p in exc.problems],
                                  "the ledger with this file added would not be valid; nothing was written") from None


def ingest_kind(path: Path, name: str, dataset: str, cat: Catalogue, known_from: str | None = None) -> tuple[LedgerVintage, str]:
    """Ingest a filled template of kind ``name`` into ``dataset`` (the peer ledger serves all
    datasets): (the vintage, where it went in words)."""
    from ..core.yamlio import load_yaml
    from .actuals import dataset_folder
    from .peers import folder as peers_folder

    k = kind(name)
    if k.per_dataset:
        folder = dataset_folder(dataset)
        synthetic = bool((load_yaml(folder / "dataset.yaml") or {}).get("synthetic"))
        where = f"dataset {dataset}"
    else:
        folder, synthetic, where = peers_folder(), False, "the peer cities' figures"
    return ingest_ledger(Path(path), k, folder, cat, known_from=known_from, synthetic=synthetic), where


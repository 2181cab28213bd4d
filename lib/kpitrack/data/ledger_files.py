"""Reading ledgers (电子台账): CSV and XLSX files of figures into raw rows with their row numbers,
refusing what no ledger should be (formulas, merged or hidden cells, oversized or malformed files)
with a problem naming file, row and field. Validating the rows is :mod:`kpitrack.data.kpi_ledger`'s.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from pathlib import Path

from ..core.exceptions import Problem, Reason
from ..core.input_files import MAX_CELLS, MAX_UNZIPPED, choose_sheet, scales_by_100, sheet_rows, too_big  # noqa: F401 - the limits, part of the reader's API

#: Ledger columns: key -> (Chinese header, required)
COLUMNS = {
    "measure_id": ("指标编号", True),
    "measure_name": ("指标名称", False),
    "region": ("地区", True),
    "period": ("时期", True),
    "value": ("数值", True),
    "unit": ("单位", True),
    "source": ("来源", True),
    "note": ("备注", False),
    "quality": ("数据质量", False),
    "method": ("口径", False),
    "known_from": ("公布日期", False),
}
#: Columns kt.figures() writes that follow from the others (or from the store): read back, not used,
#: so what the API returns can be ingested as it is.
DERIVED_COLUMNS = ("measure_name_en", "region_name", "year", "month", "vintage", "preferred", "assumed_known_from", "source_kind", "unit_en", "multiplier",
                   "low_source", "other_basis")
HEADER_ALIASES = {**{zh: key for key, (zh, _) in COLUMNS.items()}, **{key: key for key in COLUMNS},
                  **{key: key for key in DERIVED_COLUMNS}, "measure": "measure_id"}
#: Sheets of the template that document the ledger; any other sheet with content must be the one ingested.
DOC_SHEETS = ("指标", "地区", "单位", "说明")
DATA_SHEET = "台账"
#: Caps that keep a careless or hostile file from taking minutes and gigabytes.
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CELL = 10_000
#: An .xlsx is checked before it is loaded, by streaming its XML: what it holds unpacked, its rows
#: and cells as written (not as its <dimension> claims), and how far right a cell lies.
MAX_COLUMNS = 100


@dataclass
class Ledger:
    """What was read from a ledger file: raw rows with their row numbers, and problems so far."""

    path: Path
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = ""

    def problem(self, row: int | None, fld: str, message: str, reason: Reason = Reason.INCONSISTENT) -> None:
        self.problems.append(Problem(str(self.path), row, fld, message, reason))


def read_ledger(path: Path, sheet: str | None = None) -> Ledger:
    """Read a CSV or XLSX ledger; structural problems (encoding, formulas, merged cells, hidden
    sheets or rows, columns, size) are recorded, not raised. ``sheet`` names the sheet of a
    workbook to read (default 台账, or the only sheet with content)."""
    path = Path(path)
    led = Ledger(path)
    if not path.exists():
        led.problem(None, "-", "file not found", Reason.MISSING)
        return led
    if path.is_dir():
        led.problem(None, "-", "this is a directory, not a ledger file", Reason.UNREADABLE)
        return led
    if not path.is_file():
        led.problem(None, "-", "not a regular file (a pipe, socket or device?): give a saved .csv or .xlsx file", Reason.UNREADABLE)
        return led
    size = path.stat().st_size
    if size > MAX_BYTES:
        led.problem(None, "-", f"the file is {size / 1024 / 1024:.1f} MB; a ledger may be at most {MAX_BYTES // 1024 // 1024} MB "
                               "(split it into several ledgers)", Reason.OUT_OF_RANGE)
        return led
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if sheet:
            led.problem(None, "sheet", "--sheet is for .xlsx workbooks; a CSV file has no sheets", Reason.NOT_ALLOWED)
            return led
        _read_csv(led)
    elif suffix in (".xlsx", ".xlsm"):
        _read_xlsx(led, sheet)
    else:
        led.problem(None, "-", f"unsupported file type {suffix or '(none)'!r}: use .csv or .xlsx (save .xls files as .xlsx)",
                    Reason.UNREADABLE)
    if not led.problems and not led.rows:
        led.problem(None, "-", "the ledger holds no figures", Reason.MISSING)
    return led


def _header(led: Ledger, cells: list[object], row: int) -> list[str | None] | None:
    keys: list[str | None] = []
    for c in cells:
        name = "" if c is None else str(c).strip()
        if not name:
            keys.append(None)
            continue
        key = HEADER_ALIASES.get(name)
        if key in DERIVED_COLUMNS:
            keys.append(None)
            continue
        if key is None:
            known = "、".join(zh for zh, _ in COLUMNS.values())
            led.problem(row, name, f"unknown column {name!r} (known: {known}, or their English keys)", Reason.UNKNOWN_FIELD)
        elif key in keys:
            led.problem(row, name, f"column {name!r} appears twice", Reason.DUPLICATE)
        keys.append(key)
    missing = [COLUMNS[k][0] for k, (_, req) in COLUMNS.items() if req and k not in keys]
    if missing:
        led.problem(row, "header", f"missing column(s): {'、'.join(missing)}", Reason.MISSING)
    return None if led.problems else keys


def _read_csv(led: Ledger) -> None:
    data = led.path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 3 and (data[1:2] == b"\x00" or data[0:1] == b"\x00")
                                                        and data.count(b"\x00") * 3 > len(data)):
        led.problem(None, "-", "the file is UTF-16 text (Excel's 'Unicode text'): save it as 'CSV UTF-8' or as .xlsx",
                    Reason.UNREADABLE)
        return
    if b"\x00" in data:
        led.problem(None, "-", "binary content: this is not a CSV text file", Reason.UNREADABLE)
        return
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            led.encoding = "utf-8" if enc == "utf-8-sig" else "gbk"
            break
        except UnicodeDecodeError:
            continue
    else:
        led.problem(None, "-", "cannot decode the file: it is neither UTF-8 nor GBK text; save it as CSV UTF-8", Reason.UNREADABLE)
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    keys = None
    n_rows = 0
    try:
        for line in reader:
            row = reader.line_num
            n_rows += 1
            if n_rows > MAX_ROWS + 1:
                led.problem(row, "-", f"more than {MAX_ROWS:,} rows: a ledger is capped at {MAX_ROWS:,} figures "
                                      "(split it into several ledgers)", Reason.OUT_OF_RANGE)
                return
            if keys is None:
                if not any(c.strip() for c in line):
                    continue
                keys = _header(led, line, row)
                if keys is None:
                    return
                continue
            if not any(c.strip() for c in line):
                continue
            if len(line) != len(keys):
                led.problem(row, "-", f"expected {len(keys)} columns, found {len(line)} (a truncated or malformed line?)", Reason.INCONSISTENT)
                continue
            long = [(k, v) for k, v in zip(keys, line) if len(v) > MAX_CELL]
            if long:
                led.problem(row, long[0][0] or "-", f"a cell of {len(long[0][1]):,} characters (at most {MAX_CELL:,}): "
                                                    "is this really a ledger?", Reason.OUT_OF_RANGE)
                continue
            led.rows.append((row, {k: v for k, v in zip(keys, line) if k}))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            led.problem(reader.line_num + 1, "-", f"a cell longer than {csv.field_size_limit():,} characters: is this really a "
                                                  "ledger? (cells hold one figure, its source and a note)", Reason.OUT_OF_RANGE)
        else:
            led.problem(reader.line_num, "-", f"malformed CSV: {exc} (an unclosed quote, or a truncated file?)", Reason.UNREADABLE)


def _read_xlsx(led: Ledger, sheet: str | None = None) -> None:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # a first, streaming look at what the file holds, before loading anything (bounded time and memory)
        if (found := too_big(led.path, MAX_ROWS)) is not None:
            led.problem(None, *found, Reason.OUT_OF_RANGE)
            return
        wb = openpyxl.load_workbook(led.path, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        led.problem(None, "-", f"not a readable .xlsx workbook (truncated or corrupt?): {exc}", Reason.UNREADABLE)
        return
    ws = choose_sheet(wb, led.problem, sheet, DATA_SHEET, DOC_SHEETS)
    if ws is None:
        return
    rows = sheet_rows(ws, led.problem, max_columns=MAX_COLUMNS, max_cell=MAX_CELL)  # the one reader's checks
    if rows is None:
        return
    keys = None
    for row, cells in rows:
        values = [_cell_value(c) for c in cells]
        if keys is None:
            keys = _header(led, values, row)
            if keys is None:
                return
            continue
        record = {k: v for k, v in zip(keys, values) if k}
        for k, c in zip(keys, cells):
            if k == "value" and isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and "%" in (c.number_format or ""):
                if scales_by_100(c.number_format, c.value):  # Excel shows 0.075 as 7.5%
                    record["value"] = _Shown(c.value * 100, f"{c.value * 100:g}%", percent=True)
                else:  # 0.0"%" or 0.0\%: a literal sign after the number as typed (7.5 shows 7.5%)
                    record["value"] = _Shown(c.value, f"{c.value:g}%", percent=True)
            elif k == "period" and isinstance(c.value, float) and not c.value.is_integer():
                record["period"] = _Shown(c.value, _as_displayed(c.value, c.number_format))
        led.rows.append((row, record))


class _Shown:
    """A number read from an Excel cell as the user sees it (a percent cell shows 7.5%, a period
    typed as 2018.10 in a two-decimal cell shows 2018.10)."""

    def __init__(self, value: float, shown: str, percent: bool = False) -> None:
        self.value, self.shown, self.percent = value, shown, percent

    def __str__(self) -> str:
        return self.shown


def _as_displayed(v: float, number_format: str | None) -> str:
    """The text Excel shows for a number in a fixed-decimals format (0.00 shows 2018.10); in the
    General format the shortest form (2018.1)."""
    fmt = (number_format or "General").split(";")[0]
    m = re.fullmatch(r"#?,?#*0\.(0+)", fmt.replace("#,##", ""))
    if m:
        return f"{v:.{len(m.group(1))}f}"
    return f"{v:g}"




def _cell_value(c) -> object:
    v = c.value
    return getattr(v, "text", v) if hasattr(v, "ref") else v  # an array formula shows its text, not a repr


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, _Shown):
        return v.shown
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()

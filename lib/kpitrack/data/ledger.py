"""Ledgers (电子台账): reading CSV and XLSX files of figures, and validating every row.

A ledger has one figure per row: measure id (and optionally its Chinese name), region, period
(``2018`` or ``2018-06``, year to date), value, unit, source, note; optionally the quality
(reported / preliminary / derived) and method (official / daily-derived). Headers may be the
Chinese ones of the template or the English keys. Every problem is collected and reported at
once as ``file:row:field: message``; nothing is written unless there is none.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from ..core.exceptions import Problem, Reason, UnknownNameError
from ..plan.catalogue import Catalogue
from .regions import regions, resolve
from ..plan.schema import BASE_YEAR, PLAN_END
from .store import FIGURE_COLUMNS
from .units import factor, normalise

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
}
HEADER_ALIASES = {**{zh: key for key, (zh, _) in COLUMNS.items()}, **{key: key for key in COLUMNS}}
LEDGER_QUALITIES = ("reported", "preliminary", "derived")
LEDGER_METHODS = ("official", "daily-derived")
NON_NEGATIVE_UNITS = {"亿元", "亿美元", "元", "μg/m³", "天", "万人", "人", "万人次", "套", "张/千名老人", "平方米/百人", "小时/周", "个", "‰"}
PERIOD = re.compile(r"^(\d{4})(?:\s*[-/年.]\s*(\d{1,2})\s*月?)?$")


@dataclass
class Ledger:
    """What was read from a ledger file: raw rows with their row numbers, and problems so far."""

    path: Path
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = ""

    def problem(self, row: int | None, fld: str, message: str, reason: Reason = Reason.INCONSISTENT) -> None:
        self.problems.append(Problem(str(self.path), row, fld, message, reason))


def read_ledger(path: Path) -> Ledger:
    """Read a CSV or XLSX ledger; structural problems (encoding, formulas, merged cells, columns)
    are recorded, not raised."""
    path = Path(path)
    led = Ledger(path)
    if not path.is_file():
        led.problem(None, "-", "file not found", Reason.MISSING)
        return led
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _read_csv(led)
    elif suffix in (".xlsx", ".xlsm"):
        _read_xlsx(led)
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
    try:
        for line in reader:
            row = reader.line_num
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
            led.rows.append((row, {k: v for k, v in zip(keys, line) if k}))
    except csv.Error as exc:
        led.problem(reader.line_num, "-", f"malformed CSV: {exc} (an unclosed quote, or a truncated file?)", Reason.UNREADABLE)


def _read_xlsx(led: Ledger) -> None:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(led.path, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        led.problem(None, "-", f"not a readable .xlsx workbook (truncated or corrupt?): {exc}", Reason.UNREADABLE)
        return
    ws = wb["台账"] if "台账" in wb.sheetnames else wb.worksheets[0]
    for rng in ws.merged_cells.ranges:
        led.problem(rng.min_row, str(rng), f"merged cells {rng} in sheet {ws.title!r}: unmerge them, one value per cell", Reason.UNREADABLE)
    keys = None
    for cells in ws.iter_rows():
        row = cells[0].row
        values = [c.value for c in cells]
        for c in cells:
            if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("=")):
                led.problem(row, c.coordinate, f"formula {str(c.value)[:40]!r} in cell {c.coordinate}: enter the value itself, not a formula",
                            Reason.UNREADABLE)
        if keys is None:
            if not any(v is not None and str(v).strip() for v in values):
                continue
            keys = _header(led, values, row)
            if keys is None:
                return
            continue
        if not any(v is not None and str(v).strip() for v in values):
            continue
        led.rows.append((row, {k: v for k, v in zip(keys, values) if k}))


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def parse_period(v: object) -> tuple[int, int] | None:
    """(year, month) from ``2018``, ``2018-06``, ``2018-6``, ``2018年6月`` or an Excel date; month 0 = the year."""
    if isinstance(v, (datetime, date)):
        return v.year, v.month
    if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer():
        v = str(int(v))
    m = PERIOD.match(_text(v))
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2) or 0)
    return (year, month) if 0 <= month <= 12 else None


def parse_value(v: object) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        f = float(v)
    else:
        t = _text(v).replace(",", "").replace("，", "")
        if not t:
            return None
        try:
            f = float(t)
        except ValueError:
            return None
    return f if math.isfinite(f) else None


def validate(led: Ledger, cat: Catalogue) -> pd.DataFrame:
    """Check every row against the catalogue and the regions; return the figures (columns
    :data:`kpitrack.store.FIGURE_COLUMNS`), converted to catalogue units. Problems go to
    ``led.problems``; the result is only meaningful when there are none."""
    out, seen = [], {}
    region_names = "、".join(r.name_zh for r in regions())
    for row, r in led.rows:
        mid = _text(r.get("measure_id"))
        m = None
        if not mid:
            led.problem(row, "measure_id", "measure id is empty", Reason.MISSING)
        else:
            try:
                m = cat.measure(mid)
            except UnknownNameError:
                close = difflib.get_close_matches(mid, [x.id for x in cat.measures], n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                led.problem(row, "measure_id", f"unknown KPI measure {mid!r}{hint}", Reason.UNKNOWN_REFERENCE)
        name = _text(r.get("measure_name"))
        if m is not None and name and name != m.name_zh:
            led.problem(row, "measure_name", f"name {name!r} is not the name of {mid} ({m.name_zh})", Reason.INCONSISTENT)
        reg = resolve(_text(r.get("region")))
        if reg is None:
            led.problem(row, "region", f"unknown region {_text(r.get('region'))!r} (known: {region_names}, or their codes)",
                        Reason.UNKNOWN_REFERENCE)
        period = parse_period(r.get("period"))
        if period is None:
            led.problem(row, "period", f"period {_text(r.get('period'))!r} is not a year (2018) or a month (2018-06)", Reason.WRONG_TYPE)
        else:
            year, month = period
            if not BASE_YEAR <= year <= PLAN_END:
                led.problem(row, "period", f"year {year} is outside the plan period {BASE_YEAR}-{PLAN_END}", Reason.OUT_OF_RANGE)
            if m is not None and month and not m.allows_month(month):
                if not m.sub_annual:
                    led.problem(row, "period", f"monthly figure for {mid}, which is reported yearly only", Reason.NOT_ALLOWED)
                else:
                    led.problem(row, "period", f"{mid} is quarterly: months 03, 06, 09 or 12 only, got {month:02d}", Reason.NOT_ALLOWED)
        raw_value = r.get("value")
        value = parse_value(raw_value)
        if value is None:
            text = _text(raw_value)
            led.problem(row, "value", "value is empty" if not text else f"value {text!r} is not a number",
                        Reason.MISSING if not text else Reason.WRONG_TYPE)
        unit_in = normalise(_text(r.get("unit")))
        note = _text(r.get("note"))
        if not unit_in:
            led.problem(row, "unit", "unit is empty", Reason.MISSING)
        elif m is not None:
            f = factor(unit_in, m.unit)
            if f is None:
                led.problem(row, "unit", f"unit {unit_in!r} cannot be converted to {m.unit!r}, the unit of {mid}", Reason.INCONSISTENT)
            elif value is not None and f != 1.0:
                note = "；".join(x for x in (note, f"台账原值{_text(raw_value)}{unit_in}，已换算为{m.unit}") if x)
                value = value * f
        if m is not None and value is not None and factor(unit_in, m.unit) is not None:
            if m.unit == "%" and m.value_type == "level" and not 0 <= value <= 100:
                led.problem(row, "value", f"a percentage must lie in 0-100, got {value:g}", Reason.OUT_OF_RANGE)
            elif m.unit in NON_NEGATIVE_UNITS and value < 0:
                led.problem(row, "value", f"negative value {value:g} for {mid} ({m.unit})", Reason.OUT_OF_RANGE)
            elif m.unit == "天" and value > 366:
                led.problem(row, "value", f"{value:g} days in a year", Reason.OUT_OF_RANGE)
        source = _text(r.get("source"))
        if not source:
            led.problem(row, "source", "every figure needs its source", Reason.MISSING)
        quality = _text(r.get("quality")) or "reported"
        if quality not in LEDGER_QUALITIES:
            led.problem(row, "quality", f"{quality!r} is not one of {', '.join(LEDGER_QUALITIES)}", Reason.NOT_ALLOWED)
        method = _text(r.get("method")) or "official"
        if method not in LEDGER_METHODS:
            led.problem(row, "method", f"{method!r} is not one of {', '.join(LEDGER_METHODS)}", Reason.NOT_ALLOWED)
        if m is not None and reg is not None and period is not None:
            key = (m.id, reg.code, period)
            if key in seen:
                led.problem(row, "-", f"duplicate of row {seen[key]}: {m.id}, {reg.name_zh}, {_period_text(*period)}", Reason.DUPLICATE)
            seen.setdefault(key, row)
        if m is not None and reg is not None and period is not None and value is not None:
            out.append({"measure_id": m.id, "region": reg.code, "period": _period_text(*period), "value": f"{value:.10g}",
                        "unit": m.unit, "quality": quality, "method": method, "source": source, "note": note, "known_from": ""})
    return pd.DataFrame(out, columns=FIGURE_COLUMNS)


def _period_text(year: int, month: int) -> str:
    return f"{year}" if month == 0 else f"{year}-{month:02d}"

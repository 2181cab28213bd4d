"""Ledgers (电子台账): validating every row read from a CSV or XLSX file (:mod:`.ledger_files`).

A ledger has one figure per row: measure id (and optionally its Chinese name), region, period
(``2018`` or ``2018-06``, year to date), value, unit, source, note; optionally the quality
(reported / preliminary / derived) and method (official / daily-derived). Headers may be the
Chinese ones of the template or the English keys. Every problem is collected and reported at
once as ``file:row:field: message``; nothing is written unless there is none.
"""

from __future__ import annotations

import difflib
import math
import re
from datetime import date, datetime

import pandas as pd

from ..core import clock
from ..core.exceptions import Reason, UnknownNameError
from ..plan.catalogue import Catalogue
from .ledger_files import COLUMNS, HEADER_ALIASES, Ledger, _Shown, _text, read_ledger, scales_by_100  # noqa: F401 - the public face
from .regions import city_code, regions, resolve
from .rules import LEDGER_METHODS, LEDGER_QUALITIES, Context, broken
from .store import FIGURE_COLUMNS
from .units import factor, normalise

PERIOD = re.compile(r"^(\d{4})(?:\s*[-/年.]\s*(\d{1,2})\s*月?)?$")
#: A number as a ledger may write it: one decimal point, thousands separators only in groups of three.
NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?$|^[+-]?\.\d+$")
DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})*,\d+$")


def parse_period(v: object) -> tuple[int, int] | None:
    """(year, month) from ``2018``, ``2018-06``, ``2018-6``, ``2018年6月`` or an Excel date; month 0 = the year."""
    if isinstance(v, (datetime, date)):
        return v.year, v.month
    if isinstance(v, _Shown):  # a number with decimals: clear only when shown as 2018.10
        if not re.fullmatch(r"\d{4}\.\d{2}", v.shown):
            return None
        v = v.shown
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if not float(v).is_integer():
            return None  # 2018.1: the user may have meant January or October; only text (or 2018.10 as shown) is clear
        v = str(int(v))
    text = _text(v)
    if re.fullmatch(r"\d{4}\.\d", text):
        return None  # 2018.1: how Excel saves 2018.10 as text; January or October? (as for the number)
    m = PERIOD.match(text)
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2) or 0)
    if m.group(2) is not None and month == 0:
        return None  # 2018-00 is no month, and not the year either
    return (year, month) if 0 <= month <= 12 else None


def parse_value(v: object) -> float | None:
    """A number from a cell: Excel numbers as they are (percent cells as the user sees them), text
    strictly (one decimal point; thousands separators only in groups of three); None otherwise."""
    if isinstance(v, bool):
        return None
    if isinstance(v, _Shown):
        v = v.value
    if isinstance(v, (int, float)):
        f = float(v)
    else:
        t = _text(v).replace("，", ",")
        if not t or not NUMBER.match(t):
            return None
        f = float(t.replace(",", ""))
    return f if math.isfinite(f) else None


def number_problem(text: str) -> str:
    """Why a text is not a number, as a hint for the person who typed it."""
    t = text.replace("，", ",")
    if DECIMAL_COMMA.match(t):
        return f"value {text!r} uses a decimal comma: write {t.replace('.', '').replace(',', '.')} (a point for decimals)"
    if re.fullmatch(r"[+-]?[\d,]+(\.\d+)?", t) and "," in t:
        return f"value {text!r}: thousands separators must group three digits (1,234,567.8), or leave them out"
    if re.fullmatch(r"[+-]?\d+(\.\d+){2,}", t):
        return f"value {text!r} has more than one decimal point"
    try:
        if not math.isfinite(float(t)):
            return f"value {text!r} is not a finite number"
    except ValueError:
        pass
    return f"value {text!r} is not a number"


#: How far outside a measure's known range a figure may lie before it is refused as implausible.
PLAUSIBLE_FACTOR = 100.0


def known_ranges(cat: Catalogue, figures: pd.DataFrame | None = None) -> dict[str, tuple[float, float]]:
    """(smallest, largest) magnitude each measure is known to take: the plan's own numbers (targets,
    implied bases) and the figures already stored. A measure with none has no range."""
    values: dict[str, list[float]] = {}
    for m in cat.measures:
        # levels only: a yearly "growth 8%" target says nothing about the size of the figures
        nums = [m.end_target.value if m.end_target.kind in ("level", "floor", "ceiling", "average") else None,
                *(t.value for t in m.yearly_targets if t.kind in ("level", "average")),
                m.implied_base.value if m.implied_base else None]
        if m.value_type != "rate":
            values[m.id] = [abs(float(v)) for v in nums if v is not None and v != 0]
    if figures is not None and len(figures):
        num = pd.to_numeric(figures["value"], errors="coerce").abs()
        for mid, g in num.groupby(figures["measure_id"]):
            if mid in values:
                values[mid].extend(float(v) for v in g if v == v and v != 0)
    return {mid: (min(v), max(v)) for mid, v in values.items() if v}


def implausible(m, value: float, region: str, ranges: dict[str, tuple[float, float]] | None) -> str:
    """Why a figure is implausible (empty when it is not): more than 100x above the measure's
    known range, or, for a city-wide figure, 100x below it (district and year-to-date figures are
    legitimately small)."""
    if not ranges or m.id not in ranges or not math.isfinite(value):
        return ""
    lo, hi = ranges[m.id]
    a = abs(value)
    if a > hi * PLAUSIBLE_FACTOR:
        return (f"{value:,.6g} {m.unit} is more than {PLAUSIBLE_FACTOR:g} times the largest value known for {m.id} "
                f"({hi:,.6g} {m.unit}): a unit or a typing slip? (万元 and 亿元 differ 10,000 times)")
    if region == city_code() and a != 0 and a < lo / PLAUSIBLE_FACTOR:
        return (f"{value:,.6g} {m.unit} is less than 1/{PLAUSIBLE_FACTOR:g} of the smallest value known for {m.id} "
                f"({lo:,.6g} {m.unit}): a unit or a typing slip?")
    return ""


def _cannot_be_zero(m, plausible: dict[str, tuple[float, float]] | None) -> bool:
    """A level whose known values are all well above zero (GDP, income, population …)."""
    return m.value_type != "rate" and bool(plausible) and m.id in plausible and plausible[m.id][0] > 0


def validate(led: Ledger, cat: Catalogue, plausible: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Check every row against the catalogue and the regions; return the figures (columns
    :data:`kpitrack.store.FIGURE_COLUMNS`), converted to catalogue units. ``plausible`` are the
    known ranges of :func:`known_ranges` (default: the plan's numbers). Problems go to
    ``led.problems``; the result is only meaningful when there are none."""
    if plausible is None:
        plausible = known_ranges(cat)
    out, seen = [], {}
    canon: list[dict[str, object]] = []
    rows_of: list[int] = []
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
        if m is not None and name and name not in (m.name_zh, m.name_en):
            led.problem(row, "measure_name", f"name {name!r} is not the name of {mid} ({m.name_zh})", Reason.INCONSISTENT)
        reg = resolve(_text(r.get("region")))
        if reg is None:
            led.problem(row, "region", f"unknown region {_text(r.get('region'))!r} (known: {region_names}, or their codes)",
                        Reason.UNKNOWN_REFERENCE)
        raw_period = r.get("period")
        period = parse_period(raw_period)
        number = raw_period.value if isinstance(raw_period, _Shown) else raw_period
        one_digit = re.fullmatch(r"(\d{4})\.(\d)", _text(raw_period))
        if period is None and isinstance(number, float) and not number.is_integer():
            led.problem(row, "period", f"period typed as the number {_text(raw_period)}: is it {int(number)}-01 or "
                                       f"{int(number)}-10? type the month as text, e.g. 2018-10", Reason.WRONG_TYPE)
        elif period is None and one_digit:
            y, d = one_digit.groups()
            led.problem(row, "period", f"period {_text(raw_period)!r}: is it {y}-0{d} or {y}-{d}0? (Excel saves 2018.10 "
                                       f"as 2018.1) type the month as 2018-10", Reason.WRONG_TYPE)
        elif period is None:
            led.problem(row, "period", f"period {_text(raw_period)!r} is not a year (2018) or a month (2018-06)", Reason.WRONG_TYPE)
        raw_value = r.get("value")
        value = parse_value(raw_value)
        if value is None:
            text = _text(raw_value)
            led.problem(row, "value", "value is empty" if not text else number_problem(text),
                        Reason.MISSING if not text else Reason.WRONG_TYPE)
        unit_in = normalise(_text(r.get("unit")))
        if isinstance(raw_value, _Shown) and raw_value.percent and unit_in not in ("%", ""):
            led.problem(row, "value", f"the cell is formatted as a percentage (it shows {raw_value.shown}) but the unit is "
                                      f"{unit_in!r}: format it as a number, or give the unit %", Reason.INCONSISTENT)
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
        unit_ok = m is not None and factor(unit_in, m.unit) is not None
        if unit_ok and value is not None and math.isfinite(value):
            if (problem := implausible(m, value, reg.code if reg else "", plausible)):
                led.problem(row, "value", problem, Reason.OUT_OF_RANGE)
            elif value == 0 and reg is not None and reg.code == city_code() and _cannot_be_zero(m, plausible):
                led.problem(row, "value", f"0 for the whole city's {mid}, which cannot be 0: 0 is often typed for "
                                          "'not known'; leave such a figure out (no row) instead", Reason.OUT_OF_RANGE)
        source = _text(r.get("source"))
        quality = _text(r.get("quality")) or "reported"
        method = _text(r.get("method")) or "official"
        known = r.get("known_from")
        written = _text(known)
        zh = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", written)  # as the reports write a date
        known_from = known.date().isoformat() if isinstance(known, datetime) else known.isoformat() if isinstance(known, date) \
            else f"{zh[1]}-{int(zh[2]):02d}-{int(zh[3]):02d}" if zh \
            else written[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", written) else written
        if known_from and known_from.lower() not in ("nat", "nan"):
            try:
                published = date.fromisoformat(known_from)
            except ValueError:
                led.problem(row, "known_from", f"known_from {known_from!r} is not a date YYYY-MM-DD or 2019年6月5日 (leave it empty: "
                                               "the date given with --known-from, else unknown)", Reason.WRONG_TYPE)
            else:
                if published > clock.today():
                    led.problem(row, "known_from", f"known_from {known_from} is in the future: a figure is published on a day "
                                                   "that has come", Reason.OUT_OF_RANGE)
                elif period is not None and published < date(period[0], max(period[1], 1), 1):
                    led.problem(row, "known_from", f"known_from {known_from} is before the period {_period_text(*period)} began: "
                                                   "no figure of it could be published then", Reason.INCONSISTENT)
        else:
            known_from = ""
        if m is not None and reg is not None and period is not None:
            # the same figure twice; one figure from two sources, or a revision (a later date), is two figures
            key = (m.id, reg.code, period, method, source, known_from)
            if key in seen:
                led.problem(row, "-", f"duplicate of row {seen[key]}: {m.id}, {reg.name_zh}, {_period_text(*period)}", Reason.DUPLICATE)
            seen.setdefault(key, row)
        # the figure as it would be stored (None where a cell could not be read: its problem is above),
        # checked against the rules every stored figure keeps
        canon.append({"measure_id": m.id if m is not None else None, "region": reg.code if reg is not None else None,
                      "period": _period_text(*period) if period is not None else None,
                      "value": value if value is not None and unit_ok else None, "unit": m.unit if unit_ok else None,
                      "quality": quality, "method": method, "source": source, "note": note, "known_from": known_from})
        rows_of.append(row)
        if m is not None and reg is not None and period is not None and value is not None:
            out.append({"measure_id": m.id, "region": reg.code, "period": _period_text(*period), "value": f"{value:.10g}",
                        "unit": m.unit, "quality": quality, "method": method, "source": source, "note": note, "known_from": known_from})
    ctx = Context(cat, frozenset(r.code for r in regions()), LEDGER_QUALITIES, LEDGER_METHODS, synthetic=None, stored=False)
    for i, rule, message in broken(pd.DataFrame(canon, columns=[*FIGURE_COLUMNS]), ctx):
        led.problem(rows_of[i], rule.column, message, rule.reason)
    led.problems.sort(key=lambda p: p.row if p.row is not None else -1)  # row by row, as the file reads
    return pd.DataFrame(out, columns=FIGURE_COLUMNS)


def _period_text(year: int, month: int) -> str:
    return f"{year}" if month == 0 else f"{year}-{month:02d}"

"""The special-targets ledger (重点专项目标台账) of a dataset: figures for Table 2's sub-targets that
no Table 1 measure holds, and the dates its milestones were reached, each with its source.

``data/actuals/<dataset>/special.csv`` has one row per figure: ``subtarget`` (Table 2's id, e.g.
S06.metro_km_2020), ``year`` (the year the figure is for), ``value`` (a number in the sub-target's
unit; for a milestone the day it was reached, YYYY-MM-DD), ``quality`` (reported / preliminary /
derived / synthetic), ``source``, ``known_from`` (the day the figure was published, YYYY-MM-DD) and
``note``. A later figure for the same sub-target and year (a revision) is a row of its own with a
later ``known_from``; what was known at a date is read with ``known_at``, as for the KPI figures.

A sub-target linked to a Table 1 measure (``measure:`` in ``special_targets.yaml``) takes that
measure's figures; a row for it here is refused, so one figure is never kept in two places.
A dataset without the file keeps no ledger, which the outputs say rather than showing nothing.
Every row is checked when read; a problem names the file, the row and the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.exceptions import Problem, Reason, ValidationError
from ..core.fileio import csv_records
from ..plan.catalogue import Catalogue, Subtarget
from ..plan.schema import plan_base_year, target_years
from .rules import LEDGER_QUALITIES
from .store.layout import LEDGER_KEYS

FILE = "special.csv"
#: A ledger row is replaced by a later one with the same sub-target, year and publication date.
KEY = LEDGER_KEYS["special"]
COLUMNS = ["subtarget", "year", "value", "quality", "source", "known_from", "note"]
#: kinds whose figures are numbers; a milestone's figure is a date; an assigned target has none
NUMERIC = ("level", "floor", "ceiling", "average", "ceiling_rank")
SYNTHETIC_SOURCE = "kpitrack.data.special（合成演示数据，非真实统计）"


@dataclass(frozen=True)
class SpecialLedger:
    path: Path
    rows: pd.DataFrame | None  # COLUMNS; year int, value float (NaN for milestones), reached (date str) ; None: no ledger

    @property
    def kept(self) -> bool:
        return self.rows is not None


def subtargets(cat: Catalogue) -> dict[str, Subtarget]:
    return {t.id: t for s in cat.special_targets for t in s.subtargets}


def read_special(folder: Path, cat: Catalogue, known_at: str | None = None, *, synthetic: bool = False) -> SpecialLedger:
    """The dataset's special-targets ledger, checked (a ValidationError lists every problem); with
    ``known_at``, only the figures known by that day."""
    path = Path(folder) / FILE
    from .plan_ledger_vintages import rows_known_at

    stored = rows_known_at(Path(folder), "special", KEY)  # every ingest; what was known when is in known_from
    if stored is None and not path.is_file():
        return SpecialLedger(path, None)
    records = stored if stored is not None else csv_records(path, ("subtarget", "year", "value", "quality", "source", "known_from"),
                                                           "the special-targets ledger")
    subs = subtargets(cat)
    qualities = LEDGER_QUALITIES + (("synthetic",) if synthetic else ())
    problems, rows, seen = [], [], {}
    for i, r in records:
        def bad(field: str, message: str, reason: Reason, row: int = i) -> None:
            problems.append(Problem(str(path), row, field, message, reason))

        t = subs.get(r["subtarget"])
        if t is None:
            bad("subtarget", f"{r['subtarget']!r} is not a sub-target of Table 2", Reason.UNKNOWN_REFERENCE)
        elif t.measure:
            bad("subtarget", f"{t.id} is measured by Table 1's {t.measure}: its figures go into the KPI ledger", Reason.INCONSISTENT)
        elif t.kind not in NUMERIC and t.kind != "milestone":
            bad("subtarget", f"{t.id} ({t.kind}) has no figure of its own to record", Reason.INCONSISTENT)
            t = None
        year = int(r["year"]) if (r["year"].isascii() and r["year"].isdigit()) else None
        if year is None or not plan_base_year() <= year <= target_years().stop - 1:
            bad("year", f"{r['year']!r} is not a year {plan_base_year()}-{target_years().stop - 1}", Reason.OUT_OF_RANGE)
        value, reached = math.nan, ""
        if t is not None and t.kind == "milestone":
            try:
                reached = date.fromisoformat(r["value"]).isoformat()
                if year is not None and int(reached[:4]) != year:
                    bad("value", f"reached on {reached}, not in the row's year {year}", Reason.INCONSISTENT)
            except ValueError:
                bad("value", f"a milestone's value is the day it was reached (YYYY-MM-DD), got {r['value']!r}", Reason.WRONG_TYPE)
        elif t is not None:
            from ..core.input_files import parse_number

            parsed = parse_number(r["value"])  # a decimal comma, a non-ASCII digit: refused, never misread
            if parsed is None:
                bad("value", f"{r['value']!r} is not a number (in {t.unit}; a decimal point, not a comma)", Reason.WRONG_TYPE)
            else:
                from ..core.input_files import value_refusal

                why = value_refusal(parsed, t.unit) or (f"{parsed:g}% is a share above 100%" if t.unit == "%" and t.kind in (
                    "floor", "ceiling") and parsed > 100 and (t.value or 0) <= 100 else None)
                if why:
                    bad("value", why, Reason.OUT_OF_RANGE)
                value = parsed
        if r["quality"] not in qualities:
            bad("quality", f"{r['quality']!r} is not one of {', '.join(qualities)}", Reason.NOT_ALLOWED)
        if not r["source"]:
            bad("source", "every figure needs its source", Reason.MISSING)
        try:
            known = date.fromisoformat(r["known_from"]).isoformat()
        except ValueError:
            bad("known_from", f"{r['known_from']!r} is not a date YYYY-MM-DD", Reason.WRONG_TYPE)
            known = ""
        key = (r["subtarget"], year, known)
        if key in seen:
            bad("subtarget", f"{r['subtarget']} {year} known from {known} is already recorded in row {seen[key]}", Reason.DUPLICATE)
        seen.setdefault(key, i)
        rows.append({"subtarget": r["subtarget"], "year": year, "value": value, "reached": reached, "quality": r["quality"],
                     "source": r["source"], "known_from": known, "note": r.get("note", "")})
    if problems:
        raise ValidationError(problems, "special-targets ledger validation")
    table = pd.DataFrame(rows, columns=["subtarget", "year", "value", "reached", "quality", "source", "known_from", "note"])
    if known_at:
        table = table[table["known_from"] <= known_at]
    return SpecialLedger(path, table.reset_index(drop=True))


def latest(ledger: SpecialLedger) -> pd.DataFrame:
    """One figure per sub-target and year: the one known last (a revision replaces what it revises)."""
    if ledger.rows is None or ledger.rows.empty:
        return pd.DataFrame(columns=ledger.rows.columns if ledger.rows is not None else COLUMNS)
    return (ledger.rows.sort_values(["subtarget", "year", "known_from"], kind="stable")
            .drop_duplicates(["subtarget", "year"], keep="last").reset_index(drop=True))


def groups(cat: Catalogue) -> list[list[Subtarget]]:
    """Sub-targets that measure one quantity (same special target, name and unit), by year: metro
    kilometres 2017, 2019, 2020, 2021 are one quantity with the plan's trajectory, and so are the
    towns' compliance shares of 2017 and 2018 ("以上") and 2019 ("为100%"), whatever the kind of each
    target. Figures of any of them are figures of the quantity: one figure a year, never two."""
    out: dict[tuple, list[Subtarget]] = {}
    for s in cat.special_targets:
        for t in s.subtargets:
            out.setdefault((s.id, t.name_zh, t.unit, t.kind == "milestone"), []).append(t)
    return [sorted(g, key=lambda t: t.year) for g in out.values()]


#: units of things counted one by one: synthetic figures are whole numbers
_WHOLE = ("所", "位", "起", "个", "家", "人", "期/年", "天")


def synthetic_special(cat: Catalogue, seed: int = 20160102) -> pd.DataFrame:
    """A synthetic ledger (fixed seed, labelled as such): for every numeric quantity of Table 2 without
    a Table 1 measure, yearly figures 2016-2020 on a path through its dated targets, each met within
    about ±8%; milestones reached mostly on time, a few late, some not (yet)."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in groups(cat):
        t = g[0]
        if t.measure or t.kind == "assigned":
            continue
        if t.kind == "milestone":
            for t in g:
                if rng.random() < 0.2:
                    continue  # not reached
                year = t.year + int(rng.choice([0, 0, 0, 1]))
                if year > 2021:
                    continue
                day = date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
                rows.append([t.id, year, day.isoformat(), "synthetic", SYNTHETIC_SOURCE, f"{year + 1}-01-31", "合成演示数据"])
            continue
        # the path: the targets of the quantity, each missed or beaten by a few per cent
        knots = {u.year: float(u.value) * (1 + rng.normal(0, 0.05)) for u in g}
        if all(u.value == 0 for u in g):  # "none" (无劣Ⅴ类, 不发生重大事故): mostly kept
            knots = {u.year: float(rng.choice([0, 0, 0, 1])) for u in g}
        first = min(knots)
        grows = t.unit in ("亿元", "家", "个", "公里", "人", "所", "万人")  # stocks built up over the plan
        start = knots[first] * (0.8 if grows else 0.95)
        xs, ys = [plan_base_year()] + sorted(knots), [start] + [knots[y] for y in sorted(knots)]
        whole = t.unit in _WHOLE
        for year in range(plan_base_year() + 1, min(max(knots), 2020) + 1):
            v = float(np.interp(year, xs, ys)) + rng.normal(0, abs(ys[-1]) * 0.01)
            v = max(0.0, min(v, 100.0) if t.unit == "%" else v)
            value = f"{v:.0f}" if whole else f"{v:.3f}" if abs(ys[-1]) < 1 else f"{v:.1f}"
            rows.append([t.id, year, value, "synthetic", SYNTHETIC_SOURCE, f"{year + 1}-01-31", "合成演示数据"])
    return pd.DataFrame(rows, columns=COLUMNS)

"""The rules every stored figure keeps, in one table.

A figure is a row of :data:`~kpitrack.data.store.FIGURE_COLUMNS` (measure, region, period, value in
the catalogue's unit, quality, method, source, known-from date). Each :class:`Rule` names the column
it is about, its reason code, a column-wise check (a dataset of thousands of rows is checked in
milliseconds) and the message for a row that breaks it. The same table is applied

- at ingest, to the figures a ledger's cells were parsed into (:func:`kpitrack.data.kpi_ledger.validate`,
  which reports them by the ledger's row, with the problems of reading the cells themselves:
  numbers, units, names, plausibility against known figures, duplicates), and
- at load, to every stored vintage (:func:`kpitrack.data.actuals.load_dataset`), where a hand edit
  could have broken what ingest checked.

A value of ``None`` in a column means "could not be read" (its reading problem is reported apart):
the rules about that column pass it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.exceptions import Reason
from ..plan.catalogue import Catalogue
from ..plan.schema import plan_base_year, plan_end_year

#: reported: as published; preliminary: to be revised; revised: a later figure for the same period
#: (set at ingest); derived: computed by someone; synthetic: generated (synthetic datasets only)
QUALITIES = ("reported", "preliminary", "revised", "derived", "synthetic")
#: what a ledger may say ("revised": a later figure the source itself calls revised, e.g. a revised
#: series; "synthetic" is only generated)
LEDGER_QUALITIES = ("reported", "preliminary", "revised", "derived")
#: official: published; computed: derived from published figures (kpitrack.data.derive);
#: daily-derived: computed from daily monitoring data; synthetic: generated
METHODS = ("official", "computed", "daily-derived", "synthetic")
LEDGER_METHODS = ("official", "computed", "daily-derived")

# the one rule table of the values a figure can take, shared with every other ledger's reader
from ..core.input_files import ANY_BOUND, NON_NEGATIVE_UNITS, RATE_BOUNDS, UNIT_BOUNDS  # noqa: E402,F401
from ..core.input_files import value_bounds as _value_bounds  # noqa: E402
PERIOD_FORMAT = r"\d{4}(-(0[1-9]|1[0-2]))?"
DATE_FORMAT = r"\d{4}-\d{2}-\d{2}"


def value_bounds(m) -> tuple[float, float, str]:
    """(lowest, highest, why) a figure of measure ``m`` can take, from its kind and unit (the one
    rule table: :func:`kpitrack.core.input_files.value_bounds`)."""
    return _value_bounds(m.unit, m.value_type)


def value_problem(m, value: float) -> str:
    """Why ``value`` is impossible for measure ``m`` (empty when it is not)."""
    lo, hi, why = value_bounds(m)
    if lo <= value <= hi:
        return ""
    if why == "percentage":
        return f"a percentage must lie in 0-100, got {value:g}"
    if why == "non-negative" and value < 0:
        return f"negative value {value:g} for {m.id} ({m.unit})"
    if m.unit == "天" and value > hi:
        return f"{value:g} days in a year"
    what = "a growth rate" if why == "rate" else f"a figure in {m.unit}"
    return f"{value:,.6g} is not possible for {what} ({m.id}): it must lie within {lo:g} to {hi:g}"


@dataclass(frozen=True)
class Context:
    """What the rules check a figure against."""

    cat: Catalogue
    region_codes: frozenset[str]
    qualities: tuple[str, ...] = QUALITIES
    methods: tuple[str, ...] = METHODS
    synthetic: bool | None = None   # the dataset's kind; None: not checked (a ledger's figures before storing)
    stored: bool = True             # stored figures carry their known-from date


@dataclass(frozen=True)
class Rule:
    column: str
    reason: Reason
    keeps: Callable[[pd.DataFrame, Context], pd.Series]  # True where a row keeps the rule
    message: Callable[[pd.Series, Context], str]


def _given(s: pd.Series) -> pd.Series:
    return s.notna()


def _known_measure(df, ctx):
    ids = {m.id for m in ctx.cat.measures}
    return ~_given(df["measure_id"]) | df["measure_id"].isin(ids)


def _unknown_measure_message(r, ctx):
    close = difflib.get_close_matches(str(r["measure_id"]), [m.id for m in ctx.cat.measures], n=1)
    return f"unknown KPI measure {r['measure_id']!r}" + (f" (did you mean {close[0]}?)" if close else "")


def _unit(df, ctx):
    unit_of = {m.id: m.unit for m in ctx.cat.measures}
    want = df["measure_id"].map(unit_of)
    return ~_given(df["unit"]) | want.isna() | (df["unit"] == want)


def _period(df, ctx):
    p = df["period"].astype(str)
    year = pd.to_numeric(p.str[:4], errors="coerce")
    return ~_given(df["period"]) | (p.str.fullmatch(PERIOD_FORMAT).fillna(False).astype(bool) & year.between(plan_base_year(), plan_end_year()))


def _period_message(r, ctx):
    p = str(r["period"])
    if not pd.Series([p]).str.fullmatch(PERIOD_FORMAT).iloc[0]:
        return f"period {p!r} is not a year (2018) or a month (2018-06)"
    return f"year {p[:4]} is outside the plan period {plan_base_year()}-{plan_end_year()}"


def _month(df, ctx):
    allowed = {m.id: frozenset(mm for mm in range(1, 13) if m.allows_month(mm)) for m in ctx.cat.measures}
    p = df["period"].astype(str)
    month = pd.to_numeric(p.str.extract(r"^\d{4}-(0[1-9]|1[0-2])$")[0], errors="coerce")  # a bad month is the rule above's
    ok = [mm != mm or mid not in allowed or int(mm) in allowed[mid] for mid, mm in zip(df["measure_id"], month)]
    return pd.Series(ok, index=df.index)


def _month_message(r, ctx):
    m = ctx.cat.measure(r["measure_id"])
    if not m.sub_annual:
        return f"monthly figure for {m.id}, which is reported yearly only"
    return f"{m.id} is quarterly: months 03, 06, 09 or 12 only, got {str(r['period'])[5:7]}"


def _numbers(df) -> pd.Series:
    return pd.to_numeric(df["value"], errors="coerce")


def _finite(df, ctx):
    v = _numbers(df)
    return ~_given(df["value"]) | (v.notna() & np.isfinite(v.fillna(0)))


def _finite_message(r, ctx):
    return f"value {r['value']!r} is not a finite number" + (f" in {r['unit']}" if r.get("unit") else "")


def _in_bounds(df, ctx):
    v = _numbers(df)
    bounds = {m.id: value_bounds(m)[:2] for m in ctx.cat.measures}
    lo = df["measure_id"].map(lambda k: bounds.get(k, (-math.inf, math.inf))[0])
    hi = df["measure_id"].map(lambda k: bounds.get(k, (-math.inf, math.inf))[1])
    return v.isna() | ~np.isfinite(v.fillna(0)) | ((v >= lo) & (v <= hi))


def _bounds_message(r, ctx):
    return value_problem(ctx.cat.measure(r["measure_id"]), float(r["value"]))


def _one_of(column: str, allowed: Callable[[Context], Iterable[str]]) -> Rule:
    return Rule(column, Reason.NOT_ALLOWED,
                lambda df, ctx: ~_given(df[column]) | df[column].isin(tuple(allowed(ctx))),
                lambda r, ctx: f"{r[column]!r} is not one of {', '.join(allowed(ctx))}")


#: Characters a reader never sees that change what a page shows: C0 and C1 controls (a tab and, in a
#: note, a line break aside) and the bidirectional overrides that reorder text (U+202A-E, U+2066-9).
_INVISIBLE = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def _visible(column: str):
    def test(df: pd.DataFrame, ctx) -> pd.Series:
        if column not in df:
            return pd.Series(True, index=df.index)
        return ~df[column].astype(str).str.contains(_INVISIBLE, regex=True).fillna(False).astype(bool)
    return test


def _invisible_message(column: str):
    def message(r, ctx) -> str:
        import re

        ch = re.search(_INVISIBLE, str(r[column])).group(0)
        return f"{column} holds an invisible control character U+{ord(ch):04X}, which can hide or reorder text on a page: remove it"
    return message


#: The rules, in the order their messages are given for one row.
RULES: tuple[Rule, ...] = (
    Rule("measure_id", Reason.UNKNOWN_REFERENCE, _known_measure, _unknown_measure_message),
    Rule("region", Reason.UNKNOWN_REFERENCE, lambda df, ctx: ~_given(df["region"]) | df["region"].isin(ctx.region_codes),
         lambda r, ctx: f"unknown region code {r['region']!r}"),
    Rule("period", Reason.OUT_OF_RANGE, _period, _period_message),
    Rule("period", Reason.NOT_ALLOWED, _month, _month_message),
    Rule("unit", Reason.INCONSISTENT, _unit,
         lambda r, ctx: f"unit {r['unit']!r} is not the catalogue unit {ctx.cat.measure(r['measure_id']).unit!r} of {r['measure_id']}"),
    Rule("value", Reason.WRONG_TYPE, _finite, _finite_message),
    Rule("value", Reason.OUT_OF_RANGE, _in_bounds, _bounds_message),
    Rule("source", Reason.MISSING, lambda df, ctx: ~_given(df["source"]) | (df["source"].astype(str).str.strip() != ""),
         lambda r, ctx: "every figure needs its source"),
    Rule("source", Reason.WRONG_TYPE, _visible("source"), _invisible_message("source")),
    Rule("note", Reason.WRONG_TYPE, _visible("note"), _invisible_message("note")),
    _one_of("quality", lambda ctx: ctx.qualities),
    _one_of("method", lambda ctx: ctx.methods),
    Rule("quality", Reason.INCONSISTENT,
         lambda df, ctx: pd.Series(True, index=df.index) if ctx.synthetic is None
         else ~_given(df["quality"]) | ((df["quality"] == "synthetic") == ctx.synthetic),
         lambda r, ctx: "synthetic figures belong in a dataset marked synthetic, and only there"),
    Rule("known_from", Reason.WRONG_TYPE,
         lambda df, ctx: pd.Series(True, index=df.index) if not ctx.stored
         else df["known_from"].astype(str).str.fullmatch(DATE_FORMAT).fillna(False).astype(bool),
         lambda r, ctx: f"{r['known_from']!r} is not a date YYYY-MM-DD"),
)


def broken(figures: pd.DataFrame, ctx: Context) -> list[tuple[object, Rule, str]]:
    """(row index, rule, message) for every rule every row breaks, row by row in the table's order."""
    if figures.empty:
        return []
    found: dict[object, list[tuple[Rule, str]]] = {}
    for rule in RULES:
        keeps = rule.keeps(figures, ctx).fillna(False).astype(bool)
        for i in figures.index[~keeps]:
            found.setdefault(i, []).append((rule, rule.message(figures.loc[i], ctx)))
    return [(i, rule, msg) for i in figures.index if i in found for rule, msg in found[i]]

"""The planned trajectory of a KPI measure, year by year from 2015 to 2020.

Rules (written down in docs/methods.md):

* Yearly levels stated in the plan (PM2.5 51/49/47/42, housing completions, ...) are used as given.
* A numeric end target is joined to the 2015 value (the actual figure, or the base the plan
  implies by its own arithmetic) by constant growth (``compound``) or constant increments
  (``linear``), and stated yearly levels are anchors on the way.
* Ceilings and floors ("below 5%", "at least 60 hours") are the bound in each year they apply.
* Rate measures (growth rates) take the stated rate of each year; an average over a period
  ("年均增长10%") applies to each year of the period.
* Flows with a cumulative target (housing: 228,000 units over 2016-2020) take the stated yearly
  flows; a year the plan leaves out gets the remainder of the cumulative target.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .catalogue import Measure
from .schema import plan_base_year, plan_end_year



def plan_years() -> list[int]:
    """The base year and the plan's years: the years of a trajectory."""
    return list(range(plan_base_year(), plan_end_year() + 1))

LEVEL_KINDS = ("level", "average")
BOUND_KINDS = ("floor", "ceiling")


def trajectory(m: Measure, base_value: float | None = None) -> pd.Series:
    """The planned value of ``m`` in each year 2015-2020 (NaN where the plan implies none).

    Parameters
    ----------
    m
        The measure.
    base_value
        The measure's 2015 actual, if known; otherwise the plan-implied base is used, if any.
    """
    out = pd.Series(np.nan, index=pd.Index(plan_years(), name="year"), dtype="float64", name=m.id)
    explicit = {y: t.value for t in m.yearly_targets if t.kind in LEVEL_KINDS + BOUND_KINDS and t.value is not None for y in t.years}
    end = m.end_target
    if m.value_type == "rate":
        if end.kind == "average" and end.value is not None:
            for y in end.years:
                out[y] = end.value
        for y, v in explicit.items():
            out[y] = v
        return out
    if m.value_type == "flow":
        for y, v in explicit.items():
            out[y] = v
        if end.kind == "cumulative" and end.value is not None:
            missing = [y for y in end.years if y not in explicit]
            if len(missing) == 1:
                out[missing[0]] = end.value - sum(explicit[y] for y in end.years if y in explicit)
        return out
    only_bounds = all(t.kind in BOUND_KINDS for t in m.yearly_targets if t.value is not None) and end.kind in BOUND_KINDS + ("qualitative", "assigned", "none")
    if only_bounds:
        for y, v in explicit.items():
            out[y] = v
        if end.kind in BOUND_KINDS and end.value is not None:
            out[end.year] = end.value
        return out
    anchors: dict[int, float] = {}
    base = base_value if base_value is not None and not math.isnan(base_value) else (m.implied_base.value if m.implied_base else None)
    if base is not None:
        anchors[plan_base_year()] = float(base)
    anchors.update({y: float(v) for y, v in explicit.items()})
    if end.kind in ("level", "floor", "ceiling") and end.value is not None:
        anchors[end.year] = float(end.value)
        if base is None:
            anchors.update({y: v for y, v in _backcast(m, float(end.value)).items() if y not in anchors})
    return _interpolate(out, anchors, m.growth_model)


def _backcast(m: Measure, end_value: float) -> dict[int, float]:
    """Without a 2015 value, walk back from the end target along the stated yearly growth or
    increments (e.g. 435万人次 in 2020 at 4% a year gives 402.2 in 2018)."""
    out: dict[int, float] = {}
    end_year = m.end_target.year
    for t in m.yearly_targets:
        if t.kind not in ("growth", "annual_increment") or t.value is None or end_year not in t.years:
            continue
        first = min(t.years)
        for y in range(end_year, first - 2, -1):
            k = end_year - y
            out[y] = end_value / (1 + t.value / 100) ** k if t.kind == "growth" else end_value - t.value * k
    return out


def _interpolate(out: pd.Series, anchors: dict[int, float], model: str) -> pd.Series:
    years = sorted(anchors)
    for y in years:
        out[y] = anchors[y]
    for a, b in zip(years, years[1:]):
        va, vb = anchors[a], anchors[b]
        for y in range(a + 1, b):
            f = (y - a) / (b - a)
            if model == "compound" and va > 0 and vb > 0:
                out[y] = va * (vb / va) ** f
            else:
                out[y] = va + (vb - va) * f
    return out


def cumulative_trajectory(m: Measure, base_value: float | None = None) -> pd.Series:
    """Running total of a flow measure's trajectory over its cumulative window (NaN outside)."""
    t = trajectory(m, base_value)
    window = m.end_target.years if m.end_target.kind == "cumulative" else ()
    out = pd.Series(np.nan, index=t.index, dtype="float64", name=m.id)
    total = 0.0
    for y in plan_years():
        if y in window:
            if math.isnan(t[y]):
                break
            total += t[y]
            out[y] = total
    return out

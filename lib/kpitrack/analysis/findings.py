"""What an evaluation concludes beyond each measure's verdict, as records for the pages to word:

* :func:`achievements`: 主要成效, the measures already at their end target or ahead of their
  trajectory, and what the plan's other tables show done (Table 2 sub-targets met, the
  rectification's satisfaction at the plan's level, standards issued on time);
* :func:`causes`: 原因分析 of each lagging measure, from its own figures: in which years it moved
  less than the trajectory asked (or missed the year's requirement), and the years without figures;
* :func:`adjustments`: 目标调整建议 of a mid-term, the targets out of reach by the forecast, with the
  probability band and where the forecast puts the end year.

Each rests on the verdicts (:mod:`.verdict`): a measure is lagging, ahead or out of reach by the
same record on every page. Words are made in ``publish``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..core.labels import Status
from ..data.actuals import Dataset, kpi_series
from ..plan.catalogue import Catalogue
from ..plan.model import Measure
from ..plan.trajectory import trajectory
from .progress import meets
from .verdict import Verdicts

#: A measure whose progress ratio is at least this is "ahead" of its trajectory (快于进度).
AHEAD = 1.1
#: Probability bands of :func:`adjustments`: below the first the target is out of reach, below the
#: second very hard; from there to one half the advice is to speed up. Pages say a chance in the
#: words of :func:`kpitrack.analysis.outlook.probability_band`, the same everywhere.
OUT_OF_REACH, VERY_HARD = 0.1, 0.3


@dataclass(frozen=True)
class Achievements:
    year: int
    achieved: tuple[str, ...]  # measure ids at their end target already (已实现)
    ahead: tuple[tuple[str, float], ...]  # (measure id, progress ratio) of those ahead of trajectory
    special_met: int | None  # Table 2 sub-targets due by the year and met on time (None: no ledger)
    special_due: int | None
    satisfaction: float | None  # Table 3's satisfaction when at the plan's level, else None
    standards_issued: int | None  # Table 5 standards due by the year and issued
    standards_due: int | None
    #: ahead of trajectory, yet listed among the measures whose chance of the end target is below one
    #: half (not counted as an achievement: said beside the count, so that no annex row is unexplained)
    ahead_doubtful: tuple[str, ...] = ()


def achievements(cat: Catalogue, ds: Dataset, v: Verdicts, year: int) -> Achievements:
    from .plan_wide import plan_wide

    achieved = tuple(m.id for m in cat.measures if v[m.id].status.status == Status.ACHIEVED)
    fast = [m.id for m in cat.measures if v[m.id].status.status == Status.ON_TRACK and v[m.id].status.ratio is not None
            and math.isfinite(v[m.id].status.ratio) and v[m.id].status.ratio >= AHEAD]
    ahead = tuple((i, float(v[i].status.ratio)) for i in fast if not v[i].listed_as_miss)
    doubtful = tuple(i for i in fast if v[i].listed_as_miss)
    pw = plan_wide(cat, ds, year)
    sat = pw.satisfaction if pw.satisfaction is not None and not pw.satisfaction_short else None
    issued = None if pw.standards_due is None else pw.standards_due - (pw.standards_overdue or 0)
    return Achievements(year, achieved, tuple(sorted(ahead, key=lambda t: -t[1])), pw.special_met, pw.special_due, sat,
                        issued, pw.standards_due, doubtful)


@dataclass(frozen=True)
class Step:
    """One year of a lagging measure: what it did and what the trajectory asked of that year."""

    year: int
    actual: float  # a growth rate (compound), a change (linear), or the year's value (rates, flows, bounds)
    required: float
    behind: bool


@dataclass(frozen=True)
class Cause:
    """原因分析 of one lagging measure, from its figures."""

    measure_id: str
    kind: str  # "growth" (rate of change per year), "level" (each year's value against the year's), "none"
    model: str  # compound / linear (growth); the unit's own (level)
    direction: str
    unit: str
    steps: tuple[Step, ...]
    missing_years: tuple[int, ...]  # plan years up to the year evaluated without a figure
    #: growth: the last year's level and the trajectory's for it, so that a year at the speed asked
    #: is never read as on track when the level is still short (the status judges the level)
    last: Step | None = None

    @property
    def behind_years(self) -> tuple[int, ...]:
        return tuple(s.year for s in self.steps if s.behind)


def _lagging(v: Verdicts, mid: str) -> bool:
    return v[mid].status.status in (Status.OFF_TRACK, Status.AT_RISK) or v[mid].listed_as_miss and not v[mid].outlook.already_met


def causes(cat: Catalogue, ds: Dataset, v: Verdicts, year: int) -> dict[str, Cause]:
    """原因分析 of every lagging measure (进度滞后, 存在风险, or listed as 达标概率不足五成), by measure id."""
    return {m.id: cause_of(cat, ds, m.id, year) for m in cat.measures if _lagging(v, m.id)}


def cause_of(cat: Catalogue, ds: Dataset, measure_id: str, year: int) -> Cause:
    """原因分析 of one measure up to ``year`` (the final evaluation asks it of every target missed)."""
    from ..plan.schema import plan_base_year

    m = cat.measure(measure_id)
    s = kpi_series(ds, m.id, as_of=year)
    have = {int(p): float(x) for p, x in zip(s["period"], s["value"])} if len(s) else {}
    missing = tuple(y for y in range(plan_base_year() + 1, year + 1) if y not in have)
    return _cause(m, have, missing)


@dataclass(frozen=True)
class PeriodRate:
    """A measure's average yearly change over the plan period against what its target asked."""

    measure_id: str
    model: str  # compound / linear
    first: int
    last: int
    actual: float
    required: float


def period_rate(cat: Catalogue, ds: Dataset, measure_id: str, year: int) -> PeriodRate | None:
    """From the first figure of the plan period (the base year's, or the earliest) to the last up to
    ``year``: the actual yearly change and the one the end target asked from the same start; None
    for a measure without a level target and two figures."""
    m = cat.measure(measure_id)
    end = m.end_target
    if m.value_type in ("rate", "flow") or end.kind != "level" or end.value is None:
        return None
    s = kpi_series(ds, m.id, as_of=year)
    if len(s) < 2:
        return None
    years = [int(p) for p in s["period"]]
    first, last = years[0], years[-1]
    a, b, t = float(s["value"].iloc[0]), float(s["value"].iloc[-1]), float(end.value)
    n, n_end = last - first, end.year - first
    if n <= 0 or n_end <= 0:
        return None
    if m.growth_model == "compound":
        if a <= 0 or b <= 0 or t <= 0:
            return None
        return PeriodRate(m.id, "compound", first, last, (b / a) ** (1 / n) - 1, (t / a) ** (1 / n_end) - 1)
    return PeriodRate(m.id, "linear", first, last, (b - a) / n, (t - a) / n_end)


def _cause(m: Measure, have: dict[int, float], missing: tuple[int, ...]) -> Cause:
    from ..plan.schema import plan_base_year

    base = have.get(plan_base_year())
    traj = trajectory(m, base)
    years = sorted(have)
    per_year = m.value_type in ("rate", "flow") or m.growth_model not in ("compound", "linear")
    steps = []
    if per_year or all(t.kind in ("floor", "ceiling") for t in m.yearly_targets if t.value is not None) and m.end_target.kind in ("floor", "ceiling"):
        for y in years:
            want = traj.get(y)
            if want is not None and not pd.isna(want):
                steps.append(Step(y, have[y], float(want), not meets(have[y], float(want), m.direction)))
        return Cause(m.id, "level" if steps else "none", "", m.direction, m.unit, tuple(steps), missing)
    for a, b in zip(years, years[1:]):
        ta, tb = traj.get(a), traj.get(b)
        if ta is None or tb is None or pd.isna(ta) or pd.isna(tb) or have[a] == 0 or ta == 0:
            continue
        n = b - a
        if m.growth_model == "compound":
            if have[a] <= 0 or have[b] <= 0 or ta <= 0 or tb <= 0:
                continue
            actual, required = (have[b] / have[a]) ** (1 / n) - 1, (tb / ta) ** (1 / n) - 1
        else:
            actual, required = (have[b] - have[a]) / n, (tb - ta) / n
        slower = actual < required if m.direction == "higher" else actual > required
        # a year fell behind when it left the level short of the path's level for it: a slow year
        # that keeps the level at or beyond the path (after a fast one) is not behind, as the status,
        # which judges the level against the path, does not call it so
        behind = slower and not meets(have[b], float(tb), m.direction)
        steps.append(Step(b, actual, required, behind))
    last = None
    judged = [y for y in years if traj.get(y) is not None and not pd.isna(traj.get(y))]
    if steps and judged:  # the latest year the trajectory sets a level for, as the status judges it
        y = judged[-1]
        last = Step(y, have[y], float(traj[y]), not meets(have[y], float(traj[y]), m.direction))
    return Cause(m.id, "growth" if steps else "none", m.growth_model, m.direction, m.unit, tuple(steps), missing, last)


@dataclass(frozen=True)
class Adjustment:
    """A target the forecast puts out of reach (目标调整建议 of a mid-term)."""

    measure_id: str
    band: str  # "out_of_reach" (< OUT_OF_REACH) or "very_hard" (< VERY_HARD)
    probability: float


def adjustments(cat: Catalogue, v: Verdicts) -> list[Adjustment]:
    """The measures listed as 达标概率不足五成 whose probability of meeting the end target is below
    :data:`VERY_HARD` and which have not met it already: the mid-term is where targets are revised."""
    out = []
    for m in cat.measures:
        o = v[m.id].outlook
        if v[m.id].listed_as_miss and not o.already_met and o.probability is not None and o.probability < VERY_HARD:
            out.append(Adjustment(m.id, "out_of_reach" if o.probability < OUT_OF_REACH else "very_hard", float(o.probability)))
    return out

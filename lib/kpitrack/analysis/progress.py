"""Progress status of every KPI measure and KPI at an as-of year (method: docs/methods.md).

The chain is small and pure: observations -> comparable base and latest -> growth ->
ratio to what is required -> status. Every "cannot assess" carries a reason.
"""

from __future__ import annotations

import dataclasses

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from ..data.actuals import Dataset, FigureSource, kpi_series
from ..core.labels import SEVERITY, UNJUDGED, Status, status_label
from ..plan.catalogue import Catalogue, Measure
from ..plan.schema import plan_base_year, plan_end_year
from ..plan.trajectory import cumulative_trajectory, trajectory

#: open-sdg cut-offs on the ratio of observed to required progress.
ON_TRACK_RATIO = 0.95
AT_RISK_RATIO = 0.60
#: For comparisons of a level with a yearly target: short by less than this share is "at risk".
YEARLY_TOLERANCE = 0.05
ZERO = 0.001  # open-sdg: zero base or target replaced by 0.001 in growth rates


@dataclass(frozen=True)
class MeasureStatus:
    """The assessed status of one measure at ``as_of``, with what it rests on."""

    measure_id: str
    kpi_id: str
    as_of: int
    status: Status
    method: str
    reason: str  # the reason's code (core.vocabulary.REASONS): pages make its words
    latest_year: int | None = None
    latest_value: float | None = None
    latest_quality: str | None = None
    latest_method: str | None = None
    latest_source: str | None = None
    latest_note: str | None = None  # the figure's own note (预计, 左右 ...: what kind of figure it is)
    base_year: int | None = None
    base_value: float | None = None
    trajectory_value: float | None = None
    #: the year of ``trajectory_value``: the year judged (the latest figure's, or the year the plan last
    #: gave a number for), the year evaluated when there is no figure
    trajectory_year: int | None = None
    target_value: float | None = None
    ratio: float | None = None
    #: what the reason rests on (years, figures, the plan's words), for its words and for programs
    facts: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def reason_en(self) -> str:
        """The reason in English (:mod:`kpitrack.core.vocabulary_en`, from the same code and facts)."""
        from ..core.vocabulary_en import status_reason_en

        return status_reason_en(self.reason, self.facts)

    @property
    def reason_zh(self) -> str:
        """The reason in the reader's words (made by :mod:`kpitrack.core.vocabulary`, the one place)."""
        from ..core.vocabulary import status_reason_zh

        return status_reason_zh(self.reason, self.facts)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("latest_note")  # the figure's working note stays with its record (the pages print what it says of the figure)
        d["status"] = self.status.value
        facts = d.pop("facts")
        d["reason_zh"] = self.reason_zh
        d["facts"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in facts.items()}
        return d


@dataclass(frozen=True)
class KPIStatus:
    kpi_id: str
    as_of: int
    status: Status
    measures: tuple[MeasureStatus, ...]

    @property
    def label_zh(self) -> str:
        return status_label(self.status, "zh")


def band(ratio: float) -> Status:
    """open-sdg bands: >= 0.95 on track, 0.60-0.95 at risk, below (limited or backwards) off track."""
    if ratio >= ON_TRACK_RATIO:
        return Status.ON_TRACK
    if ratio >= AT_RISK_RATIO:
        return Status.AT_RISK
    return Status.OFF_TRACK


def growth(base: float, latest: float, years: int, model: str) -> float:
    """Average yearly change: compound (CAGR) or linear (increment per year)."""
    if years <= 0:
        raise ValueError("growth needs at least one year between base and latest")
    if model == "compound":
        b, x = (base if base != 0 else ZERO), (latest if latest != 0 else ZERO)
        if b < 0 or x < 0:
            raise ValueError("compound growth needs base and latest of the same, positive sign")
        return (x / b) ** (1 / years) - 1
    return (latest - base) / years


def meets(value: float, target: float, direction: str, strict: bool = False) -> bool:
    if direction == "higher":
        return value > target if strict else value >= target
    return value < target if strict else value <= target


def _status(common: dict, status: Status, method: str, reason: str, **facts) -> MeasureStatus:
    """A status with its reason as a code and the facts it rests on (the words: core.vocabulary)."""
    return MeasureStatus(**common, status=status, method=method, reason=reason, facts=facts)


def _facts(row: pd.Series) -> dict:
    """What a figure's row says of it besides its value: its kind, method, source and note."""
    note = row["note"] if "note" in row.index and isinstance(row["note"], str) else ""
    return {"latest_quality": str(row["quality"]), "latest_method": str(row["method"]), "latest_source": str(row["source"]),
            "latest_note": note}


def assess_measure(m: Measure, obs: FigureSource, as_of: int) -> MeasureStatus:
    """Status of one measure from the dataset's observations (all regions; the city is used)."""
    s = kpi_series(obs, m.id, as_of=as_of)
    base_actual = s.loc[s["period"] == plan_base_year(), "value"]
    traj = trajectory(m, float(base_actual.iloc[0]) if len(base_actual) else None)
    now = min(as_of, plan_end_year())
    common = {"measure_id": m.id, "kpi_id": m.kpi_id, "as_of": as_of, "trajectory_value": _num(traj.get(now)),
              "trajectory_year": now, "target_value": m.end_target.value}
    if s.empty:
        if not _has_numeric_target(m):
            return _no_target(m, common)
        return _status(common, Status.INSUFFICIENT, "none", "no_figures", as_of=as_of)
    last = s.iloc[-1]
    ly = int(last["period"])
    # the figure shown beside the trajectory is of the same year: the year judged
    common.update(latest_year=ly, latest_value=float(last["value"]), **_facts(last),
                  trajectory_value=_num(traj.get(min(ly, plan_end_year()))), trajectory_year=min(ly, plan_end_year()))
    st = _judge(m, s, traj, as_of, common)
    if st.status == Status.INSUFFICIENT:  # nothing judged: the year evaluated's value is the one to show
        st = dataclasses.replace(st, trajectory_value=_num(traj.get(now)), trajectory_year=now)
    return _dated(st, as_of)


def _judge(m: Measure, s: pd.DataFrame, traj: pd.Series, as_of: int, common: dict) -> MeasureStatus:
    kind = m.end_target.kind
    if kind in ("level", "floor"):
        return _assess_level(m, s, traj, common)
    if kind == "ceiling":
        return _assess_ceiling(m, s, as_of, common)
    if kind == "cumulative":
        return _assess_cumulative(m, s, as_of, common)
    if kind == "average":
        return _assess_average(m, s, as_of, common)
    return _assess_yearly(m, s, as_of, common)


def _dated(st: MeasureStatus, as_of: int) -> MeasureStatus:
    """A judgement that rests on a figure older than the year evaluated says so."""
    ly = st.latest_year
    if ly is None or ly >= as_of or st.status in (Status.INSUFFICIENT, Status.NO_TARGET) or "later" in st.facts:
        return st
    return dataclasses.replace(st, facts={**st.facts, "dated_from": ly, "as_of": as_of})


def _assess_level(m: Measure, s: pd.DataFrame, traj: pd.Series, common: dict) -> MeasureStatus:
    t = m.end_target
    latest, ly = common["latest_value"], common["latest_year"]
    if meets(latest, t.value, m.direction, t.strict):
        early = ly < t.year  # a level can fall back: met early is to be kept, and watched
        return _status(common, Status.ACHIEVED, "target_met", "met", year=ly, target_year=t.year, early=early)
    same = s[(s["method"] == common["latest_method"]) & (s["period"] < ly)]
    implied = False
    if len(same):
        base_year, base_value = int(same.iloc[0]["period"]), float(same.iloc[0]["value"])
    elif m.implied_base is not None and ly > m.implied_base.year:
        base_year, base_value, implied = m.implied_base.year, m.implied_base.value, True
    elif ly == plan_base_year():
        return _status(common, Status.INSUFFICIENT, "none", "base_only", base_year=plan_base_year())
    else:
        return _single_point(m, common, traj, "one_point")
    try:
        r_obs = growth(base_value, latest, ly - base_year, m.growth_model)
        r_req = growth(base_value, t.value, t.year - base_year, m.growth_model)
    except ValueError as exc:
        return _status({**common, "base_year": base_year, "base_value": base_value}, Status.INSUFFICIENT, "none", "no_growth",
                       error=str(exc))
    based = {**common, "base_year": base_year, "base_value": base_value}
    if m.sign * r_req <= 0:  # the base already met the target, and the latest no longer does
        return _status(based, Status.OFF_TRACK, "moved_away", "moved_away", base_year=base_year, year=ly, implied_base=implied)
    # the pace asked by the plan's own path to the latest year (its stated yearly levels: PM2.5
    # 51/49/47), so that the status never contradicts the trajectory value shown beside the figure
    path = common.get("trajectory_value") if ly < t.year and common.get("trajectory_year") == ly else None
    if path is not None and base_year < ly:
        try:
            r_path = growth(base_value, path, ly - base_year, m.growth_model)
        except ValueError:
            r_path = 0.0
        if m.sign * r_path > 0 and not math.isclose(r_path, r_req, rel_tol=1e-6, abs_tol=1e-12):
            r_req = r_path  # a path bent by stated yearly levels; a straight one asks the same pace as the end target
        else:
            path = None
    else:
        path = None
    ratio = m.sign * r_obs / abs(r_req)
    if path is not None and meets(latest, path, m.direction):
        ratio = max(ratio, 1.0)  # at or beyond the path's value of the year: on pace, whatever the rounding of rates
    # a measure meant to fall is read in its own direction: a rate of decline, a yearly reduction
    return _status({**based, "ratio": ratio}, band(ratio), f"ratio_{m.growth_model}", "ratio", base_year=base_year, year=ly,
                   ratio=ratio, model=m.growth_model, direction=m.direction, implied_base=implied, path=path, unit=m.unit)


def _single_point(m: Measure, common: dict, traj: pd.Series, why: str) -> MeasureStatus:
    ly = common["latest_year"]
    tv = _num(traj.get(ly))
    if tv is None:
        return _status(common, Status.INSUFFICIENT, "none", "single_no_trajectory", why=why, year=ly)
    latest = common["latest_value"]
    if meets(latest, tv, m.direction):
        return _status(common, Status.ON_TRACK, "vs_trajectory", "single_meets_trajectory", why=why, year=ly, trajectory=tv, unit=m.unit)
    gap = abs(latest - tv) / abs(tv) if tv else math.inf
    status = Status.AT_RISK if gap < YEARLY_TOLERANCE else Status.OFF_TRACK
    return _status(common, status, "vs_trajectory", "single_short", why=why, year=ly, trajectory=tv, gap=gap, unit=m.unit)


def strict_bound(text_zh: str, strict: bool = False) -> bool:
    """Whether a bound excludes its own value: the plan's 严格 flag, or its words (“低于5%”, “高于”;
    “不高于25”, “以内” include it)."""
    return strict or ("低于" in text_zh and "不低于" not in text_zh) or ("高于" in text_zh and "不高于" not in text_zh)


def _assess_ceiling(m: Measure, s: pd.DataFrame, as_of: int, common: dict) -> MeasureStatus:
    """A ceiling: before the end year, the latest year against that year's own ceiling when the plan
    gives one (a path down to the end target), else against the end target; from the end year on,
    against the end target. Strict or not as the plan says it (:func:`strict_bound`)."""
    t, latest, ly = m.end_target, common["latest_value"], common["latest_year"]
    yearly = m.yearly_target_for(ly) if ly < t.year else None
    if yearly is not None and yearly.value is not None and yearly.kind in ("ceiling", "level") and yearly.value != t.value:
        strict = strict_bound(yearly.text_zh)
        ok = meets(latest, yearly.value, m.direction, strict=strict)
        return _status({**common, "trajectory_value": yearly.value}, Status.ON_TRACK if ok else Status.OFF_TRACK, "yearly_bound",
                       "yearly_bound", year=ly, value=latest, bound=yearly.value, text=yearly.text_zh, strict=strict, ok=ok, unit=m.unit)
    strict = strict_bound(t.text_zh, t.strict)
    ok = meets(latest, t.value, m.direction, strict=strict)
    # met before the end year: 提前达到, to be kept (as a level met early), not merely on track
    return _status(common, Status.ACHIEVED if ok else Status.OFF_TRACK, "bound", "end_bound", year=ly, value=latest, bound=t.value,
                   strict=strict, ok=ok, early=ly < t.year, target_year=t.year, unit=m.unit)


def _assess_cumulative(m: Measure, s: pd.DataFrame, as_of: int, common: dict) -> MeasureStatus:
    t = m.end_target
    window = [y for y in t.years if y <= as_of]
    have = dict(zip(s["period"].astype(int), s["value"].astype(float)))
    missing = [y for y in window if y not in have]
    if not window or missing:
        return _status(common, Status.INSUFFICIENT, "none", "cumulative_missing", missing=missing)
    done = sum(have[y] for y in window)
    cum = cumulative_trajectory(m)
    required = _num(cum.get(window[-1]))
    # the figure judged is the sum so far, against the trajectory's sum to the same year (never one year's)
    common = {**common, "latest_value": done, "trajectory_value": required}
    if done >= t.value:
        return _status(common, Status.ACHIEVED, "cumulative", "cumulative_met", first=window[0], last=window[-1], done=done,
                       target=t.value, unit=m.unit)
    if required is None or required <= 0:
        return _status(common, Status.INSUFFICIENT, "none", "no_cumulative_trajectory")
    ratio = done / required
    return _status({**common, "ratio": ratio}, band(ratio), "cumulative", "cumulative_ratio", first=window[0], last=window[-1],
                   done=done, required=required, ratio=ratio, unit=m.unit)


def _assess_average(m: Measure, s: pd.DataFrame, as_of: int, common: dict) -> MeasureStatus:
    t = m.end_target
    vals = s[s["period"].isin([y for y in t.years if y <= as_of])]["value"]
    if vals.empty:
        return _status(common, Status.INSUFFICIENT, "none", "average_none", first=t.years[0])
    mean = float(vals.mean())
    complete = as_of >= t.years[-1] and len(vals) == len(t.years)
    if complete and meets(mean, t.value, m.direction):
        return _status({**common, "ratio": mean / t.value}, Status.ACHIEVED, "average", "average_met", value=mean, target=t.value,
                       unit=m.unit)
    return _level_vs_target(common, m, mean, t.value, {"what": "mean_so_far", "n": len(vals), "value": mean, "target": t.value,
                                                       "unit": m.unit}, "average")


def _assess_yearly(m: Measure, s: pd.DataFrame, as_of: int, common: dict) -> MeasureStatus:
    numeric = [t for t in m.yearly_targets if t.value is not None and t.kind in ("level", "average", "floor", "ceiling")]
    have = dict(zip(s["period"].astype(int), s["value"].astype(float)))
    for t in reversed(numeric):
        years = [y for y in t.years if y <= as_of and y in have]
        if not years:
            continue
        if t.kind in ("floor", "ceiling"):
            years = years[-1:]  # a bound must hold in every year: judge the latest one
        value = sum(have[y] for y in years) / len(years)
        judged = {**common, "trajectory_value": t.value, "trajectory_year": years[-1]}
        later: dict = {}
        ly = common["latest_year"]
        if years[-1] < ly:
            # a later figure whose year has no number in the plan (完成市政府下达指标): the row shows
            # the year judged, and the words say what came after
            lt = m.yearly_target_for(ly)
            judged.update(latest_year=years[-1], latest_value=have[years[-1]],
                          **_facts(s[s["period"].astype(int) == years[-1]].iloc[-1]))  # that year's figure's own kind and source
            later = {"later": {"year": ly, "value": have[ly], "text": lt.text_zh if lt is not None else ""}}
        if t.kind in ("floor", "ceiling"):
            ok = meets(value, t.value, m.direction)
            return _status(judged, Status.ON_TRACK if ok else Status.OFF_TRACK, "yearly_bound",
                           "yearly_requirement", what="requirement", years=years, value=value, text=t.text_zh, ok=ok, unit=m.unit,
                           target=t.value, **later)
        return _level_vs_target(judged, m, value, t.value,
                                {"years": years, "value": value, "text": t.text_zh, "unit": m.unit, "target": t.value, **later}, "yearly")
    if numeric:
        t = numeric[-1]
        ly = common["latest_year"]
        lt = m.yearly_target_for(ly)
        later = {"later": {"year": ly, "value": have[ly], "text": lt.text_zh if lt is not None else ""}} \
            if ly is not None and ly > max(t.years) and ly in have else {}
        return _status(common, Status.INSUFFICIENT, "none", "yearly_no_figures", years=list(t.years), text=t.text_zh, unit=m.unit,
                       **later)
    return _no_target(m, common)


def _has_numeric_target(m: Measure) -> bool:
    """Whether the plan gives the measure a number to judge it by (at the end or in some year)."""
    if m.end_target.value is not None and m.end_target.kind in ("level", "floor", "ceiling", "cumulative", "average"):
        return True
    return any(t.value is not None and t.kind in ("level", "average", "floor", "ceiling") for t in m.yearly_targets)


def _no_target(m: Measure, common: dict) -> MeasureStatus:
    """无量化目标, in the plan's own words."""
    if m.end_target.kind == "none":
        return _status(common, Status.NO_TARGET, "none", "tracked_only")
    return _status(common, Status.NO_TARGET, "none", "no_target_plan", text=m.end_target.text_zh)


def _level_vs_target(common: dict, m: Measure, value: float, target: float, what: dict, method: str) -> MeasureStatus:
    if meets(value, target, m.direction):
        return _status({**common, "ratio": value / target if target else None}, Status.ON_TRACK, method, "level_met", **what)
    if m.value_type == "rate" and target > 0 and m.direction == "higher":
        # a growth rate against a required growth rate: the open-sdg ratio itself
        ratio = value / target
        return _status({**common, "ratio": ratio}, band(ratio), method, "rate_ratio", ratio=ratio, **what)
    gap = abs(value - target) / abs(target) if target else math.inf
    status = Status.AT_RISK if gap < YEARLY_TOLERANCE else Status.OFF_TRACK
    return _status({**common, "ratio": value / target if target else None}, status, method, "level_short", gap=gap,
                   **{"target": target, **what})


def combine(statuses: list[MeasureStatus]) -> Status:
    """A KPI's status: the least favourable of its assessed measures; if none is assessed, 数据不足
    when some measure has a numeric target but too few figures, else 无量化目标."""
    assessed = [s.status for s in statuses if s.status not in UNJUDGED]
    if not assessed:
        return Status.INSUFFICIENT if any(s.status == Status.INSUFFICIENT for s in statuses) else Status.NO_TARGET
    return max(assessed, key=lambda st: SEVERITY[st])


def assess(cat: Catalogue, ds: Dataset, as_of: int) -> list[KPIStatus]:
    """Status of every KPI of the catalogue at ``as_of`` on dataset ``ds``."""
    if not plan_base_year() < as_of <= plan_end_year() + 5:
        raise ValueError(f"as_of must be a year after {plan_base_year()} (the plan runs 2016-{plan_end_year()}), got {as_of}")
    out = []
    for k in cat.kpis:
        ms = tuple(assess_measure(m, ds, as_of) for m in k.measures)
        out.append(KPIStatus(k.id, as_of, combine(list(ms)), ms))
    return out


def _num(v: object) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else f

"""The final evaluation (终期评估): was each target met at the end of the plan, and what did the
mid-term evaluation foresee?

:func:`final_outcome` judges a measure against its end-of-plan target with the figures of the
target year(s): 实现 (met), 未实现 (missed) or 数据不足 (not enough figures), with the reason. A
measure whose end target has no number is judged by its yearly target for the last year, if that
has one. Figures of one kind only (official, or derived from daily data, or computed): official
figures are tried first, and kinds are never mixed in one judgement.

:func:`retrospective` sets the forecast for the target year made at a mid-term as-of year (with
the data as known then) against what happened, and :func:`calibration_summary` says how often the
80% intervals held the outcome and how good the probabilities of meeting the target were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.labels import fmt
from ..data.actuals import Dataset, FigureSource, kpi_series
from ..plan.catalogue import Catalogue, Measure
from ..plan.schema import plan_end_year
from .outlook import _history, outlook
from .progress import MeasureStatus, meets

ACHIEVED, MISSED, INSUFFICIENT, NO_TARGET = "achieved", "missed", "insufficient", "no_target"
OUTCOME_ZH = {ACHIEVED: "实现", MISSED: "未实现", INSUFFICIENT: "数据不足", NO_TARGET: "无量化目标"}
OUTCOMES = (ACHIEVED, MISSED, INSUFFICIENT, NO_TARGET)
#: "左右" (about) in a target: within this share of the target counts as met
ABOUT = 0.02


@dataclass(frozen=True)
class FinalOutcome:
    measure_id: str
    kpi_id: str
    outcome: str  # achieved | missed | insufficient
    reason_zh: str
    value: float | None = None  # the quantity judged: the target year's figure, a sum or an average
    target: float | None = None
    target_text_zh: str = ""
    method: str = ""
    quality: str = ""
    source: str = ""
    #: what was judged: the kind of target (level, floor, ceiling, cumulative, average) and its years
    kind: str = ""
    years: tuple[int, ...] = ()

    @property
    def outcome_zh(self) -> str:
        return OUTCOME_ZH[self.outcome]


def deciding_digits(value: float, target: float, unit: str) -> tuple[str, str]:
    """The value and the target as shown, with as many more decimals as it takes to tell them apart
    when the shown figures would look equal (5.0% against 5.0%, yet judged 未达到)."""
    a, b = fmt(value, unit), fmt(target, unit)
    if a != b or value == target:
        return a, b
    for d in range(2, 7):
        x, y = f"{value:,.{d}f}", f"{target:,.{d}f}"
        if x != y:
            return x + unit, y + unit
    return a, b


def _judge(m: Measure, kind: str, years: tuple[int, ...], target: float, approx: bool, strict: bool,
           s: pd.DataFrame) -> tuple[str, float | None, str]:
    """(outcome, value judged, reason) on one kind of figures; the figures shown with the digits
    that decide (:func:`deciding_digits`)."""
    if kind in ("cumulative", "average"):
        missing = [y for y in years if y not in s.index]
        if missing:
            return INSUFFICIENT, None, f"缺{'、'.join(map(str, missing))}年数据"
        vals = s.loc[list(years), "value"].astype(float)
        value = float(vals.sum() if kind == "cumulative" else vals.mean())
        what = f"{years[0]}—{years[-1]}年{'累计' if kind == 'cumulative' else '平均'}{deciding_digits(value, target, m.unit)[0]}"
    else:
        year = years[-1] if years else plan_end_year()
        if year not in s.index:
            return INSUFFICIENT, None, f"缺{year}年数据"
        value = float(s.loc[year, "value"])
        what = f"{year}年实际{deciding_digits(value, target, m.unit)[0]}"
    ok = meets(value, target, m.direction, strict=strict or kind == "ceiling")
    if not ok and approx and target:
        ok = abs(value - target) / abs(target) <= ABOUT
        if ok:
            return ACHIEVED, value, f"{what}，与目标{fmt(target, m.unit)}相差不到{ABOUT:.0%}（目标为“左右”）"
    return (ACHIEVED if ok else MISSED), value, f"{what}，目标{deciding_digits(value, target, m.unit)[1]}，{'已达到' if ok else '未达到'}"


def final_outcome(m: Measure, obs: FigureSource) -> FinalOutcome:
    """Was ``m``'s end-of-plan target met? Judged on the figures of its target year(s)."""
    t = m.end_target
    base = {"measure_id": m.id, "kpi_id": m.kpi_id}
    if t.value is not None and t.kind in ("level", "floor", "ceiling", "cumulative", "average"):
        kind, years, target, approx, strict, text = t.kind, (t.years or (t.year,)), t.value, t.approx, t.strict, t.text_zh
    else:
        last = next((y for y in reversed(m.yearly_targets) if y.value is not None and plan_end_year() in y.years
                     and y.kind in ("level", "floor", "ceiling", "average")), None)
        if last is None:
            return FinalOutcome(**base, outcome=NO_TARGET, target_text_zh=t.text_zh,
                                reason_zh=f"规划未给出量化目标（原文：“{t.text_zh}”）" if t.text_zh and t.kind != "none"
                                else "本子指标无单独目标，仅作跟踪")
        kind = last.kind
        years = tuple(last.years) if kind == "average" else (plan_end_year(),)
        target, approx, strict, text = last.value, False, False, last.text_zh
    base.update(kind=kind, years=tuple(int(y) for y in years) if kind in ("cumulative", "average") else
                (int(years[-1]) if years else plan_end_year(),))
    s = kpi_series(obs, m.id).set_index("period")  # the figures that count (a derived one never stands in)
    if s.empty:
        return FinalOutcome(**base, outcome=INSUFFICIENT, target=target, target_text_zh=text, reason_zh="暂无数据")
    outcome, value, reason = _judge(m, kind, years, target, approx, strict, s)
    if outcome == INSUFFICIENT:
        return FinalOutcome(**base, outcome=INSUFFICIENT, target=target, target_text_zh=text, reason_zh=reason)
    row = s.loc[years[-1]]
    return FinalOutcome(**base, outcome=outcome, reason_zh=reason, value=value, target=target, target_text_zh=text,
                        method=str(row["method"]), quality=str(row["quality"]), source=str(row["source"]))


#: Why a measure's verdict changed class between the mid-term evaluation and the final one (codes;
#: the words are made in publish). None: the same class (on course -> met, lagging -> missed).
CLASS_CHANGES = ("end_target_has_no_number", "end_year_figure_missing", "figures_came_in", "yearly_target_at_end",
                 "fell_back", "caught_up", "no_figures_either")


def class_change(mid: MeasureStatus, fin: FinalOutcome) -> str | None:
    """The reason code for a change of class between the mid-term status ``mid`` and the final
    outcome ``fin`` of the same measure, or None when the two agree in kind."""
    from ..core.labels import Status

    good, lagging = (Status.ACHIEVED, Status.ON_TRACK), (Status.AT_RISK, Status.OFF_TRACK)
    s, o = mid.status, fin.outcome
    if (s in good and o == ACHIEVED) or (s in lagging and o == MISSED):
        return None
    if (s == Status.INSUFFICIENT and o == INSUFFICIENT) or (s == Status.NO_TARGET and o == NO_TARGET):
        return None
    if o == NO_TARGET:
        return "end_target_has_no_number" if s != Status.NO_TARGET else None
    if o == INSUFFICIENT:
        return "no_figures_either" if s == Status.NO_TARGET else "end_year_figure_missing"
    if s == Status.INSUFFICIENT:
        return "figures_came_in"
    if s == Status.NO_TARGET:
        return "yearly_target_at_end"
    return "fell_back" if s in good else "caught_up"


def combine_outcomes(outcomes: list[FinalOutcome]) -> str:
    """A KPI is met when every judged measure is met; missed when one is missed."""
    judged = [o.outcome for o in outcomes if o.outcome not in (INSUFFICIENT, NO_TARGET)]
    if not judged:
        return INSUFFICIENT if any(o.outcome == INSUFFICIENT for o in outcomes) else NO_TARGET
    return MISSED if MISSED in judged else ACHIEVED


def final_outcomes(cat: Catalogue, ds: Dataset) -> dict[str, tuple[str, list[FinalOutcome]]]:
    """KPI id -> (its outcome, its measures' outcomes)."""
    out = {}
    for k in cat.kpis:
        ms = [final_outcome(m, ds) for m in k.measures]
        out[k.id] = (combine_outcomes(ms), ms)
    return out


# --------------------------------------------------------------------------- the retrospective

def retrospective(cat: Catalogue, then: Dataset, now: Dataset, as_of: int) -> pd.DataFrame:
    """For every measure the mid-term evaluation at ``as_of`` forecast (on ``then``: the data as known
    at that evaluation; those it could judge against a numeric end target, as its report printed
    them), its forecast for the target year against the outcome on ``now``.

    Columns: measure, kpi, name_zh, unit, forecast, lower, upper (80%), probability (of meeting the
    target; None where it had no numeric target), actual (the target year's figure of the same
    kind as the forecast history), inside (the actual within the interval), outcome (final)."""
    rows = []
    for m in cat.measures:
        o = outlook(m, then, as_of)
        # only the forecasts the mid-term made and printed (a numeric end target, figures enough): the
        # look-back never scores a forecast the mid-term report did not give
        if not o.assessable or o.fan.empty or plan_end_year() not in o.fan.index:
            continue
        method = _history_method(then, m, as_of)
        s = kpi_series(now, m.id).set_index("period")  # the outcome of the kind of figures forecast from
        actual = float(s.loc[plan_end_year(), "value"]) if plan_end_year() in s.index and s.loc[plan_end_year(), "method"] == method else None
        f = o.fan.loc[plan_end_year()]
        fo = final_outcome(m, now)
        rows.append({"measure": m.id, "kpi": m.kpi_id, "name_zh": m.name_zh, "unit": m.unit, "n_points": o.n_points,
                     "forecast": float(f["median"]), "lower": float(f["lower"]), "upper": float(f["upper"]),
                     "probability": o.probability if o.assessable else None, "actual": actual,
                     "inside": (bool(f["lower"] <= actual <= f["upper"]) if actual is not None else None),
                     "outcome": fo.outcome, "target": fo.target})
    return pd.DataFrame(rows, columns=["measure", "kpi", "name_zh", "unit", "n_points", "forecast", "lower", "upper",
                                       "probability", "actual", "inside", "outcome", "target"])


def _history_method(obs: FigureSource, m: Measure, as_of: int) -> str:
    """The kind of figures the outlook forecast from."""
    h = _history(obs, m, as_of)
    return str(h.iloc[-1]["method"]) if len(h) else ""


@dataclass(frozen=True)
class Calibration:
    compared: int  # forecasts with an outcome
    inside: int  # outcomes inside the 80% interval
    judged: int  # probabilities with a met/missed outcome
    brier: float | None  # mean squared error of the probabilities (0 best; 0.25 = always 50%)
    foreseen_misses: int  # probability < 50% and missed
    missed: int
    likely: int = 0  # probabilities of 50% or more with an outcome
    likely_met: int = 0  # of which met

    @property
    def share_inside(self) -> float | None:
        return self.inside / self.compared if self.compared else None

    def text_zh(self) -> str:
        if not self.compared:
            return f"没有既有中期预测又有{plan_end_year()}年实际值的子指标，无法检验预测。"
        parts = [f"{self.compared}个子指标既有中期预测又有{plan_end_year()}年实际值，其中{self.inside}个落在80%预测区间内"
                 f"（{self.share_inside:.0%}；预测区间可靠时应约为80%，样本很少时波动很大）。"]
        if self.judged:  # how often the probabilities were right, in words (no score a reader must look up)
            unlikely = self.judged - self.likely
            parts.append(f"{self.judged}个可判断达标的子指标中，中期评估认为可能实现（概率五成以上）的{self.likely}个，后来实现"
                         f"{self.likely_met}个；认为达标概率不足五成的{unlikely}个，后来实现{unlikely - self.foreseen_misses}个。"
                         f"实际未实现的{self.missed}个中，中期评估已认为达标概率不足五成的{self.foreseen_misses}个。")
        return "".join(parts)


def calibration_summary(retro: pd.DataFrame) -> Calibration:
    have = retro[retro["actual"].notna()]
    judged = retro[retro["probability"].notna() & retro["outcome"].isin([ACHIEVED, MISSED])]
    met = (judged["outcome"] == ACHIEVED).astype(float).to_numpy()
    p = judged["probability"].astype(float).to_numpy()
    brier = float(np.mean((p - met) ** 2)) if len(judged) else None
    missed = judged[judged["outcome"] == MISSED]
    likely = judged[judged["probability"].astype(float) >= 0.5]
    return Calibration(int(len(have)), int(have["inside"].astype(bool).sum()), int(len(judged)), brier,
                       int((missed["probability"] < 0.5).sum()), int(len(missed)), int(len(likely)),
                       int((likely["outcome"] == ACHIEVED).sum()))

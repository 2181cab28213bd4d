"""Will the target be met by 2020? Forecast at the target year, probability of meeting the target,
expected shortfall, and what it would take (the growth or increment needed from the latest
actual, against the best the series has done, and the year the target is reached at the
current pace)."""

from __future__ import annotations

import math
from enum import Enum
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.actuals import FigureSource, kpi_series
from .forecast import ForecastDistribution, _calibration, forecast_distribution, probability_map
from ..plan.catalogue import Measure
from ..plan.schema import plan_end_year

LEVEL = 0.8
from ..core.vocabulary import HORIZON_CAP  # noqa: E402  (the words' and the outlook's one cap)
SUPPORTED = ("level", "floor", "ceiling", "cumulative", "average")


class Prospect(str, Enum):
    """What the forecast says of the end target."""

    MET = "met"  # a level, floor or ceiling already met and likely to stay so: keep it
    LIKELY = "likely"  # probability of meeting it at least one half
    UNLIKELY = "unlikely"  # below one half: listed as 达标概率不足五成
    UNKNOWN = "unknown"  # not forecast (too few figures, no numeric end target, the end year reached)


class Advice(str, Enum):
    KEEP = "keep"  # already met: hold it (保持)
    MOVE = "move"  # not met and unlikely: what it takes
    NONE = "none"  # on course, or nothing to say from the numbers


def prospect_of(o: Outlook) -> Prospect:
    """The one rule from an outlook to a prospect (the band of its probability)."""
    if not o.assessable or o.probability is None or not math.isfinite(o.probability):
        return Prospect.UNKNOWN
    if o.probability < 0.5:
        return Prospect.UNLIKELY
    return Prospect.MET if o.already_met else Prospect.LIKELY


def advice_of(o: Outlook, prospect: Prospect) -> Advice:
    if prospect == Prospect.UNKNOWN:
        return Advice.NONE
    if o.already_met:
        return Advice.KEEP if prospect in (Prospect.MET, Prospect.UNLIKELY) else Advice.NONE
    return Advice.MOVE if prospect == Prospect.UNLIKELY else Advice.NONE


@dataclass(frozen=True)
class Outlook:
    """The end-of-plan outlook of one measure at ``as_of``."""

    measure_id: str
    as_of: int
    assessable: bool
    reason: str  # why there is no forecast, a code ("" when there is one): core.vocabulary makes its words
    target_year: int = plan_end_year()
    target_value: float | None = None
    target_kind: str = ""
    unit: str = ""
    direction: str = "higher"
    strict: bool = False  # the bound excludes its value ("低于5%"), as the plan states it
    rate_kind: str = "compound"  # compound: growth rate per year; linear: increment per year
    n_points: int = 0
    latest_year: int | None = None
    latest_value: float | None = None
    forecast_median: float | None = None  # the forecast (median of its distribution) at the target year (cumulative/average: the whole window)
    forecast_lower: float | None = None
    forecast_upper: float | None = None
    level: float = LEVEL
    probability: float | None = None  # of meeting the target
    gap: float | None = None  # target minus forecast in the target's direction: short (positive) or beyond (negative)
    expected_shortfall: float | None = None
    required_rate: float | None = None
    best_rate: float | None = None
    pace_rate: float | None = None
    year_reached: int | None = None
    fan: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)

    @property
    def already_met(self) -> bool:
        """A level, floor or ceiling whose latest figure already meets the end target."""
        return (self.target_kind in ("level", "floor", "ceiling") and self.latest_value is not None
                and self.target_value is not None and _meets(self.latest_value, self.target_value, self.direction, self.strict))

    @property
    def likely_miss(self) -> bool:
        return self.prospect == Prospect.UNLIKELY

    @property
    def prospect(self) -> "Prospect":
        return prospect_of(self)

    @property
    def advice(self) -> "Advice":
        return advice_of(self, prospect_of(self))

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "fan"}
        d["reason_zh"] = self.reason_zh
        d["fan"] = {int(y): {c: float(v) for c, v in row.items()} for y, row in self.fan.iterrows()}
        return d

    def rate_text(self, rate: float | None) -> str:
        """A yearly change in words (:func:`kpitrack.core.vocabulary.rate_zh`)."""
        from ..core.vocabulary import rate_zh

        return rate_zh(self, rate)

    def what_it_takes_zh(self) -> str:
        """One sentence: what it would take, from the advice code and the figures (the words:
        :func:`kpitrack.core.vocabulary.what_it_takes_zh`)."""
        from ..core.vocabulary import what_it_takes_zh

        return what_it_takes_zh(self)

    def what_it_takes_en(self) -> str:
        """What it would take, in English (:func:`kpitrack.core.vocabulary_en.what_it_takes_en`)."""
        from ..core.vocabulary_en import what_it_takes_en

        return what_it_takes_en(self)

    @property
    def reason_en(self) -> str:
        """Why there is no forecast, in English."""
        from ..core.vocabulary_en import outlook_reason_en

        return outlook_reason_en(self.reason, self.n_points)

    @property
    def reason_zh(self) -> str:
        """Why there is no forecast, in words (:func:`kpitrack.core.vocabulary.outlook_reason_zh`)."""
        from ..core.vocabulary import outlook_reason_zh

        return outlook_reason_zh(self.reason, self.n_points)


def _meets(value: float, target: float, direction: str, strict: bool = False) -> bool:
    if strict:
        return value > target if direction == "higher" else value < target
    return value >= target if direction == "higher" else value <= target


def _strict(t) -> bool:
    from .progress import strict_bound

    return strict_bound(t.text_zh, t.strict)


def _history(obs: FigureSource, m: Measure, as_of: int) -> pd.DataFrame:
    s = kpi_series(obs, m.id, as_of=as_of)
    if s.empty:
        return s
    return s[s["method"] == s.iloc[-1]["method"]]  # one comparable kind of figure only


def quantile_grid(dist: ForecastDistribution) -> np.ndarray:
    """The distribution's quantiles at the calibration's probabilities: probs x steps."""
    return dist.quantiles(_calibration()["probs"])


def _probability_from_quantiles(dist: ForecastDistribution, target: float, direction: str, combine=None,
                                calibrated: bool = True, grid: np.ndarray | None = None,
                                strict: bool = False) -> tuple[float, float, float, float, float]:
    """Probability of meeting, expected shortfall, median, lower and upper of the outcome.

    ``combine`` maps the per-year quantile vectors (steps x probs) to the quantity judged
    (default: the last year); years are taken as moving together (comonotonic), which makes the
    interval of a sum or an average conservative rather than too narrow."""
    probs = _calibration()["probs"]
    grid = quantile_grid(dist) if grid is None else grid  # probs x steps
    outcome = grid[:, -1] if combine is None else combine(grid)
    outcome = np.sort(outcome)
    if direction == "higher":  # a strict bound ("低于5%") is not met on it
        p_meet = float(np.mean(outcome > target if strict else outcome >= target))
    else:
        p_meet = float(np.mean(outcome < target if strict else outcome <= target))
    if calibrated:
        p_meet = float(probability_map(p_meet))
    if direction == "higher":
        shortfall = float(np.mean(np.maximum(target - outcome, 0)))
    else:
        shortfall = float(np.mean(np.maximum(outcome - target, 0)))
    lo, hi = (1 - LEVEL) / 2, (1 + LEVEL) / 2
    return p_meet, shortfall, float(np.interp(0.5, probs, outcome)), float(np.interp(lo, probs, outcome)), float(np.interp(hi, probs, outcome))


def outlook(m: Measure, obs: FigureSource, as_of: int) -> Outlook:
    """The outlook of measure ``m`` at ``as_of`` from the observations ``obs``."""
    t = m.end_target
    base = {"measure_id": m.id, "as_of": as_of, "target_year": t.year, "target_value": t.value, "target_kind": t.kind, "unit": m.unit,
            "direction": m.direction, "rate_kind": "compound" if m.growth_model == "compound" else "linear",
            "strict": t.kind in ("level", "floor", "ceiling") and _strict(t)}
    if as_of >= t.year:
        return Outlook(**base, assessable=False, reason="end_year")
    h = _history(obs, m, as_of)
    if len(h) < 3:
        return Outlook(**base, n_points=len(h), assessable=False,
                       reason="few_points")
    first = int(h["period"].iloc[0])
    hist = pd.Series(h["value"].to_numpy(), index=h["period"].astype(int)).reindex(range(first, as_of + 1))
    latest_year, latest = int(h["period"].iloc[-1]), float(h["value"].iloc[-1])
    dist = forecast_distribution(hist, t.year - as_of, m.bounds)
    fan = pd.DataFrame({"median": dist.median, "lower": dist.quantile((1 - LEVEL) / 2), "upper": dist.quantile((1 + LEVEL) / 2)},
                       index=dist.years)
    base.update(n_points=len(h), latest_year=latest_year, latest_value=latest, fan=fan)
    if t.kind not in SUPPORTED or t.value is None:  # still forecast (the chart shows it), but no target to meet
        return Outlook(**base, assessable=False, reason="no_end_number")
    values = hist.dropna()
    if t.kind == "cumulative":
        window = [y for y in t.years if y <= as_of]
        have = values.reindex(window)
        if have.isna().any():
            return Outlook(**base, assessable=False, reason="cumulative_gaps")
        done = float(have.sum())
        future = [i for i, y in enumerate(dist.years) if y in t.years]
        p, sf, med, lo, hi = _probability_from_quantiles(dist, t.value, m.direction, lambda g: done + g[:, future].sum(axis=1))
        remaining = len(future)
        required = (t.value - done) / remaining if remaining else None
        best = float(values.max()) if m.direction == "higher" else float(values.min())
        pace = float(values.mean())
        return Outlook(**{**base, "rate_kind": "linear"}, assessable=True, reason="", forecast_median=med, forecast_lower=lo,
                       forecast_upper=hi, probability=p, gap=(t.value - med) * m_sign(m), expected_shortfall=sf,
                       required_rate=required, best_rate=best, pace_rate=pace)
    if t.kind == "average":
        window = list(t.years)
        done = values.reindex([y for y in window if y <= as_of]).dropna()
        future = [i for i, y in enumerate(dist.years) if y in window]
        k = len(done) + len(future)
        p, sf, med, lo, hi = _probability_from_quantiles(dist, t.value, m.direction, lambda g: (done.sum() + g[:, future].sum(axis=1)) / k)
        required = (t.value * k - done.sum()) / len(future) if future else None
        best = float(values.max()) if m.direction == "higher" else float(values.min())
        return Outlook(**{**base, "rate_kind": "linear"}, assessable=True, reason="", forecast_median=med, forecast_lower=lo,
                       forecast_upper=hi, probability=p, gap=(t.value - med) * m_sign(m), expected_shortfall=sf,
                       required_rate=required, best_rate=best, pace_rate=float(done.mean()) if len(done) else None)
    p, sf, med, lo, hi = _probability_from_quantiles(dist, t.value, m.direction, strict=base["strict"])
    compound = m.growth_model == "compound" and latest > 0 and t.value > 0 and (values > 0).all()
    base["rate_kind"] = "compound" if compound else "linear"
    years_left = t.year - latest_year
    if compound:
        required = (t.value / latest) ** (1 / years_left) - 1
        yoy = (values / values.shift(1) - 1).dropna()
        pace = (latest / float(values.iloc[0])) ** (1 / (latest_year - int(values.index[0]))) - 1
    else:
        required = (t.value - latest) / years_left
        yoy = values.diff().dropna()
        pace = (latest - float(values.iloc[0])) / (latest_year - int(values.index[0]))
    # consecutive years only: a change over a gap is not one year's change
    yoy = yoy[[(y - 1) in values.index for y in yoy.index]]
    best = (float(yoy.max()) if m.direction == "higher" else float(yoy.min())) if len(yoy) else None
    return Outlook(**base, assessable=True, reason="", forecast_median=med, forecast_lower=lo, forecast_upper=hi,
                   probability=p, gap=(t.value - med) * m_sign(m), expected_shortfall=sf, required_rate=required,
                   best_rate=best, pace_rate=pace,
                   year_reached=_year_reached(latest, latest_year, t.value, pace, compound, m.direction, base["strict"]))


def m_sign(m: Measure) -> int:
    return 1 if m.direction == "higher" else -1


def _year_reached(latest: float, latest_year: int, target: float, pace: float, compound: bool, direction: str,
                 strict: bool = False) -> int | None:
    """The year the target is reached if the observed average yearly change goes on (a strict bound
    is reached only when passed)."""
    if _meets(latest, target, direction, strict):
        return latest_year
    if compound:
        if pace <= -1 or (target > latest) != (pace > 0) or pace == 0:
            return None
        years = math.log(target / latest) / math.log(1 + pace)
    else:
        if pace == 0 or (target > latest) != (pace > 0):
            return None
        years = (target - latest) / pace
    return latest_year + math.ceil(years + (1e-9 if strict else -1e-9)) if years < 1000 else HORIZON_CAP + 1


def outlooks(cat, ds, as_of: int) -> dict[str, Outlook]:
    """The outlook of every measure of the catalogue."""
    return {m.id: outlook(m, ds, as_of) for m in cat.measures}


#: Words for the chance of meeting a target, by band, as a reader should take it (the number is
#: rounded to 5 points and kept within 5%-95%: the record of similar series supports no more; see
#: docs/methods.md, "What the probability means").
PROBABILITY_BANDS = ((0.9, "很可能实现"), (0.66, "可能实现"), (0.34, "能否实现难以判断"), (0.1, "可能难以实现"), (0.0, "很可能难以实现"))


def probability_band(p: float) -> str:
    """The band of the chance as printed (rounded to 5 points, as :func:`probability_number`): 约35%
    always reads 能否实现难以判断, never 可能难以实现 for a 0.33 beside a 0.36."""
    shown = round(p * 20) / 20
    return next(words for floor, words in PROBABILITY_BANDS if shown >= floor)


def probability_text(p: float | None) -> str:
    """The chance of meeting a target as reports print it: a band in words and a rounded number,
    never more precise than the forecast deserves (no "99.7%")."""
    if p is None or not math.isfinite(p):
        return "—"
    return f"{probability_band(p)}（{probability_number(p)}）"


def probability_number(p: float) -> str:
    """The chance as reports print its number, to the nearest 5% (约45%, 95%以上, 5%以下): the one rounding."""
    pct = int(round(p * 20)) * 5
    return "95%以上" if pct > 95 or p > 0.95 else "5%以下" if pct < 5 or p < 0.05 else f"约{pct}%"

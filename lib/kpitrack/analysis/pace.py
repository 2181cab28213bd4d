"""Monthly pace: is a region's year-to-date (YTD) figure where the year's target needs it by now?

The monthly bulletins (每月按时通报) judge every monthly or quarterly measure of every region by
one rule per kind of YTD figure (docs/methods.md, "Monthly pace"):

- **running totals** (fiscal revenue, GDP, income so far, good-air days): the share of the year's
  target completed, against the share earlier years had reached by the same month (往年同期进度;
  the plain time share 序时进度 = month/12 when fewer than 2 earlier complete years exist);
- **running means** (PM2.5 so far): the YTD mean against the year's ceiling scaled by how the
  YTD mean of earlier years related to their year mean at the same month (1 without history);
- **growth rates so far** (累计增速): the rate against the year's target rate, in percentage points.

The year's target of a region is, in order: its own assigned target (``targets.csv`` of the
dataset), the plan's yearly target or trajectory (city only), or the city's target passed down
(the same rate; for totals, the region's last-year total grown as the city's target requires).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from ..core.labels import Status
from ..core.labels import shown as as_printed
from ..data.actuals import Dataset, kpi_series
from ..data.figures import YtdRows
from ..data.regions import city_code, districts, regions
from ..plan.catalogue import Catalogue, Measure
from ..plan.schema import plan_base_year
from ..plan.trajectory import trajectory
from .ytd import YearEndEstimate, estimate_additive, estimate_ratio


def ytd_rows(ds: Dataset, m: Measure, region: str) -> YtdRows:
    """The year-to-date figures of a measure in a region, by year and month, as the one rule chooses
    them (:meth:`kpitrack.data.figures.FigureBook.grid`: December is the year's figure)."""
    return ds.book.grid(m.id, region)

#: Kinds of YTD figure, from the catalogue's ``ytd`` field.
KIND = {"sum": "total", "mean": "mean", "rate": "rate"}
#: Status bands. Totals and means: ratio of the YTD figure to the figure on pace (a ratio of 1 is
#: exactly on pace). Rates: gap to the target rate in percentage points.
RATIO_AT_RISK = 0.95      # totals: below 100% of pace is at risk, below 95% off track
MEAN_AT_RISK = 1.05       # means (lower is better): above 100% of the ceiling on pace at risk, above 105% off track
RATE_AT_RISK = -1.0       # rates: below target at risk, more than 1 point below off track
MIN_HISTORY = 2           # earlier complete years needed for a seasonal pattern


@dataclass(frozen=True)
class YearTarget:
    """The year's target of a measure in a region, and where it comes from."""

    value: float
    basis_zh: str


@dataclass(frozen=True)
class Pace:
    """One measure in one region at one month: YTD figure, pace, status, rank, year-end estimate."""

    measure_id: str
    region: str
    year: int
    month: int                      # the month of the YTD figure (quarterly: the quarter's last month)
    kind: str                       # total | mean | rate
    value: float | None
    previous_month: int | None = None
    previous_value: float | None = None
    target: YearTarget | None = None
    share_required: float | None = None  # totals: share of the target due by now; means: YTD/year ratio
    share_basis_zh: str = ""
    required: float | None = None        # the YTD figure exactly on pace
    completion: float | None = None      # totals: value / target
    ratio: float | None = None           # totals and means: value / required
    gap: float | None = None             # totals: completion - share (fraction); means: value - required; rates: points
    same_period_growth: float | None = None  # totals: growth on the same months of last year, %
    status: Status = Status.INSUFFICIENT
    reason_zh: str = ""
    estimate: YearEndEstimate | None = None
    estimate_note_zh: str = ""
    rank: int | None = None
    rank_previous: int | None = None
    n_ranked: int = 0

    @property
    def has_target(self) -> bool:
        return self.target is not None

    @property
    def change(self) -> float | None:
        """Change since the previous YTD figure of the year (rates: points; means and totals: unit)."""
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value

    @property
    def likely_miss(self) -> bool:
        """Whether the year-end estimate falls short of the year's target."""
        if self.estimate is None or self.target is None:
            return False
        if self.kind == "rate":  # as printed (to 0.1 point): 8.0% against 8.0% is not short, as the status says
            e, t = as_printed(self.estimate.estimate, "%"), as_printed(self.target.value, "%")
        else:
            e, t = self.estimate.estimate, self.target.value
        return (e < t) if self.kind != "mean" else (e > t)


@dataclass(frozen=True)
class MonthPace:
    """Every bulletin measure in every region at one month, ranked among the districts."""

    year: int
    month: int
    measures: tuple[Measure, ...]
    paces: dict[tuple[str, str], Pace] = field(default_factory=dict)  # (measure_id, region) -> Pace

    def get(self, measure_id: str, region: str) -> Pace | None:
        return self.paces.get((measure_id, region))

    def regions_with_data(self) -> list[str]:
        codes = {r for (_, r), p in self.paces.items() if p.value is not None}
        return [r.code for r in regions() if r.code in codes]


def bulletin_measures(cat: Catalogue, ds: Dataset, year: int, month: int) -> tuple[Measure, ...]:
    """The monthly and quarterly measures with a YTD figure in ``year`` up to ``month`` (any region)."""
    obs = ds.observations
    have = obs[(obs["year"] == year) & (obs["month"] > 0) & (obs["month"] <= month)]["measure_id"].unique()
    return tuple(m for m in cat.measures if m.sub_annual and m.ytd in KIND and m.id in set(have))


def has_figures(ds: Dataset, year: int, month: int) -> bool:
    """Whether the dataset holds any YTD figure for exactly this month."""
    obs = ds.observations
    return bool(((obs["year"] == year) & (obs["month"] == month)).any())


def latest_month(ds: Dataset, up_to_year: int | None = None) -> tuple[int, int] | None:
    """The latest (year, month) with a year-to-date figure in the dataset, if any (in ``up_to_year`` or
    before, when given)."""
    obs = ds.observations
    sub = obs[(obs["month"] > 0) & ((obs["year"] <= up_to_year) if up_to_year is not None else True)]
    if sub.empty:
        return None
    year = int(sub["year"].max())
    return year, int(sub[sub["year"] == year]["month"].max())


def data_month(ds: Dataset, m: Measure, year: int, month: int) -> int | None:
    """The latest month <= ``month`` of ``year`` with a YTD figure of ``m`` in any region (December:
    the year's own figure counts, so a December bulletin judges on it once it is published)."""
    months = [mm for mm in ds.book.months_with_figures(m.id, year) if mm <= month]
    return months[-1] if months else None


def _annual(ds: Dataset, m: Measure, region: str, year: int) -> float | None:
    """The year's figure of a region, as the one rule chooses it."""
    return ds.book.grid(m.id, region).get(year, 12)


def city_target(cat: Catalogue, ds: Dataset, m: Measure, year: int) -> YearTarget | None:
    """The city's target for ``year``: assigned (targets.csv) first, then the plan."""
    own = _assigned(ds, m, city_code(), year)
    if own is not None:
        return own
    yt = m.yearly_target_for(year)
    if m.value_type == "rate" or KIND.get(m.ytd or "") == "rate":
        if yt is not None and yt.value is not None and yt.kind in ("level", "average"):
            return YearTarget(float(yt.value), f"规划：{yt.text_zh}")
        return None
    s = kpi_series(ds, m.id)
    base = s.loc[s["period"] == plan_base_year(), "value"]
    traj = trajectory(m, float(base.iloc[0]) if len(base) else None)
    if year in traj.index and not pd.isna(traj[year]):
        what = f"规划：{yt.text_zh}" if yt is not None else "规划轨迹值"
        return YearTarget(float(traj[year]), what)
    return None


def _assigned(ds: Dataset, m: Measure, region: str, year: int) -> YearTarget | None:
    value = ds.assigned.get((m.id, region, year))
    if value is None:
        return None
    return YearTarget(value, "市政府下达" + ("（合成）" if ds.synthetic else ""))


def region_target(cat: Catalogue, ds: Dataset, m: Measure, region: str, year: int, city: YearTarget | None) -> YearTarget | None:
    """A region's target: its own assigned one, else the city's passed down (see module doc)."""
    if region == city_code():
        return city
    own = _assigned(ds, m, region, year)
    if own is not None or city is None:
        return own
    kind = KIND[m.ytd or "sum"]
    if kind in ("rate", "mean"):
        return YearTarget(city.value, "同全市目标")
    city_last, own_last = _annual(ds, m, city_code(), year - 1), _annual(ds, m, region, year - 1)
    if not city_last or own_last is None:
        return None
    growth = city.value / city_last
    return YearTarget(own_last * growth, "全市目标分解")


def seasonal_share(rows: YtdRows, year: int, month: int) -> tuple[float | None, int]:
    """Mean share YTD(month)/YTD(December) over complete earlier years, and how many years."""
    if month == 12:
        return 1.0, 0
    at_month, december = rows.history(year, month)
    ok = (at_month > 0) & (december > 0)
    if ok.sum() < MIN_HISTORY:
        return None, int(ok.sum())
    return float((at_month[ok] / december[ok]).mean()), int(ok.sum())


def assess_pace(cat: Catalogue, ds: Dataset, m: Measure, region: str, year: int, month: int,
                city: YearTarget | None = None) -> Pace:
    """The pace of one measure in one region at ``month`` of ``year`` (without rank)."""
    kind = KIND[m.ytd or "sum"]
    table = ytd_rows(ds, m, region)
    value = table.get(year, month)
    # the month before, of the same kind of figure (a derived May is no "previous" of an official year)
    earlier = [mm for mm in table.months(year) if mm < month and table.method(year, mm) == table.method(year, month)]
    prev_m = earlier[-1] if earlier else None
    prev_v = table.get(year, prev_m) if prev_m is not None else None
    base = {"measure_id": m.id, "region": region, "year": year, "month": month, "kind": kind, "value": value,
            "previous_month": prev_m, "previous_value": prev_v}
    if value is None or not math.isfinite(value):
        return Pace(**base, reason_zh="本期无数据")
    last_year = table.get(year - 1, month)
    if kind == "total" and last_year:
        base["same_period_growth"] = (value / last_year - 1) * 100
    estimate, note = _estimate(table, kind, value, year, month)
    if estimate is not None and m.unit == "天":  # a count of days cannot exceed the days of the year
        days = 366 if year % 4 == 0 else 365
        estimate = _replace(estimate, estimate=min(estimate.estimate, days), lower=min(estimate.lower, days),
                            upper=min(estimate.upper, days))
    base.update(estimate=estimate, estimate_note_zh=note)
    if city is None and region == city_code():
        city = city_target(cat, ds, m, year)
    target = region_target(cat, ds, m, region, year, city)
    if target is None:
        return Pace(**base, reason_zh="未设年度目标（规划为“完成市政府下达指标”，数据集中未录入该数值）")
    # statuses are decided on the figures at the precision the bulletin shows them (shares to 0.1%,
    # rates and means to 0.1), so that no reader sees "100.0% against 100.0%" next to 存在风险
    if kind == "rate":
        gap = round(as_printed(value, "%") - as_printed(target.value, "%"), 1) + 0.0  # the difference of the figures as printed
        status = Status.ON_TRACK if gap >= 0 else Status.AT_RISK if gap >= RATE_AT_RISK else Status.OFF_TRACK
        if month == 12:  # the whole year: the target met or not, no longer a pace
            status = Status.ACHIEVED if gap >= 0 else Status.OFF_TRACK
        return Pace(**base, target=target, required=target.value, gap=gap, status=status,
                    reason_zh=f"{'全年增速' if month == 12 else '累计增速'}{'高于' if gap > 0 else '等于' if gap == 0 else '低于'}年度目标"
                              + (f"{abs(gap):.1f}个百分点" if gap else "")
                              + ("，未完成全年目标" if month == 12 and gap < 0 else ""))
    share, n = seasonal_share(table, year, month)
    if kind == "total":
        share_basis = f"往年同期进度（{n}年平均）" if share is not None and month < 12 else "序时进度"
        if share is None:
            share = month / 12
        share = round(share, 3)
        required = target.value * share
        completion = round(value / target.value, 3)
        ratio = completion / share
        if m.sign < 0:
            ratio = 1 / ratio
        if m.sign > 0 and completion >= 1:
            status, why = Status.ACHIEVED, f"已完成全年目标（{completion:.1%}）"
        elif month == 12:  # the whole year: short of the target is not a pace any more
            status, why = Status.OFF_TRACK, f"全年完成目标的{completion:.1%}，未完成全年目标"
        else:
            status = Status.ON_TRACK if ratio >= 1 else Status.AT_RISK if ratio >= RATIO_AT_RISK else Status.OFF_TRACK
            why = f"完成全年目标的{completion:.1%}，{share_basis}要求{share:.1%}"
        return Pace(**base, target=target, share_required=share, share_basis_zh=share_basis, required=required,
                    completion=completion, ratio=ratio, gap=round(completion - share, 3) + 0.0, status=status, reason_zh=why)
    # running mean against a ceiling (lower is better) or a floor
    share_basis = f"往年同期均值与全年均值之比（{n}年平均）" if share is not None and month < 12 else "全年目标"
    if share is None:
        share = 1.0
    required = round(target.value * share, 1)
    shown = round(value, 1)
    ratio = shown / required if m.sign < 0 else required / shown
    status = Status.ON_TRACK if ratio <= 1 else Status.AT_RISK if ratio <= MEAN_AT_RISK else Status.OFF_TRACK
    why = f"累计均值{shown:.1f}{'未超过' if ratio <= 1 else '超过'}按进度折算的控制值{required:.1f}"
    if month == 12:  # the year's mean against the year's target: met or not
        status = Status.ACHIEVED if ratio <= 1 else Status.OFF_TRACK
        bound = ("未超过" if ratio <= 1 else "超过") if m.sign < 0 else ("达到" if ratio <= 1 else "低于")
        why = f"全年均值{shown:.1f}{bound}年度目标{required:.1f}" + ("" if ratio <= 1 else "，未完成全年目标")
    return Pace(**base, target=target, share_required=share, share_basis_zh=share_basis, required=required,
                ratio=ratio, gap=round(shown - required, 1) + 0.0, status=status, reason_zh=why)


def pace_path(ds: Dataset, m: Measure, region: str, year: int, target: YearTarget) -> dict[int, float]:
    """The YTD figure exactly on pace at each reporting month of ``year`` (for charts)."""
    kind = KIND[m.ytd or "sum"]
    rows = ytd_rows(ds, m, region)
    out = {}
    for month in range(1, 13):
        if not m.allows_month(month):
            continue
        if kind == "rate":
            out[month] = target.value
            continue
        share, _ = seasonal_share(rows, year, month)
        if share is None:
            share = month / 12 if kind == "total" else 1.0
        out[month] = target.value * share
    return out


def _estimate(rows: YtdRows, kind: str, value: float, year: int, month: int) -> tuple[YearEndEstimate | None, str]:
    at_month, december = rows.history(year, month)
    try:
        if kind == "rate":
            return estimate_additive(value, at_month, december, year, month), ""
        return estimate_ratio(value, at_month, december, year, month), ""
    except ValueError:
        return None, "往年月度数据不足，未作全年预计"


def rank_metric(p: Pace, sign: int) -> float | None:
    """What districts are ranked by (higher is better): pace against the target where there is
    one, else the same-period growth (totals) or the figure itself."""
    if p.value is None:
        return None
    if p.target is not None:
        if p.kind in ("rate", "total"):
            return p.gap  # points above the target rate; share of the target done beyond the share due
        return -p.ratio  # type: ignore[operator]
    if p.kind == "total":
        return p.same_period_growth
    return sign * p.value


def month_pace(cat: Catalogue, ds: Dataset, year: int, month: int) -> MonthPace:
    """Every bulletin measure in the city and every district at ``month``, with ranks among the
    districts and their ranks at the previous YTD month."""
    measures = bulletin_measures(cat, ds, year, month)
    paces: dict[tuple[str, str], Pace] = {}
    for m in measures:
        dm = data_month(ds, m, year, month)
        if dm is None:
            continue
        current = _ranked(cat, ds, m, year, dm)
        prev_month = max((p.previous_month for p in current.values() if p.previous_month is not None), default=None)
        previous = _ranked(cat, ds, m, year, prev_month) if prev_month is not None else {}
        for code, p in current.items():
            before = previous.get(code)
            paces[(m.id, code)] = _replace(p, rank_previous=before.rank if before else None)
    return MonthPace(year, month, measures, paces)


def _ranked(cat: Catalogue, ds: Dataset, m: Measure, year: int, month: int) -> dict[str, Pace]:
    city = city_target(cat, ds, m, year)
    out = {city_code(): assess_pace(cat, ds, m, city_code(), year, month, city)}
    dist = {r.code: assess_pace(cat, ds, m, r.code, year, month, city) for r in districts()}
    metrics = {c: rank_metric(p, m.sign) for c, p in dist.items()}
    valid = {c: v for c, v in metrics.items() if v is not None and math.isfinite(v)}
    ordered = sorted(valid.values(), reverse=True)
    for c, p in dist.items():
        rank = 1 + ordered.index(valid[c]) if c in valid else None  # ties share the better rank
        out[c] = _replace(p, rank=rank, n_ranked=len(valid))
    return out


def _replace(p: Pace, **changes) -> Pace:
    from dataclasses import replace

    return replace(p, **changes)

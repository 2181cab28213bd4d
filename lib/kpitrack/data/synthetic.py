"""A synthetic demo dataset: all 25 KPIs, 2015-2020, made by code with a fixed seed.

Every figure it makes has quality ``synthetic`` and every output that shows it says so.
The generator follows each measure's plan trajectory at a pace drawn per KPI, so the demo
shows every status (ahead, on track, lagging, going backwards), with small noise.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..plan.catalogue import Catalogue, Measure
from .regions import city_code, districts
from .store import FIGURE_COLUMNS
from ..plan.trajectory import plan_years, trajectory

SEED = 20171130  # the plan's date of issue
SOURCE = f"kpitrack.synthetic (seed={SEED})，合成数据"
#: Paces of progress (share of the planned change achieved) and how often each is drawn.
PACES = (1.15, 1.0, 0.85, 0.55, -0.3)
PACE_WEIGHTS = (0.2, 0.35, 0.2, 0.15, 0.1)
#: Starting points for measures whose plan gives no number to start from (synthetic, not real).
KNOWN_FROM = "2026-11-26"
DEFAULTS: dict[str, tuple[float, float]] = {  # measure id: (2015 value, yearly growth % or increment)
    "K01.gdp_nominal": (10050.0, 9.0),
    "K01.gdp_const": (10000.0, 7.3),
    "K01.gdp_growth": (10.0, 0.0),
    "K02.revenue": (1230.0, 9.0),
    "K02.revenue_growth": (9.0, 0.0),
    "K02.tax_share": (88.0, 0.4),
    "K03.investment_growth": (8.0, 0.0),
    "K04.va_growth": (10.0, 0.0),
    "K06.national_leaders": (300.0, 40.0),
    "K06.overseas_talent": (12000.0, 1600.0),
    "K11.energy_intensity_cut": (3.5, 0.0),
    "K14.unemployment": (3.6, 0.0),
    "K16.culture_area": (24.0, 1.4),
    "K17.library_hours": (62.0, 0.0),
    "K17.ereading_hours": (31.0, 0.0),
    "K17.farm_bookstore_hours": (41.0, 0.0),
    "K18.heritage_zoning": (78.0, 5.0),
    "K22.export_share": (19.6, 0.2),
}
INTEGER_UNITS = {"天", "人", "套", "个"}


def planned_path(m: Measure) -> pd.Series:
    """The plan trajectory with every year filled (from :data:`DEFAULTS` where the plan is silent)."""
    t = trajectory(m)
    base, step = DEFAULTS.get(m.id, (math.nan, 0.0))
    if m.value_type == "rate" or m.unit == "小时/周" or m.id == "K14.unemployment":
        first = t.dropna()
        fill = base if not math.isnan(base) else (float(first.iloc[0]) if len(first) else 5.0)
        return t.fillna(fill)
    if t.notna().sum() >= 2:
        known = t.dropna()
        if math.isnan(t[plan_years()[0]]):
            y0, y1 = known.index[0], known.index[1]
            v0, v1 = known.iloc[0], known.iloc[1]
            for y in range(plan_years()[0], y0):
                t[y] = v0 - (v1 - v0) / (y1 - y0) * (y0 - y) if m.value_type == "flow" or m.growth_model == "linear" else v0 * (v0 / v1) ** ((y0 - y) / (y1 - y0))
        return t.interpolate()
    if math.isnan(base):
        raise ValueError(f"no synthetic starting point for {m.id}: add it to DEFAULTS")
    compound = m.growth_model == "compound"
    path = [base * (1 + step / 100) ** i if compound else base + step * i for i in range(len(plan_years()))]
    return pd.Series(path, index=t.index, name=m.id)


def make_synthetic(cat: Catalogue, seed: int = SEED) -> pd.DataFrame:
    """Synthetic observations for every measure of the catalogue, city level, 2015-2020."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in cat.kpis:
        pace = float(rng.choice(PACES, p=PACE_WEIGHTS))
        for m in k.measures:
            path = planned_path(m)
            base = float(path.iloc[0])
            for y, planned in path.items():
                noise = float(rng.normal(0, 0.01))
                if m.value_type == "rate":
                    value = planned * (0.55 + 0.45 * pace) + float(rng.normal(0, 0.5)) if y > plan_years()[0] else planned
                elif m.value_type == "flow" or m.unit == "小时/周" or m.id == "K14.unemployment":
                    value = planned * (0.7 + 0.3 * pace) * (1 + noise)
                    if m.id == "K14.unemployment":
                        value = planned + (1 - pace) * 1.2 * (y - plan_years()[0]) / 5 + float(rng.normal(0, 0.1))
                else:
                    value = (base + pace * (planned - base)) * (1 + noise * (y > plan_years()[0]))
                if m.unit in INTEGER_UNITS:
                    value = round(value)
                if m.unit == "%" and m.value_type == "level":
                    value = min(max(value, 0.0), 100.0)
                rows.append({"measure_id": m.id, "region": city_code(), "period": str(int(y)), "value": f"{round(float(value), 2):.10g}",
                             "unit": m.unit, "quality": "synthetic", "method": "synthetic",
                             "source": SOURCE, "note": f"合成数据；该KPI的进度系数={pace:g}", "known_from": KNOWN_FROM})
    _growth_from_levels(rows, "K01.gdp_const", "K01.gdp_growth")
    annual = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    return pd.concat([annual, _district_ytd(cat, annual, rng, np.random.default_rng((seed, 13)))], ignore_index=True)


def _growth_from_levels(rows: list[dict], level: str, rate: str) -> None:
    """The growth rate of ``rate`` made from the levels of ``level`` (GDP growth is the change of GDP at
    constant prices, by definition): a page never shows 增长7.4% beside a level that grew 3.6%. Only
    the rate's values change: every draw of the generator stays as it was."""
    levels = {int(r["period"]): float(r["value"]) for r in rows if r["measure_id"] == level}
    for r in rows:
        y = int(r["period"]) if r["measure_id"] == rate else None
        if y is not None and y - 1 in levels and y in levels:
            r["value"] = f"{round((levels[y] / levels[y - 1] - 1) * 100, 2):.10g}"


#: Cumulative share of the year's total reached by the end of each month (a typical fiscal-revenue
#: shape: strong in spring, weak in December), for synthetic year-to-date figures.
SEASONAL_SHARE = np.array([0.11, 0.19, 0.28, 0.38, 0.49, 0.59, 0.67, 0.74, 0.81, 0.88, 0.94, 1.0])
DISTRICT_YEARS = (2015, 2016, 2017, 2018, 2019, 2020)


#: How far a synthetic district's yearly growth strays from the city's: its own lasting premium
#: (sd 3 points) and a yearly shock (sd 2 points), so districts differ in level, growth and noise.
DISTRICT_PREMIUM_SD, DISTRICT_SHOCK_SD = 0.03, 0.02


def _district_ytd(cat: Catalogue, annual: pd.DataFrame, rng: np.random.Generator, own_rng: np.random.Generator) -> pd.DataFrame:
    """Monthly (or quarterly) year-to-date figures for the 13 districts and counties and the city,
    for the measures a monthly bulletin reports: GDP and its growth (quarterly), local budget
    revenue and its growth, investment growth (monthly), disposable income (quarterly).

    Each district has its own level, its own lasting growth premium over the city's and its own
    yearly shocks (``own_rng``, from the fixed seed), so ranks, 位次变化 and 列前三位 mean something:
    the districts of a total still add up to the city, and the city's figures stay as they were."""
    regs = districts()
    shares = rng.dirichlet(np.full(len(regs), 4.0))
    premium = {mid: own_rng.normal(0, DISTRICT_PREMIUM_SD, len(regs)) for mid in ("K01.gdp_nominal", "K02.revenue", "K12.income")}
    drift = {mid: np.ones(len(regs)) for mid in premium}
    rows = []

    def city_value(mid: str, year: int) -> float:
        v = annual[(annual["measure_id"] == mid) & (annual["period"] == str(year))]["value"]
        return float(v.iloc[0])

    income_level = rng.lognormal(0, 0.15, len(regs))  # a district's income relative to the city's, kept over the years
    for mid in ("K01.gdp_nominal", "K01.gdp_growth", "K02.revenue", "K02.revenue_growth", "K03.investment_growth", "K12.income"):
        m = cat.measure(mid)
        months = [mm for mm in range(1, 13) if m.allows_month(mm)]
        for year in DISTRICT_YEARS:
            total = city_value(mid, year)
            offsets = rng.normal(0, 1.5 if m.ytd == "rate" else 0.0, len(regs))
            if mid in drift and year > DISTRICT_YEARS[0]:
                drift[mid] = drift[mid] * (1 + premium[mid] + own_rng.normal(0, DISTRICT_SHOCK_SD, len(regs)))
            level = income_level * rng.normal(1, 0.01, len(regs)) * drift[mid] if mid == "K12.income" else None
            year_shares = shares * drift[mid] / float((shares * drift[mid]).sum()) if mid in drift else shares
            curve = np.clip(SEASONAL_SHARE * rng.normal(1, 0.03, 12), 0.01, None)
            curve[11] = 1.0
            curve = np.maximum.accumulate(curve)
            # each district's own running share of its year: rising month by month, whole in December
            own = np.clip(curve[None, :] * rng.normal(1, 0.02, (len(regs), 12)), 0.0, 1.0)
            own[:, 11] = 1.0
            own = np.maximum.accumulate(own, axis=1)
            income = np.maximum.accumulate(np.arange(1, 13) / 12 * rng.normal(1, 0.01, 12))
            income[11] = 1.0
            for month in months:
                if m.ytd == "sum" and mid != "K12.income":
                    # the districts add up to the city, and in December to the year's figure
                    district_values = total * year_shares * own[:, month - 1]
                    city = total if month == 12 else float(district_values.sum())
                elif mid == "K12.income":  # per-capita: not additive over districts; December is the year's figure
                    city = total * min(income[month - 1], 1.0)
                    district_values = city * level
                else:  # a growth rate so far this year: settles towards the year's rate, which December is
                    city = total + rng.normal(0, 1.5) * (12 - month) / 12
                    district_values = city + offsets + rng.normal(0, 0.5, len(regs))
                period = f"{year}-{month:02d}"
                for reg, v in [(None, city), *zip(regs, district_values)]:
                    rows.append({"measure_id": mid, "region": city_code() if reg is None else reg.code, "period": period,
                                 "value": f"{round(float(v), 2):.10g}", "unit": m.unit, "quality": "synthetic", "method": "synthetic",
                                 "source": SOURCE, "note": "合成的年初至当月累计数（月报演示）", "known_from": KNOWN_FROM})
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


#: Yearly growth (%) of the synthetic "assigned" city targets (市政府下达指标) for the bulletin
#: measures whose yearly target the plan leaves to the city government.
ASSIGNED_GROWTH = {"K01.gdp_nominal": 9.0, "K02.revenue": 8.0}
ASSIGNED_RATE = {"K02.revenue_growth": 8.0, "K03.investment_growth": 8.0}
TARGET_SOURCE = "kpitrack.data.synthetic：合成的市政府下达年度目标（演示，非真实）"


def make_assigned_targets(cat: Catalogue, figures: pd.DataFrame) -> pd.DataFrame:
    """Synthetic yearly city targets where the plan says "完成市政府下达指标" (no number):
    totals grow by :data:`ASSIGNED_GROWTH` on last year's synthetic figure, growth rates are
    :data:`ASSIGNED_RATE`. Deterministic; labelled synthetic."""
    from .targets import TARGET_COLUMNS

    rows = []
    annual = figures[(figures["region"] == city_code()) & (figures["period"].str.len() == 4)]
    for mid, g in {**ASSIGNED_GROWTH, **ASSIGNED_RATE}.items():
        m = cat.measure(mid)
        for year in DISTRICT_YEARS[1:]:
            yt = m.yearly_target_for(year)
            if yt is not None and yt.value is not None:
                continue  # the plan gives the number itself
            if mid in ASSIGNED_GROWTH:
                prev = float(annual[(annual["measure_id"] == mid) & (annual["period"] == str(year - 1))]["value"].iloc[0])
                value, note = round(prev * (1 + g / 100), 2), f"上年合成数×(1+{g:g}%)"
            else:
                value, note = g, f"增长{g:g}%"
            rows.append({"measure_id": mid, "region": city_code(), "year": str(year), "target": f"{value:.10g}", "unit": m.unit,
                         "source": TARGET_SOURCE, "note": note})
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def write_synthetic(cat: Catalogue, folder: Path, seed: int = SEED) -> Path:
    """Rebuild the synthetic dataset's vintage store and assigned targets in ``folder`` (keeps dataset.yaml)."""
    from ..core.fileio import atomic_write_text
    from .store import append_vintage, building, remove_figures

    figures = make_synthetic(cat, seed)
    with building(folder):
        remove_figures(folder)
        append_vintage(folder, figures, ingested_at=f"{KNOWN_FROM}T00:00:00Z", known_from=KNOWN_FROM,
                       sha256=f"synthetic-seed-{seed}", source=SOURCE)
    atomic_write_text(folder / "targets.csv", make_assigned_targets(cat, figures).to_csv(index=False, lineterminator="\n"))
    from . import rectification, special, standards

    atomic_write_text(folder / special.FILE, special.synthetic_special(cat).to_csv(index=False, lineterminator="\n"))
    atomic_write_text(folder / standards.FILE, standards.synthetic_standards(cat).to_csv(index=False, lineterminator="\n"))
    atomic_write_text(folder / rectification.FILE,
                      rectification.synthetic_rectification(cat).to_csv(index=False, lineterminator="\n"))
    return folder

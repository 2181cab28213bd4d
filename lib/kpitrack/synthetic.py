"""A synthetic demo dataset: all 25 KPIs, 2015-2020, made by code with a fixed seed.

Every figure it makes has quality ``synthetic`` and every output that shows it says so.
The generator follows each measure's plan trajectory at a pace drawn per KPI, so the demo
shows every status (ahead, on track, lagging, going backwards), with small noise.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .actuals import CITY, COLUMNS
from .plan import Catalogue, Measure
from .trajectory import YEARS, trajectory

SEED = 20171130  # the plan's date of issue
SOURCE = f"kpitrack.synthetic (seed={SEED})，合成数据"
#: Paces of progress (share of the planned change achieved) and how often each is drawn.
PACES = (1.15, 1.0, 0.85, 0.55, -0.3)
PACE_WEIGHTS = (0.2, 0.35, 0.2, 0.15, 0.1)
#: Starting points for measures whose plan gives no number to start from (synthetic, not real).
DEFAULTS: dict[str, tuple[float, float]] = {  # measure id: (2015 value, yearly growth % or increment)
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
        if math.isnan(t[YEARS[0]]):
            y0, y1 = known.index[0], known.index[1]
            v0, v1 = known.iloc[0], known.iloc[1]
            for y in range(YEARS[0], y0):
                t[y] = v0 - (v1 - v0) / (y1 - y0) * (y0 - y) if m.value_type == "flow" or m.growth_model == "linear" else v0 * (v0 / v1) ** ((y0 - y) / (y1 - y0))
        return t.interpolate()
    if math.isnan(base):
        raise ValueError(f"no synthetic starting point for {m.id}: add it to DEFAULTS")
    compound = m.growth_model == "compound"
    path = [base * (1 + step / 100) ** i if compound else base + step * i for i in range(len(YEARS))]
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
                    value = planned * (0.55 + 0.45 * pace) + float(rng.normal(0, 0.5)) if y > YEARS[0] else planned
                elif m.value_type == "flow" or m.unit == "小时/周" or m.id == "K14.unemployment":
                    value = planned * (0.7 + 0.3 * pace) * (1 + noise)
                    if m.id == "K14.unemployment":
                        value = planned + (1 - pace) * 1.2 * (y - YEARS[0]) / 5 + float(rng.normal(0, 0.1))
                else:
                    value = (base + pace * (planned - base)) * (1 + noise * (y > YEARS[0]))
                if m.unit in INTEGER_UNITS:
                    value = round(value)
                if m.unit == "%" and m.value_type == "level":
                    value = min(max(value, 0.0), 100.0)
                rows.append({"measure_id": m.id, "region": CITY, "period": int(y), "value": round(float(value), 2),
                             "unit": m.unit, "quality": "synthetic", "method": "synthetic", "revision": 0,
                             "source": SOURCE, "note": f"合成数据；该KPI的进度系数={pace:g}"})
    return pd.DataFrame(rows, columns=COLUMNS)

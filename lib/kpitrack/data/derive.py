"""Plan measures computed from published figures, marked ``derived`` (method ``computed``).

Two computations, each kept simple enough to check by hand:

* :func:`chain_level` — a level at constant prices from a base-year level and the yearly real
  growth rates after it (GDP at 2015 prices = GDP 2015 × Π(1 + g_t/100));
* :func:`growth_from_levels` — a yearly growth rate from two consecutive levels (nominal: no
  adjustment of coverage, so it may differ from a published like-for-like rate).

:func:`derive_figures` applies the rules of ``data/sources/mapping.yaml`` (``derived:``) to the
figures of the dataset, once for every date on which an input became known, so that a revision
of an input yields a new derived figure known from that date: the vintages stay honest. Only
official inputs are used, and the note of every derived figure says how it was computed from what.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..data.regions import city_code
from .store import FIGURE_COLUMNS

COMPUTED = "computed"


def chain_level(base_year: int, base: float, growth: Mapping[int, float]) -> dict[int, float]:
    """Levels at the base year's prices: the base, then each year grown by its real rate (%), for
    as long as the years follow each other without a gap.

    >>> {y: round(v, 6) for y, v in chain_level(2015, 100.0, {2016: 10.0, 2017: 5.0, 2019: 3.0}).items()}
    {2015: 100.0, 2016: 110.0, 2017: 115.5}
    """
    out = {base_year: float(base)}
    year, level = base_year, float(base)
    while year + 1 in growth:
        year += 1
        level *= 1 + float(growth[year]) / 100
        out[year] = level
    return out


def growth_from_levels(levels: Mapping[int, float]) -> dict[int, float]:
    """Yearly growth rates (%) wherever two consecutive years have levels.

    >>> {y: round(g, 2) for y, g in growth_from_levels({2018: 1825.06, 2019: 1965.97, 2021: 2387.0}).items()}
    {2019: 7.72}
    """
    return {y: (float(levels[y]) / float(levels[y - 1]) - 1) * 100 for y in sorted(levels)
            if y - 1 in levels and float(levels[y - 1]) != 0}


def _known_at(figures: pd.DataFrame, measure_id: str, date: str) -> dict[int, tuple[float, str]]:
    """Official yearly city figures of a measure as known on ``date``, on one basis (revised where
    the revisions cover every year, else first published: never a growth rate from levels of two
    bases, ``kpitrack.data.figures.series_basis``): year -> (value, known_from)."""
    from .figures import series_basis

    f = figures[(figures["measure_id"] == measure_id) & (figures["region"] == city_code()) & (figures["method"] == "official")
                & (figures["period"].str.len() == 4) & (figures["known_from"] <= date)]
    if len(f):
        f = f[~series_basis(f.assign(year=f["period"].astype(int)))]
    f = f.sort_values(["period", "known_from"], kind="stable").drop_duplicates("period", keep="last")
    return {int(r.period): (float(r.value), str(r.known_from)) for r in f.itertuples()}


def derive_figures(figures: pd.DataFrame, rules: list[dict], units: Mapping[str, str]) -> pd.DataFrame:
    """Derived figures (columns :data:`FIGURE_COLUMNS`) for the ``rules``:

    ``{measure, how: chain, base_year, level, growth}``: ``measure`` at ``base_year`` prices from
    the ``level`` measure's base-year figure and the ``growth`` measure's real rates;
    ``{measure, how: growth, level}``: ``measure`` as the yearly growth of the ``level`` measure.
    """
    rows: list[dict] = []
    for rule in rules:
        inputs = [rule["level"]] + ([rule["growth"]] if rule["how"] == "chain" else [])
        dates = sorted(set(figures.loc[figures["measure_id"].isin(inputs), "known_from"]))
        last: dict[int, float] = {}
        for date in dates:
            level = _known_at(figures, rule["level"], date)
            if rule["how"] == "chain":
                base_year = int(rule["base_year"])
                if base_year not in level:
                    continue
                growth = _known_at(figures, rule["growth"], date)
                values = chain_level(base_year, level[base_year][0], {y: v for y, (v, _) in growth.items()})
                b = f"{level[base_year][0]:.10g}"
                note = {y: (f"由{base_year}年地区生产总值{b}亿元（{base_year}年价格即现价）按可比价增速"
                            f"（{'、'.join(f'{t}年{growth[t][0]:.10g}%' for t in range(base_year + 1, y + 1))}）连乘推算"
                            if y > base_year else f"推算的基期：{base_year}年公布的地区生产总值{b}亿元（{base_year}年价格即现价）")
                        for y in values}
            else:
                values = growth_from_levels({y: v for y, (v, _) in level.items()})
                note = {y: f"由{y - 1}年、{y}年总量（{level[y - 1][0]:.10g}、{level[y][0]:.10g}）计算的名义增速，"
                           "未作口径调整，可能与公布的同口径增速不同" for y in values}
            for year, value in values.items():
                if year in last and abs(last[year] - value) < 1e-9:
                    continue  # unchanged by this date's news
                last[year] = value
                rows.append({"measure_id": rule["measure"], "region": city_code(), "period": str(year), "value": f"{value:.10g}",
                             "unit": units[rule["measure"]], "quality": "derived", "method": COMPUTED,
                             "source": f"kpitrack.data.derive（{rule['how']}）", "note": note[year], "known_from": date})
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)

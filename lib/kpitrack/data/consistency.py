"""Checks across a dataset's figures that no single row can fail: a running total of a flow that
falls within a year, and a December year-to-date figure that differs from the year's figure.

Both would make two documents disagree (the December bulletin and the final evaluation), so
``kpitrack validate`` refuses them, naming the file, row and field. A running total may fall only
where the later figure is marked a revision (quality ``revised``).
"""

from __future__ import annotations

import pandas as pd

from ..core.exceptions import Problem, Reason
from ..plan.catalogue import Catalogue
from .actuals import Dataset



def decimals(x: float) -> int:
    """The decimals a stored figure was given (at most 6): 37.4 -> 1, 37.37 -> 2, 13500 -> 0."""
    for d in range(7):
        if abs(round(x, d) - x) < 1e-9:
            return d
    return 6


def agree(a: float, b: float) -> bool:
    """Two figures of one quantity agree when they are equal at the precision of the coarser one
    (37.37 and 37.4 agree; 37.37 and 37.5 do not)."""
    d = min(decimals(a), decimals(b))
    return abs(round(a, d) - round(b, d)) < 10 ** -d / 2 + 1e-9


def _latest(obs: pd.DataFrame) -> pd.DataFrame:
    """Each (measure, region, year, month, method) once: the figure known last."""
    return obs.sort_values(["known_from", "vintage"], kind="stable").drop_duplicates(
        ["measure_id", "region", "year", "month", "method"], keep="last")


def _where(ds: Dataset, vintage: int) -> str:
    return str(ds.folder / "vintages" / f"{int(vintage):04d}.csv") if ds.folder is not None else ds.name


def consistency_problems(ds: Dataset, cat: Catalogue) -> list[Problem]:
    """Every inconsistency between a dataset's monthly and yearly figures (see the module doc)."""
    problems: list[Problem] = []
    obs = _latest(ds.observations)
    running = {m.id for m in cat.measures if m.ytd == "sum"}
    monthly = obs[(obs["month"] > 0) & obs["measure_id"].isin(running)].sort_values(["measure_id", "region", "method", "year", "month"])
    for (mid, region, method, year), g in monthly.groupby(["measure_id", "region", "method", "year"], sort=False):
        prev = None
        for r in g.itertuples():
            if prev is not None and r.value < prev.value and r.quality != "revised":
                problems.append(Problem(_where(ds, r.vintage), None, "value",
                                        f"{mid} {region} {r.period}: the running total {r.value:g} is below {prev.value:g} of "
                                        f"{prev.period}; a running total of a flow falls only through a revision (quality revised)",
                                        Reason.INCONSISTENT))
            prev = r
    annual = obs[obs["month"] == 0].set_index(["measure_id", "region", "year", "method"])["value"]
    december = obs[(obs["month"] == 12)]
    for r in december.itertuples():
        m = cat.measure(r.measure_id)
        if m.ytd not in ("sum", "mean", "rate"):
            continue
        key = (r.measure_id, r.region, r.year, r.method)
        if key not in annual.index:
            continue
        a = float(annual.loc[key])
        if not agree(float(r.value), a):
            problems.append(Problem(_where(ds, r.vintage), None, "value",
                                    f"{r.measure_id} {r.region} {r.period}: the December year-to-date figure {r.value:g} differs "
                                    f"from the year's figure {a:g} of {r.year}; the two must agree, or one of them is wrong",
                                    Reason.INCONSISTENT))
    return problems

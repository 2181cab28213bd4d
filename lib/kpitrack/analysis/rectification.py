"""The rectification of the problems raised by the public (Table 3), year by year: how many problems
had a rectification target, how many were done and disclosed, and the average satisfaction of the
special surveys against the plan's target (二.(三)：对社会评价意见整改的满意度平均达到85%以上).
Per lead unit as well. Read from the dataset's rectification ledger (:mod:`kpitrack.data.rectification`)."""

from __future__ import annotations

import pandas as pd

from ..data.rectification import RectificationLedger
from ..plan.catalogue import Catalogue
from ..plan.schema import plan_base_year, plan_end_year

#: the plan's target: average satisfaction with the rectification at least 85%
SATISFACTION_TARGET = 85.0


def by_year(ledger: RectificationLedger, up_to: int | None = None) -> pd.DataFrame:
    """One row per year: problems with a target, done, partly done, disclosed, surveyed, the average
    satisfaction and whether it reached the target (None: no survey that year)."""
    up_to = plan_end_year() if up_to is None else up_to
    rows = []
    df = ledger.rows if ledger.rows is not None else pd.DataFrame(columns=["year", "done", "disclosed", "satisfaction"])
    for y in range(plan_base_year() + 1, up_to + 1):
        d = df[df["year"] == y]
        sat = d["satisfaction"].dropna()
        mean = float(sat.mean()) if len(sat) else None
        rows.append({"year": y, "targets": len(d), "done": int((d["done"] == "yes").sum()), "partly": int((d["done"] == "partly").sum()),
                     "disclosed": int((d["disclosed"] == "yes").sum()), "surveyed": len(sat), "satisfaction": mean,
                     "met": None if mean is None else round(mean, 1) >= SATISFACTION_TARGET})
    return pd.DataFrame(rows)


def by_unit(cat: Catalogue, ledger: RectificationLedger, year: int) -> pd.DataFrame:
    """One row per lead unit in ``year``: its problems with a target, done, and average satisfaction
    (a problem led by two units counts for both)."""
    lead = {p.id: p.lead_units for a in cat.problem_areas for p in a.problems}
    df = ledger.rows if ledger.rows is not None else pd.DataFrame(columns=["problem", "year", "done", "satisfaction"])
    d = df[df["year"] == year]
    units: dict[str, dict] = {}
    for r in d.itertuples():
        for u in lead.get(r.problem, ()):
            x = units.setdefault(u, {"unit": u, "targets": 0, "done": 0, "scores": []})
            x["targets"] += 1
            x["done"] += r.done == "yes"
            if r.satisfaction == r.satisfaction:
                x["scores"].append(r.satisfaction)
    rows = [{"unit": x["unit"], "targets": x["targets"], "done": x["done"],
             "satisfaction": sum(x["scores"]) / len(x["scores"]) if x["scores"] else None} for x in units.values()]
    out = pd.DataFrame(rows, columns=["unit", "targets", "done", "satisfaction"])
    return out.sort_values(["satisfaction", "unit"], na_position="last", kind="stable").reset_index(drop=True)

"""Table 5's standards against the plan's schedule: by each year's end, how many of the standards due
by then (formulated or revised in that year or before) were issued, which are overdue, and the same
per responsible unit. Read from the dataset's standards ledger (:mod:`kpitrack.data.standards`)."""

from __future__ import annotations

import pandas as pd

from ..data.standards import StandardsLedger
from ..plan.catalogue import Catalogue
from ..plan.schema import plan_base_year, plan_end_year


def _issued_year(ledger: StandardsLedger) -> dict[int, int]:
    rows = ledger.rows if ledger.rows is not None else pd.DataFrame(columns=["no", "issued_on"])
    return {int(r.no): int(str(r.issued_on)[:4]) for r in rows.itertuples()}


def by_year(cat: Catalogue, ledger: StandardsLedger, up_to: int | None = None) -> pd.DataFrame:
    """One row per year: standards due by its end, of them issued by then, overdue, the share done,
    and standards issued ahead of their year."""
    up_to = plan_end_year() if up_to is None else up_to
    issued = _issued_year(ledger)
    rows = []
    for y in range(plan_base_year() + 1, up_to + 1):
        due = [s for s in cat.standards if s.year <= y]
        done = [s for s in due if s.no in issued and issued[s.no] <= y]
        ahead = [s for s in cat.standards if s.year > y and s.no in issued and issued[s.no] <= y]
        rows.append({"year": y, "due": len(due), "issued": len(done), "overdue": len(due) - len(done),
                     "share": len(done) / len(due) if due else None, "ahead": len(ahead)})
    return pd.DataFrame(rows)


def by_unit(cat: Catalogue, ledger: StandardsLedger, year: int) -> pd.DataFrame:
    """One row per responsible unit at ``year``'s end: due, issued, overdue (with their numbers)."""
    issued = _issued_year(ledger)
    units: dict[str, dict] = {}
    for s in cat.standards:
        u = units.setdefault(s.responsible_unit, {"unit": s.responsible_unit, "total": 0, "due": 0, "issued": 0, "overdue": []})
        u["total"] += 1
        if s.year <= year:
            u["due"] += 1
            if s.no in issued and issued[s.no] <= year:
                u["issued"] += 1
            else:
                u["overdue"].append(s.no)
    out = pd.DataFrame(units.values())
    out["overdue_count"] = out["overdue"].map(len)
    return out.sort_values(["overdue_count", "unit"], ascending=[False, True], kind="stable").reset_index(drop=True)

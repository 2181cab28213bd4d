"""The whole plan at a year, beyond Table 1: what the conclusions of a report name (issue 32).

Table 2's sub-targets due and not met (or met late), Table 3's satisfaction against the plan's 85%,
Table 5's standards overdue, each from the dataset's own ledger; ``None`` where the dataset keeps no
ledger of that table (the report then says nothing it does not know). Words are made in publish.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..data.actuals import Dataset
from ..plan.catalogue import Catalogue


@dataclass(frozen=True)
class PlanWide:
    year: int
    special_missed: tuple[str, ...] | None  # names of Table 2 sub-targets due by the year and not met
    special_late: tuple[str, ...] | None  # met after their year
    special_met: int | None  # due by the year and met on time
    special_due: int | None  # due by the year (met, late or missed)
    satisfaction: float | None  # the year's average satisfaction with the rectification (Table 3), None: not surveyed
    satisfaction_target: float
    standards_due: int | None  # Table 5 standards due by the year's end
    standards_overdue: int | None  # of them not issued by then

    @property
    def satisfaction_short(self) -> bool:
        return self.satisfaction is not None and round(self.satisfaction, 1) < self.satisfaction_target


def plan_wide(cat: Catalogue, ds: Dataset, year: int) -> PlanWide:
    from .final import ACHIEVED, MISSED
    from .rectification import SATISFACTION_TARGET
    from .rectification import by_year as rect_by_year
    from .special import LATE, subtarget_status
    from .standards import by_year as std_by_year

    special = ds.special_ledger(cat)
    statuses = subtarget_status(cat, ds, special, year)
    # each with its year: a sub-target set for several years (卫生乡镇比例 2017, 2018 ...) is one line each
    missed = tuple(f"{st.special.name_zh}：{st.target.name_zh}（{st.target.year}年）" for st in statuses if st.outcome == MISSED)
    late = tuple(f"{st.special.name_zh}：{st.target.name_zh}（{st.target.year}年）" for st in statuses if st.outcome == LATE)
    met = sum(1 for st in statuses if st.outcome == ACHIEVED)
    rect = ds.rectification_ledger(cat)
    sat = None
    if rect.kept:
        rows = rect_by_year(rect, year)
        row = rows[rows["year"] == year]
        sat = None if row.empty or row["satisfaction"].iloc[0] is None else float(row["satisfaction"].iloc[0])
    std = ds.standards_ledger(cat)
    due = overdue = None
    if std.kept and cat.standards:
        rows = std_by_year(cat, std, year)
        row = rows[rows["year"] == year]
        if not row.empty:
            due, overdue = int(row["due"].iloc[0]), int(row["overdue"].iloc[0])
    return PlanWide(year, missed, late, met, len(missed) + len(late) + met, sat, float(SATISFACTION_TARGET), due, overdue)

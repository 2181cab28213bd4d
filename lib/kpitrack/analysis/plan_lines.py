"""A unit's yearly targets beyond Table 1, as lines of its score (:mod:`kpitrack.analysis.scores`).

The plan scores a unit's yearly performance targets (年度绩效目标, 三.(一).3.(2)); besides its KPI
measures these are, in a year Y:

- **Table 2**: the sub-targets due in Y of the special targets the unit leads (重点专项考核目标). A
  numeric one's completion is the year's figure over the target (the target over the figure where
  lower is better; a target of zero is met at zero or below), judged as ``kpitrack special`` judges
  it; a milestone counts 1 when reached by Y's end, 0 when reached later or, with a ledger, not at all.
  A sub-target that is one of the unit's own KPI measures is not counted twice.
- **Table 5**: the standards the unit is to formulate or revise in Y: 1 when the ledger records them
  issued by Y's end, else 0.
- **Table 3**: the problems it leads that have a rectification target for Y: 1 done, 0.5 partly
  done, 0 not done (an interpretation: the plan gives no rule for partial rectification).

Without a figure or a ledger a line is listed and not scored, with the reason. Each line is a
:class:`~kpitrack.plan.catalogue.Measure` (the sub-target read as a measure; a standard or a problem
as an item) so the score explanation shows every table alike.
"""

from __future__ import annotations

import math

from ..data.rectification import RectificationLedger
from ..data.standards import StandardsLedger
from ..plan.catalogue import Catalogue, EndTarget, Measure
from ..plan.responsible import Unit, find_unit
from .final import ACHIEVED, MISSED
from .special import LATE, SubtargetStatus, as_measure

#: (measure, target, actual, completion, why not scored): one line, as the scores read it
Line = tuple[Measure, float | None, float | None, float | None, str]
PARTLY = 0.5


def item(id_: str, group: str, name_zh: str, year: int, text_zh: str, unit: str = "项") -> Measure:
    """A countable item (a standard, a problem to rectify) as a measure with one target: done."""
    return Measure(id=id_, kpi_id=group, name_zh=name_zh, name_en="", unit=unit, direction="higher", value_type="level",
                   growth_model="linear", end_target=EndTarget(year, "level", text_zh, 1.0))


def _is(cat: Catalogue, unit: Unit, name: str) -> bool:
    u = find_unit(cat, name)
    return u is not None and u.name == unit.name


def special_lines(cat: Catalogue, unit: Unit, year: int, statuses: list[SubtargetStatus], own_measures: set[str]) -> list[Line]:
    lines: list[Line] = []
    for st in statuses:
        t = st.target
        if st.special.id not in unit.special_targets or t.year != year or t.kind == "assigned" or t.measure in own_measures:
            continue
        m = as_measure(t, st.special, cat.measure(t.measure) if t.measure else None)
        if t.kind == "milestone":
            if st.outcome in (ACHIEVED, LATE, MISSED):
                done = 1.0 if st.outcome == ACHIEVED else 0.0
                lines.append((m, 1.0, done, done, ""))
            else:
                lines.append((m, 1.0, None, None, st.reason_zh))
            continue
        if st.outcome not in (ACHIEVED, MISSED) or st.value is None:
            lines.append((m, t.value, None, None, st.reason_zh))
            continue
        target, actual = float(t.value), float(st.value)
        if target == 0:
            c = 1.0 if (actual <= 0 if m.direction == "lower" else actual >= 0) else 0.0
        elif m.direction == "lower":
            c = target / actual if actual > 0 else math.inf
        else:
            c = actual / target
        if not math.isfinite(c) or c < 0:
            lines.append((m, target, actual, None, "目标或实际值为零或负数，无法计算完成率"))
        else:
            lines.append((m, target, actual, c, ""))
    return lines


def standards_lines(cat: Catalogue, unit: Unit, year: int, ledger: StandardsLedger) -> list[Line]:
    issued = {} if ledger.rows is None else {int(r.no): str(r.issued_on) for r in ledger.rows.itertuples()}
    lines: list[Line] = []
    for s in cat.standards:
        if s.year != year or not _is(cat, unit, s.responsible_unit):
            continue
        m = item(f"表5-{s.no}", "表5", s.name_zh, year, f"{year}年{'制定' if s.action == 'formulate' else '修订'}")
        if ledger.rows is None:
            lines.append((m, 1.0, None, None, "尚未录入标准发布台账"))
        else:
            done = 1.0 if s.no in issued and int(issued[s.no][:4]) <= year else 0.0
            lines.append((m, 1.0, done, done, ""))
    return lines


def rectification_lines(cat: Catalogue, unit: Unit, year: int, ledger: RectificationLedger) -> list[Line]:
    mine = [p for a in cat.problem_areas for p in a.problems if any(_is(cat, unit, u) for u in p.lead_units)]
    if not mine:
        return []
    if ledger.rows is None:
        m = item("表3", "表3", "社会评价意见整改", year, "年度整改目标")
        return [(m, 1.0, None, None, "尚未录入整改台账")]
    rows = {r.problem: r for r in ledger.rows.itertuples() if r.year == year}
    lines: list[Line] = []
    for p in mine:
        r = rows.get(p.id)
        if r is None:
            continue  # no rectification target for the problem this year
        done = {"yes": 1.0, "partly": PARTLY, "no": 0.0}[r.done]
        lines.append((item(f"表3-{p.id}", "表3", p.text_zh, year, str(r.target_zh or "年度整改目标")), 1.0, done, done, ""))
    return lines


def plan_lines(cat: Catalogue, unit: Unit, year: int, statuses: list[SubtargetStatus],
               standards: StandardsLedger, rectification: RectificationLedger) -> list[Line]:
    """The unit's Table 2, 5 and 3 lines of ``year``, in that order."""
    own = {m.id for k in unit.kpis for m in cat.kpi(k).measures}
    return (special_lines(cat, unit, year, statuses, own) + standards_lines(cat, unit, year, standards)
            + rectification_lines(cat, unit, year, rectification))

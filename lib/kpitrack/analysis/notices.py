"""When the plan's improvement notices (绩效改进通知单) are due: an explicit rule on the monthly pace.

The rule (``data/plan/notices.yaml``, docs/methods.md): a measure of a region that is off pace in
``consecutive_months`` consecutive monthly bulletins of the same year gets a notice, addressed to
the district government for a district's figures and to the KPI's responsible units for the city's.
A notice is not issued again while an earlier one for the same region, measure and unit is still
open or answered (a closed one lets a new streak be noticed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..core import paths
from ..core.exceptions import Problem, Reason, ValidationError
from ..core.labels import STATUS_ZH, Status
from ..core.yamlio import load_yaml
from ..data.actuals import Dataset
from ..data.notices import Event, append, states
from ..data.regions import CITY, regions
from ..plan.catalogue import Catalogue
from ..plan.responsible import normalise_unit
from .pace import MonthPace, month_pace

RULE = "consecutive_off_pace"


@dataclass(frozen=True)
class NoticeRules:
    consecutive_months: int = 3
    lagging_statuses: tuple[Status, ...] = (Status.OFF_TRACK,)
    feedback_days: int = 15
    number_format: str = "杭绩改〔{year}〕{seq}号"
    district_unit: str = "{region}人民政府"


def load_rules(path: Path | None = None) -> NoticeRules:
    path = Path(path) if path else paths.plan_dir() / "notices.yaml"
    doc = load_yaml(path)
    problems = []
    n = doc.get("consecutive_months")
    if not isinstance(n, int) or not 2 <= n <= 12:
        problems.append(Problem(str(path), None, "consecutive_months", f"expected a whole number 2-12, got {n!r}", Reason.OUT_OF_RANGE))
    statuses = []
    for s in doc.get("lagging_statuses") or []:
        try:
            statuses.append(Status(s))
        except ValueError:
            problems.append(Problem(str(path), None, "lagging_statuses", f"unknown status {s!r}", Reason.NOT_ALLOWED))
    days = doc.get("feedback_days")
    if not isinstance(days, int) or days < 1:
        problems.append(Problem(str(path), None, "feedback_days", f"expected a number of days, got {days!r}", Reason.WRONG_TYPE))
    fmt = str(doc.get("number_format", ""))
    if "{year}" not in fmt or "{seq}" not in fmt:
        problems.append(Problem(str(path), None, "number_format", "must contain {year} and {seq}", Reason.INCONSISTENT))
    if problems:
        raise ValidationError(problems, "notice rules validation")
    return NoticeRules(n, tuple(statuses) or (Status.OFF_TRACK,), days, fmt, str(doc.get("district_unit", "{region}人民政府")))


@dataclass(frozen=True)
class Trigger:
    region: str        # region code
    measure_id: str
    units: tuple[str, ...]
    evidence_zh: str


def triggers(cat: Catalogue, ds: Dataset, year: int, month: int, rules: NoticeRules,
             paces: dict[int, MonthPace] | None = None) -> list[Trigger]:
    """The region-measure pairs off pace in the bulletins of the last ``consecutive_months`` months."""
    months = [month - k for k in range(rules.consecutive_months)][::-1]
    if months[0] < 1:
        return []  # a streak runs within one year: the targets are the year's
    paces = paces if paces is not None else {}
    for m in months:
        if m not in paces:
            paces[m] = month_pace(cat, ds, year, m)
    names = {r.code: r.name_zh for r in regions()}
    out = []
    last = paces[month]
    for m in last.measures:
        for code in names:
            seq = [paces[mm].get(m.id, code) for mm in months]
            if any(p is None or p.value is None or p.status not in rules.lagging_statuses for p in seq):
                continue
            steps = "；".join(f"{mm}月通报{STATUS_ZH[p.status]}（{p.reason_zh}）" for mm, p in zip(months, seq))
            evidence = (f"{names[code]}“{m.name_zh}”在{year}年{months[0]}—{months[-1]}月连续{len(months)}期月度通报中"
                        f"进度滞后：{steps}。" + ("（合成演示数据）" if ds.synthetic else ""))
            if code == CITY:
                units = tuple(dict.fromkeys(normalise_unit(u)[0] for u in cat.kpi(m.kpi_id).responsible))
            else:
                units = (rules.district_unit.format(region=names[code]),)
            out.append(Trigger(code, m.id, units, evidence))
    return out


def notice_date(year: int, month: int) -> date:
    """The day a month's notices go out with its bulletins: the 5th of the next month."""
    return date(year + (month == 12), month % 12 + 1, 5)


def issue(cat: Catalogue, ds: Dataset, register: Path, year: int, month: int, rules: NoticeRules,
          on: date | None = None) -> list[Event]:
    """Issue the notices the rule triggers at ``month`` into ``register``; nothing twice."""
    found = triggers(cat, ds, year, month, rules)
    on = on or notice_date(year, month)

    def make(events: list[Event]) -> list[Event]:
        current = states(events)
        busy = {(e.rule, e.region, e.measure_id, e.unit) for e in current.values() if e.event != "closed"}
        prefix = rules.number_format.split("{seq}")[0].format(year=year, seq="")
        seq = sum(1 for n in current if n.startswith(prefix))
        new = []
        for t in found:
            for unit in t.units:
                key = (RULE, t.region, t.measure_id, unit)
                if key in busy:
                    continue
                seq += 1
                busy.add(key)
                new.append(Event(rules.number_format.format(year=year, seq=seq), "issued", on.isoformat(), unit, t.region,
                                 t.measure_id, RULE, t.evidence_zh, (on + timedelta(days=rules.feedback_days)).isoformat(), ""))
        return new

    return append(register, make)

"""When the plan's improvement notices (绩效改进通知单) are due: an explicit rule on the monthly pace.

The rule (``data/plan/notices.yaml``, docs/methods.md): a measure of a region whose last
``consecutive_months`` figures in the monthly bulletins of the same year were all off pace gets a
notice when the newest comes out, addressed to the district government for a district's figures
and to the KPI's responsible units for the city's. A figure counts once, however many bulletins
show it (a quarterly figure stands in three; a late month repeats the previous one).
A notice is not issued again while an earlier one for the same region, measure and unit is still
open or answered (a closed one lets a new streak be noticed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..core import paths
from ..core.exceptions import Problem, Reason, ValidationError
from ..core.labels import STATUS_ZH, SYNTHETIC_DATA_ZH, Status
from ..core.yamlio import load_yaml
from ..data.actuals import Dataset
from ..data.notices import Event, append, states
from ..data.regions import city_code, regions
from ..plan.catalogue import Catalogue
from ..plan.responsible import normalise_unit
from .pace import MonthPace, month_pace

RULE = "consecutive_off_pace"


@dataclass(frozen=True)
class NoticeRules:
    consecutive_months: int = 3
    lagging_statuses: tuple[Status, ...] = (Status.OFF_TRACK,)
    feedback_days: int = 15
    number_format: str = "绩改〔{year}〕{seq}号"
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


def _streak(fetch, measure_id: str, region: str, month: int, rules: NoticeRules):
    """The last ``consecutive_months`` *figures* of a measure in a region, as the year's bulletins up
    to ``month`` showed them (oldest first), if every bulletin showing them had it lagging and the
    newest came out in this month's bulletin; else None.

    A figure counts once however many bulletins repeat it: a quarterly figure stands in three
    monthly bulletins, and a month whose figure is late shows the previous one again. Counting
    bulletins would turn one lagging quarter into "three lagging months"."""
    figures: list = []  # (data month, pace), newest first
    for mm in range(month, 0, -1):
        p = fetch(mm).get(measure_id, region)
        if len(figures) == rules.consecutive_months and (p is None or p.month != figures[-1][0]):
            break  # the bulletins before the streak's oldest figure do not matter
        if p is None or p.value is None or p.status not in rules.lagging_statuses:
            return None
        if mm == month and p.month != month:
            return None  # nothing new in this bulletin: the streak was judged when its newest figure came out
        if not figures or figures[-1][0] != p.month:
            figures.append((p.month, p))
    if len(figures) < rules.consecutive_months:
        return None  # a streak runs within one year: the targets are the year's
    return figures[::-1]


def triggers(cat: Catalogue, ds: Dataset, year: int, month: int, rules: NoticeRules,
             paces: dict[int, MonthPace] | None = None) -> list[Trigger]:
    """The region-measure pairs whose last ``consecutive_months`` figures in the year's bulletins
    (each counted once: see :func:`_streak`) were all lagging, the newest shown this month."""
    paces = paces if paces is not None else {}

    def fetch(m: int) -> MonthPace:
        if m not in paces:
            paces[m] = month_pace(cat, ds, year, m)
        return paces[m]

    names = {r.code: r.name_zh for r in regions()}
    out = []
    for m in fetch(month).measures:
        for code in names:
            streak = _streak(fetch, m.id, code, month, rules)
            if streak is None:
                continue
            steps = "；".join(f"{_period_zh(m, dm)}{STATUS_ZH[p.status]}（{p.reason_zh}）" for dm, p in streak)
            evidence = (f"{names[code]}“{m.name_zh}”在{year}年月度通报中连续{len(streak)}期进度滞后：{steps}。"
                        + (f"（{SYNTHETIC_DATA_ZH}）" if ds.synthetic else ""))
            if code == city_code():
                units = tuple(dict.fromkeys(normalise_unit(u)[0] for u in cat.kpi(m.kpi_id).responsible))
            else:
                units = (rules.district_unit.format(region=names[code]),)
            out.append(Trigger(code, m.id, units, evidence))
    return out


def _period_zh(m, data_month: int) -> str:
    """How a figure's period reads: 1—6月 (year to date), or 一季度 etc. for a quarterly measure."""
    if getattr(m, "frequency", "") == "quarterly" and data_month % 3 == 0:
        return ("一季度", "上半年", "前三季度", "全年")[data_month // 3 - 1]
    return f"1—{data_month}月" if data_month > 1 else "1月"


def notice_date(year: int, month: int) -> date:
    """The day a month's notices go out: with its bulletins (:func:`kpitrack.core.labels.reporting_day`),
    never before the figures they rest on are reported."""
    from ..core.labels import reporting_day

    return reporting_day(year, month)


def issue(cat: Catalogue, ds: Dataset, register: Path, year: int, month: int, rules: NoticeRules,
          on: date | None = None) -> list[Event]:
    """Issue the notices the rule triggers at ``month`` into ``register``; nothing twice."""
    found = triggers(cat, ds, year, month, rules)
    on = on or notice_date(year, month)

    def make(events: list[Event]) -> list[Event]:
        current = states(events)
        # a unit already holds a notice on the measure when one was open on the new notice's day: a
        # closing recorded after that day does not free it (the notice would be issued beside an open one)
        as_then = states([e for e in events if str(e.date)[:10] <= on.isoformat()])
        busy = {(e.rule, e.region, e.measure_id, e.unit) for e in as_then.values() if e.event != "closed"}
        busy |= {(e.rule, e.region, e.measure_id, e.unit) for e in current.values() if e.event != "closed"}
        # the same figures never call for a second notice, even once the first is closed
        told = {(e.rule, e.region, e.measure_id, e.unit, e.evidence) for e in current.values()}
        # a 文号's year is the year of issue (December's notices go out in January: 〔2021〕)
        prefix = rules.number_format.split("{seq}")[0].format(year=on.year, seq="")
        seq = sum(1 for n in current if n.startswith(prefix))
        new = []
        for t in found:
            for unit in t.units:
                key = (RULE, t.region, t.measure_id, unit)
                if key in busy or (*key, t.evidence_zh) in told:
                    continue
                seq += 1
                busy.add(key)
                new.append(Event(rules.number_format.format(year=on.year, seq=seq), "issued", on.isoformat(), unit, t.region,
                                 t.measure_id, RULE, t.evidence_zh, (on + timedelta(days=rules.feedback_days)).isoformat(), ""))
        return new

    return append(register, make)

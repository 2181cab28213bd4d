"""Yearly scores of the responsible units by the plan's rules (三.(一).3.(2)), explained line by line.

A unit's targets in a year are the KPI measures of the KPIs it answers for (Table 1) that have a
numeric target for that year (the plan's yearly target or trajectory value), then its Table 2
sub-targets due that year, its Table 5 standards scheduled for it and its Table 3 rectification
targets (:mod:`kpitrack.analysis.plan_lines`). Each target's
completion is the year's actual over the year's target (the other way round when lower is better);
a target without an actual or without a number is listed but not scored, with the reason. Which
targets are challenge or key challenge targets is chosen each year (``params/challenges-<year>.yaml``);
:func:`kpitrack.plan.scoring.score` turns the completions into points: 95% for basic completion,
challenge targets all-or-nothing, up to 5% for key challenge targets exceeded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.labels import SYNTHETIC_DATA_ZH
from ..core.exceptions import Problem, Reason, ValidationError
from ..core.yamlio import line_of, load_yaml
from ..data.actuals import Dataset, kpi_series
from ..plan.catalogue import Catalogue, Measure
from ..plan.responsible import Unit, responsible_units
from ..plan.schema import plan_base_year, plan_end_year
from ..plan.scoring import Score, TargetResult, score, target_points
from ..plan.trajectory import trajectory
from .plan_lines import plan_lines


@dataclass(frozen=True)
class Challenges:
    """The challenge and key challenge targets chosen for a year (measure ids)."""

    year: int
    challenge: frozenset[str] = frozenset()
    key_challenge: frozenset[str] = frozenset()
    source: str = ""
    #: chosen for a demonstration (``demonstration: true`` in the file), not by the assessment office:
    #: scores computed with it are illustrative (示意) and never a judgement of a real unit
    demonstration: bool = False

    def kind(self, measure_id: str) -> str:
        if measure_id in self.key_challenge:
            return "key_challenge"
        return "challenge" if measure_id in self.challenge else "basic"


def load_challenges(path: Path, cat: Catalogue, year: int) -> Challenges:
    """Read ``params/challenges-<year>.yaml``: ``year``, ``challenge`` and ``key_challenge`` lists of
    measure ids (a KPI id stands for all its measures).

    Raises
    ------
    ValidationError
        Naming file, line and field for an unknown id, a wrong year or a target in both lists.
    """
    doc = load_yaml(path)
    problems: list[Problem] = []
    name = str(path)
    if not isinstance(doc, dict):
        raise ValidationError([Problem(name, 1, "-", "expected year, challenge and key_challenge", Reason.WRONG_TYPE)],
                              "challenges validation")
    unknown = sorted(set(doc) - {"year", "challenge", "key_challenge", "note", "demonstration"})
    for key in unknown:
        problems.append(Problem(name, line_of(doc), key, f"unknown field {key!r} (known: year, challenge, key_challenge, note, "
                                                         "demonstration)", Reason.UNKNOWN_FIELD))
    demo = doc.get("demonstration", False)
    if not isinstance(demo, bool):
        problems.append(Problem(name, line_of(doc), "demonstration", f"expected true or false, got {demo!r}", Reason.WRONG_TYPE))
    if doc.get("year") != year:
        problems.append(Problem(name, line_of(doc), "year", f"the file is for year {doc.get('year')!r}, not {year}", Reason.INCONSISTENT))
    lists: dict[str, set[str]] = {}
    for key in ("challenge", "key_challenge"):
        ids: set[str] = set()
        items = doc.get(key) or []
        if not isinstance(items, list):
            problems.append(Problem(name, line_of(doc), key, f"expected a list of KPI or measure ids (- K12.income), got "
                                                             f"{str(items)[:40]!r}", Reason.WRONG_TYPE))
            items = []
        for item in items:
            ids |= _expand(cat, str(item), name, doc, key, problems)
        lists[key] = ids
    both = lists["challenge"] & lists["key_challenge"]
    for mid in sorted(both):
        problems.append(Problem(name, line_of(doc), "key_challenge", f"{mid} is listed as both challenge and key challenge",
                                Reason.DUPLICATE))
    if problems:
        raise ValidationError(problems, "challenges validation")
    return Challenges(year, frozenset(lists["challenge"]), frozenset(lists["key_challenge"]), name, demo is True)


def _expand(cat: Catalogue, item: str, name: str, doc: dict, key: str, problems: list[Problem]) -> set[str]:
    ids = {m.id for m in cat.measures}
    if item in ids:
        return {item}
    kpi = next((k for k in cat.kpis if k.id == item), None)
    if kpi is not None:
        return {m.id for m in kpi.measures}
    problems.append(Problem(name, line_of(doc), key, f"unknown KPI or measure {item!r}", Reason.UNKNOWN_REFERENCE))
    return set()


@dataclass(frozen=True)
class TargetLine:
    """One line of a unit's score explanation."""

    measure: Measure  # a Table 1 measure; a Table 2 sub-target read as a measure; a standard or a problem as an item
    kind: str  # basic | challenge | key_challenge
    target: float | None
    actual: float | None
    completion: float | None
    points: float | None  # credited completion (0..1) of this target, None when not scored
    why_zh: str
    table: str = "1"  # the plan's table the target comes from: 1, 2, 3 or 5
    declared: str = ""  # the kind declared for it when that is not how it is scored (a challenge that failed the tests)
    declared_why: str = ""  # why it is not scored as declared: 未通过认定, or 无法认定 (the tests cannot judge it)


@dataclass(frozen=True)
class UnitScore:
    unit: Unit
    year: int
    lines: tuple[TargetLine, ...]
    score: Score | None
    rank: int | None = None

    @property
    def scored(self) -> list[TargetLine]:
        return [ln for ln in self.lines if ln.points is not None]


def year_target(m: Measure, ds: Dataset, year: int) -> float | None:
    """The measure's numeric target for ``year``: the plan trajectory value, else a level yearly target."""
    s = kpi_series(ds, m.id, as_of=year)
    base = s.loc[s["period"] == plan_base_year(), "value"]
    traj = trajectory(m, float(base.iloc[0]) if len(base) else None)
    if year in traj.index and not pd.isna(traj[year]):
        return float(traj[year])
    yt = m.yearly_target_for(year)
    if yt is not None and yt.value is not None and yt.kind in ("level", "average"):
        return float(yt.value)
    return None


def completion(m: Measure, ds: Dataset, year: int) -> tuple[float | None, float | None, float | None, str]:
    """(completion, target, actual, why) of a measure in ``year``."""
    target = year_target(m, ds, year)
    s = kpi_series(ds, m.id, as_of=year)
    hit = s.loc[s["period"] == year]
    actual = float(hit["value"].iloc[0]) if len(hit) else None
    if target is None:
        return None, None, actual, f"规划未给出{year}年数值目标"
    if actual is None:
        return None, target, None, f"无{year}年实际值"
    if m.sign > 0:
        c = actual / target if target else math.inf
    else:
        c = target / actual if actual else math.inf
    if not math.isfinite(c) or c < 0:
        return None, target, actual, "目标或实际值为零或负数，无法计算完成率"
    return c, target, actual, ""


def unit_scores(cat: Catalogue, ds: Dataset, year: int, challenges: Challenges | None = None) -> list[UnitScore]:
    """Every responsible unit's score for ``year``, ranked (units without a scorable target last, unranked)."""
    if not plan_base_year() < year <= plan_end_year():
        raise ValueError(f"the plan's years are {plan_base_year() + 1}-{plan_end_year()}, got {year}")
    challenges = challenges or Challenges(year)
    demoted = not_qualified(cat, ds, challenges)
    statuses, standards, rectification = _plan_ledgers(cat, ds, year)
    out = []
    for unit in responsible_units(cat).values():
        lines = []
        raw = [(m, *completion(m, ds, year), "1") for kid in unit.kpis for m in cat.kpi(kid).measures]
        raw += [(m, c, target, actual, why, m.kpi_id[:2] if m.kpi_id.startswith("表") else "2")
                for m, target, actual, c, why in plan_lines(cat, unit, year, statuses, standards, rectification)]
        for m, c, target, actual, why, table in raw:
            declared = challenges.kind(m.id)
            kind = "basic" if m.id in demoted else declared  # the plan: a challenge target must pass its tests first
            points = None
            if c is not None:
                tr = TargetResult(m.id, c, challenge=kind == "challenge", key_challenge=kind == "key_challenge",
                                  exceeded=c > 1)
                points = target_points(tr, cat.scoring)
            lines.append(TargetLine(m, kind, target, actual, c, points, why, table[-1], declared if declared != kind else "",
                                    demoted.get(m.id, "") if declared != kind else ""))
        results = [TargetResult(ln.measure.id, ln.completion, challenge=ln.kind == "challenge",
                                key_challenge=ln.kind == "key_challenge", exceeded=ln.completion > 1)
                   for ln in lines if ln.completion is not None]
        out.append(UnitScore(unit, year, tuple(lines), score(results, cat.scoring) if results else None))
    points = {u.unit.name: round(u.score.total * 100, 2) for u in out if u.score is not None}  # ties as the reader sees them (two decimals)
    ranked = sorted(points, key=lambda n: -points[n])
    ranks: dict[str, int] = {}
    for i, name in enumerate(ranked):
        prev = ranked[i - 1] if i else None
        ranks[name] = ranks[prev] if prev is not None and points[prev] == points[name] else i + 1
    result = [UnitScore(u.unit, u.year, u.lines, u.score, ranks.get(u.unit.name)) for u in out]
    return sorted(result, key=lambda u: (u.rank is None, u.rank or 0, u.unit.name))


def not_qualified(cat: Catalogue, ds: Dataset, challenges: Challenges) -> dict[str, str]:
    """The declared challenge targets that are not shown to pass the plan's tests (三.(一).3.(2)一:
    better than the peer cities or a leading or much-improved rank, and clearly above the unit's own
    best): they are scored as basic targets, neither all-or-nothing nor with a bonus. A target the
    tests cannot judge (no peer figures, too few of its own) is not a challenge target either: the
    plan makes passing the tests the condition, so one that cannot be shown to pass is scored as
    basic and its line says why. Returns measure id -> why, in words (未通过认定 / 无法认定…)."""
    if not (challenges.challenge or challenges.key_challenge):
        return {}
    from ..data import peers as peer_data
    from .challenges import judge

    declared = challenges.challenge | challenges.key_challenge
    unknown = "无法认定（缺对标或本市数据）"
    if not peer_data.available():
        return {mid: unknown for mid in declared}
    judged = {r.measure.id: r.qualifies for r in judge(cat, ds, peer_data.load_peers(), challenges)}
    return {mid: "未通过认定" if judged.get(mid) is False else unknown for mid in declared if judged.get(mid) is not True}


def _plan_ledgers(cat: Catalogue, ds: Dataset, year: int):
    """Table 2 judged at ``year`` and the Table 5 and 3 ledgers of the dataset (none without a folder)."""
    from .special import subtarget_status

    return subtarget_status(cat, ds, ds.special_ledger(cat), year), ds.standards_ledger(cat), ds.rectification_ledger(cat)


KIND_ZH = {"basic": "基本目标", "challenge": "挑战目标", "key_challenge": "关键性挑战目标"}

#: How to read a scores table: what the columns count, how ties and declared challenges are treated.
READING_ZH = ("计分目标“m/n”：n为该单位当年的全部目标，m为有当年数值目标和实际值、计入得分的目标，其余不计分的原因逐项列在该单位绩效卡的得分明细中；"
              "得分为计分目标得分的平均，基本目标（含一般性挑战目标）满分95分，关键性挑战目标超额完成在5分内加分；"
              "得分（保留两位小数）相同的单位并列同一位次，下一位次顺延；申报的挑战目标须通过横向（对标城市）和纵向（自身最好水平）认定，"
              "未通过或因缺少对标数据无法认定的，按基本目标计分：按完成率计分，不按“完成得满分、未完成不得分”计分，也不加分。")


def illustrative(ds: Dataset, challenges: Challenges | None) -> str:
    """Why scores are only illustrative (示意), or "" when they rest on real figures and on the
    challenge targets the assessment office chose. Scores of real units are published only then."""
    if ds.synthetic:
        return f"示意：{SYNTHETIC_DATA_ZH}，得分不反映任何单位的真实绩效"
    if challenges is None:
        return "示意：尚未录入考评办确定的挑战指标（全部按基本目标计分），得分不作为对单位的评价"
    if challenges.demonstration:
        return "示意：挑战指标为演示选择，不是考评办的真实确定，得分不作为对单位的评价"
    return ""


def scores_table(results: list[UnitScore]) -> pd.DataFrame:
    """One row per unit: rank, score out of 100, base and bonus points, targets scored."""
    rows = []
    for u in results:
        s = u.score
        rows.append({"位次": u.rank or "—", "责任单位": u.unit.name,
                     "得分": "—" if s is None else f"{s.total * 100:.2f}", "基本分（满分95）": "—" if s is None else f"{s.base * 100:.2f}",
                     "加分（满分5）": "—" if s is None else f"{s.bonus * 100:.2f}",
                     "计分目标": f"{len(u.scored)}/{len(u.lines)}"})
    return pd.DataFrame(rows)


#: what a done-or-not target's figure means, by table: a milestone, a standard, a problem's rectification
_DONE_ZH = {"2": {1.0: "已实现", 0.0: "未按期实现"}, "5": {1.0: "已发布", 0.0: "未发布"},
            "3": {1.0: "完成", 0.5: "部分完成", 0.0: "未完成"}}


def _shown(ln: TargetLine) -> tuple[str, str]:
    """(target, actual) of a line as the explanation shows them: figures with their unit; for a target
    that is done or not (a milestone, a standard, a rectification) what was to be done and whether it was."""
    from ..core.labels import fmt, fmt_pair

    m = ln.measure
    if ln.table in "35" or (ln.table == "2" and not m.unit):
        words = _DONE_ZH["2" if ln.table == "2" else ln.table]
        target = m.end_target.text_zh if ln.table != "2" else "按期实现"
        return target, "—" if ln.actual is None else words.get(ln.actual, fmt(ln.actual))
    actual, target = fmt_pair(ln.actual, ln.target, m.unit)  # 3.29% against 3.30%, never 3.3% against 3.3%
    return target, actual


def explanation(u: UnitScore) -> pd.DataFrame:
    """The unit's score line by line: the table, target, actual, completion, kind, credited points."""
    rows = []
    for ln in u.lines:
        m = ln.measure
        target, actual = _shown(ln)
        rows.append({"表": f"表{ln.table}", "指标": f"{m.kpi_id} {m.name_zh}" if ln.table in "12" else m.name_zh,
                     "类型": KIND_ZH[ln.kind] + (f"（申报为{KIND_ZH[ln.declared]}，{ln.declared_why or '未通过认定'}）" if ln.declared else ""),
                     "年度目标": target, "实际": actual,
                     "完成率": "—" if ln.completion is None else f"{ln.completion:.1%}",
                     "计分": "不计分：" + ln.why_zh if ln.points is None else f"{ln.points * 100:.1f}%"})  # as the cards print it
    return pd.DataFrame(rows)

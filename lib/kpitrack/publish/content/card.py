"""What a performance card (绩效卡) shows: one responsible unit's KPIs and special targets at a year.

The plan shows "各单位目标完成情况" on 绩效卡 (seed 三.(一).3.(3)). A card lists, for every measure of
the KPIs the unit answers for: the year's target, the latest figure, the status light, the 2020
outlook (probability of meeting the target) and, where it lags, what it would take; then the
special targets it leads with their 2020 targets. ``notebooks/performance_card.ipynb`` only calls
these functions and shows their results.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ...analysis.outlook import Outlook, probability_text
from ...analysis.progress import KPIStatus
from ...analysis.verdict import Verdicts, verdicts
from ...analysis.scores import KIND_ZH, TargetLine, UnitScore, illustrative, load_challenges, unit_scores
from ...core.exceptions import ParameterError
from ...core.labels import STATUS_ZH, Status, dates_zh, fmt, fmt_pair, synthetic_warning
from ...data.records import challenges_file
from ...data.actuals import Dataset, load_dataset
from ...plan.catalogue import Catalogue, catalogue
from ...plan.responsible import Unit, find_unit, responsible_units
from ...plan.schema import plan_base_year, plan_end_year
from .display import escape_markdown, status_cell
from .params import check_common

LIGHT = {Status.ACHIEVED: "●", Status.ON_TRACK: "●", Status.AT_RISK: "●", Status.OFF_TRACK: "●", Status.INSUFFICIENT: "○", Status.NO_TARGET: "○"}


def completion_text(ln: TargetLine | None, *, cumulative: bool = False) -> str:
    """The year's completion as the score counts it; for a measure shown as a sum so far (累计), with
    the year's own figures it is worked out from, so that it is never read against the sums beside it."""
    if ln is None or ln.completion is None:
        return "—"
    text = f"{ln.completion:.1%}"
    if cumulative and ln.actual is not None and ln.target is not None:
        unit = ln.measure.unit
        text += f"（当年{fmt(ln.actual, unit)}/{fmt(ln.target, unit)}）"
    return text


@dataclass(frozen=True)
class Card:
    cat: Catalogue
    ds: Dataset
    unit: Unit
    as_of: int
    verdicts: Verdicts  # the year's verdicts (the same records as the mid-term report's)
    score: UnitScore | None = None  # the unit's score of the year by the plan's rules (same as kpitrack scores)
    score_note: str = ""  # why the score is only illustrative (示意), or ""
    ranked: int = 0  # how many units have a score and a rank that year

    @property
    def statuses(self) -> dict[str, KPIStatus]:
        return {k.kpi_id: k for k in self.verdicts.kpis if k.kpi_id in self.unit.kpis}

    @property
    def outlooks(self) -> dict[str, Outlook]:
        return {m.id: self.verdicts[m.id].outlook for k in self.unit.kpis for m in self.cat.kpi(k).measures}


def check_unit(cat: Catalogue, text: object) -> Unit:
    unit = find_unit(cat, str(text))
    if unit is None:
        raise ParameterError(f"parameter unit: unknown responsible unit {text!r}; known: {'、'.join(responsible_units(cat))}")
    return unit


def prepare(unit: str, as_of: int, dataset: str, data_as_of: str = "") -> Card:
    """The card of ``unit`` at year ``as_of`` (ParameterError for an unknown unit, year or dataset)."""
    dataset, _, data_as_of = check_common(dataset, "zh", data_as_of)
    if as_of is None:  # the plan's middle year, as the mid-term evaluation
        from .report import mid_year

        as_of = mid_year()
    try:
        as_of = int(as_of)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter as_of: expected a year such as 2018, got {as_of!r}") from None
    if not plan_base_year() < as_of <= plan_end_year():
        raise ParameterError(f"parameter as_of: the plan runs {plan_base_year() + 1}-{plan_end_year()}; got {as_of}")
    cat = catalogue()
    u = check_unit(cat, unit)
    ds = load_dataset(dataset, cat, known_at=data_as_of or None)
    judged = verdicts(cat, ds, as_of)
    path = challenges_file(as_of)
    challenges = load_challenges(path, cat, as_of) if path.is_file() else None
    scores = unit_scores(cat, ds, as_of, challenges)
    score = next((s for s in scores if s.unit.name == u.name), None)
    ranked = sum(1 for s in scores if s.score is not None and s.rank is not None)
    return Card(cat, ds, u, as_of, judged, score, illustrative(ds, challenges), ranked)


#: The card's sections, in order: (key, title); those the plan has no table for are left out.
SECTIONS = (("kpis", "关键绩效指标"), ("trends", "趋势"), ("special", "牵头的重点专项目标"), ("standards", "负责的标准与牵头整改的社会评价问题"),
            ("scores", "得分明细"))
NUMERALS = "一二三四五六七八九十"


def heading(c: Card, key: str) -> str:
    """The heading of one section (## 三、牵头的重点专项目标), numbered among those the card has; "" when
    the plan has no such table (a plan without Table 2 gets no Table 2 section)."""
    present = [(k, t) for k, t in SECTIONS
               if k not in ("special", "standards") or (c.cat.special_targets if k == "special" else (c.cat.standards or c.cat.problem_areas))]
    for i, (k, t) in enumerate(present):
        if k == key:
            return f"## {NUMERALS[i]}、{t}"
    return ""


def title(c: Card) -> str:
    return f"{c.unit.name}绩效卡（{c.as_of}年）"


def signoff(c: Card):
    """The 落款: the office and the 成文日期 (the same date as the head's)."""
    from .masthead import signoff as tail

    return tail(c.ds, up_to=c.as_of)


def imprint(c: Card):
    """The 版记: a unit's card is printed for the unit, copied to no one."""
    from .masthead import imprint as tail

    return tail(c.ds, up_to=c.as_of, copies="")


def masthead(c: Card):
    """The card's head: the office, 文号, the title, 主送 the unit itself."""
    from .masthead import masthead as head

    return head(title(c), c.ds, up_to=c.as_of, recipients=c.unit.name)


def headline(c: Card) -> str:
    counts = {st: 0 for st in Status}
    for s in c.statuses.values():
        for ms in s.measures:
            counts[ms.status] += 1
    n_measures = sum(counts.values())
    lines = [f"**责任单位：** {escape_markdown(c.unit.name)}"
             + (f"（{escape_markdown('、'.join(c.unit.aliases))}）" if c.unit.aliases else "")
             + f"　**评估年份：** {c.as_of}年　**数据：** {escape_markdown(c.ds.label_zh)}",
             "", f"**负责的关键绩效指标：** {len(c.unit.kpis)}项（子指标{n_measures}项）　"
                 f"**牵头的专项目标：** {len(c.unit.special_targets)}项"]
    if n_measures:  # the statuses count sub-indicators, as the table below lists them (none: no line)
        lines += ["", "子指标状态：" + "　".join(f"{STATUS_ZH[st]} {n}项" for st, n in counts.items() if n)]
    if c.ds.synthetic:
        lines += ["", synthetic_warning("绩效卡")]
    return "\n".join(lines)


def score_text(c: Card) -> str:
    """The unit's score of the year, the same figure as the yearly scores, with its caveat."""
    s = c.score
    if s is None or s.score is None:
        return f"**{c.as_of}年得分：** 不计分（本单位当年没有可计分的数值目标）。"
    text = (f"**{c.as_of}年得分：** {s.score.total * 100:.2f}分（基本分{s.score.base * 100:.2f}，加分{s.score.bonus * 100:.2f}），"
            f"在有得分的{c.ranked}个责任单位中列第{s.rank}位；计分目标{len(s.scored)}项。")
    if c.score_note:
        text += f"\n\n*{escape_markdown(c.score_note)}。*"
    return text


def score_table(c: Card) -> pd.DataFrame:
    """The unit's score line by line (every target of Tables 1, 2, 3 and 5 it answers for: its kind,
    the year's target and actual, completion and points), the lines its score and rank add up from:
    the yearly scores' own explanation (:func:`kpitrack.analysis.scores.explanation`)."""
    from ...analysis.scores import explanation

    return explanation(c.score) if c.score is not None and c.score.lines else pd.DataFrame()


def score_sum(c: Card) -> str:
    """How the lines of :func:`score_table` make the unit's score: the mean of the scored lines' points
    times the base share, plus the bonus (the plan's rule, :func:`kpitrack.plan.scoring.score`)."""
    s = c.score
    if s is None or s.score is None or not s.scored:
        return ""
    rules = c.cat.scoring
    mean = sum(ln.points for ln in s.scored) / len(s.scored)
    return (f"得分＝{len(s.scored)}项计分目标计分的平均{mean:.2%}×{rules.base_share * 100:g}分＝{s.score.base * 100:.2f}分（基本分），"
            f"加关键性挑战目标超额完成的加分{s.score.bonus * 100:.2f}分（至多{rules.bonus_share * 100:g}分），"
            f"合计{s.score.total * 100:.2f}分；不计分的目标不进入平均。")


def score_note() -> str:
    """Why a light and a score of the same measure may differ."""
    from ...plan.schema import plan_base_year, plan_end_year

    return (f"*说明：“状态”看{plan_base_year()}年以来的进度能否在{plan_end_year()}年达到规划目标（判断方法见中期评估报告的附件）；“本年完成率”和“计分”按规划第三部分第（一）项第3条第（2）款，"
            "看当年实际是否达到当年目标值。当年目标完成而长期进度不足时，会出现得分满分而状态为“存在风险”的情况，两者并不矛盾。*")


def kpi_table(c: Card) -> pd.DataFrame:
    rows = []
    lines = {ln.measure.id: ln for ln in (c.score.lines if c.score else ())}
    for kid in c.unit.kpis:
        k = c.cat.kpi(kid)
        for m in k.measures:
            v = c.verdicts[m.id]
            ms, o = v.status, v.outlook
            ln = lines.get(m.id)
            # the year's figure and target side by side: digits enough to show why (3.29% against 3.30%)
            shown_latest, shown_target = fmt_pair(ms.latest_value, ms.trajectory_value, m.unit) \
                if ms.latest_year == ms.trajectory_year else (fmt(ms.latest_value, m.unit), fmt(ms.trajectory_value, m.unit))
            if ms.method == "cumulative":  # a sum so far against the trajectory's sum to the year
                shown_latest, shown_target = f"累计{fmt(ms.latest_value, m.unit)}", f"累计{fmt(ms.trajectory_value, m.unit)}"
            if ms.trajectory_year is not None and ms.trajectory_year != c.as_of:
                shown_target += f"（{ms.trajectory_year}年）"  # the year judged, as the figure beside it
            latest = "—" if ms.latest_value is None else f"{shown_latest}（{ms.latest_year}年）"
            rows.append({
                "编号": kid, "指标": m.name_zh,
                f"{c.as_of}年目标": "—" if ms.trajectory_value is None else shown_target,
                "实际值": latest,  # the figure judged, its year beside it
                "状态": status_cell(ms.status, f"{LIGHT[ms.status]} {STATUS_ZH[ms.status]}"),
                f"{plan_end_year()}年达标概率": probability_text(o.probability) if o.assessable else "—",
                "要实现目标需要": advice_cell(v),
                "本年完成率": completion_text(ln, cumulative=ms.method == "cumulative"),
                "计分": "不计分" if ln is None or ln.points is None else f"{KIND_ZH[ln.kind]} {ln.points * 100:.1f}%",
            })
    return pd.DataFrame(rows)


def advice_cell(v) -> str:
    """The card's "what it takes" cell, from the verdict: a status on course beside an unlikely
    prospect says why both hold."""
    o = v.outlook
    if not o.assessable:
        return "—"
    if v.tension and o.already_met:
        return f"已提前达到，但按近年走势可能回落：{o.what_it_takes_zh()}"
    if v.tension:
        return f"当年进度达到要求，但按近年走势{o.target_year}年目标达标概率不足五成：{o.what_it_takes_zh()}"
    if v.status.status in (Status.AT_RISK, Status.OFF_TRACK) and not v.listed_as_miss:
        return "当年进度落后于轨迹，但按近年走势仍可能实现，需加快进度"
    return o.what_it_takes_zh()


ACTION_ZH = {"formulate": "制定", "revise": "修订"}
DONE_ZH = {"yes": "完成", "partly": "部分完成", "no": "未完成"}


def _is_unit(c: Card, name: str) -> bool:
    u = find_unit(c.cat, name)
    return u is not None and u.name == c.unit.name


def special_table(c: Card) -> pd.DataFrame:
    """Every sub-target of the special targets the unit leads, judged at the card's year as
    ``kpitrack special`` and the reports judge them (one computation:
    :func:`~kpitrack.analysis.special.subtarget_status`); a special target's name stands on its first
    row only, and one without numeric sub-targets says what the plan asks instead."""
    from ...analysis.special import subtarget_status
    from .display import outcome_cell

    columns = ["专项目标", "子目标", "目标", "目标年份", "数据", "结果", "依据"]
    mine = set(c.unit.special_targets)
    if not mine:
        return pd.DataFrame(columns=columns)
    ledger = c.ds.special_ledger(c.cat)
    statuses = subtarget_status(c.cat, c.ds, ledger, c.as_of)
    rows = []
    for s in c.cat.special_targets:
        if s.id not in mine:
            continue
        own = [st for st in statuses if st.special.id == s.id]
        for i, st in enumerate(own):
            t = st.target
            rows.append({"专项目标": f"{s.id} {s.name_zh}" if i == 0 else "", "子目标": t.name_zh,
                         "目标": fmt(t.value, t.unit) if t.value is not None else "—", "目标年份": f"{t.year}年",
                         "数据": st.figure_zh, "结果": outcome_cell(st.outcome, st.outcome_zh), "依据": st.reason_zh})
        if not own:
            rows.append({"专项目标": f"{s.id} {s.name_zh}", "子目标": "—", "目标": "—", "目标年份": "—", "数据": "—",
                         "结果": "—", "依据": s.note_zh or "无量化子目标"})
    return pd.DataFrame(rows, columns=columns)


def standards_table(c: Card) -> pd.DataFrame:
    """The standards of Table 5 the unit is responsible for, with what the dataset's standards ledger
    records by the card's year (issued, overdue, not yet due; "无台账" without a ledger)."""

    ledger = c.ds.standards_ledger(c.cat)
    issued = {} if ledger.rows is None else {int(r.no): r for r in ledger.rows.itertuples()}
    rows = []
    for s in c.cat.standards:
        if not _is_unit(c, s.responsible_unit):
            continue
        r = issued.get(s.no)
        if ledger.rows is None:
            state = "无台账"
        elif r is not None and int(str(r.issued_on)[:4]) <= c.as_of:
            state = f"{dates_zh(str(r.issued_on))}发布" + (f"（{r.document_no}）" if r.document_no else "")
        else:
            state = "逾期未发布" if s.year <= c.as_of else "未到期"
        rows.append({"序号": s.no, "标准": s.name_zh, "类别": ACTION_ZH.get(s.action, s.action), "计划年份": f"{s.year}年", "情况": state})
    return pd.DataFrame(rows, columns=["序号", "标准", "类别", "计划年份", "情况"])


def problems_table(c: Card) -> pd.DataFrame:
    """The problems of Table 3 the unit leads, with the card's year's rectification from the dataset's
    rectification ledger (not listed that year, done or not, the satisfaction score)."""

    ledger = c.ds.rectification_ledger(c.cat)
    year_rows = {} if ledger.rows is None else {r.problem: r for r in ledger.rows.itertuples() if r.year == c.as_of}
    rows = []
    for area in c.cat.problem_areas:
        for p in area.problems:
            if not any(_is_unit(c, u) for u in p.lead_units):
                continue
            r = year_rows.get(p.id)
            if ledger.rows is None:
                state, sat = "无台账", "—"
            elif r is None:
                state, sat = f"{c.as_of}年未列入整改", "—"
            else:
                state = DONE_ZH.get(r.done, r.done) + ("，已公示" if r.disclosed == "yes" else "")
                sat = "未测评" if r.satisfaction != r.satisfaction else f"{r.satisfaction:.1f}%"
            rows.append({"编号": p.id, "问题": p.text_zh, f"{c.as_of}年整改": state, "满意度": sat})
    return pd.DataFrame(rows, columns=["编号", "问题", f"{c.as_of}年整改", "满意度"])


def kpis(c: Card):
    """(KPI, its status) of the card, for the trend charts."""
    return [(c.cat.kpi(k), c.statuses[k]) for k in c.unit.kpis]


def trend_figures(c: Card) -> list:
    """The trend charts of the card's KPIs that have something to draw (none: an empty list)."""
    from .figures import kpi_figure

    return [f for k, s in kpis(c) if (f := kpi_figure(k, c.ds, s, "zh", c.outlooks)) is not None]

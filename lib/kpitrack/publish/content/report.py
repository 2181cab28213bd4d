"""What the mid-term evaluation report shows: the evaluation at an as-of year, as tables and text.

The notebook ``notebooks/midterm_evaluation.ipynb`` only calls these functions and displays
their results; all computation lives here and in the modules it calls.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from ...data.actuals import Dataset, load_dataset
from ...data.source_kinds import source_kind
from .display import escape_markdown, grouped_names, status_cell
from .params import check_common
from ...core.exceptions import ParameterError
from ...core.labels import fmt_pair, quality_zh, number, shown, STATUS_EN, STATUS_ZH, UNJUDGED, Status, fmt, status_label, synthetic_warning
from ...plan.catalogue import Catalogue, catalogue
from ...analysis.outlook import Outlook, probability_number, probability_text
from ...analysis.progress import KPIStatus
from ...analysis.verdict import Verdicts, verdicts
from ...plan.schema import plan_base_year, plan_end_year, plan_start_year



@dataclass(frozen=True)
class Evaluation:
    """Everything a mid-term report shows, computed once."""

    cat: Catalogue
    ds: Dataset
    as_of: int
    language: str
    verdicts: Verdicts  # one judgement per measure: every table and sentence is written from it

    @property
    def statuses(self) -> tuple[KPIStatus, ...]:
        return self.verdicts.kpis

    @property
    def outlooks(self) -> dict[str, Outlook]:
        return self.verdicts.outlooks


def split_as_of(as_of: object, data_as_of: object = None) -> tuple[object, str]:
    """``--as-of`` takes a year, or a date: the data as known that day, evaluated for the year
    before it (the last full year). Returns (year, data date or "")."""
    text = str(as_of)
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        if data_as_of:
            raise ParameterError("give --as-of as a year when --data-as-of is given")
        return int(text[:4]) - 1, text
    return as_of, str(data_as_of or "")


def mid_year() -> int:
    """The plan's middle year: the default of a mid-term evaluation (2018 of 2016-2020, 2023 of 2021-2025)."""
    return plan_start_year() + (plan_end_year() - plan_start_year()) // 2


def outlook_caption() -> str:
    return f"{plan_end_year()}年目标达标概率不足五成的子指标"


def check_parameters(as_of: object, dataset: object, language: object, data_as_of: object = "") -> tuple[int, str, str, str]:
    """Validate report parameters (``as_of`` None: the plan's middle year); raise :class:`ParameterError`
    naming the bad one."""
    if as_of is None:
        as_of = mid_year()
    if isinstance(as_of, bool) or not isinstance(as_of, int):
        try:
            as_of = int(str(as_of))
        except ValueError:
            raise ParameterError(f"parameter as_of: expected a year such as 2018, got {as_of!r}") from None
    if not plan_base_year() < as_of <= plan_end_year():
        raise ParameterError(f"parameter as_of: the plan runs {plan_base_year() + 1}-{plan_end_year()}; got {as_of}")
    dataset, language, data_as_of = check_common(dataset, language, data_as_of)
    return as_of, dataset, language, data_as_of


def evaluate(as_of: int, dataset: str, language: str = "zh", data_as_of: str = "") -> Evaluation:
    """The evaluation at year ``as_of``; with ``data_as_of`` (YYYY-MM-DD) on the data as known then."""
    as_of, dataset, language, data_as_of = check_parameters(as_of, dataset, language, data_as_of)
    cat = catalogue()
    ds = load_dataset(dataset, cat, known_at=data_as_of or None)
    return Evaluation(cat, ds, as_of, language, verdicts(cat, ds, as_of))


def _t(ev: Evaluation, zh: str, en: str) -> str:
    return zh if ev.language == "zh" else en


def headline(ev: Evaluation) -> str:
    """Markdown: what was evaluated, on which data, as of when (synthetic data says so loudly)."""
    from .masthead import dataset_label

    counts = Counter(s.status for s in ev.statuses)
    n = len(ev.statuses)
    vintages = sorted(set(ev.ds.observations["vintage"]))
    version = (f"第{vintages[0]}—{vintages[-1]}版" if len(vintages) > 1 else f"第{vintages[0]}版") if vintages else "无数据"
    lines = [
        f"**评估年份：** {ev.as_of}年　**数据：** {escape_markdown(dataset_label(ev.ds, version))}　**关键绩效指标：** {n}项",
        "",
        "　".join(f"{STATUS_ZH[st]} {counts.get(st, 0)}项" for st in Status),
    ]
    if ev.language == "en":
        lines += ["", f"*As of {ev.as_of}; data: {escape_markdown(ev.ds.title_en)}; "
                      + ", ".join(f"{STATUS_EN[st]} {counts.get(st, 0)}" for st in Status) + ".*"]
    if ev.ds.synthetic:
        lines += ["", synthetic_warning("报告", ev.language)]
    return "\n".join(lines)


def title_lines(as_of: int) -> tuple[str, str]:
    """The mid-term evaluation's title, in the lines it is set in (the page title joins them)."""
    from ...core.workspace import plan_info

    return plan_info().name_zh, f"关键绩效指标{as_of}年度中期评估报告"


def signoff(ev: Evaluation):
    """The 附件 list and the 落款 (the office and the 成文日期, the same date as the head's)."""
    from .masthead import signoff as tail

    return tail(ev.ds, up_to=ev.as_of, annexes=tuple(t for _, t in annexes(ev)))


def imprint(ev: Evaluation):
    """The 版记 after the 附件: 抄送 and the date it was printed."""
    from .masthead import imprint as tail

    return tail(ev.ds, up_to=ev.as_of)


def masthead(ev: Evaluation):
    """The document's head: issuing office, 文号, title, 主送 (see :mod:`.masthead`)."""
    from .masthead import masthead as head

    return head(title_lines(ev.as_of), ev.ds, up_to=ev.as_of)


def opening(ev: Evaluation) -> str:
    """The first paragraph: on what authority and data the evaluation was made, and what follows."""
    from ...core.workspace import plan_info
    from .masthead import dataset_label, report_verb

    vintages = sorted(set(ev.ds.observations["vintage"]))
    version = (f"第{vintages[0]}—{vintages[-1]}版" if len(vintages) > 1 else f"第{vintages[0]}版") if vintages else "无数据"
    label = dataset_label(ev.ds, version)
    text = (f"根据《{plan_info().name_zh}》关于开展中期评估的要求，依据{escape_markdown(label)}，"
            f"对{kpi_phrase(ev.cat)}截至{ev.as_of}年的进展逐项作了评估，并对{plan_end_year()}年目标的实现可能作了预测"
            + other_parts(ev.cat, ev.ds, "同时评估了") + f"。现将评估情况{report_verb()}如下。")
    lines = [text]
    if ev.language == "en":
        counts = Counter(s.status for s in ev.statuses)
        lines += ["", f"*As of {ev.as_of}; data: {escape_markdown(ev.ds.title_en)}; "
                      + ", ".join(f"{STATUS_EN[st]} {counts.get(st, 0)}" for st in Status) + ".*"]
    if ev.ds.synthetic:
        lines += ["", synthetic_warning("报告", ev.language)]
    return "\n".join(lines)


def kpi_phrase(cat: Catalogue) -> str:
    """What the plan's indicators are called: 规划表1的25项关键绩效指标 in a plan with its other tables,
    the plan's 8项主要指标 otherwise."""
    n = len(cat.kpis)
    return f"规划表1的{n}项关键绩效指标" if (cat.special_targets or cat.problem_areas or cat.standards) else f"规划的{n}项主要指标"


def other_parts(cat: Catalogue, ds, lead: str) -> str:
    """，同时评估了重点专项目标、社会评价意见整改和标准制定的情况 — only the parts the plan has, and of
    those only the ones whose ledger the dataset keeps (the others are said not evaluated, as their
    附件 say); "" for none."""
    # Table 2's sub-targets that are Table 1 measures are judged from Table 1's figures, ledger or not
    have = [(w, ledger is None or ledger(cat).kept) for has, w, ledger in (
        (cat.special_targets, "重点专项目标", None), (cat.problem_areas, "社会评价意见整改", ds.rectification_ledger),
        (cat.standards, "标准制定", ds.standards_ledger)) if has]
    done, missing = [w for w, kept in have if kept], [w for w, kept in have if not kept]
    return ((f"，{lead}{'、'.join(done)}的情况" if done else "")
            + (f"（{'、'.join(missing)}尚未录入台账，未作评估）" if missing else ""))


def overall(ev: Evaluation) -> str:
    """一、总体评价: the counts of every status, over all KPIs."""
    counts = Counter(s.status for s in ev.statuses)
    judged = [s for s in ev.statuses if s.status not in UNJUDGED]
    good = sum(1 for s in judged if s.status in (Status.ACHIEVED, Status.ON_TRACK))
    text = (f"截至{ev.as_of}年，{len(ev.statuses)}项关键绩效指标中可作判断的{len(judged)}项，已实现或进度正常的{good}项"
            + (f"（占可作判断的{good / len(judged):.0%}）" if judged else "")
            + f"，存在风险{counts.get(Status.AT_RISK, 0)}项，进度滞后{counts.get(Status.OFF_TRACK, 0)}项；"
            f"数据不足{counts.get(Status.INSUFFICIENT, 0)}项，规划未设量化目标{counts.get(Status.NO_TARGET, 0)}项。")
    misses = [m for m in ev.cat.measures if ev.verdicts[m.id].listed_as_miss]
    kept = sum(1 for m in misses if ev.verdicts[m.id].outlook.already_met)
    if ev.as_of < plan_end_year():
        text += (f"按目前态势，{len(misses)}项子指标实现{plan_end_year()}年目标的概率不足五成"
                 + (f"（其中{kept}项已提前达到目标，但可能回落）" if kept else "") + "。" if misses
                 else f"按目前态势，有预测的子指标均有五成以上把握实现{plan_end_year()}年目标。")
    return escape_markdown(text)


def achievements(ev: Evaluation) -> str:
    """二、主要成效 (:func:`kpitrack.publish.content.conclusions.achievements_md`)."""
    from .conclusions import achievements_md

    return achievements_md(ev.cat, ev.ds, ev.verdicts, ev.as_of)


def problems(ev: Evaluation) -> str:
    """三、存在的主要问题: the lagging KPIs, the targets forecast out of reach (with why a 进度正常
    measure is among them), those without data, and Tables 2, 3 and 5 (Markdown, numbered)."""
    names = {k.id: k.name_zh for k in ev.cat.kpis}
    lagging = [s for s in ev.statuses if s.status in (Status.OFF_TRACK, Status.AT_RISK)]
    misses = [m for m in ev.cat.measures if ev.verdicts[m.id].listed_as_miss]
    no_data = [s.kpi_id for s in ev.statuses if s.status == Status.INSUFFICIENT]
    out = []
    if lagging:
        out.append("进度滞后或存在风险的指标：" + "、".join(f"{s.kpi_id}{names[s.kpi_id]}（{STATUS_ZH[s.status]}）" for s in lagging) + "。")
    if misses:
        text = f"按目前态势{plan_end_year()}年目标达标概率不足五成的子指标{len(misses)}项：" + "、".join(m.name_zh for m in misses) + "。"
        both = [m for m in misses if ev.verdicts[m.id].tension and not ev.verdicts[m.id].outlook.already_met]
        if both:  # two verdicts that seem to disagree: say why both hold
            text += ("其中" + "、".join(f"{m.name_zh}（{STATUS_ZH[ev.verdicts[m.id].status.status]}，预测达标概率"
                                       f"{probability_number(ev.outlooks[m.id].probability)}）" for m in both)
                     + f"当年进度达到规划轨迹，但预测计入近年走势与波动后，{plan_end_year()}年达标的把握不足五成，需提前关注。")
        kept = [m for m in misses if ev.verdicts[m.id].outlook.already_met]
        if kept:
            text += ("、".join(f"{m.name_zh}（预测达标概率{probability_number(ev.outlooks[m.id].probability)}）" for m in kept)
                     + f"已提前达到{plan_end_year()}年目标，但按近年走势可能回落，需保持。")
        out.append(text)
    if no_data:
        out.append(f"{len(no_data)}项指标有量化目标，但给出数值目标的年份缺少数据，无法判断进度：" + "、".join(f"{k}{names[k]}" for k in no_data) + "。")
    out += plan_wide_problems(ev)
    if not out:
        return "未发现进度滞后、存在风险或缺少数据的指标。"
    return "\n".join(f"{i}. {escape_markdown(t)}" for i, t in enumerate(out, start=1))


def causes(ev: Evaluation) -> str:
    """原因分析 of each lagging measure, from its own figures (Markdown list; "" when none lags)."""
    from .conclusions import causes_md

    return causes_md(ev.cat, ev.ds, ev.verdicts, ev.as_of)


def adjustments(ev: Evaluation) -> str:
    """目标调整建议 (:func:`kpitrack.publish.content.conclusions.adjustments_md`)."""
    from .conclusions import adjustments_md

    return adjustments_md(ev.cat, ev.verdicts)


def advice(ev: Evaluation) -> str:
    """下一步工作建议: a line for every measure listed as a problem and every lagging one, by unit,
    with what it would take (Markdown list)."""
    lagging = [s for s in ev.statuses if s.status in (Status.OFF_TRACK, Status.AT_RISK)]
    misses = [m for m in ev.cat.measures if ev.verdicts[m.id].listed_as_miss]
    no_data = [s.kpi_id for s in ev.statuses if s.status == Status.INSUFFICIENT]
    out = []
    for m in misses:  # every measure listed as a problem gets its line
        k = ev.cat.kpi(m.kpi_id)
        out.append(f"{'、'.join(k.responsible)}：{m.name_zh}{ev.outlooks[m.id].what_it_takes_zh()}。")
    listed = {m.id for m in misses}
    for ks in lagging:  # a lagging measure not forecast to miss (or not forecast at all) is advised too
        k = ev.cat.kpi(ks.kpi_id)
        for ms in ks.measures:
            if ms.measure_id in listed or ms.status not in (Status.OFF_TRACK, Status.AT_RISK):
                continue
            v = ev.verdicts[ms.measure_id]
            m = ev.cat.measure(ms.measure_id)
            if v.outlook.reason == "end_year":  # the plan's last year: nothing left to speed up
                out.append(f"{'、'.join(k.responsible)}：{m.name_zh}{ev.as_of}年{STATUS_ZH[ms.status]}（{ms.reason_zh}）。")
                continue
            later = ("按近年走势仍可能实现（预测达标概率" + probability_number(v.outlook.probability) + "）" if v.outlook.assessable
                     else v.outlook.reason_zh)  # its charts may still draw the trend's forecast: no target to judge it by
            out.append(f"{'、'.join(k.responsible)}：{m.name_zh}当年{STATUS_ZH[ms.status]}（{ms.reason_zh}），{later}，需加快进度。")
    if no_data:
        out.append("各责任单位按电子台账报送缺少的年度数据，以便下次评估作出判断。")
    if not out:
        return "各责任单位按现有进度推进。"
    return "\n".join(f"{i}. {escape_markdown(a)}" for i, a in enumerate(out, start=1))


def summary(ev: Evaluation) -> str:
    """总体评价、主要问题、下一步建议 in one text (Markdown; the report sets them as its sections one,
    three and six, :func:`overall`, :func:`problems`, :func:`advice`)."""
    return "\n".join(["**总体评价：** " + overall(ev), "", "**主要问题：**", "", problems(ev), "", "**下一步建议**：", "", advice(ev)])


#: The mid-term's 附件, in order: (key, title). A part the plan or the data lack is left out, and the
#: rest are numbered in order (附件1, 附件2 …).
ANNEXES = (("kpis", "关键绩效指标评估一览表"), ("outlook", "规划期末达标预测"), ("charts", "分项指标进展"),
           ("special", "重点专项目标完成情况"), ("social", "社会评价意见整改与标准制定情况"), ("peers", "对标城市比较与挑战目标"),
           ("method", "评估方法"), ("sources", "数据来源"))


def annexes(ev: Evaluation) -> list[tuple[str, str]]:
    """The 附件 this report carries (:data:`ANNEXES` less the parts the plan has no table for)."""
    return [(k, t) for k, t in ANNEXES if _has_part(ev.cat, k)]


def _has_part(cat: Catalogue, key: str) -> bool:
    if key == "special":
        return bool(cat.special_targets)
    if key == "social":
        return bool(cat.problem_areas or cat.standards)
    return True


def _see(ev: Evaluation, key: str) -> str:
    """（见附件N） for a part the report carries as its N-th 附件, else ""."""
    for i, (k, _) in enumerate(annexes(ev), start=1):
        if k == key:
            return f"（见附件{i}）"
    return ""


def annex_heading(ev: Evaluation, key: str) -> str:
    """The heading of one 附件 (附件3　重点专项目标完成情况), or "" when the report does not carry it."""
    for i, (k, t) in enumerate(annexes(ev), start=1):
        if k == key:
            return f"## 附件{i}　{t}"
    return ""


def plan_wide_problems(ev: Evaluation) -> list[str]:
    """主要问题 beyond Table 1, from the dataset's ledgers: Table 2 sub-targets due and not met, the
    satisfaction with the rectification of Table 3 below the plan's 85%, Table 5 standards overdue."""
    from ...analysis.plan_wide import plan_wide

    pw = plan_wide(ev.cat, ev.ds, ev.as_of)
    out = []
    if pw.special_missed:
        shown = grouped_names(pw.special_missed)
        out.append(f"重点专项目标（规划表2）中已到期未实现的子目标{len(pw.special_missed)}项：{shown}。")
    if pw.special_late:
        out.append(f"逾期实现的子目标{len(pw.special_late)}项：{grouped_names(pw.special_late)}。")
    if pw.satisfaction_short:
        out.append(f"{ev.as_of}年社会评价意见整改（规划表3）的满意度平均为{pw.satisfaction:.1f}%，低于规划要求的{pw.satisfaction_target:.0f}%。")
    if pw.standards_overdue:
        out.append(f"规划表5中截至{ev.as_of}年底应制定（修订）的标准{pw.standards_due}项，逾期未发布{pw.standards_overdue}项。")
    return out


def status_counts(ev: Evaluation) -> pd.DataFrame:
    counts = Counter(s.status for s in ev.statuses)
    n = len(ev.statuses)
    return pd.DataFrame({
        _t(ev, "状态", "Status"): [status_cell(st, status_label(st, ev.language)) for st in Status],
        _t(ev, "指标数", "KPIs"): [counts.get(st, 0) for st in Status],
        _t(ev, "占比", "Share"): [f"{counts.get(st, 0) / n:.0%}" for st in Status],
    })


def kpi_table(ev: Evaluation) -> pd.DataFrame:
    """One row per KPI measure: target, latest actual, this year's trajectory value, status, source."""
    rows = []
    by_kpi = {ks.kpi_id: ks for ks in ev.statuses}  # joined by id, never by position
    for k in ev.cat.kpis:
        by_measure = {ms.measure_id: ms for ms in by_kpi[k.id].measures}
        for m in k.measures:
            ms = by_measure[m.id]
            unit = m.unit
            cumulative = m.end_target.kind == "cumulative" and ms.method == "cumulative"
            # the year's figure beside the year's trajectory value: digits enough to show why they differ
            shown_latest, shown_traj = fmt_pair(ms.latest_value, ms.trajectory_value, unit) \
                if ms.latest_year == ms.trajectory_year and not cumulative else (fmt(ms.latest_value, unit), fmt(ms.trajectory_value, unit))
            if ms.trajectory_year is not None and ms.trajectory_year != ev.as_of:
                shown_traj += f"（{ms.trajectory_year}年）"  # the year judged, as the figure beside it
            if ms.latest_value is None:
                latest = "—"
            elif cumulative:
                latest = f"累计{fmt(ms.latest_value, unit)}（至{ms.latest_year}年）"
            else:
                latest = f"{shown_latest}（{ms.latest_year}年）"
            # a figure known only from a repost, a compiled database or another page: 待核实
            source = "—" if ms.latest_quality is None else quality_zh(
                ms.latest_quality, ms.latest_note or "", ms.latest_value, low=source_kind(str(ms.latest_source or ""), str(ms.latest_method or "")).low)
            rows.append({
                _t(ev, "编号", "ID"): k.id,
                _t(ev, "指标", "Indicator"): m.name_zh if ev.language == "zh" else f"{m.name_zh} / {m.name_en}",
                _t(ev, f"{plan_end_year()}年目标", f"{plan_end_year()} target"): m.end_target.text_zh,
                _t(ev, "实际值", "Actual"): latest,  # the figure judged, its year beside it (not always the newest: 依据 says when)
                _t(ev, f"{ev.as_of}年轨迹值", f"Trajectory {ev.as_of}"): "—" if ms.trajectory_value is None
                else (f"累计{shown_traj}" if cumulative else shown_traj),
                _t(ev, "状态", "Status"): status_cell(ms.status, status_label(ms.status, ev.language)),
                _t(ev, "依据", "Basis"): ms.reason_zh,
                _t(ev, "数据来源", "Data"): source,
            })
    return pd.DataFrame(rows)


def charted(ev: Evaluation) -> tuple[list[int], str]:
    """The KPIs that get a section with a chart, and one line naming those without figures."""
    from .figures import charted as _charted

    return _charted(ev.cat.kpis, ev.ds, ev.as_of)


def kpi_charts(ev: Evaluation) -> dict:
    """The chart of each KPI that gets a section (:func:`charted`), by its place in the catalogue:
    made once the evaluation is done, so that their PDF pictures are drawn while the rest runs
    (:func:`kpitrack.publish.content.display.announce_charts`)."""
    from .figures import kpi_figure

    return {i: kpi_figure(ev.cat.kpis[i], ev.ds, ev.statuses[i], ev.language, ev.outlooks) for i in charted(ev)[0]}


def kpi_section(ev: Evaluation, index: int) -> str:
    """Markdown heading and facts for one KPI (text from the catalogue is escaped)."""
    k, ks = ev.cat.kpis[index], ev.statuses[index]
    dom = ev.cat.domain(k.domain)
    head = f"### {k.id} {escape_markdown(k.name_zh)}" + (f" / {escape_markdown(k.name_en)}" if ev.language == "en" else "")
    return "\n".join([
        head, "",
        f"- **领域：** {escape_markdown(dom.name_zh)}　**责任单位：** {escape_markdown('、'.join(k.responsible))}",
        f"- **指标值：** {escape_markdown(k.target_text_zh)}",
        f"- **分年度目标：** {escape_markdown(k.yearly_text_zh)}",
        f"- **评估状态：** {status_label(ks.status, ev.language)}",
    ])


def sources_note(ev: Evaluation) -> str:
    from .sources import appendix_note

    return appendix_note(ev.ds)


def sources_table(ev: Evaluation) -> pd.DataFrame | None:
    """附录：the sources of every yearly figure up to the evaluation year (see :mod:`.sources`);
    None for synthetic data, which has none (:func:`sources_note` says so)."""
    return None if ev.ds.synthetic else figures_sources(ev.ds, ev.as_of, ev.cat)


def figures_sources(ds: Dataset, up_to: int, cat: Catalogue) -> pd.DataFrame:
    """Every yearly figure of ``ds`` up to year ``up_to`` with its source, in Chinese (both reports)."""
    from .sources import sources_table as table

    return table(ds, up_to, {m.id: (m.name_zh, m.unit) for m in cat.measures})


def method_note() -> str:
    return (
        f"**评估方法**：先判断最新实际值是否已达到{plan_end_year()}年目标（已实现）；"
        f"否则按联合国可持续发展目标进度评估的通行做法，计算{plan_base_year()}年（或最早可比年份）以来实际年均增长（百分比类指标用年均增量）"
        "与实现目标所需年均增长之比：≥95%为“进度正常”，60%—95%为“存在风险”，<60%或反向变化为“进度滞后”。"
        "上限类指标（如失业率低于5%）看当年是否低于上限；累计类指标（保障性住房）比较累计完成与同期累计轨迹；"
        "只有年度数值目标的指标比较当年实际与年度目标。由日数据推算的值不与官方公布值混合计算进度。"
        "一项关键绩效指标含多个子指标时取最不利的状态；规划未给出量化目标的为“无量化目标”（引规划原文），有量化目标但给出数值目标的年份缺少数据的为“数据不足”，两者分别计数并说明原因。"
    )


def gap_text(o: Outlook) -> str:
    """How far the forecast (the median) falls short of the target, or beyond it, in the target's unit:
    the target minus the forecast, read in the target's direction."""
    if o.gap is None or o.forecast_median is None or o.target_value is None:
        return "—"
    # the difference of the two figures as printed beside it (target and forecast), so it adds up
    gap = (shown(o.target_value, o.unit) - shown(o.forecast_median, o.unit)) * (1 if o.direction == "higher" else -1)
    unit = "个百分点" if o.unit == "%" else o.unit
    amount = fmt(abs(gap), unit)
    if gap > 0:
        return ("低于目标" if o.direction == "higher" else "高于目标") + amount
    return "达到目标" + ("" if gap == 0 else f"（超出{amount}）")


def outlook_table(ev: Evaluation, only_misses: bool = True) -> pd.DataFrame:
    """KPI measures forecast to miss their end target (probability of meeting it below 50%):
    the forecast (the median of the forecast distribution, as on the charts) with its 80% interval,
    the probability, the gap between forecast and target, and what it would take."""
    rows = []
    for m in ev.cat.measures:
        o = ev.outlooks[m.id]
        if not o.assessable or (only_misses and not o.likely_miss):
            continue
        unit = m.unit
        what = "累计" if o.target_kind == "cumulative" else ("期内平均" if o.target_kind == "average" else f"{o.target_year}年")
        rows.append({
            _t(ev, "编号", "ID"): m.kpi_id,
            _t(ev, "指标", "Indicator"): m.name_zh,
            _t(ev, "目标", "Target"): m.end_target.text_zh,
            _t(ev, "预测中值（80%区间）", "Forecast median (80% interval)"):
                f"{what}{fmt(o.forecast_median, unit)}（{number(o.forecast_lower, unit)}—{number(o.forecast_upper, unit)}）",
            _t(ev, "达标概率", "P(meet)"): probability_text(o.probability),
            _t(ev, "与目标差距", "Gap to target"): gap_text(o),
            _t(ev, "要实现目标需要", "What it takes"): o.what_it_takes_zh(),
        })
    return pd.DataFrame(rows)


def outlook_note(ev: Evaluation) -> str:
    n_assessable = sum(1 for o in ev.outlooks.values() if o.assessable)
    n_miss = sum(1 for o in ev.outlooks.values() if o.likely_miss)
    if ev.as_of >= plan_end_year():
        return "评估年份已是规划期末，不再作达标预测。"
    return (f"对有数值终期目标且至少有3个可比数据点的{n_assessable}个子指标作了{plan_end_year()}年预测，"
            f"其中{n_miss}个达标概率低于50%{_see(ev, 'outlook')}。预测取两种简单方法的平均：一种对近年数值加权平滑并延续其长期趋势，"
            "一种延续历年平均变化、趋势越不稳定延续得越少（方法经上千条真实年度统计序列检验比较后选定），"
            "80%区间按同类序列以往的预测误差确定；"
            "达标概率表示“同类短序列中出现这种结果的频率”，不是对本市风险的测量。数据点很少时区间很宽，应视为提示而非结论。"
            "其余子指标因数据不足或无数值目标未作预测。")

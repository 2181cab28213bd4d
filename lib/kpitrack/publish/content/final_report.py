"""What the final evaluation (终期评估) shows: 实现/未实现 for every KPI at the end of the plan, and
the retrospective: what the mid-term evaluation forecast for 2020, against what happened.

The notebook ``notebooks/final_evaluation.ipynb`` only calls these functions and displays their
results (``kpitrack run params/final-2020.yaml``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from ...analysis.final import (ACHIEVED, INSUFFICIENT, MISSED, NO_TARGET, OUTCOME_ZH, OUTCOMES, Calibration, FinalOutcome, calibration_summary,
                              class_change, final_outcomes, retrospective)
from ...analysis.outlook import Outlook, probability_text
from ...analysis.verdict import Verdicts, verdicts
from ...analysis.progress import KPIStatus, assess
from ...core.exceptions import ParameterError
from ...core.labels import QUALITY_ZH, STATUS_ZH, Status, dates_zh, fmt, fmt_pair, number, synthetic_warning
from ...data.actuals import Dataset, check_date, load_dataset
from ...plan.catalogue import Catalogue, catalogue
from ...plan.schema import plan_base_year, plan_end_year
from .display import escape_markdown, grouped_names, outcome_cell
from .masthead import check_edition, report_verb, revision_words
from .report import check_parameters, figures_sources

OUTCOME_COLOUR = {ACHIEVED: "#009E73", MISSED: "#D55E00", INSUFFICIENT: "#999999", NO_TARGET: "#BBBBBB"}


@dataclass(frozen=True)
class FinalEvaluation:
    cat: Catalogue
    ds: Dataset  # the figures as known now (or at data_as_of)
    then: Dataset  # the figures as known at the mid-term evaluation looked back at
    language: str
    outcomes: dict[str, tuple[str, list[FinalOutcome]]]
    statuses: tuple[KPIStatus, ...]  # at the end of the plan, for the charts
    retro_as_of: int
    retro_data_as_of: str
    retro: pd.DataFrame
    retro_verdicts: Verdicts  # the mid-term evaluation looked back at, as it judged then
    calibration: Calibration
    #: 1 as first issued; 2, 3 ... a revised edition (修订版), made on request once figures changed
    edition: int = 1

    @property
    def retro_outlooks(self) -> dict[str, Outlook]:
        return self.retro_verdicts.outlooks

    @property
    def end_year(self) -> int:
        """The plan's last year: the year the final evaluation judges."""
        return plan_end_year()


def counts_caption(fe: FinalEvaluation) -> str:
    return f"{len(fe.cat.kpis)}项关键绩效指标到{plan_end_year()}年的实现情况"


def check_retro(retro_as_of: object, retro_data_as_of: object) -> tuple[int, str]:
    """The mid-term evaluation looked back at (None: the plan's middle year) and its data date."""
    if retro_as_of is None:
        from .report import mid_year

        retro_as_of = mid_year()
    try:
        year = int(str(retro_as_of))
    except ValueError:
        raise ParameterError(f"parameter retro_as_of: expected a year such as 2018, got {retro_as_of!r}") from None
    if not plan_base_year() < year < plan_end_year():
        raise ParameterError(f"parameter retro_as_of: the mid-term evaluation to look back at must be {plan_base_year() + 1}-{plan_end_year() - 1}; got {year}")
    date = str(retro_data_as_of or "")
    if date:
        try:
            check_date(date, "retro_data_as_of")
        except ValueError as exc:
            raise ParameterError(f"parameter {exc}") from None
        if int(date[:4]) <= year:
            raise ParameterError(f"parameter retro_data_as_of: {date} is before the end of {year}, the year evaluated")
    return year, date


def evaluate_final(dataset: str, language: str = "zh", data_as_of: str = "", retro_as_of: int = 2018,
                   retro_data_as_of: str = "", edition: int = 1) -> FinalEvaluation:
    """The final evaluation on ``dataset``, looking back at the mid-term evaluation of
    ``retro_as_of`` made with the figures known on ``retro_data_as_of`` (empty: every figure of the
    years up to ``retro_as_of`` as known now)."""
    _, dataset, language, data_as_of = check_parameters(plan_end_year(), dataset, language, data_as_of)
    retro_as_of, retro_data_as_of = check_retro(retro_as_of, retro_data_as_of)
    cat = catalogue()
    ds = load_dataset(dataset, cat, known_at=data_as_of or None)
    then = load_dataset(dataset, cat, known_at=retro_data_as_of or data_as_of or None)
    retro = retrospective(cat, then, ds, retro_as_of)
    return FinalEvaluation(cat, ds, then, language, final_outcomes(cat, ds), tuple(assess(cat, ds, plan_end_year())),
                           retro_as_of, retro_data_as_of, retro, verdicts(cat, then, retro_as_of), calibration_summary(retro),
                           check_edition(edition))


def headline(fe: FinalEvaluation) -> str:
    counts = Counter(o for o, _ in fe.outcomes.values())
    lines = [f"**规划期末：** {plan_end_year()}年　**数据：** {escape_markdown(fe.ds.label_zh)}　**关键绩效指标：** {len(fe.outcomes)}项", "",
             "　".join(f"{OUTCOME_ZH[k]} {counts.get(k, 0)}项" for k in OUTCOMES)]
    if fe.language == "en":
        lines += ["", f"*End of plan {plan_end_year()}: met {counts.get(ACHIEVED, 0)}, missed {counts.get(MISSED, 0)}, "
                      f"not enough data {counts.get(INSUFFICIENT, 0)}, no numeric target {counts.get(NO_TARGET, 0)}.*"]
    if fe.ds.synthetic:
        lines += ["", synthetic_warning("报告")]
    return "\n".join(lines)


def imprint(fe: FinalEvaluation):
    """The 版记 after the 附件."""
    from .masthead import imprint as tail

    return tail(fe.ds, up_to=plan_end_year())


def signoff(fe: FinalEvaluation):
    """The 附件 list and the 落款 (the same date as the head's)."""
    from .masthead import signoff as tail

    return tail(fe.ds, up_to=plan_end_year(), annexes=tuple(t for _, t in annexes(fe)))


def masthead(fe: FinalEvaluation):
    """The document's head: issuing office, 文号, title, 主送 (see :mod:`.masthead`)."""
    from .masthead import masthead as head

    return head(title_lines(fe.edition), fe.ds, up_to=plan_end_year())


def _measures(fe: FinalEvaluation, outcome: str) -> list[FinalOutcome]:
    return [o for _, ms in fe.outcomes.values() for o in ms if o.outcome == outcome]


def opening(fe: FinalEvaluation) -> str:
    """The first paragraph: on what authority and data, what was judged, what follows."""
    from ...core.workspace import plan_info

    from .report import kpi_phrase, other_parts

    text = (f"根据《{plan_info().name_zh}》关于开展终期评估的要求，依据{escape_markdown(fe.ds.label_zh)}，"
            f"对{kpi_phrase(fe.cat)}逐项判断了{plan_end_year()}年目标的实现情况，回顾了{fe.retro_as_of}年中期评估的判断与预测"
            + other_parts(fe.cat, fe.ds, "并总结了") + f"。现将评估情况{report_verb()}如下。")
    return text + ("\n\n" + synthetic_warning("报告", fe.language) if fe.ds.synthetic else "")


def overall(fe: FinalEvaluation) -> str:
    """一、总体评价."""
    counts = Counter(o for o, _ in fe.outcomes.values())
    judged = counts.get(ACHIEVED, 0) + counts.get(MISSED, 0)
    return escape_markdown(
        f"规划期末（{plan_end_year()}年），{len(fe.outcomes)}项关键绩效指标中可作判断的{judged}项，实现{counts.get(ACHIEVED, 0)}项"
        + (f"（占可作判断的{counts.get(ACHIEVED, 0) / judged:.0%}）" if judged else "")
        + f"，未实现{counts.get(MISSED, 0)}项；数据不足{counts.get(INSUFFICIENT, 0)}项，规划未设量化目标{counts.get(NO_TARGET, 0)}项。")


def achievements(fe: FinalEvaluation) -> str:
    """二、主要成效: the KPIs whose targets were met, and Tables 2, 3 and 5 at the end of the plan."""
    from ...analysis.plan_wide import plan_wide

    names = {k.id: k.name_zh for k in fe.cat.kpis}
    met = [k for k, (o, _) in fe.outcomes.items() if o == ACHIEVED]
    caught = [o for o in _measures(fe, ACHIEVED) if class_change(fe.retro_verdicts[o.measure_id].status, o) == "caught_up"]
    items = []
    if met:
        items.append(f"实现{plan_end_year()}年目标的关键绩效指标{len(met)}项：" + "、".join(f"{k}{names[k]}" for k in met) + "。")
    if caught:  # of the KPIs just named, which had lagged at the mid-term: said of them, not counted again
        within = [o for o in caught if fe.cat.measure(o.measure_id).kpi_id in met]
        others = [o for o in caught if o not in within]
        if within and items:
            items[-1] += (f"其中{'、'.join(fe.cat.measure(o.measure_id).name_zh for o in within)}在{fe.retro_as_of}年中期评估时"
                          "进度滞后或存在风险，期末实现。")
        if others:
            items.append(f"另有{fe.retro_as_of}年中期评估时进度滞后或存在风险、期末实现的子指标{len(others)}项："
                         + "、".join(fe.cat.measure(o.measure_id).name_zh for o in others) + "。")
    pw = plan_wide(fe.cat, fe.ds, plan_end_year())
    if pw.special_met:
        items.append(f"重点专项目标（规划表2）中已实现的子目标{pw.special_met}项。")
    if pw.satisfaction is not None and not pw.satisfaction_short:
        items.append(f"{plan_end_year()}年社会评价意见整改满意度平均为{pw.satisfaction:.1f}%，达到规划要求。")
    if pw.standards_due and pw.standards_overdue is not None and pw.standards_due > pw.standards_overdue:
        items.append(f"应制定（修订）的标准{pw.standards_due}项中已发布{pw.standards_due - pw.standards_overdue}项。")
    if not items:
        return "规划期末尚无可确认实现的指标。"
    return "\n".join(f"{i}. {escape_markdown(t)}" for i, t in enumerate(items, start=1))


def problems(fe: FinalEvaluation) -> str:
    """三（一）存在的主要问题: targets missed, figures missing, Tables 2, 3 and 5."""
    from ...analysis.plan_wide import plan_wide

    names = {k.id: k.name_zh for k in fe.cat.kpis}
    missed = [k for k, (o, _) in fe.outcomes.items() if o == MISSED]
    gaps = [k for k, (o, _) in fe.outcomes.items() if o == INSUFFICIENT]
    out = []
    if missed:
        out.append("未实现的指标：" + "、".join(f"{k}{names[k]}" for k in missed) + "。")
    if gaps:
        out.append(f"{len(gaps)}项指标缺少期末数据，无法判断是否实现：" + "、".join(f"{k}{names[k]}" for k in gaps) + "。")
    pw = plan_wide(fe.cat, fe.ds, plan_end_year())
    if pw.special_missed:
        shown = grouped_names(pw.special_missed)
        out.append(f"重点专项目标（规划表2）中到期未实现的子目标{len(pw.special_missed)}项：{shown}。")
    if pw.satisfaction_short:
        out.append(f"{plan_end_year()}年社会评价意见整改（规划表3）的满意度平均为{pw.satisfaction:.1f}%，低于规划要求的{pw.satisfaction_target:.0f}%。")
    if pw.standards_overdue:
        out.append(f"规划表5中应制定（修订）的标准{pw.standards_due}项，逾期未发布{pw.standards_overdue}项。")
    if not out:
        return "无。"
    return "\n".join(f"{i}. {escape_markdown(t)}" for i, t in enumerate(out, start=1))


def causes(fe: FinalEvaluation) -> str:
    """三（二）原因分析 of every sub-target missed, from its figures over the plan period."""
    from ...analysis.findings import cause_of
    from .conclusions import cause_text

    from .conclusions import CAUSES_LEAD

    lines = []
    for o in _measures(fe, MISSED):
        c = cause_of(fe.cat, fe.ds, o.measure_id, plan_end_year())
        lines.append(f"- {escape_markdown(cause_text(fe.cat, c))}")
    return (CAUSES_LEAD + "\n\n" + "\n".join(lines)) if lines else ""


def lessons(fe: FinalEvaluation) -> str:
    """五、经验启示, from what this plan's record shows: the mid-term's warnings against the outcomes,
    those that caught up or fell back, how often its probabilities were right, and the gaps in the data."""
    changes = Counter()
    named: dict[str, list[str]] = {}
    for o in (o for _, ms in fe.outcomes.values() for o in ms):
        code = class_change(fe.retro_verdicts[o.measure_id].status, o)
        if code:
            changes[code] += 1
            named.setdefault(code, []).append(fe.cat.measure(o.measure_id).name_zh)
    warned = [m for m in fe.cat.measures if fe.retro_verdicts[m.id].listed_as_miss]
    outcome = {o.measure_id: o.outcome for _, ms in fe.outcomes.values() for o in ms}
    by = Counter(outcome.get(m.id) for m in warned)
    warned_missed = [m for m in warned if outcome.get(m.id) == MISSED]
    items = []
    if warned:
        unjudged = by.get(INSUFFICIENT, 0) + by.get(NO_TARGET, 0)
        parts = [f"未实现{by.get(MISSED, 0)}项" + (f"（{'、'.join(m.name_zh for m in warned_missed)}）" if warned_missed else ""),
                 f"实现{by.get(ACHIEVED, 0)}项", f"无法判断{unjudged}项"]
        counts = (by.get(MISSED, 0), by.get(ACHIEVED, 0), unjudged)
        # only the outcomes there were (never 未实现0项、实现0项)
        text = (f"{fe.retro_as_of}年中期评估认为达标概率不足五成的子指标{len(warned)}项，期末"
                + "、".join(p for p, n in zip(parts, counts) if n))
        judged = by.get(MISSED, 0) + by.get(ACHIEVED, 0)
        # a lesson only from enough cases: with one or two, the facts alone
        text += ("。" if judged < 3 else "：中期评估的预警多数应验，需要及早转化为年度考核中的具体进度要求。" if by.get(MISSED, 0) > by.get(ACHIEVED, 0)
                 else "：中期评估预警后加大力度的指标多数得以实现，预警应坚持在中期评估中提出。" if by.get(ACHIEVED, 0) > by.get(MISSED, 0) else "。")
        items.append(text)
    if changes.get("caught_up"):
        items.append(f"中期进度滞后或存在风险、期末实现的{changes['caught_up']}项（{'、'.join(named['caught_up'])}）说明中期判断不是定论，"
                     "后半程仍有追赶的余地；中期判断所依据的数据点少的，不能据此推断整改成效，需由责任单位逐项说明。")
    if changes.get("fell_back"):
        items.append(f"中期进度正常或已提前达标、期末未实现的{changes['fell_back']}项（{'、'.join(named['fell_back'])}）说明中期的良好进度不等于目标稳妥，"
                     "后半程仍需逐年监测。")
    n_retro = int(fe.retro["inside"].notna().sum()) if "inside" in fe.retro else 0
    if n_retro >= 5:  # how far the mid-term's forecasts can be trusted, from this plan's own record (the figures: 第四部分)
        items.append(f"中期评估的预测经本期{n_retro}个子指标检验（见第四部分），可作为下一轮中期评估的参照，但不能代替逐年监测。")
    gaps = _measures(fe, INSUFFICIENT)
    if gaps:
        items.append(f"{len(gaps)}项子指标期末缺少数据，评估无法作出判断：统计口径和年度报送需要在规划制定时即予明确。")
    return "\n".join(f"{i}. {escape_markdown(t)}" for i, t in enumerate(items, start=1))


def proposals(fe: FinalEvaluation) -> str:
    """六、对下一规划的建议: for each target missed, the average yearly change the plan period
    achieved against what its target asked (the basis for the next target); data and targets to set."""
    from ...analysis.findings import period_rate
    from ...core.vocabulary import rate_pair

    items, paced, fell = [], [], []
    for o in _measures(fe, MISSED):
        m = fe.cat.measure(o.measure_id)
        r = period_rate(fe.cat, fe.ds, o.measure_id, plan_end_year())
        if r is None:  # a rate, a flow, a bound: what was judged, as the outcome table says it
            paced.append(f"{m.name_zh}（{o.reason_zh}）")
            continue
        actual, required = rate_pair(r.model, r.actual, r.required, m.unit)
        line = f"{m.name_zh}（{r.first}—{r.last}年实际{actual}，实现本期目标需{required}）"
        (fell if (r.actual < 0 < r.required or r.actual > 0 > r.required) else paced).append(line)
    missed = len(paced) + len(fell)
    if paced:
        # the count of every measure missed, so that it agrees with the outcome table: those that went
        # backwards are named in the next point
        lead = f"未实现的{missed}项子指标中，" if fell else f"未实现的{missed}项子指标："
        items.append(lead + (f"{len(paced)}项：" if fell else "") + "；".join(paced)
                     + "。下一规划确定这些指标的目标时，以本期实际达到的速度和水平为参照，写明实现目标所需的条件和措施。")
    if fell:
        items.append(("另有" if paced else f"未实现的{missed}项子指标：") + "；".join(fell)
                     + "：本期不进反退，下一规划确定目标前需先查明原因。")
    gaps = _measures(fe, INSUFFICIENT)
    if gaps:
        items.append("为" + "、".join(fe.cat.measure(o.measure_id).name_zh for o in gaps[:SHOWN]) + ("等" if len(gaps) > SHOWN else "")
                     + "建立年度统计台账，明确数据来源和公布时间。")
    no_target = _measures(fe, NO_TARGET)
    if no_target:
        items.append(f"本期{len(no_target)}项子指标未设量化目标（如" + "、".join(fe.cat.measure(o.measure_id).name_zh for o in no_target[:3])
                     + "），下一规划宜设定可量化、可核验的目标。")
    if not items:
        return "本期目标均已实现，下一规划可在本期实际速度基础上确定更高目标。"
    return "\n".join(f"{i}. {escape_markdown(t)}" for i, t in enumerate(items, start=1))


SHOWN = 6


def summary(fe: FinalEvaluation) -> str:
    """总体评价、主要问题 and the proposals in one text (the report sets them as its sections)."""
    return "\n".join(["**总体评价：** " + overall(fe), "", "**主要问题：**", "", problems(fe), "", "**下一步建议：**", "", proposals(fe)])


def title_lines(edition: int = 1) -> tuple[str, str]:
    """The final evaluation's title, in the lines it is set in (a revised edition says so:
    终期评估报告（修订版）)."""
    from ...core.workspace import plan_info

    words = revision_words(edition).lstrip("·")
    return plan_info().name_zh, "终期评估报告" + (f"（{words}）" if words else "")


#: The final's 附件, in order (those the plan lacks left out, the rest numbered in order).
ANNEXES = (("outcomes", "关键绩效指标实现情况一览表"), ("retro", "中期评估预测与实际的对照"), ("charts", "分项指标进展"),
           ("special", "重点专项目标完成情况"), ("social", "社会评价意见整改与标准制定情况"), ("peers", "对标城市比较与挑战目标"),
           ("method", "判断方法"), ("sources", "数据来源"))


def annexes(fe: FinalEvaluation) -> list[tuple[str, str]]:
    from .report import _has_part

    return [(k, t) for k, t in ANNEXES if _has_part(fe.cat, k)]


def annex_heading(fe: FinalEvaluation, key: str) -> str:
    for i, (k, t) in enumerate(annexes(fe), start=1):
        if k == key:
            return f"## 附件{i}　{t}"
    return ""


def outcome_counts(fe: FinalEvaluation) -> pd.DataFrame:
    counts = Counter(o for o, _ in fe.outcomes.values())
    n = len(fe.outcomes)
    return pd.DataFrame({"结果": [outcome_cell(k, OUTCOME_ZH[k]) for k in OUTCOMES],
                         "指标数": [counts.get(k, 0) for k in OUTCOMES],
                         "占比": [f"{counts.get(k, 0) / n:.0%}" for k in OUTCOMES]})


def change_text(fe: FinalEvaluation, measure_id: str, o: FinalOutcome) -> str:
    """The mid-term evaluation's status of the measure and, when the final outcome is of another
    class, why (from :func:`~kpitrack.analysis.final.class_change`)."""
    mid = fe.retro_verdicts[measure_id].status
    text = f"{fe.retro_as_of}年：{STATUS_ZH[mid.status]}"
    code = class_change(mid, o)
    if code is None:
        return text
    end = plan_end_year()
    ly = f"{mid.latest_year}年" if mid.latest_year else "当时"
    why = {
        "end_target_has_no_number": (f"中期有分年度数值目标，{'但缺当年数据' if mid.status == Status.INSUFFICIENT else '据以判断'}；"
                                     f"期末目标为“{o.target_text_zh}”，无数值，终期不作量化判断"),
        "end_year_figure_missing": f"中期依据{ly}数据判断，{end}年数据尚缺，终期无法判断",
        "figures_came_in": f"期末已有{end}年数据，据以判断",
        "yearly_target_at_end": f"中期无可比的数值目标，期末按{end}年数值年度目标判断",
        "no_figures_either": "中期无数值目标，期末有数值年度目标但缺数据",
        "fell_back": "此后未能保持",
        "caught_up": "此后赶上",
    }[code]
    return f"{text}（{why}）"


def outcome_table(fe: FinalEvaluation) -> pd.DataFrame:
    """One row per measure: target, the figures judged, the outcome and its basis, and the mid-term
    evaluation's status with the reason when the two differ in kind."""
    rows = []
    for k in fe.cat.kpis:
        kpi_outcome, ms = fe.outcomes[k.id]
        by_measure = {o.measure_id: o for o in ms}  # joined by id, never by position
        for m in k.measures:
            o = by_measure[m.id]
            rows.append({"编号": k.id, "指标": m.name_zh, f"{plan_end_year()}年目标": o.target_text_zh or m.end_target.text_zh,
                         "指标结果": outcome_cell(kpi_outcome, OUTCOME_ZH[kpi_outcome]),
                         "子指标结果": outcome_cell(o.outcome, o.outcome_zh), "依据": o.reason_zh,
                         "与中期评估相比": change_text(fe, m.id, o),
                         "数据": QUALITY_ZH.get(o.quality, o.quality) if o.quality else "—"})
    return pd.DataFrame(rows)


def labels(fe: FinalEvaluation) -> dict[str, tuple[str, str]]:
    """Chart panel labels: each measure's outcome."""
    return {o.measure_id: (o.outcome_zh, OUTCOME_COLOUR[o.outcome]) for _, ms in fe.outcomes.values() for o in ms}


def charted(fe: FinalEvaluation) -> tuple[list[int], str]:
    """The KPIs that get a section with a chart, and one line naming those without figures."""
    from .figures import charted as _charted

    return _charted(fe.cat.kpis, fe.ds, plan_end_year())


def kpi_charts(fe: FinalEvaluation) -> dict:
    """The chart of each KPI that gets a section (:func:`charted`), by its place in the catalogue,
    made once the evaluation is done (as the mid-term's :func:`kpitrack.publish.content.report.kpi_charts`)."""
    from .figures import kpi_figure

    return {i: kpi_figure(fe.cat.kpis[i], fe.ds, fe.statuses[i], fe.language, fe.retro_outlooks, labels(fe))
            for i in charted(fe)[0]}


def kpi_section(fe: FinalEvaluation, index: int) -> str:
    k = fe.cat.kpis[index]
    outcome, _ = fe.outcomes[k.id]
    return "\n".join([f"### {k.id} {escape_markdown(k.name_zh)}", "",
                      f"- **责任单位：** {escape_markdown('、'.join(k.responsible))}",
                      f"- **指标值：** {escape_markdown(k.target_text_zh)}",
                      f"- **终期结果：** {OUTCOME_ZH[outcome]}"])


def retrospective_note(fe: FinalEvaluation) -> str:
    known = (f"使用截至{dates_zh(fe.retro_data_as_of)}已知的数据" if fe.retro_data_as_of
             else f"使用{fe.retro_as_of}年及以前各年的数据，取现在所知的版本；多数数据的公布日期不详，"
                  "未按日期筛选，以免删去当时已经公开的数据")
    see = next((f"附件{i}" for i, (k, _) in enumerate(annexes(fe), start=1) if k == "retro"), "下表")
    return (f"{see}把{fe.retro_as_of}年中期评估对{plan_end_year()}年所作的预测与实际结果相比（{known}）。"
            + fe.calibration.text_zh()
            + " 预测区间只反映同类短序列的一般波动，不包括政策调整、统计口径变化和突发公共事件"
            + ("（如2020年的疫情）" if plan_base_year() < 2020 <= plan_end_year() else "") + "这类冲击。")


def retrospective_table(fe: FinalEvaluation) -> pd.DataFrame:
    rows = []
    for r in fe.retro.itertuples():
        rows.append({"编号": r.kpi, "指标": r.name_zh,
                     f"{fe.retro_as_of}年所作{plan_end_year()}年预测中值（80%区间）":
                         f"{fmt(r.forecast, r.unit)}（{number(r.lower, r.unit)}—{number(r.upper, r.unit)}）",
                     "当时的达标概率": probability_text(r.probability) if pd.notna(r.probability) else "—",
                     # beside its outcome: digits enough to show why (5.04% is not 低于5%)
                     f"{plan_end_year()}年实际": (fmt_pair(r.actual, r.target, r.unit)[0] if pd.notna(r.target) else fmt(r.actual, r.unit))
                     if pd.notna(r.actual) else "暂无",
                     "落在区间内": ("是" if r.inside else "否") if r.inside is not None and pd.notna(r.actual) else "—",
                     "终期结果": outcome_cell(r.outcome, OUTCOME_ZH[r.outcome])})
    return pd.DataFrame(rows)


def method_note() -> str:
    return (f"**判断方法**：以规划期末（{plan_end_year()}年）的实际值对照终期目标：水平类、下限类指标看{plan_end_year()}年实际值是否达到目标；"
            "上限类指标看是否低于上限；累计类指标要求期内逐年数据齐全后比较累计数；期内平均类指标比较各年平均值；"
            f"终期目标无数值而有{plan_end_year()}年数值年度目标的，按年度目标判断；目标写明“左右”的，与目标相差不到2%视为实现。"
            "只用同一类数据判断（官方公布值优先，不与推算值混合）；缺少所需年份数据时为“数据不足”，并说明缺哪一年。"
            "一项关键绩效指标的子指标中有一项未实现即为未实现。")


def sources_note(fe: FinalEvaluation) -> str:
    from .sources import appendix_note

    return appendix_note(fe.ds)


def sources_table(fe: FinalEvaluation) -> pd.DataFrame | None:
    """附录：the sources of every yearly figure; None for synthetic data (see :func:`sources_note`)."""
    return None if fe.ds.synthetic else figures_sources(fe.ds, plan_end_year(), fe.cat)

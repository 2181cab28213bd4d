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
from ...core.labels import QUALITY_ZH, STATUS_ZH, Status, fmt, fmt_pair, number, synthetic_warning
from ...data.actuals import Dataset, check_date, load_dataset
from ...plan.catalogue import Catalogue, catalogue
from ...plan.schema import plan_base_year, plan_end_year
from .display import escape_markdown, outcome_cell
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
                   retro_data_as_of: str = "") -> FinalEvaluation:
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
                           retro_as_of, retro_data_as_of, retro, verdicts(cat, then, retro_as_of), calibration_summary(retro))


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


def signoff(fe: FinalEvaluation) -> str:
    """The 落款: the office and the 成文日期 (the same date as the masthead's), then 抄送."""
    from .masthead import signoff as tail

    return tail(fe.ds, up_to=plan_end_year())


def masthead(fe: FinalEvaluation) -> str:
    from .masthead import masthead as head

    from ...core.workspace import plan_info

    return head(f"{plan_info().title_zh}终期评估报告（{plan_end_year()}年）", fe.ds, up_to=plan_end_year())


def summary(fe: FinalEvaluation) -> str:
    """总体评价、主要问题、下一步建议 of the final evaluation, written from the outcomes (Markdown)."""
    counts = Counter(o for o, _ in fe.outcomes.values())
    names = {k.id: k.name_zh for k in fe.cat.kpis}
    judged = counts.get(ACHIEVED, 0) + counts.get(MISSED, 0)
    overall = (f"规划期末（{plan_end_year()}年），{len(fe.outcomes)}项关键绩效指标中可作判断的{judged}项，实现{counts.get(ACHIEVED, 0)}项"
               + (f"（{counts.get(ACHIEVED, 0) / judged:.0%}）" if judged else "")
               + f"，未实现{counts.get(MISSED, 0)}项；数据不足{counts.get(INSUFFICIENT, 0)}项，规划未设量化目标{counts.get(NO_TARGET, 0)}项。")
    missed = [k for k, (o, _) in fe.outcomes.items() if o == MISSED]
    gaps = [k for k, (o, _) in fe.outcomes.items() if o == INSUFFICIENT]
    problems = []
    if missed:
        problems.append("未实现的指标：" + "、".join(f"{k}{names[k]}" for k in missed) + "。")
    if gaps:
        problems.append(f"{len(gaps)}项指标缺少期末数据，无法判断是否实现：" + "、".join(f"{k}{names[k]}" for k in gaps) + "。")
    advice = []
    if missed:
        advice.append("未实现的指标在下一个五年规划中分析原因，合理确定目标并列入重点督查。")
    if gaps:
        advice.append("补齐缺少的期末数据（统计公报、部门年报），补齐后重新作终期判断。")
    advice.append("以本次回顾的预测检验结果校准下一轮规划的中期评估方法。")
    lines = ["**总体评价：** " + escape_markdown(overall), "",
             "**主要问题：** " + (escape_markdown("".join(problems)) if problems else "无。"), "", "**下一步建议：**", ""]
    lines += [f"- {escape_markdown(a)}" for a in advice]
    return "\n".join(lines)


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
        "figures_came_in": "中期时缺少数据，此后数据已补齐",
        "yearly_target_at_end": f"中期无可比的数值目标，期末按{end}年数值年度目标判断",
        "no_figures_either": "中期无数值目标，期末有数值年度目标但缺数据",
        "fell_back": "中期进度正常或已提前达到，此后未能保持",
        "caught_up": "中期进度滞后或存在风险，此后赶上",
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


def kpi_section(fe: FinalEvaluation, index: int) -> str:
    k = fe.cat.kpis[index]
    outcome, _ = fe.outcomes[k.id]
    return "\n".join([f"### {k.id} {escape_markdown(k.name_zh)}", "",
                      f"- **责任单位：** {escape_markdown('、'.join(k.responsible))}",
                      f"- **指标值：** {escape_markdown(k.target_text_zh)}",
                      f"- **终期结果：** {OUTCOME_ZH[outcome]}"])


def retrospective_note(fe: FinalEvaluation) -> str:
    known = (f"使用截至{fe.retro_data_as_of}已知的数据" if fe.retro_data_as_of
             else f"使用{fe.retro_as_of}年及以前各年的数据，取现在所知的版本；多数真实数据的公布日期不详，"
                  "未按日期筛选，以免删去当时已经公开的数据")
    return (f"下表把{fe.retro_as_of}年中期评估对{plan_end_year()}年所作的预测与实际结果相比（{known}）。"
            + fe.calibration.text_zh()
            + " 预测区间只反映同类短序列的一般波动，不包括政策调整、统计口径变化和突发公共事件（如2020年的疫情）这类冲击。")


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

"""The words of an evaluation's conclusions beyond the verdict table: 主要成效, 原因分析 and 目标调整建议
(the records: :mod:`kpitrack.analysis.findings`). Each sentence is made from the figures of the plan
and the dataset at hand, never from a template that would fit any city."""

from __future__ import annotations

from ...analysis.findings import Cause, achievements, adjustments, causes
from ...analysis.outlook import probability_band, probability_number
from ...analysis.verdict import Verdicts
from ...core.labels import fmt, fmt_pair, number
from ...data.actuals import Dataset
from ...plan.catalogue import Catalogue
from ...plan.schema import plan_end_year
from .display import escape_markdown

#: What the figures can and cannot say of causes: the years and the size of each shortfall; the rest
#: is for the responsible units to explain in their feedback.
CAUSES_LEAD = "以下从逐年数据看差距出现在哪些年份、差距多大；数据本身不能说明的原因，请责任单位在反馈中逐项说明。"

#: how many names a sentence lists before it says 等
SHOWN = 6


def _names(cat: Catalogue, ids, shown: int = SHOWN) -> str:
    names = [cat.measure(i).name_zh for i in ids]
    return "、".join(names[:shown]) + ("等" if len(names) > shown else "")


def achievements_md(cat: Catalogue, ds: Dataset, v: Verdicts, year: int) -> str:
    """二、主要成效: the measures at their end target already, those ahead of their trajectory (with
    the fastest named), and what Tables 2, 3 and 5 show done; "none" said plainly when nothing is."""
    a = achievements(cat, ds, v, year)
    end = plan_end_year()
    items = []
    if a.achieved:
        items.append(f"已提前达到{end}年目标的子指标{len(a.achieved)}项：{_names(cat, a.achieved)}。")
    if a.ahead:
        best = "、".join(f"{cat.measure(i).name_zh}（实际进度为所需进度的{r:.0%}）" for i, r in a.ahead[:SHOWN])
        more = "等" if len(a.ahead) > SHOWN else ""
        doubt = (f"另有{_names(cat, a.ahead_doubtful)}快于规划进度，但期末达标概率不足五成，列入存在的问题"
                 if a.ahead_doubtful else "")
        items.append(f"快于规划进度（实际进度超过所需进度一成以上）的子指标{len(a.ahead)}项：{best}{more}"
                     + (f"；{doubt}" if doubt else "") + "。")
    if a.special_met:
        items.append(f"重点专项目标（规划表2）中已实现的子目标{a.special_met}项。")
    if a.satisfaction is not None:
        items.append(f"{year}年社会评价意见整改满意度平均为{a.satisfaction:.1f}%，达到规划要求。")
    if a.standards_due and a.standards_issued is not None and a.standards_issued:
        items.append(f"截至{year}年底应制定（修订）的标准{a.standards_due}项中已发布{a.standards_issued}项。")
    if not items:
        return f"截至{year}年，尚无提前达到期末目标或明显快于规划进度的指标。"
    return "\n".join(f"{i}. {escape_markdown(t)}" for i, t in enumerate(items, start=1))


def _step(c: Cause, value: float) -> str:
    """One year's change (growth) or value (level) in words."""
    if c.kind == "level":
        return fmt(value, c.unit)
    if c.model == "compound":
        shown = f"{abs(value) * 100:.1f}"
        return "与上年持平" if float(shown) == 0 else f"{'增长' if value >= 0 else '下降'}{shown}%"
    unit = "个百分点" if c.unit == "%" else c.unit
    shown = number(abs(value), c.unit)
    return "与上年持平" if float(shown.replace(",", "")) == 0 else f"{'增加' if value >= 0 else '减少'}{shown}{unit}"


def _pair(c: Cause, s) -> tuple[str, str]:
    """A step's figure and what was asked, in words: a level with digits enough to tell them apart."""
    if c.kind == "level":
        return fmt_pair(s.actual, s.required, c.unit)
    return _step(c, s.actual), _step(c, s.required)


def cause_text(cat: Catalogue, c: Cause, forecast_short: bool = False) -> str:
    """原因分析 of one lagging measure, from its figures: the years it fell behind what the plan's
    trajectory asked, by how much, and the years without figures."""
    m = cat.measure(c.measure_id)
    parts = []
    # behind as printed: a year whose change prints as the one required is not called behind; a level
    # is printed with the digits that tell it from the year's requirement (5.04% against 5.00%), as
    # the outcome's words print it
    behind = [s for s in c.steps if s.behind and (_pair(c, s)[0] != _pair(c, s)[1])]
    kept = [s.year for s in c.steps if s not in behind]
    if c.kind == "growth":
        if behind:
            shown = "；".join(f"{s.year}年{_step(c, s.actual)}，所需为{_step(c, s.required)}" for s in behind)
            parts.append(f"落后于规划轨迹的年份：{shown}")
            if kept:
                parts.append(f"{'、'.join(map(str, kept))}年达到所需速度")
            last = c.last
            if last is not None and last.behind and fmt(last.actual, c.unit) != fmt(last.required, c.unit):
                words = "低于" if m.direction == "higher" else "高于"
                parts.append(f"{'但' if last.year in kept else ''}此前的差距尚未补上，{last.year}年为{fmt(last.actual, c.unit)}，"
                             f"仍{words}规划轨迹的{fmt(last.required, c.unit)}")
        else:
            parts.append("已有各年的变化均达到规划轨迹所需速度" + ("，预测偏低来自近年增速的走势和波动" if forecast_short else ""))
    elif c.kind == "level":
        if behind:
            words = "低于" if m.direction == "higher" else "高于"
            shown = "；".join(f"{s.year}年{_pair(c, s)[0]}，{words}当年要求{_pair(c, s)[1]}" for s in behind)
            parts.append(f"未达到当年要求的年份：{shown}")
        else:
            parts.append("已有年份均达到当年要求" + ("，预测偏低来自近年的走势和波动" if forecast_short else ""))
    else:
        parts.append("可比的年度数据不足，无法分年度分析")
    if c.missing_years:
        parts.append(f"{'、'.join(map(str, c.missing_years))}年缺少数据")
    return f"{m.name_zh}：" + "；".join(parts) + "。"


def causes_md(cat: Catalogue, ds: Dataset, v: Verdicts, year: int) -> str:
    """原因分析 of every lagging measure, one line each (Markdown list); "" when none lags."""
    found = causes(cat, ds, v, year)
    if not found:
        return ""
    return CAUSES_LEAD + "\n\n" + "\n".join(f"- {escape_markdown(cause_text(cat, c, v[c.measure_id].listed_as_miss))}" for c in found.values())


def adjustments_md(cat: Catalogue, v: Verdicts) -> str:
    """目标调整建议 of a mid-term: each target the forecast puts out of reach, with its probability,
    where the forecast puts the end year, and the choice the office has (adjust through the plan's
    procedure, or the rate it would take); a sentence when no target needs it."""
    found = adjustments(cat, v)
    end = plan_end_year()
    if not found:
        return escape_markdown(f"按预测，没有达标概率低于三成的指标，暂不建议调整{end}年目标；达标概率不足五成的指标以加快进度为主（见第六部分）。")
    lines = [escape_markdown(f"以下{len(found)}项子指标按目前走势实现{end}年目标的概率低于三成。中期评估是规划目标调整的窗口，"
                             "建议责任单位逐项说明原因，由本办会同有关部门研究：确因客观条件变化难以实现的，按程序提出调整意见；"
                             "仍可通过加大力度实现的，明确所需进度并纳入年度考核。"), ""]
    for a in found:
        m = cat.measure(a.measure_id)
        o = v[a.measure_id].outlook
        k = cat.kpi(m.kpi_id)
        band = probability_band(a.probability)  # the words every other page gives this chance
        where = (f"按目前走势{end}年预计为{fmt(o.forecast_median, o.unit)}（八成把握在{number(o.forecast_lower, o.unit)}—"
                 f"{number(o.forecast_upper, o.unit)}{o.unit}之间）" if o.forecast_median is not None else "")
        who = "、".join(k.responsible)
        text = (f"{m.name_zh}（{who}）：{end}年目标“{m.end_target.text_zh}”，{where}，"
                f"达标概率{probability_number(a.probability)}，{band}；如不调整，{o.what_it_takes_zh()}。")
        lines.append(f"- {escape_markdown(text)}")
    return "\n".join(lines)

"""The reader's words for the reasons a status rests on, in one place.

A status (:class:`kpitrack.analysis.progress.MeasureStatus`) travels with a reason **code** and the
**facts** it rests on (years, figures, the plan's words), never with a sentence: this module makes
the sentence, the same one on every page (Table 1's 依据, the cards, 下一步建议, ``kpitrack status``,
``kt.status``). A new reason is a new code here; nothing else writes reasons in words.
"""

from __future__ import annotations

from collections.abc import Mapping

from .labels import fmt, fmt_pair

#: What a single comparable point is called (the facts' ``why``).
WHY_ZH = {"one_point": "只有一个可比数据点"}

#: Every reason code a status may carry (the tests check that each one has its words).
REASONS = ("no_target_plan", "tracked_only", "no_figures", "met", "base_only", "single_no_trajectory", "single_meets_trajectory",
           "single_short", "no_growth", "moved_away", "ratio", "yearly_bound", "end_bound", "cumulative_missing",
           "cumulative_met", "no_cumulative_trajectory", "cumulative_ratio", "average_none", "average_met", "yearly_requirement",
           "yearly_no_figures", "level_met", "rate_ratio", "level_short")


def _what(f: Mapping) -> str:
    """The figure a comparison rests on: one year's, a mean of years, or the mean so far."""
    unit = f.get("unit", "")
    if f.get("what") == "mean_so_far":
        return f"已有{f['n']}年平均{fmt(f['value'], unit)}，目标{fmt(f['target'], unit)}"
    years = f["years"]
    shown = f"{years[-1]}年实际{fmt(f['value'], unit)}" if len(years) == 1 else f"{years[0]}—{years[-1]}年平均{fmt(f['value'], unit)}"
    return f"{shown}，年度目标“{f['text']}”" if f.get("text") is not None and f.get("what") != "requirement" else shown


def printed_difference(value: float, target: float, unit: str) -> str | None:
    """The difference of a figure and its target as printed beside each other (:func:`fmt_pair`:
    20.32‰ and 20.40‰ differ by 0.08), without a unit; None when either does not print as a number.
    One rule for both languages' words (here and :mod:`kpitrack.core.vocabulary_en`)."""
    a, b = fmt_pair(value, target, unit)
    num = lambda t: t.replace(",", "").removesuffix(unit) if unit else t.replace(",", "")  # noqa: E731
    try:
        x, y = float(num(a)), float(num(b))
    except ValueError:
        return None
    digits = max(len(t.split(".")[1]) if "." in t else 0 for t in (num(a), num(b)))
    return f"{abs(x - y):,.{digits}f}"


def _difference(value: float, target: float, unit: str) -> str:
    """How far a figure is from its target, as printed (20.32‰ and 20.40‰: 0.08‰; 84.6% and 85.0%: 0.4个百分点)."""
    d = printed_difference(value, target, unit)
    if d is None:
        return "—"
    return f"{d}个百分点" if unit == "%" else f"{d}{unit}"


def status_reason_zh(code: str, f: Mapping) -> str:
    """The sentence for reason ``code`` with facts ``f`` (then the age of the figure when it is older
    than the year evaluated)."""
    unit = f.get("unit", "")
    text = _reason(code, f, unit)
    if f.get("later"):
        later = f["later"]
        asked = f"规划当年目标为“{later['text']}”，未列数值" if later.get("text") else "规划当年未列数值目标"
        text += f"；{later['year']}年实际{fmt(later['value'], unit)}，{asked}"
    if f.get("dated_from") is not None:
        text += f"（依据{f['dated_from']}年数据，{f['as_of']}年数据尚缺）"
    return text


def _reason(code: str, f: Mapping, unit: str) -> str:
    if code == "no_target_plan":
        return f"规划未给出量化目标（原文：“{f['text']}”）"
    if code == "tracked_only":
        return "本子指标无单独目标，仅作跟踪"
    if code == "no_figures":
        return f"截至{f['as_of']}年无实际数据"
    if code == "met":
        return f"{f['year']}年实际值已提前达到{f['target_year']}年目标值，需保持" if f["early"] else f"{f['year']}年实际值已达到{f['target_year']}年目标"
    if code == "base_only":
        return f"仅有基期（{f['base_year']}年）数据"
    why = WHY_ZH.get(f.get("why", ""), "")
    if code == "single_no_trajectory":
        return f"{why}，且{f['year']}年无规划轨迹值可比"
    if code == "single_meets_trajectory":
        return f"{why}；{f['year']}年实际值达到当年轨迹值{fmt(f['trajectory'], unit)}"
    if code == "single_short":
        return f"{why}；{f['year']}年实际值与当年轨迹值{fmt(f['trajectory'], unit)}相差{f['gap']:.1%}"
    if code == "no_growth":
        return f"无法计算增速：{f['error']}"
    note = "（基数为规划推算值）" if f.get("implied_base") else ""
    if code == "moved_away":
        return f"{f['base_year']}年已达目标，{f['year']}年又低于目标{note}"
    if code == "ratio":
        what = {("compound", "higher"): "年均增长率", ("compound", "lower"): "年均下降率",
                ("linear", "higher"): "年均增量", ("linear", "lower"): "年均减少量"}[(f["model"], f["direction"])]
        if f["ratio"] < 0:  # moved away from the target: a negative share of what was asked reads as nothing
            moved = {"higher": "不升反降", "lower": "不降反升"}[f["direction"]]
            return f"{f['base_year']}—{f['year']}年{moved}，与目标方向相反{note}"
        if f.get("path") is not None:  # the plan's own path to the year (its stated yearly levels)
            return (f"{f['base_year']}—{f['year']}年实际{what}为达到{f['year']}年轨迹值{fmt(f['path'], unit)}"
                    f"所需{what}的{f['ratio']:.0%}{note}")
        return f"{f['base_year']}—{f['year']}年实际{what}为所需{what}的{f['ratio']:.0%}{note}"
    if code == "yearly_bound":
        shown = f"{f['year']}年实际值{fmt(f['value'], unit)}"
        bound = f"当年上限{fmt(f['bound'], unit)}（{f['text']}）"
        words = ("低于" if f["strict"] else "不高于") if f["ok"] else ("未低于" if f["strict"] else "高于")
        return f"{shown}{words}{bound}"
    if code == "end_bound":
        words = ("低于" if f["strict"] else "不高于") if f["ok"] else ("未低于" if f["strict"] else "高于")
        tail = f"，已提前达到{f['target_year']}年目标，需保持" if f["ok"] and f["early"] else ""
        return f"{f['year']}年实际值{fmt(f['value'], unit)}{words}上限{fmt(f['bound'], unit)}{tail}"
    if code == "cumulative_missing":
        return f"累计目标需要逐年数据，缺{'、'.join(map(str, f['missing'])) or '全部年份'}"
    if code == "cumulative_met":
        return f"{f['first']}—{f['last']}年累计{fmt(f['done'], unit)}，已达到累计目标{fmt(f['target'], unit)}"
    if code == "no_cumulative_trajectory":
        return "规划未给出到当年的累计轨迹"
    if code == "cumulative_ratio":
        return f"{f['first']}—{f['last']}年累计{fmt(f['done'], unit)}，为同期累计轨迹{fmt(f['required'], unit)}的{f['ratio']:.0%}"
    if code == "average_none":
        return f"{f['first']}年以来无数据"
    if code == "average_met":
        return f"期内平均{fmt(f['value'], unit)}，达到目标{fmt(f['target'], unit)}"
    if code == "yearly_requirement":
        return f"{_what(f)}，年度要求“{f['text']}”{'已满足' if f['ok'] else '未满足'}"
    if code == "yearly_no_figures":
        if f.get("years"):
            years = "、".join(str(y) for y in f["years"])
            return f"规划对{years}年给出的数值目标为“{f['text']}”，该年份尚无实际数据"
        return "有数值年度目标的年份尚无实际数据"
    if code == "level_met":
        return _what(f) + "，已达到"
    if code == "rate_ratio":
        return f"{_what(f)}，实际为目标的{f['ratio']:.0%}"
    if code == "level_short":
        return f"{_what(f)}，相差{_difference(f['value'], f['target'], unit)}（相对差距{f['gap']:.1%}）"
    raise KeyError(f"no words for the reason code {code!r}")


# --------------------------------------------------------------------------- the outlook's words

#: Why an outlook has no forecast (``Outlook.reason``).
OUTLOOK_REASONS = ("", "end_year", "few_points", "no_end_number", "cumulative_gaps")
HORIZON_CAP = 2050


def outlook_reason_zh(code: str, n_points: int = 0) -> str:
    return {"": "", "end_year": "已到目标年份，按实际值评估",
            "few_points": f"可比数据点只有{n_points}个，至少需要3个才能预测",
            "no_end_number": "无数值终期目标，不作期末达标预测",
            "cumulative_gaps": "累计目标需要逐年数据，有年份缺数"}[code]


def rate_words(model: str, rate: float, unit: str, digits: int | None = None) -> str:
    """An average yearly change in words: 年均增长8.1% (compound) / 年均增加0.5个百分点 (linear);
    ``digits`` decimals when given (two rates side by side that would print alike)."""
    if model == "compound":
        return f"年均{'增长' if rate >= 0 else '下降'}{abs(rate) * 100:.{1 if digits is None else digits}f}%"
    shown = fmt(abs(rate), "个百分点" if unit == "%" else unit) if digits is None else f"{abs(rate):,.{digits}f}{'个百分点' if unit == '%' else unit}"
    return f"年均{'增加' if rate >= 0 else '减少'}{shown}"


def rate_pair(model: str, a: float, b: float, unit: str) -> tuple[str, str]:
    """Two average yearly changes in words, with digits enough to tell them apart (as :func:`fmt_pair`)."""
    x, y = rate_words(model, a, unit), rate_words(model, b, unit)
    digits = 1 if model == "compound" else 0
    while x == y and a != b and digits < 4:
        digits += 1
        x, y = rate_words(model, a, unit, digits), rate_words(model, b, unit, digits)
    return x, y


def rate_zh(o, rate: float | None) -> str:
    """A yearly change in words: 年均增长8.1% / 年均下降2.0% / 年均增加0.5个百分点 / 每年完成… (``o`` an outlook)."""
    if rate is None:
        return "—"
    if o.target_kind == "cumulative":
        return f"每年完成{fmt(rate, o.unit)}"
    if o.target_kind == "average":
        return f"平均{fmt(rate, o.unit)}"
    if o.rate_kind == "compound":
        return f"年均{'增长' if rate >= 0 else '下降'}{abs(rate) * 100:.1f}%"
    unit = "个百分点" if o.unit == "%" else o.unit
    return f"年均{'增加' if rate >= 0 else '减少'}{fmt(abs(rate), unit)}"


def what_it_takes_zh(o) -> str:
    """One sentence from the outlook's advice code and figures: keep a target met, the rate it
    takes against the best the record shows and when the average pace gets there, or that the
    present course gets there."""
    if not o.assessable:
        return o.reason_zh
    advice = o.advice.value
    if advice == "keep":  # no need to move: never advice to move toward the target's wrong side
        bound = ("高于" if o.strict else "不低于") if o.direction == "higher" else ("低于" if o.strict else "不高于")
        return f"{o.latest_year}年已达到{o.target_year}年目标值，需保持{bound}{fmt(o.target_value, o.unit)}"
    if advice == "none":
        if o.probability is not None and round(o.probability * 20) / 20 < 0.66:  # printed below 可能实现: the median gets there, barely
            return "按目前态势预测中值可达到目标，但把握不大，需保持并加快当前进度"
        return "按目前态势可实现"
    lead = "剩余年份需" if o.target_kind in ("cumulative", "average") else "需"
    if o.strict and o.required_rate is not None and abs(o.required_rate) < 1e-12:  # on a strict bound: pass it
        parts = [f"需{'升至高于' if o.direction == 'higher' else '降至低于'}{fmt(o.target_value, o.unit)}"]
    else:
        parts = [f"{lead}{rate_zh(o, o.required_rate)}"]
    if o.best_rate is not None:
        best = rate_zh(o, o.best_rate)
        if best == rate_zh(o, o.required_rate) and parts[-1] == f"{lead}{best}":  # as printed, the same rate: said once
            parts[-1] = f"{lead}{best}，相当于历史最好水平"
        elif (best.endswith(("增加0", "增长0.0%")) or best == rate_zh(o, 0.0)) and o.target_kind in ("level", "floor", "ceiling"):
            # 年均增加0个: no year moved toward the target (a change per year: a sum's or a mean's best is a level)
            parts.append("以往各年均未见" + ("下降" if o.direction == "lower" else "增加"))
        elif o.target_kind in ("cumulative", "average"):  # the best is one year's figure
            parts.append(f"历史最好的一年为{fmt(o.best_rate, o.unit)}")
        else:  # the best is one year's change, not an average over years
            parts.append("历史最好的一年" + best.removeprefix("年均"))
    if o.target_kind in ("level", "floor", "ceiling"):
        if o.year_reached is None:
            parts.append("按目前速度无法达到目标")
        elif o.year_reached > HORIZON_CAP:
            parts.append(f"按目前速度{HORIZON_CAP}年后才能达到")
        elif o.year_reached <= o.target_year:  # the average pace gets there; the forecast doubts it
            parts.append(f"按以往平均速度可在{o.year_reached}年达到，但计入近年走势与波动后把握不足五成")
        else:
            parts.append(f"按目前速度{o.year_reached}年达到")
    return "；".join(parts)

"""Words shown to readers, in Chinese first and English second."""

from __future__ import annotations

import math
import re

from enum import Enum


class Status(str, Enum):
    """The fixed vocabulary of progress statuses, from best to worst; ``INSUFFICIENT`` (no figures,
    or too few to judge) and ``NO_TARGET`` (the plan sets no numeric target) are apart: neither is judged."""

    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    INSUFFICIENT = "insufficient_data"
    NO_TARGET = "no_target"


STATUS_ZH = {
    Status.ACHIEVED: "已实现",
    Status.ON_TRACK: "进度正常",
    Status.AT_RISK: "存在风险",
    Status.OFF_TRACK: "进度滞后",
    Status.INSUFFICIENT: "数据不足",
    Status.NO_TARGET: "无量化目标",
}
STATUS_EN = {
    Status.ACHIEVED: "achieved",
    Status.ON_TRACK: "on track",
    Status.AT_RISK: "at risk",
    Status.OFF_TRACK: "off track",
    Status.INSUFFICIENT: "insufficient data",
    Status.NO_TARGET: "no numeric target",
}
#: Colours of the status, shared by tables and charts (colour-blind-safe, Okabe-Ito based).
STATUS_COLOUR = {
    Status.ACHIEVED: "#009E73",
    Status.ON_TRACK: "#56B4E9",
    Status.AT_RISK: "#E69F00",
    Status.OFF_TRACK: "#D55E00",
    Status.INSUFFICIENT: "#999999",
    Status.NO_TARGET: "#BBBBBB",
}
#: Statuses that are not a judgement of progress.
UNJUDGED = frozenset({Status.INSUFFICIENT, Status.NO_TARGET})
#: Severity for combining measure statuses into a KPI status (higher is worse).
SEVERITY = {Status.ACHIEVED: 0, Status.ON_TRACK: 1, Status.AT_RISK: 2, Status.OFF_TRACK: 3}

QUALITY_ZH = {"reported": "公布数", "preliminary": "初步数", "revised": "修订数", "derived": "推算", "synthetic": "合成", "plan-implied": "规划推算基数"}


def quality_zh(quality: str, note: str = "", value: float | None = None, *, low: bool = False) -> str:
    """A figure's kind as tables print it (公布数, 初步数 ...), with what its own note says of it: 预计 (a
    figure expected before the year's count was done) or 约数 (左右, 约 before a number), never dropped;
    ``low``: known only from a repost or a compiled source (待核实). The note's parts are kpitrack's
    (split at ；): of a quotation of the source (原文：…) only the clause that holds ``value`` is read
    (the rest speaks of other figures), and the original unit not at all."""
    parts = [p.strip() for p in (note or "").split("；") if p.strip()]
    own = [p for p in parts if not p.startswith(("原文：", "原单位："))]
    if value is not None:
        figure = re.compile(rf"(?<![\d.]){re.escape(f'{float(value):g}')}(?![\d])")
        own += [c for p in parts if p.startswith("原文：") for c in re.split(r"[,，;；。]", p) if figure.search(c)]
    marks = [w for w, hit in (("预计", any("预计" in p for p in own)),
                              ("约数", any("左右" in p or re.search(r"约\s*\d", p) for p in own)), ("待核实", low)) if hit]
    return QUALITY_ZH.get(quality, quality) + (f"（{'，'.join(marks)}）" if marks else "")


LANGUAGES = ("zh", "en")
#: The words every page of a document made from synthetic data carries (page header of the PDF,
#: the HTML page title, the charts).
SYNTHETIC_LABEL_ZH = "合成数据　仅供演示"
#: after a dataset's name, a chart's title or a figure
SYNTHETIC_NOTE_ZH = "（合成数据，仅供演示）"
#: the data named as a noun (site headings, evidence, notes)
SYNTHETIC_DATA_ZH = "合成演示数据"


def synthetic_warning(document_zh: str, language: str = "zh") -> str:
    """The boxed warning at the top of a document made from synthetic data (Markdown)."""
    text = f"> **注意：本{document_zh}使用{SYNTHETIC_DATA_ZH}，不是真实数据，结论不可引用。**"
    return text + ("  \n> *Synthetic demo data, not real figures.*" if language == "en" else "")


def status_label(status: Status, language: str = "zh") -> str:
    return (STATUS_ZH if language == "zh" else STATUS_EN)[Status(status)]


#: Units of things counted one by one: shown as whole numbers (a forecast of 50.56 items reads "51个").
COUNT_UNITS = frozenset({"个", "人", "套", "天", "项", "家", "件", "人次", "所", "位", "起"})


#: One decimal rule per unit (so per measure: a measure has one unit): every figure of these units
#: shows this many decimals, the precision of official statistics (8.8% beside 10.0%, never 8.76%
#: beside 10%; 13,509.2亿元; 436.5万人次): value, target, trajectory, interval ends, changes and gaps
#: alike. Counts (:data:`COUNT_UNITS`) and 元 are whole numbers.
UNIT_DECIMALS = {"%": 1, "个百分点": 1, "小时/周": 1, "μg/m³": 1, "人/亿元": 3, "亿元": 1, "亿美元": 1, "万元": 1,
                 "万人": 1, "万人次": 1, "张/千名老人": 1, "平方米/百人": 1, "平方米/人": 1, "‰": 2, "倍": 2, "岁": 2,
                 "公里": 1, "人/千人": 2, "本/人": 1, "件/万人": 1, "份/千人·年": 1, "元": 0}


def fmt(value: float | None, unit: str = "", *, integer: bool | None = None) -> str:
    """A number as a reader expects it: thousands separators for large numbers, few decimals;
    units of :data:`UNIT_DECIMALS` with their fixed decimals; counts (``integer``, by default when
    ``unit`` is in :data:`COUNT_UNITS`) as whole numbers, except a count below 1 (an average yearly
    increment of 0.6个) which keeps one decimal."""
    if value is None or value != value:  # NaN
        return "—"
    a = abs(value)
    if integer is None and unit in UNIT_DECIMALS:
        return fixed(value, UNIT_DECIMALS[unit], thousands=True) + unit
    if integer is None:
        integer = unit in COUNT_UNITS
    if integer and a >= 1:
        return f"{value:,.0f}{unit}"
    if integer:
        text = f"{value:.1f}".rstrip("0").rstrip(".")
        return (text[1:] if text.startswith("-") and float(text[1:]) == 0 else text) + unit
    if a >= 1000:
        text = f"{value:,.0f}"
    elif a >= 100:
        text = f"{value:,.1f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
    if text.startswith("-") and float(text[1:].replace(",", "")) == 0:  # never "-0"
        text = text[1:]
    return f"{text}{unit}"


def fmt_pair(value: float | None, target: float | None, unit: str = "") -> tuple[str, str]:
    """A figure and the target it is judged against, shown so that a reader sees why: when the two
    differ but would print alike (3.29% and 3.30% both as 3.3%), both get more decimals, the same
    number of them, until they print apart (at most 4)."""
    a, b = fmt(value, unit), fmt(target, unit)
    if value is None or target is None or value != value or target != target or a != b or value == target:
        return a, b
    for digits in range(1, 5):
        a, b = fixed(value, digits) + unit, fixed(target, digits) + unit
        if a != b:
            break
    return a, b


def fixed(value: float, digits: int, thousands: bool = False) -> str:
    """A number with a fixed count of decimals, never "-0.0": a value that rounds to zero is 0."""
    text = f"{value:,.{digits}f}" if thousands else f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def number(value: float | None, unit: str = "") -> str:
    """A figure of ``unit`` as :func:`fmt` prints it, without the unit (the ends of an interval
    beside its centre: 46.7（41.1—56.2）, never 46.7（41.1—56.22））."""
    text = fmt(value, unit)
    return text[: -len(unit)] if unit and text.endswith(unit) else text


def shown(value: float, unit: str = "") -> float:
    """The value as a reader sees it printed (rounded as :func:`fmt` rounds it): differences and
    comparisons a page prints are made of these, so they add up on the page."""
    if value is None or not math.isfinite(value):
        return float("nan")
    return float(number(value, unit).replace(",", ""))


def fmt_change(new: float | None, old: float | None, unit: str = "") -> str:
    """The change from ``old`` to ``new`` as the difference of the two figures as printed (7.8% →
    7.8% is a change of 0.0个百分点, never -0.1): a percentage in 个百分点, else in the unit, signed."""
    if new is None or old is None or not math.isfinite(new) or not math.isfinite(old):
        return "—"
    d = shown(new, unit) - shown(old, unit)
    if unit == "%":
        text = fixed(d, UNIT_DECIMALS["%"])
        return ("+" if d > 0 and float(text) != 0 else "") + text + "个百分点"
    text = fmt(abs(d), unit)
    return ("0" + unit if float(number(abs(d), unit).replace(",", "")) == 0 else ("+" if d > 0 else "-") + text)


def reporting_day(year: int, month: int):
    """The day a month's figures are reported, and its bulletin and the notices it calls for go out,
    when no publication date says otherwise: the 15th of the next month (one rule for both)."""
    from datetime import date

    return date(year + (month == 12), month % 12 + 1, 15)


def dates_zh(text: str) -> str:
    """ISO dates in a text as official documents write them (GB/T 9704: Arabic numerals with 年月日):
    2021-02-05 → 2021年2月5日.

    >>> dates_zh("2021-02-05实现"), dates_zh("未知")
    ('2021年2月5日实现', '未知')
    """
    import re

    return re.sub(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)", lambda m: f"{int(m[1])}年{int(m[2])}月{int(m[3])}日", str(text))


def chinese_number(n: int) -> str:
    """A small count in Chinese numerals, as section numbers and editions are written (1-99).

    >>> chinese_number(2), chinese_number(10), chinese_number(13), chinese_number(21)
    ('二', '十', '十三', '二十一')
    """
    digits = "零一二三四五六七八九"
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else "")

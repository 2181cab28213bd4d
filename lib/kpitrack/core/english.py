"""The researcher's English: units, the plan's stock phrases, sources and notes, in one place.

Everything kpitrack writes in words has a reason code or a unit behind it; this module gives the
English for those, as :mod:`kpitrack.core.vocabulary` gives the Chinese. Text that only a person
wrote (a ledger's note, a publication's title) has no English: it is left to ``language="zh"`` and
never machine-translated, so an English table says what it leaves out (:data:`LEFT_OUT_EN`).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from .labels import fmt

#: unit as the plan writes it -> (English, multiplier): value x multiplier is in the unit without its
#: scale word (亿元 = 100 million yuan: 1e8 yuan). Units without a scale word have multiplier 1.
UNITS: dict[str, tuple[str, float]] = {
    "": ("", 1.0), "%": ("%", 1.0), "‰": ("‰", 1.0), "个百分点": ("percentage points", 1.0),
    "μg/m³": ("μg/m³", 1.0), "万人": ("10,000 persons", 1e4), "万人次": ("10,000 visits", 1e4),
    "亿元": ("100 million yuan", 1e8), "亿美元": ("100 million US dollars", 1e8), "万元": ("10,000 yuan", 1e4),
    "元": ("yuan", 1.0), "个": ("count", 1.0), "人": ("persons", 1.0), "人次": ("visits", 1.0),
    "人/亿元": ("persons per 100 million yuan of GDP", 1.0), "人/千人": ("per 1,000 persons", 1.0),
    "件/万人": ("per 10,000 persons", 1.0), "份/千人·年": ("samples per 1,000 persons a year", 1.0),
    "位": ("rank", 1.0), "公里": ("km", 1.0), "天": ("days", 1.0), "套": ("dwellings", 1.0), "家": ("firms", 1.0),
    "小时/周": ("hours a week", 1.0), "岁": ("years", 1.0), "平方米/人": ("m² per person", 1.0),
    "平方米/百人": ("m² per 100 persons", 1.0), "张/千名老人": ("beds per 1,000 elderly", 1.0), "所": ("schools", 1.0),
    "期/年": ("rounds a year", 1.0), "本/人": ("books per person", 1.0), "起": ("cases", 1.0), "项": ("items", 1.0),
    "件": ("items", 1.0), "年": ("years", 1.0), "倍": ("times", 1.0),
}

#: What an English table leaves out, said once in its ``.attrs["note"]``.
LEFT_OUT_EN = ("Omitted in English: the plan's own wording, notes typed into the ledgers and the publications' titles "
               "(language='zh' gives them); sources are given by their address")

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def has_cjk(text: object) -> bool:
    """True when ``text`` holds a Chinese character or full-width punctuation."""
    return bool(_CJK.search(str(text)))


def unit_en(unit: str, *, strict: bool = False) -> str:
    """The English of a unit (亿元 -> 100 million yuan); a unit per year (亿元/年) keeps its tail; a unit
    as printed with words after it (``亿元 (固定资产投资)``) is its leading unit. A Chinese unit without
    English is "" (``strict``: a KeyError; :func:`missing_units` lists a plan's)."""
    unit = str(unit or "").strip()
    if unit in UNITS:
        return UNITS[unit][0]
    if unit.endswith("/年") and unit[:-2] in UNITS:
        base = UNITS[unit[:-2]][0]
        return f"{base} a year" if base else "a year"
    if not has_cjk(unit):
        return unit
    head = re.split(r"[\s(（]", unit, maxsplit=1)[0]
    if head != unit and head in UNITS:
        return UNITS[head][0]
    if strict:
        raise KeyError(f"no English for the unit {unit!r}: add it to kpitrack.core.english.UNITS")
    return ""


def multiplier(unit: str) -> float:
    """value x multiplier is in the unit without its scale word (亿元: 1e8; ``亿元 (税收收入)`` too)."""
    unit = str(unit or "").strip()
    return UNITS.get(unit, UNITS.get(re.split(r"[\s(（]", unit, maxsplit=1)[0], ("", 1.0)))[1]


def missing_units(units) -> list[str]:
    """The units of ``units`` that have no English (a plan's measures: ``kpitrack validate`` warns of them)."""
    return sorted({str(u) for u in units if unit_en(u) == "" and str(u or "").strip()})


def fmt_en(value: float | None, unit: str = "") -> str:
    """A number with its English unit, as :func:`kpitrack.core.labels.fmt` shows it in Chinese:
    ``7.5%``, ``14,300.0 (100 million yuan)``, ``42.0 μg/m³``, ``0.5 percentage points``."""
    shown = fmt(value, unit)
    if shown == "—":
        return shown
    return with_unit_en(shown[: len(shown) - len(unit)] if unit and shown.endswith(unit) else shown, unit)


def with_unit_en(number: str, unit: str) -> str:
    """A number as printed (``12,175.6``) with the English of ``unit`` after it."""
    en = unit_en(unit)
    if not en:
        return number
    if en in ("%", "‰"):
        return number + en
    if unit in ("亿元", "亿美元", "万元", "万人", "万人次"):
        return f"{number} ({en})"
    return f"{number} {en}"


# --------------------------------------------------------------------------- the plan's stock phrases

_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^年均增长([\d.]+)%(?:以上)?$"), r"average growth of \1% a year"),
    (re.compile(r"^年均增长([\d.]+)%左右$"), r"average growth of about \1% a year"),
    (re.compile(r"^增长([\d.]+)%(?:以上)?$"), r"growth of \1%"),
    (re.compile(r"^增长([\d.]+)%左右$"), r"growth of about \1%"),
    (re.compile(r"^完成市政府下达指标$"), "the plan defers to the municipal government's yearly target"),
    (re.compile(r"^完成省(?:政府)?下达(?:的)?指标$"), "the plan defers to the province's yearly target"),
    (re.compile(r"^保持稳步增长$"), "steady growth"),
    (re.compile(r"^保持适度增长$"), "moderate growth"),
    (re.compile(r"^到(\d{4})年达到([\d.,]+)(亿元|万人|%|人|个)(?:（(\d{4})年价格）)?$"), ""),
]


def plan_words_en(text: str | None) -> str:
    """The English of one of the plan's stock phrases (年均增长7.5% -> average growth of 7.5% a year);
    "the plan's words" for any other (they are in Chinese: ``language="zh"``)."""
    t = str(text or "").strip()
    for pattern, english in _PHRASES:
        mo = pattern.match(t)
        if mo and english:
            return mo.expand(english)
        if mo:  # 到2020年达到14300亿元（2015年价格）
            year, value, unit, prices = mo.groups()
            tail = f" at {prices} prices" if prices else ""
            return f"{fmt_en(float(value.replace(',', '')), unit)} by {year}{tail}"
    return "the plan's words" if t else ""


# --------------------------------------------------------------------------- sources and notes

_URL = re.compile(r"https?://.*?(?=\s+\(|\s+\[|\s+\||\s*$)")
_PATH = re.compile(r"^(data/[^\s（(]+)")
_REPO = re.compile(r"^([\w.-]+/[\w.-]+), path (\S+), commit ([0-9a-f]{7,40})")
_KPITRACK_SOURCES = {"kpitrack.data.derive（chain）": "kpitrack.data.derive (chain-linked from published growth rates)",
                     "kpitrack.data.derive（growth）": "kpitrack.data.derive (growth computed from published levels)"}


def _ascii_address(address: str) -> str:
    """An address in ASCII: Chinese in a URL or path percent-encoded (RFC 3987's mapping of an IRI)."""
    return quote(address, safe=":/?#[]@!$&'()*+,;=%~.-_")


def source_en(text: str | None) -> str:
    """A figure's source for an English table: where it is (its addresses, Chinese percent-encoded),
    or what kpitrack made it with. The publication's name in Chinese is left to ``language="zh"``."""
    t = str(text or "").strip()
    if not has_cjk(t):  # already readable in English: as it is
        return t
    if t in _KPITRACK_SOURCES:
        return _KPITRACK_SOURCES[t]
    if t.startswith("kpitrack.synthetic"):
        return t.split("，")[0].split(",")[0].strip() + ", synthetic data"
    if t.startswith("kpitrack."):
        return _ascii_address(t.split("（")[0].strip())
    seen: list[str] = []
    for part in t.split(" | "):
        part = part.strip()
        url, path, repo = _URL.match(part), _PATH.match(part), _REPO.match(part)
        if url:
            address = _ascii_address(url.group(0).strip())
        elif path:
            address = _ascii_address(path.group(1))
        elif repo:
            address = f"{repo.group(1)}, path {_ascii_address(repo.group(2))}, commit {repo.group(3)}"
        else:
            continue
        if address not in seen:
            seen.append(address)
    if seen:
        return " | ".join(seen)
    return "" if has_cjk(t) else t


_NOTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^左右(?:；|$)"), "about: the source gives it as approximate"),
    (re.compile(r"^预计([\d.]+)万亿"), "estimated at {0} trillion yuan: the source gives it as an estimate"),
    (re.compile(r"^由(\d{4})年地区生产总值([\d.]+)亿元.*按可比价增速.*连乘推算"),
     "chain-linked from the {0} GDP of {1} (100 million yuan) by the published growth rates at comparable prices"),
    (re.compile(r"^修订后的现价地区生产总值序列"), "the revised series of GDP at current prices (differs from the first published)"),
    (re.compile(r"^由(\d{4})年、(\d{4})年总量.*计算的名义增速"),
     "nominal growth computed from the {0} and {1} totals, not adjusted for changes of basis: may differ from the published rate"),
    (re.compile(r"^由日数据推算.*?(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)天有数据"),
     "computed from daily data ({0} of {1} days with data); not the official basis, never mixed with official figures"),
    (re.compile(r"^年初至当月PM2\.5日均值的算术平均；截至当月(\d+)/(\d+)天有数据"),
     "mean of the daily PM2.5 so far this year; {0} of {1} days with data; computed from daily data, not the official basis"),
    (re.compile(r"原单位：([^；;]+?)(?:\s*\(.*\))?$"), "original unit: {unit}"),
    (re.compile(r"^合成数据；该KPI的进度系数=([\d.]+)$"), "synthetic data; this KPI's pace factor = {0}"),
    (re.compile(r"^合成的年初至当月累计数（月报演示）$"), "synthetic year-to-date figure (monthly bulletin demonstration)"),
    (re.compile(r"^年初至当月AQI≤100的天数；截至当月(\d+)/(\d+)天有数据；由日数据推算，与官方口径不同$"),
     "days with AQI ≤ 100 so far this year; {0} of {1} days with data; computed from daily data, not the official basis"),
    (re.compile(r"^推算的基期：(\d{4})年公布的地区生产总值([\d.]+)亿元"), "base of the chain: the GDP published for {0}, {1} (100 million yuan)"),
    (re.compile(r"^(\d{4})年为基期，现价即\1年价格"), "{0} is the base year: its current prices are {0} prices"),
]


def note_en(text: str | None) -> str:
    """A note in English where kpitrack wrote it from a pattern (原单位：亿元 -> original unit: 100
    million yuan); "" for a note a person wrote in Chinese (``language="zh"`` gives it)."""
    t = str(text or "").strip()
    if not t or not has_cjk(t):
        return t
    parts = []
    for pattern, english in _NOTES:
        mo = pattern.search(t)
        if mo is None:
            continue
        if "{unit}" in english:
            raw = mo.group(1).strip()
            try:
                parts.append(english.format(unit=unit_en(raw) or raw))
            except KeyError:
                parts.append(english.format(unit=raw) if not has_cjk(raw) else "original unit given in Chinese")
        else:
            parts.append(english.format(*mo.groups()))
    return "; ".join(p for p in parts if not has_cjk(p))

"""The sources appendix of the reports (附录：数据来源), in Chinese for an official reader: the
measure's name (never a code id), the year, the figure with its unit, what kind of figure it is,
when it was published (未知 where nobody knows: never the day the figures were collected), and its
source as a clickable link named by its publisher.

The stored source strings keep the researcher's full provenance (addresses, repository commits,
licences, English working notes); this module turns each into a short Chinese title and one
address, and :func:`sources_table` is what both reports show.
"""

from __future__ import annotations

import re

import pandas as pd

from ...core.labels import dates_zh, fmt, quality_zh
from ...data.actuals import Dataset
from ...data.source_kinds import site as source_site
from .display import Link

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LATIN = re.compile(r"\b[A-Za-z][A-Za-z.'’\-]*(?:\d+\b)?")
#: Sources that are not a publication: how the figure was made, in words.
MADE_BY = (
    ("kpitrack.synthetic", "合成演示数据（由程序按固定规则生成，每次相同，非真实数据）"),
    ("kpitrack.data.derive（chain）", "由公布的地区生产总值和可比价增速连乘推算"),
    ("kpitrack.data.derive（growth）", "由两年公布的总量计算的名义增速"),
    ("data/sources/hangzhou_air_daily.csv", "由逐日空气质量数据推算（天气后报网站的城市日均值，非官方口径）"),
)
REPOSITORIES = {"longavailable/ydm-population-gdp-db": ("中国地区人口与生产总值长期序列数据库（开源整理）",
                                                       "https://github.com/longavailable/ydm-population-gdp-db")}


_DOCUMENT = re.compile(r"年鉴|公报|报告")
_OFFICE = re.compile(r"统计局|政府|委员会|局|办")


def _clean(segment: str) -> str:
    text = _LATIN.sub("", _DATE.sub("", segment))
    text = re.sub(r"^(数据来源|来源)[:：]", "", re.sub(r"\s+", " ", text).strip(" :：-—[]【】")).strip()
    if text.count("(") != text.count(")") or text.count("（") != text.count("）"):
        text = text.strip("()（）")
    return text if re.search(r"[\u4e00-\u9fff]", text) else ""


def _title(note: str) -> str:
    """The Chinese name of the document or publisher in a source's note, without dates and English:
    a yearbook, bulletin or report named anywhere in it first, else its first Chinese words."""
    segments = [c for c in (_clean(s) for s in re.split(r"[,;，；]", note)) if c]
    return next((c for c in segments if _DOCUMENT.search(c)),
                next((c for c in segments if _OFFICE.search(c)), segments[0] if segments else ""))


def source_link(source: str) -> Link:
    """The source of a figure as a short Chinese title with its address (none for a figure kpitrack made)."""
    s = str(source).strip()
    for prefix, words in MADE_BY:
        if s.startswith(prefix):
            return Link(words, None)
    for repo, (words, url) in REPOSITORIES.items():
        if s.startswith(repo):
            return Link(words, url)
    first = s.split(" | ")[0]
    mo = re.match(r"(https?://.+?)(?:\s+\((.*?)\)?(?:\s*\[.*)?)?$", first)
    if mo is None:  # a source as a ledger's author typed it: shown as typed (escaped on output), its dates as words
        return Link(dates_zh(s[:120]) + ("…" if len(s) > 120 else "") or "来源未注明", None)
    address = mo.group(1).strip()
    title = _title(mo.group(2) or "") or _english_title(mo.group(2) or "")
    from ...data.source_kinds import host_of

    host = host_of(address)
    if host is None:  # not an address after all: shown as typed
        return Link(dates_zh(s[:120]) + ("…" if len(s) > 120 else "") or "来源未注明", None)
    return Link(cited(title, host), address)


_ENGLISH = ((re.compile(r"statistical bulletin", re.I), "统计公报"), (re.compile(r"government work report", re.I), "政府工作报告"))
_YEARBOOK = re.compile(r"([A-Z][a-z]+) Statistical Yearbook (\d{4})")


def _english_title(note: str) -> str:
    """A publication named in English in a source's note: the workspace city's statistical yearbook
    (``<city_en> Statistical Yearbook 2018`` → ``<city_short_zh>统计年鉴2018``), a statistical bulletin, a
    government work report."""
    from ...core.workspace import workspace

    mo = _YEARBOOK.search(note)
    if mo and mo.group(1).lower() == workspace().city_en.lower():
        return f"{workspace().city_short_zh}统计年鉴{mo.group(2)}"
    for pattern, words in _ENGLISH:
        if pattern.search(note):
            return words
    return ""


def cited(title: str, netloc: str) -> str:
    """How a page read on the web is cited: the publication it reports and the site, never a bare
    address (a site that reposts: 转引自; a site not known here: 网页 with its address, and that the
    original is not named)."""
    host = netloc.lower().split(":")[0]
    site = source_site(host)
    if site is None:
        return f"{title}，转引自网页（{host}）" if title else f"原始出处未注明，转引自网页（{host}）"
    name, reprint = site
    if reprint:
        return f"{title}，转引自{name}（{host}）" if title else f"原始出处未注明，转引自{name}（{host}）"
    return f"{name}：{title}" if title else f"{name}报道"


def publication_date(known_from: str, ds: Dataset, dated: bool = True) -> str:
    """The day a figure was published, in Chinese form, or 未知: a dataset's ``collected`` date (the day
    its figures were gathered) and the ingest day of figures ingested without a date (``dated``
    false) stand in for unknown publication dates in the store, and are never shown as one."""
    if ds.synthetic:
        return "—（合成）"
    if not known_from or not dated or (ds.collected and known_from == ds.collected):
        return "未知"
    return dates_zh(known_from)


def appendix_note(ds: Dataset) -> str:
    """The words above the sources table (synthetic data: instead of it)."""
    if ds.synthetic:
        return ("本报告所用数据全部为合成演示数据，由程序按固定规则生成（每次生成的结果相同），不是真实数据，没有公布来源和公布日期，"
                "故不列逐项来源表。")
    return ("本报告所用每一项年度数据的来源、类别和公布日期；“推算”为按公布数或逐日数据计算的值，不作官方数据使用；"
            "公布日期不详的标为“未知”。同一指标各年采用同一口径：来源可靠的修订数覆盖全部年份时用修订数，否则用初次公布数，"
            "另一口径的数据列出备查，注明“未采用”；同一数据有多个来源时取统计公报、统计年鉴等层级较高的来源，"
            "只见于转载或转录、汇编数据库、其他网页的数据注明“待核实”。")


def sources_table(ds: Dataset, up_to: int, names: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Every yearly figure of ``ds`` up to year ``up_to`` with its source (``names``: measure id ->
    (Chinese name, unit)), measures in catalogue order, years ascending, revisions in the order known."""
    obs = ds.observations
    obs = obs[(obs["year"] <= up_to) & (obs["month"] == 0)]
    order = {mid: i for i, mid in enumerate(names)}
    obs = obs.assign(_o=obs["measure_id"].map(order).fillna(len(order))).sort_values(["_o", "year", "known_from"], kind="stable")
    rows = []
    previous = None
    other = set(ds.book.other_basis)
    for r in obs.itertuples():
        name, unit = names.get(r.measure_id, (r.measure_id, r.unit))
        rows.append({"指标": name if name != previous else "", "年份": f"{r.year}年", "数值": fmt(float(r.value), unit),
                     "类别": quality_zh(r.quality, str(r.note) if isinstance(r.note, str) else "", float(r.value)) + ("（未采用）" if r.Index in other else ""),
                     "公布日期": publication_date(str(r.known_from), ds, bool(r.dated)), "来源类别": kind_words(r.source, r.method),
                     "来源": source_link(r.source)})
        previous = name
    return pd.DataFrame(rows, columns=["指标", "年份", "数值", "类别", "公布日期", "来源类别", "来源"])


def kind_words(source: str, method: str = "") -> str:
    """The kind of a figure's source as the sources table shows it (a low one: 待核实)."""
    from ...data.source_kinds import label, source_kind

    return label(source_kind(source, method))

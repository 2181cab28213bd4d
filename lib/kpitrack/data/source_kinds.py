"""The standing of a figure's source (issue 33): which kind of publication it was read from, ranked,
so that the one rule choosing a figure (:mod:`kpitrack.data.figures`) prefers a statistical bulletin
to a news report of it and a news report to a page that reposts it, and so that pages and the API
can say when a figure is known only from a low source.

The kinds and their order are data (``KINDS``); how a stored source string is read is here, once:
a figure kpitrack made (derived, synthetic) has no kind; a long-series database kept in a repository
is 汇编数据库; a web page takes the standing of its site (``SITES`` and the workspace's own
``sources/sites.csv``: a government site, an official news site, a site that reposts) and, on a
government site, of the publication it names; text a ledger's author typed is read for the
publication it names (统计公报, 统计年鉴, 政府工作报告, a department), else its kind is not stated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse


@dataclass(frozen=True)
class Kind:
    code: str
    rank: int  # 1 is the highest standing
    name_zh: str
    name_en: str
    low: bool  # a figure known only from this kind is marked so (待核实)


KINDS = {k.code: k for k in (
    Kind("bulletin", 1, "统计公报", "statistical bulletin", False),
    Kind("yearbook", 2, "统计年鉴", "statistical yearbook", False),
    Kind("work_report", 3, "政府工作报告", "government work report", False),
    Kind("department", 4, "部门发布", "department bulletin or website", False),
    Kind("official_media", 5, "官方媒体", "official media", False),
    Kind("unstated", 6, "未注明", "not stated", False),
    Kind("repost", 7, "转载转录", "repost or transcription", True),
    Kind("database", 8, "汇编数据库", "compiled database", True),
    Kind("other_web", 9, "其他网页", "other web page", True),
)}
#: figures kpitrack computed or generated: not a publication, ranked by their method instead
MADE = Kind("made", 0, "推算或合成", "computed or synthetic", False)
#: how a kind is shown in a table: its name, and for a low one 待核实
LOW_MARK = "（待核实）"


def label(k: Kind) -> str:
    return k.name_zh + (LOW_MARK if k.low else "")


#: every label a table may show: one word each, set whole in the PDF
LABELS = frozenset(label(k) for k in (*KINDS.values(), MADE))

#: Web sites by their address: the publisher's name, whether the site only reposts what others
#: published (a figure read there is cited 转引自 it), and its standing. A city's own news sites come
#: from its workspace (:func:`kpitrack.data.sources.site_names`).
SITES = {"zjol.com.cn": ("浙江在线", False), "china.com.cn": ("中国网", False),
         "chinanews.com": ("中国新闻网", False), "chinanews.com.cn": ("中国新闻网", False), "gov.cn": ("政府网站", False),
         "bkwk.cn": ("文档分享网站", True), "cucdc.com": ("文档分享网站", True), "cxorg.com": ("转载网站", True),
         "ppfocus.com": ("转载网站", True), "hangzhouds.org.cn": ("文献网站", True)}
#: prefixes of sources that are not publications, and repositories of compiled series
MADE_PREFIXES = ("kpitrack.", "data/sources/")
DATABASES = ("longavailable/ydm-population-gdp-db",)
#: hosts that keep transcriptions made by third parties (a parse of a reposted bulletin)
TRANSCRIPTS = ("github.com",)

_PUBLICATIONS = ((re.compile(r"数据库|database", re.I), "database"),
                 (re.compile(r"统计公报|statistical bulletin", re.I), "bulletin"),
                 (re.compile(r"统计年鉴|Statistical Yearbook", re.I), "yearbook"),
                 (re.compile(r"政府工作报告|government work report", re.I), "work_report"))
_OFFICE = re.compile(r"统计局|调查队|政府|委员会|发改委|局|办公室")
_URL = re.compile(r"https?://[^\s|（(]+", re.I)


def site(host: str) -> tuple[str, bool] | None:
    """(publisher's name, reposts) of a web host, the workspace's own sites first; None if unknown."""
    from .sources import site_names

    host = host.lower().split(":")[0]
    known = {**SITES, **site_names()}
    return next((v for k, v in sorted(known.items(), key=lambda kv: -len(kv[0])) if host == k or host.endswith("." + k)), None)


def _named(text: str) -> str | None:
    return next((code for pattern, code in _PUBLICATIONS if pattern.search(text)), None)


def host_of(url: str) -> str | None:
    """The host of a web address, lower case, without user or port; None for an address that is
    not one (``http://[::1``: a source typed so is other text, never an error on read)."""
    try:
        host = urlparse(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def source_kind(source: str, method: str = "") -> Kind:
    """The kind of publication a stored source string names (see the module doc).

    >>> source_kind("kpitrack.data.derive（chain）").code, source_kind("宁波统计年鉴2018").code
    ('made', 'yearbook')
    >>> source_kind("https://tjj.ningbo.gov.cn/a.html (宁波市2019年国民经济和社会发展统计公报)").code
    'bulletin'
    >>> source_kind("https://www.bkwk.cn/article/x.html").code, source_kind("https://example.org/x").code
    ('repost', 'other_web')
    """
    s = str(source).strip()
    if "转引自" in s:  # a publication read from someone's reprint or transcription of it
        return KINDS["repost"]
    if s.startswith(MADE_PREFIXES) and method != "official":  # made by kpitrack; typed so on an official figure: just text
        return MADE
    if s.startswith(DATABASES):
        return KINDS["database"]
    mo = _URL.search(s)
    host = host_of(mo.group(0)) if mo else None
    if mo is None or host is None:  # typed by a ledger's author (or an address that is none)
        code = _named(s) or ("department" if _OFFICE.search(s) else "unstated")
        return KINDS[code]
    if host in TRANSCRIPTS or host.endswith(tuple("." + t for t in TRANSCRIPTS)):
        return KINDS["repost"]  # a third party's transcription
    known = site(host)
    if known is None:
        return KINDS["other_web"]
    if known[1]:
        return KINDS["repost"]
    if host == "gov.cn" or host.endswith(".gov.cn"):
        return KINDS[_named(s) or "department"]
    return KINDS["official_media"]


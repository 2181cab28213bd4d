"""The workspace: who runs the plan and which plan it is, as data.

A workspace is a folder (the bundled one is the repository's ``data/``; another is made by
``kpitrack init DIR`` and chosen with ``--workspace DIR`` or ``$KPITRACK_DATA``) holding the plan
(``plan/``), the regions, the datasets, and ``workspace.yaml``: the city, its districts' collective
name, the issuing office and the words of the documents' titles. The plan's own name and period are
in ``plan/plan.yaml``. Nothing about one city or one plan is written in the code: every title, every
check of a year and every message reads them here.

A workspace is opened as an object (``Workspace.open(folder)``) and made active for a block of work
(``with ws.active(): ...``); the researcher's ``kt.open(folder)`` returns a handle whose functions run
in it. Everything the code derives from a workspace (the plan's years, the city, the default dataset,
the units) is read from the active one when asked for, never fixed at import: one process may hold
the 13th and the 14th plans side by side. Without an active workspace it is ``$KPITRACK_DATA``'s
(read at every call) or the repository's ``data/``; the command line's ``--workspace`` sets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import paths
from .exceptions import Problem, Reason, ValidationError
from .yamlio import load_yaml


#: The default store: SQLite, one file in the workspace (git ignores ``.store/``).
DEFAULT_STORE = ".store/kpitrack.sqlite"
#: A workspace's time zone when its description names none: China's (the plans' cities are Chinese)
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Workspace:
    city_zh: str            # the city's name, e.g. 宁波市
    city_short_zh: str      # without 市, e.g. 宁波 (in "宁波在对标城市中的位次")
    city_en: str            # e.g. Ningbo
    office_zh: str          # the office that issues the documents (考评办)
    districts_zh: str       # the districts' collective name: 区、县（市）
    site_title_zh: str      # the website's title
    default_dataset: str    # the dataset used when none is named
    root: Path  # the workspace's folder
    #: the 文号's organ prefix (杭考评办: 杭考评办〔2019〕X号); "" when the office has not given one
    doc_prefix_zh: str = ""
    #: 主送: who the documents are addressed to; 抄送: who gets copies ("" : none printed)
    recipients_zh: str = ""
    copies_zh: str = ""
    #: the city's time zone (IANA name): the day a figure becomes known, "today" in every check
    timezone: str = DEFAULT_TIMEZONE

    @classmethod
    def open(cls, folder: Path | str) -> "Workspace":
        """The workspace in ``folder``, its description and its plan's name and years checked (a
        ValidationError naming the file and field when they are missing or wrong)."""
        path = Path(folder).expanduser().resolve()
        ws = _workspace(str(path))
        _plan(str(path))
        return ws

    @property
    def folder(self) -> Path:
        """The former name of :attr:`root`, kept for notebooks written before it."""
        return self.root

    @property
    def store_url(self) -> str:
        """Where the workspace's records are kept (:func:`store_url_of`); ``kpitrack.data.store`` opens it."""
        return store_url_of(self.root)

    @property
    def plan(self) -> "PlanInfo":
        """The name and years of the workspace's plan."""
        return _plan(str(self.root))

    def active(self):
        """A context in which everything kpitrack reads comes from this workspace."""
        return paths.using(self.root)


@dataclass(frozen=True)
class PlanInfo:
    name_zh: str            # the plan's full name, the city's included
    name_en: str
    title_zh: str           # its name in a document's title, without the city (“十四五”绩效管理总体规划)
    short_zh: str           # its period's name, e.g. “十四五”
    base_year: int          # the year before the plan: its targets grow from this year's figures
    start_year: int
    end_year: int
    last_target_year: int   # the latest year a target may name (a milestone after the plan's end)
    extra_units: tuple[str, ...] = ()  # units the plan's measures use beyond kpitrack's list

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)

    @property
    def period_zh(self) -> str:
        return f"{self.start_year}—{self.end_year}年"


def _text(doc: dict, key: str, where: str, problems: list[Problem], default: str | None = None) -> str:
    v = doc.get(key, default)
    if not isinstance(v, str) or not v.strip():
        problems.append(Problem(where, None, key, f"{key} is required (a text)", Reason.MISSING))
        return ""
    return v.strip()


def _optional(doc: dict, key: str, where: str, problems: list[Problem]) -> str:
    v = doc.get(key)
    if v is None:
        return ""
    if not isinstance(v, str) or any(ch < " " for ch in v):
        problems.append(Problem(where, None, key, f"{key}: a line of text", Reason.WRONG_TYPE))
        return ""
    return v.strip()


def _year(doc: dict, key: str, where: str, problems: list[Problem], default: int | None = None) -> int:
    v = doc.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or not 1900 <= v <= 2200:
        problems.append(Problem(where, None, key, f"{key} must be a year, got {v!r}", Reason.WRONG_TYPE))
        return 0
    return v


def _timezone(doc: dict, where: str, problems: list[Problem]) -> str:
    v = doc.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(v, str) or v.strip() not in _zones():
        problems.append(Problem(where, None, "timezone", f"timezone: an IANA time zone such as Asia/Shanghai, got {v!r}",
                                Reason.WRONG_TYPE))
        return DEFAULT_TIMEZONE
    return v.strip()


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    """The IANA time zones this machine knows (its tz database, or the tzdata package), without the
    names that are not a place's ("localtime": the machine's own; "Factory")."""
    from zoneinfo import available_timezones

    return frozenset(available_timezones()) - {"localtime", "Factory", "posixrules"}


@lru_cache(maxsize=8)
def _workspace(folder: str) -> Workspace:
    path = Path(folder) / "workspace.yaml"
    doc = load_yaml(path, str(path)) if path.is_file() else None
    if not isinstance(doc, dict):
        raise ValidationError([Problem(str(path), None, "-", "the workspace's description is missing (kpitrack init makes one)",
                                       Reason.MISSING)], "workspace")
    problems: list[Problem] = []
    city = _text(doc, "city_zh", str(path), problems)
    ws = Workspace(city, _text(doc, "city_short_zh", str(path), problems, city.removesuffix("市") or city),
                   _text(doc, "city_en", str(path), problems, city), _text(doc, "office_zh", str(path), problems, f"{city}绩效管理考评办公室"),
                   _text(doc, "districts_zh", str(path), problems, "区、县（市）"),
                   _text(doc, "site_title_zh", str(path), problems, f"{city}绩效管理"),
                   _text(doc, "default_dataset", str(path), problems, "main"), Path(folder).resolve(),
                   _optional(doc, "doc_prefix_zh", str(path), problems),
                   _optional(doc, "recipients_zh", str(path), problems), _optional(doc, "copies_zh", str(path), problems),
                   _timezone(doc, str(path), problems))
    if problems:
        raise ValidationError(problems, "workspace validation")
    return ws


@lru_cache(maxsize=8)
def _plan(folder: str) -> PlanInfo:
    path = Path(folder) / "plan" / "plan.yaml"
    doc = load_yaml(path, str(path)) if path.is_file() else None
    if not isinstance(doc, dict):
        raise ValidationError([Problem(str(path), None, "-", "the plan's name and years are missing (kpitrack plan import writes them)",
                                       Reason.MISSING)], "plan")
    problems: list[Problem] = []
    w = str(path)
    start, end = _year(doc, "start_year", w, problems), _year(doc, "end_year", w, problems)
    name = _text(doc, "name_zh", w, problems)
    info = PlanInfo(name, _text(doc, "name_en", w, problems), _text(doc, "title_zh", w, problems, name),
                    str(doc.get("short_zh") or ""),
                    _year(doc, "base_year", w, problems, start - 1 if start else None), start, end,
                    _year(doc, "last_target_year", w, problems, end),
                    tuple(str(u) for u in (doc.get("extra_units") or [])))
    if not problems and not info.base_year < info.start_year <= info.end_year <= info.last_target_year:
        problems.append(Problem(w, None, "end_year", f"the years must run base_year < start_year <= end_year <= last_target_year, got "
                                                    f"{info.base_year}, {info.start_year}, {info.end_year}, {info.last_target_year}",
                                Reason.INCONSISTENT))
    if problems:
        raise ValidationError(problems, "plan validation")
    return info


def store_url_of(folder: Path) -> str:
    """Where the records of the workspace in ``folder`` are kept: ``$KPITRACK_STORE``, else ``store:``
    in its workspace.yaml, else SQLite in the workspace (:data:`DEFAULT_STORE`); a relative SQLite file
    is the workspace's."""
    import os

    folder = Path(folder).resolve()
    url = os.environ.get("KPITRACK_STORE", "").strip()
    ws = folder / "workspace.yaml"
    if not url and ws.is_file():
        doc = load_yaml(ws, str(ws))
        url = str(doc.get("store") or "").strip() if isinstance(doc, dict) else ""
    url = url or f"sqlite:///{DEFAULT_STORE}"
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_absolute():
        url = f"sqlite:///{(folder / url.removeprefix('sqlite:///')).resolve()}"
    return url


def workspace() -> Workspace:
    """The workspace of this process (``$KPITRACK_DATA``, else the repository's ``data/``)."""
    return _workspace(str(paths.data_dir()))


def plan_info() -> PlanInfo:
    """The name and years of the workspace's plan (``plan/plan.yaml``)."""
    return _plan(str(paths.data_dir()))

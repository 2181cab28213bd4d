"""Peer cities (对标城市): their sourced figures, the peer groups and the indicators, as data.

``data/peers/peer_cities.csv`` holds one figure per row (city, indicator, year, value, unit,
quality, source and caveat), ``groups.yaml`` the peer groups (editable lists of cities) and
``indicators.yaml`` how each indicator is named, which way is better and whether it may be ranked.
Every row is checked when loaded; a problem names the file, the row and the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.exceptions import Problem, Reason, UnknownNameError, ValidationError
from ..core.yamlio import load_yaml

QUALITIES = ("reported", "computed")
DIRECTIONS = ("higher", "lower", "none")
COLUMNS = ["city", "city_en", "group", "indicator", "year", "value", "unit", "quality", "n_days", "source_repo",
           "source_path", "source_commit", "upstream", "note"]
STORED_PAGE = "(stored web page"


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    unit: str
    direction: str           # higher | lower | none
    rankable: bool = True
    why_not_zh: str = ""     # why it may not be ranked
    caveat_zh: str = ""
    measure: str = ""        # the plan's KPI measure it compares with (a challenge target's horizontal test)


@dataclass(frozen=True)
class Group:
    id: str
    name_zh: str
    cities: tuple[str, ...]
    note_zh: str = ""


@dataclass(frozen=True)
class Peers:
    figures: pd.DataFrame            # COLUMNS plus ``source`` (the source a ranking keeps to)
    indicators: dict[str, Indicator]
    groups: dict[str, Group]
    home: str                        # the city whose plan this is
    folder: Path
    source_names: dict[str, str] = field(default_factory=dict)  # source key -> its name for readers (sources.yaml)

    def source_zh(self, key: str) -> str:
        """How a source is named to readers (its key when sources.yaml does not name it)."""
        return self.source_names.get(key, key)

    def indicator(self, name: str) -> Indicator:
        try:
            return self.indicators[name]
        except KeyError:
            raise UnknownNameError("peer indicator", name, list(self.indicators)) from None

    def for_measure(self, measure_id: str) -> list[Indicator]:
        """The rankable peer indicators that compare with a KPI measure (official figures first)."""
        found = [i for i in self.indicators.values() if i.measure == measure_id and i.rankable]
        return sorted(found, key=lambda i: ("official" not in i.id, i.id))

    def group(self, name: str) -> Group:
        key = {"sub_provincial": "sub-provincial", "副省级城市": "sub-provincial", "长三角": "yrd", "YRD": "yrd"}.get(name, name)
        try:
            return self.groups[key]
        except KeyError:
            raise UnknownNameError("peer group", name, list(self.groups)) from None


def source_of(row: pd.Series | dict) -> str:
    """The source a figure comes from, as one ranking keeps to it: the repository it was read from,
    or for a stored web page the publication it cites (a yearbook, a bulletin)."""
    repo = str(row.get("source_repo", "") or "")
    return str(row.get("upstream", "") or repo) if repo.startswith(STORED_PAGE) else repo


def folder() -> Path:
    return paths.data_dir() / "peers"


def load_peers(where: Path | None = None) -> Peers:
    """The peer figures, groups and indicators, every row checked (a ValidationError lists them all)."""
    base = Path(where) if where else folder()
    stamp = tuple((base / f).stat().st_mtime_ns if (base / f).exists() else 0
                  for f in ("peer_cities.csv", "groups.yaml", "indicators.yaml", "sources.yaml"))
    return _load(str(base), stamp)


@lru_cache(maxsize=4)
def _load(where: str, _stamp: tuple) -> Peers:
    base = Path(where)
    problems: list[Problem] = []
    indicators = _indicators(base / "indicators.yaml", problems)
    groups, home = _groups(base / "groups.yaml", problems)
    path = base / "peer_cities.csv"
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValidationError([Problem(str(path), None, "-", f"cannot read the peer figures: {exc}", Reason.UNREADABLE)],
                              "peer data validation") from None
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        problems.append(Problem(str(path), 1, ",".join(missing), "missing column(s)", Reason.MISSING))
    else:
        problems += _check_rows(df, path, indicators)
    if problems:
        raise ValidationError(problems, "peer data validation")
    df["year"] = df["year"].astype(int)
    df["value"] = df["value"].astype(float)
    df["source"] = [source_of(r) for r in df.to_dict("records")]
    names = load_yaml(base / "sources.yaml", str(base / "sources.yaml")) if (base / "sources.yaml").is_file() else {}
    return Peers(df, indicators, groups, home, base, {str(k): str(v) for k, v in (names or {}).items()})


def _check_rows(df: pd.DataFrame, path: Path, indicators: dict[str, Indicator]) -> list[Problem]:
    problems = []
    for i, r in enumerate(df.to_dict("records"), start=2):
        def bad(fld: str, msg: str, reason: Reason, row: int = i) -> None:
            problems.append(Problem(str(path), row, fld, msg, reason))

        if not r["city"].strip():
            bad("city", "the city is empty", Reason.MISSING)
        if r["indicator"] not in indicators:
            bad("indicator", f"unknown peer indicator {r['indicator']!r} (known: {', '.join(indicators)})", Reason.UNKNOWN_REFERENCE)
        if not r["year"].isdigit() or not 2000 <= int(r["year"]) <= 2100:
            bad("year", f"{r['year']!r} is not a year", Reason.WRONG_TYPE)
        try:
            v = float(r["value"])
            if not math.isfinite(v):
                raise ValueError
            if v < 0 and indicators.get(r["indicator"]) and indicators[r["indicator"]].unit != "%":
                bad("value", f"negative value {v:g} for {r['indicator']}", Reason.OUT_OF_RANGE)
        except ValueError:
            bad("value", f"{r['value']!r} is not a finite number", Reason.WRONG_TYPE)
        if r["quality"] not in QUALITIES:
            bad("quality", f"{r['quality']!r} is not one of {', '.join(QUALITIES)}", Reason.NOT_ALLOWED)
        if not source_of(r).strip():
            bad("source_repo", "every figure needs its source", Reason.MISSING)
    seen: dict[tuple, int] = {}
    for i, r in enumerate(df.to_dict("records"), start=2):  # one figure per city, indicator, year and source
        key = (r["city"], r["indicator"], r["year"], source_of(r))
        if key in seen:
            problems.append(Problem(str(path), i, "-", f"duplicate of row {seen[key]}: {r['city']} {r['indicator']} {r['year']} "
                                                        f"from the same source", Reason.DUPLICATE))
        seen.setdefault(key, i)
    return problems


def _indicators(path: Path, problems: list[Problem]) -> dict[str, Indicator]:
    doc = load_yaml(path, str(path))
    out = {}
    for key, d in (doc or {}).items():
        if not isinstance(d, dict):
            problems.append(Problem(str(path), None, str(key), "expected name_zh, unit, direction", Reason.WRONG_TYPE))
            continue
        direction = d.get("direction", "none")
        if direction not in DIRECTIONS:
            problems.append(Problem(str(path), None, f"{key}.direction", f"{direction!r} is not one of {', '.join(DIRECTIONS)}",
                                    Reason.NOT_ALLOWED))
        rankable = d.get("rankable", True)
        if not rankable and not d.get("why_not_zh"):
            problems.append(Problem(str(path), None, f"{key}.why_not_zh", "an indicator kept out of rankings says why",
                                    Reason.MISSING))
        out[str(key)] = Indicator(str(key), str(d.get("name_zh", key)), str(d.get("unit", "")), str(direction), bool(rankable),
                                  str(d.get("why_not_zh", "")), str(d.get("caveat_zh", "")), str(d.get("measure", "") or ""))
    return out


def _groups(path: Path, problems: list[Problem]) -> tuple[dict[str, Group], str]:
    doc = load_yaml(path, str(path)) or {}
    out = {}
    for key, d in (doc.get("groups") or {}).items():
        cities = d.get("cities") if isinstance(d, dict) else None
        if not isinstance(cities, list) or not cities or not all(isinstance(c, str) and c.strip() for c in cities):
            problems.append(Problem(str(path), None, f"groups.{key}.cities", "expected a list of city names", Reason.WRONG_TYPE))
            continue
        dup = sorted({c for c in cities if cities.count(c) > 1})
        if dup:
            problems.append(Problem(str(path), None, f"groups.{key}.cities", f"named twice: {'、'.join(dup)}", Reason.DUPLICATE))
        out[str(key)] = Group(str(key), str(d.get("name_zh", key)), tuple(dict.fromkeys(cities)), str(d.get("note_zh", "")))
    home = str(doc.get("home") or "")
    if not home:
        problems.append(Problem(str(path), None, "home", "the city whose plan this is, e.g. home: 杭州", Reason.MISSING))
    return out, home

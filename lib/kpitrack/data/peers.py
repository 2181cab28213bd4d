"""Peer cities (对标城市): their sourced figures, the peer groups and the indicators, as data.

``data/peers/peer_cities.csv`` holds one figure per row (city, indicator, year, value, unit,
quality, source and caveat), ``groups.yaml`` the peer groups (editable lists of cities) and
``indicators.yaml`` how each indicator is named, which way is better and whether it may be ranked.
Every row is checked when loaded; a problem names the file, the row and the field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.exceptions import Problem, Reason, UnknownNameError, ValidationError
from ..core.yamlio import load_yaml
from .store.layout import LEDGER_KEYS

QUALITIES = ("reported", "computed")
DIRECTIONS = ("higher", "lower", "none")
COLUMNS = ["city", "city_en", "group", "indicator", "year", "value", "unit", "quality", "n_days", "source_repo",
           "source_path", "source_commit", "upstream", "note"]
STORED_PAGE = "(stored web page"
#: the ledger of peer figures added by ``kpitrack ingest FILE --kind peers`` (kpitrack.data.plan_ledgers)
LEDGER = "ledger.csv"
#: A ledger row replaces the figure of the same city, indicator, year and source.
LEDGER_KEY = LEDGER_KEYS["peers"]
LEDGER_REPO = "(ledger)"


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
    why_not_en: str = ""
    caveat_en: str = ""


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
    return str(row.get("upstream", "") or repo) if repo.startswith(STORED_PAGE) or repo == LEDGER_REPO else repo


def folder() -> Path:
    return paths.data_dir() / "peers"


def available(where: Path | None = None) -> bool:
    """Whether the workspace holds peer cities' figures (``peers/``): a new city's may not yet."""
    base = Path(where) if where else folder()
    return (base / "peer_cities.csv").is_file() or (base / LEDGER).is_file() or bool(_stored(base))


def _stored(base: Path, known_at: str | None = None) -> list[tuple[int, dict[str, str]]] | None:
    """The peer ledger's rows as its ingests (made by ``known_at``) folded in the store (None: never ingested)."""
    from .plan_ledger_vintages import rows_known_at

    return rows_known_at(base, "peers", LEDGER_KEY, known_at)


def load_peers(where: Path | None = None, known_at: str | None = None) -> Peers:
    """The peer figures, groups and indicators, every row checked (a ValidationError lists them all);
    with ``known_at`` (YYYY-MM-DD), the ledger's ingests made by that day only (the bundled figures are
    always known)."""
    base = Path(where) if where else folder()
    from .store import records_state

    stamp = tuple((base / f).stat().st_mtime_ns if (base / f).exists() else 0
                  for f in ("peer_cities.csv", LEDGER, "groups.yaml", "indicators.yaml", "sources.yaml"))
    return _load(str(base), (*stamp, records_state(base, "peers")), known_at or None)


@lru_cache(maxsize=8)
def _load(where: str, _stamp: tuple, known_at: str | None = None) -> Peers:
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
    stored = _stored(base, known_at) if not problems else None
    if not problems and (stored is not None or (base / LEDGER).is_file()):
        try:
            added = ledger_rows(base / LEDGER, indicators, {c for g in groups.values() for c in g.cities} | set(df["city"]),
                                records=stored)
        except ValidationError as exc:
            problems += exc.problems
        else:  # a ledger row replaces the figure of the same city, indicator, year and source
            keys = {(r["city"], r["indicator"], r["year"], source_of(r)) for r in added.to_dict("records")}
            df = df[[(r["city"], r["indicator"], r["year"], source_of(r)) not in keys for r in df.to_dict("records")]]
            df = pd.concat([df, added], ignore_index=True)
    if problems:
        raise ValidationError(problems, "peer data validation")
    df["year"] = df["year"].astype(int)
    df["value"] = df["value"].astype(float)
    df["source"] = [source_of(r) for r in df.to_dict("records")]
    names = load_yaml(base / "sources.yaml", str(base / "sources.yaml")) if (base / "sources.yaml").is_file() else {}
    return Peers(df, indicators, groups, home, base, {str(k): str(v) for k, v in (names or {}).items()})


def ledger_rows(path: Path, indicators: dict[str, Indicator] | None = None, cities: set[str] | None = None,
                records: list[tuple[int, dict[str, str]]] | None = None) -> pd.DataFrame:
    """The peer figures of a ledger (columns city, indicator, year, value, unit, quality, source, note)
    as rows of :data:`COLUMNS`, every row checked like the bundled figures, and its city known; the
    rows are ``path``'s, or ``records`` (the ledger's ingests folded by the store) shown as ``path``."""
    from ..core.fileio import csv_records

    if indicators is None or cities is None:
        p = load_peers()
        indicators = p.indicators if indicators is None else indicators
        cities = ({c for g in p.groups.values() for c in g.cities} | set(p.figures["city"])) if cities is None else cities
    if records is None:
        records = csv_records(path, ("city", "indicator", "year", "value", "quality", "source"), "the peer figures ledger")
    rows = [{"city": r["city"], "city_en": "", "group": "", "indicator": r["indicator"], "year": r["year"], "value": r["value"],
             "unit": r.get("unit", "") or (indicators[r["indicator"]].unit if r["indicator"] in indicators else ""),
             "quality": r["quality"], "n_days": "", "source_repo": LEDGER_REPO, "source_path": str(path.name), "source_commit": "",
             "upstream": r["source"], "note": r.get("note", "")} for _, r in records]
    df = pd.DataFrame(rows, columns=COLUMNS)
    problems = [dataclasses.replace(p, field="source") if p.field == "source_repo" else p for p in _check_rows(df, path, indicators)]
    for i, r in records:
        if r["city"] and r["city"] not in cities:
            problems.append(Problem(str(path), i, "city", f"{r['city']!r} is not a city of the peer groups (groups.yaml)",
                                    Reason.UNKNOWN_REFERENCE))
    if problems:
        raise ValidationError(sorted(problems, key=lambda p: (p.row or 0)), "peer figures ledger validation")
    return df


#: How a peer row may write each indicator unit (the ledgers carry descriptive units), and what it
#: must not also say: a row in 万元 is not in 亿元, one in 万人 is not in 人.
UNIT_WORDS = {"亿元": (("亿元", "100 million yuan"), ()), "元": (("元", "yuan"), ("万元", "亿元", "million", "10k", "thousand")),
              "万人": (("万人", "10k person"), ()), "人": (("人", "person"), ("万人", "10k", "million", "thousand")),
              "%": (("%", "percent"), ("‰",)), "μg/m³": (("μg/m³", "ug/m3", "µg/m³", "μg/m3"), ()), "天": (("天", "day"), ())}


def unit_matches(written: str, unit: str) -> bool:
    """Whether a row's unit, as written, is the indicator's ``unit`` (one of its accepted spellings,
    and none of the units it could be confused with)."""
    text = written.strip().lower()
    if unit not in UNIT_WORDS:
        return text == unit.lower()
    accept, refuse = UNIT_WORDS[unit]
    return any(a.lower() in text for a in accept) and not any(r.lower() in text for r in refuse)


def _check_rows(df: pd.DataFrame, path: Path, indicators: dict[str, Indicator]) -> list[Problem]:
    problems = []
    for i, r in enumerate(df.to_dict("records"), start=2):
        def bad(fld: str, msg: str, reason: Reason, row: int = i) -> None:
            problems.append(Problem(str(path), row, fld, msg, reason))

        if not r["city"].strip():
            bad("city", "the city is empty", Reason.MISSING)
        if r["indicator"] not in indicators:
            bad("indicator", f"unknown peer indicator {r['indicator']!r} (known: {', '.join(indicators)})", Reason.UNKNOWN_REFERENCE)
        if not (r["year"].isascii() and r["year"].isdigit()) or not 2000 <= int(r["year"]) <= 2100:
            bad("year", f"{r['year']!r} is not a year", Reason.WRONG_TYPE)
        try:
            from ..core.input_files import parse_number

            parsed = parse_number(r["value"])  # a decimal comma, a non-ASCII digit: refused, never misread
            if parsed is None:
                raise ValueError
            v = parsed
            if v < 0 and indicators.get(r["indicator"]) and indicators[r["indicator"]].unit != "%":
                bad("value", f"negative value {v:g} for {r['indicator']}", Reason.OUT_OF_RANGE)
        except ValueError:
            bad("value", f"{r['value']!r} is not a finite number", Reason.WRONG_TYPE)
        if r["quality"] not in QUALITIES:
            bad("quality", f"{r['quality']!r} is not one of {', '.join(QUALITIES)}", Reason.NOT_ALLOWED)
        ind = indicators.get(r["indicator"])
        if ind is not None and str(r.get("unit") or "").strip() and not unit_matches(str(r["unit"]), ind.unit):
            bad("unit", f"{r['unit']!r} is not the unit of {r['indicator']} ({ind.unit}): a figure in another unit would be "
                        "ranked as if it were in this one; convert it first", Reason.INCONSISTENT)
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
    if doc is not None and not isinstance(doc, dict):  # a tampered file: a problem, never a traceback
        problems.append(Problem(str(path), None, "-", "expected a mapping of indicator -> name_zh, unit, direction", Reason.WRONG_TYPE))
        return out
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
                                  str(d.get("why_not_zh", "")), str(d.get("caveat_zh", "")), str(d.get("measure", "") or ""),
                                  str(d.get("why_not_en", "")), str(d.get("caveat_en", "")))
    return out


def _groups(path: Path, problems: list[Problem]) -> tuple[dict[str, Group], str]:
    doc = load_yaml(path, str(path)) or {}
    out = {}
    if not isinstance(doc, dict) or not isinstance(doc.get("groups") or {}, dict):
        problems.append(Problem(str(path), None, "groups", "expected home: CITY and groups: a mapping of group -> cities", Reason.WRONG_TYPE))
        return out, ""
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
        problems.append(Problem(str(path), None, "home", "the city whose plan this is, as the peer figures name it (home: …)", Reason.MISSING))
    return out, home

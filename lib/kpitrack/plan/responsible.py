"""The responsible units (责任单位) of Tables 1 and 2, one entry per body.

The plan names some bodies with their second name in brackets (一个机构两块牌子): 市发改委 and
市发改委（市国推办）, 市政府办公厅（口岸办）. A unit is the name before the bracket; the bracketed
names are kept as aliases. A KPI or special target shared by several units belongs to each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalogue import Catalogue

_BRACKET = re.compile(r"^(.*?)[（(]([^）)]*)[）)]\s*$")


@dataclass(frozen=True)
class Unit:
    """A responsible unit: its name, other names, and the KPIs and special targets it answers for."""

    name: str
    aliases: tuple[str, ...] = ()
    kpis: tuple[str, ...] = ()
    special_targets: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A stable file name for the unit's outputs (the name itself: Chinese file names are fine)."""
        return self.name


def normalise_unit(name: str) -> tuple[str, str | None]:
    """(unit, alias) of a name as the plan writes it: '市发改委（市国推办）' -> ('市发改委', '市国推办')."""
    text = str(name).strip()
    mo = _BRACKET.match(text)
    if mo and mo.group(1).strip():
        return mo.group(1).strip(), mo.group(2).strip()
    return text, None


@dataclass
class _Acc:
    aliases: list[str] = field(default_factory=list)
    kpis: list[str] = field(default_factory=list)
    special: list[str] = field(default_factory=list)


#: the units of the catalogues seen last (a catalogue is immutable): a card asks thousands of times
_SEEN: dict[int, tuple[Catalogue, dict[str, Unit]]] = {}


def responsible_units(cat: Catalogue) -> dict[str, Unit]:
    """Every responsible unit of Tables 1 and 2 by name, in the order they first appear (a new dict
    each call; worked out once per catalogue)."""
    hit = _SEEN.get(id(cat))
    if hit is not None and hit[0] is cat:
        return dict(hit[1])
    units = _responsible_units(cat)
    if len(_SEEN) > 16:
        _SEEN.clear()
    _SEEN[id(cat)] = (cat, units)
    return dict(units)


def _responsible_units(cat: Catalogue) -> dict[str, Unit]:
    acc: dict[str, _Acc] = {}

    def add(raw: str, kpi: str | None = None, special: str | None = None) -> None:
        name, alias = normalise_unit(raw)
        a = acc.setdefault(name, _Acc())
        if alias and alias not in a.aliases:
            a.aliases.append(alias)
        if kpi and kpi not in a.kpis:
            a.kpis.append(kpi)
        if special and special not in a.special:
            a.special.append(special)

    for k in cat.kpis:
        for u in k.responsible:
            add(u, kpi=k.id)
    for s in cat.special_targets:
        for u in s.lead_units:
            add(u, special=s.id)
    return {n: Unit(n, tuple(a.aliases), tuple(a.kpis), tuple(a.special)) for n, a in acc.items()}


def find_unit(cat: Catalogue, text: str) -> Unit | None:
    """The unit a user names, by its name or one of its other names."""
    units = responsible_units(cat)
    name, _ = normalise_unit(text)
    if name in units:
        return units[name]
    return next((u for u in units.values() if text in u.aliases or name in u.aliases), None)

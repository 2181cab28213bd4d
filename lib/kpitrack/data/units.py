"""Units a ledger may use, and their conversion to the catalogue's unit of a measure."""

from __future__ import annotations

#: Groups of interconvertible units: unit -> factor to the group's base unit.
GROUPS: tuple[dict[str, float], ...] = (
    {"元": 1.0, "万元": 1e4, "亿元": 1e8},
    {"美元": 1.0, "万美元": 1e4, "亿美元": 1e8},
    {"%": 1e-2, "‰": 1e-3},
    {"人": 1.0, "万人": 1e4},
    {"人次": 1.0, "万人次": 1e4},
)
#: Other spellings of the same unit.
ALIASES = {
    "μg/m3": "μg/m³", "ug/m3": "μg/m³", "µg/m³": "μg/m³", "µg/m3": "μg/m³", "微克/立方米": "μg/m³",
    "百分比": "%", "％": "%", "千分比": "‰", "天数": "天", "日": "天", "yuan": "元", "days": "天",
}


def _english_aliases() -> dict[str, str]:
    """The English of each unit (what ``kt.figures(language="en")`` writes) as another spelling of it,
    where the English names one unit only."""
    from ..core.english import UNITS

    by_en: dict[str, list[str]] = {}
    for zh, (en, _) in UNITS.items():
        if en and en != zh:
            by_en.setdefault(en, []).append(zh)
    return {en: zhs[0] for en, zhs in by_en.items() if len(zhs) == 1 and en not in ALIASES}


ALIASES.update(_english_aliases())


def normalise(unit: str) -> str:
    u = str(unit).strip()
    return ALIASES.get(u, u)


def factor(from_unit: str, to_unit: str) -> float | None:
    """Multiply a value in ``from_unit`` by this to get ``to_unit``; None if not convertible."""
    a, b = normalise(from_unit), normalise(to_unit)
    if a == b:
        return 1.0
    for group in GROUPS:
        if a in group and b in group:
            return group[a] / group[b]
    return None

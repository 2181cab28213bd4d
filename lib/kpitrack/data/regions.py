"""The workspace's city and its districts and counties, with codes (GB/T 2260), in ``regions.csv``
(the bundled workspace: Hangzhou and its 13 districts and counties of the plan period). Ledgers may
name a region by code, name or alias; the row whose level is ``city`` is the city."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..core import paths

@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    name_en: str
    level: str
    aliases: tuple[str, ...]
    note: str


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Region, ...]:
    with open(path, encoding="utf-8", newline="") as fh:
        return tuple(Region(r["code"], r["name_zh"], r["name_en"], r["level"],
                            tuple(a for a in r["aliases"].split(";") if a), r["note"]) for r in csv.DictReader(fh))


def regions(path: Path | None = None) -> tuple[Region, ...]:
    return _load(str(path or paths.data_dir() / "regions.csv"))


def _city_code() -> str:
    """The code of the workspace's city (its regions' row of level ``city``); empty without one."""
    path = paths.data_dir() / "regions.csv"
    if not path.is_file():
        return ""
    return next((r.code for r in regions(path) if r.level == "city"), "")


def city_code() -> str:
    """The code of the active workspace's city (read when asked for: one process may open several
    workspaces)."""
    return _city_code()


def districts() -> tuple[Region, ...]:
    """The 13 districts, counties and county-level cities (without the city itself)."""
    return tuple(r for r in regions() if r.code != city_code())


def resolve(text: str) -> Region | None:
    """The region a ledger names by code, Chinese name or alias; None if unknown."""
    t = str(text).strip()
    for r in regions():
        if t in (r.code, r.name_zh, r.name_en) or t in r.aliases:
            return r
    return None


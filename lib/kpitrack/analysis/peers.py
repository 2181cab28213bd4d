"""Rankings among peer cities, by the rules a challenge target's horizontal test needs.

- **One source, one year**: a ranking never mixes sources (GDP vintages differ between them); it
  keeps to the source asked for, else the one that covers most cities of the group that year (ties:
  the first in alphabetical order, so that the choice is reproducible).
- **Which way is better** comes from the indicator (PM2.5: lower); an indicator marked as not
  rankable (``rankable: false``) is refused with its reason.
- **Ties** share a rank ("1, 2, 2, 4": standard competition ranking), compared at the precision the
  source published (values equal to 1e-9 are equal).
- **Gaps stay gaps**: a city of the group without a figure in that source is listed as missing,
  never estimated; ``n`` is the number of cities ranked.
- The home city's **rank change** is against the previous year *in the same source* (rank then
  minus rank now: positive is a rise), with the number of cities ranked then.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.exceptions import ParameterError
from ..data.peers import Group, Indicator, Peers


@dataclass(frozen=True)
class Ranking:
    indicator: Indicator
    group: Group
    year: int
    source: str
    table: pd.DataFrame           # city, city_en, value, rank, n, source, quality, note; best first
    missing: tuple[str, ...]      # cities of the group without a figure in this source and year
    home: str
    home_rank: int | None
    home_rank_before: int | None  # the previous year, same source
    n_before: int | None
    other_sources: tuple[str, ...]  # sources with figures for the same indicator and year, not used

    @property
    def n(self) -> int:
        return len(self.table)

    def tidy(self) -> pd.DataFrame:
        """One row per city ranked, best first, with what it is a ranking of: year, indicator, group,
        city, city_en, value (in ``unit``, as published), unit, rank (ties share one), n (cities
        ranked), source, quality (reported, or computed from daily data), note. The one table the
        command line (``kpitrack peers``) and ``kt.peers`` both give."""
        t = self.table
        return pd.DataFrame({"year": self.year, "indicator": self.indicator.id, "group": self.group.id, "city": t["city"],
                             "city_en": t["city_en"], "value": t["value"], "unit": self.indicator.unit, "rank": t["rank"],
                             "n": self.n, "source": t["source"], "quality": t["quality"], "note": t["note"]}).reset_index(drop=True)

    @property
    def home_change(self) -> int | None:
        """Places risen since the previous year (negative: fallen); None without both ranks."""
        if self.home_rank is None or self.home_rank_before is None:
            return None
        return self.home_rank_before - self.home_rank


def competition_ranks(values: pd.Series, direction: str) -> pd.Series:
    """Standard competition ranks (1, 2, 2, 4) of ``values``: the best first by ``direction``."""
    key = values.round(9)
    return key.rank(method="min", ascending=(direction == "lower")).astype(int)


def _rows(peers: Peers, indicator: str, year: int, cities: tuple[str, ...]) -> pd.DataFrame:
    f = _by_indicator_year(peers).get((indicator, year))
    if f is None:
        return peers.figures.iloc[0:0][["city", "city_en", "value", "source", "quality", "note"]]
    return f[f["city"].isin(cities)]


#: peer figures split by indicator and year, by peer figures (loaded once per state: the same object):
#: a report's rank table asks for some forty rankings, each of which would otherwise filter every figure
_SPLIT: dict[int, tuple[Peers, dict[tuple[str, int], pd.DataFrame]]] = {}


def _by_indicator_year(peers: Peers) -> dict[tuple[str, int], pd.DataFrame]:
    hit = _SPLIT.get(id(peers))
    if hit is not None and hit[0] is peers:
        return hit[1]
    f = peers.figures
    keep = ["city", "city_en", "value", "source", "quality", "note"]  # what a ranking shows
    split = {(str(ind), int(year)): rows[keep] for (ind, year), rows in f.groupby(["indicator", "year"], sort=False)} if len(f) else {}
    if len(_SPLIT) > 16:
        _SPLIT.clear()
    _SPLIT[id(peers)] = (peers, split)
    return split


def choose_source(rows: pd.DataFrame) -> str | None:
    """The source covering most cities (ties: alphabetical), or None when there are no rows."""
    if rows.empty:
        return None
    counts = rows.groupby("source")["city"].nunique()
    best = counts.max()
    return sorted(s for s, n in counts.items() if n == best)[0]


def ranking(peers: Peers, indicator: str, year: int, group: str, source: str | None = None) -> Ranking:
    """The ranking of ``group``'s cities by ``indicator`` in ``year`` (see the module doc).

    Raises
    ------
    ParameterError
        For an indicator that may not be ranked (with its reason), a size (``direction: none``) or a
        source with no figures for that indicator and year.
    UnknownNameError
        For an unknown indicator or group.
    """
    ind = peers.indicator(indicator)
    grp = peers.group(group)
    _check_rankable(ind)
    table, used, sources = _ranked(peers, ind, year, grp, source)
    before = _table(_rows(peers, indicator, year - 1, grp.cities).pipe(lambda r: r[r["source"] == used]), ind) if used else table.iloc[0:0]
    home_rank = _rank_of(table, peers.home)
    ranked = set(table["city"])
    return Ranking(ind, grp, year, used or "", table, tuple(c for c in grp.cities if c not in ranked), peers.home,
                   home_rank, _rank_of(before, peers.home), len(before) or None, tuple(s for s in sources if s != used))


def _ranked(peers: Peers, ind: Indicator, year: int, grp: Group, source: str | None) -> tuple[pd.DataFrame, str | None, list[str]]:
    """The ranking's table for one year (:func:`_table`), the source used (None: no figures) and every
    source with figures that year."""
    rows = _rows(peers, ind.id, year, grp.cities)
    sources = sorted(rows["source"].unique())
    if source is not None and source not in sources:
        raise ParameterError(f"--source: no figures of {ind.id} for {year} from {source!r}; sources with figures: "
                             f"{'; '.join(sources) or 'none'}", field="source")
    used = source or choose_source(rows)
    return _table(rows[rows["source"] == used] if used else rows.iloc[0:0], ind), used, sources


def _check_rankable(ind: Indicator) -> None:
    if not ind.rankable:
        raise ParameterError(f"{ind.id} is not ranked: {ind.why_not_zh}", field="measure")
    if ind.direction == "none":
        raise ParameterError(f"{ind.id} ({ind.name_zh}) is a size, not better or worse: it is not ranked", field="measure")


def _table(rows: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    cols = ["city", "city_en", "value", "rank", "n", "source", "quality", "note"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    out = rows.assign(rank=competition_ranks(rows["value"], ind.direction), n=len(rows))
    return out.sort_values(["rank", "city"], kind="stable")[cols].reset_index(drop=True)


def _rank_of(table: pd.DataFrame, city: str) -> int | None:
    hit = table.loc[table["city"] == city, "rank"]
    return int(hit.iloc[0]) if len(hit) else None


#: rank histories worked out, by peer figures (loaded once per state: the same object) and question:
#: a report's rank table and chart ask for the same ones
_HISTORIES: dict[tuple, tuple[Peers, pd.DataFrame]] = {}


def rank_history(peers: Peers, indicator: str, group: str, years: range) -> pd.DataFrame:
    """The home city's rank by ``indicator`` in each year (one source per year, as :func:`ranking`
    chooses it): year, rank, n (cities ranked), source; years without a rank are left out."""
    key = (id(peers), indicator, group, years.start, years.stop, years.step)
    hit = _HISTORIES.get(key)
    if hit is not None and hit[0] is peers:
        return hit[1].copy()
    out = _rank_history(peers, indicator, group, years)
    if len(_HISTORIES) > 256:
        _HISTORIES.clear()
    _HISTORIES[key] = (peers, out)
    return out.copy()


def _rank_history(peers: Peers, indicator: str, group: str, years: range) -> pd.DataFrame:
    rows = []
    ind, grp = peers.indicator(indicator), peers.group(group)
    for year in years:
        _check_rankable(ind)
        table, used, _ = _ranked(peers, ind, year, grp, None)  # as ranking() ranks, without the year before
        rank = _rank_of(table, peers.home)
        if rank is not None:
            rows.append({"year": year, "rank": rank, "n": len(table), "source": used or ""})
    return pd.DataFrame(rows, columns=["year", "rank", "n", "source"])

"""The figure that counts: the one rule that chooses, among the figures a dataset holds of one
quantity, the one every table, chart, bulletin, card, score, Table 2 line and API call shows.

A *quantity* is a measure in a region in a period: a month's year-to-date figure (January to
November), or a year, where the year's own figure and its December year-to-date figure are one
quantity (``kpitrack validate`` refuses a dataset in which the two disagree). Among the figures of a
quantity the one *chosen* is

1. official before computed before daily-derived before synthetic (:data:`METHOD_RANK`);
2. the year's own figure before its December year-to-date figure;
3. one *basis* per series: a measure's yearly official figures in a region are either all revised
   (where revised figures from a sound source, not only a repost, a compiled database or another
   page, exist for every year a first-published one does, or where nothing was first released) or
   all first published (where revisions are partial); a figure of the other basis stays on file and
   in ``kt.figures()`` but is not chosen (:func:`series_basis`);
4. within the first-published basis, the final figure before the preliminary one;
5. the higher kind of source: a statistical bulletin before a yearbook, a government work report, a
   department, official media, then reposts, compiled databases and other pages
   (:mod:`kpitrack.data.source_kinds`);
6. the one known last (a correction; a figure whose publication date is unknown counts from its
   assumed day, :func:`assumed_known_from`: a revised one a year later);
7. the one of the latest vintage (a correction before the row it corrects).

A chosen yearly figure *counts* (it is the KPI's figure: statuses, forecasts, tables and charts)
unless it is derived (computed by kpitrack, or from daily data) while the measure has a published
figure in that region in some year: a series never mixes the two bases, so the derived figure is
*context*, shown apart, and that year has no figure that counts. A month's chosen figure counts,
derived or not (the bulletins label derived figures as such); a month's December is its year.

:class:`FigureBook` applies the rule once to every figure of a dataset (``Dataset.book`` keeps it for
the dataset's life) and hands out the results by measure and region. docs/methods.md states the
same rule for readers.

>>> import pandas as pd
>>> obs = pd.DataFrame({"measure_id": ["K.x"] * 4, "region": ["330100"] * 4, "period": ["2018", "2018", "2018-12", "2019"],
...     "value": [40.0, 37.4, 37.37, 36.0], "unit": ["μg/m³"] * 4, "quality": [""] * 4,
...     "method": ["official", "daily-derived", "daily-derived", "daily-derived"], "source": [""] * 4, "note": [""] * 4,
...     "known_from": ["2019-06-05", "2019-01-01", "2019-01-01", "2020-01-01"], "vintage": [1, 2, 2, 2],
...     "year": [2018, 2018, 2018, 2019], "month": [0, 0, 12, 0]})
>>> book = FigureBook(obs)
>>> book.yearly("K.x", "330100")[["period", "value", "method"]].values.tolist()
[[2018, 40.0, 'official']]
>>> c = book.context("K.x", "330100")
>>> list(zip(c["period"].tolist(), c["value"].tolist()))
[(2018, 37.4), (2019, 36.0)]
>>> book.grid("K.x", "330100").get(2018, 12)
40.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Official figures first; then computed by kpitrack, then derived from daily data, then synthetic.
METHOD_RANK = {"official": 0, "computed": 1, "daily-derived": 2, "synthetic": 3}
#: Figures kpitrack (or the ledger's author) computed rather than an office published.
DERIVED_METHODS = frozenset({"computed", "daily-derived"})
#: The columns of a yearly series (``period`` is the year).
SERIES_COLUMNS = ["period", "value", "quality", "method", "source", "note", "known_from"]

RULE_ZH = ("同一指标、同一地区、同一期间（年度数与其12月累计数视为同一数）有多个数值时：官方公布数优先于计算数、日数据推算数和合成数；"
           "其次年度数优先于12月累计数；同一序列各年采用同一口径：来源可靠的修订数覆盖全部有初次公布数的年份时用修订数，否则用初次公布数，另一口径的数留档备查、"
           "不进入序列；同一口径中正式数优先于初步数；再按来源类别取高者（统计公报、统计年鉴、政府工作报告、部门公报和官网、官方媒体、"
           "转载或转录、汇编数据库、其他网页依次）；再取最后公布的数（公布日期不详的按推定日期）；最后取最新录入的版本。"
           "某指标在某地区任一年有官方数时，该地区的推算数只作参考，不进入序列。")
#: The two bases of a yearly official series (rule step 3) and, within the first published, the
#: final figure before the preliminary one (step 4).
REVISED_QUALITIES = frozenset({"revised"})
QUALITY_RANK = {"reported": 0, "preliminary": 1}


def series_basis(yearly: pd.DataFrame) -> pd.Series:
    """Rule step 3 over yearly figures (columns measure_id, region, year, quality, method): True for
    each official figure of the basis its series does not use (a revised figure where revisions are
    partial, a first-published one where they are complete)."""
    from .source_kinds import source_kind

    official = ~yearly["method"].isin(DERIVED_METHODS) & (yearly["method"] == "official")
    revised = official & yearly["quality"].isin(REVISED_QUALITIES)
    first = official & ~revised
    if not revised.any():
        return pd.Series(False, index=yearly.index)
    # a revision read only from a repost, a compiled database or another page does not displace the
    # first releases an office published (it stays on file); where nothing was first released, it is the series
    low = {s: source_kind(s, "official").low for s in yearly.loc[revised, "source"].astype(str).unique()}
    sound = revised & ~yearly["source"].astype(str).map(low).fillna(False).astype(bool)
    key = [yearly["measure_id"], yearly["region"]]
    years_of = lambda mask: yearly["year"].where(mask).groupby(key).agg(lambda y: frozenset(y.dropna().astype(int)))  # noqa: E731
    rev_years, sound_years, first_years = years_of(revised), years_of(sound), years_of(first)
    complete = {k: (not first_years.get(k)) if r else False for k, r in rev_years.items()}
    complete = {k: c or (bool(sound_years.get(k)) and first_years.get(k, frozenset()) <= sound_years.get(k, frozenset()))
                for k, c in complete.items()}
    pair_complete = pd.Series([complete.get(k, False) for k in zip(yearly["measure_id"], yearly["region"])], index=yearly.index)
    return (revised & ~pair_complete) | (first & pair_complete)


@dataclass(frozen=True)
class YtdRows:
    """The chosen year-to-date figures of one measure in one region: a row of 12 months per year
    (NaN = none; December is the year's figure) and the kind of figure (method) of each."""

    years: tuple[int, ...]
    values: np.ndarray  # shape (len(years), 12)
    methods: np.ndarray  # shape (len(years), 12), "" where there is no figure

    def get(self, year: int, month: int) -> float | None:
        if year not in self.years:
            return None
        v = float(self.values[self.years.index(year), month - 1])
        return None if math.isnan(v) else v

    def method(self, year: int, month: int) -> str:
        return str(self.methods[self.years.index(year), month - 1]) if year in self.years else ""

    def months(self, year: int) -> list[int]:
        if year not in self.years:
            return []
        row = self.values[self.years.index(year)]
        return [i + 1 for i in range(12) if not math.isnan(row[i])]

    def history(self, year: int, month: int) -> tuple[np.ndarray, np.ndarray]:
        """Year-to-date values at ``month`` and in December of the years before ``year`` that have
        both, of one kind of figure (a derived May is never divided by an official December)."""
        idx = [i for i, y in enumerate(self.years) if y < year]
        if not idx:
            return np.empty(0), np.empty(0)
        at, dec = self.values[idx, month - 1], self.values[idx, 11]
        same = self.methods[idx, month - 1] == self.methods[idx, 11]
        ok = ~np.isnan(at) & ~np.isnan(dec) & same
        return at[ok], dec[ok]

    def table(self) -> pd.DataFrame:
        """As a frame: index year, columns months 1-12."""
        return pd.DataFrame(self.values, index=pd.Index(self.years, name="year"), columns=range(1, 13))


EMPTY_ROWS = YtdRows((), np.empty((0, 12)), np.empty((0, 12), dtype=object))


def _empty_series() -> pd.DataFrame:
    return pd.DataFrame({"period": pd.Series(dtype="int64"), "value": pd.Series(dtype="float64"),
                         **{c: pd.Series(dtype=object) for c in SERIES_COLUMNS[2:]}})


#: How the data as known on a day (``--as-of DATE``, ``known_at``) treats a figure whose publication
#: date is unknown (it carries the day the figures were gathered, ``collected``): as known from the
#: day after its period for a figure computed from daily data, else from the end of the year after it
#: (a yearly figure: by then in the statistical yearbook; a revised one a year later still) or of the
#: month after it (a monthly one).
UNKNOWN_DATE_RULE_ZH = ("公布日期不详的数据：由日数据推算的，视为期末次日已知；其余年度数据视为次年年底（统计年鉴出版）已知，"
                        "修订数再晚一年；月度数据视为次月月底已知")
UNKNOWN_DATE_RULE_EN = ("figures of unknown publication date count as known from the day after their period when computed "
                        "from daily data, else from the end of the next year (yearly; the statistical yearbook; a revised figure "
                        "a year later) or of the next month (monthly)")


def assumed_known_from(period: str, method: str, quality: str = "") -> str:
    """The day a figure of unknown publication date is taken as known (:data:`UNKNOWN_DATE_RULE_EN`).

    >>> assumed_known_from("2018", "official"), assumed_known_from("2018-06", "official")
    ('2019-12-31', '2018-07-31')
    >>> assumed_known_from("2018", "official", "revised")
    '2020-12-31'
    >>> assumed_known_from("2018", "daily-derived"), assumed_known_from("2018-12", "daily-derived")
    ('2019-01-01', '2019-01-01')
    """
    import calendar

    y = int(period[:4])
    m = int(period[5:7]) if len(period) > 4 else 0
    if method in DERIVED_METHODS and method != "computed":
        return f"{y + 1}-01-01" if m in (0, 12) else f"{y}-{m + 1:02d}-01"
    if m == 0:
        return f"{y + 2 if quality == 'revised' else y + 1}-12-31"
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    return f"{ny}-{nm:02d}-{calendar.monthrange(ny, nm)[1]:02d}"


def effective_known_from(figures: pd.DataFrame, collected: str) -> pd.Series:
    """Each figure's known-from date for reading the past and for choosing among figures: its own,
    or for one of unknown date (it carries ``collected``, or nothing) the assumed one."""
    known = figures["known_from"].astype(str)
    unknown = (known == "") | (known == collected) if collected else known == ""
    if not unknown.any():
        return known
    out = known.copy()
    sel = figures[unknown]
    out[unknown] = [assumed_known_from(str(p), str(m), str(q)) for p, m, q in zip(sel["period"], sel["method"], sel["quality"])]
    return out


class FigureBook:
    """Every figure of a dataset with the rule applied once (see the module doc). ``collected``: the
    day the dataset's figures were gathered, which a figure of unknown publication date carries as
    its known-from date; such a figure is known, for the rule's third step, from its assumed day
    (:func:`assumed_known_from`: a revision a year after the first release)."""

    def __init__(self, obs: pd.DataFrame, collected: str = "") -> None:
        self.observations = obs
        n = len(obs)
        month = obs["month"].to_numpy() if n else np.empty(0, dtype="int64")
        known = effective_known_from(obs, collected) if n else obs["known_from"]
        from .source_kinds import source_kind

        pairs = list(zip(obs["source"].astype(str), obs["method"].astype(str)))
        kinds = {p: source_kind(*p).rank for p in set(pairs)}
        df = obs.assign(_q=np.where(month == 12, 0, month), _rank=obs["method"].map(METHOD_RANK).fillna(len(METHOD_RANK)),
                        _dec=(month == 12).astype("int8"), _qual=obs["quality"].map(QUALITY_RANK).fillna(0),
                        _kind=[kinds[p] for p in pairs], _known=known)
        #: figures of the basis their series does not use (rule step 3): on file, never chosen
        self.other_basis = pd.Index(df.index[series_basis(df[df["_q"] == 0]).reindex(df.index, fill_value=False)]) if n else pd.Index([])
        df = df.drop(self.other_basis)
        df = df.sort_values(["measure_id", "region", "year", "_q", "_rank", "_dec", "_qual", "_kind", "_known", "vintage"],
                            ascending=[True, True, True, True, True, True, True, True, False, False], kind="stable")
        chosen = df[~df.duplicated(["measure_id", "region", "year", "_q"])]
        derived = chosen["method"].isin(DERIVED_METHODS)
        yearly = chosen[chosen["_q"] == 0]
        ykey = pd.MultiIndex.from_frame(yearly[["measure_id", "region"]]) if len(yearly) else pd.MultiIndex.from_tuples(
            [], names=["measure_id", "region"])
        published_keys = ykey[~yearly["method"].isin(DERIVED_METHODS).to_numpy()].unique()
        in_published = ykey.isin(published_keys)
        yderived = derived[chosen["_q"] == 0].to_numpy()
        counts_yearly = yearly[~(yderived & in_published)]
        #: (measure, region) pairs with a published (or synthetic) figure in some year
        self.published: frozenset[tuple[str, str]] = frozenset(published_keys)
        self._yearly_chosen = yearly
        monthly = chosen[chosen["_q"] > 0]
        #: the index (in ``observations``) of every figure that counts: yearly KPI figures and months
        self.counting = pd.Index(counts_yearly.index).append(pd.Index(monthly.index))
        # context: among the derived yearly figures of a published pair, the one chosen by the same order
        ctx = df[(df["_q"] == 0) & df["method"].isin(DERIVED_METHODS)]
        ctx = ctx[~ctx.duplicated(["measure_id", "region", "year"])]
        if len(ctx):
            ctx = ctx[pd.MultiIndex.from_frame(ctx[["measure_id", "region"]]).isin(published_keys)]
        self._yearly = self._by_pair(counts_yearly)
        self._context = self._by_pair(ctx)
        grid = pd.concat([monthly, yearly.assign(_q=12)])
        self._grid_rows = grid
        self._grid_where = grid.groupby(["measure_id", "region"], sort=False).indices if len(grid) else {}
        self._grids: dict[tuple[str, str], YtdRows] = {}
        self._monthly_measures = frozenset(obs.loc[obs["month"] > 0, "measure_id"]) if n else frozenset()

    @staticmethod
    def _by_pair(rows: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
        if rows.empty:
            return {}
        out = rows[["measure_id", "region", "year", *SERIES_COLUMNS[1:]]].rename(columns={"year": "period"})
        out = out.sort_values(["measure_id", "region", "period"], kind="stable")
        keys = list(zip(out["measure_id"], out["region"]))
        body = out.drop(columns=["measure_id", "region"]).reset_index(drop=True)
        bounds: dict[tuple[str, str], tuple[int, int]] = {}  # sorted by pair: each pair's rows follow each other
        for i, key in enumerate(keys):
            bounds[key] = (bounds[key][0] if key in bounds else i, i + 1)
        return {key: body.iloc[a:b].reset_index(drop=True) for key, (a, b) in bounds.items() if not pd.isna(list(key)).any()}

    @staticmethod
    def _cut(s: pd.DataFrame | None, as_of: int | None) -> pd.DataFrame:
        if s is None:
            return _empty_series()
        if as_of is None:
            return s.reset_index(drop=True)
        periods = s["period"].to_numpy()  # in order (:meth:`_by_pair`): the years up to as_of come first
        return s.iloc[:int(np.searchsorted(periods, as_of, side="right"))].reset_index(drop=True)

    def yearly(self, measure_id: str, region: str, as_of: int | None = None) -> pd.DataFrame:
        """The yearly figures that count of a measure in a region (columns :data:`SERIES_COLUMNS`),
        up to the year ``as_of``."""
        return self._cut(self._yearly.get((measure_id, region)), as_of)

    def context(self, measure_id: str, region: str, as_of: int | None = None) -> pd.DataFrame:
        """The derived yearly figures kept as context beside a published series (empty when the
        measure has no published figure there): one a year, also of years that have a published one."""
        return self._cut(self._context.get((measure_id, region)), as_of)

    def chosen_yearly(self, region: str, as_of: int | None = None) -> pd.DataFrame:
        """The chosen yearly figure of every measure and year in ``region`` (derived ones included),
        as rows of observations (a December figure standing for its year keeps its period)."""
        y = self._yearly_chosen
        y = y[y["region"] == region]
        if as_of is not None:
            y = y[y["year"] <= as_of]
        return y[list(self.observations.columns)].reset_index(drop=True)

    def value(self, measure_id: str, region: str, year: int) -> float | None:
        """The year's figure that counts, or None."""
        s = self._yearly.get((measure_id, region))
        if s is None:
            return None
        v = s.loc[s["period"] == year, "value"]
        return float(v.iloc[0]) if len(v) else None

    def grid(self, measure_id: str, region: str) -> YtdRows:
        """The chosen year-to-date figures by year and month (December: the year's chosen figure)."""
        key = (measure_id, region)
        if key not in self._grids:
            where = self._grid_where.get(key)
            if where is None:
                self._grids[key] = EMPTY_ROWS
            else:
                g = self._grid_rows.iloc[where]
                years = sorted({int(y) for y in g["year"]})
                values = np.full((len(years), 12), np.nan)
                methods = np.full((len(years), 12), "", dtype=object)
                pos = {y: i for i, y in enumerate(years)}
                for y, q, v, meth in zip(g["year"], g["_q"], g["value"], g["method"]):
                    values[pos[int(y)], int(q) - 1] = float(v)
                    methods[pos[int(y)], int(q) - 1] = str(meth)
                self._grids[key] = YtdRows(tuple(years), values, methods)
        return self._grids[key]

    def months_with_figures(self, measure_id: str, year: int) -> list[int]:
        """The months of ``year`` for which some region has a chosen year-to-date figure; for a
        measure kept by month, December when some region has the year's figure."""
        g = self._grid_rows
        sel = g[(g["measure_id"] == measure_id) & (g["year"] == year)]
        months = {int(q) for q in sel["_q"] if q < 12}
        if measure_id in self._monthly_measures and (sel["_q"] == 12).any():
            months.add(12)
        return sorted(months)

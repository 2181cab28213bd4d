"""The year-to-date figures of a measure in a region, as a table of 12 months per year, pivoted once
for all regions of a measure and kept for the life of the dataset's observations."""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..data.actuals import Dataset
from ..plan.catalogue import Measure


@dataclass(frozen=True)
class YtdRows:
    """The YTD figures of one measure in one region: a row of 12 months per year (NaN = none)."""

    years: tuple[int, ...]
    values: np.ndarray  # shape (len(years), 12)

    def get(self, year: int, month: int) -> float | None:
        if year not in self.years:
            return None
        v = float(self.values[self.years.index(year), month - 1])
        return None if math.isnan(v) else v

    def months(self, year: int) -> list[int]:
        if year not in self.years:
            return []
        row = self.values[self.years.index(year)]
        return [i + 1 for i in range(12) if not math.isnan(row[i])]

    def history(self, year: int, month: int) -> tuple[np.ndarray, np.ndarray]:
        """YTD values at ``month`` and in December of the years before ``year`` that have both."""
        idx = [i for i, y in enumerate(self.years) if y < year]
        sub = self.values[idx][:, [month - 1, 11]] if idx else np.empty((0, 2))
        sub = sub[~np.isnan(sub).any(axis=1)]
        return sub[:, 0], sub[:, 1]


_EMPTY = YtdRows((), np.empty((0, 12)))


class _Memo:
    """Results computed from one DataFrame, kept while that very object lives (DataFrames are not
    hashable, and an ``id`` alone may be reused by a later object: the weak reference checks it)."""

    def __init__(self) -> None:
        self._store: dict[tuple[int, str], tuple[weakref.ref, Any]] = {}

    def get(self, obj: pd.DataFrame, name: str, make: Callable[[], Any]) -> Any:
        key = (id(obj), name)
        hit = self._store.get(key)
        if hit is not None and hit[0]() is obj:
            return hit[1]
        if len(self._store) > 256:
            self._store = {k: v for k, v in self._store.items() if v[0]() is not None}
        value = make()
        self._store[key] = (weakref.ref(obj), value)
        return value


_MEMO = _Memo()


def _table(ds: Dataset, m: Measure, region: str) -> YtdRows:
    """The YTD figures of a measure in a region; all regions of a measure are pivoted in one pass
    and kept for the life of the dataset's observations."""
    obs = ds.observations

    def make() -> dict[str, YtdRows]:
        df = obs[(obs["measure_id"] == m.id) & (obs["month"] > 0)]
        df = df.sort_values(["known_from", "vintage"]).drop_duplicates(["region", "year", "month"], keep="last")
        wide = df.pivot(index=["region", "year"], columns="month", values="value").reindex(columns=range(1, 13))
        return {code: YtdRows(tuple(int(y) for y in g.index.get_level_values(1)), g.to_numpy(dtype=float))
                for code, g in wide.groupby(level=0)}

    return _MEMO.get(obs, m.id, make).get(region, _EMPTY)


def ytd_rows(ds: Dataset, m: Measure, region: str) -> YtdRows:
    """The YTD figures of a measure in a region, by year and month."""
    return _table(ds, m, region)

"""Derived plan measures on hand-worked numbers, with their vintages."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from kpitrack.data import derive
from kpitrack.data.derive import chain_level, derive_figures, growth_from_levels
from kpitrack.data.store import FIGURE_COLUMNS


def test_doctests():
    assert doctest.testmod(derive).failed == 0


def test_chain_by_hand():
    got = chain_level(2015, 200.0, {2016: 5.0, 2017: 10.0, 2018: -2.0})
    assert got == pytest.approx({2015: 200.0, 2016: 210.0, 2017: 231.0, 2018: 226.38})


def test_chain_stops_at_a_missing_year():
    assert chain_level(2015, 100.0, {2017: 5.0}) == {2015: 100.0}


def test_growth_by_hand():
    assert growth_from_levels({2015: 80.0, 2016: 100.0, 2017: 90.0}) == pytest.approx({2016: 25.0, 2017: -10.0})
    assert growth_from_levels({2015: 0.0, 2016: 1.0}) == {}  # no growth from zero


def _fig(mid, year, value, known, method="official"):
    return {"measure_id": mid, "region": "330100", "period": str(year), "value": str(value), "unit": "u", "quality": "reported",
            "method": method, "source": "s", "note": "", "known_from": known}


def test_a_revised_input_gives_a_new_derived_vintage():
    figures = pd.DataFrame([_fig("L", 2015, 100, "2016-01-01"), _fig("G", 2016, 10, "2017-01-01"),
                            _fig("G", 2016, 12, "2018-01-01"),  # the rate revised
                            _fig("G", 2017, 5, "2018-01-01", method="daily-derived")],  # not official: not used
                           columns=FIGURE_COLUMNS)
    out = derive_figures(figures, [{"measure": "C", "how": "chain", "base_year": 2015, "level": "L", "growth": "G"}], {"C": "亿元"})
    rows = out[["period", "value", "known_from"]].values.tolist()
    assert rows == [["2015", "100", "2016-01-01"], ["2016", "110", "2017-01-01"], ["2016", "112", "2018-01-01"]]
    assert (out["quality"] == "derived").all() and (out["method"] == "computed").all() and (out["unit"] == "亿元").all()


def test_a_growth_rate_is_never_taken_from_levels_of_two_bases():
    """2018 revised (one year only: a partial revision) beside the first releases of 2018 and 2019:
    the growth of 2019 is 2019's first release over 2018's, never over the revised 2018."""
    figures = pd.DataFrame([_fig("L", 2018, 100, "2019-01-01"), _fig("L", 2019, 110, "2020-01-01"),
                            {**_fig("L", 2018, 105, "2020-06-01"), "quality": "revised"}], columns=FIGURE_COLUMNS)
    out = derive_figures(figures, [{"measure": "R", "how": "growth", "level": "L"}], {"R": "%"})
    assert out["value"].astype(float).round(6).tolist() == [10.0]

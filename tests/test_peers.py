"""Peer cities (issue 21, part 1): the data checked on load, and the rank rules: one source and one
year, ties, missing cities, lower is better, refused indicators, the home city's rank change."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from kpitrack.analysis.peers import competition_ranks, ranking
from kpitrack.cli import main
from kpitrack.core.exceptions import ParameterError, UnknownNameError, ValidationError
from kpitrack.data.peers import COLUMNS, load_peers

from .conftest import REPO


def _peers(tmp_path, rows, groups=None):
    """A peer folder with the bundled indicators and the given rows and groups."""
    folder = tmp_path / "peers"
    folder.mkdir()
    shutil.copy(REPO / "data" / "peers" / "indicators.yaml", folder)
    (folder / "groups.yaml").write_text(groups or "home: 甲\ngroups:\n  g:\n    name_zh: 组\n    cities: [甲, 乙, 丙, 丁, 戊]\n",
                                        encoding="utf-8")
    full = [{**dict.fromkeys(COLUMNS, ""), "quality": "reported", **r} for r in rows]
    pd.DataFrame(full, columns=COLUMNS).to_csv(folder / "peer_cities.csv", index=False)
    return load_peers(folder)


def _row(city, indicator, year, value, source="S1"):
    return {"city": city, "indicator": indicator, "year": str(year), "value": str(value), "source_repo": source}


def test_ties_share_a_rank_and_the_next_rank_skips():
    assert list(competition_ranks(pd.Series([7.8, 7.4, 7.8, 6.0]), "higher")) == [1, 3, 1, 4]
    assert list(competition_ranks(pd.Series([30.0, 45.0, 30.0]), "lower")) == [1, 3, 1]  # PM2.5: lower is better


def test_one_source_one_year_missing_cities_and_the_rank_change(tmp_path):
    p = _peers(tmp_path, [
        _row("甲", "gdp_real_growth", 2019, 6.8), _row("乙", "gdp_real_growth", 2019, 7.0), _row("丙", "gdp_real_growth", 2019, 6.8),
        _row("丁", "gdp_real_growth", 2019, 9.9, source="S2"),            # another source: never mixed in
        _row("甲", "gdp_real_growth", 2018, 6.0), _row("乙", "gdp_real_growth", 2018, 7.0), _row("丙", "gdp_real_growth", 2018, 8.0),
    ])
    r = ranking(p, "gdp_real_growth", 2019, "g")
    assert r.source == "S1" and r.other_sources == ("S2",)
    assert list(zip(r.table["city"], r.table["rank"])) == [("乙", 1), ("丙", 2), ("甲", 2)]
    assert r.missing == ("丁", "戊") and r.n == 3 and set(r.table["n"]) == {3}
    assert (r.home_rank, r.home_rank_before, r.home_change) == (2, 3, 1)  # 甲 rose one place
    only = ranking(p, "gdp_real_growth", 2019, "g", source="S2")
    assert list(only.table["city"]) == ["丁"] and only.home_rank is None and only.home_change is None


def test_lower_is_better_and_refused_indicators(tmp_path):
    p = _peers(tmp_path, [_row("甲", "pm25_annual_mean_from_daily", 2018, 37.4), _row("乙", "pm25_annual_mean_from_daily", 2018, 35.6),
                          _row("甲", "good_air_days_share_from_daily", 2018, 80.0), _row("甲", "population_registered_yearend", 2018, 770)])
    assert list(ranking(p, "pm25_annual_mean_from_daily", 2018, "g").table["city"]) == ["乙", "甲"]
    with pytest.raises(ParameterError, match="not ranked: 由转载的逐日AQI推算"):
        ranking(p, "good_air_days_share_from_daily", 2018, "g")
    with pytest.raises(ParameterError, match="is a size"):
        ranking(p, "population_registered_yearend", 2018, "g")
    with pytest.raises(UnknownNameError, match="unknown peer indicator 'gdp'"):
        ranking(p, "gdp", 2018, "g")
    with pytest.raises(ParameterError, match="no figures of pm25_annual_mean_from_daily for 2018 from 'S9'"):
        ranking(p, "pm25_annual_mean_from_daily", 2018, "g", source="S9")


def test_bad_rows_are_refused_with_file_row_and_field(tmp_path):
    with pytest.raises(ValidationError) as err:
        _peers(tmp_path, [_row("甲", "gdp_real_growth", 2019, "abc"), _row("乙", "gdp_nominal", "20x9", 1),
                          _row("丙", "gdp_real_growth", 2019, 7, source=""), _row("甲", "gdp_real_growth", 2019, 6.9),
                          {**_row("丁", "gdpp", 2019, 1), "quality": "guessed"}])
    text = str(err.value)
    for expected in (":2:value: 'abc' is not a finite number", ":3:year: '20x9' is not a year", ":4:source_repo: every figure needs",
                     ":5:-: duplicate of row 2", ":6:indicator: unknown peer indicator 'gdpp'", ":6:quality: 'guessed'"):
        assert expected in text, text


def test_the_bundled_sub_provincial_gdp_ranking_of_2019(capsys):
    assert main(["peers", "--measure", "gdp_nominal", "--year", "2019", "--group", "sub-provincial", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 15 and len({r["source"] for r in rows}) == 1
    assert {"city", "value", "rank", "source"} <= set(rows[0]) and rows[0]["rank"] == 1
    assert [r["value"] for r in rows] == sorted((r["value"] for r in rows), reverse=True)
    assert main(["peers", "--measure", "pm25_annual_mean_from_daily", "--year", "2016", "--format", "json"]) == 0
    pm = json.loads(capsys.readouterr().out)
    assert [r["value"] for r in pm] == sorted(r["value"] for r in pm)  # lower is better
    assert main(["peers", "--measure", "gdp_per_capita", "--year", "2019"]) == 2
    assert "人口口径不一" in capsys.readouterr().err

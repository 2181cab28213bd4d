"""The researcher's API (import kpitrack as kt): its doctests and what they do not show."""

from __future__ import annotations

import doctest

import pytest

import kpitrack as kt
from kpitrack import api
from kpitrack.core.exceptions import UnknownNameError


def test_doctests_run():
    result = doctest.testmod(api)
    assert result.attempted >= 20 and result.failed == 0, result


def test_facade_names_resolve_lazily():
    assert kt.figures is api.figures and kt.chart is api.chart
    assert "outlook" in dir(kt)
    with pytest.raises(AttributeError):
        kt.nothing_here  # noqa: B018


def test_figures_as_known_on_a_date_drop_later_vintages():
    now = kt.figures("hangzhou")
    then = kt.figures("hangzhou", as_of="2019-06-30")
    assert len(then) < len(now)
    assert (then["known_from"] <= "2019-06-30").all()
    assert (then["period"].str[:4].astype(int) <= 2018).all()  # the last full year before the date


def test_figures_are_tidy_and_labelled():
    f = kt.figures("synthetic", as_of=2018)
    assert list(f.columns) == api.FIGURE_COLUMNS
    assert set(f["quality"]) == {"synthetic"}
    assert not f.duplicated(["measure", "region", "period", "vintage"]).any()


def test_unknown_region_names_the_known_ones():
    with pytest.raises(UnknownNameError, match="上城区"):
        kt.figures("synthetic", region="Atlantis")


def test_status_and_outlook_cover_every_measure():
    measures = set(kt.catalogue().measures["measure"])
    assert set(kt.status("synthetic", 2018)["measure"]) == measures
    assert set(kt.outlook("synthetic", 2018)["measure"]) == measures


def test_district_chart_shows_the_district_and_the_city():
    fig = kt.chart("K02.revenue", "synthetic", 2018, region="330106")
    assert [t.name for t in fig.data] == ["西湖区", "杭州市"]
    assert "合成数据" in fig.layout.title.text
    assert list(fig.data[0].x) == [2015, 2016, 2017, 2018]  # December year-to-date = the year


def test_compare_regions_ranks_the_districts_only():
    c = kt.compare_regions("K01.gdp_growth", "2018-06")
    city = c[c["region"] == "330100"].iloc[0]
    assert city["rank"] is None or city["rank"] != city["rank"]  # NaN: the city is not ranked
    ranks = c["rank"].dropna().astype(int)
    assert ranks.min() == 1 and ranks.max() <= 13


@pytest.mark.parametrize("bad", ["abc", 2018.7, 2025, "2019-02-30", True])
def test_the_api_refuses_a_bad_as_of_clearly(bad):
    from kpitrack.core.exceptions import ParameterError

    with pytest.raises(ParameterError, match="as_of"):
        kt.status("hangzhou", bad)
    with pytest.raises(ParameterError, match="as_of"):
        kt.outlook("hangzhou", bad)


def test_the_api_knows_a_region_by_code_number_and_alias():
    from kpitrack.api import _region_code

    assert _region_code(330106) == _region_code("330106") == _region_code("西湖区") == "330106"
    assert _region_code("杭州") == "330100"


def test_forecast_is_the_reports_forecast_and_an_empty_one_has_its_columns():
    from kpitrack.publish import report

    f = kt.forecast("K12.income", dataset="hangzhou", as_of=2018)
    ev = report.evaluate(2018, "hangzhou")
    assert f.loc[2020, "median"] == pytest.approx(ev.outlooks["K12.income"].fan.loc[2020, "median"])
    assert f.loc[2020, "probability"] == pytest.approx(ev.outlooks["K12.income"].probability)
    empty = kt.forecast("K02.tax_share", dataset="hangzhou", as_of=2018)
    assert empty.empty and list(empty.columns) == ["median", "lower", "upper", "probability"]


def test_datasets_regions_and_search():
    assert {"hangzhou", "synthetic"} <= set(kt.datasets()["dataset"])
    assert len(kt.regions()) == 14 and "杭州" in kt.regions().set_index("code").loc["330100", "aliases"]
    assert kt.search("").empty and "K12.income" in kt.search("Income")["measure"].tolist()
    assert kt.search("可支配收入")["measure"].tolist() == ["K12.income"]

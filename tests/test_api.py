"""The researcher's API (import kpitrack as kt): its doctests, and every friction issue 22 listed."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys

import pandas as pd
import pytest

import kpitrack as kt
from kpitrack import api
from kpitrack.api import meta as api_meta
from kpitrack.core.exceptions import ParameterError
from kpitrack.data.actuals import kpi_series, load_dataset
from kpitrack.plan.catalogue import catalogue


def test_doctests_run():
    from kpitrack.api import charts as api_charts

    results = [doctest.testmod(m) for m in (api, api_meta, api_charts)]
    assert sum(r.attempted for r in results) >= 30 and not any(r.failed for r in results), results


def test_facade_names_resolve_lazily():
    assert kt.figures is api.figures and kt.chart is api.chart and kt.vintages is api_meta.vintages
    assert {"outlook", "final", "context", "new_dataset"} <= set(dir(kt))
    with pytest.raises(AttributeError):
        kt.nothing_here  # noqa: B018


# --------------------------------------------------------------------------- forecasts


def test_forecast_is_the_reports_and_the_charts_forecast():
    from kpitrack.publish.content import report

    f = kt.forecast("K12.income", dataset="hangzhou", as_of=2018)
    ev = report.evaluate(2018, "hangzhou")
    o = ev.outlooks["K12.income"]
    assert f.loc[2020, "median"] == pytest.approx(o.fan.loc[2020, "median"])  # the report's table and chart
    assert f.loc[2020, "median"] == pytest.approx(o.forecast_median)
    assert f.loc[2020, "probability"] == pytest.approx(o.probability)
    fig = kt.chart("K12.income", "hangzhou", 2018)
    centre = next(t for t in fig.data if t.name and "中值" in t.name)
    assert float(centre.y[-1]) == pytest.approx(f.loc[2020, "median"])
    assert f.index.dtype == "int64" and f.index.name == "year"


def test_forecast_level_horizon_region_and_an_empty_one():
    wide, narrow = kt.forecast("K12.income", "synthetic", 2018, level=0.95), kt.forecast("K12.income", "synthetic", 2018, level=0.5)
    assert (wide["upper"] - wide["lower"] > narrow["upper"] - narrow["lower"]).all()
    assert (wide["median"] == narrow["median"]).all()
    assert list(kt.forecast("K12.income", "synthetic", 2018, horizon=4).index) == [2019, 2020, 2021, 2022]
    district = kt.forecast("K02.revenue", "synthetic", 2018, region="Xihu")
    assert len(district) == 2 and district["probability"].isna().all()  # a district's total: no city target
    empty = kt.forecast("K02.tax_share", dataset="hangzhou", as_of=2018)
    assert empty.empty and list(empty.columns) == ["median", "lower", "upper", "probability"] and empty.attrs["note"]


def test_the_forecaster_takes_period_and_datetime_indexes():
    from kpitrack.analysis.forecast import forecast

    values = [100.0, 104, 108, 113, 117]
    base = forecast(pd.Series(values, index=range(2014, 2019)), 2)
    for idx in (pd.period_range("2014", periods=5, freq="Y"), pd.date_range("2014-12-31", periods=5, freq="YE")):
        assert forecast(pd.Series(values, index=idx), 2).equals(base)


def test_outlook_is_flat_and_typed():
    o = kt.outlook("synthetic", 2018)
    assert "fan" not in o.columns and not any(isinstance(v, dict) for v in o.iloc[0].to_numpy())
    assert str(o["latest_year"].dtype) == "Int64" and str(o["year_reached"].dtype) == "Int64"
    o.to_csv(pd.io.common.StringIO())  # exports without a Python repr of nested data


# --------------------------------------------------------------------------- language and types


def test_english_statuses_with_an_ordered_code():
    s = kt.status("hangzhou", 2018, language="en")
    assert set(s["status_label"]) <= {"achieved", "on track", "at risk", "off track", "insufficient data", "no numeric target"}
    assert s["status"].dtype.ordered and list(s["status"].cat.categories)[:2] == ["achieved", "on_track"]
    ordered = s.sort_values("status")["status"].tolist()
    assert ordered.index("at_risk") < ordered.index("insufficient_data") if {"at_risk", "insufficient_data"} <= set(ordered) else True
    assert s.loc[s["measure"] == "K12.income", "measure_name"].item() == kt.catalogue().measures.set_index("measure").loc["K12.income", "name_en"]
    zh = kt.status("hangzhou", 2018)
    assert zh.loc[zh["measure"] == "K12.income", "region_name"].item() == "杭州市"
    assert str(zh["latest_year"].dtype) == "Int64"


def test_figures_are_typed_with_names_and_a_preferred_flag():
    f = kt.figures("hangzhou", language="en")
    assert list(f.columns) == api.FIGURE_COLUMNS
    assert str(f["year"].dtype) == "int64" and str(f["month"].dtype) == "Int64" and str(f["known_from"].dtype) == "datetime64[ns]"
    assert f.loc[f["period"] == "2018", "month"].isna().all() and (f.loc[f["period"] == "2018-06", "month"] == 6).all()
    assert (f["region_name"] == "Hangzhou (city)").any()
    # at most one preferred figure per quantity (a year and its December are one): the one the statuses use
    quantity = f.assign(q=f["month"].fillna(12).astype(int))
    assert (quantity.groupby(["measure_id", "region", "year", "q"])["preferred"].sum() <= 1).all()
    yearly = f[f["preferred"] & (f["month"].isna() | (f["month"] == 12))]
    for (mid, region), g in yearly.groupby(["measure_id", "region"]):  # the preferred years are the series that counts
        want = kpi_series(load_dataset("hangzhou", catalogue()), mid, region=region)
        assert g["year"].tolist() == want["period"].tolist() and g["value"].tolist() == want["value"].tolist(), mid
    pm = yearly[(yearly["measure_id"] == "K08.pm25") & (yearly["region"] == "330100") & (yearly["year"] == 2018)]
    assert pm[["value", "method"]].values.tolist() == [[40.0, "official"]]  # neither the derived year nor its December
    gdp = f[(f["measure_id"] == "K01.gdp_nominal") & (f["period"] == "2018") & f["preferred"]]
    s = kt.status("hangzhou", 2018)
    assert s.loc[s["measure"] == "K01.gdp_nominal", "latest_value"].item() == pytest.approx(gdp["value"].item())


def test_unknown_publication_dates_are_empty_and_the_past_still_has_pm25():
    f = kt.figures("hangzhou")
    derived = f[(f["measure_id"] == "K08.pm25") & (f["method"] == "daily-derived")]
    assert derived["known_from"].isna().all() and derived["assumed_known_from"].notna().all()
    assert not (f["known_from"] == pd.Timestamp("2026-11-26")).any()  # never the day the figures were gathered
    then = kt.figures("hangzhou", as_of="2019-06-01")
    pm = then[then["measure_id"] == "K08.pm25"]
    assert {"2015", "2016", "2017"} <= set(pm["period"]) and "2018" in set(pm["period"])  # derived 2018: known 2019-01-01
    assert (then["known_from"].dropna() <= pd.Timestamp("2019-06-01")).all()
    assert (then["assumed_known_from"].dropna() <= pd.Timestamp("2019-06-01")).all()


def test_the_catalogue_names_agencies_and_gives_units_and_year_lists():
    t = kt.catalogue()
    assert "agency" in t.agencies.columns and not hasattr(t, "units")
    end = t.targets.query("measure == 'K21.fdi' and kind == 'end'").iloc[0]
    assert end["unit"] == "亿美元" and isinstance(end["years"], tuple) and all(isinstance(y, int) for y in end["years"])
    assert "S06.metro_km_2020" in set(t.special_targets["subtarget"])


# --------------------------------------------------------------------------- one argument check


@pytest.mark.parametrize("call, message", [
    (lambda: kt.status(2018), "a year goes to as_of="),
    (lambda: kt.status("hangzhou", "2018-06"), "got the month '2018-06'"),
    (lambda: kt.status("hangzhou", 2025), "2016-2020"),
    (lambda: kt.chart("K08.pm2.5"), "did you mean K08.pm25"),
    (lambda: kt.forecast("K01"), "name one: K01.gdp_const"),
    (lambda: kt.figures("synthetic", region="Atlantis"), "上城区"),
    (lambda: kt.status("hangzhuo"), "did you mean hangzhou"),
    (lambda: kt.status(pd.DataFrame()), "figures="),
    (lambda: kt.status("hangzhou", language="fr"), "language"),
])
def test_bad_arguments_are_one_clear_parameter_error(call, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(".", r"\.")):
        call()


@pytest.mark.parametrize("bad", ["abc", 2018.7, 2025, "2019-02-30", True])
def test_the_api_refuses_a_bad_as_of_clearly(bad):
    with pytest.raises(ParameterError, match="as_of"):
        kt.status("hangzhou", bad)
    with pytest.raises(ParameterError, match="as_of"):
        kt.outlook("hangzhou", bad)


def test_regions_by_code_number_english_name_and_alias():
    from kpitrack.publish.content.params import resolve_region

    codes = {resolve_region(x).code for x in (330106, "330106", "西湖区", "西湖", "Xihu", "Xihu District", "xihu")}
    assert codes == {"330106"} and resolve_region("杭州").code == "330100"


def test_a_kpi_names_its_measures_and_one_measure_kpis_are_enough():
    fig = kt.chart("K08", "synthetic", 2018)
    assert fig.layout.title.text.startswith("K08")
    assert kt.forecast("K08", "synthetic", 2018).attrs["measure"] == "K08.pm25"


def test_empty_results_keep_their_columns_and_say_why():
    c = kt.compare_regions("K01.gdp_const", "synthetic", "2018-06")
    assert c.empty and "rank" in c.columns and "annual measure" in c.attrs["note"]
    assert c.sort_values("rank").empty


def test_the_latest_month_compared_is_as_of_s():
    """The explorer's districts at month="latest" follow its as_of: the latest month of that year, not
    of the dataset."""
    latest = kt.compare_regions("K02.revenue", "synthetic")
    as_of = kt.compare_regions("K02.revenue", "synthetic", as_of=2018)
    december = kt.compare_regions("K02.revenue", "synthetic", "2018-12")
    assert as_of.equals(december) and not as_of["value"].equals(latest["value"])
    from kpitrack.api.explore import districts_of

    assert districts_of("synthetic", "K02.revenue", as_of=2018).equals(december)


def test_defaults_agree_latest_year_and_the_default_dataset():
    s = kt.status()
    assert s.attrs["as_of"] == 2020 and s.attrs["dataset"] == "hangzhou"
    import inspect

    defaults = [inspect.signature(f).parameters["dataset"].default for f in (kt.compare_regions, kt.status)]
    assert defaults == [None, None]  # None: the workspace's default, read per call
    assert kt.compare_regions("K01.gdp_growth").attrs.get("dataset", "hangzhou") == "hangzhou"


def test_status_and_outlook_of_a_district():
    s = kt.status("synthetic", 2018, region="Xihu")
    growth = s.set_index("measure").loc["K01.gdp_growth"]
    assert growth["region"] == "330106" and growth["status"] in {"achieved", "on_track", "at_risk", "off_track"}
    assert s.set_index("measure").loc["K01.gdp_nominal", "status"] == "no_target"  # a district's total
    o = kt.outlook("synthetic", 2018, region="西湖区").set_index("measure")
    assert o.loc["K01.gdp_growth", "region"] == "330106"


def test_vintages_context_final_search_datasets():
    v = kt.vintages("hangzhou")
    assert list(v["vintage"]) == sorted(v["vintage"]) and str(v["known_from"].dtype) == "datetime64[ns]"
    assert "why_not_kpi_zh" in kt.context("hangzhou").columns and kt.context("synthetic").empty
    f = kt.final("hangzhou", language="en")
    assert f["outcome"].dtype.ordered and "achieved" in set(f["outcome_label"]) | {"achieved"}
    assert kt.search("")["id"].empty and "K12.income" in kt.search("Income")["id"].tolist()
    assert {"hangzhou", "synthetic"} <= set(kt.datasets()["dataset"])
    assert len(kt.regions(language="en")) == 14 and "Xihu District" in set(kt.regions(language="en")["name"])


def test_district_chart_shows_the_district_and_the_city_in_whole_years():
    fig = kt.chart("K02.revenue", "synthetic", 2018, region="330106")
    assert [t.name for t in fig.data] == ["西湖区", "杭州市"]
    assert "合成数据" in fig.layout.title.text
    assert list(fig.data[0].x) == [2015, 2016, 2017, 2018]  # December year-to-date = the year
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tickformat == "d"
    en = kt.chart("K02.revenue", "synthetic", 2018, region="Xihu", language="en")
    assert en.data[0].name == "Xihu District" and "synthetic" in en.layout.title.text


# --------------------------------------------------------------------------- bring your own data


def test_status_and_outlook_on_a_dataframe_of_ones_own():
    mine = kt.figures("synthetic")
    mine = mine[mine["region"] == "330100"][["measure_id", "region", "period", "value", "unit"]].copy()
    mine["quality"], mine["method"], mine["source"] = "reported", "official", "我的表格"
    s = kt.status(figures=mine, as_of=2018)
    base = kt.status("synthetic", 2018)
    assert s["status"].tolist() == base["status"].tolist()
    assert kt.outlook(figures=mine, as_of=2018)["forecast_median"].equals(kt.outlook("synthetic", 2018)["forecast_median"])
    bad = mine.head(3).copy()
    bad.loc[bad.index[1], "measure_id"] = "K99.x"
    from kpitrack.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=":3:measure_id"):
        kt.status(figures=bad, as_of=2018)


def test_figures_round_trip_through_a_new_dataset(data_copy, tmp_path):
    """kt.figures() -> CSV -> kpitrack dataset new demo -> kpitrack ingest --dataset demo -> kt.figures("demo")."""
    src = kt.figures("hangzhou")
    path = tmp_path / "hangzhou.csv"
    src.to_csv(path, index=False)
    env_run = [sys.executable, "-m", "kpitrack.cli"]
    assert subprocess.run([*env_run, "dataset", "new", "demo", "--title-zh", "演示"], capture_output=True).returncode == 0
    r = subprocess.run([*env_run, "ingest", str(path), "--dataset", "demo", "--known-from", "2026-01-01"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    back = kt.figures("demo")
    key = ["measure_id", "region", "period", "method", "source", "value"]
    assert sorted(map(tuple, back[key].astype(str).to_numpy())) == sorted(map(tuple, src[key].astype(str).to_numpy()))
    # known publication dates come back as they were; unknown ones take the ingest's date
    known = src.dropna(subset=["known_from"])
    merged = known.merge(back, on=key, suffixes=("", "_back"))
    assert (merged["known_from"] == merged["known_from_back"]).all()
    again = subprocess.run([*env_run, "dataset", "new", "demo"], capture_output=True, text=True)
    assert again.returncode != 0 and "exists already" in again.stderr
    assert json.loads(subprocess.run([*env_run, "status", "--dataset", "demo", "--as-of", "2018", "--format", "json"],
                                     capture_output=True, text=True).stdout)["dataset"] == "demo"


def test_figures_of_ones_own_that_are_not_numbers_or_that_conflict_are_refused():
    """A value that is not a number is refused by row and field (never judged as NaN), and two figures
    of one quantity that the rule cannot tell apart and that disagree are refused, whatever their order."""
    from kpitrack.core.exceptions import ValidationError

    mine = kt.figures("hangzhou")  # with its vintages: two releases of one year are told apart by them
    row = mine.index[(mine["measure_id"] == "K09.good_air_days") & (mine["period"] == "2019")][0]
    bad = mine.copy()
    bad["value"] = bad["value"].astype(object)
    bad.loc[row, "value"] = "n/a"
    with pytest.raises(ValidationError, match=rf":{row + 2}:value: 'n/a' is not a number"):
        kt.status(figures=bad, as_of=2019)
    bad.loc[row, "value"] = float("nan")
    with pytest.raises(ValidationError, match=rf":{row + 2}:value: nan is not a number"):
        kt.status(figures=bad, as_of=2019)
    twin = mine.loc[[row]].assign(value=200.0)
    for frame in (pd.concat([mine, twin], ignore_index=True), pd.concat([twin, mine], ignore_index=True)):
        with pytest.raises(ValidationError, match="which counts cannot be told"):
            kt.status(figures=frame, as_of=2019)
    same = pd.concat([mine, mine.loc[[row]]], ignore_index=True)  # the same figure twice is no conflict
    assert kt.status(figures=same, as_of=2019).set_index("measure").loc["K09.good_air_days", "latest_value"] == 287


def test_peers_and_challenges_as_tidy_frames_with_the_clis_numbers():
    """Issue 35: kt.peers ranks Hangzhou 5th of 15 on 2019's nominal GDP, as `kpitrack peers` does."""
    t = kt.peers("gdp_nominal", 2019, group="sub-provincial")
    assert list(t.columns)[:5] == ["year", "indicator", "group", "city", "city_en"]
    home = t[t["city"] == "杭州"].iloc[0]
    assert (int(home["rank"]), int(home["n"]), t.attrs["home_rank"]) == (5, 15, 5)
    assert set(t["year"]) == {2019} and set(t["group"]) == {"sub-provincial"}
    assert "Hangzhou" in set(kt.peers("gdp_nominal", 2019, language="en")["city"])
    c = kt.challenges(2018, "synthetic")
    assert len(c) > 0 and {"measure_id", "qualifies", "achieved", "horizontal", "vertical"} <= set(c.columns)
    assert c.attrs["demonstration"] is True and c.attrs["dataset"] == "synthetic"


def test_as_of_takes_a_date_a_datetime_or_a_timestamp_and_errors_are_value_errors():
    import datetime

    want = kt.status("hangzhou", "2019-06-30")
    for given in (datetime.date(2019, 6, 30), datetime.datetime(2019, 6, 30, 9), pd.Timestamp("2019-06-30")):
        assert kt.status("hangzhou", given).equals(want), given
    with pytest.raises(ValueError):  # ParameterError is a ValueError, as pandas users expect
        kt.status("hangzhou", "2019-13-01")


def test_every_result_carries_the_same_attrs_keys():
    """Issue 35: dataset, as_of, language and note on every frame the API returns."""
    from kpitrack.api.args import ATTRS

    results = [kt.figures("synthetic", measure="K12.income"), kt.status("synthetic", 2018), kt.outlook("synthetic", 2018),
               kt.forecast("K12.income", "synthetic", 2018, language="en"), kt.final("synthetic"),
               kt.compare_regions("K02.revenue", "synthetic", "2018-06"), kt.datasets(), kt.regions(language="en"), kt.search("income"),
               kt.vintages("synthetic"), kt.context("hangzhou"), kt.peers("gdp_nominal", 2019), kt.challenges(2018, "synthetic")]
    for r in results:
        assert set(ATTRS) <= set(r.attrs), r.attrs
    assert results[3].attrs["language"] == "en" and results[1].attrs["as_of"] == 2018


def test_growth_quantities_come_in_the_unit_rate_unit_names():
    """Issue 35: a compound rate in percent a year, beside measures in %: 8.0, not 0.08."""
    o = kt.outlook("synthetic", 2018).set_index("measure")
    income, rd = o.loc["K12.income"], o.loc["K05.rd_share"]
    assert income["rate_unit"] == "%/年" and f"年均增长{income['required_rate']:.1f}%" in income["what_it_takes_zh"]
    assert rd["rate_unit"] == "个百分点/年" and abs(rd["required_rate"]) < 1


def test_the_api_reference_page_is_written_from_the_docstrings():
    """Issue 35: docs/api.md is what the docstrings say (rebuild: python -m kpitrack.api.reference > docs/api.md)."""
    from pathlib import Path

    from kpitrack.api.reference import reference

    page = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    assert page == reference(), "docs/api.md is stale: python -m kpitrack.api.reference > docs/api.md"
    for name in ("figures", "status", "outlook", "forecast", "peers", "challenges", "rate_unit", "required_rate"):
        assert name in page

"""The bundled datasets: real figures mapped honestly, vintages, synthetic figures labelled."""

from __future__ import annotations

import filecmp

import pandas as pd
import pytest

from kpitrack.data.actuals import FigureBook, best_values, kpi_series, load_dataset, ytd_table
from kpitrack.core.exceptions import UnknownNameError, ValidationError
from kpitrack.data.sources import derive_air_yearly, known_from, write_hangzhou
from kpitrack.data.synthetic import SEED, make_synthetic, write_synthetic

from .conftest import REPO, tree_bytes


def test_hangzhou_dataset_rebuilds_identically(cat, tmp_path):
    out = tmp_path / "hangzhou"
    out.mkdir()
    (out / "dataset.yaml").write_bytes((REPO / "data/actuals/hangzhou/dataset.yaml").read_bytes())
    write_hangzhou(cat, out)
    assert tree_bytes(out) == tree_bytes(REPO / "data" / "actuals" / "hangzhou")


def test_synthetic_dataset_rebuilds_identically(cat, tmp_path):
    out = tmp_path / "synthetic"
    (out / "vintages").mkdir(parents=True)
    write_synthetic(cat, out)
    committed = REPO / "data" / "actuals" / "synthetic"
    for rel in ("vintages.csv", "vintages/0001.csv", "targets.csv", "standards.csv", "rectification.csv", "special.csv"):
        assert filecmp.cmp(out / rel, committed / rel, shallow=False), rel


def test_resident_urbanisation_is_context_not_the_hukou_kpi(cat):
    ds = load_dataset("hangzhou", cat)
    assert (ds.observations["measure_id"] == "K20.hukou_urbanisation").sum() == 0
    ctx = ds.context[ds.context["series"] == "urbanization_resident"]
    assert len(ctx) > 0 and set(ctx["relates_to"]) == {"K20.hukou_urbanisation"}


def test_water_city_sections_are_not_the_provincial_kpi(cat):
    ds = load_dataset("hangzhou", cat)
    assert (ds.observations["measure_id"] == "K10.water_share").sum() == 0


def test_every_hangzhou_figure_has_source_quality_and_date(cat):
    ds = load_dataset("hangzhou", cat)
    assert not ds.synthetic
    assert ds.observations["source"].str.len().min() > 0
    assert set(ds.observations["quality"]) <= {"reported", "preliminary", "revised", "derived"}
    assert ds.observations["known_from"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()


def test_derived_air_figures_say_how(cat):
    ds = load_dataset("hangzhou", cat)
    derived = ds.observations[ds.observations["method"] == "daily-derived"]
    assert set(derived["measure_id"]) == {"K08.pm25", "K09.good_air_days"}
    assert derived["note"].str.contains("由日数据推算").all()
    assert (derived["quality"] == "derived").all()
    computed = ds.observations[ds.observations["method"] == "computed"]
    assert set(computed["measure_id"]) == {"K01.gdp_const", "K02.revenue_growth"}
    assert (computed["quality"] == "derived").all() and computed["note"].str.contains("推算|计算").all()


def test_derive_air_yearly_matches_the_readme_figures():
    daily = pd.read_csv(REPO / "data" / "sources" / "hangzhou_air_daily.csv")
    air = derive_air_yearly(daily).set_index("year")
    # shared/data/README: tianqihoubao upstream, PM2.5 53.9 (2015) and 46.0 (2016); 287 and 308 good days
    assert air.loc[2015, "pm25_mean"] == 53.9 and air.loc[2016, "pm25_mean"] == 46.0
    assert air.loc[2015, "good_days"] == 287 and air.loc[2016, "good_days"] == 308
    assert pd.isna(air.loc[2019, "good_days"])  # 311 of 365 days: a count would be biased low


def test_monthly_air_figures_came_in_through_the_ledger_path(cat):
    ds = load_dataset("hangzhou", cat)
    monthly = ds.observations[(ds.observations["month"] > 0)]
    assert set(monthly["measure_id"]) == {"K08.pm25", "K09.good_air_days"}
    assert set(monthly["vintage"]) == {2}
    table = ytd_table(ds.observations[ds.observations["method"] == "daily-derived"], "K08.pm25")
    assert table.loc[2016, 12] == pytest.approx(46.0, abs=0.05)  # December YTD mean = the year's mean
    days = ytd_table(ds.observations, "K09.good_air_days")
    assert days.loc[2015, 12] == 287 and (days.loc[2015].diff().dropna() >= 0).all()  # counts accumulate


def test_known_from_is_read_off_the_source():
    assert known_from("杭州市政府工作报告 2019-01-21, 市长", "2026-11-26") == "2019-01-21"
    assert known_from("浙江统计年鉴2016, table 17-2", "2026-11-26") == "2016-12-31"
    assert known_from("a repost without a date", "2026-11-26") == "2026-11-26"


def test_gdp_revision_vintages(cat):
    latest = load_dataset("hangzhou", cat)
    then = load_dataset("hangzhou", cat, known_at="2019-06-01")
    g_latest = best_values(latest.observations[latest.observations["measure_id"] == "K01.gdp_nominal"])
    g_then = best_values(then.observations[then.observations["measure_id"] == "K01.gdp_nominal"])
    assert g_then.set_index("year").loc[2018, "value"] == 13500  # the preliminary figure of January 2019
    autumn = load_dataset("hangzhou", cat, known_at="2019-12-31")
    g_autumn = best_values(autumn.observations[autumn.observations["measure_id"] == "K01.gdp_nominal"])
    assert g_autumn.set_index("year").loc[2018, "value"] == 13509  # as reported in September 2019
    # the revised series exists only in a compiled database: kept on file, the city's first releases count
    assert g_latest.set_index("year").loc[2018, "value"] == 13509
    assert 14306.72 in set(latest.observations.loc[latest.book.other_basis, "value"])
    seq = latest.observations.query("measure_id == 'K01.gdp_nominal' and year == 2018").sort_values("known_from")
    assert seq[["value", "quality", "known_from"]].values.tolist() == [
        [13500, "preliminary", "2019-01-21"], [13509, "reported", "2019-09-16"], [14306.72, "revised", "2026-11-26"]]
    assert "截至2019-06-01" in then.label_zh


def test_revisions_prefer_the_later_one(cat):
    ds = load_dataset("hangzhou", cat)
    official = ds.observations.query("measure_id == 'K01.gdp_const' and method == 'official'")
    assert best_values(official)["value"].tolist() == [10050.21]  # yearbook revision over the first release 10053.58


def test_gdp_at_2015_prices_is_derived_from_the_2015_level_and_real_growth(cat):
    ds = load_dataset("hangzhou", cat)
    c = ds.observations.query("measure_id == 'K01.gdp_const' and method == 'computed'").sort_values(["year", "known_from"])
    latest = c.drop_duplicates("year", keep="last").set_index("year")["value"]
    # by hand: 10050.21 (yearbook 2015) x 1.095 (real growth 2016) = 11004.98; 2017's rate is not in the sources
    assert latest.to_dict() == pytest.approx({2015: 10050.21, 2016: 11004.97995})
    assert "连乘推算" in c.set_index("year").loc[2016, "note"] and "9.5%" in c.set_index("year").loc[2016, "note"]
    # the first release of the 2015 level gave its own chain base, known from its own date
    assert c[c["year"] == 2015][["value", "known_from"]].values.tolist() == [[10053.58, "2016-01-25"], [10050.21, "2016-12-31"]]


def test_a_growth_rate_from_two_levels_is_derived_and_never_mixed_in_a_status(cat):
    from kpitrack.analysis.progress import assess_measure

    ds = load_dataset("hangzhou", cat)
    g = ds.observations.query("measure_id == 'K02.revenue_growth' and method == 'computed'").set_index("year")
    assert g.loc[2019, "value"] == pytest.approx((1965.97 / 1825.06 - 1) * 100)  # 7.72% against the published 7.7%
    assert "未作口径调整" in g.loc[2019, "note"]
    s = assess_measure(cat.measure("K02.revenue_growth"), ds.observations, 2019)
    assert s.latest_method == "official" and s.latest_value == 7.7


def test_synthetic_is_labelled_and_complete(cat):
    ds = load_dataset("synthetic", cat)
    assert ds.synthetic and "合成" in ds.label_zh
    assert (ds.observations["quality"] == "synthetic").all()
    annual = ds.observations[ds.observations["month"] == 0]
    assert set(annual["measure_id"]) == {m.id for m in cat.measures}
    assert sorted(set(annual["year"])) == list(range(2015, 2021))
    districts = ds.observations[ds.observations["region"] != "330100"]
    assert districts["region"].nunique() == 13
    quarterly = districts[districts["measure_id"] == "K01.gdp_nominal"]
    assert set(quarterly["month"]) == {3, 6, 9, 12}


def test_another_seed_gives_other_figures(cat):
    assert not make_synthetic(cat, 1)["value"].equals(make_synthetic(cat, 2)["value"])
    assert make_synthetic(cat, SEED)["value"].equals(make_synthetic(cat, SEED)["value"])


def test_unknown_dataset_lists_known(cat):
    with pytest.raises(UnknownNameError, match="known: hangzhou, synthetic"):
        load_dataset("nope", cat)


def test_hand_edited_vintage_is_caught_with_file_row_field(cat, data_copy):
    path = data_copy / "actuals" / "hangzhou" / "vintages" / "0001.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("K01.gdp_const", "K01.gdp_typo", 1)
    revenue = next(i for i, line in enumerate(lines) if line.startswith("K02.revenue,"))
    lines[revenue] = lines[revenue].replace(",亿元,", ",万元,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_dataset("hangzhou", cat, actuals_dir=data_copy / "actuals")
    text = str(info.value)
    assert f"{path}:2:measure_id: unknown KPI measure 'K01.gdp_typo'" in text
    assert f"{path}:{revenue + 1}:unit:" in text


def test_known_at_must_be_a_date(cat):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        load_dataset("hangzhou", cat, known_at="June 2019")


@pytest.mark.parametrize("name", ["hangzhou", "synthetic"])
def test_the_book_chooses_per_quantity_whatever_else_the_frame_holds(cat, name):
    """The dataset's book (made once) gives, for every measure, region and year, what a book of that
    measure's figures alone gives; and a changed copy of the figures is read anew."""
    ds = load_dataset(name, cat)
    obs = ds.observations
    regions = ["330100", *sorted(set(obs["region"]) - {"330100"})[:2]]
    for mid in [m.id for m in cat.measures] + ["K99.nothing"]:
        alone = FigureBook(obs[obs["measure_id"] == mid], ds.collected)
        for region in regions:
            for as_of in (None, 2015, 2017, 2020):
                pd.testing.assert_frame_equal(kpi_series(ds, mid, region=region, as_of=as_of),
                                              alone.yearly(mid, region, as_of), check_index_type=False)
                assert alone.grid(mid, region).table().equals(ds.book.grid(mid, region).table())
    changed = obs.copy()
    first = cat.measures[0].id
    changed.loc[changed["measure_id"] == first, "value"] += 1
    assert (kpi_series(FigureBook(changed, ds.collected), first)["value"] == kpi_series(ds, first)["value"] + 1).all()
    assert ds.book is ds.book  # made once per dataset

def test_a_dataset_is_loaded_once_until_its_files_or_figures_change(cat, data_copy):
    """A document's sections and a batch's documents read a dataset once; an edit of any of its files,
    a new vintage, or another known_at gives a dataset loaded afresh."""
    from kpitrack.data.ingest import ingest

    first = load_dataset("hangzhou", cat)
    assert load_dataset("hangzhou", cat) is first
    assert load_dataset("hangzhou", cat, known_at="2018-06-30") is not first
    meta = data_copy / "actuals" / "hangzhou" / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("title_zh:", "title_zh: 改过的", 1), encoding="utf-8")
    edited = load_dataset("hangzhou", cat)
    assert edited is not first and edited.title_zh.startswith("改过的")
    new = data_copy.parent / "new.csv"  # a scratch copy's figure, only to see a new vintage read
    new.write_text("measure_id,region,period,value,unit,quality,method,source,note\n"
                   "K02.revenue,330106,2019,99,亿元,reported,official,https://example.org/x,\n", encoding="utf-8")
    ingest(new, cat, "hangzhou", known_from="2020-01-20")
    after = load_dataset("hangzhou", cat)
    assert after is not edited and len(after.observations) == len(edited.observations) + 1

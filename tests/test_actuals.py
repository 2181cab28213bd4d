"""The bundled datasets: real figures mapped honestly, synthetic figures labelled and reproducible."""

from __future__ import annotations

import pandas as pd
import pytest

from kpitrack.actuals import best_values, load_dataset, read_observations, write_observations
from kpitrack.exceptions import UnknownNameError, ValidationError
from kpitrack.sources import build_hangzhou, derive_air_yearly
from kpitrack.synthetic import SEED, make_synthetic

from .conftest import REPO


def test_hangzhou_observations_rebuild_identically(cat, tmp_path):
    obs, context = build_hangzhou(cat)
    write_observations(obs, tmp_path / "observations.csv")
    committed = REPO / "data" / "actuals" / "hangzhou" / "observations.csv"
    assert (tmp_path / "observations.csv").read_bytes() == committed.read_bytes()
    assert len(context) == len(pd.read_csv(REPO / "data" / "actuals" / "hangzhou" / "context.csv"))


def test_resident_urbanisation_is_context_not_the_hukou_kpi(cat):
    ds = load_dataset("hangzhou", cat)
    assert (ds.observations["measure_id"] == "K20.hukou_urbanisation").sum() == 0
    ctx = ds.context[ds.context["series"] == "urbanization_resident"]
    assert len(ctx) > 0 and set(ctx["relates_to"]) == {"K20.hukou_urbanisation"}


def test_water_city_sections_are_not_the_provincial_kpi(cat):
    ds = load_dataset("hangzhou", cat)
    assert (ds.observations["measure_id"] == "K10.water_share").sum() == 0


def test_every_hangzhou_figure_has_source_and_quality(cat):
    ds = load_dataset("hangzhou", cat)
    assert not ds.synthetic
    assert ds.observations["source"].str.len().min() > 0
    assert set(ds.observations["quality"]) <= {"reported", "preliminary", "derived"}


def test_derived_air_figures_say_how(cat):
    ds = load_dataset("hangzhou", cat)
    derived = ds.observations[ds.observations["quality"] == "derived"]
    assert set(derived["measure_id"]) == {"K08.pm25", "K09.good_air_days"}
    assert derived["note"].str.contains("由日数据推算").all()
    assert (derived["method"] == "daily-derived").all()


def test_derive_air_yearly_matches_the_readme_figures():
    daily = pd.read_csv(REPO / "data" / "sources" / "hangzhou_air_daily.csv")
    air = derive_air_yearly(daily).set_index("year")
    # shared/data/README: tianqihoubao upstream, PM2.5 53.9 (2015) and 46.0 (2016); 287 and 308 good days
    assert air.loc[2015, "pm25_mean"] == 53.9 and air.loc[2016, "pm25_mean"] == 46.0
    assert air.loc[2015, "good_days"] == 287 and air.loc[2016, "good_days"] == 308
    assert pd.isna(air.loc[2019, "good_days"])  # 311 of 365 days: a count would be biased low


def test_revisions_prefer_the_later_one(cat):
    ds = load_dataset("hangzhou", cat)
    best = best_values(ds.observations[ds.observations["measure_id"] == "K01.gdp_const"])
    assert best["value"].tolist() == [10050.21]  # yearbook revision over the first release 10053.58


def test_synthetic_is_reproducible_and_labelled(cat):
    committed = read_observations(REPO / "data" / "actuals" / "synthetic" / "observations.csv", cat)
    made = make_synthetic(cat, SEED)
    pd.testing.assert_frame_equal(committed.reset_index(drop=True),
                                  made.sort_values(["measure_id", "region", "period"]).reset_index(drop=True),
                                  check_dtype=False)
    ds = load_dataset("synthetic", cat)
    assert ds.synthetic and "合成" in ds.label_zh
    assert (ds.observations["quality"] == "synthetic").all()
    assert set(ds.observations["measure_id"]) == {m.id for m in cat.measures}
    assert sorted(set(ds.observations["period"])) == list(range(2015, 2021))


def test_another_seed_gives_other_figures(cat):
    assert not make_synthetic(cat, 1)["value"].equals(make_synthetic(cat, 2)["value"])


def test_unknown_dataset_lists_known(cat):
    with pytest.raises(UnknownNameError, match="known: hangzhou, synthetic"):
        load_dataset("nope", cat)


def test_bad_observations_file_names_row_and_field(cat, tmp_path):
    src = (REPO / "data" / "actuals" / "hangzhou" / "observations.csv").read_text(encoding="utf-8").splitlines()
    revenue = next(line for line in src if line.startswith("K02.revenue,"))
    bad = src[:2] + [src[2].replace("K01.gdp_const", "K01.gdp_typo", 1)] + [revenue.replace(",亿元,", ",万元,", 1)]
    path = tmp_path / "observations.csv"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_observations(path, cat)
    text = str(info.value)
    assert f"{path}:3:measure_id: unknown KPI measure 'K01.gdp_typo'" in text
    assert f"{path}:4:unit:" in text

"""Figures that no single row can get wrong (issue 17, item 2): a running total that falls, a
December year-to-date figure that is not the year's figure. The synthetic generator makes neither,
and ``kpitrack validate`` refuses both."""

from __future__ import annotations

import pandas as pd
import pytest

from kpitrack.data.actuals import city_code, Dataset, load_dataset, observations
from kpitrack.data.consistency import agree, consistency_problems


def _dataset(rows):
    figs = pd.DataFrame([{"measure_id": m, "region": r, "period": p, "value": v, "unit": "亿元", "quality": q,
                          "method": "official", "source": "test", "note": "", "known_from": "2019-01-01", "vintage": 1}
                         for m, r, p, v, q in rows])
    return Dataset("t", "测试", "test", False, "", observations(figs), pd.DataFrame(), None, None, None)


def test_a_running_total_that_falls_is_refused_unless_revised(cat):
    rows = [("K02.revenue", "330106", "2018-10", 190.95, "reported"), ("K02.revenue", "330106", "2018-11", 184.73, "reported")]
    problems = consistency_problems(_dataset(rows), cat)
    assert len(problems) == 1 and "2018-11" in problems[0].message and "184.73" in problems[0].message
    revised = rows[:1] + [("K02.revenue", "330106", "2018-11", 184.73, "revised")]
    assert consistency_problems(_dataset(revised), cat) == []


def test_december_must_be_the_years_figure(cat):
    rows = [("K02.revenue", city_code(), "2020-12", 1907.0, "reported"), ("K02.revenue", city_code(), "2020", 1910.0, "reported")]
    problems = consistency_problems(_dataset(rows), cat)
    assert len(problems) == 1 and "December" in problems[0].message
    same = [("K02.revenue", city_code(), "2020-12", 1907.04, "reported"), ("K02.revenue", city_code(), "2020", 1907.0, "reported")]
    assert consistency_problems(_dataset(same), cat) == []  # equal at the precision of the coarser figure


def test_agree_at_the_coarser_precision():
    assert agree(37.37, 37.4) and agree(13500, 13500.4) and not agree(37.37, 37.5) and not agree(13112, 13152)


@pytest.mark.parametrize("name", ["synthetic", "hangzhou"])
def test_the_bundled_datasets_are_consistent(cat, name):
    assert consistency_problems(load_dataset(name, cat), cat) == []


def test_validate_refuses_an_inconsistent_dataset(data_copy, capsys):
    from kpitrack.cli import main

    path = data_copy / "actuals" / "synthetic" / "vintages" / "0001.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    i = df.index[(df["measure_id"] == "K02.revenue") & (df["region"] == "330106") & (df["period"] == "2018-11")][0]
    df.loc[i, "value"] = "1"  # November below October
    df.to_csv(path, index=False, lineterminator="\n")
    assert main(["validate", "--dataset", "synthetic"]) == 2
    err = capsys.readouterr().err
    assert "0001.csv" in err and "K02.revenue 330106 2018-11" in err

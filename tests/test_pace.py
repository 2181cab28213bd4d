"""Monthly pace of year-to-date figures, on hand-worked cases (docs/methods.md, "Monthly pace")."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from kpitrack.analysis.pace import assess_pace, month_pace, rank_metric
from kpitrack.core.labels import Status
from kpitrack.data.actuals import city_code, Dataset, observations
from kpitrack.data.targets import TARGET_COLUMNS

from .helpers import measure

A, B = "330106", "330108"  # 西湖区, 滨江区


def monthly(mid="K99.x", ytd="sum", **kw):
    return dataclasses.replace(measure(mid, **kw), frequency="monthly", ytd=ytd)


class Cat:
    """The little of a catalogue that month_pace needs."""

    def __init__(self, *ms):
        self.measures = list(ms)


def dataset(rows: list[tuple[str, str, str, float]], targets: list[tuple[str, str, int, float]] = ()) -> Dataset:
    figs = pd.DataFrame([{"measure_id": m, "region": r, "period": p, "value": v, "unit": "u", "quality": "reported",
                          "method": "official", "source": "test", "note": "", "known_from": "2019-01-01", "vintage": 1}
                         for m, r, p, v in rows])
    t = pd.DataFrame([{"measure_id": m, "region": r, "year": y, "target": v, "unit": "u", "source": "t", "note": ""}
                      for m, r, y, v in targets], columns=TARGET_COLUMNS)
    return Dataset("t", "测试", "test", False, "", observations(figs), pd.DataFrame(), None, None, t)


def history(mid, region, jun, dec, years=(2016, 2017)):
    return [r for y in years for r in ((mid, region, f"{y}-06", jun), (mid, region, f"{y}-12", dec))]


def test_running_total_against_the_seasonal_pace_of_earlier_years():
    m = monthly()
    ds = dataset(history(m.id, city_code(), 50, 100) + [(m.id, city_code(), "2018-06", 60)], [(m.id, city_code(), 2018, 110)])
    p = assess_pace(None, ds, m, city_code(), 2018, 6)
    assert p.share_required == pytest.approx(0.5)          # 50/100 in both earlier years
    assert p.completion == pytest.approx(60 / 110, abs=0.0005)  # at the precision shown, 54.5%
    assert p.ratio == pytest.approx(0.545 / 0.5)
    assert p.status == Status.ON_TRACK
    assert p.estimate.estimate == pytest.approx(120)        # 60 / 0.5
    assert "往年同期进度" in p.reason_zh


def test_districts_get_the_city_target_passed_down_and_are_ranked():
    m = monthly()
    rows = (history(m.id, city_code(), 50, 100) + [(m.id, city_code(), "2018-06", 60)]
            + history(m.id, A, 10, 20) + [(m.id, A, "2018-06", 10)]
            + history(m.id, B, 15, 30) + [(m.id, B, "2018-06", 16)])
    mp = month_pace(Cat(m), dataset(rows, [(m.id, city_code(), 2018, 110)]), 2018, 6)
    a, b = mp.get(m.id, A), mp.get(m.id, B)
    assert a.target.value == pytest.approx(20 * 1.1) and a.target.basis_zh == "全市目标分解"
    assert a.ratio == pytest.approx(0.455 / 0.5) and a.status == Status.OFF_TRACK   # 45.5% of 50.0%: 0.91 < 0.95
    assert b.ratio == pytest.approx(0.485 / 0.5) and b.status == Status.AT_RISK     # 48.5% of 50.0%: 0.970
    assert (b.rank, a.rank) == (1, 2) and a.n_ranked == 2   # only districts with figures are ranked
    assert mp.get(m.id, city_code()).rank is None                  # the city is not ranked


def test_the_year_target_met_early_is_achieved():
    m = monthly()
    ds = dataset(history(m.id, city_code(), 50, 100) + [(m.id, city_code(), "2018-10", 111)], [(m.id, city_code(), 2018, 110)])
    assert assess_pace(None, ds, m, city_code(), 2018, 10).status == Status.ACHIEVED


def test_time_share_without_two_earlier_years():
    m = monthly()
    ds = dataset(history(m.id, city_code(), 50, 100, years=(2017,)) + [(m.id, city_code(), "2018-03", 30)], [(m.id, city_code(), 2018, 100)])
    p = assess_pace(None, ds, m, city_code(), 2018, 3)
    assert p.share_required == pytest.approx(3 / 12) and p.share_basis_zh == "序时进度"
    assert p.status == Status.ON_TRACK and p.estimate is None and p.estimate_note_zh


@pytest.mark.parametrize("value, status", [(8.2, Status.ON_TRACK), (7.5, Status.AT_RISK), (6.5, Status.OFF_TRACK)])
def test_growth_rate_so_far_against_the_target_rate(value, status):
    m = monthly("K99.g", ytd="rate", unit="%", value_type="rate")
    ds = dataset([(m.id, city_code(), "2018-06", value)], [(m.id, city_code(), 2018, 8.0)])
    p = assess_pace(None, ds, m, city_code(), 2018, 6)
    assert p.gap == pytest.approx(value - 8.0) and p.status == status


@pytest.mark.parametrize("value, status", [(50, Status.ON_TRACK), (56, Status.AT_RISK), (60, Status.OFF_TRACK)])
def test_running_mean_against_a_ceiling_scaled_by_season(value, status):
    m = monthly("K99.pm", ytd="mean", unit="μg/m³", direction="lower")
    ds = dataset(history(m.id, city_code(), 60, 50) + [(m.id, city_code(), "2018-06", value)], [(m.id, city_code(), 2018, 45)])
    p = assess_pace(None, ds, m, city_code(), 2018, 6)
    assert p.required == pytest.approx(45 * 1.2)  # the first-half mean runs 20% above the year mean
    assert p.status == status


def test_no_target_is_said_and_ranked_by_same_period_growth():
    m = monthly()
    rows = [(m.id, A, "2017-06", 10), (m.id, A, "2018-06", 11), (m.id, B, "2017-06", 10), (m.id, B, "2018-06", 12)]
    mp = month_pace(Cat(m), dataset(rows), 2018, 6)
    a, b = mp.get(m.id, A), mp.get(m.id, B)
    assert not a.has_target and a.status == Status.INSUFFICIENT and "未设年度目标" in a.reason_zh
    assert a.same_period_growth == pytest.approx(10.0) and rank_metric(b, 1) == pytest.approx(20.0)
    assert (b.rank, a.rank) == (1, 2)


def test_change_and_rank_since_the_previous_month():
    m = monthly()
    rows = (history(m.id, city_code(), 50, 100) + [(m.id, city_code(), "2018-05", 40), (m.id, city_code(), "2018-06", 60)]
            + history(m.id, A, 10, 20) + [(m.id, A, "2018-05", 11), (m.id, A, "2018-06", 10.5)]
            + history(m.id, B, 10, 20) + [(m.id, B, "2018-05", 9), (m.id, B, "2018-06", 11)])
    mp = month_pace(Cat(m), dataset(rows, [(m.id, city_code(), 2018, 110)]), 2018, 6)
    a = mp.get(m.id, A)
    assert a.previous_month == 5 and a.change == pytest.approx(-0.5)
    assert (a.rank_previous, a.rank) == (1, 2)


def test_bulletin_on_the_bundled_synthetic_data_covers_every_district():
    from kpitrack.publish.content import bulletin as bl

    b = bl.prepare("2018-06", "杭州市", "synthetic")
    assert len(b.pace.measures) == 6
    assert len(b.pace.regions_with_data()) == 14
    matrix = bl.matrix_table(b)
    assert len(matrix) == 13 and "—" not in matrix.iloc[:, 1:].to_numpy()
    ranks = bl.ranking_table(b)
    for col in ranks.columns[1:]:
        got = sorted(int(v) for v in ranks[col])  # a full ranking; equal at the precision shown, equal rank
        assert len(got) == 13 and got[0] == 1 and all(r == 1 + sum(o < r for o in got) for r in got)
    assert "合成演示数据" in bl.headline(b)


@pytest.mark.parametrize("month, region, message", [
    ("2018-13", "杭州市", "parameter month"), ("2014-06", "杭州市", "plan runs"), ("June", "杭州市", "YYYY-MM"),
    ("2018-06", "西湖镇", "unknown region"),
])
def test_bad_bulletin_parameters_name_the_parameter(month, region, message):
    from kpitrack.core.exceptions import ParameterError
    from kpitrack.publish.content import bulletin as bl

    with pytest.raises(ParameterError, match=message):
        bl.prepare(month, region, "synthetic")


def test_the_status_is_decided_at_the_precision_shown():
    # 109.996 of 110 in December shows as 100.0%: the reader sees it done, and so does the status
    m = monthly()
    ds = dataset(history(m.id, city_code(), 50, 100) + [(m.id, city_code(), "2018-12", 109.996)], [(m.id, city_code(), 2018, 110)])
    p = assess_pace(None, ds, m, city_code(), 2018, 12)
    assert f"{p.completion:.1%}" == "100.0%" and p.status == Status.ACHIEVED
    # 109.9 is 99.9%: shown short; in December the year is over, so the target is not met (no pace is left)
    ds = dataset(history(m.id, city_code(), 50, 100) + [(m.id, city_code(), "2018-12", 109.9)], [(m.id, city_code(), 2018, 110)])
    p = assess_pace(None, ds, m, city_code(), 2018, 12)
    assert f"{p.completion:.1%}" == "99.9%" and p.status == Status.OFF_TRACK and "未完成全年目标" in p.reason_zh
    # the same figure in November is a pace: at risk
    ds = dataset(history(m.id, city_code(), 50, 100) + [(m.id, city_code(), "2018-11", 0.95 * 109.9)], [(m.id, city_code(), 2018, 110)])
    assert assess_pace(None, ds, m, city_code(), 2018, 11).status != Status.OFF_TRACK


def test_december_is_the_year_met_or_not_for_every_kind():
    # a year's mean under its ceiling, a year's growth at its target: 已实现, never 进度正常 (issue 32)
    mean = monthly(ytd="mean", unit="μg/m³", direction="lower")
    ds = dataset([(mean.id, city_code(), "2018-12", 37.2)], [(mean.id, city_code(), 2018, 47)])
    p = assess_pace(None, ds, mean, city_code(), 2018, 12)
    assert p.status == Status.ACHIEVED and "全年均值37.2未超过年度目标47.0" in p.reason_zh
    rate = monthly(ytd="rate", unit="%", value_type="rate")
    ds = dataset([(rate.id, city_code(), "2018-12", 7.2)], [(rate.id, city_code(), 2018, 8.0)])
    p = assess_pace(None, ds, rate, city_code(), 2018, 12)
    assert p.status == Status.OFF_TRACK and "全年增速低于年度目标0.8个百分点" in p.reason_zh


def test_a_rate_a_hair_below_target_is_on_target_as_shown():
    m = monthly(ytd="rate", unit="%", value_type="rate")
    ds = dataset([(m.id, city_code(), "2018-06", 7.96)], [(m.id, city_code(), 2018, 8.0)])
    p = assess_pace(None, ds, m, city_code(), 2018, 6)
    assert p.gap == 0.0 and str(p.gap) == "0.0" and p.status == Status.ON_TRACK  # "0.0个百分点", never "-0.0"


def test_fixed_never_prints_negative_zero():
    from kpitrack.core.labels import fixed

    assert fixed(-0.04, 1) == "0.0" and fixed(-0.06, 1) == "-0.1" and fixed(2.25, 1) in ("2.2", "2.3")

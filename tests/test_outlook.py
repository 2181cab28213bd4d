"""End-of-plan outlooks: probability of meeting the target and what it would take."""

from __future__ import annotations

import math

import re

import pytest

from kpitrack.analysis.outlook import outlook

from .helpers import measure, obs


def test_income_what_it_takes(cat):
    m = cat.measure("K12.income")
    o = outlook(m, obs(m.id, {2015: 42642, 2016: 46116, 2017: 49832}), 2018)
    assert o.assessable and o.n_points == 3
    assert o.required_rate == pytest.approx((63000 / 49832) ** (1 / 3) - 1)  # 8.13% a year from 2017
    assert o.best_rate == pytest.approx(46116 / 42642 - 1)  # the better of 2016 (8.15%) and 2017 (8.06%)
    pace = (49832 / 42642) ** 0.5 - 1
    assert o.pace_rate == pytest.approx(pace)
    years = math.log(63000 / 49832) / math.log(1 + pace)  # 3.01 years
    assert o.year_reached == 2017 + math.ceil(years)
    assert 0 < o.probability < 1
    # the rate it takes and the best so far print alike (8.13% and 8.15%): said once, not as two figures that look equal
    assert o.what_it_takes_zh().startswith("需年均增长8.1%，相当于历史最好水平；") and "历史最好为" not in o.what_it_takes_zh()


def test_far_above_and_far_below():
    m = measure(end_value=200, growth_model="compound")
    up = outlook(m, obs(m.id, {2015: 100, 2016: 130, 2017: 170, 2018: 220}), 2018)
    assert up.probability > 0.9 and up.year_reached == 2018
    down = outlook(m, obs(m.id, {2015: 100, 2016: 99, 2017: 98, 2018: 97}), 2018)
    assert down.probability < 0.1 and down.likely_miss and down.year_reached is None
    assert "无法达到" in down.what_it_takes_zh()


def test_lower_is_better():
    m = measure(unit="μg/m³", direction="lower", end_value=42)
    o = outlook(m, obs(m.id, {2015: 60, 2016: 54, 2017: 48.6, 2018: 43.7}), 2018)  # -10% a year
    assert o.probability > 0.5
    assert o.required_rate < 0  # a fall is needed


def test_too_few_points():
    m = measure(end_value=200)
    o = outlook(m, obs(m.id, {2017: 100, 2018: 110}), 2018)
    assert not o.assessable and "至少需要3个" in o.reason_zh


def test_cumulative_housing_outlook(cat):
    m = cat.measure("K13.housing_completed")
    o = outlook(m, obs(m.id, {2015: 40000, 2016: 44000, 2017: 50000, 2018: 45000}), 2018)
    assert o.assessable and o.target_kind == "cumulative"
    assert o.required_rate == pytest.approx((228000 - (44000 + 50000 + 45000)) / 2)
    assert o.forecast_lower <= o.forecast_median <= o.forecast_upper


def test_no_numeric_target():
    m = measure(end_kind="qualitative")
    assert not outlook(m, obs(m.id, {2015: 1, 2016: 2, 2017: 3}), 2018).assessable


def test_a_measure_without_numeric_target_still_gets_a_forecast_fan():
    m = measure(end_kind="qualitative")
    o = outlook(m, obs(m.id, {2015: 1, 2016: 2, 2017: 3}), 2018)
    assert not o.assessable and "无数值终期目标" in o.reason_zh
    assert list(o.fan.index) == [2019, 2020]


def test_a_target_already_met_is_advice_to_hold_never_to_move_the_wrong_way():
    from kpitrack.analysis.outlook import Outlook

    o = Outlook("K13.unemployment", 2018, True, "", target_value=4.0, target_kind="ceiling", unit="%", direction="lower",
                rate_kind="linear", latest_year=2018, latest_value=3.9, required_rate=0.1, probability=0.9, year_reached=2018)
    text = o.what_it_takes_zh()
    assert o.already_met and "需保持不高于4.0%" in text and "增加" not in text
    behind = Outlook("K13.unemployment", 2018, True, "", target_value=4.0, target_kind="ceiling", unit="%", direction="lower",
                     rate_kind="linear", latest_year=2018, latest_value=4.3, required_rate=-0.1, probability=0.3, year_reached=2021)
    assert not behind.already_met and "减少" in behind.what_it_takes_zh()


def test_a_strict_ceiling_is_kept_below_and_a_pace_that_gets_there_in_time_is_not_called_a_way_to_get_there():
    from kpitrack.analysis.outlook import Advice, Outlook

    o = Outlook("K14.unemployment", 2018, True, "", target_year=2020, target_value=5.0, target_kind="ceiling", unit="%",
                direction="lower", strict=True, latest_year=2018, latest_value=4.9, probability=0.3)
    assert o.already_met and o.advice == Advice.KEEP and "需保持低于5.0%" in o.what_it_takes_zh()
    at = Outlook("K14.unemployment", 2018, True, "", target_year=2020, target_value=5.0, target_kind="ceiling", unit="%",
                 direction="lower", strict=True, latest_year=2018, latest_value=5.0, probability=0.3)
    assert not at.already_met  # 5.0% is not below 5%
    slow = Outlook("K12.income", 2018, True, "", target_year=2020, target_value=63000, target_kind="level", unit="元",
                   latest_year=2018, latest_value=52000, probability=0.45, required_rate=0.1, best_rate=0.09, year_reached=2020)
    text = slow.what_it_takes_zh()
    assert "按目前速度2020年达到" not in text and "把握不足五成" in text


def _own(series: dict[str, dict[int, float]]):
    import kpitrack as kt
    import pandas as pd

    from kpitrack.data.own import dataset_from_figures
    from kpitrack.plan.catalogue import catalogue

    base = kt.figures("synthetic")
    rows = []
    for mid, vals in series.items():
        t = base[(base.measure_id == mid) & (base.region == "330100")].iloc[0].to_dict()
        for y, v in vals.items():
            rows.append({**t, "period": str(y), "year": y, "value": float(v)})
    cat = catalogue()
    return cat, dataset_from_figures(pd.DataFrame(rows), cat)


@pytest.mark.parametrize("mid,values", [("K14.unemployment", [5.0, 5.0, 5.0, 5.0]), ("K16.culture_area", [30, 30, 30, 30]),
                                        ("K14.unemployment", [4.4, 4.6, 4.8, 5.0]), ("K16.culture_area", [33, 32, 31, 30])])
def test_a_strict_bound_sitting_on_its_target_is_not_met_in_probability_nor_in_advice(mid, values):
    """"低于5%" and "超过30" with the latest figure on the bound: the forecast does not count the bound as
    met, the advice never asks for a change of 0 nor says it is reached, and the verdict keeps its rules."""
    from kpitrack.analysis.outlook import outlook
    from kpitrack.analysis.progress import assess_measure
    from kpitrack.analysis.verdict import check, verdict_of

    cat, ds = _own({mid: dict(zip(range(2015, 2019), values))})
    m = cat.measure(mid)
    o = outlook(m, ds, 2018)
    assert o.strict and not o.already_met
    if len(set(values)) == 1:
        assert o.probability < 0.5, o.probability  # flat on the bound: not met
    text = o.what_it_takes_zh()
    assert not re.search(r"需年均(增加|减少)0(\.0)?[^.\d]", text) and "2018年达到" not in text, text
    assert check(verdict_of(assess_measure(m, ds, 2018), o)) == []


def test_a_probability_that_is_not_a_number_judges_nothing():
    from kpitrack.analysis.outlook import Advice, Outlook, Prospect, probability_text

    o = Outlook("K14.unemployment", 2018, True, "", target_year=2020, target_value=5.0, target_kind="ceiling", unit="%",
                direction="lower", latest_year=2018, latest_value=6.0, probability=float("nan"))
    assert o.prospect == Prospect.UNKNOWN and o.advice == Advice.NONE and not o.likely_miss
    assert probability_text(float("nan")) == "—" and probability_text(float("inf")) == "—"


def test_a_fall_never_seen_is_said_as_a_fall_not_a_rise():
    m = measure(unit="人/亿元", direction="lower", end_value=0.05)
    o = outlook(m, obs(m.id, {2015: 0.06, 2016: 0.06, 2017: 0.06, 2018: 0.06}), 2018)  # flat: no year fell
    text = o.what_it_takes_zh()
    assert "需年均下降" in text and "以往各年均未见下降" in text and "未见增加" not in text, text
    assert "no year so far shows a fall" in o.what_it_takes_en()
    rising = outlook(measure(end_value=200), obs("K99.x", {2015: 100, 2016: 104, 2017: 110, 2018: 113}), 2018)
    assert "历史最好的一年增长5.8%" in rising.what_it_takes_zh() and "历史最好为年均" not in rising.what_it_takes_zh()
    up = outlook(measure(end_value=200), obs("K99.x", {2015: 100, 2016: 100, 2017: 100, 2018: 100}), 2018)
    assert "以往各年均未见增加" in up.what_it_takes_zh(), up.what_it_takes_zh()

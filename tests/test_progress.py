"""Status on hand-worked cases (numbers worked out by hand in the comments)."""

from __future__ import annotations

import pandas as pd
import pytest

from kpitrack.core.labels import Status
from kpitrack.analysis.progress import assess_measure, band, combine, growth

from .helpers import measure, obs


def test_band_cutoffs():
    assert band(0.95) == Status.ON_TRACK
    assert band(0.949) == Status.AT_RISK
    assert band(0.60) == Status.AT_RISK
    assert band(0.599) == Status.OFF_TRACK
    assert band(-0.2) == Status.OFF_TRACK


def test_growth_compound_and_linear():
    assert growth(100, 121, 2, "compound") == pytest.approx(0.10)
    assert growth(3.0, 3.2, 2, "linear") == pytest.approx(0.10)
    with pytest.raises(ValueError):
        growth(100, 110, 0, "compound")


def test_compound_level_exactly_on_pace_is_on_track():
    # 100 -> 161.051 in five years needs 10% a year; 100 -> 121 in two years is 10% a year: R = 1.0
    m = measure(end_value=161.051)
    st = assess_measure(m, obs(m.id, {2015: 100, 2017: 121}), 2018)
    assert st.status == Status.ON_TRACK
    assert st.ratio == pytest.approx(1.0, abs=1e-6)
    assert (st.base_year, st.latest_year) == (2015, 2017)


def test_compound_level_half_pace_is_off_track():
    # observed 100 -> 110.25 in two years = 5% a year; required 10%: R = 0.5 < 0.60
    m = measure(end_value=161.051)
    st = assess_measure(m, obs(m.id, {2015: 100, 2017: 110.25}), 2018)
    assert st.status == Status.OFF_TRACK
    assert st.ratio == pytest.approx(0.5, abs=1e-6)


def test_lower_is_better_pm25_at_risk():
    # 60 -> 54 in two years: CAGR -5.13%; 60 -> 42 in five years: -6.89%; R = 0.745 -> at risk
    m = measure(unit="μg/m³", direction="lower", end_value=42)
    st = assess_measure(m, obs(m.id, {2015: 60, 2017: 54}), 2018)
    expected = -((54 / 60) ** 0.5 - 1) / abs((42 / 60) ** 0.2 - 1)  # sign -1: lower is better
    assert st.ratio == pytest.approx(expected)
    assert 0.74 < st.ratio < 0.75
    assert st.status == Status.AT_RISK


def test_target_already_met_is_achieved():
    m = measure(unit="μg/m³", direction="lower", end_value=42)
    st = assess_measure(m, obs(m.id, {2015: 57, 2018: 40}), 2018)
    assert st.status == Status.ACHIEVED


def test_moving_away_is_off_track():
    m = measure(end_value=280, unit="天", growth_model="linear")
    st = assess_measure(m, obs(m.id, {2015: 250, 2018: 240}), 2018)
    assert st.status == Status.OFF_TRACK and st.ratio < 0


def test_linear_percentage_points_with_plan_implied_base():
    # implied base 3.0 (2015), target 3.5 (2020): +0.1 point a year needed; 3.1 in 2017 is +0.05/yr: R = 0.5
    m = measure(unit="%", growth_model="linear", end_value=3.5, implied_base=3.0)
    st = assess_measure(m, obs(m.id, {2017: 3.1}), 2018)
    assert st.base_year == 2015 and st.base_value == 3.0
    assert st.ratio == pytest.approx(0.5)
    assert st.status == Status.OFF_TRACK
    assert "规划推算" in st.reason_zh


def test_derived_figures_are_not_mixed_with_official_ones():
    # derived 2015 = 300 would make 269 look like decline; with no comparable official base the
    # single official point is compared with the year's trajectory (280): short by 3.9% -> at risk
    m = measure(unit="天", growth_model="linear", end_value=280, yearly=[((2017, 2018, 2019, 2020), "level", 280)])
    data = pd.concat([obs(m.id, {2015: 300}, quality="derived", method="daily-derived"), obs(m.id, {2018: 269})])
    st = assess_measure(m, data, 2018)
    assert st.method == "vs_trajectory"
    assert st.status == Status.AT_RISK
    assert st.base_year is None


def test_official_preferred_over_derived_in_the_same_year():
    m = measure(unit="μg/m³", direction="lower", end_value=42)
    data = pd.concat([obs(m.id, {2018: 37.4}, quality="derived", method="daily-derived"), obs(m.id, {2018: 44})])
    st = assess_measure(m, data, 2018)
    assert st.latest_value == 44 and st.latest_quality == "reported"


def test_as_of_hides_later_figures():
    m = measure(end_value=161.051)
    st = assess_measure(m, obs(m.id, {2015: 100, 2017: 121, 2019: 200}), 2018)
    assert st.latest_year == 2017


def test_ceiling_unemployment():
    m = measure(unit="%", direction="lower", growth_model="linear", end_kind="ceiling", end_value=5,
                yearly=[((2017, 2018, 2019, 2020), "ceiling", 5)], end_text="2020年调查失业率低于5%", yearly_text="调查失业率低于5%")
    early = assess_measure(m, obs(m.id, {2018: 4.2}), 2018)  # under the ceiling before the end year: met early, to be kept
    assert early.status == Status.ACHIEVED and "已提前达到2020年目标，需保持" in early.reason_zh
    assert assess_measure(m, obs(m.id, {2018: 5.0}), 2018).status == Status.OFF_TRACK  # "低于5%" is strict
    assert assess_measure(m, obs(m.id, {2020: 4.0}), 2020).status == Status.ACHIEVED


def test_a_ceiling_is_judged_by_the_years_own_ceiling_and_by_the_plans_words():
    """PM2.5 of 25.0 in 2018 under that year's ceiling of 26.5 (end target 不高于25 in 2020): on track;
    28 in 2018 is above the year's ceiling: lagging; 25.0 in 2020 meets 不高于25; 25.0 fails 低于25."""
    m = measure(unit="微克/立方米", direction="lower", growth_model="linear", end_kind="ceiling", end_value=25,
                yearly=[((2018,), "ceiling", 26.5), ((2019,), "ceiling", 25.8)], end_text="PM2.5平均浓度不高于25",
                yearly_text="不高于26.5")
    st = assess_measure(m, obs(m.id, {2018: 25.0}), 2018)
    assert st.status == Status.ON_TRACK and "不高于当年上限26.5" in st.reason_zh
    late = assess_measure(m, obs(m.id, {2018: 28.0}), 2018)
    assert late.status == Status.OFF_TRACK and "高于当年上限26.5" in late.reason_zh
    assert assess_measure(m, obs(m.id, {2020: 25.0}), 2020).status == Status.ACHIEVED
    strict = measure(unit="微克/立方米", direction="lower", growth_model="linear", end_kind="ceiling", end_value=25,
                     end_text="PM2.5平均浓度低于25")
    assert assess_measure(strict, obs(strict.id, {2020: 25.0}), 2020).status == Status.OFF_TRACK


def test_cumulative_housing():
    # plan: 43,949 (2016, the remainder) + 62,176 (2017) = 106,125 by 2017; done 50,000 + 50,000: R = 0.942
    m = measure(unit="套", value_type="flow", growth_model="linear", end_kind="cumulative", end_value=228000,
                end_years=(2016, 2017, 2018, 2019, 2020),
                yearly=[((2017,), "level", 62176), ((2018,), "level", 48903), ((2019,), "level", 41153), ((2020,), "level", 31819)])
    st = assess_measure(m, obs(m.id, {2016: 50000, 2017: 50000}), 2017)
    assert st.ratio == pytest.approx(100000 / 106125)
    assert st.status == Status.AT_RISK
    missing = assess_measure(m, obs(m.id, {2017: 50000}), 2017)
    assert missing.status == Status.INSUFFICIENT and "2016" in missing.reason_zh


def test_growth_rate_against_yearly_target():
    # GDP growth 7.0 against 7.5: R = 0.933 -> at risk
    m = measure(unit="%", value_type="rate", growth_model="linear", end_kind="none",
                yearly=[((2017,), "level", 8), ((2018, 2019, 2020), "average", 7.5)])
    st = assess_measure(m, obs(m.id, {2018: 7.0}), 2018)
    assert st.ratio == pytest.approx(7.0 / 7.5)
    assert st.status == Status.AT_RISK
    assert assess_measure(m, obs(m.id, {2018: 7.6}), 2018).status == Status.ON_TRACK


def test_no_numeric_target_is_its_own_status_with_the_plans_words():
    m = measure(end_kind="qualitative")
    st = assess_measure(m, obs(m.id, {2015: 1, 2018: 2}), 2018)
    assert st.status == Status.NO_TARGET and "量化目标" in st.reason_zh and "测试目标" in st.reason_zh
    # without figures either, it is still "no target", not "no data"
    assert assess_measure(m, obs(m.id, {}), 2018).status == Status.NO_TARGET


def test_kpi_without_target_and_kpi_without_data_are_counted_apart():
    from kpitrack.analysis.progress import combine

    no_target = assess_measure(measure(end_kind="qualitative"), obs("K99.x", {}), 2018)
    no_data = assess_measure(measure(end_value=100), obs("K99.x", {}), 2018)
    assert combine([no_target]) == Status.NO_TARGET
    assert combine([no_data]) == Status.INSUFFICIENT and "无实际数据" in no_data.reason_zh
    assert combine([no_target, no_data]) == Status.INSUFFICIENT  # a target is there; its figures are missing


def test_no_data_is_insufficient():
    m = measure(end_value=100)
    st = assess_measure(m, obs(m.id, {}), 2018)
    assert st.status == Status.INSUFFICIENT and "无实际数据" in st.reason_zh


def test_combine_takes_the_least_favourable_assessed_status():
    class S:
        def __init__(self, status):
            self.status = status
    assert combine([S(Status.ACHIEVED), S(Status.AT_RISK), S(Status.INSUFFICIENT)]) == Status.AT_RISK
    assert combine([S(Status.INSUFFICIENT)]) == Status.INSUFFICIENT


def test_bundled_hangzhou_status_2018(cat):
    from kpitrack.data.actuals import load_dataset
    from kpitrack.analysis.progress import assess

    result = {k.kpi_id: k for k in assess(cat, load_dataset("hangzhou", cat), 2018)}
    assert len(result) == 25
    # PM2.5 was 40 in 2018 (reported), below the 2020 target of 42
    assert result["K08"].status == Status.ACHIEVED
    # income: 42,642 (2015) -> 49,832 (2017) is 8.1% a year, the 8.1% needed for 63,000
    inc = result["K12"].measures[0]
    assert inc.status == Status.ON_TRACK
    assert inc.ratio == pytest.approx(((49832 / 42642) ** 0.5 - 1) / ((63000 / 42642) ** 0.2 - 1))


def test_a_status_on_an_older_figure_says_so_and_a_level_met_early_is_to_be_kept():
    m = measure(end_value=161.051)
    st = assess_measure(m, obs(m.id, {2015: 100, 2017: 121}), 2018)
    assert st.status == Status.ON_TRACK and st.reason_zh.endswith("（依据2017年数据，2018年数据尚缺）")
    early = assess_measure(m, obs(m.id, {2015: 100, 2018: 170}), 2018)
    assert early.status == Status.ACHIEVED and "已提前达到2020年目标值，需保持" in early.reason_zh
    assert "依据" not in early.reason_zh  # the year's own figure


def test_a_status_carries_its_reason_as_a_code_and_the_vocabulary_words_every_code(cat):
    """Reasons travel as codes with their facts; the words are made in one place (core.vocabulary),
    and every code a status of either bundled dataset carries has them."""
    from kpitrack.analysis.progress import assess
    from kpitrack.core.vocabulary import REASONS, status_reason_zh
    from kpitrack.data.actuals import load_dataset

    seen = set()
    for name in ("hangzhou", "synthetic"):
        ds = load_dataset(name, cat)
        for year in (2016, 2017, 2018, 2019, 2020):
            for ks in assess(cat, ds, year):
                for ms in ks.measures:
                    assert ms.reason in REASONS, ms.reason
                    assert ms.reason_zh == status_reason_zh(ms.reason, ms.facts) and ms.reason_zh
                    seen.add(ms.reason)
    assert len(seen) >= 8
    with pytest.raises(KeyError, match="no words"):
        status_reason_zh("not_a_code", {})


def test_a_short_level_says_how_far_in_the_unit_as_printed_and_relative():
    """‘差0.4%’ beside 20.32‰ and 20.4‰ read as a percentage of the figure: the gap is given in the
    unit, as the difference of the two figures as printed, and then relative to the target."""
    from kpitrack.core.vocabulary import status_reason_zh

    text = status_reason_zh("level_short", {"years": [2017], "value": 20.32, "target": 20.4, "unit": "‰",
                                            "text": "占全国比重达20.4‰", "gap": 0.08 / 20.4})
    assert "相差0.08‰（相对差距0.4%）" in text, text
    text = status_reason_zh("level_short", {"years": [2018], "value": 84.6, "target": 85.0, "unit": "%", "gap": 0.4 / 85})
    assert "相差0.4个百分点" in text, text


def test_a_path_bent_by_stated_yearly_levels_judges_the_year_by_its_own_level():
    # PM2.5: 55 in 2015, the plan's stated 49 for 2018 and 42 for 2020. 48.2 in 2018 beats the year's
    # level; against the straight pace to 42 it would read 83% (at risk) beside a figure below the path.
    m = measure(unit="μg/m³", direction="lower", end_value=42, yearly=[((2018,), "level", 49)])
    st = assess_measure(m, obs(m.id, {2015: 55, 2018: 48.2}), 2018)
    assert (st.trajectory_value, st.trajectory_year) == (49, 2018)
    expected = -((48.2 / 55) ** (1 / 3) - 1) / abs((49 / 55) ** (1 / 3) - 1)  # rate of decline against the path's
    assert st.ratio == pytest.approx(expected) and st.ratio > 1
    assert st.status == Status.ON_TRACK
    assert "2018年轨迹值49.0μg/m³" in st.reason_zh
    # just above the year's level: short of the path, and said against the path
    st = assess_measure(m, obs(m.id, {2015: 55, 2018: 51.5}), 2018)
    assert st.status != Status.ON_TRACK and "轨迹值49.0" in st.reason_zh


def test_a_straight_path_reads_as_the_pace_to_the_end_target():
    m = measure(end_value=161.051)
    st = assess_measure(m, obs(m.id, {2015: 100, 2017: 121}), 2018)
    assert "轨迹值" not in st.reason_zh and st.trajectory_year == 2017


def test_a_later_year_without_a_number_leaves_the_row_on_the_year_judged():
    # 2017 has 7.5%, 2018 only 完成市政府下达指标: the row shows 2017 and the words say what 2018 was
    m = measure(unit="%", value_type="rate", growth_model="linear", end_kind="qualitative",
                yearly=[((2017,), "level", 7.5), ((2018, 2019, 2020), "assigned", None)])
    st = assess_measure(m, obs(m.id, {2017: 7.2, 2018: 8.8}), 2018)
    assert (st.latest_year, st.latest_value, st.trajectory_year, st.trajectory_value) == (2017, 7.2, 2017, 7.5)
    assert "2018年实际8.8%" in st.reason_zh and "未列数值" in st.reason_zh and "尚缺" not in st.reason_zh


@pytest.mark.parametrize("dataset", ["synthetic", "hangzhou"])
def test_no_status_contradicts_the_figure_and_trajectory_shown_beside_it(cat, dataset):
    """A figure at or beyond the trajectory value of its own year is never 存在风险 or 严重滞后; a
    judged figure is always shown beside the trajectory value of the same year."""
    from kpitrack.analysis.progress import assess, meets
    from kpitrack.data.actuals import load_dataset

    ds = load_dataset(dataset, cat)
    seen = 0
    for year in range(2016, 2021):
        for ks in assess(cat, ds, year):
            for ms in ks.measures:
                if ms.status not in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK) or ms.trajectory_value is None:
                    continue
                m = cat.measure(ms.measure_id)
                assert ms.trajectory_year == min(ms.latest_year, 2020) or ms.method == "cumulative", ms
                if meets(ms.latest_value, ms.trajectory_value, m.direction) and ms.method != "moved_away":
                    seen += 1
                    assert ms.status == Status.ON_TRACK, (year, ms)
    assert seen > 0

"""The final evaluation: outcomes on hand-worked figures, the retrospective, and the rendered report."""

from __future__ import annotations

import re
import subprocess

import pandas as pd
import pytest

from kpitrack.analysis.final import (ACHIEVED, INSUFFICIENT, MISSED, NO_TARGET, calibration_summary, combine_outcomes,
                                     final_outcome, retrospective)
from kpitrack.data.actuals import Dataset
from tests.helpers import measure, obs


def test_level_target_met_and_missed():
    m = measure(end_kind="level", end_value=100)
    assert final_outcome(m, obs(m.id, {2019: 90, 2020: 101})).outcome == ACHIEVED
    o = final_outcome(m, obs(m.id, {2019: 120, 2020: 99}))
    assert o.outcome == MISSED and o.value == 99 and "2020年实际99" in o.reason_zh  # judged on 2020, not the best year


def test_no_2020_figure_is_not_enough():
    m = measure(end_kind="level", end_value=100)
    o = final_outcome(m, obs(m.id, {2018: 150, 2019: 160}))
    assert o.outcome == INSUFFICIENT and o.reason_zh == "缺2020年数据"


def test_lower_is_better_and_ceiling():
    pm = measure(end_kind="level", end_value=42, direction="lower", unit="μg/m³")
    assert final_outcome(pm, obs(pm.id, {2020: 29.8})).outcome == ACHIEVED
    cap = measure(end_kind="ceiling", end_value=5, direction="lower", unit="%")
    assert final_outcome(cap, obs(cap.id, {2020: 5.0})).outcome == MISSED  # "低于5%": strictly below
    assert final_outcome(cap, obs(cap.id, {2020: 4.9})).outcome == ACHIEVED


def test_about_counts_within_two_percent():
    m = measure(end_kind="level", end_value=90)
    m = m.__class__(**{**m.__dict__, "end_target": m.end_target.__class__(2020, "level", "90左右", 90, (), approx=True)})
    assert final_outcome(m, obs(m.id, {2020: 88.5})).outcome == ACHIEVED  # 1.7% short
    assert final_outcome(m, obs(m.id, {2020: 72})).outcome == MISSED


def test_cumulative_needs_every_year_and_sums():
    m = measure(end_kind="cumulative", end_value=22.8, end_years=range(2016, 2021), unit="万套")
    full = {2016: 5, 2017: 5, 2018: 5, 2019: 4, 2020: 4}
    o = final_outcome(m, obs(m.id, full))
    assert o.outcome == ACHIEVED and o.value == 23
    gap = final_outcome(m, obs(m.id, {k: v for k, v in full.items() if k != 2018}))
    assert gap.outcome == INSUFFICIENT and "2018" in gap.reason_zh


def test_average_rate_over_the_window():
    m = measure(end_kind="average", end_value=7.5, end_years=(2018, 2019, 2020), unit="%", value_type="rate")
    o = final_outcome(m, obs(m.id, {2018: 7.0, 2019: 6.8, 2020: 3.9}))
    assert o.outcome == MISSED and o.value == pytest.approx(5.9)


def test_yearly_target_of_2020_judges_a_measure_without_end_value():
    m = measure(end_kind="none", yearly=[((2018, 2019, 2020), "average", 7.5)], unit="%")
    assert final_outcome(m, obs(m.id, {2018: 8, 2019: 8, 2020: 7})).outcome == ACHIEVED
    plain = measure(end_kind="none")
    assert final_outcome(plain, obs(plain.id, {2020: 1})).outcome == NO_TARGET  # 无量化目标, never 数据不足
    assert final_outcome(measure(end_value=5), obs(plain.id, {})).outcome == INSUFFICIENT
    assert combine_outcomes([final_outcome(plain, obs(plain.id, {}))]) == NO_TARGET


def test_kinds_of_figures_are_never_mixed():
    m = measure(end_kind="cumulative", end_value=10, end_years=(2019, 2020))
    mixed = pd.concat([obs(m.id, {2019: 6}), obs(m.id, {2020: 6}, method="daily-derived", quality="derived")])
    assert final_outcome(m, mixed).outcome == INSUFFICIENT  # 2019 official + 2020 derived: no judgement
    derived = pd.concat([obs(m.id, {2020: 6}), obs(m.id, {2019: 6, 2020: 5}, method="daily-derived", quality="derived")])
    o = final_outcome(m, derived)  # official 2020 only: the derived years are context and never stand in for it
    assert o.outcome == INSUFFICIENT and "2019" in o.reason_zh
    only_derived = obs(m.id, {2019: 6, 2020: 5}, method="daily-derived", quality="derived")
    o = final_outcome(m, only_derived)  # no published figure at all: the derived series is the measure's
    assert o.outcome == ACHIEVED and o.method == "daily-derived" and o.value == 11


def test_combined_kpi_outcome():
    from kpitrack.analysis.final import FinalOutcome

    def fo(x):
        return FinalOutcome("K99.a", "K99", x, "")
    assert combine_outcomes([fo(ACHIEVED), fo(INSUFFICIENT)]) == ACHIEVED
    assert combine_outcomes([fo(ACHIEVED), fo(MISSED)]) == MISSED
    assert combine_outcomes([fo(INSUFFICIENT)]) == INSUFFICIENT


def _ds(observations: pd.DataFrame) -> Dataset:
    return Dataset("t", "测试", "test", False, "", observations, pd.DataFrame())


def test_retrospective_sets_the_2018_forecast_against_2020():
    class Cat:
        measures = [measure("K99.x", end_kind="level", end_value=130)]
    history = {2015: 100, 2016: 104, 2017: 108, 2018: 112}
    then = _ds(obs("K99.x", history))
    now = _ds(obs("K99.x", {**history, 2019: 116, 2020: 135}))
    r = retrospective(Cat, then, now, 2018)
    row = r.iloc[0]
    assert row["actual"] == 135 and row["outcome"] == ACHIEVED
    assert row["lower"] < row["forecast"] < row["upper"]
    assert row["inside"] == (row["lower"] <= 135 <= row["upper"])
    assert 0 <= row["probability"] <= 1
    c = calibration_summary(r)
    assert c.compared == 1 and c.judged == 1 and c.brier == pytest.approx((row["probability"] - 1) ** 2)
    assert "1个子指标" in c.text_zh()


def test_calibration_counts_foreseen_misses():
    r = pd.DataFrame({"actual": [1.0, 2.0, None], "inside": [True, False, None], "probability": [0.2, 0.9, 0.4],
                      "outcome": [MISSED, MISSED, INSUFFICIENT]})
    c = calibration_summary(r)
    assert (c.compared, c.inside, c.judged, c.missed, c.foreseen_misses) == (2, 1, 2, 2, 1)
    assert c.brier == pytest.approx((0.2**2 + 0.9**2) / 2)


@pytest.mark.parametrize("params_file,formats", [("params/final-2020.yaml", "html,pdf"), ("params/final-2020-synthetic.yaml", "html")])
def test_final_report_renders(tmp_path, params_file, formats):
    from kpitrack.core.paths import repo_root
    from kpitrack.publish.runs.run import run

    result = run(repo_root() / params_file, formats=tuple(formats.split(",")), renderer="fallback", reports_dir=tmp_path)
    page = result.outputs["html"].read_text(encoding="utf-8")
    assert "终期评估报告" in page and "四、中期评估的预测与实际" in page and "五、经验启示" in page
    assert "2018年中期评估" in page
    if "synthetic" in params_file:
        assert "合成数据" in page and "80%预测区间" in page
    else:  # no forecast the real mid-term printed has a 2020 figure of its kind: said, not scored;
        # the KPIs whose 2020 figures are in the shared data get a final status
        assert "无法检验预测" in page
        for name in ("细颗粒物", "实际利用外资金额"):
            assert re.search(name + r".*?(未实现|实现)", page, re.S), name
        pdf = result.outputs["pdf"]
        text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
        assert "终期评估" in text and "未实现" in text


def test_the_digits_that_decide_are_shown():
    from kpitrack.analysis.final import deciding_digits

    assert deciding_digits(5.02, 5, "%") == ("5.02%", "5.00%")  # not "5.0% against 5.0%, 未达到"
    assert deciding_digits(5.0, 5, "%") == ("5.0%", "5.0%") and deciding_digits(6.2, 7.5, "%") == ("6.2%", "7.5%")
    m = measure(end_kind="ceiling", end_value=5, unit="%", direction="lower")
    o = final_outcome(m, obs(m.id, {2020: 5.02}))
    assert o.outcome == MISSED and "5.02%" in o.reason_zh


def test_the_overall_share_names_its_base_as_the_counts_table_does():
    from kpitrack.publish.content import final_report as fr

    fe = fr.evaluate_final("synthetic")
    text = fr.overall(fe)
    table = fr.outcome_counts(fe)
    shares = dict(zip(table.iloc[:, 0], table["占比"]))
    found = re.search(r"实现(\d+)项（占可作判断的(\d+)%）", text)
    assert found, text
    judged = int(re.search(r"可作判断的(\d+)项", text)[1])
    assert round(100 * int(found[1]) / judged) == int(found[2])
    assert shares["实现"] != f"{found[2]}%"  # the table's share is of all KPIs: the text says its base

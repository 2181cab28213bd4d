"""Trajectories derived from the plan's yearly targets."""

from __future__ import annotations

import math

import pytest

from kpitrack.plan.trajectory import cumulative_trajectory, trajectory


def test_pm25_uses_the_stated_yearly_levels(cat):
    t = trajectory(cat.measure("K08.pm25"), base_value=57.0)
    assert t[2017] == 51 and t[2018] == 49 and t[2019] == 47 and t[2020] == 42
    assert t[2015] == 57
    assert t[2016] == pytest.approx(math.sqrt(57 * 51))  # compound interpolation


def test_linear_path_from_plan_implied_base(cat):
    t = trajectory(cat.measure("K05.rd_share"))
    assert t.round(6).tolist() == [3.0, 3.1, 3.2, 3.3, 3.4, 3.5]


def test_compound_path_from_actual_base(cat):
    t = trajectory(cat.measure("K12.income"), base_value=42642)
    r = (63000 / 42642) ** 0.2
    assert t[2018] == pytest.approx(42642 * r**3)


def test_backcast_from_end_target_along_stated_growth(cat):
    t = trajectory(cat.measure("K24.inbound_tourists"))
    assert t[2020] == 435
    assert t[2018] == pytest.approx(435 / 1.04**2)
    assert math.isnan(t[2015])


def test_housing_flows_and_remainder(cat):
    m = cat.measure("K13.housing_completed")
    t = trajectory(m)
    assert t[2016] == 228000 - (62176 + 48903 + 41153 + 31819)
    assert cumulative_trajectory(m)[2020] == 228000


def test_rate_measure_takes_the_stated_rates(cat):
    t = trajectory(cat.measure("K01.gdp_growth"))
    assert math.isnan(t[2016]) and t[2017] == 8 and t[2018] == 7.5 and t[2020] == 7.5


def test_ceiling_is_the_bound_each_year(cat):
    t = trajectory(cat.measure("K14.unemployment"))
    assert t.loc[2017:].tolist() == [5, 5, 5, 5]
    assert math.isnan(t[2016])


def test_every_measure_has_a_trajectory_or_no_numeric_target(cat):
    for m in cat.measures:
        t = trajectory(m)
        numeric = m.end_target.value is not None or any(y.value is not None for y in m.yearly_targets)
        assert t.notna().any() == numeric, m.id

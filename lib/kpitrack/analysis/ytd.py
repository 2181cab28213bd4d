"""Year-end estimates for monthly year-to-date (YTD) measures, from the months so far and the
seasonal shares of earlier years.

For a cumulative YTD figure (fiscal revenue, investment, good-air days so far) the year-end total
is the YTD figure divided by the share of the year-end total that earlier years had reached by the
same month; for a YTD average (PM2.5 mean so far) the same on the ratio of year mean to YTD mean.
The interval is a t-based prediction interval on the log of that ratio across earlier years.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


def t_quantile(df: int, level: float) -> float:
    """The t quantile q with P(|T| <= q) = ``level`` for ``df`` (an integer >= 1) degrees of freedom.

    Exact series for the t distribution with integer degrees of freedom (Abramowitz & Stegun
    26.7.3-4) inverted by bisection: the bulletins need it in every kernel, and scipy.stats takes
    a second to import. Agrees with ``scipy.stats.t.ppf((1 + level) / 2, df)`` to 1e-9 (tested).
    """
    if df < 1 or int(df) != df:
        raise ValueError(f"degrees of freedom must be a whole number >= 1, got {df}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    df = int(df)

    def central(x: float) -> float:  # P(|T| <= x)
        theta = math.atan(x / math.sqrt(df))
        c, s = math.cos(theta), math.sin(theta)
        if df % 2:
            term, total = c, c if df > 1 else 0.0
            for k in range(3, df - 1, 2):
                term *= (k - 1) / k * c * c
                total += term
            return 2 / math.pi * (theta + s * total)
        term = total = 1.0
        for k in range(2, df - 1, 2):
            term *= (k - 1) / k * c * c
            total += term
        return s * total

    lo, hi = 0.0, 1.0
    while central(hi) < level:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if central(mid) < level:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2


@dataclass(frozen=True)
class YearEndEstimate:
    year: int
    month: int
    ytd: float
    estimate: float
    lower: float
    upper: float
    level: float
    n_years: int


def year_end_estimate(ytd: pd.DataFrame, year: int, month: int, level: float = 0.8) -> YearEndEstimate:
    """Estimate the year-end value of ``year`` from its YTD value at ``month``.

    Parameters
    ----------
    ytd
        YTD values, index = year, columns = months 1..12 (month 12 is the year-end value).
        Earlier complete years give the seasonal pattern.
    year, month
        The year to estimate and the last month with data.

    Raises
    ------
    ValueError
        If the month is outside 1-12, the YTD value is missing, or fewer than 2 earlier complete
        years have both that month and December.
    """
    current, past_month, past_december = _history(ytd, year, month, level)
    return estimate_ratio(current, past_month, past_december, year, month, level)


def _history(ytd: pd.DataFrame, year: int, month: int, level: float) -> tuple[float, np.ndarray, np.ndarray]:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12, got {month}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    try:
        current = float(ytd.loc[year, month])
    except KeyError:
        raise ValueError(f"no YTD value for {year}-{month:02d}") from None
    past = ytd[(ytd.index < year)][[month, 12]].dropna()
    return current, past[month].to_numpy(dtype=float), past[12].to_numpy(dtype=float)


def estimate_ratio(current: float, past_month: np.ndarray, past_december: np.ndarray, year: int, month: int,
                   level: float = 0.8) -> YearEndEstimate:
    """The core of :func:`year_end_estimate` on arrays: this year's YTD value, and the YTD values
    at ``month`` and in December of earlier years (pairs with a missing value already dropped)."""
    if not math.isfinite(current) or current <= 0:
        raise ValueError(f"the YTD value for {year}-{month:02d} must be a positive number, got {current}")
    if month == 12:
        return YearEndEstimate(year, month, current, current, current, current, level, 0)
    ok = (past_month > 0) & (past_december > 0)
    if ok.sum() < 2:
        raise ValueError(f"need at least 2 earlier complete years with month {month} and December, got {int(ok.sum())}")
    r = np.log(past_december[ok] / past_month[ok])
    k = len(r)
    mean, sd = float(r.mean()), float(r.std(ddof=1))
    half = t_quantile(k - 1, level) * sd * math.sqrt(1 + 1 / k)
    return YearEndEstimate(year, month, current, current * math.exp(mean), current * math.exp(mean - half),
                           current * math.exp(mean + half), level, k)


def year_end_estimate_rate(ytd: pd.DataFrame, year: int, month: int, level: float = 0.8) -> YearEndEstimate:
    """Estimate the year's growth rate from the growth so far (a year-to-date rate, in %).

    Rates are not ratios of totals, so the seasonal pattern is additive: the estimate is the rate
    so far plus the mean change from ``month`` to December in earlier years, with a t-based
    prediction interval on those changes.

    Raises
    ------
    ValueError
        As :func:`year_end_estimate`, for a missing or non-finite rate or too few earlier years.
    """
    current, past_month, past_december = _history(ytd, year, month, level)
    return estimate_additive(current, past_month, past_december, year, month, level)


def estimate_additive(current: float, past_month: np.ndarray, past_december: np.ndarray, year: int, month: int,
                      level: float = 0.8) -> YearEndEstimate:
    """The core of :func:`year_end_estimate_rate` on arrays (see :func:`estimate_ratio`)."""
    if not math.isfinite(current):
        raise ValueError(f"the YTD rate for {year}-{month:02d} must be a number, got {current}")
    if month == 12:
        return YearEndEstimate(year, month, current, current, current, current, level, 0)
    if len(past_month) < 2:
        raise ValueError(f"need at least 2 earlier complete years with month {month} and December, got {len(past_month)}")
    d = past_december - past_month
    k = len(d)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    half = t_quantile(k - 1, level) * sd * math.sqrt(1 + 1 / k)
    return YearEndEstimate(year, month, current, current + mean, current + mean - half, current + mean + half, level, k)

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
from scipy import stats


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
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12, got {month}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    try:
        current = float(ytd.loc[year, month])
    except KeyError:
        raise ValueError(f"no YTD value for {year}-{month:02d}") from None
    if not math.isfinite(current) or current <= 0:
        raise ValueError(f"the YTD value for {year}-{month:02d} must be a positive number, got {current}")
    if month == 12:
        return YearEndEstimate(year, month, current, current, current, current, level, 0)
    past = ytd[(ytd.index < year)][[month, 12]].dropna()
    past = past[(past[month] > 0) & (past[12] > 0)]
    if len(past) < 2:
        raise ValueError(f"need at least 2 earlier complete years with month {month} and December, got {len(past)}")
    r = np.log(past[12] / past[month]).to_numpy()
    k = len(r)
    mean, sd = float(r.mean()), float(r.std(ddof=1))
    half = stats.t.ppf((1 + level) / 2, k - 1) * sd * math.sqrt(1 + 1 / k)
    return YearEndEstimate(year, month, current, current * math.exp(mean), current * math.exp(mean - half),
                           current * math.exp(mean + half), level, k)

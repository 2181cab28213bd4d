"""Synthetic suites of short yearly series, for calibrating and testing the forecaster.

The generator mixes the shapes yearly indicators take: compound growth with drifting growth
rates (money, people), linear trends in percentages, mean-reverting rates, trend breaks, flat
series. It is synthetic by construction; nothing here is real data.
"""

from __future__ import annotations

import numpy as np

KINDS = ("compound", "linear", "rate", "break", "flat")


def simulate_series(rng: np.random.Generator, length: int, kind: str | None = None) -> np.ndarray:
    """One series of ``length`` yearly values."""
    kind = kind or str(rng.choice(KINDS, p=[0.35, 0.25, 0.2, 0.15, 0.05]))
    t = np.arange(length)
    if kind == "compound":
        level0 = rng.uniform(10, 10000)
        g = rng.normal(0.07, 0.04)
        growth = np.empty(length)
        phi, sd_g, sd_e = rng.uniform(0.3, 0.9), rng.uniform(0.005, 0.03), rng.uniform(0.002, 0.04)
        for i in range(length):
            g = g * phi + (1 - phi) * rng.normal(0.07, 0.03) + rng.normal(0, sd_g)
            growth[i] = g
        y = level0 * np.exp(np.cumsum(growth) + rng.normal(0, sd_e, length))
    elif kind == "linear":
        y = rng.uniform(5, 90) + rng.normal(0.6, 0.8) * t + np.cumsum(rng.normal(0, rng.uniform(0.05, 0.8), length))
    elif kind == "rate":
        mu, phi, sd = rng.uniform(2, 12), rng.uniform(0.2, 0.9), rng.uniform(0.3, 2.0)
        y = np.empty(length)
        y[0] = mu + rng.normal(0, sd)
        for i in range(1, length):
            y[i] = mu + phi * (y[i - 1] - mu) + rng.normal(0, sd)
    elif kind == "break":
        k = int(rng.integers(2, max(3, length)))
        slope1, slope2 = rng.normal(2, 1.5), rng.normal(0.5, 2.0)
        y = rng.uniform(50, 500) + np.where(t < k, slope1 * t, slope1 * k + slope2 * (t - k))
        y = y + rng.normal(0, rng.uniform(0.2, 3.0), length)
    else:
        y = np.full(length, rng.uniform(1, 100)) + rng.normal(0, 1e-9, length) * 0
    return y.astype(float)


def simulate_suite(n_series: int, lengths: range | list[int], horizon: int, seed: int) -> list[np.ndarray]:
    """``n_series`` series of a random length in ``lengths`` plus ``horizon`` years to check against."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_series):
        n = int(rng.choice(list(lengths)))
        out.append(simulate_series(rng, n + horizon))
    return out

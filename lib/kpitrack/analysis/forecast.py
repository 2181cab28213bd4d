"""Forecasts for short yearly series (3 to 10 points), with calibrated prediction intervals.

Public, stable: :func:`forecast`. The point forecast is a weighted combination of Theta
(statsmodels ``ThetaModel``), a damped drift, the drift method and, from 6 points on, damped
additive-trend exponential smoothing (statsmodels ``ETSModel``). Positive growing series are
modelled on the log scale. Every member forecast is guarded: a member whose forecast is not
finite or leaves a plausible band around the history (an "exploding" ETS fit) is dropped.
With 6 or more points, members are weighted by the inverse of their rolling-origin backtest mean
squared errors, shrunk 30% toward equal weights; otherwise they weigh equally.

Intervals are not the models' own (statsmodels' Theta intervals cover far less than their level
on short series): they come from the empirical distribution of forecast errors, scaled by the
series' mean absolute yearly change, that the same forecaster made on a simulated suite of short
yearly series, by horizon and length (``forecast_calibration.json``, made by
:func:`build_calibration`).
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

CALIBRATION_FILE = Path(__file__).with_name("forecast_calibration.json")
PROBS = np.round(np.arange(0.005, 1.0, 0.005), 3)
MAX_N, MAX_H = 10, 10
DAMPING = 0.85
SHRINK = 0.3  # share of equal weights kept when members are weighted by their backtest errors


# --------------------------------------------------------------------------- members

def _naive(z: np.ndarray, h: int) -> np.ndarray:
    return np.full(h, z[-1])


def _drift(z: np.ndarray, h: int) -> np.ndarray:
    slope = (z[-1] - z[0]) / (len(z) - 1)
    return z[-1] + slope * np.arange(1, h + 1)


def _damped_drift(z: np.ndarray, h: int) -> np.ndarray:
    slope = (z[-1] - z[0]) / (len(z) - 1)
    return z[-1] + slope * np.cumsum(DAMPING ** np.arange(1, h + 1))


def _theta(z: np.ndarray, h: int) -> np.ndarray:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ThetaModel(z, period=1, deseasonalize=False).fit()
        return np.asarray(res.forecast(h), dtype=float)


def _ets_damped(z: np.ndarray, h: int) -> np.ndarray:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(z, error="add", trend="add", damped_trend=True).fit(disp=False)
        return np.asarray(res.forecast(h), dtype=float)


MEMBERS = {"theta": _theta, "damped": _damped_drift, "drift": _drift, "ets": _ets_damped}
MIN_POINTS = {"theta": 3, "damped": 3, "drift": 3, "ets": 6}


def plausible(f: np.ndarray, z: np.ndarray) -> bool:
    """A member forecast is plausible when finite and within a band that widens by three times the
    largest yearly change of the history per step (this catches exploding ETS fits)."""
    if not np.all(np.isfinite(f)):
        return False
    step = max(float(np.max(np.abs(np.diff(z)))), 1e-9 * max(1.0, abs(float(z[-1]))))
    band = 3 * step * np.arange(1, len(f) + 1) + 1e-9
    return bool(np.all(np.abs(f - z[-1]) <= band))


def _members(z: np.ndarray, h: int) -> dict[str, np.ndarray]:
    """Member forecasts for ``h`` steps. Plausibility is always judged over at least MAX_H steps,
    so that which members take part does not depend on the horizon asked for."""
    if np.ptp(z) == 0:  # a flat history stays flat
        return {"naive": _naive(z, h)}
    steps = max(h, MAX_H)
    out = {}
    for name, fn in MEMBERS.items():
        if len(z) < MIN_POINTS[name]:
            continue
        try:
            f = fn(z, steps)
        except Exception:  # a failed fit is as good as an exploded one: drop the member
            continue
        if plausible(f, z):
            out[name] = f[:h]
    return out or {"naive": _naive(z, h)}


def _weights(z: np.ndarray, names: list[str]) -> dict[str, float]:
    equal = {k: 1 / len(names) for k in names}
    n = len(z)
    if n < 6:
        return equal
    errors = {k: [] for k in names}
    for origin in range(max(4, n - 3), n):
        train, test = z[:origin], z[origin:]
        fs = _members(train, len(test))
        for k in names:
            if k in fs:
                errors[k].extend(np.abs(fs[k] - test))
    inv = {k: 1 / (np.mean(np.square(v)) + 1e-12) for k, v in errors.items() if v}
    if not inv:
        return equal
    total = sum(inv.values())
    return {k: SHRINK * equal[k] + (1 - SHRINK) * inv.get(k, 0) / total for k in names}


# --------------------------------------------------------------------------- calibration

@lru_cache(maxsize=1)
def _calibration() -> dict:
    try:
        doc = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(f"forecast calibration missing: {CALIBRATION_FILE}; run `kpitrack calibrate`") from None
    return {"probs": np.asarray(doc["probs"]), "table": {int(n): {int(h): np.asarray(q) for h, q in hs.items()}
                                                          for n, hs in doc["table"].items()}}


def _error_quantiles(n: int, h: int) -> np.ndarray:
    cal = _calibration()
    table = cal["table"]
    nn = min(max(n, min(table)), MAX_N)
    hh = min(h, MAX_H)
    q = table[nn][hh]
    if h > MAX_H:  # beyond the table: widen like a random walk
        q = q * math.sqrt(h / MAX_H)
    return q


# --------------------------------------------------------------------------- the forecaster

@dataclass(frozen=True)
class ForecastDistribution:
    """The forecast of each future year as a distribution (on the model scale inside)."""

    years: pd.Index
    center: np.ndarray  # model-scale point forecasts
    scale: float  # mean absolute yearly change of the history, model scale
    log: bool
    n: int
    steps: np.ndarray  # steps ahead of the last observed year
    weights: dict

    def _back(self, v: np.ndarray) -> np.ndarray:
        return np.exp(v) if self.log else v

    @property
    def mean(self) -> np.ndarray:
        """Point forecast (the median on the log scale, back-transformed)."""
        return self._back(self.center)

    def quantile(self, p: float) -> np.ndarray:
        cal = _calibration()["probs"]
        return self._back(np.array([c + np.interp(p, cal, _error_quantiles(self.n, int(s))) * self.scale
                                    for c, s in zip(self.center, self.steps)]))

    def cdf(self, value: float, index: int) -> float:
        """P(outcome <= value) in year ``years[index]``."""
        if self.log:
            if value <= 0:
                return 0.0
            value = math.log(value)
        q = _error_quantiles(self.n, int(self.steps[index]))
        if self.scale <= 0:
            return float(value >= self.center[index])
        e = (value - self.center[index]) / self.scale
        return float(np.interp(e, q, _calibration()["probs"], left=0.0, right=1.0))


def _prepare(history: pd.Series) -> pd.Series:
    if not isinstance(history, pd.Series):
        raise TypeError("history must be a pandas Series indexed by year")
    idx = history.index
    if len(idx) == 0 or not all(isinstance(i, (int, np.integer)) for i in idx):
        raise ValueError("history must be indexed by integer years")
    years = np.asarray(idx, dtype=int)
    if np.any(np.diff(years) != 1):
        raise ValueError("history must be indexed by consecutive years (use NaN for a missing year)")
    y = pd.to_numeric(history, errors="coerce").astype(float)
    y.index = pd.Index(years, name="year")
    return y


def forecast_distribution(history: pd.Series, horizon: int) -> ForecastDistribution:
    """The forecast of the ``horizon`` years after the history's last year, as a distribution."""
    y = _prepare(history)
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be a positive integer, got {horizon!r}")
    obs = y.dropna()
    if len(obs) < 3:
        raise ValueError(f"at least 3 observed points are needed to forecast, got {len(obs)}")
    log = bool((obs > 0).all() and obs.iloc[-1] > obs.iloc[0])
    z = np.log(obs) if log else obs
    z = z.reindex(range(int(obs.index[0]), int(obs.index[-1]) + 1)).interpolate()  # inner gaps
    zv = z.to_numpy()
    trailing = int(y.index[-1] - obs.index[-1])  # years after the last observation, still to come
    steps_total = trailing + horizon
    members = _members(zv, steps_total)
    weights = _weights(zv, list(members))
    center = sum(w * members[k] for k, w in weights.items())
    scale = float(np.mean(np.abs(np.diff(zv))))
    years = pd.Index(range(int(y.index[-1]) + 1, int(y.index[-1]) + horizon + 1), name="year")
    return ForecastDistribution(years, np.asarray(center[trailing:]), scale, log, len(obs),
                                np.arange(trailing + 1, steps_total + 1), weights)


def forecast(history: pd.Series, horizon: int, level: float = 0.8) -> pd.DataFrame:
    """Forecast the ``horizon`` years after ``history``.

    Parameters
    ----------
    history
        Float series indexed by consecutive integer years; missing years as NaN.
    horizon
        How many years after the last year of ``history`` to forecast.
    level
        Coverage of the central prediction interval (0 < level < 1).

    Returns
    -------
    DataFrame indexed by year, columns ``mean``, ``lower``, ``upper``.

    Raises
    ------
    ValueError
        With fewer than 3 observed points, years that are not consecutive, or a bad horizon/level.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    dist = forecast_distribution(history, horizon)
    lo, hi = (1 - level) / 2, (1 + level) / 2
    return pd.DataFrame({"mean": dist.mean, "lower": dist.quantile(lo), "upper": dist.quantile(hi)}, index=dist.years)


# --------------------------------------------------------------------------- calibration builder

def scaled_errors(series: list[np.ndarray], lengths: range, horizon: int) -> dict[int, dict[int, list[float]]]:
    """Forecast errors divided by the history's scale, by history length and step."""
    out: dict[int, dict[int, list[float]]] = {n: {h: [] for h in range(1, horizon + 1)} for n in lengths}
    for s in series:
        n = len(s) - horizon
        hist = pd.Series(s[:n], index=range(2000, 2000 + n))
        dist = forecast_distribution(hist, horizon)
        # a log-scale forecast whose truth turns non-positive missed badly: keep it as a large error
        truth = np.log(np.maximum(s[n:], 1e-12)) if dist.log else s[n:]
        sc = dist.scale if dist.scale > 0 else 1.0
        for h in range(1, horizon + 1):
            out[min(n, MAX_N)][h].append(float((truth[h - 1] - dist.center[h - 1]) / sc))
    return out


def build_calibration(n_per_length: int = 400, seed: int = 7) -> dict:
    """Simulate short series of every length 3..10, forecast 10 years, keep error quantiles."""
    from .simulate import simulate_series

    rng = np.random.default_rng(seed)
    lengths = range(3, MAX_N + 1)
    series = [simulate_series(rng, n + MAX_H) for n in lengths for _ in range(n_per_length)]
    errs = scaled_errors(series, lengths, MAX_H)
    table = {str(n): {str(h): np.quantile(np.asarray(v), PROBS).round(4).tolist() for h, v in hs.items()}
             for n, hs in errs.items()}
    return {"about": "kpitrack.forecast calibration: quantiles of scaled forecast errors on a simulated suite "
                     "(kpitrack.simulate), by history length and step", "seed": seed,
            "n_per_length": n_per_length, "probs": PROBS.tolist(), "table": table}


def write_calibration(n_per_length: int = 400, seed: int = 7) -> Path:
    doc = build_calibration(n_per_length, seed)
    CALIBRATION_FILE.write_text(json.dumps(doc), encoding="utf-8")
    _calibration.cache_clear()
    return CALIBRATION_FILE

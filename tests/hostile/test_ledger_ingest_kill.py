"""Hostile round 3 (issue 31): a ``--kind`` ingest killed at any moment leaves a workspace every
command can load, with the ledger as it was or with the new vintage whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _rows(env) -> str:
    code = ("import sys; from kpitrack.data.actuals import load_dataset; from kpitrack.plan.catalogue import catalogue\n"
            "cat = catalogue(); ds = load_dataset('hangzhou', cat); r = ds.special_ledger(cat).rows\n"
            "v = r[(r['subtarget'] == 'S01.tourism_revenue') & (r['year'] == 2019)]['value']\n"
            "print(f'{float(v.iloc[-1]):g}' if len(v) else '-')")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-1500:]
    return out.stdout.strip()


@pytest.mark.slow
def test_a_kind_ingest_killed_at_any_moment_leaves_the_old_ledger_or_the_new(data_copy, tmp_path):
    env = {**os.environ, "KPITRACK_DATA": str(data_copy), "PYTHONPATH": str(REPO / "lib")}
    shown = _rows(env)  # the 2019 figure the ledger shows: the old one, or one ingest's whole
    outcomes = set()
    for i in range(10):
        f = tmp_path / f"special-{i}.csv"  # a new file each time: a vintage of its own
        f.write_text("subtarget,year,value,quality,source,known_from,note\n"
                     f"S01.tourism_revenue,2019,{4000 + i},reported,https://example.org/{i},2020-03-0{1 + i % 9},\n", encoding="utf-8")
        cmd = [sys.executable, "-m", "kpitrack.cli", "ingest", str(f), "--kind", "special", "--dataset", "hangzhou"]
        t0 = time.monotonic()
        if i == 0:
            subprocess.run(cmd, env=env, check=True, capture_output=True)
            whole = time.monotonic() - t0
            shown = _rows(env)
            assert shown == "4000"
            continue
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(whole * (0.2 + 0.9 * i / 9))
        p.send_signal(signal.SIGKILL)
        p.wait()
        check = subprocess.run([sys.executable, "-m", "kpitrack.cli", "validate", "--dataset", "hangzhou"], env=env,
                               capture_output=True, text=True)
        assert check.returncode == 0, f"kill {i}: " + check.stderr[-1500:]
        now = _rows(env)
        assert now in (shown, f"{4000 + i}"), f"kill {i}: {now} is neither the old {shown} nor the new {4000 + i}"
        outcomes.add("new" if now != shown else "old")
        shown = now
    assert outcomes

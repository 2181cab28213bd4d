"""The vintage store under concurrent writers and killed processes: nothing reported written is lost."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from kpitrack.core.fileio import LockBusyError, atomic_write_text, locked
from kpitrack.data.actuals import load_dataset
from kpitrack.data.store import FIGURE_COLUMNS, append_vintage, read_figures, read_manifest
from kpitrack.plan.catalogue import catalogue

WRITERS = 8
KPITRACK = [sys.executable, "-m", "kpitrack.cli"]


def _figures(tag: int) -> pd.DataFrame:
    return pd.DataFrame([{"measure_id": "K12.income", "region": "330100", "period": "2016", "value": str(46000 + tag),
                          "unit": "元", "quality": "reported", "method": "official", "source": f"writer {tag}", "note": "",
                          "known_from": "2019-01-01"}], columns=FIGURE_COLUMNS)


def _append(args: tuple[str, int]) -> int:
    folder, tag = args
    v = append_vintage(Path(folder), _figures(tag), ingested_at="2026-01-01T00:00:00Z", known_from="2019-01-01",
                       sha256=f"sha-{tag}", source=f"writer {tag}")
    return v.vintage


def test_concurrent_appends_each_get_their_own_vintage(tmp_path):
    folder = tmp_path / "ds"
    reported = []
    with ProcessPoolExecutor(WRITERS) as pool:
        for rnd in range(6):
            reported += list(pool.map(_append, [(str(folder), rnd * 100 + i) for i in range(WRITERS)]))
    manifest = read_manifest(folder)
    assert sorted(reported) == sorted(v.vintage for v in manifest) == list(range(1, 6 * WRITERS + 1))
    figures = read_figures(folder)
    assert sorted(figures["source"]) == sorted(f"writer {r * 100 + i}" for r in range(6) for i in range(WRITERS))
    assert not list(folder.rglob("*.tmp"))


@pytest.mark.slow
def test_eight_ingests_started_together_are_all_stored(tmp_path, data_copy):
    """Eight `kpitrack ingest` processes of distinct valid revisions, started at once, three rounds:
    every 'ingested ... as vintage N' is in the store, no two share a number, validate passes."""
    env = {**os.environ, "KPITRACK_DATA": str(data_copy)}
    reported: list[int] = []
    for rnd in range(3):
        procs = []
        for i in range(WRITERS):
            ledger = tmp_path / f"r{rnd}-w{i}.csv"
            ledger.write_text("指标编号,地区,时期,数值,单位,来源\n"
                              f"K12.income,杭州市,2016,{46100 + rnd * 10 + i},元,修订 {rnd}-{i}\n", encoding="utf-8")
            procs.append(subprocess.Popen([*KPITRACK, "ingest", str(ledger)], env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            assert "Traceback" not in err
            reported.append(int(re.search(r"as vintage (\d+)", out).group(1)))
    manifest = read_manifest(data_copy / "actuals" / "hangzhou")
    assert len(reported) == len(set(reported)) == 3 * WRITERS
    assert set(reported) <= {v.vintage for v in manifest}
    sources = set(read_figures(data_copy / "actuals" / "hangzhou")["source"])
    assert {f"修订 {r}-{i}" for r in range(3) for i in range(WRITERS)} <= sources
    check = subprocess.run([*KPITRACK, "validate"], env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.slow
def test_kill_9_during_ingests_never_damages_the_store(tmp_path, data_copy):
    """Ingests killed at random moments: the store always loads, every manifest line has its file,
    and every ingest that said it was done is there."""
    env = {**os.environ, "KPITRACK_DATA": str(data_copy)}
    folder = data_copy / "actuals" / "hangzhou"
    rng = random.Random(8)
    done: list[int] = []
    for i in range(8):
        ledger = tmp_path / f"k{i}.csv"
        ledger.write_text(f"指标编号,地区,时期,数值,单位,来源\nK12.income,杭州市,2016,{46200 + i},元,kill {i}\n", encoding="utf-8")
        p = subprocess.Popen([*KPITRACK, "ingest", str(ledger)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        time.sleep(rng.uniform(0.5, 2.5))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        out, _ = p.communicate()
        if p.returncode == 0:
            done.append(int(re.search(r"as vintage (\d+)", out).group(1)))
        manifest = read_manifest(folder)
        assert all((folder / v.file).is_file() for v in manifest)
        assert set(done) <= {v.vintage for v in manifest}
        load_dataset("hangzhou", catalogue())  # loads and checks every figure
    assert not list(folder.rglob("*.tmp"))


def test_a_held_lock_refuses_without_waiting_or_waits(tmp_path):
    lock = tmp_path / ".lock"
    with locked(lock):
        with pytest.raises(LockBusyError, match=r"in use by another kpitrack process \(pid \d+"):
            with locked(lock, wait=False, what="the test folder"):
                pass
        with pytest.raises(LockBusyError):
            with locked(lock, timeout=0.2):
                pass
    with locked(lock, wait=False):  # released when the holder is done
        pass


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]  # no temporary file left behind


def test_an_ingest_cleans_what_a_killed_ingest_left(tmp_path, data_copy):
    from kpitrack.cli import main

    folder = data_copy / "actuals" / "hangzhou"
    orphan = folder / "vintages" / "0099.csv"
    orphan.write_text("measure_id,region\n", encoding="utf-8")  # written, then killed before the manifest listed it
    tmp = folder / "vintages" / ".0003.csv.abc123.tmp"
    tmp.write_text("half a file", encoding="utf-8")
    ledger = tmp_path / "l.csv"
    ledger.write_text("指标编号,地区,时期,数值,单位,来源\nK12.income,杭州市,2019,59261,元,统计公报\n", encoding="utf-8")
    assert main(["ingest", str(ledger)]) == 0
    assert not orphan.exists() and not tmp.exists()
    assert main(["validate", "--dataset", "hangzhou"]) == 0

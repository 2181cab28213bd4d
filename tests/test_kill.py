"""kill -9 of the bulletins driver (issue 20): no kpitrack process lives on, nothing is written
without the lock, and a rerun completes the month with a consistent manifest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from .conftest import REPO

psutil = pytest.importorskip("psutil", reason="psutil (installed with dask.distributed) lists the processes")


def _children_alive(pids: set[int]) -> list:
    alive = []
    for pid in pids:
        try:
            p = psutil.Process(pid)
            if p.status() != psutil.STATUS_ZOMBIE:
                alive.append((pid, " ".join(p.cmdline())[:80]))
        except psutil.NoSuchProcess:
            pass
    return alive


def _scratch_workspace(tmp_path):
    """A copy of the bundled workspace with a Quarto project of its own: the bulletins made here are
    issued (never made again), so they must not land in the repository's reports/."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("hangzhou_air_daily.csv", "register-synthetic.csv", ".store"))
    tracked = subprocess.run(["git", "ls-files", "reports"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    for name in tracked:
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, data / name)
    return data


@pytest.mark.slow
def test_kill_9_of_the_driver_leaves_nothing_running_and_a_rerun_completes(tmp_path):
    data = _scratch_workspace(tmp_path)
    out = data / "reports" / "bulletins" / "2018-03-synthetic"
    args = [sys.executable, "-m", "kpitrack.cli", "bulletins", "--month", "2018-03", "--dataset", "synthetic",
            "--regions", "上城区,下城区,江干区,拱墅区", "--jobs", "2", "--to", "html", "--renderer", "fallback", "--force"]
    env = {**os.environ, "PATH": os.environ["PATH"], "KPITRACK_DATA": str(data)}
    driver = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the workers run (a kernel below them)
        try:
            tree = psutil.Process(driver.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            break
        seen |= {p.pid for p in tree}
        if len(tree) >= 4:
            break
        time.sleep(0.2)
    time.sleep(1.0)
    try:
        seen |= {p.pid for p in psutil.Process(driver.pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        pass
    assert seen, "the driver started no workers"
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    time.sleep(10)
    assert _children_alive(seen) == []  # the forkserver, the workers and their kernels are gone
    leftovers = sorted(p.name for p in out.glob("work-*"))
    rerun = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for code in ("330102", "330103", "330104", "330105"):
        item = manifest["items"][code]
        assert item["status"] == "ok" and (out / item["outputs"]["html"]).is_file()
    assert not list(out.glob("work-*")), leftovers  # the killed run's scratch folders were cleaned up

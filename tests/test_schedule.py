"""The monthly schedule (issue 34): the deployed command run in a bare environment (``env -i``, as
cron runs it) through a simulated year whose figures arrive late; issued bulletins never rewritten,
revised on request; exit codes that mean one thing each; deploy files that say so."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

CITY = "330100"


def _bare(ws: Path, *args: str) -> subprocess.CompletedProcess:
    """``kpitrack --workspace WS ARGS`` as cron runs it: no environment but a PATH without the venv."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run([sys.executable, "-m", "kpitrack.cli", "--workspace", str(ws), *args], env=env,
                          cwd=ws if ws.is_dir() else ws.parent, capture_output=True, text=True, timeout=900)


@pytest.fixture()
def workspace(tmp_path) -> Path:
    """A copy of the bundled workspace with its own reports project and a real dataset ``sched``
    holding nothing yet."""
    from kpitrack.data.workspaces import REPORT_FILES

    ws = tmp_path / "ws"
    shutil.copytree(REPO / "data", ws, ignore=shutil.ignore_patterns("hangzhou_air_daily.csv", "register-synthetic.csv", ".store"))
    (ws / "reports").mkdir()
    for name in REPORT_FILES:
        if (REPO / "reports" / name).is_file():
            shutil.copy(REPO / "reports" / name, ws / "reports" / name)
    r = _bare(ws, "dataset", "new", "sched", "--title-zh", "调度测试数据")
    assert r.returncode == 0, r.stderr
    return ws


def _arrive(ws: Path, tmp_path: Path, months: list[int], day: str, revenue: dict[int, float] | None = None) -> None:
    """The city's year-to-date budget revenue of 2019 for ``months``, published on ``day``."""
    rows = ["指标编号,地区,时期,数值,单位,来源"]
    for m in months:
        value = (revenue or {}).get(m, 160.0 * m)
        rows.append(f"K02.revenue,杭州市,2019-{m:02d},{value},亿元,市财政局月报")
    path = tmp_path / f"ledger-{day}-{'-'.join(map(str, months))}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = _bare(ws, "ingest", str(path), "--dataset", "sched", "--known-from", day)
    assert r.returncode == 0, r.stderr


def _run(ws: Path, today: str) -> subprocess.CompletedProcess:
    return _bare(ws, "bulletins", "--pending", "--today", today, "--dataset", "sched", "--regions", "杭州市", "--to", "html",
                 "--renderer", "fallback")


@pytest.mark.slow
def test_a_year_on_the_schedule_with_late_figures_makes_every_month_once_in_order(workspace, tmp_path):
    """Figures of most months are in by the 5th of the next; March's and December's come on the 8th.
    The run on each 5th makes what is due; March and December wait a month; every month of 2019 is
    made exactly once, in order, and December's bulletin exists."""
    made: list[str] = []
    arrivals = {2: [1], 3: [2], 4: [], 5: [4], 6: [5], 7: [6], 8: [7], 9: [8], 10: [9], 11: [10], 12: [11], 13: []}
    late = {4: [3], 13: [12]}  # March's figures on 8 April, December's on 8 January
    for step in range(2, 15):
        year, month = (2019, step) if step <= 12 else (2020, step - 12)
        if arrivals.get(step):
            _arrive(workspace, tmp_path, arrivals[step], f"{year}-{month:02d}-03")
        r = _run(workspace, f"{year}-{month:02d}-05")
        assert r.returncode == 0, r.stdout + r.stderr
        lines = r.stdout.strip().splitlines()
        assert all(re.match(r"20\d\d-\d\d: ", line) for line in lines), r.stdout  # one line per month, nothing else
        made += [line[:7] for line in lines if "written" in line and " 1 written" in line]
        if step == 4:
            assert "2019-03: waiting for figures" in r.stdout
        if late.get(step):
            _arrive(workspace, tmp_path, late[step], f"{year}-{month:02d}-08")
    assert made == [f"2019-{m:02d}" for m in range(1, 13)]  # each once, oldest first
    december = workspace / "reports" / "bulletins" / "2019-12-sched"
    assert (december / f"{CITY}.html").is_file()
    item = json.loads((december / "manifest.json").read_text(encoding="utf-8"))["items"][CITY]
    assert item["status"] == "ok" and item["issued_at"]


@pytest.mark.slow
def test_an_issued_bulletin_stays_as_issued_and_a_revision_is_made_beside_it(workspace, tmp_path):
    _arrive(workspace, tmp_path, [1, 2, 3], "2019-04-03")
    early = _bare(workspace, "bulletins", "--revise", "2019-03", "--dataset", "sched", "--regions", "杭州市", "--to", "html",
                  "--renderer", "fallback")
    assert early.returncode == 2 and "nothing to revise" in early.stderr  # nothing issued yet
    assert _run(workspace, "2019-04-05").returncode == 0
    folder = workspace / "reports" / "bulletins" / "2019-03-sched"
    issued = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".html", ".ipynb", ".json")}
    # March's figure is corrected after the bulletin was issued
    _arrive(workspace, tmp_path, [3], "2019-04-20", revenue={3: 999.0})
    again = _run(workspace, "2019-05-05")
    assert again.returncode == 0 and "2019-03: issued" in again.stdout
    forced = _bare(workspace, "bulletins", "--month", "2019-03", "--dataset", "sched", "--regions", "杭州市", "--to", "html",
                   "--renderer", "fallback", "--force")
    assert forced.returncode == 0 and "1 issued" in forced.stdout
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name in issued} == issued  # byte for byte
    revised = _bare(workspace, "bulletins", "--revise", "2019-03", "--dataset", "sched", "--regions", "杭州市", "--to", "html",
                    "--renderer", "fallback")
    assert revised.returncode == 0, revised.stdout + revised.stderr
    html = (folder / f"{CITY}-r1.html").read_text(encoding="utf-8")
    assert "修订版" in html and "999" in html
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name in issued if p.name != "manifest.json"} == \
        {k: v for k, v in issued.items() if k != "manifest.json"}
    items = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["items"]
    assert items[CITY]["status"] == "ok" and items[f"{CITY}-r1"]["revises"] == CITY and items[f"{CITY}-r1"]["edition"] == 2
    unchanged = _bare(workspace, "bulletins", "--revise", "2019-03", "--dataset", "sched", "--regions", "杭州市", "--to", "html",
                      "--renderer", "fallback")
    assert unchanged.returncode == 0 and "nothing was revised" in unchanged.stdout
    from kpitrack.publish.runs.site import _batch_page

    page = _batch_page("月度通报", workspace / "reports" / "bulletins", tmp_path, "bulletins", "")
    assert page.index("杭州市（修订版）") > page.index("| 杭州市 |")


@pytest.mark.slow
def test_an_issued_final_evaluation_stays_as_issued_and_a_revision_is_made_on_request(workspace, tmp_path):
    """The same rule for the final evaluation: once made it is a record; --force leaves it; --revise
    makes 终期评估报告（修订版） beside it when its figures changed, and nothing when they did not."""
    params = tmp_path / "final-sched.yaml"
    params.write_text("as_of: 2020\ndataset: sched\n", encoding="utf-8")
    _arrive(workspace, tmp_path, [12], "2020-01-20")

    def run(*extra: str) -> subprocess.CompletedProcess:
        r = _bare(workspace, "run", str(params), "--to", "html", "--renderer", "fallback", *extra)
        assert r.returncode == 0, r.stdout + r.stderr
        return r

    out = workspace / "reports" / "_output"
    early = _bare(workspace, "run", str(params), "--to", "html", "--renderer", "fallback", "--revise")
    assert early.returncode == 2 and "nothing issued to revise" in early.stderr and not (out / "final-sched.html").exists()
    run()
    issued = {p.name: p.read_bytes() for p in out.iterdir() if p.name.startswith("final-sched.")}
    assert "final-sched.html" in issued
    assert "issued: final-sched" in run("--force").stdout
    # a hand-edited issued file is said to be changed, and left to be restored
    page = out / "final-sched.html"
    page.write_bytes(issued["final-sched.html"] + b"<!-- edited -->")
    assert "were changed since they were issued" in run().stderr
    page.write_bytes(issued["final-sched.html"])
    assert "nothing was revised" in run("--revise").stdout and not (out / "final-sched-r1.html").exists()
    _arrive(workspace, tmp_path, [12], "2020-02-20", revenue={12: 2222.0})  # December's figure corrected
    assert "issued: final-sched" in run().stdout
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name in issued} == issued  # byte for byte
    revised = run("--revise")
    assert "final-sched-r1" in revised.stdout
    html = (out / "final-sched-r1.html").read_text(encoding="utf-8")
    assert "终期评估报告（修订版）" in html
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name in issued} == issued
    items = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["items"]
    assert items["final-sched-r1"]["revises"] == "final-sched" and items["final-sched-r1"]["edition"] == 2
    assert "issued: final-sched-r1" not in run().stdout  # the first edition is what a plain run speaks of
    assert "nothing was revised" in run("--revise").stdout


@pytest.mark.parametrize("args, env, message", [
    (["--dataset", "hangzou"], {}, "hangzou"),
    (["--dataset", "hangzhou", "--jobs", "0"], {}, "--jobs"),
    (["--dataset", "hangzhou"], {"KPITRACK_CELL_TIMEOUT": "abc"}, "KPITRACK_CELL_TIMEOUT"),
    (["--dataset", "hangzhou", "--since", "2019-13"], {}, "--since"),
])
def test_a_misconfigured_scheduled_run_exits_2(args, env, message, tmp_path):
    cmd = [sys.executable, "-m", "kpitrack.cli", "bulletins", "--pending", "--today", "2018-07-05", *args]
    r = subprocess.run(cmd, env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr, r.stdout + r.stderr


def test_a_missing_workspace_exits_2(tmp_path):
    r = _bare(tmp_path / "nowhere", "bulletins", "--pending", "--dataset", "hangzhou")
    assert r.returncode == 2 and "nowhere" in r.stderr


def _unit(name: str) -> dict[str, list[str]]:
    """A systemd unit file's keys (a key may repeat), comments and sections aside."""
    out: dict[str, list[str]] = {}
    for line in (REPO / "deploy" / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            k, v = line.split("=", 1)
            out.setdefault(k.strip(), []).append(v.strip())
    return out


def test_the_deployed_unit_counts_only_0_and_busy_as_success_and_runs_the_pending_months(tmp_path):
    unit = _unit("kpitrack-bulletins.service")
    success = " ".join(unit.get("SuccessExitStatus", [])).split()
    assert "2" not in success and "1" not in success and set(success) <= {"0", "75"}
    assert "network-online.target" in unit["Wants"][0] and "network-online.target" in unit["After"][0]
    exec_start = unit["ExecStart"][0]
    assert "--pending" in exec_start and "--workspace" in exec_start
    if shutil.which("systemd-analyze"):
        shutil.copy(REPO / "deploy" / "kpitrack-bulletins.service", tmp_path)
        r = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "kpitrack-bulletins.service")], capture_output=True, text=True)
        assert "SuccessExitStatus" not in r.stderr and "Unknown" not in r.stderr, r.stderr
    # the bundled deployment today (after the plan's end): its command, exit 0 and one line
    env = {"KPITRACK_WORKSPACE": str(REPO / "data"), "KPITRACK_DATASET": "hangzhou"}
    argv = [re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], a) for a in exec_start.split()]
    assert argv[0].endswith("/.venv/bin/kpitrack")
    r = subprocess.run([sys.executable, "-m", "kpitrack.cli", *argv[1:], "--today", "2026-11-05"],
                       env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip().count("\n") == 0 and "the plan ended in 2020-12" in r.stdout, r.stdout + r.stderr
    cron = [line for line in (REPO / "deploy" / "crontab").read_text(encoding="utf-8").splitlines() if re.match(r"[\d*]", line)]
    assert len(cron) == 1 and "--pending" in cron[0] and "--workspace" in cron[0] and "pipefail" in cron[0]
    notes = (REPO / "deploy" / "crontab").read_text(encoding="utf-8")
    assert "crontab -u kpitrack -l" in notes and "install -d -o kpitrack" in notes  # added, never replacing; the log folder the user's


def test_the_readme_exit_codes_are_the_codes_of_the_code():
    from kpitrack.core.exceptions import NoFiguresError, ParameterError
    from kpitrack.core.fileio import LockBusyError

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("Exit codes, one meaning each"):][:1500]
    codes = dict(re.findall(r"^\s*\| (\d+) \| (.+?) \|$", table, flags=re.M))
    assert set(codes) == {"0", "1", "2", "75"}
    assert ParameterError("x").exit_code == 2 and LockBusyError("x").exit_code == 75 and "waiting" in codes["0"]
    assert NoFiguresError.exit_code == 2  # elsewhere; the bulletins turn it into waiting (0)

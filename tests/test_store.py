"""The record store under concurrent writers and killed processes, the same tests on each store:
SQLite (the default), PostgreSQL (a throwaway server) and the CSV files. Nothing reported written is
lost, a killed write leaves the store as it was, and the CSV tree comes back byte for byte."""

from __future__ import annotations

import logging
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from .conftest import REPO, tree_bytes
from kpitrack.core.exceptions import StoreError
from kpitrack.core.fileio import LockBusyError, atomic_write_text, locked
from kpitrack.data.actuals import load_dataset
from kpitrack.data.notices import read_register, register_path, states
from kpitrack.data.records import export_records
from kpitrack.data.store import FIGURE_COLUMNS, append_vintage, close_all, load_tree, open_store, read_figures, read_manifest
from kpitrack.plan.catalogue import catalogue

WRITERS = 8
MANY = 40
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


def _env(ws: Path) -> dict[str, str]:
    return {**os.environ, "KPITRACK_DATA": str(ws)}


def _records(ws: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree_bytes(ws).items() if k.startswith("<store>/")}


def test_concurrent_appends_each_get_their_own_vintage(store_ws):
    folder = store_ws / "actuals" / "hangzhou"
    before = {v.vintage for v in read_manifest(folder)}
    close_all()  # the children open the store themselves
    reported = []
    with ProcessPoolExecutor(WRITERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        for rnd in range(3):
            reported += list(pool.map(_append, [(str(folder), rnd * 100 + i) for i in range(WRITERS)]))
    manifest = read_manifest(folder)
    assert sorted(reported) == sorted(v.vintage for v in manifest if v.vintage not in before)
    assert len(set(reported)) == 3 * WRITERS
    figures = read_figures(folder)
    assert {f"writer {r * 100 + i}" for r in range(3) for i in range(WRITERS)} <= set(figures["source"])
    assert not list(folder.rglob("*.tmp"))


def test_a_folder_outside_the_workspace_is_kept_as_csv_files(tmp_path):
    folder = tmp_path / "ds"
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        reported = list(pool.map(_append, [(str(folder), i) for i in range(12)]))
    assert sorted(reported) == [v.vintage for v in read_manifest(folder)] == list(range(1, 13))
    assert (folder / "vintages.csv").is_file() and len(list((folder / "vintages").glob("*.csv"))) == 12


@pytest.mark.slow
def test_forty_ingests_started_together_are_all_stored(tmp_path, store_ws):
    """Forty `kpitrack ingest` processes of distinct valid revisions, started at once: every 'ingested
    ... as vintage N' is in the store, no two share a number, validate passes."""
    procs = []
    for i in range(MANY):
        ledger = tmp_path / f"w{i}.csv"
        ledger.write_text(f"指标编号,地区,时期,数值,单位,来源\nK12.income,杭州市,2016,{46100 + i},元,修订 {i}\n", encoding="utf-8")
        procs.append(subprocess.Popen([*KPITRACK, "ingest", str(ledger)], env=_env(store_ws), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    reported = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        reported.append(int(re.search(r"as vintage (\d+)", out).group(1)))
    folder = store_ws / "actuals" / "hangzhou"
    assert len(set(reported)) == MANY and set(reported) <= {v.vintage for v in read_manifest(folder)}
    assert {f"修订 {i}" for i in range(MANY)} <= set(read_figures(folder)["source"])
    check = subprocess.run([*KPITRACK, "validate"], env=_env(store_ws), capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.slow
def test_forty_answers_at_once_are_all_in_the_register(store_ws, tmp_path):
    """Forty `kpitrack notices answer` at once on forty notices: every answer is recorded once."""
    from kpitrack.data.notices import Event, append

    register = register_path("synthetic")
    append(register, lambda events: [Event(f"杭绩改〔2018〕{i}号", "issued", "2018-07-05", "西湖区人民政府", "330106", "K12.income",
                                           "lag3", "连续3期", "2018-07-20") for i in range(1, MANY + 1)])
    close_all()
    procs = [subprocess.Popen([*KPITRACK, "notices", "answer", f"杭绩改〔2018〕{i}号", "--note", f"答复 {i}", "--date", "2018-07-10",
                               "--dataset", "synthetic", "--register-only"],
                              env=_env(store_ws), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(1, MANY + 1)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    events = read_register(register)
    answers = [e for e in events if e.event == "answered"]
    assert sorted(e.note for e in answers) == sorted(f"答复 {i}" for i in range(1, MANY + 1))
    assert len(events) == 2 * MANY and all(s.event == "answered" for s in states(events).values())


@pytest.mark.slow
def test_kill_9_during_ingests_leaves_the_store_as_it_was(tmp_path, store_ws):
    """Ingests killed at random moments: the store always loads and is either as before the ingest or
    with its vintage added, and every ingest that said it was done is there."""
    folder = store_ws / "actuals" / "hangzhou"
    rng = random.Random(8)
    done: list[int] = []
    for i in range(6):
        before = [v.vintage for v in read_manifest(folder)]
        ledger = tmp_path / f"k{i}.csv"
        ledger.write_text(f"指标编号,地区,时期,数值,单位,来源\nK12.income,杭州市,2016,{46200 + i},元,kill {i}\n", encoding="utf-8")
        p = subprocess.Popen([*KPITRACK, "ingest", str(ledger)], env=_env(store_ws), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.8, 2.5))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        out, _ = p.communicate()
        if p.returncode == 0:
            done.append(int(re.search(r"as vintage (\d+)", out).group(1)))
        after = [v.vintage for v in read_manifest(folder)]
        assert after in (before, before + [max(before) + 1])
        assert set(done) <= set(after)
        sources = set(read_figures(folder)["source"])
        assert (f"kill {i}" in sources) == (len(after) > len(before))
        load_dataset("hangzhou", catalogue())  # loads and checks every figure
    assert not list(folder.rglob("*.tmp"))


def test_the_bundled_workspace_exported_is_the_csv_files_in_git(tmp_path, data_copy):
    """The default store (SQLite) loads the bundled CSV files; exported, they come back byte for byte."""
    store = open_store(data_copy)
    assert store.url.startswith("sqlite:///") and str(data_copy.resolve()) in store.url
    load_tree(store, data_copy)
    written = export_records(tmp_path / "out", store)
    assert written
    for f in written:
        rel = f.relative_to(tmp_path / "out")
        assert f.read_bytes() == (REPO / "data" / rel).read_bytes(), rel


def test_a_round_trip_store_csv_store_is_identical(tmp_path, store_ws, capsys):
    """Every kind of record (figures, the Table 2, 3, 5 and peer ledgers, a notices register),
    exported, loaded into a new SQLite store and exported again: the same files."""
    from kpitrack.cli import main
    from kpitrack.data.notices import record

    for kind, rows in {"standards": "表5序号,发布日期,来源\n3,2018-05-01,公告=1\n",
                       "rectification": "问题编号,年份,完成情况,是否公示,满意度,来源\nP1.01,2018,yes,yes,88,整改报告\n",
                       "special": "子目标编号,年份,数值,数据质量,来源\nS01.tourism_revenue,2019,4005,reported,公报\n",
                       "peers": "城市,指标,年份,数值,数据质量,来源\n宁波,gdp_real_growth,2019,6.8,reported,公报2019\n"}.items():
        (tmp_path / f"{kind}.csv").write_text(rows, encoding="utf-8")
        code = main(["ingest", str(tmp_path / f"{kind}.csv"), "--kind", kind])
        assert code == 0, capsys.readouterr().err
    (tmp_path / "k.csv").write_text("指标编号,地区,时期,数值,单位,来源\nK12.income,杭州市,2016,46117,元,\"=cmd|' /C calc'!A0\"\n",
                                    encoding="utf-8")
    assert main(["ingest", str(tmp_path / "k.csv")]) == 0
    from kpitrack.data.notices import Event, append

    reg = register_path("synthetic")
    append(reg, lambda ev: [Event("杭绩改〔2018〕1号", "issued", "2018-07-05", "西湖区", "330106", "K12.income", "lag3",
                                  "=HYPERLINK(\"x\")", "2018-07-20")])
    record(reg, "杭绩改〔2018〕1号", "answered", "2018-07-10", "已整改, \"引号\"\n第二行")
    first = tmp_path / "first"
    export_records(first, open_store(store_ws))
    assert (first / "actuals" / "hangzhou" / "ledgers" / "standards" / "manifest.csv").is_file()
    assert (first / "notices" / reg.name).is_file()
    # the exported tree is a workspace's records: load it into a fresh SQLite store and export again
    ws2 = tmp_path / "ws2"
    shutil.copytree(store_ws, ws2, ignore=shutil.ignore_patterns(".store", "vintages", "vintages.csv", "ledgers", "notices"))
    shutil.copytree(first, ws2, dirs_exist_ok=True)
    second_store = open_store(ws2, f"sqlite:///{ws2 / '.store' / 'again.sqlite'}")
    load_tree(second_store, ws2)
    second = tmp_path / "second"
    export_records(second, second_store)
    a = {str(p.relative_to(first)): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    b = {str(p.relative_to(second)): p.read_bytes() for p in second.rglob("*") if p.is_file()}
    assert a == b


def test_csv_files_changed_under_the_store(data_copy, tmp_path, capsys):
    """A `git pull` that changes the bundled files: the store takes the records they add and keeps its
    own; a record the files lost or hold differently is a conflict (exit 4, nothing read, nothing
    lost), until the files are brought up to date, the store is written into them, or the files'
    versions of records that came from files are taken on purpose (`store load --replace`)."""
    from kpitrack.cli import main

    folder = data_copy / "actuals" / "hangzhou"
    manifest = folder / "vintages.csv"
    git = manifest.read_text(encoding="utf-8")
    manifest.write_text(git.replace("data/sources", "data/sources (edited)", 1), encoding="utf-8")
    assert any("(edited)" in v.source for v in read_manifest(folder))  # first use: loaded as the files are
    ledger = tmp_path / "l.csv"
    ledger.write_text("指标编号,地区,时期,数值,单位,来源\nK12.income,杭州市,2019,59261,元,统计公报\n", encoding="utf-8")
    assert main(["ingest", str(ledger)]) == 0
    mine = read_manifest(folder)[-1].vintage
    manifest.write_text(git, encoding="utf-8")  # the files change a record the store holds: a conflict
    close_all()
    capsys.readouterr()
    assert main(["status", "--as-of", "2018"]) == 4
    err = capsys.readouterr().err
    assert "vintage 1 of the figures differs between these files and the store" in err and "load --replace" in err
    assert main(["store", "info"]) == 0  # the diagnosis still works
    assert main(["store", "load", "--replace"]) == 0  # these files are right about what came from files
    assert main(["status", "--as-of", "2018"]) == 0
    assert not any("(edited)" in v.source for v in read_manifest(folder)) and read_manifest(folder)[-1].vintage == mine
    # the files now hold another vintage of that number (someone else's ingest, exported): a conflict
    other = pd.DataFrame([{**_figures(7).iloc[0].to_dict(), "region": "330100"}], columns=FIGURE_COLUMNS)
    (folder / "vintages" / f"{mine:04d}.csv").write_text(other.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    manifest.write_text(git + f"{mine},2026-01-01T00:00:00Z,2026-01-01,vintages/{mine:04d}.csv,x,elsewhere,1\n", encoding="utf-8")
    close_all()
    capsys.readouterr()
    assert main(["status", "--as-of", "2018"]) == 4
    assert f"vintage {mine} of the figures differs between these files and the store" in capsys.readouterr().err
    assert main(["store", "load", "--replace"]) == 4  # an ingest of the store's own is never replaced
    assert main(["store", "export", str(tmp_path / "look")]) == 0
    assert "统计公报" in (tmp_path / "look" / "actuals" / "hangzhou" / "vintages" / f"{mine:04d}.csv").read_text(encoding="utf-8")
    assert main(["store", "export", "--into-workspace"]) == 0  # the store is right: the files become the store's
    assert main(["status", "--as-of", "2018"]) == 0
    assert read_manifest(folder)[-1].source == "l.csv" and f"{mine},".encode() in manifest.read_bytes()
    # a checkout of the older files (the exported vintage gone from them) is refused, never a wipe
    manifest.write_text(git, encoding="utf-8")
    close_all()
    capsys.readouterr()
    assert main(["status", "--as-of", "2018"]) == 4
    assert f"vintage {mine} of the figures is in the store but not in these files" in capsys.readouterr().err
    assert main(["store", "export", str(tmp_path / "after")]) == 0
    assert (tmp_path / "after" / "actuals" / "hangzhou" / "vintages" / f"{mine:04d}.csv").is_file()


def test_two_workspaces_sharing_a_store_never_undo_each_other(tmp_path, data_copy, monkeypatch, capsys):
    """Two checkouts of one workspace share one store: a correction taken from one checkout's files is
    never undone by the other's older files (which get a conflict instead)."""
    from kpitrack.cli import main

    other = tmp_path / "other"
    shutil.copytree(data_copy, other, ignore=shutil.ignore_patterns(".store"))
    monkeypatch.setenv("KPITRACK_STORE", f"sqlite:///{tmp_path / 'shared.sqlite'}")
    assert main(["status", "--as-of", "2018"]) == 0  # loaded from this checkout
    vintage = data_copy / "actuals" / "hangzhou" / "vintages" / "0001.csv"
    vintage.write_text(vintage.read_text(encoding="utf-8").replace(",46116,", ",46117,", 1), encoding="utf-8")
    assert main(["store", "load", "--replace"]) == 0  # this checkout's correction, taken on purpose
    monkeypatch.setenv("KPITRACK_DATA", str(other))
    close_all()
    capsys.readouterr()
    assert main(["status", "--as-of", "2018"]) == 4  # the other checkout's older files: a conflict, no flip back
    assert "differs between these files and the store" in capsys.readouterr().err
    monkeypatch.setenv("KPITRACK_DATA", str(data_copy))
    close_all()
    assert "46117" in set(read_figures(data_copy / "actuals" / "hangzhou")["value"])


def test_damaged_record_files_are_named_and_nothing_is_loaded(data_copy, capsys):
    from kpitrack.cli import main

    folder = data_copy / "actuals" / "hangzhou"
    manifest = folder / "vintages.csv"
    git = manifest.read_text(encoding="utf-8")
    lines = git.splitlines(keepends=True)
    manifest.write_text(lines[0] + lines[1].replace("vintages/0001.csv", "../../../escaped.csv") + "".join(lines[2:]), encoding="utf-8")
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert "vintages.csv:2:file" in err and "vintages/0001.csv" in err
    manifest.write_text(git, encoding="utf-8")
    vintage = folder / "vintages" / "0002.csv"
    vintage.write_text(vintage.read_text(encoding="utf-8")[:3000], encoding="utf-8")  # cut short
    assert main(["validate"]) == 2
    assert "0002.csv: holds" in capsys.readouterr().err
    manifest.write_text(git.replace(",1\n", ",abc\n", 1) if ",1\n" in git else lines[0].replace("rows", "rowz") + "".join(lines[1:]),
                        encoding="utf-8")
    assert main(["validate"]) == 2
    assert "vintages.csv:" in capsys.readouterr().err


def test_export_never_writes_into_the_workspace_by_accident(data_copy, tmp_path, capsys):
    from kpitrack.cli import main

    for where in (data_copy, data_copy / "actuals", data_copy.parent):
        assert main(["store", "export", str(where)]) == 2
        assert "--into-workspace" in capsys.readouterr().err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "junk.csv").write_text("x\n", encoding="utf-8")
    assert main(["store", "export", str(tmp_path / "full")]) == 2
    assert main(["store", "export", str(tmp_path / "x"), "--into-workspace"]) == 2
    assert main(["store", "info", "--last", "0"]) == 2


def test_migrate_copies_the_stores_own_records_into_an_empty_postgresql(data_copy, tmp_path, pg_server, capsys):
    """Every record, who ingested it and the audit trail, in one transaction of the target."""
    from kpitrack.cli import main
    from kpitrack.data.notices import Event, append

    ledger = tmp_path / "l.csv"
    ledger.write_text("指标编号,地区,时期,数值,单位,来源\nK12.income,杭州市,2019,59261,元,统计公报\n", encoding="utf-8")
    assert main(["ingest", str(ledger)]) == 0
    append(register_path("synthetic"), lambda ev: [Event("杭绩改〔2018〕1号", "issued", "2018-07-05", "西湖区", "330106",
                                                       "K12.income", "lag3", "连续3期", "2018-07-20")])
    before = _records(data_copy)
    url = pg_server.new_database()
    assert main(["store", "migrate", "--url", url]) == 0
    assert "copied every record" in capsys.readouterr().out
    assert main(["store", "migrate", "--url", url]) == 4  # not into a store that holds records
    close_all()
    import os as _os

    _os.environ["KPITRACK_STORE"] = url
    try:
        assert _records(data_copy) == before  # the same records, the ingest and the notice included
        assert main(["status", "--as-of", "2018"]) == 0  # and the files agree with it: no conflict
        trail = open_store(data_copy).audit_trail()
        assert any(r["action"] == "ingest" and r["detail"] == "l.csv" for r in trail) and trail[-1]["action"] in ("migrate", "load")
    finally:
        del _os.environ["KPITRACK_STORE"]
        close_all()


def test_store_cli_info_migrate_and_export(store_ws, tmp_path, capsys):
    from kpitrack.cli import main

    assert main(["store", "info"]) == 0
    out = capsys.readouterr().out
    assert "actuals/hangzhou" in out and "actuals/synthetic" in out
    assert main(["store", "export"]) == 2
    assert main(["store", "export", str(tmp_path / "x")]) == 0
    assert (tmp_path / "x" / "actuals" / "synthetic" / "vintages.csv").is_file()
    (tmp_path / "f").write_text("", encoding="utf-8")
    assert main(["store", "export", str(tmp_path / "f")]) == 2


def test_an_unreachable_or_unknown_store_says_so(data_copy, monkeypatch, capsys):
    from kpitrack.cli import main

    monkeypatch.setenv("KPITRACK_STORE", "mysql://x/y")
    assert main(["status", "--as-of", "2018"]) == 4
    assert "unknown store URL" in capsys.readouterr().err
    monkeypatch.setenv("KPITRACK_STORE", "postgresql://nobody@/nodb?host=/nonexistent")
    assert main(["status", "--as-of", "2018"]) == 4
    assert "cannot open the store" in capsys.readouterr().err
    with pytest.raises(StoreError):
        open_store(data_copy, "sqlite:////proc/no/such/place.sqlite")


def test_the_14th_plan_migrated_gives_the_same_statuses(tmp_path, monkeypatch):
    """`store migrate` of the 14th plan's example into a store, then its statuses are those read from
    its CSV files."""
    ws = tmp_path / "ws"
    shutil.copytree(REPO / "examples" / "hangzhou-14th", ws, ignore=shutil.ignore_patterns("reports", ".store"))
    env = {**os.environ, "KPITRACK_DATA": str(ws)}
    env.pop("KPITRACK_STORE", None)
    files = subprocess.run([*KPITRACK, "status", "--as-of", "2024", "--format", "csv"], env={**env, "KPITRACK_STORE": "files"},
                           capture_output=True, text=True)
    assert files.returncode == 0, files.stderr
    migrated = subprocess.run([*KPITRACK, "store", "migrate"], env=env, capture_output=True, text=True)
    assert migrated.returncode == 0 and "in the store" in migrated.stdout, migrated.stderr
    stored = subprocess.run([*KPITRACK, "status", "--as-of", "2024", "--format", "csv"], env=env, capture_output=True, text=True)
    assert stored.returncode == 0 and stored.stdout == files.stdout
    assert (ws / ".store" / "kpitrack.sqlite").is_file()


def test_a_held_lock_refuses_without_waiting_or_waits(tmp_path):
    lock = tmp_path / ".lock"
    with locked(lock):  # held by this process: another of its tasks, not another process, is named
        with pytest.raises(LockBusyError, match=r"in use by another task of this kpitrack process \(since "):
            with locked(lock, wait=False, what="the test folder"):
                pass
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from kpitrack.core.fileio import locked\n"
                               f"with locked({str(lock)!r}):\n    print('held', flush=True); time.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockBusyError, match=rf"in use by another kpitrack process \(pid {holder.pid}, since "):
            with locked(lock, wait=False, what="the test folder"):
                pass
    finally:
        holder.kill()
        holder.wait()
    with locked(lock):
        with pytest.raises(LockBusyError):
            with locked(lock, timeout=0.2):
                pass
    with locked(lock, wait=False):  # released when the holder is done
        pass


def test_a_long_wait_for_a_lock_is_said_once_naming_the_holder(tmp_path, monkeypatch, caplog):
    from kpitrack.core import fileio

    monkeypatch.setattr(fileio, "WAIT_NOTICE", 0.1)
    lock = tmp_path / ".lock"
    got = threading.Event()

    def waiter() -> None:
        with locked(lock, timeout=30, what="the test folder"):
            got.set()

    with caplog.at_level(logging.WARNING, logger="kpitrack.core.fileio"):
        with locked(lock):
            t = threading.Thread(target=waiter)
            t.start()
            time.sleep(0.6)
            assert not got.is_set()
        t.join(10)
    assert got.is_set()
    said = [r.getMessage() for r in caplog.records if "waiting for the test folder" in r.getMessage()]
    assert len(said) == 1 and "in use by another task of this kpitrack process (since " in said[0], caplog.text


def test_a_short_wait_for_a_lock_is_not_said(tmp_path, caplog):
    lock = tmp_path / ".lock"
    with caplog.at_level(logging.WARNING, logger="kpitrack.core.fileio"):
        with locked(lock):
            with pytest.raises(LockBusyError):
                with locked(lock, timeout=0.2):
                    pass
    assert "waiting for" not in caplog.text


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


def test_the_files_store_cleans_what_a_killed_ingest_left(tmp_path, data_copy, monkeypatch):
    from kpitrack.cli import main

    monkeypatch.setenv("KPITRACK_STORE", "files")
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


def test_the_audit_trail_says_who_wrote_what(store_ws, tmp_path):
    from kpitrack.cli import main

    ledger = tmp_path / "audit.csv"
    ledger.write_text("指标编号,地区,时期,数值,单位,来源\nK12.income,杭州市,2019,59261,元,统计公报\n", encoding="utf-8")
    assert main(["ingest", str(ledger)]) == 0
    trail = open_store(store_ws).audit_trail()
    mine = [r for r in trail if r["action"] == "ingest" and r["scope"] == "actuals/hangzhou"]
    assert mine and mine[-1]["detail"] == "audit.csv" and mine[-1]["rows"] == 1


@pytest.mark.slow
def test_bulletins_on_dask_workers_read_postgresql_and_match_sqlite(tmp_path, data_copy, pg_server, monkeypatch):
    """Two Dask workers make a month's bulletins from a PostgreSQL store: the same documents as from
    SQLite, and no worker touched a SQLite file."""
    distributed = pytest.importorskip("distributed", reason="dask.distributed is a dev dependency")
    from kpitrack.data.regions import regions
    from kpitrack.publish.runs.batch import run_batch
    from kpitrack.publish.runs.executors import DaskExecutor
    from kpitrack.publish.runs.monthly import bulletin_jobs

    regs = list(regions())[:3]

    def made(url: str, name: str) -> dict[str, str]:
        monkeypatch.setenv("KPITRACK_STORE", url)
        close_all()
        jobs, _, out = bulletin_jobs("2018-06", "synthetic", regs, formats=("html",), renderer="fallback",
                                     reports_dir=tmp_path / name)
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            result = run_batch(jobs, out, executor=DaskExecutor(client), force=True)
        assert [r.status for r in result.results] == ["ok"] * len(regs), [r.error for r in result.results]
        # what differs between two renders of the same document: the charts' random element ids and the id
        # papermill gives the cell of injected parameters
        def same(text: str) -> str:
            text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", text)
            return re.sub(r'id="cell-id=[0-9a-f]{8}"', "id=ID", text)

        return {p.name: same(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.html"))}

    pg = made(pg_server.new_database(), "pg")
    assert not (data_copy / ".store").exists()  # nobody opened SQLite: the driver and both workers read PostgreSQL
    lite = made(f"sqlite:///{data_copy / '.store' / 'kpitrack.sqlite'}", "sqlite")
    assert len(pg) == len(regs)
    for name in pg:
        import difflib

        assert pg[name] == lite[name], "".join(list(difflib.unified_diff(pg[name].splitlines(True), lite[name].splitlines(True)))[:40])


def test_a_read_only_workspace_is_read_from_its_csv_files(data_copy, monkeypatch):
    """A workspace nobody may write to (a shared checkout) keeps working: with no store named, its CSV
    files are read as they are (writing would fail anyway, with the machine's message)."""
    import kpitrack.data.store as store_mod

    monkeypatch.delenv("KPITRACK_STORE", raising=False)
    real = os.access
    monkeypatch.setattr(store_mod.os, "access", lambda p, mode: False if Path(p) == data_copy.resolve() else real(p, mode))
    s = open_store(data_copy)
    assert s.url == "files" and not (data_copy / ".store").exists()
    assert len(read_figures(data_copy / "actuals" / "hangzhou")) > 0


def test_a_ledgers_own_file_edited_after_an_ingest_is_a_conflict_not_ignored(data_copy, tmp_path, capsys):
    """Once a Table 2 ledger has vintages, its bundled file is vintage 0: an edit to that file is no
    longer read, so it is refused (exit 4), never silently ignored."""
    from kpitrack.cli import main

    f = tmp_path / "sp.csv"
    f.write_text("子目标编号,年份,数值,数据质量,来源\nS01.tourism_revenue,2019,4005,reported,公报\n", encoding="utf-8")
    assert main(["ingest", str(f), "--kind", "special"]) == 0
    special = data_copy / "actuals" / "hangzhou" / "special.csv"
    special.write_text(special.read_text(encoding="utf-8").replace("3589", "9999"), encoding="utf-8")
    close_all()
    capsys.readouterr()
    assert main(["status", "--as-of", "2018"]) == 4
    assert "special.csv was changed after the store took it as vintage 0" in capsys.readouterr().err


def test_a_store_of_schema_0001_is_upgraded_and_its_vintages_stay_dated(tmp_path):
    """Revision 0002 adds ``dated`` to the vintages: a store written before it opens, is upgraded
    in place, and reads its vintages as dated (their publication dates were stated)."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from kpitrack.data.store import sql

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = sa.create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(sql.__file__).with_name("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(sa.text("INSERT INTO vintages (scope, kind, vintage, ingested_at, known_from, file, sha256, source, rows, origin, "
                             "ingested_by) VALUES ('actuals/x', 'figures', 1, '2019-01-02T00:00:00Z', '2019-01-01', "
                             "'vintages/0001.csv', 'abc', 'old', 0, 'ingest', 'me')"))
    engine.dispose()
    store = sql.SqlStore(url, tmp_path)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == sql.SCHEMA_REVISION == "0002"
        assert sql._vintages(conn, "actuals/x")[0].dated is True
    store.engine.dispose()


def test_a_manifest_says_dated_only_once_a_vintage_is_undated(tmp_path):
    """The files store: vintages.csv gains the ``dated`` column with the first vintage ingested
    without a date (a tree written before stays byte for byte), and reads it back."""
    folder = tmp_path / "ds"
    append_vintage(folder, _figures(1), ingested_at="2026-01-01T00:00:00Z", known_from="2019-01-01", sha256="a", source="a")
    assert (folder / "vintages.csv").read_text().splitlines()[0] == "vintage,ingested_at,known_from,file,sha256,source,rows"
    f = _figures(2).assign(known_from="")
    append_vintage(folder, f, ingested_at="2026-02-01T00:00:00Z", known_from="2026-02-01", sha256="b", source="b", dated=False)
    assert (folder / "vintages.csv").read_text().splitlines()[0].endswith(",rows,dated")
    assert [v.dated for v in read_manifest(folder)] == [True, False]
    got = read_figures(folder)
    assert list(got["dated"]) == [True, False] and list(got["known_from"]) == ["2019-01-01", "2026-02-01"]
    (folder / "vintages.csv").write_text((folder / "vintages.csv").read_text().replace(",b,1,0", ",b,1,maybe"))
    with pytest.raises(Exception, match=r"vintages.csv:3:dated: 'maybe'"):
        read_manifest(folder)

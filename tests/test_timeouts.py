"""Every outside program runs under KPITRACK_RENDER_TIMEOUT (issue 19): a Quarto that hangs fails
its own bulletin with a clear message, the others finish, the lock is released, exit code 1."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from kpitrack.cli import main
from kpitrack.core.exceptions import ParameterError
from kpitrack.publish.runs import monthly
from kpitrack.publish.runs.monthly import bulletin_folder
from kpitrack.publish.render import render_timeout, run_tool

from .conftest import REPO

FAKE_QUARTO = """#!/bin/sh
# a fake quarto: hangs on 西湖区 (330106); writes a one-line page for anything else, where Quarto would
[ "$1" = "--version" ] && { echo 9.9.9; exit 0; }
src="$2"
case "$src" in *330106*) sleep 120 ;; esac
printf '<html><head></head><body>fake quarto</body></html>' > "${src%.ipynb}.html"
"""


def _fake_quarto(tmp_path, script: str):
    """A folder holding an executable ``quarto`` that runs ``script``: put it first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "quarto").write_text(script, encoding="utf-8")
    (bin_dir / "quarto").chmod(0o755)
    return bin_dir


@pytest.mark.slow
def test_a_hung_quarto_fails_its_bulletin_and_the_others_finish(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", f"{_fake_quarto(tmp_path, FAKE_QUARTO)}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("KPITRACK_RENDER_TIMEOUT", "4")
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(REPO / "reports" / "_quarto.yml", reports)
    monkeypatch.setattr(monthly, "bulletin_folder", lambda month, dataset, reports_dir=None: bulletin_folder(month, dataset, reports))
    args = ["bulletins", "--month", "2018-06", "--dataset", "synthetic", "--regions", "西湖区,滨江区", "--to", "html",
            "--renderer", "quarto", "--jobs", "2"]
    start = time.monotonic()
    assert main(args) == 1
    assert time.monotonic() - start < 90  # the hung render was stopped, not waited for
    out = bulletin_folder("2018-06", "synthetic", reports)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    hung, fine = manifest["items"]["330106"], manifest["items"]["330108"]
    assert hung["status"] == "failed" and "KPITRACK_RENDER_TIMEOUT" in hung["error"] and "quarto" in hung["error"]
    assert fine["status"] == "ok" and (out / "330108.html").is_file() and not (out / "330106.html").exists()
    assert "KPITRACK_RENDER_TIMEOUT" in capsys.readouterr().out
    # the lock is gone: a second run is not told the month is being written (75)
    assert main(args) == 1


def test_run_tool_stops_a_program_and_its_children(monkeypatch):
    from kpitrack.core.exceptions import RenderError

    monkeypatch.setenv("KPITRACK_RENDER_TIMEOUT", "1")
    start = time.monotonic()
    with pytest.raises(RenderError, match="took longer than 1 s"):
        run_tool(["sh", "-c", "sleep 30 & sleep 30"], "a test program")
    assert time.monotonic() - start < 15


@pytest.mark.parametrize("bad", ["abc", "0", "-5"])
def test_a_bad_render_timeout_is_refused(monkeypatch, bad):
    monkeypatch.setenv("KPITRACK_RENDER_TIMEOUT", bad)
    with pytest.raises(ParameterError, match="KPITRACK_RENDER_TIMEOUT"):
        render_timeout()


@pytest.fixture()
def two_bulletins(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(REPO / "reports" / "_quarto.yml", reports)
    monkeypatch.setattr(monthly, "bulletin_folder", lambda month, dataset, reports_dir=None: bulletin_folder(month, dataset, reports))
    return bulletin_folder("2018-06", "synthetic", reports)


def _without_quarto() -> str:
    return os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep) if not os.path.exists(os.path.join(d, "quarto")))


ARGS = ["bulletins", "--month", "2018-06", "--dataset", "synthetic", "--regions", "滨江区"]


@pytest.mark.slow
def test_up_to_date_knows_the_renderer_and_the_formats_and_an_issued_bulletin_is_never_remade(two_bulletins, tmp_path,
                                                                                               monkeypatch, capsys):
    from kpitrack.publish.render import pdf_prerequisites

    monkeypatch.setenv("PATH", _without_quarto())  # no real Quarto: auto is the fallback
    assert main([*ARGS, "--to", "html"]) == 0
    issued = (two_bulletins / "330108.html").read_bytes()
    # a reproduction of the data as known on a date is not issued: "up to date" knows renderer and formats
    asof = [*ARGS, "--data-as-of", "2026-11-27"]
    folder = two_bulletins.with_name(two_bulletins.name + "-asof2026-11-27")
    assert main([*asof, "--to", "html"]) == 0
    assert main([*asof, "--to", "html"]) == 0 and "1 up to date" in capsys.readouterr().out
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "formats" not in manifest and "regions" not in manifest  # per run, in its items: not the last run's as the folder's
    if not pdf_prerequisites():  # the PDF was not made: asking for it makes it, without --force
        assert main([*asof, "--to", "html,pdf"]) == 0
        assert (folder / "330108.pdf").is_file() and "1 written" in capsys.readouterr().out
    # Quarto now on PATH: "auto" means Quarto, so the reproduction is rendered again ...
    monkeypatch.setenv("PATH", f"{_fake_quarto(tmp_path, FAKE_QUARTO)}{os.pathsep}{os.environ['PATH']}")
    assert main([*asof, "--to", "html"]) == 0
    assert "1 written" in capsys.readouterr().out and "fake quarto" in (folder / "330108.html").read_text(encoding="utf-8")
    # ... but the renderer is no reason to remake the issued bulletin
    assert main([*ARGS, "--to", "html"]) == 0 and "1 issued" in capsys.readouterr().out
    assert (two_bulletins / "330108.html").read_bytes() == issued


@pytest.mark.slow
def test_a_bad_setting_is_refused_before_any_job_and_removes_nothing(two_bulletins, monkeypatch, capsys):
    monkeypatch.setenv("PATH", _without_quarto())
    assert main([*ARGS, "--to", "html"]) == 0
    before = sorted(p.name for p in two_bulletins.iterdir())
    monkeypatch.setenv("KPITRACK_CELL_TIMEOUT", "abc")
    assert main([*ARGS, "--to", "html", "--force"]) == 2
    assert "KPITRACK_CELL_TIMEOUT" in capsys.readouterr().err
    monkeypatch.delenv("KPITRACK_CELL_TIMEOUT")
    assert main([*ARGS, "--to", "html", "--force", "--renderer", "quarto"]) == 2  # no Quarto on PATH
    assert sorted(p.name for p in two_bulletins.iterdir()) == before and (two_bulletins / "330108.html").is_file()


@pytest.mark.slow
def test_an_as_of_run_goes_to_a_folder_of_its_own(two_bulletins, monkeypatch, capsys):
    monkeypatch.setenv("PATH", _without_quarto())
    assert main([*ARGS, "--to", "html"]) == 0
    before = (two_bulletins / "330108.html").read_bytes()
    assert main([*ARGS, "--to", "html", "--data-as-of", "2026-11-27"]) == 0
    assert (two_bulletins / "330108.html").read_bytes() == before  # the month's published bulletin untouched
    assert (two_bulletins.with_name(two_bulletins.name + "-asof2026-11-27") / "330108.html").is_file()


FLAKY_QUARTO = """#!/bin/sh
# fails the first render of each file without a word, as a real Quarto once did in a batch
[ "$1" = "--version" ] && { echo 9.9.9; exit 0; }
src="$2"
if [ ! -e "$src.tried" ]; then touch "$src.tried"; exit 1; fi
printf '<html><head></head><body>second try</body></html>' > "${src%.ipynb}.html"
"""


@pytest.mark.slow
def test_a_quarto_render_that_fails_once_is_tried_again(two_bulletins, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_quarto(tmp_path, FLAKY_QUARTO)}{os.pathsep}{_without_quarto()}")
    assert main([*ARGS, "--to", "html", "--renderer", "quarto"]) == 0
    assert "second try" in (two_bulletins / "330108.html").read_text(encoding="utf-8")

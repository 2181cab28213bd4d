"""Quarto's renders started while the notebook runs (kpitrack.publish.render.quarto._Ahead): they wait
at the project's pre-render script until kpitrack hands them the notebook, give what a render started
afterwards gives, are used only for the notebook they were handed, and leave nothing when not used."""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from concurrent.futures import Future
from pathlib import Path

import nbformat
import pytest

from kpitrack.data.workspaces import REPORT_FILES
from kpitrack.publish.render import quarto

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "reports" / quarto.AHEAD_SCRIPT
needs_quarto = pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto CLI not on PATH")


def _script(env: dict[str, str], given: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(SCRIPT)], input=given, env={"PATH": "/usr/bin:/bin", **env}, capture_output=True,
                          text=True, timeout=10, stdin=None if given is not None else subprocess.PIPE)


def test_the_script_waits_only_for_kpitrack_and_fails_once_kpitrack_is_gone():
    assert _script({}, None).returncode == 0  # a user's render: nothing read, nothing waited for
    assert _script({quarto.AHEAD_VARIABLE: "0"}, None).returncode == 0
    went = _script({quarto.AHEAD_VARIABLE: "1"}, "go\n")
    assert went.returncode == 0 and quarto.AHEAD_WENT_ON in went.stderr  # what kpitrack checks before using it
    assert _script({quarto.AHEAD_VARIABLE: "1"}, "").returncode == 1  # kpitrack gone: its input closed
    assert _script({quarto.AHEAD_VARIABLE: "1"}, "stop\n").returncode == 1


def test_only_a_render_started_ahead_waits_even_with_the_variable_in_the_users_shell(monkeypatch):
    monkeypatch.setenv(quarto.AHEAD_VARIABLE, "1")
    assert quarto.AHEAD_VARIABLE not in quarto._quarto_env(ahead=False)  # the render after the notebook, its retry
    assert quarto._quarto_env(ahead=True)[quarto.AHEAD_VARIABLE] == "1"


def test_only_a_project_that_runs_the_script_is_rendered_ahead(tmp_path):
    assert quarto._waits_ahead(REPO / "reports")
    assert quarto._waits_ahead(REPO / "examples" / "hangzhou-14th" / "reports")
    (tmp_path / "_quarto.yml").write_text("project:\n  type: default\n", encoding="utf-8")
    assert not quarto._waits_ahead(tmp_path)  # an older workspace's project: rendered after the notebook, as before
    shutil.copy(SCRIPT, tmp_path)
    assert not quarto._waits_ahead(tmp_path)
    (tmp_path / "_quarto.yml").write_text(f"project:\n  pre-render: [sh {quarto.AHEAD_SCRIPT}]\n", encoding="utf-8")
    assert quarto._waits_ahead(tmp_path)
    (tmp_path / "_quarto.yml").write_text("project: [\n", encoding="utf-8")
    assert not quarto._waits_ahead(tmp_path)


@pytest.fixture()
def work(tmp_path, monkeypatch):
    """A copy of the reports' Quarto project with a scratch folder, pictures needing no browser."""
    done: Future = Future()
    done.set_result(None)
    monkeypatch.setattr(quarto, "start_chart_images", lambda nb: done)
    project = tmp_path / "reports"
    project.mkdir()
    for name in REPORT_FILES:
        if (REPO / "reports" / name).is_file():
            shutil.copy(REPO / "reports" / name, project / name)
    folder = project / "work-doc-1-1"
    folder.mkdir()
    return folder


def _notebook(text: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_raw_cell("---\ntitle: 试行文件\n---"),
                nbformat.v4.new_markdown_cell(f"## 一、总体情况\n\n{text}\n\n| 指标 | 数值 |\n|---|---|\n| 甲 | 1 |\n")]
    return nb


def _written(nb: nbformat.NotebookNode, path: Path) -> Path:
    """As papermill writes it after the last cell: its record of the run and the kernel's language_info added."""
    nb = nbformat.from_dict(nb)
    nb.metadata["papermill"] = {"duration": 1.0, "end_time": "2026-12-08T00:00:00"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11", "mimetype": "text/x-python"}
    nbformat.write(nb, str(path))
    return path


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _left(project: Path) -> list[str]:
    return sorted(str(p.relative_to(project)) for p in project.rglob("*")
                  if p.is_file() and ".quarto" not in p.parts and p.suffix != ".lock"
                  and p.name not in REPORT_FILES and p.name != "report.css")


def _sessions(project: Path, tmp: Path) -> list[Path]:
    """Quarto's temporary folders (a killed Quarto leaves them)."""
    return [*(project / ".quarto").glob("quarto-session-temp*"), *tmp.glob("quarto-session*")]


@needs_quarto
def test_renders_started_ahead_give_what_a_render_afterwards_gives(work, tmp_path, caplog):
    r = quarto.QuartoRenderer()
    nb = _notebook("全市关键绩效指标总体进展顺利。")
    notebook = _written(nb, work / "doc.ipynb")
    after = r.render(notebook, ("html", "pdf"), tmp_path / "after")

    r.prepare(("html", "pdf"), where=work)
    ahead = quarto._aheads.current
    assert ahead is not None and set(ahead.jobs) == {"html", "pdf"}
    time.sleep(1.0)
    assert all(proc.poll() is None for proc, _ in ahead.jobs.values())  # waiting for the notebook
    r.executed(nb, ("html", "pdf"))
    with caplog.at_level(logging.INFO, logger="kpitrack.publish.render.quarto"):
        made = r.render(notebook, ("html", "pdf"), tmp_path / "ahead")
    assert "rendered by the Quarto renders started while it ran" in caplog.text
    assert made.outputs["html"].read_bytes() == after.outputs["html"].read_bytes()
    if shutil.which("pdftotext"):
        assert _pdf_text(made.outputs["pdf"]) == _pdf_text(after.outputs["pdf"])
        assert "全市关键绩效指标总体进展顺利" in _pdf_text(made.outputs["pdf"])
    assert _left(work.parent) == ["work-doc-1-1/doc.ipynb"]  # no source, output or folder of theirs is left


@needs_quarto
def test_a_notebook_written_otherwise_is_rendered_from_its_file(work, tmp_path, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    r = quarto.QuartoRenderer()
    r.prepare(("html",), where=work)
    ahead = quarto._aheads.current
    r.executed(_notebook("甲稿的文字。"), ("html",))
    notebook = _written(_notebook("乙稿的文字。"), work / "doc.ipynb")
    made = r.render(notebook, ("html",), tmp_path / "out")
    page = made.outputs["html"].read_text(encoding="utf-8")
    assert "乙稿的文字" in page and "甲稿的文字" not in page
    assert all(proc.poll() is not None for proc, _ in ahead.jobs.values())
    assert _left(work.parent) == ["work-doc-1-1/doc.ipynb"]
    assert _sessions(work.parent, temp) == []  # the one told to go on was asked to stop, and cleaned up


@needs_quarto
def test_renders_not_taken_are_stopped_and_leave_nothing(work, tmp_path, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    r = quarto.QuartoRenderer()
    r.prepare(("html", "pdf"), where=work)  # the notebook then fails: nothing is handed to them
    ahead = quarto._aheads.current
    time.sleep(1.5)  # waiting in the script by now
    r.release()
    assert quarto._aheads.current is None
    assert all(proc.poll() is not None for proc, _ in ahead.jobs.values())
    assert _left(work.parent) == []
    assert _sessions(work.parent, temp) == []  # each ended by itself, its temporary folders removed


@needs_quarto
@pytest.mark.parametrize("handed", ["at once", "once they ended"])
def test_a_profile_that_replaces_the_script_still_gives_the_notebook(work, tmp_path, monkeypatch, handed):
    """A Quarto profile whose pre-render replaces the project's: the renders do not wait; what they
    made of the placeholder is never published (rendered again, or not used)."""
    (work.parent / "_quarto-fast.yml").write_text("project:\n  pre-render: echo fast\n", encoding="utf-8")
    monkeypatch.setenv("QUARTO_PROFILE", "fast")
    r = quarto.QuartoRenderer()
    nb = _notebook("配置文件替换了脚本。")
    r.prepare(("html", "pdf"), where=work)
    if handed != "at once":
        for proc, _ in quarto._aheads.current.jobs.values():
            proc.wait(timeout=60)
    r.executed(nb, ("html", "pdf"))
    made = r.render(_written(nb, work / "doc.ipynb"), ("html", "pdf"), tmp_path / "out")
    assert "配置文件替换了脚本" in made.outputs["html"].read_text(encoding="utf-8")
    if shutil.which("pdftotext"):
        assert "配置文件替换了脚本" in _pdf_text(made.outputs["pdf"])
    assert _left(work.parent) == ["_quarto-fast.yml", "work-doc-1-1/doc.ipynb"]


@needs_quarto
def test_a_render_waiting_for_a_kpitrack_that_has_gone_ends(work):
    r = quarto.QuartoRenderer()
    r.prepare(("html",), where=work)
    ahead = quarto._aheads.current
    proc, _ = ahead.jobs["html"]
    proc.stdin.close()  # as when kpitrack is killed: the render's input ends without the word to go
    assert proc.wait(timeout=60) != 0
    r.release()
    assert _left(work.parent) == []

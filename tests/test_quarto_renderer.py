"""The Quarto renderer's own failures, with a stand-in `quarto` on PATH (no real Quarto needed): one
that does not run is refused before any work, with its own words; a failed HTML publishes no PDF
(as with the fallback renderer), and the error says each thing once."""

from __future__ import annotations

import os
import stat
from concurrent.futures import Future
from pathlib import Path

import nbformat
import pytest

from kpitrack.core.exceptions import ParameterError, RenderError
from kpitrack.publish.render import quarto


def _fake_quarto(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "quarto"
    exe.write_text("#!/usr/bin/env bash\n" + body, encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def _left(project: Path) -> list[str]:
    """The files under the project (the project's output folder may stay, empty)."""
    return sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())


@pytest.fixture()
def on_path(monkeypatch, tmp_path):
    def put(body: str) -> Path:
        exe = _fake_quarto(tmp_path / "bin", body)
        monkeypatch.setenv("PATH", f"{exe.parent}{os.pathsep}{os.environ['PATH']}")
        quarto._quarto_version_run.cache_clear()
        return exe
    yield put
    quarto._quarto_version_run.cache_clear()


def test_a_quarto_that_does_not_run_is_refused_before_any_work(on_path):
    on_path('echo "quarto: source folder /gone not found; run its setup again" >&2\nexit 1\n')
    with pytest.raises(ParameterError, match=r"does not run \(quarto: source folder /gone not found; run its setup again\)"):
        quarto.QuartoRenderer().check_available()


def test_a_quarto_that_runs_is_accepted(on_path):
    on_path('[ "$1" = "--version" ] && echo 1.7.34 && exit 0\nexit 1\n')
    quarto.QuartoRenderer().check_available()
    assert quarto.QuartoRenderer().identity() == "quarto 1.7.34"


def _project(tmp_path: Path, monkeypatch) -> Path:
    """A Quarto project holding doc.ipynb, its PDF needing no pictures and no prerequisites."""
    monkeypatch.setattr(quarto, "pdf_prerequisites", lambda: [])
    done: Future = Future()
    done.set_result(None)
    monkeypatch.setattr(quarto, "start_chart_images", lambda nb: done)
    project = tmp_path / "project"
    project.mkdir()
    (project / "_quarto.yml").write_text("project:\n  type: default\n  output-dir: _output\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## 正文")]
    nbformat.write(nb, str(project / "doc.ipynb"))
    return project


def test_a_failed_html_publishes_no_pdf_and_says_its_error_once(on_path, tmp_path, monkeypatch):
    # HTML fails (twice: the renderer tries once more); the PDF would succeed
    on_path('case "$*" in\n'
            '  *"--to html"*) echo "html broke here" >&2; exit 1;;\n'
            '  *"--to typst"*) mkdir -p _output; stem=$(basename "$2" .ipynb); echo "%PDF" > "_output/$stem.pdf"; exit 0;;\n'
            'esac\nexit 0\n')
    project = _project(tmp_path, monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    (out / "doc.pdf").write_text("an earlier PDF", encoding="utf-8")
    with pytest.raises(RenderError) as info:
        quarto.QuartoRenderer().render(project / "doc.ipynb", ("html", "pdf"), out)
    text = str(info.value)
    assert "to html failed (1)" in text and text.count("html broke here") == 1
    assert "the PDF is not published without its HTML" in text and "written: nothing" in text
    assert list(out.iterdir()) == [] and info.value.outputs == {}
    assert _left(project) == ["_quarto.yml", "doc.ipynb"]  # nothing of the PDF's render


def test_a_pdf_render_stopped_half_way_leaves_nothing_behind(on_path, tmp_path, monkeypatch):
    """The HTML fails while the PDF's Quarto is still running: it is stopped, and what it wrote so far
    (its typst file, its output) is removed."""
    on_path('case "$*" in\n'
            '  *"--to html"*) sleep 1; echo "html broke" >&2; exit 1;;\n'
            '  *"--to typst"*) mkdir -p _output; stem=$(basename "$2" .ipynb); echo typ > "$stem.typ"; '
            'echo "%PDF" > "_output/$stem.pdf"; sleep 60; exit 0;;\n'
            'esac\nexit 0\n')
    project = _project(tmp_path, monkeypatch)
    with pytest.raises(RenderError, match="not published without its HTML"):
        quarto.QuartoRenderer().render(project / "doc.ipynb", ("html", "pdf"), tmp_path / "out")
    assert _left(project) == ["_quarto.yml", "doc.ipynb"]


def test_a_quarto_that_prints_no_version_is_refused(on_path):
    on_path("exit 0\n")
    with pytest.raises(ParameterError, match="printed no version"):
        quarto.QuartoRenderer().check_available()

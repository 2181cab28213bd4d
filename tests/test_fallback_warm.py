"""What the fallback renderer warms while a notebook runs. The typst compilers
(kpitrack.publish.render.typst_worker): one process compiles document after document, each file read
afresh; a typst error fails the document and leaves the compiler usable; a compiler that hangs is
killed at the render timeout, one that dies is said; a compiler ends with its parent and after its
idle time. The HTML exporter: built once, lent to one page at a time, the same page as a new one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import nbformat

from kpitrack.core.exceptions import RenderError
from kpitrack.publish.render import fallback, find_cjk_font, get_renderer, typst_worker

pytestmark = pytest.mark.skipif(find_cjk_font() is None, reason="no CJK font")


@pytest.fixture(autouse=True)
def _fresh():
    typst_worker.end_all()
    yield
    typst_worker.end_all()
    fallback.warm_up_html()  # none left being built by a test
    fallback._take_exporter()


def _text(pdf: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()


def _pids() -> set[int]:
    return {c.proc.pid for c in typst_worker._idle}


def test_one_compiler_sets_document_after_document_each_read_afresh(tmp_path):
    """The same paths written again (source and picture) give the new pages, from the same process."""
    pids = set()
    for i, word in enumerate(["第一版", "第二版"]):
        (tmp_path / "a.typ").write_text(f"= 标题\n{word} alpha{i}\n#image(\"p.svg\", width: 2cm)\n", encoding="utf-8")
        (tmp_path / "p.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10">'
                                        f'<text x="0" y="8">IMG{i}</text></svg>', encoding="utf-8")
        typst_worker.compile_pdf(tmp_path / "a.typ", tmp_path / "a.pdf", tmp_path, find_cjk_font())
        assert _text(tmp_path / "a.pdf") == ["标题", word, f"alpha{i}", f"IMG{i}"]
        pids |= _pids()
    assert len(pids) == 1 and typst_worker.waiting() == 1


def test_warm_up_then_at_once_a_document(tmp_path):
    """The warm-up and the first request can reach the compiler in one read: both are done (the
    request is not left unseen until the compiler's idle time runs out)."""
    (tmp_path / "a.typ").write_text("中文 text\n", encoding="utf-8")
    typst_worker.warm_up(find_cjk_font())
    typst_worker.warm_up(find_cjk_font())  # one is waiting already: no second
    assert len(_pids()) == 1
    start = time.monotonic()
    typst_worker.compile_pdf(tmp_path / "a.typ", tmp_path / "a.pdf", tmp_path, find_cjk_font())
    assert time.monotonic() - start < 60
    assert _text(tmp_path / "a.pdf") == ["中文", "text"]


def test_a_typst_error_fails_the_document_and_the_compiler_goes_on(tmp_path):
    (tmp_path / "bad.typ").write_text("#let x = \n", encoding="utf-8")
    (tmp_path / "good.typ").write_text("好\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"typst could not compile bad\.typ: expected expression"):
        typst_worker.compile_pdf(tmp_path / "bad.typ", tmp_path / "bad.pdf", tmp_path, find_cjk_font())
    assert not (tmp_path / "bad.pdf").exists()
    pid = _pids()
    typst_worker.compile_pdf(tmp_path / "good.typ", tmp_path / "good.pdf", tmp_path, find_cjk_font())
    assert _pids() == pid and _text(tmp_path / "good.pdf") == ["好"]


def test_a_compiler_that_hangs_is_killed_at_the_render_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("KPITRACK_RENDER_TIMEOUT", "1")
    monkeypatch.setattr(typst_worker, "_CHILD", "import sys, time\nsys.stdin.readline()\ntime.sleep(600)\n")
    (tmp_path / "a.typ").write_text("x\n", encoding="utf-8")
    start = time.monotonic()
    with pytest.raises(RenderError, match=r"typst \(typst to PDF\) took longer than 1 s \(KPITRACK_RENDER_TIMEOUT\)"):
        typst_worker.compile_pdf(tmp_path / "a.typ", tmp_path / "a.pdf", tmp_path, find_cjk_font())
    assert time.monotonic() - start < 30
    assert typst_worker.waiting() == 0  # killed, not given back


def test_a_compiler_that_dies_is_said(tmp_path, monkeypatch):
    monkeypatch.setattr(typst_worker, "_CHILD", "import sys\nsys.stdin.readline()\nsys.exit('out of memory')\n")
    (tmp_path / "a.typ").write_text("x\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"ended without an answer \(exit 1\): out of memory"):
        typst_worker.compile_pdf(tmp_path / "a.typ", tmp_path / "a.pdf", tmp_path, find_cjk_font())


def test_a_compiler_ends_after_its_idle_time_and_another_starts(tmp_path, monkeypatch):
    monkeypatch.setattr(typst_worker, "IDLE_SECONDS", 6)  # the parent stops lending it 5 s earlier
    (tmp_path / "a.typ").write_text("x\n", encoding="utf-8")
    typst_worker.compile_pdf(tmp_path / "a.typ", tmp_path / "a.pdf", tmp_path, find_cjk_font())
    (first,) = typst_worker._idle
    first.proc.wait(timeout=30)  # it leaves on its own
    assert typst_worker.waiting() == 0
    typst_worker.compile_pdf(tmp_path / "a.typ", tmp_path / "a.pdf", tmp_path, find_cjk_font())
    assert _pids() and first.proc.pid not in _pids()


def test_a_compiler_ends_with_its_parent_even_after_kill_9(tmp_path):
    """A parent killed with SIGKILL closes the compiler's pipe: the compiler leaves (no process is left
    behind by a killed batch)."""
    script = ("import os, signal, sys\nfrom kpitrack.publish.render import find_cjk_font, typst_worker\n"
              "typst_worker.warm_up(find_cjk_font())\nprint(typst_worker._idle[0].proc.pid, flush=True)\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(pid, 9)
    pytest.fail(f"the compiler {pid} outlived its killed parent")


def _notebook(word: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"## 一、{word}\n\n正文 <b>x</b> & y"),
                nbformat.v4.new_code_cell("1", outputs=[nbformat.v4.new_output(
                    "display_data", data={"text/markdown": f"| 指标 | 值 |\n|---|---|\n| {word} | 1.0% |"})])]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"  # not new random ones each time
    return nb


def test_the_warm_exporter_writes_the_pages_a_new_one_writes(monkeypatch):
    """Pages written one after another by the exporter built ahead, and four at once from threads
    (each lent an exporter of its own), are those a new exporter writes."""
    from concurrent.futures import ThreadPoolExecutor

    with monkeypatch.context() as m:
        m.setattr(fallback, "_take_exporter", fallback._new_exporter)
        m.setattr(fallback, "_give_back_exporter", lambda e: None)
        expected = {w: fallback.notebook_html(_notebook(w), {"title": w}) for w in ("甲", "乙", "丙", "丁")}
    fallback._exporters.clear()
    fallback.warm_up_html()
    assert {w: fallback.notebook_html(_notebook(w), {"title": w}) for w in expected} == expected
    assert len(fallback._exporters) == 1  # the one built ahead, lent and given back each time
    with ThreadPoolExecutor(4) as pool:
        pages = dict(zip(expected, pool.map(lambda w: fallback.notebook_html(_notebook(w), {"title": w}), expected)))
    assert pages == expected and 1 <= len(fallback._exporters) <= 4


def test_prepare_warms_the_html_exporter_and_a_typst_compiler(monkeypatch):
    from kpitrack.publish.render import base

    monkeypatch.setattr(base, "warm_up_chart_images", lambda: None)  # Chromium is another test's
    fallback._exporters.clear()
    renderer = get_renderer("fallback")
    renderer.prepare(("html",))
    assert typst_worker.waiting() == 0  # no PDF wanted: no compiler
    fallback._take_exporter()  # waits for the one being built
    renderer.prepare(("html", "pdf"))
    assert typst_worker.waiting() == 1

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

from .conftest import process_gone

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
    hung: list[int] = []
    monkeypatch.setattr(typst_worker, "_answer", lambda c, *a, real=typst_worker._answer: hung.append(c.proc.pid) or real(c, *a))
    (tmp_path / "a.typ").write_text("x\n", encoding="utf-8")
    start = time.monotonic()
    with pytest.raises(RenderError, match=r"typst \(typst to PDF\) took longer than 1 s \(KPITRACK_RENDER_TIMEOUT\)"):
        typst_worker.compile_pdf(tmp_path / "a.typ", tmp_path / "a.pdf", tmp_path, find_cjk_font())
    assert time.monotonic() - start < 30
    assert typst_worker.waiting() == 0  # killed, not given back
    assert process_gone(hung[0])




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
    if not process_gone(pid, 30):
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


def test_prepare_warms_the_html_exporter_and_a_typst_compiler_once_chromium_has_started(monkeypatch):
    """Renderer.prepare starts Chromium for a PDF's pictures first, and the renderer's own warm-ups once
    it has started (on two cores, both at once would slow the kernel); without a PDF, at once."""
    from kpitrack.publish.render import base

    chromium_started: list = []
    monkeypatch.setattr(base, "warm_up_chart_images", lambda then: chromium_started.append(then))  # Chromium: another test
    monkeypatch.setattr(base, "want_chart_images", lambda wanted: None)  # nor are later tests' charts drawn ahead
    monkeypatch.setattr(base, "pdf_prerequisites", lambda: [])
    fallback._exporters.clear()
    renderer = get_renderer("fallback")
    renderer.prepare(("html",))
    assert typst_worker.waiting() == 0 and not chromium_started  # no PDF wanted: no compiler, no Chromium
    fallback._take_exporter()  # waits for the one being built
    renderer.prepare(("html", "pdf"))
    assert typst_worker.waiting() == 0 and fallback._warming is None  # not before Chromium has started
    (started,) = chromium_started
    started()
    assert typst_worker.waiting() == 1
    assert fallback._take_exporter() is not None


def test_a_waiting_compiler_found_gone_is_replaced_and_a_broken_answer_is_a_render_error(tmp_path, monkeypatch):
    """A compiler that ended after it was given back (killed by the system, say) is replaced once; a
    pipe that breaks or an answer that is not one fails the PDF as a RenderError naming the document
    (the HTML is still published), never as another error."""
    (tmp_path / "a.typ").write_text("甲\n", encoding="utf-8")
    typst_worker.compile_pdf(tmp_path / "a.typ", tmp_path / "a.pdf", tmp_path, find_cjk_font())
    (first,) = typst_worker._idle
    monkeypatch.setattr(first, "alive", lambda: True)  # it looks alive when taken, and is gone
    first.proc.kill()
    first.proc.wait()
    typst_worker.compile_pdf(tmp_path / "a.typ", tmp_path / "b.pdf", tmp_path, find_cjk_font())
    assert _text(tmp_path / "b.pdf") == ["甲"] and first.proc.pid not in _pids()
    typst_worker.end_all()
    monkeypatch.setattr(typst_worker, "_CHILD", "import sys\nsys.stdin.readline()\nprint('not json', flush=True)\n"
                                                "sys.stdin.readline()\n")
    with pytest.raises(RenderError, match=r"typst could not compile a\.typ: JSONDecodeError"):
        typst_worker.compile_pdf(tmp_path / "a.typ", tmp_path / "c.pdf", tmp_path, find_cjk_font())


def test_a_forked_child_neither_waits_for_its_parents_warm_up_nor_keeps_its_compilers(tmp_path):
    """After a plain fork: the child writes a page at once (the exporter its parent was building in a
    thread never comes there), and the parent's compiler still ends when the parent is killed, though the child
    lives on (the child closed its copy of the compiler's pipe)."""
    script = (
        "import os, signal, sys, time\n"
        "import nbformat\n"
        "from kpitrack.publish.render import fallback, find_cjk_font, typst_worker\n"
        "from concurrent.futures import Future\n"
        "typst_worker.warm_up(find_cjk_font())\n"
        "fallback._take_exporter()  # nbconvert imported: a fork while a thread imports is unsafe whatever one does\n"
        "fallback._warming = Future()  # as when a thread is building the exporter as the process forks\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    signal.alarm(60)\n"
        "    page = fallback.notebook_html(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('## 子')]), {})\n"
        "    print('child wrote', '子' in page, typst_worker.waiting(), flush=True)\n"
        "    time.sleep(30)\n"
        "    os._exit(0)\n"
        "print('child', pid, 'compiler', typst_worker._idle[0].proc.pid, flush=True)\n"
        "time.sleep(20)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline().split(), proc.stdout.readline().split()]
        child_line = next(line for line in lines if line[0] == "child" and line[1] == "wrote")
        assert child_line == ["child", "wrote", "True", "0"]
        info = next(line for line in lines if line[0] == "child" and line[1] != "wrote")
        child, compiler = int(info[1]), int(info[3])
        proc.kill()
        proc.wait()
        assert process_gone(compiler, 20), "the compiler outlived its killed parent while the forked child lived"
    finally:
        proc.kill()
        try:
            os.kill(child, 9)
        except (NameError, ProcessLookupError):
            pass


def test_a_notebook_is_parsed_once_for_its_readers_and_afresh_when_it_changes(tmp_path, monkeypatch):
    import threading

    from kpitrack.publish.render import notebook_read

    notebook_read.forget()
    parses: list[int] = []
    real = nbformat.reads
    monkeypatch.setattr(nbformat, "reads", lambda *a, **k: parses.append(1) or (time.sleep(0.2), real(*a, **k))[1])
    path = tmp_path / "n.ipynb"
    nbformat.write(_notebook("甲"), str(path))
    got: list = []
    readers = [threading.Thread(target=lambda: got.append(notebook_read.read_notebook(path))) for _ in range(4)]
    for t in readers:
        t.start()
    for t in readers:
        t.join()
    assert len(parses) == 1 and all(nb is got[0] for nb in got)
    nbformat.write(_notebook("乙"), str(path))  # the same path, other bytes
    assert "乙" in notebook_read.read_notebook(path).cells[0].source and len(parses) == 2
    path.write_text("{not a notebook", encoding="utf-8")
    with pytest.raises(Exception):
        notebook_read.read_notebook(path)
    assert notebook_read._parsing == {}  # a parse that failed leaves nobody waiting on it
    notebook_read.forget()


def test_a_compiler_that_will_not_leave_is_killed_and_reaped(monkeypatch):
    """end() on a compiler that ignores its closed pipe (busy with a compile, say): killed after 2 s and
    reaped, no error (its pipes were closed first)."""
    monkeypatch.setattr(typst_worker, "_CHILD", "import time\ntime.sleep(600)\n")
    c = typst_worker._start([], warm=False)
    c.end()
    assert c.proc.returncode is not None


def test_a_render_forgets_its_own_notebook_only(tmp_path):
    from kpitrack.publish.render import notebook_read

    notebook_read.forget()
    a, b = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    nbformat.write(_notebook("甲"), str(a))
    nbformat.write(_notebook("乙"), str(b))
    kept_b = notebook_read.read_notebook(b)
    notebook_read.read_notebook(a)
    notebook_read.forget(a)
    assert notebook_read.read_notebook(b) is kept_b and len(notebook_read._read) == 1
    notebook_read.forget()

"""The charts' pictures for the PDF: made from the figures a notebook holds, and a failure costs
the PDF only."""

from __future__ import annotations

import base64
import shutil
import tempfile
from concurrent.futures import Future
from pathlib import Path

import nbformat
import plotly.graph_objects as go
import pytest

from kpitrack.core.exceptions import NotebookError, RenderError
from kpitrack.core.paths import repo_root
from kpitrack.publish.render import chart_images
from kpitrack.publish import render
from kpitrack.publish.content.display import figure_html

from .browser import need_chromium
from .conftest import parameterised_notebook
from kpitrack.publish.render.chromium import static_export_available


def _notebook(path: Path, charts: int = 2) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_raw_cell('---\ntitle: "图片测试"\n---'), nbformat.v4.new_markdown_cell("## 图")]
    for i in range(charts):
        fig = go.Figure(go.Scatter(x=[2015, 2016], y=[i, i + 1], name=f"序列{i}"))
        fig.update_layout(title=f"图{i}")
        cell = nbformat.v4.new_code_cell("")
        cell.outputs = [nbformat.v4.new_output("display_data", data={
            "application/vnd.plotly.v1+json": fig.to_plotly_json(), "text/html": figure_html(fig), "text/plain": "<chart>"})]
        nb.cells.append(cell)
    nb.metadata = {"kernelspec": {"name": "kpitrack", "display_name": "Python (kpitrack)", "language": "python"}}
    nbformat.write(nb, str(path))
    return path


def test_pictures_are_svg_in_chart_order(tmp_path):
    need_chromium()
    if not static_export_available()[0]:
        pytest.skip(static_export_available()[1])
    nb = _notebook(tmp_path / "t.ipynb")
    svgs = chart_images.chart_images(nb)
    assert len(svgs) == 2 and all(s.lstrip().startswith("<svg") for s in svgs)
    assert "图0" in svgs[0] and "图1" in svgs[1]
    assert chart_images.add_chart_images(nb, svgs) == 2
    assert chart_images.chart_images(nb) is None  # made already: nothing to do on a second render


def _without_ids(svg: str) -> str:
    """An SVG without the random ids plotly.js gives each drawing (its clip paths' names)."""
    import re

    return re.sub(r"(clip|defs-|topdefs-|trace|legend)[0-9a-f]{6}", r"\1ID", svg)


def test_the_headless_shell_and_the_full_browser_draw_the_same_pictures(tmp_path, monkeypatch):
    """kpitrack prefers Chromium's headless shell (it starts on about half the CPU); it must draw what
    the full browser draws. Both are on CI (.ci/run installs them)."""
    from kpitrack.publish.render import chromium

    found = {name: shutil.which(name) for name in ("chromium-headless-shell", "chromium")}
    if not all(found.values()):
        if __import__("os").environ.get("CI"):
            pytest.fail(f"CI has both browsers (.ci/run installs them); missing: {[n for n, p in found.items() if not p]}")
        pytest.skip("needs both chromium-headless-shell and chromium")
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    assert chromium.find_chromium() == found["chromium-headless-shell"]  # the shell first
    nb = _notebook(tmp_path / "t.ipynb", charts=3)
    drawn = {}
    for name, path in found.items():
        monkeypatch.setenv("BROWSER_PATH", path)
        chart_images._EXPORTER.close()
        try:
            drawn[name] = chart_images.chart_images(nb)
        finally:
            chart_images._EXPORTER.close()
    shell, full = drawn["chromium-headless-shell"], drawn["chromium"]
    assert len(shell) == len(full) == 3 and all(s.lstrip().startswith("<svg") for s in shell)
    assert [_without_ids(s) for s in shell] == [_without_ids(s) for s in full]


def test_a_headless_shell_is_found_before_a_full_browser(tmp_path, monkeypatch):
    from kpitrack.publish.render import chromium

    for name in ("chromium", "chromium-headless-shell", "google-chrome"):
        exe = tmp_path / name
        exe.write_text("#!/bin/sh\nexit 0\n")
        exe.chmod(0o755)
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert chromium.find_chromium() == str(tmp_path / "chromium-headless-shell")
    (tmp_path / "chromium-headless-shell").unlink()
    assert chromium.find_chromium() == str(tmp_path / "chromium")
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "google-chrome"))  # a browser named is the one used
    assert chromium.find_chromium() == str(tmp_path / "google-chrome")


def _failing(*_args) -> Future:
    f: Future = Future()
    f.set_exception(RuntimeError("Chromium went away"))
    return f


@pytest.mark.parametrize("name", ["fallback", "quarto"])
def test_a_picture_failure_costs_the_pdf_only(tmp_path, monkeypatch, name):
    if name == "quarto" and not shutil.which("quarto"):
        pytest.skip("Quarto CLI not on PATH")
    if render.pdf_prerequisites():
        pytest.skip("PDF prerequisites missing: " + "; ".join(render.pdf_prerequisites()))
    folder = repo_root() / "reports" if name == "quarto" else tmp_path
    nb = _notebook(folder / f"pictures-test-{name}.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{nb.stem}.pdf").write_bytes(b"%PDF old")  # an earlier PDF must not look current
    from kpitrack.publish.render import base as render_base, quarto as render_quarto

    for module in (render_base, render_quarto):  # each renderer starts the pictures itself
        monkeypatch.setattr(module, "start_chart_images", _failing)
    try:
        with pytest.raises(RenderError, match="pictures for the PDF could not be made: Chromium went away"):
            render.get_renderer(name).render(nb, ("html", "pdf"), out)
    finally:
        nb.unlink(missing_ok=True)
    assert (out / f"{nb.stem}.html").is_file()
    assert not (out / f"{nb.stem}.pdf").exists()
    assert not list(folder.glob("pictures-test-*__pdf.ipynb"))


def test_prepare_starts_chromium_only_when_a_pdf_is_wanted(monkeypatch):
    """Renderer.prepare (called before the notebook runs) starts the pictures' Chromium in the
    background for a PDF, returns at once, and a start that fails is left for the pictures' own
    call to report."""
    if render.pdf_prerequisites():
        pytest.skip("PDF prerequisites missing: " + "; ".join(render.pdf_prerequisites()))
    need_chromium()
    if not static_export_available()[0]:
        pytest.skip(static_export_available()[1])
    starts = []
    started = __import__("threading").Event()

    def fake_start(self):
        starts.append(1)
        started.set()
        raise RuntimeError("no browser today")

    exporter = chart_images._Exporter()
    monkeypatch.setattr(chart_images, "_EXPORTER", exporter)
    monkeypatch.setattr(chart_images._Exporter, "_start", fake_start)
    r = render.get_renderer("fallback")
    r.prepare(("html",))
    assert not started.wait(0.5) and starts == []
    r.prepare(("html", "pdf"))  # returns at once; the start runs (and fails) in the background
    assert started.wait(10) and starts == [1]
    with pytest.raises(RuntimeError, match="no browser today"):  # the pictures' call tries again and says why
        exporter.svgs([{"data": [], "layout": {}}])
    assert starts == [1, 1]


def _fake_start(outcome: str, delay: float = 0.0, seen: list | None = None):
    """An ``_Exporter._start`` that "starts" a browser (``outcome`` "started") or fails ("failed"),
    after ``delay`` seconds, saying which in ``seen``."""
    import time

    def start(self):
        time.sleep(delay)
        if seen is not None:
            seen.append(outcome)
        if outcome == "failed":
            raise RuntimeError("no browser today")
        self._kaleido = object()
    return start


def test_what_waits_for_chromium_runs_once_it_has_started_or_failed(monkeypatch):
    """chart_images.warm_up(then=...) calls ``then`` after Chromium's start, whether it started or
    failed (the renderer's own warm-ups wait for it), and at once when there is no Chromium."""
    import threading

    order: list[str] = []
    done = threading.Event()
    exporter = chart_images._Exporter()
    monkeypatch.setattr(chart_images, "_EXPORTER", exporter)
    monkeypatch.setattr(chart_images, "static_export_available", lambda: (True, ""))
    monkeypatch.setattr(chart_images, "WARM_CHART", False)  # its own test below
    for outcome in ("started", "failed"):
        monkeypatch.setattr(chart_images._Exporter, "_start", _fake_start(outcome, delay=0.3, seen=order))
        exporter._kaleido = None
        done.clear()
        before = len(order)
        chart_images.warm_up(then=lambda: (order.append("then"), done.set()))
        assert len(order) == before  # returned at once, before Chromium's start
        assert done.wait(10)
    exporter._kaleido = None
    assert order == ["started", "then", "failed", "then"]
    monkeypatch.setattr(chart_images, "static_export_available", lambda: (False, "no Chromium"))
    chart_images.warm_up(then=lambda: order.append("at once"))
    assert order[-1] == "at once"


def test_chromium_starts_once_the_kernel_has_started(monkeypatch, tmp_path):
    """Chromium's start waits for the notebook's kernel's (both at once slowed the kernel on two
    cores): the runner's client says when the kernel has answered; a kernel that never says so is
    not waited for longer than KERNEL_WAIT; a Chromium running already is not waited for at all."""
    import threading
    import time

    started = threading.Event()
    exporter = chart_images._Exporter()
    monkeypatch.setattr(chart_images, "_EXPORTER", exporter)
    monkeypatch.setattr(chart_images, "static_export_available", lambda: (True, ""))
    monkeypatch.setattr(chart_images, "WARM_CHART", False)  # its own test below

    def fake_start(self):
        self._kaleido = object()
        started.set()
    monkeypatch.setattr(chart_images._Exporter, "_start", fake_start)
    monkeypatch.setattr(chart_images, "KERNEL_WAIT", 30.0)
    chart_images.warm_up()
    assert not started.wait(0.5)  # the kernel has not started yet
    chart_images.kernel_started()
    assert started.wait(10)

    exporter._kaleido, started = None, threading.Event()
    monkeypatch.setattr(chart_images, "KERNEL_WAIT", 0.3)
    began = time.monotonic()
    chart_images.warm_up()  # no kernel says it started: Chromium starts all the same
    assert started.wait(10) and time.monotonic() - began >= 0.25

    then = threading.Event()
    monkeypatch.setattr(chart_images, "KERNEL_WAIT", 30.0)
    chart_images.warm_up(then=then.set)  # running already: nothing to wait for
    assert then.wait(5)
    chart_images.kernel_started()

    exporter._kaleido, started, then = None, threading.Event(), threading.Event()
    chart_images.warm_up(then=then.set)  # waiting for a kernel...
    exporter.close()  # ... when the browser is closed: none is started afterwards; the rest warms up
    chart_images.kernel_started()
    assert then.wait(5) and not started.wait(1)

    # the runner's client is what says so: a notebook executed by it sets the kernel as started
    from kpitrack.publish.runs import engine

    chart_images._kernel_up.clear()
    engine._kernel_started(notebook=None)
    assert chart_images._kernel_up.is_set()


def test_a_chromium_started_for_a_notebook_draws_one_warm_chart_after_the_renderers_warm_ups(monkeypatch):
    """Once started for a notebook, Chromium draws one chart like the reports' (its first real charts
    then find plotly.js compiled), after the renderer's own warm-ups have been started; none when its
    start was cancelled by a close, or failed, or it was running already, or a drawing has failed."""
    import threading

    import plotly.graph_objects as go

    go.Figure(chart_images.warm_figure())  # a valid figure: plotly checks every property here
    order: list = []
    done = threading.Event()
    exporter = chart_images._Exporter()
    monkeypatch.setattr(chart_images, "_EXPORTER", exporter)
    monkeypatch.setattr(chart_images, "static_export_available", lambda: (True, ""))
    monkeypatch.setattr(chart_images, "KERNEL_WAIT", 0.1)
    monkeypatch.setattr(chart_images._Exporter, "_svgs", lambda self, figs: order.append(figs) or done.set() or ["<svg/>"])
    for outcome in ("started", "failed"):
        monkeypatch.setattr(chart_images._Exporter, "_start", _fake_start(outcome))
        exporter._kaleido = None
        done.clear()
        then = threading.Event()
        chart_images.warm_up(then=lambda then=then: (order.append("then"), then.set()))
        assert then.wait(10)
        if outcome == "started":
            assert done.wait(10) and order == ["then", [chart_images.warm_figure()]]
        else:
            assert not done.wait(0.5) and order[-1] == "then"
    exporter._kaleido = object()  # running already (a batch's next document): no warm chart again
    order.clear()
    then = threading.Event()
    chart_images.warm_up(then=then.set)
    assert then.wait(5) and not done.wait(0.5) and order == []
    exporter._kaleido, exporter.ahead_failed = None, True  # a drawing failed meanwhile: none drawn after it
    exporter.draw_warm()
    assert order == []
    exporter.ahead_failed = False
    exporter._kaleido = None
    chart_images._kernel_up.clear()
    monkeypatch.setattr(chart_images, "KERNEL_WAIT", 30.0)
    monkeypatch.setattr(chart_images._Exporter, "_start", lambda self: setattr(self, "_kaleido", object()))
    then = threading.Event()
    chart_images.warm_up(then=then.set)
    exporter.close()  # cancelled while it waited for the kernel: no start, no warm chart
    chart_images.kernel_started()
    assert then.wait(5) and not done.wait(0.5) and order == []


def test_the_warm_chart_draws_in_chromium():
    need_chromium()
    if not static_export_available()[0]:
        pytest.skip(static_export_available()[1])
    (svg,) = chart_images._EXPORTER.svgs([chart_images.warm_figure()])
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    assert text.lstrip().startswith("<svg") and "预热" in text


def test_after_a_drawing_ahead_fails_none_more_until_the_next_document(monkeypatch):
    """A Chromium that cannot start fails the first drawing ahead; the document's later charts are not
    drawn ahead (each would try to start it again, up to 120 s each); the next document tries again."""
    import time

    exporter = chart_images._Exporter()
    monkeypatch.setattr(chart_images, "_EXPORTER", exporter)
    monkeypatch.setattr(chart_images, "static_export_available", lambda: (True, ""))
    tries: list[int] = []
    monkeypatch.setattr(exporter, "svgs", lambda figures: tries.append(len(figures)) or (_ for _ in ()).throw(
        RuntimeError("no browser today")))
    chart_images.want(True)

    def drawn_ahead(title: str) -> None:
        chart_images.draw_ahead([{"data": [], "layout": {"title": {"text": title}}}])
        deadline = time.monotonic() + 10
        while exporter._pending and time.monotonic() < deadline:
            time.sleep(0.05)
    drawn_ahead("一")
    drawn_ahead("二")
    assert tries == [1]
    chart_images.want(True)  # the next document
    drawn_ahead("三")
    assert tries == [1, 1]
    chart_images.want(False)


@pytest.fixture
def recording_exporter(monkeypatch):
    """A Chromium exporter of the test's own, recording each drawing: (exporter, how many charts each
    drawing had, when each began); skipped without what a PDF needs."""
    import time

    if render.pdf_prerequisites():
        pytest.skip("PDF prerequisites missing: " + "; ".join(render.pdf_prerequisites()))
    need_chromium()
    if not static_export_available()[0]:
        pytest.skip(static_export_available()[1])
    exporter = chart_images._Exporter()
    monkeypatch.setattr(chart_images, "_EXPORTER", exporter)
    drawn: list[int] = []
    started: list[float] = []

    def svgs(figures, real=exporter.svgs):
        if figures != [chart_images.warm_figure()]:  # the warm-up chart is not one of the notebook's
            started.append(time.monotonic())
            drawn.append(len(figures))
        return real(figures)
    monkeypatch.setattr(exporter, "svgs", svgs)
    yield exporter, drawn, started
    exporter.close()


@pytest.mark.slow
def test_pictures_are_drawn_while_the_notebook_runs_and_taken_by_content(tmp_path, recording_exporter):
    """With a PDF wanted (Renderer.prepare), each chart is drawn as the kernel shows it, before its
    cell ends; the pictures asked for afterwards are those, taken by the figure's content, and the
    same as drawn anew."""
    import time

    from kpitrack.publish.runs.execute import execute_notebook

    exporter, drawn, started = recording_exporter
    source = parameterised_notebook(tmp_path / "charts.ipynb", "n = 2",
                                    "import time\n"
                                    "import plotly.graph_objects as go\n"
                                    "from kpitrack.publish.content.display import show_figure\n"
                                    "for i in range(n):\n"
                                    "    show_figure(go.Figure(go.Scatter(x=[2015, 2016], y=[i, i + 1]), layout={'title': f'图{i}'}))\n"
                                    "    time.sleep(1.5 if i == 0 else 0)")
    try:
        render.get_renderer("fallback").prepare(("html", "pdf"))
        execute_notebook(source, tmp_path / "out.ipynb", {"n": 3})
        ended = time.monotonic()
        svgs = chart_images.chart_images(tmp_path / "out.ipynb")
        assert sum(drawn) == 3  # drawn once, while the notebook ran; none drawn again when asked for
        assert started[0] < ended - 1.2  # the first as soon as it was shown, not when its cell ended
        assert len(svgs) == 3 and all("图" in s for s in svgs)
        figures = [out["data"][chart_images.PLOTLY_MIME] for out in chart_images.chart_outputs(
            nbformat.read(str(tmp_path / "out.ipynb"), as_version=4))]
        assert [chart_images.figure_key(f) for f in figures] == list(exporter._made)[-3:]
        render.get_renderer("fallback").prepare(("html",))  # no PDF wanted: nothing drawn ahead
        execute_notebook(source, tmp_path / "again.ipynb", {"n": 1})
        assert sum(drawn) == 3
    finally:
        exporter.close()


@pytest.mark.slow
@pytest.mark.parametrize("warm", [False, True])
def test_charts_announced_ahead_are_drawn_before_they_are_shown(tmp_path, recording_exporter, warm):
    """A chart the notebook announces (display.announce_charts) is drawn while the kernel goes on,
    before it is shown, in a kernel of its own and in a warm one; nothing of the announcement is kept
    in the notebook, and the picture is not drawn again when it is shown."""
    import time

    from kpitrack.publish.runs import warm_kernel
    from kpitrack.publish.runs.execute import execute_notebook

    exporter, drawn, started = recording_exporter
    source = parameterised_notebook(tmp_path / "ahead.ipynb", "n = 1",
                                    "import time\n"
                                    "import plotly.graph_objects as go\n"
                                    "from kpitrack.publish.content.display import announce_charts, show_figure\n"
                                    "fig = go.Figure(go.Scatter(x=[2015, 2016], y=[n, n + 1]), layout={'title': '预告'})\n"
                                    "announce_charts([fig])",
                                    "time.sleep(2)",
                                    "show_figure(fig)")
    try:
        render.get_renderer("fallback").prepare(("html", "pdf"))
        exporter.warm_up()
        execute_notebook(source, tmp_path / "out.ipynb", {"n": 7}, warm=warm)
        ended = time.monotonic()
        assert drawn == [1] and started[0] < ended - 1.5  # drawn during the sleep, before it was shown
        out = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
        assert [o["output_type"] for c in out.cells for o in c.get("outputs", [])] == ["display_data"]
        assert chart_images.chart_images(tmp_path / "out.ipynb")[0].count("预告") == 1 and drawn == [1]
    finally:
        exporter.close()
        if warm:
            warm_kernel.discard_all()


@pytest.mark.parametrize("failing", [("html",), ("pdf",), ("html", "pdf")])
def test_a_failed_format_publishes_as_before_and_every_failure_is_told(tmp_path, monkeypatch, failing):
    """HTML and PDF are made side by side; a failed HTML publishes nothing (no PDF without its page),
    a failed PDF leaves the HTML, and the error names every format that failed."""
    from kpitrack.publish.render import base as render_base
    from kpitrack.publish.render.base import Renderer

    monkeypatch.setattr(render_base, "pdf_prerequisites", lambda: [])  # this renderer needs none

    class Flaky(Renderer):
        name = "flaky"

        def render_format(self, notebook, fmt, out_dir):
            if fmt in failing:
                raise RenderError(f"{fmt} broke")
            path = out_dir / f"{notebook.stem}.{fmt}"
            path.write_text(fmt, encoding="utf-8")
            return path

    monkeypatch.setattr(render_base, "start_chart_images", lambda nb: _done(None))
    nb = _notebook(tmp_path / "doc.ipynb", charts=0)
    out = tmp_path / "out"
    with pytest.raises(RenderError) as info:
        Flaky().render(nb, ("html", "pdf"), out)
    for fmt in failing:
        assert f"{fmt.upper()} of doc.ipynb failed ({fmt} broke)" in str(info.value)
    if failing == ("html",):
        assert "the PDF is not published without its HTML" in str(info.value)
    published = sorted(p.suffix for p in out.iterdir())
    assert published == ([] if "html" in failing else [".html"])
    assert sorted(info.value.outputs) == ([] if "html" in failing else ["html"])


def _done(value) -> Future:
    f: Future = Future()
    f.set_result(value)
    return f


def test_a_render_never_leaves_with_its_html_still_being_written(tmp_path, monkeypatch):
    """Whatever stops the PDF (here an OSError), the render waits for the HTML's thread before it
    leaves: the batch removes the work folder next."""
    import threading
    import time

    from kpitrack.publish.render import base as render_base
    from kpitrack.publish.render.base import Renderer

    monkeypatch.setattr(render_base, "pdf_prerequisites", lambda: [])
    monkeypatch.setattr(render_base, "start_chart_images", lambda nb: _done(None))

    class SlowHtml(Renderer):
        name = "slow"

        def render_format(self, notebook, fmt, out_dir):
            if fmt == "pdf":
                raise OSError("disk full")
            time.sleep(0.5)
            path = out_dir / f"{notebook.stem}.html"
            path.write_text("html", encoding="utf-8")
            return path

    nb = _notebook(tmp_path / "doc.ipynb", charts=0)
    with pytest.raises(OSError, match="disk full"):
        SlowHtml().render(nb, ("html", "pdf"), tmp_path / "out")
    assert not [t for t in threading.enumerate() if t.name == "kpitrack-render-html"]


def test_the_fallback_pdf_names_its_pictures_before_they_come(tmp_path, monkeypatch):
    """pandoc converts the notebook while the last pictures are drawn: every chart is named ahead and
    its picture (by its place among the charts) is written after pandoc; the typst source and the
    picture files are those of the notebook with its pictures put in first (add_chart_images, as the
    Quarto renderer does: new pictures replace old ones)."""
    from kpitrack.publish.render import fallback

    path = _notebook(tmp_path / "doc.ipynb", charts=3)
    nb = nbformat.read(str(path), as_version=4)
    chart_images.chart_outputs(nb)[1]["data"][chart_images.SVG_MIME] = "<svg>B drawn before</svg>"
    nbformat.write(nb, str(path))
    new = ["<svg>A</svg>", "<svg>B drawn again</svg>", "<svg>C</svg>"]
    seen: list[dict] = []

    def capture(typ, font_dir):
        seen.append({"typ": typ.read_text(encoding="utf-8").replace(str(typ.parent), "TMP"),
                     "files": {p.name: p.read_text(encoding="utf-8") for p in sorted(typ.parent.glob("figure-*"))}})
        return b"%PDF"

    monkeypatch.setattr(fallback, "typst_pdf", capture)
    order = []
    start_tool = fallback.start_tool
    monkeypatch.setattr(fallback, "start_tool", lambda *a, **k: order.append("pandoc") or start_tool(*a, **k))

    def pictures():
        order.append("pictures")
        return new

    assert fallback.notebook_pdf(nb, {}, pictures=pictures) == b"%PDF"
    with_pictures = tmp_path / "with-pictures.ipynb"
    shutil.copy(path, with_pictures)
    chart_images.add_chart_images(with_pictures, new)
    fallback.notebook_pdf(nbformat.read(str(with_pictures), as_version=4), {})
    ahead, after = seen
    assert ahead["files"] == {"figure-001.svg": "<svg>A</svg>", "figure-002.svg": "<svg>B drawn again</svg>",
                              "figure-003.svg": "<svg>C</svg>"}
    assert ahead == after and order == ["pandoc", "pictures", "pandoc"]

    seen.clear()  # nothing drawn (no Chromium): the charts without a picture are left out, as before
    fallback.notebook_pdf(nb, {}, pictures=lambda: None)
    assert seen[0]["files"] == {"figure-001.svg": "<svg>B drawn before</svg>"}
    seen.clear()  # nothing new drawn because every chart had its picture: those pictures
    all_drawn = nbformat.read(str(with_pictures), as_version=4)
    fallback.notebook_pdf(all_drawn, {}, pictures=lambda: None)
    assert seen[0] == after
    with pytest.raises(RenderError, match="3 charts but 2 pictures"):  # the notebook changed meanwhile
        fallback.notebook_pdf(nb, {}, pictures=lambda: new[:2])


def test_the_fallback_hands_the_pdf_text_to_pandoc_before_its_threads_start(tmp_path, monkeypatch):
    """After the last cell the PDF waits for pandoc, then typst: pandoc is started before the HTML's
    and the pictures' threads (whose Python work held back its start by 0.1-0.2 s), converts the same
    text as it would afterwards, and its folder is gone once the render is done."""
    import threading

    from kpitrack.publish.render import base as render_base
    from kpitrack.publish.render import fallback

    monkeypatch.setattr(render_base, "pdf_prerequisites", lambda: [])
    monkeypatch.setattr(fallback, "pdf_prerequisites", lambda: [])
    svgs = ["<svg>A</svg>", "<svg>B</svg>"]
    drawn: Future = Future()
    drawn.set_result(svgs)
    events: list[str] = []
    monkeypatch.setattr(render_base, "start_chart_images", lambda nb: events.append("pictures") or drawn)
    start_tool = fallback.start_tool
    monkeypatch.setattr(fallback, "start_tool", lambda *a, **k: events.append("pandoc") or start_tool(*a, **k))
    thread_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: events.append(self.name) or thread_start(self))
    seen: list[tuple[str, dict]] = []

    def capture(typ, font_dir):
        seen.append((typ.read_text(encoding="utf-8").replace(str(typ.parent), "TMP"),
                     {p.name: p.read_text(encoding="utf-8") for p in sorted(typ.parent.glob("figure-*"))}))
        return b"%PDF"

    monkeypatch.setattr(fallback, "typst_pdf", capture)
    path = _notebook(tmp_path / "doc.ipynb")
    folders_before = set(Path(tempfile.gettempdir()).glob("kpitrack-pdf-*"))
    result = fallback.FallbackRenderer().render(path, ("html", "pdf"), tmp_path / "out")
    assert set(result.outputs) == {"html", "pdf"}
    assert events.count("pandoc") == 1
    assert events.index("pandoc") < events.index("pictures") < events.index("kpitrack-render-html")
    assert set(Path(tempfile.gettempdir()).glob("kpitrack-pdf-*")) == folders_before  # its folder is gone
    nb = nbformat.read(str(path), as_version=4)
    fallback.notebook_pdf(nb, render_base.front_matter(nb), pictures=lambda: svgs)  # the same text, made afterwards
    ahead, after = seen
    assert ahead == after and ahead[1] == {"figure-001.svg": "<svg>A</svg>", "figure-002.svg": "<svg>B</svg>"}


def test_a_pdf_text_started_ahead_is_used_only_for_the_same_bytes(tmp_path, monkeypatch):
    """The text started ahead is the notebook's as its file was then: a changed notebook (or another
    one) is converted again; a render inside another on the same thread leaves the outer one's text
    to it; a finished pandoc's pipes are closed."""
    from kpitrack.publish.render import fallback
    from kpitrack.publish.render.notebook_read import forget

    first = _notebook(tmp_path / "a.ipynb", charts=2)
    other = _notebook(tmp_path / "b.ipynb", charts=3)
    text = fallback._PdfText.start(first)
    try:
        assert text is not None and text.converts(first) and not text.converts(other)
        forget()  # another render's notebooks pushed it out of the parsed cache: still the same bytes
        assert text.converts(first)
        _notebook(first, charts=3)  # changed since
        assert not text.converts(first)
        text.source()
        text._pandoc.stop()
        assert text._pandoc.proc.stdout.closed and text._pandoc.proc.stderr.closed
    finally:
        text.close()
    assert not text.tmpdir.exists()

    outer = object()
    fallback._starting.text = outer
    monkeypatch.setattr(fallback, "pdf_prerequisites", lambda: [])
    monkeypatch.setattr(fallback.Renderer, "render", lambda self, nb, formats, out: None)
    fallback.FallbackRenderer().render(other, ("html", "pdf"), tmp_path / "out")
    assert fallback._starting.text is outer
    fallback._starting.text = None


def test_a_pdf_text_started_as_the_last_cell_answers_is_taken_only_for_the_same_text(tmp_path, monkeypatch):
    """The fallback starts pandoc on the notebook as its last cell answers (before the kernel is
    stopped and the file written); the render takes that text only when the file gives pandoc the same
    markdown and front matter (else pandoc is started again), at most AHEAD_KEPT are kept (the older
    ones' folders removed), and the renderer a thread prepared is the one told."""
    from kpitrack.publish.render import base as render_base
    from kpitrack.publish.render import fallback

    monkeypatch.setattr(fallback, "pdf_prerequisites", lambda: [])
    started: list[list[str]] = []
    start_tool = fallback.start_tool
    monkeypatch.setattr(fallback, "start_tool", lambda args, *a, **k: started.append(args) or start_tool(args, *a, **k))
    fallback._drop_ahead()
    path = _notebook(tmp_path / "doc.ipynb")
    nb = nbformat.read(str(path), as_version=4)
    renderer = fallback.FallbackRenderer()
    renderer.executed(nb, ("html",))  # no PDF wanted: nothing started
    assert not started and not fallback._AHEAD
    monkeypatch.setattr(render_base._prepared, "renderer", renderer, raising=False)
    monkeypatch.setattr(render_base._prepared, "formats", ("html", "pdf"), raising=False)
    render_base.notebook_executed(nb)  # as the runner's client says it
    assert len(started) == 1 and len(fallback._AHEAD) == 1
    ahead = fallback._AHEAD[0]
    text = fallback._PdfText.start(path)
    try:
        assert text is ahead and len(started) == 1 and not fallback._AHEAD  # taken, not started again
        assert text.converts(path) and text.nb is not nb  # the file's notebook from now on
        text.source()
    finally:
        text.close()

    render_base.notebook_executed(nb)
    render_base.stamp_front_matter(path, {"title": "另一个标题"})  # the file differs from what was started
    text = fallback._PdfText.start(path)
    try:
        assert text is not None and len(started) == 3 and len(fallback._AHEAD) == 1
        assert "另一个标题" in " ".join(started[-1])
    finally:
        text.close()

    def with_png(data: bytes) -> nbformat.NotebookNode:  # a picture the notebook has: named alike, its bytes differ
        cell = nbformat.v4.new_code_cell("")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(data).decode()})]
        return nbformat.from_dict({**nb, "cells": [*nb.cells, cell]})

    render_base.notebook_executed(with_png(b"one"))
    nbformat.write(with_png(b"two"), str(path))
    count = len(started)
    text = fallback._PdfText.start(path)
    try:
        assert text is not None and len(started) == count + 1 and text not in fallback._AHEAD
        assert (text.tmpdir / "figure-003.png").read_bytes() == b"two"
    finally:
        text.close()

    nb_cr = nbformat.from_dict({**nb, "cells": [*nb.cells, nbformat.v4.new_markdown_cell("# 标题\r\n正文")]})
    render_base.notebook_executed(nb_cr)  # a carriage return is compared as written
    nbformat.write(nb_cr, str(path))
    count = len(started)
    text = fallback._PdfText.start(path)
    try:
        assert text is not None and len(started) == count
    finally:
        text.close()
    render_base.notebook_executed(nb_cr)
    monkeypatch.setattr(fallback, "typst_settings", lambda: tmp_path / "other-settings.typ")  # another workspace's settings
    text = fallback._PdfText.start(path)
    try:
        assert text is not None and len(started) == count + 2 and "other-settings.typ" in " ".join(started[-1])
    finally:
        text.close()
    fallback._drop_ahead()

    for _ in range(fallback.AHEAD_KEPT + 1):
        render_base.notebook_executed(nb)
    kept = list(fallback._AHEAD)
    assert len(kept) == fallback.AHEAD_KEPT and ahead not in kept and not ahead.tmpdir.exists()
    fallback._drop_ahead()
    assert not fallback._AHEAD and not any(t.tmpdir.exists() for t in kept)
    monkeypatch.setattr(fallback.Renderer, "render", lambda self, nb, formats, out: None)
    renderer.render(path, ("html",), tmp_path / "out")  # rendering what it was prepared for: later notebooks are not its
    assert render_base._prepared.renderer is None
    render_base.notebook_executed(nb)
    assert not fallback._AHEAD


def test_a_forked_child_leaves_the_parents_pdf_texts_alone(tmp_path, monkeypatch):
    """A child forked while texts are kept ahead forgets them: dropping them there removes none of the
    parent's folders (nor stops its pandoc)."""
    import os

    from kpitrack.publish.render import fallback

    monkeypatch.setattr(fallback, "pdf_prerequisites", lambda: [])
    fallback._drop_ahead()
    nb = nbformat.read(str(_notebook(tmp_path / "doc.ipynb")), as_version=4)
    fallback.FallbackRenderer().executed(nb, ("pdf",))
    (text,) = fallback._AHEAD
    pid = os.fork()
    if pid == 0:  # the child: what it kept is forgotten, and its exit hooks find nothing to remove
        try:
            import gc

            fallback._drop_ahead()
            gc.collect()
        finally:
            os._exit(0 if not fallback._AHEAD else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert text.tmpdir.is_dir() and fallback._AHEAD == [text]
    text.source()  # the parent's pandoc finished its work
    fallback._drop_ahead()
    assert not text.tmpdir.exists()


def test_the_runner_stamps_the_front_matter_and_tells_the_prepared_renderer_as_the_last_cell_answers(tmp_path, monkeypatch):
    """execute_notebook's front matter is in the notebook it writes, and the renderer this thread
    prepared is given that notebook (front matter stamped) before the file is written."""
    from kpitrack.publish.render import base as render_base
    from kpitrack.publish.runs.execute import execute_notebook

    seen: list[tuple[dict, bool]] = []
    out = tmp_path / "out.ipynb"

    class Listener(render_base.Renderer):
        def executed(self, nb, formats):
            seen.append((render_base.front_matter(nb), out.exists()))

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_raw_cell('---\ntitle: "旧"\nlang: zh\n---'), nbformat.v4.new_code_cell("x = 1")]
    source = tmp_path / "in.ipynb"
    nbformat.write(nb, str(source))
    monkeypatch.setattr(render_base._prepared, "renderer", Listener(), raising=False)
    monkeypatch.setattr(render_base._prepared, "formats", ("html",), raising=False)
    execute_notebook(source, out, {}, front_matter={"title": "新<标题>"})
    assert seen == [({"title": "新<标题>", "lang": "zh"}, False)]
    assert render_base.front_matter(nbformat.read(str(out), as_version=4)) == {"title": "新<标题>", "lang": "zh"}
    del nb.cells[0]  # without front matter: a cell is put first, and papermill finishes as before
    nbformat.write(nb, str(source))
    execute_notebook(source, out, {}, front_matter={"title": "新"})
    written = nbformat.read(str(out), as_version=4)
    assert render_base.front_matter(written) == {"title": "新"} and written.cells[0].metadata.papermill.status == "completed"
    assert len(seen) == 2
    failing = nbformat.v4.new_code_cell("raise ValueError('坏')")
    nb.cells.append(failing)  # a failing notebook: no stamp, nobody told
    nbformat.write(nb, str(source))
    with pytest.raises(NotebookError, match="坏"):
        execute_notebook(source, out, {}, front_matter={"title": "新"})
    assert len(seen) == 2 and render_base.front_matter(nbformat.read(str(out), as_version=4)) == {}
    failing.metadata["tags"] = ["raises-exception"]  # nbclient goes on; papermill still fails the run
    nbformat.write(nb, str(source))
    with pytest.raises(NotebookError, match="坏"):
        execute_notebook(source, out, {}, front_matter={"title": "新"})
    assert len(seen) == 2
    nb.cells[-1] = nbformat.v4.new_code_cell("import sys\nsys.exit(0)")  # stops early, and succeeds: stamped after
    nbformat.write(nb, str(source))
    execute_notebook(source, out, {}, front_matter={"title": "新"})
    assert len(seen) == 2 and render_base.front_matter(nbformat.read(str(out), as_version=4)) == {"title": "新"}
    nb.cells.insert(0, nbformat.v4.new_raw_cell("---\ntitle: 半年报: 初稿\n---"))  # front matter YAML cannot read
    del nb.cells[-1]
    nbformat.write(nb, str(source))
    out.unlink()
    with pytest.raises(Exception, match="mapping values"):  # as before: the stamp says why, the notebook is written
        execute_notebook(source, out, {}, front_matter={"title": "新"})
    assert out.is_file() and len(seen) == 2


def test_the_fallback_says_when_the_pictures_failed(tmp_path, monkeypatch):
    """Chromium failing while the pictures are drawn is a RenderError of the PDF; the HTML is published."""
    from kpitrack.publish.render import base as render_base
    from kpitrack.publish.render.fallback import FallbackRenderer

    monkeypatch.setattr(render_base, "pdf_prerequisites", lambda: [])
    failed: Future = Future()
    failed.set_exception(RuntimeError("Chromium crashed"))
    monkeypatch.setattr(render_base, "start_chart_images", lambda nb: failed)
    nb = _notebook(tmp_path / "doc.ipynb", charts=1)
    with pytest.raises(RenderError, match="PDF of doc.ipynb failed .*pictures for the PDF could not be made: Chromium crashed"
                       ) as info:
        FallbackRenderer().render(nb, ("html", "pdf"), tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["doc.html"] == [info.value.outputs["html"].name]


def test_a_forked_child_waits_for_no_kernel_its_parent_was_waiting_for():
    import os

    from kpitrack.publish.render import chart_images as ci

    ci._kernel_up.clear()  # the parent: a Chromium start waiting for the notebook's kernel
    try:
        pid = os.fork()
        if pid == 0:  # the child has no thread that would ever set it
            os._exit(0 if ci._kernel_up.is_set() else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert not ci._kernel_up.is_set()  # the parent's own wait is untouched
    finally:
        ci._kernel_up.set()

"""Static images of the charts, for PDF: made after a notebook has run, from the plotly figures it
holds, in one warm headless Chromium per process (kaleido).

A chart's output bundle carries the plotly figure (``application/vnd.plotly.v1+json``) and its HTML;
:func:`chart_images` turns every figure into an SVG, which typst draws as vectors (crisp at any zoom,
and text in the PDF's own Noto CJK SC fonts), and :func:`add_chart_images` puts them into the
notebook as ``image/svg+xml`` outputs, the form both renderers take for PDF. Making the pictures
here rather than in the kernel keeps a notebook run free of Chromium, lets the renderer make them
while the HTML is being written, and makes them at about 0.06 s each rather than 0.3-0.5 s:

* kaleido reloads its page (and so plotly.js) after every figure; the figures here are independent,
  so :class:`_WarmKaleido` keeps the page (kaleido 1.x; with another version the reload stays and
  only speed is lost);
* the page loads the vendored plotly.js cartesian bundle (1.5 MB, the charts need nothing else) and
  no MathJax (kaleido would fetch it from a CDN);
* when a PDF is wanted, the pictures are drawn while the notebook still runs: each chart as its cell
  finishes (:func:`draw_ahead`, called by the runner's cell hook), the browser using the core the
  kernel leaves free; :func:`chart_images` then takes them by the figure's content, and draws only
  what is missing.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat

from ...core.exceptions import RenderError
from .chromium import driving_error, find_chromium, new_profile, remove_profile, static_export_available, stop_session
from ..content.display import FIGURE_HEIGHT, FIGURE_WIDTH
from .notebook_read import read_notebook
from .tools import render_timeout

log = logging.getLogger(__name__)

PLOTLY_MIME = "application/vnd.plotly.v1+json"
SVG_MIME = "image/svg+xml"
PLOTLY_BUNDLE = Path(__file__).resolve().parents[1] / "assets" / "plotly-cartesian.min.js"
TABS = 1  # one tab starts 1.4 s sooner; a second draws the 25 charts only 0.3 s faster
START_TIMEOUT = 120  # seconds for Chromium to start and load the plotly page (about 2-3 s here)


class _Exporter:
    """One Chromium with ``TABS`` warm tab(s), driven from a private event loop thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido: Any = None
        self._profile: Path | None = None
        #: pictures drawn ahead (by the figure's content), and those being drawn
        self._made: OrderedDict[str, bytes | str] = OrderedDict()
        self._pending: dict[str, Future] = {}
        self._ahead_lock = threading.Lock()
        self._ahead: ThreadPoolExecutor | None = None
        #: whether a PDF is wanted in this process (set by :func:`warm_up`): charts are drawn ahead
        self.wanted = False
        #: a drawing ahead failed: none more until the next document (:func:`want`)
        self.ahead_failed = False
        #: how many times the browser was closed: a start asked for before a close is not made after it
        self.closes = 0
        atexit.register(self.close)

    def _start(self) -> None:
        """Start Chromium (the one :func:`find_chromium` names, in a profile of its own) with the
        plotly page loaded; a RenderError naming the browser and its version when it cannot be
        driven, or does not start within ``START_TIMEOUT`` seconds (or the render timeout)."""
        import kaleido

        class _WarmKaleido(kaleido.Kaleido):
            async def _return_kaleido_tab(self, tab):  # no page reload between independent figures
                await self.tabs_ready.put(tab)

        browser = find_chromium()
        if browser is None:
            raise RenderError(static_export_available()[1])
        profile = new_profile()
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="kpitrack-chart-images", daemon=True).start()
        self._loop, self._profile = loop, profile
        timeout = min(START_TIMEOUT, render_timeout())
        try:
            # the profile's folder is ours: choreographer makes its --user-data-dir inside it
            k = _WarmKaleido(n=TABS, plotlyjs=str(PLOTLY_BUNDLE), mathjax=False, path=browser, tmp_dir=str(profile))
            _add_flags(k)
            self._kaleido = k
            asyncio.run_coroutine_threadsafe(k.open(), loop).result(timeout=timeout)
        except TimeoutError:
            self.close(failed=True)
            raise driving_error(browser, "draw the charts' pictures", f"it did not start within {timeout} s (the smaller of "
                                f"{START_TIMEOUT} s and KPITRACK_RENDER_TIMEOUT)") from None
        except Exception as exc:
            self.close(failed=True)
            raise driving_error(browser, "draw the charts' pictures", exc) from exc

    def close(self, *, failed: bool = False) -> None:
        """Stop the browser, if any, and remove its profile; one that ``failed`` is killed at once."""
        self.closes += 1
        if failed and self._kaleido is not None:
            stop_session(getattr(self._kaleido, "subprocess", None))
        if self._kaleido is not None and self._loop is not None:
            try:
                asyncio.run_coroutine_threadsafe(self._kaleido.close(), self._loop).result(timeout=10)
            except Exception:  # closing at exit: the browser may be gone already
                pass
        if self._kaleido is not None:  # the browser and its helpers (their own session) are gone before
            stop_session(getattr(self._kaleido, "subprocess", None))  # the profile is removed
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        with self._ahead_lock:
            self._made.clear()
        self._kaleido = self._loop = None
        remove_profile(self._profile)
        self._profile = None

    def warm_up(self) -> None:
        """Start Chromium now, if it is not running (what :meth:`svgs` would do first)."""
        if self._kaleido is not None:  # running: not waiting behind another document's drawing
            return
        with self._lock:
            if self._kaleido is None:
                self._start()

    def draw_ahead(self, figures: list[dict]) -> None:
        """Start drawing ``figures`` in the background (those not drawn or being drawn already)."""
        items = []
        if self.ahead_failed:
            return
        with self._ahead_lock:
            for fig in figures:
                key = figure_key(fig)
                if key in self._made or key in self._pending:
                    continue
                self._pending[key] = Future()
                items.append((key, fig))
            if not items:
                return
            if self._ahead is None:
                self._ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpitrack-chart-images-ahead")
            self._ahead.submit(self._draw, items)

    def _draw(self, items: list[tuple[str, dict]]) -> None:
        try:
            svgs: list = self.svgs([fig for _, fig in items])
        except Exception as exc:  # drawn again (and reported) when the pictures are asked for
            log.debug("charts drawn ahead failed: %s", exc)
            svgs = [exc] * len(items)
            self.ahead_failed = True  # no more for this document: each would start a Chromium again
        with self._ahead_lock:
            for (key, _), svg in zip(items, svgs):
                fut = self._pending.pop(key)
                if isinstance(svg, Exception):
                    fut.set_result(None)
                    continue
                self._made[key] = svg
                fut.set_result(svg)
            while len(self._made) > MADE_KEPT:
                self._made.popitem(last=False)

    def pictures(self, figures: list[dict]) -> list[bytes | str]:
        """The pictures of ``figures``: those drawn ahead (waiting for any being drawn), the rest now."""
        keys = [figure_key(f) for f in figures]
        found: dict[str, Any] = {}
        with self._ahead_lock:
            waiting = {k: self._pending[k] for k in keys if k in self._pending}
            found.update({k: self._made[k] for k in keys if k in self._made})
        import time

        deadline = time.monotonic() + render_timeout()  # one wait in all, however many were queued
        for k, fut in waiting.items():
            try:
                svg = fut.result(timeout=max(deadline - time.monotonic(), 0.1))
            except Exception:  # noqa: BLE001 - drawn again below
                svg = None
            if svg is not None:
                found[k] = svg
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            for i, svg in zip(missing, self.svgs([figures[i] for i in missing])):
                found[keys[i]] = svg
        return [found[k] for k in keys]

    def svgs(self, figures: list[dict]) -> list[bytes]:
        with self._lock:
            if self._kaleido is None:
                self._start()
            return self._svgs(figures)

    def draw_warm(self) -> None:
        """Draw :func:`warm_figure` in the running browser (none is started for it; none after a
        drawing failed); a failure closes it, as any drawing's does, and is otherwise only logged."""
        with self._lock:
            if self._kaleido is None or self.ahead_failed:
                return
            try:
                self._svgs([warm_figure()])
            except Exception as exc:  # noqa: BLE001 - reported by the pictures' own call, which starts afresh
                log.debug("the warm-up chart was not drawn: %s", exc)

    def _svgs(self, figures: list[dict]) -> list[bytes]:
        """:meth:`svgs` in the running browser (``_lock`` held)."""
        k, loop = self._kaleido, self._loop

        async def one(fig: dict) -> bytes:
            height = int(fig.get("layout", {}).get("height") or FIGURE_HEIGHT)
            return await k.calc_fig(fig, opts={"format": "svg", "width": FIGURE_WIDTH, "height": height})

        async def all_() -> list[bytes]:
            return list(await asyncio.gather(*(one(f) for f in figures)))

        future = asyncio.run_coroutine_threadsafe(all_(), loop)
        try:
            return future.result(timeout=render_timeout())
        except TimeoutError:
            future.cancel()
            self.close(failed=True)
            raise driving_error(find_chromium() or "chromium", "draw the charts' pictures",
                                f"they were not drawn within {render_timeout()} s (KPITRACK_RENDER_TIMEOUT); "
                                "it was stopped") from None
        except Exception:
            self.close()  # a browser that failed once starts afresh next time (long-lived batch workers)
            raise


def _add_flags(k: Any) -> None:
    """The flags a headless Chromium needs on a closed network that kaleido's own leave out (no
    background connections, no QUIC, no crash reporter), added to the command choreographer builds;
    with a choreographer that builds it elsewhere they are left out and only noise is lost."""
    impl = getattr(k, "_browser_impl", None)
    build = getattr(impl, "get_cli", None)
    if build is None:
        return

    def get_cli() -> list[str]:
        cli = list(build())
        return cli + [f for f in EXTRA_FLAGS if f not in cli]

    impl.get_cli = get_cli


#: What :func:`_add_flags` adds to kaleido's command line.
EXTRA_FLAGS = ("--disable-background-networking", "--disable-quic", "--disable-crash-reporter", "--no-default-browser-check")

#: pictures kept by the figure's content (a batch worker's recent documents)
MADE_KEPT = 256


def figure_key(fig: dict) -> str:
    """A figure's identity for its picture: its content (the same in a running kernel's output and in
    the notebook written from it)."""
    return hashlib.sha256(json.dumps(fig, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


_EXPORTER = _Exporter()


def _forget_ahead_in_child() -> None:
    """A forked child has none of its parent's threads: it draws ahead afresh, and waits for no kernel
    its parent was waiting for (its own warm-up clears the event again when it starts a browser)."""
    _EXPORTER._ahead_lock = threading.Lock()
    _EXPORTER._ahead = None
    _EXPORTER._pending = {}
    _kernel_up.set()


os.register_at_fork(after_in_child=_forget_ahead_in_child)


def draw_ahead(figures: list[dict]) -> None:
    """Draw these charts' pictures in the background if a PDF is wanted in this process (the runner
    calls it as each cell finishes); never raises: what fails here is drawn and reported later."""
    if not _EXPORTER.wanted or not figures:
        return
    try:
        _EXPORTER.draw_ahead(figures)
    except Exception as exc:  # noqa: BLE001 - a convenience only
        log.debug("charts not drawn ahead: %s", exc)


def chart_outputs_of(cell: dict) -> list[dict]:
    """The plotly figures among a cell's outputs."""
    return [out["data"][PLOTLY_MIME] for out in cell.get("outputs", []) if PLOTLY_MIME in out.get("data", {})]


def chart_outputs(nb: nbformat.NotebookNode) -> list[dict]:
    """The outputs of ``nb`` that are plotly charts, in order (what the pictures are matched to)."""
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
            if PLOTLY_MIME in out.get("data", {})]


def chart_images(notebook: Path) -> list[str] | None:
    """SVG text of every chart of ``notebook``, in order; None when every chart has one already, or
    (logged) when there is no Chromium or kaleido; a RenderError naming the browser's version when
    it cannot be driven."""
    ok, why = static_export_available()
    if not ok:
        log.warning(why)
        return None
    nb = read_notebook(notebook)  # shared with the renderer's threads: read only
    outs = chart_outputs(nb)
    if all(SVG_MIME in out["data"] for out in outs):  # none, or made by an earlier render
        return None
    figures = [out["data"][PLOTLY_MIME] for out in outs]
    return [svg.decode("utf-8") if isinstance(svg, bytes) else svg for svg in _EXPORTER.pictures(figures)]


def svg_of(fig) -> str | None:
    """The SVG picture of one plotly figure (as the PDFs have), or None without Chromium or kaleido,
    or when drawing it fails (a notebook then shows the interactive chart only)."""
    ok, _ = static_export_available()
    if not ok:
        return None
    try:
        svg = _EXPORTER.svgs([fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else fig])[0]
    except Exception as exc:  # a picture is a convenience: never fail the notebook for it
        log.warning("no static picture of the chart: %s", exc)
        return None
    return svg.decode("utf-8") if isinstance(svg, bytes) else svg


#: set once the notebook's kernel has started (:func:`kernel_started`, called by the runner's client);
#: a Chromium :func:`warm_up` starts waits for it, at most :data:`KERNEL_WAIT` seconds
_kernel_up = threading.Event()
_kernel_up.set()
#: seconds a Chromium start waits for the kernel's (a kernel that starts slower is not waited for)
KERNEL_WAIT = 2.0


def kernel_started() -> None:
    """The notebook's kernel has started (it answered): a Chromium waiting to start starts now."""
    _kernel_up.set()


def warm_up(then: Callable[[], None] | None = None) -> None:
    """Start the Chromium that makes the pictures in the background, and return at once: called
    before a notebook runs whose PDF is wanted, so that its start overlaps the kernel's work (the
    kernel uses one core); ``then`` is called once it has started (or failed to). A failure here is
    only logged: the pictures' own call then tries again and reports it.

    Chromium starts once the notebook's kernel has (:func:`kernel_started`, at most
    :data:`KERNEL_WAIT` s later), not beside it: the two starts at once took the kernel's core for
    part of its own (a report 0.05-0.2 s slower on two cores); the charts are first asked for about
    a second after the kernel has started."""
    ok, _ = static_export_available()
    if not ok:
        if then is not None:
            then()
        return
    _EXPORTER.wanted = True
    if _EXPORTER._kaleido is None:  # not running: it waits for the kernel about to start
        _kernel_up.clear()
    closes = _EXPORTER.closes

    def run() -> None:
        cancelled = False
        fresh = _EXPORTER._kaleido is None
        if fresh:
            _kernel_up.wait(KERNEL_WAIT)
            # the browser was closed meanwhile (a failure, the process's end): none is started for it
            cancelled = _EXPORTER.closes != closes
        try:
            if not cancelled:
                _EXPORTER.warm_up()
        except Exception as exc:  # reported by the pictures' own call, which starts afresh
            log.debug("Chromium warm-up failed: %s", exc)
        if then is not None:
            try:
                then()
            except Exception as exc:  # noqa: BLE001 - a warm-up only: the render does the work itself
                log.debug("warm-up after Chromium failed: %s", exc)
        if fresh and not cancelled and WARM_CHART:
            _EXPORTER.draw_warm()

    threading.Thread(target=run, name="kpitrack-chart-images-warm-up", daemon=True).start()


#: whether a Chromium started for a notebook draws :func:`warm_figure` while the notebook computes
WARM_CHART = True


def warm_figure() -> dict:
    """A chart like the reports' (lines and markers, a filled band, a dashed line, a note, Chinese
    text, the charts' template), drawn once by a Chromium started for a notebook while the notebook
    computes: its first real charts then find plotly.js's code compiled by the JavaScript engine
    (the report's first 25 charts took 0.75-0.85 s in a fresh tab, 0.6-0.75 s after one such chart)."""
    from ..content.display import chart_template

    x = [2015, 2016, 2017, 2018, 2019, 2020]
    return {"data": [{"type": "scatter", "x": x[:4], "y": [1.0, 2.5, 3.1, 4.2], "mode": "lines+markers", "name": "实际值"},
                     {"type": "scatter", "x": x[3:], "y": [4.2, 4.6, 5.0], "mode": "lines", "line": {"width": 0},
                      "showlegend": False, "hoverinfo": "skip"},
                     {"type": "scatter", "x": x[3:], "y": [4.2, 5.9, 7.3], "mode": "lines", "fill": "tonexty",
                      "line": {"width": 0}, "name": "预测区间"},
                     {"type": "scatter", "x": x, "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "mode": "lines",
                      "line": {"dash": "dash"}, "name": "规划轨迹"}],
            "layout": {"title": {"text": "预热：地区生产总值（亿元）"}, "height": 300,
                       "annotations": [{"x": 2020, "y": 6.0, "text": "2020年目标", "showarrow": True}],
                       "template": chart_template()}}


def start_chart_images(notebook: Path) -> Future:
    """:func:`chart_images` in a background thread (the renderer writes the HTML meanwhile)."""
    fut: Future = Future()

    def run() -> None:
        try:
            fut.set_result(chart_images(notebook))
        except BaseException as exc:  # handed to whoever waits for the images
            fut.set_exception(exc)

    threading.Thread(target=run, name="kpitrack-chart-images-job", daemon=True).start()
    return fut


def add_chart_images(notebook: Path, svgs: list[str] | None) -> int:
    """Put the SVGs into the chart outputs of ``notebook`` (atomically); returns how many."""
    if not svgs:
        return 0
    from ...core.fileio import atomic_write_text

    nb = nbformat.read(str(notebook), as_version=4)
    outs = chart_outputs(nb)
    if len(outs) != len(svgs):
        raise RuntimeError(f"{notebook} changed while its chart images were made")
    for out, svg in zip(outs, svgs):
        out["data"][SVG_MIME] = svg
        out["data"].pop("image/png", None)
    atomic_write_text(notebook, nbformat.writes(nb))
    return len(svgs)


def want(wanted: bool) -> None:
    """Whether the next notebook's charts are to be drawn as its cells finish (a PDF is wanted)."""
    _EXPORTER.wanted = bool(wanted) and static_export_available()[0]
    _EXPORTER.ahead_failed = False


def draw_ahead_wanted() -> bool:
    """Whether a PDF is wanted in this process (the renderer's ``prepare`` started the browser)."""
    return _EXPORTER.wanted

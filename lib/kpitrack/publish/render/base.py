"""What every renderer shares: the result of a render, the base class (formats checked, a format
that fails leaves nothing stale behind, the PDF's chart pictures made alongside), the front matter
of a notebook, the PDF's prerequisites (a Chinese font, Chromium), the page's plotly.js and the
typst settings both renderers use. The renderers: :mod:`.render_quarto`, :mod:`.render_fallback`;
the registry: :mod:`.render`."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat
import yaml

from ...core.exceptions import ParameterError, RenderError
from ...core.labels import SYNTHETIC_LABEL_ZH
from .chart_images import add_chart_images, start_chart_images
from .chart_images import want as want_chart_images, warm_up as warm_up_chart_images
from .notebook_read import forget as forget_notebooks
from ..content.display import typst_string

log = logging.getLogger(__name__)

CJK_FONT = "Noto Sans CJK SC"
FONT_HINT = "PDF needs a Simplified-Chinese font: sudo apt-get install fonts-noto-cjk"
CHART_HINT = "charts in the PDF need Chromium for static images: sudo apt-get install chromium-headless-shell (or chromium)"
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".local/share/fonts"))


#: what a render says of the PDF it made, or would have made, when its HTML failed
WITHOUT_HTML = "the PDF is not published without its HTML"


@dataclass
class RenderResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: the seconds this document's render took, when several were rendered together (else None)
    seconds: float | None = None


class Renderer:
    """Base class: checks formats, writes the HTML beside the PDF, leaves the work to
    :meth:`render_format` (each format) and :meth:`render_pdf` (the PDF once its pictures come)."""

    name = "base"
    FORMATS = ("html", "pdf")
    #: how many documents :meth:`render_many` is best given at once (a batch groups its documents by
    #: it); 1: nothing is shared between documents, a batch renders them one by one as they come
    group_limit = 1

    @classmethod
    def check_formats(cls, formats: tuple[str, ...]) -> None:
        """Refuse unknown formats before any work (a ParameterError, exit 2)."""
        bad = [f for f in formats if f not in cls.FORMATS]
        if bad or not formats:
            raise ParameterError(f"unknown output format(s) {', '.join(bad) or '(none)'}; known: {', '.join(cls.FORMATS)}")

    def check_available(self) -> None:
        """Refuse, before any job starts, a renderer this machine does not have (a ParameterError)."""

    def identity(self) -> str:
        """The renderer and its version, for the up-to-date check: a new renderer renders again."""
        return self.name

    def prepare(self, formats: tuple[str, ...], where: Path | None = None) -> None:
        """Called before the notebook runs: when a PDF is wanted, the Chromium for its chart
        pictures starts meanwhile (:func:`kpitrack.publish.render.chart_images.warm_up`), then the
        renderer's own :meth:`warm_up`. Not both at once: on two cores the kernel has one, and
        Chromium's start takes the other for 1-2 s; the charts come later still. ``where``: the
        folder of the one notebook to come (its scratch folder), when the next render is of that
        notebook alone: a renderer may start on its render there before it is written (Quarto)."""
        wanted = "pdf" in formats and not pdf_prerequisites()
        want_chart_images(wanted)
        _prepared.renderer, _prepared.formats = self, tuple(formats)
        if wanted:
            warm_up_chart_images(then=lambda: self.warm_up(formats))
        else:  # no PDF can be made here: nothing is warmed for one
            self.warm_up(tuple(f for f in formats if f != "pdf"))

    def warm_up(self, formats: tuple[str, ...]) -> None:
        """What this renderer makes ready while the notebook runs; returns at once (by default nothing)."""

    def release(self) -> None:
        """What this thread's :meth:`prepare` started and no render took is stopped and removed (the
        notebook failed, or was rendered with others): called when a batch's group ends."""

    def executed(self, nb: nbformat.NotebookNode, formats: tuple[str, ...]) -> None:
        """The notebook's last cell has answered (``nb`` as it will be written, front matter stamped;
        read only): what this renderer may start on it before the kernel is stopped and the notebook
        written; returns at once (by default nothing). Its render still reads the notebook's file
        and uses only what was started from the same content."""

    def render(self, notebook: Path, formats: tuple[str, ...], out_dir: Path) -> RenderResult:
        """Render every format; a format that fails leaves no earlier output of its own behind (it
        would look current), and the error says what was written. The PDF's chart pictures are made
        while the HTML is written (:mod:`kpitrack.publish.render.chart_images`)."""
        self.check_formats(formats)
        out_dir.mkdir(parents=True, exist_ok=True)
        result = RenderResult()
        formats = _html_first(formats)
        missing = pdf_prerequisites() if "pdf" in formats else []
        if missing:
            (out_dir / f"{notebook.stem}.pdf").unlink(missing_ok=True)
            result.warnings.append("PDF not made: " + "; ".join(missing))
            formats = tuple(f for f in formats if f != "pdf")
        images = start_chart_images(notebook) if "pdf" in formats else None
        # the HTML is written in a thread while the PDF is made here (render_pdf: it waits for the
        # pictures where it must); two cores: about half a second sooner
        html_done: Future | None = None
        if formats == ("html", "pdf"):
            html_done = Future()

            def html() -> None:
                try:
                    html_done.set_result(self.render_format(notebook, "html", out_dir))
                except BaseException as exc:  # handed to the caller below
                    html_done.set_exception(exc)

            threading.Thread(target=html, name="kpitrack-render-html", daemon=True).start()
        failures: dict[str, str] = {}
        try:
            self._render_each(notebook, formats, out_dir, images, html_done, result, failures)
        finally:  # never leave with the HTML still being written (the work folder goes next)
            if html_done is not None:
                wait([html_done])
            forget_notebooks(notebook)  # parsed once for this render's threads, not kept after it
        result.outputs = {f: result.outputs[f] for f in formats if f in result.outputs}  # HTML first, as listed
        if "html" in failures and "pdf" in formats and "pdf" not in failures:  # no PDF is published without its HTML
            if "pdf" in result.outputs:
                result.outputs.pop("pdf").unlink(missing_ok=True)
            failures["pdf"] = WITHOUT_HTML
        if failures:
            written = ", ".join(f"{k}: {v}" for k, v in result.outputs.items()) or "nothing"
            said = "; ".join(why if why == WITHOUT_HTML else f"{fmt.upper()} of {notebook.name} failed ({why})" for fmt, why in
                             sorted(failures.items(), key=lambda kv: kv[0] != "html"))
            gone = " and ".join(f"{notebook.stem}.{fmt}" for fmt in failures)
            raise RenderError(f"{said}; written: {written}; an earlier {gone}, if any, {'were' if len(failures) > 1 else 'was'} "
                              "removed", outputs=result.outputs)
        return result

    def _render_each(self, notebook: Path, formats: tuple[str, ...], out_dir: Path, images, html_done: Future | None,
                     result: RenderResult, failures: dict[str, str]) -> None:
        # the PDF here (its pictures awaited) while the HTML is written in its thread; then the HTML
        for fmt in sorted(formats, key=lambda f: f != "pdf") if html_done is not None else formats:
            try:
                if fmt == "html" and html_done is not None:
                    result.outputs["html"] = html_done.result()
                elif fmt == "pdf":
                    result.outputs[fmt] = self.render_pdf(notebook, images, out_dir)
                else:
                    result.outputs[fmt] = self.render_format(notebook, fmt, out_dir)
            except RenderError as exc:
                (out_dir / f"{notebook.stem}.{fmt}").unlink(missing_ok=True)
                failures[fmt] = str(exc)

    def render_many(self, docs: list[tuple[Path, tuple[str, ...], Path]]) -> list[RenderResult | Exception]:
        """Render several documents (each a notebook, its formats and where its outputs go); what became
        of each, in order: its result, or what :meth:`render` raised for it (one that fails never
        stops the others; never raises for one document). By default one after another; a renderer
        whose start is costly (Quarto) renders them together."""
        out: list[RenderResult | Exception] = []
        for notebook, formats, out_dir in docs:
            began = time.monotonic()
            try:
                result = self.render(Path(notebook), tuple(formats), Path(out_dir))
                result.seconds = round(time.monotonic() - began, 2)
                out.append(result)
            except Exception as exc:  # noqa: BLE001 - this document's failure: the caller reports it
                out.append(exc)
        return out

    def render_format(self, notebook: Path, fmt: str, out_dir: Path) -> Path:
        raise NotImplementedError

    def render_pdf(self, notebook: Path, images: Future | None, out_dir: Path) -> Path:
        """The PDF, once ``images`` (the charts' pictures, :func:`start_chart_images`) have come: by
        default from a copy of the notebook that carries them. A renderer may start on the work that
        needs no picture before it waits for them."""
        with tempfile.TemporaryDirectory(prefix=".pdf-", dir=notebook.parent) as tmp:
            source = Path(tmp) / notebook.name
            shutil.copy(notebook, source)
            _add_images(source, images)
            return self.render_format(source, "pdf", out_dir)


def _add_images(notebook: Path, images) -> None:
    """Wait for the chart pictures and put them into the notebook, for the PDF."""
    try:
        add_chart_images(notebook, chart_pictures(images))
    except RenderError:
        raise
    except Exception as exc:  # the notebook changed meanwhile
        raise RenderError(f"the charts' pictures for the PDF could not be made: {exc}") from exc


def chart_pictures(images: Future | None) -> list[str] | None:
    """Wait for the charts' pictures (:func:`start_chart_images`): SVG text of every chart in order,
    or None (every chart has its picture already). A failure is a RenderError."""
    try:
        return images.result() if images is not None else None
    except Exception as exc:  # Chromium or kaleido failed: say so, as a render error
        raise RenderError(f"the charts' pictures for the PDF could not be made: {exc}") from exc


def _html_first(formats: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(formats, key=lambda f: f != "html"))


# --------------------------------------------------------------------------- prerequisites

def find_cjk_font() -> Path | None:
    """The folder holding a Simplified-Chinese Noto CJK font, or None."""
    for root in FONT_DIRS:
        base = Path(root)
        if base.is_dir():
            for pattern in ("NotoSansCJK*", "NotoSansSC*", "NotoSerifCJK*"):
                hit = next(base.rglob(pattern), None)
                if hit is not None:
                    return hit.parent
    return None


def pdf_prerequisites() -> list[str]:
    """What is missing for a PDF, as install instructions (empty when all is there)."""
    from .chromium import static_export_available

    missing = []
    if find_cjk_font() is None:
        missing.append(FONT_HINT)
    ok, _ = static_export_available()
    if not ok:
        missing.append(CHART_HINT)
    return missing


# --------------------------------------------------------------------------- shared helpers

def front_matter(nb: nbformat.NotebookNode) -> dict:
    """The YAML front matter of the notebook's first raw cell (what Quarto reads too)."""
    for cell in nb.cells:
        if cell.cell_type == "raw":
            text = cell.source.strip()
            if text.startswith("---"):
                return yaml.safe_load(text.strip("-\n")) or {}
        break
    return {}


def stamp_front_matter(notebook: Path, fields: dict[str, Any]) -> None:
    """Set title/subtitle in the notebook's front matter (the first raw cell), as Quarto reads it."""
    if not fields:
        return
    nb = nbformat.read(str(notebook), as_version=4)
    stamp_notebook(nb, fields)
    _atomic_write_text(notebook, nbformat.writes(nb))


def stamp_notebook(nb: nbformat.NotebookNode, fields: dict[str, Any]) -> None:
    """:func:`stamp_front_matter` on a notebook in memory (the runner stamps it as its last cell answers)."""
    if not fields:
        return
    meta = {**front_matter(nb), **fields}
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---"
    if nb.cells and nb.cells[0].cell_type == "raw" and nb.cells[0].source.strip().startswith("---"):
        nb.cells[0].source = text
    else:
        nb.cells.insert(0, nbformat.v4.new_raw_cell(text))


#: the renderer this thread prepared (:meth:`Renderer.prepare`) and its formats: told when a notebook
#: executed in this thread is done (:func:`notebook_executed`)
_prepared = threading.local()


def forget_prepared(renderer: Renderer) -> None:
    """The documents ``renderer`` was prepared for in this thread are being rendered: later notebooks
    executed here are not its to start on (until it is prepared again)."""
    if getattr(_prepared, "renderer", None) is renderer:
        _prepared.renderer = None


def notebook_executed(nb: nbformat.NotebookNode) -> None:
    """A notebook executed in this thread has answered its last cell: the renderer this thread prepared
    may start on it (:meth:`Renderer.executed`); never raises (its render does the work itself)."""
    renderer = getattr(_prepared, "renderer", None)
    if renderer is None:
        return
    try:
        renderer.executed(nb, _prepared.formats)
    except Exception as exc:  # noqa: BLE001 - only a head start: the render does it again and says what fails
        log.debug("nothing started on the executed notebook: %s", exc)


def _atomic_write_text(path: Path, text: str) -> None:
    """Unique temporary name, fsync and rename (core.fileio): two renders never share a .tmp."""
    from ...core.fileio import atomic_write_text

    atomic_write_text(path, text)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    from ...core.fileio import atomic_write_bytes

    atomic_write_bytes(path, data)


def report_css() -> str:
    """The report style sheet, shared with the Quarto project (reports/report.css)."""
    from ...core import paths

    return (paths.reports_dir() / "report.css").read_text(encoding="utf-8")


PLOTLY_MARKER = "Plotly.newPlot("


CARTESIAN_BUNDLE = Path(__file__).resolve().parents[1] / "assets" / "plotly-cartesian.min.js"


@lru_cache(maxsize=1)
def plotlyjs() -> str:
    """plotly.js for the reports: the vendored cartesian bundle (1.5 MB: every trace the reports
    draw) when it is the version the installed plotly writes figures for, else plotly's full bundle."""
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    try:
        text = CARTESIAN_BUNDLE.read_text(encoding="utf-8")
    except OSError:
        return get_plotlyjs()
    if f"plotly.js (cartesian - minified) v{get_plotlyjs_version()}\n" not in text[:200]:
        log.warning("%s is not plotly.js %s: using the full bundle", CARTESIAN_BUNDLE.name, get_plotlyjs_version())
        return get_plotlyjs()
    return text


def with_plotlyjs(page: str) -> str:
    """The page with plotly.js inlined once in its head, if it draws any plotly chart (chart
    outputs carry no plotly.js of their own: :func:`kpitrack.publish.content.display.figure_html`)."""
    if PLOTLY_MARKER not in page or "plotly.js v" in page or "plotly.js (cartesian" in page:
        return page
    script = f'<script type="text/javascript">{plotlyjs()}</script>'
    return page.replace("</head>", script + "\n</head>", 1) if "</head>" in page else script + page


# --------------------------------------------------------------------------- PDF through typst

TYPST_HEADER = r"""
#set text(lang: "zh", region: "cn", size: 10pt)
#show figure: set block(breakable: true)
"""


def typst_header(meta: dict) -> str:
    """Typst set rules from a document's front matter: the PDF's Title, and for synthetic data a
    page header on every page (both renderers)."""
    lines = []
    if meta.get("title"):
        lines.append(f"#set document(title: {typst_string(meta.get('pagetitle') or meta['title'])})")
    if meta.get("synthetic"):
        lines.append("#set page(header: align(right, text(size: 8pt, fill: rgb(\"#b00000\"))["
                     + SYNTHETIC_LABEL_ZH + "]))")
    return "\n".join(lines)


def page_title(meta: dict) -> str:
    """The HTML page's title: the document's, with the synthetic label where it applies."""
    return str(meta.get("pagetitle") or meta.get("title", ""))


def typst_settings() -> Path:
    """The typst settings shared with the Quarto project (reports/typst-settings.typ)."""
    from ...core import paths

    return paths.reports_dir() / "typst-settings.typ"


def annex_filter() -> Path:
    """The pandoc filter that starts each 附件 on a page of its own (shared with the Quarto project)."""
    from ...core import paths

    return paths.reports_dir() / "annex-pages.lua"

"""The fallback renderer, for machines without Quarto: nbconvert for HTML; pandoc (markdown to
typst, from pypandoc-binary) and the typst compiler for PDF, with the same settings as Quarto."""

from __future__ import annotations

import atexit
import base64
import html
import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from contextlib import ExitStack
from concurrent.futures import Future
from pathlib import Path

import nbformat

from ...core.exceptions import RenderError
from .base import (CJK_FONT, TYPST_HEADER, RenderResult, Renderer, _atomic_write_bytes, _atomic_write_text, chart_pictures,
                   find_cjk_font, forget_prepared, front_matter, page_title, pdf_prerequisites, report_css, typst_header, typst_settings, with_plotlyjs,
                   annex_filter)
from .chart_images import PLOTLY_MIME, SVG_MIME, chart_outputs
from . import typst_worker
from .notebook_read import digest as notebook_digest, read_notebook
from .tools import StartedTool, render_timeout, start_tool

log = logging.getLogger(__name__)


class FallbackRenderer(Renderer):
    """nbconvert for HTML; pandoc (markdown -> typst) and the typst compiler for PDF."""

    name = "fallback"

    def identity(self) -> str:
        from importlib.metadata import version

        return f"fallback (nbconvert {version('nbconvert')}, pypandoc-binary {version('pypandoc-binary')}, typst {version('typst')})"

    def warm_up(self, formats: tuple[str, ...]) -> None:
        """While the notebook runs: the HTML exporter is built and its templates compiled, and a
        typst compiler reads the fonts (both in the background)."""
        if "html" in formats:
            warm_up_html()
        if "pdf" in formats and find_cjk_font() is not None:
            warm_up_pdf()

    def executed(self, nb: nbformat.NotebookNode, formats: tuple[str, ...]) -> None:
        """The PDF's text handed to pandoc as the last cell answers, before the kernel is stopped and the
        notebook written (0.15-0.25 s of a report); its render uses it only when the notebook's file
        gives pandoc the same text (:meth:`_PdfText.start`)."""
        if "pdf" in formats and not pdf_prerequisites():
            _PdfText.ahead(nb)

    def render_format(self, notebook: Path, fmt: str, out_dir: Path) -> Path:
        nb = read_notebook(notebook)  # shared with the other format's thread: read only
        meta = front_matter(nb)
        out = out_dir / f"{notebook.stem}.{fmt}"
        if fmt == "html":
            text = notebook_html(nb, meta)
            _atomic_write_text(out, text)
        else:
            _atomic_write_bytes(out, notebook_pdf(nb, meta))
        log.info("wrote %s", out)
        return out

    def render(self, notebook: Path, formats: tuple[str, ...], out_dir: Path) -> RenderResult:
        """As every renderer renders (:meth:`Renderer.render`), the PDF's text handed to pandoc first:
        after the last cell, pandoc then typst are what the PDF waits for, and the few milliseconds of
        Python that start pandoc took 0.1-0.2 s on two cores once the HTML's and the pictures' threads
        had started beside them."""
        self.check_formats(formats)
        forget_prepared(self)
        started = _PdfText.start(notebook) if "pdf" in formats and not pdf_prerequisites() else None
        outer = getattr(_starting, "text", None)
        _starting.text = started
        try:
            return super().render(notebook, formats, out_dir)
        finally:
            _starting.text = outer
            if started is not None:
                started.close()

    def render_pdf(self, notebook: Path, images: Future | None, out_dir: Path) -> Path:
        """The PDF straight from the notebook: pandoc converts it while the charts' last pictures are
        still being drawn (their files are named ahead), and typst sets it once they have come."""
        started = getattr(_starting, "text", None)
        if started is not None and not started.converts(notebook):  # not this notebook, or it changed since
            started = None
        nb = started.nb if started is not None else read_notebook(notebook)  # shared with the other threads: read only
        out = out_dir / f"{notebook.stem}.pdf"
        _atomic_write_bytes(out, notebook_pdf(nb, front_matter(nb), pictures=lambda: chart_pictures(images), started=started))
        log.info("wrote %s", out)
        return out


#: the PDF text being converted for this thread's render (:meth:`FallbackRenderer.render`)
_starting = threading.local()

#: PDF texts started as notebooks' last cells answered (:meth:`_PdfText.ahead`), not yet taken by a
#: render; a batch renders each document right after executing it, so a few are enough
_AHEAD: list[_PdfText] = []
_AHEAD_LOCK = threading.Lock()
AHEAD_KEPT = 4


def _drop_ahead() -> None:
    with _AHEAD_LOCK:
        dropped = list(_AHEAD)
        _AHEAD.clear()
    for text in dropped:
        text.close()


def _forget_ahead_in_child() -> None:
    """A forked child leaves its parent's texts alone (their folders and pandoc are the parent's)."""
    global _AHEAD_LOCK
    _AHEAD_LOCK = threading.Lock()
    for text in _AHEAD:
        text._tmp._finalizer.detach()  # type: ignore[attr-defined]
        text._pandoc = None
    _AHEAD.clear()


atexit.register(_drop_ahead)
os.register_at_fork(after_in_child=_forget_ahead_in_child)
try:  # worker processes of multiprocessing leave through os._exit: its own exit hooks run, atexit's do not
    from multiprocessing import util as _mp_util

    _mp_util.Finalize(None, _drop_ahead, exitpriority=10)
except ImportError:  # pragma: no cover
    pass


def _digest(notebook: Path) -> str:
    return notebook_digest(Path(notebook).read_bytes())


class _PdfText:
    """The PDF's text of one notebook being converted by pandoc: its folder (removed by :meth:`close`),
    the charts' picture names (written once the pictures come), and the pandoc process."""

    def __init__(self, notebook: Path | None, digest: str, nb: nbformat.NotebookNode, meta: dict) -> None:
        self.notebook = Path(notebook).resolve() if notebook is not None else None
        self.digest, self.nb, self.meta = digest, nb, meta
        self._tmp = tempfile.TemporaryDirectory(prefix="kpitrack-pdf-")
        self.tmpdir = Path(self._tmp.name)
        self.pending: list[tuple[str, int]] = []
        self.markdown = ""  # what pandoc was given
        self.command: list[str] = []  # how it was started, its folder written TMP
        self.assets: dict[str, bytes] = {}  # the pictures the notebook had (not the charts' to come)
        self._pandoc: StartedTool | None = None

    def _begin(self) -> None:
        self._pandoc = _start_typst_source(self.nb, self.meta, self.tmpdir, self.pending)
        self.markdown = (self.tmpdir / "report.md").read_bytes().decode("utf-8")  # as written: \r kept
        self.assets = {p.name: p.read_bytes() for p in self.tmpdir.glob("figure-*")}
        self.command = _command_in(self.tmpdir, self.meta)

    @classmethod
    def ahead(cls, nb: nbformat.NotebookNode) -> None:
        """pandoc started on the text of a notebook not yet written (:meth:`FallbackRenderer.executed`),
        kept for :meth:`start` to take (the oldest of more than :data:`AHEAD_KEPT` is dropped). Only
        pandoc: a typst compile started as well once the pictures came gained nothing measurable (the
        pictures come last)."""
        text = cls(None, "", nb, front_matter(nb))  # its nb is replaced by the file's when it is taken
        try:
            text._begin()
        except BaseException:
            text.close()
            raise
        with _AHEAD_LOCK:
            _AHEAD.append(text)
            dropped = _AHEAD[:-AHEAD_KEPT]
            del _AHEAD[:-AHEAD_KEPT]
        for old in dropped:
            old.close()

    @classmethod
    def _taken(cls, nb: nbformat.NotebookNode, meta: dict) -> _PdfText | None:
        """A text started :meth:`ahead` that gives pandoc exactly what ``nb`` would, pictures included
        (taken from the kept ones)."""
        with _AHEAD_LOCK:
            for text in _AHEAD:
                pending: list[tuple[str, int]] = []
                assets: dict[str, bytes] = {}
                if text.meta == meta and notebook_markdown(nb, text.tmpdir, pending=pending, assets=assets) == text.markdown \
                        and pending == text.pending and assets == text.assets and _command_in(text.tmpdir, meta) == text.command:
                    _AHEAD.remove(text)
                    return text
        return None

    @classmethod
    def start(cls, notebook: Path) -> _PdfText | None:
        """pandoc started on ``notebook``'s text, or the same text started :meth:`ahead`; None when that
        cannot be done here (the PDF's own steps then do it, and say what went wrong)."""
        text = None
        try:
            digest = _digest(notebook)
            nb = read_notebook(notebook)
            meta = front_matter(nb)
            text = cls._taken(nb, meta)
            if text is not None:
                text.notebook, text.digest, text.nb = Path(notebook).resolve(), digest, nb
                return text
            text = cls(notebook, digest, nb, meta)
            text._begin()
            return text
        except Exception as exc:  # noqa: BLE001 - the PDF's own steps report it
            log.debug("the PDF's text was not started ahead: %s", exc)
            if text is not None:
                text.close()
            return None
        except BaseException:  # interrupted: nothing of it is left
            if text is not None:
                text.close()
            raise

    def converts(self, notebook: Path) -> bool:
        """Whether this is the text of ``notebook`` as its file is now."""
        try:
            return Path(notebook).resolve() == self.notebook and _digest(notebook) == self.digest
        except OSError:
            return False

    def source(self) -> Path:
        """The typst file, once pandoc is done (a RenderError when it failed or hung)."""
        assert self._pandoc is not None
        return _finish_typst_source(self._pandoc, self.tmpdir)

    def close(self) -> None:
        if self._pandoc is not None:
            self._pandoc.stop()
        self._tmp.cleanup()


def notebook_html(nb: nbformat.NotebookNode, meta: dict) -> str:
    """A self-contained HTML page of the executed notebook, code hidden, in Chinese."""
    exporter = _take_exporter()
    try:
        body, _ = exporter.from_notebook_node(_without_raw(nb), resources={"metadata": {"name": meta.get("title", "report")}})
    finally:
        _give_back_exporter(exporter)
    lang = str(meta.get("lang", "zh"))
    body = re.sub(r"<html[^>]*>", f'<html lang="{"zh-CN" if lang.startswith("zh") else lang}">', body, count=1)
    # offline and self-contained: drop scripts loaded from CDNs (require.js, MathJax)
    body = re.sub(r'<script[^>]+src="https?://[^"]+"[^>]*>\s*</script>', "", body)
    body = re.sub(r"<script type=\"text/x-mathjax-config\">.*?</script>", "", body, flags=re.S)
    title = html.escape(str(meta.get("title", "")))
    subtitle = html.escape(str(meta.get("subtitle", "")))
    # a document that prints its own head (issuer, 文号, title) gets no title block
    header = "" if meta.get("masthead") or not title else f'<h1 class="title">{title}</h1>' + (f'<p class="subtitle">{subtitle}</p>' if subtitle else "")
    body = re.sub(r"<title>.*?</title>", f"<title>{html.escape(page_title(meta))}</title>", body, count=1, flags=re.S)
    body = body.replace("</head>", f"<style>{report_css()}</style>\n</head>", 1)
    body = with_plotlyjs(body)
    toc = contents_list(body) if meta.get("toc", True) else ""
    if toc and "</header>" in body and 'class="kt-redhead"' in body:  # an official document opens on its head
        # ... and its 主送 line leads straight into the text: the contents come before that line
        to = '<p class="kt-to">'
        body = body.replace(to, toc + to, 1) if to in body else body.replace("</header>", "</header>" + toc, 1)
    else:
        header += toc
    body = re.sub(r"(<body[^>]*>)", lambda mo: mo.group(1) + header, body, count=1)
    return body


# nbconvert's HTML exporter, built once: importing nbconvert and compiling its templates takes about
# 0.8 s on two cores, a conversion with a built exporter about 0.3 s. Exporters are lent to one
# conversion at a time (a batch's threads each get their own).
_exporter_lock = threading.Lock()
_exporters: list = []
_warming: Future | None = None


def _new_exporter():
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class _PageExporter(HTMLExporter):
        """nbconvert's HTML exporter without its last pass: HTMLExporter parses the page it has just
        written with BeautifulSoup (html.parser) to add ``tabindex="0"`` to the cells' input and
        output areas and an ``alt`` to images without one, about half of a report's conversion (0.15
        of 0.3 s), and the HTML is what the PDF waits for after the last cell. The same attributes are
        added here to the opening tags; a page with images goes through nbconvert's own pass. The
        page's DOM is nbconvert's (tests/test_render_quality.py parses both and compares them)."""

        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node (nbconvert 7.17), up to its BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                                           resources=resources))
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            if re.search(r"<img\b", page, flags=re.I):  # images (rare here): nbconvert's own pass names them
                return super().from_notebook_node(nb, resources, **kw)
            return _characters(_FOCUSABLE.sub(_focusable, page)), resources

    from importlib.metadata import version

    # the method above is nbconvert 7.17's; another release may do more after its template: its own
    exporter = _PageExporter if version("nbconvert").startswith(f"{COPIED_FROM_NBCONVERT}.") else HTMLExporter
    return exporter(template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


#: the nbconvert release whose HTMLExporter.from_notebook_node the fallback's exporter follows
COPIED_FROM_NBCONVERT = "7.17"


#: the opening tags of the cells' input and output areas, which nbconvert makes focusable (tabindex)
_FOCUSABLE = re.compile(r'<div\b(?=[^>]*\bclass="(?:[^"]*\s)?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?:\s[^"]*)?")([^>]*)>')


#: a script or style block (left as it is), or a numeric character reference outside one
_REF_OR_BLOCK = re.compile(r"<(script|style)\b.*?</\1\s*>|&#(\d+);", flags=re.S | re.I)


def _characters(page: str) -> str:
    """Numeric character references outside scripts and styles as the characters they stand for, as
    BeautifulSoup wrote them: nbconvert's markdown writes headings' text as references (&#31354;
    for 空), which a search of the page's text would not find. Only characters from U+00A0 on that are
    not controls, format characters or unassigned are written out; ``&lt;``, ``&amp;`` and the like
    stay as they are."""
    def one(mo: re.Match) -> str:
        if mo.group(2) is None:
            return mo.group(0)
        code = int(mo.group(2))
        return chr(code) if 0xA0 <= code <= 0x10FFFF and not unicodedata.category(chr(code)).startswith("C") else mo.group(0)
    return _REF_OR_BLOCK.sub(one, page)


def _focusable(mo: re.Match) -> str:
    attrs = mo.group(1)
    return mo.group(0) if re.search(r"\btabindex=", attrs) else f'<div{attrs} tabindex="0">'


def warm_up_html() -> None:
    """Build an exporter and compile its templates in a thread, while the notebook runs (returns at once)."""
    global _warming
    with _exporter_lock:
        if _exporters or _warming is not None:
            return
        _warming = warming = Future()

    def build() -> None:
        exporter = None
        try:
            exporter = _new_exporter()
            exporter.from_notebook_node(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 标题")]))
        except BaseException as exc:  # the page builds its own, and says why if it cannot
            log.debug("no warm HTML exporter: %s", exc)
            exporter = None
        finally:
            _warmed(warming, exporter)

    try:
        threading.Thread(target=build, name="kpitrack-warm-html", daemon=True).start()
    except RuntimeError as exc:  # no thread to be had (limits, interpreter shutdown): the page builds its own
        log.debug("no warm HTML exporter: %s", exc)
        _warmed(warming, None)


def _warmed(warming: Future, exporter) -> None:
    global _warming
    with _exporter_lock:
        if exporter is not None:
            _exporters.append(exporter)
        if _warming is warming:
            _warming = None
    if not warming.done():
        warming.set_result(None)


def _take_exporter():
    with _exporter_lock:
        warming = _warming
    if warming is not None:  # being built: sooner than building another
        try:
            warming.result(timeout=render_timeout())
        except TimeoutError:
            pass
    with _exporter_lock:
        if _exporters:
            return _exporters.pop()
    return _new_exporter()


def _give_back_exporter(exporter) -> None:
    kept = getattr(exporter, "_nb_metadata", None)  # nbconvert keeps each page's metadata by its title
    if isinstance(kept, dict):
        kept.clear()
    with _exporter_lock:
        _exporters.append(exporter)


def _forget_warming_in_child() -> None:
    """A forked child has none of its parent's threads: an exporter being built there never comes."""
    global _exporter_lock, _warming
    _exporter_lock, _warming = threading.Lock(), None


os.register_at_fork(after_in_child=_forget_warming_in_child)


def contents_list(page: str) -> str:
    """The fallback page's contents list, from its section headings (h2), as Quarto makes one."""
    items = []
    for mo in re.finditer(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', page, flags=re.S):
        inner = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", mo.group(2), flags=re.S)  # the heading's ¶ link
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip()
        if text:
            items.append(f'<li><a href="#{mo.group(1)}">{html.escape(text, quote=False)}</a></li>')
    return f'<nav class="kt-toc" aria-label="目录"><strong>目录</strong><ol>{"".join(items)}</ol></nav>' if items else ""


def _typst_option(meta: dict, key: str, default):
    """A front matter option for the PDF: ``format: typst: KEY`` when set, else ``default``."""
    fmt = meta.get("format")
    typst = fmt.get("typst") if isinstance(fmt, dict) else None
    return typst[key] if isinstance(typst, dict) and key in typst else default


def _without_raw(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]
    return nb


def notebook_markdown(nb: nbformat.NotebookNode, asset_dir: Path, *, pending: list[tuple[str, int]] | None = None,
                      assets: dict[str, bytes] | None = None) -> str:
    """The notebook as pandoc markdown: markdown cells, and for each output the form a PDF needs
    (a picture for charts, a pipe table for tables, markdown text); code is left out. With
    ``pending``, every chart gets a file name before its picture is made, listed there with the chart's
    place among the notebook's charts (its picture is written under that name later). The pictures it
    has are written into ``asset_dir``, or with ``assets`` kept there by name instead."""

    def put(name: str, data: bytes) -> None:
        if assets is not None:
            assets[name] = data
        else:
            (asset_dir / name).write_bytes(data)

    parts: list[str] = []
    n_img = 0
    n_chart = -1
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        elif cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.output_type in ("display_data", "execute_result"):
                    data = out.get("data", {})
                    n_chart += PLOTLY_MIME in data
                    if pending is not None and PLOTLY_MIME in data:
                        n_img += 1
                        name = f"figure-{n_img:03d}.svg"
                        pending.append((name, n_chart))
                        parts.append(f"![]({name}){{width=100%}}")
                    elif "image/svg+xml" in data:
                        n_img += 1
                        name = f"figure-{n_img:03d}.svg"
                        svg = data["image/svg+xml"]
                        put(name, ("".join(svg) if isinstance(svg, list) else svg).encode("utf-8"))
                        parts.append(f"![]({name}){{width=100%}}")
                    elif "image/png" in data:
                        n_img += 1
                        name = f"figure-{n_img:03d}.png"
                        put(name, base64.b64decode(data["image/png"]))
                        parts.append(f"![]({name}){{width=100%}}")
                    elif "text/markdown" in data:
                        parts.append(data["text/markdown"])
                    elif "text/plain" in data and not data["text/plain"].startswith("<chart"):
                        parts.append("```\n" + data["text/plain"] + "\n```")
                elif out.output_type == "error":
                    parts.append("```\n" + "\n".join(out.get("traceback", []))[:4000] + "\n```")
    return "\n\n".join(parts) + "\n"


def notebook_pdf(nb: nbformat.NotebookNode, meta: dict, *,
                 pictures: Callable[[], list[str] | None] | None = None, started: _PdfText | None = None) -> bytes:
    """PDF bytes: notebook -> pandoc markdown -> typst (pandoc) -> PDF (typst). With ``pictures``
    (which waits for the SVG text of every chart of ``nb``, in order, or None when every chart has
    its picture already), every chart is named in the markdown before its picture comes, and the
    pictures are written once pandoc is done: the new ones, as the Quarto renderer puts them in.
    ``started``: pandoc already converting ``nb`` with its charts named (:class:`_PdfText`; with ``pictures``)."""
    font_dir = find_cjk_font()
    with ExitStack() as stack:
        if started is not None and pictures is not None:
            tmpdir, pending = started.tmpdir, started.pending
            typ = started.source()
        else:
            tmpdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kpitrack-pdf-")))
            pending = [] if pictures is not None else None
            typ = _typst_source(nb, meta, tmpdir, pending)
        if pending:
            svgs = pictures()  # type: ignore[misc]
            charts = chart_outputs(nb)
            if svgs is None:  # nothing new drawn: each chart's own picture, if it has one
                svgs = [out["data"].get(SVG_MIME) for out in charts]
            elif len(svgs) != len(charts):
                raise RenderError(f"the notebook has {len(charts)} charts but {len(svgs)} pictures were made: it changed "
                                  "while they were drawn")
            if any(svg is None for svg in svgs):  # no pictures after all: those charts are left out, as without them
                for stale in tmpdir.glob("figure-*"):
                    stale.unlink()
                typ = _typst_source(nb, meta, tmpdir, None)
            else:
                for name, index in pending:
                    svg = svgs[index]
                    (tmpdir / name).write_bytes(svg if isinstance(svg, bytes) else "".join(svg).encode("utf-8"))
        return typst_pdf(typ, font_dir)


def _typst_source(nb: nbformat.NotebookNode, meta: dict, tmpdir: Path, pending: list[tuple[str, int]] | None) -> Path:
    """The notebook as a typst file in ``tmpdir`` (pandoc), with the settings both renderers share."""
    return _finish_typst_source(_start_typst_source(nb, meta, tmpdir, pending), tmpdir)


def _command_in(tmpdir: Path, meta: dict) -> list[str]:
    """:func:`_typst_command` with ``tmpdir`` written TMP (what two texts' commands are compared by)."""
    return [a.replace(str(tmpdir), "TMP") for a in _typst_command(meta, tmpdir)]


def _start_typst_source(nb: nbformat.NotebookNode, meta: dict, tmpdir: Path, pending: list[tuple[str, int]] | None) -> StartedTool:
    """pandoc started on the notebook's markdown in ``tmpdir`` (:func:`_finish_typst_source` waits for it)."""
    md = notebook_markdown(nb, tmpdir, pending=pending)
    (tmpdir / "header.typ").write_text(TYPST_HEADER + typst_header(meta) + "\n", encoding="utf-8")
    # the page as Quarto sets it (_quarto.yml): A4, margins 1.6 cm and 1.8 cm, 10 pt; a map such
    # as the margins only reaches pandoc's template as metadata (a --variable=margin.x is a name)
    (tmpdir / "page.yaml").write_text("margin:\n  x: 1.6cm\n  y: 1.8cm\npapersize: a4\nfontsize: 10pt\n", encoding="utf-8")
    (tmpdir / "report.md").write_text(md, encoding="utf-8")
    return start_tool(_typst_command(meta, tmpdir), "pandoc (markdown to typst)")


def _typst_command(meta: dict, tmpdir: Path) -> list[str]:
    """pandoc's command line for the text in ``tmpdir`` (report.md, header.typ, page.yaml) to report.typ."""
    import pypandoc

    # --wrap=none: a wrapped line must never start with typst markup (= heading, - list)
    args = ["--standalone", "--wrap=none", *([f"--metadata=title:{meta['title']}"] if meta.get("title") and not meta.get("masthead") else []), "--variable=lang:zh",
            "--variable=region:CN", f"--variable=mainfont:{CJK_FONT}", f"--metadata-file={tmpdir / 'page.yaml'}",
            f"--include-in-header={tmpdir / 'header.typ'}", f"--include-before-body={typst_settings()}",
            *([f"--lua-filter={annex_filter()}"] if annex_filter().is_file() else [])]
    if _typst_option(meta, "toc", False):  # an official document opens on its head, never on a contents list
        args += ["--toc", "--toc-depth=2"]
    if meta.get("subtitle") and meta.get("title") and not meta.get("masthead"):
        args.append(f"--metadata=subtitle:{meta['subtitle']}")
    return [pypandoc.get_pandoc_path(), str(tmpdir / "report.md"), "--from", "markdown", "--to", "typst",
            "--output", str(tmpdir / "report.typ"), *args]


def _finish_typst_source(pandoc: StartedTool, tmpdir: Path) -> Path:
    proc = pandoc.finish()
    if proc.returncode != 0:
        raise RenderError(f"pandoc could not convert the report to typst: {proc.stderr[-2000:]}")
    return tmpdir / "report.typ"


def typst_pdf(source: Path, font_dir: Path | None) -> bytes:
    """PDF bytes of a typst file, compiled by the ``typst`` package in a child process (a warm one
    when :func:`warm_up_pdf` started it, :mod:`.typst_worker`), so that a compile that hangs is stopped
    by the render timeout."""
    target = source.with_suffix(".pdf")
    typst_worker.compile_pdf(source, target, source.parent, font_dir)
    if not target.is_file():
        raise RenderError(f"typst could not compile {source.name}: it wrote no PDF")
    return target.read_bytes()


def warm_up_pdf() -> None:
    """Start a typst compiler that reads the fonts while the notebook runs (returns at once)."""
    typst_worker.warm_up(find_cjk_font())

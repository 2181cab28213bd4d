"""Render executed notebooks to HTML and PDF: Quarto when it is on PATH, else a fallback built
from the parts Quarto uses (nbconvert for HTML; pandoc from pypandoc-binary and typst for PDF).

Renderers live in a small registry (``register``/``get_renderer``); ``auto`` picks Quarto
whenever ``quarto`` is on PATH.
"""

from __future__ import annotations

import base64
import html
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any
from functools import lru_cache
from pathlib import Path

import nbformat
import yaml

from .display import typst_string
from ..core.exceptions import ParameterError, RenderError, UnknownNameError
from ..core.labels import SYNTHETIC_LABEL_ZH
from .chart_images import add_chart_images, start_chart_images
from .tools import DEFAULT_RENDER_TIMEOUT, render_timeout, run_tool, stop_group  # noqa: F401 - used here and by callers
from .chart_images import warm_up as warm_up_chart_images
from .html_inline import inline_resources

log = logging.getLogger(__name__)

CJK_FONT = "Noto Sans CJK SC"
FONT_HINT = "PDF needs a Simplified-Chinese font: sudo apt-get install fonts-noto-cjk"
CHART_HINT = "charts in the PDF need Chromium for static images: sudo apt-get install chromium"
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".local/share/fonts"))


@dataclass
class RenderResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class Renderer:
    """Base class: checks formats, leaves the work to :meth:`render_format`."""

    name = "base"
    FORMATS = ("html", "pdf")

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

    def prepare(self, formats: tuple[str, ...]) -> None:
        """Called before the notebook runs: when a PDF is wanted, the Chromium for its chart
        pictures starts meanwhile (:func:`kpitrack.publish.chart_images.warm_up`)."""
        if "pdf" in formats and not pdf_prerequisites():
            warm_up_chart_images()

    def render(self, notebook: Path, formats: tuple[str, ...], out_dir: Path) -> RenderResult:
        """Render every format; a format that fails leaves no earlier output of its own behind (it
        would look current), and the error says what was written. The PDF's chart pictures are made
        while the HTML is written (:mod:`kpitrack.publish.chart_images`)."""
        self.check_formats(formats)
        out_dir.mkdir(parents=True, exist_ok=True)
        result = RenderResult()
        formats = _html_first(formats)
        images = start_chart_images(notebook) if "pdf" in formats and not pdf_prerequisites() else None
        for fmt in formats:
            stale = out_dir / f"{notebook.stem}.{fmt}"
            missing = pdf_prerequisites() if fmt == "pdf" else []
            if missing:
                stale.unlink(missing_ok=True)
                result.warnings.append("PDF not made: " + "; ".join(missing))
                continue
            try:
                if fmt == "pdf":
                    _add_images(notebook, images)
                result.outputs[fmt] = self.render_format(notebook, fmt, out_dir)
            except RenderError as exc:
                stale.unlink(missing_ok=True)
                written = ", ".join(f"{k}: {v}" for k, v in result.outputs.items()) or "nothing"
                raise RenderError(f"{fmt.upper()} of {notebook.name} failed ({exc}); written: {written}; "
                                  f"an earlier {stale.name}, if any, was removed") from None
        return result

    def render_format(self, notebook: Path, fmt: str, out_dir: Path) -> Path:
        raise NotImplementedError


class QuartoRenderer(Renderer):
    """``quarto render`` inside the Quarto project in ``reports/`` (see reports/_quarto.yml), HTML and
    PDF (typst) as two processes side by side, the PDF from a copy of the notebook that carries the
    charts' pictures. The HTML gets plotly.js once in its head and loses the CDN scripts Quarto adds
    for any notebook with HTML outputs (require.js, jQuery), which these reports do not use."""

    name = "quarto"

    def check_available(self) -> None:
        if shutil.which("quarto") is None:
            raise ParameterError("--renderer quarto: quarto is not on PATH; install Quarto (https://quarto.org) or use "
                                 "--renderer fallback")

    def identity(self) -> str:
        exe = shutil.which("quarto")
        return f"quarto {_quarto_version(exe)}" if exe else "quarto (absent)"

    def render(self, notebook: Path, formats: tuple[str, ...], out_dir: Path) -> RenderResult:
        self.check_formats(formats)
        exe = shutil.which("quarto")
        if exe is None:
            raise RenderError("quarto is not on PATH; install Quarto (https://quarto.org) or use --renderer fallback")
        project = _quarto_project(notebook)
        out_dir.mkdir(parents=True, exist_ok=True)
        result = RenderResult()
        wanted = []
        for fmt in formats:
            missing = pdf_prerequisites() if fmt == "pdf" else []
            if missing:
                (out_dir / f"{notebook.stem}.{fmt}").unlink(missing_ok=True)
                result.warnings.append("PDF not made: " + "; ".join(missing))
            else:
                wanted.append(fmt)
        if not wanted:
            return result
        # the PDF's chart pictures are made while Quarto starts on the HTML; the PDF is rendered from a
        # copy with the pictures, alongside the HTML (two Quarto processes: most of each is start-up)
        images = start_chart_images(notebook) if "pdf" in wanted else None
        jobs: dict[str, tuple[subprocess.Popen, Path]] = {}
        pdf_source = notebook.with_name(f"{notebook.stem}{PDF_SOURCE_SUFFIX}.ipynb")
        failures = []
        try:
            if "html" in wanted:
                jobs["html"] = (_start_quarto(exe, project, notebook, "html"), notebook)
            if "pdf" in wanted:
                shutil.copy(notebook, pdf_source)
                try:
                    _add_typst_header(pdf_source)
                    _add_images(pdf_source, images)
                    jobs["pdf"] = (_start_quarto(exe, project, pdf_source, "typst"), pdf_source)
                except RenderError as exc:  # no PDF; the HTML still comes
                    (out_dir / f"{notebook.stem}.pdf").unlink(missing_ok=True)
                    failures.append(f"PDF of {notebook.name} failed ({exc}); an earlier {notebook.stem}.pdf, if any, was removed")
            deadline = time.monotonic() + render_timeout()
            for fmt in [f for f in _html_first(tuple(wanted)) if f in jobs]:
                proc, source = jobs[fmt]
                try:
                    stdout, stderr = proc.communicate(timeout=max(deadline - time.monotonic(), 0.1))
                    if proc.returncode != 0:
                        # once seen in a batch of 33 (no message, not reproducible): one more try, alone
                        log.warning("quarto render of %s to %s failed (%s); trying once more", notebook.name, fmt, proc.returncode)
                        retry = run_tool([exe, "render", str(source.relative_to(project)), "--to", "typst" if fmt == "pdf" else fmt,
                                          *(["-M", "embed-resources:false"] if fmt == "html" else [])],
                                         f"quarto render of {notebook.name} to {fmt}", cwd=project)
                        proc.returncode = retry.returncode
                        stdout, stderr = stdout + retry.stdout, stderr + retry.stderr
                except subprocess.TimeoutExpired:
                    stop_group(proc)
                    (out_dir / f"{notebook.stem}.{fmt}").unlink(missing_ok=True)
                    failures.append(f"quarto render of {notebook.name} to {fmt} took longer than {render_timeout()} s "
                                    f"(KPITRACK_RENDER_TIMEOUT) and was stopped; an earlier {notebook.stem}.{fmt}, if any, was removed")
                    continue
                rel = source.relative_to(project).with_suffix("")
                produced = project / "_output" / f"{rel}.{fmt}"
                if not produced.is_file():  # a file Quarto rendered in place, outside the project's output folder
                    produced = source.with_suffix(f".{fmt}")
                target = out_dir / f"{notebook.stem}.{fmt}"
                if proc.returncode != 0 or not produced.is_file():
                    target.unlink(missing_ok=True)
                    failures.append(f"quarto render of {notebook.name} to {fmt} failed ({proc.returncode}); an earlier "
                                    f"{target.name}, if any, was removed:\n{(stderr.strip() or stdout.strip())[-3000:]}")
                    continue
                if fmt == "html":
                    _finish_html(project, produced)
                if produced.resolve() != target.resolve():
                    _atomic_write_bytes(target, produced.read_bytes())
                    produced.unlink()
                result.outputs[fmt] = target
                _tidy_quarto_output(project, rel)
            if failures:
                written = ", ".join(f"{k}: {v}" for k, v in result.outputs.items()) or "nothing"
                raise RenderError("; ".join(failures) + f"; written: {written}")
        finally:
            for proc, _ in jobs.values():
                if proc.poll() is None:
                    stop_group(proc)
            pdf_source.unlink(missing_ok=True)
        return result


PDF_SOURCE_SUFFIX = "__pdf"


@lru_cache(maxsize=4)
def _quarto_version(exe: str) -> str:
    try:
        proc = run_tool([exe, "--version"], "quarto --version")
    except RenderError:
        return "unknown"
    return proc.stdout.strip() or "unknown"
def _start_quarto(exe: str, project: Path, source: Path, to: str) -> subprocess.Popen:
    cmd = [exe, "render", str(source.relative_to(project)), "--to", to]
    if to == "html":  # inlined by _finish_html, in a fraction of the time of Quarto's own pandoc pass
        cmd += ["-M", "embed-resources:false"]
    log.info("running %s in %s", " ".join(cmd), project)
    return subprocess.Popen(cmd, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _finish_html(project: Path, produced: Path) -> None:
    """Quarto's page, made self-contained: its stylesheets, scripts and fonts inlined, the CDN
    scripts removed, plotly.js put in once (after Quarto: its HTML post-processing would parse
    1.5 MB more). The copies Quarto made beside the page are removed, except in the project's
    output folder itself, where another render may be reading the same copy of report.css."""
    page = produced.read_text(encoding="utf-8")
    page, used = inline_resources(without_cdn_scripts(page), produced)
    produced.write_text(with_plotlyjs(page), encoding="utf-8")
    output_root = (project / "_output").resolve()
    for path in used:
        if path.parent != output_root and path.is_relative_to(output_root):
            path.unlink(missing_ok=True)


def _add_typst_header(notebook: Path) -> None:
    """Put :func:`typst_header` into the notebook's front matter for Quarto's typst format."""
    nb = nbformat.read(str(notebook), as_version=4)
    meta = front_matter(nb)
    text = typst_header(meta)
    if not text:
        return
    fmt = meta.setdefault("format", {}) if isinstance(meta.get("format", {}), dict) else {}
    typst_opts = fmt.setdefault("typst", {}) if isinstance(fmt.get("typst", {}), dict) else {}
    typst_opts["include-in-header"] = {"text": text}
    meta["format"] = {**fmt, "typst": typst_opts}
    source = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---"
    if nb.cells and nb.cells[0].cell_type == "raw" and nb.cells[0].source.strip().startswith("---"):
        nb.cells[0].source = source
    else:
        nb.cells.insert(0, nbformat.v4.new_raw_cell(source))
    nbformat.write(nb, str(notebook))


def _add_images(notebook: Path, images) -> None:
    """Wait for the chart pictures and put them into the notebook, for the PDF."""
    try:
        add_chart_images(notebook, images.result() if images is not None else None)
    except Exception as exc:  # Chromium or kaleido failed: say so, as a render error
        raise RenderError(f"the charts' pictures for the PDF could not be made: {exc}") from exc


def _html_first(formats: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(formats, key=lambda f: f != "html"))


def _tidy_quarto_output(project: Path, rel: Path) -> None:
    """Remove what Quarto left for a rendered file (its ``_files`` folder, folders left empty)."""
    out = project / "_output"
    shutil.rmtree(out / rel.parent / f"{rel.name}_files", ignore_errors=True)
    folder = (out / rel).parent
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


_CDN_SCRIPTS = re.compile(
    r'<script src="https://(?:cdnjs\.cloudflare\.com/ajax/libs/(?:require\.js|jquery)/|unpkg\.com/@jupyter-widgets/)[^"]*"[^>]*>\s*</script>\s*'
    r'|<script type="application/javascript">define\(\'jquery\', \[\],function\(\) \{return window\.jQuery;\}\)</script>\s*')


def without_cdn_scripts(page: str) -> str:
    """The page without the require.js, jQuery and widget scripts Quarto loads from CDNs for any
    notebook with HTML outputs (offline they fail; the reports' tables and plotly need none)."""
    return _CDN_SCRIPTS.sub("", page)


def _quarto_project(notebook: Path) -> Path:
    """The Quarto project (folder with _quarto.yml) the notebook lies in."""
    for folder in [notebook.parent, *notebook.parent.parents]:
        if (folder / "_quarto.yml").is_file():
            return folder
    raise RenderError(f"{notebook} is not inside a Quarto project (no _quarto.yml above it)")


class FallbackRenderer(Renderer):
    """nbconvert for HTML; pandoc (markdown -> typst) and the typst compiler for PDF."""

    name = "fallback"

    def identity(self) -> str:
        from importlib.metadata import version

        return f"fallback (nbconvert {version('nbconvert')}, pypandoc-binary {version('pypandoc-binary')}, typst {version('typst')})"

    def render_format(self, notebook: Path, fmt: str, out_dir: Path) -> Path:
        nb = nbformat.read(str(notebook), as_version=4)
        meta = front_matter(nb)
        out = out_dir / f"{notebook.stem}.{fmt}"
        if fmt == "html":
            text = notebook_html(nb, meta)
            _atomic_write_text(out, text)
        else:
            _atomic_write_bytes(out, notebook_pdf(nb, meta))
        log.info("wrote %s", out)
        return out


_REGISTRY: dict[str, Renderer] = {}


def register(renderer: Renderer) -> None:
    _REGISTRY[renderer.name] = renderer


def get_renderer(name: str = "auto") -> Renderer:
    """``auto``: Quarto when ``quarto`` is on PATH, else the fallback."""
    if name == "auto":
        name = "quarto" if shutil.which("quarto") else "fallback"
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError("renderer", name, ["auto", *_REGISTRY]) from None


register(QuartoRenderer())
register(FallbackRenderer())


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
    from .tools import static_export_available

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
    meta = {**front_matter(nb), **fields}
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---"
    if nb.cells and nb.cells[0].cell_type == "raw" and nb.cells[0].source.strip().startswith("---"):
        nb.cells[0].source = text
    else:
        nb.cells.insert(0, nbformat.v4.new_raw_cell(text))
    _atomic_write_text(notebook, nbformat.writes(nb))


def _atomic_write_text(path: Path, text: str) -> None:
    """Unique temporary name, fsync and rename (core.fileio): two renders never share a .tmp."""
    from ..core.fileio import atomic_write_text

    atomic_write_text(path, text)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    from ..core.fileio import atomic_write_bytes

    atomic_write_bytes(path, data)


def report_css() -> str:
    """The report style sheet, shared with the Quarto project (reports/report.css)."""
    from ..core import paths

    return (paths.reports_dir() / "report.css").read_text(encoding="utf-8")


def notebook_html(nb: nbformat.NotebookNode, meta: dict) -> str:
    """A self-contained HTML page of the executed notebook, code hidden, in Chinese."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(_without_raw(nb), resources={"metadata": {"name": meta.get("title", "report")}})
    lang = str(meta.get("lang", "zh"))
    body = re.sub(r"<html[^>]*>", f'<html lang="{"zh-CN" if lang.startswith("zh") else lang}">', body, count=1)
    # offline and self-contained: drop scripts loaded from CDNs (require.js, MathJax)
    body = re.sub(r'<script[^>]+src="https?://[^"]+"[^>]*>\s*</script>', "", body)
    body = re.sub(r"<script type=\"text/x-mathjax-config\">.*?</script>", "", body, flags=re.S)
    title = html.escape(str(meta.get("title", "")))
    subtitle = html.escape(str(meta.get("subtitle", "")))
    header = f'<h1 class="title">{title}</h1>' + (f'<p class="subtitle">{subtitle}</p>' if subtitle else "")
    body = re.sub(r"<title>.*?</title>", f"<title>{html.escape(page_title(meta))}</title>", body, count=1, flags=re.S)
    body = body.replace("</head>", f"<style>{report_css()}</style>\n</head>", 1)
    body = with_plotlyjs(body)
    if meta.get("toc", True):
        header += contents_list(body)
    body = re.sub(r"(<body[^>]*>)", lambda mo: mo.group(1) + header, body, count=1)
    return body


def contents_list(page: str) -> str:
    """The fallback page's contents list, from its section headings (h2), as Quarto makes one."""
    items = []
    for mo in re.finditer(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', page, flags=re.S):
        text = re.sub(r"<[^>]+>", "", mo.group(2)).replace("¶", "").strip()
        if text:
            items.append(f'<li><a href="#{mo.group(1)}">{text}</a></li>')
    return f'<nav class="kt-toc" aria-label="目录"><strong>目录</strong><ol>{"".join(items)}</ol></nav>' if items else ""


PLOTLY_MARKER = "Plotly.newPlot("


CARTESIAN_BUNDLE = Path(__file__).with_name("assets") / "plotly-cartesian.min.js"


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
    outputs carry no plotly.js of their own: :func:`kpitrack.publish.display.figure_html`)."""
    if PLOTLY_MARKER not in page or "plotly.js v" in page or "plotly.js (cartesian" in page:
        return page
    script = f'<script type="text/javascript">{plotlyjs()}</script>'
    return page.replace("</head>", script + "\n</head>", 1) if "</head>" in page else script + page


def _without_raw(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]
    return nb


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
    from ..core import paths

    return paths.reports_dir() / "typst-settings.typ"


def notebook_markdown(nb: nbformat.NotebookNode, asset_dir: Path) -> str:
    """The notebook as pandoc markdown: markdown cells, and for each output the form a PDF needs
    (a picture for charts, a pipe table for tables, markdown text); code is left out."""
    parts: list[str] = []
    n_img = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        elif cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.output_type in ("display_data", "execute_result"):
                    data = out.get("data", {})
                    if "image/svg+xml" in data:
                        n_img += 1
                        name = f"figure-{n_img:03d}.svg"
                        svg = data["image/svg+xml"]
                        (asset_dir / name).write_text("".join(svg) if isinstance(svg, list) else svg, encoding="utf-8")
                        parts.append(f"![]({name}){{width=100%}}")
                    elif "image/png" in data:
                        n_img += 1
                        name = f"figure-{n_img:03d}.png"
                        (asset_dir / name).write_bytes(base64.b64decode(data["image/png"]))
                        parts.append(f"![]({name}){{width=100%}}")
                    elif "text/markdown" in data:
                        parts.append(data["text/markdown"])
                    elif "text/plain" in data and not data["text/plain"].startswith("<chart"):
                        parts.append("```\n" + data["text/plain"] + "\n```")
                elif out.output_type == "error":
                    parts.append("```\n" + "\n".join(out.get("traceback", []))[:4000] + "\n```")
    return "\n\n".join(parts) + "\n"


def notebook_pdf(nb: nbformat.NotebookNode, meta: dict) -> bytes:
    """PDF bytes: notebook -> pandoc markdown -> typst (pandoc) -> PDF (typst)."""
    import pypandoc

    font_dir = find_cjk_font()
    with tempfile.TemporaryDirectory(prefix="kpitrack-pdf-") as tmp:
        tmpdir = Path(tmp)
        md = notebook_markdown(nb, tmpdir)
        (tmpdir / "header.typ").write_text(TYPST_HEADER + typst_header(meta) + "\n", encoding="utf-8")
        # --wrap=none: a wrapped line must never start with typst markup (= heading, - list)
        args = ["--standalone", "--wrap=none", f"--metadata=title:{meta.get('title', '')}", "--variable=lang:zh",
                "--variable=region:CN", f"--variable=mainfont:{CJK_FONT}", "--variable=papersize:a4",
                "--variable=margin.x:1.6cm", "--variable=margin.y:1.8cm",
                f"--include-in-header={tmpdir / 'header.typ'}", f"--include-before-body={typst_settings()}"]
        if meta.get("toc", True):  # a short bulletin has none (toc: false in its front matter)
            args += ["--toc", "--toc-depth=2"]
        if meta.get("subtitle"):
            args.append(f"--metadata=subtitle:{meta['subtitle']}")
        (tmpdir / "report.md").write_text(md, encoding="utf-8")
        proc = run_tool([pypandoc.get_pandoc_path(), str(tmpdir / "report.md"), "--from", "markdown", "--to", "typst",
                         "--output", str(tmpdir / "report.typ"), *args], "pandoc (markdown to typst)")
        if proc.returncode != 0:
            raise RenderError(f"pandoc could not convert the report to typst: {proc.stderr[-2000:]}")
        return typst_pdf(tmpdir / "report.typ", font_dir)


def typst_pdf(source: Path, font_dir: Path | None) -> bytes:
    """PDF bytes of a typst file, compiled by the ``typst`` package in a child process, so that a
    compile that hangs is stopped by the render timeout."""
    script = ("import sys, typst; open(sys.argv[2], 'wb').write(typst.compile(sys.argv[1], root=sys.argv[3], "
              "font_paths=sys.argv[4:]))")
    target = source.with_suffix(".pdf")
    proc = run_tool([sys.executable, "-c", script, str(source), str(target), str(source.parent),
                     *([str(font_dir)] if font_dir else [])], "typst (typst to PDF)")
    if proc.returncode != 0 or not target.is_file():
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        raise RenderError(f"typst could not compile {source.name}: {last}")
    return target.read_bytes()

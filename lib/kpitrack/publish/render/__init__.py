"""Render executed notebooks to HTML and PDF: Quarto when it is on PATH, else a fallback built
from the parts Quarto uses (nbconvert for HTML; pandoc from pypandoc-binary and typst for PDF).

Renderers live in a small registry (``register``/``get_renderer``); ``auto`` picks Quarto
whenever ``quarto`` is on PATH. What they share is in :mod:`.render_base`; each is a module of its
own (:mod:`.render_quarto`, :mod:`.render_fallback`). This module is their public face.
"""

from __future__ import annotations

import shutil

from ...core.exceptions import UnknownNameError
from .base import (CHART_HINT, CJK_FONT, FONT_HINT, RenderResult, Renderer, find_cjk_font,  # noqa: F401 - the public face
                          front_matter, page_title, pdf_prerequisites, plotlyjs, report_css, stamp_front_matter,
                          typst_header, typst_settings, with_plotlyjs)
from .fallback import FallbackRenderer, notebook_html, notebook_markdown, notebook_pdf, typst_pdf  # noqa: F401
from .quarto import PDF_SOURCE_SUFFIX, QuartoRenderer, without_cdn_scripts  # noqa: F401
from .tools import DEFAULT_RENDER_TIMEOUT, render_timeout, run_tool, stop_group  # noqa: F401 - used by callers


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

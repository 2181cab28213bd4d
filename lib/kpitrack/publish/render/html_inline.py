"""Make an HTML page self-contained: every local stylesheet, script, image and font it references
becomes a ``data:`` URI inside the page.

Quarto can do this itself (``embed-resources: true``), by a second pandoc pass over the whole page
that takes 1-1.5 s on these machines; the reports are rendered with ``embed-resources: false``
and inlined here in about 50 ms. Elements keep their attributes (``id``, ``type="module"`` ...):
only the address changes, so scripts that look elements up by id still find them. ES modules are
inlined with their relative imports (``import ... from "./x.js"``), which would not resolve from a
``data:`` address, turned into ``data:`` addresses too. Remote addresses (``https://``) are left
as they are: what to do with them is the caller's choice.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path

from ...core.exceptions import RenderError

_TAG = re.compile(r"<(link|script|img)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(href|src)\s*=\s*(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")
_CSS_IMPORT = re.compile(r"""@import\s+(["'])([^"']+)\1\s*;""")
_JS_IMPORT = re.compile(r"""(\b(?:import|export)\b[^'"();]*?\bfrom\s*|\bimport\s*|\bimport\s*\(\s*)(["'])(\.{1,2}/[^"']+)\2""")
_MIME = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".woff": "font/woff",
         ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf", ".svg": "image/svg+xml",
         ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}


def is_local(address: str) -> bool:
    """An address that names a file beside the page (not remote, not data, not an anchor)."""
    a = address.strip()
    return bool(a) and not re.match(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", a, re.IGNORECASE)


def _data_uri(data: bytes, path: Path) -> str:
    mime = _MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


class _Inliner:
    def __init__(self, page_path: Path) -> None:
        self.page_path = page_path
        self.used: list[Path] = []

    def read(self, address: str, base: Path, what: str) -> tuple[Path, bytes]:
        target = (base / address.split("#", 1)[0].split("?", 1)[0]).resolve()
        try:
            data = target.read_bytes()
        except OSError as exc:
            raise RenderError(f"{self.page_path.name}: the {what} {address!r} it references cannot be read "
                              f"({exc.strerror or exc}); the page would not be self-contained") from None
        self.used.append(target)
        return target, data

    def text(self, data: bytes, path: Path) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RenderError(f"{self.page_path.name}: {path.name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None

    def css(self, text: str, base: Path) -> str:
        def imported(m: re.Match) -> str:
            if not is_local(m.group(2)):
                return m.group(0)
            path, data = self.read(m.group(2), base, "stylesheet")
            return self.css(self.text(data, path), path.parent)

        def url(m: re.Match) -> str:
            if not is_local(m.group(2)):
                return m.group(0)
            path, data = self.read(m.group(2), base, "file")
            return f'url("{_data_uri(data, path)}")'

        return _CSS_URL.sub(url, _CSS_IMPORT.sub(imported, text))

    def module(self, text: str, base: Path, chain: tuple[Path, ...] = ()) -> str:
        def imported(m: re.Match) -> str:
            path, data = self.read(m.group(3), base, "script module")
            if path in chain:  # a data: address cannot hold a module that imports itself back
                raise RenderError(f"{self.page_path.name}: the script modules import each other in a circle "
                                  f"({' -> '.join(p.name for p in (*chain, path))}); they cannot be inlined")
            code = self.module(self.text(data, path), path.parent, (*chain, path))
            return f"{m.group(1)}{m.group(2)}{_data_uri(code.encode('utf-8'), path)}{m.group(2)}"

        return _JS_IMPORT.sub(imported, text)

    def tag(self, m: re.Match) -> str:
        name, attrs = m.group(1).lower(), m.group(2)
        found = _ATTR.search(attrs)
        if not found or not is_local(found.group(3)):
            return m.group(0)
        key, quote, address = found.groups()
        if name == "link" and key.lower() == "href" and not re.search(r"\brel\s*=\s*[\"']?stylesheet", attrs, re.I):
            path, data = self.read(address, self.page_path.parent, "file")  # icons and the like
            uri = _data_uri(data, path)
        else:
            path, data = self.read(address, self.page_path.parent, "stylesheet" if name == "link" else
                                   "script" if name == "script" else "image")
            if name == "link":
                data = self.css(self.text(data, path), path.parent).encode("utf-8")
            elif name == "script" and re.search(r"\btype\s*=\s*[\"']?module", attrs, re.I):
                data = self.module(self.text(data, path), path.parent, (path,)).encode("utf-8")
            uri = _data_uri(data, path)
        new_attrs = attrs[:found.start()] + f"{key}={quote}{uri}{quote}" + attrs[found.end():]
        return f"<{m.group(1)}{new_attrs}>"


def inline_resources(page: str, page_path: Path) -> tuple[str, list[Path]]:
    """``page`` (the text of the file ``page_path``) with every local stylesheet, script, image and
    font inlined; and the files read. A referenced file that is missing is a
    :class:`~kpitrack.core.exceptions.RenderError` naming it."""
    inliner = _Inliner(page_path)
    return _TAG.sub(inliner.tag, page), inliner.used


def local_references(page: str) -> list[str]:
    """The local addresses the page's ``link``/``script``/``img`` elements still use."""
    out = []
    for m in _TAG.finditer(page):
        found = _ATTR.search(m.group(2))
        if found and is_local(found.group(3)):
            out.append(found.group(3))
    return out

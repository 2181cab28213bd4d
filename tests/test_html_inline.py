"""Inlining a page's local resources (publish/render/html_inline.py): what Quarto's embed-resources did,
without its second pandoc pass."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from kpitrack.core.exceptions import RenderError
from kpitrack.publish.render.html_inline import inline_resources, is_local, local_references


def decoded(uri: str) -> str:
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def uris(page: str, attr: str) -> list[str]:
    return re.findall(rf'{attr}="(data:[^"]*)"', page)


@pytest.fixture()
def site(tmp_path):
    libs = tmp_path / "page_files" / "libs"
    (libs / "tabsets").mkdir(parents=True)
    (libs / "app.css").write_text('@font-face{src:url("icons.woff")} .x{background:url(data:image/png;base64,AA==)}', encoding="utf-8")
    (libs / "icons.woff").write_bytes(b"wOFF\x00\x01")
    (libs / "quarto.js").write_text('import * as tabsets from "./tabsets/tabsets.js";\ntabsets.init();', encoding="utf-8")
    (libs / "tabsets" / "tabsets.js").write_text('export { helper } from "../util.js";\nexport function init() {}', encoding="utf-8")
    (libs / "util.js").write_text("export const helper = 1; // </script> inside code is harmless in a data URI", encoding="utf-8")
    (libs / "plain.js").write_text("var a = 1;", encoding="utf-8")
    (tmp_path / "report.css").write_text("body{color:red}", encoding="utf-8")
    page = ('<html><head>'
            '<link href="page_files/libs/app.css" rel="stylesheet" id="quarto-bootstrap" data-mode="light">'
            '<link rel="stylesheet" href="report.css">'
            '<script src="page_files/libs/quarto.js" type="module"></script>'
            '<script src="page_files/libs/plain.js"></script>'
            '<script src="https://cdn.example.org/remote.js"></script>'
            '<script>var inline = "<b>";</script>'
            '</head><body><a href="#s1">x</a><a href="https://example.org">y</a></body></html>')
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    return path


def test_every_local_resource_is_inlined_and_attributes_kept(site):
    page, used = inline_resources(site.read_text(encoding="utf-8"), site)
    assert local_references(page) == []
    assert 'id="quarto-bootstrap" data-mode="light"' in page and 'type="module"' in page
    css = [decoded(u) for u in uris(page, "href") if u.startswith("data:text/css")]
    assert "body{color:red}" in css
    app = next(c for c in css if "@font-face" in c)
    font = re.search(r'url\("(data:font/woff;base64,[^"]+)"\)', app).group(1)
    assert base64.b64decode(font.split(",", 1)[1]) == b"wOFF\x00\x01"
    assert "url(data:image/png;base64,AA==)" in app  # data URIs stay as they are
    scripts = [decoded(u) for u in uris(page, "src")]
    assert "var a = 1;" in scripts
    quarto = next(s for s in scripts if "tabsets.init()" in s)
    tabsets = decoded(re.search(r'from "(data:text/javascript;base64,[^"]+)"', quarto).group(1))
    assert "export function init" in tabsets
    util = decoded(re.search(r'from "(data:text/javascript;base64,[^"]+)"', tabsets).group(1))
    assert util.startswith("export const helper")
    # what is not a file beside the page is left alone
    assert '<script src="https://cdn.example.org/remote.js">' in page and 'href="#s1"' in page
    assert '<script>var inline = "<b>";</script>' in page
    assert {p.name for p in used} >= {"app.css", "icons.woff", "quarto.js", "tabsets.js", "util.js", "plain.js", "report.css"}


def test_a_missing_resource_is_an_error_naming_it(site):
    (site.parent / "page_files" / "libs" / "tabsets" / "tabsets.js").unlink()
    with pytest.raises(RenderError, match=r"page\.html: the script module '\./tabsets/tabsets\.js' it references cannot be read"):
        inline_resources(site.read_text(encoding="utf-8"), site)


def test_a_stylesheet_that_is_not_utf8_is_an_error_naming_it(site):
    (site.parent / "report.css").write_bytes("body{font-family:'黑体'}".encode("gbk"))
    with pytest.raises(RenderError, match=r"page\.html: report\.css is not UTF-8 text"):
        inline_resources(site.read_text(encoding="utf-8"), site)


def test_modules_importing_each_other_in_a_circle_are_an_error(site):
    libs = site.parent / "page_files" / "libs"
    (libs / "util.js").write_text('import { init } from "./tabsets/tabsets.js";\nexport const helper = 1;', encoding="utf-8")
    with pytest.raises(RenderError, match=r"import each other in a circle \(quarto\.js -> tabsets\.js -> util\.js -> tabsets\.js\)"):
        inline_resources(site.read_text(encoding="utf-8"), site)


@pytest.mark.parametrize("address, local", [("a.css", True), ("./x/y.js", True), ("#top", False), ("data:,x", False),
                                            ("https://x.org/a.js", False), ("//x.org/a.js", False),
                                            ("mailto:a@b.c", False), ("", False)])
def test_which_addresses_are_local(address, local):
    assert is_local(address) is local


def test_tidying_quartos_output_never_fails_a_finished_render(tmp_path):
    """Two renders of a batch tidy the same folders: a folder already removed, or filled again by the
    other, is left alone without an error (a bulletin once failed on FileNotFoundError here)."""
    from kpitrack.publish.render.quarto import _tidy_quarto_output

    out = tmp_path / "_output"
    (out / "bulletins" / "2020-12" / "330111_files").mkdir(parents=True)
    _tidy_quarto_output(tmp_path, Path("bulletins/2020-12/330111"))
    assert not (out / "bulletins").exists() and out.is_dir()  # empty folders removed, up to the output root
    _tidy_quarto_output(tmp_path, Path("bulletins/2020-12/330111"))  # already gone: no error
    (out / "bulletins" / "2020-12").mkdir(parents=True)
    (out / "bulletins" / "2020-12" / "330102.html").write_text("x")  # another render's page: kept
    _tidy_quarto_output(tmp_path, Path("bulletins/2020-12/330111"))
    assert (out / "bulletins" / "2020-12" / "330102.html").is_file()

"""The website of everything (issue 10, part 4): pages for every kind of output, and every
internal link resolves, under the fallback and (when on PATH) Quarto."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import shutil
import threading

import pytest

from kpitrack.cli import main
from kpitrack.publish.runs.site import broken_links, build_site, folder_label

from .browser import need_chromium, page_errors

QUARTO = pytest.param("quarto", marks=pytest.mark.skipif(shutil.which("quarto") is None,
                                                         reason="Quarto not on PATH (CI installs it from ../shared/tools/quarto)"))


def _fake_outputs(reports):
    (reports / "_output").mkdir(parents=True)
    for ext in ("html", "pdf"):
        (reports / "_output" / f"midterm-2018-synthetic.{ext}").write_text("report", encoding="utf-8")
        (reports / "_output" / f"renamed-by-hand.{ext}").write_text("report", encoding="utf-8")  # no run wrote it
    (reports / "_output" / "manifest.json").write_text(json.dumps({"items": {"midterm-2018-synthetic": {
        "status": "ok", "kind": "midterm", "synthetic": True, "parameters": {"as_of": 2018, "dataset": "synthetic"},
        "outputs": {"ipynb": "midterm-2018-synthetic.ipynb", "html": "midterm-2018-synthetic.html", "pdf": "midterm-2018-synthetic.pdf"}}}}),
        encoding="utf-8")
    for kind, folder, key, label in (("bulletins", "2018-06-synthetic", "330106", "西湖区"),
                                     ("cards", "2018-synthetic", "市民政局", "市民政局")):
        out = reports / kind / folder
        out.mkdir(parents=True)
        (out / f"{key}.html").write_text("<p>x</p>", encoding="utf-8")
        (out / "manifest.json").write_text(json.dumps({"items": {key: {"label": label, "status": "ok"}}}), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("renderer", ["fallback", QUARTO])
def test_site_links_everything_and_every_internal_link_resolves(tmp_path, data_copy, renderer, capsys, monkeypatch):
    from kpitrack.publish.runs import notices

    reports = tmp_path / "reports"
    monkeypatch.setattr(notices, "notice_folder", lambda dataset, reports_dir=None: reports / "notices" / dataset)
    assert main(["notices", "--month", "2018-05", "--dataset", "synthetic", "--to", "html", "--renderer", "fallback"]) == 0
    _fake_outputs(reports)
    site = build_site(reports, year=2018, datasets=["synthetic"], renderer=renderer)
    pages = {p.name: p.read_text(encoding="utf-8") for p in site.output.glob("*.html")}
    assert {"index.html", "reports.html", "bulletins.html", "cards.html", "notices.html", "scores.html"} <= set(pages)
    assert "2018年6月（合成演示数据）" in pages["bulletins.html"] and "西湖区" in pages["bulletins.html"]
    assert "市民政局" in pages["cards.html"] and "杭绩改〔2018〕1号" in pages["notices.html"]
    # a notice's document is linked from the notices' manifest
    assert (site.output / "files" / "notices" / "synthetic" / "2018-001.html").is_file()
    assert "files/notices/synthetic/2018-001.html" in pages["notices.html"]
    assert "市发改委" in pages["scores.html"] and "合成" in pages["scores.html"]
    # every cell of the scores' table shows (the site is HTML: nothing set for the PDF only)
    scores = pages["scores.html"][pages["scores.html"].index("<table"):]
    assert re.search(r"<td[^>]*>\s*</td>", scores) is None and re.search(r"<th[^>]*>\s*</th>", scores) is None
    assert (site.output / "files" / "bulletins" / "2018-06-synthetic" / "330106.html").is_file()
    # reports are listed from their manifest, by name; a file renamed by hand is not published
    assert "2018年中期评估" in pages["reports.html"] and "合成演示数据" in pages["reports.html"]
    assert "renamed-by-hand" not in pages["reports.html"] and "midterm-2018-synthetic" in pages["reports.html"]
    assert not (site.output / "files" / "reports" / "renamed-by-hand.html").exists()
    assert broken_links(site.output) == []
    (site.output / "files" / "bulletins" / "2018-06-synthetic" / "330106.html").unlink()
    assert ("bulletins.html", "files/bulletins/2018-06-synthetic/330106.html") in broken_links(site.output)
    if renderer == "quarto":
        assert (site.output / "search.json").is_file()  # Quarto's site search
    need_chromium()  # served as it would be (Quarto's module scripts need http), every page's scripts run
    with _served(site.output) as base:
        for name in ("index.html", "notices.html"):
            assert [e for e in page_errors(f"{base}/{name}") if "favicon.ico" not in e] == [], name


@contextlib.contextmanager
def _served(folder):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_scores_page_shows_each_units_score_as_the_scores_table_has_it(data_copy):
    from kpitrack.analysis.scores import load_challenges, scores_table, unit_scores
    from kpitrack.data.actuals import load_dataset
    from kpitrack.data.records import challenges_file
    from kpitrack.plan.catalogue import catalogue
    from kpitrack.publish.runs.site import _scores_page

    page = _scores_page(2018, ["synthetic"])
    assert "{=typst}" not in page  # the site is HTML only: a cell set for the PDF alone would be empty
    cat = catalogue()
    path = challenges_file(2018)
    table = scores_table(unit_scores(cat, load_dataset("synthetic", cat), 2018,
                                     load_challenges(path, cat, 2018) if path.is_file() else None))
    rows = re.findall(r"<tr>(.*?)</tr>", page)
    for unit, score, rank in zip(table["责任单位"], table["得分"], table["位次"]):
        row = next(r for r in rows if f"<td>{unit}</td>" in r)
        cells = re.findall(r"<td>(.*?)</td>", re.sub(r"</?span[^>]*>", "", row))
        assert cells[:3] == [str(rank), unit, score], (unit, cells)


def test_folder_labels():
    assert folder_label("2018-06-synthetic") == "2018年6月（合成演示数据）"
    assert folder_label("2019-12") == "2019年12月" and folder_label("2018") == "2018年"


def test_an_empty_manifest_lists_nothing_and_a_failed_build_keeps_the_published_site(tmp_path, data_copy, monkeypatch):
    import kpitrack.publish.runs.site as site_module
    from kpitrack.core.exceptions import RenderError

    reports = tmp_path / "reports"
    _fake_outputs(reports)
    (reports / "cards" / "2018-synthetic" / "manifest.json").write_text("", encoding="utf-8")  # empty: not JSON
    site = build_site(reports, year=2018, datasets=["synthetic"], renderer="fallback")
    assert (site.output / "index.html").is_file() and "市民政局" not in (site.output / "cards.html").read_text(encoding="utf-8")

    def broken(*args, **kwargs):
        raise RenderError("pandoc broke")

    monkeypatch.setattr(site_module, "_fallback_pages", broken)
    with pytest.raises(RenderError):
        build_site(reports, year=2018, datasets=["synthetic"], renderer="fallback")
    assert (site.output / "index.html").is_file()  # the published site is still there
    assert not (site.folder / "_site.building").exists()


def test_the_site_lists_cards_in_the_plans_order_and_every_report_with_its_year(tmp_path):
    import json

    from kpitrack.plan.catalogue import catalogue
    from kpitrack.plan.responsible import responsible_units
    from kpitrack.publish.runs.site import _batch_page, _reports_page

    units = list(responsible_units(catalogue()))[:4]
    folder = tmp_path / "cards" / "2018-synthetic"
    folder.mkdir(parents=True)
    items = {}
    for u in reversed(units):  # written in the reverse order
        (folder / f"{u}.html").write_text("<html><body>x</body></html>", encoding="utf-8")
        items[u] = {"status": "ok", "label": u, "outputs": {"html": f"{u}.html"}}
    (folder / "manifest.json").write_text(json.dumps({"items": items}, ensure_ascii=False), encoding="utf-8")
    page = _batch_page("绩效卡", tmp_path / "cards", tmp_path / "files", "cards", "无")
    assert [page.index(f"| {u} |") for u in units] == sorted(page.index(f"| {u} |") for u in units)
    out = tmp_path / "reports" / "_output"
    out.mkdir(parents=True)
    (out / "final-2020.html").write_text("<html><body>x</body></html>", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps({"items": {"final-2020": {"status": "ok", "kind": "final", "parameters": {},
                                                                            "outputs": {"html": "final-2020.html"}}}}), encoding="utf-8")
    assert "2020年终期评估" in _reports_page(tmp_path / "reports", tmp_path / "files2")


def test_the_sites_pages_share_their_embedded_theme_by_content(tmp_path):
    """Issue 36: a self-contained page's large embedded files (Quarto's theme and scripts as base64) are
    written once into files/lib/ under their content's hash; small ones stay inline; the document stays."""
    import base64

    from kpitrack.publish.runs.site import SHARE_ABOVE, _copy

    css = ("body{color:#123456}" * 400).encode()
    js = ("window.kt_loaded=(window.kt_loaded||0)+1;" * 200).encode()
    tiny = base64.b64encode(b"p{margin:0}").decode()
    page = (f'<html><head><link href="data:text/css;base64,{base64.b64encode(css).decode()}" rel="stylesheet">'
            f'<link href="data:text/css;base64,{tiny}" rel="stylesheet">'
            f'<script src="data:text/javascript;base64,{base64.b64encode(js).decode()}"></script></head><body>x</body></html>')
    assert len(base64.b64encode(css)) > SHARE_ABOVE
    src = tmp_path / "card.html"
    src.write_text(page, encoding="utf-8")
    files = tmp_path / "site" / "files"
    for rel in ("cards/2018/a.html", "notices/2018-06/b.html", "top.html"):
        _copy(src, files, rel)
    shared = sorted(p.relative_to(files).as_posix() for p in (files / "lib").iterdir())
    assert len(shared) == 2 and {p.rsplit(".", 1)[1] for p in shared} == {"css", "js"}
    by_ext = {p.rsplit(".", 1)[1]: p for p in shared}
    assert (files / by_ext["css"]).read_bytes() == css and (files / by_ext["js"]).read_bytes() == js
    a = (files / "cards/2018/a.html").read_text(encoding="utf-8")
    assert f'href="../../{by_ext["css"]}"' in a and f'src="../../{by_ext["js"]}"' in a and tiny in a
    assert f'href="{by_ext["css"]}"' in (files / "top.html").read_text(encoding="utf-8")
    assert len(a) < len(page) / 5 and src.read_text(encoding="utf-8") == page


def test_the_sites_pages_share_one_chart_library_and_still_draw(tmp_path):
    """Issue 36: the site keeps one copy of plotly.js (files/lib/) that every page loads; the documents in
    reports/ stay self-contained; a page copied into the site still draws its chart in a browser."""
    import plotly.graph_objects as go

    from kpitrack.publish.content.display import figure_html
    from kpitrack.publish.render import with_plotlyjs
    from kpitrack.publish.runs.site import SHARED_PLOTLY, _copy

    from .browser import browser_page

    fig = go.Figure(go.Bar(x=["甲", "乙"], y=[1, 2]))
    page = with_plotlyjs(f"<html><head></head><body>{figure_html(fig)}</body></html>")
    src = tmp_path / "card.html"
    src.write_text(page, encoding="utf-8")
    files = tmp_path / "site" / "files"
    for rel in ("cards/2018/a.html", "cards/2018/b.html", "notices/x/c.html"):
        _copy(src, files, rel)
    lib = files / SHARED_PLOTLY
    assert lib.is_file() and len(list(files.rglob("*.js"))) == 1
    copied = (files / "cards/2018/a.html").read_text(encoding="utf-8")
    assert 'src="../../lib/plotly.min.js"' in copied and len(copied) < len(page) / 20
    assert src.read_text(encoding="utf-8") == page  # the document itself is untouched: self-contained
    need_chromium()
    with _served(tmp_path / "site") as base:
        assert [e for e in page_errors(f"{base}/files/cards/2018/a.html") if "favicon.ico" not in e] == []
        with browser_page() as tab:
            tab.goto(f"{base}/files/notices/x/c.html")
            tab.wait_for_selector(".main-svg", timeout=15000)  # plotly drew the chart

"""What readers get, from both renderers (issue 9): self-contained HTML, PDFs set only in the
Simplified-Chinese faces, tables that fit the page, no empty chart frames, counts as whole numbers.

The Quarto cases run when `quarto` is on PATH (CI sets it up from ../shared/tools/quarto) and skip
with the reason otherwise."""

from __future__ import annotations

import html.parser
import json
import re
import shutil
import subprocess

import nbformat
import pytest

from kpitrack.core.labels import fmt
from kpitrack.publish.render.html_inline import is_local
from kpitrack.publish.render import get_renderer, pdf_prerequisites
from kpitrack.publish.runs.run import execute_notebook

from .browser import need_chromium, page_errors
from .conftest import REPO

pytestmark = pytest.mark.slow

QUARTO = pytest.param("quarto", marks=pytest.mark.skipif(shutil.which("quarto") is None,
                                                         reason="Quarto not on PATH (CI installs it from ../shared/tools/quarto)"))
RENDERERS = ["fallback", QUARTO]
REPORTS = {"hangzhou": {"as_of": 2018, "dataset": "hangzhou", "language": "zh", "data_as_of": ""},
           "synthetic": {"as_of": 2018, "dataset": "synthetic", "language": "zh", "data_as_of": ""}}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the Quarto project with both reports executed into it once."""
    reports = tmp_path_factory.mktemp("q") / "reports"
    shutil.copytree(REPO / "reports", reports, ignore=shutil.ignore_patterns("_output", "*.ipynb", "bulletins", ".quarto"))
    for name, params in REPORTS.items():
        execute_notebook(REPO / "notebooks" / "midterm_evaluation.ipynb", reports / f"midterm-{name}.ipynb", params)
    return reports


@pytest.fixture(scope="module")
def rendered(project):
    cache: dict[tuple[str, str], dict] = {}

    def get(renderer: str, report: str) -> dict:
        if (renderer, report) not in cache:
            out = project / f"_out-{renderer}"
            cache[(renderer, report)] = get_renderer(renderer).render(project / f"midterm-{report}.ipynb", ("html", "pdf"), out).outputs
        return cache[(renderer, report)]
    return get


class _Refs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.generator = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href", "data", "poster"):
            if a.get(key):
                self.refs.append((tag, key, a[key]))
        if tag == "meta" and a.get("name") == "generator":
            self.generator = a.get("content", "")


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("report", list(REPORTS))
def test_html_is_self_contained(rendered, renderer, report):
    page = rendered(renderer, report)["html"].read_text(encoding="utf-8")
    refs = _Refs()
    refs.feed(page)
    external = [r for r in refs.refs if re.match(r"^(https?:)?//", r[2]) and r[0] != "a"]
    assert not external, external[:5]  # no script, style, font or image from the network
    links = [r for r in refs.refs if r[0] == "a" and re.match(r"^(https?:)?//", r[2])]
    assert all(r[2].startswith(("http://", "https://")) for r in links)  # outside links: the sources appendix only
    if report == "hangzhou":
        assert links, "the sources appendix links its sources"
    beside = [r for r in refs.refs if is_local(r[2])]
    assert not beside, beside[:5]  # nor a file beside the page: it is read alone, mailed, put on the site
    assert "define is not defined" not in page and "require.min.js" not in page
    assert page.count("Plotly.newPlot") >= 1 and page.count("plotly.js (cartesian") + page.count("plotly.js v") == 1
    if renderer == "quarto":
        assert refs.generator.startswith("quarto-")
    assert rendered(renderer, report)["html"].stat().st_size <= 6_000_000


@pytest.mark.parametrize("renderer", RENDERERS)
def test_html_runs_in_a_browser_without_errors(rendered, renderer):
    """Every script of the page (Quarto's modules too, inlined with their imports) runs: no
    exception, console error or failed load in Chromium."""
    need_chromium()
    assert page_errors(rendered(renderer, "synthetic")["html"]) == []


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("report", list(REPORTS))
def test_pdf_uses_only_simplified_chinese_faces(rendered, renderer, report):
    if pdf_prerequisites():
        pytest.skip("PDF prerequisites missing: " + "; ".join(pdf_prerequisites()))
    fonts = subprocess.run(["pdffonts", str(rendered(renderer, report)["pdf"])], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:] if line.strip()]
    assert names and all(re.search(r"Noto(Sans|Serif)CJKsc-", n) for n in names), names


@pytest.mark.parametrize("renderer", RENDERERS)
def test_pdf_contents_list_the_sections_not_every_kpi(rendered, renderer):
    if pdf_prerequisites():
        pytest.skip("PDF prerequisites missing: " + "; ".join(pdf_prerequisites()))
    text = subprocess.run(["pdftotext", "-l", "2", str(rendered(renderer, "synthetic")["pdf"]), "-"], capture_output=True,
                          text=True, check=True).stdout
    toc = text.split("目录", 1)[1].split("评估年份", 1)[0]
    assert "分项指标" in toc and "评估方法" in toc and "附录" in toc
    assert not re.search(r"K\d\d ", toc), toc  # the 25 KPIs are headings in the body, not entries of the contents


def test_typst_tables_fit_the_page(project):
    """Every table the fallback gives typst has relative columns that add up to the line width,
    and no cell holds a run of characters that cannot break (ids, dates, URLs, hashes)."""
    import pypandoc

    from kpitrack.publish.render import notebook_markdown

    nb = nbformat.read(str(project / "midterm-hangzhou.ipynb"), as_version=4)
    md = notebook_markdown(nb, project)
    typ = pypandoc.convert_text(md, "typst", format="markdown", extra_args=["--wrap=none"])
    tables = re.findall(r"columns: \(([^)]*)\)", typ)
    assert len(tables) >= 3  # the wide ones: KPIs, outlook, sources (narrow tables get automatic columns)
    for cols in tables:
        widths = [float(w) for w in re.findall(r"([\d.]+)%", cols)]
        assert widths and sum(widths) <= 100.5, cols
    cells = re.findall(r"\[([^\[\]]*)\]", typ)
    long_runs = [c for c in cells if re.search(r"[A-Za-z0-9./:_%-]{28,}", c)]
    assert not long_runs, long_runs[:3]


def test_no_empty_chart_frames_and_a_note_instead(project):
    nb = nbformat.read(str(project / "midterm-hangzhou.ipynb"), as_version=4)
    charts = [o.data["application/vnd.plotly.v1+json"] for c in nb.cells for o in c.get("outputs", [])
              if "application/vnd.plotly.v1+json" in o.get("data", {})]
    charts = [f for f in charts if (f["layout"].get("meta") or {}).get("kind") != "peer_ranks"]  # the KPIs' charts
    assert 0 < len(charts) < 25  # the real data cannot draw every KPI
    for fig in charts:
        axes = {k.replace("axis", "") for k in fig["layout"] if re.fullmatch(r"xaxis\d*", k)}
        used = {t.get("xaxis", "x") for t in fig["data"]}
        assert {a if a != "x" else "x" for a in axes} <= used | {"x"}, (fig["layout"]["title"]["text"], axes, used)
    texts = [o.data.get("text/markdown", "") for c in nb.cells for o in c.get("outputs", []) if "data" in o]
    # the KPIs without figures are named in one line, not given 25 - len(charts) empty sections
    assert sum(f"以下{25 - len(charts)}项指标暂无实际数据" in t for t in texts) == 1
    assert not any("暂无可绘制的数据" in t for t in texts)


def test_single_value_panels_get_round_ticks(project):
    nb = nbformat.read(str(project / "midterm-hangzhou.ipynb"), as_version=4)
    for c in nb.cells:
        for o in c.get("outputs", []):
            fig = o.get("data", {}).get("application/vnd.plotly.v1+json")
            if not fig:
                continue
            for name, axis in fig["layout"].items():
                if name.startswith("yaxis") and axis.get("range"):
                    lo, hi = axis["range"]
                    assert abs(hi - lo) > 0.01 * max(abs(lo), abs(hi), 1)  # never a zoom into 20,000.5 (ranks run downwards)


def test_counts_are_whole_numbers():
    assert fmt(50.56, "个") == "51个" and fmt(1234.4, "人") == "1,234人" and fmt(0.56, "个") == "0.6个"
    assert fmt(50.56, "%") == "50.6%" and fmt(10, "%") == "10.0%" and fmt(50.56) == "50.56"  # one decimal rule per unit


@pytest.mark.parametrize("renderer", RENDERERS)
def test_count_measures_show_no_fractions_in_the_report(rendered, renderer):
    page = rendered(renderer, "synthetic")["html"].read_text(encoding="utf-8")
    body = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    # a count of one or more is whole ("50个", not "50.56个"); below one a decimal stays (年均增加0.6个);
    # a rate per something is no count (4.4人/千人, the doctors of Table 2)
    assert not re.findall(r"(?<![\d.])[1-9][\d,]*\.\d+(?:个|人|套|项)(?!百分点|次|/|\u200b/)", body)


def test_quarto_leaves_nothing_untracked():
    ignored = (REPO / "reports" / ".gitignore").read_text(encoding="utf-8")
    assert "/.quarto/" in ignored  # committed: Quarto finds it and writes no new one
    root = (REPO / ".gitignore").read_text(encoding="utf-8")
    assert "reports/.quarto/" in root and "reports/_output/" in root
    assert json.loads(json.dumps({"ok": True}))


@pytest.mark.parametrize("renderer", ["quarto", "fallback"])
def test_no_markdown_is_left_unrendered(rendered, renderer):
    """Bold that closes on a full-width colon before a Chinese character stays "**…：**" in CommonMark
    renderers: labels put the colon outside the bold."""
    page = rendered(renderer, "synthetic")["html"].read_text(encoding="utf-8")
    body = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    assert "**" not in re.sub(r"<[^>]+>", "", body)

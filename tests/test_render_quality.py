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
    from kpitrack.data.actuals import load_dataset
    from kpitrack.plan.catalogue import catalogue
    from kpitrack.publish.content.report import title_lines
    from kpitrack.publish.render import stamp_front_matter
    from kpitrack.publish.runs.batch import document_front

    for name, params in REPORTS.items():
        execute_notebook(REPO / "notebooks" / "midterm_evaluation.ipynb", reports / f"midterm-{name}.ipynb", params)
        # the front matter the runner gives every document (its title, no title block: it prints its own head)
        stamp_front_matter(reports / f"midterm-{name}.ipynb", document_front("".join(title_lines(2018)), load_dataset(name, catalogue()), toc=True))
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
def test_pdf_opens_on_its_head_and_reads_in_the_order_of_an_official_document(rendered, renderer):
    """Issue 32: the issuer and the 文号 above the title, no contents list before them; then 一、二、三
    …, 主要成效, 原因分析, 目标调整建议, the 附件 list and the 落款, the 附件 themselves, and the 版记 (抄送) last."""
    if pdf_prerequisites():
        pytest.skip("PDF prerequisites missing: " + "; ".join(pdf_prerequisites()))
    text = subprocess.run(["pdftotext", str(rendered(renderer, "synthetic")["pdf"]), "-"], capture_output=True,
                          text=True, check=True).stdout
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and "合成数据" not in ln and ln.strip() != "仅供演示"]
    assert lines[0] == "杭州市综合考评委员会办公室" and lines[1] == "杭州市绩效管理委员会办公室", lines[:4]
    assert "目录" not in text.split("一、总体评价")[0]
    order = ["杭考评办〔", "关键绩效指标2018年度中期评估报告", "各区、县（市）党委和人民政府", "一、总体评价", "二、主要成效",
             "三、存在的主要问题及原因分析", "（二）原因分析", "四、规划期末达标预测", "五、目标调整建议", "六、下一步工作建议",
             "附件：", "2019年3月31日", "附件1", "附件8", "抄送："]
    flat = re.sub(r"\s+", "", text)
    at = [flat.find(re.sub(r"\s+", "", w)) for w in order]
    assert all(i >= 0 for i in at), [w for w, i in zip(order, at) if i < 0]
    assert at == sorted(at), [w for w, i in sorted(zip(order, at), key=lambda t: t[1])]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_each_annex_opens_a_page_of_its_own(rendered, renderer):
    """An official document's 附件 each start a new page (reports/annex-pages.lua, both renderers)."""
    if pdf_prerequisites():
        pytest.skip("PDF prerequisites missing: " + "; ".join(pdf_prerequisites()))
    pdf = rendered(renderer, "synthetic")["pdf"]
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    firsts, anywhere = [], []
    for page in pages:
        lines = [ln.strip() for ln in page.splitlines() if ln.strip() and "合成数据" not in ln and ln.strip() != "仅供演示"]
        heads = [ln for ln in lines if re.fullmatch(r"附件\d+(\s.*)?", ln)]
        anywhere += heads
        if lines and re.fullmatch(r"附件\d+(\s.*)?", lines[0]):
            firsts.append(lines[0])
    assert len(anywhere) >= 3 and firsts == anywhere, (firsts, anywhere)


@pytest.mark.parametrize("renderer", RENDERERS)
def test_no_page_ends_on_a_measures_head_whose_chart_is_on_the_next(rendered, renderer):
    """附件3: a KPI's heading and the list under it stay on the page of its chart (reports/annex-pages.lua
    joins Quarto's two outputs; typst-settings.typ keeps headings and lists with what follows)."""
    if pdf_prerequisites():
        pytest.skip("PDF prerequisites missing: " + "; ".join(pdf_prerequisites()))
    pdf = rendered(renderer, "synthetic")["pdf"]
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    heads = sum(page.count("评估状态") for page in pages)
    ends = [i + 1 for i, page in enumerate(pages)
            if (lines := [ln for ln in page.splitlines() if ln.strip() and not ln.strip().isdigit()]) and "评估状态" in lines[-1]]
    assert heads >= 20 and ends == [], ends


#: What a line of a PDF must never break inside (issue 32): the status names, a figure and its unit, a 文号.
PROTECTED = ("已实现", "进度正常", "存在风险", "进度滞后", "数据不足", "无量化目标", "亿元", "μg/m³", "个百分点", "杭考评办〔", "（2018年）",
             "（待核实）")


@pytest.mark.parametrize("renderer", RENDERERS)
def test_no_line_breaks_inside_a_protected_span(rendered, renderer):
    if pdf_prerequisites():
        pytest.skip("PDF prerequisites missing: " + "; ".join(pdf_prerequisites()))
    for report in REPORTS:
        text = subprocess.run(["pdftotext", str(rendered(renderer, report)["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
        for word in PROTECTED:
            for k in range(1, len(word)):
                broken = word[:k] + "\n" + word[k:]
                assert broken not in text, f"{renderer}/{report}: {word!r} broken across lines"
        assert not re.search(r"\d\n(亿元|万元|元|%|‰)", text), f"{renderer}/{report}: a figure parted from its unit"


def test_the_fallback_pdf_is_within_a_tenth_of_quartos_pages(rendered):
    if shutil.which("quarto") is None:
        pytest.skip("Quarto not on PATH (CI installs it from ../shared/tools/quarto)")
    if pdf_prerequisites():
        pytest.skip("PDF prerequisites missing: " + "; ".join(pdf_prerequisites()))

    def pages(path) -> int:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M).group(1))

    q, f = pages(rendered("quarto", "synthetic")["pdf"]), pages(rendered("fallback", "synthetic")["pdf"])
    assert abs(f - q) <= 0.1 * q, (f, q)


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


def test_the_fallback_contents_come_before_the_recipients_line():
    """An official document opens on its head; its 主送 line (各区、县（市）…：) leads straight into the
    text, so the fallback page's contents list stands between the title and that line, never between
    the 主送 line and the text it addresses."""
    from kpitrack.publish.render.fallback import notebook_html

    head = ('<header class="kt-redhead"><div class="kt-issuer">某市办公室</div><h1 class="kt-doctitle">标题</h1>'
            '<p class="kt-to">各单位：</p></header>')
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": head, "text/plain": ""})]
    nb.cells = [cell, nbformat.v4.new_markdown_cell("正文第一段。\n\n## 一、总体评价\n\n甲。\n\n## 二、主要成效\n\n乙。")]
    page = notebook_html(nb, {"masthead": True})
    at = {k: page.index(v) for k, v in {"title": 'class="kt-doctitle"', "toc": 'class="kt-toc"', "to": 'class="kt-to"',
                                         "text": "正文第一段"}.items()}
    assert at["title"] < at["toc"] < at["to"] < at["text"]
    assert page.count('class="kt-toc"') == 1 and "一、总体评价</a>" in page


def test_the_fallback_page_is_nbconvert_s_own(project):
    """The fallback's exporter skips nbconvert's BeautifulSoup pass over the page it has written
    (half of the conversion's time) and adds its attributes itself: parsed, the two pages are the
    same DOM, for a report and for a notebook with an image (which takes nbconvert's own pass)."""
    import base64

    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from kpitrack.publish.render import fallback

    from importlib.metadata import version

    stock = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    ours = fallback._new_exporter()
    # the exporter follows the nbconvert release constraints.txt installs; with another it is nbconvert's own
    assert (type(ours) is not HTMLExporter) == version("nbconvert").startswith(fallback.COPIED_FROM_NBCONVERT + ".")
    with_image = nbformat.v4.new_notebook()
    png = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                                          "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()
    image = nbformat.v4.new_code_cell("")
    image.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": ""})]
    with_image.cells = [nbformat.v4.new_markdown_cell("## 图\n\n说明。"), image]
    for nb in (nbformat.read(str(project / "midterm-synthetic.ipynb"), as_version=4), with_image):
        nb.cells = [c for c in nb.cells if c.cell_type != "raw"]
        theirs, _ = stock.from_notebook_node(nb)
        mine, _ = ours.from_notebook_node(nb)
        assert str(BeautifulSoup(mine, features="html.parser")) == str(BeautifulSoup(theirs, features="html.parser"))
        assert mine.count('tabindex="0"') == theirs.count('tabindex="0"') > 0
    # the headings' text is written as characters, as nbconvert's pass wrote it (its markdown writes
    # them as &#...; references, which a search of the page's text would not find)
    assert "## 图" in with_image.cells[0].source and re.search(r"<h2[^>]*>图", mine)
    report_page, _ = ours.from_notebook_node(nbformat.read(str(project / "midterm-synthetic.ipynb"), as_version=4))
    assert "一、总体评价" in report_page and not re.search(r"&#(?:1[2-9]\d{3}|[2-9]\d{4});", re.sub(
        r"<(script|style)\b.*?</\1\s*>", "", report_page, flags=re.S))

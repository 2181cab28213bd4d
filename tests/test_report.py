"""The report end to end: the notebook under papermill, then HTML and PDF (fallback renderer),
and the Quarto project's settings. Slow: each execution runs a kernel."""

from __future__ import annotations

import json
import re
import logging
import shutil
import subprocess
import sys
import time

import nbformat
import pytest
import yaml

from kpitrack.publish.render import get_renderer, pdf_prerequisites
from kpitrack.publish.runs.run import run

from .conftest import REPO

pytestmark = pytest.mark.slow


def _squash(text: str) -> str:
    return re.sub(r"[\s\u200b]+", "", text)  # whitespace, and the zero-width break points of PDF tables


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    params = out / "midterm-test.yaml"
    params.write_text("as_of: 2018\ndataset: synthetic\nlanguage: zh\n", encoding="utf-8")
    return run(params, renderer="fallback", reports_dir=out)


def test_notebooks_are_committed_clean():
    for path in (REPO / "notebooks").glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), path
        assert any("parameters" in c["metadata"].get("tags", []) for c in code), path
        assert nb["metadata"]["kernelspec"]["name"] == "kpitrack"  # registered by make install / make lab


def test_notebook_has_no_logic_of_its_own():
    nb = nbformat.read(REPO / "notebooks" / "midterm_evaluation.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import pandas" not in code and "def " not in code and "groupby" not in code


def test_notebook_executes_with_papermill(synthetic_run, cat):
    nb = nbformat.read(synthetic_run.notebook, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o.text for o in outputs if o.output_type == "stream"]  # no warnings or logs in the report
    text = "\n".join(o.get("data", {}).get("text/markdown", "") for o in outputs)
    for k in cat.kpis:
        assert k.name_zh in text.replace("\\", ""), k.id
    assert "合成" in text  # synthetic data says so
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'dataset = "synthetic"' in injected[0].source


def test_html_report(synthetic_run, cat):
    html = synthetic_run.outputs["html"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN"' in html
    for k in cat.kpis:
        assert k.name_zh.replace("“", "").replace("”", "")[:6] in html.replace("“", "").replace("”", ""), k.id
    assert html.count("Plotly.newPlot") == 25 + 1  # one interactive chart per KPI, and the peer ranks
    assert html.count("plotly.js v") <= 2  # plotly.js inlined once, not per chart
    assert not re.search(r'<script[^>]+src="https?://', html)  # works offline: no script from a CDN
    assert "合成数据" in html
    assert "def " not in html.split("<body", 1)[1][:2000]  # code is hidden


def test_pdf_report(synthetic_run, cat):
    missing = pdf_prerequisites()
    if missing:
        pytest.skip("PDF prerequisites missing: " + "; ".join(missing))
    pdf = synthetic_run.outputs["pdf"]
    assert pdf.read_bytes().startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is needed to read the PDF text: apt-get install poppler-utils")
    text = _squash(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    for k in cat.kpis:
        assert _squash(k.name_zh) in text, k.id
    assert "合成数据" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"NotoSansCJK\w*-?\w*", fonts), fonts
    assert "JP" not in fonts  # Simplified-Chinese forms, not the Japanese fallback
    # a chart per KPI, drawn as vectors (SVG): each chart's title is text in the PDF
    for k in cat.kpis:
        assert _squash(f"{k.id} {k.name_zh}（合成数据，仅供演示）") in text, k.id


def test_plain_papermill_with_the_params_file(tmp_path):
    out = tmp_path / "out.ipynb"
    proc = subprocess.run([sys.executable, "-m", "papermill", "notebooks/midterm_evaluation.ipynb", str(out),
                           "-f", "params/midterm-2018.yaml", "-k", "python3", "--no-progress-bar"],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


def test_notebook_error_on_bad_parameter(tmp_path):
    out = tmp_path / "out.ipynb"
    proc = subprocess.run([sys.executable, "-m", "papermill", "notebooks/midterm_evaluation.ipynb", str(out),
                           "-p", "dataset", "nope", "-k", "python3", "--no-progress-bar"],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "unknown dataset 'nope'" in proc.stderr


def test_quarto_project_settings():
    cfg = yaml.safe_load((REPO / "reports" / "_quarto.yml").read_text(encoding="utf-8"))
    assert cfg["lang"] == "zh"
    assert cfg["format"]["html"]["embed-resources"] is True
    assert cfg["format"]["typst"]["mainfont"] == "Noto Sans CJK SC"
    assert cfg["execute"]["echo"] is False
    assert (REPO / "reports" / cfg["format"]["html"]["css"]).is_file()


def test_auto_renderer_prefers_quarto_when_on_path(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/quarto" if name == "quarto" else None)
    assert get_renderer("auto").name == "quarto"
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert get_renderer("auto").name == "fallback"


@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto CLI not on PATH (cannot be installed offline here)")
def test_quarto_renders_html_and_pdf(tmp_path, caplog):
    params = tmp_path / "midterm-quarto.yaml"
    params.write_text("as_of: 2018\ndataset: synthetic\n", encoding="utf-8")
    reports = tmp_path / "reports"
    shutil.copytree(REPO / "reports", reports, ignore=shutil.ignore_patterns("_output", "*.ipynb"))
    with caplog.at_level(logging.INFO, logger="kpitrack.publish.render.quarto"):
        result = run(params, renderer="quarto", reports_dir=reports)
    assert result.outputs["html"].is_file() and result.outputs["pdf"].read_bytes().startswith(b"%PDF")
    # Quarto was started while the notebook ran, and handed it as its last cell answered
    assert "midterm-quarto.ipynb: rendered by the Quarto renders started while it ran" in caplog.text
    assert not list(reports.glob("work-*")) and not list((reports / "_output").glob("work-*"))


MARKUP = "新浪微博 @杭州统计 #1 $5 *星* _线_ `码` 1^2 a~b~ = -- & [链](x)"


def test_ledger_text_is_escaped_in_the_html_and_pdf_report(tmp_path, data_copy):
    from kpitrack.cli import main

    ledger = tmp_path / "ledger.csv"
    ledger.write_text("指标编号,地区,时期,数值,单位,来源,备注\n"
                      f"K12.income,杭州市,2016,46116,元,<b>统计局</b>,<script>alert('x')</script>\n"
                      f"K12.income,杭州市,2015,42000,元,{MARKUP},{MARKUP}\n", encoding="utf-8")
    assert main(["ingest", str(ledger)]) == 0
    params = tmp_path / "midterm-escape.yaml"
    params.write_text("as_of: 2018\ndataset: hangzhou\n", encoding="utf-8")
    formats = ("html", "pdf") if not pdf_prerequisites() else ("html",)
    result = run(params, formats=formats, renderer="fallback", reports_dir=tmp_path / "reports")
    html = result.outputs["html"].read_text(encoding="utf-8")
    assert "<script>alert('x')</script>" not in html and "<b>统计局</b>" not in html
    assert "&lt;b&gt;统计局&lt;/b&gt;" in html  # the source as typed, in the sources appendix (notes are not shown there)
    assert html.count(MARKUP.replace("&", "&amp;")) >= 1
    if "pdf" in formats and shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(result.outputs["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
        assert _squash(MARKUP) in _squash(text)  # no citation, heading, maths or emphasis made of it


def test_report_on_the_data_as_known_at_a_date(tmp_path):
    params = tmp_path / "midterm-then.yaml"
    params.write_text("as_of: 2018\ndataset: hangzhou\ndata_as_of: '2019-06-01'\n", encoding="utf-8")
    result = run(params, formats=("html",), renderer="fallback", reports_dir=tmp_path / "reports")
    assert result.notebook.name == "midterm-then-data2019-06-01.ipynb"
    html = result.outputs["html"].read_text(encoding="utf-8")
    assert "截至2019-06-01已知的数据" in html
    assert "13,500.0亿元" in html and "14,306.7亿元" not in html  # GDP 2018 as first published, before the revision (亿元 at one decimal)


def test_without_a_chinese_font_html_is_still_made_and_pdf_says_what_to_install(synthetic_run, tmp_path, monkeypatch):
    import kpitrack.publish.render.base as render_base

    monkeypatch.setattr(render_base, "find_cjk_font", lambda: None)
    result = get_renderer("fallback").render(synthetic_run.notebook, ("html", "pdf"), tmp_path)
    assert result.outputs["html"].is_file() and "pdf" not in result.outputs
    assert any("apt-get install fonts-noto-cjk" in w for w in result.warnings)


def test_backtest_and_bench_print_their_tables(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "kpitrack.cli", "backtest", "--suite-size", "12"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("MASE") == 2 and "kpitrack" in proc.stdout and "naive" in proc.stdout
    bench = subprocess.run([sys.executable, "bench/forecast.py", "--corpus", "simulated", "--limit", "20"], cwd=REPO,
                           capture_output=True, text=True)
    assert bench.returncode == 0, bench.stderr
    for method in ("naive", "drift", "theta (statsmodels)", "mean of the three", "kpitrack"):
        assert method in bench.stdout
    assert "sMAPE" in bench.stdout and "MASE" in bench.stdout and "ThetaModel" in bench.stdout


def _one_cell_notebook(path, code: str):
    """A notebook of a parameters cell (as_of) and one code cell."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    params = nbformat.v4.new_code_cell("as_of = 2018")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, path)
    return path


def test_a_failing_notebook_is_a_clear_error(tmp_path, monkeypatch):
    from kpitrack.publish.runs.run import NotebookError, execute

    path = _one_cell_notebook(tmp_path / "broken.ipynb", "raise RuntimeError('broken on purpose')")
    with pytest.raises(NotebookError, match="broken.ipynb failed in cell .*RuntimeError: broken on purpose"):
        execute({"as_of": 2018}, tmp_path / "out.ipynb", notebook=path)
    assert (tmp_path / "out.ipynb").is_file()


def test_a_cell_that_runs_too_long_is_stopped_with_a_clear_error(tmp_path, monkeypatch):
    """A scheduled run never waits forever: KPITRACK_CELL_TIMEOUT bounds every cell."""
    from kpitrack.core.exceptions import ParameterError
    from kpitrack.publish.runs.run import NotebookError, execute

    path = _one_cell_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    monkeypatch.setenv("KPITRACK_CELL_TIMEOUT", "2")
    start = time.monotonic()
    with pytest.raises(NotebookError, match=r"slow.ipynb: a cell ran longer than 2 s \(KPITRACK_CELL_TIMEOUT\)"):
        execute({"as_of": 2018}, tmp_path / "out.ipynb", notebook=path)
    assert time.monotonic() - start < 40
    monkeypatch.setenv("KPITRACK_CELL_TIMEOUT", "soon")
    with pytest.raises(ParameterError, match="KPITRACK_CELL_TIMEOUT must be a whole number of seconds, got 'soon'"):
        execute({"as_of": 2018}, tmp_path / "out.ipynb", notebook=path)


def test_a_measure_on_track_yet_likely_to_miss_says_why_both_hold():
    from kpitrack.core.labels import Status
    from kpitrack.publish.content import report

    ev = report.evaluate(2018, "hangzhou")
    status = {ms.measure_id: ms.status for ks in ev.statuses for ms in ks.measures}
    both = [m for m in ev.cat.measures if ev.outlooks[m.id].likely_miss and status[m.id] in (Status.ON_TRACK, Status.ACHIEVED)]
    text = report.summary(ev)
    from kpitrack.analysis.outlook import probability_number

    for m in both:
        assert f"其中{m.name_zh}（" in text or f"、{m.name_zh}（" in text
        assert f"预测达标概率{probability_number(ev.outlooks[m.id].probability)}" in text  # as the outlook table rounds it
        assert probability_number(ev.outlooks[m.id].probability) in report.outlook_table(ev).to_string()
    assert not both or "把握不足五成" in text

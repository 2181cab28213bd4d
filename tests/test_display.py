"""Text from data is escaped in every form a report shows it."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kpitrack.publish.content.display import escape_markdown, table_html, table_markdown


def test_html_table_escapes_cells():
    html = table_html(pd.DataFrame({"a": ["<script>alert(1)</script>"], "b": ["x & y"]}))
    assert "<script>" not in html and "&lt;script&gt;" in html and "x &amp; y" in html


def test_a_figure_and_its_unit_are_never_split_across_lines_in_html():
    """A card's narrow columns broke 12,393.7亿元 after 亿 and 100.0% before %: each figure with its unit
    (and a year in brackets, a rank) is a span that does not wrap, as the PDF's typst settings box it."""
    from kpitrack.core import paths

    page = table_html(pd.DataFrame({"目标": ["12,393.7亿元", "基本目标 100.0%"], "实际": ["4.2%（2018年）", "<b>第8位</b>"]}))
    for word in ("12,393.7亿元", "100.0%", "4.2%", "（2018年）", "第8位"):
        assert f'<span class="kt-nw">{word}</span>' in page
    assert "&lt;b&gt;" in page and "<b>" not in page  # still escaped
    assert ".kt-nw { white-space: nowrap; }" in (paths.reports_dir() / "report.css").read_text(encoding="utf-8")


def test_markdown_escapes_pipes_and_tags():
    md = table_markdown(pd.DataFrame({"a": ["1|2", "<b>x</b>", "*bold*"]}))
    assert "1\\|2" in md and "\\<b\\>" in md and "\\*bold\\*" in md


def test_escape_markdown_keeps_plain_chinese():
    assert escape_markdown("杭州市公开数据") == "杭州市公开数据"


def test_short_cells_get_room_to_stay_on_one_line_and_numbers_never_break():
    import pandas as pd

    from kpitrack.publish.content.display import breakable, table_markdown

    from kpitrack.publish.content.display import LINE_UNITS

    df = pd.DataFrame({"编号": ["K01"], "依据": ["很长的说明文字" * 6], "状态": ["数据不足"], "值": ["46.72%"]})
    md = table_markdown(df)
    dashes = [len(cell) for cell in md.splitlines()[1].strip("|").split("|")]
    widths = [d - 1 for d in dashes]  # ":---": the colon is not width
    assert widths[2] >= 8 + 3 and widths[0] >= 4 + 3  # statuses and codes: their length and room to spare
    assert widths[1] >= LINE_UNITS - sum(widths[i] for i in (0, 2, 3)) - 2  # long text gets what is left
    assert '`#box("46.72%")`{=typst}' in md  # a figure is set whole in the PDF
    assert breakable("46.72%") == "46.72%" and "\u200b" in breakable("K12.income")
    assert breakable("下降到42μg/m³") == "下降到42μg/m³"  # a unit's slash is not a place to break


@pytest.mark.parametrize("dataset", ["hangzhou", "synthetic"])
@pytest.mark.parametrize("as_of", [2017, 2020])
def test_every_kpi_chart_passes_plotlys_checks(dataset, as_of):
    """The KPI charts are built as plain data and made figures without plotly's checks (for
    speed): every chart of both datasets must pass them, and come out the same through them."""
    import plotly.graph_objects as go

    from kpitrack.publish.content import report
    from kpitrack.publish.content.figures import kpi_figure

    ev = report.evaluate(as_of, dataset, "zh", "")
    drawn = 0
    for i, kpi in enumerate(ev.cat.kpis):
        fig = kpi_figure(kpi, ev.ds, ev.statuses[i], ev.language, ev.outlooks)
        if fig is None:
            continue
        checked = go.Figure(fig.to_dict())  # raises on any property plotly does not know or accept
        assert json.loads(checked.to_json()) == json.loads(fig.to_json())
        n = len(fig.layout.annotations) - (1 if ev.ds.synthetic else 0)  # a title per panel, then the watermark
        assert len(fig.layout.shapes) == n and len({tr.xaxis for tr in fig.data}) == n
        drawn += 1
    assert drawn >= 5


@pytest.mark.parametrize("month, dataset", [("2018-06", "synthetic"), ("2019-12", "hangzhou")])
def test_every_bulletin_region_chart_passes_plotlys_checks(month, dataset):
    """The bulletins' region charts are built as plain data too: each must pass plotly's checks."""
    import plotly.graph_objects as go

    from kpitrack.data.regions import regions
    from kpitrack.publish.content import bulletin as bl
    from kpitrack.publish.content.bulletin_charts import region_figure

    panels = 0
    for r in regions():
        b = bl.prepare(month, r.name_zh, dataset, "", "zh")
        fig = region_figure(b)
        assert json.loads(go.Figure(fig.to_dict()).to_json()) == json.loads(fig.to_json())
        measures = [m for m, p in b.paces(r.code) if p.value is not None]
        assert len(fig.layout.annotations) == len(measures)
        assert all(a.text.split("<br>")[0] for a in fig.layout.annotations)  # every panel has its title
        panels += len(measures)
    assert panels >= (13 if dataset == "synthetic" else 1)


def test_a_status_travels_as_its_code_to_the_page_not_as_a_label_parsed_back():
    import pandas as pd

    from kpitrack.core.labels import STATUS_COLOUR, Status
    from kpitrack.publish.content.display import StatusCell, table_html, table_markdown

    cell = StatusCell("off_track", "behind <plan>")  # a label no parser knows: the code decides the colour
    df = pd.DataFrame({"指标": ["K01"], "状态": [cell]})
    page = table_html(df)
    assert 'class="status status-off_track"' in page and "behind &lt;plan&gt;" in page
    md = table_markdown(df)
    assert STATUS_COLOUR[Status.OFF_TRACK] in md and '#"behind <plan>"' in md  # the label as a typst string, set whole
    assert cell == "behind <plan>" and str(cell) == "behind <plan>"  # compared and exported as its text


def test_report_rows_are_joined_by_id_not_by_position():
    import dataclasses

    from kpitrack.publish.content import report

    ev = report.evaluate(2018, "synthetic")
    shuffled = dataclasses.replace(ev, verdicts=dataclasses.replace(ev.verdicts, kpis=tuple(reversed(ev.statuses))))
    assert report.kpi_table(shuffled).astype(str).equals(report.kpi_table(ev).astype(str))


@pytest.mark.parametrize("rows,cols,spacing", [(r, c, sp) for r, c in [(1, 1), (1, 3), (2, 2), (3, 2), (5, 3), (6, 4)]
                                                for sp in [(0.08, 0.22), (0.08, 0.2), (0.05, 0.1)]
                                                if sp[1] * (r - 1) < 1])  # the spacings plotly allows
def test_a_grid_laid_out_as_data_is_make_subplots_layout(rows, cols, spacing):
    """The charts' grids are laid out without plotly's figure (its checks cost 0.15 s a grid), and
    give exactly what make_subplots gives, floats included."""
    import json

    from plotly.subplots import make_subplots

    from kpitrack.publish.content.display import grid_layout

    for titles in sorted({0, 1, rows * cols - 1, rows * cols}):
        expected = make_subplots(rows=rows, cols=cols, subplot_titles=["title"] * titles, horizontal_spacing=spacing[0],
                                 vertical_spacing=spacing[1]).layout.to_plotly_json()
        expected.pop("template", None)
        assert grid_layout(rows, cols, titles, *spacing) == json.loads(json.dumps(expected))


def test_charts_are_announced_only_to_kpitrack_runner(monkeypatch):
    """announce_charts sends nothing outside kpitrack's runner (JupyterLab, plain papermill); inside
    it, one comm message carries each chart as show_figure publishes it."""
    import json

    import comm
    import plotly.graph_objects as go

    from kpitrack.publish.content import display

    sent: list[dict] = []

    class FakeComm:
        def __init__(self, **kw):
            sent.append(kw)

        def close(self):
            sent.append({"closed": True})

    monkeypatch.setattr(comm, "create_comm", lambda **kw: FakeComm(**kw))
    fig = go.Figure(go.Scatter(x=[2015, 2016], y=[1.5, 2.5]), layout={"title": "甲"})
    monkeypatch.delenv(display.RUNNER_ENV, raising=False)
    display.announce_charts([fig])
    assert sent == []
    monkeypatch.setenv(display.RUNNER_ENV, "1")
    display.announce_charts([None])  # no chart: nothing
    assert sent == []
    display.announce_charts([fig, None])
    assert sent == [{"target_name": display.CHARTS_AHEAD_TARGET, "data": {"figures": [json.loads(fig.to_json())]}},
                    {"closed": True}]


def test_the_reports_charts_made_ahead_are_the_charts_of_their_sections():
    """report.kpi_charts / final_report.kpi_charts: one chart per KPI with a section, as kpi_figure
    draws it (the notebooks show these and announce them ahead)."""
    from kpitrack.publish.content import final_report as fr
    from kpitrack.publish.content import report
    from kpitrack.publish.content.figures import kpi_figure

    ev = report.evaluate(2018, "synthetic")
    charts = report.kpi_charts(ev)
    assert list(charts) == report.charted(ev)[0] and len(charts) > 10
    for i in list(charts)[:3]:
        assert charts[i].to_json() == kpi_figure(ev.cat.kpis[i], ev.ds, ev.statuses[i], ev.language, ev.outlooks).to_json()
    fe = fr.evaluate_final("synthetic")
    final = fr.kpi_charts(fe)
    assert list(final) == fr.charted(fe)[0]
    i = next(iter(final))
    assert final[i].to_json() == kpi_figure(fe.cat.kpis[i], fe.ds, fe.statuses[i], fe.language, fe.retro_outlooks,
                                            fr.labels(fe)).to_json()

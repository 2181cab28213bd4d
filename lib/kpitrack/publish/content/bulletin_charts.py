"""Charts of the monthly bulletins (plotly): the 13 districts compared on one measure, and one
region's year-to-date path against the path its target requires."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ...analysis.pace import Pace, pace_path, ytd_rows
from ...core.labels import STATUS_COLOUR, SYNTHETIC_NOTE_ZH, Status, fixed
from ...data.figures import DERIVED_METHODS
from ...data.regions import city_code, districts
from ...plan.catalogue import Measure
from .bulletin import Bulletin, period_zh, status_text
from .display import FONT_FAMILY, PanelTraces, figure_from_spec, grid_layout, new_figure, panel_axes
from .figures import wrap

NO_TARGET_COLOUR = "#999999"
REFERENCE_COLOUR, LAST_YEAR_COLOUR, THIS_YEAR_COLOUR = "#CC79A7", "#bbbbbb", "#0072B2"


#: How a kind of figure is named beside a line that does not join it to another kind.
KIND_LABEL = {"official": "公布数", "computed": "推算", "daily-derived": "日数据推算", "synthetic": "合成"}

def _shown(p: Pace) -> tuple[float | None, str]:
    """What a bar shows for one district, and the axis title."""
    if p.value is None:
        return None, ""
    if p.kind == "total":
        if p.target is not None:
            return p.gap * 100, "完成全年目标的比例超出（+）或低于（-）进度要求的百分点"  # type: ignore[operator]
        return p.same_period_growth, "比上年同期增长（%）"
    return p.value, ""


def comparison_figure(b: Bulletin, m: Measure) -> go.Figure:
    """The 13 districts on one measure, best pace on top, bars coloured by status, with the
    city's pace requirement (or target) and the city's own figure as reference lines."""
    rows = []
    for d in districts():
        p = b.pace.get(m.id, d.code)
        if p is None:
            continue
        v, axis = _shown(p)
        if v is not None:
            rows.append((d.name_zh, v, p, axis))
    official = {d.name_zh: i for i, d in enumerate(districts())}
    rows.sort(key=lambda r: (r[2].rank or 99, official.get(r[0], 99)))  # ties in the official order, never code-point order
    axis = next((r[3] for r in rows if r[3]), f"{m.name_zh}（{m.unit}）")
    fig = new_figure()
    if rows:
        colours = [STATUS_COLOUR[Status(r[2].status)] if r[2].has_target else NO_TARGET_COLOUR for r in rows]
        fig.add_trace(go.Bar(
            y=[r[0] for r in rows][::-1], x=[r[1] for r in rows][::-1], orientation="h", marker={"color": colours[::-1]},
            customdata=[status_text(r[2]) for r in rows][::-1], showlegend=False,
            text=[fixed(r[1], 1) for r in rows][::-1], textposition="outside", cliponaxis=False,
            hovertemplate="%{y}：%{x:.2f}（%{customdata}）<extra></extra>"))
    city = b.pace.get(m.id, city_code())
    if city is not None and city.value is not None:
        ref = None
        if city.kind == "total" and city.share_required is not None:
            ref, name = 0.0, "进度要求"
        elif city.kind == "rate" and city.target is not None:
            ref, name = city.target.value, "年度目标"
        elif city.kind == "mean" and city.required is not None:
            ref, name = city.required, "按进度折算的控制值"
        if ref is not None:
            fig.add_vline(x=ref, line={"color": REFERENCE_COLOUR, "dash": "dash", "width": 2},
                          annotation={"text": name if city.kind == "total" else f"{name} {fixed(ref, 1)}", "font": {"color": REFERENCE_COLOUR, "size": 11},
                                      "yshift": 16},  # above the plot area, never over a bar
                          annotation_position="top left")
        own, _ = _shown(city)
        if own is not None:
            fig.add_vline(x=own, line={"color": "#555555", "dash": "dot", "width": 1},
                          annotation={"text": f"全市 {fixed(own, 1)}", "font": {"size": 11, "color": "#555555"}, "yshift": 16},
                          annotation_position="top right")  # above the plot, never over the axis labels
    values = [r[1] for r in rows]
    lo, hi = min([0.0, *values]), max([0.0, *values])
    pad = 0.12 * (hi - lo or 1.0)
    fig.update_xaxes(title_text=axis, range=[lo - (pad if lo < 0 else 0), hi + pad], zeroline=True, zerolinecolor="#888")
    note = SYNTHETIC_NOTE_ZH if b.ds.synthetic else ""
    fig.update_layout(
        title={"text": f"{wrap(m.name_zh, 30)}：各区、县（市）{b.year}年{period_zh(b.month)}{note}", "x": 0.01, "font": {"size": 15}},
        height=440, margin={"l": 70, "r": 30, "t": 92, "b": 50}, font={"family": FONT_FAMILY, "size": 12},
        bargap=0.25, separators=".,")
    return fig


def region_figure(b: Bulletin, region: str | None = None) -> go.Figure:
    """One panel per measure: this year's YTD figures by month, last year's, and the path on pace.
    Built as plain data and made a plotly figure once, as the KPI charts are (figures.py)."""
    code = region or b.region.code
    measures = [m for m, p in b.paces(code) if p.value is not None]
    n = max(len(measures), 1)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    titles = [wrap(f"{m.name_zh}（{m.unit}）", 16) for m in measures]
    layout = grid_layout(rows, cols, len(measures), horizontal_spacing=0.08, vertical_spacing=0.2)
    traces = PanelTraces()

    for i, m in enumerate(measures):
        k = panel_axes(i)
        ytd = ytd_rows(b.ds, m, code)
        p = b.pace.get(m.id, code)
        for year, colour, name in ((b.year - 1, LAST_YEAR_COLOUR, "上年同期"), (b.year, THIS_YEAR_COLOUR, "本年")):
            months = [mm for mm in ytd.months(year) if year < b.year or mm <= b.month]
            if not months:
                continue
            kinds = list(dict.fromkeys(ytd.method(year, mm) for mm in months))
            for kind in kinds:  # figures of two kinds (derived months, the official year) are never joined by a line
                xs = [mm for mm in months if ytd.method(year, mm) == kind]
                # a line of one kind is named by it when that kind is not a published (or synthetic) figure
                label = name if len(kinds) == 1 and kind not in DERIVED_METHODS else f"{name}（{KIND_LABEL.get(kind, kind)}）"
                traces.add({"x": xs, "y": [ytd.get(year, mm) for mm in xs], "mode": "lines+markers" if len(xs) > 1 else "markers",
                     "name": label, "line": {"color": colour, "width": 2.5 if year == b.year else 1.5,
                                             "dash": "dot" if kind in DERIVED_METHODS else "solid"},
                     "marker": {"size": 6 if len(xs) > 1 else 9, "symbol": "circle" if kind not in DERIVED_METHODS else "circle-open"},
                     "hovertemplate": f"{year}年1—%{{x}}月 %{{y:,.4~g}}（{KIND_LABEL.get(kind, kind)}）<extra></extra>"}, label, k)
        if p is not None and p.target is not None:
            path = pace_path(b.ds, m, code, b.year, p.target)
            traces.add({"x": list(path), "y": list(path.values()), "mode": "lines", "name": "进度要求",
                 "line": {"color": REFERENCE_COLOUR, "dash": "dash"},
                 "hovertemplate": "1—%{x}月 进度要求 %{y:,.4~g}<extra></extra>"}, "pace", k)
        layout["annotations"][i]["text"] = titles[i]
        if p is not None:
            colour = STATUS_COLOUR[Status(p.status)] if p.has_target else NO_TARGET_COLOUR
            layout["annotations"][i]["text"] = f"{titles[i]}<br><span style='color:{colour}'>● {status_text(p)}</span>"
        # month labels as text: with tickvals alone plotly.js draws bare numbers and drops ticksuffix
        layout[f"xaxis{k}"].update(range=[0.5, 12.5], tickvals=[1, 3, 6, 9, 12], ticktext=["1月", "3月", "6月", "9月", "12月"])
        layout[f"yaxis{k}"]["tickformat"] = ",~g"
    note = SYNTHETIC_NOTE_ZH if b.ds.synthetic else ""
    layout.update(
        title={"text": f"{b.region.name_zh}：年初至各月累计{note}", "x": 0.01, "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 10}, "font": {"size": 15}},
        height=290 * rows + 90, margin={"l": 50, "r": 20, "t": 100, "b": 40}, font={"family": FONT_FAMILY, "size": 12},
        legend={"orientation": "h", "y": -0.1 if rows == 1 else -0.05, "x": 0}, separators=".,")
    return figure_from_spec(traces.data, layout)

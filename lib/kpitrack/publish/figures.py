"""Charts of KPIs: planned trajectory, actual figures, end target (plotly)."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from ..data.actuals import Dataset, series
from .display import FONT_FAMILY, new_figure
from ..core.labels import COUNT_UNITS, QUALITY_ZH, STATUS_COLOUR, Status, status_label
from ..plan.catalogue import KPI
from ..analysis.progress import KPIStatus
from ..plan.schema import BASE_YEAR, PLAN_END
from ..plan.trajectory import YEARS, trajectory

MARKERS = {"official": "circle", "computed": "square-open", "daily-derived": "circle-open", "synthetic": "diamond"}
METHOD_ZH = {"official": "实际值（公布）", "computed": "推算值（由公布数计算）", "daily-derived": "实际值（由日数据推算）",
             "synthetic": "合成数据"}
TRAJECTORY_COLOUR, ACTUAL_COLOUR, TARGET_COLOUR = "#7f7f7f", "#0072B2", "#CC79A7"


def _drawable(m, s: pd.DataFrame) -> bool:
    """Whether a measure's panel would show anything: its figures ``s``, or a plan trajectory or target."""
    base = s.loc[s["period"] == BASE_YEAR, "value"]
    return bool(len(s)) or trajectory(m, float(base.iloc[0]) if len(base) else None).notna().any() or (
        m.end_target.value is not None and m.end_target.kind in ("level", "floor", "ceiling", "average"))


def kpi_figure(kpi: KPI, ds: Dataset, status: KPIStatus, language: str = "zh", outlooks: dict | None = None,
               labels: dict[str, tuple[str, str]] | None = None) -> go.Figure | None:
    """One figure per KPI, one panel per measure with something to draw: trajectory (dashed),
    actuals, forecast fan, end target. None when no measure has anything to draw (no empty frames).

    A fan made at an earlier year than the status (the final evaluation's look back) is named with
    that year; ``labels`` (measure id -> (text, colour)) replaces a panel's status label."""
    figures = {m.id: series(ds.observations, m.id, as_of=ms.as_of) for m, ms in zip(kpi.measures, status.measures)}
    pairs = [(m, ms) for m, ms in zip(kpi.measures, status.measures) if _drawable(m, figures[m.id])]
    if not pairs:
        return None
    n = len(pairs)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    width = {1: 40, 2: 24}.get(cols, 16)
    titles = [wrap(m.name_zh, width) + ("<br>" if len(m.name_zh) + len(m.unit) + 2 > width else "") + f"（{m.unit}）"
              for m, _ in pairs]
    fig = new_figure(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.08, vertical_spacing=0.22)
    shown: set[str] = set()
    for i, (m, ms) in enumerate(pairs):
        r, c = i // cols + 1, i % cols + 1
        s = figures[m.id]  # data as known at the evaluation year only
        base = s.loc[s["period"] == BASE_YEAR, "value"]
        traj = trajectory(m, float(base.iloc[0]) if len(base) else None)
        if traj.notna().any():
            fig.add_trace(go.Scatter(x=YEARS, y=traj.tolist(), mode="lines+markers", name="规划轨迹",
                                     line={"dash": "dash", "color": TRAJECTORY_COLOUR}, marker={"size": 5},
                                     legendgroup="traj", showlegend="traj" not in shown,
                                     hovertemplate="%{x}年 规划轨迹 %{y:,.4~g}<extra></extra>"), row=r, col=c)
            shown.add("traj")
        for method, g in s.groupby("method", sort=False):
            name = METHOD_ZH.get(method, method)
            # missing years stay gaps: a line must not suggest values nobody measured
            g = g.set_index("period").reindex(range(int(g["period"].min()), int(g["period"].max()) + 1)).reset_index()
            fig.add_trace(go.Scatter(
                x=g["period"].tolist(), y=[None if pd.isna(v) else v for v in g["value"]], mode="lines+markers", name=name,
                connectgaps=False,
                line={"color": ACTUAL_COLOUR, "width": 2, "dash": "solid" if method in ("official", "synthetic") else "dot"},
                marker={"symbol": MARKERS.get(method, "circle"), "size": 9, "color": ACTUAL_COLOUR},
                customdata=[QUALITY_ZH.get(q, q) if isinstance(q, str) else "" for q in g["quality"]],
                legendgroup=method, showlegend=method not in shown,
                hovertemplate="%{x}年 %{y:,.4~g}（%{customdata}）<extra>" + name + "</extra>"), row=r, col=c)
            shown.add(method)
        o = outlooks.get(m.id) if outlooks else None
        if o is not None and not o.fan.empty and o.latest_year is not None:
            fan = o.fan
            earlier = o.as_of < ms.as_of
            fan_name = f"{o.as_of}年所作预测80%区间" if earlier else "预测80%区间"
            fcst_name = f"{o.as_of}年所作预测" if earlier else "预测"
            xs = [o.latest_year] + fan.index.tolist()
            lower = [o.latest_value] + fan["lower"].tolist()
            upper = [o.latest_value] + fan["upper"].tolist()
            fig.add_trace(go.Scatter(x=xs + xs[::-1], y=upper + lower[::-1], mode="lines", fill="toself", fillcolor="rgba(0,114,178,0.15)",
                                     line={"width": 0}, name=fan_name, legendgroup="fan", showlegend="fan" not in shown,
                                     hoverinfo="skip"), row=r, col=c)
            fig.add_trace(go.Scatter(x=xs, y=[o.latest_value] + fan["mean"].tolist(), mode="lines", name=fcst_name,
                                     line={"color": ACTUAL_COLOUR, "dash": "dashdot", "width": 1.5}, legendgroup="fcst",
                                     showlegend="fcst" not in shown, hovertemplate="%{x}年 预测 %{y:,.4~g}<extra></extra>"), row=r, col=c)
            shown.update({"fan", "fcst"})
        t = m.end_target
        if t.value is not None and t.kind in ("level", "floor", "ceiling"):
            fig.add_trace(go.Scatter(x=[t.year], y=[t.value], mode="markers", name="2020年目标",
                                     marker={"symbol": "star", "size": 15, "color": TARGET_COLOUR},
                                     legendgroup="target", showlegend="target" not in shown,
                                     hovertemplate=f"{t.year}年目标 %{{y:,.4~g}}<extra>{t.text_zh}</extra>"), row=r, col=c)
            shown.add("target")
        elif t.value is not None and t.kind == "average":
            fig.add_trace(go.Scatter(x=list(t.years), y=[t.value] * len(t.years), mode="lines", name="期内年均目标",
                                     line={"color": TARGET_COLOUR, "dash": "dot"}, legendgroup="avg",
                                     showlegend="avg" not in shown), row=r, col=c)
            shown.add("avg")
        label, colour = (labels or {}).get(m.id) or (status_label(ms.status, language), STATUS_COLOUR[Status(ms.status)])
        fig.add_vline(x=o.as_of if o is not None and not o.fan.empty else ms.as_of, line={"color": "#bbbbbb", "width": 1}, row=r, col=c)
        fig.layout.annotations[i].update(text=f"{titles[i]}<br><span style='color:{colour}'>● {label}</span>")
        fig.update_xaxes(range=[BASE_YEAR - 0.5, PLAN_END + 0.5], dtick=1, row=r, col=c)
        fig.update_yaxes(tickformat=",~g", row=r, col=c)
        ys = [v for tr in fig.select_traces(row=r, col=c) for v in (tr.y or ()) if v is not None]
        if ys and max(ys) == min(ys):  # one value: plotly would zoom into ticks like 20,000.5
            v = float(ys[0])
            pad = abs(v) * 0.1 or 1.0
            fig.update_yaxes(range=[v - pad, v + pad], nticks=5, row=r, col=c)
        if m.unit in COUNT_UNITS:
            fig.update_yaxes(tickformat=",d", row=r, col=c)
    synthetic_note = "（合成数据，仅供演示）" if ds.synthetic else ""
    fig.update_layout(
        title={"text": f"{kpi.id} {kpi.name_zh}{synthetic_note}", "x": 0.01, "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 10}, "font": {"size": 16}},
        height=300 * rows + 80, margin={"l": 50, "r": 20, "t": 50 + 20 * max(t.count("<br>") + 2 for t in titles), "b": 40},
        font={"family": FONT_FAMILY, "size": 12},
        legend={"orientation": "h", "y": -0.12 if rows == 1 else -0.06, "x": 0},
        separators=".,",
    )
    if ds.synthetic:
        fig.add_annotation(text="合成数据", xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                           font={"size": 48, "color": "rgba(200,0,0,0.08)"})
    return fig


def wrap(text: str, width: int) -> str:
    """Break a long Chinese title into lines of at most ``width`` characters (plotly <br>)."""
    return "<br>".join(text[i:i + width] for i in range(0, len(text), width))

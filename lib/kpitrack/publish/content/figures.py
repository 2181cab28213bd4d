"""Charts of KPIs: planned trajectory, actual figures, end target (plotly)."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from ...data.actuals import Dataset, context_series, kpi_series
from .display import FONT_FAMILY, PanelTraces, figure_from_spec, grid_layout, panel_axes
from ...core.english import plan_words_en
from ...core.labels import COUNT_UNITS, QUALITY_ZH, STATUS_COLOUR, SYNTHETIC_NOTE_ZH, Status, status_label
from ...plan.catalogue import KPI
from ...analysis.progress import KPIStatus
from ...plan.schema import plan_base_year, plan_end_year
from ...plan.trajectory import plan_years, trajectory

MARKERS = {"official": "circle", "computed": "square-open", "daily-derived": "circle-open", "synthetic": "diamond"}
METHOD_ZH = {"official": "实际值（公布）", "computed": "推算值（由公布数计算）", "daily-derived": "实际值（由日数据推算）",
             "synthetic": "合成数据"}
TRAJECTORY_COLOUR, ACTUAL_COLOUR, TARGET_COLOUR = "#7f7f7f", "#0072B2", "#CC79A7"
CONTEXT_COLOUR = "#aaaaaa"
CONTEXT_NAME = "参考：推算值（非官方口径）"
METHOD_EN = {"official": "figure (published)", "computed": "computed from published figures",
             "daily-derived": "figure (computed from daily data)", "synthetic": "synthetic data"}
QUALITY_EN = {"reported": "published", "preliminary": "preliminary", "revised": "revised", "derived": "derived",
              "synthetic": "synthetic", "plan-implied": "base implied by the plan"}
#: a chart's words in each language (hover text, legend, watermark)
WORDS = {
    "zh": {"traj": "规划轨迹", "year": "{x}年", "context": CONTEXT_NAME, "context_hover": "由日数据推算，非官方口径，仅供参考",
           "fan": "预测80%区间", "fan_then": "{y}年所作预测80%区间", "fcst": "预测（中值）", "fcst_then": "{y}年所作预测（中值）",
           "median": "预测中值", "target": "{y}年目标", "avg": "期内年均目标", "synthetic": "合成数据"},
    "en": {"traj": "plan trajectory", "year": "{x}", "context": "for reference: derived (not the official basis)",
           "context_hover": "computed from daily data, not the official basis", "fan": "forecast 80% interval",
           "fan_then": "80% interval forecast in {y}", "fcst": "forecast (median)", "fcst_then": "forecast made in {y} (median)",
           "median": "forecast median", "target": "{y} target", "avg": "yearly average target", "synthetic": "synthetic data"},
}


def _drawable(m, s: pd.DataFrame) -> bool:
    """Whether a measure's panel would show anything: its figures ``s``, or a plan trajectory or target."""
    base = s.loc[s["period"] == plan_base_year(), "value"]
    return bool(len(s)) or trajectory(m, float(base.iloc[0]) if len(base) else None).notna().any() or (
        m.end_target.value is not None and m.end_target.kind in ("level", "floor", "ceiling", "average"))


def kpi_figure(kpi: KPI, ds: Dataset, status: KPIStatus, language: str = "zh", outlooks: dict | None = None,
               labels: dict[str, tuple[str, str]] | None = None) -> go.Figure | None:
    """One figure per KPI, one panel per measure with something to draw: trajectory (dashed),
    actuals, forecast fan, end target. None when no measure has anything to draw (no empty frames).

    A fan made at an earlier year than the status (the final evaluation's look back) is named with
    that year; ``labels`` (measure id -> (text, colour)) replaces a panel's status label."""
    figures = {m.id: kpi_series(ds, m.id, as_of=ms.as_of) for m, ms in zip(kpi.measures, status.measures)}
    context = {m.id: context_series(ds, m.id, as_of=ms.as_of) for m, ms in zip(kpi.measures, status.measures)}
    pairs = [(m, ms) for m, ms in zip(kpi.measures, status.measures) if _drawable(m, figures[m.id])]
    if not pairs:
        return None
    n = len(pairs)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    width = {1: 40, 2: 24}.get(cols, 16)
    w = WORDS[language]
    year_x = w["year"].format(x="%{x}")
    if language == "zh":
        titles = [wrap(m.name_zh, width) + ("<br>" if len(m.name_zh) + len(m.unit) + 2 > width else "") + f"（{m.unit}）"
                  for m, _ in pairs]
    else:
        from ...core.english import unit_en

        titles = [wrap_words(m.name_en + (f" ({unit_en(m.unit)})" if m.unit else ""), width * 2) for m, _ in pairs]
    # built as plain data and made a plotly figure once: plotly's checks of every step cost 2 s a report
    layout = grid_layout(rows, cols, n, horizontal_spacing=0.08, vertical_spacing=0.22)
    traces = PanelTraces()
    shapes: list[dict] = []

    for i, (m, ms) in enumerate(pairs):
        k = panel_axes(i)
        first = len(traces.data)
        s = figures[m.id]  # data as known at the evaluation year only
        base = s.loc[s["period"] == plan_base_year(), "value"]
        traj = trajectory(m, float(base.iloc[0]) if len(base) else None)
        if traj.notna().any():
            traces.add({"x": list(plan_years()), "y": traj.tolist(), "mode": "lines+markers", "name": w["traj"],
                 "line": {"dash": "dash", "color": TRAJECTORY_COLOUR}, "marker": {"size": 5},
                 "hovertemplate": f"{year_x} {w['traj']} %{{y:,.4~g}}<extra></extra>"}, "traj", k)
        for method, g in s.groupby("method", sort=False):
            name = (METHOD_ZH if language == "zh" else METHOD_EN).get(method, method)
            quality = QUALITY_ZH if language == "zh" else QUALITY_EN
            # missing years stay gaps: a line must not suggest values nobody measured
            g = g.set_index("period").reindex(range(int(g["period"].min()), int(g["period"].max()) + 1)).reset_index()
            traces.add({"x": g["period"].tolist(), "y": [None if pd.isna(v) else float(v) for v in g["value"]],
                 "mode": "lines+markers", "name": name, "connectgaps": False,
                 "line": {"color": ACTUAL_COLOUR, "width": 2, "dash": "solid" if method in ("official", "synthetic") else "dot"},
                 "marker": {"symbol": MARKERS.get(method, "circle"), "size": 9, "color": ACTUAL_COLOUR},
                 "customdata": [quality.get(q, q) if isinstance(q, str) else "" for q in g["quality"]],
                 "hovertemplate": (f"{year_x} %{{y:,.4~g}}（%{{customdata}}）" if language == "zh"
                                   else f"{year_x} %{{y:,.4~g}} (%{{customdata}})") + "<extra>" + name + "</extra>"}, method, k)
        c = context[m.id]
        if len(c):  # derived figures of a measure that has published ones: apart, as context, never joined to them
            traces.add({"x": c["period"].tolist(), "y": [float(v) for v in c["value"]], "mode": "markers",
                 "name": w["context"], "marker": {"symbol": "circle-open", "size": 8, "color": CONTEXT_COLOUR},
                 "hovertemplate": f"{year_x} %{{y:,.4~g}} · {w['context_hover']}<extra></extra>"}, "context", k)
        o = outlooks.get(m.id) if outlooks else None
        if o is not None and not o.fan.empty and o.latest_year is not None:
            fan = o.fan
            earlier = o.as_of < ms.as_of
            fan_name = w["fan_then"].format(y=o.as_of) if earlier else w["fan"]
            fcst_name = w["fcst_then"].format(y=o.as_of) if earlier else w["fcst"]
            xs = [o.latest_year] + fan.index.tolist()
            lower = [o.latest_value] + fan["lower"].tolist()
            upper = [o.latest_value] + fan["upper"].tolist()
            traces.add({"x": xs + xs[::-1], "y": upper + lower[::-1], "mode": "lines", "fill": "toself",
                 "fillcolor": "rgba(0,114,178,0.15)", "line": {"width": 0}, "name": fan_name, "hoverinfo": "skip"}, "fan", k)
            traces.add({"x": xs, "y": [o.latest_value] + fan["median"].tolist(), "mode": "lines", "name": fcst_name,
                 "line": {"color": ACTUAL_COLOUR, "dash": "dashdot", "width": 1.5},
                 "hovertemplate": f"{year_x} {w['median']} %{{y:,.4~g}}<extra></extra>"}, "fcst", k)
        t = m.end_target
        if t.value is not None and t.kind in ("level", "floor", "ceiling"):
            target = w["target"].format(y=t.year)
            words = t.text_zh if language == "zh" else plan_words_en(t.text_zh)
            if words == "the plan's words":  # not a stock phrase: its number says it
                from ...core.english import fmt_en

                words = fmt_en(t.value, m.unit)
            traces.add({"x": [t.year], "y": [t.value], "mode": "markers", "name": target,
                 "marker": {"symbol": "star", "size": 15, "color": TARGET_COLOUR},
                 "hovertemplate": f"{target} %{{y:,.4~g}}<extra>{words}</extra>"}, "target", k)
        elif t.value is not None and t.kind == "average":
            traces.add({"x": list(t.years), "y": [t.value] * len(t.years), "mode": "lines", "name": w["avg"],
                 "line": {"color": TARGET_COLOUR, "dash": "dot"}}, "avg", k)
        label, colour = (labels or {}).get(m.id) or (status_label(ms.status, language), STATUS_COLOUR[Status(ms.status)])
        if len(traces.data) > first:  # the evaluation year, as a thin line (plotly's add_vline skips empty panels too)
            x = o.as_of if o is not None and not o.fan.empty else ms.as_of
            shapes.append({"type": "line", "x0": x, "x1": x, "xref": f"x{k}", "y0": 0, "y1": 1, "yref": f"y{k} domain",
                           "line": {"color": "#bbbbbb", "width": 1}})
        layout["annotations"][i]["text"] = f"{titles[i]}<br><span style='color:{colour}'>● {label}</span>"
        layout[f"xaxis{k}"].update(range=[plan_base_year() - 0.5, plan_end_year() + 0.5], dtick=1)
        yaxis = layout[f"yaxis{k}"]
        # plotly picks the decimals the tick spacing needs (a fixed format repeated ticks: 501, 501, 500)
        yaxis.update(separatethousands=True, exponentformat="none")
        ys = [v for tr in traces.data[first:] for v in tr["y"] if v is not None]
        if ys and max(ys) == min(ys):  # one value: plotly would zoom into ticks like 20,000.5
            v = float(ys[0])
            pad = abs(v) * 0.1 or 1.0
            yaxis.update(range=[v - pad, v + pad], nticks=5)
        if m.unit in COUNT_UNITS:  # whole numbers only, one tick per value at most
            yaxis["tickformat"] = ",d"
            if ys and max(ys) - min(ys) < 6:
                yaxis.update(dtick=1, tick0=0)
    synthetic_note = (SYNTHETIC_NOTE_ZH if language == "zh" else " (synthetic demo data)") if ds.synthetic else ""
    layout.update(
        title={"text": f"{kpi.id} {kpi.name_zh if language == 'zh' else kpi.name_en}{synthetic_note}", "x": 0.01, "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 10}, "font": {"size": 16}},
        height=300 * rows + 80, margin={"l": 50, "r": 20, "t": 50 + 20 * max(t.count("<br>") + 2 for t in titles), "b": 40},
        font={"family": FONT_FAMILY, "size": 12},
        legend={"orientation": "h", "y": -0.12 if rows == 1 else -0.06, "x": 0},
        separators=".,",
        shapes=shapes,
    )
    if ds.synthetic:
        layout["annotations"].append({"text": w["synthetic"], "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                                      "showarrow": False, "font": {"size": 48, "color": "rgba(200,0,0,0.08)"}})
    return figure_from_spec(traces.data, layout)


def has_figures(kpi: KPI, ds: Dataset, as_of: int) -> bool:
    """Whether any measure of the KPI has a yearly figure up to ``as_of`` (a chart of the plan's
    trajectory alone says nothing a table does not: reports list such KPIs in one line instead)."""
    return any(len(kpi_series(ds, m.id, as_of=as_of)) or len(context_series(ds, m.id, as_of=as_of))
               for m in kpi.measures)


def charted(kpis, ds: Dataset, as_of: int) -> tuple[list[int], str]:
    """The indexes of the KPIs that get a section with a chart, and one line naming the others."""
    shown = [i for i, k in enumerate(kpis) if has_figures(k, ds, as_of)]
    rest = [k for i, k in enumerate(kpis) if i not in shown]
    note = ("" if not rest else f"以下{len(rest)}项指标暂无实际数据，只有规划目标和轨迹（见上表），不单列图表："
            + "、".join(f"{k.id} {k.name_zh}" for k in rest) + "。")
    return shown, note


def wrap_words(text: str, width: int) -> str:
    """Break a long English title at spaces into lines of about ``width`` characters (plotly <br>)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def wrap(text: str, width: int) -> str:
    """Break a long Chinese title into lines of at most ``width`` characters (plotly <br>)."""
    return "<br>".join(text[i:i + width] for i in range(0, len(text), width))

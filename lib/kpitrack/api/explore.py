"""Exploring one measure in JupyterLab: the sections of the explore notebook (chart, figures, outlook,
districts, sources) as functions, and drop-downs (ipywidgets: domain → KPI → measure, and region)
that redraw every section at each choice. Under papermill the notebook takes the same choices as
parameters instead (``widgets=False``) and shows the same sections cell by cell.

Charts are shown with a static picture beside the interactive one (:func:`show_chart`), so a saved
notebook reads the same in JupyterLab, after ``jupyter nbconvert --to html`` and on GitHub."""

from __future__ import annotations

import json

import pandas as pd

from .. import api
from ..data.regions import regions
from ..publish.content.params import resolve_measure, resolve_region

#: the measure the notebook opens on: one with a target, figures in both datasets and a forecast
DEFAULT_MEASURE = "K12.income"


def show_chart(fig) -> None:
    """Show a plotly figure interactively (JupyterLab), as HTML (nbconvert, Quarto) and as an SVG
    picture (GitHub, and any viewer without JavaScript). Without Chromium the picture is left out."""
    from IPython.display import publish_display_data

    from ..publish.render.chart_images import svg_of
    from ..publish.content.display import figure_html

    html = figure_html(fig)
    svg = svg_of(fig)
    if svg:
        # a page without plotly.js (jupyter nbconvert --to html) shows the picture; one with it (Quarto,
        # a page that loads the library) the interactive chart and not the picture as well
        html += (f'<div class="kt-static-chart">{svg}</div><script>(function(){{var s=document.currentScript'
                 f'.previousElementSibling;if(window.Plotly){{s.style.display="none";}}else if(s.previousElementSibling){{s.previousElementSibling.style.display="none";}}}})();</script>')
    bundle = {"application/vnd.plotly.v1+json": json.loads(fig.to_json()), "text/html": html,
              "text/plain": f"<chart: {fig.layout.title.text or ''}>"}
    if svg:
        bundle["image/svg+xml"] = svg
    publish_display_data(bundle)


def figures_of(dataset: str, as_of, measure: str, region, language: str = "zh") -> pd.DataFrame:
    """The measure's figures in the region (None: the city) (:func:`kpitrack.api.figures`)."""
    return api.figures(dataset, as_of, region=resolve_region(region).code, measure=measure, language=language)


def outlook_of(dataset: str, as_of, measure: str, region, language: str = "zh") -> pd.DataFrame:
    """The measure's outlook in the region, one column (:func:`kpitrack.api.outlook`)."""
    m = resolve_measure(measure)
    return api.outlook(dataset, as_of, region=region, language=language).set_index("measure").loc[[m.id]].T


def districts_of(dataset: str, measure: str, month: str = "latest", language: str = "zh", as_of=None):
    """The districts compared at a month (``latest``: the latest of ``as_of``'s year or before), or why
    there is nothing to compare."""
    d = api.compare_regions(measure, dataset, month=month, as_of=as_of, language=language)
    if len(d):
        return d
    from IPython.display import Markdown

    return Markdown(f"没有分地区数据：{d.attrs.get('note', '')}" if language == "zh" else f"No district figures: {d.attrs.get('note', '')}")


def sources_of(table: pd.DataFrame) -> pd.DataFrame:
    """Where the figures come from: one row per source, with the periods it gives."""
    if table.empty:
        return pd.DataFrame(columns=["source", "periods", "quality", "known_from"])
    return (table.groupby("source", sort=False)
            .agg(periods=("period", lambda p: ", ".join(sorted(set(p))[:6]) + ("..." if len(set(p)) > 6 else "")),
                 quality=("quality", lambda q: ", ".join(sorted(set(q)))), known_from=("known_from", "max"))
            .reset_index())


#: the notebook's headings in each language
HEADINGS = {"zh": ("数据", "到规划期末的前景", "各区、县（市）对比", "来源"),
            "en": ("Figures", "Outlook to the end of the plan", "Districts compared", "Sources")}
#: the drop-downs' labels in each language
LABELS = {"zh": ("领域", "指标", "子指标", "地区"), "en": ("Domain", "KPI", "Measure", "Region")}


def sections(dataset: str, as_of, measure: str, region, month: str = "latest", language: str = "zh") -> None:
    """Every section of the notebook for one choice, with its heading, in ``language``."""
    from IPython.display import Markdown, display

    m, r = resolve_measure(measure), resolve_region(region)  # None: the city
    zh = language == "zh"
    display(Markdown(f"### {m.id} {m.name_zh if zh else m.name_en} · {r.name_zh if zh else r.name_en}"))
    show_chart(api.chart(m.id, dataset, as_of, region=r.code, language=language))
    table = figures_of(dataset, as_of, m.id, r.code, language)
    h = HEADINGS["zh" if zh else "en"]
    display(Markdown(f"#### {h[0]}"), table)
    display(Markdown(f"#### {h[1]}"), outlook_of(dataset, as_of, m.id, r.code, language))
    display(Markdown(f"#### {h[2]}"), districts_of(dataset, m.id, month, language, as_of))
    display(Markdown(f"#### {h[3]}"), sources_of(table))


def explorer(dataset: str | None = None, as_of=None, measure: str = DEFAULT_MEASURE, region=None, month: str = "latest",
             language: str = "zh"):
    """An ipywidgets box: pick a domain, KPI, measure and region; every section below the drop-downs
    is drawn again for the choice, in ``language``."""
    import ipywidgets as w

    zh = language == "zh"
    tables = api.catalogue()
    kpis, measures = tables.kpis, tables.measures
    name = "name_zh" if zh else "name_en"
    first = measures.set_index("measure").loc[resolve_measure(measure).id]
    text = LABELS["zh" if zh else "en"]
    domain = w.Dropdown(description=text[0], options=[(getattr(r, name), r.domain) for r in tables.domains.itertuples()],
                        value=kpis.set_index("kpi").loc[first["kpi"], "domain"])
    kpi = w.Dropdown(description=text[1])
    meas = w.Dropdown(description=text[2])
    reg = w.Dropdown(description=text[3], options=[(r.name_zh if zh else r.name_en, r.code) for r in regions()],
                     value=resolve_region(region).code)
    out = w.Output()

    def kpis_of(d: str) -> list[tuple[str, str]]:
        return [(f"{r.kpi} {getattr(r, name)}", r.kpi) for r in kpis[kpis["domain"] == d].itertuples()]

    def measures_of(k: str) -> list[tuple[str, str]]:
        return [(getattr(r, name), r.measure) for r in measures[measures["kpi"] == k].itertuples()]

    def redraw(*_) -> None:
        out.clear_output(wait=True)
        with out:
            if meas.value is not None:
                sections(dataset, as_of, meas.value, reg.value, month, language)

    def on_domain(change) -> None:
        kpi.options = kpis_of(change["new"])

    def on_kpi(change) -> None:
        meas.options = measures_of(change["new"]) if change["new"] else []

    kpi.options = kpis_of(domain.value)
    kpi.value = first["kpi"]
    meas.options = measures_of(kpi.value)
    meas.value = first.name
    domain.observe(on_domain, names="value")
    kpi.observe(on_kpi, names="value")
    meas.observe(redraw, names="value")
    reg.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([domain, kpi]), w.HBox([meas, reg]), out])

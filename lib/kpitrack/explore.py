"""Drop-downs for exploring one measure in JupyterLab (ipywidgets): domain → KPI → measure and
region; each choice redraws the chart, the figures and the outlook. Under papermill the explore
notebook takes the same choices as parameters instead (``widgets=False``)."""

from __future__ import annotations

from . import api
from .core.settings import DEFAULT_DATASET
from .data.regions import regions


def explorer(dataset: str = DEFAULT_DATASET, as_of: int | str = 2018, measure: str = "K01.gdp_nominal", region: str = "杭州市"):
    """An ipywidgets box: pick a domain, KPI, measure and region; see its chart and figures."""
    import ipywidgets as w
    from IPython.display import display

    tables = api.catalogue()
    kpis, measures = tables.kpis, tables.measures
    first = measures.set_index("measure").loc[measure]
    domain = w.Dropdown(description="领域", options=[(r.name_zh, r.domain) for r in tables.domains.itertuples()],
                        value=kpis.set_index("kpi").loc[first["kpi"], "domain"])
    kpi = w.Dropdown(description="指标")
    meas = w.Dropdown(description="子指标")
    reg = w.Dropdown(description="地区", options=[(r.name_zh, r.code) for r in regions()],
                     value=next(r.code for r in regions() if region in (r.code, r.name_zh)))
    out = w.Output()

    def kpis_of(d: str) -> list[tuple[str, str]]:
        return [(f"{r.kpi} {r.name_zh}", r.kpi) for r in kpis[kpis["domain"] == d].itertuples()]

    def measures_of(k: str) -> list[tuple[str, str]]:
        return [(r.name_zh, r.measure) for r in measures[measures["kpi"] == k].itertuples()]

    def redraw(*_) -> None:
        out.clear_output(wait=True)
        with out:
            if meas.value is None:
                return
            display(api.chart(meas.value, dataset, as_of, reg.value))
            f = api.figures(dataset, as_of, reg.value)
            display(f[f["measure"] == meas.value])

    def on_domain(change) -> None:
        kpi.options = kpis_of(change["new"])

    def on_kpi(change) -> None:
        meas.options = measures_of(change["new"]) if change["new"] else []

    kpi.options = kpis_of(domain.value)
    kpi.value = first["kpi"]
    meas.options = measures_of(kpi.value)
    meas.value = measure
    domain.observe(on_domain, names="value")
    kpi.observe(on_kpi, names="value")
    meas.observe(redraw, names="value")
    reg.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([domain, kpi]), w.HBox([meas, reg]), out])

"""The researcher's API, part 3: charts of a measure, and the districts compared at a month (as
in the monthly bulletin). Imported by :mod:`kpitrack.api`, which the ``kt`` names come from."""

from __future__ import annotations

from ..core.english import unit_en

from dataclasses import replace

import pandas as pd

from .args import _annual, _as_of, _cat, _load, stamped
from ..core.labels import STATUS_EN, STATUS_ZH, SYNTHETIC_NOTE_ZH, Status
from ..data.actuals import load_dataset
from ..data.regions import city_code
from ..data.regions import regions as _regions
from ..publish.content.params import check_dataset, check_language, resolve_measure, resolve_measures, resolve_region

#: The statuses from best to worst, then the unjudged: the order of every ``status`` column.
STATUS_ORDER = pd.CategoricalDtype([s.value for s in Status], ordered=True)


def chart(measure: str, dataset: str | None = None, as_of: int | str | None = None, *, region: str | int | None = None,
          language: str = "zh"):
    """A plotly figure of one measure (or of a KPI's measures): for the city its figures, yearly
    trajectory, 2020 target and forecast fan (as in the mid-term report); for a district its yearly
    figures beside the city's.

    >>> fig = chart("K01.gdp_const", "synthetic", 2018)
    >>> fig.layout.title.text.startswith("K01")
    True
    >>> chart("K02.revenue", "synthetic", 2018, region="上城区").data[0].name
    '上城区'
    """
    from ..analysis.outlook import outlook as _outlook
    from ..analysis.progress import assess
    from ..publish.content.display import FONT_FAMILY, new_figure
    from ..publish.content.figures import kpi_figure

    language = check_language(language)
    cat = _cat()
    ms = resolve_measures(measure)
    ds, year = _load(dataset, as_of, None)
    code = resolve_region(region).code  # None: the city
    kpi = cat.kpi(ms[0].kpi_id)
    if code == city_code():
        ks = next(k for k in assess(cat, ds, year) if k.kpi_id == kpi.id)
        ids = {m.id for m in ms}
        only = replace(kpi, measures=tuple(ms))
        fig = kpi_figure(only, ds, replace(ks, measures=tuple(x for x in ks.measures if x.measure_id in ids)), language,
                         {m.id: _outlook(m, ds, year) for m in ms})
        if fig is None:
            fig = new_figure()
            fig.update_layout(title=f"{kpi.id} {ms[0].name_zh}：暂无可绘制的数据" if language == "zh"
                              else f"{kpi.id} {ms[0].name_en}: no figures to draw")
        return fig
    import plotly.graph_objects as go

    m = ms[0]
    names = {r.code: (r.name_zh if language == "zh" else r.name_en) for r in _regions()}
    fig = new_figure()
    for c in (code, city_code()):
        s = _annual(ds, m.id, c, year)
        fig.add_trace(go.Scatter(x=s.index, y=s.values, mode="lines+markers", name=names[c],
                                 line={"dash": "solid" if c == code else "dot"}))
    label = (SYNTHETIC_NOTE_ZH if language == "zh" else " (synthetic demo data)") if ds.synthetic else ""
    title = (f"{m.kpi_id} {m.name_zh}（{m.unit}）：{names[code]}与全市{label}" if language == "zh"
             else f"{m.kpi_id} {m.name_en} ({unit_en(m.unit)}): {names[code]} and the city{label}")
    fig.update_layout(title=title, xaxis_title="年份" if language == "zh" else "year", font={"family": FONT_FAMILY})
    fig.update_xaxes(tickmode="linear", dtick=1, tickformat="d")  # whole years: never 2,015.5
    return fig


@stamped
def compare_regions(measure: str, dataset: str | None = None, month: str = "latest", *, as_of: int | str | None = None,
                    language: str = "zh") -> pd.DataFrame:
    """The city and every district on one measure at a month (``YYYY-MM``, or ``latest``: the
    dataset's latest month; with ``as_of``, a year or a date by the one as-of rule, the latest month of
    that year or before, on the figures known then), as in the monthly bulletin: region, region_name, month (int), value
    (year to date), unit, unit_en, multiplier, target (the year's, in ``unit``), required (what the
    month needs, in ``unit``: for a total, the part of the year's target due by the month; for a
    growth rate, the year's target rate; for a mean, the control value for the month), gap (the
    figure against what is required: for a total, the share of the year's target done minus the share
    due, as a fraction (0.044 = 4.4 points ahead); for a growth rate, percentage points; for a mean,
    the mean minus its control value; negative is behind for a total or a rate), status (ordered
    code), status_label, rank (Int64), rank_previous (Int64), year_end_estimate. A measure without figures that month gives these
    columns and no rows, with the reason in ``.attrs["note"]``.

    >>> c = compare_regions("K01.gdp_growth", "synthetic", "2018-06")
    >>> c.iloc[0]["region"], len(c)  # the city first, then its districts
    ('330100', 14)
    >>> [int(r) for r in sorted(c["rank"].dropna())[:3]]  # equal figures as printed share a rank
    [1, 2, 2]
    >>> int(compare_regions("K01.gdp_growth", "synthetic", as_of=2018)["month"].iloc[0])  # the latest month of 2018
    12
    """
    from ..analysis.pace import latest_month, month_pace
    from ..publish.content.bulletin import parse_month

    language = check_language(language)
    cat = _cat()
    m = resolve_measure(measure)
    year, known = _as_of(as_of)
    ds = load_dataset(check_dataset(dataset), cat, known_at=known)
    columns = ["region", "region_name", "month", "value", "unit", "target", "required", "gap", "status", "status_label", "rank",
               "rank_previous", "year_end_estimate"]
    empty = pd.DataFrame(columns=columns)
    if month == "latest":
        latest = latest_month(ds, year)
        if latest is None:
            empty.attrs["note"] = (f"dataset {ds.name} has no monthly figures" + (f" up to {year}" if year is not None else "")
                                   + (f" as known on {known}" if known else ""))
            return empty
        y, mon = latest
    else:
        y, mon = parse_month(month)
    mp = month_pace(cat, ds, y, mon)
    labels = STATUS_ZH if language == "zh" else STATUS_EN
    rows = []
    for r in _regions():
        p = mp.get(m.id, r.code)
        if p is None:
            continue
        rows.append({"region": r.code, "region_name": r.name_zh if language == "zh" else r.name_en, "month": p.month, "value": p.value,
                     "unit": m.unit, "target": p.target.value if p.target else None, "required": p.required, "gap": p.gap,
                     "status": p.status.value, "status_label": labels[p.status], "rank": p.rank, "rank_previous": p.rank_previous,
                     "year_end_estimate": p.estimate.estimate if p.estimate else None})
    if not rows:
        empty.attrs["note"] = (f"{m.id} has no district figures for {y}-{mon:02d}"
                               + (" (it is an annual measure: the bulletins compare monthly ones)" if m.frequency == "annual" else ""))
        return empty
    out = pd.DataFrame(rows, columns=columns)
    out.attrs.update(as_of=f"{y}-{mon:02d}", dataset=ds.name)
    out["status"] = out["status"].astype(STATUS_ORDER)
    for c in ("rank", "rank_previous", "month"):
        out[c] = pd.to_numeric(out[c]).astype("Int64")
    return out

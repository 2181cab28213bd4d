"""The researcher's API, part 1: what there is. The plan as tables, the datasets and their vintages,
the regions, related figures that are not the KPIs, a search by keyword, and a new dataset of one's
own. (Part 2, :mod:`kpitrack.api`: figures, statuses, forecasts, charts.)"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data.actuals import load_dataset
from ..data.regions import regions as _regions
from ..plan.catalogue import catalogue as _catalogue
from ..plan.responsible import responsible_units
from ..publish.content.params import check_dataset, check_language
from .args import in_language, stamped

__all__ = ["CatalogueTables", "catalogue", "datasets", "regions", "search", "vintages", "context", "new_dataset"]


@dataclass(frozen=True)
class CatalogueTables:
    """The plan as tables.

    - ``domains``: domain, name_zh, name_en
    - ``kpis``: kpi, domain, name_zh, name_en, target_zh, yearly_zh, measures (how many)
    - ``measures``: measure, kpi, name_zh, name_en, unit, direction (higher / lower is better),
      value_type (level, rate, flow), frequency (annual, quarterly, monthly)
    - ``targets``: one row per end or yearly target: measure, kind (end / yearly), target_kind (level,
      floor, ceiling, cumulative, average, …), year (int: the last year it covers), years (tuple of
      ints), value (float, NaN when the plan gives no number), unit (of the value: % for a growth rate,
      个百分点 for an increase of a measure in %), text_zh (the plan's words)
    - ``agencies``: the responsible agencies (责任单位): agency (its name in ``language``), agency_en,
      kpis (tuple), special_targets (tuple), also_named_zh (the plan's other names for it)
    - ``special_targets``: Table 2's sub-targets: special, special_name_zh, special_name_en, subtarget,
      name_zh, name_en, year, kind, value, unit, measure (the Table 1 measure that measures it, if any)

    Every table with a ``unit`` has ``unit_en`` and ``multiplier`` beside it (see :func:`kpitrack.api.args.in_language`).
    """

    domains: pd.DataFrame
    kpis: pd.DataFrame
    measures: pd.DataFrame
    targets: pd.DataFrame
    agencies: pd.DataFrame
    special_targets: pd.DataFrame


def catalogue(*, language: str = "zh") -> CatalogueTables:
    """The plan's KPIs, measures, targets, agencies and domains as DataFrames (see :class:`CatalogueTables`).
    With ``language="en"`` the tables leave out the plan's Chinese words (``…_zh``), give units in
    English and agencies by their English names (:func:`kpitrack.api.args.in_language`).

    >>> t = catalogue()
    >>> t.kpis.loc[t.kpis["kpi"] == "K01", "name_zh"].item()
    '地区生产总值'
    >>> end = t.targets.query("measure == 'K08.pm25' and kind == 'end'").iloc[0]
    >>> int(end["year"]), float(end["value"]), end["unit"]
    (2020, 42.0, 'μg/m³')
    >>> "economy" in set(t.domains["domain"])
    True
    """
    language = check_language(language)
    cat = _catalogue()
    domains = pd.DataFrame([{"domain": d.id, "name_zh": d.name_zh, "name_en": d.name_en} for d in cat.domains])
    kpis = pd.DataFrame([{"kpi": k.id, "domain": k.domain, "name_zh": k.name_zh, "name_en": k.name_en,
                          "target_zh": k.target_text_zh, "yearly_zh": k.yearly_text_zh, "measures": len(k.measures)}
                         for k in cat.kpis])
    measures = pd.DataFrame([{"measure": m.id, "kpi": m.kpi_id, "name_zh": m.name_zh, "name_en": m.name_en, "unit": m.unit,
                              "direction": m.direction, "value_type": m.value_type, "frequency": m.frequency}
                             for m in cat.measures])
    def unit_of(kind: str, unit: str) -> str:  # the unit of the target's own number: a growth rate is in %
        if kind == "growth":
            return "%"
        return "个百分点" if kind == "increment" and unit == "%" else unit

    targets = []
    for m in cat.measures:
        t = m.end_target
        targets.append({"measure": m.id, "kind": "end", "target_kind": t.kind, "year": t.year, "years": tuple(t.years) or (t.year,),
                        "value": t.value, "unit": unit_of(t.kind, m.unit), "text_zh": t.text_zh})
        for y in m.yearly_targets:
            targets.append({"measure": m.id, "kind": "yearly", "target_kind": y.kind, "year": max(y.years), "years": tuple(y.years),
                            "value": y.value, "unit": unit_of(y.kind, m.unit), "text_zh": y.text_zh})
    targets_df = pd.DataFrame(targets).astype({"year": "int64", "value": "float64"})
    english = cat.agency_names_en
    agencies = pd.DataFrame([{"agency": u.name if language == "zh" else english.get(u.name, ""), "agency_en": english.get(u.name, ""),
                              "kpis": tuple(u.kpis), "special_targets": tuple(u.special_targets), "also_named_zh": "、".join(u.aliases)}
                             for u in responsible_units(cat).values()])
    special = pd.DataFrame([{"special": s.id, "special_name_zh": s.name_zh, "special_name_en": s.name_en, "subtarget": t.id,
                             "name_zh": t.name_zh, "name_en": t.name_en, "year": t.year, "kind": t.kind, "value": t.value, "unit": t.unit,
                             "measure": t.measure or None}
                            for s in cat.special_targets for t in s.subtargets])
    tables = [in_language(t, language) for t in (domains, kpis, measures, targets_df, agencies, special)]
    return CatalogueTables(*tables)


@stamped
def datasets(*, language: str = "zh") -> pd.DataFrame:
    """The datasets kpitrack can read: dataset, title_zh, title_en, kind (official, test: figures typed
    in to try kpitrack, synthetic: generated by code), synthetic, figures, vintages.

    >>> d = datasets().set_index("dataset")
    >>> bool(d.loc["synthetic", "synthetic"]), bool(d.loc["hangzhou", "synthetic"])
    (True, False)
    """
    from ..data.actuals import list_datasets

    rows = []
    for name in list_datasets():
        ds = load_dataset(name, _catalogue())
        rows.append({"dataset": name, "title_zh": ds.title_zh, "title_en": ds.title_en, "kind": ds.kind, "synthetic": ds.synthetic,
                     "figures": len(ds.observations), "vintages": ds.vintage_count})
    return pd.DataFrame(rows, columns=["dataset", "title_zh", "title_en", "kind", "synthetic", "figures", "vintages"])


@stamped
def regions(*, language: str = "zh") -> pd.DataFrame:
    """The city and its districts and counties: code, name (in ``language``), name_zh, name_en, level,
    aliases (a tuple). Any of code (text or number), name_zh, name_en (with or without District) or
    an alias names a region in every function.

    >>> regions().set_index("code").loc["330106", "name_zh"]
    '西湖区'
    """
    language = check_language(language)
    from ..core.english import has_cjk

    return pd.DataFrame([{"code": r.code, "name": r.name_zh if language == "zh" else r.name_en, "name_zh": r.name_zh,
                          "name_en": r.name_en, "level": r.level,
                          "aliases": r.aliases if language == "zh" else tuple(a for a in r.aliases if not has_cjk(a))}
                         for r in _regions()])


@stamped
def search(text: str, *, language: str = "zh") -> pd.DataFrame:
    """Measures whose id, KPI, name (Chinese or English), KPI name or unit contains ``text`` (any
    case), and Table 2 sub-targets whose name does: columns kind (measure / subtarget), id, kpi,
    name_zh, name_en, unit.

    >>> search("空气")["id"].tolist()  # KPI names 空气质量（…）, and Table 2's 市区日空气质量达标天数
    ['K08.pm25', 'K09.good_air_days', 'S08.good_air_days']
    >>> "K08.pm25" in search("pm2.5")["id"].tolist() and "K08.pm25" in search("annual mean pm")["id"].tolist()
    True
    """
    t = str(text).strip().lower()
    cat = _catalogue()
    rows = []
    for m in cat.measures:
        k = cat.kpi(m.kpi_id)
        fields = [m.id, m.kpi_id, m.name_zh, m.name_en, m.unit, k.name_zh, k.name_en]
        if t and any(t in str(f).lower() for f in fields):
            rows.append({"kind": "measure", "id": m.id, "kpi": m.kpi_id, "name_zh": m.name_zh, "name_en": m.name_en, "unit": m.unit})
    for s in cat.special_targets:
        for st in s.subtargets:
            if t and any(t in str(f).lower() for f in (st.id, st.name_zh, st.name_en, s.name_zh, s.name_en)):
                rows.append({"kind": "subtarget", "id": st.id, "kpi": s.id, "name_zh": st.name_zh, "name_en": st.name_en, "unit": st.unit})
    return pd.DataFrame(rows, columns=["kind", "id", "kpi", "name_zh", "name_en", "unit"])


@stamped
def vintages(dataset: str | None = None, *, language: str = "zh") -> pd.DataFrame:
    """How a dataset's figures came in: one row per vintage: vintage (int), ingested_at (UTC
    timestamp), known_from (date), dated (bool: False when nobody stated the publication date, so
    known_from is the ingest day), source, rows, sha256 (of the file ingested).

    >>> v = vintages("hangzhou")
    >>> list(v["vintage"][:2]), str(v["known_from"].dtype)
    ([1, 2], 'datetime64[ns]')
    """
    from ..data.records import dataset_records

    manifest, _ = dataset_records(check_dataset(dataset), ())
    rows = [{"vintage": v.vintage, "ingested_at": pd.Timestamp(v.ingested_at), "known_from": pd.Timestamp(v.known_from),
             "dated": v.dated, "source": v.source, "rows": v.rows, "sha256": v.sha256} for v in manifest]
    out = pd.DataFrame(rows, columns=["vintage", "ingested_at", "known_from", "dated", "source", "rows", "sha256"])
    return out.astype({"vintage": "int64", "rows": "int64", "known_from": "datetime64[ns]", "dated": bool})


@stamped
def context(dataset: str | None = None, *, language: str = "zh") -> pd.DataFrame:
    """Figures a dataset keeps beside the KPIs because they are close to one but not it: series,
    year (int), value (as published: some are text), unit, quality, relates_to (the measure or
    sub-target), why_not_kpi (the reason, in ``language``), why_not_kpi_zh, why_not_kpi_en, source,
    note. Empty (with these columns) when it has none.

    >>> c = context("hangzhou")
    >>> c.loc[c["series"] == "urbanization_resident", "relates_to"].iloc[0]
    'K20.hukou_urbanisation'
    """
    ds = load_dataset(check_dataset(dataset), _catalogue())
    columns = ["series", "year", "value", "unit", "quality", "relates_to", "why_not_kpi", "why_not_kpi_zh", "why_not_kpi_en", "source",
               "note"]
    c = ds.context
    if c is None or c.empty:
        return pd.DataFrame(columns=columns)
    out = c.rename(columns={"period": "year"})
    if "why_not_kpi_en" not in out.columns:
        out["why_not_kpi_en"] = ""
    out["why_not_kpi"] = out["why_not_kpi_zh"] if check_language(language) == "zh" else out["why_not_kpi_en"]
    out["year"] = pd.to_numeric(out["year"].astype(str).str[:4], errors="coerce").astype("Int64")
    if check_language(language) == "en":  # a figure as published in words, a unit as printed: left to language="zh"
        from ..core.english import has_cjk

        for c in ("value",):
            if c in out.columns:
                out[c] = [("" if has_cjk(v) else v) if isinstance(v, str) else v for v in out[c]]
    return out[[x for x in columns if x in out.columns]].reset_index(drop=True)


def new_dataset(name: str, *, title_zh: str = "", title_en: str = "", description_zh: str = "", kind: str = "official") -> str:
    """Create an empty dataset (as ``kpitrack dataset new NAME [--kind test]``), to fill with
    ``kpitrack ingest FILE --dataset NAME``: a ledger, or what :func:`kpitrack.api.figures` returned,
    written to CSV. Returns its name."""
    from ..data.own import create_dataset

    create_dataset(name, title_zh, title_en, description_zh, kind=kind)
    return name

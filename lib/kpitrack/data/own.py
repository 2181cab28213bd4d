"""Datasets of one's own: a new empty dataset to ingest into (``kpitrack dataset new``), and a
dataset made of a DataFrame of figures (``kt.status(figures=df)``), checked by the same rules as
every stored figure."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.exceptions import Problem, Reason, ValidationError
from ..plan.catalogue import Catalogue
from .actuals import DATASET_NAME, Dataset, observations
from .regions import regions


def create_dataset(name: str, title_zh: str = "", title_en: str = "", description_zh: str = "",
                   actuals_dir: Path | None = None) -> Path:
    """A new, empty dataset of real figures under ``data/actuals/<name>/``, to be filled by
    ``kpitrack ingest --dataset <name>``. Refuses a name that is not letters, digits, ``-`` and ``_``
    or that exists."""
    from ..core.exceptions import KpitrackError, ParameterError
    from ..core.fileio import atomic_write_text, locked

    root = Path(actuals_dir) if actuals_dir else paths.actuals_dir()
    if not DATASET_NAME.match(str(name)):
        raise ParameterError(f"dataset name {name!r}: use letters, digits, - and _ (at most 64), starting with a letter or digit",
                             field="name")
    folder = root / name
    meta = (f"title_zh: {json.dumps(title_zh or name, ensure_ascii=False)}\n"
            f"title_en: {json.dumps(title_en or name, ensure_ascii=False)}\n"
            "synthetic: false\n"
            f"description_zh: {json.dumps(description_zh or '用户自建数据集，数据由 kpitrack ingest 导入。', ensure_ascii=False)}\n")
    root.mkdir(parents=True, exist_ok=True)
    with locked(root / f".{name}.create.lock", what=f"creating dataset {name}"):
        if (folder / "dataset.yaml").exists():
            raise KpitrackError(f"{folder}: dataset {name!r} exists already; nothing was changed", path=str(folder))
        (folder / "vintages").mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / "dataset.yaml", meta)
    return folder


def _conflicts(out: pd.DataFrame, given: pd.DataFrame, name: str) -> list[Problem]:
    """Two figures of one quantity that the rule cannot tell apart (same method, publication date and,
    when given, vintage) and that disagree: which counts would depend on the rows' order."""
    from .figures import effective_known_from

    key = ["measure_id", "region", "period", "method", "_known"]
    frame = out.assign(_known=effective_known_from(out, "") if len(out) else out["known_from"])
    if "vintage" in given:
        frame = frame.assign(vintage=given["vintage"].astype(str).to_numpy())
    if "vintage" in given:
        key.append("vintage")
    problems = []
    for _, g in frame[frame["value"].notna()].groupby(key, sort=False):
        if g["value"].nunique() > 1:
            first = int(g.index[0]) + 2
            for i in g.index[1:]:
                if g.at[i, "value"] != g["value"].iloc[0]:
                    problems.append(Problem(name, int(i) + 2, "value", (
                        f"{g.at[i, 'measure_id']} {g.at[i, 'region']} {g.at[i, 'period']}: {g.at[i, 'value']:g} here and "
                        f"{g['value'].iloc[0]:g} on row {first}, of the same method and publication date: which counts "
                        "cannot be told; remove one, or give the later its own known_from"), Reason.DUPLICATE))
    return problems


def _day(x: object) -> str | None:
    """A publication date as given: a date, a timestamp or the text YYYY-MM-DD; "" when none is
    given; None when it cannot be read as one (an integer 20190601 is not read as nanoseconds)."""
    import datetime as _dt

    if x is None or (isinstance(x, float) and x != x) or x is pd.NaT or (isinstance(x, str) and not x.strip()):
        return ""
    if isinstance(x, (pd.Timestamp, _dt.datetime)):
        return x.strftime("%Y-%m-%d")
    if isinstance(x, _dt.date):
        return x.isoformat()
    if isinstance(x, str):
        try:
            return _dt.date.fromisoformat(x.strip()[:10]).isoformat() if len(x.strip()) in (10, 19, 20, 25) else None
        except ValueError:
            return None
    return None


def dataset_from_figures(df: pd.DataFrame, cat: Catalogue, name: str = "figures") -> Dataset:
    """A dataset made of a DataFrame of figures in the schema of ``kt.figures()`` (``measure_id`` or
    ``measure``, ``region`` code or name, ``period``, ``value``; optionally ``unit``, ``quality``,
    ``method``, ``source``, ``note``, ``known_from``), every row checked by the rules every stored
    figure keeps; a problem names the row (the frame's position + 2, as a spreadsheet would) and field."""
    from .rules import Context, broken

    if not isinstance(df, pd.DataFrame):
        raise ValidationError([Problem(name, None, "-", f"expected a DataFrame of figures, got a {type(df).__name__}",
                                       Reason.WRONG_TYPE)], "figures validation")
    f = df.rename(columns={"measure": "measure_id"}).reset_index(drop=True)
    missing = [c for c in ("measure_id", "region", "period", "value") if c not in f.columns]
    if missing:
        raise ValidationError([Problem(name, 1, ",".join(missing), "missing column(s)", Reason.MISSING)], "figures validation")
    units = {m.id: m.unit for m in cat.measures}
    days = [_day(x) for x in f["known_from"]] if "known_from" in f else None
    by_name = {}
    for r in regions():
        for key in (r.code, r.name_zh, r.name_en, *r.aliases):
            by_name[key] = r.code
    out = pd.DataFrame({
        "measure_id": f["measure_id"].astype(str),
        "region": [by_name.get(str(int(x)) if isinstance(x, (int, float)) and float(x).is_integer() else str(x), str(x))
                   for x in f["region"]],
        "period": [str(int(x)) if isinstance(x, (int, float)) and float(x).is_integer() else str(x)
                   for x in f["period"]],
        "value": pd.to_numeric(f["value"], errors="coerce"),
        "unit": f["unit"].astype(str) if "unit" in f else f["measure_id"].map(units).fillna(""),
        "quality": f["quality"].astype(str) if "quality" in f else "reported",
        "method": f["method"].astype(str) if "method" in f else "official",
        "source": f["source"].fillna("").astype(str) if "source" in f else name,
        "note": f["note"].fillna("").astype(str) if "note" in f else "",
        "known_from": [d or "" for d in days] if days is not None else ""})
    synthetic = bool((out["quality"] == "synthetic").any())
    problems = [Problem(name, int(i) + 2, "value", f"{f['value'].iloc[i]!r} is not a number", Reason.WRONG_TYPE)
                for i in range(len(out)) if pd.isna(out["value"].iloc[i])]
    # a True is not a figure (pandas reads it as 1.0); a date no one can read is not a publication date
    import numpy as np

    problems += [Problem(name, int(i) + 2, "value", f"{f['value'].iloc[i]!r} is not a number", Reason.WRONG_TYPE)
                 for i in range(len(out)) if isinstance(f["value"].iloc[i], (bool, np.bool_))]
    if days is not None:
        problems += [Problem(name, int(i) + 2, "known_from", f"{f['known_from'].iloc[i]!r} is not a date YYYY-MM-DD", Reason.WRONG_TYPE)
                     for i, d in enumerate(days) if d is None]
    problems += _conflicts(out, f, name)
    found = broken(out.assign(value=out["value"].fillna(0.0)), Context(cat, frozenset(r.code for r in regions()),
                                                                       synthetic=synthetic, stored=False))
    problems += [Problem(name, int(i) + 2, rule.column, message, rule.reason) for i, rule, message in found]
    if problems:
        raise ValidationError(sorted(problems, key=lambda p: (p.row or 0, p.field)), "figures validation")
    out["value"] = out["value"].map(lambda v: f"{v:.10g}")
    return Dataset(name, name, name, synthetic, "", observations(out), pd.DataFrame(), None, None, None, "")

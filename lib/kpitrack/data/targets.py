"""Yearly targets assigned by the city government (市政府下达的年度目标), per dataset.

The plan gives yearly numbers for some measures (PM2.5 49 μg/m³ in 2018) and, for others, only
"完成市政府下达指标": the number is set each year by the city. Those numbers live in
``data/actuals/<dataset>/targets.csv`` (columns :data:`TARGET_COLUMNS`; a region by code or name,
the target in the catalogue unit of the measure, where it comes from). The synthetic dataset ships
synthetic ones; the Hangzhou dataset has none until real ones are entered. Where a region has no
target of its own, :mod:`kpitrack.analysis.pace` passes the city's target down (see docs/methods.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..core.exceptions import Problem, Reason, UnknownNameError, ValidationError
from ..plan.catalogue import Catalogue
from ..plan.schema import plan_base_year, plan_end_year
from .regions import resolve

TARGETS = "targets.csv"
TARGET_COLUMNS = ["measure_id", "region", "year", "target", "unit", "source", "note"]


def load_targets(folder: Path, cat: Catalogue, retired: Iterable = ()) -> pd.DataFrame:
    """The assigned yearly targets of a dataset (empty when it has none), regions as codes; rows a
    later plan retired (``retired``: :class:`kpitrack.data.retired.Retirement` lines) left out.

    Raises
    ------
    ValidationError
        With every problem of the file, each naming file, row and field.
    """
    path = Path(folder) / TARGETS
    if not path.is_file():
        return pd.DataFrame(columns=TARGET_COLUMNS).astype({"year": "int64", "target": "float64"})
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems: list[Problem] = []
    missing = [c for c in TARGET_COLUMNS if c not in df.columns]
    if missing:
        raise ValidationError([Problem(str(path), 1, c, "missing column", Reason.MISSING) for c in missing], "targets validation")
    codes, years, values = [], [], []
    retired = [ln for ln in retired if ln.active]
    if retired:
        def gone(r) -> bool:
            reg = resolve(r["region"])
            return any(ln.covers(r["measure_id"], r["unit"], reg.code if reg else r["region"]) for ln in retired)

        df = df[[not gone(r) for _, r in df.iterrows()]]
    for i, r in df.iterrows():
        row = int(i) + 2
        try:
            m = cat.measure(r["measure_id"])
            if r["unit"] != m.unit:
                problems.append(Problem(str(path), row, "unit", f"unit {r['unit']!r} is not the catalogue unit {m.unit!r} of {m.id}"))
        except UnknownNameError:
            problems.append(Problem(str(path), row, "measure_id", f"unknown KPI measure {r['measure_id']!r}", Reason.UNKNOWN_REFERENCE))
        reg = resolve(r["region"])
        if reg is None:
            problems.append(Problem(str(path), row, "region", f"unknown region {r['region']!r}", Reason.UNKNOWN_REFERENCE))
        codes.append(reg.code if reg else "")
        year = int(r["year"]) if (r["year"].isascii() and r["year"].isdigit()) else 0
        if not plan_base_year() < year <= plan_end_year():
            problems.append(Problem(str(path), row, "year", f"year {r['year']!r} is not a plan year {plan_base_year() + 1}-{plan_end_year()}",
                                    Reason.OUT_OF_RANGE))
        years.append(year)
        try:
            value = float(r["target"])
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            problems.append(Problem(str(path), row, "target", f"target {r['target']!r} is not a finite number", Reason.WRONG_TYPE))
            value = math.nan
        values.append(value)
        if not r["source"].strip():
            problems.append(Problem(str(path), row, "source", "every target needs its source", Reason.MISSING))
    dup = df.assign(region=codes).duplicated(["measure_id", "region", "year"], keep="first")
    for i in df.index[dup]:
        problems.append(Problem(str(path), int(i) + 2, "year", "a second target for the same measure, region and year", Reason.DUPLICATE))
    if problems:
        raise ValidationError(problems, "targets validation")
    return df.assign(region=codes, year=years, target=values)[TARGET_COLUMNS]

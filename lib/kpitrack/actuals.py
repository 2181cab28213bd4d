"""Actual figures: datasets of observations of KPI measures, with source and quality kept.

A dataset is a folder ``data/actuals/<name>/`` with ``dataset.yaml`` (title, whether it is
synthetic) and ``observations.csv`` (one row per figure). Optional ``context.csv`` holds related
figures that are not the KPI (e.g. resident urbanisation next to the hukou urbanisation KPI).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import paths
from .exceptions import Problem, Reason, UnknownNameError, ValidationError
from .plan import Catalogue
from .schema import BASE_YEAR, PLAN_END, Checker
from .yamlio import load_yaml

COLUMNS = ["measure_id", "region", "period", "value", "unit", "quality", "method", "revision", "source", "note"]
QUALITIES = ("reported", "preliminary", "derived", "synthetic")
METHODS = ("official", "daily-derived", "synthetic")
#: Preference among several figures for one measure, region and year: lower is preferred.
QUALITY_RANK = {"reported": 0, "preliminary": 1, "derived": 2, "synthetic": 3}
CITY = "330100"  # 杭州市, GB/T 2260 code


@dataclass(frozen=True)
class Dataset:
    """A loaded dataset: its metadata and its observations as a DataFrame (columns :data:`COLUMNS`)."""

    name: str
    title_zh: str
    title_en: str
    synthetic: bool
    description_zh: str
    observations: pd.DataFrame
    context: pd.DataFrame

    @property
    def label_zh(self) -> str:
        """How the dataset is named in every output; synthetic data always says so."""
        return f"{self.title_zh}（合成数据，仅供演示）" if self.synthetic else self.title_zh


def list_datasets(actuals_dir: Path | None = None) -> list[str]:
    root = Path(actuals_dir) if actuals_dir else paths.actuals_dir()
    return sorted(p.name for p in root.iterdir() if (p / "dataset.yaml").is_file()) if root.is_dir() else []


def load_dataset(name: str, cat: Catalogue, actuals_dir: Path | None = None) -> Dataset:
    """Load and validate one dataset against the catalogue.

    Raises
    ------
    UnknownNameError
        If there is no such dataset (the message lists the known ones).
    ValidationError
        With every problem found, each naming file, row and field.
    """
    root = Path(actuals_dir) if actuals_dir else paths.actuals_dir()
    folder = root / name
    if not (folder / "dataset.yaml").is_file():
        raise UnknownNameError("dataset", name, list_datasets(root))
    meta = load_yaml(folder / "dataset.yaml", str(folder / "dataset.yaml"))
    c = Checker(str(folder / "dataset.yaml"))
    title_zh = c.require(meta, "title_zh", "", str)
    title_en = c.require(meta, "title_en", "", str)
    synthetic = c.require(meta, "synthetic", "", bool)
    c.raise_if_any("dataset validation")
    obs = read_observations(folder / "observations.csv", cat)
    if synthetic and not (obs["quality"] == "synthetic").all():
        raise ValidationError([Problem(str(folder / "observations.csv"), None, "quality",
                                       "a synthetic dataset may only hold quality 'synthetic'", Reason.INCONSISTENT)])
    if not synthetic and (obs["quality"] == "synthetic").any():
        raise ValidationError([Problem(str(folder / "observations.csv"), None, "quality",
                                       "synthetic figures in a dataset not marked synthetic", Reason.INCONSISTENT)])
    ctx_path = folder / "context.csv"
    context = pd.read_csv(ctx_path, dtype=str, keep_default_na=False) if ctx_path.is_file() else pd.DataFrame()
    return Dataset(name, title_zh, title_en, bool(synthetic), str(meta.get("description_zh", "")), obs, context)


def read_observations(path: Path, cat: Catalogue) -> pd.DataFrame:
    """Read and validate an observations file; every problem is reported at once."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError([Problem(name, None, "-", "file not found", Reason.MISSING)]) from None
    except UnicodeDecodeError as exc:
        raise ValidationError([Problem(name, None, "-", f"not UTF-8 text ({exc.reason})", Reason.UNREADABLE)]) from None
    c = Checker(name)
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != COLUMNS:
        c.add(1, "header", f"expected columns {','.join(COLUMNS)}, got {','.join(reader.fieldnames or [])}")
        c.raise_if_any("observations validation")
    rows, seen = [], {}
    for row_no, row in enumerate(reader, start=2):
        if None in row or any(v is None for v in row.values()):
            c.add(row_no, "-", "wrong number of columns")
            continue
        mid = row["measure_id"]
        try:
            m = cat.measure(mid)
        except UnknownNameError:
            c.add(row_no, "measure_id", f"unknown KPI measure {mid!r}", Reason.UNKNOWN_REFERENCE)
            m = None
        if m is not None and row["unit"] != m.unit:
            c.add(row_no, "unit", f"unit {row['unit']!r} does not match the catalogue unit {m.unit!r} of {mid}", Reason.INCONSISTENT)
        try:
            period = int(row["period"])
            if not BASE_YEAR <= period <= PLAN_END:
                c.add(row_no, "period", f"year {period} outside {BASE_YEAR}-{PLAN_END}", Reason.OUT_OF_RANGE)
        except ValueError:
            c.add(row_no, "period", f"expected a year, got {row['period']!r}", Reason.WRONG_TYPE)
            period = None
        try:
            value = float(row["value"])
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            c.add(row_no, "value", f"expected a number, got {row['value']!r}", Reason.WRONG_TYPE)
            value = None
        if value is not None and m is not None:
            if m.unit == "%" and m.value_type == "level" and not 0 <= value <= 100:
                c.add(row_no, "value", f"a percentage must lie in 0-100, got {value}", Reason.OUT_OF_RANGE)
            if m.value_type != "rate" and value < 0:
                c.add(row_no, "value", f"negative value {value} for {mid}", Reason.OUT_OF_RANGE)
        if row["quality"] not in QUALITIES:
            c.add(row_no, "quality", f"{row['quality']!r} is not one of {', '.join(QUALITIES)}", Reason.NOT_ALLOWED)
        if row["method"] not in METHODS:
            c.add(row_no, "method", f"{row['method']!r} is not one of {', '.join(METHODS)}", Reason.NOT_ALLOWED)
        if not row["source"].strip():
            c.add(row_no, "source", "every figure needs its source", Reason.MISSING)
        try:
            revision = int(row["revision"])
        except ValueError:
            c.add(row_no, "revision", f"expected an integer, got {row['revision']!r}", Reason.WRONG_TYPE)
            revision = None
        key = (mid, row["region"], period, row["quality"], row["method"], revision)
        if key in seen:
            c.add(row_no, "-", f"duplicate of row {seen[key]} (same measure, region, year, quality, method, revision)", Reason.DUPLICATE)
        seen[key] = row_no
        rows.append({**row, "period": period, "value": value, "revision": revision})
    c.raise_if_any("observations validation")
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.astype({"period": "int64", "value": "float64", "revision": "int64"})


def write_observations(df: pd.DataFrame, path: Path) -> None:
    """Write observations in the canonical column order, sorted, atomically."""
    out = df[COLUMNS].sort_values(["measure_id", "region", "period", "method", "revision"], kind="stable")
    tmp = Path(path).with_suffix(".tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(tmp, index=False, lineterminator="\n", float_format="%.10g")
    tmp.replace(path)


def best_values(obs: pd.DataFrame, region: str = CITY, as_of: int | None = None) -> pd.DataFrame:
    """One figure per measure and year: the preferred quality, then the latest revision.

    Returns the chosen rows (same columns), for ``region`` and years up to ``as_of``.
    """
    df = obs[obs["region"] == region]
    if as_of is not None:
        df = df[df["period"] <= as_of]
    if df.empty:
        return df.copy()
    df = df.assign(_rank=df["quality"].map(QUALITY_RANK))
    df = df.sort_values(["measure_id", "period", "_rank", "revision"], ascending=[True, True, True, False], kind="stable")
    return df.drop_duplicates(["measure_id", "period"], keep="first").drop(columns="_rank").reset_index(drop=True)


def series(obs: pd.DataFrame, measure_id: str, *, region: str = CITY, as_of: int | None = None) -> pd.DataFrame:
    """The preferred figures of one measure by year (columns: period, value, quality, method, source, note)."""
    best = best_values(obs[obs["measure_id"] == measure_id], region, as_of)
    return best[["period", "value", "quality", "method", "source", "note"]].reset_index(drop=True)

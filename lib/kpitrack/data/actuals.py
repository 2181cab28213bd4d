"""Actual figures: datasets of observations of KPI measures, with source, quality and vintage.

A dataset is a folder ``data/actuals/<name>/`` with ``dataset.yaml`` (title, whether synthetic),
its vintage store (``vintages.csv`` and ``vintages/``, see :mod:`kpitrack.store`) and optionally
``context.csv``: related figures that are not the KPI. Figures are known from a date (their
publication date where the source gives one, else the day they were collected or ingested);
loading a dataset ``known_at`` a date shows the data as it was known then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Union
from pathlib import Path

import pandas as pd

from ..core.labels import SYNTHETIC_NOTE_ZH
from ..core import paths
from ..core.exceptions import Problem, UnknownNameError, ValidationError
from ..plan.catalogue import Catalogue
from .regions import city_code, regions
from ..plan.schema import Checker
from .store import FIGURE_COLUMNS, read_figures, read_manifest
from .targets import load_targets
from ..core.yamlio import load_yaml

from .rules import METHODS, QUALITIES  # noqa: F401 - the allowed values, defined with the rules
from .figures import (DERIVED_METHODS, METHOD_RANK, SERIES_COLUMNS, UNKNOWN_DATE_RULE_EN, UNKNOWN_DATE_RULE_ZH,  # noqa: F401
                      FigureBook, assumed_known_from, effective_known_from)
#: ``dated``: whether anybody stated when the figure was published (see :meth:`Dataset.undated`).
OBS_COLUMNS = FIGURE_COLUMNS + ["vintage", "year", "month", "dated"]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

__all__ = ["city_code", "Dataset", "load_dataset", "list_datasets", "observations", "best_values", "kpi_series", "context_series",
           "ytd_table", "book_of"]


@dataclass(frozen=True)
class Dataset:
    """A loaded dataset: metadata and observations (columns :data:`OBS_COLUMNS`)."""

    name: str
    title_zh: str
    title_en: str
    synthetic: bool
    description_zh: str
    observations: pd.DataFrame
    context: pd.DataFrame
    known_at: str | None = None
    folder: Path | None = None
    #: Yearly targets assigned by the city government (see :mod:`kpitrack.data.targets`).
    targets: pd.DataFrame | None = None
    #: The day the dataset's figures were gathered (``collected`` in dataset.yaml): a figure whose
    #: publication date nobody knows carries it as its known-from date, and is shown as 未知.
    collected: str = ""
    #: Stored figures a later plan retired (:mod:`kpitrack.data.retired`): kept for audit, read by no
    #: verdict; the columns of the stored figures and ``retired_reason``.
    retired: pd.DataFrame | None = None

    def undated(self, obs: pd.DataFrame | None = None) -> pd.Series:
        """Which figures (of ``obs``, default all) have a publication date nobody knows, shown 未知 and
        never setting a document's cut-off: no date; the day the bundled figures were gathered
        (``collected``); or the ingest day of a vintage ingested without ``--known-from``."""
        obs = self.observations if obs is None else obs
        known = obs["known_from"].astype(str)
        out = (known == "") | ~obs["dated"].astype(bool) if "dated" in obs else known == ""
        return out | (known == self.collected) if self.collected else out

    @cached_property
    def book(self) -> FigureBook:
        """Every figure with the one rule applied (:mod:`kpitrack.data.figures`), made once."""
        return FigureBook(self.observations, self.collected)

    @cached_property
    def assigned(self) -> dict[tuple[str, str, int], float]:
        """Yearly targets assigned by the city government, by (measure, region, year)."""
        t = self.targets
        if t is None or t.empty:
            return {}
        return {(r.measure_id, r.region, int(r.year)): float(r.target) for r in t.itertuples()}

    def special_ledger(self, cat: Catalogue):
        """Table 2's special-targets ledger as known at the dataset's date (none without a folder)."""
        from .special import FILE, SpecialLedger, read_special

        if self.folder is None:
            return SpecialLedger(Path(FILE), None)
        return read_special(self.folder, cat, self.known_at, synthetic=self.synthetic)

    def standards_ledger(self, cat: Catalogue):
        """Table 5's standards ledger as known at the dataset's date (none without a folder)."""
        from .standards import FILE, StandardsLedger, read_standards

        return StandardsLedger(Path(FILE), None) if self.folder is None else read_standards(self.folder, cat, self.known_at)

    def rectification_ledger(self, cat: Catalogue):
        """Table 3's rectification ledger as known at the dataset's date (none without a folder)."""
        from .rectification import FILE, RectificationLedger, read_rectification

        return RectificationLedger(Path(FILE), None) if self.folder is None else read_rectification(self.folder, cat, self.known_at)

    @property
    def vintage_count(self) -> int:
        """How many vintages (ingests) the dataset's figures have."""
        return len(read_manifest(self.folder)) if self.folder is not None else 0

    @property
    def label_zh(self) -> str:
        """How the dataset is named in every output; synthetic data always says so."""
        label = f"{self.title_zh}{SYNTHETIC_NOTE_ZH}" if self.synthetic else self.title_zh
        return label + (f"（截至{self.known_at}已知的数据）" if self.known_at else "")


def list_datasets(actuals_dir: Path | None = None) -> list[str]:
    root = Path(actuals_dir) if actuals_dir else paths.actuals_dir()
    return sorted(p.name for p in root.iterdir() if (p / "dataset.yaml").is_file()) if root.is_dir() else []


DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def dataset_folder(name: str, actuals_dir: Path | None = None) -> Path:
    """The folder of a dataset under ``data/actuals/``; a name is letters, digits, ``-`` and ``_``
    (never a path: ``../x`` or ``/tmp/x`` is refused before anything is read or written)."""
    root = Path(actuals_dir) if actuals_dir else paths.actuals_dir()
    if not DATASET_NAME.match(str(name)):
        raise UnknownNameError("dataset", str(name), list_datasets(root))
    folder = root / name
    if not (folder / "dataset.yaml").is_file():
        raise UnknownNameError("dataset", name, list_datasets(root))
    return folder


def check_date(text: str, what: str = "date") -> str:
    if not DATE.match(str(text)):
        raise ValueError(f"{what} must be a date YYYY-MM-DD, got {text!r}")
    try:
        pd.Timestamp(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a calendar date") from None
    return str(text)


def observations(figures: pd.DataFrame) -> pd.DataFrame:
    """Typed observations from raw figures: value as float, year and month (0 = the whole year)."""
    df = figures.copy()
    for col in FIGURE_COLUMNS:
        if col not in df:
            df[col] = ""
    if "vintage" not in df:
        df["vintage"] = 0
    df["dated"] = df["dated"].astype(bool) if "dated" in df else True
    period = df["period"].astype(str)
    df["period"] = period
    df["year"] = period.str[:4].astype("int64") if len(df) else pd.Series(dtype="int64")
    df["month"] = period.str[5:7].replace("", "0").astype("int64") if len(df) else pd.Series(dtype="int64")
    df["value"] = df["value"].astype("float64")
    df["vintage"] = df["vintage"].astype("int64")
    return df[OBS_COLUMNS].reset_index(drop=True)


def load_dataset(name: str, cat: Catalogue, actuals_dir: Path | None = None, known_at: str | None = None) -> Dataset:
    """Load and check one dataset; with ``known_at`` (YYYY-MM-DD) only figures known by then.

    Raises
    ------
    UnknownNameError
        If there is no such dataset (the message lists the known ones).
    ValidationError
        With every problem found in its files, each naming file, row and field.
    """
    folder = dataset_folder(name, actuals_dir)
    meta = load_yaml(folder / "dataset.yaml", str(folder / "dataset.yaml"))
    c = Checker(str(folder / "dataset.yaml"))
    title_zh = c.require(meta, "title_zh", "", str)
    title_en = c.require(meta, "title_en", "", str)
    synthetic = c.require(meta, "synthetic", "", bool)
    c.raise_if_any("dataset validation")
    if known_at is not None:
        known_at = check_date(known_at, "known_at")
    from . import retired

    stored = read_figures(folder)
    lines = retired.read(folder)
    figures, gone = retired.split(stored, lines)
    _check(figures, folder, cat, bool(synthetic), stored.groupby("vintage").cumcount() + 2)
    collected = str(meta.get("collected") or "")
    if known_at is not None:
        figures = figures[effective_known_from(figures, collected) <= known_at]
    ctx_path = folder / "context.csv"
    context = pd.read_csv(ctx_path, dtype=str, keep_default_na=False) if ctx_path.is_file() else pd.DataFrame()
    return Dataset(name, title_zh, title_en, bool(synthetic), str(meta.get("description_zh", "")), observations(figures),
                   context, known_at, folder, load_targets(folder, cat, lines), collected, gone)


def _check(figures: pd.DataFrame, folder: Path, cat: Catalogue, synthetic: bool, row_in_file: pd.Series) -> None:
    """The stored figures were checked when they came in (:mod:`kpitrack.data.rules`, the same
    table); check again what a hand edit could break, naming the vintage file and its row."""
    from .rules import Context, broken

    files = {v.vintage: str(folder / v.file) for v in read_manifest(folder)}
    ctx = Context(cat, frozenset(r.code for r in regions()), synthetic=synthetic, stored=True)
    found = broken(figures, ctx)
    if not found:
        return
    problems = [Problem(files.get(figures.at[i, "vintage"], str(folder)), int(row_in_file[i]), rule.column, message, rule.reason)
                for i, rule, message in found]
    raise ValidationError(problems, "dataset validation")


#: What the figure functions read: a dataset (its book is kept), a book, or a frame of observations.
FigureSource = Union["Dataset", FigureBook, pd.DataFrame]


def book_of(source: FigureSource) -> FigureBook:
    """The :class:`FigureBook` of a dataset (kept for its life), a book itself, or a new book of a
    frame of observations (made afresh each call: pass the dataset where there is one)."""
    if isinstance(source, FigureBook):
        return source
    if isinstance(source, Dataset):
        return source.book
    return FigureBook(source)


def best_values(source: FigureSource, region: str | None = None, as_of: int | None = None) -> pd.DataFrame:
    """The chosen yearly figure of every measure and year in ``region`` (the rule of
    :mod:`kpitrack.data.figures`; derived figures included: :func:`kpi_series` leaves out those that
    are context), as rows of observations."""
    return book_of(source).chosen_yearly(region or city_code(), as_of)


def kpi_series(source: FigureSource, measure_id: str, *, region: str | None = None,
               as_of: int | None = None) -> pd.DataFrame:
    """The yearly figures that count of one measure (columns: period = the year, value, quality,
    method, source, note, known_from): :meth:`FigureBook.yearly`. A derived series never starts a
    trajectory, never shares a line with published figures and never enters a status or a forecast;
    :func:`context_series` gives it to show apart."""
    return book_of(source).yearly(measure_id, region or city_code(), as_of)


def context_series(source: FigureSource, measure_id: str, *, region: str | None = None,
                   as_of: int | None = None) -> pd.DataFrame:
    """The derived yearly figures :func:`kpi_series` leaves out (empty when it leaves none out): the
    derived figure of each year, also of years that have a published one."""
    return book_of(source).context(measure_id, region or city_code(), as_of)


def ytd_table(source: FigureSource, measure_id: str, region: str | None = None) -> pd.DataFrame:
    """Year-to-date figures of a measure as a table: index year, columns months 1-12 (12 is the
    year's figure: its own, else December's, chosen by the one rule)."""
    return book_of(source).grid(measure_id, region or city_code()).table()

"""Figures a new plan retired: kept in the store, read by no verdict.

The store never deletes a record. When ``kpitrack plan import --archive`` brings in a plan that drops
a measure, changes a measure's unit, or drops a region while a dataset holds figures of it, the
figures stay in the store as they were ingested (and in ``kpitrack store export``), and a line of the
dataset's ``retired.csv`` says which of them the plan no longer reads, since when and why:

======================  ==========================================================================
``measure_id``          the measure whose figures are retired (empty: every measure)
``unit``                only figures in this unit (a unit change; empty: any unit)
``region``              only figures of this region (a dropped region; empty: every region)
``through_vintage``     only figures of this vintage or an earlier one: a figure ingested after the
                        retirement (the measure brought back, the new unit) is read again
``retired_at``          when (UTC), ``plan_file`` the workbook imported, ``reason`` a code
======================  ==========================================================================

:func:`split` divides a dataset's stored figures into those the plan reads and those it retired
(:attr:`kpitrack.data.actuals.Dataset.retired`, for audit). Only the data layer knows the file name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.exceptions import Problem, Reason, ValidationError

FILE = "retired.csv"
COLUMNS = ["measure_id", "unit", "region", "through_vintage", "retired_at", "plan_file", "reason"]
#: Why figures were retired (the ``reason`` column).
REASONS = {"measure_dropped": "新规划不再包含该指标", "unit_changed": "新规划改变了该指标的计量单位",
           "region_dropped": "新规划不再包含该地区"}


@dataclass(frozen=True)
class Retirement:
    """One line of ``retired.csv``: which stored figures the plan no longer reads."""

    measure_id: str
    unit: str
    region: str
    through_vintage: int
    retired_at: str
    plan_file: str
    reason: str

    def matches(self, figures: pd.DataFrame) -> pd.Series:
        """Which rows of a frame of stored figures this line retires."""
        hit = figures["vintage"].astype("int64") <= self.through_vintage
        if self.measure_id:
            hit &= figures["measure_id"].astype(str) == self.measure_id
        if self.unit:
            hit &= figures["unit"].astype(str) == self.unit
        if self.region:
            hit &= figures["region"].astype(str) == self.region
        return hit

    def row(self) -> list[str]:
        return [self.measure_id, self.unit, self.region, str(self.through_vintage), self.retired_at, self.plan_file, self.reason]


def path_of(folder: Path) -> Path:
    return Path(folder) / FILE


def read(folder: Path) -> list[Retirement]:
    """The retirements of the dataset in ``folder`` (none when it has no ``retired.csv``).

    Raises
    ------
    ValidationError
        A hand-edited file that cannot be read, naming its row and column.
    """
    path = path_of(folder)
    if not path.exists() and not path.is_symlink():
        return []
    from ..core.input_files import refusal

    refused = refusal(path, 100_000, "list of retired figures")
    if refused:
        raise ValidationError([Problem(str(path), None, refused[0], refused[1], Reason.UNREADABLE)], "dataset validation")
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))), [])
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValidationError([Problem(str(path), None, "-", f"not a readable UTF-8 CSV file: {exc}", Reason.WRONG_TYPE)],
                              "dataset validation") from None
    if header != COLUMNS:
        raise ValidationError([Problem(str(path), 1, "-", f"the columns must be {','.join(COLUMNS)}; found {','.join(header)}",
                                       Reason.MISSING)], "dataset validation")
    out, problems = [], []
    for line, r in enumerate(rows, start=2):
        if None in r or any(v is None for v in r.values()):
            problems.append(Problem(str(path), line, "-", "the row does not have the file's columns", Reason.WRONG_TYPE))
            continue
        through = r["through_vintage"].strip()
        if not through.isascii() or not through.isdigit():
            problems.append(Problem(str(path), line, "through_vintage", f"{through!r} is not a vintage number", Reason.WRONG_TYPE))
            continue
        if r["reason"] not in REASONS:
            problems.append(Problem(str(path), line, "reason", f"{r['reason']!r} is not one of {', '.join(REASONS)}", Reason.NOT_ALLOWED))
            continue
        if not (r["measure_id"] or r["region"]):
            problems.append(Problem(str(path), line, "measure_id", "a line retires the figures of a measure or of a region: both are empty",
                                    Reason.MISSING))
            continue
        out.append(Retirement(r["measure_id"], r["unit"], r["region"], int(through), r["retired_at"], r["plan_file"], r["reason"]))
    if problems:
        raise ValidationError(problems, "dataset validation")
    return out


def split(figures: pd.DataFrame, lines: Iterable[Retirement]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stored figures the plan reads and those it retired (each with the reason code)."""
    lines = list(lines)
    if not lines or figures.empty:
        return figures, figures.iloc[0:0].assign(retired_reason=pd.Series(dtype=str))
    gone = pd.Series(False, index=figures.index)
    reason = pd.Series("", index=figures.index, dtype=object)
    for ln in lines:
        hit = ln.matches(figures) & ~gone
        reason[hit] = ln.reason
        gone |= hit
    return figures[~gone], figures[gone].assign(retired_reason=reason[gone])


def text_with(folder: Path, new: Iterable[Retirement]) -> str:
    """The dataset's ``retired.csv`` with ``new`` lines added after those it holds."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for ln in [*read(folder), *new]:
        w.writerow(ln.row())
    return buf.getvalue()

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
``restored_at``         when a later plan brought the measure, unit or region back (the line is
                        kept, as history, and retires nothing any more); empty while it holds
======================  ==========================================================================

The same lines retire the dataset's assigned targets (``targets.csv``) of that measure, unit or region.

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
COLUMNS = ["measure_id", "unit", "region", "through_vintage", "retired_at", "plan_file", "reason", "restored_at"]
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
    restored_at: str = ""

    @property
    def active(self) -> bool:
        return not self.restored_at

    def covers(self, measure_id: str, unit: str, region: str) -> bool:
        """Whether this line retires a record of ``measure_id`` in ``unit`` of ``region`` (any vintage)."""
        return (self.active and (not self.measure_id or self.measure_id == measure_id) and (not self.unit or self.unit == unit)
                and (not self.region or self.region == region))

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
        return [self.measure_id, self.unit, self.region, str(self.through_vintage), self.retired_at, self.plan_file, self.reason,
                self.restored_at]


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
    if path.is_symlink():
        raise ValidationError([Problem(str(path), None, "-", "the list of retired figures is a symbolic link: it must be a file "
                                       "of the dataset", Reason.NOT_ALLOWED)], "dataset validation")
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
        if not through.isascii() or not through.isdigit() or len(through) > 9:
            problems.append(Problem(str(path), line, "through_vintage", f"{through!r} is not a vintage number", Reason.WRONG_TYPE))
            continue
        if r["reason"] not in REASONS:
            problems.append(Problem(str(path), line, "reason", f"{r['reason']!r} is not one of {', '.join(REASONS)}", Reason.NOT_ALLOWED))
            continue
        if not (r["measure_id"] or r["region"]):
            problems.append(Problem(str(path), line, "measure_id", "a line retires the figures of a measure or of a region: both are empty",
                                    Reason.MISSING))
            continue
        out.append(Retirement(r["measure_id"], r["unit"], r["region"], int(through), r["retired_at"], r["plan_file"], r["reason"],
                              r["restored_at"]))
    if problems:
        raise ValidationError(problems, "dataset validation")
    return out


def split(figures: pd.DataFrame, lines: Iterable[Retirement]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stored figures the plan reads and those it retired (each with the reason code)."""
    lines = [ln for ln in lines if ln.active]
    if not lines or figures.empty:
        return figures, figures.iloc[0:0].assign(retired_reason=pd.Series(dtype=str))
    gone = pd.Series(False, index=figures.index)
    reason = pd.Series("", index=figures.index, dtype=object)
    for ln in lines:
        hit = ln.matches(figures) & ~gone
        reason[hit] = ln.reason
        gone |= hit
    return figures[~gone], figures[gone].assign(retired_reason=reason[gone])


def restorable(lines: Iterable[Retirement], units: dict[str, str], codes: set[str] | None) -> list[Retirement]:
    """The active lines a plan with measures ``units`` (id: unit) and regions ``codes`` (None: the
    regions kept) brings back: its measure is in the plan again (in the retired unit, for a unit
    change), or its region is."""
    out = []
    for ln in lines:
        if not ln.active:
            continue
        if ln.measure_id and not ln.region:
            if ln.measure_id in units and (not ln.unit or ln.unit == units[ln.measure_id]):
                out.append(ln)
        elif ln.region and not ln.measure_id and codes is not None and ln.region in codes:
            out.append(ln)
    return out


def text_with(folder: Path, new: Iterable[Retirement], restored: Iterable[Retirement] = (), when: str = "") -> str | None:
    """The dataset's ``retired.csv`` with the lines in ``restored`` marked restored at ``when`` and
    ``new`` lines added after those it holds; None when nothing changes."""
    restored, new = set(restored), list(new)
    if not restored and not new:
        return None
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for ln in read(folder):
        if ln in restored:
            ln = Retirement(ln.measure_id, ln.unit, ln.region, ln.through_vintage, ln.retired_at, ln.plan_file, ln.reason, when)
        w.writerow(ln.row())
    for ln in new:
        w.writerow(ln.row())
    return buf.getvalue()


def plan_file_name(name: str) -> str:
    """A workbook's name as the list records it: control characters dropped, and never read as a
    formula by a spreadsheet that opens the list."""
    from ..core.fileio import spreadsheet_safe

    clean = "".join(ch for ch in name if ch.isprintable())
    return str(spreadsheet_safe(clean))

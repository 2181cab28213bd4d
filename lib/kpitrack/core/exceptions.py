"""Error classes of kpitrack, and the structured problem records they carry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Reason(str, Enum):
    """Reason codes for validation problems (a fixed vocabulary, not free strings)."""

    MISSING = "missing"
    WRONG_TYPE = "wrong_type"
    NOT_ALLOWED = "not_allowed"
    DUPLICATE = "duplicate"
    UNKNOWN_REFERENCE = "unknown_reference"
    OUT_OF_RANGE = "out_of_range"
    INCONSISTENT = "inconsistent"
    UNREADABLE = "unreadable"
    UNKNOWN_FIELD = "unknown_field"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one place: file, row (1-based line or record number) and field."""

    file: str
    row: int | None
    field: str
    message: str
    reason: Reason = Reason.INCONSISTENT

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        return f"{self.file}:{row}:{self.field}: {self.message}"


class KpitrackError(Exception):
    """Base class of every error kpitrack raises on purpose. The CLI exits non-zero on it.

    Besides its message, an error says where, for programs: ``path`` (a file or folder), ``row``
    (1-based) and ``field`` (a column, a cell, a parameter or an option), each None when it does not
    apply. Every error class of kpitrack is defined in this module."""

    exit_code = 1

    def __init__(self, message: str = "", *, path: str | None = None, row: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)
        self.row = row
        self.field = field

    def _render_traceback_(self) -> list[str]:
        """How IPython (a notebook, papermill, JupyterLab) shows the error: its message, not a
        traceback through kpitrack's code: a bad parameter reads as one, in a few lines."""
        return [f"{type(self).__name__}: {self}"]


class ValidationError(KpitrackError):
    """Raised once with every problem found (lazy validation), never on the first one."""

    exit_code = 2

    #: Problems listed in the message; the rest are counted by field (all stay in ``problems``).
    SHOWN = 50

    def __init__(self, problems: list[Problem], what: str = "validation") -> None:
        self.problems = list(problems)
        first = self.problems[0] if self.problems else None
        lines = "\n".join(f"  {p}" for p in self.problems[:self.SHOWN])
        rest = self.problems[self.SHOWN:]
        if rest:
            by_field: dict[str, int] = {}
            for p in rest:
                by_field[p.field] = by_field.get(p.field, 0) + 1
            counts = ", ".join(f"{f} {n:,}" for f, n in sorted(by_field.items(), key=lambda kv: -kv[1])[:10])
            lines += f"\n  ... and {len(rest):,} more problem(s) (by field: {counts})"
        super().__init__(f"{what} failed with {len(self.problems):,} problem(s):\n{lines}",
                         path=first.file if first else None, row=first.row if first else None,
                         field=first.field if first else None)


class UnknownNameError(KpitrackError, KeyError):
    """An unknown indicator, dataset, renderer, ... The message lists the known names."""

    exit_code = 2

    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        shown = ", ".join(sorted(known)[:40])
        more = "" if len(known) <= 40 else f", ... ({len(known)} in all)"
        self.kind, self.name, self.known = kind, name, known
        super().__init__(f"unknown {kind} {name!r}; known: {shown}{more}", field=kind)

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class ParameterError(KpitrackError, ValueError):
    """A bad run parameter (file, name or value)."""

    exit_code = 2


class RenderError(KpitrackError):
    """A report could not be rendered; the message says what is missing and how to install it.
    ``outputs`` holds the formats that were made before the failure (format -> file), which the
    runner still publishes."""

    exit_code = 3

    def __init__(self, message: str, *, outputs: dict | None = None, **where) -> None:
        super().__init__(message, **where)
        self.outputs = dict(outputs or {})


class NoFiguresError(KpitrackError):
    """The dataset holds no figures for the month asked for (yet)."""

    exit_code = 2


class NotebookError(KpitrackError):
    """A document's notebook raised an error; the executed notebook (``path``) is kept to show where
    (``row``: the failing cell's number)."""


class DocumentFailed(KpitrackError):
    """A document's job failed (its notebook, or its rendering: the exit code says which)."""

    def __init__(self, message: str, exit_code: int = 1, *, path: str | None = None) -> None:
        super().__init__(message, path=path)
        self.exit_code = exit_code


class AlreadyIngested(KpitrackError):
    """The same file (by SHA-256) is already a vintage of the dataset."""

    exit_code = 2


class LockBusyError(KpitrackError):
    """Another process holds the lock (``path``); the message says which run and since when."""

    exit_code = 75  # EX_TEMPFAIL: try again later


class StoreError(KpitrackError):
    """The record store cannot be opened or used as asked: an unknown or unreachable URL, a driver
    missing, a schema newer than this kpitrack, or CSV files that changed under records ingested since
    they were loaded. The message says which and what to do; nothing was written."""

    exit_code = 4


class RecordFileError(KpitrackError):
    """A file of records in the CSV tree (a manifest, a vintage's figures, a register) is damaged: a
    column missing, a row that is not a number, a vintage cut short, a file named outside its folder.
    The message names the file, row and field; nothing was loaded."""

    exit_code = 2

"""One way to hand a table to a terminal, a spreadsheet or a program: text (columns aligned for
Chinese), CSV (cells a spreadsheet would run as formulas made inert) or JSON.

A :class:`Listing` is what a command prints: a title, notes, a tidy table (one row per item, plain
values), and the JSON document for programs (which may nest what the table flattens). Every
command that prints tables builds a Listing and calls :func:`render`; none formats by hand.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ...core.fileio import safe_csv_writer
from .display import text_table

FORMATS = ("table", "csv", "json")


@dataclass
class Listing:
    title: str
    table: pd.DataFrame
    document: dict[str, Any] | list[Any] = field(default_factory=dict)  # the JSON form (default: the table's rows)
    notes: list[str] = field(default_factory=list)            # lines under the title (text only)
    sections: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # further tables (text only)
    shown: pd.DataFrame | None = None  # the table as the text form shows it (default: ``table``)


def _plain(v: Any) -> Any:
    """A cell as CSV writes it: empty for a missing value, numbers as numbers, anything else as text."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (bool, int, float)):
        return v
    return str(v)


def as_csv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    w = safe_csv_writer(buf)
    w.writerow([str(c) for c in df.columns])
    for row in df.itertuples(index=False):
        w.writerow([_plain(v) for v in row])
    return buf.getvalue()


def as_text(listing: Listing) -> str:
    shown = listing.table if listing.shown is None else listing.shown
    lines = [listing.title, *listing.notes, "=" * 40, text_table(shown), ""]
    for head, df in listing.sections:
        lines += [head, text_table(df) if len(df) else "（无）", ""]
    return "\n".join(lines)


def as_json(listing: Listing) -> str:
    doc = listing.document if listing.document or isinstance(listing.document, list) else \
        {"rows": json.loads(listing.table.to_json(orient="records", force_ascii=False))}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def render(listing: Listing, fmt: str) -> str:
    if fmt == "json":
        return as_json(listing)
    if fmt == "csv":
        return as_csv(listing.table)
    return as_text(listing)

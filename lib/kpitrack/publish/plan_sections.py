"""The reports' sections on the plan beyond Table 1: the rectification of problems raised by the
public (Table 3) and the standards (Table 5), from the dataset's ledgers; the same numbers as
``kpitrack rectification`` and ``kpitrack standards`` (one listing each, shown here)."""

from __future__ import annotations

import pandas as pd

from .display import escape_markdown
from .listings import rectification_listing, standards_listing


def rectification(year: int, dataset: str) -> tuple[str, pd.DataFrame | None]:
    """(a sentence, the table by year) of Table 3's rectification up to ``year``; no table without a ledger."""
    listing = rectification_listing(year, dataset)
    if listing.shown is None:
        return escape_markdown(listing.notes[0]), None
    row = listing.table.iloc[-1]
    sat = "未测评" if row["satisfaction"] is None or row["satisfaction"] != row["satisfaction"] else f"平均满意度{row['satisfaction']:.1f}%"
    verdict = "" if row["met"] is None else ("，达到规划85%以上的要求" if row["met"] else "，未达到规划85%以上的要求")
    text = (f"{year}年列入整改的社会评价问题{int(row['targets'])}项，完成{int(row['done'])}项、部分完成{int(row['partly'])}项，"
            f"公示{int(row['disclosed'])}项；{sat}{verdict}。")
    return escape_markdown(text), listing.shown


def standards(year: int, dataset: str) -> tuple[str, pd.DataFrame | None]:
    """(a sentence, the table by year) of Table 5's standards by ``year``'s end; no table without a ledger."""
    listing = standards_listing(year, dataset)
    if listing.shown is None:
        return escape_markdown(listing.notes[0]), None
    row = listing.table.iloc[-1]
    text = (f"截至{year}年底，规划表5应完成制定（修订）的标准{int(row['due'])}项，已发布{int(row['issued'])}项，"
            f"逾期{int(row['overdue'])}项；另有{int(row['ahead'])}项提前发布。")
    return escape_markdown(text), listing.shown

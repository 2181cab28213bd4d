"""The reports' sections on the plan beyond Table 1: the special targets (Table 2), the rectification
of problems raised by the public (Table 3) and the standards (Table 5); the same numbers as
``kpitrack special``, ``kpitrack rectification`` and ``kpitrack standards`` (one listing each, shown here)."""

from __future__ import annotations

import pandas as pd

from .display import escape_markdown
from .listings import rectification_listing, special_listing, standards_listing


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


def special(year: int, dataset: str, data_as_of: str = "") -> tuple[str, pd.DataFrame, pd.DataFrame | None]:
    """(a sentence, the counts per special target, the sub-targets with a figure or a judgement) of
    Table 2 at ``year``'s end; sub-targets without any figure are counted in the sentence, not listed
    (no table when none has one)."""
    from ..analysis.special import DUE, INSUFFICIENT, NO_TARGET, SPECIAL_OUTCOME_ZH, SPECIAL_OUTCOMES

    listing = special_listing(year, dataset, data_as_of)
    t, c = listing.table, listing.document["counts"]
    has_figure = t["value"].notna() | t["reached"].notna()
    judged = ~t["outcome"].isin([DUE, INSUFFICIENT, NO_TARGET])
    keep = (has_figure | judged).to_numpy()
    parts = "、".join(f"{SPECIAL_OUTCOME_ZH[k]}{c[k]}项" for k in SPECIAL_OUTCOMES if c[k] and k != NO_TARGET)
    blank = int((~keep & (t["outcome"] != NO_TARGET)).sum())
    text = (f"截至{year}年底，规划表2的{len(listing.sections[0][1])}项重点专项目标共有量化子目标和节点目标{len(t) - c[NO_TARGET]}项"
            f"（另有{c[NO_TARGET]}项按上级下达指标执行，不单列数值）：{parts}。")
    if blank:
        text += f"其中{blank}项暂无可用数据，未列入下表（已到期的记为数据不足）。"
    text += "与表1指标相同的子目标采用表1的数据和判断方法。"
    rows = listing.shown[keep].reset_index(drop=True)
    return escape_markdown(text), listing.sections[0][1], (rows if len(rows) else None)

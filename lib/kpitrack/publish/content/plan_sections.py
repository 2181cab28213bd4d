"""The reports' sections on the plan beyond Table 1: the special targets (Table 2), the rectification
of problems raised by the public (Table 3), the standards (Table 5) and the year's challenge targets;
the same numbers as ``kpitrack special``, ``rectification``, ``standards`` and ``challenges`` (one
listing each, shown here)."""

from __future__ import annotations

import pandas as pd

from .display import escape_markdown
from .listings import challenges_listing, rectification_listing, special_listing, standards_listing


def rectification(year: int, dataset: str, data_as_of: str = "") -> tuple[str, pd.DataFrame | None]:
    """(a sentence, the table by year) of Table 3's rectification up to ``year``; no table without a ledger."""
    from ...plan.catalogue import catalogue

    if not catalogue().problem_areas:
        return "本规划未列社会评价意见整改问题。", None
    listing = rectification_listing(year, dataset, data_as_of)
    if listing.shown is None:
        return escape_markdown(listing.notes[0]), None
    row = listing.table.iloc[-1]
    sat = "未测评" if row["satisfaction"] is None or row["satisfaction"] != row["satisfaction"] else f"平均满意度{row['satisfaction']:.1f}%"
    verdict = "" if row["met"] is None else ("，达到规划85%以上的要求" if row["met"] else "，未达到规划85%以上的要求")
    text = (f"{year}年列入整改的社会评价问题{int(row['targets'])}项，完成{int(row['done'])}项、部分完成{int(row['partly'])}项，"
            f"公示{int(row['disclosed'])}项；{sat}{verdict}。")
    return escape_markdown(text), listing.shown


def standards(year: int, dataset: str, data_as_of: str = "") -> tuple[str, pd.DataFrame | None]:
    """(a sentence, the table by year) of Table 5's standards by ``year``'s end; no table without a ledger."""
    from ...plan.catalogue import catalogue

    if not catalogue().standards:
        return "本规划未列标准制定（修订）计划。", None
    listing = standards_listing(year, dataset, data_as_of)
    if listing.shown is None:
        return escape_markdown(listing.notes[0]), None
    row = listing.table.iloc[-1]
    text = (f"截至{year}年底，规划表5应完成制定（修订）的标准{int(row['due'])}项，已发布{int(row['issued'])}项，"
            f"逾期{int(row['overdue'])}项" + (f"；另有{int(row['ahead'])}项提前发布。" if int(row["ahead"]) else "。"))
    return escape_markdown(text), listing.shown


def special(year: int, dataset: str, data_as_of: str = "") -> tuple[str, pd.DataFrame | None, pd.DataFrame | None]:
    """(a sentence, the counts per special target, the sub-targets with a figure or a judgement) of
    Table 2 at ``year``'s end; sub-targets without any figure are counted in the sentence, not listed
    (no table when none has one; no tables for a plan without special targets)."""
    from ...analysis.special import DUE, INSUFFICIENT, NO_TARGET, SPECIAL_OUTCOME_ZH, SPECIAL_OUTCOMES
    from ...plan.catalogue import catalogue

    if not catalogue().special_targets:
        return "本规划未设重点专项目标。", None, None

    listing = special_listing(year, dataset, data_as_of)
    t, c = listing.table, listing.document["counts"]
    has_figure = t["value"].notna() | t["reached"].notna()
    judged = ~t["outcome"].isin([DUE, INSUFFICIENT, NO_TARGET])
    keep = (has_figure | judged).to_numpy()
    parts = "、".join(f"{SPECIAL_OUTCOME_ZH[k]}{c[k]}项" for k in SPECIAL_OUTCOMES if c[k] and k != NO_TARGET)
    blank = ~keep & (t["outcome"] != NO_TARGET).to_numpy()
    others = f"（另有{c[NO_TARGET]}项按上级下达指标执行，不单列数值）" if c[NO_TARGET] else ""
    text = (f"截至{year}年底，规划表2的{len(listing.sections[0][1])}项重点专项目标共有量化子目标和节点目标{len(t) - c[NO_TARGET]}项"
            f"{others}：{parts}。")
    if blank.any():
        # the rows listed and the rows left out, counted apart from the outcomes so that no number is read twice
        due = int((blank & (t["outcome"] == INSUFFICIENT).to_numpy()).sum())
        text += (f"下表列出有数据或已作判断的{int(keep.sum())}项；其余{int(blank.sum())}项尚无可用数据，未列入"
                 + (f"（其中已到期的{due}项计为数据不足）" if due else "") + "。")
    text += "与表1指标相同的子目标采用表1的数据和判断方法。"
    rows = listing.shown[keep].reset_index(drop=True)
    return escape_markdown(text), listing.sections[0][1], (rows if len(rows) else None)


def challenges(year: int, dataset: str) -> tuple[str, pd.DataFrame | None]:
    """(a sentence, one row per declared challenge target with both tests' figures, the qualification
    and the outcome) for ``year``; no table when no challenge targets were declared for it."""
    from ...core.exceptions import ParameterError

    from ...analysis.scores import load_challenges
    from ...data.actuals import load_dataset
    from ...data.records import challenges_file as declared_in
    from ...plan.catalogue import catalogue

    path = declared_in(year)
    if path.is_file() and load_challenges(path, catalogue(), year).demonstration and not load_dataset(dataset, catalogue()).synthetic:
        # a demonstration's choice is never judged on real figures: a real report reads as the office's record is
        return escape_markdown(f"{year}年未申报挑战目标，不作挑战目标认定。"), None
    try:
        listing = challenges_listing(year, dataset)
    except ParameterError:
        from ...data.records import challenges_file

        if challenges_file(year).is_file():
            raise
        return escape_markdown(f"{year}年没有申报的挑战目标，不作挑战目标认定。"), None
    doc, t = listing.document, listing.table
    n, ok = len(doc["targets"]), sum(1 for d in doc["targets"] if d["qualifies"])
    met = sum(1 for d in doc["targets"] if d["qualifies"] and d["achieved"])
    text = (f"{year}年申报挑战目标{n}项（对标{doc['group']}），按规划的横向（对标城市前三位或位次提升3位以上）与纵向"
            f"（比历史最好水平改善10%以上）标准，" + (f"符合挑战标准的{ok}项，其中年底实现{met}项" if ok else "没有符合挑战标准的目标")
            + "；挑战目标实现的得满分，未实现的不得分，未通过认定的按基本目标计分。")
    if doc["demonstration"]:
        text += "所列挑战目标为演示选择，不是考评办确定的名单。"

    def test(d: dict) -> str:
        return ("通过：" if d["passed"] else "未通过：" if d["passed"] is False else "无法判断：") + d["why_zh"]

    rows = pd.DataFrame({"指标": t["指标"], "类型": t["类型"], "目标": t["目标"],
                         "横向检验": [test(d["horizontal"]) for d in doc["targets"]],
                         "纵向检验": [test(d["vertical"]) for d in doc["targets"]],
                         "符合挑战标准": t["符合挑战标准"], "实际": t["实际"], "实现": t["完成"]})
    return escape_markdown(text), rows

"""The head of every official document kpitrack makes (reports, bulletins, cards), as the notices
already have: the issuing office, the kind of document, its number and its dates, and for
synthetic data the label. Documents made by software are drafts until the office numbers them:
the number reads 待编号 rather than an invented one.
"""

from __future__ import annotations

from datetime import date

from ...core.labels import SYNTHETIC_LABEL_ZH
from ...core.workspace import workspace
from ...data.actuals import UNKNOWN_DATE_RULE_ZH, Dataset
from .display import escape_markdown



def data_cutoff(ds: Dataset, up_to: int | None = None) -> str:
    """The day the newest figure used (of the years up to ``up_to``) was published, or the as-of
    date asked for, in words."""
    if ds.known_at:
        unknown = "；" + UNKNOWN_DATE_RULE_ZH if ds.collected else ""
        return f"{ds.known_at}（所示为当日已公布的数据{unknown}）"
    obs = ds.observations if up_to is None else ds.observations[ds.observations["year"] <= up_to]
    dates = sorted(d for d in obs["known_from"].astype(str) if d and d != ds.collected)
    if ds.synthetic or not dates:
        return "—"
    return dates[-1]


def issue_date(ds: Dataset, up_to: int | None = None, period_end: date | None = None) -> date:
    """The document's date (成文日期): the day of the data it was asked to use (``--as-of`` a date), else
    the day its newest figure was published (the evaluation could not be written earlier), else the
    end of the period it evaluates (``period_end``, or 31 December of ``up_to``: synthetic data and
    figures of unknown date; never today's date on a 2018 evaluation), else today."""
    if ds.known_at:
        return date.fromisoformat(str(ds.known_at)[:10])
    cut = data_cutoff(ds, up_to)
    try:
        return date.fromisoformat(cut[:10])
    except ValueError:
        pass
    if period_end is not None:
        return period_end
    return date(up_to, 12, 31) if up_to else date.today()


def chinese_date(d: date) -> str:
    """A date as official documents write it: 2019年1月9日 (GB/T 9704: Arabic numerals, year, month, day in full)."""
    return f"{d.year}年{d.month}月{d.day}日"


def document_number(issued: date) -> str:
    """The 文号: the office's prefix and the year of issue (杭考评办〔2019〕 号), the number left for the
    office to give (a draft made by software is never numbered by it)."""
    prefix = workspace().doc_prefix_zh
    return f"{prefix}〔{issued.year}〕　号（待编号）" if prefix else "待编号（系统生成稿）"


def masthead(kind_zh: str, ds: Dataset, today: date | None = None, up_to: int | None = None,
             period_end: date | None = None) -> str:
    """Markdown: the issuing office, the 文号 (its year the year of issue), the kind, 主送, the 成文日期 in
    Chinese form and the data's cut-off, as a block at the top of a document."""
    issued = today or issue_date(ds, up_to, period_end)
    ws = workspace()
    lines = [f"**{escape_markdown(ws.office_zh)}**", "",
             f"**文号：** {escape_markdown(document_number(issued))}　**文件类别：** {escape_markdown(kind_zh)}"]
    if ws.recipients_zh:
        lines += ["", f"**主送：** {escape_markdown(ws.recipients_zh)}"]
    lines += ["", f"**成文日期：** {chinese_date(issued)}　**数据截至：** {escape_markdown(data_cutoff(ds, up_to))}"]
    if ds.synthetic:
        lines += ["", f"**【{SYNTHETIC_LABEL_ZH}】**"]
    return "\n".join(lines)


def signoff(ds: Dataset, today: date | None = None, up_to: int | None = None, period_end: date | None = None) -> str:
    """Markdown: the 落款 that ends a document (the office and the 成文日期 in Chinese form), then 抄送."""
    issued = today or issue_date(ds, up_to, period_end)
    ws = workspace()
    lines = ["---", "", f"{escape_markdown(ws.office_zh)}\\", chinese_date(issued)]
    if ws.copies_zh:
        lines += ["", f"抄送：{escape_markdown(ws.copies_zh)}"]
    return "\n".join(lines)

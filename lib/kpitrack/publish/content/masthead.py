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


def masthead(kind_zh: str, ds: Dataset, today: date | None = None, up_to: int | None = None) -> str:
    """Markdown: 发文单位、文件类别、文号、成文日期、数据截至, as a block at the top of a document."""
    today = today or date.today()
    lines = [f"**发文单位：** {escape_markdown(workspace().office_zh)}　**文件类别：** {escape_markdown(kind_zh)}　**文号：** 待编号（系统生成稿）",
             "",
             f"**成文日期：** {today.year}年{today.month}月{today.day}日　**数据截至：** {escape_markdown(data_cutoff(ds, up_to))}"]
    if ds.synthetic:
        lines += ["", f"**【{SYNTHETIC_LABEL_ZH}】**"]
    return "\n".join(lines)

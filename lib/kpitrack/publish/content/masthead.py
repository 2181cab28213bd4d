"""The head of every official document kpitrack makes (reports, bulletins, cards), as the notices
already have: the issuing office, the kind of document, its number and its dates, and for
synthetic data the label. Documents made by software are drafts until the office numbers them:
the number reads 待编号 rather than an invented one.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

from ...core import clock
from ...core.exceptions import ParameterError
from ...core.labels import SYNTHETIC_LABEL_ZH, dates_zh, reporting_day
from ...core.workspace import workspace
from ...data.actuals import UNKNOWN_DATE_RULE_ZH, Dataset
from .display import typst_string



def data_cutoff(ds: Dataset, up_to: int | None = None) -> str:
    """The day the newest figure used (of the years up to ``up_to``) was published, or the as-of
    date asked for, in words."""
    if ds.known_at:
        unknown = "；" + UNKNOWN_DATE_RULE_ZH if ds.collected else ""
        return f"{ds.known_at}（所示为当日已公布的数据{unknown}）"
    obs = ds.observations if up_to is None else ds.observations[ds.observations["year"] <= up_to]
    unknown = ds.undated(obs)
    dates = sorted(obs.loc[~unknown, "known_from"].astype(str))
    if ds.synthetic or not dates:
        return "—"
    # figures whose publication date nobody knows are used too: said, never hidden behind the date;
    # counted as the sources annex lists them (one row per yearly figure, its date 未知)
    undated = int((unknown & (obs["month"] == 0)).sum())
    return dates[-1] + (f"（另有{undated}个年度数据的公布日期不详）" if undated else "")


def issue_date(ds: Dataset, up_to: int | None = None, period_end: date | None = None) -> date:
    """The document's date (成文日期): the day of the data it was asked to use (``--as-of`` a date), else
    the day its newest figure was published (the evaluation could not be written earlier), else the
    day its figures would be out after the period it evaluates (a month's, ``period_end``: the 15th of
    the next month; a year's, ``up_to``: 31 March of the next, when the statistical bulletin is out):
    synthetic data and figures of unknown date, never today's date on a 2018 evaluation), else today."""
    if ds.known_at:
        return date.fromisoformat(str(ds.known_at)[:10])
    cut = data_cutoff(ds, up_to)
    try:
        return date.fromisoformat(cut[:10])
    except ValueError:
        pass
    if period_end is not None:  # a month's figures are reported by the middle of the next
        return reporting_day(period_end.year, period_end.month)
    # a year's figures: the statistical bulletin is out by the end of March of the next year
    return date(up_to + 1, 3, 31) if up_to else clock.today()


def chinese_date(d: date) -> str:
    """A date as official documents write it: 2019年1月9日 (GB/T 9704: Arabic numerals, year, month, day in full)."""
    return f"{d.year}年{d.month}月{d.day}日"


def document_number(issued: date) -> str:
    """The 文号: the office's prefix and the year of issue (杭考评办〔2019〕 号), the number left for the
    office to give (a draft made by software is never numbered by it)."""
    prefix = workspace().doc_prefix_zh
    return f"{prefix}〔{issued.year}〕　号（待编号）" if prefix else "待编号（系统生成稿）"


def dataset_label(ds: Dataset, version: str) -> str:
    """The dataset's name with its version: 某市公开数据（数据版本：第1—2版）; the synthetic label's
    note takes the version into its own brackets (演示数据（合成数据，仅供演示；数据版本：第1版）)."""
    label = ds.label_zh
    if ds.synthetic and label.endswith("）"):
        return f"{label[:-1]}；数据版本：{version}）"
    return f"{label}（数据版本：{version}）"


def report_verb() -> str:
    """How an evaluation hands its findings to its 主送 (workspace.yaml ``recipients_zh``): 通报 to the
    units below (各区、县（市）…, 市直各单位: a list of 各…), 报告 to a body above (市人民政府)."""
    return "通报" if "各" in workspace().recipients_zh else "报告"


RED = "#c8102e"


@dataclass(frozen=True)
class Head:
    """The head of an official document (版头 and title), as GB/T 9704 sets it: the issuing office in
    red, the 文号 under it, a red rule, then the title (in lines: a long title breaks where it should,
    never leaving one character on a line), the data's cut-off under it, then 主送, which leads
    straight into the text."""

    office_lines: tuple[str, ...]
    number: str
    title_lines: tuple[str, ...]
    recipients: str
    cutoff: str
    synthetic: bool
    issued: date

    @property
    def title(self) -> str:
        return "".join(self.title_lines)

    def html(self) -> str:
        e = html.escape
        parts = ['<header class="kt-redhead">',
                 f'<div class="kt-issuer">{"<br>".join(e(x) for x in self.office_lines)}</div>',
                 f'<div class="kt-docno">{e(self.number)}</div>', '<hr class="kt-redrule">',
                 f'<h1 class="kt-doctitle">{"<br>".join(e(x) for x in self.title_lines)}</h1>']
        if self.synthetic:
            parts.append(f'<p class="kt-synthetic"><strong>【{e(SYNTHETIC_LABEL_ZH)}】</strong></p>')
        if self.cutoff != "—":  # under the title: the 主送 line leads straight into the text
            parts.append(f'<p class="kt-cutoff">数据截至：{e(self.cutoff)}</p>')
        if self.recipients:
            parts.append(f'<p class="kt-to">{e(self.recipients)}：</p>')
        parts.append("</header>")
        return "".join(parts)

    def typst(self) -> str:
        """Markdown for the PDF: the head as raw typst (a fenced block pandoc and Quarto pass through)."""
        lines = ["```{=typst}", f"#set document(title: {typst_string(self.title)})"]
        lines += [f'#align(center, text(size: 20pt, weight: "bold", fill: rgb("{RED}"), {typst_string(x)}))' for x in self.office_lines]
        lines += ["#v(2pt)", f"#align(center, text(size: 11pt, {typst_string(self.number)}))",
                  f'#line(length: 100%, stroke: 1.2pt + rgb("{RED}"))', "#v(8pt)"]
        lines += [f'#align(center, text(size: 17pt, weight: "bold", {typst_string(x)}))' for x in self.title_lines]
        lines += ["#v(6pt)"]
        if self.synthetic:
            lines.append(f'#align(center, text(weight: "bold", fill: rgb("#b00000"), {typst_string("【" + SYNTHETIC_LABEL_ZH + "】")}))')
        if self.cutoff != "—":
            lines.append(f'#align(center, text(size: 9pt, fill: rgb("#555555"), {typst_string("数据截至：" + self.cutoff)}))')
            lines.append("#v(4pt)")
        if self.recipients:
            lines.append(f"#block({typst_string(self.recipients + '：')})")
        lines.append("```")
        return "\n".join(lines)

    def plain(self) -> str:
        out = [*self.office_lines, self.number, *self.title_lines]
        if self.synthetic:
            out.append(f"【{SYNTHETIC_LABEL_ZH}】")
        if self.cutoff != "—":
            out.append(f"数据截至：{self.cutoff}")
        if self.recipients:
            out.append(self.recipients + "：")
        return "\n".join(out)


def masthead(title_lines: str | tuple[str, ...], ds: Dataset, today: date | None = None, up_to: int | None = None,
             period_end: date | None = None, recipients: str | None = None) -> Head:
    """The document's head (:class:`Head`): the issuing office (the workspace's; two offices that
    issue together on two lines), the 文号 (its year the year of issue), the title, 主送 (the
    workspace's recipients unless ``recipients`` is given) and the data's cut-off."""
    issued = today or issue_date(ds, up_to, period_end)
    ws = workspace()
    titles = split_title(title_lines) if isinstance(title_lines, str) else tuple(title_lines)
    return Head(office_lines(), document_number(issued), titles, ws.recipients_zh if recipients is None else recipients,
                _dates_in_words(data_cutoff(ds, up_to)), ds.synthetic, issued)


def split_title(title: str, width: int = 22) -> tuple[str, ...]:
    """A title in the lines it is set in: one line when short; else broken before its last
    parenthesis (…进度通报 / （2019年1—12月）), never leaving a character or two alone on a line."""
    if len(title) <= width:
        return (title,)
    cut = title.rfind("（")
    if 4 <= cut and len(title) - cut >= 4:
        return title[:cut], title[cut:]
    return (title,)


def _dates_in_words(text: str) -> str:
    """ISO dates in a text as official documents write them (2021-02-05 → 2021年2月5日)."""
    return dates_zh(text)


def notice_head(number: str, recipients: str, issued: date, synthetic: bool, update: str = "") -> Head:
    """The head of a 绩效改进通知单: the office, the notice's own number as its 文号, 主送 the unit;
    ``update`` (办理情况更新) for the record brought up to date after an answer or the closing."""
    return Head(office_lines(), number, ("绩效改进通知单", *((f"（{update}）",) if update else ())), recipients, "—", synthetic, issued)


@dataclass(frozen=True)
class Signoff:
    """The end of a document's text: the 附件 list (附件：1. … 2. …, one per line), then the 落款 (the
    office and the 成文日期 in Chinese form, set to the right)."""

    annexes: tuple[str, ...]
    office_lines: tuple[str, ...]
    issued: date

    def html(self) -> str:
        e = html.escape
        out = ""
        if self.annexes:
            items = "".join(f"<li>{e(a)}</li>" for a in self.annexes)
            out += f'<div class="kt-annexes"><span>附件：</span><ol>{items}</ol></div>'
        right = "<br>".join(e(x) for x in (*self.office_lines, chinese_date(self.issued)))
        return out + f'<p class="kt-signoff">{right}</p>'

    def typst(self) -> str:
        lines = ["```{=typst}", "#block(breakable: false, width: 100%)[", "#v(10pt)"]
        if self.annexes:
            items = ", ".join(f"text({typst_string(f'{i}. {a}')})" for i, a in enumerate(self.annexes, start=1))
            lines.append(f"#grid(columns: 2, column-gutter: 0pt, text(\"附件：\"), stack(spacing: 6pt, {items}))")
            lines.append("#v(14pt)")
        for x in (*self.office_lines, chinese_date(self.issued)):
            lines.append(f"#align(right, text({typst_string(x)}))")
        lines += ["]", "```"]
        return "\n".join(lines)

    def plain(self) -> str:
        annex = ["附件：" + "　".join(f"{i}. {a}" for i, a in enumerate(self.annexes, start=1))] if self.annexes else []
        return "\n".join(annex + [*self.office_lines, chinese_date(self.issued)])


def office_lines() -> tuple[str, ...]:
    """The workspace's issuing office, one office a line (two offices that issue together, as the
    bundled plan's 综合考评委员会办公室 and 绩效管理委员会办公室, on two)."""
    ws = workspace()
    return tuple(x for x in ws.office_zh.replace("\u3000", " ").split(" ") if x) or (ws.office_zh,)


def signoff(ds: Dataset, today: date | None = None, up_to: int | None = None, period_end: date | None = None,
            annexes: tuple[str, ...] = ()) -> Signoff:
    """The 附件 list and the 落款 (:class:`Signoff`), dated as the document's head is."""
    return Signoff(tuple(annexes), office_lines(), today or issue_date(ds, up_to, period_end))


@dataclass(frozen=True)
class Imprint:
    """The 版记 at the very end of a document, after its 附件: 抄送 and who printed it when, between
    two full-width rules (GB/T 9704)."""

    copies: str
    office: str
    issued: date

    def _lines(self) -> list[str]:
        return ([f"抄送：{self.copies}"] if self.copies else []) + [f"{self.office}　　{chinese_date(self.issued)}印发"]

    def html(self) -> str:
        return '<div class="kt-imprint">' + "".join(f"<p>{html.escape(x)}</p>" for x in self._lines()) + "</div>"

    def typst(self) -> str:
        body = ", ".join(f"text({typst_string(x)})" for x in self._lines())
        return ("```{=typst}\n#block(breakable: false, width: 100%, above: 18pt, stroke: (top: 0.8pt, bottom: 0.8pt), inset: (y: 6pt))"
                f"[#stack(spacing: 6pt, {body})]\n```")

    def plain(self) -> str:
        return "\n".join(self._lines())


def imprint(ds: Dataset, today: date | None = None, up_to: int | None = None, period_end: date | None = None,
            copies: str | None = None) -> Imprint:
    """The 版记 (:class:`Imprint`): the workspace's 抄送 (unless ``copies`` is given), the office, the date."""
    ws = workspace()
    return Imprint(ws.copies_zh if copies is None else copies, ws.office_zh, today or issue_date(ds, up_to, period_end))


def check_edition(edition: object) -> int:
    """An edition number: 1 (as first issued) or a revision's 2, 3, ..."""
    if isinstance(edition, bool) or not isinstance(edition, int) or edition < 1:
        raise ParameterError(f"edition: expected a whole number >= 1 (1: as first issued; 2, 3...: a revised edition), got {edition!r}",
                             field="edition")
    return edition


def revision_words(edition: int) -> str:
    """What a title says of its edition: nothing for the first, ·修订版 for the second, ·第二次修订版 ..."""
    from ...core.labels import chinese_number

    if edition <= 1:
        return ""
    return "·修订版" if edition == 2 else f"·第{chinese_number(edition - 1)}次修订版"

"""Show tables, charts and text from a notebook in forms every renderer picks up.

Each output is a bundle: ``text/html`` for HTML reports and JupyterLab, ``text/markdown`` for
tables in PDF (pandoc and Quarto turn it into a real table), and for charts the plotly figure itself
(``application/vnd.plotly.v1+json``), which the renderer turns into an SVG for PDF
(:mod:`kpitrack.publish.render.chart_images`).
Text from data (ledgers, sources) is escaped in every form.
"""

from __future__ import annotations

import html
import json
import logging
import re
import unicodedata
from functools import lru_cache

import pandas as pd

from ...core.labels import STATUS_COLOUR as _COLOUR_BY_STATUS
from ...core.labels import STATUS_EN, STATUS_ZH

log = logging.getLogger(__name__)

FIGURE_WIDTH, FIGURE_HEIGHT = 900, 360
FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'

STATUS_CODE = {label: st.value for table in (STATUS_ZH, STATUS_EN) for st, label in table.items()}
#: Characters pandoc markdown (and, through it, typst) would read as markup: ``@`` starts a citation,
#: ``$`` maths, ``#`` a heading, ``<`` a tag, ``^``/``~`` super- and subscripts, ``&`` an entity;
#: straight quotes would be turned into curly ones ("smart" typography), changing the text typed.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~$@^&=\"'-])")


class Link:
    """A table cell that links to an address: shown as its text, a link in HTML and PDF. Only
    http(s) addresses become links; anything else (or none) is shown as plain text."""

    __slots__ = ("text", "url")

    def __init__(self, text: str, url: str | None) -> None:
        self.text = str(text)
        url = url.strip().replace(" ", "%20") if url else None
        self.url = url if url and re.match(r"^https?://[^\s<>\"'`]+$", url) else None

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Link({self.text!r}, {self.url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Link) and (self.text, self.url) == (other.text, other.url)

    def __hash__(self) -> int:
        return hash((self.text, self.url))

    def html(self) -> str:
        if self.url is None:
            return html.escape(self.text)
        return f'<a href="{html.escape(self.url, quote=True)}" target="_blank" rel="noopener">{html.escape(self.text)}</a>'

    def markdown(self) -> str:
        if self.url is None:
            return escape_markdown(self.text)
        url = self.url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        return f"[{escape_markdown(self.text)}]({url})"


class StatusCell:
    """A table cell showing a status: its code travels with it to the page (the colour of the HTML
    cell, the dot of the PDF), never parsed back from the label; shown and exported as its text."""

    __slots__ = ("code", "text")

    def __init__(self, code: str, text: str) -> None:
        self.code = str(code)
        self.text = str(text)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"StatusCell({self.code!r}, {self.text!r})"

    def __eq__(self, other: object) -> bool:  # equal to its text too: df["状态"] == "进度滞后" reads as it looks
        if isinstance(other, str):
            return self.text == other
        return isinstance(other, StatusCell) and (self.code, self.text) == (other.code, other.text)

    def __hash__(self) -> int:
        return hash(self.text)


#: the outcomes (final evaluation, Table 2), coloured like the statuses they resemble: a milestone
#: reached late is a warning, a target not yet due is grey
OUTCOME_CODE = {"achieved": "achieved", "missed": "off_track", "insufficient": "insufficient_data", "no_target": "no_target",
                "late": "at_risk", "due": "no_target", "early": "achieved"}


def status_cell(status, text: str) -> StatusCell:
    """The cell of a progress status (a :class:`~kpitrack.core.labels.Status` or its value)."""
    return StatusCell(getattr(status, "value", status), text)


def outcome_cell(outcome: str, text: str) -> StatusCell:
    """The cell of a final-evaluation outcome (achieved, missed, insufficient, no_target)."""
    return StatusCell(OUTCOME_CODE.get(outcome, "unknown"), text)


def typst_string(text: str) -> str:
    """A typst string literal."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def escape_markdown(text: object) -> str:
    """Escape text so that markdown shows it literally (also HTML tags and pipes in tables)."""
    s = "" if text is None else str(text)
    return _MD_SPECIAL.sub(r"\\\1", s).replace("\n", " ")


def display_width(text: object) -> int:
    """Columns a text takes in a monospace layout: Chinese characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def text_table(df: pd.DataFrame, gap: int = 2) -> str:
    """A plain-text table for a terminal or a .txt file, columns aligned for Chinese text (a
    Chinese character takes two columns); numbers right-aligned."""
    if df.empty:
        return ""
    cols = [str(c) for c in df.columns]
    cells = [["" if v is None else str(v) for v in row] for row in df.itertuples(index=False)]
    widths = [max([display_width(c)] + [display_width(r[i]) for r in cells]) for i, c in enumerate(cols)]
    numeric = [all(re.fullmatch(r"[-+]?[\d,.]+%?|—", r[i] or "—") for r in cells) for i in range(len(cols))]

    def line(values: list[str]) -> str:
        out = []
        for i, v in enumerate(values):
            pad = " " * (widths[i] - display_width(v))
            out.append(pad + v if numeric[i] else v + pad)
        return (" " * gap).join(out).rstrip()

    return "\n".join([line(cols)] + [line(r) for r in cells])


def status_dot(text: object) -> str:
    """A status cell for the PDF: a dot in the status colour (raw typst, dropped by other formats)
    before its label, so that the PDF keeps the colours the HTML shows."""
    label = str(text)
    for lead in ("● ", "○ "):
        if label.startswith(lead):
            label = label[len(lead):]
    code = text.code if isinstance(text, StatusCell) else status_code(text)
    colour = STATUS_COLOUR.get(code, "#999999")
    # one box: the dot and the label never part, and a label (无量化目标) never breaks inside
    return (f'`#box[#text(fill: rgb("{colour}"))[●] #{typst_string(label)}]`{{=typst}}' if label not in ("—", "") else "—")


#: A figure with its unit and perhaps its year (3,860亿元, 8.2%（2018年）, 49.0μg/m³, −0.4个百分点): set in one
#: box in the PDF, so that a narrow column wraps around it, never inside it.
_FIGURE = re.compile(r"^[−\-+]?[\d,]+(\.\d+)?\s?(%|‰|个百分点|[^\s\d（）()，,。；;]{1,8})?(（\d{4}年）|\(\d{4}\))?$")


#: A date as official documents write it (2020年5月29日): one word, like a figure.
_DATE_ZH = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
#: A short label with its qualifier (修订数（未采用）, 公布数（待核实）): one word.
_LABEL_ZH = re.compile(r"^[\u4e00-\u9fff]{1,6}（[\u4e00-\u9fff]{1,4}）$")


def whole(text: str) -> bool:
    """A cell set whole in the PDF: a figure with its unit (at most 22 half-width characters) or a date."""
    from ...data.source_kinds import LABELS

    return bool(_FIGURE.match(text) and display_width(text) <= 22 or _DATE_ZH.match(text) or _LABEL_ZH.match(text) or text in LABELS)


def nobreak(text: str) -> str:
    """Markdown for a short cell the PDF must not break: a figure with its unit or a date (raw typst
    box, the same text); other text as escaped markdown that wraps."""
    if whole(text):
        return f"`#box({typst_string(text)})`{{=typst}}"
    return breakable(escape_markdown(text))


#: What the PDF sets whole inside running text (reports/typst-settings.typ): a figure with its unit and
#: the punctuation after it, a date.
_SPAN = re.compile(r"[−+-]?[0-9][0-9,]*(\.[0-9]+)?(%|‰|个百分点|μg/m³|[\u4e00-\u9fff]{1,3}/[\u4e00-\u9fff]{1,4}|亿美元|万人次|"
                   r"[亿万千百]?[元人个套天张项户所家吨])[；，。、）]?|[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日")
#: Half-width characters of 7.5 pt table text across an A4 page's text (17.8 cm) less the cells' insets.
LINE_UNITS = 120
#: The narrowest a column of wrapping text is made: seven Chinese characters.
TEXT_MIN = 14


def table_markdown(df: pd.DataFrame, status_cols: set[str] | frozenset[str] = frozenset()) -> str:
    """A pipe table; every cell escaped; cells of ``status_cols`` carry a coloured dot in the PDF."""
    # a short heading (数据不足, 逾期实现) is one word: set whole, its column at least as wide
    cols = [f"`#box({typst_string(c)})`{{=typst}}" if display_width(c) <= 10 else escape_markdown(c) for c in map(str, df.columns)]
    # the dashes set relative column widths in pandoc (the table is wider than a line): a column of
    # short cells or of figures set whole (boxes: 3,860亿元, 8.2%（2018年）) gets the width they need,
    # measured on the page (a line of 7.5 pt table text holds about LINE_UNITS half-width characters);
    # long text shares what is left and wraps
    needs, texts = [], []
    for col in df.columns:
        cells = [str(v) for v in df[col]]
        longest = max([display_width(v) for v in cells] or [0])
        boxed = max([display_width(v) for v in cells if whole(v) or col in status_cols
                     or isinstance(v, StatusCell)] or [0]) + (4 if col in status_cols or any(isinstance(v, StatusCell) for v in df[col]) else 0)
        head = display_width(col) if display_width(col) <= 10 else 0
        if longest <= 12:
            needs.append(max(longest, head, 4) + 3)
            texts.append(0)
        else:
            needs.append(boxed + 3 if boxed else 0)
            texts.append(min(max(longest, 10), 24))
    room = LINE_UNITS - sum(needs)
    total_text = sum(texts)
    # a text column is at least as wide as the widest figure set whole inside its text (需年均增加10.1个百分点；
    # keeps 10.1个百分点； on one line), plain words at least TEXT_MIN
    floors = [max([TEXT_MIN] + [display_width(m.group(0)) + 2 for v in df[col] for m in _SPAN.finditer(str(v))]) if t else 0
              for col, t in zip(df.columns, texts)]
    if total_text and room > 0:  # the text columns share the room left, never less than their floor
        texts = [max(f, round(t * room / total_text)) if t else 0 for t, f in zip(texts, floors)]
    widths = [max(n, t) for n, t in zip(needs, texts)]
    over = sum(widths) - LINE_UNITS
    if over > 0:  # wider than a line: pandoc would shrink every column alike; take it from the text above its floor
        slack = [max(0, w - f) if t else 0 for w, t, f in zip(widths, texts, floors)]
        if sum(slack):
            widths = [w - min(s, round(over * s / sum(slack))) if s else w for w, s in zip(widths, slack)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(":" + "-" * max(w, 3) for w in widths) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(v.markdown() if isinstance(v, Link) else status_dot(v)
                                      if col in status_cols or isinstance(v, StatusCell)
                                      else nobreak("" if v is None else str(v)) for col, v in zip(df.columns, row)) + " |")
    return "\n".join(lines)


_BREAK_AFTER = re.compile(r"([/_:=&?-]|\.(?!\d)|(?<!\d)\.)(?=\w)")  # never inside a number: 46.72% stays whole
_LONG_RUN = re.compile(r"[A-Za-z0-9%]{13,}")
_UNIT_SLASH = re.compile("/\u200b(?=m³|m²|[^\\x00-\\x7f])")


def breakable(text: str) -> str:
    """Text that a narrow PDF table cell can wrap: a zero-width space after the punctuation of URLs,
    ids and dates (K12.income, 2019-01-31, https://...), and every 12 characters of a long run of
    letters or digits (hashes); Chinese text breaks anywhere by itself. Nothing changes on screen."""
    text = _BREAK_AFTER.sub("\\1\u200b", text)
    text = _UNIT_SLASH.sub("/", text)  # a unit's slash (μg/m³, 人/亿元, 张/千名老人) is not a place to break
    return _LONG_RUN.sub(lambda mo: "\u200b".join(mo.group(0)[i:i + 12] for i in range(0, len(mo.group(0)), 12)), text)


def status_code(text: object) -> str:
    """The status code of a cell that shows a status label (or the no-target label), else "unknown"."""
    s = str(text).replace("● ", "").replace("○ ", "").split(" ")[0]  # a status light may come first
    return STATUS_CODE.get(s, STATUS_CODE.get(str(text), FINAL_CODE.get(s, "no_target" if s == "未设目标" else "unknown")))


#: the final evaluation's outcomes, coloured like the statuses they resemble
FINAL_CODE = {"实现": "achieved", "未实现": "off_track", "无量化目标": "no_target"}
#: colour by status code (the class names of HTML cells)
STATUS_COLOUR = {st.value: colour for st, colour in _COLOUR_BY_STATUS.items()}


#: words a line never breaks: a figure and its unit (12,393.7亿元, 100.0%, 49.0μg/m³, 2.5张/千名老人), a
#: figure's year in brackets (（2018年）), a rank (第8位), the mark of a low source (（待核实）): the HTML's form
#: of the same rules in reports/typst-settings.typ for the PDF
FIGURE_WITH_UNIT = re.compile(r"[−+-]?[0-9][0-9,]*(?:\.[0-9]+)?(?:%|‰|个百分点|μg/m³|[\u4e00-\u9fff]{1,3}/[\u4e00-\u9fff]{1,4}"
                              r"|亿美元|万人次|[亿万千百]?[元人个套天张项户所家吨])|（[0-9]{4}年）|第[0-9]+位|（待核实）")


def _unbroken_figures(text: str) -> str:
    """Escaped cell text with each figure and its unit kept on one line (a span that does not wrap)."""
    return FIGURE_WITH_UNIT.sub(lambda mo: f'<span class="kt-nw">{mo.group(0)}</span>', text)


def table_html(df: pd.DataFrame, caption: str | None = None, status_col: str | None = None,
               status_cols: list[str] | None = None, css_class: str = "") -> str:
    """An HTML table, every cell escaped, a figure and its unit never split across lines; cells of
    ``status_col`` (or of every column in ``status_cols``) get a class for colouring by status."""
    coloured = set(status_cols or []) | ({status_col} if status_col else set())
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, row):
            cls = (f' class="status status-{v.code}"' if isinstance(v, StatusCell)
                   else f' class="status status-{status_code(v)}"' if col in coloured else "")
            text = v.html() if isinstance(v, Link) else _unbroken_figures(html.escape("" if v is None else str(v)))
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    classes = "kpi-table" + (f" {css_class}" if css_class else "")
    return f'<table class="{classes}">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def show_table(df: pd.DataFrame, caption: str | None = None, status_col: str | None = None,
               status_cols: list[str] | None = None, css_class: str = "") -> None:
    from IPython.display import publish_display_data

    if df.empty:
        show_markdown((f"**{escape_markdown(caption)}**：" if caption else "") + "无。")
        return
    coloured = set(status_cols or []) | ({status_col} if status_col else set())
    md = (f"**{escape_markdown(caption)}**\n\n" if caption else "") + table_markdown(df, coloured)
    publish_display_data({"text/html": table_html(df, caption, status_col, status_cols, css_class), "text/markdown": md,
                          "text/plain": df.to_string(index=False)})


def show_markdown(text: str) -> None:
    """Markdown written by kpitrack itself (data inside it must already be escaped)."""
    from IPython.display import publish_display_data

    publish_display_data({"text/markdown": text, "text/plain": text})


def show_right(text: str) -> None:
    """A line set to the right, as a signature under an official document (HTML and typst; the
    text is escaped for both)."""
    from IPython.display import publish_display_data

    publish_display_data({"text/html": f'<p style="text-align:right">{html.escape(text)}</p>',
                          "text/markdown": f"```{{=typst}}\n#block(width: 100%, align(right, text({typst_string(text)})))\n```",
                          "text/plain": text})


def show_annex(heading: str) -> None:
    """The heading of a 附件 (附件1　…); nothing when ``heading`` is empty (a 附件 the document does not
    carry). In the PDF each 附件 starts a page of its own (reports/annex-pages.lua, both renderers)."""
    if heading:
        show_markdown(heading)


def show_block(block) -> None:
    """A part of a document set apart in each format (the head, the 落款): ``block`` has ``html()``,
    ``typst()`` (markdown with a raw typst block, for the PDF) and ``plain()``, each escaped for its
    format by the block itself."""
    from IPython.display import publish_display_data

    publish_display_data({"text/html": block.html(), "text/markdown": block.typst(), "text/plain": block.plain()})


@lru_cache(maxsize=1)
def _template_text() -> str:
    import pkgutil

    return json.dumps({"layout": json.loads(pkgutil.get_data("plotly", "package_data/templates/plotly_white.json"))["layout"]})


def chart_template() -> dict:
    """plotly_white's layout, as plain data (read from plotly's own file, without building plotly's
    template object: 0.25 s). A figure made with it skips plotly's default template and the full
    plotly_white (trace defaults for every chart type): about half the cost of building the report's
    25 charts, and 4 KB less JSON per chart."""
    return json.loads(_template_text())


def new_figure(**subplots):
    """An empty figure in the charts' template; with ``rows``/``cols``/… a grid of subplots."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    base = go.Figure(layout={"template": chart_template()})
    return make_subplots(figure=base, **subplots) if subplots else base


@lru_cache(maxsize=32)
def _grid_layout(rows: int, cols: int, titles: int, horizontal_spacing: float, vertical_spacing: float) -> str:
    # make_subplots' arithmetic (start_cell top-left, equal widths and heights), step for step so that
    # the floats are the same (a test compares the two), without its figure: 0.15 s a grid
    width = (1.0 - horizontal_spacing * (cols - 1)) / cols
    height = (1.0 - vertical_spacing * (rows - 1)) / rows
    layout: dict = {}
    domains = []
    for r in range(rows):
        top = rows - 1 - r  # row 1 is at the top
        y_s = min(1.0, max(0.0, sum([height] * top) + top * vertical_spacing))
        y_e = min(1.0, max(0.0, sum([height] * top) + top * vertical_spacing + height))
        for c in range(cols):
            x_s = sum([width] * c) + c * horizontal_spacing
            x_e = x_s + width
            n = panel_axes(r * cols + c)
            x_domain, y_domain = [max(0.0, x_s), min(1.0, x_e)], [y_s, y_e]
            layout[f"xaxis{n}"] = {"anchor": f"y{n}", "domain": x_domain}
            layout[f"yaxis{n}"] = {"anchor": f"x{n}", "domain": y_domain}
            domains.append((x_domain, y_domain))
    if titles:
        layout["annotations"] = [{"font": {"size": 16}, "showarrow": False, "text": "title", "x": sum(x) / 2.0, "xanchor": "center",
                                  "xref": "paper", "y": y[1], "yanchor": "bottom", "yref": "paper"}
                                 for x, y in domains[:titles]]
    return json.dumps(layout)


def grid_layout(rows: int, cols: int, titles: int, horizontal_spacing: float, vertical_spacing: float) -> dict:
    """The layout of a grid of subplots as plain data (axes ``xaxis``, ``xaxis2`` … row by row,
    one title annotation per panel), as plotly's ``make_subplots`` lays it out: a chart built as
    data and made a figure once skips plotly's checks of every step (25 charts: 0.3 s, not 2 s)."""
    return json.loads(_grid_layout(rows, cols, titles, horizontal_spacing, vertical_spacing))


def panel_axes(i: int) -> str:
    """The axis suffix of panel ``i`` (from 0) of a :func:`grid_layout`: "", "2", "3" … row by row."""
    return "" if i == 0 else str(i + 1)


class PanelTraces:
    """Scatter traces of a grid of panels as plain data; each legend group in the legend once."""

    def __init__(self) -> None:
        self.data: list[dict] = []
        self._shown: set[str] = set()

    def add(self, trace: dict, group: str, axes: str) -> None:
        self.data.append({"type": "scatter", **trace, "legendgroup": group, "showlegend": group not in self._shown,
                          "xaxis": f"x{axes}", "yaxis": f"y{axes}"})
        self._shown.add(group)


def figure_from_spec(data: list[dict], layout: dict):
    """A plotly figure in the charts' template from traces and layout given as plain data. Not
    checked by plotly here (0.03 s a chart): tests build every chart of both datasets through
    plotly's checks (tests/test_display.py)."""
    import plotly.graph_objects as go

    return go.Figure({"data": data, "layout": {**layout, "template": chart_template()}}, _validate=False)


def figure_html(fig) -> str:
    """The chart as an HTML fragment, without plotly.js: the renderers put plotly.js once into the
    page's head (:func:`kpitrack.publish.render.with_plotlyjs`), so a notebook's outputs stay small
    (3.5 MB less per notebook, to write, read and convert) and JupyterLab draws the plotly mime type."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True},
                       default_width="100%", default_height=f"{int(fig.layout.height or FIGURE_HEIGHT)}px")


def show_figure(fig, empty: str = "暂无可绘制的数据。") -> None:
    """Show a chart: interactive in HTML and JupyterLab; the renderer makes its PDF picture from the
    figure in the output. For no chart (``None``), the ``empty`` words instead of an empty frame."""
    from IPython.display import publish_display_data

    if fig is None:
        show_markdown(f"*{escape_markdown(empty)}*")
        return
    # JupyterLab renders the plotly mime type itself (charts stay when a cell is re-run); nbconvert
    # and Quarto skip it and take the HTML, whose plotly.js is inlined once per document
    publish_display_data({"application/vnd.plotly.v1+json": json.loads(fig.to_json()), "text/html": figure_html(fig),
                          "text/plain": f"<chart: {fig.layout.title.text or ''}>"})


#: The comm target on which a notebook's kernel announces charts it shows later: kpitrack's runner
#: starts drawing their PDF pictures then (:mod:`kpitrack.publish.runs.engine`), and only kernels it
#: started, which have :data:`RUNNER_ENV` set, announce anything.
CHARTS_AHEAD_TARGET = "kpitrack.charts-ahead"
RUNNER_ENV = "KPITRACK_RUNNER_KERNEL"


def announce_charts(figures) -> None:
    """Tell kpitrack's runner of charts this notebook shows later (a section's charts, made once
    the evaluation is done), so that their PDF pictures are drawn while the rest of the notebook
    runs. Nothing is shown and nothing is kept in the notebook; outside the runner (JupyterLab, a
    plain papermill run) nothing is sent."""
    import os

    if os.environ.get(RUNNER_ENV) != "1":
        return
    specs = [json.loads(fig.to_json()) for fig in figures if fig is not None]
    if not specs:
        return
    try:
        from comm import create_comm

        create_comm(target_name=CHARTS_AHEAD_TARGET, data={"figures": specs}).close()
    except Exception as exc:  # noqa: BLE001 - a speed-up only: the pictures are drawn when the charts are shown
        log.debug("charts not announced: %s", exc)


def grouped_names(names: tuple[str, ...] | list[str], shown: int = 5) -> str:
    """Names ``"专项：子目标"`` listed once per 专项 (建设美丽中国样本：A、B；推进城市国际化：C), the first
    ``shown`` of them, then 等."""
    groups: dict[str, list[str]] = {}
    for name in list(names)[:shown]:
        head, _, tail = name.partition("：")
        groups.setdefault(head if tail else "", []).append(tail or head)
    text = "；".join(f"{h}：{'、'.join(v)}" if h else "、".join(v) for h, v in groups.items())
    return text + ("等" if len(names) > shown else "")

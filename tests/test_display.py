"""Text from data is escaped in every form a report shows it."""

from __future__ import annotations

import pandas as pd

from kpitrack.publish.display import escape_markdown, table_html, table_markdown


def test_html_table_escapes_cells():
    html = table_html(pd.DataFrame({"a": ["<script>alert(1)</script>"], "b": ["x & y"]}))
    assert "<script>" not in html and "&lt;script&gt;" in html and "x &amp; y" in html


def test_markdown_escapes_pipes_and_tags():
    md = table_markdown(pd.DataFrame({"a": ["1|2", "<b>x</b>", "*bold*"]}))
    assert "1\\|2" in md and "\\<b\\>" in md and "\\*bold\\*" in md


def test_escape_markdown_keeps_plain_chinese():
    assert escape_markdown("杭州市公开数据") == "杭州市公开数据"


def test_short_cells_get_room_to_stay_on_one_line_and_numbers_never_break():
    import pandas as pd

    from kpitrack.publish.display import breakable, table_markdown

    df = pd.DataFrame({"编号": ["K01"], "依据": ["很长的说明文字" * 6], "状态": ["数据不足"], "值": ["46.72%"]})
    dashes = [len(cell) for cell in table_markdown(df).splitlines()[1].strip("|").split("|")]
    widths = [d - 1 for d in dashes]  # ":---": the colon is not width
    assert widths[2] >= 8 + 8 and widths[0] >= 3 + 8  # statuses and codes: their length and room to spare
    assert widths[1] == 24  # long text shares the rest, capped
    assert breakable("46.72%") == "46.72%" and "\u200b" in breakable("K12.income")

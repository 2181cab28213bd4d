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

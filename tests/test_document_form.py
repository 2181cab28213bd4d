"""The form of the documents (issue 32, in part): the issuer as the plan's own header names it, a 文号
whose year is the year of issue, the 成文日期 the document's own date in Chinese form (never today's
for a 2018 evaluation), and a 落款 that repeats it."""

from __future__ import annotations

import re
from datetime import date


def test_a_mid_term_is_dated_by_its_data_and_numbered_in_its_year_of_issue():
    from kpitrack.publish.content import masthead, report

    ev = report.evaluate(2018, "hangzhou")
    head, tail = report.masthead(ev), report.signoff(ev)
    issued = masthead.issue_date(ev.ds, up_to=2018)
    assert issued != date.today() and issued.year > 2018  # written after the year it evaluates, from its data
    assert f"成文日期：** {issued.year}年{issued.month}月{issued.day}日" in head
    assert f"杭考评办〔{issued.year}〕" in head  # a 文号's year is the year of issue, not the year evaluated
    assert head.startswith("**杭州市综合考评委员会办公室")  # the plan's own issuer (杭考评办〔2017〕27号)
    assert f"{issued.year}年{issued.month}月{issued.day}日" in tail and "杭州市综合考评委员会办公室" in tail
    assert "主送" in head and "抄送" in tail


def test_a_document_asked_for_the_data_of_a_day_carries_that_day():
    from kpitrack.publish.content import report

    ev = report.evaluate(2018, "hangzhou", data_as_of="2019-06-30")
    assert "成文日期：** 2019年6月30日" in report.masthead(ev) and "〔2019〕" in report.masthead(ev)


def test_a_workspace_without_a_prefix_leaves_the_number_to_the_office(tmp_path, monkeypatch):
    from kpitrack.core.workspace import Workspace

    ws = Workspace("宁波市", "宁波", "Ningbo", "宁波市绩效管理考评办公室", "区、县（市）", "宁波市绩效管理", "main", tmp_path)
    monkeypatch.setattr("kpitrack.publish.content.masthead.workspace", lambda: ws)
    from kpitrack.publish.content.masthead import document_number

    assert document_number(date(2024, 3, 1)) == "待编号（系统生成稿）"
    assert not re.search(r"〔\d{4}〕", document_number(date(2024, 3, 1)))


def test_the_synthetic_mid_terms_conclusions_cover_the_whole_plan():
    """主要问题 names Table 2's sub-targets not met, Table 3's satisfaction below 85% and Table 5's
    overdue standards, each from its ledger, with the figures."""
    from kpitrack.analysis.plan_wide import plan_wide
    from kpitrack.publish.content import report

    ev = report.evaluate(2018, "synthetic")
    text = report.summary(ev).split("**下一步建议**")[0]
    pw = plan_wide(ev.cat, ev.ds, 2018)
    assert pw.special_missed and f"已到期未实现的子目标{len(pw.special_missed)}项" in text
    assert pw.satisfaction_short and f"满意度平均为{pw.satisfaction:.1f}%，低于规划要求的85%" in text
    assert pw.standards_overdue and f"逾期未发布{pw.standards_overdue}项" in text


def test_a_dataset_without_ledgers_claims_nothing_about_them():
    from kpitrack.publish.content import report

    ev = report.evaluate(2018, "hangzhou")  # the real data keep no Table 3 or 5 ledger
    text = report.summary(ev)
    assert "满意度" not in text and "逾期未发布" not in text


def test_documents_of_undated_figures_carry_the_end_of_the_period_they_evaluate():
    """Synthetic figures carry no publication dates: the 2018 mid-term is dated 2018-12-31 and the
    June 2020 bulletin 2020-06-30, never the day the program ran."""
    from kpitrack.publish.content import bulletin, report

    ev = report.evaluate(2018, "synthetic")
    assert "成文日期：** 2018年12月31日" in report.masthead(ev) and "2018年12月31日" in report.signoff(ev)
    b = bulletin.prepare("2020-06", "330106", "synthetic")
    assert "成文日期：** 2020年6月30日" in bulletin.masthead(b) and "〔2020〕" in bulletin.masthead(b)


def test_a_bulletin_never_draws_an_empty_chart(monkeypatch):
    from kpitrack.publish.content import bulletin

    b = bulletin.prepare("2020-12", "330106", "synthetic")
    assert bulletin.charted_measures(b)
    monkeypatch.setattr(type(b), "paces", lambda self, region=None: [])  # a month with nothing to draw
    assert bulletin.charted_measures(b) == [] and "没有可绘制" in bulletin.no_chart_note(b)

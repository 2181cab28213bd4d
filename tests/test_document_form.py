"""The form of the documents (issue 32, in part): the issuer as the plan's own header names it, a 文号
whose year is the year of issue, the 成文日期 the document's own date in Chinese form (never today's
for a 2018 evaluation), and a 落款 that repeats it."""

from __future__ import annotations

import re
from datetime import date

import pytest


def test_a_mid_term_is_dated_by_its_data_and_numbered_in_its_year_of_issue():
    from kpitrack.publish.content import masthead, report

    ev = report.evaluate(2018, "hangzhou")
    head, tail = report.masthead(ev), report.signoff(ev)
    issued = masthead.issue_date(ev.ds, up_to=2018)
    assert issued != date.today() and issued.year > 2018  # written after the year it evaluates, from its data
    assert head.issued == tail.issued == issued
    assert f"杭考评办〔{issued.year}〕" in head.number  # a 文号's year is the year of issue, not the year evaluated
    # the plan's own issuer (杭考评办〔2017〕27号): two offices, one a line, above the 文号 and the title
    assert head.office_lines == ("杭州市综合考评委员会办公室", "杭州市绩效管理委员会办公室")
    plain = head.plain()
    assert plain.index("办公室") < plain.index("杭考评办") < plain.index("中期评估报告") < plain.index("各区、县（市）")
    assert f"{issued.year}年{issued.month}月{issued.day}日" in tail.plain() and "杭州市综合考评委员会办公室" in tail.plain()
    assert "抄送" in report.imprint(ev).plain() and "印发" in report.imprint(ev).plain()
    for block in (head, tail):  # the same parts in every format
        assert "杭州市绩效管理委员会办公室" in block.html() and "杭州市绩效管理委员会办公室" in block.typst()


def test_a_document_asked_for_the_data_of_a_day_carries_that_day():
    from kpitrack.publish.content import report

    ev = report.evaluate(2018, "hangzhou", data_as_of="2019-06-30")
    head = report.masthead(ev)
    assert head.issued == date(2019, 6, 30) and "〔2019〕" in head.number and "2019年6月30日" in report.signoff(ev).plain()
    assert "数据截至：2019年6月30日" in head.plain()  # dates as an official document writes them


def test_a_workspace_without_a_prefix_leaves_the_number_to_the_office(tmp_path, monkeypatch):
    from kpitrack.core.workspace import Workspace

    ws = Workspace("宁波市", "宁波", "Ningbo", "宁波市绩效管理考评办公室", "区、县（市）", "宁波市绩效管理", "main", tmp_path)
    monkeypatch.setattr("kpitrack.publish.content.masthead.workspace", lambda: ws)
    from kpitrack.publish.content.masthead import document_number

    assert document_number(date(2024, 3, 1)) == "待编号（系统生成稿）"
    assert not re.search(r"〔\d{4}〕", document_number(date(2024, 3, 1)))


@pytest.mark.parametrize("recipients,verb", [("各区、县（市）党委和人民政府，市直属各单位", "通报"), ("市人民政府", "报告"),
                                              ("市直各单位，各区、县（市）人民政府", "通报"), ("", "报告")])
def test_an_evaluation_reports_up_and_informs_down(tmp_path, monkeypatch, recipients, verb):
    from kpitrack.core.workspace import Workspace
    from kpitrack.publish.content import report

    ws = Workspace("宁波市", "宁波", "Ningbo", "宁波市绩效管理考评办公室", "区、县（市）", "宁波市绩效管理", "main", tmp_path,
                   recipients_zh=recipients)
    monkeypatch.setattr("kpitrack.publish.content.masthead.workspace", lambda: ws)
    assert report.opening(report.evaluate(2018, "synthetic", "zh", "")).split("\n")[0].endswith(f"现将评估情况{verb}如下。")


def test_an_evaluation_claims_only_the_parts_whose_ledgers_it_has():
    from kpitrack.publish.content import final_report as fr
    from kpitrack.publish.content import report

    real = report.evaluate(2018, "hangzhou", "zh", "")
    missing = [w for w, ledger in (("社会评价意见整改", real.ds.rectification_ledger), ("标准制定", real.ds.standards_ledger))
               if not ledger(real.cat).kept]
    assert missing  # the public data keep no Table 3 or 5 ledger: their 附件 say 尚未录入
    for text in (report.opening(real), fr.opening(fr.evaluate_final("hangzhou"))):
        first = text.split("\n")[0]
        assert not any(w in first.split("的情况")[0] for w in missing), first  # not among what it says it evaluated
        assert f"{'、'.join(missing)}尚未录入台账，未作评估" in first, first
    synthetic = report.opening(report.evaluate(2018, "synthetic", "zh", "")).split("\n")[0]
    assert "同时评估了重点专项目标、社会评价意见整改、标准制定的情况" in synthetic and "尚未录入" not in synthetic
    assert "仅供演示；数据版本：第1版）" in synthetic and "）（" not in synthetic


def test_advice_at_the_plans_last_year_urges_nothing_more():
    from kpitrack.publish.content import report

    text = report.advice(report.evaluate(2020, "hangzhou", "zh", ""))
    assert "2020年存在风险" in text and "需加快进度" not in text and "按实际值评估" not in text, text


def test_the_final_lessons_name_only_the_outcomes_there_were():
    from kpitrack.publish.content import final_report as fr

    for dataset in ("synthetic", "hangzhou"):  # the public data: one warned measure, not judged at the end
        text = fr.lessons(fr.evaluate_final(dataset))
        assert "达标概率不足五成的子指标" in text and not re.search(r"(?<!\d)0项", text), text


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


def test_documents_of_undated_figures_are_dated_when_their_figures_would_be_out():
    """Synthetic figures carry no publication dates: the 2018 mid-term is dated 31 March 2019 (the
    year's statistical bulletin is out) and the June 2020 bulletin 15 July 2020, never the last day of
    the period (before its figures could exist) nor the day the program ran."""
    from kpitrack.publish.content import bulletin, report

    ev = report.evaluate(2018, "synthetic")
    assert report.masthead(ev).issued == date(2019, 3, 31) and "2019年3月31日" in report.signoff(ev).plain()
    b = bulletin.prepare("2020-06", "330106", "synthetic")
    assert bulletin.masthead(b).issued == date(2020, 7, 15) and "〔2020〕" in bulletin.masthead(b).number
    assert bulletin.masthead(b).recipients == "中共西湖区委、西湖区人民政府"  # a district's bulletin goes to that district
    b = bulletin.prepare("2020-12", "330100", "synthetic")
    assert bulletin.masthead(b).issued == date(2021, 1, 15) and "〔2021〕" in bulletin.masthead(b).number


def test_a_bulletin_never_draws_an_empty_chart(monkeypatch):
    from kpitrack.publish.content import bulletin

    b = bulletin.prepare("2020-12", "330106", "synthetic")
    assert bulletin.charted_measures(b)
    monkeypatch.setattr(type(b), "paces", lambda self, region=None: [])  # a month with nothing to draw
    assert bulletin.charted_measures(b) == [] and "没有可绘制" in bulletin.no_chart_note(b)


def test_a_long_title_is_set_in_lines_that_leave_no_character_alone():
    from kpitrack.publish.content.masthead import split_title

    assert split_title("杭州市各区、县（市）经济责任制指标进度通报（2019年1—12月）") == ("杭州市各区、县（市）经济责任制指标进度通报", "（2019年1—12月）")
    assert split_title("市发改委绩效卡（2018年）") == ("市发改委绩效卡（2018年）",)


def test_the_mid_terms_sections_are_written_from_the_figures():
    """二、主要成效 names what is ahead, 原因分析 names the years a measure fell behind with the rates,
    五、目标调整建议 names each target out of reach with its probability; all from the same verdicts."""
    from kpitrack.analysis.findings import adjustments, causes
    from kpitrack.publish.content import report

    ev = report.evaluate(2018, "synthetic")
    found = causes(ev.cat, ev.ds, ev.verdicts, 2018)
    assert found and all(ev.verdicts[m].status.status.value in ("off_track", "at_risk") or ev.verdicts[m].listed_as_miss for m in found)
    text = report.causes(ev)
    for mid, c in found.items():
        assert ev.cat.measure(mid).name_zh in text.replace("\\", "")
        for s in c.steps:
            if s.behind and c.kind == "growth" and c.model == "compound":
                assert f"{s.year}年增长{s.actual * 100:.1f}%" in text or f"{s.year}年下降{abs(s.actual) * 100:.1f}%" in text
    adj = adjustments(ev.cat, ev.verdicts)
    assert adj and all(a.probability < 0.3 and ev.verdicts[a.measure_id].listed_as_miss for a in adj)
    words = report.adjustments(ev)
    assert all(ev.cat.measure(a.measure_id).name_zh in words for a in adj) and "按程序" in words
    assert "已提前达到2020年目标的子指标" in report.achievements(ev)


def test_a_plan_without_tables_2_3_5_gets_no_annex_for_them(monkeypatch):
    from dataclasses import replace

    from kpitrack.publish.content import card, report

    ev = report.evaluate(2018, "synthetic")
    bare = replace(ev, cat=replace(ev.cat, special_targets=(), problem_areas=(), standards=()))
    keys = [k for k, _ in report.annexes(bare)]
    assert "special" not in keys and "social" not in keys and report.annex_heading(bare, "special") == ""
    assert report.annex_heading(bare, "method") == f"## 附件{keys.index('method') + 1}　评估方法"
    c = card.prepare("市发改委", 2018, "synthetic", "")
    assert card.heading(replace(c, cat=bare.cat), "special") == "" and card.heading(c, "special").startswith("## 三、")


def test_the_final_draws_lessons_and_proposals_from_its_own_record():
    from kpitrack.analysis.final import MISSED
    from kpitrack.publish.content import final_report as fr

    fe = fr.evaluate_final("synthetic")
    missed = [o for _, ms in fe.outcomes.values() for o in ms if o.outcome == MISSED]
    proposals = fr.proposals(fe).replace("\\", "")
    assert missed and all(fe.cat.measure(o.measure_id).name_zh in proposals for o in missed)
    lessons = fr.lessons(fe).replace("\\", "")
    assert f"{fe.retro_as_of}年中期评估认为达标概率不足五成的子指标" in lessons
    assert fe.calibration.text_zh() in fr.retrospective_note(fe) and fe.calibration.text_zh() not in lessons  # said once


def test_a_real_report_never_judges_a_demonstrations_challenge_targets():
    """Issue 33: the bundled challenge file is a demonstration for the synthetic data; the real report
    says no challenge targets were declared, with no table; the synthetic one keeps its table."""
    from kpitrack.publish.content import plan_sections

    text, table = plan_sections.challenges(2018, "hangzhou")
    assert table is None and "未申报挑战目标" in text and "演示" not in text
    text, table = plan_sections.challenges(2018, "synthetic")
    assert table is not None and "演示选择" in text


def test_the_head_and_the_signoff_are_escaped_for_every_format(tmp_path):
    """An office or a title with markup, quotes, backslashes or typst code stays text: escaped in the
    HTML, a string literal in typst (the PDF compiles and shows it as typed)."""
    import subprocess

    import typst

    from kpitrack.publish.content.masthead import Head, Imprint, Signoff

    evil = '<script>alert(1)</script> "#pagebreak()" \\ ] ``` $x$'
    head = Head((evil, "第二办公室"), f"{evil}〔2019〕1号", (evil, "标题"), evil, evil, True, date(2019, 3, 31))
    tail = Signoff((evil, "附件二"), (evil,), date(2019, 3, 31))
    stamp = Imprint(evil, evil, date(2019, 3, 31))
    for block in (head, tail, stamp):
        assert "<script>" not in block.html() and "&lt;script&gt;" in block.html()
    raw = "\n".join(b.typst().replace("```{=typst}", "").replace("```", "") for b in (head, tail, stamp))
    src = tmp_path / "t.typ"
    src.write_text(raw, encoding="utf-8")
    (tmp_path / "t.pdf").write_bytes(typst.compile(str(src)))
    text = subprocess.run(["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True).stdout
    assert "<script>alert(1)</script>" in text and "#pagebreak()" in text


def test_a_cause_and_the_status_judge_a_measure_on_one_basis():
    """外贸出口总额占全国比重 grew as fast as the trajectory asked in 2017 but never made up 2016's
    shortfall: the status says 存在风险 on the 2017 level, and 原因分析 says why on the same level,
    never only "达到所需速度". So for every lagging measure whose last level is short."""
    from kpitrack.analysis.findings import causes
    from kpitrack.core.labels import fmt
    from kpitrack.publish.content import report
    from kpitrack.publish.content.conclusions import cause_text

    ev = report.evaluate(2018, "synthetic")
    found = causes(ev.cat, ev.ds, ev.verdicts, 2018)
    export = cause_text(ev.cat, found["K22.export_share"])
    assert "2017年达到所需速度" in export and "2017年为20.32‰，仍低于规划轨迹的20.40‰" in export
    assert "20.32‰" in ev.verdicts["K22.export_share"].status.reason_zh
    for mid, c in found.items():
        if c.kind == "growth" and c.last is not None and c.last.behind:
            assert f"{c.last.year}年为{fmt(c.last.actual, c.unit)}" in cause_text(ev.cat, c), mid


def test_a_reposts_date_never_dates_the_real_mid_term():
    """The 2018 tourism figures were read from a 2021 repost (中商情报网 2021-01-09): that is the
    repost's day, not the figures' publication, which is unknown; the real 2018 mid-term is dated by
    the newest figure whose publication date is known (2019), never 2021."""
    from kpitrack.data.source_kinds import site
    from kpitrack.publish.content import masthead, report
    from urllib.parse import urlparse

    ev = report.evaluate(2018, "hangzhou")
    obs = ev.ds.observations
    tourism = obs[obs["measure_id"].str.startswith("K24") & (obs["year"] == 2018)]
    assert len(tourism) and ev.ds.undated(tourism).all()
    assert masthead.issue_date(ev.ds, 2018).year == 2019
    dated = obs[(obs["year"] <= 2018) & ~ev.ds.undated(obs)]
    for r in dated.itertuples():
        host = urlparse(str(r.source).split()[0]).netloc
        reposter = site(host) if host else None
        if reposter is not None and reposter[1]:  # a reposting site's figure keeps only its original's date
            assert r.known_from[:4] <= "2019", (r.measure_id, r.known_from, r.source)


def test_a_figure_known_only_from_a_low_source_is_marked_in_the_kpi_table():
    """PM2.5 of 2020 is known only from a page that reposted the news: the KPI table says
    公布数（待核实）, and the API says low_source for the same figure; GDP at current prices reads the
    city's first releases, the compiled database's revised series kept aside (未采用)."""
    import kpitrack as kt
    from kpitrack.publish.content import report

    ev = report.evaluate(2020, "hangzhou")
    t = report.kpi_table(ev).set_index("指标")
    assert t.loc["细颗粒物（PM2.5）年均浓度", "数据来源"] == "公布数（待核实）"
    f = kt.figures("hangzhou", measure="K08.pm25", region="330100")
    chosen = f[f["preferred"] & (f["year"] == 2020)].iloc[0]
    assert chosen["low_source"] and chosen["source_kind"] == "other_web"
    gdp = kt.figures("hangzhou", measure="K01.gdp_nominal", region="330100")
    assert set(gdp.loc[gdp["preferred"], "quality"]) == {"reported"} and gdp.loc[gdp["other_basis"], "source_kind"].eq("database").all()


def test_the_finals_achievements_never_count_a_kpi_twice():
    """K09's good-air days lagged at the mid-term and met its target: said of K09 in the line that
    names it, never counted again as "另有…1项"."""
    from kpitrack.publish.content import final_report

    text = final_report.achievements(final_report.evaluate_final("hangzhou"))
    assert "K09" in text and "其中市区日空气质量优良天数在2018年中期评估时" in text
    assert "另有2018年中期评估时" not in text

"""Documents that read as official (issue 17, items 4-7 and the sources appendix), on the library's
content functions: what a reader sees, without rendering."""

from __future__ import annotations

import re

import pytest

from kpitrack.core.labels import COUNT_UNITS, Status, fmt
from kpitrack.data.actuals import context_series, kpi_series
from kpitrack.publish.content import bulletin as bl
from kpitrack.publish.content import report
from kpitrack.publish.content.display import Link, table_html, table_markdown
from kpitrack.publish.content.sources import publication_date, source_link

from .conftest import REPO


@pytest.fixture(scope="module")
def real():
    return report.evaluate(2018, "hangzhou")


# --------------------------------------------------------------------------- 4. derived figures

def test_a_derived_series_never_starts_the_trajectory_when_official_figures_exist(real):
    obs = real.ds.observations
    k09 = kpi_series(obs, "K09.good_air_days")
    assert set(k09["method"]) == {"official"} and 2015 not in set(k09["period"])  # the derived 287 of 2015 is not the KPI
    context = context_series(obs, "K09.good_air_days")
    assert set(context["method"]) == {"daily-derived"} and {2015, 2016, 2017} <= set(context["period"])
    st = next(ms for s in real.statuses for ms in s.measures if ms.measure_id == "K09.good_air_days")
    assert st.trajectory_value == 280  # the plan's 280, not a path falling from the derived 287
    assert st.latest_method == "official"


def test_derived_figures_are_drawn_apart_from_the_official_line(real):
    from kpitrack.publish.content.figures import CONTEXT_NAME, kpi_figure

    i = next(i for i, k in enumerate(real.cat.kpis) if k.id == "K09")
    fig = kpi_figure(real.cat.kpis[i], real.ds, real.statuses[i], "zh", real.outlooks)
    official = [t for t in fig.data if t.name == "实际值（公布）"]
    context = [t for t in fig.data if t.name == CONTEXT_NAME]
    assert official and context
    assert 287 not in [v for t in official for v in t.y]            # not on the official line
    assert context[0].mode == "markers" and 287 in context[0].y       # apart, as markers, labelled not official
    assert not any("daily" in str(t.name) or t.name == "实际值（由日数据推算）" for t in fig.data)


def test_an_older_figure_in_a_bulletin_says_its_period_and_the_city_only_bulletin_is_titled_so():
    august = bl.prepare("2019-08", "330100", "hangzhou")
    rows = {r["指标"]: r for r in bl.measures_table(august).to_dict("records")}
    assert re.search(r"（1—\d+月，最新，推算）", rows["市区日空气质量优良天数"]["本期"])  # the derived May figure under a 1—8月 title says so
    assert "最新" in {r["指标"]: r for r in bl.changes_table(august).to_dict("records")}["市区日空气质量优良天数"]["本期"]
    b = bl.prepare("2019-12", "330100", "hangzhou")
    rows = {r["指标"]: r for r in bl.measures_table(b).to_dict("records")}
    assert rows["市区日空气质量优良天数"]["本期"] == "287天"  # December: the official year's figure, not May's derived 133
    assert rows["细颗粒物（PM2.5）年均浓度"]["本期"].endswith("（推算）")  # a year computed from daily data says so
    changes = {r["指标"]: r for r in bl.changes_table(b).to_dict("records")}
    good_air = changes["市区日空气质量优良天数"]
    assert good_air["全年预计（80%区间）"] == "287天（全年数）" and good_air["上期"] == "—"  # no change from a derived May
    pm = changes["细颗粒物（PM2.5）年均浓度"]["全年预计（80%区间）"]
    assert "全年实际" not in pm and "非官方" in pm  # a December figure derived from daily data is not an official year
    title = bl.title(b)
    assert "各区、县（市）" not in title and title.startswith("杭州市")
    assert "各区、县（市）" in bl.title(bl.prepare("2018-06", "330100", "synthetic"))


def test_the_bulletins_note_states_the_rule_its_statuses_were_given_by():
    from kpitrack.analysis.pace import RATIO_AT_RISK
    from kpitrack.core.labels import Status

    december = bl.prepare("2020-12", "330100", "synthetic")
    statuses = {p.status for m in december.pace.measures for d in bl.districts() if (p := december.pace.get(m.id, d.code))
                and p.value is not None and p.target is not None}
    assert statuses <= {Status.ACHIEVED, Status.OFF_TRACK} and Status.OFF_TRACK in statuses
    note = bl.method_note(december)
    assert "不再有“存在风险”" in note and "95%以上" not in note and "全年预计" not in note
    june = bl.prepare("2020-06", "330100", "synthetic")
    note = bl.method_note(june)
    assert f"达到其{RATIO_AT_RISK:.0%}以上的为“存在风险”" in note
    at_risk = [p for m in june.pace.measures for d in bl.districts() if (p := june.pace.get(m.id, d.code))
               and p.status == Status.AT_RISK and p.completion is not None]
    assert at_risk and all(RATIO_AT_RISK <= p.ratio < 1 for p in at_risk)


def test_advice_never_says_no_forecast_of_a_measure_whose_chart_draws_one():
    ev = report.evaluate(2018, "synthetic", "zh", "")
    drawn = [o for o in ev.outlooks.values() if not o.assessable and not o.fan.empty]
    assert drawn  # measures without a numeric end target: their trend is forecast and charted
    text = report.advice(ev)
    assert "未作期末预测" not in text and "不作期末达标预测" in text


def test_an_expected_or_approximate_figure_says_so_wherever_its_kind_is_printed(real):
    from kpitrack.core.labels import quality_zh
    from kpitrack.publish.content.sources import sources_table

    assert quality_zh("preliminary", "左右；原单位：%") == "初步数（约数）"
    assert quality_zh("preliminary", "预计1.35万亿；原单位：亿元") == "初步数（预计）"
    assert quality_zh("reported", "原文：…预计1.35万亿元,增长7%左右…；原单位：亿元") == "公布数"  # a quotation speaks of other figures
    quote = "原文：全市实现地区生产总值预计1.35万亿元,增长7%左右;其中一般公共预算收入1825.06亿元,增长12.5%。；原单位：亿元"
    assert quality_zh("reported", quote, 1825.06) == "公布数"  # its own clause says nothing of the kind
    assert quality_zh("preliminary", "原文：研发经费支出占地区生产总值比重预计提高至3.3%,财政科技支出增长28%", 3.3) == "初步数（预计）"
    assert quality_zh("reported", "约束性指标") == "公布数" and quality_zh("reported", "全市约3.3%") == "公布数（约数）"
    assert quality_zh("reported", "", low=True) == "公布数（待核实）"
    # the 2018 growth the city's work report gave as 增长7%左右: the table judging on it and the sources annex both say 约数
    row = report.kpi_table(real).set_index("指标").loc["地区生产总值增速（可比价）"]
    assert row["实际值"].endswith("（2018年）") and "约数" in row["数据来源"]
    names = {m.id: (m.name_zh, m.unit) for m in real.cat.measures}
    annex = sources_table(real.ds, 2018, names)
    assert ((annex["年份"] == "2018年") & (annex["数值"] == row["实际值"].removesuffix("（2018年）"))
            & (annex["类别"] == "初步数（约数）")).sum() == 1


def test_a_december_bulletin_with_figures_still_on_pace_states_both_rules(monkeypatch):
    december = bl.prepare("2020-12", "330100", "synthetic")
    monkeypatch.setattr(bl, "shown_months", lambda b: {11, 12})  # a measure's December figure not yet out
    note = bl.method_note(december)
    assert "全年数据已出的指标看全年完成情况" in note and "其余指标（尚无12月数据）按1—11月进度" in note
    assert "全年预计" in note and bl.lagging_words(december) == "进度滞后或存在风险"
    monkeypatch.setattr(bl, "shown_months", lambda b: {12})
    assert bl.lagging_words(december) == "进度滞后" and "全年预计" not in bl.method_note(december)
    assert "存在风险" not in bl.overview(december).replace("不再有“存在风险”", "")


def test_a_chance_reads_in_the_same_words_in_the_adjustments_and_the_outlook_table():
    from kpitrack.analysis.outlook import probability_text

    ev = report.evaluate(2018, "synthetic", "zh", "")
    text = report.adjustments(ev)
    table = report.outlook_table(ev)
    shown = {str(v) for col in table.columns for v in table[col]}
    found = 0
    for m in ev.cat.measures:
        o = ev.outlooks[m.id]
        if o.assessable and f"{m.name_zh}（" in text and o.probability is not None and o.probability < 0.3:
            words = probability_text(o.probability)  # 可能难以实现（约10%）
            band, number = words.split("（")[0], words.split("（")[1].rstrip("）")
            assert f"达标概率{number}，{band}" in text, (m.id, words)
            assert any(words in v for v in shown), (m.id, words)
            found += 1
    assert found and "基本无法实现" not in text and "实现难度很大" not in text


def test_the_city_bulletins_overview_counts_the_districts_once():
    text = bl.overview(bl.prepare("2020-12", "330100", "synthetic"))
    assert "13个区、县（市）均已报送数据" in text, text
    assert re.search(r"(\d+个)\1", text) is None, text  # never "13个13个区、县（市）"


# --------------------------------------------------------------------------- 5. two kinds of "no judgement"

def test_no_target_and_no_data_are_counted_apart(real):
    counts = report.status_counts(real)
    labels = list(counts.iloc[:, 0])
    assert "无量化目标" in labels and "数据不足" in labels
    no_target = [s for s in real.statuses if s.status == Status.NO_TARGET]
    assert no_target and all("量化目标" in ms.reason_zh or "仅作跟踪" in ms.reason_zh for s in no_target for ms in s.measures)
    assert "数据不足" in report.summary(real) and "未设量化目标" in report.summary(real)


# --------------------------------------------------------------------------- 6. the gap shown

def test_the_gap_is_target_minus_forecast_in_the_targets_direction():
    ev = report.evaluate(2018, "synthetic")
    table = report.outlook_table(ev)
    assert "预计差距" not in table.columns and "与目标差距" in table.columns
    for m in ev.cat.measures:
        o = ev.outlooks[m.id]
        if not o.likely_miss or o.target_kind not in ("level", "floor"):
            continue
        row = table[table["指标"] == m.name_zh].iloc[0]
        expected = abs(o.target_value - o.forecast_median)
        shown = float(re.search(r"[\d,.]+", row["与目标差距"].split("目标", 1)[1]).group(0).replace(",", ""))
        tol = 0.5 if m.unit in COUNT_UNITS else 0.06  # counts are shown whole
        assert shown == pytest.approx(expected, rel=0.01, abs=tol), (m.id, row["与目标差距"], expected)
        assert row["与目标差距"].startswith("低于目标" if m.direction == "higher" else "高于目标")


# --------------------------------------------------------------------------- 7. scores of real units

def test_scores_of_real_units_on_demonstration_choices_are_not_published(tmp_path, capsys):
    from kpitrack.cli import main
    from kpitrack.publish.runs.site import _scores_page

    page = _scores_page(2018, ["hangzhou", "synthetic"])
    real_part, synthetic_part = page.split("## 演示数据", 1)
    assert "未发布" in real_part and "| 1 |" not in real_part and "95.00" not in real_part
    assert "示意" in synthetic_part and "95.00" in synthetic_part
    assert main(["scores", "--year", "2018", "--dataset", "hangzhou"]) == 0
    out = capsys.readouterr().out
    assert "示意" in out.splitlines()[1] and "Empty DataFrame" not in out and str(REPO) not in out
    assert main(["scores", "--year", "2018", "--dataset", "synthetic", "--out", str(tmp_path / "s.txt")]) == 0
    assert f"wrote {tmp_path / 's.txt'}" in capsys.readouterr().out


def test_the_demonstration_flag_is_checked(cat, tmp_path):
    from kpitrack.analysis.scores import load_challenges
    from kpitrack.core.exceptions import ValidationError

    bad = tmp_path / "c.yaml"
    bad.write_text("year: 2018\nchallenge: [K05]\ndemonstration: maybe\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="demonstration"):
        load_challenges(bad, cat, 2018)
    assert load_challenges(REPO / "params" / "challenges-2018.yaml", cat, 2018).demonstration


# --------------------------------------------------------------------------- the sources appendix

def test_the_sources_appendix_reads_as_chinese_with_links_and_no_code_ids(real):
    table = report.sources_table(real)
    assert list(table.columns) == ["指标", "年份", "数值", "类别", "公布日期", "来源类别", "来源"]
    text = table.astype(str).to_string()
    for code in ("K01.gdp_const", "kpitrack.", "seed=", "licence", "CC0", "commit", "PRELIMINARY", "reporting", "repost"):
        assert code not in text, code
    assert not re.search(r"\bK\d\d\.", text)
    assert "2026-11-26" not in text and "未知" in text  # the collection day never stands in for a publication date
    links = [v for v in table["来源"] if isinstance(v, Link) and v.url]
    assert links and all(v.url.startswith(("http://", "https://")) for v in links)
    units = [v for v in table["数值"] if v]
    assert all(re.search(r"[^\d,.]$", v) for v in units)  # every figure with its unit
    html = table_html(table)
    assert '<a href="http' in html
    md = table_markdown(table)
    assert "](http" in md


def test_a_number_or_a_year_is_never_broken_in_a_pdf_table(real):
    md = table_markdown(report.sources_table(real))
    for cell in (c for line in md.splitlines()[2:] for c in line.split(" | ")):
        if "](" in cell:
            continue  # a link: its address may break, its text is Chinese
        assert not re.search(r"\d\u200b\d", cell), cell  # no break point inside digits (201/5, 10,0/54)
        assert not re.search(r"\d\u200b[,.]\d|\d[,.]\u200b\d", cell), cell


def test_source_links_and_dates(real):
    assert source_link("kpitrack.synthetic (seed=20171130)，合成数据").url is None
    link = source_link("http://x.gov.cn/a.html (杭州市统计局 2019-02-01, reporting 2018年统计公报) | http://x.gov.cn/a.html")
    assert link == Link("政府网站：2018年统计公报", "http://x.gov.cn/a.html")
    # never a bare address: a reposting site is cited 转引自, after the publication when its note names one
    assert source_link("https://www.bkwk.cn/a.html").text == "原始出处未注明，转引自文档分享网站（www.bkwk.cn）"
    assert source_link("http://download.cucdc.com/w.html (Hangzhou Statistical Yearbook 2018 table 12-01)").text.startswith(
        "杭州统计年鉴2018，转引自")
    assert source_link("http://town.zjol.com.cn/a.shtml").text == "浙江在线报道"
    assert source_link("<b>统计局</b>").text == "<b>统计局</b>"  # as typed; escaped when shown
    assert "<b>" not in table_html(__import__("pandas").DataFrame({"来源": [source_link("<b>统计局</b>")]}))
    assert Link("x", "javascript:alert(1)").url is None  # only http(s) becomes a link
    assert publication_date(real.ds.collected, real.ds) == "未知" and publication_date("2019-06-05", real.ds) == "2019年6月5日"


def test_one_decimal_rule_per_unit_and_units_on_reasons(real):
    assert fmt(8.76, "%") == "8.8%" and fmt(10, "%") == "10.0%" and fmt(62.75, "小时/周") == "62.8小时/周"
    assert fmt(37.23, "μg/m³") == "37.2μg/m³" and fmt(-0.04, "个百分点") == "0.0个百分点"
    ev = report.evaluate(2018, "synthetic")
    for s in ev.statuses:
        for ms in s.measures:
            m = ev.cat.measure(ms.measure_id)
            for number in re.findall(r"(?:平均|累计|实际值|上限|目标)(-?[\d,]+\.?\d*)(\S?)", ms.reason_zh):
                assert number[1] and not number[1].isdigit(), (ms.measure_id, ms.reason_zh)
            del m


def test_no_cli_commands_paths_or_english_on_reader_pages(real):
    texts = [report.method_note(), report.outlook_note(real), report.headline(real), report.summary(real),
             report.masthead(real).plain(), report.opening(real), report.achievements(real), report.causes(real),
             report.adjustments(real), bl.method_note(bl.prepare("2018-06", "330100", "synthetic"))]
    for t in texts:
        assert "kpitrack " not in t and "docs/" not in t and "KPI" not in t and "Brier" not in t, t[:80]

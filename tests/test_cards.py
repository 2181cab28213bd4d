"""Performance cards (issue 10, part 1): one unit's card through the batch runner, its content."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from kpitrack.cli import main
from kpitrack.core.exceptions import ParameterError
from kpitrack.publish.content import card

from .conftest import REPO


def test_card_content_for_one_unit(cat):
    c = card.prepare("市国推办", 2018, "synthetic")  # an alias finds the unit
    assert c.unit.name == "市发改委"
    table = card.kpi_table(c)
    assert list(table["编号"]) == ["K03", "K04", "K25"]  # every measure of its KPIs, a shared KPI (K04) included
    assert {"2018年目标", "实际值", "状态", "2020年达标概率", "要实现目标需要"} <= set(table.columns)
    k25 = table[table["编号"] == "K25"].iloc[0]
    assert k25["状态"].code == "off_track" and "进度滞后" in str(k25["状态"]) and k25["要实现目标需要"].startswith("需")  # lagging: what it would take
    special = card.special_table(c)
    assert {v.split(" ")[0] for v in special["专项目标"] if v} == {"S01", "S03", "S05", "S06", "S09"}
    assert "合成数据" in card.headline(c)
    assert re.search(r"子指标状态：\S+ \d+项", card.headline(c))  # the statuses, counted


def test_a_cumulative_measures_completion_says_the_years_figures_it_comes_from(cat):
    c = card.prepare("市建委", 2018, "synthetic")
    row = card.kpi_table(c).set_index("编号").loc["K13"]
    assert str(row["实际值"]).startswith("累计") and str(row["2018年目标"]).startswith("累计")
    found = re.fullmatch(r"(\d+\.\d)%（当年([\d,]+)套/([\d,]+)套）", row["本年完成率"])
    assert found, row["本年完成率"]
    share, actual, target = float(found[1]), float(found[2].replace(",", "")), float(found[3].replace(",", ""))
    assert abs(share - 100 * actual / target) < 0.06  # the share of the figures printed beside it, not of the sums


def test_a_cards_score_is_traced_line_by_line_with_the_kpi_tables_figures(cat):
    c = card.prepare("市商务委", 2018, "synthetic")  # scored on Table 2's sub-targets, its one KPI not scored
    lines = card.score_table(c)
    scored = lines[~lines["计分"].str.startswith("不计分")]
    n = int(re.search(r"计分目标(\d+)项", card.score_text(c))[1])
    assert len(scored) == n and set(scored["表"]) == {"表2"}
    kpis = card.kpi_table(c).set_index("指标")
    for _, row in lines[lines["表"] == "表1"].iterrows():  # a KPI's line reads as the KPI table does
        name = row["指标"].split(" ", 1)[1]
        assert kpis.loc[name, "本年完成率"].split("（")[0] == row["完成率"]
    assert all(re.fullmatch(r"\d+\.\d%", v) for v in scored["计分"])
    none = card.prepare("市交通运输局", 2018, "synthetic")
    assert card.heading(none, "scores").endswith("得分明细")
    # the sum under the lines: their mean times the base share is the base score printed above
    found = re.search(r"平均(\d+\.\d\d)%×(\d+)分＝(\d+\.\d\d)分", card.score_sum(c))
    mean = sum(float(v.rstrip("%")) for v in scored["计分"]) / len(scored)
    assert found and abs(float(found[1]) - mean) < 0.06 and abs(float(found[1]) * float(found[2]) / 100 - float(found[3])) < 0.011
    assert f"基本分{found[3]}" in card.score_text(c)


def test_a_unit_without_sub_indicators_has_no_empty_status_line(cat):
    c = card.prepare("市交通运输局", 2018, "synthetic")  # it leads a special target, holds no KPI
    head = card.headline(c)
    assert "0项（子指标0项）" in head and "子指标状态" not in head


def test_card_items_of_the_official_reading():
    # 市环保局 leads S08 with 24 sub-targets: its name stands once, each row says the year it is due
    c = card.prepare("市环保局", 2018, "synthetic")
    special = card.special_table(c)
    named = [v for v in special["专项目标"] if v]
    assert named == ["S08 建设美丽中国样本"] and len(special) > 10
    years = {f"{s.year}年" for t in c.cat.special_targets if t.id == "S08" for s in t.subtargets}
    assert set(special["目标年份"]) == years and "2020年目标" not in special.columns
    # each judged as `kpitrack special` judges it (one computation), its outcome's code carried to the page
    from kpitrack.publish.content.listings import special_listing

    listed = special_listing(2018, "synthetic").table
    listed = listed[listed["special_id"] == "S08"]
    assert [str(v) for v in special["结果"]] == list(listed["结果"])
    assert {v.code for v in special["结果"]} >= {"achieved", "off_track", "no_target"}
    # the card carries the unit's score, the same as the yearly scores, and says why a light may differ
    from kpitrack.analysis.scores import load_challenges, unit_scores

    challenges = load_challenges(REPO / "params" / "challenges-2018.yaml", c.cat, 2018)
    theirs = next(u for u in unit_scores(c.cat, c.ds, 2018, challenges) if u.unit.name == "市环保局")
    assert f"{theirs.score.total * 100:.2f}分" in card.score_text(c) and c.score.rank == theirs.rank
    assert "示意" in card.score_text(c)  # synthetic data: illustrative only
    table = card.kpi_table(c)
    assert {"本年完成率", "计分"} <= set(table.columns)
    assert "两者并不矛盾" in card.score_note()
    # a unit whose KPIs have nothing to draw gets no empty 趋势 heading
    police = card.prepare("市公安局", 2018, "synthetic")
    assert card.trend_figures(police) == [] and card.kpi_table(police).empty
    assert len(card.trend_figures(c)) == 3
    with pytest.raises(ParameterError, match="unknown responsible unit"):
        card.prepare("市火星局", 2018, "synthetic")


@pytest.mark.slow
def test_cards_command_writes_each_units_card(tmp_path, monkeypatch, capsys):
    import kpitrack.publish.runs.cards as cards

    monkeypatch.setattr(cards, "card_folder", lambda as_of, dataset, reports_dir=None: tmp_path / f"{as_of}-{dataset}")
    code = main(["cards", "--as-of", "2018", "--dataset", "synthetic", "--units", "市民政局,市轨道办", "--to", "html",
                 "--jobs", "2", "--renderer", "fallback"])
    assert code == 0, capsys.readouterr()
    out = tmp_path / "2018-synthetic"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "cards" and set(manifest["items"]) == {"市民政局", "市轨道办"}
    html = (out / "市民政局.html").read_text(encoding="utf-8")
    assert "<title>市民政局绩效卡（2018年）（合成数据　仅供演示）</title>" in html and "每千名老人拥有社会养老床位数" in html
    assert html.count("Plotly.newPlot") == 1  # a small trend chart of its one KPI
    nb = nbformat.read(str(out / "市轨道办.ipynb"), as_version=4)
    text = "\n".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells for o in c.get("outputs", []))
    assert "S07" in text or "专项目标" in text  # a unit with special targets only still gets its card


def test_card_notebook_has_no_logic_of_its_own():
    nb = nbformat.read(REPO / "notebooks" / "performance_card.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import pandas" not in code and "def " not in code
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    for name in ("unit", "as_of", "dataset"):
        assert re.search(rf"^{name} = ", params.source, re.M)


def test_a_cards_standards_are_dated_as_official_documents_date_them(cat):
    """Issue 32: no ISO date on a page (2018-02-22发布 is 2018年2月22日发布)."""
    import re

    from kpitrack.plan.responsible import responsible_units

    seen = 0
    for unit in responsible_units(cat):
        t = card.standards_table(card.prepare(unit, 2018, "synthetic"))
        for cell in t["情况"].astype(str):
            assert not re.search(r"\d{4}-\d{2}-\d{2}", cell), (unit, cell)
            seen += "年" in cell and "发布" in cell
    assert seen > 0

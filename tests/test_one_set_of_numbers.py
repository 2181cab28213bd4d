"""One set of numbers (issue 17): the documents, built as a reader gets them, agree with each other.

The synthetic 2018 mid-term and 2020 final evaluations, the 2020-12 city bulletin and a card are
executed with papermill; the test then reads what their outputs show (the tables' text and the
charts' data) and checks across them:

- the 2020 forecast of every measure is the same in the mid-term table, the mid-term chart and the
  final evaluation's look-back;
- the December figures of the city bulletin are the annual figures the final evaluation judged;
- no status is contradicted by the numbers shown next to it;
- the card and the report give a measure the same status.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from kpitrack.core.labels import STATUS_ZH, Status
from kpitrack.publish.runs.run import execute, execute_notebook

from .conftest import REPO

pytestmark = pytest.mark.slow
NUMBER = re.compile(r"-?[\d,]+(?:\.\d+)?")


def _num(text: str) -> float:
    return float(NUMBER.search(text).group(0).replace(",", ""))


def _unbox(cell: str) -> str:
    """A cell as shown: the text of the typst boxes the PDF sets whole (a figure, a heading, a status)."""
    text = lambda t: t.replace('\\"', '"').replace("\\\\", "\\")  # noqa: E731 - a typst string's text
    cell = re.sub(r'`#box\[#text\(fill: rgb\("[^"]*"\)\)\[●\] #"((?:[^"\\]|\\.)*)"\]`\{=typst\}', lambda m: text(m.group(1)), cell)
    return re.sub(r'`#box\("((?:[^"\\]|\\.)*)"\)`\{=typst\}', lambda m: text(m.group(1)), cell)


def _tables(nb) -> dict[str, list[dict[str, str]]]:
    """Every table a notebook shows, by caption: its rows as {column: cell text} (markdown unescaped)."""
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            md = o.get("data", {}).get("text/markdown")
            if not md or "|" not in md:
                continue
            caption = re.match(r"\*\*(.+?)\*\*", md)
            lines = [ln for ln in md.splitlines() if ln.startswith("|")]
            cells = [[re.sub(r"\\(.)", r"\1", re.sub(r"`[^`]*`\{=typst\}\s*", "", _unbox(c))).replace("\u200b", "").strip()
                      for c in ln.strip("|").split(" | ")] for ln in lines]
            head, rows = cells[0], cells[2:]
            out[caption.group(1) if caption else str(len(out))] = [dict(zip(head, r)) for r in rows]
    return out


def _charts(nb) -> list[dict]:
    return [o["data"]["application/vnd.plotly.v1+json"] for c in nb.cells for o in c.get("outputs", [])
            if "application/vnd.plotly.v1+json" in o.get("data", {})]


def _chart_value(nb, measure_name: str, year: int, trace: str) -> float | None:
    """The value a report's chart shows for a measure (the panel titled by its name) in a year."""
    for fig in _charts(nb):
        for i, ann in enumerate(fig["layout"].get("annotations", [])):
            title = re.sub(r"<[^>]+>", "", str(ann.get("text", "")))
            if not title.startswith(measure_name + "（"):
                continue
            axis = "x" + ("" if i == 0 else str(i + 1))
            for tr in fig["data"]:
                if tr.get("xaxis") == axis and tr.get("name") == trace and year in tr["x"]:
                    return tr["y"][tr["x"].index(year)]
    return None


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    mid = execute({"as_of": 2018, "dataset": "synthetic", "language": "zh", "data_as_of": ""}, out / "mid.ipynb")
    final = execute({"as_of": 2020, "dataset": "synthetic", "language": "zh", "data_as_of": "", "retro_as_of": 2018,
                     "retro_data_as_of": ""}, out / "final.ipynb")
    bulletin = execute_notebook(REPO / "notebooks" / "monthly_bulletin.ipynb", out / "bulletin.ipynb",
                                {"month": "2020-12", "region": "330100", "dataset": "synthetic", "data_as_of": "", "language": "zh"})
    card = execute_notebook(REPO / "notebooks" / "performance_card.ipynb", out / "card.ipynb",
                            {"unit": "市环保局", "as_of": 2018, "dataset": "synthetic", "data_as_of": ""})
    return {k: nbformat.read(str(p), as_version=4) for k, p in
            {"mid": mid, "final": final, "bulletin": bulletin, "card": card}.items()}


def test_the_2020_forecast_is_the_same_in_table_chart_and_look_back(built, cat):
    mid_tables = _tables(built["mid"])
    table = mid_tables["2020年目标达标概率不足五成的子指标"]
    assert table, "the synthetic mid-term lists measures forecast to miss"
    look_back = {r["指标"]: r for r in _tables(built["final"])["2018年中期评估对2020年的预测与实际值"]}
    # the chart's forecast line ends at 2020: its last value, per chart
    ends = [tr["y"][-1] for fig in _charts(built["mid"]) for tr in fig["data"]
            if tr.get("name") == "预测（中值）" and tr["x"][-1] == 2020]
    checked = 0
    for row in table:
        shown = row["预测中值（80%区间）"]
        if not shown.startswith("2020年"):
            continue  # a sum or an average over years: not one year's point on the chart
        number = NUMBER.search(shown[len("2020年"):]).group(0)
        value = float(number.replace(",", ""))
        digits = len(number.split(".")[1]) if "." in number else 0
        tol = 0.5 * 10 ** -digits + 1e-9
        assert any(abs(v - value) <= tol for v in ends), (row["指标"], value)
        back = look_back[row["指标"]]["2018年所作2020年预测中值（80%区间）"]
        assert abs(_num(back) - value) <= tol, (row["指标"], shown, back)
        checked += 1
    assert checked >= 3


def test_the_december_bulletin_shows_the_annual_figures_of_the_final_evaluation(built, cat):
    rows = _tables(built["bulletin"])["杭州市各项指标完成情况"]
    checked = 0
    for r in rows:
        name = r["指标"].replace("（季度）", "")
        annual = _chart_value(built["final"], name, 2020, "合成数据")  # the figure the final evaluation shows and judges
        assert annual is not None, name
        shown = NUMBER.search(r["本期"]).group(0)
        digits = len(shown.split(".")[1]) if "." in shown else 0
        assert abs(float(shown.replace(",", "")) - annual) <= 0.5 * 10 ** -digits + 1e-9, (name, r["本期"], annual)
        checked += 1
    assert checked == 6  # GDP and its growth, revenue and its growth, investment growth, income


def test_no_status_is_contradicted_by_the_numbers_next_to_it(built):
    on, risk, off, done = (STATUS_ZH[s] for s in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.ACHIEVED))
    rows = _tables(built["bulletin"])["杭州市各项指标完成情况"]
    for r in rows:
        status, got, due = r["状态"], r["完成进度"], r["进度要求"]
        if got.endswith("%") and due.endswith("%") and "个百分点" not in got:  # a running total: share done vs share due
            g, d = _num(got), _num(due)
            if g >= 100:
                assert status in (done, on), r
            elif g >= d:
                assert status == on, r
            else:
                assert status in (risk, off), r
        elif "个百分点" in got:  # a growth rate: points above or below the target rate (December: the year met)
            p = _num(got)
            assert (status in (on, done)) == (p >= 0), r
    # no number a reader sees reads "-0.0": not in a table, not on a bar
    shown = [json.dumps(_tables(built["bulletin"]), ensure_ascii=False)]
    shown += [str(tr.get("text", "")) for fig in _charts(built["bulletin"]) for tr in fig["data"]]
    shown += [str(a.get("text", "")) for fig in _charts(built["bulletin"]) for a in fig["layout"].get("annotations", [])]
    assert not any(re.search(r"-0\.0(?!\d)", t) for t in shown)


def test_the_card_and_the_report_agree_on_every_status(built):
    report = {r["指标"]: r["状态"] for r in _tables(built["mid"])["各项关键绩效指标子指标的目标、实际值、当年轨迹值与状态"]}
    card = _tables(built["card"])["市环保局负责的关键绩效指标"]
    assert card
    for r in card:
        assert r["状态"].split(" ")[-1] == report[r["指标"]], r

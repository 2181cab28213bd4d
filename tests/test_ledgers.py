"""The plan's other ledgers (issue 21): templates with drop-downs for Tables 2, 3 and 5 and the peer
figures, ingested like the KPI ledger: every bad row named by file, row and field with nothing
written; an accepted file becomes a vintage; a correction replaces a row and the old stays on file;
concurrent ingests queue; what reads the ledger (commands, reports) sees the new rows."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import datetime

import pytest
from openpyxl import load_workbook

from kpitrack.cli import main
from kpitrack.core.exceptions import AlreadyIngested, ValidationError
from kpitrack.data.plan_ledger_vintages import fold, rows_known_at
from kpitrack.data.plan_ledgers import KINDS, ingest_ledger, kind, vintages
from kpitrack.data.peers import load_peers
from kpitrack.plan.catalogue import catalogue

from .conftest import tree_bytes


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.mark.parametrize("name", list(KINDS))
def test_xlsx_templates_have_drop_downs_a_list_sheet_and_instructions(tmp_path, name):
    assert main(["template", "--kind", name, "--out", str(tmp_path / "t.xlsx")]) == 0
    wb = load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["台账", "清单", "说明"]
    headers = [c.value for c in wb["台账"][1]]
    assert headers == [c.zh for c in kind(name).columns]
    lists = wb["台账"].data_validations.dataValidation
    assert lists and all(dv.type == "list" and "清单" in dv.formula1 for dv in lists)
    listed = [c.value for c in wb["清单"]["A"][1:] if c.value]
    assert listed == kind(name).lists(catalogue())[kind(name).columns[0].key]  # the first column's choices


def test_a_filled_xlsx_with_date_cells_ingests_and_the_reports_see_it(data_copy, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    main(["template", "--kind", "special", "--out", str(out)])
    wb = load_workbook(out)
    ws = wb["台账"]
    ws.append(["S06.west_station_start", 2018, datetime(2018, 12, 28), "reported", "杭州西站开工新闻 <script>x</script>", datetime(2018, 12, 29)])
    ws.append(["S01.tourism_revenue", 2019, 4005, "reported", "2019年统计公报", datetime(2020, 3, 1)])
    wb.save(out)
    capsys.readouterr()
    assert main(["ingest", str(out), "--kind", "special"]) == 0
    assert "as vintage 1" in capsys.readouterr().out
    assert main(["special", "--year", "2019", "--format", "json"]) == 0
    by = {d["subtarget_id"]: d for d in json.loads(capsys.readouterr().out)["subtargets"]}
    assert by["S06.west_station_start"]["outcome"] == "achieved" and by["S06.west_station_start"]["reached"] == "2018-12-28"
    assert by["S01.tourism_revenue"]["value"] == 4005 and by["S01.tourism_revenue"]["value_year"] == 2019
    folder = data_copy / "actuals" / "hangzhou"
    assert [v.vintage for v in vintages(folder, kind("special"))] == [0, 1]  # vintage 0: the ledger as it was


def test_bad_rows_are_named_by_the_files_own_rows_and_nothing_is_written(data_copy, tmp_path, capsys):
    before = tree_bytes(data_copy)
    bad = _write(tmp_path / "bad.csv", [["问题编号", "年份", "完成情况", "是否公示", "满意度", "来源"],
                                        ["P1.01", "2018", "yes", "yes", "88", "整改报告"],
                                        [],
                                        ["P9.99", "2030", "maybe", "yes", "120", ""]])
    assert main(["ingest", str(bad), "--kind", "rectification"]) == 2
    err = capsys.readouterr().err
    for expected in ("bad.csv:4:problem: 'P9.99' is not a problem of Table 3", "bad.csv:4:year:", "bad.csv:4:done: 'maybe'",
                     "bad.csv:4:satisfaction: '120'", "bad.csv:4:source:", "nothing was written"):
        assert expected in err, err
    missing = _write(tmp_path / "missing.csv", [["表5序号", "来源"], ["3", "x"]])
    assert main(["ingest", str(missing), "--kind", "standards"]) == 2
    assert "missing.csv:1:issued_on: missing column(s): 发布日期" in capsys.readouterr().err
    syn = _write(tmp_path / "s.csv", [["表5序号", "发布日期", "来源"], ["3", "2018-05-01", "x"]])
    assert main(["ingest", str(syn), "--kind", "standards", "--dataset", "synthetic"]) == 2
    assert "synthetic" in capsys.readouterr().err
    assert tree_bytes(data_copy) == before


def test_a_correction_is_a_new_vintage_that_replaces_the_row_and_keeps_the_old(data_copy, tmp_path, capsys):
    folder = data_copy / "actuals" / "hangzhou"
    k, cat = kind("standards"), catalogue()
    first = _write(tmp_path / "a.csv", [["表5序号", "发布日期", "标准编号", "来源"], ["3", "2018-05-01", "DB3301/T 1", "公告1"],
                                       ["5", "2019-02-01", "DB3301/T 2", "公告2"]])
    fix = _write(tmp_path / "b.csv", [["no", "issued_on", "document_no", "source"], ["3", "2018-06-01", "DB3301/T 1", "更正公告"]])
    ingest_ledger(first, k, folder, cat)
    with pytest.raises(AlreadyIngested):
        ingest_ledger(first, k, folder, cat)
    ingest_ledger(fix, k, folder, cat)
    rows = {r["no"]: r for _, r in rows_known_at(folder, "standards", k.key)}
    assert rows["3"]["issued_on"] == "2018-06-01" and rows["5"]["issued_on"] == "2019-02-01" and len(rows) == 2
    done = vintages(folder, k)
    assert [v.vintage for v in done] == [1, 2]  # no ledger before: no vintage 0
    assert fold(folder, "standards", k.key, done[:1])[0]["issued_on"] == "2018-05-01"  # the old stays on file
    assert main(["standards", "--year", "2019", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["by_year"][-1]["issued"] == 2


def test_peer_figures_ingest_into_the_rankings_and_may_correct_a_bundled_figure(data_copy, tmp_path, capsys):
    f = _write(tmp_path / "p.csv", [["城市", "指标", "年份", "数值", "数据质量", "来源"],
                                    ["杭州", "gdp_real_growth", "2019", "6.8", "reported", "2019年杭州市国民经济和社会发展统计公报"],
                                    ["宁波", "gdp_real_growth", "2019", "6.8", "reported", "2019年杭州市国民经济和社会发展统计公报"],
                                    ["火星", "gdp_real_growth", "2019", "1", "reported", "x"]])
    assert main(["ingest", str(f), "--kind", "peers"]) == 2
    assert "p.csv:4:city: '火星' is not a city of the peer groups" in capsys.readouterr().err
    _write(f, [["城市", "指标", "年份", "数值", "数据质量", "来源"],
               ["杭州", "gdp_real_growth", "2019", "6.8", "reported", "公报2019"],
               ["宁波", "gdp_real_growth", "2019", "6.8", "reported", "公报2019"]])
    assert main(["ingest", str(f), "--kind", "peers"]) == 0
    peers = load_peers()
    mine = peers.figures[peers.figures["source"] == "公报2019"]
    assert len(mine) == 2 and set(mine["city"]) == {"杭州", "宁波"}
    capsys.readouterr()
    assert main(["peers", "--measure", "gdp_real_growth", "--year", "2019", "--group", "yrd", "--source", "公报2019", "--format", "json"]) == 0
    ranked = json.loads(capsys.readouterr().out)
    rows = ranked["ranking"] if isinstance(ranked, dict) else ranked
    got = [r for r in rows if r.get("rank") is not None]
    assert [(r["city"], r["rank"]) for r in got] == [("宁波", 1), ("杭州", 1)] or [(r["city"], r["rank"]) for r in got] == [("杭州", 1), ("宁波", 1)]


def test_concurrent_ingests_queue_and_keep_both(data_copy, tmp_path):
    files = []
    for i, no in enumerate(("7", "8", "9", "10")):
        files.append(_write(tmp_path / f"f{i}.csv", [["no", "issued_on", "source"], [no, "2019-03-01", f"公告{no}"]]))
    code = ("import sys; from pathlib import Path; from kpitrack.data.plan_ledgers import ingest_ledger, kind; "
            "from kpitrack.plan.catalogue import catalogue; "
            f"ingest_ledger(Path(sys.argv[1]), kind('standards'), Path({str(data_copy / 'actuals' / 'hangzhou')!r}), catalogue())")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(f)]) for f in files]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    folder = data_copy / "actuals" / "hangzhou"
    assert sorted(v.vintage for v in vintages(folder, kind("standards"))) == [1, 2, 3, 4]
    assert sorted(r["no"] for _, r in rows_known_at(folder, "standards", kind("standards").key)) == ["10", "7", "8", "9"]


def test_an_unreadable_or_empty_file_is_one_clear_problem(data_copy, tmp_path, capsys):
    (tmp_path / "x.xlsx").write_bytes(b"not a workbook")
    assert main(["ingest", str(tmp_path / "x.xlsx"), "--kind", "special"]) == 2
    assert "x.xlsx::-: cannot read" in capsys.readouterr().err
    (tmp_path / "e.csv").write_text("子目标编号,年份,数值,数据质量,来源\n", encoding="utf-8")
    assert main(["ingest", str(tmp_path / "e.csv"), "--kind", "special"]) == 2
    assert "has no rows" in capsys.readouterr().err
    with pytest.raises(ValidationError, match="known-from"):
        ingest_ledger(tmp_path / "e.csv", kind("special"), data_copy / "actuals" / "hangzhou", catalogue(), known_from="yesterday")


def test_peer_figures_as_known_on_a_day_leave_out_a_later_ingest(data_copy, tmp_path):
    f = _write(tmp_path / "p.csv", [["城市", "指标", "年份", "数值", "数据质量", "来源"],
                                    ["宁波", "gdp_real_growth", "2019", "6.8", "reported", "公报2019"]])
    ingest_ledger(f, kind("peers"), data_copy / "peers", catalogue(), known_from="2020-03-01")
    now, before = load_peers(), load_peers(known_at="2020-02-29")
    assert (now.figures["source"] == "公报2019").sum() == 1
    assert (before.figures["source"] == "公报2019").sum() == 0
    assert len(before.figures) == len(now.figures) - 1
    from kpitrack.publish.content import peer_section

    assert len(peer_section.known("2020-02-29").figures) == len(before.figures)

"""Ledgers: the template, a clean example, and bad ledgers of every kind, each refused whole with
a file:row:field message, a non-zero exit and data/ left byte for byte as it was."""

from __future__ import annotations

import re
from datetime import datetime

import openpyxl
import pytest

from kpitrack.data.actuals import best_values, load_dataset
from kpitrack.cli import main
from kpitrack.data.kpi_ledger import read_ledger
from kpitrack.plan.catalogue import catalogue

from .conftest import REPO, tree_bytes

HEADER = "指标编号,指标名称,地区,时期,数值,单位,来源,备注"
GOOD = "K12.income,全体居民人均可支配收入,杭州市,2017,49832,元,杭州统计年鉴2018,"


def run_cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_refused(capsys, data_copy, path, pattern, *extra):
    """Ingesting ``path`` exits 2 with a message matching ``pattern`` after the file name, and
    leaves data/ byte for byte as it was."""
    before = tree_bytes(data_copy)
    code, _, err = run_cli(capsys, "ingest", str(path), *extra)
    assert code == 2, err
    assert re.search(re.escape(str(path)) + pattern, err), err
    assert tree_bytes(data_copy) == before
    return err


def write_csv(tmp_path, lines, name="ledger.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding=encoding)
    return p


def write_xlsx(tmp_path, rows, name="ledger.xlsx", tweak=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    for r in rows:
        ws.append(r)
    if tweak:
        tweak(ws)
    p = tmp_path / name
    wb.save(p)
    return p


XROW = ["K12.income", "全体居民人均可支配收入", "杭州市", "2017", 49832, "元", "杭州统计年鉴2018", ""]


def _bytes(path, data):
    path.write_bytes(data)
    return path


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


BAD_CSV = {
    "unknown measure": ([HEADER, GOOD.replace("K12.income", "K12.incom")], r":2:measure_id: unknown KPI measure 'K12.incom' \(did you mean K12.income\?\)"),
    "unknown region": ([HEADER, GOOD.replace("杭州市", "西湖县")], r":2:region: unknown region '西湖县'"),
    "unconvertible unit": ([HEADER, GOOD.replace(",元,", ",亿美元,")], r":2:unit: unit '亿美元' cannot be converted to '元'"),
    "text in value": ([HEADER, GOOD.replace("49832", "约5万")], r":2:value: value '约5万' is not a number"),
    "empty value": ([HEADER, GOOD.replace("49832", "")], r":2:value: value is empty"),
    "duplicate rows": ([HEADER, GOOD, GOOD], r":3:-: duplicate of row 2"),
    "year before the plan": ([HEADER, GOOD.replace(",2017,", ",2014,")], r":2:period: year 2014 is outside the plan period 2015-2020"),
    "malformed period": ([HEADER, GOOD.replace(",2017,", ",去年,")], r":2:period: period '去年' is not a year"),
    "month 13": ([HEADER, GOOD.replace(",2017,", ",2017-13,")], r":2:period: period '2017-13' is not a year"),
    "percentage above 100": ([HEADER, "K10.water_share,,杭州市,2018,120,%,公报,"], r":2:value: a percentage must lie in 0-100, got 120"),
    "negative count": ([HEADER, "K23.airport_destinations,,杭州市,2018,-3,个,口岸办,"], r":2:value: negative value -3"),
    "monthly figure for annual measure": ([HEADER, "K05.rd_share,,杭州市,2018-06,3.2,%,科委,"],
                                          r":2:period: monthly figure for K05.rd_share, which is reported yearly only"),
    "quarterly measure in May": ([HEADER, "K01.gdp_nominal,,上城区,2018-05,500,亿元,统计局,"], r":2:period: K01.gdp_nominal is quarterly"),
    "missing column": (["指标编号,地区,时期,数值,单位", "K12.income,杭州市,2017,49832,元"], r":1:header: missing column\(s\): 来源"),
    "unknown column": ([HEADER + ",填报人", GOOD + ",张三"], r":1:填报人: unknown column '填报人'"),
    "truncated line": ([HEADER, "K12.income,全体居民人均可支配收入,杭州市,2017"], r":2:-: expected 8 columns, found 4"),
    "unclosed quote": ([HEADER, 'K12.income,"全体居民,杭州市,2017,49832,元,来源,'], r":2:-: malformed CSV: unexpected end of data"),
    "name does not match id": ([HEADER, GOOD.replace("全体居民人均可支配收入", "城镇居民人均可支配收入")],
                               r":2:measure_name: name '城镇居民人均可支配收入' is not the name of K12.income"),
    "empty source": ([HEADER, GOOD.replace("杭州统计年鉴2018", "")], r":2:source: every figure needs its source"),
    "too many days": ([HEADER, "K09.good_air_days,,杭州市,2018,400,天,公报,"], r":2:value: 400 days in a year"),
    "bad quality": ([HEADER + ",数据质量", GOOD + ",guess"], r":2:quality: 'guess' is not one of reported"),
    "header only": ([HEADER], r"::-: the ledger holds no figures"),
    "several problems at once": ([HEADER, GOOD.replace("K12.income", "K99.x"), GOOD.replace("杭州市", "火星")],
                                 r":2:measure_id: unknown KPI measure 'K99.x'.*\n.*:3:region: unknown region '火星'"),
}


@pytest.mark.parametrize("kind", list(BAD_CSV))
def test_bad_csv_ledger_is_refused(kind, tmp_path, data_copy, capsys):
    lines, pattern = BAD_CSV[kind]
    err = assert_refused(capsys, data_copy, write_csv(tmp_path, lines), pattern)
    assert "nothing was written" in err


BAD_XLSX = {
    "formula": ([HEADER.split(","), XROW], lambda ws: ws.__setitem__("E2", "=49000+832"), r":2:E2: formula '=49000\+832' in cell E2"),
    "merged cells": ([HEADER.split(","), XROW, XROW[:3] + ["2018"] + XROW[4:]], lambda ws: ws.merge_cells("C2:C3"),
                     r":2:C2:C3: merged cells C2:C3"),
    "text value": ([HEADER.split(","), XROW[:4] + ["四万九"] + XROW[5:]], None, r":2:value: value '四万九' is not a number"),
    "unknown region": ([HEADER.split(","), XROW[:2] + ["杭州湾"] + XROW[3:]], None, r":2:region: unknown region '杭州湾'"),
    "empty cell value": ([HEADER.split(","), XROW[:4] + [None] + XROW[5:]], None, r":2:value: value is empty"),
}


@pytest.mark.parametrize("kind", list(BAD_XLSX))
def test_bad_xlsx_ledger_is_refused(kind, tmp_path, data_copy, capsys):
    rows, tweak, pattern = BAD_XLSX[kind]
    assert_refused(capsys, data_copy, write_xlsx(tmp_path, rows, tweak=tweak), pattern)


@pytest.mark.parametrize("kind,make,pattern", [
    ("truncated xlsx", lambda t: _truncate(write_xlsx(t, [HEADER.split(","), XROW])), r"::-: not a readable .xlsx workbook"),
    ("binary csv", lambda t: _bytes(t / "x.csv", b"\x00\x01\x02PK"), r"::-: binary content"),
    ("not text at all", lambda t: _bytes(t / "y.csv", bytes(range(128, 256)) * 3), r"::-: cannot decode the file"),
    ("xls file", lambda t: _bytes(t / "old.xls", b"\xd0\xcf\x11\xe0"), r"::-: unsupported file type '.xls'"),
    ("missing file", lambda t: t / "nowhere.csv", r"::-: file not found"),
    ("empty file", lambda t: _bytes(t / "empty.csv", b""), r"::-: the ledger holds no figures"),
])
def test_unreadable_files_are_refused(kind, make, pattern, tmp_path, data_copy, capsys):
    assert_refused(capsys, data_copy, make(tmp_path), pattern)


def test_ledger_into_a_synthetic_dataset_is_refused(tmp_path, data_copy, capsys):
    assert_refused(capsys, data_copy, write_csv(tmp_path, [HEADER, GOOD]), r"::-: dataset 'synthetic' holds synthetic data",
                   "--dataset", "synthetic")


def test_bad_known_from_is_refused(tmp_path, data_copy, capsys):
    assert_refused(capsys, data_copy, write_csv(tmp_path, [HEADER, GOOD]), r"::known_from: --known-from: '2019-02-30' is not a calendar date",
                   "--known-from", "2019-02-30")


def test_gbk_ledger_is_read(tmp_path, data_copy, capsys):
    path = write_csv(tmp_path, [HEADER, GOOD], encoding="gbk")
    assert read_ledger(path).encoding == "gbk"
    code, out, err = run_cli(capsys, "ingest", str(path))
    assert code == 0, err
    assert "as vintage 3" in out


def test_units_are_converted(tmp_path, data_copy, capsys):
    path = write_csv(tmp_path, [HEADER, "K02.revenue,,杭州市,2017,15670000,万元,公报,"])
    code, _, err = run_cli(capsys, "ingest", str(path))
    assert code == 0, err
    ds = load_dataset("hangzhou", catalogue(data_copy / "plan"), actuals_dir=data_copy / "actuals")
    row = ds.observations.query("measure_id == 'K02.revenue' and year == 2017").iloc[0]
    assert row["value"] == pytest.approx(1567.0) and row["unit"] == "亿元"
    assert "台账原值15670000万元" in row["note"]


def test_excel_dates_and_numbers_as_periods(tmp_path, data_copy, capsys):
    rows = [HEADER.split(","), ["K02.revenue", "", "上城区", datetime(2018, 6, 1), 120.5, "亿元", "区财政局台账", ""],
            ["K12.income", "", "杭州市", 2017, 49832, "元", "年鉴", ""]]
    code, out, err = run_cli(capsys, "ingest", str(write_xlsx(tmp_path, rows)))
    assert code == 0, err
    ds = load_dataset("hangzhou", catalogue(data_copy / "plan"), actuals_dir=data_copy / "actuals")
    assert "2018-06" in set(ds.observations["period"])


def test_the_example_ledgers_ingest_cleanly(data_copy, capsys):
    for name in ("ledger_example.csv", "ledger_example.xlsx"):
        code, out, err = run_cli(capsys, "ingest", str(REPO / "data" / "examples" / name))
        assert code == 0, err
    code, _, err = run_cli(capsys, "ingest", str(REPO / "data" / "examples" / "ledger_example.csv"))
    assert code == 2 and "already ingested as vintage 3" in err


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_template(suffix, tmp_path, capsys):
    out = tmp_path / f"t.{suffix}"
    code, _, err = run_cli(capsys, "template", "--out", str(out))
    assert code == 0, err
    led = read_ledger(out)
    assert [p.message for p in led.problems] == ["the ledger holds no figures"]  # all columns known, no rows
    if suffix == "xlsx":
        wb = openpyxl.load_workbook(out)
        ws = wb["台账"]
        lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
        assert lists["A2:A5000"].startswith("='指标'!$A$2") and lists["C2:C5000"].startswith("='地区'!$B$2")
        assert wb["指标"].max_row == len(catalogue().measures) + 1
        assert wb["地区"].max_row == 15


def test_revision_keeps_both_vintages_and_as_of_reproduces_the_earlier_status(tmp_path, data_copy, capsys):
    before_cmd = ("status", "--as-of", "2018", "--format", "csv")
    _, table_before, _ = run_cli(capsys, *before_cmd)
    path = write_csv(tmp_path, [HEADER, "K12.income,全体居民人均可支配收入,杭州市,2017,45000,元,修订后的统计年鉴,修订"])
    code, _, err = run_cli(capsys, "ingest", str(path), "--known-from", "2025-01-15")
    assert code == 0, err
    _, table_after, _ = run_cli(capsys, *before_cmd)
    assert table_after != table_before  # the revision changes the status of K12
    _, table_then, _ = run_cli(capsys, "status", "--as-of", "2018", "--data-as-of", "2025-01-14", "--format", "csv")
    assert table_then == table_before  # the data as known the day before reproduce the earlier table
    cat = catalogue(data_copy / "plan")
    ds = load_dataset("hangzhou", cat, actuals_dir=data_copy / "actuals")
    values = sorted(ds.observations.query("measure_id == 'K12.income' and year == 2017")["value"])
    assert values == [45000, 49832]  # both vintages kept
    assert best_values(ds.observations.query("measure_id == 'K12.income'")).set_index("year").loc[2017, "value"] == 45000


def test_figures_ingested_without_a_date_read_from_that_day_and_show_unknown(tmp_path, data_copy, capsys, monkeypatch):
    """Nobody said when they were published: read as known from the ingest day (the data as known the
    day before leave them out), shown 未知 on pages, never setting a document's 数据截至 or 成文日期."""
    from datetime import date as day

    from kpitrack.api.meta import vintages
    from kpitrack.core import clock
    from kpitrack.publish.content.masthead import data_cutoff
    from kpitrack.publish.content.sources import publication_date

    cat = catalogue(data_copy / "plan")
    before = data_cutoff(load_dataset("hangzhou", cat, actuals_dir=data_copy / "actuals"))
    path = write_csv(tmp_path, [HEADER, "K12.income,全体居民人均可支配收入,上城区,2020,77000,元,区统计局台账,"])
    code, out, err = run_cli(capsys, "ingest", str(path))
    assert code == 0, err
    assert "no --known-from" in out and "未知" in out
    ingested = clock.today().isoformat()  # the workspace's day (China's), not the machine's: they differ 16:00-24:00 UTC
    dated = write_csv(tmp_path, [HEADER, "K12.income,全体居民人均可支配收入,上城区,2019,79000,元,统计公报,"], name="dated.csv")
    code, _, err = run_cli(capsys, "ingest", str(dated), "--known-from", "2023-03-01")
    assert code == 0, err
    ds = load_dataset("hangzhou", cat, actuals_dir=data_copy / "actuals")
    new = ds.observations[ds.observations["vintage"] >= ds.observations["vintage"].max() - 1]
    row = new.query("year == 2020").iloc[0]
    assert not row["dated"] and row["known_from"] == ingested and bool(ds.undated().loc[row.name])
    assert publication_date(row["known_from"], ds, row["dated"]) == "未知"
    stated = new.query("year == 2019").iloc[0]
    assert stated["dated"] and publication_date(stated["known_from"], ds, stated["dated"]) == "2023年3月1日"
    cut = data_cutoff(ds)
    assert ingested not in cut and cut.startswith(max(before[:10], "2023-03-01"))
    v = vintages("hangzhou")
    assert list(v["dated"].tail(2)) == [False, True]
    # reading the past: known from the ingest day, not from a rule's assumed day
    day_before = (clock.today().toordinal() - 1)
    earlier = load_dataset("hangzhou", cat, actuals_dir=data_copy / "actuals", known_at=day.fromordinal(day_before).isoformat())
    assert not (earlier.observations["value"] == 77000).any()
    assert (load_dataset("hangzhou", cat, actuals_dir=data_copy / "actuals", known_at=ingested).observations["value"] == 77000).any()


def test_a_publication_date_in_the_future_or_before_its_period_is_refused(tmp_path, data_copy, capsys):
    """A 公布日期 that has not come yet (it would date a report in 2030), or one before the period of
    the figure began, is a typing error: refused by file:row:field; 2019年6月5日 (as the reports
    write dates) is read as a date."""
    header = HEADER + ",公布日期"
    assert_refused(capsys, data_copy, write_csv(tmp_path, [header, GOOD + ",2030-01-01"]), r":2:known_from: known_from 2030-01-01 is in the future")
    assert_refused(capsys, data_copy, write_csv(tmp_path, [header, GOOD + ",2015-01-01"], name="early.csv"),
                   r":2:known_from: known_from 2015-01-01 is before the period 2017 began")
    assert_refused(capsys, data_copy, write_csv(tmp_path, [HEADER, GOOD], name="flag.csv"), r"::known_from: --known-from 2031-01-01 is in the future",
                   "--known-from", "2031-01-01")
    code, _, err = run_cli(capsys, "ingest", str(write_csv(tmp_path, [header, GOOD + ",2018年3月5日"], name="zh.csv")))
    assert code == 0, err
    ds = load_dataset("hangzhou", catalogue(data_copy / "plan"), actuals_dir=data_copy / "actuals")
    assert "2018-03-05" in set(ds.observations["known_from"])


@pytest.mark.parametrize("bad", ["\u202e", "\x07", "\x1b[31m"])
def test_an_invisible_control_character_in_a_source_or_note_is_refused(bad, tmp_path, data_copy, capsys):
    """A right-to-left override or a terminal escape would hide or reorder text on an official page."""
    assert_refused(capsys, data_copy, write_csv(tmp_path, [HEADER, f"K12.income,全体居民人均可支配收入,杭州市,2017,49832,元,统计{bad}公报,"]),
                   r":2:source: source holds an invisible control character U\+")
    assert_refused(capsys, data_copy, write_csv(tmp_path, [HEADER, GOOD + f"注{bad}"], name="note.csv"),
                   r":2:note: note holds an invisible control character U\+")

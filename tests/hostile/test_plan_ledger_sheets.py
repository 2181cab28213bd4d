"""Hostile round 3 (issue 31): the Tables 2/3/5 and peer ledgers are read by the KPI ledger's reader of
sheets: what is ingested is what a person sees, or a problem by sheet, row and column."""

from __future__ import annotations

import pytest

HEADER = ["subtarget", "year", "value", "quality", "source", "known_from", "note"]
ROW = ["S01.tourism_revenue", 2018, 3589, "reported", "https://example.org", "2021-01-09", ""]


def _book(tmp_path, edit):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(HEADER)
    ws.append(ROW)
    edit(wb, ws)
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    return path


def _read(path):
    from kpitrack.data.plan_ledgers import kind, read_filled

    return read_filled(path, kind("special"))


def _hidden_row(wb, ws):
    ws.append(ROW[:1] + [2019] + ROW[2:])
    ws.row_dimensions[3].hidden = True


def _hidden_sheet(wb, ws):
    other = wb.create_sheet("旧数据")
    other.append(HEADER)
    other.append(ROW)
    other.sheet_state = "hidden"


def _second_sheet(wb, ws):
    other = wb.create_sheet("补充")
    other.append(HEADER)
    other.append(ROW)


def _hidden_column(wb, ws):
    ws["H2"] = "藏起来的数"
    ws.column_dimensions["H"].hidden = True


def _formula(wb, ws):
    ws["C2"] = "=1000*3.589"


def _long(wb, ws):
    ws["G2"] = "长" * 20_000


@pytest.mark.parametrize("edit,words", [(_hidden_row, "hidden"), (_hidden_sheet, "hidden"), (_second_sheet, "also holds data"),
                                        (_hidden_column, "hidden"), (_formula, "formula"), (_long, "characters")])
def test_what_a_person_does_not_see_is_refused_by_sheet_row_and_column(edit, words, tmp_path):
    rows, problems = _read(_book(tmp_path, edit))
    assert problems and any(words in p.message for p in problems), problems


def test_a_percent_cell_is_read_as_shown(tmp_path):
    def pct(wb, ws):
        ws.append(["S01.tourism_revenue_growth", 2018, 0.865, "reported", "https://example.org", "2021-01-09", ""])
        ws["C3"].number_format = "0.0%"  # Excel shows 86.5%

    rows, problems = _read(_book(tmp_path, pct))
    assert not problems
    assert [r["value"] for _, r in rows] == ["3589", "86.5"]  # as the person sees it, never 0.865
    assert [i for i, _ in rows] == [2, 3]


@pytest.mark.parametrize("subtarget,value,words", [("S01.tourism_revenue", "3,5", "not a number"),
                                                   ("S01.tourism_revenue", "3.000,5", "not a number"),
                                                   ("S01.tourism_revenue", "３５８９", "not a number"),
                                                   ("S01.tourism_revenue", "1e308", "beyond"),
                                                   ("S01.tourism_revenue", "-3000", "below zero"),
                                                   ("S01.tourism_revenue_growth", "5000", "not a share or a rate")])
def test_a_value_no_figure_can_take_is_refused_by_row_and_field(subtarget, value, words, data_copy, tmp_path, capsys):
    from kpitrack.cli import main

    f = tmp_path / "special.csv"
    f.write_text("subtarget,year,value,quality,source,known_from,note\n"
                 f"{subtarget},2018,\"{value}\",reported,https://example.org,2021-01-09,\n", encoding="utf-8")
    assert main(["ingest", str(f), "--kind", "special", "--dataset", "hangzhou"]) == 2
    err = capsys.readouterr().err
    assert "value" in err and words in err, err[-800:]


def test_a_number_as_a_person_writes_it():
    from kpitrack.core.input_files import parse_number

    assert [parse_number(t) for t in ("12,345.6", "3589", "-2.5", "1e3", ".5")] == [12345.6, 3589.0, -2.5, 1000.0, 0.5]
    assert [parse_number(t) for t in ("3,5", "3.000,5", "1,23", "²⁰¹⁸", "inf", "nan", "", "1 000")] == [None] * 8


@pytest.mark.parametrize("unit,ok", [("万元", False), ("10k yuan", False), ("亿元", True), ("100 million yuan (亿元)", True), ("", True)])
def test_a_peer_figure_in_another_unit_is_refused(unit, ok, data_copy, tmp_path, capsys):
    """A peer GDP of 119,851,000 in 万元 would be ranked as 亿元: the row's unit must be the indicator's."""
    from kpitrack.cli import main

    f = tmp_path / "p.csv"
    value = "119851000" if not ok else "11985.1"
    f.write_text("城市,指标,年份,数值,单位,数据质量,来源\n"
                 f"宁波,gdp_nominal,2019,{value},{unit},reported,宁波统计公报2019\n", encoding="utf-8")
    assert main(["ingest", str(f), "--kind", "peers"]) == (0 if ok else 2)
    if not ok:
        assert "unit" in capsys.readouterr().err


def test_every_bundled_peer_row_writes_its_indicators_unit():
    from kpitrack.data.peers import load_peers, unit_matches

    p = load_peers()
    assert all(unit_matches(str(r.unit), p.indicators[r.indicator].unit) for r in p.figures.itertuples() if str(r.unit).strip())


def test_two_value_columns_are_refused_not_the_last_one_taken(tmp_path):
    from kpitrack.data.plan_ledgers import kind, read_filled

    f = tmp_path / "special.csv"
    f.write_text("subtarget,year,数值,value,quality,source,known_from,note\n"
                 "S01.tourism_revenue,2018,3589,9999,reported,https://example.org,2021-01-09,\n", encoding="utf-8")
    rows, problems = read_filled(f, kind("special"))
    assert any("given twice" in p.message for p in problems)


def test_a_value_under_a_blank_header_is_refused_not_dropped(tmp_path):
    from kpitrack.data.plan_ledgers import kind, read_filled

    f = tmp_path / "v.csv"
    f.write_text("子目标编号,年份,数值,数据质量,来源,公布日期,备注,,\nS03.hightech_firms,2018,3000,reported,t,2019-01-01,,,x\n",
                 encoding="utf-8")
    rows, problems = read_filled(f, kind("special"))
    assert rows == [] and any("without a header" in p.message for p in problems)


@pytest.mark.parametrize("fmt,value,shown", [("0.0;[Red]-0.0%", -0.05, -5.0), ("0.0%;-0.0", -5.0, -5.0), ("0.0%", 0.865, 86.5),
                                             ("0.0%;-0.0%;0", 0, 0)])
def test_a_percent_format_is_read_by_the_section_that_shows_the_value(fmt, value, shown):
    from kpitrack.core.input_files import shown_number

    class Cell:
        number_format = fmt

    c = Cell()
    c.value = value
    assert shown_number(c) == shown


@pytest.mark.parametrize("header,words", [("code,code,name_zh,name_en,level", "given twice"),
                                          ("code,name_zh,name_en,level,备注", "unknown column")])
def test_a_regions_file_with_a_column_twice_or_unknown_is_refused(header, words, tmp_path):
    from kpitrack.core.exceptions import ValidationError
    from kpitrack.data.workspaces import read_regions

    f = tmp_path / "r.csv"
    row = "330200,1,宁波市,Ningbo,city" if "code,code" in header else "330200,宁波市,Ningbo,city,secret"
    f.write_text(f"{header}\n{row}\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=words):
        read_regions(f, "宁波市")


def test_a_column_of_booleans_in_the_apis_figures_is_refused():
    import pandas as pd

    import kpitrack as kt
    from kpitrack.core.exceptions import ValidationError

    df = pd.DataFrame({"measure_id": ["K12.income"] * 2, "region": ["330100"] * 2, "period": ["2017", "2018"], "value": [True, False]})
    with pytest.raises(ValidationError, match="not a number"):
        kt.status(figures=df, as_of=2018)


def test_a_csv_ledger_with_a_nul_byte_is_refused(tmp_path):
    """(openpyxl cannot write a NUL into a workbook, so the case arrives as text.)"""
    from kpitrack.data.plan_ledgers import kind, read_filled

    f = tmp_path / "special.csv"
    f.write_bytes("subtarget,year,value,quality,source,known_from,note\nS01.tourism_revenue,2018,3589,reported,https://e.org,2021-01-09,备注\x00截断\n"
                  .encode("utf-8"))
    rows, problems = read_filled(f, kind("special"))
    assert rows == [] and any("NUL" in p.message for p in problems)

"""Table 5's standards ledger (issue 21): rows checked with file, row and field; progress against the
plan's schedule by year and unit; a dataset without a ledger says so; the synthetic one is labelled."""

from __future__ import annotations

import json

import pytest

from kpitrack.analysis.standards import by_unit, by_year
from kpitrack.cli import main
from kpitrack.core.exceptions import ValidationError
from kpitrack.data.standards import SYNTHETIC_SOURCE, read_standards, synthetic_standards
from kpitrack.plan.catalogue import catalogue


def _ledger(tmp_path, text):
    (tmp_path / "standards.csv").write_text("no,issued_on,document_no,source,note\n" + text, encoding="utf-8")
    return read_standards(tmp_path, catalogue())


def test_progress_by_year_and_unit_against_the_schedule(tmp_path):
    cat = catalogue()
    s1, s4 = cat.standards[0], cat.standards[3]  # standard 1 due 2018 (市发改委); standard 4 due 2017 (市反恐办)
    assert (s1.year, s4.year) == (2018, 2017)
    ledger = _ledger(tmp_path, "1,2017-05-01,DB3301/T 1,来源,\n4,2018-03-01,DB3301/T 4,来源,\n")
    years = by_year(cat, ledger, 2018).set_index("year")
    due_2017 = sum(1 for s in cat.standards if s.year <= 2017)
    assert years.at[2017, "due"] == due_2017 and years.at[2017, "issued"] == 0  # no.4 came a year late
    assert years.at[2017, "ahead"] == 1                                         # no.1 a year early
    assert years.at[2018, "issued"] == 2 and years.at[2018, "overdue"] == years.at[2018, "due"] - 2
    units = by_unit(cat, ledger, 2017).set_index("unit")
    assert 4 in units.at["市反恐办", "overdue"] and units.at["市发改委", "issued"] == 0


def test_bad_rows_name_file_row_and_field(tmp_path):
    with pytest.raises(ValidationError) as err:
        _ledger(tmp_path, "101,2018-01-01,x,来源,\n2,2018-13-01,x,来源,\n3,2030-01-01,x,,\n3,2018-01-01,x,来源,\n")
    text = str(err.value)
    for expected in (":2:no: '101' is not a standard", ":3:issued_on: '2018-13-01' is not a date", ":4:issued_on: 2030-01-01 is outside",
                     ":4:source: every record needs its source", ":5:no: standard 3 is already recorded in row 4"):
        assert expected in text, text


def test_a_dataset_without_a_ledger_says_so_and_the_synthetic_one_is_labelled(capsys):
    assert main(["standards", "--year", "2018", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ledger"] is None and "尚未录入标准发布台账" in doc["missing_zh"]
    assert main(["standards", "--year", "2018", "--dataset", "synthetic", "--format", "json"]) == 0
    syn = json.loads(capsys.readouterr().out)
    assert syn["synthetic"] is True and syn["by_year"][-1]["year"] == 2018
    assert set(synthetic_standards(catalogue())["source"]) == {SYNTHETIC_SOURCE}
    assert synthetic_standards(catalogue()).equals(synthetic_standards(catalogue()))  # a fixed seed

"""Table 3's rectification ledger (issue 21): rows checked with file, row and field; the yearly
average satisfaction against the plan's 85%, at the precision shown; per lead unit; no ledger said."""

from __future__ import annotations

import json

import pytest

from kpitrack.analysis.rectification import by_unit, by_year
from kpitrack.cli import main
from kpitrack.core.exceptions import ValidationError
from kpitrack.data.rectification import read_rectification, synthetic_rectification
from kpitrack.plan.catalogue import catalogue

HEAD = "problem,year,target_zh,done,disclosed,satisfaction,source,note\n"


def _ledger(tmp_path, text):
    (tmp_path / "rectification.csv").write_text(HEAD + text, encoding="utf-8")
    return read_rectification(tmp_path, catalogue())


def test_the_85_percent_average_is_judged_at_the_precision_shown(tmp_path):
    ledger = _ledger(tmp_path, "P1.01,2018,t,yes,yes,84.96,s,\nP1.02,2018,t,partly,no,,s,\nP1.03,2018,t,no,no,85,s,\n"
                               "P1.01,2019,t,yes,yes,80,s,\nP1.02,2019,t,yes,yes,89,s,\n")
    y = by_year(ledger, 2020).set_index("year")
    assert y.at[2018, "satisfaction"] == pytest.approx(84.98) and y.at[2018, "met"] is True  # shown as 85.0%: met
    assert (y.at[2018, "targets"], y.at[2018, "done"], y.at[2018, "partly"], y.at[2018, "surveyed"]) == (3, 1, 1, 2)
    assert y.at[2019, "met"] is False and y.at[2020, "met"] is None and y.at[2020, "targets"] == 0  # no survey: undecided
    units = by_unit(catalogue(), ledger, 2018).set_index("unit")
    assert units.at["市规划局", "targets"] == 3 and units.at["市规划局", "done"] == 1


def test_bad_rows_name_file_row_and_field(tmp_path):
    with pytest.raises(ValidationError) as err:
        _ledger(tmp_path, "P9.99,2018,t,yes,yes,90,s,\nP1.01,2030,t,yes,yes,90,s,\nP1.01,2018,t,maybe,sure,120,,\n"
                          "P1.01,2018,t,yes,yes,90,s,\n")
    text = str(err.value)
    for expected in (":2:problem: 'P9.99' is not a problem of Table 3", ":3:year: '2030' is not a year of the plan",
                     ":4:done: 'maybe'", ":4:disclosed: 'sure'", ":4:satisfaction: '120'", ":4:source:",
                     ":5:-: P1.01 2018 is already recorded in row 4"):
        assert expected in text, text


def test_the_command_on_both_datasets(capsys):
    assert main(["rectification", "--year", "2018", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["ledger"] is None  # the real dataset keeps none, and says so
    assert main(["rectification", "--year", "2018", "--dataset", "synthetic", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["synthetic"] is True and doc["satisfaction_target"] == 85.0 and len(doc["by_year"]) == 3
    assert synthetic_rectification(catalogue()).equals(synthetic_rectification(catalogue()))

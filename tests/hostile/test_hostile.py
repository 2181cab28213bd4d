"""Run the hostile corpus (cases.py): every case refused with exit code, a message naming the file
and the row or field, no traceback, and data/ unchanged; every accepted case read as the user sees it."""

from __future__ import annotations

import re

import pytest

from kpitrack.cli import main
from kpitrack.data.actuals import load_dataset
from kpitrack.plan.catalogue import catalogue

from ..conftest import REPO, tree_bytes
from .cases import ACCEPTED, CASES


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_refused_cleanly(case, tmp_path, data_copy, capsys):
    args = case.build(tmp_path)
    before = tree_bytes(data_copy)
    reports_before = sorted(p.name for p in (REPO / "reports").glob("*.ipynb"))
    code = main(args)
    err = capsys.readouterr().err
    assert code == case.exit_code, err
    assert "Traceback" not in err
    assert re.search(case.message, err), err
    if case.names_file:
        assert str(args[1]) in err, err  # the message names the file
    assert len(err) < 20_000  # a long list of problems is capped
    assert tree_bytes(data_copy) == before
    assert sorted(p.name for p in (REPO / "reports").glob("*.ipynb")) == reports_before  # no notebook ran


@pytest.mark.parametrize("case", ACCEPTED, ids=[c.name for c in ACCEPTED])
def test_excel_and_text_numbers_are_read_as_the_user_sees_them(case, tmp_path, data_copy, capsys):
    path = case.build(tmp_path)
    code = main(["ingest", str(path)])
    assert code == 0, capsys.readouterr().err
    obs = load_dataset("hangzhou", catalogue()).observations
    last = obs[obs["vintage"] == obs["vintage"].max()]
    row = last[(last["measure_id"] == case.measure_id) & (last["period"] == case.period)]
    assert len(row) == 1 and row["value"].iloc[0] == pytest.approx(case.value)

"""Run the hostile corpus (cases.py): every case refused with exit code, a message naming the file
and the row or field, no traceback, and data/ unchanged; every accepted case read as the user sees it."""

from __future__ import annotations

import re

import pytest

from kpitrack.cli import main
from kpitrack.data.actuals import load_dataset
from kpitrack.plan.catalogue import catalogue

from ..conftest import NOTICE_ARGS, REPO, stored_text, tree_bytes
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


# --------------------------------------------------------------------------- round 2: the notice register

def _issue_one(capsys) -> str:
    assert main(["notices", "--month", "2018-05", "--dataset", "synthetic", *NOTICE_ARGS]) == 0
    out = capsys.readouterr().out
    found = re.search(r"issued (杭绩改〔2018〕\d+号)", out)
    assert found, out
    return found.group(1)


@pytest.mark.parametrize("args, message", [
    (["notices", "--month", "2018-06", "--dataset", "synthetic", "--date", "2001-01-01"], "before the plan began"),
    (["notices", "--month", "2018-06", "--dataset", "synthetic", "--date", "2018-06-03"], "issued after that month"),
    (["notices", "--month", "2018-06", "--dataset", "synthetic", "--date", "9999-12-31"], "in the future"),
])
def test_a_notice_with_an_impossible_date_is_refused(args, message, data_copy, capsys):
    before = tree_bytes(data_copy)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert tree_bytes(data_copy) == before


def test_an_answer_dated_before_its_notice_or_in_the_future_is_refused(data_copy, notice_docs, capsys):
    number = _issue_one(capsys)
    before = tree_bytes(data_copy)
    assert main(["notices", "answer", number, "--note", "已整改", "--dataset", "synthetic", "--date", "2018-01-01"]) == 2
    assert "before that" in capsys.readouterr().err
    assert main(["notices", "close", number, "--note", "完成", "--dataset", "synthetic", "--date", "9999-12-31"]) == 2
    assert "in the future" in capsys.readouterr().err
    assert tree_bytes(data_copy) == before


def test_a_note_that_looks_like_a_formula_is_stored_inert(data_copy, notice_docs, capsys):
    number = _issue_one(capsys)
    note = '=HYPERLINK("http://example.invalid","点此")'
    assert main(["notices", "answer", number, "--note", note, "--dataset", "synthetic", "--date", "2018-07-10", *NOTICE_ARGS]) == 0
    text = stored_text(data_copy, "notices/register-synthetic.csv")
    assert "'=HYPERLINK" in text and ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text
    from kpitrack.core.fileio import spreadsheet_safe

    assert [spreadsheet_safe(v) for v in ("-3", "+1", "@x", "正常", 5, -2.0)] == ["'-3", "'+1", "'@x", "正常", 5, -2.0]


def test_a_ledger_whose_file_name_is_gbk_bytes_is_ingested_and_named_readably(tmp_path, data_copy, capsys):
    import os

    raw = os.fsencode(str(tmp_path)) + b"/" + "台账".encode("gbk") + b".csv"
    with open(raw, "wb") as f:
        f.write("指标编号,地区,时期,数值,单位,来源\nK12.income,杭州市,2019,59261,元,统计公报\n".encode())
    assert main(["ingest", os.fsdecode(raw)]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    text = stored_text(data_copy, "actuals/hangzhou/vintages.csv")
    assert text.rstrip().endswith(",台账.csv,1,0")  # the name as the person who saved it reads it (undated: 0)


def test_a_notice_registered_but_not_rendered_gets_its_document_on_the_next_run(data_copy, notice_docs, capsys):
    from kpitrack.publish.content.notice import file_stem

    number = _issue_one(capsys)
    doc = notice_docs / "synthetic" / f"{file_stem(number)}.html"
    assert doc.is_file()
    # as if killed after the register was written: no document, and no entry of it in the manifest
    # (an issued document whose file went missing is not made again: see tests/test_notices.py)
    import json

    doc.unlink()
    manifest = doc.parent / "manifest.json"
    held = json.loads(manifest.read_text(encoding="utf-8"))
    del held["items"][file_stem(number)]
    manifest.write_text(json.dumps(held, ensure_ascii=False), encoding="utf-8")
    assert main(["notices", "--month", "2018-05", "--dataset", "synthetic", *NOTICE_ARGS]) == 0
    assert "0 notice(s) issued" in capsys.readouterr().out and doc.is_file()


# --------------------------------------------------------------------------- round 2: plain papermill

@pytest.mark.slow
def test_a_bad_parameter_stops_a_plain_papermill_run_with_one_line(tmp_path):
    """Run as a cron job would (papermill alone, no kpitrack run): the error is one clear line."""
    import subprocess
    import sys

    out = tmp_path / "out.ipynb"
    proc = subprocess.run([sys.executable, "-m", "papermill", str(REPO / "notebooks" / "performance_card.ipynb"), str(out), "-p", "as_of", "abc",
                           "-k", "python3"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    tail = proc.stderr.strip().splitlines()[-1]
    assert tail == "ParameterError: parameter as_of: expected a year such as 2018, got 'abc'", proc.stderr[-2000:]
    import nbformat

    errors = [o for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert errors[0].ename == "ParameterError" and len(errors[0].traceback) <= 2  # no frames of kpitrack's own code

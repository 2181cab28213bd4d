"""Hostile round 3 (issue 31): every reader refuses what is not a file of its kind before parsing
it: devices, pipes, and workbooks whose sheets claim a huge size."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _bomb(tmp_path: Path, sheet: str = "台账") -> Path:
    """A small workbook whose sheet claims A1:XFD1048576 (openpyxl's read-only mode trusts it)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(["a", "b"])
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
            dst.writestr(info, data)
    assert b"XFD1048576" in zipfile.ZipFile(bomb).read("xl/worksheets/sheet1.xml")
    return bomb


def _limited(code: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a Python limited to 1.5 GB of memory (what the bomb would exhaust)."""
    pre = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))\n"
    return subprocess.run([sys.executable, "-c", pre + code, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO / "lib")})


def test_a_plan_workbook_claiming_a_huge_sheet_is_read_in_bounded_memory(tmp_path):
    bomb = _bomb(tmp_path, "指标")
    r = _limited("import sys\nfrom kpitrack.plan.sheet import read_plan\nfrom kpitrack.core.exceptions import ValidationError\n"
                 "try:\n    read_plan(sys.argv[1])\nexcept ValidationError as e:\n    print('refused', e)\n", str(bomb))
    assert r.returncode == 0 and "MemoryError" not in r.stderr, r.stderr[-2000:]
    assert "refused" in r.stdout


def test_a_table_2_ledger_claiming_a_huge_sheet_is_read_in_bounded_memory(tmp_path):
    bomb = _bomb(tmp_path)
    r = _limited("import sys\nfrom kpitrack.data.plan_ledgers import kind, read_filled\n"
                 "rows, problems = read_filled(sys.argv[1], kind('special'))\nprint(len(rows), len(problems))\n", str(bomb))
    assert r.returncode == 0 and "MemoryError" not in r.stderr, r.stderr[-2000:]


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_device_or_a_pipe_is_refused_by_every_reader(target, tmp_path):
    from kpitrack.core.exceptions import ValidationError
    from kpitrack.data.plan_ledgers import kind, read_filled
    from kpitrack.data.workspaces import read_regions
    from kpitrack.plan.sheet import read_plan

    path = Path(target)
    if target == "fifo":
        path = tmp_path / "ledger.csv"
        os.mkfifo(path)  # opening it to read would hang
    rows, problems = read_filled(path, kind("special"))
    assert rows == [] and "not a regular file" in problems[0].message
    with pytest.raises(ValidationError, match="not a regular file"):
        read_regions(path)
    with pytest.raises(ValidationError, match="not a regular file"):
        read_plan(path)


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from kpitrack.core import input_files
    from kpitrack.data.plan_ledgers import kind, read_filled

    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 2048)
    monkeypatch.setattr(input_files, "MAX_BYTES", 1024)
    rows, problems = read_filled(big, kind("special"))
    assert rows == [] and "MB" in problems[0].message


def test_a_plan_of_many_kpis_without_measures_reads_each_sheet_once(tmp_path, monkeypatch):
    """1,000 KPIs without measures took minutes: the 指标 sheet was read again for each. Each sheet is
    read once, whatever the plan's size (a count, not a timing)."""
    from openpyxl import load_workbook

    from kpitrack.cli import main
    from kpitrack.core.exceptions import ValidationError
    from kpitrack.plan import sheet

    out = tmp_path / "plan.xlsx"
    assert main(["plan", "export", "--out", str(out)]) == 0
    wb = load_workbook(out)
    for i in range(300):
        wb["指标"].append([f"X{i:04d}", "economy", f"指标{i}", f"kpi {i}", "目标", "年度", "市发改委"])
    wb.save(out)
    calls = []
    real = sheet._Reader.rows
    monkeypatch.setattr(sheet._Reader, "rows", lambda self, wb, name, required=True: calls.append(name) or real(self, wb, name, required))
    with pytest.raises(ValidationError, match="has no measure"):
        sheet.read_plan(out)
    assert len(calls) == len(set(calls)), calls


@pytest.mark.parametrize("edit", ["extra sheet", "hidden row", "percent target"])
def test_a_plan_workbook_is_read_as_a_person_sees_it(edit, tmp_path):
    from openpyxl import load_workbook

    from kpitrack.cli import main
    from kpitrack.core.exceptions import ValidationError
    from kpitrack.plan.sheet import read_plan

    out = tmp_path / "plan.xlsx"
    assert main(["plan", "export", "--out", str(out)]) == 0
    wb = load_workbook(out)
    if edit == "extra sheet":
        wb.create_sheet("补充指标").append(["K99", "economy", "多出来的"])
    elif edit == "hidden row":
        ws = wb["指标"]
        ws.append(["K99", "economy", "藏起来的", "hidden", "目标", "年度", "市发改委"])
        ws.row_dimensions[ws.max_row].hidden = True
    else:
        ws = wb["子指标"]
        head = [c.value for c in ws[1]]
        col = next(i for i, h in enumerate(head, start=1) if h and "目标值" in str(h))
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "K05.rd_share")
        ws.cell(row=row, column=col, value=0.035).number_format = "0.0%"  # Excel shows 3.5%
    wb.save(out)
    if edit == "percent target":
        _, kpis, _ = read_plan(out)
        m = next(m for k in kpis["kpis"] for m in k["measures"] if m["id"] == "K05.rd_share")
        assert m["end_target"]["value"] == 3.5  # as shown, never 0.035
    else:
        with pytest.raises(ValidationError, match="补充指标|hidden"):
            read_plan(out)


@pytest.mark.parametrize("name,text", [("indicators.yaml", "- a list\n"), ("groups.yaml", "groups: [1, 2]\n"),
                                       ("groups.yaml", "- just a list\n")])
def test_a_tampered_peer_file_is_a_problem_not_a_traceback(name, text, data_copy, capsys):
    from kpitrack.cli import main

    (data_copy / "peers" / name).write_text(text, encoding="utf-8")
    assert main(["peers", "--measure", "gdp_nominal", "--year", "2019"]) == 2
    err = capsys.readouterr().err
    assert name in err and "Traceback" not in err


def test_a_plan_workbook_of_too_many_rows_is_refused_before_it_is_loaded(tmp_path):
    """A plan has tens of KPIs and hundreds of yearly targets: a sheet of 12,000 rows is refused by the
    streaming check (2,000,000 rows imported in 41 s before)."""
    from openpyxl import Workbook

    from kpitrack.core.exceptions import ValidationError
    from kpitrack.plan.sheet import MAX_PLAN_ROWS, read_plan

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("年度目标")
    for i in range(MAX_PLAN_ROWS + 2000):
        ws.append([f"K01.x{i}", "2018", "level", i])
    out = tmp_path / "big.xlsx"
    wb.save(out)
    with pytest.raises(ValidationError, match="rows"):
        read_plan(out)

"""Hostile round 3 (issue 31): a plan import that would orphan the store's figures is refused, with the
list, and writes nothing."""

from __future__ import annotations

import pytest


def _exported(data_copy, tmp_path):
    from kpitrack.cli import main

    out = tmp_path / "plan.xlsx"
    assert main(["plan", "export", "--out", str(out)]) == 0
    return out


def _drop_rows(wb, prefix: str) -> None:
    for name in ("指标", "子指标", "年度目标"):
        ws = wb[name]
        for row in range(ws.max_row, 1, -1):
            v = ws.cell(row=row, column=1).value
            if isinstance(v, str) and v.startswith(prefix):
                ws.delete_rows(row)


def _state(data_copy):
    return {p: (data_copy / p).read_bytes() for p in ("plan/kpis.yaml", "plan/plan.yaml", "regions.csv")}


@pytest.mark.parametrize("change", ["drop K12", "unit 元 to 亿元", "drop a district"])
def test_a_plan_that_would_orphan_stored_figures_is_refused_and_writes_nothing(change, data_copy, tmp_path, capsys):
    from openpyxl import load_workbook

    from kpitrack.cli import main

    out = _exported(data_copy, tmp_path)
    wb = load_workbook(out)
    if change == "drop K12":
        _drop_rows(wb, "K12")
        want = "K12.income"
    elif change == "unit 元 to 亿元":
        ws = wb["子指标"]
        head = [c.value for c in ws[1]]
        col = next(i for i, h in enumerate(head, start=1) if h and "单位" in str(h))
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "K12.income")
        ws.cell(row=row, column=col, value="亿元")
        want = "K12.income"
    else:
        ws = wb["地区"]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "330106")
        ws.delete_rows(row)
        want = "330106"
    wb.save(out)
    before = _state(data_copy)
    capsys.readouterr()
    assert main(["plan", "import", str(out)]) == 2
    err = capsys.readouterr().err
    assert want in err and "nothing was written" in err, err[-1500:]
    assert _state(data_copy) == before
    assert main(["status", "--as-of", "2018", "--dataset", "hangzhou"]) == 0  # the workspace still loads


def test_the_same_plan_imports_again(data_copy, tmp_path):
    from kpitrack.cli import main

    assert main(["plan", "import", str(_exported(data_copy, tmp_path))]) == 0

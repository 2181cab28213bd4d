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


def _changed_plan(data_copy, tmp_path, change: str):
    from openpyxl import load_workbook

    out = _exported(data_copy, tmp_path)
    wb = load_workbook(out)
    if change == "drop K12":
        _drop_rows(wb, "K12")
    elif change == "unit 元 to 亿元":
        ws = wb["子指标"]
        head = [c.value for c in ws[1]]
        col = next(i for i, h in enumerate(head, start=1) if h and "单位" in str(h))
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "K12.income")
        ws.cell(row=row, column=col, value="亿元")
    else:
        ws = wb["地区"]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "330106")
        ws.delete_rows(row)
    wb.save(out)
    return out


def _stored(data_copy, dataset):
    from kpitrack.data.store import read_figures

    return read_figures(data_copy / "actuals" / dataset)


@pytest.mark.parametrize("change,hit", [("drop K12", ("measure_id", "K12.income")),
                                        ("unit 元 to 亿元", ("measure_id", "K12.income")),
                                        ("drop a district", ("region", "330106"))])
def test_archive_retires_the_orphaned_figures_and_keeps_them_in_the_store(change, hit, data_copy, tmp_path, capsys):
    """``plan import --archive``: the plan imports, every command loads, the figures stay in the store
    (and in its export) and are listed as retired with the reason; no verdict reads them."""
    from kpitrack.cli import main
    from kpitrack.data.actuals import load_dataset
    from kpitrack.plan.catalogue import load_catalogue

    out = _changed_plan(data_copy, tmp_path, change)
    before = {d: _stored(data_copy, d) for d in ("hangzhou", "synthetic")}
    assert main(["plan", "import", "--archive", str(out)]) == 0
    said = capsys.readouterr().out
    assert "retired" in said, said
    retired_somewhere = 0
    for d in ("hangzhou", "synthetic"):
        after = _stored(data_copy, d)
        assert len(after) == len(before[d])  # the store deleted nothing
        col, value = hit
        held = int((before[d][col].astype(str) == value).sum())
        ds = load_dataset(d, load_catalogue())
        assert len(ds.retired) == held
        retired_somewhere += held
        if held:
            assert set(ds.retired[col].astype(str)) == {value}
            assert set(ds.retired["retired_reason"]) == {{"drop K12": "measure_dropped", "unit 元 to 亿元": "unit_changed",
                                                          "drop a district": "region_dropped"}[change]}
        assert not (ds.observations[col].astype(str) == value).any()
        assert main(["status", "--as-of", "2018", "--dataset", d]) == 0
    assert retired_somewhere > 0
    capsys.readouterr()
    assert main(["validate"]) == 0
    assert "retired by a later plan" in capsys.readouterr().out
    exported = tmp_path / "audit"
    assert main(["store", "export", str(exported)]) == 0
    text = "".join(p.read_text(encoding="utf-8") for p in (exported / "actuals").rglob("*.csv"))
    assert hit[1] in text  # the audit export still holds the retired figures


def test_figures_ingested_after_a_retirement_are_read_again(data_copy, tmp_path):
    """A retirement covers the figures held when the plan was imported: K12 in 亿元 typed after the
    unit change counts; the old figures in 元 stay retired."""
    import pandas as pd

    from kpitrack.cli import main
    from kpitrack.data.actuals import load_dataset
    from kpitrack.plan.catalogue import load_catalogue

    assert main(["plan", "import", "--archive", str(_changed_plan(data_copy, tmp_path, "unit 元 to 亿元"))]) == 0
    ledger = tmp_path / "k12.csv"
    ledger.write_text("measure_id,region,period,value,unit,source,note\n"
                      "K12.income,330100,2019,65000,亿元,test,typed after the unit change\n", encoding="utf-8")
    assert main(["ingest", str(ledger), "--dataset", "hangzhou"]) == 0
    ds = load_dataset("hangzhou", load_catalogue())
    mine = ds.observations[ds.observations["measure_id"] == "K12.income"]
    assert list(mine["unit"].unique()) == ["亿元"] and len(mine) == 1
    assert (ds.retired["unit"] == "元").all() and len(ds.retired) > 0
    assert isinstance(ds.retired, pd.DataFrame)


@pytest.mark.parametrize("text,field", [
    ("measure_id,unit,region\nK12.income,,\n", "-"),
    ("measure_id,unit,region,through_vintage,retired_at,plan_file,reason\nK12.income,,,two,x,p.xlsx,measure_dropped\n", "through_vintage"),
    ("measure_id,unit,region,through_vintage,retired_at,plan_file,reason\nK12.income,,,9,x,p.xlsx,because\n", "reason"),
    ("measure_id,unit,region,through_vintage,retired_at,plan_file,reason\n,,,9,x,p.xlsx,measure_dropped\n", "measure_id"),
    ("measure_id,unit,region,through_vintage,retired_at,plan_file,reason\nK12.income,,,²,x,p.xlsx,measure_dropped\n", "through_vintage"),
])
def test_a_hand_edited_list_of_retired_figures_is_refused_by_row_and_field(text, field, data_copy, capsys):
    from kpitrack.cli import main

    (data_copy / "actuals" / "hangzhou" / "retired.csv").write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["status", "--as-of", "2018", "--dataset", "hangzhou"]) == 2
    err = capsys.readouterr().err
    assert "retired.csv" in err and field in err, err[-800:]

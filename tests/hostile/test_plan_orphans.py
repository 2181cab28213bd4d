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


# ---------------------------------------------------------------- a hostile round on --archive


def test_an_unreadable_list_of_retired_figures_refuses_the_import_rather_than_skipping_the_check(data_copy, tmp_path, capsys):
    from kpitrack.cli import main

    out = _changed_plan(data_copy, tmp_path, "drop K12")
    (data_copy / "actuals" / "synthetic" / "retired.csv").write_text(
        "measure_id,unit,region,through_vintage,retired_at,plan_file,reason,restored_at\nK99.x,,,x1,,,measure_dropped,\n", encoding="utf-8")
    before = _state(data_copy)
    capsys.readouterr()
    assert main(["plan", "import", str(out)]) == 2
    assert "synthetic" in capsys.readouterr().err
    assert _state(data_copy) == before


def test_archive_retires_the_assigned_targets_with_the_figures(data_copy, tmp_path):
    """A unit change under a measure with assigned targets (targets.csv): the targets are retired by
    the same line, and the dataset loads."""
    from openpyxl import load_workbook

    from kpitrack.cli import main
    from kpitrack.data.actuals import load_dataset
    from kpitrack.plan.catalogue import load_catalogue

    targets = (data_copy / "actuals" / "synthetic" / "targets.csv").read_text(encoding="utf-8")
    mid = next(line.split(",")[0] for line in targets.splitlines()[1:] if line)
    out = _exported(data_copy, tmp_path)
    wb = load_workbook(out)
    ws = wb["子指标"]
    head = [c.value for c in ws[1]]
    col = next(i for i, h in enumerate(head, start=1) if h and "单位" in str(h))
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == mid)
    old_unit = ws.cell(row=row, column=col).value
    ws.cell(row=row, column=col, value="‰" if old_unit != "‰" else "%")
    wb.save(out)
    assert main(["plan", "import", str(out), "--archive"]) == 0
    ds = load_dataset("synthetic", load_catalogue())
    assert not (ds.targets["measure_id"] == mid).any()
    assert main(["validate"]) == 0


def test_a_journal_a_kill_left_is_finished_before_the_next_import_is_checked(data_copy, tmp_path):
    """Plan A (dropping K12) killed after its journal was written; then plan B (the bundled plan
    without K13) is imported: A is finished first, then B is the plan checked and written: K13
    retired, K12 read again."""
    import json

    from openpyxl import load_workbook

    from kpitrack.cli import main
    from kpitrack.data.actuals import load_dataset
    from kpitrack.plan.catalogue import load_catalogue

    (tmp_path / "a").mkdir()
    b = _exported(data_copy, tmp_path)
    wb = load_workbook(b)
    _drop_rows(wb, "K13")
    wb.save(b)
    a = _changed_plan(data_copy, tmp_path / "a", "drop K12")
    files = ("plan/kpis.yaml", "plan/plan.yaml", "actuals/hangzhou/retired.csv", "actuals/synthetic/retired.csv")
    saved = {p: (data_copy / p).read_text(encoding="utf-8") for p in files if (data_copy / p).exists()}
    assert main(["plan", "import", str(a), "--archive"]) == 0
    journal = {p: (data_copy / p).read_text(encoding="utf-8") for p in files if (data_copy / p).exists()}
    for p in files:  # back to before A, with A's journal left as a kill would leave it
        (data_copy / p).unlink(missing_ok=True)
    for p, text in saved.items():
        (data_copy / p).write_text(text, encoding="utf-8")
    (data_copy / ".plan-import.journal").write_text(json.dumps(journal, ensure_ascii=False), encoding="utf-8")
    assert main(["plan", "import", str(b), "--archive"]) == 0
    cat = load_catalogue()
    assert "K12.income" in {m.id for m in cat.measures} and not any(m.id.startswith("K13") for m in cat.measures)
    ds = load_dataset("synthetic", cat)
    assert (ds.observations["measure_id"] == "K12.income").any()
    assert set(ds.retired["measure_id"].str[:3]) == {"K13"}


def test_an_ingest_against_a_plan_changed_since_it_was_loaded_is_refused(data_copy, tmp_path):
    from kpitrack.cli import main
    from kpitrack.core.exceptions import ValidationError
    from kpitrack.data.ingest import ingest
    from kpitrack.data.store import read_manifest
    from kpitrack.plan.catalogue import load_catalogue

    cat = load_catalogue()  # loaded before the import, as a long ingest would have
    assert main(["plan", "import", str(_changed_plan(data_copy, tmp_path, "drop K12")), "--archive"]) == 0
    ledger = tmp_path / "k12.csv"
    ledger.write_text("measure_id,region,period,value,unit,source,note\nK12.income,330100,2019,65000,元,test,late\n", encoding="utf-8")
    n = len(read_manifest(data_copy / "actuals" / "hangzhou"))
    with pytest.raises(ValidationError, match="plan was changed"):
        ingest(ledger, cat, "hangzhou")
    assert len(read_manifest(data_copy / "actuals" / "hangzhou")) == n
    assert main(["validate"]) == 0


def test_reimporting_the_old_plan_brings_the_retired_figures_back(data_copy, tmp_path, capsys):
    from kpitrack.cli import main
    from kpitrack.data.actuals import load_dataset
    from kpitrack.plan.catalogue import load_catalogue

    original = _exported(data_copy, tmp_path)
    before = len(load_dataset("synthetic", load_catalogue()).observations)
    changed = tmp_path / "changed.xlsx"
    (tmp_path / "x").mkdir()
    changed.write_bytes(_changed_plan(data_copy, tmp_path / "x", "unit 元 to 亿元").read_bytes())
    assert main(["plan", "import", str(changed), "--archive"]) == 0
    assert len(load_dataset("synthetic", load_catalogue()).retired) > 0
    capsys.readouterr()
    assert main(["plan", "import", str(original)]) == 0
    assert "read again" in capsys.readouterr().out
    ds = load_dataset("synthetic", load_catalogue())
    assert len(ds.retired) == 0 and len(ds.observations) == before
    text = (data_copy / "actuals" / "synthetic" / "retired.csv").read_text(encoding="utf-8")
    assert text.count("\n") == 2 and text.strip().split(",")[-1].endswith("Z")  # the line kept, as history, restored


def test_the_workbook_name_is_recorded_inert_and_without_control_characters(data_copy, tmp_path):
    from kpitrack.cli import main

    out = _changed_plan(data_copy, tmp_path, "drop K12")
    odd = tmp_path / '=HYPERLINK("http:evil","x"),a\tb.xlsx'
    odd.write_bytes(out.read_bytes())
    assert main(["plan", "import", str(odd), "--archive"]) == 0
    text = (data_copy / "actuals" / "synthetic" / "retired.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "\t" not in text


@pytest.mark.parametrize("case", ["huge vintage", "symlink"])
def test_a_hostile_list_of_retired_figures_is_refused_cleanly(case, data_copy, tmp_path, capsys):
    from kpitrack.cli import main

    path = data_copy / "actuals" / "hangzhou" / "retired.csv"
    if case == "huge vintage":
        path.write_text("measure_id,unit,region,through_vintage,retired_at,plan_file,reason,restored_at\n"
                        f"K12.income,,,{'9' * 5000},x,p.xlsx,measure_dropped,\n", encoding="utf-8")
    else:
        target = tmp_path / "elsewhere.csv"
        target.write_text("secret\n", encoding="utf-8")
        path.symlink_to(target)
    capsys.readouterr()
    assert main(["status", "--as-of", "2018", "--dataset", "hangzhou"]) == 2
    err = capsys.readouterr().err
    assert "retired.csv" in err and "secret" not in err


@pytest.mark.parametrize("argv", [["plan", "export", "--out", "x.xlsx", "stray.xlsx"], ["plan", "template", "--out", "t.xlsx", "junk"],
                                  ["notices", "list", "--dataset", "synthetic", "junk"]])
def test_stray_arguments_are_still_refused(argv, data_copy, tmp_path, monkeypatch, capsys):
    from kpitrack.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err

"""Any plan, any city (issue 23): a workspace made with kpitrack init, a plan filled in a spreadsheet
and imported, a ledger ingested, statuses and a report built, all through the kpitrack command; a
bad spreadsheet refused with every problem named by sheet, row and column; the plan exported and
imported back unchanged; nothing of one city in the code; the bundled plan's outputs unchanged."""

from __future__ import annotations

import json
import shutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, tree_bytes

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES / "workspace"))
from fill_plan import fill  # noqa: E402


def kpitrack(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpitrack", *args], cwd=cwd, capture_output=True, text=True, timeout=900)


REGIONS = "code,name_zh,name_en,level,aliases,note\n999900,示例市,Shili (city),city,示例;全市,\n999901,东区,Dong District,district,,\n" \
          "999902,西区,Xi District,district,,\n"
LEDGER = ("指标编号,地区,时期,数值,单位,来源\nK01.gdp,示例市,2020,1500,亿元,2020年统计公报\nK01.gdp,示例市,2021,1610,亿元,2021年统计公报\n"
          "K01.gdp,示例市,2022,1690,亿元,2022年统计公报\nK01.gdp,东区,2022,500,亿元,2022年统计公报\n"
          "K02.income,示例市,2021,62000,元,2021年统计公报\nK02.income,示例市,2022,65500,元,2022年统计公报\n")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A workspace for 示例市 made as the README says, with its plan imported and a ledger ingested."""
    root = tmp_path_factory.mktemp("ws")
    (root / "regions.csv").write_text(REGIONS, encoding="utf-8")
    r = kpitrack("init", "w", "--city", "示例市", "--regions", "regions.csv", cwd=root)
    assert r.returncode == 0, r.stderr
    # a workspace just made validates, and says the next step (issue 35)
    r = kpitrack("--workspace", "w", "validate", cwd=root)
    assert r.returncode == 0 and "no plan imported yet" in r.stdout and "plan import" in r.stdout, r.stdout + r.stderr
    assert kpitrack("--workspace", "w", "plan", "template", "--out", "plan.xlsx", cwd=root).returncode == 0
    fill(root / "plan.xlsx", root / "filled.xlsx")
    fill(root / "plan.xlsx", root / "bad.xlsx", bad=True)
    (root / "ledger.csv").write_text(LEDGER, encoding="utf-8")
    return root


def test_a_bad_plan_workbook_is_refused_by_sheet_row_and_column_and_nothing_is_written(made):
    before = tree_bytes(made / "w")
    r = kpitrack("--workspace", "w", "plan", "import", "bad.xlsx", cwd=made)
    assert r.returncode == 2
    for expected in ("bad.xlsx:3:子指标!方向: 'up' is not one of higher, lower", "bad.xlsx:4:子指标!指标编号: 'K03' is not a KPI",
                     "bad.xlsx:4:子指标!单位: unknown unit '公斤'", "bad.xlsx:3:年度目标!年份: '2019' is not a year or span of the plan",
                     "nothing was written"):
        assert expected in r.stderr, r.stderr
    assert tree_bytes(made / "w") == before


def test_init_import_ingest_status_and_a_report(made):
    r = kpitrack("--workspace", "w", "plan", "import", "filled.xlsx", cwd=made)
    assert r.returncode == 0, r.stderr
    assert "imported 2 KPIs, 2 measures" in r.stdout
    r = kpitrack("--workspace", "w", "ingest", "ledger.csv", "--known-from", "2023-03-01", cwd=made)
    assert r.returncode == 0, r.stderr
    r = kpitrack("--workspace", "w", "status", "--as-of", "2022", "--format", "json", cwd=made)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    statuses = {m["measure_id"]: m["status"] for k in doc["kpis"] for m in k["measures"]}
    assert statuses == {"K01.gdp": "on_track", "K02.income": "at_risk"}  # GDP ahead of its path to 2000, income behind its path to 80,000
    assert doc["dataset"] == "main" and doc["dataset_label_zh"] == "示例市公开数据"
    # the plan's years are the plan's: 2025 is a year of this plan, 2019 is not
    assert kpitrack("--workspace", "w", "status", "--as-of", "2025", cwd=made).returncode == 0
    bad = kpitrack("--workspace", "w", "status", "--as-of", "2019", cwd=made)
    assert bad.returncode == 2 and "2021-2025" in bad.stderr
    r = kpitrack("--workspace", "w", "run", "w/params/midterm-2023.yaml", "--to", "html", "--renderer", "fallback", cwd=made)
    assert r.returncode == 0, r.stderr + r.stdout
    page = (made / "w" / "reports" / "_output" / "midterm-2023.html").read_text(encoding="utf-8")
    assert "示例市“十四五”绩效管理规划" in page and "示例市绩效管理考评办公室" in page and "杭州" not in page
    assert "2025年目标" in page and "2020年目标" not in page


def test_the_workspace_is_refused_when_it_is_not_one(tmp_path):
    r = kpitrack("--workspace", str(tmp_path), "status", cwd=tmp_path)
    assert r.returncode == 2 and "not a kpitrack workspace" in r.stderr
    r = kpitrack("init", str(tmp_path), "--city", "示例市", cwd=tmp_path)
    (tmp_path / "x").write_text("x", encoding="utf-8")
    r = kpitrack("init", str(tmp_path), "--city", "示例市", cwd=tmp_path)
    assert r.returncode != 0 and "not an empty folder" in r.stderr
    (tmp_path / "r.csv").write_text("code,name_zh,name_en,level\n1,甲市,A,city\n2,乙市,B,city\n3,丙区,C,borough\n", encoding="utf-8")
    r = kpitrack("init", str(tmp_path / "new"), "--city", "甲市", "--regions", str(tmp_path / "r.csv"), cwd=tmp_path)
    assert r.returncode == 2 and "r.csv:4:level: 'borough'" in r.stderr and "exactly one row of level city" in r.stderr
    assert not (tmp_path / "new").exists()


def test_the_bundled_plan_exports_and_imports_back_unchanged(tmp_path):
    assert kpitrack("plan", "export", "--out", str(tmp_path / "hz.xlsx"), cwd=tmp_path).returncode == 0
    r = kpitrack("init", "hzw", "--city", "杭州市", "--regions", str(REPO / "data" / "regions.csv"), "--plan-years", "2016-2020",
                 cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = kpitrack("--workspace", "hzw", "plan", "import", str(tmp_path / "hz.xlsx"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    code = ("from kpitrack.plan.catalogue import load_catalogue; c = load_catalogue(); "
            "print(repr([(k.id, k.domain, k.name_zh, k.name_en, k.target_text_zh, k.yearly_text_zh, k.responsible, k.seed_line, k.measures)"
            " for k in c.kpis]))")
    ours = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    back = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**__import__("os").environ, "KPITRACK_DATA": str(tmp_path / "hzw")}).stdout
    assert len(ours) > 10_000 and ours == back


def test_nothing_of_one_city_is_written_in_the_code():
    found = [f"{p.relative_to(REPO)}:{i}" for p in (REPO / "lib" / "kpitrack").rglob("*.py")
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1) if "杭州" in line]
    assert found == []
    notebooks = [p.name for p in (REPO / "notebooks").glob("*.ipynb") if "杭州" in p.read_text(encoding="utf-8")]
    assert notebooks == []


@pytest.mark.parametrize("dataset, year", [("hangzhou", 2018), ("hangzhou", 2020), ("synthetic", 2018), ("synthetic", 2020)])
def test_the_bundled_plans_statuses_are_unchanged(dataset, year, capsys):
    """The statuses of the 13th plan as kpitrack gave them before workspaces (tests/fixtures/thirteenth)."""
    from kpitrack.cli import main

    assert main(["status", "--as-of", str(year), "--dataset", dataset, "--format", "json"]) == 0
    now = json.loads(capsys.readouterr().out)
    then = json.loads((FIXTURES / "thirteenth" / f"status-{dataset}-{year}.json").read_text(encoding="utf-8"))
    assert now == then


def test_the_plan_template_explains_every_column(tmp_path):
    from openpyxl import load_workbook

    assert kpitrack("plan", "template", "--out", str(tmp_path / "t.xlsx"), cwd=tmp_path).returncode == 0
    wb = load_workbook(tmp_path / "t.xlsx")
    assert {"规划", "领域", "指标", "子指标", "年度目标", "地区", "说明", "清单"} <= set(wb.sheetnames)
    explained = {(r[0], r[1]) for r in wb["说明"].iter_rows(min_row=2, values_only=True)}
    for sheet in ("领域", "指标", "子指标", "年度目标", "地区"):
        for cell in wb[sheet][1]:
            assert (sheet, cell.value) in explained, (sheet, cell.value)
    lists = [dv.formula1 for dv in wb["子指标"].data_validations.dataValidation]
    assert any("higher,lower" in f for f in lists) and any("清单" in f for f in lists)
    assert re.search(r"kpitrack plan import", " ".join(str(r[2]) for r in wb["说明"].iter_rows(values_only=True)))


EXAMPLE = REPO / "examples" / "hangzhou-14th"


def test_the_14th_plan_example_runs_through_the_same_commands(tmp_path):
    """kpitrack status --workspace examples/hangzhou-14th --as-of 2023, and its final evaluation of 2025."""
    r = kpitrack("--workspace", str(EXAMPLE), "validate", cwd=REPO)  # a workspace without peer figures is valid
    assert r.returncode == 0 and "no peer cities' figures" in r.stdout, r.stderr
    r = kpitrack("--workspace", str(EXAMPLE), "status", "--as-of", "2023", "--format", "json", cwd=REPO)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    measures = {m["measure_id"]: m for k in doc["kpis"] for m in k["measures"]}
    assert len(doc["kpis"]) == 8 and measures["K01.gdp"]["latest_value"] == 20059 and measures["K01.gdp"]["latest_year"] == 2023
    with_figures = {k["kpi_id"] for k in doc["kpis"] for m in k["measures"] if m["latest_year"] and m["latest_year"] >= 2021}
    assert with_figures == {"K01", "K02", "K03", "K04", "K05", "K06", "K08"}  # 7 of the 8 KPIs have a figure of 2021-2023
    # as known on 2023-06-01: the 2023 GDP (published 2024-01-25) is not yet there, the 2022 one is
    then = json.loads(kpitrack("--workspace", str(EXAMPLE), "status", "--as-of", "2023-06-01", "--format", "json", cwd=REPO).stdout)
    gdp = next(m for k in then["kpis"] for m in k["measures"] if m["measure_id"] == "K01.gdp")
    assert gdp["latest_year"] == 2022 and gdp["latest_value"] == 18753
    # the final evaluation, in a copy (the run writes into the workspace's reports/)
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws, ignore=shutil.ignore_patterns("_output", ".quarto"))
    r = kpitrack("--workspace", str(ws), "run", str(ws / "params" / "final-2025.yaml"), "--to", "html", "--renderer", "fallback", cwd=tmp_path)
    assert r.returncode == 0, r.stderr + r.stdout
    page = (ws / "reports" / "_output" / "final-2025.html").read_text(encoding="utf-8")
    assert "第十四个五年规划主要指标" in page and "终期评估报告" in page and "2025年目标" in page and "杭州市发展和改革委员会" in page
    r = kpitrack("--workspace", str(ws), "site", "--renderer", "fallback", cwd=tmp_path)  # the website: the plan's middle year
    assert r.returncode == 0, r.stderr + r.stdout
    index = (ws / "reports" / "site" / "_site" / "index.html").read_text(encoding="utf-8")
    assert "杭州市“十四五”规划主要指标" in index and "2021—2025年" in index


def test_the_14th_plan_examples_figures_keep_their_sources_and_dates():
    import csv

    with (EXAMPLE / "sources" / "figures.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["来源"] for r in rows)
    derived = [r for r in rows if r["数据质量"] == "derived"]
    assert derived and all(r["口径"] == "computed" and r["备注"].startswith(("由", "根据")) for r in derived)
    stored = (EXAMPLE / "actuals" / "main" / "vintages" / "0001.csv").read_text(encoding="utf-8")
    assert "2023-01-20" in stored and "18753" in stored


# --------------------------------------------------------------------------- a workspace is an object (issue 29)

def _status_in_a_fresh_process(folder: Path, as_of: int) -> str:
    code = ("import json, sys, kpitrack as kt; s = kt.status(as_of=int(sys.argv[1])); "
            "print(s[['measure', 'status', 'latest_year', 'latest_value']].to_json(orient='values'))")
    env = {**__import__("os").environ, "KPITRACK_DATA": str(folder)}
    out = subprocess.run([sys.executable, "-c", code, str(as_of)], capture_output=True, text=True, env=env, check=True)
    return out.stdout.strip()


def test_one_process_holds_the_13th_and_the_14th_plans_side_by_side():
    import kpitrack as kt

    h13, h14 = kt.open(REPO / "data"), kt.open(REPO / "examples" / "hangzhou-14th")
    assert (h13.workspace.plan.end_year, h14.workspace.plan.end_year) == (2020, 2025)

    def table(s):
        return s[["measure", "status", "latest_year", "latest_value"]].to_json(orient="values")

    first13, first14 = table(h13.status(as_of=2018)), table(h14.status(as_of=2023))
    assert first13 == _status_in_a_fresh_process(REPO / "data", 2018)  # as a process of its own would say
    assert first14 == _status_in_a_fresh_process(REPO / "examples" / "hangzhou-14th", 2023)
    assert table(h13.status(as_of=2018)) == first13 and table(h14.status(as_of=2023)) == first14  # turns never leak
    with pytest.raises(Exception, match="2021-2025"):  # each checks its own plan's years
        h14.status(as_of=2018)
    assert table(kt.status("hangzhou", 2018)) == first13  # the default handle is the bundled workspace


def test_setting_kpitrack_data_after_import_switches_the_whole_process(monkeypatch):
    import kpitrack as kt
    from kpitrack.data.regions import city_code
    from kpitrack.plan.schema import plan_end_year

    kt.status("hangzhou", 2018)  # the bundled workspace read first
    monkeypatch.setenv("KPITRACK_DATA", str(REPO / "examples" / "hangzhou-14th"))
    assert plan_end_year() == 2025 and city_code() == "330100"
    s = kt.status(as_of=2023)  # its default dataset (main), its years, no half-switched catalogue
    assert s.attrs["dataset"] == "main" and set(s["measure"]) >= {"K01.gdp"}


def test_no_module_keeps_a_constant_read_from_a_workspace():
    pattern = re.compile(r"^(PLAN_START|PLAN_END|BASE_YEAR|TARGET_YEARS|UNITS|CITY|CITY_CODE|DEFAULT_DATASET|YEARS|_PLAN)\b[\w, ]*=",
                         re.M)
    found = [f"{p.relative_to(REPO)}: {m.group(0)}" for p in (REPO / "lib").rglob("*.py")
             for m in pattern.finditer(p.read_text(encoding="utf-8"))]
    assert found == []


def test_a_workspace_names_its_store(tmp_path, monkeypatch):
    from kpitrack.core.workspace import Workspace

    monkeypatch.delenv("KPITRACK_STORE", raising=False)
    ws = Workspace.open(EXAMPLE)
    assert ws.store_url == f"sqlite:///{(EXAMPLE / '.store' / 'kpitrack.sqlite').resolve()}"
    own = tmp_path / "ws"
    shutil.copytree(EXAMPLE, own, ignore=shutil.ignore_patterns("reports", ".store"))
    (own / "workspace.yaml").write_text((own / "workspace.yaml").read_text(encoding="utf-8") + "store: sqlite:///records/main.sqlite\n",
                                        encoding="utf-8")
    assert Workspace.open(own).store_url == f"sqlite:///{(own / 'records' / 'main.sqlite').resolve()}"
    monkeypatch.setenv("KPITRACK_STORE", "files")
    assert Workspace.open(own).store_url == "files"


def test_the_14th_example_sets_its_pages_with_the_bundled_styles():
    """The example's report files are copies of the bundled ones (``kpitrack init`` copies them): a
    fix to the typesetting reaches it too."""
    from kpitrack.data.workspaces import REPORT_FILES

    example = REPO / "examples" / "hangzhou-14th" / "reports"
    for name in REPORT_FILES:
        if (example / name).is_file() and name != ".gitignore":
            assert (example / name).read_bytes() == (REPO / "reports" / name).read_bytes(), name


def test_the_examples_report_files_are_the_repositorys_own():
    """The 14th-plan example renders with the same Quarto project files kpitrack init copies: a copy
    never drifts from the original (its .gitignore is its own)."""
    from kpitrack.data.workspaces import REPORT_FILES

    for name in REPORT_FILES:
        if name != ".gitignore":
            assert (EXAMPLE / "reports" / name).read_bytes() == (REPO / "reports" / name).read_bytes(), name

"""Hostile round 3 (issue 31), the security family: names from a plan are never paths, and the site
publishes only regular files of its folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["../../PWNED", "..", ".hidden", "a/b\\c", "x\x00y", "/etc/passwd", " 市科委", "a" * 200])
def test_a_name_from_a_plan_becomes_one_file_name_in_its_folder(name, tmp_path):
    from kpitrack.core.paths import file_name
    from kpitrack.publish.runs.jobs import Job

    safe = file_name(name)
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe and not safe.startswith(".") and safe
    assert (tmp_path / f"{safe}.html").resolve().parent == tmp_path.resolve()
    assert file_name(name + "!") != safe  # two names never meet
    job = Job(name, name, "nb.ipynb", {}, str(tmp_path))
    assert job.key == safe


def test_ordinary_names_keep_their_names():
    from kpitrack.core.paths import file_name

    for name in ("330106", "杭州市", "市科委", "各区、县（市）政府", "杭绩改〔2018〕1号", "midterm-2018"):
        assert file_name(name) == name


@pytest.mark.slow
def test_a_plan_whose_unit_is_path_like_writes_its_card_inside_the_workspace(data_copy, tmp_path, capsys):
    """A 责任单位 named ../../PWNED in the plan: its card is made, under a safe name, in the cards
    folder; nothing lands outside it."""
    from kpitrack.cli import main

    shutil.copytree(REPO / "reports", data_copy / "reports",
                    ignore=shutil.ignore_patterns("_output", "bulletins", "cards", "notices", "site", ".quarto", "*.txt"))
    for f in ("kpis.yaml", "special_targets.yaml"):
        p = data_copy / "plan" / f
        p.write_text(p.read_text(encoding="utf-8").replace("市科委", "../../PWNED"), encoding="utf-8")
    assert main(["cards", "--as-of", "2018", "--dataset", "synthetic", "--units", "../../PWNED", "--to", "html",
                 "--renderer", "fallback"]) == 0
    made = [p for p in tmp_path.rglob("*PWNED*")]
    folder = data_copy / "reports" / "cards" / "2018-synthetic"
    assert made and all(p.parent == folder for p in made), made
    assert not any(REPO.rglob("*PWNED*"))


def test_an_output_replaced_by_a_symlink_is_not_published(tmp_path):
    from kpitrack.publish.runs.site import _formats, _reports_page, publishable

    reports = tmp_path / "reports"
    out = reports / "_output"
    out.mkdir(parents=True)
    (out / "midterm-2018.html").symlink_to("/etc/passwd")
    (out / "midterm-2018.pdf").write_bytes(b"%PDF-1.4 a real file")
    (out / "manifest.json").write_text(json.dumps({"items": {"midterm-2018": {
        "status": "ok", "kind": "midterm", "parameters": {"as_of": 2018},
        "outputs": {"html": "midterm-2018.html", "pdf": "midterm-2018.pdf", "ipynb": "midterm-2018.ipynb"}},
        "escape": {"status": "ok", "outputs": {"html": "../../../etc/passwd"}}}}), encoding="utf-8")
    files = tmp_path / "site" / "files"
    page = _reports_page(reports, files)
    published = [p for p in files.rglob("*") if p.is_file()]
    assert [p.name for p in published] == ["midterm-2018.pdf"], published
    assert "root:" not in "".join(p.read_text(errors="replace") for p in published)
    assert "PDF" in page
    assert publishable(out, "midterm-2018.html") is None and publishable(out, "../manifest.json") is None
    assert _formats(out, "midterm-2018", files, "x") == _formats(out, "midterm-2018", files, "x")  # the pdf only, twice alike


@pytest.mark.parametrize("code", ["../../x", "a/b", "..", "", "33 01", "x" * 40])
def test_init_refuses_a_code_that_is_not_a_region_code(code, tmp_path):
    from kpitrack.core.exceptions import ParameterError
    from kpitrack.data.workspaces import init_workspace

    if code == "":
        return  # no code given: the placeholder code is used
    with pytest.raises(ParameterError, match="region code"):
        init_workspace(tmp_path / "city", "宁波市", code=code)
    assert not any(tmp_path.iterdir())  # nothing written


def test_a_regions_file_with_path_like_codes_or_control_characters_is_refused(tmp_path):
    from kpitrack.core.exceptions import ValidationError
    from kpitrack.data.workspaces import read_regions

    f = tmp_path / "regions.csv"
    f.write_text("code,name_zh,name_en,level,aliases,note\n330200,宁波市,Ningbo,city,,\n../../PWNED,海曙区,Haishu,district,,\n"
                 "330205,江北\x1b[31m区,Jiangbei,district,,\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        read_regions(f, "宁波市")
    text = str(e.value)
    assert "../../PWNED" in text and "control character" in text


def test_init_keeps_a_folder_it_did_not_make(tmp_path):
    """``kpitrack init city`` beside an unrelated folder ``city.making``: that folder and its contents stay."""
    from kpitrack.data.workspaces import init_workspace

    other = tmp_path / "city.making"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    init_workspace(tmp_path / "city", "宁波市", code="330200")
    assert (other / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "city" / "workspace.yaml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city", "city.making"]  # no scratch left


def test_a_plan_workbook_with_a_path_like_region_code_is_refused(tmp_path):
    from openpyxl import load_workbook

    from kpitrack.cli import main
    from kpitrack.core.exceptions import ValidationError
    from kpitrack.plan.sheet import read_plan

    out = tmp_path / "plan.xlsx"

    assert main(["plan", "export", "--out", str(out)]) == 0  # the bundled plan, as a workbook
    wb = load_workbook(out)
    ws = wb["地区"]
    ws.cell(row=3, column=1, value="../../PWNED")
    wb.save(out)
    with pytest.raises(ValidationError, match="not a region code"):
        read_plan(out)


def test_a_name_typed_as_a_formula_comes_back_as_text_in_every_workbook_kpitrack_writes(data_copy, tmp_path):
    """A unit named =HYPERLINK(…) in the plan: ``plan export`` and the ledger templates write it as
    text a person typed, never as a live formula."""
    from openpyxl import load_workbook

    from kpitrack.cli import main

    evil = '=HYPERLINK("http://evil.example","点击")'
    for f in ("kpis.yaml", "special_targets.yaml"):
        p = data_copy / "plan" / f
        p.write_text(p.read_text(encoding="utf-8").replace("市科委", evil.replace('"', '\\"')), encoding="utf-8")
    out = tmp_path / "plan.xlsx"
    assert main(["plan", "export", "--out", str(out)]) == 0
    wb = load_workbook(out)
    found = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert found and all(c.data_type == "s" for c in found), [(c.coordinate, c.data_type) for c in found]


def test_a_document_named_like_a_link_stays_a_file_name_on_the_site(tmp_path):
    """A report whose name is ``a)[X](javascript:alert(1))``: the site links to the file, and no
    ``javascript:`` link appears in the page's Markdown."""
    from kpitrack.publish.runs.site import _reports_page

    name = "a)[X](javascript:alert(1))"
    out = tmp_path / "reports" / "_output"
    out.mkdir(parents=True)
    (out / f"{name}.html").write_text("<html><body>x</body></html>", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps({"items": {name: {"status": "ok", "kind": "midterm", "parameters": {"as_of": 2018},
                                                                    "outputs": {"html": f"{name}.html"}}}}), encoding="utf-8")
    page = _reports_page(tmp_path / "reports", tmp_path / "site" / "files")
    assert "javascript:" not in page and "](javascript" not in page
    assert "%3A" in page and (tmp_path / "site" / "files" / "reports" / f"{name}.html").is_file()


def test_two_workspaces_are_an_error_not_the_last_one(capsys):
    from kpitrack.cli.launch import split_workspace

    with pytest.raises(SystemExit) as e:
        split_workspace(["--workspace", "a", "status", "--workspace=b"])
    assert e.value.code == 2 and "given twice" in capsys.readouterr().err
    assert split_workspace(["--workspace", "a", "status"]) == ("a", ["status"])


@pytest.mark.parametrize("city", ["宁波\x1b[31m市", "宁波\n市", "宁" * 200])
def test_a_city_name_with_control_characters_is_refused_and_nothing_is_written(city, tmp_path):
    from kpitrack.core.exceptions import ParameterError
    from kpitrack.data.workspaces import init_workspace

    with pytest.raises(ParameterError, match="control character|too long"):
        init_workspace(tmp_path / "city", city)
    assert not any(tmp_path.iterdir())


def test_init_dot_fills_the_current_empty_folder(tmp_path, monkeypatch):
    from kpitrack.data.workspaces import init_workspace

    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    made = init_workspace(Path("."), "宁波市", code="330200")
    assert made == here and (here / "workspace.yaml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]  # no scratch folder left beside it


@pytest.mark.parametrize("year", ["1999", "-1", "2101"])
def test_peers_for_a_year_no_ledger_holds_is_an_error_not_an_empty_ranking(year, capsys):
    from kpitrack.cli import main

    assert main(["peers", "--measure", "gdp_nominal", "--year", year]) == 2
    assert "the peer ledger holds" in capsys.readouterr().err


def test_init_onto_a_dangling_symlink_says_so_and_leaves_nothing(tmp_path):
    from kpitrack.core.exceptions import KpitrackError
    from kpitrack.data.workspaces import init_workspace

    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(KpitrackError, match="symbolic link to nothing"):
        init_workspace(tmp_path / "dangling", "宁波市")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling"]

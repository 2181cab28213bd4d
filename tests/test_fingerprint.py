"""The up-to-date check covers every kind of record a document reads (issue 29): an ingest of a Tables
2, 3 or 5 ledger or of peer figures makes the evaluations and the cards stale and leaves the
bulletins as they are; ingesting nothing changes nothing."""

from __future__ import annotations

import csv

from kpitrack.data.plan_ledgers import ingest_ledger, kind
from kpitrack.data.records import RECORD_KINDS
from kpitrack.plan.catalogue import catalogue
from kpitrack.publish.content.documents import KINDS
from kpitrack.publish.runs.provenance import data_version
from kpitrack.publish.runs.run import run


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _versions(dataset: str) -> dict[str, dict]:
    return {k: data_version(dataset, KINDS[k].reads) for k in ("midterm", "card", "bulletin", "notice")}


def test_each_kind_of_record_makes_stale_exactly_the_documents_that_read_it(data_copy, tmp_path):
    assert set(KINDS["midterm"].reads) <= set(RECORD_KINDS) and KINDS["bulletin"].reads == ()
    cat = catalogue()
    folder = data_copy / "actuals" / "hangzhou"
    before = _versions("hangzhou")
    assert _versions("hangzhou") == before  # nothing ingested: nothing stale
    standards = _write(tmp_path / "s.csv", [["no", "issued_on", "document_no", "source"], ["3", "2018-05-01", "DB3301/T 1", "公告1"]])
    ingest_ledger(standards, kind("standards"), folder, cat)
    after = _versions("hangzhou")
    assert after["midterm"] != before["midterm"] and after["card"] != before["card"]
    assert after["bulletin"] == before["bulletin"] and after["notice"] == before["notice"]
    assert after["midterm"]["standards_sha256"] != before["midterm"]["standards_sha256"]
    assert after["midterm"]["special_sha256"] == before["midterm"]["special_sha256"]  # only the kind ingested changed
    problem = cat.problem_areas[0].problems[0].id
    rect = _write(tmp_path / "r.csv", [["problem", "year", "done", "disclosed", "satisfaction", "source"],
                                       [problem, "2018", "yes", "yes", "88", "整改报告"]])
    ingest_ledger(rect, kind("rectification"), folder, cat)
    third = _versions("hangzhou")
    assert third["midterm"]["rectification_sha256"] != after["midterm"]["rectification_sha256"]
    assert third["bulletin"] == before["bulletin"]
    peers = _write(tmp_path / "p.csv", [["city", "indicator", "year", "value", "quality", "source"],
                                        ["宁波", "gdp_real_growth", "2019", "6.8", "reported", "公报2019"]])
    ingest_ledger(peers, kind("peers"), data_copy / "peers", cat)
    fourth = _versions("hangzhou")
    assert fourth["midterm"]["peers_sha256"] != third["midterm"]["peers_sha256"] and fourth["bulletin"] == before["bulletin"]


def test_a_table_3_ingest_makes_the_report_run_again(data_copy, tmp_path):
    params = tmp_path / "midterm-2018.yaml"
    params.write_text("as_of: 2018\ndataset: hangzhou\n", encoding="utf-8")
    reports = tmp_path / "reports"
    assert not run(params, formats=("html",), renderer="fallback", reports_dir=reports).up_to_date
    assert run(params, formats=("html",), renderer="fallback", reports_dir=reports).up_to_date
    assert "平均满意度83.5%" not in (reports / "_output" / "midterm-2018.html").read_text(encoding="utf-8")
    cat = catalogue()
    problem = cat.problem_areas[0].problems[0].id
    rect = _write(tmp_path / "r.csv", [["problem", "year", "done", "disclosed", "satisfaction", "source"],
                                       [problem, "2018", "partly", "yes", "83.5", "整改报告（测试）"]])
    ingest_ledger(rect, kind("rectification"), data_copy / "actuals" / "hangzhou", cat)
    again = run(params, formats=("html",), renderer="fallback", reports_dir=reports)
    assert not again.up_to_date
    html = (reports / "_output" / "midterm-2018.html").read_text(encoding="utf-8")
    assert "平均满意度83.5%" in html  # the section on Table 3 shows the new ledger
    assert run(params, formats=("html",), renderer="fallback", reports_dir=reports).up_to_date


def test_data_as_of_before_an_ingest_reproduces_the_older_tables_3_and_5(data_copy, tmp_path):
    """Tables 3 and 5 read as known on a day: a report made "as of" a day before an ingest shows
    what was known then; a standard counts from the day it was issued, a year's rectification from
    its end."""
    from kpitrack.data.rectification import read_rectification
    from kpitrack.data.standards import read_standards
    from kpitrack.publish.content import plan_sections

    cat = catalogue()
    folder = data_copy / "actuals" / "hangzhou"
    problem = cat.problem_areas[0].problems[0].id
    first = _write(tmp_path / "r1.csv", [["problem", "year", "done", "disclosed", "satisfaction", "source"],
                                         [problem, "2018", "partly", "yes", "83.5", "整改报告"]])
    ingest_ledger(first, kind("rectification"), folder, cat, known_from="2019-01-20")
    fix = _write(tmp_path / "r2.csv", [["problem", "year", "done", "disclosed", "satisfaction", "source"],
                                       [problem, "2018", "yes", "yes", "88.0", "整改报告（更正）"]])
    ingest_ledger(fix, kind("rectification"), folder, cat, known_from="2019-09-01")
    assert read_rectification(folder, cat).rows["satisfaction"].tolist() == [88.0]
    assert read_rectification(folder, cat, "2019-06-01").rows["satisfaction"].tolist() == [83.5]  # before the correction
    assert read_rectification(folder, cat, "2018-12-01").rows.empty  # 2018's results: known at the year's end
    then, _ = plan_sections.rectification(2018, "hangzhou", "2019-06-01")
    now, _ = plan_sections.rectification(2018, "hangzhou")
    assert "平均满意度83.5%" in then and "平均满意度88.0%" in now
    standards = _write(tmp_path / "s.csv", [["no", "issued_on", "document_no", "source"], ["3", "2018-05-01", "DB3301/T 1", "公告1"],
                                            ["5", "2019-02-01", "DB3301/T 2", "公告2"]])
    ingest_ledger(standards, kind("standards"), folder, cat, known_from="2019-03-01")
    assert read_standards(folder, cat).rows["no"].tolist() == [3, 5]
    assert read_standards(folder, cat, "2019-01-01").rows.empty  # ingested in March: not known in January
    assert read_standards(folder, cat, "2019-06-01").rows["no"].tolist() == [3, 5]


def test_a_changed_challenge_list_makes_stale_only_what_reads_it(data_copy):
    import shutil

    from kpitrack.core import paths

    shutil.copytree(paths.repo_root() / "params", data_copy / "params")  # the workspace's own parameters
    before = _versions("synthetic")
    challenges = data_copy / "params" / "challenges-2018.yaml"
    challenges.write_text(challenges.read_text(encoding="utf-8") + "\n# 考评办复核\n", encoding="utf-8")
    after = _versions("synthetic")
    assert after["midterm"]["challenges_sha256"] != before["midterm"]["challenges_sha256"]
    assert after["card"]["challenges_sha256"] != before["card"]["challenges_sha256"]
    assert after["bulletin"] == before["bulletin"] and after["notice"] == before["notice"]

"""Monthly bulletins end to end: the notebook under papermill through the batch runner, and the
runner itself (isolation of failures, up-to-date skips, the lock, the Dask executor)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import nbformat
import pytest

from kpitrack.cli import main
from kpitrack.core.fileio import locked
from kpitrack.publish.runs.batch import Job, LocalExecutor, DaskExecutor, run_batch
from kpitrack.publish.runs.monthly import bulletin_folder, resolve_month
from kpitrack.publish.render import pdf_prerequisites

from .conftest import REPO, tree_bytes

TINY = REPO / "tests" / "fixtures" / "tiny_batch.ipynb"


def _text(nb_path: Path) -> str:
    nb = nbformat.read(str(nb_path), as_version=4)
    parts = []
    for c in nb.cells:
        parts.append(c.source)
        for o in c.get("outputs", []):
            parts.extend(str(v) for k, v in o.get("data", {}).items() if k in ("text/markdown", "text/html"))
    return re.sub(r"\\", "", "\n".join(parts))


@pytest.fixture(scope="module")
def batch_of_three(tmp_path_factory):
    """The CLI for the city and two districts, two at a time, HTML and PDF, into a scratch reports folder."""
    import kpitrack.publish.runs.monthly as monthly

    reports = tmp_path_factory.mktemp("reports")
    mp = pytest.MonkeyPatch()
    mp.setattr(monthly, "bulletin_folder", lambda month, dataset, reports_dir=None: bulletin_folder(month, dataset, reports))
    code = main(["bulletins", "--month", "2018-06", "--dataset", "synthetic", "--regions", "杭州市,西湖区,330182",
                 "--jobs", "2", "--renderer", "fallback"])
    yield code, bulletin_folder("2018-06", "synthetic", reports), mp
    mp.undo()


@pytest.mark.slow
def test_batch_writes_every_bulletin_and_a_manifest(batch_of_three):
    code, out, _ = batch_of_three
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["month"] == "2018-06" and manifest["dataset"] == "synthetic"
    assert set(manifest["items"]) == {"330100", "330106", "330182"}
    for key, item in manifest["items"].items():
        assert item["status"] == "ok" and item["seconds"] > 0
        assert item["inputs"]["vintage"] == 1 and item["inputs"]["code_version"].startswith("0.")
        assert item["parameters"]["region"] == key
        for fmt in ("ipynb", "html") + (() if pdf_prerequisites() else ("pdf",)):
            assert (out / item["outputs"][fmt]).is_file(), (key, fmt)
    assert not list(out.glob("work-*")) and not list(out.glob("*.tmp"))  # nothing half-written left


@pytest.mark.slow
def test_district_bulletin_reads_as_an_official_bulletin(batch_of_three):
    _, out, _ = batch_of_three
    text = _text(out / "330106.ipynb")
    for part in ("一、总体情况", "二、分项指标", "三、需关注事项", "西湖区经济责任制指标进度通报（2018年1—6月）",
                 "合成演示数据", "位次", "全年预计（80%区间）", "个百分点", "亿元"):
        assert part in text, part
    html = (out / "330106.html").read_text(encoding="utf-8")
    assert "<title>西湖区经济责任制指标进度通报（2018年1—6月）（合成数据　仅供演示）</title>" in html
    assert not re.search(r'<script[^>]+src="https?://', html)  # self-contained


@pytest.mark.slow
def test_city_bulletin_compares_the_13_districts(batch_of_three, cat):
    _, out, _ = batch_of_three
    text = _text(out / "330100.ipynb")
    assert "各区、县（市）指标进度状态" in text and "进度滞后或存在风险的区、县（市）指标" in text
    nb = nbformat.read(str(out / "330100.ipynb"), as_version=4)
    charts = [o for c in nb.cells for o in c.get("outputs", []) if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(charts) == 1 + 6  # the city's own paths, and one comparison per measure
    html = (out / "330100.html").read_text(encoding="utf-8")
    assert html.count('class="status status-') >= 13 * 6  # the districts-by-measures table is coloured
    for name in ("上城区", "建德市", "淳安县"):
        assert name in html


@pytest.mark.slow
def test_second_run_leaves_the_issued_bulletins_in_seconds(batch_of_three, capsys):
    _, out, _ = batch_of_three
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    code = main(["bulletins", "--month", "2018-06", "--dataset", "synthetic", "--regions", "杭州市,西湖区,330182",
                 "--renderer", "fallback"])
    printed = capsys.readouterr().out
    assert code == 0 and "0 written, 0 up to date, 3 issued" in printed
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert {k: v for k, v in after.items() if k != ".lock"} == {k: v for k, v in before.items() if k != ".lock"}


@pytest.mark.slow
def test_a_second_run_while_one_holds_the_lock_exits_without_writing(batch_of_three, capsys):
    _, out, _ = batch_of_three
    before = tree_bytes(out)
    with locked(out / ".lock"):  # held here, as another run would hold it (named as this process's own task)
        code = main(["bulletins", "--month", "2018-06", "--dataset", "synthetic", "--regions", "西湖区", "--force"])
    assert code == 75
    assert "in use by another task of this kpitrack process" in capsys.readouterr().err
    assert tree_bytes(out) == before


def _tiny_jobs(out: Path, keys=("a", "b", "c"), fail_for="", **kw) -> list[Job]:
    return [Job(k, f"地区{k}", str(TINY), {"region": k, "fail_for": fail_for}, str(out), ("html",), "fallback",
                {"title": f"小测试 {k}"}, {"data": "v1"}, **kw) for k in keys]


@pytest.mark.slow
def test_a_failing_job_is_isolated_and_named_with_its_partial_notebook(tmp_path):
    out = tmp_path / "batch"
    out.mkdir()
    (out / "b.html").write_text("stale bulletin of an earlier run", encoding="utf-8")
    result = run_batch(_tiny_jobs(out, fail_for="b"), out, executor=LocalExecutor(2))
    status = {r.key: r.status for r in result.results}
    assert status == {"a": "ok", "b": "failed", "c": "ok"} and result.exit_code == 1
    failed = result.failed[0]
    assert "deliberate failure for b" in failed.error and Path(failed.partial) == out / "b.failed.ipynb"
    assert (out / "b.failed.ipynb").is_file() and not (out / "b.html").exists()  # no stale output as if current
    assert (out / "a.html").is_file() and (out / "c.html").is_file()
    item = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["items"]["b"]
    assert item["status"] == "failed" and item["partial_notebook"] == "b.failed.ipynb"


@pytest.mark.slow
def test_up_to_date_jobs_are_skipped_unless_forced_or_changed(tmp_path):
    out = tmp_path / "batch"
    first = run_batch(_tiny_jobs(out, keys=("a", "b")), out, executor=LocalExecutor(1))
    assert [r.status for r in first.results] == ["ok", "ok"]
    html = (out / "a.html").read_text(encoding="utf-8")
    assert "<title>小测试 a</title>" in html  # the runner stamps the title into the front matter
    again = run_batch(_tiny_jobs(out, keys=("a", "b")), out, executor=LocalExecutor(1))
    assert [r.status for r in again.results] == ["up to date", "up to date"]
    changed = _tiny_jobs(out, keys=("a",)) + [Job("b", "地区b", str(TINY), {"region": "b", "fail_for": ""}, str(out),
                                                  ("html",), "fallback", {"title": "小测试 b"}, {"data": "v2"})]
    third = run_batch(changed, out, executor=LocalExecutor(1))
    assert [r.status for r in third.results] == ["up to date", "ok"]
    (out / "a.html").unlink()  # an output gone missing is made again
    forced = run_batch(_tiny_jobs(out, keys=("a",)), out, executor=LocalExecutor(1))
    assert forced.results[0].status == "ok" and (out / "a.html").is_file()


@pytest.mark.slow
def test_dask_executor_on_a_local_cluster_of_two_workers(tmp_path):
    distributed = pytest.importorskip("distributed", reason="dask.distributed is a dev dependency (pip install -e .[dask])")
    out = tmp_path / "batch"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        result = run_batch(_tiny_jobs(out, fail_for="c"), out, executor=DaskExecutor(client))
        workers = len(client.scheduler_info()["workers"])
        kept = client.run(_warm_kernels)  # the workers' warm kernels end with the batch
    assert workers == 2 and list(kept.values()) == [[], []]
    assert {r.key: r.status for r in result.results} == {"a": "ok", "b": "ok", "c": "failed"}
    assert (out / "a.html").is_file() and (out / "c.failed.ipynb").is_file()


def _warm_kernels() -> list[int]:
    from kpitrack.publish.runs import warm_kernel

    return warm_kernel.held_pids()


def test_previous_month_counts_from_an_injectable_today():
    assert resolve_month("previous", date(2018, 7, 5)) == "2018-06"
    assert resolve_month("previous", date(2019, 1, 5)) == "2018-12"
    assert resolve_month("2018-06") == "2018-06"


def test_cli_previous_with_a_fixed_date_and_no_figures_writes_nothing(data_copy, capsys, tmp_path):
    empty = data_copy / "actuals" / "empty"
    empty.mkdir()
    (empty / "dataset.yaml").write_text("title_zh: 空\ntitle_en: empty\nsynthetic: false\n", encoding="utf-8")
    before = tree_bytes(data_copy)
    code = main(["bulletins", "--month", "previous", "--today", "2018-07-05", "--dataset", "empty"])
    out = capsys.readouterr().out
    # not an error: the month waits for its figures, and the next run makes it (exit 0, one line)
    assert code == 0 and "2018-06: waiting for figures" in out and "nothing was written" in out
    assert tree_bytes(data_copy) == before
    assert not bulletin_folder("2018-06", "empty").exists()


@pytest.mark.parametrize("args, message", [
    (["--month", "2018-6"], "YYYY-MM"),
    (["--month", "2018-06", "--regions", "西湖区,火星区"], "unknown region '火星区'"),
    (["--month", "2018-06", "--to", "docx"], "unknown output format"),
    (["--month", "2018-06", "--jobs", "0"], "--jobs"),
    (["--month", "2018-06", "--executor", "dask"], "--scheduler"),
    (["--month", "2018-06", "--renderer", "evil"], "unknown renderer"),
    (["--month", "previous", "--today", "2018-02-30"], "--today"),
    (["--month", "2018-06", "--dataset", "nosuch"], "unknown dataset"),
])
def test_bad_bulletin_options_are_refused_before_any_work(args, message, capsys):
    code = main(["bulletins", *args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_deploy_files_schedule_the_pending_months_on_the_5th():
    service = (REPO / "deploy" / "kpitrack-bulletins.service").read_text(encoding="utf-8")
    timer = (REPO / "deploy" / "kpitrack-bulletins.timer").read_text(encoding="utf-8")
    assert "bulletins --pending" in service and "OnCalendar=*-*-05" in timer
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^\d+ \d+ 5 \* \* .*kpitrack --workspace \S+ bulletins --pending", readme, re.M)


def test_bulletin_notebook_has_no_logic_of_its_own():
    nb = nbformat.read(REPO / "notebooks" / "monthly_bulletin.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import pandas" not in code and "def " not in code and "groupby" not in code
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    for name in ("month", "region", "dataset", "data_as_of", "language", "edition"):
        assert re.search(rf"^{name} = ", params.source, re.M), name


def test_bulletin_folder_names_follow_the_report_names():
    assert bulletin_folder("2018-06", "hangzhou").name == "2018-06"
    assert bulletin_folder("2018-06", "synthetic").name == "2018-06-synthetic"

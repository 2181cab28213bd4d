"""A report is a batch of one (issue 19): a manifest, up to date when nothing changed, rendered
again when the renderer changed; and one as-of rule for run, status and the API."""

from __future__ import annotations

import json

import pytest

from kpitrack.cli import main
from kpitrack.publish import render
from kpitrack.publish.runs.run import run

from .conftest import REPO


@pytest.mark.slow
def test_run_writes_a_manifest_and_a_second_run_is_up_to_date(tmp_path, monkeypatch):
    params = tmp_path / "midterm-2018-synthetic.yaml"
    params.write_text("as_of: 2018\ndataset: synthetic\n", encoding="utf-8")
    reports = tmp_path / "reports"
    first = run(params, formats=("html",), renderer="fallback", reports_dir=reports)
    assert not first.up_to_date
    doc = json.loads((reports / "_output" / "manifest.json").read_text(encoding="utf-8"))
    entry = doc["items"]["midterm-2018-synthetic"]
    assert entry["status"] == "ok" and entry["kind"] == "midterm" and entry["synthetic"] is True
    assert entry["renderer"].startswith("fallback") and entry["outputs"]["html"] == "midterm-2018-synthetic.html"
    assert {"dataset", "vintage", "data_sha256", "code_version", "notebook_sha256"} <= set(entry["inputs"])
    assert entry["parameters"]["as_of"] == 2018 and entry["seconds"] > 0
    html = reports / "_output" / "midterm-2018-synthetic.html"
    stamp = html.stat().st_mtime_ns
    second = run(params, formats=("html",), renderer="fallback", reports_dir=reports)
    assert second.up_to_date and html.stat().st_mtime_ns == stamp  # nothing written
    # another renderer (here: another version of the fallback's tools) renders again
    monkeypatch.setattr(render.FallbackRenderer, "identity", lambda self: "fallback (another pandoc)")
    third = run(params, formats=("html",), renderer="fallback", reports_dir=reports)
    assert not third.up_to_date and html.stat().st_mtime_ns != stamp
    assert run(params, formats=("html",), renderer="fallback", reports_dir=reports, force=True).up_to_date is False


def test_one_as_of_rule_for_run_status_and_the_api(monkeypatch, capsys):
    import kpitrack.publish.runs.run as run_module
    from kpitrack.api import _as_of

    seen = {}

    def fake_run(path, **kw):
        seen.update(kw["overrides"])
        return run_module.RunResult({}, path, up_to_date=True)

    monkeypatch.setattr(run_module, "run", fake_run)
    assert main(["run", str(REPO / "params" / "midterm-2018.yaml"), "--as-of", "2020-06-01"]) == 0
    assert seen == {"as_of": 2019, "data_as_of": "2020-06-01"}
    assert main(["status", "--as-of", "2020-06-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["as_of"] == 2019
    assert _as_of("2020-06-01") == (2019, "2020-06-01")


@pytest.mark.slow
def test_two_runs_of_one_report_at_once(tmp_path):
    """While one process writes a report (holds its lock), a second run of it exits 75 at once,
    writing nothing; afterwards it runs."""
    import subprocess
    import sys

    params = tmp_path / "midterm-2018-synthetic.yaml"
    params.write_text("as_of: 2018\ndataset: synthetic\n", encoding="utf-8")
    out = tmp_path / "reports" / "_output"
    out.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from kpitrack.core.fileio import locked\n"
                               f"with locked({str(out / '.midterm-2018-synthetic.lock')!r}):\n"
                               "    print('holding', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert holder.stdout.readline().strip() == "holding"
        code = ("import sys; from pathlib import Path; from kpitrack.publish.runs.run import run; "
                "from kpitrack.core.exceptions import KpitrackError\n"
                f"try:\n    run(Path({str(params)!r}), formats=('html',), renderer='fallback', reports_dir=Path({str(tmp_path / 'reports')!r}))\n"
                "except KpitrackError as e:\n    print(e, file=sys.stderr); sys.exit(e.exit_code)")
        second = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
        assert second.returncode == 75 and "in use by another kpitrack process" in second.stderr, second.stderr
        assert sorted(p.name for p in out.iterdir()) == [".midterm-2018-synthetic.lock"]  # nothing written
    finally:
        holder.kill()
        holder.wait()
    assert run(params, formats=("html",), renderer="fallback", reports_dir=tmp_path / "reports").outputs["html"].is_file()


def test_documents_of_one_folder_under_their_own_locks_lose_no_manifest_entry(tmp_path):
    """Two reports run side by side in reports/_output (each under its own lock): the one that
    finishes last merges its entry into the manifest the other wrote meanwhile."""
    from kpitrack.publish.runs.batch import Executor, Job, JobResult, run_batch

    out = tmp_path / "_output"

    def job(key):
        return Job(key, key, str(REPO / "notebooks" / "midterm_evaluation.ipynb"), {"as_of": 2018}, str(out), ("html",), "fallback")

    class Finished(Executor):
        def __init__(self, during=None):
            self.during = during

        def map_unordered(self, fn, jobs):
            if self.during:
                self.during()  # another report finishes while this one runs
            for j in jobs:
                (out / f"{j.key}.html").write_text("x", encoding="utf-8")
                yield JobResult(j.key, j.label, "ok", {"html": f"{j.key}.html"})

    run_batch([job("b")], out, executor=Finished(), lock=".b.lock")
    run_batch([job("a")], out, executor=Finished(lambda: run_batch([job("c")], out, executor=Finished(), lock=".c.lock")),
              lock=".a.lock")
    items = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["items"]
    assert sorted(items) == ["a", "b", "c"] and all(v["status"] == "ok" and v["renderer"].startswith("fallback") for v in items.values())


def test_a_failed_report_names_its_notebook_and_exits_1(tmp_path, monkeypatch, capsys):
    import kpitrack.publish.runs.run as run_module

    broken = tmp_path / "broken.ipynb"
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("as_of = 2018\ndataset = 'x'\nlanguage = 'zh'\ndata_as_of = ''", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("raise RuntimeError('broken on purpose')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, broken)
    monkeypatch.setattr(run_module, "notebook_for", lambda params: broken)
    params = tmp_path / "midterm-2018-synthetic.yaml"
    params.write_text("as_of: 2018\ndataset: synthetic\n", encoding="utf-8")
    reports = tmp_path / "reports"
    (reports / "_output").mkdir(parents=True)
    (reports / "_output" / "midterm-2018-synthetic.html").write_text("an earlier report", encoding="utf-8")
    with pytest.raises(run_module.DocumentFailed, match="broken on purpose") as err:
        run(params, formats=("html",), renderer="fallback", reports_dir=reports)
    assert err.value.exit_code == 1
    assert (reports / "_output" / "midterm-2018-synthetic.failed.ipynb").is_file()
    assert not (reports / "_output" / "midterm-2018-synthetic.html").exists()  # nothing stale looks current
    entry = json.loads((reports / "_output" / "manifest.json").read_text(encoding="utf-8"))["items"]["midterm-2018-synthetic"]
    assert entry["status"] == "failed" and "broken on purpose" in entry["error"]


def test_a_pdf_run_keeps_the_html_a_run_of_the_same_inputs_published(tmp_path):
    """``--to html`` then ``--to pdf`` of the same document and inputs: both stay, both listed (issue
    31: the PDF run deleted the HTML published before); a run of other inputs still removes it."""
    import nbformat

    from kpitrack.publish.runs.batch import Job, run_batch

    nb = tmp_path / "tiny.ipynb"
    doc = nbformat.v4.new_notebook()
    doc.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}), nbformat.v4.new_markdown_cell("# 标题\n\n正文。")]
    doc.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(doc, nb)
    out = tmp_path / "out"

    def job(formats, x=1):
        return Job("doc", "doc", str(nb), {"x": x}, str(out), formats, "fallback")

    assert run_batch([job(("html",))], out).results[0].status == "ok"
    assert run_batch([job(("pdf",))], out).results[0].status == "ok"
    assert (out / "doc.html").is_file() and (out / "doc.pdf").is_file()
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["items"]["doc"]
    assert set(entry["outputs"]) == {"ipynb", "html", "pdf"}
    assert run_batch([job(("pdf",), x=2)], out).results[0].status == "ok"  # other inputs: the old HTML is stale
    assert not (out / "doc.html").exists()

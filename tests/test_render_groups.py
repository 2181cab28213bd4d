"""A batch's documents rendered together: the runner groups them when the renderer gains from it
(Quarto: one start per group and format instead of one per document), each document still gets
what a render of it alone would give, and one that fails (in its notebook, in Quarto, in a group
that hangs) fails alone. A stand-in `quarto` on PATH: no real Quarto needed."""

from __future__ import annotations

import json
import os
import stat
import time
from concurrent.futures import Future
from pathlib import Path

import nbformat
import pytest

from kpitrack.publish.render import quarto
from kpitrack.publish.runs.batch import Job, JobGroup, LocalExecutor, render_groups, run_batch
from kpitrack.publish.runs.jobs import failed_results

TINY = Path(__file__).parent / "fixtures" / "tiny_batch.ipynb"

# as Quarto does: renders a file, or a folder's notebooks in order, in place, and moves the outputs
# into the project's _output at the end; in a folder it stops at the first that fails, moving those
# made before it. A notebook whose name holds "bad" fails; one whose name holds "broken" gets a page
# that points at a file that is not there; in a folder, one whose name holds $HANG never finishes;
# with $FLAKY (a file name) the first folder render to HTML fails without making anything
FAKE = r"""#!/usr/bin/env bash
[ "$1" = "--version" ] && echo 1.7.34 && exit 0
src="$2"; to="$4"
echo "$src $to" >> "$QUARTO_LOG"
[ "$to" = "typst" ] && ext=pdf || ext=html
one() {
  stem=$(basename "$1" .ipynb); d=$(dirname "$1")
  case "$stem" in *bad*) echo "cannot render $stem" >&2; return 1;; esac
  img=""; case "$stem" in *broken*) img='<img src="nope.png">';; esac
  if [ "$ext" = pdf ]; then printf '%%PDF-1.7 %s %s\n%%%%EOF\n' "$stem" "$to" > "$d/$stem.$ext"
  else echo "<html><head><title>$stem</title></head><body>$stem $to $img</body></html>" > "$d/$stem.$ext"; fi
}
move() {
  stem=$(basename "$1" .ipynb); d=$(dirname "$1")
  mkdir -p "_output/$d" && mv "$d/$stem.$ext" "_output/$d/$stem.$ext"
}
if [ -d "$src" ]; then
  if [ -n "$FLAKY" ] && [ "$to" = html ] && [ ! -e "$FLAKY" ]; then touch "$FLAKY"; echo "Unexpected end of JSON input" >&2; exit 1; fi
  made=(); rc=0
  for f in "$src"/*.ipynb; do
    case "$f" in *"${HANG:-@none@}"*) sleep 60;; esac
    if ! one "$f"; then rc=1; break; fi
    made+=("$f")
  done
  for f in "${made[@]}"; do move "$f"; done
  exit $rc
fi
one "$src" && move "$src"
"""


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A Quarto project with the stand-in on PATH; the PDF needs no pictures and no prerequisites."""
    exe = tmp_path / "bin" / "quarto"
    exe.parent.mkdir()
    exe.write_text(FAKE, encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{exe.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("QUARTO_LOG", str(tmp_path / "quarto.log"))
    monkeypatch.setattr(quarto, "pdf_prerequisites", lambda: [])
    done: Future = Future()
    done.set_result(None)
    monkeypatch.setattr(quarto, "start_chart_images", lambda nb: done)
    quarto._quarto_version_run.cache_clear()
    root = tmp_path / "project"
    root.mkdir()
    (root / "_quarto.yml").write_text("project:\n  type: default\n  output-dir: _output\n", encoding="utf-8")
    yield root
    quarto._quarto_version_run.cache_clear()


def _calls(project: Path) -> list[str]:
    log = project.parent / "quarto.log"
    return log.read_text(encoding="utf-8").splitlines() if log.is_file() else []


def _docs(project: Path, keys) -> list[tuple[Path, tuple[str, ...], Path]]:
    """Each document's notebook in a scratch folder of its own (as the runner has them)."""
    docs = []
    for key in keys:
        work = project / f"work-{key}-1-1"
        work.mkdir()
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"## {key} <b>正文</b>")]
        nbformat.write(nb, str(work / f"{key}.ipynb"))
        docs.append((work / f"{key}.ipynb", ("html", "pdf"), work))
    return docs


def _left(project: Path) -> list[str]:
    return sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- the groups

def _jobs(n: int, renderer: str = "quarto", formats=("html", "pdf"), out: str = "/tmp/out") -> list[Job]:
    return [Job(f"k{i}", f"单位{i}", "nb.ipynb", {}, out, formats, renderer) for i in range(n)]


@pytest.mark.parametrize("n, workers, sizes", [
    (33, 2, [6, 6, 6, 5, 5, 5]),  # the cards: 3 groups per worker, none over 8
    (14, 2, [4, 4, 3, 3]),  # a month's bulletins
    (90, 4, [8, 8, 8, 8, 8, 8, 7, 7, 7, 7, 7, 7]),  # a province on 4 workers
    (3, 2, [1, 1, 1]),  # too few to gain: one each
    (2, None, [1, 1]),
])
def test_groups_fill_the_workers_twice_in_even_sizes_of_at_most_the_renderer_s_limit(n, workers, sizes):
    groups = render_groups(_jobs(n), workers)
    assert [len(g) for g in groups] == sizes
    assert [j.key for g in groups for j in g] == [f"k{i}" for i in range(n)]  # every job once, in order


def test_a_renderer_that_gains_nothing_gets_one_job_per_group_and_unlike_jobs_are_never_grouped():
    assert {len(g) for g in render_groups(_jobs(20, renderer="fallback"), 2)} == {1}
    mixed = _jobs(10) + _jobs(10, formats=("html",)) + _jobs(10, out="/tmp/other")
    groups = render_groups(mixed, 2)
    assert all(len({(j.formats, j.out_dir) for j in g}) == 1 for g in groups)
    assert sum(len(g) for g in groups) == 30 and max(len(g) for g in groups) > 1


def test_an_executor_of_one_s_own_gets_the_jobs_one_by_one(project):
    """A subclass of Executor that does not say it takes groups is given Jobs and returns a result per
    job, as before groups: nothing changes for it."""
    from kpitrack.publish.runs.batch import Executor, JobResult

    seen = []

    class Serial(Executor):
        def map_unordered(self, fn, jobs):
            for job in jobs:
                seen.append(type(job).__name__)
                yield JobResult(job.key, job.label, "failed", error="not run")

    out = project / "own"
    result = run_batch(_jobs(12, out=str(out)), out, executor=Serial())
    assert seen == ["Job"] * 12 and len(result.results) == 12

    class Duck:  # no Executor at all: what it has not, it is not asked for
        def map_unordered(self, fn, jobs):
            return Serial().map_unordered(fn, jobs)

    seen.clear()
    run_batch(_jobs(12, out=str(out)), out, executor=Duck(), force=True)
    assert seen == ["Job"] * 12


def test_dask_groups_only_when_the_cluster_s_threads_are_known():
    from kpitrack.publish.runs.executors import DaskExecutor

    class Client:
        def nthreads(self):
            return {"tcp://a": 2, "tcp://b": 4}

    assert DaskExecutor("tcp://HOST:8786").workers is None and not DaskExecutor("tcp://HOST:8786").takes_groups
    assert DaskExecutor(Client()).workers == 6 and DaskExecutor(Client()).takes_groups
    assert LocalExecutor(3).workers == 3 and LocalExecutor(3).takes_groups


def test_a_group_whose_worker_dies_fails_each_of_its_jobs_by_name():
    group = JobGroup(tuple(_jobs(3)))
    assert group.key == "k0+2"
    failed = failed_results(group, "worker died: BrokenProcessPool")
    assert [(r.key, r.status) for r in failed] == [("k0", "failed"), ("k1", "failed"), ("k2", "failed")]
    assert all("worker died" in r.error and r.finished_at for r in failed)
    assert [r.key for r in failed_results(_jobs(1)[0], "x")] == ["k0"]


def _die(group):
    os._exit(3)


@pytest.mark.slow
def test_the_local_pool_names_every_job_of_a_group_whose_worker_died():
    groups = [JobGroup(tuple(_jobs(2))), JobGroup(tuple(_jobs(3)[2:]))]
    results = list(LocalExecutor(2).map_unordered(_die, groups))
    assert sorted(r.key for r in results) == ["k0", "k1", "k2"] and {r.status for r in results} == {"failed"}


# --------------------------------------------------------------------------- Quarto renders a group

def test_one_quarto_per_format_renders_the_group_and_each_output_goes_to_its_document(project):
    docs = _docs(project, ("a", "b", "c"))
    results = quarto.QuartoRenderer().render_many(docs)
    calls = _calls(project)
    assert len(calls) == 2 and {c.split()[1] for c in calls} == {"html", "typst"}  # one start per format
    for (nb, _, out), result in zip(docs, results):
        assert not isinstance(result, Exception)
        assert set(result.outputs) == {"html", "pdf"}
        assert result.outputs["html"] == out / f"{nb.stem}.html"
        assert f"{nb.stem} html" in result.outputs["html"].read_text(encoding="utf-8")
        assert f"{nb.stem} typst" in result.outputs["pdf"].read_text(encoding="utf-8")
    # nothing of the group is left in the project: no copies, no outputs, no folders
    assert _left(project) == sorted(["_quarto.yml", *(f"work-{k}-1-1/{k}.{x}" for k in "abc" for x in ("ipynb", "html", "pdf"))])
    assert not any(p.name.startswith("work-group") for p in project.rglob("*"))


def test_a_document_quarto_fails_on_is_rendered_alone_and_fails_alone(project):
    docs = _docs(project, ("a", "bad", "c"))
    results = quarto.QuartoRenderer().render_many(docs)
    assert [type(r).__name__ for r in results] == ["RenderResult", "RenderError", "RenderResult"]
    error = str(results[1])
    assert "bad.ipynb to html failed" in error and "cannot render bad" in error  # its own render, its own words
    assert not any((docs[1][2] / f"bad.{x}").exists() for x in ("html", "pdf"))  # nothing of it published
    # the group once per format (it stopped at "bad"), then what it did not make alone: bad and c
    calls = _calls(project)
    assert len([c for c in calls if "work-group" in c]) == 2
    alone = {c.split("/")[0] for c in calls if "work-group" not in c}
    assert alone == {"work-bad-1-1", "work-c-1-1"}
    assert results[0].outputs["pdf"].is_file() and results[2].outputs["html"].is_file()


def test_a_group_that_hangs_is_stopped_after_the_timeout_of_each_of_its_documents(project, monkeypatch):
    monkeypatch.setenv("HANG", "slow")  # a and c are made, then the folder's render hangs on "slow"
    monkeypatch.setenv("KPITRACK_RENDER_TIMEOUT", "1")
    docs = _docs(project, ("a", "c", "slow"))
    began = time.monotonic()
    results = quarto.QuartoRenderer().render_many(docs)
    assert time.monotonic() - began >= 3  # 1 s for each of the three
    assert all(not isinstance(r, Exception) and set(r.outputs) == {"html", "pdf"} for r in results)
    calls = _calls(project)
    assert len([c for c in calls if "work-group" in c]) == 2
    # stopped, the group has moved nothing: each document is rendered alone
    assert {c.split("/")[0] for c in calls if "work-group" not in c} == {"work-a-1-1", "work-c-1-1", "work-slow-1-1"}
    assert not any(p.name.startswith("work-group") for p in project.rglob("*"))


def test_a_group_that_failed_without_making_anything_is_rendered_once_more(project, monkeypatch, tmp_path):
    monkeypatch.setenv("FLAKY", str(tmp_path / "flaked"))
    docs = _docs(project, ("a", "b"))
    results = quarto.QuartoRenderer().render_many(docs)
    assert all(set(r.outputs) == {"html", "pdf"} for r in results)
    calls = _calls(project)
    assert all("work-group" in c for c in calls) and sorted(c.split()[1] for c in calls) == ["html", "html", "typst"]


def test_a_page_that_cannot_be_finished_fails_its_own_document_only(project):
    """Quarto made every page, but one points at a file that is not there (the page cannot be made
    self-contained): that document fails, alone, with its own error; the others are published."""
    docs = _docs(project, ("a", "broken", "c"))
    results = quarto.QuartoRenderer().render_many(docs)
    assert [type(r).__name__ for r in results] == ["RenderResult", "RenderError", "RenderResult"]
    assert "nope.png" in str(results[1])
    assert results[0].outputs["html"].is_file() and results[2].outputs["pdf"].is_file()


def test_only_a_finished_page_or_pdf_counts(tmp_path):
    page, pdf = tmp_path / "a.html", tmp_path / "a.pdf"
    page.write_text("<html><body>" + "x" * 5000, encoding="utf-8")
    pdf.write_bytes(b"%PDF-1.7\n" + b"0" * 5000)
    assert not quarto._complete(page, "html") and not quarto._complete(pdf, "pdf")
    assert not quarto._complete(tmp_path / "gone.html", "html")
    page.write_text("<html><body>" + "x" * 5000 + "</body></HTML>\n", encoding="utf-8")
    pdf.write_bytes(b"%PDF-1.7\n" + b"0" * 5000 + b"\n%%EOF\n")
    assert quarto._complete(page, "html") and quarto._complete(pdf, "pdf")


def test_unlike_documents_are_rendered_one_by_one(project):
    docs = _docs(project, ("a", "b"))
    docs[1] = (docs[1][0], ("html",), docs[1][2])
    results = quarto.QuartoRenderer().render_many(docs)
    assert set(results[0].outputs) == {"html", "pdf"} and set(results[1].outputs) == {"html"}
    assert not any("work-group" in c for c in _calls(project))


# --------------------------------------------------------------------------- a batch with groups

@pytest.mark.slow
def test_a_batch_renders_its_documents_in_groups_and_a_failing_notebook_fails_alone(project):
    out = project / "batch"
    jobs = [Job(k, f"地区{k}", str(TINY), {"region": k, "fail_for": "b"}, str(out), ("html",), "quarto",
                {"title": f"小测试 {k}"}, {"data": "v1"}) for k in ("a", "b", "c", "d", "e")]
    result = run_batch(jobs, out, executor=LocalExecutor(1))
    assert {r.key: r.status for r in result.results} == {"a": "ok", "b": "failed", "c": "ok", "d": "ok", "e": "ok"}
    assert "deliberate failure for b" in result.failed[0].error and (out / "b.failed.ipynb").is_file()
    assert sorted(p.name for p in out.glob("*.html")) == ["a.html", "c.html", "d.html", "e.html"]
    assert len(_calls(project)) == 2 and all("work-group" in c for c in _calls(project))  # [a b c] and [d e]
    items = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["items"]
    assert all(items[k]["stages"]["render"] > 0 and items[k]["seconds"] > 0 for k in "acde")
    assert not [p for p in out.iterdir() if p.name.startswith("work-")]


@pytest.mark.slow
def test_when_rendering_together_breaks_each_document_is_rendered_alone(project, monkeypatch):
    def broken(self, docs):
        raise RuntimeError("a bug in rendering groups")

    monkeypatch.setattr(quarto.QuartoRenderer, "render_many", broken)
    out = project / "batch"
    jobs = [Job(k, f"地区{k}", str(TINY), {"region": k, "fail_for": ""}, str(out), ("html",), "quarto",
                {"title": f"小测试 {k}"}, {"data": "v1"}) for k in ("a", "b", "c", "d")]
    result = run_batch(jobs, out, executor=LocalExecutor(1))
    assert [r.status for r in result.results] == ["ok"] * 4
    calls = _calls(project)  # one render of each document alone, none of a group
    assert len(calls) == 4 and all(c.startswith("batch/work-") and "work-group" not in c for c in calls)


def test_a_job_that_cannot_start_fails_alone_and_the_group_keeps_its_order(tmp_path, monkeypatch):
    from kpitrack.publish.runs import batch

    real_open = batch._open

    def opening(job):
        if job.key == "k1":
            raise OSError(28, "No space left on device")
        return real_open(job)

    def executing(doc):
        doc.result.error = "not run here"
        doc.done = True

    monkeypatch.setattr(batch, "_open", opening)
    monkeypatch.setattr(batch, "_execute", executing)
    jobs = _jobs(3, renderer="fallback", formats=("html",), out=str(tmp_path / "out"))
    results = batch.run_group(JobGroup(tuple(jobs)))
    assert [r.key for r in results] == ["k0", "k1", "k2"]
    assert [r.status for r in results] == ["failed"] * 3 and "No space left on device" in results[1].error


def test_a_killed_group_s_leftovers_are_cleaned_by_the_next_run_of_the_folder(tmp_path):
    """A batch killed while Quarto rendered a group leaves the group's scratch folder and what Quarto
    wrote for it into the project's output folder: the next batch of the folder removes both."""
    from kpitrack.publish.runs.batch import _clean_leftovers

    project = tmp_path / "reports"
    (project / "_output" / "cards" / "work-group-12-34" / "html").mkdir(parents=True)
    (project / "_output" / "cards" / "work-group-12-34" / "html" / "a.html").write_text("half", encoding="utf-8")
    (project / "_output" / "cards" / "kept").mkdir()
    (project / "_quarto.yml").write_text("project:\n  type: default\n", encoding="utf-8")
    out = project / "cards"
    (out / "work-group-12-34" / "pdf").mkdir(parents=True)
    _clean_leftovers(out, _jobs(2, out=str(out)), whole_folder=True)
    assert sorted(p.name for p in (project / "_output" / "cards").iterdir()) == ["kept"]
    assert list(out.iterdir()) == []


def _deep_bug():
    raise ValueError("a bug deep in a renderer")


@pytest.mark.slow
def test_a_render_that_raises_names_where_it_was_raised_and_has_no_render_stage(project, monkeypatch):
    def render_many(self, docs):
        try:
            _deep_bug()
        except ValueError as exc:
            return [exc] * len(docs)

    monkeypatch.setattr(quarto.QuartoRenderer, "render_many", render_many)
    out = project / "batch"
    jobs = [Job("a", "地区a", str(TINY), {"region": "a", "fail_for": ""}, str(out), ("html",), "quarto",
                {"title": "小测试 a"}, {"data": "v1"})]
    result = run_batch(jobs, out, executor=LocalExecutor(1))
    error = result.results[0].error
    assert result.results[0].status == "failed" and "a bug deep in a renderer" in error and "_deep_bug" in error
    item = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["items"]["a"]
    assert "execute" in item["stages"] and "render" not in item["stages"]

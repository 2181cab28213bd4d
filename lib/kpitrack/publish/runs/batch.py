"""Run parameterised notebooks: the one runner of every document (reports, bulletins, cards, notices).

A batch is a list of :class:`Job` (a notebook, its parameters, where its outputs go). The runner

- takes an exclusive lock on the output folder (a second run for the same folder says so and
  exits, it never interleaves writes: :class:`~kpitrack.core.fileio.LockBusyError`, exit 75);
- skips jobs whose inputs (parameters, data, plan, code, notebook) are unchanged since their
  outputs were written ("up to date"), unless forced;
- runs the rest on an executor: a local process pool (default, one worker per core) or a Dask
  distributed cluster (``submit``/``as_completed``, the engine's own pattern for fanning out);
- in each job executes the notebook with papermill, stamps its title, renders it, and moves every
  output into place by rename (a reader never sees half a file); a failing job keeps its partial
  notebook as ``<key>.failed.ipynb``, removes its stale outputs, and never stops the others;
- records every job in ``manifest.json`` (inputs, outputs, seconds, status), rewritten
  atomically after each job, so a ``kill -9`` of the batch loses only the jobs still running.

With Quarto, a worker takes its jobs in groups (:func:`render_groups`): it executes a group's
notebooks one after another and renders them together (Quarto starts once per group and format),
then publishes each; their results, progress lines and manifest entries come when the group ends,
and a ``kill -9`` loses the groups still running.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any


from ...core.exceptions import KpitrackError
from ...core.fileio import atomic_move, atomic_write_text, locked
from .provenance import MANIFEST, code_version, data_version, notebook_version, read_manifest  # noqa: F401 - part of the runner's API
from .executors import EXECUTORS, DaskExecutor, Executor, LocalExecutor, get_executor  # noqa: F401 - the runner's API
from .jobs import FORMATS, BatchResult, Job, JobGroup, JobResult, _now  # noqa: F401 - the runner's API

log = logging.getLogger(__name__)

LOCK = ".lock"


# --------------------------------------------------------------------------- fingerprints

def worker_env() -> dict[str, str]:
    """What a worker (and the notebook kernels it starts) must see: PATH, the KPITRACK_* settings, the
    workspace active in the driver (which may be one opened in-process, not $KPITRACK_DATA) and its
    record store."""
    from ...core import paths
    from ...data.store import store_url

    env = {k: v for k, v in os.environ.items() if k == "PATH" or k.startswith("KPITRACK_")}
    env["KPITRACK_DATA"] = str(paths.data_dir())
    env["KPITRACK_STORE"] = store_url(paths.data_dir())  # the workers read the records the driver reads
    return env


def run_job(job: Job) -> JobResult:
    """Execute, stamp, render and publish one job; never raises (a failure is a result). The job's
    settings (``job.env``) hold for the job only (:mod:`.job_env`: jobs of a Dask worker's threads
    share them, never overwrite them): a job run in the driver's own process (one job, or ``--jobs 1``)
    leaves the driver's environment as it found it."""
    return run_group(JobGroup((job,)))[0]


def run_group(group: JobGroup) -> list[JobResult]:
    """The jobs of ``group`` (one renderer, formats, settings and scratch folder) executed one after
    another, rendered together (:meth:`~kpitrack.publish.render.Renderer.render_many`: one Quarto
    start for them all) and published one by one; never raises. Each job's result is what it would
    be alone: a job that fails fails alone; its ``render`` stage is its share of the group's render."""
    from .job_env import job_environment

    with job_environment(group.jobs[0].env):
        return _run_group(group.jobs)


@dataclasses.dataclass
class _Doc:
    """One job of a group on its way: its scratch folder, its executed notebook, its result."""

    job: Job
    out: Path
    work: Path
    executed: Path
    result: JobResult
    spent: float = 0.0  # seconds of its own (its execution, its share of the render, its publishing)
    done: bool = False  # failed already: not rendered


def _run_group(jobs: tuple[Job, ...]) -> list[JobResult]:
    docs: list[_Doc] = []
    results: dict[int, JobResult] = {}  # jobs that could not even start (their scratch folder)
    try:
        renderer = None
        for n, job in enumerate(jobs):
            began = time.monotonic()
            try:
                doc = _open(job)
            except Exception as exc:  # noqa: BLE001 - a full disk, a folder not writable: this job fails
                results[n] = JobResult(job.key, job.label, "failed", error=f"{type(exc).__name__}: {exc}",
                                       exit_code=exc.exit_code if isinstance(exc, KpitrackError) else 1)
                continue
            docs.append(doc)
            try:
                if renderer is None:
                    from ..render import get_renderer

                    chosen = get_renderer(job.renderer)
                    # a group of one is rendered alone right after it runs: the renderer may start on it
                    # there (a renderer registered before prepare took ``where`` is prepared as before)
                    if len(jobs) == 1 and "where" in inspect.signature(chosen.prepare).parameters:
                        chosen.prepare(tuple(job.formats), where=doc.work)
                    else:
                        chosen.prepare(tuple(job.formats))
                    renderer = chosen
                _execute(doc)
            except Exception as exc:  # one failing job never stops the others
                _fail(doc, exc)
            doc.spent += time.monotonic() - began
        live = [d for d in docs if not d.done]
        if live and renderer is not None:
            began = time.monotonic()
            docs_of = [(d.executed, d.job.formats, d.work) for d in live]
            try:
                rendered: list = renderer.render_many(docs_of)
                if len(rendered) != len(live):
                    raise RuntimeError(f"{len(rendered)} results for {len(live)} documents")
            except Exception:  # noqa: BLE001 - not one document's failure: each is rendered alone
                log.warning("rendering %d documents together failed; rendering them one by one", len(live), exc_info=True)
                from ..render import Renderer

                rendered = Renderer.render_many(renderer, docs_of)  # the base's: each alone, its failure its own
            share = (time.monotonic() - began) / len(live)
            for doc, made in zip(live, rendered):
                began = time.monotonic()
                spent = getattr(made, "seconds", None)
                spent = share if spent is None else spent
                if not isinstance(made, BaseException):  # as alone: a render that failed has no stage
                    doc.result.stages["render"] = round(spent, 2)
                try:
                    _publish(doc, made)
                except Exception as exc:  # one failing job never stops the others
                    _fail(doc, exc)
                doc.spent += spent + time.monotonic() - began
    finally:
        if renderer is not None and hasattr(renderer, "release"):  # what it started for a notebook that failed
            renderer.release()
        for doc in docs:
            shutil.rmtree(doc.work, ignore_errors=True)
            doc.result.seconds = round(doc.spent, 2)
            doc.result.finished_at = _now()
    mine = iter(d.result for d in docs)
    return [results[n] if n in results else next(mine) for n in range(len(jobs))]


def _open(job: Job) -> _Doc:
    out = Path(job.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # not hidden: Quarto renders files of hidden folders outside its project (without _quarto.yml)
    work = Path(job.work_root or out) / f"work-{job.key}-{os.getpid()}-{time.time_ns()}"
    work.mkdir(parents=True)
    return _Doc(job, out, work, work / f"{job.key}.ipynb", JobResult(job.key, job.label, "failed"))


def _execute(doc: _Doc) -> None:
    """Run the notebook and stamp its front matter; a notebook that fails keeps its partial copy."""
    from ...core.exceptions import NotebookError
    from .execute import execute_notebook

    job, result = doc.job, doc.result
    began = time.monotonic()
    try:
        execute_notebook(Path(job.notebook), doc.executed, job.parameters, warm=True, front_matter=job.front_matter)
    except NotebookError as exc:
        result.exit_code = exc.exit_code
        result.error = str(exc).replace(str(doc.executed), f"{job.key}.failed.ipynb")
        if doc.executed.is_file():
            result.partial = str(atomic_move(doc.executed, doc.out / f"{job.key}.failed.ipynb"))
        _remove_outputs(doc.out, job.key)
        doc.done = True
        return
    result.stages["execute"] = round(time.monotonic() - began, 2)


def _publish(doc: _Doc, rendered: Any) -> None:
    """Move the rendered outputs (a RenderResult; a RenderError is raised, to :func:`_fail`) into place."""
    if isinstance(rendered, BaseException):
        raise rendered
    job, out, result = doc.job, doc.out, doc.result
    result.warnings.extend(rendered.warnings)
    for fmt in FORMATS:  # what this run did not make must not sit there as if current (unless it is)
        if fmt not in rendered.outputs and fmt not in job.keep_formats:
            (out / f"{job.key}.{fmt}").unlink(missing_ok=True)
    for fmt, path in rendered.outputs.items():
        atomic_move(path, out / f"{job.key}.{fmt}")
        result.outputs[fmt] = f"{job.key}.{fmt}"
    atomic_move(doc.executed, out / f"{job.key}.ipynb")
    kept = {fmt: f"{job.key}.{fmt}" for fmt in job.keep_formats
            if fmt not in result.outputs and (out / f"{job.key}.{fmt}").is_file()}
    result.outputs = {"ipynb": f"{job.key}.ipynb", **result.outputs, **kept}
    (out / f"{job.key}.failed.ipynb").unlink(missing_ok=True)
    result.status = "ok"


def _fail(doc: _Doc, exc: Exception) -> None:
    """A job that failed: its partial notebook kept, its stale outputs removed, a format made before
    another failed published (an HTML when the PDF fails). Never raises: what goes wrong here (a
    full disk) is added to the job's error."""
    doc.done = True
    try:
        _record_failure(doc, exc)
    except Exception as more:  # noqa: BLE001 - the job has failed either way; both are said
        doc.result.status = "failed"
        doc.result.exit_code = doc.result.exit_code or 1
        doc.result.error = (doc.result.error or f"{type(exc).__name__}: {exc}") + \
            f"\n(and its outputs could not be tidied: {type(more).__name__}: {more})"


def _record_failure(doc: _Doc, exc: Exception) -> None:
    job, out, result = doc.job, doc.out, doc.result
    log.debug("job %s failed", job.key, exc_info=exc)
    result.status = "failed"
    result.exit_code = exc.exit_code if isinstance(exc, KpitrackError) else 1
    result.error = f"{type(exc).__name__}: {exc}" if isinstance(exc, KpitrackError) else \
        f"{type(exc).__name__}: {exc}\n{''.join(traceback.format_exception(exc, limit=-3))}"  # where it was raised
    if doc.executed.is_file():
        result.partial = str(atomic_move(doc.executed, out / f"{job.key}.failed.ipynb"))
    _remove_outputs(out, job.key)
    made = getattr(exc, "outputs", None) or {}
    for fmt, path in made.items():
        if Path(path).is_file():
            atomic_move(Path(path), out / f"{job.key}.{fmt}")
            result.outputs[fmt] = f"{job.key}.{fmt}"
    if made:
        result.error = result.error.replace(str(doc.work), str(out))


def _remove_outputs(out: Path, key: str) -> None:
    """A failed job's earlier outputs no longer match its inputs: they must not sit there as current."""
    for fmt in ("ipynb", *FORMATS):
        (out / f"{key}.{fmt}").unlink(missing_ok=True)


def document_front(title: str, ds, toc: bool = False) -> dict[str, Any]:
    """The front matter of a document made from dataset ``ds``: its title and page title (the
    document prints its own head, issuer and 文号 above the title, so the renderers print no title
    block: ``masthead``, and the project's ``title-block-style: none`` and typst partial), whether
    the HTML page lists its sections, and for synthetic data the flag the renderers turn into the
    label on every page and in the page title."""
    from ...core.labels import SYNTHETIC_LABEL_ZH

    # the PDF lists no contents (an official document opens on its head); the HTML page may, at its side
    front: dict[str, Any] = {"title": title, "pagetitle": title, "lang": "zh", "toc": toc, "masthead": True,
                             "format": {"typst": {"toc": False}}}
    if ds.synthetic:
        front.update(synthetic=True, pagetitle=f"{title}（{SYNTHETIC_LABEL_ZH}）")
    elif getattr(ds, "kind", "official") == "test":  # figures typed in to try kpitrack: said in the page title too
        front.update(pagetitle=f"{title}（测试数据，非正式数据）")
    return front


# --------------------------------------------------------------------------- the batch

def up_to_date(job: Job, entry: dict[str, Any] | None) -> bool:
    """Whether a job's outputs exist and were made from the same inputs."""
    if not entry or entry.get("status") != "ok" or entry.get("fingerprint") != job.fingerprint:
        return False
    out = Path(job.out_dir)
    outputs = entry.get("outputs", {})
    wanted = ["ipynb", *job.formats]  # a format asked for and not made (a PDF skipped for want of fonts) is made now
    return all(f in outputs and (out / outputs[f]).is_file() for f in wanted)


def check_settings(jobs: list[Job]) -> None:
    """Settings every job would trip over, checked once before any job starts (a ParameterError,
    exit 2, nothing written or removed): the timeouts, and the renderers asked for."""
    from ..render import get_renderer
    from ..render.tools import render_timeout
    from .execute import cell_timeout

    cell_timeout()
    render_timeout()
    for name in sorted({j.renderer for j in jobs}):
        get_renderer(name).check_available()


def _clean_leftovers(out_dir: Path, jobs: list[Job], whole_folder: bool) -> None:
    """Scratch folders and temporary files a killed run left (under the lock no other run is using
    them): all of the folder's when the batch owns it, else those of its own documents; also what
    Quarto had written for them into its project's output folder."""
    import re

    roots = {Path(j.work_root or out_dir) for j in jobs} | {out_dir}
    for root in list(roots):
        for folder in [root, *root.parents]:
            if (folder / "_quarto.yml").is_file():
                roots.add(folder / "_output" / root.relative_to(folder))
                break
    # work-<key>-<pid>-<ns>: the key in full, so that report "a" never takes report "a-b"'s folder
    keys = None if whole_folder else {j.key for j in jobs}
    for root in roots:
        for p in root.glob("work-*"):
            mo = re.fullmatch(r"work-(.+)-\d+-\d+", p.name)
            if p.is_dir() and mo and (keys is None or mo.group(1) in keys):
                shutil.rmtree(p, ignore_errors=True)
    if whole_folder:
        for p in out_dir.glob("*.tmp"):
            p.unlink(missing_ok=True)
        for p in out_dir.glob(".*.tmp"):
            p.unlink(missing_ok=True)


def issued(entry: dict[str, Any] | None) -> bool:
    """Whether a manifest entry is an issued document: made without failure by a batch whose
    documents are records once made (bulletins, notices, the final evaluation): never rewritten, only
    revised on request. A record whose files went missing is not made again from what is known now
    (it would no longer be what was issued): the run says which files to restore."""
    return bool(entry) and entry.get("status") == "ok" and bool(entry.get("issued_at"))


def missing_files(entry: dict[str, Any], out_dir: Path) -> list[str]:
    """The files of an issued record that are not in its folder any more."""
    return [str(n) for n in ((entry or {}).get("outputs") or {}).values() if not (Path(out_dir) / str(n)).is_file()]


def file_hashes(outputs: dict[str, str], out_dir: Path) -> dict[str, str]:
    """The SHA-256 of each output file of a document (what an issued record's files must stay)."""
    import hashlib

    out = {}
    for name in outputs.values():
        path = Path(out_dir) / str(name)
        if path.is_file():
            out[str(name)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def record_warnings(entry: dict[str, Any], out_dir: Path, formats: tuple[str, ...]) -> list[str]:
    """What a run that leaves an issued record as it is must say of it: files gone, files changed
    since they were issued, formats asked for that the record was not issued in."""
    warnings = []
    gone = missing_files(entry, out_dir)
    if gone:
        warnings.append(f"the issued files {', '.join(gone)} are missing from {out_dir}: restore them from a backup "
                        "(an issued record is not made again from what is known now)")
    held = entry.get("sha256") or {}
    changed = [n for n, h in file_hashes(entry.get("outputs") or {}, out_dir).items() if n in held and held[n] != h]
    if changed:
        warnings.append(f"the issued files {', '.join(changed)} in {out_dir} were changed since they were issued "
                        "(their checksums in the manifest differ): restore them from a backup")
    absent = [f for f in formats if f not in (entry.get("outputs") or {})]
    if absent:
        warnings.append(f"issued without {', '.join(absent)}: an issued record is not made again (a revised edition, "
                        "--revise, is made in every format asked)")
    return warnings


def editions_due(jobs: list[Job], out: Path, changed: Callable[[Job, dict[str, Any]], bool] | None = None
                 ) -> tuple[dict[str, int], list[str]]:
    """Which issued documents of ``jobs`` get a new edition (key -> its edition number: 2, 3 ...), and
    which are unchanged since their latest edition. ``changed(job, latest_entry)`` says whether the
    document would say something else now (default: its content, i.e. its parameters and inputs:
    figures, plan, code, notebook; a notice: its events). A document not issued yet is made as usual
    and is in neither."""
    from .provenance import read_manifest

    items = read_manifest(out).get("items")
    items = items if isinstance(items, dict) else {}
    differs = changed or (lambda job, entry: entry.get("content") != job.content)
    due, unchanged = {}, []
    for job in jobs:
        if not issued(items.get(job.key)):
            continue
        editions = [e for e in items.values() if isinstance(e, dict) and e.get("revises") == job.key and issued(e)]
        latest = max(editions, key=lambda e: int(e.get("edition", 1)), default=items[job.key])
        if differs(job, latest):
            due[job.key] = int(latest.get("edition", 1)) + 1
        else:
            unchanged.append(job.key)
    return due, unchanged


def render_groups(jobs: list[Job], workers: int | None) -> list[list[Job]]:
    """The jobs in groups a worker runs one after another and renders together, in order: jobs next to
    each other that share renderer, formats, settings and scratch folder, in groups of at most the
    renderer's ``group_limit``; at least twice as many groups as ``workers`` (4 when not known) and
    a multiple of them, of even sizes. A renderer that gains nothing from groups (limit 1) gets
    one job per group."""
    import math

    from ..render import get_renderer

    def alike(job: Job) -> tuple:
        return job.renderer, tuple(job.formats), sorted(job.env.items()), job.work_root or job.out_dir

    runs: list[list[Job]] = []
    for job in jobs:
        if runs and alike(runs[-1][0]) == alike(job):
            runs[-1].append(job)
        else:
            runs.append([job])
    w = max(workers or 4, 1)
    groups: list[list[Job]] = []
    for run in runs:
        limit = max(int(get_renderer(run[0].renderer).group_limit), 1)
        count = min(len(run), max(math.ceil(len(run) / limit), 2 * w))
        count = min(len(run), math.ceil(count / w) * w)
        size, extra = divmod(len(run), count)
        at = 0
        for i in range(count):
            n = size + (1 if i < extra else 0)
            groups.append(run[at:at + n])
            at += n
    return groups


def _each(executor: Executor, jobs: list[Job]):
    """The executor's results as they come (jobs in groups where the renderer gains from it:
    :func:`render_groups`); this process's warm kernels, if it ran jobs itself (in any thread), end
    with the batch (:mod:`.warm_kernel`)."""
    try:
        # an executor that takes groups says so (its work items are then JobGroups, and the function
        # it maps returns one result per job); one of its own gets the jobs one by one, as ever
        groups = render_groups(jobs, getattr(executor, "workers", None)) if getattr(executor, "takes_groups", False) \
            else [[j] for j in jobs]
        if all(len(g) == 1 for g in groups):
            yield from executor.map_unordered(run_job, jobs)
        else:
            yield from executor.map_unordered(run_group, [JobGroup(tuple(g)) for g in groups])
    finally:
        from .warm_kernel import discard_all

        discard_all(busy_too=False)


def run_batch(jobs: list[Job], out_dir: Path, *, executor: Executor | None = None, force: bool = False,
              describe: dict[str, Any] | None = None, report: Callable[[JobResult, int, int], None] | None = None,
              lock: str = LOCK, records: bool = False) -> BatchResult:
    """Run ``jobs`` (all writing into ``out_dir``) under the folder's lock; see the module doc.

    With ``records`` (bulletins) a document once made is *issued*: later runs, forced or not, and
    whatever changed since (figures, code, renderer), leave it as it is (status ``issued``); a
    revised edition is a job of its own key (``kpitrack bulletins --revise``).

    ``lock`` names the lock file in ``out_dir``: the folder's (a batch of bulletins or cards owns its
    folder) or one document's (``kpitrack run``: reports of other names run at the same time in the
    same folder). The manifest has a lock of its own: every save merges this batch's entries into
    what the file holds then, so that batches of other documents in the folder lose nothing."""
    start = time.monotonic()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    executor = executor or LocalExecutor()
    check_settings(jobs)
    results: list[JobResult] = []
    what = f"the batch output folder {out_dir}" if lock == LOCK else f"the document {', '.join(j.key for j in jobs)} in {out_dir}"
    with locked(out_dir / lock, wait=False, what=what):
        _clean_leftovers(out_dir, jobs, whole_folder=lock == LOCK)
        manifest = read_manifest(out_dir)
        items: dict[str, Any] = manifest.get("items", {}) if isinstance(manifest.get("items"), dict) else {}
        todo = []
        for job in jobs:
            if records and issued(items.get(job.key)):
                r = JobResult(job.key, job.label, "issued", outputs=dict(items[job.key].get("outputs") or {}),
                              warnings=record_warnings(items[job.key], out_dir, tuple(job.formats)))
                results.append(r)
                if report:
                    report(r, len(results), len(jobs))
            elif not force and up_to_date(job, items.get(job.key)):
                r = JobResult(job.key, job.label, "up to date", outputs=dict(items[job.key]["outputs"]))
                results.append(r)
                if report:
                    report(r, len(results), len(jobs))
            else:
                entry = items.get(job.key) or {}
                same = entry.get("status") == "ok" and entry.get("fingerprint") == job.fingerprint
                kept = tuple(f for f in FORMATS if same and f not in job.formats and f in (entry.get("outputs") or {}))
                todo.append(dataclasses.replace(job, keep_formats=kept) if kept else job)
        by_key = {j.key: j for j in todo} | {j.key: j for j in jobs if j.key not in {t.key for t in todo}}
        mine: dict[str, Any] = {}  # the entries this batch wrote

        def save() -> None:
            with locked(out_dir / ".manifest.lock", wait=True, what=f"the manifest of {out_dir}"):
                now = read_manifest(out_dir)
                held = now.get("items") if isinstance(now.get("items"), dict) else {}
                # what the folder holds as a whole; what each run asked for (formats, regions) is in its items
                doc = {**{k: v for k, v in now.items() if k not in ("items", "formats", "regions")}, **(describe or {}),
                       "items": {**held, **mine}, "updated_at": _now()}
                atomic_write_text(out_dir / MANIFEST, json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n")

        env = worker_env()
        for r in _each(executor, [dataclasses.replace(j, env=env) for j in todo]):
            job = by_key[r.key]
            from ..render import get_renderer

            mine[r.key] = {"label": job.label, **job.meta, "status": r.status, "parameters": job.parameters,
                           "inputs": job.inputs, "renderer": get_renderer(job.renderer).identity(), "formats": list(job.formats),
                           "fingerprint": job.fingerprint if r.status == "ok" else None, "outputs": r.outputs,
                           "seconds": r.seconds, "stages": r.stages or None, "finished_at": r.finished_at, "error": r.error or None,
                           "partial_notebook": Path(r.partial).name if r.partial else None, "warnings": r.warnings,
                           "content": job.content if r.status == "ok" else None}
            if records and r.status == "ok":
                mine[r.key]["issued_at"] = r.finished_at
                mine[r.key]["sha256"] = file_hashes(r.outputs, out_dir)  # what the issued files must stay
            save()
            results.append(r)
            if report:
                report(r, len(results), len(jobs))
        if not todo and not (out_dir / MANIFEST).is_file():
            save()
    order = {j.key: i for i, j in enumerate(jobs)}
    results.sort(key=lambda r: order.get(r.key, 0))
    return BatchResult(results, out_dir / MANIFEST, round(time.monotonic() - start, 2))


# --------------------------------------------------------------------------- progress for people and for cron

class Progress:
    """A progress bar on a terminal; one plain line per job otherwise (cron mails read well)."""

    def __init__(self, total: int, stream=None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.bar = None
        if self.tty and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=self.stream, unit="份", dynamic_ncols=True)

    def __call__(self, r: JobResult, done: int, total: int) -> None:
        line = f"[{done}/{total}] {r.status:10s} {r.key} {r.label}"
        if r.status == "ok":
            line += f"  {','.join(k for k in r.outputs if k != 'ipynb')}  {r.seconds:.1f} s"
            if r.stages:
                line += " (" + ", ".join(f"{k} {v:.1f} s" for k, v in r.stages.items()) + ")"
        elif r.status == "failed":
            line += f"  {r.error.splitlines()[0] if r.error else ''}"
        if self.bar is not None:
            self.bar.set_postfix_str(f"{r.key} {r.status}")
            self.bar.update(1)
            if r.status == "failed":
                self.bar.write(line)
        else:
            print(line, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def summary(result: BatchResult, skipped: list[str] | None = None) -> str:
    """The closing lines: counts, failures with their partial notebooks, where the manifest is."""
    from collections import Counter

    c = Counter(r.status for r in result.results)
    kept = "".join(f", {c[k]} {k}" for k in ("issued", "unchanged") if c.get(k))
    lines = [f"{len(result.results)} in {result.seconds:.1f} s: {c.get('ok', 0)} written, {c.get('up to date', 0)} up to date{kept}, "
             f"{c.get('failed', 0)} failed" + (f", {len(skipped)} skipped" if skipped else "")]
    if skipped:
        lines.append(f"  skipped (no figures for the month in the dataset): {'、'.join(skipped)}")
    for r in result.failed:
        first = r.error.splitlines()[0] if r.error else "failed"
        lines.append(f"  failed: {r.key} {r.label}: {first}" + (f" (partial notebook: {r.partial})" if r.partial else ""))
    for r in result.results:
        for w in r.warnings:
            lines.append(f"  warning: {r.key}: {w}")
    lines.append(f"manifest: {result.manifest}")
    return "\n".join(lines)

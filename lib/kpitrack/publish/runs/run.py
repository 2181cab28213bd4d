"""Run a report: read a parameter file, execute the notebook with papermill, render it.

Settings merge in one fixed order, in one place: notebook defaults -> parameter file ->
command-line values. Unknown parameter names are reported, not ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ...core import paths
from ...core.exceptions import DocumentFailed, KpitrackError, NotebookError, ParameterError  # noqa: F401 - importable from here
from ..content.documents import KINDS
from .execute import KERNEL, cell_timeout, execute_notebook  # noqa: F401 - part of run's API
from .provenance import read_manifest
from ..render import get_renderer
from ...plan.schema import plan_end_year

log = logging.getLogger(__name__)

NOTEBOOK = KINDS["midterm"].notebook
FINAL_NOTEBOOK = KINDS["final"].notebook


#: parameters the runner sets, never a parameter file: the edition (``--revise`` makes a revised one)
RUNNER_SET = ("edition",)


def defaults() -> dict[str, Any]:
    """A report's parameters and defaults, read from the notebooks' parameters cells: the mid-term
    evaluation's, and the final evaluation's own (the look back at a mid-term evaluation)."""
    mid = KINDS["midterm"].defaults()
    return {**mid, **{k: v for k, v in KINDS["final"].defaults().items() if k not in mid and k not in RUNNER_SET}}


def final_only() -> tuple[str, ...]:
    """Parameters only the final evaluation takes (the mid-term notebook is not given them)."""
    mid = KINDS["midterm"].defaults()
    return tuple(k for k in KINDS["final"].defaults() if k not in mid and k not in RUNNER_SET)


@dataclass
class RunResult:
    params: dict[str, Any]
    notebook: Path
    outputs: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    renderer: str = ""
    up_to_date: bool = False  # made earlier from the same inputs: nothing was written
    manifest: Path | None = None
    issued: bool = False  # a record issued earlier (the final evaluation): left as issued, nothing was written
    unchanged: bool = False  # ``revise`` asked, and nothing changed since the latest edition: nothing was written


def load_params(path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Parameters of a run: defaults, then the file, then ``overrides``; validated.

    Raises
    ------
    ParameterError
        Naming the file and the parameter when a name is unknown or a value is bad.
    """
    path = Path(path)
    if path.is_dir():
        raise ParameterError(f"{path}: this is a directory; give a parameter file such as params/midterm-2018.yaml")
    from ...core.exceptions import ValidationError
    from ...core.yamlio import read_yaml_text, refuse_aliases

    try:
        text = read_yaml_text(path, str(path))
        refuse_aliases(text, str(path))
    except ValidationError as exc:
        msg = exc.problems[0].message if exc.problems else str(exc)
        raise ParameterError(f"{path}: {'parameter file not found' if msg == 'file not found' else msg}") from None
    try:
        doc = yaml.load(text, Loader=_TextDates) or {}
    except (yaml.YAMLError, ValueError) as exc:
        raise ParameterError(f"{path}: not a valid YAML parameter file ({exc})") from None
    if not isinstance(doc, dict):
        raise ParameterError(f"{path}: expected 'name: value' lines, got {type(doc).__name__}")
    known = defaults()
    merged = {**known, **doc, **(overrides or {})}
    if merged.get("as_of") is None:  # no year given: the mid-term evaluation of the plan's middle year
        from ..content.report import mid_year

        merged["as_of"] = mid_year()
    unknown = sorted(set(merged) - set(known))
    if unknown:
        raise ParameterError(f"{path}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(known)}")
    try:  # the final evaluation's parameters are the mid-term's and its own: one check for both
        checked = KINDS["final"].validate(merged)
    except ParameterError as exc:
        raise ParameterError(f"{path}: {exc}", path=str(path), field=exc.field) from None
    return {k: checked[k] for k in known}


def notebook_for(params: dict[str, Any]) -> Path:
    """The mid-term evaluation, or at the end of the plan the final evaluation (终期评估)."""
    return paths.repo_root() / (FINAL_NOTEBOOK if params["as_of"] >= plan_end_year() else NOTEBOOK)


class _TextDates(yaml.SafeLoader):
    """YAML that keeps dates as the text written (2019-02-30 is then a bad date with a clear message,
    not a traceback from the YAML library)."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _no_duplicate_keys(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    seen = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"the parameter {key!r} is given twice", key_node.start_mark)
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


_TextDates.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicate_keys)


def output_stem(params_file: Path, params: dict[str, Any]) -> str:
    """The name of a run's outputs: the parameter file's name, plus whatever the command line changed,
    so that a run with other parameters never overwrites the report of the file as it stands."""
    stem = params_file.stem
    as_in_file = load_params(params_file)
    for key in ("as_of", "dataset", "language", "retro_as_of"):
        if params[key] != as_in_file[key]:
            stem += f"-{key.replace('_', '')}{params[key]}"
    if params["data_as_of"]:
        stem += f"-data{params['data_as_of']}"
    if params["retro_data_as_of"] != as_in_file["retro_data_as_of"]:
        stem += f"-retrodata{params['retro_data_as_of']}"
    return stem


def execute(params: dict[str, Any], output: Path, notebook: Path | None = None) -> Path:
    """Execute the report notebook (:func:`notebook_for`) with papermill into ``output`` (written even on failure)."""
    nb = Path(notebook) if notebook else notebook_for(params)
    if nb.name != Path(FINAL_NOTEBOOK).name:
        params = {k: v for k, v in params.items() if k not in final_only()}
    return execute_notebook(nb, output, params)


MANIFEST = "manifest.json"


def report_job(params: dict[str, Any], stem: str, reports: Path, formats: tuple[str, ...], renderer: str, edition: int = 1):
    """The batch job of one report: the mid-term or final evaluation's notebook with ``params``,
    outputs ``reports/_output/<stem>.{ipynb,html,pdf}``, listed in ``reports/_output/manifest.json``
    with its kind, title and dataset (what the site lists it by)."""

    from ...data.actuals import load_dataset
    from ...plan.catalogue import catalogue
    from .batch import Job, document_front
    from .provenance import document_inputs

    nb = notebook_for(params)
    final = nb.name == Path(FINAL_NOTEBOOK).name
    given = {**params, **({"edition": edition} if edition > 1 else {})} if final else \
        {k: v for k, v in params.items() if k not in final_only()}

    # the title the document's head prints (one rule: the content module's), as its page title
    from ..content import final_report, report

    title = "".join(final_report.title_lines(edition) if final else report.title_lines(params["as_of"]))
    ds = load_dataset(params["dataset"], catalogue())
    front = document_front(title, ds, toc=True)
    inputs = document_inputs("final" if final else "midterm", params["dataset"])
    meta = {"kind": "final" if final else "midterm", "title": title, "dataset": params["dataset"], "synthetic": ds.synthetic,
            **({"data_kind": ds.kind} if ds.kind == "test" else {})}
    key = stem
    if edition > 1:  # a revised edition: a document of its own beside the one it revises
        key, meta = f"{stem}-r{edition - 1}", {**meta, "revises": stem, "edition": edition}
    return Job(key, title, str(nb), given, str(reports / "_output"), tuple(formats), renderer, front, inputs,
               meta=meta, work_root=str(reports))


def run(params_file: Path, *, formats: tuple[str, ...] = ("html", "pdf"), renderer: str = "auto",
        reports_dir: Path | None = None, overrides: dict[str, Any] | None = None,
        progress: Any = None, force: bool = False, revise: bool = False) -> RunResult:
    """Execute and render one report; the name of the outputs is the parameter file's stem.
    ``progress`` (a callable taking one line of text) hears of each stage as it starts.

    A report is a batch of one, run by the batch runner of the bulletins, cards and notices: under a
    lock of its own (a second run of the same report at once is refused, exit 75; reports of other
    names run side by side), up to date when made from the same parameters, data, plan, code,
    notebook, renderer and formats (nothing is written; ``force`` runs it all the same), and listed
    in ``reports/_output/manifest.json`` (parameters, inputs, renderer, outputs, seconds, status).

    The final evaluation is a record once issued (its kind's ``record``): later runs, forced or not,
    leave it as issued; ``revise`` makes a revised edition (修订版, ``<stem>-r1`` ...) beside it when
    its figures, plan or code changed since its latest edition, and nothing when they did not.

    Raises
    ------
    ParameterError
        A bad parameter, format, renderer or setting (nothing written).
    DocumentFailed
        The notebook failed (exit 1: the executed notebook is kept as ``<stem>.failed.ipynb`` with
        the error marked, earlier outputs of the name removed) or its rendering did (exit 3).
    """
    from .batch import check_settings, run_batch

    say = progress or (lambda text: None)
    params = load_params(params_file, overrides)
    renderer_ = get_renderer(renderer)  # an unknown renderer or format is refused before the notebook runs
    renderer_.check_formats(tuple(formats))
    log.info("run %s: %s", params_file, params)
    reports = Path(reports_dir) if reports_dir else paths.reports_dir()
    stem = output_stem(Path(params_file), params)
    job = report_job(params, stem, reports, tuple(formats), renderer)
    check_settings([job])
    out = reports / "_output"
    record = KINDS[job.meta["kind"]].record and not params["data_as_of"]  # the data as known on a date is a reproduction
    if revise and not record:
        why = ("a mid-term evaluation is not a record: it is made again when its inputs change" if job.meta["kind"] != "final"
               else "the final evaluation on the data as known on a date (data_as_of) is a reproduction, not the record")
        raise ParameterError(f"{stem}: --revise makes a revised edition of the issued final evaluation; {why}", field="--revise")
    if revise:
        from .batch import editions_due, issued

        if not issued((read_manifest(out).get("items") or {}).get(stem)):
            raise ParameterError(f"{stem}: nothing issued to revise (run it without --revise to issue it)", field="--revise")
        due, unchanged = editions_due([job], out)
        if stem in unchanged:
            say(f"unchanged: {stem} (its figures, plan and code are those of its latest edition); nothing was revised")
            return RunResult(params, out / f"{stem}.ipynb", {}, [], renderer_.name, manifest=out / MANIFEST, unchanged=True)
        if stem in due:
            job = report_job(params, stem, reports, tuple(formats), renderer, edition=due[stem])
            say(f"{job.key}: the revised edition {due[stem]} of {stem}")
    say(f"{stem}: {Path(job.notebook).name} ({', '.join(f'{k}={v}' for k, v in job.parameters.items() if v != '')}), "
        f"{', '.join(formats)} with the {renderer_.name} renderer"
        + ("" if renderer_.name == "quarto" else " (Quarto is not on PATH)" if renderer == "auto" else ""))
    batch = run_batch([job], out, force=force, lock=f".{stem}.lock", describe={"kind": "reports"}, records=record)
    r = batch.results[0]
    if r.status == "failed":
        raise DocumentFailed(f"{stem}: {r.error}" + (f" (the executed notebook: {r.partial})" if r.partial else ""),
                             r.exit_code or 1, path=r.partial or None)
    if r.status == "up to date":
        entry = read_manifest(out).get("items", {}).get(stem) or {}
        say(f"up to date: {stem} (made {entry.get('finished_at')} with {entry.get('renderer')}; --force to run again)")
    if r.status == "issued":
        entry = read_manifest(out).get("items", {}).get(job.key) or {}
        say(f"issued: {job.key} (issued {entry.get('issued_at')}; an issued record is not made again: "
            "changed figures make a revised edition only with --revise)")
    outputs = {f: out / name for f, name in r.outputs.items() if f in formats}
    return RunResult(params, out / r.outputs.get("ipynb", f"{job.key}.ipynb"), outputs, r.warnings, renderer_.name,
                     up_to_date=r.status == "up to date", manifest=batch.manifest, issued=r.status == "issued")

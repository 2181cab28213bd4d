"""Run a report: read a parameter file, execute the notebook with papermill, render it.

Settings merge in one fixed order, in one place: notebook defaults -> parameter file ->
command-line values. Unknown parameter names are reported, not ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core import paths
from ..core.exceptions import KpitrackError, ParameterError
from ..core.fileio import atomic_write_text, locked
from .render import RenderResult, get_renderer
from ..plan.schema import PLAN_END
from .final_report import check_retro
from .report import check_parameters

log = logging.getLogger(__name__)

NOTEBOOK = "notebooks/midterm_evaluation.ipynb"
DEFAULTS: dict[str, Any] = {"as_of": 2018, "dataset": "hangzhou", "language": "zh", "data_as_of": "",
                            "retro_as_of": 2018, "retro_data_as_of": ""}
#: parameters only the final evaluation takes (the mid-term notebook is not given them)
FINAL_ONLY = ("retro_as_of", "retro_data_as_of")
FINAL_NOTEBOOK = "notebooks/final_evaluation.ipynb"
KERNEL = "python3"


@dataclass
class RunResult:
    params: dict[str, Any]
    notebook: Path
    outputs: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    renderer: str = ""
    up_to_date: bool = False  # made earlier from the same inputs: nothing was written
    manifest: Path | None = None


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
    from ..core.exceptions import ValidationError
    from ..core.yamlio import read_yaml_text, refuse_aliases

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
    merged = {**DEFAULTS, **doc, **(overrides or {})}
    unknown = sorted(set(merged) - set(DEFAULTS))
    if unknown:
        raise ParameterError(f"{path}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(DEFAULTS)}")
    try:
        as_of, dataset, language, data_as_of = check_parameters(merged["as_of"], merged["dataset"], merged["language"],
                                                                merged["data_as_of"])
        retro_as_of, retro_data_as_of = check_retro(merged["retro_as_of"], merged["retro_data_as_of"])
    except ParameterError as exc:
        raise ParameterError(f"{path}: {exc}") from None
    return {"as_of": as_of, "dataset": dataset, "language": language, "data_as_of": data_as_of,
            "retro_as_of": retro_as_of, "retro_data_as_of": retro_data_as_of}


def notebook_for(params: dict[str, Any]) -> Path:
    """The mid-term evaluation, or at the end of the plan the final evaluation (终期评估)."""
    return paths.repo_root() / (FINAL_NOTEBOOK if params["as_of"] >= PLAN_END else NOTEBOOK)


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
        params = {k: v for k, v in params.items() if k not in FINAL_ONLY}
    return execute_notebook(nb, output, params)


def execute_notebook(nb: Path, output: Path, params: dict[str, Any]) -> Path:
    """Execute any parameterised notebook with papermill into ``output`` (written even on failure).
    Charts carry their plotly figure; the renderer makes the PDF's pictures from it.

    Raises
    ------
    NotebookError
        Naming the failing cell and the error; the executed notebook shows where.
    """
    import papermill as pm

    output.parent.mkdir(parents=True, exist_ok=True)
    log.info("executing %s with %s -> %s", nb, params, output)
    timeout = cell_timeout()
    try:
        _execute(pm, nb, output, params, timeout)
    except pm.PapermillExecutionError as exc:
        raise NotebookError(f"{nb.name} failed in cell {exc.exec_count or exc.cell_index}: {exc.ename}: {exc.evalue} "
                            f"(the executed notebook, with the error marked, is {output})") from None
    except TimeoutError:  # nbclient's CellTimeoutError: a cell ran too long, or the kernel stopped answering
        raise NotebookError(f"{nb.name}: a cell ran longer than {timeout} s (KPITRACK_CELL_TIMEOUT) or the kernel "
                            f"stopped answering; the run was stopped") from None
    return output


def cell_timeout() -> int:
    """Seconds a notebook cell may run: ``KPITRACK_CELL_TIMEOUT``, default 600. A scheduled run never
    waits forever on a kernel that hangs."""
    from ..core.settings import seconds_setting

    return seconds_setting("KPITRACK_CELL_TIMEOUT", 600)


class NotebookError(KpitrackError):
    """The report notebook raised an error; the executed notebook is kept to show where."""


def _execute(pm, nb: Path, output: Path, params: dict[str, Any], timeout: int) -> None:
    pm.execute_notebook(str(nb), str(output), parameters=params, kernel_name=KERNEL, execution_timeout=timeout,
                        cwd=str(paths.repo_root()), progress_bar=False, log_output=False,
                        # saving after every cell rewrites megabytes of chart output each time; the
                        # notebook is written once at the end, and on an error with the error marked
                        request_save_on_cell_execute=False,
                        # the kernel's own start-up and shutdown log lines are noise for report readers;
                        # errors in the notebook are raised by papermill with the failing cell
                        extra_arguments=["--IPKernelApp.log_level=CRITICAL"])


def _stamp_synthetic(executed: Path, dataset: str) -> None:
    """A report of synthetic data says so on every PDF page and in its page title."""
    import nbformat

    from ..core.labels import SYNTHETIC_LABEL_ZH
    from ..data.actuals import load_dataset
    from ..plan.catalogue import catalogue
    from .render import stamp_front_matter
    from .render import front_matter

    if not load_dataset(dataset, catalogue()).synthetic:
        return
    title = front_matter(nbformat.read(str(executed), as_version=4)).get("title", "")
    stamp_front_matter(executed, {"synthetic": True, "pagetitle": f"{title}（{SYNTHETIC_LABEL_ZH}）"})


MANIFEST = "manifest.json"


def run(params_file: Path, *, formats: tuple[str, ...] = ("html", "pdf"), renderer: str = "auto",
        reports_dir: Path | None = None, overrides: dict[str, Any] | None = None,
        progress: Any = None, force: bool = False) -> RunResult:
    """Execute and render one report; the name of the outputs is the parameter file's stem.
    ``progress`` (a callable taking one line of text) hears of each stage as it starts.

    A report is a batch of one: under a lock of its own (a second run of the same report at once
    is refused, exit 75), up to date when made from the same parameters, data, plan, code, notebook,
    renderer and formats (nothing is written; ``force`` runs it all the same), and listed in
    ``reports/_output/manifest.json`` (parameters, inputs, renderer, outputs, seconds, status)."""
    from .provenance import code_version, data_version, notebook_version, read_manifest
    from .render import render_timeout

    say = progress or (lambda text: None)
    params = load_params(params_file, overrides)
    renderer_ = get_renderer(renderer)  # an unknown renderer or format is refused before the notebook runs
    renderer_.check_formats(tuple(formats))
    renderer_.check_available()
    cell_timeout()
    render_timeout()
    log.info("run %s: %s", params_file, params)
    reports = Path(reports_dir) if reports_dir else paths.reports_dir()
    stem = output_stem(Path(params_file), params)
    out = reports / "_output"
    nb = notebook_for(params)
    inputs = {**data_version(params["dataset"]), "code_version": code_version(), "notebook_sha256": notebook_version(nb)}
    identity = renderer_.identity()
    fingerprint = hashlib.sha256(json.dumps({"parameters": params, "inputs": inputs, "renderer": identity,
                                             "formats": sorted(formats)}, sort_keys=True).encode()).hexdigest()
    out.mkdir(parents=True, exist_ok=True)
    with locked(out / f".{stem}.lock", wait=False, what=f"the report {stem}"):
        entry = read_manifest(out).get("items", {}).get(stem) or {}
        outputs = entry.get("outputs") or {}
        if (not force and entry.get("status") == "ok" and entry.get("fingerprint") == fingerprint
                and all(f in outputs and (out / outputs[f]).is_file() for f in formats)):
            say(f"up to date: {stem} (made {entry.get('finished_at')} with {entry.get('renderer')}; --force to run again)")
            return RunResult(params, reports / f"{stem}.ipynb", {f: out / outputs[f] for f in formats}, [], renderer_.name,
                             up_to_date=True, manifest=out / MANIFEST)
        start = time.monotonic()
        try:
            result = _run(params, nb, reports, stem, formats, renderer, renderer_, say)
        except Exception as exc:
            _record(out, stem, {"status": "failed", "error": f"{type(exc).__name__}: {exc}", "parameters": params,
                                "inputs": inputs, "renderer": identity, "outputs": {}, "fingerprint": None,
                                "seconds": round(time.monotonic() - start, 2)})
            raise
        _record(out, stem, {"status": "ok", "kind": "final" if nb.name == Path(FINAL_NOTEBOOK).name else "midterm",
                            "title": _title(result.notebook), "dataset": params["dataset"],
                            "synthetic": _is_synthetic(params["dataset"]), "parameters": params, "inputs": inputs,
                            "renderer": identity, "formats": list(formats),
                            "outputs": {f: p.name for f, p in result.outputs.items()}, "warnings": result.warnings,
                            "fingerprint": fingerprint, "seconds": round(time.monotonic() - start, 2)})
        result.manifest = out / MANIFEST
        return result


def _record(out: Path, stem: str, entry: dict[str, Any]) -> None:
    """Write one report's entry into the reports' manifest (reports of other names may be written
    at the same time: the manifest has a lock of its own)."""
    from datetime import datetime, timezone

    from .provenance import read_manifest

    entry["finished_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with locked(out / ".manifest.lock", wait=True, what="the reports' manifest"):
        doc = read_manifest(out)
        items = doc.get("items") if isinstance(doc.get("items"), dict) else {}
        items[stem] = entry
        atomic_write_text(out / MANIFEST, json.dumps({"kind": "reports", "items": items}, ensure_ascii=False, indent=2) + "\n")


def _title(notebook: Path) -> str:
    import nbformat

    from .render import front_matter

    try:
        return str(front_matter(nbformat.read(str(notebook), as_version=4)).get("title", ""))
    except (OSError, ValueError):
        return ""


def _is_synthetic(dataset: str) -> bool:
    from ..data.actuals import load_dataset
    from ..plan.catalogue import catalogue

    return load_dataset(dataset, catalogue()).synthetic


def _run(params: dict[str, Any], nb: Path, reports: Path, stem: str, formats: tuple[str, ...], renderer: str,
         renderer_: Any, say: Any) -> RunResult:
    renderer_.prepare(tuple(formats))  # e.g. Chromium for the PDF's charts starts while the notebook runs
    say(f"[1/2] executing {nb.name} ({', '.join(f'{k}={v}' for k, v in params.items() if v != '')})")
    try:
        executed = execute(params, reports / f"{stem}.ipynb")
    except NotebookError as exc:
        removed = [f.name for f in (reports / "_output" / f"{stem}.{fmt}" for fmt in ("html", "pdf")) if f.is_file()]
        for name in removed:  # an earlier report must not sit there as if it were this run's
            (reports / "_output" / name).unlink()
        raise NotebookError(f"{exc}" + (f"; the earlier {' and '.join(removed)} were removed" if removed else "")) from None
    _stamp_synthetic(executed, params["dataset"])
    result = RunResult(params, executed, renderer=renderer_.name)
    say(f"[2/2] rendering {', '.join(formats)} with the {renderer_.name} renderer"
        + ("" if renderer_.name == "quarto" else " (Quarto is not on PATH)" if renderer == "auto" else ""))
    rendered: RenderResult = renderer_.render(executed, formats, reports / "_output")
    result.outputs.update(rendered.outputs)
    result.warnings.extend(rendered.warnings)
    return result

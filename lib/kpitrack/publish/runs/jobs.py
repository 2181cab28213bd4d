"""A document to make (:class:`Job`) and what became of it (:class:`JobResult`, :class:`BatchResult`):
what the batch runner and its executors pass between them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class Job:
    """One notebook to run: outputs are ``<out_dir>/<key>.{ipynb,html,pdf}``."""

    key: str
    label: str
    notebook: str
    parameters: dict[str, Any]
    out_dir: str
    formats: tuple[str, ...] = FORMATS
    renderer: str = "auto"
    front_matter: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    #: the driver's settings a worker must see (PATH, KPITRACK_*): a forkserver's workers inherit the
    #: environment of the first batch, not the driver's present one
    env: dict[str, str] = field(default_factory=dict)
    #: what the manifest says of the document besides its run (kind, title, dataset, synthetic): what
    #: the site lists it by
    meta: dict[str, Any] = field(default_factory=dict)
    #: where the job's scratch folder goes (default ``out_dir``): inside the Quarto project, and not
    #: inside its output folder (``reports/_output``), which Quarto does not render from
    work_root: str = ""
    #: formats a run of the same inputs made before and this run does not make (HTML kept by a
    #: ``--to pdf`` run): still current, so not removed, and listed in the manifest again
    keep_formats: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # a key comes from a plan (a region code, a unit's name): it names files, so it never
        # leaves ``out_dir`` (``../../x`` is written as ``x-<hash>``)
        from ...core.paths import file_name

        object.__setattr__(self, "key", file_name(self.key))

    @property
    def content(self) -> str:
        """What the document says depends on: its parameters and inputs (data, plan, code, notebook),
        not the renderer: whether an issued document's figures changed since (a revision is due)."""
        doc = {"parameters": {k: v for k, v in self.parameters.items() if k != "edition"}, "inputs": self.inputs}
        return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    @property
    def fingerprint(self) -> str:
        """What the outputs depend on: parameters, inputs (data, plan, code, notebook), front matter,
        and the renderer that would run now with its version ("auto" is Quarto once it is on PATH)."""
        from ..render import get_renderer

        doc = {"parameters": self.parameters, "inputs": self.inputs, "front_matter": self.front_matter,
               "renderer": get_renderer(self.renderer).identity()}
        return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class JobGroup:
    """Jobs one worker runs one after another and renders together (the batch runner makes groups
    when the renderer gains from it: Quarto). What an executor names a work item by is its first
    job's key and label."""

    jobs: tuple[Job, ...]

    @property
    def key(self) -> str:
        return self.jobs[0].key + (f"+{len(self.jobs) - 1}" if len(self.jobs) > 1 else "")

    @property
    def label(self) -> str:
        return self.jobs[0].label


def results_of(value: Any) -> list["JobResult"]:
    """The results of one work item (a job or a :class:`JobGroup`): what its function returned, one
    result or a list."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def failed_results(item: Any, error: str) -> list["JobResult"]:
    """The work item's jobs, each failed with ``error`` (its worker died, its task failed)."""
    members = item.jobs if isinstance(item, JobGroup) else (item,)
    return [JobResult(j.key, j.label, "failed", error=error, finished_at=_now()) for j in members]


@dataclass
class JobResult:
    key: str
    label: str
    status: str  # ok | failed | up to date | issued | unchanged
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""
    partial: str = ""
    warnings: list[str] = field(default_factory=list)
    finished_at: str = ""
    exit_code: int = 0  # of a failure: 1 the notebook (or the worker), 3 the rendering (RenderError)
    #: where the job's seconds went: execute (the notebook, kernel start included), render (every format)
    stages: dict[str, float] = field(default_factory=dict)


@dataclass
class BatchResult:
    results: list[JobResult]
    manifest: Path
    seconds: float

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

"""The improvement notices as documents, one batch job per notice.

Every notice of a dataset's register is a job of ``notebooks/improvement_notice.ipynb`` in
``reports/notices/[<dataset>/]``, run by the one batch runner: lock, up-to-date check (a notice
answered or closed since its document was made is made again: its events are among the inputs),
execution, rendering, manifest. A run killed between the register and the documents is completed
by the next one, because every notice of the register is a job and the made ones are up to date.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ...core.settings import default_dataset
from ...core import paths
from ...data.actuals import load_dataset
from ...data.notices import read_register, register_path, states
from ...plan.catalogue import catalogue
from ..content.documents import KINDS
from .batch import FORMATS, Job, document_front
from .provenance import document_inputs
from ..content.notice import TITLE_ZH, file_stem
from ..content.params import check_common



def notice_folder(dataset: str, reports_dir: Path | None = None) -> Path:
    root = Path(reports_dir) if reports_dir else paths.reports_dir()
    return root / "notices" / ("" if dataset == default_dataset() else dataset)


def notice_jobs(dataset: str, *, formats: tuple[str, ...] = FORMATS, renderer: str = "auto",
                reports_dir: Path | None = None) -> tuple[list[Job], Path]:
    """One job per notice of ``dataset``'s register, oldest first."""
    dataset, _, _ = check_common(dataset, "zh", "")
    ds = load_dataset(dataset, catalogue())
    events = read_register(register_path(dataset))
    out = notice_folder(dataset, reports_dir)
    nb = KINDS["notice"].path
    base = document_inputs("notice", dataset)
    jobs = []
    for number, state in states(events).items():
        history = [e.__dict__ for e in events if e.number == number]
        inputs = {**base, "events_sha256": hashlib.sha256(json.dumps(history, ensure_ascii=False, sort_keys=True).encode()).hexdigest()}
        front = document_front(f"{TITLE_ZH}（{number}）", ds)
        jobs.append(Job(file_stem(number), f"{number} {state.unit}", str(nb), KINDS["notice"].validate({"number": number, "dataset": dataset}),
                        str(out), formats, renderer, front, inputs))
    return jobs, out

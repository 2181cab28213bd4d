"""The improvement notices as documents, one batch job per notice.

Every notice of a dataset's register is a job of ``notebooks/improvement_notice.ipynb`` in
``reports/notices/[<dataset>/]``, run by the one batch runner: lock, up-to-date check (a notice
answered or closed since its document was made is made again: its events are among the inputs),
execution, rendering, manifest. A notice once made is issued (a record): later runs leave it as it
is; an answer or the closing recorded since makes a new edition beside it (办理情况更新). A run
killed between the register and the documents is completed by the next one, because every notice
of the register is a job and the made ones are issued.
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
from ..content.notice import TITLE_ZH, file_stem, update_words
from ..content.params import check_common



def notice_folder(dataset: str, reports_dir: Path | None = None) -> Path:
    root = Path(reports_dir) if reports_dir else paths.reports_dir()
    return root / "notices" / ("" if dataset == default_dataset() else dataset)


def notice_jobs(dataset: str, *, formats: tuple[str, ...] = FORMATS, renderer: str = "auto",
                reports_dir: Path | None = None, editions: dict[str, int] | None = None) -> tuple[list[Job], Path]:
    """One job per notice of ``dataset``'s register, oldest first. ``editions`` (a notice's file stem
    -> 2, 3 ...) adds the new editions of issued notices whose events changed since (an answer, the
    closing): keys ``<stem>-r1`` ..., titled 办理情况更新, beside the notice as issued."""
    dataset, _, _ = check_common(dataset, "zh", "")
    ds = load_dataset(dataset, catalogue())
    events = read_register(register_path(dataset))
    out = notice_folder(dataset, reports_dir)
    nb = KINDS["notice"].path
    base = document_inputs("notice", dataset)
    jobs = []
    for number, state in states(events).items():
        history = [e.__dict__ for e in events if e.number == number]
        inputs = {**base, "events_sha256": events_hash(history)}
        stem = file_stem(number)
        for edition in (1, *((editions or {}).get(stem, 0),)):
            if edition == 0:
                continue
            words = update_words(edition)
            front = document_front(f"{TITLE_ZH}（{number}{words}）", ds)
            params = KINDS["notice"].validate({"number": number, "dataset": dataset, "edition": edition})
            if edition == 1:
                jobs.append(Job(stem, f"{number} {state.unit}", str(nb), params, str(out), formats, renderer, front, inputs))
            else:
                jobs.append(Job(f"{stem}-r{edition - 1}", f"{number} {state.unit}（{words.lstrip('·')}）", str(nb), params, str(out),
                                formats, renderer, front, inputs, meta={"revises": stem, "edition": edition}))
    return jobs, out


def events_hash(history: list[dict]) -> str:
    """What a notice's document says beyond the figures: its events (issued, answered, closed)."""
    return hashlib.sha256(json.dumps(history, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def events_changed(job: Job, entry: dict) -> bool:
    """Whether a notice's events changed since ``entry`` (its latest edition) was made: an answer or
    the closing recorded since makes a new edition; new figures, code or a renderer do not."""
    return (entry.get("inputs") or {}).get("events_sha256") != job.inputs.get("events_sha256")

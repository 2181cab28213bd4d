"""Ingest a ledger into a dataset as a new vintage, or refuse the whole file.

On any problem nothing is written: every problem is raised at once as a ValidationError naming
file, row and field. A successful ingest adds one vintage (see :mod:`kpitrack.data.store`).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone
from pathlib import Path

from .actuals import check_date, dataset_folder
from ..core import paths
from ..core.settings import default_dataset
from ..core.exceptions import Problem, Reason, ValidationError
from .kpi_ledger import known_ranges, read_ledger, validate
from ..plan.catalogue import Catalogue
from .store import AlreadyIngested, Vintage, append_vintage, read_figures, read_manifest
from ..core.yamlio import load_yaml
from ..core.fileio import display_name, printable

log = logging.getLogger(__name__)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def ingest(path: Path, cat: Catalogue, dataset: str | None = None, *, known_from: str | None = None,
           now: datetime | None = None, actuals_dir: Path | None = None, source: str | None = None,
           sheet: str | None = None) -> Vintage:
    """Validate the ledger at ``path`` and add it to ``dataset`` as a new vintage.

    Parameters
    ----------
    known_from
        The date (YYYY-MM-DD) from which these figures were known, e.g. their publication date
        when loading figures published in the past; default: today.
    now
        The ingest time to record (default: now, UTC).
    sheet
        The sheet of a workbook to ingest (default 台账, or the only sheet with figures).

    Raises
    ------
    ValidationError
        With every problem of the file; nothing is written.
    AlreadyIngested
        If this exact file was ingested before.
    """
    path = Path(path)
    dataset = dataset or default_dataset()
    folder = dataset_folder(dataset, actuals_dir)
    meta = load_yaml(folder / "dataset.yaml")
    led = read_ledger(path, sheet)
    from ..core.fileio import locked

    # under the plan's lock: a plan import (which may retire figures) and an ingest never interleave
    with locked(folder.parent.parent / ".plan.lock", what="the plan"):
        if cat.source:
            from ..plan.catalogue import plan_signature

            if plan_signature(paths.plan_dir()) != cat.source:
                raise ValidationError([Problem(str(path), None, "-", "the plan was changed (kpitrack plan import) since it was "
                                                                     "loaded: run the ingest again (in a notebook, restart its kernel)", Reason.INCONSISTENT)],
                                      f"ledger {display_name(path)} refused: nothing was written; ledger validation")
        vintage = _checked_append(path, led, cat, dataset, folder, meta, known_from, now, source)
    if led.encoding == "gbk":
        log.warning("%s was read as GBK (GB18030) text", path)
    log.info("ingested %d figures from %s as vintage %d of %s", vintage.rows, path, vintage.vintage, dataset)
    return vintage


def _checked_append(path: Path, led, cat: Catalogue, dataset: str, folder: Path, meta: dict, known_from: str | None,
                    now: datetime | None, source: str | None) -> Vintage:
    from . import retired

    stored = retired.split(read_figures(folder), retired.read(folder))[0]
    figures = validate(led, cat, known_ranges(cat, stored)) if not led.problems or led.rows else None
    if meta.get("synthetic"):
        led.problem(None, "-", f"dataset {dataset!r} holds synthetic data; ledgers of real figures go to a real dataset", Reason.NOT_ALLOWED)
    if known_from is not None:
        try:
            check_date(known_from, "--known-from")
        except ValueError as exc:
            led.problems.append(Problem(str(path), None, "known_from", str(exc), Reason.WRONG_TYPE))
        else:
            from datetime import date

            from ..core.clock import local_day

            if date.fromisoformat(known_from) > local_day(now or datetime.now(timezone.utc)):
                led.problems.append(Problem(str(path), None, "known_from", f"--known-from {known_from} is in the future: figures "
                                            "are known from a day that has come", Reason.OUT_OF_RANGE))
    if led.problems:
        raise ValidationError(led.problems, f"ledger {display_name(path)} refused: nothing was written; ledger validation")
    digest = sha256_of(path)
    for v in read_manifest(folder):
        if v.sha256 == digest:
            raise AlreadyIngested(f"{path}: this file was already ingested as vintage {v.vintage} ({v.ingested_at}); nothing was written", path=str(path))
    from ..core.clock import local_day

    now = now or datetime.now(timezone.utc)
    now = now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)  # a naive time is UTC
    vintage = append_vintage(folder, figures, ingested_at=now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                             known_from=known_from or local_day(now).isoformat(), sha256=digest,
                             source=source or display_name(path), refuse_duplicate=printable(str(path)), dated=known_from is not None)
    return vintage

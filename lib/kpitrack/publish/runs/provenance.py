"""Where a document came from: the versions of its code, data, plan and notebook, and the
manifest a folder of documents keeps. Read by the batch runner and by ``kpitrack run`` alike."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...core import paths
from ...core.version import __version__

MANIFEST = "manifest.json"


def _sha_files(files: Iterable[Path | str]) -> str:
    """A hash of files' names and bytes, and of texts given as they are (the store's vintages)."""
    h = hashlib.sha256()
    for f in sorted(files, key=str):
        if isinstance(f, str):
            h.update(f.encode("utf-8"))
        elif f.is_file():
            h.update(str(f.name).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def code_version() -> str:
    """The package version and a hash of its source and report style: a code change re-renders."""
    lib = Path(__file__).resolve().parents[2]
    files = [*lib.rglob("*.py"), *lib.rglob("*.json"), paths.reports_dir() / "report.css"]
    return f"{__version__}+{_sha_files(files)[:12]}"


def data_version(dataset: str, reads: Iterable[str] = ()) -> dict[str, Any]:
    """The dataset's latest vintage and a hash of its figures' manifest, targets and metadata, of the
    plan, and of every other kind of record the document ``reads`` (:data:`RECORD_KINDS`: the Tables
    2, 3 and 5 ledgers, context figures, peer data, the notices register), each apart: an ingest of a
    kind makes stale exactly the documents that read it."""
    from ...data.records import dataset_records

    vintages, files = dataset_records(dataset, reads)
    out: dict[str, Any] = {"dataset": dataset, "vintage": max((v.vintage for v in vintages), default=0),
                           "data_sha256": _sha_files(files.pop("figures")), "plan_sha256": _sha_files(files.pop("plan"))}
    for kind, paths_of_kind in files.items():
        out[f"{kind}_sha256"] = _sha_files(paths_of_kind)
    return out


def document_inputs(kind: str, dataset: str, **extra: Any) -> dict[str, Any]:
    """What a document of ``kind`` on ``dataset`` is made from, for its fingerprint: the data and the
    records that kind reads (:func:`data_version`), the code, its notebook, and ``extra``."""
    from ..content.documents import KINDS

    k = KINDS[kind]
    return {**data_version(dataset, k.reads), **extra, "code_version": code_version(), "notebook_sha256": notebook_version(k.path)}


def notebook_version(notebook: Path) -> str:
    return hashlib.sha256(Path(notebook).read_bytes()).hexdigest()


# --------------------------------------------------------------------------- one job (runs in a worker)

def read_manifest(folder: Path) -> dict[str, Any]:
    """A folder's manifest: ``{}`` when there is none yet. A manifest that cannot be read is a damaged
    file of records (exit 2, naming it): it lists the documents issued, so it is never taken for an
    empty one, which would let a run make issued records again or remove their files."""
    from ...core.exceptions import RecordFileError

    path = Path(folder) / MANIFEST
    if not path.exists():
        return {}
    fix = ("restore it (from a backup or version control), or move the folder away to start afresh; "
           "nothing was written")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecordFileError(f"{path}: the manifest of the documents made here cannot be read ({exc}); {fix}",
                              path=str(path)) from None
    items = doc.get("items", {}) if isinstance(doc, dict) else None
    if not isinstance(items, dict):
        raise RecordFileError(f"{path}: not a manifest (expected an object with 'items'); {fix}", path=str(path), field="items")
    for key, entry in items.items():
        outputs = entry.get("outputs") if isinstance(entry, dict) else None
        names = list((outputs or {}).values()) if isinstance(outputs, dict) else [outputs]
        if not isinstance(entry, dict) or (outputs is not None and not isinstance(outputs, dict)) or any(
                not isinstance(n, str) or not n or "/" in n or "\\" in n or n.startswith(".") for n in names if n is not None):
            raise RecordFileError(f"{path}: items.{key}: not a document's entry (its outputs must be file names in the "
                                  f"folder); {fix}", path=str(path), field=f"items.{key}")
    return doc



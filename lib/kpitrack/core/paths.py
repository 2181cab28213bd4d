"""Where kpitrack finds its data: the active workspace (``Workspace.active()``), else
``$KPITRACK_DATA``, else the repository's ``data/`` folder."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

#: The repository root when kpitrack is installed from a clone (``lib/kpitrack/paths.py``).
REPO_ROOT = Path(__file__).resolve().parents[3]


#: The workspace folder made active in this thread or task (``Workspace.active()``), if any.
_ACTIVE: ContextVar[Path | None] = ContextVar("kpitrack_workspace", default=None)


def data_dir() -> Path:
    """The data folder: the active workspace's, else ``$KPITRACK_DATA`` if set (read at every call,
    so setting it after ``import kpitrack`` switches the whole process), else ``<repo>/data``."""
    active = _ACTIVE.get()
    if active is not None:
        return active
    env = os.environ.get("KPITRACK_DATA")
    return _resolved(env, os.getcwd() if not os.path.isabs(env) else "") if env else REPO_ROOT / "data"


@lru_cache(maxsize=32)
def _resolved(folder: str, cwd: str) -> Path:
    return (Path(cwd) / folder).resolve() if cwd else Path(folder).resolve()


@contextmanager
def using(folder: Path) -> Iterator[Path]:
    """Make ``folder`` the workspace of this thread or task while the block runs (nested blocks
    restore the outer one)."""
    token = _ACTIVE.set(Path(folder).resolve())
    try:
        yield _ACTIVE.get()  # type: ignore[misc]
    finally:
        _ACTIVE.reset(token)


def plan_dir() -> Path:
    return data_dir() / "plan"


def actuals_dir() -> Path:
    return data_dir() / "actuals"


def sources_dir() -> Path:
    return data_dir() / "sources"


def repo_root() -> Path:
    return REPO_ROOT


def reports_dir() -> Path:
    """The Quarto project every document is made in and published from: the workspace's
    ``reports/`` (made by ``kpitrack init``), else the repository's."""
    own = data_dir() / "reports"
    return own if (own / "_quarto.yml").is_file() else REPO_ROOT / "reports"


def params_dir() -> Path:
    """The documents' parameter files and the challenge targets: the workspace's ``params/``, else the
    repository's."""
    own = data_dir() / "params"
    return own if own.is_dir() else REPO_ROOT / "params"


#: The journal of a plan import in progress, in the workspace (core.fileio.write_together).
PLAN_JOURNAL = ".plan-import.journal"

#: A region code: letters and digits (GB/T 2260 codes are six digits), at most 32, never a path.
REGION_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,31}")

#: Characters a name from a plan (a region code, a unit's name, a title) may not carry into a file name.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def file_name(name: str) -> str:
    """A name from a plan or a user as one file-name component that stays in its folder: the name
    itself when it is safe (a region code, a unit's name), else its safe characters joined by "_" with a short
    hash of the whole name (so two unsafe names never meet): never a path separator, "..", a leading
    dot or a control character (``../../x`` becomes ``x-3f2a9c1b``)."""
    text = str(name)
    if text and not _UNSAFE.search(text) and not text.startswith(".") and text.strip() == text \
            and len(text.encode("utf-8")) <= 150:
        return text
    import hashlib

    cleaned = "_".join(p for p in _UNSAFE.split(text) if p.strip(". ")).strip("._ ")[:40] or "name"
    return f"{cleaned}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"

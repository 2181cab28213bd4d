"""Where kpitrack finds its data: the active workspace (``Workspace.active()``), else
``$KPITRACK_DATA``, else the repository's ``data/`` folder."""

from __future__ import annotations

import os
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

"""Where kpitrack finds its data: the repository's ``data/`` folder, or ``$KPITRACK_DATA``."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root when kpitrack is installed from a clone (``lib/kpitrack/paths.py``).
REPO_ROOT = Path(__file__).resolve().parents[3]


def data_dir() -> Path:
    """The data folder: ``$KPITRACK_DATA`` if set, else ``<repo>/data``."""
    env = os.environ.get("KPITRACK_DATA")
    return Path(env).resolve() if env else REPO_ROOT / "data"


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

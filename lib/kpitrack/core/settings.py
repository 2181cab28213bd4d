"""Settings read from the environment, checked once, with a message naming the variable."""

from __future__ import annotations

import os

from .exceptions import ParameterError

def default_dataset() -> str:
    """The dataset every command, API call and notebook uses when none is named: the active
    workspace's (``default_dataset`` in workspace.yaml; the bundled notebooks' parameter cells agree
    with the bundled workspace's, tests/test_documents.py checks)."""
    from . import paths
    from .workspace import workspace

    try:
        return workspace().default_dataset
    except Exception:  # no workspace yet (kpitrack init is making one): the bundled workspace's default
        if (paths.data_dir() / "workspace.yaml").is_file():  # one that is wrong: said, by file and field
            raise
        return "hangzhou"


def seconds_setting(name: str, default: int) -> int:
    """A whole number of seconds, at least 1, from the environment variable ``name`` (``default``
    when it is not set); a ParameterError naming the variable otherwise."""
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ParameterError(f"{name} must be a whole number of seconds, got {raw!r}") from None
    if value < 1:
        raise ParameterError(f"{name} must be at least 1 second, got {value}")
    if value > MAX_SECONDS:
        raise ParameterError(f"{name} must be at most {MAX_SECONDS} seconds (7 days), got {value}")
    return value


#: The longest any time limit may be (a week): beyond it a limit means nothing and overflows timers.
MAX_SECONDS = 7 * 24 * 3600

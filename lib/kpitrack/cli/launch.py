"""The ``kpitrack`` command's entry point: it chooses the workspace (``--workspace DIR``, anywhere on
the line) before anything of kpitrack is imported, since a process works in one workspace (its plan's
years, its city and regions are read once), then runs :func:`kpitrack.cli.main`."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _refuse(message: str) -> None:
    """A bad parameter: the message on stderr and exit 2, as every other bad parameter."""
    print(f"kpitrack: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def split_workspace(argv: list[str]) -> tuple[str | None, list[str]]:
    """(the --workspace value or None, the other arguments)."""
    rest, ws, i = [], None, 0
    while i < len(argv):
        a = argv[i]
        if a == "--workspace" or a.startswith("--workspace="):
            if a == "--workspace" and i + 1 >= len(argv):
                _refuse("--workspace needs a folder")
            value = argv[i + 1] if a == "--workspace" else a.split("=", 1)[1]
            if ws is not None:  # two workspaces: an error, never the last one silently
                _refuse(f"--workspace given twice ({ws!r} and {value!r}): give one")
            ws = value
            i += 2 if a == "--workspace" else 1
            continue
        else:
            rest.append(a)
        i += 1
    return ws, rest


def main(argv: list[str] | None = None) -> int:
    from ..core.lean_imports import skip_slow_optional_imports

    skip_slow_optional_imports()
    argv = list(sys.argv[1:] if argv is None else argv)
    ws, rest = split_workspace(argv)
    if ws is not None:
        folder = Path(ws).expanduser().resolve()
        if not (folder / "workspace.yaml").is_file():
            print(f"error: --workspace {ws}: not a kpitrack workspace (no workspace.yaml in {folder}; "
                  "make one with kpitrack init DIR --city NAME)", file=sys.stderr)
            return 2
        os.environ["KPITRACK_DATA"] = str(folder)
    from ..cli import main as cli_main

    return cli_main(rest)

"""Outside programs (Quarto, pandoc, typst; Chromium in ``chromium``): run under one timeout, killed with
their children when they hang: ``KPITRACK_RENDER_TIMEOUT`` seconds (default 900)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from ...core.exceptions import RenderError
from ...core.settings import seconds_setting

DEFAULT_RENDER_TIMEOUT = 900


def render_timeout() -> int:
    """Seconds any one outside program may take (Quarto, pandoc, typst, Chromium's chart pictures):
    ``KPITRACK_RENDER_TIMEOUT``, default 900. A hung render fails its document, never the month."""
    return seconds_setting("KPITRACK_RENDER_TIMEOUT", DEFAULT_RENDER_TIMEOUT)


def run_tool(cmd: list[str], what: str, *, cwd: Path | None = None, input: str | None = None,
             timeout: int | None = None) -> subprocess.CompletedProcess:
    """Run an outside program with the render timeout (or a shorter ``timeout``); a RenderError naming
    it when it hangs."""
    timeout = render_timeout() if timeout is None else min(timeout, render_timeout())
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_group(proc)
        setting = " (KPITRACK_RENDER_TIMEOUT)" if timeout == render_timeout() else ""
        raise RenderError(f"{what} took longer than {timeout} s{setting} and was stopped") from None
    except BaseException:
        stop_group(proc)
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def stop_group(proc: subprocess.Popen) -> None:
    """Kill a program started in its own session, and every process it started (a shell's children
    would otherwise hold its pipes open)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    except ValueError:  # its pipes were closed already: only reap it
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

"""Outside programs (Quarto, pandoc, typst; Chromium in ``chromium``): run under one timeout, killed with
their children when they hang: ``KPITRACK_RENDER_TIMEOUT`` seconds (default 900)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from ...core.exceptions import RenderError
from ...core.settings import seconds_setting

DEFAULT_RENDER_TIMEOUT = 900


def render_timeout() -> int:
    """Seconds any one outside program may take (Quarto, pandoc, typst, Chromium's chart pictures):
    ``KPITRACK_RENDER_TIMEOUT``, default 900. A hung render fails its document, never the month."""
    return seconds_setting("KPITRACK_RENDER_TIMEOUT", DEFAULT_RENDER_TIMEOUT)


def run_tool(cmd: list[str], what: str, *, cwd: Path | None = None, input: str | None = None,
             timeout: int | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run an outside program with the render timeout (or a shorter ``timeout``); a RenderError naming
    it when it hangs. ``env``: its environment (by default this process's)."""
    return start_tool(cmd, what, cwd=cwd, stdin=input is not None, timeout=timeout, env=env).finish(input)


class StartedTool:
    """An outside program started by :func:`start_tool`, in a session of its own; :meth:`finish` waits
    for it until its deadline (the timeout counts from its start), :meth:`stop` kills it with its children."""

    def __init__(self, proc: subprocess.Popen, what: str, timeout: int) -> None:
        self.proc, self.what, self.timeout = proc, what, timeout
        self.deadline = time.monotonic() + timeout

    def finish(self, input: str | None = None) -> subprocess.CompletedProcess:
        """Its exit code and what it said; a RenderError naming it when it outlives its deadline."""
        try:
            out, err = self.proc.communicate(input, timeout=max(self.deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            stop_group(self.proc)
            setting = " (KPITRACK_RENDER_TIMEOUT)" if self.timeout == render_timeout() else ""
            raise RenderError(f"{self.what} took longer than {self.timeout} s{setting} and was stopped") from None
        except BaseException:
            stop_group(self.proc)
            raise
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)

    def stop(self) -> None:
        """Kill it (and what it started) if it still runs; either way its pipes are closed."""
        if self.proc.poll() is None:
            stop_group(self.proc)
            return
        try:
            self.proc.communicate(timeout=10)
        except (ValueError, OSError, subprocess.TimeoutExpired):  # finished and read already
            pass


def start_tool(cmd: list[str], what: str, *, cwd: Path | None = None, stdin: bool = False,
               timeout: int | None = None, env: dict[str, str] | None = None) -> StartedTool:
    """Start an outside program and return at once (:class:`StartedTool`): the render timeout, or a
    shorter ``timeout``, counts from now."""
    timeout = render_timeout() if timeout is None else min(timeout, render_timeout())
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)
    return StartedTool(proc, what, timeout)


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

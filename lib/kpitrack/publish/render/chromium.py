"""Chromium, the one browser kpitrack starts (to draw the PDF's chart pictures): found, its version
read, started with the flags current versions need, each start in a profile of its own that is
removed afterwards, and a clear message naming the version when it cannot be driven.

kpitrack never speaks the DevTools protocol itself: the chart pictures go through kaleido (which
drives Chromium over a pipe with choreographer), and the tests' browser checks go through
Playwright pointed at this Chromium (``tests/browser.py``). Neither downloads a browser.

>>> "--headless" in HEADLESS_FLAGS and "--no-first-run" in HEADLESS_FLAGS
True
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from ...core.exceptions import RenderError

#: Flags for a headless Chromium on a machine with no screen and a closed network, as root or not:
#: no sandbox (root cannot have one), no GPU, no first-run dialogs, and none of the background
#: connections (updates, sync, metrics) that a closed network refuses many times over.
HEADLESS_FLAGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
    "--disable-dev-shm-usage", "--hide-scrollbars",
)

INSTALL_HINT = "install Debian's chromium (sudo apt-get install chromium) or set BROWSER_PATH to a Chromium or Chrome"


def find_chromium() -> str | None:
    """The Chromium to drive: ``BROWSER_PATH`` when set, else the first of chromium,
    chromium-browser, google-chrome, chrome on PATH; None when there is none."""
    for cand in (os.environ.get("BROWSER_PATH"), "chromium", "chromium-browser", "google-chrome", "chrome"):
        if cand and (path := shutil.which(cand) or (cand if os.path.isfile(cand) else None)):
            return path
    return None


@lru_cache(maxsize=8)
def chromium_version(path: str) -> str:
    """What ``path --version`` says (e.g. ``Chromium 156.0.8078.129``), or why it said nothing; at
    most 30 s, so that a browser that hangs at start cannot hang a report.

    >>> chromium_version("/nonexistent/chromium")
    'unknown version (/nonexistent/chromium cannot be started: No such file or directory)'
    """
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"unknown version ({path} --version took longer than 30 s)"
    except OSError as exc:
        return f"unknown version ({path} cannot be started: {exc.strerror or exc})"
    found = re.search(r"(?:Chromium|Google Chrome|Chrome)[^\n]*?\d+(?:\.\d+)+", proc.stdout)
    if found:
        return found.group(0).strip()
    said = (proc.stdout.strip() or proc.stderr.strip()).splitlines()
    return f"unknown version ({path} --version exited {proc.returncode}: {said[-1][:200] if said else 'nothing said'})"


def major_version(version: str) -> int | None:
    """The major version of a :func:`chromium_version` text.

    >>> major_version("Chromium 156.0.8078.129 built on Debian GNU/Linux 12 (bookworm)")
    156
    >>> major_version("unknown version (no such file)") is None
    True
    """
    found = re.search(r"(\d+)\.\d+\.\d+", version)
    return int(found.group(1)) if found else None


def driving_error(path: str, what: str, exc: BaseException | str) -> RenderError:
    """A RenderError that names the browser, its version and the library that tried to drive it."""
    said = exc.args[0] if isinstance(exc, BaseException) and exc.args and isinstance(exc.args[0], str) else str(exc)
    reason = said.strip().splitlines()[0][:500] if said.strip() else type(exc).__name__
    return RenderError(f"Chromium could not be driven to {what}: {chromium_version(path)} at {path}: {reason}; "
                       f"{INSTALL_HINT}")


def new_profile() -> Path:
    """A fresh, empty folder for one browser start's profile (``--user-data-dir``): two starts never
    share one, so neither sees the other's locks or half-written files."""
    return Path(tempfile.mkdtemp(prefix="kpitrack-chromium-"))


def remove_profile(folder: Path | None, attempts: int = 5) -> bool:
    """Remove a profile folder once its browser has stopped; Chromium's helpers may still write into
    it for a moment (``Directory not empty: 'Default'``), so a few tries, then it is left in the
    temporary folder rather than failing a document. True when it is gone."""
    if folder is None:
        return True
    for i in range(attempts):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return True
        time.sleep(0.2 * (i + 1))
    return not folder.exists()


def static_export_available() -> tuple[bool, str]:
    """Whether charts can be drawn as pictures (for PDF), and if not, what to install."""
    if find_chromium() is None:
        return False, f"static charts for PDF need Chromium: {INSTALL_HINT}"
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False, "static charts for PDF need kaleido: pip install kaleido"
    return True, ""


def stop_session(proc: subprocess.Popen | None) -> None:
    """Kill a browser started in a session of its own, with every helper process it started (they
    would otherwise go on writing into its profile)."""
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass
    try:
        proc.wait(timeout=10)
    except (subprocess.TimeoutExpired, OSError):
        pass

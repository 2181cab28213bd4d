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

INSTALL_HINT = ("install Debian's chromium-headless-shell or chromium (sudo apt-get install chromium-headless-shell) or "
                "set BROWSER_PATH to a Chromium or Chrome")


def browser_path_problem() -> str:
    """Why ``BROWSER_PATH``, when set, names no program that can be run (empty when it is fine or
    unset): a browser named and not found is said, never silently replaced by another."""
    given = os.environ.get("BROWSER_PATH", "")
    if not given:
        return ""
    path = shutil.which(given) or given
    if not os.path.exists(path):
        return f"BROWSER_PATH={given!r} does not exist"
    if not os.path.isfile(path):
        return f"BROWSER_PATH={given!r} is not a file (a folder?)"
    if not os.access(path, os.X_OK):
        return f"BROWSER_PATH={given!r} is not executable"
    return ""


def find_chromium() -> str | None:
    """The Chromium to drive: ``BROWSER_PATH`` when set (None when it names nothing that runs: see
    :func:`browser_path_problem`), else the first of :data:`CANDIDATES` on PATH (a headless shell
    before a full browser); None when there is none."""
    given = os.environ.get("BROWSER_PATH")
    if given:
        return None if browser_path_problem() else (shutil.which(given) or given)
    for cand in CANDIDATES:
        if path := shutil.which(cand):
            return path
    return None


#: The browsers :func:`find_chromium` looks for on PATH, in order. Chromium's headless shell first
#: (Debian's ``chromium-headless-shell``, Google's ``chrome-headless-shell``): the same Blink, so the
#: same pictures, without the full browser's windowing layers; it starts on about half the CPU (0.3 s
#: against 0.5 s on a 2-core machine here), which comes from the core the notebook's kernel leaves free.
CANDIDATES = ("chromium-headless-shell", "chrome-headless-shell", "chromium", "chromium-browser", "google-chrome", "chrome")


VERSION_TIMEOUT = 10  # seconds for ``--version`` (Chromium answers in well under one)
VERSION_BYTES = 4096  # what is read of its answer: a version is one short line


@lru_cache(maxsize=8)
def chromium_version(path: str) -> str:
    """What ``path --version`` says (e.g. ``Chromium 156.0.8078.129``), or why it said nothing: at
    most :data:`VERSION_TIMEOUT` seconds and :data:`VERSION_BYTES` of output, the program and all it
    started killed afterwards, so that a browser that hangs or floods cannot hang a report.

    >>> chromium_version("/nonexistent/chromium")
    'unknown version (/nonexistent/chromium cannot be started: No such file or directory)'
    """
    import selectors

    try:
        proc = subprocess.Popen([path, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        return f"unknown version ({path} cannot be started: {exc.strerror or exc})"
    out = b""
    deadline = time.monotonic() + VERSION_TIMEOUT
    timed_out = False
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        while len(out) < VERSION_BYTES:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            if not sel.select(timeout=left):
                continue
            chunk = os.read(proc.stdout.fileno(), VERSION_BYTES - len(out))  # type: ignore[union-attr]
            if not chunk:
                break
            out += chunk
    stop_session(proc)
    proc.stdout.close()  # type: ignore[union-attr]
    text = out.decode("utf-8", "replace")
    found = re.search(r"(?:Chromium|Google Chrome|Chrome)[^\n]*?\d+(?:\.\d+)+", text)
    if found:
        return found.group(0).strip()
    if timed_out:
        return f"unknown version ({path} --version said nothing within {VERSION_TIMEOUT} s)"
    said = text.strip().splitlines()
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


PROFILE_PREFIX = "kpitrack-chromium-"


def new_profile() -> Path:
    """A fresh, empty folder for one browser start's profile (``--user-data-dir``): two starts never
    share one, so neither sees the other's locks or half-written files. Its name carries the process
    id, so that the profiles of a process killed before it could remove them are swept here, by the
    next start."""
    base = Path(tempfile.gettempdir())
    for old in base.glob(f"{PROFILE_PREFIX}*-*"):
        pid = old.name[len(PROFILE_PREFIX):].split("-", 1)[0]
        if (pid.isascii() and pid.isdigit()) and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to sweep
        return True
    return True


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
    if problem := browser_path_problem():
        return False, f"static charts for PDF need Chromium, and {problem}: point it at a Chromium or Chrome, or unset it"
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

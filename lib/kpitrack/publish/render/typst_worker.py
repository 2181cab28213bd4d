"""Warm typst compilers for the fallback's PDF: child processes that have imported typst and read the
fonts' tables once, each compiling one document at a time on request.

A PDF compiled in a new process pays the interpreter's start, typst's import and the scan of the CJK
fonts (about 0.3-0.5 s on two cores) before it sets a page; a warm compiler pays none of it, and one
started while the notebook runs (:func:`warm_up`, from the renderer's ``prepare``) has paid it by the
time the PDF is wanted. A batch's documents reuse the same compiler.

Each compile still runs in a child process under the render timeout: a compile that hangs is killed
with its process and fails its document, never the batch. A compiler ends when its parent does (it
reads its requests from a pipe and leaves when the pipe closes, even after a ``kill -9`` of the
parent) and after ``IDLE_SECONDS`` without work.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ...core.exceptions import RenderError
from .base import CJK_FONT
from .tools import render_timeout, stop_group

log = logging.getLogger(__name__)

#: Seconds a warm compiler waits for work before it ends.
IDLE_SECONDS = 300

#: What a compiler process runs: one JSON request per line in, one JSON answer per line out. The first
#: request may be a warm-up (``"warm": true``): fonts read and a line of Chinese set, nothing written.
_CHILD = r"""
import json, os, select, sys
import typst

IDLE = float(sys.argv[1])
compilers = {}
pending = b""

def compiler(fonts):
    key = tuple(fonts)
    if key not in compilers:
        compilers.clear()
        compilers[key] = typst.Compiler(font_paths=typst.Fonts(font_paths=list(fonts)))
    return compilers[key]

def next_line():  # unbuffered: two requests read at once must not leave one waiting unseen
    global pending
    while b"\n" not in pending:
        if not select.select([0], [], [], IDLE)[0]:
            return None
        chunk = os.read(0, 65536)
        if not chunk:
            return None
        pending += chunk
    line, _, pending = pending.partition(b"\n")
    return line

while True:
    line = next_line()
    if line is None:
        break
    request = json.loads(line)
    if request.get("warm"):  # never answered: a warm-up that fails leaves the real request to say why
        try:
            compiler(request["fonts"]).compile(input=request["source"].encode("utf-8"), format="pdf")
        except Exception:
            pass
        continue
    try:
        c = compiler(request["fonts"])
        data = c.compile(input=request["source"], root=request["root"])
        with open(request["target"], "wb") as f:
            f.write(data)
        answer = {"ok": True}
    except Exception as exc:  # typst's own message as it is; any other error with its kind
        said = str(exc) if isinstance(exc, getattr(typst, "TypstError", ())) else f"{type(exc).__name__}: {exc}"
        answer = {"ok": False, "error": said}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
"""

#: The warm-up page: the report's own font and language, so that the CJK font's tables are read.
_WARM_SOURCE = f"#set text(font: \"{CJK_FONT}\", lang: \"zh\")\n绩效管理 *考评* 通报 2020年 12,393.7亿元 100.0%\n"


@dataclass(eq=False)  # each one itself (kept in a weak set)
class _Compiler:
    proc: subprocess.Popen
    stderr: IO[bytes]
    fonts: list[str]
    owner: int = field(default_factory=os.getpid)
    used: float = field(default_factory=time.monotonic)
    born: float = field(default_factory=time.monotonic)
    uses: int = 0

    def alive(self) -> bool:
        """Usable here and now: this process's, running, not about to end for idleness, and neither
        too old nor too used (a font installed or a typst upgraded meanwhile is read by the next)."""
        now = time.monotonic()
        return (self.owner == os.getpid() and self.proc.poll() is None and now - self.used < IDLE_SECONDS - 5
                and now - self.born < MAX_AGE_SECONDS and self.uses < MAX_USES)

    def send(self, request: dict) -> None:
        assert self.proc.stdin is not None
        self.stderr.seek(0)  # what it says is about this request only
        self.stderr.truncate()
        self.proc.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
        self.proc.stdin.flush()

    def said(self) -> str:
        """The last line it wrote to its error stream, if any."""
        self.stderr.seek(0)
        lines = self.stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""

    def end(self) -> None:
        """Close its pipe (it leaves at the end of it); killed when it has not left within 2 s."""
        self._close_pipes()
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:  # busy (a compile, its warm-up): killed with all it started
                stop_group(self.proc)
        self.stderr.close()

    def kill(self) -> None:
        if self.proc.poll() is None:  # never a process group whose leader was reaped: its number may be another's
            stop_group(self.proc)
        self._close_pipes()
        self.stderr.close()

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass


#: A compiler is not lent again after this many documents or seconds (a long-lived Dask worker's
#: compilers would otherwise never see a font installed, or a typst upgraded, after they started).
MAX_USES = 200
MAX_AGE_SECONDS = 3600

_lock = threading.Lock()
_idle: list[_Compiler] = []
_every: weakref.WeakSet[_Compiler] = weakref.WeakSet()  # waiting or at work: a forked child closes their pipes


def _start(fonts: list[str], warm: bool) -> _Compiler:
    stderr = tempfile.TemporaryFile()  # never a pipe nobody reads: a full pipe would stop the child
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(IDLE_SECONDS)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=stderr, start_new_session=True)
    c = _Compiler(proc, stderr, fonts)
    _every.add(c)
    if warm:
        try:
            c.send({"warm": True, "fonts": fonts, "source": _WARM_SOURCE})
        except BaseException:
            c.kill()
            raise
    return c


def _take(fonts: list[str]) -> _Compiler | None:
    found, stale = None, []
    with _lock:
        while _idle:
            c = _idle.pop()
            if c.alive() and c.fonts == fonts:
                found = c
                break
            stale.append(c)
    for c in stale:  # ended outside the lock: another thread's compile does not wait for it
        try:
            _discard(c)
        except Exception as exc:  # noqa: BLE001 - an old compiler that would not end: never this document's error
            log.warning("a typst compiler did not end: %s", exc)
    return found


def _discard(c: _Compiler) -> None:
    if c.owner == os.getpid():
        c.end()


def _give_back(c: _Compiler) -> None:
    c.used = time.monotonic()
    with _lock:
        _idle.append(c)


def warm_up(font_dir: Path | None) -> None:
    """Start a compiler that reads the fonts now, unless one is waiting already; returns at once."""
    fonts = [str(font_dir)] if font_dir else []
    with _lock:
        if any(c.alive() and c.fonts == fonts for c in _idle):
            return
    try:
        c = _start(fonts, warm=True)
    except OSError as exc:  # the PDF will start its own, and say why if it cannot
        log.debug("no warm typst compiler: %s", exc)
        return
    _give_back(c)


def compile_pdf(source: Path, target: Path, root: Path, font_dir: Path | None) -> None:
    """Compile the typst file ``source`` (files under ``root``) into ``target`` in a warm compiler (one
    is started when none is waiting), within the render timeout. A waiting compiler found gone when
    the request is sent is replaced once.

    Raises
    ------
    RenderError
        When typst refuses the source (its message), hangs (it is killed) or its process dies or
        cannot be started; each names ``source``.
    """
    fonts = [str(font_dir)] if font_dir else []
    timeout = render_timeout()
    request = {"fonts": fonts, "source": str(source), "root": str(root), "target": str(target)}
    c = _take(fonts)
    try:
        if c is not None:
            try:
                c.send(request)
            except OSError:  # it ended after it was found waiting: another, once
                c.kill()
                c = None
        if c is None:
            c = _start(fonts, warm=False)
            c.send(request)
        answer = _answer(c, timeout, source.name)
    except BaseException as exc:  # whatever went wrong, this compiler is not lent again
        if c is not None:
            c.kill()
        if isinstance(exc, (OSError, ValueError)):  # a pipe that broke, an answer that is not one
            raise RenderError(f"typst could not compile {source.name}: {type(exc).__name__}: {exc}") from exc
        raise
    c.uses += 1
    _give_back(c)
    if not answer.get("ok"):
        text = str(answer.get("error", "")).strip()
        raise RenderError(f"typst could not compile {source.name}: {text.splitlines()[-1] if text else 'no message'}")


def _answer(c: _Compiler, timeout: int, name: str) -> dict:
    """The compiler's answer line; a RenderError when it takes longer than ``timeout`` or dies."""
    assert c.proc.stdout is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(c.proc.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise RenderError(f"typst (typst to PDF) took longer than {timeout} s (KPITRACK_RENDER_TIMEOUT) on {name} "
                                  "and was stopped")
            line = c.proc.stdout.readline()
            if not line:
                try:
                    c.proc.wait(timeout=max(deadline - time.monotonic(), 1))
                except subprocess.TimeoutExpired:
                    pass
                said = c.said()
                raise RenderError(f"typst could not compile {name}: the compiler ended without an answer "
                                  f"(exit {c.proc.returncode})" + (f": {said}" if said else ""))
            return json.loads(line)


def end_all() -> None:
    """End this process's waiting compilers (at exit, and for tests)."""
    with _lock:
        idle, _idle[:] = list(_idle), []
    for c in idle:
        _discard(c)


def waiting() -> int:
    """How many compilers of this process wait for work (for tests)."""
    with _lock:
        return sum(1 for c in _idle if c.alive())


def _forget_in_child() -> None:
    """A forked child has none of its parent's threads, and its parent's compilers are not its own:
    their pipes are closed here (a compiler must see its pipe end when its parent dies, whatever the
    parent forked), and the lock is new."""
    global _lock, _idle, _every
    for c in list(_every):
        for f in (c.proc.stdin, c.proc.stdout, c.stderr):
            try:
                if f is not None:
                    # the raw file's close: no buffer (nor its lock, which a thread gone here may
                    # hold) is touched, and the file knows it is closed (its number is never closed again)
                    getattr(f, "raw", f).close()
            except (OSError, ValueError):
                pass
    _lock, _idle, _every = threading.Lock(), [], weakref.WeakSet()


os.register_at_fork(after_in_child=_forget_in_child)
atexit.register(end_all)

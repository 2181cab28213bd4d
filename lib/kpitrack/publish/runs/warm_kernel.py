"""One notebook kernel kept warm for a batch's documents, in each thread that runs them.

A document's kernel costs about 2 s before its first line runs: the kernel's start, its imports
(pandas, the store, kpitrack), and its shutdown. A batch (cards, notices, bulletins) runs dozens of
documents in each worker process; each worker of the local pool (and a driver that runs its jobs
itself) keeps one kernel and runs its documents in it, one after the other, through papermill's own
engine (:class:`WarmEngine`, registered as ``kpitrack-warm``). A Dask worker runs documents in
threads side by side: each of its threads keeps a kernel of its own.

What makes it safe:

- after each document the kernel's namespace is reset (IPython's ``reset(new_session=True)``: every
  name gone, execution counts from 1 again), so a document sees what a fresh kernel would show it;
  the modules stay imported: the datasets, Table 2's statuses and the peers' ranks they keep are keyed
  by the state of what they read, and what is kept by path (the plan, the regions, the workspace) is
  kept for the batch, as one process's run keeps it;
- a kernel is used only by the settings it was started with (working folder, PATH and the
  ``KPITRACK_*`` settings, the Python): any other setting starts another kernel;
- any failure (a cell's error, a timeout, a kernel that died, a reset that failed) ends the kernel:
  the next document gets a fresh one;
- a kernel lives for one batch (the batch runner ends the driver's; the Dask executor ends its
  workers' idle ones when the batch is done; a pool's worker ends its own as it exits, and a killed
  worker's kernel ends by its parent watch); one used for :data:`MAX_DOCUMENTS` is replaced;
- a kernel idle for :data:`IDLE_SECONDS` is ended by a watch thread, in any process: a long-lived Dask
  worker holds no kernel between a month's bulletins and the next (nor one with old code);
- a kernel belongs to the thread that started it and serves no other: a Dask worker's threads each
  keep their own, and never share one.

Left as they are by the reset: what a notebook changes outside its namespace (environment variables,
the working folder, library options). kpitrack's document notebooks change none of them.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import remove_args

from . import engine

log = logging.getLogger(__name__)

ENGINE = "kpitrack-warm"
#: a kernel unused for this long is replaced (a long-lived Dask worker's kernel would hold old code)
IDLE_SECONDS = 300.0
#: documents run in one kernel before it is replaced (bounds what a long batch can accumulate)
MAX_DOCUMENTS = 200
#: the namespace cleared, and Python's once-per-place warning records with it (a warning shown by one
#: document is shown by the next too, as in a kernel of its own)
RESET = ("get_ipython().reset(new_session=True, aggressive=False)\n"
         "import warnings as _w\n"
         "_w.onceregistry.clear()\n"
         "getattr(_w, '_filters_mutated', lambda: None)()\n"
         "del _w")


@dataclass
class _Warm:
    km: Any
    key: tuple
    owner: threading.Thread  # the thread that started it, the only one that runs documents in it
    used: int = 0
    last: float = 0.0
    busy: bool = False  # running a document (never ended by the idle watch meanwhile)
    broken: bool = False  # its namespace could not be reset: not used again


#: the warm kernels of this process, by the thread that keeps each
_held: dict[int, _Warm] = {}
#: those the idle watch has taken out of :data:`_held` and is ending
_ending: list[_Warm] = []
_lock = threading.Lock()
_watch: threading.Thread | None = None


def settings_key(cwd: str, kernel_name: str) -> tuple:
    """What a kernel was started with and must match to run another document."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k == "PATH" or k.startswith("KPITRACK_")))
    return (cwd, kernel_name, sys.executable, env)


def kernel(cwd: str, kernel_name: str, extra_arguments: list[str]):
    """This thread's warm kernel's manager for these settings, started when there is none that fits.
    It is marked busy until :func:`release` (or :func:`discard`)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    me = threading.get_ident()
    key = settings_key(cwd, kernel_name)
    with _lock:
        held = _held.get(me)
        if held is not None and held.owner is not threading.current_thread():  # a thread gone had this id
            del _held[me]
            stale, held = held, None
        else:
            stale = None
        if held is not None:
            held.busy = True  # the idle watch leaves it alone from here
    if stale is not None:
        _end(stale)
    if held is not None and (held.broken or held.key != key or held.used >= MAX_DOCUMENTS
                             or not run_sync(held.km.is_alive)()):
        discard()
        held = None
    if held is None:
        km = AsyncKernelManager(kernel_name=kernel_name)
        try:
            run_sync(km.start_kernel)(extra_arguments=list(extra_arguments), cwd=cwd, env=engine.kernel_environment())
        except BaseException:  # started half way: not left running untracked
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - never started: nothing to end
                pass
            raise
        held = _Warm(km, key, threading.current_thread(), busy=True)
        with _lock:
            _held[me] = held
        log.debug("started a warm kernel (pid %s)", getattr(km.provisioner, "pid", "?"))
        _start_watch()
    held.used += 1
    held.last = time.monotonic()
    return held.km


def release() -> None:
    """This thread's document is done: its kernel waits, idle, for the next one."""
    with _lock:
        held = _held.get(threading.get_ident())
        if held is not None:
            held.busy = False
            held.last = time.monotonic()


def discard() -> None:
    """End this thread's warm kernel, if any (after a failure, or when the settings changed)."""
    with _lock:
        held = _held.pop(threading.get_ident(), None)
    if held is not None:
        _end(held)


def discard_all(*, busy_too: bool = True) -> None:
    """End the warm kernels of this process: all of them (at exit), or those not running a document
    (at the end of a batch: another batch of the same process may be running in another thread)."""
    with _lock:
        gone = [tid for tid, h in _held.items() if busy_too or not h.busy]
        held = [_held.pop(tid) for tid in gone]
        if busy_too:  # at exit: those the idle watch was ending too (a daemon thread stops mid-way)
            held += [h for h in _ending if h not in held]
    for h in held:
        _end(h)


def _end(held: _Warm) -> None:
    """Stop a warm kernel: through its manager in the thread that owns it; from any other thread, by
    killing its process group (the manager's event loop belongs to its owner) and removing its
    connection file."""
    if held.owner is threading.current_thread():
        from jupyter_core.utils import run_sync

        try:
            run_sync(held.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - a kernel already gone is what was wanted
            log.debug("the warm kernel was already gone", exc_info=True)
        return
    from jupyter_core.utils import ensure_async, run_sync

    proc = getattr(held.km.provisioner, "process", None)  # the kernel's subprocess.Popen
    if proc is not None and proc.poll() is None:  # still running (its pid is not another's yet)
        import signal
        import subprocess

        try:
            group = os.getpgid(proc.pid)
            if group == proc.pid and group != os.getpgid(0):  # its own group (jupyter starts it in a session of its own)
                os.killpg(group, signal.SIGKILL)
            else:
                proc.kill()
        except OSError:  # gone meanwhile
            pass
        try:  # reaped: no zombie is left
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("the warm kernel (pid %s) did not end within 10 s of SIGKILL", proc.pid)
    async def cleanup() -> None:  # its connection file, control socket and ports, on this thread's loop
        await ensure_async(held.km.cleanup_resources())

    try:
        run_sync(cleanup)()
    except Exception:  # noqa: BLE001 - what is gone already is what was wanted
        log.debug("the warm kernel's resources were gone already", exc_info=True)


def _start_watch() -> None:
    """The idle watch: a daemon thread, started with the first warm kernel of the process."""
    global _watch
    with _lock:
        if _watch is not None and _watch.is_alive():
            return
        _watch = threading.Thread(target=_watch_idle, name="kpitrack-warm-kernel-idle", daemon=True)
        _watch.start()


def _watch_idle() -> None:
    while True:
        time.sleep(min(30.0, IDLE_SECONDS / 4))
        try:
            end_idle()
        except Exception:  # noqa: BLE001 - the watch goes on; what failed is logged
            log.warning("the warm kernels' idle watch could not end a kernel", exc_info=True)


def end_idle(now: float | None = None) -> int:
    """End the kernels not busy and idle for longer than :data:`IDLE_SECONDS`, and those whose thread
    has ended (the idle watch calls this); returns how many."""
    now = time.monotonic() if now is None else now
    with _lock:
        idle = [(tid, h) for tid, h in _held.items()
                if not h.owner.is_alive() or (not h.busy and now - h.last > IDLE_SECONDS)]
        for tid, h in idle:
            del _held[tid]
            _ending.append(h)
    for _, h in idle:
        try:
            _end(h)
        finally:
            with _lock:
                _ending.remove(h)
    return len(idle)


def held_pid() -> int | None:
    """The process id of this thread's warm kernel, if it holds one (for tests and diagnostics)."""
    held = _held.get(threading.get_ident())
    if held is None or held.owner is not threading.current_thread():
        return None
    return getattr(held.km.provisioner, "pid", None)


def held_pids() -> list[int]:
    """The process ids of every warm kernel of this process (for tests and diagnostics)."""
    with _lock:
        return [pid for h in _held.values() if (pid := getattr(h.km.provisioner, "pid", None))]


def _mark_broken() -> None:
    held = _held.get(threading.get_ident())
    if held is not None:
        held.broken = True


def _forget_in_child() -> None:
    """A forked child never uses (or ends) its parent's kernels."""
    global _held, _lock, _watch, _ending
    _held = {}
    _ending = []
    _lock = threading.Lock()
    _watch = None


os.register_at_fork(after_in_child=_forget_in_child)
atexit.register(discard_all)
try:  # worker processes of multiprocessing leave through os._exit: its own exit hooks run, atexit's do not
    from multiprocessing import util as _mp_util

    _mp_util.Finalize(None, discard_all, exitpriority=10)
except ImportError:  # pragma: no cover
    pass


class WarmEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel it is given (``km``), which it leaves running with its
    namespace reset for the next document."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        client = engine.client(nb_man, kernel_name, **remove_args(["extra_arguments"], **kwargs))
        try:
            nb = client.execute()
            try:
                _reset(client)
            except Exception as exc:  # noqa: BLE001 - the document is good; its kernel is not used again
                log.warning("%s", exc)
                _mark_broken()
            return nb
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
                client.kc = None


def _reset(client) -> None:
    """Clear the kernel's namespace for the next document; a reset that fails is an error (the
    caller then ends the kernel)."""
    from jupyter_core.utils import ensure_async, run_sync

    async def reset() -> dict | None:
        msg_id = await ensure_async(client.kc.execute(RESET, silent=True, store_history=False))
        return await client.async_wait_for_reply(msg_id)

    reply = run_sync(reset)()
    if reply is None or reply.get("content", {}).get("status") != "ok":
        raise RuntimeError(f"the warm kernel's namespace could not be reset: {reply and reply.get('content')}")


papermill_engines.register(ENGINE, WarmEngine)

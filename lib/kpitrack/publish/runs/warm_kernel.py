"""One notebook kernel kept warm for a batch's documents, in each process that runs them.

A document's kernel costs about 2 s before its first line runs: the kernel's start, its imports
(pandas, the store, kpitrack), and its shutdown. A batch (cards, notices, bulletins) runs dozens of
documents in each worker process; each worker of the local pool (and a driver that runs its jobs
itself) keeps one kernel and runs its documents in it, one after the other, through papermill's own
engine (:class:`WarmEngine`, registered as ``kpitrack-warm``). On Dask, whose workers run documents in
threads, each document has a kernel of its own, as before.

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
- a kernel lives for one batch (the batch runner ends it; a pool's worker ends it as it exits, and a
  killed worker's kernel ends by its parent watch); within a batch, one idle for :data:`IDLE_SECONDS`
  or used for :data:`MAX_DOCUMENTS` is replaced;
- only a process's main thread keeps a warm kernel (a Dask worker runs tasks in threads side by side:
  each of its documents gets a kernel of its own).

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

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger as papermill_logger
from papermill.utils import merge_kwargs, remove_args

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
    used: int = 0
    last: float = 0.0
    broken: bool = False  # its namespace could not be reset: not used again


_held: _Warm | None = None
_lock = threading.Lock()


def settings_key(cwd: str, kernel_name: str) -> tuple:
    """What a kernel was started with and must match to run another document."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k == "PATH" or k.startswith("KPITRACK_")))
    return (cwd, kernel_name, sys.executable, env)


def usable() -> bool:
    """Whether this thread may keep a warm kernel (a process's main thread only)."""
    return threading.current_thread() is threading.main_thread()


def kernel(cwd: str, kernel_name: str, extra_arguments: list[str]):
    """The warm kernel's manager for these settings, started when there is none that fits (call from
    the main thread only: :func:`usable`)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    global _held
    key = settings_key(cwd, kernel_name)
    now = time.monotonic()
    held = _held
    if held is not None and (held.broken or held.key != key or held.used >= MAX_DOCUMENTS or now - held.last > IDLE_SECONDS
                             or not run_sync(held.km.is_alive)()):
        discard()
        held = None
    if held is None:
        km = AsyncKernelManager(kernel_name=kernel_name)
        run_sync(km.start_kernel)(extra_arguments=list(extra_arguments), cwd=cwd)
        held = _held = _Warm(km, key)
        log.debug("started a warm kernel (pid %s)", getattr(km.provisioner, "pid", "?"))
    held.used += 1
    held.last = now
    return held.km


def discard() -> None:
    """End the warm kernel, if any (after a failure, at exit, or when the settings changed)."""
    global _held
    from jupyter_core.utils import run_sync

    with _lock:
        held, _held = _held, None
    if held is None:
        return
    try:
        run_sync(held.km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - a kernel already gone is what was wanted
        log.debug("the warm kernel was already gone", exc_info=True)


def held_pid() -> int | None:
    """The process id of the warm kernel, if one is held (for tests and diagnostics)."""
    held = _held
    return None if held is None else getattr(held.km.provisioner, "pid", None)


def _forget_in_child() -> None:
    """A forked child never uses (or ends) its parent's kernel."""
    global _held, _lock
    _held = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)
atexit.register(discard)
try:  # worker processes of multiprocessing leave through os._exit: its own exit hooks run, atexit's do not
    from multiprocessing import util as _mp_util

    _mp_util.Finalize(None, discard, exitpriority=10)
except ImportError:  # pragma: no cover
    pass


class WarmEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel it is given (``km``), which it leaves running with its
    namespace reset for the next document."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        kwargs = remove_args(["input_path", "timeout", "startup_timeout", "extra_arguments"], **kwargs)
        final_kwargs = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                                    log=papermill_logger, log_output=log_output, stdout_file=stdout_file,
                                    stderr_file=stderr_file)
        client = PapermillNotebookClient(nb_man, **final_kwargs)
        try:
            nb = client.execute()
            try:
                _reset(client)
            except Exception as exc:  # noqa: BLE001 - the document is good; its kernel is not used again
                log.warning("%s", exc)
                if _held is not None:
                    _held.broken = True
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

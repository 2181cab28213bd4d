"""Worker processes die with the process that started them (Linux ``PR_SET_PDEATHSIG``).

The bulletins' local pool forks its workers from a forkserver. If the driver is killed (``kill
-9``, an out-of-memory kill, cron's timeout) the forkserver and the workers would live on and go on
writing outputs after the driver's lock is gone. The forkserver imports this module (its preload
list) and asks the kernel to kill it when the driver dies; each worker does the same towards the
forkserver (the pool's initializer). Elsewhere than Linux this is a no-op. The forkserver also skips
the slow optional imports before its preload goes on (:mod:`kpitrack.core.lean_imports`), for itself
and the workers forked from it.
"""

from __future__ import annotations

import signal
import sys


def die_with_parent() -> None:
    """Ask the kernel to send SIGKILL to this process when its parent dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc by that name: leave it
        pass


def _in_forkserver() -> bool:
    """Whether this import is the forkserver's preload (its ``main`` is on the stack)."""
    frame = sys._getframe()
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename.replace("\\", "/").endswith("multiprocessing/forkserver.py"):
            return True
        frame = frame.f_back
    return False


if _in_forkserver():  # imported by the forkserver's preload: the forkserver dies with the driver
    die_with_parent()
    from ...core.lean_imports import skip_slow_optional_imports

    skip_slow_optional_imports()  # before the preload's next modules (papermill, nbconvert) import jsonschema

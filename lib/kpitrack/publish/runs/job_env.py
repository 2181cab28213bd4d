"""The process environment a job runs in (its ``job.env``: PATH, the ``KPITRACK_*`` settings, the
workspace and its store), set for the job only.

A Dask worker runs jobs in threads side by side, and ``os.environ`` belongs to the whole process: a
job that put back the old environment as it ended would take it from under another job still running
(whose kernel, started then, would read the bundled workspace instead of the batch's). So the
environment is a lease: jobs asking for the same settings share it, and it is put back when the last
of them ends; a job asking for other settings waits until then.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_cond = threading.Condition()
_active: dict[str, str] | None = None
_users = 0
_saved: dict[str, str | None] = {}


@contextmanager
def job_environment(env: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``env`` set while the block runs (and while any other job of the same
    settings runs); as it was before once the last such job has ended. Not to be nested with other
    settings in one thread (it would wait for itself); a ValueError, before anything is set, for a
    name or value that is not a text."""
    global _active, _users, _saved
    wanted = dict(env)
    bad = [k for k, v in wanted.items() if not isinstance(k, str) or not isinstance(v, str) or not k or "=" in k or "\0" in k + v]
    if bad:  # refused before anything is set
        raise ValueError(f"a job's environment needs names and texts: {', '.join(map(repr, bad))}")
    joined = False
    try:
        with _cond:
            while _users and _active != wanted:
                _cond.wait()
            if _users == 0:
                _saved = {k: os.environ.get(k) for k in wanted}
                try:
                    os.environ.update(wanted)
                except BaseException:  # set half way: put back what was set
                    _restore(_saved)
                    raise
                _active = wanted
            _users += 1
            joined = True
        yield
    finally:
        if joined:
            _leave()


def _leave() -> None:
    """A job has ended: the last of its settings puts the environment back and lets the others in."""
    global _active, _users, _saved
    with _cond:
        _users -= 1
        if _users == 0:
            _restore(_saved)
            _active, _saved = None, {}
            _cond.notify_all()


def _restore(saved: dict[str, str | None]) -> None:
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _forget_in_child() -> None:
    """A forked child starts with no job running (its parent's lease is not its own)."""
    global _cond, _active, _users, _saved
    _cond, _active, _users, _saved = threading.Condition(), None, 0, {}


os.register_at_fork(after_in_child=_forget_in_child)

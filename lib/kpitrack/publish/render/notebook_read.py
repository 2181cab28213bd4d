"""An executed notebook read once for the renderer's threads: the HTML, the PDF and the chart
pictures each want it as they start, at the same moment, and parsing a report of 3 MB costs about
0.17 s of the one interpreter lock each time.

The notebook returned is shared: read it, never change it (copy it first, ``nbformat.from_dict``).
It is the one whose bytes are in the file now (the key is their digest, not the file's time).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import nbformat

_lock = threading.Lock()
_parsing: dict[tuple[str, str], threading.Lock] = {}
_read: dict[tuple[str, str], nbformat.NotebookNode] = {}
KEEP = 2  # notebooks kept: the one being rendered, and one before it


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` (nbformat version 4), parsed once for all who read the same bytes."""
    data = Path(path).read_bytes()
    key = (str(Path(path).resolve()), digest(data))
    with _lock:
        if key in _read:
            return _read[key]
        gate = _parsing.setdefault(key, threading.Lock())
    with gate:  # one parses; the others wait for it
        with _lock:
            if key in _read:
                return _read[key]
        try:
            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        except BaseException:
            with _lock:
                _parsing.pop(key, None)
            raise
        with _lock:  # kept and no longer being parsed at once: a reader in between finds it kept
            _read[key] = nb
            _parsing.pop(key, None)
            while len(_read) > KEEP:
                _read.pop(next(iter(_read)))
        return nb


def digest(data: bytes) -> str:
    """What tells a notebook's bytes apart (the key :func:`read_notebook` keeps them by)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def forget(path: Path | None = None) -> None:
    """Drop the notebook at ``path`` (after its render; another thread's stay), or every one kept."""
    where = str(Path(path).resolve()) if path is not None else None
    with _lock:
        for key in [k for k in _read if where is None or k[0] == where]:
            del _read[key]


def _forget_in_child() -> None:  # a forked child has none of its parent's threads, nor their locks
    global _lock, _parsing
    _lock, _parsing = threading.Lock(), {}


os.register_at_fork(after_in_child=_forget_in_child)

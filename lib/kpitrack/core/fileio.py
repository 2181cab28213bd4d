"""Safe writes: atomic replacement of files, and exclusive locks for read-modify-write.

Every file kpitrack writes for others to read (vintages, manifests, registers, rendered reports)
goes through :func:`atomic_write_bytes`: the content is written to a unique temporary name in the
same folder, flushed and fsynced, renamed over the target, and the folder is fsynced, so a reader
sees the old file or the new one, never half of one, and a ``kill -9`` at any moment loses nothing
that was reported written. :func:`locked` serialises writers that read a file, decide and write
(the next vintage number, the next notice number, a batch's manifest) with ``fcntl.flock``, which
works between processes on one machine and on network folders that support it (NFSv4, SMB).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .exceptions import KpitrackError, LockBusyError  # noqa: F401 - importable from here

log = logging.getLogger(__name__)

#: seconds of waiting for a lock after which the wait is said (a warning naming the holder)
WAIT_NOTICE = 2.0


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (unique temporary name, fsync, rename, fsync folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_move(src: Path, dst: Path) -> Path:
    """Move a finished file into place (same file system: a rename, so readers never see half)."""
    src, dst = Path(src), Path(dst)
    with open(src, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(src, dst)
    fsync_dir(dst.parent)
    return dst


@contextlib.contextmanager
def locked(path: Path, *, wait: bool = True, timeout: float = 600.0, what: str = "") -> Iterator[Path]:
    """Hold an exclusive lock on ``path`` (created if needed) for the ``with`` block.

    With ``wait`` the call waits up to ``timeout`` seconds (a wait longer than :data:`WAIT_NOTICE`
    is said once, as a warning naming the holder); without, it raises :class:`LockBusyError` at once
    when another process holds the lock. The lock file records the holder's pid and start time, for
    the message another process gets.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        began = time.monotonic()
        deadline = began + timeout
        said = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                now = time.monotonic()
                if not wait or now >= deadline:
                    raise LockBusyError(f"{what or path} is in use by {_holder(path)}; "
                                        "nothing was done: try again when it has finished", path=str(path)) from None
                if not said and now - began >= WAIT_NOTICE:
                    log.warning("waiting for %s, in use by %s (at most %d s more)",
                                what or path, _holder(path), max(1, round(deadline - now)))
                    said = True
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {time.strftime('%Y-%m-%dT%H:%M:%S')}\n".encode())
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _holder(path: Path) -> str:
    """Who holds the lock, as the lock file says: another kpitrack process (its pid and since when), or
    another task of this one (a thread of the same process: the pid is its own)."""
    try:
        pid, started = path.read_text(encoding="utf-8").split()[:2]
    except (OSError, ValueError):
        return "another kpitrack process"
    if pid == str(os.getpid()):
        return f"another task of this kpitrack process (since {started})"
    return f"another kpitrack process (pid {pid}, since {started})"


def display_name(path: Path) -> str:
    """A file's name as text a person can read and UTF-8 can store: names from a Windows zip are
    often GBK bytes, which Python keeps as undecodable surrogates."""
    raw = os.fsencode(Path(path).name)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def printable(text: str) -> str:
    """Text with any undecodable bytes (surrogates) shown as U+FFFD, safe for a strict UTF-8 stream."""
    return text.encode("utf-8", "replace").decode("utf-8") if any("\udc80" <= ch <= "\udcff" for ch in text) else text


#: A text cell starting with one of these is run as a formula by Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A text a spreadsheet shows and never runs: one starting like a formula (``=HYPERLINK(…)``,
    ``+``, ``-``, ``@``) gets a leading apostrophe; numbers and other text are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class safe_csv_writer:  # noqa: N801 - used like csv.writer
    """``csv.writer`` for every CSV kpitrack writes: each text cell through :func:`spreadsheet_safe`."""

    def __init__(self, stream) -> None:
        import csv

        self._writer = csv.writer(stream, lineterminator="\n")

    def writerow(self, row) -> None:
        self._writer.writerow([spreadsheet_safe(v) for v in row])


def csv_records(path: Path, required: list[str] | tuple[str, ...], what: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a small UTF-8 CSV file as (line number, {column: stripped text}), the header
    checked for ``required`` columns; a ValidationError naming the file (and line 1 for a missing
    column) when it cannot be read. ``what`` names the file in messages ("the standards ledger")."""
    import csv
    import io

    from .exceptions import Problem, Reason, ValidationError

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(str(path), None, "-", f"cannot read {what}: {exc}", Reason.UNREADABLE)],
                              f"{what} validation") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError([Problem(str(path), 1, ",".join(missing), "missing column(s)", Reason.MISSING)],
                              f"{what} validation")
    return [(i, {k: (v or "").strip() for k, v in r.items() if k}) for i, r in enumerate(reader, start=2)]


def save_workbook(wb, out: Path) -> Path:
    """Save an openpyxl workbook kpitrack made, with every cell as text a person typed: a name or
    note that begins like a formula (``=HYPERLINK(…)``, ``+``, ``-``, ``@``) is stored as a string,
    never as a live formula (openpyxl turns any string starting with "=" into one). Written
    beside ``out`` and moved into place."""
    import os
    import tempfile

    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type == "f":
                    cell.data_type = "s"
    out = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def write_together(folder: Path, files: dict[str, str], journal: str) -> None:
    """Write several text files of ``folder`` as one change: the new contents go first into the
    journal ``folder/journal`` (one atomic write), then each file; the journal is removed last. A
    process killed at any moment leaves either the old files (no journal yet) or a journal that
    :func:`finish_together` completes on the next read: never half of the change."""
    import json

    folder = Path(folder)
    atomic_write_text(folder / journal, json.dumps(files, ensure_ascii=False))
    finish_together(folder, journal)


def finish_together(folder: Path, journal: str) -> bool:
    """Complete a :func:`write_together` a killed process left unfinished; True when there was one."""
    import json

    path = Path(folder) / journal
    try:
        files = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except ValueError:  # a journal cut before its atomic rename cannot exist; a damaged one is not applied
        return False
    for rel, text in files.items():
        target = (Path(folder) / rel).resolve()
        if Path(folder).resolve() not in target.parents:
            continue  # never outside the folder
        atomic_write_text(target, text)
    path.unlink(missing_ok=True)
    fsync_dir(Path(folder))
    return True

"""Every file kpitrack reads from a user is checked here before it is parsed (:func:`refusal`): a
regular file (never a pipe, a device such as /dev/zero, or a socket), of a size a plan or a ledger can
be, and an .xlsx file streamed (:func:`too_big`): what it holds unpacked, and its rows and cells as
written, not as its ``<dimension>`` claims. A tiny file that claims or holds a huge sheet is refused
in seconds, in bounded memory."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

MAX_UNZIPPED = 200 * 1024 * 1024
MAX_CELLS = 1_000_000
#: The largest file (as stored) kpitrack reads as a plan, a ledger or a regions list.
MAX_BYTES = 50 * 1024 * 1024


def refusal(path: Path, max_rows: int, what: str) -> tuple[str, str] | None:
    """(field, message) when ``path`` is not a file kpitrack should parse as ``what``: not a regular
    file, larger than :data:`MAX_BYTES`, or an .xlsx whose sheets are too big (:func:`too_big`, any
    sheet with more than ``max_rows`` rows); None when it may be read."""
    import os
    import stat

    try:
        st = os.stat(path)
    except OSError as exc:
        return "-", f"cannot read the {what}: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        return "-", f"the {what} is not a regular file (a pipe, socket or device?): give a saved file"
    if st.st_size > MAX_BYTES:
        return "-", f"the {what} is {st.st_size / 1024 / 1024:,.0f} MB (at most {MAX_BYTES // 1024 // 1024} MB)"
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        try:
            return too_big(Path(path), max_rows)
        except (zipfile.BadZipFile, OSError) as exc:
            return "-", f"cannot read the {what} as a workbook ({exc.__class__.__name__}: {exc})"
    return None

_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")


def too_big(path: Path, max_rows: int) -> tuple[str, str] | None:
    """Stream the workbook's sheets (never trusting their stated size): (field, message) when the
    file unpacks to more than MAX_UNZIPPED bytes, or a sheet has more than ``max_rows`` rows or
    MAX_CELLS cells; None when it is of a size a ledger can be. Seconds and a few MB of memory
    whatever the file claims."""
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        titles = _sheet_titles(z)
        unpacked = sum(i.file_size for i in infos)
        if unpacked > MAX_UNZIPPED:
            return "-", f"the workbook unpacks to {unpacked / 1024 / 1024:,.0f} MB (at most {MAX_UNZIPPED // 1024 // 1024} MB): not a ledger"
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            rows = cells = 0
            tail = b""
            with z.open(info) as f:
                while chunk := f.read(1 << 20):
                    data = tail + chunk
                    rows += len(_ROW_TAG.findall(data))
                    cells += len(_CELL_TAG.findall(data))
                    cut = max(0, len(data) - 16)
                    tail = data[cut:]
                    # a tag split by the chunk boundary is counted once: discount what the tail repeats
                    rows -= len(_ROW_TAG.findall(tail))
                    cells -= len(_CELL_TAG.findall(tail))
                    if rows > max_rows + 1 or cells > MAX_CELLS:
                        break
                rows += len(_ROW_TAG.findall(tail))
                cells += len(_CELL_TAG.findall(tail))
            name = titles.get(info.filename, info.filename.rsplit("/", 1)[-1])
            if rows > max_rows + 1:
                return name, (f"sheet {name!r} has more than {max_rows:,} rows: a ledger is capped at "
                              f"{max_rows:,} figures (delete the empty rows below the table, or split the ledger)")
            if cells > MAX_CELLS:
                return name, f"sheet {name!r} has more than {MAX_CELLS:,} cells: not a ledger (delete what lies outside the table)"
    return None


def _sheet_titles(z) -> dict[str, str]:
    """Sheet XML file -> the sheet's name as Excel shows it (from workbook.xml and its relations)."""
    try:
        book = z.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    import html as _html

    targets = {m.group(1): m.group(2) for m in re.finditer(r'<Relationship[^>]*\bId="([^"]+)"[^>]*\bTarget="([^"]+)"', rels)}
    targets.update({m.group(2): m.group(1) for m in re.finditer(r'<Relationship[^>]*\bTarget="([^"]+)"[^>]*\bId="([^"]+)"', rels)})
    out = {}
    for m in re.finditer(r'<(?:\w+:)?sheet\b[^>]*>', book):
        tag = m.group(0)
        name, rid = re.search(r'\bname="([^"]*)"', tag), re.search(r'\br:id="([^"]+)"', tag)
        if name and rid and rid.group(1) in targets:
            target = targets[rid.group(1)].lstrip("/")
            out[target if target.startswith("xl/") else f"xl/{target}"] = _html.unescape(name.group(1))
    return out

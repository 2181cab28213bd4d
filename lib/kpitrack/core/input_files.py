"""Every file kpitrack reads from a user is checked here before it is parsed (:func:`refusal`): a
regular file (never a pipe, a device such as /dev/zero, or a socket), of a size a plan or a ledger can
be, and an .xlsx file streamed (:func:`too_big`): what it holds unpacked, and its rows and cells as
written, not as its ``<dimension>`` claims. A tiny file that claims or holds a huge sheet is refused
in seconds, in bounded memory."""

from __future__ import annotations

import math
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


# --------------------------------------------------------------------------- one reader of workbook sheets

class EmptyCell:
    """A cell the file does not write."""

    value = None
    data_type = "n"
    number_format = "General"
    coordinate = ""


EMPTY = EmptyCell()


def present_rows(ws) -> dict[int, list]:
    """The cells a sheet holds, row by row (only those written in the file: a single cell at
    XFD50000 is one cell, not 800 million), each row as a list from column A to its last cell."""
    by_row: dict[int, dict[int, object]] = {}
    for (r, c), cell in ws._cells.items():  # openpyxl keeps exactly the cells the file writes
        by_row.setdefault(r, {})[c] = cell
    rows = {}
    for r in sorted(by_row):
        cells = by_row[r]
        width = max(cells)
        rows[r] = [cells.get(c) for c in range(1, width + 1)]
    return rows


def has_content(ws) -> bool:
    return any(c.value is not None and str(c.value).strip() for c in ws._cells.values())


def choose_sheet(wb, problem, sheet: str | None, data_sheet: str | None, doc_sheets: tuple[str, ...]):
    """The sheet to read: the one named, else ``data_sheet``, else the only sheet with content.
    Hidden sheets and further sheets with content are refused: nothing in a workbook is silently
    ignored. ``problem(row, field, message, reason)`` records each problem; None on a problem."""
    from .exceptions import Reason

    if sheet is not None and sheet not in wb.sheetnames:
        problem(None, "sheet", f"no sheet {sheet!r} in the workbook (sheets: {'、'.join(wb.sheetnames)})", Reason.UNKNOWN_REFERENCE)
        return None
    filled = [ws for ws in wb.worksheets if has_content(ws)]
    name = sheet or (data_sheet if data_sheet in wb.sheetnames else None)
    if name is None:
        candidates = [ws.title for ws in filled if ws.title not in doc_sheets]
        if len(candidates) > 1:
            problem(None, "sheet", f"several sheets hold data ({'、'.join(candidates)}): name the one to ingest with "
                                   f"--sheet, or name it {data_sheet}", Reason.INCONSISTENT)
            return None
        name = candidates[0] if candidates else wb.worksheets[0].title
    bad = False
    for ws in filled:
        if ws.sheet_state != "visible":
            problem(None, ws.title, f"sheet {ws.title!r} is hidden and holds data: unhide it or delete it, so that what "
                                    "is ingested is what you see", Reason.NOT_ALLOWED)
            bad = True
        elif ws.title != name and ws.title not in doc_sheets:
            problem(None, ws.title, f"sheet {ws.title!r} also holds data, which would be ignored: move its rows into "
                                    f"sheet {name!r}, delete it, or ingest it on its own with --sheet", Reason.INCONSISTENT)
            bad = True
    return None if bad else wb[name]


def sheet_rows(ws, problem, *, max_columns: int, max_cell: int) -> list[tuple[int, list]] | None:
    """The rows of sheet ``ws`` that hold something, as (row number, cells from column A): merged
    cells, hidden columns or rows holding data, formulas and over-long cells are problems (a hidden
    row is left out); a cell far beyond ``max_columns`` stops the reading (None)."""
    from openpyxl.utils import column_index_from_string, get_column_letter

    from .exceptions import Reason

    for rng in ws.merged_cells.ranges:
        problem(rng.min_row, str(rng), f"merged cells {rng} in sheet {ws.title!r}: unmerge them, one value per cell", Reason.UNREADABLE)
    hidden: set[int] = set()
    for key, dim in ws.column_dimensions.items():
        if dim.hidden:  # <col min=8 max=11 hidden=1>: every column of the group
            first = dim.min or column_index_from_string(key)
            hidden.update(range(first, max(dim.max or first, first) + 1))
    for idx in sorted({c for (_r, c), cell in ws._cells.items() if cell.value is not None} & hidden):
        letter = get_column_letter(idx)
        problem(None, f"column {letter}", f"column {letter} of sheet {ws.title!r} is hidden: unhide it (or delete "
                                          "it) so that what is ingested is what you see", Reason.NOT_ALLOWED)
    out = []
    for row, present in present_rows(ws).items():
        far = [c for c in present[max_columns:] if c is not None and c.value is not None]
        if far:
            problem(row, far[0].coordinate, f"cell {far[0].coordinate} lies beyond column {get_column_letter(max_columns)}, "
                                            "far outside a ledger's columns: delete it", Reason.OUT_OF_RANGE)
            return None
        cells = [c if c is not None else EMPTY for c in present[:max_columns]]
        long = [c for c in cells if isinstance(c.value, str) and len(c.value) > max_cell]
        if long:
            problem(row, long[0].coordinate, f"a cell of {len(long[0].value):,} characters (at most {max_cell:,}): "
                                             "is this really one figure's note?", Reason.OUT_OF_RANGE)
            continue
        nul = [c for c in cells if isinstance(c.value, str) and ("\x00" in c.value)]
        if nul:
            problem(row, nul[0].coordinate, f"cell {nul[0].coordinate} holds a NUL character", Reason.UNREADABLE)
            continue
        for c in cells:
            if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("=")):
                text = getattr(c.value, "text", None) or str(c.value)
                kind = "array formula" if hasattr(c.value, "ref") else "formula"
                problem(row, c.coordinate, f"{kind} {text[:40]!r} in cell {c.coordinate}: enter the value itself, not a formula",
                        Reason.UNREADABLE)
        values = [getattr(c.value, "text", c.value) if hasattr(c.value, "ref") else c.value for c in cells]
        if not any(v is not None and str(v).strip() for v in values):
            continue
        if ws.row_dimensions[row].hidden:
            problem(row, "-", f"row {row} of sheet {ws.title!r} is hidden: unhide it (or delete it) so that what is "
                              "ingested is what you see", Reason.NOT_ALLOWED)
            continue
        out.append((row, cells))
    return out


def scales_by_100(number_format: str, value: float | None = None) -> bool:
    """Whether an Excel number format multiplies by 100: a % sign that is neither quoted ("%") nor
    escaped (\\%) in the section that shows ``value`` (the second for a negative number when the
    format has one, the third for zero; the first otherwise)."""
    sections = (number_format or "").split(";")
    index = 0
    if value is not None and value < 0 and len(sections) > 1:
        index = 1
    elif value == 0 and len(sections) > 2:
        index = 2
    fmt = sections[index]
    fmt = re.sub(r'"[^"]*"', "", fmt)  # quoted literals
    fmt = re.sub(r"\\.", "", fmt)  # escaped characters
    return "%" in fmt


def shown_number(c) -> float | None:
    """A number cell as the person sees it: a percent cell that Excel shows as 86.5% is 86.5 (the
    file holds 0.865); None for a cell that is not a number."""
    v = c.value
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return round(v * 100, 9) if "%" in (c.number_format or "") and scales_by_100(c.number_format, v) else v  # 0.865 -> 86.5, never 86.49999999999999


_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_number(text: str) -> float | None:
    """A number as a person writes one in a ledger (ASCII digits; thousands grouped by commas:
    12,345.6): None for anything else, so that a decimal comma ("3,5", "3.000,5"), a digit that is
    not ASCII (²⁰¹⁸, ①, ３) or a value no figure takes (inf, nan) is refused, never misread."""
    t = str(text).strip()
    if not t.isascii():
        return None
    if "," in t:
        if not _GROUPED.fullmatch(t):
            return None
        t = t.replace(",", "")
    if not _PLAIN.fullmatch(t):
        return None
    v = float(t)
    return v if math.isfinite(v) else None


NON_NEGATIVE_UNITS = frozenset({"亿元", "亿美元", "元", "μg/m³", "天", "万人", "人", "万人次", "套", "张/千名老人", "平方米/百人",
                                "小时/周", "个", "‰", "公里", "家", "所", "位", "起", "件/万人", "岁", "人/千人", "本/人",
                                "平方米/人", "份/千人·年", "期/年", "人/亿元", "万元"})
#: The widest any figure of a kind can be, whatever the measure: a growth rate in % (a fall cannot
#: exceed 100%; a rise of more than 1,000% in a year is a typing slip), hours in a week, days in a
#: year, and a sanity bound for every other figure (no plan figure comes near 10^12 in its unit).
RATE_BOUNDS = (-100.0, 1000.0)
UNIT_BOUNDS = {"小时/周": (0.0, 168.0), "天": (0.0, 366.0), "‰": (0.0, 1000.0)}
ANY_BOUND = 1e12


def value_bounds(unit: str, value_type: str = "unknown") -> tuple[float, float, str]:
    """(lowest, highest, why) a figure in ``unit`` of kind ``value_type`` (rate, level, flow, or
    unknown: a ledger that cannot tell a share from a growth rate) can take: the one rule table of
    every reader (the KPI ledger's rules, the Table 2 ledger)."""
    if value_type == "rate" or (unit == "%" and value_type == "unknown"):
        return (*RATE_BOUNDS, "rate")
    if unit == "%":
        return 0.0, 100.0, "percentage"
    if unit in UNIT_BOUNDS:
        return (*UNIT_BOUNDS[unit], "unit")
    if unit in NON_NEGATIVE_UNITS:
        return 0.0, ANY_BOUND, "non-negative"
    return -ANY_BOUND, ANY_BOUND, "any"


def value_refusal(value: float, unit: str, value_type: str = "unknown") -> str | None:
    """Why ``value`` cannot be a figure in ``unit`` (None: it can), by :func:`value_bounds`; a count
    (个, 人, 家…) must also be whole."""
    from .labels import COUNT_UNITS

    if not math.isfinite(value) or abs(value) > ANY_BOUND:
        return f"{value:g} is beyond any figure"
    lo, hi, why = value_bounds(unit, value_type)
    if not lo <= value <= hi:
        if why == "rate":
            return f"{value:g}% is not a share or a rate a figure can take (it must lie within {lo:g} to {hi:g})"
        if why == "non-negative":
            return f"{value:g}{unit} is below zero"
        return f"{value:g}{unit} is outside {lo:g}-{hi:g}"
    if unit in COUNT_UNITS and not float(value).is_integer():
        return f"{value:g}{unit} is not a count (whole, not negative)"
    return None
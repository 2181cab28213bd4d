"""Templates of the plan's other ledgers (:mod:`kpitrack.data.plan_ledgers`): a CSV with the Chinese
headers, or an Excel workbook with drop-down lists, a sheet listing what may be chosen (with names)
and a sheet of instructions."""

from __future__ import annotations

import io
from pathlib import Path

from ..core.fileio import safe_csv_writer
from ..plan.catalogue import Catalogue
from .plan_ledgers import LedgerKind
from ..core.fileio import save_workbook


def write_ledger_template(k: LedgerKind, cat: Catalogue, out: Path) -> Path:
    """An empty ledger of kind ``k``: ``.csv`` (Chinese headers, with a BOM for Excel) or ``.xlsx``
    (drop-down lists, a sheet listing what may be chosen, a sheet of instructions)."""
    out = Path(out)
    headers = [c.zh for c in k.columns]
    if out.suffix.lower() == ".csv":
        buf = io.StringIO()
        safe_csv_writer(buf).writerow(headers)
        out.write_text(buf.getvalue(), encoding="utf-8-sig")
        return out
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"template must be .csv or .xlsx, got {out.name}")
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(headers)
    bold = Font(bold=True)
    for j, cell in enumerate(ws[1], start=1):
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(40, len(cell.value) * 3))
    ws.freeze_panes = "A2"
    lists = k.lists(cat)
    ls = wb.create_sheet("清单")
    names = _list_names(k, cat)
    col = 1
    for j, c in enumerate(k.columns, start=1):
        values = lists.get(c.key)
        if not values:
            continue
        letter = get_column_letter(col)
        ls.cell(1, col, c.zh).font = bold
        for r, v in enumerate(values, start=2):
            ls.cell(r, col, v)
            if c.key in names and v in names[c.key]:
                ls.cell(r, col + 1, names[c.key][v])
        if c.key in names:
            ls.cell(1, col + 1, "名称").font = bold
        dv = DataValidation(type="list", formula1=f"='清单'!${letter}$2:${letter}${len(values) + 1}", allow_blank=not c.required,
                            showErrorMessage=True, errorTitle=c.zh, error=f"请从下拉列表中选择{c.zh}")
        ws.add_data_validation(dv)
        dv.add(f"{get_column_letter(j)}2:{get_column_letter(j)}5000")
        col += 2 if c.key in names else 1
    hs = wb.create_sheet("说明")
    hs.append(["栏目", "说明"])
    hs.append(["用途", f"{k.title_zh}：每行一条记录；填好后用 kpitrack ingest 文件名 --kind {k.name} 导入。"])
    for c in k.columns:
        hs.append([c.zh, ("必填。" if c.required else "选填。") + c.help_zh])
    hs.append(["出错时", "整个文件不导入，所有问题按“文件:行:栏目: 说明”逐条列出；已有数据不会被改动。"])
    hs.append(["更正", "更正一条记录：再导入一行相同编号的记录，新记录替换旧记录；旧的文件仍保留备查。"])
    hs.column_dimensions["A"].width = 14
    hs.column_dimensions["B"].width = 100
    for sheet in (ls, hs):
        for cell in sheet[1]:
            cell.font = bold
    save_workbook(wb, out)  # names typed as formulas stay text
    return out


def _list_names(k: LedgerKind, cat: Catalogue) -> dict[str, dict[str, str]]:
    """Names shown beside the codes of the drop-down lists (a sub-target's name, a standard's)."""
    if k.name == "special":
        return {"subtarget": {t.id: f"{s.name_zh}：{t.name_zh}（{t.year}年）" for s in cat.special_targets for t in s.subtargets}}
    if k.name == "standards":
        return {"no": {str(s.no): f"{s.name_zh}（{s.year}年，{s.responsible_unit}）" for s in cat.standards}}
    if k.name == "rectification":
        return {"problem": {p.id: p.text_zh for a in cat.problem_areas for p in a.problems}}
    return {}

"""Empty ledgers (电子台账) for the catalogue: a CSV, or an Excel workbook with drop-down lists."""

from __future__ import annotations

import csv
from pathlib import Path

from .kpi_ledger import COLUMNS, read_ledger
from ..plan.catalogue import Catalogue
from .regions import regions
from .units import GROUPS
from ..core.fileio import save_workbook

HEADERS = [zh for zh, _ in COLUMNS.values()]
INSTRUCTIONS = [
    ("用途", "填报规划关键绩效指标的实际数据，每行一个数据；填好后用 kpitrack ingest 文件名 --dataset 数据集 导入。"),
    ("指标编号", "必填。从下拉列表选择，对应“指标”工作表；指标名称可不填，填了须与编号一致。"),
    ("时期", "必填。年度数据填年份（2018）；月度或季度数据填年月（2018-06），为年初至当月累计数（均值类指标为年初至当月平均）。"
             "只有“频率”为 monthly/quarterly 的指标可填月度数据，季度指标只填3、6、9、12月。"),
    ("数值", "必填。只填数字，不要填公式、文字或单位。"),
    ("单位", "必填。与“指标”工作表的单位一致；万元/亿元、%/‰、万人/人等可自动换算。"),
    ("来源", "必填。数据出处，如统计公报、部门台账名称及日期。"),
    ("备注", "选填。口径说明等。"),
    ("数据质量", "选填：reported（正式数，默认）、preliminary（初步数）、derived（推算数）。"),
    ("口径", "选填：official（官方口径，默认）、daily-derived（由日数据推算）。"),
    ("出错时", "整个文件不导入，所有问题按“文件:行:字段: 说明”逐条列出；数据不会被改动。"),
    ("注意", "不要合并单元格，不要使用公式；可另存为 CSV UTF-8 或 Excel .xlsx。"),
]


def write_template(cat: Catalogue, out: Path, prefill: Path | None = None) -> Path:
    """Write an empty ledger (``.csv`` or ``.xlsx``); ``prefill`` copies the rows of a ledger in."""
    out = Path(out)
    rows: list[list[object]] = []
    if prefill is not None:
        led = read_ledger(prefill)
        if led.problems:
            from ..core.exceptions import ValidationError

            raise ValidationError(led.problems, "prefill ledger")
        keys = list(COLUMNS)
        rows = [[r.get(k, "") for k in keys] for _, r in led.rows]
    suffix = out.suffix.lower()
    if suffix == ".csv":
        with out.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens UTF-8 correctly
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(HEADERS)
            w.writerows(rows)
        return out
    if suffix != ".xlsx":
        raise ValueError(f"template must be .csv or .xlsx, got {out.name}")
    _write_xlsx(cat, out, rows)
    return out


def _write_xlsx(cat: Catalogue, out: Path, rows: list[list[object]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    for col, width in zip("ABCDEFGHIJ", (20, 34, 12, 10, 14, 12, 40, 30, 12, 14)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"

    ms = wb.create_sheet("指标")
    ms.append(["指标编号", "指标名称", "单位", "频率", "年初至今口径", "关键指标"])
    for k in cat.kpis:
        for m in k.measures:
            ms.append([m.id, m.name_zh, m.unit, m.frequency, m.ytd or "", f"{k.id} {k.name_zh}"])
    rs = wb.create_sheet("地区")
    rs.append(["代码", "名称", "级别"])
    for r in regions():
        rs.append([r.code, r.name_zh, r.level])
    us = wb.create_sheet("单位")
    units = sorted({m.unit for m in cat.measures} | {u for g in GROUPS for u in g})
    us.append(["单位"])
    for u in units:
        us.append([u])
    hs = wb.create_sheet("说明")
    hs.append(["项目", "说明"])
    for item in INSTRUCTIONS:
        hs.append(list(item))
    hs.column_dimensions["A"].width = 12
    hs.column_dimensions["B"].width = 110
    for sheet in (ms, rs, us, hs):
        for cell in sheet[1]:
            cell.font = bold

    n_m, n_r, n_u = len(cat.measures) + 1, len(regions()) + 1, len(units) + 1
    last = 5000
    for col, ref, title in (("A", f"'指标'!$A$2:$A${n_m}", "指标编号"), ("C", f"'地区'!$B$2:$B${n_r}", "地区"),
                            ("F", f"'单位'!$A$2:$A${n_u}", "单位"),
                            ("I", '"reported,preliminary,derived"', "数据质量"), ("J", '"official,daily-derived"', "口径")):
        dv = DataValidation(type="list", formula1=ref if ref.startswith('"') else f"={ref}", allow_blank=True,
                            showErrorMessage=True, errorTitle=title, error=f"请从下拉列表中选择{title}")
        ws.add_data_validation(dv)
        dv.add(f"{col}2:{col}{last}")
    dv = DataValidation(type="decimal", operator="between", formula1="-1E15", formula2="1E15", allow_blank=True,
                        showErrorMessage=True, errorTitle="数值", error="数值只能填数字")
    ws.add_data_validation(dv)
    dv.add(f"E2:E{last}")
    save_workbook(wb, out)  # names typed as formulas stay text

"""A plan as a spreadsheet: ``kpitrack plan template`` writes an empty one (drop-down lists for the
closed vocabularies, a sheet that explains every column), ``kpitrack plan import`` checks a filled one
and writes the catalogue, ``kpitrack plan export`` writes one back from a catalogue (a round trip).

Sheets: 规划 (the plan's name and years, as 项目/值 rows), 领域, 指标 (KPIs), 子指标 (measures, with the
end-of-plan target), 年度目标 (yearly targets), 地区 (the city and its districts; optional), 说明. Headers
are the Chinese ones of the template (the English keys are read too). Every problem is named by sheet,
row and column (``plan.xlsx:7:子指标!单位: …``); on any problem nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.exceptions import Problem, Reason, ValidationError
from .schema import DIRECTIONS, END_KINDS, FREQUENCIES, GROWTH_MODELS, NUMERIC_KINDS, VALUE_TYPES, YEARLY_KINDS, YTD_KINDS
from ..core.fileio import save_workbook


@dataclass(frozen=True)
class Col:
    key: str
    zh: str
    required: bool
    help_zh: str
    choices: tuple[str, ...] = ()


PLAN_ROWS = (
    Col("name_zh", "规划名称", True, "规划全称，含城市名，如“宁波市‘十四五’绩效管理规划”"),
    Col("name_en", "英文名称", True, "规划的英文名"),
    Col("title_zh", "标题用名称", False, "文件标题中的规划名（不含城市），如“‘十四五’绩效管理规划”；不填则用规划名称"),
    Col("short_zh", "规划期简称", False, "如“十四五”"),
    Col("base_year", "基期年份", True, "规划期前一年，目标从这一年的数据起算，如2020"),
    Col("start_year", "起始年份", True, "如2021"),
    Col("end_year", "终止年份", True, "如2025"),
    Col("last_target_year", "目标最晚年份", False, "节点目标可晚于规划期；不填则为终止年份"),
    Col("extra_units", "新增单位", False, "本规划用到、kpitrack 单位表中没有的单位，用“、”分隔"),
)
SHEETS: dict[str, tuple[Col, ...]] = {
    "领域": (Col("domain", "领域编号", True, "英文小写，如 economy"), Col("name_zh", "领域名称", True, ""),
           Col("name_en", "英文名称", True, "")),
    "指标": (Col("kpi", "指标编号", True, "如 K01；子指标编号以它开头"), Col("domain", "领域编号", True, "见“领域”工作表"),
           Col("name_zh", "指标名称", True, ""), Col("name_en", "英文名称", True, ""),
           Col("target_text_zh", "规划目标（原文）", True, "规划文本对期末目标的表述"),
           Col("yearly_text_zh", "年度目标（原文）", True, "规划文本对年度目标的表述；没有写“无”"),
           Col("responsible", "责任单位", True, "多个单位用“；”分隔（单位名中可以有“、”，如“各区、县（市）政府”）"), Col("seed_line", "原文行号", False, "规划文本中的行号（出处，选填）")),
    "子指标": (Col("measure", "子指标编号", True, "指标编号加“.”和英文名，如 K01.gdp"), Col("kpi", "指标编号", True, "见“指标”工作表"),
            Col("name_zh", "子指标名称", True, ""), Col("name_en", "英文名称", True, ""), Col("unit", "单位", True, "见“清单”工作表"),
            Col("direction", "方向", True, "higher：越高越好；lower：越低越好", DIRECTIONS),
            Col("value_type", "数值类型", True, "level：水平值；rate：增速或比率；flow：逐年流量", VALUE_TYPES),
            Col("growth_model", "增长方式", True, "compound：按年增长率；linear：按年增加量", GROWTH_MODELS),
            Col("frequency", "频率", False, "annual（默认）、quarterly、monthly", FREQUENCIES),
            Col("ytd", "年初至今口径", False, "月度、季度指标：sum 累计、mean 平均、rate 增速", YTD_KINDS),
            Col("end_kind", "期末目标类型", True, "level 达到、floor 不低于、ceiling 不高于、cumulative 累计、average 年均、"
                                               "assigned 上级下达、qualitative 定性、none 无", END_KINDS),
            Col("end_year", "期末目标年份", True, "通常为规划终止年份"), Col("end_value", "期末目标值", False, "数值类目标必填"),
            Col("end_years", "期末目标覆盖年份", False, "累计或年均目标的年份，如 2021-2025"),
            Col("end_text_zh", "期末目标（原文）", True, ""), Col("approx", "约数", False, "目标为“左右”时填 yes", ("yes", "no")),
            Col("strict", "严格", False, "目标为“超过”“低于”（不含等于）时填 yes", ("yes", "no")),
            Col("base_value", "基期值", False, "规划文本给出的基期数值（选填）"), Col("base_text_zh", "基期值（原文）", False, "")),
    "年度目标": (Col("measure", "子指标编号", True, "见“子指标”工作表"),
             Col("years", "年份", True, "一年（2023）、几年（2021、2023）或一段（2021-2025）"),
             Col("kind", "类型", True, "level、average、growth、increment、annual_increment、floor、ceiling、assigned、qualitative",
                 YEARLY_KINDS),
             Col("value", "目标值", False, "数值类目标必填"), Col("text_zh", "原文", True, ""), Col("note_zh", "备注", False, "")),
    "地区": (Col("code", "代码", True, "行政区划代码"), Col("name_zh", "名称", True, ""), Col("name_en", "英文名称", True, ""),
           Col("level", "级别", True, "city（全市，一行）、district、county、county-level city", ("city", "district", "county", "county-level city")),
           Col("aliases", "别名", False, "用“;”分隔"), Col("note", "备注", False, "")),
}


def _text(v: Any) -> str:
    if v is None:
        return ""
    if hasattr(v, "text") and hasattr(v, "ref"):  # an array formula: its text (refused as a formula)
        v = v.text
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _years(text: str) -> list[int] | None:
    t = text.replace("—", "-").replace("–", "-").replace("，", "、").replace(",", "、").replace(" ", "")
    if re.fullmatch(r"\d{4}-\d{4}", t):
        a, b = (int(x) for x in t.split("-"))
        return list(range(a, b + 1)) if a <= b else None
    parts = [p for p in t.split("、") if p]
    return [int(p) for p in parts] if parts and all(re.fullmatch(r"\d{4}", p) for p in parts) else None


def _number(text: str) -> float | None:
    from ..core.input_files import parse_number

    return parse_number(text)  # "3,5" and "3.000,5" refused, never read as 35 or 3.0005


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.shown = path.name
        self.problems: list[Problem] = []

    def bad(self, row: int | None, sheet: str, column: str, message: str, reason: Reason = Reason.INCONSISTENT) -> None:
        self.problems.append(Problem(self.shown, row, f"{sheet}!{column}", message, reason))

    def rows(self, wb, sheet: str, required: bool = True) -> list[tuple[int, dict[str, str]]]:
        cols = SHEETS[sheet]
        if sheet not in wb.sheetnames:
            if required:
                self.bad(None, sheet, "-", "the sheet is missing", Reason.MISSING)
            return []
        ws = wb[sheet]
        if ws.sheet_state != "visible" and any(c.value is not None for c in ws._cells.values()):
            self.bad(None, sheet, "-", "the sheet is hidden: unhide it, so that what is imported is what you see", Reason.NOT_ALLOWED)
            return []
        from ..core.input_files import sheet_rows, shown_number

        # the one reader of sheets: hidden rows and columns, merged cells, formulas, NUL and over-long
        # cells refused; a percent cell read as shown (3.5%, never 0.035)
        rows = sheet_rows(ws, lambda r, f, m, why: self.bad(r, sheet, f, m, why), max_columns=60, max_cell=4000)
        if rows is None:
            return []
        numbered = [r for r, _ in rows]
        table = [[_text(shown_number(c) if shown_number(c) is not None else c.value) for c in cells] for _, cells in rows]
        if not table:
            if required:
                self.bad(1, sheet, "-", "the sheet is empty", Reason.MISSING)
            return []
        names = {c.zh: c.key for c in cols} | {c.key: c.key for c in cols}
        header = [names.get(h) for h in table[0]]
        for h, k in zip(table[0], header):
            if h and k is None:
                self.bad(1, sheet, h, f"unknown column; the sheet's are {'、'.join(c.zh for c in cols)}", Reason.UNKNOWN_FIELD)
        for c in cols:
            if c.required and c.key not in header:
                self.bad(1, sheet, c.zh, "missing column", Reason.MISSING)
        out = []
        for i, values in zip(numbered[1:], table[1:]):  # the workbook's own row numbers
            if not any(values):
                continue
            r = {k: (values[j] if j < len(values) else "") for j, k in enumerate(header) if k}
            for c in cols:
                v = r.get(c.key, "")
                if c.required and not v:
                    self.bad(i, sheet, c.zh, "required, and empty", Reason.MISSING)
                elif v and c.choices and v not in c.choices:
                    self.bad(i, sheet, c.zh, f"{v!r} is not one of {', '.join(c.choices)}", Reason.NOT_ALLOWED)
            out.append((i, r))
        return out


#: The most rows a sheet of a plan workbook may hold (a plan has tens of KPIs and hundreds of yearly targets).
MAX_PLAN_ROWS = 10_000


def read_plan(path: Path) -> tuple[dict, dict, list[dict] | None]:
    """(plan.yaml's content, kpis.yaml's content, the regions or None) from a filled spreadsheet;
    a ValidationError lists every problem by sheet, row and column."""
    from openpyxl import load_workbook

    from ..core.input_files import refusal

    path = Path(path)
    rd = _Reader(path)
    if (found := refusal(path, MAX_PLAN_ROWS, "plan workbook")) is not None:  # before openpyxl trusts its size
        raise ValidationError([Problem(path.name, None, found[0], found[1], Reason.UNREADABLE)], "plan import")
    try:
        wb = load_workbook(path, data_only=False)  # the size was checked first (refusal), so a full load is bounded
    except Exception as exc:  # not a workbook, truncated, encrypted: one problem, nothing written
        raise ValidationError([Problem(path.name, None, "-", f"cannot read the plan workbook ({exc.__class__.__name__}: {exc})",
                                       Reason.UNREADABLE)], "plan import") from None
    for ws in wb.worksheets:  # nothing in the workbook is silently ignored: a sheet of its own, or hidden, is refused
        if ws.title not in (*SHEETS, "规划", "清单", "说明") and any(c.value is not None and str(c.value).strip()
                                                                for c in ws._cells.values()):
            rd.bad(None, ws.title, "-", f"sheet {ws.title!r} holds data a plan workbook has no place for (its sheets: "
                                        f"规划、{'、'.join(SHEETS)}): move it into them or delete the sheet", Reason.UNKNOWN_FIELD)
    if "规划" in wb.sheetnames and wb["规划"].sheet_state != "visible":
        rd.bad(None, "规划", "-", "the sheet is hidden: unhide it, so that what is imported is what you see", Reason.NOT_ALLOWED)
    plan = _plan_sheet(wb, rd)
    first, last = plan.get("start_year"), plan.get("last_target_year") or plan.get("end_year")
    base = plan.get("base_year")
    target_years = range(first, last + 1) if isinstance(first, int) and isinstance(last, int) else None
    from .schema import plan_units

    units = set(plan_units()) | set(plan.get("extra_units", []))
    domains = [{"id": r["domain"], "name_zh": r["name_zh"], "name_en": r["name_en"]} for _, r in rd.rows(wb, "领域")]
    domain_ids = {d["id"] for d in domains}
    kpis: dict[str, dict] = {}
    kpi_sheet = rd.rows(wb, "指标")
    for i, r in kpi_sheet:
        if r.get("domain") and r["domain"] not in domain_ids:
            rd.bad(i, "指标", "领域编号", f"{r['domain']!r} is not a domain of the 领域 sheet", Reason.UNKNOWN_REFERENCE)
        if r.get("kpi") in kpis:
            rd.bad(i, "指标", "指标编号", f"{r['kpi']!r} is listed twice", Reason.DUPLICATE)
        k = {"id": r.get("kpi", ""), "domain": r.get("domain", ""), "name_zh": r.get("name_zh", ""), "name_en": r.get("name_en", ""),
             "target_text_zh": r.get("target_text_zh", ""), "yearly_text_zh": r.get("yearly_text_zh", ""),
             "responsible": [u.strip() for u in re.split(r"[;；\n]", r.get("responsible", "")) if u.strip()], "measures": []}
        if r.get("seed_line"):
            if (r["seed_line"].isascii() and r["seed_line"].isdigit()):
                k["seed_line"] = int(r["seed_line"])
            else:
                rd.bad(i, "指标", "原文行号", f"{r['seed_line']!r} is not a line number", Reason.WRONG_TYPE)
        kpis[k["id"]] = k
    measures: dict[str, dict] = {}
    for i, r in rd.rows(wb, "子指标"):
        mid, kid = r.get("measure", ""), r.get("kpi", "")
        if kid and kid not in kpis:
            rd.bad(i, "子指标", "指标编号", f"{kid!r} is not a KPI of the 指标 sheet", Reason.UNKNOWN_REFERENCE)
        elif mid and not mid.startswith(kid + "."):
            rd.bad(i, "子指标", "子指标编号", f"{mid!r} must start with its KPI's id {kid + '.'!r}", Reason.INCONSISTENT)
        if mid in measures:
            rd.bad(i, "子指标", "子指标编号", f"{mid!r} is listed twice", Reason.DUPLICATE)
        if r.get("unit") and r["unit"] not in units:
            rd.bad(i, "子指标", "单位", f"unknown unit {r['unit']!r}: choose one of the 清单 sheet, or add it to 规划!新增单位",
                   Reason.NOT_ALLOWED)
        freq = r.get("frequency") or "annual"
        if freq != "annual" and not r.get("ytd"):
            rd.bad(i, "子指标", "年初至今口径", "a monthly or quarterly measure needs its year-to-date kind", Reason.MISSING)
        if freq == "annual" and r.get("ytd"):
            rd.bad(i, "子指标", "年初至今口径", "only a monthly or quarterly measure has one", Reason.INCONSISTENT)
        end = {"year": None, "kind": r.get("end_kind", ""), "text_zh": r.get("end_text_zh", "")}
        year = r.get("end_year", "")
        if year:
            if not (year.isascii() and year.isdigit()) or (target_years is not None and int(year) not in target_years):
                rd.bad(i, "子指标", "期末目标年份", f"{year!r} is not a year of the plan ({first}-{last})", Reason.OUT_OF_RANGE)
            else:
                end["year"] = int(year)
        _value(rd, i, "子指标", "期末目标值", r.get("end_value", ""), end["kind"], end)
        if r.get("end_years"):
            ys = _years(r["end_years"])
            if ys is None or (target_years is not None and any(y not in target_years for y in ys)):
                rd.bad(i, "子指标", "期末目标覆盖年份", f"{r['end_years']!r} is not a span of plan years such as {first}-{last}",
                       Reason.WRONG_TYPE)
            else:
                end["years"] = ys
        if (r.get("approx") or "no") == "yes":
            end["approx"] = True
        if (r.get("strict") or "no") == "yes":
            end["strict"] = True
        m = {"id": mid, "name_zh": r.get("name_zh", ""), "name_en": r.get("name_en", ""), "unit": r.get("unit", ""),
             "direction": r.get("direction", ""), "value_type": r.get("value_type", ""), "growth_model": r.get("growth_model", ""),
             "end_target": end, "yearly_targets": []}
        if freq != "annual":
            m["frequency"], m["ytd"] = freq, r.get("ytd", "")
        if r.get("base_value"):
            v = _number(r["base_value"])
            if v is None:
                rd.bad(i, "子指标", "基期值", f"{r['base_value']!r} is not a number", Reason.WRONG_TYPE)
            else:
                m["implied_base"] = {"year": base, "value": v, "text_zh": r.get("base_text_zh") or f"{base}年基期值"}
        measures[mid] = m
        if kid in kpis:
            kpis[kid]["measures"].append(m)
    for i, r in rd.rows(wb, "年度目标", required=False):
        mid = r.get("measure", "")
        if mid not in measures:
            rd.bad(i, "年度目标", "子指标编号", f"{mid!r} is not a measure of the 子指标 sheet", Reason.UNKNOWN_REFERENCE)
            continue
        ys = _years(r.get("years", ""))
        if ys is None or (target_years is not None and any(y not in target_years for y in ys)):
            rd.bad(i, "年度目标", "年份", f"{r.get('years')!r} is not a year or span of the plan ({first}-{last})", Reason.OUT_OF_RANGE)
            continue
        taken = {y for t in measures[mid]["yearly_targets"] for y in t["years"]}
        if taken & set(ys):
            rd.bad(i, "年度目标", "年份", f"{mid} has a yearly target for {sorted(taken & set(ys))} already", Reason.DUPLICATE)
        t = {"years": ys, "kind": r.get("kind", ""), "text_zh": r.get("text_zh", "")}
        _value(rd, i, "年度目标", "目标值", r.get("value", ""), t["kind"], t)
        if r.get("note_zh"):
            t["note_zh"] = r["note_zh"]
        measures[mid]["yearly_targets"].append(t)
    kpi_rows = {r.get("kpi"): i for i, r in reversed(kpi_sheet)}  # the sheet read once (it was read once per KPI: quadratic)
    for kid, k in kpis.items():
        if not k["measures"]:
            rd.bad(kpi_rows.get(kid), "指标", "指标编号", f"{kid} has no measure in the 子指标 sheet", Reason.MISSING)
    region_rows = rd.rows(wb, "地区", required=False)
    regions = None
    if region_rows:
        from ..core.paths import REGION_CODE

        regions = [{c.key: r.get(c.key, "") for c in SHEETS["地区"]} for _, r in region_rows]
        seen: dict[str, int] = {}
        for i, r in region_rows:  # a code names files (the bulletins): never a path, never twice
            code = r.get("code", "")
            if code and not REGION_CODE.fullmatch(code):
                rd.bad(i, "地区", "代码", f"{code!r} is not a region code (letters and digits, such as 330102)", Reason.WRONG_TYPE)
            elif code in seen:
                rd.bad(i, "地区", "代码", f"{code!r} is already row {seen[code]}", Reason.DUPLICATE)
            seen.setdefault(code, i)
        if sum(1 for r in regions if r["level"] == "city") != 1:
            rd.bad(None, "地区", "级别", "exactly one row of level city is needed", Reason.INCONSISTENT)
    if rd.problems:
        raise ValidationError(sorted(rd.problems, key=lambda p: (p.field.split("!")[0], p.row or 0)),
                              f"plan {path.name} refused: nothing was written; plan validation")
    return plan, {"domains": domains, "kpis": list(kpis.values())}, regions


def _value(rd: _Reader, row: int, sheet: str, column: str, text: str, kind: str, into: dict) -> None:
    if kind in NUMERIC_KINDS:
        v = _number(text) if text else None
        if v is None:
            rd.bad(row, sheet, column, f"a {kind} target needs a number, got {text!r}" if text else f"a {kind} target needs a number",
                   Reason.MISSING if not text else Reason.WRONG_TYPE)
        else:
            into["value"] = v
    elif text:
        rd.bad(row, sheet, column, f"a {kind or 'non-numeric'} target takes no value", Reason.INCONSISTENT)


def _plan_sheet(wb, rd: _Reader) -> dict:
    if "规划" not in wb.sheetnames:
        rd.bad(None, "规划", "-", "the sheet is missing", Reason.MISSING)
        return {}
    names = {c.zh: c for c in PLAN_ROWS} | {c.key: c for c in PLAN_ROWS}
    found: dict[str, tuple[int, str]] = {}
    ws = wb["规划"]
    for i, r in enumerate(ws.iter_rows(values_only=True), start=1):
        item, value = (_text(r[0]) if r else ""), (_text(r[1]) if r and len(r) > 1 else "")
        if i == 1 or not item:
            continue
        if item not in names:
            rd.bad(i, "规划", "项目", f"unknown item {item!r}; the items are {'、'.join(c.zh for c in PLAN_ROWS)}", Reason.UNKNOWN_FIELD)
            continue
        found[names[item].key] = (i, value)
    plan: dict[str, Any] = {}
    for c in PLAN_ROWS:
        row, value = found.get(c.key, (None, ""))
        if not value:
            if c.required:
                rd.bad(row, "规划", c.zh, "required, and empty" if row else "missing", Reason.MISSING)
            continue
        if c.key.endswith("_year"):
            if not (value.isascii() and value.isdigit()):
                rd.bad(row, "规划", c.zh, f"{value!r} is not a year", Reason.WRONG_TYPE)
                continue
            plan[c.key] = int(value)
        elif c.key == "extra_units":
            plan[c.key] = [u.strip() for u in re.split(r"[、;；,，]", value) if u.strip()]
        else:
            plan[c.key] = value
    if all(k in plan for k in ("base_year", "start_year", "end_year")):
        last = plan.get("last_target_year", plan["end_year"])
        if not plan["base_year"] < plan["start_year"] <= plan["end_year"] <= last:
            rd.bad(found.get("end_year", (None, ""))[0], "规划", "终止年份", "the years must run 基期 < 起始 <= 终止 <= 目标最晚年份",
                   Reason.INCONSISTENT)
    return plan


# ------------------------------------------------------------------ writing: template and export

HELP_ROWS = (
    ("用途", "用这个工作簿填写一个规划：名称和年份、领域、关键绩效指标、子指标和期末目标、年度目标、地区；"
             "填好后 kpitrack plan import 文件名 --workspace 目录 导入。"),
    ("出错时", "整个工作簿不导入，所有问题按“文件:行:工作表!列: 说明”逐条列出；原有规划不被改动。"),
    ("回写", "kpitrack plan export --out 文件名 把工作区现有的规划写成同样的工作簿。"),
)


def write_plan_book(out: Path, plan: dict | None = None, kpis_doc: dict | None = None, regions: list[dict] | None = None) -> Path:
    """A plan workbook: empty (the template) or filled from a catalogue's content (export)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from .schema import plan_units

    wb = Workbook()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    ws = wb.active
    ws.title = "规划"
    ws.append(["项目", "值", "说明"])
    for c in PLAN_ROWS:
        v = (plan or {}).get(c.key, "")
        ws.append([c.zh, "、".join(v) if isinstance(v, list) else v, ("必填。" if c.required else "选填。") + c.help_zh])
    rows_by_sheet: dict[str, list[list[Any]]] = {name: [] for name in SHEETS}
    if kpis_doc:
        rows_by_sheet["领域"] = [[d["id"], d["name_zh"], d["name_en"]] for d in kpis_doc["domains"]]
        for k in kpis_doc["kpis"]:
            rows_by_sheet["指标"].append([k["id"], k["domain"], k["name_zh"], k["name_en"], k["target_text_zh"], k["yearly_text_zh"],
                                        "；".join(k["responsible"]), k.get("seed_line", "")])
            for m in k["measures"]:
                e = m["end_target"]
                b = m.get("implied_base") or {}
                rows_by_sheet["子指标"].append([m["id"], k["id"], m["name_zh"], m["name_en"], m["unit"], m["direction"], m["value_type"],
                                             m["growth_model"], m.get("frequency", ""), m.get("ytd", ""), e["kind"], e["year"],
                                             e.get("value", ""), _span(e.get("years")), e["text_zh"], "yes" if e.get("approx") else "", "yes" if e.get("strict") else "",
                                             b.get("value", ""), b.get("text_zh", "")])
                for t in m.get("yearly_targets", []):
                    rows_by_sheet["年度目标"].append([m["id"], _span(t["years"]), t["kind"], t.get("value", ""), t["text_zh"],
                                                  t.get("note_zh", "")])
    if regions:
        rows_by_sheet["地区"] = [[r.get(c.key, "") for c in SHEETS["地区"]] for r in regions]
    lists = wb.create_sheet("清单")
    lists.append(["单位"])
    for u in plan_units():
        lists.append([u])
    for name, cols in SHEETS.items():
        sh = wb.create_sheet(name)
        sh.append([c.zh for c in cols])
        for r in rows_by_sheet[name]:
            sh.append(r)
        for j, c in enumerate(cols, start=1):
            letter = get_column_letter(j)
            sh.column_dimensions[letter].width = max(10, min(36, len(c.zh) * 3))
            if c.choices:
                dv = DataValidation(type="list", formula1='"' + ",".join(c.choices) + '"', allow_blank=not c.required,
                                    showErrorMessage=True, errorTitle=c.zh, error=f"请从下拉列表中选择{c.zh}")
                sh.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}2000")
            if c.key == "unit":
                dv = DataValidation(type="list", formula1=f"='清单'!$A$2:$A${len(plan_units()) + 1}", allow_blank=False, showErrorMessage=False)
                sh.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}2000")
        sh.freeze_panes = "A2"
    help_ = wb.create_sheet("说明")
    help_.append(["工作表", "列", "说明"])
    for item, text in HELP_ROWS:
        help_.append([item, "", text])
    for c in PLAN_ROWS:
        help_.append(["规划", c.zh, ("必填。" if c.required else "选填。") + c.help_zh])
    for name, cols in SHEETS.items():
        for c in cols:
            help_.append([name, c.zh, ("必填。" if c.required else "选填。") + c.help_zh
                          + (f"（可选：{'、'.join(c.choices)}）" if c.choices else "")])
    help_.column_dimensions["C"].width = 100
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
    save_workbook(wb, out)  # names typed as formulas stay text
    return Path(out)


def _span(years) -> str:
    if not years:
        return ""
    ys = list(years)
    if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}-{ys[-1]}"
    return "、".join(str(y) for y in ys)

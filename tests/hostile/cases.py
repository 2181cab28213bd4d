"""The hostile corpus: what careless and hostile users have fed kpitrack (issue 8), one case each.

A case builds its input files in a scratch folder and returns the command line; the test runs it
and checks the exit code, a message naming the file and the row or field, no traceback, and
``data/`` byte for byte as it was. Cases that must be *read correctly* (not refused) are in
``ACCEPTED`` with the figure they must store.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

HEADER = "指标编号,指标名称,地区,时期,数值,单位,来源,备注"
XHEADER = ["指标编号", "指标名称", "地区", "时期", "数值", "单位", "来源", "备注"]


def csv_file(tmp: Path, *rows: str, name: str = "台账.csv", encoding: str = "utf-8") -> Path:
    p = tmp / name
    p.write_text("\n".join([HEADER, *rows]) + "\n", encoding=encoding)
    return p


def xlsx_file(tmp: Path, rows: list[list[object]], name: str = "台账.xlsx",
              tweak: Callable[[openpyxl.Workbook], None] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(XHEADER)
    for r in rows:
        ws.append(r)
    if tweak:
        tweak(wb)
    p = tmp / name
    wb.save(p)
    return p


INCOME = ["K12.income", "全体居民人均可支配收入", "杭州市", "2017", 49832, "元", "杭州统计年鉴2018", ""]


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], list[str]]   # scratch folder -> the kpitrack arguments
    exit_code: int
    message: str                         # a regex the error output must match
    names_file: bool = True              # the message starts with the file's path


def _ingest(path: Path, *extra: str) -> list[str]:
    return ["ingest", str(path), *extra]


def _second_sheet(wb):
    ws = wb.create_sheet("补充")
    ws.append(XHEADER)
    ws.append(["K12.income", "", "西湖区", "2017", 52000, "元", "区统计局", ""])


def _hidden_sheet(wb):
    ws = wb.create_sheet("草稿")
    ws.append(["K12.income", "", "杭州市", "2016", 1, "元", "草稿", ""])
    ws.sheet_state = "hidden"


def _hidden_row(wb):
    wb["台账"].row_dimensions[3].hidden = True


def _percent_cell(wb):
    wb["台账"]["E2"].number_format = "0.0%"


def _array_formula(wb):
    wb["台账"]["E2"] = ArrayFormula("E2", "=SUM(A1:A3*B1:B3)")


def _many_empty_rows(wb):
    ws = wb["台账"]
    for r in range(3, 60_005):
        ws.cell(row=r, column=1).number_format = "0.00"  # a formatted, empty cell makes the row count
        ws.cell(row=r, column=1).value = None
    ws.cell(row=60_004, column=1).value = " "


def _fifo(tmp: Path) -> Path:
    p = tmp / "台账.csv"
    os.mkfifo(p)
    return p


def _params(tmp: Path, text: str) -> Path:
    p = tmp / "midterm-hostile.yaml"
    p.write_text(text, encoding="utf-8")
    return p


CASES = [
    # data loss
    Case("overflow to infinity", lambda t: _ingest(csv_file(t, "K12.income,,杭州市,2017,1e308,万元,来源,")),
         2, r":2:value: .*not a finite number"),
    Case("implausibly large", lambda t: _ingest(csv_file(t, "K12.income,,杭州市,2017,4983200000,元,来源,")),
         2, r":2:value: .*more than 100 times the largest value known"),
    Case("implausibly small city figure", lambda t: _ingest(csv_file(t, "K12.income,,杭州市,2017,4.98,元,来源,")),
         2, r":2:value: .*less than 1/100 of the smallest value known"),
    Case("decimal comma", lambda t: _ingest(csv_file(t, 'K12.income,,杭州市,2016,"46.116,5",元,来源,')),
         2, r":2:value: value '46.116,5' uses a decimal comma: write 46116.5"),
    Case("thousands not in threes", lambda t: _ingest(csv_file(t, 'K12.income,,杭州市,2016,"4,61,16",元,来源,')),
         2, r":2:value: .*thousands separators must group three digits"),
    Case("two decimal points", lambda t: _ingest(csv_file(t, "K12.income,,杭州市,2016,46.116.5,元,来源,")),
         2, r":2:value: .*more than one decimal point"),
    Case("percent cell with another unit", lambda t: _ingest(xlsx_file(
        t, [["K02.tax_share", "", "杭州市", "2017", 0.86, "亿元", "财政局", ""]], tweak=_percent_cell)),
         2, r":2:value: the cell is formatted as a percentage \(it shows 86%\) but the unit is '亿元'"),
    Case("period typed as a number", lambda t: _ingest(xlsx_file(
        t, [["K08.pm25", "", "杭州市", 2018.1, 45.2, "μg/m³", "环境局", ""]])),
         2, r":2:period: period typed as the number 2018.1: is it 2018-01 or 2018-10\?"),
    Case("second sheet with figures", lambda t: _ingest(xlsx_file(t, [INCOME], tweak=_second_sheet)),
         2, r"::补充: sheet '补充' also holds data, which would be ignored"),
    Case("hidden sheet", lambda t: _ingest(xlsx_file(t, [INCOME], tweak=_hidden_sheet)),
         2, r"::草稿: sheet '草稿' is hidden and holds data"),
    Case("hidden row", lambda t: _ingest(xlsx_file(
        t, [INCOME, ["K12.income", "", "杭州市", "2016", 46116, "元", "年鉴", ""]], tweak=_hidden_row)),
         2, r":3:-: row 3 of sheet '台账' is hidden"),
    Case("unknown sheet named", lambda t: _ingest(xlsx_file(t, [INCOME]), "--sheet", "Sheet9"),
         2, r"::sheet: no sheet 'Sheet9' in the workbook"),
    # security
    Case("dataset outside data/", lambda t: _ingest(csv_file(t, ",".join(map(str, INCOME))), "--dataset", "../../x"),
         2, r"unknown dataset '../../x'", names_file=False),
    Case("dataset as an absolute path", lambda t: _ingest(csv_file(t, ",".join(map(str, INCOME))), "--dataset", str(t)),
         2, r"unknown dataset '/", names_file=False),
    Case("60,000 empty rows", lambda t: _ingest(xlsx_file(t, [INCOME], tweak=_many_empty_rows)),
         2, r"::台账: sheet '台账' has more than 50,000 rows: a ledger is capped at 50,000 figures"),
    # unclear messages
    Case("a 1 MB cell", lambda t: _ingest(csv_file(t, "K12.income,,杭州市,2016,46116,元,来源," + "x" * 1_000_000)),
         2, r":\d+:-: a cell longer than 131,072 characters"),
    Case("a 20 kB cell", lambda t: _ingest(csv_file(t, "K12.income,,杭州市,2016,46116,元,来源," + "x" * 20_000)),
         2, r":2:note: a cell of 20,000 characters"),
    Case("UTF-16 text", lambda t: _ingest(csv_file(t, ",".join(map(str, INCOME)), encoding="utf-16")),
         2, r"::-: the file is UTF-16 text"),
    Case("a directory", lambda t: _ingest(t), 2, r"::-: this is a directory, not a ledger file"),
    Case("a FIFO", lambda t: _ingest(_fifo(t)), 2, r"::-: not a regular file"),
    Case("a device", lambda t: _ingest(Path("/dev/zero")), 2, r"::-: not a regular file"),
    Case("an array formula", lambda t: _ingest(xlsx_file(t, [INCOME], tweak=_array_formula)),
         2, r":2:E2: array formula '=SUM\(A1:A3\*B1:B3\)' in cell E2"),
    Case("many bad rows, capped list", lambda t: _ingest(csv_file(t, *["K12.income,,杭州市,2017,abc,元,来源,"] * 3000)),
         2, r"failed with [\d,]{5} problem\(s\):(\n  .*){50}\n  \.\.\. and [\d,]{5} more problem\(s\) \(by field: \S+ [\d,]+"),
    # bad parameters: refused before any work, exit 2
    Case("impossible date in a parameter file", lambda t: ["run", str(_params(t, "as_of: 2018\ndata_as_of: 2019-02-30\n"))],
         2, r"parameter data_as_of: '2019-02-30' is not a calendar date"),
    Case("a directory as parameter file", lambda t: ["run", str(t)], 2, r": this is a directory"),
    Case("unknown output format", lambda t: ["run", str(_params(t, "as_of: 2018\n")), "--to", "docx"],
         2, r"unknown output format\(s\) docx", names_file=False),
    Case("unknown renderer", lambda t: ["run", str(_params(t, "as_of: 2018\n")), "--renderer", "evil"],
         2, r"unknown renderer 'evil'", names_file=False),
    Case("-p without =", lambda t: ["run", str(_params(t, "as_of: 2018\n")), "-p", "as_of"],
         2, r"-p expects name=value", names_file=False),
    Case("status into a directory", lambda t: ["status", "--as-of", "2018", "--out", str(t)],
         2, r"--out .*: this is a directory", names_file=False),
    Case("year-end with an impossible date", lambda t: ["year-end", "K08.pm25", "2018-06", "--data-as-of", "2019-02-30"],
         2, r"--data-as-of: .*'2019-02-30' is not a calendar date", names_file=False),
    Case("year-end with a bad period", lambda t: ["year-end", "K08.pm25", "2018-13"],
         2, r"period must be YYYY-MM", names_file=False),
    Case("year-end with an unknown region", lambda t: ["year-end", "K08.pm25", "2018-06", "--region", "火星"],
         2, r"unknown region '火星'", names_file=False),
    Case("year-end with a yearly measure", lambda t: ["year-end", "K06.national_leaders", "2018-06"],
         2, r"K06.national_leaders has no year-to-date totals or means", names_file=False),
]


@dataclass(frozen=True)
class Accepted:
    """A file that must be read as the user sees it, and the figure that must be stored."""

    name: str
    build: Callable[[Path], Path]
    measure_id: str
    period: str
    value: float


def _period_two_decimals(wb):
    wb["台账"]["D2"].number_format = "0.00"


ACCEPTED = [
    Accepted("percent cell with unit %", lambda t: xlsx_file(
        t, [["K02.tax_share", "", "杭州市", "2017", 0.862, "%", "财政局", ""]], tweak=_percent_cell), "K02.tax_share", "2017", 86.2),
    Accepted("period 2018.10 shown with two decimals", lambda t: xlsx_file(
        t, [["K08.pm25", "", "杭州市", 2018.1, 45.2, "μg/m³", "环境局", ""]], tweak=_period_two_decimals), "K08.pm25", "2018-10", 45.2),
    Accepted("thousands separators in threes", lambda t: csv_file(
        t, 'K12.income,,杭州市,2016,"46,116.5",元,来源,'), "K12.income", "2016", 46116.5),
    Accepted("full-width thousands comma", lambda t: csv_file(
        t, 'K12.income,,杭州市,2016,"46，116",元,来源,'), "K12.income", "2016", 46116.0),
]


# --------------------------------------------------------------------------- round 2 (issue 20)

def _literal_percent(fmt: str):
    def tweak(wb):
        wb["台账"]["E2"].number_format = fmt
    return tweak


def _hidden_group(wb):
    ws = wb["台账"]
    ws["I2"] = "看不见的说明"
    from openpyxl.worksheet.dimensions import ColumnDimension

    ws.column_dimensions["H"] = ColumnDimension(ws, min=8, max=11, hidden=True)  # <col min=8 max=11 hidden=1>


GROWTH = ["K02.revenue_growth", "", "杭州市", "2018", 12.5, "%", "财政局", ""]

CASES += [
    Case("a growth rate of 1e300 %", lambda t: _ingest(csv_file(t, "K02.revenue_growth,,杭州市,2018,1e300,%,财政局,")),
         2, r":value: 1e\+300 is not possible for a growth rate"),
    Case("a growth rate of -1e300 %", lambda t: _ingest(csv_file(t, "K01.gdp_growth,,杭州市,2018,-1e300,%,统计局,")),
         2, r":value: -1e\+300 is not possible for a growth rate"),
    Case("library hours beyond a week", lambda t: _ingest(csv_file(t, "K17.library_hours,,杭州市,2018,1e300,小时/周,文广局,")),
         2, r"not possible for a figure in 小时/周"),
    Case("period 2018.1 as text (Excel's 2018.10)", lambda t: _ingest(csv_file(t, "K08.pm25,,杭州市,2018.1,45.2,μg/m³,环境局,")),
         2, r":period: period '2018\.1': is it 2018-01 or 2018-10"),
    Case("period 2018-00", lambda t: _ingest(csv_file(t, "K12.income,,杭州市,2018-00,54348,元,统计局,")),
         2, r":period: period '2018-00' is not a year"),
    Case("city-wide GDP of 0", lambda t: _ingest(csv_file(t, "K01.gdp_nominal,,杭州市,2018,0,亿元,统计局,")),
         2, r":value: 0 for the whole city's K01.gdp_nominal, which cannot be 0"),
    Case("hidden columns in a group", lambda t: _ingest(xlsx_file(t, [INCOME], tweak=_hidden_group)),
         2, r"column I of sheet '台账' is hidden"),
]

ACCEPTED += [
    Accepted('literal percent format 0.0"%"', lambda t: xlsx_file(t, [GROWTH], tweak=_literal_percent('0.0"%"')),
             "K02.revenue_growth", "2018", 12.5),
    Accepted("literal percent format 0.0\\%", lambda t: xlsx_file(t, [GROWTH], tweak=_literal_percent("0.0\\%")),
             "K02.revenue_growth", "2018", 12.5),
]


def _far_cell(wb):
    wb["台账"]["XFD50000"] = " "  # one blank cell far away: the sheet's dimension says A1:XFD50000


def _long_xlsx_cell(wb):
    wb["台账"]["H2"] = "x" * 32_767


def _empty_rows_400k(path: Path) -> Path:
    """A workbook with 400,000 empty <row/> elements written straight into its XML (2 MB packed)."""
    import zipfile

    src = xlsx_file(path, [INCOME], name="base.xlsx")
    out = path / "台账.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                rows = "".join(f'<row r="{i}"/>' for i in range(3, 400_003)).encode()
                data = data.replace(b"</sheetData>", rows + b"</sheetData>")
            zout.writestr(item, data)
    return out


CASES += [
    Case("one blank cell at XFD50000", lambda t: _ingest(xlsx_file(t, [INCOME], tweak=_far_cell)),
         2, r"cell XFD50000 lies beyond column CV"),
    Case("400,000 empty rows written into the XML", lambda t: _ingest(_empty_rows_400k(t)),
         2, r"sheet '台账' has more than 50,000 rows"),
    Case("an xlsx cell of 32,767 characters", lambda t: _ingest(xlsx_file(t, [INCOME], tweak=_long_xlsx_cell)),
         2, r"a cell of 32,767 characters \(at most 10,000\)"),
]


LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n" \
         "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e]\n"


def _challenges(tmp: Path, text: str) -> Path:
    p = tmp / "challenges.yaml"
    p.write_text(text, encoding="utf-8")
    return p


CASES += [
    Case("YAML aliases in a challenges file", lambda t: ["scores", "--year", "2018", "--challenges", str(_challenges(t, "year: 2018\n" + LAUGHS))],
         2, r"YAML anchors and aliases .* are not allowed", names_file=False),
    Case("YAML aliases in a parameter file", lambda t: ["run", str(_params(t, "as_of: 2018\n" + LAUGHS))],
         2, r"YAML anchors and aliases .* are not allowed"),
    Case("a parameter file that is /dev/zero", lambda t: ["run", "/dev/zero"], 2, r"not a regular file"),
    Case("a challenges file that is /dev/zero", lambda t: ["scores", "--year", "2018", "--challenges", "/dev/zero"],
         2, r"not a regular file", names_file=False),
    Case("a parameter given twice", lambda t: ["run", str(_params(t, "as_of: 2018\nas_of: 2019\n"))],
         2, r"the parameter 'as_of' is given twice"),
    Case("challenge: 5", lambda t: ["scores", "--year", "2018", "--challenges", str(_challenges(t, "year: 2018\nchallenge: 5\n"))],
         2, r"challenge: expected a list of KPI or measure ids", names_file=False),
    Case("challenge as a string", lambda t: ["scores", "--year", "2018", "--challenges", str(_challenges(t, "year: 2018\nchallenge: K12.income\n"))],
         2, r"challenge: expected a list of KPI or measure ids", names_file=False),
]

CASES += [
    Case("site --year 1999", lambda t: ["site", "--year", "1999"], 2, r"--year: the plan's years are 2016-2020", names_file=False),
    Case("template --out x.txt", lambda t: ["template", "--out", str(t / "x.txt")], 2, r"an \.xlsx workbook .* or a \.csv file",
         names_file=False),
    Case("template --out a directory", lambda t: ["template", "--out", str(t)], 2, r"this is a directory", names_file=False),
]

CASES += [
    Case('cards --units ","', lambda t: ["cards", "--as-of", "2018", "--dataset", "synthetic", "--units", ","],
         2, r"--units: no unit named in ','", names_file=False),
]

CASES += [
    Case("run --as-of 2019-6-1", lambda t: ["run", str(_params(t, "as_of: 2018\n")), "--as-of", "2019-6-1"],
         2, r"parameter as_of: expected a year such as 2018, got '2019-6-1'"),
    Case("run --as-of 2019-06-01T00:00", lambda t: ["run", str(_params(t, "as_of: 2018\n")), "--as-of", "2019-06-01T00:00"],
         2, r"parameter as_of: expected a year such as 2018"),
    Case("run --as-of -2018", lambda t: ["run", str(_params(t, "as_of: 2018\n")), "--as-of", "-2018"],
         2, r"parameter as_of: the plan runs 2016-2020; got -2018"),
]

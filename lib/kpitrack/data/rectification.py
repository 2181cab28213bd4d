"""The rectification ledger (社会评价意见整改台账) of a dataset: for Table 3's problems raised by the
public, each year's rectification target, whether it was done and disclosed, and the satisfaction
score of its special survey (专项满意度测评), with the source.

``data/actuals/<dataset>/rectification.csv``: ``problem`` (Table 3's id, e.g. P1.03), ``year``,
``target_zh`` (the year's 重点整改目标), ``done`` (yes / partly / no), ``disclosed`` (yes / no: the
year-end result published in the city's media), ``satisfaction`` (0-100, empty when not surveyed),
``source``, ``note``. A dataset without the file keeps no ledger (the real dataset: the city's
yearly rectification results by Table 3's problems were not found in public sources), and the
outputs say so. Every row is checked when read; a problem names the file, the row and the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.exceptions import Problem, Reason, ValidationError
from ..core.fileio import csv_records
from ..plan.catalogue import Catalogue
from ..plan.schema import plan_base_year, plan_end_year
from .store.layout import LEDGER_KEYS

FILE = "rectification.csv"
#: What identifies a row of the ledger: a later row with the same key replaces it.
KEY = LEDGER_KEYS["rectification"]
COLUMNS = ["problem", "year", "target_zh", "done", "disclosed", "satisfaction", "source", "note"]
DONE = ("yes", "partly", "no")
SYNTHETIC_SOURCE = "kpitrack.data.rectification（合成演示数据，非真实整改记录）"


@dataclass(frozen=True)
class RectificationLedger:
    path: Path
    rows: pd.DataFrame | None  # COLUMNS; year int, satisfaction float (NaN: not surveyed); None: no ledger

    @property
    def kept(self) -> bool:
        return self.rows is not None


#: When a year's rectification results are known: at the year's end, when they are disclosed (年终整改结果公示).
KNOWN_FROM_ZH = "各年整改结果与满意度视为当年年底公示后已知"


def read_rectification(folder: Path, cat: Catalogue, known_at: str | None = None) -> RectificationLedger:
    """The dataset's rectification ledger, checked (a ValidationError lists every problem); with
    ``known_at`` (YYYY-MM-DD) as known that day: the ingests made by then, and the years whose
    results were disclosed by then (a year's, at its end: :data:`KNOWN_FROM_ZH`)."""
    path = Path(folder) / FILE
    from .plan_ledger_vintages import rows_known_at

    stored = rows_known_at(Path(folder), "rectification", KEY, known_at or None)  # vintage 0, the bundled ledger, is always known
    if stored is None and not path.is_file():
        return RectificationLedger(path, None)
    records = stored if stored is not None else csv_records(path, [c for c in COLUMNS if c not in ("target_zh", "note")], "the rectification ledger")
    known = {p.id for a in cat.problem_areas for p in a.problems}
    problems, rows, seen = [], [], {}
    for i, r in records:

        def bad(fld: str, msg: str, reason: Reason, row: int = i) -> None:
            problems.append(Problem(str(path), row, fld, msg, reason))

        if r["problem"] not in known:
            bad("problem", f"{r['problem']!r} is not a problem of Table 3 (P1.01 …)", Reason.UNKNOWN_REFERENCE)
        year = int(r["year"]) if (r["year"].isascii() and r["year"].isdigit()) else None
        if year is None or not plan_base_year() < year <= plan_end_year():
            bad("year", f"{r['year']!r} is not a year of the plan ({plan_base_year() + 1}-{plan_end_year()})", Reason.OUT_OF_RANGE)
        elif (r["problem"], year) in seen:
            bad("-", f"{r['problem']} {year} is already recorded in row {seen[(r['problem'], year)]}", Reason.DUPLICATE)
        else:
            seen[(r["problem"], year)] = i
        if r["done"] not in DONE:
            bad("done", f"{r['done']!r} is not one of {', '.join(DONE)}", Reason.NOT_ALLOWED)
        if r["disclosed"] not in ("yes", "no"):
            bad("disclosed", f"{r['disclosed']!r} is not yes or no", Reason.NOT_ALLOWED)
        sat = math.nan
        if r["satisfaction"]:
            try:
                sat = float(r["satisfaction"].rstrip("%"))
                if not 0 <= sat <= 100:
                    raise ValueError
            except ValueError:
                bad("satisfaction", f"{r['satisfaction']!r} is not a score from 0 to 100", Reason.OUT_OF_RANGE)
        if not r.get("source"):
            bad("source", "every record needs its source", Reason.MISSING)
        rows.append({c: r.get(c, "") for c in COLUMNS} | {"year": year, "satisfaction": sat})
    if problems:
        raise ValidationError(problems, "rectification ledger validation")
    df = pd.DataFrame(rows, columns=COLUMNS)
    if known_at:
        df = df[[f"{y}-12-31" <= known_at for y in df["year"]]].reset_index(drop=True)
    return RectificationLedger(path, df)


def synthetic_rectification(cat: Catalogue, seed: int = 20170101) -> pd.DataFrame:
    """A synthetic ledger (fixed seed, labelled as such): each year about half of Table 3's problems
    get a rectification target; most are done and disclosed; satisfaction scores around 85."""
    rng = np.random.default_rng(seed)
    rows = []
    for year in range(plan_base_year() + 1, plan_end_year() + 1):
        for area in cat.problem_areas:
            for p in area.problems:
                if rng.random() < 0.5:
                    continue
                done = str(rng.choice(DONE, p=[0.75, 0.2, 0.05]))
                sat = float(np.clip(rng.normal(84 + (year - plan_base_year()) * 0.6, 4), 55, 99).round(1))
                rows.append({"problem": p.id, "year": year, "target_zh": f"{p.text_zh}：{year}年重点整改（演示）", "done": done,
                             "disclosed": "yes" if done != "no" and rng.random() < 0.9 else "no",
                             "satisfaction": sat if rng.random() < 0.8 else "", "source": SYNTHETIC_SOURCE,
                             "note": "合成演示数据"})
    return pd.DataFrame(rows, columns=COLUMNS)

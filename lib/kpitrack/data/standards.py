"""The standards ledger (标准台账) of a dataset: which of Table 5's 100 standards were issued, when,
under which document number, and on what source.

``data/actuals/<dataset>/standards.csv`` has one row per standard issued: ``no`` (Table 5's number),
``issued_on`` (YYYY-MM-DD), ``document_no`` (e.g. DB3301/T 1089—2018), ``source``, ``note``. A standard
without a row has not been issued, as far as the dataset knows; a dataset without the file has no
ledger at all (the real dataset: no public list of the city's standards by Table 5's numbers was
found), which the outputs say rather than showing zero. Every row is checked when read; a problem
names the file, the row and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.exceptions import Problem, Reason, ValidationError
from ..core.fileio import csv_records
from ..plan.catalogue import Catalogue
from ..plan.schema import plan_base_year, plan_end_year
from .store.layout import LEDGER_KEYS

FILE = "standards.csv"
#: What identifies a row of the ledger: a later row with the same key replaces it.
KEY = LEDGER_KEYS["standards"]
COLUMNS = ["no", "issued_on", "document_no", "source", "note"]
SYNTHETIC_SOURCE = "kpitrack.data.standards（合成演示数据，非真实发布记录）"


@dataclass(frozen=True)
class StandardsLedger:
    path: Path
    rows: pd.DataFrame | None  # COLUMNS, ``issued_on`` as a date string; None: the dataset keeps no ledger

    @property
    def kept(self) -> bool:
        return self.rows is not None


def read_standards(folder: Path, cat: Catalogue, known_at: str | None = None) -> StandardsLedger:
    """The dataset's standards ledger, checked (a ValidationError lists every problem); with
    ``known_at`` (YYYY-MM-DD) as known that day: the ingests made by then, and only the standards
    issued by then (a standard is public from the day it is issued)."""
    path = Path(folder) / FILE
    from .plan_ledger_vintages import rows_known_at

    stored = rows_known_at(Path(folder), "standards", KEY, known_at or None)  # vintage 0, the bundled ledger, is always known
    if stored is None and not path.is_file():
        return StandardsLedger(path, None)
    records = stored if stored is not None else csv_records(path, ("no", "issued_on", "source"), "the standards ledger")
    known = {s.no: s for s in cat.standards}
    problems, rows, seen = [], [], {}
    for i, r in records:
        no = int(r["no"]) if (r["no"].isascii() and r["no"].isdigit()) else None
        if no is None or no not in known:
            problems.append(Problem(str(path), i, "no", f"{r['no']!r} is not a standard of Table 5 (1-{len(known)})",
                                    Reason.UNKNOWN_REFERENCE))
        elif no in seen:
            problems.append(Problem(str(path), i, "no", f"standard {no} is already recorded in row {seen[no]}", Reason.DUPLICATE))
        else:
            seen[no] = i
        try:
            d = date.fromisoformat(r["issued_on"])
            if not plan_base_year() < d.year <= plan_end_year() + 1:
                problems.append(Problem(str(path), i, "issued_on", f"{r['issued_on']} is outside the plan's years "
                                                                  f"{plan_base_year() + 1}-{plan_end_year()} (and the year after)", Reason.OUT_OF_RANGE))
        except ValueError:
            problems.append(Problem(str(path), i, "issued_on", f"{r['issued_on']!r} is not a date YYYY-MM-DD", Reason.WRONG_TYPE))
        if not r.get("source"):
            problems.append(Problem(str(path), i, "source", "every record needs its source", Reason.MISSING))
        rows.append({c: r.get(c, "") for c in COLUMNS} | {"no": no})
    if problems:
        raise ValidationError(problems, "standards ledger validation")
    df = pd.DataFrame(rows, columns=COLUMNS)
    if known_at:
        df = df[df["issued_on"].astype(str) <= known_at].reset_index(drop=True)
    return StandardsLedger(path, df)


def synthetic_standards(cat: Catalogue, seed: int = 20160101) -> pd.DataFrame:
    """A synthetic ledger (fixed seed, labelled as such): about nine in ten standards issued, most in
    their year, some a year late, a few early."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in cat.standards:
        if rng.random() < 0.1:
            continue  # not issued
        year = min(plan_end_year(), max(plan_base_year() + 1, s.year + int(rng.choice([-1, 0, 0, 0, 0, 1, 1]))))
        day = date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        rows.append({"no": s.no, "issued_on": day.isoformat(), "document_no": f"DB3301/T {1000 + s.no}—{year}",
                     "source": SYNTHETIC_SOURCE, "note": "合成演示数据"})
    return pd.DataFrame(rows, columns=COLUMNS)

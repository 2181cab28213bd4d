"""The performance cards of the responsible units (绩效卡), one batch job per unit.

``kpitrack cards --as-of 2018`` renders notebooks/performance_card.ipynb for every unit of Tables
1 and 2 through the same batch runner as the bulletins, into ``reports/cards/<year>[-<dataset>]/``
(one file per unit, named after it), with a manifest.
"""

from __future__ import annotations

from pathlib import Path

from ...core.settings import default_dataset
from ...core import paths
from ...core.exceptions import ParameterError
from ...data.actuals import load_dataset
from ...plan.catalogue import catalogue
from ...plan.responsible import Unit, responsible_units
from ...plan.schema import plan_base_year, plan_end_year
from ..content.documents import KINDS
from .batch import FORMATS, Job, document_front
from .provenance import document_inputs
from ..content.card import check_unit
from ..content.params import check_common



def parse_units(text: str | None) -> list[Unit]:
    cat = catalogue()
    if not text or text.strip().lower() == "all":
        return list(responsible_units(cat).values())
    out: list[Unit] = []
    for part in [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]:
        u = check_unit(cat, part)
        if u not in out:
            out.append(u)
    if not out:
        raise ParameterError(f"--units: no unit named in {text!r} (give names separated by commas, or all)")
    return out


def card_folder(as_of: int, dataset: str, reports_dir: Path | None = None) -> Path:
    root = Path(reports_dir) if reports_dir else paths.reports_dir()
    return root / "cards" / (str(as_of) if dataset == default_dataset() else f"{as_of}-{dataset}")


def card_jobs(as_of: int, dataset: str, units: list[Unit], *, formats: tuple[str, ...] = FORMATS, renderer: str = "auto",
              data_as_of: str = "", reports_dir: Path | None = None) -> tuple[list[Job], Path]:
    if not plan_base_year() < as_of <= plan_end_year():
        raise ParameterError(f"--as-of: the plan runs {plan_base_year() + 1}-{plan_end_year()}; got {as_of}")
    dataset, _, data_as_of = check_common(dataset, "zh", data_as_of)
    ds = load_dataset(dataset, catalogue(), known_at=data_as_of or None)
    out = card_folder(as_of, dataset, reports_dir)
    if data_as_of:  # the data as known on a date: a folder of its own, never over the year's published cards
        out = out.with_name(f"{out.name}-asof{data_as_of}")
    nb = KINDS["card"].path
    inputs = document_inputs("card", dataset, data_as_of=data_as_of or None)
    jobs = []
    for u in units:
        params = KINDS["card"].validate({"unit": u.name, "as_of": as_of, "dataset": dataset, "data_as_of": data_as_of})
        front = document_front(f"{u.name}绩效卡（{as_of}年）", ds)
        jobs.append(Job(u.key, u.name, str(nb), params, str(out), formats, renderer, front, inputs))
    return jobs, out

"""The monthly bulletin run (每月按时通报): which bulletins, for which month, as batch jobs.

``kpitrack bulletins --month 2018-06|previous`` builds one :class:`~kpitrack.publish.runs.batch.Job`
per region (the city and its 13 districts and counties) and hands them to the batch runner. The
outputs go to ``reports/bulletins/<YYYY-MM>/`` for the default (real) dataset and to
``reports/bulletins/<YYYY-MM>-<dataset>/`` for any other, like the mid-term reports' names.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ...core.settings import default_dataset
from ...core import clock, paths
from ...core.exceptions import ParameterError
from ...data.actuals import load_dataset
from ...data.regions import city_code, Region, regions
from ...plan.catalogue import catalogue
from ...analysis.pace import has_figures
from ..content.documents import KINDS
from .batch import FORMATS, Job, document_front
from .provenance import document_inputs
from .batch import editions_due  # noqa: F401 - the bulletins' revisions: importable from here
from ..content.bulletin import NoFiguresError, check_parameters, check_region, parse_month, revision_words, title_for



def resolve_month(text: str, today: date | None = None, dataset: str | None = None) -> str:
    """``previous`` is the month before ``today``; ``latest`` the latest month with year-to-date
    figures in ``dataset``; else ``YYYY-MM`` checked (ParameterError)."""
    if str(text).strip().lower() == "latest":
        from ...analysis.pace import latest_month

        if dataset is None:
            raise ParameterError("--month latest needs a dataset")
        found = latest_month(load_dataset(dataset, catalogue()))
        if found is None:
            raise NoFiguresError(f"dataset {dataset!r} holds no monthly or quarterly figures; nothing was written")
        text = f"{found[0]}-{found[1]:02d}"
    if str(text).strip().lower() == "previous":
        today = today or clock.today()
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        text = f"{year}-{month:02d}"
    year, month = parse_month(text)
    return f"{year}-{month:02d}"


def parse_regions(text: str | None) -> list[Region]:
    """``all`` (or nothing): the city and its 13 districts; else a comma-separated list of names or codes."""
    if not text or text.strip().lower() == "all":
        return list(regions())
    out: list[Region] = []
    for part in [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]:
        reg = check_region(part)
        if reg not in out:
            out.append(reg)
    if not out:
        raise ParameterError(f"--regions: no region named in {text!r}")
    return out


def parse_formats(text: str | None) -> tuple[str, ...]:
    if text is not None and not text.strip():
        raise ParameterError(f"--to: no output format given; known: {', '.join(FORMATS)}", field="--to")
    formats = tuple(f.strip() for f in (text or ",".join(FORMATS)).split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ParameterError(f"--to: unknown output format(s) {', '.join(bad) or '(none)'}; known: {', '.join(FORMATS)}")
    return formats


def bulletin_folder(month: str, dataset: str, reports_dir: Path | None = None) -> Path:
    root = Path(reports_dir) if reports_dir else paths.reports_dir()
    name = month if dataset == default_dataset() else f"{month}-{dataset}"
    return root / "bulletins" / name


def bulletin_jobs(month: str, dataset: str, regs: list[Region], *, formats: tuple[str, ...] = FORMATS,
                  renderer: str = "auto", data_as_of: str = "", language: str = "zh",
                  reports_dir: Path | None = None, editions: dict[str, int] | None = None) -> tuple[list[Job], list[str], Path]:
    """The jobs of one month's bulletins, the regions skipped (no figures) and the output folder.
    ``editions`` (region code -> 2, 3 ...) makes revised editions of those regions' bulletins instead:
    keys ``<code>-r1``, ``<code>-r2`` ..., titled 修订版, beside the editions issued before.

    Raises
    ------
    ParameterError
        For a bad month, region, dataset, language or date (checked before any work).
    NoFiguresError
        When the dataset holds no figures for the month at all (nothing is written).
    """
    year, mon, _, dataset, language, data_as_of = check_parameters(month, city_code(), dataset, language, data_as_of)
    cat = catalogue()
    ds = load_dataset(dataset, cat, known_at=data_as_of or None)
    if not has_figures(ds, year, mon):
        raise NoFiguresError(f"dataset {dataset!r} holds no figures for {month}"
                             + (f" as known on {data_as_of}" if data_as_of else "")
                             + "; nothing was written (the bulletins of a month can be made once its figures are in)")
    obs = ds.observations
    with_data = set(obs[(obs["year"] == year) & (obs["month"] > 0) & (obs["month"] <= mon)]["region"])
    out = bulletin_folder(month, dataset, reports_dir)
    if data_as_of:  # the data as known on a date: a folder of its own, never over the month's published bulletins
        out = out.with_name(f"{out.name}-asof{data_as_of}")
    nb = KINDS["bulletin"].path
    inputs = document_inputs("bulletin", dataset, data_as_of=data_as_of or None)
    jobs, skipped = [], []
    for reg in regs:
        if reg.code not in with_data:
            skipped.append(reg.name_zh)
            continue
        edition = (editions or {}).get(reg.code, 1)
        params = KINDS["bulletin"].validate({"month": month, "region": reg.code, "dataset": dataset, "data_as_of": data_as_of,
                                             "language": language, "edition": edition})
        front = document_front(title_for(month, reg.code, reg.code != city_code() or len(with_data - {city_code()}) > 0, edition), ds)
        if edition > 1:
            jobs.append(Job(f"{reg.code}-r{edition - 1}", f"{reg.name_zh}（{revision_words(edition).lstrip('·')}）", str(nb), params,
                            str(out), formats, renderer, front, inputs, meta={"revises": reg.code, "edition": edition}))
        else:
            jobs.append(Job(reg.code, reg.name_zh, str(nb), params, str(out), formats, renderer, front, inputs))
    return jobs, skipped, out


def months_due(today: date, since: str | None = None) -> tuple[list[str], str]:
    """The months a scheduled run looks at (``--pending``): from ``since`` (default: twelve months
    back) to the month before ``today``, within the plan period, oldest first; and, when there are
    none, why in one line (the plan has not started, or has ended)."""
    from ...plan.schema import plan_base_year, plan_end_year

    first, last = (plan_base_year() + 1, 1), (plan_end_year(), 12)
    previous = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    if since:
        import re

        mo = re.fullmatch(r"(\d{4})-(\d{2})", str(since).strip())
        if not mo or not 1 <= int(mo.group(2)) <= 12:
            raise ParameterError(f"--since: expected a month YYYY-MM such as 2024-01, got {since!r}")
        start = (int(mo.group(1)), int(mo.group(2)))
    else:
        start = (previous[0] - 1, previous[1] + 1) if previous[1] < 12 else (previous[0], 1)
    lo, hi = max(start, first), min(previous, last)
    if previous < first:
        return [], f"the plan starts in {first[0]}-01: no bulletin is due before {first[0]}-02"
    if lo > hi:
        return [], (f"the plan ended in {last[0]}-12: no bulletin is due" if previous > last
                    else f"no month from {start[0]}-{start[1]:02d} to {previous[0]}-{previous[1]:02d}")
    months, (y, m) = [], lo
    while (y, m) <= hi:
        months.append(f"{y}-{m:02d}")
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return months, ""

"""The command ``kpitrack notices``: issue the improvement notices a month's bulletins call for,
record a unit's answer or the closing, list the register; every change is followed by the notices'
documents, made by the batch runner."""

from __future__ import annotations

import argparse

from ..core import clock
from ..core.exceptions import ParameterError


def notices(args: argparse.Namespace, renderer: str) -> int:
    """``kpitrack notices issue|answer|close|list``: the register, then the notices' documents."""
    from datetime import date

    from ..data.notices import read_register, record, register_path, states
    from ..plan.catalogue import load_catalogue
    from ..publish.content.params import check_common

    from ..publish.runs.monthly import parse_formats

    dataset, _, _ = check_common(args.dataset, "zh", "")
    formats = parse_formats(args.to)  # checked, with the renderer, before the register is written
    register = register_path(dataset)
    today = clock.today().isoformat()
    if args.date:
        try:
            given = date.fromisoformat(args.date)
        except ValueError:
            raise ParameterError(f"--date: expected a date YYYY-MM-DD, got {args.date!r}") from None
        if given > clock.today():
            raise ParameterError(f"--date {args.date}: a date in the future cannot be recorded in the register")
        if given.year < 2016:
            raise ParameterError(f"--date {args.date}: before the plan began (2016); the register records the plan's notices")
        today = given.isoformat()
    if args.action in ("answer", "close"):
        if not args.number:
            raise ParameterError(f"kpitrack notices {args.action} NUMBER --note TEXT: the notice number is missing")
        e = record(register, args.number, "answered" if args.action == "answer" else "closed", today, args.note or "")
        print(f"{e.number}: {e.event} on {e.date} (the register of dataset {dataset})")
        if args.register_only:
            return 0
        from ..core.exceptions import LockBusyError

        try:
            return _render_notices(dataset, formats, renderer, args.force)
        except LockBusyError as exc:  # the answer is recorded: say so, and leave the documents to the next run
            what = {"answered": "answer", "closed": "closing"}.get(e.event, e.event)
            print(f"the {what} is recorded; the notices' documents were not made now: {exc}. The next `kpitrack notices` "
                  f"run (or make report) makes them, with this {what}.")
            return 0
    if args.action == "list":
        for n in states(read_register(register)).values():
            print(f"{n.number}\t{n.event}\t{n.date}\t{n.unit}\t{n.measure_id}\tdue {n.due}")
        return 0
    if args.action != "issue":
        raise ParameterError(f"unknown notices action {args.action!r}; known: issue, answer, close, list")
    if not args.month:
        raise ParameterError("kpitrack notices --month YYYY-MM: the month of the bulletins to look at is missing")
    from ..analysis.notices import issue, load_rules
    from ..data.actuals import load_dataset
    from ..publish.content.bulletin import parse_month
    from ..publish.runs.monthly import resolve_month

    month_text = resolve_month(args.month, None, dataset)
    year, month = parse_month(month_text)
    cat = load_catalogue()
    ds = load_dataset(dataset, cat)
    on = date.fromisoformat(args.date) if args.date else None
    if on is not None and (on.year, on.month) <= (year, month):
        raise ParameterError(f"--date {args.date}: a notice on the bulletins of {args.month} is issued after that month, "
                             "once its figures are out")
    new = issue(cat, ds, register, year, month, load_rules(), on)
    for e in new:
        print(f"issued {e.number} to {e.unit}: {e.measure_id} ({e.region}), feedback due {e.due}")
    print(f"{len(new)} notice(s) issued for {month_text} into the register of dataset {dataset}" + ("" if new else " (none due, or all already issued)"))
    return _render_notices(dataset, formats, renderer, args.force)


def _render_notices(dataset: str, formats: tuple[str, ...], renderer: str, force: bool) -> int:
    """Make the document of every notice of the register that has none (one just issued, or left
    undone by a run that was killed), and a new edition of an issued one answered or closed since,
    through the batch runner; the exit code of the batch."""
    from ..publish.content.documents import KINDS
    from ..publish.runs.batch import Progress, editions_due, get_executor, run_batch, summary
    from ..publish.runs.notices import events_changed, notice_jobs

    jobs, out = notice_jobs(dataset, formats=formats, renderer=renderer)
    if not jobs:
        return 0
    due, _ = editions_due(jobs, out, events_changed)  # issued notices answered or closed since: a new edition
    if due:
        jobs, out = notice_jobs(dataset, formats=formats, renderer=renderer, editions=due)
    progress = Progress(len(jobs))
    try:
        result = run_batch(jobs, out, executor=get_executor("local", None, None), force=force, report=progress,
                           describe={"kind": "notices", "dataset": dataset}, records=KINDS["notice"].record)
    finally:
        progress.close()
    print(summary(result))
    return result.exit_code

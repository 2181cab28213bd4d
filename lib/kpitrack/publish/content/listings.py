"""What the commands ``status`` and ``scores`` print, built once as :class:`~.tables.Listing` s
(text, CSV and JSON come from the same table)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...analysis.progress import assess
from ...analysis.scores import KIND_ZH, explanation, illustrative, load_challenges, scores_table, unit_scores
from ...core import paths
from ...core.exceptions import ParameterError
from ...core.labels import fmt, status_label
from ...data.records import challenges_file as challenges_file_of
from ...data.actuals import UNKNOWN_DATE_RULE_EN, UNKNOWN_DATE_RULE_ZH, load_dataset
from ...plan.catalogue import catalogue
from .params import check_common, check_year, resolve_measure, resolve_region
from .report import check_parameters
from .tables import Listing


def _challenge_checks(cat, ds, challenges) -> dict[str, str]:
    """measure id -> whether the declared challenge target meets the plan's criteria, in a few words
    (``kpitrack challenges`` gives the figures)."""
    if challenges is None:
        return {}
    from ...analysis.challenges import judge
    from ...data.peers import load_peers

    words = {True: "符合", False: "不符合", None: "无法判断"}
    out = {}
    for r in judge(cat, ds, load_peers(), challenges):
        failed = [name for name, c in (("横向", r.horizontal), ("纵向", r.vertical)) if c.passed is False]
        out[r.measure.id] = words[r.qualifies] + (f"（{'、'.join(failed)}未通过）" if failed else "")
    return out


def status_listing(as_of: int, dataset: str, data_as_of: str = "") -> Listing:
    """Every measure's status at ``as_of``: one row per measure (kpi_id, measure_id, 状态, status,
    latest value and year, trajectory value, basis); JSON nests measures under their KPI."""
    as_of, dataset, _, data_as_of = check_parameters(as_of, dataset, "zh", data_as_of)
    cat = catalogue()
    ds = load_dataset(dataset, cat, known_at=data_as_of or None)
    statuses = assess(cat, ds, as_of)
    measures = [(k, m) for k in statuses for m in k.measures]
    table = pd.DataFrame([{"kpi_id": k.kpi_id, "measure_id": m.measure_id, "状态": status_label(m.status, "zh"), "status": m.status.value,
                           "最新值": m.latest_value, "年份": m.latest_year, "轨迹值": m.trajectory_value, "轨迹值年份": m.trajectory_year,
                           "依据": m.reason_zh} for k, m in measures])
    table["年份"] = table["年份"].astype("Int64")
    table["轨迹值年份"] = table["轨迹值年份"].astype("Int64")
    units = {m.id: m.unit for m in cat.measures}  # each measure at its unit's one precision, as every page shows it
    shown = table.assign(**{"最新值": [fmt(m.latest_value, units[m.measure_id]) for _, m in measures],
                            "年份": [m.latest_year or "—" for _, m in measures],
                            "轨迹值": [fmt(m.trajectory_value, units[m.measure_id]) for _, m in measures],
                            "轨迹值年份": [m.trajectory_year or "—" for _, m in measures]}).drop(columns="kpi_id")
    doc = {"as_of": as_of, "data_as_of": data_as_of or None, "dataset": dataset, "synthetic": ds.synthetic,
           "dataset_label_zh": ds.label_zh,
           "kpis": [{"kpi_id": k.kpi_id, "name_zh": cat.kpi(k.kpi_id).name_zh, "status": k.status.value,
                     "status_zh": status_label(k.status, "zh"), "measures": [m.to_dict() for m in k.measures]} for k in statuses]}
    notes = [f"数据截至{data_as_of}：{UNKNOWN_DATE_RULE_ZH}"] if data_as_of and ds.collected else []
    doc["unknown_dates"] = UNKNOWN_DATE_RULE_EN if data_as_of and ds.collected else None
    return Listing(f"{as_of}年评估状态 · 数据：{ds.label_zh}", table, doc, notes, shown=shown)


def scores_listing(year: int, dataset: str, challenges_file: str | None = None) -> Listing:
    """The units' scores of ``year`` by the plan's rules: one row per scored target (rank, unit,
    score, base, bonus, measure, kind, target, actual, completion, points, why not scored); the text
    form shows the ranking and each unit's lines."""
    year = check_year(year, "--year")
    dataset, _, _ = check_common(dataset, "zh", "")
    cat = catalogue()
    path = Path(challenges_file) if challenges_file else challenges_file_of(year)
    challenges = load_challenges(path, cat, year) if path.is_file() or challenges_file else None
    ds = load_dataset(dataset, cat)
    results = unit_scores(cat, ds, year, challenges)
    try:
        shown = path.resolve().relative_to(paths.repo_root())
    except ValueError:
        shown = path.name
    note = illustrative(ds, challenges)

    def pts(v):
        return None if v is None else round(v * 100, 4)

    rows = [{"rank": u.rank or "", "unit": u.unit.name, "score": pts(u.score and u.score.total), "base": pts(u.score and u.score.base),
             "bonus": pts(u.score and u.score.bonus), "table": ln.table, "measure_id": ln.measure.id, "kind": ln.kind, "target": ln.target,
             "actual": ln.actual, "completion": None if ln.completion is None else round(ln.completion, 6),
             "points": None if ln.points is None else round(ln.points, 6), "not_scored": ln.why_zh}
            for u in results for ln in u.lines]
    doc = {"year": year, "dataset": dataset, "synthetic": ds.synthetic, "challenges": str(shown) if challenges else None,
           "illustrative": note or None,
           "units": [{"unit": u.unit.name, "aliases": list(u.unit.aliases), "rank": u.rank, "score": pts(u.score and u.score.total),
                      "base": pts(u.score and u.score.base), "bonus": pts(u.score and u.score.bonus),
                      "targets": [{"table": ln.table, "measure_id": ln.measure.id, "name_zh": ln.measure.name_zh, "kind": ln.kind, "kind_zh": KIND_ZH[ln.kind],
                                   "declared_kind": ln.declared or None, "target": ln.target,
                                   "actual": ln.actual, "completion": ln.completion, "points": ln.points,
                                   "not_scored_zh": ln.why_zh or None} for ln in u.lines]} for u in results]}
    title = f"{year}年责任单位绩效得分 · 数据：{ds.label_zh}" + (f" · 挑战目标：{shown}" if challenges else " · 未指定挑战目标")
    judged = _challenge_checks(cat, ds, challenges)
    sections = []
    for u in results:
        head = u.unit.name + (f"（{'、'.join(u.unit.aliases)}）" if u.unit.aliases else "")
        head += f"：{'—' if u.score is None else f'{u.score.total * 100:.2f}分，第{u.rank}位'}"
        table = explanation(u)
        if any(ln.kind != "basic" for ln in u.lines):  # every challenge line with the plan's tests behind it
            table["挑战标准"] = [judged.get(ln.measure.id, "—") if ln.kind != "basic" else "" for ln in u.lines]
        sections.append((head, table))
    table = pd.DataFrame(rows, columns=["rank", "unit", "score", "base", "bonus", "table", "measure_id", "kind", "target", "actual",
                                        "completion", "points", "not_scored"])
    # the text form leads with the ranking, then each unit line by line
    from ...analysis.scores import READING_ZH

    return Listing(title, table, doc, ([f"【{note}】"] if note else []) + [READING_ZH], sections, shown=scores_table(results))


def year_end_text(measure_id: str, period: str, region: str | None, dataset: str, data_as_of: str | None = None,
                  level: float = 0.8) -> str:
    """The year-end estimate of a measure from its year-to-date figure in ``period`` (YYYY-MM), with
    its interval, from the seasonal pattern of earlier years (two lines of text)."""
    import re

    from ...analysis.ytd import estimate_ratio
    from ...data.regions import city_code

    cat = catalogue()
    m = resolve_measure(measure_id)
    if m.ytd not in ("sum", "mean"):
        raise ParameterError(f"{m.id} has no year-to-date totals or means to extrapolate (frequency {m.frequency}, ytd {m.ytd})")
    reg = resolve_region(region if region is not None else city_code())
    if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", period):
        raise ParameterError(f"period must be YYYY-MM, got {period!r}")
    if not 0 < level < 1:
        raise ParameterError(f"--level must lie strictly between 0 and 1, got {level}")
    try:
        ds = load_dataset(dataset, cat, known_at=data_as_of)
    except ValueError as exc:  # a bad --data-as-of
        raise ParameterError(f"--data-as-of: {exc}") from None
    year, month = int(period[:4]), int(period[5:])
    try:
        rows = ds.book.grid(m.id, reg.code)  # the figures as the bulletins choose them; history of one kind
        current = rows.get(year, month)
        if current is None:
            raise ValueError(f"no year-to-date figure for {year}-{month:02d}")
        e = estimate_ratio(current, *rows.history(year, month), year, month, level)
    except ValueError as exc:
        raise ParameterError(f"{m.id} {reg.name_zh} {period}: {exc}") from None
    return (f"{m.name_zh}（{reg.name_zh}，数据：{ds.label_zh}）\n"
            f"{year}年1—{month}月：{fmt(e.ytd, m.unit)}；全年估计 {fmt(e.estimate, m.unit)}，"
            f"{e.level:.0%}区间 {fmt(e.lower, m.unit)}—{fmt(e.upper, m.unit)}（依据此前{e.n_years}年的季节规律）")


def peers_listing(measure: str, year: int, group: str, source: str | None = None) -> Listing:
    """A ranking of peer cities (:func:`kpitrack.analysis.peers.ranking`): one row per city ranked
    (JSON: a list of objects city, city_en, value, rank, n, source, quality, note); the text form
    adds the home city's rank change and the cities without a figure."""
    from ...analysis.peers import ranking
    from ...data.peers import load_peers

    peers_all = load_peers()
    years = sorted({int(y) for y in peers_all.figures["year"]}) if len(peers_all.figures) else []
    if years and not years[0] <= int(year) <= years[-1]:  # never an empty ranking for a year no ledger holds
        raise ParameterError(f"parameter year: the peer ledger holds {years[0]}-{years[-1]}; got {year}", field="year")
    r = ranking(peers_all, measure, year, group, source)
    better = "越低越好" if r.indicator.direction == "lower" else "越高越好"
    title = f"{r.group.name_zh}{r.indicator.name_zh}排名（{year}年，{r.indicator.unit}，{better}）"
    peers = load_peers()
    notes = [f"来源：{peers.source_zh(r.source) if r.source else '无'}；{r.n}个城市有数据" + (f"，缺{len(r.missing)}个：{'、'.join(r.missing)}" if r.missing else "")]
    if r.home_rank is not None:
        change = r.home_change
        notes.append(f"{r.home}：第{r.home_rank}位（共{r.n}个）" + (
            "" if change is None else f"，{year - 1}年第{r.home_rank_before}位（共{r.n_before}个），"
            + ("持平" if change == 0 else f"{'上升' if change > 0 else '下降'}{abs(change)}位")))
    if r.indicator.caveat_zh:
        notes.append(f"说明：{r.indicator.caveat_zh}")
    if r.other_sources:
        notes.append(f"另有来源（未混用）：{'；'.join(peers.source_zh(s) for s in r.other_sources)}")
    table = r.tidy().drop(columns=["note"])  # with its year, indicator and group, as kt.peers gives it
    doc_rows = [{**{k: (None if pd.isna(v) else v) for k, v in row.items()}, "source_zh": peers.source_zh(row["source"])}
                for row in r.tidy().to_dict("records")]
    shown = pd.DataFrame({"位次": r.table["rank"], "城市": r.table["city"], "数值": [f"{v:,.10g}{r.indicator.unit}" for v in r.table["value"]],  # as published: the ranks decide at that precision
                          "数据": ["由逐日数据推算" if q == "computed" else "公布数" for q in r.table["quality"]]})
    return Listing(title, table, doc_rows, notes, shown=shown)  # JSON: a list of objects, one per city ranked


def challenges_listing(year: int, dataset: str, group: str = "sub-provincial", challenges_file: str | None = None) -> Listing:
    """The declared challenge targets of ``year`` judged by the plan's rule
    (:mod:`kpitrack.analysis.challenges`): one row per target; JSON with each test's figures."""
    from ...analysis.challenges import judge
    from ...data.peers import load_peers

    year = check_year(year, "--year")
    dataset, _, _ = check_common(dataset, "zh", "")
    cat = catalogue()
    path = Path(challenges_file) if challenges_file else challenges_file_of(year)
    if not path.is_file():
        raise ParameterError(f"{path}: no challenge targets declared for {year} (give --challenges FILE)", path=str(path))
    declared = load_challenges(path, cat, year)
    peers = load_peers()
    group_name = peers.group(group).name_zh
    results = judge(cat, load_dataset(dataset, cat), peers, declared, group)

    def yes(v):
        return "—" if v is None else ("是" if v else "否")

    from ...core.labels import fmt_pair

    shown = [fmt_pair(r.actual, r.target, r.measure.unit) for r in results]  # 3.29% against 3.30%, never 3.3% against 3.3%
    rows = [{"measure_id": r.measure.id, "指标": r.measure.name_zh, "类型": KIND_ZH[r.kind], "目标": target,
             "横向": yes(r.horizontal.passed), "纵向": yes(r.vertical.passed), "符合挑战标准": yes(r.qualifies),
             "实际": actual, "完成": yes(r.achieved)} for r, (actual, target) in zip(results, shown)]
    doc = {"year": year, "dataset": dataset, "group": group_name, "declared_in": path.name, "demonstration": declared.demonstration,
           "targets": [{"measure_id": r.measure.id, "kind": r.kind, "target": r.target,
                        "horizontal": {"passed": r.horizontal.passed, "why_zh": r.horizontal.why_zh, **r.horizontal.figures},
                        "vertical": {"passed": r.vertical.passed, "why_zh": r.vertical.why_zh, **r.vertical.figures},
                        "qualifies": r.qualifies, "actual": r.actual, "achieved": r.achieved} for r in results]}
    notes = [f"对标：{group_name}；挑战目标：{path.name}" + ("（演示选择，非考评办确定）" if declared.demonstration else "")]
    sections = [(f"{r.measure.id} {r.measure.name_zh}", pd.DataFrame({"检验": ["横向", "纵向"],
                                                                      "依据": [r.horizontal.why_zh, r.vertical.why_zh]}))
                for r in results]
    return Listing(f"{year}年挑战目标认定与完成情况", pd.DataFrame(rows), doc, notes, sections)


def standards_listing(year: int, dataset: str, data_as_of: str = "") -> Listing:
    """Table 5's standards at ``year``'s end against the plan's schedule, from the dataset's standards
    ledger: the years up to it, then every responsible unit (JSON: both, with the overdue numbers)."""
    from ...analysis.standards import by_unit, by_year

    year = check_year(year, "--year")
    dataset, _, data_as_of = check_common(dataset, "zh", data_as_of)
    cat = catalogue()
    ds = load_dataset(dataset, cat, known_at=data_as_of or None)
    ledger = ds.standards_ledger(cat)
    title = f"表5 标准制定（修订）进度（截至{year}年底） · 数据：{ds.label_zh}"
    if not ledger.kept:
        note = "尚未录入标准发布台账：未找到按规划表5编号的公开发布记录，进度无法判断。"
        return Listing(title, pd.DataFrame(columns=["year", "due", "issued", "overdue", "share", "ahead"]),
                       {"year": year, "dataset": dataset, "ledger": None, "missing_zh": note}, [note])
    years, units = by_year(cat, ledger, year), by_unit(cat, ledger, year)
    shown = pd.DataFrame({"年份": years["year"], "应完成（累计）": years["due"], "已发布": years["issued"], "逾期": years["overdue"],
                          "完成率": ["—" if v is None or v != v else f"{v:.0%}" for v in years["share"]], "提前发布": years["ahead"]})
    unit_table = pd.DataFrame({"责任单位": units["unit"], "规划总数": units["total"], "应完成": units["due"], "已发布": units["issued"],
                               "逾期（表5序号）": ["、".join(map(str, o)) or "—" for o in units["overdue"]]})
    doc = {"year": year, "dataset": dataset, "synthetic": ds.synthetic, "ledger": ledger.path.name,
           "by_year": years.to_dict("records"),
           "by_unit": [{**r, "overdue": list(r["overdue"])} for r in units.drop(columns="overdue_count").to_dict("records")]}
    return Listing(title, years, doc, [f"标准发布台账：已发布{len(ledger.rows)}项"],
                   [("各责任单位", unit_table)], shown=shown)


def rectification_listing(year: int, dataset: str, data_as_of: str = "") -> Listing:
    """Table 3's rectification up to ``year``: by year (with the average satisfaction against 85%),
    then the lead units of ``year`` (JSON: both)."""
    from ...analysis.rectification import SATISFACTION_TARGET, by_unit, by_year

    year = check_year(year, "--year")
    dataset, _, data_as_of = check_common(dataset, "zh", data_as_of)
    cat = catalogue()
    ds = load_dataset(dataset, cat, known_at=data_as_of or None)
    ledger = ds.rectification_ledger(cat)
    title = f"表3 社会评价意见整改情况（至{year}年） · 数据：{ds.label_zh}"
    if not ledger.kept:
        note = "尚未录入整改台账：未找到按规划表3问题逐年公布的整改结果和满意度，无法判断。"
        return Listing(title, pd.DataFrame(columns=["year", "targets", "done", "partly", "disclosed", "surveyed", "satisfaction", "met"]),
                       {"year": year, "dataset": dataset, "ledger": None, "missing_zh": note}, [note])
    years, units = by_year(ledger, year), by_unit(cat, ledger, year)

    def pct(v):
        return "—" if v is None or v != v else f"{v:.1f}%"

    shown = pd.DataFrame({"年份": years["year"], "整改目标": years["targets"], "完成": years["done"], "部分完成": years["partly"],
                          "已公示": years["disclosed"], "测评": years["surveyed"], "平均满意度": [pct(v) for v in years["satisfaction"]],
                          f"达到{SATISFACTION_TARGET:.0f}%": ["—" if m is None else ("是" if m else "否") for m in years["met"]]})
    unit_table = pd.DataFrame({"牵头责任单位": units["unit"], "整改目标": units["targets"], "完成": units["done"],
                               "平均满意度": [pct(v) for v in units["satisfaction"]]})
    doc = {"year": year, "dataset": dataset, "synthetic": ds.synthetic, "ledger": ledger.path.name,
           "satisfaction_target": SATISFACTION_TARGET,
           "by_year": [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in years.to_dict("records")],
           "by_unit": [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in units.to_dict("records")]}
    return Listing(title, years, doc, [f"整改台账：规划目标为对社会评价意见整改的满意度平均达到{SATISFACTION_TARGET:.0f}%以上"],
                   [(f"{year}年各牵头责任单位", unit_table)], shown=shown)


def special_listing(year: int, dataset: str, data_as_of: str = "") -> Listing:
    """Table 2's special targets at ``year``'s end: one row per sub-target (its target, the figure
    judged, the outcome, what it would take), then one row per special target with its counts (JSON:
    both, each sub-target with its forecast)."""
    from ...analysis.special import SPECIAL_OUTCOME_ZH, SPECIAL_OUTCOMES, by_special, counts, subtarget_status
    from .display import outcome_cell

    year = check_year(year, "--year")
    dataset, _, data_as_of = check_common(dataset, "zh", data_as_of)
    cat = catalogue()
    ds = load_dataset(dataset, cat, known_at=data_as_of or None)
    ledger = ds.special_ledger(cat)
    statuses = subtarget_status(cat, ds, ledger, year)
    table = pd.DataFrame([{"special_id": st.special.id, "subtarget_id": st.target.id, "name_zh": st.target.name_zh,
                           "target_year": st.target.year, "kind": st.target.kind, "target": st.target.value, "unit": st.target.unit,
                           "measure_id": st.target.measure or None, "outcome": st.outcome, "结果": st.outcome_zh,
                           "value": st.value, "value_year": st.value_year, "reached": st.reached or None,
                           "probability": st.outlook.probability if st.outlook is not None and st.outlook.assessable else None,
                           "依据": st.reason_zh} for st in statuses])
    shown = pd.DataFrame({"专项": [st.special.name_zh for st in statuses],
                          "子目标": [st.target.name_zh for st in statuses],
                          "目标": [fmt(st.target.value, st.target.unit) if st.target.value is not None else "—" for st in statuses],
                          "期限": [f"{st.target.year}年" for st in statuses],
                          "数据": [st.figure_zh for st in statuses],
                          "结果": [outcome_cell(st.outcome, st.outcome_zh) for st in statuses],
                          "实现可能性": [st.probability_zh for st in statuses],
                          "依据": [st.reason_zh for st in statuses]})
    per = by_special(cat, statuses)
    per_shown = pd.DataFrame({"专项目标": per["name_zh"], "牵头单位": per["lead_units"], "子目标": per["subtargets"],
                              **{SPECIAL_OUTCOME_ZH[k]: per[k] for k in SPECIAL_OUTCOMES}})
    c = counts(statuses)
    kept = f"重点专项目标台账{len(ledger.rows)}条记录" if ledger.kept else \
        "尚未录入重点专项目标台账：表2中无表1指标对应的子目标无法判断"
    notes = [kept, "；".join(f"{SPECIAL_OUTCOME_ZH[k]}{c[k]}项" for k in SPECIAL_OUTCOMES if c[k]),
             "与表1指标相同的子目标采用表1的数据（同一数据、同一判断方法）"]
    doc = {"year": year, "data_as_of": data_as_of or None, "dataset": dataset, "synthetic": ds.synthetic,
           "ledger": ledger.path.name if ledger.kept else None, "counts": c,
           "subtargets": [{**{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items() if k not in ("结果", "依据")},
                           "outcome_zh": row["结果"], "reason_zh": row["依据"], "source": st.source or None, "quality": st.quality or None,
                           "forecast": st.outlook.to_dict() if st.outlook is not None and st.outlook.assessable else None}
                          for row, st in zip(table.to_dict("records"), statuses)],
           "by_special": per.to_dict("records")}
    return Listing(f"表2 重点专项目标完成情况（截至{year}年底） · 数据：{ds.label_zh}", table, doc, notes,
                   [("各专项目标", per_shown)], shown=shown)

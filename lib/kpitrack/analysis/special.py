"""Table 2's sub-targets tracked like KPI measures.

Each numeric sub-target is read as a measure (:func:`as_measure`): its year and value are the end
target, its kind the direction (a ceiling or a rank ceiling: lower is better). Its figures are those
of the Table 1 measure it is linked to (the same figures as the KPI tables, so the same centre), or
else the dataset's special-targets ledger; sub-targets of one quantity with targets for several years
(metro kilometres 2017, 2019, 2020, 2021) share their figures, the plan's own trajectory. Then the
KPI machinery judges it: once its year has passed, :func:`~kpitrack.analysis.final.final_outcome`
(实现 / 未实现 / 数据不足); before, it is 未到期, with the forecast, the probability of meeting it
and what it would take from :func:`~kpitrack.analysis.outlook.outlook`. A milestone is 实现 when
reached by its year's end, 逾期实现 when reached later, and 未到期 or 数据不足 when the ledger has no
date. A numeric sub-target whose latest figure is already at its level before its year reads 提前达到
(the Table 1 measure it shares figures with reads 已实现): kept in view, judged again at its year. A target assigned by the province carries no number of its own (无量化目标).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from ..core.labels import dates_zh, fmt
from ..data.actuals import city_code, Dataset, kpi_series, observations
from ..data.figures import FigureBook
from ..data.special import SpecialLedger, groups, latest
from ..plan.catalogue import Catalogue, EndTarget, Measure, SpecialTarget, Subtarget
from ..plan.schema import plan_base_year
from .final import ACHIEVED, INSUFFICIENT, MISSED, NO_TARGET, OUTCOME_ZH, final_outcome
from .outlook import Outlook, outlook, probability_text
from .progress import meets

DUE, LATE, EARLY = "due", "late", "early"
SPECIAL_OUTCOME_ZH = {**OUTCOME_ZH, DUE: "未到期", LATE: "逾期实现", EARLY: "提前达到"}
#: the order of outcomes in counts and tables
SPECIAL_OUTCOMES = (ACHIEVED, EARLY, LATE, MISSED, DUE, INSUFFICIENT, NO_TARGET)


@dataclass(frozen=True)
class SubtargetStatus:
    special: SpecialTarget
    target: Subtarget
    outcome: str
    reason_zh: str
    value: float | None = None  # the figure judged (due: the latest), in the sub-target's unit
    value_year: int | None = None
    reached: str = ""  # a milestone's date
    quality: str = ""
    source: str = ""
    outlook: Outlook | None = None

    @property
    def outcome_zh(self) -> str:
        return SPECIAL_OUTCOME_ZH[self.outcome]

    @property
    def figure_zh(self) -> str:
        """The figure as shown: a milestone's date, or the value with its year."""
        if self.reached:
            return dates_zh(self.reached)
        if self.value is None:
            return "—"
        return f"{fmt(self.value, self.target.unit)}（{self.value_year}年）"

    @property
    def probability_zh(self) -> str:
        o = self.outlook
        return probability_text(o.probability) if o is not None and o.assessable else "—"


def as_measure(t: Subtarget, special: SpecialTarget, linked: Measure | None = None) -> Measure:
    """The sub-target as a measure whose end target is the sub-target."""
    # a ceiling of Table 2 includes its bound (控制在0.047以内, 无劣Ⅴ类: at most 0, 前80强: rank 80 counts):
    # a level to stay at or below
    kind = "level" if t.kind in ("ceiling", "ceiling_rank") else t.kind
    years = tuple(range(plan_base_year() + 1, t.year + 1)) if kind == "average" else ()
    direction = "lower" if t.kind in ("ceiling", "ceiling_rank") else "higher"
    if linked is not None:
        direction = linked.direction
    compound = t.unit not in ("%", "位", "个", "起", "期/年") and kind in ("level", "floor") and t.value
    growth = linked.growth_model if linked is not None else ("compound" if compound else "linear")
    return Measure(id=t.id, kpi_id=special.id, name_zh=t.name_zh, name_en="", unit=t.unit, direction=direction,
                   value_type="rate" if kind == "average" else "level", growth_model=growth,
                   end_target=EndTarget(t.year, kind, t.text_zh, t.value, years, t.approx, strict=False))


def _ledger_book(rows: pd.DataFrame, members: dict[str, list[str]], as_of: int) -> FigureBook:
    """One book of the ledger's figures up to ``as_of`` for every sub-target (``members``: a sub-target's
    id -> the ids of its quantity's sub-targets, whose figures are its figures), each as a measure of its
    own id: one figure a year, the last known."""
    link = pd.DataFrame([(m, as_id) for as_id, ids in members.items() for m in ids], columns=["subtarget", "_as"])
    sel = rows[rows["year"] <= as_of].merge(link, on="subtarget", how="inner")
    sel = sel.sort_values(["_as", "year", "known_from"], kind="stable").drop_duplicates(["_as", "year"], keep="last")
    figures = pd.DataFrame({"measure_id": sel["_as"], "region": city_code(), "period": sel["year"].astype(str), "value": sel["value"],
                            "unit": "", "quality": sel["quality"], "method": "official", "source": sel["source"],
                            "note": sel["note"], "known_from": sel["known_from"]})
    return FigureBook(observations(figures))


#: the statuses last worked out, by catalogue and dataset (both immutable) and the ledger's content:
#: a report's sections ask for the same statuses several times
_SEEN: dict[tuple, tuple[Catalogue, Dataset, list]] = {}


def subtarget_status(cat: Catalogue, ds: Dataset, ledger: SpecialLedger, as_of: int) -> list[SubtargetStatus]:
    """Every sub-target of Table 2 at ``as_of``'s end, in the plan's order (worked out once for the
    same catalogue, dataset, ledger content and year)."""
    digest = None if ledger.rows is None else int(pd.util.hash_pandas_object(ledger.rows.astype(str), index=False).sum())
    key = (id(cat), id(ds), int(as_of), digest)
    hit = _SEEN.get(key)
    if hit is not None and hit[0] is cat and hit[1] is ds:
        return list(hit[2])
    out = _subtarget_status(cat, ds, ledger, as_of)
    if len(_SEEN) > 32:
        _SEEN.clear()
    _SEEN[key] = (cat, ds, out)
    return list(out)


def _subtarget_status(cat: Catalogue, ds: Dataset, ledger: SpecialLedger, as_of: int) -> list[SubtargetStatus]:
    rows = latest(ledger) if ledger.kept else pd.DataFrame(columns=["subtarget", "year", "value", "reached", "quality",
                                                                     "source", "known_from", "note"])
    members = {t.id: [u.id for u in g] for g in groups(cat) for t in g}
    book = _ledger_book(rows, members, as_of)  # made once: a book a sub-target costs more than the judging
    out = []
    for s in cat.special_targets:
        for t in s.subtargets:
            st = _one(cat, ds, rows, s, t, book, as_of, ledger.kept)
            if st.value is None and not st.reached:
                note = context_note(ds, t.id, as_of)
                if note:
                    st = replace(st, reason_zh=f"{st.reason_zh}；{note}")
            out.append(st)
    return out


def context_note(ds: Dataset, subtarget_id: str, as_of: int) -> str:
    """Related figures the dataset keeps for a sub-target that are not its measure, with the reason
    ("参考（非规划口径）：2020年171公里，仅地铁线路…"): shown beside a gap, never in its place."""
    ctx = ds.context
    if ctx is None or ctx.empty or "relates_to" not in ctx:
        return ""
    rows = ctx[(ctx["relates_to"] == subtarget_id) & (ctx["period"].astype(str).str[:4].astype(int) <= as_of)]
    return "；".join(f"参考（非规划口径）：{r.period}年{r.value}{r.unit}，{r.why_not_kpi_zh}" for r in rows.itertuples())


def _one(cat: Catalogue, ds: Dataset, rows: pd.DataFrame, s: SpecialTarget, t: Subtarget, ledger_book: FigureBook,
         as_of: int, kept: bool) -> SubtargetStatus:
    base = {"special": s, "target": t}
    if t.kind == "assigned":
        return SubtargetStatus(**base, outcome=NO_TARGET, reason_zh="按上级下达指标执行，规划未给出数值")
    if t.kind == "milestone":
        done = rows[(rows["subtarget"] == t.id) & (rows["reached"] != "") & (rows["year"] <= as_of)]
        if len(done):
            r = done.iloc[-1]
            on_time = int(r["year"]) <= t.year
            return SubtargetStatus(**base, outcome=ACHIEVED if on_time else LATE, reached=str(r["reached"]), quality=str(r["quality"]),
                                   source=str(r["source"]), reason_zh=f"{dates_zh(r['reached'])}实现" + ("" if on_time else f"，晚于规划的{t.year}年底"))
        if as_of < t.year:
            return SubtargetStatus(**base, outcome=DUE, reason_zh=f"规划要求{t.year}年底前实现")
        why = "台账中没有实现日期" if kept else "尚未录入重点专项目标台账"
        return SubtargetStatus(**base, outcome=INSUFFICIENT, reason_zh=f"已过{t.year}年底，{why}")
    linked = cat.measure(t.measure) if t.measure else None
    m = as_measure(t, s, linked)
    if linked is not None:  # the very figures of Table 1, read through the dataset's own book: never a copy
        book, m = ds.book, replace(m, id=linked.id)
        if (t.year, t.value) == (linked.end_target.year, linked.end_target.value):
            # the same target as Table 1's: judged as Table 1 judges it, so that the two tables never
            # differ on it (Table 2's “2万名左右” is Table 1's “2万名”: one verdict)
            m = linked
    else:
        book = ledger_book
    obs = book
    yearly = kpi_series(book, m.id, as_of=as_of)  # the figures that count, as the KPI tables show them
    last = yearly.iloc[-1] if len(yearly) else None
    seen = {"value": None if last is None else float(last["value"]), "value_year": None if last is None else int(last["period"]),
            "quality": "" if last is None else str(last["quality"]), "source": "" if last is None else str(last["source"])}
    if as_of >= t.year:
        f = final_outcome(m, obs)
        if f.outcome == INSUFFICIENT:
            why = f.reason_zh if linked is not None or kept else "尚未录入重点专项目标台账"
            return SubtargetStatus(**base, outcome=INSUFFICIENT, reason_zh=why, **seen)
        return SubtargetStatus(**base, outcome=f.outcome, reason_zh=f.reason_zh, value=f.value, value_year=t.year,
                               quality=f.quality, source=f.source)
    o = outlook(m, obs, as_of)
    if last is None:
        why = "暂无数据" if linked is not None or kept else "尚未录入重点专项目标台账"
        return SubtargetStatus(**base, outcome=DUE, reason_zh=f"{t.year}年到期；{why}", outlook=o)
    if meets(seen["value"], float(t.value), m.direction):
        return SubtargetStatus(**base, outcome=EARLY, reason_zh=f"{t.year}年到期；{seen['value_year']}年已达到目标水平，保持即可",
                               outlook=o, **seen)
    return SubtargetStatus(**base, outcome=DUE, reason_zh=f"{t.year}年到期；{o.what_it_takes_zh()}", outlook=o, **seen)


def counts(statuses: list[SubtargetStatus]) -> dict[str, int]:
    """How many sub-targets have each outcome (every outcome, zero included)."""
    c = {k: 0 for k in SPECIAL_OUTCOMES}
    for st in statuses:
        c[st.outcome] += 1
    return c


def by_special(cat: Catalogue, statuses: list[SubtargetStatus]) -> pd.DataFrame:
    """One row per special target (those without numeric sub-targets too): its lead units and how
    many sub-targets have each outcome."""
    rows = {s.id: {"special_id": s.id, "name_zh": s.name_zh, "lead_units": "、".join(s.lead_units), "subtargets": 0,
                   **{k: 0 for k in SPECIAL_OUTCOMES}} for s in cat.special_targets}
    for st in statuses:
        rows[st.special.id]["subtargets"] += 1
        rows[st.special.id][st.outcome] += 1
    return pd.DataFrame(rows.values())

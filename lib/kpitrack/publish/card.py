"""What a performance card (绩效卡) shows: one responsible unit's KPIs and special targets at a year.

The plan shows "各单位目标完成情况" on 绩效卡 (seed 三.(一).3.(3)). A card lists, for every measure of
the KPIs the unit answers for: the year's target, the latest figure, the status light, the 2020
outlook (probability of meeting the target) and, where it lags, what it would take; then the
special targets it leads with their 2020 targets. ``notebooks/performance_card.ipynb`` only calls
these functions and shows their results.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..analysis.outlook import Outlook, outlooks, probability_text
from ..analysis.progress import KPIStatus, assess
from ..core.exceptions import ParameterError
from ..core.labels import STATUS_ZH, Status, fmt
from ..data.actuals import Dataset, load_dataset
from ..plan.catalogue import Catalogue, catalogue
from ..plan.responsible import Unit, find_unit, responsible_units
from ..plan.schema import BASE_YEAR, PLAN_END
from .display import escape_markdown
from .params import check_common

LIGHT = {Status.ACHIEVED: "●", Status.ON_TRACK: "●", Status.AT_RISK: "●", Status.OFF_TRACK: "●", Status.INSUFFICIENT: "○", Status.NO_TARGET: "○"}


@dataclass(frozen=True)
class Card:
    cat: Catalogue
    ds: Dataset
    unit: Unit
    as_of: int
    statuses: dict[str, KPIStatus]
    outlooks: dict[str, Outlook]


def check_unit(cat: Catalogue, text: object) -> Unit:
    unit = find_unit(cat, str(text))
    if unit is None:
        raise ParameterError(f"parameter unit: unknown responsible unit {text!r}; known: {'、'.join(responsible_units(cat))}")
    return unit


def prepare(unit: str, as_of: int, dataset: str, data_as_of: str = "") -> Card:
    """The card of ``unit`` at year ``as_of`` (ParameterError for an unknown unit, year or dataset)."""
    dataset, _, data_as_of = check_common(dataset, "zh", data_as_of)
    try:
        as_of = int(as_of)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter as_of: expected a year such as 2018, got {as_of!r}") from None
    if not BASE_YEAR < as_of <= PLAN_END:
        raise ParameterError(f"parameter as_of: the plan runs {BASE_YEAR + 1}-{PLAN_END}; got {as_of}")
    cat = catalogue()
    u = check_unit(cat, unit)
    ds = load_dataset(dataset, cat, known_at=data_as_of or None)
    statuses = {s.kpi_id: s for s in assess(cat, ds, as_of) if s.kpi_id in u.kpis}
    outs = outlooks(cat, ds, as_of)
    return Card(cat, ds, u, as_of, statuses, {m.id: outs[m.id] for k in u.kpis for m in cat.kpi(k).measures})


def title(c: Card) -> str:
    return f"{c.unit.name}绩效卡（{c.as_of}年）"


def headline(c: Card) -> str:
    counts = {st: 0 for st in Status}
    for s in c.statuses.values():
        for ms in s.measures:
            counts[ms.status] += 1
    lines = [f"**责任单位：** {escape_markdown(c.unit.name)}"
             + (f"（又名{escape_markdown('、'.join(c.unit.aliases))}）" if c.unit.aliases else "")
             + f"　**评估年份：** {c.as_of}年　**数据：** {escape_markdown(c.ds.label_zh)}",
             "", "　".join(f"{STATUS_ZH[st]} {n}项" for st, n in counts.items() if n),
             "", f"**负责的关键绩效指标：** {len(c.unit.kpis)}项　**牵头的专项目标：** {len(c.unit.special_targets)}项"]
    if c.ds.synthetic:
        lines += ["", "> **注意：本绩效卡使用合成演示数据，不是真实数据。**"]
    return "\n".join(lines)


def kpi_table(c: Card) -> pd.DataFrame:
    rows = []
    for kid in c.unit.kpis:
        k = c.cat.kpi(kid)
        for m, ms in zip(k.measures, c.statuses[kid].measures):
            o = c.outlooks[m.id]
            latest = "—" if ms.latest_value is None else f"{fmt(ms.latest_value, m.unit)}（{ms.latest_year}年）"
            rows.append({
                "编号": kid, "指标": m.name_zh,
                f"{c.as_of}年目标": "—" if ms.trajectory_value is None else fmt(ms.trajectory_value, m.unit),
                "最新实际值": latest,
                "状态": f"{LIGHT[ms.status]} {STATUS_ZH[ms.status]}",
                f"{PLAN_END}年达标概率": probability_text(o.probability) if o.assessable else "—",
                "要实现目标需要": o.what_it_takes_zh() if o.assessable and o.likely_miss else ("—" if not o.assessable else "按目前态势可实现"),
            })
    return pd.DataFrame(rows)


def special_table(c: Card) -> pd.DataFrame:
    rows = []
    for sid in c.unit.special_targets:
        s = next(x for x in c.cat.special_targets if x.id == sid)
        for sub in s.subtargets:
            rows.append({"编号": sid, "专项目标": s.name_zh, "子目标": sub.name_zh, "2020年目标": sub.text_zh})
    return pd.DataFrame(rows)


def kpis(c: Card):
    """(KPI, its status) of the card, for the trend charts."""
    return [(c.cat.kpi(k), c.statuses[k]) for k in c.unit.kpis]

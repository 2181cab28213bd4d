"""One verdict per measure and year: the record every page writes from.

A :class:`Verdict` joins what the plan's progress rules say about a measure at a year (its status,
:mod:`.progress`) and what the forecast says about its end target (its outlook, :mod:`.outlook`),
and decides, once, the things pages used to decide each for itself:

* the **prospect** (:class:`Prospect`): already met (keep it), likely, unlikely (listed as
  "达标概率不足五成" exactly when the probability of meeting the target is below one half), or not
  assessed;
* the **advice** (:class:`Advice`): keep a target already met, move at the rate it takes (only for
  an unlikely target not yet met, so never in the wrong direction), or none;
* the **tension**: a status of 进度正常/已实现 beside a prospect of "unlikely", which every page that
  shows both must explain.

The mid-term report's Table 1, 主要问题 and 下一步建议, the performance cards and the API read these
records; words are made in ``publish``. :func:`check` states the rules a verdict must keep, and the
consistency tests run it over every measure of every dataset.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ..core.labels import Status
from ..data.actuals import Dataset
from ..plan.catalogue import Catalogue
from .outlook import Advice, Outlook, Prospect, advice_of, outlook, prospect_of
from .progress import KPIStatus, MeasureStatus, assess


#: Statuses that say the year's progress is on course.
GOOD = (Status.ACHIEVED, Status.ON_TRACK)


@dataclass(frozen=True)
class Verdict:
    """The judgement of one measure at one year."""

    measure_id: str
    kpi_id: str
    year: int
    status: MeasureStatus
    outlook: Outlook
    prospect: Prospect
    advice: Advice

    @property
    def listed_as_miss(self) -> bool:
        """Listed under 达标概率不足五成: exactly when the probability of meeting the target is below one half."""
        return self.prospect == Prospect.UNLIKELY

    @property
    def tension(self) -> bool:
        """On course this year (进度正常/已实现), yet unlikely to meet the end target: a page that
        shows both says why both hold."""
        return self.status.status in GOOD and self.listed_as_miss


def verdict_of(status: MeasureStatus, o: Outlook) -> Verdict:
    p = prospect_of(o)
    return Verdict(status.measure_id, status.kpi_id, status.as_of, status, o, p, advice_of(o, p))


@dataclass(frozen=True)
class Verdicts(Mapping[str, Verdict]):
    """Every measure's verdict at a year on one dataset (a mapping measure id -> verdict), with the
    KPIs' combined statuses."""

    year: int
    kpis: tuple[KPIStatus, ...]
    by_measure: dict[str, Verdict]

    def __getitem__(self, measure_id: str) -> Verdict:
        return self.by_measure[measure_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_measure)

    def __len__(self) -> int:
        return len(self.by_measure)

    def kpi(self, kpi_id: str) -> KPIStatus:
        return next(k for k in self.kpis if k.kpi_id == kpi_id)

    @property
    def outlooks(self) -> dict[str, Outlook]:
        return {mid: v.outlook for mid, v in self.by_measure.items()}

    def misses(self) -> list[Verdict]:
        return [v for v in self.by_measure.values() if v.listed_as_miss]


def verdicts(cat: Catalogue, ds: Dataset, year: int) -> Verdicts:
    """The verdict of every measure of ``cat`` at ``year`` on ``ds``, computed once."""
    kpis = tuple(assess(cat, ds, year))
    out = {}
    for ks in kpis:
        for ms in ks.measures:
            out[ms.measure_id] = verdict_of(ms, outlook(cat.measure(ms.measure_id), ds, year))
    return Verdicts(year, kpis, out)


def check(v: Verdict) -> list[str]:
    """The rules a verdict keeps (empty: it keeps them all); the consistency tests run this on
    every measure of every dataset and year."""
    o, bad = v.outlook, []
    if v.listed_as_miss != (o.assessable and o.probability is not None and o.probability == o.probability and o.probability < 0.5):
        bad.append("listed as a miss without a probability below one half, or the other way round")
    if v.advice == Advice.MOVE:
        if o.already_met:
            bad.append("advice to move a target already met")
        rate = o.required_rate
        if rate is not None and o.target_kind in ("level", "floor", "ceiling") and rate * (1 if o.direction == "higher" else -1) <= 0 \
                and not o.strict:
            bad.append(f"advice moves the measure the wrong way (required rate {rate:+.4g}, {o.direction} is better)")
    if v.advice == Advice.KEEP and not o.already_met:
        bad.append("keep advice for a target not met")
    return bad

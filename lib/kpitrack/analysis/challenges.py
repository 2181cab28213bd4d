"""Challenge targets (挑战指标) judged by the plan's rule (三.(一).3.(2), ``data/plan/scoring.yaml``).

A unit declares which of its targets are challenge targets (``params/challenges-<year>.yaml``); what
is computed here, from the figures, is whether each declared target qualifies and whether it was met.

- **Horizontal test** (横向比较): the year's target, put among the peer group's figures of the year
  before (the latest known when the target is set; one source, :mod:`.peers`), ranks in the top
  ``challenge_min_rank`` (3), or more than ``challenge_min_rank_gain`` (3) places above the home
  city's own rank that year. It cannot be judged without a peer indicator for the measure or without
  peer figures that year (the reason is given).
- **Vertical test** (纵向比较): the target is at least ``challenge_min_improvement`` (10%) better than
  the best the city has achieved so far (official figures up to the year before), in the measure's
  direction. It cannot be judged without such a figure.
- A declared target **qualifies** when both tests pass (the plan: "横向……或……；纵向……"); it is not a
  challenge target when either fails; undecided when a test cannot be judged and none fails.
- **Achieved**, all or nothing: the year's figure meets the target (the completion the scores use,
  :func:`kpitrack.analysis.scores.completion`: one set of numbers).
"""

from __future__ import annotations

from ..core.labels import fmt

from dataclasses import dataclass, field

import pandas as pd

from ..data.actuals import Dataset, kpi_series
from ..data.peers import Peers
from ..core.english import fmt_en
from ..plan.catalogue import Catalogue, Measure
from .peers import competition_ranks, ranking
from .scores import Challenges, completion


@dataclass(frozen=True)
class Check:
    passed: bool | None          # None: cannot be judged
    why_zh: str                  # the figures behind it, or why it cannot be judged
    figures: dict = field(default_factory=dict)
    why_en: str = ""             # the same in English


@dataclass(frozen=True)
class ChallengeResult:
    measure: Measure
    kind: str                    # challenge | key_challenge
    year: int
    target: float | None
    horizontal: Check
    vertical: Check
    actual: float | None
    achieved: bool | None        # None: no figure for the year (or no target)

    @property
    def qualifies(self) -> bool | None:
        tests = (self.horizontal.passed, self.vertical.passed)
        if False in tests:
            return False
        return True if all(tests) else None


def horizontal(peers: Peers, m: Measure, target: float | None, year: int, group: str, min_rank: int, min_gain: int) -> Check:
    """The horizontal test of ``target`` for ``year`` against ``group`` (see the module doc)."""
    if target is None:
        return Check(None, f"规划未给出{year}年数值目标", why_en=f"no number for {year} in the plan")
    indicators = peers.for_measure(m.id)
    if not indicators:
        return Check(None, "无可比的对标城市指标", why_en="no comparable indicator of the peer cities")
    last = year - 1
    for ind in indicators:
        r = ranking(peers, ind.id, last, group)
        others = r.table[r.table["city"] != peers.home]
        if others.empty:
            continue
        values = pd.concat([pd.Series([target]), others["value"].reset_index(drop=True)], ignore_index=True)
        target_rank = int(competition_ranks(values, ind.direction).iloc[0])
        n = len(values)
        figures = {"indicator": ind.id, "group": r.group.name_zh, "year": last, "source": r.source, "cities": n,
                   "target_rank": target_rank, "home_rank": r.home_rank}
        gain = None if r.home_rank is None else r.home_rank - target_rank
        passed = target_rank <= min_rank or (gain is not None and gain > min_gain)
        why = (f"目标值在{r.group.name_zh}{last}年{ind.name_zh}中居第{target_rank}位（共{n}个，来源：{peers.source_zh(r.source)}）"
               + ("" if r.home_rank is None else f"，{peers.home}当年第{r.home_rank}位")
               + (f"；{'达到' if passed else '未达到'}前{min_rank}位或进位{min_gain}位以上的要求"))
        why_en = (f"the target would rank {target_rank} of {n} in the {r.group.id} group on {ind.id} in {last}"
                  + ("" if r.home_rank is None else f" (the city ranked {r.home_rank})")
                  + f"; {'meets' if passed else 'does not meet'} the rule: top {min_rank}, or up more than {min_gain} places")
        return Check(passed, why, figures, why_en)
    return Check(None, f"{last}年无对标城市数据", why_en=f"no peer-city figures for {last}")


def vertical(ds: Dataset, m: Measure, target: float | None, year: int, min_improvement: float) -> Check:
    """The vertical test: ``target`` at least ``min_improvement`` better than the best figure so far."""
    if target is None:
        return Check(None, f"规划未给出{year}年数值目标", why_en=f"no number for {year} in the plan")
    s = kpi_series(ds, m.id, as_of=year - 1)
    s = s[s["period"] < year]
    if s.empty:
        return Check(None, f"{year}年以前无实际值", why_en=f"no figures before {year}")
    best = float(s["value"].max() if m.sign > 0 else s["value"].min())
    best_year = int(s.loc[s["value"] == best, "period"].iloc[0])
    if best <= 0:
        return Check(None, f"历史最好值为{fmt(best, m.unit)}，无法计算增幅", why_en="the best figure so far is not positive: no improvement can be computed")
    gain = (target - best) / best if m.sign > 0 else (best - target) / best
    passed = gain >= min_improvement - 1e-12
    return Check(passed, f"目标比历史最好值（{best_year}年{fmt(best, m.unit)}）{'改善' if gain >= 0 else '退后'}{abs(gain):.1%}；"
                        f"{'达到' if passed else '未达到'}不低于{min_improvement:.0%}的要求",
                {"best": best, "best_year": best_year, "improvement": gain},
                f"the target {'improves on' if gain >= 0 else 'falls short of'} the best figure so far ({best_year}: "
                f"{fmt_en(best, m.unit)}) by {abs(gain):.1%}; {'meets' if passed else 'does not meet'} the rule of at least "
                f"{min_improvement:.0%}")


def judge(cat: Catalogue, ds: Dataset, peers: Peers, challenges: Challenges, group: str = "sub-provincial") -> list[ChallengeResult]:
    """Every declared challenge target of the year: its tests and its outcome."""
    rules = cat.scoring
    out = []
    for kind, ids in (("key_challenge", challenges.key_challenge), ("challenge", challenges.challenge)):
        for mid in sorted(ids):
            m = cat.measure(mid)
            c, target, actual, _why = completion(m, ds, challenges.year)
            out.append(ChallengeResult(
                m, kind, challenges.year, target,
                horizontal(peers, m, target, challenges.year, group, rules.challenge_min_rank, rules.challenge_min_rank_gain),
                vertical(ds, m, target, challenges.year, rules.challenge_min_improvement),
                actual, None if c is None else c >= 1))
    return out

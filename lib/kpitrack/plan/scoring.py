"""The plan's scoring rules (section 三.(一).3.(2)) applied to a unit's yearly targets.

Basic targets (ordinary challenge targets included) earn up to ``base_share`` (95%) of the full
score in proportion to their completion; challenge targets are all-or-nothing; the remaining
``bonus_share`` (5%) rewards key challenge targets that were exceeded, in proportion to the share
of key challenge targets exceeded (the plan leaves the proportion open: see data/plan/scoring.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import ScoringRules


@dataclass(frozen=True)
class TargetResult:
    """The result of one yearly target of a responsible unit."""

    name: str
    completion: float  # share of the target achieved, 0..1 (capped at 1 for scoring)
    challenge: bool = False  # a challenge target (all-or-nothing)
    key_challenge: bool = False  # a key challenge target (may earn the bonus)
    exceeded: bool = False  # a key challenge target completed beyond its level


@dataclass(frozen=True)
class Score:
    base: float  # points out of rules.base_share
    bonus: float  # points out of rules.bonus_share
    total: float  # base + bonus, out of 1


def target_points(result: TargetResult, rules: ScoringRules) -> float:
    """Completion credited for one target: challenge targets score 1 if met, else 0."""
    if not 0 <= result.completion or result.completion != result.completion:
        raise ValueError(f"completion of {result.name!r} must be a number >= 0, got {result.completion}")
    if (result.challenge or result.key_challenge) and rules.challenge_all_or_nothing:
        return 1.0 if result.completion >= 1 else 0.0
    return min(result.completion, 1.0)


def score(results: list[TargetResult], rules: ScoringRules) -> Score:
    """Score a unit's year: 95% for basic completion, up to 5% bonus for key challenges exceeded.

    Raises
    ------
    ValueError
        If there are no targets, or a completion is negative or NaN.
    """
    if not results:
        raise ValueError("no targets to score")
    base = rules.base_share * sum(target_points(r, rules) for r in results) / len(results)
    keys = [r for r in results if r.key_challenge]
    bonus = rules.bonus_share * (sum(1 for r in keys if r.exceeded and r.completion >= 1) / len(keys)) if keys else 0.0
    return Score(base=base, bonus=bonus, total=base + bonus)

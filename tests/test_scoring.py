"""The plan's scoring rules: 95% base, 5% bonus, challenge targets all-or-nothing."""

from __future__ import annotations

import pytest

from kpitrack.plan.scoring import TargetResult, score


def test_all_basic_targets_met_gives_95_percent(cat):
    s = score([TargetResult("a", 1.0), TargetResult("b", 1.2)], cat.scoring)
    assert s.base == pytest.approx(0.95) and s.bonus == 0 and s.total == pytest.approx(0.95)


def test_partial_completion_is_proportional(cat):
    s = score([TargetResult("a", 1.0), TargetResult("b", 0.5)], cat.scoring)
    assert s.base == pytest.approx(0.95 * 0.75)


def test_challenge_target_is_all_or_nothing(cat):
    s = score([TargetResult("a", 1.0), TargetResult("c", 0.99, challenge=True)], cat.scoring)
    assert s.base == pytest.approx(0.95 * 0.5)


def test_bonus_for_exceeded_key_challenges(cat):
    results = [TargetResult("a", 1.0), TargetResult("k1", 1.1, key_challenge=True, exceeded=True),
               TargetResult("k2", 1.0, key_challenge=True, exceeded=False)]
    s = score(results, cat.scoring)
    assert s.base == pytest.approx(0.95)
    assert s.bonus == pytest.approx(0.05 * 0.5)
    assert s.total == pytest.approx(0.975)


def test_bad_input(cat):
    with pytest.raises(ValueError):
        score([], cat.scoring)
    with pytest.raises(ValueError):
        score([TargetResult("a", -0.1)], cat.scoring)

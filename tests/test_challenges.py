"""Challenge targets judged by the plan's rule (issue 21): the horizontal test against peers (top 3
or more than 3 places up), the vertical 10% test against the best so far, qualification, and the
all-or-nothing outcome; the command's JSON."""

from __future__ import annotations

import dataclasses
import json

import pytest

from kpitrack.analysis.challenges import ChallengeResult, Check, horizontal, vertical
from kpitrack.cli import main
from kpitrack.data.actuals import load_dataset
from kpitrack.plan.catalogue import catalogue

from .test_peers import _peers, _row


def _growth_peers(tmp_path, home_value):
    values = {"乙": 9.0, "丙": 8.0, "丁": 7.0, "戊": 6.0}
    rows = [_row(c, "gdp_real_growth", 2018, v) for c, v in values.items()] + [_row("甲", "gdp_real_growth", 2018, home_value)]
    return _peers(tmp_path, rows)


@pytest.mark.parametrize("target, home_2018, passed, target_rank", [
    (8.5, 5.0, True, 2),    # top 3
    (6.5, 5.0, False, 4),   # 4th of 5: not top 3; 甲 was 5th: up 1 place only
    (9.5, 5.0, True, 1),
])
def test_the_horizontal_test_puts_the_target_among_the_peers(tmp_path, target, home_2018, passed, target_rank):
    cat = catalogue()
    p = _growth_peers(tmp_path, home_2018)
    t = horizontal(p, cat.measure("K01.gdp_growth"), target, 2019, "g", 3, 3)
    assert t.passed is passed and t.figures["target_rank"] == target_rank and t.figures["year"] == 2018


def test_a_rise_of_more_than_three_places_qualifies_without_the_top_3(tmp_path):
    cat = catalogue()
    rows = [_row(c, "gdp_real_growth", 2018, v) for c, v in zip("乙丙丁戊己庚辛", [9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0])]
    groups = "home: 甲\ngroups:\n  g:\n    cities: [甲, 乙, 丙, 丁, 戊, 己, 庚, 辛]\n"
    p = _peers(tmp_path, rows + [_row("甲", "gdp_real_growth", 2018, 5.0)], groups)
    t = horizontal(p, cat.measure("K01.gdp_growth"), 7.2, 2019, "g", 3, 3)  # 甲 8th -> target 5th: up 3, not more
    assert t.passed is False and (t.figures["home_rank"], t.figures["target_rank"]) == (8, 5)
    t = horizontal(p, cat.measure("K01.gdp_growth"), 7.7, 2019, "g", 3, 3)  # 8th -> 4th: up 4 places
    assert t.passed is True and t.figures["target_rank"] == 4


def test_without_a_peer_indicator_or_figures_the_horizontal_test_cannot_be_judged(tmp_path):
    cat = catalogue()
    p = _growth_peers(tmp_path, 5.0)
    assert horizontal(p, cat.measure("K12.income"), 60000, 2019, "g", 3, 3).passed is None
    none_then = horizontal(p, cat.measure("K01.gdp_growth"), 8.0, 2017, "g", 3, 3)
    assert none_then.passed is None and "2016年无对标城市数据" in none_then.why_zh


def test_the_vertical_test_needs_ten_percent_over_the_best_so_far():
    cat, ds = catalogue(), load_dataset("hangzhou", catalogue())
    m = cat.measure("K01.gdp_growth")  # best official so far: 10.2% (2015)
    assert vertical(ds, m, 11.3, 2019, 0.10).passed is True      # +10.8%
    low = vertical(ds, m, 11.2, 2019, 0.10)
    assert low.passed is False and low.figures["best"] == pytest.approx(10.2) and low.figures["best_year"] == 2015
    pm = cat.measure("K08.pm25")  # lower is better: at least 10% below the lowest so far
    best = vertical(ds, pm, 100.0, 2019, 0.10).figures["best"]
    assert vertical(ds, pm, best * 0.89, 2019, 0.10).passed is True and vertical(ds, pm, best * 0.91, 2019, 0.10).passed is False


def test_qualification_needs_both_tests_and_one_failure_settles_it():
    cat = catalogue()
    base = ChallengeResult(cat.measure("K01.gdp_growth"), "challenge", 2019, 8.0, Check(True, ""), Check(True, ""), 8.1, True)
    assert base.qualifies is True
    assert dataclasses.replace(base, vertical=Check(False, "")).qualifies is False
    assert dataclasses.replace(base, horizontal=Check(None, "")).qualifies is None
    assert dataclasses.replace(base, horizontal=Check(None, ""), vertical=Check(False, "")).qualifies is False


def test_the_challenges_command_gives_every_declared_target_with_its_tests(tmp_path, capsys):
    declared = tmp_path / "challenges-2019.yaml"
    declared.write_text("year: 2019\nchallenge: [K01.gdp_growth]\nkey_challenge: [K12.income]\n", encoding="utf-8")
    assert main(["challenges", "--year", "2019", "--challenges", str(declared), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by_id = {t["measure_id"]: t for t in doc["targets"]}
    g = by_id["K01.gdp_growth"]
    assert g["horizontal"]["source"] and g["horizontal"]["year"] == 2018 and isinstance(g["horizontal"]["passed"], bool)
    assert g["vertical"]["best_year"] == 2015 and g["qualifies"] in (False, None, True)
    assert g["achieved"] is (g["actual"] >= g["target"])  # all or nothing, from the figures
    assert by_id["K12.income"]["horizontal"]["passed"] is None  # no peer indicator for all residents' income
    assert main(["challenges", "--year", "2019"]) == 2  # nothing declared for 2019
    assert "no challenge targets declared for 2019" in capsys.readouterr().err


def test_a_tie_with_a_peer_shares_the_rank(tmp_path):
    cat = catalogue()
    p = _growth_peers(tmp_path, 5.0)
    t = horizontal(p, cat.measure("K01.gdp_growth"), 8.0, 2019, "g", 3, 3)  # equal to 丙: shares 2nd
    assert t.figures["target_rank"] == 2 and t.passed is True

"""The catalogue against the seed text, and what a broken catalogue file does."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from kpitrack.core.exceptions import ValidationError
from kpitrack.plan.catalogue import export_csv, export_json, load_catalogue

from .conftest import REPO, halfwidth, tree_bytes

TABLE1 = (448, 1000)  # seed lines of Table 1


def spaced(value: float) -> str:
    """How the seed prints a number whose decimal point was lost: 7.5 -> '7 5'."""
    text = f"{value:.10g}"
    return text.replace(".", " ")


def table1_text(seed_lines, start: int, end: int) -> str:
    return "\n".join(seed_lines[start - 1:end - 1])


def test_counts(cat):
    assert len(cat.kpis) == 25
    assert len({k.id for k in cat.kpis}) == 25
    assert len(cat.special_targets) == 12
    assert len(cat.standards) == 100
    assert [s.no for s in cat.standards] == list(range(1, 101))
    assert sum(len(a.problems) for a in cat.problem_areas) == 52
    assert {d.id for d in cat.domains} == {k.domain for k in cat.kpis}


def test_domains_have_the_plans_kpi_counts(cat):
    counts = {}
    for k in cat.kpis:
        counts[k.domain] = counts.get(k.domain, 0) + 1
    # Table 1: economy 4, innovation 3, environment 4 (air quality counts twice), wellbeing 4, culture 4, internationalisation 6
    assert counts == {"economy": 4, "innovation": 3, "environment": 4, "wellbeing": 4, "culture": 4, "international": 6}


def _catalogue_numbers(kpi):
    for m in kpi.measures:
        if m.end_target.value is not None:
            yield m.id, m.end_target.value
        for t in m.yearly_targets:
            if t.value is not None:
                yield m.id, t.value


def _kpi_block(cat, seed_lines, index):
    start = cat.kpis[index].seed_line
    end = cat.kpis[index + 1].seed_line if index + 1 < len(cat.kpis) else TABLE1[1]
    return table1_text(seed_lines, start - 2, end)


def test_every_table1_number_of_the_catalogue_is_in_the_seed_with_its_decimal_point(cat, seed_lines):
    missing = []
    for i, k in enumerate(cat.kpis):
        block = _kpi_block(cat, seed_lines, i)
        for mid, value in _catalogue_numbers(k):
            forms = {spaced(value)}
            if value >= 10000:
                forms.add(spaced(value / 10000))  # 228000 is printed as "22 8 万"
            if not any(re.search(rf"(?<![\d]){re.escape(f)}(?![\d])", block) for f in forms):
                missing.append((mid, value))
    assert not missing, f"numbers not found in the seed near their KPI: {missing}"


def test_every_number_of_table1_in_the_seed_is_in_the_catalogue(cat, seed_lines):
    text = table1_text(seed_lines, *TABLE1)
    text = text.replace("PM2 5", "PM2.5")
    text = re.sub(r"“\s*1\s*\+\s*6\s*”", "", text)  # the name of the "1+6" industries
    text = re.sub(r"—\d+—", "", text)  # page number
    text = re.sub(r"μg\s*/\s*m3", "μg/m³", text)  # the unit, not a number
    text = re.sub(r"(?<!\d)20[12]\d(?!\d)", " | ", text)  # years
    tokens = re.findall(r"(?<![\d.])(\d+(?: \d{1,2}(?=[%‰ 个万\n]))?)", text)
    known = {round(v, 6) for k in cat.kpis for _, v in _catalogue_numbers(k)}
    unknown = []
    for tok in tokens:
        v = float(tok.replace(" ", "."))
        if round(v, 6) not in known and round(v * 10000, 6) not in known:
            unknown.append(tok)
    assert not unknown, f"Table 1 numbers missing from the catalogue: {unknown}"


@pytest.mark.parametrize("measure_id,value", [
    ("K01.gdp_growth", 7.5), ("K10.water_share", 90.6), ("K22.export_share", 20.4),
    ("K05.rd_share", 3.5), ("K06.talent_total", 265), ("K20.hukou_urbanisation", 71),
])
def test_lost_decimal_points_are_restored(cat, measure_id, value):
    m = cat.measure(measure_id)
    values = [m.end_target.value] + [t.value for t in m.yearly_targets]
    assert value in values


def test_housing_is_228_thousand_units_over_the_plan(cat):
    m = cat.measure("K13.housing_completed")
    assert m.end_target.kind == "cumulative" and m.end_target.value == 228000
    assert [t.value for t in m.yearly_targets] == [62176, 48903, 41153, 31819]


def test_special_target_numbers_are_in_the_seed(cat, seed_lines):
    starts = [s.seed_line for s in cat.special_targets] + [1560]
    missing = []
    for s, end in zip(cat.special_targets, starts[1:]):
        block = table1_text(seed_lines, s.seed_line - 3, end)
        for t in s.subtargets:
            if t.value is None or t.value == 0:  # "无劣Ⅴ类", "不发生": zero in words, not digits
                continue
            forms = {spaced(t.value)}
            if t.value >= 10000:
                forms.add(spaced(t.value / 10000))
            if not any(re.search(rf"(?<![\d]){re.escape(f)}(?![\d])", block) for f in forms):
                missing.append((t.id, t.value))
    assert not missing, missing


def test_table2_metro_kilometres_by_year(cat):
    s06 = next(s for s in cat.special_targets if s.id == "S06")
    km = {t.year: t.value for t in s06.subtargets if t.id.startswith("S06.metro_km")}
    assert km == {2017: 118, 2019: 169, 2020: 292, 2021: 446}


def test_standards_match_the_seed(cat, seed_lines):
    for st in cat.standards:
        block = "".join(seed_lines[st.seed_line - 1:st.seed_line + 4]).replace(" ", "")
        assert block.startswith(str(st.no)), st
        assert st.name_zh.replace(" ", "")[:8] in block, st
        assert str(st.year) in block, st
        assert st.responsible_unit[:3] in block, st


def test_scoring_rules(cat):
    assert cat.scoring.base_share == 0.95
    assert cat.scoring.bonus_share == 0.05
    assert cat.scoring.challenge_all_or_nothing is True


def test_export_json_holds_everything(cat):
    doc = json.loads(export_json(cat))
    assert len(doc["kpis"]) == 25 and len(doc["special_targets"]) == 12 and len(doc["standards"]) == 100
    assert doc["scoring"]["base_share"] == 0.95


def test_export_csv_has_a_row_per_target(cat):
    lines = export_csv(cat).splitlines()
    n_targets = sum(1 + len(m.yearly_targets) for m in cat.measures)
    assert sum(1 for line in lines if line.startswith("1,")) == n_targets
    assert sum(1 for line in lines if line.startswith("5,")) == 100


# ------------------------------------------------------------------ broken catalogue files

def _break(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("file,old,new,expected", [
    ("kpis.yaml", "unit: 亿美元", "unit: 美元", r"kpis.yaml:\d+:measures\[K21.fdi\].unit: unknown unit '美元'"),
    ("kpis.yaml", "direction: lower", "direction: down", r"kpis.yaml:\d+:measures\[K08.pm25\].direction: 'down' is not one of"),
    ("kpis.yaml", "value: 14300", "value: 十四千", r"kpis.yaml:\d+:measures\[K01.gdp_const\].end_target.value: expected a number"),
    ("kpis.yaml", "  - id: K02\n", "  - id: K01\n", r"duplicate KPI id 'K01'"),
    ("kpis.yaml", "years: [2017], kind: level, value: 51", "years: [2027], kind: level, value: 51", r"year 2027 is outside"),
    ("kpis.yaml", "domain: culture", "domain: sports", r"unknown domain 'sports'"),
    ("standards.csv", "1,public_governance,城市国际化评价指标体系,formulate,2018", "1,public_governance,城市国际化评价指标体系,formulate,二〇一八",
     r"standards.csv:2:year: expected an integer"),
    ("special_targets.yaml", "value: 3860", "value: -", r"special_targets.yaml:\d+:special_targets\[S01\].subtargets\[2\].value: expected a number"),
    ("scoring.yaml", "bonus_share: 0.05", "bonus_share: 0.5", r"scoring.yaml:\d+:bonus_share: base_share \+ bonus_share must be 1"),
    ("kpis.yaml", "kpis:\n", "kpis:\n  - [oops\n", r"kpis.yaml:\d+:-: invalid YAML"),
])
def test_broken_catalogue_is_refused_with_file_row_field(data_copy, file, old, new, expected):
    _break(data_copy / "plan" / file, old, new)
    with pytest.raises(ValidationError) as info:
        load_catalogue(data_copy / "plan")
    assert re.search(expected, str(info.value)), str(info.value)


def test_all_problems_reported_at_once(data_copy):
    _break(data_copy / "plan" / "kpis.yaml", "unit: 亿美元", "unit: 美元")
    _break(data_copy / "plan" / "standards.csv", ",市发改委,2523,", ",,2523,")
    with pytest.raises(ValidationError) as info:
        load_catalogue(data_copy / "plan")
    files = {p.file.rsplit("/", 1)[-1] for p in info.value.problems}
    assert files == {"kpis.yaml", "standards.csv"}


def test_validate_cli_exits_non_zero_and_changes_nothing(data_copy):
    _break(data_copy / "plan" / "kpis.yaml", "unit: 亿美元", "unit: 美元")
    before = tree_bytes(data_copy)
    proc = subprocess.run([sys.executable, "-m", "kpitrack.cli", "validate"], capture_output=True, text=True,
                          env={**__import__("os").environ, "KPITRACK_DATA": str(data_copy)}, cwd=REPO)
    assert proc.returncode == 2
    assert "kpis.yaml:" in proc.stderr and "measures[K21.fdi].unit" in proc.stderr
    assert tree_bytes(data_copy) == before


def test_validate_cli_ok_on_the_bundled_catalogue():
    proc = subprocess.run([sys.executable, "-m", "kpitrack.cli", "validate"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "25 KPIs" in proc.stdout


def test_halfwidth_helper():
    assert halfwidth("７ ５％") == "7 5%"

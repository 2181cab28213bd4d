"""Issue 33: every row of the public-figure files added to ../shared/data (copied into
examples/hangzhou-14th/sources/shared/) has one destination, listed in sources/mapping.csv: a figure
of the 14th-plan example's dataset (``figures``, or ``already`` there), a target of its plan
(``plan``), or context with the reason it is not a KPI figure (``context``)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from .conftest import REPO

EXAMPLE = REPO / "examples" / "hangzhou-14th"
SHARED = EXAMPLE / "sources" / "shared"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _mapping() -> dict[tuple[str, int], dict[str, str]]:
    out = {}
    for r in _rows(EXAMPLE / "sources" / "mapping.csv"):
        key = (r["file"], int(r["row"]))
        assert key not in out, f"{key} mapped twice"
        out[key] = r
    return out


def _figures() -> set[tuple[str, str, float]]:
    return {(r["指标编号"], r["时期"], float(r["数值"])) for r in _rows(EXAMPLE / "sources" / "figures.csv")}


@pytest.mark.parametrize("name", sorted(p.name for p in SHARED.glob("*.csv")))
def test_every_row_of_a_shared_file_has_one_destination(name):
    mapping = _mapping()
    rows = _rows(SHARED / name)
    assert rows
    for n, r in enumerate(rows, start=2):
        m = mapping.get((name, n))
        assert m is not None, f"{name} row {n} ({r}) is not mapped"
        year = r.get("year") or "2025"
        value = r.get("value") or r.get("target_2025")
        assert (m["year"], m["value"]) == (year, value), f"{name} row {n}: the mapping names another figure"
        assert m["destination"] in ("figures", "already", "plan", "context"), m
        assert m["reason"].strip(), f"{name} row {n}: no reason given"


def test_no_mapping_line_names_a_row_that_is_not_there():
    counts = {p.name: len(_rows(p)) for p in SHARED.glob("*.csv")}
    for (name, n) in _mapping():
        assert name in counts and 2 <= n <= counts[name] + 1, (name, n)


def test_figures_mapped_to_the_dataset_are_in_it_with_the_same_value():
    figures = _figures()
    for m in _mapping().values():
        if m["destination"] in ("figures", "already"):
            assert (m["measure"], m["year"], float(m["value"])) in figures, m


def test_targets_mapped_to_the_plan_are_its_measures():
    import os
    import subprocess
    import sys

    measures = {m["measure"] for m in _mapping().values() if m["destination"] == "plan"}
    out = subprocess.run([sys.executable, "-m", "kpitrack.cli", "--workspace", str(EXAMPLE), "catalogue"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO / "lib")}, check=True).stdout
    assert measures and all(m in out for m in measures), (measures, out[-500:])


def test_a_transcribed_figure_names_its_publication_and_says_where_it_was_read():
    """A figure read from a reprint or a third party's transcription says 转引自, with the publication."""
    for r in _rows(EXAMPLE / "sources" / "figures.csv"):
        if r["时期"] == "2025":
            assert "统计公报" in r["来源"] and "转引自" in r["来源"], r


def test_the_14th_plan_is_judged_on_its_2025_outcomes():
    """GDP, GDP per capita and urbanisation above their 2025 targets; digital-core value added and
    income below; R&D "约4%" is context (it cannot decide "力争达到4%"): at least five KPIs judged."""
    import json
    import os
    import subprocess
    import sys

    code = ("import json\nfrom kpitrack.analysis.final import final_outcomes\nfrom kpitrack.data.actuals import load_dataset\n"
            "from kpitrack.plan.catalogue import catalogue\ncat = catalogue()\n"
            "print(json.dumps({k: o for k, (o, _) in final_outcomes(cat, load_dataset('main', cat)).items()}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO / "lib"), "KPITRACK_DATA": str(EXAMPLE)}).stdout
    outcomes = json.loads(out.strip().splitlines()[-1])
    assert sum(o in ("achieved", "missed") for o in outcomes.values()) >= 5, outcomes
    assert [outcomes[k] for k in ("K01", "K02", "K08")] == ["achieved"] * 3
    assert [outcomes[k] for k in ("K04", "K05")] == ["missed"] * 2
    assert outcomes["K03"] == "insufficient"

"""The command line, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import REPO


def kpitrack(*args: str):
    return subprocess.run([sys.executable, "-m", "kpitrack.cli", *args], capture_output=True, text=True, cwd=REPO)


def test_catalogue_json_has_everything():
    proc = kpitrack("catalogue", "--format", "json")
    assert proc.returncode == 0
    doc = json.loads(proc.stdout)
    assert len(doc["kpis"]) == 25 and len(doc["special_targets"]) == 12 and len(doc["standards"]) == 100
    values = [t["value"] for k in doc["kpis"] for m in k["measures"] for t in m["yearly_targets"]]
    assert 62176 in values and 90.6 in values


def test_catalogue_csv():
    proc = kpitrack("catalogue", "--format", "csv")
    assert proc.returncode == 0 and proc.stdout.startswith("table,id,")


@pytest.mark.parametrize("dataset", ["hangzhou", "synthetic"])
def test_status_json_gives_every_kpi_a_status(dataset):
    proc = kpitrack("status", "--as-of", "2018", "--dataset", dataset, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert len(doc["kpis"]) == 25
    allowed = {"achieved", "on_track", "at_risk", "off_track", "insufficient_data", "no_target"}
    assert all(k["status"] in allowed for k in doc["kpis"])
    assert doc["synthetic"] is (dataset == "synthetic")


def test_status_table_and_csv(cat):
    table = kpitrack("status", "--as-of", "2018")
    assert table.returncode == 0 and "K08.pm25" in table.stdout and "已实现" in table.stdout
    csv = kpitrack("status", "--as-of", "2018", "--format", "csv")
    assert csv.stdout.count("\n") == 1 + len(cat.measures)  # header + one line per measure


@pytest.mark.parametrize("args,message", [
    (("status", "--as-of", "2030"), "parameter as_of"),
    (("status", "--as-of", "twenty"), "parameter as_of"),
    (("status", "--as-of", "2018", "--dataset", "nope"), "unknown dataset 'nope'"),
    (("run", "params/does-not-exist.yaml"), "parameter file not found"),
])
def test_user_errors_exit_non_zero_with_a_clear_message(args, message):
    proc = kpitrack(*args)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_parameter_file(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("as_of: 2018\ndataset: hangzhou\ncolour: red\n", encoding="utf-8")
    proc = kpitrack("run", str(p))
    assert proc.returncode == 2
    assert f"{p}: unknown parameter(s) colour" in proc.stderr


def test_cards_take_the_latest_year_when_no_as_of_is_given():
    """Issue 35: kpitrack cards without --as-of is the latest year with the city's yearly figures."""
    from kpitrack.api.args import _latest_year
    from kpitrack.cli.args import build_parser
    from kpitrack.data.actuals import load_dataset
    from kpitrack.plan.catalogue import catalogue

    assert build_parser().parse_args(["cards"]).as_of is None
    assert _latest_year(load_dataset("synthetic", catalogue())) == 2020

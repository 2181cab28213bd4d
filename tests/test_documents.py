"""The kinds of document in one table (issue 19): each notebook's parameters cell is the one source
of its defaults, every default dataset is the one default, and a notebook runs on its defaults."""

from __future__ import annotations

import pytest

from kpitrack.core.exceptions import ParameterError
from kpitrack.core.settings import default_dataset
from kpitrack.publish.runs import run as run_module
from kpitrack.publish.content.documents import KINDS, kind


def test_every_kind_has_a_notebook_whose_defaults_are_literals_and_the_one_default_dataset():
    assert set(KINDS) == {"midterm", "final", "bulletin", "card", "notice"}
    for k in KINDS.values():
        d = k.defaults()
        assert d, k.name
        assert d.get("dataset") == default_dataset(), (k.name, d.get("dataset"))
    with pytest.raises(ParameterError, match="unknown kind of document 'memo'; known: midterm"):
        kind("memo")


def test_report_parameters_come_from_the_notebooks(tmp_path, monkeypatch):
    empty = tmp_path / "p.yaml"
    empty.write_text("{}\n", encoding="utf-8")
    params = run_module.load_params(empty)
    mid, final = KINDS["midterm"].defaults(), KINDS["final"].defaults()
    # the notebooks' defaults, checked: no year given is the plan's middle year (a mid-term evaluation)
    assert mid["as_of"] is None and {k: params[k] for k in mid} == KINDS["midterm"].validate(mid)
    # the edition is set by the runner (--revise), never by a parameter file
    assert run_module.final_only() == tuple(k for k in final if k not in mid and k != "edition") == ("retro_as_of", "retro_data_as_of")
    assert "edition" in final and "edition" not in params
    # a parameter the notebooks do not have is refused, naming those they have
    empty.write_text("colour: red\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown parameter.*colour.*known: as_of, dataset"):
        run_module.load_params(empty)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bulletin", "card", "midterm"])
def test_a_notebook_runs_on_its_own_defaults(name, tmp_path):
    """A researcher who opens the notebook and runs it as it is gets a document, on the one default dataset."""
    from kpitrack.publish.runs.run import execute_notebook

    out = execute_notebook(KINDS[name].path, tmp_path / f"{name}.ipynb", {})
    assert out.is_file()


@pytest.mark.parametrize("name, given, field", [
    ("card", {"unit": "市不存在局"}, "unit"),
    ("card", {"colour": "red"}, "colour"),
    ("bulletin", {"month": "2018-13"}, "month"),
    ("notice", {"number": ""}, "number"),
    ("final", {"retro_as_of": 2020}, "retro_as_of"),
])
def test_each_kind_checks_its_parameters_once_naming_the_bad_one(name, given, field):
    with pytest.raises(ParameterError) as err:
        KINDS[name].validate(given)
    assert field in str(err.value)


def test_a_kind_returns_its_parameters_in_their_checked_form():
    p = KINDS["card"].validate({"unit": "市国推办", "as_of": "2018"})
    assert p == {"unit": "市发改委", "as_of": 2018, "dataset": default_dataset(), "data_as_of": ""}


def test_checking_prints_nothing_into_the_document(tmp_path):
    from kpitrack.publish.runs.run import execute_notebook

    import nbformat

    nb = nbformat.read(execute_notebook(KINDS["card"].path, tmp_path / "c.ipynb", {}), as_version=4)
    streams = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "stream"]
    assert streams == []  # no "Exception reporting mode: ..." line in a card

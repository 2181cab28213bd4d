"""Hostile round 3 (issue 31): digits that are not ASCII digits ('²⁰¹⁸', '①', '٢٠١٨': ``isdigit()`` is
true, ``int()`` fails or misreads) are refused by name, never a traceback."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("year", ["²⁰¹⁸", "①", "٢٠١٨"])
def test_a_table_2_ledger_with_unicode_digits_in_its_year_is_refused_by_field(year, data_copy, tmp_path, capsys):
    from kpitrack.cli import main

    f = tmp_path / "special.csv"
    f.write_text("subtarget,year,value,quality,source,known_from,note\n"
                 f"S01.tourism_revenue,{year},3589,reported,https://example.org,2021-01-09,\n", encoding="utf-8")
    assert main(["ingest", str(f), "--kind", "special", "--dataset", "hangzhou"]) == 2
    err = capsys.readouterr().err
    assert "year" in err and "Traceback" not in err


def test_a_run_parameter_in_unicode_digits_is_refused_with_a_message(capsys):
    from kpitrack.cli import main

    from pathlib import Path

    params = Path(__file__).resolve().parents[2] / "params" / "midterm-2018-synthetic.yaml"
    assert main(["run", str(params), "-p", "as_of=²⁰¹⁸", "--to", "html", "--renderer", "fallback"]) == 2
    err = capsys.readouterr().err
    assert "as_of" in err and "Traceback" not in err


@pytest.mark.parametrize("column,value,words", [("value", True, "not a number"), ("value", "52,185", "not a number"),
                                                ("value", float("nan"), "not a number"),
                                                ("known_from", 20190601, "not a date"), ("known_from", "2019-13-45", "not a date")])
def test_the_apis_own_figures_are_refused_by_row_and_field(column, value, words):
    import pandas as pd

    import kpitrack as kt
    from kpitrack.core.exceptions import ValidationError

    df = pd.DataFrame({"measure_id": ["K12.income"] * 3, "region": ["330100"] * 3, "period": ["2016", "2017", "2018"],
                       "value": [46116.0, 49832.0, 54348.0], "known_from": ["2017-03-01", "2018-03-01", "2019-03-01"]})
    df[column] = df[column].astype(object)
    df.at[1, column] = value
    with pytest.raises(ValidationError) as e:
        kt.status(figures=df, as_of=2018)
    assert any(p.row == 3 and p.field == column and words in p.message for p in e.value.problems), e.value.problems


@pytest.mark.parametrize("kw,field", [({"horizon": 1000000}, "horizon"), ({"horizon": True}, "horizon"), ({"horizon": 0}, "horizon"),
                                      ({"level": "x"}, "level"), ({"level": True}, "level"), ({"level": 1.5}, "level")])
def test_the_apis_forecast_parameters_are_refused_in_their_own_terms(kw, field):
    import kpitrack as kt
    from kpitrack.core.exceptions import ParameterError

    with pytest.raises(ParameterError) as e:
        kt.forecast("K12.income", "synthetic", as_of=2018, **kw)
    assert e.value.field == field and "1002018" not in str(e.value)


def test_the_site_with_quarto_asked_for_and_absent_exits_3(monkeypatch, capsys):
    import shutil

    from kpitrack.cli import main

    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "quarto" else real(name, *a, **k))
    assert main(["site", "--year", "2018", "--renderer", "quarto"]) == 3
    assert "quarto is not on PATH" in capsys.readouterr().err


def test_a_bad_parameter_in_plain_papermill_reads_as_one_message(tmp_path):
    """papermill with a bad parameter: the notebook's error is the message, not 38 lines of kpitrack's
    code (KpitrackError renders itself in IPython)."""
    from pathlib import Path

    import papermill as pm

    nb = Path(__file__).resolve().parents[2] / "notebooks" / "midterm_evaluation.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(str(nb), str(tmp_path / "out.ipynb"), parameters={"as_of": 1999, "dataset": "synthetic"},
                            kernel_name="kpitrack", progress_bar=False)
    assert e.value.ename == "ParameterError" and "2016-2020" in e.value.evalue
    assert len(e.value.traceback) <= 2, e.value.traceback

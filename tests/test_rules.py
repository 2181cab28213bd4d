"""The rules of a stored figure in one table (issue 19): the same rules refuse a ledger's row at
ingest and a hand-edited vintage at load, each by column and reason; a ledger may say fewer
qualities than the store holds."""

from __future__ import annotations

import pandas as pd
import pytest

from kpitrack.cli import main
from kpitrack.core.exceptions import Reason, ValidationError
from kpitrack.data.actuals import load_dataset
from kpitrack.data.regions import regions
from kpitrack.data.rules import LEDGER_QUALITIES, QUALITIES, RULES, Context, broken

HEADER = "指标编号,地区,时期,数值,单位,来源,数据质量"


def _figure(**kw):
    row = {"measure_id": "K01.gdp_growth", "region": "330100", "period": "2018", "value": "6.7", "unit": "%",
           "quality": "reported", "method": "official", "source": "统计公报", "note": "", "known_from": "2019-02-01"}
    return {**row, **kw}


@pytest.mark.parametrize("change, column, reason", [
    ({"measure_id": "K01.gdp_grwth"}, "measure_id", Reason.UNKNOWN_REFERENCE),
    ({"region": "999999"}, "region", Reason.UNKNOWN_REFERENCE),
    ({"period": "2030"}, "period", Reason.OUT_OF_RANGE),
    ({"period": "2018-00"}, "period", Reason.OUT_OF_RANGE),
    ({"unit": "亿元"}, "unit", Reason.INCONSISTENT),
    ({"value": "abc"}, "value", Reason.WRONG_TYPE),
    ({"value": "1e300"}, "value", Reason.OUT_OF_RANGE),
    ({"source": " "}, "source", Reason.MISSING),
    ({"quality": "guessed"}, "quality", Reason.NOT_ALLOWED),
    ({"method": "magic"}, "method", Reason.NOT_ALLOWED),
    ({"quality": "synthetic"}, "quality", Reason.INCONSISTENT),
    ({"known_from": "soon"}, "known_from", Reason.WRONG_TYPE),
])
def test_each_rule_names_its_column_and_reason(cat, change, column, reason):
    ctx = Context(cat, frozenset(r.code for r in regions()), synthetic=False)
    df = pd.DataFrame([_figure(), _figure(**change)])
    found = broken(df, ctx)
    assert [(i, rule.column, rule.reason) for i, rule, _ in found] == [(1, column, reason)], found


def test_one_rule_table_and_a_ledger_says_fewer_qualities():
    assert set(LEDGER_QUALITIES) < set(QUALITIES) and len({(r.column, r.reason) for r in RULES}) == len(RULES)


def test_the_same_bound_refuses_a_ledger_row_and_a_hand_edited_vintage(cat, tmp_path, data_copy, capsys):
    ledger = tmp_path / "台账.csv"
    ledger.write_text(f"{HEADER}\nK01.gdp_growth,杭州市,2019,1e300,%,统计公报,\n", encoding="utf-8")
    assert main(["ingest", str(ledger)]) == 2
    at_ingest = capsys.readouterr().err
    assert f"{ledger}:2:value: 1e+300 is not possible for a growth rate" in at_ingest
    # the same figure written into a stored vintage by hand is refused when the dataset loads
    vintage = data_copy / "actuals" / "hangzhou" / "vintages" / "0001.csv"
    lines = vintage.read_text(encoding="utf-8").splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("K01.gdp_growth,330100,"))
    cells = lines[i].split(",")
    cells[3] = "1e300"
    lines[i] = ",".join(cells)
    vintage.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from kpitrack.data.store import reload_tree

    reload_tree(vintage.parent.parent)  # the edited file taken on purpose (kpitrack store load --replace)
    with pytest.raises(ValidationError) as err:
        load_dataset("hangzhou", cat)
    assert f"{vintage}:{i + 1}:value: 1e+300 is not possible for a growth rate" in str(err.value)


def test_a_ledger_may_not_say_synthetic_but_may_say_revised(cat, tmp_path, data_copy, capsys):
    """A source's own revised series (and what kt.figures() exports) may come in as revised;
    synthetic figures are only generated."""
    ledger = tmp_path / "台账.csv"
    ledger.write_text(f"{HEADER}\nK01.gdp_growth,杭州市,2019,6.8,%,统计公报,synthetic\n", encoding="utf-8")
    assert main(["ingest", str(ledger)]) == 2
    assert ":2:quality: 'synthetic' is not one of reported, preliminary, revised, derived" in capsys.readouterr().err
    ledger.write_text(f"{HEADER}\nK01.gdp_growth,杭州市,2019,6.8,%,统计公报,revised\n", encoding="utf-8")
    assert main(["ingest", str(ledger)]) == 0
    ctx = Context(cat, frozenset(r.code for r in regions()), synthetic=False)
    assert broken(pd.DataFrame([_figure(quality="revised")]), ctx) == []

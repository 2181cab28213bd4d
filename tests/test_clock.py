"""Today is the city's (``timezone`` in workspace.yaml, China's by default), whatever the machine's
time zone: a figure ingested at 07:30 in Hangzhou is known from that day, and that day is not in the
future; a workspace naming a time zone that does not exist is refused by file and field."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from kpitrack.core import clock
from kpitrack.core.exceptions import ValidationError
from kpitrack.core.workspace import Workspace

ROW = ("measure_id,region,period,value,unit,quality,method,source,note\n"
       "K02.revenue,330106,2019,{v},亿元,reported,official,https://example.org/x,\n")
#: 23:30 on 19 January in UTC is 07:30 on 20 January in Hangzhou
MORNING = datetime(2020, 1, 19, 23, 30, tzinfo=timezone.utc)


def test_a_figure_ingested_in_hangzhou_s_morning_is_known_from_that_day(cat, data_copy):
    from kpitrack.data.ingest import ingest

    undated = data_copy.parent / "undated.csv"
    undated.write_text(ROW.format(v=99), encoding="utf-8")
    v = ingest(undated, cat, "hangzhou", now=MORNING)
    assert v.known_from == "2020-01-20" and v.ingested_at == "2020-01-19T23:30:00Z" and not v.dated

    dated = data_copy.parent / "dated.csv"  # published that morning: not a day in the future
    dated.write_text(ROW.format(v=98), encoding="utf-8")
    assert ingest(dated, cat, "hangzhou", known_from="2020-01-20", now=MORNING).known_from == "2020-01-20"
    tomorrow = data_copy.parent / "tomorrow.csv"
    tomorrow.write_text(ROW.format(v=97), encoding="utf-8")
    with pytest.raises(ValidationError, match="in the future"):
        ingest(tomorrow, cat, "hangzhou", known_from="2020-01-21", now=MORNING)


def test_the_day_is_the_workspace_s():
    assert clock.local_day(MORNING) == date(2020, 1, 20)
    assert clock.local_day(MORNING, "Europe/London") == date(2020, 1, 19)
    assert clock.local_day(MORNING.replace(tzinfo=None)) == date(2020, 1, 20)  # a naive moment is UTC
    assert clock.now().utcoffset().total_seconds() == 8 * 3600


def test_a_workspace_names_its_time_zone_or_is_refused(tmp_path):
    from kpitrack.data.workspaces import init_workspace

    folder = tmp_path / "ws"
    init_workspace(folder, "宁波市")
    assert Workspace.open(folder).timezone == "Asia/Shanghai"
    text = (folder / "workspace.yaml").read_text(encoding="utf-8")
    (folder / "workspace.yaml").write_text(text.replace("timezone: Asia/Shanghai", "timezone: Asia/Hangzhou"), encoding="utf-8")
    from kpitrack.core import workspace as ws_module

    ws_module._workspace.cache_clear()
    with pytest.raises(ValidationError) as info:
        Workspace.open(folder)
    assert info.value.problems[0].field == "timezone" and "workspace.yaml" in info.value.problems[0].file


@pytest.mark.parametrize("zone", ["Asia", "localtime", "Asia/Hangzhou", "x" * 300])
def test_kpitrack_validate_refuses_a_time_zone_that_is_not_a_place_s(data_copy, capsys, zone):
    from kpitrack.cli import main
    from kpitrack.core import workspace as ws_module

    text = (data_copy / "workspace.yaml").read_text(encoding="utf-8")
    (data_copy / "workspace.yaml").write_text(text.replace("timezone: Asia/Shanghai", f"timezone: {zone}"), encoding="utf-8")
    ws_module._workspace.cache_clear()
    try:
        assert main(["validate"]) == 2
        err = capsys.readouterr().err
        assert "workspace.yaml" in err and "timezone" in err
        assert main(["status", "--as-of", "2018"]) == 2  # not "unknown dataset": the workspace's own error
    finally:
        ws_module._workspace.cache_clear()


def test_a_plan_ledger_s_day_is_the_city_s_and_never_in_the_future(data_copy, tmp_path):
    import csv

    from kpitrack.data.plan_ledgers import ingest_ledger, kind
    from kpitrack.plan.catalogue import catalogue

    def standards(name, no):
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([["no", "issued_on", "document_no", "source"], [no, "2018-05-01", f"DB3301/T {no}", "公告"]])
        return path

    folder, cat = data_copy / "actuals" / "hangzhou", catalogue()
    v = ingest_ledger(standards("a.csv", "3"), kind("standards"), folder, cat, now=MORNING.replace(tzinfo=None))  # naive: UTC
    assert v.known_from == "2020-01-20" and v.ingested_at == "2020-01-19T23:30:00Z"
    with pytest.raises(ValidationError, match="in the future"):
        ingest_ledger(standards("b.csv", "4"), kind("standards"), folder, cat, known_from="2020-01-21", now=MORNING)

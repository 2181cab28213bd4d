"""Table 2's special targets tracked like KPI measures (issue 21): the ledger's rows checked with file,
row and field; sub-targets linked to Table 1 take its figures (one set of numbers); the plan's dated
targets of one quantity share their figures; milestones met, late, due or without data; the real
dataset's sourced figures (the Hangzhou-Huangshan railway, tourism revenue) and its context."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kpitrack.analysis.final import final_outcome
from kpitrack.analysis.special import ACHIEVED, DUE, INSUFFICIENT, LATE, MISSED, NO_TARGET, subtarget_status
from kpitrack.cli import main
from kpitrack.core.exceptions import ValidationError
from kpitrack.data.actuals import load_dataset
from kpitrack.data.special import SYNTHETIC_SOURCE, read_special, synthetic_special
from kpitrack.plan.catalogue import catalogue

HEAD = "subtarget,year,value,quality,source,known_from,note\n"


def _ledger(tmp_path, text, **kw):
    (tmp_path / "special.csv").write_text(HEAD + text, encoding="utf-8")
    return read_special(tmp_path, catalogue(), **kw)


def _by_id(statuses):
    return {s.target.id: s for s in statuses}


def test_bad_rows_name_file_row_and_field(tmp_path):
    with pytest.raises(ValidationError) as err:
        _ledger(tmp_path, "S99.x,2018,1,reported,来源,2019-01-01,\n"              # 2: unknown
                          "S01.inbound_tourists,2018,420,reported,来源,2019-01-01,\n"  # 3: a Table 1 measure's figure
                          "S06.hangzhou_huangshan_rail,2018,2018-13-01,reported,来源,2019-01-01,\n"  # 4: not a date
                          "S06.metro_km_2020,2020,很多,reported,来源,2021-01-01,\n"    # 5: not a number
                          "S06.metro_km_2020,2020,171,guessed,,2021-01-01,\n"          # 6: quality, source
                          "S10.crime_rates,2020,1,reported,来源,2021-01-01,\n"        # 7: assigned: no figure
                          "S01.tourism_revenue,2018,3589,reported,来源,2021-01-09,\n"
                          "S01.tourism_revenue,2018,3590,reported,来源,2021-01-09,\n")  # 9: duplicate
    text = str(err.value)
    for expected in (":2:subtarget: 'S99.x' is not a sub-target", ":3:subtarget: S01.inbound_tourists is measured by Table 1's K24",
                     ":4:value: a milestone's value is the day it was reached", ":5:value: '很多' is not a number",
                     ":6:quality: 'guessed' is not one of", ":6:source: every figure needs its source",
                     ":7:subtarget: S10.crime_rates (assigned) has no figure", ":9:subtarget: S01.tourism_revenue 2018 known from 2021-01-09"):
        assert expected in text, text
    with pytest.raises(ValidationError, match="synthetic"):  # synthetic figures only in a synthetic dataset
        _ledger(tmp_path, "S01.tourism_revenue,2018,3589,synthetic,来源,2021-01-09,\n")


def test_milestones_met_late_due_and_without_data(tmp_path):
    cat, ds = catalogue(), load_dataset("synthetic", catalogue())
    ledger = _ledger(tmp_path, "S06.hangzhou_huangshan_rail,2019,2019-03-01,reported,来源,2019-03-02,\n"
                               "S06.west_station_start,2018,2018-12-20,reported,来源,2018-12-21,\n", synthetic=True)
    at_2018 = _by_id(subtarget_status(cat, ds, ledger, 2018))
    assert at_2018["S06.west_station_start"].outcome == ACHIEVED and at_2018["S06.west_station_start"].reached == "2018-12-20"
    assert at_2018["S06.hangzhou_huangshan_rail"].outcome == INSUFFICIENT  # due at 2018's end; the ledger has no date by then
    assert at_2018["S06.west_station_open"].outcome == DUE                  # due 2022
    late = _by_id(subtarget_status(cat, ds, ledger, 2019))["S06.hangzhou_huangshan_rail"]
    assert late.outcome == LATE and "晚于规划的2018年底" in late.reason_zh
    assert _by_id(subtarget_status(cat, ds, ledger, 2020))["S10.crime_rates"].outcome == NO_TARGET


def test_dated_targets_of_one_quantity_share_their_figures_and_ceilings_include_their_bound(tmp_path):
    """Metro kilometres: targets for 2017, 2019, 2020 and 2021; a figure of 2019 judges the 2019 target
    and is the latest figure for the 2020 one. 无劣Ⅴ类 (at most 0) is met by 0."""
    cat, ds = catalogue(), load_dataset("synthetic", catalogue())
    ledger = _ledger(tmp_path, "S06.metro_km_2017,2017,117,reported,来源,2018-01-10,\n"
                               "S06.metro_km_2017,2018,140,reported,来源,2019-01-10,\n"
                               "S06.metro_km_2017,2019,170,reported,来源,2020-01-10,\n"
                               "S08.no_worse_than_v,2020,0,reported,来源,2021-01-10,\n", synthetic=True)
    st = _by_id(subtarget_status(cat, ds, ledger, 2019))
    assert st["S06.metro_km_2017"].outcome == MISSED and st["S06.metro_km_2017"].value == 117  # 117 < 118
    assert st["S06.metro_km_2019"].outcome == ACHIEVED and st["S06.metro_km_2019"].value == 170
    assert st["S06.metro_km_2020"].outcome == DUE and st["S06.metro_km_2020"].value == 170 and st["S06.metro_km_2020"].value_year == 2019
    o = st["S06.metro_km_2020"].outlook
    assert o is not None and o.assessable and 0 <= o.probability <= 1 and "需年均增长" in st["S06.metro_km_2020"].reason_zh
    assert _by_id(subtarget_status(cat, ds, ledger, 2020))["S08.no_worse_than_v"].outcome == ACHIEVED


def test_a_revision_replaces_what_it_revises_and_known_at_reads_the_past(tmp_path):
    text = ("S01.tourism_revenue,2020,3800,preliminary,来源,2021-01-31,\n"
            "S01.tourism_revenue,2020,3900,reported,来源,2021-09-01,\n")
    cat, ds = catalogue(), load_dataset("synthetic", catalogue())
    now = _by_id(subtarget_status(cat, ds, _ledger(tmp_path, text, synthetic=True), 2020))["S01.tourism_revenue"]
    then = _by_id(subtarget_status(cat, ds, _ledger(tmp_path, text, synthetic=True, known_at="2021-06-30"), 2020))["S01.tourism_revenue"]
    assert (now.outcome, now.value, then.outcome, then.value) == (ACHIEVED, 3900, MISSED, 3800)


def test_linked_subtargets_show_table_1s_figures_and_judgement():
    """One set of numbers: S08.good_air_days is K09.good_air_days; its 2020 judgement is the final
    evaluation's of the KPI measure, with the same figure."""
    cat = catalogue()
    ds = load_dataset("hangzhou", cat)
    st = _by_id(subtarget_status(cat, ds, read_special(ds.folder, cat), 2020))["S08.good_air_days"]
    kpi = final_outcome(cat.measure("K09.good_air_days"), ds.observations)
    assert st.target.measure == "K09.good_air_days"
    assert (st.outcome, st.value, st.source) == (kpi.outcome, kpi.value, kpi.source)


def test_the_real_dataset_keeps_its_sourced_figures_and_says_what_is_context(capsys):
    assert main(["special", "--year", "2018", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by = {d["subtarget_id"]: d for d in doc["subtargets"]}
    rail = by["S06.hangzhou_huangshan_rail"]
    assert (rail["outcome"], rail["reached"]) == ("achieved", "2018-12-25") and "xsnet.cn" in rail["source"]
    tourism = by["S01.tourism_revenue"]
    assert (tourism["outcome"], tourism["value"], tourism["value_year"]) == ("due", 3589.0, 2018)
    assert doc["synthetic"] is False and len(doc["subtargets"]) == sum(len(s.subtargets) for s in catalogue().special_targets)
    assert main(["special", "--year", "2020", "--format", "json"]) == 0
    metro = {d["subtarget_id"]: d for d in json.loads(capsys.readouterr().out)["subtargets"]}["S06.metro_km_2020"]
    # the 171 km of metro lines is not the plan's rail length (it counts intercity lines): context beside the gap
    assert metro["outcome"] == "insufficient" and metro["value"] is None and "171公里" in metro["reason_zh"]


def test_every_row_of_the_new_source_file_is_mapped(tmp_path):
    """Adding a series to hangzhou_2016_2020_more.csv without mapping it stops the rebuild, naming it."""
    import shutil

    from kpitrack.data.sources import build_hangzhou

    from .conftest import REPO

    src = tmp_path / "sources"
    shutil.copytree(REPO / "data" / "sources", src)
    _, context, _, special = build_hangzhou(catalogue(), src)
    assert set(special["subtarget"]) == {"S01.tourism_revenue", "S06.hangzhou_huangshan_rail"}
    assert {"K19.national_items", "T2.metro_km", "K12.income_urban_rural"} <= set(context["series"])
    f = src / "hangzhou_2016_2020_more.csv"
    f.write_text(f.read_text(encoding="utf-8") + "T2.new_thing,2019,1,个,reported,2020-01-01,http://x,,\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="T2.new_thing"):
        build_hangzhou(catalogue(), src)


def test_synthetic_ledger_is_labelled_seeded_and_every_section_shows_something(capsys):
    df = synthetic_special(catalogue())
    assert set(df["source"]) == {SYNTHETIC_SOURCE} and df.equals(synthetic_special(catalogue()))
    assert main(["special", "--year", "2018", "--dataset", "synthetic", "--format", "csv"]) == 0
    table = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert {"achieved", "missed", "due"} <= set(table["outcome"])


def test_a_catalogue_link_to_a_missing_measure_or_another_unit_is_refused(data_copy):
    from kpitrack.plan.catalogue import load_catalogue

    path = data_copy / "plan" / "special_targets.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("measure: K24.inbound_tourists", "measure: K24.tourism_fx"), encoding="utf-8")
    with pytest.raises(ValidationError, match="K24.tourism_fx is measured in '亿美元', the sub-target in '万人次'"):
        load_catalogue(data_copy / "plan")
    path.write_text(text.replace("measure: K24.inbound_tourists", "measure: K24.nothing"), encoding="utf-8")
    with pytest.raises(ValidationError, match="'K24.nothing' is not a measure of Table 1"):
        load_catalogue(data_copy / "plan")


def test_a_linked_subtarget_met_before_its_year_reads_reached_early_as_its_measure_reads_achieved():
    """Table 2's PM2.5 sub-target shares Table 1's K08 figures: in 2018 both say the level is reached
    (提前达到 beside 已实现), never 未到期 beside 已实现."""
    import kpitrack as kt
    from kpitrack.analysis.special import EARLY, SPECIAL_OUTCOME_ZH

    cat = catalogue()
    ds = load_dataset("hangzhou", cat)
    st = _by_id(subtarget_status(cat, ds, read_special(ds.folder, cat), 2018))["S08.pm25"]
    assert st.target.measure == "K08.pm25" and st.target.year == 2020
    assert st.outcome == EARLY and st.outcome_zh == SPECIAL_OUTCOME_ZH[EARLY] == "提前达到"
    table1 = kt.status("hangzhou", 2018).set_index("measure").loc["K08.pm25"]
    assert table1["status"] == "achieved" and table1["latest_value"] == st.value

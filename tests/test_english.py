"""Issue 35: the researcher's kpitrack in English. Every public ``kt`` function with
``language="en"`` gives no Chinese character in any text column, column name, index, attr or chart
text; units come with their English and a multiplier; reasons and advice in English sentences from
the same codes and facts as the Chinese ones."""

from __future__ import annotations

import inspect
import json

import pandas as pd
import pytest

import kpitrack as kt
from kpitrack import api
from kpitrack.core.english import has_cjk, multiplier, note_en, plan_words_en, source_en, unit_en

#: one English call per public function (the test below checks that none is left out)
CALLS = {
    "catalogue": lambda: kt.catalogue(language="en"),
    "figures": lambda: [kt.figures(d, language="en") for d in ("hangzhou", "synthetic")],
    "status": lambda: [kt.status(d, y, language="en") for d in ("hangzhou", "synthetic") for y in (2016, 2018, 2020)]
    + [kt.status("synthetic", 2018, region="Xihu", language="en")],
    "outlook": lambda: [kt.outlook(d, y, language="en") for d in ("hangzhou", "synthetic") for y in (2016, 2018)]
    + [kt.outlook("synthetic", 2018, region="Xihu", language="en")],
    "forecast": lambda: [kt.forecast("K12.income", "synthetic", 2018, language="en"),
                         kt.forecast("K02.tax_share", "hangzhou", 2018, language="en")],
    "final": lambda: [kt.final(d, language="en") for d in ("hangzhou", "synthetic")],
    "chart": lambda: [kt.chart("K12.income", "synthetic", 2018, language="en"), kt.chart("K08.pm25", "hangzhou", 2019, language="en"),
                      kt.chart("K02.revenue", "synthetic", 2018, region="Xihu", language="en"),
                      kt.chart("K01", "hangzhou", 2020, language="en")],
    "compare_regions": lambda: [kt.compare_regions("K02.revenue", "synthetic", "2018-06", language="en"),
                                kt.compare_regions("K12.income", "hangzhou", language="en")],
    "datasets": lambda: kt.datasets(language="en"),
    "regions": lambda: kt.regions(language="en"),
    "search": lambda: [kt.search("air", language="en"), kt.search("空气", language="en")],
    "vintages": lambda: [kt.vintages(d, language="en") for d in ("hangzhou", "synthetic")],
    "context": lambda: kt.context("hangzhou", language="en"),
    "peers": lambda: [kt.peers("gdp_nominal", 2019, language="en"), kt.peers("pm25_annual_mean_official", 2019, language="en")],
    "challenges": lambda: kt.challenges(2018, "synthetic", language="en"),
}
#: public names that return no table or chart
NOT_RESULTS = {"CatalogueTables", "STATUS_ORDER", "new_dataset", "dataset"}


def _chinese_in(result) -> list[str]:
    """Every piece of text in a result that holds a Chinese character."""
    found: list[str] = []
    if isinstance(result, (list, tuple)):
        for r in result:
            found += _chinese_in(r)
        return found
    if isinstance(result, api.CatalogueTables):
        for name in ("domains", "kpis", "measures", "targets", "agencies", "special_targets"):
            found += [f"{name}: {x}" for x in _chinese_in(getattr(result, name))]
        return found
    if isinstance(result, pd.DataFrame):
        texts = [str(c) for c in result.columns] + [str(i) for i in result.index]
        for c in result.columns:
            if not pd.api.types.is_numeric_dtype(result[c]) and not pd.api.types.is_datetime64_any_dtype(result[c]):
                texts += [f"{c}={v}" for v in result[c].dropna().astype(str).unique()]
        texts += [f"attrs[{k}]={json.dumps(v, ensure_ascii=False, default=str)}" for k, v in result.attrs.items()]
        return [t for t in texts if has_cjk(t)]
    fig = json.loads(result.to_json())  # a plotly figure: every string of its data and layout
    strings: list[str] = []

    def walk(x) -> None:
        if isinstance(x, str):
            strings.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(fig.get("data"))
    walk(fig.get("layout"))
    return [s for s in strings if has_cjk(s)]


def test_every_public_function_is_called_in_english():
    public = {n for n in api.__all__ if callable(getattr(kt, n, None))} - NOT_RESULTS
    assert public == set(CALLS), f"add an English call for {public - set(CALLS)}"
    for name in CALLS:
        assert "language" in inspect.signature(getattr(kt, name)).parameters, name


@pytest.mark.parametrize("name", sorted(CALLS))
def test_an_english_result_holds_no_chinese(name):
    found = _chinese_in(CALLS[name]())
    assert not found, found[:5]


def test_english_results_say_what_they_leave_out_and_keep_the_codes():
    s = kt.status("synthetic", 2018, language="en")
    assert "reason_zh" not in s.columns and s["reason_text"].str.len().gt(0).all()
    assert "language='zh'" in s.attrs["note"]
    zh = kt.status("synthetic", 2018)
    assert list(zh["reason"]) == list(s["reason"]) and list(zh["status"]) == list(s["status"])  # one verdict, two languages
    assert (zh["reason_text"] == zh["reason_zh"]).all()
    o = kt.outlook("synthetic", 2018, language="en").set_index("measure")
    assert o.loc["K12.income", "rate_unit"] == "% a year" and o.loc["K05.rd_share", "rate_unit"] == "percentage points a year"
    assert f"{o.loc['K01.gdp_const', 'required_rate']:.1f}% a year" in o.loc["K01.gdp_const", "what_it_takes"]


def test_units_come_with_english_and_a_multiplier():
    f = kt.figures("hangzhou", measure="K01.gdp_nominal")
    row = f.iloc[0]
    assert row["unit"] == "亿元" and row["unit_en"] == "100 million yuan" and row["multiplier"] == 1e8
    from kpitrack.core.english import missing_units

    m = kt.catalogue().measures
    assert missing_units(m["unit"]) == []  # every unit of the plan has its English
    assert multiplier("万人") == 1e4 and multiplier("%") == 1.0 and unit_en("个百分点/年") == "percentage points a year"
    assert unit_en("亿元 (固定资产投资)") == "100 million yuan" and multiplier("亿元 (税收收入)") == 1e8  # a unit as printed
    assert unit_en("斤") == "" and missing_units(["斤", "亿元"]) == ["斤"]
    with pytest.raises(KeyError, match="no English for the unit"):
        unit_en("斤", strict=True)
    t = kt.catalogue().targets.set_index(["measure", "target_kind"])
    assert t.loc[("K12.income", "growth"), "unit"] == "%" and t.loc[("K05.rd_share", "increment"), "unit"] == "个百分点"


def test_another_plans_workspace_in_english():
    """The 14th plan's example: its units (倍 too) in English, nothing Chinese, nothing raised."""
    from kpitrack.core import paths

    h = kt.open(paths.REPO_ROOT / "examples" / "hangzhou-14th")
    found = _chinese_in([h.outlook("main", language="en"), h.status("main", language="en"), h.catalogue(language="en")])
    assert not found, found[:5]


def test_sources_notes_and_plan_words_in_english():
    assert source_en("https://example.org/年鉴/17-2 表（2015年）.html (浙江统计年鉴2016, table 17-2) [OFFICIAL]") == \
        "https://example.org/%E5%B9%B4%E9%89%B4/17-2%20%E8%A1%A8%EF%BC%882015%E5%B9%B4%EF%BC%89.html"
    assert source_en("杭州市统计局《统计公报》") == ""  # a title only: left to language="zh"
    assert note_en("原单位：亿元") == "original unit: 100 million yuan"
    assert note_en("记者从市委人才办获悉") == ""
    assert plan_words_en("年均增长7.5%") == "average growth of 7.5% a year"
    assert plan_words_en("到2020年达到14300亿元（2015年价格）") == "14,300.0 (100 million yuan) by 2020 at 2015 prices"
    assert plan_words_en("税收占比保持全国副省级城市第一") == "the plan's words"


def test_every_reason_code_has_english_words(cat):
    """The same codes and facts make both sentences; every code either bundled dataset carries has its English."""
    from kpitrack.analysis.progress import assess
    from kpitrack.core.vocabulary_en import status_reason_en
    from kpitrack.data.actuals import load_dataset

    seen = set()
    for name in ("hangzhou", "synthetic"):
        ds = load_dataset(name, cat)
        for year in (2016, 2017, 2018, 2019, 2020):
            for ks in assess(cat, ds, year):
                for ms in ks.measures:
                    assert ms.reason_en == status_reason_en(ms.reason, ms.facts) and ms.reason_en and not has_cjk(ms.reason_en)
                    seen.add(ms.reason)
    assert len(seen) >= 8
    with pytest.raises(KeyError, match="no English words"):
        status_reason_en("not_a_code", {})


def test_a_test_dataset_says_so_and_can_be_relabelled(tmp_path):
    from kpitrack.core.exceptions import KpitrackError, ParameterError
    from kpitrack.data.actuals import TEST_NOTE_ZH, load_dataset
    from kpitrack.data.own import create_dataset, set_dataset_kind
    from kpitrack.plan.catalogue import catalogue

    root = tmp_path / "actuals"
    create_dataset("trial", "试填", "trial", actuals_dir=root, kind="test")
    ds = load_dataset("trial", catalogue(), actuals_dir=root)
    assert ds.kind == "test" and ds.label_zh.endswith(TEST_NOTE_ZH)
    set_dataset_kind("trial", "official", actuals_dir=root)
    ds = load_dataset("trial", catalogue(), actuals_dir=root)
    assert ds.kind == "official" and TEST_NOTE_ZH not in ds.label_zh and ds.title_zh == "试填"
    with pytest.raises(ParameterError, match="kind"):
        set_dataset_kind("trial", "real", actuals_dir=root)
    (root / "gen").mkdir()
    (root / "gen" / "dataset.yaml").write_text("title_zh: g\ntitle_en: g\nsynthetic: true\n", encoding="utf-8")
    with pytest.raises(KpitrackError, match="synthetic"):
        set_dataset_kind("gen", "official", actuals_dir=root)
    flow = root / "flow"
    flow.mkdir()
    (flow / "dataset.yaml").write_text("{title_zh: f, title_en: f, synthetic: false, kind: test}\n", encoding="utf-8")
    with pytest.raises(KpitrackError, match="by hand"):
        set_dataset_kind("flow", "official", actuals_dir=root)
    assert "kind: test}" in (flow / "dataset.yaml").read_text(encoding="utf-8")  # untouched


def test_an_english_export_of_figures_ingests_back(data_copy, tmp_path):
    """kt.figures(language="en") -> CSV -> kpitrack ingest: English units (100 million yuan) read as the plan's."""
    import subprocess
    import sys

    src = kt.figures("hangzhou", region="330100", language="en")
    src = src[src["month"].isna() & src["preferred"] & src["measure_id"].isin(["K01.gdp_nominal", "K01.gdp_growth", "K24.tourism_fx"])]
    assert {"100 million yuan", "%", "100 million US dollars"} <= set(src["unit"])
    path = tmp_path / "en.csv"
    src.to_csv(path, index=False)
    run = [sys.executable, "-m", "kpitrack.cli"]
    assert subprocess.run([*run, "dataset", "new", "demo", "--kind", "test"], capture_output=True).returncode == 0
    r = subprocess.run([*run, "ingest", str(path), "--dataset", "demo", "--known-from", "2026-01-01"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    back = kt.figures("demo", language="en")
    key = ["measure_id", "region", "period", "value", "unit"]
    assert sorted(map(tuple, back[key].astype(str).to_numpy())) == sorted(map(tuple, src[key].astype(str).to_numpy()))
    assert set(kt.figures("demo")["unit"]) == {"亿元", "%", "亿美元"}  # stored in the plan's units

"""One figure (issue 29): every place that shows a measure's figure for a region and year shows the
one the rule of ``kpitrack.data.figures`` chooses: ``kt.status``, ``kt.chart``'s data,
``kt.figures``' preferred rows, the December bulletin and the Table 2 line linked to the measure;
the tables, cards and scores read the same ``kpi_series``."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import kpitrack as kt
from kpitrack.analysis.special import subtarget_status
from kpitrack.data.actuals import load_dataset
from kpitrack.data.figures import METHOD_RANK, FigureBook
from kpitrack.data.regions import city_code, regions
from kpitrack.data.special import read_special
from kpitrack.publish.content import bulletin as bl
from kpitrack.publish.content.figures import CONTEXT_NAME

DATASETS = ("hangzhou", "synthetic")


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


@pytest.fixture(scope="module", params=DATASETS)
def ds(request, cat):
    return load_dataset(request.param, cat)


@pytest.fixture(scope="module")
def cat():
    from kpitrack.plan.catalogue import catalogue

    return catalogue()


def _last_years(ds, cat) -> dict[tuple[str, str], tuple[int, float]]:
    """(measure, region) -> (the last plan year with a figure that counts, that figure)."""
    out = {}
    for m in cat.measures:
        for r in regions():
            s = ds.book.yearly(m.id, r.code, as_of=2020)
            if len(s) and int(s["period"].iloc[-1]) >= 2016:  # a year the plan's documents can be asked about
                out[(m.id, r.code)] = (int(s["period"].iloc[-1]), float(s["value"].iloc[-1]))
    return out


def test_status_figures_and_charts_show_the_figure_that_counts(ds, cat):
    last = _last_years(ds, cat)
    assert len(last) > 10
    cumulative = {m.id for m in cat.measures if m.end_target.kind == "cumulative"}  # status shows the running sum
    figures = kt.figures(ds.name)
    preferred = figures[figures["preferred"] & (figures["month"].isna() | (figures["month"] == 12))]
    by_key = {(r.measure_id, r.region, int(r.year)): float(r.value) for r in preferred.itertuples()}
    names = {r.code: r.name_zh for r in regions()}
    statuses: dict[tuple[str, int], pd.DataFrame] = {}
    for (mid, code), (year, value) in last.items():
        assert _close(by_key.get((mid, code, year)), value), (ds.name, mid, code, year)
        key = (code, year)
        if key not in statuses:
            statuses[key] = kt.status(ds.name, year, region=None if code == city_code() else code).set_index("measure")
        row = statuses[key].loc[mid]
        if int(row["latest_year"]) < year:  # a yearly target judged on the last year the plan gave a number for
            assert f"{year}年实际" in row["reason_zh"] and "未列数值" in row["reason_zh"], (ds.name, mid, code, year, row["reason_zh"])
            continue
        assert int(row["latest_year"]) == year, (ds.name, mid, code, year)
        assert mid in cumulative or _close(row["latest_value"], value), (ds.name, mid, code, year, row["latest_value"])
    # the charts: the city's panels and a district's comparison draw the same figure (a sample, to stay quick)
    sample = [k for i, k in enumerate(sorted(last)) if i % 7 == 0 or k[0] in ("K08.pm25", "K09.good_air_days")]
    for mid, code in sample:
        year, value = last[(mid, code)]
        fig = kt.chart(mid, ds.name, year, region=None if code == city_code() else code)
        if code == city_code():
            drawn = [y for t in fig.data if t.name not in (CONTEXT_NAME, "规划轨迹") and "预测" not in str(t.name)
                     and "目标" not in str(t.name) and t.x is not None for x, y in zip(t.x, t.y) if x == year and y is not None]
        else:
            drawn = [y for t in fig.data if t.name == names[code] for x, y in zip(t.x, t.y) if x == year]
            city = ds.book.yearly(mid, city_code(), as_of=year).set_index("period")["value"]
            for t in fig.data:
                if t.name == names[city_code()]:  # the city beside the district: its figures that count, nothing else
                    assert dict(zip(map(int, t.x), t.y)) == pytest.approx(city.to_dict()), (ds.name, mid, code)
        assert drawn and all(_close(y, value) for y in drawn), (ds.name, mid, code, year, drawn, value)


def test_a_districts_chart_draws_the_citys_official_pm25():
    fig = kt.chart("K08.pm25", "hangzhou", 2019, region="西湖区")
    city = next(t for t in fig.data if t.name == "杭州市")
    drawn = dict(zip(map(int, city.x), city.y))
    assert drawn[2018] == 40.0  # the official figure, never the daily-derived 37.37


def test_the_december_bulletin_shows_the_years_figure(ds, cat):
    last = _last_years(ds, cat)
    monthly = {m.id for m in cat.measures if m.ytd}
    checked = 0
    for code in (city_code(), *[r.code for r in regions() if r.code != city_code()][:2]):
        years = sorted({y for (mid, c), (y, _) in last.items() if c == code and mid in monthly and 2016 <= y <= 2020})
        for year in years:
            try:
                b = bl.prepare(f"{year}-12", code, ds.name)
            except Exception:  # a month the dataset's bulletins do not cover
                continue
            for m, p in b.paces(code):
                want = ds.book.value(m.id, code, year)
                if want is None or p.month != 12:
                    continue
                assert _close(p.value, want), (ds.name, m.id, code, year, p.value, want)
                checked += 1
    assert checked > 0


def test_a_table_2_line_linked_to_a_measure_shows_its_figure(ds, cat):
    for as_of in (2017, 2018, 2019, 2020):
        for st in subtarget_status(cat, ds, read_special(ds.folder, cat, ds.known_at, synthetic=ds.synthetic), as_of):
            if not st.target.measure or st.value is None or st.value_year is None:
                continue
            want = ds.book.value(st.target.measure, city_code(), st.value_year)
            assert _close(st.value, want), (ds.name, st.target.id, as_of, st.value, want)


def test_one_figure_a_year_for_each_table_2_quantity(ds, cat):
    """Sub-targets of one quantity (the towns' compliance share of 2017, 2018 and 2019) show one
    figure for a year, never two."""
    seen: dict[tuple[str, str, int], set[float]] = {}
    for st in subtarget_status(cat, ds, read_special(ds.folder, cat, ds.known_at, synthetic=ds.synthetic), 2018):
        if st.value is not None and st.value_year is not None:
            key = (st.special.id, st.target.name_zh + st.target.unit, st.value_year)
            seen.setdefault(key, set()).add(round(st.value, 6))
    assert seen and all(len(v) == 1 for v in seen.values()), {k: v for k, v in seen.items() if len(v) > 1}


def test_the_rule_in_its_own_words():
    """Official before derived; a year's own figure before its December; then the one known last;
    then the latest vintage; a derived year beside a published series is context."""
    rows = [  # measure, period, value, method, known_from, vintage
        ("K.x", "2018", 40.0, "official", "2019-06-05", 1),
        ("K.x", "2018-12", 41.0, "official", "2019-07-01", 3),   # a later December: the year's own figure still wins
        ("K.x", "2018", 37.4, "daily-derived", "2026-11-26", 2),  # known last, but derived
        ("K.x", "2019", 38.0, "official", "2020-06-01", 1),
        ("K.x", "2019", 38.5, "official", "2021-06-01", 2),       # a revision
        ("K.x", "2020", 36.0, "daily-derived", "2021-01-01", 2),  # context: no official 2020
        ("K.x", "2020-06", 35.0, "daily-derived", "2020-07-01", 2),
        ("K.y", "2020", 5.0, "computed", "2021-01-01", 1),        # no published figure: the derived series counts
    ]
    obs = pd.DataFrame(rows, columns=["measure_id", "period", "value", "method", "known_from", "vintage"]).assign(
        region=city_code(), unit="", quality="", source="", note="")
    obs["year"] = obs["period"].str[:4].astype(int)
    obs["month"] = obs["period"].str[5:7].replace("", "0").astype(int)
    book = FigureBook(obs)
    assert book.yearly("K.x", city_code())[["period", "value"]].values.tolist() == [[2018, 40.0], [2019, 38.5]]
    assert book.context("K.x", city_code())["period"].tolist() == [2018, 2020]
    assert book.grid("K.x", city_code()).get(2020, 6) == 35.0 and book.grid("K.x", city_code()).get(2020, 12) == 36.0
    assert book.yearly("K.y", city_code())["value"].tolist() == [5.0]
    assert set(obs.loc[book.counting, "value"]) == {40.0, 38.5, 35.0, 5.0}
    assert list(METHOD_RANK) == ["official", "computed", "daily-derived", "synthetic"]


def test_a_bulletin_chart_never_joins_derived_months_to_the_official_year():
    """2019's good-air days: derived months to May, the official year in December: two traces, not one line."""
    from kpitrack.publish.content.bulletin_charts import region_figure

    b = bl.prepare("2019-12", city_code(), "hangzhou")
    fig = region_figure(b)
    days = next(t.xaxis for t in fig.data if str(t.name) == "本年（公布数）" and 287 in list(t.y))  # good-air days' panel
    by_name = {t.name: dict(zip(t.x, t.y)) for t in fig.data if t.xaxis == days and str(t.name).startswith("本年")}
    assert by_name["本年（公布数）"] == {12: 287} and by_name["本年（日数据推算）"][5] == 133
    assert set(by_name) == {"本年（公布数）", "本年（日数据推算）"}  # no trace joins the two kinds


@pytest.mark.slow
def test_every_card_and_every_score_line_shows_the_figure_that_counts(ds, cat):
    """The 绩效卡 of every responsible unit and the score lines behind it show, for each measure of the
    year, the figure the rule chooses for the city (the synthetic 市环保局 card included)."""
    from kpitrack.analysis.scores import unit_scores
    from kpitrack.plan.responsible import responsible_units
    from kpitrack.publish.content import card

    year = 2018
    checked = 0
    for line in (ln for u in unit_scores(cat, ds, year) for ln in u.lines if ln.table == "1" and ln.actual is not None):
        assert _close(line.actual, ds.book.value(line.measure.id, city_code(), year)), (ds.name, line.measure.id)
        checked += 1
    for unit in responsible_units(cat):
        c = card.prepare(unit, year, ds.name)
        for kid in c.unit.kpis:
            for m, ms in zip(cat.kpi(kid).measures, c.statuses[kid].measures):
                if ms.latest_year == year and m.end_target.kind != "cumulative":
                    assert _close(ms.latest_value, ds.book.value(m.id, city_code(), year)), (ds.name, unit, m.id)
                    checked += 1
        shown = card.kpi_table(c)
        assert len(shown) == sum(len(cat.kpi(k).measures) for k in c.unit.kpis)
    assert checked > 10


def test_the_mid_term_and_final_tables_show_the_figure_that_counts(ds, cat):
    """Table 1 of the mid-term (its 实际值 cell) and the final's outcome (the figure it judges) carry
    the figure the rule chooses for the city."""
    from kpitrack.core.labels import fmt, fmt_pair
    from kpitrack.publish.content import final_report, report

    ev = report.evaluate(2018, ds.name)
    table = report.kpi_table(ev).set_index("指标")
    checked = 0
    for m in cat.measures:
        ms = next(x for ks in ev.statuses for x in ks.measures if x.measure_id == m.id)
        if ms.latest_value is None or m.end_target.kind == "cumulative":
            continue
        want = ds.book.value(m.id, city_code(), ms.latest_year)
        assert _close(ms.latest_value, want), (ds.name, m.id)
        shown = fmt_pair(want, ms.trajectory_value, m.unit)[0] if ms.latest_year == 2018 else fmt(want, m.unit)  # beside its target
        assert table.loc[m.name_zh, "实际值"] == f"{shown}（{ms.latest_year}年）", (ds.name, m.id)
        checked += 1
    mid = checked
    fe = final_report.evaluate_final(ds.name)
    for k in cat.kpis:
        for o in fe.outcomes[k.id][1]:
            m = cat.measure(o.measure_id)
            final_year = ds.book.value(m.id, city_code(), 2020)
            judged_a_year = not any(w in o.reason_zh for w in ("平均", "累计", "合计"))  # else a mean or a sum of years
            if o.value is not None and final_year is not None and judged_a_year and m.end_target.kind in ("level", "ceiling", "floor"):
                assert _close(o.value, final_year), (ds.name, m.id, o.value, final_year)
                checked += 1
    assert mid > 5 and checked - mid >= 3


def _book(rows):
    obs = pd.DataFrame(rows, columns=["measure_id", "period", "value", "quality", "source", "known_from", "vintage"]).assign(
        region=city_code(), unit="", method="official", note="")
    obs["year"] = obs["period"].str[:4].astype(int)
    obs["month"] = 0
    return obs, FigureBook(obs)


def test_one_basis_per_series_then_final_before_preliminary_then_the_higher_source():
    """Issue 33: revised figures for some years only leave the series on the first-published basis
    (the revisions kept, not chosen); a complete revision takes every year; within a basis the final
    figure beats the preliminary one and a bulletin beats a news report of it, known later or not."""
    bulletin, news, repost = "杭州市2017年国民经济和社会发展统计公报", "https://zjnews.zjol.com.cn/a.html", "https://www.bkwk.cn/x.html"
    obs, book = _book([
        ("K.p", "2016", 100.0, "reported", news, "2017-02-01", 1),
        ("K.p", "2017", 110.0, "reported", bulletin, "2018-03-01", 1),
        ("K.p", "2017", 111.0, "reported", news, "2018-04-01", 2),          # known later, lower source
        ("K.p", "2017", 112.0, "revised", bulletin, "2019-03-01", 1),       # a partial revision: not chosen
        ("K.p", "2018", 120.0, "preliminary", bulletin, "2019-01-20", 1),
        ("K.p", "2018", 121.0, "reported", repost, "2019-09-01", 1),        # final beats preliminary
        ("K.c", "2016", 50.0, "reported", bulletin, "2017-02-01", 1),
        ("K.c", "2017", 55.0, "reported", bulletin, "2018-02-01", 1),
        ("K.c", "2016", 52.0, "revised", bulletin, "2019-02-01", 1),        # the revision covers both years
        ("K.c", "2017", 57.0, "revised", bulletin, "2019-02-01", 1),
        ("K.d", "2016", 60.0, "reported", news, "2017-02-01", 1),
        ("K.d", "2016", 62.0, "revised", repost, "2019-02-01", 1),          # a complete revision known only from a repost
        ("K.e", "2016", 70.0, "revised", repost, "2019-02-01", 1),          # nothing first released: the revision is the series
    ])
    assert book.yearly("K.p", city_code())["value"].tolist() == [100.0, 110.0, 121.0]
    assert book.yearly("K.c", city_code())["value"].tolist() == [52.0, 57.0]
    assert book.yearly("K.d", city_code())["value"].tolist() == [60.0]
    assert book.yearly("K.e", city_code())["value"].tolist() == [70.0]
    assert set(obs.loc[book.other_basis, "value"]) == {112.0, 50.0, 55.0, 62.0}


@pytest.mark.parametrize("workspace", ["bundled", "hangzhou-14th"])
def test_no_real_series_mixes_bases(workspace, monkeypatch):
    """Over every real measure and region: the figures that count are all revised or all first
    published (K01's GDP: the first releases in both plans; the 13th plan's revised long series comes
    only from a compiled database, the 14th's revisions cover 2020 and 2021 only)."""
    from .conftest import REPO

    if workspace != "bundled":
        monkeypatch.setenv("KPITRACK_DATA", str(REPO / "examples" / workspace))
    name = "hangzhou" if workspace == "bundled" else "main"
    f = kt.figures(name)
    counted = f[f["preferred"] & f["month"].isna() & (f["method"] == "official")]
    bases = counted.groupby(["measure_id", "region"])["quality"].agg(lambda q: frozenset("revised" if x == "revised" else "first" for x in q))
    assert len(bases) > 5 and all(len(b) == 1 for b in bases), bases[bases.map(len) > 1]
    k01 = counted[counted["measure_id"].str.startswith("K01.gdp") & (counted["region"] == city_code())]
    assert "reported" in set(k01["quality"]) and "revised" not in set(k01["quality"])
    low = f[f["preferred"] & f["low_source"]]
    assert (low["source_kind"].isin(["repost", "database", "other_web"])).all()


def test_a_source_that_is_no_address_or_looks_made_by_kpitrack_is_read_as_typed_text():
    """``http://[::1`` is no address: its kind is read from the words (never an error on every
    later read); an official figure whose source starts ``kpitrack.`` is typed text, never a figure
    kpitrack made, so it never outranks a statistical bulletin."""
    from kpitrack.data.source_kinds import source_kind

    assert source_kind("http://[::1 统计公报").code == "bulletin"
    assert source_kind("kpitrack.fake 网友估计", "official").code == "unstated"
    assert source_kind("kpitrack.data.derive（chain）", "computed").code == "made"
    assert source_kind("HTTPS://www.bkwk.cn/x").code == "repost"
    obs, book = _book([("K.p", "2016", 99999.0, "reported", "kpitrack.fake 网友估计", "2016-03-01", 1),
                       ("K.p", "2016", 46000.0, "reported", "杭州市2016年国民经济和社会发展统计公报", "2017-03-01", 1)])
    assert book.yearly("K.p", city_code())["value"].tolist() == [46000.0]
    from kpitrack.publish.content.sources import source_link

    assert source_link("http://[::1 统计公报").url is None

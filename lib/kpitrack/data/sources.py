"""Build the bundled Hangzhou dataset from the sourced public figures in ``data/sources/``.

Real figures are mapped to KPI measures only where they measure the same thing
(``data/sources/mapping.yaml``); the rest become related context. Yearly PM2.5 means and
good-air-day counts computed from the daily file are marked ``derived`` with how.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.workspace import workspace
from .regions import city_code
from .derive import derive_figures
from .store import FIGURE_COLUMNS
from ..core.exceptions import KpitrackError, Problem, Reason, ValidationError
from ..plan.catalogue import Catalogue
from ..plan.schema import plan_base_year, plan_end_year
from ..core.yamlio import load_yaml

log = logging.getLogger(__name__)

#: The upstream of the daily air file used for derived figures (one upstream per analysis).
AIR_UPSTREAM = "tianqihoubao"
#: Minimum share of days with data for a derived yearly mean, and for a derived day count.
MIN_COVERAGE_MEAN = 0.80
MIN_COVERAGE_COUNT = 0.99
UNIT_MAP = {"days": "天", "yuan": "元", "μg/m3": "μg/m³"}


def derive_air_yearly(daily: pd.DataFrame, upstream: str = AIR_UPSTREAM) -> pd.DataFrame:
    """Yearly PM2.5 mean and count of days with AQI <= 100 from city daily data.

    Only rows of one upstream are used. A mean needs :data:`MIN_COVERAGE_MEAN` of the year's days,
    a count :data:`MIN_COVERAGE_COUNT` (a count over missing days would be biased low).

    Returns
    -------
    DataFrame with columns year, pm25_mean, good_days, days_with_data, days_in_year.
    """
    df = daily[daily["upstream"].str.contains(upstream, regex=False)].copy()
    df["date"] = pd.to_datetime(df["date"])
    if df["date"].duplicated().any():
        raise ValueError(f"duplicate dates in the daily air data of upstream {upstream!r}")
    df["year"] = df["date"].dt.year
    out = []
    for year, g in df.groupby("year"):
        n_days = 366 if calendar.isleap(int(year)) else 365
        pm = g["pm25"].dropna()
        aqi = g["aqi"].dropna()
        out.append({
            "year": int(year),
            "pm25_mean": round(float(pm.mean()), 1) if len(pm) >= MIN_COVERAGE_MEAN * n_days else None,
            "good_days": int((aqi <= 100).sum()) if len(aqi) >= MIN_COVERAGE_COUNT * n_days else None,
            "days_with_data": int(len(g)),
            "days_in_year": n_days,
        })
    return pd.DataFrame(out)


YEARBOOK = re.compile(r"(?:统计年鉴|Statistical Yearbook)\s*(20\d\d)")
ISO_DATE = re.compile(r"(20\d\d-\d\d-\d\d)")
BUILD_SOURCE = "kpitrack data build-hangzhou (data/sources)"


REPOST_DATE = re.compile(r"20\d\d-\d\d-\d\d\s*(?:repost|转载)", re.I)


def known_from(source: str, collected: str) -> str:
    """The date a figure was known from, read off its source: a date in the text (not a repost's: the
    day a site reposted a figure is not the day it was published, which is then unknown); for a
    statistical yearbook of year Y, Y-12-31 at the latest; else the day the figures were collected.

    >>> known_from("https://ppfocus.com/0/x.html (中商情报网 2021-01-09 repost; 数据来源:统计局)", "2026-11-26")
    '2026-11-26'
    """
    if REPOST_DATE.search(source):
        return collected
    m = ISO_DATE.search(source)
    if m:
        return m.group(1)
    m = YEARBOOK.search(source)
    if m:
        return f"{m.group(1)}-12-31"
    return collected


MORE = "hangzhou_sourced_actuals_more.csv"
MORE_2016_2020 = "hangzhou_2016_2020_more.csv"
URL_DATES = (re.compile(r"/(20\d\d)-(\d\d)/(\d\d)/"), re.compile(r"/art/(20\d\d)/(\d{1,2})/(\d{1,2})/"),
             re.compile(r"/(20\d\d)/(\d\d)(\d\d)/"), re.compile(r"[/t](20\d\d)(\d\d)(\d\d)(?:[/_.]|$)"))


def known_from_url(url: str, quality: str, year: int, collected: str) -> str:
    """The date a figure was known from, read off its address; a preliminary figure without one
    from the end of January after its year (the government work report), else ``collected``.

    >>> known_from_url("https://ori.hangzhou.com.cn/ornews/content/2019-09/16/content_7267376.htm", "reported", 2018, "2026-11-26")
    '2019-09-16'
    >>> known_from_url("http://drc.hangzhou.gov.cn/art/2020/5/29/art_1568489_43925323.html", "reported", 2019, "2026-11-26")
    '2020-05-29'
    >>> known_from_url("http://hangzhouds.org.cn/literaturebook/info.aspx?itemid=3981", "preliminary", 2018, "2026-11-26")
    '2019-01-31'
    """
    for pattern in URL_DATES:
        m = pattern.search(url)
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            try:
                return datetime(y, mo, d).strftime("%Y-%m-%d")
            except ValueError:
                continue
    return f"{year + 1}-01-31" if quality == "preliminary" else collected


def _mapped(cat: Catalogue, table: pd.DataFrame, rules: list[dict], file: Path, problems: list[Problem],
            source, note, known) -> tuple[list[dict], set[int]]:
    """Figures of the KPI measures the ``rules`` map ``table``'s series to (plan years only)."""
    rows, used = [], set()
    for rule in rules:
        m = cat.measure(rule["measure"])
        sel = table[table["series"] == rule["series"]]
        if "years" in rule:
            sel = sel[sel["year"].astype(int).isin(rule["years"])]
        for idx, r in sel.iterrows():
            year = int(r["year"])
            if not plan_base_year() <= year <= plan_end_year():
                continue  # outside the plan period: kept as context
            if not r["unit"].startswith(rule["unit_prefix"]):
                problems.append(Problem(str(file), int(idx) + 2, "unit",
                                        f"unit {r['unit']!r} of series {r['series']} does not start with {rule['unit_prefix']!r}", Reason.INCONSISTENT))
                continue
            text = "；".join(x for x in (rule.get("note_zh", ""), note(r), f"原单位：{r['unit']}") if x)
            rows.append({"measure_id": m.id, "region": city_code(), "period": str(year), "value": f"{float(r['value']):.10g}", "unit": m.unit,
                         "quality": r["quality"], "method": "official", "source": source(r), "note": text, "known_from": known(r)})
            used.add(int(idx))
    return rows, used


def build_hangzhou(cat: Catalogue, sources_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, str, pd.DataFrame]:
    """The figures (columns of :data:`kpitrack.store.FIGURE_COLUMNS`) and context of the Hangzhou
    dataset from the files in ``sources_dir``, the collection date, and the special-targets ledger
    (Table 2 figures, columns of :data:`kpitrack.data.special.COLUMNS`)."""
    src = Path(sources_dir) if sources_dir else paths.sources_dir()
    mapping = load_yaml(src / "mapping.yaml")
    collected = str(mapping["collected"])
    sourced = pd.read_csv(src / "hangzhou_sourced_actuals.csv", dtype=str, keep_default_na=False)
    problems: list[Problem] = []
    rows, used = _mapped(cat, sourced, mapping["kpi"], src / "hangzhou_sourced_actuals.csv", problems,
                         lambda r: r["source"], lambda r: r["note"], lambda r: known_from(r["source"], collected))
    more_file = src / MORE
    more = pd.read_csv(more_file, dtype=str, keep_default_na=False).rename(columns={"measure": "series"})
    more_rows, more_used = _mapped(cat, more, mapping["more"]["kpi"], more_file, problems, lambda r: r["url"],
                                   lambda r: f"原文：{r['excerpt']}" if r["excerpt"] else "",
                                   lambda r: known_from_url(r["url"], r["quality"], int(r["year"]), collected))
    rows += more_rows
    m3_file = src / MORE_2016_2020
    m3 = pd.read_csv(m3_file, dtype=str, keep_default_na=False).rename(columns={"measure": "series"})

    def m3_known(r) -> str:
        from urllib.parse import urlparse

        from .source_kinds import site

        reposter = site(urlparse(r["url"]).netloc)
        if reposter is not None and reposter[1]:  # a site that reposts: its date is the repost's, not the publication's
            return known_from(r["note"], "") or collected
        return r["published"] or known_from(r["note"], "") or known_from_url(r["url"], r["quality"], int(r["year"]), collected)

    m3_rows, _ = _mapped(cat, m3, mapping["more_2016_2020"]["kpi"], m3_file, problems, lambda r: r["url"],
                         lambda r: f"原文：{r['excerpt']}" if r["excerpt"] else "", m3_known)
    rows += m3_rows
    tables = {"hangzhou_sourced_actuals.csv": sourced, MORE: more, MORE_2016_2020: m3}
    special = _special(cat, mapping.get("special", []), tables, src, problems,
                       {"hangzhou_sourced_actuals.csv": lambda r: known_from(r["source"], collected), MORE_2016_2020: m3_known})
    if problems:
        raise ValidationError(problems, "source mapping")
    figures = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    # identical figures from two sources: keep one row, name both sources, known from the earlier
    figures = figures.groupby(["measure_id", "period", "value", "quality"], as_index=False, sort=False).agg(
        {**{c: "first" for c in FIGURE_COLUMNS if c not in ("measure_id", "period", "value", "quality", "source", "known_from")},
         "source": lambda s: " | ".join(dict.fromkeys(s)), "known_from": "min"})[FIGURE_COLUMNS]

    ydm = pd.read_csv(src / "hangzhou_population_gdp_ydm.csv", dtype=str, keep_default_na=False)
    extra = []
    for _, r in ydm[ydm["variable"].str.startswith("GDP")].iterrows():
        extra.append({"measure_id": "K01.gdp_nominal", "region": city_code(), "period": r["year"], "value": f"{float(r['value']):.10g}",
                      "unit": "亿元", "quality": "revised", "method": "official", "source": r["source"],
                      "note": "修订后的现价地区生产总值序列（与初次公布数不同）；" + r["variable"], "known_from": collected})
    daily = pd.read_csv(src / "hangzhou_air_daily.csv")
    air = derive_air_yearly(daily)
    how = (f"由日数据推算（上游 {AIR_UPSTREAM}，城市日均值，{{n}}/{{d}}天有数据）；与官方年报口径（站点与规则）不同，"
           "不与官方数据混合计算进度")
    source = "data/sources/hangzhou_air_daily.csv (kpitrack.sources.derive_air_yearly)"
    for _, a in air.iterrows():
        if not plan_base_year() <= a["year"] <= plan_end_year():
            continue
        note = how.format(n=a["days_with_data"], d=a["days_in_year"])
        if a["pm25_mean"] is not None and pd.notna(a["pm25_mean"]):
            extra.append({"measure_id": "K08.pm25", "region": city_code(), "period": str(int(a["year"])), "value": f"{a['pm25_mean']:.10g}",
                          "unit": "μg/m³", "quality": "derived", "method": "daily-derived", "source": source,
                          "note": note + "；年均值=有数据日的PM2.5算术平均", "known_from": collected})
        if a["good_days"] is not None and pd.notna(a["good_days"]):
            extra.append({"measure_id": "K09.good_air_days", "region": city_code(), "period": str(int(a["year"])), "value": f"{int(a['good_days'])}",
                          "unit": "天", "quality": "derived", "method": "daily-derived", "source": source,
                          "note": note + "；优良天数=AQI≤100的天数", "known_from": collected})
    figures = pd.concat([figures, pd.DataFrame(extra, columns=FIGURE_COLUMNS)], ignore_index=True)
    units = {m.id: m.unit for m in cat.measures}
    figures = pd.concat([figures, derive_figures(figures, mapping.get("derived", []), units)], ignore_index=True)
    figures = figures.sort_values(["measure_id", "period", "known_from", "method"], kind="stable").reset_index(drop=True)

    ctx_rows = []
    kpi_series = {r["series"] for r in mapping["kpi"]}
    for rule in mapping["context"]:
        for idx, r in sourced[sourced["series"] == rule["series"]].iterrows():
            if int(idx) in used:
                continue
            ctx_rows.append({"series": r["series"], "period": r["year"], "value": r["value"], "unit": r["unit"],
                             "quality": r["quality"], "relates_to": rule["relates_to"], "why_not_kpi_zh": rule["why_zh"], "why_not_kpi_en": rule.get("why_en", ""),
                             "source": r["source"], "note": r["note"]})
    context_series = {c["series"] for c in mapping["context"]}
    for idx, r in sourced.iterrows():  # figures of KPI series outside the plan period
        if r["series"] in kpi_series and int(idx) not in used and r["series"] not in context_series:
            ctx_rows.append({"series": r["series"], "period": r["year"], "value": r["value"], "unit": r["unit"],
                             "quality": r["quality"], "relates_to": next(x["measure"] for x in mapping["kpi"] if x["series"] == r["series"]),
                             "why_not_kpi_zh": "规划期（2015—2020年）以外", "why_not_kpi_en": "outside the plan's period (2015-2020)", "source": r["source"], "note": r["note"]})
    more_kpi = {r["series"] for r in mapping["more"]["kpi"]}
    for rule in mapping["more"]["context"]:
        for idx, r in more[more["series"] == rule["series"]].iterrows():
            ctx_rows.append({"series": r["series"], "period": r["year"], "value": r["value"], "unit": r["unit"],
                             "quality": r["quality"], "relates_to": rule["relates_to"], "why_not_kpi_zh": rule["why_zh"], "why_not_kpi_en": rule.get("why_en", ""),
                             "source": r["url"], "note": f"原文：{r['excerpt']}" if r["excerpt"] else ""})
    more_unmapped = sorted(set(more["series"]) - more_kpi - {r["series"] for r in mapping["more"]["context"]})
    if more_unmapped:
        raise ValidationError([Problem(str(src / "mapping.yaml"), None, "more", f"series of {MORE} not mapped: {', '.join(more_unmapped)}",
                                       Reason.MISSING)], "source mapping")
    block = mapping["more_2016_2020"]
    for rule in block["context"]:
        for _, r in m3[m3["series"] == rule["series"]].iterrows():
            ctx_rows.append({"series": r["series"], "period": r["year"], "value": r["value"], "unit": r["unit"],
                             "quality": r["quality"], "relates_to": rule["relates_to"], "why_not_kpi_zh": rule["why_zh"], "why_not_kpi_en": rule.get("why_en", ""),
                             "source": r["url"], "note": f"原文：{r['excerpt']}" if r["excerpt"] else ""})
    special_series = {(r["file"], r["series"]) for r in mapping.get("special", [])}
    for name, table, mapped in ((MORE_2016_2020, m3, {r["series"] for r in block["kpi"] + block["context"]}),
                                ("hangzhou_sourced_actuals.csv", sourced, kpi_series | context_series)):
        left = sorted(set(table["series"]) - mapped - {s for f, s in special_series if f == name})
        if left:
            raise ValidationError([Problem(str(src / "mapping.yaml"), None, name, f"series of {name} not mapped: {', '.join(left)}",
                                           Reason.MISSING)], "source mapping")
    unmapped = sorted(set(sourced["series"]) - kpi_series - context_series - {s for f, s in special_series})
    if unmapped:
        raise ValidationError([Problem(str(src / "mapping.yaml"), None, "series", f"series not mapped: {', '.join(unmapped)}", Reason.MISSING)], "source mapping")
    for _, r in ydm[~ydm["variable"].str.startswith("GDP")].iterrows():
        ctx_rows.append({"series": "population_ydm", "period": r["year"], "value": r["value"], "unit": r["unit"], "quality": "reported",
                         "relates_to": "K20.hukou_urbanisation", "why_not_kpi_zh": "年末总人口，户籍/常住口径未注明，不是城镇化率",
                         "why_not_kpi_en": "population at the year's end, registered or resident not stated, not an urbanisation rate",
                         "source": r["source"], "note": r["variable"]})
    context = pd.DataFrame(ctx_rows).sort_values(["relates_to", "series", "period"], kind="stable")
    return figures, context, collected, special


def _special(cat: Catalogue, rules: list[dict], tables: dict[str, pd.DataFrame], src: Path, problems: list[Problem],
             known: dict) -> pd.DataFrame:
    """The special-targets ledger from the source rows ``rules`` map to Table 2's sub-targets; the
    same figure from two sources is kept once, naming both, known from the earlier."""
    from .special import COLUMNS, subtargets

    subs = subtargets(cat)
    rows = []
    for rule in rules:
        table, t = tables[rule["file"]], subs[rule["subtarget"]]
        for idx, r in table[table["series"] == rule["series"]].iterrows():
            if not r["unit"].startswith(rule["unit_prefix"]):
                problems.append(Problem(str(src / rule["file"]), int(idx) + 2, "unit",
                                        f"unit {r['unit']!r} of series {r['series']} does not start with {rule['unit_prefix']!r}", Reason.INCONSISTENT))
                continue
            source = r["source"] if "source" in r else r["url"]
            excerpt = r.get("excerpt", "") or r.get("note", "")
            rows.append({"subtarget": t.id, "year": r["year"], "value": r["value"], "quality": r["quality"], "source": source,
                         "known_from": known[rule["file"]](r), "note": f"原文：{excerpt}" if excerpt else ""})
    out = pd.DataFrame(rows, columns=COLUMNS)
    return (out.groupby(["subtarget", "year", "value", "quality"], as_index=False, sort=True)
            .agg({"source": lambda s: " | ".join(dict.fromkeys(s)), "known_from": "min", "note": "first"})[COLUMNS])


def air_monthly_ledger(daily: pd.DataFrame) -> pd.DataFrame:
    """A ledger (template columns, Chinese headers) of city-level year-to-date PM2.5 means and
    good-air-day counts at the end of each month, derived from the daily data."""
    ytd = air_monthly_ytd(daily)
    rows = []
    src = "data/sources/hangzhou_air_daily.csv（上游 tianqihoubao，城市日均值）"
    for _, r in ytd.iterrows():
        if not plan_base_year() <= r["year"] <= plan_end_year():
            continue
        period = f"{int(r['year'])}-{int(r['month']):02d}"
        cover = f"截至当月{int(r['days_with_data_ytd'])}/{int(r['days_ytd'])}天有数据"
        if r["days_with_data_ytd"] >= MIN_COVERAGE_MEAN * r["days_ytd"]:
            rows.append(["K08.pm25", "细颗粒物（PM2.5）年均浓度", workspace().city_zh, period, f"{r['pm25_ytd_mean']:.2f}", "μg/m³", src,
                         f"年初至当月PM2.5日均值的算术平均；{cover}；由日数据推算，与官方口径不同", "derived", "daily-derived"])
        if r["days_with_data_ytd"] == r["days_ytd"]:
            rows.append(["K09.good_air_days", "市区日空气质量优良天数", workspace().city_zh, period, str(int(r["good_days_ytd"])), "天", src,
                         f"年初至当月AQI≤100的天数；{cover}；由日数据推算，与官方口径不同", "derived", "daily-derived"])
    return pd.DataFrame(rows, columns=["指标编号", "指标名称", "地区", "时期", "数值", "单位", "来源", "备注", "数据质量", "口径"])


def write_hangzhou(cat: Catalogue, out_dir: Path | None = None, sources_dir: Path | None = None) -> Path:
    """Rebuild the Hangzhou dataset from ``data/sources``: vintage 1 holds the sourced figures,
    vintage 2 the monthly air ledger, ingested through the same path as any ledger."""
    from .ingest import ingest
    from .store import append_vintage, building, ledger_vintage_count, read_manifest

    out = Path(out_dir) if out_dir else paths.actuals_dir() / "hangzhou"
    src = Path(sources_dir) if sources_dir else paths.sources_dir()
    ingested = [v for v in read_manifest(out) if v.vintage > 2]
    if ingested:
        raise KpitrackError(f"{out} holds {len(ingested)} ingested vintage(s) (from vintage {ingested[0].vintage}, "
                            f"{ingested[0].source}); a rebuild from data/sources would drop them. Nothing was changed.")
    from .special import FILE as SPECIAL_FILE

    if ledger_vintage_count(out):
        raise KpitrackError(f"{out / 'ledgers'} holds ingested ledgers of Tables 2, 3 or 5; a rebuild from data/sources would drop "
                            "them. Nothing was changed.")
    figures, context, collected, special = build_hangzhou(cat, src)
    meta = (out / "dataset.yaml").read_text(encoding="utf-8")
    tmp = out.with_name(out.name + "-rebuild")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    (tmp / "dataset.yaml").write_text(meta, encoding="utf-8")
    stamp = datetime.fromisoformat(collected).replace(tzinfo=timezone.utc)
    digest = hashlib.sha256((src / "hangzhou_sourced_actuals.csv").read_bytes() + (src / MORE).read_bytes()
                            + (src / MORE_2016_2020).read_bytes() + (src / "mapping.yaml").read_bytes()).hexdigest()
    with building(tmp):
        append_vintage(tmp, figures, ingested_at=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), known_from=collected, sha256=digest,
                       source=BUILD_SOURCE)
    context.to_csv(tmp / "context.csv", index=False, lineterminator="\n")
    special.to_csv(tmp / SPECIAL_FILE, index=False, lineterminator="\n")
    ledger = src / "derived" / "hangzhou_air_monthly_ledger.csv"
    ledger.parent.mkdir(exist_ok=True)
    air_monthly_ledger(pd.read_csv(src / "hangzhou_air_daily.csv")).to_csv(ledger, index=False, lineterminator="\n")
    with building(tmp):
        ingest(ledger, cat, tmp.name, known_from=collected, now=stamp, actuals_dir=tmp.parent,
               source="data/sources/derived/hangzhou_air_monthly_ledger.csv")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    log.info("rebuilt %s from %s", out, src)
    return out


def air_monthly_ytd(daily: pd.DataFrame, upstream: str = AIR_UPSTREAM) -> pd.DataFrame:
    """Year-to-date PM2.5 mean and good-air-day count at the end of each month, from daily data.

    Returns columns year, month, pm25_ytd_mean, good_days_ytd, days_with_data_ytd, days_ytd.
    A count over days without data would be biased low: ``days_with_data_ytd`` says how complete it is.
    """
    df = daily[daily["upstream"].str.contains(upstream, regex=False)].copy()
    df["date"] = pd.to_datetime(df["date"])
    df = df.sort_values("date")
    rows = []
    for year, g in df.groupby(df["date"].dt.year):
        for month in range(1, 13):
            upto = g[g["date"].dt.month <= month]
            if upto.empty or (g["date"].dt.month == month).sum() == 0:
                continue
            days = sum(calendar.monthrange(int(year), mm)[1] for mm in range(1, month + 1))
            rows.append({"year": int(year), "month": month, "pm25_ytd_mean": round(float(upto["pm25"].mean()), 2),
                         "good_days_ytd": int((upto["aqi"] <= 100).sum()), "days_with_data_ytd": int(len(upto)), "days_ytd": days})
    return pd.DataFrame(rows)


def site_names() -> dict[str, tuple[str, bool]]:
    """The workspace's own news and government sites, ``sources/sites.csv`` (domain, name_zh, reposts:
    yes/no): how a page read there is cited. Empty when the workspace keeps none."""
    import csv

    from ..core import paths

    path = paths.data_dir() / "sources" / "sites.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {r["domain"].strip().lower(): (r["name_zh"].strip(), r.get("reposts", "").strip() in ("yes", "是", "true"))
                for r in csv.DictReader(fh) if r.get("domain") and r.get("name_zh")}

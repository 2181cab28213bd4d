"""Build the bundled Hangzhou dataset from the sourced public figures in ``data/sources/``.

Real figures are mapped to KPI measures only where they measure the same thing
(``data/sources/mapping.yaml``); the rest become related context. Yearly PM2.5 means and
good-air-day counts computed from the daily file are marked ``derived`` with how.
"""

from __future__ import annotations

import calendar
import logging
from pathlib import Path

import pandas as pd

from . import paths
from .actuals import CITY, COLUMNS, write_observations
from .exceptions import Problem, Reason, ValidationError
from .plan import Catalogue
from .schema import BASE_YEAR, PLAN_END
from .yamlio import load_yaml

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


def build_hangzhou(cat: Catalogue, sources_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observations and context of the Hangzhou dataset, from the files in ``sources_dir``."""
    src = Path(sources_dir) if sources_dir else paths.sources_dir()
    mapping = load_yaml(src / "mapping.yaml")
    sourced = pd.read_csv(src / "hangzhou_sourced_actuals.csv", dtype=str, keep_default_na=False)
    problems: list[Problem] = []
    rows, used = [], set()
    for rule in mapping["kpi"]:
        m = cat.measure(rule["measure"])
        sel = sourced[sourced["series"] == rule["series"]]
        if "years" in rule:
            sel = sel[sel["year"].astype(int).isin(rule["years"])]
        for idx, r in sel.iterrows():
            year = int(r["year"])
            if not BASE_YEAR <= year <= PLAN_END:
                continue  # outside the plan period: kept as context below
            if not r["unit"].startswith(rule["unit_prefix"]):
                problems.append(Problem(str(src / "hangzhou_sourced_actuals.csv"), int(idx) + 2, "unit",
                                        f"unit {r['unit']!r} of series {r['series']} does not start with {rule['unit_prefix']!r}", Reason.INCONSISTENT))
                continue
            revision = rule.get("revision_by_unit", {}).get(r["unit"], 0)
            note = "；".join(x for x in (rule.get("note_zh", ""), r["note"], f"原单位：{r['unit']}") if x)
            rows.append({"measure_id": m.id, "region": CITY, "period": year, "value": float(r["value"]), "unit": m.unit,
                         "quality": r["quality"], "method": "official", "revision": revision,
                         "source": r["source"], "note": note})
            used.add(int(idx))
    if problems:
        raise ValidationError(problems, "source mapping")
    obs = pd.DataFrame(rows, columns=COLUMNS)
    # identical figures from two sources: keep the first source, name the other in the note
    obs = obs.groupby(["measure_id", "period", "value", "quality", "revision"], as_index=False, sort=False).agg(
        {**{c: "first" for c in COLUMNS if c not in ("measure_id", "period", "value", "quality", "revision", "source")},
         "source": lambda s: " | ".join(dict.fromkeys(s))})[COLUMNS]

    daily = pd.read_csv(src / "hangzhou_air_daily.csv")
    air = derive_air_yearly(daily)
    how = (f"由日数据推算（上游 {AIR_UPSTREAM}，城市日均值，{{n}}/{{d}}天有数据）；与官方年报口径（站点与规则）不同，"
           "不与官方数据混合计算进度")
    source = "data/sources/hangzhou_air_daily.csv (kpitrack.sources.derive_air_yearly)"
    for _, a in air.iterrows():
        if not BASE_YEAR <= a["year"] <= PLAN_END:
            continue
        note = how.format(n=a["days_with_data"], d=a["days_in_year"])
        if a["pm25_mean"] is not None and pd.notna(a["pm25_mean"]):
            obs.loc[len(obs)] = ["K08.pm25", CITY, a["year"], a["pm25_mean"], "μg/m³", "derived", "daily-derived", 0, source, note + "；年均值=有数据日的PM2.5算术平均"]
        if a["good_days"] is not None and pd.notna(a["good_days"]):
            obs.loc[len(obs)] = ["K09.good_air_days", CITY, a["year"], a["good_days"], "天", "derived", "daily-derived", 0, source, note + "；优良天数=AQI≤100的天数"]

    ctx_rows = []
    for rule in mapping["context"]:
        for idx, r in sourced[sourced["series"] == rule["series"]].iterrows():
            if int(idx) in used:
                continue
            ctx_rows.append({"series": r["series"], "period": r["year"], "value": r["value"], "unit": r["unit"],
                             "quality": r["quality"], "relates_to": rule["relates_to"], "why_not_kpi_zh": rule["why_zh"],
                             "source": r["source"], "note": r["note"]})
    mapped_series = {r["series"] for r in mapping["kpi"]} | {r["series"] for r in mapping["context"]}
    for idx, r in sourced.iterrows():  # in-plan-period figures of mapped series outside 2015-2020
        if r["series"] in {x["series"] for x in mapping["kpi"]} and int(idx) not in used and not any(
                c["series"] == r["series"] for c in mapping["context"]):
            ctx_rows.append({"series": r["series"], "period": r["year"], "value": r["value"], "unit": r["unit"],
                             "quality": r["quality"], "relates_to": next(x["measure"] for x in mapping["kpi"] if x["series"] == r["series"]),
                             "why_not_kpi_zh": "规划期（2015—2020年）以外", "source": r["source"], "note": r["note"]})
    unmapped = sorted(set(sourced["series"]) - mapped_series)
    if unmapped:
        raise ValidationError([Problem(str(src / "mapping.yaml"), None, "series", f"series not mapped: {', '.join(unmapped)}", Reason.MISSING)], "source mapping")
    ydm = pd.read_csv(src / "hangzhou_population_gdp_ydm.csv", dtype=str, keep_default_na=False)
    for _, r in ydm.iterrows():
        is_gdp = r["variable"].startswith("GDP")
        ctx_rows.append({"series": "gdp_revised_ydm" if is_gdp else "population_ydm", "period": r["year"], "value": r["value"],
                         "unit": r["unit"], "quality": "reported", "relates_to": "K01.gdp_const" if is_gdp else "K20.hukou_urbanisation",
                         "why_not_kpi_zh": "修订后的现价地区生产总值，不是2015年不变价（修订版本见后续数据版本功能）" if is_gdp else "年末总人口，户籍/常住口径未注明",
                         "source": r["source"], "note": r["variable"]})
    context = pd.DataFrame(ctx_rows).sort_values(["relates_to", "series", "period"], kind="stable")
    obs = obs.astype({"period": "int64", "value": "float64", "revision": "int64"})
    return obs, context


def write_hangzhou(cat: Catalogue, out_dir: Path | None = None, sources_dir: Path | None = None) -> Path:
    """Rebuild ``data/actuals/hangzhou/observations.csv`` and ``context.csv``."""
    out = Path(out_dir) if out_dir else paths.actuals_dir() / "hangzhou"
    obs, context = build_hangzhou(cat, sources_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_observations(obs, out / "observations.csv")
    tmp = out / "context.csv.tmp"
    context.to_csv(tmp, index=False, lineterminator="\n")
    tmp.replace(out / "context.csv")
    log.info("wrote %d observations and %d context figures to %s", len(obs), len(context), out)
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

"""What a monthly bulletin (月度通报) shows: the pace of every monthly and quarterly measure in the
city or one district, as tables and text in the style of an official 通报.

A bulletin has three parts: 一、总体情况 (how many measures are on pace, where the region ranks),
二、分项指标 (every measure: YTD figure, target, pace, status, rank, change since the previous
report, year-end estimate), 三、需关注事项 (what lags and what it means for the year). The city
bulletin adds the districts-by-measures status table, the rankings and one comparison chart per
measure. ``notebooks/monthly_bulletin.ipynb`` only calls these functions and shows their results.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from ...analysis.pace import MEAN_AT_RISK, RATE_AT_RISK, RATIO_AT_RISK, MonthPace, Pace, has_figures, month_pace
from ...core.exceptions import KpitrackError, NoFiguresError, ParameterError  # noqa: F401 - NoFiguresError: raised here, imported from here
from ...core.labels import STATUS_EN, STATUS_ZH, Status, fixed, fmt, fmt_change, number, synthetic_warning
from ...data.actuals import DERIVED_METHODS, Dataset, load_dataset
from ...data.regions import city_code, Region, districts
from ...plan.catalogue import Catalogue, Measure, catalogue
from ...plan.schema import plan_base_year, plan_end_year
from .display import StatusCell, escape_markdown
from .masthead import check_edition, dataset_label, revision_words  # noqa: F401 - importable from here
from .params import check_common

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
NO_TARGET_ZH = "未设目标"


@dataclass(frozen=True)
class Bulletin:
    """Everything one bulletin shows, computed once."""

    cat: Catalogue
    ds: Dataset
    year: int
    month: int
    region: Region
    language: str
    pace: MonthPace
    #: 1 for the bulletin as first issued; 2, 3 ... for a revised edition (修订版), made on request
    #: when a month's figures changed after it was issued (``kpitrack bulletins --revise``)
    edition: int = 1

    @property
    def is_city(self) -> bool:
        return self.region.code == city_code()

    @property
    def compares_districts(self) -> bool:
        """A city bulletin with district figures: it shows the districts-by-measures tables and charts."""
        return self.is_city and any(code != city_code() for code in self.pace.regions_with_data())

    def paces(self, region: str | None = None) -> list[tuple[Measure, Pace]]:
        code = region or self.region.code
        return [(m, p) for m in self.pace.measures if (p := self.pace.get(m.id, code)) is not None]


def shown_months(b: Bulletin) -> set[int]:
    """The months of the figures a bulletin judges (its region's, and the districts' in the city's):
    a December bulletin may still judge a measure on 1—11月 while its December figure is not out."""
    codes = [b.region.code] + ([d.code for d in districts()] if b.is_city else [])
    return {p.month for c in codes for _, p in b.paces(c) if p.value is not None}


def lagging_words(b: Bulletin) -> str:
    """进度滞后或存在风险, or 进度滞后 alone when every figure judged is the whole year's (December: met or not)."""
    whole_year = shown_months(b) == {12}
    return STATUS_ZH[Status.OFF_TRACK] if whole_year else f"{STATUS_ZH[Status.OFF_TRACK]}或{STATUS_ZH[Status.AT_RISK]}"


def parse_month(text: object) -> tuple[int, int]:
    """``YYYY-MM`` within the plan period, as (year, month); :class:`ParameterError` otherwise."""
    mo = MONTH.match(str(text).strip())
    if not mo or not 1 <= int(mo.group(2)) <= 12:
        raise ParameterError(f"parameter month: expected YYYY-MM such as 2018-06, got {text!r}")
    year, month = int(mo.group(1)), int(mo.group(2))
    if not plan_base_year() < year <= plan_end_year():
        raise ParameterError(f"parameter month: the plan runs {plan_base_year() + 1}-{plan_end_year()}; got {text!r}")
    return year, month


def _districts() -> str:
    """The districts in words: "13个区、县（市）" (the workspace's count and collective name)."""
    return f"{len(districts())}个{workspace_districts()}"


def check_region(text: object) -> Region:
    """The region of a bulletin: a district, or the city (empty: the city's bulletin of all districts)."""
    from .params import resolve_region

    try:
        return resolve_region(text)
    except ParameterError as exc:
        raise ParameterError(f"parameter {exc}", field="region") from None


def check_parameters(month: object, region: object, dataset: object, language: object = "zh",
                     data_as_of: object = "") -> tuple[int, int, Region, str, str, str]:
    """Validate bulletin parameters before any work; :class:`ParameterError` names the bad one."""
    year, mon = parse_month(month)
    reg = check_region(region)
    dataset, language, data_as_of = check_common(dataset, language, data_as_of)
    return year, mon, reg, dataset, language, data_as_of


def prepare(month: str, region: str, dataset: str, data_as_of: str = "", language: str = "zh", edition: int = 1) -> Bulletin:
    """The bulletin of ``region`` for ``month`` (YYYY-MM) on ``dataset``.

    Raises
    ------
    ParameterError
        For a malformed month, an unknown region, dataset or language.
    NoFiguresError
        When the dataset holds no figures for that month.
    """
    year, mon, reg, dataset, language, data_as_of = check_parameters(month, region, dataset, language, data_as_of)
    cat = catalogue()
    ds = load_dataset(dataset, cat, known_at=data_as_of or None)
    if not has_figures(ds, year, mon):
        raise NoFiguresError(f"dataset {dataset!r} holds no figures for {year}-{mon:02d}"
                             + (f" as known on {data_as_of}" if data_as_of else "") + "; nothing to report yet")
    return Bulletin(cat, ds, year, mon, reg, language, month_pace(cat, ds, year, mon), check_edition(edition))


# --------------------------------------------------------------------------- words and numbers

def period_zh(month: int) -> str:
    return "1月" if month == 1 else f"1—{month}月"


def _t(b: Bulletin, zh: str, en: str) -> str:
    return zh if b.language == "zh" else f"{zh} {en}"


def status_text(p: Pace, language: str = "zh") -> str:
    if p.value is not None and not p.has_target:
        return NO_TARGET_ZH if language == "zh" else f"{NO_TARGET_ZH} no target"
    return STATUS_ZH[p.status] if language == "zh" else f"{STATUS_ZH[p.status]} {STATUS_EN[p.status]}"


def status_cell_of(p: Pace, language: str = "zh") -> StatusCell:
    """The status as a table cell: its code (colour) with its text."""
    code = "no_target" if p.value is not None and not p.has_target else p.status.value
    return StatusCell(code, status_text(p, language))


def points(value: float | None, digits: int = 1) -> str:
    """A difference of percentages, as officials write it: 个百分点, with its sign."""
    if value is None:
        return "—"
    return f"{value:+.{digits}f}个百分点".replace("+0.0个", "0.0个").replace("-0.0个", "0.0个")


def _value(m: Measure, v: float | None) -> str:
    return fmt(v, m.unit)  # the unit's one precision (counts whole), as every page shows the measure


def _change(m: Measure, p: Pace) -> str:
    """The change since the previous report: the difference of the two figures as printed."""
    return fmt_change(p.value, p.previous_value, m.unit)


def _pace_text(m: Measure, p: Pace) -> tuple[str, str]:
    """(what has been done, what the pace requires), as shown in tables."""
    if p.value is None or p.target is None:
        return "—", "—"
    if p.kind == "total":
        return f"{p.completion:.1%}", f"{p.share_required:.1%}"
    if p.kind == "rate":
        return points(p.gap), fmt(p.target.value, "%")
    return f"{fixed(p.value, 1)}{m.unit}", f"≤{fixed(p.required, 1)}{m.unit}"


def rank_text(p: Pace) -> str:
    return "—" if p.rank is None else f"{p.rank}/{p.n_ranked}"


def rank_change(p: Pace) -> str:
    if p.rank is None or p.rank_previous is None:
        return "—"
    d = p.rank_previous - p.rank
    return "持平" if d == 0 else (f"上升{d}位" if d > 0 else f"下降{-d}位")


def _derived(b: Bulletin, p: Pace) -> bool:
    """Whether the figure a pace rests on was derived (from daily data), not published."""
    return b.ds.book.grid(p.measure_id, p.region).method(p.year, p.month) in DERIVED_METHODS


def _estimate_text(b: Bulletin, m: Measure, p: Pace) -> str:
    e = p.estimate
    if e is None:
        return "—"
    if e.month == 12:
        return _value(m, e.estimate) + ("（由日数据推算的全年数，非官方公布数）" if _derived(b, p) else "（全年数）")
    return f"{_value(m, e.estimate)}（{number(e.lower, m.unit)}—{number(e.upper, m.unit)}）"


def _current(b: Bulletin, m: Measure, p: Pace) -> str:
    """The figure of the period, marked with its own period when it is older than the bulletin's, and
    as derived when it was computed from daily data rather than published."""
    if p.value is None:
        return _value(m, p.value)
    marks = [period_zh(p.month), "最新"] if p.month != b.month else []
    if _derived(b, p):
        marks.append("推算")
    return _value(m, p.value) + (f"（{'，'.join(marks)}）" if marks else "")


def _measure_name(b: Bulletin, m: Measure) -> str:
    q = "（季度）" if m.frequency == "quarterly" else ""
    return f"{m.name_zh}{q}" if b.language == "zh" else f"{m.name_zh}{q} / {m.name_en}"


# --------------------------------------------------------------------------- the parts

def title(b: Bulletin) -> str:
    return title_for(f"{b.year}-{b.month:02d}", b.region.code, b.compares_districts or not b.is_city, b.edition)


def subtitle(b: Bulletin) -> str:
    sub = f"数据：{b.ds.label_zh}"
    if b.language == "en":
        sub += f" · Monthly bulletin, {b.region.name_en}, January-{pd.Timestamp(year=b.year, month=b.month, day=1):%B} {b.year}"
    return sub


def charted_measures(b: Bulletin, region: str | None = None) -> list[Measure]:
    """The measures with a figure to draw this month (an empty chart is never drawn: a line says so)."""
    return [m for m, p in b.paces(region or b.region.code) if p.value is not None]


def no_chart_note(b: Bulletin) -> str:
    return f"{b.region.name_zh}本期没有可绘制的月度（季度）数据。"


def _month_end(b: Bulletin):
    """The last day of the bulletin's month: its date when its figures carry none."""
    import calendar
    from datetime import date

    return date(b.year, b.month, calendar.monthrange(b.year, b.month)[1])


def signoff(b: Bulletin):
    """The 落款: the office and the 成文日期 (the same date as the head's)."""
    from .masthead import signoff as tail

    return tail(b.ds, up_to=b.year, period_end=_month_end(b))


def imprint(b: Bulletin):
    from .masthead import imprint as tail

    return tail(b.ds, up_to=b.year, period_end=_month_end(b))


def masthead(b: Bulletin):
    """The bulletin's head: the office, 文号, its title (the front matter's), 主送."""
    from .masthead import masthead as head

    # a district's bulletin goes to that district; the city's to every district and the city's units
    return head(title(b), b.ds, up_to=b.year, period_end=_month_end(b),
                recipients=None if b.is_city else f"中共{b.region.name_zh}委、{b.region.name_zh}人民政府")


def headline(b: Bulletin) -> str:
    """Markdown: who, what period, on which data; synthetic data says so loudly."""
    vintages = sorted(set(b.ds.observations["vintage"]))
    version = f"第{vintages[-1]}版" if vintages else "无"
    lines = [f"**通报范围：** {escape_markdown(b.region.name_zh)}　**统计期：** {b.year}年{period_zh(b.month)}　"
             f"**数据：** {escape_markdown(dataset_label(b.ds, version))}"]
    obs = b.ds.observations
    shown = obs[(obs["year"] == b.year) & (obs["month"] > 0) & (obs["month"] <= b.month)]
    if (shown["method"] == "daily-derived").any():
        lines += ["", "*月度空气质量数据由逐日监测数据推算（质量标记为“推算”），不是官方公布的月报数，仅供参考。*"]
    if b.ds.synthetic:
        lines += ["", synthetic_warning("通报", b.language)]
    return "\n".join(lines)


def overview(b: Bulletin) -> str:
    """一、总体情况 as a paragraph."""
    rows = [(m, p) for m, p in b.paces() if p.value is not None]
    if not rows:
        return f"{escape_markdown(b.region.name_zh)}本期没有月度（季度）指标数据。"
    counts = Counter(status_text(p) for _, p in rows)
    order = [STATUS_ZH[s] for s in (Status.ACHIEVED, Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK)] + [NO_TARGET_ZH]
    parts = "、".join(f"{name}{counts[name]}项" for name in order if counts.get(name))
    text = (f"截至{b.year}年{b.month}月，{escape_markdown(b.region.name_zh)}纳入通报的月度（季度）指标共{len(rows)}项，"
            f"其中{parts}。")
    if b.is_city:
        lag = Counter()
        for d in districts():
            for m, p in b.paces(d.code):
                if p.status in (Status.OFF_TRACK, Status.AT_RISK):
                    lag[d.code] += 1
        n_with = sum(1 for d in districts() if any(p.value is not None for _, p in b.paces(d.code)))
        if n_with:
            worst = [d.name_zh for d in districts() if lag.get(d.code, 0) >= 2]
            n_all = len(districts())
            text += ((f"{_districts()}均已报送数据；" if n_with == n_all else f"{_districts()}中有{n_with}个报送了数据；")
                     + (f"{_districts()}均有两项及以上指标{lagging_words(b)}。" if len(worst) == n_all
                        else f"有两项及以上指标{lagging_words(b)}的是{escape_markdown('、'.join(worst))}。" if worst
                        else f"没有两项及以上指标{lagging_words(b)}的地区。"))
        else:
            text += f"本数据集没有{workspace_districts()}的分地区数据，本通报仅含全市情况。"
    else:
        ranked = [(m, p) for m, p in rows if p.rank is not None]
        top = [m.name_zh + (f"（虽列前三，但{STATUS_ZH[p.status]}）" if p.status in (Status.OFF_TRACK, Status.AT_RISK) else "")
               for m, p in ranked if p.rank <= 3]
        bottom = [m.name_zh for m, p in ranked if p.rank > p.n_ranked - 3]
        if top:
            text += f"在{_districts()}中列前三位的有：{escape_markdown('、'.join(top))}。"
        if bottom:
            text += f"列后三位的有：{escape_markdown('、'.join(bottom))}。"
    return text


def measures_table(b: Bulletin, region: str | None = None) -> pd.DataFrame:
    """二、分项指标: the YTD figure, the year's target, done and required, status and rank."""
    rows = []
    for m, p in b.paces(region):
        done, required = _pace_text(m, p)
        rows.append({
            _t(b, "指标", "Indicator"): _measure_name(b, m),
            _t(b, "本期", "YTD"): _current(b, m, p),
            _t(b, "全年目标", "Target"): "—" if p.target is None else _value(m, p.target.value),
            _t(b, "目标依据", "Target from"): "—" if p.target is None else p.target.basis_zh,
            _t(b, "完成进度", "Done"): done,
            _t(b, "进度要求", "Due"): required,
            _t(b, "状态", "Status"): status_cell_of(p, b.language),
            _t(b, "位次", "Rank"): rank_text(p),
        })
    return _without_ranks(b, pd.DataFrame(rows), region)


def _without_ranks(b: Bulletin, df: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """The city is not ranked: its tables leave the rank columns out."""
    if (region or b.region.code) != city_code():
        return df
    return df.drop(columns=[c for c in df.columns if c.startswith("位次")])


def changes_table(b: Bulletin, region: str | None = None) -> pd.DataFrame:
    """Change since the previous report and the year-end estimate with its 80% interval."""
    rows = []
    for m, p in b.paces(region):
        prev = "—" if p.previous_month is None else f"{_value(m, p.previous_value)}（{period_zh(p.previous_month)}）"
        rows.append({
            _t(b, "指标", "Indicator"): _measure_name(b, m),
            _t(b, "上期", "Previous"): prev,
            _t(b, "本期", "YTD"): _current(b, m, p),
            _t(b, "变化", "Change"): _change(m, p),
            _t(b, "位次变化", "Rank change"): rank_change(p),
            _t(b, "全年预计（80%区间）", "Year-end estimate (80%)"): _estimate_text(b, m, p) if p.value is not None else "—",
        })
    return _without_ranks(b, pd.DataFrame(rows), region)


def attention(b: Bulletin) -> str:
    """三、需关注事项: what lags, by how much, and what the year-end estimate says."""
    items = []
    for m, p in b.paces():
        if p.value is None:
            continue
        lagging = p.status in (Status.OFF_TRACK, Status.AT_RISK)
        if not lagging and not p.likely_miss:
            continue
        text = f"**{escape_markdown(m.name_zh)}**（{STATUS_ZH[p.status]}）：{escape_markdown(p.reason_zh)}"
        if p.rank is not None:
            text += f"，在{_districts()}中列第{p.rank}位"
        if p.estimate is not None and p.target is not None and p.estimate.month < 12:
            e = p.estimate
            short = p.likely_miss
            text += (f"；按往年规律全年预计{_value(m, e.estimate)}（80%区间{number(e.lower, m.unit)}—{number(e.upper, m.unit)}），"
                     + ("低于" if short and p.kind != "mean" else "高于" if short else "可达到")
                     + f"全年目标{_value(m, p.target.value)}")
        items.append("- " + text + "。")
    if b.compares_districts:
        lag = lagging_table(b)
        if not lag.empty:
            items.append(f"- {workspace_districts()}{lagging_words(b)}的指标共{len(lag)}项，见下表；请相关地区和责任单位分析原因、提出措施。")
    if not items:
        return "本期各项指标均已实现或进度正常，无需特别关注的事项。"
    return "\n".join(items)


# --------------------------------------------------------------------------- the city bulletin

def _districts_by_measures(b: Bulletin, cell) -> pd.DataFrame:
    """A table of the 13 districts (rows) by the bulletin's measures (columns); ``cell(pace)`` fills it."""
    rows = []
    for d in districts():
        row = {_t(b, "地区", "Region"): d.name_zh}
        for m in b.pace.measures:
            p = b.pace.get(m.id, d.code)
            row[m.name_zh] = "—" if p is None else cell(p)
        rows.append(row)
    return pd.DataFrame(rows)


def matrix_table(b: Bulletin) -> pd.DataFrame:
    """Districts by measures: the status of every measure in every district (cells coloured by status)."""
    return _districts_by_measures(b, lambda p: "—" if p.value is None else status_cell_of(p, b.language))


def ranking_table(b: Bulletin) -> pd.DataFrame:
    """Districts by measures: the rank of every district on every measure (1 = best pace)."""
    return _districts_by_measures(b, lambda p: "—" if p.rank is None else str(p.rank))


def lagging_table(b: Bulletin) -> pd.DataFrame:
    """Every district measure off track (滞后), then at risk, with the reason."""
    rows = []
    for status in (Status.OFF_TRACK, Status.AT_RISK):
        for m in b.pace.measures:
            for d in districts():
                p = b.pace.get(m.id, d.code)
                if p is not None and p.value is not None and p.status == status:
                    rows.append({_t(b, "地区", "Region"): d.name_zh, _t(b, "指标", "Indicator"): m.name_zh,
                                 _t(b, "状态", "Status"): status_cell_of(p, b.language), _t(b, "说明", "Why"): p.reason_zh,
                                 _t(b, "位次", "Rank"): rank_text(p)})
    return pd.DataFrame(rows)


def method_note(b: Bulletin) -> str:
    """说明: the rule the statuses of this bulletin were given by, written from the pace rule's own
    bands (:mod:`kpitrack.analysis.pace`), for the months its figures are of: a measure with its
    December figure is judged on the whole year, met or not; one still on 1—11月 on its pace."""
    done, on, risk, off = (STATUS_ZH[s] for s in (Status.ACHIEVED, Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK))
    months = shown_months(b)
    rule = ""
    if 12 in months:  # the whole year's figures: met or not
        rule = ("全年数据已出的指标看全年完成情况：累计类指标完成全年目标、累计增速类指标达到年度目标增速、累计均值类指标（PM2.5）"
                f"未超过年度目标的为“{done}”，未达到的为“{off}”（全年已过，不再有“{risk}”）。")
    if any(m < 12 for m in months) or not months:
        rule += ("其余指标（尚无12月数据）按1—11月进度：" if 12 in months else "") + (
                 "累计类指标（收入、地区生产总值等）以“完成全年目标的比例”对照往年同期完成比例（不足两年历史时用序时进度），"
                f"已完成全年目标的为“{done}”，达到往年同期比例的为“{on}”，达到其{RATIO_AT_RISK:.0%}以上的为“{risk}”，其余为“{off}”；"
                f"累计增速类指标对照年度目标增速，达到的为“{on}”，低于目标{abs(RATE_AT_RISK):g}个百分点以内的为“{risk}”，更低的为“{off}”；"
                f"累计均值类指标（PM2.5）对照按往年规律折算的控制值（不足两年历史时用年度目标），未超过的为“{on}”，"
                f"超出{MEAN_AT_RISK - 1:.0%}以内的为“{risk}”，更高的为“{off}”。")
    districts_shown = b.compares_districts or not b.is_city  # a city-only bulletin ranks no one
    return ("**说明：** " + rule
            + (f"{workspace_districts()}未单独下达目标的，按全市目标分解（增速类和均值类用全市目标，总量类按全市目标较上年的增幅推算）。"
               f"位次按超出（或低于）进度要求的幅度在{_districts()}中排列，1为最好。" if districts_shown else "")
            + ("全年预计依据往年同期至年末的变化规律，80%区间表示有八成把握落在其中。" if any(m < 12 for m in months) else ""))


def workspace_districts() -> str:
    """The districts' collective name (区、县（市）), as the workspace writes it."""
    from ...core.workspace import workspace

    return workspace().districts_zh


def title_for(month: str, region: str, districts: bool = True, edition: int = 1) -> str:
    """The title of a bulletin from its parameters (for the front matter); a city bulletin without
    district figures (``districts`` False) is the city's own, not the districts'; a revised edition
    says so (修订版, 第二次修订版 ...)."""
    year, mon = parse_month(month)
    reg = check_region(region)
    if reg.code == city_code():
        who, what = (f"{reg.name_zh}各区、县（市）", "经济责任制指标进度通报") if districts else (reg.name_zh, "关键绩效指标月度进度通报")
    else:
        who, what = reg.name_zh, "经济责任制指标进度通报"
    return f"{who}{what}（{year}年{period_zh(mon)}{revision_words(edition)}）"

"""The researcher's API, its shared steps: the evaluation year from ``as_of`` (the rule of
``--as-of``), the dataset or the figures given, a district's view of a dataset, and the words of a
probability (:mod:`kpitrack.api`, :mod:`kpitrack.api.charts`)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..data.actuals import Dataset, kpi_series, load_dataset
from ..data.regions import city_code
from ..plan.catalogue import Catalogue, Measure
from ..plan.catalogue import catalogue as _load_catalogue
from ..plan.schema import plan_base_year, plan_end_year
from ..publish.content.params import check_dataset, check_language, check_year


def _cat() -> Catalogue:
    return _load_catalogue()


def _as_of(as_of: int | str | None, default_latest: bool = True) -> tuple[int | None, str | None]:
    """(evaluation year, known-at date) from a year or a date, by the rule of ``--as-of``."""
    from ..core.exceptions import ParameterError
    from ..data.actuals import check_date
    from ..publish.content.report import split_as_of

    if as_of is None:
        return None, None
    from datetime import date

    if isinstance(as_of, date):  # a date, a datetime or a pd.Timestamp: the day (as the text YYYY-MM-DD)
        as_of = as_of.strftime("%Y-%m-%d")
    if isinstance(as_of, str) and "-" in as_of and len(as_of) == 10:
        _, date = split_as_of(as_of)
        try:
            check_date(date, "as_of")
        except ValueError as exc:
            raise ParameterError(str(exc), field="as_of") from None
        return check_year(int(date[:4]) - 1, "as_of", plan_base_year() + 1, plan_end_year()), date
    if isinstance(as_of, str) and len(as_of.strip()) == 7:
        raise ParameterError(f"as_of: a year (2018) or a date (2018-06-30), got the month {as_of!r}", field="as_of")
    return check_year(as_of, "as_of"), None


def _latest_year(ds: Dataset) -> int:
    """The latest plan year with a yearly figure of the city (the default ``as_of``)."""
    obs = ds.observations
    years = obs.loc[(obs["region"] == city_code()) & (obs["month"] == 0) & (obs["year"] <= plan_end_year()), "year"]
    return int(max(plan_base_year() + 1, years.max())) if len(years) else plan_end_year()


def _load(dataset, as_of, figures_df) -> tuple[Dataset, int]:
    """The dataset (or the figures given) and the evaluation year."""
    year, known = _as_of(as_of)
    if figures_df is not None:
        from ..data.own import dataset_from_figures

        ds = dataset_from_figures(figures_df, _cat())
        if known:
            ds = replace(ds, observations=ds.observations[ds.observations["known_from"].astype(str) <= known])
    else:
        ds = load_dataset(check_dataset(dataset), _cat(), known_at=known)
    return ds, (year if year is not None else _latest_year(ds))


def _district_comparable(m: Measure) -> bool:
    """Whether a district's own figure can be held against the plan's city-wide target: a rate or a
    share, not a total (a district's totals are assigned by the city)."""
    return m.value_type == "rate" or m.unit in ("%", "‰")


def _view(ds: Dataset, code: str) -> Dataset:
    """The dataset as seen from one region: its figures in the place of the city's (a year's
    December year-to-date figure stands for the year by the one rule of data/figures.py)."""
    if code == city_code():
        return ds
    obs = ds.observations
    own = obs[obs["region"] == code].assign(region=city_code())
    return replace(ds, observations=own.reset_index(drop=True), targets=None)


def _probability_label(p: float | None, language: str) -> str:
    from ..analysis.outlook import probability_text

    if p is None or p != p:
        return "—"
    if language == "zh":
        return probability_text(p)
    pct = int(round(p * 20)) * 5
    return "above 95%" if p > 0.95 else "below 5%" if p < 0.05 else f"about {pct}%"


def _annual(ds: Dataset, measure_id: str, region: str, year: int | None) -> pd.Series:
    """The yearly figures that count of a measure in a region, by year (data/figures.py)."""
    s = kpi_series(ds, measure_id, region=region, as_of=year)
    return pd.Series(s["value"].to_numpy(), index=s["period"].to_numpy())


#: The keys every result of the API carries in ``.attrs`` (more where a result has more to say).
ATTRS = ("dataset", "as_of", "language", "note")


def stamped(fn):
    """Every result of ``fn`` carries the same ``.attrs`` keys (:data:`ATTRS`): the dataset and as_of
    it was computed on (None where they do not apply), its language, and a note ("" when nothing is
    to be said). What ``fn`` set itself is kept."""
    import functools
    import inspect

    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        out = fn(*args, **kwargs)
        if not isinstance(out, pd.DataFrame):
            return out
        given = sig.bind_partial(*args, **kwargs).arguments
        dataset = given.get("dataset")
        if "dataset" in sig.parameters and dataset is None and "dataset" not in out.attrs:
            dataset = check_dataset(None)
        language = check_language(given.get("language", "zh"))
        defaults = {"dataset": dataset if isinstance(dataset, str) or dataset is None else None,
                    "as_of": given.get("as_of"), "language": language, "note": ""}
        for key in ATTRS:
            out.attrs.setdefault(key, defaults[key])
        return in_language(out, language)

    return call


#: Columns of text that a person wrote in Chinese in a file, with how an English result shows them.
_FREE_TEXT = {"source": "source", "latest_source": "source", "note": "note"}


def in_language(out: pd.DataFrame, language: str) -> pd.DataFrame:
    """One rule for every result's columns of words (the function gives names, labels and reasons in
    ``language`` itself):

    - a ``unit`` column is followed by ``unit_en`` (the unit in English, ``100 million yuan``) and
      ``multiplier`` (the value times it is in the unit without its scale word: 1e8 for 亿元);
      with ``language="en"`` the ``unit`` column is the English one;
    - with ``language="en"``: the columns in Chinese (``…_zh``: the plan's own words, the Chinese
      sentences beside their English ``…_text``) are left out; a ``source`` gives the publication's
      address (Chinese in it percent-encoded); a ``note`` the English of what kpitrack wrote from a
      pattern, "" for what a person wrote; ``.attrs["note"]`` says so.
    """
    from ..core.english import LEFT_OUT_EN, has_cjk, multiplier, note_en, source_en, unit_en

    def english_unit(u: object) -> str:  # "" for a Chinese unit without English (validate warns of them)
        return unit_en(str(u) if u is not None and u == u else "")

    if "unit" in out.columns and "unit_en" not in out.columns:
        at = list(out.columns).index("unit") + 1
        out.insert(at, "unit_en", [english_unit(u) for u in out["unit"]])
        out.insert(at + 1, "multiplier", [multiplier(u) for u in out["unit"]])
    if language != "en":
        return out
    attrs = dict(out.attrs)
    dropped = [c for c in out.columns if str(c).endswith("_zh")]
    out = out.drop(columns=dropped)
    if "unit" in out.columns:
        out["unit"] = out["unit_en"]
    for column, kind in _FREE_TEXT.items():
        if column in out.columns:
            f = source_en if kind == "source" else note_en
            out[column] = [f(v) if isinstance(v, str) else v for v in out[column]]
    note = str(attrs.get("note") or "")
    if has_cjk(note):
        note = ""
    if dropped or any(c in out.columns for c in _FREE_TEXT):
        note = f"{note.rstrip('. ')}; {LEFT_OUT_EN}" if note else LEFT_OUT_EN
    attrs["note"] = note
    out.attrs.update(attrs)
    return out

"""The parameters every report, bulletin and card shares (dataset, language, data date), and the one
argument check of the researcher's API and the command line (years, measures by id or KPI, regions
by code or name in either language): checked before any work starts; each problem is a
ParameterError naming the parameter, with the closest names where one was mistyped."""

from __future__ import annotations

import difflib
import re

from ...core.exceptions import ParameterError
from ...core.labels import LANGUAGES
from ...core.settings import default_dataset
from ...data.actuals import check_date, list_datasets
from ...data.regions import city_code, Region, regions, resolve
from ...plan.catalogue import Measure, catalogue
from ...plan.schema import plan_base_year, plan_end_year


def check_common(dataset: object, language: object, data_as_of: object) -> tuple[str, str, str]:
    """(dataset, language, data_as_of) checked: a known dataset, zh or en, an empty or real date."""
    known = list_datasets()
    if dataset not in known:
        raise ParameterError(f"parameter dataset: unknown dataset {dataset!r}; known: {', '.join(known)}")
    if language not in LANGUAGES:
        raise ParameterError(f"parameter language: expected one of {', '.join(LANGUAGES)}, got {language!r}")
    data_as_of = "" if data_as_of is None else str(data_as_of)
    if data_as_of:
        try:
            check_date(data_as_of, "data_as_of")
        except ValueError as exc:
            raise ParameterError(f"parameter {exc}") from None
    return str(dataset), str(language), data_as_of


# ------------------------------------------------------------------ the one argument check of the API and the CLI


def check_language(language: object) -> str:
    if isinstance(language, str) and language.strip().lower() in LANGUAGES:  # "EN" as "en"
        language = language.strip().lower()
    if language not in LANGUAGES:
        raise ParameterError(f"language: expected one of {', '.join(LANGUAGES)}, got {language!r}", field="language")
    return str(language)


def check_dataset(name: object) -> str:
    """A known dataset's name (None: the active workspace's default dataset); a year or a DataFrame
    where a name belongs is told apart."""
    if name is None:
        name = default_dataset()
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        raise ParameterError(f"dataset: expected a dataset's name such as {', '.join(list_datasets())}, got the number {name!r} "
                             f"(a year goes to as_of=, e.g. status(as_of={name!r}))", field="dataset")
    if not isinstance(name, str):
        raise ParameterError(f"dataset: expected a dataset's name, got a {type(name).__name__} "
                             "(figures of your own go to figures=, e.g. status(figures=df))", field="dataset")
    known = list_datasets()
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        raise ParameterError(f"dataset: unknown dataset {name!r}{f' (did you mean {close[0]}?)' if close else ''}; known: "
                             f"{', '.join(known)} (make one with kpitrack dataset new NAME)", field="dataset")
    return name


def check_year(year: object, what: str = "year", first: int | None = None, last: int | None = None) -> int:
    """A year of the plan as an int, from an int (numpy's too) or its text; anything else, or a year
    outside ``first``-``last`` (default: the active plan's years), is a ParameterError naming the parameter."""
    first = plan_base_year() + 1 if first is None else first
    last = plan_end_year() if last is None else last
    text = str(year).strip()
    if isinstance(year, bool) or (isinstance(year, float) and not year.is_integer()) or not re.fullmatch(r"\d{4}(\.0)?", text):
        hint = " (a month is not a year here)" if re.fullmatch(r"\d{4}-\d{1,2}", text) else ""
        raise ParameterError(f"{what}: expected a year such as {last - 2}, got {year!r}{hint}", field=what)
    y = int(float(text))
    if not first <= y <= last:
        raise ParameterError(f"{what}: the plan's years are {first}-{last}, got {y}", field=what)
    return y


def resolve_measures(text: object) -> tuple[Measure, ...]:
    """The measures a text names: a measure id (``K08.pm25``, any case), or a KPI id (``K08``: all its
    measures); an unknown name is a ParameterError with the closest ids."""
    cat = catalogue()
    t = str(text).strip()
    ids = {m.id.lower(): m for m in cat.measures}
    if t.lower() in ids:
        return (ids[t.lower()],)
    kpis = {k.id.lower(): k for k in cat.kpis}
    if t.lower() in kpis:
        return tuple(kpis[t.lower()].measures)
    close = difflib.get_close_matches(t, [m.id for m in cat.measures] + [k.id for k in cat.kpis], n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise ParameterError(f"measure: unknown KPI or measure {t!r}{hint}; kt.search() finds one by name", field="measure")


def resolve_measure(text: object) -> Measure:
    """The one measure a text names: a measure id, or a KPI with a single measure."""
    found = resolve_measures(text)
    if len(found) > 1:
        raise ParameterError(f"measure: {text!r} is a KPI with {len(found)} measures; name one: {', '.join(m.id for m in found)}",
                             field="measure")
    return found[0]


_SUFFIXES = (" district", " county", " city", "区", "县", "市")


def resolve_region(region: object) -> Region:
    """A region by code (text or number), Chinese or English name (with or without District, County,
    City), or alias; None or "" is the city; an unknown one is a ParameterError listing the regions."""
    if region is None or (isinstance(region, str) and not region.strip()):
        region = city_code()  # no region: the city
    if isinstance(region, bool):
        raise ParameterError(f"region: expected a region's name or code, got {region!r}", field="region")
    text = str(int(region)) if isinstance(region, (int, float)) and float(region).is_integer() else str(region).strip()
    r = resolve(text)
    if r is None:
        bare = text.lower()
        for s in _SUFFIXES:
            bare = bare.removesuffix(s)
        r = next((x for x in regions() if bare and bare in {x.name_en.lower().split(" ")[0], x.name_zh.rstrip("区县市")}), None)
    if r is None:
        raise ParameterError(f"region: unknown region {text!r}; known: {', '.join(f'{x.name_zh} {x.name_en}' for x in regions())} "
                             "(or their codes, or their English names without District: Xihu)", field="region")
    return r

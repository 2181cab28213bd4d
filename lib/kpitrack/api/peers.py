"""The researcher's API on the peer cities and the challenge targets (``kt.peers``, ``kt.challenges``):
the same rankings and judgements as ``kpitrack peers`` and ``kpitrack challenges``, as tidy frames."""

from __future__ import annotations

import pandas as pd

from ..publish.content.params import check_language, check_year
from .args import stamped


@stamped
def peers(indicator: str, year: int, *, group: str = "sub-provincial", source: str | None = None,
          language: str = "zh") -> pd.DataFrame:
    """The cities of a peer group ranked by one indicator in one year, from one source (the one
    covering most cities, unless ``source`` is given), best first, ties sharing a rank. Columns:

    - ``year``, ``indicator`` (its id in ``data/peers/indicators.yaml``), ``group``
    - ``city`` (Chinese name; the English one with ``language="en"``), ``city_en``
    - ``value`` (as published, in ``unit``), ``unit``, ``rank`` (1 is best), ``n`` (cities ranked)
    - ``source``, ``quality`` (``reported``, or ``computed`` from daily data), ``note``

    ``.attrs``: ``indicator``, ``year``, ``group``, ``language``, ``home_rank`` (the home city's rank,
    None when it has no figure), ``missing`` (cities without a figure), ``note`` (the indicator's caveat).

    >>> t = peers("gdp_nominal", 2019, group="sub-provincial")
    >>> t.attrs["home_rank"], len(t)
    (5, 15)
    """
    from ..analysis.peers import ranking
    from ..data.peers import load_peers

    language = check_language(language)
    year = check_year(year, "year")
    data = load_peers()
    r = ranking(data, indicator, year, group, source)
    out = r.tidy()
    missing = list(r.missing)
    if language == "en":
        out["city"] = out["city_en"]
        english = dict(zip(data.figures["city"], data.figures["city_en"]))
        missing = [english.get(c) or c for c in missing]
    out.attrs.update({"indicator": r.indicator.id, "year": year, "group": r.group.id, "language": language,
                      "home_rank": r.home_rank, "missing": missing,
                      "note": r.indicator.caveat_zh if language == "zh" else r.indicator.caveat_en})
    return out


@stamped
def challenges(year: int, dataset: str | None = None, *, group: str = "sub-provincial", language: str = "zh") -> pd.DataFrame:
    """The challenge targets declared for ``year`` (``data/challenges/<year>.yaml``), judged by the
    plan's rule against the peer group: one row per target. Columns: ``year``, ``measure_id``,
    ``measure_name``, ``kind`` (challenge / key_challenge), ``target``, ``horizontal`` and
    ``vertical`` (each test passed: True, False or None when it cannot be judged), ``qualifies``,
    ``actual``, ``achieved``, ``horizontal_why`` and ``vertical_why`` (the figures behind each test, in
    ``language``), ``horizontal_why_zh``, ``vertical_why_zh`` (left out in English). ``.attrs``: ``dataset``,
    ``year``, ``group``, ``demonstration`` (a demonstration's choice, not the office's), ``language``.
    """
    from ..analysis.challenges import judge
    from ..analysis.scores import load_challenges
    from ..core.exceptions import ParameterError
    from ..data.actuals import load_dataset
    from ..data.peers import load_peers
    from ..data.records import challenges_file
    from ..plan.catalogue import catalogue
    from ..publish.content.params import check_dataset

    language = check_language(language)
    year = check_year(year, "year")
    name = check_dataset(dataset)
    cat = catalogue()
    path = challenges_file(year)
    if not path.is_file():
        raise ParameterError(f"no challenge targets declared for {year} (kpitrack challenges --help says how to declare them)",
                             field="year")
    declared = load_challenges(path, cat, year)
    results = judge(cat, load_dataset(name, cat), load_peers(), declared, group)
    out = pd.DataFrame([{"year": year, "measure_id": r.measure.id,
                         "measure_name": r.measure.name_en if language == "en" else r.measure.name_zh, "kind": r.kind,
                         "target": r.target, "horizontal": r.horizontal.passed, "vertical": r.vertical.passed,
                         "qualifies": r.qualifies, "actual": r.actual, "achieved": r.achieved,
                         "horizontal_why": r.horizontal.why_zh if language == "zh" else r.horizontal.why_en,
                         "vertical_why": r.vertical.why_zh if language == "zh" else r.vertical.why_en,
                         "horizontal_why_zh": r.horizontal.why_zh, "vertical_why_zh": r.vertical.why_zh} for r in results],
                       columns=["year", "measure_id", "measure_name", "kind", "target", "horizontal", "vertical", "qualifies",
                                "actual", "achieved", "horizontal_why", "vertical_why", "horizontal_why_zh", "vertical_why_zh"])
    out.attrs.update({"dataset": name, "year": year, "group": group, "demonstration": declared.demonstration, "language": language})
    return out

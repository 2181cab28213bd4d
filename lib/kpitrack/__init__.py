"""kpitrack: track a city's performance-management plan (the bundled workspace: Hangzhou's 13th
Five-Year plan, 2016-2020; ``kpitrack init`` makes one for any city and plan).

For notebooks, ``import kpitrack as kt`` gives the researcher's API (:mod:`kpitrack.api`):
``kt.catalogue()``, ``kt.figures()``, ``kt.status()``, ``kt.outlook()``, ``kt.forecast()``,
``kt.final()``, ``kt.chart()``, ``kt.compare_regions()``, ``kt.datasets()``, ``kt.regions()``,
``kt.vintages()``, ``kt.context()``, ``kt.search()``, ``kt.new_dataset()``. They are imported on first use, so the command line stays quick.
"""

from .core.version import __version__

_API = ("CatalogueTables", "catalogue", "figures", "status", "outlook", "forecast", "final", "chart", "compare_regions", "dataset",
        "datasets", "regions", "search", "vintages", "context", "new_dataset", "STATUS_ORDER")
__all__ = ["__version__", "CatalogueTables", "catalogue", "figures", "status", "outlook", "forecast", "final", "chart",
           "compare_regions", "dataset", "datasets", "regions", "search", "vintages", "context", "new_dataset", "STATUS_ORDER"]


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'kpitrack' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])

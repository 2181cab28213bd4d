"""kpitrack: track a city's performance-management plan (the bundled workspace: Hangzhou's 13th
Five-Year plan, 2016-2020; ``kpitrack init`` makes one for any city and plan).

For notebooks, ``import kpitrack as kt`` gives the researcher's API (:mod:`kpitrack.api`):
``kt.catalogue()``, ``kt.figures()``, ``kt.status()``, ``kt.outlook()``, ``kt.forecast()``,
``kt.final()``, ``kt.chart()``, ``kt.compare_regions()``, ``kt.datasets()``, ``kt.regions()``,
``kt.vintages()``, ``kt.context()``, ``kt.search()``, ``kt.peers()``, ``kt.challenges()``, ``kt.new_dataset()``. They
are imported on first use, so the command line stays quick.

One calling convention: what the result is about first (a dataset for the whole plan; a measure for
``forecast``, ``chart``, ``compare_regions``; an indicator for ``peers``; a year of declared targets
for ``challenges``), then ``dataset``, then the time, positionally; every other option keyword-only.
Every function takes ``language="zh"`` or ``"en"`` (English throughout: units, reasons, advice,
charts; see :mod:`kpitrack.api`).

They read the default workspace (``$KPITRACK_DATA``, else the bundled one). ``kt.open(folder)``
returns a handle on another workspace with the same functions (``ningbo = kt.open("ningbo");
ningbo.status()``); several may be open in one process.
"""

from .core.version import __version__

_API = ("CatalogueTables", "catalogue", "figures", "status", "outlook", "forecast", "final", "chart", "compare_regions", "dataset",
        "datasets", "regions", "search", "vintages", "context", "new_dataset", "peers", "challenges", "STATUS_ORDER")
__all__ = ["__version__", "open", "Handle", "CatalogueTables", "catalogue", "figures", "status", "outlook", "forecast", "final", "chart",
           "compare_regions", "dataset", "datasets", "regions", "search", "vintages", "context", "new_dataset", "peers", "challenges",
           "STATUS_ORDER"]


class Handle:
    """The researcher's API on one workspace (:func:`open`): every function of :mod:`kpitrack.api`,
    run with that workspace active."""

    def __init__(self, folder) -> None:
        from .core.workspace import Workspace

        self.workspace = Workspace.open(folder)

    def __getattr__(self, name: str):
        if name not in _API:
            raise AttributeError(f"a kpitrack handle has no attribute {name!r}; it has {', '.join(_API)}")
        from . import api

        target = getattr(api, name)
        if not callable(target) or isinstance(target, type):
            return target
        ws = self.workspace

        def call(*args, **kwargs):
            with ws.active():
                return target(*args, **kwargs)

        call.__name__, call.__doc__ = name, target.__doc__
        return call

    def __repr__(self) -> str:
        p = self.workspace.plan
        return f"<kpitrack workspace {self.workspace.city_zh} {p.name_zh} ({p.start_year}-{p.end_year}) at {self.workspace.root}>"

    def __dir__(self) -> list[str]:
        return sorted([*_API, "workspace"])


def open(folder) -> Handle:  # noqa: A001 - kt.open(folder), as the issue and the README name it
    """A handle on the workspace in ``folder`` (made by ``kpitrack init``): ``h.status()``,
    ``h.figures()`` ... as ``kt.status()`` on the default workspace. The workspace's description and
    plan are checked now (a ValidationError names the file and field)."""
    return Handle(folder)


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'kpitrack' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])

"""The papermill floor the benchmarks compare against: a small parameterised notebook, executed."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import nbformat

from kpitrack.publish.runs.run import execute_notebook


def floor_seconds(folder: Path, source: str, runs: int) -> list[float]:
    """Wall times of papermill executing a notebook whose only cell after the parameters is ``source``
    (after one untimed run)."""
    once = floor_runner(folder, source)
    return [once() for _ in range(runs)]


def floor_runner(folder: Path, source: str) -> Callable[[], float]:
    """One floor run at a time (its wall time), for a bench that sets each of its own runs beside a
    floor run: the notebook written and run once, untimed, first."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(source)]
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    path = folder / "floor.ipynb"
    nbformat.write(nb, str(path))
    # one run first, untimed: the floor is measured with the operating system's file cache as warm as
    # the stages it is compared with (a cold first import of statsmodels alone adds 1-2 s)
    execute_notebook(path, folder / "floor-out-warm-up.ipynb", {"x": -1})
    count = iter(range(10**9))

    def once() -> float:
        i = next(count)
        start = time.perf_counter()
        execute_notebook(path, folder / f"floor-out-{i}.ipynb", {"x": i})
        return time.perf_counter() - start
    return once

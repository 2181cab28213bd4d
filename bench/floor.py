"""The papermill floor the benchmarks compare against: a small parameterised notebook, executed."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat

from kpitrack.publish.runs.run import execute_notebook


def floor_seconds(folder: Path, source: str, runs: int) -> list[float]:
    """Wall times of papermill executing a notebook whose only cell after the parameters is ``source``."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(source)]
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    path = folder / "floor.ipynb"
    nbformat.write(nb, str(path))
    times = []
    for i in range(runs):
        start = time.perf_counter()
        execute_notebook(path, folder / f"floor-out-{i}.ipynb", {"x": i})
        times.append(time.perf_counter() - start)
    return times

"""Benchmark: where the mid-term report's time goes, against the papermill floor, in one run.

    .venv/bin/python bench/report.py [--params params/midterm-2018-synthetic.yaml] [--runs 1]

The floor is papermill executing a one-chart notebook that imports pandas, numpy, statsmodels and
plotly. Stages: the evaluation itself in-process (data, statuses, forecasts), executing the report
notebook without and with the static chart images, then HTML and PDF with the fallback renderer and,
when `quarto` is on PATH, with Quarto. Each line prints seconds and the multiple of the floor; the
totals (execute with images + HTML + PDF) are what issue 9 aims to keep at or under 2x the floor.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from floor import floor_seconds

from kpitrack.core import paths
from kpitrack.publish.render import get_renderer
from kpitrack.publish.run import NOTEBOOK, execute_notebook, load_params

FLOOR_SOURCE = """import numpy as np
import pandas as pd
import statsmodels.api as sm
import plotly.graph_objects as go
from IPython.display import display
display(go.Figure(go.Scatter(x=list(range(6)), y=np.arange(6.0))))
"""


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--params", default="params/midterm-2018-synthetic.yaml")
    p.add_argument("--runs", type=int, default=1, help="runs of each stage (the median is printed)")
    a = p.parse_args()
    params = load_params(Path(a.params))
    nb = paths.repo_root() / NOTEBOOK
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="kpitrack-bench-") as tmp_s:
        tmp = Path(tmp_s)
        floor = statistics.median(floor_seconds(tmp, FLOOR_SOURCE, max(a.runs, 3)))

        from kpitrack.publish import report

        rows.append(("evaluation in-process (data, statuses, forecasts)",
                     timed(lambda: report.evaluate(params["as_of"], params["dataset"], params["language"], params["data_as_of"]), a.runs)))
        plain = tmp / "plain" / "report.ipynb"
        rows.append(("execute notebook, no chart images",
                     timed(lambda: execute_notebook(nb, plain, params, static_charts=False), a.runs)))
        executed = tmp / "report.ipynb"
        t_exec = timed(lambda: execute_notebook(nb, executed, params, static_charts=True), a.runs)
        rows.append(("execute notebook with chart images (for PDF)", t_exec))
        renderers = ["fallback"] + (["quarto"] if shutil.which("quarto") else [])
        totals = {}
        for name in renderers:
            r = get_renderer(name)
            if name == "quarto":  # Quarto renders inside its project, as kpitrack run does
                target = paths.repo_root() / "reports" / "bench-report.ipynb"
                shutil.copy(executed, target)
            else:
                target = executed
            out = tmp / f"out-{name}"
            try:
                t_html = timed(lambda: r.render(target, ("html",), out), a.runs)
                t_pdf = timed(lambda: r.render(target, ("pdf",), out), a.runs)
                t_both = timed(lambda: r.render(target, ("html", "pdf"), out), a.runs)
                size = (out / f"{target.stem}.html").stat().st_size / 1e6
            finally:
                if name == "quarto":
                    target.unlink(missing_ok=True)
            rows += [(f"{name}: HTML", t_html), (f"{name}: PDF", t_pdf), (f"{name}: HTML and PDF together", t_both)]
            totals[name] = (t_exec + t_both, size)
    print(f"mid-term report ({a.params}), floor = papermill one-chart notebook (pandas, numpy, statsmodels, plotly)")
    print(f"{'stage':52s} {'seconds':>8s} {'x floor':>8s}")
    print(f"{'papermill floor (median of 3)':52s} {floor:8.2f} {1:8.2f}")
    for name, secs in rows:
        print(f"{name:52s} {secs:8.2f} {secs / floor:8.2f}")
    for name, (total, size) in totals.items():
        print(f"TOTAL {name}: execute + HTML + PDF = {total:.2f} s = {total / floor:.2f}x the floor (goal <= 2x); "
              f"HTML {size:.1f} MB (goal <= 6 MB)")


if __name__ == "__main__":
    main()

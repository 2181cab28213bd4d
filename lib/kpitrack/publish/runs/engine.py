"""The papermill engine kpitrack executes notebooks with (``kpitrack``): papermill's nbclient engine,
whose client hands each chart to the PDF's picture drawing as soon as the kernel shows it.

Drawing a chart's picture when its cell has ended left Chromium idle while the report's cell of 25
charts ran, then gave it all 25 at once: about 0.6 s later than drawing each as it comes. The warm
kernels' engine (:mod:`.warm_kernel`) uses the same client.
"""

from __future__ import annotations

from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger as papermill_logger
from papermill.utils import merge_kwargs, remove_args
from traitlets import Bool

ENGINE = "kpitrack"


class ChartClient(PapermillNotebookClient):
    """papermill's client; with ``draw_charts_ahead``, each chart output starts its PDF picture."""

    draw_charts_ahead = Bool(False, help="start drawing each chart's PDF picture as the kernel shows it").tag(config=True)

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        out = super().process_message(msg, cell, cell_index)
        if self.draw_charts_ahead and out is not None:
            from ..render import chart_images

            chart_images.draw_ahead(chart_images.chart_outputs_of({"outputs": [out]}))
        return out


def client(nb_man, kernel_name: str, *, log_output: bool = False, stdout_file=None, stderr_file=None,
           start_timeout: int = 60, execution_timeout: int | None = None, **kwargs: Any) -> ChartClient:
    """The client papermill's nbclient engine would make, as a :class:`ChartClient`."""
    kwargs = remove_args(["input_path"], **kwargs)
    final = merge_kwargs(remove_args(["timeout", "startup_timeout"], **kwargs),
                         timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                         startup_timeout=start_timeout, kernel_name=kernel_name, log=papermill_logger,
                         log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
    return ChartClient(nb_man, **final)


class KpitrackEngine(NBClientEngine):
    """papermill's nbclient engine with a :class:`ChartClient`."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        return client(nb_man, kernel_name, **kwargs).execute()


papermill_engines.register(ENGINE, KpitrackEngine)

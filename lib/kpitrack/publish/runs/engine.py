"""The papermill engine kpitrack executes notebooks with (``kpitrack``): papermill's nbclient engine,
whose client hands each chart to the PDF's picture drawing as soon as the kernel shows it, or
sooner, when the notebook announces it (:func:`kpitrack.publish.content.display.announce_charts`).

The report's 25 KPI charts come in its annex 分项指标进展, about 3.4 s into a 4.5 s run; Chromium is
ready at about 1.9 s and drawing them took until about 1.3 s after the last cell. Announced once the
evaluation is done, they are drawn while the kernel writes sections 一 to 六 and the first annexes. Kernels started
here (and the warm kernels, :mod:`.warm_kernel`, which use the same client) have
:data:`~kpitrack.publish.content.display.RUNNER_ENV` set: only they announce.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger as papermill_logger
from papermill.utils import merge_kwargs, remove_args
from traitlets import Bool, Dict

from ..content.display import CHARTS_AHEAD_TARGET, RUNNER_ENV

ENGINE = "kpitrack"
log = logging.getLogger(__name__)


class ChartClient(PapermillNotebookClient):
    """papermill's client; with ``draw_charts_ahead``, each chart output starts its PDF picture."""

    draw_charts_ahead = Bool(False, help="start drawing each chart's PDF picture as the kernel shows it").tag(config=True)
    front_matter = Dict(help="fields stamped into the notebook's front matter once its last cell has answered").tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.comm_open_handlers[CHARTS_AHEAD_TARGET] = self._charts_announced  # nbclient's hook for a comm's target
        self.on_notebook_start = _kernel_started  # nbclient's hook: the kernel has answered

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        out = super().process_message(msg, cell, cell_index)
        if self.draw_charts_ahead and out is not None:
            from ..render import chart_images

            chart_images.draw_ahead(chart_images.chart_outputs_of({"outputs": [out]}))
        return out

    def papermill_execute_cells(self) -> None:
        """papermill's, then, the last cell having answered: the front matter stamped and the renderer
        this thread prepared told (:func:`kpitrack.publish.render.base.notebook_executed`), while the
        kernel is still to be stopped and the notebook written."""
        super().papermill_execute_cells()
        _stamped.done = False
        if self.nb.metadata.get("papermill", {}).get("exception") or _has_error(self.nb):
            return  # a cell failed, or the notebook stopped early (sys.exit): left to the caller, as after any run
        from ..render.base import notebook_executed, stamp_notebook

        cells = len(self.nb.cells)
        try:
            stamp_notebook(self.nb, dict(self.front_matter))
        except Exception as exc:  # noqa: BLE001 - a front matter that cannot be read: the caller stamps the
            log.debug("front matter not stamped as the last cell answered: %s", exc)  # written file and says why
            return
        if len(self.nb.cells) > cells:  # a front matter cell put first: marked as papermill marks the cells it ran
            self.nb.cells[0].metadata["papermill"] = {"duration": None, "end_time": None, "exception": False,
                                                      "start_time": None, "status": "completed"}
        _stamped.done = True
        notebook_executed(self.nb)

    def _charts_announced(self, msg: dict[str, Any]) -> None:
        """Charts the notebook shows later (:func:`~kpitrack.publish.content.display.announce_charts`)."""
        figures = msg["content"].get("data", {}).get("figures")
        if self.draw_charts_ahead and isinstance(figures, list):
            from ..render import chart_images

            chart_images.draw_ahead([f for f in figures if isinstance(f, dict)])
        return None  # no comm object: nothing more is said on it


#: whether the notebook last executed in this thread had its front matter stamped as its last cell
#: answered (:meth:`ChartClient.papermill_execute_cells`); else :func:`~.execute.execute_notebook`
#: stamps the written file, as it did before
_stamped = threading.local()


def stamped_here() -> bool:
    """Whether the notebook last executed in this thread was stamped by its client (and forget it)."""
    done = getattr(_stamped, "done", False)
    _stamped.done = False
    return done


def _has_error(nb: Any) -> bool:
    """Whether any cell shows an error (papermill fails the run on one unless it is ``sys.exit(0)``)."""
    return any(out.get("output_type") == "error" for cell in nb.cells for out in cell.get("outputs", []))


def _kernel_started(**_: Any) -> None:
    """The kernel has started: the PDF's Chromium, waiting for it, starts now (:func:`kpitrack.publish.render.chart_images.warm_up`)."""
    from ..render import chart_images

    chart_images.kernel_started()


def kernel_environment() -> dict[str, str]:
    """The environment of a kernel the runner starts: this process's, and :data:`RUNNER_ENV`."""
    return {**os.environ, RUNNER_ENV: "1"}


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
        return client(nb_man, kernel_name, **kwargs).execute(env=kernel_environment())


papermill_engines.register(ENGINE, KpitrackEngine)

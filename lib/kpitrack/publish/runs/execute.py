"""Executing a parameterised notebook with papermill, under a cell timeout, with a message naming
the failing cell; used by the batch runner for every document, and by the tests and benches."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ...core import paths
from ...core.exceptions import NotebookError

log = logging.getLogger(__name__)

KERNEL = "python3"


def execute_notebook(nb: Path, output: Path, params: dict[str, Any], *, warm: bool = False,
                     front_matter: dict[str, Any] | None = None) -> Path:
    """Execute any parameterised notebook with papermill into ``output`` (written even on failure).
    Charts carry their plotly figure; the renderer makes the PDF's pictures from it. ``front_matter``:
    fields stamped into its front matter once the last cell has answered (as
    :func:`~kpitrack.publish.render.stamp_front_matter` would after), before the renderer this thread
    prepared is told (:meth:`~kpitrack.publish.render.Renderer.executed`); a notebook that stopped
    early (``sys.exit(0)``), or whose front matter cannot be read then, is stamped once written (a
    front matter that cannot be read raises there, the notebook written). With ``warm``
    (a batch's documents), in this thread's warm kernel (:mod:`.warm_kernel`), else in a kernel of
    its own, killed once the last cell has answered: a notebook must leave nothing to be done at its
    kernel's exit (``atexit`` handlers, files not closed, processes of a session of their own).

    Raises
    ------
    NotebookError
        Naming the failing cell and the error; the executed notebook shows where.
    """
    import papermill as pm

    from . import engine

    output.parent.mkdir(parents=True, exist_ok=True)
    log.info("executing %s with %s -> %s", nb, params, output)
    timeout = cell_timeout()
    try:
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                engine.stamped_here()
                _execute(pm, nb, output, params, timeout, warm=warm, front_matter=front_matter or {})
                break
            except RuntimeError as exc:  # a kernel that never started: jupyter's port race between parallel kernels
                if attempt == START_ATTEMPTS or not _did_not_start(exc):
                    raise
                log.warning("%s: the notebook's kernel did not start (%s); starting another (attempt %d of %d)",
                            nb.name, exc, attempt + 1, START_ATTEMPTS)
    except pm.PapermillExecutionError as exc:
        raise NotebookError(f"{nb.name} failed in cell {exc.exec_count or exc.cell_index}: {exc.ename}: {exc.evalue} "
                            f"(the executed notebook, with the error marked, is {output})", path=str(output),
                            row=exc.exec_count or exc.cell_index) from None
    except TimeoutError:  # nbclient's CellTimeoutError: a cell ran too long, or the kernel stopped answering
        raise NotebookError(f"{nb.name}: a cell ran longer than {timeout} s (KPITRACK_CELL_TIMEOUT) or the kernel "
                            f"stopped answering; the run was stopped", path=str(output)) from None
    if front_matter and not engine.stamped_here():  # it ended early (sys.exit) or its front matter is odd: as before
        from ..render.base import stamp_front_matter

        stamp_front_matter(output, front_matter)
    return output


#: How often a notebook's kernel is started before a job fails: two kernels started at once may pick
#: the same free port (jupyter_client chooses them before the kernel binds them: "Address already in use",
#: then "Kernel didn't respond"); a second start picks other ports.
START_ATTEMPTS = 3


def _did_not_start(exc: BaseException) -> bool:
    text = str(exc)
    return "didn't respond" in text or "before replying to kernel_info" in text


def cell_timeout() -> int:
    """Seconds a notebook cell may run: ``KPITRACK_CELL_TIMEOUT``, default 600. A scheduled run never
    waits forever on a kernel that hangs."""
    from ...core.settings import seconds_setting

    return seconds_setting("KPITRACK_CELL_TIMEOUT", 600)


#: the kernel's own start-up and shutdown log lines are noise for report readers (errors in the
#: notebook are raised by papermill with the failing cell); no input history is kept
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]


def _execute(pm, nb: Path, output: Path, params: dict[str, Any], timeout: int, *, warm: bool = False,
             front_matter: dict[str, Any]) -> None:
    cwd = str(paths.repo_root())
    options: dict[str, Any] = {
        "parameters": params, "kernel_name": KERNEL, "execution_timeout": timeout, "cwd": cwd, "progress_bar": False,
        "log_output": False,
        # saving after every cell rewrites megabytes of chart output each time; the notebook is
        # written once at the end, and on an error with the error marked
        "request_save_on_cell_execute": False,
        # once the last cell has answered, nothing more is wanted from the kernel: it is killed, not
        # asked to shut down. A polite shutdown waited 0.1-3.5 s for the interpreter to tear down
        # pandas, statsmodels and plotly (a papermill floor of 2.5 s measured 2.6-6.0 s with it)
        "shutdown_kernel": "immediate"}
    from ..render import chart_images

    # a PDF is wanted: each chart's picture is drawn as the kernel shows it (:mod:`.engine`)
    options["draw_charts_ahead"] = chart_images.draw_ahead_wanted()
    options["front_matter"] = front_matter
    from . import engine, warm_kernel

    if not warm:
        pm.execute_notebook(str(nb), str(output), engine_name=engine.ENGINE, extra_arguments=KERNEL_ARGUMENTS, **options)
        return

    try:
        km = warm_kernel.kernel(cwd, KERNEL, KERNEL_ARGUMENTS)
        pm.execute_notebook(str(nb), str(output), engine_name=warm_kernel.ENGINE, km=km, **options)
    except BaseException:  # a failed document's kernel is not used again
        warm_kernel.discard()
        raise
    warm_kernel.release()

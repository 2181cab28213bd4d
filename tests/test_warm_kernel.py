"""A batch's documents run in one warm kernel per thread (publish/runs/warm_kernel.py): each sees a
clean namespace and counts its cells from 1, as in a kernel of its own; a failure, or other settings,
give the next document a fresh kernel."""

from __future__ import annotations

import json

import nbformat
import pytest

from kpitrack.core.exceptions import NotebookError
from kpitrack.publish.runs import warm_kernel
from kpitrack.publish.runs.execute import execute_notebook

from .conftest import parameterised_notebook, process_gone

pytestmark = pytest.mark.slow


def _notebook(tmp_path):
    return parameterised_notebook(tmp_path / "probe.ipynb", "name = 'a'\nfail = False",
                                  "print('left over:', globals().get('secret', 'nothing'))\nsecret = name",
                                  "import os\nif fail:\n    raise ValueError('asked to fail')\nprint(os.environ.get('KPITRACK_PROBE', ''))")


def _outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    return [(c.execution_count, json.dumps(c.outputs, sort_keys=True)) for c in nb.cells if c.cell_type == "code"]


def test_documents_share_a_warm_kernel_and_see_a_clean_namespace(tmp_path, monkeypatch):
    monkeypatch.delenv("KPITRACK_PROBE", raising=False)
    nb = _notebook(tmp_path)
    warm_kernel.discard()
    try:
        execute_notebook(nb, tmp_path / "one.ipynb", {"name": "one"}, warm=True)
        first = warm_kernel.held_pid()
        execute_notebook(nb, tmp_path / "two.ipynb", {"name": "two"}, warm=True)
        assert first is not None and warm_kernel.held_pid() == first  # the same kernel, not started again
        execute_notebook(nb, tmp_path / "alone.ipynb", {"name": "two"})  # a kernel of its own
        assert _outputs(tmp_path / "two.ipynb") == _outputs(tmp_path / "alone.ipynb")
        assert "left over: nothing" in _outputs(tmp_path / "two.ipynb")[2][1]
        assert [n for n, _ in _outputs(tmp_path / "two.ipynb")] == [1, 2, 3, 4]  # counted from 1 again

        with pytest.raises(NotebookError, match="asked to fail"):
            execute_notebook(nb, tmp_path / "bad.ipynb", {"name": "bad", "fail": True}, warm=True)
        assert warm_kernel.held_pid() is None  # a failed document's kernel is ended
        execute_notebook(nb, tmp_path / "three.ipynb", {"name": "three"}, warm=True)
        third = warm_kernel.held_pid()
        assert third not in (None, first)

        monkeypatch.setenv("KPITRACK_PROBE", "changed")  # other settings: another kernel, which sees them
        execute_notebook(nb, tmp_path / "four.ipynb", {"name": "four"}, warm=True)
        assert warm_kernel.held_pid() not in (None, third)
        assert "changed" in _outputs(tmp_path / "four.ipynb")[3][1]
    finally:
        warm_kernel.discard()
    assert warm_kernel.held_pid() is None




def test_each_thread_keeps_a_kernel_of_its_own_and_idle_kernels_end(tmp_path):
    """A Dask worker runs documents in threads side by side: each thread keeps its own warm kernel,
    never shared. The idle watch ends the kernels of threads that have ended and those idle too long;
    the batch runner ends this process's kernels with the batch."""
    import threading
    import time

    from kpitrack.publish.runs.batch import _each
    from kpitrack.publish.runs.executors import LocalExecutor

    nb = _notebook(tmp_path)
    warm_kernel.discard_all()
    errors, pids = [], {}
    together = threading.Barrier(2)

    def in_thread(name):
        try:
            together.wait(60)
            execute_notebook(nb, tmp_path / f"{name}-1.ipynb", {"name": name}, warm=True)
            first = warm_kernel.held_pid()
            execute_notebook(nb, tmp_path / f"{name}-2.ipynb", {"name": name}, warm=True)
            pids[name] = (first, warm_kernel.held_pid())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=in_thread, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors
    (a1, a2), (b1, b2) = pids["a"], pids["b"]
    assert a1 == a2 and b1 == b2 and None not in (a1, b1) and a1 != b1  # warm in its thread, never shared
    assert "left over: nothing" in _outputs(tmp_path / "b-2.ipynb")[2][1]
    assert warm_kernel.held_pid() is None  # the main thread holds none of theirs
    assert set(warm_kernel.held_pids()) <= {a1, b1}  # (the idle watch may have ended them already)
    warm_kernel.end_idle()  # their threads have ended: so have their kernels
    assert warm_kernel.held_pids() == []
    for pid in (a1, b1):  # killed and reaped (by this call, or by the idle watch a moment ago)
        assert process_gone(pid)

    try:
        execute_notebook(nb, tmp_path / "main.ipynb", {"name": "m"}, warm=True)
        assert warm_kernel.held_pid() is not None
        assert warm_kernel.end_idle() == 0  # not idle for long
        assert warm_kernel.end_idle(now=time.monotonic() + warm_kernel.IDLE_SECONDS + 1) == 1
        assert warm_kernel.held_pid() is None
        execute_notebook(nb, tmp_path / "main2.ipynb", {"name": "m"}, warm=True)
        assert warm_kernel.held_pid() is not None
        assert list(_each(LocalExecutor(1), [])) == []
        assert warm_kernel.held_pid() is None
    finally:
        warm_kernel.discard_all()


def test_a_document_s_own_kernel_is_stopped_at_once_after_its_last_cell(tmp_path):
    """Nothing is wanted from a kernel once its last cell has answered: it is killed, not asked to shut
    down (an interpreter's polite tear-down of pandas and statsmodels took up to 3.5 s). Its outputs are
    all there; what it would have run on exit never runs."""
    parameterised_notebook(tmp_path / "atexit.ipynb", "marker = ''",
                           "import atexit, os, pathlib\n"
                           "atexit.register(lambda: pathlib.Path(marker).write_text('exited politely'))\n"
                           "print('pid', os.getpid())")
    marker = tmp_path / "marker.txt"
    execute_notebook(tmp_path / "atexit.ipynb", tmp_path / "out.ipynb", {"marker": str(marker)})
    text = _outputs(tmp_path / "out.ipynb")[2][1]
    pid = int(text.split("pid ")[1].split("\\n")[0])
    import os

    with pytest.raises(ProcessLookupError):  # gone when execute_notebook returns
        os.kill(pid, 0)
    assert not marker.exists()

"""A batch's documents run in one warm kernel per process (publish/runs/warm_kernel.py): each sees a
clean namespace and counts its cells from 1, as in a kernel of its own; a failure, or other settings,
give the next document a fresh kernel."""

from __future__ import annotations

import json

import nbformat
import pytest

from kpitrack.core.exceptions import NotebookError
from kpitrack.publish.runs import warm_kernel
from kpitrack.publish.runs.execute import execute_notebook

pytestmark = pytest.mark.slow


def _notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("name = 'a'\nfail = False")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params,
                nbformat.v4.new_code_cell("print('left over:', globals().get('secret', 'nothing'))\nsecret = name"),
                nbformat.v4.new_code_cell("import os\nif fail:\n    raise ValueError('asked to fail')\nprint(os.environ.get('KPITRACK_PROBE', ''))")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, str(path))
    return path


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


def test_only_the_main_thread_keeps_a_warm_kernel_and_a_batch_ends_it(tmp_path):
    """A Dask worker runs tasks in threads side by side: their documents get kernels of their own. The
    batch runner ends this process's warm kernel with the batch."""
    import threading

    from kpitrack.publish.runs.batch import _each
    from kpitrack.publish.runs.executors import LocalExecutor

    nb = _notebook(tmp_path)
    warm_kernel.discard()
    errors = []

    def in_thread():
        try:
            execute_notebook(nb, tmp_path / "thread.ipynb", {"name": "t"}, warm=True)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    t = threading.Thread(target=in_thread)
    t.start()
    t.join(120)
    assert not errors and (tmp_path / "thread.ipynb").is_file()
    assert warm_kernel.held_pid() is None
    execute_notebook(nb, tmp_path / "main.ipynb", {"name": "m"}, warm=True)
    assert warm_kernel.held_pid() is not None
    assert list(_each(LocalExecutor(1), [])) == []
    assert warm_kernel.held_pid() is None


def test_a_document_s_own_kernel_is_stopped_at_once_after_its_last_cell(tmp_path):
    """Nothing is wanted from a kernel once its last cell has answered: it is killed, not asked to shut
    down (an interpreter's polite tear-down of pandas and statsmodels took up to 3.5 s). Its outputs are
    all there; what it would have run on exit never runs."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("marker = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import atexit, os, pathlib\n"
        "atexit.register(lambda: pathlib.Path(marker).write_text('exited politely'))\n"
        "print('pid', os.getpid())")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(tmp_path / "atexit.ipynb"))
    marker = tmp_path / "marker.txt"
    execute_notebook(tmp_path / "atexit.ipynb", tmp_path / "out.ipynb", {"marker": str(marker)})
    text = _outputs(tmp_path / "out.ipynb")[2][1]
    pid = int(text.split("pid ")[1].split("\\n")[0])
    import os

    with pytest.raises(ProcessLookupError):  # gone when execute_notebook returns
        os.kill(pid, 0)
    assert not marker.exists()

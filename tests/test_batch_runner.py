"""The runner's notebook execution: a kernel that never started (two kernels started at once may
pick the same port) is started again; a failure inside the notebook is not retried."""

from __future__ import annotations

import pytest

from kpitrack.publish.runs import execute


def test_a_kernel_that_did_not_start_is_started_again(tmp_path, monkeypatch):
    calls = []

    def flaky(pm, nb, output, params, timeout, **options):
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        output.write_text("{}", encoding="utf-8")

    monkeypatch.setattr(execute, "_execute", flaky)
    out = execute.execute_notebook(tmp_path / "n.ipynb", tmp_path / "out.ipynb", {})
    assert out.is_file() and len(calls) == 3


def test_other_kernel_errors_and_a_kernel_that_never_starts_fail(tmp_path, monkeypatch):
    calls = []

    def dead(pm, nb, output, params, timeout, **options):
        calls.append(1)
        raise RuntimeError("Kernel died")

    monkeypatch.setattr(execute, "_execute", dead)
    with pytest.raises(RuntimeError, match="Kernel died"):
        execute.execute_notebook(tmp_path / "n.ipynb", tmp_path / "out.ipynb", {})
    assert len(calls) == 1
    calls.clear()

    def never(pm, nb, output, params, timeout, **options):
        calls.append(1)
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    monkeypatch.setattr(execute, "_execute", never)
    with pytest.raises(RuntimeError):
        execute.execute_notebook(tmp_path / "n.ipynb", tmp_path / "out.ipynb", {})
    assert len(calls) == execute.START_ATTEMPTS

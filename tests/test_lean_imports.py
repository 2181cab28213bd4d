"""kpitrack's own processes skip rfc3987_syntax (0.75 s of lark grammars compiled at import, pulled in by
jsonschema under nbformat when JupyterLab is installed): the command and the batch's pool workers
read and validate notebooks without it; the library's import leaves jsonschema as installed."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest



def _installed() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("rfc3987_syntax") is not None
    except ValueError:  # skipped in this process (a pool worker importing this module): installed
        return True


pytestmark = pytest.mark.skipif(not _installed(), reason="only where rfc3987_syntax is installed is there anything to skip")


def _loaded(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_the_command_s_process_reads_notebooks_without_it():
    code = ("import sys\n"
            "from kpitrack.core.lean_imports import skip_slow_optional_imports\n"
            "assert skip_slow_optional_imports() == ['rfc3987_syntax']\n"
            "import nbformat, jsonschema\n"
            "nb = nbformat.v4.new_notebook(); nb.cells = [nbformat.v4.new_markdown_cell('正文')]\n"
            "nbformat.validate(nbformat.reads(nbformat.writes(nb), as_version=4))\n"
            "jsonschema.validate({'a': 1}, {'type': 'object', 'properties': {'a': {'type': 'integer'}}})\n"
            "print(sys.modules.get('rfc3987_syntax') is None)")
    assert _loaded(code) == "True"


def test_the_library_leaves_jsonschema_as_installed():
    code = ("import sys, kpitrack, kpitrack.publish.runs.batch, nbformat\n"
            "print(sys.modules.get('rfc3987_syntax') is not None)")
    assert _loaded(code) == "True"


def test_a_process_that_imported_jsonschema_first_is_left_as_it_is():
    code = ("import sys, jsonschema\n"
            "from kpitrack.core.lean_imports import skip_slow_optional_imports\n"
            "print(skip_slow_optional_imports() == [] and sys.modules.get('rfc3987_syntax') is not None)")
    assert _loaded(code) == "True"


def _probe(_job) -> bool:
    import nbformat  # noqa: F401 - what a worker imports to read its notebook

    return sys.modules.get("rfc3987_syntax") is None


@pytest.mark.slow
def test_the_pool_s_workers_skip_it():
    from kpitrack.publish.runs.executors import LocalExecutor

    jobs = [SimpleNamespace(key=k, label=k) for k in ("a", "b")]  # what the executor names a job by, if it fails
    assert list(LocalExecutor(2).map_unordered(_probe, jobs)) == [True, True]

"""Shared fixtures: the catalogue, the seed text, a scratch copy of the data folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kpitrack.core import paths
from kpitrack.plan.catalogue import load_catalogue

REPO = paths.repo_root()
SEED = REPO / "data" / "plan" / "source" / "plan_seed.txt"

FULLWIDTH = {c: c - 0xFEE0 for c in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B))}
FULLWIDTH.update({0x3000: 0x20, 0xFF0B: ord("+"), 0xFF05: ord("%"), 0xFF0F: ord("/")})


def halfwidth(text: str) -> str:
    return text.translate(FULLWIDTH)


@pytest.fixture(scope="session")
def cat():
    return load_catalogue()


@pytest.fixture(scope="session")
def seed_lines() -> list[str]:
    return [halfwidth(line) for line in SEED.read_text(encoding="utf-8").splitlines()]


@pytest.fixture()
def data_copy(tmp_path, monkeypatch) -> Path:
    """A scratch copy of data/ used through $KPITRACK_DATA, so tests may break it."""
    dst = tmp_path / "data"
    # without what make report generates into data/ (the synthetic notices' register): a clean checkout's data
    shutil.copytree(REPO / "data", dst, ignore=shutil.ignore_patterns("hangzhou_air_daily.csv", "register-synthetic.csv", ".store"))
    monkeypatch.setenv("KPITRACK_DATA", str(dst))
    return dst


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, and for a workspace every record of its store (as the
    CSV tree ``kpitrack store export`` writes): to prove a failed command changed nothing (lock files,
    which hold only the last writer's pid, and the database's own files are not data)."""
    import tempfile

    out = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
           if p.is_file() and not p.name.endswith(".lock") and ".store" not in p.relative_to(root).parts}
    if (root / "workspace.yaml").is_file():
        from kpitrack.data.records import export_records
        from kpitrack.data.store import load_tree, open_store

        store = open_store(root)
        load_tree(store, root)
        with tempfile.TemporaryDirectory() as tmp:
            export_records(Path(tmp), store)
            out |= {f"<store>/{p.relative_to(tmp)}": p.read_bytes() for p in sorted(Path(tmp).rglob("*")) if p.is_file()}
    return out


def stored_text(root: Path, rel: str) -> str:
    """The text of one file of the CSV tree a workspace's store exports (``kpitrack store export``):
    what a register or a manifest holds, whichever store keeps it."""
    import tempfile

    from kpitrack.data.records import export_records
    from kpitrack.data.store import load_tree, open_store

    store = open_store(root)
    load_tree(store, root)
    with tempfile.TemporaryDirectory() as tmp:
        export_records(Path(tmp), store)
        return (Path(tmp) / rel).read_text(encoding="utf-8")


#: notice documents made quickly in tests: HTML only, by the fallback (a scratch folder is not inside
#: the Quarto project)
NOTICE_ARGS = ("--to", "html", "--renderer", "fallback")


@pytest.fixture
def notice_docs(tmp_path, monkeypatch) -> Path:
    """Notice documents go to a scratch folder, never into the repository's reports/."""
    from kpitrack.publish.runs import notices

    out = tmp_path / "notice-docs"
    monkeypatch.setattr(notices, "notice_folder", lambda dataset, reports_dir=None: out / dataset)
    return out


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server (tests/pg.py); on CI one must start, elsewhere the test skips
    with what to install."""
    import os

    from .pg import Server, server_problem

    problem = server_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the PostgreSQL store: {problem}")
        pytest.skip(problem)
    server = Server()
    yield server
    server.stop()


BACKENDS = ("sqlite", "postgresql", "files")


@pytest.fixture(params=BACKENDS)
def store_ws(request, data_copy, monkeypatch) -> Path:
    """A scratch workspace whose records are kept by each store in turn: SQLite (the default), a fresh
    PostgreSQL database, the CSV files themselves. ``KPITRACK_STORE`` names it for child processes."""
    from kpitrack.data.store import close_all

    if request.param == "postgresql":
        url = request.getfixturevalue("pg_server").new_database()
    elif request.param == "files":
        url = "files"
    else:
        url = f"sqlite:///{data_copy / '.store' / 'kpitrack.sqlite'}"
    monkeypatch.setenv("KPITRACK_STORE", url)
    yield data_copy
    close_all()


def parameterised_notebook(path: Path, parameters: str, *cells: str) -> Path:
    """A notebook at ``path`` with a papermill parameters cell and the code ``cells``, on the python3 kernel."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def process_gone(pid: int, within: float = 20.0) -> bool:
    """Whether process ``pid`` has ended (or been reaped) within ``within`` seconds."""
    import os
    import time

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False

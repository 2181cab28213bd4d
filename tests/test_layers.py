"""The package's layers (issue 19): stages import only earlier stages, and inside publish/ the
roles content -> rendering -> runs import only backwards."""

from __future__ import annotations

import re
from pathlib import Path

import kpitrack.publish as publish

LIB = Path(__file__).resolve().parents[1] / "lib" / "kpitrack"
STAGES = ("core", "plan", "data", "analysis", "publish")


def _imports(path: Path) -> list[str]:
    """The sibling modules a module imports (``from .x import``, at the top or inside a function)."""
    return re.findall(r"^\s*from \.([a-z_]+) import", path.read_text(encoding="utf-8"), re.M)


def test_every_publish_module_has_one_role_and_imports_only_backwards():
    role_of = {m: i for i, (_, mods) in enumerate(publish.ROLES.items()) for m in mods}
    modules = {p.stem for p in (LIB / "publish").glob("*.py") if p.stem != "__init__"}
    assert modules == set(role_of), (modules ^ set(role_of))
    upward = [(m, imp) for m in modules for imp in _imports(LIB / "publish" / f"{m}.py")
              if imp in role_of and role_of[imp] > role_of[m]]
    assert upward == []


def test_stages_import_only_earlier_stages():
    upward = []
    for i, stage in enumerate(STAGES):
        for path in (LIB / stage).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            for mo in re.finditer(r"^\s*from \.\.([a-z_]+)", text, re.M):
                target = mo.group(1)
                if target in STAGES and STAGES.index(target) > i:
                    upward.append((f"{stage}/{path.name}", target))
    assert upward == []


def test_every_error_class_lives_in_core_exceptions_and_says_where():
    import importlib
    import pkgutil

    import kpitrack
    from kpitrack.core.exceptions import KpitrackError, Problem, ValidationError

    for info in pkgutil.walk_packages(kpitrack.__path__, "kpitrack."):
        importlib.import_module(info.name)

    def subclasses(cls):
        for c in cls.__subclasses__():
            yield c
            yield from subclasses(c)

    assert {c.__module__ for c in subclasses(KpitrackError)} == {"kpitrack.core.exceptions"}
    err = ValidationError([Problem("台账.csv", 7, "value", "bad"), Problem("台账.csv", 9, "unit", "bad")])
    assert (err.path, err.row, err.field) == ("台账.csv", 7, "value")
    assert (KpitrackError("x", path="a", row=2, field="b").field, KpitrackError("x").path) == ("b", None)


def test_a_busy_lock_names_its_file(tmp_path):
    from kpitrack.core.exceptions import LockBusyError
    from kpitrack.core.fileio import locked

    import pytest

    with locked(tmp_path / ".lock"):
        with pytest.raises(LockBusyError) as err:
            with locked(tmp_path / ".lock", wait=False):
                pass
    assert err.value.path == str(tmp_path / ".lock") and err.value.exit_code == 75

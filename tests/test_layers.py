"""The package's layers (issue 19): stages import only earlier stages, and inside publish/ the
roles content -> rendering -> runs import only backwards."""

from __future__ import annotations

import re
from pathlib import Path

import kpitrack.publish as publish

LIB = Path(__file__).resolve().parents[1] / "lib" / "kpitrack"
STAGES = ("core", "plan", "data", "analysis", "publish")


def _targets(path: Path) -> list[tuple[str, ...]]:
    """The modules a module imports relatively (at the top or inside a function), as paths inside
    the package: ``("publish", "render")`` for ``from ..render import`` in ``publish/runs/x.py``."""
    package = path.relative_to(LIB).parent.parts
    out = []
    for dots, name in re.findall(r"^\s*from (\.+)([a-z_.]*) import", path.read_text(encoding="utf-8"), re.M):
        base = package[:len(package) - (len(dots) - 1)] if len(dots) > 1 else package
        out.append(tuple(base) + tuple(p for p in name.split(".") if p))
    return out


def test_every_publish_module_has_one_role_and_imports_only_backwards():
    roles = publish.ROLES
    loose = [p.name for p in (LIB / "publish").glob("*.py") if p.name != "__init__.py"]
    assert loose == []  # every module lives in its role's folder
    assert {p.name for p in (LIB / "publish").iterdir() if p.is_dir() and not p.name.startswith("__")} == {*roles, "assets"}
    upward = []
    for i, role in enumerate(roles):
        for path in (LIB / "publish" / role).rglob("*.py"):
            for target in _targets(path):
                if target[:1] == ("publish",) and len(target) > 1 and target[1] in roles and roles.index(target[1]) > i:
                    upward.append((str(path.relative_to(LIB)), ".".join(target)))
    assert upward == []


def test_stages_import_only_earlier_stages():
    upward = []
    for i, stage in enumerate(STAGES):
        for path in (LIB / stage).rglob("*.py"):
            for target in _targets(path):
                if target and target[0] in STAGES and STAGES.index(target[0]) > i:
                    upward.append((str(path.relative_to(LIB)), ".".join(target)))
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


def test_only_the_data_layer_knows_where_records_are_kept():
    """Above the data layer nothing joins a path to a record's file (figures' vintages, the ledgers of
    Tables 2, 3 and 5, context, targets, peers, challenge lists, notices registers) nor reaches into a
    dataset's folder: they ask the dataset or data.records."""
    record = re.compile(r"""/ f?["'][^"']*(vintages|special\.csv|standards\.csv|rectification\.csv|context\.csv|targets\.csv|"""
                        r"""peer_cities|ledgers|challenges-|register)""")
    found = []
    for top in ("analysis", "publish", "api", "cli"):
        for path in (LIB / top).rglob("*.py"):
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if record.search(code) or re.search(r"\bds\.folder\b|\.ds\.folder\b", code):
                    found.append(f"{path.relative_to(LIB)}:{i}: {line.strip()}")
    assert found == []

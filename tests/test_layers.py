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

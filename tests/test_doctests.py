"""Every example in the library's docstrings runs and shows what it says (the researcher's API has
its own test in test_api.py)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import kpitrack

SKIP = {"kpitrack.api", "kpitrack.api.meta"}  # test_api.py (api_charts, api_args: here)
MODULES = sorted(m.name for m in pkgutil.walk_packages(kpitrack.__path__, "kpitrack.") if m.name not in SKIP)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{name}: {result}"

"""Slow optional imports a kpitrack process skips.

jsonschema, which nbformat and papermill import to validate notebooks, imports ``rfc3987_syntax``
whenever it is installed (JupyterLab brings it, through jupyter_events' ``jsonschema[format-nongpl]``).
That module compiles 38 lark grammars as it is imported: 0.75 s of every process that reads a notebook,
for the "iri" format checks of JSON schemas, which nothing here makes (nbformat validates notebooks
without format checks). kpitrack's own processes (the ``kpitrack`` command, the batch's forkserver and
its workers) skip it; the library never does this on import, so a researcher's kernel keeps
jsonschema as installed.
"""

from __future__ import annotations

import sys

#: modules whose import costs much and whose features kpitrack's processes never use
SKIPPED = ("rfc3987_syntax",)


def skip_slow_optional_imports() -> list[str]:
    """Make the :data:`SKIPPED` modules unimportable in this process (an ``import`` of one raises
    ImportError, which jsonschema takes as "not installed"), unless jsonschema or the module is loaded
    already; returns the modules skipped."""
    if "jsonschema" in sys.modules:
        return []
    skipped = []
    for name in SKIPPED:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]
            skipped.append(name)
    return skipped

"""The API's reference page (``docs/api.md``), written from the public functions' docstrings, so that
the page and the code never disagree: ``python -m kpitrack.api.reference > docs/api.md`` rebuilds it,
and a test fails when the committed page differs from what the docstrings say."""

from __future__ import annotations

import inspect
import sys


def reference() -> str:
    """The Markdown of ``docs/api.md``: every public function of ``kpitrack`` (``import kpitrack as
    kt``), its signature and its docstring, in the order of ``kt.__all__``."""
    import kpitrack as kt

    from .args import ATTRS

    lines = ["# kpitrack's API (`import kpitrack as kt`)", "",
             "Written from the docstrings by `python -m kpitrack.api.reference > docs/api.md`; do not edit by hand.", "",
             f"Every frame a function returns carries `.attrs` keys {', '.join(f'`{k}`' for k in ATTRS)}.", "",
             *_fenced(inspect.getdoc(sys.modules["kpitrack.api"]) or ""), ""]
    for name in kt.__all__:
        obj = getattr(kt, name)
        if not callable(obj) or inspect.isclass(obj) or name in ("open",):
            continue
        fn = inspect.unwrap(obj)
        doc = inspect.getdoc(fn) or ""
        lines += [f"## `kt.{name}{inspect.signature(fn)}`", "", *_fenced(doc), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _fenced(doc: str) -> list[str]:
    """A docstring's lines with its examples (``>>>`` and their results) in fenced code blocks."""
    out, inside = [], False
    for line in doc.splitlines():
        if line.startswith(">>>") and not inside:
            out.append("```python")
            inside = True
        elif inside and not line.strip():
            out.append("```")
            inside = False
        out.append(line)
    if inside:
        out.append("```")
    return out


if __name__ == "__main__":  # pragma: no cover - the command that writes docs/api.md
    print(reference(), end="")

"""The kinds of document kpitrack makes, in one table: for each, its notebook (whose ``parameters``
cell is the one source of the parameters' defaults), the folder under ``reports/`` its documents go
to, and its name for readers.

Every command that makes documents builds :class:`~kpitrack.publish.batch.Job` s of one of these
kinds and hands them to the batch runner; a new kind of document is a notebook and a row here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..core import paths
from ..core.exceptions import ParameterError


@dataclass(frozen=True)
class DocumentKind:
    name: str
    notebook: str      # relative to the repository
    folder: str        # under reports/
    label_zh: str

    @property
    def path(self):
        return paths.repo_root() / self.notebook

    def defaults(self) -> dict[str, Any]:
        """The parameters and their defaults, as the notebook's ``parameters`` cell writes them."""
        return dict(_defaults(str(self.path), self.path.stat().st_mtime_ns))


KINDS: dict[str, DocumentKind] = {k.name: k for k in (
    DocumentKind("midterm", "notebooks/midterm_evaluation.ipynb", "_output", "中期评估"),
    DocumentKind("final", "notebooks/final_evaluation.ipynb", "_output", "终期评估"),
    DocumentKind("bulletin", "notebooks/monthly_bulletin.ipynb", "bulletins", "月度通报"),
    DocumentKind("card", "notebooks/performance_card.ipynb", "cards", "绩效卡"),
    DocumentKind("notice", "notebooks/improvement_notice.ipynb", "notices", "绩效改进通知单"),
)}


def kind(name: str) -> DocumentKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ParameterError(f"unknown kind of document {name!r}; known: {', '.join(KINDS)}") from None


@lru_cache(maxsize=16)
def _defaults(notebook: str, _mtime: int) -> tuple[tuple[str, Any], ...]:
    import papermill as pm

    out = []
    for name, p in pm.inspect_notebook(notebook).items():
        try:
            out.append((name, ast.literal_eval(p["default"])))
        except (ValueError, SyntaxError):
            raise ParameterError(f"{notebook}: the parameter {name} has no literal default ({p['default']!r})") from None
    return tuple(out)

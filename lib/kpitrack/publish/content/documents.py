"""The kinds of document kpitrack makes, in one table: for each, its notebook (whose ``parameters``
cell is the one source of the parameters' defaults), the folder under ``reports/`` its documents go
to, and its name for readers.

Every command that makes documents builds :class:`~kpitrack.publish.runs.batch.Job` s of one of these
kinds and hands them to the batch runner; a new kind of document is a notebook and a row here.
"""

from __future__ import annotations

import ast
from pathlib import Path
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ...core import paths
from ...core.exceptions import ParameterError


@dataclass(frozen=True)
class DocumentKind:
    name: str
    notebook: str      # relative to the repository
    folder: str        # under reports/
    label_zh: str
    #: the kinds of record besides the KPI figures its pages show (data/ledgers.RECORD_KINDS): what
    #: its up-to-date check covers
    reads: tuple[str, ...] = ()
    #: a document of this kind is a record once made (issued): later runs leave it as it is, whatever
    #: changed since; a new edition is a document of its own (修订版), made on request
    record: bool = False

    @property
    def path(self):
        return paths.repo_root() / self.notebook

    def defaults(self) -> dict[str, Any]:
        """The parameters and their defaults, as the notebook's ``parameters`` cell writes them."""
        return dict(_defaults(str(self.path), self.path.stat().st_mtime_ns))

    def validate(self, given: dict[str, Any]) -> dict[str, Any]:
        """The parameters a document of this kind runs with: the notebook's defaults, then ``given``;
        a name the notebook does not have, or a bad value, is a ParameterError naming it (checked once,
        before any job starts). Values come back in their checked form (a year as an int ...)."""
        known = self.defaults()
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ParameterError(f"unknown parameter(s) {', '.join(unknown)} for a {self.label_zh} ({self.name}); "
                                 f"known: {', '.join(known)}", field=unknown[0])
        merged = {**known, **given}
        return {**merged, **_CHECKS[self.name](merged)}


#: what the evaluations and the cards show besides Table 1: Tables 2, 3 and 5, context figures and peers
_PLAN_WIDE = ("special", "standards", "rectification", "context", "peers", "challenges")

KINDS: dict[str, DocumentKind] = {k.name: k for k in (
    DocumentKind("midterm", "notebooks/midterm_evaluation.ipynb", "_output", "中期评估", _PLAN_WIDE),
    DocumentKind("final", "notebooks/final_evaluation.ipynb", "_output", "终期评估", _PLAN_WIDE, record=True),
    DocumentKind("bulletin", "notebooks/monthly_bulletin.ipynb", "bulletins", "月度通报", record=True),
    DocumentKind("card", "notebooks/performance_card.ipynb", "cards", "绩效卡", _PLAN_WIDE),
    # a notice's events are hashed one notice at a time; an answer or a closing makes a new edition
    DocumentKind("notice", "notebooks/improvement_notice.ipynb", "notices", "绩效改进通知单", record=True),
)}


def check(kind_name: str, **params: Any) -> dict[str, Any]:
    """A notebook's first step: its parameters checked by its kind. A bad one stops the notebook with
    one line (``ParameterError: parameter as_of: ...``), not a traceback, in papermill's output and in
    JupyterLab alike; once the parameters pass, tracebacks are shown in full again."""
    try:
        ip = get_ipython()  # type: ignore[name-defined]  # noqa: F821 - defined inside IPython only
    except NameError:
        ip = None
    if ip is not None:  # as %xmode does, without its printed line (it would show in the document)
        ip.InteractiveTB.set_mode(mode="Minimal")
    checked = kind(kind_name).validate(params)
    if ip is not None:
        ip.InteractiveTB.set_mode(mode="Context")
    return checked


def kind(name: str) -> DocumentKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ParameterError(f"unknown kind of document {name!r}; known: {', '.join(KINDS)}") from None


def _check_report(p: dict[str, Any]) -> dict[str, Any]:
    from .report import check_parameters

    as_of, dataset, language, data_as_of = check_parameters(p["as_of"], p["dataset"], p["language"], p["data_as_of"])
    return {"as_of": as_of, "dataset": dataset, "language": language, "data_as_of": data_as_of}


def _check_final(p: dict[str, Any]) -> dict[str, Any]:
    from .final_report import check_retro

    from ...plan.schema import plan_end_year

    retro_as_of, retro_data_as_of = check_retro(p["retro_as_of"], p["retro_data_as_of"])
    from .masthead import check_edition

    as_of = plan_end_year() if p["as_of"] is None else p["as_of"]  # the final evaluation: the plan's last year
    return {**_check_report({**p, "as_of": as_of}), "retro_as_of": retro_as_of, "retro_data_as_of": retro_data_as_of,
            **({"edition": check_edition(p["edition"])} if "edition" in p else {})}


def _check_bulletin(p: dict[str, Any]) -> dict[str, Any]:
    from .bulletin import check_parameters
    from .masthead import check_edition

    year, mon, reg, dataset, language, data_as_of = check_parameters(p["month"], p["region"], p["dataset"], p["language"],
                                                                     p["data_as_of"])
    return {"month": f"{year}-{mon:02d}", "dataset": dataset, "language": language, "data_as_of": data_as_of,
            "edition": check_edition(p.get("edition", 1))}


def _check_card(p: dict[str, Any]) -> dict[str, Any]:
    from ...plan.catalogue import catalogue
    from .card import check_unit
    from .report import check_parameters

    as_of, dataset, _, data_as_of = check_parameters(p["as_of"], p["dataset"], "zh", p["data_as_of"])
    return {"unit": check_unit(catalogue(), p["unit"]).name, "as_of": as_of, "dataset": dataset, "data_as_of": data_as_of}


def _check_notice(p: dict[str, Any]) -> dict[str, Any]:
    from .params import check_common

    if not isinstance(p["number"], str) or not p["number"].strip():
        raise ParameterError(f"parameter number: expected a notice number such as 绩改〔2018〕1号, got {p['number']!r}",
                             field="number")
    from .masthead import check_edition

    dataset, _, _ = check_common(p["dataset"], "zh", "")
    return {"number": p["number"], "dataset": dataset, "edition": check_edition(p.get("edition", 1))}


_CHECKS = {"midterm": _check_report, "final": _check_final, "bulletin": _check_bulletin, "card": _check_card,
           "notice": _check_notice}


@lru_cache(maxsize=16)
def _defaults(notebook: str, _mtime: int) -> tuple[tuple[str, Any], ...]:
    """The notebook's parameters and their defaults: the assignments of its cell tagged ``parameters``
    (as papermill reads them; read here with json and ast, so that a notebook checking its parameters
    does not import papermill and nbformat, 2 s of every document)."""
    import json

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cell = next((c for c in nb.get("cells", []) if "parameters" in (c.get("metadata", {}).get("tags") or [])), None)
    if cell is None:
        return ()
    source = "".join(cell["source"]) if isinstance(cell.get("source"), list) else str(cell.get("source", ""))
    out = []
    for node in ast.parse(source).body:
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if not isinstance(target, ast.Name) or node.value is None:
                continue
            try:
                out.append((target.id, ast.literal_eval(node.value)))
            except (ValueError, SyntaxError):
                raise ParameterError(f"{notebook}: the parameter {target.id} has no literal default "
                                     f"({ast.get_source_segment(source, node.value)!r})") from None
    return tuple(out)

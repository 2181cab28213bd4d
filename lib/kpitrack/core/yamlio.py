"""Reading YAML with the line number of every mapping, so problems can name their row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .exceptions import Problem, Reason, ValidationError


class LineDict(dict):
    """A dict that remembers the 1-based line where its mapping started in the YAML file."""

    line: int | None = None


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when PyYAML has it: 10x faster
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Load a YAML file; every mapping in the result is a :class:`LineDict`.

    Raises
    ------
    ValidationError
        If the file is missing, not UTF-8 or not valid YAML; the problem names file and line.
    """
    name = display or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError([Problem(name, None, "-", "file not found", Reason.MISSING)]) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [Problem(name, None, "-", f"not UTF-8 text ({exc.reason})", Reason.UNREADABLE)]
        ) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        row = mark.line + 1 if mark is not None else None
        msg = getattr(exc, "problem", None) or str(exc)
        raise ValidationError([Problem(name, row, "-", f"invalid YAML: {msg}", Reason.UNREADABLE)]) from None


def line_of(obj: Any) -> int | None:
    """The line where a mapping loaded by :func:`load_yaml` started, if known."""
    return getattr(obj, "line", None)

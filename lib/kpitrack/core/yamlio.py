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


#: A YAML file kpitrack reads (plan tables, parameters, challenge targets) is small: refuse more.
MAX_YAML_BYTES = 5 * 1024 * 1024


def read_yaml_text(path: Path, name: str) -> str:
    """The text of a YAML file, read only if it is a regular file of at most MAX_YAML_BYTES
    (``/dev/zero`` or a pipe would be read until memory runs out); ValidationError otherwise."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ValidationError([Problem(name, None, "-", "file not found", Reason.MISSING)]) from None
    except OSError as exc:
        raise ValidationError([Problem(name, None, "-", f"cannot read the file ({exc.strerror})", Reason.UNREADABLE)]) from None
    import stat

    if not stat.S_ISREG(st.st_mode):
        raise ValidationError([Problem(name, None, "-", "not a regular file (a directory, pipe or device?)", Reason.UNREADABLE)])
    if st.st_size > MAX_YAML_BYTES:
        raise ValidationError([Problem(name, None, "-", f"the file is {st.st_size:,} bytes; a YAML file here is at most "
                                                        f"{MAX_YAML_BYTES:,}", Reason.OUT_OF_RANGE)])
    with open(p, "rb") as f:
        data = f.read(MAX_YAML_BYTES + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError([Problem(name, None, "-", f"not UTF-8 text ({exc.reason})", Reason.UNREADABLE)]) from None


def refuse_aliases(text: str, name: str) -> None:
    """Refuse YAML anchors and aliases (&a, *a): nothing kpitrack reads needs them, and a few
    hundred bytes of nested aliases expand to gigabytes (the "billion laughs")."""
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise ValidationError([Problem(name, mark.line + 1, "-", "YAML anchors and aliases (&name, *name) are not "
                                                                         "allowed: write each value out", Reason.NOT_ALLOWED)])
    except yaml.YAMLError:
        return  # a syntax error: the loader names it with its line


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Load a YAML file; every mapping in the result is a :class:`LineDict`.

    Raises
    ------
    ValidationError
        If the file is missing, not UTF-8 or not valid YAML; the problem names file and line.
    """
    name = display or str(path)
    text = read_yaml_text(path, name)
    refuse_aliases(text, name)
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

"""The vocabulary of the plan catalogue and a checker that collects every problem at once."""

from __future__ import annotations

from typing import Any

from ..core.exceptions import Problem, Reason, ValidationError
from ..core.workspace import plan_info
from ..core.yamlio import line_of

# The plan's years and units belong to the active workspace's plan (``plan/plan.yaml``), so they are
# read when asked for, never fixed when kpitrack is imported: one process may open several plans.


def plan_start_year() -> int:
    """The plan's first year."""
    return plan_info().start_year


def plan_end_year() -> int:
    """The plan's last year (its end targets' year)."""
    return plan_info().end_year


def plan_base_year() -> int:
    """The year before the plan: its targets grow from this year's figures."""
    return plan_info().base_year


def target_years() -> range:
    """Years a target may name (the plan's years, and milestones after its end)."""
    p = plan_info()
    return range(p.start_year, p.last_target_year + 1)

DIRECTIONS = ("higher", "lower")
VALUE_TYPES = ("level", "rate", "flow")
GROWTH_MODELS = ("compound", "linear")
FREQUENCIES = ("annual", "quarterly", "monthly")
#: How a year-to-date figure accumulates: a running sum, a running mean, or a growth rate so far.
YTD_KINDS = ("sum", "mean", "rate")
QUARTER_MONTHS = (3, 6, 9, 12)
END_KINDS = ("level", "floor", "ceiling", "cumulative", "average", "assigned", "qualitative", "none")
YEARLY_KINDS = (
    "level", "average", "growth", "increment", "annual_increment",
    "floor", "ceiling", "assigned", "qualitative",
)
SUBTARGET_KINDS = ("level", "floor", "ceiling", "average", "ceiling_rank", "milestone", "assigned")
NUMERIC_KINDS = {
    "level", "floor", "ceiling", "cumulative", "average", "growth", "increment",
    "annual_increment", "ceiling_rank",
}
STANDARD_ACTIONS = ("formulate", "revise")
SUBSYSTEMS = ("public_governance", "government_services", "government_self")

#: Units any plan's measures may use; ledgers convert into these.
BASE_UNITS = ("亿元", "亿美元", "元", "%", "‰", "μg/m³", "天", "万人", "人", "万人次", "套", "张/千名老人", "平方米/百人", "小时/周", "个")


def plan_units() -> tuple[str, ...]:
    """The units a measure of the active plan may use: :data:`BASE_UNITS` and those its plan adds
    (``extra_units`` in plan.yaml)."""
    return BASE_UNITS + tuple(u for u in plan_info().extra_units if u not in BASE_UNITS)


class Checker:
    """Collects :class:`Problem` records for one file; :meth:`raise_if_any` raises them all."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, row: int | None, field: str, message: str, reason: Reason = Reason.INCONSISTENT) -> None:
        self.problems.append(Problem(self.file, row, field, message, reason))

    def require(self, obj: Any, key: str, where: str, types: type | tuple[type, ...], *, optional: bool = False) -> Any:
        """Return ``obj[key]`` if present and of the right type; else record a problem, return None."""
        row = line_of(obj)
        field = f"{where}.{key}" if where else key
        if not isinstance(obj, dict):
            self.add(row, where or "-", "expected a mapping", Reason.WRONG_TYPE)
            return None
        if key not in obj or obj[key] is None:
            if not optional:
                self.add(row, field, "required field is missing", Reason.MISSING)
            return None
        value = obj[key]
        if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
            self.add(row, field, f"expected {_names(types)}, got {value!r}", Reason.WRONG_TYPE)
            return None
        if not isinstance(value, types):
            self.add(row, field, f"expected {_names(types)}, got {type(value).__name__} {value!r}", Reason.WRONG_TYPE)
            return None
        if isinstance(value, str) and not value.strip():
            self.add(row, field, "must not be empty", Reason.MISSING)
            return None
        return value

    def choice(self, obj: Any, key: str, where: str, allowed: tuple[str, ...], *, optional: bool = False) -> str | None:
        value = self.require(obj, key, where, str, optional=optional)
        if value is not None and value not in allowed:
            self.add(line_of(obj), f"{where}.{key}", f"{value!r} is not one of {', '.join(allowed)}", Reason.NOT_ALLOWED)
            return None
        return value

    def unknown_fields(self, obj: Any, where: str, allowed: set[str]) -> None:
        if isinstance(obj, dict):
            for key in obj:
                if key not in allowed:
                    self.add(line_of(obj), f"{where}.{key}", f"unknown field (allowed: {', '.join(sorted(allowed))})", Reason.UNKNOWN_FIELD)

    def raise_if_any(self, what: str = "catalogue validation") -> None:
        if self.problems:
            raise ValidationError(self.problems, what)


def _names(types: type | tuple[type, ...]) -> str:
    ts = types if isinstance(types, tuple) else (types,)
    if set(ts) == {int, float}:
        return "a number"
    names = {int: "an integer", float: "a number", str: "text", list: "a list", dict: "a mapping", bool: "true/false"}
    return " or ".join(names.get(t, t.__name__) for t in ts)

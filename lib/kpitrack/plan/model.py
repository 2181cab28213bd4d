"""The plan's pieces as typed records: Table 1's KPIs and measures with their targets, Table 2's
special targets, Table 3's problem areas, Table 5's standards, the scoring rules, and the
:class:`Catalogue` that holds them (loaded and validated by :mod:`kpitrack.plan.catalogue`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..core.exceptions import UnknownNameError
from .schema import QUARTER_MONTHS

@dataclass(frozen=True)
class EndTarget:
    """The end-of-plan target of a measure."""

    year: int
    kind: str
    text_zh: str
    value: float | None = None
    years: tuple[int, ...] = ()
    approx: bool = False
    strict: bool = False


@dataclass(frozen=True)
class YearlyTarget:
    """One yearly target statement of Table 1, covering one or several years."""

    years: tuple[int, ...]
    kind: str
    text_zh: str
    value: float | None = None
    note_zh: str = ""


@dataclass(frozen=True)
class ImpliedBase:
    """A 2015 value the plan implies by its own arithmetic (e.g. 3.5% − 0.5 points = 3.0%)."""

    year: int
    value: float
    text_zh: str


@dataclass(frozen=True)
class Measure:
    """One measured quantity of a KPI (a KPI may have several)."""

    id: str
    kpi_id: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    value_type: str
    growth_model: str
    end_target: EndTarget
    yearly_targets: tuple[YearlyTarget, ...] = ()
    implied_base: ImpliedBase | None = None
    frequency: str = "annual"
    ytd: str | None = None

    @property
    def sub_annual(self) -> bool:
        """Whether year-to-date figures (monthly or quarterly) may be reported."""
        return self.frequency != "annual"

    def allows_month(self, month: int) -> bool:
        if self.frequency == "monthly":
            return 1 <= month <= 12
        if self.frequency == "quarterly":
            return month in QUARTER_MONTHS
        return False

    @property
    def sign(self) -> int:
        """+1 when higher is better, -1 when lower is better."""
        return 1 if self.direction == "higher" else -1

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """The values the measure cannot leave, the one rule every forecast of it uses: a share or
        completion ratio (a level in % or ‰) lies between 0 and 100% (1000‰); a growth rate in %
        not below -100%; any other level or flow (amounts, counts, concentrations) not below 0."""
        if self.value_type == "rate":
            return (-100.0, None) if self.unit == "%" else (None, None)
        if self.unit == "%":
            return (0.0, 100.0)
        if self.unit == "‰":
            return (0.0, 1000.0)
        return (0.0, None)

    def yearly_target_for(self, year: int) -> YearlyTarget | None:
        for target in self.yearly_targets:
            if year in target.years:
                return target
        return None


@dataclass(frozen=True)
class KPI:
    """A key performance indicator of Table 1."""

    id: str
    domain: str
    name_zh: str
    name_en: str
    target_text_zh: str
    yearly_text_zh: str
    responsible: tuple[str, ...]
    seed_line: int | None
    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class Domain:
    id: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Subtarget:
    """A numeric or dated sub-target of a Table 2 special target."""

    id: str
    name_zh: str
    year: int
    kind: str
    text_zh: str
    value: float | None = None
    unit: str = ""
    approx: bool = False
    note_zh: str = ""
    #: A Table 1 measure that measures the same thing in the same unit (``K24.inbound_tourists``):
    #: the sub-target's figures are that measure's, so one figure is never kept twice.
    measure: str = ""
    name_en: str = ""  # optional: the English of name_zh


@dataclass(frozen=True)
class SpecialTarget:
    """One of the 12 key special assessment targets of Table 2."""

    id: str
    name_zh: str
    name_en: str
    seed_line: int
    lead_units: tuple[str, ...]
    assessment_methods: tuple[str, ...]
    subtargets: tuple[Subtarget, ...]
    note_zh: str = ""


@dataclass(frozen=True)
class Problem3:
    """A concrete problem of Table 3 and its lead units."""

    id: str
    text_zh: str
    lead_units: tuple[str, ...]


@dataclass(frozen=True)
class ProblemArea:
    """A problem area of Table 3."""

    id: str
    name_zh: str
    name_en: str
    seed_line: int
    issues_zh: tuple[str, ...]
    problems: tuple[Problem3, ...]
    directions_zh: tuple[str, ...]


@dataclass(frozen=True)
class Standard:
    """One of the 100 standards of Table 5."""

    no: int
    subsystem: str
    name_zh: str
    action: str
    year: int
    responsible_unit: str
    seed_line: int
    note_zh: str = ""


@dataclass(frozen=True)
class ScoringRules:
    """Section 三.(一).3.(2): 95% base score, 5% bonus, challenge targets all-or-nothing."""

    base_share: float
    bonus_share: float
    challenge_all_or_nothing: bool
    bonus_rule: str
    seed_line: int
    challenge_criteria_zh: tuple[str, ...] = ()
    challenge_min_rank: int = 3
    challenge_min_rank_gain: int = 3
    challenge_min_improvement: float = 0.10


@dataclass(frozen=True)
class Catalogue:
    """The whole plan as data."""

    domains: tuple[Domain, ...]
    kpis: tuple[KPI, ...]
    special_targets: tuple[SpecialTarget, ...]
    problem_areas: tuple[ProblemArea, ...]
    standards: tuple[Standard, ...]
    scoring: ScoringRules
    _measures: dict[str, Measure] = field(default_factory=dict, repr=False, compare=False)
    #: the responsible units' names in English (``agencies.yaml``, optional): Chinese name -> English
    agency_names_en: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    #: the plan's files as they were when loaded (names, sizes, times): a writer that holds the plan
    #: lock sees whether the plan changed under it since (empty: a catalogue made in code)
    source: tuple = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        self._measures.update({m.id: m for k in self.kpis for m in k.measures})

    @property
    def measures(self) -> list[Measure]:
        return [m for k in self.kpis for m in k.measures]

    def kpi(self, kpi_id: str) -> KPI:
        for k in self.kpis:
            if k.id == kpi_id:
                return k
        raise UnknownNameError("KPI", kpi_id, [k.id for k in self.kpis])

    def measure(self, measure_id: str) -> Measure:
        try:
            return self._measures[measure_id]
        except KeyError:
            raise UnknownNameError("KPI measure", measure_id, list(self._measures)) from None

    def domain(self, domain_id: str) -> Domain:
        for d in self.domains:
            if d.id == domain_id:
                return d
        raise UnknownNameError("domain", domain_id, [d.id for d in self.domains])

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain JSON-ready data."""
        return {
            "domains": [asdict(d) for d in self.domains],
            "kpis": [asdict(k) for k in self.kpis],
            "special_targets": [asdict(s) for s in self.special_targets],
            "problem_areas": [asdict(p) for p in self.problem_areas],
            "standards": [asdict(s) for s in self.standards],
            "scoring": asdict(self.scoring),
        }

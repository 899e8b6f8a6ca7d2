"""What a weighting scheme is, as data.

A scheme is a YAML file a local authority can copy and edit. It names its unit,
its columns, a handful of rule kinds that the data parameterises, benchmarks by
experience band, duties, RAG bands and protections. No authority gets a Python
class of its own: Tower Hamlets, Swindon, BANES and the rest are all instances.

Rule kinds
----------
- ``per_child``: fixed points for each held child that matches ``when``.
- ``per_household``: fixed points once per case (household) that matches ``when``.
- ``lookup``: points read from a table keyed by an attribute (travel band, court
  stage, intervention level).
- ``rating``: points agreed in supervision within a range (intervention level,
  risk, additional factors), with a default when none is recorded.
- ``work_items``: points (or hours) for itemised or time-limited pieces of work
  active at the date (life story work, a court report, a month's casework hours).
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from allocopt.domain import (
    MAX_AMOUNT,
    AssessmentKind,
    CourtStage,
    HouseholdKind,
    InterventionLevel,
    Role,
    Status,
    TeamType,
    TravelBand,
)


class SchemeModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


Points = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
"""Points or hours a scheme gives: 0 to MAX_AMOUNT."""
Signed = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
"""Points that may take away (a rating's range): within MAX_AMOUNT either way."""
Percent = Annotated[float, Field(ge=0, le=1000)]
"""A load % bound: 0 to 1000 %."""


class Unit(StrEnum):
    POINTS = "points"
    HOURS = "hours"
    CASES = "cases"


ChildFlag = Literal["high_input", "complex", "disabled"]
HouseholdFlag = Literal["multi_agency", "care_managed", "co_working"]


class When(SchemeModel):
    """Conditions under which a rule applies; every condition given must hold.

    Child conditions (status, child_flags, ages) select the held children a rule
    counts. A household rule fires when at least ``min_children`` of them match
    (default 1 if any child condition is given, else 0).
    """

    status: tuple[Status, ...] | None = Field(default=None, description="Child status in this set.")
    child_flags: tuple[ChildFlag, ...] = ()
    age_from: int | None = Field(default=None, ge=0, le=30,
                                 description="Child aged at least this.")
    age_to: int | None = Field(default=None, ge=0, le=30, description="Child aged at most this.")
    household_kind: tuple[HouseholdKind, ...] | None = None
    household_flags: tuple[HouseholdFlag, ...] = ()
    not_household_flags: tuple[HouseholdFlag, ...] = ()
    court: tuple[CourtStage, ...] | None = Field(
        default=None, description="Household in one of these court stages."
    )
    assessment_open: bool | None = Field(
        default=None, description="An S47 or single assessment open within the window."
    )
    assessment_kind: tuple[AssessmentKind, ...] | None = None
    min_children: int | None = Field(default=None, ge=0, le=100)
    max_children: int | None = Field(default=None, ge=0, le=100)

    # Worked out once per rule (the fields are frozen): scoring a board asks each of them
    # for every case.
    @cached_property
    def has_child_conditions(self) -> bool:
        """A condition on the children (status, flags, ages) is given."""
        return bool(
            self.status is not None
            or self.child_flags
            or self.age_from is not None
            or self.age_to is not None
        )

    @cached_property
    def has_household_conditions(self) -> bool:
        """A condition on the household (kind, flags, court, assessment) is given."""
        return bool(
            self.household_kind is not None
            or self.household_flags
            or self.not_household_flags
            or self.court is not None
            or self.assessment_open is not None
            or self.assessment_kind is not None
        )

    @cached_property
    def least_children(self) -> int:
        """The fewest matching children for the rule to fire: min_children if given, else 1
        with a child condition (some child must match it) and 0 without."""
        if self.min_children is not None:
            return self.min_children
        return 1 if self.has_child_conditions else 0


class RuleBase(SchemeModel):
    column: str = Field(description="Breakdown column the points go to.")
    label: str = Field(description="Plain-English name of the rule, shown in breakdowns.")
    when: When = Field(default_factory=When)
    exclusive: bool = Field(
        default=False,
        description="When this rule fires, the case scores this rule alone (care-managed cases).",
    )


class PerChildRule(RuleBase):
    kind: Literal["per_child"]
    points: float = Field(ge=0, le=MAX_AMOUNT)


class PerHouseholdRule(RuleBase):
    kind: Literal["per_household"]
    points: float = Field(ge=0, le=MAX_AMOUNT)


ChildAttribute = Literal["placement_travel", "travel"]
HouseholdAttribute = Literal["travel", "court", "intervention_level", "assessment_kind", "kind"]


class LookupRule(RuleBase):
    kind: Literal["lookup"]
    per: Literal["child", "household"]
    attribute: ChildAttribute | HouseholdAttribute = Field(
        description="child: placement_travel or travel (the household's); "
        "household: travel, court, intervention_level, assessment_kind, kind."
    )
    values: dict[str, Signed] = Field(description="Points by attribute value; others score 0.")

    @model_validator(mode="after")
    def _known_values(self) -> LookupRule:
        allowed = _ATTRIBUTE_VALUES[self.attribute]
        unknown = sorted(set(self.values) - allowed)
        if unknown:
            raise ValueError(
                f"lookup on {self.attribute}: unknown value {unknown[0]!r}; "
                f"expected one of {', '.join(sorted(allowed))}"
            )
        if self.per == "child" and self.attribute not in ("placement_travel", "travel"):
            raise ValueError(f"a per-child lookup cannot read {self.attribute}")
        return self


_ATTRIBUTE_VALUES: dict[str, set[str]] = {
    "placement_travel": {t.value for t in TravelBand},
    "travel": {t.value for t in TravelBand},
    "court": {c.value for c in CourtStage},
    "intervention_level": {i.value for i in InterventionLevel},
    "assessment_kind": {a.value for a in AssessmentKind},
    "kind": {k.value for k in HouseholdKind},
}


class RatingRange(SchemeModel):
    min: Signed = 0
    max: Signed
    default: Signed | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RatingRange:
        if self.max < self.min:
            raise ValueError(f"rating range max {self.max} is below min {self.min}")
        if self.default is not None and not self.min <= self.default <= self.max:
            raise ValueError(f"default {self.default} is outside {self.min}-{self.max}")
        return self


class RatingRule(RuleBase):
    """Points agreed in supervision, read from the household's ``ratings[name]``.

    With ``levels``, the household's intervention level narrows the range and sets
    the default (Tower Hamlets: low 0-1, medium 2-3, high 4-5).
    """

    kind: Literal["rating"]
    name: str = Field(description="Key in the household's ratings (CSV column rating_<name>).")
    range: RatingRange
    levels: dict[InterventionLevel, RatingRange] | None = None


class WorkItemsRule(RuleBase):
    """Itemised work active at the date: points per item kind, times its count."""

    kind: Literal["work_items"]
    per: Literal["child", "household"] = "household"
    points: dict[str, Points] = Field(description="Points per item, by item kind.")
    amount_overrides: bool = Field(
        default=False, description="An item's own amount (hours, agreed points) replaces these."
    )
    max_months: dict[str, Annotated[int, Field(ge=0, le=240)]] = Field(
        default_factory=dict, description="Longest an item should run, by kind (noted if over)."
    )


Rule = Annotated[
    PerChildRule | PerHouseholdRule | LookupRule | RatingRule | WorkItemsRule,
    Field(discriminator="kind"),
]


class Column(SchemeModel):
    name: str
    label: str
    max: float | None = Field(default=None, ge=0, le=MAX_AMOUNT,
                              description="Most a case scores in the column.")


class ExperienceBand(SchemeModel):
    """A band of practice experience, from a number of completed months."""

    name: str
    label: str
    from_months: int = Field(ge=0, le=600)
    nqsw: bool = Field(default=False, description="Worker is newly qualified (ASYE) in this band.")


class Benchmark(SchemeModel):
    """A full-time benchmark; the first entry matching a worker applies."""

    benchmark: float = Field(gt=0, le=MAX_AMOUNT)
    role: tuple[Role, ...] | None = None
    team_type: tuple[TeamType, ...] | None = None
    band: tuple[str, ...] | None = None
    optimum: tuple[Points, Points] | None = Field(
        default=None, description="Optimum range at full time (count schemes), for the team view."
    )

    def matches(self, role: Role, team_type: TeamType, band: str) -> bool:
        return (
            (self.role is None or role in self.role)
            and (self.team_type is None or team_type in self.team_type)
            and (self.band is None or band in self.band)
        )


class DutyRule(SchemeModel):
    """A kind of non-case duty and what it costs, in the scheme's unit."""

    label: str
    amount: float | None = Field(default=None, ge=0, le=MAX_AMOUNT,
                                 description="Per unit of count.")
    percent: float | None = Field(
        default=None, ge=0, le=100, description="Percent of the full-time band benchmark x FTE."
    )
    band_amounts: dict[str, Points] = Field(default_factory=dict)
    band_percents: dict[str, Annotated[float, Field(ge=0, le=100)]] = Field(default_factory=dict)
    pro_rata: bool = Field(default=False, description="Scale a fixed amount by FTE.")


class RagBand(SchemeModel):
    """A traffic-light band on load %. Bounds are checked in order, first fit wins."""

    name: str
    below: Percent | None = Field(default=None, description="Load % strictly below this.")
    up_to: Percent | None = Field(default=None, description="Load % at or below this.")
    colour: str
    action: str

    def contains(self, pct: float) -> bool:
        if self.below is not None:
            return pct < self.below
        if self.up_to is not None:
            return pct <= self.up_to
        return True

    @property
    def bound(self) -> float | None:
        return self.below if self.below is not None else self.up_to


class CountCap(SchemeModel):
    """A cap on numbers of children by status: sum(held_s / limit_s) <= 1.

    One status gives a plain cap; several give a mix ("15 CIN or 12 CLA" [004]).
    """

    name: str
    applies_to: Literal["nqsw", "all"] | tuple[Role, ...] = "nqsw"
    limits: dict[Status, Annotated[float, Field(gt=0, le=1000)]]

    def load_fraction(self, counts: dict[Status, int]) -> float:
        return sum(counts.get(s, 0) / lim for s, lim in self.limits.items())


class Protections(SchemeModel):
    nqsw_no_cp_months: int = Field(
        default=12, ge=0, le=36, description="No CP case before this many months of practice."
    )
    nqsw_benchmark_percent: float | None = Field(
        default=None, gt=0, le=100,
        description="NQSW benchmark as a percent of the matching experienced one (crude-count).",
    )
    count_caps: tuple[CountCap, ...] = ()


class ActionDue(SchemeModel):
    """An action the bands require once a worker has stayed high for some weeks.

    A worker counts while their load % is in `band` or a higher band at each
    weekly meeting in a row; the action is due once that run reaches `weeks`.
    """

    band: str = Field(description="RAG band name; a worker in this band or a higher one counts.")
    weeks: int = Field(ge=1, le=104, description="Weeks in a row before the action is due.")
    action: str = Field(min_length=1, max_length=300, description="What is due, in words.")


DEFAULT_ACTIONS_DUE = (
    (1, 4, "Review the caseload in supervision and record what was agreed "
           "(over the acceptable band for 4 weeks or more)"),
    (-1, 1, "Agree a written plan to bring the load down: cases or tasks to remove, move "
            "or de-prioritise"),
    (-1, 4, "Escalate to the service manager: in the top band for 4 weeks or more"),
)
"""Default actions due, as (band position, weeks, action): position 1 is the first band
above the acceptable one (amber), -1 the top band (red) [000 principles 7, 11, 14]."""


class TeamView(SchemeModel):
    reference_band: str = Field(description="Band of an experienced full-time worker (for FTE).")
    concentration_factor: float = Field(
        default=1.5, gt=1, le=100,
        description="A worker holds a concentration above this x fair share.",
    )
    concentration_min: int = Field(default=3, ge=1, le=1000)


def _check_rag(bands: tuple[RagBand, ...]) -> None:
    """Bands named once each, rising, the last open-ended (errors name the band's field)."""
    if not bands:
        raise ValueError("@rag: a scheme needs RAG bands; expected bands from lowest load to "
                         "highest, the last open-ended")
    seen: dict[str, int] = {}
    last: tuple[int, float] | None = None
    for i, rag in enumerate(bands):
        if rag.name in seen:
            raise ValueError(f"@rag.{i}.name: RAG band name {rag.name!r} is used twice (also "
                             f"rag.{seen[rag.name]}); expected a different name for each band")
        seen[rag.name] = i
        bound = rag.bound
        key = "below" if rag.below is not None else "up_to"
        if bound is None and i != len(bands) - 1:
            raise ValueError(f"@rag.{i}: RAG band {rag.name!r} has no bound but is not the "
                             "last; expected 'below' or 'up_to' on every band but the last")
        if bound is not None and last is not None and bound < last[1]:
            raise ValueError(f"@rag.{i}.{key}: RAG band {rag.name!r} ends below the band "
                             f"before it ({bands[last[0]].name!r}, {last[1]:g} %): bands must "
                             f"rise; found {bound:g}; expected {last[1]:g} or more")
        if bound is not None:
            last = (i, bound)
    if bands[-1].bound is not None:
        key = "below" if bands[-1].below is not None else "up_to"
        raise ValueError(f"@rag.{len(bands) - 1}.{key}: the last RAG band must be open-ended; "
                         f"found {bands[-1].bound:g}; expected no bound on the last band")


class Scheme(SchemeModel):
    """A caseload weighting scheme."""

    id: str
    name: str
    unit: Unit
    source: str = Field(description="Where the scheme comes from (document and section).")
    description: str = ""
    decimals: int = Field(default=1, ge=0, le=3)
    columns: tuple[Column, ...]
    rules: dict[str, Rule]
    co_working_share: float = Field(default=0.5, ge=0, le=1)
    assessment_window_days: int = Field(default=40, ge=1, le=366)
    assessment_working_days: bool = True
    closure_keeps_month: bool = True
    experience_bands: tuple[ExperienceBand, ...]
    benchmarks: tuple[Benchmark, ...]
    duties: dict[str, DutyRule] = Field(default_factory=dict)
    standing_duties: tuple[str, ...] = ()
    duties_count_as: Literal["load", "benchmark"] = "benchmark"
    rag: tuple[RagBand, ...]
    protections: Protections = Field(default_factory=Protections)
    team_view: TeamView
    actions_due: tuple[ActionDue, ...] | None = Field(
        default=None,
        description="Actions due after weeks in a band (history); None: the defaults, "
        "4 weeks above the acceptable band (review), 1 and 4 weeks in the top band "
        "(written plan, escalation).",
    )

    @model_validator(mode="after")
    def _coherent(self) -> Scheme:
        columns = {c.name for c in self.columns}
        for rule_id, rule in self.rules.items():
            if rule.column not in columns:
                raise ValueError(f"rule {rule_id}: column {rule.column!r} is not declared "
                                 f"in columns ({', '.join(sorted(columns))})")
        bands = [b.name for b in self.experience_bands]
        if not bands or self.experience_bands[0].from_months != 0:
            raise ValueError("experience_bands must start at from_months 0")
        if [b.from_months for b in self.experience_bands] != sorted(
            {b.from_months for b in self.experience_bands}
        ):
            raise ValueError("experience_bands must rise strictly in from_months")
        for bm in self.benchmarks:
            for name in bm.band or ():
                if name not in bands:
                    raise ValueError(f"benchmark names unknown band {name!r}")
        for role in Role:
            for team_type in TeamType:
                for band in bands:
                    if not any(bm.matches(role, team_type, band) for bm in self.benchmarks):
                        raise ValueError(
                            f"no benchmark covers a {role.value} in band {band} "
                            f"in a {team_type.value} team"
                        )
        for name in self.standing_duties:
            if name not in self.duties:
                raise ValueError(f"standing duty {name!r} is not in duties")
        if self.team_view.reference_band not in bands:
            raise ValueError(f"team_view.reference_band {self.team_view.reference_band!r} unknown")
        _check_rag(self.rag)
        names = {b.name for b in self.rag}
        for due in self.actions_due or ():
            if due.band not in names:
                raise ValueError(f"actions_due names unknown band {due.band!r}; expected one "
                                 f"of {', '.join(b.name for b in self.rag)}")
        return self

    def due_rules(self) -> tuple[ActionDue, ...]:
        """The scheme's actions due, or the defaults placed on its own bands."""
        if self.actions_due is not None:
            return self.actions_due
        acceptable = next((i for i, b in enumerate(self.rag) if b.contains(100.0)),
                          len(self.rag) - 1)
        out = []
        for position, weeks, action in DEFAULT_ACTIONS_DUE:
            i = len(self.rag) - 1 if position < 0 else min(acceptable + position, len(self.rag) - 1)
            out.append(ActionDue(band=self.rag[i].name, weeks=weeks, action=action))
        return tuple(out)

    def band_index(self, name: str) -> int:
        """Position of a RAG band by name (0 = lowest load)."""
        for i, band in enumerate(self.rag):
            if band.name == name:
                return i
        raise KeyError(name)

    def column_labels(self) -> dict[str, str]:
        return {c.name: c.label for c in self.columns}

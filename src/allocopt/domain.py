"""The people and the work: workers, households, children, teams and caseloads.

Pure data (pydantic v2, frozen) with no I/O and no solver. Experience is never a
stored label: it is computed from the qualification (or start) date at the date
of assessment, as DOMAIN.md asks ([000] benchmarks by years of practice).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

FULL_TIME_HOURS = 37.0
"""Hours of a full-time contract in English local government; FTE = hours / 37."""

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                      pattern=r"^[^\x00-\x1f\x7f]+$")]
"""An id: 1 to 64 characters, no control characters (a NUL or an escape is never an id)."""

MAX_AMOUNT = 10_000.0
"""The largest amount of points or hours any one number may hold: far above a real
caseload, low enough that sums stay exact and nothing runs away."""
Amount = Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
"""Points or hours: finite, 0 to :data:`MAX_AMOUNT`."""

SOURCES_HELP = (
    "Where each value came from, by field name: 'roster row 4', 'Annex A List 7 row 12', "
    "'override sheet row 3', 'scheme default'. Filled by imports; shown by explain."
)


class Frozen(BaseModel):
    """Base for domain records: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Status(StrEnum):
    """A child's legal status (DOMAIN.md, Words)."""

    CIN = "CIN"
    CP = "CP"
    CLA = "CLA"
    CARE_LEAVER = "care_leaver"
    SUPERVISION_ORDER = "supervision_order"


class Role(StrEnum):
    """What a case-holding worker is employed as."""

    SOCIAL_WORKER = "social_worker"
    SENIOR = "senior"
    CONSULTANT = "consultant"
    FAMILY_SUPPORT_PRACTITIONER = "family_support_practitioner"
    LEAVING_CARE_ADVISER = "leaving_care_adviser"
    STUDENT = "student"


QUALIFIED_ROLES = frozenset({Role.SOCIAL_WORKER, Role.SENIOR, Role.CONSULTANT})
"""Roles that hold a social work qualification and so pass through the NQSW year."""


class TeamType(StrEnum):
    """Kinds of team; count schemes set different optimum ranges per kind [004]."""

    DUTY_ASSESSMENT = "duty_assessment"
    COURT_CP = "court_cp"
    DISABLED_CHILDREN = "disabled_children"
    CHILDREN_IN_CARE = "children_in_care"
    CHILD_IN_NEED = "child_in_need"
    LEAVING_CARE = "leaving_care"
    FOSTERING_ADOPTION = "fostering_adoption"
    LONG_TERM = "long_term"


class TravelBand(StrEnum):
    """Travel from the office to the child or family, one way [003 column H]."""

    IN_AREA = "in_area"
    NEIGHBOURING = "neighbouring"
    ONE_TO_TWO_HOURS = "one_to_two_hours"
    OVER_TWO_HOURS = "over_two_hours"


LONG_TRAVEL = frozenset({TravelBand.ONE_TO_TWO_HOURS, TravelBand.OVER_TWO_HOURS})


class CourtStage(StrEnum):
    """Proceedings open on a household."""

    PLO = "plo"  # pre-proceedings under the Public Law Outline
    CARE_PROCEEDINGS = "care_proceedings"
    PRIVATE_PROCEEDINGS = "private_proceedings"  # s7 / s37 reports
    SGO = "sgo"  # special guardianship


class InterventionLevel(StrEnum):
    """Intervention level agreed in supervision [000 section 2A]."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class HouseholdKind(StrEnum):
    """A birth family, or a foster family supervised by a fostering social worker."""

    FAMILY = "family"
    FOSTER_FAMILY = "foster_family"


class AssessmentKind(StrEnum):
    S47 = "s47"
    SINGLE = "single"


class Period(Frozen):
    """A closed range of dates, such as a spell of leave."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")
        return self

    def overlaps(self, start: date, end: date) -> bool:
        """True when this period shares at least one day with [start, end]."""
        return self.start <= end and start <= self.end


class WorkItem(Frozen):
    """A piece of time-limited or itemised work on a child or household.

    `kind` is looked up in the scheme (life story work, a parenting assessment, a
    court report, a month's casework hours, ...). `amount` overrides the scheme's
    points for this item where the scheme allows it (hours in a time-based scheme).
    """

    kind: Id
    start: date | None = None
    end: date | None = None
    count: int = Field(default=1, ge=1, le=1000,
                       description="How many of this item (tasks schemes).")
    amount: float | None = Field(default=None, ge=0, le=MAX_AMOUNT,
                                 description="Points or hours, if set.")

    @model_validator(mode="after")
    def _ordered(self) -> WorkItem:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"work item '{self.kind}' ends before it starts")
        return self

    def active_on(self, on: date) -> bool:
        """An item counts from its start to its end inclusive; open ends are unbounded."""
        return (self.start is None or self.start <= on) and (self.end is None or on <= self.end)


class Assessment(Frozen):
    """An S47 enquiry or single assessment open on a household."""

    kind: AssessmentKind = AssessmentKind.SINGLE
    start: date
    completed: date | None = None


class Child(Frozen):
    """A child or young person. Names are optional and never shown in output."""

    id: Id
    status: Status
    name: str | None = Field(default=None, repr=False, exclude=True)
    age: int | None = Field(default=None, ge=0, le=25)
    placement_travel: TravelBand = TravelBand.IN_AREA
    high_input: bool = Field(default=False, description="Placement needs unusually high input.")
    complex: bool = Field(default=False, description="CP plan of above-average complexity.")
    disabled: bool = False
    work_items: tuple[WorkItem, ...] = ()
    sources: dict[str, str] = Field(default_factory=dict, description=SOURCES_HELP)


class Household(Frozen):
    """A family (sibling group) allocated together, with its children."""

    id: Id
    kind: HouseholdKind = HouseholdKind.FAMILY
    children: tuple[Child, ...] = ()
    locality: str | None = None
    travel: TravelBand = TravelBand.IN_AREA
    multi_agency: bool = False
    court: CourtStage | None = None
    assessment: Assessment | None = None
    intervention_level: InterventionLevel | None = None
    ratings: dict[str, Amount] = Field(
        default_factory=dict,
        description="Points agreed in supervision for a scheme's rating rules, by rule name.",
    )
    care_managed: bool = Field(default=False, description="Non-active, care-managed case.")
    co_working: bool = Field(default=False, description="Marked for a lead and a secondary.")
    closes_on: date | None = None
    referred_on: date | None = None
    skills_needed: tuple[str, ...] = ()
    previous_workers: tuple[str, ...] = ()
    work_items: tuple[WorkItem, ...] = ()
    sources: dict[str, str] = Field(default_factory=dict, description=SOURCES_HELP)

    @model_validator(mode="after")
    def _unique_children(self) -> Household:
        if len(self.children) > 1:  # most households have one child: nothing to compare
            seen: set[str] = set()
            for child in self.children:
                if child.id in seen:
                    raise ValueError(f"child {child.id} appears twice in household {self.id}")
                seen.add(child.id)
        if self.kind is HouseholdKind.FAMILY and not self.children:
            raise ValueError(f"household {self.id} has no children")
        return self

    def child(self, child_id: str) -> Child:
        for child in self.children:
            if child.id == child_id:
                return child
        raise KeyError(child_id)


class Duty(Frozen):
    """A standing responsibility other than casework (practice teaching, panel, union)."""

    kind: Id
    amount: float | None = Field(
        default=None, ge=0, le=MAX_AMOUNT,
        description="Total points or hours; the scheme's default if empty.",
    )
    count: float = Field(default=1, gt=0, le=1000,
                         description="Days or sessions, times the default.")


class Worker(Frozen):
    """A case-holding practitioner. The display name is optional."""

    id: Id
    name: str | None = None
    role: Role = Role.SOCIAL_WORKER
    team: str | None = None
    qualified_on: date | None = Field(
        default=None, description="Date of social work qualification (starts the NQSW year)."
    )
    started_on: date | None = Field(
        default=None, description="Start in post; experience counts from here if unqualified."
    )
    contracted_hours: float = Field(default=FULL_TIME_HOURS, gt=0, le=48)
    duties: tuple[Duty, ...] = ()
    locality: str | None = None
    skills: tuple[str, ...] = ()
    leave: tuple[Period, ...] = ()
    leaving_on: date | None = None
    agency: bool = False
    sources: dict[str, str] = Field(default_factory=dict, description=SOURCES_HELP)

    @field_validator("leaving_on")
    @classmethod
    def _leaves_after_starting(cls, value: date | None, info: ValidationInfo) -> date | None:
        for which in ("started_on", "qualified_on"):
            began = info.data.get(which)
            if value is not None and began is not None and value < began:
                raise ValueError(f"the leaving date is before {which} ({began}); expected a "
                                 f"date on or after {began}")
        return value

    @property
    def fte(self) -> float:
        """Full-time equivalent: contracted hours over 37 [000 pro rata]."""
        return self.contracted_hours / FULL_TIME_HOURS

    def experience_months(self, on: date) -> int:
        """Completed calendar months of practice at `on` (0 if none recorded)."""
        since = self.qualified_on or self.started_on
        if since is None or on < since:
            return 0
        return months_between(since, on)

    def on_leave(self, start: date, end: date) -> bool:
        """True if any spell of leave overlaps [start, end]."""
        return any(p.overlaps(start, end) for p in self.leave)

    def leaves_within(self, on: date, days: int) -> bool:
        """True if the worker's leaving date falls within `days` of `on`."""
        return self.leaving_on is not None and self.leaving_on <= on + timedelta(days=days)


class Team(Frozen):
    """A team of workers under one manager."""

    id: Id
    name: str | None = None
    type: TeamType = TeamType.LONG_TERM
    locality: str | None = None
    workers: tuple[Worker, ...] = ()

    @model_validator(mode="after")
    def _unique_workers(self) -> Team:
        ids = [w.id for w in self.workers]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"worker id {dupes[0]} appears more than once")
        return self

    def worker(self, worker_id: str) -> Worker:
        for worker in self.workers:
            if worker.id == worker_id:
                return worker
        raise KeyError(worker_id)


class Holding(Frozen):
    """One worker holding some or all children of one household."""

    worker_id: Id
    household_id: Id
    child_ids: tuple[str, ...]
    role: Literal["lead", "secondary"] = "lead"
    allocated_on: date | None = None


class Caseload(Frozen):
    """Who holds what: households (with their children) and holdings.

    Households without a lead holding are unallocated (waiting). A child belongs to
    exactly one household; a worker holds a child at most once.
    """

    households: tuple[Household, ...] = ()
    holdings: tuple[Holding, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Caseload:
        where: dict[str, str] = {}
        index: dict[str, Household] = {}
        for h in self.households:
            if h.id in index:
                raise ValueError(f"household {h.id} appears twice")
            index[h.id] = h
            for c in h.children:
                if c.id in where:
                    raise ValueError(f"child {c.id} is in households {where[c.id]} and {h.id}")
                where[c.id] = h.id
        held: set[tuple[str, str]] = set()
        lead: dict[str, str] = {}
        for hold in self.holdings:
            if hold.household_id not in index:
                raise ValueError(f"holding refers to unknown household {hold.household_id}")
            household = index[hold.household_id]
            for cid in hold.child_ids:
                if where.get(cid) != household.id:
                    raise ValueError(f"child {cid} is not in household {household.id}")
                if (hold.worker_id, cid) in held:
                    raise ValueError(f"worker {hold.worker_id} holds child {cid} twice")
                held.add((hold.worker_id, cid))
                if hold.role == "lead":
                    if cid in lead:
                        raise ValueError(
                            f"child {cid} has two lead workers ({lead[cid]}, {hold.worker_id})"
                        )
                    lead[cid] = hold.worker_id
        return self

    def household(self, household_id: str) -> Household:
        for h in self.households:
            if h.id == household_id:
                return h
        raise KeyError(household_id)

    def by_worker(self) -> dict[str, list[Holding]]:
        """Holdings grouped by worker id, in file order."""
        out: dict[str, list[Holding]] = {}
        for hold in self.holdings:
            out.setdefault(hold.worker_id, []).append(hold)
        return out

    def unallocated(self) -> Iterator[Household]:
        """Households with at least one child that no worker holds as lead."""
        return (household for household, _ in self.unallocated_children())

    def unallocated_children(self) -> Iterator[tuple[Household, tuple[str, ...]]]:
        """Each household with a child no worker holds as lead, with those children's ids
        in the household's order."""
        # A child is in one household only (see _consistent), so its id alone says who.
        led = {c for h in self.holdings if h.role == "lead" for c in h.child_ids}
        for household in self.households:
            waiting = tuple(c.id for c in household.children if c.id not in led)
            if waiting:
                yield household, waiting


def months_between(start: date, end: date) -> int:
    """Completed calendar months from `start` to `end` (0 if end precedes start).

    A worker qualified on 15 January has 5 completed months on 14 July and 6 on
    15 July; the last day of a short month counts as a full month.
    """
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day and not _is_month_end(end):
        months -= 1
    return max(months, 0)


def _is_month_end(d: date) -> bool:
    return (d + timedelta(days=1)).month != d.month

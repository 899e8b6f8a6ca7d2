"""The weekly allocation problem as plain numbers.

The team's state (each worker's benchmark, load, counts, protections and
availability) and the waiting households (points, priority tier, flags) are
flattened into small frozen records, so that the optimiser, the greedy rule and
the simulator all speak the same language and none of them re-scores the whole
caseload at every meeting. :func:`build_problem` makes one from the domain; the
simulator makes one from its own running state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from allocopt.board import score_worker
from allocopt.capacity import cp_protected
from allocopt.domain import LONG_TRAVEL, Caseload, Household, Role, Status, Team, TeamType
from allocopt.schemes.model import CountCap, Scheme
from allocopt.schemes.scoring import score_case

# --------------------------------------------------------------------------- policy


class Pin(BaseModel):
    """The manager's decision: this household goes to this worker."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    household: str
    worker: str
    note: str | None = None


class Exclusion(BaseModel):
    """Never this worker for this household (a conflict of interest, say)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    household: str
    worker: str
    reason: str = "excluded by the manager"


class HardRules(BaseModel):
    """Each hard rule, switchable by name in the policy file."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    eligibility: bool = Field(default=True, description="Roles take only the statuses they may.")
    nqsw_no_cp: bool = Field(default=True, description="No CP before the scheme's month.")
    count_caps: bool = Field(default=True, description="The scheme's count caps hold.")
    unavailability: bool = Field(default=True, description="No work to workers on leave/leaving.")
    band_ceiling: bool = Field(default=True, description="Nobody pushed above the ceiling band.")
    student_limit: bool = Field(default=True, description="Students hold few, low-risk cases.")
    pins: bool = True
    exclusions: bool = True
    court_limit: bool = Field(
        default=True, description="At most `court_max_households` court households each (if set).")


class Preferences(BaseModel):
    """Weights of the soft preferences, traded against each other in the last stage.

    Whole numbers: a match adds its weight once per household led (skills: per
    skill the household needs that the worker has); a concentration costs its
    weight per child above the worker's share. Zero switches a preference off.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    continuity: int = Field(default=4, ge=0, le=1000,
                            description="The worker held the family before.")
    skills: int = Field(default=2, ge=0, le=1000, description="Per needed skill the worker has.")
    locality: int = Field(default=1, ge=0, le=1000,
                          description="The worker covers the family's locality.")
    concentration: int = Field(
        default=3, ge=0, le=1000,
        description="Per CP, CLA or long-travel child above the worker's share.",
    )


class Rebalancing(BaseModel):
    """How `allocopt rebalance` may move work between workers."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    move_court: bool = Field(
        default=False, description="Allow moving households in active court proceedings."
    )
    target_band: str = Field(
        default="green", description="Bring workers down to this band where possible (then amber)."
    )
    receive_up_to: str = Field(
        default="green", description="Highest band a transfer may move the receiving worker into."
    )


DEFAULT_ELIGIBILITY: dict[Role, tuple[Status, ...]] = {
    Role.SOCIAL_WORKER: tuple(Status),
    Role.SENIOR: tuple(Status),
    Role.CONSULTANT: tuple(Status),
    Role.FAMILY_SUPPORT_PRACTITIONER: (Status.CIN,),
    Role.LEAVING_CARE_ADVISER: (Status.CARE_LEAVER, Status.CLA),
    Role.STUDENT: (Status.CIN,),
}


class Policy(BaseModel):
    """The allocation policy: hard rules, tiers of priority, preferences. A file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: HardRules = Field(default_factory=HardRules)
    ceiling_band: str = Field(
        default="amber", description="Highest RAG band an allocation may move a worker into."
    )
    horizon_days: int = Field(
        default=14, ge=0, le=366,
        description="Leave overlapping the next N days makes a worker unavailable.",
    )
    leaving_within_days: int = Field(
        default=42, ge=0, le=366, description="A worker leaving within N days takes no new work."
    )
    eligibility: dict[Role, tuple[Status, ...]] = Field(
        default_factory=lambda: dict(DEFAULT_ELIGIBILITY),
        description="Statuses each role may take as lead.",
    )
    student_max_children: int = Field(default=8, ge=0, le=100,
                                      description="Students 5-8 cases [004].")
    court_max_households: int | None = Field(
        default=None, ge=0, le=1000,
        description="Most households in court proceedings a worker may lead (none: no limit).")
    tiers: tuple[str, ...] = Field(
        default=("S47", "CP", "court", "CLA", "care_leaver", "CIN"),
        description="Priority tiers, highest first; each outranks any number of the next.",
    )
    pins: tuple[Pin, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    time_limit_s: float = Field(default=10.0, gt=0, le=3600,
                                description="Seconds the optimiser may use (at most an hour).")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    team_eligibility: dict[TeamType, tuple[Status, ...]] = Field(
        default_factory=dict,
        description="Statuses a team of this type takes; team types not listed take any.",
    )
    preferences: Preferences = Field(default_factory=Preferences)
    rebalancing: Rebalancing = Field(default_factory=Rebalancing)


# ----------------------------------------------------------------- team state


@dataclass(frozen=True, slots=True)
class WorkerState:
    """A worker as the allocation sees them: capacity, load, counts, protections."""

    id: str
    role: Role
    months: int
    nqsw: bool
    cp_protected: bool
    fte: float
    benchmark: float
    load: float
    counts: Mapping[Status, int]
    households: int
    caps: tuple[CountCap, ...] = ()
    unavailable: str | None = None  # the reason, if the worker cannot take work now
    locality: str | None = None
    skills: frozenset[str] = frozenset()
    cp_households: int = 0
    cla_children: int = 0
    long_travel: int = 0
    court_households: int = 0
    """Households in court proceedings the worker leads now (the court limit counts them)."""


@dataclass(frozen=True, slots=True)
class WaitingHousehold:
    """A household waiting for allocation, as numbers and flags."""

    id: str
    points: float
    secondary_points: float
    children: int
    by_status: Mapping[Status, int]
    tier: int
    tier_name: str
    co_working: bool = False
    court: bool = False
    long_travel: bool = False
    locality: str | None = None
    skills_needed: frozenset[str] = frozenset()
    previous_workers: tuple[str, ...] = ()
    referred_on: date | None = None
    waiting_days: int = 0
    long_travel_children: int | None = None

    @property
    def has_cp(self) -> bool:
        return self.by_status.get(Status.CP, 0) > 0

    @property
    def travel_children(self) -> int:
        """Children with long travel (all of them if only the household flag is known)."""
        if self.long_travel_children is not None:
            return self.long_travel_children
        return self.children if self.long_travel else 0


@dataclass(frozen=True)
class AllocationProblem:
    """One allocation meeting: the team now, the waiting list, the policy."""

    scheme: Scheme
    policy: Policy
    on: date
    workers: tuple[WorkerState, ...]
    households: tuple[WaitingHousehold, ...]
    team_type: TeamType | None = None


RoleName = Literal["lead", "secondary"]
"""A worker's part in a household: its lead worker, or the secondary co-worker."""


@dataclass(frozen=True, slots=True)
class Assignment:
    household_id: str
    worker_id: str
    role: RoleName
    points: float


@dataclass(frozen=True)
class AllocationResult:
    """What a policy decided; reasons are derived from it by the explain module."""

    solver: str
    assignments: tuple[Assignment, ...]
    unallocated: tuple[str, ...]
    status: str
    objective: tuple[float, ...] = ()
    bound: tuple[float, ...] = ()
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
    solves: int = 0
    """Solver runs the result took (CP-SAT's stages and conflict analysis; 0 for greedy
    and for a meeting searched without a model)."""


class Allocator(Protocol):
    """Anything that decides an allocation meeting: greedy, CP-SAT, ..."""

    name: str

    def allocate(self, problem: AllocationProblem) -> AllocationResult: ...


# ------------------------------------------------------------- from the domain


def tier_of(
    policy: Policy, household: Household, on: date, assessment_open: bool
) -> tuple[int, str]:
    """Priority tier of a household: the first tier in the policy's order it belongs to."""
    statuses = {c.status for c in household.children}
    member = {
        "S47": assessment_open and household.assessment is not None
        and household.assessment.kind.value == "s47",
        "CP": Status.CP in statuses,
        "court": household.court is not None,
        "CLA": Status.CLA in statuses,
        "care_leaver": Status.CARE_LEAVER in statuses,
        "CIN": bool(statuses & {Status.CIN, Status.SUPERVISION_ORDER}) or not statuses,
    }
    for i, name in enumerate(policy.tiers):
        if member.get(name, False):
            return i, name
    return len(policy.tiers), "other"


def waiting_household(
    scheme: Scheme, policy: Policy, household: Household, on: date
) -> WaitingHousehold:
    """Score a waiting household once, as lead and as secondary co-worker."""
    lead = score_case(scheme, household, None, on, "lead")
    second = score_case(scheme, household, None, on, "secondary") if household.co_working else None
    by_status: dict[Status, int] = {}
    for c in household.children:
        by_status[c.status] = by_status.get(c.status, 0) + 1
    a = household.assessment
    assessment_open = a is not None and a.start <= on and (a.completed is None or a.completed > on)
    tier, name = tier_of(policy, household, on, assessment_open)
    travel_children = sum(
        1 for c in household.children
        if (c.placement_travel if c.status is Status.CLA else household.travel) in LONG_TRAVEL)
    long_travel = household.travel in LONG_TRAVEL or any(
        c.placement_travel in LONG_TRAVEL for c in household.children if c.status is Status.CLA)
    return WaitingHousehold(
        id=household.id,
        points=lead.total,
        secondary_points=second.total if second is not None else 0.0,
        children=len(household.children),
        by_status=by_status,
        tier=tier,
        tier_name=name,
        co_working=household.co_working,
        court=household.court is not None,
        long_travel=long_travel,
        locality=household.locality,
        skills_needed=frozenset(household.skills_needed),
        previous_workers=household.previous_workers,
        referred_on=household.referred_on,
        waiting_days=(on - household.referred_on).days if household.referred_on else 0,
        long_travel_children=travel_children,
    )


def build_problem(
    scheme: Scheme,
    policy: Policy,
    team: Team,
    caseload: Caseload,
    waiting: tuple[Household, ...],
    on: date,
) -> AllocationProblem:
    """The allocation problem for a team, its current caseload and its waiting list."""
    by_worker = caseload.by_worker()
    index = {h.id: h for h in caseload.households}
    horizon_end = on + timedelta(days=policy.horizon_days)
    workers = []
    for w in team.workers:
        row = score_worker(scheme, w, team, caseload, by_worker.get(w.id, ()), on)
        unavailable = None
        if w.on_leave(on, horizon_end):
            unavailable = f"on leave within the next {policy.horizon_days} days"
        elif w.leaves_within(on, policy.leaving_within_days):
            unavailable = f"leaving on {w.leaving_on}"
        caps = tuple(
            c for c in scheme.protections.count_caps
            if c.applies_to == "all"
            or (c.applies_to == "nqsw" and row.capacity.nqsw)
            or (isinstance(c.applies_to, tuple) and w.role in c.applies_to)
        )
        leads = [h for h in by_worker.get(w.id, ()) if h.role == "lead"]
        cp_households = sum(1 for h in leads if any(
            index[h.household_id].child(c).status is Status.CP for c in h.child_ids))
        court_households = sum(1 for h in leads if index[h.household_id].court is not None)
        workers.append(WorkerState(
            id=w.id,
            role=w.role,
            months=row.capacity.months,
            nqsw=row.capacity.nqsw,
            cp_protected=cp_protected(scheme, w, on),
            fte=row.capacity.fte,
            benchmark=row.capacity.benchmark,
            load=row.load,
            counts=dict(row.counts.by_status),
            households=row.counts.households,
            caps=caps,
            unavailable=unavailable,
            locality=w.locality,
            skills=frozenset(w.skills),
            cp_households=cp_households,
            cla_children=row.counts.by_status.get(Status.CLA, 0),
            long_travel=row.counts.long_travel,
            court_households=court_households,
        ))
    households = tuple(waiting_household(scheme, policy, h, on) for h in waiting)
    return AllocationProblem(scheme, policy, on, tuple(workers), households, team.type)

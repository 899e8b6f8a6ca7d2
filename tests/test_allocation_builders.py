"""Builders for small allocation problems written by hand (imported by the allocation tests).

Numbers are in Tower Hamlets points (benchmark 50 for an experienced worker;
bands: blue < 95 %, green <= 100 %, amber < 110 %, red from 110 %), so each test
can be checked with mental arithmetic.
"""

from __future__ import annotations

import itertools
from datetime import date

from allocopt.allocation.exact import ExactProblem, to_assignments
from allocopt.allocation.problem import (
    AllocationProblem,
    Assignment,
    Policy,
    RoleName,
    WaitingHousehold,
    WorkerState,
)
from allocopt.allocation.validate import validate_exact
from allocopt.domain import Role, Status
from allocopt.io.schemes import load_scheme
from allocopt.schemes.model import CountCap, Scheme

ON = date(2026, 12, 1)
TIERS = {"S47": 0, "CP": 1, "court": 2, "CLA": 3, "care_leaver": 4, "CIN": 5}
SCHEMES: dict[str, Scheme] = {}


def scheme(name: str = "tower-hamlets") -> Scheme:
    if name not in SCHEMES:
        SCHEMES[name] = load_scheme(name)
    return SCHEMES[name]


NQSW_CAP = CountCap(name="NQSW caseload", applies_to="nqsw",
                    limits={Status.CIN: 15, Status.CLA: 12})


def worker(
    id: str,
    load: float = 40,
    benchmark: float = 50,
    *,
    role: Role = Role.SOCIAL_WORKER,
    months: int = 60,
    cp_protected: bool = False,
    nqsw: bool = False,
    unavailable: str | None = None,
    counts: dict[Status, int] | None = None,
    caps: tuple[CountCap, ...] = (),
    locality: str | None = None,
    skills: frozenset[str] = frozenset(),
    long_travel: int = 0,
    court_households: int = 0,
) -> WorkerState:
    counts = counts or {}
    return WorkerState(
        id=id, role=role, months=months, nqsw=nqsw, cp_protected=cp_protected,
        fte=benchmark / 50, benchmark=benchmark, load=load, counts=counts,
        households=sum(counts.values()), caps=caps, unavailable=unavailable,
        locality=locality, skills=skills, cp_households=counts.get(Status.CP, 0),
        cla_children=counts.get(Status.CLA, 0), long_travel=long_travel,
        court_households=court_households,
    )


def household(
    id: str,
    points: float = 5,
    status: Status = Status.CIN,
    children: int = 1,
    *,
    tier: str | None = None,
    co_working: bool = False,
    court: bool = False,
    waiting_days: int = 0,
    locality: str | None = None,
    skills_needed: frozenset[str] = frozenset(),
    previous_workers: tuple[str, ...] = (),
    long_travel: bool = False,
    share: float = 0.5,
) -> WaitingHousehold:
    name = tier or {Status.CP: "CP", Status.CLA: "CLA", Status.CARE_LEAVER: "care_leaver"}.get(
        status, "court" if court else "CIN")
    return WaitingHousehold(
        id=id, points=points, secondary_points=points * share if co_working else 0.0,
        children=children, by_status={status: children}, tier=TIERS[name], tier_name=name,
        co_working=co_working, court=court, long_travel=long_travel, locality=locality,
        skills_needed=skills_needed, previous_workers=previous_workers,
        waiting_days=waiting_days,
    )


def problem(
    workers: list[WorkerState],
    households: list[WaitingHousehold],
    policy: Policy | None = None,
    scheme_name: str = "tower-hamlets",
) -> AllocationProblem:
    return AllocationProblem(scheme(scheme_name), policy or Policy(), ON, tuple(workers),
                             tuple(households))


def switched_off(rule: str, **policy: object) -> Policy:
    """The default policy with one hard rule switched off."""
    base = Policy(**policy)  # type: ignore[arg-type]
    return base.model_copy(update={"rules": base.rules.model_copy(update={rule: False})})


def leads(result: object) -> dict[str, str]:
    """household id -> lead worker id."""
    return {a.household_id: a.worker_id for a in result.assignments  # type: ignore[attr-defined]
            if a.role == "lead"}


def test_builders_make_a_valid_problem() -> None:
    p = problem([worker("W1")], [household("H1", co_working=True)])
    assert p.households[0].secondary_points == 2.5
    assert p.households[0].tier_name == "CIN"
    assert household("H2", status=Status.CP).tier == 1


def valid_allocations(ex: ExactProblem) -> list[tuple[Assignment, ...]]:
    """Every allocation of a small meeting that the independent validator accepts
    (each household waits, or goes to one lead, with a secondary if co-worked)."""
    n_w = len(ex.workers)
    per_household: list[list[list[tuple[int, int, RoleName]]]] = []
    for h, hh in enumerate(ex.households):
        options: list[list[tuple[int, int, RoleName]]] = [[]]
        for lead in range(n_w):
            if hh.co_working:
                options += [[(h, lead, "lead"), (h, s, "secondary")]
                            for s in range(n_w) if s != lead]
            else:
                options.append([(h, lead, "lead")])
        per_household.append(options)
    out = []
    for combo in itertools.product(*per_household):
        assignments = to_assignments(ex, [step for option in combo for step in option])
        if not validate_exact(ex, assignments):
            out.append(assignments)
    return out

"""Made-up but plausible teams, caseloads and waiting lists, from a seed.

Used for the shipped example data, the benchmarks and the property tests. Every
id is invented; no record describes a real person. Proportions are rough
national shapes (DOMAIN.md context figures): most households have one or two
children; long-term teams hold CIN, CP and looked-after children in similar
numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

import numpy as np

from allocopt.domain import (
    Assessment,
    AssessmentKind,
    Caseload,
    Child,
    CourtStage,
    Duty,
    Holding,
    Household,
    InterventionLevel,
    Role,
    Status,
    Team,
    TeamType,
    TravelBand,
    Worker,
)

HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6, 7)
HOUSEHOLD_SIZE_P = (0.45, 0.28, 0.14, 0.07, 0.03, 0.02, 0.01)
STATUS_P = {Status.CIN: 0.40, Status.CP: 0.30, Status.CLA: 0.27, Status.SUPERVISION_ORDER: 0.03}
TRAVEL_P = {
    TravelBand.IN_AREA: 0.78,
    TravelBand.NEIGHBOURING: 0.12,
    TravelBand.ONE_TO_TWO_HOURS: 0.07,
    TravelBand.OVER_TWO_HOURS: 0.03,
}
LOCALITIES = ("North", "South", "East", "West")
K = TypeVar("K")

SKILLS = ("court", "disability", "domestic abuse", "adolescents", "parenting assessment")


@dataclass(frozen=True)
class WorkerSpec:
    """A worker to make: role, months since qualifying, contracted hours, duties."""

    role: Role
    months: int
    hours: float = 37.0
    duties: tuple[Duty, ...] = ()


def _choice(rng: np.random.Generator, options: Mapping[K, float]) -> K:
    keys = list(options)
    p = np.array(list(options.values()), dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def random_worker_specs(rng: np.random.Generator, n: int) -> list[WorkerSpec]:
    """A mix like a real team: mostly experienced, some NQSWs, part-timers, a few others."""
    specs = []
    for _ in range(n):
        u = rng.random()
        if u < 0.12:
            specs.append(WorkerSpec(Role.SOCIAL_WORKER, int(rng.integers(0, 12))))
        elif u < 0.22:
            specs.append(WorkerSpec(Role.SOCIAL_WORKER, int(rng.integers(12, 36))))
        elif u < 0.30:
            specs.append(WorkerSpec(Role.SENIOR, int(rng.integers(48, 240)),
                                    duties=(Duty(kind="practice_teaching"),) if rng.random() < 0.3 else ()))
        elif u < 0.36:
            specs.append(WorkerSpec(Role.FAMILY_SUPPORT_PRACTITIONER, int(rng.integers(6, 120))))
        elif u < 0.38:
            specs.append(WorkerSpec(Role.STUDENT, 0))
        else:
            specs.append(WorkerSpec(Role.SOCIAL_WORKER, int(rng.integers(36, 240))))
        if rng.random() < 0.15 and specs[-1].role is not Role.STUDENT:
            s = specs[-1]
            specs[-1] = WorkerSpec(s.role, s.months, float(rng.choice([18.5, 22.2, 29.6])), s.duties)
    return specs


def make_team(
    specs: list[WorkerSpec],
    on: date,
    team_id: str = "T1",
    team_type: TeamType = TeamType.LONG_TERM,
    prefix: str = "W",
) -> Team:
    """A team whose workers have the given roles and experience at `on`."""
    workers = []
    width = max(2, len(str(len(specs))))
    for i, spec in enumerate(specs, start=1):
        since = _months_before(on, spec.months)
        qualified = spec.role not in (Role.FAMILY_SUPPORT_PRACTITIONER, Role.STUDENT)
        workers.append(Worker(
            id=f"{prefix}{i:0{width}d}",
            role=spec.role,
            team=team_id,
            qualified_on=since if qualified else None,
            started_on=since,
            contracted_hours=spec.hours,
            duties=spec.duties,
            locality=LOCALITIES[i % len(LOCALITIES)],
            skills=(SKILLS[i % len(SKILLS)],),
        ))
    return Team(id=team_id, name=f"Team {team_id}", type=team_type, workers=tuple(workers))


def _months_before(on: date, months: int) -> date:
    y, m = divmod(on.year * 12 + on.month - 1 - months, 12)
    day = min(on.day, 28)
    return date(y, m + 1, day)


def make_household(
    rng: np.random.Generator,
    household_id: str,
    child_prefix: str,
    on: date,
    status_p: dict[Status, float] | None = None,
) -> Household:
    """One household of siblings sharing a broad status, with plausible flags."""
    size = int(rng.choice(HOUSEHOLD_SIZES, p=HOUSEHOLD_SIZE_P))
    main = _choice(rng, dict(status_p or STATUS_P))
    assert isinstance(main, Status)
    travel = _choice(rng, dict(TRAVEL_P))
    assert isinstance(travel, TravelBand)
    children = []
    for k in range(size):
        status = main
        if main is Status.CLA and rng.random() < 0.15:
            status = Status.CP  # a sibling still at home on a plan
        placement = TravelBand.IN_AREA
        if status is Status.CLA:
            placed = _choice(rng, dict(TRAVEL_P))
            assert isinstance(placed, TravelBand)
            placement = placed
        children.append(Child(
            id=f"{child_prefix}{k + 1}",
            status=status,
            age=int(rng.integers(0, 18)),
            placement_travel=placement,
            high_input=bool(status is Status.CLA and rng.random() < 0.2),
            complex=bool(status is Status.CP and rng.random() < 0.25),
        ))
    court = None
    if main in (Status.CP, Status.CLA) and rng.random() < 0.2:
        court = CourtStage.CARE_PROCEEDINGS if rng.random() < 0.6 else CourtStage.PLO
    assessment = None
    if rng.random() < 0.15:
        assessment = Assessment(kind=AssessmentKind.S47 if main is Status.CP else AssessmentKind.SINGLE,
                                start=on - timedelta(days=int(rng.integers(0, 60))))
    level = _choice(rng, {InterventionLevel.LOW: 0.3, InterventionLevel.MEDIUM: 0.55,
                          InterventionLevel.HIGH: 0.15})
    assert isinstance(level, InterventionLevel)
    multi_agency = bool(rng.random() < 0.15)
    factors = (2 if multi_agency else 0) + (1 if size >= 4 or travel is not TravelBand.IN_AREA else 0)
    return Household(
        id=household_id,
        children=tuple(children),
        locality=LOCALITIES[int(rng.integers(0, len(LOCALITIES)))],
        travel=TravelBand.IN_AREA if main is Status.CLA else travel,
        multi_agency=multi_agency,
        court=court,
        assessment=assessment,
        intervention_level=level,
        ratings={"additional_factors": float(min(factors, 2))} if factors else {},
    )


def make_caseload(
    rng: np.random.Generator,
    team: Team,
    n_children: int,
    on: date,
    household_prefix: str = "H",
    nqsw_no_cp_months: int = 12,
) -> Caseload:
    """Households summing to about `n_children`, spread over the team by FTE.

    Workers protected from CP work (NQSWs in their first months, family support
    practitioners, students) are given CIN households only.
    """
    households: list[Household] = []
    total = 0
    i = 0
    while total < n_children:
        i += 1
        h = make_household(rng, f"{household_prefix}{i:04d}", f"C{i:04d}-", on)
        households.append(h)
        total += len(h.children)
    weights = np.array([_weight(w) for w in team.workers], dtype=float)
    cin_only = np.array([_cin_only(w, on, nqsw_no_cp_months) for w in team.workers])
    held = np.zeros(len(team.workers))
    holdings = []
    for h in households:
        heavy = any(c.status is not Status.CIN for c in h.children)
        eligible = np.where(~cin_only)[0] if heavy else np.arange(len(team.workers))
        if len(eligible) == 0:
            continue
        ratio = (held[eligible] + len(h.children)) / weights[eligible]
        best = eligible[int(np.argmin(ratio + rng.random(len(eligible)) * 0.4))]
        held[best] += len(h.children)
        holdings.append(Holding(
            worker_id=team.workers[best].id,
            household_id=h.id,
            child_ids=tuple(c.id for c in h.children),
            allocated_on=on - timedelta(days=int(rng.integers(7, 540))),
        ))
    return Caseload(households=tuple(households), holdings=tuple(holdings))


def _weight(w: Worker) -> float:
    if w.role is Role.STUDENT:
        return 0.3
    return w.fte * (0.7 if w.qualified_on is None else 1.0)


def _cin_only(w: Worker, on: date, months: int) -> bool:
    if w.role in (Role.FAMILY_SUPPORT_PRACTITIONER, Role.STUDENT):
        return True
    return w.experience_months(on) < months


def make_waiting(
    rng: np.random.Generator,
    n_households: int,
    on: date,
    prefix: str = "R",
    status_p: dict[Status, float] | None = None,
) -> tuple[Household, ...]:
    """Households referred in the last weeks and waiting for allocation."""
    out = []
    for i in range(1, n_households + 1):
        h = make_household(rng, f"{prefix}{i:04d}", f"{prefix}{i:04d}-", on, status_p)
        out.append(h.model_copy(update={"referred_on": on - timedelta(days=int(rng.integers(0, 21)))}))
    return tuple(out)

"""Random allocation meetings with every role and protection, for the safety checks.

:func:`random_meeting` draws one meeting (the team's state as the allocation
sees it, the waiting list and a policy) from a source of whole numbers, so the
same space serves the safety soak (``benchmarks/safety_soak.py``, with
:class:`SeededDraws`) and the property tests (hypothesis draws, shrinking to a
small failing meeting). The space is wide on purpose: students, family support
practitioners, leaving-care advisers, NQSWs at every month of their first year
and beyond, part time, leave and leaving dates, workers already in amber and red,
sibling groups with mixed statuses, S47 enquiries, court proceedings, heavy CP
households, co-working, pins (some impossible), exclusions, team types, a court
households limit, rules switched off. Every id is invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from allocopt.allocation.problem import (
    DEFAULT_ELIGIBILITY,
    AllocationProblem,
    Exclusion,
    HardRules,
    Pin,
    Policy,
    WaitingHousehold,
    WorkerState,
)
from allocopt.domain import Role, Status, TeamType
from allocopt.schemes.model import CountCap, Scheme

MEETING_DAY = date(2026, 12, 1)

ROLES = (Role.SOCIAL_WORKER, Role.SOCIAL_WORKER, Role.SOCIAL_WORKER, Role.SENIOR,
         Role.CONSULTANT, Role.FAMILY_SUPPORT_PRACTITIONER, Role.LEAVING_CARE_ADVISER,
         Role.STUDENT)
QUALIFIED = frozenset({Role.SOCIAL_WORKER, Role.SENIOR, Role.CONSULTANT})
STATUSES = (Status.CIN, Status.CIN, Status.CP, Status.CP, Status.CLA, Status.CARE_LEAVER,
            Status.SUPERVISION_ORDER)
TIERS = ("S47", "CP", "court", "CLA", "care_leaver", "CIN")
NQSW_CAP = CountCap(name="NQSW caseload", applies_to="nqsw",
                    limits={Status.CIN: 15, Status.CLA: 12})
CP_CAP = CountCap(name="CP cases", applies_to="all", limits={Status.CP: 6})
LOCALITIES = ("North", "South", None)
T = TypeVar("T")
SKILLS = ("court", "adolescents", "disability")


class Draws(Protocol):
    """A source of whole numbers: ``integer(lo, hi)`` is between lo and hi inclusive."""

    def integer(self, lo: int, hi: int) -> int: ...


@dataclass
class SeededDraws:
    """:class:`Draws` from a seeded pseudo-random generator (the soak)."""

    rng: random.Random

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


def _chance(d: Draws, percent: int) -> bool:
    return d.integer(1, 100) <= percent


def _pick(d: Draws, options: tuple[T, ...]) -> T:
    return options[d.integer(0, len(options) - 1)]


def _benchmark(role: Role, months: int) -> float:
    """The Tower Hamlets benchmark at full time for a role and months of practice."""
    if role is Role.STUDENT:
        return 15.0
    if role in QUALIFIED and months < 6:
        return 30.0
    if role in QUALIFIED and months < 12:
        return 35.0
    if months < 24:
        return 40.0
    return 45.0 if months < 36 else 50.0


def random_worker(d: Draws, i: int, extra_cap: bool) -> WorkerState:
    """One worker: role, months (every month of the first year is as likely as later
    years), part time, current load (blue to red), holdings, leave."""
    role = _pick(d, ROLES)
    months = d.integer(0, 14) if _chance(d, 50) else d.integer(15, 240)
    nqsw = role in QUALIFIED and months < 12
    fte = 1.0 if _chance(d, 70) else d.integer(4, 9) / 10
    benchmark = _benchmark(role, months) * fte
    load = float(d.integer(0, max(1, round(benchmark * 1.2))))
    counts: dict[Status, int] = {}
    for status in (Status.CIN, Status.CP, Status.CLA, Status.CARE_LEAVER):
        held = d.integer(0, 4 if role is not Role.STUDENT else 2)
        if held:
            counts[status] = held
    if nqsw or role is Role.STUDENT:
        counts.pop(Status.CP, None)
    caps: tuple[CountCap, ...] = (NQSW_CAP,) if nqsw else ()
    if extra_cap:
        caps += (CP_CAP,)
    unavailable = None
    roll = d.integer(1, 100)
    if roll <= 8:
        unavailable = "on leave within the next 14 days"
    elif roll <= 12:
        unavailable = "leaving on 2027-01-05"
    return WorkerState(
        id=f"W{i:02d}", role=role, months=months, nqsw=nqsw, cp_protected=nqsw,
        fte=fte, benchmark=benchmark, load=load, counts=counts,
        households=sum(counts.values()), caps=caps, unavailable=unavailable,
        locality=_pick(d, LOCALITIES),
        skills=frozenset(s for s in SKILLS if _chance(d, 25)),
        cp_households=counts.get(Status.CP, 0), cla_children=counts.get(Status.CLA, 0),
        long_travel=d.integer(0, 2), court_households=d.integer(0, 3),
    )


def random_household(d: Draws, i: int, workers: int) -> WaitingHousehold:
    """One waiting household: a sibling group (statuses may differ), S47 enquiry, court
    proceedings, heavy CP work, co-working, travel, continuity."""
    children = d.integer(1, 3) if _chance(d, 80) else d.integer(4, 7)
    main = _pick(d, STATUSES)
    by_status = {main: children}
    if children > 1 and _chance(d, 20):
        other = _pick(d, STATUSES)
        if other is not main:
            moved = d.integer(1, children - 1)
            by_status = {main: children - moved, other: moved}
    s47 = main in (Status.CIN, Status.CP) and _chance(d, 20)
    court = (main in (Status.CP, Status.CLA) and _chance(d, 25)) or _chance(d, 3)
    heavy = main is Status.CP and _chance(d, 30)
    points = float(children + d.integer(1, 5) + (d.integer(4, 8) if heavy else 0)
                   + (2 if court else 0))
    co = _chance(d, 15)
    member = {"S47": s47, "CP": Status.CP in by_status, "court": court,
              "CLA": Status.CLA in by_status, "care_leaver": Status.CARE_LEAVER in by_status,
              "CIN": bool(set(by_status) & {Status.CIN, Status.SUPERVISION_ORDER})}
    tier = next(t for t, name in enumerate(TIERS) if member[name])
    previous = (f"W{d.integer(0, workers - 1):02d}",) if _chance(d, 20) else ()
    travel = _chance(d, 15)
    return WaitingHousehold(
        id=f"H{i:03d}", points=points, secondary_points=points / 2 if co else 0.0,
        children=children, by_status=by_status, tier=tier, tier_name=TIERS[tier],
        co_working=co, court=court, long_travel=travel, locality=_pick(d, LOCALITIES),
        skills_needed=frozenset(s for s in SKILLS if _chance(d, 15)),
        previous_workers=previous, waiting_days=d.integer(0, 60),
        long_travel_children=children if travel else 0,
    )


def random_policy(d: Draws, workers: tuple[WorkerState, ...],
                  households: tuple[WaitingHousehold, ...]) -> Policy:
    """A policy: ceiling band, student and court limits, pins (some impossible),
    exclusions, team eligibility, now and then a rule switched off."""
    pins: list[Pin] = []
    for _ in range(d.integer(0, 2) if _chance(d, 25) else 0):
        pins.append(Pin(household=households[d.integer(0, len(households) - 1)].id,
                        worker=workers[d.integer(0, len(workers) - 1)].id))
    exclusions = tuple(
        Exclusion(household=households[d.integer(0, len(households) - 1)].id,
                  worker=workers[d.integer(0, len(workers) - 1)].id)
        for _ in range(d.integer(0, 3) if _chance(d, 40) else 0))
    off = {}
    if _chance(d, 10):
        name = _pick(d, tuple(HardRules.model_fields))
        off[name] = False
    eligibility = dict(DEFAULT_ELIGIBILITY)
    if _chance(d, 10):  # a policy letting family support practitioners hold CP work
        eligibility[Role.FAMILY_SUPPORT_PRACTITIONER] = (Status.CIN, Status.CP)
    return Policy(
        rules=HardRules(**off),
        ceiling_band=_pick(d, ("amber", "amber", "green")),
        student_max_children=d.integer(4, 8),
        court_max_households=d.integer(0, 3) if _chance(d, 30) else None,
        pins=tuple(pins), exclusions=exclusions, eligibility=eligibility,
        team_eligibility=({TeamType.LEAVING_CARE: (Status.CARE_LEAVER, Status.CLA)}
                          if _chance(d, 5) else {}),
        time_limit_s=5,
    )


def random_meeting(d: Draws, scheme: Scheme, most_workers: int = 12,
                   most_households: int = 12) -> AllocationProblem:
    """One meeting of up to `most_workers` workers and `most_households` waiting
    households (mostly small: a quarter of meetings have 3 households or fewer, the
    size the optimiser searches without a model)."""
    n_w = d.integer(1, most_workers)
    n_h = d.integer(1, 3) if _chance(d, 25) else d.integer(1, most_households)
    extra_cap = _chance(d, 10)
    workers = tuple(random_worker(d, i, extra_cap) for i in range(n_w))
    households = tuple(random_household(d, i, n_w) for i in range(n_h))
    policy = random_policy(d, workers, households)
    team_type = TeamType.LEAVING_CARE if policy.team_eligibility else None
    return AllocationProblem(scheme, policy, MEETING_DAY, workers, households, team_type)

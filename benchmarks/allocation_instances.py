"""Seeded allocation meetings for the benchmarks: the standard sizes and the hard family.

Standard (``make_instance``): a team with a realistic mix of experience and roles
(:mod:`allocopt.synthetic`), its current caseload and a waiting list, at three
sizes (team 12 x 30, service 200 x 1,000, region 1,000 x 5,000 workers x
households) and two regimes: demand that fits (the team ends near 90 % of
benchmark) and overload (current load near 80 %, waiting demand about three times
the room left under 100 %). About 5 % of the waiting households exclude one
worker (a conflict of interest) and 0.5 % exclude two.

Hard (``make_hard``): heavy CP demand (60 % of waiting households have CP
children), 30-45 % NQSWs (who may not take CP work), and fragmented spare room
(the team at about 97 % of benchmark before the meeting, so the room left under
the ceiling is a few points on each of many workers), three households waiting
per worker, at 50, 150, 300 and 1,000 workers. The instances where the choice of
method shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from allocopt.allocation.problem import AllocationProblem, Exclusion, Policy, build_problem
from allocopt.domain import Caseload, Household, Role, Status, Team
from allocopt.io.schemes import load_scheme
from allocopt.synthetic import (
    WorkerSpec,
    make_caseload,
    make_team,
    make_waiting,
    random_worker_specs,
)

ON = date(2026, 12, 1)
SIZES = {"team": (12, 30), "service": (200, 1000), "region": (1000, 5000)}
REGIMES = {"fits": 0.90, "overload": 1.40}
"""Team load % after placing the whole waiting list, as a share of benchmark."""
HARD_SIZES = {"hard-50": 50, "hard-150": 150, "hard-300": 300, "hard-1000": 1000}
HARD_STATUS = {Status.CP: 0.60, Status.CLA: 0.15, Status.CIN: 0.22,
               Status.SUPERVISION_ORDER: 0.03}
EXCLUDE_ONE = 0.05
EXCLUDE_TWO = 0.005


@dataclass
class Instance:
    name: str
    problem: AllocationProblem
    team: Team
    caseload: Caseload
    waiting: tuple[Household, ...]


def exclusions(rng: np.random.Generator, team: Team, waiting: tuple[Household, ...]
               ) -> tuple[Exclusion, ...]:
    """About 5 % of households exclude one worker and 0.5 % two (conflicts of interest)."""
    out = []
    ids = [w.id for w in team.workers]
    for h in waiting:
        u = rng.random()
        n = 2 if u < EXCLUDE_TWO else (1 if u < EXCLUDE_ONE + EXCLUDE_TWO else 0)
        for k in rng.choice(len(ids), size=n, replace=False) if n else ():
            out.append(Exclusion(household=h.id, worker=ids[int(k)], reason="conflict"))
    return tuple(out)


def _scaled(team: Team, waiting: tuple[Household, ...], target: float, seed: int,
            policy: Policy, *, current_only: bool = False) -> tuple[AllocationProblem, Caseload]:
    """The caseload scaled so that current load (+ waiting demand unless `current_only`)
    is `target` x the team's benchmark."""
    scheme = load_scheme("tower-hamlets")
    n_workers = len(team.workers)
    trial = build_problem(scheme, policy, team, make_caseload(
        np.random.default_rng(seed + 1), team, n_workers * 10, ON), waiting, ON)
    capacity = sum(w.benchmark for w in trial.workers)
    per_child = sum(w.load for w in trial.workers) / (n_workers * 10)
    demand = 0.0 if current_only else sum(h.points for h in trial.households)
    children = max(int((target * capacity - demand) / per_child), 0)
    caseload = make_caseload(np.random.default_rng(seed + 1), team, children, ON)
    return build_problem(scheme, policy, team, caseload, waiting, ON), caseload


def make_instance(size: str, regime: str, seed: int = 2026) -> Instance:
    """A seeded team, caseload and waiting list whose loads match the regime."""
    n_workers, n_households = SIZES[size]
    rng = np.random.default_rng(seed)
    team = make_team(random_worker_specs(rng, n_workers), ON, team_id=f"{size}-{regime}")
    waiting = make_waiting(rng, n_households, ON)
    policy = Policy(exclusions=exclusions(np.random.default_rng(seed + 7), team, waiting))
    problem, caseload = _scaled(team, waiting, REGIMES[regime], seed, policy)
    return Instance(f"{size} {n_workers}x{n_households} {regime}", problem, team, caseload,
                    waiting)


def hard_specs(rng: np.random.Generator, n: int) -> list[WorkerSpec]:
    """30-45 % NQSWs in their first year (no CP work), the rest the usual mix."""
    share = rng.uniform(0.30, 0.45)
    specs = random_worker_specs(rng, n)
    out = []
    for spec in specs:
        if rng.random() < share:
            out.append(WorkerSpec(Role.SOCIAL_WORKER, int(rng.integers(0, 12)), spec.hours))
        elif spec.role is Role.SOCIAL_WORKER and spec.months < 12:
            out.append(WorkerSpec(Role.SOCIAL_WORKER, int(rng.integers(24, 120)), spec.hours))
        else:
            out.append(spec)
    return out


def make_hard(size: str, seed: int = 2026) -> Instance:
    """A hard instance: heavy CP demand, many NQSWs, fragmented spare room (module docstring)."""
    n_workers = HARD_SIZES[size]
    rng = np.random.default_rng(seed + n_workers)
    team = make_team(hard_specs(rng, n_workers), ON, team_id=size)
    waiting = make_waiting(rng, 3 * n_workers, ON, status_p=HARD_STATUS)
    policy = Policy(exclusions=exclusions(np.random.default_rng(seed + 7), team, waiting))
    problem, caseload = _scaled(team, waiting, 0.97, seed + n_workers, policy, current_only=True)
    return Instance(f"{size} {n_workers}x{3 * n_workers}", problem, team, caseload, waiting)


def instance(family: str, size: str, regime: str | None, seed: int = 2026) -> Instance:
    if family == "hard":
        return make_hard(size, seed)
    assert regime is not None
    return make_instance(size, regime, seed)

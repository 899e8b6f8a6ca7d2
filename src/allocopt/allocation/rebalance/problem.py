"""The rebalancing question: the team's loads and every lead holding that may move.

Guidance asks for a written plan when a worker is in red: which cases to move,
to whom, agreed and recorded [000 item 7]. A transfer moves a household's lead
holding whole (siblings stay together) to a worker every hard rule allows, who
must end no higher than the policy's ``rebalancing.receive_up_to`` band (green by
default) and is not themselves giving work away. Households in active court
proceedings stay where they are unless the policy allows moving them.

The holdings become the *households* of an :class:`ExactProblem` whose ceiling
is the band a receiver may be moved into, so every hard rule applies to a
receiver unchanged. Pure: the solving is in :mod:`.model`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from allocopt.allocation.exact import ExactProblem, exact_problem, max_load_in_band
from allocopt.allocation.problem import (
    AllocationProblem,
    Policy,
    WaitingHousehold,
    build_problem,
    waiting_household,
)
from allocopt.domain import Caseload, Status, Team
from allocopt.schemes.model import Scheme
from allocopt.schemes.scoring import score_case


@dataclass(frozen=True, slots=True)
class Holding:
    """One lead holding a worker could hand over."""

    household_id: str
    worker_id: str
    points: float
    children: int
    statuses: str
    court: bool
    allocated_on: date | None
    age_days: int | None
    co_worker: str | None


@dataclass(frozen=True)
class RebalanceProblem:
    """The team now, and every lead holding that may move.

    `exact` is an :class:`ExactProblem` whose *households* are the movable
    holdings (so every hard rule applies to a receiver unchanged) and whose
    policy's ceiling is the band a receiver may be moved into.
    """

    exact: ExactProblem
    holdings: tuple[Holding, ...]
    kept_for_court: tuple[Holding, ...]
    target_band: str
    red_max: tuple[int | None, ...]
    """Highest load (scaled) that leaves each worker out of red."""
    target_max: tuple[int | None, ...]
    """Highest load (scaled) that leaves each worker in the target band or below."""


def rebalance_problem(scheme: Scheme, policy: Policy, team: Team, caseload: Caseload,
                      on: date) -> RebalanceProblem:
    """Gather the team's loads and every movable lead holding."""
    rb = policy.rebalancing
    receiving = policy.model_copy(update={
        "ceiling_band": rb.receive_up_to, "pins": (), "rules": policy.rules.model_copy(
            update={"pins": False})})
    base = build_problem(scheme, receiving, team, caseload, (), on)
    index = {h.id: h for h in caseload.households}
    co_workers = {h.household_id: h.worker_id for h in caseload.holdings
                  if h.role == "secondary"}
    team_ids = {w.id for w in team.workers}
    movable: list[Holding] = []
    as_waiting: list[WaitingHousehold] = []
    kept: list[Holding] = []
    for hold in caseload.holdings:
        if hold.role != "lead" or hold.worker_id not in team_ids:
            continue
        household = index[hold.household_id]
        case = score_case(scheme, household, hold.child_ids, on, "lead")
        if case.closed:
            continue
        held = [household.child(c) for c in hold.child_ids]
        by_status: dict[Status, int] = {}
        for child in held:
            by_status[child.status] = by_status.get(child.status, 0) + 1
        item = Holding(
            household_id=household.id, worker_id=hold.worker_id, points=case.total,
            children=len(held),
            statuses=", ".join(f"{n} {s.value}" for s, n in sorted(by_status.items())),
            court=household.court is not None, allocated_on=hold.allocated_on,
            age_days=(on - hold.allocated_on).days if hold.allocated_on else None,
            co_worker=co_workers.get(household.id))
        if item.court and not rb.move_court:
            kept.append(item)
            continue
        waiting = waiting_household(scheme, receiving, household, on)
        as_waiting.append(replace(waiting, id=f"{household.id}", points=case.total,
                                  secondary_points=0.0, co_working=False,
                                  children=len(held), by_status=by_status,
                                  previous_workers=()))
        movable.append(item)
    problem = AllocationProblem(scheme, receiving, on, base.workers, tuple(as_waiting),
                                team.type)
    ex = exact_problem(problem)
    red_index = len(scheme.rag) - 1
    below_red = scheme.rag[red_index - 1].name if red_index > 0 else scheme.rag[0].name
    target = rb.target_band
    red_max = tuple(max_load_in_band(scheme, below_red, b) for b in ex.benchmark)
    target_max = tuple(max_load_in_band(scheme, target, b) for b in ex.benchmark)
    return RebalanceProblem(ex, tuple(movable), tuple(kept), target, red_max, target_max)


def age_weight(item: Holding) -> int:
    """Days since allocation; unknown dates count as long held (moved last)."""
    return item.age_days if item.age_days is not None else 10_000

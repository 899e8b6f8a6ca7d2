"""The written plan for workers in red: the fewest transfers that bring them out.

Guidance asks for a written plan when a worker is in red: which cases to move,
to whom, agreed and recorded [000 item 7]. This module turns a team's current
caseload into that question and reads the answer:

1. **out of red**: as few workers as possible left in red, then as few
   transfers as possible, then the most recently allocated work moved first
   (the family has had least time to build a relationship with the worker);
2. **out of amber, where possible**: the same again for workers in amber,
   starting from the plan of step 1, as further transfers.

A transfer moves a household's lead holding whole (siblings stay together) to a
worker every hard rule allows, who must end no higher than the policy's
``rebalancing.receive_up_to`` band (green by default) and is not themselves
giving work away. Households in active court proceedings stay where they are
unless the policy allows moving them. The solving is in
:mod:`allocopt.allocation.cpsat_rebalance`; this module is pure.
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
from allocopt.capacity import acceptable_band, load_pct, rag_band
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


@dataclass(frozen=True, slots=True)
class Transfer:
    """One household moved from one worker to another, with the effect on both."""

    household_id: str
    children: int
    statuses: str
    points: float
    from_worker: str
    to_worker: str
    purpose: str
    allocated_on: date | None
    from_before: tuple[float, str]
    from_after: tuple[float, str]
    to_before: tuple[float, str]
    to_after: tuple[float, str]


@dataclass(frozen=True)
class RebalancePlan:
    """The plan: transfers, who is still over, and a summary to record."""

    transfers: tuple[Transfer, ...]
    still_red: tuple[str, ...]
    still_amber: tuple[str, ...]
    before: dict[str, tuple[float, str]]
    after: dict[str, tuple[float, str]]
    summary: str
    status: str
    notes: tuple[str, ...]


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


def band_after(rp: RebalanceProblem, w: int, change: int) -> tuple[float, str]:
    ex = rp.exact
    pct = load_pct(ex.to_scheme(ex.load[w] + change), ex.to_scheme(ex.benchmark[w]))
    return (pct, rag_band(ex.problem.scheme, pct).name)


def plan_from_moves(rp: RebalanceProblem, moves: list[tuple[int, int, str]], status: str,
                    notes: tuple[str, ...]) -> RebalancePlan:
    """A plan from (holding index, receiving worker, purpose) moves."""
    ex = rp.exact
    change = [0] * len(ex.workers)
    transfers = []
    for i, v, purpose in moves:
        item = rp.holdings[i]
        u = ex.worker_index[item.worker_id]
        before_u, before_v = change[u], change[v]
        change[u] -= ex.points[i]
        change[v] += ex.points[i]
        transfers.append(Transfer(
            household_id=item.household_id, children=item.children, statuses=item.statuses,
            points=item.points, from_worker=item.worker_id, to_worker=ex.workers[v].id,
            purpose=purpose, allocated_on=item.allocated_on,
            from_before=band_after(rp, u, before_u), from_after=band_after(rp, u, change[u]),
            to_before=band_after(rp, v, before_v), to_after=band_after(rp, v, change[v])))
    scheme = ex.problem.scheme
    red = scheme.rag[-1].name
    acceptable = scheme.band_index(acceptable_band(scheme).name)
    before = {w.id: band_after(rp, i, 0) for i, w in enumerate(ex.workers)}
    after = {w.id: band_after(rp, i, change[i]) for i, w in enumerate(ex.workers)}
    still_red = tuple(w for w, (_, band) in after.items() if band == red)
    still_amber = tuple(w for w, (_, band) in after.items()
                        if band != red and scheme.band_index(band) > acceptable)
    summary = _summary(rp, transfers, before, still_red, still_amber)
    return RebalancePlan(tuple(transfers), still_red, still_amber, before, after, summary,
                         status, notes)


def _summary(rp: RebalanceProblem, transfers: list[Transfer], before: dict[str, tuple[float, str]],
             still_red: tuple[str, ...], still_amber: tuple[str, ...]) -> str:
    scheme = rp.exact.problem.scheme
    red = scheme.rag[-1].name
    was_red = [w for w, (_, band) in before.items() if band == red]
    parts = []
    if not was_red:
        parts.append("Nobody is in red.")
    else:
        cleared = [w for w in was_red if w not in still_red]
        n_red = sum(1 for t in transfers if t.purpose == "out of red")
        if cleared:
            parts.append(f"{n_red} transfer{'s bring' if n_red != 1 else ' brings'} "
                         f"{', '.join(cleared)} out of red.")
        if still_red:
            parts.append(f"{', '.join(still_red)} cannot be brought out of red by transfers "
                         "within the rules: escalate for extra capacity and agree which tasks "
                         "to stop.")
    n_amber = sum(1 for t in transfers if t.purpose == "out of amber")
    if n_amber:
        parts.append(f"{n_amber} further transfer{'s bring' if n_amber != 1 else ' brings'} "
                     "workers out of amber.")
    if still_amber:
        parts.append(f"Still in amber: {', '.join(still_amber)} (de-prioritise tasks; review "
                     "in supervision).")
    if rp.kept_for_court:
        n = len(rp.kept_for_court)
        parts.append(f"{n} household{'s' if n != 1 else ''} in court proceedings "
                     f"{'was' if n == 1 else 'were'} not considered for transfer.")
    if transfers:
        parts.append("Agree each transfer with both workers and record it; transfers take "
                     "effect through the transfer panel.")
    return " ".join(parts)


def age_weight(item: Holding) -> int:
    """Days since allocation; unknown dates count as long held (moved last)."""
    return item.age_days if item.age_days is not None else 10_000


def plan_rebalance(scheme: Scheme, policy: Policy, team: Team, caseload: Caseload, on: date,
                   time_limit: float | None = None) -> RebalancePlan:
    """The rebalancing plan for a team (see the module docstring)."""
    from allocopt.allocation.cpsat_rebalance import solve_rebalance

    rp = rebalance_problem(scheme, policy, team, caseload, on)
    limit = time_limit if time_limit is not None else policy.time_limit_s
    moves, status, notes = solve_rebalance(rp, limit, policy.seed)
    return plan_from_moves(rp, moves, status, notes)

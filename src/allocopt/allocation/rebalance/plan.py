"""The written plan for workers in red: the fewest transfers that bring them out.

1. **out of red**: as few workers as possible left in red, then as few
   transfers as possible, then the most recently allocated work moved first
   (the family has had least time to build a relationship with the worker);
2. **out of amber, where possible**: the same again for workers in amber,
   starting from the plan of step 1, as further transfers.

:func:`plan_rebalance` asks :mod:`.model` for the moves and turns them into
transfers with their effect on both workers and a summary to record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from allocopt.allocation.exact import to_assignments
from allocopt.allocation.gate import RuleBreach
from allocopt.allocation.problem import Policy
from allocopt.allocation.rebalance.model import solve_rebalance
from allocopt.allocation.rebalance.problem import RebalanceProblem, rebalance_problem
from allocopt.allocation.validate import validate_exact
from allocopt.capacity import acceptable_band, load_pct, rag_band
from allocopt.domain import Caseload, Team
from allocopt.schemes.model import Scheme


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


def plan_rebalance(scheme: Scheme, policy: Policy, team: Team, caseload: Caseload, on: date,
                   time_limit: float | None = None) -> RebalancePlan:
    """The rebalancing plan for a team (see the module docstring)."""
    rp = rebalance_problem(scheme, policy, team, caseload, on)
    limit = time_limit if time_limit is not None else policy.time_limit_s
    moves, status, notes = solve_rebalance(rp, limit, policy.seed)
    check_moves(rp, moves)
    return plan_from_moves(rp, moves, status, notes)


def check_moves(rp: RebalanceProblem, moves: list[tuple[int, int, str]]) -> None:
    """The gate for a plan: every transfer, as its receiver's lead holding, is checked by
    the independent validator against every hard rule with the receiving ceiling
    (together with what the same receiver gets in the plan); raises
    :class:`~allocopt.allocation.gate.RuleBreach` if one breaks a rule."""
    ex = rp.exact
    moved = to_assignments(ex, [(i, v, "lead") for i, v, _ in moves])
    found = tuple(validate_exact(ex, moved))
    if found:
        raise RuleBreach("rebalancing", found)

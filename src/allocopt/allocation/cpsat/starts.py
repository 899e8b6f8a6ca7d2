"""Starting points: complete allocations every stage starts from, and heuristics that
improve them before the solver is asked.

The first starting points are the greedy rule and the packing rules (heaviest
first and lightest first, best fit); the best is the first incumbent. Before a
stage's solve, its heuristic (if it has one) tries to meet the stage's bound
cheaply with the same households placed: a balancing re-deal with local search
(amber), a level-packing bisection (max load) and local search (spread); on large
meetings, before a priority tier's solve the workers who may take the tier are repacked
(:mod:`allocopt.allocation.pattern_packing`) and room is made for more of the tier's
households (:mod:`allocopt.allocation.room_making`), and before the days-waited solve
households waiting longer are swapped in (:mod:`allocopt.allocation.waiting_swaps`). Each
stage then passes the best allocation found to the solver as its hint, so a time
limit always returns a complete allocation at least as good as greedy's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from allocopt.allocation.cpsat.bounds.levels import max_load_floor
from allocopt.allocation.cpsat.model import SMALL_MODEL, CountModel
from allocopt.allocation.cpsat.solution import Candidate, candidate
from allocopt.allocation.cpsat.stages import Level
from allocopt.allocation.even_spread import even_spread
from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.objective import worker_totals
from allocopt.allocation.packing import (
    balance_search,
    balanced_assignments,
    lowest_after_assignments,
    lowest_level,
    packing_assignments,
    tier_subset_assignments,
)
from allocopt.allocation.pattern_packing import pack_by_patterns
from allocopt.allocation.problem import AllocationProblem, Assignment
from allocopt.allocation.room_making import make_room
from allocopt.allocation.types import load_types
from allocopt.allocation.waiting_swaps import longer_waiting

Heuristic = Callable[[CountModel, Candidate, float], Candidate]
"""(model, incumbent, deadline as perf_counter) -> an allocation at least as good."""


def starting_points(problem: AllocationProblem, ex: ExactProblem
                    ) -> list[tuple[str, tuple[Assignment, ...]]]:
    """(name, allocation) of the first starting points: greedy, and when greedy keeps
    the pins (is feasible) the packing rules heaviest and lightest first."""
    greedy = GreedyAllocator(objective=False).allocate(problem)
    hints = [("greedy", greedy.assignments)]
    if greedy.status == "feasible":
        hints.append(("packing", packing_assignments(ex)))
        hints.append(("packing, lightest first", packing_assignments(ex, True)))
        if large_meeting(ex):
            hints.append(("lightest of each tier, best fit", tier_subset_assignments(ex)))
            hints.append(("lowest load % after", lowest_after_assignments(ex)))
    return hints


def large_meeting(ex: ExactProblem) -> bool:
    """True when the count model will have at least SMALL_MODEL variables (counted before
    it is built: pairs the static rules allow). Small meetings (the simulator's, a team's)
    are proven from the first three starting points; on those, more starts change which
    of equally good allocations is returned, and the simulator's records with it."""
    return sum(len(t.leads) + len(t.seconds) for t in load_types(ex)) >= SMALL_MODEL


def local_search(cm: CountModel, assignments: tuple[Assignment, ...]) -> tuple[Assignment, ...]:
    """:func:`allocopt.allocation.packing.improve_balance`, once per allocation and model:
    the stages' heuristics of one meeting often start from the same allocation, or
    from one the search already settled (which it would return unchanged)."""
    found = cm.balanced.get(assignments)
    if found is None:
        found, settled = balance_search(cm.ex, assignments)
        cm.balanced[assignments] = found
        if settled:
            cm.balanced[found] = found
    return found


def improve_by_local_search(cm: CountModel, best: Candidate, deadline: float) -> Candidate:
    """Moves and swaps that lower amber, max load and spread (small meetings only); on
    large meetings, the households dealt again towards the mean
    (:func:`allocopt.allocation.even_spread.even_spread`)."""
    if cm.size >= SMALL_MODEL:
        ex = cm.ex
        totals = worker_totals(ex, best.assignments).added
        amber = frozenset(w for w, a in enumerate(totals)
                          if a > 0 and (top := ex.acceptable_max[w]) is not None
                          and ex.load[w] + a > top)
        dealt = even_spread(ex, best.assignments, best.objective.max_load, amber, deadline)
        if dealt is None:
            return best
        other = candidate(cm, dealt, "towards the mean")
    else:
        other = candidate(cm, local_search(cm, best.assignments), "local search")
    return other if other.objective.key() < best.objective.key() else best


def improve_by_levels(cm: CountModel, best: Candidate, deadline: float) -> Candidate:
    """Pack the incumbent's households under the lowest level found by bisection."""
    floor = max_load_floor(cm, best.objective.placed, best.objective.amber)
    packed = lowest_level(cm.ex, best.leads, floor, best.objective.max_load, deadline)
    if packed is None:
        return best
    options = [best, candidate(cm, packed, "levels")]
    options.append(candidate(cm, local_search(cm, packed), "levels + local search"))
    return min(options, key=lambda c: c.objective.key())


def improve_by_balancing(cm: CountModel, best: Candidate, deadline: float) -> Candidate:
    """Re-deal the incumbent's placed households heaviest first to the lightest worker."""
    options = [best, candidate(cm, local_search(cm, best.assignments), "local search")]
    dealt = balanced_assignments(cm.ex, best.leads)
    if dealt is not None:
        options.append(candidate(cm, local_search(cm, dealt), "balancing"))
    return min(options, key=lambda c: c.objective.key())


def improve_by_making_room(cm: CountModel, best: Candidate, deadline: float,
                           tier: int) -> Candidate:
    """More households of `tier` placed by repacking by pattern, then by room made for
    them by chains of exchanges (large meetings only: on small ones the solver proves the
    tier at once)."""
    if cm.size < SMALL_MODEL:
        return best
    # repacking first: at 1,000 x 5,000 overload it placed CP households up to the LP
    # bound (1,568) in 1.2 s, where the chains took 10 s to reach 1,564. At most half
    # the time: a model that cannot place more may take long to say so, and the chains
    # may still place more where sizes alone do not tell
    now = time.perf_counter()
    packed = pack_by_patterns(cm.ex, best.assignments, tier, now + (deadline - now) / 2)
    if packed is not None:
        other = candidate(cm, packed, "repacked")
        if other.objective.key() < best.objective.key():
            best = other
    made = make_room(cm.ex, best.assignments, tier, deadline)
    if made is None:
        return best
    other = candidate(cm, made, "room made")
    return other if other.objective.key() < best.objective.key() else best


def improve_by_waiting_swaps(cm: CountModel, best: Candidate, deadline: float) -> Candidate:
    """Households waiting longer placed in place of ones of their tier waiting less (large
    meetings only: on small ones the solver's answer fixes which households the spread
    stage shares out, and the simulator's records are kept as they are)."""
    if cm.size < SMALL_MODEL:
        return best
    swapped = longer_waiting(cm.ex, best.assignments, deadline)
    if swapped is None:
        return best
    other = candidate(cm, swapped, "longer waiting")
    return other if other.objective.key() < best.objective.key() else best


HEURISTICS: dict[Level, Heuristic] = {
    Level.WAITING: improve_by_waiting_swaps,
    Level.AMBER: improve_by_balancing,
    Level.MAX_LOAD: improve_by_levels,
    Level.SPREAD: improve_by_local_search,
}
"""The heuristic tried before each level's solve (levels not listed have none)."""

"""A packing rule: a second starting point for the optimiser.

Tier by tier (highest first), the heaviest household goes to the worker whose
room under the ceiling band is the tightest that still fits it (best fit
decreasing). Where the manager's rule spreads work evenly and so fragments the
spare room, this keeps large gaps for large households, and under overload it
often places more priority. The optimiser starts from whichever is better.
"""

from __future__ import annotations

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.greedy import GreedyAllocator, pinned, to_assignments
from allocopt.allocation.problem import Assignment
from allocopt.allocation.rules import RoleName, Taken, allowed


def packing_order(ex: ExactProblem) -> list[int]:
    """Households by tier, heaviest first, then longest waiting, then id."""
    return sorted(range(len(ex.households)),
                  key=lambda h: (ex.households[h].tier, -ex.points[h],
                                 -ex.households[h].waiting_days, ex.households[h].id))


def _room(ex: ExactProblem, w: int, taken: Taken) -> int:
    top = ex.ceiling_max[w]
    if top is None or not ex.problem.policy.rules.band_ceiling:
        return 10**15
    return top - ex.load[w] - taken.load


def packing_assignments(ex: ExactProblem) -> tuple[Assignment, ...]:
    """Best fit decreasing within each tier, every hard rule kept (pins placed first)."""
    taken = [Taken() for _ in ex.workers]
    chosen: list[tuple[int, int, RoleName]] = []
    greedy = GreedyAllocator()
    pins = pinned(ex)
    for h, w in pins:
        if allowed(ex, w, h, "lead", taken[w]):
            _place(ex, greedy, h, w, taken, chosen)
    skip = {h for h, _ in pins}
    for h in packing_order(ex):
        if h in skip:
            continue
        fits = [(_room(ex, w, taken[w]), ex.workers[w].id, w) for w in range(len(ex.workers))
                if allowed(ex, w, h, "lead", taken[w])]
        for _, _, w in sorted(fits):
            if _place(ex, greedy, h, w, taken, chosen):
                break
    return to_assignments(ex, chosen)


def _place(ex: ExactProblem, greedy: GreedyAllocator, h: int, w: int, taken: list[Taken],
           chosen: list[tuple[int, int, RoleName]]) -> bool:
    taken[w].add(ex, h, "lead")
    if ex.households[h].co_working:
        second = greedy.best_worker(ex, h, "secondary", taken, exclude=w)
        if second is None:
            taken[w].remove(ex, h, "lead")
            return False
        taken[second].add(ex, h, "secondary")
        chosen.append((h, second, "secondary"))
    chosen.append((h, w, "lead"))
    return True

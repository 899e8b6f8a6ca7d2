"""A meeting with few households waiting, decided exactly by trying every allocation.

Many of the simulator's meetings put one or two households to the team (the duty
manager's S47 referrals, a quiet week). Then the possible allocations are few:
each household waits, or goes to one of the workers allowed to lead it (with, if
co-worked, one allowed co-worker). They are tried in order of priority placed
(level 1 of :mod:`allocopt.allocation.objective`: every set of households that
could be placed, the best set first); the first set any allocation can place is
optimal on level 1, and every allocation of it is evaluated with the exact
lexicographic objective. The best is the proven optimum on every level, found
without building a model. Ties go to the first in worker id order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.greedy import pinned, to_assignments
from allocopt.allocation.objective import Objective, evaluate, tier_count
from allocopt.allocation.problem import Assignment
from allocopt.allocation.rules import RoleName, Taken, still_allowed
from allocopt.allocation.types import allowed_workers

MAX_ALLOCATIONS = 256
"""Meetings with at most this many possible allocations (before the rules that depend
on the rest of the allocation) are enumerated. Measured on the simulator's meetings:
1.1 ms against 1.4 ms for the model at 200-250 allocations, 0.3-0.7 ms against
1.0-1.3 ms below 128; slower than the model beyond about 300."""

Choice = tuple[tuple[int, int, RoleName], ...]
"""One household's placement: (household, worker, role) for the lead and any co-worker."""


def small_meeting(ex: ExactProblem,
                  limit: int = MAX_ALLOCATIONS) -> tuple[tuple[Assignment, ...], Objective] | None:
    """The best allocation of a small meeting and its objective.

    None when the meeting has a pin (pins go through the optimiser's conflict
    analysis) or more than `limit` possible allocations.
    """
    if pinned(ex) or not ex.households:
        return None
    choices = [_choices(ex, h) for h in range(len(ex.households))]
    size = 1
    for options in choices:
        size *= len(options) + 1
        if size > limit:
            return None
    households = range(len(ex.households))
    best: tuple[tuple[Assignment, ...], Objective] | None = None
    for group in _by_priority(ex, [h for h in households if choices[h]]):
        for placed in group:
            for allocation in itertools.product(*(choices[h] for h in placed)):
                chosen = [step for choice in allocation for step in choice]
                if not _keeps_rules(ex, chosen):
                    continue
                assignments = to_assignments(ex, chosen)
                objective = evaluate(ex, assignments)
                if best is None or objective.key() < best[1].key():
                    best = (assignments, objective)
        if best is not None:
            return best
    nobody: tuple[Assignment, ...] = ()
    return nobody, evaluate(ex, nobody)


def _choices(ex: ExactProblem, h: int) -> list[Choice]:
    """Where household `h` may go by the rules that do not depend on the rest: each
    allowed lead (with each allowed co-worker, if co-worked), in worker id order."""
    leads, seconds = allowed_workers(ex)[h]
    if not ex.households[h].co_working:
        return [((h, w, "lead"),) for w in leads]
    return [((h, w, "lead"), (h, s, "secondary")) for w in leads for s in seconds if s != w]


def _by_priority(ex: ExactProblem, placeable: list[int]) -> Iterator[list[tuple[int, ...]]]:
    """Sets of households, grouped by their value on level 1 (households placed per
    tier, then days waited), best group first."""
    sets: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
    tiers = tier_count(ex)
    for n in range(len(placeable), 0, -1):
        for subset in itertools.combinations(placeable, n):
            placed = [0] * tiers
            waited = 0
            for h in subset:
                placed[ex.households[h].tier] += 1
                waited += ex.households[h].waiting_days
            key = (*(-p for p in placed), -waited)
            sets.setdefault(key, []).append(subset)
    for key in sorted(sets):
        yield sets[key]


def _keeps_rules(ex: ExactProblem, chosen: list[tuple[int, int, RoleName]]) -> bool:
    """The rules that depend on what else a worker takes (band ceiling, count caps, the
    student limit), for placements the other rules allow one by one."""
    taken: dict[int, Taken] = {}
    for h, w, role in chosen:
        mine = taken.setdefault(w, Taken())
        if not still_allowed(ex, w, h, role, mine):
            return False
        mine.add(ex, h, role)
    return True

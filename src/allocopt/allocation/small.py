"""A meeting with few households waiting, decided exactly by searching every allocation.

Many of the simulator's meetings put a handful of households to the team (the duty
manager's S47 referrals, a quiet week). Then the allocations can be searched
directly. Sets of households are tried in order of priority placed (level 1 of
:mod:`allocopt.allocation.objective`: households per tier, then days waited), the
best set first; the first set that some allocation places is optimal on level 1.
Its allocations are searched depth first (heaviest household first, workers in id
order), every hard rule kept, each complete allocation evaluated with the exact
lexicographic objective. A partial allocation whose workers moved into amber and
max load % already exceed the best found is cut off: giving more work never lowers
either. The result is the proven optimum on every level, found without a model.
Ties go to the first found. A search that grows beyond a node budget is abandoned
(deterministically) and the meeting goes to the model instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from allocopt.allocation.exact import ExactProblem, pct_units, to_assignments
from allocopt.allocation.objective import Objective, evaluate, evaluate_steps, tier_count
from allocopt.allocation.problem import Assignment, RoleName
from allocopt.allocation.rule_checks import required, still_allowed
from allocopt.allocation.rule_forms import Taken
from allocopt.allocation.types import allowed_workers

MAX_HOUSEHOLDS = 3
"""Meetings with more households than this go to the model. Measured on the
simulator's meetings: with three households the search took 0.35 s where the model
took 0.9 s (388 meetings); with four they were even, with five or six the model won."""

MAX_NODES = 1_000
"""Placements a search may try before it gives the meeting to the model."""

Choice = tuple[tuple[int, int, RoleName], ...]
"""One household's placement: (household, worker, role) for the lead and any co-worker."""

Best = tuple[tuple[Assignment, ...], Objective]


def small_meeting(ex: ExactProblem, limit: int = MAX_NODES, most: int = MAX_HOUSEHOLDS
                  ) -> Best | None:
    """The best allocation of a small meeting and its objective.

    Only sets of households that include every placement a rule requires (the pins)
    are searched. None when the meeting has more than `most` households, needs more
    than `limit` placements searched, or cannot place what the pins require (the
    optimiser's conflict analysis says why).
    """
    n = len(ex.households)
    if not n or n > most:
        return None
    must = {h for h, _ in required(ex)}
    choices = [_choices(ex, h) for h in range(n)]
    search = _Search(ex, choices, limit)
    for group in _by_priority(ex, [h for h in range(n) if choices[h]]):
        for placed in group:
            if must <= set(placed) and not search.run(placed):
                return None
        if search.best is not None:
            return search.best
    if must:
        return None
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


class _Search:
    """Depth-first search over the allocations of a set of households (module docstring)."""

    def __init__(self, ex: ExactProblem, choices: list[list[Choice]], limit: int) -> None:
        self.ex = ex
        self.choices = choices
        self.nodes = limit
        self.best: Best | None = None
        self.taken: dict[int, Taken] = {}
        self.added = [0] * len(ex.workers)
        self.chosen: list[tuple[int, int, RoleName]] = []

    def run(self, placed: tuple[int, ...]) -> bool:
        """Search the allocations placing exactly `placed`; False if over the budget."""
        points = self.ex.points
        order = sorted(placed, key=lambda h: (-points[h], h))
        return self._place(order, 0)

    def _place(self, order: list[int], i: int) -> bool:
        if i == len(order):
            objective = evaluate_steps(self.ex, self.chosen)
            if self.best is None or objective.key() < self.best[1].key():
                self.best = (to_assignments(self.ex, self.chosen), objective)
            return True
        for choice in self.choices[order[i]]:
            self.nodes -= 1
            if self.nodes < 0:
                return False
            done = 0
            for step in choice:
                if not self._take(step):
                    break
                done += 1
            if done == len(choice) and not self._worse() and not self._place(order, i + 1):
                return False
            for step in reversed(choice[:done]):
                self._give_back(step)
        return True

    def _take(self, step: tuple[int, int, RoleName]) -> bool:
        """Give the placement to its worker if the cumulative rules allow it."""
        ex = self.ex
        h, w, role = step
        mine = self.taken.get(w)
        if mine is None:
            mine = self.taken[w] = Taken()
        if not still_allowed(ex, w, h, role, mine):
            return False
        mine.add(ex, h, role)
        self.added[w] += ex.points[h] if role == "lead" else ex.secondary[h]
        self.chosen.append(step)
        return True

    def _give_back(self, step: tuple[int, int, RoleName]) -> None:
        ex = self.ex
        h, w, role = step
        self.taken[w].remove(ex, h, role)
        self.added[w] -= ex.points[h] if role == "lead" else ex.secondary[h]
        self.chosen.pop()

    def _worse(self) -> bool:
        """True when workers moved into amber and the max load % so far already exceed
        the best allocation's: more work can only raise both."""
        if self.best is None:
            return False
        ex, best = self.ex, self.best[1]
        amber = top = 0
        for w, extra in enumerate(self.added):
            if extra > 0:
                limit = ex.acceptable_max[w]
                if limit is not None and ex.load[w] + extra > limit:
                    amber += 1
                top = max(top, pct_units(ex.load[w] + extra, ex.benchmark[w]))
        return (amber, max(top, ex.standing)) > (best.amber, best.max_load)

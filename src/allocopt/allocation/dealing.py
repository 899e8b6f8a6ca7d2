"""Dealing households to workers one at a time, every hard rule kept.

The shared mechanics of the greedy rule and the optimiser's other starting
points: which workers the static rules allow for each household (worked out
once per load type and kind of worker, :mod:`allocopt.allocation.types`), what
each worker has taken so far, and placing a household with its co-worker.
Rule checks while dealing go through :func:`allocopt.allocation.rules.still_allowed`,
so a 1,000 x 5,000 deal takes seconds, not minutes.
"""

from __future__ import annotations

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.objective import preference_score
from allocopt.allocation.problem import Assignment
from allocopt.allocation.rules import RoleName, Taken, still_allowed
from allocopt.allocation.types import load_types

INFINITE_LOAD = float("inf")


class Dealer:
    """A deal in progress: what each worker has taken and who may take what."""

    def __init__(self, ex: ExactProblem) -> None:
        self.ex = ex
        self.taken = [Taken() for _ in ex.workers]
        self.chosen: list[tuple[int, int, RoleName]] = []
        self.static_leads: list[tuple[int, ...]] = [()] * len(ex.households)
        self.static_seconds: list[tuple[int, ...]] = [()] * len(ex.households)
        for t in load_types(ex):
            for h in t.households:
                self.static_leads[h] = t.leads
                self.static_seconds[h] = t.seconds

    def load_pct(self, w: int, extra: int = 0) -> float:
        """Load as a fraction of benchmark now (plus `extra`); no benchmark sorts last.

        A float is exact enough to order two workers: the division is correctly
        rounded, so equal fractions give equal floats, and distinct fractions of
        the sizes met here differ by far more than the rounding.
        """
        b = self.ex.benchmark[w]
        if b <= 0:
            return INFINITE_LOAD
        return (self.ex.load[w] + self.taken[w].load + extra) / b

    def allowed(self, h: int, role: RoleName, exclude: int | None = None) -> list[int]:
        """Workers every hard rule allows to take household `h` in `role` now."""
        static = self.static_leads[h] if role == "lead" else self.static_seconds[h]
        ex, taken = self.ex, self.taken
        return [w for w in static if w != exclude and still_allowed(ex, w, h, role, taken[w])]

    def least_loaded(self, h: int, role: RoleName, exclude: int | None = None) -> list[int]:
        """Allowed workers, lowest load % first (ties: better match, then worker id)."""
        ex = self.ex
        keyed = [(self.load_pct(w), w) for w in self.allowed(h, role, exclude)]
        if not keyed:
            return []
        keyed.sort()

        def tie(item: tuple[float, int]) -> tuple[float, int, str]:
            w = item[1]
            pref = preference_score(ex, w, h) if role == "lead" else 0
            return (item[0], -pref, ex.workers[w].id)

        return [w for _, w in sorted(keyed, key=tie)]

    def first_least_loaded(self, h: int, role: RoleName, exclude: int | None = None) -> int | None:
        """The least-loaded allowed worker (the cheap path of :meth:`least_loaded`)."""
        best: tuple[float, int, str] | None = None
        best_w = None
        ex = self.ex
        for w in self.allowed(h, role, exclude):
            pct = self.load_pct(w)
            if best is not None and pct > best[0]:
                continue
            pref = preference_score(ex, w, h) if role == "lead" else 0
            key = (pct, -pref, ex.workers[w].id)
            if best is None or key < best:
                best, best_w = key, w
        return best_w

    def place(self, h: int, w: int) -> bool:
        """Give `h` to `w` as lead, with the least-loaded co-worker if co-worked."""
        ex = self.ex
        self.taken[w].add(ex, h, "lead")
        if ex.households[h].co_working:
            second = self.first_least_loaded(h, "secondary", exclude=w)
            if second is None:
                self.taken[w].remove(ex, h, "lead")
                return False
            self.taken[second].add(ex, h, "secondary")
            self.chosen.append((h, second, "secondary"))
        self.chosen.append((h, w, "lead"))
        return True

    def assignments(self) -> tuple[Assignment, ...]:
        """The deal so far, in a fixed order (household id, lead before secondary)."""
        ex = self.ex
        out = [
            Assignment(ex.households[h].id, ex.workers[w].id, role,
                       ex.households[h].points if role == "lead"
                       else ex.households[h].secondary_points)
            for h, w, role in self.chosen
        ]
        return tuple(sorted(out, key=lambda a: (a.household_id, a.role != "lead")))

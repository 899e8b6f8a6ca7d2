"""Dealing households to workers one at a time, every hard rule kept.

The shared mechanics of the greedy rule and the optimiser's other starting
points: which workers the static rules allow for each household (worked out
once per kind of household and of worker, :mod:`allocopt.allocation.types`), what
each worker has taken so far, and placing a household with its co-worker.

Each household's scan over workers is done on numpy arrays: the band ceiling
and the load % of every statically allowed worker at once, then the rows of the
rules that concern only some workers (count caps, the student limit) through
:func:`allocopt.allocation.rule_checks.still_allowed`, in the order the caller wants.
A 1,000 x 5,000 deal takes about a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from allocopt.allocation.exact import ExactProblem, to_assignments
from allocopt.allocation.objective import preference_score
from allocopt.allocation.problem import Assignment, RoleName
from allocopt.allocation.rule_checks import load_ceilings, other_limits, still_allowed
from allocopt.allocation.rule_forms import Taken
from allocopt.allocation.types import allowed_workers

INFINITE_LOAD = float("inf")
NO_CEILING = int(np.iinfo(np.int64).max // 4)
SMALL_SCAN = 48
"""Up to this many candidate workers a scan is done in plain Python, not numpy."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Fixed:
    """What every deal of a problem starts from (worked out once per problem: a meeting
    deals several times, for greedy, the packings and the heuristics)."""

    static_leads: list[tuple[int, ...]]
    static_seconds: list[tuple[int, ...]]
    arrays: dict[tuple[int, ...], IntArray]
    """Allowed workers as arrays, by their tuple (shared: they never change)."""
    load: IntArray
    benchmark: IntArray
    ceiling_list: list[int]
    ceiling: IntArray
    """The load-only rows (the band ceiling) by arithmetic, for every worker at once."""
    special: npt.NDArray[np.bool_]
    """Workers whose other rows need a look (count caps, the student limit, ...)."""
    rank: IntArray
    """Each worker's place in id order: ties broken by id without comparing strings."""
    rank_list: list[int]
    """The same as a list (the plain-Python scans of small teams)."""


def _fixed(ex: ExactProblem) -> _Fixed:
    known = ex.derived.get("dealing")
    if known is None:
        n = len(ex.workers)
        allowed = allowed_workers(ex)
        ceiling = [c if c is not None else NO_CEILING for c in load_ceilings(ex)]
        by_id = sorted(range(n), key=lambda w: ex.workers[w].id)
        rank = np.empty(n, dtype=np.int64)
        rank[by_id] = np.arange(n)
        known = ex.derived["dealing"] = _Fixed(
            [leads for leads, _ in allowed], [seconds for _, seconds in allowed], {},
            np.array(ex.load, dtype=np.int64), np.array(ex.benchmark, dtype=np.int64),
            ceiling, np.array(ceiling, dtype=np.int64),
            np.array([bool(rows) for rows in other_limits(ex)], dtype=bool), rank,
            rank.tolist())
    return cast(_Fixed, known)


class Dealer:
    """A deal in progress: what each worker has taken and who may take what."""

    def __init__(self, ex: ExactProblem) -> None:
        self.ex = ex
        n = len(ex.workers)
        self.taken = [Taken() for _ in range(n)]
        self.chosen: list[tuple[int, int, RoleName]] = []
        self._at: dict[tuple[int, int, RoleName], int] = {}
        """Where each step is in :attr:`chosen` (so that one can be taken back at once)."""
        fixed = _fixed(ex)
        self.static_leads = fixed.static_leads
        self.static_seconds = fixed.static_seconds
        self._arrays = fixed.arrays
        self.load = fixed.load
        self.benchmark = fixed.benchmark
        self.added = np.zeros(n, dtype=np.int64)
        self._ceiling = fixed.ceiling_list
        self.ceiling = fixed.ceiling
        self.special = fixed.special
        self.rank = fixed.rank
        self._rank = fixed.rank_list

    # ------------------------------------------------------------- state

    def take(self, h: int, w: int, role: RoleName) -> None:
        """Record `w` taking `h` in `role` (without checking)."""
        self.taken[w].add(self.ex, h, role)
        self.added[w] = self.taken[w].load

    def give_back(self, h: int, w: int, role: RoleName) -> None:
        self.taken[w].remove(self.ex, h, role)
        self.added[w] = self.taken[w].load

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

    # ------------------------------------------------------------ choices

    def static(self, h: int, role: RoleName) -> IntArray:
        workers = self.static_leads[h] if role == "lead" else self.static_seconds[h]
        known = self._arrays.get(workers)
        if known is None:
            known = self._arrays[workers] = np.array(workers, dtype=np.int64)
        return known

    def fitting(self, h: int, role: RoleName, exclude: int | None = None) -> IntArray:
        """Statically allowed workers the band ceiling still lets take `h` in `role`."""
        ws = self.static(h, role)
        if ws.size == 0:
            return ws
        extra = self.ex.points[h] if role == "lead" else self.ex.secondary[h]
        total = self.added[ws] + extra
        ok = (total <= 0) | (self.load[ws] + total <= self.ceiling[ws])
        if exclude is not None:
            ok &= ws != exclude
        return ws[ok]

    def _passes(self, h: int, w: int, role: RoleName) -> bool:
        return not self.special[w] or still_allowed(self.ex, w, h, role, self.taken[w])

    def allowed_now(self, h: int, w: int) -> bool:
        """The rules beyond the ceiling, for a worker :meth:`fitting` returned."""
        return self._passes(h, w, "lead")

    def allowed(self, h: int, role: RoleName, exclude: int | None = None) -> list[int]:
        """Workers every hard rule allows to take household `h` in `role` now."""
        return [int(w) for w in self.fitting(h, role, exclude) if self._passes(h, int(w), role)]

    def by_load(self, h: int, role: RoleName, exclude: int | None = None) -> Iterator[int]:
        """Allowed workers, lowest load % first (ties: better match, then worker id)."""
        workers = self.static_leads[h] if role == "lead" else self.static_seconds[h]
        if len(workers) <= SMALL_SCAN:
            ranked = self._by_load_small(h, role, workers, exclude)
        else:
            ranked = self._by_load_arrays(h, role, exclude)
        ex = self.ex
        i = 0
        while i < len(ranked):
            j = i
            while j < len(ranked) and ranked[j][0] == ranked[i][0]:
                j += 1
            tied = [w for _, w in ranked[i:j]]
            if len(tied) > 1:
                tied.sort(key=lambda w: (-preference_score(ex, w, h) if role == "lead" else 0,
                                         ex.workers[w].id))
            for w in tied:
                if self._passes(h, w, role):
                    yield w
            i = j

    def _by_load_arrays(self, h: int, role: RoleName, exclude: int | None
                        ) -> list[tuple[float, int]]:
        """(load %, worker) of the workers :meth:`fitting` returns, lowest first (stable)."""
        ws = self.fitting(h, role, exclude)
        if ws.size == 0:
            return []
        b = self.benchmark[ws]
        pct = np.where(b > 0, (self.load[ws] + self.added[ws]) / np.maximum(b, 1), np.inf)
        order = np.argsort(pct, kind="stable")
        return list(zip(pct[order].tolist(), ws[order].tolist(), strict=True))

    def _by_load_small(self, h: int, role: RoleName, workers: tuple[int, ...],
                       exclude: int | None) -> list[tuple[float, int]]:
        """The same as :meth:`_by_load_arrays` in plain Python: for a team's handful of
        workers numpy's overhead per call is larger than the work. A float quotient of
        two integers is correctly rounded either way, so the order is the same."""
        ex = self.ex
        extra = ex.points[h] if role == "lead" else ex.secondary[h]
        load, benchmark, ceiling, taken = ex.load, ex.benchmark, self._ceiling, self.taken
        out = []
        for w in workers:
            if w == exclude:
                continue
            added = taken[w].load
            total = added + extra
            if total > 0 and load[w] + total > ceiling[w]:
                continue
            b = benchmark[w]
            out.append(((load[w] + added) / b if b > 0 else INFINITE_LOAD, w))
        out.sort(key=lambda pair: pair[0])  # stable: ties keep the static (worker id) order
        return out

    def least_loaded(self, h: int, role: RoleName, exclude: int | None = None) -> list[int]:
        return list(self.by_load(h, role, exclude))

    def first_least_loaded(self, h: int, role: RoleName, exclude: int | None = None) -> int | None:
        """The least-loaded allowed worker (the first of :meth:`by_load`)."""
        return next(self.by_load(h, role, exclude), None)

    def tightest(self, h: int, level: int | None = None) -> Iterator[int]:
        """Allowed lead workers by the room they would have left, least first (best fit).

        With `level` (hundredths of a percent), room is counted under that load %
        instead of under the ceiling, and workers it does not fit are left out.
        """
        if len(self.static_leads[h]) <= SMALL_SCAN:
            for w in self._tightest_small(h, level):
                if self._passes(h, w, "lead"):
                    yield w
            return
        ws = self.fitting(h, "lead")
        if ws.size == 0:
            return
        after = self.load[ws] + self.added[ws] + self.ex.points[h]
        if level is None:
            room = self.ceiling[ws] - after
        else:
            b = self.benchmark[ws]
            room = np.where(b > 0, level * b // 10_000 - after, -1)
            keep = room >= 0
            ws, room = ws[keep], room[keep]
        for k in np.lexsort((self.rank[ws], room)):
            w = int(ws[k])
            if self._passes(h, w, "lead"):
                yield w

    def _tightest_small(self, h: int, level: int | None) -> list[int]:
        """:meth:`tightest` before the cumulative rules, in plain Python (small teams)."""
        ex = self.ex
        points = ex.points[h]
        load, taken, ceilings, rank = ex.load, self.taken, self._ceiling, self._rank
        ranked = []
        for w in self.static_leads[h]:
            total = taken[w].load + points
            after = load[w] + total
            ceiling = ceilings[w]
            if total > 0 and after > ceiling:
                continue
            if level is None:
                room = ceiling - after
            else:
                b = ex.benchmark[w]
                room = level * b // 10_000 - after if b > 0 else -1
                if room < 0:
                    continue
            # ties by place in id order: the same order as by id, without comparing strings
            ranked.append((room, rank[w], w))
        ranked.sort()
        return [w for _, _, w in ranked]

    def undo_to(self, mark: int) -> None:
        """Take back everything placed after the first `mark` steps of :attr:`chosen`."""
        while len(self.chosen) > mark:
            step = self.chosen.pop()
            self._at.pop(step, None)
            self.give_back(*step)

    def record(self, h: int, w: int, role: RoleName) -> None:
        """`w` takes `h` in `role` (without checking), as a step of the deal."""
        self.take(h, w, role)
        self._at[h, w, role] = len(self.chosen)
        self.chosen.append((h, w, role))

    def drop(self, h: int, w: int, role: RoleName) -> None:
        """Take back one step of the deal, wherever it is (the last step takes its place
        in :attr:`chosen`: the order of the steps does not matter to the deal)."""
        step = (h, w, role)
        i = self._at.pop(step)
        last = self.chosen.pop()
        if last != step:
            self.chosen[i] = last
            self._at[last] = i
        self.give_back(h, w, role)

    def place(self, h: int, w: int) -> bool:
        """Give `h` to `w` as lead, with the least-loaded co-worker if co-worked."""
        ex = self.ex
        self.take(h, w, "lead")
        if ex.households[h].co_working:
            second = self.first_least_loaded(h, "secondary", exclude=w)
            if second is None:
                self.give_back(h, w, "lead")
                return False
            self.take(h, second, "secondary")
            self._at[h, second, "secondary"] = len(self.chosen)
            self.chosen.append((h, second, "secondary"))
        self._at[h, w, "lead"] = len(self.chosen)
        self.chosen.append((h, w, "lead"))
        return True

    def assignments(self) -> tuple[Assignment, ...]:
        """The deal so far, in a fixed order (household id, lead before secondary)."""
        return to_assignments(self.ex, self.chosen)

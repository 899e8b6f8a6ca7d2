"""LP bounds on every level, from the count model's relaxation with workers alike pooled.

The LP relaxation of the count model (fractions of households allowed) bounds each
level given the levels before it: the days waited with the households placed per
tier fixed, the fewest workers moved into amber, the lowest max load % (the
smallest level at which the LP can still place them, found by bisection) and the
least spread. Unlike the cheap bounds of :mod:`.levels`, it knows who may take
what: CP households cannot use an NQSW's room, a count cap limits what an NQSW
takes, a household of 8 points does not fit a room of 5.

Workers the rules treat alike (the same load types allowed as lead and co-worker,
the same rows of the rules' linear forms) are pooled into one *class*: the LP
decides how many households of each type a class takes, within the sum of its
members' rooms and the sum of each member's most of the type (a household does not
split across workers, so a room of 5 holds no household of 8). That is a
relaxation of the per-worker LP, itself a relaxation of the model, so every bound
is valid; it has types x classes columns (a few thousand at 1,000 x 5,000) where
the per-worker LP has types x workers (a quarter of a million). Each worker keeps
its own switch "moved into amber" (the largest rooms beyond the acceptable band are
used first), and in the spread bound its own new load, with the convex hull of its
spread term over the loads it can reach (:func:`spread_facets`).

Solved with OR-Tools' GLOP. Counts and loads are small integers, so the LP's
floating point is safe once rounded towards the weaker side (``TOLERANCE``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]

from allocopt.allocation.cpsat.bounds.facets import spread_facets, worker_amounts
from allocopt.allocation.cpsat.bounds.household_sums import spread_term
from allocopt.allocation.cpsat.rooms import UNBOUNDED, PairRooms, pair_rooms
from allocopt.allocation.exact import PCT_UNITS, ExactProblem
from allocopt.allocation.objective import tier_count
from allocopt.allocation.problem import RoleName
from allocopt.allocation.types import LoadType

TOLERANCE = 1e-6
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

@dataclass
class _Class:
    members: IntArray
    kinds: list[int]
    """The forms of row its members hold (:attr:`~.rooms.PairRooms.kinds`)."""


REACH_LIMIT = 20_000
"""Rooms larger than this (in scaled units) are not rounded down to sums of households."""


class CountLp:
    """The count model's LP relaxation of one meeting, workers pooled by class (module
    docstring). Built once per meeting; each bound is one small LP (max load: a
    bisection over one LP whose rooms change with the level)."""

    def __init__(self, ex: ExactProblem, types: list[LoadType],
                 rooms: PairRooms | None = None) -> None:
        self.ex = ex
        self.types = types
        self.rooms = rooms if rooms is not None else pair_rooms(ex, types)
        n = len(ex.workers)
        self.load = np.array(ex.load, dtype=np.int64)
        self.benchmark = np.array(ex.benchmark, dtype=np.int64)
        acc = np.array([UNBOUNDED if a is None else a for a in ex.acceptable_max],
                       dtype=np.int64)
        self.calm_room = np.where(acc >= UNBOUNDED, UNBOUNDED, np.maximum(acc - self.load, 0))
        self.chunks: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
        """Per worker: (points, most, tier) of each type they may lead or co-work."""
        sig: list[list[int]] = [[] for _ in range(n)]
        for k, ws in enumerate(self.rooms.leads):
            points = types[k].points
            for w, most in zip(ws.tolist(), self.rooms.lead_most[k].tolist(), strict=True):
                sig[w].append(k)
                self.chunks[w].append((points, most, types[k].tier))
        for k, ws in enumerate(self.rooms.seconds):
            points = types[k].secondary
            for w, most in zip(ws.tolist(), self.rooms.second_most[k].tolist(), strict=True):
                sig[w].append(-1 - k)
                self.chunks[w].append((points, most, types[k].tier))
        kind_sig: list[list[int]] = [[] for _ in range(n)]
        for g, kind in enumerate(self.rooms.kinds):
            for w in kind.workers.tolist():
                kind_sig[w].append(g)
        groups: dict[Hashable, list[int]] = {}
        for w in range(n):
            if sig[w]:
                groups.setdefault((tuple(sig[w]), tuple(kind_sig[w])), []).append(w)
        self.classes = [_Class(np.array(ws, dtype=np.int64), kind_sig[ws[0]])
                        for ws in groups.values()]
        self.class_of = np.full(n, -1, dtype=np.int64)
        for c, cls in enumerate(self.classes):
            self.class_of[cls.members] = c
        self.tiers = tier_count(ex)
        self._reach: dict[tuple[int, int | None], IntArray | None] = {}

    # ------------------------------------------------------------ rooms

    def reach(self, w: int, upto: int | None = None) -> IntArray | None:
        """New loads worker `w` can reach under the ceiling with households of tiers up to
        `upto` (None: every tier); None when there are too many to list."""
        key = (w, upto)
        if key not in self._reach:
            chunks = [(p, m) for p, m, tier in self.chunks[w] if upto is None or tier <= upto]
            cap = int(self.rooms.load_room[w])
            if cap >= UNBOUNDED:
                cap = sum(p * m for p, m in chunks)
            self._reach[key] = (None if cap > REACH_LIMIT else
                                np.array(worker_amounts(chunks, cap), dtype=np.int64))
        return self._reach[key]

    def whole(self, room: IntArray, workers: IntArray, upto: int | None = None) -> IntArray:
        """Each room of `workers` rounded down to the largest sum of whole households (of
        tiers up to `upto`) the worker may take that fits in it: a valid room for any
        allocation (placing nothing of the tiers below `upto`)."""
        out = room.copy()
        for i, w in enumerate(workers.tolist()):
            sums = self.reach(w, upto)
            if sums is not None and room[i] < UNBOUNDED:
                out[i] = sums[np.searchsorted(sums, room[i], side="right") - 1]
        return out

    def level_room(self, level: int | None) -> IntArray:
        """Per worker: new load they may take under the ceiling (and at or below `level`
        load %, if given: a worker already above it may take nothing)."""
        room = self.rooms.load_room.copy()
        if level is not None:
            b = self.benchmark
            at = np.where(b > 0, level * b // PCT_UNITS - self.load, 0)
            room = np.minimum(room, np.maximum(at, 0))
        return room

    # ----------------------------------------------------------- bounds

    def priority_tiers(self, placed: tuple[int, ...] | None) -> tuple[list[float], int | None]:
        """LP optimum of each tier, highest first, each held at `placed` (None: at the floor
        of its own optimum) before the next; and the first tier `placed` falls short of.

        Tier t's LP leaves out the tiers below it (taking them off never lowers tier t),
        so each worker's room is rounded down to sums of households of tiers up to t: a
        room of 9 holds one CP household of 5 however many 2-point CIN households
        there are.
        """
        found: list[float] = []
        sizes = [0] * self.tiers
        for t in self.types:
            sizes[t.tier] += t.size
        held: list[int] = []
        for tier in range(self.tiers):
            if not sizes[tier]:
                held.append(0)
                continue
            lp = _Lp(self, (*held, *([None] * (self.tiers - tier))), None, None,
                     upto=tier)
            cols = lp.tier_cols.get(tier)
            if not cols:
                found.append(0.0)  # nobody may take any of this tier
                held.append(0)
                continue
            value = lp.solve(cols, maximise=True)
            if math.isnan(value):
                value = float(sizes[tier])
            found.append(value)
            best = math.floor(value + TOLERANCE)
            if placed is not None and placed[tier] < best:
                return found, tier
            held.append(best if placed is None else placed[tier])
        return found, None

    def waited_bound(self, placed: tuple[int, ...]) -> int | None:
        """Most days waited by any allocation placing `placed` households per tier."""
        lp = _Lp(self, placed, None, None)
        value = lp.solve(lp.day_cols, maximise=True)
        return None if math.isnan(value) else math.floor(value + TOLERANCE)

    def amber_bound(self, placed: tuple[int, ...], waited: int | None) -> int | None:
        """Fewest workers moved into amber by any allocation with these values on level 1."""
        lp = _Lp(self, placed, waited, None)
        value = lp.solve(lp.amber_cols, maximise=False)
        return None if math.isnan(value) else math.ceil(value - TOLERANCE)

    def max_load_bound(self, placed: tuple[int, ...], waited: int | None, amber: int,
                       high: int, low: int = 0) -> int | None:
        """Lowest max load % (hundredths) of the team: the team's highest before the
        meeting, or the smallest level in [`low`, `high`] at which the LP places these
        households (nobody given work above it) with at most `amber` workers moved into
        amber, found by bisection (None if not even `high`)."""
        standing = self.ex.standing
        if sum(placed) == 0 or high <= standing:
            return standing
        lp = _Lp(self, placed, waited, amber, level=high)
        if not lp.feasible():
            return None
        lo, hi = max(low, standing), high
        while lo < hi:
            mid = (lo + hi) // 2
            lp.set_level(mid)
            if lp.feasible():
                hi = mid
            else:
                lo = mid + 1
        return lo

    def spread_bound(self, placed: tuple[int, ...], waited: int | None, amber: int,
                     top: int, total: int) -> int | None:
        """Least spread (hundredths) of any allocation with these values on the levels
        before it that gives the team `total` new load."""
        if not self.ex.team:
            return 0
        lp = _Lp(self, placed, waited, amber, level=top, total=total)
        value = lp.solve(lp.spread_cols, maximise=False)
        return None if math.isnan(value) else math.ceil(value + lp.spread_constant - TOLERANCE)


class _Lp:
    """One GLOP model of :class:`CountLp`: the counts per (type, class), the tiers held at
    `placed`, days waited at least `waited`, at most `amber` workers moved into amber,
    rooms at `level` (changed by :meth:`set_level`) and, with `total`, the spread rows."""

    def __init__(self, count: CountLp, placed: tuple[int | None, ...] | None,
                 waited: int | None, amber: int | None, level: int | None = None,
                 total: int | None = None, upto: int | None = None) -> None:
        self.count = count
        s = self.solver = pywraplp.Solver.CreateSolver("GLOP")
        # Without presolve GLOP keeps its basis between solves: the bisection's LPs after
        # the first take a few milliseconds instead of a tenth of a second each.
        s.SetSolverSpecificParametersAsString("use_preprocessing: false")
        inf = self.inf = s.infinity()
        ex, types, rooms = count.ex, count.types, count.rooms
        self.impossible = False
        self.tier_cols: dict[int, list[pywraplp.Variable]] = {}
        self.day_cols: list[pywraplp.Variable] = []
        self.amber_cols: list[pywraplp.Variable] = []
        self.spread_cols: list[pywraplp.Variable] = []
        self.spread_constant = 0
        # the widest rooms (under the ceiling): no variable is needed where even they allow
        # nothing
        self.upto = upto
        ceiling = count.whole(count.level_room(None), np.arange(len(ex.workers)), upto)
        self.x: list[tuple[int, int, bool, pywraplp.Variable]] = []
        n_classes = len(count.classes)
        load_rows = [s.Constraint(-inf, inf) for _ in range(n_classes)]
        kind_rows: dict[tuple[int, int], pywraplp.Constraint] = {}
        self.load_rows = load_rows

        def in_kinds(c: int, var: pywraplp.Variable, k: int, role: RoleName) -> None:
            """The column in each row its class holds (a count cap, a student's children)."""
            cls = count.classes[c]
            for g in cls.kinds:
                kind = rooms.kinds[g]
                used = rooms.weights.of(kind.row, k, role)
                if used:
                    row = kind_rows.get((c, g))
                    if row is None:
                        top = float(kind.rooms[np.isin(kind.workers, cls.members)].sum())
                        row = kind_rows[c, g] = s.Constraint(-inf, top)
                    row.SetCoefficient(var, used)

        placed_var: list[pywraplp.Variable | None] = []
        for k, t in enumerate(types):
            if upto is not None and t.tier > upto:
                placed_var.append(None)
                continue
            most = self._class_most(k, ceiling, second=False)
            cols = np.nonzero(most > 0)[0].tolist()
            if not cols:
                placed_var.append(None)
                continue
            n_k = s.NumVar(0, t.size, "")
            placed_var.append(n_k)
            self.tier_cols.setdefault(t.tier, []).append(n_k)
            link = s.Constraint(0, 0)
            link.SetCoefficient(n_k, -1)
            for c in cols:
                var = s.NumVar(0, float(most[c]), "")
                self.x.append((k, c, False, var))
                link.SetCoefficient(var, 1)
                if t.points:
                    load_rows[c].SetCoefficient(var, t.points)
                in_kinds(c, var, k, "lead")
            if t.co_working:
                most2 = self._class_most(k, ceiling, second=True)
                pairing = s.Constraint(0, 0)
                pairing.SetCoefficient(n_k, -1)
                for c in np.nonzero(most2 > 0)[0].tolist():
                    var = s.NumVar(0, float(most2[c]), "")
                    self.x.append((k, c, True, var))
                    pairing.SetCoefficient(var, 1)
                    if t.secondary:
                        load_rows[c].SetCoefficient(var, t.secondary)
                    in_kinds(c, var, k, "secondary")
            # days waited: concave in how many are placed (longest waiting first)
            days = [ex.households[h].waiting_days for h in t.households]
            d = s.NumVar(0, sum(days), "")
            self.day_cols.append(d)
            prefix = 0
            for j, slope in enumerate(days):
                if j == 0 or slope != days[j - 1]:
                    row = s.Constraint(-inf, prefix - slope * j)  # d <= prefix_j + slope (n - j)
                    row.SetCoefficient(d, 1)
                    row.SetCoefficient(n_k, -slope)
                prefix += slope
        if placed is not None:
            for tier, n in enumerate(placed):
                cols_t = self.tier_cols.get(tier, [])
                if n is None:
                    continue
                if n and not cols_t:
                    self.impossible = True
                elif cols_t:
                    row = s.Constraint(n, n)
                    for var in cols_t:
                        row.SetCoefficient(var, 1)
        if waited is not None and self.day_cols:
            row = s.Constraint(waited, inf)
            for d in self.day_cols:
                row.SetCoefficient(d, 1)
        # each worker's switch "moved into amber" uses the room beyond the acceptable band
        self.y: list[tuple[int, int, pywraplp.Variable]] = []
        for c, cls in enumerate(count.classes):
            for w in cls.members.tolist():
                if ceiling[w] > min(ceiling[w], count.calm_room[w]):
                    y = s.NumVar(0, 1, "")
                    self.y.append((c, w, y))
                    self.amber_cols.append(y)
        if amber is not None and self.amber_cols:
            row = s.Constraint(-inf, amber)
            for y in self.amber_cols:
                row.SetCoefficient(y, 1)
        self.a: list[tuple[int, pywraplp.Variable]] = []
        if total is not None:
            self._spread_rows(total, level)
        self.set_level(level)

    def _class_most(self, k: int, room: IntArray, second: bool) -> FloatArray:
        """Per class: the most households of type k its members may take within `room`."""
        count = self.count
        t = count.types[k]
        rooms = count.rooms
        ws = rooms.seconds[k] if second else rooms.leads[k]
        most = rooms.second_most[k] if second else rooms.lead_most[k]
        points = t.secondary if second else t.points
        if points > 0:
            most = np.minimum(most, room[ws] // points)
        return cast(FloatArray, np.bincount(count.class_of[ws],
                                            weights=most.astype(np.float64),
                                            minlength=len(count.classes)))

    def set_level(self, level: int | None) -> None:
        """Rooms at `level` load % (hundredths; None: under the ceiling only)."""
        count = self.count
        everyone = np.arange(len(count.ex.workers))
        room = count.whole(count.level_room(level), everyone, self.upto)
        calm = count.whole(np.minimum(room, count.calm_room), everyone, self.upto)
        most: dict[tuple[int, bool], FloatArray] = {}
        for k, c, second, var in self.x:
            of_type = most.get((k, second))
            if of_type is None:
                of_type = most[k, second] = self._class_most(k, room, second)
            var.SetUb(float(of_type[c]))
        for c, cls in enumerate(count.classes):
            ws = cls.members
            row = self.load_rows[c]
            row.SetUb(self.inf if (room[ws] >= UNBOUNDED).any() else float(calm[ws].sum()))
        for c, w, y in self.y:
            extra = room[w] - calm[w] if room[w] < UNBOUNDED else 0
            self.load_rows[c].SetCoefficient(y, -float(extra))
        for w, a in self.a:
            a.SetUb(float(room[w]) if room[w] < UNBOUNDED else self.inf)

    def _spread_rows(self, total: int, level: int | None) -> None:
        """Per worker: its new load A (its class's load shared among the members) and its
        spread term d >= each facet of its hull; the team's loads add up to `total`."""
        count, s, inf = self.count, self.solver, self.inf
        ex = count.ex
        pool = set(ex.team)
        sb = sum(ex.benchmark[w] for w in pool)
        sl = sum(ex.load[w] for w in pool) + total
        pool_row = s.Constraint(total, total)
        room = count.whole(count.level_room(level), np.arange(len(ex.workers)))
        seen: set[int] = set()
        for c, cls in enumerate(count.classes):
            link = self.load_rows[c]
            split = s.Constraint(0, 0)
            for var_k, var_c, second, var in self.x:
                if var_c == c:
                    t = count.types[var_k]
                    coef = t.secondary if second else t.points
                    if coef:
                        split.SetCoefficient(var, coef)
            del link
            for w in cls.members.tolist():
                seen.add(w)
                a = s.NumVar(0, inf, "")
                self.a.append((w, a))
                split.SetCoefficient(a, -1)
                if w not in pool:
                    continue
                pool_row.SetCoefficient(a, 1)
                d = s.NumVar(0, inf, "")
                self.spread_cols.append(d)
                b = ex.benchmark[w]
                row = s.Constraint(PCT_UNITS * (sb * ex.load[w] - b * sl), inf)
                row.SetCoefficient(d, b * sb)
                row.SetCoefficient(a, -PCT_UNITS * sb)
                sums = count.reach(w)
                if sums is None or room[w] >= UNBOUNDED:
                    continue
                reach = sums[:np.searchsorted(sums, room[w], side="right")].tolist()
                for f in spread_facets(ex.load[w], b, sb, sl, reach):
                    row = s.Constraint(f.offset, inf)
                    row.SetCoefficient(d, f.run)
                    row.SetCoefficient(a, -f.rise)
        for w in pool - seen:
            self.spread_constant += spread_term(ex.load[w], ex.benchmark[w], sb, sl, 0)

    # ---------------------------------------------------------- solving

    def solve(self, cols: list[pywraplp.Variable], maximise: bool) -> float:
        if self.impossible:
            return math.nan
        objective = self.solver.Objective()
        objective.Clear()
        for var in cols:
            objective.SetCoefficient(var, 1)
        if maximise:
            objective.SetMaximization()
        else:
            objective.SetMinimization()
        if self.solver.Solve() != pywraplp.Solver.OPTIMAL:
            return math.nan
        return float(objective.Value())

    def feasible(self) -> bool:
        return not math.isnan(self.solve([], maximise=False))

    def hold(self, cols: list[pywraplp.Variable], at_least: float) -> None:
        row = self.solver.Constraint(at_least - TOLERANCE, self.inf)
        for var in cols:
            row.SetCoefficient(var, 1)

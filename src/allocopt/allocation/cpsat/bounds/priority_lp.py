"""Linear-programming bounds on the priority level (OR-Tools' GLOP).

The LP relaxation of the count model (fractions of households allowed) bounds
how many households of each tier any allocation can place. It is solved tier by
tier, highest first, each tier's count held at the incumbent's before the next:
when the incumbent meets every tier's bound its priority is proven optimal
without a CP-SAT search, and otherwise the first tier it falls short on gives a
valid bound on the weighted priority. Counts are small numbers, so the LP's
floating point is safe here where the tier weights (up to 2^50) would not be.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.objective import tier_sizes, tier_weights
from allocopt.allocation.problem import RoleName
from allocopt.allocation.rule_checks import load_rooms, other_limits
from allocopt.allocation.types import LoadType

TOLERANCE = 1e-6


@dataclass(frozen=True)
class PriorityBound:
    """The LP's verdict on an incumbent's households placed per tier."""

    tiers: tuple[float, ...]
    """LP optimum of each tier examined, with the tiers above held at the incumbent's."""
    short_at: int | None
    """First tier where the incumbent places fewer than the LP allows (None: proven)."""
    weighted: int
    """A bound on the weighted priority of any allocation."""


def priority_bound(ex: ExactProblem, types: list[LoadType], placed: tuple[int, ...] | None
                   ) -> PriorityBound:
    """LP bounds on households placed per tier, highest tier first (module docstring).

    With `placed` None, each tier is held at the floor of its own LP optimum before
    the next: a bound on the weighted priority that depends on no allocation (any
    allocation short of a floor at some tier loses more weight than all the tiers
    below can give back).
    """
    sizes = tier_sizes(ex)
    weights = tier_weights(ex)
    if placed is not None and list(placed) == sizes:
        # everybody placed: nothing to bound
        everyone = tuple(float(n) for n in sizes if n)
        return PriorityBound(everyone, None, sum(w * n for w, n in zip(weights, sizes,
                                                                      strict=True)))
    solver = pywraplp.Solver.CreateSolver("GLOP")
    infinity = solver.infinity()
    load_room = load_rooms(ex)
    others = other_limits(ex)
    # Rows are built with the solver's own objects rather than Python expressions: the
    # simulator asks for this bound at every meeting, and the expression layer cost
    # more than the LP.
    lead: dict[int, list[pywraplp.Variable]] = {}
    load: dict[Hashable, pywraplp.Constraint] = {}
    limit_rows: dict[Hashable, pywraplp.Constraint] = {}

    def row(rows: dict[Hashable, pywraplp.Constraint], key: Hashable,
            top: float) -> pywraplp.Constraint:
        found = rows.get(key)
        if found is None:
            found = rows[key] = solver.Constraint(-infinity, top)
        return found

    def count(k: int, w: int, role: RoleName, points: int) -> pywraplp.Variable:
        var = solver.NumVar(0, types[k].size, "")
        room = load_room[w]
        row(load, w, infinity if room is None else room).SetCoefficient(var, points)
        for i, limit in enumerate(others[w]):
            used = limit.weight(ex, types[k].rep, role)
            if used:
                row(limit_rows, (w, i), limit.room).SetCoefficient(var, used)
        return var

    for k, t in enumerate(types):
        for w in t.leads:
            lead.setdefault(k, []).append(count(k, w, "lead", t.points))
        if k in lead:
            total = solver.Constraint(-infinity, t.size)
            for var in lead[k]:
                total.SetCoefficient(var, 1)
        if t.co_working and k in lead:
            pairing = solver.Constraint(0, 0)
            for var in lead[k]:
                pairing.SetCoefficient(var, -1)
            for w in t.seconds:
                pairing.SetCoefficient(count(k, w, "secondary", t.secondary), 1)
    found: list[float] = []
    floors: list[int] = []
    objective = solver.Objective()
    objective.SetMaximization()
    for tier, n in enumerate(sizes):
        if n == 0:
            continue
        mine = [v for k, t in enumerate(types) if t.tier == tier for v in lead.get(k, [])]
        if not mine:
            found.append(0.0)
            floors.append(0)
            continue
        objective.Clear()
        objective.SetMaximization()
        for var in mine:
            objective.SetCoefficient(var, 1)
        status = solver.Solve()
        value = objective.Value() if status == pywraplp.Solver.OPTIMAL else float(n)
        found.append(value)
        best = min(n, math.floor(value + TOLERANCE))
        held = solver.Constraint(0, infinity)
        for var in mine:
            held.SetCoefficient(var, 1)
        if placed is None:
            floors.append(best)
            held.SetLb(best - TOLERANCE)
            continue
        if placed[tier] < best:
            bound = sum(weights[s] * placed[s] for s in range(tier)) + weights[tier] * best
            bound += sum(weights[s] * sizes[s] for s in range(tier + 1, len(sizes)))
            return PriorityBound(tuple(found), tier, bound)
        held.SetLb(min(placed[tier], value))
    if placed is None:
        present = [t for t, n in enumerate(sizes) if n]
        return PriorityBound(tuple(found), None,
                             sum(weights[t] * f for t, f in zip(present, floors, strict=True)))
    return PriorityBound(tuple(found), None, sum(w * p for w, p in zip(weights, placed,
                                                                         strict=False)))

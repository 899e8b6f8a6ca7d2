"""The optimiser as an :class:`~allocopt.allocation.problem.Allocator`.

A meeting with pins goes through the conflict analysis first (:mod:`.conflicts`);
a meeting of a few households is searched without a model
(:mod:`allocopt.allocation.small`); any other is solved stage by stage
(:mod:`.solve`) from the starting points of :mod:`.starts`, within the time limit
of the whole call.
"""

from __future__ import annotations

import time
from dataclasses import replace

from allocopt.allocation.cpsat.solve import solve
from allocopt.allocation.cpsat.stages import Level, StageReport, stage_key
from allocopt.allocation.cpsat.starts import starting_points
from allocopt.allocation.exact import ExactProblem, exact_problem
from allocopt.allocation.objective import Objective, tier_sizes
from allocopt.allocation.problem import AllocationProblem, AllocationResult, Assignment
from allocopt.allocation.rule_checks import required
from allocopt.allocation.small import small_meeting
from allocopt.allocation.types import waiting_order


def canonical(problem: AllocationProblem) -> AllocationProblem:
    """The same problem with workers and households in id order.

    The model is then built the same way whatever order the files listed them in,
    so one search worker with one seed finds the same allocation: the answer does
    not depend on input order.
    """
    workers = tuple(sorted(problem.workers, key=lambda w: w.id))
    households = tuple(sorted(problem.households, key=lambda h: h.id))
    if workers == problem.workers and households == problem.households:
        return problem
    return replace(problem, workers=workers, households=households)


class CpSatAllocator:
    """The optimiser: the five levels solved in order with CP-SAT (see
    :mod:`allocopt.allocation.cpsat`)."""

    name = "cp-sat"

    def __init__(self, time_limit_s: float | None = None, workers: int | None = None,
                 seed: int | None = None, preferences: bool = True,
                 preference_space: str | None = None, small_search: bool = True,
                 skip_at_bound: bool = True, starts: bool = True) -> None:
        """`small_search`, `skip_at_bound` and `starts` False make every meeting a model
        solved by CP-SAT stage by stage, from an empty allocation, with no stage settled
        by a bound: how the tests check the model on its own (they change the time,
        never which rules hold)."""
        self.time_limit_s = time_limit_s
        self.workers = workers
        self.seed = seed
        self.preferences = preferences
        self.preference_space = preference_space
        self.small_search = small_search
        self.skip_at_bound = skip_at_bound
        self.starts = starts

    def allocate(self, problem: AllocationProblem) -> AllocationResult:
        from allocopt.allocation.cpsat.conflicts import pin_conflicts

        start = time.perf_counter()
        problem = canonical(problem)
        ex = exact_problem(problem)
        policy = problem.policy
        limit = self.time_limit_s if self.time_limit_s is not None else policy.time_limit_s
        seed = self.seed if self.seed is not None else policy.seed
        order = [ex.households[h].id for h in waiting_order(ex)]
        solves = 0
        if required(ex):
            conflicts, solves = pin_conflicts(ex, time_limit=max(limit / 4, 1.0))
            if conflicts:
                return AllocationResult(
                    solver=self.name, assignments=(), unallocated=tuple(order),
                    status="infeasible", solve_seconds=time.perf_counter() - start,
                    notes=tuple(conflicts), solves=solves)
        small = small_meeting(ex) if self.small_search else None
        if small is not None:
            assignments, objective = small
            placed = {a.household_id for a in assignments}
            return AllocationResult(
                solver=self.name, assignments=assignments,
                unallocated=tuple(h for h in order if h not in placed), status="optimal",
                objective=objective.as_floats(), bound=objective.as_floats(),
                solve_seconds=time.perf_counter() - start,
                notes=("few households: every allocation searched, the best kept",),
                solves=solves)
        nothing: tuple[Assignment, ...] = ()
        hints = starting_points(problem, ex) if self.starts else [("nothing placed", nothing)]
        # The limit covers the whole call: the starting points count too, and 5 % is
        # kept back for reading the last solution and checking it (about 1 s at
        # 1,000 x 5,000).
        left = max(limit * 0.95 - (time.perf_counter() - start), 0.05)
        solved = solve(ex, hints, left, self.workers, seed,
                       skip_preferences=not self.preferences,
                       preference_space=self.preference_space, skip_at_bound=self.skip_at_bound)
        best = solved.best
        placed = {a.household_id for a in best.assignments}
        proven = all(r.outcome.startswith(("proven", "skipped")) for r in solved.stages)
        notes = tuple(f"{r.name}: {r.outcome} ({r.seconds:.2f}s)" for r in solved.stages)
        return AllocationResult(
            solver=self.name,
            assignments=best.assignments,
            unallocated=tuple(h for h in order if h not in placed),
            status="optimal" if proven else "feasible",
            objective=best.objective.as_floats(),
            bound=stage_bounds(ex, best.objective, solved.stages),
            build_seconds=solved.build_seconds,
            solve_seconds=time.perf_counter() - start - solved.build_seconds,
            notes=notes,
            solves=solves + solved.solves,
        )


def stage_bounds(ex: ExactProblem, obj: Objective, stages: tuple[StageReport, ...]) -> tuple[
        float, ...]:
    """The proven bound on each level, in the units of ``Objective.as_floats``.

    For the priority level, the bound is given per tier as the placed count when
    that stage was proven, else the tier's size (every household placed).
    """
    by_level = {r.level: r for r in stages}
    placed = list(obj.placed)
    sizes = tier_sizes(ex)
    tiers: list[float] = []
    proven_priority = all(r.outcome.startswith(("proven", "skipped"))
                          for r in stages if r.level is Level.PRIORITY)
    for t, n in enumerate(placed):
        tiers.append(float(n) if proven_priority else float(sizes[t]))
    out = [*tiers]
    for level, scale in ((Level.WAITING, 1.0), (Level.AMBER, 1.0), (Level.MAX_LOAD, 100.0),
                         (Level.SPREAD, 100.0), (Level.PREFERENCES, 1.0)):
        report = by_level.get(level)
        value = report.bound if report is not None else stage_key(obj, level)
        out.append(value / scale)
    return tuple(out)

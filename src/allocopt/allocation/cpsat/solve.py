"""The stages solved in order, each from the best complete allocation known.

Each stage starts from the incumbent (its full solution as CP-SAT's hint), is
skipped when the incumbent already meets the stage's bound, gets its own share of
the time limit, and leaves its value fixed as a constraint for the stages after
it. A stage that runs out of time keeps the best value found and reports its
proven bound; the solver's answer is kept only when it is lexicographically
better than the incumbent.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from allocopt.allocation.cpsat.model import SMALL_MODEL, CountModel, build_model
from allocopt.allocation.cpsat.solution import Candidate, candidate, read_solution, set_hints
from allocopt.allocation.cpsat.stages import (
    FREE_PREFERENCE_PAIRS,
    STAGE_SHARE,
    Level,
    Stage,
    StageReport,
    make_stages,
    proven_bound,
)
from allocopt.allocation.cpsat.starts import HEURISTICS
from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.packing import fill_up
from allocopt.allocation.problem import Assignment
from allocopt.allocation.types import load_types

PRESOLVE_FROM = 1_000
"""Models with fewer integer variables than this are solved without CP-SAT's presolve."""


@dataclass(frozen=True)
class Solved:
    """The best allocation found, how each stage went, and where the time went."""

    best: Candidate
    stages: tuple[StageReport, ...]
    build_seconds: float
    solve_seconds: float
    model_size: int


def solve(ex: ExactProblem, hints: list[tuple[str, tuple[Assignment, ...]]], time_limit: float,
          workers: int | None, seed: int, free_preferences: int = FREE_PREFERENCE_PAIRS,
          skip_preferences: bool = False, preference_space: str | None = None,
          proofs: bool = True) -> Solved:
    """Solve the levels in order from the best of `hints` (module docstring). `proofs`
    False leaves out the bounds by household sums (for tests: they change the time,
    never the optimum)."""
    start = time.perf_counter()
    types = load_types(ex)
    cm = build_model(ex, types)
    build = time.perf_counter() - start
    best = min((candidate(cm, a, name) for name, a in hints), key=lambda c: c.objective.key())
    reports: list[StageReport] = []
    deadline = start + time_limit
    n_workers = workers if workers is not None else (1 if cm.size < SMALL_MODEL else 2)
    # The bounds by household sums pay on small meetings (the simulator's); on large
    # ones the solver's own bounds are cheaper than their tables.
    stages = make_stages(cm, free_preferences, skip_preferences, preference_space,
                         proofs and cm.size < SMALL_MODEL)
    # A stage skipped at its bound still holds its value for the stages after it; its
    # variables and that constraint are added only if a later stage needs the solver
    # (most small meetings never do).
    pending: list[Callable[[], None]] = []
    for i, stage in enumerate(stages):
        t0 = time.perf_counter()
        start_best = best
        bound = stage.bound(best)
        current = stage.value(best.objective)
        more = i + 1 < len(stages)
        if bound is None or current != bound:
            # cheap starting points first; the solver only if they fall short
            improve = HEURISTICS.get(stage.level)
            if improve is not None:
                # same households placed, so the stage's bound (and the spread's
                # fixed total) still hold; a heuristic may use half the stage's time
                left = max(deadline - time.perf_counter(), 0.0)
                shares = [STAGE_SHARE[s.level] for s in stages[i:]]
                best = improve(cm, best, time.perf_counter() + left * shares[0] / sum(shares) / 2)
                current = stage.value(best.objective)
        if bound is not None and current == bound:
            reports.append(StageReport(stage.level, stage.name, current, bound, 0.0,
                                       "skipped: hint meets bound"))
            if more:
                pending.append(_later(cm, stage, start_best, current, best))
            continue
        if stage.proof is not None and stage.proof(start_best, best) == current:
            # A solve here would only prove the incumbent (a solve that finds nothing
            # better keeps it): the same optimum on every level.
            reports.append(StageReport(stage.level, stage.name, current, current, time.perf_counter() - t0,
                                       "skipped: proven by household sums"))
            if more:
                pending.append(_later(cm, stage, start_best, current, best))
            continue
        for add in pending:
            add()
        pending.clear()
        expr, extra = stage.build(start_best)
        left = max(deadline - time.perf_counter(), 0.0)
        shares = [STAGE_SHARE[s.level] for s in stages[i:]]
        seconds = max(left * shares[0] / sum(shares), 0.01)
        set_hints(cm, best, extra)
        found, proven, solver_bound, solver = _run(cm, expr, stage.maximise, seconds,
                                                   n_workers, seed)
        if found:
            new = candidate(cm, read_solution(cm, solver, stage.with_classes), "cp-sat")
            if stage.level is Level.PRIORITY and not proven:
                # a solve stopped early may leave room a greedy pass can still use
                filled = candidate(cm, fill_up(ex, new.assignments), "cp-sat + fill")
                new = min((new, filled), key=lambda c: c.objective.key())
            if new.objective.key() < best.objective.key():
                best = new
        current = stage.value(best.objective)
        proved = proven_bound(stage, current, bound, found, proven, solver_bound)
        reports.append(StageReport(stage.level, stage.name, current, proved, time.perf_counter() - t0,
                                   "proven" if proven else "time limit"))
        if more:
            _fix(cm, stage, expr, current, proven, best)
    return Solved(best, tuple(reports), build, time.perf_counter() - start - build, cm.size)


def _later(cm: CountModel, stage: Stage, start_best: Candidate, current: int,
           best: Candidate) -> Callable[[], None]:
    """Adding a stage skipped at its bound, with its value fixed, when a later solve needs it."""
    def add() -> None:
        expr, _ = stage.build(start_best)
        _fix(cm, stage, expr, current, True, best)

    return add


def _fix(cm: CountModel, stage: Stage, expr: cp_model.LinearExprT, current: int,
         proven: bool, best: Candidate) -> None:
    """Keep a stage's value as a constraint for the stages after it."""
    if stage.whole_priority and proven:
        # The optimum's households per tier are unique (each tier outranks all
        # below): fixing them tier by tier is the same set of allocations as the
        # weighted sum, without its large coefficients in every later LP.
        for tier, n in enumerate(best.objective.placed):
            row = [cm.placed[k] for k, t in enumerate(cm.types) if t.tier == tier]
            if row:
                cm.model.add(cp_model.LinearExpr.sum(row) == n)
    elif stage.maximise:
        cm.model.add(expr >= current + stage.offset())
    else:
        cm.model.add(expr <= current + stage.offset())


def _run(cm: CountModel, expr: cp_model.LinearExprT, maximise: bool, seconds: float,
         workers: int, seed: int) -> tuple[bool, bool, float, cp_model.CpSolver]:
    """One CP-SAT solve: (found a solution, proven optimal, best bound, solver)."""
    if maximise:
        cm.model.maximize(expr)
    else:
        cm.model.minimize(expr)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.log_search_progress = False
    if cm.size < PRESOLVE_FROM:
        # Measured on 5,700 meetings of the simulator (up to 10 workers, 50 households):
        # presolve took twice as long as the search it prepared; without it the same
        # optima are proven in a third of the time.
        solver.parameters.cp_model_presolve = False
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
    if cm.size >= SMALL_MODEL:
        # Measured at 200 x 1,000: probing the count variables and repeated symmetry
        # detection took 3-5 s of presolve before the first search step; without them
        # the hint is loaded in half a second.
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        solver.parameters.max_presolve_iterations = 1
    status = solver.solve(cm.model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    bound = solver.best_objective_bound if status != cp_model.INFEASIBLE else math.nan
    return found, status == cp_model.OPTIMAL, bound, solver

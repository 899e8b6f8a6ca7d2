"""The stages solved in order, each from the best complete allocation known.

Each stage starts from the incumbent (its full solution as CP-SAT's hint), is
skipped when the incumbent already meets the stage's bound, gets its own share of
the time limit, and leaves its value fixed as a constraint for the stages after
it. A stage that runs out of time keeps the best value found and reports its
proven bound; the solver's answer is kept only when it is lexicographically
better than the incumbent.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from allocopt.allocation.cpsat.bounds.saturation import saturated_rooms
from allocopt.allocation.cpsat.model import SMALL_MODEL, CountModel, add_saturation, build_model
from allocopt.allocation.cpsat.solution import Candidate, candidate, read_solution, set_hints
from allocopt.allocation.cpsat.stages import (
    FREE_PREFERENCE_PAIRS,
    STAGE_SHARE,
    Level,
    Stage,
    StageReport,
    count_lp,
    make_stages,
    proven_bound,
)
from allocopt.allocation.cpsat.starts import HEURISTICS, improve_by_making_room
from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.objective import tier_sizes
from allocopt.allocation.packing import fill_up
from allocopt.allocation.problem import Assignment
from allocopt.allocation.solver import cp_solver
from allocopt.allocation.types import load_types

RESERVE = 0.5
"""Share of their time the stages after a solve hold back from it (see stage_seconds)."""

SPREAD_GAP = 0.01
GAP_FROM = 100_000
"""Models with this many variables and more end the spread stage within SPREAD_GAP of its
bound: at 1,000 x 5,000 a proof of the last hundredths takes minutes."""

SMALL_WORK = 0.25
"""CP-SAT's deterministic time (its own measure of work, the same on any machine) a solve
of a small model may use. On the simulator's meetings (1,612 solves: five replications of
the team scenario, one of the 250-post service) every proof took at most 0.10; one
days-waited solve found its best allocation at 0.06 and then searched 1.76 (2.7 s)
without finding better or proving it, half the CP-SAT policy's time in those five
replications."""

PRIORITY_SHARE = 0.8
"""Share of a priority tier's time that making room (large meetings) may use (all of it on
models not searched, SEARCH_BELOW)."""

SEARCH_BELOW = 100_000
"""Count models with this many variables and more are not searched by CP-SAT: their stages
are settled by the starting points, the heuristics and the LP bounds (a stage on a model of
its own, the preferences, is still searched). Measured on region overload (1,000 x 5,000,
201,249 variables, 2 cores): each solve spent its 1-6 s in CP-SAT's presolve; none of the
call's eight solves found a better allocation, nor did one 60 s tier-1 solve (its first
bound after 33 s). Writing the model took 150-185 MB, presolve about 150 MB more and the
search, when presolve finished in time, 150-300 MB more: peaks of 470-810 MB a call, where
without them the call peaks at 203-232 MB. A model of the tiers up to tier 1 alone
(114,679 variables) found no allocation in 8 s. At 1,000 x 3,000 (hard family, 60,564
variables) the solves do improve the allocation."""

APART_SECONDS = 4.0
"""Most seconds a stage on a model of its own (the preferences, the last level) searches
on models of GAP_FROM variables and more. Its search's memory grows as it runs: region
fits (a 32,000-variable model, one worker with the full LP) peaked at 436 MB searching
12.9 s and at 308 MB searching 4 s, with the same preference score."""

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
    solves: int
    """CP-SAT runs (stages not settled by a bound)."""


def solve(ex: ExactProblem, hints: list[tuple[str, tuple[Assignment, ...]]], time_limit: float,
          workers: int | None, seed: int, free_preferences: int = FREE_PREFERENCE_PAIRS,
          skip_preferences: bool = False, preference_space: str | None = None,
          proofs: bool = True, skip_at_bound: bool = True) -> Solved:
    """Solve the levels in order from the best of `hints` (module docstring). `proofs`
    False leaves out the bounds by household sums (for tests: they change the time,
    never the optimum); `skip_at_bound` False solves every stage, even one whose starting
    allocation meets its bound (for tests of the model on its own)."""
    start = time.perf_counter()
    types = load_types(ex)
    cm = build_model(ex, types)
    build = time.perf_counter() - start
    best = min((candidate(cm, a, name) for name, a in hints), key=lambda c: c.objective.key())
    reports: list[StageReport] = []
    deadline = start + time_limit
    n_workers = workers if workers is not None else (1 if cm.size < SMALL_MODEL else 2)
    # Bounds by household sums on small meetings (the simulator's), LP bounds on large
    # ones (see make_stages).
    stages = make_stages(cm, free_preferences, skip_preferences, preference_space,
                         proofs and skip_at_bound)
    solves = 0
    # A stage skipped at its bound still holds its value for the stages after it; its
    # variables and that constraint are added only if a later stage needs the solver
    # (most small meetings never do).
    pending: list[Callable[[], None]] = []
    held: dict[int, int] = {}  # tier -> households of it the model holds at least
    settled = True  # every stage so far proven or skipped at its bound
    for i, stage in enumerate(stages):
        t0 = time.perf_counter()
        start_best = best
        bound = stage.bound(best)
        current = stage.value(best.objective)
        more = i + 1 < len(stages)
        if bound is None or current != bound:
            # cheap starting points first; the solver only if they fall short
            improve = HEURISTICS.get(stage.level)
            if stage.tier is not None:
                improve = functools.partial(improve_by_making_room, tier=stage.tier)
            if improve is not None:
                # the tiers above keep what they have and the levels after priority the
                # households placed, so the stage's bound (and the spread's fixed total)
                # still hold; a heuristic may use half the stage's time, a priority
                # tier's most of it and the spread's on large models all of it (measured:
                # at 1,000 x 5,000 the search found nothing better than the dealing in
                # the time left; on the hard family, 150 to 1,000 workers, no tier-1
                # search placed more than room making had), and a tier's all of it on a
                # model not searched (SEARCH_BELOW: no solve follows; at 1,000 x 5,000
                # overload, CP placed 1,561-1,562 -> 1,562-1,563)
                if stage.level is Level.SPREAD and cm.size >= GAP_FROM:
                    share = 1.0
                elif stage.tier is not None:
                    share = 1.0 if cm.size >= SEARCH_BELOW else PRIORITY_SHARE
                else:
                    share = 0.5
                best = improve(cm, best,
                               time.perf_counter() + stage_seconds(stages, i, deadline) * share)
                current = stage.value(best.objective)
        if skip_at_bound and bound is not None and current == bound:
            reports.append(StageReport(stage.level, stage.name, current, bound, 0.0,
                                       "skipped: hint meets bound"))
            if more:
                pending.append(_later(cm, stage, start_best, current, best))
                _held(held, stage, current, True, best)
            continue
        tighter = stage.proof(start_best, best) if stage.proof is not None else None
        gap = SPREAD_GAP if stage.level is Level.SPREAD and cm.size >= GAP_FROM else 0.0
        if tighter is not None and (tighter == current or _within(current, tighter, gap)):
            # A solve here would only prove the incumbent (a solve that finds nothing
            # better keeps it): the same optimum on every level. Within the gap, the
            # solve would stop at once (its model written for nothing: 200 MB at
            # 1,000 x 5,000).
            how = "household sums" if cm.size < SMALL_MODEL else "the LP relaxation"
            what = (f"proven by {how}" if tighter == current
                    else f"within {gap:.0%} of the bound by {how}")
            reports.append(StageReport(stage.level, stage.name, current, tighter,
                                       time.perf_counter() - t0, f"skipped: {what}"))
            settled = settled and tighter == current
            if more:
                pending.append(_later(cm, stage, start_best, current, best))
                _held(held, stage, current, True, best)
            continue
        bound = _better(stage, bound, tighter)
        if stage.apart is None and cm.size >= SEARCH_BELOW:
            # Not searched (see SEARCH_BELOW), so the count model is never written; no later
            # stage searches it either, so nothing needs this stage's value fixed in it.
            known = proven_bound(stage, current, bound, False, False, math.nan)
            reports.append(StageReport(
                stage.level, stage.name, current, current if known is None else known,
                time.perf_counter() - t0, f"not searched: {cm.size:,} variables"))
            settled = False
            continue
        # once the solve meets a proven bound it may stop: nothing better exists, so the
        # solution it holds is the one it would return after its proof
        stop = None if bound is None else bound + stage.offset()
        # each solve's time is worked out once its model and hint are written (at
        # 1,000 x 5,000 writing them takes 0.2-0.3 s a stage, which the whole call's
        # limit covers too)
        if stage.apart is not None:
            # a stage on a model of its own (the last one: nothing later needs it fixed)
            model, expr, values = stage.apart(start_best)
            _hint(model, values)
            # one worker with the full LP: measured at 200 x 1,000 (3,451 variables), the
            # preference optimum proven in 0.6 s, where two workers' portfolio had no
            # proof in 20 s
            seconds = stage_seconds(stages, i, deadline)
            if cm.size >= GAP_FROM:
                seconds = min(seconds, APART_SECONDS)
            found, ended, solver_bound, solver = _run(model, len(values), expr,
                                                      stage.maximise, seconds, 1, seed,
                                                      full_lp=True, stop=stop)
        else:
            for add in pending:
                add()
            pending.clear()
            _saturate(cm, held)
            expr, extra = stage.build(start_best)
            if bound is not None and settled and cm.size >= SMALL_MODEL:
                # valid for every allocation the model still allows (the levels before are
                # proven): the solve can stop as soon as it meets it
                limit = bound + stage.offset()
                cm.model.add(expr <= limit if stage.maximise else expr >= limit)
            set_hints(cm, best, extra)
            found, ended, solver_bound, solver = _run(cm.model, cm.size, expr, stage.maximise,
                                                      stage_seconds(stages, i, deadline),
                                                      n_workers, seed, gap, stop=stop)
        solves += 1
        # a solve ended within the gap is not a proof
        proven = ended and (not gap or abs(solver.objective_value - solver_bound) < 0.5)
        if found:
            new = candidate(cm, read_solution(
                cm, solver, stage.with_classes,
                start_best.s if stage.apart is not None else None), "cp-sat")
            if stage.level is Level.PRIORITY and not proven:
                # a solve stopped early may leave room a greedy pass can still use
                filled = candidate(cm, fill_up(ex, new.assignments), "cp-sat + fill")
                new = min((new, filled), key=lambda c: c.objective.key())
            if new.objective.key() < best.objective.key():
                best = new
        current = stage.value(best.objective)
        proved = proven_bound(stage, current, bound, found, proven, solver_bound)
        if proved == current:
            outcome = "proven"
        elif ended:
            outcome = f"within {gap:.0%} of the bound"
        else:
            # with no bound known the value found is all there is to report
            outcome = "time limit"
        reports.append(StageReport(stage.level, stage.name, current,
                                   current if proved is None else proved,
                                   time.perf_counter() - t0, outcome))
        settled = settled and proved == current
        if more:
            _fix(cm, stage, expr, current, proved == current, best)
            _held(held, stage, current, proved == current, best)
    return Solved(best, tuple(reports), build, time.perf_counter() - start - build, cm.size,
                  solves)


def stage_seconds(stages: list[Stage], i: int, deadline: float) -> float:
    """Time for stage `i`'s solve: its share of what is left, with the stages after it
    holding back only half their shares (a stage that finishes early or is skipped at its
    bound passes its time on, and the levels come in order of importance)."""
    left = max(deadline - time.perf_counter(), 0.0)
    later = sum(STAGE_SHARE[s.level] for s in stages[i + 1:])
    share = STAGE_SHARE[stages[i].level]
    return max(left * share / (share + RESERVE * later), 0.01)


def _within(value: int, bound: int, gap: float) -> bool:
    """A minimised level's `value` is within `gap` (a fraction) of its `bound`."""
    return gap > 0 and value - bound <= gap * abs(bound)


def _better(stage: Stage, a: int | None, b: int | None) -> int | None:
    """The tighter of two bounds on a stage (None: no bound)."""
    if a is None or b is None:
        return b if a is None else a
    return min(a, b) if stage.maximise else max(a, b)


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


def _held(held: dict[int, int], stage: Stage, current: int, proven: bool,
          best: Candidate) -> None:
    """Note the tiers whose counts :func:`_fix` holds (`held`: tier -> at least so many)."""
    if stage.tier is not None:
        held[stage.tier] = current
    elif stage.whole_priority and proven:
        held.update(enumerate(best.objective.placed))


def _saturate(cm: CountModel, held: dict[int, int]) -> None:
    """On large models, the rows of workers that the tiers held fill to the last point
    they can use (:mod:`.bounds.saturation`), for each run of tiers from the first that
    the model holds, once each."""
    if cm.size < SMALL_MODEL:
        return
    sizes = tier_sizes(cm.ex)
    for upto, size in enumerate(sizes):
        if any(sizes[t] and t not in held for t in range(upto + 1)):
            return
        counts = tuple(held.get(t, 0) for t in range(upto + 1))
        key = ("saturation", upto, counts)
        if not size or key in cm.memo:
            continue
        rooms = saturated_rooms(count_lp(cm), upto, counts)
        cm.memo[key] = rooms is not None
        if rooms is not None:
            add_saturation(cm, upto, rooms)


def _hint(model: cp_model.CpModel, values: dict[cp_model.IntVar, int]) -> None:
    """A complete starting point written into a model in one call (see set_hints)."""
    model.clear_hints()  # type: ignore[no-untyped-call]
    hint = model.proto.solution_hint
    hint.vars.extend([var.index for var in values])
    hint.values.extend([int(v) for v in values.values()])


class _StopAt(cp_model.CpSolverSolutionCallback):
    """Ends a search at its first solution as good as a proven bound.

    With one search worker the search is the same with or without this callback; it
    only ends sooner. CP-SAT keeps a new solution only when it is strictly better, so
    the solution held when it stops is the one the full search would return."""

    def __init__(self, limit: int, maximise: bool) -> None:
        super().__init__()
        self.limit = limit
        self.maximise = maximise
        self.met = False

    def on_solution_callback(self) -> None:
        value = round(self.objective_value)
        if (value >= self.limit) if self.maximise else (value <= self.limit):
            self.met = True
            self.stop_search()


def _run(model: cp_model.CpModel, size: int, expr: cp_model.LinearExprT, maximise: bool,
         seconds: float, workers: int, seed: int, gap: float = 0.0, full_lp: bool = False,
         stop: int | None = None) -> tuple[bool, bool, float, cp_model.CpSolver]:
    """One CP-SAT solve of a model with `size` count variables: (found a solution, ended
    by a proof, best bound, solver); with `gap`, the solve may end once its solution is
    within that fraction of its bound; with `full_lp`, every row is in the LP relaxation
    from the start (linearization level 2); with `stop` (a proven bound on `expr`, one
    search worker), once a solution meets it (a proof too)."""
    if maximise:
        model.maximize(expr)
    else:
        model.minimize(expr)
    solver = cp_solver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.log_search_progress = False
    if gap:
        solver.parameters.relative_gap_limit = gap
    if full_lp:
        solver.parameters.linearization_level = 2
    if size < SMALL_MODEL:
        solver.parameters.max_deterministic_time = SMALL_WORK
    if size < PRESOLVE_FROM:
        # Measured on 5,700 meetings of the simulator (up to 10 workers, 50 households):
        # presolve took twice as long as the search it prepared; without it the same
        # optima are proven in a third of the time.
        solver.parameters.cp_model_presolve = False
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
    if size >= SMALL_MODEL:
        # Measured at 200 x 1,000: probing the count variables and repeated symmetry
        # detection took 3-5 s of presolve before the first search step; without them
        # the hint is loaded in half a second.
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        solver.parameters.max_presolve_iterations = 1
    if stop is not None and workers == 1 and not gap:
        callback = _StopAt(stop, maximise)
        status = solver.solve(model, callback)
        if callback.met and status == cp_model.FEASIBLE:
            return True, True, float(stop), solver
    else:
        status = solver.solve(model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    bound = solver.best_objective_bound if status != cp_model.INFEASIBLE else math.nan
    return found, status == cp_model.OPTIMAL, bound, solver

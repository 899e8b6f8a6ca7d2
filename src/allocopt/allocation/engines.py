"""Every allocation engine on its own, judged by the independent validator.

The optimiser chains several engines (its starting points, the search without a
model, the CP-SAT model); each reads the hard rules from their declarations and
each must keep them alone, whatever the others do. :func:`engine_runs` runs
each of them on one meeting and asks the validator about each answer: what the
contract tests, the safety property and the safety soak
(``benchmarks/safety_soak.py``) count. Not used to decide anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from allocopt.allocation.cpsat import CpSatAllocator
from allocopt.allocation.exact import exact_problem
from allocopt.allocation.gate import RuleBreach, gate
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.packing import balanced_assignments, improve_balance, packing_assignments
from allocopt.allocation.problem import AllocationProblem, AllocationResult, Assignment
from allocopt.allocation.small import MAX_HOUSEHOLDS, small_meeting
from allocopt.allocation.types import waiting_order
from allocopt.allocation.validate import Breach, validate


class SmallSearch:
    """The search without a model (:mod:`allocopt.allocation.small`) as an allocator of
    its own, with no node budget; it declines meetings of more than `most` households
    and pins it cannot place (status "declined")."""

    name = "small search"

    def __init__(self, most: int = MAX_HOUSEHOLDS) -> None:
        self.most = most

    def allocate(self, problem: AllocationProblem) -> AllocationResult:
        ex = exact_problem(problem)
        order = tuple(ex.households[h].id for h in waiting_order(ex))
        found = small_meeting(ex, limit=10**9, most=self.most)
        if found is None:
            return AllocationResult(self.name, (), order, "declined")
        assignments, objective = found
        placed = {a.household_id for a in assignments}
        return AllocationResult(self.name, assignments,
                                tuple(h for h in order if h not in placed), "optimal",
                                objective.as_floats(), objective.as_floats())


def model_only(time_limit_s: float = 5.0) -> CpSatAllocator:
    """The CP-SAT model alone: no search without a model, no starting points, no stage
    settled by a bound (every level solved)."""
    return CpSatAllocator(time_limit_s=time_limit_s, workers=1, small_search=False,
                          skip_at_bound=False, starts=False)


@dataclass(frozen=True)
class EngineRun:
    """One engine's answer to one meeting and what the validator found in it."""

    engine: str
    assignments: tuple[Assignment, ...]
    status: str
    """'feasible' or 'optimal'; 'infeasible' (the pins conflict: nothing suggested);
    'declined' (the engine does not decide such meetings)."""
    placed: int
    breaches: tuple[Breach, ...]
    solves: int
    seconds: float


def _starts(problem: AllocationProblem) -> dict[str, tuple[Assignment, ...] | None]:
    """The optimiser's starting points from greedy's answer (None: the balancing re-deal
    found no worker for a household, and the optimiser does not use it)."""
    ex = exact_problem(problem)
    greedy = GreedyAllocator(objective=False).allocate(problem)
    if greedy.status == "infeasible":
        return {}
    leads = tuple(sorted(ex.household_index[a.household_id] for a in greedy.assignments
                         if a.role == "lead"))
    return {"packing": packing_assignments(ex),
            "packing, lightest first": packing_assignments(ex, True),
            "balancing": balanced_assignments(ex, leads),
            "local search": improve_balance(ex, greedy.assignments)}


ENGINE_NAMES = ("greedy", "packing", "packing, lightest first", "balancing", "local search",
                "small search", "cp-sat", "cp-sat model", "gate")


def engine_runs(problem: AllocationProblem, time_limit_s: float = 5.0) -> list[EngineRun]:
    """Every engine of :data:`ENGINE_NAMES` on `problem`, each answer checked by the
    validator (an infeasible answer must suggest nothing). The gate's run is the
    optimiser's answer after :func:`~allocopt.allocation.gate.gate` (a failure to repair
    counts as that answer's breaches)."""
    out: list[EngineRun] = []

    def run(name: str, decide: Callable[[], AllocationResult]) -> AllocationResult:
        t0 = time.perf_counter()
        result = decide()
        seconds = time.perf_counter() - t0
        out.append(_judged(problem, name, result, seconds))
        return result

    run("greedy", lambda: GreedyAllocator().allocate(problem))
    t0 = time.perf_counter()
    starts = _starts(problem)
    seconds = (time.perf_counter() - t0) / max(len(starts), 1)
    for name, assignments in starts.items():
        answer = (AllocationResult(name, (), (), "declined") if assignments is None
                  else AllocationResult(name, assignments, (), "feasible"))
        out.append(_judged(problem, name, answer, seconds))
    run("small search", lambda: SmallSearch().allocate(problem))
    optimiser = CpSatAllocator(time_limit_s=time_limit_s, workers=1)
    result = run("cp-sat", lambda: optimiser.allocate(problem))
    run("cp-sat model", lambda: model_only(time_limit_s).allocate(problem))

    def gated() -> AllocationResult:
        try:
            return gate(problem, result, optimiser.allocate).result
        except RuleBreach as failed:
            return AllocationResult("gate", tuple(a for a in result.assignments), (),
                                    f"gate failure: {failed.rules}")

    run("gate", gated)
    return out


def _judged(problem: AllocationProblem, name: str, result: AllocationResult,
            seconds: float) -> EngineRun:
    if result.status == "declined":
        found: tuple[Breach, ...] = ()
    elif result.status == "infeasible":
        found = tuple(Breach("shape", a.household_id, a.worker_id,
                             "an infeasible answer suggests an allocation")
                      for a in result.assignments)
    else:
        found = tuple(validate(problem, result))
    placed = sum(1 for a in result.assignments if a.role == "lead")
    return EngineRun(name, result.assignments, result.status, placed, found, result.solves,
                     seconds)

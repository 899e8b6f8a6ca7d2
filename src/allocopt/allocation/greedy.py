"""The manager's rule, done by hand at most allocation meetings.

Pinned households go to their workers first. Then, highest priority tier
first and longest waiting first within a tier, each household goes to the
eligible worker with the lowest load % at that moment (ties: the better
preference match, then the worker id); a household marked for co-working also
takes the least-loaded other eligible worker as secondary, or waits if there is
none. Every hard rule in :mod:`allocopt.allocation.rules` is respected.

It is the comparator for CP-SAT in the benchmarks, the hint CP-SAT starts from,
and the fast policy inside the simulator (no solver, a few thousand rule checks
per meeting).
"""

from __future__ import annotations

import time

from allocopt.allocation.dealing import Dealer
from allocopt.allocation.exact import exact_problem
from allocopt.allocation.objective import evaluate
from allocopt.allocation.problem import AllocationProblem, AllocationResult
from allocopt.allocation.rule_checks import breaches, pin_conflict, required
from allocopt.allocation.rule_forms import Taken
from allocopt.allocation.rules import pin_clashes
from allocopt.allocation.types import waiting_order


class GreedyAllocator:
    """Highest tier first, longest waiting first, to the least-loaded eligible worker.

    With `objective=False` the result leaves out the lexicographic objective (empty):
    callers that only act on the decisions (the simulator, the optimiser's starting
    point) need not pay for evaluating it.
    """

    name = "greedy"

    def __init__(self, objective: bool = True) -> None:
        self.objective = objective

    def allocate(self, problem: AllocationProblem) -> AllocationResult:
        start = time.perf_counter()
        ex = exact_problem(problem)
        dealer = Dealer(ex)
        pins = required(ex)
        conflicts: list[str] = pin_clashes(ex)
        for h, w in pins:
            trouble = breaches(ex, w, h, "lead", dealer.taken[w])
            if trouble:
                alone = breaches(ex, w, h, "lead", Taken())
                conflicts.append(pin_conflict(ex, h, w, alone or trouble,
                                              [] if alone else dealer.chosen))
            elif not dealer.place(h, w):
                conflicts.append(f"the pin of {ex.households[h].id} to {ex.workers[w].id} "
                                 "needs a co-worker and no other worker may co-work it")
        if conflicts:
            return AllocationResult(
                solver=self.name, assignments=(), unallocated=tuple(
                    ex.households[h].id for h in waiting_order(ex)),
                status="infeasible", solve_seconds=time.perf_counter() - start,
                notes=tuple(conflicts))
        done = {h for h, _ in pins}
        for h in waiting_order(ex):
            if h in done:
                continue
            if ex.households[h].co_working:
                # the next worker along leads if the first leaves nobody to co-work it
                for w in dealer.least_loaded(h, "lead"):
                    if dealer.place(h, w):
                        break
            else:
                first = dealer.first_least_loaded(h, "lead")
                if first is not None:
                    dealer.place(h, first)
        assignments = dealer.assignments()
        placed = {a.household_id for a in assignments}
        return AllocationResult(
            solver=self.name,
            assignments=assignments,
            unallocated=tuple(ex.households[h].id for h in waiting_order(ex)
                              if ex.households[h].id not in placed),
            status="feasible",
            objective=evaluate(ex, assignments).as_floats() if self.objective else (),
            solve_seconds=time.perf_counter() - start,
        )

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
from allocopt.allocation.exact import ExactProblem, exact_problem
from allocopt.allocation.objective import evaluate
from allocopt.allocation.problem import AllocationProblem, AllocationResult, Assignment
from allocopt.allocation.rules import RULE_LABELS, RoleName, Taken, breaches


def waiting_order(ex: ExactProblem) -> list[int]:
    """Households by priority: highest tier, then longest waiting, then id."""
    households = ex.households
    return sorted(range(len(households)),
                  key=lambda h: (households[h].tier, -households[h].waiting_days,
                                 households[h].id))


def pin_clashes(ex: ExactProblem) -> list[str]:
    """Households the policy pins to two different workers (both pins cannot hold)."""
    if not ex.problem.policy.rules.pins:
        return []
    seen: dict[str, str] = {}
    out = []
    for pin in ex.problem.policy.pins:
        if pin.household in seen and seen[pin.household] != pin.worker:
            out.append(f"{pin.household} is pinned to both {seen[pin.household]} and {pin.worker}")
        seen.setdefault(pin.household, pin.worker)
    return out


def pinned(ex: ExactProblem) -> list[tuple[int, int]]:
    """(household, worker) for each pin naming a waiting household and a team worker."""
    if not ex.problem.policy.rules.pins:
        return []
    out = []
    seen: set[int] = set()
    for pin in ex.problem.policy.pins:
        h = ex.household_index.get(pin.household)
        w = ex.worker_index.get(pin.worker)
        if h is not None and w is not None and h not in seen:
            seen.add(h)
            out.append((h, w))
    return out


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
        pins = pinned(ex)
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


def to_assignments(
    ex: ExactProblem, chosen: list[tuple[int, int, RoleName]]
) -> tuple[Assignment, ...]:
    """Assignments in a fixed order (household id, lead before secondary)."""
    out = [
        Assignment(ex.households[h].id, ex.workers[w].id, role,
                   ex.households[h].points if role == "lead" else ex.households[h].secondary_points)
        for h, w, role in chosen
    ]
    return tuple(sorted(out, key=lambda a: (a.household_id, a.role != "lead")))


def pin_conflict(ex: ExactProblem, h: int, w: int, trouble: list[tuple[str, str]],
                 chosen: list[tuple[int, int, RoleName]]) -> str:
    """A pin that cannot be honoured, with the rules it conflicts with."""
    household, worker = ex.households[h], ex.workers[w]
    others = sorted(ex.households[c].id for c, cw, role in chosen if cw == w and role == "lead")
    names = "; ".join(f"{RULE_LABELS[name]}: {reason}" for name, reason in trouble)
    text = f"the pin of {household.id} to {worker.id} conflicts with {names}"
    if others:
        text += f" (with the pins of {', '.join(others)} to {worker.id})"
    return text

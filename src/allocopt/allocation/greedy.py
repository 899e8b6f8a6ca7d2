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
from fractions import Fraction

from allocopt.allocation.exact import ExactProblem, exact_problem
from allocopt.allocation.objective import evaluate, preference_score
from allocopt.allocation.problem import AllocationProblem, AllocationResult, Assignment
from allocopt.allocation.rules import RULE_LABELS, RoleName, Taken, allowed, breaches


def waiting_order(ex: ExactProblem) -> list[int]:
    """Households by priority: highest tier, then longest waiting, then id."""
    return sorted(range(len(ex.households)),
                  key=lambda h: (ex.households[h].tier, -ex.households[h].waiting_days,
                                 ex.households[h].id))


def load_key(ex: ExactProblem, w: int, taken: Taken) -> tuple[int, Fraction]:
    """A worker's load % now, exactly (workers with no benchmark sort last)."""
    if ex.benchmark[w] <= 0:
        return (1, Fraction(0))
    return (0, Fraction(ex.load[w] + taken.load, ex.benchmark[w]))


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
    """Highest tier first, longest waiting first, to the least-loaded eligible worker."""

    name = "greedy"

    def allocate(self, problem: AllocationProblem) -> AllocationResult:
        start = time.perf_counter()
        ex = exact_problem(problem)
        taken = [Taken() for _ in ex.workers]
        chosen: list[tuple[int, int, RoleName]] = []
        pins = pinned(ex)
        pinned_households = {h for h, _ in pins}
        conflicts: list[str] = pin_clashes(ex)
        for h, w in pins:
            trouble = breaches(ex, w, h, "lead", taken[w])
            if trouble:
                conflicts.append(pin_conflict(ex, h, w, trouble, chosen))
            elif not self._place(ex, h, w, taken, chosen):
                conflicts.append(f"the pin of {ex.households[h].id} to {ex.workers[w].id} "
                                 "needs a co-worker and no other worker may co-work it")
        if conflicts:
            return AllocationResult(
                solver=self.name, assignments=(), unallocated=tuple(
                    ex.households[h].id for h in waiting_order(ex)),
                status="infeasible", solve_seconds=time.perf_counter() - start,
                notes=tuple(conflicts))
        for h in waiting_order(ex):
            if h in pinned_households:
                continue
            # The least-loaded eligible worker leads; for a co-worked household, the
            # next one along if the first leaves nobody to co-work it.
            for w in self.ranked_workers(ex, h, "lead", taken, exclude=None):
                if self._place(ex, h, w, taken, chosen):
                    break
        assignments = to_assignments(ex, chosen)
        objective = evaluate(ex, assignments)
        placed = {a.household_id for a in assignments}
        return AllocationResult(
            solver=self.name,
            assignments=assignments,
            unallocated=tuple(ex.households[h].id for h in waiting_order(ex)
                              if ex.households[h].id not in placed),
            status="feasible",
            objective=objective.as_floats(),
            solve_seconds=time.perf_counter() - start,
        )

    def _place(self, ex: ExactProblem, h: int, w: int, taken: list[Taken],
               chosen: list[tuple[int, int, RoleName]]) -> bool:
        """Give household `h` to `w` as lead, with a secondary if it is co-worked."""
        taken[w].add(ex, h, "lead")
        if ex.households[h].co_working:
            second = self.best_worker(ex, h, "secondary", taken, exclude=w)
            if second is None:
                taken[w].remove(ex, h, "lead")
                return False
            taken[second].add(ex, h, "secondary")
            chosen.append((h, second, "secondary"))
        chosen.append((h, w, "lead"))
        return True

    @staticmethod
    def ranked_workers(ex: ExactProblem, h: int, role: RoleName, taken: list[Taken],
                       exclude: int | None) -> list[int]:
        """Workers allowed household `h` in `role`, least loaded first."""
        keyed = []
        for w, worker in enumerate(ex.workers):
            if w == exclude or not allowed(ex, w, h, role, taken[w]):
                continue
            keyed.append(((load_key(ex, w, taken[w]),
                           -preference_score(ex, w, h) if role == "lead" else 0, worker.id), w))
        return [w for _, w in sorted(keyed)]

    def best_worker(self, ex: ExactProblem, h: int, role: RoleName, taken: list[Taken],
                    exclude: int | None) -> int | None:
        """The least-loaded worker allowed household `h` in `role`, if any."""
        ranked = self.ranked_workers(ex, h, role, taken, exclude)
        return ranked[0] if ranked else None


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

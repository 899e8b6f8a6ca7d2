"""The gate before output: no allocation that breaks a hard rule is ever shown or acted on.

Every front end (the ``allocate`` command, the web board, the simulator, the
Python API) passes an allocator's result through :func:`gate` before printing,
writing or acting on it. The gate asks the independent validator
(:mod:`allocopt.allocation.validate`); a result that keeps every hard rule passes
unchanged. One that breaks a rule is repaired when the caller gives a way to
re-solve: the breaking (household, worker) pairs are excluded, as the manager's
exclusions would, and the allocator solves again, up to :data:`REPAIR_ROUNDS`
times; the repaired result is checked against the original problem and carries a
note. If it cannot be repaired, :class:`RuleBreach` is raised, naming the rule:
the command exits with :data:`EXIT_BREACH` and prints or writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from allocopt.allocation.problem import (
    AllocationProblem,
    AllocationResult,
    Allocator,
    Exclusion,
)
from allocopt.allocation.rules import RULE_LABELS
from allocopt.allocation.validate import Breach, validate

EXIT_BREACH = 3
"""Exit status of a command whose result broke a hard rule and could not be repaired
(0: done; 2: bad input; 130: interrupted)."""

REPAIR_ROUNDS = 3
"""Re-solves the gate tries, each excluding every pair that broke a rule so far."""

Resolve = Callable[[AllocationProblem], AllocationResult]
"""Solve a problem again (usually the same allocator's ``allocate``)."""


class RuleBreach(Exception):
    """An allocation broke a hard rule and could not be repaired: nothing may be output."""

    def __init__(self, solver: str, breaches: tuple[Breach, ...]) -> None:
        self.solver = solver
        self.breaches = breaches
        self.rules = tuple(dict.fromkeys(b.rule for b in breaches))
        super().__init__(self.message)

    @property
    def message(self) -> str:
        names = ", ".join(RULE_LABELS.get(r, r) for r in self.rules)
        first = self.breaches[0]
        more = len(self.breaches) - 1
        extra = f" (and {more} more)" if more else ""
        return (f"the {self.solver} allocation breaks a hard rule ({names}): {first.reason}"
                f"{extra}; it could not be repaired, so nothing was printed or written. "
                "This is a bug: please report it with the input files.")


@dataclass(frozen=True)
class Gated:
    """A result that passed the gate, and what the gate had to repair to let it pass."""

    result: AllocationResult
    repaired: tuple[Breach, ...] = ()
    """Breaches of the allocator's first answer (empty when it passed as it was)."""
    solves: int = 0
    """Re-solves the repair took."""


def gate(problem: AllocationProblem, result: AllocationResult,
         resolve: Resolve | None = None, rounds: int = REPAIR_ROUNDS) -> Gated:
    """The result if it keeps every hard rule, else a repaired one; raises
    :class:`RuleBreach` when there is no way to repair it (see the module docstring)."""
    if result.status == "infeasible" and not result.assignments:
        # nothing suggested: the pins conflict with the rules, and the result says which
        return Gated(result)
    found = tuple(validate(problem, result))
    if not found:
        return Gated(result)
    first = found
    excluded: dict[tuple[str, str], str] = {}
    for solve in range(1, rounds + 1):
        if resolve is None:
            break
        held = {(a.household_id, a.worker_id) for a in result.assignments}
        for b in found:
            if b.worker_id is not None and (b.household_id, b.worker_id) in held:
                excluded.setdefault((b.household_id, b.worker_id), b.rule)
        stricter = _excluding(problem, excluded)
        result = resolve(stricter)
        found = tuple(validate(problem, result))
        if not found:
            note = (f"the gate repaired {len(first)} hard-rule breach"
                    f"{'es' if len(first) != 1 else ''} of the first answer "
                    f"({', '.join(sorted({RULE_LABELS.get(b.rule, b.rule) for b in first}))}) "
                    f"by solving again without {len(excluded)} pairing"
                    f"{'s' if len(excluded) != 1 else ''}")
            return Gated(replace(result, notes=(*result.notes, note)), first, solve)
    raise RuleBreach(result.solver, found or first)


def _excluding(problem: AllocationProblem, pairs: dict[tuple[str, str], str]) -> AllocationProblem:
    """The problem with every (household, worker) pair in `pairs` excluded (and the
    policy's own exclusions only if it had them switched on)."""
    policy = problem.policy
    extra = tuple(Exclusion(household=h, worker=w,
                            reason=f"excluded by the gate ({RULE_LABELS.get(rule, rule)})")
                  for (h, w), rule in sorted(pairs.items()))
    own = policy.exclusions if policy.rules.exclusions else ()
    stricter = policy.model_copy(update={
        "exclusions": (*own, *extra),
        "rules": policy.rules.model_copy(update={"exclusions": True})})
    return replace(problem, policy=stricter)


def gated_allocation(problem: AllocationProblem, allocator: Allocator) -> Gated:
    """Allocate a meeting and pass the result through :func:`gate`, repairing with the same
    allocator: what every front end calls before it shows or acts on an allocation."""
    return gate(problem, allocator.allocate(problem), allocator.allocate)

"""An independent check of a final allocation against every hard rule.

It knows nothing of how the allocation was made: it rebuilds each worker's
totals from the assignments alone and asks every active rule of
:mod:`allocopt.allocation.rules` about every assignment, with the worker's
other assignments as what they had already taken. It also checks the shape:
each household led once, siblings together (the household is the unit), a
secondary only on a co-worked household and never the lead, every co-worked
household with both, and every pin honoured.
"""

from __future__ import annotations

from dataclasses import dataclass

from allocopt.allocation.exact import ExactProblem, exact_problem
from allocopt.allocation.problem import AllocationProblem, AllocationResult, Assignment
from allocopt.allocation.rule_checks import active_rules
from allocopt.allocation.rule_forms import Taken


@dataclass(frozen=True, slots=True)
class Breach:
    """A hard rule an allocation breaks."""

    rule: str
    household_id: str
    worker_id: str | None
    reason: str


def validate(
    problem: AllocationProblem, result: AllocationResult | tuple[Assignment, ...]
) -> list[Breach]:
    """Every hard rule the allocation breaks (empty when it keeps them all)."""
    ex = exact_problem(problem)
    assignments = result.assignments if isinstance(result, AllocationResult) else result
    return validate_exact(ex, assignments)


def validate_exact(ex: ExactProblem, assignments: tuple[Assignment, ...]) -> list[Breach]:
    out: list[Breach] = []
    lead: dict[int, int] = {}
    second: dict[int, list[int]] = {}
    totals = [Taken() for _ in ex.workers]
    counted: list[tuple[int, int, Assignment]] = []
    for a in assignments:
        h = ex.household_index.get(a.household_id)
        w = ex.worker_index.get(a.worker_id)
        if h is None or w is None:
            out.append(Breach("shape", a.household_id, a.worker_id,
                              "the assignment names an unknown household or worker"))
            continue
        if a.role == "lead":
            if h in lead:
                out.append(Breach("shape", a.household_id, a.worker_id,
                                  "the household has two lead workers"))
                continue
            lead[h] = w
        else:
            second.setdefault(h, []).append(w)
        totals[w].add(ex, h, a.role)
        counted.append((h, w, a))
    for h, ws in second.items():
        hid = ex.households[h].id
        if not ex.households[h].co_working:
            out.append(Breach("shape", hid, None,
                              "a secondary worker on a household not co-worked"))
        if len(ws) > 1:
            out.append(Breach("shape", hid, None, "more than one secondary worker"))
        if h not in lead:
            out.append(Breach("shape", hid, None, "a secondary worker without a lead"))
        elif lead[h] in ws:
            out.append(Breach("shape", hid, ex.workers[lead[h]].id,
                              "the lead is also the secondary worker"))
    for h in lead:
        if ex.households[h].co_working and h not in second:
            out.append(Breach("shape", ex.households[h].id, None,
                              "a co-worked household without a secondary worker"))
    rules = active_rules(ex)
    for rule in rules:
        for h, w in rule.required(ex) if rule.required is not None else ():
            if h not in lead:  # given to someone else: the rule itself reports it
                out.append(Breach(rule.name, ex.households[h].id, ex.workers[w].id,
                                  f"{rule.label} require {ex.workers[w].id} to lead it, and "
                                  "it is not allocated to them"))
    for h, w, a in counted:
        # the worker's totals hold this assignment too: each rule is asked of it on top of
        # the worker's other assignments
        for rule in rules:
            reason = rule.check(ex, w, h, a.role, totals[w], including=True)
            if reason is not None:
                out.append(Breach(rule.name, a.household_id, a.worker_id, reason))
    return out

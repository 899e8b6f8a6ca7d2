"""One contract suite, run against every allocator: each hard rule kept, and shown binding.

For every hard rule there is a small case where the rule is the only thing
stopping the natural choice. With the rule on, the allocator keeps it (and the
independent validator agrees); with the rule switched off in the policy, the
allocator takes the otherwise forbidden choice, which proves the rule was doing
the work. The same cases run against greedy and CP-SAT (PuLP's pattern: one
suite, every backend).
"""

from __future__ import annotations

import pytest

from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.problem import Allocator, Exclusion, Pin, Policy
from allocopt.allocation.validate import validate
from allocopt.domain import Role, Status
from tests.test_allocation_builders import (
    NQSW_CAP,
    household,
    leads,
    problem,
    switched_off,
    worker,
)

ALLOCATORS: list[Allocator] = [GreedyAllocator()]
try:  # CP-SAT joins the suite once it exists
    from allocopt.allocation.cpsat import CpSatAllocator

    ALLOCATORS.append(CpSatAllocator(time_limit_s=5))
except ImportError:  # pragma: no cover
    pass

# W2 at 49/50 = 98 %: a 5-point household takes W2 to 108 % (amber, allowed);
# W1 is lighter and is everybody's natural choice unless the rule forbids it.
HEAVY = worker("W2", 49)

# rule -> (workers, household, policy with the rule on, lead with it on, lead with it off)
CASES = {
    "unavailability": ([worker("W1", 10, unavailable="on leave within the next 14 days"), HEAVY],
                       household("H1"), {}, "W2", "W1"),
    "pins": ([worker("W1", 10), HEAVY], household("H1"),
             {"pins": (Pin(household="H1", worker="W2"),)}, "W2", "W1"),
    "exclusions": ([worker("W1", 10), HEAVY], household("H1"),
                   {"exclusions": (Exclusion(household="H1", worker="W1"),)}, "W2", "W1"),
    "eligibility": ([worker("W1", 10, role=Role.FAMILY_SUPPORT_PRACTITIONER), HEAVY],
                    household("H1", status=Status.CP), {}, "W2", "W1"),
    "nqsw_no_cp": ([worker("W1", 10, 35, months=8, nqsw=True, cp_protected=True), HEAVY],
                   household("H1", status=Status.CP), {}, "W2", "W1"),
    "student_limit": ([worker("W1", 2, 15, role=Role.STUDENT, counts={Status.CIN: 7}), HEAVY],
                      household("H1", 2, children=2), {}, "W2", "W1"),
    "count_caps": ([worker("W1", 10, 35, nqsw=True, counts={Status.CIN: 14}, caps=(NQSW_CAP,)),
                    HEAVY], household("H1", children=2), {}, "W2", "W1"),
    "band_ceiling": ([worker("W1", 48)], household("H1", 8), {}, None, "W1"),
}


@pytest.mark.parametrize("allocator", ALLOCATORS, ids=lambda a: a.name)
@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_is_kept(allocator: Allocator, rule: str) -> None:
    workers, h, policy, lead_on, _ = CASES[rule]
    p = problem(workers, [h], Policy(**policy))  # type: ignore[arg-type]
    result = allocator.allocate(p)
    assert validate(p, result) == []
    assert leads(result).get("H1") == lead_on
    assert result.unallocated == (() if lead_on else ("H1",))


@pytest.mark.parametrize("allocator", ALLOCATORS, ids=lambda a: a.name)
@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_switched_off_is_not_applied(allocator: Allocator, rule: str) -> None:
    workers, h, policy, _, lead_off = CASES[rule]
    p = problem(workers, [h], switched_off(rule, **policy))
    result = allocator.allocate(p)
    assert leads(result).get("H1") == lead_off
    assert validate(p, result) == []


@pytest.mark.parametrize("allocator", ALLOCATORS, ids=lambda a: a.name)
def test_siblings_stay_together_and_co_working_gets_two_workers(allocator: Allocator) -> None:
    # A co-worked household of three children: one lead, one other worker as secondary
    # at half the points; the household is never split.
    p = problem([worker("W1", 20), worker("W2", 25), worker("W3", 30)],
                [household("H1", 8, Status.CP, 3, co_working=True), household("H2", 3)])
    result = allocator.allocate(p)
    assert validate(p, result) == []
    by_role = {(a.household_id, a.role): a for a in result.assignments}
    lead, second = by_role[("H1", "lead")], by_role[("H1", "secondary")]
    assert lead.worker_id != second.worker_id
    assert (lead.points, second.points) == (8, 4)
    assert sum(1 for a in result.assignments if a.household_id == "H2") == 1


@pytest.mark.parametrize("allocator", ALLOCATORS, ids=lambda a: a.name)
def test_co_working_waits_when_no_second_worker_may_take_it(allocator: Allocator) -> None:
    p = problem([worker("W1", 20), worker("W2", 10, role=Role.FAMILY_SUPPORT_PRACTITIONER)],
                [household("H1", 6, Status.CP, co_working=True)])
    result = allocator.allocate(p)
    assert result.assignments == ()
    assert result.unallocated == ("H1",)


@pytest.mark.parametrize("allocator", ALLOCATORS, ids=lambda a: a.name)
def test_a_pin_that_breaks_a_rule_is_reported_not_dropped(allocator: Allocator) -> None:
    p = problem([worker("W1", 10, 35, months=8, nqsw=True, cp_protected=True), worker("W2", 20)],
                [household("H1", 4, Status.CP)], Policy(pins=(Pin(household="H1", worker="W1"),)))
    result = allocator.allocate(p)
    assert result.status == "infeasible"
    assert result.assignments == ()
    text = " ".join(result.notes)
    assert "H1" in text and "W1" in text and "NQSW" in text

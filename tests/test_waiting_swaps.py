"""Households waiting longer placed in place of ones of their tier (allocation/waiting_swaps.py).

- a case worked by hand: the CIN household waiting 30 days takes the place of the one
  waiting 2, at the worker who had it; a CP household waiting longer stays out (no CIN
  household may give it a place: tiers are kept);
- on any meeting, whatever it returns keeps every hard rule, places as many households
  of every tier and raises the days waited.
"""

from __future__ import annotations

import time

from hypothesis import given

from allocopt.allocation.exact import exact_problem, to_assignments
from allocopt.allocation.objective import evaluate
from allocopt.allocation.problem import AllocationProblem, Assignment
from allocopt.allocation.validate import validate
from allocopt.allocation.waiting_swaps import longer_waiting
from allocopt.domain import Status
from tests.test_allocation_builders import household, problem, worker
from tests.test_room_making import DEALS, tight_deals

CEILING = 54
"""The most load a worker of benchmark 50 may hold in the default ceiling band."""


def test_a_household_waiting_longer_takes_the_place_of_one_waiting_less() -> None:
    # W1 has 5 points of room and holds A (CIN, 4 points, waiting 2 days); B (CIN, 5,
    # waiting 30) and C (CP, 3, waiting 40) wait. A off, B on: 30 days instead of 2.
    p = problem([worker("W1", load=CEILING - 5)],
                [household("A", 4, waiting_days=2), household("B", 5, waiting_days=30),
                 household("C", 3, status=Status.CP, waiting_days=40)])
    ex = exact_problem(p)
    start = to_assignments(ex, [(0, 0, "lead")])
    swapped = longer_waiting(ex, start, time.perf_counter() + 10)
    assert swapped is not None
    assert [(a.household_id, a.worker_id) for a in swapped] == [("B", "W1")]
    assert validate(p, swapped) == []
    assert longer_waiting(ex, swapped, time.perf_counter() + 10) is None


@DEALS
@given(tight_deals())
def test_swaps_keep_every_rule_and_every_tier_and_raise_the_days_waited(
        deal: tuple[AllocationProblem, tuple[Assignment, ...]]) -> None:
    p, start = deal
    ex = exact_problem(p)
    swapped = longer_waiting(ex, start, time.perf_counter() + 10)
    if swapped is None:
        return
    before, after = evaluate(ex, start), evaluate(ex, swapped)
    assert validate(p, swapped) == []
    assert after.placed == before.placed
    assert after.waited > before.waited

"""Bounds by household sums (allocation/cpsat/bounds/household_sums.py): valid, and they never change
the optimum.

- each bound is at most the value of every allocation the independent validator
  accepts that keeps the bound's premises (brute force over small meetings);
- the optimiser with the bounds reaches the same value on every level as without
  them, with each skipped stage one the solver proves at the same bound; among
  equally good allocations the one returned may differ (a later stage's solver
  starts from another model history), so allocations are not compared;
- worked examples: households of 4 points into rooms of 3 cannot avoid going
  above the mean; the whole-unit bound cannot see it, the sums can.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from allocopt.allocation.cpsat import CpSatAllocator
from allocopt.allocation.cpsat.bounds import household_sums
from allocopt.allocation.cpsat.bounds.household_sums import (
    amber_floor_by_sums,
    least_load_for_days,
    max_load_floor_by_sums,
    placed_ceiling_by_sums,
    reachable,
    spread_floor_by_households,
    spread_floor_by_sums,
    waited_ceiling_by_sums,
)
from allocopt.allocation.cpsat.bounds.levels import (
    household_shares,
    least_added_load,
    max_load_floor,
    spread_floor,
    worker_chunks,
)
from allocopt.allocation.cpsat.model import build_model
from allocopt.allocation.cpsat.solve import solve
from allocopt.allocation.exact import exact_problem, to_assignments
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.objective import evaluate, tier_sizes, worker_totals
from allocopt.allocation.packing import packing_assignments
from allocopt.allocation.problem import AllocationProblem
from allocopt.allocation.types import load_types
from allocopt.allocation.validate import validate_exact
from tests.test_allocation_builders import household, problem, valid_allocations, worker
from tests.test_allocation_properties import plain_meetings

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def test_reachable_totals_use_each_chunk_at_most_its_count() -> None:
    assert reachable([(4, 2), (7, 1)], 20) == [0, 4, 7, 8, 11, 15]
    assert reachable([(4, 2), (7, 1)], 10) == [0, 4, 7, 8]
    assert reachable([], 5) == [0]


@SETTINGS
@given(plain_meetings(5, 3))
def test_each_bound_is_at_most_the_value_of_every_allocation(p: AllocationProblem) -> None:
    ex = exact_problem(p)
    cm = build_model(ex, load_types(ex))
    chunks = worker_chunks(cm)
    pool = set(ex.pool)
    longest: dict[tuple[int, ...], int] = {}
    claims: dict[tuple[int, ...], int | None] = {}
    loads = [(t.tier, t.points + (t.secondary if t.co_working else 0))
             for t in cm.types if t.leads for _ in t.households]
    most_placed = placed_ceiling_by_sums(loads, len(tier_sizes(ex)), cm.added_ub)
    for assignments in valid_allocations(ex):
        obj = evaluate(ex, assignments)
        # tiers highest first: no allocation places more, compared tier by tier in order
        assert obj.placed <= most_placed
        longest[obj.placed] = max(longest.get(obj.placed, 0), obj.waited)
        claims[obj.placed] = waited_ceiling_by_sums(ex, obj.placed, cm.added_ub)
        added = worker_totals(ex, assignments).added
        need = least_load_for_days(ex, obj.placed, obj.waited)
        assert least_added_load(ex, obj.placed) <= need <= sum(added)
        assert amber_floor_by_sums(ex, need, chunks, cm.added_ub) <= obj.amber
        level = max_load_floor_by_sums(ex, need, obj.amber, obj.max_load, chunks, cm.added_ub)
        assert level is None or level <= obj.max_load
        total = sum(added[w] for w in pool)
        floor = spread_floor_by_sums(ex, total, obj.max_load, obj.amber, chunks, cm.added_ub)
        assert floor is not None  # the allocation itself is one split of its total
        assert spread_floor(ex, total) <= floor <= obj.spread
        if list(obj.placed) == tier_sizes(ex):
            # everyone placed: the split of those households, tighter and still valid,
            # and with an allocation in hand never above it
            split = spread_floor_by_households(ex, total, obj.max_load, obj.amber,
                                               household_shares(cm), cm.added_ub)
            assert split is not None and floor <= split <= obj.spread
            assert spread_floor_by_households(ex, total, obj.max_load, obj.amber,
                                              household_shares(cm), cm.added_ub,
                                              obj.spread) == split
        # as many of each tier as this allocation places, any of them
        split = spread_floor_by_households(ex, total, obj.max_load, obj.amber,
                                           household_shares(cm), cm.added_ub,
                                           placed=obj.placed)
        assert split is not None and floor <= split <= obj.spread
    # a days-waited ceiling: no allocation with the same placed waits longer
    for placed, ceiling in claims.items():
        assert ceiling is None or ceiling >= longest[placed]


@SETTINGS
@given(plain_meetings(5, 8))
def test_the_optimiser_reaches_the_same_optimum_with_or_without_the_bounds(
        p: AllocationProblem) -> None:
    ex = exact_problem(p)
    greedy = GreedyAllocator().allocate(p).assignments
    hints = [("greedy", greedy), ("packing", packing_assignments(ex))]
    with_bounds = solve(ex, hints, 5.0, 1, 0)
    without = solve(ex, hints, 5.0, 1, 0, proofs=False)
    assert with_bounds.best.objective == without.best.objective
    # every stage solved, none settled by a bound (cheap or by sums)
    solved = solve(ex, hints, 5.0, 1, 0, skip_at_bound=False)
    assert with_bounds.best.objective == solved.best.objective
    assert not validate_exact(ex, with_bounds.best.assignments)
    for a, b in zip(with_bounds.stages, without.stages, strict=True):
        assert a.value == b.value
        if a.outcome.startswith("skipped: proven"):
            assert b.outcome == "proven" and b.bound == a.bound


def test_households_too_large_for_the_room_below_the_mean_raise_the_spread_bound() -> None:
    # Two workers at 20 of 50 (40 %) and one household of 4 points: whoever takes it
    # goes to 48 %, 4 points above the mean of 44 %: a spread of 400 hundredths. In whole
    # units the room below the mean is 2 points each, so the unit bound sees nothing.
    ws = [worker("W1", load=20), worker("W2", load=20)]
    p = problem(ws, [household("H1", points=4)])
    ex = exact_problem(p)
    cm = build_model(ex, load_types(ex))
    assert spread_floor(ex, 4) == 0
    assert spread_floor_by_sums(ex, 4, 10_000, 0, worker_chunks(cm), cm.added_ub) == 400
    result = CpSatAllocator().allocate(p)
    assert result.objective[-2] == 4.0  # spread in percentage points


def test_with_everyone_placed_a_household_is_not_shared_out_twice() -> None:
    # Three workers at 20 of 50 and households of 4 and 2 points: the mean ends at 44 %.
    # Any sum of the households each worker may take lets all three take 2 (the same
    # household three times): spread 0. There is one household of 4: whoever takes it
    # ends at 48 %, 4 points above the mean: 400 hundredths, the optimum.
    ws = [worker("W1", load=20), worker("W2", load=20), worker("W3", load=20)]
    p = problem(ws, [household("H1", points=4), household("H2", points=2)])
    ex = exact_problem(p)
    cm = build_model(ex, load_types(ex))
    total = 6 * ex.scale
    assert spread_floor_by_sums(ex, total, 10_000, 0, worker_chunks(cm), cm.added_ub) == 0
    shares = household_shares(cm)
    assert spread_floor_by_households(ex, total, 10_000, 0, shares, cm.added_ub) == 400
    # an allocation in hand at 400: nothing below it, so 400
    assert spread_floor_by_households(ex, total, 10_000, 0, shares, cm.added_ub, 400) == 400
    # the households must add up to the total
    assert spread_floor_by_households(ex, total + 1, 10_000, 0, shares, cm.added_ub) is None
    result = CpSatAllocator().allocate(p)
    assert result.objective[-2] == 4.0  # spread in percentage points


def test_the_max_load_bound_counts_whole_households() -> None:
    # Two workers at 40 of 50 and one household of 8 points: in whole units each could
    # take 4 and stay at 88 %, but the household goes to one of them: 96 %.
    ws = [worker("W1", load=40), worker("W2", load=40)]
    p = problem(ws, [household("H1", points=8)])
    ex = exact_problem(p)
    cm = build_model(ex, load_types(ex))
    placed = evaluate(ex, GreedyAllocator().allocate(p).assignments).placed
    assert sum(placed) == 1
    assert max_load_floor(cm, placed, 0) == 8_800
    assert max_load_floor_by_sums(ex, 8, 0, 9_600, worker_chunks(cm), cm.added_ub) == 9_600


def test_the_days_waited_decide_which_households_count_as_the_least_load() -> None:
    # Two CIN households wait, one place: the lightest (3 points, 2 days) would be the
    # least load, but with 9 days waited fixed it must be the one of 8 points.
    hs = [household("H1", points=3, waiting_days=2), household("H2", points=8, waiting_days=9),
          household("H3", points=5, waiting_days=4)]
    ex = exact_problem(problem([worker("W1", load=30)], hs))
    placed = evaluate(ex, to_assignments(ex, [(1, 0, "lead")])).placed
    assert least_added_load(ex, placed) == 3
    assert least_load_for_days(ex, placed, 9) == 8
    assert least_load_for_days(ex, placed, 4) == 5
    assert least_load_for_days(ex, placed, 0) == 3


def test_bounds_whose_tables_would_be_too_large_claim_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The same examples with the work limit lowered below their tables: the spread
    # bound claims nothing and the least load for the days falls back to the lightest.
    ws = [worker("W1", load=20), worker("W2", load=20)]
    p = problem(ws, [household("H1", points=4)])
    ex = exact_problem(p)
    cm = build_model(ex, load_types(ex))
    hs = [household("H1", points=3, waiting_days=2), household("H2", points=8, waiting_days=9),
          household("H3", points=5, waiting_days=4)]
    ex_days = exact_problem(problem([worker("W1", load=30)], hs))
    placed = evaluate(ex_days, to_assignments(ex_days, [(1, 0, "lead")])).placed
    monkeypatch.setattr(household_sums, "WORK_LIMIT", 10)
    assert spread_floor_by_sums(ex, 4, 10_000, 0, worker_chunks(cm), cm.added_ub) is None
    assert least_load_for_days(ex_days, placed, 9) == 3


def test_the_days_waited_ceiling_sees_that_the_longest_waiting_household_cannot_fit() -> None:
    # One worker at 40 of 50 and one place: H2 has waited longest but its 20 points
    # would take the worker past the ceiling; only H1 (3 points, 2 days) fits. The
    # longest-waiting bound (9 days) leaves a search; the sums prove 2 days, so an
    # allocation waiting 2 days is the optimum and one waiting 1 day is not.
    hs = [household("H1", points=3, waiting_days=2), household("H2", points=20, waiting_days=9)]
    ex = exact_problem(problem([worker("W1", load=40)], hs))
    cm = build_model(ex, load_types(ex))
    placed = evaluate(ex, GreedyAllocator().allocate(ex.problem).assignments).placed
    assert sum(placed) == 1
    assert cm.added_ub == {0: 3}  # H2 fits no worker: the model gives it no variable
    assert waited_ceiling_by_sums(ex, placed, cm.added_ub) == 2


def test_the_days_waited_ceiling_is_the_most_days_whose_households_fit() -> None:
    # One worker with 13 points of room and two places: the two longest waiting (9 and
    # 8 days, 10 points each) do not fit together, so the longest-waiting bound (17
    # days) is out of reach; 12 days or more need 20 points, 11 days (H1 and H3) need
    # 13: the ceiling is 11, the best any allocation does, and a solve stops there.
    hs = [household("H1", points=10, waiting_days=9), household("H2", points=10, waiting_days=8),
          household("H3", points=3, waiting_days=2)]
    ex = exact_problem(problem([worker("W1", load=37)], hs))
    cm = build_model(ex, load_types(ex))
    assert cm.added_ub == {0: 13}
    longest: dict[tuple[int, ...], int] = {}
    for assignments in valid_allocations(ex):
        obj = evaluate(ex, assignments)
        longest[obj.placed] = max(longest.get(obj.placed, 0), obj.waited)
    two = next(placed for placed in longest if sum(placed) == 2)
    assert longest[two] == 11
    assert waited_ceiling_by_sums(ex, two, cm.added_ub) == 11
    assert least_load_for_days(ex, two, 12) == 20


def test_the_placed_ceiling_takes_each_tier_lightest_first_within_the_team_room() -> None:
    # 20 points of room in all: the higher tier's 6 and 8 fit (14), its 9 does not;
    # the lower tier's lightest, 5, then fits (19) and its 7 does not.
    loads = [(0, 9), (0, 8), (0, 6), (1, 7), (1, 5)]
    assert placed_ceiling_by_sums(loads, 2, {0: 12, 1: 8}) == (2, 1)
    assert placed_ceiling_by_sums(loads, 3, {0: 40}) == (3, 2, 0)
    assert placed_ceiling_by_sums([], 2, {0: 5}) == (0, 0)

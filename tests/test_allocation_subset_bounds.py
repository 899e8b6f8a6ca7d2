"""Bounds by household sums (allocation/cpsat/bounds/household_sums.py): valid, and they never change
the optimum.

- each bound is at most the value of every allocation the independent validator
  accepts that keeps the bound's premises (brute force over small meetings);
- the optimiser with the bounds reaches the same value on every level as without
  them, with each skipped stage one the solver proves at the same bound; among
  equally good allocations the one returned may differ (a later stage's solver
  starts from another model history), so allocations are not compared;
- worked examples: households of 4 points into rooms of 3 cannot avoid going
  above the mean; the whole-unit bound cannot see it, the sums can;
- the spread bounds' programmes give exactly what a plain programme gives: one
  dictionary of states per worker, every choice of every worker tried, nothing skipped
  (the module's take shortcuts for speed: workers who can be given nothing added at the
  end, no count of workers moved into amber where the limit cannot bind, only the loads
  that can still make the total, the counts of each kind packed as bit fields of 64-bit
  words); on random small meetings, limits, totals and words as narrow as a few bits
  (most states then span several), None included.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocopt.allocation.cpsat import CpSatAllocator
from allocopt.allocation.cpsat.bounds import household_sums
from allocopt.allocation.cpsat.bounds.household_sums import (
    Share,
    amber_floor_by_sums,
    least_load_for_days,
    max_load_floor_by_sums,
    placed_ceiling_by_sums,
    reachable,
    spread_floor_by_households,
    spread_floor_by_sums,
    spread_term,
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
from allocopt.allocation.exact import PCT_UNITS, ExactProblem, exact_problem, to_assignments
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
PROGRAMMES = settings(SETTINGS, max_examples=150)


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


def _cap(ex: ExactProblem, w: int, total: int, top: int, most: Mapping[int, int]) -> int:
    return min(total, most.get(w, 0), max(0, top * ex.benchmark[w] // PCT_UNITS - ex.load[w]))


def _into_amber(ex: ExactProblem, w: int, added: int) -> bool:
    acc = ex.acceptable_max[w]
    return acc is not None and added > 0 and ex.load[w] + added > acc


def sums_by_reference(ex: ExactProblem, total: int, top: int, amber: int,
                      chunks: Mapping[int, list[tuple[int, int]]],
                      most: Mapping[int, int]) -> int | None:
    """Least spread of any split of `total` as sums of each worker's households."""
    team = list(ex.team)
    sb = sum(ex.benchmark[w] for w in team)
    sl = sum(ex.load[w] for w in team) + total
    best = {(0, 0): 0}  # (new load, workers moved into amber) -> least spread
    for w in team:
        grown: dict[tuple[int, int], int] = {}
        for x in reachable(chunks.get(w, []), _cap(ex, w, total, top, most)):
            term = spread_term(ex.load[w], ex.benchmark[w], sb, sl, x)
            for (t, moved), cost in best.items():
                state = (t + x, moved + _into_amber(ex, w, x))
                if state[0] <= total and state[1] <= amber:
                    grown[state] = min(grown.get(state, cost + term), cost + term)
        best = grown
    found = [cost for (t, _), cost in best.items() if t == total]
    return min(found) if found else None


def households_by_reference(ex: ExactProblem, total: int, top: int, amber: int,
                            shares: list[Share], most: Mapping[int, int],
                            enough: int | None, placed: tuple[int, ...] | None) -> int | None:
    """Least spread of any split of the households themselves (every one, or `placed` of
    each tier), `enough` when that is no less (as the module's docstring says)."""
    every = placed is None
    if every and sum(sh.points * sh.size for sh in shares) != total:
        return None
    shares = [sh for sh in shares if sh.size > 0 and (sh.points > 0 or not every)]
    team = list(ex.team)
    if any(w not in team for sh in shares for w, n in sh.most.items() if n > 0):
        return None
    sb = sum(ex.benchmark[w] for w in team)
    sl = sum(ex.load[w] for w in team) + total
    # (how many of each kind taken, new load, workers moved into amber) -> least spread
    best: dict[tuple[tuple[int, ...], int, int], int] = {((0,) * len(shares), 0, 0): 0}
    for w in team:
        cap = _cap(ex, w, total, top, most)
        ways = [x for x in itertools.product(*(range(min(sh.size, sh.most.get(w, 0)) + 1)
                                               for sh in shares))
                if sum(n * sh.points for n, sh in zip(x, shares, strict=True)) <= cap]
        grown: dict[tuple[tuple[int, ...], int, int], int] = {}
        for x in ways:
            added = sum(n * sh.points for n, sh in zip(x, shares, strict=True))
            term = spread_term(ex.load[w], ex.benchmark[w], sb, sl, added)
            for (used, t, moved), cost in best.items():
                now = tuple(u + n for u, n in zip(used, x, strict=True))
                state = (now, t + added, moved + _into_amber(ex, w, added))
                if (all(u <= sh.size for u, sh in zip(now, shares, strict=True))
                        and state[1] <= total and state[2] <= amber):
                    grown[state] = min(grown.get(state, cost + term), cost + term)
        best = grown

    def done(used: tuple[int, ...]) -> bool:
        if placed is None:
            return all(u == sh.size for u, sh in zip(used, shares, strict=True))
        return all(sum(u for u, sh in zip(used, shares, strict=True) if sh.tier == t) == n
                   for t, n in enumerate(placed))

    found = [cost for (used, t, _), cost in best.items() if t == total and done(used)]
    least = min(found) if found else None
    if enough is not None and (least is None or least >= enough):
        return enough
    return least


@st.composite
def bound_inputs(draw: st.DrawFn) -> tuple[ExactProblem, int, tuple[int, ...], int, int, int]:
    """A small meeting (its acceptable bands moved near the loads, so that workers given
    work often move into amber), a team total and the households placed per tier (of some
    of its households, or any), a max load %, an amber limit and the bits of a word."""
    ex = exact_problem(draw(plain_meetings(4, 5)))
    near = st.none() | st.integers(0, 8 * ex.scale)
    ex = replace(ex, acceptable_max=tuple(
        None if (extra := draw(near)) is None else load + extra for load in ex.load))
    loads = [ex.points[h] + (ex.secondary[h] if household.co_working else 0)
             for h, household in enumerate(ex.households)]
    chosen = draw(st.sets(st.integers(0, len(loads) - 1), min_size=1))
    placed = tuple(sum(ex.households[h].tier == t for h in chosen)
                   for t in range(len(tier_sizes(ex))))
    if draw(st.integers(0, 3)) == 0:
        total = draw(st.integers(0, sum(loads)))
        placed = tuple(draw(st.integers(0, n)) for n in tier_sizes(ex))
    else:
        total = sum(loads[h] for h in chosen)
    top = draw(st.integers(9_000, 16_000))
    return ex, total, placed, top, draw(st.integers(0, 2)), draw(st.sampled_from([63, 63, 2, 5]))


@PROGRAMMES
@given(bound_inputs())
def test_the_spread_bound_by_sums_is_the_plain_programmes_value(
        case: tuple[ExactProblem, int, tuple[int, ...], int, int, int]) -> None:
    ex, total, _, top, amber, _ = case
    cm = build_model(ex, load_types(ex))
    chunks = worker_chunks(cm)
    assert (spread_floor_by_sums(ex, total, top, amber, chunks, cm.added_ub)
            == sums_by_reference(ex, total, top, amber, chunks, cm.added_ub))


@PROGRAMMES
@given(bound_inputs(), st.booleans(), st.none() | st.integers(0, 4_000))
def test_the_spread_bound_by_households_is_the_plain_programmes_value(
        case: tuple[ExactProblem, int, tuple[int, ...], int, int, int], every: bool,
        enough: int | None) -> None:
    ex, total, tiers, top, amber, word_bits = case
    cm = build_model(ex, load_types(ex))
    shares = household_shares(cm)
    placed: tuple[int, ...] | None = tiers
    if every:  # every household placed: the total is theirs (or not, and no split)
        placed = None
        total = sum(sh.points * sh.size for sh in shares) if total % 3 else total
    expected = households_by_reference(ex, total, top, amber, shares, cm.added_ub, enough,
                                       placed)
    with pytest.MonkeyPatch.context() as patch:
        # narrow words: the counts spread over several of them
        patch.setattr(household_sums, "WORD_BITS", word_bits)
        assert spread_floor_by_households(ex, total, top, amber, shares, cm.added_ub, enough,
                                          placed) == expected

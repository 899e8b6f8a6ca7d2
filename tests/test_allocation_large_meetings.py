"""The LP bounds and the starting points of large meetings, against every allocation.

- the LP relaxation with workers pooled by class (cpsat/bounds/count_lp.py) never
  claims more than the best allocation achieves: on every level, given the levels
  before it, its bound is on the right side of the best value found by trying every
  allocation the validator accepts;
- the convex hull of a worker's spread term lies under the term at every load it can
  be given;
- the starting points of large meetings (the lightest of each tier packed best fit,
  and heaviest first to the lowest load % after) keep every hard rule, and so does
  dealing the placed households towards the team mean (even_spread.py), which keeps
  the households and the levels before spread;
- a deal taken back step by step from anywhere (even_spread's exchanges) holds exactly
  the steps left, and a mark taken after such steps still undoes only what came after;
- the preference stage on a model of its own ("counts") keeps every level before it;
- a count model too large to search (solve.SEARCH_BELOW) is never handed to CP-SAT:
  its stages end at the best starting point the heuristics reach, never worse than
  greedy, every rule kept, none reported proven by a search;
- when the spread's targets add up to exactly the new load, households left over by
  dealing are settled by chains of exchanges and moves until every worker ends on its
  target (a case worked by hand); a settling that cannot ends with every worker within
  their limit, or leaves the deal as it was.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import allocopt.allocation.cpsat.solve as solve_module
from allocopt.allocation.cpsat.bounds.count_lp import CountLp
from allocopt.allocation.cpsat.bounds.facets import spread_facets, worker_amounts
from allocopt.allocation.cpsat.bounds.household_sums import spread_term
from allocopt.allocation.cpsat.bounds.priority_lp import priority_bound
from allocopt.allocation.cpsat.solve import solve
from allocopt.allocation.cpsat.stages import Level, Stage
from allocopt.allocation.dealing import Dealer
from allocopt.allocation.even_spread import _fill, _settle, even_spread
from allocopt.allocation.exact import exact_problem, to_assignments
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.objective import evaluate, priority_value, worker_totals
from allocopt.allocation.packing import lowest_after_assignments, tier_subset_assignments
from allocopt.allocation.problem import AllocationProblem
from allocopt.allocation.types import load_types
from allocopt.allocation.validate import validate
from tests.test_allocation_builders import household, problem, valid_allocations, worker
from tests.test_allocation_properties import meetings, plain_meetings

MAXIMISED = {Level.PRIORITY, Level.WAITING, Level.PREFERENCES}

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(plain_meetings(3, 4))
def test_lp_bounds_are_never_beaten_by_any_allocation(p: AllocationProblem) -> None:
    ex = exact_problem(p)
    everything = [(a, evaluate(ex, a)) for a in valid_allocations(ex)]
    best = min(o.key() for _, o in everything)
    top = next(o for _, o in everything if o.key() == best)
    lp = CountLp(ex, load_types(ex))
    assert priority_bound(ex, load_types(ex), None, lp).weighted >= priority_value(ex,
                                                                                   top.placed)
    waited = lp.waited_bound(top.placed)
    assert waited is not None and waited >= top.waited
    amber = lp.amber_bound(top.placed, top.waited)
    assert amber is not None and amber <= top.amber
    level = lp.max_load_bound(top.placed, top.waited, top.amber, top.max_load)
    assert level is not None and level <= top.max_load
    # spread: the least of any allocation with the same values before it and the same
    # new load for the pool (what the spread stage keeps)
    pool = set(ex.team)
    for a, o in everything:
        if (o.placed, o.waited, o.amber, o.max_load) != (top.placed, top.waited, top.amber,
                                                         top.max_load):
            continue
        total = sum(worker_totals(ex, a).added[w] for w in pool)
        bound = lp.spread_bound(top.placed, top.waited, top.amber, top.max_load, total)
        assert bound is not None and bound <= o.spread


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 60), st.integers(10, 60), st.integers(0, 3000),
       st.lists(st.tuples(st.integers(1, 15), st.integers(0, 4)), max_size=5),
       st.integers(0, 80))
def test_the_spread_hull_lies_under_the_term_at_every_reachable_load(
        load: int, benchmark: int, others: int, chunks: list[tuple[int, int]],
        cap: int) -> None:
    sb = benchmark + 400
    sl = load + others
    amounts = worker_amounts(chunks, cap)
    facets = spread_facets(load, benchmark, sb, sl, amounts)
    for a in amounts:
        term = spread_term(load, benchmark, sb, sl, a)
        for f in facets:
            assert f.run * term >= f.rise * a + f.offset


def test_the_hull_charges_a_whole_household_to_a_worker_just_below_the_mean() -> None:
    # a worker at 98 % of a mean of 100 %, households of 10 units (20 %): the linear row
    # lets the LP give 1 unit (2 %) for nothing; the hull charges 1.8 % for it
    load, benchmark = 49, 50
    sb, sl = 1000, 1000  # mean 100 %
    amounts = worker_amounts([(10, 3)], 30)
    assert amounts == [0, 10, 20, 30]
    facets = spread_facets(load, benchmark, sb, sl, amounts)
    first = facets[0]
    assert (first.run, first.rise, first.offset) == (10, spread_term(load, benchmark, sb, sl,
                                                                      10), 0)
    # at 1 unit the hull asks for 1/10 of the term at 10 units (18 %): 180 hundredths
    assert -(-(first.rise * 1 + first.offset) // first.run) == 180


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(meetings())
def test_the_starting_points_of_large_meetings_keep_every_hard_rule(
        p: AllocationProblem) -> None:
    ex = exact_problem(p)
    for assignments in (tier_subset_assignments(ex), lowest_after_assignments(ex)):
        assert validate(p, assignments) == []


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(meetings())
def test_dealing_towards_the_mean_keeps_the_rules_the_households_and_the_levels(
        p: AllocationProblem) -> None:
    ex = exact_problem(p)
    start = lowest_after_assignments(ex)
    before = evaluate(ex, start)
    added = worker_totals(ex, start).added
    amber = frozenset(w for w, a in enumerate(added) if a > 0
                      and (top := ex.acceptable_max[w]) is not None and ex.load[w] + a > top)
    dealt = even_spread(ex, start, before.max_load, amber)
    if dealt is None:
        return
    assert validate(p, dealt) == []
    after = evaluate(ex, dealt)
    assert {a.household_id for a in dealt} == {a.household_id for a in start}
    assert (after.placed, after.waited) == (before.placed, before.waited)
    assert after.amber <= before.amber and after.max_load <= before.max_load


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(meetings(), st.data())
def test_a_deal_taken_back_from_anywhere_holds_exactly_the_steps_left(
        p: AllocationProblem, data: st.DataObject) -> None:
    ex = exact_problem(p)
    steps = [(ex.household_index[a.household_id], ex.worker_index[a.worker_id], a.role)
             for a in GreedyAllocator(objective=False).allocate(p).assignments]
    dealer = Dealer(ex)
    for step in steps:
        dealer.record(*step)
    gone = data.draw(st.lists(st.sampled_from(steps), unique=True)) if steps else []
    for step in gone:
        dealer.drop(*step)
    left = [s for s in steps if s not in gone]
    fresh = Dealer(ex)
    for step in left:
        fresh.record(*step)
    assert sorted(dealer.chosen) == sorted(left)
    assert dealer.added.tolist() == fresh.added.tolist()
    assert dealer.assignments() == to_assignments(ex, left)
    # a mark after the drops: what is recorded later is undone, nothing before it
    mark = len(dealer.chosen)
    for step in gone:
        dealer.record(*step)
    if gone:
        dealer.drop(*gone[0])
    dealer.undo_to(mark)
    assert sorted(dealer.chosen) == sorted(left)
    assert dealer.added.tolist() == fresh.added.tolist()
    # and every step left can still be taken back
    for step in reversed(left):
        dealer.drop(*step)
    assert dealer.chosen == [] and not dealer.added.any()


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(meetings())
def test_preferences_on_a_model_of_their_own_keep_every_level_before(
        p: AllocationProblem) -> None:
    # "counts" (the largest meetings' preference stage) solves level 5 on a model of its
    # own; the levels before stay as the points stage leaves them, every rule kept
    ex = exact_problem(p)
    greedy = GreedyAllocator().allocate(p).assignments
    kept = solve(ex, [("greedy", greedy)], 5.0, 1, 0, preference_space="points").best
    apart = solve(ex, [("greedy", greedy)], 5.0, 1, 0, preference_space="counts").best
    assert validate(p, apart.assignments) == []
    assert apart.objective.key()[:-1] == kept.objective.key()[:-1]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(meetings())
def test_a_count_model_too_large_to_search_is_never_searched(p: AllocationProblem) -> None:
    ex = exact_problem(p)
    greedy = GreedyAllocator().allocate(p).assignments

    def no_search(*args: object, **kwargs: object) -> None:
        raise AssertionError("CP-SAT asked to search a model too large to search")

    with pytest.MonkeyPatch.context() as mp:
        # every count model "too large" (region size at 1,000 x 5,000); "points" keeps
        # the preference stage on the count model too, so no stage may reach CP-SAT
        mp.setattr(solve_module, "SEARCH_BELOW", 0)
        mp.setattr(solve_module, "_run", no_search)
        solved = solve(ex, [("greedy", greedy)], 5.0, 1, 0, preference_space="points")
    assert solved.solves == 0
    assert validate(p, solved.best.assignments) == []
    assert solved.best.objective.key() <= evaluate(ex, greedy).key()
    outcomes = {r.outcome.split(":")[0] for r in solved.stages}
    assert outcomes <= {"skipped", "not searched"}
    for r in solved.stages:
        if r.outcome.startswith("not searched"):
            # a bound the search never proved: on the right side of the value kept
            assert (r.bound >= r.value) if r.level in MAXIMISED else (r.bound <= r.value)


@SETTINGS
@given(plain_meetings(3, 6))
def test_a_search_that_ends_early_with_no_bound_proves_nothing(p: AllocationProblem) -> None:
    # every stage without a bound of its own, and every search ending before it finds
    # or proves anything: no stage may be reported proven, so the answer is not optimal
    ex = exact_problem(p)
    greedy = GreedyAllocator().allocate(p).assignments
    make = solve_module.make_stages

    def unbounded(*args: Any, **kwargs: Any) -> list[Stage]:
        stages = make(*args, **kwargs)
        for stage in stages:
            # the bound still worked out (the max-load stage's model reads its floor),
            # only not told
            stage.bound = _untold(stage.bound)
            stage.proof = None
        return stages

    def nothing(*args: object, **kwargs: object) -> tuple[bool, bool, float, None]:
        return False, False, math.nan, None

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(solve_module, "make_stages", unbounded)
        mp.setattr(solve_module, "_run", nothing)
        solved = solve(ex, [("greedy", greedy)], 5.0, 1, 0, skip_at_bound=False)
    assert solved.solves == len(solved.stages)
    assert {r.outcome for r in solved.stages} == {"time limit"}
    assert solved.best.objective.key() <= evaluate(ex, greedy).key()


def _untold(bound: Callable[[Any], int | None]) -> Callable[[Any], int | None]:
    def untold(c: Any) -> int | None:
        bound(c)
        return None

    return untold


def test_households_left_over_are_settled_so_every_worker_ends_on_its_target() -> None:
    # Targets 7 and 5 points; households 4, 3, 3 and 2. Dealing heaviest first to the
    # tightest fit: 4 to W2 (1 to spare), 3 and 3 to W1 (1 to spare), and the 2 fits
    # nowhere. Settling: the 2 on W1 (1 over), moved on to W2 (W2 1 over, W1 1 short),
    # then W2's 4 exchanged for a 3 of W1: W1 4 + 3 = 7, W2 3 + 2 = 5.
    p = problem([worker("W1", load=0), worker("W2", load=0)],
                [household("H1", 4), household("H2", 3), household("H3", 3),
                 household("H4", 2)])
    ex = exact_problem(p)
    unit = ex.points[0] // 4
    target = np.array([7 * unit, 5 * unit], dtype=np.int64)
    dealer = Dealer(ex)
    left = [h for h in range(4) if not _fill(dealer, h, target)]
    assert left == [3]
    assert dealer.added.tolist() == [6 * unit, 4 * unit]
    assert _settle(dealer, [0, 1, 2, 3], left, target, target, float("inf")) == "exact"
    assert dealer.added.tolist() == target.tolist()
    held = {ex.households[h].id: ex.workers[w].id for h, w, _ in dealer.chosen}
    assert held["H4"] == "W2" and held["H1"] == "W1"
    assert validate(p, dealer.assignments()) == []


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plain_meetings(4, 9), st.data())
def test_settling_ends_every_worker_on_target_or_leaves_the_deal_as_it_was(
        p: AllocationProblem, data: st.DataObject) -> None:
    ex = exact_problem(p)
    n = len(ex.workers)
    # targets adding up to exactly the movable load: greedy's split of it (reachable),
    # or any split, rules or not (often not)
    greedy = {ex.household_index[a.household_id]: ex.worker_index[a.worker_id]
              for a in GreedyAllocator(objective=False).allocate(p).assignments}
    movable = sorted(h for h in greedy if not ex.households[h].co_working)
    owners = [greedy[h] for h in movable]
    if data.draw(st.booleans()):
        owners = data.draw(st.lists(st.integers(0, n - 1), min_size=len(movable),
                                    max_size=len(movable)))
    target = np.zeros(n, dtype=np.int64)
    for h, w in zip(movable, owners, strict=True):
        target[w] += ex.points[h]
    dealer = Dealer(ex)
    # dealt in any order (lightest first often leaves some over, for settling to do)
    left = [h for h in data.draw(st.permutations(movable)) if not _fill(dealer, h, target)]
    # some room over the targets (up to `over` of the lightest household each)
    limit = target + data.draw(st.integers(0, 2)) * min(
        (ex.points[h] for h in movable), default=0)
    before, added = sorted(dealer.chosen), dealer.added.tolist()
    settled = _settle(dealer, movable, left, target, limit, float("inf"))
    if settled == "no":
        assert sorted(dealer.chosen) == before
        assert dealer.added.tolist() == added
        return
    assert {h for h, _, _ in dealer.chosen} == set(movable)
    assert validate(p, dealer.assignments()) == []
    if settled == "exact":
        assert dealer.added.tolist() == target.tolist()
    else:
        assert (dealer.added <= limit).all()
        assert dealer.added.tolist() != target.tolist()


def test_load_is_passed_along_a_chain_of_exchanges_to_a_worker_below_target(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # W1 holds 4 (target 3), W2 holds 3 and 5 (target 8), W3 holds 4 (target 5). No
    # single move or exchange between W1 and W3 helps; the chain does: W1 gives its 4 to
    # W2 for the 3, and W2 gives its 5 to W3 for the 4. The tabu search is switched off
    # so only the chain can settle it.
    monkeypatch.setattr("allocopt.allocation.even_spread.SETTLE_STEPS", 0)
    p = problem([worker("W1", load=0), worker("W2", load=0), worker("W3", load=0)],
                [household("A", 4), household("B", 3), household("C", 5), household("D", 4)])
    ex = exact_problem(p)
    unit = ex.points[1] // 3
    dealer = Dealer(ex)
    for h, w in ((0, 0), (1, 1), (2, 1), (3, 2)):
        dealer.record(h, w, "lead")
    target = np.array([3 * unit, 8 * unit, 5 * unit], dtype=np.int64)
    assert _settle(dealer, [0, 1, 2, 3], [], target, target, float("inf")) == "exact"
    held = {ex.households[h].id: ex.workers[w].id for h, w, _ in dealer.chosen}
    assert held == {"A": "W2", "B": "W1", "C": "W3", "D": "W2"}
    assert validate(p, dealer.assignments()) == []

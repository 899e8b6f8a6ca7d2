"""A tier's households repacked by pattern (allocation/pattern_packing.py).

- a case worked by hand that chains of exchanges cannot settle: four households fit only
  when all three workers are repacked at once, and the matching of households to sizes
  keeps a conflict of interest;
- a household no slot of its size can take gives way to the next longest waiting, and a
  household of no points is placed after the repacking;
- the meeting that motivated it (200 x 1,000 overload): chains stop one CP household
  short of the LP bound, repacking reaches it;
- on any meeting, whatever it returns keeps every hard rule, places more households of
  the tier, places no fewer of the tiers above, and is lexicographically better;
- the matching: over a thousand households of one size at once, and against brute force
  on small cases;
- listing patterns stops at the deadline, and lists every maximal pattern before it.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from collections import Counter
from pathlib import Path
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from allocopt.allocation.cpsat.bounds.count_lp import TOLERANCE
from allocopt.allocation.cpsat.bounds.priority_lp import priority_bound
from allocopt.allocation.dealing import Dealer
from allocopt.allocation.exact import exact_problem, to_assignments
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.objective import evaluate
from allocopt.allocation.pattern_packing import _match, _maximal, pack_by_patterns
from allocopt.allocation.problem import AllocationProblem, Assignment, Exclusion, Policy
from allocopt.allocation.room_making import make_room
from allocopt.allocation.types import load_types
from allocopt.allocation.validate import validate
from allocopt.domain import Status
from tests.test_allocation_builders import household, problem, worker
from tests.test_room_making import CEILING, DEALS, check_places_more_of_each_tier, tight_deals

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_three_workers_repacked_at_once_place_one_more() -> None:
    # Rooms under the ceiling: W1 5, W2 7, W3 6 points. W1 holds C (CP, 3), W2 holds E
    # (CP, 7), W3 holds A (CP, 4): three placed, and B (4), D (5), F (6) and G (7) wait.
    # No single move or exchange makes room for any of them. Counted by size, W2 can take
    # 3 + 4 and W1 and W3 one more each (a 4, or a 5 or 6 where it fits): four placed. B
    # may not go to W2 (a conflict of interest), so A goes there with C, and B to W1 or
    # W3.
    p = problem([worker("W1", load=CEILING - 5), worker("W2", load=CEILING - 7),
                 worker("W3", load=CEILING - 6)],
                [household(id_, size, status=Status.CP) for id_, size in
                 [("A", 4), ("B", 4), ("C", 3), ("D", 5), ("E", 7), ("F", 6), ("G", 7)]],
                Policy(exclusions=(Exclusion(household="B", worker="W2"),)))
    ex = exact_problem(p)
    cp = ex.households[0].tier
    start = to_assignments(ex, [(2, 0, "lead"), (4, 1, "lead"), (0, 2, "lead")])
    assert validate(p, start) == []
    assert evaluate(ex, start).placed[cp] == 3
    assert make_room(ex, start, cp, time.perf_counter() + 10) is None
    packed = pack_by_patterns(ex, start, cp, time.perf_counter() + 10)
    assert packed is not None
    assert validate(p, packed) == []
    held = {a.household_id: a.worker_id for a in packed}
    assert len(held) == 4
    assert (held["A"], held["C"]) == ("W2", "W2")
    assert held["B"] in {"W1", "W3"}
    (fourth,) = held.keys() - set("ABC")
    assert fourth in {"D", "F"} and {held["B"], held[fourth]} == {"W1", "W3"}
    # four is the most: W1 and W3 each hold one at most, W2 two
    assert pack_by_patterns(ex, packed, cp, time.perf_counter() + 10) is None


def test_a_household_no_slot_can_take_gives_way_to_the_next_longest_waiting() -> None:
    # W1 and W2 have 6 points of room and hold X and Y (CP, 3 each). A (CP, 4) has waited
    # longest but is barred from both; B (CP, 4) waits too. Repacked, one worker keeps
    # 3 + 3 and the other takes a 4: A cannot have that slot, so B does.
    p = problem([worker("W1", load=CEILING - 6), worker("W2", load=CEILING - 6)],
                [household("A", 4, status=Status.CP, waiting_days=30),
                 household("B", 4, status=Status.CP, waiting_days=5),
                 household("X", 3, status=Status.CP), household("Y", 3, status=Status.CP)],
                Policy(exclusions=(Exclusion(household="A", worker="W1"),
                                   Exclusion(household="A", worker="W2"))))
    ex = exact_problem(p)
    start = to_assignments(ex, [(2, 0, "lead"), (3, 1, "lead")])
    assert validate(p, start) == []
    packed = pack_by_patterns(ex, start, ex.households[0].tier, time.perf_counter() + 10)
    assert packed is not None
    assert validate(p, packed) == []
    held = {a.household_id: a.worker_id for a in packed}
    assert held.keys() == {"B", "X", "Y"}
    assert held["X"] == held["Y"] != held["B"]


def test_a_household_of_no_points_is_placed_after_the_repacking() -> None:
    # the case above without the exclusion, and Z (CP, 0 points) waiting too: it has no
    # size to pack, so the manager's rule places it once the others are repacked
    p = problem([worker("W1", load=CEILING - 5), worker("W2", load=CEILING - 7),
                 worker("W3", load=CEILING - 6)],
                [household(id_, size, status=Status.CP) for id_, size in
                 [("A", 4), ("B", 4), ("C", 3), ("D", 5), ("E", 7), ("Z", 0)]])
    ex = exact_problem(p)
    start = to_assignments(ex, [(2, 0, "lead"), (4, 1, "lead"), (0, 2, "lead")])
    packed = pack_by_patterns(ex, start, ex.households[0].tier, time.perf_counter() + 10)
    assert packed is not None
    assert validate(p, packed) == []
    assert {a.household_id for a in packed} >= {"A", "B", "C", "Z"} and len(packed) == 5


def test_at_200_by_1000_overload_repacking_reaches_the_lp_bound() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from allocation_instances import instance
    finally:
        sys.path.remove(str(BENCHMARKS))
    p = instance("standard", "service", "overload").problem
    ex = exact_problem(p)
    start = GreedyAllocator().allocate(p).assignments
    cp = 1
    made = make_room(ex, start, cp, time.perf_counter() + 30)
    assert made is not None
    chains = evaluate(ex, made)
    bound = priority_bound(ex, load_types(ex), chains.placed)
    assert (chains.placed[:2], bound.short_at) == ((36, 341), 1)
    assert [math.floor(v + TOLERANCE) for v in bound.tiers[:2]] == [36, 342]
    packed = pack_by_patterns(ex, made, cp, time.perf_counter() + 30)
    assert packed is not None
    assert validate(p, packed) == []
    after = evaluate(ex, packed)
    assert after.placed[:2] == (36, 342)
    # at its bound: the stage is settled without a search
    assert priority_bound(ex, load_types(ex), after.placed).short_at != 1


@st.composite
def deals_with_exclusions(draw: st.DrawFn) -> tuple[AllocationProblem, tuple[Assignment, ...]]:
    """A deal of :func:`tight_deals`, and some households barred from a worker each (not
    one they are dealt to)."""
    p, start = draw(tight_deals())
    dealt = {(a.household_id, a.worker_id) for a in start}
    pairs = [(h.id, w.id) for h in p.households for w in p.workers
             if (h.id, w.id) not in dealt]
    barred = draw(st.lists(st.sampled_from(pairs), max_size=4, unique=True)) if pairs else []
    policy = Policy(exclusions=tuple(Exclusion(household=h, worker=w) for h, w in barred))
    return problem(list(p.workers), list(p.households), policy), start


@DEALS
@given(deals_with_exclusions())
def test_repacking_keeps_every_rule_and_places_more_of_the_tier(
        deal: tuple[AllocationProblem, tuple[Assignment, ...]]) -> None:
    check_places_more_of_each_tier(deal, pack_by_patterns)


def test_a_size_held_by_more_than_a_thousand_households_is_matched() -> None:
    # 400 workers with 8 points of room each hold two CP households of 3 points; 1,100 of
    # 2 points wait. The most: 233 workers take four of 2 points and 167 two of 3 and one
    # of 2. The 1,100 households of 2 points are matched to their slots at once: the
    # augmenting paths of a matching by recursion (one call per household on the path)
    # ran past Python's recursion limit here, after seconds of work.
    n_w, n_2 = 400, 1100
    p = problem([worker(f"W{i:03}", load=CEILING - 8) for i in range(n_w)],
                [household(f"A{j:04}", 2, status=Status.CP) for j in range(n_2)]
                + [household(f"B{j:03}", 3, status=Status.CP) for j in range(2 * n_w)])
    ex = exact_problem(p)
    start = to_assignments(ex, [(n_2 + 2 * i + k, i, "lead")
                                for i in range(n_w) for k in range(2)])
    assert evaluate(ex, start).placed[1] == 800
    packed = pack_by_patterns(ex, start, 1, time.perf_counter() + 30)
    assert packed is not None
    assert validate(p, packed) == []
    assert evaluate(ex, packed).placed[1] == 4 * 233 + 3 * 167


class _Leads:
    """What the matching reads of a deal: the workers each household may go to."""

    def __init__(self, leads: list[tuple[int, ...]]) -> None:
        self.static_leads = leads


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n_w: st.tuples(
    st.lists(st.lists(st.integers(0, n_w - 1), unique=True).map(lambda ws: tuple(sorted(ws))),
             max_size=6),
    st.lists(st.integers(0, n_w - 1), max_size=7))))
def test_households_are_matched_to_slots_whenever_they_can_be(
        case: tuple[list[tuple[int, ...]], list[int]]) -> None:
    leads, slots = case
    households = list(range(len(leads)))
    found = _match(households, slots, cast(Dealer, _Leads(leads)))
    # by brute force: every household to a slot of its own that it may take
    possible = len(households) <= len(slots) and any(
        all(slots[i] in leads[h] for h, i in zip(households, pick, strict=True))
        for pick in itertools.permutations(range(len(slots)), len(households)))
    assert (found is not None) == possible
    if found is not None:
        assert sorted(h for h, _ in found) == households
        assert all(w in leads[h] for h, w in found)
        held = Counter(w for _, w in found)
        assert all(n <= slots.count(w) for w, n in held.items())


def test_listing_patterns_stops_at_the_deadline() -> None:
    """Sizes 1 to 13 with plenty of each into 60 points have 414,624 maximal patterns:
    listing them all takes about ten seconds and 3.9 million steps, within the step
    budget, so only the clock can end the listing at 0.2 s."""
    sizes = list(range(13, 0, -1))
    avail = Counter({s: 100 for s in sizes})
    budget = [5_000_000]
    started = time.perf_counter()
    patterns = list(_maximal(sizes, avail, 60, budget, started + 0.2))
    assert budget[0] < 0
    assert time.perf_counter() - started < 1.0
    assert patterns  # what was found before the deadline is kept for the caller to judge


def test_every_maximal_pattern_is_listed_before_the_deadline() -> None:
    """Sizes 5, 3 and 2 (two of each) into 9 points, worked by hand: 5+3 (no 2 fits in
    the 1 left), 5+2+2, 3+3+2, and 3+2+2 leaves 2 with no size left over of 2 or less."""
    sizes = [5, 3, 2]
    budget = [1_000]
    patterns = set(_maximal(sizes, Counter({5: 2, 3: 2, 2: 2}), 9, budget,
                            time.perf_counter() + 60))
    assert budget[0] >= 0
    assert patterns == {(1, 1, 0), (1, 0, 2), (0, 2, 1), (0, 1, 2)}

"""Shortcuts the optimiser and the simulator take on small meetings, against brute force.

- a meeting of a few households is decided by searching every allocation
  (allocation/small.py): its answer is the best of all allocations the independent
  validator accepts, and the optimiser's stage-by-stage model agrees with it on
  every level it proves optimal in absolute terms (priority, days waited, amber,
  max load) and is never better on the others;
- when nobody has room for even the lightest household (rule_checks.fits_nobody), no
  policy places anything.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocopt.allocation.cpsat import CpSatAllocator
from allocopt.allocation.cpsat.solve import solve
from allocopt.allocation.exact import FINEST, ExactProblem, exact_problem, room_in_band
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.objective import Objective, evaluate
from allocopt.allocation.problem import AllocationProblem, Policy
from allocopt.allocation.rule_checks import fits_nobody
from allocopt.allocation.small import small_meeting
from allocopt.allocation.validate import validate
from tests.test_allocation_builders import household, problem, valid_allocations, worker
from tests.test_allocation_properties import plain_meetings

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def brute_force(ex: ExactProblem) -> Objective:
    """The best objective over every allocation the validator accepts."""
    best = None
    for assignments in valid_allocations(ex):
        objective = evaluate(ex, assignments)
        if best is None or objective.key() < best.key():
            best = objective
    assert best is not None  # placing nobody always keeps the rules
    return best


@SETTINGS
@given(plain_meetings(6, 3))
def test_a_small_meeting_gets_the_best_of_all_allocations(p: AllocationProblem) -> None:
    ex = exact_problem(p)
    found = small_meeting(ex, limit=10**6)
    assert found is not None
    assignments, objective = found
    assert validate(p, assignments) == []
    assert objective == evaluate(ex, assignments)
    assert objective.key() == brute_force(ex).key()


@SETTINGS
@given(plain_meetings(6, 3))
def test_the_optimiser_agrees_with_the_enumeration(p: AllocationProblem) -> None:
    ex = exact_problem(p)
    found = small_meeting(ex, limit=10**6)
    assert found is not None
    best = found[1]
    result = CpSatAllocator().allocate(p)
    assert result.status == "optimal"
    if small_meeting(ex) is not None:  # few enough allocations: decided by trying them all
        assert result.objective == result.bound == best.as_floats()
    # the stage-by-stage model proves the first levels optimal in absolute terms (spread
    # and preferences only relative to the allocation the previous level handed on)
    greedy = GreedyAllocator().allocate(p).assignments
    modelled = solve(ex, [("greedy", greedy)], 5.0, 1, 0).best.objective
    assert (modelled.placed, modelled.waited, modelled.amber, modelled.max_load) == (
        best.placed, best.waited, best.amber, best.max_load)
    assert best.key() <= modelled.key()


def test_a_meeting_too_large_to_search_goes_to_the_model() -> None:
    ws = [worker(f"W{i}", load=10) for i in range(6)]
    many = [household(f"H{i}", points=3) for i in range(4)]  # more households than searched
    assert small_meeting(exact_problem(problem(ws, many))) is None
    result = CpSatAllocator().allocate(problem(ws, many))
    assert not any("searched" in note for note in result.notes)
    assert len(result.assignments) == 4
    few = [household(f"H{i}", points=3) for i in range(3)]
    assert small_meeting(exact_problem(problem(ws, few)), limit=20) is None  # over budget
    assert small_meeting(exact_problem(problem(ws, few))) is not None


@SETTINGS
@given(st.lists(st.integers(40, 60), min_size=1, max_size=5), st.integers(1, 12))
def test_when_nobody_has_room_for_the_lightest_household_nothing_is_placed(
        loads: list[int], lightest: int) -> None:
    ws = [worker(f"W{i}", load=load) for i, load in enumerate(loads)]
    hs = [household("H1", points=lightest), household("H2", points=lightest + 3)]
    p = problem(ws, hs)
    ex = exact_problem(p)
    # the amber ceiling of a benchmark of 50: below 110 %, so at most 54 points
    assert fits_nobody(ex) == all(load + lightest > 54 for load in loads)
    if fits_nobody(ex):
        assert GreedyAllocator().allocate(p).assignments == ()
        assert CpSatAllocator().allocate(p).assignments == ()


@SETTINGS
@given(st.integers(0, 600), st.integers(1, 80), st.sampled_from([1, 10, 100]),
       st.sampled_from([30.0, 37.5, 45.0, 50.0]), st.sampled_from(["amber", "green"]))
def test_room_in_band_decides_as_the_exact_problem_does(
        tenths: int, extra_tenths: int, scale: int, benchmark: float, band: str) -> None:
    # loads in whole points, tenths or hundredths, as schemes and simulator sums give them
    load, extra = tenths * 10 / scale / 10, extra_tenths * 10 / scale / 10
    p = problem([worker("W1", load=load, benchmark=benchmark)], [household("H1", points=extra)],
                Policy(ceiling_band=band))
    ex = exact_problem(p)
    room = room_in_band(p.scheme, band, load, benchmark)
    assert room is not None
    assert (round(extra * FINEST) <= room) == (ex.load[0] + ex.points[0] <= ex.ceiling_max[0])
    assert fits_nobody(ex) == (round(extra * FINEST) > room)

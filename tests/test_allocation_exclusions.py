"""Households with an exclusion stay in their load type, and the optimiser stays exact.

A household that excludes one worker is counted with the households like it; the
model keeps each worker within the placed households of the type that do not exclude
them, and places each group (those excluding the same worker, those excluding no
one) longest waiting first. Checked against every allocation of small meetings.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocopt.allocation.cpsat import CpSatAllocator, canonical
from allocopt.allocation.cpsat.solve import solve
from allocopt.allocation.exact import exact_problem
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.problem import AllocationProblem, Exclusion, Policy
from allocopt.allocation.types import load_types
from allocopt.allocation.validate import validate
from allocopt.domain import Status
from tests.test_allocation_builders import household, leads, problem, worker
from tests.test_allocation_small import brute_force


def test_the_longest_waiting_household_waits_when_only_the_excluded_worker_has_room() -> None:
    # W1 has room for two households of 5 points (40 -> 50 of 50); W2 has none. H1 has
    # waited longest but excludes W1: W1 takes H2 and H3, and H1 waits.
    ws = [worker("W1", load=40), worker("W2", load=54)]
    hs = [household("H1", waiting_days=30), household("H2", waiting_days=20),
          household("H3", waiting_days=10)]
    p = problem(ws, hs, Policy(exclusions=(Exclusion(household="H1", worker="W1"),)))
    types = load_types(exact_problem(canonical(p)))
    assert len(types) == 1 and types[0].excluded == {0: (0,)}
    ex = exact_problem(p)
    greedy = GreedyAllocator().allocate(p).assignments
    found = solve(ex, [("greedy", greedy)], 5.0, 1, 0).best
    assert {a.household_id: a.worker_id for a in found.assignments} == {"H2": "W1", "H3": "W1"}
    assert found.objective.waited == 30


def test_households_excluding_two_workers_are_types_of_their_own() -> None:
    ws = [worker("W1"), worker("W2"), worker("W3")]
    hs = [household("H1"), household("H2"), household("H3", co_working=True),
          household("H4", co_working=True)]
    p = problem(ws, hs, Policy(exclusions=(
        Exclusion(household="H1", worker="W1"), Exclusion(household="H2", worker="W1"),
        Exclusion(household="H2", worker="W2"), Exclusion(household="H3", worker="W3"))))
    types = load_types(exact_problem(p))
    alone = {types[k].households for k in range(len(types)) if types[k].key[0] == "household"}
    # H2 excludes two workers, H3 is co-worked with an exclusion: each is its own type
    assert alone == {(1,), (2,)}
    result = CpSatAllocator().allocate(p)
    assert validate(p, result) == []
    assert leads(result).get("H2") == "W3"


@st.composite
def meetings_with_exclusions(draw: st.DrawFn) -> AllocationProblem:
    n_w = draw(st.integers(2, 3))
    n_h = draw(st.integers(3, 5))
    ws = [worker(f"W{i}", load=float(draw(st.integers(30, 52)))) for i in range(n_w)]
    hs = [household(f"H{i}", points=float(draw(st.sampled_from([5, 10]))),
                    status=draw(st.sampled_from([Status.CIN, Status.CP])),
                    waiting_days=draw(st.integers(0, 30))) for i in range(n_h)]
    exclusions = []
    for h in hs:
        w = draw(st.integers(-1, n_w - 1))
        if w >= 0:
            exclusions.append(Exclusion(household=h.id, worker=f"W{w}"))
    policy = Policy(exclusions=tuple(exclusions),
                    ceiling_band=draw(st.sampled_from(["amber", "green"])))
    return canonical(problem(ws, hs, policy))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(meetings_with_exclusions())
def test_the_model_with_exclusions_in_types_finds_the_best_allocation(
        p: AllocationProblem) -> None:
    ex = exact_problem(p)
    greedy = GreedyAllocator().allocate(p).assignments
    found = solve(ex, [("greedy", greedy)], 5.0, 1, 0).best
    assert validate(p, found.assignments) == []
    best = brute_force(ex)
    got = found.objective
    # levels proven in absolute terms (spread and preferences only relative to the
    # allocation the levels before hand on)
    assert (got.placed, got.waited, got.amber, got.max_load) == (
        best.placed, best.waited, best.amber, best.max_load)

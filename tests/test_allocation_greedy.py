"""The manager's rule: highest tier first, longest waiting first, to the least-loaded worker."""

from __future__ import annotations

import random

from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.problem import AllocationProblem
from allocopt.allocation.validate import validate
from allocopt.domain import Status
from tests.test_allocation_builders import household, leads, problem, worker


def test_highest_tier_first_then_longest_waiting() -> None:
    # One worker with room for one 5-point household (45 + 5 = 50: 100 %, any more would
    # be 110 % red): the CP household wins over a CIN waiting longer; among two CIN
    # households, the one waiting longer wins.
    w = [worker("W1", 45)]
    assert leads(GreedyAllocator().allocate(problem(
        w, [household("H1", waiting_days=30), household("H2", status=Status.CP)]))) == {"H2": "W1"}
    result = GreedyAllocator().allocate(problem(
        w, [household("H1", waiting_days=3), household("H2", waiting_days=9)]))
    assert leads(result) == {"H2": "W1"}
    assert result.unallocated == ("H1",)


def test_least_loaded_by_load_percent_not_by_points() -> None:
    # W1 holds 20 of 25 (80 %), W2 holds 30 of 50 (60 %): W2 is less loaded by load %.
    result = GreedyAllocator().allocate(problem([worker("W1", 20, 25), worker("W2", 30, 50)],
                                                [household("H1", 2)]))
    assert leads(result) == {"H1": "W2"}


def test_each_allocation_updates_the_load_before_the_next() -> None:
    # 30/50 and 32/50: H1 (6 pts) to W1 -> 36; H2 then to W2 (32 < 36) -> 38; H3 to W1.
    result = GreedyAllocator().allocate(problem(
        [worker("W1", 30), worker("W2", 32)],
        [household("H1", 6, waiting_days=3), household("H2", 6, waiting_days=2),
         household("H3", 1, waiting_days=1)]))
    assert leads(result) == {"H1": "W1", "H2": "W2", "H3": "W1"}


def test_ties_go_to_the_better_match_then_the_worker_id() -> None:
    p = problem([worker("W2", 30, locality="North"), worker("W1", 30, locality="South")],
                [household("H1", locality="North")])
    assert leads(GreedyAllocator().allocate(p)) == {"H1": "W2"}
    p = problem([worker("W2", 30), worker("W1", 30)], [household("H1")])
    assert leads(GreedyAllocator().allocate(p)) == {"H1": "W1"}


def test_overload_leaves_the_lowest_priority_unallocated_with_every_rule_kept() -> None:
    # Each worker has room for two 4-point households (44 + 8 = 52: 104 %, amber; a third
    # would be 112 %, red): both CP households, then the two CIN waiting longest.
    p = problem([worker("W1", 44), worker("W2", 44)],
                [household(f"H{i}", 4, Status.CP if i < 3 else Status.CIN, waiting_days=i)
                 for i in range(1, 7)])
    result = GreedyAllocator().allocate(p)
    assert validate(p, result) == []
    assert set(leads(result)) == {"H1", "H2", "H6", "H5"}
    assert result.unallocated == ("H4", "H3")
    assert result.status == "feasible" and len(result.objective) == 12


def _shuffled(p: AllocationProblem, seed: int) -> AllocationProblem:
    rng = random.Random(seed)
    workers, households = list(p.workers), list(p.households)
    rng.shuffle(workers)
    rng.shuffle(households)
    return AllocationProblem(p.scheme, p.policy, p.on, tuple(workers), tuple(households))


def test_input_order_does_not_matter() -> None:
    p = problem([worker(f"W{i}", 30 + i) for i in range(5)],
                [household(f"H{i}", 2 + i % 4, waiting_days=i % 3) for i in range(12)])
    first = GreedyAllocator().allocate(p)
    for seed in range(3):
        again = GreedyAllocator().allocate(_shuffled(p, seed))
        assert again.assignments == first.assignments
        assert again.objective == first.objective

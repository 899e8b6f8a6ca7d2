"""Every engine reads the hard rules from their declarations (allocation/rules.py).

- The guard: two rules added to the declarations at run time, one with an
  eligibility part and one with a linear part, are kept by every engine with no
  other line of code: the greedy rule, the packing, balancing and local-search
  starts, the small search, the CP-SAT model, its LP bound and its conflict
  explanation, rebalancing and the simulator (the validator checks them all). An
  engine that knew the rules by name instead of reading the declarations breaks
  them here, so a declared rule that some engine does not consume fails this test.
- The court households limit, a policy option off by default, in every engine.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from datetime import date
from typing import Any

import pytest

from allocopt.allocation import rule_checks
from allocopt.allocation.cpsat.bounds.priority_lp import priority_bound
from allocopt.allocation.cpsat.conflicts import pin_conflicts
from allocopt.allocation.engines import ENGINE_NAMES, engine_runs, model_only
from allocopt.allocation.exact import ExactProblem, exact_problem
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.problem import (
    AllocationProblem,
    Assignment,
    Pin,
    Policy,
    RoleName,
    build_problem,
)
from allocopt.allocation.rebalance import plan_rebalance
from allocopt.allocation.rule_forms import HardRule, Limit
from allocopt.allocation.types import load_types
from allocopt.allocation.validate import Breach, validate
from allocopt.domain import Status
from tests.test_allocation_builders import ON, household, leads, problem, scheme, worker
from tests.test_allocation_cases import _court, _rebalance_team, _team

# ------------------------------------------------------ rules added at run time


def _north_no_cla(ex: ExactProblem, w: int, h: int, role: RoleName) -> str | None:
    if ex.workers[w].locality == "North" and Status.CLA in ex.households[h].by_status:
        return f"{ex.workers[w].id} covers the North and takes no looked-after children"
    return None


NORTH_NO_CLA = HardRule(
    name="north_no_cla", label="no CLA in the North", keeps="test: no CLA work in the North",
    concerns="workers covering the North; households with a looked-after child",
    static=_north_no_cla, worker_facts=lambda ex, w: ex.workers[w].locality == "North")


def _one_travel_rows(ex: ExactProblem, w: int) -> tuple[Limit, ...]:
    return (Limit("one_travel", 1, 0, (("long_travel", 1),)),)


def _travel_facts(ex: ExactProblem) -> list[tuple[Hashable, ...]]:
    return [(h.long_travel,) for h in ex.households]


ONE_TRAVEL = HardRule(
    name="one_travel", label="one long-travel family each",
    keeps="test: at most one household with long travel led per worker",
    concerns="every worker; households with long travel", household_facts=_travel_facts,
    limits=_one_travel_rows,
    over=lambda ex, w, h, row, total: f"{ex.workers[w].id} would lead {total} far away")


def nothing_for(worker: str) -> HardRule:
    """A rule giving one worker nothing new."""

    def refuse(ex: ExactProblem, w: int, h: int, role: RoleName) -> str | None:
        return f"{worker} takes nothing new" if ex.workers[w].id == worker else None

    return HardRule(name="nothing_for_one", label="nothing for one worker",
                    keeps="test: one worker rests", concerns="one worker", static=refuse,
                    worker_facts=lambda ex, w: ex.workers[w].id == worker)


def declare(monkeypatch: pytest.MonkeyPatch, extra: tuple[HardRule, ...]) -> None:
    """The declarations with `extra` added (as if written in rules.py)."""
    real = rule_checks._active.__wrapped__  # type: ignore[attr-defined]

    def active(switches: Any) -> tuple[HardRule, ...]:
        return (*real(switches), *extra)

    def static(switches: Any) -> tuple[HardRule, ...]:
        return tuple(r for r in active(switches) if r.static is not None)

    monkeypatch.setattr(rule_checks, "_active", active)
    monkeypatch.setattr(rule_checks, "_static", static)


@pytest.fixture
def declared(request: pytest.FixtureRequest,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[HardRule, ...]]:
    """The declarations with the rules of the test's parameter added."""
    declare(monkeypatch, request.param)
    yield request.param


def guarded_meeting() -> AllocationProblem:
    # W1 is the lightest and covers the North; H1 has a looked-after child; H2 and H3
    # are families far away that the lightest workers would take both of.
    return problem([worker("W1", 10, locality="North"), worker("W2", 20), worker("W3", 30)],
                   [household("H1", 5, Status.CLA), household("H2", 4, long_travel=True),
                    household("H3", 4, long_travel=True)], Policy())


def broken(p: AllocationProblem, assignments: tuple[Assignment, ...], rules: tuple[str, ...]
           ) -> list[Breach]:
    return [b for b in validate(p, assignments) if b.rule in rules]


def engines(p: AllocationProblem) -> dict[str, tuple[Assignment, ...]]:
    """Every engine's answer to meeting `p` (allocation/engines.py)."""
    runs = engine_runs(p)
    assert {r.engine for r in runs} == set(ENGINE_NAMES)
    return {r.engine: r.assignments for r in runs}


@pytest.mark.parametrize("declared", [(NORTH_NO_CLA, ONE_TRAVEL)], indirect=True)
def test_every_engine_keeps_rules_added_only_to_the_declarations(
        declared: tuple[HardRule, ...]) -> None:
    names = tuple(r.name for r in declared)
    p = guarded_meeting()
    found = engines(p)
    for engine, assignments in found.items():
        assert assignments, engine
        assert broken(p, assignments, names) == [], engine
        assert validate(p, assignments) == [], engine


def test_without_the_added_rules_the_same_meeting_breaks_them() -> None:
    # the guard's meeting binds: the engines' natural answers break both added rules
    p = guarded_meeting()
    greedy = GreedyAllocator().allocate(p).assignments
    with pytest.MonkeyPatch.context() as m:
        real = rule_checks._active.__wrapped__  # type: ignore[attr-defined]
        m.setattr(rule_checks, "_active", lambda s: (*real(s), NORTH_NO_CLA, ONE_TRAVEL))
        # a problem built after the declarations changed (a problem keeps the rules it
        # was first checked with)
        assert {b.rule for b in validate(guarded_meeting(), greedy)} == {"north_no_cla",
                                                                         "one_travel"}


@pytest.mark.parametrize("declared", [(NORTH_NO_CLA, ONE_TRAVEL)], indirect=True)
def test_the_model_types_the_lp_and_the_conflicts_read_added_rules(
        declared: tuple[HardRule, ...]) -> None:
    p = guarded_meeting()
    ex = exact_problem(p)
    # households a declared rule tells apart are never one load type
    kinds = {ex.households[t.rep].id: t for t in load_types(ex)}
    assert "W1" not in [ex.workers[w].id for w in kinds["H1"].leads]
    # LP bound: three workers may each lead one far family, no more
    two = problem([worker("W1", 10)], [household("H2", 4, long_travel=True),
                                       household("H3", 4, long_travel=True)])
    assert priority_bound(exact_problem(two), load_types(exact_problem(two)), None).tiers == (
        1.0,)
    # conflict analysis names the added rule
    pinned = problem([worker("W1", 10), worker("W2", 20)],
                     [household("H2", 4, long_travel=True), household("H3", 4, long_travel=True)],
                     Policy(pins=(Pin(household="H2", worker="W1"),
                                  Pin(household="H3", worker="W1"))))
    conflicts, solves = pin_conflicts(exact_problem(pinned))
    assert solves > 0
    assert conflicts == ["the pins of H2 to W1, H3 to W1 cannot all hold with one long-travel "
                         "family each for W1 would lead 2 far away"]


@pytest.mark.parametrize("declared", [(nothing_for("W2"),)], indirect=True)
def test_rebalancing_reads_added_rules(declared: tuple[HardRule, ...]) -> None:
    team, caseload = _rebalance_team()
    plan = plan_rebalance(scheme(), Policy(), team, caseload, ON)
    assert plan.transfers and all(t.to_worker != "W2" for t in plan.transfers)


def test_rebalancing_gives_w2_work_when_nothing_forbids_it() -> None:
    team, caseload = _rebalance_team()
    plan = plan_rebalance(scheme(), Policy(), team, caseload, ON)
    assert any(t.to_worker == "W2" for t in plan.transfers)


def test_the_simulator_reads_added_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from allocopt.simulation.runner import run_replication
    from tests.simulation_support import small_scenario

    scenario = small_scenario(posts=4, rate=4, weeks=10)
    free = run_replication(scenario, 3, 0, "cpsat")
    busiest = max({a.worker for a in free.allocations},
                  key=lambda w: sum(a.worker == w for a in free.allocations))
    declare(monkeypatch, (nothing_for(busiest),))
    rested = run_replication(scenario, 3, 0, "cpsat")
    given = {a.worker for a in rested.allocations}
    assert given and busiest not in given
    assert rested.summary["rule_breaches"] == 0 and rested.summary["gate_failures"] == 0


# ------------------------------------------- the court households limit, everywhere


def court_meeting(limit: int | None) -> AllocationProblem:
    # W1 is lightest and already leads two households in court proceedings.
    return problem([worker("W1", 10, court_households=2), worker("W2", 30),
                    worker("W3", 35, court_households=1)],
                   [household("H1", 5, Status.CLA, court=True),
                    household("H2", 5, Status.CLA, court=True), household("H3", 3)],
                   Policy(court_max_households=limit))


@pytest.mark.parametrize("limit", [None, 3, 2, 1, 0])
def test_every_engine_keeps_the_court_limit(limit: int | None) -> None:
    p = court_meeting(limit)
    ex = exact_problem(p)
    before = {"W1": 2, "W2": 0, "W3": 1}
    for engine, assignments in engines(p).items():
        assert validate(p, assignments) == [], engine
        given = dict.fromkeys(before, 0)
        for a in assignments:
            if a.role == "lead" and ex.households[ex.household_index[a.household_id]].court:
                given[a.worker_id] += 1
        assert sum(given.values()) == (2 if limit is None or limit >= 2 else limit), engine
        if limit is not None:
            assert all(before[w] + n <= limit for w, n in given.items() if n), engine


def test_the_court_limit_is_off_by_default_and_binds_when_set() -> None:
    free = GreedyAllocator().allocate(court_meeting(None))
    assert leads(free)["H1"] == "W1"  # the lightest, holding two court households already
    capped = GreedyAllocator().allocate(court_meeting(2))
    assert leads(capped)["H1"] != "W1" and leads(capped)["H2"] != "W1"
    nobody = model_only().allocate(court_meeting(0))
    assert set(nobody.unallocated) == {"H1", "H2"} and nobody.solves > 0


def test_the_lp_bound_and_the_conflicts_read_the_court_limit() -> None:
    p = court_meeting(1)
    ex = exact_problem(p)
    # W2 may lead one more court household, W1 and W3 none: one of the two court
    # households (tier CLA here) can be placed
    bound = priority_bound(ex, load_types(ex), None)
    assert bound.tiers[0] == 1.0
    pinned = problem([worker("W1", 10, court_households=1)],
                     [household("H1", 5, Status.CLA, court=True)],
                     Policy(court_max_households=1, pins=(Pin(household="H1", worker="W1"),)))
    conflicts, _ = pin_conflicts(exact_problem(pinned))
    assert conflicts == ["the pin of H1 to W1 conflicts with court households limit: W1 "
                         "would lead 2 households in court proceedings (limit 1)"]


def test_rebalancing_keeps_the_court_limit() -> None:
    # W1 is in red; with court work movable, one court household is the fewest
    # transfers; W2 (3 court households) and W3 (4) may lead no more at a limit of 3,
    # so two CIN households move instead
    team, caseload = _rebalance_team()
    base = Policy()
    movable = base.rebalancing.model_copy(update={"move_court": True})
    free = plan_rebalance(scheme(), base.model_copy(update={"rebalancing": movable}), team,
                          caseload, ON)
    moved = [t.household_id for t in free.transfers if t.purpose == "out of red"]
    assert len(moved) == 1 and moved[0].startswith(("K", "E"))  # one court household
    capped = plan_rebalance(scheme(), base.model_copy(update={
        "rebalancing": movable, "court_max_households": 3}), team, caseload, ON)
    assert sorted(t.household_id for t in capped.transfers if t.purpose == "out of red") == [
        "A", "B"]


def test_build_problem_counts_the_court_households_each_worker_leads() -> None:
    team, caseload = _team({"W1": [_court("K1", 9), _court("K2", 9)], "W2": []})
    p = build_problem(scheme(), Policy(), team, caseload, (), ON)
    assert [w.court_households for w in p.workers] == [2, 0]


def test_the_simulator_counts_the_court_households_each_worker_leads() -> None:
    from allocopt.simulation.model import Service
    from allocopt.simulation.runner import make_allocator
    from allocopt.simulation.streams import Streams
    from tests.simulation_support import small_scenario

    scenario = small_scenario(posts=3, rate=2, weeks=2)
    service = Service(scenario, make_allocator("greedy"), Streams(1, 0))
    service.start()  # the workforce and its caseloads on the first day
    w = next(w for w in service.teams[0].workers if len(w.households) >= 2)
    held = list(w.households.values())
    for hh in held:
        hh.court = False
    held[0].court = True
    held[1].court = True
    service.touch(w)
    state = service.worker_state(w, date(2026, 4, 6), None)
    assert state.court_households == 2

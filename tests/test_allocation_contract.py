"""One contract suite, run against each engine on its own: every hard rule kept.

For every hard rule there are small cases where the rule is the only thing
stopping the natural choice (it *binds*), a case where it is on but does not bind
(the natural choice stands) and the binding case with the rule switched off in the
policy (the natural choice returns, which proves the rule was doing the work). The
same cases run against each engine alone (Timefold's ConstraintVerifier and PuLP's
one suite per backend):

- ``greedy``: the manager's rule;
- ``small search``: the search without a model (allocation/small.py), with no
  node budget and up to ten households;
- ``cp-sat model``: the optimiser with the small search, the starting points and
  the skipping of stages at their bounds switched off, so the CP-SAT model decides
  every case by solving (asserted: the result counts its solver runs).

In every case the independent validator accepts the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from allocopt.allocation.engines import SmallSearch, model_only
from allocopt.allocation.exact import exact_problem
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.problem import (
    AllocationProblem,
    AllocationResult,
    Allocator,
    Exclusion,
    Pin,
    Policy,
    WaitingHousehold,
    WorkerState,
)
from allocopt.allocation.small import small_meeting
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

MODEL_ONLY = model_only(time_limit_s=5)
ENGINES: list[Allocator] = [GreedyAllocator(), SmallSearch(most=10), MODEL_ONLY]
ENGINE_IDS = ["greedy", "small search", "cp-sat model"]


def allocate(engine: Allocator, p: AllocationProblem) -> AllocationResult:
    """The engine's result, checked by the validator; the model must have solved."""
    result = engine.allocate(p)
    assert result.status != "declined"
    assert validate(p, result) == []
    if engine is MODEL_ONLY and result.status != "infeasible":
        assert result.solves > 0  # decided by CP-SAT, not by a shortcut
    return result


# W2 at 49/50 = 98 %: a 5-point household takes W2 to 108 % (amber, allowed);
# W1 is lighter and is everybody's natural choice unless a rule forbids it.
def heavy() -> WorkerState:
    return worker("W2", 49)


@dataclass(frozen=True)
class Case:
    """A rule binding (lead `kept`), and the same meeting where it does not bind."""

    binds: Callable[[], tuple[list[WorkerState], list[WaitingHousehold], dict[str, object]]]
    kept: str | None
    free: Callable[[], tuple[list[WorkerState], list[WaitingHousehold], dict[str, object]]]


def nqsw(months: int, protected: bool, id: str = "W1", **kw: object) -> WorkerState:
    return worker(id, 10, 35, months=months, nqsw=months < 12, cp_protected=protected,
                  **kw)  # type: ignore[arg-type]


def student(cin: int, id: str = "W1") -> WorkerState:
    return worker(id, 2, 15, role=Role.STUDENT, counts={Status.CIN: cin})


CASES: dict[str, Case] = {
    "unavailability": Case(
        lambda: ([worker("W1", 10, unavailable="on leave within the next 14 days"), heavy()],
                 [household("H1")], {}), "W2",
        lambda: ([worker("W1", 10), heavy()], [household("H1")], {})),
    "pins": Case(
        lambda: ([worker("W1", 10), heavy()], [household("H1")],
                 {"pins": (Pin(household="H1", worker="W2"),)}), "W2",
        lambda: ([worker("W1", 10), heavy()], [household("H1")],
                 {"pins": (Pin(household="H1", worker="W1"),)})),
    "exclusions": Case(
        lambda: ([worker("W1", 10), heavy()], [household("H1")],
                 {"exclusions": (Exclusion(household="H1", worker="W1"),)}), "W2",
        lambda: ([worker("W1", 10), heavy()], [household("H1")],
                 {"exclusions": (Exclusion(household="H1", worker="W2"),)})),
    "eligibility": Case(
        lambda: ([worker("W1", 10, role=Role.FAMILY_SUPPORT_PRACTITIONER), heavy()],
                 [household("H1", status=Status.CP)], {}), "W2",
        lambda: ([worker("W1", 10, role=Role.FAMILY_SUPPORT_PRACTITIONER), heavy()],
                 [household("H1")], {})),
    "nqsw_no_cp": Case(
        lambda: ([nqsw(8, True), heavy()], [household("H1", status=Status.CP)], {}), "W2",
        lambda: ([nqsw(13, False), heavy()], [household("H1", status=Status.CP)], {})),
    "student_limit": Case(
        lambda: ([student(7), heavy()], [household("H1", 2, children=2)], {}), "W2",
        lambda: ([student(5), heavy()], [household("H1", 2, children=2)], {})),
    # the failing kind of issue 11: CP-SAT gave students S47 and court households
    "student_limit (S47)": Case(
        lambda: ([student(0), heavy()], [household("H1", 2, tier="S47")], {}), "W2",
        lambda: ([student(0), heavy()], [household("H1", 2)], {})),
    "student_limit (court)": Case(
        lambda: ([student(0), heavy()], [household("H1", 2, court=True)], {}), "W2",
        lambda: ([student(0), heavy()], [household("H1", 2)], {})),
    "count_caps": Case(
        lambda: ([nqsw(8, True, counts={Status.CIN: 14}, caps=(NQSW_CAP,)), heavy()],
                 [household("H1", children=2)], {}), "W2",
        lambda: ([nqsw(8, True, counts={Status.CIN: 12}, caps=(NQSW_CAP,)), heavy()],
                 [household("H1", children=2)], {})),
    "court_limit": Case(
        lambda: ([worker("W1", 10, court_households=2), heavy()],
                 [household("H1", status=Status.CLA, court=True)],
                 {"court_max_households": 2}), "W2",
        lambda: ([worker("W1", 10, court_households=2), heavy()],
                 [household("H1", status=Status.CLA, court=True)],
                 {"court_max_households": 3})),
    "band_ceiling": Case(
        lambda: ([worker("W1", 48)], [household("H1", 8)], {}), None,
        lambda: ([worker("W1", 48)], [household("H1", 1)], {})),
}


def rule_name(case: str) -> str:
    return case.split(" ")[0]


def test_every_declared_rule_has_a_case() -> None:
    from allocopt.allocation.rules import HARD_RULES

    assert {rule_name(c) for c in CASES} == {r.name for r in HARD_RULES}


@pytest.mark.parametrize("engine", ENGINES, ids=ENGINE_IDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_rule_that_binds_is_kept(engine: Allocator, case: str) -> None:
    workers, households, policy = CASES[case].binds()
    p = problem(workers, households, Policy(**policy))  # type: ignore[arg-type]
    result = allocate(engine, p)
    lead = CASES[case].kept
    assert leads(result).get("H1") == lead
    assert result.unallocated == (() if lead else ("H1",))


@pytest.mark.parametrize("engine", ENGINES, ids=ENGINE_IDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_rule_that_does_not_bind_leaves_the_natural_choice(engine: Allocator,
                                                             case: str) -> None:
    workers, households, policy = CASES[case].free()
    p = problem(workers, households, Policy(**policy))  # type: ignore[arg-type]
    assert leads(allocate(engine, p)).get("H1") == "W1"


@pytest.mark.parametrize("engine", ENGINES, ids=ENGINE_IDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_rule_switched_off_is_not_applied(engine: Allocator, case: str) -> None:
    workers, households, policy = CASES[case].binds()
    p = problem(workers, households, switched_off(rule_name(case), **policy))
    assert leads(allocate(engine, p)).get("H1") == "W1"


@pytest.mark.parametrize("engine", ENGINES, ids=ENGINE_IDS)
def test_siblings_stay_together_and_co_working_gets_two_workers(engine: Allocator) -> None:
    # A co-worked household of three children: one lead, one other worker as secondary
    # at half the points; the household is never split.
    p = problem([worker("W1", 20), worker("W2", 25), worker("W3", 30)],
                [household("H1", 8, Status.CP, 3, co_working=True), household("H2", 3)])
    result = allocate(engine, p)
    by_role = {(a.household_id, a.role): a for a in result.assignments}
    lead, second = by_role[("H1", "lead")], by_role[("H1", "secondary")]
    assert lead.worker_id != second.worker_id
    assert (lead.points, second.points) == (8, 4)
    assert sum(1 for a in result.assignments if a.household_id == "H2") == 1


@pytest.mark.parametrize("engine", ENGINES, ids=ENGINE_IDS)
def test_co_working_waits_when_no_second_worker_may_take_it(engine: Allocator) -> None:
    p = problem([worker("W1", 20), worker("W2", 10, role=Role.FAMILY_SUPPORT_PRACTITIONER)],
                [household("H1", 6, Status.CP, co_working=True)])
    result = allocate(engine, p)
    assert result.assignments == ()
    assert result.unallocated == ("H1",)


@pytest.mark.parametrize("engine", [ENGINES[0], ENGINES[2]], ids=["greedy", "cp-sat model"])
def test_a_pin_that_breaks_a_rule_is_reported_not_dropped(engine: Allocator) -> None:
    p = problem([nqsw(8, True), worker("W2", 20)],
                [household("H1", 4, Status.CP)], Policy(pins=(Pin(household="H1", worker="W1"),)))
    result = engine.allocate(p)
    assert result.status == "infeasible"
    assert result.assignments == ()
    text = " ".join(result.notes)
    assert "H1" in text and "W1" in text and "NQSW" in text


def test_the_small_search_leaves_an_impossible_pin_to_the_conflict_analysis() -> None:
    p = problem([nqsw(8, True), worker("W2", 20)],
                [household("H1", 4, Status.CP)], Policy(pins=(Pin(household="H1", worker="W1"),)))
    assert small_meeting(exact_problem(p), limit=10**9) is None


@pytest.mark.parametrize("engine", ENGINES, ids=ENGINE_IDS)
def test_several_rules_at_once_in_a_larger_meeting(engine: Allocator) -> None:
    # A student, a protected NQSW at her cap, a family support practitioner and two
    # experienced workers; S47, court, CP, CLA and CIN households, three of them heavy.
    workers = [student(6), nqsw(5, True, "W2", counts={Status.CIN: 13}, caps=(NQSW_CAP,)),
               worker("W3", 20, role=Role.FAMILY_SUPPORT_PRACTITIONER),
               worker("W4", 30, court_households=1), worker("W5", 40)]
    households = [household("H1", 4, tier="S47"), household("H2", 3, court=True),
                  household("H3", 9, Status.CP), household("H4", 6, Status.CLA, 2),
                  household("H5", 2, children=3), household("H6", 3)]
    p = problem(workers, households, Policy(court_max_households=1))
    result = allocate(engine, p)
    lead = leads(result)
    assert lead.get("H1") not in ("W1",)  # no S47 for the student
    assert lead.get("H2") not in ("W1", "W4")  # nor court; W4 already leads one
    assert lead.get("H3") not in ("W1", "W2", "W3")  # CP: neither student, NQSW nor FSP
    assert len(lead) >= 4


def test_the_optimiser_gives_a_student_no_s47_or_court_household() -> None:
    # issue 11: in 52 of 430 random meetings CP-SAT gave a student an S47 or court
    # household (the student limit's low-risk part was not in the model). A meeting
    # large enough for the model, where the student is by far the lightest worker.
    from allocopt.allocation.cpsat import CpSatAllocator

    p = problem([student(0), worker("W2", 40), worker("W3", 42)],
                [household("H1", 2, tier="S47"), household("H2", 2, court=True),
                 household("H3", 2, tier="S47", children=2), household("H4", 1),
                 household("H5", 1)])
    result = CpSatAllocator(time_limit_s=5).allocate(p)
    assert validate(p, result) == []
    given = {h for h, w in leads(result).items() if w == "W1"}
    assert given <= {"H4", "H5"} and given
    assert {"H1", "H2", "H3"} <= set(leads(result))

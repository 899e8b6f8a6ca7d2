"""Hand-made meetings with known answers."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from allocopt.allocation.cpsat import CpSatAllocator
from allocopt.allocation.exact import exact_problem
from allocopt.allocation.explain import explain, recommend
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.objective import evaluate
from allocopt.allocation.problem import Pin, Policy
from allocopt.allocation.rebalance import plan_rebalance
from allocopt.allocation.validate import validate
from allocopt.domain import (
    Caseload,
    Child,
    CourtStage,
    Holding,
    Household,
    Role,
    Status,
    Team,
    Worker,
)
from tests.test_allocation_builders import ON, household, leads, problem, scheme, worker


def test_greedy_strands_a_heavy_cp_case_that_cp_sat_places() -> None:
    # W1 has 24 points of room under red (30/50: up to 54), W2 has 14 (40/50).
    # Greedy takes the lighter CP case first (it has waited longer) to the least-loaded
    # worker, W1, and then the heavy CP case fits nowhere. CP-SAT gives the light case
    # to W2 and the heavy one to W1; the CIN case goes to the family support worker.
    p = problem([worker("W1", 30), worker("W2", 40),
                 worker("W3", 10, role=Role.FAMILY_SUPPORT_PRACTITIONER)],
                [household("LIGHT", 6, Status.CP, waiting_days=10),
                 household("HEAVY", 20, Status.CP, 3, waiting_days=5),
                 household("CIN", 4, waiting_days=30)])
    greedy = GreedyAllocator().allocate(p)
    assert leads(greedy) == {"LIGHT": "W1", "CIN": "W3"}
    assert greedy.unallocated == ("HEAVY",)
    best = CpSatAllocator().allocate(p)
    assert leads(best) == {"LIGHT": "W2", "HEAVY": "W1", "CIN": "W3"}
    assert best.status == "optimal" and best.unallocated == ()
    ex = exact_problem(p)
    assert evaluate(ex, best.assignments).placed[1] == 2
    assert evaluate(ex, greedy.assignments).placed[1] == 1


def test_one_cp_household_outranks_any_number_of_cin() -> None:
    # Room for 9 points: either the CP household (9) or three CIN households (3 each).
    p = problem([worker("W1", 45)], [household("CP1", 9, Status.CP),
                                     *(household(f"C{i}", 3, waiting_days=20) for i in range(3))])
    assert leads(CpSatAllocator().allocate(p)) == {"CP1": "W1"}


def test_days_waited_break_ties_within_a_tier() -> None:
    p = problem([worker("W1", 45)], [household("NEW", 5, waiting_days=1),
                                     household("OLD", 5, waiting_days=30)])
    assert leads(CpSatAllocator().allocate(p)) == {"OLD": "W1"}


def test_a_pin_to_a_protected_nqsw_names_the_rule() -> None:
    nqsw = worker("W1", 10, 35, months=8, nqsw=True, cp_protected=True)
    p = problem([nqsw, worker("W2", 20)], [household("H1", 4, Status.CP)],
                Policy(pins=(Pin(household="H1", worker="W1"),)))
    for allocator in (GreedyAllocator(), CpSatAllocator()):
        result = allocator.allocate(p)
        assert result.status == "infeasible"
        assert result.notes == (
            "the pin of H1 to W1 conflicts with NQSW protection (no CP work): W1 is an NQSW at "
            "8 months and H1 has a CP child (no CP work before 12 months)",)
    outcome = explain(p, CpSatAllocator().allocate(p))
    assert outcome.escalation.needed and "pins cannot all be kept" in outcome.escalation.summary


def test_pins_that_only_conflict_together_are_named_with_the_rule() -> None:
    # Each 8-point pin alone takes W1 from 40 to 48 (96 %); both take W1 to 56 (112 %, red).
    p = problem([worker("W1", 40), worker("W2", 10)],
                [household("H1", 8), household("H2", 8), household("H3", 2)],
                Policy(pins=(Pin(household="H1", worker="W1"), Pin(household="H2", worker="W1"))))
    result = CpSatAllocator().allocate(p)
    assert result.status == "infeasible"
    assert result.notes == ("the pins of H1 to W1, H2 to W1 cannot all hold with band ceiling "
                            "for W1 would go to 112.0% (red), above the amber ceiling",)
    ok = problem(list(p.workers), list(p.households),
                 Policy(pins=(Pin(household="H1", worker="W1"),)))
    assert leads(CpSatAllocator().allocate(ok))["H1"] == "W1"


def test_time_limit_returns_the_best_found_with_its_gap() -> None:
    import numpy as np

    from allocopt.allocation.problem import build_problem
    from allocopt.synthetic import make_caseload, make_team, make_waiting, random_worker_specs

    rng = np.random.default_rng(5)
    team = make_team(random_worker_specs(rng, 80), ON)
    p = build_problem(scheme(), Policy(), team, make_caseload(rng, team, 80 * 14, ON),
                      make_waiting(rng, 400, ON), ON)
    start = time.perf_counter()
    result = CpSatAllocator(time_limit_s=0.5).allocate(p)
    elapsed = time.perf_counter() - start
    # Not a speed claim: a generous check that a short limit does not hang.
    assert elapsed < 30
    assert result.status in ("optimal", "feasible")
    assert validate(p, result) == []
    assert len(result.bound) == len(result.objective)
    greedy = GreedyAllocator().allocate(p)
    ex = exact_problem(p)
    assert evaluate(ex, result.assignments).key() <= evaluate(ex, greedy.assignments).key()
    if result.status == "feasible":
        assert any("time limit" in note for note in result.notes)


def test_escalation_counts_the_shortfall_in_units_and_fte() -> None:
    # Nobody has room: 6 + 9 points wait; an experienced worker's benchmark is 50.
    p = problem([worker("W1", 53)], [household("A", 6, Status.CP, 2, waiting_days=3),
                                     household("B", 9, children=3, waiting_days=12)])
    outcome = explain(p, CpSatAllocator().allocate(p))
    esc = outcome.escalation
    assert [w.household_id for w in outcome.waiting] == ["A", "B"]
    assert (esc.households, esc.children, esc.shortfall) == (2, 5, 15.0)
    assert esc.shortfall_fte == pytest.approx(0.3)
    assert "about 0.3 FTE" in esc.summary
    assert outcome.waiting[0].reason.startswith("no room: the one worker who may take it")


def test_suggestion_lists_the_next_workers_with_reasons() -> None:
    nqsw = worker("W3", 10, 35, months=8, nqsw=True, cp_protected=True)
    p = problem([worker("W1", 30), worker("W2", 49), nqsw], [household("H1", 5, Status.CP)])
    outcome = explain(p, CpSatAllocator().allocate(p))
    (s,) = outcome.suggestions
    assert (s.worker_id, s.before.pct, s.after.pct, s.after.band) == ("W1", 60.0, 70.0, "blue")
    assert [(a.worker_id, a.eligible) for a in s.alternatives] == [("W2", True), ("W3", False)]
    assert s.alternatives[0].reason == "would go to 108.0% (amber)"
    assert s.alternatives[1].reason.startswith("not eligible: W3 is an NQSW at 8 months")


def test_recommend_ranks_every_worker_eligible_first() -> None:
    nqsw = worker("W3", 0, 35, months=8, nqsw=True, cp_protected=True)
    p = problem([worker("W1", 40), worker("W2", 20), nqsw, worker("W4", 52)],
                [household("H1", 5, Status.CP, locality="North")])
    rows = recommend(p, "H1")
    assert [(r.worker_id, r.eligible) for r in rows] == [
        ("W2", True), ("W1", True), ("W4", False), ("W3", False)]
    assert rows[0].reason == "would be at 50.0% (blue)"
    assert rows[2].reason == "no room: would go to 114.0% (red)"


# ------------------------------------------------------------------ rebalance


def _cin(hid: str, points: int, days_ago: int | None) -> tuple[Household, int | None]:
    """A one-child CIN household scoring `points` (1 per child + intervention rating)."""
    return Household(id=hid, children=(Child(id=f"{hid}-1", status=Status.CIN),),
                     ratings={"intervention": points - 1}), days_ago


def _court(hid: str, points: int) -> tuple[Household, int | None]:
    """A looked-after child in care proceedings: 1 + 1 (LAC) + 2 (care proceedings) + rating."""
    return Household(id=hid, children=(Child(id=f"{hid}-1", status=Status.CLA),),
                     court=CourtStage.CARE_PROCEEDINGS,
                     ratings={"intervention": points - 4}), 400


def _team(holdings: dict[str, list[tuple[Household, int | None]]]) -> tuple[Team, Caseload]:
    workers = tuple(Worker(id=w, qualified_on=date(2010, 1, 1)) for w in holdings)
    households, holds = [], []
    for w, items in holdings.items():
        for household_, days in items:
            households.append(household_)
            holds.append(Holding(worker_id=w, household_id=household_.id,
                                 child_ids=tuple(c.id for c in household_.children),
                                 allocated_on=ON - timedelta(days=days) if days else None))
    return Team(id="T", workers=workers), Caseload(households=tuple(households),
                                                   holdings=tuple(holds))


def _rebalance_team() -> tuple[Team, Caseload]:
    # W1 holds 60 of 50 (120 %, red): five households in care proceedings (9 points each,
    # not movable) and CIN work A 5, B 4, C 3, D 2 and Z 1 points. Out of red means at most
    # 54, so W1 must shed 6: no single CIN case is enough, two are; of the pairs that do
    # it, A and B were allocated most recently (10 and 20 days ago).
    return _team({
        "W1": [_court("K1", 9), _court("K2", 9), _court("K3", 9), _court("K4", 9),
               _court("E", 9), _cin("A", 5, 10), _cin("B", 4, 20), _cin("C", 3, 400),
               _cin("D", 2, 300), _cin("Z", 1, 600)],
        "W2": [_court("F1", 9), _court("F2", 9), _court("F3", 9)],  # 27/50
        "W3": [_court("G1", 9), _court("G2", 9), _court("G3", 9), _court("G4", 9)],  # 36/50
    })


def test_rebalance_finds_the_fewest_transfers_out_of_red() -> None:
    team, caseload = _rebalance_team()
    plan = plan_rebalance(scheme(), Policy(), team, caseload, ON)
    out_of_red = [t for t in plan.transfers if t.purpose == "out of red"]
    assert sorted(t.household_id for t in out_of_red) == ["A", "B"]
    assert plan.before["W1"] == (120.0, "red")
    assert plan.status == "optimal"
    assert "W1" not in plan.still_red
    assert all(t.from_worker == "W1" and t.to_after[1] in ("blue", "green")
               for t in plan.transfers)
    assert "12 households in court proceedings were not considered" in plan.summary


def test_rebalance_moves_court_work_only_when_allowed() -> None:
    team, caseload = _rebalance_team()
    policy = Policy().model_copy(update={"rebalancing": Policy().rebalancing.model_copy(
        update={"move_court": True})})
    plan = plan_rebalance(scheme(), policy, team, caseload, ON)
    out_of_red = [t for t in plan.transfers if t.purpose == "out of red"]
    assert len(out_of_red) == 1 and out_of_red[0].points >= 6

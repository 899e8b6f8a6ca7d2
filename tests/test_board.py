"""The team board: every worker's row and the manager's team view [003 sections 7-8]."""

from __future__ import annotations

import math
from datetime import date

import pytest

from allocopt.board import score_team
from allocopt.checks import check_inputs
from allocopt.domain import (
    Caseload,
    Child,
    Duty,
    Holding,
    Household,
    Period,
    Status,
    Team,
    TravelBand,
    Worker,
)
from allocopt.io.board_export import board_dict
from allocopt.io.schemes import load_scheme

from .conftest import EXAMPLES

ON = date(2026, 12, 1)
TOWER = load_scheme("tower-hamlets")


def household(hid: str, status: str, n: int, **child_kw: object) -> Household:
    """n children of one status; an agreed intervention of 5 makes the points n + status + 5."""
    return Household(id=hid, ratings={"intervention": 5}, children=tuple(
        Child(id=f"{hid}-{k}", status=Status(status), **child_kw) for k in range(n)))


def held(worker: str, *households: Household) -> list[Holding]:
    return [Holding(worker_id=worker, household_id=h.id, child_ids=tuple(c.id for c in h.children))
            for h in households]


A_CASES = [household(f"A{i}", "CIN", 1) for i in range(8)]                      # 8 x 6 = 48
B_CASES = [household("B1", "CP", 3), household("B2", "CP", 3),                # 9 + 9
           household("B3", "CLA", 2, placement_travel=TravelBand.OVER_TWO_HOURS)]  # + 8 = 26
C_CASES = [household("C1", "CIN", 1), household("C2", "CIN", 1), household("C3", "CP", 1)]  # 19
D_CASES = [household(f"D{i}", "CP", 4) for i in range(5)]                       # 5 x 10 = 50
WAITING = household("U1", "CIN", 2)                                             # 7

TEAM = Team(id="T", name="Test team", workers=(
    Worker(id="A", qualified_on=date(2015, 1, 1), leaving_on=date(2027, 1, 31),
           leave=(Period(start=date(2026, 11, 30), end=date(2026, 12, 4)),)),
    Worker(id="B", qualified_on=date(2015, 1, 1), contracted_hours=18.5),
    Worker(id="C", qualified_on=date(2026, 9, 1)),
    Worker(id="D", qualified_on=date(2015, 1, 1), duties=(Duty(kind="practice_teaching"),)),
))
CASELOAD = Caseload(
    households=(*A_CASES, *B_CASES, *C_CASES, *D_CASES, WAITING),
    holdings=(*held("A", *A_CASES), *held("B", *B_CASES), *held("C", *C_CASES),
              *held("D", *D_CASES)),
)


@pytest.fixture(scope="module")
def board():
    return score_team(TOWER, TEAM, CASELOAD, ON)


@pytest.mark.parametrize(("wid", "casework", "load", "bench", "pct", "band", "spare"), [
    ("A", 48, 48, 50, 96, "green", 2),
    ("B", 26, 26, 25, 104, "amber", -1),
    ("C", 19, 19, 30, 19 / 30 * 100, "blue", 11),
    ("D", 50, 55, 50, 110, "red", -5),
])
def test_each_workers_row(board, wid, casework, load, bench, pct, band, spare):
    row = board.worker(wid)
    assert row.casework == casework
    assert row.casework == math.fsum(c.total for c in row.cases)
    assert row.load == load
    assert row.capacity.benchmark == bench
    assert row.load_pct == pytest.approx(pct)
    assert row.rag.name == band
    assert row.spare == spare


def test_counts_per_worker(board):
    b = board.worker("B")
    assert (b.counts.children, b.counts.households, b.counts.long_travel) == (8, 3, 2)
    assert b.counts.by_status == {Status.CP: 6, Status.CLA: 2}
    assert board.worker("D").counts.by_status == {Status.CP: 20}


def test_notes_leave_leaving_and_nqsw_holding_cp(board):
    assert board.worker("A").notes == ("on leave", "leaving 2027-01-31")
    assert board.worker("C").notes == (
        "NQSW at 3 months holds CP work (protected until 12 months)",)
    assert board.worker("C").cap_use == {"NQSW caseload": pytest.approx(2 / 15)}
    assert board.worker("B").notes == ()


def test_concentration_is_more_than_half_again_a_fair_share(board):
    # 27 CP children in the team; D's fair share is 27 x 50/155 = 8.7 and D holds 20.
    assert board.worker("D").concentrations == ("CP",)
    # B's 6 CP are under 1.5 x 4.35; 2 CLA and 2 long-travel are under the minimum of 3.
    assert [w.worker.id for w in board.workers if w.concentrations] == ["D"]


def test_team_summary(board):
    s = board.summary
    assert (s.workers, s.fte) == (4, 3.5)
    assert (s.total_load, s.total_benchmark) == (148, 155)
    assert s.team_load_pct == pytest.approx(148 / 155 * 100)
    assert s.average_load_pct == pytest.approx((96 + 104 + 19 / 30 * 100 + 110) / 4)
    assert s.band_counts == {"blue": 1, "green": 1, "amber": 1, "red": 1}
    assert s.outside_band == ("B", "C", "D")
    assert (s.spare, s.over) == (13, 6)
    assert s.spare_fte == pytest.approx(13 / 50)
    assert s.net_fte == pytest.approx(7 / 50)
    assert (s.children, s.households, s.long_travel) == (39, 19, 2)
    assert s.by_status == {Status.CIN: 10, Status.CP: 27, Status.CLA: 2}
    assert (s.unallocated_households, s.unallocated_children, s.unallocated_load) == (1, 2, 7)
    assert [u.household_id for u in board.unallocated] == ["U1"]


def test_holdings_of_workers_outside_the_team_are_left_out_and_reported():
    stray = Caseload(households=CASELOAD.households,
                     holdings=(*CASELOAD.holdings, *held("Z", WAITING)))
    board = score_team(TOWER, TEAM, stray, ON)
    assert board.summary.total_load == 148
    assert board.summary.unallocated_households == 0
    problems = check_inputs(TOWER, TEAM, stray, ON)
    errors = [(p.id, p.field, p.found) for p in problems if p.severity == "error"]
    assert errors == [("U1-0", "worker_id", "Z")]


def test_part_of_a_family_unallocated_is_scored_for_the_children_left():
    partial = Caseload(households=(WAITING,), holdings=(
        Holding(worker_id="A", household_id="U1", child_ids=("U1-0",)),))
    board = score_team(TOWER, TEAM, partial, ON)
    assert [(u.household_id, u.child_ids, u.total) for u in board.unallocated] == [
        ("U1", ("U1-1",), 6)]
    assert board.worker("A").casework == 6


def test_the_board_as_json_matches_the_rows(board):
    data = board_dict(board)
    d = next(w for w in data["workers"] if w["id"] == "D")
    assert (d["casework"], d["load"], d["benchmark"], d["load_pct"]) == (50, 55, 50, 110)
    assert (d["rag"], d["spare"], d["surplus_pct"]) == ("red", -5, -10)
    assert d["duties"] == [{"kind": "practice_teaching", "label": "Practice teaching a student",
                            "amount": 5, "why": "Practice teaching a student: 5"}]
    assert data["summary"]["by_status"] == {"CIN": 10, "CLA": 2, "CP": 27}


def test_example_team_totals_add_up():
    from allocopt.io.inputs import load_inputs

    inputs = load_inputs(EXAMPLES / "team.yaml")
    board = score_team(inputs.scheme, inputs.team.team, inputs.caseload.caseload, inputs.on)
    assert len(board.workers) == 10
    assert board.summary.total_load == pytest.approx(math.fsum(r.load for r in board.workers))
    children = sum(len(h.children) for h in inputs.caseload.caseload.households)
    assert board.summary.children + board.summary.unallocated_children == children
    for row in board.workers:
        assert row.casework == pytest.approx(math.fsum(c.total for c in row.cases))
        assert sum(row.counts.by_status.values()) == row.counts.children

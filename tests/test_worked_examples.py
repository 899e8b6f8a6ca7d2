"""The annex's two worked examples, reproduced row by row [000 sections 1 and 2A]."""

from __future__ import annotations

import pytest

from allocopt.board import score_team
from allocopt.io.board_export import surplus_pct
from allocopt.io.inputs import load_inputs

from .conftest import EXAMPLES

POINTS_ROWS = {
    # household: (base, status, intervention, factors, total)
    "A": (1, 3, 2, 0, 6),
    "B": (2, 1, 2, 0, 5),
    "C": (6, 1, 2, 0, 9),
    "D": (1, 1, 2, 0, 4),
    "E": (1, 1, 3, 2, 7),
    "F": (2, 1, 2, 0, 5),
    "G": (1, 1, 2, 0, 4),
    "H": (2, 0, 1, 0, 3),
    "I": (1, 0, 1, 0, 2),
}


@pytest.fixture(scope="module")
def points_board():
    inputs = load_inputs(EXAMPLES / "annex-points" / "team.yaml")
    return score_team(inputs.scheme, inputs.team.team, inputs.caseload.caseload, inputs.on)


@pytest.mark.parametrize("household", sorted(POINTS_ROWS))
def test_points_example_every_row(points_board, household):
    row = points_board.worker("X")
    case = next(c for c in row.cases if c.household_id == household)
    base, status, intervention, factors, total = POINTS_ROWS[household]
    assert case.columns.get("base", 0) == base
    assert case.columns.get("status", 0) == status
    assert case.columns.get("intervention", 0) == intervention
    assert case.columns.get("factors", 0) == factors
    assert case.total == total


def test_points_example_totals(points_board):
    row = points_board.worker("X")
    assert row.counts.households == 9
    assert row.counts.children == 17
    assert row.casework == 45
    assert [(d.kind, d.amount) for d in row.capacity.duties] == [("practice_teaching", 5)]
    assert row.load == 50
    assert row.capacity.benchmark == 50
    assert row.spare == 0
    assert surplus_pct(row) == 0
    assert row.load_pct == 100
    assert row.rag.name == "green"
    assert row.rag.action.startswith("None")


@pytest.fixture(scope="module")
def time_board():
    inputs = load_inputs(EXAMPLES / "annex-time" / "team.yaml")
    return score_team(inputs.scheme, inputs.team.team, inputs.caseload.caseload, inputs.on)


def test_time_example_every_deduction(time_board):
    row = time_board.worker("P")
    deductions = {d.kind: d.amount for d in row.capacity.duties}
    assert deductions == pytest.approx({
        "annual_leave": 7.4, "supervision": 3, "cpd": 15, "admin": 20, "crisis": 2,
        "local_travel": 3, "additional_travel": 1,
    })
    assert row.capacity.duties_total == pytest.approx(51.4)


def test_time_example_totals(time_board):
    row = time_board.worker("P")
    assert row.capacity.benchmark == pytest.approx(148)
    assert row.casework == pytest.approx(95)
    assert row.load == pytest.approx(146.4)
    assert row.spare == pytest.approx(1.6)
    assert round(surplus_pct(row), 1) == 1.1
    assert round(row.load_pct, 1) == 98.9
    assert row.rag.name == "green"
    assert row.rag.action.startswith("None")

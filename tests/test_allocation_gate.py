"""The gate before output (allocation/gate.py): nothing that breaks a hard rule is shown.

A result the validator accepts passes unchanged; one that breaks a rule is solved
again without the breaking pairings; if that cannot mend it, the command fails
with its own exit status (3), a message naming the rule, and no output at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from allocopt.allocation.gate import EXIT_BREACH, RuleBreach, gate, gated_allocation
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.problem import (
    AllocationProblem,
    AllocationResult,
    Assignment,
    Pin,
    Policy,
)
from allocopt.allocation.rebalance.plan import check_moves
from allocopt.allocation.rebalance.problem import rebalance_problem
from allocopt.allocation.validate import validate
from allocopt.cli import main
from allocopt.domain import Role, Status
from allocopt.errors import EXIT_INPUT
from tests.test_allocation_builders import ON, household, leads, problem, scheme, worker
from tests.test_allocation_cases import _rebalance_team

from .conftest import EXAMPLES


class EverythingToTheFirst:
    """A broken allocator: every waiting household to the first worker, whatever the rules."""

    name = "broken"

    def __init__(self, mend_after: int | None = None) -> None:
        self.calls = 0
        self.mend_after = mend_after

    def allocate(self, p: AllocationProblem) -> AllocationResult:
        self.calls += 1
        if self.mend_after is not None and self.calls > self.mend_after:
            return GreedyAllocator().allocate(p)
        first = p.workers[0].id
        return AllocationResult(self.name, tuple(Assignment(h.id, first, "lead", h.points)
                                                 for h in p.households), (), "feasible")


def student_meeting() -> AllocationProblem:
    # the failing kind of issue 11: an S47 household to a student
    return problem([worker("W1", 0, 15, role=Role.STUDENT), worker("W2", 20)],
                   [household("H1", 4, tier="S47"), household("H2", 2)])


def test_a_result_that_keeps_every_rule_passes_unchanged() -> None:
    p = student_meeting()
    result = GreedyAllocator().allocate(p)
    gated = gate(p, result, GreedyAllocator().allocate)
    assert gated.result is result and gated.repaired == () and gated.solves == 0


def test_a_breaking_result_is_repaired_by_solving_again_without_the_breaking_pairs() -> None:
    p = student_meeting()
    broken = EverythingToTheFirst(mend_after=1)
    gated = gated_allocation(p, broken)
    assert [b.rule for b in gated.repaired] == ["student_limit"]
    assert validate(p, gated.result) == []
    assert leads(gated.result) == {"H1": "W2", "H2": "W1"}
    assert gated.solves == 1 and broken.calls == 2
    assert "repaired 1 hard-rule breach" in gated.result.notes[-1]
    assert "student limit" in gated.result.notes[-1]


def test_a_breach_that_cannot_be_repaired_stops_with_the_rule_named() -> None:
    p = student_meeting()
    broken = EverythingToTheFirst()
    with pytest.raises(RuleBreach) as stop:
        gated_allocation(p, broken)
    assert stop.value.rules == ("student_limit",)
    assert "student limit" in stop.value.message and "W1 is a student" in stop.value.message
    assert broken.calls == 4  # the first answer and three re-solves
    with pytest.raises(RuleBreach):
        gate(p, broken.allocate(p))  # nothing to re-solve with: straight to the failure
    assert EXIT_BREACH not in (0, EXIT_INPUT, 130)


def test_pins_that_conflict_pass_as_an_infeasible_result_with_nothing_suggested() -> None:
    p = problem([worker("W1", 10, 35, months=8, nqsw=True, cp_protected=True)],
                [household("H1", 4, Status.CP)], Policy(pins=(Pin(household="H1", worker="W1"),)))
    result = GreedyAllocator().allocate(p)
    assert result.status == "infeasible"
    assert gate(p, result).result is result


def test_allocate_exits_3_naming_the_rule_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("allocopt.allocation.cpsat.CpSatAllocator", EverythingToTheFirst)
    out = tmp_path / "meeting.json"
    monkeypatch.setattr("sys.argv", ["allocopt", "allocate", str(EXAMPLES / "team.yaml"),
                                     "--format", "json", "--out", str(out)])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == EXIT_BREACH == 3
    printed, err = capsys.readouterr()
    assert printed == "" and not out.exists() and not list(tmp_path.iterdir())
    assert err.startswith("error: the broken allocation breaks a hard rule (")
    assert "could not be repaired, so nothing was printed or written" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_rebalancing_plan_passes_the_gate_or_stops() -> None:
    team, caseload = _rebalance_team()
    rp = rebalance_problem(scheme(), Policy(), team, caseload, ON)
    ex = rp.exact
    check_moves(rp, [])
    # moving all of W1's movable work to W3 (36/50) takes W3 far into red
    w3 = ex.worker_index["W3"]
    moves = [(i, w3, "out of red") for i in range(len(rp.holdings))]
    with pytest.raises(RuleBreach) as stop:
        check_moves(rp, moves)
    assert stop.value.rules == ("band_ceiling",)

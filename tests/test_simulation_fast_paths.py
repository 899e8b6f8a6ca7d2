"""The simulator's and the optimiser's shortcuts give the answers of the long way round.

- A CP-SAT stage that stops at its first solution meeting a proven bound returns the
  allocation, objective and status of the same solve run to its end (on the meetings
  of a simulated team, where the shortcut fires).
- A worker's eligibility facts, remembered across meetings by the worker's state,
  follow the policy: the same states under a policy that pins a household give
  other allowed workers, and the same as a problem worked out afresh.
- The simulator's memo of each worker's room in the ceiling band says what a fresh
  computation says at every meeting.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from allocopt.allocation.cpsat import CpSatAllocator
from allocopt.allocation.cpsat import solve as solve_module
from allocopt.allocation.exact import exact_problem
from allocopt.allocation.problem import AllocationProblem, AllocationResult, Pin, Policy
from allocopt.allocation.rule_checks import _FACTS
from allocopt.allocation.types import allowed_workers
from allocopt.io.scenario_file import load_scenario
from allocopt.simulation.model import Service
from allocopt.simulation.runner import make_allocator, run_replication
from allocopt.simulation.scenario import Scenario
from tests.test_allocation_builders import household, problem, worker

TEAM = Path(__file__).resolve().parents[1] / "scenarios" / "single_team.yaml"


def short_team(weeks: int = 26) -> Scenario:
    return load_scenario(TEAM).with_overrides([f"weeks={weeks}"])


class Recording:
    """An allocator that keeps every meeting put to it."""

    def __init__(self) -> None:
        self.inner = make_allocator("cpsat")
        self.name = self.inner.name
        self.meetings: list[AllocationProblem] = []

    def allocate(self, p: AllocationProblem) -> AllocationResult:
        self.meetings.append(p)
        return self.inner.allocate(p)


class _NeverStops(solve_module._StopAt):
    """The callback with the shortcut taken out: the solve runs to its proof."""

    def on_solution_callback(self) -> None:
        return


def test_a_stage_stopped_at_its_bound_returns_what_the_full_solve_returns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    recording = Recording()
    run_replication(short_team(), 1, 0, allocator=recording,
                    duty_allocator=make_allocator("greedy"))
    meetings = recording.meetings
    assert len(meetings) > 10

    stops = []

    class Counting(solve_module._StopAt):
        def on_solution_callback(self) -> None:
            super().on_solution_callback()
            if self.met:
                stops.append(self.limit)

    monkeypatch.setattr(solve_module, "_StopAt", Counting)
    fast = [CpSatAllocator(workers=1).allocate(p) for p in meetings]
    assert stops  # the shortcut fired on some of these meetings
    monkeypatch.setattr(solve_module, "_StopAt", _NeverStops)
    full = [CpSatAllocator(workers=1).allocate(p) for p in meetings]
    for a, b in zip(fast, full, strict=True):
        assert a.assignments == b.assignments
        assert a.objective == b.objective
        assert a.status == b.status


def test_remembered_eligibility_facts_follow_the_policy() -> None:
    # W1 is the least loaded: greedy's natural choice for H1, unless H1 is pinned to W2
    workers = [worker("W1", 10), worker("W2", 20)]
    households = [household("H1", 5), household("H2", 4)]
    plain = problem(workers, households, Policy())
    leads_plain = allowed_workers(exact_problem(plain))[0][0]
    pinned = replace(plain, policy=Policy(pins=(Pin(household="H1", worker="W2"),)))
    assert pinned.workers is plain.workers  # the very same worker states
    leads_pinned = allowed_workers(exact_problem(pinned))[0][0]
    assert leads_plain == (0, 1)
    assert leads_pinned == (1,)
    # the same answers as a problem worked out with nothing remembered
    _FACTS.clear()
    fresh = replace(pinned, households=tuple(households))
    assert allowed_workers(exact_problem(fresh))[0][0] == (1,)


def test_the_remembered_room_in_the_ceiling_band_is_the_room_worked_out_afresh(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = Service._clearly_full
    calls = [0, 0]

    def checked(self: Service, team, waiting, reasons):  # type: ignore[no-untyped-def]
        remembered = real(self, team, waiting, reasons)
        for w in team.workers:
            w.room = None
        afresh = real(self, team, waiting, reasons)
        assert remembered == afresh
        calls[0] += 1
        calls[1] += remembered
        return remembered

    monkeypatch.setattr(Service, "_clearly_full", checked)
    run_replication(short_team(52), 1, 0, "greedy")
    assert calls[0] > 50
    assert calls[1] > 0  # some meetings were skipped as full

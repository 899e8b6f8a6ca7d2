"""Everything one allocation meeting reads: the team, its caseload, the waiting list
and the policy, validated and turned into an allocation problem.

`allocate`, `recommend` and the meeting board (`serve`) all start here, so a
waiting list or policy is checked the same way whichever way the meeting is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from allocopt.allocation.problem import AllocationProblem, Policy, build_problem
from allocopt.domain import Household
from allocopt.io.inputs import ScoreInputs, load_inputs, read_waiting_list
from allocopt.io.policy_file import check_policy, read_policy


@dataclass
class MeetingInputs:
    """A meeting's validated inputs and the allocation problem made from them."""

    inputs: ScoreInputs
    policy: Policy
    waiting: tuple[Household, ...]
    problem: AllocationProblem
    title: str


def read_waiting(inputs: ScoreInputs, path: Path | None) -> tuple[Household, ...]:
    """The waiting list (`path`, else the team file's `waiting:`), checked against the team
    (:func:`allocopt.io.inputs.read_waiting_list`)."""
    if path is not None or inputs.waiting is None:
        inputs.waiting = read_waiting_list(inputs, path)
    return inputs.waiting.caseload.households


def read_meeting_policy(inputs: ScoreInputs, path: Path | None) -> tuple[Policy, Path | None]:
    """The policy (`path`, else the team file's `policy:`, else the defaults) and its file."""
    source = path or inputs.team.policy
    return (read_policy(source) if source is not None else Policy()), source


def load_meeting(team: Path, waiting: Path | None = None, policy: Path | None = None,
                 scheme: str | None = None, on: date | None = None,
                 time_limit: float | None = None) -> MeetingInputs:
    """Read and check a meeting's files; the problem the allocators solve."""
    inputs = load_inputs(team, scheme, on, waiting=waiting)
    households = read_waiting(inputs, None)
    chosen, source = read_meeting_policy(inputs, policy)
    if time_limit is not None:
        chosen = chosen.model_copy(update={"time_limit_s": time_limit})
    check_policy(chosen, inputs.scheme, (w.id for w in inputs.team.team.workers),
                 (h.id for h in households), source)
    problem = build_problem(inputs.scheme, chosen, inputs.team.team, inputs.caseload.caseload,
                            households, inputs.on)
    team_ = inputs.team.team
    return MeetingInputs(inputs, chosen, households, problem, team_.name or team_.id)

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
from allocopt.checks import check_inputs
from allocopt.domain import Household
from allocopt.errors import InputError, Problems
from allocopt.io.caseload_file import read_caseload
from allocopt.io.inputs import ScoreInputs, load_inputs, locate
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
    """The waiting list (`path`, else the team file's `waiting:`), checked against the team."""
    source = path or inputs.team.waiting
    if source is None:
        raise InputError(inputs.team.path, "the team file names no waiting list", field="waiting",
                         expected="'waiting: waiting.csv' in the team file, or a WAITING file")
    waiting = read_caseload(source)
    if waiting.caseload.holdings:
        first = waiting.caseload.holdings[0]
        raise waiting.error_for_child(first.child_ids[0], "a waiting household already has a "
                                      "worker", field="worker_id", found=first.worker_id,
                                      expected="a blank worker_id on the waiting list")
    held = {h.id for h in inputs.caseload.caseload.households}
    for h in waiting.caseload.households:
        if h.id in held:
            raise waiting.error_for_household(h.id, f"household {h.id} is also in the caseload",
                                              field="household_id",
                                              expected="households not yet allocated")
    problems = check_inputs(inputs.scheme, inputs.team.team, waiting.caseload, inputs.on)
    errors = [locate(p, inputs.team, waiting) for p in problems if p.severity == "error"]
    if errors:
        raise Problems(errors)
    inputs.warnings.extend(locate(p, inputs.team, waiting).message
                           for p in problems if p.severity == "warning")
    return waiting.caseload.households


def read_meeting_policy(inputs: ScoreInputs, path: Path | None) -> tuple[Policy, Path | None]:
    """The policy (`path`, else the team file's `policy:`, else the defaults) and its file."""
    source = path or inputs.team.policy
    return (read_policy(source) if source is not None else Policy()), source


def load_meeting(team: Path, waiting: Path | None = None, policy: Path | None = None,
                 scheme: str | None = None, on: date | None = None,
                 time_limit: float | None = None) -> MeetingInputs:
    """Read and check a meeting's files; the problem the allocators solve."""
    inputs = load_inputs(team, scheme, on)
    households = read_waiting(inputs, waiting)
    chosen, source = read_meeting_policy(inputs, policy)
    if time_limit is not None:
        chosen = chosen.model_copy(update={"time_limit_s": time_limit})
    check_policy(chosen, inputs.scheme, (w.id for w in inputs.team.team.workers),
                 (h.id for h in households), source)
    problem = build_problem(inputs.scheme, chosen, inputs.team.team, inputs.caseload.caseload,
                            households, inputs.on)
    team_ = inputs.team.team
    return MeetingInputs(inputs, chosen, households, problem, team_.name or team_.id)

"""Load a team, its caseload and a scheme for scoring, with every problem located."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from allocopt.checks import Problem, check_inputs, missing_inputs
from allocopt.domain import Caseload
from allocopt.errors import InputError, Problems
from allocopt.io.caseload_file import CaseloadSource, read_caseload
from allocopt.io.schemes import DEFAULT_SCHEME, load_scheme, scheme_path, shipped_names
from allocopt.io.team_file import TeamSource, read_team
from allocopt.schemes.model import Scheme


@dataclass
class ScoreInputs:
    """Everything `score`, `explain` and `allocate` need, validated."""

    scheme: Scheme
    team: TeamSource
    caseload: CaseloadSource
    on: date
    warnings: list[str] = field(default_factory=list)
    waiting: CaseloadSource | None = None
    alerts: list[str] = field(default_factory=list)
    """Warnings that change what the board means (most cases missing a scheme input);
    also in `warnings`, shown first and prominently."""

    scheme_file: Path | None = None
    """The scheme's file when it is not a shipped one."""

    @property
    def files(self) -> list[Path]:
        """Every file read: the team, caseload, waiting list and scheme files (an output
        must never be written over one of them)."""
        read = [self.team.path, self.caseload.path, self.scheme_file,
                self.waiting.path if self.waiting is not None else None]
        return [p for p in read if p is not None]

    @property
    def board_caseload(self) -> Caseload:
        """The caseload with the waiting list's households, unallocated: what the board shows."""
        if self.waiting is None or not self.waiting.caseload.households:
            return self.caseload.caseload
        held = self.caseload.caseload
        return Caseload(households=held.households + self.waiting.caseload.households,
                        holdings=held.holdings)


def load_inputs(
    team_path: Path,
    scheme: str | None = None,
    on: date | None = None,
    caseload: Path | None = None,
    waiting: Path | None = None,
) -> ScoreInputs:
    """Read the team file, the caseload it names (or `caseload`) and the scheme.

    The scheme is `scheme` if given, else the team file's, else tower-hamlets; the
    date is `on`, else the team file's `as_of`, else today. The waiting list
    (`waiting`, else the team file's) is read too, so the board shows it as
    unallocated work.
    """
    team = read_team(team_path)
    named = scheme or team.scheme or DEFAULT_SCHEME
    if scheme is not None:
        chosen = load_scheme(scheme)
    else:
        try:
            chosen = load_scheme(team.scheme or DEFAULT_SCHEME, relative_to=team.path.parent)
        except InputError as e:
            if e.file is not None:
                raise
            # An unknown scheme name: point at the team file line that names it.
            raise InputError(team.path, e.problem, field="scheme", found=team.scheme,
                             expected=e.expected) from None
    when = on or team.as_of or date.today()
    source = read_caseload(_named_file(team, caseload, "caseload", "--caseload FILE"))
    problems = check_inputs(chosen, team.team, source.caseload, when)
    errors = [locate(p, team, source) for p in problems if p.severity == "error"]
    if errors:
        raise Problems(errors)
    warnings = [locate(p, team, source).message for p in problems if p.severity == "warning"]
    alerts = [m.message() for m in missing_inputs(chosen, source.caseload.households)]
    inputs = ScoreInputs(chosen, team, source, when, alerts + warnings, alerts=alerts,
                         scheme_file=None if named in shipped_names() else scheme_path(
                             named, None if scheme is not None else team.path.parent))
    if waiting is not None or team.waiting is not None:
        inputs.waiting = read_waiting_list(inputs, waiting)
    return inputs


def read_waiting_list(inputs: ScoreInputs, path: Path | None = None) -> CaseloadSource:
    """The waiting list (`path`, else the team file's), checked against the caseload.

    A waiting household has no worker, and no household or child on it is also held.
    """
    team = inputs.team
    file = _named_file(team, path, "waiting", "a WAITING file")
    # A team workbook keeps its waiting list on a sheet of its own.
    waiting = read_caseload(file, "waiting" if file == team.path else None)
    if waiting.caseload.holdings:
        first = waiting.caseload.holdings[0]
        raise waiting.error_for_child(first.child_ids[0], "a waiting household already has a "
                                      "worker", field="worker_id", found=first.worker_id,
                                      expected="a blank worker_id on the waiting list")
    held = inputs.caseload.caseload
    households = {h.id for h in held.households}
    children = {c.id: h.id for h in held.households for c in h.children}
    errors: list[InputError] = []
    for h in waiting.caseload.households:
        if h.id in households:
            errors.append(waiting.error_for_household(
                h.id, f"household {h.id} is also in the caseload", field="household_id",
                expected="households not yet allocated"))
            continue
        for c in h.children:
            if c.id in children:
                errors.append(waiting.error_for_child(
                    c.id, f"child {c.id} is also in the caseload (household "
                    f"{children[c.id]})", field="child_id",
                    expected="a child held or waiting, not both"))
    if errors:
        raise Problems(errors)
    problems = check_inputs(inputs.scheme, team.team, waiting.caseload, inputs.on)
    errors = [locate(p, team, waiting) for p in problems if p.severity == "error"]
    if errors:
        raise Problems(errors)
    inputs.warnings.extend(locate(p, team, waiting).message
                           for p in problems if p.severity == "warning")
    return waiting


def _named_file(team: TeamSource, given: Path | None, field: str, option: str) -> Path:
    """The file given on the command line, else the one the team file names (which must
    exist beside it)."""
    path = given or getattr(team, field)
    what = "caseload" if field == "caseload" else "waiting list"
    if path is None:
        raise InputError(team.path, f"the team file names no {what}", field=field,
                         expected=f"'{field}: {field}.csv' in the team file, or {option}")
    if given is None and not path.exists():
        raise InputError(team.path, f"the {what} file is not found", field=field,
                         found=str(path), expected="a CSV or XLSX file beside the team file")
    return Path(path)


def locate(problem: Problem, team: TeamSource, source: CaseloadSource) -> InputError:
    """Attach the file and row a problem comes from."""
    kw = {"field": problem.field, "found": problem.found, "expected": problem.expected}
    if problem.subject == "worker":
        return InputError(team.path, f"worker {problem.id}: {problem.problem}", **kw)  # type: ignore[arg-type]
    if problem.subject == "household":
        return source.error_for_household(problem.id, f"household {problem.id}: {problem.problem}", **kw)
    return source.error_for_child(problem.id, problem.problem, **kw)

"""Load a team, its caseload and a scheme for scoring, with every problem located."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from allocopt.checks import Problem, check_inputs
from allocopt.errors import InputError, Problems
from allocopt.io.caseload_file import CaseloadSource, read_caseload
from allocopt.io.schemes import DEFAULT_SCHEME, load_scheme
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


def load_inputs(
    team_path: Path,
    scheme: str | None = None,
    on: date | None = None,
    caseload: Path | None = None,
) -> ScoreInputs:
    """Read the team file, the caseload it names (or `caseload`) and the scheme.

    The scheme is `scheme` if given, else the team file's, else tower-hamlets; the
    date is `on`, else the team file's `as_of`, else today.
    """
    team = read_team(team_path)
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
    path = caseload or team.caseload
    if path is None:
        raise InputError(team.path, "the team file names no caseload", field="caseload",
                         expected="'caseload: file.csv' in the team file, or --caseload FILE")
    if caseload is None and not path.exists():
        raise InputError(team.path, "the caseload file is not found", field="caseload",
                         found=str(path), expected="a CSV or XLSX file beside the team file")
    source = read_caseload(path)
    problems = check_inputs(chosen, team.team, source.caseload, when)
    errors = [locate(p, team, source) for p in problems if p.severity == "error"]
    if errors:
        raise Problems(errors)
    warnings = [locate(p, team, source).message for p in problems if p.severity == "warning"]
    return ScoreInputs(chosen, team, source, when, warnings)


def locate(problem: Problem, team: TeamSource, source: CaseloadSource) -> InputError:
    """Attach the file and row a problem comes from."""
    kw = {"field": problem.field, "found": problem.found, "expected": problem.expected}
    if problem.subject == "worker":
        return InputError(team.path, f"worker {problem.id}: {problem.problem}", **kw)  # type: ignore[arg-type]
    if problem.subject == "household":
        return source.error_for_household(problem.id, f"household {problem.id}: {problem.problem}", **kw)
    return source.error_for_child(problem.id, problem.problem, **kw)

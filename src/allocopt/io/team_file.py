"""Team files (YAML or JSON): the team, its workers, and where its caseload is.

Example::

    team: {id: north, name: North long-term team, type: long_term}
    scheme: tower-hamlets        # a shipped scheme or a path to your own copy
    as_of: 2026-12-01            # date of the caseload snapshot
    caseload: caseload.csv       # relative to this file
    workers:
      - {id: W01, role: senior, qualified_on: 2014-07-01, duties: [{kind: practice_teaching}]}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from allocopt.domain import Id, Team, TeamType, Worker
from allocopt.errors import InputError, from_validation
from allocopt.io.yamlfile import read_mapping


class TeamHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id
    name: str | None = None
    type: TeamType = TeamType.LONG_TERM
    locality: str | None = None


class TeamFile(BaseModel):
    """The shape of a team file."""

    model_config = ConfigDict(extra="forbid")

    team: TeamHeader
    scheme: str | None = Field(default=None, description="Scheme name or path.")
    as_of: date | None = Field(default=None, description="Date of the caseload snapshot.")
    caseload: str | None = Field(default=None, description="Caseload CSV/XLSX, relative path.")
    waiting: str | None = Field(default=None, description="Waiting list CSV/XLSX, relative path.")
    policy: str | None = Field(default=None, description="Allocation policy file, relative path.")
    workers: list[Worker]


@dataclass(frozen=True)
class TeamSource:
    """A team read from a file, with the settings the file names."""

    team: Team
    path: Path
    scheme: str | None
    as_of: date | None
    caseload: Path | None
    waiting: Path | None
    policy: Path | None

    def worker_error(self, worker_id: str, problem: str, **kw: object) -> InputError:
        return InputError(self.path, f"worker {worker_id}: {problem}", **kw)  # type: ignore[arg-type]


def read_team(path: Path) -> TeamSource:
    """Read and validate a team file."""
    data = read_mapping(path)
    names: dict[str, str] = {}
    workers = data.get("workers")
    if isinstance(workers, list):
        for i, w in enumerate(workers):
            if isinstance(w, dict) and "id" in w:
                names[f"workers.{i}"] = f"workers.{i} ({w['id']})"
    try:
        parsed = TeamFile.model_validate(data)
    except ValidationError as e:
        raise from_validation(e, path, names=names) from None
    if not parsed.workers:
        raise InputError(path, "the team has no workers", field="workers",
                         expected="at least one worker")
    first_index: dict[str, int] = {}
    for i, worker in enumerate(parsed.workers):
        if worker.id in first_index:
            raise InputError(path, f"worker id {worker.id} appears twice "
                             f"(also workers.{first_index[worker.id]})",
                             field=f"workers.{i} ({worker.id}).id", expected="one entry per worker")
        first_index[worker.id] = i
    try:
        team = Team(id=parsed.team.id, name=parsed.team.name, type=parsed.team.type,
                    locality=parsed.team.locality, workers=tuple(parsed.workers))
    except ValidationError as e:
        raise from_validation(e, path, names=names) from None
    folder = path.parent

    def rel(value: str | None) -> Path | None:
        return None if value is None else (folder / value)

    return TeamSource(team, path, parsed.scheme, parsed.as_of, rel(parsed.caseload),
                      rel(parsed.waiting), rel(parsed.policy))

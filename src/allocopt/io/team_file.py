"""Team files: the team, its workers, and where its caseload is.

A team file is YAML or JSON, or one workbook as teams keep it
(:func:`read_team_workbook`: a ``team`` sheet of settings, a ``workers`` sheet
with a row per worker, a ``caseload`` sheet with a row per child and, if the team
likes, a ``waiting`` sheet). Everything that reads a team reads either.

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
from allocopt.errors import InputError, from_validation, may_be_a_name
from allocopt.io.yamlfile import read_mapping


class TeamHeader(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: Id
    name: str | None = None
    type: TeamType = TeamType.LONG_TERM
    locality: str | None = None


class TeamFile(BaseModel):
    """The shape of a team file."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

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


TEAM_SETTINGS: dict[str, str] = {
    "id": "Team id (short, no spaces), e.g. north-lt.",
    "name": "Team name, e.g. North long-term team.",
    "type": "Team type: " + ", ".join(t.value for t in TeamType) + ".",
    "locality": "Locality or patch the team covers (optional).",
    "scheme": "Weighting scheme: a shipped name (allocopt schemes) or a path to your copy.",
    "as_of": "Date of the caseload snapshot, e.g. 2026-12-01.",
    "policy": "Allocation policy file, relative to this workbook (optional).",
    "waiting": "Waiting list: blank for this workbook's 'waiting' sheet, or a file name.",
}
"""The rows of a team workbook's ``team`` sheet (setting, value)."""

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
def _showable(wid: str) -> bool:
    return 0 < len(wid) <= 64 and wid.isprintable() and not may_be_a_name(wid)


def read_team(path: Path) -> TeamSource:
    """Read and validate a team file (YAML, JSON or a team workbook)."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return read_team_workbook(path)
    data = read_mapping(path)
    names: dict[str, str] = {}
    workers = data.get("workers")
    if isinstance(workers, list):
        for i, w in enumerate(workers):
            wid = w.get("id") if isinstance(w, dict) else None
            # The record's id beside its index, where it is an id fit to show.
            if isinstance(wid, str | int) and _showable(str(wid)):
                names[f"workers.{i}"] = f"workers.{i} ({wid})"
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


def read_team_workbook(path: Path) -> TeamSource:
    """A team kept as one workbook: ``team``, ``workers``, ``caseload`` (and ``waiting``) sheets.

    The workers sheet takes the roster's columns (docs/caseload.md): worker_id,
    name, role, qualified_on, started_on, contracted_hours or fte, duties, leave,
    leaving_on, locality, skills, agency. The caseload and waiting sheets take the
    caseload sheet's columns.
    """
    from allocopt.io import cells
    from allocopt.io.extracts.roster import read_roster
    from allocopt.io.tables import read_table, sheet_names

    if not path.exists():
        raise InputError(path, "file not found")
    names = sheet_names(path)
    lowered = {n.strip().lower(): n for n in names}
    for needed in ("workers", "caseload"):
        if needed not in lowered:
            raise InputError(path, f"no '{needed}' sheet", found=", ".join(names),
                             expected="sheets 'team', 'workers' and 'caseload' (allocopt "
                                      "template team.xlsx makes one)")
    settings: dict[str, object] = {}
    if "team" in lowered:
        table = read_table(path, sheet=lowered["team"])
        table.require("setting", "value")
        for number, row in table.rows:
            key = cells.text(row.get("setting"))
            if key is None:
                continue
            key = key.strip().lower()
            if key not in TEAM_SETTINGS:
                raise table.error(f"unknown setting '{key}'", row=number, field="setting",
                                  expected="one of " + ", ".join(TEAM_SETTINGS))
            value = row.get("value")
            settings[key] = value.strip() if isinstance(value, str) else value
    roster = read_roster(path, sheet=lowered["workers"])
    workers = []
    for e in roster.entries:
        if e.id is None:
            raise InputError(path, "a worker needs an id", sheet=lowered["workers"], row=e.row,
                             field="worker_id", expected="an id such as W01 on every row")
        try:
            workers.append(Worker(id=e.id, name=e.name, **e.fields))
        except ValidationError as err:
            raise from_validation(err, path, names={}) from None
    as_of = settings.get("as_of")
    try:
        on = cells.to_date(as_of) if as_of not in (None, "") else None
    except cells.CellError as err:
        raise InputError(path, "invalid value", sheet=lowered.get("team"), field="as_of",
                         found=err.found, expected=err.expected) from None
    header = {"id": settings.get("id") or path.stem, "name": settings.get("name"),
              "type": settings.get("type") or TeamType.LONG_TERM.value,
              "locality": settings.get("locality")}
    try:
        parsed = TeamFile.model_validate({
            "team": {k: v for k, v in header.items() if v not in (None, "")},
            "scheme": settings.get("scheme") or None, "as_of": on,
            "policy": settings.get("policy") or None, "workers": workers})
    except ValidationError as err:
        raise from_validation(err, path, names={}) from None
    team = Team(id=parsed.team.id, name=parsed.team.name, type=parsed.team.type,
                locality=parsed.team.locality, workers=tuple(parsed.workers))
    waiting_name = settings.get("waiting")
    if waiting_name:
        waiting: Path | None = path.parent / str(waiting_name)
    else:
        waiting = path if "waiting" in lowered else None
    policy = path.parent / parsed.policy if parsed.policy else None
    return TeamSource(team, path, parsed.scheme, parsed.as_of, path, waiting, policy)

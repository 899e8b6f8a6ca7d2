"""The team's own sheets: the worker roster and the override sheet (CSV or XLSX).

What no standard dataset holds comes from here: qualification dates (and so NQSW
status), contracted hours, standing duties, leave, and for children the
intervention level, complexity and high-input flags, court stage, co-working and
household grouping. Both sheets win over the extract.

The roster has one row per worker, keyed by id or by name (or both); the
override sheet one row per child, keyed by child id, using the caseload file's
column names (``docs/importing.md``). Broken rows stop the import with the file,
row and column: the team keeps these files, so the team fixes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocopt.domain import (
    FULL_TIME_HOURS,
    AssessmentKind,
    CourtStage,
    Duty,
    HouseholdKind,
    InterventionLevel,
    Period,
    Role,
    Status,
    TravelBand,
)
from allocopt.errors import InputError
from allocopt.io import cells
from allocopt.io.caseload_file import (
    COURT_ALIASES,
    RATING_PREFIX,
    STATUS_ALIASES,
    TRAVEL_ALIASES,
)
from allocopt.io.extracts.facts import Columns, WorkerFacts, clean_text, column_key, name_key
from allocopt.io.tables import Cell, Table, read_table

ROLE_ALIASES = {
    "sw": Role.SOCIAL_WORKER,
    "nqsw": Role.SOCIAL_WORKER,
    "asye": Role.SOCIAL_WORKER,
    "ssw": Role.SENIOR,
    "senior_social_worker": Role.SENIOR,
    "senior_practitioner": Role.SENIOR,
    "advanced_practitioner": Role.CONSULTANT,
    "consultant_social_worker": Role.CONSULTANT,
    "fsp": Role.FAMILY_SUPPORT_PRACTITIONER,
    "fsw": Role.FAMILY_SUPPORT_PRACTITIONER,
    "family_support_worker": Role.FAMILY_SUPPORT_PRACTITIONER,
    "pa": Role.LEAVING_CARE_ADVISER,
    "lca": Role.LEAVING_CARE_ADVISER,
    "personal_adviser": Role.LEAVING_CARE_ADVISER,
    "personal_advisor": Role.LEAVING_CARE_ADVISER,
    "social_work_student": Role.STUDENT,
}

ROSTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "worker_id": ("worker_id", "id", "staff_id", "employee_id", "professional_id",
                  "prof_professional_id"),
    "name": ("name", "worker_name", "full_name", "worker", "allocated_worker"),
    "registration": ("registration_no", "social_worker_registration_no", "swe_registration",
                     "swe_number", "prof_social_worker_registration_no"),
    "team": ("team", "team_name", "allocated_team"),
    "role": ("role", "job_role"),
    "qualified_on": ("qualified_on", "qualification_date", "date_qualified", "qualified"),
    "started_on": ("started_on", "start_date", "started_in_post"),
    "contracted_hours": ("contracted_hours", "hours", "weekly_hours", "hours_per_week"),
    "fte": ("fte", "full_time_equivalent"),
    "duties": ("duties", "extra_duties"),
    "leave": ("leave", "planned_leave"),
    "leaving_on": ("leaving_on", "leaving_date", "leaves_on"),
    "locality": ("locality", "patch"),
    "skills": ("skills",),
    "agency": ("agency", "agency_worker"),
    "notes": ("notes", "comment", "comments"),
}

LEAVE_SYNTAX = "periods like '2026-12-21..2027-01-01; 2027-02-15..2027-02-19'"
DUTY_SYNTAX = "duties like 'practice_teaching; panel_member=3; union_facility_time*2'"


@dataclass
class RosterEntry:
    """One roster row: how to recognise the worker, and the Worker fields it gives."""

    row: int
    source: str
    id: str | None
    name: str | None
    registration: str | None
    team: str | None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Roster:
    """The roster's workers in file order, with lookups by id and by name."""

    path: Path
    entries: list[RosterEntry]
    _by_id: dict[str, RosterEntry] = field(default_factory=dict, repr=False)
    _by_name: dict[str, list[RosterEntry]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for e in self.entries:
            for key in (e.id, e.registration):
                if key:
                    self._by_id.setdefault(key.casefold(), e)
            if e.name:
                self._by_name.setdefault(name_key(e.name), []).append(e)

    def by_id(self, key: str) -> RosterEntry | None:
        return self._by_id.get(key.strip().casefold())

    def by_name(self, name: str) -> RosterEntry | None:
        """The one roster worker with this name; an error if two share it."""
        found = self._by_name.get(name_key(name), [])
        if len(found) > 1:
            rows = ", ".join(str(e.row) for e in found)
            raise InputError(self.path, f"two workers share the name '{found[0].name}' "
                             f"(rows {rows})", field="name",
                             expected="distinct names, or a worker_id matching the extract")
        return found[0] if found else None

    def match(self, worker: WorkerFacts) -> RosterEntry | None:
        """The roster row for an extract worker: by any of its ids, else by name."""
        for key in sorted(worker.ids):
            entry = self.by_id(key)
            if entry is not None:
                return entry
        if worker.name is not None:
            return self.by_name(worker.name.value)
        return None


def _source(path: Path, row: int) -> str:
    return f"{path.name} row {row}"


def _get(table: Table, columns: Columns, row: dict[str, Cell], number: int, name: str,
         read: Callable[[Cell], Any]) -> Any:
    try:
        return read(columns.get(row, name))
    except cells.CellError as e:
        raise table.error("invalid value", row=number, field=columns.label(name), found=e.found,
                          expected=e.expected) from None


def parse_leave(value: Cell) -> tuple[Period, ...]:
    """'2026-12-21..2027-01-01; 2027-02-15..2027-02-19' -> periods."""
    raw = cells.text(value)
    out = []
    for part in (raw or "").split(";"):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\S+)\s*\.\.\s*(\S+)", part)
        if m is None:
            raise cells.CellError(part, LEAVE_SYNTAX)
        start, end = cells.to_date(m[1]), cells.to_date(m[2])
        if start is None or end is None or end < start:
            raise cells.CellError(part, "a start date, '..', then an end date on or after it")
        out.append(Period(start=start, end=end))
    return tuple(out)


def parse_duties(value: Cell) -> tuple[Duty, ...]:
    """'practice_teaching; panel_member=3' -> duties (the work-item syntax without dates)."""
    duties = []
    for item in cells.to_work_items(value):
        if item.start or item.end:
            raise cells.CellError(item.kind, DUTY_SYNTAX + " (standing duties have no dates)")
        duties.append(Duty(kind=item.kind, amount=item.amount, count=item.count))
    return tuple(duties)


def _known(spec: dict[str, tuple[str, ...]]) -> set[str]:
    """Every header a column spec accepts, compared as column keys."""
    return {column_key(a) for aliases in spec.values() for a in aliases}


def read_roster(path: Path, sheet: str | None = None) -> Roster:
    """Read a roster (CSV, or `sheet`, else the 'roster' sheet or only sheet of a workbook)."""
    table = read_table(path, sheet=sheet, preferred_sheet="roster")
    columns = Columns(table, ROSTER_COLUMNS)
    if not (columns.has("worker_id") or columns.has("name")):
        raise table.error("no worker_id or name column", row=1,
                          found=table.found_columns(_known(ROSTER_COLUMNS)),
                          expected="a worker_id column, a name column, or both")
    known = _known(ROSTER_COLUMNS)
    for raw, header in zip(table.raw_header, table.header, strict=False):
        if raw and column_key(raw) not in known:
            name = table.column_name(header)
            raise table.error(f"unknown column '{name}'", row=1, field=name,
                              expected="the roster columns in docs/importing.md")
    entries: list[RosterEntry] = []
    seen_ids: dict[str, int] = {}
    for number, row in table.rows:
        def get(name: str, read: Callable[[Cell], Any], number: int = number,
                row: dict[str, Cell] = row) -> Any:
            return _get(table, columns, row, number, name, read)

        wid, name = get("worker_id", cells.text), get("name", clean_text)
        if wid is None and name is None:
            raise table.error("a worker needs an id or a name", row=number,
                              field=columns.label("worker_id"))
        if wid is not None:
            if wid.casefold() in seen_ids:
                raise table.error(f"worker id {wid} appears twice (also row "
                                  f"{seen_ids[wid.casefold()]})", row=number,
                                  field=columns.label("worker_id"), expected="one row per worker")
            seen_ids[wid.casefold()] = number
        fields: dict[str, Any] = {
            "role": get("role", lambda v: cells.to_enum(v, Role, ROLE_ALIASES)),
            "qualified_on": get("qualified_on", cells.to_date),
            "started_on": get("started_on", cells.to_date),
            "duties": get("duties", parse_duties),
            "leave": get("leave", parse_leave),
            "leaving_on": get("leaving_on", cells.to_date),
            "locality": get("locality", cells.text),
            "skills": get("skills", cells.to_list),
            "agency": get("agency", lambda v: None if cells.text(v) is None else cells.to_bool(v)),
        }
        hours = get("contracted_hours", lambda v: cells.to_float(v, "hours a week"))
        fte = get("fte", lambda v: cells.to_float(v, "a full-time equivalent such as 0.8"))
        if hours is None and fte is not None:
            if not 0 < fte <= 1.3:
                raise table.error("invalid value", row=number, field=columns.label("fte"),
                                  found=fte, expected="a full-time equivalent between 0 and 1.3")
            hours = round(fte * FULL_TIME_HOURS, 2)
        if hours is not None and not 0 < hours <= 48:
            raise table.error("invalid value", row=number,
                              field=columns.label("contracted_hours"), found=hours,
                              expected="hours a week, more than 0 and at most 48")
        fields["contracted_hours"] = hours
        entries.append(RosterEntry(
            row=number, source=_source(path, number), id=wid, name=name,
            registration=get("registration", cells.text), team=get("team", clean_text),
            fields={k: v for k, v in fields.items() if v is not None and v != ()},
        ))
    if not entries:
        raise table.error("the roster has no workers", expected="one row per worker")
    return Roster(path, entries)


# --- the override sheet --------------------------------------------------------------------

OVERRIDE_ID_ALIASES = ("child_id", "child_unique_id", "person_id", "pers_person_id", "id")

CHILD_FIELDS = ("status", "age", "placement_travel", "high_input", "complex", "disabled",
                "child_work_items")
HOUSEHOLD_FIELDS = ("household_kind", "locality", "travel", "multi_agency", "court",
                    "intervention_level", "care_managed", "co_working", "closes_on",
                    "referred_on", "skills_needed", "previous_workers", "household_work_items")
HOLDING_FIELDS = ("worker_id", "co_worker_id", "allocated_on")
ASSESSMENT_FIELDS = ("assessment_kind", "assessment_start", "assessment_completed")
IGNORED = ("name", "child_name", "notes")


def _flag(value: Cell) -> bool | None:
    return None if cells.text(value) is None else cells.to_bool(value)


READERS: dict[str, Callable[[Cell], Any]] = {
    "household_id": cells.text,
    "status": lambda v: cells.to_enum(v, Status, STATUS_ALIASES),
    "age": lambda v: cells.to_int(v, "an age in whole years"),
    "placement_travel": lambda v: cells.to_enum(v, TravelBand, TRAVEL_ALIASES),
    "high_input": _flag,
    "complex": _flag,
    "disabled": _flag,
    "child_work_items": lambda v: cells.to_work_items(v) or None,
    "household_kind": lambda v: cells.to_enum(v, HouseholdKind),
    "locality": cells.text,
    "travel": lambda v: cells.to_enum(v, TravelBand, TRAVEL_ALIASES),
    "multi_agency": _flag,
    "court": lambda v: cells.to_enum(v, CourtStage, {k: c for k, c in COURT_ALIASES.items()
                                                     if c is not None}),
    "intervention_level": lambda v: cells.to_enum(v, InterventionLevel),
    "care_managed": _flag,
    "co_working": _flag,
    "closes_on": cells.to_date,
    "referred_on": cells.to_date,
    "skills_needed": lambda v: cells.to_list(v) or None,
    "previous_workers": lambda v: cells.to_list(v) or None,
    "household_work_items": lambda v: cells.to_work_items(v) or None,
    "worker_id": clean_text,
    "co_worker_id": clean_text,
    "allocated_on": cells.to_date,
    "assessment_kind": lambda v: cells.to_enum(v, AssessmentKind),
    "assessment_start": cells.to_date,
    "assessment_completed": cells.to_date,
}
_NO_COURT = {"none", "no", "no_proceedings"}


@dataclass
class OverrideRow:
    """What the team says about one child, and the row that says it."""

    row: int
    source: str
    child_id: str
    values: dict[str, Any]
    court_cleared: bool = False
    ratings: dict[str, float] = field(default_factory=dict)


@dataclass
class Overrides:
    """The override sheet's rows by child id."""

    path: Path
    rows: dict[str, OverrideRow]

    def get(self, child_id: str) -> OverrideRow | None:
        return self.rows.get(child_id)


def read_overrides(path: Path) -> Overrides:
    """Read the override sheet (CSV, or the 'overrides' sheet or only sheet of a workbook)."""
    table = read_table(path, preferred_sheet="overrides")
    spec = {"child_id": OVERRIDE_ID_ALIASES, **{f: (f,) for f in READERS}}
    columns = Columns(table, spec)
    if not columns.has("child_id"):
        raise table.error("missing column 'child_id'", row=1, field="child_id",
                          found=table.found_columns(_known(spec)),
                          expected="a child_id column (the Child Unique ID or SSD person id)")
    known = _known(spec) | set(IGNORED)
    ratings = []
    for raw, header in zip(table.raw_header, table.header, strict=False):
        key = column_key(raw)
        if key.startswith(RATING_PREFIX):
            ratings.append((header, key[len(RATING_PREFIX):]))
        elif raw and key not in known:
            name = table.column_name(header)
            raise table.error(f"unknown column '{name}'", row=1, field=name,
                              expected="child_id and caseload columns (docs/importing.md)")
    rows: dict[str, OverrideRow] = {}
    present = {name: read for name, read in READERS.items() if columns.has(name)}
    for number, row in table.rows:
        def get(name: str, read: Callable[[Cell], Any], number: int = number,
                row: dict[str, Cell] = row) -> Any:
            return _get(table, columns, row, number, name, read)

        cid = get("child_id", cells.text)
        if cid is None:
            raise table.error("a required value is blank", row=number,
                              field=columns.label("child_id"), expected="the child's id")
        if cid in rows:
            raise table.error(f"child {cid} appears twice (also row {rows[cid].row})",
                              row=number, field=columns.label("child_id"),
                              expected="one row per child")
        court_raw = cells.text(columns.get(row, "court"))
        cleared = court_raw is not None and court_raw.strip().lower() in _NO_COURT
        values = {name: get(name, read) for name, read in present.items()
                  if not (name == "court" and cleared)}
        entry = OverrideRow(number, _source(path, number), cid,
                            {k: v for k, v in values.items() if v is not None}, cleared)
        for header, rating in ratings:
            value = row.get(header)
            if value is None:
                continue
            try:
                points = cells.to_float(value, "points agreed in supervision")
            except cells.CellError as e:
                raise table.error("invalid value", row=number, field=RATING_PREFIX + rating,
                                  found=e.found, expected=e.expected) from None
            if points is not None:
                if points < 0:
                    raise table.error("invalid value", row=number, field=RATING_PREFIX + rating,
                                      found=points, expected="points of 0 or more")
                entry.ratings[rating] = points
        start = entry.values.get("assessment_start")
        done = entry.values.get("assessment_completed")
        if start is None and ("assessment_kind" in entry.values or done is not None):
            raise table.error("an assessment needs its start date", row=number,
                              field="assessment_start", expected="the date the assessment started")
        if start is not None and done is not None and done < start:
            raise table.error("the assessment is completed before it starts", row=number,
                              field="assessment_completed", found=str(done),
                              expected=f"a date on or after {start}")
        rows[cid] = entry
    return Overrides(path, rows)


def check_dates(roster: Roster, on: date) -> None:
    """Qualification and start dates after the import date are typing mistakes."""
    for e in roster.entries:
        for name in ("qualified_on", "started_on"):
            value = e.fields.get(name)
            if value is not None and value > on:
                raise InputError(roster.path, "date is in the future", row=e.row, field=name,
                                 found=str(value), expected=f"a date on or before {on}")


def validation_error(roster: Roster, entry: RosterEntry, err: ValidationError) -> InputError:
    """A roster row that does not make a valid worker, located."""
    from allocopt.errors import from_validation

    return from_validation(err, roster.path, row=entry.row)

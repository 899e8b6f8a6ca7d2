"""Caseload spreadsheets: one row per child, with the household it belongs to.

The columns are declared once, in :data:`COLUMNS`; the reader, the blank template
(``allocopt template``) and the documentation all come from that list.
Household columns may be filled on every row of the household or only on the
first; where two rows of one household disagree, that is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from allocopt.domain import (
    Assessment,
    AssessmentKind,
    Caseload,
    Child,
    CourtStage,
    Holding,
    Household,
    HouseholdKind,
    InterventionLevel,
    Status,
    TravelBand,
)
from allocopt.errors import InputError, Problems, from_validation, id_text
from allocopt.io import cells
from allocopt.io.tables import Cell, Table, stream_table, without_cycle_collection

STATUS_ALIASES = {
    "lac": Status.CLA,
    "looked_after": Status.CLA,
    "child_looked_after": Status.CLA,
    "child_in_need": Status.CIN,
    "child_protection": Status.CP,
    "cpp": Status.CP,
    "careleaver": Status.CARE_LEAVER,
    "so": Status.SUPERVISION_ORDER,
    "supervision": Status.SUPERVISION_ORDER,
}
TRAVEL_ALIASES = {
    "none": TravelBand.IN_AREA,
    "local": TravelBand.IN_AREA,
    "in_borough": TravelBand.IN_AREA,
    "neighbouring_area": TravelBand.NEIGHBOURING,
    "1_2_hours": TravelBand.ONE_TO_TWO_HOURS,
    "over_2_hours": TravelBand.OVER_TWO_HOURS,
}
COURT_ALIASES = {
    "care": CourtStage.CARE_PROCEEDINGS,
    "private": CourtStage.PRIVATE_PROCEEDINGS,
    "pre_proceedings": CourtStage.PLO,
    "none": None,
}


@dataclass(frozen=True)
class Column:
    """One documented column of the caseload sheet."""

    name: str
    level: str  # "child", "household" or "holding"
    description: str
    example: str
    required: bool = False
    choices: tuple[str, ...] = ()
    """The codes the column takes (the templates offer them as a drop-down list)."""


YES_NO = ("yes", "no")


COLUMNS: tuple[Column, ...] = (
    Column("household_id", "household", "Household (family) id; siblings share it.", "H001", True),
    Column("child_id", "child", "Child id, unique in the file (no names needed).", "C0001", True),
    Column("status", "child", "CIN, CP, CLA (or LAC), care_leaver, supervision_order.", "CP", True,
           tuple(s.value for s in Status)),
    Column("worker_id", "holding", "Worker who holds the child as lead; blank = unallocated.", "W01"),
    Column("co_worker_id", "holding", "Secondary co-worker, if co-worked.", ""),
    Column("allocated_on", "holding", "Date the lead worker was allocated.", "2026-05-04"),
    Column("age", "child", "Age in years.", "7"),
    Column("placement_travel", "child",
           "Travel to a placed child: in_area, neighbouring, one_to_two_hours, over_two_hours.",
           "in_area", choices=tuple(t.value for t in TravelBand)),
    Column("high_input", "child", "Placement needs unusually high input (yes/no).", "no",
           choices=YES_NO),
    Column("complex", "child", "CP plan of above-average complexity (yes/no).", "no",
           choices=YES_NO),
    Column("disabled", "child", "Child has a disability (yes/no).", "no", choices=YES_NO),
    Column("child_work_items", "child", "Time-limited work on the child: " + cells.ITEM_SYNTAX + ".",
           ""),
    Column("household_kind", "household", "family or foster_family.", "family",
           choices=tuple(k.value for k in HouseholdKind)),
    Column("locality", "household", "Locality or patch of the household.", "North"),
    Column("travel", "household",
           "Travel to the family: in_area, neighbouring, one_to_two_hours, over_two_hours.",
           "in_area", choices=tuple(t.value for t in TravelBand)),
    Column("multi_agency", "household", "Multi-agency co-ordination (yes/no).", "no",
           choices=YES_NO),
    Column("court", "household",
           "Open proceedings: plo, care_proceedings, private_proceedings, sgo.", "",
           choices=tuple(c.value for c in CourtStage)),
    Column("assessment_kind", "household", "Open assessment: s47 or single.", "",
           choices=tuple(k.value for k in AssessmentKind)),
    Column("assessment_start", "household", "Start of the open assessment.", ""),
    Column("assessment_completed", "household", "Date the assessment was completed.", ""),
    Column("intervention_level", "household", "low, medium or high (agreed in supervision).",
           "medium", choices=tuple(i.value for i in InterventionLevel)),
    Column("care_managed", "household", "Non-active, care-managed case (yes/no).", "no",
           choices=YES_NO),
    Column("co_working", "household", "Marked for a lead and a secondary worker (yes/no).", "no",
           choices=YES_NO),
    Column("closes_on", "household", "Date the case closes or is to close.", ""),
    Column("referred_on", "household", "Date of referral (waiting cases).", ""),
    Column("skills_needed", "household", "Skills the case needs, separated by ';'.", ""),
    Column("previous_workers", "household", "Workers who held the family before, by id.", ""),
    Column("household_work_items", "household",
           "Time-limited work on the household: " + cells.ITEM_SYNTAX + ".", ""),
    Column("sources", "child",
           "Where the values came from (written by allocopt import; explain shows it): "
           "'field=source' pairs separated by ';'.",
           "status=Annex A List 7 row 12; court=override"),
)
RATING_PREFIX = "rating_"
"""Columns named rating_<name> hold points agreed in supervision (e.g. rating_intervention)."""

SOURCES_SYNTAX = "pairs like 'status=Annex A List 7 row 12; court=override sheet row 3'"
_SOURCE_KEY = re.compile(r"^[a-z_][a-z0-9_]*$")
_HOUSEHOLD_SOURCE_KEYS = frozenset(Household.model_fields) - {"id", "children", "sources"} | {
    "household_id", "assessment_kind", "assessment_start", "assessment_completed"}


def format_sources(sources: dict[str, str]) -> str:
    """`{'status': 'List 7 row 12'}` -> 'status=List 7 row 12' (';' between pairs)."""
    return "; ".join(f"{k}={v.replace(';', ',').strip()}" for k, v in sources.items())


def parse_sources(value: Cell) -> dict[str, str]:
    """The `sources` cell as a dict; raises CellError on a malformed pair."""
    raw = cells.text(value)
    out: dict[str, str] = {}
    for part in (raw or "").split(";"):
        if not part.strip():
            continue
        key, eq, where = part.partition("=")
        key = key.strip().lower()
        if not eq or not _SOURCE_KEY.match(key) or not where.strip():
            raise cells.CellError(part.strip(), SOURCES_SYNTAX)
        out[key] = where.strip()
    return out


def is_household_source(key: str) -> bool:
    """Household fields (and rating_ / household_ keys) belong to the household's sources."""
    return key in _HOUSEHOLD_SOURCE_KEYS or key.startswith((RATING_PREFIX, "household_"))

OPTIONAL_IGNORED = ("name", "child_name", "notes")
"""Columns read but never used or shown (children's names stay out of every output)."""

_KNOWN = {c.name for c in COLUMNS} | set(OPTIONAL_IGNORED)


@dataclass
class CaseloadSource:
    """A caseload read from a file, with where each child came from."""

    caseload: Caseload
    path: Path
    sheet: str | None
    child_rows: dict[str, int] = field(default_factory=dict)
    household_rows: dict[str, int] = field(default_factory=dict)

    def error_for_child(self, child_id: str, problem: str, **kw: Any) -> InputError:
        return InputError(self.path, problem, sheet=self.sheet, row=self.child_rows.get(child_id), **kw)

    def error_for_household(self, household_id: str, problem: str, **kw: Any) -> InputError:
        return InputError(self.path, problem, sheet=self.sheet,
                          row=self.household_rows.get(household_id), **kw)


def read_caseload(path: Path, sheet: str | None = None) -> CaseloadSource:
    """Read a caseload CSV or XLSX file (sheet 'caseload', or the only sheet)."""
    with without_cycle_collection():
        table, rows = stream_table(path, sheet=sheet, preferred_sheet="caseload")
        return caseload_from_table(table, rows)


def caseload_from_table(table: Table, rows: Iterable[tuple[int, dict[str, Cell]]] | None = None
                        ) -> CaseloadSource:
    """Build a Caseload from a table (or its header and `rows`, read one at a time),
    checking every row and the rows against each other."""
    table.require(*(c.name for c in COLUMNS if c.required))
    unknown = [h for h in table.header if h and h not in _KNOWN and not h.startswith(RATING_PREFIX)]
    if unknown:
        name = table.column_name(unknown[0])
        raise table.error(f"unknown column '{name}'", row=1, field=name,
                          expected="the columns of 'allocopt template' (see docs/caseload.md)")

    errors: list[InputError] = []
    child_rows: dict[str, int] = {}
    child_household: dict[str, str] = {}
    # household id -> (its values with the row each was first given on, its children),
    # in file order
    households: dict[str, tuple[dict[str, tuple[int, Any]], list[Child]]] = {}
    # (worker, household, role) -> (children held, latest date allocated), in file order
    holdings: dict[tuple[str, str, str], tuple[list[str], list[date | None]]] = {}
    household_sources: dict[str, dict[str, str]] = {}
    seen_rows = 0
    seen = _Seen()
    for number, row in (table.rows if rows is None else rows):
        seen_rows += 1
        try:
            hid, child, fields, holding = _read_row(table, number, row, seen)
        except InputError as e:
            errors.append(e)
            if len(errors) >= 20:
                break
            continue
        cid = child.id
        if cid in child_rows:
            first, first_hid = child_rows[cid], child_household[cid]
            where = f"row {first}" if first_hid == hid else \
                f"row {first}, household {id_text(first_hid)}"
            errors.append(table.error(f"child {id_text(cid)} appears twice (also {where})",
                                      row=number, field="child_id",
                                      expected="one row per child, in one household"))
            continue
        child_rows[cid] = number
        child_household[cid] = hid
        entry = households.get(hid)
        if entry is None:
            entry = households[hid] = ({}, [])
        merged, members = entry
        members.append(child)
        if fields:
            # Sources are notes on the values, not values: rows of one household merge them.
            if "sources" in fields:
                for key, where in fields.pop("sources").items():
                    household_sources.setdefault(hid, {}).setdefault(key, where)
            for key, value in fields.items():
                known = merged.get(key)
                if known is None:
                    merged[key] = (number, value)
                elif known[1] != value:
                    errors.append(table.error(
                        f"household {id_text(hid)}: '{key}' differs from row {known[0]}",
                        row=number, field=key, found=_display(value),
                        expected=_display(known[1])))
        worker, co_worker, allocated_on = holding
        if worker:
            held = holdings.get((worker, hid, "lead"))
            if held is None:
                holdings[(worker, hid, "lead")] = ([cid], [allocated_on])
            else:
                held[0].append(cid)
                latest = held[1][0]
                if latest is None or (allocated_on is not None and allocated_on > latest):
                    held[1][0] = allocated_on
        if co_worker:
            if co_worker == worker:
                errors.append(table.error("the co-worker is the lead worker", row=number,
                                          field="co_worker_id", found=co_worker))
            held = holdings.setdefault((co_worker, hid, "secondary"), ([], [allocated_on]))
            held[0].append(cid)
    if errors:
        raise Problems(errors)
    if not seen_rows:
        raise table.error("no rows after the header", expected="one row per child")

    del child_household
    built: list[Household] = []
    household_rows: dict[str, int] = {}
    # Each household's working values are dropped once it is built, so a large caseload
    # is never held twice over.
    for hid in list(households):
        merged, members = households.pop(hid)
        household_rows[hid] = min(n for n, _ in merged.values()) if merged \
            else child_rows[members[0].id]
        values = {k: v for k, (_, v) in merged.items() if not k.startswith(RATING_PREFIX)}
        ratings = {k[len(RATING_PREFIX):]: v for k, (_, v) in merged.items()
                   if k.startswith(RATING_PREFIX)}
        if ratings:
            values["ratings"] = ratings
        if household_sources.get(hid):
            values["sources"] = household_sources[hid]
        try:
            built.append(_lean(Household(id=hid, children=tuple(members), **values)))
        except ValidationError as e:
            raise from_validation(e, table.path, row=household_rows[hid], sheet=table.sheet,
                                  names={"id": "household_id", "work_items":
                                         "household_work_items", "kind": "household_kind"}
                                  ) from None
    holding_list = []
    for (w, h, role), (ids, (when,)) in holdings.items():  # in file order
        extra: dict[str, Any] = {"role": role} if role != "lead" else {}
        if when is not None:
            extra["allocated_on"] = when
        holding_list.append(_lean(Holding(worker_id=w, household_id=h, child_ids=tuple(ids),
                                          **extra)))
    try:
        caseload = Caseload(households=tuple(built), holdings=tuple(holding_list))
    except ValidationError as e:
        raise from_validation(e, table.path, sheet=table.sheet) from None
    return CaseloadSource(caseload, table.path, table.sheet, child_rows, household_rows)


_Record = TypeVar("_Record", Child, Household, Holding)
_ALL_FIELDS: dict[type, set[str]] = {kind: set(kind.model_fields)
                                     for kind in (Child, Household, Holding)}


def _lean(record: _Record) -> _Record:
    """The record, sharing its kind's one set of field names, as if every field had been
    given. Pydantic keeps such a set in every record (216 bytes: 86 MB over a caseload of
    200,000 children and their households); the records are frozen, so the shared set is
    never changed in place (a copy gets a set of its own)."""
    object.__setattr__(record, "__pydantic_fields_set__", _ALL_FIELDS[type(record)])
    return record


def _display(value: Any) -> str:
    if isinstance(value, tuple):
        return "; ".join(str(v) for v in value)
    return str(value.value if hasattr(value, "value") else value)


_Reader = Callable[[Cell], Any]


def _enum_reader(enum: type[Any], aliases: dict[str, Any] | None = None) -> _Reader:
    def read(value: Cell) -> Any:
        return cells.to_enum(value, enum, aliases)

    return read


def _age(value: Cell) -> int | None:
    return cells.to_int(value, "an age in whole years")


_STATUS = _enum_reader(Status, STATUS_ALIASES)
_TRAVEL = _enum_reader(TravelBand, TRAVEL_ALIASES)
_COURT = _enum_reader(CourtStage, COURT_ALIASES)
_ASSESSMENT = _enum_reader(AssessmentKind)
_INTERVENTION = _enum_reader(InterventionLevel)
_KIND = _enum_reader(HouseholdKind)


def _rating(value: Cell) -> float | None:
    return cells.to_float(value, "points agreed in supervision")


_READERS: dict[str, _Reader] = {
    "household_id": cells.text, "child_id": cells.text, "status": _STATUS,
    "name": cells.text, "child_name": cells.text,
    "worker_id": cells.text, "co_worker_id": cells.text, "allocated_on": cells.to_date,
    "age": _age, "placement_travel": _TRAVEL, "high_input": cells.to_bool,
    "complex": cells.to_bool, "disabled": cells.to_bool,
    "child_work_items": cells.to_work_items, "household_kind": _KIND,
    "locality": cells.text, "travel": _TRAVEL, "multi_agency": cells.to_bool,
    "court": _COURT, "assessment_kind": _ASSESSMENT, "assessment_start": cells.to_date,
    "assessment_completed": cells.to_date, "intervention_level": _INTERVENTION,
    "care_managed": cells.to_bool, "co_working": cells.to_bool, "closes_on": cells.to_date,
    "referred_on": cells.to_date, "skills_needed": cells.to_list,
    "previous_workers": cells.to_list, "household_work_items": cells.to_work_items,
    "sources": parse_sources,
}
"""How each column's cell is read (rating_<name> columns: as points)."""


_TARGETS: dict[str, tuple[str, str]] = {
    "name": ("child", "name"), "child_name": ("child", "name"), "age": ("child", "age"),
    "placement_travel": ("child", "placement_travel"), "high_input": ("child", "high_input"),
    "complex": ("child", "complex"), "disabled": ("child", "disabled"),
    "child_work_items": ("child", "work_items"),
    "household_kind": ("household", "kind"), "locality": ("household", "locality"),
    "travel": ("household", "travel"), "multi_agency": ("household", "multi_agency"),
    "court": ("household", "court"), "intervention_level": ("household", "intervention_level"),
    "care_managed": ("household", "care_managed"), "co_working": ("household", "co_working"),
    "closes_on": ("household", "closes_on"), "referred_on": ("household", "referred_on"),
    "skills_needed": ("household", "skills_needed"),
    "previous_workers": ("household", "previous_workers"),
    "household_work_items": ("household", "work_items"),
}
"""Where each optional column's value goes: the child's field or the household's."""


_REPEATING = frozenset({_STATUS, _TRAVEL, _COURT, _ASSESSMENT, _INTERVENTION, _KIND, _age,
                        _rating, cells.to_date, cells.to_bool})
"""Readers of columns whose few values repeat down the sheet: each value is read once."""


_Target = tuple[str, str] | None
"""Where a column's value goes: (child or household, field), ('rating', column), or None
for the values the row itself uses (ids, status, holding, assessment, sources)."""
_Plan = tuple[_Reader, "dict[str, Any] | None", _Target]


class _Seen(dict[str, "_Plan | None"]):
    """How each column of one table is read (None: a column never read, such as notes):
    its reader, for the repeating columns the values read so far from text cells (each is
    read once), and where its value goes."""

    def __missing__(self, name: str) -> _Plan | None:
        read = _READERS.get(name)
        target = _TARGETS.get(name)
        if read is None and name.startswith(RATING_PREFIX):
            read, target = _rating, ("rating", name)
        plan: _Plan | None = None if read is None else (
            read, {} if read in _REPEATING else None, target)
        self[name] = plan
        return plan


def _read_row(
    table: Table, number: int, row: dict[str, Cell], seen: _Seen | None = None
) -> tuple[str, Child, dict[str, Any], tuple[str | None, str | None, date | None]]:
    """One row read: its household id, the child, the household's values it gives, and
    its holding (worker, co-worker, allocated on). The first bad cell raises."""
    seen = _Seen() if seen is None else seen
    # Only what the row gives (an empty cell, or 'no', leaves the value to another row of
    # the household, or to the default), so each child stays small: a caseload may hold
    # 200,000.
    v: dict[str, Any] = {}
    given: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for name, cell in row.items():
        if cell is None:
            continue  # most cells of most rows
        plan = seen[name]
        if plan is None:
            continue  # notes: kept in the file, never read
        read, memo, target = plan
        # Text cells only: a workbook's TRUE equals 1 as a key, but is not read as 1.
        if memo is not None and type(cell) is str and cell in memo:
            value = memo[cell]
        else:
            try:
                value = read(cell)
            except cells.CellError as e:
                raise table.error("invalid value", row=number, field=name, found=e.found,
                                  expected=e.expected) from None
            if memo is not None and type(cell) is str and len(memo) < 10_000:
                memo[cell] = value
        if target is None:
            v[name] = value
        elif value is None or value is False or value == ():
            continue
        elif target[0] == "child":
            given.setdefault(target[1], value)
        elif target[0] == "household":
            fields.setdefault(target[1], value)
        else:
            if value < 0:
                raise table.error("invalid value", row=number, field=name, found=value,
                                  expected="points of 0 or more")
            fields[name] = value
    for name in ("household_id", "child_id", "status"):
        if v.get(name) is None:
            raise table.error("a required value is blank", row=number, field=name)
    sources: dict[str, str] | None = v.get("sources")
    if sources:
        child_sources = {k: w for k, w in sources.items() if not is_household_source(k)}
        if child_sources:
            given["sources"] = child_sources
        fields["sources"] = {k: w for k, w in sources.items() if is_household_source(k)}
    try:
        child = _lean(Child(id=v["child_id"], status=v["status"], **given))
    except ValidationError as e:
        raise from_validation(e, table.path, row=number, sheet=table.sheet,
                              names={"id": "child_id", "work_items": "child_work_items"}) from None
    a_start, a_kind, a_done = (v.get("assessment_start"), v.get("assessment_kind"),
                               v.get("assessment_completed"))
    if a_start is not None:
        if a_done is not None and a_done < a_start:
            raise table.error("the assessment is completed before it starts", row=number,
                              field="assessment_completed", found=str(a_done),
                              expected=f"a date on or after {a_start}")
        fields["assessment"] = Assessment(kind=a_kind or AssessmentKind.SINGLE, start=a_start,
                                          completed=a_done)
    elif a_kind is not None or a_done is not None:
        raise table.error("an assessment needs its start date", row=number,
                          field="assessment_start", expected="the date the assessment started")
    holding = (v.get("worker_id"), v.get("co_worker_id"), v.get("allocated_on"))
    return v["household_id"], child, fields, holding

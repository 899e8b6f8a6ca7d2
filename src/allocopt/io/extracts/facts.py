"""What an Annex A workbook or an SSD extract says about children and workers.

Both readers turn their rows into the same facts: for each child, the statuses
current at the date (each with the row it came from), the allocations the rows
name, placement, court and assessment facts; for each worker, what the extract
knows (name, FTE, job title). ``build`` then applies the roster and the
override sheet and makes the team and caseload files.

Also here: reading messy cells the way a council analyst would (coded answers
with prefixes, Excel error values, dates as serials or text, non-breaking
spaces, tolerant column names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Generic, TypeVar

from allocopt.domain import Assessment, CourtStage, Role, Status, TravelBand
from allocopt.io import cells
from allocopt.io.extracts.report import ImportReport
from allocopt.io.extracts.settings import ImportSettings
from allocopt.io.tables import Cell, Table, normalise_header

T = TypeVar("T")

EXCEL_ERRORS = frozenset({"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!"})

# Rows that name several allocations rank them by list: a dated plan beats an episode,
# an episode beats an assessment, an assessment beats a referral.
SOURCE_RANK = {"plan": 0, "episode": 1, "assessment": 2, "referral": 3}


@dataclass(frozen=True)
class Fact(Generic[T]):
    """A value and the row it came from."""

    value: T
    source: str


@dataclass(frozen=True)
class StatusFact:
    """A status current at the date, from one row."""

    status: Status
    source: str
    kind: str  # plan, episode, assessment or referral (see SOURCE_RANK)
    start: date | None


@dataclass(frozen=True)
class Allocation:
    """A worker named for a child on one current row (or an open involvement)."""

    worker: str | None  # the extract's key for the worker; None = no worker
    team: str | None
    source: str
    rank: tuple[int, int, int]  # lower is preferred (status, kind of row, latest start)
    start: date | None = None
    marker: str | None = None  # what the cell held when no worker is named ("#N/A", blank)


@dataclass
class ChildFacts:
    """Everything the extract says about one child."""

    id: str
    lists: set[str] = field(default_factory=set)
    statuses: list[StatusFact] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    co_workers: list[Allocation] = field(default_factory=list)
    dob: Fact[date] | None = None
    age: Fact[int] | None = None
    disabled: Fact[bool] | None = None
    placement_travel: Fact[TravelBand] | None = None
    court: Fact[CourtStage] | None = None
    assessment: Fact[Assessment] | None = None
    family: Fact[str] | None = None
    referred_on: date | None = None
    episode_start: date | None = None  # an open episode's start, when no referral dates it
    team_hint: str | None = None

    def add_referral(self, when: date | None) -> None:
        """A current referral: the latest is the referral of the current episode."""
        if when is not None and (self.referred_on is None or when > self.referred_on):
            self.referred_on = when

    def set_assessment(self, fact: Fact[Assessment]) -> None:
        """Keep the most pressing open assessment: an S47 before a single assessment,
        then the earliest start."""
        current = self.assessment
        if current is None or _assessment_key(fact.value) < _assessment_key(current.value):
            self.assessment = fact

    def set_court(self, fact: Fact[CourtStage]) -> None:
        order = (CourtStage.CARE_PROCEEDINGS, CourtStage.PLO, CourtStage.PRIVATE_PROCEEDINGS,
                 CourtStage.SGO)
        if self.court is None or order.index(fact.value) < order.index(self.court.value):
            self.court = fact


def _assessment_key(a: Assessment) -> tuple[int, date]:
    return (0 if a.kind.value == "s47" else 1, a.start)


@dataclass
class WorkerFacts:
    """A worker as the extract knows them."""

    key: str
    name: Fact[str] | None = None
    ids: set[str] = field(default_factory=set)
    fte: Fact[float] | None = None
    role: Fact[Role] | None = None
    agency: Fact[bool] | None = None
    team: str | None = None

    @property
    def label(self) -> str:
        return self.name.value if self.name else self.key


@dataclass
class Extract:
    """The facts of one extract at one date, and the report so far."""

    kind: str
    path: Path
    on: date
    children: dict[str, ChildFacts]
    workers: dict[str, WorkerFacts]
    report: ImportReport
    by_name: bool  # workers are keyed by normalised name (Annex A), else by system id
    team_names: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict, repr=False)

    def child(self, child_id: str) -> ChildFacts:
        facts = self.children.get(child_id)
        if facts is None:
            facts = self.children[child_id] = ChildFacts(child_id)
        return facts


# --- names and coded answers -------------------------------------------------------------

_WS = re.compile(r"[\s\u00a0\u2007\u202f]+")
_PREFIX = re.compile(r"^\(?[a-zA-Z]\)\s+")
_CODE = re.compile(r"^([A-Z]{1,3}\d{1,2}[A-Z]?)\s*(?:[:\-\u2013\u2014]\s*|\s+)(.+)$", re.I)


def clean_text(value: Cell) -> str | None:
    """Text with non-breaking spaces made plain and runs of spaces collapsed."""
    raw = cells.text(value)
    if raw is None:
        return None
    out = _WS.sub(" ", raw).strip()
    return out or None


def name_key(value: str) -> str:
    """'Jo\u00a0Bloggs', 'jo  bloggs', 'Bloggs, Jo' -> 'jo bloggs' (for matching only)."""
    text = _WS.sub(" ", value).strip()
    if text.count(",") == 1:
        last, first = (p.strip() for p in text.split(","))
        if first and last:
            text = f"{first} {last}"
    text = re.sub(r"[.\u2019']", "", text)
    return _WS.sub(" ", text).strip().casefold()


def answer_key(value: str) -> str:
    """Case, spacing and punctuation at the ends do not matter when comparing answers."""
    return _WS.sub(" ", value).strip(" .:-\u2013").casefold()


@dataclass(frozen=True)
class Coded:
    """A coded answer: 'E1: Placement order' -> code E1, label 'Placement order'.

    `letter` is the list letter of an answer written the way Annex A offers them
    ('b) Former relevant child' -> 'b'), or None.
    """

    raw: str
    code: str | None
    label: str
    letter: str | None = None

    @property
    def key(self) -> str:
        return answer_key(self.label)


def decode(value: Cell) -> Coded | None:
    """Strip a list prefix ('a) ', 'f) ') and split a code from its description."""
    raw = clean_text(value)
    if raw is None:
        return None
    prefix = _PREFIX.match(raw)
    letter = prefix[0].strip(" ()").lower() if prefix else None
    if prefix is None and re.fullmatch(r"\(?[a-zA-Z]\)?", raw):
        letter = raw.strip("()").lower()  # the letter alone: 'b' or 'b)'
    text = raw[prefix.end():].strip() if prefix else raw
    m = _CODE.match(text)
    if m:
        return Coded(raw, m[1].upper(), m[2].strip(), letter)
    if re.fullmatch(r"[A-Z]{1,3}\d{1,2}[A-Z]?", text.upper()) and any(ch.isdigit() for ch in text):
        return Coded(raw, text.upper(), text, letter)
    return Coded(raw, None, text, letter)


_YES = {"yes", "y", "true", "t", "1"}
_NO = {"no", "n", "false", "f", "0"}


def yes_no(coded: Coded) -> bool | None:
    """A yes/no answer, or None when it is neither."""
    key = coded.key
    if key in _YES or (coded.code is None and key.startswith("yes")):
        return True
    if key in _NO or (coded.code is None and key.startswith("no ")):
        return False
    return None


def is_excel_error(value: Cell) -> bool:
    return isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS


# --- dates -------------------------------------------------------------------------------

_MORE_FORMATS = ("%d-%b-%Y", "%d-%b-%y", "%d %b %y", "%Y/%m/%d", "%d/%m/%Y %H:%M",
                 "%d/%m/%Y %H:%M:%S", "%d %B %y", "%b %d %Y")


def read_date(value: Cell) -> date | None:
    """Dates as real dates, Excel serials, ISO or UK text, SQL Server exports.

    Raises cells.CellError when the value is not a date.
    """
    if value is None or isinstance(value, date | datetime):
        return cells.to_date(value)
    if isinstance(value, str):
        text = _WS.sub(" ", value).strip()
        if not text:
            return None
        # '2024-03-31 00:00:00.000' (SQL Server) and '2024-03-31T00:00:00Z'
        iso = re.match(r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$", text)
        if iso:
            text = iso[1]
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            try:  # the common case, without strptime's cost
                return date.fromisoformat(text)
            except ValueError:
                pass
        try:
            return cells.to_date(text)
        except cells.CellError:
            for fmt in _MORE_FORMATS:
                try:
                    return datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
            raise
    return cells.to_date(value)


# --- columns -------------------------------------------------------------------------------


def column_key(name: object) -> str:
    """Header names compare without case, spacing, brackets or question marks:
    'Date of Birth (DD/MM/YYYY) ' -> 'date_of_birth', 'Referral NFA?' -> 'referral_nfa'."""
    text = re.sub(r"\([^)]*\)", " ", str(name or ""))
    return re.sub(r"_+", "_", normalise_header(text).replace("?", "")).strip("_")


class Columns:
    """Which header of a table holds each field, matching tolerant aliases.

    `spec` maps a field to its accepted header names, preferred first.
    """

    def __init__(self, table: Table, spec: dict[str, tuple[str, ...]]) -> None:
        self.table = table
        by_key: dict[str, str] = {}
        for raw, header in zip(table.raw_header, table.header, strict=False):
            if header:
                by_key.setdefault(column_key(raw), header)
        self.header: dict[str, str] = {}
        self.raw: dict[str, str] = {}
        for name, aliases in spec.items():
            for alias in aliases:
                found = by_key.get(column_key(alias))
                if found is not None:
                    self.header[name] = found
                    self.raw[name] = table.raw_header[table.header.index(found)]
                    break

    def has(self, name: str) -> bool:
        return name in self.header

    def get(self, row: dict[str, Cell], name: str) -> Cell:
        header = self.header.get(name)
        return None if header is None else row.get(header)

    def label(self, name: str) -> str:
        """The column as the user wrote it (for messages)."""
        return self.raw.get(name, name)


class Reader:
    """Reads cells of one table, sending what it cannot read to the report.

    Nothing is dropped silently: an unreadable value is reported with its row and
    column and read as blank; an Excel error value (#N/A, #REF!) likewise.
    """

    def __init__(self, where: str, columns: Columns, report: ImportReport,
                 formula_gaps: set[tuple[int, str]] | None = None) -> None:
        self.where = where
        self.columns = columns
        self.report = report
        self.formula_gaps = formula_gaps or set()

    def raw(self, row: dict[str, Cell], number: int, name: str) -> Cell:
        """The cell, or None if blank, an Excel error, or a formula with no saved result."""
        header = self.columns.header.get(name)
        if header is None:
            return None
        value = row.get(header)
        if value is None and (number, header) in self.formula_gaps:
            self.formula_gaps.discard((number, header))
            self.report.problem(self.where, number, self.columns.label(name), "a formula",
                                "formula with no saved result (open and save the workbook in "
                                "Excel to calculate it)", "blank")
            return None
        if is_excel_error(value):
            self.report.problem(self.where, number, self.columns.label(name), value,
                                "Excel error value", "blank")
            return None
        return value

    def text(self, row: dict[str, Cell], number: int, name: str) -> str | None:
        return clean_text(self.raw(row, number, name))

    def date(self, row: dict[str, Cell], number: int, name: str) -> date | None:
        value = self.raw(row, number, name)
        try:
            return read_date(value)
        except cells.CellError as e:
            self.report.problem(self.where, number, self.columns.label(name), e.found,
                                f"not a date (expected {e.expected})", "blank")
            return None

    def number(self, row: dict[str, Cell], number: int, name: str) -> float | None:
        value = self.raw(row, number, name)
        try:
            return cells.to_float(value)
        except cells.CellError as e:
            self.report.problem(self.where, number, self.columns.label(name), e.found,
                                "not a number", "blank")
            return None

    def coded(self, row: dict[str, Cell], number: int, name: str) -> Coded | None:
        return decode(self.raw(row, number, name))

    def flag(self, row: dict[str, Cell], number: int, name: str) -> bool | None:
        """A yes/no answer; anything else is reported as unknown and read as blank."""
        coded = self.coded(row, number, name)
        if coded is None:
            return None
        answer = yes_no(coded)
        if answer is None:
            self.unknown(number, name, coded.raw, "blank (neither yes nor no)")
        return answer

    def unknown(self, number: int, name: str, value: object, treated_as: str) -> None:
        self.report.unknown(self.where, self.columns.label(name), value, number, treated_as)


def eligibility_counts(rd: Reader, row: dict[str, Cell], number: int,
                       settings: ImportSettings) -> bool | None:
    """Whether the row's care leaver eligibility category counts; None when it is blank.

    A category the settings and Annex A's letters do not know is reported, and does
    not count: nobody is taken for a care leaver on a guess.
    """
    coded = rd.coded(row, number, "eligibility")
    if coded is None:
        return None
    counts = settings.care_leaver_counts(coded.label, coded.letter)
    if counts is None:
        rd.unknown(number, "eligibility", coded.raw, "not counted: not a care leaver category "
                   "(add it to the settings' care_leaver_categories)")
    return bool(counts)


def age_at(dob: date, on: date) -> int:
    """Completed years at `on`."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def open_at(start: date | None, end: date | None, on: date) -> str:
    """'open' if started on or before `on` and not ended by it; else 'future' or 'ended'.

    A plan or episode that ends on the date itself is no longer open that day; a row
    with no start date counts as started.
    """
    if start is not None and start > on:
        return "future"
    if end is not None and end <= on:
        return "ended"
    return "open"


def child_age(facts: ChildFacts, on: date) -> Fact[int] | None:
    """The child's age at `on`: from the date of birth if known, else the age given."""
    if facts.dob is not None:
        years = age_at(facts.dob.value, on)
        return Fact(years, facts.dob.source + ", date of birth") if 0 <= years <= 25 else None
    return facts.age

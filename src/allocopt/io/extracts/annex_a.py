"""Read an Ofsted Annex A workbook (Lists 3 to 9) into the facts of an extract.

Each child's status at the date comes from the lists (DATA-STANDARDS.md):
a CP plan open on List 7 -> CP; looked after on List 8 and not ceased -> CLA; an
eligible care leaver on List 9 -> care leaver; an open CIN episode on List 6 ->
CIN; an open assessment (List 4) or S47 enquiry (List 5) -> CIN with the
household's assessment; a referral not closed with no further action and not
yet assessed (List 3) -> CIN. A child on several lists takes the most serious
current status (the settings' order); the lists' disagreements go to the report.

Real workbooks are messy, and the reader expects it: header names in any case
and spacing, renamed columns (Gender/Sex), a title row above the header, coded
answers with prefixes ("a) Yes", "E1: Placement order"), "#N/A" or blank
workers, non-breaking spaces in names, dates as serials or text, formulas with
or without a saved result, lists missing or empty. What cannot be read is
reported with its sheet, row and column, never dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from allocopt.domain import Assessment, AssessmentKind, CourtStage, Status, TravelBand
from allocopt.errors import InputError
from allocopt.io.extracts.facts import (
    SOURCE_RANK,
    Allocation,
    ChildFacts,
    Columns,
    Extract,
    Fact,
    Reader,
    StatusFact,
    WorkerFacts,
    answer_key,
    clean_text,
    column_key,
    eligibility_counts,
    is_excel_error,
    name_key,
    open_at,
)
from allocopt.io.extracts.report import ImportReport
from allocopt.io.extracts.settings import ImportSettings
from allocopt.io.tables import (
    UNREADABLE_WORKBOOK,
    Cell,
    Table,
    formula_gaps,
    normalise_header,
    sheet_members,
)

LISTS = {3: "referrals", 4: "assessments", 5: "S47 enquiries", 6: "children in need",
         7: "child protection", 8: "looked after", 9: "care leavers"}

CHILD_ID = ("child_unique_id", "child_id", "childs_unique_id", "child_unique_identifier",
            "unique_child_id", "unique_child_identifier", "child_identifier", "unique_id",
            "child_ref", "child_reference", "cuid", "id")
COMMON: dict[str, tuple[str, ...]] = {
    "child_id": CHILD_ID,
    "gender": ("gender", "sex"),
    "dob": ("date_of_birth", "dob", "birth_date"),
    "age": ("age", "age_of_child", "age_in_years"),
    "team": ("allocated_team", "team", "allocated_team_name"),
    "worker": ("allocated_worker", "allocated_social_worker", "allocated_worker_name",
               "allocated_case_worker", "social_worker", "worker"),
    "forename": ("forename", "first_name", "child_forename", "given_name"),
    "surname": ("surname", "last_name", "child_surname", "family_name"),
    "child_name": ("child_name", "childs_name", "name"),
}
SPEC: dict[int, dict[str, tuple[str, ...]]] = {
    3: {"referral_date": ("date_of_referral", "referral_date"),
        "nfa": ("referral_nfa", "nfa", "referral_no_further_action")},
    4: {"start": ("continuous_assessment_start_date", "assessment_start_date", "start_date"),
        "auth": ("continuous_assessment_date_of_authorisation", "date_of_authorisation",
                 "assessment_authorisation_date", "date_assessment_authorised",
                 "assessment_completed_date"),
        "disability": ("does_the_child_have_a_disability", "disability", "disabled")},
    5: {"start": ("strategy_discussion_initiating_section_47_enquiry_start_date",
                  "section_47_enquiry_start_date", "s47_start_date", "s47_enquiry_start_date",
                  "strategy_discussion_date", "start_date"),
        "icpc": ("date_of_initial_child_protection_conference", "icpc_date",
                 "initial_child_protection_conference_date"),
        "unnecessary": ("was_an_initial_child_protection_conference_deemed_unnecessary",
                        "initial_child_protection_conference_deemed_unnecessary",
                        "icpc_deemed_unnecessary", "icpc_unnecessary")},
    6: {"start": ("cin_start_date", "start_date"),
        "close": ("cin_closure_date", "closure_date", "cin_end_date", "end_date"),
        "case_status": ("case_status", "status")},
    7: {"start": ("child_protection_plan_start_date", "cp_plan_start_date", "plan_start_date",
                  "start_date"),
        "end": ("child_protection_plan_end_date", "cp_plan_end_date", "plan_end_date",
                "end_date")},
    8: {"start": ("date_started_to_be_looked_after", "date_started_looked_after",
                  "date_became_looked_after", "start_date"),
        "ceased": ("date_ceased_to_be_looked_after", "date_ceased_looked_after",
                   "ceased_date", "end_date"),
        "legal": ("childs_legal_status", "legal_status", "child_legal_status"),
        "postcode": ("placement_postcode",),
        "location": ("placement_location", "location_of_placement",
                     "placement_inside_or_outside_la", "placement_in_or_out_of_area"),
        "la": ("la_of_placement", "placement_la", "local_authority_of_placement"),
        "distance": ("placement_distance", "distance_from_home", "placement_distance_miles")},
    9: {"eligibility": ("eligibility_category", "care_leaver_eligibility", "eligibility"),
        "in_touch": ("la_in_touch", "in_touch"),
        "pa": ("allocated_personal_advisor", "allocated_personal_adviser", "personal_advisor",
               "personal_adviser")},
}
# Legal statuses written as a description instead of a code.
LEGAL_DESCRIPTIONS = {
    "interim care order": "C1", "full care order": "C2", "care order": "C2",
    "freeing order": "D1", "placement order": "E1", "police protection": "L1",
    "emergency protection order": "L2", "child assessment order": "L3",
    "single period of accommodation under section 20": "V2",
    "accommodated under section 20": "V2", "section 20": "V2",
}
_INSIDE = ("inside", "in borough", "in area", "within", "in la", "in county", "in city")
_OUTSIDE = ("outside", "out of", "out-of", "out la", "out borough", "out area")



@dataclass
class Workbook:
    """The list sheets of an Annex A workbook as tables (header row found, rows numbered)."""

    path: Path
    sheets: list[str]
    tables: dict[int, Table] = field(default_factory=dict)
    formula_gaps: dict[int, set[tuple[int, str]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def list_number(sheet: str) -> int | None:
    """'List 7', 'list7', 'List 07 - Child protection' -> 7."""
    m = re.match(r"^\s*list\s*0*(\d+)(?!\d)", sheet, re.I)
    return int(m[1]) if m else None


def read_workbook(path: Path) -> Workbook:
    """Open the workbook once and read every list sheet that allocopt uses."""
    import openpyxl

    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a folder, not a file", expected="an Annex A workbook (.xlsx)")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError(path, "unsupported file type", found=path.suffix or "no extension",
                         expected="an Annex A workbook saved as .xlsx")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except UNREADABLE_WORKBOOK as e:
        raise InputError(path, "not a readable .xlsx workbook", found=type(e).__name__) from None
    try:
        return _read_lists(path, book)
    except UNREADABLE_WORKBOOK as e:
        raise InputError(path, "not a readable .xlsx workbook", found=type(e).__name__) from None
    finally:
        book.close()


def _read_lists(path: Path, book: Any) -> Workbook:
    """Every list sheet of the open workbook that allocopt uses, as tables."""
    out = Workbook(path, list(book.sheetnames))
    members = sheet_members(path)
    for name in book.sheetnames:
        number = list_number(name)
        if number not in LISTS:
            continue
        if number in out.tables:
            out.notes.append(f"two sheets are List {number}: '{out.tables[number].sheet}' "
                             f"was read, '{name}' was not")
            continue
        table = _read_sheet(path, name, book[name])
        if table is not None:
            out.notes += [f"{name}: the column '{raw}' appears twice; the first is read"
                          for raw, key in zip(table.raw_header, table.header, strict=False)
                          if normalise_header(raw) and not key]
        if table is None:
            out.notes.append(f"List {number} ('{name}') is empty")
            continue
        out.tables[number] = table
        out.formula_gaps[number] = formula_gaps(path, members.get(name), table)
    return out


def _read_sheet(path: Path, sheet: str, ws: Any) -> Table | None:
    """A sheet as a Table; the header is the first row (of the first ten) naming the child id."""
    wanted = {column_key(a) for a in CHILD_ID}
    header_row: list[Any] | None = None
    header_at = 0
    seen_data = False
    # Read no wider than the header: a stray value in the sheet's last column would
    # otherwise make every row 16,384 cells wide.
    for number, values in enumerate(ws.iter_rows(max_row=10, values_only=True), start=1):
        if any(v is not None and str(v).strip() for v in values):
            seen_data = True
            if any(column_key(v) in wanted for v in values if v is not None):
                header_row, header_at = list(values), number
                break
    if header_row is None:
        if not seen_data:
            return None
        raise InputError(path, "no 'Child Unique ID' column", sheet=sheet, row=1,
                         expected="a header row naming 'Child Unique ID' in the first 10 rows")
    while header_row and (header_row[-1] is None or not str(header_row[-1]).strip()):
        header_row.pop()
    raw = [str(h).strip() if h is not None else "" for h in header_row]
    header = []
    for h in raw:
        key = normalise_header(h)
        header.append("" if key in header else key)  # a repeated column: the first is read
    table = Table(path, sheet, header, raw)
    width = len(header)
    rows = ws.iter_rows(min_row=header_at + 1, max_col=width, values_only=True)
    for n, values in enumerate(rows, start=header_at + 1):
        cells: dict[str, Cell] = {}
        for name, value in zip(header, values, strict=False):
            if not name:
                continue
            if isinstance(value, str):
                value = value.strip() or None
            if value is not None:
                cells[name] = value
        if cells:
            table.rows.append((n, cells))
    return table


def read_annex_a(path: Path, on: date, settings: ImportSettings) -> Extract:
    """The facts of an Annex A workbook at `on`."""
    return annex_a_extract(read_workbook(path), on, settings)


def annex_a_extract(book: Workbook, on: date, settings: ImportSettings) -> Extract:
    """Interpret the list tables at `on` (no file access: tests call it on tables)."""
    report = ImportReport(kind="Annex A workbook", source=str(book.path), on=on)
    extract = Extract("Annex A", book.path, on, {}, {}, report, by_name=True)
    report.notes.extend(book.notes)
    for number, what in LISTS.items():
        if number not in book.tables and not any(f"List {number} " in n for n in book.notes):
            report.notes.append(f"List {number} ({what}) is not in the workbook")
    state = _State(extract, settings)
    for number in sorted(book.tables):
        state.read_list(number, book.tables[number], book.formula_gaps.get(number, set()))
    state.finish()
    return extract


class _State:
    """Walks the lists, collecting facts; the rules that need every list run in finish()."""

    def __init__(self, extract: Extract, settings: ImportSettings) -> None:
        self.extract = extract
        self.report = extract.report
        self.settings = settings
        self.on = extract.on
        self.rank = {s: i for i, s in enumerate(settings.status_precedence)}
        self.markers = {answer_key(m) for m in settings.unallocated_markers}
        self.la_travel = {answer_key(k): v for k, v in settings.placement_la_travel.items()}
        self.referrals: dict[str, tuple[date | None, str, Allocation]] = {}
        self.assessed: set[str] = set()
        self.claims: dict[str, list[tuple[Status, str]]] = {}
        self.dob_clash: set[str] = set()

    # --- shared cells -----------------------------------------------------------------------

    def _worker(self, rd: Reader, row: dict[str, Cell], number: int, column: str,
                source: str) -> tuple[str | None, str | None]:
        """(worker key, marker): the key of a named worker, or what stood for 'nobody'."""
        header = rd.columns.header.get(column)
        value = None if header is None else row.get(header)
        if value is None and header is not None and (number, header) in rd.formula_gaps:
            value = rd.raw(row, number, column)  # reports the missing formula result
        if is_excel_error(value):
            return None, str(value).strip()
        text = clean_text(value)
        if text is None:
            return None, "blank"
        if answer_key(text) in self.markers:
            return None, text
        key = name_key(text)
        workers = self.extract.workers
        if key not in workers:
            workers[key] = WorkerFacts(key, name=Fact(text, source))
        return key, None

    def _allocation(self, rd: Reader, row: dict[str, Cell], number: int, source: str,
                    status: Status, kind: str, start: date | None,
                    worker_column: str = "worker") -> Allocation:
        worker, marker = self._worker(rd, row, number, worker_column, source)
        team = rd.text(row, number, "team")
        rank = (self.rank.get(status, len(self.rank)), SOURCE_RANK[kind],
                -start.toordinal() if start else 0)
        return Allocation(worker, team, source, rank, None, marker)

    def _common(self, facts: ChildFacts, rd: Reader, row: dict[str, Cell], number: int,
                source: str) -> None:
        dob = rd.date(row, number, "dob")
        if dob is not None:
            if dob > self.on:
                self.report.problem(rd.where, number, rd.columns.label("dob"), str(dob),
                                    "date of birth after the import date", "blank")
            elif facts.dob is None:
                facts.dob = Fact(dob, source)
            elif facts.dob.value != dob and facts.id not in self.dob_clash:
                self.dob_clash.add(facts.id)
                self.report.disagree(facts.id, "date of birth", f"{facts.dob.source} says "
                                     f"{facts.dob.value}, {source} says {dob}")
        if facts.dob is None and facts.age is None and rd.columns.has("age"):
            years = rd.number(row, number, "age")
            if years is not None:
                if 0 <= years <= 25:
                    facts.age = Fact(int(years), source)
                else:
                    rd.unknown(number, "age", years, "blank (an age from 0 to 25 expected)")
        if facts.id not in self.extract.names:
            name = " ".join(filter(None, (rd.text(row, number, "forename"),
                                          rd.text(row, number, "surname"))))
            name = name or rd.text(row, number, "child_name") or ""
            if name:
                self.extract.names[facts.id] = name

    def _status(self, facts: ChildFacts, status: Status, kind: str, start: date | None,
                source: str, allocation: Allocation) -> None:
        facts.statuses.append(StatusFact(status, source, kind, start))
        facts.allocations.append(allocation)

    # --- the lists ----------------------------------------------------------------------------

    def read_list(self, number: int, table: Table, gaps: set[tuple[int, str]]) -> None:
        where = f"Annex A {table.sheet}"
        columns = Columns(table, {**COMMON, **SPEC[number]})
        rd = Reader(where, columns, self.report, set(gaps))
        count = self.report.list_count(f"List {number} ({LISTS[number]})")
        missing = [columns.label(c) for c in SPEC[number] if not columns.has(c)
                   and c not in ("postcode", "distance", "in_touch", "pa", "case_status")]
        if not columns.has("worker"):
            missing.append("Allocated Worker")
        if missing:
            count.note = "columns not found: " + ", ".join(missing)
        children: set[str] = set()
        current: set[str] = set()
        no_id = 0
        for n, row in table.rows:
            cid = rd.text(row, n, "child_id")
            if cid is None:
                no_id += 1
                continue
            count.rows += 1
            children.add(cid)
            facts = self.extract.child(cid)
            facts.lists.add(f"List {number}")
            source = f"{where} row {n}"
            self._common(facts, rd, row, n, source)
            if getattr(self, f"_list{number}")(facts, rd, row, n, source):
                current.add(cid)
        for n, header in sorted(rd.formula_gaps):  # formulas in columns not read
            raw = table.raw_header[table.header.index(header)]
            self.report.problem(where, n, raw, "a formula", "formula with no saved result "
                                "(open and save the workbook in Excel)", "blank")
        if no_id:
            self.report.notes.append(f"{table.sheet}: {no_id} rows with no child id were "
                                     "skipped")
        if not table.rows:
            count.note = "; ".join(filter(None, ("no rows", count.note)))
        count.children = len(children)
        count.current = len(current)

    def _list3(self, facts: ChildFacts, rd: Reader, row: dict[str, Cell], n: int,
               source: str) -> bool:
        when = rd.date(row, n, "referral_date")
        no_further_action = rd.flag(row, n, "nfa")
        if (when is not None and when > self.on) or no_further_action:
            return False
        facts.add_referral(when)
        allocation = self._allocation(rd, row, n, source, Status.CIN, "referral", when)
        previous = self.referrals.get(facts.id)
        if previous is None or (when or date.min) > (previous[0] or date.min):
            self.referrals[facts.id] = (when, source, allocation)
        return True

    def _list4(self, facts: ChildFacts, rd: Reader, row: dict[str, Cell], n: int,
               source: str) -> bool:
        self.assessed.add(facts.id)
        disabled = rd.flag(row, n, "disability")
        if disabled is not None and facts.disabled is None:
            facts.disabled = Fact(disabled, source)
        start, done = rd.date(row, n, "start"), rd.date(row, n, "auth")
        if open_at(start, done, self.on) != "open":
            return False
        self._open_assessment(facts, AssessmentKind.SINGLE, start, rd, row, n, source)
        return True

    def _list5(self, facts: ChildFacts, rd: Reader, row: dict[str, Cell], n: int,
               source: str) -> bool:
        start, icpc = rd.date(row, n, "start"), rd.date(row, n, "icpc")
        # An enquiry whose conference was found unnecessary has ended without one.
        unnecessary = rd.flag(row, n, "unnecessary")
        if unnecessary or open_at(start, icpc, self.on) != "open":
            return False
        self._open_assessment(facts, AssessmentKind.S47, start, rd, row, n, source)
        return True

    def _open_assessment(self, facts: ChildFacts, kind: AssessmentKind, start: date | None,
                         rd: Reader, row: dict[str, Cell], n: int, source: str) -> None:
        if start is None:
            self.report.problem(rd.where, n, rd.columns.label("start"), "blank",
                                "an open assessment with no start date",
                                "counted as child in need, without assessment points")
        else:
            facts.set_assessment(Fact(Assessment(kind=kind, start=start), source))
        allocation = self._allocation(rd, row, n, source, Status.CIN, "assessment", start)
        self._status(facts, Status.CIN, "assessment", start, source, allocation)

    def _list6(self, facts: ChildFacts, rd: Reader, row: dict[str, Cell], n: int,
               source: str) -> bool:
        start, close = rd.date(row, n, "start"), rd.date(row, n, "close")
        claim = self._case_status(rd, row, n)
        if claim == "closed" or open_at(start, close, self.on) != "open":
            return False
        facts.episode_start = min(filter(None, (facts.episode_start, start)), default=None)
        allocation = self._allocation(rd, row, n, source, Status.CIN, "episode", start)
        self._status(facts, Status.CIN, "episode", start, source, allocation)
        if isinstance(claim, Status) and claim is not Status.CIN:
            self.claims.setdefault(facts.id, []).append((claim, source))
        return True

    def _case_status(self, rd: Reader, row: dict[str, Cell], n: int) -> Status | str | None:
        coded = rd.coded(row, n, "case_status")
        if coded is None:
            return None
        key = coded.key
        if "closed" in key or "ceased" in key:
            return "closed"
        for words, status in ((("protection", "cp plan", "cpp"), Status.CP),
                              (("looked after", "cla", "lac", "in care"), Status.CLA),
                              (("care leaver", "leaving care"), Status.CARE_LEAVER),
                              (("child in need", "cin", "open", "assessment", "disab",
                                "short break", "s17", "section 17"), Status.CIN)):
            if any(w in key for w in words):
                return status
        rd.unknown(n, "case_status", coded.raw, "an open child in need episode")
        return None

    def _list7(self, facts: ChildFacts, rd: Reader, row: dict[str, Cell], n: int,
               source: str) -> bool:
        start, end = rd.date(row, n, "start"), rd.date(row, n, "end")
        if open_at(start, end, self.on) != "open":
            return False
        allocation = self._allocation(rd, row, n, source, Status.CP, "plan", start)
        self._status(facts, Status.CP, "plan", start, source, allocation)
        return True

    def _list8(self, facts: ChildFacts, rd: Reader, row: dict[str, Cell], n: int,
               source: str) -> bool:
        start, ceased = rd.date(row, n, "start"), rd.date(row, n, "ceased")
        # Coded answers are checked on every row, so no unknown code goes unreported.
        court = self._legal_status(rd, row, n)
        location = self._location(rd, row, n)
        miles = rd.number(row, n, "distance")
        if open_at(start, ceased, self.on) != "open":
            return False
        allocation = self._allocation(rd, row, n, source, Status.CLA, "plan", start)
        self._status(facts, Status.CLA, "plan", start, source, allocation)
        if court is not None:
            facts.set_court(Fact(court, source + ", legal status"))
        travel = self._travel(rd, row, n, source, location, miles)
        if travel is not None:
            facts.placement_travel = travel
        return True

    def _legal_status(self, rd: Reader, row: dict[str, Cell], n: int) -> CourtStage | None:
        coded = rd.coded(row, n, "legal")
        if coded is None:
            return None
        codes = {c.upper(): stage for c, stage in self.settings.legal_statuses.items()}
        code = coded.code or LEGAL_DESCRIPTIONS.get(coded.key)
        if code is None or code.upper() not in codes:
            rd.unknown(n, "legal", coded.raw, "no court stage")
            return None
        return codes[code.upper()]

    def _location(self, rd: Reader, row: dict[str, Cell], n: int) -> str | None:
        """'inside' or 'outside' the council's area, or None (blank or unknown)."""
        coded = rd.coded(row, n, "location")
        if coded is None:
            return None
        # The guidance's own answers are the bare words: 'a) In', 'b) Out'.
        if coded.key == "out" or any(w in coded.key for w in _OUTSIDE):
            return "outside"
        if coded.key == "in" or any(w in coded.key for w in _INSIDE):
            return "inside"
        rd.unknown(n, "location", coded.raw, "travel band not known")
        return None

    def _travel(self, rd: Reader, row: dict[str, Cell], n: int, source: str,
                location: str | None, miles: float | None) -> Fact[TravelBand] | None:
        if miles is not None and miles not in self.settings.unknown_distances and miles >= 0:
            return Fact(self.settings.travel_for_miles(miles), source + ", distance")
        la = rd.text(row, n, "la")
        if la is not None:
            if answer_key(la) in self.la_travel:
                return Fact(self.la_travel[answer_key(la)], source + ", LA of placement")
            home = self.settings.home_la
            if home is not None and answer_key(la) == answer_key(home):
                return Fact(TravelBand.IN_AREA, source + ", LA of placement")
        if location == "inside":
            return Fact(TravelBand.IN_AREA, source + ", placement location")
        if location == "outside" or la is not None:
            rd.unknown(n, "la", la or "blank", "travel band not known (in_area until the "
                       "settings' placement_la_travel or the override sheet say)")
        return None

    def _list9(self, facts: ChildFacts, rd: Reader, row: dict[str, Cell], n: int,
               source: str) -> bool:
        counts = eligibility_counts(rd, row, n, self.settings)
        if counts is None:
            # On the care leavers' list with no category: the list itself says care leaver.
            rd.unknown(n, "eligibility", "blank", "a care leaver (on List 9, no category)")
        elif not counts:
            return False
        # Leaving care teams may record only the personal adviser.
        column = "worker"
        named = clean_text(rd.columns.get(row, "worker"))
        if rd.columns.has("pa") and (named is None or answer_key(named) in self.markers
                                     or is_excel_error(named)):
            column = "pa"
        allocation = self._allocation(rd, row, n, source if column == "worker"
                                      else source + ", personal adviser",
                                      Status.CARE_LEAVER, "plan", None, column)
        self._status(facts, Status.CARE_LEAVER, "plan", None, source, allocation)
        return True

    # --- rules across lists -------------------------------------------------------------------

    def finish(self) -> None:
        for cid, (when, source, allocation) in sorted(self.referrals.items()):
            facts = self.extract.children[cid]
            if cid not in self.assessed and not facts.statuses:
                self._status(facts, Status.CIN, "referral", when, source + ", referral not yet "
                             "assessed", allocation)
        for cid, claims in sorted(self.claims.items()):
            current = {s.status for s in self.extract.children[cid].statuses}
            for status, source in claims:
                if status not in current:
                    self.report.disagree(cid, "case status",
                                         f"{source} says {status.value} but no list shows it "
                                         "open at the date: not counted as "
                                         f"{status.value}")

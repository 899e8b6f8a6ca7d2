"""Write a team and its caseload as the files a council would hand over.

From a domain Team, Caseload and waiting list this writes an Ofsted Annex A
workbook, a folder of SSD CSV tables, the worker roster and the override sheet
holding what neither standard carries. Importing them gives back the same team
and caseload, so they serve the round-trip tests, the shipped examples and the
benchmark. Every id and name is made up.

``messy=True`` writes what real files look like: header names with trailing
spaces and other spellings (Sex for Gender), a title row above a header, coded
answers with prefixes, dates as text, serial numbers and formulas, a formula
with no saved result, a non-breaking space inside a worker's name, "#N/A" for
no worker, and made-up children whose plans ended, whose episodes ceased or
closed, or who belong to another team. None of it changes what is imported.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from allocopt.domain import (
    FULL_TIME_HOURS,
    AssessmentKind,
    Caseload,
    Child,
    CourtStage,
    Household,
    HouseholdKind,
    Role,
    Status,
    Team,
    TravelBand,
    Worker,
    WorkItem,
)
from allocopt.io.atomic import atomic_path, write_text
from allocopt.io.extracts.settings import ImportSettings
from allocopt.io.safe_cells import defuse

HOME_LA = "Example Borough"
EXAMPLE_LAS = {TravelBand.NEIGHBOURING: "Eastvale", TravelBand.ONE_TO_TWO_HOURS: "Northmoor",
               TravelBand.OVER_TWO_HOURS: "Farshire"}
BAND_MILES = {TravelBand.IN_AREA: 3.5, TravelBand.NEIGHBOURING: 18.0,
              TravelBand.ONE_TO_TWO_HOURS: 52.0, TravelBand.OVER_TWO_HOURS: 140.0}
OTHER_TEAM = "South long-term team"
JOB_TITLES = {Role.SOCIAL_WORKER: "Social Worker", Role.SENIOR: "Senior Practitioner",
              Role.CONSULTANT: "Consultant Social Worker",
              Role.FAMILY_SUPPORT_PRACTITIONER: "Family Support Worker",
              Role.LEAVING_CARE_ADVISER: "Personal Adviser", Role.STUDENT: "Social Work Student"}
_FIRST = ("Alex", "Bea", "Cal", "Dina", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jas", "Kit", "Lia",
          "Max", "Nia", "Oli", "Pip", "Quin", "Ros", "Sam", "Tia", "Uma", "Vic", "Wyn", "Zac")
_LAST = ("Ashdown", "Brook", "Carrow", "Dunmore", "Elling", "Fenwick", "Garside", "Holt",
         "Ince", "Jessop", "Kemble", "Larkin", "Mabry", "Norcott", "Orrell", "Pryce", "Quarry",
         "Redfern", "Stroud", "Tolley", "Upton", "Vane", "Wetherby", "Yeld")


def example_settings() -> ImportSettings:
    """Import settings that know the made-up local authorities of the generated files."""
    return ImportSettings(home_la=HOME_LA, placement_la_travel={
        name: band for band, name in EXAMPLE_LAS.items()})


def worker_name(worker: Worker, index: int) -> str:
    """The worker's name, or a made-up one for workers that have none."""
    if worker.name:
        return worker.name
    first = _FIRST[index % len(_FIRST)]
    last = _LAST[(index // len(_FIRST)) % len(_LAST)]
    extra = index // (len(_FIRST) * len(_LAST))
    return f"{first} {last}" + (f" {extra + 1}" if extra else "")


def date_of_birth(age: int | None, on: date, salt: int) -> date | None:
    if age is None:
        return None
    try:
        birthday = on.replace(year=on.year - age)
    except ValueError:  # 29 February
        birthday = on.replace(year=on.year - age, day=28)
    return birthday - timedelta(days=1 + salt % 300)


@dataclass
class Case:
    """One child with what the writers need to know about its household and holding."""

    child: Child
    household: Household
    worker: Worker | None
    worker_index: int
    allocated_on: date | None
    co_worker: Worker | None
    waiting: bool


def cases_of(team: Team, caseload: Caseload, waiting: Caseload | None) -> list[Case]:
    index = {w.id: i for i, w in enumerate(team.workers)}
    lead: dict[str, tuple[str, date | None]] = {}
    second: dict[str, str] = {}
    for hold in caseload.holdings:
        for cid in hold.child_ids:
            if hold.role == "lead":
                lead[cid] = (hold.worker_id, hold.allocated_on)
            else:
                second[cid] = hold.worker_id
    out = []
    for households, is_waiting in ((caseload.households, False),
                                   (waiting.households if waiting else (), True)):
        for h in households:
            for c in h.children:
                wid, allocated = lead.get(c.id, (None, None))
                worker = team.worker(wid) if wid else None
                co = team.worker(second[c.id]) if c.id in second else None
                out.append(Case(c, h, worker, index.get(wid or "", 0), allocated, co,
                                 is_waiting))
    return out


def _court_from_extract(h: Household, kind: str) -> bool:
    """Whether the extract itself shows the household's court stage."""
    if h.court is None:
        return True
    if h.court is CourtStage.CARE_PROCEEDINGS and any(c.status is Status.CLA for c in h.children):
        return True  # an interim care order (C1) on a looked-after child
    return kind == "ssd" and h.court in (CourtStage.PLO, CourtStage.CARE_PROCEEDINGS)


def assessment_open(h: Household, on: date) -> bool:
    a = h.assessment
    return a is not None and a.start <= on and (a.completed is None or a.completed > on)


def _items(items: Iterable[WorkItem]) -> str:
    from allocopt.io.caseload_writer import _items as items_text

    return items_text(tuple(items))


def override_rows(cases: Sequence[Case], on: date, kind: str) -> list[dict[str, Any]]:
    """What the extract cannot carry, one row per child (blank where the extract says it)."""
    rows = []
    for case in cases:
        c, h = case.child, case.household
        row: dict[str, Any] = {"child_id": c.id}
        if kind == "annex-a":
            row["household_id"] = h.id
        if c.status is Status.SUPERVISION_ORDER:
            row["status"] = c.status.value
        if case.co_worker is not None and kind == "annex-a":
            row["co_worker_id"] = case.co_worker.id
        if c.placement_travel is not TravelBand.IN_AREA and c.status is not Status.CLA:
            row["placement_travel"] = c.placement_travel.value
        for flag in ("high_input", "complex"):
            if getattr(c, flag):
                row[flag] = "yes"
        if c.disabled and kind == "annex-a" and not assessment_open(h, on):
            row["disabled"] = "yes"
        if c.work_items:
            row["child_work_items"] = _items(c.work_items)
        if h.kind is not HouseholdKind.FAMILY:
            row["household_kind"] = h.kind.value
        if h.locality:
            row["locality"] = h.locality
        if h.travel is not TravelBand.IN_AREA:
            row["travel"] = h.travel.value
        for flag in ("multi_agency", "care_managed", "co_working"):
            if getattr(h, flag):
                row[flag] = "yes"
        if h.court is not None and not _court_from_extract(h, kind):
            row["court"] = h.court.value
        if h.assessment is not None and not assessment_open(h, on):
            row["assessment_kind"] = h.assessment.kind.value
            row["assessment_start"] = h.assessment.start.isoformat()
            if h.assessment.completed:
                row["assessment_completed"] = h.assessment.completed.isoformat()
        if h.intervention_level is not None:
            row["intervention_level"] = h.intervention_level.value
        if h.closes_on:
            row["closes_on"] = h.closes_on.isoformat()
        if h.referred_on and not case.waiting:
            row["referred_on"] = h.referred_on.isoformat()
        if h.skills_needed:
            row["skills_needed"] = "; ".join(h.skills_needed)
        if h.previous_workers:
            row["previous_workers"] = "; ".join(h.previous_workers)
        if h.work_items:
            row["household_work_items"] = _items(h.work_items)
        for name, points in sorted(h.ratings.items()):
            row[f"rating_{name}"] = f"{points:g}"
        rows.append(row)
    return rows


def _csv(rows: list[dict[str, Any]], first: Sequence[str] = ()) -> str:
    header = list(first)
    for row in rows:
        header += [k for k in row if k not in header]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n", restval="")
    w.writeheader()
    w.writerows({k: defuse(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


def write_overrides(path: Path, team: Team, caseload: Caseload, waiting: Caseload | None,
                    on: date, kind: str) -> None:
    """The override sheet for files written by write_annex_a (kind 'annex-a') or write_ssd."""
    rows = override_rows(cases_of(team, caseload, waiting), on, kind)
    write_text(path, _csv(rows, ("child_id",)))


def write_roster(path: Path, team: Team, *, hours: bool = True, team_name: str | None = None
                 ) -> None:
    """The worker roster: one row per worker with what no extract holds.

    With ``hours=False`` contracted hours are left out (the SSD's FTE supplies them).
    """
    rows = []
    for i, w in enumerate(team.workers):
        row: dict[str, Any] = {"worker_id": w.id, "name": worker_name(w, i), "role": w.role.value}
        if team_name:
            row["team"] = team_name
        row["qualified_on"] = w.qualified_on.isoformat() if w.qualified_on else ""
        row["started_on"] = w.started_on.isoformat() if w.started_on else ""
        if hours:
            row["contracted_hours"] = f"{w.contracted_hours:g}"
        row["duties"] = "; ".join(
            d.kind + (f"={d.amount:g}" if d.amount is not None else "")
            + (f"*{d.count:g}" if d.count != 1 else "") for d in w.duties)
        row["leave"] = "; ".join(f"{p.start}..{p.end}" for p in w.leave)
        row["leaving_on"] = w.leaving_on.isoformat() if w.leaving_on else ""
        row["locality"] = w.locality or ""
        row["skills"] = "; ".join(w.skills)
        row["agency"] = "yes" if w.agency else ""
        rows.append(row)
    write_text(path, _csv(rows))


# --- Annex A -----------------------------------------------------------------------------------

_HEADERS = {
    3: ["Date of Referral", "Referral NFA?"],
    4: ["Continuous Assessment Start Date", "Continuous Assessment Date of Authorisation",
        "Does the Child have a Disability"],
    5: ["Strategy discussion initiating Section 47 Enquiry Start Date",
        "Date of Initial Child Protection Conference"],
    6: ["CIN Start Date", "CIN Closure Date", "Case Status"],
    7: ["Child Protection Plan Start Date", "Child Protection Plan End Date"],
    8: ["Date Started to be Looked After", "Date Ceased to be Looked After",
        "Child's Legal Status", "Placement postcode", "Placement Location", "LA of Placement",
        "Placement type"],
    9: ["Eligibility Category", "LA in Touch", "Allocated Personal Advisor"],
}
_TITLES = {3: "Referrals", 4: "Assessments", 5: "Section 47 enquiries", 6: "Children in need",
           7: "Child protection", 8: "Children looked after", 9: "Care leavers"}
_CASE_STATUS = {Status.CIN: "a) Open - child in need plan", Status.CP: "b) Child protection plan",
                Status.CLA: "c) Looked after child",
                Status.SUPERVISION_ORDER: "a) Open - child in need plan"}


class Sheet:
    """Rows of one list sheet, with formulas whose saved results are filled in after saving."""

    def __init__(self, number: int, header: list[str]) -> None:
        self.number = number
        self.header = header
        self.rows: list[list[Any]] = []
        self.title_row = False
        self.cached: dict[str, str] = {}

    def add(self, values: dict[str, Any]) -> None:
        self.rows.append([values.get(h) for h in self.header])


class _Messy:
    """Deterministic mess: which cells are text, serials or formulas."""

    def __init__(self, messy: bool, seed: int) -> None:
        self.on = messy
        self.rng = random.Random(seed)

    def date(self, value: date | None) -> Any:
        if value is None or not self.on:
            return value
        u = self.rng.random()
        if u < 0.1:
            return value.strftime("%d/%m/%Y")
        if u < 0.15:
            return (value - date(1899, 12, 30)).days
        if u < 0.2:
            return Formula(f"=DATE({value.year},{value.month},{value.day})",
                            str((value - date(1899, 12, 30)).days))
        return value

    def coded(self, plain: str, coded: str) -> str:
        if not self.on:
            return coded
        return plain if self.rng.random() < 0.2 else coded


@dataclass(frozen=True)
class Formula:
    text: str
    cached: str | None


def write_annex_a(path: Path, team: Team, caseload: Caseload, waiting: Caseload | None,
                  on: date, *, team_name: str, messy: bool = False, seed: int = 0,
                  history: int = 0) -> None:
    """An Annex A workbook (Lists 3 to 9, plus empty Lists 1 and 10 when messy).

    ``history`` adds that many rows for made-up children whose plans, episodes and
    referrals ended in the year before `on` (a real workbook covers the past year).
    """
    mess = _Messy(messy, seed)
    common = ["Child Unique ID ", "Gender", "Ethnicity", "Date of Birth", "Age",
              "Allocated Team", "Allocated Worker"] if messy else \
        ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Allocated Team",
         "Allocated Worker"]
    sheets: dict[int, Sheet] = {}
    for n, extra in _HEADERS.items():
        header = list(common) + extra
        if messy and n in (7, 8):
            header[header.index("Gender")] = "Sex"  # the 2026 renaming, on some lists only
        if messy and n == 6:
            header[header.index("Allocated Worker")] = "Allocated Social Worker"
        sheets[n] = Sheet(n, header)
    if messy:
        sheets[9].title_row = True
    nbsp_worker = next((w.id for w in team.workers if w.name and " " in w.name), None)
    for i, case in enumerate(cases_of(team, caseload, waiting)):
        _annex_rows(sheets, case, i, on, team, team_name, mess, nbsp_worker)
    if messy:
        _annex_noise(sheets, on, mess)
    _annex_history(sheets, history, on, team_name)
    save_workbook(path, sheets, ([1] if messy else []) + sorted(sheets) + ([10] if messy else []))


def _annex_history(sheets: dict[int, Sheet], rows: int, on: date, team_name: str) -> None:
    """Rows for past children: each has a closed CIN episode and an ended plan or referral."""
    for i in range(rows):
        cid = f"Y{i // 2:06d}"
        began = on - timedelta(days=200 + i % 150)
        ended = on - timedelta(days=1 + i % 120)
        base: dict[str, Any] = {"Child Unique ID": cid, "Child Unique ID ": cid,
                                "Gender": "b) Female", "Sex": "b) Female",
                                "Date of Birth": date(on.year - 3 - i % 14, 1 + i % 12, 1),
                                "Allocated Team": team_name, "Allocated Worker": "#N/A"}
        if i % 2 == 0:
            sheets[6].add({**base, "CIN Start Date": began, "CIN Closure Date": ended,
                           "Case Status": "d) Closed"})
        elif i % 6 == 1:
            sheets[7].add({**base, "Child Protection Plan Start Date": began,
                           "Child Protection Plan End Date": ended})
        elif i % 6 == 3:
            sheets[8].add({**base, "Date Started to be Looked After": began,
                           "Date Ceased to be Looked After": ended,
                           "Child's Legal Status": "V2: Single period of accommodation under "
                                                   "section 20",
                           "Placement Location": "a) Inside LA boundary"})
        else:
            sheets[3].add({**base, "Date of Referral": began, "Referral NFA?": "a) Yes"})


def _annex_rows(sheets: dict[int, Sheet], case: Case, i: int, on: date, team: Team,
                team_name: str, mess: _Messy, nbsp_worker: str | None) -> None:
    c, h = case.child, case.household
    if case.worker is None:
        worker = "#N/A" if not mess.on or i % 3 else ("" if i % 2 else "Unallocated")
    else:
        worker = worker_name(case.worker, case.worker_index)
        if mess.on and case.worker.id == nbsp_worker and i % 2 == 0:
            worker = worker.replace(" ", "\u00a0", 1)
    dob = date_of_birth(c.age, on, i * 37)
    base: dict[str, Any] = {
        "Child Unique ID": c.id, "Child Unique ID ": c.id,
        "Gender": ("a) Male", "b) Female")[i % 2], "Sex": ("a) Male", "b) Female")[i % 2],
        "Ethnicity": ("WBRI", "MWBC", "AIND", "BAFR", "WOTH")[i % 5],
        "Date of Birth": mess.date(dob),
        "Age": (Formula('=DATEDIF(D{row},TODAY(),"y")', None) if mess.on and i % 23 == 5
                else (c.age + 0.25 if c.age is not None and mess.on else c.age)),
        "Allocated Team": team_name, "Allocated Worker": worker,
        "Allocated Social Worker": worker,
    }
    started = case.allocated_on or h.referred_on or on - timedelta(days=60 + i % 200)
    if case.waiting and h.referred_on:
        started = h.referred_on
    if case.waiting:
        sheets[3].add({**base, "Date of Referral": mess.date(h.referred_on or started),
                       "Referral NFA?": mess.coded("No", "b) No")})
    if c.status is not Status.CARE_LEAVER:
        sheets[6].add({**base, "CIN Start Date": mess.date(started),
                       "Case Status": _CASE_STATUS.get(c.status, "")})
    a = h.assessment
    if a is not None and assessment_open(h, on):
        if a.kind is AssessmentKind.S47:
            sheets[5].add({**base, "Strategy discussion initiating Section 47 Enquiry Start "
                           "Date": mess.date(a.start)})
        else:
            sheets[4].add({**base, "Continuous Assessment Start Date": mess.date(a.start),
                           "Does the Child have a Disability":
                               mess.coded("Yes", "a) Yes") if c.disabled
                               else mess.coded("No", "b) No")})
    if c.status is Status.CP:
        sheets[7].add({**base, "Child Protection Plan Start Date": mess.date(started)})
    elif c.status is Status.CLA:
        band = c.placement_travel
        legal = "C1: Interim care order" if h.court is CourtStage.CARE_PROCEEDINGS else \
            ("C2: Full care order", "E1: Placement order", "V2: Single period of accommodation "
             "under section 20")[i % 3]
        sheets[8].add({**base, "Date Started to be Looked After": mess.date(started),
                       "Child's Legal Status": legal,
                       "Placement postcode": ("ZZ99 3CZ", "ZZ99 3WZ")[i % 2],
                       "Placement Location": "a) Inside LA boundary" if band is TravelBand.IN_AREA
                       else "b) Outside LA boundary",
                       "LA of Placement": HOME_LA if band is TravelBand.IN_AREA
                       else EXAMPLE_LAS[band],
                       "Placement type": ("f) U6: Foster placement - not FFA",
                                          "K2: Children's home")[i % 2]})
    elif c.status is Status.CARE_LEAVER:
        sheets[9].add({**base, "Eligibility Category": mess.coded("Former relevant",
                                                                  "b) Former relevant"),
                       "LA in Touch": "a) Yes"})


def _annex_noise(sheets: dict[int, Sheet], on: date, mess: _Messy) -> None:
    """Made-up children that must not be imported (ended, ceased, closed, other team)."""
    past = on - timedelta(days=400)
    ended = on - timedelta(days=30)

    def base(cid: str, worker: str = "Noel Former", team: str = "North long-term team"
             ) -> dict[str, Any]:
        return {"Child Unique ID": cid, "Child Unique ID ": cid, "Gender": "a) Male",
                "Sex": "a) Male", "Date of Birth": date(on.year - 9, 5, 17),
                "Allocated Team": team, "Allocated Worker": worker,
                "Allocated Social Worker": worker}

    sheets[8].add({**base("X9001"), "Date Started to be Looked After": past,
                   "Date Ceased to be Looked After": mess.date(ended),
                   "Child's Legal Status": "C2: Full care order",
                   "Placement Location": "a) Inside LA boundary"})
    sheets[6].add({**base("X9001"), "CIN Start Date": past, "CIN Closure Date": ended,
                   "Case Status": "d) Closed"})
    sheets[6].add({**base("X9002"), "CIN Start Date": past, "CIN Closure Date": ended,
                   "Case Status": "a) Open - child in need plan"})
    sheets[7].add({**base("X9003"), "Child Protection Plan Start Date": past,
                   "Child Protection Plan End Date": ended})
    sheets[3].add({**base("X9004", "#N/A"), "Date of Referral": ended,
                   "Referral NFA?": "a) Yes"})
    sheets[7].add({**base("X9005", "Zed Other", OTHER_TEAM),
                   "Child Protection Plan Start Date": past})
    sheets[6].add({**base("X9005", "Zed Other", OTHER_TEAM), "CIN Start Date": past,
                   "Case Status": "b) Child protection plan"})


def save_workbook(path: Path, sheets: dict[int, Sheet], order: Sequence[int]) -> None:
    """Write the list sheets in `order` ("List N"; a list with no sheet gets a header only),
    with formulas, and make the file look as Excel saves it."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook(write_only=True)
    for n in order:
        ws = book.create_sheet(f"List {n}")
        sheet = sheets.get(n)
        if sheet is None:
            ws.append(["Child Unique ID", "Gender", "Date of Birth"])
            continue
        offset = 1
        if sheet.title_row:
            ws.append([f"List {n}: {_TITLES[n]}"])
            offset = 2
        ws.append(sheet.header)
        for r, values in enumerate(sheet.rows, start=offset + 1):
            row: list[Any] = []
            for col, value in enumerate(values, start=1):
                if isinstance(value, Formula):
                    cell = WriteOnlyCell(ws, value=value.text.replace("{row}", str(r)))
                    if value.cached is not None:
                        cell.number_format = "DD/MM/YYYY"
                        sheet.cached[f"{get_column_letter(col)}{r}"] = value.cached
                    row.append(cell)
                else:
                    row.append(defuse(value))  # text, never a formula
            ws.append(row)
    stamp = datetime(2026, 1, 1)
    book.properties.created = book.properties.modified = stamp
    with atomic_path(path) as tmp:
        book.save(tmp)
        _finish_workbook(tmp, {f"List {n}": s.cached for n, s in sheets.items() if s.cached})


def _finish_workbook(path: Path, cached: dict[str, dict[str, str]]) -> None:
    """Make the file look as Excel saves it: formulas with their saved results, strings in
    a shared table, each sheet's dimension; and fix the timestamps so the same inputs give
    the same bytes."""
    from allocopt.io.tables import sheet_members

    members = sheet_members(path)
    with zipfile.ZipFile(path) as z:
        parts = {info.filename: z.read(info.filename) for info in z.infolist()}
    if "docProps/core.xml" in parts:
        parts["docProps/core.xml"] = re.sub(
            rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
            rb"\g<1>2026-01-01T00:00:00Z\g<2>", parts["docProps/core.xml"])
    strings: dict[bytes, int] = {}
    for name, member in members.items():
        values = cached.get(name, {})

        def fill(m: re.Match[bytes], values: dict[str, str] = values) -> bytes:
            ref = m[2].decode()
            if ref not in values:
                return m[0]
            return m[1] + b"<f>" + m[3] + b"</f><v>" + values[ref].encode() + b"</v></c>"

        def share(m: re.Match[bytes]) -> bytes:
            index = strings.setdefault(m[3], len(strings))
            return b'<c r="' + m[1] + b'"' + m[2] + b' t="s"><v>' + str(index).encode() + \
                b"</v></c>"

        xml = parts[member]
        xml = re.sub(rb'(<c r="([A-Z]+\d+)"[^>]*>)<f>(.*?)</f>(?:<v\s*/>|<v></v>)?</c>', fill,
                     xml)
        xml = re.sub(rb'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"><is>'
                     rb'<t(?: xml:space="preserve")?>([^<]*)</t></is></c>', share, xml)
        refs = re.findall(rb'<c r="([A-Z]+)(\d+)"', xml)
        if refs:
            last_row = max(int(r) for _, r in refs)
            last_col = max((c for c, _ in refs), key=lambda c: (len(c), c)).decode()
            xml = xml.replace(b"<sheetViews>", f'<dimension ref="A1:{last_col}{last_row}" />'
                              .encode() + b"<sheetViews>", 1)
        parts[member] = xml
    if strings:
        items = b"".join(b'<si><t xml:space="preserve">' + text + b"</t></si>"
                         for text in strings)
        parts["xl/sharedStrings.xml"] = (
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="'
            + str(len(strings)).encode() + b'" uniqueCount="' + str(len(strings)).encode()
            + b'">' + items + b"</sst>")
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" '
            b'Id="rIdShared" /></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data,
                       compress_type=zipfile.ZIP_DEFLATED)


# --- SSD ---------------------------------------------------------------------------------------

SSD_COLUMNS: dict[str, list[str]] = {
    "ssd_department": ["dept_team_id", "dept_team_name", "dept_team_parent_id",
                       "dept_team_parent_name"],
    "ssd_professionals": ["prof_professional_id", "prof_staff_id", "prof_professional_name",
                          "prof_social_worker_registration_no", "prof_professional_job_title",
                          "prof_professional_department", "prof_full_time_equivalency",
                          "prof_professional_caseload", "prof_agency_worker_flag"],
    "ssd_person": ["pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob"],
    "ssd_family": ["fami_table_id", "fami_family_id", "fami_person_id"],
    "ssd_involvements": ["invo_involvements_id", "invo_professional_id",
                         "invo_professional_role_id", "invo_professional_team",
                         "invo_involvement_start_date", "invo_involvement_end_date",
                         "invo_worker_change_reason", "invo_person_id", "invo_referral_id"],
    "ssd_cin_episodes": ["cine_referral_id", "cine_person_id", "cine_referral_date",
                         "cine_referral_nfa", "cine_close_date", "cine_referral_team",
                         "cine_referral_worker_id"],
    "ssd_cin_plans": ["cinp_cin_plan_id", "cinp_person_id", "cinp_cin_plan_start_date",
                      "cinp_cin_plan_end_date", "cinp_cin_plan_team", "cinp_cin_plan_worker_id"],
    "ssd_cp_plans": ["cppl_cp_plan_id", "cppl_person_id", "cppl_cp_plan_start_date",
                     "cppl_cp_plan_end_date", "cppl_cp_plan_latest_category"],
    "ssd_cla_episodes": ["clae_cla_episode_id", "clae_person_id", "clae_cla_episode_start_date",
                         "clae_cla_episode_ceased_date", "clae_cla_id"],
    "ssd_cla_placement": ["clap_cla_placement_id", "clap_cla_id", "clap_person_id",
                          "clap_cla_placement_start_date", "clap_cla_placement_end_date",
                          "clap_cla_placement_type", "clap_cla_placement_postcode",
                          "clap_cla_placement_distance"],
    "ssd_legal_status": ["lega_legal_status_id", "lega_person_id", "lega_legal_status",
                         "lega_legal_status_start_date", "lega_legal_status_end_date"],
    "ssd_care_leavers": ["clea_table_id", "clea_person_id", "clea_care_leaver_eligibility",
                         "clea_care_leaver_in_touch", "clea_care_leaver_worker_id",
                         "clea_care_leaver_personal_advisor"],
    "ssd_cin_assessments": ["cina_assessment_id", "cina_person_id",
                            "cina_assessment_start_date", "cina_assessment_auth_date",
                            "cina_assessment_team", "cina_assessment_worker_id"],
    "ssd_s47_enquiry": ["s47e_s47_enquiry_id", "s47e_person_id", "s47e_s47_start_date",
                        "s47e_s47_end_date", "s47e_s47_completed_by_worker_id"],
    "ssd_pre_proceedings": ["prep_table_id", "prep_person_id", "prep_pre_pro_decision_date",
                            "prep_pre_pro_outcome", "prep_agree_stepdown_issue_date",
                            "prep_la_final_care_plan"],
    "ssd_disability": ["disa_table_id", "disa_person_id", "disa_disability_code"],
}


class _Tables:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in SSD_COLUMNS}

    def add(self, table: str, **values: Any) -> None:
        rows = self.rows[table]
        key = SSD_COLUMNS[table][0]
        if key.endswith("_id") and key not in values:
            values[key] = f"{table[4:8].upper()}{len(rows) + 1:06d}"
        rows.append(values)


def _iso(value: date | None, mess: _Messy) -> str:
    if value is None:
        return ""
    if mess.on and mess.rng.random() < 0.15:
        return f"{value.isoformat()} 00:00:00.000"
    return value.isoformat()


def write_ssd(folder: Path, team: Team, caseload: Caseload, waiting: Caseload | None, on: date,
              *, team_name: str, messy: bool = False, seed: int = 0,
              other_roles: int = 0) -> None:
    """One CSV per SSD table in `folder`.

    ``other_roles`` adds that many ended or non-allocating involvements per child
    (previous workers, IROs), as a real extract has.
    """
    mess = _Messy(messy, seed)
    t = _Tables()
    t.add("ssd_department", dept_team_id="D01", dept_team_name=team_name)
    prof: dict[str, str] = {}
    for i, w in enumerate(team.workers):
        pid = f"P{1000 + i}"
        prof[w.id] = pid
        fte = round(w.contracted_hours / FULL_TIME_HOURS, 4)
        blank_fte = messy and w.contracted_hours == FULL_TIME_HOURS and i % 3 == 0
        t.add("ssd_professionals", prof_professional_id=pid, prof_staff_id=w.id,
              prof_professional_name=worker_name(w, i),
              prof_social_worker_registration_no=f"SW{900000 + i}",
              prof_professional_job_title=JOB_TITLES[w.role],
              prof_professional_department=team_name,
              prof_full_time_equivalency="" if blank_fte else f"{fte:g}",
              prof_agency_worker_flag="Y" if w.agency else "N")
    families: set[str] = set()
    for i, case in enumerate(cases_of(team, caseload, waiting)):
        _ssd_rows(t, case, i, on, prof, mess, families)
        for k in range(other_roles):
            start = on - timedelta(days=700 + 10 * k)
            t.add("ssd_involvements", invo_professional_id=f"P{1000 + (i + k) % len(prof)}",
                  invo_professional_role_id="CW" if k % 2 == 0 else "IRO",
                  invo_professional_team="D01", invo_person_id=case.child.id,
                  invo_involvement_start_date=start.isoformat(),
                  invo_involvement_end_date=(start + timedelta(days=200)).isoformat())
    if messy:
        _ssd_noise(t, on)
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in t.rows.items():
        if table == "ssd_pre_proceedings" and not rows:
            continue
        write_text(folder / f"{table}.csv", _csv(rows, SSD_COLUMNS[table]))


def _ssd_rows(t: _Tables, case: Case, i: int, on: date, prof: dict[str, str], mess: _Messy,
              families: set[str]) -> None:
    c, h = case.child, case.household
    cid = c.id
    dob = date_of_birth(c.age, on, i * 37)
    t.add("ssd_person", pers_person_id=cid, pers_sex=("M", "F")[i % 2],
          pers_ethnicity="WBRI", pers_dob=_iso(dob, mess))
    t.add("ssd_family", fami_family_id=h.id, fami_person_id=cid)
    families.add(h.id)
    started = case.allocated_on or on - timedelta(days=60 + i % 200)
    referred = h.referred_on if case.waiting and h.referred_on else started
    if case.worker is not None:
        role = "ALLOCATED CASE WORKER" if mess.on and i % 7 == 3 else "CW"
        t.add("ssd_involvements", invo_professional_id=prof[case.worker.id],
              invo_professional_role_id=role, invo_professional_team="D01",
              invo_involvement_start_date=_iso(case.allocated_on, mess), invo_person_id=cid)
        if mess.on and i % 5 == 0:  # the previous worker, whose involvement has ended
            t.add("ssd_involvements", invo_professional_id=prof[case.worker.id][:-1] + "9",
                  invo_professional_role_id="CW", invo_professional_team="D01",
                  invo_involvement_start_date=(started - timedelta(days=300)).isoformat(),
                  invo_involvement_end_date=_iso(started, mess), invo_person_id=cid,
                  invo_worker_change_reason="LEFTRL")
    if case.co_worker is not None:
        t.add("ssd_involvements", invo_professional_id=prof[case.co_worker.id],
              invo_professional_role_id="COWKR", invo_professional_team="D01",
              invo_involvement_start_date=_iso(case.allocated_on, mess), invo_person_id=cid)
    if c.status is not Status.CARE_LEAVER:
        t.add("ssd_cin_episodes", cine_person_id=cid, cine_referral_date=_iso(referred, mess),
              cine_referral_nfa="N", cine_referral_team="D01")
    if c.status in (Status.CIN, Status.SUPERVISION_ORDER):
        t.add("ssd_cin_plans", cinp_person_id=cid, cinp_cin_plan_start_date=_iso(started, mess),
              cinp_cin_plan_team="D01")
    elif c.status is Status.CP:
        t.add("ssd_cp_plans", cppl_person_id=cid, cppl_cp_plan_start_date=_iso(started, mess),
              cppl_cp_plan_latest_category="NEG")
    elif c.status is Status.CLA:
        episode = f"CLAE{i:06d}"
        t.add("ssd_cla_episodes", clae_cla_episode_id=episode, clae_person_id=cid,
              clae_cla_episode_start_date=_iso(started, mess), clae_cla_id=f"CLA{i:06d}")
        t.add("ssd_cla_placement", clap_cla_id=f"CLA{i:06d}",
              clap_person_id="" if mess.on and i % 4 == 0 else cid,
              clap_cla_placement_start_date=_iso(started, mess),
              clap_cla_placement_type="U6", clap_cla_placement_postcode="ZZ99 3CZ",
              clap_cla_placement_distance=f"{BAND_MILES[c.placement_travel]:g}")
        legal = "C1" if h.court is CourtStage.CARE_PROCEEDINGS else ("C2", "E1", "V2")[i % 3]
        t.add("ssd_legal_status", lega_person_id=cid, lega_legal_status=legal,
              lega_legal_status_start_date=_iso(started, mess))
    elif c.status is Status.CARE_LEAVER:
        t.add("ssd_care_leavers", clea_person_id=cid,
              clea_care_leaver_eligibility=mess.coded("Former relevant", "Former Relevant"),
              clea_care_leaver_in_touch="YES")
    a = h.assessment
    if a is not None and assessment_open(h, on):
        if a.kind is AssessmentKind.S47:
            t.add("ssd_s47_enquiry", s47e_person_id=cid, s47e_s47_start_date=_iso(a.start, mess))
        else:
            t.add("ssd_cin_assessments", cina_person_id=cid,
                  cina_assessment_start_date=_iso(a.start, mess), cina_assessment_team="D01")
    if h.court is CourtStage.PLO:
        t.add("ssd_pre_proceedings", prep_person_id=cid,
              prep_pre_pro_decision_date=(on - timedelta(days=60)).isoformat())
    elif h.court is CourtStage.CARE_PROCEEDINGS:
        t.add("ssd_pre_proceedings", prep_person_id=cid,
              prep_pre_pro_decision_date=(on - timedelta(days=150)).isoformat(),
              prep_pre_pro_outcome="Decision to Issue Care Proceedings",
              prep_agree_stepdown_issue_date=(on - timedelta(days=90)).isoformat(),
              prep_la_final_care_plan="H \u2013 Not yet at final hearing - still in care "
                                      "proceedings")
    if c.disabled:
        t.add("ssd_disability", disa_person_id=cid, disa_disability_code="LEARN")


def _ssd_noise(t: _Tables, on: date) -> None:
    """Made-up people who must not be imported: ended, ceased, closed, another team."""
    past, ended = on - timedelta(days=400), on - timedelta(days=30)
    t.add("ssd_department", dept_team_id="D02", dept_team_name=OTHER_TEAM)
    t.add("ssd_professionals", prof_professional_id="P9999", prof_staff_id="S99",
          prof_professional_name="Zed Other", prof_professional_job_title="Social Worker",
          prof_professional_department=OTHER_TEAM, prof_full_time_equivalency="1")
    for pid in ("X9001", "X9002", "X9003", "X9005"):
        t.add("ssd_person", pers_person_id=pid, pers_dob=date(on.year - 9, 5, 17).isoformat())
    t.add("ssd_cla_episodes", clae_person_id="X9001", clae_cla_episode_start_date=past.isoformat(),
          clae_cla_episode_ceased_date=ended.isoformat())
    t.add("ssd_cin_plans", cinp_person_id="X9002", cinp_cin_plan_start_date=past.isoformat(),
          cinp_cin_plan_end_date=ended.isoformat())
    t.add("ssd_cin_episodes", cine_person_id="X9002", cine_referral_date=past.isoformat(),
          cine_close_date=ended.isoformat())
    t.add("ssd_cp_plans", cppl_person_id="X9003", cppl_cp_plan_start_date=past.isoformat(),
          cppl_cp_plan_end_date=ended.isoformat())
    t.add("ssd_cp_plans", cppl_person_id="X9005", cppl_cp_plan_start_date=past.isoformat())
    t.add("ssd_involvements", invo_professional_id="P9999", invo_professional_role_id="CW",
          invo_professional_team="D02", invo_involvement_start_date=past.isoformat(),
          invo_person_id="X9005")
    t.add("ssd_involvements", invo_professional_id="P9999", invo_professional_role_id="CW",
          invo_professional_team="D02", invo_involvement_start_date=past.isoformat(),
          invo_involvement_end_date=ended.isoformat(), invo_person_id="X9003")

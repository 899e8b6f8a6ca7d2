"""Annex A workbooks laid out like the published example, for tests and calibration.

Councils share Annex A workbooks laid out like the example published with the
Ofsted guidance and used by regional data tools: every list from 1 to 11 on its
own sheet named "List N", the header in the first row in the guidance's own
wording, answers written with the list's letters ("b) Former relevant child",
"c) Child in need plan", "a) In"), numeric child ids, ages with a fraction of a
year, '#N/A' where nobody is allocated, a non-breaking space inside workers' names
on some lists, and date formulas with no saved result on the adoption lists.

:func:`write_published_annex_a` writes such a workbook from a team, its caseload
and its waiting list at a date, with the rows a real workbook also holds (children
whose plans ended in the year, an S47 enquiry whose conference was found
unnecessary, a care leaver in a category that does not count). Imported with the
override sheet of :func:`~allocopt.io.extracts.writers.write_overrides` it gives
back the same caseload. Write two at different dates (with caseloads of those
dates) to compare the flows between them. Every id and name is made up.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from allocopt.domain import AssessmentKind, Caseload, CourtStage, Status, Team, TravelBand
from allocopt.io.extracts.writers import (
    EXAMPLE_LAS,
    HOME_LA,
    Case,
    Formula,
    Sheet,
    assessment_open,
    cases_of,
    date_of_birth,
    save_workbook,
    worker_name,
)

COMMON = ("Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age")
DISABILITY = "Does the Child have a Disability"
HELD_BY = ("Allocated Team", "Allocated Worker")

PUBLISHED_COLUMNS: dict[int, tuple[str, ...]] = {
    1: (*COMMON, "Date of Contact", "Contact Source"),
    2: (*COMMON, "Assessment start date", "Assessment completion date",
        "Organisation completing assessment"),
    3: (*COMMON, "Date of Referral", "Referral Source", "Referral NFA?",
        "Number of Referrals in Last 12 Months", *HELD_BY),
    4: (*COMMON, DISABILITY, "Continuous Assessment Start Date",
        "Child Seen During Continuous Assessment", "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children's social care support?", *HELD_BY),
    5: (*COMMON, DISABILITY, "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
        "Number of Section 47 Enquiries in the last 12 months",
        "Number of ICPCs in the last 12 months", *HELD_BY),
    6: (*COMMON, DISABILITY, "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen",
        "CIN Closure Date", "Reason for Closure", "Case Status", *HELD_BY),
    7: (*COMMON, DISABILITY, "Child Protection Plan Start Date", "Initial Category of Abuse",
        "Latest Category of Abuse", "Date of the Last Statutory Visit",
        "Was the Child Seen Alone?", "Date of latest review conference",
        "Child Protection Plan End Date",
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six "
        "Months (Y/N)", "Number of Previous Child Protection Plans", *HELD_BY),
    8: (*COMMON, "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
        DISABILITY, "Date Started to be Looked After", "Child's Category of Need",
        "Is this a second or subsequent period of being a Looked After Child within the last "
        "12 months (Y/N)", "Start date of current legal status", "Child's Legal Status",
        "Date of Latest Statutory Review", "Date of Last Social Work Visit",
        "What is the permanence plan for this child?",
        "Date of Last IRO Visit / Contact to the Child", "Date of Last Health Assessment",
        "Date of Last Dental Check", "Number of Placements in the Last 12 months",
        "Date Ceased to be Looked After", "Reason Ceased to be Looked After",
        "Start Date of Most Recent Placement", "Placement Type", "Placement Provider",
        "Placement postcode", "URN of Placement", "Placement Location", "LA of Placement",
        "Number of Episodes the Child has been \u2018Missing\u2019 from their Placement in the "
        "last 12 months",
        "Number of Episodes the Child has been \u2018Absent\u2019 from their Placement in the "
        "last 12 months",
        "Was the child offered a Return Interview after their last missing episode (Y/N)?",
        "Did the child accept a Return Interview after their last missing episode (Y/N)?",
        *HELD_BY),
    9: (*COMMON, DISABILITY, *HELD_BY, "Eligibility Category", "LA in Touch",
        "Type of Accommodation", "Suitability of Accommodation", "Activity Status"),
    10: ("Child Unique ID", "Family identifier", "Gender", "Ethnicity", "Date of Birth",
         "Age of Child (Years)", DISABILITY, "Date the Child Entered Care",
         "Date of Decision that Child Should be Placed for Adoption", "Date of Placement Order",
         "Date of Matching Child and Prospective Adopters", "Date Placed for Adoption",
         "Date of Adoption Order", "Date of Decision that Child Should No Longer be Placed for "
         "Adoption", "Reason Why Child No Longer Placed for Adoption",
         "Date the child was placed for fostering in FFA or concurrent planning placement"),
    11: ("Individual adopter identifier", "Family identifier", "Gender", "Ethnicity",
         "Disability", "Is the (prospective) adopter fostering for adoption?",
         "Date enquiry received", "Date Stage 1 started", "Date Stage 1 ended",
         "Date Stage 2 started", "Date Stage 2 ended", "Date application submitted",
         "Date application approved", "Date adopter matched with child(ren)",
         "Date child/children placed with adopter(s)", "No. of children placed",
         "Date of Adoption Order", "Date of leaving adoption process",
         "Reason for leaving adoption process"),
}
"""Each list's columns in the guidance's wording, in the published example's order."""

CASE_STATUS = {Status.CLA: "a) Looked after child", Status.CP: "b) Child Protection plan",
               Status.CIN: "c) Child in need plan", Status.SUPERVISION_ORDER:
               "c) Child in need plan"}
OPEN_ASSESSMENT = "d) Open assessment"
CLOSED_EPISODE = "e) Closed episode"
ELIGIBILITY = ("a) Relevant child", "b) Former relevant child", "c) Qualifying care leaver",
               "d) Eligible child")
LEGAL = {CourtStage.CARE_PROCEEDINGS: "C1: ICO"}
OTHER_LEGAL = ("C2: FCO", "E1: Placement order", "V2: Single period under S20")
GENDERS = ("a) Male", "b) Female")
ETHNICITIES = ("a) WBRI", "d) WOTH", "f) MWBC", "j) AIND", "o) BAFR", "s) NOBT")
YES, NO = "a) Yes", "b) No"
LONG_AGO_DAYS = 4000
"""How long before the date the open episode of a waiting child with no referral began."""


def _age(dob: date | None, on: date) -> float | None:
    """Age in years with its fraction, as the published example writes it."""
    return None if dob is None else round((on - dob).days / 365.25, 6)


def _child_id(value: str) -> int | str:
    """Numeric ids are written as numbers, as a case management system exports them."""
    return int(value) if value.isdigit() and not value.startswith("0") else value


def _at(value: date | None) -> datetime | None:
    return None if value is None else datetime(value.year, value.month, value.day)


class _Book:
    """The eleven list sheets being filled."""

    def __init__(self) -> None:
        self.sheets = {n: Sheet(n, list(columns)) for n, columns in PUBLISHED_COLUMNS.items()}

    def add(self, number: int, row: dict[str, Any]) -> None:
        self.sheets[number].add({k: _at(v) if isinstance(v, date) else v
                                 for k, v in row.items()})


def write_published_annex_a(path: Path, team: Team, caseload: Caseload,
                            waiting: Caseload | None, on: date, *, team_name: str,
                            home_la: str = HOME_LA, history: int = 6,
                            extras: bool = True) -> None:
    """An Annex A workbook at `on` laid out like the published example (Lists 1 to 11).

    `history` adds rows for made-up children whose plans, episodes and referrals
    ended in the year before `on`; `extras` adds the rows that must not be imported
    (an S47 enquiry whose conference was found unnecessary, a care leaver in an
    unknown category, a closed episode, a referral with no further action, a row
    with neither team nor worker). Deterministic: the same inputs, the same bytes.
    """
    book = _Book()
    for i, case in enumerate(cases_of(team, caseload, waiting)):
        _child_rows(book, case, i, on, team_name, home_la)
    for i in range(history):
        _ended_rows(book, i, on, team_name)
    if extras:
        _extra_rows(book, on, team_name)
    _adoption_rows(book, on)
    save_workbook(path, book.sheets, sorted(book.sheets))


def _base(case: Case, i: int, on: date, team_name: str, worker: str) -> dict[str, Any]:
    dob = date_of_birth(case.child.age, on, i * 37)
    return {"Child Unique ID": _child_id(case.child.id), "Gender": GENDERS[i % 2],
            "Ethnicity": ETHNICITIES[i % len(ETHNICITIES)], "Date of Birth": dob,
            "Age": _age(dob, on), DISABILITY: YES if case.child.disabled else NO,
            "Allocated Team": team_name, "Allocated Worker": worker}


def _child_rows(book: _Book, case: Case, i: int, on: date, team_name: str,
                home_la: str) -> None:
    c, h = case.child, case.household
    worker = "#N/A" if case.worker is None else worker_name(case.worker, case.worker_index)
    base = _base(case, i, on, team_name, worker)
    # The published example writes names with a non-breaking space on Lists 3 and 4.
    nbsp = {**base, "Allocated Worker": worker.replace(" ", "\u00a0")}
    started = case.allocated_on or on - timedelta(days=60 + i % 200)
    if case.waiting:
        started = h.referred_on or on - timedelta(days=LONG_AGO_DAYS)
        if h.referred_on is not None:
            book.add(1, {**base, "Date of Contact": h.referred_on,
                         "Contact Source": "q) 6: Police"})
            book.add(3, {**nbsp, "Date of Referral": h.referred_on,
                         "Referral Source": "q) 6: Police", "Referral NFA?": NO,
                         "Number of Referrals in Last 12 Months": 1})
    a = h.assessment
    is_open = a is not None and assessment_open(h, on)
    if c.status is not Status.CARE_LEAVER:
        status = OPEN_ASSESSMENT if is_open and c.status is Status.CIN else \
            CASE_STATUS[c.status]
        book.add(6, {**base, "CIN Start Date": started, "Primary Need Code":
                     "N1 - Abuse or neglect", "Date Child Was Last Seen": on - timedelta(days=9),
                     "Case Status": status})
    if a is not None and is_open:
        if a.kind is AssessmentKind.S47:
            book.add(5, {**base, "Strategy discussion initiating Section 47 Enquiry Start "
                         "Date": a.start,
                         "Was an Initial Child Protection Conference deemed unnecessary?": NO,
                         "Number of Section 47 Enquiries in the last 12 months": 1,
                         "Number of ICPCs in the last 12 months": 0})
        else:
            book.add(4, {**nbsp, "Continuous Assessment Start Date": a.start,
                         "Child Seen During Continuous Assessment": YES})
    if c.status is Status.CP:
        book.add(7, {**base, "Child Protection Plan Start Date": started,
                     "Initial Category of Abuse": "a) Neglect",
                     "Latest Category of Abuse": "a) Neglect",
                     "Date of the Last Statutory Visit": on - timedelta(days=6),
                     "Was the Child Seen Alone?": YES,
                     "Subject to Emergency Protection Order or Protected Under Police Powers in "
                     "Last Six Months (Y/N)": NO, "Number of Previous Child Protection Plans": 0})
    elif c.status is Status.CLA:
        band = c.placement_travel
        legal = LEGAL.get(h.court) if h.court is not None else None
        book.add(8, {**base, "Date Started to be Looked After": started,
                     "Child's Category of Need": "N1 - Abuse or neglect",
                     "Start date of current legal status": started,
                     "Child's Legal Status": legal or OTHER_LEGAL[i % len(OTHER_LEGAL)],
                     "Number of Placements in the Last 12 months": 1,
                     "Start Date of Most Recent Placement": started,
                     "Placement Type": "f) U6: Foster placement - not FFA",
                     "Placement Provider": "b) PR1 - Own provision",
                     "Placement postcode": "ZZ99 3CZ",
                     "Placement Location": "a) In" if band is TravelBand.IN_AREA else "b) Out",
                     "LA of Placement": home_la if band is TravelBand.IN_AREA
                     else EXAMPLE_LAS[band]})
    elif c.status is Status.CARE_LEAVER:
        book.add(9, {**base, "Eligibility Category": ELIGIBILITY[i % len(ELIGIBILITY)],
                     "LA in Touch": YES, "Type of Accommodation": "U: Independent living",
                     "Suitability of Accommodation": "a) Suitable"})


def _made_up(cid: str, on: date, team: str, worker: str, i: int) -> dict[str, Any]:
    dob = date(on.year - 4 - i % 12, 1 + i % 12, 1 + i % 28)
    return {"Child Unique ID": _child_id(cid), "Gender": GENDERS[i % 2], "Ethnicity": ETHNICITIES[0],
            "Date of Birth": dob, "Age": _age(dob, on), DISABILITY: NO,
            "Allocated Team": team, "Allocated Worker": worker}


def _ended_rows(book: _Book, i: int, on: date, team_name: str) -> None:
    """A made-up child whose work ended in the year before `on`."""
    base = _made_up(f"{9100000 + i}", on, team_name, "#N/A", i)
    began, ended = on - timedelta(days=200 + i % 150), on - timedelta(days=1 + i % 120)
    book.add(6, {**base, "CIN Start Date": began, "CIN Closure Date": ended,
                 "Reason for Closure": "RC7 - Services ceased for any other reason, including "
                 "child no longer in need", "Case Status": CLOSED_EPISODE})
    if i % 3 == 0:
        book.add(7, {**base, "Child Protection Plan Start Date": began,
                     "Child Protection Plan End Date": ended})
    elif i % 3 == 1:
        book.add(8, {**base, "Date Started to be Looked After": began,
                     "Date Ceased to be Looked After": ended,
                     "Child's Legal Status": OTHER_LEGAL[2], "Placement Location": "a) In"})
    else:
        book.add(3, {**base, "Date of Referral": began, "Referral NFA?": YES})


EXTRA_IDS = {"s47_unnecessary": "9200001", "unknown_category": "9200002",
             "closed": "9200003", "nfa": "9200004", "no_team": "9200005"}
"""The made-up children of the rows that must not be imported, by what each shows."""


def _extra_rows(book: _Book, on: date, team_name: str) -> None:
    past, recent = on - timedelta(days=400), on - timedelta(days=20)
    ids = EXTRA_IDS

    def base(key: str, i: int, team: str = team_name, worker: str = "Noel\u00a0Former"
             ) -> dict[str, Any]:
        return _made_up(ids[key], on, team, worker, i)

    book.add(5, {**base("s47_unnecessary", 1), "Strategy discussion initiating Section 47 "
                 "Enquiry Start Date": recent,
                 "Was an Initial Child Protection Conference deemed unnecessary?": YES,
                 "Number of Section 47 Enquiries in the last 12 months": 1,
                 "Number of ICPCs in the last 12 months": 0})
    book.add(9, {**base("unknown_category", 2), "Eligibility Category":
                 "e) Staying put arrangement", "LA in Touch": YES})
    book.add(6, {**base("closed", 3), "CIN Start Date": past, "CIN Closure Date": recent,
                 "Reason for Closure": "RC8 - Case closed after assessment, no further action",
                 "Case Status": CLOSED_EPISODE})
    book.add(3, {**base("nfa", 4, worker="#N/A"), "Date of Referral": recent,
                 "Referral Source": "e) 2A: Schools", "Referral NFA?": YES,
                 "Number of Referrals in Last 12 Months": 1})
    book.add(6, {**base("no_team", 5, team="#N/A", worker="#N/A"), "CIN Start Date": past,
                 "Case Status": CASE_STATUS[Status.CIN]})


def _adoption_rows(book: _Book, on: date) -> None:
    """Lists 10 and 11 as the published example has them: dates made by formulas that
    were never calculated (no saved result), which the import never reads."""
    entered = on - timedelta(days=900)
    for i, (child, family) in enumerate(((9300001, 14100001), (9300002, 14100002))):
        r = i + 2
        book.add(10, {"Child Unique ID": child, "Family identifier": family,
                      "Gender": GENDERS[i % 2], "Ethnicity": ETHNICITIES[-1],
                      "Date of Birth": on - timedelta(days=1500 + i * 300),
                      "Age of Child (Years)": 4 + i, DISABILITY: NO,
                      "Date the Child Entered Care": entered,
                      "Date of Decision that Child Should be Placed for Adoption":
                          Formula(f"=H{r}+5", None),
                      "Date of Placement Order": Formula(f"=I{r}+5", None)})
        book.add(11, {"Individual adopter identifier": 7100001 + i, "Family identifier": family,
                      "Gender": GENDERS[i % 2], "Ethnicity": ETHNICITIES[0], "Disability": NO,
                      "Is the (prospective) adopter fostering for adoption?": "Yes",
                      "Date enquiry received": entered,
                      "Date Stage 1 started": Formula(f"=G{r}+13", None),
                      "No. of children placed": 1})

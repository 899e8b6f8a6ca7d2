"""Write a simulated service's history as the files a council would hand over.

The simulator's own records (:mod:`allocopt.simulation.history`) become an Annex A
workbook (Lists 3 to 8 over the year before the date), a folder of SSD tables (the
whole history, with staff start and end dates), the worker roster and an override
sheet giving every child's household. They are written with the extract writers'
sheet and table machinery (:mod:`allocopt.io.extracts.writers`), so they read back
through the same importer; calibrating on them must give back the scenario's figures.

Households already open on the simulation's first day began before it: their start
dates are not known, so they are left blank (the importer counts such a row as open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from allocopt.domain import Team, Worker
from allocopt.io.atomic import write_text
from allocopt.io.extracts.writers import (
    SSD_COLUMNS,
    Sheet,
    _csv,
    _Tables,
    save_workbook,
    worker_name,
    write_roster,
)
from allocopt.simulation.history import CaseHistory, ServiceHistory

TEAM_NAME = "Simulated service"
_CASE_STATUS = {"assessment": "d) Open assessment", "CIN": "c) Child in need plan",
                "CP": "b) Child Protection plan", "CLA": "a) Looked after child"}


@dataclass
class _Journey:
    """A case's steps as dated spells."""

    referred: date | None
    assessment: tuple[date | None, date | None] | None  # start, end
    s47: bool
    conference: date | None
    statuses: list[tuple[str, date | None, date | None]]  # status, start, end
    closed: date | None


def journey(case: CaseHistory) -> _Journey:
    """Spells from the steps; a first step on the first day of an initial case has no date."""
    referred = None
    assessment: tuple[date | None, date | None] | None = None
    conference = None
    statuses: list[tuple[str, date | None, date | None]] = []
    closed = None
    for i, (when, what) in enumerate(case.steps):
        known: date | None = None if case.initial and i == 0 else when
        if what in ("CIN", "CP", "CLA", "close"):  # the assessment or last status ends
            if assessment is not None and assessment[1] is None:
                assessment = (assessment[0], when)
            if statuses and statuses[-1][2] is None:
                statuses[-1] = (statuses[-1][0], statuses[-1][1], when)
        if what == "referral":
            referred = known
        elif what in ("assessment", "S47"):
            assessment = (known, None)
        elif what == "ICPC":
            conference = when
        elif what == "close":
            closed = when
        else:
            statuses.append((what, known, None))
    return _Journey(referred, assessment, case.s47, conference, statuses, closed)


def _overlaps(start: date | None, end: date | None, since: date, on: date) -> bool:
    return (start is None or start < on) and (end is None or end >= since)


class _Names:
    """Made-up names for workers (the roster's, then leavers')."""

    def __init__(self, team: Team) -> None:
        self.names = {w.id: worker_name(w, i) for i, w in enumerate(team.workers)}

    def of(self, worker: str | None) -> str:
        if worker is None:
            return "#N/A"
        if worker not in self.names:
            self.names[worker] = worker_name(Worker(id=worker), len(self.names))
        return self.names[worker]


def history_team(history: ServiceHistory, team_id: str = "simulated") -> Team:
    """The workers in post on the date, as a team (for the roster)."""
    workers = [Worker(id=s.worker, role=s.role, qualified_on=s.qualified_on,
                      started_on=s.experience_from, contracted_hours=s.hours, agency=s.agency)
               for s in history.staff if s.ended is None or s.ended > history.on]
    return Team(id=team_id, name=TEAM_NAME, workers=tuple(workers))


def write_history_roster(path: Path, history: ServiceHistory) -> None:
    """The roster of the workers in post on the date."""
    write_roster(path, history_team(history), team_name=TEAM_NAME)


def write_history_overrides(path: Path, history: ServiceHistory) -> None:
    """The override sheet: every child's household (Annex A has no household id)."""
    rows = [{"child_id": child, "household_id": case.family}
            for case in history.cases for child in case.child_ids()]
    unique = list({r["child_id"]: r for r in rows}.values())
    write_text(path, _csv(unique, ("child_id", "household_id")))


def write_history_extracts(folder: Path, history: ServiceHistory) -> None:
    """All four in one folder: annex-a.xlsx, ssd/, roster.csv and overrides.csv."""
    write_history_annex_a(folder / "annex-a.xlsx", history)
    write_history_ssd(folder / "ssd", history)
    write_history_roster(folder / "roster.csv", history)
    write_history_overrides(folder / "overrides.csv", history)


def _annex_headers() -> dict[int, list[str]]:
    common = ["Child Unique ID", "Gender", "Date of Birth", "Allocated Team", "Allocated Worker"]
    return {
        3: [*common, "Date of Referral", "Referral NFA?", "Number of Referrals in Last 12 Months"],
        4: [*common, "Continuous Assessment Start Date",
            "Continuous Assessment Date of Authorisation"],
        5: [*common, "Strategy discussion initiating Section 47 Enquiry Start Date",
            "Was an Initial Child Protection Conference deemed unnecessary?",
            "Date of Initial Child Protection Conference",
            "Did the Initial Child Protection Conference Result in a Child Protection Plan"],
        6: [*common, "CIN Start Date", "CIN Closure Date", "Case Status"],
        7: [*common, "Child Protection Plan Start Date", "Child Protection Plan End Date"],
        8: [*common, "Date Started to be Looked After", "Date Ceased to be Looked After",
            "Child's Legal Status"],
    }


def write_history_annex_a(path: Path, history: ServiceHistory, months: int = 12) -> None:
    """An Annex A workbook at the history's date: rows active in the `months` before it."""
    on = history.on
    y, m = divmod(on.year * 12 + on.month - 1 - months, 12)
    since = date(y, m + 1, min(on.day, 28))
    sheets = {n: Sheet(n, h) for n, h in _annex_headers().items()}
    names = _Names(history_team(history))
    referrals: dict[str, list[date]] = {}
    for case in history.cases:
        j = journey(case)
        if j.referred is not None:
            for child in case.child_ids():
                referrals.setdefault(child, []).append(j.referred)
    for case in history.cases:
        j = journey(case)
        worker = names.of(case.worker) if case.status is not None else "#N/A"
        for child in case.child_ids():
            base: dict[str, Any] = {"Child Unique ID": child, "Gender": "b) Female",
                                    "Allocated Team": TEAM_NAME, "Allocated Worker": worker}
            _annex_case(sheets, base, case, j, since, on, referrals.get(child, []))
    save_workbook(path, sheets, sorted(sheets))


def _annex_case(sheets: dict[int, Sheet], base: dict[str, Any], case: CaseHistory,
                j: _Journey, since: date, on: date, referred: list[date]) -> None:
    if j.referred is not None and since <= j.referred < on:
        earlier = sum(1 for d in referred if (j.referred - d).days < 365 and d <= j.referred)
        sheets[3].add({**base, "Date of Referral": j.referred, "Referral NFA?": "b) No",
                       "Number of Referrals in Last 12 Months": earlier})
    if j.assessment is not None and _overlaps(*j.assessment, since, on):
        start, end = j.assessment
        sheets[4].add({**base, "Continuous Assessment Start Date": start,
                       "Continuous Assessment Date of Authorisation": end})
        if j.s47:
            ended_without = end is not None and j.conference is None
            plan = None if j.conference is None else (
                "a) Yes" if any(s == "CP" and b == j.conference for s, b, _ in j.statuses)
                else "b) No")
            sheets[5].add({**base,
                           "Strategy discussion initiating Section 47 Enquiry Start Date": start,
                           "Was an Initial Child Protection Conference deemed unnecessary?":
                               None if end is None else ("a) Yes" if ended_without else "b) No"),
                           "Date of Initial Child Protection Conference": j.conference,
                           "Did the Initial Child Protection Conference Result in a Child "
                           "Protection Plan": plan})
    first = j.referred if j.referred is not None else None
    if _overlaps(first, j.closed, since, on):
        sheets[6].add({**base, "CIN Start Date": first, "CIN Closure Date": j.closed,
                       "Case Status": "e) Closed episode" if case.status is None
                       else _CASE_STATUS[case.status]})
    for status, start, end in j.statuses:
        if not _overlaps(start, end, since, on):
            continue
        if status == "CP":
            sheets[7].add({**base, "Child Protection Plan Start Date": start,
                           "Child Protection Plan End Date": end})
        elif status == "CLA":
            sheets[8].add({**base, "Date Started to be Looked After": start,
                           "Date Ceased to be Looked After": end,
                           "Child's Legal Status": "C2: Full care order"})


def write_history_ssd(folder: Path, history: ServiceHistory) -> None:
    """The SSD tables of the whole history, with staff start and end dates."""
    t = _Tables()
    t.add("ssd_department", dept_team_id="D01", dept_team_name=TEAM_NAME)
    names = _Names(history_team(history))
    for s in history.staff:
        t.add("ssd_professionals", prof_professional_id=s.worker, prof_staff_id=s.worker,
              prof_professional_name=names.of(s.worker),
              prof_professional_job_title="Social Worker",
              prof_professional_department=s.team, prof_full_time_equivalency="1",
              prof_agency_worker_flag="Y" if s.agency else "N",
              prof_professional_start_date="" if s.first_day else s.started.isoformat(),
              prof_professional_end_date=s.ended.isoformat() if s.ended else "")
    conferences: list[dict[str, Any]] = []
    people: set[str] = set()
    for case in history.cases:
        j = journey(case)
        for child in case.child_ids():
            if child not in people:
                people.add(child)
                t.add("ssd_person", pers_person_id=child)
                t.add("ssd_family", fami_family_id=case.family, fami_person_id=child)
            _ssd_case(t, conferences, child, case, j)
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in t.rows.items():
        if table == "ssd_pre_proceedings" and not rows:
            continue
        write_text(folder / f"{table}.csv", _csv(rows, SSD_COLUMNS[table]))
    write_text(folder / "ssd_initial_cp_conference.csv", _csv(
        conferences, ("icpc_icpc_id", "icpc_person_id", "icpc_icpc_date",
                      "icpc_icpc_outcome_cp_flag")))


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _ssd_case(t: _Tables, conferences: list[dict[str, Any]], child: str, case: CaseHistory,
              j: _Journey) -> None:
    t.add("ssd_cin_episodes", cine_person_id=child, cine_referral_date=_iso(j.referred),
          cine_close_date=_iso(j.closed), cine_referral_nfa="N", cine_referral_team="D01")
    if j.assessment is not None:
        start, end = j.assessment
        t.add("ssd_cin_assessments", cina_person_id=child, cina_assessment_start_date=_iso(start),
              cina_assessment_auth_date=_iso(end), cina_assessment_team="D01")
        if j.s47:
            t.add("ssd_s47_enquiry", s47e_person_id=child, s47e_s47_start_date=_iso(start),
                  s47e_s47_end_date=_iso(end))
            if j.conference is not None:
                plan = any(s == "CP" and b == j.conference for s, b, _ in j.statuses)
                conferences.append({"icpc_icpc_id": f"ICPC{len(conferences) + 1:06d}",
                                    "icpc_person_id": child,
                                    "icpc_icpc_date": j.conference.isoformat(),
                                    "icpc_icpc_outcome_cp_flag": "Y" if plan else "N"})
    for status, start, end in j.statuses:
        if status == "CIN":
            t.add("ssd_cin_plans", cinp_person_id=child, cinp_cin_plan_start_date=_iso(start),
                  cinp_cin_plan_end_date=_iso(end), cinp_cin_plan_team="D01")
        elif status == "CP":
            t.add("ssd_cp_plans", cppl_person_id=child, cppl_cp_plan_start_date=_iso(start),
                  cppl_cp_plan_end_date=_iso(end), cppl_cp_plan_latest_category="NEG")
        elif status == "CLA":
            t.add("ssd_cla_episodes", clae_person_id=child,
                  clae_cla_episode_start_date=_iso(start), clae_cla_episode_ceased_date=_iso(end))
            t.add("ssd_legal_status", lega_person_id=child, lega_legal_status="C2",
                  lega_legal_status_start_date=_iso(start), lega_legal_status_end_date=_iso(end))
    for i, (began, worker, ended) in enumerate(case.holds):
        first = case.initial and i == 0
        if ended is not None and ended == began:
            continue  # held for less than a day
        t.add("ssd_involvements", invo_professional_id=worker,
              invo_professional_role_id="CW", invo_professional_team="D01",
              invo_involvement_start_date="" if first else _iso(began),
              invo_involvement_end_date=_iso(ended), invo_person_id=child)

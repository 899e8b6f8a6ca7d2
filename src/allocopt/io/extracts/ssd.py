"""Read a Standard Safeguarding Dataset extract (one CSV per ssd_* table).

The SSD defines tables, not files: a council exports each table it built to a
CSV named after the table (``ssd_involvements.csv``), with the table's column
names as headers. This reader takes a folder of them.

At the date: a CP plan open (ssd_cp_plans) -> CP; a looked-after episode not
ceased (ssd_cla_episodes) -> CLA; an eligible care leaver (ssd_care_leavers) ->
care leaver; an open CIN plan or CIN episode -> CIN; an open assessment or S47
enquiry -> CIN with the household's assessment. The allocated worker is the
involvement open at the date whose role is the settings' "allocated case worker"
role (systems differ: CW, ALLWKR, ALLOCATED CASE WORKER); households come from
ssd_family; FTE from ssd_professionals where present; placement travel from the
placement distance (999.9 means unknown); court stage from ssd_pre_proceedings
where filled and from a current interim care order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from allocopt.domain import Assessment, AssessmentKind, CourtStage, Role, Status
from allocopt.errors import InputError
from allocopt.io.extracts.annex_a import LEGAL_DESCRIPTIONS
from allocopt.io.extracts.facts import (
    Allocation,
    ChildFacts,
    Columns,
    Extract,
    Fact,
    Reader,
    StatusFact,
    WorkerFacts,
    answer_key,
    eligibility_counts,
    open_at,
    yes_no,
)
from allocopt.io.extracts.report import ImportReport
from allocopt.io.extracts.settings import ImportSettings
from allocopt.io.tables import Cell, Table, read_table

Spec = dict[str, tuple[str, ...]]

TABLES: dict[str, Spec] = {
    "ssd_department": {"id": ("dept_team_id",), "name": ("dept_team_name",)},
    "ssd_professionals": {
        "id": ("prof_professional_id",), "staff": ("prof_staff_id",),
        "name": ("prof_professional_name",),
        "registration": ("prof_social_worker_registration_no",),
        "title": ("prof_professional_job_title",),
        "department": ("prof_professional_department",),
        "fte": ("prof_full_time_equivalency", "prof_fte", "prof_full_time_equivalent"),
        "agency": ("prof_agency_worker_flag",)},
    "ssd_person": {"person": ("pers_person_id",), "dob": ("pers_dob",),
                   "forename": ("pers_forename", "pers_first_name"),
                   "surname": ("pers_surname", "pers_last_name"), "name": ("pers_name",)},
    "ssd_family": {"family": ("fami_family_id",), "person": ("fami_person_id",)},
    "ssd_cp_plans": {"person": ("cppl_person_id",), "start": ("cppl_cp_plan_start_date",),
                     "end": ("cppl_cp_plan_end_date",)},
    "ssd_cla_episodes": {"person": ("clae_person_id",), "episode": ("clae_cla_episode_id",),
                         "cla": ("clae_cla_id",), "start": ("clae_cla_episode_start_date",),
                         "end": ("clae_cla_episode_ceased_date", "clae_cla_episode_ceased")},
    "ssd_care_leavers": {"person": ("clea_person_id",),
                         "eligibility": ("clea_care_leaver_eligibility",),
                         "team": ("clea_care_leaver_allocated_team",)},
    "ssd_cin_plans": {"person": ("cinp_person_id",), "start": ("cinp_cin_plan_start_date",),
                      "end": ("cinp_cin_plan_end_date",), "team": ("cinp_cin_plan_team",)},
    "ssd_cin_episodes": {"person": ("cine_person_id",), "start": ("cine_referral_date",),
                         "end": ("cine_close_date",), "nfa": ("cine_referral_nfa",),
                         "team": ("cine_referral_team",)},
    "ssd_cin_assessments": {"person": ("cina_person_id",),
                            "start": ("cina_assessment_start_date",),
                            "end": ("cina_assessment_auth_date",),
                            "team": ("cina_assessment_team",)},
    "ssd_s47_enquiry": {"person": ("s47e_person_id",), "start": ("s47e_s47_start_date",),
                        "end": ("s47e_s47_end_date",)},
    "ssd_cla_placement": {"person": ("clap_person_id",), "episode": ("clap_cla_episode_id",),
                          "cla": ("clap_cla_id",), "start": ("clap_cla_placement_start_date",),
                          "end": ("clap_cla_placement_end_date",),
                          "distance": ("clap_cla_placement_distance",)},
    "ssd_legal_status": {"person": ("lega_person_id",), "status": ("lega_legal_status",),
                         "start": ("lega_legal_status_start_date", "lega_legal_status_start"),
                         "end": ("lega_legal_status_end_date", "lega_legal_status_end")},
    "ssd_pre_proceedings": {"person": ("prep_person_id",),
                            "decision": ("prep_pre_pro_decision_date",),
                            "outcome": ("prep_pre_pro_outcome",),
                            "outcome_date": ("prep_agree_stepdown_issue_date",),
                            "final_plan": ("prep_la_final_care_plan",)},
    "ssd_disability": {"person": ("disa_person_id",)},
    "ssd_involvements": {"person": ("invo_person_id",), "professional": ("invo_professional_id",),
                         "role": ("invo_professional_role_id", "invo_professional_role"),
                         "team": ("invo_professional_team",),
                         "start": ("invo_involvement_start_date",),
                         "end": ("invo_involvement_end_date",)},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "ssd_department": ("id",), "ssd_professionals": ("id",), "ssd_family": ("family", "person"),
    "ssd_involvements": ("person", "professional", "role"),
    "ssd_legal_status": ("person", "status"), "ssd_cla_placement": (),
}
STATUS_TABLES = ("ssd_cp_plans", "ssd_cla_episodes", "ssd_care_leavers", "ssd_cin_plans",
                 "ssd_cin_episodes", "ssd_cin_assessments", "ssd_s47_enquiry")


def find_tables(folder: Path) -> dict[str, Path]:
    """The ssd_* CSV files in `folder`, by table name ('ssd_' prefix and case optional)."""
    if not folder.exists():
        raise InputError(folder, "folder not found")
    if not folder.is_dir():
        raise InputError(folder, "is a file, not a folder",
                         expected="a folder holding one CSV per SSD table")
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".csv", ".txt"):
            continue
        stem = path.stem.strip().lower().replace(" ", "_").replace("-", "_")
        name = stem if stem.startswith("ssd_") else "ssd_" + stem
        if name in TABLES and name not in found:
            found[name] = path
    if "ssd_involvements" not in found:
        raise InputError(folder, "no ssd_involvements.csv",
                         found=", ".join(sorted(p.name for p in found.values())) or "no SSD tables",
                         expected="one CSV per SSD table, named after it (ssd_involvements.csv)")
    if not any(t in found for t in STATUS_TABLES):
        raise InputError(folder, "no table of plans, episodes or care leavers",
                         expected="at least one of " + ", ".join(f"{t}.csv" for t in STATUS_TABLES))
    return found


def read_ssd(folder: Path, on: date, settings: ImportSettings) -> Extract:
    """The facts of an SSD extract folder at `on`."""
    paths = find_tables(folder)
    tables = {}
    for name, path in paths.items():
        try:
            tables[name] = read_table(path)
        except InputError as e:
            if e.problem in ("the file is empty", "the header row is empty"):
                tables[name] = Table(path, None, [], [])
            else:
                raise
    return ssd_extract(folder, tables, on, settings)


def ssd_extract(folder: Path, tables: dict[str, Table], on: date,
                settings: ImportSettings) -> Extract:
    """Interpret SSD tables at `on` (no file access: tests call it on tables)."""
    report = ImportReport(kind="SSD extract", source=str(folder), on=on)
    extract = Extract("SSD", folder, on, {}, {}, report, by_name=False)
    for name in TABLES:
        if name not in tables:
            report.notes.append(f"{name} was not found: {_MISSING.get(name, 'not used')}")
    _SsdState(extract, settings, tables).run()
    return extract


_MISSING = {
    "ssd_professionals": "workers are known by id only; names and FTE come from the roster",
    "ssd_department": "teams are known by their ids",
    "ssd_person": "ages are not known",
    "ssd_family": "each child is their own household unless the override sheet groups them",
    "ssd_cla_placement": "placement travel is not known",
    "ssd_pre_proceedings": "court stage comes from legal status and the override sheet only",
    "ssd_legal_status": "court stage comes from pre-proceedings and the override sheet only",
    "ssd_disability": "disability comes from the override sheet only",
}


_LOOKUP = {"ssd_department": "teams", "ssd_professionals": "workers (names, FTE, job titles)",
           "ssd_person": "dates of birth", "ssd_family": "households"}


@dataclass
class _Table:
    name: str
    table: Table
    columns: Columns
    reader: Reader


class _SsdState:
    def __init__(self, extract: Extract, settings: ImportSettings,
                 tables: dict[str, Table]) -> None:
        self.extract = extract
        self.report = extract.report
        self.settings = settings
        self.on = extract.on
        self.tables: dict[str, _Table] = {}
        for name, table in tables.items():
            columns = Columns(table, TABLES[name])
            for col in REQUIRED.get(name, ("person",)):
                if not columns.has(col):
                    wanted = TABLES[name][col][0]
                    raise table.error(f"missing column '{wanted}'", row=1, field=wanted,
                                      found=table.found_columns(
                                          {a for aliases in TABLES[name].values()
                                           for a in aliases}),
                                      expected=f"the {name} columns of the SSD")
            self.tables[name] = _Table(name, table, columns,
                                       Reader(name, columns, self.report))
        self.cla_keys: dict[tuple[str, str], str] = {}
        self.placement_start: dict[str, date] = {}
        self.dobs: dict[str, Fact[date]] = {}
        self.families: dict[str, Fact[str]] = {}
        self.family_clash: dict[str, str] = {}
        self.ended = 0
        self.allocated = {answer_key(r) for r in settings.allocated_worker_roles}
        self.co_worker = {answer_key(r) for r in settings.co_worker_roles}
        self.other = {answer_key(r) for r in settings.other_roles}
        self.titles = {answer_key(k): v for k, v in settings.job_titles.items()}

    def run(self) -> None:
        steps: list[tuple[str, Callable[[_Table, dict[str, Cell], int, str], bool]]] = [
            ("ssd_department", self._department), ("ssd_professionals", self._professional),
            ("ssd_person", self._person), ("ssd_family", self._family),
            ("ssd_cp_plans", self._cp), ("ssd_cla_episodes", self._cla),
            ("ssd_care_leavers", self._care_leaver), ("ssd_cin_plans", self._cin_plan),
            ("ssd_cin_episodes", self._cin_episode), ("ssd_cin_assessments", self._assessment),
            ("ssd_s47_enquiry", self._s47), ("ssd_cla_placement", self._placement),
            ("ssd_legal_status", self._legal), ("ssd_pre_proceedings", self._pre_proceedings),
            ("ssd_disability", self._disability), ("ssd_involvements", self._involvement),
        ]
        for name, step in steps:
            t = self.tables.get(name)
            if t is None:
                continue
            count = self.report.list_count(name)
            people: set[str] = set()
            current: set[str] = set()
            for n, row in t.table.rows:
                count.rows += 1
                key = self._person_of(t, row, n)
                if key is not None:
                    people.add(key)
                if step(t, row, n, f"{name} row {n}") and key is not None:
                    current.add(key)
            count.children = len(people)
            count.current = len(current)
            count.note = "empty" if not t.table.rows else _LOOKUP.get(name, "")
        self._finish()

    # --- people and workers -------------------------------------------------------------------

    def _department(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        tid, name = t.reader.text(row, n, "id"), t.reader.text(row, n, "name")
        if tid is not None:
            self.extract.team_names[tid] = name or tid
        return False

    def _professional(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        rd = t.reader
        pid = rd.text(row, n, "id")
        if pid is None:
            self.report.notes.append(f"{source}: no prof_professional_id; row skipped")
            return False
        worker = self.extract.workers.setdefault(pid, WorkerFacts(pid))
        worker.ids.add(pid)
        for col in ("staff", "registration"):
            other = rd.text(row, n, col)
            if other:
                worker.ids.add(other)
        name = rd.text(row, n, "name")
        if name:
            worker.name = Fact(name, source)
        worker.team = rd.text(row, n, "department")
        fte = rd.number(row, n, "fte")
        if fte is not None:
            if 0 < fte <= 1.3:
                worker.fte = Fact(fte, source)
            else:
                rd.unknown(n, "fte", fte, "no FTE (expected between 0 and 1.3)")
        title = rd.text(row, n, "title")
        if title:
            role = self._role(title)
            if role is None:
                rd.unknown(n, "title", title, "social worker (add the title to job_titles in "
                           "the settings)")
            else:
                worker.role = Fact(role, source)
        agency = rd.coded(row, n, "agency")
        if agency is not None:
            flag = yes_no(agency)
            if flag is None:
                rd.unknown(n, "agency", agency.raw, "not recorded")
            else:
                worker.agency = Fact(flag, source)
        return False

    def _role(self, title: str) -> Role | None:
        key = answer_key(title)
        if key in self.titles:
            return self.titles[key]
        for known in sorted(self.titles, key=len, reverse=True):
            if known in key:
                return self.titles[known]
        return None

    def _person(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        rd = t.reader
        pid = rd.text(row, n, "person")
        dob = rd.date(row, n, "dob")
        if pid is None:
            return False
        if dob is not None and dob <= self.on:
            self.dobs[pid] = Fact(dob, source)
        name = " ".join(filter(None, (rd.text(row, n, "forename"), rd.text(row, n, "surname"))))
        name = name or rd.text(row, n, "name") or ""
        if name:
            self.extract.names[pid] = name
        return False

    def _family(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        rd = t.reader
        pid, fid = rd.text(row, n, "person"), rd.text(row, n, "family")
        if pid is None or fid is None:
            return False
        first = self.families.setdefault(pid, Fact(fid, source))
        if first.value != fid:
            self.family_clash.setdefault(pid, f"in families {first.value} ({first.source}) "
                                              f"and {fid} ({source}): {first.value} used")
        return False

    # --- statuses -----------------------------------------------------------------------------

    def _open(self, t: _Table, row: dict[str, Cell], n: int) -> tuple[str | None, date | None,
                                                                       bool]:
        rd = t.reader
        pid = rd.text(row, n, "person")
        start, end = rd.date(row, n, "start"), rd.date(row, n, "end")
        return pid, start, pid is not None and open_at(start, end, self.on) == "open"

    def _add(self, pid: str, status: Status, kind: str, start: date | None, source: str,
             team: str | None = None) -> ChildFacts:
        facts = self.extract.child(pid)
        facts.lists.add(source.split(" row ")[0])
        facts.statuses.append(StatusFact(status, source, kind, start))
        if team and facts.team_hint is None:
            facts.team_hint = self.extract.team_names.get(team, team)
        return facts

    def _cp(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        pid, start, is_open = self._open(t, row, n)
        if is_open and pid:
            self._add(pid, Status.CP, "plan", start, source)
        return is_open

    def _cla(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        pid, start, is_open = self._open(t, row, n)
        if is_open and pid:
            self._add(pid, Status.CLA, "plan", start, source)
            for col in ("episode", "cla"):
                key = t.reader.text(row, n, col)
                if key:
                    self.cla_keys[(col, key)] = pid
        return is_open

    def _care_leaver(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        rd = t.reader
        pid = rd.text(row, n, "person")
        if eligibility_counts(rd, row, n, self.settings) is False:
            return False
        if pid is None:
            return False
        self._add(pid, Status.CARE_LEAVER, "plan", None, source, rd.text(row, n, "team"))
        return True

    def _cin_plan(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        pid, start, is_open = self._open(t, row, n)
        if is_open and pid:
            self._add(pid, Status.CIN, "plan", start, source, t.reader.text(row, n, "team"))
        return is_open

    def _cin_episode(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        pid, start, is_open = self._open(t, row, n)
        no_further_action = t.reader.flag(row, n, "nfa")  # checked on every row
        if not is_open or pid is None or no_further_action:
            return False  # closed, or closed at referral with no further action
        facts = self._add(pid, Status.CIN, "episode", start, source,
                          t.reader.text(row, n, "team"))
        facts.add_referral(start)
        return True

    def _assessment(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        return self._open_assessment(t, row, n, source, AssessmentKind.SINGLE)

    def _s47(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        return self._open_assessment(t, row, n, source, AssessmentKind.S47)

    def _open_assessment(self, t: _Table, row: dict[str, Cell], n: int, source: str,
                         kind: AssessmentKind) -> bool:
        pid, start, is_open = self._open(t, row, n)
        if not is_open or pid is None:
            return False
        facts = self._add(pid, Status.CIN, "assessment", start, source,
                          t.reader.text(row, n, "team"))
        if start is None:
            self.report.problem(t.name, n, t.columns.label("start"), "blank",
                                "an open assessment with no start date",
                                "counted as child in need, without assessment points")
        else:
            facts.set_assessment(Fact(Assessment(kind=kind, start=start), source))
        return True

    # --- placement, court, disability -----------------------------------------------------------

    def _current_cla(self, pid: str | None) -> ChildFacts | None:
        facts = self.extract.children.get(pid or "")
        if facts is None or not any(s.status is Status.CLA for s in facts.statuses):
            return None
        return facts

    def _person_of(self, t: _Table, row: dict[str, Cell], n: int) -> str | None:
        """The person a row is about; a placement may name only its looked-after episode."""
        pid = t.reader.text(row, n, "person") if t.columns.has("person") else None
        if pid is None and t.name == "ssd_cla_placement":
            for col in ("episode", "cla"):
                key = t.reader.text(row, n, col)
                if key and (col, key) in self.cla_keys:
                    return self.cla_keys[(col, key)]
        return pid

    def _placement(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        rd = t.reader
        pid = self._person_of(t, row, n)
        start, end = rd.date(row, n, "start"), rd.date(row, n, "end")
        miles = rd.number(row, n, "distance")
        facts = self._current_cla(pid)
        if facts is None or open_at(start, end, self.on) != "open":
            return False
        if miles is None or miles in self.settings.unknown_distances or miles < 0:
            rd.unknown(n, "distance", "blank" if miles is None else miles,
                       "travel band not known (in_area until the override sheet says)")
            return True
        # Two open placements: the one that started last is where the child lives now.
        began = start or date.min
        if facts.id not in self.placement_start or began >= self.placement_start[facts.id]:
            band = self.settings.travel_for_miles(miles)
            facts.placement_travel = Fact(band, f"{source}, {miles:g} miles")
            self.placement_start[facts.id] = began
        return True

    def _legal(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        rd = t.reader
        pid, _, is_open = self._open(t, row, n)
        coded = rd.coded(row, n, "status")
        if coded is None:
            return False
        codes = {c.upper(): stage for c, stage in self.settings.legal_statuses.items()}
        code = (coded.code or LEGAL_DESCRIPTIONS.get(coded.key) or coded.label).upper()
        if code not in codes:
            rd.unknown(n, "status", coded.raw, "no court stage")
            return False
        facts = self.extract.children.get(pid or "")
        if not is_open or facts is None:
            return False
        stage = codes[code]
        if stage is not None:
            facts.set_court(Fact(stage, source + ", legal status"))
        return True

    def _pre_proceedings(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        rd = t.reader
        pid = rd.text(row, n, "person")
        decided = rd.date(row, n, "decision")
        outcome = rd.coded(row, n, "outcome")
        outcome_on = rd.date(row, n, "outcome_date")
        plan = rd.coded(row, n, "final_plan")
        kind = None if outcome is None else "issued" if "issue" in outcome.key else \
            "stepped down" if "step" in outcome.key else None
        if outcome is not None and kind is None:
            rd.unknown(n, "outcome", outcome.raw, "still in pre-proceedings")
        if pid is None or decided is None or decided > self.on:
            return False
        stage: CourtStage | None = CourtStage.PLO
        if kind is not None and (outcome_on is None or outcome_on <= self.on):
            # Issued: in care proceedings until the final hearing gives a final plan.
            still = plan is None or any(w in plan.key for w in ("not yet", "still in"))
            stage = CourtStage.CARE_PROCEEDINGS if kind == "issued" and still else None
        if stage is None:
            return False
        facts = self.extract.children.get(pid)
        if facts is None:
            return False
        facts.set_court(Fact(stage, source))
        return True

    def _disability(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        facts = self.extract.children.get(t.reader.text(row, n, "person") or "")
        if facts is None:
            return False
        if facts.disabled is None:
            facts.disabled = Fact(True, source)
        return True

    # --- allocations -------------------------------------------------------------------------

    def _involvement(self, t: _Table, row: dict[str, Cell], n: int, source: str) -> bool:
        rd = t.reader
        role = rd.text(row, n, "role")
        key = answer_key(role) if role else ""
        pid, start, is_open = self._open(t, row, n)  # dates read on every row
        if key not in self.allocated and key not in self.co_worker:
            if key not in self.other:
                rd.unknown(n, "role", role or "blank", "not an allocation (add the role to "
                           "allocated_worker_roles or other_roles in the settings)")
            return False
        if not is_open or pid is None:
            if pid is not None:
                self.ended += 1
            return False
        worker = rd.text(row, n, "professional")
        team_id = rd.text(row, n, "team")
        team = self.extract.team_names.get(team_id, team_id) if team_id else None
        if worker is not None and worker not in self.extract.workers:
            self.extract.workers[worker] = WorkerFacts(worker, ids={worker})
        facts = self.extract.child(pid)
        allocation = Allocation(worker, team, source, (0, 0, -start.toordinal() if start else 0),
                                start, None if worker else "blank")
        (facts.allocations if key in self.allocated else facts.co_workers).append(allocation)
        return True

    def _finish(self) -> None:
        """Dates of birth and families for the children the extract holds; loose ends."""
        for cid, facts in self.extract.children.items():
            facts.dob = self.dobs.get(cid)
            facts.family = self.families.get(cid)
            if cid in self.family_clash and facts.statuses:
                self.report.disagree(cid, "family", self.family_clash[cid])
        if self.ended:
            self.report.notes.append(f"ssd_involvements: {self.ended} allocations that ended "
                                     "on or before the date (or start after it) were ignored")
        for cid, facts in sorted(self.extract.children.items()):
            if facts.allocations and not facts.statuses:
                workers = ", ".join(sorted({a.worker or "?" for a in facts.allocations}))
                self.report.disagree(cid, "open involvement", f"allocated to {workers} but no "
                                     "plan, episode or care leaver record is open at the "
                                     "date: not imported")

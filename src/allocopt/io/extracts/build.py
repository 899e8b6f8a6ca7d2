"""From an extract's facts, a roster and an override sheet to the team and caseload files.

Precedence for every score input: the override sheet (or the roster, for a
worker), then the extract, then the default (the domain's, which leaves the
scheme's own defaults to apply). Each value remembers where it came from in its
record's ``sources``, so ``explain`` can show it.

Households: the override sheet's household_id where given, else the SSD family,
else each child is a household of their own and the report says so. Siblings are
never guessed from surnames or addresses.

The output is what ``score``, ``allocate`` and the simulator read: a team file,
a caseload (households with an allocated child) and a waiting list (households
with none: the caseload format with no worker_id), plus the import report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from allocopt.checks import missing_inputs
from allocopt.domain import (
    FULL_TIME_HOURS,
    Assessment,
    AssessmentKind,
    Caseload,
    Child,
    Holding,
    Household,
    Role,
    Status,
    Team,
    TeamType,
    Worker,
)
from allocopt.errors import InputError, from_validation
from allocopt.io.atomic import check_output_folder, output_folder, write_text
from allocopt.io.caseload_writer import write_caseload
from allocopt.io.extracts.facts import (
    SOURCE_RANK,
    Allocation,
    ChildFacts,
    Extract,
    WorkerFacts,
    answer_key,
    child_age,
    name_key,
)
from allocopt.io.extracts.report import (
    REPORT_CSV,
    REPORT_MD,
    ImportReport,
    Unallocated,
    UnknownWait,
    WorkerGap,
    write_report,
)
from allocopt.io.extracts.roster import OverrideRow, Overrides, Roster, RosterEntry, check_dates
from allocopt.io.extracts.settings import ImportSettings
from allocopt.io.schemes import DEFAULT_SCHEME, load_scheme, shipped_names
from allocopt.schemes.model import Scheme

TEAM_FILE = "team.yaml"
CASELOAD_FILE = "caseload.csv"
WAITING_FILE = "waiting.csv"
DEFAULT = "default"

_CHILD_OVERRIDES = ("high_input", "complex", "disabled", "placement_travel", "age")
_HOUSEHOLD_OVERRIDES = ("household_kind", "locality", "travel", "multi_agency", "court",
                        "intervention_level", "care_managed", "co_working", "closes_on",
                        "referred_on", "skills_needed", "previous_workers")


@dataclass(frozen=True)
class ImportOptions:
    """What the user asked for: the date, which team, and the team file's settings."""

    on: date
    team: str | None = None
    team_id: str | None = None
    team_name: str | None = None
    team_type: TeamType = TeamType.LONG_TERM
    scheme: str | None = None


@dataclass
class ImportResult:
    """The team, its caseload and waiting list, and the report."""

    team: Team
    caseload: Caseload
    waiting: Caseload
    extract: Extract
    options: ImportOptions
    written: list[Path] = field(default_factory=list)

    @property
    def report(self) -> ImportReport:
        return self.extract.report


def children_text(n: int) -> str:
    return "1 child" if n == 1 else f"{n} children"


def slug(text: str) -> str:
    """'Jo Bloggs' -> 'jo-bloggs' (an id made from a name)."""
    out = re.sub(r"[^a-z0-9]+", "-", name_key(text)).strip("-")
    return (out or "worker")[:60]


class _Builder:
    def __init__(self, extract: Extract, roster: Roster | None, overrides: Overrides | None,
                 options: ImportOptions, settings: ImportSettings) -> None:
        self.x = extract
        self.report = extract.report
        self.roster = roster
        self.overrides = overrides
        self.options = options
        self.settings = settings
        self.on = options.on
        self.rank = {s: i for i, s in enumerate(settings.status_precedence)}
        self.team_key = answer_key(options.team) if options.team else None
        self.entry_for: dict[str, RosterEntry | None] = {}
        self.ids: dict[int | str, str] = {}  # roster row or extract key -> worker id
        self.used_ids: set[str] = set()
        self.held: Counter[str] = Counter()
        if roster is not None:
            self.used_ids = {e.id for e in roster.entries if e.id}

    # --- workers ----------------------------------------------------------------------------

    def roster_team(self) -> list[RosterEntry]:
        """Roster rows in this team: all, unless --team and the roster has a team column."""
        if self.roster is None:
            return []
        entries = self.roster.entries
        if self.team_key and any(e.team for e in entries):
            return [e for e in entries if e.team is None or answer_key(e.team) == self.team_key]
        return list(entries)

    def entry(self, key: str) -> RosterEntry | None:
        if key not in self.entry_for:
            facts = self.x.workers.get(key) or WorkerFacts(key, ids={key})
            self.entry_for[key] = None if self.roster is None else self.roster.match(facts)
        return self.entry_for[key]

    def worker_id(self, key: str) -> str:
        """The team file id of an extract worker (the roster's id where it has one)."""
        entry = self.entry(key)
        if entry is not None:
            return self.entry_id(entry)
        if key not in self.ids:
            facts = self.x.workers.get(key)
            base = slug(facts.label) if self.x.by_name and facts else key
            self.ids[key] = self._unique(base)
        return self.ids[key]

    def entry_id(self, entry: RosterEntry) -> str:
        """The roster's id, or one made from the roster name when it gives none."""
        if entry.id:
            return entry.id
        if entry.row not in self.ids:
            self.ids[entry.row] = self._unique(slug(entry.name or ""))
        return self.ids[entry.row]

    def _unique(self, base: str) -> str:
        candidate, n = base, 1
        while candidate in self.used_ids:
            n += 1
            candidate = f"{base}-{n}"
        self.used_ids.add(candidate)
        return candidate

    def override_worker(self, row: OverrideRow, column: str) -> str:
        """A worker named in the override sheet, by roster id or name, or by extract name."""
        value = str(row.values[column])
        if self.roster is not None:
            entry = self.roster.by_id(value) or self.roster.by_name(value)
            if entry is not None:
                return self.entry_id(entry)
        for key, facts in self.x.workers.items():
            if key == value or (facts.name and name_key(facts.name.value) == name_key(value)):
                return self.worker_id(key)
        assert self.overrides is not None
        raise InputError(self.overrides.path, "no such worker", row=row.row, field=column,
                         found=value, expected="a worker id or name from the roster")

    # --- children -----------------------------------------------------------------------------

    def status(self, facts: ChildFacts, ov: OverrideRow | None) -> tuple[Status, str] | None:
        current = sorted(facts.statuses, key=lambda s: (self.rank.get(s.status, 99),
                                                        SOURCE_RANK[s.kind], s.source))
        serious = {s.status for s in current if s.status is not Status.CIN}
        if len(serious) > 1:
            shown = "; ".join(f"{s.status.value} ({s.source})" for s in current
                              if s.status is not Status.CIN)
            self.report.disagree(facts.id, "status", f"open at the date as {shown}: counted as "
                                 f"{current[0].status.value}")
        if ov is not None and "status" in ov.values:
            status: Status = ov.values["status"]
            said = f"; the extract says {current[0].status.value}" if current and \
                current[0].status is not status else ""
            return status, ov.source + said
        if not current:
            return None
        return current[0].status, current[0].source

    def allocation(self, facts: ChildFacts) -> tuple[Allocation | None, str | None]:
        """The allocation used (naming a worker) and, if none, why not."""
        if not facts.allocations:
            return None, "no allocated worker in the extract"
        ordered = sorted(facts.allocations, key=lambda a: (a.rank, a.worker or "", a.source))
        named = [a for a in ordered if a.worker is not None]
        workers = {a.worker for a in ordered}
        if len(workers) > 1:
            def show(a: Allocation) -> str:
                who = self.x.workers[a.worker].label if a.worker in self.x.workers else a.worker
                return f"{who or repr(a.marker)} ({a.source})"

            chosen = named[0] if named else ordered[0]
            self.report.disagree(facts.id, "allocated worker",
                                 "; ".join(show(a) for a in ordered) + f": {show(chosen)} used")
        if named:
            return named[0], None
        best = ordered[0]
        marker = best.marker or "blank"
        what = "blank" if marker == "blank" else f"'{marker}'"
        return None, f"worker {what} on {best.source}"

    def in_scope(self, worker: str | None, team: str | None,
                 team_workers: set[str]) -> bool:
        if self.team_key is None:
            return True
        if worker is not None and worker in team_workers:
            return True
        if team is None:
            return False
        return self.team_key in (answer_key(team),
                                 answer_key(self.x.team_names.get(team, team)))

    # --- the whole build -----------------------------------------------------------------------

    def build(self) -> ImportResult:
        x, report, options = self.x, self.report, self.options
        report.team = options.team
        report.names = dict(x.names)
        if self.roster is not None:
            check_dates(self.roster, self.on)
        team_entries = self.roster_team()
        team_worker_ids = {self.entry_id(e) for e in team_entries}
        overrides = self.overrides.rows if self.overrides is not None else {}
        unknown = sorted(set(overrides) - set(x.children))
        if unknown:
            shown = ", ".join(f"{cid} ({overrides[cid].source})" for cid in unknown[:10])
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            report.notes.append(f"the override sheet names {len(unknown)} children not in the "
                                f"extract (ignored): {shown}{more}")

        children: dict[str, Child] = {}
        household_of: dict[str, tuple[str, str]] = {}
        leads: dict[str, tuple[str, Allocation | None, str]] = {}
        seconds: dict[str, tuple[str, str]] = {}
        why_unallocated: dict[str, str] = {}
        closed = 0
        outside: Counter[str] = Counter()
        for cid in sorted(x.children):
            facts = x.children[cid]
            ov = overrides.get(cid)
            found = self.status(facts, ov)
            if found is None:
                closed += 1
                continue
            status, status_source = found
            chosen, why = self.allocation(facts)
            worker_id: str | None = None
            worker_source = ""
            if ov is not None and "worker_id" in ov.values:
                worker_id, worker_source = self.override_worker(ov, "worker_id"), ov.source
            elif chosen is not None and chosen.worker is not None:
                worker_id, worker_source = self.worker_id(chosen.worker), chosen.source
            team = (chosen.team if chosen else None) or next(
                (a.team for a in sorted(facts.allocations, key=lambda a: a.rank) if a.team),
                None) or facts.team_hint
            if not self.in_scope(worker_id, team, team_worker_ids):
                outside[team or "no team recorded"] += 1
                continue
            sources = {"status": status_source}
            child_kw: dict[str, Any] = {"id": cid, "status": status}
            age = child_age(facts, self.on)
            if age is not None:
                child_kw["age"], sources["age"] = age.value, age.source
            if facts.disabled is not None:
                child_kw["disabled"], sources["disabled"] = facts.disabled.value, \
                    facts.disabled.source
            if facts.placement_travel is not None and status is Status.CLA:
                child_kw["placement_travel"] = facts.placement_travel.value
                sources["placement_travel"] = facts.placement_travel.source
            if ov is not None:
                for name in _CHILD_OVERRIDES:
                    if name in ov.values:
                        child_kw[name], sources[name] = ov.values[name], ov.source
                if "child_work_items" in ov.values:
                    child_kw["work_items"] = ov.values["child_work_items"]
                    sources["work_items"] = ov.source
            if worker_id is not None:
                sources["worker_id"] = worker_source
                self.held[worker_id] += 1
                leads[cid] = (worker_id, chosen, worker_source)
            else:
                why_unallocated[cid] = why or "no allocated worker"
            co = self.co_worker(facts, ov)
            if co is not None and co[0] == worker_id:
                report.notes.append(f"child {cid}: the co-worker ({co[1]}) is the lead worker: "
                                    "left out")
            elif co is not None:
                seconds[cid] = co
                sources["co_worker_id"] = co[1]
            child_kw["sources"] = sources
            try:
                children[cid] = Child(**child_kw)
            except ValidationError as e:
                if ov is not None:
                    raise from_validation(e, ov.source.split(" row ")[0], row=ov.row) from None
                raise
            household_of[cid] = self.household_id(facts, ov)
        if closed:
            report.notes.append(f"{children_text(closed)} in the extract had nothing open at "
                                f"{self.on} (closed, ended or ceased): not imported")
        if outside:
            shown = ", ".join(f"{n} of {t}" for t, n in sorted(outside.items()))
            report.notes.append(f"{children_text(sum(outside.values()))} held by other teams "
                                f"left out ({shown})")
        return self.assemble(children, household_of, leads, seconds, why_unallocated,
                             team_entries)

    def co_worker(self, facts: ChildFacts, ov: OverrideRow | None) -> tuple[str, str] | None:
        if ov is not None and "co_worker_id" in ov.values:
            return self.override_worker(ov, "co_worker_id"), ov.source
        named = sorted((a for a in facts.co_workers if a.worker),
                       key=lambda a: (a.rank, a.worker or ""))
        if named and named[0].worker:
            return self.worker_id(named[0].worker), named[0].source
        return None

    def household_id(self, facts: ChildFacts, ov: OverrideRow | None) -> tuple[str, str]:
        if ov is not None and "household_id" in ov.values:
            return str(ov.values["household_id"]), ov.source
        if facts.family is not None:
            return facts.family.value, facts.family.source
        return f"H-{facts.id}", "own household (no household id in the extract or overrides)"

    def assemble(self, children: dict[str, Child], household_of: dict[str, tuple[str, str]],
                 leads: dict[str, tuple[str, Allocation | None, str]],
                 seconds: dict[str, tuple[str, str]], why_unallocated: dict[str, str],
                 team_entries: list[RosterEntry]) -> ImportResult:
        report, x = self.report, self.x
        overrides = self.overrides.rows if self.overrides is not None else {}
        members: dict[str, list[str]] = {}
        for cid in sorted(children):
            members.setdefault(household_of[cid][0], []).append(cid)
        households: list[Household] = []
        holdings: list[Holding] = []
        waiting: list[Household] = []
        own = 0
        for hid in sorted(members):
            ids = members[hid]
            sources: dict[str, str] = {"household_id": household_of[ids[0]][1]}
            if sources["household_id"].startswith("own household"):
                own += 1
            kw: dict[str, Any] = {}
            ratings: dict[str, float] = {}
            facts = [x.children[c] for c in ids]
            court = min((f.court for f in facts if f.court is not None),
                        key=lambda c: _COURT_ORDER.index(c.value), default=None)
            if court is not None:
                kw["court"], sources["court"] = court.value, court.source
            assessment = min((f.assessment for f in facts if f.assessment is not None),
                             key=lambda a: (a.value.kind.value != "s47", a.value.start),
                             default=None)
            if assessment is not None:
                kw["assessment"], sources["assessment"] = assessment.value, assessment.source
            self.household_overrides(hid, [overrides[c] for c in ids if c in overrides], kw,
                                     ratings, sources)
            held = [c for c in ids if c in leads]
            if held:
                by_worker: dict[str, list[str]] = {}
                for c in held:
                    by_worker.setdefault(leads[c][0], []).append(c)
                for worker, cids in by_worker.items():
                    holdings.append(Holding(worker_id=worker, household_id=hid,
                                            child_ids=tuple(cids),
                                            allocated_on=self.allocated_on(cids, leads)))
                co_by_worker: dict[str, list[str]] = {}
                for c in ids:
                    if c in seconds:
                        co_by_worker.setdefault(seconds[c][0], []).append(c)
                for worker, cids in co_by_worker.items():
                    holdings.append(Holding(worker_id=worker, household_id=hid,
                                            child_ids=tuple(cids), role="secondary"))
                for c in ids:
                    if c not in leads:
                        report.unallocated.append(Unallocated(
                            c, hid, children[c].status.value,
                            f"{why_unallocated[c]}; siblings are allocated"))
            else:
                if "referred_on" not in kw:
                    self.waiting_since(hid, facts, kw, sources)
                for c in ids:
                    report.unallocated.append(Unallocated(c, hid, children[c].status.value,
                                                          why_unallocated[c]))
                    if c in seconds:
                        report.notes.append(f"child {c} has a co-worker but no lead worker: "
                                            "the co-worker is left out of the waiting list")
            try:
                household = Household(id=hid, children=tuple(children[c] for c in ids),
                                      ratings=ratings, sources=sources, **kw)
            except ValidationError as e:
                raise from_validation(e, self.overrides.path if self.overrides else x.path,
                                      row=min((overrides[c].row for c in ids if c in overrides),
                                              default=None)) from None
            (households if held else waiting).append(household)

        team = self.team(team_entries)
        report.statuses = dict(sorted(Counter(c.status.value for c in children.values()).items()))
        report.children = len(children)
        report.households = len(members)
        report.own_households = own
        report.allocated_children = len(leads)
        if own:
            where = "ssd_family" if x.kind == "SSD" else "the override sheet's household_id column"
            report.notes.append(f"{children_text(own)} with no household id: each is a household "
                                f"of their own (siblings are grouped only by {where}, never "
                                "guessed)")
        caseload = Caseload(households=tuple(households), holdings=tuple(holdings))
        return ImportResult(team, caseload, Caseload(households=tuple(waiting)), x, self.options)

    def waiting_since(self, hid: str, facts: list[ChildFacts], kw: dict[str, Any],
                      sources: dict[str, str]) -> None:
        """The waiting household's referral date: the current episode's, or unknown.

        An episode open for years with nobody allocated has lost its worker at some
        date the extract does not give; its start is not when the wait began.
        """
        referred = [f.referred_on for f in facts if f.referred_on is not None]
        if referred:
            kw["referred_on"] = min(referred)
            sources["referred_on"] = "referral of the current episode in the extract"
            return
        starts = [f.episode_start for f in facts if f.episode_start is not None]
        detail = "the extract gives no referral date for the current episode"
        if starts:
            detail += f" (an episode open since {min(starts)}, with no worker now)"
        sources["referred_on"] = "unknown: " + detail
        self.report.unknown_waits.append(UnknownWait(hid, detail))

    def allocated_on(self, cids: list[str],
                     leads: dict[str, tuple[str, Allocation | None, str]]) -> date | None:
        dates = []
        for c in cids:
            ov = self.overrides.get(c) if self.overrides else None
            if ov is not None and "allocated_on" in ov.values:
                dates.append(ov.values["allocated_on"])
            else:
                chosen = leads[c][1]
                if chosen is not None and chosen.start is not None:
                    dates.append(chosen.start)
        return max(dates) if dates else None

    def household_overrides(self, hid: str, rows: list[OverrideRow], kw: dict[str, Any],
                            ratings: dict[str, float], sources: dict[str, str]) -> None:
        chosen: dict[str, tuple[Any, OverrideRow]] = {}
        for row in rows:
            values = dict(row.values)
            if row.court_cleared:
                values["court"] = None
            if "assessment_start" in values:
                values["assessment"] = Assessment(
                    kind=values.get("assessment_kind", AssessmentKind.SINGLE),
                    start=values["assessment_start"],
                    completed=values.get("assessment_completed"))
            if "household_work_items" in values:
                values["work_items"] = values["household_work_items"]
            for rating, points in row.ratings.items():
                values["rating_" + rating] = points
            for name, value in values.items():
                if name not in _HOUSEHOLD_OVERRIDES and name not in ("assessment", "work_items") \
                        and not name.startswith("rating_"):
                    continue
                if name in chosen and chosen[name][0] != value:
                    first = chosen[name][1]
                    self.report.notes.append(
                        f"household {hid}: the override sheet gives {name} as {value!r} on "
                        f"row {row.row} and {chosen[name][0]!r} on row {first.row}: row "
                        f"{first.row} used")
                    continue
                chosen.setdefault(name, (value, row))
        for name, (value, row) in chosen.items():
            if name.startswith("rating_"):
                ratings[name[len("rating_"):]] = value
            elif value is None:
                kw.pop(name, None)
            else:
                kw[name] = value
            sources[name] = row.source

    def team(self, team_entries: list[RosterEntry]) -> Team:
        x, report, options = self.x, self.report, self.options
        workers: list[Worker] = []
        done: set[str] = set()
        entries_by_id = {}
        if self.roster is not None:
            for e in self.roster.entries:
                entries_by_id[self.entry_id(e)] = e
        extract_for: dict[str, WorkerFacts] = {}
        for key, facts in x.workers.items():
            entry = self.entry(key)
            if entry is not None:
                extract_for.setdefault(self.entry_id(entry), facts)
            elif key in self.ids:
                extract_for.setdefault(self.ids[key], facts)
        order = [self.entry_id(e) for e in team_entries]
        order += [wid for wid in (self.entry_id(e) for e in (self.roster.entries if self.roster
                                                              else []))
                  if self.held.get(wid) and wid not in order]
        extra = sorted((wid for wid in self.held if wid not in order),
                       key=lambda w: (extract_for[w].label if w in extract_for else w))
        for wid in order + extra:
            if wid in done:
                continue
            done.add(wid)
            entry = entries_by_id.get(wid)
            workers.append(self.worker(wid, entry, extract_for.get(wid)))
            held = self.held.get(wid, 0)
            if entry is None:
                known = extract_for.get(wid)
                label = known.label if known else wid
                report.not_in_roster.append(WorkerGap(
                    label, held, f"added as {wid} with defaults: add them to the roster with "
                    "their qualification date and hours"))
            elif held == 0:
                report.not_in_extract.append(WorkerGap(
                    entry.name or wid, 0, "in the roster; holds no children in the extract"))
            elif entry not in team_entries:
                report.notes.append(f"{wid} is in another team in the roster but holds "
                                    f"{held} of this team's children")
        if not workers:
            raise InputError(x.path, "no workers: nobody in the extract holds a child of this "
                             "team and the roster lists nobody", expected="a roster, or a team "
                             "name (--team) as the extract writes it")
        name = options.team_name or options.team or f"Imported from {x.kind}"
        team_id = options.team_id or slug(options.team or name)
        try:
            return Team(id=team_id, name=name, type=options.team_type, workers=tuple(workers))
        except ValidationError as e:
            raise from_validation(e, self.roster.path if self.roster else x.path) from None

    def worker(self, wid: str, entry: RosterEntry | None, facts: WorkerFacts | None) -> Worker:
        kw: dict[str, Any] = {"id": wid}
        sources: dict[str, str] = {}
        if entry is not None:
            sources["id"] = entry.source
            for name, value in entry.fields.items():
                kw[name] = value
                sources[name] = entry.source
            if entry.name:
                kw["name"], sources["name"] = entry.name, entry.source
        if facts is not None:
            if "name" not in kw and facts.name is not None:
                kw["name"], sources["name"] = facts.name.value, facts.name.source
            if "role" not in kw and facts.role is not None:
                kw["role"], sources["role"] = facts.role.value, facts.role.source
            if "agency" not in kw and facts.agency is not None:
                kw["agency"], sources["agency"] = facts.agency.value, facts.agency.source
            if facts.fte is not None:
                hours = round(facts.fte.value * FULL_TIME_HOURS, 2)
                if "contracted_hours" not in kw:
                    kw["contracted_hours"] = hours
                    sources["contracted_hours"] = f"{facts.fte.source}, FTE {facts.fte.value:g}"
                elif abs(kw["contracted_hours"] - hours) > 0.37:
                    self.report.notes.append(
                        f"{wid}: the roster says {kw['contracted_hours']:g} hours, "
                        f"{facts.fte.source} says FTE {facts.fte.value:g}: the roster is used")
        if "role" not in kw:
            sources["role"] = f"{DEFAULT}: {Role.SOCIAL_WORKER.value}"
        if "contracted_hours" not in kw:
            sources["contracted_hours"] = f"{DEFAULT}: full time (no FTE recorded)"
            self.report.missing_fte.append(f"{wid} ({kw.get('name') or 'no name'})")
        if "qualified_on" not in kw and "started_on" not in kw:
            sources["qualified_on"] = "not recorded: experience counts from 0 months " \
                "(add it to the roster)"
        kw["sources"] = sources
        try:
            return Worker(**kw)
        except ValidationError as e:
            if entry is not None and self.roster is not None:
                raise from_validation(e, self.roster.path, row=entry.row) from None
            raise from_validation(e, self.x.path) from None


_COURT_ORDER = ("care_proceedings", "plo", "private_proceedings", "sgo")


def build_import(extract: Extract, roster: Roster | None, overrides: Overrides | None,
                 options: ImportOptions, settings: ImportSettings | None = None) -> ImportResult:
    """Apply the roster and override sheet to an extract's facts: team, caseload, waiting."""
    return _Builder(extract, roster, overrides, options, settings or ImportSettings()).build()


# --- writing ----------------------------------------------------------------------------------

_DATE_KEYS = {"qualified_on", "started_on", "leaving_on", "start", "end"}


def _plain_dates(value: Any, key: str | None = None) -> Any:
    """ISO date strings back to dates, so YAML writes them unquoted like a person would."""
    if isinstance(value, dict):
        return {k: v if k == "sources" else _plain_dates(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_dates(v, key) for v in value]
    if key in _DATE_KEYS and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def team_yaml(result: ImportResult, caseload: str | None, waiting: str | None) -> str:
    """The team file for an import (YAML that read_team reads back)."""
    team, x, options = result.team, result.extract, result.options
    data: dict[str, Any] = {
        "team": {"id": team.id, "name": team.name, "type": team.type.value},
    }
    if options.scheme:
        data["scheme"] = options.scheme
    data["as_of"] = options.on
    if caseload:
        data["caseload"] = caseload
    if waiting:
        data["waiting"] = waiting
    data["workers"] = [_plain_dates(w.model_dump(mode="json", exclude_defaults=True))
                       for w in team.workers]
    head = (f"# Imported by allocopt from the {x.kind} {x.path.name} at {options.on}.\n"
            "# Change the roster or the override sheet and import again rather than editing\n"
            "# this file; 'sources' says where each value came from.\n")
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_import(result: ImportResult, out: Path, show_names: bool = False,
                 force: bool = False, inputs: Sequence[Path] = ()) -> list[Path]:
    """Write team.yaml, caseload.csv, waiting.csv and the report as the folder `out`.

    The folder is written whole (see :func:`allocopt.io.atomic.output_folder`): an
    existing folder holding other files (a hand-edited team.yaml from an earlier
    import) is replaced only with `force`, and never when it holds one of `inputs`.
    """
    names = [TEAM_FILE]
    caseload = CASELOAD_FILE if result.caseload.households else None
    waiting = WAITING_FILE if result.waiting.households else None
    if caseload is None:
        result.report.notes.append("no child is allocated to a worker of this team: there is "
                                   "no caseload to score")
    names += [n for n in (caseload, waiting) if n] + [REPORT_MD, REPORT_CSV]
    result.report.written = [str(out / n) for n in names]
    with output_folder(out, "import", force=force, inputs=inputs, ask=True) as folder:
        if caseload:
            write_caseload(result.caseload, folder / caseload)
        if waiting:
            write_caseload(result.waiting, folder / waiting)
        write_text(folder / TEAM_FILE, team_yaml(result, caseload, waiting))
        write_report(result.report, folder, show_names)
    result.written = [out / n for n in names]
    return result.written


def run_import(kind: str, source: Path, out: Path, options: ImportOptions, *,
               roster: Path | None = None, overrides: Path | None = None,
               settings: Path | ImportSettings | None = None,
               show_names: bool = False, scheme: Scheme | None = None,
               force: bool = False) -> ImportResult:
    """Read an Annex A workbook (kind 'annex-a') or SSD folder ('ssd'), the roster and the
    override sheet; write the team, caseload, waiting list and report as the folder `out`
    (an existing folder of other files only with `force`).

    `scheme` is the team's scheme (default: the shipped one `options.scheme` names, else
    the default scheme); the report says which of its inputs most cases lack.
    """
    from allocopt.io.extracts.annex_a import read_annex_a
    from allocopt.io.extracts.roster import read_overrides, read_roster
    from allocopt.io.extracts.settings import read_settings
    from allocopt.io.extracts.ssd import read_ssd

    inputs = [p for p in (source, roster, overrides, settings) if isinstance(p, Path)]
    check_output_folder(out, "import", force, inputs, ask=True)  # before reading, not after
    chosen = settings if isinstance(settings, ImportSettings) else read_settings(settings)
    the_roster = read_roster(roster) if roster is not None else None
    the_overrides = read_overrides(overrides) if overrides is not None else None
    if kind == "annex-a":
        extract = read_annex_a(source, options.on, chosen)
    elif kind == "ssd":
        extract = read_ssd(source, options.on, chosen)
    else:
        raise ValueError(f"unknown extract kind {kind!r}")
    result = build_import(extract, the_roster, the_overrides, options, chosen)
    if scheme is None:
        shipped = options.scheme in shipped_names()
        scheme = load_scheme(options.scheme if shipped and options.scheme else DEFAULT_SCHEME)
    result.report.missing_inputs = [
        m.message("the override sheet") for m in missing_inputs(scheme, result.caseload.households)]
    write_import(result, out, show_names, force, inputs)
    return result

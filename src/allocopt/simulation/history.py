"""A simulated service's case and staff histories up to a date.

Runs one replication of a scenario until a date and keeps, for every household, the
dated steps of its journey (referral, assessment or S47 start, initial conference,
each status, closure), who held it on that date and whether it was waiting; and for
every worker, when they started and left. The extract writers turn this into an
Annex A workbook or an SSD folder, so calibration can be tested against a service
whose true figures are known.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from allocopt.domain import Role
from allocopt.simulation.scenario import Scenario


@dataclass(frozen=True)
class CaseHistory:
    """One referral of a family: its children, steps and state at the date."""

    household: str
    family: str
    team: str
    children: int
    s47: bool
    steps: tuple[tuple[date, str], ...]
    initial: bool  # already held on the first day (its first step began before)
    worker: str | None  # who held it on the date
    waiting: bool  # on the waiting list on the date
    status: str | None  # assessment, CIN, CP or CLA on the date; None once closed
    holds: tuple[tuple[date, str, date | None], ...] = ()  # who held it: from, worker, until

    def child_ids(self) -> list[str]:
        return [f"{self.family}-{k + 1}" for k in range(self.children)]


@dataclass(frozen=True)
class StaffHistory:
    """One worker's time in post."""

    worker: str
    team: str
    role: Role
    started: date
    ended: date | None
    agency: bool
    first_day: bool  # in post on the first day (started before)
    qualified_on: date | None
    experience_from: date | None
    hours: float


@dataclass(frozen=True)
class ServiceHistory:
    """Everything a simulated service did from its start to `on`."""

    start: date
    on: date
    cases: tuple[CaseHistory, ...]
    staff: tuple[StaffHistory, ...]

    def at(self, on: date) -> ServiceHistory:
        """The history as it stood at the start of `on` (an earlier extract's date)."""
        if on >= self.on:
            return self
        cases = []
        for c in self.cases:
            steps = tuple((d, what) for d, what in c.steps if d < on)
            if not steps:
                continue
            holds = tuple((a, w, None if b is None or b >= on else b)
                          for a, w, b in c.holds if a < on)
            worker = holds[-1][1] if holds and holds[-1][2] is None else None
            last = next(w for _, w in reversed(steps) if w != "ICPC")
            closed = last == "close"
            status = None if closed else last if last in ("CIN", "CP", "CLA") \
                else "assessment"  # referred and waiting, or being assessed
            cases.append(replace(c, steps=steps, holds=holds, worker=worker,
                                 waiting=not closed and worker is None, status=status))
        staff = tuple(replace(s, ended=None if s.ended is None or s.ended >= on else s.ended)
                      for s in self.staff if s.started < on or s.first_day)
        return ServiceHistory(self.start, on, tuple(cases), staff)


def simulate_history(scenario: Scenario, on: date, seed: int = 1, replication: int = 0,
                     policy_name: str | None = None) -> ServiceHistory:
    """Run replication `replication` of `scenario` until `on` (after its start)."""
    from allocopt.simulation.model import Service
    from allocopt.simulation.runner import make_allocator
    from allocopt.simulation.streams import Streams

    if on <= scenario.start:
        raise ValueError(f"the date {on} is not after the scenario's start {scenario.start}")
    weeks = (on - scenario.start).days // 7 + 1
    run = scenario.model_copy(update={"weeks": weeks, "warmup_weeks": 0})
    name = policy_name or scenario.allocation.allocator
    service = Service(run, make_allocator(name), Streams(seed, replication), replication,
                      duty_allocator=make_allocator("greedy"))
    service.start()
    service.env.run(until=service.t_of(on))
    cases = []
    for hh in service._all_households:
        status = None if hh.closed is not None else hh.status
        cases.append(CaseHistory(
            hh.sid, hh.family, hh.team.id, hh.children, hh.s47,
            tuple((service.date_at(t), what) for t, what in hh.steps),
            hh.sid.startswith("I"), hh.worker.id if hh.worker is not None else None,
            hh.closed is None and hh.worker is None, status,
            tuple((service.date_at(a), wid, None if b is None else service.date_at(b))
                  for a, wid, b in hh.holds)))
    staff = []
    seen: set[str] = set()
    for row in service.worker_rows:  # those who left
        seen.add(row.worker)
    people = {w.id: w for team in service.teams for w in team.workers}
    for row in service.worker_rows:
        staff.append(StaffHistory(row.worker, row.team, Role(row.role), row.started, row.ended,
                                  row.agency, row.started <= scenario.start, None, None, 37.0))
    for wid, w in people.items():
        if wid in seen:
            continue
        staff.append(StaffHistory(wid, w.team.id, w.person.role, service.date_at(w.started),
                                  None, w.agency, w.started <= 0, w.person.qualified_on,
                                  w.person.started_on, w.person.contracted_hours))
    return ServiceHistory(scenario.start, on, tuple(cases), tuple(staff))

"""The children's service as a SimPy model.

Each process reads as the part of the service it models:

- :meth:`Service.referrals`: households are referred, day by day, at the
  scenario's rate (seasonality, trend and shocks), and join their team's
  waiting list;
- :meth:`Service.pathway`: once a worker is allocated, the assessment runs (up
  to 40 working days); its outcome is no further action, CIN, CP or care;
  statuses then move on (CIN to CP, CP step-down to CIN, CP to care, closure)
  after their durations, with care proceedings alongside. Every status change
  re-scores the household through the scheme (cached by state);
- :meth:`Service.meetings`: each team's weekly allocation meeting puts its
  whole waiting list to the allocation policy (greedy or CP-SAT); what cannot
  be allocated safely waits and is escalated; high-risk tiers can also be
  allocated each working day by duty;
- :meth:`Service.post`: a post is held until its holder resigns (annual
  turnover), works their notice, and leaves (their cases go back to waiting);
  the vacancy is covered by agency staff where found and filled by a recruit;
- :meth:`Service.sickness`, :meth:`Service.leave`, :meth:`Service.progression`:
  absence, and experience rising through the bands (benchmarks rise, the NQSW
  CP protection ends);
- dated changes: NQSW cohorts, staffing cuts, benchmark changes;
- :meth:`Service.census`: the weekly snapshot behind every table and plot.

Loads are kept incrementally; a household is scored only when its state
changes. The allocation problem for a meeting is built from this running state
directly, and every decision is checked by the allocation module's independent
validator, through the gate every front end uses (breaches are counted, repaired
by solving again or never acted on; there should be none).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Generator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import simpy

from allocopt.allocation.exact import FINEST, room_in_band
from allocopt.allocation.gate import RuleBreach, gate
from allocopt.allocation.problem import (
    AllocationProblem,
    Allocator,
    Policy,
    WaitingHousehold,
    WorkerState,
    waiting_household,
)
from allocopt.capacity import capacity, cp_protected, load_pct, rag_band
from allocopt.domain import (
    QUALIFIED_ROLES,
    Assessment,
    AssessmentKind,
    Child,
    CourtStage,
    Duty,
    Household,
    InterventionLevel,
    Role,
    Status,
    TeamType,
    Worker,
)
from allocopt.schemes.model import CountCap, Scheme
from allocopt.simulation.records import (
    SERVICE,
    AllocationRow,
    EventRow,
    HouseholdRow,
    WeekRow,
    WorkerRow,
    WorkerWeekRow,
)
from allocopt.simulation.scenario import (
    WEEKDAYS,
    Scenario,
    StaffGroup,
    add_months,
    scheme_with_benchmarks,
)
from allocopt.simulation.streams import Streams
from allocopt.working_days import WorkingDayClock

Process = Generator[simpy.Event, Any, None]

MEETING_HOUR = 9 / 24
"""Meetings and duty allocation happen at 9 in the morning."""



CHILD_STATUS = {"assessment": Status.CIN, "CIN": Status.CIN, "CP": Status.CP, "CLA": Status.CLA}
"""A child's legal status in each pathway state (under assessment counts as in need)."""


# ----------------------------------------------------------------- the cases


@dataclass(frozen=True, slots=True)
class CaseState:
    """A household in one state, scored once through the scheme."""

    template: WaitingHousehold
    points: float
    status: Status
    children: int

    @property
    def tier_name(self) -> str:
        return self.template.tier_name


class PointsBook:
    """Points and priority of a household by (children, status, S47, court), cached.

    Households that look alike to the scheme score alike, so each state is scored
    once with :func:`allocopt.schemes.scoring.score_case` (through the allocation
    module's :func:`waiting_household`) and reused.
    """

    def __init__(self, scheme: Scheme, policy: Policy, scenario: Scenario, on: date) -> None:
        self.scheme = scheme
        self.policy = policy
        self.on = on
        pathway = scenario.pathway
        self.levels: dict[str, InterventionLevel] = {"assessment": pathway.assessment.intervention}
        for status, spell in pathway.statuses.items():
            self.levels[status] = spell.intervention
        self._cache: dict[tuple[int, str, bool, bool], CaseState] = {}

    def get(self, children: int, status: str, s47: bool, court: bool) -> CaseState:
        key = (children, status, s47, court)
        state = self._cache.get(key)
        if state is None:
            state = self._score(*key)
            self._cache[key] = state
        return state

    def _score(self, children: int, status: str, s47: bool, court: bool) -> CaseState:
        child_status = CHILD_STATUS[status]
        household = Household(
            id="H",
            children=tuple(Child(id=f"C{i}", status=child_status) for i in range(children)),
            court=CourtStage.CARE_PROCEEDINGS if court else None,
            assessment=Assessment(kind=AssessmentKind.S47 if s47 else AssessmentKind.SINGLE,
                                  start=self.on) if status == "assessment" else None,
            intervention_level=self.levels.get(status, InterventionLevel.MEDIUM),
        )
        template = waiting_household(self.scheme, self.policy, household, self.on)
        return CaseState(template, template.points, child_status, children)


class SimHousehold:
    """A referred family, its state, and who holds it."""

    __slots__ = (
        "case",
        "children",
        "closed",
        "conference",
        "court",
        "family",
        "first_allocated",
        "generation",
        "held_days",
        "held_since",
        "holds",
        "key",
        "path",
        "referred",
        "rng",
        "s47",
        "sid",
        "started",
        "status",
        "steps",
        "team",
        "wait_reason",
        "waiting_since",
        "worker",
    )

    def __init__(self, key: int, sid: str, team: SimTeam, children: int, s47: bool,
                 rng: np.random.Generator) -> None:
        self.key = key
        self.sid = sid
        self.team = team
        self.children = children
        self.s47 = s47
        self.rng = rng
        self.status = "assessment"
        self.court = False
        self.case: CaseState
        self.worker: SimWorker | None = None
        self.referred: float | None = None
        self.first_allocated: float | None = None
        self.started = False  # the pathway (assessment onwards) is under way
        self.waiting_since = 0.0
        self.wait_reason = "referral"
        self.closed: float | None = None
        self.held_since = 0.0
        self.held_days = 0.0
        self.path: list[str] = []
        # The family (the first referral's id) and which referral of it this is: a
        # closed case referred again is a new household of the same family.
        self.family = sid
        self.generation = 0
        self.conference = False
        # (time, what): referral, assessment or S47 start, ICPC, each status, close.
        self.steps: list[tuple[float, str]] = []
        # Who held it when: [from, worker id, until or None].
        self.holds: list[list[Any]] = []


# --------------------------------------------------------------- the people


class SimWorker:
    """A worker in a post: capacity, running load and counts, absences."""

    __slots__ = (
        "absent",
        "agency",
        "band",
        "band_days",
        "band_name",
        "benchmark",
        "by_status",
        "caps",
        "children",
        "cla_children",
        "closing_load",
        "cp_households",
        "cp_protected",
        "duty_load",
        "ended",
        "fte",
        "household_days",
        "households",
        "id",
        "last",
        "leave",
        "leaving_at",
        "left",
        "load",
        "months_at_start",
        "months_cache",
        "nqsw",
        "nqsw_at_start",
        "peak_pct",
        "person",
        "post",
        "room",
        "started",
        "state",
        "team",
        "version",
    )

    def __init__(self, wid: str, person: Worker, post: Post, started: float, bands: int) -> None:
        self.id = wid
        self.person = person
        self.post = post
        self.team = post.team
        self.agency = person.agency
        self.started = started
        self.ended: float | None = None
        self.left = False
        self.fte = person.fte
        self.benchmark = 0.0
        self.duty_load = 0.0
        self.band_name = ""
        self.nqsw = False
        self.nqsw_at_start = False
        self.months_at_start = 0
        self.cp_protected = False
        self.caps: tuple[CountCap, ...] = ()
        self.households: dict[int, SimHousehold] = {}
        self.load = 0.0
        self.closing_load = 0.0
        self.by_status: dict[Status, int] = {}
        self.children = 0
        self.cp_households = 0
        self.cla_children = 0
        self.leave: list[tuple[float, float]] = []
        self.absent = False
        self.leaving_at: float | None = None
        self.band = 0
        self.band_days = [0.0] * bands
        self.household_days = 0.0
        self.last = started
        self.peak_pct = 0.0
        self.months_cache: tuple[date, date, int] | None = None
        self.version = 0  # bumped by every change the allocation can see
        self.state: tuple[tuple[int, str | None, int], WorkerState] | None = None
        self.room: tuple[int, int | None] | None = None  # (version, room in the ceiling band)

    def months_on(self, on: date) -> int:
        """Completed months of practice on `on` (worked out once a month: time runs forward)."""
        cache = self.months_cache
        if cache is not None and cache[0] <= on < cache[1]:
            return cache[2]
        months = self.person.experience_months(on)
        since = self.person.qualified_on or self.person.started_on
        until = date.max if since is None else add_months(since, months + 1)
        self.months_cache = (on, until, months)
        return months

    @property
    def total_load(self) -> float:
        return self.load + self.closing_load + self.duty_load


class Post:
    """A case-holding post in a team, held, vacant or covered by agency staff."""

    __slots__ = ("cover", "holder", "key", "occupants", "process", "rng", "team", "vacant_since")

    def __init__(self, key: tuple[int, ...], team: SimTeam, rng: np.random.Generator) -> None:
        self.key = key
        self.team = team
        self.rng = rng
        self.holder: SimWorker | None = None
        self.vacant_since: float | None = None
        self.occupants = 0
        self.process: simpy.Process | None = None
        self.cover: bool | None = None  # agency cover decided on the first day

    @property
    def vacant(self) -> bool:
        """Vacant for the establishment: empty, or covered by agency staff."""
        return self.holder is None or self.holder.agency


class SimTeam:
    """A team: its posts, workers in post, waiting list, and this week's counters."""

    def __init__(self, index: int, tid: str, team_type: TeamType, env: simpy.Environment) -> None:
        self.index = index
        self.id = tid
        self.type = team_type
        self.posts: list[Post] = []
        self.workers: list[SimWorker] = []
        self.waiting: dict[int, SimHousehold] = {}
        self.wake = env.event()
        self.version = 0
        # What the last meeting that could place nothing was asked; see Service.meeting.
        self.futile: tuple[int, tuple[str | None, ...], tuple[tuple[int, int], ...]] | None = None
        self.counters = dict.fromkeys(
            ("referrals", "allocations", "closures", "leavers", "starters", "escalations"), 0)


@dataclass(frozen=True, slots=True)
class Outputs:
    """The records a run produced (the runner adds its summary)."""

    week_rows: tuple[WeekRow, ...]
    worker_weeks: tuple[WorkerWeekRow, ...]
    allocations: tuple[AllocationRow, ...]
    households: tuple[HouseholdRow, ...]
    workers: tuple[WorkerRow, ...]
    events: tuple[EventRow, ...]
    bands: tuple[str, ...]
    teams: tuple[str, ...]


# ---------------------------------------------------------------- the service


class Service:
    """One replication of a scenario: build with the allocator and streams, then :meth:`run`."""

    def __init__(self, scenario: Scenario, allocator: Allocator, streams: Streams,
                 replication: int = 0, duty_allocator: Allocator | None = None) -> None:
        self.scenario = scenario
        self.allocator = allocator
        self.duty_allocator = duty_allocator or allocator
        self.streams = streams
        self.replication = replication
        self.env = simpy.Environment()
        self.scheme = scenario.effective_scheme()
        self.policy = scenario.allocation.policy
        self.origin = scenario.start - timedelta(weeks=scenario.warmup_weeks)
        self.clock = WorkingDayClock(self.origin)
        self.t0 = float(scenario.warmup_weeks * 7)
        self.t_end = self.t0 + scenario.weeks * 7
        self.book = PointsBook(self.scheme, self.policy, scenario, scenario.start)
        self.bands = tuple(b.name for b in self.scheme.rag)
        self.band_index = {name: i for i, name in enumerate(self.bands)}
        self.top_band = len(self.bands) - 1
        alloc = scenario.allocation
        self.high_risk = frozenset(alloc.high_risk_tiers)
        self.daily_tiers = frozenset(alloc.daily_tiers)
        self.duty_tiers = frozenset(alloc.duty_cover.tiers) if alloc.duty_cover else frozenset()
        self.continuous = alloc.meetings == "continuous"
        self.teams = [
            SimTeam(i, tid, spec.type, self.env)
            for i, (tid, spec) in enumerate(
                (tid, spec) for spec in scenario.workforce.teams for tid in spec.ids())
        ]
        self.team_by_id = {t.id: t for t in self.teams}
        self.referred = 0
        self.worker_count = 0
        # Records are kept from the end of the warm-up (the census switches this on).
        self.observing = False
        self.week_rows: list[WeekRow] = []
        self.worker_weeks: list[WorkerWeekRow] = []
        self.allocation_rows: list[AllocationRow] = []
        self.household_rows: list[HouseholdRow] = []
        self.worker_rows: list[WorkerRow] = []
        self.events: list[EventRow] = []
        self._all_households: list[SimHousehold] = []
        self.household_count = 0
        self._dates: dict[int, date] = {}
        self._sizes = list(scenario.referrals.children)
        self._size_shares = [scenario.referrals.children[n] for n in self._sizes]
        self._team_cumulative = self._referral_shares()

    # ------------------------------------------------------------ time

    def date_at(self, t: float) -> date:
        day = math.floor(t + 1e-9)
        found = self._dates.get(day)
        if found is None:
            found = self._dates[day] = self.origin + timedelta(days=day)
        return found

    def t_of(self, d: date) -> float:
        return float((d - self.origin).days)

    def weekday(self, day: int) -> int:
        return (self.origin.weekday() + day) % 7

    def working_days(self, t0: float, t1: float) -> float:
        """Working time (Monday to Friday except bank holidays, in days) between two moments."""
        return self.clock.between(t0, t1)

    def event(self, kind: str, team: SimTeam | None, worker: SimWorker | None = None,
              household: SimHousehold | None = None, count: int = 1, detail: str = "") -> None:
        if not self.observing:
            return
        now = self.env.now
        self.events.append(EventRow(
            self.replication, round(now - self.t0, 6), self.date_at(now), kind,
            team.id if team else "", worker.id if worker else "",
            household.sid if household else "", count, detail))

    # ------------------------------------------------------------ running

    def run(self) -> Outputs:
        """Simulate the warm-up and the reported weeks; return the records."""
        census = self.start()
        self.env.run(until=census)
        return self.finish()

    def start(self) -> simpy.Process:
        """Set up the first day and every process; returns the census, which ends the run."""
        self.build_workforce()
        self.build_caseloads()
        self.env.process(self.referrals())
        if self.scenario.pathway.rereferral is not None:
            self.env.process(self.pending_rereferrals())
        if self.scheme.closure_keeps_month:
            self.env.process(self.month_ends())
        if self.continuous:
            for team in self.teams:
                self.env.process(self.allocating(team))
        else:
            self.env.process(self.meetings())
        for i, cohort in enumerate(self.scenario.workforce.cohorts):
            self.env.process(self.cohort(i, cohort.date_from(self.scenario.start),
                                         cohort.count, cohort.team, cohort.role))
        for cut in self.scenario.workforce.cuts:
            self.env.process(self.cut(cut.date_from(self.scenario.start), cut.posts, cut.team))
        for change in self.scenario.benchmark_changes:
            self.env.process(self.benchmark_change(change.date_from(self.scenario.start),
                                                   change.benchmarks))
        return self.env.process(self.census())

    # ---------------------------------------------------------- referrals

    def _referral_shares(self) -> list[float]:
        shares = self.scenario.referrals.team_shares
        posts = {tid: spec.posts for spec in self.scenario.workforce.teams for tid in spec.ids()}
        weights = [shares.get(t.id, 0.0) if shares is not None else posts[t.id]
                   for t in self.teams]
        total = sum(weights)
        cumulative, running = [], 0.0
        for w in weights:
            running += w / total
            cumulative.append(running)
        cumulative[-1] = 1.0
        return cumulative

    def referral_rate(self, day: int) -> float:
        """Households referred per day on `day` (days since the warm-up began)."""
        ref = self.scenario.referrals
        weekday = self.weekday(day)
        # Weekday-only referrals arrive over five days a week instead of seven.
        rate = (ref.rate / 5 if weekday < 5 else 0.0) if ref.weekdays_only else ref.rate / 7
        if rate <= 0:
            return 0.0
        on = self.date_at(day)
        if ref.seasonality is not None:
            mean = sum(ref.seasonality) / 12
            rate *= ref.seasonality[on.month - 1] / mean
        if ref.trend:
            rate *= (1 + ref.trend) ** ((day - self.t0) / 365.25)
        for shock in ref.shocks:
            begins = self.t_of(shock.date_from(self.scenario.start))
            if day < begins:
                continue
            months = (day - begins) / (365.25 / 12)
            if shock.lasts_months is not None and months >= shock.lasts_months:
                continue
            reach = 1.0 if shock.ramp_months == 0 else min(1.0, months / shock.ramp_months)
            rate *= 1 + shock.change * reach
        return rate

    def referrals(self) -> Process:
        """Households arrive each day at that day's rate (a Poisson process by default)."""
        rng = self.streams.arrivals()
        poisson = self.scenario.referrals.arrivals == "poisson"
        day = 0
        while True:
            rate = self.referral_rate(day)
            end = day + 1.0
            while rate > 0:
                gap = float(rng.exponential(1 / rate)) if poisson else 1 / rate
                if self.env.now + gap >= end:
                    break
                yield self.env.timeout(gap)
                team = self.teams[bisect.bisect_left(self._team_cumulative, rng.random())]
                self.refer(team)
            yield self.env.timeout(max(end - self.env.now, 0.0))
            day += 1

    def pending_rereferrals(self) -> Process:
        """Cases closed in the year before the first day come back too (no empty office).

        In a steady state cases close as fast as they are referred, at rate / (1 - share)
        a week; each comes back with the re-referral share at a time drawn evenly in the
        following `within_weeks`. Those still to come back on the first day arrive at a
        rate falling linearly to nothing over `within_weeks`.
        """
        again = self.scenario.pathway.rereferral
        assert again is not None
        if again.share <= 0 or again.share >= 1:
            return
        rng = self.streams.pending(0)
        closing = self.scenario.referrals.rate / (1 - again.share)  # a week
        span = again.within_weeks * 7
        count = int(rng.poisson(again.share * closing * again.within_weeks / 2))
        times = sorted(span * (1 - math.sqrt(rng.random())) for _ in range(count))
        for k, at in enumerate(times):
            yield self.env.timeout(max(at - self.env.now, 0.0))
            team = self.teams[bisect.bisect_left(self._team_cumulative, rng.random())]
            hh = self.new_household(f"P{k:05d}", team, self.streams.pending(1, k))
            self._referred(hh)

    def refer(self, team: SimTeam) -> None:
        """A household is referred: its pathway starts, and it waits for allocation."""
        number = self.referred
        self.referred += 1
        rng = self.streams.household(number)
        hh = self.new_household(f"H{number:06d}", team, rng)
        self._referred(hh)

    def _referred(self, hh: SimHousehold) -> None:
        hh.referred = self.env.now
        hh.steps.append((self.env.now, "referral"))
        if self.observing:
            hh.team.counters["referrals"] += 1
        self._all_households.append(hh)
        self.to_waiting(hh, "referral")

    def rereferred(self, old: SimHousehold, delay: float) -> Process:
        """A closed case comes back: the same family is referred again after `delay` days."""
        yield self.env.timeout(delay)
        rng = self.streams.rereferral(old.key)
        s47 = bool(rng.random() < self.scenario.pathway.assessment.s47_share)
        self.household_count += 1
        hh = SimHousehold(self.household_count, f"{old.family}.{old.generation + 1}", old.team,
                          old.children, s47, rng)
        hh.family, hh.generation = old.family, old.generation + 1
        hh.case = self.book.get(hh.children, "assessment", s47, False)
        hh.path.append("S47" if s47 else "assessment")
        self._referred(hh)

    def new_household(self, sid: str, team: SimTeam, rng: np.random.Generator) -> SimHousehold:
        """A household with its children drawn from the size distribution, not yet started."""
        children = self._sizes[_pick(rng, self._size_shares)]
        s47 = bool(rng.random() < self.scenario.pathway.assessment.s47_share)
        self.household_count += 1
        hh = SimHousehold(self.household_count, sid, team, children, s47, rng)
        hh.case = self.book.get(children, "assessment", s47, False)
        hh.path.append("S47" if s47 else "assessment")
        return hh

    def launch(self, hh: SimHousehold, status: str, remaining: float,
               court_left: float | None = None) -> None:
        """Start a held household's pathway part-way (and its proceedings, if under way)."""
        self._all_households.append(hh)
        hh.started = True
        if court_left is not None:
            self.env.process(self.proceedings(hh, court_left))
        self.env.process(self.pathway(hh, status, remaining))

    # ------------------------------------------------------------ pathway

    def assessment_days(self, rng: np.random.Generator) -> float:
        a = self.scenario.pathway.assessment
        days = a.duration.draw(rng)
        if a.max_working_days is not None:
            days = min(days, a.max_working_days * 7 / 5)
        return days

    def pathway(self, hh: SimHousehold, status: str, remaining: float | None) -> Process:
        """Assessment once a worker is allocated, then statuses until the case closes."""
        rng = hh.rng
        pathway = self.scenario.pathway
        if status == "assessment":
            if remaining is None:  # a new referral, just allocated: the assessment starts
                remaining = self.assessment_days(rng)
            yield self.env.timeout(remaining)
            status = self.assessment_outcome(hh, rng)
            remaining = None
        while status not in ("NFA", "close"):
            spell = pathway.statuses[status]  # type: ignore[index]
            self.restatus(hh, status)
            if remaining is None:
                remaining = spell.duration.draw(rng)
                court = pathway.court
                if court is not None and status in court.on_entering and not hh.court \
                        and rng.random() < court.probability:
                    self.env.process(self.proceedings(hh, court.duration.draw(rng)))
            yield self.env.timeout(remaining)
            remaining = None
            status = _choose(rng, spell.next)
        self.close(hh)

    def assessment_outcome(self, hh: SimHousehold, rng: np.random.Generator) -> str:
        """How the assessment ends: no further action, CIN, CP or care.

        With S47 conversion rates set, an S47 enquiry goes to an initial conference
        and from there to a CP plan at those rates (see Assessment.cp_chance).
        """
        a = self.scenario.pathway.assessment
        if not a.converts:
            return str(_choose(rng, a.outcomes))
        if hh.s47:
            assert a.s47_conference is not None and a.conference_cp is not None
            hh.conference = bool(rng.random() < a.s47_conference)
            if hh.conference:
                hh.steps.append((self.env.now, "ICPC"))
                if rng.random() < a.conference_cp:
                    return "CP"
        elif rng.random() < a.cp_chance(False):
            return "CP"
        rest = {k: v for k, v in a.outcomes.items() if k != "CP"}
        return str(_choose(rng, rest)) if sum(rest.values()) > 0 else "NFA"

    def proceedings(self, hh: SimHousehold, days: float) -> Process:
        """Care proceedings run alongside the status; the household scores court points."""
        if not hh.court:
            hh.court = True
            self.rescore(hh)
        yield self.env.timeout(days)
        if hh.closed is None:
            hh.court = False
            self.rescore(hh)

    def restatus(self, hh: SimHousehold, status: str) -> None:
        """The household's status changes: new points, and CP work leaves a protected NQSW."""
        hh.status = status
        if hh.path[-1] != status:
            hh.path.append(status)
            hh.steps.append((self.env.now, status))
        self.rescore(hh)
        w = hh.worker
        if w is not None and w.cp_protected and hh.case.status is Status.CP:
            self.detach(w, hh)
            self.event("transfer", hh.team, w, hh, detail="CP work moves from a protected NQSW")
            self.to_waiting(hh, "transfer")

    def rescore(self, hh: SimHousehold) -> None:
        new = self.book.get(hh.children, hh.status, hh.s47, hh.court)
        w = hh.worker
        if w is None:
            hh.case = new
            return
        self.touch(w)
        self._count(w, hh.case, -1)
        hh.case = new
        self._count(w, new, +1)
        self.rerate(w)
        self.changed(hh.team)

    def close(self, hh: SimHousehold) -> None:
        """The case closes; the scheme may keep its points to the end of the month."""
        hh.closed = self.env.now
        hh.path.append("close")
        hh.steps.append((self.env.now, "close"))
        again = self.scenario.pathway.rereferral
        if again is not None and again.share > 0 and hh.rng.random() < again.share:
            self.env.process(self.rereferred(hh, hh.rng.random() * again.within_weeks * 7))
        team = hh.team
        if self.observing:
            team.counters["closures"] += 1
        w = hh.worker
        if w is not None:
            points = hh.case.points
            # The scheme may keep a closed case's points to the end of the month: they
            # stay on the worker as closing load, which month_ends() drops.
            self.detach(w, hh, keep_points=self.scheme.closure_keeps_month and points > 0)
        else:
            team.waiting.pop(hh.key, None)
            self.poke(team)
        self._household_row(hh)

    def month_ends(self) -> Process:
        """On the first of each month, the points of cases closed last month drop."""
        while True:
            d = self.date_at(self.env.now)
            first = date(d.year + d.month // 12, d.month % 12 + 1, 1)
            yield self.env.timeout(max(self.t_of(first) - self.env.now, 0.0))
            for team in self.teams:
                for w in team.workers:
                    if w.closing_load:
                        self.touch(w)
                        w.closing_load = 0.0
                        self.rerate(w)
                        self.changed(team)

    # ------------------------------------------------------- holding cases

    def _count(self, w: SimWorker, case: CaseState, sign: int) -> None:
        w.load += sign * case.points
        w.by_status[case.status] = w.by_status.get(case.status, 0) + sign * case.children
        w.children += sign * case.children
        if case.status is Status.CP:
            w.cp_households += sign
        elif case.status is Status.CLA:
            w.cla_children += sign * case.children

    def attach(self, w: SimWorker, hh: SimHousehold) -> None:
        """`w` takes household `hh`."""
        self.touch(w)
        hh.worker = w
        hh.held_since = self.env.now
        hh.holds.append([self.env.now, w.id, None])
        w.households[hh.key] = hh
        self._count(w, hh.case, +1)
        self.rerate(w)
        self.changed(w.team)

    def detach(self, w: SimWorker, hh: SimHousehold, keep_points: bool = False) -> None:
        """`w` no longer holds `hh` (closed, transferred, or the worker left)."""
        self.touch(w)
        del w.households[hh.key]
        self._count(w, hh.case, -1)
        if keep_points:
            w.closing_load += hh.case.points
        hh.worker = None
        if hh.holds:
            hh.holds[-1][2] = self.env.now
        hh.held_days += max(0.0, self.env.now - max(hh.held_since, self.t0))
        if abs(w.load) < 1e-9:
            w.load = 0.0
        self.rerate(w)
        self.changed(w.team)

    def to_waiting(self, hh: SimHousehold, reason: str) -> None:
        hh.waiting_since = self.env.now
        hh.wait_reason = reason
        hh.team.waiting[hh.key] = hh
        self.poke(hh.team)

    def touch(self, w: SimWorker) -> None:
        """Bank the time since the worker's last change in their current RAG band.

        Called before every change to the worker, so it also marks them changed.
        """
        w.version += 1
        now = self.env.now
        if now > self.t0:
            dt = now - max(w.last, self.t0)
            if dt > 0:
                w.band_days[w.band] += dt
                w.household_days += dt * len(w.households)
        w.last = now

    def rerate(self, w: SimWorker) -> None:
        """Recompute the worker's RAG band after a change; moving into red is escalated."""
        pct = load_pct(w.total_load, w.benchmark)
        band = self.band_index[rag_band(self.scheme, pct).name]
        if band == self.top_band and w.band != self.top_band and not w.left:
            self.event("red", w.team, w, detail=f"load {pct:.0f}%")
            if self.observing:
                w.team.counters["escalations"] += 1
        w.band = band
        if self.observing and math.isfinite(pct):
            w.peak_pct = max(w.peak_pct, pct)

    # --------------------------------------------------------- allocation

    def meetings(self) -> Process:
        """Weekly allocation meetings; on other working days duty allocates urgent tiers."""
        alloc = self.scenario.allocation
        weekly_day = WEEKDAYS.index(alloc.weekday)
        day = 0
        moved = False  # the weekly meeting fell on a bank holiday: held the next working day
        while True:
            yield self.env.timeout(max(day + MEETING_HOUR - self.env.now, 0.0))
            weekday = self.weekday(day)
            if not self.clock.is_working(day):
                moved = moved or weekday == weekly_day
            else:
                full = alloc.meetings == "daily" or weekday == weekly_day or moved
                moved = False
                if full or self.daily_tiers:
                    for team in self.teams:
                        self.meeting(team, None if full else self.daily_tiers, escalate=True,
                                     duty=not full)
            day += 1

    def allocating(self, team: SimTeam) -> Process:
        """Allocation as soon as work arrives or capacity frees up (queueing-theory checks)."""
        while True:
            yield team.wake
            team.wake = self.env.event()
            self.meeting(team, None, escalate=False)

    def changed(self, team: SimTeam) -> None:
        """A worker of `team` changed in a way the allocation can see (load, capacity, ...)."""
        team.version += 1
        self.poke(team)

    def poke(self, team: SimTeam) -> None:
        """Work or capacity may have come free: in continuous mode, allocate now."""
        if self.continuous and not team.wake.triggered:
            team.wake.succeed()

    def worker_state(self, w: SimWorker, on: date, reason: str | None) -> WorkerState:
        """The worker as the allocation sees them (rebuilt only when something changed)."""
        months = w.months_on(on)
        key = (w.version, reason, months)
        if w.state is not None and w.state[0] == key:
            return w.state[1]
        state = WorkerState(
            id=w.id, role=w.person.role, months=months, nqsw=w.nqsw,
            cp_protected=w.cp_protected, fte=w.fte, benchmark=w.benchmark, load=w.total_load,
            counts=dict(w.by_status), households=len(w.households), caps=w.caps,
            unavailable=reason, cp_households=w.cp_households, cla_children=w.cla_children,
            court_households=sum(1 for hh in w.households.values() if hh.court),
        )
        w.state = (key, state)
        return state

    def unavailable(self, w: SimWorker) -> str | None:
        """Why the worker takes no new work now (the policy's unavailability rule), if so."""
        now = self.env.now
        if w.absent:
            return "off sick"
        if w.leaving_at is not None and w.leaving_at - now <= self.policy.leaving_within_days:
            return f"leaving on {self.date_at(w.leaving_at)}"
        horizon = now + self.policy.horizon_days
        for start, end in w.leave:
            if start <= horizon and end > now:
                return f"on leave within the next {self.policy.horizon_days} days"
        return None

    def meeting(self, team: SimTeam, tiers: frozenset[str] | None, escalate: bool,
                duty: bool = False) -> None:
        """Put the waiting list (or its urgent tiers, on duty) to the allocation policy."""
        waiting = [hh for hh in team.waiting.values()
                   if tiers is None or hh.case.tier_name in tiers]
        if not waiting:
            return
        reasons = tuple(self.unavailable(w) for w in team.workers)
        state = (team.version, reasons, tuple((hh.key, id(hh.case)) for hh in waiting))
        # A meeting that could place nothing puts the same households to the same
        # workers again only to place nothing: each household fitted no worker on its
        # own. Skipping it saves the policy a pointless call.
        if reasons and state != team.futile:
            # When nobody has room for even the lightest household, no allocation that
            # keeps the rules places anything: no need to ask the policy (about half the
            # meetings of a full team).
            placed = 0
            if not self._clearly_full(team, waiting, reasons):
                placed = self._put(team, waiting, reasons, duty)
            team.futile = None if placed else state
        left = [hh for hh in waiting if hh.worker is None]
        if escalate and left:
            high = sum(1 for hh in left if hh.case.tier_name in self.high_risk)
            points = sum(hh.case.points for hh in left)
            self.event("escalation", team, count=1,
                       detail=f"{len(left)} households unallocated ({high} high-risk, "
                              f"{points:g} points)")
            if self.observing:
                team.counters["escalations"] += 1

    def _clearly_full(self, team: SimTeam, waiting: list[SimHousehold],
                      reasons: tuple[str | None, ...]) -> bool:
        """True when every worker who may take work would go above the ceiling band with
        even the lightest waiting household (:func:`fits_nobody`, asked before the
        allocation problem is built)."""
        policy = self.policy
        if not policy.rules.band_ceiling:
            return False
        lightest = round(min(hh.case.points for hh in waiting) * FINEST)
        if lightest <= 0:
            return False
        check_unavailable = policy.rules.unavailability
        for w, reason in zip(team.workers, reasons, strict=True):
            if reason is not None and check_unavailable:
                continue
            known = w.room
            if known is not None and known[0] == w.version:
                room = known[1]
            else:
                # load and benchmark change only through touch(), which bumps the version
                room = room_in_band(self.scheme, policy.ceiling_band, w.total_load, w.benchmark)
                w.room = (w.version, room)
            if room is None or lightest <= room:
                return False
        return True

    def _put(self, team: SimTeam, waiting: list[SimHousehold],
             reasons: tuple[str | None, ...], duty: bool) -> int:
        """Ask the policy, check its decisions, allocate what it placed; households placed."""
        now = self.env.now
        on = self.date_at(now)
        workers = tuple(self.worker_state(w, on, reason)
                        for w, reason in zip(team.workers, reasons, strict=True))
        problem = AllocationProblem(
            self.scheme, self.policy, on, workers,
            tuple(self._waiting_record(hh, now) for hh in waiting), team_type=team.type)
        allocator = self.duty_allocator if duty else self.allocator
        result = allocator.allocate(problem)
        if result.assignments:
            # every decision passes the gate: checked against every hard rule, repaired
            # by solving again, or not acted on at all (a breach is a bug)
            try:
                gated = gate(problem, result, allocator.allocate)
            except RuleBreach as failed:
                for breach in failed.breaches:
                    self.event("breach", team, detail=f"{breach.rule}: {breach.reason}")
                self.event("gate_failure", team, detail=failed.message)
                return 0
            for breach in gated.repaired:
                self.event("breach", team, detail=f"{breach.rule}: {breach.reason}")
            result = gated.result
        by_worker = {w.id: w for w in team.workers}
        by_household = {hh.sid: hh for hh in waiting}
        leads = [a for a in result.assignments if a.role == "lead"]
        for a in leads:
            self.allocate(by_household[a.household_id], by_worker[a.worker_id])
        return len(leads)

    def _waiting_record(self, hh: SimHousehold, now: float) -> WaitingHousehold:
        t = hh.case.template
        return WaitingHousehold(
            id=hh.sid, points=t.points, secondary_points=t.secondary_points, children=t.children,
            by_status=t.by_status, tier=t.tier, tier_name=t.tier_name, court=t.court,
            referred_on=self.date_at(hh.waiting_since), waiting_days=int(now - hh.waiting_since))

    def allocate(self, hh: SimHousehold, w: SimWorker) -> None:
        """The meeting gives `hh` to `w`; the wait is recorded."""
        team = hh.team
        del team.waiting[hh.key]
        now = self.env.now
        if self.observing:
            team.counters["allocations"] += 1
            self.allocation_rows.append(AllocationRow(
                self.replication, hh.sid, team.id, hh.case.tier_name, hh.wait_reason,  # type: ignore[arg-type]
                self.date_at(hh.waiting_since), self.date_at(now), round(now - hh.waiting_since, 6),
                round(self.working_days(hh.waiting_since, now), 6), w.id,
                hh.case.tier_name in self.high_risk))
        self.attach(w, hh)
        if hh.first_allocated is None:
            hh.first_allocated = now
        if not hh.started:  # the assessment starts when a worker first takes the case
            hh.started = True
            hh.steps.append((now, hh.path[0]))
            self.env.process(self.pathway(hh, "assessment", None))

    # ---------------------------------------------------------- workforce

    def build_workforce(self) -> None:
        """Posts at the start: held by the staff mix, vacant, or covered by agency staff."""
        wf = self.scenario.workforce
        for team in self.teams:
            spec_posts = next(s.posts for s in wf.teams if team.id in s.ids())
            for slot in range(spec_posts):
                key = (0, team.index, slot)
                post = Post(key, team, self.streams.post(*key))
                team.posts.append(post)
                rng = post.rng
                if rng.random() < wf.vacancy_rate:
                    post.cover = bool(rng.random() < wf.agency_share)
                    post.vacant_since = 0.0
                    if post.cover:
                        self.start_worker(post, agency=True, groups=wf.recruitment.agency_staff)
                else:
                    self.start_worker(post, agency=False, groups=wf.staff)
                post.process = self.env.process(self.post(post))

    def start_worker(self, post: Post, agency: bool, groups: tuple[StaffGroup, ...] | None = None,
                     nqsw_role: Role | None = None) -> SimWorker:
        """Someone starts in `post`: from a staff mix, or a newly qualified social worker."""
        occupant = post.occupants
        post.occupants += 1
        rng = self.streams.worker(*post.key, occupant, 0)
        today = self.date_at(self.env.now)
        if nqsw_role is not None:
            group = StaffGroup(share=1.0, role=nqsw_role, months=(0, 0))
        else:
            assert groups is not None
            group = groups[_pick(rng, [g.share for g in groups])]
        lo, hi = group.months
        months = int(rng.integers(lo, hi + 1))
        since = _months_before(today, months)
        self.worker_count += 1
        wid = f"W{self.worker_count:02d}"  # W01, as team files number workers
        person = Worker(
            id=wid, role=group.role, team=post.team.id,
            qualified_on=since if group.role in QUALIFIED_ROLES else None,
            started_on=since, contracted_hours=group.hours,
            duties=tuple(Duty(kind=k) for k in group.duties), agency=agency,
        )
        w = SimWorker(wid, person, post, self.env.now, len(self.bands))
        post.holder = w
        post.team.workers.append(w)
        self.refresh(w, quiet=True)
        w.nqsw_at_start = w.nqsw
        w.months_at_start = person.experience_months(today)
        if self.env.now > 0:
            self.event("agency_start" if agency else "starter", post.team, w,
                       detail=f"{group.role.value}, {w.months_at_start} months")
            if self.observing:
                post.team.counters["starters"] += 1
        self.env.process(self.progression(w))
        self.env.process(self.sickness(w, self.streams.worker(*post.key, occupant, 1)))
        self.env.process(self.leave(w, self.streams.worker(*post.key, occupant, 2)))
        self.changed(post.team)
        return w

    def refresh(self, w: SimWorker, quiet: bool = False) -> None:
        """Recompute the worker's benchmark, band and protections (today, this scheme)."""
        on = self.date_at(self.env.now)
        self.touch(w)
        cap = capacity(self.scheme, w.person, w.team.type, on)
        was_band, was_protected = w.band_name, w.cp_protected
        w.benchmark = cap.benchmark
        w.duty_load = cap.duties_total if self.scheme.duties_count_as == "load" else 0.0
        w.nqsw = cap.nqsw and w.person.role in QUALIFIED_ROLES
        w.band_name = cap.band.name
        w.cp_protected = cp_protected(self.scheme, w.person, on)
        w.caps = tuple(
            c for c in self.scheme.protections.count_caps
            if c.applies_to == "all" or (c.applies_to == "nqsw" and cap.nqsw)
            or (isinstance(c.applies_to, tuple) and w.person.role in c.applies_to))
        self.rerate(w)
        if not quiet:
            if was_band != w.band_name:
                self.event("band_change", w.team, w, detail=f"{was_band} -> {w.band_name}, "
                           f"benchmark {w.benchmark:g}")
            if was_protected and not w.cp_protected:
                self.event("protection_end", w.team, w,
                           detail=f"CP work allowed after {cap.months} months")
        self.changed(w.team)

    def progression(self, w: SimWorker) -> Process:
        """Experience grows: at each band boundary the benchmark rises; the CP protection ends."""
        person = w.person
        since = person.qualified_on or person.started_on
        if since is None:
            return
        now_months = person.experience_months(self.date_at(self.env.now))
        marks = {b.from_months for b in self.scheme.experience_bands}
        if person.role in QUALIFIED_ROLES:
            marks.add(self.scheme.protections.nqsw_no_cp_months)
        for months in sorted(m for m in marks if m > now_months):
            yield self.env.timeout(max(self.t_of(add_months(since, months)) - self.env.now, 0.0))
            if w.left:
                return
            self.refresh(w)

    def post(self, post: Post) -> Process:
        """A post over time: held until its holder resigns, then vacant until refilled."""
        try:
            while True:
                if post.holder is None or post.holder.agency:
                    yield from self.vacancy(post)
                yield from self.tenure(post)
        except simpy.Interrupt:  # the post was cut
            return

    def tenure(self, post: Post) -> Process:
        """A permanent worker stays (annual turnover), resigns, works their notice, leaves."""
        w = post.holder
        assert w is not None
        turnover = self.scenario.workforce.turnover
        if turnover <= 0:
            yield self.env.event()  # stays for good (unless the post is cut)
            return
        yield self.env.timeout(float(post.rng.exponential(365.25 / turnover)))
        w.leaving_at = self.env.now + self.scenario.workforce.notice_weeks * 7
        self.changed(w.team)
        yield self.env.timeout(self.scenario.workforce.notice_weeks * 7)
        self.depart(w, "resigned")

    def vacancy(self, post: Post) -> Process:
        """A vacancy: recruit at once; agency cover meanwhile where it can be found."""
        rec = self.scenario.workforce.recruitment
        rng = post.rng
        if post.vacant_since is None:
            post.vacant_since = self.env.now
            if self.env.now > 0:
                self.event("vacancy", post.team)
        recruit_at = self.env.now + rec.delay.draw(rng)
        covered = bool(rng.random() < rec.agency_cover)
        if post.cover is not None:  # a vacancy on the first day keeps its given cover
            covered, post.cover = post.cover, None
        agency_turnover = self.scenario.workforce.agency_turnover
        try:
            while self.env.now < recruit_at:
                locum = post.holder
                if locum is None:
                    if not covered:
                        yield self.env.timeout(recruit_at - self.env.now)
                        break
                    yield self.env.timeout(min(rec.agency_delay.draw(rng),
                                               recruit_at - self.env.now))
                    if self.env.now >= recruit_at:
                        break
                    locum = self.start_worker(post, agency=True, groups=rec.agency_staff)
                stay = (float(rng.exponential(365.25 / agency_turnover))
                        if agency_turnover > 0 else math.inf)
                if self.env.now + stay >= recruit_at:
                    yield self.env.timeout(recruit_at - self.env.now)
                    self.depart(locum, "replaced by a permanent recruit")
                    break
                yield self.env.timeout(stay)
                self.depart(locum, "agency worker left")
            post.vacant_since = None
            self.start_worker(post, agency=False, groups=rec.starters)
        except simpy.Interrupt as stop:
            if stop.cause != "filled":
                raise
            post.vacant_since = None  # an NQSW from a cohort took the post

    def depart(self, w: SimWorker, reason: str) -> None:
        """A worker leaves: their cases go back to the waiting list."""
        if w.left:
            return
        self.touch(w)
        returned = list(w.households.values())
        for hh in returned:
            self.detach(w, hh)
            self.to_waiting(hh, "returned")
        team = w.team
        if returned:
            self.event("unallocated_on_leaving", team, w, count=len(returned),
                       detail=f"{len(returned)} households back on the waiting list")
        w.left = True
        w.ended = self.env.now
        team.workers.remove(w)
        self.changed(team)
        if w.post.holder is w:
            w.post.holder = None
        self.event("leaver", team, w, detail=reason)
        if self.observing:
            team.counters["leavers"] += 1
        self._worker_row(w, reason)

    def sickness(self, w: SimWorker, rng: np.random.Generator) -> Process:
        """Spells of sickness; a long one sends the worker's cases back to waiting."""
        absence = self.scenario.workforce.absence
        if absence.sickness <= 0:
            return
        rate = absence.sickness / absence.sickness_spell.mean_days()
        after = absence.reallocate_after_weeks
        while True:
            yield self.env.timeout(float(rng.exponential(1 / rate)))
            if w.left:
                return
            spell = absence.sickness_spell.draw(rng)
            w.absent = True
            self.changed(w.team)
            if after is not None and spell > after * 7:
                yield self.env.timeout(after * 7)
                if w.left:
                    return
                returned = list(w.households.values())
                for hh in returned:
                    self.detach(w, hh)
                    self.to_waiting(hh, "absence")
                if returned:
                    self.event("long_absence", w.team, w, count=len(returned),
                               detail=f"{len(returned)} households back on the waiting list")
                spell -= after * 7
            yield self.env.timeout(spell)
            if w.left:
                return
            w.absent = False
            self.changed(w.team)

    def leave(self, w: SimWorker, rng: np.random.Generator) -> Process:
        """Annual leave, booked ahead so that the allocation policy can see it coming."""
        absence = self.scenario.workforce.absence
        if absence.leave_days <= 0:
            return
        spells = absence.leave_days / absence.leave_spell_days
        length = absence.leave_spell_days * 7 / 5
        gap = max(365.25 / spells - length, 0.0)
        start = self.env.now + rng.random() * (gap + length)
        w.leave.append((start, start + length))
        while True:
            start = w.leave[-1][1] + gap * (0.5 + rng.random())
            w.leave.append((start, start + length))
            yield self.env.timeout(max(w.leave[0][1] - self.env.now, 0.0))
            if w.left:
                return
            w.leave.pop(0)

    # ------------------------------------------------------- dated changes

    def _wait_until(self, on: date) -> simpy.Timeout:
        return self.env.timeout(max(self.t_of(on) - self.env.now, 0.0))

    def cohort(self, index: int, on: date, count: int, team_id: str | None, role: Role) -> Process:
        """NQSWs start together: they fill vacancies first, then add posts."""
        yield self._wait_until(on)
        teams = [self.team_by_id[team_id]] if team_id else self.teams
        vacant = sorted((p for t in teams for p in t.posts if p.vacant),
                        key=lambda p: (p.vacant_since if p.vacant_since is not None else math.inf,
                                       p.key))
        filled = added = 0
        for k in range(count):
            if vacant:
                post = vacant.pop(0)
                if post.holder is not None:
                    self.depart(post.holder, "replaced by an NQSW")
                self.start_worker(post, agency=False, nqsw_role=role)
                assert post.process is not None
                post.process.interrupt("filled")
                filled += 1
            else:
                team = min(teams, key=lambda t: (len(t.workers) / max(len(t.posts), 1),
                                                 -self._team_load(t), t.index))
                key = (1, index, k)
                post = Post(key, team, self.streams.post(*key))
                team.posts.append(post)
                self.start_worker(post, agency=False, nqsw_role=role)
                post.process = self.env.process(self.post(post))
                added += 1
        self.event("cohort", None, count=count,
                   detail=f"{count} NQSWs: {filled} filled vacancies, {added} new posts")
        for name, n in (("nqsw_into_vacancies", filled), ("nqsw_new_posts", added)):
            if n:
                self.event(name, None, count=n)

    def _team_load(self, team: SimTeam) -> float:
        bench = sum(w.benchmark for w in team.workers)
        return load_pct(sum(w.total_load for w in team.workers), bench)

    def cut(self, on: date, posts: int, team_id: str | None) -> Process:
        """Posts are removed: vacant ones first, then agency-held, then the newest starters."""
        yield self._wait_until(on)
        teams = [self.team_by_id[team_id]] if team_id else self.teams

        def order(p: Post) -> tuple[int, float, tuple[int, ...]]:
            if p.holder is None:
                return (0, p.vacant_since or 0.0, p.key)
            if p.holder.agency:
                return (1, -p.holder.started, p.key)
            return (2, -p.holder.started, p.key)

        doomed = sorted((p for t in teams for p in t.posts), key=order)[:posts]
        kinds = [order(p)[0] for p in doomed]
        for kind, name in enumerate(("posts_cut_vacant", "posts_cut_agency", "posts_cut_filled")):
            if kinds.count(kind):
                self.event(name, None, count=kinds.count(kind))
        for post in doomed:
            if post.holder is not None:
                self.depart(post.holder, "post cut")
            post.team.posts.remove(post)
            assert post.process is not None
            post.process.interrupt("cut")
        where = team_id or "the service"
        self.event("cut", self.team_by_id[team_id] if team_id else None, count=len(doomed),
                   detail=f"{len(doomed)} posts removed in {where}")

    def benchmark_change(self, on: date, benchmarks: dict[str, float]) -> Process:
        """New benchmarks from a date: every worker's capacity is worked out again."""
        yield self._wait_until(on)
        self.scheme = scheme_with_benchmarks(self.scheme, benchmarks)
        for team in self.teams:
            for w in team.workers:
                self.refresh(w, quiet=True)
        text = ", ".join(f"{band} {value:g}" for band, value in benchmarks.items())
        self.event("benchmark_change", None, detail=text)

    # ----------------------------------------------------- the first day

    def build_caseloads(self) -> None:
        """Each worker starts near the scenario's load % (or with their share of a number of
        households), with households part-way through their status."""
        initial = self.scenario.initial
        for team in self.teams:
            counts = self._initial_counts(team)
            for post in team.posts:
                w = post.holder
                if w is None or w.benchmark <= 0:
                    continue
                rng = self.streams.initial(0, *post.key)
                target = w.benchmark * max(initial.load_pct + initial.spread
                                           * float(rng.standard_normal()), 0.0) / 100
                for j in range(10_000):
                    if counts is not None and j >= counts.get(w.id, 0):
                        break
                    hh_rng = self.streams.initial(1, *post.key, j)
                    sid = f"I{team.index:02d}{post.key[2]:03d}{j:03d}"
                    hh, status, remaining, court_left = self.initial_household(
                        sid, team, hh_rng, w.cp_protected)
                    too_much = counts is None and w.total_load + hh.case.points > target
                    if too_much or not self._fits_caps(w, hh):
                        break
                    self.attach(w, hh)
                    self.launch(hh, status, remaining, court_left)
            for j in range(initial.waiting):
                hh_rng = self.streams.initial(2, team.index, j)
                hh = self.new_household(f"Q{team.index:02d}{j:04d}", team, hh_rng)
                hh.referred = 0.0
                self._all_households.append(hh)
                self.to_waiting(hh, "referral")

    def _initial_counts(self, team: SimTeam) -> dict[str, int] | None:
        """With `initial.households` set: how many households each worker of `team` starts
        with, in proportion to their benchmarks (largest remainders, adding up exactly)."""
        total = self.scenario.initial.households
        if total is None:
            return None
        workers = [p.holder for p in team.posts if p.holder is not None
                   and p.holder.benchmark > 0]
        bench = sum(w.benchmark for w in workers)
        if not workers or bench <= 0:
            return {}
        exact = [(total * w.benchmark / bench, w.id) for w in workers]
        counts = {wid: math.floor(x) for x, wid in exact}
        left = total - sum(counts.values())
        for _, wid in sorted(exact, key=lambda e: (-(e[0] - math.floor(e[0])), e[1]))[:left]:
            counts[wid] += 1
        return counts

    def _fits_caps(self, w: SimWorker, hh: SimHousehold) -> bool:
        counts = dict(w.by_status)
        counts[hh.case.status] = counts.get(hh.case.status, 0) + hh.case.children
        return all(cap.load_fraction(counts) <= 1 + 1e-9 for cap in w.caps)

    def initial_household(
        self, sid: str, team: SimTeam, rng: np.random.Generator, no_cp: bool
    ) -> tuple[SimHousehold, str, float, float | None]:
        """A household already held on the first day, part-way through its current status.

        Returns the household, its status, the time left in it and, if care
        proceedings are under way, the time they have left. Times left are drawn
        from the steady-state residual of each duration distribution.
        """
        pathway = self.scenario.pathway
        mix = {k: v for k, v in self.scenario.initial.mix.items()
               if (k == "assessment" or k in pathway.statuses) and not (no_cp and k == "CP")}
        hh = self.new_household(sid, team, rng)
        status = _choose(rng, mix) if sum(mix.values()) > 0 else "assessment"
        if status == "assessment":
            a = pathway.assessment
            remaining = a.duration.residual(rng)
            if a.max_working_days is not None:
                remaining = min(remaining, a.max_working_days * 7 / 5)
            hh.steps.append((0.0, hh.path[0]))  # under way before the first day
            return hh, status, remaining, None
        spell = pathway.statuses[status]  # type: ignore[index]
        remaining = spell.duration.residual(rng)
        court_left = None
        court = pathway.court
        if court is not None and status in court.on_entering:
            # The share of time in this status spent in proceedings, in a steady state.
            p_now = court.probability * min(1.0, court.duration.mean_days()
                                            / spell.duration.mean_days())
            if rng.random() < p_now:
                hh.court = True
                court_left = court.duration.residual(rng)
        hh.status = status
        hh.path[-1] = status
        hh.steps.append((0.0, status))  # under way before the first day
        hh.case = self.book.get(hh.children, status, hh.s47, hh.court)
        return hh, status, remaining, court_left

    # ------------------------------------------------------------ census

    def census(self) -> Process:
        """The weekly snapshot: week 0 is the first day, week W the last."""
        yield self.env.timeout(self.t0)
        self.observing = True
        for week in range(self.scenario.weeks + 1):
            self.snapshot(week)
            if week < self.scenario.weeks:
                yield self.env.timeout(7.0)

    def snapshot(self, week: int) -> None:
        """One row per team (and the service) and one per worker, at the end of a week."""
        on = self.date_at(self.env.now)
        rows: list[WeekRow] = []
        cover = self.scenario.allocation.duty_cover
        replication, bands = self.replication, self.bands
        for team in self.teams:
            in_band = [0] * len(bands)
            fte = load = bench = agency_fte = nqsw_fte = 0.0
            children = households = agency = nqsw = 0
            by_status = dict.fromkeys((Status.CIN, Status.CP, Status.CLA), 0)
            for w in team.workers:
                for status, count in w.by_status.items():
                    by_status[status] = by_status.get(status, 0) + count
                in_band[w.band] += 1
                total = w.total_load
                fte += w.fte
                load += total
                bench += w.benchmark
                children += w.children
                households += len(w.households)
                agency += w.agency
                nqsw += w.nqsw
                agency_fte += w.fte if w.agency else 0.0
                nqsw_fte += w.fte if w.nqsw and not w.agency else 0.0
                self.worker_weeks.append(WorkerWeekRow(
                    replication, week, w.id, team.id, _finite(load_pct(total, w.benchmark)),
                    bands[w.band], w.months_on(on), w.nqsw, w.agency, len(w.households),
                    w.children, self.unavailable(w) is None))
            high = duty = waiting_children = 0
            for hh in team.waiting.values():
                waiting_children += hh.case.children
                by_status[hh.case.status] = by_status.get(hh.case.status, 0) + hh.case.children
                tier = hh.case.tier_name
                high += tier in self.high_risk
                duty += tier in self.duty_tiers
            c = team.counters if week > 0 else dict.fromkeys(team.counters, 0)
            rows.append(WeekRow(
                replication, week, on, team.id, len(team.posts), len(team.workers), agency,
                sum(1 for p in team.posts if p.vacant), nqsw, round(fte, 6), round(bench, 6),
                round(load, 6), _finite(load_pct(load, bench)), tuple(in_band), households,
                children, round(children / fte, 6) if fte else 0.0, len(team.waiting), high,
                min(duty, cover.households) if cover else 0, c["referrals"], c["allocations"],
                c["closures"], c["leavers"], c["starters"], c["escalations"], waiting_children,
                by_status[Status.CIN], by_status[Status.CP], by_status[Status.CLA],
                round(agency_fte, 6), round(nqsw_fte, 6)))
            team.counters = dict.fromkeys(team.counters, 0)
        self.week_rows.extend(rows)
        self.week_rows.append(_service_row(self.replication, week, on, rows))

    def finish(self) -> Outputs:
        """Close the books at the end (workers in post, open households); the records."""
        for team in self.teams:
            for w in team.workers:
                self.touch(w)
                self._worker_row(w, "")
        for hh in self._all_households:
            if hh.closed is None:
                if hh.worker is not None:
                    hh.held_days += max(0.0, self.env.now - max(hh.held_since, self.t0))
                self._household_row(hh)
        return Outputs(tuple(self.week_rows), tuple(self.worker_weeks),
                       tuple(self.allocation_rows), tuple(self.household_rows),
                       tuple(self.worker_rows), tuple(self.events), self.bands,
                       tuple(t.id for t in self.teams))

    def _worker_row(self, w: SimWorker, reason: str) -> None:
        if w.ended is not None and w.ended < self.t0:
            return
        started = max(w.started, self.t0)
        end = w.ended if w.ended is not None else self.env.now
        self.worker_rows.append(WorkerRow(
            self.replication, w.id, w.team.id, w.person.role.value, w.agency, w.months_at_start,
            w.nqsw_at_start, self.date_at(started),
            self.date_at(w.ended) if w.ended is not None else None, reason,
            round(end - started, 6), tuple(round(d, 6) for d in w.band_days),
            round(w.household_days, 6), round(w.peak_pct, 6)))

    def _household_row(self, hh: SimHousehold) -> None:
        if hh.closed is not None and hh.closed < self.t0:
            return
        self.household_rows.append(HouseholdRow(
            self.replication, hh.sid, hh.team.id, hh.children, hh.s47,
            self.date_at(hh.referred) if hh.referred is not None else None,
            self.date_at(hh.first_allocated) if hh.first_allocated is not None else None,
            ">".join(hh.path), self.date_at(hh.closed) if hh.closed is not None else None,
            round(hh.held_days, 6), hh.family,
            "; ".join(f"{what} {self.date_at(t).isoformat()}" for t, what in hh.steps)))


# ------------------------------------------------------------------ helpers


def _choose(rng: np.random.Generator, probabilities: dict[Any, float]) -> Any:
    """One key of `probabilities`, drawn with those probabilities (in the file's order)."""
    u = rng.random() * sum(probabilities.values())
    running = 0.0
    last = None
    for key, p in probabilities.items():
        if p <= 0:
            continue
        running += p
        last = key
        if u < running:
            return key
    return last


def _pick(rng: np.random.Generator, shares: list[float]) -> int:
    u = rng.random() * sum(shares)
    running = 0.0
    for i, share in enumerate(shares):
        running += share
        if u < running:
            return i
    return len(shares) - 1


def _months_before(on: date, months: int) -> date:
    y, m = divmod(on.year * 12 + on.month - 1 - months, 12)
    return date(y, m + 1, min(on.day, 28))


def _finite(pct: float) -> float:
    return round(pct, 6) if math.isfinite(pct) else math.inf


def _service_row(replication: int, week: int, on: date, rows: list[WeekRow]) -> WeekRow:
    fte = sum(r.fte for r in rows)
    load = sum(r.load for r in rows)
    bench = sum(r.benchmark for r in rows)
    children = sum(r.children for r in rows)
    return WeekRow(
        replication, week, on, SERVICE, sum(r.posts for r in rows), sum(r.workers for r in rows),
        sum(r.agency for r in rows), sum(r.vacancies for r in rows), sum(r.nqsw for r in rows),
        round(fte, 6), round(bench, 6), round(load, 6), _finite(load_pct(load, bench)),
        tuple(sum(r.workers_in[i] for r in rows) for i in range(len(rows[0].workers_in))),
        sum(r.households for r in rows), children, round(children / fte, 6) if fte else 0.0,
        sum(r.waiting for r in rows), sum(r.waiting_high_risk for r in rows),
        sum(r.duty_covered for r in rows), sum(r.referrals for r in rows),
        sum(r.allocations for r in rows), sum(r.closures for r in rows),
        sum(r.leavers for r in rows), sum(r.starters for r in rows),
        sum(r.escalations for r in rows), sum(r.children_waiting for r in rows),
        sum(r.children_cin for r in rows), sum(r.children_cp for r in rows),
        sum(r.children_cla for r in rows), round(sum(r.agency_fte for r in rows), 6),
        round(sum(r.nqsw_fte for r in rows), 6))

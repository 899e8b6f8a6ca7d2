"""The team board: every worker's load against their benchmark, and the team view.

The team view is the manager's aggregation of the Swindon scheme [003 sections 7
and 8]: totals and averages, concentrations of CP, CLA and long-travel work on
one worker, workers outside their band, and spare capacity in units and FTE.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from allocopt.capacity import (
    Capacity,
    acceptable_band,
    capacity,
    cp_protected,
    load_pct,
    rag_band,
    reference_benchmark,
)
from allocopt.domain import LONG_TRAVEL, Caseload, Holding, Household, Status, Team, Worker
from allocopt.schemes.model import RagBand, Scheme
from allocopt.schemes.scoring import CaseScore, held_children, score_case

CONCENTRATION_KINDS = ("CP", "CLA", "long travel")


@dataclass(frozen=True, slots=True)
class Counts:
    """How many children, households and kinds of case a worker holds (as lead)."""

    children: int = 0
    households: int = 0
    by_status: dict[Status, int] = field(default_factory=dict)
    long_travel: int = 0

    def of(self, kind: str) -> int:
        if kind == "long travel":
            return self.long_travel
        return self.by_status.get(Status(kind), 0)


@dataclass(frozen=True, slots=True)
class WorkerScore:
    """One row of the board."""

    worker: Worker
    capacity: Capacity
    cases: tuple[CaseScore, ...]
    casework: float
    load: float
    load_pct: float
    rag: RagBand
    spare: float
    counts: Counts
    outside_band: bool
    cap_use: dict[str, float]
    concentrations: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TeamSummary:
    """Team totals and averages."""

    workers: int
    fte: float
    total_load: float
    total_benchmark: float
    team_load_pct: float
    average_load_pct: float
    band_counts: dict[str, int]
    outside_band: tuple[str, ...]
    spare: float
    over: float
    spare_fte: float
    net_fte: float
    children: int
    households: int
    by_status: dict[Status, int]
    long_travel: int
    unallocated_households: int
    unallocated_children: int
    unallocated_load: float


@dataclass(frozen=True, slots=True)
class TeamBoard:
    """The scored team at one date."""

    scheme: Scheme
    team: Team
    on: date
    workers: tuple[WorkerScore, ...]
    unallocated: tuple[CaseScore, ...]
    summary: TeamSummary

    def worker(self, worker_id: str) -> WorkerScore:
        for row in self.workers:
            if row.worker.id == worker_id:
                return row
        raise KeyError(worker_id)


def score_worker(
    scheme: Scheme,
    worker: Worker,
    team: Team,
    caseload: Caseload,
    holdings: Iterable[Holding],
    on: date,
    index: dict[str, Household] | None = None,
) -> WorkerScore:
    """Score one worker's holdings against their personal benchmark.

    `index` (households by id) may be passed in when scoring many workers, so the
    caseload is indexed once rather than once per worker.
    """
    cap = capacity(scheme, worker, team.type, on)
    if index is None:
        index = {h.id: h for h in caseload.households}
    cases = tuple(
        score_case(scheme, index[h.household_id], h.child_ids, on, h.role) for h in holdings
    )
    casework = math.fsum(c.total for c in cases)
    load = casework + (cap.duties_total if scheme.duties_count_as == "load" else 0.0)
    return _row(scheme, worker, cap, cases, casework, load, index, on)


def _counts(cases: tuple[CaseScore, ...], index: dict[str, Household]) -> Counts:
    by_status: dict[Status, int] = {}
    children = households = long_travel = 0
    for case in cases:
        if case.role != "lead" or case.closed:
            continue
        household = index[case.household_id]
        households += 1
        for child in held_children(household, case.child_ids):
            children += 1
            by_status[child.status] = by_status.get(child.status, 0) + 1
            travel = child.placement_travel if child.status is Status.CLA else household.travel
            if travel in LONG_TRAVEL:
                long_travel += 1
    return Counts(children, households, by_status, long_travel)


def _row(
    scheme: Scheme,
    worker: Worker,
    cap: Capacity,
    cases: tuple[CaseScore, ...],
    casework: float,
    load: float,
    index: dict[str, Household],
    on: date,
) -> WorkerScore:
    pct = load_pct(load, cap.benchmark)
    band = rag_band(scheme, pct)
    counts = _counts(cases, index)
    if cap.optimum is not None:
        outside = not cap.optimum[0] <= load <= cap.optimum[1]
    else:
        outside = band.name != acceptable_band(scheme).name
    notes: list[str] = []
    if worker.on_leave(on, on):
        notes.append("on leave")
    if worker.leaving_on is not None and worker.leaving_on >= on:
        notes.append(f"leaving {worker.leaving_on}")
    if cap.benchmark <= 0:
        notes.append("no casework capacity after duties")
    if cp_protected(scheme, worker, on) and counts.by_status.get(Status.CP, 0):
        notes.append(
            f"NQSW at {cap.months} months holds CP work "
            f"(protected until {scheme.protections.nqsw_no_cp_months} months)"
        )
    cap_use: dict[str, float] = {}
    for rule in scheme.protections.count_caps:
        applies = rule.applies_to == "all" or (
            cap.nqsw if rule.applies_to == "nqsw" else worker.role in rule.applies_to
        )
        if applies:
            use = rule.load_fraction(counts.by_status)
            cap_use[rule.name] = use
            if use > 1 + 1e-9:
                notes.append(f"over the {rule.name} cap ({use:.0%})")
    return WorkerScore(
        worker=worker,
        capacity=cap,
        cases=cases,
        casework=casework,
        load=load,
        load_pct=pct,
        rag=band,
        spare=cap.benchmark - load,
        counts=counts,
        outside_band=outside,
        cap_use=cap_use,
        concentrations=(),
        notes=tuple(notes),
    )


def score_team(scheme: Scheme, team: Team, caseload: Caseload, on: date) -> TeamBoard:
    """Score every worker of `team` and summarise the team at `on`.

    Holdings by workers outside the team are ignored here; input checks report them.
    """
    by_worker = caseload.by_worker()
    index = {h.id: h for h in caseload.households}
    rows = [
        score_worker(scheme, w, team, caseload, by_worker.get(w.id, ()), on, index)
        for w in team.workers
    ]
    rows = _with_concentrations(scheme, rows)
    unallocated = tuple(score_case(scheme, h, ids, on)
                        for h, ids in caseload.unallocated_children())
    return TeamBoard(scheme, team, on, tuple(rows), unallocated, _summary(scheme, team, rows, unallocated))


def _with_concentrations(scheme: Scheme, rows: list[WorkerScore]) -> list[WorkerScore]:
    """Flag workers holding more than their fair share of CP, CLA or long-travel work.

    Fair share is the team's count split in proportion to personal benchmarks.
    """
    total_benchmark = math.fsum(r.capacity.benchmark for r in rows)
    if total_benchmark <= 0:
        return rows
    view = scheme.team_view
    team_totals = {kind: sum(r.counts.of(kind) for r in rows) for kind in CONCENTRATION_KINDS}
    out = []
    for row in rows:
        flags = []
        for kind in CONCENTRATION_KINDS:
            fair = team_totals[kind] * row.capacity.benchmark / total_benchmark
            held = row.counts.of(kind)
            if held >= view.concentration_min and held > view.concentration_factor * fair:
                flags.append(kind)
        if flags:
            row = replace(row, concentrations=tuple(flags))
        out.append(row)
    return out


def _summary(
    scheme: Scheme, team: Team, rows: list[WorkerScore], unallocated: tuple[CaseScore, ...]
) -> TeamSummary:
    total_load = math.fsum(r.load for r in rows)
    total_benchmark = math.fsum(r.capacity.benchmark for r in rows)
    finite = [r.load_pct for r in rows if math.isfinite(r.load_pct)]
    band_counts = {b.name: 0 for b in scheme.rag}
    for r in rows:
        band_counts[r.rag.name] += 1
    spare = math.fsum(max(r.spare, 0.0) for r in rows)
    over = math.fsum(max(-r.spare, 0.0) for r in rows)
    ref = reference_benchmark(scheme, team.type)
    by_status: dict[Status, int] = {}
    for r in rows:
        for s, n in r.counts.by_status.items():
            by_status[s] = by_status.get(s, 0) + n
    return TeamSummary(
        workers=len(rows),
        fte=math.fsum(r.capacity.fte for r in rows),
        total_load=total_load,
        total_benchmark=total_benchmark,
        team_load_pct=load_pct(total_load, total_benchmark),
        average_load_pct=round(math.fsum(finite) / len(finite), 9) if finite else 0.0,
        band_counts=band_counts,
        outside_band=tuple(r.worker.id for r in rows if r.outside_band),
        spare=spare,
        over=over,
        spare_fte=spare / ref,
        net_fte=(total_benchmark - total_load) / ref,
        children=sum(r.counts.children for r in rows),
        households=sum(r.counts.households for r in rows),
        by_status=by_status,
        long_travel=sum(r.counts.long_travel for r in rows),
        unallocated_households=len(unallocated),
        unallocated_children=sum(len(u.child_ids) for u in unallocated),
        unallocated_load=math.fsum(u.total for u in unallocated),
    )

"""The meeting held on the board: suggestions, decisions, previews and re-runs.

No HTTP here: the web app (app.py) calls these methods and renders what they
return. The decision record is the source of truth; this object keeps a view of
it in memory for fast pages and previews, rebuilt after every change.

- **Runs.** The optimiser runs when a meeting is first opened and when the manager
  asks for a re-run. A re-run takes every decision made so far as fixed: the
  households allocated are added to their workers' caseloads, deferred households
  leave the list, and the meeting's pins and exclusions join the policy's. Each run
  is recorded with its suggestions, so a restarted server shows the same board.
- **The gate.** Only suggestions the independent validator accepts are shown:
  each run's result passes the library's gate (:mod:`allocopt.allocation.gate`; a
  run it cannot repair raises :class:`RuleBreach` and shows nothing), and after
  every decision the suggestions
  still open are checked again with the decisions made (a suggestion that would now
  break a hard rule, or names an excluded worker, is withheld until a re-run).
- **Decisions.** Accept, give to another worker (a reason when the choice goes
  against a preference; a hard rule only with a recorded reason, marked as an
  override), defer, pin, exclude, reopen (a correction). Each is one appended row
  with the household's next revision; of two tabs deciding one household the
  database lets one win and the other is told (:class:`DecisionConflict`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from allocopt.allocation.exact import ExactProblem, exact_problem
from allocopt.allocation.explain import MeetingOutcome, Standing, Suggestion, Waiting, explain
from allocopt.allocation.gate import RuleBreach, gated_allocation
from allocopt.allocation.problem import (
    AllocationProblem,
    AllocationResult,
    Allocator,
    Assignment,
    Exclusion,
    Pin,
    WaitingHousehold,
    build_problem,
)
from allocopt.allocation.rebalance import RebalancePlan, plan_rebalance
from allocopt.allocation.rule_checks import breaches
from allocopt.allocation.rule_forms import Taken, household_measure
from allocopt.allocation.rules import RULE_LABELS
from allocopt.allocation.soft_rules import continuity
from allocopt.allocation.soft_rules import locality as locality_rule
from allocopt.allocation.soft_rules import skills as skills_rule
from allocopt.allocation.validate import validate_exact
from allocopt.board import score_team
from allocopt.capacity import load_pct, rag_band
from allocopt.domain import Caseload, Holding, Household
from allocopt.errors import InputError
from allocopt.io.meeting import MeetingInputs
from allocopt.record.store import (
    CaseSnapshot,
    DecisionConflict,
    DecisionRecord,
    DecisionRow,
    MeetingInfo,
    NewDecision,
    RunRow,
    WorkerSnapshot,
)
from allocopt.report.minutes import (
    Decided,
    HouseholdLine,
    Load,
    Minutes,
    WorkerLine,
    solver_words,
    suggestion_line,
)

__all__ = ["DecisionConflict", "FormError", "MeetingBoard", "RuleBreach"]

FINAL = ("accepted", "overridden", "deferred")
ALLOCATED = ("accepted", "overridden")
MAX_REASON = 1000
MAX_NAME = 100


class FormError(Exception):
    """Input the meeting cannot act on, with a message for the page."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(message)


# --------------------------------------------------------------- household state


@dataclass(frozen=True)
class HouseholdState:
    """What the meeting has said about one household so far."""

    revision: int = 0
    decision: DecisionRow | None = None
    """The latest accepted, overridden or deferred row; None while undecided."""
    pin: DecisionRow | None = None
    exclusions: tuple[DecisionRow, ...] = ()
    last: DecisionRow | None = None

    @property
    def outcome(self) -> str | None:
        return self.decision.outcome if self.decision is not None else None

    @property
    def excluded(self) -> frozenset[str]:
        return frozenset(r.chosen_worker for r in self.exclusions if r.chosen_worker)


def fold(rows: Iterable[DecisionRow]) -> dict[str, HouseholdState]:
    """Each household's state from its rows in revision order (a reopening clears it)."""
    state: dict[str, HouseholdState] = {}
    for row in sorted(rows, key=lambda r: (r.household_id, r.revision)):
        s = state.get(row.household_id, HouseholdState())
        if row.outcome in FINAL:
            s = replace(s, decision=row)
        elif row.outcome == "pinned":
            s = replace(s, pin=row)
        elif row.outcome == "excluded":
            s = replace(s, exclusions=(*s.exclusions, row))
        elif row.outcome == "reopened":
            s = HouseholdState()
        state[row.household_id] = replace(s, revision=row.revision, last=row)
    return state


# ------------------------------------------------------------------------ views


@dataclass(frozen=True)
class WorkerView:
    """A worker's bar on the board."""

    worker_id: str
    name: str | None
    benchmark: float
    now: Standing
    decided: Standing
    after: Standing
    action: str
    available: bool
    note: str | None
    households: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    """One waiting household on the board."""

    household: WaitingHousehold
    names: str | None
    state: HouseholdState
    suggestion: Suggestion | None
    secondary: Suggestion | None
    withheld: str | None
    """Why the run's suggestion is not shown any more (decisions since, exclusions)."""
    waiting: Waiting | None

    @property
    def id(self) -> str:
        return self.household.id


@dataclass(frozen=True)
class Preview:
    """What giving a household to a worker would do, before it is confirmed."""

    household_id: str
    worker_id: str
    before: Standing
    after: Standing
    breaches: tuple[tuple[str, str], ...]
    against: tuple[str, ...]
    suggested: str | None

    @property
    def override_needed(self) -> bool:
        return bool(self.breaches)

    @property
    def reason_needed(self) -> bool:
        return bool(self.breaches or self.against)

    def breach_words(self) -> str:
        return "; ".join(f"{RULE_LABELS.get(rule, rule)}: {why}" for rule, why in self.breaches)


@dataclass(frozen=True)
class BoardView:
    """Everything the board shows, worked out once per change."""

    workers: tuple[WorkerView, ...]
    rows: tuple[Row, ...]
    pending: tuple[Assignment, ...]
    taken: tuple[Taken, ...]
    counts: dict[str, int]
    withheld: int
    by_id: dict[str, Row] = field(default_factory=dict)


@dataclass
class _Run:
    row: RunRow
    problem: AllocationProblem
    outcome: MeetingOutcome
    suggestions: dict[tuple[str, str], Suggestion] = field(default_factory=dict)
    waiting: dict[str, Waiting] = field(default_factory=dict)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


# ------------------------------------------------------------------ the meeting


class MeetingBoard:
    """One team's meeting on one date, on the board."""

    def __init__(self, inputs: MeetingInputs, record: DecisionRecord,
                 allocator: Callable[[], Allocator], *, show_names: bool = False) -> None:
        self.inputs = inputs
        self.record = record
        self.allocator = allocator
        self.show_names = show_names
        self.base = inputs.problem
        self.ex: ExactProblem = exact_problem(self.base)
        self.scheme = self.base.scheme
        self.team = inputs.inputs.team.team
        self.caseload = inputs.inputs.caseload.caseload
        self.by_id: dict[str, Household] = {h.id: h for h in inputs.waiting}
        self.title = inputs.title
        self._lock = threading.RLock()
        self._rebalance: tuple[int, RebalancePlan] | None = None
        self._suggested_in: dict[int, dict[tuple[str, str], Suggestion]] = {}
        """Each run's explained suggestions by run id: a decision's reasons are those of
        the run it was made on, which a re-run replaces on the board."""
        first: AllocationResult | None = None
        if record.find_meeting(self.team.id, self.base.on) is None:
            # a new meeting's first run passes the gate before anything is written: the
            # record is append-only, so a run the gate refuses (RuleBreach) must leave
            # no meeting and no snapshot behind
            first = gated_allocation(self.base, self.allocator()).result
        self.meeting: MeetingInfo = self._open()
        self.rows: list[DecisionRow] = record.decisions(self.meeting.id)
        self.state = fold(self.rows)
        self._check_decisions()
        latest = record.latest_run(self.meeting.id)
        if latest is None:
            self.run = self._new_run("the board, when the meeting opened",
                                     first if not self.rows else None)
        elif self._matches(latest):
            self.run = self._load_run(latest)
        else:
            # the files were edited since: the last run names households no longer
            # waiting or workers no longer in the team, so the optimiser runs again
            self.run = self._new_run(f"the board: run {latest.number} no longer matched the "
                                     "waiting list and team")
        self.view = self._make_view()

    # ------------------------------------------------------------------ opening

    def _open(self) -> MeetingInfo:
        board = score_team(self.scheme, self.team, self.caseload, self.base.on)
        index = {h.id: h for h in self.caseload.households}
        workers = []
        cases = []
        for row in board.workers:
            unavailable = next((w.unavailable for w in self.base.workers
                                if w.id == row.worker.id), None)
            workers.append(WorkerSnapshot(
                worker_id=row.worker.id, role=row.worker.role.value, fte=row.capacity.fte,
                benchmark=row.capacity.benchmark, load=row.load, load_pct=_finite(row.load_pct),
                band=row.rag.name, households=row.counts.households,
                children=row.counts.children, available=unavailable is None, note=unavailable))
            for case in row.cases:
                household = index[case.household_id]
                statuses: dict[str, int] = {}
                for cid in case.child_ids:
                    status = household.child(cid).status.value
                    statuses[status] = statuses.get(status, 0) + 1
                cases.append(CaseSnapshot(case.household_id, row.worker.id, case.role,
                                          case.total, len(case.child_ids),
                                          ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))))
        team = self.team
        return self.record.open_meeting(team.id, team.name or team.id, self.base.on,
                                        self.scheme.id, self.scheme.unit.value, workers, cases)

    def _check_decisions(self) -> None:
        """Refuse to carry on a meeting whose allocations name a household no longer on
        the waiting list or a worker no longer in the team (the files were edited after
        the decisions): the board would drop them from the workers' loads unseen."""
        allocated = [(h, s.decision) for h, s in sorted(self.state.items())
                     if s.decision is not None and s.decision.outcome in ALLOCATED]
        households = [h for h, _ in allocated if h not in self.by_id]
        workers = sorted({w for _, d in allocated if d is not None
                          for w in (d.chosen_worker, d.secondary_worker)
                          if w and w not in self.ex.worker_index})
        if not households and not workers:
            return
        gone = []
        if households:
            gone.append(f"{', '.join(households)} (no longer on the waiting list)")
        if workers:
            gone.append(f"{', '.join(workers)} (no longer in the team)")
        waiting = self.inputs.inputs.waiting
        raise InputError(
            waiting.path if waiting is not None else None,
            f"the meeting of {self.base.on:%d %b %Y} has allocations recorded for "
            f"{'; '.join(gone)}",
            expected="the waiting list and team the decisions were made on (put them back "
            "and reopen those decisions on the board, or hold the meeting with another --date)")

    def _matches(self, row: RunRow) -> bool:
        """Whether a recorded run names only households still waiting and workers still
        in the team."""
        return (all(h in self.by_id and w in self.ex.worker_index
                    for h, w, _, _ in row.assignments)
                and all(h in self.by_id for h in row.unallocated))

    # --------------------------------------------------------------------- runs

    def problem_with(self, rows: Sequence[DecisionRow]) -> AllocationProblem:
        """The meeting's problem with these decisions fixed (see the module docstring)."""
        state = fold(rows)
        if not state:
            return self.base
        allocated = {h: s.decision for h, s in state.items()
                     if s.decision is not None and s.decision.outcome in ALLOCATED}
        gone = {h for h, s in state.items() if s.decision is not None}
        holdings = []
        for hid, row in allocated.items():
            assert row is not None and row.chosen_worker is not None
            household = self.by_id[hid]
            children = tuple(c.id for c in household.children)
            holdings.append(Holding(worker_id=row.chosen_worker, household_id=hid,
                                    child_ids=children, role="lead", allocated_on=self.base.on))
            if row.secondary_worker:
                holdings.append(Holding(worker_id=row.secondary_worker, household_id=hid,
                                        child_ids=children, role="secondary",
                                        allocated_on=self.base.on))
        caseload = Caseload(
            households=self.caseload.households + tuple(self.by_id[h] for h in allocated),
            holdings=self.caseload.holdings + tuple(holdings))
        waiting = tuple(h for h in self.inputs.waiting if h.id not in gone)
        left = {h.id for h in waiting}
        policy = self.inputs.policy
        pinned_here = {h: s.pin.chosen_worker for h, s in state.items()
                       if s.pin is not None and s.pin.chosen_worker and h in left}
        pins = tuple(p for p in policy.pins if p.household in left and p.household not in pinned_here)
        pins += tuple(Pin(household=h, worker=w, note="pinned at the meeting")
                      for h, w in sorted(pinned_here.items()) if w)
        exclusions = tuple(e for e in policy.exclusions if e.household in left)
        exclusions += tuple(Exclusion(household=h, worker=r.chosen_worker,
                                      reason=r.reason or "excluded at the meeting")
                            for h, s in sorted(state.items()) if h in left
                            for r in s.exclusions if r.chosen_worker)
        chosen = policy.model_copy(update={"pins": pins, "exclusions": exclusions})
        return build_problem(self.scheme, chosen, self.team, caseload, waiting, self.base.on)

    def _new_run(self, requested_by: str, gated: AllocationResult | None = None) -> _Run:
        """Run the optimiser on the meeting with its decisions so far fixed and record the
        run (`gated`: a result already through the gate on the meeting with none)."""
        rows = list(self.rows)
        problem = self.problem_with(rows)
        # the library's gate: only an allocation the validator accepts is shown (a
        # breach is repaired by solving again, or RuleBreach: nothing is shown)
        result = gated if gated is not None else gated_allocation(problem, self.allocator()).result
        row = self.record.add_run(
            self.meeting.id, result.solver, result.status, rows[-1].id if rows else 0,
            ((a.household_id, a.worker_id, a.role, a.points) for a in result.assignments),
            result.unallocated, result.notes if result.status == "infeasible" else (),
            requested_by)
        return self._explained(row, problem, result)

    def _load_run(self, row: RunRow) -> _Run:
        problem = self.problem_with([r for r in self.rows if r.id <= row.fixed_through])
        result = AllocationResult(
            solver=row.solver, status=row.status, unallocated=row.unallocated,
            assignments=tuple(Assignment(h, w, "lead" if role == "lead" else "secondary", p)
                              for h, w, role, p in row.assignments),
            notes=row.notes)
        return self._explained(row, problem, result)

    def _explained(self, row: RunRow, problem: AllocationProblem,
                   result: AllocationResult) -> _Run:
        # in the board's order, so each row's before and after read from the top down
        rank = {h.id: (h.tier, -h.waiting_days, h.id) for h in problem.households}
        ordered = sorted(result.assignments,
                         key=lambda a: (rank[a.household_id], a.role != "lead"))
        outcome = explain(problem, replace(result, assignments=tuple(ordered)))
        run = _Run(row, problem, outcome)
        run.suggestions = {(s.household_id, s.role): s for s in outcome.suggestions}
        run.waiting = {w.household_id: w for w in outcome.waiting}
        self._suggested_in[row.id] = run.suggestions
        return run

    def rerun(self, requested_by: str) -> RunRow:
        """Run the optimiser again with every decision so far fixed."""
        name = _name(requested_by)
        run = self._new_run(name)  # outside the lock: previews carry on meanwhile
        with self._lock:
            if run.row.number > self.run.row.number:
                self.run = run
                self._rebalance = None
            self.view = self._make_view()
        return run.row

    # --------------------------------------------------------------------- view

    def _decided_assignments(self, state: dict[str, HouseholdState],
                             skip: str | None = None) -> list[Assignment]:
        out = []
        for hid, s in state.items():
            d = s.decision
            if hid == skip or d is None or d.outcome not in ALLOCATED or not d.chosen_worker:
                continue
            h = self.ex.household_index[hid]
            out.append(Assignment(hid, d.chosen_worker, "lead", self.ex.to_scheme(self.ex.points[h])))
            if d.secondary_worker:
                out.append(Assignment(hid, d.secondary_worker, "secondary",
                                      self.ex.to_scheme(self.ex.secondary[h])))
        return out

    def _taken(self, assignments: Iterable[Assignment]) -> list[Taken]:
        taken = [Taken() for _ in self.ex.workers]
        for a in assignments:
            taken[self.ex.worker_index[a.worker_id]].add(
                self.ex, self.ex.household_index[a.household_id], a.role)
        return taken

    def _make_view(self) -> BoardView:
        ex = self.ex
        state = self.state
        decided = self._decided_assignments(state)
        withheld: dict[str, str] = {}
        pending: list[Assignment] = []
        for a in self.run.outcome.result.assignments:
            s = state.get(a.household_id, HouseholdState())
            if s.decision is not None:
                continue
            if a.role == "lead" and s.pin is not None and s.pin.chosen_worker != a.worker_id:
                withheld[a.household_id] = (f"pinned to {s.pin.chosen_worker} at the meeting: "
                                            "re-run to place it")
            elif a.worker_id in s.excluded:
                withheld[a.household_id] = f"{a.worker_id} was excluded at the meeting: re-run"
            else:
                pending.append(a)
        # The gate again, with the decisions made: a suggestion that would now break a
        # hard rule is withheld, the lowest priority first, one per worker at a time.
        rank = {h.id: (h.tier, -h.waiting_days, h.id) for h in ex.households}
        while True:
            found = validate_exact(ex, tuple(decided + pending))
            mine = {(a.household_id, a.worker_id) for a in pending}
            worst: dict[str, tuple[str, str]] = {}
            for b in found:
                if b.worker_id is None or (b.household_id, b.worker_id) not in mine:
                    continue
                known = worst.get(b.worker_id)
                if known is None or rank[b.household_id] > rank[known[0]]:
                    worst[b.worker_id] = (b.household_id, b.reason)
            if not worst:
                break
            for hid, why in worst.values():
                withheld.setdefault(hid, f"no longer safe after the decisions made ({why}): "
                                         "re-run")
            pending = [a for a in pending if a.household_id not in withheld]
        pending = [a for a in pending if a.household_id not in withheld]
        taken_decided = self._taken(decided)
        taken_all = self._taken(decided + pending)
        rows = []
        pending_ids = {a.household_id for a in pending}
        for i in sorted(range(len(ex.households)),
                        key=lambda i: (ex.households[i].tier, -ex.households[i].waiting_days,
                                       ex.households[i].id)):
            h = ex.households[i]
            s = state.get(h.id, HouseholdState())
            showing = h.id in pending_ids
            rows.append(Row(
                household=h, names=self._names(h.id), state=s,
                suggestion=self.run.suggestions.get((h.id, "lead")) if showing else None,
                secondary=self.run.suggestions.get((h.id, "secondary")) if showing else None,
                withheld=withheld.get(h.id) if s.decision is None else None,
                waiting=self.run.waiting.get(h.id) if s.decision is None and not showing
                else None))
        added: dict[str, list[str]] = {}
        for a in decided + pending:
            added.setdefault(a.worker_id, []).append(a.household_id)
        workers = []
        for w, worker in enumerate(ex.workers):
            now = self._standing(w, 0)
            workers.append(WorkerView(
                worker_id=worker.id, name=self._worker_name(worker.id),
                benchmark=ex.to_scheme(ex.benchmark[w]), now=now,
                decided=self._standing(w, taken_decided[w].load),
                after=self._standing(w, taken_all[w].load),
                action=rag_band(self.scheme, now.pct).action, available=not worker.unavailable,
                note=worker.unavailable, households=tuple(sorted(added.get(worker.id, ())))))
        counts = {"waiting": len(rows), "decided": sum(1 for r in rows if r.state.decision),
                  "suggested": len(pending_ids),
                  "overrides": sum(1 for r in rows if r.state.decision is not None
                                   and r.state.decision.hard_rule_override)}
        return BoardView(tuple(workers), tuple(rows), tuple(pending), tuple(taken_decided),
                         counts, len(withheld), {r.id: r for r in rows})

    def _standing(self, w: int, extra: int) -> Standing:
        load = self.ex.to_scheme(self.ex.load[w] + extra)
        pct = load_pct(load, self.ex.to_scheme(self.ex.benchmark[w]))
        band = rag_band(self.scheme, pct)
        return Standing(load, pct, band.name, band.colour)

    def _names(self, household_id: str) -> str | None:
        if not self.show_names:
            return None
        names = [c.name for c in self.by_id[household_id].children if c.name]
        return ", ".join(names) or None

    def _worker_name(self, worker_id: str) -> str | None:
        if not self.show_names:
            return None
        return self.team.worker(worker_id).name

    def row(self, household_id: str) -> Row:
        found = self.view.by_id.get(household_id)
        if found is not None:
            return found
        raise FormError(f"{_shown(household_id)} is not on this meeting's waiting list",
                        "household")

    # ------------------------------------------------------------------ preview

    def preview(self, household_id: str, worker_id: str) -> Preview:
        """That worker's load and band if they took the household, and what stands in
        the way: hard rules (an override) and preferences (a reason)."""
        row = self.row(household_id)
        ex = self.ex
        w = ex.worker_index.get(worker_id)
        if w is None:
            raise FormError(f"{_shown(worker_id)} is not a worker in this team", "worker")
        h = ex.household_index[household_id]
        view = self.view
        taken = view.taken[w]
        if row.state.decision is not None:
            # a correction: the household's own decision does not count against it
            mine = self._decided_assignments({household_id: row.state})
            if any(a.worker_id == worker_id for a in mine):
                taken = taken.copy()
                for a in mine:
                    if a.worker_id == worker_id:
                        taken.remove(ex, h, a.role)
        found = [(r.rule, r.reason) for r in breaches(ex, w, h, "lead", taken)]
        if worker_id in row.state.excluded:
            found.append(("exclusions", f"{worker_id} was excluded from {household_id} at the "
                                        "meeting"))
        if row.state.pin is not None and row.state.pin.chosen_worker != worker_id:
            found.append(("pins", f"{household_id} was pinned to {row.state.pin.chosen_worker} "
                                  "at the meeting"))
        suggested = self.suggested_worker(row)
        return Preview(household_id, worker_id, self._standing(w, taken.load),
                       self._standing(w, taken.load + household_measure(ex, h, "lead", "load")),
                       tuple(found), self._against(h, w, suggested), suggested)

    def suggested_worker(self, row: Row) -> str | None:
        """The lead the optimiser suggested (shown now, or when the decision was made)."""
        if row.suggestion is not None:
            return row.suggestion.worker_id
        s = self.run.suggestions.get((row.id, "lead"))
        return s.worker_id if s is not None else None

    def _against(self, h: int, w: int, suggested: str | None) -> tuple[str, ...]:
        """The preferences the choice loses against the suggested worker (or, with no
        suggestion, against what any worker in the team could offer)."""
        ex = self.ex
        prefs = ex.problem.policy.preferences
        empty = Taken()
        out = []
        for weight, rule, name in ((prefs.continuity, continuity, "continuity"),
                                   (prefs.skills, skills_rule, "skills"),
                                   (prefs.locality, locality_rule, "locality")):
            if weight == 0:
                continue
            mine = rule(ex, w, h, "lead", empty)
            if mine is None:
                continue
            if suggested is not None:
                other = ex.worker_index.get(suggested)
                if other is not None and rule(ex, other, h, "lead", empty) is None:
                    out.append(f"{name}: {mine} ({suggested} is suggested)")
            elif any(rule(ex, o, h, "lead", empty) is None for o in range(len(ex.workers))):
                out.append(f"{name}: {mine}")
        return tuple(out)

    # ---------------------------------------------------------------- decisions

    def _record(self, row: Row, expected: int, decision: NewDecision) -> DecisionRow:
        with self._lock:
            saved = self.record.add_decision(self.meeting.id, decision, expected)
            self.rows.append(saved)
            self.state = fold(self.rows)
            self._rebalance = None
            self.view = self._make_view()
        return saved

    def _standings(self, preview: Preview | None) -> dict[str, float | str | None]:
        if preview is None:
            return {}
        return {"load_before": preview.before.load, "pct_before": _finite(preview.before.pct),
                "band_before": preview.before.band, "load_after": preview.after.load,
                "pct_after": _finite(preview.after.pct), "band_after": preview.after.band}

    def _correction(self, row: Row, reason: str | None) -> int | None:
        """The row a new decision corrects (a reason is needed to change a decision)."""
        if row.state.decision is None:
            return None
        if not reason:
            raise FormError(f"{row.id} was already decided ({row.state.decision.outcome}); "
                            "give a reason to correct it", "reason")
        return row.state.decision.id

    def _current(self, household_id: str, expected: int) -> Row:
        """The household's row if the form was drawn from its latest revision, else
        :class:`DecisionConflict` before any other check: a tab that lost to another is
        told what was decided there, not why its own choice would not do (the record's
        unique revision still settles two decisions made at the same moment)."""
        row = self.row(household_id)
        if expected != row.state.revision:
            raise DecisionConflict(row.state.last)
        return row

    def accept(self, household_id: str, expected: int, decided_by: str) -> DecisionRow:
        """Accept the optimiser's suggestion for a household."""
        who = _name(decided_by)
        row = self._current(household_id, expected)
        if row.suggestion is None:
            why = row.withheld or (row.waiting.reason if row.waiting else "none was made")
            raise FormError(f"There is no suggestion for {household_id} to accept ({why}); "
                            "give it to a worker instead", "household")
        if row.state.decision is not None:
            raise FormError(f"{household_id} is already decided", "household")
        lead = row.suggestion.worker_id
        preview = self.preview(household_id, lead)
        return self._record(row, expected, NewDecision(
            household_id=household_id, outcome="accepted", decided_by=who,
            suggested_worker=lead, chosen_worker=lead,
            secondary_worker=row.secondary.worker_id if row.secondary else None,
            run_id=self.run.row.id, **self._standings(preview)))  # type: ignore[arg-type]

    def assign(self, household_id: str, worker_id: str, reason: str | None, override: bool,
               expected: int, decided_by: str) -> DecisionRow:
        """Give a household to a worker (another than suggested, or a correction)."""
        who = _name(decided_by)
        reason = _reason(reason)
        row = self._current(household_id, expected)
        preview = self.preview(household_id, worker_id)
        corrects = self._correction(row, reason)
        if preview.breaches:
            if not override or not reason:
                raise FormError(
                    f"{worker_id} may not take {household_id} under the hard rules: "
                    f"{preview.breach_words()}. To override, tick 'override a hard rule' and "
                    "give the reason; the override is recorded and marked.", "reason")
        elif preview.against and not reason:
            raise FormError(f"A reason is needed: {worker_id} goes against the preferences "
                            f"({'; '.join(preview.against)}).", "reason")
        suggested = preview.suggested
        accepted = worker_id == suggested and not preview.breaches
        secondary = None
        if self.ex.households[self.ex.household_index[household_id]].co_working:
            s = self.run.suggestions.get((household_id, "secondary"))
            if s is not None and s.worker_id != worker_id:
                secondary = s.worker_id
        return self._record(row, expected, NewDecision(
            household_id=household_id, outcome="accepted" if accepted else "overridden",
            decided_by=who, suggested_worker=suggested, chosen_worker=worker_id,
            secondary_worker=secondary, hard_rule_override=bool(preview.breaches),
            rules_overridden=preview.breach_words() or None,
            against_preference="; ".join(preview.against) or None, reason=reason,
            run_id=self.run.row.id, corrects=corrects,
            **self._standings(preview)))  # type: ignore[arg-type]

    def defer(self, household_id: str, reason: str | None, expected: int,
              decided_by: str) -> DecisionRow:
        """Leave a household for a later meeting."""
        who = _name(decided_by)
        reason = _reason(reason)
        row = self._current(household_id, expected)
        corrects = self._correction(row, reason)
        return self._record(row, expected, NewDecision(
            household_id=household_id, outcome="deferred", decided_by=who,
            suggested_worker=self.suggested_worker(row), reason=reason, run_id=self.run.row.id,
            corrects=corrects))

    def pin(self, household_id: str, worker_id: str, note: str | None, expected: int,
            decided_by: str) -> DecisionRow:
        """Fix a household to a worker for the next run (the pin must keep the rules)."""
        who = _name(decided_by)
        note = _reason(note)
        row = self._current(household_id, expected)
        if row.state.decision is not None:
            raise FormError(f"{household_id} is already decided; reopen it first", "household")
        preview = self.preview(household_id, worker_id)
        if preview.breaches:
            raise FormError(f"A pin must keep the hard rules, and {worker_id} may not take "
                            f"{household_id}: {preview.breach_words()}. Give it to "
                            f"{worker_id} with an override instead.", "worker")
        return self._record(row, expected, NewDecision(
            household_id=household_id, outcome="pinned", decided_by=who,
            suggested_worker=self.suggested_worker(row), chosen_worker=worker_id, reason=note,
            run_id=self.run.row.id, **self._standings(preview)))  # type: ignore[arg-type]

    def exclude(self, household_id: str, worker_id: str, reason: str | None, expected: int,
                decided_by: str) -> DecisionRow:
        """Never this worker for this household (a conflict of interest, say)."""
        who = _name(decided_by)
        reason = _reason(reason)
        row = self._current(household_id, expected)
        if worker_id not in self.ex.worker_index:
            raise FormError(f"{_shown(worker_id)} is not a worker in this team", "worker")
        if row.state.decision is not None:
            raise FormError(f"{household_id} is already decided; reopen it first", "household")
        if not reason:
            raise FormError("Say why the worker is excluded (it goes into the record)", "reason")
        return self._record(row, expected, NewDecision(
            household_id=household_id, outcome="excluded", decided_by=who,
            suggested_worker=self.suggested_worker(row), chosen_worker=worker_id, reason=reason,
            run_id=self.run.row.id))

    def reopen(self, household_id: str, reason: str | None, expected: int,
               decided_by: str) -> DecisionRow:
        """Put a household back to be decided again (its decision, pin and exclusions
        stay in the record; the new row says they no longer hold)."""
        who = _name(decided_by)
        reason = _reason(reason)
        row = self._current(household_id, expected)
        if row.state.last is None:
            raise FormError(f"Nothing has been decided about {household_id} yet", "household")
        if not reason:
            raise FormError("Say why the decision is reopened (it goes into the record)",
                            "reason")
        return self._record(row, expected, NewDecision(
            household_id=household_id, outcome="reopened", decided_by=who, reason=reason,
            corrects=row.state.last.id, run_id=self.run.row.id))

    # ------------------------------------------------------------ other views

    def current_caseload(self) -> Caseload:
        """The caseload with the meeting's allocations added."""
        state = fold(self.rows)
        allocated = [(h, s.decision) for h, s in sorted(state.items())
                     if s.decision is not None and s.decision.outcome in ALLOCATED]
        holdings = []
        for hid, d in allocated:
            assert d is not None and d.chosen_worker is not None
            children = tuple(c.id for c in self.by_id[hid].children)
            holdings.append(Holding(worker_id=d.chosen_worker, household_id=hid,
                                    child_ids=children, allocated_on=self.base.on))
            if d.secondary_worker:
                holdings.append(Holding(worker_id=d.secondary_worker, household_id=hid,
                                        child_ids=children, role="secondary",
                                        allocated_on=self.base.on))
        return Caseload(households=self.caseload.households
                        + tuple(self.by_id[h] for h, _ in allocated),
                        holdings=self.caseload.holdings + tuple(holdings))

    def rebalance(self) -> RebalancePlan:
        """The written plan for workers in red, with the meeting's allocations made."""
        key = len(self.rows)
        cached = self._rebalance
        if cached is not None and cached[0] == key:
            return cached[1]
        plan = plan_rebalance(self.scheme, self.inputs.policy, self.team, self.current_caseload(),
                              self.base.on)
        self._rebalance = (key, plan)
        return plan

    def minutes(self) -> Minutes:
        """The minutes: decisions made, suggestions still open, households waiting."""
        view = self.view
        outcome = self.run.outcome
        lines: list[HouseholdLine] = []
        waiting: list[Waiting] = []
        for r in view.rows:
            d = r.state.decision
            if d is not None:
                lines.append(self._decided_line(r, d))
            elif r.suggestion is not None:
                lines.append(suggestion_line(r.suggestion))
                if r.secondary is not None:
                    lines.append(suggestion_line(r.secondary))
            else:
                h = r.household
                reason = r.withheld or (r.waiting.reason if r.waiting else "not placed")
                waiting.append(Waiting(len(waiting) + 1, h.id, h.tier_name, h.waiting_days,
                                       h.children, _statuses(self.ex, h), h.points, reason))
        workers = tuple(
            WorkerLine(w.worker_id, Load.of(w.now), Load.of(w.after),
                       w.after.load - w.now.load, w.households)
            for w in view.workers if w.households)
        counts = view.counts
        notes = [f"Held on the meeting board: {counts['decided']} of {counts['waiting']} "
                 f"households decided, {counts['suggested']} suggestions still open; "
                 f"suggestions from run {self.run.row.number} of the optimiser."]
        if view.withheld:
            notes.append(f"{view.withheld} suggestion(s) withheld after the decisions made (they "
                         "would now break a hard rule); the escalation below is from run "
                         f"{self.run.row.number}: re-run the optimiser to bring it up to date.")
        if counts["overrides"]:
            notes.append(f"Hard rules overridden by the manager: {counts['overrides']} "
                         "(marked below, with the reasons recorded).")
        p = self.base
        return Minutes(
            title=self.title, on=p.on, scheme=self.scheme.name, unit=self.scheme.unit.value,
            decimals=self.scheme.decimals, method=solver_words(outcome),
            ceiling_band=p.policy.ceiling_band,
            rules_off=tuple(n for n, on in p.policy.rules.model_dump().items() if not on),
            conflicts=tuple(outcome.conflicts), lines=tuple(lines), waiting=tuple(waiting),
            escalation_needed=outcome.escalation.needed, escalation=outcome.escalation.summary,
            workers=workers, breaches=tuple(f"{b.rule}: {b.reason}" for b in outcome.breaches),
            notes=tuple(notes))

    def suggestion_when_decided(self, d: DecisionRow) -> Suggestion | None:
        """The lead suggestion for the decision's household in the run it was made on
        (read back from the record, and explained again, after a restart)."""
        key = (d.household_id, "lead")
        if d.run_id is None or d.run_id == self.run.row.id:
            return self.run.suggestions.get(key)
        known = self._suggested_in.get(d.run_id)
        if known is None:
            row = self.record.run(self.meeting.id, d.run_id)
            if row is None or not self._matches(row):
                return None
            known = self._load_run(row).suggestions
        return known.get(key)

    def _decided_line(self, r: Row, d: DecisionRow) -> HouseholdLine:
        h = r.household
        s = self.suggestion_when_decided(d)
        if d.outcome == "deferred":
            return HouseholdLine(h.id, h.tier_name, h.waiting_days, h.points, None, "lead",
                                 None, None, "deferred to a later meeting",
                                 decided=self._decided(d))
        if s is not None and s.worker_id == d.chosen_worker:
            why = s.why
        else:
            why = "the optimiser's suggestion" if d.outcome == "accepted" else (
                "the manager's choice")
        if d.secondary_worker:
            why += f"; co-worker {d.secondary_worker}"
        # the workers the optimiser weighed against its suggestion: given to another
        # worker, the suggestion comes first, and the chosen worker is not listed as
        # an alternative to themselves (its words were about the suggestion's plan)
        alternatives: tuple[str, ...] = ()
        if s is not None:
            alternatives = tuple(f"{a.worker_id}: {a.reason}" for a in s.alternatives
                                 if a.worker_id != d.chosen_worker)
            if s.worker_id != d.chosen_worker:
                alternatives = (f"{s.worker_id}: suggested ({s.why})", *alternatives)
        return HouseholdLine(
            h.id, h.tier_name, h.waiting_days, h.points, d.chosen_worker, "lead",
            Load(d.pct_before, d.band_before or "", d.band_before or ""),
            Load(d.pct_after, d.band_after or "", d.band_after or ""), why,
            alternatives=alternatives, decided=self._decided(d))

    @staticmethod
    def _decided(d: DecisionRow) -> Decided:
        return Decided(d.outcome if d.outcome in FINAL else "suggested",  # type: ignore[arg-type]
                       reason=d.reason, hard_rule_override=d.rules_overridden
                       if d.hard_rule_override else None, decided_by=d.decided_by,
                       decided_at=d.decided_at.astimezone().strftime("%d %b %Y %H:%M"),
                       suggested_worker=d.suggested_worker)


def _statuses(ex: ExactProblem, h: WaitingHousehold) -> str:
    from allocopt.allocation.explain import household_words

    return household_words(ex, ex.household_index[h.id])


def _shown(value: str) -> str:
    """An id as typed, if it looks like an id (never echo what could be a name)."""
    text = value.strip()
    if 0 < len(text) <= 64 and all(c.isalnum() or c in "-_./" for c in text):
        return text
    return "the value given"


def _name(value: str | None) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise FormError("Say who is deciding (top of the page) before recording a decision",
                        "decided_by")
    if len(text) > MAX_NAME:
        raise FormError(f"The name of who is deciding is too long (at most {MAX_NAME} "
                        "characters)", "decided_by")
    return text


def _reason(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_REASON:
        raise FormError(f"The reason is too long (at most {MAX_REASON} characters)", "reason")
    return text or None

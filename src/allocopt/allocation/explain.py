"""Reasons, alternatives and escalation: what the meeting reads.

From an allocation problem and a result (greedy or CP-SAT alike) this module
works out, in plain English and in the scheme's units:

- for every suggestion, the points added, the worker's load % and band before
  and after, what speaks for the choice, and the next workers along with the
  reason each ranks lower (would go amber, not eligible: NQSW at 8 months and
  the case is CP, on leave, ...);
- for every household left waiting, the binding reason, its priority tier and
  how long it has waited;
- when demand exceeds safe capacity, the ranked list of households left
  waiting, the shortfall in scheme units and in FTE of an experienced worker,
  and a short escalation summary for the service manager;
- `recommend`: every worker ranked for one household, eligible or not.

Every result is also checked by the independent validator; a breach would be
listed here rather than hidden.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from allocopt.allocation.exact import ExactProblem, exact_problem
from allocopt.allocation.objective import Objective, evaluate, preference_score
from allocopt.allocation.problem import (
    AllocationProblem,
    AllocationResult,
    Assignment,
    RoleName,
)
from allocopt.allocation.rule_checks import Refusal, breaches, rule_label
from allocopt.allocation.rule_forms import Taken, household_measure
from allocopt.allocation.soft_rules import continuity, locality, skills
from allocopt.allocation.validate import Breach, validate_exact
from allocopt.allocation.words import STATUS_WORDS
from allocopt.capacity import load_pct, rag_band, reference_benchmark
from allocopt.domain import TeamType

ALTERNATIVES = 3
"""How many other workers each suggestion lists."""


@dataclass(frozen=True, slots=True)
class Standing:
    """A worker's load at the meeting, before or after."""

    load: float
    pct: float
    band: str
    colour: str


@dataclass(frozen=True, slots=True)
class WorkerChange:
    """One worker before and after the allocation."""

    worker_id: str
    benchmark: float
    before: Standing
    after: Standing
    added: float
    households: tuple[str, ...]
    available: bool
    note: str | None


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another worker for a household, and why they rank lower."""

    worker_id: str
    eligible: bool
    reason: str
    after: Standing | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One household to one worker, with the reasons.

    `before` is the worker at the start of the meeting and `after` at its end, with
    everything the plan gives them (the same for each of their households).
    `step_before` and `step_after` are the worker just before and just after this
    household, taking the plan's households in the order listed: what a row of the
    meeting's table shows.
    """

    household_id: str
    worker_id: str
    role: RoleName
    tier: str
    waiting_days: int
    children: int
    statuses: str
    points: float
    before: Standing
    after: Standing
    why: str
    alternatives: tuple[Alternative, ...]
    step_before: Standing
    step_after: Standing


@dataclass(frozen=True, slots=True)
class Waiting:
    """A household left waiting, with the binding reason."""

    rank: int
    household_id: str
    tier: str
    waiting_days: int
    children: int
    statuses: str
    points: float
    reason: str


@dataclass(frozen=True, slots=True)
class Escalation:
    """What the service manager needs to hear when demand exceeds safe capacity."""

    needed: bool
    households: int
    children: int
    shortfall: float
    shortfall_fte: float
    unit: str
    summary: str
    workers_in_red: tuple[str, ...]


@dataclass(frozen=True)
class MeetingOutcome:
    """The allocation meeting, explained."""

    problem: AllocationProblem
    result: AllocationResult
    objective: Objective | None
    suggestions: tuple[Suggestion, ...]
    waiting: tuple[Waiting, ...]
    workers: tuple[WorkerChange, ...]
    escalation: Escalation
    breaches: tuple[Breach, ...]
    conflicts: tuple[str, ...]


# ----------------------------------------------------------------- helpers


def standing(ex: ExactProblem, w: int, extra: int) -> Standing:
    """A worker's load, load % and band with `extra` scaled units added."""
    scheme = ex.problem.scheme
    load = ex.to_scheme(ex.load[w] + extra)
    pct = load_pct(load, ex.to_scheme(ex.benchmark[w]))
    band = rag_band(scheme, pct)
    return Standing(load, pct, band.name, band.colour)


def pct_words(s: Standing) -> str:
    return "no capacity" if not math.isfinite(s.pct) else f"{s.pct:.1f}% ({s.band})"


def household_words(ex: ExactProblem, h: int) -> str:
    household = ex.households[h]
    parts = [f"{n} {STATUS_WORDS[s]}" for s, n in sorted(household.by_status.items(),
                                                         key=lambda x: x[0].value) if n]
    return ", ".join(parts)


def _totals(ex: ExactProblem, assignments: Iterable[Assignment]) -> list[Taken]:
    taken = [Taken() for _ in ex.workers]
    for a in assignments:
        taken[ex.worker_index[a.worker_id]].add(ex, ex.household_index[a.household_id], a.role)
    return taken


def _why(ex: ExactProblem, w: int, h: int, role: RoleName, step: tuple[Standing, Standing],
         alternatives: list[Alternative]) -> str:
    """What speaks for a choice, briefly: the band this household leaves the worker in,
    the matches, and how many others could have taken it."""
    before, after = step
    top = ex.acceptable_max[w]
    parts = []
    if role == "secondary":
        parts.append("co-works it at the scheme's co-working share")
    if top is not None and before.load <= ex.to_scheme(top) < after.load:
        parts.append(f"takes {ex.workers[w].id} into {after.band} ({after.pct:.1f}%), within the "
                     f"{ex.problem.policy.ceiling_band} ceiling")
    elif after.band == before.band:
        parts.append(f"stays {after.band} ({after.pct:.1f}%)")
    else:
        parts.append(f"moves from {before.band} to {after.band} ({after.pct:.1f}%)")
    if role == "lead":
        parts += _match(ex, w, h)
    others = sum(1 for a in alternatives if a.eligible)
    if others == 0:
        parts.append("nobody else has room for it in this plan")
    else:
        parts.append(f"{others} other worker{'s' if others != 1 else ''} could also take it")
    return "; ".join(parts)


def rank_workers(ex: ExactProblem, h: int, role: RoleName, taken: list[Taken],
                 chosen: int | None = None) -> list[Alternative]:
    """Every worker for household `h` in `role`, best first, each with its reason.

    `taken` is what each worker holds in the plan *without* this household.
    Allowed workers come first: those staying within the acceptable band, then by
    load % after, then by preference; then the workers a hard rule forbids.
    """
    rows: list[tuple[tuple[float, ...], Alternative]] = []
    chosen_after = (standing(ex, chosen, taken[chosen].load + household_measure(ex, h, role, "load"))
                    if chosen is not None else None)
    for w, worker in enumerate(ex.workers):
        if w == chosen:
            continue
        found = breaches(ex, w, h, role, taken[w], first=True)
        if found:
            # closest to fitting first: no room (by how far over), limits, then not eligible
            first = found[0]
            would = standing(ex, w, taken[w].load + household_measure(ex, h, role, "load"))
            order = {"room": 2.0, "limit": 3.0}.get(first.kind, 4.0)
            text = (f"no room: would go to {pct_words(would)}" if first.kind == "room"
                    else refusal(first))
            rows.append(((order, would.pct if math.isfinite(would.pct) else 1e9, 0.0),
                         Alternative(worker.id, False, text, None)))
            continue
        after = standing(ex, w, taken[w].load + household_measure(ex, h, role, "load"))
        top = ex.acceptable_max[w]
        amber = top is not None and ex.load[w] + taken[w].load + household_measure(ex, h, role, "load") > top
        pref = preference_score(ex, w, h) if role == "lead" else 0
        reasons = []
        if amber:
            reasons.append(f"would go to {pct_words(after)}")
        elif chosen_after is not None and after.pct > chosen_after.pct:
            reasons.append(f"would be at {pct_words(after)}, against {chosen_after.pct:.1f}%")
        elif chosen is None:
            reasons.append(f"would be at {pct_words(after)}")
        if role == "lead":
            for rule in (continuity, skills, locality):
                why = rule(ex, w, h, role, taken[w])
                if why is not None and (chosen is None or rule(ex, chosen, h, role,
                                                               taken[chosen]) is None):
                    reasons.append(why)
        if not reasons:
            reasons.append(f"would also fit ({pct_words(after)}); the plan as a whole is "
                           "more even this way")
        key = (1.0 if amber else 0.0, after.pct if math.isfinite(after.pct) else 1e9, -pref)
        rows.append((key, Alternative(worker.id, True, "; ".join(reasons), after)))
    rows.sort(key=lambda r: (r[0], r[1].worker_id))
    return [alt for _, alt in rows]


def refusal(found: Refusal) -> str:
    """A hard rule's reason as a ranking line: no room, over a limit, or not eligible."""
    if found.kind == "room":
        return f"no room: {found.reason}"
    if found.kind == "limit":
        return f"over a limit: {found.reason}"
    return f"not eligible: {found.reason}"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def waiting_reason(ex: ExactProblem, h: int, taken: list[Taken]) -> str:
    """The binding reason nobody takes household `h` in the final plan."""
    household = ex.households[h]
    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    examples: dict[str, str] = {}
    room_rule = None
    free = []
    for w in range(len(ex.workers)):
        found = breaches(ex, w, h, "lead", taken[w], first=True)
        if found:
            first = found[0]
            counts[first.rule] += 1
            kinds[first.kind] += 1
            examples.setdefault(first.rule, first.reason)
            if first.kind == "room":
                room_rule = first.rule
        else:
            free.append(w)
    if free:
        if household.co_working:
            return ("it is marked for co-working and no second worker could take the "
                    "co-worker's share as well")
        names = ", ".join(ex.workers[w].id for w in free[:3])
        return f"{names} could still take it; the solver stopped at its time limit first"
    if not counts:
        return "there are no workers in the team"
    if room_rule is not None and not kinds["limit"]:
        band = ex.problem.policy.ceiling_band
        example = examples[room_rule].split(", above the")[0]
        n = kinds["room"]
        who = "the one worker" if n == 1 else f"each of the {n} workers"
        return f"no room: {who} who may take it would go above the {band} ceiling (e.g. {example})"
    rule, n = counts.most_common(1)[0]
    others = [f"{rule_label(ex, r)}: {k}" for r, k in counts.most_common() if r != rule]
    text = f"{rule_label(ex, rule)} rules out {n} worker{'s' if n != 1 else ''} ({examples[rule]})"
    if others:
        text += "; also " + ", ".join(others)
    return text


def escalation(ex: ExactProblem, waiting: tuple[Waiting, ...], workers: tuple[WorkerChange, ...],
               team_type: TeamType | None, conflicts: tuple[str, ...]) -> Escalation:
    """The escalation record (DOMAIN.md: ranked list, shortfall in units and FTE, summary)."""
    scheme = ex.problem.scheme
    unit = scheme.unit.value
    red = tuple(w.worker_id for w in workers if w.after.band == scheme.rag[-1].name)
    if conflicts:
        summary = ("The manager's pins cannot all be kept with the hard rules, so no plan was "
                   "made: " + "; ".join(conflicts) + ". Change a pin or the rule, then re-run.")
        return Escalation(True, len(ex.households), sum(h.children for h in ex.households),
                          0.0, 0.0, unit, summary, red)
    index = ex.household_index
    shortfall = math.fsum(ex.households[index[w.household_id]].points
                          + ex.households[index[w.household_id]].secondary_points
                          for w in waiting)
    ref = reference_benchmark(scheme, team_type or TeamType.LONG_TERM)
    fte = shortfall / ref if ref > 0 else math.inf
    children = sum(w.children for w in waiting)
    if not waiting:
        summary = "Every waiting household is allocated within the hard rules."
        if red:
            summary += (f" {', '.join(red)} {'is' if len(red) == 1 else 'are'} in red already "
                        "and need a written plan (allocopt rebalance).")
        return Escalation(bool(red), 0, 0, 0.0, 0.0, unit, summary, red)
    tiers = Counter(w.tier for w in waiting)
    mix = ", ".join(f"{n} {t}" for t, n in sorted(tiers.items(), key=lambda x: -x[1]))
    longest = max(w.waiting_days for w in waiting)
    d = scheme.decimals
    summary = (f"{len(waiting)} household{'s' if len(waiting) != 1 else ''} "
               f"({children} children; {mix}) cannot be allocated safely this week; the "
               f"longest has waited {_days(longest)}. Allocating them needs "
               f"{shortfall:,.{d}f} {unit}, about {fte:.1f} FTE of an experienced worker. "
               f"The first waiting is {waiting[0].household_id} ({waiting[0].tier}): "
               f"{waiting[0].reason}.")
    if red:
        summary += f" Already in red: {', '.join(red)} (written plan needed)."
    summary += " Escalate to the service manager for extra capacity or a decision on priority."
    return Escalation(True, len(waiting), children, shortfall, fte, unit, summary, red)


# ------------------------------------------------------------------ public


def explain(problem: AllocationProblem, result: AllocationResult) -> MeetingOutcome:
    """Everything the meeting reads about an allocation (see the module docstring)."""
    ex = exact_problem(problem)
    assignments = result.assignments
    taken = _totals(ex, assignments)
    running = [0] * len(ex.workers)  # each worker's load from the rows listed so far
    suggestions = []
    for a in assignments:
        h, w = ex.household_index[a.household_id], ex.worker_index[a.worker_id]
        step_before = standing(ex, w, running[w])
        running[w] += household_measure(ex, h, a.role, "load")
        step = (step_before, standing(ex, w, running[w]))
        others = [t for t in taken]
        mine = taken[w].copy()
        mine.remove(ex, h, a.role)
        others[w] = mine
        household = ex.households[h]
        ranked = rank_workers(ex, h, a.role, others, chosen=w)
        suggestions.append(Suggestion(
            household_id=household.id, worker_id=ex.workers[w].id, role=a.role,
            tier=household.tier_name, waiting_days=household.waiting_days,
            children=household.children, statuses=household_words(ex, h), points=a.points,
            before=standing(ex, w, 0), after=standing(ex, w, taken[w].load),
            why=_why(ex, w, h, a.role, step, ranked),
            alternatives=tuple(ranked[:ALTERNATIVES]), step_before=step[0], step_after=step[1],
        ))
    placed = {a.household_id for a in assignments if a.role == "lead"}
    waiting = []
    for rank, hid in enumerate((x for x in result.unallocated if x not in placed), start=1):
        h = ex.household_index[hid]
        household = ex.households[h]
        reason = ("not considered: the pins conflict with the rules" if result.status ==
                  "infeasible" else waiting_reason(ex, h, taken))
        waiting.append(Waiting(rank, hid, household.tier_name, household.waiting_days,
                               household.children, household_words(ex, h), household.points,
                               reason))
    workers = []
    for w, worker in enumerate(ex.workers):
        mine_ids = tuple(sorted(a.household_id for a in assignments if a.worker_id == worker.id))
        workers.append(WorkerChange(
            worker_id=worker.id, benchmark=ex.to_scheme(ex.benchmark[w]),
            before=standing(ex, w, 0), after=standing(ex, w, taken[w].load),
            added=ex.to_scheme(taken[w].load), households=mine_ids,
            available=not worker.unavailable, note=worker.unavailable,
        ))
    conflicts = result.notes if result.status == "infeasible" else ()
    waiting_t = tuple(waiting)
    workers_t = tuple(workers)
    return MeetingOutcome(
        problem=problem, result=result,
        objective=evaluate(ex, assignments) if result.status != "infeasible" else None,
        suggestions=tuple(suggestions), waiting=waiting_t, workers=workers_t,
        escalation=escalation(ex, waiting_t, workers_t, problem.team_type, tuple(conflicts)),
        breaches=tuple(validate_exact(ex, assignments)), conflicts=tuple(conflicts),
    )


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One worker for one household at the meeting."""

    rank: int
    worker_id: str
    eligible: bool
    reason: str
    before: Standing
    after: Standing | None
    preference: int


def recommend(problem: AllocationProblem, household_id: str) -> tuple[Recommendation, ...]:
    """Every worker ranked for one waiting household, eligible or not, with the reason.

    Raises KeyError if the household is not on the waiting list.
    """
    ex = exact_problem(problem)
    h = ex.household_index[household_id]
    taken = [Taken() for _ in ex.workers]
    ranked = rank_workers(ex, h, "lead", taken)
    out = []
    for i, alt in enumerate(ranked, start=1):
        w = ex.worker_index[alt.worker_id]
        reason = alt.reason
        if alt.eligible:
            good = [why for why in (_match(ex, w, h)) if why]
            reason = "; ".join([reason, *good]) if good else reason
        out.append(Recommendation(i, alt.worker_id, alt.eligible, reason, standing(ex, w, 0),
                                  alt.after, preference_score(ex, w, h)))
    return tuple(out)


def _match(ex: ExactProblem, w: int, h: int) -> list[str]:
    worker, household = ex.workers[w], ex.households[h]
    out = []
    if worker.id in household.previous_workers:
        out.append("held the family before")
    matched = sorted(household.skills_needed & worker.skills)
    if matched:
        out.append("has " + ", ".join(matched))
    if household.locality and household.locality == worker.locality:
        out.append(f"covers {household.locality}")
    return out

"""How every engine asks the hard rules: one reading of :data:`~allocopt.allocation.rules.HARD_RULES`.

- :func:`breaches` / :func:`allowed`: every active rule as a predicate (the
  validator, the explanations, pins);
- :func:`statically_allowed` and the facts of :func:`static_worker_facts` and
  :func:`household_facts`: the eligibility parts, asked once per kind of worker and
  household (load types, dealing);
- :func:`worker_limits`, :func:`load_ceilings`, :func:`other_limits`: the linear
  parts, per worker (the CP-SAT model and its LP bound, conflicts, rebalancing,
  the fast paths of dealing, packing and the small-meeting search through
  :func:`still_allowed`);
- :func:`required`: placements a rule requires (pins), :func:`named_households`:
  households a rule names one by one, and :func:`forbidden_pairs`: (household,
  worker) pairs a rule forbids one by one (exclusions).
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from itertools import chain
from typing import NamedTuple, cast

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.problem import HardRules, Policy, RoleName, WorkerState
from allocopt.allocation.rule_forms import HardRule, Kind, Limit, Taken, WorkerFacts
from allocopt.allocation.rules import HARD_RULES, RULE_LABELS


class Refusal(NamedTuple):
    """A hard rule that forbids a choice: its policy name, the reason, how to word it."""

    rule: str
    reason: str
    kind: Kind


def active_rules(ex: ExactProblem) -> tuple[HardRule, ...]:
    """The hard rules the policy switches on, most basic first."""
    # Asked at every rule check: kept with the problem, as hashing the policy's switches
    # (a pydantic model) for the cache below costs more than the check.
    known = ex.derived.get("active rules")
    if known is None:
        known = ex.derived["active rules"] = _active(ex.problem.policy.rules)
    return cast(tuple[HardRule, ...], known)


@functools.lru_cache(maxsize=64)
def _active(switches: HardRules) -> tuple[HardRule, ...]:
    # Asked for at every rule check; a policy's switches are a handful of booleans.
    return tuple(rule for rule in HARD_RULES if getattr(switches, rule.name))


@functools.lru_cache(maxsize=64)
def _static(switches: HardRules) -> tuple[HardRule, ...]:
    return tuple(rule for rule in _active(switches) if rule.static is not None)


def static_rules(ex: ExactProblem) -> tuple[HardRule, ...]:
    """The active rules with an eligibility part."""
    known = ex.derived.get("static rules")
    if known is None:
        known = ex.derived["static rules"] = _static(ex.problem.policy.rules)
    return cast(tuple[HardRule, ...], known)


def breaches(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken, *,
             first: bool = False) -> list[Refusal]:
    """Every active hard rule that forbids worker `w` household `h` in `role` on top of
    `taken` (only the first with `first`)."""
    out = []
    for rule in active_rules(ex):
        found = rule.refusal(ex, w, h, role, taken)
        if found is not None:
            out.append(Refusal(rule.name, *found))
            if first:
                break
    return out


def allowed(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> bool:
    """True when every active hard rule lets worker `w` take household `h` in `role`."""
    return not breaches(ex, w, h, role, taken, first=True)


def statically_allowed(ex: ExactProblem, w: int, h: int, role: RoleName,
                       pairs: bool = True) -> bool:
    """The eligibility parts alone (they do not depend on the rest of the allocation);
    with `pairs` False, without the rules that forbid pairs one by one (callers that take
    those off pair by pair, :func:`forbidden_pairs`)."""
    return all(rule.static(ex, w, h, role) is None  # type: ignore[misc]
               for rule in static_rules(ex) if pairs or rule.pairs is None)


def forbidden_pairs(ex: ExactProblem) -> dict[tuple[int, int], str]:
    """(household, worker) -> reason, for every pair an active rule forbids one by one."""
    out: dict[tuple[int, int], str] = {}
    for rule in active_rules(ex):
        for pair, reason in rule.forbidden(ex).items():
            out.setdefault(pair, reason)
    return out


_FACTS: dict[int, tuple[WorkerState, Policy, tuple[WorkerFacts | None, ...],
                        tuple[Hashable, ...]]] = {}
"""Per worker state (by identity, with the policy): the facts of :func:`static_worker_facts`.
A worker's facts depend on that state and the policy alone (see ``WorkerFacts``), and
the simulator puts the same unchanged states to meeting after meeting. The entry holds
both objects, so an id cannot be reused while it is in the table."""


def static_worker_facts(ex: ExactProblem, w: int) -> tuple[Hashable, ...]:
    """What the eligibility parts look at in worker `w` (workers alike get one verdict)."""
    return _facts_of(ex, w, _worker_facts(ex))


def static_workers_facts(ex: ExactProblem) -> list[tuple[Hashable, ...]]:
    """:func:`static_worker_facts` of every worker (the rules' list looked up once)."""
    asks = _worker_facts(ex)
    return [_facts_of(ex, w, asks) for w in range(len(ex.workers))]


def _facts_of(ex: ExactProblem, w: int, asks: tuple[WorkerFacts | None, ...]
              ) -> tuple[Hashable, ...]:
    worker, policy = ex.workers[w], ex.problem.policy
    known = _FACTS.get(id(worker))
    if known is not None and known[0] is worker and known[1] is policy and known[2] == asks:
        facts = known[3]
    else:
        # a rule without declared facts tells every worker apart: only the index stands
        # in for it below, never in the table
        facts = tuple([None if f is None else f(ex, w) for f in asks])
        if len(_FACTS) >= 4096:
            _FACTS.clear()
        _FACTS[id(worker)] = (worker, policy, asks, facts)
    if None not in asks:
        return facts
    return tuple(w if f is None else fact for f, fact in zip(asks, facts, strict=True))


def _worker_facts(ex: ExactProblem) -> tuple[WorkerFacts | None, ...]:
    known = ex.derived.get("worker facts")
    if known is None:
        known = ex.derived["worker facts"] = tuple(r.worker_facts for r in static_rules(ex))
    return cast(tuple[WorkerFacts | None, ...], known)



def household_facts(ex: ExactProblem, static_only: bool = False) -> list[tuple[Hashable, ...]]:
    """Per household, what the active rules (or their eligibility parts) look at beyond
    its tier, points, co-working and statuses: households alike in these and those are
    alike for every rule. Worked out once per problem."""
    key = "static household facts" if static_only else "household facts"
    known = ex.derived.get(key)
    if known is None:
        facts: list[tuple[Hashable, ...]] = [() for _ in ex.households]
        for rule in active_rules(ex):
            if rule.household_facts is None or (static_only and rule.static is None):
                continue
            for h, more in enumerate(rule.household_facts(ex)):
                facts[h] += more
        known = ex.derived[key] = facts
    return cast(list[tuple[Hashable, ...]], known)


def named_households(ex: ExactProblem) -> set[str]:
    """Households an active rule names one by one (pins, exclusions)."""
    out: set[str] = set()
    for rule in active_rules(ex):
        if rule.names is not None:
            out |= rule.names(ex)
    return out


def required(ex: ExactProblem) -> list[tuple[int, int]]:
    """(household, worker) placements the active rules require (the pins); worked out
    once per problem (the engines of a meeting ask a few dozen times), a new list each
    call."""
    known = ex.derived.get("required")
    if known is None:
        out: list[tuple[int, int]] = []
        for rule in active_rules(ex):
            if rule.required is not None:
                out += rule.required(ex)
        known = ex.derived["required"] = tuple(out)
    return list(cast(tuple[tuple[int, int], ...], known))


def worker_limits(ex: ExactProblem) -> list[tuple[Limit, ...]]:
    """Per worker, the rows of every active rule's linear form (once per problem)."""
    known = ex.derived.get("worker_limits")
    if known is None:
        tables = [rule.table(ex) for rule in active_rules(ex) if rule.limits is not None]
        known = ex.derived["worker_limits"] = [
            tuple(chain.from_iterable(per_worker)) for per_worker in zip(*tables, strict=True)
        ] if tables else [() for _ in ex.workers]
    return cast(list[tuple[Limit, ...]], known)


def load_ceilings(ex: ExactProblem) -> list[int | None]:
    """Per worker, the highest total load the load-only rows allow (None: no such row).
    Engines check these by arithmetic (a worker already beyond gets nothing that weighs)."""
    known = ex.derived.get("load_ceilings")
    if known is None:
        known = _split_limits(ex)[0]
    return cast(list[int | None], known)


def load_rooms(ex: ExactProblem) -> list[int | None]:
    """Per worker, the new load the load-only rows leave room for (None: no such row)."""
    return [None if top is None else top - ex.load[w]
            for w, top in enumerate(load_ceilings(ex))]


def other_limits(ex: ExactProblem) -> list[tuple[Limit, ...]]:
    """Per worker, the rows that are not on load alone (caps, limits on children, ...)."""
    known = ex.derived.get("other_limits")
    if known is None:
        known = _split_limits(ex)[1]
    return cast(list[tuple[Limit, ...]], known)


def _split_limits(ex: ExactProblem) -> tuple[list[int | None], list[tuple[Limit, ...]]]:
    """:func:`load_ceilings` and :func:`other_limits` in one pass over the rows (every
    deal asks for both), kept with the problem."""
    ceilings: list[int | None] = []
    others: list[tuple[Limit, ...]] = []
    for rows in worker_limits(ex):
        tops = []
        rest = []
        for row in rows:
            if row.load_only:
                tops.append(row.held + row.room)
            else:
                rest.append(row)
        ceilings.append(min(tops) if tops else None)
        others.append(tuple(rest))
    ex.derived["load_ceilings"], ex.derived["other_limits"] = ceilings, others
    return ceilings, others


def still_allowed(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> bool:
    """The linear parts alone, for a worker the eligibility parts allow: does household
    `h` in `role` still fit every row of worker `w` on top of `taken`? Same answers as
    :func:`allowed` for a statically allowed worker."""
    for row in worker_limits(ex)[w]:
        weight = row.weight(ex, h, role)
        if weight > 0 and row.used(taken) + weight > row.room:
            return False
    return True


def rule_label(ex: ExactProblem, name: str) -> str:
    """An active rule's label, by its policy name."""
    return next((r.label for r in active_rules(ex) if r.name == name), RULE_LABELS.get(name, name))


def pin_conflict(ex: ExactProblem, h: int, w: int, trouble: list[Refusal],
                 chosen: list[tuple[int, int, RoleName]]) -> str:
    """A pin that cannot be honoured, with the rules it conflicts with."""
    household, worker = ex.households[h], ex.workers[w]
    others = sorted(ex.households[c].id for c, cw, role in chosen if cw == w and role == "lead")
    names = "; ".join(f"{rule_label(ex, r.rule)}: {r.reason}" for r in trouble)
    text = f"the pin of {household.id} to {worker.id} conflicts with {names}"
    if others:
        text += f" (with the pins of {', '.join(others)} to {worker.id})"
    return text


def fits_nobody(ex: ExactProblem) -> bool:
    """True when no waiting household fits any worker on its own: each is one the
    eligibility parts forbid the worker, or would take them beyond a load-only row (the
    band ceiling). Then no allocation places anything, whatever the policy (the
    simulator's shortcut for a full team, ``Service._clearly_full``, says the same)."""
    tops = load_ceilings(ex)
    for w in range(len(ex.workers)):
        top = tops[w]
        for h in range(len(ex.households)):
            points = ex.points[h]
            fits = top is None or points <= 0 or ex.load[w] + points <= top
            if fits and statically_allowed(ex, w, h, "lead"):
                return False
    return True

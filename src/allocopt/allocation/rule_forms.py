"""The forms a hard rule takes, so that every engine can read any rule the same way.

A hard rule (:class:`HardRule`, declared in :mod:`allocopt.allocation.rules`)
has up to two parts:

- an **eligibility** part: may this worker take this household in this role at
  all, whatever else they take? (:attr:`HardRule.static`). What it looks at in
  a worker and in a household is declared too (:attr:`HardRule.worker_facts`,
  :attr:`HardRule.household_facts`), so that engines can ask once per kind of
  worker and household, and so that the optimiser never groups households a rule
  tells apart;
- a **linear** part: for each worker it concerns, rows :class:`Limit` of the form
  *sum over the households the worker takes of a per-household weight <= the
  worker's room*. A weight is a whole-number combination of a household's
  :data:`MEASURES` (its points, children, children of a status, its flags, ...);
  the same combination of what a worker has taken so far (:class:`Taken`) says
  how much of the room is used.

Greedy and its dealing and packing, the small-meeting search, the CP-SAT model,
its LP bound and its conflict explanation, rebalancing and the validator all
read these two parts; none of them knows a rule by name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields
from typing import cast

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.problem import RoleName, WaitingHousehold
from allocopt.domain import Status

STATUS_OF = {s.value: s for s in Status}

FLAGS = tuple(f.name for f in fields(WaitingHousehold) if f.type in ("bool", bool))
"""The yes/no facts of a waiting household (co-working, court proceedings, long travel):
each is a measure counting the households that have it."""

MEASURES = ("load", "children", "households", "travel_children", *FLAGS,
            *(s.value for s in Status))
"""What a limit's weight may count of a household taken as lead (as a co-worker,
only its co-working load counts): its load in scaled units, children, one per
household, children with long travel, one per household with each flag of
:data:`FLAGS`, and the children of each status."""


def household_measure(ex: ExactProblem, h: int, role: RoleName, measure: str) -> int:
    """How much of `measure` household `h` brings to a worker taking it in `role`."""
    if measure == "load":
        return ex.secondary[h] if role == "secondary" else ex.points[h]
    if role == "secondary":
        return 0
    household = ex.households[h]
    if measure == "children":
        return household.children
    if measure == "households":
        return 1
    if measure == "travel_children":
        return household.travel_children
    if measure in FLAGS:
        return int(getattr(household, measure))
    return household.by_status.get(STATUS_OF[measure], 0)


def _flags_of(ex: ExactProblem) -> list[tuple[str, ...]]:
    """Per household, the flags of :data:`FLAGS` it has (once per problem: every rule
    check adds and removes households)."""
    known = ex.derived.get("flags")
    if known is None:
        known = ex.derived["flags"] = [tuple(f for f in FLAGS if getattr(household, f))
                                       for household in ex.households]
    return cast(list[tuple[str, ...]], known)


@dataclass(slots=True)
class Taken:
    """What one worker has been given so far in this allocation, in :data:`MEASURES`."""

    load: int = 0
    children: int = 0
    households: int = 0
    by_status: dict[Status, int] = field(default_factory=dict)
    travel_children: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    """Households taken with each flag of :data:`FLAGS` (only flags some household had)."""

    def add(self, ex: ExactProblem, h: int, role: RoleName) -> None:
        """Record household `h` taken in `role`."""
        self._change(ex, h, role, 1)

    def remove(self, ex: ExactProblem, h: int, role: RoleName) -> None:
        """Undo :meth:`add`."""
        self._change(ex, h, role, -1)

    def copy(self) -> Taken:
        return Taken(self.load, self.children, self.households, dict(self.by_status),
                     self.travel_children, dict(self.flags))

    def _change(self, ex: ExactProblem, h: int, role: RoleName, sign: int) -> None:
        if role == "secondary":
            self.load += sign * ex.secondary[h]
            return
        household = ex.households[h]
        self.load += sign * ex.points[h]
        self.children += sign * household.children
        self.households += sign
        self.travel_children += sign * household.travel_children
        flags = self.flags
        for flag in _flags_of(ex)[h]:
            flags[flag] = flags.get(flag, 0) + sign
        by_status = self.by_status
        for status, n in household.by_status.items():
            by_status[status] = by_status.get(status, 0) + sign * n

    def measure(self, measure: str) -> int:
        """The total of `measure` over what was taken (see :func:`household_measure`)."""
        if measure == "load":
            return self.load
        if measure == "children":
            return self.children
        if measure == "households":
            return self.households
        if measure == "travel_children":
            return self.travel_children
        if measure in FLAGS:
            return self.flags.get(measure, 0)
        return self.by_status.get(STATUS_OF[measure], 0)


LOAD_ONLY = (("load", 1),)
"""The weights of a limit on new load alone (the band ceiling's form)."""


@dataclass(frozen=True, slots=True)
class Limit:
    """One row of a rule's linear form for one worker: the weights of the households
    they take add up to at most :attr:`room`."""

    rule: str
    """The rule's policy name."""
    capacity: int
    """Most the worker may hold in the row's units."""
    held: int
    """What the worker already holds, in the same units, before this meeting."""
    weights: tuple[tuple[str, int], ...]
    """(measure, whole-number coefficient): a household's weight is their sum."""
    what: str = ""
    """The row in words, for reasons (a cap's name and limits, say)."""

    @property
    def room(self) -> int:
        """What the meeting may still give (never negative: a worker already beyond it
        may take only what weighs nothing)."""
        return max(0, self.capacity - self.held)

    @property
    def load_only(self) -> bool:
        """True for a limit on new load alone (engines check those by arithmetic)."""
        return self.weights == LOAD_ONLY

    def weight(self, ex: ExactProblem, h: int, role: RoleName) -> int:
        """Household `h`'s weight in this row when taken in `role`."""
        return sum(c * household_measure(ex, h, role, m) for m, c in self.weights)

    def used(self, taken: Taken) -> int:
        """How much of the room what was taken already uses."""
        return sum(c * taken.measure(m) for m, c in self.weights)


StaticCheck = Callable[[ExactProblem, int, int, RoleName], "str | None"]
"""(problem, worker, household, role) -> why the worker may not take it, or None."""
WorkerFacts = Callable[[ExactProblem, int], Hashable]
"""What a rule's eligibility part looks at in a worker (workers alike get one verdict): a
function of the worker's state and the policy alone (engines remember it by those)."""
HouseholdFacts = Callable[[ExactProblem], list[tuple[Hashable, ...]]]
"""Per household, what a rule looks at beyond its tier, points, co-working and statuses
(empty tuples when the rule concerns nobody in the meeting)."""
LimitsOf = Callable[[ExactProblem, int], tuple[Limit, ...]]
"""A worker's rows of the rule's linear form (empty if the rule does not concern them)."""
OverText = Callable[[ExactProblem, int, "int | None", Limit, int], str]
"""(problem, worker, household or None, row, total weight taken) -> the reason."""
Named = Callable[[ExactProblem], set[str]]
"""Households the rule names one by one (each is then a load type of its own)."""
Pairs = Callable[[ExactProblem], dict[tuple[int, int], str]]
"""(household, worker) -> reason, for each pair the rule forbids one by one."""
Required = Callable[[ExactProblem], list[tuple[int, int]]]
"""(household, worker) placements the rule requires (pins)."""
Kind = str
"""How an explanation words a refusal: 'eligibility', 'room' (the load a worker can
still take) or 'limit' (any other row)."""


@dataclass(frozen=True)
class HardRule:
    """One hard rule of the policy, declared once; every engine reads it."""

    name: str
    """Its name in the policy file (a field of ``HardRules``)."""
    label: str
    """The rule in a few words, for reasons ("NQSW protection (no CP work)")."""
    keeps: str
    """The plain-English predicate: what it keeps."""
    concerns: str
    """Which workers and households it concerns."""
    static: StaticCheck | None = None
    worker_facts: WorkerFacts | None = None
    household_facts: HouseholdFacts | None = None
    limits: LimitsOf | None = None
    over: OverText | None = None
    names: Named | None = None
    required: Required | None = None
    pairs: Pairs | None = None
    """An eligibility part that forbids (household, worker) pairs one by one (the
    manager's exclusions): engines look a pair up rather than ask the predicate, and the
    optimiser keeps such a household in its load type, bounding the excluded worker's
    count of the type, rather than making it a type of its own."""

    def forbidden(self, ex: ExactProblem) -> dict[tuple[int, int], str]:
        """The pairs this rule forbids (worked out once per problem)."""
        if self.pairs is None:
            return {}
        key = self._pairs_key
        known = ex.derived.get(key)
        if known is None:
            known = ex.derived[key] = self.pairs(ex)
        return cast(dict[tuple[int, int], str], known)

    @functools.cached_property
    def _pairs_key(self) -> str:
        return "pairs of " + self.name

    def rows(self, ex: ExactProblem, w: int) -> tuple[Limit, ...]:
        """Worker `w`'s rows of this rule's linear form (worked out once per problem)."""
        return self.table(ex)[w] if self.limits is not None else ()

    def table(self, ex: ExactProblem) -> list[tuple[Limit, ...]]:
        """Every worker's rows of this rule's linear form (worked out once per problem)."""
        limits = self.limits
        if limits is None:
            return [()] * len(ex.workers)
        key = self._key
        table = ex.derived.get(key)
        if table is None:
            table = ex.derived[key] = [limits(ex, v) for v in range(len(ex.workers))]
        return cast(list[tuple[Limit, ...]], table)

    @functools.cached_property
    def _key(self) -> str:
        return "limits of " + self.name

    def refusal(self, ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken,
                *, including: bool = False) -> tuple[str, Kind] | None:
        """Why worker `w` may not take household `h` in `role` on top of `taken` (and how
        to word it), or None when this rule allows it. With `including`, `taken` already
        holds `h` in `role` (a final allocation's totals: the validator asks of each
        assignment without taking it out and putting it back)."""
        if self.static is not None:
            reason = self.static(ex, w, h, role)
            if reason is not None:
                return reason, "eligibility"
        if self.limits is None:
            return None
        for row in self.table(ex)[w]:
            weight = row.weight(ex, h, role)
            if weight > 0:
                total = row.used(taken) + (0 if including else weight)
                if total > row.room:
                    assert self.over is not None, f"{self.name} has limits but no words"
                    return self.over(ex, w, h, row, total), ("room" if row.load_only
                                                             else "limit")
        return None

    def check(self, ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken, *,
              including: bool = False) -> str | None:
        """The rule as a predicate: why `w` may not take `h` in `role`, or None (`including`:
        as for :meth:`refusal`)."""
        found = self.refusal(ex, w, h, role, taken, including=including)
        return None if found is None else found[0]

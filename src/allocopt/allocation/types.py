"""Households grouped into types the optimiser can count instead of pairing.

Two waiting households are of the same *load type* when no hard rule and no
load objective can tell them apart: same priority tier, same points as lead and
as co-worker, same statuses, and the same of whatever else each active hard rule
declares it looks at in a household (the children of the statuses the count caps
count; where students may take work, the children and the court and S47 flags;
with a court limit, the court flag: see :mod:`allocopt.allocation.rules`). The
optimiser then
decides how many households of each type each worker leads (an integer), so the
model grows with workers x types rather than workers x households; at 200 x 1,000
that is about 40 thousand small integers instead of 200 thousand Booleans.

A household a rule names (a pin) is a type of its own. A household a rule
forbids one worker (an exclusion: a conflict of interest) stays in its type: the
type records which of its households exclude which worker, and the optimiser
bounds that worker's count of the type by the households of it they may take
(exact by Hall's theorem when each household excludes at most one worker, see
:mod:`allocopt.allocation.cpsat.model`). A household that excludes two or more
workers, or is co-worked and excludes one, is a type of its own. Within a type,
the households waiting longest are placed first (then by id); which worker
leads which placed household is decided afterwards by the preference stage, on
finer *classes* that also tell locality, skills, previous workers, exclusions,
and CP, CLA and long-travel children apart.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import cast

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.problem import Policy, RoleName, WaitingHousehold
from allocopt.allocation.rule_checks import (
    forbidden_pairs,
    household_facts,
    named_households,
    required,
    static_workers_facts,
    statically_allowed,
)
from allocopt.domain import Status


@dataclass(frozen=True)
class LoadType:
    """Households interchangeable for every hard rule and every load objective."""

    key: tuple[Hashable, ...]
    households: tuple[int, ...]
    """Member households, longest waiting first, then by id."""
    points: int
    secondary: int
    co_working: bool
    tier: int
    children: int
    by_status: tuple[tuple[Status, int], ...]
    leads: tuple[int, ...]
    """Workers the static rules allow to lead it."""
    seconds: tuple[int, ...]
    """Workers the static rules allow to co-work it (co-worked types only)."""
    pinned_to: int | None = None
    excluded: dict[int, tuple[int, ...]] = field(default_factory=dict)
    """Worker -> positions (in :attr:`households`) of the members that exclude them."""

    @property
    def size(self) -> int:
        return len(self.households)

    @property
    def rep(self) -> int:
        return self.households[0]


def waiting_key(ex: ExactProblem, h: int) -> tuple[int, str]:
    household = ex.households[h]
    return (-household.waiting_days, household.id)


def waiting_order(ex: ExactProblem) -> list[int]:
    """Households by priority: highest tier, then longest waiting, then id (sorted once
    per problem, a new list each call)."""
    known = ex.derived.get("waiting order")
    if known is None:
        households = ex.households
        known = ex.derived["waiting order"] = tuple(sorted(
            range(len(households)), key=lambda h: (households[h].tier,
                                                   -households[h].waiting_days,
                                                   households[h].id)))
    return list(cast(tuple[int, ...], known))


def load_type_key(ex: ExactProblem, h: int, named: set[str],
                  facts: list[tuple[Hashable, ...]],
                  statuses: list[tuple[str, ...]]) -> tuple[Hashable, ...]:
    """What tells household `h` apart for the hard rules and the load levels: its tier,
    points as lead and co-worker, co-working, statuses and whatever else the active
    rules declare they look at; a household a rule names (a pin) or that the optimiser
    cannot keep in a type with its exclusions is a type of its own (:func:`own_types`).
    `facts` and `statuses` are the problem's
    :func:`~allocopt.allocation.rule_checks.household_facts` and :func:`statuses_of`,
    worked out once by the caller for every household."""
    household = ex.households[h]
    if household.id in named:
        return ("household", household.id)
    return (household.tier, ex.points[h], ex.secondary[h], household.co_working,
            statuses[h], *facts[h])


def own_types(ex: ExactProblem) -> set[str]:
    """Households that are a load type of their own: those a rule names (pins), and
    those whose forbidden workers the count model cannot keep inside a type (two or
    more, or one on a co-worked household)."""
    known = ex.derived.get("own types")
    if known is None:
        out = named_households(ex)
        for h, ws in exclusions_by_household(ex).items():
            if len(ws) > 1 or ex.households[h].co_working:
                out.add(ex.households[h].id)
        known = ex.derived["own types"] = out
    return cast(set[str], known)


def exclusions_by_household(ex: ExactProblem) -> dict[int, tuple[int, ...]]:
    """Household -> the workers the active rules forbid it one by one (exclusions)."""
    known = ex.derived.get("exclusions by household")
    if known is None:
        found: dict[int, list[int]] = {}
        for h, w in sorted(forbidden_pairs(ex)):
            found.setdefault(h, []).append(w)
        known = ex.derived["exclusions by household"] = {
            h: tuple(ws) for h, ws in found.items()}
    return cast(dict[int, tuple[int, ...]], known)


def _without_excluded(pair: tuple[tuple[int, ...], tuple[int, ...]],
                      gone: tuple[int, ...] | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A type's allowed workers less those a household excludes (`gone`)."""
    if not gone:
        return pair
    leads, seconds = pair
    return (tuple(w for w in leads if w not in gone), tuple(w for w in seconds if w not in gone))


def load_types(ex: ExactProblem) -> list[LoadType]:
    """The waiting list grouped into load types, in a fixed order (by key); worked out
    once per problem."""
    known = ex.derived.get("load_types")
    if known is None:
        known = ex.derived["load_types"] = _load_types(ex)
    return list(cast(list[LoadType], known))


_VERDICTS: dict[int, tuple[Policy, dict[tuple[Hashable, ...], bool]]] = {}
"""Per policy (by identity; the entry holds it): the static rules' verdict for a kind of
worker and a kind of household. The simulator asks the same questions at every meeting."""


def _verdicts(policy: Policy) -> dict[tuple[Hashable, ...], bool]:
    known = _VERDICTS.get(id(policy))
    if known is not None and known[0] is policy:
        return known[1]
    if len(_VERDICTS) >= 64:
        _VERDICTS.clear()
    table: dict[tuple[Hashable, ...], bool] = {}
    _VERDICTS[id(policy)] = (policy, table)
    return table


def allowed_workers(ex: ExactProblem) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Per household, the workers the static rules allow to lead it and to co-work it
    (in worker id order): the same lists as its load type's, worked out once per
    problem without grouping the households (the greedy rule needs no types)."""
    known = ex.derived.get("allowed_workers")
    if known is None:
        types = ex.derived.get("load_types")
        if types is not None:
            out: list[tuple[tuple[int, ...], tuple[int, ...]]] = [((), ())] * len(ex.households)
            for t in cast(list[LoadType], types):
                for h in t.households:
                    out[h] = (t.leads, t.seconds)
            for h, gone in exclusions_by_household(ex).items():
                out[h] = _without_excluded(out[h], gone)
            known = out
        else:
            known = _allowed_workers(ex)
        ex.derived["allowed_workers"] = known
    return cast(list[tuple[tuple[int, ...], tuple[int, ...]]], known)


class _StaticRules:
    """The eligibility parts' verdicts for a problem, asked once per kind of worker and of
    household (see :func:`_load_types`). Kept with the problem (:func:`_static_rules`),
    so it holds no reference to it (that would be a cycle, freed only by the garbage
    collector): each method is given it."""

    def __init__(self, ex: ExactProblem) -> None:
        self.special = own_types(ex)
        self.facts = household_facts(ex, static_only=True)
        self.by_id = sorted(range(len(ex.workers)), key=lambda w: ex.workers[w].id)
        self.rank = {w: i for i, w in enumerate(self.by_id)}
        self.profiles: dict[tuple[Hashable, ...], list[int]] = {}
        facts = static_workers_facts(ex)
        for w in self.by_id:
            self.profiles.setdefault(facts[w], []).append(w)
        self.verdicts = _verdicts(ex.problem.policy)
        self.team_type = ex.problem.team_type
        self.kinds: dict[tuple[Hashable, ...], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        """(statuses, co-working, static facts) -> :meth:`workers` of a household of that
        kind that no rule names (their verdicts are remembered by kind anyway)."""

    def allowed(self, ex: ExactProblem, w: int, profile: tuple[Hashable, ...], h: int,
                role: RoleName, key: tuple[Hashable, ...] | None) -> bool:
        # The eligibility parts look only at the worker's declared facts and, for a
        # household no rule names, at its statuses and declared facts: remember their
        # verdict by those.
        if key is None:
            return statically_allowed(ex, w, h, role)
        full = (*key, role, *profile)
        verdict = self.verdicts.get(full)
        if verdict is None:
            # pairs forbidden one by one are taken off by the caller: a kind's verdict
            # must not depend on which of its households asked first
            verdict = self.verdicts[full] = statically_allowed(ex, w, h, role, pairs=False)
        return verdict

    def workers(self, ex: ExactProblem, h: int, statuses: tuple[str, ...]
                ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(leads, co-workers) allowed for household `h`, in worker id order."""
        household = ex.households[h]
        kind = (None if household.id in self.special
                else (self.team_type, statuses, *self.facts[h]))
        leads: list[int] = []
        seconds: list[int] = []
        for profile, group in self.profiles.items():
            if self.allowed(ex, group[0], profile, h, "lead", kind):
                leads += group
            if household.co_working and self.allowed(ex, group[0], profile, h, "secondary",
                                                     kind):
                seconds += group
        return (tuple(sorted(leads, key=self.rank.__getitem__)),
                tuple(sorted(seconds, key=self.rank.__getitem__)))

    def of(self, ex: ExactProblem, h: int, statuses: tuple[str, ...]
           ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """:meth:`workers` of household `h` (its `statuses`), once per kind of household."""
        household = ex.households[h]
        if household.id in self.special:
            return self.workers(ex, h, statuses)
        key = (statuses, household.co_working, *self.facts[h])
        found = self.kinds.get(key)
        if found is None:
            found = self.kinds[key] = self.workers(ex, h, statuses)
        return found


def _static_rules(ex: ExactProblem) -> _StaticRules:
    """The problem's :class:`_StaticRules` (once per problem: the greedy rule's allowed
    workers and the load types ask the same questions)."""
    known = ex.derived.get("static rules by kind")
    if known is None:
        known = ex.derived["static rules by kind"] = _StaticRules(ex)
    return cast(_StaticRules, known)


def _statuses(household: WaitingHousehold) -> tuple[str, ...]:
    return tuple(sorted(s.value for s, n in household.by_status.items() if n > 0))


def statuses_of(ex: ExactProblem) -> list[tuple[str, ...]]:
    """Per household, the statuses of its children (sorted names; once per problem)."""
    known = ex.derived.get("statuses")
    if known is None:
        known = ex.derived["statuses"] = [_statuses(household) for household in ex.households]
    return cast(list[tuple[str, ...]], known)


def _allowed_workers(ex: ExactProblem) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    rules = _static_rules(ex)
    special, statuses, excludes = rules.special, statuses_of(ex), exclusions_by_household(ex)
    out = []
    for h, household in enumerate(ex.households):
        found = rules.of(ex, h, statuses[h])
        out.append(found if household.id in special
                   else _without_excluded(found, excludes.get(h)))
    return out


def _load_types(ex: ExactProblem) -> list[LoadType]:
    special = own_types(ex)
    groups: dict[tuple[Hashable, ...], list[int]] = {}
    facts, statuses = household_facts(ex), statuses_of(ex)
    for h in range(len(ex.households)):
        groups.setdefault(load_type_key(ex, h, special, facts, statuses), []).append(h)
    pins = {h: w for h, w in required(ex)}
    rules = _static_rules(ex)
    excludes = exclusions_by_household(ex)
    out = []
    for key in sorted(groups, key=repr):
        members = tuple(sorted(groups[key], key=lambda h: waiting_key(ex, h)))
        rep = members[0]
        household = ex.households[rep]
        leads, seconds = rules.of(ex, rep, statuses[rep])
        excluded: dict[int, list[int]] = {}
        if household.id not in special:
            for i, h in enumerate(members):
                for w in excludes.get(h, ()):
                    excluded.setdefault(w, []).append(i)
        out.append(LoadType(
            key=key,
            households=members,
            points=ex.points[rep],
            secondary=ex.secondary[rep],
            co_working=household.co_working,
            tier=household.tier,
            children=household.children,
            by_status=tuple(sorted(household.by_status.items())),
            leads=leads,
            seconds=seconds,
            pinned_to=pins.get(rep),
            excluded={w: tuple(at) for w, at in sorted(excluded.items())},
        ))
    return out

"""The lexicographic objective of an allocation, evaluated exactly.

In order, each level counting only among allocations that tie on the ones before:

1. **priority placed**: households placed per priority tier, highest tier first
   (a tier outranks any number of households of the tiers below); then, among
   allocations placing as many of every tier, the most days waited by the
   households placed (the family waiting longest goes first);
2. **moved into amber**: workers given new work that leaves them above the
   acceptable band (moved into amber, or further into it);
3. **max load %**: the highest load % on the team after the allocation, as the
   board shows it (every worker with a benchmark, those given nothing too);
4. **spread**: the sum, over the same workers, of load % above the team's load %
   (total load / total benchmark after the allocation).

Levels 3 and 4 are the team-wide figures a manager reads on the board, so no
allocation the optimiser prefers is worse than another (greedy's, say) on them
once the levels before tie. (Counted over the workers given work only, the
optimiser's answer was worse than greedy's on the board's max and spread in 5 of
218 of the simulator's team meetings where levels 1 and 2 tied.)
5. **preferences**: the policy's weights for continuity, skills and locality of
   the lead worker, less a cost per CP, CLA or long-travel child held above the
   worker's share of the team's (the board's concentration rule).

Load % is in hundredths of a percent rounded up (:mod:`allocopt.allocation.exact`),
so a greedy answer and a CP-SAT answer are compared with the same integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from allocopt.allocation.exact import PCT_UNITS, ExactProblem, decimal_fraction, pct_units
from allocopt.allocation.problem import Assignment, RoleName
from allocopt.domain import Status

CONCENTRATION_KINDS = ("CP", "CLA", "long travel")


@dataclass(frozen=True)
class Objective:
    """The value of an allocation on every level (see the module docstring)."""

    placed: tuple[int, ...]
    waited: int
    amber: int
    max_load: int
    spread: int
    preference: int

    def key(self) -> tuple[int, ...]:
        """A tuple that sorts better allocations first."""
        return (*(-p for p in self.placed), -self.waited, self.amber, self.max_load,
                self.spread, -self.preference)

    def as_floats(self) -> tuple[float, ...]:
        """(placed per tier..., days waited, into amber, max load %, spread, preference)."""
        return (*(float(p) for p in self.placed), float(self.waited), float(self.amber),
                self.max_load / 100, self.spread / 100, float(self.preference))

    def at_least_as_good_as(self, other: Objective) -> bool:
        return self.key() <= other.key()


def tier_count(ex: ExactProblem) -> int:
    """Number of priority tiers, including the catch-all after the policy's list."""
    return len(_tiers(ex)[0])


def tier_sizes(ex: ExactProblem) -> list[int]:
    """Households waiting in each tier (a new list each call)."""
    return list(_tiers(ex)[0])


def tier_weights(ex: ExactProblem) -> list[int]:
    """Weights making each tier outrank every household of the tiers below it.

    w(lowest) = 1 and w(t) = 1 + sum of n(s) w(s) over lower tiers s, with n(s) the
    households waiting in tier s: one more household of tier t beats placing every
    lower-tier household. A new list each call.
    """
    return list(_tiers(ex)[1])


def _tiers(ex: ExactProblem) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(sizes, weights) of the tiers, worked out once per problem (a meeting's stages,
    bounds and evaluations ask a few dozen times)."""
    known = ex.derived.get("tiers")
    if known is None:
        top = max((h.tier for h in ex.households), default=0)
        sizes = [0] * max(len(ex.problem.policy.tiers) + 1, top + 1)
        for h in ex.households:
            sizes[h.tier] += 1
        weights = [0] * len(sizes)
        below = 0
        for t in range(len(sizes) - 1, -1, -1):
            weights[t] = below + 1
            below += sizes[t] * weights[t]
        known = ex.derived["tiers"] = (tuple(sizes), tuple(weights))
    return cast(tuple[tuple[int, ...], tuple[int, ...]], known)


def priority_value(ex: ExactProblem, placed: Iterable[int]) -> int:
    """Priority placed as one number (tier weights times households placed)."""
    return sum(w * n for w, n in zip(tier_weights(ex), placed, strict=False))


def preference_score(ex: ExactProblem, w: int, h: int) -> int:
    """The policy's weights for continuity, skills and locality of a lead worker."""
    prefs = ex.problem.policy.preferences
    if not (prefs.continuity or prefs.skills or prefs.locality):
        return 0
    household, worker = ex.households[h], ex.workers[w]
    score = 0
    if prefs.continuity and worker.id in household.previous_workers:
        score += prefs.continuity
    if prefs.skills:
        score += prefs.skills * len(household.skills_needed & worker.skills)
    if prefs.locality and household.locality and household.locality == worker.locality:
        score += prefs.locality
    return score


@dataclass(frozen=True)
class _PreferenceArrays:
    """What :func:`preference_score` looks at, as arrays over workers (once per problem)."""

    locality: npt.NDArray[np.int64]
    """Each worker's locality as a code (-1: none)."""
    skills: npt.NDArray[np.uint64]
    """Each worker's skills as bits (None when there are more skills than bits)."""
    codes: dict[str, int]
    bits: dict[str, int] | None
    ids: dict[str, int]


def _preference_arrays(ex: ExactProblem) -> _PreferenceArrays:
    known = ex.derived.get("preference arrays")
    if known is None:
        places = sorted({w.locality for w in ex.workers if w.locality}
                        | {h.locality for h in ex.households if h.locality})
        codes = {name: i for i, name in enumerate(places)}
        names = sorted({s for w in ex.workers for s in w.skills}
                       | {s for h in ex.households for s in h.skills_needed})
        bits = {name: i for i, name in enumerate(names)} if len(names) <= 64 else None
        skills = np.array([sum(1 << bits[s] for s in w.skills) if bits is not None else 0
                           for w in ex.workers], dtype=np.uint64)
        known = ex.derived["preference arrays"] = _PreferenceArrays(
            np.array([codes.get(w.locality, -1) if w.locality else -1 for w in ex.workers],
                     dtype=np.int64), skills, codes, bits,
            {w.id: i for i, w in enumerate(ex.workers)})
    return cast(_PreferenceArrays, known)


def preference_scores(ex: ExactProblem, h: int, workers: npt.NDArray[np.int64]
                      ) -> npt.NDArray[np.int64]:
    """:func:`preference_score` of household `h` with each of `workers` at once (the
    optimiser asks of every placed household and every worker who may lead it). A
    preference with weight zero is not looked at."""
    prefs = ex.problem.policy.preferences
    out = np.zeros(len(workers), dtype=np.int64)
    if not (prefs.continuity or prefs.skills or prefs.locality) or not len(workers):
        return out
    arrays = _preference_arrays(ex)
    household = ex.households[h]
    if prefs.continuity and household.previous_workers:
        before = [arrays.ids[i] for i in household.previous_workers if i in arrays.ids]
        out += prefs.continuity * np.isin(workers, before)
    if prefs.skills and household.skills_needed:
        if arrays.bits is None:
            out += prefs.skills * np.array(
                [len(household.skills_needed & ex.workers[int(w)].skills) for w in workers],
                dtype=np.int64)
        else:
            need = np.uint64(sum(1 << arrays.bits[s] for s in household.skills_needed))
            out += prefs.skills * np.bitwise_count(arrays.skills[workers] & need).astype(
                np.int64)
    if prefs.locality and household.locality:
        out += prefs.locality * (arrays.locality[workers] == arrays.codes[household.locality])
    return out


def kind_held(ex: ExactProblem, w: int) -> tuple[int, int, int]:
    """CP children, CLA children and long-travel children the worker holds now."""
    return kinds_held(ex)[w]


def kinds_held(ex: ExactProblem) -> list[tuple[int, int, int]]:
    """:func:`kind_held` of every worker (worked out once per problem)."""
    known = ex.derived.get("kinds_held")
    if known is None:
        known = ex.derived["kinds_held"] = [
            (w.counts.get(Status.CP, 0), w.counts.get(Status.CLA, 0), w.long_travel)
            for w in ex.workers]
    return cast(list[tuple[int, int, int]], known)


def kind_added(ex: ExactProblem, h: int) -> tuple[int, int, int]:
    household = ex.households[h]
    return (household.by_status.get(Status.CP, 0), household.by_status.get(Status.CLA, 0),
            household.travel_children)


def concentration_limits(ex: ExactProblem) -> list[tuple[int, int, int]]:
    """Per worker, the most CP, CLA and long-travel children held without a concentration.

    The board flags a worker holding at least ``concentration_min`` of a kind and
    more than ``concentration_factor`` times their share (the team's total in
    proportion to benchmarks). The team's total is taken as if the whole waiting
    list were placed, so the limit is fixed before the allocation is known.
    """
    known = ex.derived.get("concentration_limits")
    if known is None:
        known = ex.derived["concentration_limits"] = _concentration_limits(ex)
    return cast(list[tuple[int, int, int]], known)


def _concentration_limits(ex: ExactProblem) -> list[tuple[int, int, int]]:
    view = ex.problem.scheme.team_view
    factor = decimal_fraction(view.concentration_factor)
    cp = cla = travel = 0
    for held in kinds_held(ex):
        cp += held[0]
        cla += held[1]
        travel += held[2]
    for household in ex.households:
        by_status = household.by_status
        cp += by_status.get(Status.CP, 0)
        cla += by_status.get(Status.CLA, 0)
        travel += household.travel_children
    all_benchmark = sum(b for b in ex.benchmark if b > 0)
    # floor(factor x total x benchmark / all benchmarks) in whole numbers (every term is
    # non-negative): the simulator asks at every meeting, and Fractions cost.
    num, den = factor.numerator, factor.denominator
    least = view.concentration_min - 1
    if all_benchmark <= 0:
        floor = max(least, 0)
        return [(floor, floor, floor) for _ in ex.workers]
    whole = den * all_benchmark
    # the products num x total formed once (the same integers: products associate left)
    cp, cla, travel = num * cp, num * cla, num * travel
    out = []
    for b in ex.benchmark:
        b = b if b > 0 else 0
        top_cp, top_cla, top_travel = cp * b // whole, cla * b // whole, travel * b // whole
        out.append((top_cp if top_cp > least else least, top_cla if top_cla > least else least,
                    top_travel if top_travel > least else least))
    return out


@dataclass(frozen=True)
class WorkerTotals:
    """Each worker's new load and new kind counts under an allocation."""

    added: tuple[int, ...]
    kinds: tuple[tuple[int, int, int], ...]


def worker_totals(ex: ExactProblem, assignments: Iterable[Assignment]) -> WorkerTotals:
    added = [0] * len(ex.workers)
    kinds = [[0, 0, 0] for _ in ex.workers]
    for a in assignments:
        w = ex.worker_index[a.worker_id]
        h = ex.household_index[a.household_id]
        if a.role == "lead":
            added[w] += ex.points[h]
            for k, n in enumerate(kind_added(ex, h)):
                kinds[w][k] += n
        else:
            added[w] += ex.secondary[h]
    return WorkerTotals(tuple(added), tuple((k[0], k[1], k[2]) for k in kinds))


def max_load(ex: ExactProblem, added: tuple[int, ...] | list[int]) -> int:
    """Highest load % (hundredths, rounded up) of the team after the allocation, as the
    board shows it: the highest before (:attr:`ExactProblem.standing`) or that of a worker
    given new load."""
    return max(ex.standing, max((pct_units(ex.load[w] + added[w], ex.benchmark[w])
                                 for w in range(len(added)) if added[w] > 0), default=0))


def spread(ex: ExactProblem, added: tuple[int, ...] | list[int], extra_total: int = 0) -> int:
    """Sum over the team (every worker with a benchmark) of load % above the team's load %
    after the allocation, in hundredths (each worker's term rounded up).

    `extra_total` adds new load to the mean without giving it to anyone (for bounds).
    """
    total_b = sum(ex.benchmark[w] for w in ex.team)
    total_l = sum(ex.load[w] + added[w] for w in ex.team) + extra_total
    out = 0
    for w in ex.team:
        # (L/B - SL/SB) * 10,000 = 10,000 (L SB - B SL) / (B SB), rounded up when positive
        top = PCT_UNITS * ((ex.load[w] + added[w]) * total_b - ex.benchmark[w] * total_l)
        if top > 0:
            out += -(-top // (ex.benchmark[w] * total_b))
    return out


def amber_count(ex: ExactProblem, added: tuple[int, ...] | list[int]) -> int:
    """Workers given new work that leaves them above the acceptable band."""
    count = 0
    for w, extra in enumerate(added):
        top = ex.acceptable_max[w]
        if extra > 0 and top is not None and ex.load[w] + extra > top:
            count += 1
    return count


def concentration_excess(ex: ExactProblem, kinds: tuple[tuple[int, int, int], ...]) -> int:
    """Children held above each worker's concentration limit, summed over kinds and workers."""
    limits = concentration_limits(ex)
    held = kinds_held(ex)
    total = 0
    for w, (new_cp, new_cla, new_travel) in enumerate(kinds):
        cp, cla, travel = held[w]
        top_cp, top_cla, top_travel = limits[w]
        total += max(0, cp + new_cp - top_cp) + max(0, cla + new_cla - top_cla)
        total += max(0, travel + new_travel - top_travel)
    return total


_Row = tuple[int, int, int, int, int, int, int, int]


@dataclass(frozen=True)
class _Table:
    """What :func:`evaluate` reads of a problem, in plain lists (once per problem: the
    optimiser evaluates a meeting's allocations a few dozen times)."""

    rows: list[_Row]
    """Per household: (index, tier, days waited, points, co-working points, CP, CLA and
    long-travel children)."""
    by_id: dict[str, _Row]
    """The same by household id."""
    tiers: int
    team: tuple[int, ...]
    team_benchmark: int
    team_load: int
    plain_excess: list[int]
    """Each worker's concentration excess given no new children."""
    excess_base: int
    """Their sum."""
    preferences: dict[int, int]
    """h x workers + w -> :func:`preference_score` (filled as asked)."""
    scored: bool
    """False when every preference weight is zero (scores are all 0)."""


def _table(ex: ExactProblem) -> _Table:
    known = ex.derived.get("evaluate table")
    if known is None:
        limits, held = concentration_limits(ex), kinds_held(ex)
        plain = [max(0, cp - top_cp) + max(0, cla - top_cla) + max(0, travel - top_travel)
                 for (cp, cla, travel), (top_cp, top_cla, top_travel)
                 in zip(held, limits, strict=True)]
        prefs = ex.problem.policy.preferences
        rows: list[_Row] = [(h, household.tier, household.waiting_days, ex.points[h],
                             ex.secondary[h], *kind_added(ex, h))
                            for h, household in enumerate(ex.households)]
        known = ex.derived["evaluate table"] = _Table(
            rows, {household.id: row for household, row in zip(ex.households, rows,
                                                                strict=True)},
            tier_count(ex), ex.team, sum(ex.benchmark[w] for w in ex.team),
            sum(ex.load[w] for w in ex.team), plain, sum(plain), {},
            bool(prefs.continuity or prefs.skills or prefs.locality))
    return cast(_Table, known)


def evaluate(ex: ExactProblem, assignments: Iterable[Assignment]) -> Objective:
    """The lexicographic objective of a set of assignments.

    The same sums as :func:`worker_totals`, :func:`amber_count`, :func:`max_load`,
    :func:`spread` and :func:`concentration_excess`, taken in one pass over the
    assignments and over the workers given something (the optimiser evaluates every
    allocation it meets, thousands a run of the simulator)."""
    table = _table(ex)
    by_id, worker_index = table.by_id, ex.worker_index
    return _objective(ex, table, [(by_id[a.household_id], worker_index[a.worker_id],
                                   a.role == "lead") for a in assignments])


def evaluate_steps(ex: ExactProblem, chosen: Iterable[tuple[int, int, RoleName]]
                   ) -> Objective:
    """:func:`evaluate` of (household, worker, role) by position, without making the
    assignments (the small-meeting search evaluates every allocation it completes)."""
    table = _table(ex)
    rows = table.rows
    return _objective(ex, table, [(rows[h], w, role == "lead") for h, w, role in chosen])


def _objective(ex: ExactProblem, table: _Table, steps: list[tuple[_Row, int, bool]]
               ) -> Objective:
    scores = table.preferences
    n = len(ex.workers)
    placed = [0] * table.tiers
    preference = waited = 0
    added: dict[int, int] = {}
    kinds: dict[int, list[int]] = {}
    for (h, tier, days, points, secondary, cp, cla, travel), w, lead in steps:
        if lead:
            placed[tier] += 1
            waited += days
            if table.scored:
                key = h * n + w
                score = scores.get(key)
                if score is None:
                    score = scores[key] = preference_score(ex, w, h)
                preference += score
            added[w] = added.get(w, 0) + points
            mine = kinds.get(w)
            if mine is None:
                kinds[w] = [cp, cla, travel]
            else:
                mine[0] += cp
                mine[1] += cla
                mine[2] += travel
        else:
            added[w] = added.get(w, 0) + secondary
    excess = table.excess_base
    if kinds:
        limits, held, plain = concentration_limits(ex), kinds_held(ex), table.plain_excess
        for w, (new_cp, new_cla, new_travel) in kinds.items():
            cp, cla, travel = held[w]
            top_cp, top_cla, top_travel = limits[w]
            excess += (max(0, cp + new_cp - top_cp) + max(0, cla + new_cla - top_cla)
                       + max(0, travel + new_travel - top_travel) - plain[w])
    preference -= ex.problem.policy.preferences.concentration * excess
    load, benchmark, acceptable = ex.load, ex.benchmark, ex.acceptable_max
    amber = team_added = 0
    top: int | None = None
    for w, extra in added.items():
        if benchmark[w] > 0:  # on the team
            team_added += extra
        if extra > 0:
            limit = acceptable[w]
            if limit is not None and load[w] + extra > limit:
                amber += 1
            pct = pct_units(load[w] + extra, benchmark[w])
            top = pct if top is None or pct > top else top
    # the spread (see :func:`spread`) over the team, its total load with the new
    total_b = table.team_benchmark
    total_l = table.team_load + team_added
    spread_sum = 0
    for w in table.team:
        b = benchmark[w]
        above = PCT_UNITS * ((load[w] + added.get(w, 0)) * total_b - b * total_l)
        if above > 0:
            spread_sum += -(-above // (b * total_b))
    return Objective(
        placed=tuple(placed),
        waited=waited,
        amber=amber,
        max_load=max(ex.standing, 0 if top is None else top),
        spread=spread_sum,
        preference=preference,
    )

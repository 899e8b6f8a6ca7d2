"""Level 1 for large meetings: a tier's households packed into the workers' room by pattern.

Under overload the workers who may take a tier's households end nearly full, and
whether one more household fits is a packing question. At 200 x 1,000 the CP
households (the top two tiers) come in eleven sizes, 3 to 13 points, and the 158
workers who may take them have, between them, exactly the room that the top tier and
the 342 lightest households of the next need: one more household placed means every
one of those workers filled to the last point. Chains of exchanges
(:mod:`allocopt.allocation.room_making`) stop one short, and a CP-SAT search over the
count model (workers one by one) found four fewer in 60 s.

Workers with the same room are alike for this question, so the packing is counted by
*pattern*: how many workers of each room take each maximal multiset of household sizes
(the configuration model of cutting stock). Counting alike workers together takes away
the symmetry that stalls a search over workers one by one.

What is repacked: the workers the tier's waiting households may go to who have no rule
beyond the band ceiling (a count cap, the student limit or a court limit needs more than
a size), and the households of the tier and the tiers above that they lead and that may
go to any of them but a few (a conflict of interest). Households of lower tiers on those
workers are taken off, put back where they were if they still fit, and the rest placed
by the manager's rule (:func:`allocopt.allocation.packing.put_back`). Sizes go to
workers by the pattern solve, households to sizes by a matching that keeps the
exclusions, and every placement passes the rule checks again.
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Iterator

from ortools.sat.python import cp_model

from allocopt.allocation.dealing import NO_CEILING, Dealer
from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.packing import put_back
from allocopt.allocation.problem import Assignment
from allocopt.allocation.rule_checks import required
from allocopt.allocation.solver import cp_solver
from allocopt.allocation.types import waiting_order

PATTERN_LIMIT = 20_000
"""The most patterns written into one model; a meeting that needs more is left alone."""

STEP_LIMIT = 1_000_000
"""The most steps spent listing patterns (a few microseconds each); a meeting needing
more is left alone."""

EXCLUDED_AT_MOST = 2
"""A household barred from more workers of the group than this stays where it is."""


def pack_by_patterns(ex: ExactProblem, assignments: tuple[Assignment, ...], tier: int,
                     deadline: float, seed: int = 0) -> tuple[Assignment, ...] | None:
    """`assignments` with more households of `tier` placed by repacking the workers who
    may take them (module docstring); None if the repacking places no more by `deadline`
    (perf_counter). The tiers above keep every household they have; every hard rule is
    kept."""
    pins = {h for h, _ in required(ex)}
    dealer = Dealer(ex)
    chosen = [(ex.household_index[a.household_id], ex.worker_index[a.worker_id], a.role)
              for a in assignments]
    placed = {h for h, _, _ in chosen}
    households = ex.households

    def free(h: int) -> bool:
        return h not in pins and not households[h].co_working

    waiting = [h for h in range(len(households))
               if households[h].tier == tier and h not in placed and free(h)]
    if not waiting:
        return None
    # the workers most of them may go to (of equally many, the widest choice)
    kinds = Counter(dealer.static_leads[h] for h in waiting)
    common = max(kinds, key=lambda leads: (kinds[leads], len(leads)))
    group = frozenset(w for w in common
                      if not dealer.special[w] and dealer.ceiling[w] < NO_CEILING)
    if not group:
        return None

    def movable(h: int) -> bool:
        # a household of no points fits anywhere: the manager's rule places it after
        return (free(h) and ex.points[h] > 0
                and len(group.difference(dealer.static_leads[h])) <= EXCLUDED_AT_MOST)

    upper: list[int] = []  # the tiers above, on the group: all stay placed
    own: list[int] = []  # the tier, on the group or waiting: as many as possible
    lower: dict[int, int] = {}  # the tiers below, on the group: taken off, put back later
    for h, w, role in chosen:
        if role == "lead" and w in group and free(h):
            if households[h].tier < tier and movable(h):
                upper.append(h)
                continue
            if households[h].tier == tier and movable(h):
                own.append(h)
                continue
            if households[h].tier > tier:
                lower[h] = w
                continue
        dealer.record(h, w, role)
    before = len(own)
    own += [h for h in waiting if movable(h)]
    workers = sorted(group, key=lambda w: int(dealer.rank[w]))
    room = {w: max(int(dealer.ceiling[w] - dealer.load[w] - dealer.added[w]), 0)
            for w in workers}
    found = _solve(ex, workers, room, upper, own, before + 1, deadline, seed)
    if found is None:
        return None
    order = {h: i for i, h in enumerate(waiting_order(ex))}
    slots: dict[int, list[int]] = {}
    for w, size in found:
        slots.setdefault(size, []).append(w)
    # per size, every household of the tiers above, then the tier's longest waiting for
    # as many slots as a matching that keeps every exclusion can fill
    must: dict[int, list[int]] = {}
    for h in upper:
        must.setdefault(ex.points[h], []).append(h)
    may: dict[int, list[int]] = {}
    for h in sorted(own, key=order.__getitem__):
        may.setdefault(ex.points[h], []).append(h)
    placed_now = 0
    for size in sorted(slots.keys() | must.keys()):
        first = must.get(size, [])
        matched = _match(first + may.get(size, []), slots.get(size, []), dealer, len(first))
        if matched is None:
            return None
        for h, w in matched:
            if (dealer.load[w] + dealer.added[w] + ex.points[h] > dealer.ceiling[w]
                    or not dealer.allowed_now(h, w)):
                return None
            dealer.place(h, w)
        placed_now += len(matched) - len(first)
    if placed_now <= before:
        return None
    return put_back(ex, dealer, lower)


def _solve(ex: ExactProblem, workers: list[int], room: dict[int, int], upper: list[int],
           own: list[int], least: int, deadline: float,
           seed: int) -> list[tuple[int, int]] | None:
    """Sizes to workers: a slot (worker, size) for each household to place; None if
    `least` of `own` cannot be placed with every one of `upper` by `deadline`."""
    if len(own) < least:
        return None
    need = Counter(ex.points[h] for h in upper)
    can = Counter(ex.points[h] for h in own)
    avail = need + can
    sizes = sorted(avail, reverse=True)
    # sums of sizes are whole multiples of their gcd: room beyond the last multiple is idle
    unit = max(math.gcd(*sizes), 1)
    classes: dict[int, list[int]] = {}
    for w in workers:
        classes.setdefault(room[w] // unit * unit, []).append(w)
    patterns: dict[int, list[tuple[int, ...]]] = {}
    budget = [STEP_LIMIT]
    for cap in classes:
        patterns[cap] = list(_maximal(sizes, avail, cap, budget, deadline))
        if budget[0] < 0 or sum(map(len, patterns.values())) > PATTERN_LIMIT:
            return None
    model = cp_model.CpModel()
    use: dict[tuple[int, int], cp_model.IntVar] = {}
    for cap, ws in classes.items():
        for i in range(len(patterns[cap])):
            use[cap, i] = model.new_int_var(0, len(ws), "")
        model.add(sum(use[cap, i] for i in range(len(patterns[cap]))) == len(ws))
    extra = {s: model.new_int_var(0, can[s], "") for s in sizes}
    for k, s in enumerate(sizes):
        model.add(sum(p[k] * use[cap, i] for cap in classes
                      for i, p in enumerate(patterns[cap]) if p[k]) >= need[s] + extra[s])
    model.add(sum(extra.values()) >= least)
    model.maximize(sum(extra.values()))
    solver = cp_solver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    # Measured at 200 x 1,000 (4,035 patterns): presolve spent a second expanding the
    # objective through the cover rows; without it the packing was found and proven in
    # 0.3 s, with it in 1.4-2.4 s.
    solver.parameters.cp_model_presolve = False
    solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.0)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    out: list[tuple[int, int]] = []
    for cap, ws in sorted(classes.items()):
        queue = iter(ws)
        for i, p in enumerate(patterns[cap]):
            for _ in range(solver.value(use[cap, i])):
                w = next(queue)
                for k, s in enumerate(sizes):
                    out += [(w, s)] * p[k]
    return out


def _maximal(sizes: list[int], avail: Counter[int], cap: int, budget: list[int],
             deadline: float) -> Iterator[tuple[int, ...]]:
    """Every multiset of `sizes` (counts in the order of `sizes`, at most `avail` of
    each) summing to at most `cap` to which no further size still available fits; ends
    early, with `budget[0]` below zero, after that many steps or at `deadline`
    (perf_counter)."""
    counts = [0] * len(sizes)

    def walk(k: int, left: int) -> Iterator[tuple[int, ...]]:
        budget[0] -= 1
        # the clock is read every 4,096 steps (about 10 ms of listing), not on each
        if budget[0] % 4096 == 0 and time.perf_counter() > deadline:
            budget[0] = -1
        if budget[0] < 0:
            return
        if k == len(sizes):
            if all(counts[j] == avail[s] or s > left for j, s in enumerate(sizes)):
                yield tuple(counts)
            return
        s = sizes[k]
        for n in range(min(avail[s], left // s), -1, -1):
            counts[k] = n
            yield from walk(k + 1, left - n * s)
        counts[k] = 0

    yield from walk(0, cap)


def _match(households: list[int], slots: list[int], dealer: Dealer,
           required: int | None = None) -> list[tuple[int, int]] | None:
    """Households to slots (workers, one slot each) so that each goes to a worker the
    static rules allow (augmenting paths found breadth first, without recursion: a size
    can have thousands of households). The first `required` households (all by default)
    must be matched, else None; each of the rest, in the order given, is matched if it
    can be with those before it (taken greedily in that order, the households matched
    are the best set in that order: the sets that can be matched form a matroid)."""
    workers = list(dict.fromkeys(slots))  # each once, in the order of the slots
    spare = Counter(slots)
    kinds: dict[tuple[int, ...], list[int]] = {}  # households alike share their list
    for h in households:
        leads = dealer.static_leads[h]
        if leads not in kinds:
            allowed = set(leads)
            kinds[leads] = [w for w in workers if w in allowed]
    may = {h: kinds[dealer.static_leads[h]] for h in households}
    held: dict[int, list[int]] = {w: [] for w in workers}
    at: dict[int, int] = {}
    n_required = len(households) if required is None else required
    # of the required, the most barred first: they have the fewest places to go
    tried = sorted(households[:n_required], key=lambda h: len(may[h]))
    for i, h in enumerate(tried + households[n_required:]):
        # a worker with a slot to spare, or a path of households each moving to the
        # next worker on it, the last into a spare slot
        came: dict[int, int] = {}  # worker reached -> the household that would move there
        queue, seen, end = deque([h]), {h}, None
        while queue and end is None:
            g = queue.popleft()
            for w in may[g]:
                if w in came or w == at.get(g):
                    continue
                came[w] = g
                if spare[w] > 0:
                    end = w
                    break
                for other in held[w]:
                    if other not in seen:
                        seen.add(other)
                        queue.append(other)
        if end is None:
            if i < n_required:
                return None
            continue
        spare[end] -= 1
        w = end
        while True:
            g = came[w]
            was = at.get(g)
            held[w].append(g)
            at[g] = w
            if was is None:
                break
            held[was].remove(g)
            w = was
    return [(h, at[h]) for h in households if h in at]

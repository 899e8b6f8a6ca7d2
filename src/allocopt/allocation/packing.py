"""Packing and balancing rules: more starting points for the optimiser.

Tier by tier (highest first), the heaviest household goes to the worker whose
room under the ceiling band is the tightest that still fits it (best fit
decreasing). Where the manager's rule spreads work evenly and so fragments the
spare room, this keeps large gaps for large households, and under overload it
often places more priority. The optimiser starts from whichever is better.

The balancing rule re-deals a chosen set of households, heaviest first, each to
the worker it leaves least loaded (longest processing time first, the classic
rule for an even spread); the optimiser uses it before the max-load stage.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np

from allocopt.allocation.dealing import NO_CEILING, Dealer
from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.greedy import pinned, to_assignments
from allocopt.allocation.problem import Assignment
from allocopt.allocation.rules import RoleName, Taken, allowed


def packing_order(ex: ExactProblem, lightest_first: bool = False) -> list[int]:
    """Households by tier, heaviest (or lightest) first, then longest waiting, then id."""
    sign = 1 if lightest_first else -1
    return sorted(range(len(ex.households)),
                  key=lambda h: (ex.households[h].tier, sign * ex.points[h],
                                 -ex.households[h].waiting_days, ex.households[h].id))


def packing_assignments(ex: ExactProblem, lightest_first: bool = False
                        ) -> tuple[Assignment, ...]:
    """Best fit within each tier, every hard rule kept (pins placed first).

    Heaviest first keeps large gaps for large households; lightest first places
    the most households of a tier when room is short (what the priority level
    counts).
    """
    dealer = Dealer(ex)
    pins = pinned(ex)
    for h, w in pins:
        if allowed(ex, w, h, "lead", dealer.taken[w]):
            dealer.place(h, w)
    skip = {h for h, _ in pins}
    for h in packing_order(ex, lightest_first):
        if h in skip:
            continue
        for w in dealer.tightest(h):
            if dealer.place(h, w):
                break
    return dealer.assignments()


def balanced_assignments(ex: ExactProblem, leads: tuple[int, ...]) -> tuple[Assignment, ...] | None:
    """The households `leads` dealt heaviest first to the worker left least loaded.

    Staying within the acceptable band comes first, then the lowest load % after,
    then the better preference match, then the worker id. None if some household
    finds no worker (the set came from a different packing).
    """
    dealer = Dealer(ex)
    pins = dict(pinned(ex))
    wanted = set(leads)
    for h, w in pins.items():
        if h in wanted and not (allowed(ex, w, h, "lead", dealer.taken[w])
                                and dealer.place(h, w)):
            return None
    order = sorted((h for h in wanted if h not in pins),
                   key=lambda h: (-ex.points[h], ex.households[h].tier, ex.households[h].id))
    acceptable = np.array([a if a is not None else NO_CEILING for a in ex.acceptable_max],
                          dtype=np.int64)
    for h in order:
        ws = dealer.fitting(h, "lead")
        ws = ws[dealer.benchmark[ws] > 0]
        after = dealer.load[ws] + dealer.added[ws] + ex.points[h]
        amber = (after > acceptable[ws]) & (ex.points[h] > 0)
        pct = after / dealer.benchmark[ws]
        placed = False
        for k in np.lexsort((pct, amber)):
            w = int(ws[k])
            if dealer.allowed_now(h, w) and dealer.place(h, w):
                placed = True
                break
        if not placed:
            return None
    return dealer.assignments()


LOCAL_SEARCH_WORKERS = 60
"""Local search is used up to this many workers; larger meetings leave it to CP-SAT."""


def improve_balance(ex: ExactProblem, assignments: tuple[Assignment, ...],
                    max_moves: int = 500) -> tuple[Assignment, ...]:
    """Move or swap lead households between workers while that lowers, in order, the
    workers moved into amber, the max load % and the spread (the same households stay
    placed, every hard rule kept). A small meeting's even spread is usually found here
    in milliseconds, leaving CP-SAT only the proof.
    """
    from allocopt.allocation.objective import amber_count, max_load, spread

    if len(ex.workers) > LOCAL_SEARCH_WORKERS:
        return assignments
    taken = [Taken() for _ in ex.workers]
    lead_of: dict[int, int] = {}
    second_of: dict[int, int] = {}
    for a in assignments:
        h, w = ex.household_index[a.household_id], ex.worker_index[a.worker_id]
        taken[w].add(ex, h, a.role)
        if a.role == "lead":
            lead_of[h] = w
        else:
            second_of[h] = w
    fixed = {h for h, _ in pinned(ex)}

    def key() -> tuple[int, int, int]:
        added = [t.load for t in taken]
        return (amber_count(ex, added), max_load(ex, added), spread(ex, added))

    def move(h: int, src: int, dst: int) -> None:
        taken[src].remove(ex, h, "lead")
        taken[dst].add(ex, h, "lead")
        lead_of[h] = dst

    current = key()
    moves = 0
    while moves < max_moves:
        order = sorted(range(len(ex.workers)),
                       key=lambda w: -Fraction(ex.load[w] + taken[w].load, max(ex.benchmark[w], 1)))
        better = False
        for src in order:
            mine = sorted((h for h, w in lead_of.items() if w == src and h not in fixed),
                          key=lambda h: -ex.points[h])
            for h in mine:
                for dst in reversed(order):
                    if dst in (src, second_of.get(h)):
                        continue
                    taken[src].remove(ex, h, "lead")
                    ok = allowed(ex, dst, h, "lead", taken[dst])
                    taken[src].add(ex, h, "lead")
                    if ok:
                        move(h, src, dst)
                        new = key()
                        if new < current:
                            current, better = new, True
                            break
                        move(h, dst, src)
                    for h2 in [g for g, w in lead_of.items() if w == dst and g not in fixed
                               and ex.points[g] < ex.points[h] and second_of.get(g) != src]:
                        if _swap_allowed(ex, taken, h, src, h2, dst):
                            move(h, src, dst)
                            move(h2, dst, src)
                            new = key()
                            if new < current:
                                current, better = new, True
                                break
                            move(h2, src, dst)
                            move(h, dst, src)
                    if better:
                        break
                if better:
                    break
            if better:
                break
        if not better:
            break
        moves += 1
    chosen: list[tuple[int, int, RoleName]] = [(h, w, "lead") for h, w in lead_of.items()]
    chosen += [(h, w, "secondary") for h, w in second_of.items()]
    return to_assignments(ex, chosen)


def _swap_allowed(ex: ExactProblem, taken: list[Taken], h: int, src: int, h2: int,
                  dst: int) -> bool:
    taken[src].remove(ex, h, "lead")
    taken[dst].remove(ex, h2, "lead")
    ok = allowed(ex, dst, h, "lead", taken[dst]) and allowed(ex, src, h2, "lead", taken[src])
    if ok:
        taken[dst].add(ex, h, "lead")
        ok = allowed(ex, src, h2, "lead", taken[src])
        taken[dst].remove(ex, h, "lead")
    taken[src].add(ex, h, "lead")
    taken[dst].add(ex, h2, "lead")
    return ok


def level_assignments(ex: ExactProblem, leads: tuple[int, ...], level: int
                      ) -> tuple[Assignment, ...] | None:
    """The households `leads` packed so that nobody given work ends above `level`.

    `level` is a load % in hundredths. Heaviest first, each household goes to the
    allowed worker it fits most tightly under the level (best fit decreasing);
    None if one does not fit. Searching the lowest level that packs (see
    :func:`lowest_level`) finds a max load % near the water-level bound at sizes
    where the solver's own search is slow.
    """
    dealer = Dealer(ex)
    pins = dict(pinned(ex))
    wanted = set(leads)
    for h, w in pins.items():
        if h in wanted and not (allowed(ex, w, h, "lead", dealer.taken[w])
                                and dealer.place(h, w)):
            return None
    # most constrained first (fewest workers allowed), then heaviest
    order = sorted((h for h in wanted if h not in pins),
                   key=lambda h: (len(dealer.static_leads[h]), -ex.points[h],
                                  ex.households[h].tier, ex.households[h].id))
    for h in order:
        for w in dealer.tightest(h, level):
            if dealer.place(h, w):
                break
        else:
            return None
    return dealer.assignments()


def lowest_level(ex: ExactProblem, leads: tuple[int, ...], low: int, high: int,
                 deadline: float = math.inf) -> tuple[Assignment, ...] | None:
    """The packing at the lowest level in [low, high) that :func:`level_assignments` finds
    by bisection (None if none below `high`); stops early at `deadline` (perf_counter)."""
    found = None
    while low < high and time.perf_counter() < deadline:
        mid = (low + high) // 2
        packed = level_assignments(ex, leads, mid)
        if packed is None:
            low = mid + 1
        else:
            found, high = packed, mid
    return found


def fill_up(ex: ExactProblem, assignments: tuple[Assignment, ...]) -> tuple[Assignment, ...]:
    """Keep an allocation and add whatever else still fits, by the manager's rule.

    Households not yet placed are offered in priority order (tier, then longest
    waiting) to the least-loaded worker every rule allows. Adding never lowers the
    priority level, so a solver's answer polished this way is at least as good.
    """
    from allocopt.allocation.greedy import waiting_order

    dealer = Dealer(ex)
    placed = set()
    for a in assignments:
        h, w = ex.household_index[a.household_id], ex.worker_index[a.worker_id]
        dealer.take(h, w, a.role)
        dealer.chosen.append((h, w, a.role))
        placed.add(h)
    pins = {h for h, _ in pinned(ex)}
    for h in waiting_order(ex):
        if h in placed or h in pins:
            continue
        for w in dealer.least_loaded(h, "lead"):
            if dealer.place(h, w):
                break
    return dealer.assignments()

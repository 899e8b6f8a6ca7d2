"""Level 1 for large meetings: room made for households of a tier left waiting.

Under overload the workers who may take a tier's households (CP households: not
NQSWs) end nearly full, their spare room in scraps smaller than any household: at
200 x 1,000 every such worker had under 2 points to spare while the eight CP
households left waiting needed 11 to 13. Room is gathered on one worker by passing
load away along chains of exchanges (:func:`allocopt.allocation.even_spread.pass_along`:
each worker on a chain gives a household one unit heavier than the one it gets back,
the last one takes the unit into its spare room), then the waiting household goes
there. Households of the tiers below are taken off first (a household of the tier
outranks all of them, :mod:`allocopt.allocation.objective`) and put back afterwards
where they were when every rule still allows it, then wherever the manager's rule
finds room (:func:`allocopt.allocation.packing.fill_up`).

Measured at 200 x 1,000 overload: CP households placed 337 -> 341 in 0.5 s, against
an LP bound of 342, where a 60 s CP-SAT search found 338.
"""

from __future__ import annotations

import time

import numpy as np

from allocopt.allocation.dealing import Dealer
from allocopt.allocation.even_spread import held_by, holdings, pass_along, restore
from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.packing import put_back
from allocopt.allocation.problem import Assignment
from allocopt.allocation.rule_checks import required

WORKERS_TRIED = 4
"""Workers room is made on for each waiting household (those with the most spare room)."""


def make_room(ex: ExactProblem, assignments: tuple[Assignment, ...], tier: int,
              deadline: float) -> tuple[Assignment, ...] | None:
    """`assignments` with more households of `tier` placed, room made for them on the
    workers who may take them (module docstring); None if not one more could be placed
    by `deadline` (perf_counter). Households of the tiers above and pinned ones stay
    where they are; every hard rule is kept."""
    found = None
    # round after round while one places more: the households placed in a round can
    # pass load along the next round's chains (at 300 x 900: 149 -> 155 CP households
    # placed in one round, 157 in three)
    while time.perf_counter() < deadline:
        more = _one_round(ex, assignments if found is None else found, tier, deadline)
        if more is None:
            break
        found = more
    return found


def _one_round(ex: ExactProblem, assignments: tuple[Assignment, ...], tier: int,
               deadline: float) -> tuple[Assignment, ...] | None:
    """One round of :func:`make_room`: each household of `tier` left waiting tried once,
    lightest first."""
    pins = {h for h, _ in required(ex)}
    lower = {h for h, hh in enumerate(ex.households) if hh.tier > tier and h not in pins}
    chosen = [(ex.household_index[a.household_id], ex.worker_index[a.worker_id], a.role)
              for a in assignments]
    dealer = Dealer(ex)
    for h, w, role in chosen:
        if h not in lower:
            dealer.record(h, w, role)
    placed = {h for h, _, _ in chosen}
    waiting = sorted((h for h, hh in enumerate(ex.households)
                      if hh.tier == tier and h not in placed),
                     key=lambda h: (ex.points[h], ex.households[h].id))
    movable = [h for h, _, role in dealer.chosen
               if role == "lead" and h not in pins and not ex.households[h].co_working]
    if not waiting or not movable:
        return None
    hs, slot, size, owner, may = holdings(dealer, movable)
    sizes = size[size > 0]
    unit = int(np.gcd.reduce(sizes)) if sizes.size else 1
    limit = dealer.ceiling - dealer.load  # the most new load each worker may hold
    done: set[int] = set()
    # per worker, the fewest points no room could be made for since the last household
    # placed: a heavier household needs more, so it is not tried there (at 1,000 x 3,000
    # most of the time went on such attempts)
    short = np.full(len(ex.workers), np.iinfo(np.int64).max, dtype=np.int64)
    for h in waiting:
        if time.perf_counter() >= deadline:
            break
        ws = dealer.static(h, "lead")
        ws = ws[short[ws] > ex.points[h]]
        spare = limit[ws] - dealer.added[ws]
        for k in np.lexsort((dealer.rank[ws], -spare))[:WORKERS_TRIED].tolist():
            if time.perf_counter() >= deadline:
                break
            w = int(ws[k])
            need = ex.points[h] - int(limit[w] - dealer.added[w])
            before = held_by(hs, owner)
            if need > 0:
                # chains pass whole units: shed `need` rounded up to one
                target = limit.copy()
                target[w] = dealer.added[w] - -(-need // unit) * unit
                pass_along(dealer, hs, size, owner, may, target, limit, deadline, (1, 0))
            if dealer.added[w] + ex.points[h] > limit[w]:
                short[w] = min(short[w], ex.points[h])
            elif dealer.allowed_now(h, w) and dealer.place(h, w):
                done.add(h)
                short[:] = np.iinfo(np.int64).max
                break
            restore(dealer, hs, owner, slot, before)
    if not done:
        return None
    return put_back(ex, dealer, {h: w for h, w, role in chosen
                                 if role == "lead" and h in lower})

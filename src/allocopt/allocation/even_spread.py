"""Level 4 for large meetings: deal the placed households so each worker ends near the mean.

With the households placed, the workers moved into amber and the max load % fixed
by the levels before, the spread (load % above the team mean, summed) depends only
on how much new load each worker ends with. Loads move in whole households, so a
worker cannot stop exactly at the mean: the best is to end each worker at a load
it can reach, at or just below the mean, and to put the unavoidable excess where it
costs least (on workers with large benchmarks, whose load % moves least per point).

1. **Targets.** Each worker starts at the largest load it can reach (sums of whole
   households it may take) that costs nothing, that is at or below the mean; then,
   while the targets add up to less than the new load to place, the worker whose
   next reachable load costs least per unit is raised to it (the same marginal
   argument as the LP bound with the spread hull, in whole households).
2. **Dealing.** Households, the most constrained first (fewest workers allowed),
   then heaviest first, each to the allowed worker whose target it fills most
   tightly (best fit decreasing into the targets).
   When the targets add up to exactly the new load, households this leaves over are
   settled: placed where they overfill least, then load is passed from workers above
   their targets to workers below along chains of exchanges (each worker on a chain
   gives a household a unit heavier than the one it gets back; breadth first, so the
   shortest chain), and a short tabu search of moves and exchanges takes what is left.
   Where the targets cannot all be met together (count caps, say), the excess goes
   along the same chains to whoever it costs least. Measured: at 200 x 1,000 (targets
   of about 30 points, households of 2 to 13) twelve households were left over and
   settled in 0.05 s; at 1,000 x 5,000, 69 in 1.9 s (93 chains). Both end with the
   spread at its LP bound, so the solver's spread stage is skipped.
3. **Repair.** A household left over goes where a worker's target has room for it,
   else two workers exchange a household each so that one of them gains the room,
   else to the worker it costs least to overfill (within the max load %).

Every hard rule is kept (the dealing reads the declared rules, see
:mod:`allocopt.allocation.dealing`); the caller keeps the result only if it is
lexicographically better. At 200 x 1,000 this takes a tenth of a second where
CP-SAT's search found a spread 25-60 % above this one in ten seconds.
"""

from __future__ import annotations

import heapq
import math
import time
from typing import Literal

import numpy as np
import numpy.typing as npt

from allocopt.allocation.cpsat.bounds.facets import worker_amounts
from allocopt.allocation.cpsat.bounds.household_sums import spread_term
from allocopt.allocation.dealing import Dealer
from allocopt.allocation.exact import PCT_UNITS, ExactProblem
from allocopt.allocation.problem import Assignment
from allocopt.allocation.rule_checks import required

IntArray = npt.NDArray[np.int64]


def even_spread(ex: ExactProblem, assignments: tuple[Assignment, ...], top: int,
                amber: frozenset[int], deadline: float = math.inf
                ) -> tuple[Assignment, ...] | None:
    """The lead households of `assignments` dealt again for a low spread (module
    docstring); co-workers and pinned households stay where they are. Nobody given work
    goes above `top` (load %, hundredths), and only the workers in `amber` may go beyond
    the acceptable band. None if some household finds no place, or at `deadline`
    (perf_counter) before the households are all placed."""
    pins = {h for h, _ in required(ex)}
    keep = [(ex.household_index[a.household_id], ex.worker_index[a.worker_id], a.role)
            for a in assignments]
    movable = [h for h, _, role in keep
               if role == "lead" and h not in pins and not ex.households[h].co_working]
    kept = [(h, w, role) for h, w, role in keep if role == "secondary" or h not in movable]

    def base() -> Dealer:
        dealer = Dealer(ex)
        for h, w, role in kept:
            dealer.record(h, w, role)
        return dealer

    team = list(ex.team)
    if not team or not movable:
        return None
    dealer = base()
    b, load = dealer.benchmark, dealer.load
    fixed = dealer.added.copy()
    # the team's load % after the meeting (levels 3 and 4 look at the whole team)
    sb = int(b[team].sum())
    sl = int(load[team].sum()) + int(fixed[team].sum()) + sum(ex.points[h] for h in movable)
    # the most each worker may end with: the max load %, the ceiling, and the
    # acceptable band unless it may go beyond
    limit = np.where(b > 0, top * b // PCT_UNITS - load, 0)
    limit = np.minimum(limit, dealer.ceiling - load)
    calm = np.array([a - ex.load[w] if a is not None and w not in amber else 2**40
                     for w, a in enumerate(ex.acceptable_max)], dtype=np.int64)
    limit = np.maximum(np.minimum(limit, calm) - fixed, 0)
    order = sorted(movable, key=lambda h: (len(dealer.static_leads[h]), -ex.points[h],
                                          ex.households[h].id))
    lightest = max(1, min(ex.points[h] for h in movable))
    for margin in MARGINS:
        targets = _targets(ex, dealer, movable, limit, fixed, sb, sl, margin * lightest)
        if dealer.chosen != kept:
            dealer = base()
        left = [h for h in order if not _fill(dealer, h, targets + fixed)]
        if margin == 0 and left:
            # settling may take most of the time, not all: the margins after it need some
            now = time.perf_counter()
            settled = _settle(dealer, movable, left, targets + fixed, limit + fixed,
                              now + (deadline - now) * SETTLE_SHARE, (sb, sl))
            if settled != "no":
                # on target, or all but a few workers a unit off it: far closer than
                # the room to spare of larger margins
                _improve(dealer, movable, limit + fixed, sb, sl, deadline)
                return dealer.assignments()
        if all(time.perf_counter() < deadline
               and _repair(dealer, h, targets + fixed, limit + fixed, sb, sl)
               for h in sorted(left, key=lambda h: (-ex.points[h], ex.households[h].id))):
            _improve(dealer, movable, limit + fixed, sb, sl, deadline)
            return dealer.assignments()
        if time.perf_counter() >= deadline:
            break
    return None


PASSES = 4
"""Rounds of moves and exchanges of :func:`_improve`."""


def _terms(dealer: Dealer, workers: IntArray, added: IntArray, sb: int, sl: int) -> IntArray:
    """Each worker's spread term (as objective.spread rounds it) with `added` new load."""
    b = dealer.benchmark[workers]
    top = PCT_UNITS * ((dealer.load[workers] + added) * sb - b * sl)
    return np.where((top > 0) & (b > 0), -(-top // np.maximum(b * sb, 1)), 0)


def _improve(dealer: Dealer, movable: list[int], limit: IntArray, sb: int, sl: int,
             deadline: float) -> None:
    """Step 4: households of workers above the mean moved to, or exchanged with a lighter
    one of, the worker where that lowers the spread most (every rule kept, nobody beyond
    their limit), a few rounds over the workers above the mean."""
    ex = dealer.ex
    mine = set(movable)
    n = len(ex.workers)
    everyone = np.arange(n, dtype=np.int64)
    for _ in range(PASSES):
        improved = False
        lead_of = {g: w for g, w, role in dealer.chosen if role == "lead" and g in mine}
        cost = _terms(dealer, everyone, dealer.added, sb, sl)
        for g, first in sorted(lead_of.items(), key=lambda gv: (-int(cost[gv[1]]), gv[0])):
            v = lead_of[g]  # where it is now (an exchange may have moved it)
            if cost[first] <= 0 or time.perf_counter() >= deadline:
                break
            if cost[v] <= 0:
                continue
            p = ex.points[g]
            ws = dealer.fitting(g, "lead", exclude=v)
            ws = ws[dealer.added[ws] + p <= limit[ws]]
            if ws.size == 0:
                continue
            gain = int(_terms(dealer, everyone[[v]], dealer.added[[v]] - p, sb, sl)[0]
                       - cost[v])
            delta = gain + _terms(dealer, ws, dealer.added[ws] + p, sb, sl) - cost[ws]
            moved = False
            for k in np.lexsort((dealer.rank[ws], delta)):
                if delta[k] >= 0:
                    break
                u = int(ws[k])
                _drop(dealer, g, v)
                if _may_take(dealer, g, u) and dealer.place(g, u):
                    moved = improved = True
                    lead_of[g] = u
                    cost = _terms(dealer, everyone, dealer.added, sb, sl)
                    break
                dealer.record(g, v, "lead")
            if not moved and _lighter_swap(dealer, g, v, lead_of, limit, cost, sb, sl):
                improved = True
                cost = _terms(dealer, everyone, dealer.added, sb, sl)
        if not improved:
            return


def _lighter_swap(dealer: Dealer, g: int, v: int, lead_of: dict[int, int], limit: IntArray,
                  cost: IntArray, sb: int, sl: int) -> bool:
    """Exchange `g` (on v, above the mean) for a lighter household of another worker u,
    where that lowers the spread most; True if one was made."""
    ex = dealer.ex
    others = [(h, w) for h, w in lead_of.items() if w != v and ex.points[h] < ex.points[g]]
    if not others:
        return False
    hs = np.array([h for h, _ in others], dtype=np.int64)
    us = np.array([w for _, w in others], dtype=np.int64)
    d = ex.points[g] - np.array([ex.points[h] for h in hs.tolist()], dtype=np.int64)
    ok = dealer.added[us] + d <= limit[us]
    hs, us, d = hs[ok], us[ok], d[ok]
    if not len(hs):
        return False
    vv = np.full(len(hs), v, dtype=np.int64)
    delta = (_terms(dealer, vv, dealer.added[vv] - d, sb, sl) - cost[v]
             + _terms(dealer, us, dealer.added[us] + d, sb, sl) - cost[us])
    for k in np.lexsort((dealer.rank[us], delta))[:20]:
        if delta[k] >= 0:
            break
        h, u = int(hs[k]), int(us[k])
        mark = len(dealer.chosen)
        _drop(dealer, g, v)
        _drop(dealer, h, u)
        if _may_take(dealer, g, u) and dealer.place(g, u):
            if _may_take(dealer, h, v) and dealer.place(h, v):
                lead_of[g], lead_of[h] = u, v
                return True
            dealer.undo_to(mark - 2)
        for x, w in ((g, v), (h, u)):
            dealer.record(x, w, "lead")
    return False


Settled = Literal["exact", "near", "no"]
"""How :func:`_settle` ended: every worker on its target; everything placed and every
worker within its limit but not all on target (the deal left so); or neither (the deal
as it was before)."""


def _settle(dealer: Dealer, movable: list[int], left: list[int], target: IntArray,
            limit: IntArray, deadline: float, mean: tuple[int, int] = (1, 0)) -> Settled:
    """Step 2b: when the targets add up to exactly the new load, end every worker on its
    target. The households left over are placed where they overfill least; load is then
    passed along chains of exchanges (:func:`pass_along`); what that leaves goes to
    single moves and exchanges that bring the workers' loads closest to their targets
    (sum of the distances, a tabu search: a household may not go back to the worker it
    just left for a few rounds, so the search walks off a level stretch instead of
    cycling). `mean`: the team's benchmark and load after the meeting (sb, sl)."""
    ex = dealer.ex
    mark = len(dealer.chosen)
    for h in sorted(left, key=lambda h: (-ex.points[h], ex.households[h].id)):
        ws = dealer.fitting(h, "lead")
        over = dealer.added[ws] + ex.points[h] - target[ws]
        if not any(dealer.allowed_now(h, int(ws[k])) and dealer.place(h, int(ws[k]))
                   for k in np.lexsort((dealer.rank[ws], np.maximum(over, 0)))):
            dealer.undo_to(mark)
            return "no"
    hs, slot, size, owner, may = holdings(dealer, movable)
    before = [(g, w) for g, w in held_by(hs, owner) if g not in left]
    spilled = pass_along(dealer, hs, size, owner, may, target, limit, deadline, mean)
    passed = held_by(hs, owner)
    if not (dealer.added - target).any():
        return "exact"
    tabu: dict[tuple[int, int], int] = {}
    for step in range(0 if spilled else SETTLE_STEPS):
        dev = dealer.added - target
        if not dev.any():
            return "exact"
        if time.perf_counter() >= deadline:
            break
        move = _settle_step(dealer, hs, size, owner, may, dev, tabu, step)
        if move is None:
            break
        for i, u in move:
            tabu[i, int(owner[i])] = step + SETTLE_TABU
            owner[i] = u
    # back to where the chains left it (the tabu search may have wandered further off),
    # or, if someone is there beyond their limit, to the deal before
    restore(dealer, hs, owner, slot, passed)
    if (dealer.added <= limit).all():
        return "near"
    restore(dealer, hs, owner, slot, before)
    return "no"


def holdings(dealer: Dealer, movable: list[int]
             ) -> tuple[IntArray, dict[int, int], IntArray, IntArray, npt.NDArray[np.bool_]]:
    """The households `movable` as slots for :func:`pass_along`: (households, slot of
    each household, points, worker leading each or -1, who the static rules let lead
    each: slots x workers)."""
    ex = dealer.ex
    mine = set(movable)
    hs = np.array(sorted(mine), dtype=np.int64)
    slot = {h: i for i, h in enumerate(hs.tolist())}
    size = np.array([ex.points[h] for h in hs.tolist()], dtype=np.int64)
    owner = np.full(len(hs), -1, dtype=np.int64)
    for g, w, role in dealer.chosen:
        if role == "lead" and g in mine:
            owner[slot[g]] = w
    may = np.zeros((len(hs), len(ex.workers)), dtype=bool)
    for i, h in enumerate(hs.tolist()):
        may[i, dealer.static(h, "lead")] = True
    return hs, slot, size, owner, may


def held_by(hs: IntArray, owner: IntArray) -> list[tuple[int, int]]:
    """(household, worker) of each slot of :func:`holdings` that is placed."""
    return [(int(hs[i]), w) for i, w in enumerate(owner.tolist()) if w >= 0]


def restore(dealer: Dealer, hs: IntArray, owner: IntArray, slot: dict[int, int],
            held: list[tuple[int, int]]) -> None:
    """The slots of :func:`holdings` back to `held` (a deal they were at before, valid:
    no checks)."""
    for g, w in held_by(hs, owner):
        dealer.drop(g, w, "lead")
    owner[:] = -1
    for g, w in held:
        dealer.record(g, w, "lead")
        owner[slot[g]] = w


def pass_along(dealer: Dealer, hs: IntArray, size: IntArray, owner: IntArray,
                may: npt.NDArray[np.bool_], target: IntArray, limit: IntArray,
                deadline: float, mean: tuple[int, int]) -> bool:
    """Step 2b, first: load passed from a worker above its target to one below it along
    a chain of exchanges, each worker giving a household that much heavier than the one
    it gets (the chain found breadth first, so the shortest), the least amount that has
    a chain first: one unit (the largest that divides every household's points), then
    two, ... When no chain is left (some targets cannot be met together, with count caps
    say), what is still above target goes the same way to a worker with room under its
    limit, where it costs least spread (`mean`: the team's benchmark and load, sb and
    sl). Stops when nobody is above target, or no chain is left. True if some load was
    spilled so (the targets are not all met: no point trying further)."""
    sizes = size[size > 0]
    if not sizes.size:
        return False
    unit = int(np.gcd.reduce(sizes))
    n = len(dealer.ex.workers)
    held: list[list[int]] = [[] for _ in range(n)]
    for i, w in enumerate(owner.tolist()):
        if w >= 0:
            held[w].append(i)
    refused: set[tuple[int, int]] = set()
    of_size = {int(p): np.nonzero(size == p)[0] for p in np.unique(size).tolist()}
    spill = False
    goal = target.copy()  # a worker given what was spilled keeps it
    everyone = np.arange(n, dtype=np.int64)

    def chain(dev: IntArray, amount: int, v: int) -> list[Link] | None:
        if not spill:
            return _chain(dealer, hs, of_size, owner, may, held, amount, v, refused,
                          dev <= -amount)
        # to the worker with room whose spread term rises least
        rise = (_terms(dealer, everyone, dealer.added + amount, *mean)
                - _terms(dealer, everyone, dealer.added, *mean))
        return _chain(dealer, hs, of_size, owner, may, held, amount, v, refused,
                      (dealer.added + amount <= limit) & (dev <= 0), rise)

    while time.perf_counter() < deadline:
        dev = dealer.added - goal
        above = np.nonzero(dev >= unit)[0]
        if not above.size:
            break
        above = above[np.lexsort((dealer.rank[above], -dev[above]))]
        tried = len(refused)
        if any(_pass(dealer, hs, owner, held, found, refused)
               and (not spill or _spilled(goal, found, amount))
               for amount in range(unit, int(dev.max()) + 1, unit)
               for v in above[dev[above] >= amount].tolist()
               if (found := chain(dev, amount, v))) or len(refused) > tried:
            continue  # passed, or a chain a rule refused: searched for again
        if spill:
            break
        spill = True
    return bool((goal != target).any())


def _spilled(goal: IntArray, chain: list[Link], amount: int) -> bool:
    """The worker at the end of `chain` keeps the `amount` spilled to it."""
    goal[chain[0][3]] += amount
    return True


Link = tuple[int, int, int, int]
"""(worker giving, household slot it gives, household slot it gets or -1, worker getting)."""


def _chain(dealer: Dealer, hs: IntArray, of_size: dict[int, IntArray], owner: IntArray,
           may: npt.NDArray[np.bool_], held: list[list[int]], unit: int, start: int,
           refused: set[tuple[int, int]], sink: npt.NDArray[np.bool_],
           rise: IntArray | None = None) -> list[Link] | None:
    """The shortest chain of exchanges passing `unit` (an amount of load) from `start`
    to a worker in `sink` (:func:`pass_along`), or None; with `rise` (a cost for each
    worker to end a chain on), the chain to the cheapest worker it can reach (the first
    found of those). `of_size`: the household slots of each size.

    Breadth first, a layer of workers at a time in numpy; the rules beyond the static
    ones (count caps and the like) are tried for a link only when it is used: when
    the chain would end with it, or when the worker it reaches is expanded."""
    n = len(sink)
    seen = np.zeros(n, dtype=bool)
    seen[start] = True
    # the link that reached each worker: from whom, the slot given, the slot got back
    came = np.full((3, n), -1, dtype=np.int64)
    queue = [start]
    none = np.full(1, -1, dtype=np.int64)

    def path(link: Link) -> list[Link]:
        chain = [link]
        while chain[-1][0] != start:
            b = chain[-1][0]
            chain.append((int(came[0, b]), int(came[1, b]), int(came[2, b]), b))
        return chain  # from the end of the chain back to its start

    best: tuple[int, Link] | None = None
    for a in queue:
        if a != start:
            into = (int(came[0, a]), int(came[1, a]), int(came[2, a]), a)
            if (into[1], into[2]) in refused or (
                    (dealer.special[into[0]] or dealer.special[a])
                    and not _link_ok(dealer, hs, into)):
                continue  # the link that reached `a` breaks a count cap or the like
        # the household `a` gives up in the link that reached it is not its to pass on
        gone = int(came[2, a])
        for i in held[a]:
            if i == gone:
                continue
            s = int(dealer.ex.points[int(hs[i])])
            if s == unit:
                bs = np.nonzero(may[i] & ~seen)[0]
                js = np.broadcast_to(none, bs.shape)
            else:
                js = of_size.get(s - unit, none[:0])
                bs = owner[js]
                ok = may[i, bs] & may[js, a] & ~seen[bs]
                # one household of each worker is enough to reach it
                bs, first = np.unique(bs[ok], return_index=True)
                js = js[ok][first]
            if not bs.size:
                continue
            ends = np.nonzero(sink[bs])[0]
            if rise is not None:
                ends = ends[np.argsort(rise[bs[ends]], kind="stable")]
            for k in ends.tolist():
                link = (a, i, int(js[k]), int(bs[k]))
                if rise is not None and best is not None and rise[link[3]] >= best[0]:
                    break
                if (i, link[2]) in refused or ((dealer.special[a] or dealer.special[link[3]])
                                               and not _link_ok(dealer, hs, link)):
                    continue
                if rise is None:
                    return path(link)
                best = (int(rise[link[3]]), link)
                break
            seen[bs] = True
            came[0, bs], came[1, bs], came[2, bs] = a, i, js
            queue.extend(bs.tolist())
    return path(best[1]) if best is not None else None


def _link_ok(dealer: Dealer, hs: IntArray, link: Link) -> bool:
    """Every hard rule lets the two workers of `link` make its exchange, as they are now
    (tried and taken back)."""
    a, i, j, b = link
    g, other = int(hs[i]), (int(hs[j]) if j >= 0 else None)
    dealer.drop(g, a, "lead")
    if other is not None:
        dealer.drop(other, b, "lead")
    ok = _may_take(dealer, g, b) and (other is None or _may_take(dealer, other, a))
    dealer.record(g, a, "lead")
    if other is not None:
        dealer.record(other, b, "lead")
    return ok


def _pass(dealer: Dealer, hs: IntArray, owner: IntArray, held: list[list[int]],
          chain: list[Link], refused: set[tuple[int, int]]) -> bool:
    """Make the exchanges of `chain`, from its end (where the unit lands) back to its
    start, so no worker goes above what it held or its target on the way; if a rule
    refuses one, everything goes back, that exchange is refused from then on, and False."""
    done: list[Link] = []
    for link in chain:
        a, i, j, b = link
        if not _trade(dealer, None, a, int(hs[i]), b, int(hs[j]) if j >= 0 else None):
            for x, y, z, w in reversed(done):
                _swap(dealer, hs, owner, held, (w, y, z, x))
            refused.add((i, j))
            return False
        _moved(owner, held, i, a, b)
        if j >= 0:
            _moved(owner, held, j, b, a)
        done.append(link)
    return True


def _swap(dealer: Dealer, hs: IntArray, owner: IntArray, held: list[list[int]],
          link: Link) -> None:
    """Undo one exchange of :func:`_pass` (the deal before it was valid: no checks)."""
    a, i, j, b = link  # i back from a to b, j back from b to a
    dealer.drop(int(hs[i]), a, "lead")
    dealer.record(int(hs[i]), b, "lead")
    _moved(owner, held, i, a, b)
    if j >= 0:
        dealer.drop(int(hs[j]), b, "lead")
        dealer.record(int(hs[j]), a, "lead")
        _moved(owner, held, j, b, a)


def _moved(owner: IntArray, held: list[list[int]], i: int, a: int, b: int) -> None:
    owner[i] = b
    held[a].remove(i)
    held[b].append(i)


SETTLE_SHARE = 0.7
"""Share of the time left that settling (:func:`_settle`) may take."""

SETTLE_STEPS = 500
"""Moves and exchanges :func:`_settle` may make before giving up on exact targets."""

SETTLE_TABU = 7
"""Rounds a household may not go back to the worker it left."""


def _settle_step(dealer: Dealer, hs: IntArray, size: IntArray, owner: IntArray,
                 may: npt.NDArray[np.bool_], dev: IntArray,
                 tabu: dict[tuple[int, int], int], step: int) -> list[tuple[int, int]] | None:
    """One step of :func:`_settle` on one worker above its target (the workers above
    take turns, step by step): of the moves of one of its households to another worker
    and the exchanges of one with a lighter household, the one that lowers the distance
    to the targets most (or raises it least), not tabu; made, and returned as (household
    slot, new worker) pairs. None if no worker above its target has one."""
    placed = owner >= 0
    above = np.nonzero(dev > 0)[0]
    above = above[np.lexsort((dealer.rank[above], -dev[above]))].tolist()
    for turn in range(len(above)):
        v = above[(step + turn) % len(above)]
        made = _settle_worker(dealer, hs, size, owner, may, dev, tabu, step, v, placed)
        if made is not None:
            return made
    return None


def _settle_worker(dealer: Dealer, hs: IntArray, size: IntArray, owner: IntArray,
                   may: npt.NDArray[np.bool_], dev: IntArray, tabu: dict[tuple[int, int], int],
                   step: int, v: int, placed: npt.NDArray[np.bool_]
                   ) -> list[tuple[int, int]] | None:
    """:func:`_settle_step` for the households of worker `v`."""
    best: list[tuple[int, int, int, int, int]] = []  # (change, kind, i, j or -1, u)
    for i in np.nonzero(owner == v)[0].tolist():
        s = int(size[i])
        head = abs(int(dev[v]) - s) - abs(int(dev[v]))
        # a move to u
        us = np.nonzero(may[i])[0]
        us = us[(us != v) & (dealer.load[us] + dealer.added[us] + s <= dealer.ceiling[us])]
        change = head + np.abs(dev[us] + s) - np.abs(dev[us])
        for k in np.argsort(change, kind="stable")[:4].tolist():
            best.append((int(change[k]), 0, i, -1, int(us[k])))
        # an exchange with a lighter household j of worker u
        js = np.nonzero(placed & (size < s) & (owner != v) & may[:, v])[0]
        js = js[may[i, owner[js]]]
        d = s - size[js]
        us = owner[js]
        ok = dealer.load[us] + dealer.added[us] + d <= dealer.ceiling[us]
        js, us, d = js[ok], us[ok], d[ok]
        change = (np.abs(dev[v] - d) - abs(int(dev[v]))) + np.abs(dev[us] + d) - np.abs(dev[us])
        for k in np.argsort(change, kind="stable")[:4].tolist():
            best.append((int(change[k]), 1, i, int(js[k]), int(us[k])))
    best.sort(key=lambda m: (m[0], m[1], int(hs[m[2]]), m[3], int(dealer.rank[m[4]])))
    for _change, _, i, j, u in best:
        v = int(owner[i])
        if tabu.get((i, u), -1) > step or (j >= 0 and tabu.get((j, v), -1) > step):
            continue
        if _trade(dealer, None, v, int(hs[i]), u, int(hs[j]) if j >= 0 else None):
            return [(i, u)] + ([(j, v)] if j >= 0 else [])
    return None


MARGINS = (0, 1, 2, 4, 8, 16, 64)
"""Targets adding up to the new load plus this many of the lightest households: room to
spare where the exact targets leave a household no place (a worker ending below its
target costs no more than its target), the least that works."""

EXCHANGE_WORKERS = 24
"""Workers (those with the most room) an exchange tries to make room on."""

CONSOLIDATIONS = 8
"""Exchanges that gather room on one worker before a leftover household is overfilled."""


def _repair(dealer: Dealer, h: int, target: IntArray, limit: IntArray, sb: int, sl: int
            ) -> bool:
    """Step 3 for a household left over (see the module docstring): room in a target,
    an exchange that makes it, exchanges that gather it a step at a time, or the cheapest
    worker to overfill."""
    for _ in range(CONSOLIDATIONS):
        if _fill(dealer, h, target) or _exchange(dealer, h, target):
            return True
        if not _exchange(dealer, h, target, gather=True):
            break
    return _overfill(dealer, h, limit, sb, sl)


def _targets(ex: ExactProblem, dealer: Dealer, movable: list[int], limit: IntArray,
             fixed: IntArray, sb: int, sl: int, margin: int) -> IntArray:
    """Step 1: each worker's target new load (on top of what is fixed), adding up to the
    new load to place and `margin` more."""
    n = len(ex.workers)
    # households counted by (allowed workers, points) first: the lists are shared by
    # households alike, so a worker's chunks add up a few groups, not every household
    groups: dict[tuple[tuple[int, ...], int], int] = {}
    for h in movable:
        key = (dealer.static_leads[h], ex.points[h])
        groups[key] = groups.get(key, 0) + 1
    chunks: list[dict[int, int]] = [{} for _ in range(n)]
    for (leads, p), count in groups.items():
        for w in leads:
            chunks[w][p] = chunks[w].get(p, 0) + count
    pool = set(ex.pool)
    reach = [np.array(worker_amounts(list(chunks[w].items()), int(limit[w])), dtype=np.int64)
             if w in pool and limit[w] > 0 else np.zeros(1, dtype=np.int64) for w in range(n)]

    def cost(w: int, a: int) -> int:
        return spread_term(ex.load[w], ex.benchmark[w], sb, sl, int(fixed[w]) + a)

    # free: at or below the team's load % ((L + A) SB <= B SL), where the term is 0
    target = np.zeros(n, dtype=np.int64)
    for w in range(n):
        b = ex.benchmark[w]
        if b > 0:
            free = (b * sl) // sb - ex.load[w] - int(fixed[w])
            i = int(np.searchsorted(reach[w], free, side="right"))
            target[w] = int(reach[w][i - 1]) if i > 0 else 0
    need = sum(ex.points[h] for h in movable) + margin - int(target.sum())
    heap: list[tuple[float, int, int]] = []

    def push(w: int) -> None:
        i = int(np.searchsorted(reach[w], target[w], side="right"))
        if i < len(reach[w]):
            a = int(reach[w][i])
            step = (cost(w, a) - cost(w, int(target[w]))) / (a - int(target[w]))
            heapq.heappush(heap, (step, w, a))

    for w in range(n):
        push(w)
    while need > 0 and heap:
        _, w, a = heapq.heappop(heap)
        if target[w] >= a:
            continue
        need -= a - int(target[w])
        target[w] = a
        push(w)
    return target


def _fill(dealer: Dealer, h: int, target: IntArray) -> bool:
    """Step 2: `h` to the allowed worker whose target it fills most tightly."""
    ws = dealer.fitting(h, "lead")
    if ws.size == 0:
        return False
    gap = target[ws] - dealer.added[ws] - dealer.ex.points[h]
    ok = gap >= 0
    ws, gap = ws[ok], gap[ok]
    for k in np.lexsort((dealer.rank[ws], gap)):
        w = int(ws[k])
        if dealer.allowed_now(h, w) and dealer.place(h, w):
            return True
    return False


def _exchange(dealer: Dealer, h: int, target: IntArray, gather: bool = False) -> bool:
    """Step 3: make room for `h` on a worker v whose target has some room but too little:
    v gives one of its households to a worker u with room in its target, taking back a
    lighter one of u's (or none), so that v gains at least what `h` lacks; then `h` goes
    to v. Every worker stays within its target. With `gather`, v (the worker allowed `h`
    with the most room) gains what it can, and `h` is not placed yet."""
    ex = dealer.ex
    p = ex.points[h]
    pins = {g for g, _ in required(ex)}
    placed = [(g, w) for g, w, role in dealer.chosen
              if role == "lead" and g not in pins and not ex.households[g].co_working]
    if not placed:
        return False
    sizes = np.array([ex.points[g] for g, _ in placed], dtype=np.int64)
    owner = np.array([w for _, w in placed], dtype=np.int64)
    hole = target - dealer.added
    ws = dealer.fitting(h, "lead")
    ws = ws[(hole[ws] > 0) & (hole[ws] < p)]
    order = ws[np.lexsort((dealer.rank[ws], -hole[ws]))].tolist()[:EXCHANGE_WORKERS]
    for v in order:
        short = 1 if gather else p - int(hole[v])
        for i in np.nonzero((owner == v) & (sizes >= short))[0].tolist():
            a = placed[i][0]
            # a lighter household b of another worker u: short <= size(a) - size(b) <= hole(u)
            back = sizes[i] - sizes
            fits = (owner != v) & (back >= short) & (back <= hole[owner])
            for j in np.nonzero(fits)[0].tolist():
                b, u = placed[j]
                if _trade(dealer, None if gather else h, v, a, u, b):
                    return True
            # or none back: u simply takes a
            for u in np.nonzero(hole >= sizes[i])[0].tolist():
                if u != v and _trade(dealer, None if gather else h, v, a, u, None):
                    return True
    return False


def _may_take(dealer: Dealer, h: int, w: int) -> bool:
    """Every hard rule lets `w` lead `h` on top of what they hold now."""
    ex = dealer.ex
    if w not in dealer.static_leads[h]:
        return False
    extra = ex.points[h]
    if extra > 0 and dealer.load[w] + dealer.added[w] + extra > dealer.ceiling[w]:
        return False
    return dealer.allowed_now(h, w)


def _trade(dealer: Dealer, h: int | None, v: int, a: int, u: int, b: int | None) -> bool:
    """`a` from v to u, `b` (if any) from u to v, then `h` (if any) to v, every rule kept;
    if a step is refused, everything goes back and False."""
    mark = len(dealer.chosen)
    _drop(dealer, a, v)
    if b is not None:
        _drop(dealer, b, u)
    steps = [(a, u)] + ([(b, v)] if b is not None else []) + ([(h, v)] if h is not None else [])
    done = 0
    for g, w in steps:
        if not (_may_take(dealer, g, w) and dealer.place(g, w)):
            break
        done += 1
    if done == len(steps):
        return True
    dealer.undo_to(mark - 1 - (b is not None))
    back: list[tuple[int, int]] = [(a, v)] + ([(b, u)] if b is not None else [])
    for g, w in back:
        dealer.record(g, w, "lead")
    return False


def _drop(dealer: Dealer, h: int, w: int) -> None:
    dealer.drop(h, w, "lead")


def _overfill(dealer: Dealer, h: int, limit: IntArray, sb: int, sl: int) -> bool:
    """Step 3, last: `h` to the worker it costs least to take it beyond the target."""
    ex = dealer.ex
    ws = dealer.fitting(h, "lead")
    after = dealer.added[ws] + ex.points[h]
    ok = (after <= limit[ws]) & (dealer.benchmark[ws] > 0)
    ws, after = ws[ok], after[ok]
    if ws.size == 0:
        return False
    costs = np.array([spread_term(ex.load[w], ex.benchmark[w], sb, sl, a)
                      - spread_term(ex.load[w], ex.benchmark[w], sb, sl, a - ex.points[h])
                      for w, a in zip(ws.tolist(), after.tolist(), strict=True)])
    for k in np.lexsort((dealer.rank[ws], costs)):
        w = int(ws[k])
        if dealer.allowed_now(h, w) and dealer.place(h, w):
            return True
    return False

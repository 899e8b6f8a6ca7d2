"""Bounds from the loads each worker can actually be given: sums of whole households.

The optimiser's cheap bounds (:mod:`.levels`) treat new load as divisible into
whole units. Households come in chunks of several points, so on a
small team the proof that an allocation is the fairest possible is mostly a
packing argument: the households do not divide so that nobody ends above the
mean. CP-SAT proves it by search (most of the simulator's spread stages were
such proofs, 2.6 ms each and up to 100 ms). Here each worker may take any sum of
the households they may lead or co-work (each household counted up to the
number the model allows that worker, the same household possibly also counted
for another worker), within the max load % already fixed; a dynamic programme
over workers finds the least spread of any split of the fixed total. Dropping
the rule that a household goes to one worker only (and every other level's
constraint) can only lower that least spread, so it is a valid lower bound;
when the incumbent meets it, the incumbent is proven optimal without a search.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocopt.allocation.exact import PCT_UNITS, ExactProblem

WORK_LIMIT = 20_000_000
"""The most table cells a bound's dynamic programme may touch (a few tenths of a
second); beyond it the bound claims nothing. The tables grow with total points and
days: on a 1,000 x 5,000 meeting an unbounded programme ran out of 24 GB."""

NONE = np.iinfo(np.int64).max // 4
"""No set of households: a load larger than any sum of them."""


def reachable(chunks: Iterable[tuple[int, int]], cap: int) -> list[int]:
    """Every total up to `cap` made of the chunks: (size, how many may be used)."""
    reach = 1
    mask = (1 << (cap + 1)) - 1
    for size, count in chunks:
        if size <= 0:
            continue
        for _ in range(count):
            grown = (reach | (reach << size)) & mask
            if grown == reach:
                break
            reach = grown
    # the set bits, read from the binary digits (lowest first) rather than by shifting
    return [a for a, bit in enumerate(reversed(bin(reach)[2:])) if bit == "1"]


def spread_floor_by_sums(ex: ExactProblem, total: int, top: int, amber: int,
                         chunks: Mapping[int, list[tuple[int, int]]],
                         most: Mapping[int, int]) -> int | None:
    """A lower bound on level 4 (spread) when the team's new load is `total`, nobody
    given work goes above `top` (max load %, hundredths) and at most `amber` workers
    are moved beyond the acceptable band.

    `chunks[w]`: (points, how many) of the households worker `w` may take (lead or
    co-worker shares); `most[w]`: the most new load the worker may take. None when no
    split of the total is possible under these limits (then no bound is claimed).
    """
    team = list(ex.team)
    if not team:
        return 0
    if len(team) * (amber + 1) * (total + 1) ** 2 > WORK_LIMIT:
        return None
    sb = sum(ex.benchmark[w] for w in team)
    sl = sum(ex.load[w] for w in team) + total
    # Most workers at a meeting can be given nothing (full, or nothing they may take):
    # their terms are the same in every split, so they are added at the end instead of
    # each being a step of the programme. The others are its steps.
    fixed = 0
    takers: list[tuple[list[int], list[int], list[bool]]] = []
    for w in team:
        b, load = ex.benchmark[w], ex.load[w]
        # a worker given work stays at or below `top`; one given nothing may sit anywhere
        cap = min(total, most.get(w, 0), max(0, top * b // PCT_UNITS - load))
        amounts = reachable(chunks.get(w, []), cap)
        terms = [spread_term(load, b, sb, sl, a) for a in amounts]
        if len(amounts) == 1:
            fixed += terms[0]
            continue
        acc = ex.acceptable_max[w]
        into = [acc is not None and a > 0 and load + a > acc for a in amounts]
        takers.append((amounts, terms, into))
    if sum(amounts[-1] for amounts, _, _ in takers) < total:
        return None  # even the most every worker can take does not make the total
    # The amber limit binds only when more workers could move into amber than it allows;
    # else the programme needs no count of them (on the simulator's meetings, mostly).
    counted = amber < sum(any(into) for _, _, into in takers)
    rows = amber + 1 if counted else 1
    # best[a, t]: least spread of the takers so far given t new load, a of them moved into
    # amber (a = 0 for all when not counted); `total` columns on the left of the buffer
    # stand for a negative load (no split), so each step reads shifted columns unchecked
    buffer = np.full((rows, 2 * total + 1), NONE, dtype=np.int64)
    best = buffer[:, total:]
    best[0, 0] = 0
    reach, still = 0, sum(amounts[-1] for amounts, _, _ in takers)
    for amounts, terms, into in takers:
        reach += amounts[-1]
        still -= amounts[-1]
        # only loads the takers so far can make and from which those after can still
        # make up the total; the rest stay as they are, as no later step reads them
        lo, hi = max(0, total - still), min(total, reach)
        reads = np.arange(lo + total, hi + total + 1) - np.array(amounts)[:, None]
        # options[a, i, t]: this taker takes amounts[i], t + lo in all
        options = buffer[:, reads]
        moves = counted and any(into)
        stay = [NONE if moves and i else t for t, i in zip(terms, into, strict=True)]
        after = (options + np.array(stay)[:, None]).min(axis=1)
        if moves:
            move = [t if i else NONE for t, i in zip(terms, into, strict=True)]
            moved = (options + np.array(move)[:, None]).min(axis=1)
            np.minimum(after[1:], moved[:-1], out=after[1:])
        np.minimum(after, NONE, out=best[:, lo:hi + 1])
    found = int(best[:, total].min()) + fixed
    return found if found < NONE else None


def spread_term(load: int, benchmark: int, sb: int, sl: int, added: int) -> int:
    """A worker's term of the spread (hundredths of a percent above the mean, rounded up
    as :func:`allocopt.allocation.objective.spread` does) with `added` new load."""
    top = PCT_UNITS * ((load + added) * sb - benchmark * sl)
    return -(-top // (benchmark * sb)) if top > 0 else 0


SPLIT_WORK = 4_000_000
"""The most cells (states x ways a worker may take households x kinds of household) one
step of :func:`spread_floor_by_households` may fill (32 MB); beyond it the bound claims
nothing. On the simulator's team meetings the largest took 11 ms."""


@dataclass(frozen=True)
class Share:
    """Households alike for the spread bound: `size` of them, `points` each, and per worker
    the most of them that worker may take (lead shares or co-worker shares)."""

    points: int
    size: int
    most: Mapping[int, int]
    tier: int | None = None
    """Their priority tier for lead shares (None: co-worker shares)."""


def spread_floor_by_households(ex: ExactProblem, total: int, top: int, amber: int,
                               shares: list[Share], most: Mapping[int, int],
                               enough: int | None = None,
                               placed: tuple[int, ...] | None = None) -> int | None:
    """A lower bound on level 4 (spread): the least spread of any split of the households
    themselves among the workers, every household placed or, with `placed`, as many of
    each tier (highest first) as that says, any of them.

    :func:`spread_floor_by_sums` lets every worker take any sum of the households they
    may take, the same household possibly counted for two workers. Here the split is of
    the households themselves: a dynamic programme over workers whose state is how many
    of each kind of household are taken so far (and how many workers moved into amber),
    ending with every household taken or with `placed` of each tier taken, the team's
    new load `total` either way. Each worker stays within `most` and, if given work, at
    or below `top`; the rules beyond the static ones (count caps, pins), the days waited
    and a co-worker being someone other than the lead (with `placed`, any co-worker at
    all) are dropped, which can only lower the least spread: a valid bound. None when
    all the households do not add up to `total` (`placed` None), some of them could go to
    a worker outside the team, or the programme would be too large (then no bound is
    claimed).

    With `enough` (the spread of an allocation in hand), splits already costing that much
    are dropped (terms are never negative): the answer is then the least spread below
    `enough`, or `enough` itself when there is none (that allocation is the best).
    """
    team = list(ex.team)
    if not team:
        return 0
    if placed is None and sum(sh.points * sh.size for sh in shares) != total:
        return None
    every = placed is None
    shares = [sh for sh in shares if sh.size > 0 and (sh.points > 0 or not every)]
    members = set(team)
    if any(w not in members for sh in shares for w, n in sh.most.items() if n > 0):
        return None
    sb = sum(ex.benchmark[w] for w in team)
    sl = sum(ex.load[w] for w in team) + total
    sizes = tuple(sh.size for sh in shares)
    # the workers furthest above the mean first: their terms come early, so splits that
    # already cost `enough` are dropped sooner
    team.sort(key=lambda w: (-ex.load[w] * sb + ex.benchmark[w] * sl) * 10**6
              // (ex.benchmark[w] * sb) if ex.benchmark[w] else 0)
    caps = [min(total, most.get(w, 0), max(0, top * ex.benchmark[w] // PCT_UNITS
                                              - ex.load[w])) for w in team]
    ceiling = NONE if enough is None else enough
    after = [sum(caps[j + 1:]) for j in range(len(team))]
    if math.prod(n + 1 for n in sizes) * (amber + 1) >= 2**62:
        # more states than any programme here could walk: nothing claimed (this also
        # keeps each count of _Packing, with its guard, within one word's 63 bits)
        return None
    # A state: how many of each kind are still to take and how many more workers may move
    # into amber (`room`, packed: see _Packing), the least spread of the workers so far
    # and the new load they take (`taken`). One state per room: the least spread.
    pack = _Packing([*sizes, amber])
    room = pack.words([pack.full])
    cost = np.zeros(1, dtype=np.int64)
    taken = np.zeros(1, dtype=np.int64)
    for j, w in enumerate(team):
        b, load, acc = ex.benchmark[w], ex.load[w], ex.acceptable_max[w]
        options = _takes([(pack.units[i], sh.points, min(sh.size, sh.most.get(w, 0)))
                          for i, sh in enumerate(shares) if sh.most.get(w, 0) > 0], caps[j])
        if options is None:
            return None
        if len(cost) * len(options) * len(shares) > SPLIT_WORK:
            return None
        if len(options) == 1:
            # given nothing (often: full, or nothing they may take): every state stays
            # as it is, if the workers after can still take the rest and it costs less
            # than `ceiling`
            idle = spread_term(load, b, sb, sl, 0)
            kept = (total - taken <= after[j]) & (cost + idle < ceiling)
            if not kept.any():
                return enough
            room, cost, taken = room[kept], cost[kept] + idle, taken[kept]
            continue
        moves = pack.units[-1]
        take = pack.words([t + moves if acc is not None and a > 0 and load + a > acc else t
                           for t, a in options])
        added = np.array([a for _, a in options], dtype=np.int64)
        term = np.array([spread_term(load, b, sb, sl, a) for _, a in options], dtype=np.int64)
        left = total - taken
        value = cost[:, None] + term[None, :]
        # the workers after this one must be able to take the rest, and no more than it
        ok = ((added[None, :] <= left[:, None]) & (added[None, :] >= (left - after[j])[:, None])
              & (value < ceiling))
        si, oi = np.nonzero(ok)
        rest = room[si] - take[oi]
        fits = pack.fits(rest)
        if not fits.any():
            return enough  # every split costs `enough` or more (None: no split at all)
        si, oi, room = si[fits], oi[fits], rest[fits]
        cost, taken = value[si, oi], taken[si] + added[oi]
        # one state per room: sorted by room, the least spread of each run
        order = np.lexsort(room.T[::-1])
        room = room[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = (room[1:] != room[:-1]).any(axis=1)
        starts = np.flatnonzero(first)
        cost = np.minimum.reduceat(cost[order], starts)
        room, taken = room[starts], taken[order[starts]]
    not_taken = pack.counts(room)[:, :-1]
    if every:
        done = (not_taken == 0).all(axis=1)
    else:
        assert placed is not None
        used = np.array(sizes, dtype=np.int64) - not_taken
        tier = np.array([-1 if sh.tier is None else sh.tier for sh in shares])
        done = np.ones(len(cost), dtype=bool)
        for t, n in enumerate(placed):
            done &= used[:, tier == t].sum(axis=1) == n
    if done.any():
        return int(cost[done].min())
    return enough  # every split costs `enough` or more (None: no split at all)


WORD_BITS = 63
"""The bits of each 64-bit word that :class:`_Packing` fills (the sign bit stays clear)."""


class _Packing:
    """Counts, each from 0 to its limit, packed as bit fields of 64-bit words (most
    meetings need one word), so that one subtraction per word takes several counts off
    at once and one mask per word tells whether any went below zero.

    Each field is one bit wider than its limit needs; in a room that top bit (a guard) is
    set above the count. Taking at most the limit from a field borrows from its guard
    exactly when it takes more than the count, and never from the fields above. The
    packed values are Python integers with word i at bit 64 i, then numpy rows of words.
    """

    def __init__(self, limits: list[int]) -> None:
        self.places: list[tuple[int, int, int]] = []
        """(word, bit, width without the guard) of each count."""
        word = bit = 0
        for limit in limits:
            width = limit.bit_length()
            if bit + width + 1 > WORD_BITS and bit > 0:
                word, bit = word + 1, 0
            self.places.append((word, bit, width))
            bit += width + 1
        self.n_words = word + 1
        self.units = [1 << (64 * word + bit) for word, bit, _ in self.places]
        """One of each count, packed."""
        guards = sum(1 << (64 * word + bit + width) for word, bit, width in self.places)
        self.full = guards + sum(limit * unit for limit, unit in zip(limits, self.units,
                                                                      strict=True))
        """Every count at its limit, with the guards: the room at the start."""
        self.guards = self.words([guards])[0]

    def words(self, packed: list[int]) -> npt.NDArray[np.int64]:
        """Packed values as rows of 64-bit words."""
        if self.n_words == 1:
            return np.array(packed, dtype=np.int64).reshape(len(packed), 1)
        mask = (1 << 64) - 1
        return np.array([[v >> (64 * i) & mask for i in range(self.n_words)] for v in packed],
                        dtype=np.int64).reshape(len(packed), self.n_words)

    def fits(self, rest: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Which rooms (after a subtraction) still have every guard: no count below zero."""
        kept: npt.NDArray[np.bool_] = ((rest & self.guards) == self.guards).all(axis=1)
        return kept

    def counts(self, room: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The counts in rooms (one column each), without the guards."""
        return np.stack([room[:, word] >> bit & ((1 << width) - 1)
                         for word, bit, width in self.places], axis=1)


TAKES = 5_000
"""The most ways one worker may take households that :func:`_takes` lists."""


def _takes(kinds: list[tuple[int, int, int]], cap: int) -> list[tuple[int, int]] | None:
    """Every way to take households of `kinds` ((one of the kind packed, points, most))
    within `cap`: (how many of each kind, packed, and the load); None if more than TAKES."""
    out = [(0, 0)]
    for unit, points, n in kinds:
        if points:
            out = [(t + x * unit, load + x * points) for t, load in out
                   for x in range(min(n, (cap - load) // points) + 1)]
        else:
            out = [(t + x * unit, load) for t, load in out for x in range(n + 1)]
        # each way so far is the start of at least one at the end (none of the kinds
        # after it taken): more than TAKES now is more than TAKES then
        if len(out) > TAKES:
            return None
    return out


def placed_ceiling_by_sums(loads: Iterable[tuple[int, int]], tiers: int,
                           most: Mapping[int, int]) -> tuple[int, ...]:
    """An upper bound on level 1 (households placed per tier, highest tier first) as the
    lexicographically largest counts whose lightest households fit in what all the
    workers together can take (`most`); `loads`: (tier, new load) of each household that
    some worker may take.

    Every allocation's counts fit in that room, and taking each tier's lightest first,
    tier by tier, gives the largest counts in that order: with tier weights that make
    each tier outrank all below, no allocation's weighted sum exceeds these counts'. On
    the simulator's team meetings it settles 132 of the 225 priority stages left to a
    search (the start meets it) and equals the optimum of 54 more, where the solve stops
    at it.
    """
    by_tier: list[list[int]] = [[] for _ in range(tiers)]
    for tier, load in loads:
        by_tier[tier].append(load)
    room = sum(most.values())
    counts = []
    for members in by_tier:
        n = 0
        for load in sorted(members):
            if load > room:
                break
            room -= load
            n += 1
        counts.append(n)
    return tuple(counts)


def waited_ceiling_by_sums(ex: ExactProblem, placed: tuple[int, ...],
                           most: Mapping[int, int]) -> int | None:
    """An upper bound on level 1b (days waited) with `placed` households per tier, or
    None.

    Any set of households with d days waited carries at least
    :func:`least_load_for_days` new load (sums of whole households); each worker can
    take at most `most[w]`. The most days waited whose least load fits in what all the
    workers together can take bounds every allocation. As a value (not only a check of
    the incumbent) it also lets a solve stop at its first solution that meets it: on the
    simulator's team meetings it equals the optimum of the two days-waited solves that
    took 0.35 s each (one of them never proven in 0.25 deterministic seconds). (Each
    worker's room as the largest sum of whole households within it proved 2 more of 145
    stages on the simulator's meetings and cost more than the solves it saved.)
    """
    least = _least_loads(ex, placed)
    if least.by_days is None:
        return None  # the days are not chosen by a programme here: nothing claimed
    fits = np.flatnonzero(least.by_days <= sum(most.values()) - least.fixed_load)
    return least.fixed_days + int(fits[-1]) if len(fits) else None


def acceptable_room(ex: ExactProblem, w: int) -> int | None:
    """New load a worker can take and stay in the acceptable band (None: no limit)."""
    top = ex.acceptable_max[w]
    return None if top is None else max(0, top - ex.load[w])


def _largest(sums: list[int], room: int) -> int:
    """The largest reachable total within `room` (sums ascending, starting at 0)."""
    return sums[bisect_right(sums, room) - 1] if room >= 0 else 0


def max_load_floor_by_sums(ex: ExactProblem, need: int, amber: int, high: int,
                           chunks: Mapping[int, list[tuple[int, int]]],
                           most: Mapping[int, int]) -> int | None:
    """A lower bound on level 3 (max load %) when at least `need` new load must be placed
    and at most `amber` workers may go beyond the acceptable band.

    The integer water level of ``cpsat.max_load_floor``, with each worker's room at a
    level replaced by the largest sum of whole households that fits in it. `high`: a
    level at which everything is known to fit (the incumbent's). None when even `high`
    does not fit `need` in these terms (workers without a benchmark take some of it).
    """
    takers = [w for w in most if ex.benchmark[w] > 0]
    sums = {w: reachable(chunks.get(w, []), most[w]) for w in takers}

    def room(w: int, level: int) -> tuple[int, int]:
        r = min(level * ex.benchmark[w] // PCT_UNITS - ex.load[w], most[w])
        full = _largest(sums[w], r)
        calm = acceptable_room(ex, w)
        if calm is None or r <= calm:
            return full, full
        return full, _largest(sums[w], calm)

    level = water_level(takers, room, amber, need, high)
    return None if level is None else max(level, ex.standing)


def water_level(takers: Iterable[int], room: Callable[[int, int], tuple[int, int]],
                amber: int | None, need: int, high: int) -> int | None:
    """The smallest level (load %, hundredths) in 0..`high` at which the takers' rooms
    hold `need` new load; None when even `high` does not.

    `room(w, level)`: what worker `w` can take staying at or below the level, and how
    much of that stays within the acceptable band. Only `amber` workers (None: any
    number) may use room beyond the band, the largest such rooms first.
    """
    if need <= 0:
        return 0
    takers = list(takers)

    def total(level: int) -> int:
        within = 0
        extras = []
        for w in takers:
            full, calm = room(w, level)
            within += calm
            if full > calm:
                extras.append(full - calm)
        if amber is None:
            return within + sum(extras)
        return within + sum(sorted(extras, reverse=True)[:amber])

    if total(high) < need:
        return None
    lo, hi = 0, high
    while lo < hi:
        mid = (lo + hi) // 2
        if total(mid) >= need:
            hi = mid
        else:
            lo = mid + 1
    return lo


def amber_floor_by_sums(ex: ExactProblem, need: int,
                        chunks: Mapping[int, list[tuple[int, int]]],
                        most: Mapping[int, int]) -> int:
    """A lower bound on level 2 (workers moved into amber) when at least `need` new load
    must be placed: ``cpsat.amber_floor`` with each room replaced by the largest sum of
    whole households that fits in it."""
    rooms = []
    for w, limit in most.items():
        sums = reachable(chunks.get(w, []), limit)
        room = acceptable_room(ex, w)
        inside = _largest(sums, limit if room is None else min(limit, room))
        rooms.append((inside, sums[-1] - inside))
    return fewest_beyond_band(rooms, need)


def fewest_beyond_band(rooms: Iterable[tuple[int, int]], need: int) -> int:
    """The fewest workers who must go beyond the acceptable band to place `need` new
    load, given each worker's (room within the band, further room beyond it): the
    largest further rooms first cover what the rooms within the band leave over."""
    rooms = list(rooms)
    within = sum(inside for inside, _ in rooms)
    extras = sorted((extra for _, extra in rooms), reverse=True)
    count = 0
    while within < need and count < len(extras):
        within += extras[count]
        count += 1
    return count


@dataclass(frozen=True)
class _LeastLoads:
    """The least new load of households with `placed` per tier, by days waited."""

    lightest: int
    """The lightest households of each tier, ignoring days: a floor for any days."""
    fixed_load: int
    fixed_days: int
    """Load and days of the tiers placed whole (or not at all)."""
    by_days: npt.NDArray[np.int64] | None
    """by_days[d]: least load of the tiers placed in part with exactly d days waited
    (a huge number where none has); None when the programme would be large."""


def _least_loads(ex: ExactProblem, placed: tuple[int, ...]) -> _LeastLoads:
    """Tiers placed whole or not at all are fixed; the households of the tiers placed in
    part are chosen by a dynamic programme over (households chosen, days waited) per
    tier, and the tiers combined over their days."""
    fixed_load = fixed_days = 0
    lightest = 0
    partial: list[tuple[int, list[tuple[int, int]]]] = []
    by_tier: dict[int, list[tuple[int, int]]] = {}
    for h, household in enumerate(ex.households):
        weight = ex.points[h] + (ex.secondary[h] if household.co_working else 0)
        by_tier.setdefault(household.tier, []).append((weight, household.waiting_days))
    for t, members in by_tier.items():
        n = placed[t]
        lightest += sum(sorted(w for w, _ in members)[:n])
        if n == len(members):
            fixed_load += sum(w for w, _ in members)
            fixed_days += sum(d for _, d in members)
        elif n > 0:
            partial.append((n, members))
    if not partial or len(partial) > 2:
        return _LeastLoads(lightest, fixed_load, fixed_days, None)
    tops = [sum(sorted((d for _, d in members), reverse=True)[:n]) for n, members in partial]
    work = sum(len(m) * (n + 1) * (top + 1) for (n, m), top in zip(partial, tops, strict=True))
    if work > WORK_LIMIT or math.prod(top + 1 for top in tops) > WORK_LIMIT:
        return _LeastLoads(lightest, fixed_load, fixed_days, None)
    combined: npt.NDArray[np.int64] | None = None
    for (n, members), top in zip(partial, tops, strict=True):
        # least[k, d]: least load of k of the households so far with d days waited
        least = np.full((n + 1, top + 1), NONE, dtype=np.int64)
        least[0, 0] = 0
        for weight, days in members:
            if days > top:
                continue
            moved = least[:n, :top + 1 - days] + weight
            least[1:, days:] = np.minimum(least[1:, days:], moved)
        row = np.minimum(least[n], NONE)
        if combined is None:
            combined = row
        else:
            # min-plus convolution over days of two tiers placed in part
            pairs = combined[:, None] + row[None, :]
            out = np.full(len(combined) + len(row) - 1, NONE, dtype=np.int64)
            days_at = np.add.outer(np.arange(len(combined)), np.arange(len(row)))
            np.minimum.at(out, days_at.ravel(), np.minimum(pairs, NONE).ravel())
            combined = out
    return _LeastLoads(lightest, fixed_load, fixed_days, combined)


def least_load_for_days(ex: ExactProblem, placed: tuple[int, ...], waited: int) -> int:
    """The least new load of any set of households with `placed` households per tier and
    at least `waited` days waited in all (level 1 fixed before levels 2 and 3).

    See :func:`_least_loads`. The lightest households of each tier (ignoring days)
    bound it from below and stand in when the programme would be large.
    """
    least = _least_loads(ex, placed)
    if least.by_days is None:
        return least.lightest
    start = max(0, waited - least.fixed_days)
    if start >= len(least.by_days):
        return least.lightest  # the days cannot be reached in these terms: claim nothing more
    found = int(least.by_days[start:].min())
    return max(least.lightest, least.fixed_load + found) if found < NONE else least.lightest

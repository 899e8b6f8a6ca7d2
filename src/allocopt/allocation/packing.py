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
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from allocopt.allocation.dealing import NO_CEILING, Dealer
from allocopt.allocation.exact import PCT_UNITS, ExactProblem, pct_units, to_assignments
from allocopt.allocation.problem import Assignment, RoleName
from allocopt.allocation.rule_checks import (
    allowed,
    load_ceilings,
    other_limits,
    required,
    still_allowed,
)
from allocopt.allocation.rule_forms import Taken
from allocopt.allocation.types import allowed_workers, waiting_order


def packing_order(ex: ExactProblem, lightest_first: bool = False) -> list[int]:
    """Households by tier, heaviest (or lightest) first, then longest waiting, then id."""
    sign = 1 if lightest_first else -1
    return sorted(range(len(ex.households)),
                  key=lambda h: (ex.households[h].tier, sign * ex.points[h],
                                 -ex.households[h].waiting_days, ex.households[h].id))


def pins_first(ex: ExactProblem) -> tuple[Dealer, set[int]]:
    """A deal with the pinned households placed (those the rules allow), and the pinned
    households (not to be dealt again)."""
    dealer = Dealer(ex)
    pins = required(ex)
    for h, w in pins:
        if allowed(ex, w, h, "lead", dealer.taken[w]):
            dealer.place(h, w)
    return dealer, {h for h, _ in pins}


def packing_assignments(ex: ExactProblem, lightest_first: bool = False
                        ) -> tuple[Assignment, ...]:
    """Best fit within each tier, every hard rule kept (pins placed first).

    Heaviest first keeps large gaps for large households; lightest first places
    the most households of a tier when room is short (what the priority level
    counts).
    """
    dealer, skip = pins_first(ex)
    for h in packing_order(ex, lightest_first):
        if h in skip:
            continue
        for w in dealer.tightest(h):
            if dealer.place(h, w):
                break
    return dealer.assignments()


def _weight(ex: ExactProblem, h: int) -> int:
    """A household's new load with its co-worker's share (what it takes of the team's room)."""
    return ex.points[h] + (ex.secondary[h] if ex.households[h].co_working else 0)


def _pack(dealer: Dealer, households: list[int]) -> bool:
    """Best fit decreasing: each household, heaviest first, to the allowed worker it leaves
    the least room; False (and nothing placed) if one finds no worker."""
    ex = dealer.ex
    mark = len(dealer.chosen)
    for h in sorted(households, key=lambda h: (-ex.points[h], -ex.households[h].waiting_days,
                                               ex.households[h].id)):
        if not any(dealer.place(h, w) for w in dealer.tightest(h)):
            dealer.undo_to(mark)
            return False
    return True


def tier_subset_assignments(ex: ExactProblem) -> tuple[Assignment, ...]:
    """Tier by tier (highest first), the largest set of the tier's lightest households
    that best fit decreasing packs into the room left, every hard rule kept (pins first).

    Level 1 counts households per tier, highest tier first: placing as many of a tier as
    fit, and the lightest so that the most room is left for the tiers below, is what it
    asks. Among households of equal weight the longest waiting come first. The count is
    found by bisection (packing k households is tried for O(log n) values of k), then
    whatever else of the tier still fits is added, lightest first.
    """
    dealer, skip = pins_first(ex)
    by_tier: dict[int, list[int]] = {}
    for h in waiting_order(ex):
        if h not in skip:
            by_tier.setdefault(ex.households[h].tier, []).append(h)
    for tier in sorted(by_tier):
        room = _room_left(dealer)
        members = sorted(by_tier[tier], key=lambda h: (_weight(ex, h),
                                                       -ex.households[h].waiting_days,
                                                       ex.households[h].id))
        # no more than the room left can hold, lightest first
        hi, used = 0, 0
        while hi < len(members) and used + _weight(ex, members[hi]) <= room:
            used += _weight(ex, members[hi])
            hi += 1
        # most often all of them fit (demand that fits): one packing settles the tier
        if _pack(dealer, members[:hi]):
            lo = hi
        else:
            lo, hi = 0, hi - 1
            while lo < hi:
                mid = (lo + hi + 1) // 2
                mark = len(dealer.chosen)
                if _pack(dealer, members[:mid]):
                    lo = mid
                    dealer.undo_to(mark)
                else:
                    hi = mid - 1
            _pack(dealer, members[:lo])
        for h in members[lo:]:
            for w in dealer.tightest(h):
                if dealer.place(h, w):
                    break
    return dealer.assignments()


def _room_left(dealer: Dealer) -> int:
    """New load the workers can still take under the ceiling, in all (an upper bound)."""
    if (dealer.ceiling >= NO_CEILING).any():
        return NO_CEILING
    return int(np.maximum(dealer.ceiling - dealer.load - dealer.added, 0).sum())


def lowest_after_assignments(ex: ExactProblem) -> tuple[Assignment, ...]:
    """Tier by tier (highest first), heaviest first, each household to the allowed worker
    whose load % after taking it is lowest (ties: worker id), every hard rule kept (pins
    first): the classic rule for an even spread, applied to the whole waiting list."""
    dealer, skip = pins_first(ex)
    order = sorted((h for h in range(len(ex.households)) if h not in skip),
                   key=lambda h: (ex.households[h].tier, -ex.points[h],
                                  -ex.households[h].waiting_days, ex.households[h].id))
    for h in order:
        ws = dealer.fitting(h, "lead")
        ws = ws[dealer.benchmark[ws] > 0]
        if ws.size == 0:
            continue
        after = (dealer.load[ws] + dealer.added[ws] + ex.points[h]) / dealer.benchmark[ws]
        for k in np.lexsort((dealer.rank[ws], after)):
            w = int(ws[k])
            if dealer.allowed_now(h, w) and dealer.place(h, w):
                break
    return dealer.assignments()


def balanced_assignments(ex: ExactProblem, leads: tuple[int, ...]) -> tuple[Assignment, ...] | None:
    """The households `leads` dealt heaviest first to the worker left least loaded.

    Staying within the acceptable band comes first, then the lowest load % after,
    then the better preference match, then the worker id. None if some household
    finds no worker (the set came from a different packing).
    """
    dealer = Dealer(ex)
    pins = dict(required(ex))
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

    Moves are tried in a fixed order: workers from the highest load % down, their
    households heaviest first, to workers from the lowest load % up; a move, else a
    swap with a lighter household of the receiver; the first that improves is kept.
    """
    return balance_search(ex, assignments, max_moves)[0]


def balance_search(ex: ExactProblem, assignments: tuple[Assignment, ...],
                   max_moves: int = 500) -> tuple[tuple[Assignment, ...], bool]:
    """:func:`improve_balance`, and whether it stopped because no move or swap improves
    (then the search started from its result returns that result unchanged)."""
    if len(ex.workers) > LOCAL_SEARCH_WORKERS:
        return assignments, False
    search = _Balance(ex, assignments)
    settled = search.run(max_moves)
    return search.result(), settled


class _Balance:
    """The state of :func:`improve_balance`: who leads what, each worker's new load, and
    the terms of levels 2, 3 and 4 per worker (updated by moves, not recounted: moves
    keep the team's total load, so its load % and each other worker's spread term stay
    as they are)."""

    def __init__(self, ex: ExactProblem, assignments: tuple[Assignment, ...]) -> None:
        self.ex = ex
        n = len(ex.workers)
        self.static = static_leads(ex)
        self.ceiling = load_ceilings(ex)
        # Rows beyond load (count caps, the student limit) look at what a worker holds:
        # only workers they concern keep a full tally.
        self.taken: list[Taken | None] = [Taken() if rows else None
                                          for rows in other_limits(ex)]
        self.added = [0] * n
        self.lead_of: dict[int, int] = {}
        self.second_of: dict[int, int] = {}
        for a in assignments:
            h, w = ex.household_index[a.household_id], ex.worker_index[a.worker_id]
            self.added[w] += ex.points[h] if a.role == "lead" else ex.secondary[h]
            tally = self.taken[w]
            if tally is not None:
                tally.add(ex, h, a.role)
            if a.role == "lead":
                self.lead_of[h] = w
            else:
                self.second_of[h] = w
        self.fixed = {h for h, _ in required(ex)}
        self.amber = [0] * n
        self.pct = [0] * n
        self.in_team = [False] * n
        for w in ex.team:
            self.in_team[w] = True
        self.sb = sum(ex.benchmark[w] for w in ex.team)
        self.sl = sum(ex.load[w] + self.added[w] for w in ex.team)
        self.share = [0] * n
        """Each worker's term of the spread (load % above the team's, hundredths)."""
        self.spread = 0
        self.amber_sum = 0
        """sum(self.amber), kept as terms change (every move weighed reads it)."""
        self._highest: list[tuple[int, int]] | None = None
        """The three highest (load %, worker), highest first; None once a load % changed."""
        for w in range(n):
            self._terms(w)

    def _terms(self, w: int) -> None:
        amber, self.pct[w], term = self._terms_at(w, self.added[w])
        self.amber_sum += amber - self.amber[w]
        self.amber[w] = amber
        self._highest = None
        if self.in_team[w]:
            self.spread += term - self.share[w]
            self.share[w] = term

    def _terms_at(self, w: int, extra: int) -> tuple[int, int, int]:
        """Worker `w`'s terms of levels 2, 3 and 4 (amber, load %, spread share) were they
        given `extra` new load."""
        if extra <= 0:
            # no new load: neither amber nor a load % of its own
            amber = pct = 0
        else:
            top = self.ex.acceptable_max[w]
            total = self.ex.load[w] + extra
            amber = int(top is not None and total > top)
            pct = pct_units(total, self.ex.benchmark[w])
        if not self.in_team[w]:
            return amber, pct, 0
        # objective.spread's term, with the team's totals that moves keep
        ex = self.ex
        b = ex.benchmark[w]
        above = PCT_UNITS * ((ex.load[w] + extra) * self.sb - b * self.sl)
        return amber, pct, (-(-above // (b * self.sb)) if above > 0 else 0)

    def may_lead(self, w: int, h: int, extra: int = 0) -> bool:
        """allowed(), with `extra` new load already given back by `w`: the static rules
        once per load type, the ceiling by arithmetic, caps and limits by tally."""
        if w not in self.static[h]:
            return False
        ex = self.ex
        top = self.ceiling[w]
        points = ex.points[h]
        if top is not None and points > 0 and ex.load[w] + self.added[w] - extra + points > top:
            return False
        tally = self.taken[w]
        return tally is None or still_allowed(ex, w, h, "lead", tally)

    def move(self, h: int, src: int, dst: int) -> None:
        ex = self.ex
        points = ex.points[h]
        self.added[src] -= points
        self.added[dst] += points
        for w, sign in ((src, -1), (dst, 1)):
            tally = self.taken[w]
            if tally is not None:
                (tally.add if sign > 0 else tally.remove)(ex, h, "lead")
            self._terms(w)
        self.lead_of[h] = dst

    def key(self) -> tuple[int, int, int]:
        return (self.amber_sum, self.top(), self.spread)

    def top(self) -> int:
        """Level 3: the team's highest load % (before, or of a worker given work)."""
        return max(self.ex.standing, max(self.pct, default=0))

    def better_after(self, src: int, dst: int, delta: int,
                     current: tuple[int, int, int]) -> tuple[int, int, int] | None:
        """The new key if it beats `current` (the spread is counted only on a tie) with
        `delta` new load moved from `src` to `dst`, worked out without making the move:
        most moves tried are refused, and making and undoing each (tallies and terms of
        both workers, twice) was most of the search's time."""
        return self._better(src, dst, self._terms_at(src, self.added[src] - delta),
                            self._terms_at(dst, self.added[dst] + delta), current)

    def _better(self, src: int, dst: int, t_src: tuple[int, int, int],
                t_dst: tuple[int, int, int], current: tuple[int, int, int]
                ) -> tuple[int, int, int] | None:
        """:meth:`better_after` with the terms of `src` and `dst` after the move given."""
        a_src, p_src, s_src = t_src
        a_dst, p_dst, s_dst = t_dst
        amber = self.amber_sum - self.amber[src] - self.amber[dst] + a_src + a_dst
        if amber > current[0]:
            return None
        highest = self._highest
        if highest is None:
            # the highest load % of the others is among the three highest
            highest = self._highest = sorted(
                zip(self.pct, range(len(self.pct)), strict=True), key=lambda pw: -pw[0])[:3]
        other = next((p for p, w in highest if w != src and w != dst), 0)
        top = max(self.ex.standing, p_src, p_dst, other)
        head = (amber, top)
        if head > current[:2]:
            return None
        new = (*head, self.spread - self.share[src] - self.share[dst] + s_src + s_dst)
        return new if new < current else None

    def _fullest_first(self) -> Callable[[int], float | Fraction]:
        """Sort key: highest load % first (ties keep the worker order)."""
        ex, added = self.ex, self.added
        largest = max((ex.load[w] + added[w] for w in range(len(added))), default=0)
        if largest * max(ex.benchmark, default=1) < 2**50:
            # Quotients of integers this small are correctly rounded floats that are
            # equal exactly when the fractions are, and ordered as they are.
            return lambda w: -(ex.load[w] + added[w]) / max(ex.benchmark[w], 1)
        return lambda w: -Fraction(ex.load[w] + added[w], max(ex.benchmark[w], 1))

    def swap_allowed(self, h: int, src: int, h2: int, dst: int) -> bool:
        """May `dst` lead `h` in place of `h2`, and `src` lead `h2` in place of `h`?"""
        ex = self.ex
        for w, out in ((src, h), (dst, h2)):
            tally = self.taken[w]
            if tally is not None:
                tally.remove(ex, out, "lead")
        ok = self.may_lead(dst, h, ex.points[h2]) and self.may_lead(src, h2, ex.points[h])
        for w, out in ((src, h), (dst, h2)):
            tally = self.taken[w]
            if tally is not None:
                tally.add(ex, out, "lead")
        return ok

    def run(self, max_moves: int) -> bool:
        """Improve until no move or swap does (True) or `max_moves` were made (False)."""
        ex = self.ex
        points = ex.points
        current = self.key()
        for _ in range(max_moves):
            order = sorted(range(len(ex.workers)), key=self._fullest_first())
            held: dict[int, list[int]] = {}
            for h, w in self.lead_of.items():
                if h not in self.fixed:
                    held.setdefault(w, []).append(h)
            found = self._first_improvement(order, held, current, points)
            if found is None:
                return True
            current = found
        return False

    def _first_improvement(self, order: list[int], held: dict[int, list[int]],
                           current: tuple[int, int, int], points: tuple[int, ...]
                           ) -> tuple[int, int, int] | None:
        # may_lead, swap_allowed and better_after inlined: nothing changes until the move
        # returned, so each worker's room under its ceiling is worked out once, and each
        # worker's terms once per new load weighed
        ex, static, taken, added = self.ex, self.static, self.taken, self.added
        second_of = self.second_of
        room = [math.inf if top is None else top - ex.load[w] - added[w]
                for w, top in enumerate(self.ceiling)]
        terms: dict[tuple[int, int], tuple[int, int, int]] = {}
        terms_at = self._terms_at

        def weigh(src: int, dst: int, delta: int) -> tuple[int, int, int] | None:
            extra = added[src] - delta
            t_src = terms.get((src, extra))
            if t_src is None:
                t_src = terms[src, extra] = terms_at(src, extra)
            extra = added[dst] + delta
            t_dst = terms.get((dst, extra))
            if t_dst is None:
                t_dst = terms[dst, extra] = terms_at(dst, extra)
            return self._better(src, dst, t_src, t_dst, current)

        backwards = order[::-1]
        for src in order:
            for h in sorted(held.get(src, ()), key=lambda h: -points[h]):
                second = second_of.get(h)
                leads = static[h]
                p_h = points[h]
                heavy = p_h > 0
                for dst in backwards:
                    if dst in (src, second):
                        continue
                    if (dst in leads and (not heavy or p_h <= room[dst])
                            and ((tally := taken[dst]) is None
                                 or still_allowed(ex, dst, h, "lead", tally))):
                        new = weigh(src, dst, p_h)
                        if new is not None:
                            self.move(h, src, dst)
                            return new
                    for h2 in held.get(dst, ()):
                        p_h2 = points[h2]
                        if p_h2 >= p_h or second_of.get(h2) == src:
                            continue
                        if taken[src] is None and taken[dst] is None:
                            ok = (dst in leads and (not heavy or p_h - p_h2 <= room[dst])
                                  and src in static[h2]
                                  and (p_h2 <= 0 or p_h2 - p_h <= room[src]))
                        else:
                            ok = self.swap_allowed(h, src, h2, dst)
                        if ok:
                            new = weigh(src, dst, p_h - p_h2)
                            if new is not None:
                                self.move(h, src, dst)
                                self.move(h2, dst, src)
                                return new
        return None

    def result(self) -> tuple[Assignment, ...]:
        chosen: list[tuple[int, int, RoleName]] = [(h, w, "lead") for h, w in self.lead_of.items()]
        chosen += [(h, w, "secondary") for h, w in self.second_of.items()]
        return to_assignments(self.ex, chosen)


def static_leads(ex: ExactProblem) -> list[frozenset[int]]:
    """Per household, the workers the static rules allow to lead it."""
    seen: dict[tuple[int, ...], frozenset[int]] = {}
    return [seen.setdefault(leads, frozenset(leads)) for leads, _ in allowed_workers(ex)]


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
    pins = dict(required(ex))
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


def put_back(ex: ExactProblem, dealer: Dealer, were: dict[int, int]) -> tuple[Assignment, ...]:
    """A deal with households that were taken off (`were`: household -> the worker who led
    it) put back where they were, in priority order, wherever every rule still allows it,
    and the rest by the manager's rule (:func:`fill_up`)."""
    for h in waiting_order(ex):
        was = were.get(h)
        if was is not None and (
                dealer.load[was] + dealer.added[was] + ex.points[h] <= dealer.ceiling[was]
                and dealer.allowed_now(h, was)):
            dealer.place(h, was)
    return fill_up(ex, dealer.assignments())


def fill_up(ex: ExactProblem, assignments: tuple[Assignment, ...]) -> tuple[Assignment, ...]:
    """Keep an allocation and add whatever else still fits, by the manager's rule.

    Households not yet placed are offered in priority order (tier, then longest
    waiting) to the least-loaded worker every rule allows. Adding never lowers the
    priority level, so a solver's answer polished this way is at least as good.
    """
    dealer = Dealer(ex)
    placed = set()
    for a in assignments:
        h, w = ex.household_index[a.household_id], ex.worker_index[a.worker_id]
        dealer.record(h, w, a.role)
        placed.add(h)
    pins = {h for h, _ in required(ex)}
    for h in waiting_order(ex):
        if h in placed or h in pins:
            continue
        for w in dealer.least_loaded(h, "lead"):
            if dealer.place(h, w):
                break
    return dealer.assignments()

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

from fractions import Fraction

from allocopt.allocation.dealing import Dealer
from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.greedy import pinned, to_assignments
from allocopt.allocation.objective import preference_score
from allocopt.allocation.problem import Assignment
from allocopt.allocation.rules import RoleName, Taken, allowed


def packing_order(ex: ExactProblem) -> list[int]:
    """Households by tier, heaviest first, then longest waiting, then id."""
    return sorted(range(len(ex.households)),
                  key=lambda h: (ex.households[h].tier, -ex.points[h],
                                 -ex.households[h].waiting_days, ex.households[h].id))


def packing_assignments(ex: ExactProblem) -> tuple[Assignment, ...]:
    """Best fit decreasing within each tier, every hard rule kept (pins placed first)."""
    dealer = Dealer(ex)
    pins = pinned(ex)
    for h, w in pins:
        if allowed(ex, w, h, "lead", dealer.taken[w]):
            dealer.place(h, w)
    skip = {h for h, _ in pins}
    ceiling = ex.problem.policy.rules.band_ceiling
    for h in packing_order(ex):
        if h in skip:
            continue
        fits = []
        for w in dealer.allowed(h, "lead"):
            top = ex.ceiling_max[w]
            room = (top - ex.load[w] - dealer.taken[w].load if ceiling and top is not None
                    else 10**15)
            fits.append((room, ex.workers[w].id, w))
        for _, _, w in sorted(fits):
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
    for h in order:
        keyed = []
        for w in dealer.allowed(h, "lead"):
            if ex.benchmark[w] <= 0:
                continue
            after = ex.load[w] + dealer.taken[w].load + ex.points[h]
            top = ex.acceptable_max[w]
            keyed.append(((top is not None and after > top and ex.points[h] > 0),
                          after / ex.benchmark[w], -preference_score(ex, w, h),
                          ex.workers[w].id, w))
        for *_, w in sorted(keyed):
            if dealer.place(h, w):
                break
        else:
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
        fits = []
        for w in dealer.allowed(h, "lead"):
            b = ex.benchmark[w]
            if b <= 0:
                continue
            room = level * b // 10_000 - ex.load[w] - dealer.taken[w].load - ex.points[h]
            if room >= 0:
                fits.append((room, ex.workers[w].id, w))
        for *_, w in sorted(fits):
            if dealer.place(h, w):
                break
        else:
            return None
    return dealer.assignments()


def lowest_level(ex: ExactProblem, leads: tuple[int, ...], low: int, high: int
                 ) -> tuple[Assignment, ...] | None:
    """The packing at the lowest level in [low, high) that :func:`level_assignments` finds
    by bisection (None if none below `high`)."""
    found = None
    while low < high:
        mid = (low + high) // 2
        packed = level_assignments(ex, leads, mid)
        if packed is None:
            low = mid + 1
        else:
            found, high = packed, mid
    return found


def repair_to_level(ex: ExactProblem, assignments: tuple[Assignment, ...], level: int,
                    max_moves: int = 2_000) -> tuple[Assignment, ...] | None:
    """Move or swap lead households until nobody given work is above `level` (hundredths
    of a percent); None if stuck. Works from a packing already close to the level, so it
    scales where a fresh search does not."""
    taken = [Taken() for _ in ex.workers]
    lead_of: dict[int, int] = {}
    second_of: dict[int, int] = {}
    held: list[set[int]] = [set() for _ in ex.workers]
    for a in assignments:
        h, w = ex.household_index[a.household_id], ex.worker_index[a.worker_id]
        taken[w].add(ex, h, a.role)
        if a.role == "lead":
            lead_of[h] = w
            held[w].add(h)
        else:
            second_of[h] = w
    fixed = {h for h, _ in pinned(ex)}

    def limit(w: int) -> int:
        """Most load the worker may hold and stay at or under the level."""
        return level * ex.benchmark[w] // 10_000 if ex.benchmark[w] > 0 else 0

    def over(w: int) -> bool:
        return taken[w].load > 0 and ex.load[w] + taken[w].load > limit(w)

    def move(h: int, src: int, dst: int) -> None:
        taken[src].remove(ex, h, "lead")
        held[src].discard(h)
        taken[dst].add(ex, h, "lead")
        held[dst].add(h)
        lead_of[h] = dst

    def fits(h: int, dst: int, leaving: int | None = None) -> bool:
        if dst == second_of.get(h):
            return False
        if leaving is not None:
            taken[dst].remove(ex, leaving, "lead")
        ok = (ex.load[dst] + taken[dst].load + ex.points[h] <= limit(dst)
              and allowed(ex, dst, h, "lead", taken[dst]))
        if leaving is not None:
            taken[dst].add(ex, leaving, "lead")
        return ok

    moves = 0
    workers = range(len(ex.workers))
    while moves < max_moves:
        busy = [w for w in workers if over(w)]
        if not busy:
            break
        src = busy[0]
        progress = False
        by_room = sorted(workers, key=lambda w: ex.load[w] + taken[w].load - limit(w))
        for h in sorted(held[src] - fixed, key=lambda h: -ex.points[h]):
            for dst in by_room:
                if dst != src and fits(h, dst):
                    move(h, src, dst)
                    progress = True
                    break
            if progress:
                break
        if not progress:
            for h in sorted(held[src] - fixed, key=lambda h: -ex.points[h]):
                for dst in by_room:
                    if dst == src:
                        continue
                    for h2 in sorted(held[dst] - fixed, key=lambda g: ex.points[g]):
                        if ex.points[h2] >= ex.points[h] or second_of.get(h2) == src:
                            continue
                        if not fits(h, dst, leaving=h2):
                            continue
                        move(h, src, dst)
                        move(h2, dst, src)
                        if allowed_all(ex, src, h2, taken) and not over(dst):
                            progress = True
                            break
                        move(h2, src, dst)
                        move(h, dst, src)
                    if progress:
                        break
                if progress:
                    break
        if not progress:
            return None
        moves += 1
    if any(over(w) for w in workers):
        return None
    chosen: list[tuple[int, int, RoleName]] = [(h, w, "lead") for h, w in lead_of.items()]
    chosen += [(h, w, "secondary") for h, w in second_of.items()]
    return to_assignments(ex, chosen)


def allowed_all(ex: ExactProblem, w: int, h: int, taken: list[Taken]) -> bool:
    """Every hard rule still allows `w` the household `h` it now leads."""
    taken[w].remove(ex, h, "lead")
    ok = allowed(ex, w, h, "lead", taken[w])
    taken[w].add(ex, h, "lead")
    return ok


def lower_level(ex: ExactProblem, assignments: tuple[Assignment, ...], low: int, high: int
                ) -> tuple[Assignment, ...] | None:
    """Repair a packing at level `high` down to the lowest level in [low, high) it reaches."""
    found = None
    while low < high:
        mid = (low + high) // 2
        repaired = repair_to_level(ex, found or assignments, mid)
        if repaired is None:
            low = mid + 1
        else:
            found, high = repaired, mid
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
        dealer.taken[w].add(ex, h, a.role)
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
